//! `CashExitGame` from Rust: exit, challenge and response arguments, calldata builders for every
//! function of [`CashExitGame`], the observed events, and the exit timing (`docs/cash.md`).
//!
//! Timing, with `P = minExitPeriod` and the response period `R = P / 4`:
//!
//! - an exit started at `t` is processable at [`exitable_at`] `= t + P`;
//! - invalid-history challenges are accepted while `now < t + 3R` ([`history_window_closes`]);
//! - a history challenge made at `c` can be answered while `now < c + R` ([`response_deadline`]);
//! - spent-coin and double-spend challenges are accepted until the exit is processed.
//!
//! Exit ids pack `uint96(seq) << 64 | coinId` ([`exit_id`], [`split_exit_id`]), `seq` counting the
//! coin's exits from 1.

use alloy_primitives::{Address, Bytes, U256, aliases::U96};
use alloy_sol_types::SolCall;
use plasma_core::{BlockNumber, Bonds, GameCall, Periods, Signature, SparseProof, Timestamp};
use serde::{Deserialize, Serialize};

pub use crate::abi::{CashExitGame, Included, PendingChallenge};
use crate::{
    error::{CashError, Result},
    history::{DepositRecord, Move},
    tx::{CashTx, CashTxExt, SignedCashTx},
};

/// One week, the usual minimum exit period.
pub const ONE_WEEK: u64 = 7 * 24 * 3600;

/// Challenges (and their bond refunds) a cancel settles per call (`SETTLE_BATCH`).
pub const SETTLE_BATCH: usize = 16;

/// `kind` of `ExitChallenged` for a spent-coin challenge.
pub const KIND_SPENT: u8 = 1;

/// `kind` of `ExitChallenged` for a double-spend challenge.
pub const KIND_DOUBLE_SPEND: u8 = 2;

/// `R = P / 4`: how long a history challenge can be answered.
#[must_use]
pub const fn response_period(min_exit_period: u64) -> u64 {
    min_exit_period / 4
}

/// `3R`: how long after its start an exit accepts history challenges.
#[must_use]
pub const fn history_challenge_window(min_exit_period: u64) -> u64 {
    response_period(min_exit_period).saturating_mul(3)
}

/// `startedAt + P` (saturating).
#[must_use]
pub const fn exitable_at(started_at: Timestamp, min_exit_period: u64) -> Timestamp {
    started_at.saturating_add(min_exit_period)
}

/// `startedAt + 3R`: history challenges are accepted strictly before it.
#[must_use]
pub const fn history_window_closes(started_at: Timestamp, min_exit_period: u64) -> Timestamp {
    started_at.saturating_add(history_challenge_window(min_exit_period))
}

/// `challengedAt + R`: a history challenge can be answered strictly before it.
#[must_use]
pub const fn response_deadline(challenged_at: Timestamp, min_exit_period: u64) -> Timestamp {
    challenged_at.saturating_add(response_period(min_exit_period))
}

/// `uint96(seq) << 64 | coinId`.
#[must_use]
pub const fn exit_id(seq: u32, coin_id: u64) -> u128 {
    ((seq as u128) << 64) | coin_id as u128
}

/// `(seq, coinId)` of an exit id; `None` beyond 96 bits.
#[must_use]
pub const fn split_exit_id(exit_id: u128) -> Option<(u32, u64)> {
    if exit_id >> 96 != 0 {
        return None;
    }
    Some(((exit_id >> 64) as u32, exit_id as u64))
}

/// What Plasma Cash adds to the ABI's [`Included`] (generated in `plasma-abi`, hence a trait:
/// bring it into scope to call `Included::new`, `Included::none`, `Included::deposit` and the
/// rest).
pub trait IncludedExt: Sized {
    /// A move of a history: its transaction, block and inclusion proof.
    #[must_use]
    fn from_move(included: &Move<'_, SignedCashTx>) -> Self;

    /// `tx` included at `blknum` with `proof`.
    #[must_use]
    fn new(tx: CashTx, blknum: BlockNumber, proof: &SparseProof) -> Self;

    /// The all-zero parent of an exit whose transaction spends the deposit.
    #[must_use]
    fn none() -> Self;

    /// A coin's deposit as a history challenge names it: `CashTx(coinId, 0, depositor)` at block
    /// `coinId`, empty proof.
    #[must_use]
    fn deposit(record: &DepositRecord) -> Self;

    /// Whether this names a coin's deposit (`blknum == coinId`, `prevBlock == 0`, empty proof).
    #[must_use]
    fn is_deposit(&self) -> bool;
}

impl IncludedExt for Included {
    fn from_move(included: &Move<'_, SignedCashTx>) -> Self {
        Self::new(included.tx.tx, included.blknum, included.proof)
    }

    fn new(tx: CashTx, blknum: BlockNumber, proof: &SparseProof) -> Self {
        Self { tx, blknum, proof: proof.to_bytes() }
    }

    fn none() -> Self {
        Self::default()
    }

    fn deposit(record: &DepositRecord) -> Self {
        Self { tx: CashTx::new(record.coin_id, 0, record.depositor), blknum: record.coin_id, proof: Bytes::new() }
    }

    fn is_deposit(&self) -> bool {
        self.blknum == self.tx.coinId && self.tx.prevBlock == 0 && self.proof.is_empty()
    }
}

/// Arguments of `startDepositExit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DepositExit {
    /// The coin (its deposit block).
    pub coin_id: u64,
    /// Its denomination.
    pub amount: U256,
}

/// Arguments of `startExit`: the exiting transaction `C` and its parent `P(C)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CashExit {
    /// The coin.
    pub coin_id: u64,
    /// The coin's depositor, as recorded by its deposit block.
    pub depositor: Address,
    /// The coin's denomination.
    pub amount: U256,
    /// `P(C)` (all zero, [`IncludedExt::none`], when `C` spends the deposit).
    pub parent: Included,
    /// `C`, whose new owner exits.
    pub exiting: Included,
    /// `C`'s signature by `P(C)`'s owner.
    pub exiting_sig: Signature,
}

/// Either kind of exit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExitClaim {
    /// A coin that never moved, exited by its depositor.
    Deposit(DepositExit),
    /// A coin exited by the new owner of its last transaction.
    Tx(Box<CashExit>),
}

impl ExitClaim {
    /// The coin.
    #[must_use]
    pub fn coin_id(&self) -> u64 {
        match self {
            Self::Deposit(exit) => exit.coin_id,
            Self::Tx(exit) => exit.coin_id,
        }
    }

    /// The exiting amount.
    #[must_use]
    pub fn amount(&self) -> U256 {
        match self {
            Self::Deposit(exit) => exit.amount,
            Self::Tx(exit) => exit.amount,
        }
    }
}

/// A spent-coin or double-spend challenge: an included spend and its signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpendChallenge {
    /// The coin.
    pub coin_id: u64,
    /// The spend (a direct spend of `C`, or a spend of `P(C)` before `C`).
    pub spend: Included,
    /// Its signature (by the exit's owner, or by `P(C)`'s owner).
    pub sig: Signature,
}

/// An invalid-history challenge: an earlier transaction of the coin, or its deposit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HistoryChallenge {
    /// The coin.
    pub coin_id: u64,
    /// The transaction at a block in `[coinId, pBlk)`.
    pub earlier: Included,
}

/// An answer to the history challenge at `challenge_blk`: the challenged transaction's direct child.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HistoryResponse {
    /// The coin.
    pub coin_id: u64,
    /// The challenged block.
    pub challenge_blk: BlockNumber,
    /// The direct child, at a block in `(challenge_blk, pBlk]`.
    pub response: Included,
    /// Its signature, by the challenged transaction's new owner.
    pub sig: Signature,
}

/// An exit seen on the root chain (`ExitStarted`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObservedExit {
    /// The coin.
    pub coin_id: u64,
    /// The exiter, `C`'s new owner.
    pub owner: Address,
    /// `seq << 64 | coinId`.
    pub exit_id: u128,
    /// `eBlk`: the block of `C` (the coin id for a deposit exit).
    pub exit_blk: BlockNumber,
    /// `pBlk`: the block of `P(C)` (the coin id when `C` spends the deposit, 0 for a deposit exit).
    pub prev_blk: BlockNumber,
    /// `pOwner`: `P(C)`'s new owner (the depositor when `C` spends the deposit, zero for a
    /// deposit exit).
    pub prev_owner: Address,
    /// The coin's denomination.
    pub amount: U256,
    /// When the exit can be processed (`startedAt + P`).
    pub exitable_at: Timestamp,
}

impl ObservedExit {
    /// When the exit started, given the minimum exit period.
    #[must_use]
    pub const fn started_at(&self, min_exit_period: u64) -> Timestamp {
        self.exitable_at.saturating_sub(min_exit_period)
    }

    /// Whether this is a deposit exit.
    #[must_use]
    pub const fn is_deposit_exit(&self) -> bool {
        self.prev_blk == 0
    }
}

impl From<&CashExitGame::ExitStarted> for ObservedExit {
    fn from(event: &CashExitGame::ExitStarted) -> Self {
        Self {
            coin_id: event.coinId,
            owner: event.owner,
            exit_id: event.exitId.to::<u128>(),
            exit_blk: event.eBlk,
            prev_blk: event.pBlk,
            prev_owner: event.pOwner,
            amount: event.amount,
            exitable_at: event.exitableAt,
        }
    }
}

/// A history challenge seen on the root chain (`HistoryChallenged`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObservedChallenge {
    /// The coin.
    pub coin_id: u64,
    /// The challenged exit.
    pub exit_id: u128,
    /// Who challenged (and bonded).
    pub challenger: Address,
    /// The challenged block (`coinId` for the deposit).
    pub blknum: BlockNumber,
    /// The challenged transaction's new owner: who must sign the answer.
    pub owner: Address,
    /// Answers are accepted strictly before it.
    pub deadline: Timestamp,
}

impl From<&CashExitGame::HistoryChallenged> for ObservedChallenge {
    fn from(event: &CashExitGame::HistoryChallenged) -> Self {
        Self {
            coin_id: event.coinId,
            exit_id: event.exitId.to::<u128>(),
            challenger: event.challenger,
            blknum: event.blknum,
            owner: event.owner,
            deadline: event.deadline,
        }
    }
}

/// An answer to a history challenge seen on the root chain (`HistoryChallengeAnswered`): it
/// publishes a transaction of the coin with its proof and signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObservedAnswer {
    /// The coin.
    pub coin_id: u64,
    /// The exit.
    pub exit_id: u128,
    /// Who answered.
    pub responder: Address,
    /// The challenged block.
    pub challenge_blk: BlockNumber,
    /// The answer: the direct child of the challenged transaction, included.
    pub response: Included,
    /// The answer's signature, as published (65 bytes on a valid answer).
    pub sig: Bytes,
}

impl From<&CashExitGame::HistoryChallengeAnswered> for ObservedAnswer {
    fn from(event: &CashExitGame::HistoryChallengeAnswered) -> Self {
        Self {
            coin_id: event.coinId,
            exit_id: event.exitId.to::<u128>(),
            responder: event.responder,
            challenge_blk: event.challengeBlk,
            response: Included { tx: event.tx, blknum: event.blknum, proof: event.proof.clone() },
            sig: event.sig.clone(),
        }
    }
}

fn sig_bytes(sig: &Signature) -> Bytes {
    Bytes::copy_from_slice(&sig.to_bytes())
}

fn call(data: impl SolCall, value: U256) -> GameCall {
    GameCall { data: data.abi_encode().into(), value }
}

/// The Plasma Cash exit game's parameters and calldata builders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CashGame {
    /// `exitBond` of the deployed `CashExitGame` (wei).
    pub exit_bond: U256,
    /// `challengeBond` (wei), posted with every history challenge.
    pub challenge_bond: U256,
    /// `minExitPeriod` of the framework (seconds): `P`.
    pub min_exit_period: u64,
}

impl CashGame {
    /// The game deployed with these bonds on a framework with `min_exit_period`.
    #[must_use]
    pub const fn new(exit_bond: U256, challenge_bond: U256, min_exit_period: u64) -> Self {
        Self { exit_bond, challenge_bond, min_exit_period }
    }

    /// `P` and `R = P / 4`.
    #[must_use]
    pub const fn periods(&self) -> Periods {
        Periods { min_exit_period: self.min_exit_period, response_period: Some(self.response_period()) }
    }

    /// The exit and challenge bonds.
    #[must_use]
    pub const fn bonds(&self) -> Bonds {
        Bonds { exit: self.exit_bond, challenge: self.challenge_bond, piggyback: U256::ZERO }
    }

    /// `R = P / 4`.
    #[must_use]
    pub const fn response_period(&self) -> u64 {
        response_period(self.min_exit_period)
    }

    /// `3R`.
    #[must_use]
    pub const fn history_challenge_window(&self) -> u64 {
        history_challenge_window(self.min_exit_period)
    }

    /// `startedAt + P`.
    #[must_use]
    pub const fn exitable_at(&self, started_at: Timestamp) -> Timestamp {
        exitable_at(started_at, self.min_exit_period)
    }

    /// Whether `exit` still accepts history challenges at `now` (`now < startedAt + 3R`).
    #[must_use]
    pub const fn history_window_open(&self, exit: &ObservedExit, now: Timestamp) -> bool {
        now < history_window_closes(exit.started_at(self.min_exit_period), self.min_exit_period)
    }

    /// `challengedAt + R`.
    #[must_use]
    pub const fn response_deadline(&self, challenged_at: Timestamp) -> Timestamp {
        response_deadline(challenged_at, self.min_exit_period)
    }

    /// `startDepositExit(coinId, amount)` with the exit bond.
    #[must_use]
    pub fn start_deposit_exit_call(&self, exit: &DepositExit) -> GameCall {
        call(CashExitGame::startDepositExitCall { coinId: exit.coin_id, amount: exit.amount }, self.exit_bond)
    }

    /// `startExit(coinId, depositor, amount, parent, exiting, exitingSig)` with the exit bond.
    #[must_use]
    pub fn start_exit_call(&self, exit: &CashExit) -> GameCall {
        let data = CashExitGame::startExitCall {
            coinId: exit.coin_id,
            depositor: exit.depositor,
            amount: exit.amount,
            parent: exit.parent.clone(),
            exiting: exit.exiting.clone(),
            exitingSig: sig_bytes(&exit.exiting_sig),
        };
        call(data, self.exit_bond)
    }

    /// The call that starts `claim`, whichever kind it is.
    #[must_use]
    pub fn exit_call(&self, claim: &ExitClaim) -> GameCall {
        match claim {
            ExitClaim::Deposit(exit) => self.start_deposit_exit_call(exit),
            ExitClaim::Tx(exit) => self.start_exit_call(exit),
        }
    }

    /// `challengeSpent(coinId, spend, sig)`, no value.
    #[must_use]
    pub fn challenge_spent_call(&self, challenge: &SpendChallenge) -> GameCall {
        let data = CashExitGame::challengeSpentCall {
            coinId: challenge.coin_id,
            spend: challenge.spend.clone(),
            sig: sig_bytes(&challenge.sig),
        };
        call(data, U256::ZERO)
    }

    /// `challengeDoubleSpend(coinId, spend, sig)`, no value.
    #[must_use]
    pub fn challenge_double_spend_call(&self, challenge: &SpendChallenge) -> GameCall {
        let data = CashExitGame::challengeDoubleSpendCall {
            coinId: challenge.coin_id,
            spend: challenge.spend.clone(),
            sig: sig_bytes(&challenge.sig),
        };
        call(data, U256::ZERO)
    }

    /// `challengeHistory(coinId, earlier)` with the challenge bond.
    #[must_use]
    pub fn challenge_history_call(&self, challenge: &HistoryChallenge) -> GameCall {
        let data = CashExitGame::challengeHistoryCall { coinId: challenge.coin_id, earlier: challenge.earlier.clone() };
        call(data, self.challenge_bond)
    }

    /// `respondHistory(coinId, challengeBlk, response, sig)`, no value.
    #[must_use]
    pub fn respond_history_call(&self, response: &HistoryResponse) -> GameCall {
        let data = CashExitGame::respondHistoryCall {
            coinId: response.coin_id,
            challengeBlk: response.challenge_blk,
            response: response.response.clone(),
            sig: sig_bytes(&response.sig),
        };
        call(data, U256::ZERO)
    }

    /// `processExit(exitId)`, no value (only the framework may call it; built for tests).
    /// [`CashError::ExitIdOverflow`] beyond 96 bits.
    pub fn process_exit_call(exit_id: u128) -> Result<GameCall> {
        let id = U96::checked_from_limbs_slice(&[exit_id as u64, (exit_id >> 64) as u64])
            .ok_or(CashError::ExitIdOverflow(U256::from(exit_id)))?;
        Ok(call(CashExitGame::processExitCall { exitId: id }, U256::ZERO))
    }

    /// `exits(coinId)` view calldata.
    #[must_use]
    pub fn exits_call(coin_id: u64) -> Bytes {
        CashExitGame::exitsCall { coinId: coin_id }.abi_encode().into()
    }

    /// `pendingChallenges(coinId)` view calldata.
    #[must_use]
    pub fn pending_challenges_call(coin_id: u64) -> Bytes {
        CashExitGame::pendingChallengesCall { coinId: coin_id }.abi_encode().into()
    }

    /// `txHash(tx)` view calldata.
    #[must_use]
    pub fn tx_hash_call(tx: &CashTx) -> Bytes {
        CashExitGame::txHashCall { cashTx: *tx }.abi_encode().into()
    }

    /// Calldata of the parameterless views: `responsePeriod()`, `historyChallengeWindow()`,
    /// `framework()`, `exitBond()`, `challengeBond()`, `SETTLE_BATCH()`, `KIND_SPENT()`,
    /// `KIND_DOUBLE_SPEND()`, in that order.
    #[must_use]
    pub fn parameter_view_calls() -> [Bytes; 8] {
        [
            CashExitGame::responsePeriodCall {}.abi_encode().into(),
            CashExitGame::historyChallengeWindowCall {}.abi_encode().into(),
            CashExitGame::frameworkCall {}.abi_encode().into(),
            CashExitGame::exitBondCall {}.abi_encode().into(),
            CashExitGame::challengeBondCall {}.abi_encode().into(),
            CashExitGame::SETTLE_BATCHCall {}.abi_encode().into(),
            CashExitGame::KIND_SPENTCall {}.abi_encode().into(),
            CashExitGame::KIND_DOUBLE_SPENDCall {}.abi_encode().into(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::keccak256;
    use alloy_sol_types::{SolEvent, SolStruct};

    use super::*;

    fn selector(signature: &str) -> [u8; 4] {
        let hash = keccak256(signature);
        [hash[0], hash[1], hash[2], hash[3]]
    }

    const TX: &str = "(uint64,uint64,address)";

    fn included() -> String {
        format!("({TX},uint64,bytes)")
    }

    #[test]
    fn selectors_match_the_documented_abi() {
        let inc = included();
        let cases: [([u8; 4], String); 14] = [
            (CashExitGame::startDepositExitCall::SELECTOR, "startDepositExit(uint64,uint256)".into()),
            (CashExitGame::startExitCall::SELECTOR, format!("startExit(uint64,address,uint256,{inc},{inc},bytes)")),
            (CashExitGame::challengeSpentCall::SELECTOR, format!("challengeSpent(uint64,{inc},bytes)")),
            (CashExitGame::challengeDoubleSpendCall::SELECTOR, format!("challengeDoubleSpend(uint64,{inc},bytes)")),
            (CashExitGame::challengeHistoryCall::SELECTOR, format!("challengeHistory(uint64,{inc})")),
            (CashExitGame::respondHistoryCall::SELECTOR, format!("respondHistory(uint64,uint64,{inc},bytes)")),
            (CashExitGame::processExitCall::SELECTOR, "processExit(uint96)".into()),
            (CashExitGame::exitsCall::SELECTOR, "exits(uint64)".into()),
            (CashExitGame::pendingChallengesCall::SELECTOR, "pendingChallenges(uint64)".into()),
            (CashExitGame::txHashCall::SELECTOR, format!("txHash({TX})")),
            (CashExitGame::responsePeriodCall::SELECTOR, "responsePeriod()".into()),
            (CashExitGame::historyChallengeWindowCall::SELECTOR, "historyChallengeWindow()".into()),
            (CashExitGame::frameworkCall::SELECTOR, "framework()".into()),
            (CashExitGame::exitBondCall::SELECTOR, "exitBond()".into()),
        ];
        for (got, signature) in cases {
            assert_eq!(got, selector(&signature), "{signature}");
        }
        assert_eq!(CashExitGame::challengeBondCall::SELECTOR, selector("challengeBond()"));
        assert_eq!(CashExitGame::SETTLE_BATCHCall::SELECTOR, selector("SETTLE_BATCH()"));
        assert_eq!(CashExitGame::KIND_SPENTCall::SELECTOR, selector("KIND_SPENT()"));
        assert_eq!(CashExitGame::KIND_DOUBLE_SPENDCall::SELECTOR, selector("KIND_DOUBLE_SPEND()"));
        assert_eq!(CashTx::eip712_encode_type(), "CashTx(uint64 coinId,uint64 prevBlock,address newOwner)");
    }

    #[test]
    fn event_signatures_match_the_docs() {
        assert_eq!(
            CashExitGame::ExitStarted::SIGNATURE,
            "ExitStarted(uint64,address,uint96,uint64,uint64,address,uint256,uint64)"
        );
        assert_eq!(
            CashExitGame::HistoryChallenged::SIGNATURE,
            "HistoryChallenged(uint64,uint96,address,uint64,address,uint64)"
        );
        assert_eq!(
            CashExitGame::HistoryChallengeAnswered::SIGNATURE,
            format!("HistoryChallengeAnswered(uint64,uint96,address,uint64,{TX},uint64,bytes,bytes)")
        );
        assert_eq!(CashExitGame::ExitChallenged::SIGNATURE, "ExitChallenged(uint64,uint96,address,uint8)");
        assert_eq!(CashExitGame::ExitCancelled::SIGNATURE, "ExitCancelled(uint64,uint96,address)");
        assert_eq!(CashExitGame::ExitFinalized::SIGNATURE, "ExitFinalized(uint64,uint96,address,bool)");
    }

    #[test]
    fn timing_and_exit_ids() {
        let p = ONE_WEEK;
        assert_eq!(response_period(p), p / 4);
        assert_eq!(history_challenge_window(p), 3 * (p / 4));
        assert_eq!(exitable_at(100, p), 100 + p);
        assert_eq!(history_window_closes(100, p), 100 + 3 * (p / 4));
        assert_eq!(response_deadline(500, p), 500 + p / 4);
        assert_eq!(exitable_at(u64::MAX, p), u64::MAX);
        // The response deadline of a challenge made at the last moment comes before exitableAt.
        assert!(response_deadline(history_window_closes(0, p) - 1, p) < exitable_at(0, p));

        let game = CashGame::new(U256::from(7), U256::from(3), 400);
        assert_eq!(game.periods(), Periods { min_exit_period: 400, response_period: Some(100) });
        assert_eq!(game.bonds(), Bonds { exit: U256::from(7), challenge: U256::from(3), piggyback: U256::ZERO });
        let exit = ObservedExit {
            coin_id: 5,
            owner: Address::repeat_byte(1),
            exit_id: exit_id(1, 5),
            exit_blk: 5,
            prev_blk: 0,
            prev_owner: Address::ZERO,
            amount: U256::from(1),
            exitable_at: 1400,
        };
        assert_eq!(exit.started_at(400), 1000);
        assert!(game.history_window_open(&exit, 1299));
        assert!(!game.history_window_open(&exit, 1300));
        assert_eq!(game.response_deadline(1200), 1300);

        assert_eq!(exit_id(1, 5), (1u128 << 64) | 5);
        assert_eq!(split_exit_id(exit_id(u32::MAX, u64::MAX)), Some((u32::MAX, u64::MAX)));
        assert_eq!(split_exit_id(1u128 << 96), None);
    }

    #[test]
    fn calls_carry_bonds_and_decode() {
        let game = CashGame::new(U256::from(1234), U256::from(55), ONE_WEEK);
        let call = game.start_deposit_exit_call(&DepositExit { coin_id: 7, amount: U256::from(9) });
        assert_eq!(call.value, U256::from(1234));
        let decoded = CashExitGame::startDepositExitCall::abi_decode(&call.data).unwrap();
        assert_eq!((decoded.coinId, decoded.amount), (7, U256::from(9)));

        let sig =
            Signature { r: alloy_primitives::B256::repeat_byte(1), s: alloy_primitives::B256::repeat_byte(2), v: 27 };
        let exiting =
            Included { tx: CashTx::new(7, 7, Address::repeat_byte(4)), blknum: 2000, proof: Bytes::from(vec![0u8; 8]) };
        let exit = CashExit {
            coin_id: 7,
            depositor: Address::repeat_byte(3),
            amount: U256::from(9),
            parent: Included::none(),
            exiting: exiting.clone(),
            exiting_sig: sig,
        };
        let call = game.exit_call(&ExitClaim::Tx(Box::new(exit.clone())));
        assert_eq!(call.value, U256::from(1234));
        let decoded = CashExitGame::startExitCall::abi_decode(&call.data).unwrap();
        assert_eq!((decoded.parent, decoded.exiting), (Included::none(), exiting.clone()));
        assert_eq!(decoded.exitingSig.as_ref(), sig.to_bytes().as_slice());

        let spend = SpendChallenge { coin_id: 7, spend: exiting.clone(), sig };
        let call = game.challenge_spent_call(&spend);
        assert_eq!(call.value, U256::ZERO);
        assert_eq!(CashExitGame::challengeSpentCall::abi_decode(&call.data).unwrap().spend, exiting);
        let call = game.challenge_double_spend_call(&spend);
        assert_eq!(CashExitGame::challengeDoubleSpendCall::abi_decode(&call.data).unwrap().sig.len(), 65);

        let record = DepositRecord::new(7, Address::repeat_byte(3), U256::from(9));
        let call = game.challenge_history_call(&HistoryChallenge { coin_id: 7, earlier: Included::deposit(&record) });
        assert_eq!(call.value, U256::from(55));
        let earlier = CashExitGame::challengeHistoryCall::abi_decode(&call.data).unwrap().earlier;
        assert!(earlier.is_deposit());
        assert_eq!((earlier.blknum, earlier.tx.newOwner), (7, record.depositor));

        let response = HistoryResponse { coin_id: 7, challenge_blk: 7, response: exiting, sig };
        let call = game.respond_history_call(&response);
        assert_eq!(call.value, U256::ZERO);
        assert_eq!(CashExitGame::respondHistoryCall::abi_decode(&call.data).unwrap().challengeBlk, 7);

        let call = CashGame::process_exit_call(exit_id(2, 7)).unwrap();
        assert_eq!(CashExitGame::processExitCall::abi_decode(&call.data).unwrap().exitId, U96::from(exit_id(2, 7)));
        assert!(matches!(CashGame::process_exit_call(1u128 << 96), Err(CashError::ExitIdOverflow(_))));
        assert_eq!(CashExitGame::exitsCall::abi_decode(&CashGame::exits_call(7)).unwrap().coinId, 7);
        assert_eq!(
            CashExitGame::pendingChallengesCall::abi_decode(&CashGame::pending_challenges_call(7)).unwrap().coinId,
            7
        );
        let tx = CashTx::new(1, 2, Address::repeat_byte(3));
        assert_eq!(CashExitGame::txHashCall::abi_decode(&CashGame::tx_hash_call(&tx)).unwrap().cashTx, tx);
        assert!(CashGame::parameter_view_calls().iter().all(|data| data.len() == 4));
    }

    #[test]
    fn events_convert() {
        let started = CashExitGame::ExitStarted {
            coinId: 7,
            owner: Address::repeat_byte(1),
            exitId: U96::from(exit_id(1, 7)),
            eBlk: 3000,
            pBlk: 2000,
            pOwner: Address::repeat_byte(2),
            amount: U256::from(5),
            exitableAt: 99,
        };
        let observed = ObservedExit::from(&started);
        assert_eq!((observed.exit_id, observed.exit_blk, observed.prev_blk), (exit_id(1, 7), 3000, 2000));
        assert!(!observed.is_deposit_exit());
        let log = started.encode_log_data();
        let back = CashExitGame::ExitStarted::decode_raw_log(log.topics().iter().copied(), &log.data).unwrap();
        assert_eq!(ObservedExit::from(&back), observed);

        let answered = CashExitGame::HistoryChallengeAnswered {
            coinId: 7,
            exitId: U96::from(exit_id(1, 7)),
            responder: Address::repeat_byte(9),
            challengeBlk: 7,
            tx: CashTx::new(7, 7, Address::repeat_byte(4)),
            blknum: 1000,
            proof: Bytes::from(vec![0u8; 8]),
            sig: Bytes::from(vec![1u8; 65]),
        };
        let answer = ObservedAnswer::from(&answered);
        assert_eq!((answer.response.blknum, answer.response.tx.newOwner), (1000, Address::repeat_byte(4)));
        let challenged = CashExitGame::HistoryChallenged {
            coinId: 7,
            exitId: U96::from(exit_id(1, 7)),
            challenger: Address::repeat_byte(5),
            blknum: 7,
            owner: Address::repeat_byte(6),
            deadline: 1234,
        };
        assert_eq!(ObservedChallenge::from(&challenged).deadline, 1234);
    }
}
