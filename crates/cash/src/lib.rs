//! Plasma Cash on the shared plasma-lab framework: the child-chain side.
//!
//! The byte-level rules are those of `docs/cash.md` (coin ids, the `CashTx` struct and its EIP-712
//! hash, the leaf `txHash` at key `coinId` of the 64-level sparse tree, the 161-byte wire form,
//! histories and their verification, the `CashExitGame` ABI); the Solidity game follows the same
//! document. Nothing here talks to the root chain: the harness feeds root-chain events in and
//! sends the returned roots and [`GameCall`](plasma_core::GameCall)s out.
//!
//! - [`abi`]: the contract's types, re-exported from `plasma-abi` (generated from the compiled
//!   artifact) — [`CashTx`], [`Included`] and the [`CashExitGame`](game::CashExitGame) calls and
//!   events.
//! - [`tx`]: [`CashTx`] helpers (hash under a `Domain`, signing) and [`SignedCashTx`] with its strict
//!   161-byte codec and signer recovery.
//! - [`block`]: [`CashBlock`] (at most one transaction per coin under the sparse tree), inclusion
//!   and exclusion proofs.
//! - [`history`]: [`CoinHistory`] / [`CashHistory`] (deposit record and one `Moved`/`Stayed`
//!   [`Entry`] per block), its verification, the stored-bytes formula, and the [`CoinTx`] /
//!   [`HistoryStart`] traits that Plasma XT and Plasma Debit reuse it through.
//! - [`operator`]: [`Operator`], the [`ChildChain`](plasma_core::ChildChain), with documented
//!   fault injection (`include_unchecked`, `withhold_next`, `hold_back`).
//! - [`evidence`]: what the [`Operator`] can prove from its blocks, as the game's calls take it (a
//!   coin's exit claim, a transaction with its inclusion, the answer to a history challenge).
//! - [`wallet`]: [`Wallet`], one user's client: histories, payments, receipts, exit arguments.
//! - [`watcher`]: [`Watcher`]: the challenges and responses each exit-game event calls for, and
//!   withholding reports.
//! - [`design`]: [`Cash`], the design behind the core traits ([`plasma_core::Design`]), its game
//!   events ([`CashEvent`]), and the operator as [`plasma_core::OperatorState`].
//! - [`client`]: [`CashClient`], one user's wallet and watcher as a [`plasma_core::UserClient`]:
//!   blocks judged, payments handed over and checked, exits answered, each decision with its
//!   deadline.
//! - [`game`]: [`CashGame`] calldata builders for every function, exit/challenge arguments,
//!   observed events, exit timing and exit ids.
//! - [`error`]: [`CashError`], the crate's one error type, and [`Invalidity`].
//! - [`bench`](mod@bench): ready-made workloads for throughput, proof-size and history measurements.
//!
//! Untrusted input (transaction bytes, signatures, proofs, histories, events) never panics: it is
//! rejected with a [`CashError`] and the rejecting component's state is left as it was.

pub mod abi;
pub mod bench;
pub mod block;
pub mod client;
pub mod design;
pub mod error;
pub mod evidence;
pub mod game;
pub mod history;
pub mod operator;
pub mod tx;
pub mod wallet;
pub mod watcher;

pub use block::CashBlock;
pub use client::CashClient;
pub use design::{Cash, CashEvent, CashTag, Handover};
pub use error::{CashError, Invalidity, Result};
pub use game::{
    CashExit, CashGame, DepositExit, ExitClaim, HistoryChallenge, HistoryResponse, Included, ObservedAnswer,
    ObservedChallenge, ObservedExit, SpendChallenge,
};
pub use history::{CashHistory, CoinHistory, CoinTx, DepositRecord, Entry, HistoryStart, Move, Roots};
pub use operator::{Coin, Operator};
pub use tx::{CashTx, SignedCashTx};
pub use wallet::{KnownMove, SyncReport, Wallet};
pub use watcher::{Action, Finding, Watcher};
