//! The cast of the coin designs' client property tests (Plasma Cash, Plasma XT): six users, the
//! first four honest (each runs a client), the last two cheaters.

use plasma_core::alloy_primitives::Address;

use crate::fixtures::key;

/// The users' names, which are also their key seeds.
pub const NAMES: [&str; 6] = ["alice", "bob", "carol", "dave", "mallory", "eve"];
/// Alice, honest.
pub const ALICE: usize = 0;
/// Bob, honest.
pub const BOB: usize = 1;
/// Carol, honest.
pub const CAROL: usize = 2;
/// Dave, honest.
pub const DAVE: usize = 3;
/// Mallory, a cheater.
pub const MALLORY: usize = 4;
/// Eve, a cheater.
pub const EVE: usize = 5;
/// Users `0..HONEST` run a client.
pub const HONEST: usize = 4;

/// The address of user `user`.
#[must_use]
pub fn address(user: usize) -> Address {
    key(NAMES[user]).address()
}
