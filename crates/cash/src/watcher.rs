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
//!   signature of the user could answer it. Only while `now < startedAt + 3R`, and only for a
//!   block no earlier challenge of the exit (pending or answered) names;
//! - **respondHistory**: on any exit of a coin the user owns or owned, whoever's (its own, an
//!   honest one, or a thief's: defend the coin, not only one's exit), the user knows the direct
//!   child of the challenged transaction at a block in `(challengeBlk, pBlk]`, signed by the
//!   challenged transaction's new owner. Only before the challenge's deadline, and never against
//!   the user's own challenge. On a thief's exit this keeps the victim's challenge the lowest
//!   pending one, so the exit bond and the coin's reservation go to the victim (docs/security.md,
//!   F-3 and C-2).
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
use plasma_core::{BlockNumber, GameCall, Timestamp, is_child_block};
use serde::{Deserialize, Serialize};

use crate::{
    error::Result,
    game::{
        CashGame, HistoryChallenge, HistoryResponse, Included, IncludedExt, ObservedAnswer, ObservedChallenge,
        ObservedExit, SpendChallenge,
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

/// An exit being followed, with its history challenges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Followed {
    exit: ObservedExit,
    /// Challenges not answered yet, by block.
    pending: BTreeMap<BlockNumber, ObservedChallenge>,
    /// Every block challenged so far, answered or not: the game refuses a second challenge of one.
    challenged: BTreeSet<BlockNumber>,
    issued: BTreeSet<(u8, BlockNumber)>,
}

/// One user's watcher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watcher {
    address: Address,
    game: CashGame,
    exits: BTreeMap<u64, Followed>,
    withheld: BTreeSet<BlockNumber>,
    available: BTreeSet<BlockNumber>,
}

impl Watcher {
    /// A watcher for `address`, under the exit game `game`.
    #[must_use]
    pub const fn new(address: Address, game: CashGame) -> Self {
        Self { address, game, exits: BTreeMap::new(), withheld: BTreeSet::new(), available: BTreeSet::new() }
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

    /// Syncs `wallet` with `operator` ([`Wallet::sync`]), checks that the data of every committed
    /// child block the wallet knows of is published (whether or not the user holds a coin), and
    /// reports each withheld block once (adding it to the returned report's `withheld`) and each
    /// invalid entry. Never asks for an exit.
    pub fn sync(&mut self, wallet: &mut Wallet, operator: &Operator) -> Result<(SyncReport, Vec<Finding>)> {
        let mut report = wallet.sync(operator)?;
        let unchecked: Vec<BlockNumber> = wallet
            .roots()
            .keys()
            .copied()
            .filter(|b| is_child_block(*b) && !self.available.contains(b) && !report.withheld.contains(b))
            .collect();
        for blknum in unchecked {
            if operator.published_block(blknum).is_ok() {
                self.available.insert(blknum);
            } else {
                report.withheld.insert(blknum);
            }
        }
        let findings = self.findings(wallet, &report);
        Ok((report, findings))
    }

    /// The findings of a sync report: newly withheld blocks, with the user's coins whose histories
    /// stop before them, and invalid entries.
    pub fn findings(&mut self, wallet: &Wallet, report: &SyncReport) -> Vec<Finding> {
        let mut findings = Vec::new();
        for blknum in &report.withheld {
            if self.withheld.insert(*blknum) {
                let stuck = |coin: &u64| wallet.history(*coin).is_some_and(|h| h.covered_through() < *blknum);
                let coins = wallet.owned_coins().into_iter().filter(stuck).collect();
                findings.push(Finding::BlockWithheld { blknum: *blknum, coins });
            }
        }
        for (coin_id, blknum, reason) in &report.invalid {
            findings.push(Finding::InvalidEntry { coin_id: *coin_id, blknum: *blknum, reason: reason.to_string() });
        }
        findings
    }

    /// Follows a new exit and returns the challenges it calls for (at most one), as of `now`.
    pub fn on_exit_started(&mut self, wallet: &Wallet, exit: &ObservedExit, now: Timestamp) -> Vec<Action> {
        let followed = Followed { exit: *exit, ..Followed::default() };
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
        followed.challenged.insert(challenge.blknum);
        self.new_actions(wallet, challenge.coin_id, now)
    }

    /// Records an answer to a history challenge. When the answer reveals a payment to the user, the
    /// wallet learns it (an answer whose proof does not check against the wallet's roots is
    /// ignored) and the watcher returns the challenge it makes possible.
    pub fn on_history_answered(&mut self, wallet: &mut Wallet, answer: &ObservedAnswer, now: Timestamp) -> Vec<Action> {
        if let Some(followed) = self.exits.get_mut(&answer.coin_id).filter(|f| f.exit.exit_id == answer.exit_id) {
            followed.pending.remove(&answer.challenge_blk);
            followed.challenged.insert(answer.challenge_blk);
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

    /// Re-evaluates every followed exit against what the wallet knows now (after a sync, a
    /// handover, an answer): the actions not issued before. A client calls it whenever what it
    /// knows changes, so that an exit seen before the spend that cancels it was delivered is still
    /// challenged (docs/security.md, client duties).
    pub fn recheck(&mut self, wallet: &Wallet, now: Timestamp) -> Vec<Action> {
        let coins: Vec<u64> = self.exits.keys().copied().collect();
        coins.into_iter().flat_map(|coin_id| self.new_actions(wallet, coin_id, now)).collect()
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
        let spent_by_then = moves
            .iter()
            .any(|m| m.tx.tx.prevBlock == earlier.blknum && m.blknum > earlier.blknum && m.blknum <= exit.prev_blk);
        if spent_by_then || followed.challenged.contains(&earlier.blknum) {
            return None;
        }
        Some(HistoryChallenge { coin_id: exit.coin_id, earlier })
    }

    /// The answer to `challenge`, on any exit of a coin the user owns or owned (its own, an honest
    /// one it knows, or a thief's): the challenged transaction's direct child by `pBlk`, when the
    /// user knows it. A thief's exit is cancelled at processing all the same (its victim's
    /// challenge stays unanswerable), but its bond and the coin's reservation go to the owner named
    /// by the lowest pending challenge: an accomplice's false challenge below the victim's, left
    /// unanswered, would hand them to a colluding former owner (docs/security.md, C-2).
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

#[cfg(test)]
mod tests {
    use alloy_primitives::{B256, U256};
    use plasma_core::SigningKey;

    use super::*;
    use crate::tx::CashTxExt;
    use crate::{
        block::CashBlock,
        game::{ObservedAnswer, exit_id},
        history::{CashHistory, DepositRecord, Entry, Roots},
        tx::{CashTx, SignedCashTx},
    };
    use plasma_testkit::{domain, key};

    const COIN: u64 = 1;
    /// `P`: R = 1000, 3R = 3000.
    const P: u64 = 4000;
    const STARTED: Timestamp = 10_000;

    fn game() -> CashGame {
        CashGame::new(U256::from(100), U256::from(10), P)
    }

    /// A hand-built chain: the deposit of `COIN` by `depositor`, then child blocks holding exactly
    /// the transactions a test puts in them (valid or not).
    struct Chain {
        record: DepositRecord,
        roots: Roots,
        blocks: BTreeMap<BlockNumber, CashBlock>,
    }

    impl Chain {
        fn new(depositor: &SigningKey) -> Self {
            let record = DepositRecord::new(COIN, depositor.address(), U256::from(10));
            Self { record, roots: Roots::from([(COIN, record.root())]), blocks: BTreeMap::new() }
        }

        /// Adds block `blknum` with `txs` (and another coin's transaction, so that proofs carry a
        /// sibling).
        fn block(&mut self, blknum: BlockNumber, txs: &[SignedCashTx]) {
            let mut all = txs.to_vec();
            all.push(CashTx::new(COIN + 1, 2, Address::repeat_byte(9)).sign(&domain(), &key("other")));
            let block = CashBlock::new(all, &domain()).unwrap();
            self.roots.insert(blknum, block.root());
            self.blocks.insert(blknum, block);
        }

        /// `COIN`'s history through block `through`, entries taken from the blocks unchecked.
        fn history(&self, through: BlockNumber) -> CashHistory {
            let mut history = CashHistory::new(self.record);
            for (blknum, block) in self.blocks.range(..=through) {
                history.push(*blknum, block.entry(COIN)).unwrap();
            }
            history
        }

        fn included(&self, blknum: BlockNumber) -> Included {
            let block = &self.blocks[&blknum];
            Included::new(block.tx(COIN).unwrap().tx, blknum, &block.proof(COIN))
        }

        /// A wallet of `owner` that knows the roots through `known` and holds `COIN`'s history
        /// through `through` (verified on receipt when it ends with `owner`).
        fn wallet(&self, owner: &SigningKey, known: BlockNumber, through: BlockNumber) -> Wallet {
            let mut wallet = Wallet::new(owner.clone(), domain());
            for (blknum, root) in self.roots.range(..=known) {
                wallet.learn_root(*blknum, *root).unwrap();
            }
            let history = self.history(through);
            if history.owner() == owner.address() {
                wallet.receive(history).unwrap();
            }
            wallet
        }

        /// Learns the remaining roots (blocks committed later).
        fn learn_all(&self, wallet: &mut Wallet) {
            for (blknum, root) in &self.roots {
                wallet.learn_root(*blknum, *root).unwrap();
            }
        }
    }

    fn pay(from: &SigningKey, prev: BlockNumber, to: &SigningKey) -> SignedCashTx {
        CashTx::new(COIN, prev, to.address()).sign(&domain(), from)
    }

    fn exit(owner: &SigningKey, exit_blk: BlockNumber, prev_blk: BlockNumber, prev_owner: Address) -> ObservedExit {
        ObservedExit {
            coin_id: COIN,
            owner: owner.address(),
            exit_id: exit_id(1, COIN),
            exit_blk,
            prev_blk,
            prev_owner,
            amount: U256::from(10),
            exitable_at: STARTED + P,
        }
    }

    fn challenge(blknum: BlockNumber, owner: Address, challenger: Address) -> ObservedChallenge {
        ObservedChallenge {
            coin_id: COIN,
            exit_id: exit_id(1, COIN),
            challenger,
            blknum,
            owner,
            deadline: STARTED + 1500,
        }
    }

    #[test]
    fn spent_coin_is_challenged_with_the_direct_spend() {
        let (a, b, c) = (key("a"), key("b"), key("c"));
        let mut chain = Chain::new(&a);
        chain.block(1000, &[pay(&a, COIN, &b)]);
        chain.block(2000, &[pay(&b, 1000, &c)]);
        chain.block(3000, &[]);
        let carol = chain.wallet(&c, 3000, 3000);
        let mut watcher = Watcher::new(c.address(), game());
        // B exits the coin it already paid to C.
        let actions = watcher.on_exit_started(&carol, &exit(&b, 1000, COIN, a.address()), STARTED);
        let [Action::ChallengeSpent(spend)] = actions.as_slice() else { panic!("{actions:?}") };
        assert_eq!(spend.spend, chain.included(2000));
        assert_eq!(SignedCashTx::new(spend.spend.tx, spend.sig).signer(&domain()).unwrap(), b.address());
        assert_eq!(actions[0].call(&game()).value, U256::ZERO);
        // Issued once; recomputed on demand; forgotten when the exit ends.
        assert!(watcher.on_history_challenged(&carol, &challenge(COIN, a.address(), a.address()), STARTED).is_empty());
        assert_eq!(watcher.actions_for(&carol, COIN, STARTED), actions);
        watcher.on_exit_ended(COIN, exit_id(1, COIN));
        assert!(watcher.open_exits().is_empty() && watcher.actions_for(&carol, COIN, STARTED).is_empty());
        // C's own exit of the same coin calls for nothing.
        let own = watcher.on_exit_started(&carol, &exit(&c, 2000, 1000, b.address()), STARTED);
        assert!(own.is_empty());
    }

    #[test]
    fn double_spend_of_the_parent_is_challenged() {
        let (a, b, eve) = (key("a"), key("b"), key("eve"));
        let mut chain = Chain::new(&a);
        chain.block(1000, &[pay(&a, COIN, &b)]);
        // A, cheating, spends the deposit again to Eve; the operator includes it.
        chain.block(2000, &[pay(&a, COIN, &eve)]);
        let mut bob = chain.wallet(&b, 1000, 1000);
        chain.learn_all(&mut bob);
        let mut watcher = Watcher::new(b.address(), game());
        let actions = watcher.on_exit_started(&bob, &exit(&eve, 2000, COIN, a.address()), STARTED);
        let [Action::ChallengeDoubleSpend(spend)] = actions.as_slice() else { panic!("{actions:?}") };
        assert_eq!(spend.spend, chain.included(1000));
        assert_eq!(SignedCashTx::new(spend.spend.tx, spend.sig).signer(&domain()).unwrap(), a.address());
        // A spend at or after eBlk is no double spend of the parent.
        let later = exit(&eve, 1000, COIN, a.address());
        watcher.on_exit_ended(COIN, later.exit_id);
        let actions = watcher.on_exit_started(&bob, &later, STARTED);
        assert!(!actions.iter().any(|a| matches!(a, Action::ChallengeDoubleSpend(_))), "{actions:?}");
    }

    #[test]
    fn forged_parent_is_challenged_with_the_owners_transaction() {
        let (a, b, eve, f) = (key("a"), key("b"), key("eve"), key("f"));
        let mut chain = Chain::new(&a);
        chain.block(1000, &[pay(&a, COIN, &b)]);
        // The operator forges B -> Eve (signed by Eve) and Eve -> F, in withheld blocks.
        chain.block(2000, &[pay(&eve, 1000, &eve)]);
        chain.block(3000, &[pay(&eve, 2000, &f)]);
        let forged_exit = exit(&f, 3000, 2000, eve.address());

        let mut bob = chain.wallet(&b, 1000, 1000);
        chain.learn_all(&mut bob);
        let mut watcher = Watcher::new(b.address(), game());
        let actions = watcher.on_exit_started(&bob, &forged_exit, STARTED);
        let [Action::ChallengeHistory(history)] = actions.as_slice() else { panic!("{actions:?}") };
        assert_eq!(history.earlier, chain.included(1000));
        assert_eq!(actions[0].call(&game()).value, U256::from(10));

        // A paid B at 1000 (in A's history), which answers A's deposit: A does not challenge.
        let mut alice = chain.wallet(&a, COIN, COIN);
        chain.learn_all(&mut alice);
        alice.extend(COIN, 1000, chain.blocks[&1000].entry(COIN)).unwrap();
        assert!(!alice.owns(COIN));
        let mut alice_watcher = Watcher::new(a.address(), game());
        assert!(alice_watcher.on_exit_started(&alice, &forged_exit, STARTED).is_empty());

        // Too late: the window closes at startedAt + 3R.
        let mut late = Watcher::new(b.address(), game());
        assert!(late.on_exit_started(&bob, &forged_exit, STARTED + 3000).is_empty());
        assert_eq!(late.actions_for(&bob, COIN, STARTED + 2999).len(), 1);
        // A block someone else already challenged is not challenged again.
        let mut other = Watcher::new(b.address(), game());
        other.exits.insert(COIN, Followed { exit: forged_exit, ..Followed::default() });
        assert!(other.on_history_challenged(&bob, &challenge(1000, b.address(), a.address()), STARTED).is_empty());
    }

    #[test]
    fn forged_spend_of_a_deposit_is_challenged_with_the_deposit() {
        let (a, eve, f) = (key("a"), key("eve"), key("f"));
        let mut chain = Chain::new(&a);
        chain.block(1000, &[]);
        chain.block(2000, &[pay(&eve, COIN, &eve)]);
        chain.block(3000, &[pay(&eve, 2000, &f)]);
        let mut alice = chain.wallet(&a, 1000, 1000);
        chain.learn_all(&mut alice);
        let mut watcher = Watcher::new(a.address(), game());
        let actions = watcher.on_exit_started(&alice, &exit(&f, 3000, 2000, eve.address()), STARTED);
        let [Action::ChallengeHistory(history)] = actions.as_slice() else { panic!("{actions:?}") };
        assert!(history.earlier.is_deposit());
        assert_eq!(history.earlier, Included::deposit(&chain.record));
        // A deposit exit (pBlk = 0) leaves no earlier block to challenge.
        let mut watcher = Watcher::new(a.address(), game());
        assert!(watcher.on_exit_started(&alice, &exit(&eve, COIN, 0, Address::ZERO), STARTED).is_empty());
    }

    #[test]
    fn exiter_answers_history_challenges_with_the_direct_child() {
        let (a, b, d, c, eve) = (key("a"), key("b"), key("d"), key("c"), key("eve"));
        let mut chain = Chain::new(&a);
        chain.block(1000, &[pay(&a, COIN, &b)]);
        chain.block(2000, &[pay(&b, 1000, &d)]);
        chain.block(3000, &[pay(&d, 2000, &c)]);
        let carol = chain.wallet(&c, 3000, 3000);
        let carols_exit = exit(&c, 3000, 2000, d.address());
        let mut watcher = Watcher::new(c.address(), game());
        assert!(watcher.on_exit_started(&carol, &carols_exit, STARTED).is_empty());

        // Eve challenges with the deposit: answered with A -> B.
        let actions = watcher.on_history_challenged(&carol, &challenge(COIN, a.address(), eve.address()), STARTED);
        let [Action::RespondHistory(response)] = actions.as_slice() else { panic!("{actions:?}") };
        assert_eq!((response.challenge_blk, &response.response), (COIN, &chain.included(1000)));
        assert_eq!(SignedCashTx::new(response.response.tx, response.sig).signer(&domain()).unwrap(), a.address());
        // Eve challenges with A -> B at 1000: answered with B -> D at 2000 (= pBlk).
        let actions = watcher.on_history_challenged(&carol, &challenge(1000, b.address(), eve.address()), STARTED);
        let [Action::RespondHistory(response)] = actions.as_slice() else { panic!("{actions:?}") };
        assert_eq!(response.response, chain.included(2000));
        assert_eq!(watcher.pending_challenges(COIN).len(), 2);

        // Not after the deadline, not against one's own challenge, not with the wrong signer.
        let stale = ObservedChallenge { exit_id: exit_id(7, COIN), ..challenge(COIN, a.address(), eve.address()) };
        let unanswerable = [
            (challenge(COIN, a.address(), eve.address()), STARTED + 1500),
            (challenge(1000, b.address(), c.address()), STARTED),
            (challenge(1000, eve.address(), eve.address()), STARTED),
            (stale, STARTED),
        ];
        for (observed, now) in unanswerable {
            let mut fresh = Watcher::new(c.address(), game());
            fresh.on_exit_started(&carol, &carols_exit, STARTED);
            assert!(fresh.on_history_challenged(&carol, &observed, now).is_empty(), "{observed:?} at {now}");
        }

        // D (it paid C at eBlk) answers too, and so does B, whose history stops at its payment to
        // D: every former owner defends the coin on any exit of it (docs/security.md, C-2).
        let mut dave = chain.wallet(&d, 2000, 2000);
        chain.learn_all(&mut dave);
        dave.extend(COIN, 3000, chain.blocks[&3000].entry(COIN)).unwrap();
        let mut dave_watcher = Watcher::new(d.address(), game());
        assert!(dave_watcher.on_exit_started(&dave, &carols_exit, STARTED).is_empty());
        let actions = dave_watcher.on_history_challenged(&dave, &challenge(COIN, a.address(), eve.address()), STARTED);
        assert!(matches!(actions.as_slice(), [Action::RespondHistory(_)]), "{actions:?}");
        let mut bob = chain.wallet(&b, 1000, 1000);
        chain.learn_all(&mut bob);
        bob.extend(COIN, 2000, chain.blocks[&2000].entry(COIN)).unwrap();
        let mut bob_watcher = Watcher::new(b.address(), game());
        assert!(bob_watcher.on_exit_started(&bob, &carols_exit, STARTED).is_empty());
        let actions = bob_watcher.on_history_challenged(&bob, &challenge(COIN, a.address(), eve.address()), STARTED);
        let [Action::RespondHistory(response)] = actions.as_slice() else { panic!("{actions:?}") };
        assert_eq!(response.response, chain.included(1000));
    }

    #[test]
    fn a_payment_revealed_by_an_answer_is_learned_challenged_with_and_exited() {
        let (a, b, eve, f) = (key("a"), key("b"), key("eve"), key("f"));
        let mut chain = Chain::new(&a);
        // A pays B; the operator hides it in withheld block 1000, forges B -> Eve at 2000 and
        // Eve -> F at 3000 (withheld too), and F exits.
        let to_bob = pay(&a, COIN, &b);
        chain.block(1000, &[to_bob]);
        chain.block(2000, &[pay(&eve, 1000, &eve)]);
        chain.block(3000, &[pay(&eve, 2000, &f)]);
        let forged_exit = exit(&f, 3000, 2000, eve.address());
        let mut alice = chain.wallet(&a, COIN, COIN);
        let mut bob = chain.wallet(&b, COIN, COIN);
        bob.expect_payment(to_bob, alice.handover(COIN).unwrap()).unwrap();
        assert_eq!(alice.pay(COIN, b.address()).unwrap(), to_bob);
        chain.learn_all(&mut alice);
        chain.learn_all(&mut bob);

        // A does not know its payment was included: it challenges with the deposit.
        let mut alice_watcher = Watcher::new(a.address(), game());
        let actions = alice_watcher.on_exit_started(&alice, &forged_exit, STARTED);
        let [Action::ChallengeHistory(history)] = actions.as_slice() else { panic!("{actions:?}") };
        assert!(history.earlier.is_deposit());
        // B knows nothing included yet.
        let mut bob_watcher = Watcher::new(b.address(), game());
        assert!(bob_watcher.on_exit_started(&bob, &forged_exit, STARTED).is_empty());
        let alices = challenge(COIN, a.address(), a.address());
        assert!(bob_watcher.on_history_challenged(&bob, &alices, STARTED + 100).is_empty());
        assert!(alice_watcher.on_history_challenged(&alice, &alices, STARTED + 100).is_empty());

        // The operator answers with A -> B at the last moment: B learns it and challenges with it.
        let answer = ObservedAnswer {
            coin_id: COIN,
            exit_id: exit_id(1, COIN),
            responder: eve.address(),
            challenge_blk: COIN,
            response: chain.included(1000),
            sig: to_bob.sig.to_bytes().to_vec().into(),
        };
        let late = STARTED + 1099;
        assert!(alice_watcher.on_history_answered(&mut alice, &answer, late).is_empty());
        // The deposit was challenged once (and answered): the game refuses it again.
        assert!(alice_watcher.actions_for(&alice, COIN, late).is_empty());
        let actions = bob_watcher.on_history_answered(&mut bob, &answer, late);
        let [Action::ChallengeHistory(history)] = actions.as_slice() else { panic!("{actions:?}") };
        assert_eq!(history.earlier, chain.included(1000));
        assert!(bob_watcher.pending_challenges(COIN).is_empty());
        assert_eq!(bob.learned_payments()[&COIN].blknum, 1000);

        // Later, B exits with it: parent none (it spends the deposit), exiting A -> B, A's signature.
        let crate::game::ExitClaim::Tx(claim) = bob.exit_claim(COIN).unwrap() else { panic!("a transaction exit") };
        assert_eq!((claim.parent.clone(), claim.exiting.clone()), (Included::none(), chain.included(1000)));
        assert_eq!((claim.depositor, claim.exiting_sig), (a.address(), to_bob.sig));
        assert_eq!(bob.exit_claims().len(), 1);

        // A forged answer (bad proof) teaches nothing.
        let mut carl = chain.wallet(&b, 3000, COIN);
        let bad = ObservedAnswer {
            response: Included { proof: B256::ZERO.to_vec().into(), ..answer.response.clone() },
            ..answer
        };
        let mut carl_watcher = Watcher::new(b.address(), game());
        carl_watcher.on_exit_started(&carl, &forged_exit, STARTED);
        assert!(carl_watcher.on_history_answered(&mut carl, &bad, late).is_empty());
        assert!(carl.learned_payments().is_empty());
    }

    #[test]
    fn learned_payment_with_a_parent_in_the_senders_history() {
        let (a, b, c, eve, f) = (key("a"), key("b"), key("c"), key("eve"), key("f"));
        let mut chain = Chain::new(&a);
        chain.block(1000, &[pay(&a, COIN, &b)]);
        let to_carol = pay(&b, 1000, &c);
        chain.block(2000, &[to_carol]);
        chain.block(3000, &[pay(&eve, 2000, &eve)]);
        chain.block(4000, &[pay(&eve, 3000, &f)]);
        let bob = chain.wallet(&b, 1000, 1000);
        let mut carol = chain.wallet(&c, 1000, 1000);
        carol.expect_payment(to_carol, bob.handover(COIN).unwrap()).unwrap();
        chain.learn_all(&mut carol);
        let mut watcher = Watcher::new(c.address(), game());
        watcher.on_exit_started(&carol, &exit(&f, 4000, 3000, eve.address()), STARTED);
        let answer = ObservedAnswer {
            coin_id: COIN,
            exit_id: exit_id(1, COIN),
            responder: eve.address(),
            challenge_blk: 1000,
            response: chain.included(2000),
            sig: to_carol.sig.to_bytes().to_vec().into(),
        };
        let actions = watcher.on_history_answered(&mut carol, &answer, STARTED + 1500);
        assert!(matches!(actions.as_slice(), [Action::ChallengeHistory(h)] if h.earlier == chain.included(2000)));
        let crate::game::ExitClaim::Tx(claim) = carol.exit_claim(COIN).unwrap() else { panic!("a transaction exit") };
        assert_eq!((claim.parent.clone(), claim.exiting.clone()), (chain.included(1000), chain.included(2000)));
        // Without the sender's history, the parent is missing.
        let mut dan = chain.wallet(&c, 4000, COIN);
        dan.learn_payment(&chain.included(2000), &to_carol.sig.to_bytes()).unwrap();
        assert!(matches!(dan.exit_claim(COIN), Err(crate::CashError::MissingParent(COIN))));
    }

    #[test]
    fn findings_report_withheld_blocks_once() {
        let (a, b) = (key("a"), key("b"));
        let mut chain = Chain::new(&a);
        chain.block(1000, &[pay(&a, COIN, &b)]);
        let mut bob = chain.wallet(&b, 1000, 1000);
        chain.block(2000, &[]);
        chain.learn_all(&mut bob);
        let mut watcher = Watcher::new(b.address(), game());
        let report = SyncReport { withheld: BTreeSet::from([2000]), ..SyncReport::default() };
        let findings = watcher.findings(&bob, &report);
        assert_eq!(findings, [Finding::BlockWithheld { blknum: 2000, coins: vec![COIN] }]);
        assert!(watcher.findings(&bob, &report).is_empty());
        // The history stops before the block, so the coin is no longer verifiable (transferable).
        assert!(bob.history(COIN).unwrap().verify(&domain(), bob.roots()).is_err());
        let entry: Entry<SignedCashTx> = chain.blocks[&2000].entry(COIN);
        bob.extend(COIN, 2000, entry).unwrap();
        assert_eq!(bob.history(COIN).unwrap().verify(&domain(), bob.roots()).unwrap(), b.address());
    }
}
