//! Rust and Solidity agree bit for bit: trees, proofs and EIP-712 signatures made by `plasma-core`
//! are checked by the Solidity libraries executed on the EVM (through the `LibHarness` fixture),
//! and every corrupted variant of them is rejected there.

// Fixture helpers outside `#[test]` functions: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolStruct, sol};
use plasma_contracts::{LibHarness as Lib, PlasmaFramework as Fw, view};
use plasma_core::{BinaryTree, Domain, Priority, Signature, SigningKey, SparseTree, merkle::hash};
use plasma_integration_tests::{TestDeployment, TestResult};
use plasma_rootchain::{EmbeddedEvm, RootChain};
use proptest::prelude::*;

sol! {
    /// A typed message for the signature checks; the variants define their own.
    struct Transfer {
        address to;
        uint256 amount;
        uint64 nonce;
    }
}

/// An embedded chain with `LibHarness` deployed, driven synchronously from proptest.
struct Harness {
    runtime: tokio::runtime::Runtime,
    chain: EmbeddedEvm,
    lib: Address,
}

impl Harness {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let mut chain = EmbeddedEvm::new();
        let from = chain.accounts()[0];
        let (lib, _) = runtime.block_on(chain.deploy(from, Lib::BYTECODE.clone(), U256::ZERO)).unwrap();
        Self { runtime, chain, lib }
    }

    fn view<C: SolCall>(&self, call: C) -> C::Return {
        self.runtime.block_on(view(&self.chain, self.lib, call)).unwrap()
    }

    fn binary(&self, root: B256, leaf: B256, index: u64, proof: &[u8]) -> bool {
        let call = Lib::verifyBinaryCall { leaf, index: U256::from(index), root, proof: Bytes::copy_from_slice(proof) };
        self.view(call)
    }

    fn inclusion(&self, root: B256, key: u64, value: B256, proof: &[u8]) -> bool {
        self.view(Lib::sparseInclusionCall { root, key, value, proof: Bytes::copy_from_slice(proof) })
    }

    fn exclusion(&self, root: B256, key: u64, proof: &[u8]) -> bool {
        self.view(Lib::sparseExclusionCall { root, key, proof: Bytes::copy_from_slice(proof) })
    }
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

fn flip_b256(word: B256, bit: usize) -> B256 {
    B256::from_slice(&flip(word.as_slice(), bit))
}

#[test]
fn node_hashes_match() {
    let h = Harness::new();
    let (a, b) = (keccak256("a"), keccak256("b"));
    assert_eq!(h.view(Lib::leafNodeCall { value: a }), hash::leaf_node(a));
    assert_eq!(h.view(Lib::parentCall { left: a, right: b }), hash::parent(a, b));
    assert_eq!(h.view(Lib::parentCall { left: B256::ZERO, right: B256::ZERO }), hash::EMPTY);
    assert_eq!(h.view(Lib::parentCall { left: B256::ZERO, right: b }), hash::parent(B256::ZERO, b));
}

#[test]
fn every_bit_flip_of_a_binary_proof_is_rejected() {
    let h = Harness::new();
    let leaves: Vec<B256> = (0..1000u64).map(|n| keccak256(n.to_be_bytes())).collect();
    let tree = BinaryTree::from_leaves(&leaves).unwrap();
    let index = 777;
    let proof = tree.proof(index).unwrap().to_bytes();
    assert!(h.binary(tree.root(), leaves[777], index, &proof));
    for bit in 0..proof.len() * 8 {
        assert!(!h.binary(tree.root(), leaves[777], index, &flip(&proof, bit)), "proof bit {bit}");
    }
    for bit in 0..256 {
        assert!(!h.binary(tree.root(), flip_b256(leaves[777], bit), index, &proof), "leaf bit {bit}");
        assert!(!h.binary(flip_b256(tree.root(), bit), leaves[777], index, &proof), "root bit {bit}");
    }
    for bit in 0..16 {
        assert!(!h.binary(tree.root(), leaves[777], index ^ (1 << bit), &proof), "index bit {bit}");
    }
    assert!(!h.binary(tree.root(), leaves[777], index + (1 << 16), &proof), "index out of range");
    assert!(!h.binary(tree.root(), leaves[777], index, &proof[..480]), "short proof");
}

#[test]
fn every_bit_flip_of_a_sparse_proof_is_rejected() {
    let h = Harness::new();
    let coins: Vec<(u64, B256)> =
        (0..500u64).map(|n| (n.wrapping_mul(0x9e37_79b9_7f4a_7c15), keccak256(n.to_be_bytes()))).collect();
    let tree = SparseTree::from_leaves(coins.clone()).unwrap();
    let (key, value) = coins[123];
    let proof = tree.proof(key).to_bytes();
    assert!(h.inclusion(tree.root(), key, value, &proof));
    for bit in 0..proof.len() * 8 {
        assert!(!h.inclusion(tree.root(), key, value, &flip(&proof, bit)), "proof bit {bit}");
    }
    for bit in 0..64 {
        assert!(!h.inclusion(tree.root(), key ^ (1 << bit), value, &proof), "key bit {bit}");
    }
    let absent = 42;
    let proof = tree.proof(absent).to_bytes();
    assert!(h.exclusion(tree.root(), absent, &proof));
    assert!(!h.inclusion(tree.root(), absent, value, &proof));
    for bit in 0..proof.len() * 8 {
        assert!(!h.exclusion(tree.root(), absent, &flip(&proof, bit)), "exclusion proof bit {bit}");
    }
    // A present coin has no valid exclusion proof.
    assert!(!h.exclusion(tree.root(), key, &tree.proof(key).to_bytes()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn binary_roots_and_proofs_verify_on_chain(
        leaves in prop::collection::vec(any::<[u8; 32]>().prop_map(B256::from), 1..300),
        pick in any::<prop::sample::Index>(),
        bit in 0usize..4096,
    ) {
        let h = Harness::new();
        let tree = BinaryTree::from_leaves(&leaves).unwrap();
        let index = pick.index(leaves.len());
        let proof = tree.proof(index as u64).unwrap().to_bytes();
        prop_assert!(h.binary(tree.root(), leaves[index], index as u64, &proof));
        prop_assert!(!h.binary(tree.root(), leaves[index], index as u64, &flip(&proof, bit)));
    }

    #[test]
    fn sparse_inclusion_and_exclusion_verify_on_chain(
        coins in prop::collection::btree_map(any::<u64>(), any::<[u8; 32]>().prop_map(B256::from), 1..200),
        absent in any::<u64>(),
        pick in any::<prop::sample::Index>(),
        bit in any::<prop::sample::Index>(),
    ) {
        let h = Harness::new();
        let tree = SparseTree::from_leaves(coins.clone()).unwrap();
        let (&key, &value) = coins.iter().nth(pick.index(coins.len())).unwrap();
        let proof = tree.proof(key).to_bytes();
        prop_assert!(h.inclusion(tree.root(), key, value, &proof));
        let computed = h.view(Lib::sparseRootCall { key, leafNode_: hash::leaf_node(value), proof: proof.clone() });
        prop_assert!(computed.ok);
        prop_assert_eq!(computed.root, tree.root());
        prop_assert!(!h.inclusion(tree.root(), key, value, &flip(&proof, bit.index(proof.len() * 8))));
        if !coins.contains_key(&absent) {
            let proof = tree.proof(absent).to_bytes();
            prop_assert!(h.exclusion(tree.root(), absent, &proof));
            prop_assert!(!h.exclusion(tree.root(), absent, &flip(&proof, bit.index(proof.len() * 8))));
        }
    }

    #[test]
    fn signatures_made_in_rust_recover_on_chain(secret in any::<[u8; 32]>(), amount in any::<u64>(), nonce in any::<u64>()) {
        let key = match SigningKey::from_bytes(B256::from(secret)) { Ok(key) => key, Err(_) => return Ok(()) };
        let h = Harness::new();
        let framework = Address::repeat_byte(0xfa);
        let message = Transfer { to: Address::repeat_byte(7), amount: U256::from(amount), nonce };
        let struct_hash = message.eip712_hash_struct();
        let recover = |domain_contract: Address, signature: &Signature| -> Address {
            let sig = Bytes::copy_from_slice(&signature.to_bytes());
            h.view(Lib::recoverCall { verifyingContract: domain_contract, structHash: struct_hash, sig })
        };
        let domain = Domain::new(31_337, framework);
        prop_assert_eq!(h.view(Lib::typedDigestCall { verifyingContract: framework, structHash: struct_hash }), domain.hash_typed(&message));
        let signature = key.sign_typed(&domain, &message);
        prop_assert_eq!(recover(framework, &signature), key.address());
        // Bound to the deployment: the same signature names someone else under another framework.
        prop_assert_ne!(recover(Address::repeat_byte(0xfb), &signature), key.address());
        // Bound to the chain: a signature made for chain 1 does not recover to the signer here.
        let mainnet = key.sign_typed(&Domain::new(1, framework), &message);
        prop_assert_ne!(recover(framework, &mainnet), key.address());
        // The malleable high-s twin is refused outright (address zero) on chain and in Rust.
        let twin = signature.high_s_twin();
        prop_assert_eq!(recover(framework, &twin), Address::ZERO);
        prop_assert!(twin.recover(domain.hash_typed(&message)).is_err());
    }
}

#[tokio::test]
async fn the_framework_domain_matches_rust_on_both_backends() -> TestResult {
    for backend in ["embedded", "anvil"] {
        let t = TestDeployment::new(backend).await?;
        let on_chain = t.framework_view(Fw::domainSeparatorCall {}).await?;
        let rust = Domain::new(t.chain.chain_id(), t.deployment.framework).separator();
        assert_eq!(on_chain, rust, "{backend}");
    }
    Ok(())
}

#[tokio::test]
async fn priorities_pack_the_same_way() -> TestResult {
    let t = TestDeployment::new("embedded").await?;
    for (at, position, id) in
        [(0u64, 0u128, 0u128), (1_700_000_000, 1_000_000_000_123, 7), (u64::MAX, (1 << 96) - 1, (1 << 96) - 1)]
    {
        let call = Fw::encodePriorityCall {
            exitableAt: at,
            position: alloy_primitives::Uint::from(position),
            exitId: alloy_primitives::Uint::from(id),
        };
        let expected = Priority::new(at, position, id)?.encode();
        assert_eq!(t.framework_view(call).await?, expected);
    }
    Ok(())
}
