//! The Solidity side of Plasma Cash as Rust types (`docs/cash.md`): re-exports of what `plasma-abi`
//! generates from the compiled artifact `contracts/artifacts/CashExitGame.json`, so the contract's
//! ABI is the only source and no Solidity type is declared again here.
//!
//! - [`CashTx`]: the transaction struct, whose ABI encoding (three static words, 96 bytes) and
//!   EIP-712 type string `CashTx(uint64 coinId,uint64 prevBlock,address newOwner)` are the
//!   contract's. What Rust adds to it (constructor, strict codec, hash under a `Domain`, signing)
//!   is [`CashTxExt`](crate::tx::CashTxExt).
//! - [`Included`]: a transaction of a coin with the child block that includes it and its
//!   bitmap-compressed sparse-tree proof, as every exit and challenge call takes it; its
//!   constructors are [`IncludedExt`](crate::game::IncludedExt).
//! - [`PendingChallenge`]: one entry of the `pendingChallenges(uint64)` view.
//! - [`CashExitGame`]: every function, event and error of `CashExitGame.sol`. The watcher reads
//!   the events: decode a log with `CashExitGame::ExitStarted::decode_log` and convert it with
//!   [`ObservedExit::from`](crate::game::ObservedExit).
//!
//! `plasma-xt` calls the functions `XtExitGame` inherits through these same types (same
//! selectors); `plasma_abi::XtExitGame::CashTx` is another Rust type with this ABI.

/// [`CashExitGame`] under the name of the interface this module used to declare by hand, for
/// callers outside this crate that still use it.
pub use plasma_abi::CashExitGame as ICashExitGame;
pub use plasma_abi::CashExitGame::{self, CashTx, Included, PendingChallenge};
