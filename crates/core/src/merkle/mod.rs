//! The two Merkle trees of `docs/specs.md`, built to match the Solidity verifiers bit for bit.
//!
//! - [`hash`]: the domain-separated leaf and inner-node hashes both trees share.
//! - [`binary`]: the fixed-depth (16) binary tree of MVP and MoreVP blocks.
//! - [`sparse`]: the 64-level sparse tree keyed by coin id of the Plasma Cash family, with
//!   bitmap-compressed inclusion and non-inclusion proofs.

pub mod binary;
pub mod hash;
pub mod sparse;

pub use binary::{BinaryProof, BinaryTree};
pub use hash::{EMPTY, leaf_node, parent};
pub use sparse::{SparseProof, SparseTree};
