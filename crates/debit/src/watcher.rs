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
//! - [`OpenExits`]: the exits open on the root chain, followed event by event, and each decision's
//!   deadline under the game's windows ([`OpenExit::deadline`]).
//!
//! Each decision is a pure function of the wallet (or operator) and the observed event.

use std::collections::BTreeMap;

use plasma_cash::CoinTx;
use plasma_core::{BlockNumber, GameCall, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{
    abi::DebitIncluded,
    design::DebitEvent,
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

impl Action {
    /// What the call does, in words, as the suite's logs name it (`"shows the spend of coin 1
    /// (spent-coin challenge)"`).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::ChallengeSpent(s) => format!("shows the spend of coin {} (spent-coin challenge)", s.coin_id),
            Self::ChallengeDoubleSpend(s) => format!(
                "shows the earlier spend of coin {} at block {} (double-spend challenge)",
                s.coin_id, s.spend.blknum
            ),
            Self::ChallengeHistory { coin_id, earlier } => {
                format!("challenges the history of coin {coin_id} with block {}", earlier.blknum)
            }
            Self::RespondHistory { challenge_blk, response } => format!(
                "answers the challenge at block {challenge_blk} of coin {} with block {}",
                response.coin_id, response.spend.blknum
            ),
            Self::ChallengeChannel(s) => {
                format!("challenges the exit of coin {} with its state of nonce {}", s.tx.coinId, s.tx.nonce)
            }
            Self::RespondChannel(s) => {
                format!("answers on coin {} with the co-signed state of nonce {}", s.tx.coinId, s.tx.nonce)
            }
        }
    }
}

/// An exit open on the root chain, as the game's events tell it: the exit (its state moved by
/// channel answers), the pending channel challenge and the pending history challenges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenExit {
    /// The exit.
    pub exit: ObservedExit,
    /// The channel challenge waiting for the operator's answer.
    pub channel: Option<ObservedChannelChallenge>,
    /// The history challenges waiting for an answer.
    pub history: Vec<ObservedHistoryChallenge>,
}

impl OpenExit {
    /// Until when an answer `action` can help: a history answer until its challenge's deadline
    /// (or the exit's processing, if sooner), anything else until the exit can be processed.
    #[must_use]
    pub fn answer_deadline(&self, action: &Action) -> Timestamp {
        let exitable = self.exit.exitable_at;
        match action {
            Action::RespondHistory { challenge_blk, .. } => {
                self.history.iter().find(|c| c.blknum == *challenge_blk).map_or(exitable, |c| c.deadline.min(exitable))
            }
            _ => exitable,
        }
    }

    /// Until when `action` can help, the game's own windows: a history or channel challenge until
    /// the history window closes (`startedAt + 3R`, `R` being `min_exit_period`) or the exit can be
    /// processed, whichever comes first; an answer as [`OpenExit::answer_deadline`] says.
    #[must_use]
    pub fn deadline(&self, action: &Action, min_exit_period: u64) -> Timestamp {
        let exitable = self.exit.exitable_at;
        match action {
            Action::ChallengeHistory { .. } | Action::ChallengeChannel(_) => {
                let started = exitable.saturating_sub(min_exit_period);
                exitable.min(plasma_cash::game::history_window_closes(started, min_exit_period))
            }
            _ => self.answer_deadline(action),
        }
    }

    /// Whether the history challenge at `challenge_blk` still waits for an answer.
    #[must_use]
    pub fn awaits_answer(&self, challenge_blk: BlockNumber) -> bool {
        self.history.iter().any(|c| c.blknum == challenge_blk)
    }
}

/// How an exit left the game.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExitEnd {
    /// Processed; `paid` when the holder's share was paid.
    Finalized {
        /// Whether the holder was paid.
        paid: bool,
    },
    /// Removed by a challenge, or cancelled by an unanswered history challenge.
    Removed,
}

/// The exits open on the root chain, by coin, followed event by event (what the watchers and the
/// operator decide on).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenExits {
    exits: BTreeMap<u64, OpenExit>,
}

impl OpenExits {
    /// No exit open.
    #[must_use]
    pub const fn new() -> Self {
        Self { exits: BTreeMap::new() }
    }

    /// Follows `event`: an exit starts, a challenge is made or answered, an exit ends (returned
    /// with its coin). Events of coins without an open exit change nothing.
    pub fn apply(&mut self, event: &DebitEvent) -> Option<(u64, ExitEnd)> {
        match event {
            DebitEvent::ExitStarted(exit) => {
                self.exits.insert(exit.coin_id, OpenExit { exit: *exit, channel: None, history: Vec::new() });
            }
            DebitEvent::ChannelChallenged(challenge) => {
                if let Some(open) = self.exits.get_mut(&challenge.coin_id) {
                    open.channel = Some(*challenge);
                }
            }
            DebitEvent::ChannelAnswered { coin_id, nonce, balance, .. } => {
                if let Some(open) = self.exits.get_mut(coin_id) {
                    (open.exit.nonce, open.exit.balance, open.channel) = (*nonce, *balance, None);
                }
            }
            DebitEvent::HistoryChallenged(challenge) => {
                if let Some(open) = self.exits.get_mut(&challenge.coin_id) {
                    open.history.push(*challenge);
                }
            }
            DebitEvent::HistoryChallengeAnswered(answer) => {
                if let Some(open) = self.exits.get_mut(&answer.coin_id) {
                    open.history.retain(|c| c.blknum != answer.challenge_blk);
                }
            }
            DebitEvent::ExitFinalized { coin_id, paid, .. } => {
                self.exits.remove(coin_id);
                return Some((*coin_id, ExitEnd::Finalized { paid: *paid }));
            }
            DebitEvent::ExitChallenged { coin_id, .. } | DebitEvent::ExitCancelled { coin_id, .. } => {
                self.exits.remove(coin_id);
                return Some((*coin_id, ExitEnd::Removed));
            }
            DebitEvent::LiquidityAdded { .. } => {}
        }
        None
    }

    /// The open exit of `coin_id`.
    #[must_use]
    pub fn get(&self, coin_id: u64) -> Option<&OpenExit> {
        self.exits.get(&coin_id)
    }

    /// The open exit whose id is `exit_id`.
    #[must_use]
    pub fn by_id(&self, exit_id: u128) -> Option<&OpenExit> {
        self.exits.values().find(|open| open.exit.exit_id == exit_id)
    }

    /// Whether `coin_id` has an open exit.
    #[must_use]
    pub fn contains(&self, coin_id: u64) -> bool {
        self.exits.contains_key(&coin_id)
    }

    /// Every open exit, by coin.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &OpenExit> + '_ {
        self.exits.values()
    }
}
