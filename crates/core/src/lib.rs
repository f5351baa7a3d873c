//! Shared ground of the plasma-lab designs (MVP, MoreVP, Plasma Cash, Plasma XT, Plasma Debit).
//!
//! - [`types`]: block numbering, deposit roots, the exit-queue [`Priority`].
//! - [`merkle`]: the fixed-depth binary tree and the 64-level sparse tree, hashed exactly as the
//!   Solidity verifiers hash them.
//! - [`eip712`]: the signing domain, digests, [`SigningKey`] and low-s signature [`recover`]y.
//! - [`bench`]: [`Workloads`](bench::Workloads), what `plasma bench` measures of any design's
//!   operator.
//! - [`design`]: the traits that carry a whole design behind one runtime: [`Design`] (its types),
//!   [`OperatorState`], [`UserClient`] (wallet and watcher) and [`BlockSource`].
//! - [`traits`]: [`ChildChain`], which every design's operator implements, and the descriptors
//!   and events the designs share.
//! - [`outbox`]: the client's [`Outbox`] of decided actions, retried until they succeed or their
//!   deadline passes.
//! - [`par`]: the order-keeping parallel map operators use for hashing and signature recovery.
//! - [`error`]: the crate's one error type, [`Error`].
//!
//! The byte-level rules (node hashing, proof encodings, EIP-712 domain, signature checks, priority
//! packing) are those of `docs/specs.md`; the Solidity side follows the same document, and the
//! integration tests check both against each other on the EVM. Nothing here panics on untrusted
//! input: malformed proofs, signatures and parameters come back as [`Error`].

pub mod bench;
pub mod design;
pub mod eip712;
pub mod error;
pub mod merkle;
pub mod outbox;
pub mod par;
pub mod traits;
pub mod types;

pub use design::{
    BlockSource, ChainEvent, Decision, Design, ExitOutcome, ExitScope, FrameworkEvent, OperatorState, Role, UserClient,
};
pub use eip712::{Domain, Signature, SigningKey, recover};
pub use error::{Error, Result};
pub use merkle::{BinaryProof, BinaryTree, SparseProof, SparseTree};
pub use outbox::{GaveUp, Outbox, RetryPolicy};
pub use traits::{BlockSubmittedEvent, Bonds, Capabilities, ChildBlock, ChildChain, DepositEvent, GameCall, Periods};
pub use types::{
    BlockNumber, CHILD_BLOCK_INTERVAL, ExitMarks, Priority, Timestamp, deposit_root, is_child_block, is_deposit_block,
};

// Re-exported so that users name the same versions of the primitive types.
pub use alloy_primitives;
pub use alloy_sol_types;
