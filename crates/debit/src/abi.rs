//! The Solidity side of Plasma Debit as Rust types (`docs/debit.md`): re-exports of what
//! `plasma-abi` generates from the compiled artifact `contracts/artifacts/DebitExitGame.json`, so
//! the contract's ABI is the only source and no Solidity type is declared again here.
//!
//! - [`DebitTx`]: the ten-field transaction struct, whose ABI encoding (ten static words, 320
//!   bytes) and EIP-712 type string are the contract's. What Rust adds to it (constructors, legs,
//!   strict codec, hash under a `Domain`) is [`DebitTxExt`](crate::tx::DebitTxExt).
//! - [`DebitIncluded`]: a transaction with the child block that includes it and its proofs at the
//!   key of each coin it touches, as every exit and challenge call takes it.
//! - [`PendingChallenge`], [`ExitView`]: what the `pendingChallenges` and `exits` views return.
//! - [`DebitExitGame`]: every function, event and error of `DebitExitGame.sol`.

/// [`DebitExitGame`] under the name of the interface this module used to declare by hand, for
/// callers outside this crate that still use it.
pub use plasma_abi::DebitExitGame as IDebitExitGame;
pub use plasma_abi::DebitExitGame::{self, DebitIncluded, DebitTx, ExitView, PendingChallenge};
