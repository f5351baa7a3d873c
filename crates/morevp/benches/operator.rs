//! Criterion benchmarks of the MoreVP operator on one-input payments (`plasma_morevp::bench`
//! workloads): the transaction hash, `submit_tx` of one transaction, `submit_batch` of a full block
//! (65,536) and `build_block` of a full block.
//!
//! `cargo bench -p plasma-morevp --bench operator` (append `-- --quick` for a short run). The
//! names start with `morevp/` so that criterion never compares them with the MVP benches' results
//! (both live in the same `target/criterion`). The one-shot figures are in the `throughput` bench.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use plasma_morevp::{
    bench::{Workload, one_input_workload},
    tx::MAX_TXS_PER_BLOCK,
};
use plasma_testkit::perf::{bench_domain as domain, bench_full_block, bench_submit_tx};

fn hashing(c: &mut Criterion) {
    let txs = one_input_workload(1, domain()).unwrap().txs;
    let tx = &txs[0];
    c.bench_function("morevp/tx_hash", |b| b.iter(|| black_box(tx).tx_hash(&domain())));
    let wire = tx.encode();
    c.bench_function("morevp/tx_decode", |b| b.iter(|| plasma_morevp::SignedTx::decode(black_box(&wire))));
}

fn submit_tx(c: &mut Criterion) {
    let Workload { operator, txs } = one_input_workload(1024, domain()).unwrap();
    bench_submit_tx(c, "morevp/submit_tx_one_input", &operator, &txs);
}

fn full_block(c: &mut Criterion) {
    let Workload { operator, txs } = one_input_workload(MAX_TXS_PER_BLOCK, domain()).unwrap();
    bench_full_block(c, "morevp", &operator, &txs, |_| {});
}

criterion_group!(benches, hashing, submit_tx, full_block);
criterion_main!(benches);
