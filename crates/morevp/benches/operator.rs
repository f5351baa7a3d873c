//! Criterion benchmarks of the MoreVP operator on one-input payments (`plasma_morevp::bench`
//! workloads): the transaction hash, `submit_tx` of one transaction, `submit_batch` of a full block
//! (65,536) and `build_block` of a full block.
//!
//! `cargo bench -p plasma-morevp --bench operator` (append `-- --quick` for a short run). The
//! names start with `morevp/` so that criterion never compares them with the MVP benches' results
//! (both live in the same `target/criterion`). The one-shot figures are in the `throughput` bench.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use plasma_core::{ChildChain, Domain, alloy_primitives::Address};
use plasma_morevp::{
    bench::{Workload, one_input_workload},
    tx::MAX_TXS_PER_BLOCK,
};

fn domain() -> Domain {
    Domain::new(31_337, Address::repeat_byte(0xfa))
}

fn hashing(c: &mut Criterion) {
    let Workload { txs, .. } = one_input_workload(1, domain()).unwrap();
    let tx = &txs[0];
    c.bench_function("morevp/tx_hash", |b| b.iter(|| black_box(tx).tx_hash(&domain())));
    let wire = tx.encode();
    c.bench_function("morevp/tx_decode", |b| b.iter(|| plasma_morevp::SignedTx::decode(black_box(&wire))));
}

fn submit_tx(c: &mut Criterion) {
    let Workload { operator, txs } = one_input_workload(1024, domain()).unwrap();
    let mut next = 0;
    c.bench_function("morevp/submit_tx_one_input", |b| {
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
    let mut pending = operator.clone();
    assert!(pending.submit_batch(txs.clone()).iter().all(Result::is_ok));

    let mut group = c.benchmark_group("morevp");
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
