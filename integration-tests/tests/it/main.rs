//! The cross-crate suite in one test binary, so that it links once: Rust against the Solidity
//! contracts on both backends.
//!
//! - `backends`, `backend_conformance`, `rpc_backend`: the `RootChain` backends, the same gas and
//!   events on both, and the suite on a node reached by URL with one key.
//! - `framework`: `PlasmaFramework`: blocks, deposits, the exit queue, payouts and bonds.
//! - `cross_check`: Rust and Solidity agree bit for bit on trees, proofs and EIP-712 signatures.
//! - `mvp_game`, `morevp_game`, `cash_game`, `xt_game`, `debit_game`: each exit game's rules and
//!   gas, independent of the design crates; `debit_crate`: the Debit crate against its game.
//! - `invariants`: the contract invariant fuzzers of every exit game (`PROPTEST_CASES` for longer
//!   runs).
//! - `scenarios`: every built-in scenario on every design, and the committed comparison report.
//! - `bench`: `plasma bench` produces a complete, consistent report.

mod backend_conformance;
mod backends;
mod bench;
mod cash_game;
mod cross_check;
mod debit_crate;
mod debit_game;
mod framework;
mod invariants;
mod morevp_game;
mod mvp_game;
mod rpc_backend;
mod scenarios;
mod xt_game;
