//! The outbox of decided calls, and how a call reaches the root chain.
//!
//! A client (or an operator) decides a call once; sending it is the runtime's duty, and a send can
//! fail for reasons that pass (the transaction is lost before it is mined, the sender lacks the bond
//! for a moment, a node is down) or because the game no longer accepts it. [`ActionQueue`] keeps
//! every decided call in a [`plasma_core::Outbox`] keyed by calldata (two users deciding the same
//! call make one entry), sends the due ones in decision order, simulates a retry before paying gas
//! for it, and drops an entry when it succeeds, when its owner says it no longer matters, when its
//! deadline passes (a missed deadline is reported) or after too many failures.

use std::collections::BTreeSet;

use alloy_primitives::{Address, Bytes};
use plasma_core::{Decision, Outbox, RetryPolicy, Timestamp};
use plasma_rootchain::{CallOutcome, Receipt, RootChain, TxRequest};

use crate::Result;

/// How the runtime sends its calls: any [`RootChain`] does, and a test harness may put a lossy
/// network in between.
#[async_trait::async_trait]
pub trait Submit: Send {
    /// The root chain, to read from.
    fn reader(&self) -> &dyn RootChain;
    /// The root chain's latest block time.
    async fn now(&self) -> Result<Timestamp>;
    /// What sending `tx` now would do, without sending it.
    async fn simulate(&self, tx: &TxRequest) -> Result<CallOutcome>;
    /// Sends `tx`: `Ok(Err(reason))` when it was not mined (lost, or refused by the node, e.g. for
    /// want of funds), which the queue tries again.
    async fn submit(&mut self, tx: TxRequest) -> Result<Result<Receipt, String>>;
}

#[async_trait::async_trait]
impl<C: RootChain> Submit for C {
    fn reader(&self) -> &dyn RootChain {
        self
    }

    async fn now(&self) -> Result<Timestamp> {
        Ok(self.block_time().await?)
    }

    async fn simulate(&self, tx: &TxRequest) -> Result<CallOutcome> {
        Ok(RootChain::simulate(self, tx).await?)
    }

    async fn submit(&mut self, tx: TxRequest) -> Result<Result<Receipt, String>> {
        match self.send(tx).await {
            Ok(receipt) => Ok(Ok(receipt)),
            Err(refused @ plasma_rootchain::Error::Evm(_)) => Ok(Err(refused.to_string())),
            Err(other) => Err(other.into()),
        }
    }
}

/// What the runtime did, in words, for a log or a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note(pub String);

impl core::fmt::Display for Note {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One queued call: who decided it, how the notes name its sender, and the decision.
#[derive(Clone, Debug)]
pub struct Queued<T> {
    /// The client (or operator) that decided it, as the runtime names it.
    pub owner: String,
    /// How notes name the sender (`"bob's watcher"`, `"bob"`).
    pub who: String,
    /// The decision.
    pub decision: Decision<T>,
}

/// The outbox of decided calls to one contract.
#[derive(Debug)]
pub struct ActionQueue<T> {
    to: Address,
    inner: Outbox<Bytes, Queued<T>>,
    /// Entries whose last send was mined and reverted.
    reverted: BTreeSet<Bytes>,
}

impl<T: Clone> ActionQueue<T> {
    /// An empty queue of calls to `to` (the exit game), retried as `policy` says.
    #[must_use]
    pub fn new(to: Address, policy: RetryPolicy) -> Self {
        Self { to, inner: Outbox::new(policy), reverted: BTreeSet::new() }
    }

    /// Queues `decision` by `owner`, named `who` in notes; the same call decided earlier stands.
    pub fn decide(&mut self, owner: &str, who: String, decision: Decision<T>, now: Timestamp) {
        let deadline = decision.deadline;
        let queued = Queued { owner: owner.to_owned(), who, decision };
        self.inner.push(queued.decision.call.data.clone(), queued, deadline, now);
    }

    /// How many calls wait.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether no call waits.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Withdraws the calls `keep` refuses (what they were about ended).
    pub fn retain(&mut self, mut keep: impl FnMut(&Queued<T>) -> bool) {
        self.inner.retain(|_, queued| keep(queued));
        let inner = &self.inner;
        self.reverted.retain(|key| inner.get(key).is_some());
    }

    /// Sends every due call in decision order and returns those that succeeded. A call not mined
    /// (lost, refused) or reverted is noted and kept for the next flush, where it is simulated
    /// first; a call whose deadline passed is noted as missed (never mined) or given up (it kept
    /// reverting: the game no longer accepts it, usually because another call already did its
    /// work).
    pub async fn flush<S: Submit + ?Sized>(&mut self, chain: &mut S, notes: &mut Vec<Note>) -> Result<Vec<Queued<T>>> {
        let now = chain.now().await?;
        for (key, missed) in self.inner.expire(now) {
            let queued = missed.action;
            let (who, what) = (&queued.who, &queued.decision.what);
            let reason = missed.last_error.unwrap_or_default();
            if self.reverted.remove(&key) {
                notes.push(Note(format!("{who} gives up: {what} (reverts: {reason})")));
            } else {
                notes.push(Note(format!(
                    "{who} missed the deadline: {what} (never mined in {} attempts: {reason})",
                    missed.attempts
                )));
            }
        }
        let mut done = Vec::new();
        for (key, queued) in self.inner.due(now) {
            let (who, what) = (queued.who.clone(), queued.decision.what.clone());
            let retry = self.inner.get(&key).map_or(0, |entry| entry.attempts);
            let again = if retry > 0 { " (again)" } else { "" };
            let tx = TxRequest::call(queued.decision.sender, self.to, queued.decision.call.data.clone())
                .with_value(queued.decision.call.value);
            if retry > 0 {
                // A retry is simulated first: a call that stays invalid costs no gas, and is tried
                // again at the next flush until its deadline.
                let outcome = chain.simulate(&tx).await?;
                if !outcome.success {
                    self.fail(&key, &queued, now, outcome.revert_reason.unwrap_or_default(), notes);
                    continue;
                }
            }
            match chain.submit(tx).await? {
                Ok(receipt) if receipt.success => {
                    notes.push(Note(format!("{who} {what}{again}")));
                    self.inner.succeeded(&key);
                    self.reverted.remove(&key);
                    done.push(queued);
                }
                Ok(receipt) => {
                    let reason = receipt.revert_reason.unwrap_or_default();
                    notes.push(Note(format!("{who} {what}: reverted ({reason})")));
                    self.reverted.insert(key.clone());
                    self.fail(&key, &queued, now, reason, notes);
                }
                Err(reason) => {
                    notes.push(Note(format!("{who} {what}: {reason}")));
                    self.reverted.remove(&key);
                    self.fail(&key, &queued, now, reason, notes);
                }
            }
        }
        Ok(done)
    }

    /// Records a failed attempt; notes it when the queue gives the call up.
    fn fail(&mut self, key: &Bytes, queued: &Queued<T>, now: Timestamp, reason: String, notes: &mut Vec<Note>) {
        if let Some(gave_up) = self.inner.failed(key, now, reason.clone()) {
            self.reverted.remove(key);
            notes.push(Note(format!("{} gives up: {} ({gave_up:?}: {reason})", queued.who, queued.decision.what)));
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, Bytes, U256};
    use plasma_core::{Decision, GameCall, RetryPolicy, Role};
    use plasma_rootchain::{EmbeddedEvm, RootChain, dev_accounts};

    use super::*;

    /// The embedded EVM behind a network that loses the next `lose` sends and makes every send
    /// revert while `reverts` is set (as the game would once another call did the work).
    struct Lossy {
        chain: EmbeddedEvm,
        lose: u32,
        reverts: bool,
    }

    #[async_trait::async_trait]
    impl Submit for Lossy {
        fn reader(&self) -> &dyn RootChain {
            &self.chain
        }

        async fn now(&self) -> crate::Result<Timestamp> {
            Ok(self.chain.block_time().await?)
        }

        async fn simulate(&self, tx: &TxRequest) -> crate::Result<CallOutcome> {
            let mut outcome = RootChain::simulate(&self.chain, tx).await?;
            if self.reverts {
                outcome.success = false;
                outcome.revert_reason = Some("already done".into());
            }
            Ok(outcome)
        }

        async fn submit(&mut self, tx: TxRequest) -> crate::Result<Result<Receipt, String>> {
            if self.lose > 0 {
                self.lose -= 1;
                return Ok(Err("lost".into()));
            }
            let mut receipt = self.chain.send(tx).await?;
            if self.reverts {
                receipt.success = false;
                receipt.revert_reason = Some("already done".into());
            }
            Ok(Ok(receipt))
        }
    }

    fn decision(sender: Address, byte: u8, deadline: Timestamp) -> Decision<u8> {
        Decision {
            by: Role::Watcher,
            tag: byte,
            sender,
            call: GameCall { data: Bytes::from(vec![byte; 4]), value: U256::ZERO },
            deadline,
            what: format!("does {byte}"),
        }
    }

    async fn setup(lose: u32) -> (Lossy, Address, Timestamp) {
        let chain = EmbeddedEvm::new();
        let sender = dev_accounts()[1];
        let now = chain.block_time().await.unwrap_or_default();
        (Lossy { chain, lose, reverts: false }, sender, now)
    }

    fn texts(notes: &[Note]) -> Vec<&str> {
        notes.iter().map(|n| n.0.as_str()).collect()
    }

    #[tokio::test]
    async fn a_lost_send_is_sent_again_until_it_is_mined() -> crate::Result<()> {
        let (mut chain, sender, now) = setup(2).await;
        let mut queue = ActionQueue::new(Address::repeat_byte(7), RetryPolicy::EVERY_LOOK);
        queue.decide("bob", "bob's watcher".into(), decision(sender, 1, now + 1_000), now);
        // The same call decided again stands once.
        queue.decide("carol", "carol's watcher".into(), decision(sender, 1, now + 1_000), now);
        assert_eq!(queue.len(), 1);
        let mut notes = Vec::new();
        assert!(queue.flush(&mut chain, &mut notes).await?.is_empty());
        assert!(queue.flush(&mut chain, &mut notes).await?.is_empty());
        let done = queue.flush(&mut chain, &mut notes).await?;
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].owner, "bob");
        assert!(queue.is_empty());
        assert_eq!(
            texts(&notes),
            ["bob's watcher does 1: lost", "bob's watcher does 1: lost", "bob's watcher does 1 (again)"]
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_call_never_mined_before_its_deadline_is_reported_missed() -> crate::Result<()> {
        let (mut chain, sender, now) = setup(u32::MAX).await;
        let mut queue = ActionQueue::new(Address::repeat_byte(7), RetryPolicy::EVERY_LOOK);
        queue.decide("bob", "bob".into(), decision(sender, 2, now + 10), now);
        let mut notes = Vec::new();
        queue.flush(&mut chain, &mut notes).await?;
        chain.chain.advance_time(20).await?;
        queue.flush(&mut chain, &mut notes).await?;
        assert!(queue.is_empty());
        assert_eq!(
            notes.last().map(|n| n.0.as_str()),
            Some("bob missed the deadline: does 2 (never mined in 1 attempts: lost)")
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_reverting_call_is_simulated_before_a_retry_and_given_up_at_its_deadline() -> crate::Result<()> {
        let (mut chain, sender, now) = setup(0).await;
        chain.reverts = true;
        let mut queue = ActionQueue::new(Address::repeat_byte(7), RetryPolicy::EVERY_LOOK);
        queue.decide("bob", "bob".into(), decision(sender, 3, now + 10), now);
        let mut notes = Vec::new();
        queue.flush(&mut chain, &mut notes).await?;
        let sent = chain.chain.block_number().await?;
        // The retry is simulated, fails, and sends nothing.
        queue.flush(&mut chain, &mut notes).await?;
        assert_eq!(chain.chain.block_number().await?, sent);
        chain.chain.advance_time(20).await?;
        queue.flush(&mut chain, &mut notes).await?;
        assert!(queue.is_empty());
        assert_eq!(
            texts(&notes),
            ["bob does 3: reverted (already done)", "bob gives up: does 3 (reverts: already done)"]
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_withdrawn_call_is_not_sent() -> crate::Result<()> {
        let (mut chain, sender, now) = setup(0).await;
        let mut queue = ActionQueue::new(Address::repeat_byte(7), RetryPolicy::EVERY_LOOK);
        queue.decide("bob", "bob".into(), decision(sender, 4, now + 10), now);
        queue.decide("bob", "bob".into(), decision(sender, 5, now + 10), now);
        queue.retain(|queued| queued.decision.tag != 4);
        let mut notes = Vec::new();
        let done = queue.flush(&mut chain, &mut notes).await?;
        assert_eq!(done.iter().map(|q| q.decision.tag).collect::<Vec<_>>(), [5]);
        assert_eq!(texts(&notes), ["bob does 5"]);
        Ok(())
    }
}
