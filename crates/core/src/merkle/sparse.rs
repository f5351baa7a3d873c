//! The 64-level sparse Merkle tree of the Plasma Cash family, keyed by `u64` coin id.
//!
//! Bit `i` of the key selects the side at level `i` (0 = leaves) exactly as in the binary tree.
//! Absent keys hold `EMPTY`, and since `parent(EMPTY, EMPTY) = EMPTY` an empty subtree costs
//! nothing: the tree keeps, per level, only the sorted list of its non-empty nodes
//! `(key >> level, node)`, each level built from the one below by pairing siblings. Building `n`
//! keys costs at most `64 · n` hashes and memory; a proof is 64 binary searches.
//!
//! Proofs are bitmap-compressed: an 8-byte big-endian `u64` bitmap, then one 32-byte sibling per
//! set bit in increasing level order; bit `i` set means the level-`i` sibling is non-empty and
//! carried. The canonical form is enforced on parsing: the length is exactly
//! `8 + 32 × popcount(bitmap)` and no carried sibling is `EMPTY`. The same proof shape proves
//! inclusion (from `leaf_node(value)`) and non-inclusion (from `EMPTY`).

use alloy_primitives::{B256, Bytes};

use super::hash::{EMPTY, leaf_node, parent};
use crate::error::{Error, Result};

/// Number of levels between the leaves and the root.
pub const DEPTH: usize = 64;

/// A 64-level sparse Merkle tree holding a set of `(key, value)` leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparseTree {
    /// `levels[i]`: the non-empty nodes of level `i` as `(key >> i, node)`, sorted by prefix.
    /// `levels[DEPTH]` holds the root (prefix 0), or nothing for an empty tree.
    levels: Vec<Vec<(u64, B256)>>,
}

impl SparseTree {
    /// Builds the tree of `leaves`, `(key, value)` pairs in any order.
    ///
    /// Leaves are *values*: the tree stores `leaf_node(value)` at level 0. A key given twice is
    /// [`Error::DuplicateKey`].
    pub fn from_leaves(leaves: impl IntoIterator<Item = (u64, B256)>) -> Result<Self> {
        let mut level: Vec<(u64, B256)> = leaves.into_iter().map(|(key, value)| (key, leaf_node(value))).collect();
        level.sort_unstable_by_key(|(key, _)| *key);
        if let Some(pair) = level.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(Error::DuplicateKey(pair[0].0));
        }

        let mut levels = Vec::with_capacity(DEPTH + 1);
        for _ in 0..DEPTH {
            let next = Self::next_level(&level);
            levels.push(level);
            level = next;
        }
        levels.push(level);
        Ok(Self { levels })
    }

    /// Pairs up the sorted non-empty nodes of one level into the sorted non-empty nodes of the
    /// level above.
    fn next_level(level: &[(u64, B256)]) -> Vec<(u64, B256)> {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut nodes = level.iter().copied().peekable();
        while let Some((prefix, node)) = nodes.next() {
            let up = prefix >> 1;
            if prefix & 1 == 1 {
                next.push((up, parent(EMPTY, node)));
            } else if let Some((_, right)) = nodes.next_if(|(p, _)| *p == prefix | 1) {
                next.push((up, parent(node, right)));
            } else {
                next.push((up, parent(node, EMPTY)));
            }
        }
        next
    }

    /// Number of leaves.
    #[must_use]
    pub fn len(&self) -> usize {
        self.levels.first().map_or(0, Vec::len)
    }

    /// Whether the tree has no leaves (its root is then `EMPTY`).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `key` holds a leaf.
    #[must_use]
    pub fn contains(&self, key: u64) -> bool {
        self.node(0, key) != EMPTY
    }

    /// The root; `EMPTY` for a tree without leaves.
    #[must_use]
    pub fn root(&self) -> B256 {
        self.node(DEPTH, 0)
    }

    /// Proof for `key`: of inclusion if the key holds a leaf, of non-inclusion otherwise.
    #[must_use]
    pub fn proof(&self, key: u64) -> SparseProof {
        let mut bitmap = 0u64;
        let mut siblings = Vec::new();
        for level in 0..DEPTH {
            let sibling = self.node(level, (key >> level) ^ 1);
            if sibling != EMPTY {
                bitmap |= 1 << level;
                siblings.push(sibling);
            }
        }
        SparseProof { bitmap, siblings }
    }

    /// Node at `level` whose prefix is `prefix`; `EMPTY` if that subtree has no leaves.
    fn node(&self, level: usize, prefix: u64) -> B256 {
        self.levels
            .get(level)
            .and_then(|nodes| nodes.binary_search_by_key(&prefix, |(p, _)| *p).ok().map(|at| nodes[at].1))
            .unwrap_or(EMPTY)
    }
}

/// Bitmap-compressed proof for one key of a [`SparseTree`].
///
/// The fields are public; a value built by hand may break the canonical form, which
/// [`SparseProof::is_canonical`] checks and both `verify_*` methods require.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SparseProof {
    /// Bit `i` set: the sibling at level `i` is non-empty and carried in `siblings`.
    pub bitmap: u64,
    /// The non-empty siblings, in increasing level order.
    pub siblings: Vec<B256>,
}

impl SparseProof {
    /// Whether `siblings` has exactly one entry per set bit and none of them is `EMPTY`.
    #[must_use]
    pub fn is_canonical(&self) -> bool {
        self.siblings.len() == self.bitmap.count_ones() as usize && self.siblings.iter().all(|s| *s != EMPTY)
    }

    /// The wire form: `bitmap` as 8 big-endian bytes, then the carried siblings.
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        let mut out = Vec::with_capacity(8 + 32 * self.siblings.len());
        out.extend_from_slice(&self.bitmap.to_be_bytes());
        for sibling in &self.siblings {
            out.extend_from_slice(sibling.as_slice());
        }
        Bytes::from(out)
    }

    /// Parses the wire form, enforcing the canonical form: exactly
    /// `8 + 32 × popcount(bitmap)` bytes ([`Error::ProofLength`]) and no carried `EMPTY`
    /// sibling ([`Error::EmptySibling`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (head, rest) =
            bytes.split_first_chunk::<8>().ok_or(Error::ProofLength { got: bytes.len(), expected: 8 })?;
        let bitmap = u64::from_be_bytes(*head);
        let carried = bitmap.count_ones() as usize;
        let expected = 8 + 32 * carried;
        if bytes.len() != expected {
            return Err(Error::ProofLength { got: bytes.len(), expected });
        }
        let mut siblings = Vec::with_capacity(carried);
        let mut levels = (0..DEPTH as u32).filter(|level| (bitmap >> level) & 1 == 1);
        for chunk in rest.chunks_exact(32) {
            let sibling = B256::from_slice(chunk);
            let level = levels.next().unwrap_or_default();
            if sibling == EMPTY {
                return Err(Error::EmptySibling { level });
            }
            siblings.push(sibling);
        }
        Ok(Self { bitmap, siblings })
    }

    /// Root of the tree in which this proof places the node `leaf_node` at `key`.
    ///
    /// Pass `leaf_node(value)` for inclusion, `EMPTY` for non-inclusion. Assumes the canonical
    /// form: a missing carried sibling is read as `EMPTY`, extra ones are ignored.
    #[must_use]
    pub fn compute_root(&self, key: u64, leaf_node: B256) -> B256 {
        let mut node = leaf_node;
        let mut carried = self.siblings.iter().copied();
        for level in 0..DEPTH {
            let sibling = if (self.bitmap >> level) & 1 == 1 { carried.next().unwrap_or(EMPTY) } else { EMPTY };
            node = if (key >> level) & 1 == 0 { parent(node, sibling) } else { parent(sibling, node) };
        }
        node
    }

    /// Whether `key` holds `value` in the tree with root `root`. `false` for a non-canonical proof.
    #[must_use]
    pub fn verify_inclusion(&self, root: B256, key: u64, value: B256) -> bool {
        self.is_canonical() && self.compute_root(key, leaf_node(value)) == root
    }

    /// Whether `key` holds no leaf in the tree with root `root`. `false` for a non-canonical proof.
    #[must_use]
    pub fn verify_exclusion(&self, root: B256, key: u64) -> bool {
        self.is_canonical() && self.compute_root(key, EMPTY) == root
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn v(byte: u8) -> B256 {
        B256::repeat_byte(byte)
    }

    #[test]
    fn empty_tree_proves_exclusion_everywhere() {
        let tree = SparseTree::from_leaves([]).unwrap();
        assert_eq!(tree.root(), EMPTY);
        assert!(tree.is_empty());
        for key in [0, 1, u64::MAX] {
            let proof = tree.proof(key);
            assert_eq!(proof, SparseProof::default());
            assert_eq!(proof.to_bytes().as_ref(), &[0u8; 8]);
            assert!(proof.verify_exclusion(EMPTY, key));
            assert!(!proof.verify_inclusion(EMPTY, key, v(1)));
        }
    }

    #[rstest]
    #[case(0)]
    #[case(1)]
    #[case(0x8000_0000_0000_0000)]
    #[case(u64::MAX)]
    fn single_leaf_root_follows_key_bits(#[case] key: u64) {
        let tree = SparseTree::from_leaves([(key, v(9))]).unwrap();
        let mut expected = leaf_node(v(9));
        for level in 0..64 {
            expected = if (key >> level) & 1 == 0 { parent(expected, EMPTY) } else { parent(EMPTY, expected) };
        }
        assert_eq!(tree.root(), expected);
        let proof = tree.proof(key);
        assert_eq!(proof.bitmap, 0);
        assert!(proof.verify_inclusion(tree.root(), key, v(9)));
        assert!(!proof.verify_exclusion(tree.root(), key));
        // The sibling key at level 0 is absent; its proof carries only the leaf.
        let other = key ^ 1;
        let exclusion = tree.proof(other);
        assert_eq!(exclusion.bitmap, 1);
        assert!(exclusion.verify_exclusion(tree.root(), other));
        assert!(tree.contains(key) && !tree.contains(other));
    }

    #[test]
    fn order_of_leaves_does_not_matter() {
        let a = SparseTree::from_leaves([(5, v(1)), (u64::MAX, v(2)), (4, v(3))]).unwrap();
        let b = SparseTree::from_leaves([(4, v(3)), (5, v(1)), (u64::MAX, v(2))]).unwrap();
        assert_eq!(a.root(), b.root());
        assert_eq!(a.len(), 3);
        let proof = a.proof(5);
        assert_eq!(proof.bitmap, 1 | (1 << 63));
        assert_eq!(proof.siblings[0], leaf_node(v(3)));
    }

    #[test]
    fn duplicate_keys_rejected() {
        assert!(matches!(SparseTree::from_leaves([(7, v(1)), (3, v(2)), (7, v(1))]), Err(Error::DuplicateKey(7))));
    }

    #[test]
    fn codec_round_trip_and_layout() {
        let tree = SparseTree::from_leaves([(0, v(1)), (1, v(2)), (2, v(3))]).unwrap();
        let proof = tree.proof(0);
        assert_eq!(proof.bitmap, 0b11);
        let bytes = proof.to_bytes();
        assert_eq!(bytes.len(), 8 + 64);
        assert_eq!(&bytes[..8], &[0, 0, 0, 0, 0, 0, 0, 3]);
        assert_eq!(&bytes[8..40], leaf_node(v(2)).as_slice());
        assert_eq!(SparseProof::from_bytes(&bytes).unwrap(), proof);
    }

    #[rstest]
    #[case::empty(vec![], 8)]
    #[case::short_bitmap(vec![0; 7], 8)]
    #[case::trailing_byte(vec![0; 9], 8)]
    #[case::missing_sibling(vec![0, 0, 0, 0, 0, 0, 0, 1], 40)]
    #[case::extra_sibling({ let mut b = vec![0u8; 8]; b.extend([1u8; 32]); b }, 8)]
    fn non_canonical_length_rejected(#[case] bytes: Vec<u8>, #[case] expected: usize) {
        match SparseProof::from_bytes(&bytes) {
            Err(Error::ProofLength { got, expected: e }) => {
                assert_eq!(got, bytes.len());
                assert_eq!(e, expected);
            }
            other => panic!("expected ProofLength, got {other:?}"),
        }
    }

    #[test]
    fn carried_empty_sibling_rejected() {
        // bitmap bits 3 and 40; the second carried sibling is EMPTY.
        let bitmap: u64 = (1 << 3) | (1 << 40);
        let mut bytes = bitmap.to_be_bytes().to_vec();
        bytes.extend([0xaa; 32]);
        bytes.extend([0x00; 32]);
        assert!(matches!(SparseProof::from_bytes(&bytes), Err(Error::EmptySibling { level: 40 })));
    }

    #[test]
    fn hand_built_non_canonical_proof_never_verifies() {
        let tree = SparseTree::from_leaves([(2, v(1))]).unwrap();
        let root = tree.root();
        // Claim an EMPTY sibling explicitly at level 0: computes the same root, but is not canonical.
        let padded = SparseProof { bitmap: 1, siblings: vec![EMPTY] };
        assert_eq!(padded.compute_root(2, leaf_node(v(1))), root);
        assert!(!padded.is_canonical());
        assert!(!padded.verify_inclusion(root, 2, v(1)));
        let short = SparseProof { bitmap: 1, siblings: vec![] };
        assert!(!short.verify_inclusion(root, 2, v(1)));
    }
}
