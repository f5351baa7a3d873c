//! Histories that start at a checkpoint (`docs/xt.md`, "Client and watcher rules"): the
//! [`HistoryStart`] Plasma XT gives `plasma-cash`'s generic [`CoinHistory`], and pruning.
//!
//! An [`XtStart`] is the coin's deposit record and, once a finalised checkpoint states the coin,
//! the [`CheckpointRef`]: the checkpoint's id and block `K`, the state `(O, L)`, the proof of its
//! leaf under the state root, and the coin's last move at `L` with its inclusion proof (kept so
//! that its owner can still challenge a later checkpoint with its latest transaction). Entries
//! cover the child blocks after `K`. [`prune`] turns a history that covers `K` and agrees with the
//! state into that shorter one.
//!
//! Stored bytes of a checkpoint start: 60 (deposit record) + 8 (id) + 8 (`K`) + 20 (`O`) + 8 (`L`) +
//! the state proof, plus 8 + proof + 161 for the last move when the coin moved; the state root
//! and bitmap are root-chain data, like block roots, and are not counted.

use alloy_primitives::{Address, B256};
use plasma_cash::{
    CashHistory, CoinHistory, DepositRecord, HistoryStart, Invalidity, Roots, SignedCashTx,
    history::{BLKNUM_BYTES, DEPOSIT_RECORD_BYTES, Tip, proof_len},
};
use plasma_core::{BlockNumber, SparseProof};

use crate::{
    checkpoint::state_leaf,
    error::{Result, XtError},
};

/// A coin's state in a finalised checkpoint, as a history start keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointRef {
    /// The checkpoint's id in the game.
    pub checkpoint_id: u64,
    /// `K`.
    pub blknum: BlockNumber,
    /// The state root (root-chain data).
    pub state_root: B256,
    /// `O`.
    pub owner: Address,
    /// `L`.
    pub last_moved: BlockNumber,
    /// Inclusion of `stateLeaf(O, L)` at key `coinId`.
    pub proof: SparseProof,
    /// The transaction at `L` with its inclusion proof (none when `L` is the deposit).
    pub last_move: Option<(SignedCashTx, SparseProof)>,
}

impl CheckpointRef {
    /// Bytes stored for it.
    #[must_use]
    pub fn stored_bytes(&self) -> usize {
        let last = self.last_move.as_ref().map_or(0, |(tx, proof)| BLKNUM_BYTES + proof_len(proof) + tx.size());
        8 + 8 + 20 + 8 + proof_len(&self.proof) + last
    }
}

/// Where an XT history starts: the deposit, or the newest finalised checkpoint stating the coin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XtStart {
    /// The coin's deposit record (its denomination and first owner).
    pub deposit: DepositRecord,
    /// The checkpoint the history starts at, if any.
    pub checkpoint: Option<CheckpointRef>,
}

impl HistoryStart for XtStart {
    fn coin_id(&self) -> u64 {
        self.deposit.coin_id
    }

    fn owner(&self) -> Address {
        self.checkpoint.as_ref().map_or(self.deposit.depositor, |c| c.owner)
    }

    fn last_moved(&self) -> BlockNumber {
        self.checkpoint.as_ref().map_or(self.deposit.coin_id, |c| c.last_moved)
    }

    fn block(&self) -> BlockNumber {
        self.checkpoint.as_ref().map_or(self.deposit.coin_id, |c| c.blknum)
    }

    /// The deposit record against the roots, and the state leaf against the state root. (That the
    /// checkpoint is finalised is the client's check against the game's events.)
    fn check(&self, roots: &Roots) -> Result<(), Invalidity> {
        self.deposit.check(roots)?;
        match &self.checkpoint {
            Some(c)
                if !c.proof.verify_inclusion(c.state_root, self.deposit.coin_id, state_leaf(c.owner, c.last_moved)) =>
            {
                Err(Invalidity::NotIncluded)
            }
            _ => Ok(()),
        }
    }

    fn stored_bytes(&self) -> usize {
        DEPOSIT_RECORD_BYTES + self.checkpoint.as_ref().map_or(0, CheckpointRef::stored_bytes)
    }
}

/// A Plasma XT history: signed transactions after an [`XtStart`].
pub type XtHistory = CoinHistory<SignedCashTx, XtStart>;

/// A Plasma Cash history as an XT history starting at the deposit.
pub fn from_cash(history: &CashHistory) -> Result<XtHistory> {
    let mut xt = XtHistory::new(XtStart { deposit: *history.start(), checkpoint: None });
    for (blknum, entry) in history.entries() {
        xt.push(*blknum, entry.clone())?;
    }
    Ok(xt)
}

/// An XT history in the form a Plasma Cash wallet keeps: the deposit record, the last move the
/// checkpoint start keeps (when the coin moved by `K`), then the entries after `K`. It no longer
/// verifies from the deposit (the checkpoint vouches for the blocks up to `K`) but has the same
/// tip, so the wallet pays, syncs and answers with it.
pub fn to_cash(history: &XtHistory) -> Result<CashHistory> {
    let mut cash = CashHistory::new(history.start().deposit);
    if let Some((tx, proof)) = history.start().checkpoint.as_ref().and_then(|c| c.last_move.clone()) {
        let at = history.start().last_moved();
        cash.push(at, plasma_cash::Entry::Moved { tx, proof })?;
    }
    for (blknum, entry) in history.entries() {
        cash.push(*blknum, entry.clone())?;
    }
    Ok(cash)
}

/// The owner and last move of the coin after block `blknum`, as `history`'s entries say.
#[must_use]
pub fn tip_at<S: HistoryStart>(history: &CoinHistory<SignedCashTx, S>, blknum: BlockNumber) -> Tip {
    let start = Tip { owner: history.start().owner(), last_moved: history.start().last_moved() };
    history
        .moves()
        .take_while(|m| m.blknum <= blknum)
        .last()
        .map_or(start, |m| Tip { owner: m.tx.tx.newOwner, last_moved: m.blknum })
}

/// The history of the same coin starting at the finalised checkpoint of block `blknum` (id
/// `checkpoint_id`, root `state_root`) that states `(owner, last_moved)` with `proof`: the entries
/// after `blknum` are kept, the others dropped. Refused ([`XtError::CannotPrune`],
/// [`XtError::WrongState`], [`XtError::StateNotIncluded`]) unless `history` covers `blknum`, starts
/// before it, and says the same state, and the proof leads to the root.
pub fn prune<S: HistoryStart + 'static>(
    history: &CoinHistory<SignedCashTx, S>,
    deposit: DepositRecord,
    checkpoint_id: u64,
    blknum: BlockNumber,
    state_root: B256,
    proof: SparseProof,
) -> Result<XtHistory> {
    let coin_id = history.coin_id();
    if history.covered_through() < blknum || history.start().block() >= blknum || deposit.coin_id != coin_id {
        return Err(XtError::CannotPrune { coin_id, blknum });
    }
    let tip = tip_at(history, blknum);
    if !proof.verify_inclusion(state_root, coin_id, state_leaf(tip.owner, tip.last_moved)) {
        return Err(XtError::StateNotIncluded(coin_id));
    }
    let last_move = history.move_at(tip.last_moved).map(|m| (*m.tx, m.proof.clone()));
    let checkpoint = CheckpointRef {
        checkpoint_id,
        blknum,
        state_root,
        owner: tip.owner,
        last_moved: tip.last_moved,
        proof,
        last_move: last_move.or_else(|| history.start_last_move()),
    };
    let mut pruned = XtHistory::new(XtStart { deposit, checkpoint: Some(checkpoint) });
    for (at, entry) in history.entries().iter().filter(|(at, _)| *at > blknum) {
        pruned.push(*at, entry.clone())?;
    }
    Ok(pruned)
}

/// The last move a history's start keeps, for pruning a history that starts at a checkpoint.
trait StartLastMove {
    fn start_last_move(&self) -> Option<(SignedCashTx, SparseProof)>;
}

impl<S: HistoryStart + 'static> StartLastMove for CoinHistory<SignedCashTx, S> {
    fn start_last_move(&self) -> Option<(SignedCashTx, SparseProof)> {
        let start: &dyn core::any::Any = self.start();
        start.downcast_ref::<XtStart>().and_then(|s| s.checkpoint.as_ref()).and_then(|c| c.last_move.clone())
    }
}
