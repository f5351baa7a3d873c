//! Criterion benchmarks of the MVP operator on one-input payments (`plasma_mvp::bench` workloads):
//! `submit_tx` of one transaction, `submit_batch` of a full block (65,536), `build_block` of a
//! full block, and, for comparison with the batch, the same 65,536 signature recoveries alone on
//! every core.
//!
//! `cargo bench -p plasma-mvp --bench operator` (append `-- --quick` for a short run). The
//! one-shot figures against the targets are in the `throughput` bench.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::{hint::black_box, num::NonZeroUsize};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use plasma_core::{
    ChildChain, Domain, Signature,
    alloy_primitives::{Address, B256},
    recover,
};
use plasma_mvp::{
    bench::{Workload, one_input_workload},
    tx::MAX_TXS_PER_BLOCK,
};

fn domain() -> Domain {
    Domain::new(31_337, Address::repeat_byte(0xfa))
}

/// Recovers every `(digest, signature)` on all available cores; returns how many failed.
fn recover_all(sigs: &[(B256, Signature)]) -> usize {
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    std::thread::scope(|scope| {
        let workers: Vec<_> = sigs
            .chunks(sigs.len().div_ceil(threads).max(1))
            .map(|chunk| scope.spawn(move || chunk.iter().filter(|(d, s)| recover(*d, s).is_err()).count()))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    })
}

fn hashing(c: &mut Criterion) {
    let Workload { txs, .. } = one_input_workload(1, domain()).unwrap();
    let tx = &txs[0];
    let hash = tx.tx_hash(&domain());
    c.bench_function("tx/hash", |b| b.iter(|| black_box(tx).tx_hash(&domain())));
    c.bench_function("tx/leaf", |b| b.iter(|| black_box(tx).leaf_with_hash(hash)));
}

fn submit_tx(c: &mut Criterion) {
    let Workload { operator, txs } = one_input_workload(1024, domain()).unwrap();
    let mut next = 0;
    c.bench_function("operator/submit_tx_one_input", |b| {
        b.iter_batched(
            || {
                next = (next + 1) % txs.len();
                (operator.clone(), txs[next].clone())
            },
            |(mut op, tx)| {
                let result = op.submit_tx(tx);
                (op, result)
            },
            BatchSize::LargeInput,
        );
    });
}

fn full_block(c: &mut Criterion) {
    let Workload { operator, txs } = one_input_workload(MAX_TXS_PER_BLOCK, domain()).unwrap();
    let sigs: Vec<(B256, Signature)> =
        txs.iter().map(|tx| (tx.tx_hash(&domain()), tx.sigs[0].expect("one-input payment"))).collect();
    let mut pending = operator.clone();
    assert!(pending.submit_batch(txs.clone()).iter().all(Result::is_ok));

    let mut group = c.benchmark_group("operator");
    group.sample_size(10);
    group.bench_function("recover_65536_all_cores", |b| b.iter(|| assert_eq!(recover_all(black_box(&sigs)), 0)));
    group.bench_function("submit_batch_65536", |b| {
        b.iter_batched(
            || (operator.clone(), txs.clone()),
            |(mut op, txs)| {
                let results = op.submit_batch(txs);
                (op, results)
            },
            BatchSize::PerIteration,
        );
    });
    group.bench_function("build_block_65536", |b| {
        b.iter_batched(
            || pending.clone(),
            |mut op| {
                let block = op.build_block();
                (op, block)
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, hashing, submit_tx, full_block);
criterion_main!(benches);
