//! Any design on the runtime, as a scenario variant, written once over the core traits.
//!
//! [`Lab`] implements [`Variant`] for every design that implements [`Scripted`]: it deploys the
//! design's exit game on the world's framework, runs the design's operator and one client per
//! actor on `plasma-node` ([`Node`]), and carries out the scenario steps the honest way: deposits
//! reach the depositor's client, payments go from the payer's client to the operator and are
//! handed over once their block is in, exits are what the users' clients decide, and every look
//! runs the runtime's client and operator loops. What a design adds is its misbehaviour: the
//! operator's faults and the cheaters' exits and challenges, as [`Scripted`] hooks (each with a
//! default that says the design does not express it).
//!
//! Nothing here names a design: the built-in ones plug in through [`crate::builtin()`], and a design
//! of one's own through the same trait (`examples/own_variant.rs`).

use alloy_primitives::{Address, U256};
use plasma_core::{
    BlockNumber, BlockSubmittedEvent, ChainEvent, Decision, Design, ExitScope, FrameworkEvent, GameCall, OperatorState,
    SigningKey, UserClient,
};
use plasma_rootchain::RootChain as _;

use crate::{
    CheckpointStep, Error, ExitCounts, ExitRequest, ExitWhat, Fault, Payment, Support, Variant, VariantInfo, World,
};

/// A design's operator and users' clients on the runtime, wired to a scenario's world: the
/// operator in this process serves the clients' block data.
pub struct Node<D: Design, O, C> {
    /// The operator loop.
    pub operator: plasma_node::OperatorRuntime<D, O>,
    /// Every actor's client, by actor name.
    pub clients: plasma_node::ClientRuntime<D, C>,
}

impl<D, O, C> Node<D, O, C>
where
    D: Design,
    O: OperatorState<D> + Sync,
    C: UserClient<D>,
{
    /// The operator `operator` and the clients `clients` on `world`'s deployment, reading the
    /// chain from its first block; clients retry at every look.
    pub fn new(world: &World, operator: O, clients: impl IntoIterator<Item = (String, C)>) -> Self {
        let cursor = plasma_node::LogCursor::new(world.framework, world.exit_game, 0);
        let operator = plasma_node::OperatorRuntime::new(
            operator,
            world.operator.address,
            (world.framework, world.exit_game),
            cursor.clone(),
            plasma_core::RetryPolicy::EVERY_LOOK,
        );
        let mut runtime =
            plasma_node::ClientRuntime::new(cursor, world.exit_game, plasma_core::RetryPolicy::EVERY_LOOK);
        for (name, client) in clients {
            runtime.add(name, client);
        }
        Self { operator, clients: runtime }
    }

    /// Moves what the runtime noted to the world's log.
    pub fn log_notes(&mut self, world: &mut World) {
        world.log.extend(self.operator.take_notes().into_iter().map(|note| note.0));
        world.log.extend(self.clients.take_notes().into_iter().map(|note| note.0));
    }

    /// One look at the chain: the operator reads what happened (an exit binds its next block),
    /// then every client looks (see [`plasma_node::ClientRuntime::step`]) with the operator in this
    /// process serving block data, then the operator sends what it owes.
    pub async fn run_watchers(&mut self, world: &mut World) -> Result<()> {
        self.operator.poll(&world.chain).await?;
        let source = plasma_node::InProcess(self.operator.operator());
        let outcome = self.clients.step(world, &source).await;
        self.log_notes(world);
        outcome?;
        let outcome = self.operator.flush(world).await;
        self.log_notes(world);
        Ok(outcome?)
    }

    /// Client `name` reads the chain and judges every block it waits for, now.
    pub async fn sync_client(&mut self, world: &mut World, name: &str) -> Result<()> {
        let source = plasma_node::InProcess(self.operator.operator());
        self.clients.ingest(&world.chain, &source).await?;
        let now = world.chain.block_time().await?;
        self.clients.sync_one(name, &source, now).await?;
        self.log_notes(world);
        Ok(())
    }

    /// Queues what client `name` decided outside a look (on a handover).
    pub async fn decide(&mut self, world: &World, name: &str, decisions: Vec<Decision<D::Tag>>) -> Result<()> {
        if !decisions.is_empty() {
            let now = world.chain.block_time().await?;
            self.clients.decide(name, decisions, now);
        }
        Ok(())
    }
}

/// What the harness's calls return.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A block the operator just committed, as [`Scripted::deliver`] takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Committed {
    /// Its submission.
    pub submitted: BlockSubmittedEvent,
    /// Whether the operator withholds it (the `withhold-block` fault).
    pub withheld: bool,
}

/// Every event of the world's exit game so far, decoded by design `D`, oldest first.
pub async fn game_events<D: Design>(world: &World) -> Result<Vec<D::GameEvent>, Error> {
    let filter = plasma_rootchain::LogFilter { address: Some(world.exit_game), ..Default::default() };
    let logs = world.chain.logs(&filter).await?;
    let mut events = Vec::new();
    for entry in &logs {
        if let Some(event) = D::decode_game_event(&entry.log).map_err(plasma_node::Error::design::<D>)? {
            events.push(event);
        }
    }
    Ok(events)
}

/// The exit outcomes of design `D`'s game so far.
pub async fn exit_counts<D: Design>(world: &World) -> Result<ExitCounts, Error> {
    let mut counts = ExitCounts::default();
    for event in game_events::<D>(world).await? {
        match D::exit_outcome(&event) {
            Some(plasma_core::ExitOutcome::Started) => counts.started += 1,
            Some(plasma_core::ExitOutcome::Challenged) => counts.challenged += 1,
            Some(plasma_core::ExitOutcome::Processed { paid }) => counts.paid += u64::from(paid),
            None => {}
        }
    }
    Ok(counts)
}

/// Whether `name` cheats in a scenario: the operator, or an actor colluding with it. Cheaters run
/// no watcher.
pub fn is_cheater(world: &World, name: &str) -> bool {
    name == "operator" || world.colluding.iter().any(|c| c == name)
}

/// A payment waiting for its block.
#[derive(Debug, Clone)]
pub struct Pending<T> {
    /// The payment.
    pub tx: T,
    /// Who pays (for a forgery: who signs the confirmations).
    pub payer: String,
    /// Who is paid.
    pub payee: String,
    /// Whether the payer will confirm it after inclusion (designs with confirmation signatures).
    pub confirm: bool,
    /// A fault: the payment never went through the payer's wallet (the operator slipped it in).
    pub forged: bool,
}

/// A design the scenario suite drives through the core traits: its operator and client, and the
/// misbehaviour scenarios ask of it. Every hook but the constructors has a default: honest designs
/// with no faults of their own need only the first six items.
#[async_trait::async_trait]
pub trait Scripted: Design {
    /// The operator's state.
    type Operator: OperatorState<Self> + Sync;
    /// One user's software.
    type Client: UserClient<Self> + Sync;
    /// What the cheaters of a scenario remember (spent claims, forged coins, answers held back).
    type Cheats: Default + Send + Sync;

    /// Whether the child chain carries payments (a design without them finds every scenario
    /// with a transfer not applicable).
    const PAYS: bool = true;

    /// The exit game's parameters on a chain whose exit period is `min_exit_period` seconds.
    fn game(min_exit_period: u64) -> Self::Game;
    /// An honest operator on `world`'s deployment (its domain, the operator actor's key).
    fn operator(world: &World) -> Self::Operator;
    /// The software of the user holding `key` on `world`'s deployment (its domain, operator and
    /// exit period); `watching` is false for a cheater, who runs no watcher.
    fn client(key: SigningKey, world: &World, game: &Self::Game, watching: bool) -> Self::Client;
    /// What a decision of the user's own exit exits, in words for the log (`"coin 5"`); `None`
    /// for every other decision (challenges, answers).
    fn exit_subject(tag: &Self::Tag) -> Option<String>;
    /// The addresses a payment pays (the payee, and the payer for its change): each takes the
    /// handover.
    fn paid_to(tx: &Self::Tx) -> Vec<Address>;

    /// The operator withholds block `blknum` (after the `withhold-block` fault); `false` when the
    /// design cannot.
    fn withhold(_operator: &mut Self::Operator, _blknum: BlockNumber) -> bool {
        false
    }

    /// How the runtime names who sends a client's call in its notes.
    fn naming() -> plasma_node::Naming {
        plasma_node::Naming::ByRole
    }

    /// The design was deployed on `world` and its node set up (cheaters start following the game).
    fn deployed(_lab: &mut Lab<Self>, _world: &World) {}

    /// The operator accepted `payment` (cheaters remember what they spent).
    fn paid(_lab: &mut Lab<Self>, _payment: &Pending<Self::Tx>) {}

    /// The handover of a forged payment in block `blknum`, if the cheaters make one.
    fn forged_handover(
        _lab: &Lab<Self>,
        _world: &World,
        _payment: &Pending<Self::Tx>,
        _blknum: BlockNumber,
    ) -> Result<Option<Self::Handover>, Error> {
        Ok(None)
    }

    /// Payment `payment` of block `blknum` was not handed over (its payer did not confirm it).
    fn not_handed_over(_lab: &mut Lab<Self>, _payment: &Pending<Self::Tx>, _blknum: BlockNumber) -> Result<()> {
        Ok(())
    }

    /// `actor` deposits `amount` wei; the default is [`Lab::deposit_honest`].
    async fn deposit(lab: &mut Lab<Self>, world: &mut World, actor: &str, amount: U256) -> Result<Support> {
        lab.deposit_honest(world, actor, amount).await
    }

    /// The payment `payment`; the default is [`Lab::pay_honest`].
    async fn transfer(lab: &mut Lab<Self>, world: &mut World, payment: Payment<'_>) -> Result<Support> {
        lab.pay_honest(world, payment).await
    }

    /// Block `block` was committed: what the parties of its payments do. The default is
    /// [`Lab::deliver_validated`].
    async fn deliver(lab: &mut Lab<Self>, world: &mut World, block: Committed) -> Result<()> {
        let pending = std::mem::take(&mut lab.pending);
        if block.withheld {
            // Nobody sees the block: payers cannot confirm, recipients receive nothing.
            return Ok(());
        }
        lab.deliver_validated(world, block.submitted.blknum, pending).await
    }

    /// One look of every user's software (and what the cheaters do then); the default is
    /// [`Node::run_watchers`].
    async fn run_watchers(lab: &mut Lab<Self>, world: &mut World) -> Result<()> {
        lab.node()?.run_watchers(world).await
    }

    /// The exit outcomes so far; the default reads them from the game's events through
    /// [`Design::exit_outcome`].
    async fn exit_counts(world: &World) -> Result<ExitCounts, Error> {
        exit_counts::<Self>(world).await
    }

    /// The operator misbehaves as `fault` says.
    async fn inject_fault(_lab: &mut Lab<Self>, _world: &mut World, fault: &Fault) -> Result<Support> {
        Ok(Support::NotApplicable(format!("{} has no fault {fault:?}", Self::NAME)))
    }

    /// The exits `exit` asks for; the default carries out the honest ones (see [`Lab::own_exits`]).
    async fn exit(lab: &mut Lab<Self>, world: &mut World, exit: ExitRequest<'_>) -> Result<Support> {
        lab.own_exits(world, exit).await
    }

    /// The operator deposits `amount` wei into `actor`'s newest coin (designs with channels).
    async fn add_liquidity(_lab: &mut Lab<Self>, _world: &mut World, _actor: &str, _amount: U256) -> Result<Support> {
        Ok(Support::NotApplicable(format!("{} has no operator liquidity (a Plasma Debit channel feature)", Self::NAME)))
    }

    /// The operator tries to seize liquidity it handed to `holder` (designs with channels).
    async fn seize_liquidity(_lab: &mut Lab<Self>, _world: &mut World, _actor: &str, _holder: &str) -> Result<Support> {
        Ok(Support::NotApplicable(format!("{} has no operator liquidity (a Plasma Debit channel feature)", Self::NAME)))
    }

    /// The operator proposes a checkpoint as `step` says (designs with checkpoints).
    async fn checkpoint(_lab: &mut Lab<Self>, _world: &mut World, _step: &CheckpointStep) -> Result<Support> {
        Ok(Support::NotApplicable(format!("{} has no checkpoints", Self::NAME)))
    }

    /// `challenger` challenges the newest exit of `target` by hand.
    async fn challenge(_lab: &mut Lab<Self>, _world: &mut World, _challenger: &str, _target: &str) -> Result<Support> {
        Ok(Support::NotApplicable(format!("{} has no challenge by hand", Self::NAME)))
    }
}

/// Design `S` on the runtime, as a scenario variant.
pub struct Lab<S: Scripted> {
    /// The exit game's parameters.
    pub game: S::Game,
    node: Option<Node<S, S::Operator, S::Client>>,
    /// Payments waiting for their block, in the order they were made.
    pub pending: Vec<Pending<S::Tx>>,
    /// Whether the operator withholds the next block.
    pub withhold_next: bool,
    /// What the cheaters remember.
    pub cheats: S::Cheats,
}

impl<S: Scripted> Default for Lab<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scripted> Lab<S> {
    /// A fresh instance, deployed by [`Variant::deploy`].
    pub fn new() -> Self {
        Self {
            game: S::game(plasma_contracts::DEFAULT_MIN_EXIT_PERIOD),
            node: None,
            pending: Vec::new(),
            withhold_next: false,
            cheats: S::Cheats::default(),
        }
    }

    /// An error of this design.
    pub fn err(message: impl std::fmt::Display) -> Error {
        Error::Variant { variant: S::NAME, message: message.to_string() }
    }

    /// The operator and the clients.
    pub fn node(&mut self) -> Result<&mut Node<S, S::Operator, S::Client>, Error> {
        self.node.as_mut().ok_or_else(|| Self::err("not deployed"))
    }

    /// The operator and the clients, to read.
    pub fn node_ref(&self) -> Result<&Node<S, S::Operator, S::Client>, Error> {
        self.node.as_ref().ok_or_else(|| Self::err("not deployed"))
    }

    /// The operator's state.
    pub fn operator(&self) -> Result<&S::Operator, Error> {
        Ok(self.node.as_ref().ok_or_else(|| Self::err("not deployed"))?.operator.operator())
    }

    /// The operator's state, to change (what a cheating operator does).
    pub fn operator_mut(&mut self) -> Result<&mut S::Operator, Error> {
        Ok(self.node()?.operator.operator_mut())
    }

    /// The client of `name`.
    pub fn client(&self, name: &str) -> Result<&S::Client, Error> {
        Ok(self.node.as_ref().ok_or_else(|| Self::err("not deployed"))?.clients.client(name)?)
    }

    /// The client of `name`, to change.
    pub fn client_mut(&mut self, name: &str) -> Result<&mut S::Client, Error> {
        Ok(self.node()?.clients.client_mut(name)?)
    }

    /// Starts the exits `calls` (each with the tag of the user's exit it starts) from `owner`;
    /// with `must_fail`, every one must be refused. The owner's client learns each exit that
    /// started.
    pub async fn start_exits(
        &mut self,
        world: &mut World,
        owner: &str,
        calls: Vec<(S::Tag, GameCall)>,
        must_fail: bool,
    ) -> Result<()> {
        if calls.is_empty() {
            return Err(Self::err(format!("{owner} has nothing to exit")));
        }
        let from = world.actor(owner)?.address;
        for (tag, call) in calls {
            let subject = S::exit_subject(&tag).unwrap_or_else(|| format!("{tag:?}"));
            let receipt = world.game_call(from, &call).await?;
            let reason = receipt.revert_reason.unwrap_or_default();
            match (receipt.success, must_fail) {
                (true, false) => {
                    self.client_mut(owner)?.on_action_done(&tag);
                    world.log.push(format!("{owner} exits {subject}"));
                }
                (false, true) => world.log.push(format!("{owner}'s exit of {subject} refused: {reason}")),
                (true, true) => return Err(Self::err(format!("the exit of {subject} by {owner} had to be refused"))),
                (false, false) => return Err(Self::err(format!("{owner} cannot exit {subject}: {reason}"))),
            }
        }
        Ok(())
    }

    /// The user's own exits `exit` asks for, as its client decides them now (`all` or `newest`;
    /// the cheaters' kinds are the design's to express).
    pub async fn own_exits(&mut self, world: &mut World, exit: ExitRequest<'_>) -> Result<Support> {
        let ExitRequest { actor, what, must_fail } = exit;
        let scope = match what {
            ExitWhat::All => ExitScope::All,
            ExitWhat::Newest => ExitScope::Newest,
            other => return Ok(Support::NotApplicable(format!("{} has no exit of kind {other:?}", S::NAME))),
        };
        let now = world.chain.block_time().await?;
        let calls = self.own_exit_calls(actor, scope, now)?;
        self.start_exits(world, actor, calls, must_fail).await?;
        Ok(Support::Done)
    }

    /// The user's own exits of `scope` its client decides at `now`, with their tags.
    pub fn own_exit_calls(
        &self,
        actor: &str,
        scope: ExitScope,
        now: plasma_core::Timestamp,
    ) -> Result<Vec<(S::Tag, GameCall)>, Error> {
        let decisions = self.client(actor)?.exits(scope, now).map_err(Self::err)?;
        Ok(decisions.into_iter().filter(|d| S::exit_subject(&d.tag).is_some()).map(|d| (d.tag, d.call)).collect())
    }

    /// `actor` deposits `amount` wei: the operator credits it, and the depositor's client learns
    /// it from its own receipt.
    pub async fn deposit_honest(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support> {
        let deposit = world.deposit(actor, amount).await?;
        // The operator credits it, and the depositor's wallet learns it from its own receipt.
        self.node()?.operator.poll(&world.chain).await?;
        let at = world.chain.block_time().await?;
        let event = ChainEvent::Framework(FrameworkEvent::Deposit(deposit));
        self.client_mut(actor)?.on_event(&event, at).map_err(Self::err)?;
        Ok(Support::Done)
    }

    /// The payment `payment` the honest way: the payer's client signs it, the operator takes it
    /// (or the client releases what it reserved), and a design that hands over in flight does so
    /// now; the others after inclusion ([`Scripted::deliver`]).
    pub async fn pay_honest(&mut self, world: &mut World, payment: Payment<'_>) -> Result<Support> {
        let Payment { from, to, amount, confirm } = payment;
        if !S::PAYS {
            return Ok(Support::NotApplicable(format!("{} carries no payments", S::NAME)));
        }
        let payee = world.actor(to)?.address;
        let tx = self.client_mut(from)?.pay(payee, amount).map_err(Self::err)?;
        let node = self.node()?;
        if let Err(rejected) = node.operator.submit(&world.chain, tx.clone()).await {
            node.clients.client_mut(from)?.cancel(&tx);
            return Err(Self::err(rejected));
        }
        let pending = Pending { tx, payer: from.to_owned(), payee: to.to_owned(), confirm, forged: false };
        S::paid(self, &pending);
        // A design that hands over at once (in flight) does so now; the others after inclusion.
        if from != to
            && let Some(handover) = self.client_mut(from)?.hand_over(&pending.tx, None).map_err(Self::err)?
        {
            let decisions = self.client_mut(to)?.receive(&handover).map_err(Self::err)?;
            self.node()?.decide(world, to, decisions).await?;
        }
        self.pending.push(pending);
        Ok(Support::Done)
    }

    /// After block `blknum` is committed: payers hand over their payments once their watcher has
    /// validated the block (never on an invalid block, nor after a known fault), and every owner
    /// of an output checks and records it.
    pub async fn deliver_validated(
        &mut self,
        world: &mut World,
        blknum: BlockNumber,
        pending: Vec<Pending<S::Tx>>,
    ) -> Result<()> {
        for payment in pending {
            let data =
                self.operator()?.block_data(blknum).ok_or_else(|| Self::err("payment in an unpublished block"))?;
            let handover = if payment.forged {
                S::forged_handover(self, world, &payment, blknum)?
            } else if payment.confirm {
                self.node()?.sync_client(world, &payment.payer).await?;
                let payer = self.client_mut(&payment.payer)?;
                let handover = payer.hand_over(&payment.tx, Some((blknum, &data))).map_err(Self::err)?;
                if handover.is_none() {
                    world.log.push(format!(
                        "{}'s wallet confirms nothing in block {blknum}: its watcher found a fault",
                        payment.payer
                    ));
                }
                handover
            } else {
                None
            };
            let Some(handover) = handover else {
                S::not_handed_over(self, &payment, blknum)?;
                continue;
            };
            let mut owners: Vec<String> = vec![payment.payee.clone(), payment.payer.clone()];
            owners.sort();
            owners.dedup();
            let paid_to = S::paid_to(&payment.tx);
            for owner in owners {
                if !paid_to.contains(&world.actor(&owner)?.address) {
                    continue;
                }
                let decisions = self.client_mut(&owner)?.receive(&handover).map_err(Self::err)?;
                self.node()?.decide(world, &owner, decisions).await?;
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl<S: Scripted> Variant for Lab<S> {
    fn info(&self) -> VariantInfo {
        VariantInfo::of::<S>(&self.game)
    }

    async fn deploy(&mut self, world: &mut World) -> Result<()> {
        self.game = S::game(world.min_exit_period);
        world.deploy_design::<S>(&self.game).await?;
        let clients: Vec<(String, S::Client)> = world
            .everyone()
            .map(|actor| {
                let watching = !is_cheater(world, &actor.name);
                (actor.name.clone(), S::client(actor.key.clone(), world, &self.game, watching))
            })
            .collect();
        let mut node = Node::new(world, S::operator(world), clients);
        node.clients = node.clients.with_naming(S::naming());
        self.node = Some(node);
        S::deployed(self, world);
        Ok(())
    }

    async fn deposit(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support> {
        S::deposit(self, world, actor, amount).await
    }

    async fn transfer(&mut self, world: &mut World, payment: Payment<'_>) -> Result<Support> {
        S::transfer(self, world, payment).await
    }

    async fn commit_block(&mut self, world: &mut World) -> Result<()> {
        let submitted = self.node()?.operator.commit(&mut world.chain).await?;
        let withheld = std::mem::take(&mut self.withhold_next);
        if withheld {
            if !S::withhold(self.operator_mut()?, submitted.blknum) {
                return Err(Self::err("this operator cannot withhold a block"));
            }
            world.log.push(format!("operator withholds block {}", submitted.blknum));
        }
        S::deliver(self, world, Committed { submitted, withheld }).await
    }

    async fn inject_fault(&mut self, world: &mut World, fault: &Fault) -> Result<Support> {
        let support = S::inject_fault(self, world, fault).await?;
        if support == Support::Done {
            world.log.push(format!("operator fault: {fault:?}"));
        }
        Ok(support)
    }

    async fn exit(&mut self, world: &mut World, exit: ExitRequest<'_>) -> Result<Support> {
        S::exit(self, world, exit).await
    }

    async fn challenge(&mut self, world: &mut World, challenger: &str, target: &str) -> Result<Support> {
        S::challenge(self, world, challenger, target).await
    }

    async fn run_watchers(&mut self, world: &mut World) -> Result<()> {
        S::run_watchers(self, world).await
    }

    async fn exit_counts(&self, world: &World) -> Result<ExitCounts, Error> {
        S::exit_counts(world).await
    }

    async fn add_liquidity(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support> {
        S::add_liquidity(self, world, actor, amount).await
    }

    async fn seize_liquidity(&mut self, world: &mut World, actor: &str, holder: &str) -> Result<Support> {
        S::seize_liquidity(self, world, actor, holder).await
    }

    async fn checkpoint(&mut self, world: &mut World, step: &CheckpointStep) -> Result<Support> {
        S::checkpoint(self, world, step).await
    }
}
