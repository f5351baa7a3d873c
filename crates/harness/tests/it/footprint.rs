//! The footprint of every design: non-zero sizes, the proofs each design has, how storage and
//! downloads grow with blocks and users, and determinism.
//!
//! `cargo test -p plasma-harness --test it footprint -- --nocapture` prints every figure and the time
//! the five measurements take.

#![allow(clippy::print_stdout)]

use std::{collections::BTreeMap, sync::OnceLock, time::Instant};

use plasma_harness::footprint::{BLOCK_POINTS, Footprint, USER_POINTS, footprint};

const NAMES: [&str; 5] = ["mvp", "morevp", "cash", "xt", "debit"];

/// Every footprint, measured once for all tests (and printed).
fn all() -> &'static BTreeMap<&'static str, Footprint> {
    static ALL: OnceLock<BTreeMap<&'static str, Footprint>> = OnceLock::new();
    ALL.get_or_init(|| {
        let started = Instant::now();
        let all: BTreeMap<_, _> = NAMES.iter().map(|n| (*n, footprint(n).unwrap().unwrap())).collect();
        println!("footprint of the five designs: {:.2} s", started.elapsed().as_secs_f64());
        for (name, f) in &all {
            let s = &f.sizes;
            println!(
                "{name}: tx {} B, inclusion {} B, exclusion {:?} B, block {} B ({} txs)",
                s.tx_bytes, s.inclusion_proof_bytes, s.exclusion_proof_bytes, s.block_bytes, s.block_txs
            );
            for p in f.by_blocks.iter().chain(&f.by_users) {
                println!(
                    "  {:>5} blocks {:>6} users: stored {:>9} B, downloaded {:>11} B",
                    p.blocks, p.users, p.stored_bytes, p.downloaded_bytes
                );
            }
            println!("  stored: {}\n  downloaded: {}", f.stored, f.downloaded);
        }
        all
    })
}

fn get(name: &str) -> &'static Footprint {
    &all()[name]
}

#[test]
fn footprint_unknown_name_is_none() {
    assert!(footprint("plasma-prime").unwrap().is_none());
}

#[test]
fn footprint_sizes_are_non_zero_and_proofs_match_the_design() {
    for name in NAMES {
        let f = get(name);
        let s = &f.sizes;
        assert!(s.tx_bytes > 0 && s.inclusion_proof_bytes > 0 && s.block_bytes > 0, "{name}");
        assert_eq!(s.block_txs, 100, "{name}: one user in ten of 1,000 pays");
        assert_eq!(f.by_blocks.iter().map(|p| p.blocks).collect::<Vec<_>>(), BLOCK_POINTS, "{name}");
        assert_eq!(f.by_users.iter().map(|p| p.users).collect::<Vec<_>>(), USER_POINTS, "{name}");
        for p in f.by_blocks.iter().chain(&f.by_users) {
            assert!(p.stored_bytes > 0 && p.downloaded_bytes > 0, "{name} {p:?}");
        }
        assert!(!f.stored.is_empty() && !f.downloaded.is_empty());
    }
    for name in ["cash", "xt", "debit"] {
        let exclusion = get(name).sizes.exclusion_proof_bytes.unwrap();
        // Bitmap-compressed: 8 bytes and 32 per non-empty sibling, far below 64 × 32.
        assert!(exclusion >= 8 && (exclusion - 8).is_multiple_of(32) && exclusion < 64 * 32, "{name}: {exclusion}");
    }
    for name in ["mvp", "morevp"] {
        assert_eq!(get(name).sizes.exclusion_proof_bytes, None, "{name}");
        assert_eq!(get(name).sizes.inclusion_proof_bytes, 16 * 32, "{name}: depth-16 binary proof");
    }
    // The wire forms of docs/: 582 (MVP), 384 + 65 (MoreVP), 161 (Cash, XT), 385 (Debit).
    let tx: Vec<usize> = NAMES.iter().map(|n| get(n).sizes.tx_bytes).collect();
    assert_eq!(tx, [582, 449, 161, 161, 385]);
    for name in NAMES {
        let s = &get(name).sizes;
        assert_eq!(s.block_bytes, s.block_txs * s.tx_bytes, "{name}: a block is its payments");
    }
}

#[test]
fn footprint_cash_storage_grows_with_blocks_mvp_storage_does_not() {
    let stored = |name: &str| get(name).by_blocks.iter().map(|p| p.stored_bytes).collect::<Vec<_>>();
    let cash = stored("cash");
    assert!(cash.windows(2).all(|w| w[0] < w[1]), "{cash:?}");
    assert!(cash[3] > 50 * cash[0], "{cash:?}");
    for name in ["mvp", "morevp"] {
        let flat = stored(name);
        // The deposit after one block, the received output from the first move on.
        assert!(flat[0] < flat[1], "{name}: {flat:?}");
        assert_eq!((flat[1], flat[2]), (flat[3], flat[3]), "{name}: {flat:?}");
    }
    let debit = stored("debit");
    assert!(debit.windows(2).all(|w| w[0] < w[1]) && debit[3] > cash[3], "Debit txs are larger: {debit:?}");
}

#[test]
fn footprint_mvp_download_grows_with_users_cash_only_logarithmically() {
    let downloaded = |name: &str| get(name).by_users.iter().map(|p| p.downloaded_bytes).collect::<Vec<_>>();
    for name in ["mvp", "morevp"] {
        let d = downloaded(name);
        // A thousand times the users, a thousand times the block.
        assert_eq!(d[3], 1_000 * d[0], "{name}: {d:?}");
        assert!(d.windows(2).all(|w| w[1] == 10 * w[0]), "{name}: {d:?}");
    }
    for name in ["cash", "xt", "debit"] {
        let d = downloaded(name);
        // Each tenfold of users adds at most 4 carried siblings (log2 10 < 4, 32 bytes each) to
        // the coin's proof of each of the 100 blocks: logarithmic, where MVP's grows tenfold.
        assert!(d.windows(2).all(|w| w[0] < w[1] && w[1] - w[0] <= 100 * 4 * 32), "{name}: {d:?}");
        assert!(d[3] < 10 * d[0], "{name}: 1,000 times the users, less than 10 times the bytes: {d:?}");
    }
    // Also per block, the Cash family downloads far less than a full block at 10,000 users.
    let mvp = downloaded("mvp")[3];
    assert!(downloaded("cash")[3] * 100 < mvp, "cash {:?} vs mvp {mvp}", downloaded("cash"));
}

#[test]
fn footprint_xt_stores_less_than_cash_after_its_checkpoints() {
    let (xt, cash) = (&get("xt").by_blocks, &get("cash").by_blocks);
    // No checkpoint finalised before 200 blocks: the same history as Cash.
    for i in 0..3 {
        assert_eq!(xt[i].stored_bytes, cash[i].stored_bytes, "{:?}", xt[i]);
    }
    assert!(xt[3].stored_bytes * 4 < cash[3].stored_bytes, "xt {:?} cash {:?}", xt[3], cash[3]);
    // XT downloads Cash's proofs plus one state proof per checkpoint.
    assert_eq!(
        xt[2].downloaded_bytes,
        cash[2].downloaded_bytes + (xt[3].downloaded_bytes - cash[3].downloaded_bytes) / 10
    );
    assert!(xt[3].downloaded_bytes > cash[3].downloaded_bytes);
}

#[test]
fn footprint_is_deterministic() {
    for name in NAMES {
        assert_eq!(&footprint(name).unwrap().unwrap(), get(name), "{name}");
    }
}
