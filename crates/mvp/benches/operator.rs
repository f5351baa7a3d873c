//! Criterion benchmarks of the MVP operator on one-input payments (`plasma_mvp::bench` workloads):
//! `submit_tx` of one transaction, `submit_batch` of a full block (65,536), `build_block` of a
//! full block, and, for comparison with the batch, the same 65,536 signature recoveries alone on
//! every core.
//!
//! `cargo bench -p plasma-mvp --bench operator` (append `-- --quick` for a short run). The
//! one-shot figures against the targets are in the `throughput` bench.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use plasma_core::{Signature, alloy_primitives::B256};
use plasma_mvp::{
    bench::{Workload, one_input_workload},
    tx::MAX_TXS_PER_BLOCK,
};
use plasma_testkit::perf::{bench_domain as domain, bench_full_block, bench_submit_tx, recover_on, threads};

fn hashing(c: &mut Criterion) {
    let Workload { txs, .. } = one_input_workload(1, domain()).unwrap();
    let tx = &txs[0];
    let hash = tx.tx_hash(&domain());
    c.bench_function("tx/hash", |b| b.iter(|| black_box(tx).tx_hash(&domain())));
    c.bench_function("tx/leaf", |b| b.iter(|| black_box(tx).leaf_with_hash(hash)));
}

fn submit_tx(c: &mut Criterion) {
    let Workload { operator, txs } = one_input_workload(1024, domain()).unwrap();
    bench_submit_tx(c, "operator/submit_tx_one_input", &operator, &txs);
}

fn full_block(c: &mut Criterion) {
    let Workload { operator, txs } = one_input_workload(MAX_TXS_PER_BLOCK, domain()).unwrap();
    let sigs: Vec<(B256, Signature)> =
        txs.iter().map(|tx| (tx.tx_hash(&domain()), tx.sigs[0].expect("one-input payment"))).collect();
    let threads = threads();
    bench_full_block(c, "operator", &operator, &txs, |group| {
        group.bench_function("recover_65536_all_cores", |b| {
            b.iter(|| assert_eq!(recover_on(black_box(&sigs), threads), 0));
        });
    });
}

criterion_group!(benches, hashing, submit_tx, full_block);
criterion_main!(benches);
