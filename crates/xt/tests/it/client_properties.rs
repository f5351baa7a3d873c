//! Client-level property (issue #16, docs/security.md "The users' software"): one Plasma XT
//! history, its facts delivered to fresh clients (a Cash [`Wallet`], a [`CheckpointBook`] and an
//! [`XtWatcher`] per honest user: Alice, Bob, Carol, Dave) in many orders, leads to the same
//! decisions.
//!
//! A history (its shape drawn by proptest) is built with the Cash operator and wallets, the
//! operator's [`StateCheckpoint`]s and the users' honest sign-offs, no root chain. Its parts: a
//! first checkpoint, voided, with a false bit of Carol's coin she never signed (she challenges with
//! her deposit) and a forged state of Eve's coin, which Eve signs off and then pays to Dave inside
//! the window (Dave challenges as a later owner); an honest checkpoint, finalised, stating Dave's
//! coin that Alice paid him before it while Alice's exit of her old deposit is open (Dave's client
//! cancels it as stale when the checkpoint finalises, `XtWatcher::judge_exits`), and Alice's coin
//! (Mallory -> Bob -> Alice) which she then prunes: a forged spend of it to Mallory after the
//! checkpoint, Mallory's exit (Alice challenges with the checkpoint state) and Mallory's false
//! lower challenge at her deposit, which Alice answers with the finalised state
//! (`respondHistoryAtCheckpoint`); and last, a checkpoint of a withheld block hiding Alice's
//! payment to Bob and naming Mallory: Alice challenges with her deposit, the operator's answer
//! reveals the payment (`CheckpointSpendRevealed`) and Bob challenges with it.
//!
//! Root-chain events are read in chain order but in batches, at random "looks"; off-chain facts
//! (each coin's entry in each published block, handed-over histories, an announced payment, the
//! operator's sign-off requests with their leaf proofs) arrive at any time after they exist and
//! before the deadline of the decision they enable: the event the decision leads to (the
//! checkpoint challenge, the cancellation, the history challenge or answer), the proposal for a
//! sign-off, and, for a handover, the first withheld block. Each deadline is a forced look; the
//! game's time limits (`proposedAt + 3Rc`, `startedAt + 3R`, a challenge's `R`) lie after them.
//!
//! At every look a client does what `XtClient`'s checkpoint layer does (`plasma_xt::user`): learns
//! the new roots, syncs its coins, takes the handovers it can verify and signs what it is asked to,
//! then feeds the new events in order ([`XtWatcher::on_proposed`], [`XtWatcher::on_spend_revealed`],
//! finalisation with deferred pruning, exits, [`XtWatcher::on_history_challenged`] and
//! [`XtWatcher::on_history_answered`]), then [`XtWatcher::judge_exits`], [`XtWatcher::recheck`]
//! and [`XtWatcher::history_answers`] for every open exit. Compared between every interleaving and
//! the in-order delivery: the sign-offs and the [`XtAction`]s decided, keyed by user, kind and
//! target, each decided once.

use crate::common::{domain, key};
use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use plasma_cash::{
    CashHistory, CashTx, Entry, Included, ObservedChallenge, ObservedExit, Operator, SignedCashTx, Wallet,
    game::{IncludedExt, exit_id},
    tx::CashTxExt,
};
use plasma_core::{BlockSubmittedEvent, ChildChain, DepositEvent, SparseProof};
use plasma_testkit::cast::{ALICE, BOB, CAROL, DAVE, EVE, HONEST, MALLORY, NAMES, address};
use plasma_testkit::interleave::{self, Interleaving, SlotStep as Step, Window};
use plasma_xt::{CheckpointBook, ProposedCheckpoint, StateCheckpoint, XtAction, XtGame, XtWatcher, Zone};
use proptest::prelude::*;

/// `P` and `Pc`: `R = Rc = 1000 s`.
const PERIOD: u64 = 4000;
const R: u64 = PERIOD / 4;

fn game() -> XtGame {
    crate::common::game(PERIOD)
}

// ---------------------------------------------------------------------------------------------
// Facts and their delivery windows.

/// A root-chain event, read by every client in chain order.
#[derive(Clone, Debug)]
enum ChainEvent {
    Deposit(DepositEvent),
    Submitted(BlockSubmittedEvent),
    /// `CheckpointProposed`, at its proposal time.
    Proposed(ProposedCheckpoint, u64),
    /// `CheckpointChallenged` (the clients have nothing to do about it).
    CheckpointChallenged,
    /// `CheckpointSpendRevealed`: checkpoint, spend, signature.
    SpendRevealed(u64, Included, Vec<u8>),
    /// `CheckpointFinalized`.
    Finalized(u64),
    /// `CheckpointVoided` (nothing to do either).
    Voided,
    ExitStarted(ObservedExit),
    HistoryChallenged(ObservedChallenge),
    /// `HistoryChallengeAnswered` or `HistoryAnsweredAtCheckpoint`: exit, challenged block.
    HistoryAnswered(u128, u64),
    /// `ExitChallenged` / `ExitCancelled`: coin, exit.
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
    /// The operator asks user `to` to sign off the coin in the checkpoint of `(K, root)`, with
    /// the proof of its leaf.
    SignOff(usize, u64, B256, u64, SparseProof),
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
    user: usize,
    wallet: Wallet,
    book: CheckpointBook,
    watcher: XtWatcher,
    handovers: Vec<CashHistory>,
    expected: Vec<(SignedCashTx, CashHistory)>,
    sign_offs: Vec<(u64, B256, u64, SparseProof)>,
    proposed: BTreeMap<u64, ProposedCheckpoint>,
    open: BTreeMap<u64, ObservedExit>,
}

impl Client {
    fn new(user: usize) -> Self {
        Self {
            user,
            wallet: Wallet::new(key(NAMES[user]), domain()),
            book: CheckpointBook::new(),
            watcher: XtWatcher::new(address(user), game()),
            handovers: Vec::new(),
            expected: Vec::new(),
            sign_offs: Vec::new(),
            proposed: BTreeMap::new(),
            open: BTreeMap::new(),
        }
    }

    /// Takes in what it can: handovers it can verify (brought up to the blocks it knows with the
    /// operator's entries first), announced payments, every owned coin's next entries, then the
    /// sign-offs it is asked for (each given once its history verifies through `K`). Returns the
    /// sign-offs given.
    fn absorb(&mut self, entries: &BTreeMap<(u64, u64), Entry<SignedCashTx>>) -> Vec<String> {
        let wallet = &mut self.wallet;
        self.handovers.retain(|history| {
            let mut history = history.clone();
            while let Some((blknum, _)) = CashHistory::next_child_block(wallet.roots(), history.covered_through()) {
                let Some(entry) = entries.get(&(history.coin_id(), blknum)) else { break };
                if history.extend(&domain(), wallet.roots(), blknum, entry.clone()).is_err() {
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
        let signer = key(NAMES[self.user]);
        let mut signed = Vec::new();
        let book = &mut self.book;
        self.sign_offs.retain(|(blknum, root, coin, proof)| {
            let given = book.sign_off(wallet, &signer, *blknum, *root, *coin, proof.clone()).is_ok();
            if given {
                signed.push(format!("{}/sign-off/{blknum}/{coin}", NAMES[self.user]));
            }
            !given
        });
        signed
    }
}

/// The key an action is decided under: user, kind and target.
fn action_key(user: usize, action: &XtAction) -> String {
    let target = match action {
        XtAction::ChallengeCheckpoint { checkpoint_id, latest, .. } => {
            format!("challenge-checkpoint/{checkpoint_id}/{}@{}", latest.tx.coinId, latest.blknum)
        }
        XtAction::ChallengeCheckpointAfter { checkpoint_id, latest, .. } => {
            format!("challenge-checkpoint-after/{checkpoint_id}/{}@{}", latest.tx.coinId, latest.blknum)
        }
        XtAction::ChallengeHistoryAtCheckpoint { coin_id, .. } => format!("challenge-history-at-checkpoint/{coin_id}"),
        XtAction::CancelStale { coin_id, .. } => format!("cancel-stale/{coin_id}"),
        XtAction::RespondHistoryAtCheckpoint { coin_id, challenge_blk, .. } => {
            format!("respond-history-at-checkpoint/{coin_id}@{challenge_blk}")
        }
    };
    format!("{}/{target}", NAMES[user])
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
            OffFact::SignOff(to, blknum, root, coin, proof) => {
                self.clients[*to].sign_offs.push((*blknum, *root, *coin, proof.clone()));
            }
        }
    }

    fn decide(&mut self, key: String, what: String) {
        let before = self.decided.insert(key.clone(), what);
        assert!(before.is_none(), "{key} decided twice");
    }

    fn record(&mut self, user: usize, actions: Vec<XtAction>) {
        for action in actions {
            self.decide(action_key(user, &action), format!("{action:?}"));
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
        for user in 0..HONEST {
            for signed in self.clients[user].absorb(&self.entries) {
                self.decide(signed, String::new());
            }
        }
        for (_, event) in &h.chain[new] {
            for user in 0..HONEST {
                let c = &mut self.clients[user];
                let actions = match event {
                    ChainEvent::Proposed(cp, proposed_at) => {
                        c.proposed.insert(cp.id, cp.clone());
                        c.watcher.on_proposed(&c.wallet, &c.book, cp.clone(), *proposed_at, now)
                    }
                    ChainEvent::SpendRevealed(id, spend, sig) => {
                        c.watcher.on_spend_revealed(&mut c.wallet, &c.book, *id, spend, sig, now)
                    }
                    ChainEvent::Finalized(id) => {
                        let open = c.watcher.exit_origins(c.open.values());
                        c.book.set_open_exits(&mut c.wallet, open);
                        let cp = &c.proposed[id];
                        let started = c.book.on_finalized(&c.wallet, cp);
                        c.book.prune(&mut c.wallet, &started, cp.blknum);
                        Vec::new()
                    }
                    ChainEvent::ExitStarted(exit) => {
                        c.open.insert(exit.coin_id, *exit);
                        Vec::new()
                    }
                    ChainEvent::HistoryChallenged(challenge) => {
                        c.watcher.on_history_challenged(challenge);
                        Vec::new()
                    }
                    ChainEvent::HistoryAnswered(exit_id, blknum) => {
                        c.watcher.on_history_answered(*exit_id, *blknum);
                        Vec::new()
                    }
                    ChainEvent::ExitEnded(coin, exit_id) => {
                        c.watcher.on_exit_ended(*exit_id);
                        c.open.remove(coin);
                        Vec::new()
                    }
                    ChainEvent::Deposit(_)
                    | ChainEvent::Submitted(_)
                    | ChainEvent::CheckpointChallenged
                    | ChainEvent::Voided => Vec::new(),
                };
                self.record(user, actions);
            }
        }
        for user in 0..HONEST {
            let c = &mut self.clients[user];
            let mut actions = c.watcher.judge_exits(&c.wallet, &c.book, c.open.values(), now);
            actions.extend(c.watcher.recheck(&c.wallet, &c.book, now));
            for exit in c.open.values() {
                actions.extend(c.watcher.history_answers(&c.wallet, &c.book, exit, now));
            }
            let open = c.watcher.exit_origins(c.open.values());
            c.book.set_open_exits(&mut c.wallet, open);
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

/// Numbers blocks like `PlasmaFramework`: child blocks 1000, 2000, …, deposits in between.
struct Numbering {
    next_child: u64,
    next_deposit: u64,
}

struct Builder {
    num: Numbering,
    op: Operator,
    /// Every user's wallet as the history goes (cheaters' included), synced at every block.
    wallets: Vec<Wallet>,
    h: History,
    coins: Vec<u64>,
    time: u64,
    checkpoints: u64,
    /// Per coin, the slots by which a decision about it is due.
    due: Vec<(u64, usize)>,
    /// Slots of withheld blocks' `BlockSubmitted`.
    withheld: Vec<usize>,
}

impl Builder {
    fn new() -> Self {
        Self {
            num: Numbering { next_child: 1000, next_deposit: 1 },
            op: Operator::new(domain()),
            wallets: NAMES.iter().map(|name| Wallet::new(key(name), domain())).collect(),
            h: History::default(),
            coins: Vec::new(),
            time: 1_800_000_000,
            checkpoints: 0,
            due: Vec::new(),
            withheld: Vec::new(),
        }
    }

    fn slot(&self) -> usize {
        self.h.chain.len()
    }

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
        let blknum = self.num.next_child - 1000 + self.num.next_deposit;
        self.num.next_deposit += 1;
        let event = DepositEvent { depositor: address(who), blknum, amount: U256::from(10) };
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
        let event =
            BlockSubmittedEvent { blknum: self.num.next_child, root: block.root(), timestamp: self.next_time() };
        self.num.next_child += 1000;
        self.num.next_deposit = 1;
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

    /// `from` pays `coin` to `to` in a block of its own; `to` takes the handed-over history. An
    /// honest payer holds the coin, current, when it signs: every fact about it has arrived.
    fn transfer(&mut self, from: usize, coin: u64, to: usize) -> u64 {
        if from < HONEST {
            self.due(coin);
        }
        let tx = self.wallets[from].pay(coin, address(to)).unwrap();
        self.op.submit_tx(tx).unwrap();
        let blknum = self.seal(false);
        let history = self.wallets[from].handover(coin).unwrap();
        self.wallets[to].receive(history.clone()).unwrap();
        if to < HONEST {
            self.off(coin, OffFact::Handover(to, history));
        }
        blknum
    }

    /// `tx` signed by `signer`, included by the operator without any check.
    fn forge(&mut self, tx: CashTx, signer: usize) {
        self.op.include_unchecked(tx.sign(&domain(), &key(NAMES[signer]))).unwrap();
    }

    /// The operator's checkpoint of the newest block, stating `forged` coins as owned by another
    /// user; honest owners are asked to sign off `signing`, and cheaters sign off `colluding`.
    /// Returns the checkpoint and its state.
    fn checkpoint(&mut self, forged: &[(u64, usize)], signing: &[u64], colluding: &[u64]) -> StateCheckpoint {
        let blknum = self.num.next_child - 1000;
        let last = *self.coins.iter().filter(|c| **c < blknum).max().unwrap();
        let zone = Zone::new(1, last).unwrap();
        let mut cp = StateCheckpoint::from_operator(&self.op, blknum, zone).unwrap();
        if !forged.is_empty() {
            let mut states = cp.states().clone();
            for (coin, owner) in forged {
                states.get_mut(coin).unwrap().owner = address(*owner);
            }
            cp = StateCheckpoint::new(blknum, zone, states).unwrap();
        }
        for coin in signing {
            let owner = (0..NAMES.len()).find(|u| address(*u) == cp.state(*coin).unwrap().owner).unwrap();
            self.off(*coin, OffFact::SignOff(owner, blknum, cp.root(), *coin, cp.proof(*coin)));
            let sig = plasma_xt::sign_off(&key(NAMES[owner]), &domain(), blknum, cp.root(), *coin);
            cp.add_sign_off(&domain(), *coin, sig).unwrap();
        }
        for coin in colluding {
            let owner = self.op.coin(*coin).unwrap().owner;
            let signer = (0..NAMES.len()).find(|u| address(*u) == owner).unwrap();
            let sig = plasma_xt::sign_off(&key(NAMES[signer]), &domain(), blknum, cp.root(), *coin);
            // The forged state names someone else: the bit is set all the same.
            let _ = cp.add_sign_off(&domain(), *coin, sig);
        }
        cp
    }

    /// Proposes `cp` with its collected bits plus `false_bits`; every sign-off is due before.
    fn propose(&mut self, cp: &StateCheckpoint, false_bits: &[u64], colluding: &[u64]) -> ProposedCheckpoint {
        self.checkpoints += 1;
        let mut bitmap = cp.bitmap();
        for coin in false_bits.iter().chain(colluding) {
            bitmap.set(*coin).unwrap();
        }
        for coin in bitmap.set_coins().collect::<Vec<_>>() {
            self.due(coin);
        }
        let proposed = ProposedCheckpoint { id: self.checkpoints, blknum: cp.blknum(), state_root: cp.root(), bitmap };
        self.push(ChainEvent::Proposed(proposed.clone(), self.next_time()));
        proposed
    }

    /// Time passes until `id` is finalizable (proposed at `proposed_at`); it is finalised.
    fn finalize(&mut self, id: u64, proposed_at: u64) {
        self.time = self.time.max(proposed_at + PERIOD);
        self.push(ChainEvent::Finalized(id));
    }

    fn exit(&mut self, coin: u64, owner: usize, exit_blk: u64, prev_blk: u64, prev_owner: Address) -> ObservedExit {
        let exit = ObservedExit {
            coin_id: coin,
            owner: address(owner),
            exit_id: exit_id(1, coin),
            exit_blk,
            prev_blk,
            prev_owner,
            amount: U256::from(10),
            exitable_at: self.next_time() + PERIOD,
        };
        self.push(ChainEvent::ExitStarted(exit));
        exit
    }

    fn history_challenge(&mut self, exit: &ObservedExit, blknum: u64, owner: usize, challenger: usize) {
        let challenge = ObservedChallenge {
            coin_id: exit.coin_id,
            exit_id: exit.exit_id,
            challenger: address(challenger),
            blknum,
            owner: address(owner),
            deadline: self.next_time() + R,
        };
        self.push(ChainEvent::HistoryChallenged(challenge));
    }

    /// Every off-chain fact about a coin is due by the next decision about it (a handover also by
    /// the next withheld block); every such deadline is a forced look.
    fn finish(mut self) -> History {
        let n = self.slot();
        for t in &mut self.h.off {
            let due = self.due.iter().filter(|(c, s)| *c == t.coin && *s >= t.lo).map(|(_, s)| *s);
            let withheld = self.withheld.iter().copied().filter(|s| *s >= t.lo);
            t.hi = match t.fact {
                OffFact::Entry(..) | OffFact::SignOff(..) => due.min(),
                OffFact::Handover(..) | OffFact::Expect(..) => due.chain(withheld).min(),
            }
            .unwrap_or(n);
        }
        self.h.forced = self.due.iter().map(|(_, s)| *s).chain(self.withheld.iter().copied()).collect();
        self.h
    }
}

/// Checkpoint 1, voided: Carol's coin with its bit set although she never signed
/// (`false_bit`: she challenges with her deposit); Eve's coin stated as Mallory's, Eve signing off
/// anyway, then paying it to Dave inside the window (`later_owner`: Dave challenges as a later
/// owner with Eve's deposit and her spend to him).
fn voided_checkpoint(b: &mut Builder, false_bit: bool, later_owner: bool) {
    let carols = b.deposit(CAROL);
    let eves = b.deposit(EVE);
    b.seal(false);
    let (forged, colluding) = if later_owner { (vec![(eves, MALLORY)], vec![eves]) } else { (vec![], vec![]) };
    let cp = b.checkpoint(&forged, &[], &colluding);
    let false_bits = if false_bit { vec![carols] } else { vec![] };
    let proposed_at = b.next_time();
    b.propose(&cp, &false_bits, &colluding);
    if false_bit {
        b.due(carols);
        b.push(ChainEvent::CheckpointChallenged);
    }
    if later_owner {
        b.transfer(EVE, eves, DAVE);
        b.due(eves);
        b.push(ChainEvent::CheckpointChallenged);
    }
    b.time = b.time.max(proposed_at + PERIOD);
    b.push(ChainEvent::Voided);
}

/// Checkpoint 2, finalised. With `stale`, Mallory paid her deposit to Dave before `K` and exits
/// the deposit inside the window: when the checkpoint finalises, Dave's client cancels the open
/// exit as stale. With `pruned`, Mallory -> Bob -> Alice before `K`; Alice signs off and prunes;
/// a forged spend of her coin to Mallory follows, Mallory exits, Alice challenges with the
/// checkpoint state, Mallory challenges lower at her deposit and Alice answers with the state.
fn finalised_checkpoint(b: &mut Builder, stale: bool, pruned: bool) {
    let mut signing = Vec::new();
    let stale_coin = stale.then(|| {
        let coin = b.deposit(MALLORY);
        b.transfer(MALLORY, coin, DAVE);
        signing.push(coin);
        coin
    });
    let pruned_coin = pruned.then(|| {
        let coin = b.deposit(MALLORY);
        b.transfer(MALLORY, coin, BOB);
        let to_alice = b.transfer(BOB, coin, ALICE);
        signing.push(coin);
        (coin, to_alice)
    });
    b.seal(false);
    let cp = b.checkpoint(&[], &signing, &[]);
    let proposed_at = b.next_time();
    let p = b.propose(&cp, &[], &[]);
    let stale_exit = stale_coin.map(|coin| b.exit(coin, MALLORY, coin, 0, Address::ZERO));
    b.finalize(p.id, proposed_at);
    if let (Some(coin), Some(exit)) = (stale_coin, stale_exit) {
        b.due(coin);
        b.push(ChainEvent::ExitEnded(coin, exit.exit_id));
    }
    if let Some((coin, last_moved)) = pruned_coin {
        b.forge(CashTx::new(coin, last_moved, address(MALLORY)), MALLORY);
        let forged_at = b.seal(false);
        b.forge(CashTx::new(coin, forged_at, address(MALLORY)), MALLORY);
        let exit_at = b.seal(false);
        let exit = b.exit(coin, MALLORY, exit_at, forged_at, address(MALLORY));
        b.due(coin);
        b.history_challenge(&exit, last_moved, ALICE, ALICE);
        b.history_challenge(&exit, coin, MALLORY, MALLORY);
        b.due(coin);
        b.push(ChainEvent::HistoryAnswered(exit.exit_id, coin));
    }
}

/// Checkpoint 3 (last: its block is withheld): Alice announces her payment to Bob, the operator
/// includes it in the withheld block `K` and proposes `K` stating the coin as Mallory's, bit set.
/// Alice challenges with her deposit; the operator's answer reveals her spend; Bob learns it and
/// challenges with it.
fn revealed_spend(b: &mut Builder) {
    let coin = b.deposit(ALICE);
    b.due(coin);
    let to_bob = b.wallets[ALICE].pay(coin, address(BOB)).unwrap();
    let alices = b.wallets[ALICE].handover(coin).unwrap();
    b.off(coin, OffFact::Expect(BOB, to_bob, alices));
    b.op.submit_tx(to_bob).unwrap();
    let k = b.seal(true);
    let cp = b.checkpoint(&[(coin, MALLORY)], &[], &[]);
    let proposed_at = b.next_time();
    let p = b.propose(&cp, &[coin], &[]);
    b.due(coin);
    b.push(ChainEvent::CheckpointChallenged);
    let block = &b.op.block(k).unwrap().block;
    let spend = Included::new(to_bob.tx, k, &block.proof(coin));
    b.push(ChainEvent::SpendRevealed(p.id, spend, to_bob.sig.to_bytes().to_vec()));
    b.due(coin);
    b.push(ChainEvent::CheckpointChallenged);
    b.time = b.time.max(proposed_at + PERIOD);
    b.push(ChainEvent::Voided);
}

#[derive(Clone, Debug)]
struct Shape {
    false_bit: bool,
    later_owner: bool,
    stale: bool,
    pruned: bool,
    revealed: bool,
    /// Empty blocks after each part.
    gaps: Vec<u8>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (prop::array::uniform5(any::<bool>()), prop::collection::vec(0u8..2, 3)).prop_map(|(flags, gaps)| {
        let [false_bit, later_owner, stale, pruned, revealed] = flags;
        Shape { false_bit, later_owner, stale, pruned, revealed, gaps }
    })
}

fn history(shape: &Shape) -> History {
    let mut b = Builder::new();
    // Bob and Dave hold a coin each that never moves.
    b.deposit(BOB);
    b.deposit(DAVE);
    if shape.false_bit || shape.later_owner {
        voided_checkpoint(&mut b, shape.false_bit, shape.later_owner);
    }
    for _ in 0..shape.gaps[0] {
        b.seal(false);
    }
    if shape.stale || shape.pruned {
        finalised_checkpoint(&mut b, shape.stale, shape.pruned);
    }
    for _ in 0..shape.gaps[1] {
        b.seal(false);
    }
    if shape.revealed {
        revealed_spend(&mut b);
    }
    b.seal(false);
    for _ in 0..shape.gaps[2] {
        b.seal(false);
    }
    b.finish()
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
        let has = |who: &str, kind: &str| expected.keys().any(|k| k.starts_with(&format!("{who}/{kind}/")));
        prop_assert_eq!(has("carol", "challenge-checkpoint"), shape.false_bit, "{:#?}", expected);
        prop_assert_eq!(has("dave", "challenge-checkpoint-after"), shape.later_owner, "{:#?}", expected);
        prop_assert_eq!(has("dave", "cancel-stale"), shape.stale, "{:#?}", expected);
        prop_assert_eq!(has("alice", "challenge-history-at-checkpoint"), shape.pruned, "{:#?}", expected);
        prop_assert_eq!(has("alice", "respond-history-at-checkpoint"), shape.pruned, "{:#?}", expected);
        prop_assert_eq!(has("bob", "challenge-checkpoint"), shape.revealed, "{:#?}", expected);
        for il in &orders {
            let got = run(&h, Some(il));
            prop_assert_eq!(&got, &expected, "{:?}", il);
        }
    }
}
