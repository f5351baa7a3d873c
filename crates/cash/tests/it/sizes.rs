//! What a Plasma Cash client stores, measured: the bytes of one coin's history after 1,000 blocks
//! of 1,000 coins each (the coin moving every 10 blocks), and the bitmap-compressed proof sizes
//! against the uncompressed 64 × 32 bytes for blocks of 1 to 65,536 coins.
//!
//! `cargo test -p plasma-cash --release --test it sizes -- --nocapture --test-threads 1` prints the
//! figures.

#![allow(clippy::print_stdout)]

use crate::common::domain;
use plasma_cash::{
    Entry,
    bench::{coin_ids, deposit_blknum, filled_block, history_workload},
    history::proof_len,
};
use plasma_core::{
    SparseTree,
    alloy_primitives::{B256, keccak256},
    merkle::sparse::DEPTH,
};

/// An uncompressed proof: one 32-byte sibling per level.
const UNCOMPRESSED: usize = DEPTH * 32;

#[test]
fn stored_bytes_per_coin_after_1000_blocks_of_1000_coins() {
    let (blocks, coins, every) = (1_000, 1_000, 10);
    let w = history_workload(blocks, coins, every, &domain()).unwrap();
    let history = &w.history;
    assert_eq!(history.verify(&domain(), &w.roots).unwrap(), w.owner);
    let entries = history.entries();
    assert_eq!(entries.len(), blocks);
    let (moved, stayed): (Vec<_>, Vec<_>) = entries.iter().partition(|(_, e)| matches!(e, Entry::Moved { .. }));
    let moved: Vec<usize> = moved.iter().map(|(_, e)| proof_len(e.proof())).collect();
    let stayed: Vec<usize> = stayed.iter().map(|(_, e)| proof_len(e.proof())).collect();
    assert_eq!(moved.len(), blocks / every);
    let proof_bytes: usize = moved.iter().chain(&stayed).sum();
    let stored = history.stored_bytes();
    // The docs/cash.md formula, term by term.
    assert_eq!(stored, 60 + 8 * blocks + proof_bytes + 161 * moved.len());
    let uncompressed = 60 + blocks * (8 + UNCOMPRESSED) + 161 * moved.len();
    assert!(stored < uncompressed);
    let mean = |xs: &[usize]| xs.iter().sum::<usize>() as f64 / xs.len() as f64;
    println!(
        "history of coin {} over {blocks} blocks of {coins} coins, moving every {every} blocks: {stored} bytes stored \
         ({:.1} bytes per block; {} moves, {} stays)",
        history.coin_id(),
        stored as f64 / blocks as f64,
        moved.len(),
        stayed.len(),
    );
    println!(
        "  proofs: {proof_bytes} bytes, mean {:.1} (moved) / {:.1} (stayed) bytes; with uncompressed proofs the history \
         would take {uncompressed} bytes",
        mean(&moved),
        mean(&stayed)
    );
}

struct ProofStats {
    min: usize,
    max: usize,
    mean: f64,
}

fn stats(lengths: impl Iterator<Item = usize>) -> ProofStats {
    let (mut min, mut max, mut sum, mut n) = (usize::MAX, 0, 0, 0);
    for len in lengths {
        (min, max, sum, n) = (min.min(len), max.max(len), sum + len, n + 1);
    }
    ProofStats { min, max, mean: sum as f64 / n as f64 }
}

#[test]
fn proof_bytes_compressed_versus_uncompressed() {
    println!(
        "{:>7} {:>22} {:>10} {:>14} {:>10} {:>16}",
        "coins", "inclusion min/mean/max", "exclusion", "uncompressed", "ratio", "random ids mean"
    );
    for count in [1usize, 16, 256, 4_096, 65_536] {
        let block = filled_block(count, &domain()).unwrap();
        let root = block.root();
        let ids = coin_ids(count);
        let proofs: Vec<_> = ids.iter().map(|id| block.proof(*id)).collect();
        for (i, (id, proof)) in ids.iter().zip(&proofs).enumerate() {
            assert_eq!(proof.to_bytes().len(), 8 + 32 * proof.bitmap.count_ones() as usize);
            if i % 97 == 0 {
                assert!(proof.verify_inclusion(root, *id, block.tx_hash(*id).unwrap()));
            }
        }
        let inclusion = stats(proofs.iter().map(proof_len));
        let absent = deposit_blknum(count as u64);
        let exclusion = block.exclusion_proof(absent, 1000).unwrap();
        assert!(exclusion.verify_exclusion(root, absent));

        // The same number of coins at pseudo-random 64-bit ids, for comparison.
        let random: Vec<(u64, B256)> = (0..count as u64)
            .map(|i| {
                let h = keccak256(i.to_be_bytes());
                (u64::from_be_bytes(h[..8].try_into().unwrap()), h)
            })
            .collect();
        let tree = SparseTree::from_leaves(random.iter().copied()).unwrap();
        let random_stats = stats(random.iter().map(|(k, _)| proof_len(&tree.proof(*k))));

        assert!(inclusion.max < UNCOMPRESSED && random_stats.max < UNCOMPRESSED);
        if count == 1 {
            assert_eq!((inclusion.min, inclusion.max), (8, 8));
        }
        println!(
            "{count:>7} {:>22} {:>10} {UNCOMPRESSED:>14} {:>10.3} {:>16.1}",
            format!("{}/{:.1}/{}", inclusion.min, inclusion.mean, inclusion.max),
            proof_len(&exclusion),
            inclusion.mean / UNCOMPRESSED as f64,
            random_stats.mean,
        );
    }
}
