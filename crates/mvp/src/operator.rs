//! The MVP operator: UTXO set, pending transactions, blocks and proofs ([`ChildChain`]), the
//! shared [`UtxoOperator`] core run with MVP's rules ([`MvpChain`]).
//!
//! Life of a transaction:
//!
//! 1. [`ChildChain::submit_tx`] checks it with [`Ledger::check`](crate::Ledger::check) (inputs exist, are unspent, distinct
//!    and not spent by another pending transaction; signatures recover to the owners; value is
//!    conserved; non-zero owners for non-zero amounts; each input created by a transaction comes
//!    with the confirmations of that transaction by its inputs' signers, checked against the root
//!    of the operator's own block that includes it) and queues it. A rejected transaction leaves
//!    every part of the state untouched. [`UtxoOperator::submit_batch`] does the same for many
//!    transactions at once, with the same results, recovering the signatures on every core.
//! 2. [`ChildChain::build_block`] seals the queue into a [`Block`](crate::Block) (at most 65,536 transactions),
//!    spends the inputs at once and keeps the block *awaiting its number*.
//! 3. [`ChildChain::on_block_submitted`] attaches the number the framework gave to the first awaiting
//!    block whose root matches, and creates the block's outputs at
//!    `blknum * 1e9 + txindex * 1e4 + oindex`.
//!
//! Deposits ([`ChildChain::apply_deposit`]) create the output `blknum * 1e9` at once.
//!
//! # Operator misbehaviour (fault injection)
//!
//! Two `pub` methods exist only so that scenarios can model a malicious operator; an honest
//! operator never calls them:
//!
//! - [`UtxoOperator::include_unchecked`] queues a transaction without any check (bad signature, double
//!   spend, value minted from nothing, missing parent confirmations); its effects are applied like
//!   any other's.
//! - [`UtxoOperator::withhold`] keeps a block's data unpublished: [`UtxoOperator::published_block`] returns
//!   `None` for it, although the operator still knows it (and still serves its proofs).

use alloy_primitives::B256;
use plasma_core::{Capabilities, Domain};

use crate::{
    chain::{UtxoDesign, UtxoOperator},
    error::MvpError,
    ledger::{CheckedTx, Ledger},
    tx::{MvpPositions, SignedTx, UtxoPos, confirmation_digest},
};

/// What the MVP design supports.
pub const CAPABILITIES: Capabilities = Capabilities {
    fungible_amounts: true,
    partial_payments: true,
    in_flight_exits: false,
    confirmation_signatures: true,
    checkpoints: false,
    channels: false,
    exclusion_proofs: false,
};

/// MVP's rules for the operator core: leaves commit to the hash and the signatures, and applying a
/// transaction remembers what its outputs' parent confirmations must verify against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MvpChain;

impl UtxoDesign for MvpChain {
    type Tx = SignedTx;
    type Rules = MvpPositions;
    type Ledger = Ledger;
    type Error = MvpError;
    const CAPABILITIES: Capabilities = CAPABILITIES;
    const HASH_LEAVES: bool = false;

    fn checked(checked: &CheckedTx) -> (impl Iterator<Item = UtxoPos>, alloy_primitives::U256) {
        (checked.inputs.iter().map(|(p, _)| *p), checked.fee)
    }

    fn inputs(tx: &SignedTx) -> impl Iterator<Item = UtxoPos> {
        [tx.tx.input0, tx.tx.input1].into_iter().filter_map(|input| UtxoPos::decode(input).ok())
    }

    fn apply(ledger: &mut Ledger, tx: &SignedTx, tx_pos: UtxoPos, tx_hash: B256, domain: &Domain, root: B256) {
        ledger.apply_tx(tx, tx_pos, tx_hash, confirmation_digest(domain, tx_hash, root));
    }
}

/// A child block with the number and time the framework gave it.
pub type ChildBlockRecord = crate::chain::ChildBlockRecord<SignedTx>;

/// The operator's child chain.
pub type Operator = UtxoOperator<MvpChain>;
