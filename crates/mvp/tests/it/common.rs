//! Shared test helpers: keys, the domain and the framework's numbering (from `plasma-testkit`),
//! and funding, sealing and settling a payment.

#![allow(dead_code)]

use plasma_core::ChildChain;
use plasma_mvp::{Inclusion, Operator, SignedTx, UtxoPos, Wallet, tx::TransactionExt};
pub use plasma_testkit::{Framework, domain, key, wei};

/// Deposits `amount` for the wallet's owner on the operator and in the wallet.
pub fn fund(fw: &mut Framework, op: &mut Operator, wallet: &mut Wallet, amount: u64) -> UtxoPos {
    let event = fw.deposit(wallet.address(), wei(amount));
    let pos = op.apply_deposit(&event).unwrap();
    assert_eq!(wallet.add_deposit(&event).unwrap(), pos);
    pos
}

/// Builds the pending block and numbers it; returns the block number.
pub fn seal(fw: &mut Framework, op: &mut Operator) -> u64 {
    let block = op.build_block().unwrap();
    let event = fw.submit(block.root());
    op.on_block_submitted(&event).unwrap();
    event.blknum
}

/// Sender confirms, every recipient wallet in `to` receives (the sender too, for change).
pub fn settle(op: &Operator, tx: &SignedTx, from: &mut Wallet, to: &mut [&mut Wallet]) -> Inclusion {
    let inclusion = op.inclusion(tx.tx_hash(op.domain())).expect("included");
    let confirmations = from.confirm(tx, inclusion.root).unwrap();
    for wallet in to.iter_mut() {
        wallet.receive(tx, &inclusion, confirmations).unwrap();
    }
    if tx.tx.output(1).is_some_and(|o| o.owner == from.address()) {
        from.receive(tx, &inclusion, confirmations).unwrap();
    }
    inclusion
}
