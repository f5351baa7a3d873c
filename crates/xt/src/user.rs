//! One Plasma XT user's software behind [`UserClient`]: Plasma Cash's [`CashClient`] (wallet and
//! watcher, unchanged) and, unless the user colludes with a cheater, its [`CheckpointBook`] and
//! [`XtWatcher`].
//!
//! Two layers watch the same exit game, each at its own pace:
//!
//! - **The checkpoint layer** reads every event as it comes: proposals (the user challenges a set
//!   bit it did not sign off, or one that states a coin it received wrongly, as a later owner),
//!   spends revealed by the operator's answers (learned, then challenged with), finalisations
//!   (the coins stated start there and their histories are pruned, unless an exit with an older
//!   origin is open), exits contradicting a finalised state (cancelled as stale, or challenged at
//!   the checkpoint), and history challenges the pruned history can only answer with the state.
//!   Its decisions come from [`XtClient::decisions_from_events`], [`XtClient::judge_exits`] and
//!   [`XtClient::rechecks`].
//! - **The Cash layer** takes the Cash events it has not read yet when it looks
//!   ([`XtClient::catch_up`]), then decides as a Plasma Cash client does ([`XtClient::cash_due`]).
//!
//! [`UserClient::tick`] runs both. A payer of a coin that starts at a finalised checkpoint hands
//! over the history from that checkpoint ([`Handover::CheckpointStarted`]); the payee checks it
//! against the checkpoint it saw finalised before the payer signs ([`XtClient::check_started`]),
//! and a plain Cash history against every finalised checkpoint that states the coin
//! ([`XtClient::check_cash`]).

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, U256};
use plasma_cash::{CashBlock, CashClient, CashEvent, CashHistory, CashTag, ObservedExit, SignedCashTx};
use plasma_core::{
    BlockNumber, ChainEvent, Decision, Domain, ExitScope, Role, Signature, SigningKey, SparseProof, Timestamp,
    UserClient,
};

use crate::{
    CheckpointBook, XtAction, XtError, XtHistory, XtWatcher,
    design::{Handover, Xt, XtEvent, XtTag},
    game::XtGame,
    watcher::ProposedCheckpoint,
};

/// The user's own exits: from a checkpoint, and as in Plasma Cash, each with its coin.
pub type ExitPlan = (Vec<(u64, plasma_core::GameCall)>, Vec<(u64, plasma_core::GameCall)>);

/// One user's XT software.
#[derive(Clone, Debug)]
pub struct XtClient {
    cash: CashClient,
    key: SigningKey,
    game: XtGame,
    book: Option<CheckpointBook>,
    watcher: Option<XtWatcher>,
    /// Open exits, by coin, as the checkpoint layer reads them.
    exits: BTreeMap<u64, ObservedExit>,
    /// Cash events the Cash layer has not taken yet, with their times.
    backlog: Vec<(CashEvent, Timestamp)>,
    /// Checkpoint actions decided from events, not yet handed to the runtime.
    from_events: Vec<XtAction>,
    /// Checkpoints finalised or void.
    closed: BTreeSet<u64>,
    /// What each finalised checkpoint pruned: the coins, and the bytes kept after.
    pruned: BTreeMap<u64, (Vec<u64>, usize)>,
    /// Coins pruned because an exit that held them back closed, since last asked.
    pruned_on_close: Vec<Vec<u64>>,
}

impl XtClient {
    /// The client of the user holding `key` on the deployment `domain`, under the exit game
    /// `game`; `watching == false` runs neither watcher nor checkpoint book (a user who colludes
    /// with a cheater, in the suite).
    #[must_use]
    pub fn new(key: SigningKey, domain: Domain, game: XtGame, watching: bool) -> Self {
        let user = key.address();
        Self {
            cash: CashClient::new(key.clone(), domain, game.cash, watching),
            key,
            game,
            book: watching.then(CheckpointBook::new),
            watcher: watching.then(|| XtWatcher::new(user, game)),
            exits: BTreeMap::new(),
            backlog: Vec::new(),
            from_events: Vec::new(),
            closed: BTreeSet::new(),
            pruned: BTreeMap::new(),
            pruned_on_close: Vec::new(),
        }
    }

    /// The Plasma Cash client underneath.
    #[must_use]
    pub const fn cash(&self) -> &CashClient {
        &self.cash
    }

    /// The Plasma Cash client underneath, to change.
    pub const fn cash_mut(&mut self) -> &mut CashClient {
        &mut self.cash
    }

    /// The checkpoint book, unless the user runs none.
    #[must_use]
    pub const fn book(&self) -> Option<&CheckpointBook> {
        self.book.as_ref()
    }

    /// The checkpoint watcher, unless the user runs none.
    #[must_use]
    pub const fn watcher(&self) -> Option<&XtWatcher> {
        self.watcher.as_ref()
    }

    /// The open exits, by coin, as the checkpoint layer reads them.
    #[must_use]
    pub const fn open_exits(&self) -> &BTreeMap<u64, ObservedExit> {
        &self.exits
    }

    /// Bytes the user stores for its coins ([`CheckpointBook::stored_bytes`]; none without a book).
    #[must_use]
    pub fn stored_bytes(&self) -> usize {
        self.book.as_ref().map_or(0, |book| book.stored_bytes(self.cash.wallet()))
    }

    /// What finalised checkpoint `id` pruned: the coins, and the bytes kept after.
    #[must_use]
    pub fn pruned_at(&self, id: u64) -> Option<&(Vec<u64>, usize)> {
        self.pruned.get(&id)
    }

    /// The coins pruned, since last asked, because an exit that held them back closed.
    pub fn take_pruned_on_close(&mut self) -> Vec<Vec<u64>> {
        std::mem::take(&mut self.pruned_on_close)
    }

    /// Signs off `coin_id` for `(blknum, state_root)` when the user's own history says the state
    /// `proof` includes ([`CheckpointBook::sign_off`]).
    pub fn sign_off(
        &mut self,
        blknum: BlockNumber,
        state_root: B256,
        coin_id: u64,
        proof: SparseProof,
    ) -> Result<Signature, XtError> {
        let book = self.book.as_mut().ok_or(XtError::NoBook(self.key.address()))?;
        book.sign_off(self.cash.wallet(), &self.key, blknum, state_root, coin_id, proof)
    }

    /// Records the proof of `coin_id`'s leaf under `(blknum, state_root)` that a payer forwarded.
    pub fn learn_state_proof(&mut self, blknum: BlockNumber, state_root: B256, coin_id: u64, proof: SparseProof) {
        if let Some(book) = &mut self.book {
            book.learn_state_proof(blknum, state_root, coin_id, proof);
        }
    }

    /// A payee's check of a coin offered with its plain Cash `history`: every finalised checkpoint
    /// the book knows that sets its bit must state it as the history does, as the leaf proofs
    /// `proof_of` finds show ([`CheckpointBook::check_finalized_states`]).
    pub fn check_cash(
        &self,
        history: &CashHistory,
        proof_of: impl Fn(&ProposedCheckpoint) -> Option<SparseProof>,
    ) -> Result<(), XtError> {
        match &self.book {
            Some(book) => book.check_finalized_states(history, proof_of),
            None => Ok(()),
        }
    }

    /// A payee's check of a coin offered with its checkpoint-started `history`, before the payer
    /// signs: the checkpoint is one it saw finalised, with the same block and root
    /// ([`XtError::NotCheckpointed`] otherwise), and the history verifies against its roots.
    pub fn check_started(&mut self, history: &XtHistory) -> Result<(), XtError> {
        let coin_id = history.coin_id();
        self.cash.learn_deposit(coin_id)?;
        let start = history.start().checkpoint.as_ref().ok_or(XtError::NotCheckpointed(coin_id))?;
        let known = self.book.as_ref().and_then(|book| book.finalized(start.checkpoint_id));
        if !known.is_some_and(|cp| cp.blknum == start.blknum && cp.state_root == start.state_root) {
            return Err(XtError::NotCheckpointed(coin_id));
        }
        history.verify(self.cash.wallet().domain(), self.cash.wallet().roots())?;
        Ok(())
    }

    /// Whether the user's history of `coin_id` starts at a finalised checkpoint.
    #[must_use]
    pub fn starts_at_checkpoint(&self, coin_id: u64) -> bool {
        self.book.as_ref().is_some_and(|book| book.start(coin_id).is_some())
    }

    /// The history the user hands over of `coin_id` from the checkpoint it starts at.
    pub fn started_history(&self, coin_id: u64) -> Result<XtHistory, XtError> {
        let book = self.book.as_ref().ok_or(XtError::NotCheckpointed(coin_id))?;
        book.xt_history(self.cash.wallet(), coin_id)
    }

    /// What the checkpoint layer does with a Cash event: it follows exits and their history
    /// challenges.
    fn follow(&mut self, event: &CashEvent) {
        match event {
            CashEvent::ExitStarted(exit) => {
                self.exits.insert(exit.coin_id, *exit);
            }
            CashEvent::HistoryChallenged(challenge) => {
                if let Some(watcher) = &mut self.watcher {
                    watcher.on_history_challenged(challenge);
                }
            }
            CashEvent::HistoryAnswered(answer) => {
                if let Some(watcher) = &mut self.watcher {
                    watcher.on_history_answered(answer.exit_id, answer.challenge_blk);
                }
            }
            ended => {
                if let Some((coin_id, exit_id, _)) = ended.ended() {
                    if let Some(watcher) = &mut self.watcher {
                        watcher.on_exit_ended(exit_id);
                    }
                    if self.exits.get(&coin_id).is_some_and(|exit| exit.exit_id == exit_id) {
                        self.exits.remove(&coin_id);
                    }
                }
            }
        }
    }

    /// The book learns which exits are open (coin to origin block, from the exits the Cash layer
    /// follows, whoever's: a thief's exit of the user's coin may need the old history to answer a
    /// challenge below the victim's, C-2); coins whose pruning waited for one of them to close are
    /// pruned now and returned.
    pub fn sync_open_exits(&mut self) -> Vec<u64> {
        let (Some(watcher), Some(book)) = (&self.watcher, &mut self.book) else { return Vec::new() };
        let open = watcher.exit_origins(self.cash.open_exits().values());
        book.set_open_exits(self.cash.wallet_mut(), open)
    }

    /// Checkpoint `id` is finalised: the coins it states with the user's state start there, and
    /// their histories are pruned (unless an exit with an older origin holds them back).
    fn on_finalized(&mut self, id: u64) {
        self.closed.insert(id);
        let pruned = self.sync_open_exits();
        if !pruned.is_empty() {
            self.pruned_on_close.push(pruned);
        }
        let (Some(watcher), Some(book)) = (&self.watcher, &mut self.book) else { return };
        let Some(cp) = watcher.proposed(id).cloned() else { return };
        let started = book.on_finalized(self.cash.wallet(), &cp);
        let pruned = book.prune(self.cash.wallet_mut(), &started, cp.blknum);
        let kept = book.stored_bytes(self.cash.wallet());
        self.pruned.insert(id, (pruned, kept));
    }

    /// When the challenges of checkpoint `id` close: `proposedAt + 3Rc`, before it can be
    /// finalised.
    fn challenge_window_closes(&self, id: u64) -> Option<Timestamp> {
        let proposed_at = self.watcher.as_ref()?.proposed_at(id)?;
        let window = proposed_at.saturating_add(3 * self.game.checkpoint_response_period());
        Some(window.min(self.game.finalizable_at(proposed_at)))
    }

    /// The decision of a checkpoint action: a challenge of a bit until the checkpoint's challenge
    /// window closes, a call on an exit until the exit can be processed.
    fn decision(&self, action: &XtAction) -> Option<Decision<XtTag>> {
        let on_exit = |coin_id: &u64| {
            self.exits
                .get(coin_id)
                .map(|exit| (XtTag::Exit { coin_id: exit.coin_id, exit_id: exit.exit_id }, exit.exitable_at))
        };
        let (what, (tag, deadline)) = match action {
            XtAction::ChallengeCheckpoint { checkpoint_id, latest, .. } => (
                format!(
                    "challenges the bit of coin {} on checkpoint {checkpoint_id} with block {}",
                    latest.tx.coinId, latest.blknum
                ),
                (XtTag::Checkpoint(*checkpoint_id), self.challenge_window_closes(*checkpoint_id)?),
            ),
            XtAction::ChallengeCheckpointAfter { checkpoint_id, latest, later, .. } => (
                format!(
                    "challenges the bit of coin {} on checkpoint {checkpoint_id} as a later owner \
                     (block {}, spent to it at {})",
                    latest.tx.coinId, latest.blknum, later.blknum
                ),
                (XtTag::Checkpoint(*checkpoint_id), self.challenge_window_closes(*checkpoint_id)?),
            ),
            XtAction::ChallengeHistoryAtCheckpoint { coin_id, .. } => {
                (format!("challenges the exit of coin {coin_id} with its checkpoint state"), on_exit(coin_id)?)
            }
            XtAction::CancelStale { coin_id, .. } => {
                (format!("cancels the stale exit of coin {coin_id}"), on_exit(coin_id)?)
            }
            XtAction::RespondHistoryAtCheckpoint { coin_id, challenge_blk, .. } => (
                format!("answers the challenge at block {challenge_blk} of coin {coin_id} with its checkpoint state"),
                on_exit(coin_id)?,
            ),
        };
        Some(Decision {
            by: Role::Watcher,
            tag,
            sender: self.key.address(),
            call: action.call(&self.game),
            deadline,
            what,
        })
    }

    fn decisions(&self, actions: &[XtAction]) -> Vec<Decision<XtTag>> {
        actions.iter().filter_map(|action| self.decision(action)).collect()
    }

    /// The checkpoint actions decided from the events read since last asked (proposals, spends
    /// revealed).
    pub fn decisions_from_events(&mut self) -> Vec<Decision<XtTag>> {
        let actions = std::mem::take(&mut self.from_events);
        self.decisions(&actions)
    }

    /// Every open exit judged against the finalised checkpoints, as of `now`: stale exits and
    /// exits built after a state of the user's.
    pub fn judge_exits(&mut self, now: Timestamp) -> Vec<Decision<XtTag>> {
        let (Some(watcher), Some(book)) = (&mut self.watcher, &self.book) else { return Vec::new() };
        let actions = watcher.judge_exits(self.cash.wallet(), book, self.exits.values(), now);
        self.decisions(&actions)
    }

    /// What the user's news calls for against the open checkpoints, and the pending history
    /// challenges of every open exit that the coin's finalised state answers, as of `now`.
    pub fn rechecks(&mut self, now: Timestamp) -> Vec<Decision<XtTag>> {
        let (Some(watcher), Some(book)) = (&mut self.watcher, &self.book) else { return Vec::new() };
        let wallet = self.cash.wallet();
        let mut actions = watcher.recheck(wallet, book, now);
        for exit in self.exits.values() {
            actions.extend(watcher.history_answers(wallet, book, exit, now));
        }
        self.decisions(&actions)
    }

    /// The Cash layer takes the Cash events it has not read yet; returns the answers on the user's
    /// own exits they call for.
    pub fn catch_up(&mut self) -> Vec<Decision<XtTag>> {
        let backlog = std::mem::take(&mut self.backlog);
        let mut decisions = Vec::new();
        for (event, at) in backlog {
            decisions.extend(self.cash.on_game_event(&event, at));
        }
        decisions.into_iter().map(cash_decision).collect()
    }

    /// The Cash layer's decisions at `now` ([`CashClient::due`]).
    pub fn cash_due(&mut self, now: Timestamp) -> Vec<Decision<XtTag>> {
        self.cash.due(now).into_iter().map(cash_decision).collect()
    }

    /// The user's own exits of `scope`: from its checkpoint for a coin that starts at one, as in
    /// Plasma Cash otherwise; coins whose exit is open are left out unless `again`.
    pub fn exit_plan(&self, scope: ExitScope, again: bool) -> Result<ExitPlan, XtError> {
        let Some(book) = &self.book else {
            let mut claims = self.cash.wallet().exit_claims();
            if scope == ExitScope::Newest {
                claims = claims.pop().into_iter().collect();
            }
            let open = self.cash.open_exits();
            let cash = claims
                .iter()
                .filter(|claim| again || !open.contains_key(&claim.coin_id()))
                .map(|claim| (claim.coin_id(), self.game.cash.exit_call(claim)))
                .collect();
            return Ok((Vec::new(), cash));
        };
        let wallet = self.cash.wallet();
        let mut coins = wallet.owned_coins();
        coins.extend(wallet.learned_payments().keys().filter(|coin| !wallet.owns(**coin)));
        if scope == ExitScope::Newest {
            coins = coins.pop().into_iter().collect();
        }
        coins.retain(|coin| again || !self.cash.open_exits().contains_key(coin));
        let (mut checkpointed, mut cash) = (Vec::new(), Vec::new());
        for coin in coins {
            match book.exit_claim(wallet, coin)? {
                Some(exit) => checkpointed.push((coin, self.game.start_checkpoint_exit_call(&exit))),
                None => cash.extend(wallet.exit_claim(coin).ok().map(|claim| (coin, self.game.cash.exit_call(&claim)))),
            }
        }
        Ok((checkpointed, cash))
    }
}

/// A Cash layer decision, as XT tags it.
fn cash_decision(decision: Decision<CashTag>) -> Decision<XtTag> {
    Decision {
        by: decision.by,
        tag: XtTag::Cash(decision.tag),
        sender: decision.sender,
        call: decision.call,
        deadline: decision.deadline,
        what: decision.what,
    }
}

impl UserClient<Xt> for XtClient {
    fn user(&self) -> Address {
        self.key.address()
    }

    /// The checkpoint layer takes every event now; the Cash layer's events wait for its next look
    /// ([`XtClient::catch_up`]).
    fn on_event(&mut self, event: &ChainEvent<XtEvent>, at: Timestamp) -> Result<Vec<Decision<XtTag>>, XtError> {
        match event {
            ChainEvent::Framework(framework) => self.cash.on_framework_event(framework)?,
            ChainEvent::Game(XtEvent::Cash(cash)) => {
                self.follow(cash);
                self.backlog.push((cash.clone(), at));
            }
            ChainEvent::Game(XtEvent::CheckpointProposed { checkpoint, finalizable_at }) => {
                let proposed_at = finalizable_at.saturating_sub(self.game.checkpoint_period);
                if let (Some(watcher), Some(book)) = (&mut self.watcher, &self.book) {
                    let found = watcher.on_proposed(self.cash.wallet(), book, checkpoint.clone(), proposed_at, at);
                    self.from_events.extend(found);
                }
            }
            ChainEvent::Game(XtEvent::CheckpointFinalized { checkpoint_id, .. }) => self.on_finalized(*checkpoint_id),
            ChainEvent::Game(XtEvent::CheckpointVoided { checkpoint_id, .. }) => {
                self.closed.insert(*checkpoint_id);
            }
            ChainEvent::Game(XtEvent::SpendRevealed { checkpoint_id, spend, sig }) => {
                // The answer publishes a spend: its payee learns it and challenges with it (C-3).
                if let (Some(watcher), Some(book)) = (&mut self.watcher, &self.book) {
                    let found = watcher.on_spend_revealed(self.cash.wallet_mut(), book, *checkpoint_id, spend, sig, at);
                    self.from_events.extend(found);
                }
            }
            ChainEvent::Game(XtEvent::ExitOriginSet { exit_id, blknum, .. }) => {
                if let Some(watcher) = &mut self.watcher {
                    watcher.on_exit_origin(*exit_id, *blknum);
                }
            }
            ChainEvent::Game(XtEvent::HistoryAnsweredAtCheckpoint { exit_id, challenge_blk, .. }) => {
                if let Some(watcher) = &mut self.watcher {
                    watcher.on_history_answered(*exit_id, *challenge_blk);
                }
            }
            ChainEvent::Game(
                XtEvent::CheckpointChallenged { .. }
                | XtEvent::CheckpointAnswered { .. }
                | XtEvent::CheckpointCapped(_),
            ) => {}
        }
        Ok(Vec::new())
    }

    fn next_block_wanted(&self) -> Option<BlockNumber> {
        self.cash.next_block_wanted()
    }

    fn on_block_data(
        &mut self,
        blknum: BlockNumber,
        data: Option<&CashBlock>,
        _now: Timestamp,
    ) -> Result<Vec<Decision<XtTag>>, XtError> {
        self.cash.judge_block(blknum, data)?;
        Ok(Vec::new())
    }

    /// The checkpoint layer decides, then the Cash layer catches up and decides; the book learns
    /// which exits are open.
    fn tick(&mut self, now: Timestamp) -> Result<Vec<Decision<XtTag>>, XtError> {
        let mut decisions = self.decisions_from_events();
        decisions.extend(self.judge_exits(now));
        decisions.extend(self.rechecks(now));
        decisions.extend(self.catch_up());
        decisions.extend(self.cash_due(now));
        let pruned = self.sync_open_exits();
        if !pruned.is_empty() {
            self.pruned_on_close.push(pruned);
        }
        Ok(decisions)
    }

    fn still_wanted(&self, tag: &XtTag) -> bool {
        match tag {
            XtTag::Cash(tag) => self.cash.still_wanted(tag),
            XtTag::Checkpoint(id) => {
                !self.closed.contains(id) && self.watcher.as_ref().is_some_and(|w| w.proposed(*id).is_some())
            }
            XtTag::Exit { coin_id, exit_id } => self.exits.get(coin_id).is_some_and(|exit| exit.exit_id == *exit_id),
            XtTag::CheckpointExit(coin_id) => !self.cash.open_exits().contains_key(coin_id),
            XtTag::Answer { .. } | XtTag::Finalize(_) => false,
        }
    }

    fn on_action_done(&mut self, _tag: &XtTag) {}

    fn pay(&mut self, to: Address, amount: U256) -> Result<SignedCashTx, XtError> {
        Ok(self.cash.pay(to, amount)?)
    }

    fn cancel(&mut self, tx: &SignedCashTx) {
        self.cash.cancel(tx);
    }

    /// A coin that starts at a finalised checkpoint is handed over from that checkpoint once the
    /// payment is included (nothing is announced: the payee checked that history before the payer
    /// signed); any other coin as in Plasma Cash.
    fn hand_over(
        &mut self,
        tx: &SignedCashTx,
        included: Option<(BlockNumber, &CashBlock)>,
    ) -> Result<Option<Handover>, XtError> {
        let coin_id = tx.tx.coinId;
        if !self.starts_at_checkpoint(coin_id) {
            return Ok(self.cash.hand_over(tx, included)?.map(Handover::Cash));
        }
        let Some((blknum, _)) = included else { return Ok(None) };
        let paid = self.cash.wallet().history(coin_id).and_then(|h| h.move_at(blknum)).is_some_and(|m| m.tx == tx);
        if !paid {
            return Ok(None);
        }
        Ok(Some(Handover::CheckpointStarted(self.started_history(coin_id)?)))
    }

    /// Takes a Cash handover as Plasma Cash does; a checkpoint-started history after checking it
    /// against the finalised checkpoint it starts at ([`CheckpointBook::adopt`]). A user without a
    /// book adopts it as it is.
    fn receive(&mut self, handover: &Handover) -> Result<Vec<Decision<XtTag>>, XtError> {
        match handover {
            Handover::Cash(handover) => {
                self.cash.receive(handover)?;
            }
            Handover::CheckpointStarted(history) => {
                self.cash.learn_deposit(history.coin_id())?;
                match &mut self.book {
                    Some(book) => {
                        book.adopt(self.cash.wallet_mut(), history.clone())?;
                    }
                    None => {
                        self.cash.wallet_mut().adopt_verified(crate::history::to_cash(history)?)?;
                    }
                }
            }
        }
        Ok(Vec::new())
    }

    fn exits(&self, scope: ExitScope, now: Timestamp) -> Result<Vec<Decision<XtTag>>, XtError> {
        let (checkpointed, cash) = self.exit_plan(scope, false)?;
        let user = self.key.address();
        let deadline = now + self.game.cash.min_exit_period;
        let from_checkpoint = checkpointed.into_iter().map(|(coin, call)| Decision {
            by: Role::Owner,
            tag: XtTag::CheckpointExit(coin),
            sender: user,
            call,
            deadline,
            what: format!("exits coin {coin} from its checkpoint"),
        });
        let as_cash = cash.into_iter().map(|(coin, call)| Decision {
            by: Role::Owner,
            tag: XtTag::Cash(CashTag::OwnExit(coin)),
            sender: user,
            call,
            deadline,
            what: format!("exits coin {coin}"),
        });
        Ok(from_checkpoint.chain(as_cash).collect())
    }

    fn balance(&self) -> U256 {
        self.cash.balance()
    }
}
