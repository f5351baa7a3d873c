//! Criterion benchmarks of Plasma Cash (`plasma_cash::bench` workloads):
//!
//! - `cash_tx/hash`: one `txHash`;
//! - `cash_operator/submit_tx_one_coin` and `cash_operator/submit_batch_65536`: accepting one-coin transfers;
//! - `cash_block/build_65536`: sealing 65,536 coins into a block (the sparse tree over their hashes);
//! - `cash_block/proofs_65536`: the proofs of all 65,536 coins of that block;
//! - `cash_history/verify_1000_blocks`: verifying one coin's history over 1,000 blocks of 1,000 coins,
//!   the coin moving every 10 blocks (1,000 proofs and 100 signature recoveries).
//!
//! `cargo bench -p plasma-cash --bench cash` (append `-- --quick` for a short run).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use plasma_cash::bench::{Workload, coin_ids, history_workload, one_input_workload};
use plasma_core::{ChildChain, Domain, alloy_primitives::Address};

const FULL: usize = 65_536;

fn domain() -> Domain {
    Domain::new(31_337, Address::repeat_byte(0xfa))
}

fn hashing(c: &mut Criterion) {
    let Workload { txs, .. } = one_input_workload(1, domain()).unwrap();
    let tx = txs[0];
    c.bench_function("cash_tx/hash", |b| b.iter(|| black_box(tx).tx_hash(&domain())));
}

fn submit(c: &mut Criterion) {
    let Workload { operator, txs } = one_input_workload(1024, domain()).unwrap();
    let mut next = 0;
    c.bench_function("cash_operator/submit_tx_one_coin", |b| {
        b.iter_batched(
            || {
                next = (next + 1) % txs.len();
                (operator.clone(), txs[next])
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
    let Workload { operator, txs } = one_input_workload(FULL, domain()).unwrap();
    let mut pending = operator.clone();
    assert!(pending.submit_batch(txs.clone()).iter().all(Result::is_ok));
    let block = pending.clone().build_block().unwrap();
    let ids = coin_ids(FULL);

    let mut group = c.benchmark_group("cash_operator");
    group.sample_size(10);
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
    group.finish();

    let mut group = c.benchmark_group("cash_block");
    group.sample_size(10);
    group.bench_function("build_65536", |b| {
        b.iter_batched(
            || pending.clone(),
            |mut op| {
                let block = op.build_block();
                (op, block)
            },
            BatchSize::PerIteration,
        );
    });
    group.bench_function("proofs_65536", |b| {
        b.iter(|| ids.iter().map(|id| black_box(block.proof(*id)).siblings.len()).sum::<usize>());
    });
    group.finish();
}

fn history(c: &mut Criterion) {
    let w = history_workload(1_000, 1_000, 10, &domain()).unwrap();
    let mut group = c.benchmark_group("cash_history");
    group.sample_size(20);
    group.bench_function("verify_1000_blocks", |b| {
        b.iter(|| assert_eq!(black_box(&w.history).verify(&domain(), &w.roots).unwrap(), w.owner));
    });
    group.finish();
}

criterion_group!(benches, hashing, submit, full_block, history);
criterion_main!(benches);
