//! The runtime of plasma-lab, written once and generic over the traits of `plasma-core`
//! ([`Design`](plasma_core::Design), [`OperatorState`](plasma_core::OperatorState),
//! [`UserClient`](plasma_core::UserClient), [`BlockSource`](plasma_core::BlockSource)): it drives
//! any design against any [`RootChain`](plasma_rootchain::RootChain).
//!
//! - [`cursor`]: [`LogCursor`] reads the framework's and the exit game's logs once each, in
//!   order, decodes them (the framework's here, the game's through the design) and dates each by
//!   its root-chain block.
//! - [`actions`]: [`ActionQueue`], the outbox of decided calls: sent in decision order, simulated
//!   before a retry, retried until they succeed or their deadline passes, withdrawn once what they
//!   were about ended; [`Submit`], how a call reaches the root chain.
//! - [`client`]: [`ClientRuntime`], the client loop of one or more users: events in, blocks judged
//!   with the data a block source gives, ticks, decisions sent through the queue.
//! - [`operator`]: [`OperatorRuntime`], the operator loop: events in, transactions accepted, blocks
//!   sealed and their roots submitted, the operator's own decisions sent; and [`InProcess`], the
//!   operator's data as a block source in the same process.
//!
//! What the runtime does is reported as [`Note`]s in words (the harness logs them; the services
//! trace them). Nothing in it panics on what the root chain says: an event that does not decode is
//! an [`Error`].

pub mod actions;
pub mod client;
pub mod cursor;
pub mod operator;

pub use actions::{ActionQueue, Note, Submit};
pub use client::{ClientRuntime, Naming};
pub use cursor::{Dated, LogCursor};
pub use operator::{InProcess, OperatorRuntime};

/// Everything that can go wrong in the runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The root chain backend failed.
    #[error(transparent)]
    Chain(#[from] plasma_rootchain::Error),
    /// A framework log did not decode (the chain said something malformed).
    #[error("a framework log of block {block} does not decode: {detail}")]
    Decode {
        /// The root-chain block of the log.
        block: u64,
        /// What the decoder said.
        detail: String,
    },
    /// The design refused an input (a game event, a block, a transaction).
    #[error("{design}: {source}")]
    Design {
        /// The design's name.
        design: &'static str,
        /// The design's error.
        source: Box<dyn core::error::Error + Send + Sync>,
    },
    /// A block source could not answer.
    #[error("block source: {0}")]
    Source(Box<dyn core::error::Error + Send + Sync>),
    /// A submitted block root was not recorded by the framework.
    #[error("submitBlock failed: {0}")]
    Submission(String),
    /// No client runs under that name.
    #[error("no client named {0:?}")]
    UnknownClient(String),
}

impl Error {
    /// Wraps an error of design `D`.
    pub fn design<D: plasma_core::Design>(source: D::Error) -> Self {
        Self::Design { design: D::NAME, source: Box::new(source) }
    }
}

/// Result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
