//! Plasma XT (`plasma-xt`) as a scenario variant: the Plasma Cash variant ([`CashVariant`]) run on
//! `XtExitGame`, plus checkpoints.
//!
//! Everything Cash does is the Cash variant's, unchanged (payments, blocks, faults, Cash watchers,
//! the cheating operator's late answers). On top of it, each honest actor has a
//! [`CheckpointBook`] (sign-offs, checkpoint starts, pruned histories, checkpoint-origin exits)
//! and an [`XtWatcher`] (false bits, stale exits), which act before the Cash watchers in every
//! round; the operator builds checkpoints from its coins, collects sign-offs, answers checkpoint
//! challenges with a sign-off or a later spend, and finalises checkpoints when they are due.
//!
//! The game runs with a checkpoint period equal to the exit period and a challenge cap of
//! [`CHALLENGE_CAP`], small so that a scenario with three users can exceed it.

use plasma_cash::{game::IncludedExt as _, tx::CashTxExt as _};
use std::collections::BTreeMap;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolEvent;
use plasma_cash::{CashGame, Included, ObservedChallenge, ObservedExit, abi::ICashExitGame};
use plasma_contracts::XtExitGame;
use plasma_core::{Capabilities, Signature};
use plasma_rootchain::RootChain;
use plasma_xt::{
    Bitmap, CheckpointBook, ProposedCheckpoint, Response, StateCheckpoint, XtAction, XtGame, XtWatcher, Zone,
    abi::IXtExitGame, operator_response,
};

use super::{
    Decided, WatcherOutbox,
    cash::legacy::{CHALLENGE_BOND, CashVariant, EXIT_BOND},
};
use crate::{CheckpointStep, Error, ExitCounts, ExitWhat, Fault, Support, Variant, World};

/// The checkpoint bond: 0.1 ETH.
pub const CHECKPOINT_BOND: U256 = U256::from_limbs([100_000_000_000_000_000, 0, 0, 0]);
/// The most pending challenges a checkpoint survives.
pub const CHALLENGE_CAP: u32 = 2;

const NAME: &str = "xt";

fn err(message: impl std::fmt::Display) -> Error {
    Error::Variant { variant: NAME, message: message.to_string() }
}

/// A checkpoint the operator proposed.
/// What an XT watcher's action is about: a checkpoint, or a coin's exit (coin, exit id).
#[derive(Clone, Copy, Debug)]
enum XtTarget {
    Checkpoint(u64),
    Exit(u64, u128),
}

struct Proposal {
    state: StateCheckpoint,
    cp: ProposedCheckpoint,
    finalizable_at: u64,
    step: CheckpointStep,
    /// Stored bytes of each signing owner at the proposal.
    bytes_before: BTreeMap<String, usize>,
    /// Sign-offs of forged states by the owners at `K` (colluding), which the operator answers
    /// challenges with: coin -> (owner, signature).
    colluding: BTreeMap<u64, (Address, Signature)>,
    open: bool,
}

/// Plasma XT, driven by scenarios.
pub struct XtVariant {
    cash: CashVariant,
    game: XtGame,
    books: BTreeMap<String, CheckpointBook>,
    watchers: BTreeMap<String, XtWatcher>,
    proposals: BTreeMap<u64, Proposal>,
    /// The XT watchers' decided actions, tagged with what they are about.
    outbox: WatcherOutbox<XtTarget>,
    /// Open exits, by coin, as the XT rounds read them.
    exits: BTreeMap<u64, ObservedExit>,
    log_cursor: u64,
}

impl Default for XtVariant {
    fn default() -> Self {
        Self::new()
    }
}

impl XtVariant {
    /// A fresh instance, deployed by [`Variant::deploy`].
    pub fn new() -> Self {
        let period = plasma_contracts::DEFAULT_MIN_EXIT_PERIOD;
        Self {
            cash: CashVariant::new(),
            game: Self::game(period),
            books: BTreeMap::new(),
            watchers: BTreeMap::new(),
            proposals: BTreeMap::new(),
            outbox: WatcherOutbox::default(),
            exits: BTreeMap::new(),
            log_cursor: 0,
        }
    }

    fn game(period: u64) -> XtGame {
        XtGame {
            cash: CashGame::new(EXIT_BOND, CHALLENGE_BOND, period),
            checkpoint_bond: CHECKPOINT_BOND,
            checkpoint_period: period,
            challenge_cap: CHALLENGE_CAP,
        }
    }

    /// When the proposal stops taking challenges: `proposedAt + 3Rc`, before it can be finalised.
    fn challenge_window_closes(&self, proposal: &Proposal) -> u64 {
        let proposed_at = proposal.finalizable_at.saturating_sub(self.game.checkpoint_period);
        let window = proposed_at.saturating_add(3 * self.game.checkpoint_response_period());
        window.min(proposal.finalizable_at)
    }

    fn name_of(world: &World, address: Address) -> Option<String> {
        world.everyone().find(|a| a.address == address).map(|a| a.name.clone())
    }

    /// Sends `call` from `name`; logs `what` with the outcome. Whether it went through.
    async fn send(world: &mut World, name: &str, call: &plasma_core::GameCall, what: &str) -> Result<bool, Error> {
        let from = world.actor(name)?.address;
        let receipt = world.game_call(from, call).await?;
        // `what` is a verb phrase ("finalises …") or a possessive one ("'s watcher …").
        let sep = if what.starts_with('\'') { "" } else { " " };
        if receipt.success {
            world.log.push(format!("{name}{sep}{what}"));
        } else {
            let reason = receipt.revert_reason.unwrap_or_default();
            world.log.push(format!("{name}{sep}{what}: refused ({reason})"));
        }
        Ok(receipt.success)
    }

    /// A cheating proposal whose zone runs past its block K, over every coin the operator knows (also
    /// those deposited after K), with the bits of `false-bits` owners set: built by hand, since
    /// `StateCheckpoint` refuses such a zone. The exit game must refuse it (`must-fail`).
    async fn propose_past_block(&mut self, world: &mut World, step: &CheckpointStep) -> Result<Support, Error> {
        if !step.must_fail {
            return Err(err("a checkpoint with `zone-past-block` must be refused: add `must-fail = true`"));
        }
        let operator = self.cash.operator()?;
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
        let operator = self.cash.operator()?;
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
            let Some(book) = self.books.get_mut(&name) else { continue };
            let (wallet, key) = (self.cash.wallet(&name)?, &world.actor(&name)?.key);
            match book.sign_off(wallet, key, blknum, state.root(), coin_id, state.proof(coin_id)) {
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
    async fn grief(&mut self, world: &mut World, id: u64, griefer: &str) -> Result<(), Error> {
        let (cp, address) = (self.proposal(id)?.cp.clone(), world.actor(griefer)?.address);
        let wallet = self.cash.wallet(griefer)?;
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
        let operator = self.cash.operator()?;
        let mut exits = BTreeMap::new();
        for (id, proposal) in &self.proposals {
            for coin_id in proposal.cp.bitmap.set_coins() {
                let Some(state) = proposal.state.state(coin_id).filter(|s| s.owner == address) else { continue };
                let Some(coin) = operator.coin(coin_id) else { continue };
                let origin = plasma_xt::game::CheckpointState {
                    checkpointId: U256::from(*id),
                    bitmap: proposal.cp.bitmap.to_bytes(),
                    owner: state.owner,
                    lastMoved: state.last_moved,
                    proof: proposal.state.proof(coin_id).to_bytes(),
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
        self.proposals.get(&id).ok_or_else(|| err(format!("no checkpoint {id}")))
    }

    /// One XT round: checkpoint and exit events, the users' checkpoint actions, the operator's
    /// answers and finalisations.
    async fn xt_round(&mut self, world: &mut World) -> Result<(), Error> {
        let logs = world.new_logs(&mut self.log_cursor).await?;
        let now = world.chain.block_time().await?;
        let mut actions = Vec::new();
        for entry in logs {
            let log = &entry.log;
            if let Ok(event) = IXtExitGame::CheckpointProposed::decode_log(log) {
                actions.extend(self.on_proposed(world, &event.data, now)?);
            } else if let Ok(event) = IXtExitGame::CheckpointChallenged::decode_log(log) {
                self.answer(world, &event.data).await?;
            } else if let Ok(event) = IXtExitGame::CheckpointFinalized::decode_log(log) {
                self.on_finalized(world, event.checkpointId.to())?;
            } else if let Ok(event) = IXtExitGame::CheckpointVoided::decode_log(log) {
                let id: u64 = event.checkpointId.to();
                if let Some(proposal) = self.proposals.get_mut(&id) {
                    proposal.open = false;
                }
                world.log.push(format!("checkpoint {id} void (reason {})", event.reason));
            } else if let Ok(event) = IXtExitGame::CheckpointSpendRevealed::decode_log(log) {
                // The answer publishes a spend: its payee learns it and challenges with it (C-3).
                let id: u64 = event.checkpointId.to();
                let tx = plasma_cash::CashTx::new(event.tx.coinId, event.tx.prevBlock, event.tx.newOwner);
                let spend = Included { tx, blknum: event.blknum, proof: event.proof.clone() };
                for (name, watcher) in &mut self.watchers {
                    let book = self.books.get(name).ok_or_else(|| err("no book"))?;
                    let wallet = self.cash.wallets.get_mut(name).ok_or_else(|| err(format!("no wallet for {name}")))?;
                    let found = watcher.on_spend_revealed(wallet, book, id, &spend, &event.sig, now);
                    actions.extend(found.into_iter().map(|a| (name.clone(), a)));
                }
            } else if let Ok(event) = IXtExitGame::ExitOriginSet::decode_log(log) {
                for watcher in self.watchers.values_mut() {
                    watcher.on_exit_origin(event.exitId.to(), event.blknum);
                }
            } else if let Ok(event) = ICashExitGame::ExitStarted::decode_log(log) {
                let exit = ObservedExit::from(&event.data);
                self.exits.insert(exit.coin_id, exit);
            } else if let Ok(event) = ICashExitGame::HistoryChallenged::decode_log(log) {
                let challenge = ObservedChallenge::from(&event.data);
                for watcher in self.watchers.values_mut() {
                    watcher.on_history_challenged(&challenge);
                }
            } else if let Ok(event) = ICashExitGame::HistoryChallengeAnswered::decode_log(log) {
                for watcher in self.watchers.values_mut() {
                    watcher.on_history_answered(event.exitId.to(), event.challengeBlk);
                }
            } else if let Ok(event) = IXtExitGame::HistoryAnsweredAtCheckpoint::decode_log(log) {
                for watcher in self.watchers.values_mut() {
                    watcher.on_history_answered(event.exitId.to(), event.challengeBlk);
                }
            } else if let Some((coin_id, exit_id, _)) = super::cash::legacy::exit_ended(log) {
                for watcher in self.watchers.values_mut() {
                    watcher.on_exit_ended(exit_id);
                }
                if self.exits.get(&coin_id).is_some_and(|exit| exit.exit_id == exit_id) {
                    self.exits.remove(&coin_id);
                }
            }
        }
        // Every open exit is judged again at every look (a checkpoint may have finalised since).
        for (name, watcher) in &mut self.watchers {
            let (wallet, book) = (self.cash.wallet(name)?, self.books.get(name).ok_or_else(|| err("no book"))?);
            let found = watcher.judge_exits(wallet, book, self.exits.values(), now);
            actions.extend(found.into_iter().map(|a| (name.clone(), a)));
        }
        self.forward_proofs(world)?;
        for (name, watcher) in &mut self.watchers {
            let (wallet, book) = (self.cash.wallet(name)?, self.books.get(name).ok_or_else(|| err("no book"))?);
            let found = watcher.recheck(wallet, book, now);
            actions.extend(found.into_iter().map(|a| (name.clone(), a)));
            // Pending history challenges of every open exit that the coin's finalised state answers
            // and the pruned Cash history cannot (O-1, C-2).
            for exit in self.exits.values() {
                let found = watcher.history_answers(wallet, book, exit, now);
                actions.extend(found.into_iter().map(|a| (name.clone(), a)));
            }
        }
        self.act(world, actions).await?;
        self.finalize_due(world, now).await?;
        self.sync_open_exits(world)
    }

    fn on_proposed(
        &mut self,
        world: &World,
        event: &IXtExitGame::CheckpointProposed,
        now: u64,
    ) -> Result<Vec<(String, XtAction)>, Error> {
        let zone = Zone::new(event.zoneStart, event.zoneSize).map_err(err)?;
        let bitmap = Bitmap::from_bytes(zone, &event.bitmap).map_err(err)?;
        let cp = ProposedCheckpoint {
            id: event.checkpointId.to(),
            blknum: event.blknum,
            state_root: event.stateRoot,
            bitmap,
        };
        let proposed_at = event.finalizableAt.saturating_sub(self.game.checkpoint_period);
        let mut actions = Vec::new();
        for (name, watcher) in &mut self.watchers {
            let (wallet, book) = (self.cash.wallet(name)?, self.books.get(name).ok_or_else(|| err("no book"))?);
            let found = watcher.on_proposed(wallet, book, cp.clone(), proposed_at, now);
            actions.extend(found.into_iter().map(|a| (name.clone(), a)));
        }
        let _ = world;
        Ok(actions)
    }

    /// The operator answers a checkpoint challenge with the owner's sign-off or later spend.
    async fn answer(&mut self, world: &mut World, event: &IXtExitGame::CheckpointChallenged) -> Result<(), Error> {
        let id: u64 = event.checkpointId.to();
        let Some(proposal) = self.proposals.get(&id).filter(|p| !p.step.unanswered) else { return Ok(()) };
        let operator = self.cash.operator()?;
        let response =
            operator_response(&proposal.state, operator, &world.domain(), event.coinId, event.blknum, event.owner);
        let call = match response {
            Some(Response::SignOff(sig)) => XtGame::respond_sign_off_call(id, event.coinId, event.blknum, &sig),
            Some(Response::Spend(spend, sig)) => XtGame::respond_spend_call(id, event.blknum, &spend, &sig),
            Some(Response::Leaf(proof)) => XtGame::respond_leaf_call(id, event.coinId, event.blknum, &proof),
            // A forged state: the operator answers with its accomplice's sign-off (refused for a
            // later owner's challenge).
            None => match proposal.colluding.get(&event.coinId).filter(|(owner, _)| *owner == event.owner) {
                Some((_, sig)) => XtGame::respond_sign_off_call(id, event.coinId, event.blknum, sig),
                None => return Ok(()),
            },
        };
        let what =
            format!("answers the challenge of coin {} at block {} on checkpoint {id}", event.coinId, event.blknum);
        Self::send(world, "operator", &call, &what).await.map(|_| ())
    }

    /// Each user's book learns which exits are open (coin to origin block, from the exits the Cash
    /// layer sees open, whoever's: a thief's exit of the user's coin may need the old history to
    /// answer a challenge below the victim's, C-2); coins whose pruning waited for one of them to
    /// close are pruned now.
    fn sync_open_exits(&mut self, world: &mut World) -> Result<(), Error> {
        for (name, book) in &mut self.books {
            let watcher = self.watchers.get(name).ok_or_else(|| err(format!("no watcher for {name}")))?;
            // The exit's origin (its checkpoint, or the deposit), not its block: history after the
            // origin is what a challenge of the exit may name.
            let open = watcher.exit_origins(self.cash.open.values());
            let wallet = self.cash.wallets.get_mut(name).ok_or_else(|| err(format!("no wallet for {name}")))?;
            let pruned = book.set_open_exits(wallet, open);
            if !pruned.is_empty() {
                world.log.push(format!("{name}: an exit of coins {pruned:?} closed, prunes them now"));
            }
        }
        Ok(())
    }

    fn on_finalized(&mut self, world: &mut World, id: u64) -> Result<(), Error> {
        self.sync_open_exits(world)?;
        let Some(proposal) = self.proposals.get_mut(&id) else { return Ok(()) };
        proposal.open = false;
        world.log.push(format!("checkpoint {id} of block {} finalised", proposal.cp.blknum));
        for (name, book) in &mut self.books {
            let wallet = self.cash.wallets.get_mut(name).ok_or_else(|| err(format!("no wallet for {name}")))?;
            let started = book.on_finalized(wallet, &proposal.cp);
            let pruned = book.prune(wallet, &started, proposal.cp.blknum);
            let Some(before) = proposal.bytes_before.get(name) else { continue };
            let after = book.stored_bytes(wallet);
            world.log.push(format!("{name} prunes coins {pruned:?}: stored bytes kept {before} -> {after}"));
            if proposal.step.must_shrink && after >= *before {
                return Err(err(format!("{name}'s stored bytes did not shrink ({before} -> {after})")));
            }
        }
        Ok(())
    }

    /// Payers forward, with the coin's history, the leaf proof the operator handed them for each
    /// open checkpoint: every user learns the proof of each coin it owns whose owner at `K` (as
    /// its history says) is another actor that holds one. A recipient without it (its sender was
    /// offline for the sign-off) challenges a set bit ([`XtWatcher::recheck`]).
    fn forward_proofs(&mut self, world: &World) -> Result<(), Error> {
        let open: Vec<ProposedCheckpoint> = self.proposals.values().filter(|p| p.open).map(|p| p.cp.clone()).collect();
        let mut learned = Vec::new();
        for cp in &open {
            for name in self.books.keys() {
                let wallet = self.cash.wallet(name)?;
                for coin_id in wallet.owned_coins().into_iter().filter(|c| cp.bitmap.is_set(*c)) {
                    let Some(history) = wallet.history(coin_id) else { continue };
                    let sender = plasma_xt::history::tip_at(history, cp.blknum).owner;
                    let Some(sender) = Self::name_of(world, sender).filter(|s| s != name) else { continue };
                    let proof = self.books.get(&sender).and_then(|b| b.state_proof(cp.blknum, cp.state_root, coin_id));
                    if let Some(proof) = proof {
                        learned.push((name.clone(), cp.blknum, cp.state_root, coin_id, proof.clone()));
                    }
                }
            }
        }
        for (name, blknum, root, coin_id, proof) in learned {
            if let Some(book) = self.books.get_mut(&name) {
                book.learn_state_proof(blknum, root, coin_id, proof);
            }
        }
        Ok(())
    }

    /// Payers of coins whose history starts at a finalised checkpoint hand the checkpoint-started
    /// history to their recipients, who verify it against the checkpoint and keep only it (and can
    /// then exit from the checkpoint origin); a cheater without a book adopts it unchecked. Runs
    /// right after delivery, while the payers' histories cover the newest block.
    fn hand_over_checkpoint_starts(&mut self, world: &mut World) -> Result<(), Error> {
        for (payer, payee, coin_id) in std::mem::take(&mut self.cash.to_hand_over) {
            let payer_wallet = self.cash.wallet(&payer)?;
            let Some(book) = self.books.get(&payer).filter(|b| b.start(coin_id).is_some()) else {
                // The payer keeps the full Cash history: handed over as in Cash.
                let history = payer_wallet.handover(coin_id).map_err(err)?;
                self.cash.learn_deposit(&payee, coin_id)?;
                self.cash.wallets.get_mut(&payee).ok_or_else(|| err("no wallet"))?.receive(history).map_err(err)?;
                continue;
            };
            let history = book.xt_history(payer_wallet, coin_id).map_err(err)?;
            self.cash.learn_deposit(&payee, coin_id)?;
            let wallet = self.cash.wallets.get_mut(&payee).ok_or_else(|| err(format!("no wallet for {payee}")))?;
            match self.books.get_mut(&payee) {
                Some(book) => {
                    book.adopt(wallet, history).map_err(err)?;
                }
                None => {
                    wallet.adopt_verified(plasma_xt::to_cash(&history).map_err(err)?).map_err(err)?;
                }
            }
            world.log.push(format!("{payee} keeps the checkpoint-started history of coin {coin_id} from {payer}"));
        }
        Ok(())
    }

    /// Before an honest payer signs a coin whose history starts at a finalised checkpoint, the
    /// recipient verifies the checkpoint-started history it will be handed: the checkpoint is one
    /// it saw finalised, with the coin's bit set, and the history verifies against its roots.
    /// (The coin is the one the Cash variant pays with: the first spendable of that amount.)
    fn check_checkpoint_handover(&mut self, from: &str, to: &str, amount: U256) -> Result<(), Error> {
        let (Some(book), Ok(wallet)) = (self.books.get(from), self.cash.wallet(from)) else { return Ok(()) };
        let denomination = |coin: &u64| wallet.deposit_record(*coin).map(|r| r.amount);
        let Some(coin_id) = wallet.spendable_coins().into_iter().find(|c| denomination(c) == Some(amount)) else {
            return Ok(());
        };
        let Some(start) = book.start(coin_id) else {
            // A plain Cash history: the recipient checks it against every finalised checkpoint it
            // knows that sets the coin's bit, with the proofs the payer signed off with or, failing
            // those, the proofs the operator serves from the state it proposed.
            let (Some(history), Some(recipient)) = (wallet.history(coin_id), self.books.get(to)) else { return Ok(()) };
            let proposals = &self.proposals;
            let proof_of = |cp: &ProposedCheckpoint| {
                book.state_proof(cp.blknum, cp.state_root, coin_id).cloned().or_else(|| {
                    let proposal = proposals.get(&cp.id).filter(|p| p.state.root() == cp.state_root)?;
                    Some(proposal.state.proof(coin_id))
                })
            };
            return recipient
                .check_finalized_states(history, proof_of)
                .map_err(|why| err(format!("{to} refuses coin {coin_id}: {why}")));
        };
        let history = book.xt_history(wallet, coin_id).map_err(err)?;
        self.cash.learn_deposit(to, coin_id)?;
        let recipient = self.cash.wallet(to)?;
        let known = self.books.get(to).and_then(|b| b.finalized(start.checkpoint_id));
        if !known.is_some_and(|cp| cp.blknum == start.blknum && cp.state_root == start.state_root) {
            return Err(err(format!("{to} does not know checkpoint {} finalised", start.checkpoint_id)));
        }
        history.verify(recipient.domain(), recipient.roots()).map_err(|why| {
            err(format!("{to} cannot verify the checkpoint-started history of coin {coin_id}: {why}"))
        })?;
        Ok(())
    }

    /// Decides each action once into the outbox and sends what is due; a lost or reverted send is
    /// sent again at every look until the checkpoint finalises or the exit is processed.
    async fn act(&mut self, world: &mut World, actions: Vec<(String, XtAction)>) -> Result<(), Error> {
        let now = world.chain.block_time().await?;
        for (name, action) in actions {
            let (what, target, deadline) = match &action {
                XtAction::ChallengeCheckpoint { checkpoint_id, latest, .. } => (
                    format!(
                        "challenges the bit of coin {} on checkpoint {checkpoint_id} with block {}",
                        latest.tx.coinId, latest.blknum
                    ),
                    XtTarget::Checkpoint(*checkpoint_id),
                    self.proposals.get(checkpoint_id).map(|p| self.challenge_window_closes(p)),
                ),
                XtAction::ChallengeCheckpointAfter { checkpoint_id, latest, later, .. } => (
                    format!(
                        "challenges the bit of coin {} on checkpoint {checkpoint_id} as a later owner \
                         (block {}, spent to it at {})",
                        latest.tx.coinId, latest.blknum, later.blknum
                    ),
                    XtTarget::Checkpoint(*checkpoint_id),
                    self.proposals.get(checkpoint_id).map(|p| self.challenge_window_closes(p)),
                ),
                XtAction::ChallengeHistoryAtCheckpoint { coin_id, .. } => {
                    let exit = self.exits.get(coin_id);
                    (
                        format!("challenges the exit of coin {coin_id} with its checkpoint state"),
                        XtTarget::Exit(*coin_id, exit.map_or(0, |e| e.exit_id)),
                        exit.map(|e| e.exitable_at),
                    )
                }
                XtAction::CancelStale { coin_id, .. } => {
                    let exit = self.exits.get(coin_id);
                    (
                        format!("cancels the stale exit of coin {coin_id}"),
                        XtTarget::Exit(*coin_id, exit.map_or(0, |e| e.exit_id)),
                        exit.map(|e| e.exitable_at),
                    )
                }
                XtAction::RespondHistoryAtCheckpoint { coin_id, challenge_blk, .. } => {
                    let exit = self.exits.get(coin_id);
                    (
                        format!(
                            "answers the challenge at block {challenge_blk} of coin {coin_id} with its checkpoint state"
                        ),
                        XtTarget::Exit(*coin_id, exit.map_or(0, |e| e.exit_id)),
                        exit.map(|e| e.exitable_at),
                    )
                }
            };
            // Nothing open to act on any more: the checkpoint finalised or the exit ended.
            let Some(deadline) = deadline else { continue };
            let decided = Decided {
                sender: world.actor(&name)?.address,
                who: format!("{name}'s watcher"),
                call: action.call(&self.game),
                what,
                tag: target,
            };
            self.outbox.decide(decided, deadline, now);
        }
        let (proposals, open) = (&self.proposals, &self.exits);
        self.outbox.retain(|d| match d.tag {
            XtTarget::Checkpoint(id) => proposals.get(&id).is_some_and(|p| p.open),
            XtTarget::Exit(coin, exit_id) => open.get(&coin).is_some_and(|e| e.exit_id == exit_id),
        });
        self.outbox.flush(world).await?;
        Ok(())
    }

    /// Anyone (here the operator) finalises the open checkpoints that are due.
    async fn finalize_due(&mut self, world: &mut World, now: u64) -> Result<(), Error> {
        let due: Vec<u64> =
            self.proposals.iter().filter(|(_, p)| p.open && now >= p.finalizable_at).map(|(id, _)| *id).collect();
        for id in due {
            Self::send(world, "operator", &XtGame::finalize_checkpoint_call(id), &format!("finalises checkpoint {id}"))
                .await?;
            if let Some(proposal) = self.proposals.get_mut(&id) {
                proposal.open = false;
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Variant for XtVariant {
    fn name(&self) -> &'static str {
        NAME
    }

    fn summary(&self) -> &'static str {
        "Plasma XT: Plasma Cash plus checkpoints (state roots, owner sign-offs, challenges) that shorten coin histories"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { checkpoints: true, ..plasma_cash::operator::CAPABILITIES }
    }

    fn must_watch(&self) -> &'static str {
        "exits of its own coins, checkpoints that set its coins' bits, and one proof per block per coin it holds"
    }

    fn exit_bond(&self) -> U256 {
        EXIT_BOND
    }

    async fn deploy(&mut self, world: &mut World) -> Result<(), Error> {
        self.game = Self::game(world.min_exit_period);
        let period = world.min_exit_period;
        let args = |framework_| {
            let args = XtExitGame::constructorCall {
                framework_,
                exitBond_: EXIT_BOND,
                challengeBond_: CHALLENGE_BOND,
                checkpointBond_: CHECKPOINT_BOND,
                checkpointPeriod_: period,
                challengeCap_: CHALLENGE_CAP,
            };
            alloy_sol_types::SolConstructor::abi_encode(&args)
        };
        self.cash.deploy_game_code(world, &XtExitGame::BYTECODE, args).await?;
        for name in self.cash.watchers.keys() {
            self.books.insert(name.clone(), CheckpointBook::new());
            self.watchers.insert(name.clone(), XtWatcher::new(world.actor(name)?.address, self.game));
        }
        Ok(())
    }

    async fn deposit(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support, Error> {
        self.cash.deposit(world, actor, amount).await
    }

    async fn transfer(
        &mut self,
        world: &mut World,
        from: &str,
        to: &str,
        amount: U256,
        confirm: bool,
    ) -> Result<Support, Error> {
        self.check_checkpoint_handover(from, to, amount)?;
        self.cash.handed_elsewhere = self.books.values().flat_map(CheckpointBook::started_coins).collect();
        self.cash.transfer(world, from, to, amount, confirm).await
    }

    async fn commit_block(&mut self, world: &mut World) -> Result<(), Error> {
        self.cash.handed_elsewhere = self.books.values().flat_map(CheckpointBook::started_coins).collect();
        self.cash.commit_block(world).await?;
        self.hand_over_checkpoint_starts(world)
    }

    async fn inject_fault(&mut self, world: &mut World, fault: &Fault) -> Result<Support, Error> {
        self.cash.inject_fault(world, fault).await
    }

    async fn exit(
        &mut self,
        world: &mut World,
        actor: &str,
        what: ExitWhat,
        must_fail: bool,
    ) -> Result<Support, Error> {
        if CashVariant::is_cheater(world, actor) && matches!(what, ExitWhat::All | ExitWhat::Newest) {
            let calls = self.forged_state_exits(world, actor)?;
            if !calls.is_empty() {
                for (coin, call) in calls {
                    let went =
                        Self::send(world, actor, &call, &format!("exits coin {coin} from its forged checkpoint state"))
                            .await?;
                    if went == must_fail {
                        return Err(err(format!("the checkpoint exit of coin {coin} by {actor}: accepted = {went}")));
                    }
                }
                return Ok(Support::Done);
            }
        }
        let Some(book) = self.books.get(actor).filter(|_| matches!(what, ExitWhat::All | ExitWhat::Newest)) else {
            return self.cash.exit(world, actor, what, must_fail).await;
        };
        let wallet = self.cash.wallet(actor)?;
        let mut coins = wallet.owned_coins();
        coins.extend(wallet.learned_payments().keys().filter(|c| !wallet.owns(**c)));
        if what == ExitWhat::Newest {
            coins = coins.pop().into_iter().collect();
        }
        coins.retain(|coin| must_fail || !self.cash.open.contains_key(coin));
        let (mut cash_claims, mut xt_calls) = (Vec::new(), Vec::new());
        for coin in coins {
            match book.exit_claim(wallet, coin).map_err(err)? {
                Some(exit) => xt_calls.push((coin, self.game.start_checkpoint_exit_call(&exit))),
                None => cash_claims.extend(wallet.exit_claim(coin).ok()),
            }
        }
        for (coin, call) in xt_calls {
            let went = Self::send(world, actor, &call, &format!("exits coin {coin} from its checkpoint")).await?;
            if went == must_fail {
                return Err(err(format!("the checkpoint exit of coin {coin} by {actor}: accepted = {went}")));
            }
        }
        if !cash_claims.is_empty() {
            self.cash.start_exits(world, actor, cash_claims, must_fail).await?;
        }
        Ok(Support::Done)
    }

    async fn challenge(&mut self, world: &mut World, challenger: &str, target: &str) -> Result<Support, Error> {
        self.cash.challenge(world, challenger, target).await
    }

    async fn run_watchers(&mut self, world: &mut World) -> Result<(), Error> {
        self.xt_round(world).await?;
        self.xt_round(world).await?;
        self.cash.run_watchers(world).await
    }

    async fn exit_counts(&self, world: &World) -> Result<ExitCounts, Error> {
        self.cash.exit_counts(world).await
    }

    async fn checkpoint(&mut self, world: &mut World, step: &CheckpointStep) -> Result<Support, Error> {
        // The users' software has seen everything before the operator asks for sign-offs.
        self.run_watchers(world).await?;
        if step.zone_past_block {
            return self.propose_past_block(world, step).await;
        }
        let (state, bitmap, colluding) = self.build_checkpoint(world, step)?;
        let call = self.game.propose_checkpoint_call(state.blknum(), state.root(), &bitmap);
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
            .find_map(|log| IXtExitGame::CheckpointProposed::decode_log(log).ok())
            .ok_or_else(|| err(format!("checkpoint refused: {}", receipt.revert_reason.unwrap_or_default())))?;
        let id: u64 = event.checkpointId.to();
        let set: Vec<u64> = bitmap.set_coins().collect();
        world.log.push(format!("operator proposes checkpoint {id} of block {} with bits {set:?}", state.blknum()));
        let mut bytes_before = BTreeMap::new();
        for (name, book) in &self.books {
            let wallet = self.cash.wallet(name)?;
            if set.iter().any(|coin| book.signed(state.blknum(), state.root(), *coin)) {
                bytes_before.insert(name.clone(), book.stored_bytes(wallet));
            }
        }
        let cp = ProposedCheckpoint { id, blknum: state.blknum(), state_root: state.root(), bitmap };
        let finalizable_at = event.finalizableAt;
        let proposal = Proposal { state, cp, finalizable_at, step: step.clone(), bytes_before, colluding, open: true };
        self.proposals.insert(id, proposal);
        for griefer in &step.griefers {
            self.grief(world, id, griefer).await?;
        }
        Ok(Support::Done)
    }
}
