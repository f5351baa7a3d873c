//! Plasma XT on the shared plasma-lab framework: Plasma Cash (`plasma-cash`, reused as is) plus
//! checkpoints (`docs/xt.md`).
//!
//! - [`abi`]: the contract's types, re-exported from `plasma-abi` (generated from the compiled
//!   artifact) — [`CheckpointState`](abi::CheckpointState) and the
//!   [`XtExitGame`](abi::XtExitGame) calls and events.
//! - [`bench`](mod@bench): the operator's work for one checkpoint, timed for `plasma bench`.
//! - [`checkpoint`]: state leaves, zones, bitmaps, the operator's [`StateCheckpoint`] with its
//!   collected sign-offs, and the EIP-712 sign-off.
//! - [`history`]: [`XtStart`] (deposit or checkpoint start of a `plasma_cash::CoinHistory`),
//!   [`XtHistory`], [`prune`](history::prune) and the stored-bytes formula.
//! - [`game`]: [`XtGame`] calldata builders for every function XT adds; the Cash ones are
//!   `plasma_cash::CashGame`'s.
//! - [`watcher`]: the owner's sign-off and challenge, the operator's answer, stale exits.
//! - [`client`]: one user's software on top of Plasma Cash's: [`CheckpointBook`] (sign-offs,
//!   checkpoint starts, pruned histories, stored bytes, checkpoint-origin exits), [`XtWallet`] and
//!   [`XtWatcher`] (false bits, stale exits, spends revealed by checkpoint answers, history
//!   answers at a checkpoint).
//! - [`design`]: [`Xt`], the design behind the core traits ([`plasma_core::Design`]), and its game
//!   events ([`XtEvent`]).
//! - [`operator`]: [`XtOperator`], Plasma Cash's operator plus its checkpoints, as a
//!   [`plasma_core::OperatorState`]: it answers challenges of its checkpoints and finalises them.
//! - [`user`]: [`XtClient`], one user's Plasma Cash client plus its checkpoint book and watcher, as
//!   a [`plasma_core::UserClient`].
//! - [`error`]: the crate's one error type, [`XtError`].

pub mod abi;
pub mod bench;
pub mod checkpoint;
pub mod client;
pub mod design;
pub mod error;
pub mod game;
pub mod history;
pub mod operator;
pub mod user;
pub mod watcher;

pub use checkpoint::{Bitmap, CoinState, StateCheckpoint, Zone, sign_off, sign_off_digest, state_leaf};
pub use client::{CheckpointBook, XtAction, XtWallet, XtWatcher, prune_wallet};
pub use design::{Handover, Xt, XtEvent, XtTag};
pub use error::{Result, XtError};
pub use game::{CheckpointExit, XtGame, checkpoint_state};
pub use history::{CheckpointRef, XtHistory, XtStart, prune, to_cash};
pub use operator::XtOperator;
pub use user::XtClient;
pub use watcher::{
    ProposedCheckpoint, Response, is_stale, later_spend, operator_response, owner_challenge, owner_sign_off,
};
