//! Client-level property (issue #16, docs/security.md "The users' software"): one Plasma Cash
//! history, its facts delivered to fresh clients (a [`Wallet`] and a [`Watcher`] per honest user:
//! Alice, Bob, Carol, Dave) in many orders, leads to the same decisions.
//!
//! A history (its shape drawn by proptest: which parts, in which order, with empty blocks between)
//! is built with the crate's own operator and wallets, no root chain. Its parts: Mallory's exit of
//! the deposit she paid to Bob, started after the payment's block (whose data and handover are
//! published only after `ExitStarted`) or before the block is even committed; Mallory's double
//! spend of the coin she paid Carol, exited by Eve; a forged spend of Alice's coin, exited by Eve
//! and challenged by Alice (unanswerable), optionally with Mallory's false lower challenge at her
//! deposit, which Alice answers on the thief's exit (C-2); an honest exit of Dave's falsely
//! challenged by Mallory and answered (Dave and Bob, who owned the coin, both can); and last, the
//! rearrangement attack, where the operator's answer to Alice's challenge
//! (`HistoryChallengeAnswered`) reveals Alice's payment to Bob hidden in a withheld block and Bob
//! challenges with it.
//!
//! Root-chain events (deposits, `BlockSubmitted`, `ExitStarted`, `HistoryChallenged`,
//! `HistoryChallengeAnswered`, `ExitChallenged`) are read in chain order but in batches, at random
//! "looks"; off-chain facts (each coin's entry in each published block, the histories payers hand
//! over, a payment announced before its inclusion) arrive at any time after they exist and before
//! the deadline of the decision they enable: the root-chain event the decision leads to (the
//! client's own challenge or answer, the exit's cancellation), and, for a handover, the first
//! withheld block (a recipient verifies a history against every block it knows). Every such
//! deadline is a forced look. All the game's time limits (`startedAt + 3R`, a challenge's `R`) lie
//! after the events that show the decision, so reading late never makes a decision too late.
//!
//! At every look a client does what a real client loop does: learns the new roots, syncs its
//! coins from the entries it has and takes the handovers it can verify, then feeds the new game
//! events to [`Watcher::on_exit_started`], [`Watcher::on_history_challenged`],
//! [`Watcher::on_history_answered`] and [`Watcher::on_exit_ended`] in order, then
//! [`Watcher::recheck`]s. Compared between every interleaving and the in-order delivery: the
//! decided actions, keyed by user, coin, kind and block, each decided once.

use std::collections::BTreeMap;

use crate::common::{Framework, P, domain, game, key, wei};
use plasma_cash::{
    Action, CashHistory, CashTx, Entry, Included, ObservedAnswer, ObservedChallenge, ObservedExit, Operator,
    SignedCashTx, Wallet, Watcher,
    game::{IncludedExt, exit_id},
    tx::CashTxExt,
};
use plasma_core::{BlockSubmittedEvent, ChildChain, DepositEvent, alloy_primitives::Address};
use plasma_testkit::cast::{ALICE, BOB, CAROL, DAVE, EVE, HONEST, MALLORY, NAMES, address};
use plasma_testkit::interleave::{self, Interleaving, SlotStep as Step, Window};
use proptest::prelude::*;

/// `R = P / 4`: how long a history challenge can be answered.
const R: u64 = P / 4;

// ---------------------------------------------------------------------------------------------
// Facts and their delivery windows.

/// A root-chain event, read by every client in chain order.
#[derive(Clone, Debug)]
enum ChainEvent {
    Deposit(DepositEvent),
    Submitted(BlockSubmittedEvent),
    ExitStarted(ObservedExit),
    Challenged(ObservedChallenge),
    Answered(Box<ObservedAnswer>),
    /// `ExitChallenged` (a spend or double-spend challenge cancelled it): coin, exit id.
    ExitEnded(u64, u128),
}

/// An off-chain fact.
#[derive(Clone, Debug)]
enum OffFact {
    /// The operator publishes the entry of `coin` in block `blknum`.
    Entry(u64, u64, Entry<SignedCashTx>),
    /// A payer hands user `to` the coin's history, its payment included.
    Handover(usize, CashHistory),
    /// A payer announces its payment to user `to` before inclusion, with its history.
    Expect(usize, SignedCashTx, CashHistory),
}

/// An off-chain fact about `coin` and when it may arrive: before the look at slot `s` (which
/// reads the root-chain events before `s`), for some `s` in `lo..=hi`.
#[derive(Clone, Debug)]
struct Timed {
    fact: OffFact,
    coin: u64,
    lo: usize,
    hi: usize,
}

#[derive(Clone, Debug, Default)]
struct History {
    /// Root-chain events with their block time.
    chain: Vec<(u64, ChainEvent)>,
    off: Vec<Timed>,
    /// Slots where every client must look (a decision's deadline).
    forced: Vec<usize>,
}

/// The steps of one run (`None`: the in-order run). A look at slot `s` reads the root-chain
/// events before `s`; a look is forced at every deadline.
fn schedule(h: &History, il: Option<&Interleaving>) -> Vec<Step> {
    let windows = h.off.iter().map(|t| Window { lo: t.lo, hi: t.hi });
    interleave::by_slot(interleave::schedule(h.chain.len(), windows, |p| h.forced.contains(&p), il))
}

// ---------------------------------------------------------------------------------------------
// The clients and what they decide.

/// One honest user's software.
struct Client {
    wallet: Wallet,
    watcher: Watcher,
    handovers: Vec<CashHistory>,
    expected: Vec<(SignedCashTx, CashHistory)>,
}

impl Client {
    fn new(user: usize) -> Self {
        Self {
            wallet: Wallet::new(key(NAMES[user]), domain()),
            watcher: Watcher::new(address(user), game()),
            handovers: Vec::new(),
            expected: Vec::new(),
        }
    }

    /// Takes in what it can: handovers it can verify (brought up to the blocks it knows with the
    /// operator's entries first), announced payments, then every owned coin's next entries.
    fn absorb(&mut self, entries: &BTreeMap<(u64, u64), Entry<SignedCashTx>>) {
        let wallet = &mut self.wallet;
        self.handovers.retain(|history| {
            let mut history = history.clone();
            while let Some((blknum, _)) = CashHistory::next_child_block(wallet.roots(), history.covered_through()) {
                let Some(entry) = entries.get(&(history.coin_id(), blknum)) else { break };
                if history.extend(&domain(), wallet.roots(), blknum, entry.clone()).is_err() {
                    // The operator serves an invalid entry of the coin: the history stops there.
                    return wallet.receive_before_invalid(history, blknum, entry.clone()).is_err();
                }
            }
            wallet.receive(history).is_err()
        });
        self.expected.retain(|(tx, history)| wallet.expect_payment(*tx, history.clone()).is_err());
        for coin in wallet.owned_coins() {
            while let Some(blknum) = wallet.next_block_for(coin) {
                let Some(entry) = entries.get(&(coin, blknum)) else { break };
                if wallet.extend(coin, blknum, entry.clone()).is_err() {
                    break;
                }
            }
        }
    }
}

/// The key an action is decided under: user, coin, kind and block.
fn action_key(user: usize, action: &Action) -> String {
    let (kind, blknum) = match action {
        Action::ChallengeSpent(_) => ("spent", 0),
        Action::ChallengeDoubleSpend(_) => ("double-spend", 0),
        Action::ChallengeHistory(c) => ("history", c.earlier.blknum),
        Action::RespondHistory(r) => ("respond", r.challenge_blk),
    };
    format!("{}/{}/{kind}@{blknum}", NAMES[user], action.coin_id())
}

struct Run<'h> {
    h: &'h History,
    clients: Vec<Client>,
    entries: BTreeMap<(u64, u64), Entry<SignedCashTx>>,
    cursor: usize,
    decided: BTreeMap<String, String>,
}

impl<'h> Run<'h> {
    fn new(h: &'h History) -> Self {
        Self {
            h,
            clients: (0..HONEST).map(Client::new).collect(),
            entries: BTreeMap::new(),
            cursor: 0,
            decided: BTreeMap::new(),
        }
    }

    fn off(&mut self, j: usize) {
        match &self.h.off[j].fact {
            OffFact::Entry(coin, blknum, entry) => {
                self.entries.insert((*coin, *blknum), entry.clone());
            }
            OffFact::Handover(to, history) => self.clients[*to].handovers.push(history.clone()),
            OffFact::Expect(to, tx, history) => self.clients[*to].expected.push((*tx, history.clone())),
        }
    }

    fn record(&mut self, user: usize, actions: Vec<Action>) {
        for action in actions {
            let key = action_key(user, &action);
            let before = self.decided.insert(key.clone(), format!("{action:?}"));
            assert!(before.is_none(), "{key} decided twice");
        }
    }

    /// Reads the root-chain events before `slot`, at the chain's time then.
    fn look(&mut self, slot: usize) {
        let h = self.h;
        let Some((now, _)) = slot.checked_sub(1).map(|i| &h.chain[i]) else { return };
        let now = *now;
        let new = self.cursor..slot;
        for (_, event) in &h.chain[new.clone()] {
            for client in &mut self.clients {
                match event {
                    ChainEvent::Deposit(e) => {
                        client.wallet.on_deposit(e).unwrap();
                    }
                    ChainEvent::Submitted(e) => client.wallet.on_block_submitted(e).unwrap(),
                    _ => {}
                }
            }
        }
        for client in &mut self.clients {
            client.absorb(&self.entries);
        }
        for (_, event) in &h.chain[new] {
            for user in 0..HONEST {
                let Client { wallet, watcher, .. } = &mut self.clients[user];
                let actions = match event {
                    ChainEvent::ExitStarted(exit) => watcher.on_exit_started(wallet, exit, now),
                    ChainEvent::Challenged(challenge) => watcher.on_history_challenged(wallet, challenge, now),
                    ChainEvent::Answered(answer) => watcher.on_history_answered(wallet, answer, now),
                    ChainEvent::ExitEnded(coin, exit_id) => {
                        watcher.on_exit_ended(*coin, *exit_id);
                        Vec::new()
                    }
                    ChainEvent::Deposit(_) | ChainEvent::Submitted(_) => Vec::new(),
                };
                self.record(user, actions);
            }
        }
        for user in 0..HONEST {
            let Client { wallet, watcher, .. } = &mut self.clients[user];
            let actions = watcher.recheck(wallet, now);
            self.record(user, actions);
        }
        self.cursor = slot;
    }
}

fn run(h: &History, il: Option<&Interleaving>) -> BTreeMap<String, String> {
    let mut run = Run::new(h);
    for step in schedule(h, il) {
        match step {
            Step::Off(j) => run.off(j),
            Step::Look(slot) => run.look(slot),
        }
    }
    run.decided
}

// ---------------------------------------------------------------------------------------------
// Building a history.

struct Builder {
    fw: Framework,
    op: Operator,
    /// Every user's wallet as the history goes (cheaters' included), synced at every block.
    wallets: Vec<Wallet>,
    h: History,
    coins: Vec<u64>,
    time: u64,
    /// Per coin, the slots by which a decision about it is due.
    due: Vec<(u64, usize)>,
    /// Slots of withheld blocks' `BlockSubmitted`.
    withheld: Vec<usize>,
}

impl Builder {
    fn new() -> Self {
        Self {
            fw: Framework::default(),
            op: Operator::new(domain()),
            wallets: NAMES.iter().map(|name| Wallet::new(key(name), domain())).collect(),
            h: History::default(),
            coins: Vec::new(),
            time: 1_800_000_000,
            due: Vec::new(),
            withheld: Vec::new(),
        }
    }

    fn slot(&self) -> usize {
        self.h.chain.len()
    }

    /// The time of the next root-chain event.
    fn next_time(&self) -> u64 {
        self.time + 10
    }

    fn push(&mut self, event: ChainEvent) {
        self.time = self.next_time();
        self.h.chain.push((self.time, event));
    }

    fn off(&mut self, coin: u64, fact: OffFact) {
        let lo = self.slot();
        self.h.off.push(Timed { fact, coin, lo, hi: usize::MAX });
    }

    /// A decision about `coin` is due now: the next event shows it.
    fn due(&mut self, coin: u64) {
        self.due.push((coin, self.slot()));
    }

    fn deposit(&mut self, who: usize) -> u64 {
        let event = self.fw.deposit(address(who), wei(10));
        let coin = self.op.apply_deposit(&event).unwrap();
        for wallet in &mut self.wallets {
            wallet.on_deposit(&event).unwrap();
        }
        self.push(ChainEvent::Deposit(event));
        self.coins.push(coin);
        coin
    }

    /// Builds and submits the pending block; unless withheld, every coin's entry is published.
    fn seal(&mut self, withhold: bool) -> u64 {
        if withhold {
            self.op.withhold_next();
        }
        let block = self.op.build_block().unwrap();
        let event = self.fw.submit(block.root());
        self.op.on_block_submitted(&event).unwrap();
        if withhold {
            self.withheld.push(self.slot());
        }
        self.push(ChainEvent::Submitted(event));
        for wallet in &mut self.wallets {
            wallet.on_block_submitted(&event).unwrap();
            wallet.sync(&self.op).unwrap();
        }
        if !withhold {
            for coin in self.coins.clone() {
                self.off(coin, OffFact::Entry(coin, event.blknum, block.entry(coin)));
            }
        }
        event.blknum
    }

    fn gap(&mut self, blocks: u8) {
        for _ in 0..blocks {
            self.seal(false);
        }
    }

    /// `from` signs the payment of `coin` to `to`; the operator queues it. An honest payer holds
    /// the coin, current, when it signs: every fact about it that exists has arrived.
    fn pay(&mut self, from: usize, coin: u64, to: usize) {
        if from < HONEST {
            self.due(coin);
        }
        let tx = self.wallets[from].pay(coin, address(to)).unwrap();
        self.op.submit_tx(tx).unwrap();
    }

    /// After the payment's block: `from` hands its history over and `to` takes it.
    fn hand_over(&mut self, from: usize, coin: u64, to: usize) {
        let history = self.wallets[from].handover(coin).unwrap();
        self.wallets[to].receive(history.clone()).unwrap();
        if to < HONEST {
            self.off(coin, OffFact::Handover(to, history));
        }
    }

    fn transfer(&mut self, from: usize, coin: u64, to: usize) -> u64 {
        self.pay(from, coin, to);
        let blknum = self.seal(false);
        self.hand_over(from, coin, to);
        blknum
    }

    /// `tx` signed by `signer`, included by the operator without any check.
    fn forge(&mut self, tx: CashTx, signer: usize) {
        self.op.include_unchecked(tx.sign(&domain(), &key(NAMES[signer]))).unwrap();
    }

    /// The operator forges a spend of `coin` (last moved at `prev`) to Eve, then Eve's move to
    /// herself, in two blocks of their own (withheld or not); Eve exits. Returns the exit.
    fn eve_steals(&mut self, coin: u64, prev: u64, withhold: bool) -> ObservedExit {
        self.forge(CashTx::new(coin, prev, address(EVE)), EVE);
        let forged_at = self.seal(withhold);
        self.forge(CashTx::new(coin, forged_at, address(EVE)), EVE);
        let exit_at = self.seal(withhold);
        self.exit(coin, EVE, exit_at, forged_at, address(EVE))
    }

    fn exit(&mut self, coin: u64, owner: usize, exit_blk: u64, prev_blk: u64, prev_owner: Address) -> ObservedExit {
        let exit = ObservedExit {
            coin_id: coin,
            owner: address(owner),
            exit_id: exit_id(1, coin),
            exit_blk,
            prev_blk,
            prev_owner,
            amount: wei(10),
            exitable_at: self.next_time() + P,
        };
        self.push(ChainEvent::ExitStarted(exit));
        exit
    }

    fn challenge(&mut self, exit: &ObservedExit, blknum: u64, owner: usize, challenger: usize) {
        let challenge = ObservedChallenge {
            coin_id: exit.coin_id,
            exit_id: exit.exit_id,
            challenger: address(challenger),
            blknum,
            owner: address(owner),
            deadline: self.next_time() + R,
        };
        self.push(ChainEvent::Challenged(challenge));
    }

    /// The answer to the challenge at `challenge_blk` with the coin's transaction at `blknum`,
    /// from the operator's records (withheld blocks included).
    fn answer(&mut self, exit: &ObservedExit, challenge_blk: u64, responder: usize, blknum: u64) {
        let block = &self.op.block(blknum).unwrap().block;
        let tx = block.tx(exit.coin_id).unwrap();
        let answer = ObservedAnswer {
            coin_id: exit.coin_id,
            exit_id: exit.exit_id,
            responder: address(responder),
            challenge_blk,
            response: Included::new(tx.tx, blknum, &block.proof(exit.coin_id)),
            sig: tx.sig.to_bytes().to_vec().into(),
        };
        self.push(ChainEvent::Answered(Box::new(answer)));
    }

    /// Facts about `coin` that exist since `since` are published only now.
    fn publish_late(&mut self, coin: u64, since: usize) {
        let now = self.slot();
        for t in self.h.off.iter_mut().filter(|t| t.coin == coin && t.lo >= since) {
            t.lo = now;
        }
    }

    /// Every off-chain fact about a coin is due by the next decision about it (a handover also by
    /// the next withheld block); every such deadline is a forced look.
    fn finish(mut self) -> History {
        let n = self.slot();
        for t in &mut self.h.off {
            let due = self.due.iter().filter(|(c, s)| *c == t.coin && *s >= t.lo).map(|(_, s)| *s);
            let withheld = self.withheld.iter().copied().filter(|s| *s >= t.lo);
            t.hi = match t.fact {
                OffFact::Entry(..) => due.min(),
                OffFact::Handover(..) | OffFact::Expect(..) => due.chain(withheld).min(),
            }
            .unwrap_or(n);
        }
        self.h.forced = self.due.iter().map(|(_, s)| *s).chain(self.withheld.iter().copied()).collect();
        self.h
    }
}

/// Mallory pays her deposit to Bob and exits the deposit: before the payment's block is
/// committed (`exit_first`), or right after it, its data and the handover published only after
/// `ExitStarted`. Bob challenges the spent coin; the exit is cancelled.
fn spent_exit(b: &mut Builder, exit_first: bool) {
    let coin = b.deposit(MALLORY);
    b.pay(MALLORY, coin, BOB);
    let exit = if exit_first {
        let exit = b.exit(coin, MALLORY, coin, 0, Address::ZERO);
        b.seal(false);
        b.hand_over(MALLORY, coin, BOB);
        exit
    } else {
        let since = b.slot();
        b.seal(false);
        b.hand_over(MALLORY, coin, BOB);
        let exit = b.exit(coin, MALLORY, coin, 0, Address::ZERO);
        b.publish_late(coin, since);
        exit
    };
    b.due(coin);
    b.push(ChainEvent::ExitEnded(coin, exit.exit_id));
}

/// Mallory pays Carol, then signs a second spend of her deposit to Eve, which the operator
/// includes; Eve exits it. Carol challenges the double spend; the exit is cancelled.
fn double_spend(b: &mut Builder) {
    let coin = b.deposit(MALLORY);
    b.transfer(MALLORY, coin, CAROL);
    let second = b.wallets[MALLORY].sign(CashTx::new(coin, coin, address(EVE))).unwrap();
    b.op.include_unchecked(second).unwrap();
    let at = b.seal(false);
    let exit = b.exit(coin, EVE, at, coin, address(MALLORY));
    b.due(coin);
    b.push(ChainEvent::ExitEnded(coin, exit.exit_id));
}

/// Alice's coin (her deposit, or with `lower` Mallory's deposit paid to her) is spent to Eve by a
/// forgery in a published block; Eve moves it to herself and exits. Alice challenges the history
/// with her latest ownership (nobody can answer); with `lower`, Mallory challenges lower, at her
/// deposit, and Alice answers on the thief's exit with Mallory's payment to her (C-2).
fn forged(b: &mut Builder, lower: bool) {
    let (coin, earlier) = if lower {
        let coin = b.deposit(MALLORY);
        (coin, b.transfer(MALLORY, coin, ALICE))
    } else {
        let coin = b.deposit(ALICE);
        (coin, coin)
    };
    let exit = b.eve_steals(coin, earlier, false);
    b.due(coin);
    b.challenge(&exit, earlier, ALICE, ALICE);
    if lower {
        b.challenge(&exit, coin, MALLORY, MALLORY);
        b.due(coin);
        b.answer(&exit, coin, ALICE, earlier);
    }
}

/// Mallory pays Bob, Bob pays Dave, Dave exits; Mallory challenges with her deposit. Dave and Bob
/// (a former owner) both can answer with Mallory's payment; Dave does.
fn answered(b: &mut Builder) {
    let coin = b.deposit(MALLORY);
    let to_bob = b.transfer(MALLORY, coin, BOB);
    let to_dave = b.transfer(BOB, coin, DAVE);
    let exit = b.exit(coin, DAVE, to_dave, to_bob, address(BOB));
    b.challenge(&exit, coin, MALLORY, MALLORY);
    b.due(coin);
    b.answer(&exit, coin, DAVE, to_bob);
}

/// The rearrangement attack: Alice announces her payment to Bob; the operator hides it in a
/// withheld block, forges Bob -> Eve and Eve -> Eve in withheld blocks, and Eve exits. Alice
/// challenges with her deposit; the operator answers at the last moment with her payment, which
/// Bob learns and challenges with.
fn rearrange(b: &mut Builder) {
    let coin = b.deposit(ALICE);
    b.due(coin);
    let to_bob = b.wallets[ALICE].pay(coin, address(BOB)).unwrap();
    let alices = b.wallets[ALICE].handover(coin).unwrap();
    b.off(coin, OffFact::Expect(BOB, to_bob, alices));
    b.op.include_unchecked(to_bob).unwrap();
    let paid_at = b.seal(true);
    let exit = b.eve_steals(coin, paid_at, true);
    b.due(coin);
    b.challenge(&exit, coin, ALICE, ALICE);
    // The answer just before the challenge's deadline.
    b.time += R - 20;
    b.answer(&exit, coin, EVE, paid_at);
    b.due(coin);
    b.challenge(&exit, paid_at, BOB, BOB);
}

#[derive(Clone, Debug)]
struct Shape {
    /// The order of the parts 0..4 (spent exit, double spend, forged history, answered).
    order: Vec<u8>,
    /// Which of them happen.
    parts: [bool; 4],
    exit_first: bool,
    lower: bool,
    rearrange: bool,
    /// Empty blocks after each part.
    gaps: Vec<u8>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        Just(vec![0u8, 1, 2, 3]).prop_shuffle(),
        prop::array::uniform4(any::<bool>()),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(0u8..2, 5),
    )
        .prop_map(|(order, parts, exit_first, lower, rearrange, gaps)| Shape {
            order,
            parts,
            exit_first,
            lower,
            rearrange,
            gaps,
        })
}

fn history(shape: &Shape) -> History {
    let mut b = Builder::new();
    // Carol and Dave hold a coin each that never moves.
    b.deposit(CAROL);
    b.deposit(DAVE);
    for (i, part) in shape.order.iter().enumerate() {
        if !shape.parts[usize::from(*part)] {
            continue;
        }
        match part {
            0 => spent_exit(&mut b, shape.exit_first),
            1 => double_spend(&mut b),
            2 => forged(&mut b, shape.lower),
            _ => answered(&mut b),
        }
        b.gap(shape.gaps[i]);
    }
    if shape.rearrange {
        rearrange(&mut b);
    }
    b.seal(false);
    b.gap(shape.gaps[4]);
    b.finish()
}

/// Regression (found by the property): Mallory pays Carol at `X`, then double-spends her deposit
/// to Eve at `Y`, and Eve exits. Carol's client reads `Y`'s root before Mallory's handover is
/// verified: the history cannot be brought to cover `Y` (the operator serves the invalid double
/// spend there), so [`Wallet::receive`] refuses the coin and Carol never challenged the double
/// spend, which a client that took the handover before `Y` does. The coin is still Carol's
/// (an invalid transaction moves nothing): she takes it with [`Wallet::receive_before_invalid`].
#[test]
fn a_handover_checked_after_an_invalid_spend_of_the_coin_is_still_taken() {
    let mut b = Builder::new();
    let coin = b.deposit(MALLORY);
    let paid_at = b.transfer(MALLORY, coin, CAROL);
    let second = b.wallets[MALLORY].sign(CashTx::new(coin, coin, address(EVE))).unwrap();
    b.op.include_unchecked(second).unwrap();
    let double_at = b.seal(false);
    let history = b.wallets[MALLORY].handover(coin).unwrap();
    assert_eq!(history.covered_through(), paid_at);
    let entry = b.op.coin_entry(double_at, coin).unwrap();

    let mut carol = Client::new(CAROL);
    for (_, event) in &b.h.chain {
        match event {
            ChainEvent::Deposit(e) => {
                carol.wallet.on_deposit(e).unwrap();
            }
            ChainEvent::Submitted(e) => carol.wallet.on_block_submitted(e).unwrap(),
            _ => {}
        }
    }
    assert!(carol.wallet.receive(history.clone()).is_err(), "the history does not cover the double spend's block");
    // An entry the operator does not prove is no reason to take a history short.
    let Entry::Moved { proof, .. } = entry.clone() else { panic!("the double spend moves the coin") };
    let Entry::Moved { tx: paid, .. } = b.op.coin_entry(paid_at, coin).unwrap() else { panic!("a payment") };
    let unproven = Entry::Moved { tx: paid, proof };
    assert!(carol.wallet.clone().receive_before_invalid(history.clone(), double_at, unproven).is_err());
    assert_eq!(carol.wallet.receive_before_invalid(history, double_at, entry).unwrap(), coin);
    assert!(carol.wallet.owns(coin));
    let exit = ObservedExit {
        coin_id: coin,
        owner: address(EVE),
        exit_id: exit_id(1, coin),
        exit_blk: double_at,
        prev_blk: coin,
        prev_owner: address(MALLORY),
        amount: wei(10),
        exitable_at: b.time + P,
    };
    let actions = carol.watcher.on_exit_started(&carol.wallet, &exit, b.time);
    assert!(
        matches!(actions.as_slice(), [Action::ChallengeDoubleSpend(s)] if s.spend.blknum == paid_at),
        "{actions:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every interleaving of one history's facts leads to the decisions of the in-order delivery.
    #[test]
    fn decisions_do_not_depend_on_the_order_facts_arrive_in(
        shape in shape(),
        orders in prop::collection::vec(interleave::interleaving_for(128, 64), 3),
    ) {
        let h = history(&shape);
        let expected = run(&h, None);
        // The history does exercise the clients: every fault is found and acted on.
        let has = |who: &str, kind: &str| expected.keys().any(|k| k.starts_with(&format!("{who}/")) && k.contains(kind));
        if shape.parts[0] {
            prop_assert!(has("bob", "/spent@"), "{expected:#?}");
        }
        if shape.parts[1] {
            prop_assert!(has("carol", "/double-spend@"), "{expected:#?}");
        }
        if shape.parts[2] {
            prop_assert!(has("alice", "/history@"), "{expected:#?}");
            prop_assert_eq!(has("alice", "/respond@"), shape.lower, "{:#?}", expected);
        }
        if shape.parts[3] {
            prop_assert!(has("dave", "/respond@") && has("bob", "/respond@"), "{expected:#?}");
        }
        if shape.rearrange {
            prop_assert!(has("bob", "/history@"), "{expected:#?}");
        }
        for il in &orders {
            let got = run(&h, Some(il));
            prop_assert_eq!(&got, &expected, "{:?}", il);
        }
    }
}
