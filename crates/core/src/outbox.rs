//! The client's outbox: every action a watcher decided, kept until its transaction succeeds or its
//! deadline passes.
//!
//! A watcher decides an action once (a challenge, an answer, a piggyback); sending it is the
//! client's duty, and a send can fail for reasons that pass: the transaction is dropped before it
//! is mined, the sender lacks the bond for a moment, a node is down. The outbox keeps each decided
//! action under a key (two watchers deciding the same call make one entry), hands out the ones due,
//! and after a failure schedules the next attempt with a doubling delay, never later than the
//! action's deadline allows. An action leaves the outbox when it succeeds, when its deadline passes
//! ([`Outbox::expire`] reports it: a missed deadline is a loss the user must hear of), when the
//! client withdraws it because what it was about ended ([`Outbox::retain`]), or after
//! [`RetryPolicy::max_attempts`] failures.
//!
//! Times are root-chain timestamps, never the client's own clock.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::types::Timestamp;

/// How often, and how long, a failed action is tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Seconds after the first failure before the next attempt (0: at the next look).
    pub first_delay: u64,
    /// The delay never grows beyond this.
    pub max_delay: u64,
    /// Failures after which the action is given up.
    pub max_attempts: u32,
    /// The last attempt is made at least this many seconds before the deadline, so that it can
    /// still be mined in time.
    pub margin: u64,
}

impl RetryPolicy {
    /// Retries at every look, up to 16 times, with no margin: for clients that look at the chain
    /// on a schedule of their own (the scenario harness looks once a simulated day).
    pub const EVERY_LOOK: Self = Self { first_delay: 0, max_delay: 0, max_attempts: 16, margin: 0 };

    /// The delay before attempt `attempts + 1`, after `attempts` failures.
    #[must_use]
    pub fn delay(&self, attempts: u32) -> u64 {
        let doubling = attempts.saturating_sub(1).min(32);
        self.first_delay.saturating_mul(1u64 << doubling).min(self.max_delay)
    }
}

impl Default for RetryPolicy {
    /// A minute first, doubling up to an hour, 32 attempts, a five-minute margin: for a client
    /// on a live chain.
    fn default() -> Self {
        Self { first_delay: 60, max_delay: 3_600, max_attempts: 32, margin: 300 }
    }
}

/// One decided action and its sending record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry<A> {
    /// What to send.
    pub action: A,
    /// After this root-chain time the action can no longer help (the exit is processed, the
    /// response window closed); it is not sent at or after it.
    pub deadline: Timestamp,
    /// Failed sends so far.
    pub attempts: u32,
    /// Not sent again before this time.
    pub next_try: Timestamp,
    /// The last failure's reason.
    pub last_error: Option<String>,
    /// Decision order, so that actions go out in the order they were decided.
    seq: u64,
}

/// Why an entry left the outbox without succeeding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GaveUp {
    /// Its deadline passed before any attempt succeeded.
    DeadlinePassed,
    /// It failed [`RetryPolicy::max_attempts`] times.
    TooManyFailures,
}

/// The decided actions of one client, keyed by `K` (usually the call's bytes).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Outbox<K: Ord, A> {
    entries: BTreeMap<K, Entry<A>>,
    policy: RetryPolicy,
    next_seq: u64,
    succeeded: u64,
    retried: u64,
}

impl<K: Ord + Clone, A: Clone> Default for Outbox<K, A> {
    fn default() -> Self {
        Self::new(RetryPolicy::default())
    }
}

impl<K: Ord + Clone, A: Clone> Outbox<K, A> {
    /// An empty outbox that retries by `policy`.
    #[must_use]
    pub const fn new(policy: RetryPolicy) -> Self {
        Self { entries: BTreeMap::new(), policy, next_seq: 0, succeeded: 0, retried: 0 }
    }

    /// Records a decided action, due at once. An action already waiting under `key` is kept as it
    /// is (the earlier decision stands) and `false` is returned; so is one whose deadline passed.
    pub fn push(&mut self, key: K, action: A, deadline: Timestamp, now: Timestamp) -> bool {
        if now >= deadline || self.entries.contains_key(&key) {
            return false;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.insert(key, Entry { action, deadline, attempts: 0, next_try: now, last_error: None, seq });
        true
    }

    /// The actions to send at `now`, in the order they were decided: not yet succeeded, not
    /// waiting out a retry delay, and before their deadline.
    #[must_use]
    pub fn due(&self, now: Timestamp) -> Vec<(K, A)> {
        let mut due: Vec<_> = self
            .entries
            .iter()
            .filter(|(_, entry)| entry.next_try <= now && now < entry.deadline)
            .map(|(key, entry)| (entry.seq, key.clone(), entry.action.clone()))
            .collect();
        due.sort_by_key(|(seq, ..)| *seq);
        due.into_iter().map(|(_, key, action)| (key, action)).collect()
    }

    /// The action under `key` was mined and did what it should: it leaves the outbox.
    pub fn succeeded(&mut self, key: &K) -> Option<Entry<A>> {
        let entry = self.entries.remove(key)?;
        self.succeeded += 1;
        Some(entry)
    }

    /// The send of `key` at `now` failed with `reason`: the next attempt waits the policy's delay
    /// (never past the last moment the deadline allows). Returns [`GaveUp`] and drops the entry
    /// once it failed too often.
    pub fn failed(&mut self, key: &K, now: Timestamp, reason: impl Into<String>) -> Option<GaveUp> {
        let policy = self.policy;
        let entry = self.entries.get_mut(key)?;
        entry.attempts += 1;
        entry.last_error = Some(reason.into());
        if entry.attempts >= policy.max_attempts {
            self.entries.remove(key);
            return Some(GaveUp::TooManyFailures);
        }
        let last_chance = entry.deadline.saturating_sub(policy.margin.saturating_add(1)).max(now);
        entry.next_try = now.saturating_add(policy.delay(entry.attempts)).min(last_chance);
        self.retried += 1;
        None
    }

    /// Drops and returns the entries whose deadline passed by `now`.
    pub fn expire(&mut self, now: Timestamp) -> Vec<(K, Entry<A>)> {
        let gone: Vec<K> = self.entries.iter().filter(|(_, e)| now >= e.deadline).map(|(k, _)| k.clone()).collect();
        gone.into_iter().filter_map(|key| self.entries.remove(&key).map(|entry| (key, entry))).collect()
    }

    /// Keeps only the entries `keep` approves: the client withdraws actions about things that
    /// ended (an exit processed or cancelled by someone else).
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &A) -> bool) {
        self.entries.retain(|key, entry| keep(key, &entry.action));
    }

    /// The entry waiting under `key`.
    #[must_use]
    pub fn get(&self, key: &K) -> Option<&Entry<A>> {
        self.entries.get(key)
    }

    /// How many actions are waiting.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing waits.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Actions that succeeded so far, and failed sends that were scheduled again.
    #[must_use]
    pub const fn counts(&self) -> (u64, u64) {
        (self.succeeded, self.retried)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbox() -> Outbox<u32, &'static str> {
        Outbox::new(RetryPolicy { first_delay: 10, max_delay: 40, max_attempts: 5, margin: 5 })
    }

    #[test]
    fn an_action_is_due_until_it_succeeds_and_decided_twice_is_one_entry() {
        let mut out = outbox();
        assert!(out.push(1, "challenge", 1_000, 0));
        assert!(!out.push(1, "challenge again", 1_000, 0));
        assert!(out.push(2, "answer", 1_000, 0));
        assert_eq!(out.due(0), vec![(1, "challenge"), (2, "answer")]);
        assert!(out.succeeded(&1).is_some());
        assert_eq!(out.due(0), vec![(2, "answer")]);
        assert_eq!(out.counts(), (1, 0));
    }

    #[test]
    fn failures_back_off_doubling_and_never_past_the_deadline() {
        let mut out = outbox();
        out.push(7, "challenge", 100, 0);
        assert_eq!(out.failed(&7, 0, "dropped"), None);
        assert!(out.due(9).is_empty());
        assert_eq!(out.due(10), vec![(7, "challenge")]);
        out.failed(&7, 10, "dropped");
        assert_eq!(out.get(&7).map(|e| e.next_try), Some(30));
        out.failed(&7, 30, "dropped");
        assert_eq!(out.get(&7).map(|e| e.next_try), Some(70));
        // The fourth delay (80) is capped at 40, then at the last chance before the deadline.
        out.failed(&7, 70, "dropped");
        assert_eq!(out.get(&7).map(|e| e.next_try), Some(94));
        assert_eq!(out.get(&7).and_then(|e| e.last_error.as_deref()), Some("dropped"));
        assert_eq!(out.failed(&7, 94, "dropped"), Some(GaveUp::TooManyFailures));
        assert!(out.is_empty());
    }

    #[test]
    fn nothing_is_sent_at_or_after_its_deadline_and_expiry_reports_it() {
        let mut out = outbox();
        assert!(!out.push(1, "late", 50, 50));
        out.push(2, "challenge", 50, 0);
        assert!(out.due(50).is_empty());
        let expired = out.expire(50);
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].0, 2);
        assert!(out.is_empty());
    }

    #[test]
    fn withdrawn_actions_leave() {
        let mut out = outbox();
        out.push(1, "about exit 1", 100, 0);
        out.push(2, "about exit 2", 100, 0);
        out.retain(|key, _| *key != 1);
        assert_eq!(out.due(0), vec![(2, "about exit 2")]);
    }

    #[test]
    fn the_delay_saturates() {
        let policy = RetryPolicy { first_delay: u64::MAX / 2, max_delay: u64::MAX, max_attempts: 99, margin: 0 };
        assert_eq!(policy.delay(60), u64::MAX);
        assert_eq!(RetryPolicy::EVERY_LOOK.delay(3), 0);
    }
}
