//! The harness that runs plasma-lab variants on the same work and measures them.
//!
//! - [`scenario`]: the TOML scenario format (actors, steps, operator faults, expectations).
//! - [`Variant`]: the async, object-safe face of a design that scenarios drive.
//! - [`lab`]: any design on the runtime as a [`Variant`], written once over the core traits
//!   ([`lab::Lab`] of a [`lab::Scripted`] design).
//! - [`run_scenario`]: one scenario on one variant over a fresh root chain, watchers included.
//! - [`RecordingChain`] and [`GasTable`]: every root-chain call with its function name, gas and
//!   calldata bytes, and the per-function statistics.
//! - [`CompareReport`]: what `plasma compare` prints (table, Markdown, JSON).
//! - [`charts`]: dependency-free, deterministic SVG bar and line charts for the report.
//! - [`bench`]: what `plasma bench` measures: operator throughput against the machine's
//!   signature-recovery limit, block building, proofs and state memory.
//! - [`builtin()`]: the five built-in designs (feature `builtin`, on by default), the only place
//!   that lists them; [`variants`] holds their cheaters.
//! - [`footprint`]: per design, the bytes on the wire (payment, proofs, block) and what one user
//!   must store and download to stay safe, as blocks and users grow.

pub mod bench;
pub mod builtin;
pub mod charts;
mod compare;
mod faults;
pub mod footprint;
pub mod lab;
mod latency;
pub mod mass_exit;
mod metrics;
mod recording;
mod report;
mod runner;
pub mod scenario;
mod variant;
#[cfg(feature = "builtin")]
pub mod variants;
mod world;

pub use builtin::builtin;
pub use compare::{
    Backend, Progress, Studies, builtin_scenarios, compare, compare_with_progress, new_variant, variant_names,
};
pub use faults::{FaultCell, FaultClass, fault_cell};
pub use latency::{Latency, LatencyStart};
pub use metrics::{GasStats, GasTable, Operation, OperationTable};
pub use recording::{CallRecord, RecordingChain};
pub use report::{CompareReport, ScenarioSummary, VariantReport};
pub use runner::{Outcome, ScenarioRun, run_scenario};
pub use scenario::{Amount, CheckpointStep, ExitWhat, Fault, Scenario, Step};
pub use variant::{ExitCounts, ExitRequest, Payment, Support, Variant, VariantInfo, has_capability};
pub use world::{Actor, MAX_ACTORS, World};

/// Everything that can go wrong in the harness.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The root chain failed.
    #[error(transparent)]
    Chain(#[from] plasma_rootchain::Error),
    /// A contract call failed.
    #[error(transparent)]
    Contracts(#[from] plasma_contracts::Error),
    /// The runtime failed.
    #[error(transparent)]
    Node(#[from] plasma_node::Error),
    /// A key or signature was invalid.
    #[error(transparent)]
    Core(#[from] plasma_core::Error),
    /// A scenario file is malformed or names something that does not exist.
    #[error("scenario: {0}")]
    Scenario(String),
    /// A variant's own logic failed.
    #[error("{variant}: {message}")]
    Variant {
        /// The variant.
        variant: &'static str,
        /// What went wrong.
        message: String,
    },
    /// A scenario step failed.
    #[error("step {index}: {source}")]
    Step {
        /// 1-based step number.
        index: usize,
        /// The failure.
        source: Box<Error>,
    },
}
