//! What `plasma bench` measures of a design's operator, whatever the design: each design crate
//! implements [`Workloads`] for its operator in its `bench` module, and the bench is written once,
//! generic over it.

use crate::{eip712::Domain, traits::ChildChain};

/// An operator under the reference load: one-input payments of deposits, a full block, its proofs.
pub trait Workloads: ChildChain + Sized {
    /// An operator holding `count` unspent outputs or coins (for measuring its memory).
    fn memory_workload(count: usize) -> Result<Self, Self::Error>;

    /// An operator holding the deposits that `count` valid one-input payments spend, each input
    /// spent once, and those payments signed by their owners.
    fn payment_workload(count: usize, domain: Domain) -> Result<(Self, Vec<Self::Tx>), Self::Error>;

    /// Submits `txs` in one batch, the operator's fastest way (signature recovery in parallel);
    /// one result per transaction, in order.
    fn submit_all(&mut self, txs: Vec<Self::Tx>) -> Vec<Result<alloy_primitives::B256, Self::Error>>;

    /// Makes the inclusion proof of every transaction of `block` and checks the last one against
    /// the block's root, so that what is timed are real proofs; `false` if a proof does not
    /// verify or the block is empty.
    fn prove_every(block: &Self::Block, domain: &Domain) -> Result<bool, Self::Error>;
}

/// Makes the proof of every key with `prove` and checks the last one with `verifies`.
pub fn prove_keys<K: Copy, P, E>(
    keys: &[K],
    prove: impl Fn(K) -> Result<P, E>,
    verifies: impl Fn(K, &P) -> bool,
) -> Result<bool, E> {
    let mut last = None;
    for key in keys {
        last = Some((*key, std::hint::black_box(prove(*key)?)));
    }
    Ok(last.is_some_and(|(key, proof)| verifies(key, &proof)))
}
