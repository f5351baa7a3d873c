//! Plasma MVP (Minimal Viable Plasma) on the shared plasma-lab framework: the child-chain side.
//!
//! The byte-level rules are those of `docs/mvp.md` (positions, the `Transaction` struct and its
//! EIP-712 hash, leaf values, confirmations, the `MvpExitGame` ABI); the Solidity game follows the
//! same document. Nothing here talks to the root chain: the harness feeds root-chain events in and
//! sends the returned roots and [`GameCall`](plasma_core::GameCall)s out.
//!
//! - [`abi`]: the contract's types, re-exported from `plasma-abi` (generated from the compiled
//!   artifact) — [`Transaction`] and the [`MvpExitGame`](abi::MvpExitGame) calls and events.
//! - [`tx`]: [`UtxoPos`], [`SignedTx`] (hash, leaf, parent confirmations, 582-byte codec),
//!   signature pairs and the confirmation digest.
//! - [`position`]: [`Position`](position::Position), the `utxoPos` MVP and MoreVP share, generic
//!   over each design's [`PositionRules`](position::PositionRules).
//! - [`utxo`]: the UTXO base MVP and MoreVP share: [`TxBlock`](utxo::TxBlock), a block of any
//!   signed transaction type under the depth-16 tree.
//! - [`utxo_set`]: the UTXO bookkeeping both designs' ledgers share:
//!   [`UtxoSet`](utxo_set::UtxoSet), the per-input rule, the owner's signature check and the
//!   spent inputs of a checked transaction.
//! - [`block`]: [`Block`] (MVP transactions in a [`TxBlock`](utxo::TxBlock)) and [`Inclusion`].
//! - [`chain`]: the operator core MVP and MoreVP share: [`UtxoOperator`](chain::UtxoOperator),
//!   generic over a design's [`UtxoDesign`](chain::UtxoDesign) rules.
//! - [`ledger`]: the UTXO set and the validity rules shared by operator and watchers.
//! - [`operator`]: [`Operator`], the [`ChildChain`](plasma_core::ChildChain), with documented
//!   fault injection (`include_unchecked`, `withhold`).
//! - [`design`]: [`Mvp`], the design behind the core traits (its types, the game's events as
//!   [`MvpEvent`], the [`Operator`] as [`OperatorState`](plasma_core::OperatorState)).
//! - [`client`]: [`MvpClient`], one user's wallet and watcher as a
//!   [`UserClient`](plasma_core::UserClient).
//! - [`wallet`]: [`Wallet`], one user's client: payments, confirmations, exit arguments.
//! - [`watcher`]: [`Watcher`]: block validation, findings, exit alerts and challenges.
//! - [`game`]: [`MvpGame`] calldata builders, exit/challenge arguments and exit timing.
//! - [`error`]: [`MvpError`], the crate's one error type, and [`Invalidity`].
//! - [`bench`](mod@bench): ready-made operator workloads for throughput and memory measurements.
//!
//! Untrusted input (transaction bytes, signatures, proofs, events) never panics: it is rejected
//! with an [`MvpError`] and the rejecting component's state is left as it was.

pub mod abi;
pub mod bench;
pub mod block;
pub mod chain;
pub mod client;
pub mod design;
pub mod error;
pub mod game;
pub mod ledger;
pub mod operator;
pub mod position;
pub mod tx;
pub mod utxo;
pub mod utxo_set;
pub mod wallet;
pub mod watcher;

pub use block::{Block, Inclusion};
pub use client::MvpClient;
pub use design::{Handover, Mvp, MvpEvent, MvpTag};
pub use error::{Invalidity, MvpError, Result};
pub use game::{Challenge, DepositExit, ExitClaim, MvpExit, MvpGame, ObservedExit};
pub use ledger::Ledger;
pub use operator::Operator;
pub use tx::{Output, ParentConfirmations, SignedTx, Transaction, UtxoPos, confirmation_digest};
pub use wallet::Wallet;
pub use watcher::{BlockReport, BlockStatus, Finding, Watcher};
