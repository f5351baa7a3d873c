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
    vec!["mvp", "morevp", "cash", "xt", "debit"]
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

/// An operator with the one-input payments to submit to it.
type Workload<Op, Tx> = (Op, Vec<Tx>);

/// The operator work `plasma bench` times for one variant, whatever its types.
struct OperatorRun<Op, Tx, Blk> {
    name: &'static str,
    /// Builds the operator state for `utxos` outputs or coins (memory measurement).
    memory: fn(usize) -> Result<Op, String>,
    /// An operator and `txs` valid one-input payments for it.
    workload: fn(usize, Domain) -> Result<Workload<Op, Tx>, String>,
    /// Submits the batch; returns how many were accepted.
    accept: fn(&mut Op, Vec<Tx>) -> usize,
    /// Seals the accepted transactions.
    build: fn(&mut Op) -> Result<Blk, String>,
    /// Produces every inclusion proof of the block and checks one against the root.
    prove_all: fn(&Blk, &Domain) -> Result<(), String>,
}

impl<Op, Tx, Blk> OperatorRun<Op, Tx, Blk> {
    fn measure(&self, txs: usize, utxos: usize, limit: &Limit) -> Result<VariantBench, Error> {
        let err = |message: String| Error::Variant { variant: self.name, message };
        // Memory first, on a fresh heap: measured after the throughput run, freed memory the
        // allocator reuses would hide part of it.
        let before = resident_bytes().unwrap_or(0);
        let state = (self.memory)(utxos).map_err(err)?;
        let state_bytes = resident_bytes().unwrap_or(0).saturating_sub(before);
        drop(state);

        let domain = Domain::new(plasma_rootchain::CHAIN_ID, alloy_primitives::Address::repeat_byte(0xfa));
        let (mut operator, signed) = (self.workload)(txs, domain).map_err(err)?;
        let count = signed.len();
        let started = Instant::now();
        let accepted = (self.accept)(&mut operator, signed);
        let accept = started.elapsed().as_secs_f64();
        if accepted != count {
            return Err(err(format!("only {accepted} of {count} valid transactions accepted")));
        }
        let started = Instant::now();
        let block = (self.build)(&mut operator).map_err(err)?;
        let block_build_ms = started.elapsed().as_secs_f64() * 1e3;
        let started = Instant::now();
        (self.prove_all)(&block, &domain).map_err(err)?;
        let proofs_ms = started.elapsed().as_secs_f64() * 1e3;

        let tx_per_s = count as f64 / accept;
        Ok(VariantBench {
            name: self.name.into(),
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
}

/// Makes the inclusion proof of every key of a block with `prove`, then checks the last one with
/// `verifies`, so that what is timed are real proofs.
fn prove_every<K: Copy, P>(
    keys: &[K],
    prove: impl Fn(K) -> Result<P, String>,
    verifies: impl Fn(K, &P) -> bool,
) -> Result<(), String> {
    let mut last = None;
    for key in keys {
        last = Some((*key, std::hint::black_box(prove(*key)?)));
    }
    let (key, proof) = last.ok_or("empty block")?;
    if verifies(key, &proof) { Ok(()) } else { Err("a proof does not verify".into()) }
}

fn accepted<T, E>(results: &[Result<T, E>]) -> usize {
    results.iter().filter(|result| result.is_ok()).count()
}

/// Plasma MVP: one-input payments, a 16-deep binary tree.
const MVP: OperatorRun<plasma_mvp::Operator, plasma_mvp::SignedTx, plasma_mvp::Block> = OperatorRun {
    name: "mvp",
    memory: |utxos| plasma_mvp::bench::utxo_memory_workload(utxos).map_err(|e| e.to_string()),
    workload: |txs, domain| {
        let workload = plasma_mvp::bench::one_input_workload(txs, domain).map_err(|e| e.to_string())?;
        Ok((workload.operator, workload.txs))
    },
    accept: |operator, txs| accepted(&operator.submit_batch(txs)),
    build: |operator| operator.build_block().map_err(|e| e.to_string()),
    prove_all: |block, domain| {
        let indexes: Vec<u64> = (0..block.len() as u64).collect();
        prove_every(
            &indexes,
            |i| block.proof(i).map_err(|e| e.to_string()),
            |i, proof| block.tx(i).is_some_and(|tx| proof.verify(block.root(), tx.leaf(domain), i)),
        )
    },
};

/// MoreVP: one-input payments (one recovery each), a 16-deep binary tree with `txHash` leaves.
const MOREVP: OperatorRun<plasma_morevp::Operator, plasma_morevp::SignedTx, plasma_morevp::Block> = OperatorRun {
    name: "morevp",
    memory: |utxos| plasma_morevp::bench::utxo_memory_workload(utxos).map_err(|e| e.to_string()),
    workload: |txs, domain| {
        let workload = plasma_morevp::bench::one_input_workload(txs, domain).map_err(|e| e.to_string())?;
        Ok((workload.operator, workload.txs))
    },
    accept: |operator, txs| accepted(&operator.submit_batch(txs)),
    build: |operator| operator.build_block().map_err(|e| e.to_string()),
    prove_all: |block, _| {
        let indexes: Vec<u64> = (0..block.len() as u64).collect();
        prove_every(
            &indexes,
            |i| block.proof(i).map_err(|e| e.to_string()),
            |i, proof| block.tx_hash(i).is_some_and(|leaf| proof.verify(block.root(), leaf, i)),
        )
    },
};

/// Plasma Cash: one-coin transfers, a 64-level sparse tree keyed by coin id.
const CASH: OperatorRun<plasma_cash::Operator, plasma_cash::SignedCashTx, plasma_cash::CashBlock> = OperatorRun {
    name: "cash",
    memory: |coins| plasma_cash::bench::coin_memory_workload(coins).map_err(|e| e.to_string()),
    workload: |txs, domain| {
        let workload = plasma_cash::bench::one_input_workload(txs, domain).map_err(|e| e.to_string())?;
        Ok((workload.operator, workload.txs))
    },
    accept: |operator, txs| accepted(&operator.submit_batch(txs)),
    build: |operator| operator.build_block().map_err(|e| e.to_string()),
    prove_all: |block, domain| {
        let coins: Vec<u64> = block.txs().iter().map(|tx| tx.tx.coinId).collect();
        prove_every(
            &coins,
            |coin| Ok(block.proof(coin)),
            |coin, proof| {
                block.tx(coin).is_some_and(|tx| proof.verify_inclusion(block.root(), coin, tx.tx_hash(domain)))
            },
        )
    },
};

/// Plasma Debit: single-coin transfers stating the balance (one recovery each), Cash's sparse tree.
const DEBIT: OperatorRun<plasma_debit::DebitOperator, plasma_debit::SignedDebitTx, plasma_debit::DebitBlock> =
    OperatorRun {
        name: "debit",
        memory: |coins| plasma_debit::bench::coin_memory_workload(coins).map_err(|e| e.to_string()),
        workload: |txs, domain| {
            let workload = plasma_debit::bench::one_input_workload(txs, domain).map_err(|e| e.to_string())?;
            Ok((workload.operator, workload.txs))
        },
        accept: |operator, txs| accepted(&operator.submit_batch(txs)),
        build: |operator| operator.build_block().map_err(|e| e.to_string()),
        prove_all: |block, domain| {
            let coins: Vec<u64> = block.txs().iter().map(|tx| tx.tx.coinId).collect();
            prove_every(
                &coins,
                |coin| Ok(block.proof(coin)),
                |coin, proof| {
                    block.tx(coin).is_some_and(|tx| proof.verify_inclusion(block.root(), coin, tx.tx_hash(domain)))
                },
            )
        },
    };

/// Times the XT checkpoint of the zone of coin ids `1 ..= zone_ids` after a block moving every
/// coin of it (setup and the owners' signing are not timed).
fn xt_checkpoint(zone_ids: u64) -> Result<CheckpointBench, Error> {
    let err = |message: String| Error::Variant { variant: "xt", message };
    let domain = Domain::new(plasma_rootchain::CHAIN_ID, alloy_primitives::Address::repeat_byte(0xfa));
    let coins = usize::try_from(zone_ids).map_err(|e| err(e.to_string()))?;
    let plasma_cash::bench::Workload { mut operator, txs } =
        plasma_cash::bench::one_input_workload(coins, domain).map_err(|e| err(e.to_string()))?;
    if accepted(&operator.submit_batch(txs)) != coins {
        return Err(err("the checkpoint workload's transfers were refused".into()));
    }
    let root = operator.build_block().map_err(|e| err(e.to_string()))?.root();
    // The first child block after the zone's deposits: a checkpoint of K covers coins below K.
    let blknum = (zone_ids / 1000 + 1) * 1000;
    let block = plasma_core::BlockSubmittedEvent { blknum, root, timestamp: 1 };
    operator.on_block_submitted(&block).map_err(|e| err(e.to_string()))?;
    let zone = plasma_xt::Zone::new(1, zone_ids).map_err(|e| err(e.to_string()))?;

    let started = Instant::now();
    let mut checkpoint =
        plasma_xt::StateCheckpoint::from_operator(&operator, blknum, zone).map_err(|e| err(e.to_string()))?;
    let state_tree_ms = started.elapsed().as_secs_f64() * 1e3;

    let keys = plasma_cash::bench::keys().map_err(|e| err(e.to_string()))?;
    let sign_offs: Vec<(u64, Signature)> = checkpoint
        .states()
        .iter()
        .filter_map(|(coin, state)| {
            let key = keys.iter().find(|key| key.address() == state.owner)?;
            Some((*coin, plasma_xt::sign_off(key, &domain, blknum, checkpoint.root(), *coin)))
        })
        .collect();
    let started = Instant::now();
    for (coin, sig) in &sign_offs {
        checkpoint.add_sign_off(&domain, *coin, *sig).map_err(|e| err(e.to_string()))?;
    }
    let bitmap = checkpoint.bitmap();
    let sign_offs_ms = started.elapsed().as_secs_f64() * 1e3;
    let zone_coins = checkpoint.states().len();
    if bitmap.set_coins().count() != zone_coins {
        return Err(err("a sign-off is missing from the bitmap".into()));
    }
    Ok(CheckpointBench { zone_coins, state_tree_ms, sign_offs_ms })
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
        let bench = match name.as_str() {
            "mvp" => MVP.measure(txs, utxos, &limit)?,
            "morevp" => MOREVP.measure(txs, utxos, &limit)?,
            "cash" => CASH.measure(txs, utxos, &limit)?,
            // XT's operator accepts and seals transactions exactly as Plasma Cash's does; what it
            // adds is the checkpoint, measured on a zone of 8,192 coin ids (fewer for a short run).
            "xt" => {
                let mut bench = OperatorRun { name: "xt", ..CASH }.measure(txs, utxos, &limit)?;
                bench.checkpoint = Some(xt_checkpoint(txs.clamp(1, 8192) as u64)?);
                bench
            }
            "debit" => DEBIT.measure(txs, utxos, &limit)?,
            other => {
                let known = bench_variant_names().join(", ");
                return Err(Error::Scenario(format!("no bench for variant {other:?} (implemented: {known})")));
            }
        };
        variants.push(bench);
    }
    Ok(BenchReport { limit, variants })
}
