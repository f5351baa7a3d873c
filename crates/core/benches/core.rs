//! Micro-benchmarks of the hot primitives: one signature recovery (libsecp256k1), the depth-16
//! binary tree of a full block, the 64-level sparse tree of 65,536 coins, and proofs.
//!
//! `cargo bench -p plasma-core --bench core` (append `-- --quick` for a short run).

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use plasma_core::{
    BinaryTree, SigningKey, SparseTree,
    alloy_primitives::{B256, keccak256},
    merkle::binary::CAPACITY,
    recover,
};

/// Leaf values `keccak256(i)`.
fn values(n: usize) -> Vec<B256> {
    (0..n as u64).map(|i| keccak256(i.to_be_bytes())).collect()
}

/// Coin ids spread over the whole 64-bit key space, with their values.
fn coins(n: usize) -> Vec<(u64, B256)> {
    values(n).into_iter().map(|v| (u64::from_be_bytes(v[..8].try_into().unwrap()), v)).collect()
}

fn signatures(c: &mut Criterion) {
    let key = SigningKey::from_bytes(keccak256("bench")).unwrap();
    let digest = keccak256("message");
    let signature = key.sign_digest(digest);
    c.bench_function("recover/one_signature", |b| b.iter(|| recover(black_box(digest), black_box(&signature))));
}

fn binary_tree(c: &mut Criterion) {
    let leaves = values(CAPACITY);
    let tree = BinaryTree::from_leaves(&leaves).unwrap();
    let mut group = c.benchmark_group("binary_tree");
    group.sample_size(20);
    group.bench_function("build_65536_leaves", |b| b.iter(|| BinaryTree::from_leaves(black_box(&leaves))));
    group.bench_function("proof", |b| b.iter(|| tree.proof(black_box(40_000))));
    let proof = tree.proof(40_000).unwrap();
    group.bench_function("verify", |b| b.iter(|| proof.verify(tree.root(), black_box(leaves[40_000]), 40_000)));
    group.finish();
}

fn sparse_tree(c: &mut Criterion) {
    let leaves = coins(CAPACITY);
    let tree = SparseTree::from_leaves(leaves.iter().copied()).unwrap();
    let (key, value) = leaves[40_000];
    let mut group = c.benchmark_group("sparse_tree");
    group.sample_size(10);
    group.bench_function("build_65536_coins", |b| {
        b.iter_batched(|| leaves.clone(), SparseTree::from_leaves, BatchSize::LargeInput);
    });
    group.bench_function("proof", |b| b.iter(|| tree.proof(black_box(key))));
    let proof = tree.proof(key);
    group.bench_function("verify_inclusion", |b| b.iter(|| proof.verify_inclusion(tree.root(), key, black_box(value))));
    group.finish();
}

criterion_group!(benches, signatures, binary_tree, sparse_tree);
criterion_main!(benches);
