//! The crate's one error type, [`CashError`], and [`Invalidity`], the reasons a transaction or a
//! history entry breaks the Plasma Cash validity rules.
//!
//! Everything that arrives from outside (transaction bytes, signatures, proofs, histories, root-chain
//! events) is untrusted: a bad value comes back as a [`CashError`] and leaves the state of the
//! operator, wallet or watcher that rejected it untouched.

use core::fmt;

use alloy_primitives::{Address, B256, U256};
use plasma_core::BlockNumber;
use serde::{Deserialize, Serialize};

/// `Result` with [`CashError`] as the default error type.
pub type Result<T, E = CashError> = core::result::Result<T, E>;

/// Why a transaction, or one entry of a coin's history, is invalid under `docs/cash.md`
/// ("Validity", "History").
///
/// Not an error type of its own: it travels inside [`CashError::InvalidTx`] (operator on
/// submission) and [`CashError::InvalidHistory`] (clients, with the coin and the first bad block).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Invalidity {
    /// `newOwner` is the zero address.
    ZeroNewOwner,
    /// No deposit minted this coin.
    UnknownCoin(u64),
    /// The coin is being exited (or was paid out) on the root chain.
    ExitingCoin(u64),
    /// The coin moved in a block that is built but still waits for its number: its next
    /// transaction cannot name `prevBlock` yet.
    CoinInFlight(u64),
    /// The pending block already holds a transaction of this coin.
    PendingCoin(u64),
    /// A history entry's transaction moves another coin.
    WrongCoin {
        /// The history's coin.
        expected: u64,
        /// The transaction's `coinId`.
        got: u64,
    },
    /// `prevBlock` is not the block where the coin last moved.
    WrongPrevBlock {
        /// Where the coin last moved (`coinId` for the deposit).
        expected: BlockNumber,
        /// The transaction's `prevBlock`.
        got: BlockNumber,
    },
    /// The signature is malformed or recovers nothing (see `plasma_core::recover`).
    BadSignature(String),
    /// The signature recovers to someone other than the coin's current owner.
    WrongSigner {
        /// The coin's owner.
        expected: Address,
        /// Who actually signed.
        recovered: Address,
    },
    /// A `Moved` entry's proof does not place `txHash` at key `coinId` under the block root.
    NotIncluded,
    /// A `Stayed` entry's proof does not prove key `coinId` empty under the block root.
    NotExcluded,
    /// The history has no entry for a committed child block (its data could not be had).
    MissingBlock,
    /// The history has an entry for a block whose root the client does not know.
    UnknownBlock,
    /// The start of the history (deposit record) does not match the root chain's record.
    BadDeposit,
    /// Entries out of block order, or before the start of the history.
    OutOfOrder,
}

impl fmt::Display for Invalidity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroNewOwner => write!(f, "newOwner is the zero address"),
            Self::UnknownCoin(coin) => write!(f, "coin {coin} does not exist"),
            Self::ExitingCoin(coin) => write!(f, "coin {coin} is being exited"),
            Self::CoinInFlight(coin) => write!(f, "coin {coin} moved in a block still waiting for its number"),
            Self::PendingCoin(coin) => write!(f, "the pending block already moves coin {coin}"),
            Self::WrongCoin { expected, got } => write!(f, "transaction moves coin {got}, not coin {expected}"),
            Self::WrongPrevBlock { expected, got } => {
                write!(f, "prevBlock is {got}, the coin last moved at {expected}")
            }
            Self::BadSignature(reason) => write!(f, "invalid signature: {reason}"),
            Self::WrongSigner { expected, recovered } => {
                write!(f, "signed by {recovered}, the coin belongs to {expected}")
            }
            Self::NotIncluded => write!(f, "inclusion proof does not match the block root"),
            Self::NotExcluded => write!(f, "exclusion proof does not match the block root"),
            Self::MissingBlock => write!(f, "no entry for this committed block"),
            Self::UnknownBlock => write!(f, "entry for a block with no known root"),
            Self::BadDeposit => write!(f, "deposit record does not match the deposit block's root"),
            Self::OutOfOrder => write!(f, "entry out of block order"),
        }
    }
}

/// Every way an operation of this crate can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CashError {
    /// The transaction breaks a validity rule (operator on submission).
    #[error("invalid transaction: {0}")]
    InvalidTx(Invalidity),

    /// A coin's history fails verification at `blknum`, the first bad block (the coin id itself
    /// for a bad deposit record).
    #[error("history of coin {coin_id} is invalid at block {blknum}: {reason}")]
    InvalidHistory {
        /// The coin.
        coin_id: u64,
        /// The first block whose entry fails.
        blknum: BlockNumber,
        /// Why.
        reason: Invalidity,
    },

    /// An error from `plasma-core` (signature parsing, Merkle proofs, …).
    #[error(transparent)]
    Core(#[from] plasma_core::Error),

    /// Bytes that do not decode.
    #[error("cannot decode {what}: {reason}")]
    Decode {
        /// What was being decoded.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },

    /// No block (child or deposit) with this number is known.
    #[error("unknown block {0}")]
    UnknownBlock(BlockNumber),

    /// A child-block number was expected.
    #[error("{0} is not a child block number")]
    NotChildBlock(BlockNumber),

    /// A deposit-block number was expected.
    #[error("{0} is not a deposit block number")]
    NotDepositBlock(BlockNumber),

    /// A block with this number was already recorded (with another root).
    #[error("block {0} is already known")]
    DuplicateBlock(BlockNumber),

    /// A deposit of zero wei (the framework never creates one).
    #[error("deposit block {0} has a zero amount")]
    ZeroDeposit(BlockNumber),

    /// A submitted root matches no block built and waiting for its number.
    #[error("no built block has root {root} (submitted as block {blknum})")]
    UnknownRoot {
        /// The number the framework gave.
        blknum: BlockNumber,
        /// The submitted root.
        root: B256,
    },

    /// Two transactions of the same coin in one block (the sparse tree has one leaf per coin).
    #[error("coin {0} has two transactions in one block")]
    DuplicateCoin(u64),

    /// The operator refuses the data and proofs of this committed block.
    #[error("block {0} is withheld")]
    Withheld(BlockNumber),

    /// A block does not move this coin (no inclusion proof).
    #[error("block {blknum} does not move coin {coin_id}")]
    NotIncluded {
        /// The block.
        blknum: BlockNumber,
        /// The coin.
        coin_id: u64,
    },

    /// A block moves this coin (no exclusion proof).
    #[error("block {blknum} moves coin {coin_id}")]
    NotExcluded {
        /// The block.
        blknum: BlockNumber,
        /// The coin.
        coin_id: u64,
    },

    /// The wallet (or operator) knows no such coin.
    #[error("unknown coin {0}")]
    UnknownCoin(u64),

    /// The coin's history does not end with this wallet as its owner.
    #[error("coin {coin_id} belongs to {owner}, not to this wallet")]
    NotOwner {
        /// The coin.
        coin_id: u64,
        /// Its owner as far as the history goes.
        owner: Address,
    },

    /// A payment of this coin is already signed and not yet included or cancelled.
    #[error("coin {0} is already being paid")]
    CoinReserved(u64),

    /// A payment the wallet will not make (zero recipient, …).
    #[error("invalid payment: {0}")]
    InvalidPayment(&'static str),

    /// A watch-only wallet was asked to sign.
    #[error("wallet of {0} holds no key")]
    NoKey(Address),

    /// A payment to this wallet is known only by its transaction, and the parent an exit needs
    /// (the sender's history) is missing.
    #[error("no parent transaction known for the revealed payment of coin {0}")]
    MissingParent(u64),

    /// A transaction does not pay this wallet.
    #[error("transaction of coin {0} does not pay this wallet")]
    NotRecipient(u64),

    /// An exit of the coin was paid on the root chain: the coin is gone, whatever a later
    /// transaction of it says.
    #[error("coin {0} was paid out on the root chain")]
    PaidOut(u64),

    /// An exit id does not fit in `uint96`.
    #[error("exit id {0} does not fit in 96 bits")]
    ExitIdOverflow(U256),
}

impl From<Invalidity> for CashError {
    fn from(invalidity: Invalidity) -> Self {
        Self::InvalidTx(invalidity)
    }
}
