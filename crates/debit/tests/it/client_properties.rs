//! Client-level property (issue #16, docs/security.md "The users' software"): one Plasma Debit
//! history, its facts delivered to a fresh client (Bob's [`DebitWallet`] and the decisions of
//! [`watcher`]) in many orders, leads to the same decisions.
//!
//! A history (its shape drawn by proptest: Alice's honest transfer of her coin to Bob, empty
//! blocks, the operator's exit of Bob's coin from a stale co-signed state, Alice's exit of the coin
//! she paid away, Bob's transfer of it on to Carol whose exit Eve challenges with the deposit) is
//! split into root-chain events (deposits, `BlockSubmitted`, `ExitStarted`, `HistoryChallenged`),
//! which the client reads in chain order but in batches at random "looks", and off-chain facts
//! (each block's entries of the coins from the operator, the co-signed channel states the operator
//! returns to Bob, the history Alice hands over with her transfer), which arrive at any time after
//! they exist and before the last root-chain event (every deadline of the game, `startedAt + 3R`
//! for a channel challenge, lies beyond it).
//!
//! At every look the client re-evaluates every open exit as `DebitVariant::holder_round` does
//! ([`watcher::holder_actions`] with the same filter, [`watcher::history_responses`] for each
//! pending challenge). Compared between every interleaving and the in-order delivery: the set of
//! decided actions, keyed like the harness's outbox by exit and action.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{ETH, Sim, milli};
use alloy_primitives::B256;
use plasma_debit::{
    Action, ChannelState, DebitHistory, DebitMove, DebitTx, DebitWallet, DepositRecord, Entry, ObservedExit,
    ObservedHistoryChallenge, SignedDebitTx, watcher,
};
use plasma_testkit::interleave::{self, Interleaving, Timed};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Facts and their delivery windows.

/// A root-chain event, read by every client in chain order.
#[derive(Clone, Debug)]
enum ChainEvent {
    Deposit(DepositRecord),
    Submitted(u64, B256),
    ExitStarted(ObservedExit),
    HistoryChallenged(u128, ObservedHistoryChallenge),
}

/// An off-chain fact.
#[derive(Clone, Debug)]
enum OffFact {
    /// The operator publishes the entry of `coin` in block `blknum`.
    Entry(u64, u64, Entry<DebitMove>),
    /// A payer hands Bob a coin's full history (with the coin's capacity).
    Handover(DebitHistory, u128),
    /// The operator returns a co-signed channel state to Bob.
    CoSigned(ChannelState),
}

/// One history: its root-chain events and off-chain facts.
type History = interleave::History<ChainEvent, OffFact>;

// ---------------------------------------------------------------------------------------------
// The client and what it decides.

/// An open exit and its pending history challenges.
struct Open {
    exit: ObservedExit,
    challenges: Vec<ObservedHistoryChallenge>,
}

struct Client<'h> {
    h: &'h History,
    wallet: DebitWallet,
    entries: BTreeMap<(u64, u64), Entry<DebitMove>>,
    handovers: Vec<(DebitHistory, u128)>,
    states: Vec<ChannelState>,
    open: BTreeMap<u128, Open>,
    decided: BTreeSet<String>,
}

impl<'h> Client<'h> {
    fn new(h: &'h History, wallet: DebitWallet) -> Self {
        Self {
            h,
            wallet,
            entries: BTreeMap::new(),
            handovers: Vec::new(),
            states: Vec::new(),
            open: BTreeMap::new(),
            decided: BTreeSet::new(),
        }
    }

    /// Takes in whatever it can now: handovers whose roots it knows, the next entries of the coins
    /// it holds, co-signed states (each retried until the wallet keeps it).
    fn absorb(&mut self) {
        let wallet = &mut self.wallet;
        let entries = &self.entries;
        // A recipient takes a coin only on a history covering every block it knows of: it brings
        // the payer's history up to date with the operator's entries first.
        self.handovers.retain(|(history, capacity)| {
            let mut history = history.clone();
            while let Some((blknum, _)) = DebitHistory::next_child_block(wallet.roots(), history.covered_through()) {
                let Some(entry) = entries.get(&(history.coin_id(), blknum)) else { break };
                if history.extend(&crate::common::domain(), wallet.roots(), blknum, entry.clone()).is_err() {
                    break;
                }
            }
            wallet.receive(history, *capacity).is_err()
        });
        for coin in wallet.held_coins() {
            while let Some(blknum) = wallet.next_block_for(coin) {
                let Some(entry) = self.entries.get(&(coin, blknum)) else { break };
                if wallet.extend(coin, blknum, entry.clone()).is_err() {
                    break;
                }
            }
        }
        self.states.retain(|state| wallet.store_state(*state).is_err());
    }
}

impl interleave::Driven for Client<'_> {
    type Decisions = BTreeSet<String>;

    fn chain(&mut self, i: usize) {
        match &self.h.chain[i] {
            ChainEvent::Deposit(record) => {
                self.wallet.on_deposit(*record).unwrap();
            }
            ChainEvent::Submitted(blknum, root) => self.wallet.learn_root(*blknum, *root),
            ChainEvent::ExitStarted(exit) => {
                self.wallet.on_exit_started(exit.coin_id);
                self.open.insert(exit.exit_id, Open { exit: *exit, challenges: Vec::new() });
            }
            ChainEvent::HistoryChallenged(exit_id, challenge) => {
                self.open.get_mut(exit_id).unwrap().challenges.push(*challenge);
            }
        }
        self.absorb();
    }

    fn off(&mut self, j: usize) {
        match &self.h.off[j].fact {
            OffFact::Entry(coin, blknum, entry) => {
                self.entries.insert((*coin, *blknum), entry.clone());
            }
            OffFact::Handover(history, capacity) => self.handovers.push((history.clone(), *capacity)),
            OffFact::CoSigned(state) => self.states.push(*state),
        }
        self.absorb();
    }

    /// Every open exit judged again, as `DebitVariant::holder_round` does for an honest wallet.
    fn look(&mut self) {
        let me = self.wallet.address();
        for (exit_id, open) in &self.open {
            let exit = &open.exit;
            // Absence from a history is judged only once the history covers the exit's block: a
            // wallet still waiting for the entries up to `eBlk` (due before the last event here; a
            // real client would give up on a withheld block at a deadline) waits, as
            // `DebitVariant::holder_round` never has to (it syncs every look with all data).
            if self.wallet.next_block_for(exit.coin_id).is_some_and(|b| b <= exit.exit_blk) {
                continue;
            }
            let own = exit.holder == me;
            for action in watcher::holder_actions(&self.wallet, exit) {
                let holds = self.wallet.held_coins().contains(&exit.coin_id);
                let wanted = match &action {
                    Action::ChallengeChannel(_) => own,
                    Action::ChallengeHistory { .. } => {
                        !own && (holds || self.wallet.learned_payment(exit.coin_id).is_some())
                    }
                    _ => !own,
                };
                if wanted {
                    self.decided.insert(format!("{exit_id}:{action:?}"));
                }
            }
            for challenge in &open.challenges {
                for action in watcher::history_responses(&self.wallet, challenge, exit.prev_blk) {
                    self.decided.insert(format!("{exit_id}:{action:?}"));
                }
            }
        }
    }

    fn decisions(self) -> BTreeSet<String> {
        self.decided
    }
}

fn run(h: &History, wallet: DebitWallet, il: Option<&Interleaving>) -> BTreeSet<String> {
    interleave::run(Client::new(h, wallet), h.schedule(il))
}

// ---------------------------------------------------------------------------------------------
// Building a history.

#[derive(Clone, Debug)]
struct Shape {
    /// Empty blocks after each step of the history.
    gaps: Vec<u8>,
    /// Alice transfers her coin to Bob.
    transfer: bool,
    /// The operator exits Bob's coin from a stale co-signed state.
    stale: bool,
    /// Alice exits the coin she transferred.
    spent_exit: bool,
    /// Bob transfers the coin on to Carol, who exits it; Eve challenges with the deposit.
    forward: bool,
}

fn shape() -> impl Strategy<Value = Shape> {
    (prop::collection::vec(0u8..3, 5), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>())
        .prop_map(|(gaps, transfer, stale, spent_exit, forward)| Shape { gaps, transfer, stale, spent_exit, forward })
}

/// A window not closed yet (`Builder::finish` closes it at the last root-chain event).
const OPEN: usize = usize::MAX;

const ALICE: usize = 0;
const BOB: usize = 1;
const CAROL: usize = 2;

struct Builder {
    sim: Sim,
    h: History,
    coins: Vec<u64>,
    exits: u128,
}

impl Builder {
    fn new() -> Self {
        Self { sim: Sim::new(4), h: History::default(), coins: Vec::new(), exits: 0 }
    }

    fn deposit(&mut self, who: usize) -> DepositRecord {
        let user = self.sim.user(who);
        let record = self.sim.deposit(user, ETH);
        self.coins.push(record.coin_id);
        self.h.chain.push(ChainEvent::Deposit(record));
        record
    }

    /// Seals the pending block; its entries of every coin are published with it.
    fn seal(&mut self) -> u64 {
        let blknum = self.sim.seal();
        let root = self.sim.op.block(blknum).unwrap().root();
        let at = self.h.chain.len();
        self.h.chain.push(ChainEvent::Submitted(blknum, root));
        for coin in self.coins.clone() {
            let entry = self.sim.op.entry(coin, blknum).unwrap();
            self.h.off.push(Timed { fact: OffFact::Entry(coin, blknum, entry), lo: at, hi: OPEN });
        }
        blknum
    }

    fn gap(&mut self, n: u8) {
        for _ in 0..n {
            self.seal();
        }
    }

    fn off(&mut self, fact: OffFact) {
        let at = self.h.chain.len();
        self.h.off.push(Timed { fact, lo: at, hi: OPEN });
    }

    /// Bob signs something for `coin` now: his wallet held the coin, current, so every fact about
    /// it that exists already has arrived by now.
    fn bob_acts_on(&mut self, coin: u64) {
        let at = self.h.chain.len();
        for t in &mut self.h.off {
            let about = match &t.fact {
                OffFact::Entry(c, ..) | OffFact::CoSigned(ChannelState { tx: DebitTx { coinId: c, .. }, .. }) => *c,
                OffFact::Handover(history, _) => history.coin_id(),
            };
            if about == coin && t.lo <= at {
                t.hi = t.hi.min(at);
            }
        }
    }

    fn exit(&mut self, exit: ObservedExit) -> u128 {
        self.exits += 1;
        let exit = ObservedExit { exit_id: self.exits, ..exit };
        self.h.chain.push(ChainEvent::ExitStarted(exit));
        exit.exit_id
    }

    /// `from` transfers `coin` to `to`; returns the block.
    fn transfer(&mut self, coin: DepositRecord, from: usize, to: usize) -> u64 {
        let to_addr = self.sim.user(to);
        if from == BOB {
            self.bob_acts_on(coin.coin_id);
        }
        let tx = self.sim.wallets[from].transfer(coin.coin_id, to_addr).unwrap();
        self.sim.op.submit(tx).unwrap();
        let blknum = self.seal();
        let history = self.sim.history(coin);
        self.sim.wallets[to].receive(history.clone(), ETH).unwrap();
        if to == BOB {
            self.off(OffFact::Handover(history, ETH));
        }
        blknum
    }

    /// Bob's channel on his coin: states at nonce 1 and 2 co-signed (returned to Bob as they are
    /// made); the operator includes the older one and exits the coin from it.
    fn stale(&mut self, coin: DepositRecord) {
        let mut states = Vec::new();
        for balance in [milli(500), milli(800)] {
            self.bob_acts_on(coin.coin_id);
            let (tx, sig) = self.sim.wallets[BOB].propose_state(coin.coin_id, balance).unwrap();
            let state = self.sim.op.cosign(tx, sig).unwrap();
            self.sim.wallets[BOB].store_state(state).unwrap();
            self.off(OffFact::CoSigned(state));
            states.push(state);
        }
        let older = states[0];
        self.sim.op.include_unchecked(SignedDebitTx::new(older.tx, vec![older.holder_sig])).unwrap();
        let blk = self.seal();
        self.exit(ObservedExit {
            coin_id: coin.coin_id,
            holder: self.sim.user(BOB),
            exiter: self.sim.op.address(),
            exit_blk: blk,
            prev_blk: coin.coin_id,
            nonce: older.tx.nonce,
            ..ObservedExit::default()
        });
    }

    fn finish(mut self) -> History {
        // A last root-chain event; every off-chain fact arrives before it.
        self.seal();
        let last = self.h.chain.len() - 1;
        for t in self.h.off.iter_mut().filter(|t| t.hi == OPEN) {
            t.hi = last;
        }
        self.h
    }
}

fn history(shape: &Shape) -> History {
    let mut b = Builder::new();
    let coin_a = b.deposit(ALICE);
    let coin_b = b.deposit(BOB);
    b.gap(shape.gaps[0]);
    let mut moved = None;
    if shape.transfer {
        moved = Some(b.transfer(coin_a, ALICE, BOB));
        b.gap(shape.gaps[1]);
    }
    if shape.stale {
        b.stale(coin_b);
        b.gap(shape.gaps[2]);
    }
    if shape.spent_exit && moved.is_some() {
        let alice = b.sim.user(ALICE);
        b.exit(ObservedExit {
            coin_id: coin_a.coin_id,
            holder: alice,
            exiter: alice,
            exit_blk: coin_a.coin_id,
            ..ObservedExit::default()
        });
        b.gap(shape.gaps[3]);
    }
    if shape.forward
        && let Some(to_bob) = moved
    {
        let to_carol = b.transfer(coin_a, BOB, CAROL);
        let carol = b.sim.user(CAROL);
        let exit_id = b.exit(ObservedExit {
            coin_id: coin_a.coin_id,
            holder: carol,
            exiter: carol,
            exit_blk: to_carol,
            prev_blk: to_bob,
            prev_owner: b.sim.user(BOB),
            nonce: 2,
            ..ObservedExit::default()
        });
        let challenge = ObservedHistoryChallenge {
            coin_id: coin_a.coin_id,
            blknum: coin_a.coin_id,
            owner: b.sim.user(ALICE),
            deadline: 0,
        };
        // Eve's challenge with the deposit: Bob's history answers it with Alice's transfer.
        b.h.chain.push(ChainEvent::HistoryChallenged(exit_id, challenge));
        b.gap(shape.gaps[4]);
    }
    b.finish()
}

/// Regression (found by the property): the operator co-signs Bob's newer state but returns it only
/// after it started an exit of Bob's coin from the older one. The state carries Bob's signature,
/// given before the exit, and is exactly what the channel challenge needs: the wallet must keep it
/// even though the coin is exiting, or Bob's challenge depends on when the reply arrived.
#[test]
fn a_co_signed_state_returned_after_the_exit_started_still_challenges_it() {
    let mut sim = Sim::new(2);
    let bob = sim.user(BOB);
    let coin = sim.deposit(bob, ETH);
    let mut states = Vec::new();
    for balance in [milli(500), milli(800)] {
        let (tx, sig) = sim.wallets[BOB].propose_state(coin.coin_id, balance).unwrap();
        states.push(sim.op.cosign(tx, sig).unwrap());
    }
    sim.wallets[BOB].store_state(states[0]).unwrap();
    sim.op.include_unchecked(SignedDebitTx::new(states[0].tx, vec![states[0].holder_sig])).unwrap();
    let blk = sim.seal();
    let exit = ObservedExit {
        coin_id: coin.coin_id,
        holder: bob,
        exiter: sim.op.address(),
        exit_id: 1,
        exit_blk: blk,
        prev_blk: coin.coin_id,
        nonce: states[0].tx.nonce,
        ..ObservedExit::default()
    };
    sim.wallets[BOB].on_exit_started(coin.coin_id);
    // The newer state arrives now: kept, and it challenges the stale exit.
    sim.wallets[BOB].store_state(states[1]).unwrap();
    assert_eq!(watcher::holder_actions(&sim.wallets[BOB], &exit), vec![Action::ChallengeChannel(states[1])]);
    // Still, the wallet signs nothing new for the coin while the exit is open.
    assert!(sim.wallets[BOB].propose_state(coin.coin_id, milli(900)).is_err());
}

/// Regression (found by the property): the entries of a coin's blocks reach the wallet after it
/// learned the roots of two blocks. Extending by the first used to verify the history against
/// every known root and fail ("missing block" for the second), so the wallet could never catch up.
#[test]
fn a_wallet_two_blocks_behind_catches_up_block_by_block() {
    let mut sim = Sim::new(2);
    let bob = sim.user(BOB);
    let coin = sim.deposit(bob, ETH);
    let mut late = bobs_wallet();
    late.on_deposit(coin).unwrap();
    let blocks = [sim.seal(), sim.seal()];
    for blknum in blocks {
        late.learn_root(blknum, sim.op.block(blknum).unwrap().root());
    }
    for blknum in blocks {
        late.extend(coin.coin_id, blknum, sim.op.entry(coin.coin_id, blknum).unwrap()).unwrap();
    }
    assert!(late.is_current(coin.coin_id));
    assert_eq!(late.tip(coin.coin_id).unwrap(), sim.wallets[BOB].tip(coin.coin_id).unwrap());
}

/// A fresh wallet for Bob (the history's client).
fn bobs_wallet() -> DebitWallet {
    DebitWallet::new(crate::common::key("user1"), crate::common::domain(), crate::common::key("operator").address())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every interleaving of one history's facts leads to the decisions of the in-order delivery.
    #[test]
    fn decisions_do_not_depend_on_the_order_facts_arrive_in((shape, orders) in interleave::with_orders(shape())) {
        let h = history(&shape);
        let expected = run(&h, bobs_wallet(), None);
        // The history does exercise the client: the faults are found and acted on.
        let has = |kind: &str| expected.iter().any(|a| a.contains(kind));
        if shape.stale {
            prop_assert!(has("ChallengeChannel"), "{expected:?}");
        }
        if shape.transfer && shape.spent_exit {
            prop_assert!(has("ChallengeSpent"), "{expected:?}");
        }
        if shape.transfer && shape.forward {
            prop_assert!(has("RespondHistory"), "{expected:?}");
        }
        interleave::check_orders(&expected, &orders, |il| run(&h, bobs_wallet(), Some(il)))?;
    }
}
