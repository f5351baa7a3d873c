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

use plasma_core::{Signature, alloy_primitives::B256};
use plasma_morevp::{
    bench::{Workload, one_input_workload, utxo_memory_workload},
    tx::MAX_TXS_PER_BLOCK,
};
use plasma_testkit::perf::{Round, bench_domain, median, resident_cost, round, threads, throughput_sizes};

const ROUNDS: usize = 3;

fn main() {
    let (count, utxos) = throughput_sizes(MAX_TXS_PER_BLOCK);
    let state_bytes =
        resident_cost(|| utxo_memory_workload(utxos).unwrap(), |state| assert_eq!(state.utxos().len(), utxos));
    let (threads, domain) = (threads(), bench_domain());

    let workload = one_input_workload(count, domain).unwrap();
    let recoveries = workload.recoveries();
    let Workload { operator, txs } = workload;
    let sigs: Vec<(B256, Signature)> =
        txs.iter().flat_map(|tx| tx.sigs.iter().map(|s| (tx.tx_hash(&domain), *s))).collect();
    assert_eq!(sigs.len(), recoveries);
    let wire_bytes = txs[0].encode().len();

    let mut ratios = Vec::new();
    let mut builds = Vec::new();
    for n in 1..=ROUNDS {
        let (Round { limit, rate, build_ms }, block) =
            round(&operator, &txs, &sigs, threads).expect("the workload block seals");
        assert_eq!(block.len(), count);
        let ratio = rate * recoveries as f64 / count as f64 / limit;
        println!(
            "round {n}: recovery limit {limit:.0}/s on {threads} threads, submit_batch {rate:.0} tx/s \
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
