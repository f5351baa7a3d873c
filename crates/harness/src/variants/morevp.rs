//! MoreVP (`plasma-morevp`) as a scenario variant: the generic [`Lab`] over the design's operator
//! and one [`MoreVpClient`] per actor, and `MoreVpExitGame` on the root chain.
//!
//! The honest users' software is the design crate's: payers hand recipients the in-flight
//! transaction (with its inputs' proofs) and its inclusion; watchers validate every block, follow
//! the exit game and do what `docs/morevp.md` ("Watchers") says. What stays here is the scenario's
//! vocabulary and the cheaters (the operator and the `colluding` actors), who run no watcher and
//! draw on the operator's own block data, withheld or not, for what they exit and challenge with.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolEvent;
use plasma_contracts::PlasmaFramework;
use plasma_core::{BlockNumber, ChainEvent, ExitScope, OperatorState, SigningKey, UserClient};
use plasma_morevp::tx::PaymentTxExt as _;
use plasma_morevp::{
    CanonicityChallenge, ExitCall, GameEvent, Handover, MoreVp, MoreVpClient, MoreVpGame, Operator, Output, PaymentTx,
    Piggyback, SignedTx, UtxoPos, client::describe,
};
use plasma_rootchain::{LogFilter, RootChain};

use crate::{
    Error, ExitCounts, ExitRequest, ExitWhat, Fault, Support, World,
    lab::{Committed, Lab, Pending, Result, Scripted, is_cheater},
};

/// The standard exit bond (what `bond` means in scenario amounts), 0.02 ETH.
pub const STANDARD_EXIT_BOND: U256 = U256::from_limbs([20_000_000_000_000_000, 0, 0, 0]);
/// The in-flight exit bond, 0.03 ETH.
pub const IN_FLIGHT_EXIT_BOND: U256 = U256::from_limbs([30_000_000_000_000_000, 0, 0, 0]);
/// The piggyback bond, 0.02 ETH.
pub const PIGGYBACK_BOND: U256 = U256::from_limbs([20_000_000_000_000_000, 0, 0, 0]);

/// MoreVP, driven by scenarios.
pub type MoreVpVariant = Lab<MoreVp>;

fn err(message: impl std::fmt::Display) -> Error {
    Lab::<MoreVp>::err(message)
}

/// What the cheaters and the explicit challenge step know of the exit game, read from its events,
/// and what the scenario's actors did.
pub struct Cheats {
    cursor: Option<plasma_node::LogCursor>,
    /// Open in-flight exits: transaction hash → (starter, transaction).
    in_flight: BTreeMap<B256, (Address, PaymentTx)>,
    /// Every transaction whose in-flight exit was ever started.
    ife_started: BTreeSet<B256>,
    started_at: BTreeMap<B256, u64>,
    /// In-flight exits of cheaters' transactions challenged as non-canonical, which the operator
    /// answers with their inclusion once phase 1 is over: hash → (start time, competitor position).
    to_answer: BTreeMap<B256, (u64, U256)>,
    /// Every standard exit started, by owner: output and amount (what `spend-exited` spends).
    exited: BTreeMap<Address, Vec<(UtxoPos, U256)>>,
    /// Exits of outputs each actor has spent (what a cheater exits with `spent`), and the
    /// transactions that created them (for `spent-in-flight`).
    spent: BTreeMap<String, Vec<(ExitCall, Option<B256>)>>,
    /// Payments each actor took part in, newest last.
    payments: BTreeMap<String, Vec<B256>>,
    /// The in-flight exits each actor has started or joined with an `exit` step.
    exited_in_flight: BTreeSet<(String, B256)>,
    /// The cheaters' addresses (the operator and the colluding actors).
    cheaters: BTreeSet<Address>,
    /// Whether the operator answers canonicity challenges against the cheaters' exits.
    answer_challenges: bool,
}

impl Default for Cheats {
    fn default() -> Self {
        Self {
            cursor: None,
            in_flight: BTreeMap::new(),
            ife_started: BTreeSet::new(),
            started_at: BTreeMap::new(),
            to_answer: BTreeMap::new(),
            exited: BTreeMap::new(),
            spent: BTreeMap::new(),
            payments: BTreeMap::new(),
            exited_in_flight: BTreeSet::new(),
            cheaters: BTreeSet::new(),
            answer_challenges: true,
        }
    }
}

impl Lab<MoreVp> {
    /// Sends `calls` from `actor`; with `must_fail`, every one must be refused.
    async fn send_exits(
        &mut self,
        world: &mut World,
        actor: &str,
        calls: Vec<(String, plasma_core::GameCall)>,
        must_fail: bool,
    ) -> Result<()> {
        if calls.is_empty() {
            return Err(err(format!("{actor} has nothing to exit")));
        }
        let from = world.actor(actor)?.address;
        for (what, call) in calls {
            let receipt = world.game_call(from, &call).await?;
            let reason = receipt.revert_reason.unwrap_or_default();
            match (receipt.success, must_fail) {
                (true, false) => world.log.push(format!("{actor}: {what}")),
                (false, true) => world.log.push(format!("{actor}'s {what} refused: {reason}")),
                (true, true) => return Err(err(format!("{actor}'s {what} had to be refused"))),
                (false, false) => return Err(err(format!("{actor} cannot {what}: {reason}"))),
            }
        }
        Ok(())
    }

    /// The cheaters read the exit game's events since they last looked.
    async fn watch_game(&mut self, world: &World) -> Result<()> {
        let cheats = &mut self.cheats;
        let cursor = cheats.cursor.as_mut().ok_or_else(|| err("not deployed"))?;
        for dated in cursor.poll::<MoreVp, _>(&world.chain).await? {
            if let ChainEvent::Game(event) = &dated.event {
                cheats.track(event, dated.at);
            }
        }
        Ok(())
    }

    /// What a cheater exits: every output the operator's ledger gives it.
    fn cheater_exits(&self, address: Address) -> Result<Vec<ExitCall>, Error> {
        let outputs = self.operator()?.utxos_of(address);
        outputs.iter().map(|(pos, output)| self.operator()?.exit_call_of(*pos, output).map_err(err)).collect()
    }

    /// An in-flight exit of the newest payment `actor` took part in whose exit it has not started:
    /// one not known included (a cheater, drawing on the operator's data, may also exit an included
    /// one). The actor piggybacks its outputs of it; a cheating sender piggybacks the inputs it
    /// signed away instead, claiming the payment is not canonical.
    fn in_flight_exit_of_newest(&self, world: &World, actor: &str) -> Result<(B256, Vec<ExitCall>), Error> {
        let wallet = self.client(actor)?.wallet();
        let address = world.actor(actor)?.address;
        let cheater = is_cheater(world, actor);
        let (hash, exit) = self
            .cheats
            .payments
            .get(actor)
            .into_iter()
            .flatten()
            .rev()
            .filter(|hash| !self.cheats.exited_in_flight.contains(&(actor.to_owned(), **hash)))
            .find_map(|hash| {
                let exit = wallet.in_flight_exit_args(*hash).ok().or_else(|| {
                    cheater.then(|| self.operator().ok()?.in_flight_exit_of_included(*hash).ok()).flatten()
                });
                exit.map(|exit| (*hash, exit))
            })
            .ok_or_else(|| err(format!("{actor} has no payment to exit in flight")))?;
        let owned_inputs: Vec<u8> = exit
            .tx
            .named_inputs()
            .zip(&exit.input_txs)
            .filter(|((_, pos), proof)| {
                plasma_morevp::wallet::shown_output(*pos, proof).is_some_and(|o| o.owner == address)
            })
            .map(|((slot, _), _)| slot)
            .collect();
        let slots: Vec<(u8, bool)> = if cheater && !owned_inputs.is_empty() {
            owned_inputs.into_iter().map(|slot| (slot, false)).collect()
        } else {
            exit.tx.used_outputs().filter(|(_, o)| o.owner == address).map(|(index, _)| (index, true)).collect()
        };
        let piggybacks = slots.into_iter().map(|(index, is_output)| {
            ExitCall::Piggyback(Piggyback { tx: exit.tx.clone(), index, is_output, owner: address })
        });
        let piggybacks: Vec<ExitCall> = piggybacks.collect();
        // Someone else may have started it already: then only piggyback.
        let start = (!self.cheats.ife_started.contains(&hash)).then_some(ExitCall::StartInFlightExit(exit));
        Ok((hash, start.into_iter().chain(piggybacks).collect()))
    }

    /// An in-flight exit of the transaction that paid `actor` an output it has since spent, and
    /// a piggyback on that output.
    fn in_flight_exit_of_spent(&self, world: &World, actor: &str) -> Result<Vec<ExitCall>, Error> {
        let address = world.actor(actor)?.address;
        let (call, creating) = self
            .cheats
            .spent
            .get(actor)
            .into_iter()
            .flatten()
            .rev()
            .find(|(_, creating)| creating.is_some())
            .ok_or_else(|| err(format!("{actor} spent no output of a transaction")))?;
        let (ExitCall::StartStandardExit(exit), Some(_)) = (call, creating) else {
            return Err(err("not a transaction output"));
        };
        let pos = exit.utxo_pos;
        let (signed, _) = self.operator()?.tx_with_proof(pos.blknum(), u64::from(pos.txindex())).map_err(err)?;
        let exit_args = self.operator()?.in_flight_exit_of(&signed).map_err(err)?;
        let piggyback = Piggyback { tx: exit_args.tx.clone(), index: pos.oindex(), is_output: true, owner: address };
        Ok(vec![ExitCall::StartInFlightExit(exit_args), ExitCall::Piggyback(piggyback)])
    }

    /// The false-canonicity cheat: the in-flight exit of the included transaction `T` that spent
    /// the actor's output `X` to the actor itself (`T`'s output has been spent since), the
    /// piggyback of `X`, and a canonicity challenge with a second spend of `X` the actor signs now
    /// and never publishes. Only a watcher that knows `T` is included, party to it or not, can
    /// answer it.
    fn false_canonicity(&self, world: &World, actor: &str) -> Result<Vec<ExitCall>, Error> {
        let key = world.actor(actor)?.key.clone();
        let address = key.address();
        let spent_outputs: Vec<UtxoPos> = self
            .cheats
            .spent
            .get(actor)
            .into_iter()
            .flatten()
            .filter_map(|(call, creating)| match (call, creating) {
                (ExitCall::StartStandardExit(exit), Some(_)) => Some(exit.utxo_pos),
                _ => None,
            })
            .collect();
        for pos in spent_outputs.into_iter().rev() {
            let (signed, _) = self.operator()?.tx_with_proof(pos.blknum(), u64::from(pos.txindex())).map_err(err)?;
            let exit_args = self.operator()?.in_flight_exit_of(&signed).map_err(err)?;
            // The input of `T` the actor owned, read from the proof of the transaction that made it.
            let owned = signed.tx.named_inputs().zip(&exit_args.input_txs).find_map(|((index, input), proof)| {
                let output = proof.tx.output(input.oindex())?;
                (output.owner == address).then_some((index, input, output.amount))
            });
            let Some((index, input, amount)) = owned else { continue };
            let piggyback = Piggyback { tx: exit_args.tx.clone(), index, is_output: false, owner: address };
            // Another spend of `X` (a wei of fee tells it apart from `T`, which may pay the same).
            let change = amount.saturating_sub(U256::from(1));
            let competing = PaymentTx::payment(&[input], &[Output::new(address, change)]).map_err(err)?;
            let competing = SignedTx::sign(competing, &world.domain(), &[&key]);
            let sig = competing.sigs.first().ok_or_else(|| err("an unsigned competitor"))?;
            let challenge = CanonicityChallenge {
                tx: signed.tx.clone(),
                input_index: index,
                competing_tx: competing.tx.clone(),
                competing_input_index: 0,
                competing_tx_pos: None,
                competing_proof: Bytes::new(),
                competing_sig: Bytes::copy_from_slice(&sig.to_bytes()),
            };
            return Ok(vec![
                ExitCall::StartInFlightExit(exit_args),
                ExitCall::Piggyback(piggyback),
                ExitCall::ChallengeNotCanonical(challenge),
            ]);
        }
        Err(err(format!("{actor} spent no output of a transaction that spent its own output")))
    }
}

impl Lab<MoreVp> {
    /// The #102 setup: two spends of `owner`'s newest output, both signed by `owner`, both paying
    /// `beneficiary` in full, in one block the operator withholds. Both parties keep both
    /// transactions in flight, ready for their in-flight exits.
    fn competing_pair(&mut self, world: &World, owner: &str, beneficiary: &str) -> Result<()> {
        let (pos, output) = self
            .operator()?
            .utxos_of(world.actor(owner)?.address)
            .pop()
            .ok_or_else(|| err(format!("{owner} holds nothing")))?;
        let to = world.actor(beneficiary)?.address;
        let half = output.amount / U256::from(2);
        let whole = [Output::new(to, output.amount)];
        let halves = [Output::new(to, half), Output::new(to, output.amount - half)];
        let domain = world.domain();
        let key = world.actor(owner)?.key.clone();
        let pair: Vec<SignedTx> = [&whole[..], &halves[..]]
            .into_iter()
            .map(|outputs| Ok(SignedTx::sign(PaymentTx::payment(&[pos], outputs).map_err(err)?, &domain, &[&key])))
            .collect::<Result<_, Error>>()?;
        let proof = self.client(owner)?.wallet().input_proof(pos).map_err(err)?;
        for signed in &pair {
            self.client_mut(beneficiary)?
                .wallet_mut()
                .receive_in_flight(signed.clone(), vec![proof.clone()])
                .map_err(err)?;
            for party in [owner, beneficiary] {
                self.cheats.payments.entry(party.to_owned()).or_default().push(signed.tx_hash(&domain));
            }
        }
        let [first, second] = <[SignedTx; 2]>::try_from(pair).map_err(|_| err("two transactions"))?;
        self.operator_mut()?.include_competing_pair(first, second).map_err(err)?;
        Ok(())
    }

    /// A payment naming `owner`'s newest output twice, paying `beneficiary` twice its amount,
    /// signed by `owner`, included unchecked (plasma-contracts #56).
    fn duplicate_input(&mut self, world: &World, owner: &str, beneficiary: &str) -> Result<()> {
        let (pos, output) = self
            .operator()?
            .utxos_of(world.actor(owner)?.address)
            .pop()
            .ok_or_else(|| err(format!("{owner} holds nothing")))?;
        let inflated = Output::new(world.actor(beneficiary)?.address, output.amount * U256::from(2));
        let tx = PaymentTx::payment(&[pos, pos], &[inflated]).map_err(err)?;
        let key = world.actor(owner)?.key.clone();
        let signed = SignedTx::sign(tx, &world.domain(), &[&key, &key]);
        let hash = self.operator_mut()?.include_unchecked(signed).map_err(err)?;
        for party in [owner, beneficiary] {
            self.cheats.payments.entry(party.to_owned()).or_default().push(hash);
        }
        Ok(())
    }

    /// The operator answers canonicity challenges against the cheaters' in-flight exits with the
    /// transactions' inclusion, once phase 1 is over (when no new challenge can come).
    async fn answer_late(&mut self, world: &mut World) -> Result<()> {
        let now = world.chain.block_time().await?;
        let due: Vec<(B256, U256)> = self
            .cheats
            .to_answer
            .iter()
            .filter(|(_, (started, _))| now >= self.game.phase1_end(*started))
            .map(|(hash, (_, competitor))| (*hash, *competitor))
            .collect();
        for (hash, competitor) in due {
            self.cheats.to_answer.remove(&hash);
            let Some(inclusion) = self.operator()?.inclusion(hash) else { continue };
            let tx_pos: UtxoPos = inclusion.tx_pos().map_err(err)?;
            if tx_pos.encode() >= competitor {
                continue;
            }
            let Some((_, tx)) = self.cheats.in_flight.get(&hash) else { continue };
            let response =
                plasma_morevp::CanonicityResponse { tx: tx.clone(), tx_pos, proof: inclusion.proof.to_bytes() };
            let call = ExitCall::RespondToNonCanonicalChallenge(response);
            let receipt = world.game_call(world.operator.address, &self.game.call(&call)).await?;
            let outcome = if receipt.success {
                String::new()
            } else {
                format!(" (refused: {})", receipt.revert_reason.unwrap_or_default())
            };
            world.log.push(format!("operator {}{outcome}", describe(&call)));
        }
        Ok(())
    }
}

impl Cheats {
    /// Follows one event of the exit game, emitted at root-chain time `at`.
    fn track(&mut self, event: &GameEvent, at: u64) {
        let (cheaters, answer) = (&self.cheaters, self.answer_challenges);
        match event {
            GameEvent::StandardExitStarted { utxo_pos, owner, amount, .. } => {
                self.exited.entry(*owner).or_default().push((*utxo_pos, *amount));
            }
            GameEvent::InFlightExitStarted { tx_hash, starter, tx, .. } => {
                self.in_flight.insert(*tx_hash, (*starter, tx.tx.clone()));
                self.ife_started.insert(*tx_hash);
                self.started_at.insert(*tx_hash, at);
            }
            GameEvent::InFlightExitChallenged { tx_hash, competitor_position, .. } => {
                let cheats = self.in_flight.get(tx_hash).is_some_and(|(starter, _)| cheaters.contains(starter));
                if cheats
                    && answer
                    && let Some(started) = self.started_at.get(tx_hash)
                {
                    self.to_answer.insert(*tx_hash, (*started, *competitor_position));
                }
            }
            GameEvent::InFlightExitChallengeResponded { tx_hash, .. } => {
                self.to_answer.remove(tx_hash);
            }
            GameEvent::InFlightExitDeleted { tx_hash } | GameEvent::InFlightExitFinalized { tx_hash, .. } => {
                self.in_flight.remove(tx_hash);
            }
            _ => {}
        }
    }
}

#[async_trait::async_trait]
impl Scripted for MoreVp {
    type Operator = Operator;
    type Client = MoreVpClient;
    type Cheats = Cheats;

    fn game(min_exit_period: u64) -> MoreVpGame {
        MoreVpGame::new(STANDARD_EXIT_BOND, IN_FLIGHT_EXIT_BOND, PIGGYBACK_BOND, min_exit_period)
    }

    fn operator(world: &World) -> Operator {
        Operator::new(world.domain())
    }

    fn client(key: SigningKey, world: &World, game: &MoreVpGame, watching: bool) -> MoreVpClient {
        MoreVpClient::new(key, world.domain(), *game, watching)
    }

    fn exit_subject(_tag: &plasma_morevp::ActionKey) -> Option<String> {
        None
    }

    fn paid_to(tx: &SignedTx) -> Vec<Address> {
        tx.tx.used_outputs().map(|(_, output)| output.owner).collect()
    }

    fn naming() -> plasma_node::Naming {
        plasma_node::Naming::WatcherAndSender
    }

    fn deployed(lab: &mut Lab<Self>, world: &World) {
        lab.cheats.cursor = Some(plasma_node::LogCursor::new(world.framework, world.exit_game, 0));
        lab.cheats.cheaters = world.everyone().filter(|a| is_cheater(world, &a.name)).map(|a| a.address).collect();
    }

    fn withhold(operator: &mut Operator, blknum: BlockNumber) -> bool {
        operator.withhold(blknum);
        true
    }

    fn paid(lab: &mut Lab<Self>, payment: &Pending<SignedTx>) {
        let (Ok(operator), Ok(client)) = (lab.operator(), lab.client(&payment.payer)) else { return };
        let (domain, wallet) = (*operator.domain(), client.wallet());
        let spent: Vec<(ExitCall, Option<B256>)> = payment
            .tx
            .tx
            .named_inputs()
            .filter_map(|(_, pos)| {
                let call = wallet.exit_call(pos).ok()?;
                let creating = match &call {
                    ExitCall::StartStandardExit(exit) => Some(exit.tx.hash(&domain)),
                    _ => None,
                };
                Some((call, creating))
            })
            .collect();
        let hash = payment.tx.tx_hash(&domain);
        for party in [&payment.payer, &payment.payee] {
            lab.cheats.payments.entry(party.clone()).or_default().push(hash);
        }
        lab.cheats.spent.entry(payment.payer.clone()).or_default().extend(spent);
    }

    /// Payers hand the payees the payments' inclusion once their block is published (a withheld
    /// block's payments stay in flight).
    async fn deliver(lab: &mut Lab<Self>, world: &mut World, block: Committed) -> Result<()> {
        let blknum = block.submitted.blknum;
        // Nobody sees a withheld block: its payments stay in flight.
        let Some(data) = OperatorState::<MoreVp>::block_data(lab.operator()?, blknum) else {
            return Ok(());
        };
        let pending = std::mem::take(&mut lab.pending);
        if !pending.is_empty() {
            // The parties' software reads the block's root from the chain before it takes the
            // payments' inclusion from its data.
            let node = lab.node()?;
            let source = plasma_node::InProcess(node.operator.operator());
            node.clients.ingest(&world.chain, &source).await?;
        }
        for payment in pending {
            let handover =
                lab.client_mut(&payment.payer)?.hand_over(&payment.tx, Some((blknum, &data))).map_err(err)?;
            if payment.payee != payment.payer
                && let Some(handover @ Handover::Included { .. }) = handover
            {
                let decisions = lab.client_mut(&payment.payee)?.receive(&handover).map_err(err)?;
                lab.node()?.decide(world, &payment.payee, decisions).await?;
            }
        }
        Ok(())
    }

    async fn run_watchers(lab: &mut Lab<Self>, world: &mut World) -> Result<()> {
        lab.node()?.run_watchers(world).await?;
        lab.watch_game(world).await?;
        lab.answer_late(world).await
    }

    async fn inject_fault(lab: &mut Lab<Self>, world: &mut World, fault: &Fault) -> Result<Support> {
        match fault {
            Fault::InvalidTransaction { victim, beneficiary, .. } => {
                let address = world.actor(victim)?.address;
                let (pos, output) =
                    lab.operator()?.utxos_of(address).pop().ok_or_else(|| err(format!("{victim} holds nothing")))?;
                let to = Output::new(world.actor(beneficiary)?.address, output.amount);
                let tx = PaymentTx::payment(&[pos], &[to]).map_err(err)?;
                let forger = world.actor(beneficiary)?.key.clone();
                lab.operator_mut()?.include_unsigned_spend(tx, &forger).map_err(err)?;
            }
            Fault::DoubleSpend { victim, beneficiary } | Fault::SignedDoubleSpend { owner: victim, beneficiary } => {
                let (call, _) = lab
                    .cheats
                    .spent
                    .get(victim)
                    .and_then(|spent| spent.last())
                    .ok_or_else(|| err(format!("{victim} spent nothing")))?;
                let (pos, amount) = match call {
                    ExitCall::StartStandardExit(exit) => (exit.utxo_pos, exit.amount()),
                    ExitCall::StartDepositExit(exit) => (exit.utxo_pos().map_err(err)?, exit.amount),
                    _ => return Err(err("not an output")),
                };
                let signer = match fault {
                    Fault::SignedDoubleSpend { .. } => world.actor(victim)?.key.clone(),
                    _ => world.actor(beneficiary)?.key.clone(),
                };
                let to = Output::new(world.actor(beneficiary)?.address, amount);
                lab.operator_mut()?.include_double_spend(pos, to, &signer).map_err(err)?;
            }
            Fault::SpendExited { owner, beneficiary } => {
                let (pos, amount) = super::newest_exited(&lab.cheats.exited, world, owner)?;
                let signer = world.actor(owner)?.key.clone();
                let to = Output::new(world.actor(beneficiary)?.address, amount);
                lab.operator_mut()?.include_double_spend(pos, to, &signer).map_err(err)?;
            }
            Fault::Mint { beneficiary, amount } => {
                let amount = U256::from(u128::try_from(amount.resolve(0)?).map_err(|_| err("negative mint"))?);
                let to = Output::new(world.actor(beneficiary)?.address, amount);
                let signer = world.actor(beneficiary)?.key.clone();
                lab.operator_mut()?.mint(to, &signer).map_err(err)?;
            }
            Fault::WithholdBlock => lab.withhold_next = true,
            Fault::DuplicateInput { owner, beneficiary } => lab.duplicate_input(world, owner, beneficiary)?,
            Fault::CompetingPair { owner, beneficiary, answered } => {
                lab.cheats.answer_challenges = *answered;
                lab.competing_pair(world, owner, beneficiary)?;
            }
            Fault::StaleState { .. } | Fault::OneSlotPayment { .. } => {
                return Ok(Support::NotApplicable(format!(
                    "{fault:?} needs Plasma Debit's channels and atomic payments"
                )));
            }
            Fault::Rearrange { .. } => {
                return Ok(Support::NotApplicable(
                    "the rearrangement attack targets Plasma Cash histories; MoreVP users exit on any withheld block"
                        .into(),
                ));
            }
        }
        Ok(Support::Done)
    }

    async fn exit(lab: &mut Lab<Self>, world: &mut World, exit: ExitRequest<'_>) -> Result<Support> {
        let ExitRequest { actor, what, must_fail } = exit;
        let cheater = is_cheater(world, actor);
        let cheats: Vec<ExitCall> = match what {
            ExitWhat::StaleState => return Ok(Support::NotApplicable("MoreVP has no channel states".into())),
            ExitWhat::All | ExitWhat::Newest if !cheater => {
                let scope = if what == ExitWhat::All { ExitScope::All } else { ExitScope::Newest };
                let now = world.chain.block_time().await?;
                let decisions = lab.client(actor)?.exits(scope, now).map_err(err)?;
                let calls = decisions.into_iter().map(|d| (d.what, d.call)).collect();
                lab.send_exits(world, actor, calls, must_fail).await?;
                return Ok(Support::Done);
            }
            ExitWhat::All => lab.cheater_exits(world.actor(actor)?.address)?,
            ExitWhat::Newest => lab.cheater_exits(world.actor(actor)?.address)?.pop().into_iter().collect(),
            ExitWhat::Spent => {
                lab.cheats.spent.get(actor).into_iter().flatten().map(|(call, _)| call.clone()).collect()
            }
            ExitWhat::InFlight => {
                let (hash, calls) = lab.in_flight_exit_of_newest(world, actor)?;
                lab.cheats.exited_in_flight.insert((actor.to_owned(), hash));
                calls
            }
            ExitWhat::SpentInFlight => lab.in_flight_exit_of_spent(world, actor)?,
            ExitWhat::FalseCanonicity => lab.false_canonicity(world, actor)?,
        };
        let calls = cheats.iter().map(|call| (describe(call), lab.game.call(call))).collect();
        lab.send_exits(world, actor, calls, must_fail).await?;
        Ok(Support::Done)
    }

    async fn challenge(lab: &mut Lab<Self>, world: &mut World, challenger: &str, target: &str) -> Result<Support> {
        // The challenger's software reads the chain and sends what it decided first.
        let node = lab.node()?;
        let source = plasma_node::InProcess(node.operator.operator());
        node.clients.ingest(&world.chain, &source).await?;
        node.clients.flush(world).await?;
        node.log_notes(world);
        lab.watch_game(world).await?;
        let target = world.actor(target)?.address;
        let exit = lab
            .cheats
            .in_flight
            .values()
            .find(|(starter, _)| *starter == target)
            .map(|(_, tx)| tx.clone())
            .ok_or_else(|| err("the target has no open in-flight exit"))?;
        let challenge = lab
            .operator()?
            .competitor_of(&exit)
            .map_err(err)?
            .ok_or_else(|| err(format!("{challenger} knows no competitor of the target's in-flight exit")))?;
        let call = ExitCall::ChallengeNotCanonical(challenge);
        let from = world.actor(challenger)?.address;
        let receipt = world.game_call(from, &lab.game.call(&call)).await?;
        if !receipt.success {
            return Err(err(format!("challenge refused: {}", receipt.revert_reason.unwrap_or_default())));
        }
        world.log.push(format!("{challenger} {}", describe(&call)));
        Ok(Support::Done)
    }

    async fn exit_counts(world: &World) -> Result<ExitCounts, Error> {
        let game = world.chain.logs(&LogFilter { address: Some(world.exit_game), ..LogFilter::default() }).await?;
        let framework = world.chain.logs(&LogFilter { address: Some(world.framework), ..LogFilter::default() }).await?;
        let mut counts = ExitCounts::default();
        for entry in &game {
            match GameEvent::from_log(&entry.log).ok().flatten() {
                Some(GameEvent::StandardExitStarted { .. } | GameEvent::InFlightExitStarted { .. }) => {
                    counts.started += 1
                }
                Some(
                    GameEvent::StandardExitChallenged { .. }
                    | GameEvent::InFlightExitInputBlocked { .. }
                    | GameEvent::InFlightExitOutputBlocked { .. },
                ) => counts.challenged += 1,
                _ => {}
            }
        }
        counts.paid = framework.iter().filter(|e| PlasmaFramework::ExitPaid::decode_log(&e.log).is_ok()).count() as u64;
        Ok(counts)
    }
}
