//! Test support shared by the plasma-lab crates (a dev-dependency only; nothing in it runs in a
//! product).
//!
//! - [`fixtures`]: the test [`key`] of a seed, the test [`domain`], [`wei`] and the framework's
//!   block numbering ([`Framework`]).
//! - [`interleave`]: delivery orders for client property tests, in which the same facts reach a
//!   client in different orders and with delays up to their deadlines, and the histories, shapes
//!   and runs those tests share.
//! - [`cast`]: the six users of the coin designs' client property tests.
//! - [`perf`]: the operator benches' measurements (resident memory, the recovery limit, a timed
//!   batch-and-seal round, criterion benchmarks of `submit_tx` and of a full block).

pub mod cast;
pub mod fixtures;
pub mod interleave;
pub mod perf;

pub use fixtures::{Framework, domain, eip712_digest, key, wei};
