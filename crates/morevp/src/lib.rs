//! MoreVP (More Viable Plasma) on the shared plasma-lab framework: the child-chain side.
//!
//! The byte-level rules are those of `docs/morevp.md` (positions, content-based output ids, exit
//! ids, the `PaymentTx` struct and its EIP-712 hash, witnesses, leaf = `txHash`, the wire form,
//! validity, periods, the `MoreVpExitGame` ABI and events, the watchers' decisions); the Solidity
//! game follows the same document. Positions, deposits and the depth-16 block tree are those of
//! Plasma MVP (`plasma-mvp`); MoreVP drops confirmation signatures and adds in-flight exits.
//! Nothing here talks to the root chain: the harness feeds root-chain events in and sends the
//! returned roots and [`GameCall`](plasma_core::GameCall)s out.
//!
//! - [`abi`]: the contract's types, re-exported from `plasma-abi` (generated from the compiled
//!   artifact) — [`PaymentTx`], [`InputProof`] and the [`MoreVpExitGame`](abi::MoreVpExitGame)
//!   functions and events.
//! - [`tx`]: [`UtxoPos`], output and exit ids, the payment's shape and hash, [`SignedTx`] and its
//!   `384 + 65 × inputs`-byte codec.
//! - [`block`]: [`Block`] (transactions under the depth-16 tree, leaf = `txHash`) and
//!   [`Inclusion`].
//! - [`ledger`]: the UTXO set and the validity rules shared by operator and watchers.
//! - [`operator`]: [`Operator`], the [`ChildChain`](plasma_core::ChildChain), with parallel batch
//!   acceptance and documented fault injection (invalid spends, double spends, mints, withheld
//!   blocks, the #102 competing pair).
//! - [`design`]: [`MoreVp`], the design behind the core traits (its types, its [`Handover`], the
//!   [`Operator`] as [`OperatorState`](plasma_core::OperatorState)).
//! - [`client`]: [`MoreVpClient`], one user's wallet and watcher as a
//!   [`UserClient`](plasma_core::UserClient).
//! - [`wallet`]: [`Wallet`], one user's client: outputs, in-flight transactions, payments with
//!   change, exit arguments.
//! - [`watcher`]: [`Watcher`]: block validation, findings and actions (challenges, responses,
//!   piggybacks, exits in time).
//! - [`game`]: [`MoreVpGame`] calldata builders with their bonds, [`GameEvent`]s, exit timing and
//!   priorities.
//! - [`error`]: [`MoreVpError`], the crate's one error type, and [`Invalidity`].
//! - [`bench`](mod@bench): ready-made operator workloads for throughput and memory measurements.
//!
//! Untrusted input (transaction bytes, signatures, proofs, events) never panics: it is rejected
//! with a [`MoreVpError`] and the rejecting component's state is left as it was.

pub mod abi;
pub mod bench;
pub mod block;
pub mod client;
pub mod design;
pub mod error;
pub mod evidence;
pub mod game;
pub mod ledger;
pub mod operator;
pub mod tx;
pub mod wallet;
pub mod watcher;

pub use block::{Block, Inclusion};
pub use client::MoreVpClient;
pub use design::{Handover, MoreVp};
pub use error::{Invalidity, MoreVpError, Result};
pub use game::{
    CanonicityChallenge, CanonicityResponse, DepositExit, ExitCall, GameEvent, InFlightExit, InputSpentChallenge,
    MoreVpGame, OutputSpentChallenge, Piggyback, StandardExit, StandardExitChallenge,
};
pub use ledger::Ledger;
pub use operator::Operator;
pub use tx::{InputProof, Output, PaymentTx, SignedTx, UtxoPos, deposit_output_id, in_flight_exit_id, output_id};
pub use wallet::Wallet;
pub use watcher::{Action, ActionKey, BlockStatus, ExitRef, Finding, Report, Watcher};
