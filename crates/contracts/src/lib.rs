//! Deployment of plasma-lab's Solidity contracts on any [`RootChain`], and typed calls to them.
//!
//! The contract types come from `plasma-abi` (generated from the committed artifacts, re-exported
//! here for convenience); this crate adds what needs a root chain. [`deploy_framework`] puts up the shared `PlasmaFramework`; a variant then deploys its exit
//! game with [`deploy_game`], which also registers it. [`send`] and [`view`] turn a typed
//! `sol!` call into a root-chain transaction or read.

mod deploy;

pub use deploy::{DEFAULT_MIN_EXIT_PERIOD, Deployment, deploy_framework, deploy_game, send, view};
pub use plasma_abi::*;

use plasma_rootchain::Receipt;

/// Everything that can go wrong while deploying or calling the contracts.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The root chain backend failed.
    #[error(transparent)]
    Chain(#[from] plasma_rootchain::Error),
    /// A call that had to succeed reverted.
    #[error("{function} reverted: {}", reason.as_deref().unwrap_or("no reason given"))]
    Reverted {
        /// The Solidity function.
        function: &'static str,
        /// The decoded revert reason.
        reason: Option<String>,
        /// The full receipt, when the failure was a mined transaction.
        receipt: Option<Box<Receipt>>,
    },
    /// Return data did not decode as the function's outputs.
    #[error("cannot decode the return data of {function}: {detail}")]
    Decode {
        /// The Solidity function.
        function: &'static str,
        /// What the decoder said.
        detail: String,
    },
}

/// Result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
