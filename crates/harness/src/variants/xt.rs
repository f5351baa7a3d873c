//! Plasma XT (`plasma-xt`) as a scenario variant: the design's operator ([`XtOperator`]) and one
//! [`XtClient`] per actor on the runtime (`plasma-node`), and `XtExitGame` on the root chain.
//!
//! Everything Plasma Cash does is the Cash adapter's ([`Core`], over the Cash family): payments,
//! blocks, faults, the Cash layer of every client, the cheating operator's late answers. The
//! honest users' checkpoint software is the design crate's: each client signs off only what its
//! history says, challenges false bits (as a later owner when it received the coin after the
//! checkpoint's block), prunes behind finalised checkpoints, hands over checkpoint-started
//! histories, exits from a checkpoint, cancels stale exits and answers history challenges with its
//! coin's finalised state; the operator answers challenges of its checkpoints and finalises them.
//!
//! Clients look at the chain as the checkpoint layer first, twice (its decisions go out on an
//! outbox of their own), then as the Cash layer. What stays here is the scenario's vocabulary: the
//! `checkpoint` step (the operator's proposal, honest owners' sign-offs, false bits, forged states,
//! griefers, a zone past its block), payers forwarding the leaf proofs they hold with a coin, and
//! the cheaters' exits of forged checkpoint states and answers with their accomplices' sign-offs.
//!
//! The game runs with a checkpoint period equal to the exit period and a challenge cap of
//! [`CHALLENGE_CAP`], small so that a scenario with three users can exceed it.

use std::collections::BTreeMap;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolEvent as _;
use plasma_cash::{CashError, CashGame, CashHistory, CashTag, Included, SignedCashTx, game::IncludedExt as _};
use plasma_core::{
    BlockNumber, Decision, Design, ExitScope, RetryPolicy, Signature, SigningKey, Timestamp, UserClient,
};
use plasma_node::{ActionQueue, Note};
use plasma_rootchain::RootChain as _;
use plasma_xt::{
    Bitmap, Handover, ProposedCheckpoint, StateCheckpoint, Xt, XtClient, XtError, XtEvent, XtGame, XtOperator, XtTag,
    Zone,
};

use super::cash::{CHALLENGE_BOND, CashCheats, EXIT_BOND, Family};
use crate::{
    CheckpointStep, Error, ExitWhat, Fault, Support, World,
    lab::{Committed, Lab, Result, Scripted, is_cheater},
};

/// The checkpoint bond: 0.1 ETH.
pub const CHECKPOINT_BOND: U256 = U256::from_limbs([100_000_000_000_000_000, 0, 0, 0]);
/// The most pending challenges a checkpoint survives.
pub const CHALLENGE_CAP: u32 = 2;

fn err(message: impl std::fmt::Display) -> Error {
    Error::Variant { variant: Xt::NAME, message: message.to_string() }
}

impl Family for Xt {
    type Extra = XtScene;

    fn cash_game(game: &XtGame) -> &CashGame {
        &game.cash
    }

    fn cash_operator(operator: &XtOperator) -> &plasma_cash::Operator {
        operator.cash()
    }

    fn cash_operator_mut(operator: &mut XtOperator) -> &mut plasma_cash::Operator {
        operator.cash_mut()
    }

    fn cash_client(client: &XtClient) -> &plasma_cash::CashClient {
        client.cash()
    }

    fn cash_client_mut(client: &mut XtClient) -> &mut plasma_cash::CashClient {
        client.cash_mut()
    }

    fn cash_event(event: &XtEvent) -> Option<&plasma_cash::CashEvent> {
        match event {
            XtEvent::Cash(cash) => Some(cash),
            _ => None,
        }
    }

    fn announced(tx: SignedCashTx, history: CashHistory) -> Handover {
        Handover::Cash(plasma_cash::Handover::Announced { tx, history })
    }

    fn paid_out(error: &XtError) -> Option<u64> {
        match error {
            XtError::Cash(CashError::PaidOut(coin)) => Some(*coin),
            _ => None,
        }
    }

    fn own_exit(tag: &XtTag) -> Option<u64> {
        match tag {
            XtTag::Cash(CashTag::OwnExit(coin)) | XtTag::CheckpointExit(coin) => Some(*coin),
            _ => None,
        }
    }

    fn own_answers(client: &mut XtClient) -> Vec<Decision<XtTag>> {
        client.catch_up()
    }

    fn due(client: &mut XtClient, now: Timestamp) -> Result<Vec<Decision<XtTag>>, XtError> {
        Ok(client.cash_due(now))
    }

    fn receipt_note(handover: &Handover, payer: &str, payee: &str) -> Option<String> {
        match handover {
            Handover::CheckpointStarted(history) => {
                Some(format!("{payee} keeps the checkpoint-started history of coin {} from {payer}", history.coin_id()))
            }
            Handover::Cash(_) => None,
        }
    }
}

/// A checkpoint the operator proposed, with what the scenario made of it.
struct Proposal {
    cp: ProposedCheckpoint,
    step: CheckpointStep,
    /// Stored bytes of each signing owner at the proposal.
    bytes_before: BTreeMap<String, usize>,
    /// Sign-offs of forged states by the owners at `K` (colluding), which the operator answers
    /// challenges with: coin -> (owner, signature).
    colluding: BTreeMap<u64, (Address, Signature)>,
    open: bool,
}

/// Plasma XT, driven by scenarios.
pub type XtVariant = Lab<Xt>;

/// What an XT scenario keeps beside the Cash family's cheaters.
#[derive(Default)]
pub struct XtScene {
    proposals: BTreeMap<u64, Proposal>,
    /// The outbox of the clients' checkpoint-layer decisions.
    outbox: Option<ActionQueue<XtTag>>,
    /// The checkpoint events the scenario follows.
    cursor: Option<plasma_node::LogCursor>,
}

impl Lab<Xt> {
    fn name_of(world: &World, address: Address) -> Option<String> {
        world.everyone().find(|a| a.address == address).map(|a| a.name.clone())
    }

    fn names(&self) -> Result<Vec<String>, Error> {
        Ok(self.node_ref()?.clients.clients().map(|(name, _)| name.clone()).collect())
    }

    /// Sends `call` from `name`; logs `what` with the outcome. Whether it went through.
    async fn send(world: &mut World, name: &str, call: &plasma_core::GameCall, what: &str) -> Result<bool, Error> {
        let from = world.actor(name)?.address;
        let receipt = world.game_call(from, call).await?;
        if receipt.success {
            world.log.push(format!("{name} {what}"));
        } else {
            let reason = receipt.revert_reason.unwrap_or_default();
            world.log.push(format!("{name} {what}: refused ({reason})"));
        }
        Ok(receipt.success)
    }

    /// A cheating proposal whose zone runs past its block K, over every coin the operator knows
    /// (also those deposited after K), with the bits of `false-bits` owners set: built by hand,
    /// since `StateCheckpoint` refuses such a zone. The exit game must refuse it (`must-fail`).
    async fn propose_past_block(&mut self, world: &mut World, step: &CheckpointStep) -> Result<Support> {
        if !step.must_fail {
            return Err(err("a checkpoint with `zone-past-block` must be refused: add `must-fail = true`"));
        }
        let operator = self.cash_operator()?;
        let blknum = operator.child_blocks().last().ok_or_else(|| err("no block to checkpoint"))?;
        let last_coin = operator.coins().keys().last().copied().ok_or_else(|| err("no coin to checkpoint"))?;
        let mut bitmap = Bitmap::empty(Zone::new(1, last_coin).map_err(err)?);
        let mut leaves = Vec::new();
        for (coin_id, coin) in operator.coins() {
            leaves.push((*coin_id, plasma_xt::state_leaf(coin.owner, coin.last_moved)));
            if Self::name_of(world, coin.owner).is_some_and(|name| step.false_bits.contains(&name)) {
                bitmap.set(*coin_id).map_err(err)?;
            }
        }
        let root = plasma_core::SparseTree::from_leaves(leaves).map_err(|e| err(e.to_string()))?.root();
        let call = self.game.propose_checkpoint_call(blknum, root, &bitmap);
        let receipt = world.game_call(world.operator.address, &call).await?;
        if receipt.success {
            return Err(err(format!("a checkpoint of block {blknum} over coins up to {last_coin} had to be refused")));
        }
        let reason = receipt.revert_reason.unwrap_or_default();
        world
            .log
            .push(format!("operator's checkpoint of block {blknum} over coins up to {last_coin} refused: {reason}"));
        Ok(Support::Done)
    }

    /// The operator's checkpoint after the latest block: honest owners sign off their coins.
    #[allow(clippy::type_complexity)]
    fn build_checkpoint(
        &mut self,
        world: &World,
        step: &CheckpointStep,
    ) -> Result<(StateCheckpoint, Bitmap, BTreeMap<u64, (Address, Signature)>), Error> {
        let operator = self.cash_operator()?;
        let blknum = operator.child_blocks().last().ok_or_else(|| err("no block to checkpoint"))?;
        // A checkpoint of K covers only coins deposited before K.
        let last_coin =
            operator.coins().keys().rfind(|c| **c < blknum).copied().ok_or_else(|| err("no coin to checkpoint"))?;
        let zone = Zone::new(1, last_coin).map_err(err)?;
        let mut state = StateCheckpoint::from_operator(operator, blknum, zone).map_err(err)?;
        // Forged states: the thief named as owner; the owner at K signs it off (its bit is set).
        let mut states = state.states().clone();
        let mut false_bits = Vec::new();
        let mut forgers = Vec::new();
        for (coin_id, coin) in &mut states {
            let Some(name) = Self::name_of(world, coin.owner) else { continue };
            if let Some(thief) = step.forged_states.get(&name) {
                forgers.push((*coin_id, name));
                coin.owner = world.actor(thief)?.address;
                false_bits.push(*coin_id);
            }
        }
        let mut colluding = BTreeMap::new();
        if !false_bits.is_empty() {
            state = StateCheckpoint::new(blknum, zone, states).map_err(err)?;
            // An owner also in `false-bits` signs nothing: its bit is set on the forged state anyway.
            for (coin_id, name) in forgers.into_iter().filter(|(_, name)| !step.false_bits.contains(name)) {
                let actor = world.actor(&name)?;
                let sig = plasma_xt::sign_off(&actor.key, &world.domain(), blknum, state.root(), coin_id);
                colluding.insert(coin_id, (actor.address, sig));
            }
        }
        for (coin_id, coin) in state.states().clone() {
            let Some(name) = Self::name_of(world, coin.owner) else { continue };
            if false_bits.contains(&coin_id) {
                continue;
            }
            if step.false_bits.contains(&name) {
                false_bits.push(coin_id);
                continue;
            }
            let client = self.client_mut(&name)?;
            if client.book().is_none() {
                continue;
            }
            match client.sign_off(blknum, state.root(), coin_id, state.proof(coin_id)) {
                Ok(sig) => state.add_sign_off(&world.domain(), coin_id, sig).map_err(err)?,
                Err(why) => return Err(err(format!("{name} refuses to sign off coin {coin_id}: {why}"))),
            }
        }
        let mut bitmap = state.bitmap();
        for coin_id in false_bits {
            bitmap.set(coin_id).map_err(err)?;
        }
        Ok((state, bitmap, colluding))
    }

    /// A griefer's challenges of its own bits: its latest ownership of each coin up to `K`.
    async fn grief(&mut self, world: &mut World, id: u64, griefer: &str) -> Result<()> {
        let (cp, address) = (self.proposal(id)?.cp.clone(), world.actor(griefer)?.address);
        let wallet = self.cash(griefer)?.wallet();
        let mut calls = Vec::new();
        for coin_id in cp.bitmap.set_coins() {
            let Some(deposit) = wallet.deposit_record(coin_id) else { continue };
            let moves = wallet.known_moves(coin_id);
            let own = moves.iter().rev().find(|m| m.tx.tx.newOwner == address && m.blknum <= cp.blknum);
            let latest = match own {
                Some(m) => m.included(),
                None if deposit.depositor == address => Included::deposit(&deposit),
                None => continue,
            };
            calls.push((coin_id, self.game.challenge_checkpoint_call(id, &cp.bitmap, &latest, deposit.amount)));
        }
        for (coin_id, call) in calls {
            Self::send(world, griefer, &call, &format!("challenges its own bit of coin {coin_id}")).await?;
        }
        Ok(())
    }

    /// The exits a cheater starts of the checkpoint states that name it (`forged-states`), from the
    /// newest proposal stating each coin with its bit set: `startCheckpointExit` of the state itself,
    /// which the exit game accepts only once the checkpoint is finalised.
    fn forged_state_exits(&self, world: &World, actor: &str) -> Result<Vec<(u64, plasma_core::GameCall)>, Error> {
        let address = world.actor(actor)?.address;
        let (operator, checkpoints) = (self.cash_operator()?, self.operator()?);
        let mut exits = BTreeMap::new();
        for (id, proposal) in &self.cheats.extra.proposals {
            let Some(state) = checkpoints.checkpoint(*id) else { continue };
            for coin_id in proposal.cp.bitmap.set_coins() {
                let Some(stated) = state.state(coin_id).filter(|s| s.owner == address) else { continue };
                let Some(coin) = operator.coin(coin_id) else { continue };
                let origin = plasma_xt::game::CheckpointState {
                    checkpointId: U256::from(*id),
                    bitmap: proposal.cp.bitmap.to_bytes(),
                    owner: stated.owner,
                    lastMoved: stated.last_moved,
                    proof: state.proof(coin_id).to_bytes(),
                };
                let exit = plasma_xt::CheckpointExit {
                    deposit: coin.deposit,
                    origin,
                    parent: Included::none(),
                    exiting: Included::none(),
                    exiting_sig: None,
                };
                exits.insert(coin_id, self.game.start_checkpoint_exit_call(&exit));
            }
        }
        Ok(exits.into_iter().collect())
    }

    fn proposal(&self, id: u64) -> Result<&Proposal, Error> {
        self.cheats.extra.proposals.get(&id).ok_or_else(|| err(format!("no checkpoint {id}")))
    }

    /// One look of the checkpoint layer: every client reads the chain, the operator answers the
    /// challenges of its checkpoints, the clients decide and send, the operator finalises what is
    /// due, and each book learns which exits are open.
    async fn xt_look(&mut self, world: &mut World) -> Result<()> {
        let node = self.node()?;
        let source = plasma_node::InProcess(node.operator.operator());
        node.clients.ingest(&world.chain, &source).await?;
        let events =
            self.cheats.extra.cursor.as_mut().ok_or_else(|| err("not deployed"))?.poll::<Xt, _>(&world.chain).await?;
        let now = world.chain.block_time().await?;
        let node = self.node()?;
        node.operator.poll(&world.chain).await?;
        let outcome = node.operator.flush(world).await;
        node.log_notes(world);
        outcome?;
        for dated in events {
            if let plasma_core::ChainEvent::Game(event) = dated.event {
                self.follow(world, &event).await?;
            }
        }
        self.decide_and_send(world, now).await?;
        let node = self.node()?;
        for decision in node.operator.operator().finalizations_due(now) {
            node.operator.decide(decision, now);
        }
        let outcome = node.operator.flush(world).await;
        node.log_notes(world);
        outcome?;
        let operator = self.operator()?;
        let open: Vec<(u64, bool)> =
            self.cheats.extra.proposals.keys().map(|id| (*id, operator.is_open(*id))).collect();
        for (id, is_open) in open {
            if let Some(proposal) = self.cheats.extra.proposals.get_mut(&id) {
                proposal.open &= is_open;
            }
        }
        for name in self.names()? {
            let pruned = self.client_mut(&name)?.sync_open_exits();
            if !pruned.is_empty() {
                world.log.push(format!("{name}: an exit of coins {pruned:?} closed, prunes them now"));
            }
        }
        Ok(())
    }

    /// The clients' checkpoint decisions at `now`, in the order the layer takes them: from the
    /// events read, then every open exit judged, then (after payers forwarded their leaf proofs)
    /// what the users' news calls for; sent on the layer's outbox.
    async fn decide_and_send(&mut self, world: &mut World, now: Timestamp) -> Result<()> {
        let names = self.names()?;
        let mut decided: Vec<(String, Decision<XtTag>)> = Vec::new();
        for name in &names {
            let decisions = self.client_mut(name)?.decisions_from_events();
            decided.extend(decisions.into_iter().map(|d| (name.clone(), d)));
        }
        for name in &names {
            let decisions = self.client_mut(name)?.judge_exits(now);
            decided.extend(decisions.into_iter().map(|d| (name.clone(), d)));
        }
        self.forward_proofs(world)?;
        for name in &names {
            let decisions = self.client_mut(name)?.rechecks(now);
            decided.extend(decisions.into_iter().map(|d| (name.clone(), d)));
        }
        let mut outbox = self.cheats.extra.outbox.take().ok_or_else(|| err("not deployed"))?;
        for (name, decision) in decided {
            outbox.decide(&name, format!("{name}'s watcher"), decision, now);
        }
        let clients = &self.node_ref()?.clients;
        outbox.retain(|queued| clients.client(&queued.owner).is_ok_and(|c| c.still_wanted(&queued.decision.tag)));
        let mut notes: Vec<Note> = Vec::new();
        let outcome = outbox.flush(world, &mut notes).await;
        self.cheats.extra.outbox = Some(outbox);
        world.log.extend(notes.into_iter().map(|note| note.0));
        for queued in outcome? {
            self.client_mut(&queued.owner)?.on_action_done(&queued.decision.tag);
        }
        Ok(())
    }

    /// What the scenario follows of one checkpoint event: the operator answers a challenge of a
    /// forged state with its accomplice's sign-off; finalisations and void checkpoints are logged,
    /// with what each signing owner pruned.
    async fn follow(&mut self, world: &mut World, event: &XtEvent) -> Result<()> {
        match event {
            XtEvent::CheckpointChallenged { checkpoint_id, coin_id, blknum, owner, .. } => {
                let Some(proposal) = self.cheats.extra.proposals.get(checkpoint_id).filter(|p| !p.step.unanswered)
                else {
                    return Ok(());
                };
                if self.operator()?.answer(*checkpoint_id, *coin_id, *blknum, *owner).is_some() {
                    return Ok(());
                }
                // A forged state: the operator answers with its accomplice's sign-off (refused for
                // a later owner's challenge).
                let Some((_, sig)) = proposal.colluding.get(coin_id).filter(|(signer, _)| signer == owner) else {
                    return Ok(());
                };
                let call = XtGame::respond_sign_off_call(*checkpoint_id, *coin_id, *blknum, sig);
                let what =
                    format!("answers the challenge of coin {coin_id} at block {blknum} on checkpoint {checkpoint_id}");
                Self::send(world, "operator", &call, &what).await?;
            }
            XtEvent::CheckpointFinalized { checkpoint_id: id, .. } => {
                for name in self.names()? {
                    for pruned in self.client_mut(&name)?.take_pruned_on_close() {
                        world.log.push(format!("{name}: an exit of coins {pruned:?} closed, prunes them now"));
                    }
                }
                let Some(proposal) = self.cheats.extra.proposals.get_mut(id) else { return Ok(()) };
                proposal.open = false;
                world.log.push(format!("checkpoint {id} of block {} finalised", proposal.cp.blknum));
                let proposal = self.proposal(*id)?;
                for (name, before) in &proposal.bytes_before {
                    let client = self.client(name)?;
                    let (pruned, after) =
                        client.pruned_at(*id).cloned().unwrap_or_else(|| (Vec::new(), client.stored_bytes()));
                    world.log.push(format!("{name} prunes coins {pruned:?}: stored bytes kept {before} -> {after}"));
                    if proposal.step.must_shrink && after >= *before {
                        return Err(err(format!("{name}'s stored bytes did not shrink ({before} -> {after})")));
                    }
                }
            }
            XtEvent::CheckpointVoided { checkpoint_id: id, reason, .. } => {
                if let Some(proposal) = self.cheats.extra.proposals.get_mut(id) {
                    proposal.open = false;
                }
                world.log.push(format!("checkpoint {id} void (reason {reason})"));
            }
            _ => {}
        }
        Ok(())
    }

    /// Payers forward, with the coin's history, the leaf proof the operator handed them for each
    /// open checkpoint: every user learns the proof of each coin it owns whose owner at `K` (as
    /// its history says) is another actor that holds one. A recipient without it (its sender was
    /// offline for the sign-off) challenges a set bit.
    fn forward_proofs(&mut self, world: &World) -> Result<()> {
        let open: Vec<ProposedCheckpoint> =
            self.cheats.extra.proposals.values().filter(|p| p.open).map(|p| p.cp.clone()).collect();
        let mut learned = Vec::new();
        for cp in &open {
            for name in self.names()? {
                let client = self.client(&name)?;
                if client.book().is_none() {
                    continue;
                }
                let wallet = client.cash().wallet();
                for coin_id in wallet.owned_coins().into_iter().filter(|c| cp.bitmap.is_set(*c)) {
                    let Some(history) = wallet.history(coin_id) else { continue };
                    let sender = plasma_xt::history::tip_at(history, cp.blknum).owner;
                    let Some(sender) = Self::name_of(world, sender).filter(|s| *s != name) else { continue };
                    let book = self.client(&sender)?.book();
                    let proof = book.and_then(|b| b.state_proof(cp.blknum, cp.state_root, coin_id));
                    if let Some(proof) = proof {
                        learned.push((name.clone(), cp.blknum, cp.state_root, coin_id, proof.clone()));
                    }
                }
            }
        }
        for (name, blknum, root, coin_id, proof) in learned {
            self.client_mut(&name)?.learn_state_proof(blknum, root, coin_id, proof);
        }
        Ok(())
    }

    /// Before an honest payer signs a coin whose history starts at a finalised checkpoint, the
    /// payee verifies the checkpoint-started history it will be handed: the checkpoint is one it
    /// saw finalised, with the coin's bit set, and the history verifies against its roots. A plain
    /// Cash history is checked against every finalised checkpoint the payee knows that states the
    /// coin, with the proofs the payer signed off with or, failing those, the proofs the operator
    /// serves from the state it proposed. (The coin is the one the payer pays with: the first
    /// spendable of that amount.)
    fn check_checkpoint_handover(&mut self, from: &str, to: &str, amount: U256) -> Result<()> {
        let payer = self.client(from)?;
        let Some(book) = payer.book() else { return Ok(()) };
        let Some(coin_id) = payer.cash().coin_for(amount) else { return Ok(()) };
        if !payer.starts_at_checkpoint(coin_id) {
            let Some(history) = payer.cash().wallet().history(coin_id) else { return Ok(()) };
            let operator = self.operator()?;
            let proof_of = |cp: &ProposedCheckpoint| {
                book.state_proof(cp.blknum, cp.state_root, coin_id).cloned().or_else(|| {
                    let state = operator.checkpoint(cp.id).filter(|state| state.root() == cp.state_root)?;
                    Some(state.proof(coin_id))
                })
            };
            return self
                .client(to)?
                .check_cash(history, proof_of)
                .map_err(|why| err(format!("{to} refuses coin {coin_id}: {why}")));
        }
        let history = payer.started_history(coin_id).map_err(err)?;
        let checkpoint = history.start().checkpoint.as_ref().map_or(0, |start| start.checkpoint_id);
        match self.client_mut(to)?.check_started(&history) {
            Ok(()) => Ok(()),
            Err(XtError::NotCheckpointed(_)) => {
                Err(err(format!("{to} does not know checkpoint {checkpoint} finalised")))
            }
            Err(why) => Err(err(format!("{to} cannot verify the checkpoint-started history of coin {coin_id}: {why}"))),
        }
    }
}

#[async_trait::async_trait]
impl Scripted for Xt {
    type Operator = XtOperator;
    type Client = XtClient;
    type Cheats = CashCheats<XtScene>;

    /// The game runs with a checkpoint period equal to the exit period.
    fn game(period: u64) -> XtGame {
        XtGame {
            cash: CashGame::new(EXIT_BOND, CHALLENGE_BOND, period),
            checkpoint_bond: CHECKPOINT_BOND,
            checkpoint_period: period,
            challenge_cap: CHALLENGE_CAP,
        }
    }

    fn operator(world: &World) -> XtOperator {
        XtOperator::new(world.domain(), world.operator.address)
    }

    fn client(key: SigningKey, world: &World, game: &XtGame, watching: bool) -> XtClient {
        XtClient::new(key, world.domain(), *game, watching)
    }

    fn exit_subject(tag: &XtTag) -> Option<String> {
        Self::own_exit(tag).map(|coin| format!("coin {coin}"))
    }

    fn paid_to(tx: &SignedCashTx) -> Vec<Address> {
        vec![tx.tx.newOwner]
    }

    fn deployed(lab: &mut Lab<Self>, world: &World) {
        super::cash::follow(lab, world);
        lab.cheats.extra.outbox = Some(ActionQueue::new(world.exit_game, RetryPolicy::EVERY_LOOK));
        lab.cheats.extra.cursor = Some(plasma_node::LogCursor::new(world.framework, world.exit_game, 0));
    }

    fn withhold(operator: &mut XtOperator, blknum: BlockNumber) -> bool {
        Self::cash_operator_mut(operator).withhold(blknum);
        true
    }

    async fn deliver(lab: &mut Lab<Self>, world: &mut World, block: Committed) -> Result<()> {
        lab.deliver(world, block.submitted).await
    }

    async fn deposit(lab: &mut Lab<Self>, world: &mut World, actor: &str, amount: U256) -> Result<Support> {
        lab.cash_deposit(world, actor, amount).await
    }

    async fn transfer(lab: &mut Lab<Self>, world: &mut World, payment: crate::Payment<'_>) -> Result<Support> {
        let crate::Payment { from, to, amount, confirm: _ } = payment;
        lab.check_checkpoint_handover(from, to, amount)?;
        // A coin handed over from its checkpoint was checked above; any other as in Plasma Cash.
        let payer = lab.client(from)?;
        let checked = payer.cash().coin_for(amount).is_some_and(|coin| payer.starts_at_checkpoint(coin));
        lab.cash_transfer(world, (from, to), amount, checked).await
    }

    async fn inject_fault(lab: &mut Lab<Self>, world: &mut World, fault: &Fault) -> Result<Support> {
        lab.cash_fault(world, fault).await
    }

    async fn exit(lab: &mut Lab<Self>, world: &mut World, exit: crate::ExitRequest<'_>) -> Result<Support> {
        let crate::ExitRequest { actor, what, must_fail } = exit;
        let scope = match what {
            ExitWhat::All => ExitScope::All,
            ExitWhat::Newest => ExitScope::Newest,
            _ => return lab.cash_exit(world, actor, what, must_fail).await,
        };
        if is_cheater(world, actor) {
            let calls = lab.forged_state_exits(world, actor)?;
            if calls.is_empty() {
                return lab.cash_exit(world, actor, what, must_fail).await;
            }
            for (coin, call) in calls {
                let what = format!("exits coin {coin} from its forged checkpoint state");
                let went = Lab::<Xt>::send(world, actor, &call, &what).await?;
                if went == must_fail {
                    return Err(err(format!("the checkpoint exit of coin {coin} by {actor}: accepted = {went}")));
                }
            }
            return Ok(Support::Done);
        }
        if lab.client(actor)?.book().is_none() {
            return lab.cash_exit(world, actor, what, must_fail).await;
        }
        let (from_checkpoint, as_cash) = lab.client(actor)?.exit_plan(scope, must_fail).map_err(err)?;
        for (coin, call) in from_checkpoint {
            let went = Lab::<Xt>::send(world, actor, &call, &format!("exits coin {coin} from its checkpoint")).await?;
            if went == must_fail {
                return Err(err(format!("the checkpoint exit of coin {coin} by {actor}: accepted = {went}")));
            }
        }
        if !as_cash.is_empty() {
            Lab::<Xt>::start_coin_exits(world, actor, as_cash, must_fail).await?;
        }
        Ok(Support::Done)
    }

    async fn challenge(lab: &mut Lab<Self>, world: &mut World, challenger: &str, target: &str) -> Result<Support> {
        lab.cash_challenge(world, challenger, target).await
    }

    async fn run_watchers(lab: &mut Lab<Self>, world: &mut World) -> Result<()> {
        lab.xt_look(world).await?;
        lab.xt_look(world).await?;
        lab.cash_watchers(world).await
    }

    async fn checkpoint(lab: &mut Lab<Self>, world: &mut World, step: &CheckpointStep) -> Result<Support> {
        // The users' software has seen everything before the operator asks for sign-offs.
        lab.cash_watchers(world).await?;
        if step.zone_past_block {
            return lab.propose_past_block(world, step).await;
        }
        let (state, bitmap, colluding) = lab.build_checkpoint(world, step)?;
        let call = lab.game.propose_checkpoint_call(state.blknum(), state.root(), &bitmap);
        let receipt = world.game_call(world.operator.address, &call).await?;
        match (receipt.success, step.must_fail) {
            (true, true) => return Err(err("the checkpoint had to be refused")),
            (false, true) => {
                let reason = receipt.revert_reason.unwrap_or_default();
                world.log.push(format!("operator's checkpoint of block {} refused: {reason}", state.blknum()));
                return Ok(Support::Done);
            }
            _ => {}
        }
        let event = receipt
            .logs
            .iter()
            .find_map(|log| plasma_xt::abi::XtExitGame::CheckpointProposed::decode_log(log).ok())
            .ok_or_else(|| err(format!("checkpoint refused: {}", receipt.revert_reason.unwrap_or_default())))?;
        let id = u64::try_from(event.checkpointId).map_err(|_| err("checkpoint id overflows"))?;
        let set: Vec<u64> = bitmap.set_coins().collect();
        world.log.push(format!("operator proposes checkpoint {id} of block {} with bits {set:?}", state.blknum()));
        let mut bytes_before = BTreeMap::new();
        for name in lab.names()? {
            let client = lab.client(&name)?;
            let Some(book) = client.book() else { continue };
            if set.iter().any(|coin| book.signed(state.blknum(), state.root(), *coin)) {
                bytes_before.insert(name.clone(), client.stored_bytes());
            }
        }
        let cp = ProposedCheckpoint { id, blknum: state.blknum(), state_root: state.root(), bitmap };
        let operator = lab.node()?.operator.operator_mut();
        operator.proposed(id, state, event.finalizableAt);
        if step.unanswered {
            operator.neglect(id);
        }
        let proposal = Proposal { cp, step: step.clone(), bytes_before, colluding, open: true };
        lab.cheats.extra.proposals.insert(id, proposal);
        for griefer in &step.griefers {
            lab.grief(world, id, griefer).await?;
        }
        Ok(Support::Done)
    }
}
