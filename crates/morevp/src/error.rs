//! The crate's one error type, [`MoreVpError`], and [`Invalidity`], the reasons a transaction breaks
//! the MoreVP validity rules.
//!
//! Everything that arrives from outside (transaction bytes, signatures, proofs, root-chain events)
//! is untrusted: a bad value comes back as a [`MoreVpError`] and leaves the state of the operator,
//! wallet or watcher that rejected it untouched.

use core::fmt;

use alloy_primitives::{Address, B256, U256};
use plasma_core::BlockNumber;
use serde::{Deserialize, Serialize};

use crate::tx::UtxoPos;

/// `Result` with [`MoreVpError`] as the default error type.
pub type Result<T, E = MoreVpError> = core::result::Result<T, E>;

/// Why a transaction is invalid under the rules of `docs/morevp.md` ("Validity").
///
/// Not an error type of its own: it travels inside [`MoreVpError::InvalidTx`] (operator, wallet)
/// and inside the watcher's findings. Input slots and output indexes are `0 ..= 3`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Invalidity {
    /// `input0` is zero: a transaction always has a first input.
    NoInput,
    /// A used input slot follows an empty one (used slots come first).
    InputGap {
        /// The used slot after the gap.
        slot: u8,
    },
    /// An input slot holds a number that is not a valid position.
    BadPosition {
        /// Input slot.
        slot: u8,
        /// The raw value.
        value: U256,
    },
    /// Two slots name the same output (plasma-contracts #56: it would multiply the input's value).
    DuplicateInput(UtxoPos),
    /// Output 0 is unused: a transaction always pays someone.
    NoOutput,
    /// A used output slot follows an empty one (used slots come first).
    OutputGap {
        /// The used slot after the gap.
        oindex: u8,
    },
    /// A used output has the zero owner.
    ZeroOwner {
        /// Output index.
        oindex: u8,
    },
    /// A used output has a zero amount.
    ZeroAmount {
        /// Output index.
        oindex: u8,
    },
    /// The transaction does not carry exactly one signature per used input.
    SignatureCount {
        /// Number of used inputs.
        expected: usize,
        /// Number of signatures carried.
        got: usize,
    },
    /// A signature is malformed or recovers nothing (see `plasma_core::recover`).
    BadSignature {
        /// Input slot.
        slot: u8,
        /// What `recover` objected to.
        reason: String,
    },
    /// A signature recovers to someone other than the input's owner.
    WrongSigner {
        /// Input slot.
        slot: u8,
        /// The input's owner.
        expected: Address,
        /// Who actually signed.
        recovered: Address,
    },
    /// The input does not exist (never created, created by an invalid transaction, or by a block not
    /// yet numbered).
    UnknownInput(UtxoPos),
    /// The input was already spent; `by` is the spending transaction's position (`None`: spent by
    /// a block still waiting for its number).
    SpentInput {
        /// The input.
        input: UtxoPos,
        /// Position (`oindex = 0`) of the transaction that spent it.
        by: Option<UtxoPos>,
    },
    /// The input is already spent by a transaction of the same (pending) block.
    PendingInput(UtxoPos),
    /// The input is being exited on the root chain and may no longer be spent.
    ExitingInput(UtxoPos),
    /// The input is not older than the block that spends it (it did not exist when the block was
    /// made).
    InputNotOlder {
        /// The input.
        input: UtxoPos,
        /// The block that spends it.
        blknum: BlockNumber,
    },
    /// The outputs are worth more than the inputs.
    ValueCreated {
        /// Sum of the inputs.
        inputs: U256,
        /// Sum of the outputs.
        outputs: U256,
    },
    /// A sum of amounts overflows 256 bits.
    AmountOverflow,
}

impl Invalidity {
    /// Whether this is a spend of an output that was already spent (an earlier block, or the same
    /// block): the watcher reports it as a double spend.
    #[must_use]
    pub const fn is_double_spend(&self) -> bool {
        matches!(self, Self::SpentInput { .. } | Self::PendingInput(_))
    }

    /// Whether this creates value from nothing (an input that never existed, or more out than in):
    /// the watcher reports it as a mint.
    #[must_use]
    pub const fn is_mint(&self) -> bool {
        matches!(
            self,
            Self::UnknownInput(_) | Self::InputNotOlder { .. } | Self::ValueCreated { .. } | Self::AmountOverflow
        )
    }
}

impl fmt::Display for Invalidity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoInput => write!(f, "input0 is zero"),
            Self::InputGap { slot } => write!(f, "input{slot} is used after an empty slot"),
            Self::BadPosition { slot, value } => write!(f, "input{slot} = {value} is not a valid utxoPos"),
            Self::DuplicateInput(pos) => write!(f, "input {pos} is spent twice in one transaction"),
            Self::NoOutput => write!(f, "output 0 is unused"),
            Self::OutputGap { oindex } => write!(f, "output {oindex} is used after an empty slot"),
            Self::ZeroOwner { oindex } => write!(f, "output {oindex} is used and has the zero owner"),
            Self::ZeroAmount { oindex } => write!(f, "output {oindex} is used and has a zero amount"),
            Self::SignatureCount { expected, got } => {
                write!(f, "{got} signatures for {expected} used inputs")
            }
            Self::BadSignature { slot, reason } => write!(f, "signature {slot} is invalid: {reason}"),
            Self::WrongSigner { slot, expected, recovered } => {
                write!(f, "signature {slot} is by {recovered}, the input belongs to {expected}")
            }
            Self::UnknownInput(pos) => write!(f, "input {pos} does not exist"),
            Self::SpentInput { input, by: Some(by) } => write!(f, "input {input} was spent by {by}"),
            Self::SpentInput { input, by: None } => write!(f, "input {input} was spent by a block awaiting its number"),
            Self::PendingInput(pos) => write!(f, "input {pos} is already spent in the same block"),
            Self::ExitingInput(pos) => write!(f, "input {pos} is being exited"),
            Self::InputNotOlder { input, blknum } => write!(f, "input {input} is not older than block {blknum}"),
            Self::ValueCreated { inputs, outputs } => write!(f, "outputs {outputs} exceed inputs {inputs}"),
            Self::AmountOverflow => write!(f, "amounts overflow uint256"),
        }
    }
}

/// Every way an operation of this crate can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MoreVpError {
    /// The transaction breaks a validity rule.
    #[error("invalid transaction: {0}")]
    InvalidTx(Invalidity),

    /// An error from `plasma-core` (signature parsing, Merkle proofs, …).
    #[error(transparent)]
    Core(#[from] plasma_core::Error),

    /// An error from `plasma-mvp`, whose deterministic benchmark keys this crate shares.
    #[error(transparent)]
    Mvp(#[from] plasma_mvp::MvpError),

    /// A `utxoPos` (or block/tx/output triple) outside the rules of `docs/morevp.md`.
    #[error("invalid utxoPos {value}: {reason}")]
    InvalidUtxoPos {
        /// The raw value (`blknum * 1e9 + txindex * 1e4 + oindex` where it could be formed).
        value: U256,
        /// The broken rule.
        reason: &'static str,
    },

    /// Bytes that do not decode.
    #[error("cannot decode {what}: {reason}")]
    Decode {
        /// What was being decoded.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },

    /// More than four inputs or four outputs were asked for.
    #[error("a payment has at most four {what}, {got} given")]
    TooMany {
        /// `"inputs"` or `"outputs"`.
        what: &'static str,
        /// How many were given.
        got: usize,
    },

    /// The pending block already holds 65,536 transactions.
    #[error("the block is full ({capacity} transactions)")]
    BlockFull {
        /// Maximum number of transactions per block.
        capacity: usize,
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

    /// A block with this number was already recorded.
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

    /// A block holds no transaction at this index.
    #[error("block {blknum} has no transaction {txindex}")]
    TxIndexOutOfRange {
        /// Block number.
        blknum: BlockNumber,
        /// Requested index.
        txindex: u64,
    },

    /// Blocks must be checked in order.
    #[error("block {got} checked before block {expected}")]
    OutOfOrder {
        /// The next block to check.
        expected: BlockNumber,
        /// The block offered.
        got: BlockNumber,
    },

    /// No transaction with this hash is known.
    #[error("unknown transaction {0}")]
    UnknownTx(B256),

    /// The wallet's outputs cannot pay the amount plus the fee with at most four inputs.
    #[error("insufficient funds: at most {available} spendable in four inputs, {needed} needed")]
    InsufficientFunds {
        /// The most four spendable outputs hold together.
        available: U256,
        /// Amounts plus fee.
        needed: U256,
    },

    /// A payment the wallet will not make (zero amount, zero recipient, overflow, too many outputs).
    #[error("invalid payment: {0}")]
    InvalidPayment(&'static str),

    /// The wallet holds no such output.
    #[error("unknown output {0}")]
    UnknownOutput(UtxoPos),

    /// A deposit or output that does not belong to this wallet.
    #[error("{0} does not belong to this wallet")]
    NotMine(UtxoPos),

    /// An inclusion proof does not place the transaction's hash under the block root.
    #[error("transaction is not included at block {blknum} index {txindex}")]
    NotIncluded {
        /// Claimed block.
        blknum: BlockNumber,
        /// Claimed index.
        txindex: u16,
    },

    /// The transaction neither spends nor pays this wallet.
    #[error("the transaction neither spends nor pays this wallet")]
    NotParty,

    /// The proof of one input of an in-flight transaction does not show that input's creation.
    #[error("input proof {slot} does not show the creation of input {input}")]
    BadInputProof {
        /// Input slot.
        slot: u8,
        /// The input.
        input: UtxoPos,
    },

    /// An in-flight transaction came without exactly one input proof per used input.
    #[error("{got} input proofs for {expected} used inputs")]
    InputProofCount {
        /// Number of used inputs.
        expected: usize,
        /// Number of proofs given.
        got: usize,
    },

    /// An in-flight exit stores amounts as `uint96`; this one does not fit.
    #[error("amount {0} does not fit in uint96")]
    AmountTooLarge(U256),

    /// A deposit output was given where a transaction output is needed, or the reverse.
    #[error("{pos} is {actual}, not {wanted}")]
    WrongOutputKind {
        /// The output.
        pos: UtxoPos,
        /// Its kind.
        actual: &'static str,
        /// The kind asked for.
        wanted: &'static str,
    },

    /// A watch-only wallet was asked to sign.
    #[error("wallet of {0} holds no key")]
    NoKey(Address),

    /// An exit id does not fit in `uint96`.
    #[error("exit id {0} does not fit in 96 bits")]
    ExitIdOverflow(U256),

    /// An input or output index outside `0 ..= 3`, or a slot the transaction does not use.
    #[error("slot {0} is not a used slot of the transaction")]
    BadSlot(u8),

    /// A root-chain event that contradicts what the watcher knows (for example an in-flight exit
    /// whose transaction hashes to another `txHash` under the watcher's domain).
    #[error("inconsistent event: {0}")]
    InconsistentEvent(&'static str),
}

plasma_mvp::utxo_errors!(MoreVpError);
plasma_mvp::input_faults!(Invalidity, crate::tx::MoreVpPositions);

impl From<Invalidity> for MoreVpError {
    fn from(invalidity: Invalidity) -> Self {
        Self::InvalidTx(invalidity)
    }
}
