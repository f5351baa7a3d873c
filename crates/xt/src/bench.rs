//! Plasma XT's figures for `plasma bench` and the footprint study.
//!
//! - [`checkpoint_times`]: the operator's work for one checkpoint: the state tree of a zone whose
//!   coins all moved in the last block, checking every owner's sign-off, and the bitmap. Setup
//!   (deposits, transfers, the owners' signing) is never timed.
//! - The [`Footprint`](plasma_core::bench::Footprint) of [`Xt`](crate::Xt): what one user
//!   downloads and keeps, pruned behind the newest finalised checkpoint.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use alloy_primitives::{Address, B256};
use plasma_cash::history::proof_len;
use plasma_core::bench::CHECKPOINT_EVERY;

use plasma_cash::bench::{keys, one_input_workload};
use plasma_core::{BlockSubmittedEvent, ChildChain as _, Domain, Signature};

use crate::{StateCheckpoint, XtError, Zone, error::Result, sign_off};

/// What one checkpoint cost the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointTimes {
    /// Coins in the zone.
    pub zone_coins: usize,
    /// Building the zone's state tree.
    pub state_tree: Duration,
    /// Checking every sign-off (one signature recovery each) and building the bitmap.
    pub sign_offs: Duration,
}

/// Times the checkpoint of the zone of coin ids `1 ..= zone_ids` after a block moving every coin of
/// it.
pub fn checkpoint_times(zone_ids: u64, domain: Domain) -> Result<CheckpointTimes> {
    let coins = usize::try_from(zone_ids).map_err(|_| XtError::BadZone { start: 1, size: zone_ids })?;
    let plasma_cash::bench::Workload { mut operator, txs } = one_input_workload(coins, domain)?;
    if operator.submit_batch(txs).iter().any(Result::is_err) {
        return Err(XtError::Workload("the operator refused a transfer of the zone"));
    }
    let root = operator.build_block()?.root();
    // The first child block after the zone's deposits: a checkpoint of K covers coins below K.
    let blknum = (zone_ids / 1000 + 1) * 1000;
    operator.on_block_submitted(&BlockSubmittedEvent { blknum, root, timestamp: 1 })?;
    let zone = Zone::new(1, zone_ids)?;

    let started = Instant::now();
    let mut checkpoint = StateCheckpoint::from_operator(&operator, blknum, zone)?;
    let state_tree = started.elapsed();

    let keys = keys()?;
    let sign_offs: Vec<(u64, Signature)> = checkpoint
        .states()
        .iter()
        .filter_map(|(coin, state)| {
            let key = keys.iter().find(|key| key.address() == state.owner)?;
            Some((*coin, sign_off(key, &domain, blknum, checkpoint.root(), *coin)))
        })
        .collect();
    let started = Instant::now();
    for (coin, sig) in &sign_offs {
        checkpoint.add_sign_off(&domain, *coin, *sig)?;
    }
    let bitmap = checkpoint.bitmap();
    let sign_offs = started.elapsed();
    let zone_coins = checkpoint.states().len();
    if bitmap.set_coins().count() != zone_coins {
        return Err(XtError::Workload("a sign-off is missing from the bitmap"));
    }
    Ok(CheckpointTimes { zone_coins, state_tree, sign_offs })
}

/// Plasma XT's footprint: the user downloads what a Cash user does plus its coin's state proof of
/// every checkpoint proposed (one every [`CHECKPOINT_EVERY`] blocks, to sign it off), and stores
/// what its client keeps after pruning behind the newest *finalised* checkpoint. A checkpoint of
/// block `K` is proposed right after `K` and finalises before the next one, so after `b` blocks the
/// newest finalised one is at `K = 100 × (⌊b / 100⌋ − 1)` (none before 200 blocks). The stored
/// figure is [`CheckpointBook::stored_bytes`](crate::CheckpointBook::stored_bytes)'s: the Cash
/// history after `drop_entries_before(K)` plus the checkpoint reference without its last move, the
/// state proof coming from a real [`StateCheckpoint`] of every coin's state after `K`, checked by
/// [`prune`](crate::prune).
impl plasma_core::bench::Footprint for crate::Xt {
    const STORED: &'static str = "the history since the newest finalised checkpoint (K every 100 blocks, final 100 blocks later): state, proof, last move, entries from K";
    const DOWNLOADED: &'static str =
        "as Cash (its coin's proof every block, the tx when it moved), plus its state proof of every checkpoint";

    fn wire_sizes(users: u64, domain: &Domain) -> core::result::Result<plasma_core::bench::WireSizes, String> {
        <plasma_cash::Cash as plasma_core::bench::Footprint>::wire_sizes(users, domain)
    }

    fn storage(blocks: &[u64], users: u64, domain: &Domain) -> core::result::Result<Vec<(u64, u64)>, String> {
        use plasma_cash::bench as cash;
        use plasma_core::bench::{PAY_EVERY, to_u64};
        let coins = usize::try_from(users).map_err(|e| e.to_string())?;
        let w = cash::rotating_history_workload(cash::max_blocks(blocks)?, coins, PAY_EVERY, domain)
            .map_err(|e| e.to_string())?;
        let ids = cash::coin_ids(coins);
        let index = cash::rotating_coin_index(coins, PAY_EVERY);
        let coin = *ids.get(index).ok_or("no coin")?;
        // Every checkpoint proposed up to the last point: its state root and the coin's state proof.
        let proposed = blocks.iter().copied().max().unwrap_or(0) / CHECKPOINT_EVERY;
        let mut checkpoints = BTreeMap::new();
        for n in 1..=proposed {
            let checkpoint = workload_checkpoint(&w.history, &ids, index, n * CHECKPOINT_EVERY)?;
            checkpoints.insert(n, (checkpoint.root(), checkpoint.proof(coin)));
        }
        blocks
            .iter()
            .map(|b| {
                let kept = cash::prefix(&w.history, *b)?;
                let state_proofs: usize =
                    checkpoints.range(..=b / CHECKPOINT_EVERY).map(|(_, (_, proof))| proof_len(proof)).sum();
                let finalised = (b / CHECKPOINT_EVERY).checked_sub(1).filter(|n| *n > 0);
                let stored = match finalised.and_then(|n| checkpoints.get(&n).map(|cp| (n, cp))) {
                    Some((n, (root, proof))) => kept_bytes(&kept, coins, n, *root, proof.clone())?,
                    None => kept.stored_bytes(),
                };
                Ok((to_u64(stored), cash::downloaded(&kept) + to_u64(state_proofs)))
            })
            .collect()
    }
}

/// The checkpoint of the coins of `ids` after the `k`-th child block of the footprint workload: the
/// followed coin (index `index`) as its history says, the others where the workload left them.
fn workload_checkpoint(
    history: &plasma_cash::CashHistory,
    ids: &[u64],
    index: usize,
    k: u64,
) -> core::result::Result<StateCheckpoint, String> {
    use plasma_cash::bench as cash;
    let e = |e: XtError| e.to_string();
    let (first, last) = (ids.first().ok_or("no coin")?, ids.last().ok_or("no coin")?);
    let zone = Zone::new(*first, last - first + 1).map_err(e)?;
    let blknum = cash::rotating_child_block(ids.len(), k);
    let mut states = BTreeMap::new();
    for (i, coin) in ids.iter().enumerate() {
        let (owner, last_moved) = if i == index {
            let tip = crate::history::tip_at(history, blknum);
            (tip.owner, tip.last_moved)
        } else {
            cash::rotating_filler_state(ids.len(), i, k, plasma_core::bench::PAY_EVERY)
                .unwrap_or((Address::ZERO, *coin))
        };
        states.insert(*coin, crate::CoinState { owner, last_moved });
    }
    StateCheckpoint::new(blknum, zone, states).map_err(e)
}

/// What the XT client keeps of `history` (over `coins` coins) once checkpoint `n` (of the
/// workload's `n × 100`-th block `K`, state root `root`, the coin's state proof `proof`)
/// finalised: the Cash history after `drop_entries_before(K)` plus the checkpoint reference
/// without its last move (which the Cash history keeps). [`prune`](crate::prune) checks the state
/// against the history first.
fn kept_bytes(
    history: &plasma_cash::CashHistory,
    coins: usize,
    n: u64,
    root: B256,
    proof: plasma_core::SparseProof,
) -> core::result::Result<usize, String> {
    let blknum = plasma_cash::bench::rotating_child_block(coins, n * CHECKPOINT_EVERY);
    let pruned = crate::prune(history, *history.start(), n, blknum, root, proof).map_err(|e| e.to_string())?;
    let reference = pruned.start().checkpoint.clone().ok_or("pruning left no checkpoint")?;
    let reference = crate::CheckpointRef { last_move: None, ..reference };
    let mut kept = history.clone();
    kept.drop_entries_before(blknum);
    Ok(kept.stored_bytes() + reference.stored_bytes())
}
