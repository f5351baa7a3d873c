//! The MVP design through plasma-core's object-safe `VariantDriver`.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Framework, domain, key, wei};
use plasma_core::{Error, VariantDriver, alloy_sol_types::SolCall};
use plasma_mvp::{MvpDriver, MvpGame, Operator, game::IMvpExitGame};

#[test]
fn transfers_settle_and_exit_calls_follow_ownership() {
    let (alice, bob) = (key("alice"), key("bob"));
    let mut fw = Framework::default();
    let mut driver: Box<dyn VariantDriver> =
        Box::new(MvpDriver::new(Operator::new(domain()), MvpGame::new(wei(500), 3600)));
    assert_eq!(driver.name(), "mvp");
    assert!(driver.capabilities().confirmation_signatures);
    assert_eq!(driver.bonds().exit, wei(500));
    assert_eq!(driver.periods().min_exit_period, 3600);

    let deposit = fw.deposit(alice.address(), wei(100));
    driver.apply_deposit(&deposit).unwrap();
    assert!(matches!(driver.apply_deposit(&deposit), Err(Error::Variant { variant: "mvp", .. })));
    let calls = driver.exit_calls(alice.address()).unwrap();
    assert_eq!(calls.len(), 1);
    assert!(IMvpExitGame::startDepositExitCall::abi_decode(&calls[0].data).is_ok());

    assert!(driver.transfer(&bob, alice.address(), wei(1)).is_err());
    driver.transfer(&alice, bob.address(), wei(30)).unwrap();
    // Alice's only output is reserved until the block lands.
    assert!(driver.transfer(&alice, bob.address(), wei(1)).is_err());
    let root = driver.build_block().unwrap();
    driver.on_block_submitted(&fw.submit(root)).unwrap();

    let bob_calls = driver.exit_calls(bob.address()).unwrap();
    assert_eq!(bob_calls.len(), 1);
    let exit = IMvpExitGame::startExitCall::abi_decode(&bob_calls[0].data).unwrap();
    assert_eq!(exit.tx.amount0, wei(30));
    assert_eq!(exit.confirmSigs.len(), 130);
    assert_eq!(bob_calls[0].value, wei(500));
    let alice_calls = driver.exit_calls(alice.address()).unwrap();
    assert_eq!(alice_calls.len(), 1);
    assert_eq!(IMvpExitGame::startExitCall::abi_decode(&alice_calls[0].data).unwrap().tx.amount1, wei(70));
    assert!(driver.exit_calls(key("carol").address()).unwrap().is_empty());

    // Bob spends what he received.
    driver.transfer(&bob, alice.address(), wei(30)).unwrap();
    let root = driver.build_block().unwrap();
    driver.on_block_submitted(&fw.submit(root)).unwrap();
    assert!(driver.exit_calls(bob.address()).unwrap().is_empty());
    assert_eq!(driver.exit_calls(alice.address()).unwrap().len(), 2);
}
