//! Property: any sequence of valid deposits, payments and blocks conserves value (UTXO set + fees =
//! deposits, and every wallet agrees with the operator), every block proof verifies against its
//! root, and a watcher replaying the published blocks finds nothing and ends with the same set.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Framework, domain, key, wei};
use plasma_core::{ChildChain, SigningKey, alloy_primitives::U256};
use plasma_mvp::{MvpError, Operator, SignedTx, Wallet, Watcher, tx::TransactionExt};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Deposit { user: usize, amount: u64 },
    Pay { from: usize, to: usize, amount: u64, fee: u64 },
    Block,
}

fn op_strategy(users: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..users, 1u64..1_000).prop_map(|(user, amount)| Op::Deposit { user, amount }),
        6 => (0..users, 0..users, 1u64..600, 0u64..5).prop_map(|(from, to, amount, fee)| Op::Pay { from, to, amount, fee }),
        2 => Just(Op::Block),
    ]
}

const USERS: usize = 3;

struct Sim {
    fw: Framework,
    op: Operator,
    wallets: Vec<Wallet>,
    watcher: Watcher,
    in_flight: Vec<(SignedTx, usize)>,
    deposited: U256,
}

impl Sim {
    fn new(keys: &[SigningKey]) -> Self {
        let wallets: Vec<Wallet> = keys.iter().map(|k| Wallet::new(k.clone(), domain())).collect();
        let watcher = Watcher::new(domain(), wallets.iter().map(Wallet::address));
        Self {
            fw: Framework::default(),
            op: Operator::new(domain()),
            wallets,
            watcher,
            in_flight: Vec::new(),
            deposited: U256::ZERO,
        }
    }

    fn block(&mut self) {
        let block = self.op.build_block().unwrap();
        let event = self.fw.submit(block.root());
        self.op.on_block_submitted(&event).unwrap();
        for (txindex, tx) in (0u64..).zip(block.txs()) {
            let proof = self.op.prove_inclusion(event.blknum, txindex).unwrap();
            assert!(proof.verify(block.root(), tx.leaf(&domain()), txindex));
        }
        self.watcher.on_block_submitted(&event).unwrap();
        for report in self.watcher.sync(&self.op).unwrap() {
            assert!(report.findings.is_empty(), "{report:?}");
        }
        for (tx, from) in std::mem::take(&mut self.in_flight) {
            let inclusion = self.op.inclusion(tx.tx_hash(&domain())).unwrap();
            assert_eq!(inclusion.blknum, event.blknum);
            let confirmations = self.wallets[from].confirm(&tx, inclusion.root).unwrap();
            let mut owners: Vec<_> = (0..2).filter_map(|o| tx.tx.output(o)).map(|o| o.owner).collect();
            owners.dedup();
            for owner in owners {
                let wallet = self.wallets.iter_mut().find(|w| w.address() == owner).unwrap();
                wallet.receive(&tx, &inclusion, confirmations).unwrap();
            }
        }
    }

    fn check(&self) {
        let utxo_total = self.op.ledger().total();
        assert_eq!(utxo_total + self.op.collected_fees(), self.deposited);
        let wallets_total = self.wallets.iter().fold(U256::ZERO, |sum, w| sum + w.balance());
        assert_eq!(wallets_total, utxo_total);
        if self.in_flight.is_empty() {
            assert_eq!(self.watcher.ledger().utxos(), self.op.utxos());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn valid_payments_conserve_value(ops in proptest::collection::vec(op_strategy(USERS), 1..60)) {
        let keys: Vec<SigningKey> = (0..USERS).map(|i| key(&format!("user{i}"))).collect();
        let mut sim = Sim::new(&keys);
        for op in ops {
            match op {
                Op::Deposit { user, amount } => {
                    if sim.fw.next_deposit >= 999 {
                        continue;
                    }
                    let event = sim.fw.deposit(sim.wallets[user].address(), wei(amount));
                    sim.op.apply_deposit(&event).unwrap();
                    sim.wallets[user].add_deposit(&event).unwrap();
                    sim.watcher.on_deposit(&event).unwrap();
                    sim.deposited += wei(amount);
                }
                Op::Pay { from, to, amount, fee } => {
                    let to = sim.wallets[to].address();
                    match sim.wallets[from].pay(to, wei(amount), wei(fee)) {
                        Ok(tx) => {
                            sim.op.submit_tx(tx.clone()).unwrap();
                            sim.in_flight.push((tx, from));
                        }
                        Err(MvpError::InsufficientFunds { .. }) => {}
                        Err(other) => panic!("unexpected {other}"),
                    }
                }
                Op::Block => sim.block(),
            }
            sim.check();
        }
        sim.block();
        sim.check();
        prop_assert!(sim.in_flight.is_empty());
    }
}
