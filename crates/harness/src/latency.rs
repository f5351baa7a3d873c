//! Exit latency: how long after a fault (or, in an honest scenario, after the first exit) the
//! last exit that paid out became processable.
//!
//! The time is read from the framework's own exit queue, so it is the protocol's figure and not
//! the scenario's schedule: a scenario may wait three periods before it calls `processExits`,
//! but an exit queued with `exitableAt = t` could have been paid at `t`. The tracker mirrors the
//! queue from `ExitQueued` events (priority = `exitableAt << 192 | position << 96 | exitId`);
//! when a `processExits` call processes `n` exits, they are the `n` lowest priorities, and if the
//! call paid anything, the latest `exitableAt` among them is when that payout became possible.

use std::collections::BTreeSet;

use alloy_primitives::U256;
use alloy_sol_types::SolEvent;
use plasma_contracts::PlasmaFramework;
use plasma_rootchain::{LogFilter, Receipt, RootChain};

use crate::{Error, Step, World};

/// What the latency of a scenario is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LatencyStart {
    /// The first operator fault (or cheating exit) of the scenario.
    Fault,
    /// The first exit, in a scenario without faults.
    FirstExit,
}

/// The exit latency of one scenario run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Latency {
    /// What the time is counted from.
    pub from: LatencyStart,
    /// Seconds from then until the last exit that paid out could be processed.
    pub seconds: u64,
}

/// Follows a scenario run and works out its [`Latency`].
#[derive(Debug, Default)]
pub(crate) struct LatencyTracker {
    start: Option<(LatencyStart, u64)>,
    queue: BTreeSet<U256>,
    cursor: u64,
    last_payable: Option<u64>,
}

impl LatencyTracker {
    /// Notes when the first fault step (an operator fault, a cheating exit, a false checkpoint)
    /// or, failing one, the first exit step starts (`now` is the chain's time).
    pub(crate) fn before_step(&mut self, step: &Step, now: u64) {
        let is_fault = !crate::faults::step_classes(step).is_empty();
        match self.start {
            Some((LatencyStart::Fault, _)) => {}
            _ if is_fault => self.start = Some((LatencyStart::Fault, now)),
            None if matches!(step, Step::Exit { .. }) => self.start = Some((LatencyStart::FirstExit, now)),
            _ => {}
        }
    }

    /// Brings the queue mirror up to date before a `processExits` call.
    pub(crate) async fn before_processing(&mut self, world: &World) -> Result<(), Error> {
        let latest = world.chain.block_number().await?;
        if latest < self.cursor {
            return Ok(());
        }
        let filter = LogFilter {
            address: Some(world.framework),
            topic0: Some(PlasmaFramework::ExitQueued::SIGNATURE_HASH),
            from_block: self.cursor,
            to_block: Some(latest),
        };
        for entry in world.chain.logs(&filter).await? {
            let queued = PlasmaFramework::ExitQueued::decode_log(&entry.log)
                .map_err(|err| Error::Scenario(format!("undecodable ExitQueued event: {err}")))?;
            self.queue.insert(queued.priority);
        }
        self.cursor = latest + 1;
        Ok(())
    }

    /// Takes the processed exits off the mirror; if the call paid anything, notes when the last
    /// of them became processable.
    pub(crate) fn after_processing(&mut self, receipt: &Receipt) -> Result<(), Error> {
        let processed = receipt
            .logs
            .iter()
            .find_map(|log| PlasmaFramework::ExitsProcessed::decode_log(log).ok())
            .ok_or_else(|| Error::Scenario("processExits without ExitsProcessed".into()))?
            .count;
        let paid = receipt.logs.iter().any(|log| PlasmaFramework::ExitPaid::decode_log(log).is_ok());
        let mut latest_exitable = None;
        for _ in 0..processed.saturating_to::<usize>() {
            let Some(priority) = self.queue.pop_first() else { break };
            latest_exitable = latest_exitable.max(Some(exitable_at(priority)));
        }
        if paid {
            self.last_payable = self.last_payable.max(latest_exitable);
        }
        Ok(())
    }

    /// The run's latency, when it had a start and a payout after it (a payout that was
    /// processable before the fault, as in a scenario whose fault comes after every exit, counts
    /// for nothing).
    pub(crate) fn latency(&self) -> Option<Latency> {
        let (from, start) = self.start?;
        let seconds = self.last_payable?.checked_sub(start)?;
        Some(Latency { from, seconds })
    }
}

/// The `exitableAt` of a queue priority.
fn exitable_at(priority: U256) -> u64 {
    let shifted: U256 = priority >> 192;
    shifted.saturating_to::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exitable_time_is_the_top_64_bits() {
        let priority = (U256::from(1_700_000_000u64) << 192) | (U256::from(7u64) << 96) | U256::from(3u64);
        assert_eq!(exitable_at(priority), 1_700_000_000);
    }

    #[test]
    fn latency_needs_a_start_and_a_payout() {
        let mut tracker = LatencyTracker::default();
        assert_eq!(tracker.latency(), None);
        tracker.before_step(&Step::CommitBlock, 5);
        tracker.before_step(
            &Step::Exit { actor: "alice".into(), what: crate::ExitWhat::All, must_fail: false, may_fail: false },
            50,
        );
        assert_eq!(tracker.start, Some((LatencyStart::FirstExit, 50)));
        tracker.before_step(&Step::Fault { fault: crate::Fault::WithholdBlock }, 100);
        tracker.before_step(&Step::Fault { fault: crate::Fault::WithholdBlock }, 200);
        assert_eq!(tracker.latency(), None);
        tracker.last_payable = Some(1_000);
        assert_eq!(tracker.latency(), Some(Latency { from: LatencyStart::Fault, seconds: 900 }));
    }
}
