//! Delivery orders for client property tests.
//!
//! A test builds one history: root-chain events, which reach every client in chain order but may
//! be read late, and off-chain facts (block data, handovers, co-signed states), each of which may
//! arrive at any point of a window between when it exists and the deadline of the decision it
//! enables. [`schedule`] turns that history and an [`Interleaving`] (plain data, so that proptest
//! shrinks it) into the [`Step`]s of one run; `None` gives the in-order run, against which every
//! other order's decisions are compared.

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

/// One step of a run in which a look reads every root-chain event before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotStep {
    /// Off-chain fact number `n` arrives.
    Off(usize),
    /// The client looks, having the root-chain events before slot `n` to read.
    Look(usize),
}

/// [`schedule`] for clients that read the root chain only when they look: each look carries the
/// slot it reads up to.
pub fn schedule_by_slot(
    chain_len: usize,
    windows: impl IntoIterator<Item = Window>,
    forced_look: impl Fn(usize) -> bool,
    interleaving: Option<&Interleaving>,
) -> Vec<SlotStep> {
    let mut read = 0;
    schedule(chain_len, windows, forced_look, interleaving)
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
        let steps = schedule_by_slot(2, [Window { lo: 1, hi: 1 }], |_| false, None);
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
