//! Test support shared by the plasma-lab crates (a dev-dependency only; nothing in it runs in a
//! product).
//!
//! - [`interleave`]: delivery orders for client property tests, in which the same facts reach a
//!   client in different orders and with delays up to their deadlines.

pub mod interleave;
