//! Plasma Debit (`plasma-debit`) as a scenario variant: the operator, one wallet per actor, the
//! honest users' watchers, the operator's channel watcher, and `DebitExitGame` on the root chain.
//!
//! A `transfer` step becomes what a Debit client would do with it: a payment to the operator is a
//! channel update both co-sign off chain; a payment from the operator raises the payee's balance
//! in a co-signed state, or hands the payee a coin the operator holds stating the amount as its
//! balance; between users, a coin whose balance is exactly the amount changes hands (an ownership
//! transfer, as in Plasma Cash), else an atomic payment debits the payer's coin and credits a
//! coin of the payee with room, which the operator first hands out (an operator deposit of the
//! amount, a block of its own) when the payee has none.
//!
//! Honest users' watchers act on their own, as in the Cash variant: the three Cash challenges on
//! legs, answers to history challenges, and the channel challenge with their latest co-signed
//! state. The operator always answers channel challenges and corrects exits started on stale
//! states with its latest co-signed state (its own interest), except for coins a `stale-state`
//! fault with `answered = false` names. Cheaters (the operator and the `colluding` actors) run no
//! watcher and exit from the operator's block data; the operator answers history challenges
//! against their exits as late as it may. A recipient told of a handover learns it from such an
//! answer when the operator hid it in a withheld block (`rearrange`), challenges with it and later
//! exits from it, as in the Cash variant. The Cash variant's types (coins moved whole, `CashTx`)
//! do not carry balances, nonces or two-key payments, so this adapter shares only the `World`
//! chores and the late-answer timing with it, not its code.

use plasma_debit::tx::DebitTxExt as _;
use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolEvent;
use plasma_contracts::{DebitExitGame, PlasmaFramework};
use plasma_core::{Capabilities, ChildChain, DepositEvent, GameCall};
use plasma_debit::{
    Action, ChannelState, DebitExit, DebitGame, DebitOperator, DebitWallet, DepositRecord, ExitArgs, Leg,
    ObservedChannelChallenge, ObservedExit, ObservedHistoryAnswer, ObservedHistoryChallenge, SignedDebitTx,
    abi::IDebitExitGame as Game,
    game::{LegSpend, no_parent},
    tx::{DebitTx, sign},
    watcher,
};
use plasma_rootchain::RootChain;

use super::{Decided, WatcherOutbox};
use crate::{Error, ExitCounts, ExitWhat, Fault, Support, Variant, World};

/// The exit bond: 0.02 ETH, as for Cash.
pub const EXIT_BOND: U256 = U256::from_limbs([20_000_000_000_000_000, 0, 0, 0]);
/// The bond of a history or channel challenge, equal to the exit bond.
pub const CHALLENGE_BOND: U256 = EXIT_BOND;

const NAME: &str = "debit";

/// The id of the coin the `mint` fault makes up (no scenario reaches deposit 999).
const MINTED_COIN: u64 = 999;

fn err(message: impl std::fmt::Display) -> Error {
    Error::Variant { variant: NAME, message: message.to_string() }
}

/// An exit open on the root chain, as the events told it.
#[derive(Clone, Debug)]
struct OpenExit {
    exit: ObservedExit,
    channel: Option<ObservedChannelChallenge>,
    history: Vec<ObservedHistoryChallenge>,
}

/// Plasma Debit, driven by scenarios.
pub struct DebitVariant {
    game: DebitGame,
    operator: Option<DebitOperator>,
    wallets: BTreeMap<String, DebitWallet>,
    /// Actors running a watcher.
    honest: BTreeSet<String>,
    records: BTreeMap<u64, DepositRecord>,
    capacity: BTreeMap<u64, u128>,
    /// Every co-signed state, by coin, oldest first.
    states: BTreeMap<u64, Vec<ChannelState>>,
    /// Exit arguments of coins each actor handed away (what a cheater exits with `spent`).
    spent: BTreeMap<String, Vec<ExitArgs>>,
    /// Ownership transfers waiting for their block: coin, payer, payee.
    transfers: Vec<(u64, String, String)>,
    /// Atomic payments waiting for their block: payer's coin, payee's coin.
    payments: Vec<(u64, u64)>,
    /// Coins with a transaction in the pending block.
    busy: BTreeSet<u64>,
    open: BTreeMap<u64, OpenExit>,
    /// Coins whose channel challenges and stale exits the operator leaves unanswered.
    silent: BTreeSet<u64>,
    /// Coins the operator minted from nothing: beneficiary, coin id, claimed amount.
    minted: Vec<(String, u64, U256)>,
    withhold_next: bool,
    /// Watcher calls already sent, so that none is sent twice.
    done: BTreeSet<String>,
    /// Every exit started, by holder: the coins (what `spend-exited` spends).
    exited: BTreeMap<Address, Vec<u64>>,
    /// Decided actions of the watchers and the operator, by the exit they are about.
    outbox: WatcherOutbox<u128>,
    log_cursor: u64,
}

impl Default for DebitVariant {
    fn default() -> Self {
        Self::new()
    }
}

impl DebitVariant {
    /// A fresh instance, deployed by [`Variant::deploy`].
    pub fn new() -> Self {
        Self {
            game: DebitGame::new(EXIT_BOND, CHALLENGE_BOND),
            operator: None,
            wallets: BTreeMap::new(),
            honest: BTreeSet::new(),
            records: BTreeMap::new(),
            capacity: BTreeMap::new(),
            states: BTreeMap::new(),
            spent: BTreeMap::new(),
            transfers: Vec::new(),
            payments: Vec::new(),
            busy: BTreeSet::new(),
            open: BTreeMap::new(),
            silent: BTreeSet::new(),
            minted: Vec::new(),
            withhold_next: false,
            done: BTreeSet::new(),
            exited: BTreeMap::new(),
            outbox: WatcherOutbox::default(),
            log_cursor: 0,
        }
    }

    fn operator(&self) -> Result<&DebitOperator, Error> {
        self.operator.as_ref().ok_or_else(|| err("not deployed"))
    }

    fn operator_mut(&mut self) -> Result<&mut DebitOperator, Error> {
        self.operator.as_mut().ok_or_else(|| err("not deployed"))
    }

    fn wallet(&self, name: &str) -> Result<&DebitWallet, Error> {
        self.wallets.get(name).ok_or_else(|| err(format!("no wallet for {name}")))
    }

    fn wallet_mut(&mut self, name: &str) -> Result<&mut DebitWallet, Error> {
        self.wallets.get_mut(name).ok_or_else(|| err(format!("no wallet for {name}")))
    }

    fn is_cheater(world: &World, name: &str) -> bool {
        name == "operator" || world.colluding.iter().any(|c| c == name)
    }

    fn name_of(world: &World, address: Address) -> Option<String> {
        world.everyone().find(|a| a.address == address).map(|a| a.name.clone())
    }

    /// Records a deposit: the operator's coin and the depositor's wallet. Other wallets learn the
    /// deposit root when they receive the coin (as a light client reads that one deposit event
    /// then), so the work per deposit does not grow with the number of wallets.
    fn record_deposit(&mut self, deposit: &DepositEvent) -> Result<u64, Error> {
        let coin_id = self.operator_mut()?.apply_deposit(deposit).map_err(err)?;
        let record = DepositRecord::new(coin_id, deposit.depositor, deposit.amount);
        if let Some(wallet) = self.wallets.values_mut().find(|wallet| wallet.address() == deposit.depositor) {
            wallet.on_deposit(record).map_err(err)?;
        }
        self.records.insert(coin_id, record);
        self.capacity.insert(coin_id, deposit.amount.saturating_to());
        Ok(coin_id)
    }

    /// `name`'s wallet learns the deposit root of `coin_id` before it checks or receives the coin.
    fn learn_deposit(&mut self, name: &str, coin_id: u64) -> Result<(), Error> {
        let record = self.records.get(&coin_id).copied().ok_or_else(|| err(format!("no deposit of coin {coin_id}")))?;
        self.wallet_mut(name)?.learn_root(coin_id, record.root());
        Ok(())
    }

    /// The coins `name` holds on its verified history, usable now (current, no pending
    /// transaction, no open exit), with their `(balance, capacity)`.
    fn usable(&self, world: &World, name: &str) -> Result<Vec<(u64, u128, u128)>, Error> {
        let wallet = self.wallet(name)?;
        let me = world.actor(name)?.address;
        let mut coins = Vec::new();
        for coin in wallet.coin_ids() {
            let held = wallet.tip(coin).is_ok_and(|tip| tip.owner == me);
            if !held || !wallet.is_current(coin) || self.busy.contains(&coin) || self.open.contains_key(&coin) {
                continue;
            }
            let (balance, _) = wallet.balance(coin).map_err(err)?;
            coins.push((coin, balance, self.capacity.get(&coin).copied().unwrap_or(0)));
        }
        Ok(coins)
    }

    /// Seals the pending transactions, commits the root (withheld or not) and lets every wallet
    /// learn it.
    async fn commit(&mut self, world: &mut World, withhold: bool) -> Result<u64, Error> {
        let block = self.operator_mut()?.build_block().map_err(err)?;
        let submitted = world.submit_block(plasma_core::ChildBlock::root(&block)).await?;
        if withhold {
            self.operator_mut()?.withhold(submitted.blknum);
            world.log.push(format!("operator withholds block {}", submitted.blknum));
        }
        self.operator_mut()?.on_block_submitted(&submitted).map_err(err)?;
        for wallet in self.wallets.values_mut() {
            wallet.learn_root(submitted.blknum, submitted.root);
        }
        self.busy.clear();
        self.payments.clear();
        Ok(submitted.blknum)
    }

    /// Every wallet extends its histories with the published blocks; payers of included
    /// ownership transfers hand the history to the new holder, who verifies it.
    fn deliver(&mut self, world: &mut World) -> Result<(), Error> {
        let operator = self.operator.as_ref().ok_or_else(|| err("not deployed"))?;
        for (name, wallet) in &mut self.wallets {
            let report = wallet.sync(operator).map_err(err)?;
            if self.honest.contains(name) {
                for (coin, blknum, why) in report.invalid {
                    world.log.push(format!("{name}'s wallet refuses block {blknum} of coin {coin}: {why}"));
                }
            }
        }
        for (coin, payer, payee) in std::mem::take(&mut self.transfers) {
            let to = world.actor(&payee)?.address;
            let payer_wallet = self.wallet(&payer)?;
            if payer_wallet.coin(coin).is_none_or(|c| c.history.owner() != to) {
                self.transfers.push((coin, payer, payee));
                continue;
            }
            let history = payer_wallet.coin(coin).map(|c| c.history.clone()).ok_or_else(|| err("no history"))?;
            let capacity = self.capacity.get(&coin).copied().unwrap_or(0);
            self.learn_deposit(&payee, coin)?;
            self.wallet_mut(&payee)?.receive(history, capacity).map_err(err)?;
        }
        Ok(())
    }

    /// A single-coin leg of `coin` from `name`'s wallet: next nonce, `prevBlock` the last move.
    fn next_leg(&self, name: &str, coin_id: u64, owner: Address, balance: u128) -> Result<Leg, Error> {
        let wallet = self.wallet(name)?;
        let tip = wallet.tip(coin_id).map_err(err)?;
        let (_, nonce) = wallet.balance(coin_id).map_err(err)?;
        Ok(Leg { coin_id, prev_block: tip.last_moved, owner, balance, nonce: nonce + 1 })
    }

    /// `from` hands coin `coin_id` to `to`, stating `balance` (the new holder checks the history).
    fn hand_over(&mut self, world: &World, from: &str, to: &str, coin_id: u64, balance: u128) -> Result<(), Error> {
        let payee = world.actor(to)?.address;
        let history = self.wallet(from)?.coin(coin_id).map(|c| c.history.clone()).ok_or_else(|| err("no coin"))?;
        self.learn_deposit(to, coin_id)?;
        let recipient = self.wallet(to)?;
        let capacity = self.capacity.get(&coin_id).copied().unwrap_or(0);
        let current = plasma_debit::DebitHistory::next_child_block(recipient.roots(), history.covered_through());
        plasma_debit::history::verify(&history, &world.domain(), recipient.roots(), capacity)
            .map_err(|why| err(format!("{to} cannot verify the history of coin {coin_id}: {why}")))?;
        if let Some((blknum, _)) = current {
            return Err(err(format!("{to} cannot verify coin {coin_id}: its history stops before block {blknum}")));
        }
        let claim = self.wallet(from)?.exit_args(coin_id).map_err(err)?;
        let tx = DebitTx::single(self.next_leg(from, coin_id, payee, balance)?);
        let signed = SignedDebitTx::new(tx, vec![sign(&tx, &world.domain(), &world.actor(from)?.key)]);
        self.operator_mut()?.submit(signed).map_err(err)?;
        self.wallet_mut(to)?.expect_payment(&tx, history).map_err(err)?;
        self.spent.entry(from.to_owned()).or_default().push(claim);
        self.busy.insert(coin_id);
        self.transfers.push((coin_id, from.to_owned(), to.to_owned()));
        Ok(())
    }

    /// `holder` and the operator co-sign a new balance of `coin_id`.
    fn update_channel(&mut self, holder: &str, coin_id: u64, balance: u128) -> Result<(), Error> {
        let (tx, sig) = self.wallet_mut(holder)?.propose_state(coin_id, balance).map_err(err)?;
        let state = self.operator_mut()?.cosign(tx, sig).map_err(err)?;
        self.wallet_mut(holder)?.store_state(state).map_err(err)?;
        self.states.entry(coin_id).or_default().push(state);
        Ok(())
    }

    /// An atomic payment of `amount` from `payer`'s coin to `payee`'s coin, signed by both.
    fn pay(&mut self, payer: (&str, u64), payee: (&str, u64), amount: u128) -> Result<(), Error> {
        let invoice = self.wallet(payee.0)?.invoice(payee.1, amount).map_err(err)?;
        let (tx, payer_sig) = self.wallet_mut(payer.0)?.pay(payer.1, &invoice).map_err(err)?;
        let payee_sig = self.wallet_mut(payee.0)?.accept_payment(&tx, payee.1, amount).map_err(err)?;
        self.operator_mut()?.submit(SignedDebitTx::new(tx, vec![payer_sig, payee_sig])).map_err(err)?;
        self.busy.extend([payer.1, payee.1]);
        self.payments.push((payer.1, payee.1));
        Ok(())
    }

    /// The operator deposits `amount` and hands the new coin to `to` with balance 0, in a block of
    /// its own: a channel with room for `amount`.
    async fn open_channel_for(&mut self, world: &mut World, to: &str, amount: U256) -> Result<u64, Error> {
        let deposit = world.deposit("operator", amount).await?;
        let coin_id = self.record_deposit(&deposit)?;
        self.hand_over(world, "operator", to, coin_id, 0)?;
        self.commit(world, false).await?;
        self.deliver(world)?;
        world.log.push(format!("operator hands {to} coin {coin_id} with room for {amount} wei"));
        Ok(coin_id)
    }

    /// What `name` exits from the operator's block data: the newest block that holds something at
    /// coin `coin_id`'s key, and that entry's parent.
    fn claim_from_operator(&self, coin_id: u64, record: DepositRecord) -> Result<ExitArgs, Error> {
        let operator = self.operator()?;
        let newest = operator.block_numbers().filter(|b| operator.block(*b).is_some_and(|x| x.tx(coin_id).is_some()));
        let Some(blknum) = newest.last() else { return Ok(ExitArgs::Deposit(record)) };
        let block = operator.block(blknum).ok_or_else(|| err("no block"))?;
        let signed = block.tx(coin_id).ok_or_else(|| err("no tx"))?;
        let exiting_sig = signed.sig_for(coin_id).ok_or_else(|| err("no signature"))?;
        let leg = signed.tx.leg(coin_id).ok_or_else(|| err("no leg"))?;
        let exiting = block.included(coin_id, blknum).map_err(err)?;
        let parent = if leg.prev_block == coin_id {
            no_parent()
        } else {
            let parent_block = operator.block(leg.prev_block).ok_or_else(|| err("no parent block"))?;
            parent_block.included(coin_id, leg.prev_block).map_err(err)?
        };
        Ok(ExitArgs::Move(Box::new(DebitExit { record, parent, exiting, exiting_sig })))
    }

    /// The coin the operator's newest block touches (the last transaction's first coin).
    fn newest_operator_coin(&self) -> Result<u64, Error> {
        let operator = self.operator()?;
        let blknum = operator.block_numbers().last().ok_or_else(|| err("no block yet"))?;
        let block = operator.block(blknum).ok_or_else(|| err("no block"))?;
        let tx = block.txs().last().ok_or_else(|| err(format!("block {blknum} is empty")))?;
        Ok(tx.tx.coinId)
    }

    fn record_of(&self, coin_id: u64) -> Result<DepositRecord, Error> {
        self.records.get(&coin_id).copied().ok_or_else(|| err(format!("no deposit record of coin {coin_id}")))
    }

    fn exit_call(&self, args: &ExitArgs) -> GameCall {
        match args {
            ExitArgs::Deposit(record) => self.game.start_deposit_exit_call(record),
            ExitArgs::Move(exit) => self.game.start_exit_call(exit),
        }
    }

    /// Starts exits of `claims` from `owner`; with `must_fail`, every one must be refused.
    async fn start_exits(
        &mut self,
        world: &mut World,
        owner: &str,
        claims: Vec<ExitArgs>,
        must_fail: bool,
    ) -> Result<Vec<ObservedExit>, Error> {
        if claims.is_empty() {
            return Err(err(format!("{owner} has nothing to exit")));
        }
        let from = world.actor(owner)?.address;
        let mut started = Vec::new();
        for claim in claims {
            let coin = match &claim {
                ExitArgs::Deposit(record) => record.coin_id,
                ExitArgs::Move(exit) => exit.record.coin_id,
            };
            let receipt = world.game_call(from, &self.exit_call(&claim)).await?;
            let why = receipt.revert_reason.clone().unwrap_or_default();
            match (receipt.success, must_fail) {
                (true, false) => world.log.push(format!("{owner} exits coin {coin}")),
                (false, true) => world.log.push(format!("{owner}'s exit of coin {coin} refused: {why}")),
                (true, true) => return Err(err(format!("the exit of coin {coin} by {owner} had to be refused"))),
                (false, false) => return Err(err(format!("{owner} cannot exit coin {coin}: {why}"))),
            }
            let event = receipt.logs.iter().find_map(|log| Game::ExitStarted::decode_log(log).ok());
            started.extend(event.map(|e| ObservedExit::from(&e.data)));
        }
        Ok(started)
    }

    /// Reads the events since the last look and updates the open exits.
    async fn ingest(&mut self, world: &mut World) -> Result<(), Error> {
        let logs = world.new_logs(&mut self.log_cursor).await?;
        for entry in logs {
            let log = &entry.log;
            if let Ok(event) = Game::ExitStarted::decode_log(log) {
                let exit = ObservedExit::from(&event.data);
                self.exited.entry(exit.holder).or_default().push(exit.coin_id);
                self.open.insert(exit.coin_id, OpenExit { exit, channel: None, history: Vec::new() });
                for wallet in self.wallets.values_mut() {
                    wallet.on_exit_started(exit.coin_id);
                }
            } else if let Ok(event) = Game::ChannelChallenged::decode_log(log) {
                if let Some(open) = self.open.get_mut(&event.coinId) {
                    open.channel = Some(ObservedChannelChallenge::from(&event.data));
                }
            } else if let Ok(event) = Game::ChannelAnswered::decode_log(log) {
                if let Some(open) = self.open.get_mut(&event.coinId) {
                    (open.exit.nonce, open.exit.balance, open.channel) = (event.nonce, event.balance, None);
                }
            } else if let Ok(event) = Game::HistoryChallenged::decode_log(log) {
                if let Some(open) = self.open.get_mut(&event.coinId) {
                    open.history.push(ObservedHistoryChallenge::from(&event.data));
                }
            } else if let Ok(event) = Game::HistoryChallengeAnswered::decode_log(log) {
                if let Some(open) = self.open.get_mut(&event.coinId) {
                    open.history.retain(|c| c.blknum != event.challengeBlk);
                }
                self.learn_from_answer(world, &ObservedHistoryAnswer::from(&event.data));
            } else if let Some(coin_id) = exit_ended(log) {
                self.open.remove(&coin_id);
                let paid = Game::ExitFinalized::decode_log(log).is_ok_and(|event| event.paid);
                for wallet in self.wallets.values_mut() {
                    if paid {
                        wallet.on_exit_paid(coin_id);
                    }
                    wallet.on_exit_ended(coin_id);
                }
            }
        }
        Ok(())
    }

    /// Honest wallets learn the handover an answer to a history challenge reveals to them.
    fn learn_from_answer(&mut self, world: &mut World, answer: &ObservedHistoryAnswer) {
        for (name, wallet) in self.wallets.iter_mut().filter(|(name, _)| self.honest.contains(*name)) {
            if let Some(coin) = watcher::on_history_answered(wallet, answer) {
                world.log.push(format!(
                    "{name}'s watcher learns the handover of coin {coin} at block {} from the answer",
                    answer.response.blknum
                ));
            }
        }
    }

    /// Decides `action` from `name` once per exit into the outbox and sends what is due; a lost
    /// or reverted send is sent again at every look until the exit can be processed, and
    /// withdrawn once the exit ended.
    async fn send_once(&mut self, world: &mut World, name: &str, exit_id: u128, action: Action) -> Result<(), Error> {
        let now = world.chain.block_time().await?;
        let period = world.min_exit_period;
        // The game's own windows: history and channel challenges until `startedAt + 3R`, a history
        // answer until its challenge's deadline, everything else until processing.
        let deadline = self.open.values().find(|open| open.exit.exit_id == exit_id).map(|open| {
            let exitable = open.exit.exitable_at;
            let window = plasma_cash::game::history_window_closes(exitable.saturating_sub(period), period);
            match &action {
                Action::ChallengeHistory { .. } | Action::ChallengeChannel(_) => exitable.min(window),
                Action::RespondHistory { challenge_blk, .. } => open
                    .history
                    .iter()
                    .find(|c| c.blknum == *challenge_blk)
                    .map_or(exitable, |c| c.deadline.min(exitable)),
                _ => exitable,
            }
        });
        if let Some(deadline) = deadline
            && self.done.insert(format!("{exit_id}:{action:?}"))
        {
            let decided = Decided {
                sender: world.actor(name)?.address,
                who: name.to_string(),
                call: action.call(&self.game),
                what: describe(&action),
                tag: exit_id,
            };
            self.outbox.decide(decided, deadline, now);
        }
        let open = &self.open;
        self.outbox.retain(|d| open.values().any(|o| o.exit.exit_id == d.tag));
        self.outbox.flush(world).await?;
        Ok(())
    }

    /// The operator answers channel challenges and corrects stale exits with its latest
    /// co-signed state (unless the coin is silent).
    async fn operator_round(&mut self, world: &mut World) -> Result<(), Error> {
        let mut actions = Vec::new();
        for open in self.open.values().filter(|open| !self.silent.contains(&open.exit.coin_id)) {
            let found = match &open.channel {
                Some(challenge) => watcher::operator_on_channel_challenge(self.operator()?, challenge),
                None => watcher::operator_on_exit(self.operator()?, &open.exit),
            };
            actions.extend(found.into_iter().map(|a| (open.exit.exit_id, a)));
        }
        for (exit_id, action) in actions {
            self.send_once(world, "operator", exit_id, action).await?;
        }
        Ok(())
    }

    /// Honest watchers: the Cash challenges on legs and the channel challenge against exits of
    /// coins they hold or held, and answers to history challenges (the exit's holder first).
    async fn holder_round(&mut self, world: &mut World) -> Result<(), Error> {
        let mut actions = Vec::new();
        for open in self.open.values() {
            let exit = &open.exit;
            let holder = Self::name_of(world, exit.holder);
            let mut names: Vec<&String> = self.honest.iter().collect();
            names.sort_by_key(|name| Some(*name) != holder.as_ref());
            for name in names {
                let wallet = self.wallet(name)?;
                let own = Some(name) == holder.as_ref();
                for action in watcher::holder_actions(wallet, exit) {
                    // Only a holder's history covers the blocks an invalid-history challenge
                    // judges; a past holder's stops at its transfer.
                    let holds = wallet.held_coins().contains(&exit.coin_id);
                    let wanted = match &action {
                        Action::ChallengeChannel(_) => own && open.channel.is_none(),
                        Action::ChallengeHistory { .. } => {
                            !own && (holds || wallet.learned_payment(exit.coin_id).is_some())
                        }
                        _ => !own,
                    };
                    if wanted {
                        actions.push((name.clone(), exit.exit_id, action));
                    }
                }
                for challenge in &open.history {
                    for action in watcher::history_responses(wallet, challenge, exit.prev_blk) {
                        actions.push((name.clone(), exit.exit_id, action));
                    }
                }
            }
        }
        for (name, exit_id, action) in actions {
            if self.open.values().any(|open| open.exit.exit_id == exit_id) {
                self.send_once(world, &name, exit_id, action).await?;
                self.ingest(world).await?;
            }
        }
        Ok(())
    }

    /// The operator answers history challenges against its accomplices' exits with whatever its
    /// blocks hold, at the last watcher round before each deadline.
    async fn answer_late(&mut self, world: &mut World) -> Result<(), Error> {
        let now = world.chain.block_time().await?;
        let mut due = Vec::new();
        for open in self.open.values() {
            let cheats = Self::name_of(world, open.exit.holder).is_some_and(|n| Self::is_cheater(world, &n));
            if !cheats {
                continue;
            }
            for challenge in open.history.iter().filter(|c| super::answer_is_due(now, c.deadline)) {
                if let Some(response) = self.operator_answer(challenge, open.exit.prev_blk)? {
                    due.push((open.exit.exit_id, challenge.blknum, response));
                }
            }
        }
        for (exit_id, challenge_blk, response) in due {
            self.send_once(world, "operator", exit_id, Action::RespondHistory { challenge_blk, response }).await?;
        }
        Ok(())
    }

    /// A direct child of the challenged leg, signed by the challenge's owner, in the operator's
    /// blocks up to `prev_blk`.
    fn operator_answer(&self, challenge: &ObservedHistoryChallenge, prev_blk: u64) -> Result<Option<LegSpend>, Error> {
        let operator = self.operator()?;
        let coin_id = challenge.coin_id;
        for blknum in operator.block_numbers().filter(|b| *b > challenge.blknum && *b <= prev_blk) {
            let Some(block) = operator.block(blknum) else { continue };
            let Some(signed) = block.tx(coin_id) else { continue };
            let leg_ok = signed.tx.leg(coin_id).is_some_and(|leg| leg.prev_block == challenge.blknum);
            let signer = signed.signer_for(operator.domain(), coin_id);
            if leg_ok && signer.is_ok_and(|s| s == challenge.owner) {
                let sig = signed.sig_for(coin_id).ok_or_else(|| err("no signature"))?;
                return Ok(Some(LegSpend { coin_id, spend: block.included(coin_id, blknum).map_err(err)?, sig }));
            }
        }
        Ok(None)
    }

    /// The rearrangement attack of protocols.md 3.6 on every pending ownership transfer, as the
    /// Cash variant does it: the transfer goes into a withheld block, a forged spend of the coin to
    /// `beneficiary` (signed by it) into a later withheld block, and `beneficiary`'s transfer to
    /// itself into a third.
    async fn rearrange(&mut self, world: &mut World, beneficiary: &str) -> Result<(), Error> {
        let transfers = std::mem::take(&mut self.transfers);
        if transfers.is_empty() {
            return Err(err("the rearrangement needs a pending ownership transfer"));
        }
        for (coin_id, ..) in &transfers {
            let held = self.operator_mut()?.hold_back(*coin_id).ok_or_else(|| err("transfer not queued"))?;
            self.operator_mut()?.include_unchecked(held).map_err(err)?;
        }
        self.commit(world, true).await?;
        for hop in [beneficiary, beneficiary] {
            for (coin_id, ..) in &transfers {
                let tx = self.forged(world, *coin_id, hop, beneficiary)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            self.commit(world, true).await?;
        }
        Ok(())
    }

    /// A second spend of the newest coin `owner` handed away, to `to`, signed by `signer`: it
    /// spends the same state as that transfer.
    fn spend_again(&self, world: &World, owner: &str, to: &str, signer: &str) -> Result<SignedDebitTx, Error> {
        let claim = self.spent.get(owner).and_then(|c| c.last()).ok_or_else(|| err(format!("{owner} paid nothing")))?;
        let (coin_id, prev_block, balance, nonce) = match claim {
            ExitArgs::Deposit(record) => (record.coin_id, record.coin_id, record.amount.saturating_to(), 0),
            ExitArgs::Move(exit) => {
                let leg = exit.exiting.tx.leg(exit.record.coin_id).ok_or_else(|| err("no leg"))?;
                (exit.record.coin_id, exit.exiting.blknum, leg.balance, leg.nonce)
            }
        };
        let leg = Leg { coin_id, prev_block, owner: world.actor(to)?.address, balance, nonce: nonce + 1 };
        let tx = DebitTx::single(leg);
        Ok(SignedDebitTx::new(tx, vec![sign(&tx, &world.domain(), &world.actor(signer)?.key)]))
    }

    /// A forgery: `coin_id` moved from its last block to `to`, signed by `signer` (not its holder).
    fn forged(&self, world: &World, coin_id: u64, to: &str, signer: &str) -> Result<SignedDebitTx, Error> {
        let coin = *self.operator()?.coin(coin_id).ok_or_else(|| err(format!("no coin {coin_id}")))?;
        let owner = world.actor(to)?.address;
        let leg = Leg { coin_id, prev_block: coin.last_moved, owner, balance: coin.balance, nonce: coin.nonce + 1 };
        let tx = DebitTx::single(leg);
        Ok(SignedDebitTx::new(tx, vec![sign(&tx, &world.domain(), &world.actor(signer)?.key)]))
    }

    /// The operator includes `holder`'s older co-signed state of its newest coin with two or more.
    fn include_stale_state(&mut self, world: &World, holder: &str, answered: bool) -> Result<(), Error> {
        let address = world.actor(holder)?.address;
        let (coin_id, older) = self
            .states
            .iter()
            .rev()
            .find(|(_, states)| states.len() >= 2 && states.iter().all(|s| s.tx.newOwner == address))
            .map(|(coin, states)| (*coin, states[states.len() - 2]))
            .ok_or_else(|| err(format!("{holder} co-signed no two states of a coin")))?;
        let signed = SignedDebitTx::new(older.tx, vec![older.holder_sig]);
        self.operator_mut()?.include_unchecked(signed).map_err(err)?;
        self.busy.insert(coin_id);
        if !answered {
            self.silent.insert(coin_id);
        }
        Ok(())
    }

    /// The operator seals the pending payment between `payer`'s and `payee`'s coins into a block
    /// of its own that holds it at the payer's key only.
    async fn one_slot_payment(&mut self, world: &mut World, payer: &str, payee: &str) -> Result<(), Error> {
        let payer_address = world.actor(payer)?.address;
        let payee_address = world.actor(payee)?.address;
        let holder = |coin: &u64| self.operator.as_ref().and_then(|o| o.coin(*coin)).map(|c| c.holder);
        let (payer_coin, _) = *self
            .payments
            .iter()
            .find(|(a, b)| holder(a) == Some(payer_address) && holder(b) == Some(payee_address))
            .ok_or_else(|| err(format!("no pending payment from {payer} to {payee}")))?;
        let signed = self.operator_mut()?.hold_back(payer_coin).ok_or_else(|| err("payment not pending"))?;
        let next: u64 = world.framework_view(PlasmaFramework::nextChildBlockCall {}).await?.to();
        let block = self.operator_mut()?.seal_one_slot(next, signed, payer_coin).map_err(err)?;
        let submitted = world.submit_block(block.root()).await?;
        if submitted.blknum != next {
            return Err(err("the framework numbered the block unexpectedly"));
        }
        for wallet in self.wallets.values_mut() {
            wallet.learn_root(submitted.blknum, submitted.root);
        }
        self.busy.clear();
        self.payments.clear();
        self.deliver(world)
    }
}

/// The coin of an event that ends an exit.
fn exit_ended(log: &alloy_primitives::Log) -> Option<u64> {
    if let Ok(event) = Game::ExitFinalized::decode_log(log) {
        return Some(event.coinId);
    }
    if let Ok(event) = Game::ExitChallenged::decode_log(log) {
        return Some(event.coinId);
    }
    Game::ExitCancelled::decode_log(log).ok().map(|event| event.coinId)
}

fn describe(action: &Action) -> String {
    match action {
        Action::ChallengeSpent(s) => format!("shows the spend of coin {} (spent-coin challenge)", s.coin_id),
        Action::ChallengeDoubleSpend(s) => {
            format!(
                "shows the earlier spend of coin {} at block {} (double-spend challenge)",
                s.coin_id, s.spend.blknum
            )
        }
        Action::ChallengeHistory { coin_id, earlier } => {
            format!("challenges the history of coin {coin_id} with block {}", earlier.blknum)
        }
        Action::RespondHistory { challenge_blk, response } => format!(
            "answers the challenge at block {challenge_blk} of coin {} with block {}",
            response.coin_id, response.spend.blknum
        ),
        Action::ChallengeChannel(s) => {
            format!("challenges the exit of coin {} with its state of nonce {}", s.tx.coinId, s.tx.nonce)
        }
        Action::RespondChannel(s) => {
            format!("answers on coin {} with the co-signed state of nonce {}", s.tx.coinId, s.tx.nonce)
        }
    }
}

#[async_trait::async_trait]
impl Variant for DebitVariant {
    fn name(&self) -> &'static str {
        NAME
    }

    fn summary(&self) -> &'static str {
        "Plasma Debit: Cash coins with balances, atomic two-coin payments and operator channels"
    }

    fn capabilities(&self) -> Capabilities {
        plasma_debit::operator::CAPABILITIES
    }

    fn must_watch(&self) -> &'static str {
        "exits and channel challenges of its own coins, and one proof per block per coin it holds"
    }

    fn exit_bond(&self) -> U256 {
        EXIT_BOND
    }

    async fn deploy(&mut self, world: &mut World) -> Result<(), Error> {
        let args = |framework_| {
            let args =
                DebitExitGame::constructorCall { framework_, exitBond_: EXIT_BOND, challengeBond_: CHALLENGE_BOND };
            alloy_sol_types::SolConstructor::abi_encode(&args)
        };
        world.deploy_exit_game(&DebitExitGame::BYTECODE, args).await?;
        let domain = world.domain();
        self.operator = Some(DebitOperator::new(world.operator.key.clone(), domain));
        for actor in world.everyone() {
            self.wallets
                .insert(actor.name.clone(), DebitWallet::new(actor.key.clone(), domain, world.operator.address));
            if !Self::is_cheater(world, &actor.name) {
                self.honest.insert(actor.name.clone());
            }
        }
        Ok(())
    }

    async fn deposit(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support, Error> {
        let deposit = world.deposit(actor, amount).await?;
        self.record_deposit(&deposit)?;
        Ok(Support::Done)
    }

    async fn transfer(
        &mut self,
        world: &mut World,
        from: &str,
        to: &str,
        amount: U256,
        _confirm: bool,
    ) -> Result<Support, Error> {
        let wei: u128 = amount.saturating_to();
        if to == "operator" && Self::is_cheater(world, from) {
            // A cheating holder asks for a state of any coin it holds, a payment pending or not:
            // with a pending payment, a higher nonce at the old balance would undo it at exit.
            let wallet = self.wallet(from)?;
            let me = world.actor(from)?.address;
            let coin = wallet
                .coin_ids()
                .filter(|coin| wallet.tip(*coin).is_ok_and(|tip| tip.owner == me))
                .find_map(|coin| wallet.balance(coin).ok().filter(|(b, _)| *b >= wei).map(|(b, _)| (coin, b)));
            let (coin, balance) = coin.ok_or_else(|| err(format!("{from} holds no coin with {wei} wei")))?;
            self.update_channel(from, coin, balance - wei)?;
            world.log.push(format!("{from} pays the operator {wei} wei on the channel of coin {coin}"));
            return Ok(Support::Done);
        }
        if to == "operator" {
            let coin = self.usable(world, from)?.into_iter().find(|(_, balance, _)| *balance >= wei);
            let (coin, balance, _) = coin.ok_or_else(|| err(format!("{from} holds no coin with {wei} wei")))?;
            self.update_channel(from, coin, balance - wei)?;
            world.log.push(format!("{from} pays the operator {wei} wei on the channel of coin {coin}"));
            return Ok(Support::Done);
        }
        if from == "operator" {
            let room = self.usable(world, to)?.into_iter().find(|(_, balance, cap)| cap - balance >= wei);
            if let Some((coin, balance, _)) = room {
                self.update_channel(to, coin, balance + wei)?;
                return Ok(Support::Done);
            }
            let own = self.usable(world, "operator")?.into_iter().find(|(_, _, cap)| *cap >= wei);
            let (coin, _, _) = own.ok_or_else(|| err(format!("the operator holds no coin of {wei} wei")))?;
            self.hand_over(world, "operator", to, coin, wei)?;
            return Ok(Support::Done);
        }
        let payer_coins = self.usable(world, from)?;
        if payer_coins.is_empty() && Self::is_cheater(world, from) {
            // A cheater moves a coin the operator forged for it; the operator takes anything.
            let address = world.actor(from)?.address;
            let operator = self.operator()?;
            let forged =
                operator.coins_of(address).into_iter().find(|c| operator.coin(*c).is_some_and(|s| s.balance == wei));
            let coin = forged.ok_or_else(|| err(format!("{from} holds no coin of {wei} wei")))?;
            let tx = self.forged(world, coin, to, from)?;
            self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            world.log.push(format!("{from} moves forged coin {coin} to {to}"));
            return Ok(Support::Done);
        }
        if let Some((coin, _, _)) = payer_coins.iter().find(|(_, balance, _)| *balance == wei) {
            self.hand_over(world, from, to, *coin, wei)?;
            return Ok(Support::Done);
        }
        let Some((coin, _, _)) = payer_coins.iter().find(|(_, balance, _)| *balance >= wei).copied() else {
            return Err(err(format!("{from} holds no coin with a balance of {wei} wei")));
        };
        let room = self.usable(world, to)?.into_iter().find(|(_, balance, cap)| cap - balance >= wei);
        let payee_coin = match room {
            Some((payee_coin, _, _)) => payee_coin,
            None => self.open_channel_for(world, to, amount).await?,
        };
        self.pay((from, coin), (to, payee_coin), wei)?;
        Ok(Support::Done)
    }

    async fn commit_block(&mut self, world: &mut World) -> Result<(), Error> {
        let withhold = std::mem::take(&mut self.withhold_next);
        self.commit(world, withhold).await?;
        self.deliver(world)
    }

    async fn inject_fault(&mut self, world: &mut World, fault: &Fault) -> Result<Support, Error> {
        match fault {
            Fault::SpendExited { owner, beneficiary } => {
                let coin = super::newest_exited(&self.exited, world, owner)?;
                let history = self.wallet(owner)?.coin(coin).map(|c| c.history.clone());
                let history = history.ok_or_else(|| err(format!("{owner} kept no coin {coin}")))?;
                let payee = world.actor(beneficiary)?.address;
                let (balance, _) = self.wallet(owner)?.balance(coin).map_err(err)?;
                let tx = DebitTx::single(self.next_leg(owner, coin, payee, balance)?);
                let signed = SignedDebitTx::new(tx, vec![sign(&tx, &world.domain(), &world.actor(owner)?.key)]);
                self.operator_mut()?.include_unchecked(signed).map_err(err)?;
                // The owner announces the transfer with the coin's history; the payee must refuse
                // it: the history verifies, but the coin is gone from the root chain.
                self.learn_deposit(beneficiary, coin)?;
                let outcome = self.wallet_mut(beneficiary)?.expect_payment(&tx, history);
                super::refused_paid_out(world, (owner, beneficiary, coin), outcome, |why| {
                    matches!(why, plasma_debit::DebitError::PaidOut(_))
                })?;
            }
            Fault::InvalidTransaction { victim, beneficiary, .. } => {
                let address = world.actor(victim)?.address;
                let coin = *self.operator()?.coins_of(address).last().ok_or_else(|| err("victim holds no coin"))?;
                let tx = self.forged(world, coin, beneficiary, beneficiary)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::DoubleSpend { victim, beneficiary } => {
                let tx = self.spend_again(world, victim, beneficiary, beneficiary)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::SignedDoubleSpend { owner, beneficiary } => {
                let tx = self.spend_again(world, owner, beneficiary, owner)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::Mint { beneficiary, amount } => {
                let wei = u128::try_from(amount.resolve(0)?).map_err(|_| err("negative mint"))?;
                let owner = world.actor(beneficiary)?.address;
                let leg = Leg { coin_id: MINTED_COIN, prev_block: MINTED_COIN, owner, balance: wei, nonce: 1 };
                let tx = DebitTx::single(leg);
                let signed = SignedDebitTx::new(tx, vec![sign(&tx, &world.domain(), &world.actor(beneficiary)?.key)]);
                self.operator_mut()?.include_unchecked(signed).map_err(err)?;
                self.minted.push((beneficiary.clone(), MINTED_COIN, U256::from(wei)));
            }
            Fault::WithholdBlock => self.withhold_next = true,
            Fault::StaleState { holder, answered } => self.include_stale_state(world, holder, *answered)?,
            Fault::OneSlotPayment { payer, payee } => self.one_slot_payment(world, payer, payee).await?,
            Fault::Rearrange { beneficiary } => self.rearrange(world, beneficiary).await?,
            Fault::CompetingPair { .. } | Fault::DuplicateInput { .. } => {
                return Ok(Support::NotApplicable(format!(
                    "{fault:?} attacks multi-input transactions and in-flight exits, which Plasma Debit does not have"
                )));
            }
        }
        world.log.push(format!("operator fault: {fault:?}"));
        Ok(Support::Done)
    }

    async fn exit(
        &mut self,
        world: &mut World,
        actor: &str,
        what: ExitWhat,
        must_fail: bool,
    ) -> Result<Support, Error> {
        let address = world.actor(actor)?.address;
        let wallet = self.wallet(actor)?;
        let held = wallet.held_coins();
        let mut claims = Vec::new();
        match what {
            ExitWhat::All | ExitWhat::Newest | ExitWhat::StaleState => {
                for coin in &held {
                    claims.push(wallet.exit_args(*coin).map_err(err)?);
                }
                if what != ExitWhat::StaleState {
                    // Handovers learned from the operator's answers (a hidden transfer).
                    for coin in wallet.learned_coins().into_iter().filter(|c| !held.contains(c)) {
                        claims.push(wallet.exit_args(coin).map_err(err)?);
                    }
                }
            }
            ExitWhat::Spent => claims = self.spent.get(actor).cloned().unwrap_or_default(),
            ExitWhat::InFlight | ExitWhat::SpentInFlight | ExitWhat::FalseCanonicity => {
                return Ok(Support::NotApplicable("Plasma Debit has no in-flight exits".into()));
            }
        }
        if Self::is_cheater(world, actor) && matches!(what, ExitWhat::All | ExitWhat::Newest) {
            if actor == "operator" && what == ExitWhat::Newest {
                let coin = self.newest_operator_coin()?;
                claims = vec![self.claim_from_operator(coin, self.record_of(coin)?)?];
            } else {
                let forged = self.operator()?.coins_of(address).into_iter().filter(|c| !held.contains(c));
                for coin in forged.collect::<Vec<_>>() {
                    claims.push(self.claim_from_operator(coin, self.record_of(coin)?)?);
                }
                for (_, coin, amount) in self.minted.iter().filter(|(owner, ..)| owner == actor) {
                    claims.push(self.claim_from_operator(*coin, DepositRecord::new(*coin, address, *amount))?);
                }
            }
        }
        if what == ExitWhat::Newest {
            claims = claims.pop().into_iter().collect();
        }
        if !must_fail {
            claims.retain(|claim| {
                let coin = match claim {
                    ExitArgs::Deposit(record) => record.coin_id,
                    ExitArgs::Move(exit) => exit.record.coin_id,
                };
                !self.open.contains_key(&coin)
            });
        }
        let started = self.start_exits(world, actor, claims, must_fail).await?;
        if what == ExitWhat::StaleState {
            for exit in started {
                let states = self.states.get(&exit.coin_id).cloned().unwrap_or_default();
                let latest = states.last().map_or(0, ChannelState::nonce);
                let Some(stale) = states.iter().find(|s| s.tx.nonce > exit.nonce && s.tx.nonce < latest) else {
                    return Err(err(format!("{actor} has no stale state of coin {} to challenge with", exit.coin_id)));
                };
                let receipt = world.game_call(address, &self.game.challenge_channel_call(stale)).await?;
                if !receipt.success {
                    return Err(err(format!("stale challenge refused: {}", receipt.revert_reason.unwrap_or_default())));
                }
                world
                    .log
                    .push(format!("{actor} challenges its own exit with its stale state of nonce {}", stale.tx.nonce));
            }
        }
        Ok(Support::Done)
    }

    async fn challenge(&mut self, world: &mut World, challenger: &str, target: &str) -> Result<Support, Error> {
        self.ingest(world).await?;
        let target = world.actor(target)?.address;
        let exit = self
            .open
            .values()
            .map(|open| open.exit)
            .rfind(|exit| exit.holder == target)
            .ok_or_else(|| err("no open exit of the target"))?;
        // Whatever the challenger knows of the coin before the exit's parent: its deposit, or the
        // earliest move it holds (an honest history answers either).
        let wallet = self.wallet(challenger)?;
        let coin = wallet.coin(exit.coin_id).ok_or_else(|| err(format!("{challenger} knows nothing of the coin")))?;
        let record = coin.history.start();
        let earlier = if record.coin_id < exit.prev_blk {
            plasma_debit::game::deposit_included(record)
        } else {
            let first = coin.history.moves().find(|m| m.blknum < exit.prev_blk);
            first.map(|m| plasma_debit::game::included_of(&m)).ok_or_else(|| err("nothing earlier"))?
        };
        let call = self.game.challenge_history_call(exit.coin_id, &earlier);
        let receipt = world.game_call(world.actor(challenger)?.address, &call).await?;
        if !receipt.success {
            return Err(err(format!("challenge refused: {}", receipt.revert_reason.unwrap_or_default())));
        }
        world.log.push(format!("{challenger} challenges the history of coin {}", exit.coin_id));
        Ok(Support::Done)
    }

    async fn run_watchers(&mut self, world: &mut World) -> Result<(), Error> {
        self.ingest(world).await?;
        // What failed before is sent again first.
        let open = &self.open;
        self.outbox.retain(|d| open.values().any(|o| o.exit.exit_id == d.tag));
        self.outbox.flush(world).await?;
        self.operator_round(world).await?;
        self.ingest(world).await?;
        self.holder_round(world).await?;
        self.answer_late(world).await?;
        self.ingest(world).await?;
        self.holder_round(world).await
    }

    async fn exit_counts(&self, world: &World) -> Result<ExitCounts, Error> {
        let filter = plasma_rootchain::LogFilter { address: Some(world.exit_game), ..Default::default() };
        let logs = world.chain.logs(&filter).await?;
        let mut counts = ExitCounts::default();
        for entry in &logs {
            let log = &entry.log;
            if Game::ExitStarted::decode_log(log).is_ok() {
                counts.started += 1;
            } else if Game::ExitChallenged::decode_log(log).is_ok() || Game::ExitCancelled::decode_log(log).is_ok() {
                counts.challenged += 1;
            } else if let Ok(event) = Game::ExitFinalized::decode_log(log) {
                counts.paid += u64::from(event.paid);
            }
        }
        Ok(counts)
    }

    async fn seize_liquidity(&mut self, world: &mut World, actor: &str, holder: &str) -> Result<Support, Error> {
        let coin = self.wallet(actor)?.held_coins().pop().ok_or_else(|| err(format!("{actor} holds no coin")))?;
        let operator = world.operator.address;
        let mut handed = None;
        for held in self.wallet(holder)?.held_coins() {
            let record = self.record_of(held)?;
            if record.depositor == operator {
                handed = Some(record);
            }
        }
        let record = handed.ok_or_else(|| err(format!("{holder} holds no coin the operator handed out")))?;
        let call = DebitGame::add_liquidity_call(coin, record.coin_id, record.amount);
        let receipt = world.game_call(operator, &call).await?;
        if receipt.success {
            return Err(err(format!(
                "the operator took {holder}'s coin {} as liquidity: it had to be refused",
                record.coin_id
            )));
        }
        world.log.push(format!(
            "the operator's liquidity from {holder}'s coin {} refused: {}",
            record.coin_id,
            receipt.revert_reason.unwrap_or_default()
        ));
        Ok(Support::Done)
    }

    async fn add_liquidity(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support, Error> {
        let address = world.actor(actor)?.address;
        let wallet = self.wallet(actor)?;
        let coin = wallet.held_coins().pop().ok_or_else(|| err(format!("{actor} holds no coin")))?;
        let _ = address;
        let deposit = world.deposit("operator", amount).await?;
        let funding = self.record_deposit(&deposit)?;
        self.wallet_mut("operator")?.forget(funding);
        let call = DebitGame::add_liquidity_call(coin, funding, amount);
        let receipt = world.game_call(world.operator.address, &call).await?;
        if !receipt.success {
            return Err(err(format!("addLiquidity refused: {}", receipt.revert_reason.unwrap_or_default())));
        }
        let wei: u128 = amount.saturating_to();
        self.operator_mut()?.on_liquidity(coin, wei).map_err(err)?;
        for wallet in self.wallets.values_mut() {
            wallet.on_liquidity(coin, wei);
        }
        *self.capacity.entry(coin).or_default() += wei;
        world.log.push(format!("operator adds {wei} wei of liquidity to coin {coin} (deposit {funding})"));
        Ok(Support::Done)
    }
}
