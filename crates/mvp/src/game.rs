//! `MvpExitGame` from Rust: exit and challenge arguments, calldata builders and exit timing.
//!
//! The calls are those of [`MvpExitGame`] (`docs/mvp.md`, "Exit game"):
//!
//! - `startExit(uint256,(uint256,uint256,address,uint256,address,uint256),bytes,bytes,bytes)` from an
//!   [`MvpExit`], with the exit bond attached;
//! - `startDepositExit(uint256,uint256)` from a [`DepositExit`], with the exit bond attached;
//! - `challengeExit(uint256,uint256,(…),bytes,uint256,bytes,bytes)` from a [`Challenge`];
//! - `processExit(uint96)` (the framework's callback; built here for tests).
//!
//! Timing, as pure functions of the output's block timestamp and the time the exit starts:
//! [`exitable_at`] `= max(blockTs + 2·MFP, now + MFP)` for transaction outputs and
//! [`deposit_exitable_at`] `= max(blockTs + MFP, now + MFP)` for deposits; [`exit_priority`]
//! packs the framework's queue key with `position = exitId = utxoPos`.

use alloy_primitives::{Address, Bytes, U256, aliases::U96};
use alloy_sol_types::SolCall;
use plasma_core::{BlockNumber, Bonds, GameCall, Periods, Priority, Timestamp};
use serde::{Deserialize, Serialize};

pub use crate::abi::MvpExitGame;
use crate::{
    error::{MvpError, Result},
    tx::{Transaction, TransactionExt, UtxoPos},
};

/// One week, the usual minimum exit period.
pub const ONE_WEEK: u64 = 7 * 24 * 3600;

/// Arguments of `startExit` for the output `utxo_pos` of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MvpExit {
    /// The exiting output.
    pub utxo_pos: UtxoPos,
    /// The transaction that created it.
    pub tx: Transaction,
    /// Its 130-byte `sigs`.
    pub sigs: Bytes,
    /// Its 512-byte inclusion proof at `utxo_pos.txindex()`.
    pub proof: Bytes,
    /// The 130-byte confirmations of its inputs' owners (zero slot for an absent input).
    pub confirm_sigs: Bytes,
}

impl MvpExit {
    /// The exiting amount (zero if the output slot is empty, which the contract refuses).
    #[must_use]
    pub fn amount(&self) -> U256 {
        self.tx.output(self.utxo_pos.oindex()).map_or(U256::ZERO, |o| o.amount)
    }

    /// The owner named by the output slot.
    #[must_use]
    pub fn owner(&self) -> Address {
        self.tx.outputs().get(usize::from(self.utxo_pos.oindex())).map_or(Address::ZERO, |o| o.owner)
    }
}

/// Arguments of `startDepositExit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DepositExit {
    /// The deposit block.
    pub blknum: BlockNumber,
    /// The deposited amount.
    pub amount: U256,
}

impl DepositExit {
    /// The deposit's output position; fails if `blknum` is not a deposit block number.
    pub fn utxo_pos(&self) -> Result<UtxoPos> {
        UtxoPos::deposit(self.blknum)
    }
}

/// Either kind of exit a wallet can start.
// Claims are built one at a time and turned into calldata; boxing the larger variant buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExitClaim {
    /// An output of a transaction in a child block.
    Tx(MvpExit),
    /// A deposit block's output.
    Deposit(DepositExit),
}

impl ExitClaim {
    /// The exiting output.
    pub fn utxo_pos(&self) -> Result<UtxoPos> {
        match self {
            Self::Tx(exit) => Ok(exit.utxo_pos),
            Self::Deposit(exit) => exit.utxo_pos(),
        }
    }

    /// The exiting amount.
    #[must_use]
    pub fn amount(&self) -> U256 {
        match self {
            Self::Tx(exit) => exit.amount(),
            Self::Deposit(exit) => exit.amount,
        }
    }
}

/// Arguments of `challengeExit`: a spend of the exiting output that its owner confirmed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Challenge {
    /// The challenged exit's output.
    pub utxo_pos: UtxoPos,
    /// Position (`oindex = 0`) of the spending transaction.
    pub spending_tx_pos: UtxoPos,
    /// The spending transaction.
    pub spending_tx: Transaction,
    /// Its 130-byte `sigs`.
    pub spending_sigs: Bytes,
    /// Which input slot of the spending transaction is `utxo_pos`.
    pub input_index: u8,
    /// Inclusion proof of the spending transaction (512 bytes).
    pub proof: Bytes,
    /// The exit owner's 65-byte confirmation of the spending transaction in its block.
    pub confirm_sig: Bytes,
}

/// An exit seen on the root chain: the fields of `ExitStarted(utxoPos, owner, amount, exitableAt,
/// tx, confirmSigs)`. For a deposit exit, `tx` is all zeros and `confirm_sigs` empty.
///
/// Build it from the contract binding's event `MvpExitGame::ExitStarted`, whose `tx` is already a
/// [`Transaction`] (one Rust type, generated from the artifact).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObservedExit {
    /// The exiting output.
    pub utxo_pos: UtxoPos,
    /// The exiter (the output's owner).
    pub owner: Address,
    /// The exiting amount.
    pub amount: U256,
    /// When the exit can be processed.
    pub exitable_at: Timestamp,
    /// The transaction that created the output (zero for a deposit).
    pub tx: Transaction,
    /// The confirmations the exit published (130 bytes, or empty for a deposit).
    pub confirm_sigs: Bytes,
}

/// `exitableAt` of a transaction output: `max(blockTs + 2 · period, now + period)` (saturating).
#[must_use]
pub const fn exitable_at(block_ts: Timestamp, now: Timestamp, period: u64) -> Timestamp {
    let by_age = block_ts.saturating_add(period.saturating_mul(2));
    let by_now = now.saturating_add(period);
    if by_age > by_now { by_age } else { by_now }
}

/// `exitableAt` of a deposit: `max(blockTs + period, now + period)` (saturating).
#[must_use]
pub const fn deposit_exitable_at(block_ts: Timestamp, now: Timestamp, period: u64) -> Timestamp {
    let by_age = block_ts.saturating_add(period);
    let by_now = now.saturating_add(period);
    if by_age > by_now { by_age } else { by_now }
}

/// The framework queue priority of an exit of `utxo_pos`: `(exitableAt, utxoPos, uint96(utxoPos))`.
#[must_use]
pub fn exit_priority(utxo_pos: UtxoPos, exitable_at: Timestamp) -> Priority {
    // A utxoPos is always below 2^96 (see `UtxoPos::to_u128`), so both 96-bit fields hold it.
    let position = U256::from(utxo_pos.to_u128());
    Priority::decode((U256::from(exitable_at) << 192) | (position << 96) | position)
}

/// The MVP exit game's parameters and calldata builders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MvpGame {
    /// `exitBond` of the deployed `MvpExitGame` (wei).
    pub exit_bond: U256,
    /// `minExitPeriod` of the framework (seconds).
    pub min_exit_period: u64,
}

impl MvpGame {
    /// The game deployed with `exit_bond` on a framework with `min_exit_period`.
    #[must_use]
    pub const fn new(exit_bond: U256, min_exit_period: u64) -> Self {
        Self { exit_bond, min_exit_period }
    }

    /// The game's windows: the minimum exit period, no response period.
    #[must_use]
    pub const fn periods(&self) -> Periods {
        Periods { min_exit_period: self.min_exit_period, response_period: None }
    }

    /// The game's bonds: the exit bond only (challenges are free).
    #[must_use]
    pub const fn bonds(&self) -> Bonds {
        Bonds { exit: self.exit_bond, challenge: U256::ZERO, piggyback: U256::ZERO }
    }

    /// `exitableAt` of a transaction output of a block submitted at `block_ts`, exit started at `now`.
    #[must_use]
    pub const fn exitable_at(&self, block_ts: Timestamp, now: Timestamp) -> Timestamp {
        exitable_at(block_ts, now, self.min_exit_period)
    }

    /// `exitableAt` of a deposit made at `block_ts`, exit started at `now`.
    #[must_use]
    pub const fn deposit_exitable_at(&self, block_ts: Timestamp, now: Timestamp) -> Timestamp {
        deposit_exitable_at(block_ts, now, self.min_exit_period)
    }

    /// `startExit(utxoPos, tx, sigs, proof, confirmSigs)` with the exit bond.
    #[must_use]
    pub fn start_exit_call(&self, exit: &MvpExit) -> GameCall {
        let call = MvpExitGame::startExitCall {
            utxoPos: exit.utxo_pos.encode(),
            transaction: exit.tx.clone(),
            sigs: exit.sigs.clone(),
            proof: exit.proof.clone(),
            confirmSigs: exit.confirm_sigs.clone(),
        };
        GameCall { data: call.abi_encode().into(), value: self.exit_bond }
    }

    /// `startDepositExit(depositBlknum, amount)` with the exit bond.
    #[must_use]
    pub fn start_deposit_exit_call(&self, exit: &DepositExit) -> GameCall {
        let call = MvpExitGame::startDepositExitCall { depositBlknum: U256::from(exit.blknum), amount: exit.amount };
        GameCall { data: call.abi_encode().into(), value: self.exit_bond }
    }

    /// The call that starts `claim`, whichever kind it is.
    #[must_use]
    pub fn exit_call(&self, claim: &ExitClaim) -> GameCall {
        match claim {
            ExitClaim::Tx(exit) => self.start_exit_call(exit),
            ExitClaim::Deposit(exit) => self.start_deposit_exit_call(exit),
        }
    }

    /// `challengeExit(utxoPos, spendingTxPos, spendingTx, spendingSigs, inputIndex, proof,
    /// confirmSig)`, no value.
    #[must_use]
    pub fn challenge_call(&self, challenge: &Challenge) -> GameCall {
        let call = MvpExitGame::challengeExitCall {
            utxoPos: challenge.utxo_pos.encode(),
            spendingTxPos: challenge.spending_tx_pos.encode(),
            spendingTx: challenge.spending_tx.clone(),
            spendingSigs: challenge.spending_sigs.clone(),
            inputIndex: U256::from(challenge.input_index),
            proof: challenge.proof.clone(),
            confirmSig: challenge.confirm_sig.clone(),
        };
        GameCall { data: call.abi_encode().into(), value: U256::ZERO }
    }

    /// `processExit(exitId)`, no value (only the framework may call it; built for tests).
    /// [`MvpError::ExitIdOverflow`] if `exit_id` does not fit in 96 bits.
    pub fn process_exit_call(exit_id: U256) -> Result<GameCall> {
        let exit_id = U96::checked_from_limbs_slice(exit_id.as_limbs()).ok_or(MvpError::ExitIdOverflow(exit_id))?;
        let call = MvpExitGame::processExitCall { exitId: exit_id };
        Ok(GameCall { data: call.abi_encode().into(), value: U256::ZERO })
    }

    /// `exits(utxoPos)` view calldata.
    #[must_use]
    pub fn exits_call(utxo_pos: UtxoPos) -> Bytes {
        MvpExitGame::exitsCall { utxoPos: utxo_pos.encode() }.abi_encode().into()
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::keccak256;
    use alloy_sol_types::SolCall;

    use super::*;

    fn selector(signature: &str) -> [u8; 4] {
        let hash = keccak256(signature);
        [hash[0], hash[1], hash[2], hash[3]]
    }

    #[test]
    fn selectors_match_the_documented_abi() {
        let tx = "(uint256,uint256,address,uint256,address,uint256)";
        assert_eq!(
            MvpExitGame::startExitCall::SELECTOR,
            selector(&format!("startExit(uint256,{tx},bytes,bytes,bytes)"))
        );
        assert_eq!(MvpExitGame::startDepositExitCall::SELECTOR, selector("startDepositExit(uint256,uint256)"));
        assert_eq!(
            MvpExitGame::challengeExitCall::SELECTOR,
            selector(&format!("challengeExit(uint256,uint256,{tx},bytes,uint256,bytes,bytes)"))
        );
        assert_eq!(MvpExitGame::processExitCall::SELECTOR, selector("processExit(uint96)"));
        assert_eq!(MvpExitGame::exitsCall::SELECTOR, selector("exits(uint256)"));
    }

    #[test]
    fn calls_carry_bond_and_round_trip() {
        let game = MvpGame::new(U256::from(1234), ONE_WEEK);
        assert_eq!(game.bonds().exit, U256::from(1234));
        assert_eq!(game.periods(), Periods { min_exit_period: ONE_WEEK, response_period: None });
        let exit = MvpExit {
            utxo_pos: UtxoPos::new(2000, 5, 1).unwrap(),
            tx: Transaction { input0: U256::from(1_000_000_000u64), amount1: U256::from(9), ..Default::default() },
            sigs: Bytes::from(vec![1u8; 130]),
            proof: Bytes::from(vec![2u8; 512]),
            confirm_sigs: Bytes::from(vec![3u8; 130]),
        };
        let call = game.start_exit_call(&exit);
        assert_eq!(call.value, U256::from(1234));
        let decoded = MvpExitGame::startExitCall::abi_decode(&call.data).unwrap();
        assert_eq!(decoded.utxoPos, U256::from(2_000_000_050_001u64));
        assert_eq!(decoded.transaction, exit.tx);
        assert_eq!((decoded.sigs, decoded.proof, decoded.confirmSigs), (exit.sigs, exit.proof, exit.confirm_sigs));

        let deposit = DepositExit { blknum: 7, amount: U256::from(5) };
        let call = game.exit_call(&ExitClaim::Deposit(deposit));
        assert_eq!(call.value, U256::from(1234));
        let decoded = MvpExitGame::startDepositExitCall::abi_decode(&call.data).unwrap();
        assert_eq!((decoded.depositBlknum, decoded.amount), (U256::from(7), U256::from(5)));

        let challenge = Challenge {
            utxo_pos: UtxoPos::deposit(7).unwrap(),
            spending_tx_pos: UtxoPos::tx(1000, 3).unwrap(),
            spending_tx: Transaction::default(),
            spending_sigs: Bytes::from(vec![4u8; 130]),
            input_index: 1,
            proof: Bytes::from(vec![5u8; 512]),
            confirm_sig: Bytes::from(vec![6u8; 65]),
        };
        let call = game.challenge_call(&challenge);
        assert_eq!(call.value, U256::ZERO);
        let decoded = MvpExitGame::challengeExitCall::abi_decode(&call.data).unwrap();
        assert_eq!(decoded.spendingTxPos, U256::from(1_000_000_030_000u64));
        assert_eq!(decoded.inputIndex, U256::from(1));

        let call = MvpGame::process_exit_call(U256::from(42)).unwrap();
        assert_eq!(MvpExitGame::processExitCall::abi_decode(&call.data).unwrap().exitId, U96::from(42));
        assert!(matches!(MvpGame::process_exit_call(U256::from(1) << 96), Err(MvpError::ExitIdOverflow(_))));
    }

    #[test]
    fn exitable_times() {
        let week = ONE_WEEK;
        // Old output: now + MFP wins; young output: blockTs + 2 MFP wins.
        assert_eq!(exitable_at(0, 30 * 86_400, week), 30 * 86_400 + week);
        assert_eq!(exitable_at(1_000, 1_000, week), 1_000 + 2 * week);
        assert_eq!(deposit_exitable_at(1_000, 1_000, week), 1_000 + week);
        assert_eq!(deposit_exitable_at(0, 5, week), 5 + week);
        assert_eq!(exitable_at(u64::MAX, 0, week), u64::MAX);
        let game = MvpGame::new(U256::ZERO, 10);
        assert_eq!(game.exitable_at(100, 105), 120);
        assert_eq!(game.deposit_exitable_at(100, 105), 115);
        let pos = UtxoPos::new(1000, 1, 1).unwrap();
        let p = exit_priority(pos, 77);
        assert_eq!((p.exitable_at(), p.position(), p.exit_id()), (77, pos.to_u128(), pos.to_u128()));
    }
}
