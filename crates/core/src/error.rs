//! The crate's single error type, [`Error`], and its [`Result`] alias.
//!
//! Everything `plasma-core` parses (proof bytes, signatures, priorities) is untrusted input: a
//! malformed value is reported through one of these variants, never through a panic.

/// `Result` with [`Error`] as the default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Every way a `plasma-core` operation can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A binary tree was given more leaves than its fixed depth can hold.
    #[error("{got} leaves do not fit in a tree of capacity {capacity}")]
    TooManyLeaves {
        /// Number of leaves supplied.
        got: usize,
        /// Maximum number of leaves.
        capacity: usize,
    },

    /// A proof was requested for a leaf index the tree does not hold.
    #[error("leaf index {index} is out of range for a tree of {len} leaves")]
    LeafIndexOutOfRange {
        /// Requested index.
        index: u64,
        /// Number of leaves in the tree.
        len: usize,
    },

    /// The same key appeared twice in the leaves of a sparse tree.
    #[error("duplicate sparse tree key {0}")]
    DuplicateKey(u64),

    /// Encoded proof bytes have the wrong length.
    #[error("proof is {got} bytes, expected {expected}")]
    ProofLength {
        /// Length received.
        got: usize,
        /// Length the encoding requires.
        expected: usize,
    },

    /// A sparse proof carries an `EMPTY` sibling, which the canonical form forbids.
    #[error("sparse proof carries an EMPTY sibling at level {level}")]
    EmptySibling {
        /// Tree level (0 = leaves) of the offending sibling.
        level: u32,
    },

    /// A priority field does not fit in its 96-bit slot.
    #[error("priority field {field} = {value} does not fit in 96 bits")]
    PriorityOverflow {
        /// Name of the field (`position` or `exit_id`).
        field: &'static str,
        /// The value that overflowed.
        value: u128,
    },

    /// A signature is not exactly 65 bytes.
    #[error("signature is {0} bytes, expected 65")]
    SignatureLength(usize),

    /// A signature's `v` byte is not 27 or 28.
    #[error("signature v = {0}, expected 27 or 28")]
    InvalidRecoveryByte(u8),

    /// A signature's `r` is zero.
    #[error("signature r is zero")]
    ZeroR,

    /// A signature's `s` is zero.
    #[error("signature s is zero")]
    ZeroS,

    /// A signature's `s` is above `secp256k1n / 2` (the malleable twin of a low-s signature).
    #[error("signature s is above secp256k1n / 2 (malleable high-s form)")]
    HighS,

    /// No public key can be recovered from the signature (for example `r >= secp256k1n`).
    #[error("no public key can be recovered from the signature")]
    Unrecoverable,

    /// Recovery produced the zero address.
    #[error("signature recovers the zero address")]
    ZeroAddress,

    /// 32 bytes that are not a valid secp256k1 secret key (zero or not below the curve order).
    #[error("invalid secp256k1 secret key")]
    InvalidSecretKey,
}
