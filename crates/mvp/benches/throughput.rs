//! One-shot figures of the MVP operator against its performance targets, all measured in the same
//! run (release build):
//!
//! - the recovery limit: 65,536 signature recoveries on every core (and on one core);
//! - `submit_batch` of 65,536 one-input payments, as a rate and as a fraction of that limit
//!   (target: at least 0.7);
//! - `build_block` of those 65,536 transactions (target: under 150 ms);
//! - the resident memory an operator holding 1,000,000 unspent outputs takes (target: under 1 GiB).
//!
//! `cargo bench -p plasma-mvp --bench throughput`. Without `--bench` (as `cargo test --benches`
//! runs it) it does the same on small numbers, as a smoke test.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::{num::NonZeroUsize, time::Instant};

use plasma_core::{
    ChildChain, Domain, Signature,
    alloy_primitives::{Address, B256},
    recover,
};
use plasma_mvp::{
    bench::{Workload, one_input_workload, utxo_memory_workload},
    tx::MAX_TXS_PER_BLOCK,
};

const ROUNDS: usize = 3;

/// Resident set size of this process, in bytes.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|pages| pages.parse::<u64>().ok()).unwrap_or(0) * 4096
}

/// Seconds to recover every signature of `sigs` on `threads` threads.
fn time_recoveries(sigs: &[(B256, Signature)], threads: usize) -> f64 {
    let started = Instant::now();
    let failures: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = sigs
            .chunks(sigs.len().div_ceil(threads).max(1))
            .map(|chunk| scope.spawn(move || chunk.iter().filter(|(d, s)| recover(*d, s).is_err()).count()))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    assert_eq!(failures, 0);
    started.elapsed().as_secs_f64()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let (count, utxos) = if full { (MAX_TXS_PER_BLOCK, 1_000_000) } else { (2_048, 10_000) };
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let domain = Domain::new(31_337, Address::repeat_byte(0xfa));

    // Memory first, while the allocator holds nothing freed that the workload could reuse.
    let before = resident_bytes();
    let state = utxo_memory_workload(utxos).unwrap();
    let state_bytes = resident_bytes().saturating_sub(before);
    assert_eq!(state.utxos().len(), utxos);
    drop(state);

    let Workload { operator, txs } = one_input_workload(count, domain).unwrap();
    let sigs: Vec<(B256, Signature)> = txs.iter().map(|tx| (tx.tx_hash(&domain), tx.sigs[0].unwrap())).collect();
    let one_core = sigs.len() as f64 / time_recoveries(&sigs[..sigs.len() / 4], 1) / 4.0;

    let mut ratios = Vec::new();
    let mut builds = Vec::new();
    for round in 1..=ROUNDS {
        let limit = sigs.len() as f64 / time_recoveries(&sigs, threads);
        let (mut op, batch) = (operator.clone(), txs.clone());
        let started = Instant::now();
        let results = op.submit_batch(batch);
        let rate = count as f64 / started.elapsed().as_secs_f64();
        assert!(results.iter().all(Result::is_ok));
        let started = Instant::now();
        let block = op.build_block().unwrap();
        let build_ms = started.elapsed().as_secs_f64() * 1e3;
        assert_eq!(block.len(), count);
        println!(
            "round {round}: recovery limit {limit:.0}/s on {threads} threads, submit_batch {rate:.0} tx/s \
             (ratio {:.3}), build_block {build_ms:.1} ms",
            rate / limit
        );
        ratios.push(rate / limit);
        builds.push(build_ms);
    }
    let (ratio, build_ms) = (median(ratios), median(builds));
    let mib = state_bytes as f64 / (1024.0 * 1024.0);
    println!("recovery on one core: {one_core:.0}/s");
    println!("{count} one-input txs: median ratio to the recovery limit {ratio:.3} (target >= 0.7)");
    println!("build_block of {count}: median {build_ms:.1} ms (target < 150 ms)");
    println!(
        "operator state for {utxos} unspent outputs: {mib:.1} MiB resident, {:.0} bytes per output (target < 1 GiB \
         for 1,000,000)",
        state_bytes as f64 / utxos as f64
    );
}
