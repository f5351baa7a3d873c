//! The measuring pieces the UTXO designs' operator benches share: resident memory, the signature
//! recovery limit, one timed `submit_batch` + `build_block` round, medians, and the criterion
//! benchmarks of `submit_tx` and of a full block, generic over the operator
//! ([`Workloads`](plasma_core::bench::Workloads)).
//!
//! Bench support only: a failed measurement (a refused workload transaction, a signature that
//! does not recover) is a broken bench and panics.

#![allow(clippy::expect_used)]

use std::{num::NonZeroUsize, time::Instant};

use criterion::{BatchSize, Criterion};
use plasma_core::{
    Domain, Signature,
    alloy_primitives::{Address, B256},
    bench::Workloads,
    recover,
};

/// The benches' deployment: chain 31337, a framework at `0xfa…fa`.
#[must_use]
pub fn bench_domain() -> Domain {
    Domain::new(31_337, Address::repeat_byte(0xfa))
}

/// Resident set size of this process, in bytes (`0` where `/proc/self/statm` cannot be read).
#[must_use]
pub fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|pages| pages.parse::<u64>().ok()).unwrap_or(0) * 4096
}

/// The resident bytes that building `make()` adds, measured around it; `check` then looks at what
/// it built before it is dropped. Call it first, while the allocator holds nothing freed that the
/// workload could reuse.
pub fn resident_cost<T>(make: impl FnOnce() -> T, check: impl FnOnce(&T)) -> u64 {
    let before = resident_bytes();
    let state = make();
    let bytes = resident_bytes().saturating_sub(before);
    check(&state);
    drop(state);
    bytes
}

/// The sizes a throughput bench runs at: `(transactions, unspent outputs)`, the full ones
/// (`full_block`, 1,000,000) under `cargo bench` (`--bench` among the arguments), small ones as a
/// smoke test otherwise (as `cargo test --benches` runs it).
#[must_use]
pub fn throughput_sizes(full_block: usize) -> (usize, usize) {
    if std::env::args().any(|arg| arg == "--bench") { (full_block, 1_000_000) } else { (2_048, 10_000) }
}

/// Asserts what a payment workload promises: every one of `txs` is accepted by `operator` in one
/// batch, and they seal into one block of `txs.len()` transactions (`len` says how many a block
/// holds) with a non-empty root. A block that does not seal is the operator's error.
pub fn assert_workload_seals<O: Workloads>(
    mut operator: O,
    txs: Vec<O::Tx>,
    len: impl Fn(&O::Block) -> usize,
) -> Result<(), O::Error> {
    let count = txs.len();
    assert!(operator.submit_all(txs).iter().all(Result::is_ok));
    let block = operator.build_block()?;
    assert_eq!(len(&block), count);
    assert_ne!(plasma_core::ChildBlock::root(&block), B256::ZERO);
    Ok(())
}

/// Number of threads the machine offers (at least one).
#[must_use]
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// Recovers every `(digest, signature)` of `sigs` on `threads` threads; returns how many failed.
#[must_use]
pub fn recover_on(sigs: &[(B256, Signature)], threads: usize) -> usize {
    std::thread::scope(|scope| {
        let workers: Vec<_> = sigs
            .chunks(sigs.len().div_ceil(threads).max(1))
            .map(|chunk| scope.spawn(move || chunk.iter().filter(|(d, s)| recover(*d, s).is_err()).count()))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(usize::MAX)).sum()
    })
}

/// Seconds to recover every signature of `sigs` on `threads` threads; panics if one fails.
#[must_use]
pub fn time_recoveries(sigs: &[(B256, Signature)], threads: usize) -> f64 {
    let started = Instant::now();
    assert_eq!(recover_on(sigs, threads), 0);
    started.elapsed().as_secs_f64()
}

/// The median of `xs` (the upper one of an even count); panics on an empty list.
#[must_use]
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// What one timed round measured.
#[derive(Clone, Copy, Debug)]
pub struct Round {
    /// Signature recoveries per second on every core (the recovery limit).
    pub limit: f64,
    /// Transactions per second `submit_all` accepted.
    pub rate: f64,
    /// Milliseconds `build_block` took.
    pub build_ms: f64,
}

/// One round: the recovery limit over `sigs` on `threads` threads, then `submit_all` of `txs` on a
/// copy of `operator` (every transaction must be accepted) and `build_block` of them; returns the
/// figures and the block, or the operator's error when the block does not seal.
pub fn round<O: Workloads + Clone>(
    operator: &O,
    txs: &[O::Tx],
    sigs: &[(B256, Signature)],
    threads: usize,
) -> Result<(Round, O::Block), O::Error>
where
    O::Tx: Clone,
{
    let limit = sigs.len() as f64 / time_recoveries(sigs, threads);
    let (mut op, batch) = (operator.clone(), txs.to_vec());
    let started = Instant::now();
    let results = op.submit_all(batch);
    let rate = txs.len() as f64 / started.elapsed().as_secs_f64();
    assert!(results.iter().all(Result::is_ok));
    let started = Instant::now();
    let block = op.build_block()?;
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    Ok((Round { limit, rate, build_ms }, block))
}

/// Criterion: `submit_tx` of one transaction of `txs` (each iteration the next one) on a copy of
/// `operator`, named `name`.
pub fn bench_submit_tx<O: Workloads + Clone>(c: &mut Criterion, name: &str, operator: &O, txs: &[O::Tx])
where
    O::Tx: Clone,
{
    let mut next = 0;
    c.bench_function(name, |b| {
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

/// Criterion, in group `group` (10 samples): `submit_batch_65536` (`submit_all` of `txs` on a copy
/// of `operator`) and `build_block_65536` (sealing them), after `extra` adds its own benchmarks to
/// the group first.
pub fn bench_full_block<O: Workloads + Clone>(
    c: &mut Criterion,
    group: &str,
    operator: &O,
    txs: &[O::Tx],
    extra: impl FnOnce(&mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>),
) where
    O::Tx: Clone,
{
    let mut pending = operator.clone();
    assert!(pending.submit_all(txs.to_vec()).iter().all(Result::is_ok));
    let mut group = c.benchmark_group(group);
    group.sample_size(10);
    extra(&mut group);
    group.bench_function("submit_batch_65536", |b| {
        b.iter_batched(
            || (operator.clone(), txs.to_vec()),
            |(mut op, txs)| {
                let results = op.submit_all(txs);
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
