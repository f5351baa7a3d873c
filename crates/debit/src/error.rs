//! The crate's one error type, [`DebitError`], and the Debit-specific reasons a transaction or a
//! history is invalid ([`DebitInvalidity`]); the Cash reasons (signer, `prevBlock`, proofs, missing
//! blocks) travel inside [`DebitError::Cash`] unchanged.

use plasma_cash::CashError;
use plasma_core::BlockNumber;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Result with [`DebitError`] as the default error.
pub type Result<T, E = DebitError> = core::result::Result<T, E>;

/// Why a Debit transaction, channel state or history entry is invalid, beyond the Cash rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Error)]
#[non_exhaustive]
pub enum DebitInvalidity {
    /// A payment names the same coin twice.
    #[error("a payment names coin {0} twice")]
    SamePeer(u64),
    /// The transaction has no leg of this coin.
    #[error("the transaction has no leg of coin {0}")]
    NoLeg(u64),
    /// A leg's nonce is not above the coin's last nonce.
    #[error("nonce {got} of coin {coin_id} is not above {last}")]
    StaleNonce {
        /// The coin.
        coin_id: u64,
        /// The coin's last nonce.
        last: u64,
        /// The leg's nonce.
        got: u64,
    },
    /// A leg's balance exceeds the coin's capacity.
    #[error("balance {balance} of coin {coin_id} exceeds its capacity {capacity}")]
    OverCapacity {
        /// The coin.
        coin_id: u64,
        /// The leg's balance (wei).
        balance: u128,
        /// The coin's capacity (wei).
        capacity: u128,
    },
    /// A payee's leg names a coin the payer holds: one signature over the payment would move it.
    #[error("the payee's leg names coin {0}, which the payer holds")]
    PeerIsOwnCoin(u64),
    /// A payment changes a holder or does not keep the sum of the two balances.
    #[error("a payment must keep both holders and the sum of their balances")]
    UnbalancedPayment,
    /// A payment is not included at its second key of the same block.
    #[error("the payment is not included at key {0} of the same block")]
    PeerNotIncluded(u64),
    /// A channel state is not a single-coin update of the current holder.
    #[error("not a channel state of the holder")]
    NotAState,
    /// A signature is missing, malformed or by someone else.
    #[error("bad signature: {0}")]
    BadSignature(String),
}

/// Everything that can go wrong in this crate.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DebitError {
    /// A Plasma Cash rule failed (histories, proofs, signers, blocks).
    #[error(transparent)]
    Cash(#[from] CashError),
    /// A primitive failed (signature shape, proof shape, tree).
    #[error(transparent)]
    Core(#[from] plasma_core::Error),
    /// A transaction, state or entry breaks a Debit rule.
    #[error("invalid: {0}")]
    Invalid(#[from] DebitInvalidity),
    /// A history is invalid at `blknum` for a Debit reason.
    #[error("history of coin {coin_id} is invalid at block {blknum}: {reason}")]
    InvalidHistory {
        /// The coin.
        coin_id: u64,
        /// The first bad block.
        blknum: BlockNumber,
        /// Why.
        reason: DebitInvalidity,
    },
    /// Bytes that are not a Debit transaction.
    #[error("cannot decode {what}: {reason}")]
    Decode {
        /// What was decoded.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// The operator or the wallet knows no such coin.
    #[error("unknown coin {0}")]
    UnknownCoin(u64),
    /// The coin is held by someone else.
    #[error("coin {0} is not held by this key")]
    NotHolder(u64),
    /// A handover that is not an ownership transfer to this wallet of a coin it was told of.
    #[error("coin {0} is not being handed to this wallet")]
    NotRecipient(u64),
    /// A published transaction whose proof does not check against the known root of its block.
    #[error("the transaction of coin {coin_id} is not included in child block {blknum}")]
    NotIncluded {
        /// The block.
        blknum: BlockNumber,
        /// The coin.
        coin_id: u64,
    },
    /// A coin's history stops before a committed block the client knows of.
    #[error("the history of coin {coin_id} stops before block {blknum}")]
    Behind {
        /// The coin.
        coin_id: u64,
        /// The first committed block it does not cover.
        blknum: BlockNumber,
    },
    /// The coin has an open exit: the wallet signs nothing more for it.
    #[error("coin {0} has an open exit")]
    Exiting(u64),
    /// An exit of the coin was paid on the root chain: the coin is gone, whatever a later
    /// transaction of it says.
    #[error("coin {0} was paid out on the root chain")]
    PaidOut(u64),
    /// The coin already has a transaction in the pending block.
    #[error("coin {0} already has a transaction in the pending block")]
    PendingCoin(u64),
    /// The payment amount does not fit the balances or capacities.
    #[error("cannot pay {amount} wei: {reason}")]
    CannotPay {
        /// The amount (wei).
        amount: u128,
        /// Why.
        reason: &'static str,
    },
    /// A block number the caller expected was never built or submitted.
    #[error("unknown block {0}")]
    UnknownBlock(BlockNumber),
    /// The operator refuses the data and entries of this committed block.
    #[error("block {0} is withheld")]
    Withheld(BlockNumber),
    /// An exit id that does not fit `uint96`.
    #[error("exit id {0} does not fit 96 bits")]
    ExitIdTooLarge(u128),
}
