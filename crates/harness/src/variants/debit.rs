//! Plasma Debit (`plasma-debit`) as a scenario variant: the design's operator and one
//! [`DebitClient`] per actor on the runtime (`plasma-node`), and `DebitExitGame` on the root chain.
//!
//! The honest users' software is the design crate's: clients follow deposits, blocks, liquidity
//! and the exit game, extend their coins' histories with each block's data, co-sign channel states
//! and payments, announce and hand over transfers, and their watchers make the Cash challenges on
//! legs, answer history challenges and challenge their own exits with newer co-signed states. The
//! operator's duties (answering channel challenges, correcting exits started on stale states) are
//! the design's operator's too.
//!
//! What stays here is the scenario's vocabulary and the cheaters. A `transfer` step becomes what a
//! Debit client would do with it: a payment to the operator is a channel update both co-sign off
//! chain; a payment from the operator raises the payee's balance in a co-signed state, or hands the
//! payee a coin the operator holds stating the amount as its balance; between users, a coin whose
//! balance is exactly the amount changes hands (an ownership transfer, as in Plasma Cash), else an
//! atomic payment debits the payer's coin and credits a coin of the payee with room, which the
//! operator first hands out (an operator deposit of the amount, a block of its own) when the payee
//! has none. Faults are the operator's: forged and double spends, mints, withheld blocks, stale
//! states it includes (and, with `answered = false`, leaves unanswered), payments placed at one key
//! only, the rearrangement attack. Cheaters (the operator and the `colluding` actors) run no
//! watcher and exit from the operator's block data; the operator answers history challenges
//! against their exits as late as it may.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, U256};
use plasma_contracts::PlasmaFramework;
use plasma_core::{
    BlockNumber, BlockSubmittedEvent, ChainEvent, Decision, Design, ExitScope, FrameworkEvent, GameCall, OperatorState,
    Role, SigningKey, UserClient,
};
use plasma_debit::{
    Action, ChannelState, Debit, DebitClient, DebitEvent, DebitGame, DebitOperator, DebitTag, DepositRecord, ExitArgs,
    Handover, Leg, ObservedExit, SignedDebitTx,
    tx::{DebitTx, DebitTxExt as _, sign},
};
use plasma_rootchain::RootChain as _;

use crate::{
    Error, ExitWhat, Fault, Support, World,
    lab::{Committed, Lab, Result, Scripted, is_cheater},
};

/// The exit bond: 0.02 ETH, as for Cash.
pub const EXIT_BOND: U256 = U256::from_limbs([20_000_000_000_000_000, 0, 0, 0]);
/// The bond of a history or channel challenge, equal to the exit bond.
pub const CHALLENGE_BOND: U256 = EXIT_BOND;

/// The id of the coin the `mint` fault makes up (no scenario reaches deposit 999).
const MINTED_COIN: u64 = 999;

fn err(message: impl std::fmt::Display) -> Error {
    Lab::<Debit>::err(message)
}

/// Plasma Debit, driven by scenarios.
pub type DebitVariant = Lab<Debit>;

/// What Debit's scenarios and cheaters remember.
#[derive(Default)]
pub struct DebitCheats {
    /// Every co-signed state, by coin, oldest first (the older states a cheater uses).
    states: BTreeMap<u64, Vec<ChannelState>>,
    /// Exit arguments of coins each actor handed away (what a cheater exits with `spent`).
    spent: BTreeMap<String, Vec<ExitArgs>>,
    /// Ownership transfers waiting for their block: the transfer, payer, payee.
    transfers: Vec<(SignedDebitTx, String, String)>,
    /// Atomic payments waiting for their block: payer's coin, payee's coin.
    payments: Vec<(u64, u64)>,
    /// Coins the operator minted from nothing: beneficiary, coin id, claimed amount.
    minted: Vec<(String, u64, U256)>,
    /// History challenges against its accomplices' exits the operator answered: exit, block.
    answered: BTreeSet<(u128, u64)>,
}

impl Lab<Debit> {
    /// Every client reads the chain's new events (and judges new blocks).
    async fn ingest(&mut self, world: &mut World) -> Result<()> {
        let node = self.node()?;
        let source = plasma_node::InProcess(node.operator.operator());
        let outcome = node.clients.ingest(&world.chain, &source).await;
        node.log_notes(world);
        Ok(outcome?)
    }

    /// The operator seals the pending transactions and commits the root (withheld or not).
    async fn commit(&mut self, world: &mut World, withhold: bool) -> Result<BlockSubmittedEvent, Error> {
        let submitted = self.node()?.operator.commit(&mut world.chain).await?;
        if withhold {
            self.operator_mut()?.withhold(submitted.blknum);
            world.log.push(format!("operator withholds block {}", submitted.blknum));
        }
        self.cheats.payments.clear();
        Ok(submitted)
    }

    /// Every client learns the new block from its submission (as a light client reads that one
    /// event) and extends its histories with the data the operator publishes; honest wallets
    /// report the entries they refuse. Payers then hand the transfers their history shows
    /// included to their payees, who verify them.
    async fn debit_deliver(&mut self, world: &mut World, submitted: BlockSubmittedEvent) -> Result<()> {
        let node = self.node()?;
        let event = ChainEvent::Framework(FrameworkEvent::BlockSubmitted(submitted));
        let names: Vec<String> = node.clients.clients().map(|(name, _)| name.clone()).collect();
        for name in &names {
            node.clients.client_mut(name)?.on_event(&event, submitted.timestamp).map_err(err)?;
            let source = plasma_node::InProcess(node.operator.operator());
            node.clients.sync_one(name, &source, submitted.timestamp).await?;
        }
        node.log_notes(world);
        for (name, client) in node.clients.clients().filter(|(_, client)| client.is_watching()) {
            for (coin, blknum, why) in client.refusals() {
                world.log.push(format!("{name}'s wallet refuses block {blknum} of coin {coin}: {why}"));
            }
        }
        let blknum = submitted.blknum;
        let Some(data) = OperatorState::<Debit>::block_data(node.operator.operator(), blknum) else { return Ok(()) };
        for (tx, payer, payee) in std::mem::take(&mut self.cheats.transfers) {
            let handover = self.client_mut(&payer)?.hand_over(&tx, Some((blknum, &data))).map_err(err)?;
            let Some(handover) = handover else {
                self.cheats.transfers.push((tx, payer, payee));
                continue;
            };
            let decisions = self.client_mut(&payee)?.receive(&handover).map_err(err)?;
            self.node()?.decide(world, &payee, decisions).await?;
        }
        Ok(())
    }

    /// A single-coin leg of `coin` from `name`'s wallet: next nonce, `prevBlock` the last move
    /// (what a cheater signs outside its client).
    fn next_leg(&self, name: &str, coin_id: u64, owner: Address, balance: u128) -> Result<Leg, Error> {
        let wallet = self.client(name)?.wallet();
        let tip = wallet.tip(coin_id).map_err(err)?;
        let (_, nonce) = wallet.balance(coin_id).map_err(err)?;
        Ok(Leg { coin_id, prev_block: tip.last_moved, owner, balance, nonce: nonce + 1 })
    }

    /// `from` hands coin `coin_id` to `to`, stating `balance`: the new holder checks the history
    /// first and expects the coin once the operator accepted the transfer.
    async fn hand_coin_over(
        &mut self,
        world: &mut World,
        (from, to): (&str, &str),
        coin_id: u64,
        balance: u128,
    ) -> Result<()> {
        let payee = world.actor(to)?.address;
        let payer = self.client(from)?;
        let history = payer.wallet().coin(coin_id).map(|c| c.history.clone()).ok_or_else(|| err("no coin"))?;
        self.client(to)?
            .check_coin(&history)
            .map_err(|why| err(format!("{to} cannot verify the history of coin {coin_id}: {why}")))?;
        let claim = self.client(from)?.wallet().exit_args(coin_id).map_err(err)?;
        let signed = self.client_mut(from)?.transfer(coin_id, payee, balance).map_err(err)?;
        let node = self.node()?;
        if let Err(refused) = node.operator.submit(&world.chain, signed.clone()).await {
            node.clients.client_mut(from)?.cancel(&signed);
            return Err(err(refused));
        }
        let handover = self.client_mut(from)?.hand_over(&signed, None).map_err(err)?;
        let handover = handover.ok_or_else(|| err("a transfer is announced"))?;
        let decisions = self.client_mut(to)?.receive(&handover).map_err(err)?;
        self.node()?.decide(world, to, decisions).await?;
        self.cheats.spent.entry(from.to_owned()).or_default().push(claim);
        self.cheats.transfers.push((signed, from.to_owned(), to.to_owned()));
        Ok(())
    }

    /// `holder` and the operator co-sign a new balance of `coin_id`.
    fn update_channel(&mut self, holder: &str, coin_id: u64, balance: u128) -> Result<()> {
        let (tx, sig) = self.client_mut(holder)?.propose_state(coin_id, balance).map_err(err)?;
        let state = self.operator_mut()?.cosign(tx, sig).map_err(err)?;
        self.client_mut(holder)?.store_state(state).map_err(err)?;
        self.cheats.states.entry(coin_id).or_default().push(state);
        Ok(())
    }

    /// An atomic payment of `amount` from `payer`'s coin to `payee`'s coin, signed by both.
    async fn pay(
        &mut self,
        world: &World,
        (payer, payer_coin): (&str, u64),
        (payee, payee_coin): (&str, u64),
        amount: u128,
    ) -> Result<()> {
        let invoice = self.client(payee)?.invoice(payee_coin, amount).map_err(err)?;
        let (tx, payer_sig) = self.client_mut(payer)?.pay_invoice(payer_coin, &invoice).map_err(err)?;
        let payee_sig = self.client_mut(payee)?.accept_payment(&tx, payee_coin, amount).map_err(err)?;
        let signed = SignedDebitTx::new(tx, vec![payer_sig, payee_sig]);
        let node = self.node()?;
        if let Err(refused) = node.operator.submit(&world.chain, signed.clone()).await {
            node.clients.client_mut(payer)?.cancel(&signed);
            node.clients.client_mut(payee)?.cancel(&signed);
            return Err(err(refused));
        }
        self.cheats.payments.push((payer_coin, payee_coin));
        Ok(())
    }

    /// The operator deposits `amount` and hands the new coin to `to` with balance 0, in a block of
    /// its own: a channel with room for `amount`.
    async fn open_channel_for(&mut self, world: &mut World, to: &str, amount: U256) -> Result<u64, Error> {
        let deposit = world.deposit("operator", amount).await?;
        // The operator credits it and its wallet keeps the coin; the payee's software reads that
        // deposit when it is offered the coin.
        self.node()?.operator.poll(&world.chain).await?;
        let (at, event) = (world.chain.block_time().await?, ChainEvent::Framework(FrameworkEvent::Deposit(deposit)));
        for name in ["operator", to] {
            self.client_mut(name)?.on_event(&event, at).map_err(err)?;
        }
        let coin_id = deposit.blknum;
        self.hand_coin_over(world, ("operator", to), coin_id, 0).await?;
        let submitted = self.commit(world, false).await?;
        self.debit_deliver(world, submitted).await?;
        world.log.push(format!("operator hands {to} coin {coin_id} with room for {amount} wei"));
        Ok(coin_id)
    }

    /// The coin the operator's newest block touches (the last transaction's first coin).
    fn newest_operator_coin(&self) -> Result<u64, Error> {
        let operator = self.operator()?;
        let blknum = operator.block_numbers().last().ok_or_else(|| err("no block yet"))?;
        let block = operator.block(blknum).ok_or_else(|| err("no block"))?;
        let tx = block.txs().last().ok_or_else(|| err(format!("block {blknum} is empty")))?;
        Ok(tx.tx.coinId)
    }

    /// The deposit of `coin_id`, as the operator's client read it.
    fn record_of(&self, coin_id: u64) -> Result<DepositRecord, Error> {
        let record = self.client("operator")?.deposit(coin_id).copied();
        record.ok_or_else(|| err(format!("no deposit record of coin {coin_id}")))
    }

    /// Starts exits `calls` (each with its coin) from `owner`; with `must_fail`, every one must be
    /// refused. Returns the exits started.
    async fn start_coin_exits(
        &mut self,
        world: &mut World,
        owner: &str,
        calls: Vec<(u64, GameCall)>,
        must_fail: bool,
    ) -> Result<Vec<ObservedExit>, Error> {
        if calls.is_empty() {
            return Err(err(format!("{owner} has nothing to exit")));
        }
        let from = world.actor(owner)?.address;
        let mut started = Vec::new();
        for (coin, call) in calls {
            let receipt = world.game_call(from, &call).await?;
            let why = receipt.revert_reason.clone().unwrap_or_default();
            match (receipt.success, must_fail) {
                (true, false) => world.log.push(format!("{owner} exits coin {coin}")),
                (false, true) => world.log.push(format!("{owner}'s exit of coin {coin} refused: {why}")),
                (true, true) => return Err(err(format!("the exit of coin {coin} by {owner} had to be refused"))),
                (false, false) => return Err(err(format!("{owner} cannot exit coin {coin}: {why}"))),
            }
            started.extend(receipt.logs.iter().find_map(|log| match Debit::decode_game_event(log) {
                Ok(Some(DebitEvent::ExitStarted(exit))) => Some(exit),
                _ => None,
            }));
        }
        Ok(started)
    }

    /// One look of the users' watchers, as Debit's always ran: every client decides on the open
    /// exits, exit by exit with the exit's holder first; each call is sent, and the events it
    /// caused read, before the next (a call about an exit that ended meanwhile is dropped).
    async fn holder_round(&mut self, world: &mut World) -> Result<()> {
        let now = world.chain.block_time().await?;
        let node = self.node()?;
        let names: Vec<String> = node.clients.clients().map(|(name, _)| name.clone()).collect();
        let mut decided = Vec::new();
        for name in names {
            let client = node.clients.client_mut(&name)?;
            for decision in client.tick(now).map_err(err)? {
                let coin = decision.tag.coin_id();
                let own = client.open_exits().get(coin).is_some_and(|open| open.exit.holder == client.user());
                decided.push(((coin, !own), name.clone(), decision));
            }
        }
        decided.sort_by_key(|(order, ..)| *order);
        for (_, name, decision) in decided {
            let node = self.node()?;
            if !node.clients.client(&name)?.still_wanted(&decision.tag) {
                continue;
            }
            node.clients.decide(&name, vec![decision], now);
            let outcome = node.clients.flush(world).await;
            node.log_notes(world);
            outcome?;
            self.ingest(world).await?;
        }
        Ok(())
    }

    /// The operator answers history challenges against its accomplices' exits with whatever its
    /// blocks hold, at the last watcher round before each deadline (it knows what its own client
    /// read of the game).
    async fn answer_late(&mut self, world: &mut World) -> Result<()> {
        let now = world.chain.block_time().await?;
        let cheaters: BTreeSet<Address> =
            world.everyone().filter(|actor| is_cheater(world, &actor.name)).map(|actor| actor.address).collect();
        let operator = self.operator()?;
        let mut due = Vec::new();
        for open in self.client("operator")?.open_exits().iter().filter(|o| cheaters.contains(&o.exit.holder)) {
            for challenge in open.history.iter().filter(|c| super::answer_is_due(now, c.deadline)) {
                if let Some(response) = operator.spend_of(challenge, open.exit.prev_blk).map_err(err)? {
                    due.push((open.clone(), Action::RespondHistory { challenge_blk: challenge.blknum, response }));
                }
            }
        }
        for (open, action) in due {
            let Action::RespondHistory { challenge_blk, .. } = &action else { continue };
            if !self.cheats.answered.insert((open.exit.exit_id, *challenge_blk)) {
                continue;
            }
            let decision = Decision {
                by: Role::Owner,
                tag: DebitTag::of(&action, &open.exit),
                sender: world.operator.address,
                call: action.call(&self.game),
                deadline: open.answer_deadline(&action),
                what: action.describe(),
            };
            let node = self.node()?;
            node.operator.decide(decision, now);
            let outcome = node.operator.flush(world).await;
            node.log_notes(world);
            outcome?;
        }
        Ok(())
    }

    /// The rearrangement attack of protocols.md 3.6 on every pending ownership transfer, as the
    /// Cash variant does it: the transfer goes into a withheld block, a forged spend of the coin to
    /// `beneficiary` (signed by it) into a later withheld block, and `beneficiary`'s transfer to
    /// itself into a third.
    async fn rearrange(&mut self, world: &mut World, beneficiary: &str) -> Result<()> {
        let transfers = std::mem::take(&mut self.cheats.transfers);
        if transfers.is_empty() {
            return Err(err("the rearrangement needs a pending ownership transfer"));
        }
        for (tx, ..) in &transfers {
            let held = self.operator_mut()?.hold_back(tx.tx.coinId).ok_or_else(|| err("transfer not queued"))?;
            self.operator_mut()?.include_unchecked(held).map_err(err)?;
        }
        self.commit(world, true).await?;
        for hop in [beneficiary, beneficiary] {
            for (tx, ..) in &transfers {
                let forged = self.forged(world, tx.tx.coinId, hop, beneficiary)?;
                self.operator_mut()?.include_unchecked(forged).map_err(err)?;
            }
            self.commit(world, true).await?;
        }
        Ok(())
    }

    /// A second spend of the newest coin `owner` handed away, to `to`, signed by `signer`: it
    /// spends the same state as that transfer.
    fn spend_again(&self, world: &World, owner: &str, to: &str, signer: &str) -> Result<SignedDebitTx, Error> {
        let claim =
            self.cheats.spent.get(owner).and_then(|c| c.last()).ok_or_else(|| err(format!("{owner} paid nothing")))?;
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
    fn include_stale_state(&mut self, world: &World, holder: &str, answered: bool) -> Result<()> {
        let address = world.actor(holder)?.address;
        let (coin_id, older) = self
            .cheats
            .states
            .iter()
            .rev()
            .find(|(_, states)| states.len() >= 2 && states.iter().all(|s| s.tx.newOwner == address))
            .map(|(coin, states)| (*coin, states[states.len() - 2]))
            .ok_or_else(|| err(format!("{holder} co-signed no two states of a coin")))?;
        let signed = SignedDebitTx::new(older.tx, vec![older.holder_sig]);
        self.operator_mut()?.include_unchecked(signed).map_err(err)?;
        if !answered {
            self.operator_mut()?.stay_silent(coin_id);
        }
        Ok(())
    }

    /// The operator seals the pending payment between `payer`'s and `payee`'s coins into a block
    /// of its own that holds it at the payer's key only.
    async fn one_slot_payment(&mut self, world: &mut World, payer: &str, payee: &str) -> Result<()> {
        let payer_address = world.actor(payer)?.address;
        let payee_address = world.actor(payee)?.address;
        let operator = self.operator()?;
        let holder = |coin: &u64| operator.coin(*coin).map(|c| c.holder);
        let (payer_coin, _) = *self
            .cheats
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
        self.cheats.payments.clear();
        self.debit_deliver(world, submitted).await
    }
}

#[async_trait::async_trait]
impl Scripted for Debit {
    type Operator = DebitOperator;
    type Client = DebitClient;
    type Cheats = DebitCheats;

    fn game(_min_exit_period: u64) -> DebitGame {
        DebitGame::new(EXIT_BOND, CHALLENGE_BOND)
    }

    fn operator(world: &World) -> DebitOperator {
        DebitOperator::new(world.operator.key.clone(), world.domain())
    }

    fn client(key: SigningKey, world: &World, game: &DebitGame, watching: bool) -> DebitClient {
        DebitClient::new(key, world.domain(), world.operator.address, *game, world.min_exit_period, watching)
    }

    fn exit_subject(tag: &DebitTag) -> Option<String> {
        let _ = tag;
        None
    }

    fn paid_to(tx: &SignedDebitTx) -> Vec<Address> {
        let _ = tx;
        Vec::new()
    }

    fn withhold(operator: &mut DebitOperator, blknum: BlockNumber) -> bool {
        operator.withhold(blknum);
        true
    }

    async fn deliver(lab: &mut Lab<Self>, world: &mut World, block: Committed) -> Result<()> {
        lab.cheats.payments.clear();
        lab.debit_deliver(world, block.submitted).await
    }

    async fn transfer(lab: &mut Lab<Self>, world: &mut World, payment: crate::Payment<'_>) -> Result<Support> {
        let crate::Payment { from, to, amount, confirm: _ } = payment;
        let wei: u128 = amount.saturating_to();
        if to == "operator" && is_cheater(world, from) {
            // A cheating holder asks for a state of any coin it holds, a payment pending or not:
            // with a pending payment, a higher nonce at the old balance would undo it at exit.
            let wallet = lab.client(from)?.wallet();
            let me = world.actor(from)?.address;
            let coin = wallet
                .coin_ids()
                .filter(|coin| wallet.tip(*coin).is_ok_and(|tip| tip.owner == me))
                .find_map(|coin| wallet.balance(coin).ok().filter(|(b, _)| *b >= wei).map(|(b, _)| (coin, b)));
            let (coin, balance) = coin.ok_or_else(|| err(format!("{from} holds no coin with {wei} wei")))?;
            lab.update_channel(from, coin, balance - wei)?;
            world.log.push(format!("{from} pays the operator {wei} wei on the channel of coin {coin}"));
            return Ok(Support::Done);
        }
        let usable = |variant: &Lab<Self>, name: &str| variant.client(name)?.usable_coins().map_err(err);
        if to == "operator" {
            let coin = usable(lab, from)?.into_iter().find(|(_, balance, _)| *balance >= wei);
            let (coin, balance, _) = coin.ok_or_else(|| err(format!("{from} holds no coin with {wei} wei")))?;
            lab.update_channel(from, coin, balance - wei)?;
            world.log.push(format!("{from} pays the operator {wei} wei on the channel of coin {coin}"));
            return Ok(Support::Done);
        }
        if from == "operator" {
            let room = usable(lab, to)?.into_iter().find(|(_, balance, cap)| cap - balance >= wei);
            if let Some((coin, balance, _)) = room {
                lab.update_channel(to, coin, balance + wei)?;
                return Ok(Support::Done);
            }
            let own = usable(lab, "operator")?.into_iter().find(|(_, _, cap)| *cap >= wei);
            let (coin, _, _) = own.ok_or_else(|| err(format!("the operator holds no coin of {wei} wei")))?;
            lab.hand_coin_over(world, ("operator", to), coin, wei).await?;
            return Ok(Support::Done);
        }
        let payer_coins = usable(lab, from)?;
        if payer_coins.is_empty() && is_cheater(world, from) {
            // A cheater moves a coin the operator forged for it; the operator takes anything.
            let address = world.actor(from)?.address;
            let operator = lab.operator()?;
            let forged =
                operator.coins_of(address).into_iter().find(|c| operator.coin(*c).is_some_and(|s| s.balance == wei));
            let coin = forged.ok_or_else(|| err(format!("{from} holds no coin of {wei} wei")))?;
            let tx = lab.forged(world, coin, to, from)?;
            lab.operator_mut()?.include_unchecked(tx).map_err(err)?;
            world.log.push(format!("{from} moves forged coin {coin} to {to}"));
            return Ok(Support::Done);
        }
        if let Some((coin, _, _)) = payer_coins.iter().find(|(_, balance, _)| *balance == wei) {
            lab.hand_coin_over(world, (from, to), *coin, wei).await?;
            return Ok(Support::Done);
        }
        let Some((coin, _, _)) = payer_coins.iter().find(|(_, balance, _)| *balance >= wei).copied() else {
            return Err(err(format!("{from} holds no coin with a balance of {wei} wei")));
        };
        let room = usable(lab, to)?.into_iter().find(|(_, balance, cap)| cap - balance >= wei);
        let payee_coin = match room {
            Some((payee_coin, _, _)) => payee_coin,
            None => lab.open_channel_for(world, to, amount).await?,
        };
        lab.pay(world, (from, coin), (to, payee_coin), wei).await?;
        Ok(Support::Done)
    }

    async fn inject_fault(lab: &mut Lab<Self>, world: &mut World, fault: &Fault) -> Result<Support> {
        match fault {
            Fault::SpendExited { owner, beneficiary } => {
                let address = world.actor(owner)?.address;
                let exited = super::game_events::<Debit>(world).await?.into_iter().filter_map(|event| match event {
                    DebitEvent::ExitStarted(exit) if exit.holder == address => Some(exit.coin_id),
                    _ => None,
                });
                let coin = exited.last().ok_or_else(|| Error::Scenario(format!("{owner} exited nothing")))?;
                let history = lab.client(owner)?.wallet().coin(coin).map(|c| c.history.clone());
                let history = history.ok_or_else(|| err(format!("{owner} kept no coin {coin}")))?;
                let payee = world.actor(beneficiary)?.address;
                let (balance, _) = lab.client(owner)?.wallet().balance(coin).map_err(err)?;
                let tx = DebitTx::single(lab.next_leg(owner, coin, payee, balance)?);
                let signed = SignedDebitTx::new(tx, vec![sign(&tx, &world.domain(), &world.actor(owner)?.key)]);
                lab.operator_mut()?.include_unchecked(signed).map_err(err)?;
                // The owner announces the transfer with the coin's history; the payee must refuse
                // it: the history verifies, but the coin is gone from the root chain.
                let outcome = lab.client_mut(beneficiary)?.receive(&Handover::Announced { tx, history });
                super::refused_paid_out(world, (owner, beneficiary, coin), outcome.map(drop), |why| {
                    matches!(why, plasma_debit::DebitError::PaidOut(_))
                })?;
            }
            Fault::InvalidTransaction { victim, beneficiary, .. } => {
                let address = world.actor(victim)?.address;
                let coin = *lab.operator()?.coins_of(address).last().ok_or_else(|| err("victim holds no coin"))?;
                let tx = lab.forged(world, coin, beneficiary, beneficiary)?;
                lab.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::DoubleSpend { victim, beneficiary } => {
                let tx = lab.spend_again(world, victim, beneficiary, beneficiary)?;
                lab.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::SignedDoubleSpend { owner, beneficiary } => {
                let tx = lab.spend_again(world, owner, beneficiary, owner)?;
                lab.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::Mint { beneficiary, amount } => {
                let wei = u128::try_from(amount.resolve(0)?).map_err(|_| err("negative mint"))?;
                let owner = world.actor(beneficiary)?.address;
                let leg = Leg { coin_id: MINTED_COIN, prev_block: MINTED_COIN, owner, balance: wei, nonce: 1 };
                let tx = DebitTx::single(leg);
                let signed = SignedDebitTx::new(tx, vec![sign(&tx, &world.domain(), &world.actor(beneficiary)?.key)]);
                lab.operator_mut()?.include_unchecked(signed).map_err(err)?;
                lab.cheats.minted.push((beneficiary.clone(), MINTED_COIN, U256::from(wei)));
            }
            Fault::WithholdBlock => lab.withhold_next = true,
            Fault::StaleState { holder, answered } => lab.include_stale_state(world, holder, *answered)?,
            Fault::OneSlotPayment { payer, payee } => lab.one_slot_payment(world, payer, payee).await?,
            Fault::Rearrange { beneficiary } => lab.rearrange(world, beneficiary).await?,
            Fault::CompetingPair { .. } | Fault::DuplicateInput { .. } => {
                return Ok(Support::NotApplicable(format!(
                    "{fault:?} attacks multi-input transactions and in-flight exits, which Plasma Debit does not have"
                )));
            }
        }
        Ok(Support::Done)
    }

    async fn exit(lab: &mut Lab<Self>, world: &mut World, exit: crate::ExitRequest<'_>) -> Result<Support> {
        let crate::ExitRequest { actor, what, must_fail } = exit;
        let address = world.actor(actor)?.address;
        let cheater = is_cheater(world, actor);
        let client = lab.client(actor)?;
        let held = client.wallet().held_coins();
        let mut claims = match what {
            ExitWhat::All | ExitWhat::Newest if !cheater && !must_fail => {
                // The user's own software decides its exits.
                let scope = if what == ExitWhat::All { ExitScope::All } else { ExitScope::Newest };
                let now = world.chain.block_time().await?;
                let decisions = client.exits(scope, now).map_err(err)?;
                let calls = decisions.into_iter().map(|d| (d.tag.coin_id(), d.call)).collect();
                lab.start_coin_exits(world, actor, calls, must_fail).await?;
                return Ok(Support::Done);
            }
            ExitWhat::All | ExitWhat::Newest => client.exit_claims(ExitScope::All).map_err(err)?,
            ExitWhat::StaleState => {
                held.iter().map(|coin| client.wallet().exit_args(*coin)).collect::<Result<Vec<_>, _>>().map_err(err)?
            }
            ExitWhat::Spent => lab.cheats.spent.get(actor).cloned().unwrap_or_default(),
            ExitWhat::InFlight | ExitWhat::SpentInFlight | ExitWhat::FalseCanonicity => {
                return Ok(Support::NotApplicable("Plasma Debit has no in-flight exits".into()));
            }
        };
        if cheater && matches!(what, ExitWhat::All | ExitWhat::Newest) {
            if actor == "operator" && what == ExitWhat::Newest {
                let coin = lab.newest_operator_coin()?;
                claims = vec![lab.operator()?.exit_args_of(lab.record_of(coin)?).map_err(err)?];
            } else {
                let forged = lab.operator()?.coins_of(address).into_iter().filter(|c| !held.contains(c));
                for coin in forged.collect::<Vec<_>>() {
                    claims.push(lab.operator()?.exit_args_of(lab.record_of(coin)?).map_err(err)?);
                }
                for (_, coin, amount) in lab.cheats.minted.iter().filter(|(owner, ..)| owner == actor) {
                    claims
                        .push(lab.operator()?.exit_args_of(DepositRecord::new(*coin, address, *amount)).map_err(err)?);
                }
            }
        }
        if what == ExitWhat::Newest {
            claims = claims.pop().into_iter().collect();
        }
        if !must_fail {
            let open = lab.client(actor)?.open_exits();
            claims.retain(|claim| !open.contains(claim.coin_id()));
        }
        let calls = claims.iter().map(|claim| (claim.coin_id(), claim.call(&lab.game))).collect();
        let started = lab.start_coin_exits(world, actor, calls, must_fail).await?;
        if what == ExitWhat::StaleState {
            for exit in started {
                let states = lab.cheats.states.get(&exit.coin_id).cloned().unwrap_or_default();
                let latest = states.last().map_or(0, ChannelState::nonce);
                let Some(stale) = states.iter().find(|s| s.tx.nonce > exit.nonce && s.tx.nonce < latest) else {
                    return Err(err(format!("{actor} has no stale state of coin {} to challenge with", exit.coin_id)));
                };
                let receipt = world.game_call(address, &lab.game.challenge_channel_call(stale)).await?;
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

    async fn challenge(lab: &mut Lab<Self>, world: &mut World, challenger: &str, target: &str) -> Result<Support> {
        lab.ingest(world).await?;
        let target = world.actor(target)?.address;
        let client = lab.client(challenger)?;
        let exit = client
            .open_exits()
            .iter()
            .map(|open| open.exit)
            .rfind(|exit| exit.holder == target)
            .ok_or_else(|| err("no open exit of the target"))?;
        // Whatever the challenger knows of the coin before the exit's parent: its deposit, or the
        // earliest move it holds (an honest history answers either).
        let coin = client.wallet().coin(exit.coin_id);
        let coin = coin.ok_or_else(|| err(format!("{challenger} knows nothing of the coin")))?;
        let record = coin.history.start();
        let earlier = if record.coin_id < exit.prev_blk {
            plasma_debit::game::deposit_included(record)
        } else {
            let first = coin.history.moves().find(|m| m.blknum < exit.prev_blk);
            first.map(|m| plasma_debit::game::included_of(&m)).ok_or_else(|| err("nothing earlier"))?
        };
        let call = lab.game.challenge_history_call(exit.coin_id, &earlier);
        let receipt = world.game_call(world.actor(challenger)?.address, &call).await?;
        if !receipt.success {
            return Err(err(format!("challenge refused: {}", receipt.revert_reason.unwrap_or_default())));
        }
        world.log.push(format!("{challenger} challenges the history of coin {}", exit.coin_id));
        Ok(Support::Done)
    }

    /// One look at the chain, in Debit's order: everyone reads what happened; failed calls are
    /// sent again; the operator answers channel challenges and corrects stale exits; the users'
    /// watchers act; the operator answers its accomplices' challenges late; the watchers look
    /// again at what that caused.
    async fn run_watchers(lab: &mut Lab<Self>, world: &mut World) -> Result<()> {
        lab.node()?.operator.poll(&world.chain).await?;
        lab.ingest(world).await?;
        let node = lab.node()?;
        let outcome = node.clients.flush(world).await;
        node.log_notes(world);
        outcome?;
        let outcome = node.operator.flush(world).await;
        node.log_notes(world);
        outcome?;
        lab.ingest(world).await?;
        lab.holder_round(world).await?;
        lab.answer_late(world).await?;
        lab.ingest(world).await?;
        lab.holder_round(world).await
    }

    async fn seize_liquidity(lab: &mut Lab<Self>, world: &mut World, actor: &str, holder: &str) -> Result<Support> {
        let coin = lab.client(actor)?.wallet().held_coins().pop();
        let coin = coin.ok_or_else(|| err(format!("{actor} holds no coin")))?;
        let operator = world.operator.address;
        let holder_client = lab.client(holder)?;
        let handed = holder_client
            .wallet()
            .held_coins()
            .into_iter()
            .filter_map(|held| holder_client.deposit(held).copied())
            .rfind(|record| record.depositor == operator);
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

    async fn add_liquidity(lab: &mut Lab<Self>, world: &mut World, actor: &str, amount: U256) -> Result<Support> {
        let coin = lab.client(actor)?.wallet().held_coins().pop();
        let coin = coin.ok_or_else(|| err(format!("{actor} holds no coin")))?;
        let deposit = world.deposit("operator", amount).await?;
        lab.node()?.operator.poll(&world.chain).await?;
        let funding = deposit.blknum;
        let call = DebitGame::add_liquidity_call(coin, funding, amount);
        let receipt = world.game_call(world.operator.address, &call).await?;
        if !receipt.success {
            return Err(err(format!("addLiquidity refused: {}", receipt.revert_reason.unwrap_or_default())));
        }
        // The operator and every client learn the merge from the game's event.
        let wei: u128 = amount.saturating_to();
        world.log.push(format!("operator adds {wei} wei of liquidity to coin {coin} (deposit {funding})"));
        Ok(Support::Done)
    }
}
