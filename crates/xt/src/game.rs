//! `XtExitGame` from Rust: calldata builders for every function XT adds (`docs/xt.md`), the
//! Plasma Cash ones through [`XtGame::cash`] (same selectors), and the checkpoint timing.
//!
//! Timing, with `Pc` the checkpoint period and `Rc = Pc / 4`: challenges while `now <
//! proposedAt + 3Rc`, answers while `now < challengedAt + Rc`, finalisation from `proposedAt + Pc`.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use plasma_cash::{CashGame, DepositRecord, Included as CashIncluded};
use plasma_core::{BlockNumber, GameCall, Signature, SparseProof, Timestamp};
use serde::{Deserialize, Serialize};

pub use crate::abi::{CheckpointState, XtExitGame};
use crate::{abi::from_cash, checkpoint::Bitmap, history::CheckpointRef};

fn call(data: impl SolCall, value: U256) -> GameCall {
    GameCall { data: data.abi_encode().into(), value }
}

fn sig_bytes(sig: &Signature) -> Bytes {
    Bytes::copy_from_slice(&sig.to_bytes())
}

/// A history's checkpoint start with the checkpoint's bitmap, as the origin calls take it.
#[must_use]
pub fn checkpoint_state(checkpoint: &CheckpointRef, bitmap: &Bitmap) -> CheckpointState {
    CheckpointState {
        checkpointId: U256::from(checkpoint.checkpoint_id),
        bitmap: bitmap.to_bytes(),
        owner: checkpoint.owner,
        lastMoved: checkpoint.last_moved,
        proof: checkpoint.proof.to_bytes(),
    }
}

/// `startCheckpointExit` arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointExit {
    /// The coin's deposit record.
    pub deposit: DepositRecord,
    /// The coin's state in the finalised checkpoint.
    pub origin: CheckpointState,
    /// `P(C)` after the checkpoint, or [`IncludedExt::none`](plasma_cash::game::IncludedExt::none).
    pub parent: CashIncluded,
    /// `C`, or [`IncludedExt::none`](plasma_cash::game::IncludedExt::none) to exit the state itself.
    pub exiting: CashIncluded,
    /// `C`'s signature (none for the state itself).
    pub exiting_sig: Option<Signature>,
}

/// The Plasma XT exit game's parameters and calldata builders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct XtGame {
    /// The Plasma Cash part (exit and challenge bonds, `P`).
    pub cash: CashGame,
    /// `checkpointBond` (wei).
    pub checkpoint_bond: U256,
    /// `Pc` (seconds).
    pub checkpoint_period: u64,
    /// `challengeCap`.
    pub challenge_cap: u32,
}

impl XtGame {
    /// `Rc = Pc / 4`.
    #[must_use]
    pub const fn checkpoint_response_period(&self) -> u64 {
        self.checkpoint_period / 4
    }

    /// Whether a checkpoint proposed at `proposed_at` accepts challenges at `now`.
    #[must_use]
    pub const fn challenge_window_open(&self, proposed_at: Timestamp, now: Timestamp) -> bool {
        now < proposed_at.saturating_add(3 * self.checkpoint_response_period())
    }

    /// `proposedAt + Pc`.
    #[must_use]
    pub const fn finalizable_at(&self, proposed_at: Timestamp) -> Timestamp {
        proposed_at.saturating_add(self.checkpoint_period)
    }

    /// `proposeCheckpoint(blknum, zoneStart, zoneSize, stateRoot, bitmap)` with the checkpoint bond.
    #[must_use]
    pub fn propose_checkpoint_call(&self, blknum: BlockNumber, state_root: B256, bitmap: &Bitmap) -> GameCall {
        let zone = bitmap.zone();
        let data = XtExitGame::proposeCheckpointCall {
            blknum,
            zoneStart: zone.start,
            zoneSize: zone.size,
            stateRoot: state_root,
            bitmap: bitmap.to_bytes(),
        };
        call(data, self.checkpoint_bond)
    }

    /// `challengeCheckpoint(id, bitmap, latest, amount)` with the challenge bond.
    #[must_use]
    pub fn challenge_checkpoint_call(&self, id: u64, bitmap: &Bitmap, latest: &CashIncluded, amount: U256) -> GameCall {
        let data = XtExitGame::challengeCheckpointCall {
            checkpointId: U256::from(id),
            bitmap: bitmap.to_bytes(),
            latest: from_cash(latest),
            amount,
        };
        call(data, self.cash.challenge_bond)
    }

    /// `challengeCheckpointAfter(id, bitmap, latest, amount, later, laterSig)` with the challenge
    /// bond: a later owner's challenge (`latest` made X the owner up to `K`, `later` is X's signed
    /// spend of it after `K`).
    #[must_use]
    pub fn challenge_checkpoint_after_call(
        &self,
        id: u64,
        bitmap: &Bitmap,
        latest: &CashIncluded,
        amount: U256,
        later: &CashIncluded,
        later_sig: &Signature,
    ) -> GameCall {
        let data = XtExitGame::challengeCheckpointAfterCall {
            checkpointId: U256::from(id),
            bitmap: bitmap.to_bytes(),
            latest: from_cash(latest),
            amount,
            later: from_cash(later),
            laterSig: sig_bytes(later_sig),
        };
        call(data, self.cash.challenge_bond)
    }

    /// `respondCheckpointLeaf(id, coinId, challengeBlk, proof)`: the leaf a later owner's challenge
    /// names, proven under the state root.
    #[must_use]
    pub fn respond_leaf_call(id: u64, coin_id: u64, challenge_blk: BlockNumber, proof: &SparseProof) -> GameCall {
        let data = XtExitGame::respondCheckpointLeafCall {
            checkpointId: U256::from(id),
            coinId: coin_id,
            challengeBlk: challenge_blk,
            proof: proof.to_bytes(),
        };
        call(data, U256::ZERO)
    }

    /// `respondCheckpointSignOff(id, coinId, challengeBlk, sig)`.
    #[must_use]
    pub fn respond_sign_off_call(id: u64, coin_id: u64, challenge_blk: BlockNumber, sig: &Signature) -> GameCall {
        let data = XtExitGame::respondCheckpointSignOffCall {
            checkpointId: U256::from(id),
            coinId: coin_id,
            challengeBlk: challenge_blk,
            sig: sig_bytes(sig),
        };
        call(data, U256::ZERO)
    }

    /// `respondCheckpointSpend(id, coinId, challengeBlk, spend, sig)`.
    #[must_use]
    pub fn respond_spend_call(id: u64, challenge_blk: BlockNumber, spend: &CashIncluded, sig: &Signature) -> GameCall {
        let data = XtExitGame::respondCheckpointSpendCall {
            checkpointId: U256::from(id),
            coinId: spend.tx.coinId,
            challengeBlk: challenge_blk,
            spend: from_cash(spend),
            sig: sig_bytes(sig),
        };
        call(data, U256::ZERO)
    }

    /// `finalizeCheckpoint(id)`.
    #[must_use]
    pub fn finalize_checkpoint_call(id: u64) -> GameCall {
        call(XtExitGame::finalizeCheckpointCall { checkpointId: U256::from(id) }, U256::ZERO)
    }

    /// `startCheckpointExit(...)` with the exit bond.
    #[must_use]
    pub fn start_checkpoint_exit_call(&self, exit: &CheckpointExit) -> GameCall {
        let data = XtExitGame::startCheckpointExitCall {
            coinId: exit.deposit.coin_id,
            depositor: exit.deposit.depositor,
            amount: exit.deposit.amount,
            origin: exit.origin.clone(),
            parent: from_cash(&exit.parent),
            exiting: from_cash(&exit.exiting),
            exitingSig: exit.exiting_sig.as_ref().map(sig_bytes).unwrap_or_default(),
        };
        call(data, self.cash.exit_bond)
    }

    /// `challengeHistoryAtCheckpoint(coinId, state)` with the challenge bond.
    #[must_use]
    pub fn challenge_history_at_checkpoint_call(&self, coin_id: u64, state: &CheckpointState) -> GameCall {
        let data = XtExitGame::challengeHistoryAtCheckpointCall { coinId: coin_id, state: state.clone() };
        call(data, self.cash.challenge_bond)
    }

    /// `respondHistoryAtCheckpoint(coinId, challengeBlk, state)`: answers a pending history
    /// challenge below the state's last move with the finalised state (no value).
    #[must_use]
    pub fn respond_history_at_checkpoint_call(
        coin_id: u64,
        challenge_blk: BlockNumber,
        state: &CheckpointState,
    ) -> GameCall {
        let data = XtExitGame::respondHistoryAtCheckpointCall {
            coinId: coin_id,
            challengeBlk: challenge_blk,
            state: state.clone(),
        };
        call(data, U256::ZERO)
    }

    /// `cancelStaleExit(coinId, state)`.
    #[must_use]
    pub fn cancel_stale_exit_call(coin_id: u64, state: &CheckpointState) -> GameCall {
        call(XtExitGame::cancelStaleExitCall { coinId: coin_id, state: state.clone() }, U256::ZERO)
    }

    /// `signOffHash(blknum, stateRoot, coinId)` view calldata.
    #[must_use]
    pub fn sign_off_hash_call(blknum: BlockNumber, state_root: B256, coin_id: u64) -> Bytes {
        XtExitGame::signOffHashCall { blknum, stateRoot: state_root, coinId: coin_id }.abi_encode().into()
    }

    /// `stateLeaf(owner, lastMoved)` view calldata.
    #[must_use]
    pub fn state_leaf_call(owner: Address, last_moved: BlockNumber) -> Bytes {
        XtExitGame::stateLeafCall { owner, lastMoved: last_moved }.abi_encode().into()
    }

    /// `checkpoints(id)` view calldata.
    #[must_use]
    pub fn checkpoints_call(id: u64) -> Bytes {
        XtExitGame::checkpointsCall { checkpointId: U256::from(id) }.abi_encode().into()
    }
}
