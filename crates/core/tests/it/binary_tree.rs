//! Property tests of the depth-16 binary tree: proofs verify for any leaf of any leaf set, and any
//! single-bit change to the proof, the leaf or the index breaks them.

use plasma_core::{
    BinaryProof, BinaryTree,
    alloy_primitives::B256,
    merkle::{EMPTY, binary::DEPTH, leaf_node, parent},
};
use proptest::prelude::*;

/// Reference root: pad the leaf nodes to a power of two with `EMPTY`, hash up, then climb the
/// remaining levels as the left child of `EMPTY` subtrees.
fn reference_root(leaves: &[B256]) -> B256 {
    let mut level: Vec<B256> = leaves.iter().map(|v| leaf_node(*v)).collect();
    let mut height = 0;
    while level.len() > 1 {
        if level.len() % 2 == 1 {
            level.push(EMPTY);
        }
        level = level.chunks(2).map(|p| parent(p[0], p[1])).collect();
        height += 1;
    }
    let mut root = level.first().copied().unwrap_or(EMPTY);
    for _ in height..DEPTH {
        root = parent(root, EMPTY);
    }
    root
}

fn leaves_and_index(max: usize) -> impl Strategy<Value = (Vec<B256>, usize)> {
    prop::collection::vec(any::<[u8; 32]>().prop_map(B256::from), 1..=max).prop_flat_map(|leaves| {
        let len = leaves.len();
        (Just(leaves), 0..len)
    })
}

fn flip(bytes: &mut [u8], bit: usize) {
    bytes[bit / 8] ^= 1 << (bit % 8);
}

proptest! {
    #[test]
    fn proofs_verify((leaves, index) in leaves_and_index(300)) {
        let tree = BinaryTree::from_leaves(&leaves).unwrap();
        prop_assert_eq!(tree.root(), reference_root(&leaves));
        let proof = tree.proof(index as u64).unwrap();
        prop_assert!(proof.verify(tree.root(), leaves[index], index as u64));
        let decoded = BinaryProof::from_bytes(&proof.to_bytes()).unwrap();
        prop_assert_eq!(decoded, proof);
        prop_assert!(tree.proof(leaves.len() as u64).is_err());
    }

    #[test]
    fn any_proof_bit_flip_fails((leaves, index) in leaves_and_index(300), bit in 0..512 * 8usize) {
        let tree = BinaryTree::from_leaves(&leaves).unwrap();
        let mut bytes = tree.proof(index as u64).unwrap().to_bytes().to_vec();
        flip(&mut bytes, bit);
        let proof = BinaryProof::from_bytes(&bytes).unwrap();
        prop_assert!(!proof.verify(tree.root(), leaves[index], index as u64));
    }

    #[test]
    fn any_leaf_bit_flip_fails((leaves, index) in leaves_and_index(300), bit in 0..256usize) {
        let tree = BinaryTree::from_leaves(&leaves).unwrap();
        let proof = tree.proof(index as u64).unwrap();
        let mut leaf = leaves[index];
        flip(leaf.as_mut_slice(), bit);
        prop_assert!(!proof.verify(tree.root(), leaf, index as u64));
    }

    #[test]
    fn any_index_bit_flip_fails((leaves, index) in leaves_and_index(300), bit in 0..64u32) {
        // Leaves are random 32-byte values, so no two are equal (which would make swapping
        // two siblings' indexes legitimately verify).
        let tree = BinaryTree::from_leaves(&leaves).unwrap();
        let proof = tree.proof(index as u64).unwrap();
        let other = index as u64 ^ (1 << bit);
        prop_assert!(!proof.verify(tree.root(), leaves[index], other));
    }

    #[test]
    fn proof_does_not_verify_against_other_root((leaves, index) in leaves_and_index(64), other in any::<[u8; 32]>()) {
        let tree = BinaryTree::from_leaves(&leaves).unwrap();
        let proof = tree.proof(index as u64).unwrap();
        let other = B256::from(other);
        prop_assume!(other != tree.root());
        prop_assert!(!proof.verify(other, leaves[index], index as u64));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn large_blocks((leaves, index) in leaves_and_index(20_000)) {
        let tree = BinaryTree::from_leaves(&leaves).unwrap();
        prop_assert_eq!(tree.root(), reference_root(&leaves));
        prop_assert!(tree.proof(index as u64).unwrap().verify(tree.root(), leaves[index], index as u64));
    }
}
