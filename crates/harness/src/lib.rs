//! The harness that runs plasma-lab variants and measures them.
//!
//! Now: [`RecordingChain`], a [`plasma_rootchain::RootChain`] wrapper that records every
//! transaction (function name, gas, calldata bytes, outcome), and [`GasTable`], the per-function
//! min / median / max those records give. The scenario format, fault injection and the comparison
//! report build on these as the variants land; [`variants`] lists the variants the harness can
//! drive (none before the first variant crate).

mod metrics;
mod recording;

pub use metrics::{GasStats, GasTable};
pub use recording::{CallRecord, RecordingChain};

/// Everything that can go wrong in the harness.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The root chain failed.
    #[error(transparent)]
    Chain(#[from] plasma_rootchain::Error),
    /// A contract call failed.
    #[error(transparent)]
    Contracts(#[from] plasma_contracts::Error),
}

/// A variant the harness can run: its name and what it supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantInfo {
    /// The name used on the command line (`mvp`, `cash`, ...).
    pub name: &'static str,
    /// One line on the design.
    pub summary: &'static str,
}

/// The variants implemented so far, in the order reports list them.
pub fn variants() -> Vec<VariantInfo> {
    Vec::new()
}
