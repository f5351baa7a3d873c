//! Plasma MVP (`plasma-mvp`) as a scenario variant: the operator, one wallet per actor, one
//! watcher per honest actor, and `MvpExitGame` on the root chain.
//!
//! Everything honest users' software does happens here on its own: payers confirm included
//! payments and hand recipients what they need; watchers read the root chain's events, validate
//! every block, exit their user's outputs when a block is invalid or withheld, and challenge exits
//! of outputs they can prove spent. Colluding actors (`colluding` in the scenario) run no watcher.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolEvent, SolValue};
use plasma_contracts::{MvpExitGame, PlasmaFramework};
use plasma_core::{BlockSubmittedEvent, Capabilities, ChildChain, DepositEvent, SigningKey};
use plasma_mvp::{
    ExitClaim, Inclusion, MvpExit, MvpGame, ObservedExit, Operator, Output, SignedTx, Transaction, UtxoPos, Wallet,
    Watcher, confirmation_digest,
};
use plasma_rootchain::{LogFilter, RootChain};

use super::{Decided, WatcherOutbox};
use crate::{Error, ExitCounts, ExitWhat, Fault, Support, Variant, World};

/// The exit bond: 0.02 ETH, close to what OMG's production game asked (protocols.md 6.1).
pub const EXIT_BOND: U256 = U256::from_limbs([20_000_000_000_000_000, 0, 0, 0]);

const NAME: &str = "mvp";

fn err(message: impl std::fmt::Display) -> Error {
    Error::Variant { variant: NAME, message: message.to_string() }
}

/// A payment waiting for its block: who pays whom, and whether the payer will confirm it.
struct Pending {
    tx: SignedTx,
    payer: String,
    payee: String,
    confirm: bool,
    /// A fault: the confirmations come from the thief's own key, not from a wallet.
    forged: bool,
}

/// Plasma MVP, driven by scenarios.
pub struct MvpVariant {
    game: MvpGame,
    operator: Option<Operator>,
    wallets: BTreeMap<String, Wallet>,
    watchers: BTreeMap<String, Watcher>,
    /// Exit arguments of outputs each actor has spent (what a cheater would exit).
    spent: BTreeMap<String, Vec<ExitClaim>>,
    /// Outputs received without the payer's confirmation: exiting them must fail.
    unconfirmed: BTreeMap<String, Vec<ExitClaim>>,
    /// Exits each actor has started, so that watchers do not start them twice.
    exiting: BTreeSet<UtxoPos>,
    pending: Vec<Pending>,
    /// Challenges watchers found outside [`MvpVariant::ingest`], sent at the next watcher run.
    found: Vec<(String, plasma_mvp::Challenge)>,
    withhold_next: bool,
    /// Open exits on the root chain and the time each can be processed.
    open_exits: BTreeMap<UtxoPos, u64>,
    /// Every exit started, by owner: output and amount (what `spend-exited` spends).
    exited: BTreeMap<Address, Vec<(UtxoPos, U256)>>,
    /// The watchers' decided actions: challenges, by the exit they are about, and the exits a
    /// bad or withheld block calls for.
    outbox: WatcherOutbox<MvpTag>,
    /// The first root-chain block whose logs the watchers have not read.
    log_cursor: u64,
}

/// What an MVP watcher's action is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MvpTag {
    /// A challenge of the exit of this output.
    Challenge(UtxoPos),
    /// The user's own exit of this output, once the chain went bad.
    Exit(UtxoPos),
}

impl Default for MvpVariant {
    fn default() -> Self {
        Self::new()
    }
}

impl MvpVariant {
    /// A fresh instance, deployed by [`Variant::deploy`].
    pub fn new() -> Self {
        Self {
            game: MvpGame::new(EXIT_BOND, plasma_contracts::DEFAULT_MIN_EXIT_PERIOD),
            operator: None,
            wallets: BTreeMap::new(),
            watchers: BTreeMap::new(),
            spent: BTreeMap::new(),
            unconfirmed: BTreeMap::new(),
            exiting: BTreeSet::new(),
            pending: Vec::new(),
            found: Vec::new(),
            withhold_next: false,
            open_exits: BTreeMap::new(),
            exited: BTreeMap::new(),
            outbox: WatcherOutbox::default(),
            log_cursor: 0,
        }
    }

    fn operator(&mut self) -> Result<&mut Operator, Error> {
        self.operator.as_mut().ok_or_else(|| err("not deployed"))
    }

    fn wallet(&mut self, name: &str) -> Result<&mut Wallet, Error> {
        self.wallets.get_mut(name).ok_or_else(|| err(format!("no wallet for {name}")))
    }

    /// Decides each challenge once per exit into the outbox, from the watcher's user who found
    /// it, and sends what is due; a lost or reverted send is sent again at every look until the
    /// exit can be processed, and withdrawn once the exit ended.
    async fn send_challenges(
        &mut self,
        world: &mut World,
        challenges: Vec<(String, plasma_mvp::Challenge)>,
    ) -> Result<(), Error> {
        let now = world.chain.block_time().await?;
        for (name, challenge) in challenges {
            let Some(deadline) = self.open_exits.get(&challenge.utxo_pos).copied() else { continue };
            let decided = Decided {
                sender: world.actor(&name)?.address,
                who: format!("{name}'s watcher"),
                call: self.game.challenge_call(&challenge),
                what: format!("challenges the exit of {}", challenge.utxo_pos),
                tag: MvpTag::Challenge(challenge.utxo_pos),
            };
            self.outbox.decide(decided, deadline, now);
        }
        self.flush(world).await
    }

    /// Sends what is due in the outbox, withdrawing challenges of exits that ended and exits that
    /// started; records the exits that went through.
    async fn flush(&mut self, world: &mut World) -> Result<(), Error> {
        let (open, exiting) = (&self.open_exits, &self.exiting);
        self.outbox.retain(|d| match d.tag {
            MvpTag::Challenge(pos) => open.contains_key(&pos),
            MvpTag::Exit(pos) => !exiting.contains(&pos),
        });
        for tag in self.outbox.flush(world).await? {
            if let MvpTag::Exit(pos) = tag {
                self.exiting.insert(pos);
            }
        }
        Ok(())
    }

    /// Reads the framework's and the game's events since the last look and feeds every watcher;
    /// returns the challenges watchers found, with the actor who found them.
    async fn ingest(&mut self, world: &mut World) -> Result<Vec<(String, plasma_mvp::Challenge)>, Error> {
        let logs = world.new_logs(&mut self.log_cursor).await?;
        let mut challenges = Vec::new();
        for entry in logs {
            let log = &entry.log;
            if let Ok(event) = PlasmaFramework::DepositCreated::decode_log(log) {
                let deposit =
                    DepositEvent { depositor: event.depositor, blknum: event.blknum.to(), amount: event.amount };
                for watcher in self.watchers.values_mut() {
                    watcher.on_deposit(&deposit).map_err(err)?;
                }
            } else if let Ok(event) = PlasmaFramework::BlockSubmitted::decode_log(log) {
                let block =
                    BlockSubmittedEvent { blknum: event.blknum.to(), root: event.root, timestamp: event.timestamp };
                for watcher in self.watchers.values_mut() {
                    watcher.on_block_submitted(&block).map_err(err)?;
                }
            } else if let Ok(event) = MvpExitGame::ExitStarted::decode_log(log) {
                let observed = ObservedExit {
                    utxo_pos: UtxoPos::decode(event.utxoPos).map_err(err)?,
                    owner: event.owner,
                    amount: event.amount,
                    exitable_at: event.exitableAt,
                    tx: Transaction::decode(&event.tx.abi_encode()).map_err(err)?,
                    confirm_sigs: event.confirmSigs.clone(),
                };
                self.open_exits.insert(observed.utxo_pos, observed.exitable_at);
                self.exited.entry(observed.owner).or_default().push((observed.utxo_pos, observed.amount));
                // The honest operator spends an exiting output no more (and drops a queued spend).
                self.operator()?.on_exit_started(observed.utxo_pos);
                for (name, watcher) in &mut self.watchers {
                    challenges.extend(watcher.on_exit_started(&observed).into_iter().map(|c| (name.clone(), c)));
                }
            } else if let Some(pos) = MvpExitGame::ExitChallenged::decode_log(log)
                .map(|e| e.utxoPos)
                .or_else(|_| MvpExitGame::ExitFinalized::decode_log(log).map(|e| e.utxoPos))
                .ok()
                .and_then(|pos| UtxoPos::decode(pos).ok())
            {
                self.open_exits.remove(&pos);
                for watcher in self.watchers.values_mut() {
                    watcher.on_exit_closed(pos);
                }
            }
        }
        Ok(challenges)
    }

    /// Starts exits of `claims` from `owner`; with `must_fail`, every one must be refused.
    async fn start_exits(
        &mut self,
        world: &mut World,
        owner: &str,
        claims: Vec<ExitClaim>,
        must_fail: bool,
    ) -> Result<(), Error> {
        if claims.is_empty() {
            return Err(err(format!("{owner} has nothing to exit")));
        }
        let from = world.actor(owner)?.address;
        for claim in claims {
            let pos = claim.utxo_pos().map_err(err)?;
            let receipt = world.game_call(from, &self.game.exit_call(&claim)).await?;
            match (receipt.success, must_fail) {
                (true, false) => {
                    self.exiting.insert(pos);
                    world.log.push(format!("{owner} exits {pos}"));
                }
                (false, true) => world
                    .log
                    .push(format!("{owner}'s exit of {pos} refused: {}", receipt.revert_reason.unwrap_or_default())),
                (true, true) => return Err(err(format!("the exit of {pos} by {owner} had to be refused"))),
                (false, false) => {
                    return Err(err(format!(
                        "{owner} cannot exit {pos}: {}",
                        receipt.revert_reason.unwrap_or_default()
                    )));
                }
            }
        }
        Ok(())
    }

    /// A transaction the operator slips in: `input` to `beneficiary`, signed by `signer` (the
    /// beneficiary for a forgery, the cheating owner for a signed double spend).
    fn forged_tx(
        &self,
        world: &World,
        input: UtxoPos,
        amount: U256,
        beneficiary: &str,
        signer: &str,
    ) -> Result<SignedTx, Error> {
        let to = world.actor(beneficiary)?.address;
        let tx = Transaction::payment(input, None, Output::new(to, amount), None);
        Ok(SignedTx::sign(tx, &world.domain(), [Some(&world.actor(signer)?.key), None]))
    }

    /// The newest output `owner` has spent: its position and amount.
    fn newest_spent(&self, owner: &str) -> Result<(UtxoPos, U256), Error> {
        let claim = self
            .spent
            .get(owner)
            .and_then(|claims| claims.last())
            .ok_or_else(|| err(format!("{owner} spent nothing")))?;
        Ok((claim.utxo_pos().map_err(err)?, claim.amount()))
    }

    /// Includes `tx` unchecked; `signer` confirms it once it is in a block, for `beneficiary`.
    fn include_forged(&mut self, tx: SignedTx, beneficiary: &str, signer: &str) -> Result<(), Error> {
        self.operator()?.include_unchecked(tx.clone()).map_err(err)?;
        let (payer, payee) = (signer.to_owned(), beneficiary.to_owned());
        self.pending.push(Pending { tx, payer, payee, confirm: true, forged: true });
        Ok(())
    }

    /// Whether `payer`'s watcher, synced now, finds block `blknum` valid and knows no fault (a
    /// cheater runs no watcher and confirms what it likes); the challenges the sync finds are kept
    /// for the next round.
    fn validated_by_payer(&mut self, payer: &str, blknum: u64) -> Result<bool, Error> {
        let operator = self.operator.as_ref().ok_or_else(|| err("not deployed"))?;
        let Some(watcher) = self.watchers.get_mut(payer) else { return Ok(true) };
        for report in watcher.sync(operator).map_err(err)? {
            self.found.extend(report.challenges.into_iter().map(|c| (payer.to_owned(), c)));
        }
        Ok(watcher.status(blknum) == Some(plasma_mvp::watcher::BlockStatus::Valid) && watcher.first_fault().is_none())
    }

    /// After a block is numbered: payers confirm once their watcher has validated the block (never
    /// on an invalid block, nor after a known fault), recipients record their outputs.
    fn deliver(&mut self, world: &mut World, blknum: u64, root: B256, pending: Vec<Pending>) -> Result<(), Error> {
        let domain = world.domain();
        for payment in pending {
            let tx_hash = payment.tx.tx_hash(&domain);
            let inclusion: Inclusion =
                self.operator()?.inclusion(tx_hash).ok_or_else(|| err("payment not in its block"))?;
            if inclusion.blknum != blknum {
                return Err(err("payment landed in another block"));
            }
            let confirmations = if payment.forged {
                let key: &SigningKey = &world.actor(&payment.payer)?.key;
                [Some(key.sign_digest(confirmation_digest(&domain, tx_hash, root))), None]
            } else if payment.confirm && self.validated_by_payer(&payment.payer, blknum)? {
                let wallet = self.wallets.get_mut(&payment.payer).ok_or_else(|| err("no wallet"))?;
                match self.watchers.get(&payment.payer) {
                    Some(watcher) => wallet.confirm_validated(&payment.tx, root, blknum, watcher).map_err(err)?,
                    None => wallet.confirm(&payment.tx, root).map_err(err)?,
                }
            } else {
                if payment.confirm {
                    world.log.push(format!(
                        "{}'s wallet confirms nothing in block {blknum}: its watcher found a fault",
                        payment.payer
                    ));
                }
                let exit = MvpExit {
                    utxo_pos: inclusion.tx_pos().map_err(err)?,
                    tx: payment.tx.tx.clone(),
                    sigs: payment.tx.sigs_bytes().to_vec().into(),
                    proof: inclusion.proof.to_bytes(),
                    confirm_sigs: vec![0u8; 130].into(),
                };
                self.unconfirmed.entry(payment.payee.clone()).or_default().push(ExitClaim::Tx(exit));
                continue;
            };
            let owners: BTreeSet<String> = [payment.payee.clone(), payment.payer.clone()]
                .into_iter()
                .filter(|name| {
                    let address = world.actor(name).map(|a| a.address).ok();
                    (0..2).any(|o| payment.tx.tx.output(o).is_some_and(|out| Some(out.owner) == address))
                })
                .collect();
            for owner in owners {
                self.wallet(&owner)?.receive(&payment.tx, &inclusion, confirmations).map_err(err)?;
                // The recipient's watcher keeps the confirmations too: they prove the spend if
                // the payer ever exits the spent input.
                if let Some(watcher) = self.watchers.get_mut(&owner) {
                    for signature in confirmations.into_iter().flatten() {
                        self.found.extend(
                            watcher.learn_confirmation(tx_hash, signature).into_iter().map(|c| (owner.clone(), c)),
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Variant for MvpVariant {
    fn name(&self) -> &'static str {
        NAME
    }

    fn summary(&self) -> &'static str {
        "Plasma MVP: 2-in/2-out UTXOs, confirmation signatures, exit priority by age"
    }

    fn capabilities(&self) -> Capabilities {
        plasma_mvp::operator::CAPABILITIES
    }

    fn must_watch(&self) -> &'static str {
        "every block in full, at least once per exit period (exit on an invalid or withheld block), and exits of outputs it has spent"
    }

    fn exit_bond(&self) -> U256 {
        EXIT_BOND
    }

    async fn deploy(&mut self, world: &mut World) -> Result<(), Error> {
        let args = |framework_| {
            alloy_sol_types::SolConstructor::abi_encode(&MvpExitGame::constructorCall {
                framework_,
                exitBond_: EXIT_BOND,
            })
        };
        world.deploy_exit_game(&MvpExitGame::BYTECODE, args).await?;
        self.game = MvpGame::new(EXIT_BOND, world.min_exit_period);
        let domain = world.domain();
        self.operator = Some(Operator::new(domain));
        for actor in world.everyone() {
            self.wallets.insert(actor.name.clone(), Wallet::new(actor.key.clone(), domain));
            if actor.name != "operator" && !world.colluding.contains(&actor.name) {
                self.watchers.insert(actor.name.clone(), Watcher::new(domain, [actor.address]));
            }
        }
        Ok(())
    }

    async fn deposit(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support, Error> {
        let deposit = world.deposit(actor, amount).await?;
        self.operator()?.apply_deposit(&deposit).map_err(err)?;
        self.wallet(actor)?.add_deposit(&deposit).map_err(err)?;
        Ok(Support::Done)
    }

    async fn transfer(
        &mut self,
        world: &mut World,
        from: &str,
        to: &str,
        amount: U256,
        confirm: bool,
    ) -> Result<Support, Error> {
        let payee = world.actor(to)?.address;
        let tx = self.wallet(from)?.pay(payee, amount, U256::ZERO).map_err(err)?;
        let claims: Vec<ExitClaim> = {
            let wallet = self.wallet(from)?;
            let inputs = tx.tx.inputs().map_err(|reason| err(format!("{reason:?}")))?;
            inputs.into_iter().flatten().filter_map(|pos| wallet.exit_claim(pos).ok()).collect()
        };
        if let Err(rejected) = self.operator()?.submit_tx(tx.clone()) {
            self.wallet(from)?.cancel(&tx);
            return Err(err(rejected));
        }
        self.spent.entry(from.to_owned()).or_default().extend(claims);
        self.pending.push(Pending { tx, payer: from.to_owned(), payee: to.to_owned(), confirm, forged: false });
        Ok(Support::Done)
    }

    async fn commit_block(&mut self, world: &mut World) -> Result<(), Error> {
        let block = self.operator()?.build_block().map_err(err)?;
        let submitted = world.submit_block(block.root()).await?;
        self.operator()?.on_block_submitted(&submitted).map_err(err)?;
        let pending = std::mem::take(&mut self.pending);
        if std::mem::take(&mut self.withhold_next) {
            // Nobody sees the block: payers cannot confirm, recipients receive nothing.
            self.operator()?.withhold(submitted.blknum);
            world.log.push(format!("operator withholds block {}", submitted.blknum));
            return Ok(());
        }
        // The payers' software reads the root chain (deposits, this block) before it validates
        // the block and confirms anything in it (nothing to read when nobody is to confirm).
        if pending.iter().any(|p| p.confirm && !p.forged) {
            let found = self.ingest(world).await?;
            self.found.extend(found);
        }
        self.deliver(world, submitted.blknum, submitted.root, pending)
    }

    async fn inject_fault(&mut self, world: &mut World, fault: &Fault) -> Result<Support, Error> {
        match fault {
            Fault::InvalidTransaction { victim, beneficiary, ahead } => {
                let (pos, amount) = {
                    let wallet = self.wallet(victim)?;
                    let (pos, output) =
                        wallet.outputs().iter().next_back().ok_or_else(|| err(format!("{victim} holds nothing")))?;
                    (*pos, output.amount)
                };
                let tx = self.forged_tx(world, pos, amount, beneficiary, beneficiary)?;
                if *ahead {
                    self.operator()?.include_unchecked_first(tx.clone()).map_err(err)?;
                    let payer = beneficiary.to_owned();
                    self.pending
                        .insert(0, Pending { tx, payer: payer.clone(), payee: payer, confirm: true, forged: true });
                } else {
                    self.include_forged(tx, beneficiary, beneficiary)?;
                }
            }
            Fault::DoubleSpend { victim, beneficiary } => {
                let (pos, amount) = self.newest_spent(victim)?;
                let tx = self.forged_tx(world, pos, amount, beneficiary, beneficiary)?;
                self.include_forged(tx, beneficiary, beneficiary)?;
            }
            Fault::SignedDoubleSpend { owner, beneficiary } => {
                let (pos, amount) = self.newest_spent(owner)?;
                let tx = self.forged_tx(world, pos, amount, beneficiary, owner)?;
                self.include_forged(tx, beneficiary, owner)?;
            }
            Fault::SpendExited { owner, beneficiary } => {
                let (pos, amount) = super::newest_exited(&self.exited, world, owner)?;
                let tx = self.forged_tx(world, pos, amount, beneficiary, owner)?;
                self.include_forged(tx, beneficiary, owner)?;
            }
            Fault::Mint { beneficiary, amount } => {
                let amount = U256::from(u128::try_from(amount.resolve(0)?).map_err(|_| err("negative mint"))?);
                // An input that no deposit or transaction ever created.
                let nowhere = UtxoPos::deposit(999).map_err(err)?;
                let tx = self.forged_tx(world, nowhere, amount, beneficiary, beneficiary)?;
                self.include_forged(tx, beneficiary, beneficiary)?;
            }
            Fault::WithholdBlock => self.withhold_next = true,
            Fault::StaleState { .. } | Fault::OneSlotPayment { .. } => {
                return Ok(Support::NotApplicable(format!(
                    "{fault:?} needs Plasma Debit's channels and atomic payments"
                )));
            }
            Fault::Rearrange { .. } | Fault::CompetingPair { .. } | Fault::DuplicateInput { .. } => {
                return Ok(Support::NotApplicable(format!(
                    "{fault:?} attacks another design's exit game; MVP users exit on any withheld block"
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
        let claims = match what {
            ExitWhat::All => {
                let mut claims = self.wallet(actor)?.exit_claims();
                claims.extend(self.unconfirmed.get(actor).cloned().unwrap_or_default());
                claims
            }
            ExitWhat::Newest => self.wallet(actor)?.exit_claims().into_iter().next_back().into_iter().collect(),
            ExitWhat::Spent => self.spent.get(actor).cloned().unwrap_or_default(),
            ExitWhat::StaleState => return Ok(Support::NotApplicable("Plasma MVP has no channel states".into())),
            ExitWhat::InFlight | ExitWhat::SpentInFlight | ExitWhat::FalseCanonicity => {
                return Ok(Support::NotApplicable("MVP has no in-flight exits".into()));
            }
        };
        let claims = if must_fail {
            claims
        } else {
            claims.into_iter().filter(|claim| claim.utxo_pos().is_ok_and(|pos| !self.exiting.contains(&pos))).collect()
        };
        self.start_exits(world, actor, claims, must_fail).await?;
        Ok(Support::Done)
    }

    async fn challenge(&mut self, world: &mut World, challenger: &str, target: &str) -> Result<Support, Error> {
        let target = world.actor(target)?.address;
        self.ingest(world).await?;
        let watcher = self.watchers.get(challenger).ok_or_else(|| err(format!("{challenger} runs no watcher")))?;
        let open = watcher.open_exits();
        let challenge = open
            .iter()
            .filter(|(_, exit)| exit.owner == target)
            .filter_map(|(pos, _)| watcher.challenge_for(*pos))
            .next_back()
            .ok_or_else(|| err(format!("{challenger} has no evidence against an exit of {target}")))?;
        let from = world.actor(challenger)?.address;
        let receipt = world.game_call(from, &self.game.challenge_call(&challenge)).await?;
        if !receipt.success {
            return Err(err(format!("challenge refused: {}", receipt.revert_reason.unwrap_or_default())));
        }
        Ok(Support::Done)
    }

    async fn run_watchers(&mut self, world: &mut World) -> Result<(), Error> {
        let mut challenges = std::mem::take(&mut self.found);
        challenges.extend(self.ingest(world).await?);
        self.send_challenges(world, challenges).await?;
        // Validate new blocks; on a bad or withheld one, exit what the user can.
        let operator = self.operator.as_ref().ok_or_else(|| err("not deployed"))?;
        let mut to_exit: Vec<(String, Vec<ExitClaim>)> = Vec::new();
        // The parent confirmations in new blocks may expose exits started earlier.
        let mut more = Vec::new();
        for (name, watcher) in &mut self.watchers {
            for report in watcher.sync(operator).map_err(err)? {
                more.extend(report.challenges.into_iter().map(|c| (name.clone(), c)));
            }
            let alarm: BTreeSet<UtxoPos> = watcher.exit_now().into_iter().collect();
            if alarm.is_empty() {
                continue;
            }
            let wallet = self.wallets.get(name).ok_or_else(|| err(format!("no wallet for {name}")))?;
            let claims: Vec<ExitClaim> = wallet
                .exit_claims()
                .into_iter()
                .filter(|claim| claim.utxo_pos().is_ok_and(|pos| alarm.contains(&pos) && !self.exiting.contains(&pos)))
                .collect();
            if !claims.is_empty() {
                to_exit.push((name.clone(), claims));
            }
        }
        // The exits go through the outbox: one lost or refused is sent again until the exit
        // period of the bad block has passed.
        let now = world.chain.block_time().await?;
        for (name, claims) in to_exit {
            world.log.push(format!("{name}'s watcher sees a bad or withheld block and exits"));
            let sender = world.actor(&name)?.address;
            for claim in claims {
                let pos = claim.utxo_pos().map_err(err)?;
                let decided = Decided {
                    sender,
                    who: name.clone(),
                    call: self.game.exit_call(&claim),
                    what: format!("exits {pos}"),
                    tag: MvpTag::Exit(pos),
                };
                self.outbox.decide(decided, now + self.game.min_exit_period, now);
            }
        }
        self.flush(world).await?;
        // Exits started just now may expose more evidence.
        more.extend(self.ingest(world).await?);
        self.send_challenges(world, more).await
    }

    async fn exit_counts(&self, world: &World) -> Result<ExitCounts, Error> {
        let logs = world.chain.logs(&LogFilter { address: Some(world.exit_game), ..LogFilter::default() }).await?;
        let mut counts = ExitCounts::default();
        for entry in &logs {
            if MvpExitGame::ExitStarted::decode_log(&entry.log).is_ok() {
                counts.started += 1;
            } else if MvpExitGame::ExitChallenged::decode_log(&entry.log).is_ok() {
                counts.challenged += 1;
            } else if let Ok(event) = MvpExitGame::ExitFinalized::decode_log(&entry.log) {
                counts.paid += u64::from(event.paid);
            }
        }
        Ok(counts)
    }
}
