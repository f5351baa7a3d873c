//! The footprint of each design: the bytes that go over the wire (a signed payment, a proof, a
//! block) and what one user must store and download to stay safe, measured on real objects the
//! variant crates build and encode.
//!
//! # The workload (the same for every design)
//!
//! `users` users each own one coin (Cash, XT, Debit) or one output (MVP, MoreVP), the first
//! `users` deposits. In every child block one user in ten pays: coin or output `i` moves in the
//! `n`-th child block when `i ≡ n (mod 10)`, so a block carries `users / 10` one-input payments
//! (at least one for `users >= 10`, which every point below has) and every coin moves once every
//! ten blocks. Our user's coin is one of them (the coin designs' `rotating_coin_index`): it moves
//! in blocks 10, 20, 30, …, each time to a new holder, and "our user" is whoever holds it after
//! the last block. Points: `users = 1,000` after 1, 10, 100 and 1,000 blocks ([`Footprint::by_blocks`])
//! and 100 blocks with 10, 100, 1,000 and 10,000 users ([`Footprint::by_users`]); the wire sizes
//! are taken at 1,000 users, on the block of the workload (100 payments among 1,000 coins).
//!
//! # What each design asks of the user
//!
//! Each design says it in its implementation of [`plasma_core::bench::Footprint`], measured on
//! real objects of its crate: MVP and MoreVP download every full block and store their output's
//! creating transaction and proof; the coin designs download their coin's proof per block and
//! store its history (XT pruned behind its newest finalised checkpoint). The built-in designs are
//! listed in [`crate::builtin()`].
//!
//! Not counted: root-chain data every design reads alike (block roots, checkpoint bitmaps), and
//! the history a recipient is handed when the coin reaches it (that is the stored figure).
//! Everything is deterministic: fixed keys, RFC 6979 signatures, no randomness, no timing.

use alloy_primitives::Address;
use plasma_core::Domain;
use serde::Serialize;

use crate::Error;

/// Users of the reference load (wire sizes, [`Footprint::by_blocks`]).
pub const REFERENCE_USERS: u64 = 1_000;
/// The block counts of [`Footprint::by_blocks`].
pub const BLOCK_POINTS: [u64; 4] = [1, 10, 100, 1_000];
/// The user counts of [`Footprint::by_users`].
pub const USER_POINTS: [u64; 4] = [10, 100, 1_000, 10_000];
/// The block count of [`Footprint::by_users`].
pub const BY_USERS_BLOCKS: u64 = 100;
pub use plasma_core::bench::{CHECKPOINT_EVERY, PAY_EVERY};

pub use plasma_core::bench::WireSizes;

/// What one user holding one coin/UTXO must store and download after `blocks` child blocks on a
/// chain of `users` users.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoragePoint {
    /// Child blocks since the deposit.
    pub blocks: u64,
    /// Users (coins or outputs) on the chain.
    pub users: u64,
    /// Bytes stored at the end.
    pub stored_bytes: u64,
    /// Bytes downloaded over the `blocks` blocks.
    pub downloaded_bytes: u64,
}

/// One design's footprint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Footprint {
    /// At the reference load (1,000 users).
    pub sizes: WireSizes,
    /// `users = 1,000`; `blocks = 1, 10, 100, 1,000`.
    pub by_blocks: Vec<StoragePoint>,
    /// `blocks = 100`; `users = 10, 100, 1,000, 10,000`.
    pub by_users: Vec<StoragePoint>,
    /// One line: what the user stores.
    pub stored: &'static str,
    /// One line: what the user downloads per block to stay safe.
    pub downloaded: &'static str,
}

/// The footprint of the built-in design `name`; `Ok(None)` for an unknown name.
pub fn footprint(name: &str) -> Result<Option<Footprint>, Error> {
    crate::builtin().iter().find(|b| b.name == name).map(|b| (b.footprint)()).transpose()
}

/// Measures the footprint of design `F` (reported as `name`) on the reference workload.
pub fn footprint_of<F: plasma_core::bench::Footprint>(name: &'static str) -> Result<Footprint, Error> {
    let err = |message: String| Error::Variant { variant: name, message };
    let domain = domain();
    let sizes = F::wire_sizes(REFERENCE_USERS, &domain).map_err(err)?;
    let by_blocks = F::storage(&BLOCK_POINTS, REFERENCE_USERS, &domain).map_err(err)?;
    let by_blocks = points(&BLOCK_POINTS, |_| REFERENCE_USERS, &by_blocks);
    let mut by_users = Vec::with_capacity(USER_POINTS.len());
    for users in USER_POINTS {
        let measured = F::storage(&[BY_USERS_BLOCKS], users, &domain).map_err(err)?;
        by_users.extend(points(&[BY_USERS_BLOCKS], |_| users, &measured));
    }
    Ok(Footprint { sizes, by_blocks, by_users, stored: F::STORED, downloaded: F::DOWNLOADED })
}

fn points(blocks: &[u64], users: impl Fn(u64) -> u64, measured: &[(u64, u64)]) -> Vec<StoragePoint> {
    blocks
        .iter()
        .zip(measured)
        .map(|(b, (stored, downloaded))| StoragePoint {
            blocks: *b,
            users: users(*b),
            stored_bytes: *stored,
            downloaded_bytes: *downloaded,
        })
        .collect()
}

fn domain() -> Domain {
    Domain::new(plasma_rootchain::CHAIN_ID, Address::repeat_byte(0xfa))
}
