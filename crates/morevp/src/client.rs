//! One MoreVP user's software behind [`UserClient`]: its [`Wallet`] and, unless the user colludes
//! with a cheater, its [`Watcher`].
//!
//! The client hands a payment over in flight at once (with its inputs' proofs, what an in-flight
//! exit needs) and again once it is included; its watcher judges every block, follows the exit game
//! and decides what `docs/morevp.md` ("Watchers") asks: challenges of spent outputs' exits, exits
//! in time when the chain goes bad, piggybacks, canonicity challenges and answers, challenges of
//! spent piggybacks. Each decision carries its deadline: the end of phase 1 for piggybacks and
//! canonicity challenges, the latest time the exit it is about can be processed otherwise.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, U256};
use plasma_core::{
    BlockNumber, ChainEvent, Decision, Domain, ExitScope, FrameworkEvent, Role, SigningKey, Timestamp, UserClient,
};

use crate::{
    Action, ActionKey, Block, ExitCall, GameEvent, Inclusion, MoreVpError, MoreVpGame, PaymentTx, Report, SignedTx,
    UtxoPos, Wallet, Watcher,
    design::{Handover, MoreVp},
};

/// One user's MoreVP wallet and watcher.
#[derive(Debug)]
pub struct MoreVpClient {
    wallet: Wallet,
    watcher: Option<Watcher>,
    game: MoreVpGame,
    user: Address,
    domain: Domain,
    roots: BTreeMap<BlockNumber, B256>,
    deposits: BTreeSet<BlockNumber>,
    /// Piggybacks seen on the root chain or made: (transaction, output?, slot).
    piggybacked: BTreeSet<(B256, bool, u8)>,
    /// Open in-flight exits: transaction hash → (starter, transaction).
    in_flight: BTreeMap<B256, (Address, PaymentTx)>,
    /// Open standard exits and their owners.
    standard_exits: BTreeMap<UtxoPos, Address>,
    /// When each in-flight exit started (its phase 1 ends half a period later).
    started_at: BTreeMap<B256, Timestamp>,
}

/// What a MoreVP call does, in words (`"exits output 1000/0/0"`).
#[must_use]
pub fn describe(call: &ExitCall) -> String {
    match call {
        ExitCall::StartStandardExit(exit) => format!("exits output {}", exit.utxo_pos),
        ExitCall::StartDepositExit(exit) => format!("exits deposit {}", exit.blknum),
        ExitCall::ChallengeStandardExit(c) => format!("challenges the exit of {}", c.utxo_pos),
        ExitCall::StartInFlightExit(_) => "starts an in-flight exit".into(),
        ExitCall::Piggyback(p) => {
            format!("piggybacks on {} {}", if p.is_output { "output" } else { "input" }, p.index)
        }
        ExitCall::ChallengeNotCanonical(_) => "challenges an in-flight exit's canonicity".into(),
        ExitCall::RespondToNonCanonicalChallenge(r) => format!("answers a canonicity challenge with {}", r.tx_pos),
        ExitCall::ChallengeInputSpent(c) => format!("challenges piggybacked input {}", c.input_index),
        ExitCall::ChallengeOutputSpent(c) => format!("challenges piggybacked output {}", c.output_index),
        ExitCall::DeleteNonPiggybacked(_) => "deletes an in-flight exit nobody piggybacked".into(),
    }
}

impl MoreVpClient {
    /// The client of the user holding `key`; `watching == false` runs no watcher (a user who
    /// colludes with a cheater, in the suite).
    #[must_use]
    pub fn new(key: SigningKey, domain: Domain, game: MoreVpGame, watching: bool) -> Self {
        let user = key.address();
        Self {
            wallet: Wallet::new(key, domain),
            watcher: watching.then(|| Watcher::new(domain, game.min_exit_period, [user])),
            game,
            user,
            domain,
            roots: BTreeMap::new(),
            deposits: BTreeSet::new(),
            piggybacked: BTreeSet::new(),
            in_flight: BTreeMap::new(),
            standard_exits: BTreeMap::new(),
            started_at: BTreeMap::new(),
        }
    }

    /// The wallet.
    #[must_use]
    pub const fn wallet(&self) -> &Wallet {
        &self.wallet
    }

    /// The wallet, to change (what a cheater signs outside the client).
    pub const fn wallet_mut(&mut self) -> &mut Wallet {
        &mut self.wallet
    }

    /// The watcher, unless the user runs none.
    #[must_use]
    pub const fn watcher(&self) -> Option<&Watcher> {
        self.watcher.as_ref()
    }

    /// The root-chain time after which the action `key`, decided at `now`, can no longer help:
    /// piggybacks and canonicity challenges close with phase 1; everything else with the latest
    /// time the exit it is about can be processed (an output's exit waits at most two periods).
    fn deadline_of(&self, key: ActionKey, now: Timestamp) -> Timestamp {
        let period = self.game.min_exit_period;
        match key {
            ActionKey::Piggyback(hash, ..) | ActionKey::ChallengeNotCanonical(hash, _) => {
                self.started_at.get(&hash).map_or(now + period, |started| self.game.phase1_end(*started))
            }
            ActionKey::Respond(hash, _)
            | ActionKey::ChallengeInputSpent(hash, _)
            | ActionKey::ChallengeOutputSpent(hash, _) => {
                self.started_at.get(&hash).map_or(now, |started| *started) + 2 * period
            }
            _ => now + 2 * period,
        }
    }

    /// The decisions of the watcher's `report` at `now`, from their required sender (or the user),
    /// leaving out challenges of the sender's own exit and piggybacks already made.
    fn decisions(&self, report: Report, now: Timestamp) -> Vec<Decision<ActionKey>> {
        report.actions.into_iter().filter_map(|action| self.decision(action, now)).collect()
    }

    fn decision(&self, action: Action, now: Timestamp) -> Option<Decision<ActionKey>> {
        let key = action.key(&self.domain);
        let sender = action.sender.unwrap_or(self.user);
        // Nobody challenges its own exit.
        if let ExitCall::ChallengeStandardExit(challenge) = &action.call
            && self.standard_exits.get(&challenge.utxo_pos) == Some(&sender)
        {
            return None;
        }
        if let ActionKey::Piggyback(hash, is_output, index) = key
            && self.piggybacked.contains(&(hash, is_output, index))
        {
            return None;
        }
        Some(Decision {
            by: Role::Watcher,
            tag: key,
            sender,
            call: self.game.call(&action.call),
            deadline: self.deadline_of(key, now),
            what: describe(&action.call),
        })
    }

    /// Follows what the exit game says of open exits.
    fn track(&mut self, event: &GameEvent, at: Timestamp) {
        match event {
            GameEvent::StandardExitStarted { utxo_pos, owner, .. } => {
                self.standard_exits.insert(*utxo_pos, *owner);
            }
            GameEvent::StandardExitChallenged { utxo_pos, .. } | GameEvent::StandardExitFinalized { utxo_pos, .. } => {
                self.standard_exits.remove(utxo_pos);
            }
            GameEvent::InFlightExitStarted { tx_hash, starter, tx, .. } => {
                self.in_flight.insert(*tx_hash, (*starter, tx.tx.clone()));
                self.started_at.insert(*tx_hash, at);
            }
            GameEvent::InFlightExitPiggybacked { tx_hash, is_output, index, .. } => {
                self.piggybacked.insert((*tx_hash, *is_output, *index));
            }
            GameEvent::InFlightExitDeleted { tx_hash } | GameEvent::InFlightExitFinalized { tx_hash, .. } => {
                self.in_flight.remove(tx_hash);
                self.piggybacked.retain(|(hash, ..)| hash != tx_hash);
            }
            _ => {}
        }
    }

    /// Where `tx` is included in block `blknum`, from the block's published data, checked against
    /// the root the framework recorded.
    fn inclusion(&self, tx: &SignedTx, blknum: BlockNumber, data: &[SignedTx]) -> Result<Inclusion, MoreVpError> {
        let root = *self.roots.get(&blknum).ok_or(MoreVpError::UnknownBlock(blknum))?;
        let block = Block::new(data.to_vec(), &self.domain)?;
        if block.root() != root {
            return Err(MoreVpError::UnknownRoot { blknum, root: block.root() });
        }
        let hash = tx.tx_hash(&self.domain);
        let txindex = block.tx_hashes().iter().position(|h| *h == hash).ok_or(MoreVpError::UnknownTx(hash))?;
        let proof = block.proof(txindex as u64)?;
        let txindex = u16::try_from(txindex).map_err(|_| MoreVpError::UnknownTx(hash))?;
        Ok(Inclusion { blknum, txindex, root, proof })
    }
}

impl UserClient<MoreVp> for MoreVpClient {
    fn user(&self) -> Address {
        self.user
    }

    fn on_event(
        &mut self,
        event: &ChainEvent<GameEvent>,
        at: Timestamp,
    ) -> Result<Vec<Decision<ActionKey>>, MoreVpError> {
        match event {
            ChainEvent::Framework(FrameworkEvent::Deposit(deposit)) => {
                if !self.deposits.insert(deposit.blknum) {
                    return Ok(Vec::new());
                }
                if deposit.depositor == self.user {
                    self.wallet.add_deposit(deposit)?;
                }
                let Some(watcher) = &mut self.watcher else { return Ok(Vec::new()) };
                let report = watcher.on_deposit(deposit)?;
                Ok(self.decisions(report, at))
            }
            ChainEvent::Framework(FrameworkEvent::BlockSubmitted(block)) => {
                self.roots.insert(block.blknum, block.root);
                if let Some(watcher) = &mut self.watcher {
                    watcher.on_block_submitted(block)?;
                }
                Ok(Vec::new())
            }
            ChainEvent::Game(event) => {
                self.track(event, at);
                let Some(watcher) = &mut self.watcher else { return Ok(Vec::new()) };
                let report = watcher.on_event(event, at)?;
                Ok(self.decisions(report, at))
            }
        }
    }

    fn next_block_wanted(&self) -> Option<BlockNumber> {
        self.watcher.as_ref().and_then(Watcher::next_unchecked)
    }

    fn on_block_data(
        &mut self,
        blknum: BlockNumber,
        data: Option<&Vec<SignedTx>>,
        now: Timestamp,
    ) -> Result<Vec<Decision<ActionKey>>, MoreVpError> {
        let Some(watcher) = &mut self.watcher else { return Ok(Vec::new()) };
        let report = watcher.on_block_data(blknum, data.map(Vec::as_slice))?;
        Ok(self.decisions(report, now))
    }

    fn withheld_blocks(&self) -> Vec<BlockNumber> {
        self.watcher.as_ref().map(Watcher::withheld_without_data).unwrap_or_default()
    }

    fn on_late_block_data(
        &mut self,
        blknum: BlockNumber,
        data: &Vec<SignedTx>,
        now: Timestamp,
    ) -> Result<Vec<Decision<ActionKey>>, MoreVpError> {
        let Some(watcher) = &mut self.watcher else { return Ok(Vec::new()) };
        let report = watcher.on_late_block_data(blknum, data)?;
        Ok(self.decisions(report, now))
    }

    fn tick(&mut self, now: Timestamp) -> Result<Vec<Decision<ActionKey>>, MoreVpError> {
        let Some(watcher) = &mut self.watcher else { return Ok(Vec::new()) };
        let report = watcher.tick(now);
        Ok(self.decisions(report, now))
    }

    fn still_wanted(&self, tag: &ActionKey) -> bool {
        match tag {
            ActionKey::ChallengeExit(pos) => self.standard_exits.contains_key(pos),
            // A piggyback someone already made (the user's own exit step, say) is not made twice.
            ActionKey::Piggyback(hash, is_output, index) => {
                self.in_flight.contains_key(hash) && !self.piggybacked.contains(&(*hash, *is_output, *index))
            }
            ActionKey::ChallengeNotCanonical(hash, _)
            | ActionKey::Respond(hash, _)
            | ActionKey::ChallengeInputSpent(hash, _)
            | ActionKey::ChallengeOutputSpent(hash, _) => self.in_flight.contains_key(hash),
            ActionKey::StartExit(_) | ActionKey::StartInFlightExit(_) | ActionKey::Other => true,
        }
    }

    fn on_action_done(&mut self, tag: &ActionKey) {
        if let ActionKey::Piggyback(hash, is_output, index) = tag {
            self.piggybacked.insert((*hash, *is_output, *index));
        }
    }

    fn pay(&mut self, to: Address, amount: U256) -> Result<SignedTx, MoreVpError> {
        self.wallet.pay(to, amount, U256::ZERO)
    }

    fn cancel(&mut self, tx: &SignedTx) {
        self.wallet.cancel(tx);
    }

    /// MoreVP hands a payment over in flight as soon as the operator accepted it, and its
    /// inclusion once it is in a committed block.
    fn hand_over(
        &mut self,
        tx: &SignedTx,
        included: Option<(BlockNumber, &Vec<SignedTx>)>,
    ) -> Result<Option<Handover>, MoreVpError> {
        match included {
            None => {
                let hash = tx.tx_hash(&self.domain);
                let (tx, input_txs) = self.wallet.handoff(hash)?;
                if let Some(watcher) = &mut self.watcher {
                    // What the watcher asks on learning its own payment comes with its next look.
                    let _ = watcher.watch_tx(&tx);
                }
                Ok(Some(Handover::InFlight { tx, input_txs }))
            }
            Some((blknum, data)) => {
                let inclusion = self.inclusion(tx, blknum, data)?;
                self.wallet.on_included(tx, &inclusion)?;
                Ok(Some(Handover::Included { tx: tx.clone(), inclusion: Box::new(inclusion) }))
            }
        }
    }

    fn receive(&mut self, handover: &Handover) -> Result<Vec<Decision<ActionKey>>, MoreVpError> {
        match handover {
            Handover::InFlight { tx, input_txs } => {
                self.wallet.receive_in_flight(tx.clone(), input_txs.clone())?;
                if let Some(watcher) = &mut self.watcher {
                    let _ = watcher.watch_tx(tx);
                }
            }
            Handover::Included { tx, inclusion } => {
                self.wallet.on_included(tx, inclusion)?;
            }
        }
        Ok(Vec::new())
    }

    fn exits(&self, scope: ExitScope, now: Timestamp) -> Result<Vec<Decision<ActionKey>>, MoreVpError> {
        let mut calls = self.wallet.exit_calls();
        if scope == ExitScope::Newest {
            calls = calls.pop().into_iter().collect();
        }
        Ok(calls
            .into_iter()
            .map(|call| {
                let key = Action { sender: Some(self.user), call: call.clone() }.key(&self.domain);
                Decision {
                    by: Role::Owner,
                    tag: key,
                    sender: self.user,
                    call: self.game.call(&call),
                    deadline: now + 2 * self.game.min_exit_period,
                    what: describe(&call),
                }
            })
            .collect())
    }

    fn balance(&self) -> U256 {
        self.wallet.balance()
    }
}
