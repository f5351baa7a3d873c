//! The MoreVP operator: UTXO set, pending transactions, blocks and proofs ([`ChildChain`]): the
//! shared [`UtxoOperator`] core of `plasma-mvp` run with MoreVP's rules ([`MoreVpChain`]), plus
//! what the operator follows of the exit game and MoreVP's own fault injection.
//!
//! Life of a transaction:
//!
//! 1. [`ChildChain::submit_tx`] checks it with [`Ledger::check`](crate::Ledger::check) (shape, inputs exist, are unspent,
//!    distinct and not spent by another pending transaction; one signature per input, recovering
//!    to its owner; value is conserved) and queues it. A rejected transaction leaves every part of
//!    the state untouched. [`UtxoOperator::submit_batch`] does the same for many transactions at once,
//!    with the same results, recovering the signatures on every core.
//! 2. [`ChildChain::build_block`] seals the queue into a [`Block`](crate::Block) (at most 65,536 transactions,
//!    leaf = `txHash`), spends the inputs at once and keeps the block *awaiting its number*.
//! 3. [`ChildChain::on_block_submitted`] attaches the number the framework gave to the first awaiting
//!    block whose root matches, and creates the block's outputs at
//!    `blknum * 1e9 + txindex * 1e4 + oindex`.
//!
//! Deposits ([`ChildChain::apply_deposit`]) create the output `blknum * 1e9` at once.
//!
//! # Operator misbehaviour (fault injection)
//!
//! These `pub` methods exist only so that scenarios can model a malicious operator; an honest
//! operator never calls them. Their transactions are queued without any check, and their effects
//! (inputs spent, outputs created) are applied like any other's:
//!
//! - [`UtxoOperator::include_unchecked`]: any signed transaction;
//! - [`Operator::include_unsigned_spend`]: a spend its inputs' owners never signed (each input
//!   carries the forger's signature instead): an invalid transaction;
//! - [`Operator::include_double_spend`]: a second spend of an output already spent, signed by
//!   whoever the scenario says (the cheating owner, or the operator's own key);
//! - [`Operator::mint`]: an output from nothing (its only input never existed);
//! - [`UtxoOperator::withhold`] / [`UtxoOperator::withhold_next_block`]: a block's data stays unpublished
//!   ([`UtxoOperator::published_block`] returns `None`), although the operator still knows it and
//!   serves its proofs;
//! - [`Operator::include_competing_pair`]: two transactions double-spending one input, put into
//!   a block that is then withheld (the plasma-contracts #102 setup).

use core::ops::{Deref, DerefMut};

use alloy_primitives::{B256, U256};
use plasma_core::{
    BinaryProof, BlockNumber, BlockSubmittedEvent, CHILD_BLOCK_INTERVAL, Capabilities, ChildChain, DepositEvent,
    Domain, SigningKey,
};
use plasma_mvp::chain::{UtxoDesign, UtxoOperator};

use crate::{
    block::Block,
    error::{MoreVpError, Result},
    ledger::{CheckedTx, Ledger},
    tx::{MAX_TXS_PER_BLOCK, MoreVpPositions, Output, PaymentTx, PaymentTxExt, SignedTx, UtxoPos},
};

/// What the MoreVP design supports.
pub const CAPABILITIES: Capabilities = Capabilities {
    fungible_amounts: true,
    partial_payments: true,
    in_flight_exits: true,
    confirmation_signatures: false,
    checkpoints: false,
    channels: false,
    exclusion_proofs: false,
};

/// MoreVP's rules for the operator core: the leaves are the transaction hashes, and applying a
/// transaction spends its named inputs and creates its used outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MoreVpChain;

impl UtxoDesign for MoreVpChain {
    const HASH_LEAVES: bool = true;
    const CAPABILITIES: Capabilities = CAPABILITIES;

    fn apply(ledger: &mut Ledger, tx: &SignedTx, tx_pos: UtxoPos, _tx_hash: B256, _domain: &Domain, _root: B256) {
        ledger.apply_tx(tx, tx_pos);
    }

    type Error = MoreVpError;
    type Ledger = Ledger;

    fn inputs(tx: &SignedTx) -> impl Iterator<Item = UtxoPos> {
        tx.tx.named_inputs().map(|(_, input)| input)
    }

    type Rules = MoreVpPositions;
    type Tx = SignedTx;

    fn checked(checked: &CheckedTx) -> (impl Iterator<Item = UtxoPos>, U256) {
        (checked.inputs.iter().map(|(p, _)| *p), checked.fee)
    }
}

/// A child block with the number and time the framework gave it.
pub type ChildBlockRecord = plasma_mvp::chain::ChildBlockRecord<SignedTx>;

/// The operator's child chain: the shared core (every [`UtxoOperator`] method, through `Deref`)
/// and what the operator follows of the exit game.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    core: UtxoOperator<MoreVpChain>,
    /// What the operator follows of the exit game (see [`crate::design::OperatorView`]).
    game_view: crate::design::OperatorView,
}

impl Deref for Operator {
    type Target = UtxoOperator<MoreVpChain>;

    fn deref(&self) -> &Self::Target {
        &self.core
    }
}

impl DerefMut for Operator {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.core
    }
}

impl Operator {
    /// An operator with no state, for the framework deployment `domain`.
    #[must_use]
    pub fn new(domain: Domain) -> Self {
        Self { core: UtxoOperator::new(domain), game_view: crate::design::OperatorView::default() }
    }

    /// What the operator follows of the exit game, to change.
    pub const fn game_view_mut(&mut self) -> &mut crate::design::OperatorView {
        &mut self.game_view
    }

    /// **Operator misbehaviour.** Includes `tx` with every used input signed by `forger` instead
    /// of the input's owner: a spend nobody entitled signed (an invalid transaction).
    pub fn include_unsigned_spend(&mut self, tx: PaymentTx, forger: &SigningKey) -> Result<B256> {
        let keys = vec![forger; tx.used_inputs()];
        let signed = SignedTx::sign(tx, self.domain(), &keys);
        self.include_unchecked(signed)
    }

    /// **Operator misbehaviour.** Includes a second spend of `input`, an output already spent,
    /// paying `to` in full and signed by `signer`: the cheating owner's key (a signed double spend)
    /// or any other (an unsigned one).
    pub fn include_double_spend(&mut self, input: UtxoPos, to: Output, signer: &SigningKey) -> Result<B256> {
        let tx = PaymentTx::payment(&[input], &[to])?;
        let signed = SignedTx::sign(tx, self.domain(), &[signer]);
        self.include_unchecked(signed)
    }

    /// **Operator misbehaviour.** Includes a transaction creating `to` from nothing: its only
    /// input is [`Operator::ghost_input`], an output that never existed, signed by `signer`.
    pub fn mint(&mut self, to: Output, signer: &SigningKey) -> Result<B256> {
        let tx = PaymentTx::payment(&[self.ghost_input()?], &[to])?;
        let signed = SignedTx::sign(tx, self.domain(), &[signer]);
        self.include_unchecked(signed)
    }

    /// An output position that never held anything: the last slot (txindex 65,535, oindex 3) of
    /// the newest numbered child block with room to spare, or of block 1000 when no block is
    /// numbered yet (the minting block itself or a later one).
    pub fn ghost_input(&self) -> Result<UtxoPos> {
        let last = (MAX_TXS_PER_BLOCK - 1) as u64;
        let blknum = self
            .block_records()
            .rev()
            .find(|r| r.block.len() < MAX_TXS_PER_BLOCK)
            .map_or(CHILD_BLOCK_INTERVAL, |r| r.blknum);
        UtxoPos::new(blknum, last, 3)
    }

    /// **Operator misbehaviour.** Includes `first` and `second`, two transactions double-spending
    /// one input (both signed by its owner, who colludes), in the next block, and withholds that
    /// block once it is numbered: the plasma-contracts #102 setup, where the operator then starts
    /// in-flight exits of both.
    pub fn include_competing_pair(&mut self, first: SignedTx, second: SignedTx) -> Result<[B256; 2]> {
        if self.pending_len() + 2 > MAX_TXS_PER_BLOCK {
            return Err(MoreVpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let hashes = [self.include_unchecked(first)?, self.include_unchecked(second)?];
        self.withhold_next_block();
        Ok(hashes)
    }
}

/// The core's, unchanged.
impl ChildChain for Operator {
    fn submit_tx(&mut self, tx: SignedTx) -> Result<B256> {
        self.core.submit_tx(tx)
    }

    fn build_block(&mut self) -> Result<Block> {
        self.core.build_block()
    }

    fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> Result<()> {
        self.core.on_block_submitted(event)
    }

    fn prove_inclusion(&self, blknum: BlockNumber, key: u64) -> Result<BinaryProof> {
        self.core.prove_inclusion(blknum, key)
    }

    fn apply_deposit(&mut self, deposit: &DepositEvent) -> Result<UtxoPos> {
        self.core.apply_deposit(deposit)
    }

    fn capabilities(&self) -> Capabilities {
        self.core.capabilities()
    }

    fn has_block(&self, blknum: BlockNumber) -> bool {
        self.core.has_block(blknum)
    }

    fn has_deposit(&self, blknum: BlockNumber) -> bool {
        self.core.has_deposit(blknum)
    }

    type Tx = SignedTx;
    type Block = Block;
    type Proof = BinaryProof;
    type StateId = UtxoPos;
    type Error = MoreVpError;
}
