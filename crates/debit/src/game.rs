//! `DebitExitGame` calldata and events (`docs/debit.md`, "Exit game").
//!
//! [`DebitGame`] builds a [`GameCall`] (ABI data and the bond to send) for every function of the
//! game: liquidity, both exit starts, the three Cash challenges and the history response on legs,
//! the channel challenge and its answer, and processing; and the calldata of its views.
//! [`included_of`] turns a history move into the `DebitIncluded` the game takes (both proofs, in
//! the transaction's key order). [`ObservedExit`], [`ObservedChannelChallenge`] and
//! [`ObservedHistoryChallenge`] and [`ObservedHistoryAnswer`] are the events a watcher reacts to.

use alloy_primitives::{Address, Bytes, U256, aliases::U96};
use alloy_sol_types::SolCall;
use plasma_cash::{DepositRecord, Move};
use plasma_core::{BlockNumber, GameCall, Signature};
use serde::{Deserialize, Serialize};

use crate::{
    abi::{DebitExitGame as Game, DebitIncluded},
    block::included,
    error::{DebitError, Result},
    history::DebitMove,
    tx::{ChannelState, DebitTx, DebitTxExt, Leg},
};

/// The `DebitIncluded` of a history move: the transaction, its block, the proof at `tx.coinId`
/// and, for a payment, the proof at `tx.peerCoin` (the move's own proof is at its coin's key).
#[must_use]
pub fn included_of(m: &Move<'_, DebitMove>) -> DebitIncluded {
    let tx = &m.tx.signed.tx;
    match (&m.tx.peer_proof, tx.coinId == m.tx.coin_id) {
        (Some(peer), true) => included(tx, m.blknum, m.proof, Some(peer.clone())),
        (Some(peer), false) => included(tx, m.blknum, peer, Some(m.proof.clone())),
        (None, _) => included(tx, m.blknum, m.proof, None),
    }
}

/// "No parent": the all-zero `DebitIncluded` of an exit whose transaction spends the deposit.
#[must_use]
pub fn no_parent() -> DebitIncluded {
    DebitIncluded::default()
}

/// A coin's deposit as an invalid-history challenge names it.
#[must_use]
pub fn deposit_included(record: &DepositRecord) -> DebitIncluded {
    let leg = Leg { coin_id: record.coin_id, prev_block: 0, owner: record.depositor, balance: 0, nonce: 0 };
    DebitIncluded { tx: DebitTx::single(leg), blknum: record.coin_id, ..DebitIncluded::default() }
}

/// The arguments of `startExit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebitExit {
    /// The coin's deposit record.
    pub record: DepositRecord,
    /// P(C), or [`no_parent`].
    pub parent: DebitIncluded,
    /// C.
    pub exiting: DebitIncluded,
    /// C's signature by the coin's previous holder.
    pub exiting_sig: Signature,
}

/// A spend of a coin's leg for `challengeSpent` / `challengeDoubleSpend` / `respondHistory`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegSpend {
    /// The coin.
    pub coin_id: u64,
    /// The spend.
    pub spend: DebitIncluded,
    /// The signature of the coin's leg.
    pub sig: Signature,
}

/// An exit seen on the root chain (`ExitStarted`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObservedExit {
    /// The coin.
    pub coin_id: u64,
    /// The holder the exit pays `a` to.
    pub holder: Address,
    /// Who posted the bond (the holder or the operator).
    pub exiter: Address,
    /// `seq << 64 | coinId`.
    pub exit_id: u128,
    /// `eBlk`.
    pub exit_blk: BlockNumber,
    /// `pBlk` (0 for a deposit exit).
    pub prev_blk: BlockNumber,
    /// `pOwner`.
    pub prev_owner: Address,
    /// The exit state's balance (wei).
    pub balance: U256,
    /// The exit state's nonce.
    pub nonce: u64,
    /// When it can be processed.
    pub exitable_at: u64,
}

impl From<&Game::ExitStarted> for ObservedExit {
    fn from(e: &Game::ExitStarted) -> Self {
        Self {
            coin_id: e.coinId,
            holder: e.holder,
            exiter: e.exiter,
            exit_id: e.exitId.to::<u128>(),
            exit_blk: e.eBlk,
            prev_blk: e.pBlk,
            prev_owner: e.pOwner,
            balance: e.balance,
            nonce: e.nonce,
            exitable_at: e.exitableAt,
        }
    }
}

/// A channel challenge seen on the root chain (`ChannelChallenged`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObservedChannelChallenge {
    /// The coin.
    pub coin_id: u64,
    /// The exit.
    pub exit_id: u128,
    /// The challenge state's nonce.
    pub nonce: u64,
    /// Answers are accepted strictly before it.
    pub deadline: u64,
}

impl From<&Game::ChannelChallenged> for ObservedChannelChallenge {
    fn from(e: &Game::ChannelChallenged) -> Self {
        Self { coin_id: e.coinId, exit_id: e.exitId.to::<u128>(), nonce: e.nonce, deadline: e.deadline }
    }
}

/// A history challenge seen on the root chain (`HistoryChallenged`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObservedHistoryChallenge {
    /// The coin.
    pub coin_id: u64,
    /// The challenged block.
    pub blknum: BlockNumber,
    /// Who must answer.
    pub owner: Address,
    /// Answers are accepted strictly before it.
    pub deadline: u64,
}

impl From<&Game::HistoryChallenged> for ObservedHistoryChallenge {
    fn from(e: &Game::HistoryChallenged) -> Self {
        Self { coin_id: e.coinId, blknum: e.blknum, owner: e.owner, deadline: e.deadline }
    }
}

/// An answer to a history challenge seen on the root chain (`HistoryChallengeAnswered`): it
/// publishes the response, both proofs, and its signature.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedHistoryAnswer {
    /// The coin.
    pub coin_id: u64,
    /// The exit.
    pub exit_id: u128,
    /// The challenged block.
    pub challenge_blk: BlockNumber,
    /// The direct spend of the challenged leg.
    pub response: DebitIncluded,
    /// The signature of the response's leg of the coin (unchecked bytes).
    pub sig: Bytes,
}

impl From<&Game::HistoryChallengeAnswered> for ObservedHistoryAnswer {
    fn from(e: &Game::HistoryChallengeAnswered) -> Self {
        Self {
            coin_id: e.coinId,
            exit_id: e.exitId.to::<u128>(),
            challenge_blk: e.challengeBlk,
            response: e.response.clone(),
            sig: e.sig.clone(),
        }
    }
}

/// The game's bonds, for the value of the calls that post one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DebitGame {
    /// The exit bond (wei).
    pub exit_bond: U256,
    /// The history and channel challenge bond (wei).
    pub challenge_bond: U256,
}

fn sig_bytes(sig: &Signature) -> Bytes {
    Bytes::copy_from_slice(&sig.to_bytes())
}

fn call<C: SolCall>(c: &C, value: U256) -> GameCall {
    GameCall { data: c.abi_encode().into(), value }
}

impl DebitGame {
    /// A game description with these bonds.
    #[must_use]
    pub const fn new(exit_bond: U256, challenge_bond: U256) -> Self {
        Self { exit_bond, challenge_bond }
    }

    /// `addLiquidity(coinId, liquidityDeposit, amount)` (operator only, no value).
    #[must_use]
    pub fn add_liquidity_call(coin_id: u64, liquidity_deposit: u64, amount: U256) -> GameCall {
        call(&Game::addLiquidityCall { coinId: coin_id, liquidityDeposit: liquidity_deposit, amount }, U256::ZERO)
    }

    /// `startDepositExit(coinId, depositor, amount)` with the exit bond.
    #[must_use]
    pub fn start_deposit_exit_call(&self, record: &DepositRecord) -> GameCall {
        let c =
            Game::startDepositExitCall { coinId: record.coin_id, depositor: record.depositor, amount: record.amount };
        call(&c, self.exit_bond)
    }

    /// `startExit(...)` with the exit bond.
    #[must_use]
    pub fn start_exit_call(&self, exit: &DebitExit) -> GameCall {
        let c = Game::startExitCall {
            coinId: exit.record.coin_id,
            depositor: exit.record.depositor,
            amount: exit.record.amount,
            parent: exit.parent.clone(),
            exiting: exit.exiting.clone(),
            exitingSig: sig_bytes(&exit.exiting_sig),
        };
        call(&c, self.exit_bond)
    }

    /// `challengeSpent(coinId, spend, sig)`.
    #[must_use]
    pub fn challenge_spent_call(spend: &LegSpend) -> GameCall {
        let c =
            Game::challengeSpentCall { coinId: spend.coin_id, spend: spend.spend.clone(), sig: sig_bytes(&spend.sig) };
        call(&c, U256::ZERO)
    }

    /// `challengeDoubleSpend(coinId, spend, sig)`.
    #[must_use]
    pub fn challenge_double_spend_call(spend: &LegSpend) -> GameCall {
        let c = Game::challengeDoubleSpendCall {
            coinId: spend.coin_id,
            spend: spend.spend.clone(),
            sig: sig_bytes(&spend.sig),
        };
        call(&c, U256::ZERO)
    }

    /// `challengeHistory(coinId, earlier)` with the challenge bond.
    #[must_use]
    pub fn challenge_history_call(&self, coin_id: u64, earlier: &DebitIncluded) -> GameCall {
        call(&Game::challengeHistoryCall { coinId: coin_id, earlier: earlier.clone() }, self.challenge_bond)
    }

    /// `respondHistory(coinId, challengeBlk, response, sig)`.
    #[must_use]
    pub fn respond_history_call(challenge_blk: BlockNumber, response: &LegSpend) -> GameCall {
        let c = Game::respondHistoryCall {
            coinId: response.coin_id,
            challengeBlk: challenge_blk,
            response: response.spend.clone(),
            sig: sig_bytes(&response.sig),
        };
        call(&c, U256::ZERO)
    }

    /// `challengeChannel(coinId, state, holderSig, operatorSig)` with the challenge bond.
    #[must_use]
    pub fn challenge_channel_call(&self, state: &ChannelState) -> GameCall {
        let c = Game::challengeChannelCall {
            coinId: state.tx.coinId,
            state: state.tx,
            holderSig: sig_bytes(&state.holder_sig),
            operatorSig: sig_bytes(&state.operator_sig),
        };
        call(&c, self.challenge_bond)
    }

    /// `respondChannel(coinId, state, holderSig, operatorSig)`.
    #[must_use]
    pub fn respond_channel_call(state: &ChannelState) -> GameCall {
        let c = Game::respondChannelCall {
            coinId: state.tx.coinId,
            state: state.tx,
            holderSig: sig_bytes(&state.holder_sig),
            operatorSig: sig_bytes(&state.operator_sig),
        };
        call(&c, U256::ZERO)
    }

    /// `processExit(exitId)` (only the framework may send it; for tests and simulations).
    pub fn process_exit_call(exit_id: u128) -> Result<GameCall> {
        let exit_id = U96::try_from(exit_id).map_err(|_| DebitError::ExitIdTooLarge(exit_id))?;
        Ok(call(&Game::processExitCall { exitId: exit_id }, U256::ZERO))
    }

    /// Calldata of the `exits(coinId)` view.
    #[must_use]
    pub fn exits_call(coin_id: u64) -> Bytes {
        Game::exitsCall { coinId: coin_id }.abi_encode().into()
    }

    /// Calldata of the `channelChallenge(coinId)` view.
    #[must_use]
    pub fn channel_challenge_call(coin_id: u64) -> Bytes {
        Game::channelChallengeCall { coinId: coin_id }.abi_encode().into()
    }

    /// Calldata of the `pendingChallenges(coinId)` view.
    #[must_use]
    pub fn pending_challenges_call(coin_id: u64) -> Bytes {
        Game::pendingChallengesCall { coinId: coin_id }.abi_encode().into()
    }

    /// Calldata of the `liquidity(coinId)` view.
    #[must_use]
    pub fn liquidity_call(coin_id: u64) -> Bytes {
        Game::liquidityCall { coinId: coin_id }.abi_encode().into()
    }

    /// Calldata of the `txHash(debitTx)` view.
    #[must_use]
    pub fn tx_hash_call(tx: &DebitTx) -> Bytes {
        Game::txHashCall { debitTx: *tx }.abi_encode().into()
    }

    /// `exitId = seq << 64 | coinId`.
    #[must_use]
    pub const fn exit_id(seq: u32, coin_id: u64) -> u128 {
        ((seq as u128) << 64) | coin_id as u128
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{B256, keccak256};
    use plasma_core::SigningKey;

    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(keccak256("k")).unwrap()
    }

    fn state() -> ChannelState {
        let k = key();
        let leg = Leg { coin_id: 5, prev_block: 5, owner: k.address(), balance: 9, nonce: 4 };
        let tx = DebitTx::single(leg);
        let sig = k.sign_digest(B256::repeat_byte(1));
        ChannelState { tx, holder_sig: sig, operator_sig: sig }
    }

    fn spend() -> LegSpend {
        let mut spend = deposit_included(&DepositRecord::new(5, key().address(), U256::from(3)));
        spend.blknum = 2000;
        LegSpend { coin_id: 5, spend, sig: key().sign_digest(B256::repeat_byte(2)) }
    }

    #[test]
    fn every_builder_encodes_its_function_with_the_right_value() {
        let game = DebitGame::new(U256::from(11), U256::from(13));
        let record = DepositRecord::new(5, key().address(), U256::from(3));
        let exit = DebitExit { record, parent: no_parent(), exiting: spend().spend, exiting_sig: spend().sig };
        let cases: Vec<(GameCall, [u8; 4], u64)> = vec![
            (DebitGame::add_liquidity_call(5, 7, U256::from(1)), Game::addLiquidityCall::SELECTOR, 0),
            (game.start_deposit_exit_call(&record), Game::startDepositExitCall::SELECTOR, 11),
            (game.start_exit_call(&exit), Game::startExitCall::SELECTOR, 11),
            (DebitGame::challenge_spent_call(&spend()), Game::challengeSpentCall::SELECTOR, 0),
            (DebitGame::challenge_double_spend_call(&spend()), Game::challengeDoubleSpendCall::SELECTOR, 0),
            (game.challenge_history_call(5, &spend().spend), Game::challengeHistoryCall::SELECTOR, 13),
            (DebitGame::respond_history_call(5, &spend()), Game::respondHistoryCall::SELECTOR, 0),
            (game.challenge_channel_call(&state()), Game::challengeChannelCall::SELECTOR, 13),
            (DebitGame::respond_channel_call(&state()), Game::respondChannelCall::SELECTOR, 0),
            (DebitGame::process_exit_call(DebitGame::exit_id(2, 5)).unwrap(), Game::processExitCall::SELECTOR, 0),
        ];
        for (call, selector, value) in cases {
            assert_eq!(call.data[..4], selector);
            assert_eq!(call.value, U256::from(value), "{selector:?}");
        }
        let decoded = Game::startExitCall::abi_decode(&game.start_exit_call(&exit).data).unwrap();
        assert_eq!((decoded.coinId, decoded.exitingSig.len(), decoded.parent), (5, 65, no_parent()));
        let decoded = Game::respondHistoryCall::abi_decode(&DebitGame::respond_history_call(5, &spend()).data).unwrap();
        assert_eq!((decoded.challengeBlk, decoded.response.blknum), (5, 2000));
        let decoded =
            Game::processExitCall::abi_decode(&DebitGame::process_exit_call(DebitGame::exit_id(2, 5)).unwrap().data);
        assert_eq!(decoded.unwrap().exitId.to::<u128>(), (2 << 64) | 5);
        assert!(matches!(DebitGame::process_exit_call(1 << 96), Err(DebitError::ExitIdTooLarge(_))));
    }

    #[test]
    fn view_calls_and_deposit_forms() {
        assert_eq!(DebitGame::exits_call(5)[..4], Game::exitsCall::SELECTOR);
        assert_eq!(DebitGame::channel_challenge_call(5)[..4], Game::channelChallengeCall::SELECTOR);
        assert_eq!(DebitGame::pending_challenges_call(5)[..4], Game::pendingChallengesCall::SELECTOR);
        assert_eq!(DebitGame::liquidity_call(5)[..4], Game::liquidityCall::SELECTOR);
        assert_eq!(DebitGame::tx_hash_call(&state().tx)[..4], Game::txHashCall::SELECTOR);
        let deposit = deposit_included(&DepositRecord::new(5, key().address(), U256::from(3)));
        assert_eq!((deposit.blknum, deposit.tx.prevBlock, deposit.tx.newOwner), (5, 0, key().address()));
        assert!(deposit.proof.is_empty() && deposit.peerProof.is_empty() && !deposit.tx.is_payment());
        assert_eq!(no_parent(), DebitIncluded::default());
    }
}
