//! One-shot figures of the MoreVP operator, all measured in the same run (release build):
//!
//! - the recovery limit: one signature recovery per input of the workload, on every core;
//! - `submit_batch` of 65,536 one-input payments, as a rate and as a fraction of that limit;
//! - `build_block` of those 65,536 transactions (leaf = `txHash`, depth-16 tree);
//! - bytes on the wire per one-input transaction, and the resident memory an operator holding
//!   1,000,000 unspent outputs takes.
//!
//! `cargo bench -p plasma-morevp --bench throughput`. Without `--bench` (as `cargo test --benches`
//! runs it) it does the same on small numbers, as a smoke test.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::{num::NonZeroUsize, time::Instant};

use plasma_core::{
    ChildChain, Domain, Signature,
    alloy_primitives::{Address, B256},
    recover,
};
use plasma_morevp::{
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

    let workload = one_input_workload(count, domain).unwrap();
    let recoveries = workload.recoveries();
    let Workload { operator, txs } = workload;
    let sigs: Vec<(B256, Signature)> =
        txs.iter().flat_map(|tx| tx.sigs.iter().map(|s| (tx.tx_hash(&domain), *s))).collect();
    assert_eq!(sigs.len(), recoveries);
    let wire_bytes = txs[0].encode().len();

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
        let ratio = rate * recoveries as f64 / count as f64 / limit;
        println!(
            "round {round}: recovery limit {limit:.0}/s on {threads} threads, submit_batch {rate:.0} tx/s \
             (ratio {ratio:.3}), build_block {build_ms:.1} ms"
        );
        ratios.push(ratio);
        builds.push(build_ms);
    }
    println!("{count} one-input txs ({wire_bytes} bytes each on the wire, {recoveries} recoveries)");
    println!("median ratio of recoveries done to the recovery limit: {:.3}", median(ratios));
    println!("build_block of {count}: median {:.1} ms", median(builds));
    println!(
        "operator state for {utxos} unspent outputs: {:.1} MiB resident, {:.0} bytes per output",
        state_bytes as f64 / (1024.0 * 1024.0),
        state_bytes as f64 / utxos as f64
    );
}
