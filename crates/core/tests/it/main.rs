//! The tests of `plasma-core` in one binary (it links once); one module per part.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod binary_tree;
mod eip712;
mod priority;
mod sparse_tree;
