//! `plasma bench`: how fast each variant's operator accepts signed transactions and builds full
//! blocks, measured against this machine's signature-recovery limit in the same run.
//!
//! The limit is the rate at which all cores recover secp256k1 signers with libsecp256k1 (the
//! operator's own recovery path, `plasma_core::recover`). A one-input payment needs one recovery,
//! so `ratio_to_limit = tx_per_s / recover_per_s` says how close the operator gets to the best any
//! implementation could do on this machine. Setup (keys, deposits, signing) is never timed.

use std::time::Instant;

use alloy_primitives::{B256, keccak256};
use plasma_core::{Domain, Signature, SigningKey, bench::Workloads};
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
    /// Designs with checkpoints: building one for a zone (absent for the others).
    pub checkpoint: Option<CheckpointBench>,
}

/// The operator's work for one Plasma XT checkpoint of a zone whose coins all moved in the last
/// block: the state tree, checking every owner's sign-off, and the bitmap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckpointBench {
    /// Coins in the zone.
    pub zone_coins: usize,
    /// Time to build the state tree of the zone.
    pub state_tree_ms: f64,
    /// Time to check every sign-off (one signature recovery each) and build the bitmap.
    pub sign_offs_ms: f64,
}

/// The implemented variants `plasma bench` can measure.
pub fn bench_variant_names() -> Vec<&'static str> {
    crate::builtin().iter().map(|b| b.name).collect()
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

/// The bench's domain: chain 31337, a fixed framework address.
fn domain() -> Domain {
    Domain::new(plasma_rootchain::CHAIN_ID, alloy_primitives::Address::repeat_byte(0xfa))
}

/// Measures the operator `O` of variant `name`: its memory for `utxos` outputs or coins, how fast
/// it accepts `txs` one-input payments, seals them and proves every one of them.
pub fn measure<O: Workloads>(
    name: &'static str,
    txs: usize,
    utxos: usize,
    limit: &Limit,
) -> Result<VariantBench, Error> {
    let err = |message: String| Error::Variant { variant: name, message };
    // Memory first, on a fresh heap: measured after the throughput run, freed memory the
    // allocator reuses would hide part of it.
    let before = resident_bytes().unwrap_or(0);
    let state = O::memory_workload(utxos).map_err(|e| err(e.to_string()))?;
    let state_bytes = resident_bytes().unwrap_or(0).saturating_sub(before);
    drop(state);

    let domain = domain();
    let (mut operator, signed) = O::payment_workload(txs, domain).map_err(|e| err(e.to_string()))?;
    let count = signed.len();
    let started = Instant::now();
    let accepted = operator.submit_all(signed).iter().filter(|result| result.is_ok()).count();
    let accept = started.elapsed().as_secs_f64();
    if accepted != count {
        return Err(err(format!("only {accepted} of {count} valid transactions accepted")));
    }
    let started = Instant::now();
    let block = operator.build_block().map_err(|e| err(e.to_string()))?;
    let block_build_ms = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    if !O::prove_every(&block, &domain).map_err(|e| err(e.to_string()))? {
        return Err(err("a proof does not verify".into()));
    }
    let proofs_ms = started.elapsed().as_secs_f64() * 1e3;

    let tx_per_s = count as f64 / accept;
    Ok(VariantBench {
        name: name.into(),
        txs: count,
        tx_per_s,
        ratio_to_limit: tx_per_s / limit.recover_per_s,
        block_build_ms,
        proofs_ms,
        state_bytes,
        utxos_measured: utxos,
        checkpoint: None,
    })
}

/// The checkpoint figures of a design with checkpoints, from its measured times.
pub fn checkpoint_bench(
    zone_coins: usize,
    state_tree: std::time::Duration,
    sign_offs: std::time::Duration,
) -> CheckpointBench {
    CheckpointBench {
        zone_coins,
        state_tree_ms: state_tree.as_secs_f64() * 1e3,
        sign_offs_ms: sign_offs.as_secs_f64() * 1e3,
    }
}

/// The bench's domain, for designs that time more than the operator (XT's checkpoint).
pub fn bench_domain() -> Domain {
    domain()
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
        for v in &self.variants {
            if let Some(c) = &v.checkpoint {
                out.push_str(&format!(
                    "\n{} checkpoint of {} coins: state tree {:.1} ms, sign-offs and bitmap {:.1} ms\n",
                    v.name, c.zone_coins, c.state_tree_ms, c.sign_offs_ms
                ));
            }
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
        let builtin = crate::builtin().iter().find(|b| b.name == name).ok_or_else(|| {
            let known = bench_variant_names().join(", ");
            Error::Scenario(format!("no bench for variant {name:?} (implemented: {known})"))
        })?;
        variants.push((builtin.bench)(txs, utxos, &limit)?);
    }
    Ok(BenchReport { limit, variants })
}
