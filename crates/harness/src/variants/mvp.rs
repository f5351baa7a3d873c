//! Plasma MVP (`plasma-mvp`) as a scenario variant: the generic [`Lab`] over the design's
//! operator and one [`MvpClient`] per actor, and `MvpExitGame` on the root chain.
//!
//! The honest users' software is the design crate's: clients read the root chain's events,
//! validate every block, exit their user's outputs when a block is invalid or withheld, challenge
//! exits of outputs they can prove spent, and payers confirm only what their watcher validated.
//! What stays here is the cheaters: the operator's faults, forged confirmations, and exits of what
//! an actor spent or was never confirmed. Colluding actors (`colluding` in the scenario) run no
//! watcher.

use std::collections::BTreeMap;

use alloy_primitives::{Address, U256};
use plasma_core::{BlockNumber, Domain, ExitScope, GameCall, SigningKey};
use plasma_mvp::{
    ExitClaim, Handover, Mvp, MvpClient, MvpEvent, MvpExit, MvpGame, MvpTag, Operator, Output, SignedTx, Transaction,
    UtxoPos, confirmation_digest, tx::TransactionExt as _,
};
use plasma_rootchain::RootChain as _;

use crate::{
    Error, ExitRequest, ExitWhat, Fault, Support, World,
    lab::{Lab, Pending, Result, Scripted},
};

/// The exit bond: 0.02 ETH, close to what OMG's production game asked (protocols.md 6.1).
pub const EXIT_BOND: U256 = U256::from_limbs([20_000_000_000_000_000, 0, 0, 0]);

/// Plasma MVP, driven by scenarios.
pub type MvpVariant = Lab<Mvp>;

fn err(message: impl std::fmt::Display) -> Error {
    Lab::<Mvp>::err(message)
}

/// What MVP's cheaters remember.
#[derive(Default)]
pub struct Cheats {
    /// Exit arguments of outputs each actor has spent (what a cheater would exit).
    spent: BTreeMap<String, Vec<ExitClaim>>,
    /// Outputs received without the payer's confirmation: exiting them must fail.
    unconfirmed: BTreeMap<String, Vec<ExitClaim>>,
}

#[async_trait::async_trait]
impl Scripted for Mvp {
    type Operator = Operator;
    type Client = MvpClient;
    type Cheats = Cheats;

    fn game(min_exit_period: u64) -> MvpGame {
        MvpGame::new(EXIT_BOND, min_exit_period)
    }

    fn operator(world: &World) -> Operator {
        Operator::new(world.domain())
    }

    fn client(key: SigningKey, world: &World, game: &MvpGame, watching: bool) -> MvpClient {
        MvpClient::new(key, world.domain(), *game, watching)
    }

    fn exit_subject(tag: &MvpTag) -> Option<String> {
        match tag {
            MvpTag::Exit(pos) => Some(pos.to_string()),
            MvpTag::Challenge(_) => None,
        }
    }

    fn paid_to(tx: &SignedTx) -> Vec<Address> {
        (0..2).filter_map(|o| tx.tx.output(o)).map(|out| out.owner).collect()
    }

    fn withhold(operator: &mut Operator, blknum: BlockNumber) -> bool {
        operator.withhold(blknum);
        true
    }

    fn paid(lab: &mut Lab<Self>, payment: &Pending<SignedTx>) {
        let from = &payment.payer;
        let Ok(client) = lab.client(from) else { return };
        let wallet = client.wallet();
        let inputs = payment.tx.tx.inputs().unwrap_or_default();
        let claims: Vec<ExitClaim> =
            inputs.into_iter().flatten().filter_map(|pos| wallet.exit_claim(pos).ok()).collect();
        lab.cheats.spent.entry(from.clone()).or_default().extend(claims);
    }

    fn forged_handover(
        lab: &Lab<Self>,
        world: &World,
        payment: &Pending<SignedTx>,
        blknum: BlockNumber,
    ) -> Result<Option<Handover>> {
        // The confirmations come from the thief's own key, not from a wallet.
        let domain = world.domain();
        let tx_hash = payment.tx.tx_hash(&domain);
        let inclusion = included(lab, &payment.tx, blknum, &domain)?;
        let key: &SigningKey = &world.actor(&payment.payer)?.key;
        let confirmations = [Some(key.sign_digest(confirmation_digest(&domain, tx_hash, inclusion.root))), None];
        Ok(Some(Handover { tx: payment.tx.clone(), inclusion, confirmations }))
    }

    fn not_handed_over(lab: &mut Lab<Self>, payment: &Pending<SignedTx>, blknum: BlockNumber) -> Result<()> {
        let domain = *lab.operator()?.domain();
        let inclusion = included(lab, &payment.tx, blknum, &domain)?;
        let exit = MvpExit {
            utxo_pos: inclusion.tx_pos().map_err(err)?,
            tx: payment.tx.tx.clone(),
            sigs: payment.tx.sigs_bytes().to_vec().into(),
            proof: inclusion.proof.to_bytes(),
            confirm_sigs: vec![0u8; 130].into(),
        };
        lab.cheats.unconfirmed.entry(payment.payee.clone()).or_default().push(ExitClaim::Tx(exit));
        Ok(())
    }

    async fn inject_fault(lab: &mut Lab<Self>, world: &mut World, fault: &Fault) -> Result<Support> {
        let (input, amount, beneficiary, signer) = match fault {
            Fault::InvalidTransaction { victim, beneficiary, ahead } => {
                let wallet = lab.client(victim)?.wallet();
                let (pos, output) =
                    wallet.outputs().iter().next_back().ok_or_else(|| err(format!("{victim} holds nothing")))?;
                let tx = forged_tx(world, *pos, output.amount, beneficiary, beneficiary)?;
                if *ahead {
                    lab.operator_mut()?.include_unchecked_first(tx.clone()).map_err(err)?;
                    let payer = beneficiary.to_owned();
                    let pending = Pending { tx, payer: payer.clone(), payee: payer, confirm: true, forged: true };
                    lab.pending.insert(0, pending);
                    return Ok(Support::Done);
                }
                (*pos, output.amount, beneficiary, beneficiary)
            }
            Fault::DoubleSpend { victim, beneficiary } => {
                let (pos, amount) = newest_spent(lab, victim)?;
                (pos, amount, beneficiary, beneficiary)
            }
            Fault::SignedDoubleSpend { owner, beneficiary } => {
                let (pos, amount) = newest_spent(lab, owner)?;
                (pos, amount, beneficiary, owner)
            }
            Fault::SpendExited { owner, beneficiary } => {
                let (pos, amount) = newest_exited(world, owner).await?;
                (pos, amount, beneficiary, owner)
            }
            Fault::Mint { beneficiary, amount } => {
                let amount = U256::from(u128::try_from(amount.resolve(0)?).map_err(|_| err("negative mint"))?);
                // An input that no deposit or transaction ever created.
                (UtxoPos::deposit(999).map_err(err)?, amount, beneficiary, beneficiary)
            }
            Fault::WithholdBlock => {
                lab.withhold_next = true;
                return Ok(Support::Done);
            }
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
        };
        // The operator slips in a transaction `signer` signed; `signer` confirms it once it is in a
        // block, for `beneficiary`.
        let tx = forged_tx(world, input, amount, beneficiary, signer)?;
        lab.operator_mut()?.include_unchecked(tx.clone()).map_err(err)?;
        let (payer, payee) = (signer.clone(), beneficiary.clone());
        lab.pending.push(Pending { tx, payer, payee, confirm: true, forged: true });
        Ok(Support::Done)
    }

    async fn exit(lab: &mut Lab<Self>, world: &mut World, exit: ExitRequest<'_>) -> Result<Support> {
        let ExitRequest { actor, what, must_fail } = exit;
        let exiting = |lab: &Lab<Self>, pos: &UtxoPos| lab.client(actor).map(|c| c.is_exiting(pos));
        let mut calls: Vec<(MvpTag, GameCall)> = match what {
            ExitWhat::All | ExitWhat::Newest if !must_fail => {
                let scope = if what == ExitWhat::All { ExitScope::All } else { ExitScope::Newest };
                let now = world.chain.block_time().await?;
                lab.own_exit_calls(actor, scope, now)?
            }
            ExitWhat::All | ExitWhat::Newest => {
                // A cheater's exits, started again or not.
                let mut claims = lab.client(actor)?.wallet().exit_claims();
                if what == ExitWhat::Newest {
                    claims = claims.pop().into_iter().collect();
                }
                claims_calls(lab, &claims)?
            }
            ExitWhat::Spent => {
                let claims = lab.cheats.spent.get(actor).cloned().unwrap_or_default();
                let mut calls = Vec::new();
                for (tag, call) in claims_calls(lab, &claims)? {
                    if must_fail || !exiting(lab, &exit_pos(&tag))? {
                        calls.push((tag, call));
                    }
                }
                calls
            }
            ExitWhat::StaleState => return Ok(Support::NotApplicable("Plasma MVP has no channel states".into())),
            ExitWhat::InFlight | ExitWhat::SpentInFlight | ExitWhat::FalseCanonicity => {
                return Ok(Support::NotApplicable("MVP has no in-flight exits".into()));
            }
        };
        if what == ExitWhat::All {
            let unconfirmed = lab.cheats.unconfirmed.get(actor).cloned().unwrap_or_default();
            for (tag, call) in claims_calls(lab, &unconfirmed)? {
                if must_fail || !exiting(lab, &exit_pos(&tag))? {
                    calls.push((tag, call));
                }
            }
        }
        lab.start_exits(world, actor, calls, must_fail).await?;
        Ok(Support::Done)
    }

    async fn challenge(lab: &mut Lab<Self>, world: &mut World, challenger: &str, target: &str) -> Result<Support> {
        let target = world.actor(target)?.address;
        let node = lab.node()?;
        let source = plasma_node::InProcess(node.operator.operator());
        node.clients.ingest(&world.chain, &source).await?;
        let watcher =
            node.clients.client(challenger)?.watcher().ok_or_else(|| err(format!("{challenger} runs no watcher")))?;
        let challenge = watcher
            .open_exits()
            .iter()
            .filter(|(_, exit)| exit.owner == target)
            .filter_map(|(pos, _)| watcher.challenge_for(*pos))
            .next_back()
            .ok_or_else(|| err(format!("{challenger} has no evidence against an exit of {target}")))?;
        let from = world.actor(challenger)?.address;
        let receipt = world.game_call(from, &lab.game.challenge_call(&challenge)).await?;
        if !receipt.success {
            return Err(err(format!("challenge refused: {}", receipt.revert_reason.unwrap_or_default())));
        }
        Ok(Support::Done)
    }
}

/// The output an exit tag is about.
fn exit_pos(tag: &MvpTag) -> UtxoPos {
    match tag {
        MvpTag::Exit(pos) | MvpTag::Challenge(pos) => *pos,
    }
}

/// The exit calls of `claims`, each tagged with its output.
fn claims_calls(lab: &Lab<Mvp>, claims: &[ExitClaim]) -> Result<Vec<(MvpTag, GameCall)>> {
    claims.iter().map(|c| Ok((MvpTag::Exit(c.utxo_pos().map_err(err)?), lab.game.exit_call(c)))).collect()
}

/// Where `tx` is included in block `blknum`, as the operator holds it.
fn included(lab: &Lab<Mvp>, tx: &SignedTx, blknum: BlockNumber, domain: &Domain) -> Result<plasma_mvp::Inclusion> {
    let inclusion = lab.operator()?.inclusion(tx.tx_hash(domain)).ok_or_else(|| err("payment not in its block"))?;
    if inclusion.blknum != blknum {
        return Err(err("payment landed in another block"));
    }
    Ok(inclusion)
}

/// A transaction the operator slips in: `input` to `beneficiary`, signed by `signer` (the
/// beneficiary for a forgery, the cheating owner for a signed double spend).
fn forged_tx(world: &World, input: UtxoPos, amount: U256, beneficiary: &str, signer: &str) -> Result<SignedTx> {
    let to = world.actor(beneficiary)?.address;
    let tx = Transaction::payment(input, None, Output::new(to, amount), None);
    Ok(SignedTx::sign(tx, &world.domain(), [Some(&world.actor(signer)?.key), None]))
}

/// The newest output `owner` has spent: its position and amount.
fn newest_spent(lab: &Lab<Mvp>, owner: &str) -> Result<(UtxoPos, U256)> {
    let claim = lab
        .cheats
        .spent
        .get(owner)
        .and_then(|claims| claims.last())
        .ok_or_else(|| err(format!("{owner} spent nothing")))?;
    Ok((claim.utxo_pos().map_err(err)?, claim.amount()))
}

/// The newest exit `owner` started, read from the game's events: its output and amount.
async fn newest_exited(world: &World, owner: &str) -> Result<(UtxoPos, U256)> {
    let address = world.actor(owner)?.address;
    crate::lab::game_events::<Mvp>(world)
        .await?
        .into_iter()
        .filter_map(|event| match event {
            MvpEvent::ExitStarted(exit) if exit.owner == address => Some((exit.utxo_pos, exit.amount)),
            _ => None,
        })
        .next_back()
        .ok_or_else(|| Error::Scenario(format!("{owner} exited nothing")))
}
