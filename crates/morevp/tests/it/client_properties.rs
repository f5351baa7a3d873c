//! Client-level property (issue #16, docs/security.md "The users' software"): one MoreVP history,
//! its facts delivered to a fresh [`Watcher`] (Bob's) in many orders, leads to the same decisions.
//!
//! A history (its shape drawn by proptest: honest payments, a fault among a withheld block holding
//! a payment to Bob, a theft with a forged signature and a signed double spend in a later block,
//! the standard exit of a spent output, an in-flight exit of an included payment to Bob met by a
//! false canonicity challenge, which a later responder answers, and the in-flight exit of the
//! withheld payment) is split into root-chain events (deposits, `BlockSubmitted`, every exit-game
//! event with its root-chain time), which the client reads in chain order but in batches at random
//! "looks", and off-chain facts (block data from the operator, payments handed over to Bob by their
//! payers), which arrive at any time after they exist and before the deadline of the decision they
//! enable: block data before the client gives up on it and judges the block withheld, a handover
//! before that of its block (exit mode decides what to exit then), the data an answer needs before
//! the answer event of someone else. Bob's own payments reach his watcher as he signs them.
//!
//! Compared between every interleaving and the in-order delivery: the set of decided actions by
//! [`Action::key`] (each returned exactly once), the findings, and every block's verdict.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::{PERIOD, domain, key, wei};
use plasma_core::{
    BlockSubmittedEvent, ChildChain, DepositEvent,
    alloy_primitives::{Address, U256},
};
use plasma_morevp::{
    ActionKey, BlockStatus, DepositExit, GameEvent, Operator, Output, PaymentTx, SignedTx, UtxoPos, Wallet, Watcher,
    in_flight_exit_id, tx::PaymentTxExt,
};
use plasma_testkit::interleave::{self, Interleaving, Timed};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Facts and their delivery windows.

/// A root-chain event, read by every client in chain order.
#[derive(Clone, Debug)]
enum ChainEvent {
    Deposit(DepositEvent),
    Submitted(BlockSubmittedEvent),
    Game(Box<GameEvent>, u64),
}

/// An off-chain fact.
#[derive(Clone, Debug)]
enum OffFact {
    /// The operator publishes block `blknum`'s data.
    BlockData(u64, Vec<SignedTx>),
    /// A payer hands a payment (in flight) to Bob.
    Handover(Box<SignedTx>),
}

/// One history: its root-chain events and off-chain facts.
type History = interleave::History<ChainEvent, OffFact>;

// ---------------------------------------------------------------------------------------------
// The client and what it decides.

/// Everything one run decided.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Decisions {
    actions: BTreeSet<ActionKey>,
    findings: BTreeSet<String>,
    verdicts: BTreeMap<u64, BlockStatus>,
}

struct Client<'h> {
    got: interleave::Received<'h, ChainEvent, OffFact, Vec<SignedTx>>,
    watcher: Watcher,
    actions: Vec<ActionKey>,
    findings: BTreeSet<String>,
    verdicts: BTreeMap<u64, BlockStatus>,
}

impl<'h> Client<'h> {
    fn new(h: &'h History, user: Address) -> Self {
        Self {
            got: interleave::Received::new(h),
            watcher: Watcher::new(domain(), PERIOD, [user]),
            actions: Vec::new(),
            findings: BTreeSet::new(),
            verdicts: BTreeMap::new(),
        }
    }

    fn note(&mut self, report: plasma_morevp::Report) {
        self.actions.extend(report.actions.iter().map(|a| a.key(&domain())));
        self.findings.extend(report.findings.iter().map(|f| format!("{f:?}")));
    }

    /// Checks every block it can, in order, as soon as its data is there; at a look, also judges
    /// withheld the blocks whose data is overdue.
    fn check(&mut self, look: bool) {
        while let Some(blknum) = self.watcher.next_unchecked() {
            let txs = match self.got.block_data(blknum) {
                Some(Some(txs)) => Some(txs.as_slice()),
                Some(None) if look => None,
                _ => break,
            };
            let report = self.watcher.on_block_data(blknum, txs).unwrap();
            self.verdicts.insert(blknum, report.status.unwrap());
            self.note(report);
        }
    }
}

impl interleave::Driven for Client<'_> {
    type Decisions = Decisions;

    fn chain(&mut self, i: usize) {
        match &self.got.h.chain[i] {
            ChainEvent::Deposit(e) => {
                let report = self.watcher.on_deposit(e).unwrap();
                self.note(report);
            }
            ChainEvent::Submitted(e) => self.watcher.on_block_submitted(e).unwrap(),
            ChainEvent::Game(event, at) => {
                let report = self.watcher.on_event(event, *at).unwrap();
                self.note(report);
            }
        }
        self.got.cursor = i + 1;
        self.check(false);
    }

    fn off(&mut self, j: usize) {
        match &self.got.h.off[j].fact {
            OffFact::BlockData(blknum, txs) => {
                self.got.data.insert(*blknum, txs.clone());
            }
            OffFact::Handover(tx) => {
                let report = self.watcher.watch_tx(tx);
                self.note(report);
            }
        }
        self.check(false);
    }

    fn look(&mut self) {
        self.check(true);
    }

    fn decisions(self) -> Decisions {
        assert_eq!(self.watcher.next_unchecked(), None, "every block judged by the end");
        let actions: BTreeSet<ActionKey> = self.actions.iter().copied().collect();
        assert_eq!(actions.len(), self.actions.len(), "an action decided twice: {:?}", self.actions);
        Decisions { actions, findings: self.findings, verdicts: self.verdicts }
    }
}

fn run(h: &History, user: Address, il: Option<&Interleaving>) -> Decisions {
    interleave::run(Client::new(h, user), h.schedule(il))
}

// ---------------------------------------------------------------------------------------------
// Building a history.

/// A history's shape; its own part: Alice pays Bob, Bob exits the payment in flight and Mallory
/// challenges its canonicity falsely; `Some(true)`: someone else answers at the end.
type Shape = interleave::UtxoShape<Fault, Option<bool>>;

fn shape() -> impl Strategy<Value = Shape> {
    let fault = prop_oneof![Just(Fault::Withheld), Just(Fault::Theft), Just(Fault::DoubleSpend)];
    interleave::utxo_shape(fault, prop::option::of(any::<bool>()))
}

/// The fault the operator commits (at most one per history).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Carol's payment to Bob goes into a block whose data is never published; Carol exits it in
    /// flight.
    Withheld,
    /// A spend of Carol's output signed by someone else.
    Theft,
    /// Alice's signed second spend of an output she spent in an earlier block.
    DoubleSpend,
}

const ALICE: usize = 0;
const BOB: usize = 1;
const CAROL: usize = 2;

struct Builder {
    op: Operator,
    wallets: Vec<Wallet>,
    h: History,
    next_child: u64,
    next_deposit: u64,
    now: u64,
    patience: usize,
}

impl Builder {
    fn new(patience: usize) -> Self {
        Self {
            op: Operator::new(domain()),
            wallets: ["alice", "bob", "carol"].iter().map(|n| Wallet::new(key(n), domain())).collect(),
            h: History::default(),
            next_child: 1000,
            next_deposit: 1,
            now: 1_700_000_000,
            patience,
        }
    }

    fn addr(&self, i: usize) -> Address {
        self.wallets[i].address()
    }

    fn deposit(&mut self, i: usize, amount: u64) -> UtxoPos {
        let event = DepositEvent {
            depositor: self.addr(i),
            blknum: self.next_child - 1000 + self.next_deposit,
            amount: wei(amount),
        };
        self.next_deposit += 1;
        let pos = self.op.apply_deposit(&event).unwrap();
        self.wallets[i].add_deposit(&event).unwrap();
        self.h.chain.push(ChainEvent::Deposit(event));
        pos
    }

    fn game(&mut self, event: GameEvent) {
        self.now += 15;
        self.h.chain.push(ChainEvent::Game(Box::new(event), self.now));
    }

    /// Seals the pending block (`withhold`: its data is never published); returns its number.
    fn seal(&mut self, withhold: bool) -> u64 {
        let blknum = self.next_child;
        if withhold {
            self.op.withhold(blknum);
        }
        let block = self.op.build_block().unwrap();
        self.now += 15;
        let event = BlockSubmittedEvent { blknum, root: block.root(), timestamp: self.now };
        self.next_child += 1000;
        self.next_deposit = 1;
        self.op.on_block_submitted(&event).unwrap();
        let at = self.h.chain.len();
        self.h.chain.push(ChainEvent::Submitted(event));
        self.h.give_up.insert(blknum, at + 1 + self.patience);
        if !withhold {
            self.h.fact_until_give_up(OffFact::BlockData(blknum, block.txs().to_vec()), at, blknum);
        }
        blknum
    }

    /// `tx`, signed by `from` to `to`, reaches Bob's watcher: at once when Bob signed it, as a
    /// handover (due by the give-up of `blknum`, the block it goes into) when it pays Bob. The
    /// payee's wallet takes it in flight when the payer's wallet made it.
    fn hand_over(&mut self, from: usize, to: usize, tx: &SignedTx, blknum: u64) {
        if from == BOB || to == BOB {
            let (fact, at) = (OffFact::Handover(Box::new(tx.clone())), self.h.chain.len());
            if from == BOB {
                self.h.off.push(Timed { fact, lo: at, hi: at });
            } else {
                self.h.fact_until_give_up(fact, at, blknum);
            }
        }
        if to != from
            && let Ok((signed, proofs)) = self.wallets[from].handoff(tx.tx_hash(&domain()))
        {
            self.wallets[to].receive_in_flight(signed, proofs).unwrap();
        }
    }

    fn settle(&mut self, tx: &SignedTx) {
        let inclusion = self.op.inclusion(tx.tx_hash(&domain())).unwrap();
        for wallet in &mut self.wallets {
            let _ = wallet.on_included(tx, &inclusion);
        }
    }

    /// A payment in a block of its own (`withhold`: its data never published); settled unless
    /// withheld. Returns it, if the payer could pay.
    fn pay(&mut self, from: usize, to: usize, amount: u64, withhold: bool) -> Option<SignedTx> {
        let to_addr = self.addr(to);
        let tx = self.wallets[from].pay(to_addr, wei(amount), U256::ZERO).ok()?;
        if self.op.submit_tx(tx.clone()).is_err() {
            self.wallets[from].cancel(&tx);
            return None;
        }
        self.hand_over(from, to, &tx, self.next_child);
        self.seal(withhold);
        if !withhold {
            self.settle(&tx);
        }
        Some(tx)
    }

    fn fault(&mut self, fault: Fault) {
        match fault {
            Fault::Withheld => {
                self.deposit(CAROL, 25);
                let tx = self.pay(CAROL, BOB, 25, true).unwrap();
                // Carol exits it in flight once her block's data is overdue.
                let hash = tx.tx_hash(&domain());
                let starter = self.addr(CAROL);
                let due = self.h.give_up[&(self.next_child - 1000)];
                while self.h.chain.len() < due {
                    self.seal(false);
                }
                self.game(GameEvent::InFlightExitStarted {
                    tx_hash: hash,
                    starter,
                    tx: Box::new(tx),
                    exit_id: in_flight_exit_id(hash),
                });
            }
            Fault::Theft => {
                let victim = self.deposit(CAROL, 30);
                let mallory = key("mallory");
                let theft = PaymentTx::payment(&[victim], &[Output::new(mallory.address(), wei(30))]).unwrap();
                self.op.include_unchecked(SignedTx::sign(theft, &domain(), &[&mallory])).unwrap();
                self.seal(false);
            }
            Fault::DoubleSpend => {
                let d = self.deposit(ALICE, 40);
                let first = PaymentTx::payment(&[d], &[Output::new(self.addr(CAROL), wei(40))]).unwrap();
                let first = self.wallets[ALICE].sign(first).unwrap();
                self.op.submit_tx(first.clone()).unwrap();
                self.seal(false);
                self.settle(&first);
                let to = Output::new(self.addr(BOB), wei(40));
                self.op.include_double_spend(d, to, &key("alice")).unwrap();
                self.seal(false);
            }
        }
    }

    /// Alice pays Bob her whole new deposit, then exits the deposit.
    fn spent_exit(&mut self) {
        let d = self.deposit(ALICE, 50);
        let tx = PaymentTx::payment(&[d], &[Output::new(self.addr(BOB), wei(50))]).unwrap();
        let tx = self.wallets[ALICE].sign(tx).unwrap();
        self.op.submit_tx(tx.clone()).unwrap();
        self.hand_over(ALICE, BOB, &tx, self.next_child);
        self.seal(false);
        self.settle(&tx);
        let exit = DepositExit { blknum: d.blknum(), owner: self.addr(ALICE), amount: wei(50) };
        self.game(GameEvent::StandardExitStarted {
            utxo_pos: d,
            owner: exit.owner,
            amount: exit.amount,
            output_id: exit.output_id(),
            exitable_at: self.now + PERIOD,
        });
    }

    /// Alice pays Bob (included); Bob exits it in flight; Mallory challenges its canonicity with a
    /// competitor nobody has seen, at a later position. Returns the event of a later responder.
    fn false_challenge(&mut self) -> GameEvent {
        let d = self.deposit(ALICE, 45);
        let tx = PaymentTx::payment(&[d], &[Output::new(self.addr(BOB), wei(45))]).unwrap();
        let tx = self.wallets[ALICE].sign(tx).unwrap();
        self.op.submit_tx(tx.clone()).unwrap();
        self.hand_over(ALICE, BOB, &tx, self.next_child);
        let blknum = self.seal(false);
        self.settle(&tx);
        let hash = tx.tx_hash(&domain());
        let bob = self.addr(BOB);
        self.game(GameEvent::InFlightExitStarted {
            tx_hash: hash,
            starter: bob,
            tx: Box::new(tx),
            exit_id: in_flight_exit_id(hash),
        });
        let competitor = UtxoPos::tx(blknum + 5000, 3).unwrap();
        self.game(GameEvent::InFlightExitChallenged {
            tx_hash: hash,
            challenger: key("mallory").address(),
            competitor_position: competitor.encode(),
        });
        GameEvent::InFlightExitChallengeResponded {
            tx_hash: hash,
            responder: self.addr(CAROL),
            tx_pos: UtxoPos::tx(blknum, 0).unwrap().encode(),
        }
    }

    fn finish(mut self, closing: Option<GameEvent>) -> History {
        // A last root-chain event: someone else's answer, or an empty block. Every off-chain fact
        // arrives before it.
        match closing {
            Some(event) => self.game(event),
            None => {
                self.seal(false);
            }
        }
        self.h.close();
        self.h
    }
}

fn history(shape: &Shape) -> (History, Address) {
    let mut b = Builder::new(shape.patience);
    for user in [ALICE, BOB, CAROL] {
        b.deposit(user, 100);
    }
    let fault_at = shape.fault.map(|(f, at)| (f, at.min(shape.payments.len())));
    let mut bad = false;
    for (i, &(from, to, amount)) in shape.payments.iter().enumerate() {
        if let Some((fault, at)) = fault_at
            && at == i
        {
            b.fault(fault);
            bad = true;
        }
        // Bob signs nothing once the chain went bad: his wallet may not have heard yet, but a
        // payment he signs after a prompt client asked him to exit his outputs would undo that
        // decision (a later fact of his own making), not test the client.
        if from != to && !(bad && from == BOB) {
            b.pay(from, to, amount, false);
        }
    }
    if let Some((fault, at)) = fault_at
        && at == shape.payments.len()
    {
        b.fault(fault);
    }
    if shape.spent_exit {
        b.spent_exit();
    }
    let closing = shape.own.and_then(|answered| {
        let answer = b.false_challenge();
        answered.then_some(answer)
    });
    let bob = b.addr(BOB);
    (b.finish(closing), bob)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every interleaving of one history's facts leads to the decisions of the in-order delivery.
    #[test]
    fn decisions_do_not_depend_on_the_order_facts_arrive_in((shape, orders) in interleave::with_orders(shape())) {
        let (h, bob) = history(&shape);
        let expected = run(&h, bob, None);
        // The history does exercise the client: the faults are found and acted on.
        let has = |f: fn(&ActionKey) -> bool| expected.actions.iter().any(f);
        if shape.spent_exit {
            prop_assert!(has(|k| matches!(k, ActionKey::ChallengeExit(_))), "{expected:?}");
        }
        if shape.own.is_some() {
            prop_assert!(has(|k| matches!(k, ActionKey::Respond(..))), "{expected:?}");
        }
        if shape.fault.is_some() {
            prop_assert!(has(|k| matches!(k, ActionKey::StartExit(_))), "{expected:?}");
        }
        interleave::check_orders(&expected, &orders, |il| run(&h, bob, Some(il)))?;
    }
}
