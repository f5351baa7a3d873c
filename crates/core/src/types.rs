//! Shared value types: block numbering, deposit block roots and the exit-queue priority.
//!
//! These follow the `PlasmaFramework` rules of `docs/specs.md`: child blocks are numbered
//! `1000, 2000, …`, deposit blocks take the numbers in between, a deposit block's root is
//! `keccak256(abi.encode(depositor, amount))`, and an exit's priority packs
//! `exitableAt: uint64 ‖ position: uint96 ‖ exitId: uint96` into one `uint256`.

use alloy_primitives::{Address, B256, U256, keccak256};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A root-chain block number of the Plasma chain (child or deposit block).
pub type BlockNumber = u64;

/// Seconds since the Unix epoch, as the root chain's `block.timestamp`.
pub type Timestamp = u64;

/// Distance between two consecutive child (operator) blocks.
pub const CHILD_BLOCK_INTERVAL: u64 = 1000;

/// Whether `blknum` is a deposit block: any number that is not a multiple of
/// [`CHILD_BLOCK_INTERVAL`].
#[must_use]
pub const fn is_deposit_block(blknum: BlockNumber) -> bool {
    !blknum.is_multiple_of(CHILD_BLOCK_INTERVAL)
}

/// Whether `blknum` is a child (operator) block: a non-zero multiple of
/// [`CHILD_BLOCK_INTERVAL`]. Block `0` is neither kind.
#[must_use]
pub const fn is_child_block(blknum: BlockNumber) -> bool {
    blknum != 0 && blknum.is_multiple_of(CHILD_BLOCK_INTERVAL)
}

/// Root of a deposit block: `keccak256(abi.encode(owner, amount))` (two 32-byte words).
#[must_use]
pub fn deposit_root(owner: Address, amount: U256) -> B256 {
    let mut buf = [0u8; 64];
    buf[12..32].copy_from_slice(owner.as_slice());
    buf[32..].copy_from_slice(&amount.to_be_bytes::<32>());
    keccak256(buf)
}

/// Largest value of a 96-bit priority field.
pub const MAX_U96: u128 = (1 << 96) - 1;

/// Priority of an exit in the framework's min-heap: exits leave in order of `exitable_at`, then
/// `position`, then `exit_id`.
///
/// The derived [`Ord`] is the heap order, and [`Priority::encode`] preserves it: `a < b` exactly
/// when `a.encode() < b.encode()`. The fields are private so that a `Priority` always fits its
/// encoding; build one with [`Priority::new`]. Serialised as its `uint256` encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "U256", from = "U256")]
pub struct Priority {
    exitable_at: Timestamp,
    position: u128,
    exit_id: u128,
}

impl Priority {
    /// Builds a priority, checking that `position` and `exit_id` fit in 96 bits.
    pub const fn new(exitable_at: Timestamp, position: u128, exit_id: u128) -> Result<Self> {
        if position > MAX_U96 {
            return Err(Error::PriorityOverflow { field: "position", value: position });
        }
        if exit_id > MAX_U96 {
            return Err(Error::PriorityOverflow { field: "exit_id", value: exit_id });
        }
        Ok(Self { exitable_at, position, exit_id })
    }

    /// Time from which the exit may be processed.
    #[must_use]
    pub const fn exitable_at(&self) -> Timestamp {
        self.exitable_at
    }

    /// Design-specific position (below `2^96`).
    #[must_use]
    pub const fn position(&self) -> u128 {
        self.position
    }

    /// Exit id (below `2^96`).
    #[must_use]
    pub const fn exit_id(&self) -> u128 {
        self.exit_id
    }

    /// `uint256(exitableAt) << 192 | uint256(position) << 96 | exitId`.
    #[must_use]
    pub fn encode(&self) -> U256 {
        (U256::from(self.exitable_at) << 192) | (U256::from(self.position) << 96) | U256::from(self.exit_id)
    }

    /// Inverse of [`Priority::encode`]. Every `uint256` is a valid encoding.
    #[must_use]
    pub fn decode(value: U256) -> Self {
        let limbs = value.as_limbs(); // little-endian 64-bit limbs
        let exit_id = u128::from(limbs[0]) | (u128::from(limbs[1] & 0xffff_ffff) << 64);
        let position = u128::from(limbs[1] >> 32) | (u128::from(limbs[2]) << 32);
        Self { exitable_at: limbs[3], position, exit_id }
    }
}

impl From<Priority> for U256 {
    fn from(priority: Priority) -> Self {
        priority.encode()
    }
}

impl From<U256> for Priority {
    fn from(value: U256) -> Self {
        Self::decode(value)
    }
}

/// The exits a watcher has seen, each with the newest child block submitted before it started.
///
/// An exit binds the blocks committed after it, not those before: a spend of the output in a later
/// block is invalid ("not being exited"), while one committed earlier stands and challenges the
/// exit. Blocks are judged in order, and maybe long after the events that follow them were read,
/// so a watcher records each exit here and, before judging block `b`, takes the exits due for it
/// ([`ExitMarks::take_due`]) and marks their outputs in its ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExitMarks<P> {
    marks: Vec<(BlockNumber, P)>,
}

impl<P> Default for ExitMarks<P> {
    fn default() -> Self {
        Self { marks: Vec::new() }
    }
}

impl<P> ExitMarks<P> {
    /// Records the exit of `pos`, seen when `newest` was the newest submitted child block (0: none).
    pub fn record(&mut self, newest: BlockNumber, pos: P) {
        self.marks.push((newest, pos));
    }

    /// The outputs whose exits bind block `blknum` and were not taken before, in the order seen.
    pub fn take_due(&mut self, blknum: BlockNumber) -> Vec<P> {
        let (due, later): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.marks).into_iter().partition(|(n, _)| *n < blknum);
        self.marks = later;
        due.into_iter().map(|(_, pos)| pos).collect()
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, uint};
    use alloy_sol_types::SolValue;
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case(0, false, false)]
    #[case(1, true, false)]
    #[case(999, true, false)]
    #[case(1000, false, true)]
    #[case(1001, true, false)]
    #[case(2000, false, true)]
    #[case(u64::MAX, true, false)]
    fn block_kinds(#[case] blknum: u64, #[case] deposit: bool, #[case] child: bool) {
        assert_eq!(is_deposit_block(blknum), deposit);
        assert_eq!(is_child_block(blknum), child);
    }

    #[test]
    fn deposit_root_is_keccak_of_abi_encode() {
        let owner = address!("0x00000000000000000000000000000000deadbeef");
        for amount in [U256::ZERO, U256::from(1), U256::MAX, uint!(10_000_000_000_000_000_000_U256)] {
            assert_eq!(deposit_root(owner, amount), keccak256((owner, amount).abi_encode()));
        }
    }

    #[rstest]
    #[case(0, 0, 0)]
    #[case(u64::MAX, MAX_U96, MAX_U96)]
    #[case(1, 0, MAX_U96)]
    #[case(0, MAX_U96, 0)]
    #[case(1_700_000_000, 1_000_000_000_000, 7)]
    fn priority_round_trip(#[case] at: u64, #[case] position: u128, #[case] id: u128) {
        let p = Priority::new(at, position, id).unwrap();
        let encoded = p.encode();
        assert_eq!(encoded >> 192, U256::from(at));
        assert_eq!((encoded >> 96) & U256::from(MAX_U96), U256::from(position));
        assert_eq!(encoded & U256::from(MAX_U96), U256::from(id));
        assert_eq!(Priority::decode(encoded), p);
    }

    #[test]
    fn priority_rejects_97_bit_fields() {
        assert!(matches!(Priority::new(0, MAX_U96 + 1, 0), Err(Error::PriorityOverflow { field: "position", .. })));
        assert!(matches!(Priority::new(0, 0, MAX_U96 + 1), Err(Error::PriorityOverflow { field: "exit_id", .. })));
    }

    #[test]
    fn priority_max_encodes_to_u256_max() {
        let p = Priority::new(u64::MAX, MAX_U96, MAX_U96).unwrap();
        assert_eq!(p.encode(), U256::MAX);
        assert_eq!(Priority::decode(U256::MAX), p);
    }

    #[test]
    fn an_exit_binds_the_blocks_committed_after_it() {
        let mut marks = ExitMarks::default();
        marks.record(1000, "a");
        marks.record(0, "b");
        marks.record(2000, "c");
        assert_eq!(marks.take_due(1000), vec!["b"]);
        assert_eq!(marks.take_due(2000), vec!["a"]);
        assert!(marks.take_due(2000).is_empty());
        assert_eq!(marks.take_due(3000), vec!["c"]);
    }
}
