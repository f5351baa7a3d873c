//! The decisions of XT's clients about checkpoints (`docs/xt.md`, "Client and watcher rules"):
//! the owner's honest sign-off, the owner's challenge of a false bit, the operator's answer, and
//! stale exits. Plasma Cash's exit watching is `plasma_cash::Watcher`'s, unchanged.
//!
//! - [`owner_sign_off`]: signs only when the owner's own verified history says the state.
//! - [`owner_challenge`]: a set bit of a coin the user owned at `K` that the user did not sign off
//!   calls for a challenge with the user's latest transaction up to `K` (or the deposit).
//! - [`recipient_challenge`]: a set bit of a coin the user received after `K` whose state is not
//!   the sender's (no verifying leaf proof in hand) calls for a challenge with the sender's
//!   transaction; with [`later_spend`], the sender's spend after `K`, it is a later owner's
//!   challenge, which the sender's sign-off cannot answer (docs/security.md, F-4).
//! - [`operator_response`]: the collected sign-off of the challenged owner, the leaf a later
//!   owner's challenge names, or the challenged owner's spend up to `K` from the operator's blocks.
//! - [`is_stale`]: whether an exit contradicts a finalised checkpoint state (`cancelStaleExit`).

use alloy_primitives::Address;
use plasma_cash::{
    CoinHistory, DepositRecord, HistoryStart, Included, ObservedExit, Operator, Roots, SignedCashTx, game::IncludedExt,
    history::Tip,
};
use plasma_core::{BlockNumber, Domain, Signature, SigningKey, SparseProof};

use crate::{
    checkpoint::{Bitmap, StateCheckpoint, sign_off, state_leaf},
    error::{Result, XtError},
    history::{XtStart, tip_at},
};

/// A proposed checkpoint as the `CheckpointProposed` event tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposedCheckpoint {
    /// Its id.
    pub id: u64,
    /// `K`.
    pub blknum: BlockNumber,
    /// The state root.
    pub state_root: alloy_primitives::B256,
    /// The bitmap (and zone).
    pub bitmap: Bitmap,
}

/// Signs off `history`'s coin for `(blknum, state_root)` as `key`'s owner, only if: the history
/// verifies against the roots up to `blknum` (every block covered), says `key` owns the coin after
/// `blknum` with last move `L`, and `proof` includes `stateLeaf(owner, L)` under `state_root`.
pub fn owner_sign_off<S: HistoryStart>(
    key: &SigningKey,
    domain: &Domain,
    history: &CoinHistory<SignedCashTx, S>,
    roots: &Roots,
    blknum: BlockNumber,
    state_root: alloy_primitives::B256,
    proof: &SparseProof,
) -> Result<Signature> {
    let coin_id = history.coin_id();
    let known: Roots = roots.range(..=blknum).map(|(b, r)| (*b, *r)).collect();
    let truncated = truncate(history, blknum)?;
    let owner = truncated.verify(domain, &known)?;
    if owner != key.address() {
        return Err(XtError::WrongState { coin_id, blknum, why: "not the owner at the block" });
    }
    if !proof.verify_inclusion(state_root, coin_id, state_leaf(owner, truncated.last_moved())) {
        return Err(XtError::WrongState { coin_id, blknum, why: "the leaf is not the owner's state" });
    }
    Ok(sign_off(key, domain, blknum, state_root, coin_id))
}

/// The history's entries up to `blknum` only.
fn truncate<S: HistoryStart>(
    history: &CoinHistory<SignedCashTx, S>,
    blknum: BlockNumber,
) -> Result<CoinHistory<SignedCashTx, S>> {
    let mut out = CoinHistory::new(history.start().clone());
    for (at, entry) in history.entries().iter().filter(|(at, _)| *at <= blknum) {
        out.push(*at, entry.clone())?;
    }
    Ok(out)
}

/// The challenge `user` makes against checkpoint `cp` for `history`'s coin: when its bit is set,
/// the history starts at or before `K` and says `user` owned the coin after `K`, and `user` did
/// not sign it off (`signed`).
/// The evidence is the user's latest transaction up to `K` (from the history, or the last move a
/// checkpoint start keeps), or the deposit.
#[must_use]
pub fn owner_challenge(
    user: Address,
    deposit: &DepositRecord,
    history: &CoinHistory<SignedCashTx, XtStart>,
    cp: &ProposedCheckpoint,
    signed: bool,
) -> Option<Included> {
    let coin_id = history.coin_id();
    // A history that starts after K cannot tell the owner at K, nor hold evidence up to K.
    if signed || !cp.bitmap.is_set(coin_id) || history.start().block() > cp.blknum {
        return None;
    }
    let tip = tip_at(history, cp.blknum);
    if tip.owner != user {
        return None;
    }
    evidence_at(deposit, history, tip)
}

/// The challenge a recipient makes against open checkpoint `cp` for a coin it received after `K`
/// (`history` tells the coin's owner at `K`, the sender): when the coin's bit is set and the state
/// is not the sender's as the history says it (no `proof` of that leaf under the state root was
/// handed over, or it fails). The evidence is the sender's transaction at its last move up to `K`
/// (or the deposit), as the owner's own challenge.
#[must_use]
pub fn recipient_challenge(
    deposit: &DepositRecord,
    history: &CoinHistory<SignedCashTx, XtStart>,
    cp: &ProposedCheckpoint,
    proof: Option<&SparseProof>,
) -> Option<Included> {
    let coin_id = history.coin_id();
    if !cp.bitmap.is_set(coin_id) || history.start().block() > cp.blknum {
        return None;
    }
    let tip = tip_at(history, cp.blknum);
    if proof.is_some_and(|p| p.verify_inclusion(cp.state_root, coin_id, state_leaf(tip.owner, tip.last_moved))) {
        return None;
    }
    evidence_at(deposit, history, tip)
}

/// The sender's spend after `K` of what it owned at `K`, with its signature: the `later` of a later
/// owner's challenge (`challengeCheckpointAfter`), which the sender's sign-off cannot answer. `None`
/// when the history holds no move spending the coin's state at `K` after `K`.
#[must_use]
pub fn later_spend(history: &CoinHistory<SignedCashTx, XtStart>, blknum: BlockNumber) -> Option<(Included, Signature)> {
    let tip = tip_at(history, blknum);
    history
        .moves()
        .find(|m| m.blknum > blknum && m.tx.tx.prevBlock == tip.last_moved)
        .map(|m| (Included::from_move(&m), m.tx.sig))
}

/// The transaction that made `tip` (from the history, or the last move a checkpoint start keeps),
/// or the deposit.
fn evidence_at(deposit: &DepositRecord, history: &CoinHistory<SignedCashTx, XtStart>, tip: Tip) -> Option<Included> {
    if let Some(m) = history.move_at(tip.last_moved) {
        return Some(Included::from_move(&m));
    }
    if tip.last_moved == history.coin_id() {
        return Some(Included::deposit(deposit));
    }
    let checkpoint = history.start().checkpoint.as_ref()?;
    let (tx, proof) = checkpoint.last_move.as_ref()?;
    Some(Included::new(tx.tx, checkpoint.last_moved, proof))
}

/// The operator's answer to the challenge of `(coin_id, challenge_blk)` naming `owner`: the
/// owner's collected sign-off (`Ok(Left)`), else the owner's direct spend of the challenged
/// transaction at a block in `(challenge_blk, K]` (`Ok(Right)`), else `None`.
#[must_use]
pub fn operator_response(
    cp: &StateCheckpoint,
    operator: &Operator,
    domain: &Domain,
    coin_id: u64,
    challenge_blk: BlockNumber,
    owner: Address,
) -> Option<Response> {
    // A later owner's challenge is stored under the block of its later spend, after K; the owner's
    // sign-off does not answer it, the leaf does (when the state names that owner).
    let later_owner = challenge_blk > cp.blknum();
    let states_owner = cp.state(coin_id).is_some_and(|s| s.owner == owner);
    if later_owner && states_owner {
        return Some(Response::Leaf(cp.proof(coin_id)));
    }
    if !later_owner
        && states_owner
        && let Some(sig) = cp.sign_off_of(coin_id)
    {
        return Some(Response::SignOff(*sig));
    }
    // The owner's spend up to K of what the challenge names: of `challenge_blk` for a non-signer's
    // challenge; for a later owner's, of the owner's receipt, which the contract checks.
    let after = if later_owner { 0 } else { challenge_blk };
    operator.child_blocks().filter(|b| *b > after && *b <= cp.blknum()).find_map(|blknum| {
        let block = &operator.block(blknum)?.block;
        let tx = block.tx(coin_id)?;
        let by_owner = tx.signer(domain).is_ok_and(|s| s == owner);
        ((later_owner || tx.tx.prevBlock == challenge_blk) && by_owner)
            .then(|| Response::Spend(Included::new(tx.tx, blknum, &block.proof(coin_id)), tx.sig))
    })
}

/// An answer to a checkpoint challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// `respondCheckpointSignOff` with this signature.
    SignOff(Signature),
    /// `respondCheckpointSpend` with this spend and its signature.
    Spend(Included, Signature),
    /// `respondCheckpointLeaf` with the proof of the coin's leaf under the state root.
    Leaf(SparseProof),
}

/// Whether `exit`, whose origin is `origin_blk` (the coin id for the deposit), is stale against the
/// finalised checkpoint of block `blknum` stating `(owner, last_moved)`: the rule of
/// `cancelStaleExit`.
#[must_use]
pub fn is_stale(
    exit: &ObservedExit,
    origin_blk: BlockNumber,
    blknum: BlockNumber,
    owner: Address,
    last_moved: BlockNumber,
) -> bool {
    if origin_blk >= blknum {
        return false;
    }
    if exit.exit_blk <= blknum {
        return (exit.owner, exit.exit_blk) != (owner, last_moved);
    }
    exit.prev_blk <= blknum && (exit.prev_owner, exit.prev_blk) != (owner, last_moved)
}
