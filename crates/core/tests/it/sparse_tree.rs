//! Property tests of the 64-level sparse tree: inclusion proofs for present keys, exclusion proofs
//! for absent ones, the canonical encoding, and tamper resistance; plus a 65,536-coin build.

use std::{collections::BTreeMap, time::Instant};

use plasma_core::{
    SparseProof, SparseTree,
    alloy_primitives::B256,
    merkle::{EMPTY, leaf_node, parent},
};
use proptest::prelude::*;

/// Reference root by plain recursion over the key space: the node at `height` above the leaves
/// covering `leaves` (all sharing the bits above `height`).
fn reference_node(leaves: &[(u64, B256)], height: u32) -> B256 {
    match leaves {
        [] => EMPTY,
        [(_, value)] if height == 0 => leaf_node(*value),
        _ => {
            let bit = height - 1;
            let split = leaves.partition_point(|(key, _)| (key >> bit) & 1 == 0);
            let (left, right) = leaves.split_at(split);
            parent(reference_node(left, bit), reference_node(right, bit))
        }
    }
}

fn key() -> impl Strategy<Value = u64> {
    // Dense low keys and dense high keys share long prefixes; random keys share almost none.
    prop_oneof![any::<u64>(), 0..256u64, (u64::MAX - 255)..=u64::MAX]
}

fn leaf_set() -> impl Strategy<Value = BTreeMap<u64, B256>> {
    prop::collection::btree_map(key(), any::<[u8; 32]>().prop_map(B256::from), 0..48)
}

fn build(leaves: &BTreeMap<u64, B256>) -> plasma_core::Result<SparseTree> {
    SparseTree::from_leaves(leaves.iter().map(|(k, v)| (*k, *v)))
}

fn flip(bytes: &mut [u8], bit: usize) {
    bytes[bit / 8] ^= 1 << (bit % 8);
}

proptest! {
    #[test]
    fn root_matches_reference(leaves in leaf_set()) {
        let tree = build(&leaves).unwrap();
        let sorted: Vec<(u64, B256)> = leaves.iter().map(|(k, v)| (*k, *v)).collect();
        prop_assert_eq!(tree.root(), reference_node(&sorted, 64));
        prop_assert_eq!(tree.len(), leaves.len());
    }

    #[test]
    fn inclusion_and_exclusion(leaves in leaf_set(), probe in key()) {
        let tree = build(&leaves).unwrap();
        let root = tree.root();
        for (key, value) in &leaves {
            let proof = tree.proof(*key);
            prop_assert!(proof.verify_inclusion(root, *key, *value));
            prop_assert!(!proof.verify_exclusion(root, *key));
            prop_assert_eq!(SparseProof::from_bytes(&proof.to_bytes()).unwrap(), proof);
        }
        let proof = tree.proof(probe);
        prop_assert_eq!(SparseProof::from_bytes(&proof.to_bytes()).unwrap(), proof.clone());
        match leaves.get(&probe) {
            Some(value) => prop_assert!(proof.verify_inclusion(root, probe, *value)),
            None => {
                prop_assert!(proof.verify_exclusion(root, probe));
                prop_assert!(!proof.verify_inclusion(root, probe, B256::ZERO));
            }
        }
    }

    #[test]
    fn any_proof_bit_flip_fails(leaves in leaf_set(), probe in key(), bit in any::<prop::sample::Index>()) {
        let tree = build(&leaves).unwrap();
        let root = tree.root();
        let mut bytes = tree.proof(probe).to_bytes().to_vec();
        let bit = bit.index(bytes.len() * 8);
        flip(&mut bytes, bit);
        let accepted = SparseProof::from_bytes(&bytes).is_ok_and(|proof| match leaves.get(&probe) {
            Some(value) => proof.verify_inclusion(root, probe, *value),
            None => proof.verify_exclusion(root, probe),
        });
        prop_assert!(!accepted);
    }

    #[test]
    fn any_value_bit_flip_fails(leaves in leaf_set(), pick in any::<prop::sample::Index>(), bit in 0..256usize) {
        prop_assume!(!leaves.is_empty());
        let tree = build(&leaves).unwrap();
        let (key, value) = leaves.iter().nth(pick.index(leaves.len())).unwrap();
        let mut value = *value;
        flip(value.as_mut_slice(), bit);
        prop_assert!(!tree.proof(*key).verify_inclusion(tree.root(), *key, value));
    }

    #[test]
    fn any_key_bit_flip_fails(leaves in leaf_set(), pick in any::<prop::sample::Index>(), bit in 0..64u32) {
        // Values are random, so the leaf moved to `other` cannot collide with one already there.
        prop_assume!(!leaves.is_empty());
        let tree = build(&leaves).unwrap();
        let (key, value) = leaves.iter().nth(pick.index(leaves.len())).unwrap();
        let other = key ^ (1 << bit);
        let proof = tree.proof(*key);
        prop_assert!(!proof.verify_inclusion(tree.root(), other, *value));
        if !leaves.contains_key(&other) {
            prop_assert!(!proof.verify_exclusion(tree.root(), other));
        }
    }

    #[test]
    fn duplicates_rejected(leaves in leaf_set(), pick in any::<prop::sample::Index>()) {
        prop_assume!(!leaves.is_empty());
        let (key, _) = leaves.iter().nth(pick.index(leaves.len())).unwrap();
        let with_duplicate = leaves.iter().map(|(k, v)| (*k, *v)).chain([(*key, B256::ZERO)]);
        prop_assert!(SparseTree::from_leaves(with_duplicate).is_err());
    }
}

/// splitmix64: a tiny deterministic generator for the large build.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A full 65,536-coin block in optimised builds. Unoptimised, keccak alone costs about 1.7 µs
/// a node (some 5.5 s for this build), so debug runs use a quarter of the coins.
#[test]
fn builds_large_block_of_random_coins() {
    const COINS: usize = if cfg!(debug_assertions) { 16_384 } else { 65_536 };
    let mut rng = 0x5eed;
    let leaves: Vec<(u64, B256)> =
        (0..COINS).map(|i| (splitmix64(&mut rng), B256::left_padding_from(&(i as u64).to_be_bytes()))).collect();

    let start = Instant::now();
    let tree = SparseTree::from_leaves(leaves.iter().copied()).unwrap();
    let built = start.elapsed();
    assert_eq!(tree.len(), COINS);
    let root = tree.root();

    let start = Instant::now();
    for (key, value) in leaves.iter().step_by(COINS / 16) {
        let proof = tree.proof(*key);
        assert!(proof.verify_inclusion(root, *key, *value));
        assert!(!proof.verify_exclusion(root, *key));
        assert!(SparseProof::from_bytes(&proof.to_bytes()).unwrap().verify_inclusion(root, *key, *value));
    }
    for _ in 0..16 {
        let absent = splitmix64(&mut rng);
        assert!(!tree.contains(absent));
        assert!(tree.proof(absent).verify_exclusion(root, absent));
    }
    eprintln!("sparse tree: built {COINS} coins in {built:?}; 32 proofs in {:?}", start.elapsed());
}
