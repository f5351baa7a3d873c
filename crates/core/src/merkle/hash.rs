//! Node hashing shared by both Merkle trees.
//!
//! - `EMPTY = bytes32(0)` is the node of an absent leaf and of every subtree without leaves.
//! - `leafNode(v) = keccak256(0x00 ‖ v)`.
//! - `parent(l, r) = EMPTY` when both children are `EMPTY`, else `keccak256(0x01 ‖ l ‖ r)`.
//!
//! The prefixes keep leaves and inner nodes apart (no second-preimage trick), and because an empty
//! pair hashes to `EMPTY` no table of default subtree hashes is needed. Both functions hash a
//! fixed-size stack buffer: they never allocate.

use alloy_primitives::{B256, keccak256};

/// The node of an absent leaf or of an empty subtree: `bytes32(0)`.
pub const EMPTY: B256 = B256::ZERO;

/// Prefix byte of a leaf hash.
pub const LEAF_PREFIX: u8 = 0x00;

/// Prefix byte of an inner-node hash.
pub const NODE_PREFIX: u8 = 0x01;

/// `keccak256(0x00 ‖ value)`: the tree node of a leaf holding `value`. Never `EMPTY`.
#[inline]
#[must_use]
pub fn leaf_node(value: B256) -> B256 {
    let mut buf = [0u8; 33];
    buf[0] = LEAF_PREFIX;
    buf[1..].copy_from_slice(value.as_slice());
    keccak256(buf)
}

/// `EMPTY` if both children are `EMPTY`, else `keccak256(0x01 ‖ left ‖ right)`.
#[inline]
#[must_use]
pub fn parent(left: B256, right: B256) -> B256 {
    if left == EMPTY && right == EMPTY {
        return EMPTY;
    }
    let mut buf = [0u8; 65];
    buf[0] = NODE_PREFIX;
    buf[1..33].copy_from_slice(left.as_slice());
    buf[33..].copy_from_slice(right.as_slice());
    keccak256(buf)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::b256;

    use super::*;

    #[test]
    fn empty_is_zero() {
        assert_eq!(EMPTY, B256::ZERO);
        assert_eq!(parent(EMPTY, EMPTY), EMPTY);
    }

    #[test]
    fn keccak_backend_matches_known_vector() {
        // keccak256("") from the Keccak reference; guards against a SHA3-256 mix-up.
        assert_eq!(keccak256([]), b256!("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"));
    }

    #[test]
    fn leaf_node_is_prefixed_keccak() {
        for value in [EMPTY, B256::repeat_byte(0xab), B256::with_last_byte(1)] {
            let mut preimage = vec![0x00];
            preimage.extend_from_slice(value.as_slice());
            assert_eq!(preimage.len(), 33);
            assert_eq!(leaf_node(value), keccak256(&preimage));
            assert_ne!(leaf_node(value), EMPTY);
        }
    }

    #[test]
    fn parent_is_prefixed_keccak_unless_both_empty() {
        let a = B256::repeat_byte(0x11);
        let b = B256::repeat_byte(0x22);
        for (l, r) in [(a, b), (b, a), (a, EMPTY), (EMPTY, a)] {
            let mut preimage = vec![0x01];
            preimage.extend_from_slice(l.as_slice());
            preimage.extend_from_slice(r.as_slice());
            assert_eq!(preimage.len(), 65);
            assert_eq!(parent(l, r), keccak256(&preimage));
        }
        assert_ne!(parent(a, b), parent(b, a));
        assert_ne!(parent(a, EMPTY), parent(EMPTY, a));
    }
}
