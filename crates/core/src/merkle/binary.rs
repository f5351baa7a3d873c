//! The fixed-depth binary Merkle tree of MVP and MoreVP blocks.
//!
//! Depth [`DEPTH`] = 16, so a block holds at most [`CAPACITY`] = 65,536 leaves. A block of `n`
//! leaves fills indexes `0 .. n-1`; every other index is absent (`EMPTY`), and a block without
//! leaves has root `EMPTY`. At level `i` (0 = leaves), bit `i` of the index says on which side the
//! running node sits: `0` → `parent(node, sibling)`, `1` → `parent(sibling, node)`.
//!
//! The tree keeps every level, but only the non-empty prefix of each (`ceil(n / 2^i)` nodes at level
//! `i`): nodes past it are `EMPTY` by the hashing rules, so a 3-leaf block costs a handful of
//! hashes, not 65,535. Proofs are read straight from the stored levels in `O(DEPTH)`.
//!
//! A full block costs about 131,000 hashes; the levels with at least [`PARALLEL_MIN_NODES`] nodes
//! are hashed on every available core (`std::thread::scope`, no pool), the others on the calling
//! thread.
//!
//! A proof is encoded as exactly `16 × 32 = 512` bytes, the level-0 sibling first.

use alloy_primitives::{B256, Bytes};

use super::hash::{EMPTY, leaf_node, parent};
use crate::error::{Error, Result};

/// Number of levels between the leaves and the root.
pub const DEPTH: usize = 16;

/// Maximum number of leaves: `2^DEPTH`.
pub const CAPACITY: usize = 1 << DEPTH;

/// Length in bytes of an encoded [`BinaryProof`].
pub const PROOF_LEN: usize = DEPTH * 32;

/// Levels with at least this many nodes are hashed in parallel.
pub const PARALLEL_MIN_NODES: usize = 4096;

/// Computes `out` from `input` (`ratio` input nodes per output node) with `fill`, on up to
/// `threads` threads, each taking one contiguous share.
fn fill_level(
    out: &mut [B256],
    input: &[B256],
    ratio: usize,
    threads: usize,
    fill: impl Fn(&[B256], &mut [B256]) + Sync,
) {
    if threads <= 1 || out.len() < PARALLEL_MIN_NODES {
        fill(input, out);
        return;
    }
    let share = out.len().div_ceil(threads);
    let fill = &fill;
    std::thread::scope(|scope| {
        let mut shares = out.chunks_mut(share).zip(input.chunks(share * ratio));
        let first = shares.next();
        for (out, input) in shares {
            scope.spawn(move || fill(input, out));
        }
        if let Some((out, input)) = first {
            fill(input, out);
        }
    });
}

/// A depth-16 binary Merkle tree over a list of leaf values.
///
/// Leaves are *values*: the tree stores `leaf_node(value)` at level 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinaryTree {
    /// `levels[i]` holds the non-empty prefix of level `i`; `levels[DEPTH]` holds the root, or
    /// nothing for an empty tree.
    levels: Vec<Vec<B256>>,
}

impl BinaryTree {
    /// Builds the tree of `leaves` (leaf values, in index order).
    ///
    /// Fails with [`Error::TooManyLeaves`] beyond [`CAPACITY`] leaves.
    pub fn from_leaves(leaves: &[B256]) -> Result<Self> {
        if leaves.len() > CAPACITY {
            return Err(Error::TooManyLeaves { got: leaves.len(), capacity: CAPACITY });
        }
        let threads = if leaves.len() >= PARALLEL_MIN_NODES {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        } else {
            1
        };
        let mut levels = Vec::with_capacity(DEPTH + 1);
        let mut current = vec![EMPTY; leaves.len()];
        fill_level(&mut current, leaves, 1, threads, |values, nodes| {
            for (node, value) in nodes.iter_mut().zip(values) {
                *node = leaf_node(*value);
            }
        });
        for _ in 0..DEPTH {
            let mut next = vec![EMPTY; current.len().div_ceil(2)];
            fill_level(&mut next, &current, 2, threads, |children, nodes| {
                for (node, pair) in nodes.iter_mut().zip(children.chunks(2)) {
                    *node = match *pair {
                        [left, right] => parent(left, right),
                        [left] => parent(left, EMPTY),
                        _ => EMPTY, // `chunks(2)` never yields an empty or longer chunk
                    };
                }
            });
            levels.push(current);
            current = next;
        }
        levels.push(current);
        Ok(Self { levels })
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

    /// The root; `EMPTY` for a tree without leaves.
    #[must_use]
    pub fn root(&self) -> B256 {
        self.node(DEPTH, 0)
    }

    /// Inclusion proof of the leaf at `index`.
    ///
    /// Fails with [`Error::LeafIndexOutOfRange`] unless `index < self.len()`.
    pub fn proof(&self, index: u64) -> Result<BinaryProof> {
        let len = self.len();
        let idx = usize::try_from(index).ok().filter(|i| *i < len).ok_or(Error::LeafIndexOutOfRange { index, len })?;
        let mut siblings = [EMPTY; DEPTH];
        for (level, sibling) in siblings.iter_mut().enumerate() {
            *sibling = self.node(level, (idx >> level) ^ 1);
        }
        Ok(BinaryProof { siblings })
    }

    fn node(&self, level: usize, position: usize) -> B256 {
        self.levels.get(level).and_then(|nodes| nodes.get(position)).copied().unwrap_or(EMPTY)
    }
}

/// Inclusion proof in a [`BinaryTree`]: the 16 siblings on the path, level 0 first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BinaryProof {
    /// Sibling of the running node at each level, level 0 (the leaf's sibling) first.
    pub siblings: [B256; DEPTH],
}

impl BinaryProof {
    /// The wire form: 512 bytes, level-0 sibling first.
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        let mut out = Vec::with_capacity(PROOF_LEN);
        for sibling in &self.siblings {
            out.extend_from_slice(sibling.as_slice());
        }
        Bytes::from(out)
    }

    /// Parses the wire form; anything but exactly 512 bytes is [`Error::ProofLength`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != PROOF_LEN {
            return Err(Error::ProofLength { got: bytes.len(), expected: PROOF_LEN });
        }
        let mut siblings = [EMPTY; DEPTH];
        for (sibling, chunk) in siblings.iter_mut().zip(bytes.chunks_exact(32)) {
            *sibling = B256::from_slice(chunk);
        }
        Ok(Self { siblings })
    }

    /// Root of the tree in which this proof places the leaf node `leaf_node` at `index`
    /// (only the low 16 bits of `index` are read).
    #[must_use]
    pub fn compute_root(&self, leaf_node: B256, index: u64) -> B256 {
        let mut node = leaf_node;
        for (level, sibling) in self.siblings.iter().enumerate() {
            node = if (index >> level) & 1 == 0 { parent(node, *sibling) } else { parent(*sibling, node) };
        }
        node
    }

    /// Whether the leaf holding `leaf_value` sits at `index` in the tree with root `root`.
    ///
    /// Like the Solidity verifier, returns `false` (never fails) when `index >= 2^16`.
    #[must_use]
    pub fn verify(&self, root: B256, leaf_value: B256, index: u64) -> bool {
        index < CAPACITY as u64 && self.compute_root(leaf_node(leaf_value), index) == root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize) -> Vec<B256> {
        (0..n).map(|i| B256::left_padding_from(&(i as u64 + 1).to_be_bytes())).collect()
    }

    /// Reference root: hash all 65,536 leaf slots level by level, no shortcuts.
    fn naive_root(leaves: &[B256]) -> B256 {
        let mut level: Vec<B256> = (0..CAPACITY).map(|i| leaves.get(i).map_or(EMPTY, |v| leaf_node(*v))).collect();
        while level.len() > 1 {
            level = level.chunks(2).map(|p| parent(p[0], p[1])).collect();
        }
        level[0]
    }

    #[test]
    fn empty_tree() {
        let tree = BinaryTree::from_leaves(&[]).unwrap();
        assert_eq!(tree.root(), EMPTY);
        assert!(tree.is_empty());
        assert!(matches!(tree.proof(0), Err(Error::LeafIndexOutOfRange { index: 0, len: 0 })));
    }

    #[test]
    fn single_leaf_root_is_chain_of_left_parents() {
        let v = B256::repeat_byte(7);
        let tree = BinaryTree::from_leaves(&[v]).unwrap();
        let mut expected = leaf_node(v);
        for _ in 0..DEPTH {
            expected = parent(expected, EMPTY);
        }
        assert_eq!(tree.root(), expected);
        let proof = tree.proof(0).unwrap();
        assert_eq!(proof.siblings, [EMPTY; DEPTH]);
        assert!(proof.verify(tree.root(), v, 0));
    }

    #[test]
    fn prefix_shortcut_matches_naive_root() {
        // Past PARALLEL_MIN_NODES the large levels are split between threads: odd lengths included.
        for n in [1, 2, 3, 5, 8, 255, 256, 257, 1000, 4095, 4096, 4097, 8193, 12_345] {
            let leaves = values(n);
            assert_eq!(BinaryTree::from_leaves(&leaves).unwrap().root(), naive_root(&leaves), "n = {n}");
        }
    }

    #[test]
    fn full_capacity_and_overflow() {
        let leaves = values(CAPACITY);
        let tree = BinaryTree::from_leaves(&leaves).unwrap();
        assert_eq!(tree.len(), CAPACITY);
        assert_eq!(tree.root(), naive_root(&leaves));
        let last = (CAPACITY - 1) as u64;
        assert!(tree.proof(last).unwrap().verify(tree.root(), leaves[CAPACITY - 1], last));
        assert!(matches!(tree.proof(CAPACITY as u64), Err(Error::LeafIndexOutOfRange { .. })));

        let mut too_many = leaves;
        too_many.push(B256::ZERO);
        assert!(matches!(
            BinaryTree::from_leaves(&too_many),
            Err(Error::TooManyLeaves { got: 65_537, capacity: 65_536 })
        ));
    }

    #[test]
    fn proof_codec() {
        let leaves = values(3);
        let tree = BinaryTree::from_leaves(&leaves).unwrap();
        let proof = tree.proof(2).unwrap();
        let bytes = proof.to_bytes();
        assert_eq!(bytes.len(), 512);
        assert_eq!(&bytes[..32], EMPTY.as_slice()); // index 2 has no right neighbour
        assert_eq!(&bytes[32..64], parent(leaf_node(leaves[0]), leaf_node(leaves[1])).as_slice());
        assert_eq!(BinaryProof::from_bytes(&bytes).unwrap(), proof);
        for bad_len in [0, 31, 511, 513, 1024] {
            assert!(matches!(
                BinaryProof::from_bytes(&vec![0u8; bad_len]),
                Err(Error::ProofLength { expected: 512, .. })
            ));
        }
    }

    #[test]
    fn out_of_range_index_never_verifies() {
        let leaves = values(1);
        let tree = BinaryTree::from_leaves(&leaves).unwrap();
        let proof = tree.proof(0).unwrap();
        // 2^16 has the same low 16 bits as 0 and would compute the same root.
        assert!(!proof.verify(tree.root(), leaves[0], 1 << 16));
        assert!(!proof.verify(tree.root(), leaves[0], u64::MAX));
    }
}
