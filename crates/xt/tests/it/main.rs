//! The tests of `plasma-xt` in one binary (it links once); one module per part.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod client;
mod client_properties;
mod common;
mod user;
mod xt;
