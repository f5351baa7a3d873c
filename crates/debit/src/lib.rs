//! Plasma Debit on the shared plasma-lab framework: the child-chain side (`docs/debit.md`).
//!
//! Debit is Plasma Cash in which every coin is also a payment channel between its holder and the
//! operator: a coin has a capacity `v` and a holder balance `a`; atomic two-coin payments move any
//! amount between holders; holder and operator co-sign channel states off chain; exits pay `a` to
//! the holder and `v - a` to the operator. The crate reuses `plasma-cash`'s histories and proofs
//! through its [`CoinTx`](plasma_cash::CoinTx) extension point and adds the Debit rules around
//! them. Nothing here talks to the root chain: callers feed events in and send the returned roots
//! and [`GameCall`](plasma_core::GameCall)s out.
//!
//! - [`bench`]: ready-made workloads for `plasma bench` (one-input transfers, coin memory).
//! - [`abi`]: the contract's types, re-exported from `plasma-abi` (generated from the compiled
//!   artifact) — [`DebitTx`], [`DebitIncluded`] and the [`DebitExitGame`](abi::DebitExitGame) calls
//!   and events.
//! - [`tx`]: legs, [`SignedDebitTx`] with its strict 385/450-byte codec, [`ChannelState`].
//! - [`block`]: [`DebitBlock`], each transaction at the key of every coin it touches.
//! - [`history`]: [`DebitMove`] (a coin's view of a transaction, a `CoinTx`), [`DebitHistory`]
//!   and the Debit verification ([`history::verify`]).
//! - [`operator`]: [`DebitOperator`]: validity, atomic payments, liquidity, hand-outs, co-signing,
//!   fault injection.
//! - [`evidence`]: what the [`DebitOperator`] can prove from its blocks (a coin's exit arguments).
//! - [`wallet`]: [`DebitWallet`]: balances, payments, transfers, states, exit arguments, stored bytes.
//! - [`watcher`]: the challenges and answers each exit-game event calls for, and the open exits
//!   they are decided on.
//! - [`design`]: [`Debit`] behind the core traits (its types, the decoded [`DebitEvent`]s, the
//!   operator's duties as [`OperatorState`](plasma_core::OperatorState)).
//! - [`client`]: [`DebitClient`], one user's wallet and watcher as
//!   [`UserClient`](plasma_core::UserClient).
//! - [`game`]: [`DebitGame`] calldata builders for every `DebitExitGame` function and observed events.
//! - [`error`]: [`DebitError`] and [`DebitInvalidity`].

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

pub use abi::{DebitIncluded, DebitTx};
pub use block::DebitBlock;
pub use client::DebitClient;
pub use design::{Debit, DebitEvent, DebitTag, Handover};
pub use error::{DebitError, DebitInvalidity, Result};
pub use game::{
    DebitExit, DebitGame, LegSpend, ObservedChannelChallenge, ObservedExit, ObservedHistoryAnswer,
    ObservedHistoryChallenge,
};
pub use history::{DebitHistory, DebitMove, DebitTip};
pub use operator::{CoinState, DebitOperator};
/// The Plasma Cash items this crate's API takes and returns (deposit records, history entries,
/// the roots a client learned), re-exported so that callers need not depend on `plasma-cash`.
pub use plasma_cash::{DepositRecord, Entry, Roots};
pub use tx::{ChannelState, Leg, SignedDebitTx};
pub use wallet::{DebitWallet, ExitArgs, HeldCoin, Invoice, LearnedPayment, SyncReport};
pub use watcher::{Action, OpenExit, OpenExits};
