//! Delivery orders for client property tests.
//!
//! A test builds one history: root-chain events, which reach every client in chain order but may
//! be read late, and off-chain facts (block data, handovers, co-signed states), each of which may
//! arrive at any point of a window between when it exists and the deadline of the decision it
//! enables. [`schedule`] turns that history and an [`Interleaving`] (plain data, so that proptest
//! shrinks it) into the [`Step`]s of one run; `None` gives the in-order run, against which every
//! other order's decisions are compared.

use std::collections::BTreeMap;

use proptest::{collection::vec, prelude::*};

/// When an off-chain fact may arrive: before root-chain event `slot` is read, for some `slot` in
/// `lo..=hi` (`slot == chain_len`: after the last one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The first slot: the fact exists from here on.
    pub lo: usize,
    /// The last slot: the decision it enables falls due after it.
    pub hi: usize,
}

/// One delivery order, as plain data: a delay and a tie-break rank per off-chain fact (missing
/// entries are 0: as early as possible), and whether the client looks after each root-chain
/// position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interleaving {
    /// Per fact, how far into its window it arrives (taken modulo the window's length).
    pub delays: Vec<u16>,
    /// Per fact, its order among the facts arriving at the same slot.
    pub ranks: Vec<u16>,
    /// Per root-chain position, whether the client looks (syncs and decides) before reading it.
    pub looks: Vec<bool>,
}

/// One step of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Off-chain fact number `n` arrives.
    Off(usize),
    /// The client looks: syncs what it has and decides.
    Look,
    /// The client reads root-chain event number `n`.
    Chain(usize),
}

/// The steps of one run over `chain_len` root-chain events and off-chain facts arriving in
/// `windows`. `None`: the in-order delivery (every fact as soon as it exists, a look after every
/// root-chain event). A look is also forced where `forced_look(position)` says (a client's timer,
/// such as giving up on a block's data), before the last root-chain event and at the end, so that
/// every deadline is met.
pub fn schedule(
    chain_len: usize,
    windows: impl IntoIterator<Item = Window>,
    forced_look: impl Fn(usize) -> bool,
    interleaving: Option<&Interleaving>,
) -> Vec<Step> {
    let mut at: Vec<Vec<(u16, usize)>> = vec![Vec::new(); chain_len + 1];
    for (fact, window) in windows.into_iter().enumerate() {
        let hi = window.hi.clamp(window.lo, chain_len);
        let (slot, rank) = match interleaving {
            None => (window.lo.min(chain_len), 0),
            Some(il) => {
                let delay = usize::from(il.delays.get(fact).copied().unwrap_or(0));
                (window.lo + delay % (hi - window.lo + 1), il.ranks.get(fact).copied().unwrap_or(0))
            }
        };
        if let Some(slot) = at.get_mut(slot) {
            slot.push((rank, fact));
        }
    }
    let mut steps = Vec::new();
    for (position, mut facts) in at.into_iter().enumerate() {
        facts.sort_unstable();
        steps.extend(facts.into_iter().map(|(_, fact)| Step::Off(fact)));
        let looks = interleaving.is_none_or(|il| il.looks.get(position).copied().unwrap_or(false));
        if looks || position + 1 >= chain_len || forced_look(position) {
            steps.push(Step::Look);
        }
        if position < chain_len {
            steps.push(Step::Chain(position));
        }
    }
    steps
}

/// An off-chain fact and when it may arrive: before root-chain event `slot` is read, for some
/// `slot` in `lo..=hi` (`slot == chain.len()`: after the last one).
#[derive(Clone, Debug)]
pub struct Timed<F> {
    /// The fact.
    pub fact: F,
    /// The first slot it may arrive at.
    pub lo: usize,
    /// The last slot it may arrive at.
    pub hi: usize,
}

/// One history of root-chain events `E` and off-chain facts `F`, as a client property test
/// delivers it.
#[derive(Clone, Debug)]
pub struct History<E, F> {
    /// The root-chain events, in chain order.
    pub chain: Vec<E>,
    /// The off-chain facts and their windows.
    pub off: Vec<Timed<F>>,
    /// Per child block: the root-chain position from which the client judges it withheld when
    /// its data has not arrived (a forced look).
    pub give_up: BTreeMap<u64, usize>,
    /// Facts whose window ends at their block's give-up position (set by [`History::close`]).
    until_give_up: Vec<(usize, u64)>,
    /// Facts whose window ends at the last root-chain event (set by [`History::close`]).
    open_ended: Vec<usize>,
}

impl<E, F> Default for History<E, F> {
    fn default() -> Self {
        Self {
            chain: Vec::new(),
            off: Vec::new(),
            give_up: BTreeMap::new(),
            until_give_up: Vec::new(),
            open_ended: Vec::new(),
        }
    }
}

impl<E, F> History<E, F> {
    /// Off-chain fact `fact`, arriving before root-chain event `lo` is read or later, until the
    /// client gives up on block `blknum` (its window closes in [`History::close`]).
    pub fn fact_until_give_up(&mut self, fact: F, lo: usize, blknum: u64) {
        self.until_give_up.push((self.off.len(), blknum));
        self.off.push(Timed { fact, lo, hi: lo });
    }

    /// Off-chain fact `fact`, arriving before root-chain event `lo` is read or later, until the
    /// last root-chain event (its window closes in [`History::close`]).
    pub fn fact_open_ended(&mut self, fact: F, lo: usize) {
        self.open_ended.push(self.off.len());
        self.off.push(Timed { fact, lo, hi: lo });
    }

    /// Ends the history after its last root-chain event: no give-up position lies beyond it, and
    /// the windows left open close (at their block's give-up position, or at the last event).
    pub fn close(&mut self) {
        let last = self.chain.len().saturating_sub(1);
        for position in self.give_up.values_mut() {
            *position = (*position).min(last);
        }
        for (fact, blknum) in self.until_give_up.drain(..) {
            self.off[fact].hi = self.give_up[&blknum];
        }
        for fact in self.open_ended.drain(..) {
            self.off[fact].hi = last;
        }
    }

    /// The steps of one run (`None`: the in-order run), a look forced at every give-up position.
    pub fn schedule(&self, interleaving: Option<&Interleaving>) -> Vec<Step> {
        let windows = self.off.iter().map(|t| Window { lo: t.lo, hi: t.hi });
        schedule(self.chain.len(), windows, |p| self.give_up.values().any(|g| *g == p), interleaving)
    }
}

/// What a client of a UTXO design (MVP, MoreVP) has received of a [`History`] so far: how many
/// root-chain events it read, and the child blocks' data that arrived.
#[derive(Debug)]
pub struct Received<'h, E, F, D> {
    /// The history.
    pub h: &'h History<E, F>,
    /// How many root-chain events the client read.
    pub cursor: usize,
    /// Per child block, its data, once it arrived.
    pub data: BTreeMap<u64, D>,
}

impl<'h, E, F, D> Received<'h, E, F, D> {
    /// Nothing received yet of `h`.
    pub const fn new(h: &'h History<E, F>) -> Self {
        Self { h, cursor: 0, data: BTreeMap::new() }
    }

    /// Block `blknum`'s data as the client can judge the block now: `Some(Some(data))` once it
    /// arrived, `Some(None)` once the client gives up waiting for it (the block is withheld),
    /// `None` while it waits.
    pub fn block_data(&self, blknum: u64) -> Option<Option<&D>> {
        match self.data.get(&blknum) {
            Some(data) => Some(Some(data)),
            None if self.cursor >= self.h.give_up[&blknum] => Some(None),
            None => None,
        }
    }
}

/// A client under a property test, fed one run's [`Step`]s by [`run`].
pub trait Driven {
    /// What one run decided.
    type Decisions;
    /// Off-chain fact number `fact` arrives.
    fn off(&mut self, fact: usize);
    /// The client looks: syncs what it has and decides.
    fn look(&mut self);
    /// The client reads root-chain event number `event`.
    fn chain(&mut self, event: usize);
    /// What the run decided, checked for consistency at its end.
    fn decisions(self) -> Self::Decisions;
}

/// Feeds `client` the steps of one run; returns what it decided.
pub fn run<C: Driven>(mut client: C, steps: impl IntoIterator<Item = Step>) -> C::Decisions {
    for step in steps {
        match step {
            Step::Off(fact) => client.off(fact),
            Step::Look => client.look(),
            Step::Chain(event) => client.chain(event),
        }
    }
    client.decisions()
}

/// One step of a run in which a look reads every root-chain event before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotStep {
    /// Off-chain fact number `n` arrives.
    Off(usize),
    /// The client looks, having the root-chain events before slot `n` to read.
    Look(usize),
}

/// A [`schedule`]'s steps for clients that read the root chain only when they look: each look
/// carries the slot it reads up to.
pub fn by_slot(steps: impl IntoIterator<Item = Step>) -> Vec<SlotStep> {
    let mut read = 0;
    steps
        .into_iter()
        .filter_map(|step| match step {
            Step::Off(fact) => Some(SlotStep::Off(fact)),
            Step::Look => Some(SlotStep::Look(read)),
            Step::Chain(position) => {
                read = position + 1;
                None
            }
        })
        .collect()
}

/// A history's shape drawn by `shape`, with three orders to deliver its facts in.
pub fn with_orders<S: Strategy>(shape: S) -> impl Strategy<Value = (S::Value, Vec<Interleaving>)> {
    (shape, vec(interleaving(), 3))
}

/// Checks that the run in each of `orders` decides what the in-order run decided (`expected`).
///
/// # Errors
/// The first order whose decisions differ, as a proptest failure.
pub fn check_orders<T: PartialEq + core::fmt::Debug>(
    expected: &T,
    orders: &[Interleaving],
    run: impl Fn(&Interleaving) -> T,
) -> Result<(), TestCaseError> {
    for il in orders {
        let got = run(il);
        prop_assert_eq!(&got, expected, "{:?}", il);
    }
    Ok(())
}

/// The shape of a UTXO history (MVP, MoreVP), drawn by proptest: honest payments, at most one
/// operator fault among them, the exit of a spent output, one part `X` of the design's own, and
/// the client's patience.
#[derive(Clone, Debug)]
pub struct UtxoShape<F, X> {
    /// Honest payments: payer, payee (indices into the users), amount.
    pub payments: Vec<(usize, usize, u64)>,
    /// The fault, and how many payments come before it.
    pub fault: Option<(F, usize)>,
    /// A user pays another a deposit, then exits the deposit.
    pub spent_exit: bool,
    /// The design's own part.
    pub own: X,
    /// Root-chain events the client waits for a block's data before judging it withheld.
    pub patience: usize,
}

/// [`UtxoShape`]s over three users: up to four payments of up to 59 wei, a fault drawn by `fault`
/// at any point, a design's own part drawn by `own`, a patience of 1 to 4 events.
pub fn utxo_shape<F: Clone + core::fmt::Debug, X: Clone + core::fmt::Debug>(
    fault: impl Strategy<Value = F>,
    own: impl Strategy<Value = X>,
) -> impl Strategy<Value = UtxoShape<F, X>> {
    (
        vec((0usize..3, 0usize..3, 1u64..60), 0..4),
        proptest::option::of((fault, 0usize..4)),
        any::<bool>(),
        own,
        1usize..5,
    )
        .prop_map(|(payments, fault, spent_exit, own, patience)| UtxoShape {
            payments,
            fault,
            spent_exit,
            own,
            patience,
        })
}

/// Interleavings for up to 40 facts and positions: any delay, four ranks, any looks.
pub fn interleaving() -> impl Strategy<Value = Interleaving> {
    interleaving_for(40, 40)
}

/// Interleavings for up to `facts` off-chain facts and `positions` root-chain positions.
pub fn interleaving_for(facts: usize, positions: usize) -> impl Strategy<Value = Interleaving> {
    (vec(any::<u16>(), 0..facts), vec(0u16..4, 0..facts), vec(any::<bool>(), 0..positions))
        .prop_map(|(delays, ranks, looks)| Interleaving { delays, ranks, looks })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_in_order_run_delivers_each_fact_as_soon_as_it_exists_and_looks_after_every_event() {
        let steps = schedule(2, [Window { lo: 1, hi: 2 }, Window { lo: 0, hi: 0 }], |_| false, None);
        assert_eq!(
            steps,
            [Step::Off(1), Step::Look, Step::Chain(0), Step::Off(0), Step::Look, Step::Chain(1), Step::Look]
        );
    }

    #[test]
    fn a_look_by_slot_reads_the_events_before_it() {
        let steps = by_slot(schedule(2, [Window { lo: 1, hi: 1 }], |_| false, None));
        assert_eq!(steps, [SlotStep::Look(0), SlotStep::Off(0), SlotStep::Look(1), SlotStep::Look(2)]);
    }

    #[test]
    fn delays_stay_inside_the_window_and_forced_looks_happen() {
        let il = Interleaving { delays: vec![7], ranks: vec![], looks: vec![false; 4] };
        let steps = schedule(3, [Window { lo: 1, hi: 2 }], |p| p == 0, Some(&il));
        // 7 % 2 = 1: the fact arrives at slot 2, before event 2.
        assert_eq!(
            steps,
            [Step::Look, Step::Chain(0), Step::Chain(1), Step::Off(0), Step::Look, Step::Chain(2), Step::Look]
        );
    }
}
