//! The mass exit: `N` users leave at once, as they would when the operator stops or cheats, and
//! the root chain must carry every exit.
//!
//! For each `N`, on a fresh chain: `N` fresh users are funded, each deposits 0.1 ether (the
//! operator picks every deposit up and commits a child block every 999 deposits, as the
//! framework's block numbering requires), then every user starts the exit of what it holds through
//! the variant's own wallet and exit game (with its bond), time passes one exit period and a
//! half, and anyone calls `processExits` in batches of [`BATCH`] until the queue is empty. Only
//! the exit starts and the processing calls are counted; the study then checks that every user
//! is owed exactly its deposit and bond back, and that the framework is solvent.
//!
//! The number of root-chain blocks packs those transactions in order into blocks of
//! [`BLOCK_GAS_LIMIT`] (30M gas), as a mass exit competing for nothing else would fill them. The
//! exits are of deposit-created outputs or coins, the cheapest case; the operation table shows
//! what an exit of a child-chain output costs more.

use alloy_primitives::{Address, U256, keccak256};
use plasma_contracts::{DEFAULT_MIN_EXIT_PERIOD, PlasmaFramework};
use plasma_core::SigningKey;
use plasma_rootchain::{EmbeddedEvm, RootChain, TxRequest};

use crate::{Actor, Error, ExitWhat, Operation, Support, Variant, World};

/// Exits per `processExits` call.
pub const BATCH: u64 = 100;

/// Gas per root-chain block.
pub const BLOCK_GAS_LIMIT: u64 = 30_000_000;

/// The numbers of users the comparison measures.
pub const USER_COUNTS: [u64; 4] = [10, 100, 1_000, 10_000];

/// Deposit blocks the framework numbers between two child blocks (`CHILD_BLOCK_INTERVAL - 1`):
/// the operator commits a child block after that many deposits.
const DEPOSITS_PER_CHILD_BLOCK: usize = 999;

/// What each user deposits, in wei (0.1 ether).
const DEPOSIT_WEI: u128 = 100_000_000_000_000_000;

/// One measured mass exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct MassExitPoint {
    /// Users who exit.
    pub users: u64,
    /// Exits started (a design may need more than one call per user).
    pub exit_calls: u64,
    /// Gas of every exit start.
    pub exit_gas: u64,
    /// `processExits` calls.
    pub processing_calls: u64,
    /// Gas of every processing call.
    pub processing_gas: u64,
    /// Root-chain blocks of 30M gas the exit starts fill.
    pub exit_blocks: u64,
    /// Root-chain blocks of 30M gas the processing calls fill.
    pub processing_blocks: u64,
}

impl MassExitPoint {
    /// Gas per user, exit start and processing together.
    pub fn gas_per_user(&self) -> u64 {
        (self.exit_gas + self.processing_gas) / self.users.max(1)
    }
}

/// Runs the mass exit of `users` users on a fresh variant from `new_variant`.
pub async fn mass_exit(new_variant: &dyn Fn() -> Option<Box<dyn Variant>>, users: u64) -> Result<MassExitPoint, Error> {
    let mut variant = new_variant().ok_or_else(|| Error::Scenario("unknown variant".into()))?;
    let mut world = World::new(Box::new(EmbeddedEvm::new()), &[], DEFAULT_MIN_EXIT_PERIOD, None)?;
    let names = add_funded_users(&mut world, users).await?;
    variant.deploy(&mut world).await?;
    let deposit = U256::from(DEPOSIT_WEI);
    for (index, name) in names.iter().enumerate() {
        if index > 0 && index % DEPOSITS_PER_CHILD_BLOCK == 0 {
            variant.commit_block(&mut world).await?;
        }
        expect_done(variant.deposit(&mut world, name, deposit).await?)?;
    }
    let exits_from = world.chain.records().len();
    for name in &names {
        expect_done(
            variant.exit(&mut world, crate::ExitRequest { actor: name, what: ExitWhat::All, must_fail: false }).await?,
        )?;
    }
    let processing_from = world.chain.records().len();
    let period = world.min_exit_period;
    world.chain.advance_time(period + period / 2).await?;
    process_everything(&mut world).await?;
    check_everyone_paid(&world, &names, deposit + variant.exit_bond()).await?;
    let records = world.chain.records();
    let exits = &records[exits_from..processing_from];
    let processing = &records[processing_from..];
    let gas = |records: &[crate::CallRecord]| -> Vec<u64> { records.iter().map(|r| r.gas_used).collect() };
    if exits.iter().any(|r| !r.success || Operation::of(&r.label) != Some(Operation::ExitStart)) {
        return Err(Error::Scenario("a mass-exit call was not a successful exit start".into()));
    }
    Ok(MassExitPoint {
        users,
        exit_calls: exits.len() as u64,
        exit_gas: gas(exits).iter().sum(),
        processing_calls: processing.len() as u64,
        processing_gas: gas(processing).iter().sum(),
        exit_blocks: blocks_needed(&gas(exits)),
        processing_blocks: blocks_needed(&gas(processing)),
    })
}

/// Creates `count` users with keys of their own and gives each twice its deposit (enough for the
/// deposit and the bond) from the operator.
async fn add_funded_users(world: &mut World, count: u64) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    for index in 0..count {
        let key = SigningKey::from_bytes(keccak256(
            [b"plasma-lab mass exit user".as_slice(), &index.to_be_bytes()].concat(),
        ))?;
        let name = format!("user{index}");
        let address = key.address();
        let funding =
            TxRequest::call(world.operator.address, address, Vec::new()).with_value(U256::from(2 * DEPOSIT_WEI));
        if !world.chain.send(funding).await?.success {
            return Err(Error::Scenario(format!("could not fund {name}")));
        }
        world.actors.insert(name.clone(), Actor { name: name.clone(), key, address });
        names.push(name);
    }
    Ok(names)
}

fn expect_done(support: Support) -> Result<(), Error> {
    match support {
        Support::Done => Ok(()),
        Support::NotApplicable(why) => Err(Error::Scenario(format!("mass exit step not applicable: {why}"))),
    }
}

/// Calls `processExits` in batches until the queue is empty.
async fn process_everything(world: &mut World) -> Result<(), Error> {
    let (operator, framework) = (world.operator.address, world.framework);
    while world.framework_view(PlasmaFramework::queueSizeCall {}).await? > U256::ZERO {
        let call = PlasmaFramework::processExitsCall { maxCount: U256::from(BATCH) };
        world.send(operator, framework, call, U256::ZERO).await?;
    }
    Ok(())
}

/// Every user is owed exactly `owed` (its deposit and its bond), and the framework holds exactly
/// what it owes.
async fn check_everyone_paid(world: &World, names: &[String], owed: U256) -> Result<(), Error> {
    let mut credits = U256::ZERO;
    for name in names {
        let address: Address = world.actor(name)?.address;
        let credit = world.withdrawable(address).await?;
        if credit != owed {
            return Err(Error::Scenario(format!("{name} is owed {credit} wei after the mass exit, not {owed}")));
        }
        credits += credit;
    }
    let held = world.chain.balance(world.framework).await?;
    let bonds = world.framework_view(PlasmaFramework::bondsHeldCall {}).await?;
    let operator_credit = world.withdrawable(world.operator.address).await?;
    if held != credits + bonds + operator_credit {
        return Err(Error::Scenario(format!(
            "after the mass exit the framework holds {held} wei but owes {}",
            credits + bonds + operator_credit
        )));
    }
    Ok(())
}

/// Root-chain blocks of [`BLOCK_GAS_LIMIT`] that transactions of `gas` fill, in order.
pub fn blocks_needed(gas: &[u64]) -> u64 {
    let mut blocks = 0;
    let mut room = 0;
    for &used in gas {
        if used > room {
            blocks += 1;
            room = BLOCK_GAS_LIMIT;
        }
        room = room.saturating_sub(used);
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transactions_pack_into_30m_blocks_in_order() {
        assert_eq!(blocks_needed(&[]), 0);
        assert_eq!(blocks_needed(&[1]), 1);
        assert_eq!(blocks_needed(&[15_000_000, 15_000_000]), 1);
        assert_eq!(blocks_needed(&[15_000_000, 15_000_001]), 2);
        assert_eq!(blocks_needed(&vec![150_000; 10_000]), 50);
    }

    #[tokio::test]
    async fn ten_users_leave_with_exactly_what_they_own_on_every_variant() {
        for name in crate::variant_names() {
            let point = mass_exit(&|| crate::new_variant(name), 10).await.unwrap();
            assert_eq!(point.users, 10, "{name}");
            assert!(point.exit_calls >= 10, "{name}: {point:?}");
            assert!(point.exit_gas > 10 * 21_000 && point.processing_gas > 21_000, "{name}: {point:?}");
            assert_eq!((point.exit_blocks, point.processing_blocks), (1, 1), "{name}");
        }
    }
}
