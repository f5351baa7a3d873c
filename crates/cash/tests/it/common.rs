//! Shared test helpers: keys, the domain and the framework's numbering (from `plasma-testkit`), the
//! tests' game, and a small network of one operator and the users' wallets that see every
//! root-chain event.

#![allow(dead_code)]

use plasma_cash::{CashGame, CashTx, Operator, SignedCashTx, SyncReport, Wallet, game::IncludedExt, tx::CashTxExt};
use plasma_core::{ChildChain, SigningKey, alloy_primitives::Address};

pub use plasma_testkit::{Framework, domain, key, wei};

/// `P` of the tests' game: R = 1000 s, 3R = 3000 s.
pub const P: u64 = 4000;

pub fn game() -> CashGame {
    CashGame::new(wei(100), wei(10), P)
}

/// One operator and one wallet per key; every wallet sees every root-chain event.
pub struct Net {
    pub fw: Framework,
    pub op: Operator,
    pub wallets: Vec<Wallet>,
}

impl Net {
    pub fn new(keys: &[&SigningKey]) -> Self {
        Self {
            fw: Framework::default(),
            op: Operator::new(domain()),
            wallets: keys.iter().map(|k| Wallet::new((*k).clone(), domain())).collect(),
        }
    }

    /// A deposit of `amount` by wallet `who`: the operator mints the coin, every wallet learns the
    /// deposit's root, the depositor starts the coin's history.
    pub fn deposit(&mut self, who: usize, amount: u64) -> u64 {
        let event = self.fw.deposit(self.wallets[who].address(), wei(amount));
        let coin = self.op.apply_deposit(&event).unwrap();
        for wallet in &mut self.wallets {
            let minted = wallet.on_deposit(&event).unwrap();
            assert_eq!(minted.is_some(), wallet.address() == event.depositor);
        }
        coin
    }

    /// Builds the pending block, submits its root and tells every wallet; returns its number.
    pub fn seal(&mut self) -> u64 {
        let block = self.op.build_block().unwrap();
        let event = self.fw.submit(block.root());
        self.op.on_block_submitted(&event).unwrap();
        for wallet in &mut self.wallets {
            wallet.on_block_submitted(&event).unwrap();
        }
        event.blknum
    }

    /// Every wallet extends its histories from the operator.
    pub fn sync(&mut self) -> Vec<SyncReport> {
        self.wallets.iter_mut().map(|w| w.sync(&self.op).unwrap()).collect()
    }

    /// `from` pays `coin` to `to`; the operator includes it; after the block, `from` hands the
    /// history over and `to` verifies and accepts it. Returns the block number.
    pub fn transfer(&mut self, from: usize, coin: u64, to: usize) -> u64 {
        let recipient = self.wallets[to].address();
        let tx = self.wallets[from].pay(coin, recipient).unwrap();
        self.op.submit_tx(tx).unwrap();
        let blknum = self.seal();
        let reports = self.sync();
        assert_eq!(reports[from].paid, [coin]);
        let history = self.wallets[from].handover(coin).unwrap();
        assert_eq!(self.wallets[to].receive(history).unwrap(), coin);
        blknum
    }

    /// A network of `keys` where the first user deposits `amount` and pays the coin to the second.
    /// Returns the network, the coin and the payment's block.
    pub fn paid(keys: &[&SigningKey], amount: u64) -> (Self, u64, u64) {
        let mut net = Self::new(keys);
        let coin = net.deposit(0, amount);
        let paid_at = net.transfer(0, coin, 1);
        (net, coin, paid_at)
    }

    /// The operator includes a spend of `coin` (last moved at `prev`) signed by `thief`, who does
    /// not own it, then the thief's own spend of it to `to`, each in a block of its own (`withheld`:
    /// both blocks held back). Returns the two blocks.
    pub fn forged_spend(
        &mut self,
        coin: u64,
        prev: u64,
        thief: &SigningKey,
        to: Address,
        withheld: bool,
    ) -> (u64, u64) {
        if withheld {
            self.op.withhold_next();
        }
        self.op.include_unchecked(CashTx::new(coin, prev, thief.address()).sign(&domain(), thief)).unwrap();
        let forged_at = self.seal();
        if withheld {
            self.op.withhold_next();
        }
        self.op.submit_tx(CashTx::new(coin, forged_at, to).sign(&domain(), thief)).unwrap();
        (forged_at, self.seal())
    }

    /// The transaction of `coin` in block `blknum`, from the operator's own records (withheld or not).
    pub fn tx_at(&self, blknum: u64, coin: u64) -> SignedCashTx {
        *self.op.block(blknum).unwrap().block.tx(coin).unwrap()
    }

    /// `coin` included at `blknum`, as the exit game takes it, from the operator's own records.
    pub fn included(&self, blknum: u64, coin: u64) -> plasma_cash::Included {
        let block = &self.op.block(blknum).unwrap().block;
        plasma_cash::Included::new(block.tx(coin).unwrap().tx, blknum, &block.proof(coin))
    }
}
