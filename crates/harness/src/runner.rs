//! Running one scenario on one variant and checking its expectations.

use std::collections::BTreeMap;

use alloy_primitives::{Address, U256};
use plasma_contracts::PlasmaFramework;
use plasma_rootchain::RootChain;

use crate::{
    CallRecord, Error, Scenario, Step, Support, Variant, World,
    latency::{Latency, LatencyTracker},
    variant::has_capability,
};

/// Watchers look at the chain at least this often while time moves on: users check daily.
const WATCH_INTERVAL: u64 = 24 * 3600;

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Every expectation held.
    Pass,
    /// A step failed or an expectation did not hold.
    Fail,
    /// The design cannot express the scenario.
    NotApplicable,
}

/// The result of one scenario run.
#[derive(Debug, Clone)]
pub struct ScenarioRun {
    /// The scenario's name.
    pub name: String,
    /// Pass, fail or not applicable.
    pub outcome: Outcome,
    /// Why it failed or does not apply, or what happened when it passed.
    pub detail: String,
    /// Every root-chain transaction of the run.
    pub records: Vec<CallRecord>,
    /// How long after the first fault (or exit) the last payout could be processed.
    pub latency: Option<Latency>,
}

/// Runs `scenario` on `variant` over a fresh `chain`, with the given operator key when the
/// chain's first account is not the first dev account.
pub async fn run_scenario(
    variant: &mut dyn Variant,
    chain: Box<dyn RootChain>,
    scenario: &Scenario,
    min_exit_period: u64,
    operator_key: Option<alloy_primitives::B256>,
) -> ScenarioRun {
    let finish = |outcome, detail: String, records| ScenarioRun {
        name: scenario.name.clone(),
        outcome,
        detail,
        records,
        latency: None,
    };
    for name in &scenario.requires {
        match has_capability(&variant.capabilities(), name) {
            Some(true) => {}
            Some(false) => {
                let why = format!("needs {name}, which {} does not have by design", variant.name());
                return finish(Outcome::NotApplicable, why, Vec::new());
            }
            None => return finish(Outcome::Fail, format!("unknown capability {name:?}"), Vec::new()),
        }
    }
    let mut world = match World::new(chain, &scenario.actors, min_exit_period, operator_key) {
        Ok(world) => world,
        Err(err) => return finish(Outcome::Fail, err.to_string(), Vec::new()),
    };
    world.colluding = scenario.colluding.clone();
    if let Some(secret) = operator_key {
        // A node reached by URL: the actors are fresh keys funded from the operator's.
        let bond = variant.exit_bond().to::<u128>();
        let funding = |name: &str| actor_funding(scenario, name, bond);
        let run = format!("{}/{}", variant.name(), scenario.name);
        if let Err(err) = world.fund_fresh_actors(secret, &run, funding).await {
            return finish(Outcome::Fail, format!("funding the actors: {err}"), Vec::new());
        }
    }
    let mut tracker = LatencyTracker::default();
    let mut result = drive(variant, &mut world, scenario, &mut tracker).await;
    if operator_key.is_some()
        && let Err(err) = world.sweep_actors().await
    {
        result = Err(Error::Scenario(format!("sending the actors' balances back: {err}")));
    }
    let records = world.chain.records().to_vec();
    match result {
        Ok(Verdict::Pass) => {
            ScenarioRun { latency: tracker.latency(), ..finish(Outcome::Pass, world.log.join("; "), records) }
        }
        Ok(Verdict::NotApplicable(why)) => finish(Outcome::NotApplicable, why, records),
        Ok(Verdict::Mismatch(problems)) => finish(Outcome::Fail, problems.join("; "), records),
        Err(err) => finish(Outcome::Fail, err.to_string(), records),
    }
}

/// What a fresh actor is funded with on a node reached by URL: what the scenario has it deposit,
/// plus [`ACTOR_ALLOWANCE`] for bonds and fees.
fn actor_funding(scenario: &Scenario, name: &str, bond: u128) -> U256 {
    let deposits = scenario
        .steps
        .iter()
        .filter_map(|step| match step {
            Step::Deposit { actor, amount } if actor == name => amount.resolve(bond).ok(),
            _ => None,
        })
        .filter_map(|wei| u128::try_from(wei).ok())
        .fold(0u128, u128::saturating_add);
    U256::from(deposits) + ACTOR_ALLOWANCE
}

/// What each fresh actor gets besides its deposits, for bonds and fees (0.5 ether).
const ACTOR_ALLOWANCE: U256 = U256::from_limbs([500_000_000_000_000_000, 0, 0, 0]);

enum Verdict {
    Pass,
    NotApplicable(String),
    Mismatch(Vec<String>),
}

async fn drive(
    variant: &mut dyn Variant,
    world: &mut World,
    scenario: &Scenario,
    tracker: &mut LatencyTracker,
) -> Result<Verdict, Error> {
    // Balances before the run, net of the fees paid so far (funding fresh actors costs some).
    let mut initial = BTreeMap::new();
    for actor in world.everyone() {
        let before = world.chain.balance(actor.address).await? + world.chain.fees_paid_by(actor.address);
        initial.insert(actor.name.clone(), (actor.address, before));
    }
    variant.deploy(world).await?;
    for (index, step) in scenario.steps.iter().enumerate() {
        let context = |err: Error| Error::Step { index: index + 1, source: Box::new(err) };
        tracker.before_step(step, world.chain.block_time().await?);
        if let Support::NotApplicable(why) = run_step(variant, world, step, tracker).await.map_err(context)? {
            return Ok(Verdict::NotApplicable(why));
        }
        if !world.offline {
            variant.run_watchers(world).await.map_err(context)?;
        }
    }
    withdraw_everything(world).await?;
    check(variant, world, scenario, &initial).await
}

async fn run_step(
    variant: &mut dyn Variant,
    world: &mut World,
    step: &Step,
    tracker: &mut LatencyTracker,
) -> Result<Support, Error> {
    let bond = variant.exit_bond().to::<u128>();
    let wei = |amount: &crate::Amount| -> Result<U256, Error> {
        Ok(U256::from(u128::try_from(amount.resolve(bond)?).map_err(|_| Error::Scenario("negative amount".into()))?))
    };
    match step {
        Step::Deposit { actor, amount } => variant.deposit(world, actor, wei(amount)?).await,
        Step::Transfer { from, to, amount, confirm, must_fail: false } => {
            variant.transfer(world, crate::Payment { from, to, amount: wei(amount)?, confirm: *confirm }).await
        }
        Step::Transfer { from, to, amount, confirm, must_fail: true } => {
            match variant.transfer(world, crate::Payment { from, to, amount: wei(amount)?, confirm: *confirm }).await {
                Err(refusal) => {
                    world.log.push(format!("{from}'s payment to {to} refused: {refusal}"));
                    Ok(Support::Done)
                }
                Ok(Support::Done) => Err(Error::Scenario(format!("the payment from {from} to {to} had to be refused"))),
                not_applicable => not_applicable,
            }
        }
        Step::CommitBlock => variant.commit_block(world).await.map(|()| Support::Done),
        Step::Fault { fault } => variant.inject_fault(world, fault).await,
        Step::Exit { actor, what, must_fail, may_fail: false } => {
            variant.exit(world, crate::ExitRequest { actor, what: *what, must_fail: *must_fail }).await
        }
        Step::Exit { actor, what, may_fail: true, .. } => {
            match variant.exit(world, crate::ExitRequest { actor, what: *what, must_fail: false }).await {
                Err(refused @ Error::Variant { .. }) => {
                    world.log.push(format!("{actor}'s exit refused, as it may be: {refused}"));
                    Ok(Support::Done)
                }
                outcome => outcome,
            }
        }
        Step::Challenge { challenger, target } => variant.challenge(world, challenger, target).await,
        Step::AdvanceTime { periods, seconds } => {
            // Truncation is fine: a fraction of a second does not matter to any period.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            let mut left = (*periods * world.min_exit_period as f64) as u64 + seconds;
            while left > 0 {
                let hop = left.min(WATCH_INTERVAL);
                world.chain.advance_time(hop).await?;
                left -= hop;
                if left > 0 && !world.offline {
                    variant.run_watchers(world).await?;
                }
            }
            Ok(Support::Done)
        }
        Step::ProcessExits { max } => {
            let (operator, framework) = (world.operator.address, world.framework);
            let call = PlasmaFramework::processExitsCall { maxCount: U256::from(*max) };
            tracker.before_processing(world).await?;
            let receipt = world.send(operator, framework, call, U256::ZERO).await?;
            tracker.after_processing(&receipt)?;
            Ok(Support::Done)
        }
        Step::RunWatchers if world.offline => Ok(Support::Done),
        Step::RunWatchers => variant.run_watchers(world).await.map(|()| Support::Done),
        Step::Offline | Step::Online => {
            world.offline = matches!(step, Step::Offline);
            Ok(Support::Done)
        }
        Step::LoseSends { actor, count } => {
            let address = world.actor(actor)?.address;
            *world.lost_sends.entry(address).or_default() += count;
            Ok(Support::Done)
        }
        Step::AddLiquidity { actor, amount, taken_from: None } => {
            variant.add_liquidity(world, actor, wei(amount)?).await
        }
        Step::AddLiquidity { actor, taken_from: Some(holder), .. } => {
            variant.seize_liquidity(world, actor, holder).await
        }
        Step::Checkpoint(checkpoint) => variant.checkpoint(world, checkpoint).await,
    }
}

/// Everyone pulls what the framework owes them, so balances show who ended with what.
async fn withdraw_everything(world: &mut World) -> Result<(), Error> {
    let accounts: Vec<Address> = world.everyone().map(|actor| actor.address).collect();
    for who in accounts {
        if world.withdrawable(who).await? > U256::ZERO {
            let framework = world.framework;
            world.send(who, framework, PlasmaFramework::withdrawCall {}, U256::ZERO).await?;
        }
    }
    Ok(())
}

async fn check(
    variant: &dyn Variant,
    world: &World,
    scenario: &Scenario,
    initial: &BTreeMap<String, (Address, U256)>,
) -> Result<Verdict, Error> {
    let bond = variant.exit_bond().to::<u128>();
    let mut problems = Vec::new();
    for (name, expected) in &scenario.expect.balance_change {
        let (address, before) = initial.get(name).ok_or_else(|| Error::Scenario(format!("unknown actor {name}")))?;
        let after = world.chain.balance(*address).await? + world.chain.fees_paid_by(*address);
        let change = signed_difference(after, *before)?;
        let expected = expected.resolve(bond)?;
        if change != expected {
            problems.push(format!("{name} changed by {} wei, expected {expected}", change));
        }
    }
    if let Some(expected) = &scenario.expect.framework {
        let held = world.chain.balance(world.framework).await?;
        let expected = expected.resolve(bond)?;
        if i128::try_from(held).ok() != Some(expected) {
            problems.push(format!("framework holds {held} wei, expected {expected}"));
        }
    }
    problems.extend(solvency(world).await?);
    let counts = variant.exit_counts(world).await?;
    for (what, actual, expected) in [
        ("exits paid", counts.paid, scenario.expect.exits_paid),
        ("exits challenged", counts.challenged, scenario.expect.exits_challenged),
    ] {
        if let Some(expected) = expected.filter(|expected| *expected != actual) {
            problems.push(format!("{what}: {actual}, expected {expected}"));
        }
    }
    Ok(if problems.is_empty() { Verdict::Pass } else { Verdict::Mismatch(problems) })
}

/// The framework must hold exactly what it still owes: every deposit not paid out, every bond it
/// holds, every credit not yet withdrawn, and the bonds it burned (kept for ever). Checked after every
/// scenario, whatever the design.
async fn solvency(world: &World) -> Result<Option<String>, Error> {
    let deposited = world.framework_view(PlasmaFramework::totalDepositedCall {}).await?;
    let paid = world.framework_view(PlasmaFramework::totalPaidCall {}).await?;
    let bonds = world.framework_view(PlasmaFramework::bondsHeldCall {}).await?;
    let burned = world.framework_view(PlasmaFramework::bondsBurnedCall {}).await?;
    let mut credits = U256::ZERO;
    for actor in world.everyone() {
        credits += world.withdrawable(actor.address).await?;
    }
    let held = world.chain.balance(world.framework).await?;
    let owed = deposited.checked_sub(paid).map(|left| left + bonds + burned + credits);
    Ok((owed != Some(held)).then(|| {
        format!(
            "the framework holds {held} wei but owes {} (deposited {deposited}, paid {paid}, bonds {bonds}, burned {burned}, credits {credits})",
            owed.map_or_else(|| "more than was deposited".to_owned(), |owed| format!("{owed} wei"))
        )
    }))
}

fn signed_difference(after: U256, before: U256) -> Result<i128, Error> {
    let magnitude = |value: U256| i128::try_from(value).map_err(|_| Error::Scenario("balance change too large".into()));
    if after >= before { magnitude(after - before) } else { Ok(-magnitude(before - after)?) }
}
