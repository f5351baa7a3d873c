//! The footprint of each design: the bytes that go over the wire (a signed payment, a proof, a
//! block) and what one user must store and download to stay safe, measured on real objects the
//! variant crates build and encode.
//!
//! # The workload (the same for every design)
//!
//! `users` users each own one coin (Cash, XT, Debit) or one output (MVP, MoreVP), the first
//! `users` deposits. In every child block one user in ten pays: coin or output `i` moves in the
//! `n`-th child block when `i ≡ n (mod 10)`, so a block carries `users / 10` one-input payments
//! (at least one for `users >= 10`, which every point below has) and every coin moves once every
//! ten blocks. Our user's coin is one of them (`plasma_cash::bench::rotating_coin_index`): it moves
//! in blocks 10, 20, 30, …, each time to a new holder, and "our user" is whoever holds it after
//! the last block. Points: `users = 1,000` after 1, 10, 100 and 1,000 blocks ([`Footprint::by_blocks`])
//! and 100 blocks with 10, 100, 1,000 and 10,000 users ([`Footprint::by_users`]); the wire sizes
//! are taken at 1,000 users, on the block of the workload (100 payments among 1,000 coins).
//!
//! # What each design asks of the user, and how it is measured
//!
//! - **MVP**: downloads and validates every full block (to exit in time on an invalid or withheld
//!   one); stores what `plasma_mvp::Wallet::stored_bytes` counts for the output it holds: its
//!   creating transaction, inclusion proof and confirmation signatures, received through the real
//!   `confirm` / `receive` handover in a real block of the workload (the deposit alone before the
//!   first move). Download = blocks × the `size_bytes()` of one real block of `users / 10` signed
//!   payments: every block of the workload holds the same number of same-size transactions (582
//!   bytes each), so one block is measured and multiplied.
//! - **MoreVP**: the same, with `plasma_morevp::Wallet::stored_bytes` after `on_included` (no
//!   confirmations), and one real MoreVP block multiplied likewise.
//! - **Cash**: downloads, per block, its coin's proof (exclusion when the coin stayed, inclusion
//!   and the signed transaction when it moved), never a full block; stores the coin's whole
//!   history, `CoinHistory::stored_bytes` of the real history built block by block by
//!   `plasma_cash::bench::rotating_history_workload` (real roots of real sparse trees of the
//!   block's transactions; the followed coin's moves are really signed, the other coins' payments
//!   carry stand-in signatures, which no leaf or proof depends on). The points after fewer blocks
//!   are prefixes of the 1,000-block history (the workload is deterministic, so the first `b`
//!   blocks are the same blocks).
//! - **XT**: downloads as Cash, plus the coin's state proof of every checkpoint proposed (one
//!   every [`CHECKPOINT_EVERY`] blocks, to sign it off); stores what its client keeps after
//!   pruning behind the newest *finalised* checkpoint. A checkpoint of block `K` is proposed right
//!   after `K` and finalises before the next one, so after `b` blocks the newest finalised one is
//!   at `K = 100 × (⌊b / 100⌋ − 1)` (none before 200 blocks). The figure is
//!   `plasma_xt::CheckpointBook::stored_bytes`'s: the Cash history after
//!   `CoinHistory::drop_entries_before(K)` (deposit record, last move up to `K`, entries from `K`
//!   on) plus the checkpoint reference without its last move (id, `K`, owner, last move, state
//!   proof), the state proof coming from a real `plasma_xt::StateCheckpoint` of every coin's state
//!   after `K`, checked by `plasma_xt::prune`.
//! - **Debit**: as Cash, on the Debit crate's own objects (`plasma_debit::bench::rotating_history_workload`:
//!   single-coin transfers stating the balance and the next nonce, 385 bytes each).
//!
//! Not counted: root-chain data every design reads alike (block roots, checkpoint bitmaps), and
//! the history a recipient is handed when the coin reaches it (that is the stored figure).
//! Everything is deterministic: fixed keys, RFC 6979 signatures, no randomness, no timing.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256};
use plasma_cash::history::proof_len;
use plasma_core::{Domain, bench::to_u64};
use serde::Serialize;

use crate::Error;

/// Users of the reference load (wire sizes, [`Footprint::by_blocks`]).
pub const REFERENCE_USERS: u64 = 1_000;
/// The block counts of [`Footprint::by_blocks`].
pub const BLOCK_POINTS: [u64; 4] = [1, 10, 100, 1_000];
/// The user counts of [`Footprint::by_users`].
pub const USER_POINTS: [u64; 4] = [10, 100, 1_000, 10_000];
/// The block count of [`Footprint::by_users`].
pub const BY_USERS_BLOCKS: u64 = 100;
pub use plasma_core::bench::{CHECKPOINT_EVERY, PAY_EVERY};

pub use plasma_core::bench::WireSizes;

/// What one user holding one coin/UTXO must store and download after `blocks` child blocks on a
/// chain of `users` users.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoragePoint {
    /// Child blocks since the deposit.
    pub blocks: u64,
    /// Users (coins or outputs) on the chain.
    pub users: u64,
    /// Bytes stored at the end.
    pub stored_bytes: u64,
    /// Bytes downloaded over the `blocks` blocks.
    pub downloaded_bytes: u64,
}

/// One design's footprint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Footprint {
    /// At the reference load (1,000 users).
    pub sizes: WireSizes,
    /// `users = 1,000`; `blocks = 1, 10, 100, 1,000`.
    pub by_blocks: Vec<StoragePoint>,
    /// `blocks = 100`; `users = 10, 100, 1,000, 10,000`.
    pub by_users: Vec<StoragePoint>,
    /// One line: what the user stores.
    pub stored: &'static str,
    /// One line: what the user downloads per block to stay safe.
    pub downloaded: &'static str,
}

/// The footprint of variant `name` (`mvp`, `morevp`, `cash`, `xt`, `debit`); `Ok(None)` for an
/// unknown name.
pub fn footprint(name: &str) -> Result<Option<Footprint>, Error> {
    let design = match name {
        "mvp" => return measure::<plasma_mvp::Mvp>("mvp").map(Some),
        "morevp" => return measure::<plasma_morevp::MoreVp>("morevp").map(Some),
        "cash" => return measure::<plasma_cash::Cash>("cash").map(Some),
        "xt" => &XT,
        "debit" => return measure::<plasma_debit::Debit>("debit").map(Some),
        _ => return Ok(None),
    };
    design.measure().map(Some)
}

/// `(stored, downloaded)` bytes after each of a list of block counts.
type Points = Vec<(u64, u64)>;

/// How one design is measured.
struct Design {
    name: &'static str,
    /// Wire sizes at `users` users.
    sizes: fn(u64) -> Result<WireSizes, String>,
    /// Stored and downloaded bytes after each of `blocks` (ascending) with `users` users.
    storage: fn(&[u64], u64) -> Result<Points, String>,
    stored: &'static str,
    downloaded: &'static str,
}

impl Design {
    fn measure(&self) -> Result<Footprint, Error> {
        let err = |message: String| Error::Variant { variant: self.name, message };
        let sizes = (self.sizes)(REFERENCE_USERS).map_err(err)?;
        let by_blocks = (self.storage)(&BLOCK_POINTS, REFERENCE_USERS).map_err(err)?;
        let by_blocks = points(&BLOCK_POINTS, |_| REFERENCE_USERS, &by_blocks);
        let mut by_users = Vec::with_capacity(USER_POINTS.len());
        for users in USER_POINTS {
            let measured = (self.storage)(&[BY_USERS_BLOCKS], users).map_err(err)?;
            by_users.extend(points(&[BY_USERS_BLOCKS], |_| users, &measured));
        }
        Ok(Footprint { sizes, by_blocks, by_users, stored: self.stored, downloaded: self.downloaded })
    }
}

/// Measures the footprint of design `F` on the reference workload.
fn measure<F: plasma_core::bench::Footprint>(name: &'static str) -> Result<Footprint, Error> {
    let err = |message: String| Error::Variant { variant: name, message };
    let domain = domain();
    let sizes = F::wire_sizes(REFERENCE_USERS, &domain).map_err(err)?;
    let by_blocks = F::storage(&BLOCK_POINTS, REFERENCE_USERS, &domain).map_err(err)?;
    let by_blocks = points(&BLOCK_POINTS, |_| REFERENCE_USERS, &by_blocks);
    let mut by_users = Vec::with_capacity(USER_POINTS.len());
    for users in USER_POINTS {
        let measured = F::storage(&[BY_USERS_BLOCKS], users, &domain).map_err(err)?;
        by_users.extend(points(&[BY_USERS_BLOCKS], |_| users, &measured));
    }
    Ok(Footprint { sizes, by_blocks, by_users, stored: F::STORED, downloaded: F::DOWNLOADED })
}

fn points(blocks: &[u64], users: impl Fn(u64) -> u64, measured: &[(u64, u64)]) -> Vec<StoragePoint> {
    blocks
        .iter()
        .zip(measured)
        .map(|(b, (stored, downloaded))| StoragePoint {
            blocks: *b,
            users: users(*b),
            stored_bytes: *stored,
            downloaded_bytes: *downloaded,
        })
        .collect()
}

fn domain() -> Domain {
    Domain::new(plasma_rootchain::CHAIN_ID, Address::repeat_byte(0xfa))
}

fn count(users: u64) -> Result<usize, String> {
    usize::try_from(users).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// Plasma XT

const XT: Design = Design {
    name: "xt",
    sizes: |users| <plasma_cash::Cash as plasma_core::bench::Footprint>::wire_sizes(users, &domain()),
    storage: xt_storage,
    stored: "the history since the newest finalised checkpoint (K every 100 blocks, final 100 blocks later): state, proof, last move, entries from K",
    downloaded: "as Cash (its coin's proof every block, the tx when it moved), plus its state proof of every checkpoint",
};

/// The checkpoint of the coins of `ids` after the `k`-th child block: the followed coin (index
/// `index`) as its history says, the others where the workload left them.
fn xt_checkpoint(
    history: &plasma_cash::CashHistory,
    ids: &[u64],
    index: usize,
    k: u64,
) -> Result<plasma_xt::StateCheckpoint, String> {
    let e = |e: plasma_xt::XtError| e.to_string();
    let (first, last) = (ids.first().ok_or("no coin")?, ids.last().ok_or("no coin")?);
    let zone = plasma_xt::Zone::new(*first, last - first + 1).map_err(e)?;
    let blknum = plasma_cash::bench::rotating_child_block(ids.len(), k);
    let mut states = BTreeMap::new();
    for (i, coin) in ids.iter().enumerate() {
        let (owner, last_moved) = if i == index {
            let tip = plasma_xt::history::tip_at(history, blknum);
            (tip.owner, tip.last_moved)
        } else {
            plasma_cash::bench::rotating_filler_state(ids.len(), i, k, PAY_EVERY).unwrap_or((Address::ZERO, *coin))
        };
        states.insert(*coin, plasma_xt::CoinState { owner, last_moved });
    }
    plasma_xt::StateCheckpoint::new(blknum, zone, states).map_err(e)
}

fn xt_storage(blocks: &[u64], users: u64) -> Result<Points, String> {
    let coins = count(users)?;
    let w = plasma_cash::bench::rotating_history_workload(
        plasma_cash::bench::max_blocks(blocks)?,
        coins,
        PAY_EVERY,
        &domain(),
    )
    .map_err(|e| e.to_string())?;
    let ids = plasma_cash::bench::coin_ids(coins);
    let index = plasma_cash::bench::rotating_coin_index(coins, PAY_EVERY);
    let coin = *ids.get(index).ok_or("no coin")?;
    // Every checkpoint proposed up to the last point: its state root and the coin's state proof.
    let proposed = blocks.iter().copied().max().unwrap_or(0) / CHECKPOINT_EVERY;
    let mut checkpoints = BTreeMap::new();
    for n in 1..=proposed {
        let checkpoint = xt_checkpoint(&w.history, &ids, index, n * CHECKPOINT_EVERY)?;
        checkpoints.insert(n, (checkpoint.root(), checkpoint.proof(coin)));
    }
    blocks
        .iter()
        .map(|b| {
            let kept = plasma_cash::bench::prefix(&w.history, *b)?;
            let state_proofs: usize =
                checkpoints.range(..=b / CHECKPOINT_EVERY).map(|(_, (_, proof))| proof_len(proof)).sum();
            let finalised = (b / CHECKPOINT_EVERY).checked_sub(1).filter(|n| *n > 0);
            let stored = match finalised.and_then(|n| checkpoints.get(&n).map(|cp| (n, cp))) {
                Some((n, (root, proof))) => xt_kept_bytes(&kept, coins, n, *root, proof.clone())?,
                None => kept.stored_bytes(),
            };
            Ok((to_u64(stored), plasma_cash::bench::downloaded(&kept) + to_u64(state_proofs)))
        })
        .collect()
}

/// What the XT client keeps of `history` (over `coins` coins) once checkpoint `n` (of the workload's
/// `n × 100`-th block `K`, state root `root`, the coin's state proof `proof`) finalised: `CheckpointBook::stored_bytes`, i.e. the Cash
/// history after `drop_entries_before(K)` plus the checkpoint reference without its last move
/// (which the Cash history keeps). `plasma_xt::prune` checks the state against the history first.
fn xt_kept_bytes(
    history: &plasma_cash::CashHistory,
    coins: usize,
    n: u64,
    root: B256,
    proof: plasma_core::SparseProof,
) -> Result<usize, String> {
    let blknum = plasma_cash::bench::rotating_child_block(coins, n * CHECKPOINT_EVERY);
    let pruned = plasma_xt::prune(history, *history.start(), n, blknum, root, proof).map_err(|e| e.to_string())?;
    let reference = pruned.start().checkpoint.clone().ok_or("pruning left no checkpoint")?;
    let reference = plasma_xt::CheckpointRef { last_move: None, ..reference };
    let mut kept = history.clone();
    kept.drop_entries_before(blknum);
    Ok(kept.stored_bytes() + reference.stored_bytes())
}
