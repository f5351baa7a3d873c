//! One Plasma Cash user's software behind [`UserClient`]: its [`Wallet`] and, unless the user
//! colludes with a cheater, its [`Watcher`].
//!
//! - **Blocks.** The client extends the history of every coin it owns with the entry of each
//!   committed block (an inclusion or an exclusion proof), in order. A block whose data is refused
//!   stops the histories that must span it: those coins can no longer be paid, and stay safe as
//!   long as their owner answers exits of them. An included entry that breaks the rules (a spend
//!   the owner never signed) stops the coin's history there: the coin is still the user's.
//!   [`CashClient::findings`] reports both to the user.
//! - **Payments.** A payee checks the payer's whole history of the coin before the payer signs
//!   ([`CashClient::check_history`]), keeps the signed payment with that history
//!   ([`Handover::Announced`]: a payment the operator hides can still be defended and exited), and
//!   takes the coin once the payer hands over the history through the block that includes it
//!   ([`Handover::Included`]).
//! - **Exits.** The watcher answers every exit of a coin the user owns or owned (spent-coin,
//!   double-spend and invalid-history challenges, answers to history challenges, payments revealed
//!   by answers). Nobody challenges its own exit. An exiter answers the challenges of its own exit
//!   as soon as it reads them; everything else is decided at the client's next tick, after every
//!   exiter's own answers (so the exiter's answer stands when a former owner could send the same).
//!   Each decision carries the game's own window: a history challenge until `startedAt + 3R` (or
//!   processing), an answer until its challenge's deadline, a spent-coin or double-spend challenge
//!   until processing.
//!
//! Nobody exits because a block is bad or withheld: a Plasma Cash coin is safe as long as its
//! owner answers exits of it.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, U256};
use plasma_core::{
    BlockNumber, ChainEvent, Decision, DepositEvent, Domain, ExitScope, FrameworkEvent, Role, SigningKey, Timestamp,
    UserClient,
};

use crate::{
    Action, CashBlock, CashError, CashGame, CashHistory, Finding, HistoryChallenge, Invalidity, ObservedExit,
    SignedCashTx, SyncReport, Wallet, Watcher,
    design::{Cash, CashEvent, CashTag, Handover},
    game::history_window_closes,
};

/// One user's Plasma Cash wallet and watcher.
#[derive(Clone, Debug)]
pub struct CashClient {
    wallet: Wallet,
    watcher: Option<Watcher>,
    game: CashGame,
    user: Address,
    /// Every deposit read from the root chain, by coin. The wallet learns the deposit root of a
    /// coin it does not own only when it receives that coin, as a light client reads that one
    /// deposit event then.
    deposits: BTreeMap<u64, DepositEvent>,
    /// Committed child blocks not judged yet.
    unjudged: BTreeSet<BlockNumber>,
    /// Committed child blocks whose data was refused.
    withheld: BTreeSet<BlockNumber>,
    /// Coins whose history stops at an included entry that breaks the rules: the block and why.
    stuck: BTreeMap<u64, (BlockNumber, Invalidity)>,
    /// Open exits on the root chain, by coin.
    open: BTreeMap<u64, ObservedExit>,
    /// The answer deadline of each pending history challenge, by (exit id, challenged block).
    challenge_deadlines: BTreeMap<(u128, BlockNumber), Timestamp>,
    /// The watcher's actions decided from events, sent from the next tick on.
    deferred: Vec<Action>,
}

/// What a watcher's action does, in words.
#[must_use]
pub fn describe(action: &Action) -> String {
    match action {
        Action::ChallengeSpent(c) => format!("shows the spend of coin {} (spent-coin challenge)", c.coin_id),
        Action::ChallengeDoubleSpend(c) => {
            format!(
                "shows the earlier spend of coin {} at block {} (double-spend challenge)",
                c.coin_id, c.spend.blknum
            )
        }
        Action::ChallengeHistory(HistoryChallenge { coin_id, earlier }) => {
            format!("challenges the history of coin {coin_id} with block {}", earlier.blknum)
        }
        Action::RespondHistory(r) => {
            format!(
                "answers the challenge at block {} of coin {} with block {}",
                r.challenge_blk, r.coin_id, r.response.blknum
            )
        }
    }
}

impl CashClient {
    /// The client of the user holding `key` on the deployment `domain`, under the exit game
    /// `game`; `watching == false` runs no watcher (a user who colludes with a cheater, in the
    /// suite).
    #[must_use]
    pub fn new(key: SigningKey, domain: Domain, game: CashGame, watching: bool) -> Self {
        let user = key.address();
        Self {
            wallet: Wallet::new(key, domain),
            watcher: watching.then(|| Watcher::new(user, game)),
            game,
            user,
            deposits: BTreeMap::new(),
            unjudged: BTreeSet::new(),
            withheld: BTreeSet::new(),
            stuck: BTreeMap::new(),
            open: BTreeMap::new(),
            challenge_deadlines: BTreeMap::new(),
            deferred: Vec::new(),
        }
    }

    /// The wallet.
    #[must_use]
    pub const fn wallet(&self) -> &Wallet {
        &self.wallet
    }

    /// The wallet, to change (what a layer built on Cash, or a cheater, does outside the client).
    pub const fn wallet_mut(&mut self) -> &mut Wallet {
        &mut self.wallet
    }

    /// The watcher, unless the user runs none.
    #[must_use]
    pub const fn watcher(&self) -> Option<&Watcher> {
        self.watcher.as_ref()
    }

    /// The exit game's parameters.
    #[must_use]
    pub const fn game(&self) -> &CashGame {
        &self.game
    }

    /// The open exits on the root chain, by coin.
    #[must_use]
    pub const fn open_exits(&self) -> &BTreeMap<u64, ObservedExit> {
        &self.open
    }

    /// The deposit of `coin_id`, as read from the root chain.
    #[must_use]
    pub fn deposit(&self, coin_id: u64) -> Option<&DepositEvent> {
        self.deposits.get(&coin_id)
    }

    /// The coin a payment of `amount` wei spends: the first spendable coin of exactly that
    /// denomination (Plasma Cash moves whole coins).
    #[must_use]
    pub fn coin_for(&self, amount: U256) -> Option<u64> {
        let denomination = |coin: &u64| self.wallet.deposit_record(*coin).map(|record| record.amount);
        self.wallet.spendable_coins().into_iter().find(|coin| denomination(coin) == Some(amount))
    }

    /// The wallet learns the deposit root of `coin_id` (from the deposit event read from the root
    /// chain), before taking a history of it.
    pub fn learn_deposit(&mut self, coin_id: u64) -> Result<(), CashError> {
        if let Some(deposit) = self.deposits.get(&coin_id).copied() {
            self.wallet.on_deposit(&deposit)?;
        }
        Ok(())
    }

    /// A payee's check of the history a payer offers, before the payer signs: it verifies in full
    /// against the roots this client knows (every committed block covered). Returns its owner.
    pub fn check_history(&mut self, history: &CashHistory) -> Result<Address, CashError> {
        self.learn_deposit(history.coin_id())?;
        history.verify(self.wallet.domain(), self.wallet.roots())
    }

    /// What went wrong with the child chain, as the watcher reports it after judging blocks (none
    /// without a watcher): each withheld block once, with the user's coins stuck before it, and
    /// every included entry that stops one of the user's histories, each time it is asked.
    pub fn findings(&mut self) -> Vec<Finding> {
        let Some(watcher) = &mut self.watcher else { return Vec::new() };
        let wallet = &self.wallet;
        self.stuck.retain(|coin, (blknum, _)| wallet.owns(*coin) && wallet.next_block_for(*coin) == Some(*blknum));
        let report = SyncReport {
            withheld: self.withheld.clone(),
            invalid: self.stuck.iter().map(|(coin, (blknum, why))| (*coin, *blknum, why.clone())).collect(),
            ..SyncReport::default()
        };
        watcher.findings(wallet, &report)
    }

    /// The decision of `action`, against the open exit of its coin, until the game's own window
    /// for it closes: a history challenge until `startedAt + 3R`, an answer until its challenge's
    /// deadline, a spent or double-spend challenge until processing.
    fn decision(&self, action: &Action) -> Option<Decision<CashTag>> {
        let exit = self.open.get(&action.coin_id())?;
        let period = self.game.min_exit_period;
        let deadline = match action {
            Action::ChallengeHistory(_) => exit.exitable_at.min(history_window_closes(exit.started_at(period), period)),
            Action::RespondHistory(response) => self
                .challenge_deadlines
                .get(&(exit.exit_id, response.challenge_blk))
                .copied()
                .unwrap_or(exit.exitable_at),
            Action::ChallengeSpent(_) | Action::ChallengeDoubleSpend(_) => exit.exitable_at,
        };
        Some(Decision {
            by: Role::Watcher,
            tag: CashTag::Exit { coin_id: exit.coin_id, exit_id: exit.exit_id },
            sender: self.user,
            call: action.call(&self.game),
            deadline,
            what: describe(action),
        })
    }

    /// Whether `action` is about an open exit of the user's own.
    fn on_own_exit(&self, action: &Action) -> bool {
        self.open.get(&action.coin_id()).is_some_and(|exit| exit.owner == self.user)
    }

    /// Sorts the watcher's new actions: answers on the user's own exit are decided now; the user
    /// never challenges its own exit; everything else waits for the next tick.
    fn triage(&mut self, actions: Vec<Action>) -> Vec<Decision<CashTag>> {
        let mut now = Vec::new();
        for action in actions {
            if !self.open.contains_key(&action.coin_id()) {
                continue;
            }
            if !self.on_own_exit(&action) {
                self.deferred.push(action);
            } else if matches!(action, Action::RespondHistory(_)) {
                now.extend(self.decision(&action));
            }
        }
        now
    }

    /// Takes a game event of the Cash family: follows exits, their history challenges and answers
    /// (learning the payments answers reveal), and forgets a coin's payout. Returns the answers on
    /// the user's own exit it calls for.
    pub fn on_game_event(&mut self, event: &CashEvent, at: Timestamp) -> Vec<Decision<CashTag>> {
        match event {
            CashEvent::ExitStarted(exit) => {
                self.open.insert(exit.coin_id, *exit);
                let Some(watcher) = &mut self.watcher else { return Vec::new() };
                let actions = watcher.on_exit_started(&self.wallet, exit, at);
                self.triage(actions)
            }
            CashEvent::HistoryChallenged(challenge) => {
                self.challenge_deadlines.insert((challenge.exit_id, challenge.blknum), challenge.deadline);
                let Some(watcher) = &mut self.watcher else { return Vec::new() };
                let actions = watcher.on_history_challenged(&self.wallet, challenge, at);
                self.triage(actions)
            }
            CashEvent::HistoryAnswered(answer) => {
                let Some(watcher) = &mut self.watcher else { return Vec::new() };
                let actions = watcher.on_history_answered(&mut self.wallet, answer, at);
                self.triage(actions)
            }
            CashEvent::ExitChallenged { .. } | CashEvent::ExitCancelled { .. } | CashEvent::ExitFinalized { .. } => {
                if let Some((coin_id, exit_id, paid)) = event.ended() {
                    self.open.remove(&coin_id);
                    self.challenge_deadlines.retain(|(id, _), _| *id != exit_id);
                    if let Some(watcher) = &mut self.watcher {
                        watcher.on_exit_ended(coin_id, exit_id);
                    }
                    if paid {
                        self.wallet.on_exit_paid(coin_id);
                    }
                }
                Vec::new()
            }
        }
    }

    /// Takes a framework event: a deposit (the depositor's history starts), a committed block (its
    /// root, and a block to judge).
    pub fn on_framework_event(&mut self, event: &FrameworkEvent) -> Result<(), CashError> {
        match event {
            FrameworkEvent::Deposit(deposit) => {
                if self.deposits.insert(deposit.blknum, *deposit).is_none() && deposit.depositor == self.user {
                    self.wallet.on_deposit(deposit)?;
                }
            }
            FrameworkEvent::BlockSubmitted(block) => {
                if self.wallet.roots().get(&block.blknum) != Some(&block.root) {
                    self.wallet.on_block_submitted(block)?;
                    self.unjudged.insert(block.blknum);
                }
            }
        }
        Ok(())
    }

    /// What became due: the watcher's actions decided from events since the last tick and what
    /// the wallet's news (blocks, handovers, answers) calls for against the exits it follows, as
    /// of `now`. Answers on the user's own exit come first.
    pub fn due(&mut self, now: Timestamp) -> Vec<Decision<CashTag>> {
        let deferred = std::mem::take(&mut self.deferred);
        let recheck = match &mut self.watcher {
            Some(watcher) => watcher.recheck(&self.wallet, now),
            None => Vec::new(),
        };
        let (own, others): (Vec<Action>, Vec<Action>) = recheck
            .into_iter()
            .filter(|action| self.open.contains_key(&action.coin_id()))
            .partition(|action| self.on_own_exit(action));
        let own = own.iter().filter(|action| matches!(action, Action::RespondHistory(_)));
        let others = deferred.iter().filter(|action| !self.on_own_exit(action)).chain(others.iter());
        own.chain(others).filter_map(|action| self.decision(action)).collect()
    }

    /// Judges committed block `blknum` with its published data (`None`: withheld): every owned
    /// coin whose history reaches it takes its entry.
    pub fn judge_block(&mut self, blknum: BlockNumber, data: Option<&CashBlock>) -> Result<(), CashError> {
        self.unjudged.remove(&blknum);
        let Some(block) = data else {
            self.withheld.insert(blknum);
            return Ok(());
        };
        for coin_id in self.wallet.owned_coins() {
            if self.wallet.next_block_for(coin_id) != Some(blknum) {
                continue;
            }
            match self.wallet.extend(coin_id, blknum, block.entry(coin_id)) {
                Ok(()) => {}
                Err(CashError::InvalidHistory { coin_id, blknum, reason }) => {
                    self.stuck.insert(coin_id, (blknum, reason));
                }
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }
}

impl UserClient<Cash> for CashClient {
    fn user(&self) -> Address {
        self.user
    }

    fn on_event(&mut self, event: &ChainEvent<CashEvent>, at: Timestamp) -> Result<Vec<Decision<CashTag>>, CashError> {
        match event {
            ChainEvent::Framework(framework) => {
                self.on_framework_event(framework)?;
                Ok(Vec::new())
            }
            ChainEvent::Game(game) => Ok(self.on_game_event(game, at)),
        }
    }

    fn next_block_wanted(&self) -> Option<BlockNumber> {
        self.unjudged.first().copied()
    }

    fn on_block_data(
        &mut self,
        blknum: BlockNumber,
        data: Option<&CashBlock>,
        _now: Timestamp,
    ) -> Result<Vec<Decision<CashTag>>, CashError> {
        self.judge_block(blknum, data)?;
        Ok(Vec::new())
    }

    fn tick(&mut self, now: Timestamp) -> Result<Vec<Decision<CashTag>>, CashError> {
        Ok(self.due(now))
    }

    fn still_wanted(&self, tag: &CashTag) -> bool {
        match tag {
            CashTag::Exit { coin_id, exit_id } => self.open.get(coin_id).is_some_and(|exit| exit.exit_id == *exit_id),
            CashTag::OwnExit(coin_id) => !self.open.contains_key(coin_id),
        }
    }

    fn on_action_done(&mut self, _tag: &CashTag) {}

    fn pay(&mut self, to: Address, amount: U256) -> Result<SignedCashTx, CashError> {
        let coin_id =
            self.coin_for(amount).ok_or(CashError::InvalidPayment("no spendable coin of exactly that amount"))?;
        self.wallet.pay(coin_id, to)
    }

    fn cancel(&mut self, tx: &SignedCashTx) {
        self.wallet.cancel(tx.tx.coinId);
    }

    /// Cash hands the coin's history over twice: with the signed payment before it is sent
    /// (`included == None`), and once the payment is in the payer's history at block `blknum`.
    fn hand_over(
        &mut self,
        tx: &SignedCashTx,
        included: Option<(BlockNumber, &CashBlock)>,
    ) -> Result<Option<Handover>, CashError> {
        let coin_id = tx.tx.coinId;
        let history = self.wallet.history(coin_id).ok_or(CashError::UnknownCoin(coin_id))?;
        Ok(match included {
            None => Some(Handover::Announced { tx: *tx, history: history.clone() }),
            Some((blknum, _)) => {
                history.move_at(blknum).is_some_and(|paid| paid.tx == tx).then(|| Handover::Included(history.clone()))
            }
        })
    }

    /// Takes an announced payment after checking the payer's history in full (refused for a coin
    /// whose exit was paid), or the coin's history through its payment after checking it in full.
    fn receive(&mut self, handover: &Handover) -> Result<Vec<Decision<CashTag>>, CashError> {
        match handover {
            Handover::Announced { tx, history } => {
                if self.wallet.is_paid_out(tx.tx.coinId) {
                    return Err(CashError::PaidOut(tx.tx.coinId));
                }
                self.check_history(history)?;
                self.wallet.expect_payment(*tx, history.clone())?;
            }
            Handover::Included(history) => {
                self.learn_deposit(history.coin_id())?;
                self.wallet.receive(history.clone())?;
            }
        }
        Ok(Vec::new())
    }

    fn exits(&self, scope: ExitScope, now: Timestamp) -> Result<Vec<Decision<CashTag>>, CashError> {
        let mut claims = self.wallet.exit_claims();
        if scope == ExitScope::Newest {
            claims = claims.pop().into_iter().collect();
        }
        Ok(claims
            .into_iter()
            .filter(|claim| !self.open.contains_key(&claim.coin_id()))
            .map(|claim| Decision {
                by: Role::Owner,
                tag: CashTag::OwnExit(claim.coin_id()),
                sender: self.user,
                call: self.game.exit_call(&claim),
                deadline: now + self.game.min_exit_period,
                what: format!("exits coin {}", claim.coin_id()),
            })
            .collect())
    }

    fn balance(&self) -> U256 {
        self.wallet
            .owned_coins()
            .into_iter()
            .filter_map(|coin| self.wallet.deposit_record(coin))
            .map(|record| record.amount)
            .sum()
    }
}
