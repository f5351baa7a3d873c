//! Shared test helpers: keys, the domain, and a tiny stand-in for the framework's numbering.

#![allow(dead_code)]

use plasma_core::{
    BlockSubmittedEvent, ChildChain, DepositEvent,
    alloy_primitives::{Address, U256},
};
use plasma_mvp::{Inclusion, Operator, SignedTx, UtxoPos, Wallet, tx::TransactionExt};
pub use plasma_testkit::{domain, key};

pub fn wei(n: u64) -> U256 {
    U256::from(n)
}

/// Numbers blocks like `PlasmaFramework`: child blocks 1000, 2000, …, deposits in between.
#[derive(Clone, Debug)]
pub struct Framework {
    pub next_child: u64,
    pub next_deposit: u64,
    pub now: u64,
}

impl Default for Framework {
    fn default() -> Self {
        Self { next_child: 1000, next_deposit: 1, now: 1_700_000_000 }
    }
}

impl Framework {
    pub fn deposit(&mut self, depositor: Address, amount: U256) -> DepositEvent {
        assert!(self.next_deposit < 1000, "deposit blocks full");
        let blknum = self.next_child - 1000 + self.next_deposit;
        self.next_deposit += 1;
        DepositEvent { depositor, blknum, amount }
    }

    pub fn submit(&mut self, root: plasma_core::alloy_primitives::B256) -> BlockSubmittedEvent {
        let event = BlockSubmittedEvent { blknum: self.next_child, root, timestamp: self.now };
        self.next_child += 1000;
        self.next_deposit = 1;
        self.now += 15;
        event
    }
}

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
