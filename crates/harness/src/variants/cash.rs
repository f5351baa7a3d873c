//! Plasma Cash (`plasma-cash`) as a scenario variant: the design's operator and one
//! [`CashClient`] per actor on the runtime (`plasma-node`), and `CashExitGame` on the root chain.
//!
//! The honest users' software is the design crate's: clients judge every committed block (one
//! entry per coin they hold), a payee checks the payer's whole coin history before the payer signs
//! (so a history that spans a withheld block stops the payment), payers hand over the history once
//! the payment is included, and watchers answer every exit of a coin their user owns or owned.
//! Nobody exits because a block is bad or withheld: a Plasma Cash coin is safe as long as its
//! owner answers exits of it.
//!
//! What stays here is the scenario's vocabulary and the cheaters. Cheaters (the operator and the
//! `colluding` actors) run no watcher. They hold the coins the operator forged for them through the
//! operator's own block data (withheld or not), and the operator answers honest users' history
//! challenges against their exits as late as it may (never its accomplices' own challenges, which
//! they make to stay pending).

pub(crate) mod legacy;

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, U256};
use plasma_cash::{
    Cash, CashClient, CashEvent, CashExit, CashGame, CashTx, DepositExit, ExitClaim, Handover, Included, Operator,
    SignedCashTx,
    game::{HistoryChallenge, HistoryResponse, IncludedExt as _, ObservedChallenge, ObservedExit},
    tx::CashTxExt as _,
};
use plasma_core::{
    BlockSubmittedEvent, ChainEvent, ChildChain, Design, ExitScope, FrameworkEvent, GameCall, OperatorState, UserClient,
};
use plasma_rootchain::RootChain as _;

use super::Node;
use crate::{Error, ExitCounts, ExitWhat, Fault, Support, Variant, World};

/// The exit bond: 0.02 ETH, as for MVP (a fifth of Loom's 0.1 ETH).
pub const EXIT_BOND: U256 = U256::from_limbs([20_000_000_000_000_000, 0, 0, 0]);
/// The bond of an invalid-history challenge, equal to the exit bond.
pub const CHALLENGE_BOND: U256 = EXIT_BOND;

/// The id of the coin the `mint` fault makes up.
const MINTED_COIN: u64 = 999;

fn err(message: impl std::fmt::Display) -> Error {
    Error::Variant { variant: Cash::NAME, message: message.to_string() }
}

/// A payment waiting for its block.
struct Pending {
    tx: SignedCashTx,
    payer: String,
    payee: String,
}

/// A history challenge against a cheater's exit, which the operator answers late.
struct LateAnswer {
    exit: ObservedExit,
    challenge: ObservedChallenge,
}

/// What the cheaters read of the exit game: the open exits, and the honest users' history
/// challenges of their exits that the operator will answer late.
struct Cheats {
    cursor: plasma_node::LogCursor,
    /// The operator's and the colluding actors' addresses.
    cheaters: BTreeSet<Address>,
    /// Open exits, by coin.
    open: BTreeMap<u64, ObservedExit>,
    late_answers: Vec<LateAnswer>,
}

impl Cheats {
    /// Reads the exit game's events since the last look.
    async fn poll(&mut self, world: &World) -> Result<(), Error> {
        for dated in self.cursor.poll::<Cash, _>(&world.chain).await? {
            let ChainEvent::Game(event) = dated.event else { continue };
            match &event {
                CashEvent::ExitStarted(exit) => {
                    self.open.insert(exit.coin_id, *exit);
                }
                CashEvent::HistoryChallenged(challenge) => {
                    let exit = self.open.get(&challenge.coin_id).filter(|e| e.exit_id == challenge.exit_id);
                    // The operator answers honest users' challenges of its accomplices' exits, not
                    // its accomplices' own: a false challenge below the victim's is theirs to leave
                    // pending (docs/security.md, C-2).
                    if let Some(exit) = exit
                        && self.cheaters.contains(&exit.owner)
                        && !self.cheaters.contains(&challenge.challenger)
                    {
                        self.late_answers.push(LateAnswer { exit: *exit, challenge: *challenge });
                    }
                }
                CashEvent::HistoryAnswered(answer) => {
                    self.late_answers.retain(|late| {
                        !(late.challenge.exit_id == answer.exit_id && late.challenge.blknum == answer.challenge_blk)
                    });
                }
                ended => {
                    if let Some((coin_id, exit_id, _)) = ended.ended() {
                        self.open.remove(&coin_id);
                        self.late_answers.retain(|late| late.exit.exit_id != exit_id);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Plasma Cash, driven by scenarios.
pub struct CashVariant {
    game: CashGame,
    node: Option<Node<Cash, Operator, CashClient>>,
    cheats: Option<Cheats>,
    /// Exit claims of coins each actor has paid away (what a cheater exits with `spent`).
    spent: BTreeMap<String, Vec<ExitClaim>>,
    pending: Vec<Pending>,
    /// Coins the operator minted from nothing: beneficiary, coin id, claimed denomination.
    minted: Vec<(String, u64, U256)>,
    withhold_next: bool,
}

impl Default for CashVariant {
    fn default() -> Self {
        Self::new()
    }
}

impl CashVariant {
    /// A fresh instance, deployed by [`Variant::deploy`].
    pub fn new() -> Self {
        Self {
            game: CashGame::new(EXIT_BOND, CHALLENGE_BOND, plasma_contracts::DEFAULT_MIN_EXIT_PERIOD),
            node: None,
            cheats: None,
            spent: BTreeMap::new(),
            pending: Vec::new(),
            minted: Vec::new(),
            withhold_next: false,
        }
    }

    fn node(&mut self) -> Result<&mut Node<Cash, Operator, CashClient>, Error> {
        self.node.as_mut().ok_or_else(|| err("not deployed"))
    }

    fn operator(&self) -> Result<&Operator, Error> {
        Ok(self.node.as_ref().ok_or_else(|| err("not deployed"))?.operator.operator())
    }

    fn operator_mut(&mut self) -> Result<&mut Operator, Error> {
        Ok(self.node()?.operator.operator_mut())
    }

    fn client(&self, name: &str) -> Result<&CashClient, Error> {
        Ok(self.node.as_ref().ok_or_else(|| err("not deployed"))?.clients.client(name)?)
    }

    fn client_mut(&mut self, name: &str) -> Result<&mut CashClient, Error> {
        Ok(self.node()?.clients.client_mut(name)?)
    }

    fn is_cheater(world: &World, name: &str) -> bool {
        name == "operator" || world.colluding.iter().any(|c| c == name)
    }

    /// The operator seals the pending transactions and commits the root; with `withhold`, it
    /// publishes nothing of the block.
    async fn commit(&mut self, world: &mut World, withhold: bool) -> Result<BlockSubmittedEvent, Error> {
        let submitted = self.node()?.operator.commit(&mut world.chain).await?;
        if withhold {
            self.operator_mut()?.withhold(submitted.blknum);
            world.log.push(format!("operator withholds block {}", submitted.blknum));
        }
        Ok(submitted)
    }

    /// Every client learns the block and judges it (its watcher reports what it found); payers
    /// hand included payments' histories to their payees, who verify them in full.
    async fn deliver(&mut self, world: &mut World, submitted: BlockSubmittedEvent) -> Result<(), Error> {
        let now = world.chain.block_time().await?;
        let node = self.node()?;
        let names: Vec<String> = node.clients.clients().map(|(name, _)| name.clone()).collect();
        let event = ChainEvent::Framework(FrameworkEvent::BlockSubmitted(submitted));
        for name in &names {
            node.clients.client_mut(name)?.on_event(&event, submitted.timestamp).map_err(err)?;
            let source = plasma_node::InProcess(node.operator.operator());
            node.clients.sync_one(name, &source, now).await?;
        }
        for name in &names {
            for finding in node.clients.client_mut(name)?.findings() {
                world.log.push(format!("{name}'s watcher: {finding:?}"));
            }
        }
        let data = OperatorState::<Cash>::block_data(node.operator.operator(), submitted.blknum);
        for payment in std::mem::take(&mut self.pending) {
            let handover = match &data {
                Some(data) => {
                    let payer = self.client_mut(&payment.payer)?;
                    payer.hand_over(&payment.tx, Some((submitted.blknum, data))).map_err(err)?
                }
                None => None,
            };
            let Some(handover) = handover else {
                self.pending.push(payment);
                continue;
            };
            match self.client_mut(&payment.payee)?.receive(&handover) {
                Err(plasma_cash::CashError::PaidOut(coin)) => world.log.push(format!(
                    "{}'s wallet refuses coin {coin} from {}: its exit was paid",
                    payment.payee, payment.payer
                )),
                Err(other) => return Err(err(other)),
                Ok(_) => {}
            }
        }
        Ok(())
    }

    /// One look of every client: the operator reads what happened, the clients read the events
    /// (and the cheaters what they follow), decide as of now and send what is due.
    async fn look(&mut self, world: &mut World) -> Result<(), Error> {
        let node = self.node.as_mut().ok_or_else(|| err("not deployed"))?;
        node.operator.poll(&world.chain).await?;
        let source = plasma_node::InProcess(node.operator.operator());
        node.clients.ingest(&world.chain, &source).await?;
        self.cheats.as_mut().ok_or_else(|| err("not deployed"))?.poll(world).await?;
        let now = world.chain.block_time().await?;
        node.clients.sync(&source, now).await?;
        let outcome = node.clients.flush(world).await;
        node.log_notes(world);
        Ok(outcome?)
    }

    /// The coin `from` pays with: one it owns (or, for a cheater, holds through the operator's
    /// forgeries) of exactly `amount`.
    fn coin_of(&self, world: &World, from: &str, amount: U256) -> Result<Result<(u64, bool), String>, Error> {
        let client = self.client(from)?;
        if let Some(coin) = client.coin_for(amount) {
            return Ok(Ok((coin, false)));
        }
        if Self::is_cheater(world, from) {
            let operator = self.operator()?;
            let address = world.actor(from)?.address;
            let forged = operator.coins_of(address).into_iter().filter(|coin| !client.wallet().owns(*coin));
            if let Some(coin) =
                forged.into_iter().find(|coin| operator.coin(*coin).map(|c| c.deposit.amount) == Some(amount))
            {
                return Ok(Ok((coin, true)));
            }
        }
        Ok(Err(format!("Plasma Cash moves whole coins and {from} holds none of exactly {amount} wei")))
    }

    /// What a cheater exits for a coin it holds through the operator's data (withheld blocks
    /// included): its last move and that move's parent.
    fn claim_from_operator(&self, coin_id: u64) -> Result<ExitClaim, Error> {
        let operator = self.operator()?;
        let coin = operator.coin(coin_id).ok_or_else(|| err(format!("no coin {coin_id}")))?;
        let record = coin.deposit;
        if coin.last_moved == coin_id {
            return Ok(ExitClaim::Deposit(DepositExit { coin_id, amount: record.amount }));
        }
        let (exiting, exiting_sig) = self.operator_included(coin_id, coin.last_moved)?;
        let parent = if exiting.tx.spends_deposit() {
            Included::none()
        } else {
            self.operator_included(coin_id, exiting.tx.prevBlock)?.0
        };
        Ok(ExitClaim::Tx(Box::new(CashExit {
            coin_id,
            depositor: record.depositor,
            amount: record.amount,
            parent,
            exiting,
            exiting_sig,
        })))
    }

    /// The exit a minted coin's beneficiary tries: the minting transaction, posing as a spend of a
    /// deposit of `amount` by the beneficiary.
    fn minted_claim(&self, beneficiary: Address, coin_id: u64, amount: U256) -> Result<ExitClaim, Error> {
        let operator = self.operator()?;
        let blknum = operator
            .child_blocks()
            .find(|b| operator.block(*b).is_some_and(|record| record.block.tx(coin_id).is_some()))
            .ok_or_else(|| err(format!("minted coin {coin_id} is in no block yet")))?;
        let (exiting, exiting_sig) = self.operator_included(coin_id, blknum)?;
        Ok(ExitClaim::Tx(Box::new(CashExit {
            coin_id,
            depositor: beneficiary,
            amount,
            parent: Included::none(),
            exiting,
            exiting_sig,
        })))
    }

    /// The transaction of `coin_id` in block `blknum` as the operator holds it, with its proof.
    fn operator_included(&self, coin_id: u64, blknum: u64) -> Result<(Included, plasma_core::Signature), Error> {
        let record = self.operator()?.block(blknum).ok_or_else(|| err(format!("no block {blknum}")))?;
        let tx: &SignedCashTx =
            record.block.tx(coin_id).ok_or_else(|| err(format!("coin {coin_id} did not move in {blknum}")))?;
        let proof = record.block.inclusion_proof(coin_id, blknum).map_err(err)?;
        Ok((Included::new(tx.tx, blknum, &proof), tx.sig))
    }

    /// Starts the exits `calls` (each of its coin) from `owner`; with `must_fail`, every one must
    /// be refused.
    async fn start_exits(
        world: &mut World,
        owner: &str,
        calls: Vec<(u64, GameCall)>,
        must_fail: bool,
    ) -> Result<(), Error> {
        if calls.is_empty() {
            return Err(err(format!("{owner} has nothing to exit")));
        }
        let from = world.actor(owner)?.address;
        for (coin, call) in calls {
            let receipt = world.game_call(from, &call).await?;
            match (receipt.success, must_fail) {
                (true, false) => world.log.push(format!("{owner} exits coin {coin}")),
                (false, true) => world.log.push(format!(
                    "{owner}'s exit of coin {coin} refused: {}",
                    receipt.revert_reason.unwrap_or_default()
                )),
                (true, true) => return Err(err(format!("the exit of coin {coin} by {owner} had to be refused"))),
                (false, false) => {
                    return Err(err(format!(
                        "{owner} cannot exit coin {coin}: {}",
                        receipt.revert_reason.unwrap_or_default()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The cheating operator answers history challenges against its accomplices' exits with
    /// whatever its blocks hold, at the last watcher round before each deadline.
    async fn answer_late(&mut self, world: &mut World) -> Result<(), Error> {
        let now = world.chain.block_time().await?;
        let due: Vec<LateAnswer> = {
            let cheats = self.cheats.as_mut().ok_or_else(|| err("not deployed"))?;
            let (due, later) = std::mem::take(&mut cheats.late_answers)
                .into_iter()
                .partition(|late| super::answer_is_due(now, late.challenge.deadline));
            cheats.late_answers = later;
            due
        };
        for late in due {
            let Some(response) = self.operator_answer(&late)? else { continue };
            let call = self.game.respond_history_call(&response);
            let receipt = world.game_call(world.operator.address, &call).await?;
            if receipt.success {
                world.log.push(format!(
                    "operator answers the challenge at block {} of coin {} with its block {}",
                    late.challenge.blknum, late.challenge.coin_id, response.response.blknum
                ));
            }
        }
        Ok(())
    }

    /// A direct child of the challenged transaction, signed by its new owner, in the operator's
    /// blocks up to the exit's `pBlk`.
    fn operator_answer(&self, late: &LateAnswer) -> Result<Option<HistoryResponse>, Error> {
        let operator = self.operator()?;
        let (coin_id, challenged) = (late.challenge.coin_id, late.challenge.blknum);
        for blknum in operator.child_blocks().filter(|b| *b > challenged && *b <= late.exit.prev_blk) {
            let Ok((response, sig)) = self.operator_included(coin_id, blknum) else { continue };
            let signer = SignedCashTx::new(response.tx, sig).signer(operator.domain());
            if response.tx.prevBlock == challenged && signer.is_ok_and(|s| s == late.challenge.owner) {
                return Ok(Some(HistoryResponse { coin_id, challenge_blk: challenged, response, sig }));
            }
        }
        Ok(None)
    }

    /// A forgery: `coin_id` moved from its last block to `to`, signed by `signer` (not its owner).
    fn forged(&self, world: &World, coin_id: u64, to: &str, signer: &str) -> Result<SignedCashTx, Error> {
        let coin = self.operator()?.coin(coin_id).ok_or_else(|| err(format!("no coin {coin_id}")))?;
        let tx = CashTx::new(coin_id, coin.last_moved, world.actor(to)?.address);
        Ok(tx.sign(&world.domain(), &world.actor(signer)?.key))
    }

    /// The rearrangement attack of protocols.md 3.6 on every pending payment.
    async fn rearrange(&mut self, world: &mut World, beneficiary: &str) -> Result<(), Error> {
        let payments = std::mem::take(&mut self.pending);
        if payments.is_empty() {
            return Err(err("the rearrangement needs a pending payment"));
        }
        for payment in &payments {
            let coin_id = payment.tx.tx.coinId;
            let held = self.operator_mut()?.hold_back(coin_id).ok_or_else(|| err("payment not queued"))?;
            self.operator_mut()?.include_unchecked(held).map_err(err)?;
        }
        self.commit(world, true).await?;
        for hop in [beneficiary, beneficiary] {
            for payment in &payments {
                let tx = self.forged(world, payment.tx.tx.coinId, hop, beneficiary)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            self.commit(world, true).await?;
        }
        Ok(())
    }

    /// The newest coin `owner` paid away.
    fn newest_spent(&self, owner: &str) -> Result<u64, Error> {
        self.spent
            .get(owner)
            .and_then(|claims| claims.last())
            .map(ExitClaim::coin_id)
            .ok_or_else(|| err(format!("{owner} paid nothing away")))
    }

    /// The coin of the newest exit `owner` started, read from the game's events.
    async fn newest_exited(world: &World, owner: &str) -> Result<u64, Error> {
        let address = world.actor(owner)?.address;
        super::game_events::<Cash>(world)
            .await?
            .into_iter()
            .filter_map(|event| match event {
                CashEvent::ExitStarted(exit) if exit.owner == address => Some(exit.coin_id),
                _ => None,
            })
            .next_back()
            .ok_or_else(|| Error::Scenario(format!("{owner} exited nothing")))
    }

    /// A second spend of `coin_id` to `to`, signed by `signer`: it spends the same state as the
    /// coin's newest recorded payment (so it conflicts with that payment).
    fn spend_again(&self, world: &World, coin_id: u64, to: &str, signer: &str) -> Result<SignedCashTx, Error> {
        let claim = self
            .spent
            .values()
            .flatten()
            .rev()
            .find(|claim| claim.coin_id() == coin_id)
            .ok_or_else(|| err(format!("coin {coin_id} was never paid away")))?;
        let parent_blk = match claim {
            ExitClaim::Deposit(exit) => exit.coin_id,
            ExitClaim::Tx(exit) => exit.exiting.blknum,
        };
        let tx = CashTx::new(coin_id, parent_blk, world.actor(to)?.address);
        Ok(tx.sign(&world.domain(), &world.actor(signer)?.key))
    }
}

#[async_trait::async_trait]
impl Variant for CashVariant {
    fn name(&self) -> &'static str {
        Cash::NAME
    }

    fn summary(&self) -> &'static str {
        Cash::SUMMARY
    }

    fn capabilities(&self) -> plasma_core::Capabilities {
        Cash::capabilities()
    }

    fn must_watch(&self) -> &'static str {
        Cash::MUST_WATCH
    }

    fn exit_bond(&self) -> U256 {
        Cash::exit_bond(&self.game)
    }

    async fn deploy(&mut self, world: &mut World) -> Result<(), Error> {
        self.game = CashGame::new(EXIT_BOND, CHALLENGE_BOND, world.min_exit_period);
        let game = self.game;
        world
            .deploy_exit_game(Cash::game_bytecode(), move |framework| Cash::game_constructor_args(&game, framework))
            .await?;
        let domain = world.domain();
        let clients: Vec<(String, CashClient)> = world
            .everyone()
            .map(|actor| {
                let watching = !Self::is_cheater(world, &actor.name);
                (actor.name.clone(), CashClient::new(actor.key.clone(), domain, game, watching))
            })
            .collect();
        self.node = Some(Node::new(world, Operator::new(domain), clients));
        let cheaters = world.everyone().filter(|a| Self::is_cheater(world, &a.name)).map(|a| a.address).collect();
        self.cheats = Some(Cheats {
            cursor: plasma_node::LogCursor::new(world.framework, world.exit_game, 0),
            cheaters,
            open: BTreeMap::new(),
            late_answers: Vec::new(),
        });
        Ok(())
    }

    async fn deposit(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support, Error> {
        let deposit = world.deposit(actor, amount).await?;
        // The operator credits it, and the depositor's wallet learns it from its own receipt.
        let event = ChainEvent::Framework(FrameworkEvent::Deposit(deposit));
        self.operator_mut()?.on_chain_event(&event).map_err(err)?;
        let at = world.chain.block_time().await?;
        self.client_mut(actor)?.on_event(&event, at).map_err(err)?;
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
        let payee = world.actor(to)?.address;
        let (coin_id, forged) = match self.coin_of(world, from, amount)? {
            Ok(found) => found,
            Err(why) => return Ok(Support::NotApplicable(why)),
        };
        if forged {
            // A cheater moves a coin the operator forged for it; the operator takes anything.
            let tx = self.forged(world, coin_id, to, from)?;
            self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            world.log.push(format!("{from} moves forged coin {coin_id} to {to}"));
            return Ok(Support::Done);
        }
        // The payee checks the whole history before the payer signs anything.
        let history = self.client(from)?.wallet().handover(coin_id).map_err(err)?;
        self.client_mut(to)?
            .check_history(&history)
            .map_err(|why| err(format!("{to} cannot verify the history of coin {coin_id}: {why}")))?;
        let claim = self.client(from)?.wallet().exit_claim(coin_id).map_err(err)?;
        let tx = self.client_mut(from)?.pay(payee, amount).map_err(err)?;
        if let Err(refused) = self.operator_mut()?.submit_tx(tx) {
            self.client_mut(from)?.cancel(&tx);
            return Err(err(refused));
        }
        let announced = self.client_mut(from)?.hand_over(&tx, None).map_err(err)?;
        if let Some(announced) = announced {
            self.client_mut(to)?.receive(&announced).map_err(err)?;
        }
        self.spent.entry(from.to_owned()).or_default().push(claim);
        self.pending.push(Pending { tx, payer: from.to_owned(), payee: to.to_owned() });
        Ok(Support::Done)
    }

    async fn commit_block(&mut self, world: &mut World) -> Result<(), Error> {
        let withhold = std::mem::take(&mut self.withhold_next);
        let submitted = self.commit(world, withhold).await?;
        self.deliver(world, submitted).await
    }

    async fn inject_fault(&mut self, world: &mut World, fault: &Fault) -> Result<Support, Error> {
        match fault {
            Fault::SpendExited { owner, beneficiary } => {
                let coin = Self::newest_exited(world, owner).await?;
                // The operator forgot the coin when its exit was paid; the owner's history has it.
                let history = self
                    .client(owner)?
                    .wallet()
                    .handover(coin)
                    .map_err(|_| err(format!("{owner} kept no coin {coin}")))?;
                let tx = CashTx::new(coin, history.tip().last_moved, world.actor(beneficiary)?.address);
                let tx = tx.sign(&world.domain(), &world.actor(owner)?.key);
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
                // The owner announces the payment with the coin's history; the payee must refuse
                // it: the history verifies, but the coin is gone from the root chain.
                let outcome = self.client_mut(beneficiary)?.receive(&Handover::Announced { tx, history }).map(|_| ());
                super::refused_paid_out(world, (owner, beneficiary, coin), outcome, |why| {
                    matches!(why, plasma_cash::CashError::PaidOut(_))
                })?;
            }
            Fault::InvalidTransaction { victim, beneficiary, .. } => {
                let address = world.actor(victim)?.address;
                let coin =
                    *self.operator()?.coins_of(address).last().ok_or_else(|| err(format!("{victim} holds no coin")))?;
                let tx = self.forged(world, coin, beneficiary, beneficiary)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::DoubleSpend { victim, beneficiary } => {
                let coin = self.newest_spent(victim)?;
                let tx = self.spend_again(world, coin, beneficiary, beneficiary)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::SignedDoubleSpend { owner, beneficiary } => {
                let coin = self.newest_spent(owner)?;
                let tx = self.spend_again(world, coin, beneficiary, owner)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::Mint { beneficiary, amount } => {
                let amount = u128::try_from(amount.resolve(0)?).map_err(|_| err("negative mint"))?;
                // A coin id no deposit ever created (the last deposit slot of the first interval,
                // which no scenario reaches): nothing on the root chain backs it.
                let tx = CashTx::new(MINTED_COIN, MINTED_COIN, world.actor(beneficiary)?.address);
                let tx = tx.sign(&world.domain(), &world.actor(beneficiary)?.key);
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
                self.minted.push((beneficiary.clone(), MINTED_COIN, U256::from(amount)));
            }
            Fault::WithholdBlock => self.withhold_next = true,
            Fault::Rearrange { beneficiary } => self.rearrange(world, beneficiary).await?,
            Fault::StaleState { .. } | Fault::OneSlotPayment { .. } => {
                return Ok(Support::NotApplicable(format!(
                    "{fault:?} needs Plasma Debit's channels and atomic payments"
                )));
            }
            Fault::CompetingPair { .. } | Fault::DuplicateInput { .. } => {
                return Ok(Support::NotApplicable(format!(
                    "{fault:?} attacks multi-input transactions and in-flight exits, which Plasma Cash does not have"
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
        let cheater = Self::is_cheater(world, actor);
        let scope = match what {
            ExitWhat::All => ExitScope::All,
            ExitWhat::Newest => ExitScope::Newest,
            ExitWhat::Spent => {
                let claims = self.spent.get(actor).cloned().unwrap_or_default();
                let open = self.client(actor)?.open_exits();
                let calls = claims
                    .iter()
                    .filter(|claim| must_fail || !open.contains_key(&claim.coin_id()))
                    .map(|claim| (claim.coin_id(), self.game.exit_call(claim)))
                    .collect();
                Self::start_exits(world, actor, calls, must_fail).await?;
                return Ok(Support::Done);
            }
            ExitWhat::StaleState => return Ok(Support::NotApplicable("Plasma Cash has no channel states".into())),
            ExitWhat::InFlight | ExitWhat::SpentInFlight | ExitWhat::FalseCanonicity => {
                return Ok(Support::NotApplicable("Plasma Cash has no in-flight exits".into()));
            }
        };
        let calls: Vec<(u64, GameCall)> = if cheater || must_fail {
            // A cheater's exits: its own claims and the coins the operator forged or minted for
            // it, started again or not.
            let mut claims = self.client(actor)?.wallet().exit_claims();
            if cheater {
                let address = world.actor(actor)?.address;
                let wallet = self.client(actor)?.wallet();
                let forged: Vec<u64> =
                    self.operator()?.coins_of(address).into_iter().filter(|coin| !wallet.owns(*coin)).collect();
                for coin in forged {
                    claims.push(self.claim_from_operator(coin)?);
                }
                for (_, coin_id, amount) in self.minted.iter().filter(|(owner, ..)| owner == actor) {
                    claims.push(self.minted_claim(address, *coin_id, *amount)?);
                }
            }
            if scope == ExitScope::Newest {
                claims = claims.pop().into_iter().collect();
            }
            let open = self.client(actor)?.open_exits();
            claims
                .iter()
                .filter(|claim| must_fail || !open.contains_key(&claim.coin_id()))
                .map(|claim| (claim.coin_id(), self.game.exit_call(claim)))
                .collect()
        } else {
            let now = world.chain.block_time().await?;
            let decisions = self.client(actor)?.exits(scope, now).map_err(err)?;
            decisions
                .into_iter()
                .filter_map(|d| match d.tag {
                    plasma_cash::CashTag::OwnExit(coin) => Some((coin, d.call)),
                    plasma_cash::CashTag::Exit { .. } => None,
                })
                .collect()
        };
        Self::start_exits(world, actor, calls, must_fail).await?;
        Ok(Support::Done)
    }

    async fn challenge(&mut self, world: &mut World, challenger: &str, target: &str) -> Result<Support, Error> {
        self.look(world).await?;
        let target = world.actor(target)?.address;
        let client = self.client(challenger)?;
        let exit = *client
            .open_exits()
            .values()
            .rfind(|exit| exit.owner == target)
            .ok_or_else(|| err("no open exit of the target"))?;
        // Whatever the challenger knows of the coin before the exit's parent: its deposit, or the
        // earliest transaction it holds (an honest history answers either).
        let wallet = client.wallet();
        let earlier = wallet
            .deposit_record(exit.coin_id)
            .filter(|record| record.coin_id < exit.prev_blk)
            .map(|record| Included::deposit(&record))
            .or_else(|| {
                wallet.known_moves(exit.coin_id).into_iter().find(|m| m.blknum < exit.prev_blk).map(|m| m.included())
            })
            .ok_or_else(|| err(format!("{challenger} knows nothing of coin {} before its exit", exit.coin_id)))?;
        let call = self.game.challenge_history_call(&HistoryChallenge { coin_id: exit.coin_id, earlier });
        let from = world.actor(challenger)?.address;
        let receipt = world.game_call(from, &call).await?;
        if !receipt.success {
            return Err(err(format!("challenge refused: {}", receipt.revert_reason.unwrap_or_default())));
        }
        world.log.push(format!("{challenger} challenges the history of coin {}", exit.coin_id));
        Ok(Support::Done)
    }

    async fn run_watchers(&mut self, world: &mut World) -> Result<(), Error> {
        self.look(world).await?;
        self.answer_late(world).await?;
        // What the operator's answers revealed may call for more.
        self.look(world).await?;
        let node = self.node()?;
        let outcome = node.operator.flush(world).await;
        node.log_notes(world);
        Ok(outcome?)
    }

    async fn exit_counts(&self, world: &World) -> Result<ExitCounts, Error> {
        super::exit_counts::<Cash>(world).await
    }
}
