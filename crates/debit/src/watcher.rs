//! Watcher decisions (`docs/debit.md`, "Client and watcher"): what a holder's watcher and the
//! operator's watcher send when an exit, a history challenge or a channel challenge appears.
//!
//! - [`holder_actions`]: for an exit of a coin the wallet keeps, the Cash challenges on legs (a
//!   direct spend of the exiting leg, a double spend of its parent, an invalid-history challenge
//!   when the exit is not on the wallet's history) and, for the wallet's own coin, the channel
//!   challenge with its latest co-signed state when that is newer than the exit's state. A
//!   handover learned from a published inclusion counts as the wallet's latest ownership for the
//!   invalid-history challenge.
//! - [`on_history_answered`]: a `HistoryChallengeAnswered` that reveals a handover of a coin to the
//!   wallet (the rearrangement attack: a transfer hidden in a withheld block, answered as late as
//!   possible) is learned ([`DebitWallet::learn_payment`]); the wallet then challenges with it and
//!   can later exit from it.
//! - [`history_responses`]: the answer to a history challenge the wallet's history can answer.
//! - [`operator_on_exit`] and [`operator_on_channel_challenge`]: the operator's correction of an
//!   exit started on a stale state and its answer to a channel challenge, both with its latest
//!   co-signed state.
//!
//! Each decision is a pure function of the wallet (or operator) and the observed event.

use plasma_cash::CoinTx;
use plasma_core::{BlockNumber, GameCall};
use serde::{Deserialize, Serialize};

use crate::{
    abi::DebitIncluded,
    game::{
        DebitGame, LegSpend, ObservedChannelChallenge, ObservedExit, ObservedHistoryAnswer, ObservedHistoryChallenge,
        deposit_included, included_of,
    },
    operator::DebitOperator,
    tx::ChannelState,
    wallet::DebitWallet,
};

/// A call a watcher decides to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// `challengeSpent`.
    ChallengeSpent(LegSpend),
    /// `challengeDoubleSpend`.
    ChallengeDoubleSpend(LegSpend),
    /// `challengeHistory` with an earlier transaction (or the deposit).
    ChallengeHistory {
        /// The coin.
        coin_id: u64,
        /// The earlier transaction.
        earlier: DebitIncluded,
    },
    /// `respondHistory`.
    RespondHistory {
        /// The challenged block.
        challenge_blk: BlockNumber,
        /// The direct spend of the challenged leg.
        response: LegSpend,
    },
    /// `challengeChannel` with the holder's latest co-signed state.
    ChallengeChannel(ChannelState),
    /// `respondChannel` with the operator's latest co-signed state.
    RespondChannel(ChannelState),
}

impl Action {
    /// The call to send.
    #[must_use]
    pub fn call(&self, game: &DebitGame) -> GameCall {
        match self {
            Self::ChallengeSpent(spend) => DebitGame::challenge_spent_call(spend),
            Self::ChallengeDoubleSpend(spend) => DebitGame::challenge_double_spend_call(spend),
            Self::ChallengeHistory { coin_id, earlier } => game.challenge_history_call(*coin_id, earlier),
            Self::RespondHistory { challenge_blk, response } => {
                DebitGame::respond_history_call(*challenge_blk, response)
            }
            Self::ChallengeChannel(state) => game.challenge_channel_call(state),
            Self::RespondChannel(state) => DebitGame::respond_channel_call(state),
        }
    }
}

/// The spend of the leg of `coin_id` in move `m`, as a challenge or response names it.
fn leg_spend(coin_id: u64, m: &plasma_cash::Move<'_, crate::history::DebitMove>) -> Option<LegSpend> {
    Some(LegSpend { coin_id, spend: included_of(m), sig: m.tx.signed.sig_for(coin_id)? })
}

/// What the wallet's watcher sends for `exit` (empty when the coin is not the wallet's concern).
#[must_use]
pub fn holder_actions(wallet: &DebitWallet, exit: &ObservedExit) -> Vec<Action> {
    let coin_id = exit.coin_id;
    let Some(coin) = wallet.coin(coin_id) else {
        return learned_challenge(wallet, exit)
            .map(|earlier| Action::ChallengeHistory { coin_id, earlier })
            .into_iter()
            .collect();
    };
    let history = &coin.history;
    let (e_blk, p_blk) = (exit.exit_blk, exit.prev_blk);
    let mut actions = Vec::new();
    let spent = history.moves().find(|m| m.blknum > e_blk && m.tx.prev_block() == e_blk);
    let double = (p_blk != 0)
        .then(|| history.moves().find(|m| m.tx.prev_block() == p_blk && p_blk < m.blknum && m.blknum < e_blk))
        .flatten();
    if let Some(spend) = spent.as_ref().and_then(|m| leg_spend(coin_id, m)) {
        actions.push(Action::ChallengeSpent(spend));
    } else if let Some(spend) = double.as_ref().and_then(|m| leg_spend(coin_id, m)) {
        actions.push(Action::ChallengeDoubleSpend(spend));
    } else if p_blk != 0 && !on_history(wallet, exit) {
        let earlier = history.moves().rev().find(|m| m.blknum < p_blk);
        let earlier = earlier.map_or_else(|| deposit_included(history.start()), |m| included_of(&m));
        let earlier = learned_challenge(wallet, exit).filter(|l| l.blknum > earlier.blknum).unwrap_or(earlier);
        // The game judges blocks in `[coinId, pBlk)` only.
        if earlier.blknum < p_blk {
            actions.push(Action::ChallengeHistory { coin_id, earlier });
        }
    }
    if exit.holder == wallet.address()
        && let Some(state) = wallet.latest_state(coin_id).filter(|s| s.tx.nonce > exit.nonce)
    {
        actions.push(Action::ChallengeChannel(state));
    }
    actions
}

/// The handover of the exit's coin learned from a published inclusion, when it lies before the
/// exit's parent and the exit is someone else's: the wallet's latest ownership, which only the
/// wallet's own signature could answer.
fn learned_challenge(wallet: &DebitWallet, exit: &ObservedExit) -> Option<DebitIncluded> {
    let learned = wallet.learned_payment(exit.coin_id)?;
    let before_parent = exit.prev_blk != 0 && learned.included.blknum < exit.prev_blk;
    (before_parent && exit.holder != wallet.address()).then(|| learned.included.clone())
}

/// Learns the handover `answer` reveals, if it hands the coin to the wallet; returns the coin.
/// An answer that does not pay the wallet, or whose proof does not check against the wallet's
/// roots, teaches nothing (the game checked it; the wallet's roots may be behind).
pub fn on_history_answered(wallet: &mut DebitWallet, answer: &ObservedHistoryAnswer) -> Option<u64> {
    wallet.learn_payment(&answer.response, &answer.sig).ok()
}

/// Whether `exit` names a move of the wallet's history: the move at `eBlk` exists, names `pBlk`
/// and hands the coin to the exit's holder.
fn on_history(wallet: &DebitWallet, exit: &ObservedExit) -> bool {
    wallet.coin(exit.coin_id).is_some_and(|coin| {
        coin.history
            .move_at(exit.exit_blk)
            .is_some_and(|m| m.tx.prev_block() == exit.prev_blk && m.tx.new_owner() == exit.holder)
    })
}

/// The answer to `challenge` of an exit whose parent is at `prev_blk`, if the wallet's history
/// holds the direct spend of the challenged leg at or before `prev_blk`.
#[must_use]
pub fn history_responses(
    wallet: &DebitWallet,
    challenge: &ObservedHistoryChallenge,
    prev_blk: BlockNumber,
) -> Vec<Action> {
    let Some(coin) = wallet.coin(challenge.coin_id) else { return Vec::new() };
    coin.history
        .direct_child_of(challenge.blknum)
        .filter(|m| m.blknum <= prev_blk)
        .and_then(|m| leg_spend(challenge.coin_id, &m))
        .map(|response| vec![Action::RespondHistory { challenge_blk: challenge.blknum, response }])
        .unwrap_or_default()
}

/// The operator's correction of `exit` when it co-signed a newer state of the exit's holder.
#[must_use]
pub fn operator_on_exit(operator: &DebitOperator, exit: &ObservedExit) -> Vec<Action> {
    operator
        .latest_state(exit.coin_id)
        .filter(|s| s.tx.newOwner == exit.holder && s.tx.nonce > exit.nonce)
        .map(|s| vec![Action::RespondChannel(*s)])
        .unwrap_or_default()
}

/// The operator's answer to a channel challenge: its latest co-signed state, if its nonce is at
/// least the challenge's (otherwise there is no answer and the holder takes the coin).
#[must_use]
pub fn operator_on_channel_challenge(operator: &DebitOperator, challenge: &ObservedChannelChallenge) -> Vec<Action> {
    operator
        .latest_state(challenge.coin_id)
        .filter(|s| s.tx.nonce >= challenge.nonce)
        .map(|s| vec![Action::RespondChannel(*s)])
        .unwrap_or_default()
}
