//! A small in-memory root chain for the end-to-end tests: deposit and child block numbering as
//! the framework does it, the operator, and one wallet per user that learns every root and
//! extends the histories of the coins it keeps after every block.

#![allow(dead_code)]

use alloy_primitives::{Address, U256};
use plasma_cash::DepositRecord;
use plasma_core::BlockNumber;
use plasma_debit::{DebitHistory, DebitOperator, DebitWallet};

/// ETH in wei.
pub const ETH: u128 = 1_000_000_000_000_000_000;

/// `n` thousandths of an ether.
pub const fn milli(n: u128) -> u128 {
    n * ETH / 1000
}

pub use plasma_testkit::{domain, key};

/// The simulated chain: the operator, the users' wallets and the framework's block numbering.
pub struct Sim {
    pub op: DebitOperator,
    pub wallets: Vec<DebitWallet>,
    pub next_child: BlockNumber,
    next_offset: u64,
}

impl Sim {
    /// An operator and `users` wallets (keys "user0", "user1", ...).
    pub fn new(users: usize) -> Self {
        let op = DebitOperator::new(key("operator"), domain());
        let wallets = (0..users).map(|i| DebitWallet::new(key(&format!("user{i}")), domain(), op.address())).collect();
        Self { op, wallets, next_child: 1000, next_offset: 1 }
    }

    pub fn user(&self, i: usize) -> Address {
        self.wallets[i].address()
    }

    /// A deposit by `depositor` of `amount` wei: the operator and every wallet learn it.
    pub fn deposit(&mut self, depositor: Address, amount: u128) -> DepositRecord {
        let coin_id = self.next_child - 1000 + self.next_offset;
        self.next_offset += 1;
        let record = DepositRecord::new(coin_id, depositor, U256::from(amount));
        self.op.on_deposit(coin_id, depositor, amount);
        for wallet in &mut self.wallets {
            wallet.on_deposit(record).unwrap();
        }
        record
    }

    /// Seals the operator's pending block, submits it and lets every wallet extend its coins.
    pub fn seal(&mut self) -> BlockNumber {
        let blknum = self.next_child;
        let block = self.op.seal(blknum).unwrap();
        self.submitted(blknum, block.root());
        blknum
    }

    /// Every wallet learns `root` of child block `blknum` and extends the coins it keeps (entries
    /// that do not verify are left out and reported).
    pub fn submitted(&mut self, blknum: BlockNumber, root: alloy_primitives::B256) -> Vec<(usize, u64)> {
        self.next_child = blknum + 1000;
        self.next_offset = 1;
        let mut refused = Vec::new();
        for (i, wallet) in self.wallets.iter_mut().enumerate() {
            wallet.learn_root(blknum, root);
            let coins: Vec<u64> = wallet.coin_ids().collect();
            for coin in coins {
                let entry = self.op.entry(coin, blknum).unwrap();
                if wallet.extend(coin, blknum, entry).is_err() {
                    refused.push((i, coin));
                }
            }
        }
        refused
    }

    /// The full history of `record`'s coin from the operator's blocks (what a sender hands over).
    pub fn history(&self, record: DepositRecord) -> DebitHistory {
        let mut history = DebitHistory::new(record);
        for blknum in self.op.block_numbers().filter(|b| *b > record.coin_id).collect::<Vec<_>>() {
            history.push(blknum, self.op.entry(record.coin_id, blknum).unwrap()).unwrap();
        }
        history
    }
}
