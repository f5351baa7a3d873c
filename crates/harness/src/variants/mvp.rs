//! Plasma MVP (`plasma-mvp`) as a scenario variant: the design's operator and one
//! [`MvpClient`] per actor on the runtime (`plasma-node`), and `MvpExitGame` on the root chain.
//!
//! The honest users' software is the design crate's: clients read the root chain's events,
//! validate every block, exit their user's outputs when a block is invalid or withheld, challenge
//! exits of outputs they can prove spent, and payers confirm only what their watcher validated.
//! What stays here is the scenario's vocabulary and the cheaters: the operator's faults, forged
//! confirmations, and exits of what an actor spent. Colluding actors (`colluding` in the scenario)
//! run no watcher.

use std::collections::BTreeMap;

use alloy_primitives::U256;
use plasma_core::{ChainEvent, Decision, Design, ExitScope, FrameworkEvent, SigningKey, UserClient};
use plasma_mvp::{
    ExitClaim, Handover, Mvp, MvpClient, MvpEvent, MvpExit, MvpGame, MvpTag, Operator, Output, SignedTx, Transaction,
    UtxoPos, confirmation_digest, tx::TransactionExt as _,
};
use plasma_rootchain::RootChain as _;

use super::Node;
use crate::{Error, ExitCounts, ExitWhat, Fault, Support, Variant, World};

/// The exit bond: 0.02 ETH, close to what OMG's production game asked (protocols.md 6.1).
pub const EXIT_BOND: U256 = U256::from_limbs([20_000_000_000_000_000, 0, 0, 0]);

fn err(message: impl std::fmt::Display) -> Error {
    Error::Variant { variant: Mvp::NAME, message: message.to_string() }
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
    node: Option<Node<Mvp, Operator, MvpClient>>,
    /// Exit arguments of outputs each actor has spent (what a cheater would exit).
    spent: BTreeMap<String, Vec<ExitClaim>>,
    /// Outputs received without the payer's confirmation: exiting them must fail.
    unconfirmed: BTreeMap<String, Vec<ExitClaim>>,
    pending: Vec<Pending>,
    withhold_next: bool,
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
            node: None,
            spent: BTreeMap::new(),
            unconfirmed: BTreeMap::new(),
            pending: Vec::new(),
            withhold_next: false,
        }
    }

    fn node(&mut self) -> Result<&mut Node<Mvp, Operator, MvpClient>, Error> {
        self.node.as_mut().ok_or_else(|| err("not deployed"))
    }

    fn operator(&mut self) -> Result<&mut Operator, Error> {
        Ok(self.node()?.operator.operator_mut())
    }

    fn client(&mut self, name: &str) -> Result<&mut MvpClient, Error> {
        Ok(self.node()?.clients.client_mut(name)?)
    }

    /// Starts exits `calls` (each with its output) from `owner`; with `must_fail`, every one must
    /// be refused.
    async fn start_exits(
        &mut self,
        world: &mut World,
        owner: &str,
        calls: Vec<(UtxoPos, plasma_core::GameCall)>,
        must_fail: bool,
    ) -> Result<(), Error> {
        if calls.is_empty() {
            return Err(err(format!("{owner} has nothing to exit")));
        }
        let from = world.actor(owner)?.address;
        for (pos, call) in calls {
            let receipt = world.game_call(from, &call).await?;
            match (receipt.success, must_fail) {
                (true, false) => {
                    self.client(owner)?.mark_exiting(pos);
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

    /// The newest exit `owner` started, read from the game's events: its output and amount.
    async fn newest_exited(world: &World, owner: &str) -> Result<(UtxoPos, U256), Error> {
        let address = world.actor(owner)?.address;
        super::game_events::<Mvp>(world)
            .await?
            .into_iter()
            .filter_map(|event| match event {
                MvpEvent::ExitStarted(exit) if exit.owner == address => Some((exit.utxo_pos, exit.amount)),
                _ => None,
            })
            .next_back()
            .ok_or_else(|| Error::Scenario(format!("{owner} exited nothing")))
    }

    /// Includes `tx` unchecked; `signer` confirms it once it is in a block, for `beneficiary`.
    fn include_forged(&mut self, tx: SignedTx, beneficiary: &str, signer: &str) -> Result<(), Error> {
        self.operator()?.include_unchecked(tx.clone()).map_err(err)?;
        let (payer, payee) = (signer.to_owned(), beneficiary.to_owned());
        self.pending.push(Pending { tx, payer, payee, confirm: true, forged: true });
        Ok(())
    }

    /// After a block is numbered: payers hand over their payments once their watcher has validated
    /// the block (never on an invalid block, nor after a known fault), recipients check and record
    /// their outputs.
    async fn deliver(&mut self, world: &mut World, blknum: u64, pending: Vec<Pending>) -> Result<(), Error> {
        let domain = world.domain();
        for payment in pending {
            let tx_hash = payment.tx.tx_hash(&domain);
            let (inclusion, data) = {
                let operator = self.operator()?;
                let inclusion = operator.inclusion(tx_hash).ok_or_else(|| err("payment not in its block"))?;
                let data = plasma_core::OperatorState::<Mvp>::block_data(&*operator, blknum);
                (inclusion, data.ok_or_else(|| err("payment in an unpublished block"))?)
            };
            if inclusion.blknum != blknum {
                return Err(err("payment landed in another block"));
            }
            let handover = if payment.forged {
                let key: &SigningKey = &world.actor(&payment.payer)?.key;
                let confirmations =
                    [Some(key.sign_digest(confirmation_digest(&domain, tx_hash, inclusion.root))), None];
                Some(Handover { tx: payment.tx.clone(), inclusion, confirmations })
            } else if payment.confirm {
                self.node()?.sync_client(world, &payment.payer).await?;
                let handover =
                    self.client(&payment.payer)?.hand_over(&payment.tx, Some((blknum, &data))).map_err(err)?;
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
            let mut owners: Vec<String> = vec![payment.payee.clone(), payment.payer.clone()];
            owners.sort();
            owners.dedup();
            for owner in owners {
                let address = world.actor(&owner)?.address;
                if !(0..2).any(|o| payment.tx.tx.output(o).is_some_and(|out| out.owner == address)) {
                    continue;
                }
                let decisions: Vec<Decision<MvpTag>> = self.client(&owner)?.receive(&handover).map_err(err)?;
                self.node()?.decide(world, &owner, decisions).await?;
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Variant for MvpVariant {
    fn info(&self) -> crate::VariantInfo {
        crate::VariantInfo::of::<Mvp>(&self.game)
    }

    async fn deploy(&mut self, world: &mut World) -> Result<(), Error> {
        self.game = MvpGame::new(EXIT_BOND, world.min_exit_period);
        let game = self.game;
        world.deploy_design::<Mvp>(&game).await?;
        let domain = world.domain();
        let clients: Vec<(String, MvpClient)> = world
            .everyone()
            .map(|actor| {
                let watching = actor.name != "operator" && !world.colluding.contains(&actor.name);
                (actor.name.clone(), MvpClient::new(actor.key.clone(), domain, self.game, watching))
            })
            .collect();
        self.node = Some(Node::new(world, Operator::new(domain), clients));
        Ok(())
    }

    async fn deposit(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support, Error> {
        let deposit = world.deposit(actor, amount).await?;
        // The depositor's wallet learns its deposit from its own receipt.
        let at = world.chain.block_time().await?;
        let event = ChainEvent::Framework(FrameworkEvent::Deposit(deposit));
        self.client(actor)?.on_event(&event, at).map_err(err)?;
        Ok(Support::Done)
    }

    async fn transfer(&mut self, world: &mut World, payment: crate::Payment<'_>) -> Result<Support, Error> {
        let crate::Payment { from, to, amount, confirm } = payment;
        let payee = world.actor(to)?.address;
        let tx = self.client(from)?.pay(payee, amount).map_err(err)?;
        let claims: Vec<ExitClaim> = {
            let wallet = self.client(from)?.wallet();
            let inputs = tx.tx.inputs().map_err(|reason| err(format!("{reason:?}")))?;
            inputs.into_iter().flatten().filter_map(|pos| wallet.exit_claim(pos).ok()).collect()
        };
        let node = self.node()?;
        if let Err(rejected) = node.operator.submit(&world.chain, tx.clone()).await {
            node.clients.client_mut(from)?.cancel(&tx);
            return Err(err(rejected));
        }
        self.spent.entry(from.to_owned()).or_default().extend(claims);
        self.pending.push(Pending { tx, payer: from.to_owned(), payee: to.to_owned(), confirm, forged: false });
        Ok(Support::Done)
    }

    async fn commit_block(&mut self, world: &mut World) -> Result<(), Error> {
        let submitted = self.node()?.operator.commit(&mut world.chain).await?;
        let pending = std::mem::take(&mut self.pending);
        if std::mem::take(&mut self.withhold_next) {
            // Nobody sees the block: payers cannot confirm, recipients receive nothing.
            self.operator()?.withhold(submitted.blknum);
            world.log.push(format!("operator withholds block {}", submitted.blknum));
            return Ok(());
        }
        self.deliver(world, submitted.blknum, pending).await
    }

    async fn inject_fault(&mut self, world: &mut World, fault: &Fault) -> Result<Support, Error> {
        match fault {
            Fault::InvalidTransaction { victim, beneficiary, ahead } => {
                let (pos, amount) = {
                    let wallet = self.client(victim)?.wallet();
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
                let (pos, amount) = Self::newest_exited(world, owner).await?;
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

    async fn exit(&mut self, world: &mut World, exit: crate::ExitRequest<'_>) -> Result<Support, Error> {
        let crate::ExitRequest { actor, what, must_fail } = exit;
        let now = world.chain.block_time().await?;
        let calls: Vec<(UtxoPos, plasma_core::GameCall)> = match what {
            ExitWhat::All | ExitWhat::Newest => {
                let scope = if what == ExitWhat::All { ExitScope::All } else { ExitScope::Newest };
                let client = self.client(actor)?;
                let mut calls: Vec<(UtxoPos, plasma_core::GameCall)> = if must_fail {
                    // A cheater's exits, started again or not.
                    let claims = client.wallet().exit_claims();
                    let claims =
                        if scope == ExitScope::All { claims } else { claims.into_iter().last().into_iter().collect() };
                    claims
                        .iter()
                        .map(|c| Ok((c.utxo_pos().map_err(err)?, self.game.exit_call(c))))
                        .collect::<Result<_, Error>>()?
                } else {
                    client
                        .exits(scope, now)
                        .map_err(err)?
                        .into_iter()
                        .filter_map(|d| match d.tag {
                            MvpTag::Exit(pos) => Some((pos, d.call)),
                            MvpTag::Challenge(_) => None,
                        })
                        .collect()
                };
                if what == ExitWhat::All {
                    let unconfirmed = self.unconfirmed.get(actor).cloned().unwrap_or_default();
                    for claim in unconfirmed {
                        let pos = claim.utxo_pos().map_err(err)?;
                        if must_fail || !self.client(actor)?.is_exiting(&pos) {
                            calls.push((pos, self.game.exit_call(&claim)));
                        }
                    }
                }
                calls
            }
            ExitWhat::Spent => {
                let claims = self.spent.get(actor).cloned().unwrap_or_default();
                let mut calls = Vec::new();
                for claim in claims {
                    let pos = claim.utxo_pos().map_err(err)?;
                    if must_fail || !self.client(actor)?.is_exiting(&pos) {
                        calls.push((pos, self.game.exit_call(&claim)));
                    }
                }
                calls
            }
            ExitWhat::StaleState => return Ok(Support::NotApplicable("Plasma MVP has no channel states".into())),
            ExitWhat::InFlight | ExitWhat::SpentInFlight | ExitWhat::FalseCanonicity => {
                return Ok(Support::NotApplicable("MVP has no in-flight exits".into()));
            }
        };
        self.start_exits(world, actor, calls, must_fail).await?;
        Ok(Support::Done)
    }

    async fn challenge(&mut self, world: &mut World, challenger: &str, target: &str) -> Result<Support, Error> {
        let target = world.actor(target)?.address;
        let node = self.node()?;
        let source = plasma_node::InProcess(node.operator.operator());
        node.clients.ingest(&world.chain, &source).await?;
        let watcher =
            node.clients.client(challenger)?.watcher().ok_or_else(|| err(format!("{challenger} runs no watcher")))?;
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
        self.node()?.run_watchers(world).await
    }

    async fn exit_counts(&self, world: &World) -> Result<ExitCounts, Error> {
        super::exit_counts::<Mvp>(world).await
    }
}
