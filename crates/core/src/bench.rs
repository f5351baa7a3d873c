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

/// The reference workload of the footprint study: one user in `PAY_EVERY` pays in each child block,
/// so each coin or output moves once every `PAY_EVERY` blocks.
pub const PAY_EVERY: usize = 10;

/// Plasma XT in the footprint study: a checkpoint every `CHECKPOINT_EVERY` child blocks.
pub const CHECKPOINT_EVERY: u64 = 100;

/// The deposit block of the workloads' `i`-th deposit (from 0): deposits take the numbers between
/// child blocks, `1 ..= 999`, then `1001 ..= 1999`, …
#[must_use]
pub const fn deposit_blknum(i: u64) -> crate::BlockNumber {
    let per_interval = crate::CHILD_BLOCK_INTERVAL - 1;
    (i / per_interval) * crate::CHILD_BLOCK_INTERVAL + i % per_interval + 1
}

/// The number of the `n`-th child block (from 1) of the rotating workload over `coins` coins: the
/// coins are deposited first (deposit `i` is block [`deposit_blknum`]`(i)`), and the workload's
/// blocks come after the last deposit.
#[must_use]
pub const fn rotating_child_block(coins: usize, n: u64) -> crate::BlockNumber {
    let last_deposit = deposit_blknum(if coins == 0 { 0 } else { coins as u64 - 1 });
    (last_deposit / crate::CHILD_BLOCK_INTERVAL + n) * crate::CHILD_BLOCK_INTERVAL
}

/// Payments per block of the workload over `users` users: one user in ten, at least one.
#[must_use]
pub fn payers(users: u64) -> usize {
    usize::try_from(users / PAY_EVERY as u64).unwrap_or(usize::MAX).max(1)
}

/// The median of `values` (the upper one of an even count); 0 for none.
#[must_use]
pub fn median(mut values: Vec<usize>) -> usize {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

/// The child block of the followed coin's latest move after `blocks` blocks of the workload over
/// `users` users, if it moved.
#[must_use]
pub fn last_move_block(users: u64, blocks: u64) -> Option<crate::BlockNumber> {
    let every = PAY_EVERY as u64;
    let users = usize::try_from(users).unwrap_or(usize::MAX);
    (blocks >= every).then(|| rotating_child_block(users, blocks / every * every))
}

/// `n` as a `u64` (saturating).
#[must_use]
pub fn to_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Sizes of what goes over the wire, measured on real encoded objects of a design's crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct WireSizes {
    /// One signed one-input payment as sent to the operator (with its signature(s)).
    pub tx_bytes: usize,
    /// Median inclusion proof over the transactions of the reference block.
    pub inclusion_proof_bytes: usize,
    /// Median non-inclusion proof over the coins the reference block does not move; `None` where
    /// the design has no non-inclusion proofs (MVP, MoreVP).
    pub exclusion_proof_bytes: Option<usize>,
    /// The full block a validating user downloads (`size_bytes()`).
    pub block_bytes: usize,
    /// Transactions in that block.
    pub block_txs: usize,
}

impl WireSizes {
    /// The sizes of a full-block design (MVP, MoreVP): its first payment's encoding, the median of
    /// every inclusion proof of its block, and the block; no non-inclusion proofs.
    pub fn full_block(
        tx_bytes: Option<usize>,
        proofs: impl Iterator<Item = Result<usize, String>>,
        block_bytes: usize,
        block_txs: usize,
    ) -> Result<Self, String> {
        Ok(Self {
            tx_bytes: tx_bytes.ok_or("no payment")?,
            inclusion_proof_bytes: median(proofs.collect::<Result<Vec<_>, _>>()?),
            exclusion_proof_bytes: None,
            block_bytes,
            block_txs,
        })
    }
}

/// What one user must store and download to stay safe on a design, measured on the reference
/// workload with the design's real objects (the footprint study of `plasma compare`).
pub trait Footprint {
    /// One line: what the user stores.
    const STORED: &'static str;
    /// One line: what the user downloads per block to stay safe.
    const DOWNLOADED: &'static str;

    /// The wire sizes on the workload's block with `users` users.
    fn wire_sizes(users: u64, domain: &Domain) -> Result<WireSizes, String>;

    /// `(stored, downloaded)` bytes after each of `blocks` (ascending) child blocks of the workload
    /// with `users` users.
    fn storage(blocks: &[u64], users: u64, domain: &Domain) -> Result<Vec<(u64, u64)>, String>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workload_arithmetic() {
        assert_eq!(median(vec![3, 1, 2]), 2);
        assert_eq!(median(vec![]), 0);
        assert_eq!(payers(10_000), 1_000);
        assert_eq!(payers(5), 1);
        assert_eq!(last_move_block(1_000, 9), None);
        assert_eq!(last_move_block(1_000, 1_000), Some(1_001_000));
        assert_eq!(last_move_block(100, 15), Some(10_000));
        assert_eq!((deposit_blknum(0), deposit_blknum(998), deposit_blknum(999)), (1, 999, 1001));
    }
}
