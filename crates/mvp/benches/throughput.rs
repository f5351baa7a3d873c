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

use plasma_core::{
    Domain, Signature,
    alloy_primitives::{Address, B256},
};
use plasma_mvp::{
    bench::{Workload, one_input_workload, utxo_memory_workload},
    tx::MAX_TXS_PER_BLOCK,
};
use plasma_testkit::perf::{Round, median, resident_cost, round, threads, throughput_sizes, time_recoveries};

const ROUNDS: usize = 3;

fn main() {
    let (count, utxos) = throughput_sizes(MAX_TXS_PER_BLOCK);
    let threads = threads();
    let domain = Domain::new(31_337, Address::repeat_byte(0xfa));
    let state_bytes =
        resident_cost(|| utxo_memory_workload(utxos).unwrap(), |state| assert_eq!(state.utxos().len(), utxos));

    let Workload { operator, txs } = one_input_workload(count, domain).unwrap();
    let sigs: Vec<(B256, Signature)> = txs.iter().map(|tx| (tx.tx_hash(&domain), tx.sigs[0].unwrap())).collect();
    let one_core = sigs.len() as f64 / time_recoveries(&sigs[..sigs.len() / 4], 1) / 4.0;

    let mut ratios = Vec::new();
    let mut builds = Vec::new();
    for n in 1..=ROUNDS {
        let (Round { limit, rate, build_ms }, block) =
            round(&operator, &txs, &sigs, threads).expect("the workload block seals");
        assert_eq!(block.len(), count);
        println!(
            "round {n}: recovery limit {limit:.0}/s on {threads} threads, submit_batch {rate:.0} tx/s \
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
