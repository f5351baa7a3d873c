//! The crate's one error type, [`MvpError`], and [`Invalidity`], the reasons a transaction breaks
//! the MVP validity rules.
//!
//! Everything that arrives from outside (transaction bytes, signatures, proofs, root-chain events)
//! is untrusted: a bad value comes back as an [`MvpError`] and leaves the state of the operator,
//! wallet or watcher that rejected it untouched.

use core::fmt;

use alloy_primitives::{Address, B256, U256};
use plasma_core::BlockNumber;
use serde::{Deserialize, Serialize};

use crate::tx::UtxoPos;

/// `Result` with [`MvpError`] as the default error type.
pub type Result<T, E = MvpError> = core::result::Result<T, E>;

/// Why a transaction is invalid under the rules of `docs/mvp.md` ("Validity").
///
/// Not an error type of its own: it travels inside [`MvpError::InvalidTx`] (operator, wallet) and
/// inside the watcher's [`Finding::InvalidTx`](crate::watcher::Finding::InvalidTx). Slots and
/// output indexes are `0` or `1`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Invalidity {
    /// `input0` is zero: a transaction always has a first input.
    ZeroFirstInput,
    /// An input slot holds a number that is not a valid position.
    BadPosition {
        /// Input slot.
        slot: u8,
        /// The raw value.
        value: U256,
    },
    /// Both slots name the same output.
    DuplicateInput(UtxoPos),
    /// A present input has no signature.
    MissingSignature {
        /// Input slot.
        slot: u8,
    },
    /// The second slot is empty but carries a signature (it must be 65 zero bytes).
    UnexpectedSignature {
        /// Input slot.
        slot: u8,
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
    /// The input does not exist (never created, or created by a block not yet accepted).
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
    /// The input is not older than the block that spends it (it did not exist when the block was made).
    InputNotOlder {
        /// The input.
        input: UtxoPos,
        /// The block that spends it.
        blknum: BlockNumber,
    },
    /// `amount0` is zero.
    ZeroAmount0,
    /// An output with a non-zero amount has the zero owner.
    ZeroOwner {
        /// Output index.
        oindex: u8,
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
    /// Input `slot` is an output of a transaction, and the confirmation of that (creating)
    /// transaction by the signer of its input slot `parent_slot` is missing from the parent
    /// confirmations (protocols.md 1.3: a transaction carries the confirmations of its inputs).
    MissingParentConfirmation {
        /// Input slot of the spending transaction.
        slot: u8,
        /// Input slot of the creating transaction.
        parent_slot: u8,
    },
    /// The parent confirmation `[slot][parent_slot]` is there but is not the confirmation, by the
    /// signer of the creating transaction's input slot `parent_slot`, of the creating transaction
    /// in its block (or it recovers nothing).
    BadParentConfirmation {
        /// Input slot of the spending transaction.
        slot: u8,
        /// Input slot of the creating transaction.
        parent_slot: u8,
    },
    /// A parent confirmation where none belongs: for an absent input, a deposit input, or an
    /// absent input slot of the creating transaction (it must be 65 zero bytes).
    UnexpectedParentConfirmation {
        /// Input slot of the spending transaction.
        slot: u8,
        /// Input slot of the creating transaction.
        parent_slot: u8,
    },
}

impl fmt::Display for Invalidity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroFirstInput => write!(f, "input0 is zero"),
            Self::BadPosition { slot, value } => write!(f, "input{slot} = {value} is not a valid utxoPos"),
            Self::DuplicateInput(pos) => write!(f, "input {pos} is spent twice in one transaction"),
            Self::MissingSignature { slot } => write!(f, "input{slot} has no signature"),
            Self::UnexpectedSignature { slot } => write!(f, "empty input slot {slot} carries a signature"),
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
            Self::ZeroAmount0 => write!(f, "amount0 is zero"),
            Self::ZeroOwner { oindex } => write!(f, "output {oindex} has a non-zero amount and the zero owner"),
            Self::ValueCreated { inputs, outputs } => write!(f, "outputs {outputs} exceed inputs {inputs}"),
            Self::AmountOverflow => write!(f, "amounts overflow uint256"),
            Self::MissingParentConfirmation { slot, parent_slot } => {
                write!(f, "input{slot} lacks the confirmation of its creating transaction's input {parent_slot}")
            }
            Self::BadParentConfirmation { slot, parent_slot } => write!(
                f,
                "input{slot}'s parent confirmation {parent_slot} is not by that input's signer over the creating \
                 transaction and its block root"
            ),
            Self::UnexpectedParentConfirmation { slot, parent_slot } => {
                write!(f, "input{slot} carries parent confirmation {parent_slot} where none belongs")
            }
        }
    }
}

/// Every way an operation of this crate can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MvpError {
    /// The transaction breaks a validity rule.
    #[error("invalid transaction: {0}")]
    InvalidTx(Invalidity),

    /// An error from `plasma-core` (signature parsing, Merkle proofs, …).
    #[error(transparent)]
    Core(#[from] plasma_core::Error),

    /// A `utxoPos` (or block/tx/output triple) outside the rules of `docs/mvp.md`.
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

    /// A transaction with this hash is not in any block.
    #[error("transaction {0} is not in any block")]
    UnknownTx(B256),

    /// The wallet's outputs cannot pay the amount plus the fee with at most two inputs.
    #[error("insufficient funds: at most {available} spendable in two inputs, {needed} needed")]
    InsufficientFunds {
        /// The most two spendable outputs hold together.
        available: U256,
        /// Amount plus fee.
        needed: U256,
    },

    /// A payment the wallet will not make (zero amount, zero recipient, overflow).
    #[error("invalid payment: {0}")]
    InvalidPayment(&'static str),

    /// The wallet holds no such output.
    #[error("unknown output {0}")]
    UnknownOutput(UtxoPos),

    /// A deposit or output that does not belong to this wallet.
    #[error("{0} does not belong to this wallet")]
    NotMine(UtxoPos),

    /// An inclusion proof does not place the transaction's leaf under the block root.
    #[error("transaction is not included at block {blknum} index {txindex}")]
    NotIncluded {
        /// Claimed block.
        blknum: BlockNumber,
        /// Claimed index.
        txindex: u16,
    },

    /// A confirmation signature is missing for a present input.
    #[error("missing confirmation for input slot {slot}")]
    MissingConfirmation {
        /// Input slot.
        slot: u8,
    },

    /// A confirmation signature does not come from the input's owner.
    #[error("confirmation for input slot {slot} is not by the input's owner")]
    BadConfirmation {
        /// Input slot.
        slot: u8,
    },

    /// `confirm` found no input of the transaction that this wallet owns and signed.
    #[error("the transaction spends none of this wallet's outputs")]
    NothingToConfirm,
    /// The block has not been validated as valid by the user's watcher, or a fault (an invalid or
    /// withheld block) is known: a payer confirms nothing then, and exits instead.
    #[error("block {0} is not validated (or a fault is known): no confirmation")]
    NotValidated(u64),

    /// `receive` found no output of the transaction owned by this wallet.
    #[error("the transaction pays nothing to this wallet")]
    NotRecipient,

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
}

crate::utxo_errors!(MvpError);
crate::input_faults!(Invalidity, crate::tx::MvpPositions);

impl From<Invalidity> for MvpError {
    fn from(invalidity: Invalidity) -> Self {
        Self::InvalidTx(invalidity)
    }
}
