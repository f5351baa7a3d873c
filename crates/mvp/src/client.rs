//! One MVP user's software behind [`UserClient`]: its [`Wallet`] and, unless the user colludes
//! with a cheater, its [`Watcher`].
//!
//! The client validates every committed block before its wallet confirms anything in it, exits the
//! user's outputs once a block is invalid or withheld, challenges every exit it can prove spent
//! (with what its blocks and the confirmations it was handed show), and keeps each decision until
//! the exit it is about ends or the runtime sent it.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, U256};
use plasma_core::{
    BlockNumber, ChainEvent, Decision, Domain, ExitScope, FrameworkEvent, Role, SigningKey, Timestamp, UserClient,
};

use crate::{
    Block, Challenge, ExitClaim, MvpError, MvpGame, SignedTx, UtxoPos, Wallet, Watcher,
    design::{Handover, Mvp, MvpEvent, MvpTag},
    watcher::BlockStatus,
};

/// One user's MVP wallet and watcher.
#[derive(Debug)]
pub struct MvpClient {
    wallet: Wallet,
    watcher: Option<Watcher>,
    game: MvpGame,
    user: Address,
    domain: Domain,
    /// Roots of the committed child blocks.
    roots: BTreeMap<BlockNumber, B256>,
    /// Deposit blocks already taken (a depositor's client learns its own deposit from its receipt,
    /// before the runtime reads the event).
    deposits: BTreeSet<BlockNumber>,
    /// Open exits on the root chain and when each can be processed (a challenge's deadline).
    open_exits: BTreeMap<UtxoPos, Timestamp>,
    /// The user's outputs whose exits started.
    exiting: BTreeSet<UtxoPos>,
    alerts: Vec<String>,
}

impl MvpClient {
    /// The client of the user holding `key`; `watching == false` runs no watcher (a user who
    /// colludes with a cheater, in the suite).
    #[must_use]
    pub fn new(key: SigningKey, domain: Domain, game: MvpGame, watching: bool) -> Self {
        let user = key.address();
        Self {
            wallet: Wallet::new(key, domain),
            watcher: watching.then(|| Watcher::new(domain, [user])),
            game,
            user,
            domain,
            roots: BTreeMap::new(),
            deposits: BTreeSet::new(),
            open_exits: BTreeMap::new(),
            exiting: BTreeSet::new(),
            alerts: Vec::new(),
        }
    }

    /// The wallet.
    #[must_use]
    pub const fn wallet(&self) -> &Wallet {
        &self.wallet
    }

    /// The watcher, unless the user runs none.
    #[must_use]
    pub const fn watcher(&self) -> Option<&Watcher> {
        self.watcher.as_ref()
    }

    /// Whether the exit of the user's output `pos` started.
    #[must_use]
    pub fn is_exiting(&self, pos: &UtxoPos) -> bool {
        self.exiting.contains(pos)
    }

    /// Records that the exit of the user's output `pos` started (sent outside the runtime).
    pub fn mark_exiting(&mut self, pos: UtxoPos) {
        self.exiting.insert(pos);
    }

    /// Challenges of open exits, each until the exit can be processed.
    fn challenges(&self, challenges: Vec<Challenge>) -> Vec<Decision<MvpTag>> {
        challenges
            .into_iter()
            .filter_map(|challenge| {
                let deadline = *self.open_exits.get(&challenge.utxo_pos)?;
                Some(Decision {
                    by: Role::Watcher,
                    tag: MvpTag::Challenge(challenge.utxo_pos),
                    sender: self.user,
                    call: self.game.challenge_call(&challenge),
                    deadline,
                    what: format!("challenges the exit of {}", challenge.utxo_pos),
                })
            })
            .collect()
    }

    /// The user's exit of `claim`, decided at `now`: it must start within an exit period.
    fn exit_decision(&self, claim: &ExitClaim, now: Timestamp) -> Result<Decision<MvpTag>, MvpError> {
        let pos = claim.utxo_pos()?;
        Ok(Decision {
            by: Role::Owner,
            tag: MvpTag::Exit(pos),
            sender: self.user,
            call: self.game.exit_call(claim),
            deadline: now + self.game.min_exit_period,
            what: format!("exits {pos}"),
        })
    }

    /// Whether the watcher (if any) judged block `blknum` valid and knows no fault.
    fn vouches_for(&self, blknum: BlockNumber) -> bool {
        self.watcher.as_ref().is_none_or(|w| w.status(blknum) == Some(BlockStatus::Valid) && w.first_fault().is_none())
    }
}

impl UserClient<Mvp> for MvpClient {
    fn user(&self) -> Address {
        self.user
    }

    fn on_event(&mut self, event: &ChainEvent<MvpEvent>, _at: Timestamp) -> Result<Vec<Decision<MvpTag>>, MvpError> {
        match event {
            ChainEvent::Framework(FrameworkEvent::Deposit(deposit)) => {
                if self.deposits.contains(&deposit.blknum) {
                    return Ok(Vec::new());
                }
                if let Some(watcher) = &mut self.watcher {
                    watcher.on_deposit(deposit)?;
                }
                if deposit.depositor == self.user {
                    self.wallet.add_deposit(deposit)?;
                }
                self.deposits.insert(deposit.blknum);
                Ok(Vec::new())
            }
            ChainEvent::Framework(FrameworkEvent::BlockSubmitted(block)) => {
                self.roots.insert(block.blknum, block.root);
                if let Some(watcher) = &mut self.watcher {
                    watcher.on_block_submitted(block)?;
                }
                Ok(Vec::new())
            }
            ChainEvent::Game(MvpEvent::ExitStarted(exit)) => {
                self.open_exits.insert(exit.utxo_pos, exit.exitable_at);
                if exit.owner == self.user {
                    self.exiting.insert(exit.utxo_pos);
                }
                let found = self.watcher.as_mut().map(|w| w.on_exit_started(exit)).unwrap_or_default();
                Ok(self.challenges(found))
            }
            ChainEvent::Game(MvpEvent::ExitChallenged(pos) | MvpEvent::ExitFinalized { utxo_pos: pos, .. }) => {
                self.open_exits.remove(pos);
                if let Some(watcher) = &mut self.watcher {
                    watcher.on_exit_closed(*pos);
                }
                Ok(Vec::new())
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
        _now: Timestamp,
    ) -> Result<Vec<Decision<MvpTag>>, MvpError> {
        let Some(watcher) = &mut self.watcher else { return Ok(Vec::new()) };
        let report = watcher.on_block_data(blknum, data.map(Vec::as_slice))?;
        // The parent confirmations in a new block may expose exits started earlier.
        Ok(self.challenges(report.challenges))
    }

    fn tick(&mut self, now: Timestamp) -> Result<Vec<Decision<MvpTag>>, MvpError> {
        let Some(watcher) = &self.watcher else { return Ok(Vec::new()) };
        let alarm: BTreeSet<UtxoPos> = watcher.exit_now().into_iter().collect();
        if alarm.is_empty() {
            return Ok(Vec::new());
        }
        let claims: Vec<ExitClaim> = self
            .wallet
            .exit_claims()
            .into_iter()
            .filter(|claim| claim.utxo_pos().is_ok_and(|pos| alarm.contains(&pos) && !self.exiting.contains(&pos)))
            .collect();
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        self.alerts.push("sees a bad or withheld block and exits".to_owned());
        claims.iter().map(|claim| self.exit_decision(claim, now)).collect()
    }

    fn still_wanted(&self, tag: &MvpTag) -> bool {
        match tag {
            MvpTag::Challenge(pos) => self.open_exits.contains_key(pos),
            MvpTag::Exit(pos) => !self.exiting.contains(pos),
        }
    }

    fn on_action_done(&mut self, tag: &MvpTag) {
        if let MvpTag::Exit(pos) = tag {
            self.exiting.insert(*pos);
        }
    }

    fn pay(&mut self, to: Address, amount: U256) -> Result<SignedTx, MvpError> {
        self.wallet.pay(to, amount, U256::ZERO)
    }

    fn cancel(&mut self, tx: &SignedTx) {
        self.wallet.cancel(tx);
    }

    /// MVP hands a payment over once it is in a block the payer's watcher validated, with the
    /// payer's confirmations; nothing while it is in flight.
    fn hand_over(
        &mut self,
        tx: &SignedTx,
        included: Option<(BlockNumber, &Vec<SignedTx>)>,
    ) -> Result<Option<Handover>, MvpError> {
        let Some((blknum, data)) = included else { return Ok(None) };
        let root = *self.roots.get(&blknum).ok_or(MvpError::UnknownBlock(blknum))?;
        let built;
        let block = match self.watcher.as_ref().and_then(|w| w.block(blknum)) {
            Some(block) => block,
            None => {
                built = Block::new(data.clone(), &self.domain)?;
                &built
            }
        };
        if block.root() != root {
            return Err(MvpError::UnknownRoot { blknum, root: block.root() });
        }
        let tx_hash = tx.tx_hash(&self.domain);
        let txindex = block.position_of(tx_hash).ok_or(MvpError::UnknownTx(tx_hash))?;
        let inclusion = crate::Inclusion { blknum, txindex, root, proof: block.proof(u64::from(txindex))? };
        if !self.vouches_for(blknum) {
            return Ok(None);
        }
        let confirmations = match &self.watcher {
            Some(watcher) => self.wallet.confirm_validated(tx, root, blknum, watcher)?,
            None => self.wallet.confirm(tx, root)?,
        };
        Ok(Some(Handover { tx: tx.clone(), inclusion, confirmations }))
    }

    fn receive(&mut self, handover: &Handover) -> Result<Vec<Decision<MvpTag>>, MvpError> {
        self.wallet.receive(&handover.tx, &handover.inclusion, handover.confirmations)?;
        // The watcher keeps the confirmations too: they prove the spend if the payer ever exits
        // the spent input.
        let Some(watcher) = &mut self.watcher else { return Ok(Vec::new()) };
        let tx_hash = handover.tx.tx_hash(&self.domain);
        let mut found = Vec::new();
        for signature in handover.confirmations.into_iter().flatten() {
            found.extend(watcher.learn_confirmation(tx_hash, signature));
        }
        Ok(self.challenges(found))
    }

    fn exits(&self, scope: ExitScope, now: Timestamp) -> Result<Vec<Decision<MvpTag>>, MvpError> {
        let claims = self.wallet.exit_claims();
        let claims: Vec<&ExitClaim> = match scope {
            ExitScope::All => claims.iter().collect(),
            ExitScope::Newest => claims.last().into_iter().collect(),
        };
        claims
            .into_iter()
            .filter(|claim| claim.utxo_pos().is_ok_and(|pos| !self.exiting.contains(&pos)))
            .map(|claim| self.exit_decision(claim, now))
            .collect()
    }

    fn balance(&self) -> U256 {
        self.wallet.balance()
    }

    fn take_alerts(&mut self) -> Vec<String> {
        std::mem::take(&mut self.alerts)
    }
}
