//! [`XtError`], the crate's one error type.

use alloy_primitives::Address;
use plasma_cash::CashError;
use plasma_core::BlockNumber;

/// Everything that can go wrong in the XT client, operator and watcher. Untrusted input
/// (signatures, proofs, events) gets one of these and leaves the component's state as it was.
#[derive(Debug, thiserror::Error)]
pub enum XtError {
    /// A Plasma Cash rule failed (histories, transactions, proofs).
    #[error(transparent)]
    Cash(#[from] CashError),
    /// An error from `plasma-core` (signatures, trees).
    #[error(transparent)]
    Core(#[from] plasma_core::Error),
    /// The coin id is outside the checkpoint's zone.
    #[error("coin {coin_id} is outside the zone [{start}, {start} + {size})")]
    OutOfZone {
        /// The coin.
        coin_id: u64,
        /// The zone's first id.
        start: u64,
        /// The zone's size.
        size: u64,
    },
    /// A zone of zero coins, one past `u64`, or (for a checkpoint) one reaching its block `K` or
    /// beyond: a checkpoint of `K` speaks only of coins deposited before `K`.
    #[error("bad zone: start {start}, size {size}")]
    BadZone {
        /// The zone's first id.
        start: u64,
        /// The zone's size.
        size: u64,
    },
    /// A bench workload could not be set up as it must be (see [`crate::bench`]).
    #[error("bench workload: {0}")]
    Workload(&'static str),
    /// The checkpoint's state tree holds no leaf for the coin.
    #[error("the checkpoint states nothing for coin {0}")]
    NoState(u64),
    /// A sign-off that does not recover to the coin's owner in the state.
    #[error("sign-off of coin {coin_id} is not by its owner {owner}")]
    BadSignOff {
        /// The coin.
        coin_id: u64,
        /// The owner the state names.
        owner: Address,
    },
    /// The owner refuses to sign off: the state does not match its own history at the block.
    #[error("coin {coin_id} is not stated rightly at block {blknum}: {why}")]
    WrongState {
        /// The coin.
        coin_id: u64,
        /// The checkpoint block.
        blknum: BlockNumber,
        /// What differs.
        why: &'static str,
    },
    /// A state proof that does not lead to the checkpoint's root.
    #[error("the state of coin {0} is not included under the checkpoint's root")]
    StateNotIncluded(u64),
    /// A handed-over history whose start is not a finalised checkpoint known to the recipient with
    /// the coin's bit set and the same block and state root.
    #[error("coin {0}'s history does not start at a finalised checkpoint that states it")]
    NotCheckpointed(u64),
    /// The history does not reach the checkpoint block, or already starts after it.
    #[error("history of coin {coin_id} cannot be pruned at block {blknum}")]
    CannotPrune {
        /// The coin.
        coin_id: u64,
        /// The checkpoint block.
        blknum: BlockNumber,
    },
    /// The user keeps no checkpoint book (it runs no XT software of its own).
    #[error("{0} keeps no checkpoint book")]
    NoBook(Address),
}

/// Result type of this crate.
pub type Result<T, E = XtError> = core::result::Result<T, E>;
