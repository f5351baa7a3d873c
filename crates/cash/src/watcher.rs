//! The Plasma Cash watcher: what one user does about exits of the coins it knows, and about
//! withheld blocks.
//!
//! A [`Watcher`] follows the exit game's events for one user and decides, from what the user's
//! [`Wallet`] knows ([`Wallet::known_moves`]: its histories, the histories handed to it, the
//! payments revealed to it), the [`Action`]s to take (`docs/cash.md`, "Exit game"):
//!
//! - **challengeSpent**: a direct spend of the exiting transaction `C` (its `prevBlock` is `eBlk`,
//!   at a later block) signed by the exit's owner is known;
//! - **challengeDoubleSpend**: a spend of `P(C)` (its `prevBlock` is `pBlk`) at a block strictly
//!   between `pBlk` and `eBlk`, signed by `pOwner`, is known;
//! - **challengeHistory**: the exit is someone else's and the user owned the coin at a block in
//!   `[coinId, pBlk)` (its deposit, or a transaction paying it), with no known spend of that
//!   ownership up to `pBlk`: the user's latest such transaction is the challenge, and only a
//!   signature of the user could answer it. Only while `now < startedAt + 3R`;
//! - **respondHistory**: the exit is the user's own, or its `C` is in the user's knowledge, and the
//!   user knows the direct child of the challenged transaction at a block in
//!   `(challengeBlk, pBlk]`, signed by the challenged transaction's new owner. Only before the
//!   challenge's deadline, and never against the user's own challenge.
//!
//! A `HistoryChallengeAnswered` event publishes a transaction of the coin: when it pays the user
//! (the rearrangement attack: a payment hidden in a withheld block, revealed as late as possible),
//! the wallet learns it ([`Wallet::learn_payment`]) and the watcher challenges the exit with it; the
//! wallet can later exit the coin with it ([`Wallet::exit_claim`]).
//!
//! Block withholding is reported ([`Finding::BlockWithheld`]) but never answered with an exit: a
//! coin stays safe while its owner watches for exits (protocols.md 3.7); only transfers stop.
//!
//! Feed the events in log order: `ExitStarted` ([`Watcher::on_exit_started`]),
//! `HistoryChallenged` ([`Watcher::on_history_challenged`]), `HistoryChallengeAnswered`
//! ([`Watcher::on_history_answered`]), `ExitChallenged` / `ExitCancelled` / `ExitFinalized`
//! ([`Watcher::on_exit_ended`]). Each action is returned once; [`Watcher::actions_for`] recomputes
//! them (to retry one whose transaction failed).

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::Address;
use plasma_core::{BlockNumber, GameCall, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{
    error::Result,
    game::{
        CashGame, HistoryChallenge, HistoryResponse, Included, ObservedAnswer, ObservedChallenge, ObservedExit,
        SpendChallenge,
    },
    operator::Operator,
    wallet::{KnownMove, SyncReport, Wallet},
};

/// What the user should send to the exit game.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// `challengeSpent`: cancels the exit.
    ChallengeSpent(SpendChallenge),
    /// `challengeDoubleSpend`: cancels the exit.
    ChallengeDoubleSpend(SpendChallenge),
    /// `challengeHistory`, with the challenge bond.
    ChallengeHistory(HistoryChallenge),
    /// `respondHistory`: wins the challenger's bond.
    RespondHistory(HistoryResponse),
}

impl Action {
    /// The coin the action is about.
    #[must_use]
    pub const fn coin_id(&self) -> u64 {
        match self {
            Self::ChallengeSpent(c) | Self::ChallengeDoubleSpend(c) => c.coin_id,
            Self::ChallengeHistory(c) => c.coin_id,
            Self::RespondHistory(r) => r.coin_id,
        }
    }

    /// What makes the action unique within one exit: its kind and block.
    const fn key(&self) -> (u8, BlockNumber) {
        match self {
            Self::ChallengeSpent(_) => (0, 0),
            Self::ChallengeDoubleSpend(_) => (1, 0),
            Self::ChallengeHistory(c) => (2, c.earlier.blknum),
            Self::RespondHistory(r) => (3, r.challenge_blk),
        }
    }

    /// The call to send, with its bond.
    #[must_use]
    pub fn call(&self, game: &CashGame) -> GameCall {
        match self {
            Self::ChallengeSpent(c) => game.challenge_spent_call(c),
            Self::ChallengeDoubleSpend(c) => game.challenge_double_spend_call(c),
            Self::ChallengeHistory(c) => game.challenge_history_call(c),
            Self::RespondHistory(r) => game.respond_history_call(r),
        }
    }
}

/// Something wrong with the child chain, reported to the user.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Finding {
    /// Block `blknum` was committed but its data is refused: the user's coins whose histories must
    /// span it (`coins`) can no longer be transferred. No exit is needed.
    BlockWithheld {
        /// The block.
        blknum: BlockNumber,
        /// The user's coins stuck before it.
        coins: Vec<u64>,
    },
    /// The operator served an entry of the user's coin that breaks the rules (for instance a spend
    /// the user never signed, included in a published block). The coin stays the user's: any exit
    /// built on it is answered with a history challenge.
    InvalidEntry {
        /// The coin.
        coin_id: u64,
        /// The block.
        blknum: BlockNumber,
        /// Why the entry is refused.
        reason: String,
    },
}

/// An exit being followed, with its pending history challenges.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Followed {
    exit: ObservedExit,
    pending: BTreeMap<BlockNumber, ObservedChallenge>,
    issued: BTreeSet<(u8, BlockNumber)>,
}

/// One user's watcher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watcher {
    address: Address,
    game: CashGame,
    exits: BTreeMap<u64, Followed>,
    withheld: BTreeSet<BlockNumber>,
}

impl Watcher {
    /// A watcher for `address`, under the exit game `game`.
    #[must_use]
    pub const fn new(address: Address, game: CashGame) -> Self {
        Self { address, game, exits: BTreeMap::new(), withheld: BTreeSet::new() }
    }

    /// The watched user.
    #[must_use]
    pub const fn address(&self) -> Address {
        self.address
    }

    /// The open exits followed, by coin.
    #[must_use]
    pub fn open_exits(&self) -> Vec<ObservedExit> {
        self.exits.values().map(|f| f.exit).collect()
    }

    /// The pending history challenges of the open exit of `coin_id`, by block.
    #[must_use]
    pub fn pending_challenges(&self, coin_id: u64) -> Vec<ObservedChallenge> {
        self.exits.get(&coin_id).map(|f| f.pending.values().copied().collect()).unwrap_or_default()
    }

    /// The withheld blocks reported so far.
    #[must_use]
    pub const fn withheld(&self) -> &BTreeSet<BlockNumber> {
        &self.withheld
    }

    /// Syncs `wallet` with `operator` ([`Wallet::sync`]) and reports each withheld block once and
    /// each invalid entry. Never asks for an exit.
    pub fn sync(&mut self, wallet: &mut Wallet, operator: &Operator) -> Result<(SyncReport, Vec<Finding>)> {
        let report = wallet.sync(operator)?;
        let findings = self.findings(wallet, &report);
        Ok((report, findings))
    }

    /// The findings of a sync report: newly withheld blocks, with the user's coins stuck before them,
    /// and invalid entries.
    pub fn findings(&mut self, wallet: &Wallet, report: &SyncReport) -> Vec<Finding> {
        let mut findings = Vec::new();
        for blknum in &report.withheld {
            if self.withheld.insert(*blknum) {
                let coins = wallet.owned_coins().into_iter().filter(|c| wallet.next_block_for(*c) == Some(*blknum));
                findings.push(Finding::BlockWithheld { blknum: *blknum, coins: coins.collect() });
            }
        }
        for (coin_id, blknum, reason) in &report.invalid {
            findings.push(Finding::InvalidEntry { coin_id: *coin_id, blknum: *blknum, reason: reason.to_string() });
        }
        findings
    }

    /// Follows a new exit and returns the challenges it calls for (at most one), as of `now`.
    pub fn on_exit_started(&mut self, wallet: &Wallet, exit: &ObservedExit, now: Timestamp) -> Vec<Action> {
        let followed = Followed { exit: *exit, pending: BTreeMap::new(), issued: BTreeSet::new() };
        self.exits.insert(exit.coin_id, followed);
        self.new_actions(wallet, exit.coin_id, now)
    }

    /// Records a history challenge of a followed exit and returns the response it calls for, if
    /// the user can answer it.
    pub fn on_history_challenged(
        &mut self,
        wallet: &Wallet,
        challenge: &ObservedChallenge,
        now: Timestamp,
    ) -> Vec<Action> {
        let Some(followed) = self.exits.get_mut(&challenge.coin_id).filter(|f| f.exit.exit_id == challenge.exit_id)
        else {
            return Vec::new();
        };
        followed.pending.insert(challenge.blknum, *challenge);
        self.new_actions(wallet, challenge.coin_id, now)
    }

    /// Records an answer to a history challenge. When the answer reveals a payment to the user, the
    /// wallet learns it (an answer whose proof does not check against the wallet's roots is
    /// ignored) and the watcher returns the challenge it makes possible.
    pub fn on_history_answered(&mut self, wallet: &mut Wallet, answer: &ObservedAnswer, now: Timestamp) -> Vec<Action> {
        if let Some(followed) = self.exits.get_mut(&answer.coin_id).filter(|f| f.exit.exit_id == answer.exit_id) {
            followed.pending.remove(&answer.challenge_blk);
        }
        if answer.response.tx.newOwner == self.address && !wallet.owns(answer.coin_id) {
            // A forged or mismatched answer cannot have passed the contract; if it does not check
            // here, the wallet's roots are behind, and the next answer or sync will do.
            let _ = wallet.learn_payment(&answer.response, &answer.sig);
        }
        self.new_actions(wallet, answer.coin_id, now)
    }

    /// Stops following the exit `exit_id` of `coin_id` (challenged, cancelled or finalized). When
    /// it was finalized with a payout the coin is gone: call [`Wallet::forget`] too.
    pub fn on_exit_ended(&mut self, coin_id: u64, exit_id: u128) {
        if self.exits.get(&coin_id).is_some_and(|f| f.exit.exit_id == exit_id) {
            self.exits.remove(&coin_id);
        }
    }

    /// The actions the open exit of `coin_id` calls for now, issued before or not.
    #[must_use]
    pub fn actions_for(&self, wallet: &Wallet, coin_id: u64, now: Timestamp) -> Vec<Action> {
        let Some(followed) = self.exits.get(&coin_id) else {
            return Vec::new();
        };
        let moves = wallet.known_moves(coin_id);
        let mut actions: Vec<Action> = self.challenge(wallet, followed, &moves, now).into_iter().collect();
        actions.extend(followed.pending.values().filter_map(|c| self.response(wallet, followed, c, &moves, now)));
        actions
    }

    fn new_actions(&mut self, wallet: &Wallet, coin_id: u64, now: Timestamp) -> Vec<Action> {
        let actions = self.actions_for(wallet, coin_id, now);
        let Some(followed) = self.exits.get_mut(&coin_id) else {
            return Vec::new();
        };
        actions.into_iter().filter(|action| followed.issued.insert(action.key())).collect()
    }

    /// The one challenge against the exit, strongest first: spent, double spend, history.
    fn challenge(&self, wallet: &Wallet, followed: &Followed, moves: &[KnownMove], now: Timestamp) -> Option<Action> {
        let exit = &followed.exit;
        let domain = wallet.domain();
        let signed_by = |m: &KnownMove, who: Address| m.tx.signer(domain).is_ok_and(|s| s == who);
        let spend = |m: &KnownMove| SpendChallenge { coin_id: exit.coin_id, spend: m.included(), sig: m.tx.sig };
        if let Some(m) = moves
            .iter()
            .find(|m| m.tx.tx.prevBlock == exit.exit_blk && m.blknum > exit.exit_blk && signed_by(m, exit.owner))
        {
            return Some(Action::ChallengeSpent(spend(m)));
        }
        if !exit.is_deposit_exit()
            && let Some(m) = moves.iter().find(|m| {
                m.tx.tx.prevBlock == exit.prev_blk
                    && exit.prev_blk < m.blknum
                    && m.blknum < exit.exit_blk
                    && signed_by(m, exit.prev_owner)
            })
        {
            return Some(Action::ChallengeDoubleSpend(spend(m)));
        }
        self.history_challenge(wallet, followed, moves, now).map(Action::ChallengeHistory)
    }

    /// The user's latest ownership of the coin before `pBlk` that no known transaction spends by
    /// `pBlk`, against an exit that is not the user's.
    fn history_challenge(
        &self,
        wallet: &Wallet,
        followed: &Followed,
        moves: &[KnownMove],
        now: Timestamp,
    ) -> Option<HistoryChallenge> {
        let exit = &followed.exit;
        if exit.owner == self.address || exit.is_deposit_exit() || !self.game.history_window_open(exit, now) {
            return None;
        }
        let deposit = wallet
            .deposit_record(exit.coin_id)
            .filter(|r| r.depositor == self.address && r.coin_id < exit.prev_blk)
            .map(|r| Included::deposit(&r));
        let own = moves
            .iter()
            .rev()
            .find(|m| m.tx.tx.newOwner == self.address && m.blknum < exit.prev_blk)
            .map(KnownMove::included);
        let earlier = own.or(deposit)?;
        let spent_by_then =
            moves.iter().any(|m| m.tx.tx.prevBlock == earlier.blknum && m.blknum > earlier.blknum && m.blknum <= exit.prev_blk);
        if spent_by_then || followed.pending.contains_key(&earlier.blknum) {
            return None;
        }
        Some(HistoryChallenge { coin_id: exit.coin_id, earlier })
    }

    /// The answer to `challenge`, when the exit is one the user stands behind and the user knows
    /// the challenged transaction's direct child by `pBlk`.
    fn response(
        &self,
        wallet: &Wallet,
        followed: &Followed,
        challenge: &ObservedChallenge,
        moves: &[KnownMove],
        now: Timestamp,
    ) -> Option<Action> {
        let exit = &followed.exit;
        if challenge.challenger == self.address || now >= challenge.deadline {
            return None;
        }
        let stands_behind = exit.owner == self.address
            || moves.iter().any(|m| m.blknum == exit.exit_blk && m.tx.tx.newOwner == exit.owner);
        if !stands_behind {
            return None;
        }
        let child = moves.iter().find(|m| {
            m.tx.tx.prevBlock == challenge.blknum
                && challenge.blknum < m.blknum
                && m.blknum <= exit.prev_blk
                && m.tx.signer(wallet.domain()).is_ok_and(|s| s == challenge.owner)
        })?;
        Some(Action::RespondHistory(HistoryResponse {
            coin_id: exit.coin_id,
            challenge_blk: challenge.blknum,
            response: child.included(),
            sig: child.tx.sig,
        }))
    }
}
