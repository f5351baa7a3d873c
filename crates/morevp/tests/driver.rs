//! The MoreVP design through plasma-core's object-safe `VariantDriver`.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{domain, key, wei};
use plasma_core::{BlockSubmittedEvent, DepositEvent, Error, VariantDriver, alloy_sol_types::SolCall};
use plasma_morevp::{MoreVpDriver, MoreVpGame, Operator, game::IMoreVpExitGame};

#[test]
fn transfers_settle_and_exit_calls_follow_ownership() {
    let (alice, bob) = (key("alice"), key("bob"));
    let game = MoreVpGame::new(wei(500), wei(700), wei(300), 3600);
    let mut driver: Box<dyn VariantDriver> = Box::new(MoreVpDriver::new(Operator::new(domain()), game));
    assert_eq!(driver.name(), "morevp");
    let caps = driver.capabilities();
    assert!(caps.fungible_amounts && caps.partial_payments && caps.in_flight_exits);
    assert!(!caps.confirmation_signatures && !caps.exclusion_proofs && !caps.checkpoints && !caps.channels);
    assert_eq!((driver.bonds().exit, driver.bonds().piggyback), (wei(500), wei(300)));
    assert_eq!(driver.periods().min_exit_period, 3600);

    let deposit = DepositEvent { depositor: alice.address(), blknum: 1, amount: wei(100) };
    driver.apply_deposit(&deposit).unwrap();
    assert!(matches!(driver.apply_deposit(&deposit), Err(Error::Variant { variant: "morevp", .. })));
    let calls = driver.exit_calls(alice.address()).unwrap();
    assert_eq!(calls.len(), 1);
    assert!(IMoreVpExitGame::startDepositExitCall::abi_decode(&calls[0].data).is_ok());

    assert!(driver.transfer(&bob, alice.address(), wei(1)).is_err());
    driver.transfer(&alice, bob.address(), wei(30)).unwrap();
    // In flight: Alice's exit is the in-flight one; her deposit is reserved.
    let calls = driver.exit_calls(alice.address()).unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].value, wei(700));
    assert!(IMoreVpExitGame::startInFlightExitCall::abi_decode(&calls[0].data).is_ok());
    assert!(driver.transfer(&alice, bob.address(), wei(1)).is_err());
    let root = driver.build_block().unwrap();
    driver.on_block_submitted(&BlockSubmittedEvent { blknum: 1000, root, timestamp: 1 }).unwrap();

    let bob_calls = driver.exit_calls(bob.address()).unwrap();
    assert_eq!(bob_calls.len(), 1);
    let exit = IMoreVpExitGame::startStandardExitCall::abi_decode(&bob_calls[0].data).unwrap();
    assert_eq!(exit.tx.amount0, wei(30));
    assert_eq!(bob_calls[0].value, wei(500));
    let alice_calls = driver.exit_calls(alice.address()).unwrap();
    assert_eq!(alice_calls.len(), 1);
    assert_eq!(IMoreVpExitGame::startStandardExitCall::abi_decode(&alice_calls[0].data).unwrap().tx.amount1, wei(70));
    assert!(driver.exit_calls(key("carol").address()).unwrap().is_empty());

    driver.transfer(&bob, alice.address(), wei(30)).unwrap();
    let root = driver.build_block().unwrap();
    driver.on_block_submitted(&BlockSubmittedEvent { blknum: 2000, root, timestamp: 2 }).unwrap();
    assert!(driver.exit_calls(bob.address()).unwrap().is_empty());
    assert_eq!(driver.exit_calls(alice.address()).unwrap().len(), 2);
}
