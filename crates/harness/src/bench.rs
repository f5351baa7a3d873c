//! `plasma bench`: how fast each variant's operator accepts signed transactions and builds full
//! blocks, measured against this machine's signature-recovery limit in the same run.
//!
//! The limit is the rate at which all cores recover secp256k1 signers with libsecp256k1 (the
//! operator's own recovery path, `plasma_core::recover`). A one-input payment needs one recovery,
//! so `ratio_to_limit = tx_per_s / recover_per_s` says how close the operator gets to the best any
//! implementation could do on this machine. Setup (keys, deposits, signing) is never timed.

use std::time::Instant;

use alloy_primitives::{B256, keccak256};
use plasma_core::{ChildChain, Domain, Signature, SigningKey};
use serde::Serialize;

use crate::Error;

/// What `plasma bench` prints (the JSON form is stable).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchReport {
    /// This machine's recovery limit.
    pub limit: Limit,
    /// One entry per variant.
    pub variants: Vec<VariantBench>,
}

/// Signature recoveries per second on this machine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit {
    /// On all cores.
    pub recover_per_s: f64,
    /// On one core.
    pub recover_per_s_one_core: f64,
    /// Threads used for the all-cores figure.
    pub threads: usize,
}

/// One variant's operator figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantBench {
    /// The variant.
    pub name: String,
    /// Transactions submitted (one-input payments).
    pub txs: usize,
    /// Sustained acceptance rate: decode-free validation, recovery, state checks, queueing.
    pub tx_per_s: f64,
    /// `tx_per_s / limit.recover_per_s` (one recovery per one-input payment).
    pub ratio_to_limit: f64,
    /// Time to seal the accepted transactions into a block (tree and leaves).
    pub block_build_ms: f64,
    /// Time to produce an inclusion proof for every transaction of that block.
    pub proofs_ms: f64,
    /// Resident memory taken by operator state holding `utxos_measured` unspent outputs.
    pub state_bytes: u64,
    /// How many unspent outputs `state_bytes` holds.
    pub utxos_measured: usize,
}

/// The implemented variants `plasma bench` can measure.
pub fn bench_variant_names() -> Vec<&'static str> {
    vec!["mvp"]
}

/// Measures the recovery limit over `threads` threads.
pub fn recovery_limit(threads: usize) -> Result<Limit, Error> {
    let samples = signed_samples(1024)?;
    let per_thread = 30_000;
    let one_core = time_recoveries(&samples, 1, per_thread)?;
    let all = time_recoveries(&samples, threads, per_thread)?;
    Ok(Limit { recover_per_s: all, recover_per_s_one_core: one_core, threads })
}

fn signed_samples(count: u64) -> Result<Vec<(B256, Signature)>, Error> {
    (0..count)
        .map(|n| {
            let key = SigningKey::from_bytes(keccak256((n % 16).to_be_bytes()))?;
            let digest = keccak256(n.to_be_bytes());
            Ok((digest, key.sign_digest(digest)))
        })
        .collect()
}

fn time_recoveries(samples: &[(B256, Signature)], threads: usize, per_thread: usize) -> Result<f64, Error> {
    let started = Instant::now();
    let failures: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    samples
                        .iter()
                        .cycle()
                        .take(per_thread)
                        .filter(|(digest, sig)| plasma_core::recover(*digest, sig).is_err())
                        .count()
                })
            })
            .collect();
        workers.into_iter().map(|worker| worker.join().unwrap_or(per_thread)).sum()
    });
    let elapsed = started.elapsed().as_secs_f64();
    if failures > 0 {
        return Err(Error::Variant { variant: "bench", message: format!("{failures} recoveries failed") });
    }
    Ok((threads * per_thread) as f64 / elapsed)
}

/// Resident set size of this process, in bytes (Linux; `None` elsewhere).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Measures the MVP operator on `txs` one-input payments and its state for `utxos` outputs.
pub fn bench_mvp(txs: usize, utxos: usize, limit: &Limit) -> Result<VariantBench, Error> {
    let err = |message: String| Error::Variant { variant: "mvp", message };
    // Memory first, on a fresh heap: measured after the throughput run, freed memory the
    // allocator reuses would hide part of it.
    let before = resident_bytes().unwrap_or(0);
    let state = plasma_mvp::bench::utxo_memory_workload(utxos).map_err(|e| err(e.to_string()))?;
    let state_bytes = resident_bytes().unwrap_or(0).saturating_sub(before);
    drop(state);

    let domain = Domain::new(plasma_rootchain::CHAIN_ID, alloy_primitives::Address::repeat_byte(0xfa));
    let plasma_mvp::bench::Workload { mut operator, txs: signed } =
        plasma_mvp::bench::one_input_workload(txs, domain).map_err(|e| err(e.to_string()))?;
    let count = signed.len();

    let started = Instant::now();
    let results = operator.submit_batch(signed);
    let accept = started.elapsed().as_secs_f64();
    let accepted = results.iter().filter(|result| result.is_ok()).count();
    if accepted != count {
        return Err(err(format!("only {accepted} of {count} valid transactions accepted")));
    }

    let started = Instant::now();
    let block = operator.build_block().map_err(|e| err(e.to_string()))?;
    let block_build_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    for index in 0..block.len() as u64 {
        std::hint::black_box(block.proof(index).map_err(|e| err(e.to_string()))?);
    }
    let proofs_ms = started.elapsed().as_secs_f64() * 1e3;
    // One proof checked against the root, so the timing is of real proofs.
    let last = count.saturating_sub(1) as u64;
    let proof = block.proof(last).map_err(|e| err(e.to_string()))?;
    let leaf = block.tx(last).map(|tx| tx.leaf(&domain)).ok_or_else(|| err("empty block".into()))?;
    if !proof.verify(block.root(), leaf, last) {
        return Err(err("a proof does not verify".into()));
    }

    let tx_per_s = count as f64 / accept;
    Ok(VariantBench {
        name: "mvp".into(),
        txs: count,
        tx_per_s,
        ratio_to_limit: tx_per_s / limit.recover_per_s,
        block_build_ms,
        proofs_ms,
        state_bytes,
        utxos_measured: utxos,
    })
}

impl BenchReport {
    /// The stable JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"))
    }

    /// A plain terminal table.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "recovery limit: {:.0}/s on {} threads ({:.0}/s on one core)\n\n",
            self.limit.recover_per_s, self.limit.threads, self.limit.recover_per_s_one_core
        );
        out.push_str(&format!(
            "{:<8} {:>8} {:>10} {:>8} {:>10} {:>10} {:>14}\n",
            "variant", "txs", "tx/s", "ratio", "block ms", "proofs ms", "state MiB/1M"
        ));
        for v in &self.variants {
            let per_million = v.state_bytes as f64 / v.utxos_measured.max(1) as f64 * 1e6 / (1024.0 * 1024.0);
            out.push_str(&format!(
                "{:<8} {:>8} {:>10.0} {:>8.2} {:>10.1} {:>10.1} {:>14.1}\n",
                v.name, v.txs, v.tx_per_s, v.ratio_to_limit, v.block_build_ms, v.proofs_ms, per_million
            ));
        }
        out
    }
}

/// Runs the whole bench: the limit, then each named variant.
pub fn bench(names: &[String], txs: usize, utxos: usize) -> Result<BenchReport, Error> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let limit = recovery_limit(threads)?;
    let mut variants = Vec::new();
    for name in names {
        match name.as_str() {
            "mvp" => variants.push(bench_mvp(txs, utxos, &limit)?),
            other => return Err(Error::Scenario(format!("no bench for variant {other:?} (implemented: mvp)"))),
        }
    }
    Ok(BenchReport { limit, variants })
}
