//! Client-level property (issue #16, docs/security.md "The users' software"): one MVP history,
//! its facts delivered to a fresh [`Watcher`] in many orders, leads to the same decisions.
//!
//! A history (its shape drawn by proptest: honest payments, a fault among an invalid signature, a
//! double spend in one block, a withheld block and a spend committed after its output's exit, the
//! exit of a spent output, a self-transfer drain with exits children- or parents-first) is split
//! into root-chain events (deposits, `BlockSubmitted`, `ExitStarted`, `ExitChallenged`), which the
//! client reads in chain order but in batches at random "looks", and off-chain facts (block data
//! from the operator, confirmations handed over by payers), which arrive at any time after they
//! exist and before the deadline of the decision they enable: block data before the client gives
//! up on it and judges the block withheld, confirmations before the last root-chain event.
//!
//! Compared between every interleaving and the in-order delivery: the exits defeated (the
//! challenges decided, by `Challenge::utxo_pos`, each exactly once, plus the parent exits the
//! client saw `startExit` close on the spot, see [`Decisions`]), the outputs to exit (union of
//! `exit_now` at every look), and every block's verdict.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Framework, domain, key, wei};
use plasma_core::{
    BlockSubmittedEvent, ChildChain, DepositEvent, Signature,
    alloy_primitives::{Address, B256, Bytes, U256},
};
use plasma_mvp::{
    BlockStatus, ObservedExit, Operator, Output, SignedTx, Transaction, UtxoPos, Wallet, Watcher, tx::TransactionExt,
};
use plasma_testkit::interleave::{self, Interleaving};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Facts and their delivery windows.

/// A root-chain event, read by every client in chain order.
#[derive(Clone, Debug)]
enum ChainEvent {
    Deposit(DepositEvent),
    Submitted(BlockSubmittedEvent),
    ExitStarted(Box<ObservedExit>),
    ExitClosed(UtxoPos),
}

/// An off-chain fact.
#[derive(Clone, Debug)]
enum OffFact {
    /// The operator publishes block `blknum`'s data.
    BlockData(u64, Vec<SignedTx>),
    /// A payer hands its confirmation of a transaction to the payee.
    Confirmation(B256, Signature),
}

/// One history: its root-chain events and off-chain facts.
type History = interleave::History<ChainEvent, OffFact>;

// ---------------------------------------------------------------------------------------------
// The client and what it decides.

/// Everything one run decided.
///
/// `defeated` is the challenges decided plus the exits the client saw `startExit` challenge on
/// the spot: the history is fixed, so a client that reads a parent's exit late may find a child's
/// exit already closed it (the contract did, since nobody had challenged it before), where a
/// prompt client challenges it first. Either way the exit is stopped; what must not vary is which
/// exits are.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Decisions {
    defeated: BTreeSet<UtxoPos>,
    exits: BTreeSet<UtxoPos>,
    verdicts: BTreeMap<u64, BlockStatus>,
}

struct Client<'h> {
    got: interleave::Received<'h, ChainEvent, OffFact, Vec<SignedTx>>,
    watcher: Watcher,
    challenged: Vec<UtxoPos>,
    closed_on_the_spot: BTreeSet<UtxoPos>,
    exits: BTreeSet<UtxoPos>,
    verdicts: BTreeMap<u64, BlockStatus>,
}

impl<'h> Client<'h> {
    fn new(h: &'h History, users: &[Address]) -> Self {
        Self {
            got: interleave::Received::new(h),
            watcher: Watcher::new(domain(), users.iter().copied()),
            challenged: Vec::new(),
            closed_on_the_spot: BTreeSet::new(),
            exits: BTreeSet::new(),
            verdicts: BTreeMap::new(),
        }
    }
}

impl interleave::Driven for Client<'_> {
    type Decisions = Decisions;

    fn chain(&mut self, i: usize) {
        match &self.got.h.chain[i] {
            ChainEvent::Deposit(e) => {
                self.watcher.on_deposit(e).unwrap();
            }
            ChainEvent::Submitted(e) => self.watcher.on_block_submitted(e).unwrap(),
            ChainEvent::ExitStarted(exit) => {
                let before: BTreeSet<UtxoPos> = self.watcher.open_exits().keys().copied().collect();
                let found = self.watcher.on_exit_started(exit);
                self.challenged.extend(found.iter().map(|c| c.utxo_pos));
                // Parent exits `startExit` challenged on the spot, as the watcher mirrors it.
                let open = self.watcher.open_exits();
                self.closed_on_the_spot.extend(before.into_iter().filter(|p| !open.contains_key(p)));
            }
            ChainEvent::ExitClosed(pos) => self.watcher.on_exit_closed(*pos),
        }
        self.got.cursor = i + 1;
    }

    fn off(&mut self, j: usize) {
        match &self.got.h.off[j].fact {
            OffFact::BlockData(blknum, txs) => {
                self.got.data.insert(*blknum, txs.clone());
            }
            OffFact::Confirmation(hash, sig) => {
                let found = self.watcher.learn_confirmation(*hash, *sig);
                self.challenged.extend(found.iter().map(|c| c.utxo_pos));
            }
        }
    }

    /// Checks every block it can, in order: with its data, or as withheld once the client gives
    /// up waiting; then notes the outputs to exit.
    fn look(&mut self) {
        while let Some(blknum) = self.watcher.next_unchecked() {
            let Some(txs) = self.got.block_data(blknum) else { break };
            let report = self.watcher.on_block_data(blknum, txs.map(Vec::as_slice)).unwrap();
            self.challenged.extend(report.challenges.iter().map(|c| c.utxo_pos));
            self.verdicts.insert(blknum, report.status);
        }
        self.exits.extend(self.watcher.exit_now());
    }

    fn decisions(self) -> Decisions {
        assert_eq!(self.watcher.next_unchecked(), None, "every block judged by the end");
        let mut defeated: BTreeSet<UtxoPos> = self.challenged.iter().copied().collect();
        assert_eq!(defeated.len(), self.challenged.len(), "a challenge decided twice: {:?}", self.challenged);
        defeated.extend(self.closed_on_the_spot);
        Decisions { defeated, exits: self.exits, verdicts: self.verdicts }
    }
}

fn run(h: &History, users: &[Address], il: Option<&Interleaving>) -> Decisions {
    interleave::run(Client::new(h, users), h.schedule(il))
}

// ---------------------------------------------------------------------------------------------
// Building a history.

/// A history's shape; its own part: Dave's self-transfer drain, `Some(children_first)`.
type Shape = interleave::UtxoShape<Fault, Option<bool>>;

fn shape() -> impl Strategy<Value = Shape> {
    let fault = prop_oneof![
        Just(Fault::InvalidSignature),
        Just(Fault::DoubleSpend),
        Just(Fault::Withheld),
        Just(Fault::SpendAfterExit)
    ];
    interleave::utxo_shape(fault, prop::option::of(any::<bool>()))
}

/// The fault the operator commits (at most one per history).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// A spend of a user's output signed by someone else.
    InvalidSignature,
    /// Two spends of one output in one block (the owner colludes).
    DoubleSpend,
    /// A block whose data is never published.
    Withheld,
    /// A user's signed spend included after her exit of the output started.
    SpendAfterExit,
}

const USERS: [&str; 3] = ["alice", "bob", "carol"];

/// The users the client watches for.
fn users() -> Vec<Address> {
    USERS.iter().map(|name| key(name).address()).collect()
}

struct Builder {
    fw: Framework,
    op: Operator,
    wallets: Vec<Wallet>,
    h: History,
    patience: usize,
}

impl Builder {
    fn new(patience: usize) -> Self {
        let wallets = ["alice", "bob", "carol", "dave", "dave2", "dave3"]
            .iter()
            .map(|name| Wallet::new(key(name), domain()))
            .collect();
        Self { fw: Framework::default(), op: Operator::new(domain()), wallets, h: History::default(), patience }
    }

    fn addr(&self, i: usize) -> Address {
        self.wallets[i].address()
    }

    fn deposit(&mut self, i: usize, amount: u64) -> UtxoPos {
        let event = self.fw.deposit(self.addr(i), wei(amount));
        let pos = self.op.apply_deposit(&event).unwrap();
        self.wallets[i].add_deposit(&event).unwrap();
        self.h.chain.push(ChainEvent::Deposit(event));
        pos
    }

    /// Seals the pending block (`withhold`: its data is never published); returns its number.
    fn seal(&mut self, withhold: bool) -> u64 {
        if withhold {
            self.op.withhold(self.fw.next_child);
        }
        let block = self.op.build_block().unwrap();
        let event = self.fw.submit(block.root());
        self.op.on_block_submitted(&event).unwrap();
        let at = self.h.chain.len();
        self.h.chain.push(ChainEvent::Submitted(event));
        self.h.give_up.insert(event.blknum, at + 1 + self.patience);
        if !withhold {
            self.h.fact_until_give_up(OffFact::BlockData(event.blknum, block.txs().to_vec()), at, event.blknum);
        }
        event.blknum
    }

    /// The payer confirms `tx` (included) and hands the confirmation over; the payees record it.
    fn settle(&mut self, from: usize, to: usize, tx: &SignedTx) {
        let inclusion = self.op.inclusion(tx.tx_hash(&domain())).unwrap();
        let confirmations = self.wallets[from].confirm(tx, inclusion.root).unwrap();
        self.wallets[to].receive(tx, &inclusion, confirmations).unwrap();
        if from != to && tx.tx.output(1).is_some_and(|o| o.owner == self.addr(from)) {
            self.wallets[from].receive(tx, &inclusion, confirmations).unwrap();
        }
        let lo = self.h.chain.len();
        for sig in confirmations.into_iter().flatten() {
            self.h.fact_open_ended(OffFact::Confirmation(tx.tx_hash(&domain()), sig), lo);
        }
    }

    /// An honest payment in a block of its own; settled (confirmed) unless the chain went bad.
    fn pay(&mut self, from: usize, to: usize, amount: u64, settle: bool) {
        let to_addr = self.addr(to);
        let Ok(tx) = self.wallets[from].pay(to_addr, wei(amount), U256::ZERO) else { return };
        if self.op.submit_tx(tx.clone()).is_err() {
            // The wallet still holds an output it paid after the fault (it never confirmed).
            self.wallets[from].cancel(&tx);
            return;
        }
        self.seal(false);
        if settle {
            self.settle(from, to, &tx);
        } else {
            self.wallets[from].cancel(&tx);
        }
    }

    fn exit_of(&self, i: usize, pos: UtxoPos) -> ObservedExit {
        let exit = self.wallets[i].exit_args(pos).unwrap();
        ObservedExit {
            utxo_pos: pos,
            owner: self.addr(i),
            amount: exit.amount(),
            exitable_at: 0,
            tx: exit.tx,
            confirm_sigs: exit.confirm_sigs,
        }
    }

    fn deposit_exit(&self, i: usize, pos: UtxoPos, amount: u64) -> ObservedExit {
        ObservedExit {
            utxo_pos: pos,
            owner: self.addr(i),
            amount: wei(amount),
            exitable_at: 0,
            tx: Transaction::default(),
            confirm_sigs: Bytes::new(),
        }
    }

    fn fault(&mut self, fault: Fault) {
        let (alice, bob, carol) = (0, 1, 2);
        match fault {
            Fault::InvalidSignature => {
                let victim = self.deposit(bob, 30);
                let mallory = key("mallory");
                let theft = Transaction::payment(victim, None, Output::new(mallory.address(), wei(30)), None);
                self.op.include_unchecked(SignedTx::sign(theft, &domain(), [Some(&mallory), None])).unwrap();
                self.seal(false);
            }
            Fault::DoubleSpend => {
                let pos = self.deposit(alice, 40);
                for to in [bob, carol] {
                    let tx = Transaction::payment(pos, None, Output::new(self.addr(to), wei(40)), None);
                    let signed = self.wallets[alice].sign(tx).unwrap();
                    self.op.include_unchecked(signed).unwrap();
                }
                self.seal(false);
            }
            Fault::Withheld => {
                self.deposit(carol, 25);
                let to_addr = self.addr(bob);
                let tx = self.wallets[carol].pay(to_addr, wei(25), U256::ZERO).unwrap();
                self.op.submit_tx(tx.clone()).unwrap();
                self.seal(true);
                self.wallets[carol].cancel(&tx);
            }
            Fault::SpendAfterExit => {
                let pos = self.deposit(carol, 35);
                let exit = self.deposit_exit(carol, pos, 35);
                self.h.chain.push(ChainEvent::ExitStarted(Box::new(exit)));
                let tx = Transaction::payment(pos, None, Output::new(self.addr(bob), wei(35)), None);
                let signed = self.wallets[carol].sign(tx).unwrap();
                self.op.include_unchecked(signed).unwrap();
                self.seal(false);
            }
        }
    }

    /// Alice pays Bob her whole second deposit, confirms, then exits the deposit.
    fn spent_exit(&mut self) -> UtxoPos {
        let pos = self.deposit(0, 50);
        let tx = Transaction::payment(pos, None, Output::new(self.addr(1), wei(50)), None);
        let signed = self.wallets[0].sign(tx).unwrap();
        self.op.submit_tx(signed.clone()).unwrap();
        self.seal(false);
        self.settle(0, 1, &signed);
        let exit = self.deposit_exit(0, pos, 50);
        self.h.chain.push(ChainEvent::ExitStarted(Box::new(exit)));
        pos
    }

    /// Dave → dave2 → dave3, confirmations handed to nobody, then exits of all three outputs,
    /// children first or parents first (protocols.md 1.3).
    fn drain(&mut self, children_first: bool) {
        let (dave, dave2, dave3) = (3, 4, 5);
        let d = self.deposit(dave, 70);
        let mut exits = vec![self.deposit_exit(dave, d, 70)];
        for (from, to) in [(dave, dave2), (dave2, dave3)] {
            let to_addr = self.addr(to);
            let tx = self.wallets[from].pay(to_addr, wei(70), U256::ZERO).unwrap();
            self.op.submit_tx(tx.clone()).unwrap();
            let blknum = self.seal(false);
            let inclusion = self.op.inclusion(tx.tx_hash(&domain())).unwrap();
            let confirmations = self.wallets[from].confirm(&tx, inclusion.root).unwrap();
            self.wallets[to].receive(&tx, &inclusion, confirmations).unwrap();
            exits.push(self.exit_of(to, UtxoPos::new(blknum, 0, 0).unwrap()));
        }
        if children_first {
            exits.reverse();
        }
        self.h.chain.extend(exits.into_iter().map(|e| ChainEvent::ExitStarted(Box::new(e))));
    }

    fn finish(mut self, closing: Option<UtxoPos>) -> History {
        // A last root-chain event: the spent output's exit is challenged (by whoever was first),
        // or an empty block. Every off-chain fact arrives before it.
        match closing {
            Some(pos) => self.h.chain.push(ChainEvent::ExitClosed(pos)),
            None => {
                self.seal(false);
            }
        }
        self.h.close();
        self.h
    }
}

fn history(shape: &Shape) -> History {
    let mut b = Builder::new(shape.patience);
    for user in 0..USERS.len() {
        b.deposit(user, 100);
    }
    let mut bad = false;
    for (i, &(from, to, amount)) in shape.payments.iter().enumerate() {
        if let Some((fault, at)) = shape.fault
            && at == i
        {
            b.fault(fault);
            bad = true;
        }
        if from != to {
            b.pay(from, to, amount, !bad);
        }
    }
    if let Some((fault, at)) = shape.fault
        && at >= shape.payments.len()
    {
        b.fault(fault);
    }
    let closing = shape.spent_exit.then(|| b.spent_exit());
    if let Some(children_first) = shape.own {
        b.drain(children_first);
    }
    b.finish(closing)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every interleaving of one history's facts leads to the decisions of the in-order delivery.
    #[test]
    fn decisions_do_not_depend_on_the_order_facts_arrive_in((shape, orders) in interleave::with_orders(shape())) {
        let (h, users) = (history(&shape), users());
        let expected = run(&h, &users, None);
        // The history does exercise the client: the faults are found and acted on.
        if shape.spent_exit {
            prop_assert!(!expected.defeated.is_empty(), "{expected:?}");
        }
        if shape.fault.is_some() {
            prop_assert!(!expected.exits.is_empty(), "{expected:?}");
        }
        interleave::check_orders(&expected, &orders, |il| run(&h, &users, Some(il)))?;
    }
}
