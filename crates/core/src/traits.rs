//! The trait every Plasma design's operator implements, and the events and descriptors the designs
//! share.
//!
//! - [`ChildChain`]: the operator state machine of one design (deposits, transactions, blocks,
//!   proofs), implemented by every design crate's `Operator`.
//! - [`Capabilities`], [`Periods`], [`Bonds`]: what a design supports and what its game asks for.
//! - [`DepositEvent`], [`BlockSubmittedEvent`]: the framework's events as the designs take them;
//!   [`GameCall`]: a call to a design's exit game with the wei it attaches.
//!
//! It is synchronous and knows nothing of the root chain's transport: whoever talks to the root
//! chain feeds its events in and sends the [`GameCall`]s out. The traits that carry a design's
//! client and operator duties behind one runtime are in [`crate::design`].

use core::fmt::Debug;

use alloy_primitives::{Address, B256, Bytes, U256};
use serde::{Deserialize, Serialize};

use crate::{
    error::Result,
    types::{BlockNumber, Timestamp},
};

/// What a design supports. A scenario that needs a missing capability is reported as "not
/// applicable by design", never skipped or passed silently.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Capabilities {
    /// Values are fungible amounts (UTXOs) rather than whole coins.
    pub fungible_amounts: bool,
    /// A payment may move part of a value (split/merge, or Debit's partial balances).
    pub partial_payments: bool,
    /// In-flight exits of transactions whose inclusion is unknown (MoreVP).
    pub in_flight_exits: bool,
    /// Spends need confirmation signatures after inclusion (MVP).
    pub confirmation_signatures: bool,
    /// The operator can checkpoint state so that older history need not be kept (XT).
    pub checkpoints: bool,
    /// Off-chain payment channels with the operator (Debit).
    pub channels: bool,
    /// Blocks prove the absence of a coin (sparse-tree designs).
    pub exclusion_proofs: bool,
}

impl Capabilities {
    /// No capability at all.
    pub const NONE: Self = Self {
        fungible_amounts: false,
        partial_payments: false,
        in_flight_exits: false,
        confirmation_signatures: false,
        checkpoints: false,
        channels: false,
        exclusion_proofs: false,
    };
}

/// A deposit recorded by the framework: deposit block `blknum` holds `amount` wei for `depositor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DepositEvent {
    /// Who deposited, and owns the new value.
    pub depositor: Address,
    /// The deposit block's number (never a multiple of `CHILD_BLOCK_INTERVAL`).
    pub blknum: BlockNumber,
    /// Amount in wei.
    pub amount: U256,
}

/// A child block committed by the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockSubmittedEvent {
    /// The number the framework gave the block (a multiple of `CHILD_BLOCK_INTERVAL`).
    pub blknum: BlockNumber,
    /// The committed root.
    pub root: B256,
    /// Root-chain time of the submission.
    pub timestamp: Timestamp,
}

/// The time windows of an exit game, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Periods {
    /// Minimum finalization period: how long an exit stays open to challenges at least.
    pub min_exit_period: u64,
    /// How long an exiter has to answer a challenge, for games with responses.
    pub response_period: Option<u64>,
}

/// The bonds an exit game asks for, in wei. Zero means no bond.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Bonds {
    /// Posted with an exit; lost to a successful challenger.
    pub exit: U256,
    /// Posted with a challenge that can be answered; lost to a successful response.
    pub challenge: U256,
    /// Posted with a piggyback (in-flight exits).
    pub piggyback: U256,
}

/// A call to a variant's exit-game contract: the calldata and the wei (usually a bond) to attach.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GameCall {
    /// ABI-encoded function call.
    pub data: Bytes,
    /// Value to send with it.
    pub value: U256,
}

/// A block built by a [`ChildChain`], ready to be committed.
pub trait ChildBlock {
    /// The Merkle root the operator submits to the framework.
    fn root(&self) -> B256;
}

/// The child-chain state machine of one design, operator and client side.
///
/// It is fed root-chain events and signed transactions and produces blocks and proofs; it never
/// talks to the root chain itself.
pub trait ChildChain {
    /// A signed transaction, as users submit it.
    type Tx;
    /// A sealed block.
    type Block: ChildBlock;
    /// An inclusion (or exclusion) proof.
    type Proof;
    /// What a user owns and exits: an output position, a coin id, …
    type StateId: Clone + Eq + Debug;
    /// The design's error type.
    type Error: core::error::Error + Send + Sync + 'static;

    /// What the design supports.
    fn capabilities(&self) -> Capabilities;

    /// Records a deposit seen on the root chain and returns what it created.
    fn apply_deposit(&mut self, deposit: &DepositEvent) -> Result<Self::StateId, Self::Error>;

    /// Validates `tx` against the current state and queues it for the next block. Returns its
    /// hash. A rejected transaction leaves the state untouched.
    fn submit_tx(&mut self, tx: Self::Tx) -> Result<B256, Self::Error>;

    /// Seals the queued transactions into a block whose root the operator then submits.
    fn build_block(&mut self) -> Result<Self::Block, Self::Error>;

    /// Records that the framework accepted a block root under `event.blknum`.
    fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> Result<(), Self::Error>;

    /// Proof that the leaf at `key` of block `blknum` is included. `key` is the leaf index in a
    /// binary-tree block, the coin id in a sparse-tree block.
    fn prove_inclusion(&self, blknum: BlockNumber, key: u64) -> Result<Self::Proof, Self::Error>;

    /// Whether the deposit of deposit block `blknum` is credited already.
    fn has_deposit(&self, blknum: BlockNumber) -> bool {
        let _ = blknum;
        false
    }

    /// Whether child block `blknum` is numbered already.
    fn has_block(&self, blknum: BlockNumber) -> bool {
        let _ = blknum;
        false
    }

    /// Takes one of the framework's events, once: credits a deposit not credited yet, numbers a
    /// block not numbered yet (an operator reads the chain more than once, and learns its own
    /// submissions from their receipts too).
    fn on_framework_event(&mut self, event: &crate::design::FrameworkEvent) -> Result<(), Self::Error> {
        match event {
            crate::design::FrameworkEvent::Deposit(deposit) if !self.has_deposit(deposit.blknum) => {
                self.apply_deposit(deposit).map(|_| ())
            }
            crate::design::FrameworkEvent::BlockSubmitted(block) if !self.has_block(block.blknum) => {
                self.on_block_submitted(block)
            }
            _ => Ok(()),
        }
    }

    /// Proof that block `blknum` holds nothing at `key`; `None` for designs without
    /// [`Capabilities::exclusion_proofs`].
    fn prove_exclusion(&self, blknum: BlockNumber, key: u64) -> Result<Option<Self::Proof>, Self::Error> {
        let _ = (blknum, key);
        Ok(None)
    }
}
