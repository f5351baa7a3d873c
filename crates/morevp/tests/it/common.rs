//! Shared test helpers: keys, the domain, a stand-in for the framework's block numbering and clock,
//! and a world of named actors (wallets, one watcher per honest actor) around one operator.
//!
//! Nothing here imitates the exit game's rules: a test decides which calls succeed and feeds the
//! watchers the event the game emits for a successful call ([`event_of`]).

#![allow(dead_code)]

pub use plasma_testkit::{domain, key, wei};
use std::collections::BTreeMap;

use plasma_core::{
    BlockSubmittedEvent, ChildChain, DepositEvent,
    alloy_primitives::{Address, B256, U256},
};
use plasma_morevp::{
    ExitCall, GameEvent, MoreVpGame, Operator, Report, SignedTx, UtxoPos, Wallet, Watcher, in_flight_exit_id,
    tx::PaymentTxExt,
};

/// The minimum exit period of the test deployments (phase 1 is half of it).
pub const PERIOD: u64 = 7 * 24 * 3600;

/// The event `MoreVpExitGame` emits when `call`, sent by `sender`, succeeds (a test decides that
/// it does).
pub fn event_of(call: &ExitCall, sender: Address, game: &MoreVpGame, now: u64) -> GameEvent {
    let d = domain();
    match call {
        ExitCall::StartStandardExit(e) => GameEvent::StandardExitStarted {
            utxo_pos: e.utxo_pos,
            owner: e.owner(),
            amount: e.amount(),
            output_id: plasma_morevp::output_id(e.tx.hash(&d), e.utxo_pos.oindex()),
            exitable_at: now + game.min_exit_period,
        },
        ExitCall::StartDepositExit(e) => GameEvent::StandardExitStarted {
            utxo_pos: e.utxo_pos().unwrap(),
            owner: e.owner,
            amount: e.amount,
            output_id: e.output_id(),
            exitable_at: game.deposit_exitable_at(now),
        },
        ExitCall::ChallengeStandardExit(c) => {
            GameEvent::StandardExitChallenged { utxo_pos: c.utxo_pos, challenger: sender }
        }
        ExitCall::StartInFlightExit(e) => {
            let sigs = plasma_morevp::tx::decode_sigs(&e.sigs, e.tx.used_inputs()).unwrap();
            let tx_hash = e.tx.hash(&d);
            GameEvent::InFlightExitStarted {
                tx_hash,
                starter: sender,
                tx: Box::new(SignedTx::new(e.tx.clone(), sigs)),
                exit_id: in_flight_exit_id(tx_hash),
            }
        }
        ExitCall::Piggyback(p) => GameEvent::InFlightExitPiggybacked {
            tx_hash: p.tx.hash(&d),
            owner: p.owner,
            is_output: p.is_output,
            index: p.index,
        },
        ExitCall::ChallengeNotCanonical(c) => GameEvent::InFlightExitChallenged {
            tx_hash: c.tx.hash(&d),
            challenger: sender,
            competitor_position: c.competitor_position(),
        },
        ExitCall::RespondToNonCanonicalChallenge(r) => GameEvent::InFlightExitChallengeResponded {
            tx_hash: r.tx.hash(&d),
            responder: sender,
            tx_pos: r.tx_pos.encode(),
        },
        ExitCall::ChallengeInputSpent(c) => {
            GameEvent::InFlightExitInputBlocked { tx_hash: c.tx.hash(&d), challenger: sender, index: c.input_index }
        }
        ExitCall::ChallengeOutputSpent(c) => {
            GameEvent::InFlightExitOutputBlocked { tx_hash: c.tx.hash(&d), challenger: sender, index: c.output_index }
        }
        ExitCall::DeleteNonPiggybacked(tx) => GameEvent::InFlightExitDeleted { tx_hash: tx.hash(&d) },
    }
}

/// Named actors around one operator: every actor has a wallet; every honest actor a watcher for
/// its own address. Blocks are numbered like `PlasmaFramework` numbers them (child blocks 1000,
/// 2000, …, deposits in between), 15 s apart.
pub struct World {
    pub op: Operator,
    pub game: MoreVpGame,
    pub wallets: BTreeMap<&'static str, Wallet>,
    pub watchers: BTreeMap<&'static str, Watcher>,
    pub block_ts: BTreeMap<u64, u64>,
    pub now: u64,
    next_child: u64,
    next_deposit: u64,
}

impl World {
    /// `actors` with wallets; the `honest` ones also run a watcher.
    pub fn new(actors: &[&'static str], honest: &[&'static str]) -> Self {
        let d = domain();
        let wallets = actors.iter().map(|a| (*a, Wallet::new(key(a), d))).collect();
        let watchers = honest.iter().map(|a| (*a, Watcher::new(d, PERIOD, [key(a).address()]))).collect();
        Self {
            op: Operator::new(d),
            game: MoreVpGame::with_default_bonds(PERIOD),
            wallets,
            watchers,
            block_ts: BTreeMap::new(),
            now: 1_700_000_000,
            next_child: 1000,
            next_deposit: 1,
        }
    }

    pub fn addr(&self, name: &str) -> Address {
        key(name).address()
    }

    pub fn wallet(&mut self, name: &str) -> &mut Wallet {
        self.wallets.get_mut(name).expect("an actor")
    }

    pub fn watcher(&mut self, name: &str) -> &mut Watcher {
        self.watchers.get_mut(name).expect("an honest actor")
    }

    /// A deposit of `amount` by `name`, seen by the operator, the wallet and every watcher.
    pub fn deposit(&mut self, name: &str, amount: u64) -> UtxoPos {
        let event = DepositEvent {
            depositor: self.addr(name),
            blknum: self.next_child - 1000 + self.next_deposit,
            amount: wei(amount),
        };
        self.next_deposit += 1;
        self.block_ts.insert(event.blknum, self.now);
        let pos = self.op.apply_deposit(&event).unwrap();
        assert_eq!(self.wallet(name).add_deposit(&event).unwrap(), pos);
        for watcher in self.watchers.values_mut() {
            watcher.on_deposit(&event).unwrap();
        }
        pos
    }

    /// Seals the pending block (`withhold`: the operator keeps its data back) and has every watcher
    /// check it; returns each watcher's report.
    pub fn seal(&mut self, withhold: bool) -> BTreeMap<&'static str, Report> {
        if withhold {
            self.op.withhold_next_block();
        }
        let block = self.op.build_block().unwrap();
        let event = BlockSubmittedEvent { blknum: self.next_child, root: block.root(), timestamp: self.now };
        self.block_ts.insert(self.next_child, self.now);
        self.next_child += 1000;
        self.next_deposit = 1;
        self.now += 15;
        self.op.on_block_submitted(&event).unwrap();
        let op = &self.op;
        self.watchers
            .iter_mut()
            .map(|(name, watcher)| {
                watcher.on_block_submitted(&event).unwrap();
                let mut reports = watcher.sync(op).unwrap();
                assert_eq!(reports.len(), 1);
                (*name, reports.remove(0))
            })
            .collect()
    }

    /// `from` pays `to` (change back to `from`), the operator accepts it, `to` gets it in flight,
    /// and both parties' watchers learn it.
    pub fn pay(&mut self, from: &str, to: &str, amount: u64) -> SignedTx {
        let to_addr = self.addr(to);
        let tx = self.wallet(from).pay(to_addr, wei(amount), U256::ZERO).unwrap();
        self.op.submit_tx(tx.clone()).unwrap();
        self.hand_over(from, to, &tx);
        tx
    }

    /// `from` hands the in-flight `tx` to `to`; both parties' watchers learn it.
    pub fn hand_over(&mut self, from: &str, to: &str, tx: &SignedTx) {
        let hash = tx.tx_hash(&domain());
        let (signed, proofs) = self.wallet(from).handoff(hash).unwrap();
        self.wallet(to).receive_in_flight(signed, proofs).unwrap();
        for name in [from, to] {
            if let Some(watcher) = self.watchers.get_mut(name) {
                watcher.watch_tx(tx);
            }
        }
    }

    /// Every wallet that is a party of the included `tx` settles it.
    pub fn settle(&mut self, tx: &SignedTx) {
        let inclusion = self.op.inclusion(tx.tx_hash(&domain())).expect("included");
        for wallet in self.wallets.values_mut() {
            let _ = wallet.on_included(tx, &inclusion);
        }
    }

    /// Feeds `event` (emitted now) to every watcher; returns each watcher's report.
    pub fn event(&mut self, event: &GameEvent) -> BTreeMap<&'static str, Report> {
        self.now += 15;
        let now = self.now;
        self.watchers.iter_mut().map(|(name, w)| (*name, w.on_event(event, now).unwrap())).collect()
    }

    /// `sender` sends `call` and it succeeds: every watcher sees its event.
    pub fn perform(&mut self, sender: &str, call: &ExitCall) -> BTreeMap<&'static str, Report> {
        let event = event_of(call, self.addr(sender), &self.game, self.now + 15);
        self.event(&event)
    }

    /// Moves every watcher's clock to `now`.
    pub fn tick(&mut self, now: u64) -> BTreeMap<&'static str, Report> {
        self.now = now;
        self.watchers.iter_mut().map(|(name, w)| (*name, w.tick(now))).collect()
    }

    pub fn hash(tx: &SignedTx) -> B256 {
        tx.tx_hash(&domain())
    }
}
