//! `CashDriver` through plasma-core's object-safe `VariantDriver`: whole-coin transfers, the
//! "not applicable" answer to partial payments, and the exit calls of every holder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use alloy_sol_types::SolCall;
use common::{Framework, domain, game, key, wei};
use plasma_cash::{CashDriver, Operator, game::ICashExitGame};
use plasma_core::{Error, VariantDriver};

#[test]
fn whole_coins_move_partial_payments_are_not_applicable() {
    let mut driver: Box<dyn VariantDriver> = Box::new(CashDriver::new(Operator::new(domain()), game()));
    assert_eq!(driver.name(), "cash");
    assert!(driver.capabilities().exclusion_proofs && !driver.capabilities().partial_payments);
    assert_eq!(driver.periods().response_period, Some(common::P / 4));
    assert_eq!(driver.bonds().challenge, game().challenge_bond);
    let (a, b, c) = (key("a"), key("b"), key("c"));
    let mut fw = Framework::default();
    for amount in [5, 7] {
        driver.apply_deposit(&fw.deposit(a.address(), wei(amount))).unwrap();
    }
    // 7 is a coin of A: it moves whole. 6 is no coin's denomination.
    driver.transfer(&a, b.address(), wei(7)).unwrap();
    let refused = driver.transfer(&a, b.address(), wei(6)).unwrap_err();
    assert!(matches!(refused, Error::Unsupported { variant: "cash", .. }), "{refused}");
    // B cannot pay before the coin reached it.
    assert!(driver.transfer(&b, c.address(), wei(7)).is_err());
    let root = driver.build_block().unwrap();
    driver.on_block_submitted(&fw.submit(root)).unwrap();
    driver.transfer(&b, c.address(), wei(7)).unwrap();
    let root = driver.build_block().unwrap();
    driver.on_block_submitted(&fw.submit(root)).unwrap();
    let root = driver.build_block().unwrap();
    driver.on_block_submitted(&fw.submit(root)).unwrap();

    // C holds the 7 (a transaction exit), A the 5 (a deposit exit), B nothing.
    let exits = driver.exit_calls(c.address()).unwrap();
    assert_eq!(exits.len(), 1);
    let call = ICashExitGame::startExitCall::abi_decode(&exits[0].data).unwrap();
    assert_eq!((call.amount, call.depositor, call.exiting.tx.newOwner), (wei(7), a.address(), c.address()));
    assert_eq!(exits[0].value, game().exit_bond);
    let exits = driver.exit_calls(a.address()).unwrap();
    assert_eq!(exits.len(), 1);
    assert_eq!(ICashExitGame::startDepositExitCall::abi_decode(&exits[0].data).unwrap().amount, wei(5));
    assert!(driver.exit_calls(b.address()).unwrap().is_empty());
    assert!(driver.exit_calls(key("nobody").address()).unwrap().is_empty());
}

#[test]
fn refused_transfers_release_the_coin() {
    let mut driver = CashDriver::new(Operator::new(domain()), game());
    let (a, b) = (key("a"), key("b"));
    let mut fw = Framework::default();
    let event = fw.deposit(a.address(), wei(3));
    driver.apply_deposit(&event).unwrap();
    driver.operator_mut().on_exit_started(event.blknum);
    assert!(driver.transfer(&a, b.address(), wei(3)).is_err());
    let wallet = driver.wallet(a.address()).unwrap();
    assert!(wallet.reserved(event.blknum).is_none());
    assert_eq!(wallet.spendable_coins(), [event.blknum]);
}
