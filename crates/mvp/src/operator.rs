//! The MVP operator: UTXO set, pending transactions, blocks and proofs ([`ChildChain`]).
//!
//! Life of a transaction:
//!
//! 1. [`Operator::submit_tx`] checks it with [`Ledger::check`] (inputs exist, are unspent, distinct
//!    and not spent by another pending transaction; signatures recover to the owners; value is
//!    conserved; non-zero owners for non-zero amounts; each input created by a transaction comes
//!    with the confirmations of that transaction by its inputs' signers, checked against the root
//!    of the operator's own block that includes it) and queues it. A rejected transaction leaves
//!    every part of the state untouched.
//! 2. [`Operator::build_block`] seals the queue into a [`Block`] (at most 65,536 transactions),
//!    spends the inputs at once and keeps the block *awaiting its number*.
//! 3. [`Operator::on_block_submitted`] attaches the number the framework gave to the first awaiting
//!    block whose root matches, and creates the block's outputs at
//!    `blknum * 1e9 + txindex * 1e4 + oindex`.
//!
//! Deposits ([`Operator::apply_deposit`]) create the output `blknum * 1e9` at once.
//!
//! # Operator misbehaviour (fault injection)
//!
//! Two `pub` methods exist only so that scenarios can model a malicious operator; an honest
//! operator never calls them:
//!
//! - [`Operator::include_unchecked`] queues a transaction without any check (bad signature, double
//!   spend, value minted from nothing, missing parent confirmations); its effects are applied like
//!   any other's.
//! - [`Operator::withhold`] keeps a block's data unpublished: [`Operator::published_block`] returns
//!   `None` for it, although the operator still knows it (and still serves its proofs).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use alloy_primitives::{Address, B256, U256};
use plasma_core::{
    BinaryProof, BlockNumber, BlockSubmittedEvent, Capabilities, ChildChain, DepositEvent, Domain, Timestamp,
    is_child_block,
};

use crate::{
    block::{Block, Inclusion},
    error::{MvpError, Result},
    ledger::Ledger,
    tx::{MAX_TXS_PER_BLOCK, Output, SignedTx, UtxoPos, confirmation_digest},
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

#[derive(Clone, Debug, PartialEq, Eq)]
struct PendingTx {
    tx: SignedTx,
    hash: B256,
    /// `None` for a transaction slipped in with `include_unchecked`.
    fee: Option<U256>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct AwaitingBlock {
    block: Block,
    fees: U256,
}

/// A child block with the number and time the framework gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildBlockRecord {
    /// The block number.
    pub blknum: BlockNumber,
    /// Root-chain time of the submission.
    pub timestamp: Timestamp,
    /// The block.
    pub block: Block,
}

/// The operator's child chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    domain: Domain,
    ledger: Ledger,
    deposits: BTreeMap<BlockNumber, Output>,
    pending: Vec<PendingTx>,
    pending_inputs: BTreeSet<UtxoPos>,
    awaiting: VecDeque<AwaitingBlock>,
    blocks: BTreeMap<BlockNumber, ChildBlockRecord>,
    tx_index: HashMap<B256, UtxoPos>,
    withheld: BTreeSet<BlockNumber>,
    fees: U256,
}

impl Operator {
    /// An operator with no state, for the framework deployment `domain`.
    #[must_use]
    pub fn new(domain: Domain) -> Self {
        Self {
            domain,
            ledger: Ledger::new(),
            deposits: BTreeMap::new(),
            pending: Vec::new(),
            pending_inputs: BTreeSet::new(),
            awaiting: VecDeque::new(),
            blocks: BTreeMap::new(),
            tx_index: HashMap::new(),
            withheld: BTreeSet::new(),
            fees: U256::ZERO,
        }
    }

    /// The EIP-712 domain transactions are signed under.
    #[must_use]
    pub const fn domain(&self) -> &Domain {
        &self.domain
    }

    /// The UTXO set (spent outputs and those of blocks awaiting a number are not in it).
    #[must_use]
    pub const fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The unspent outputs.
    #[must_use]
    pub const fn utxos(&self) -> &BTreeMap<UtxoPos, Output> {
        self.ledger.utxos()
    }

    /// The unspent output at `pos`.
    #[must_use]
    pub fn utxo(&self, pos: &UtxoPos) -> Option<&Output> {
        self.ledger.get(pos)
    }

    /// The unspent outputs of `owner`, by position.
    #[must_use]
    pub fn utxos_of(&self, owner: Address) -> Vec<(UtxoPos, Output)> {
        self.ledger.utxos().iter().filter(|(_, o)| o.owner == owner).map(|(p, o)| (*p, *o)).collect()
    }

    /// The deposit recorded for deposit block `blknum`.
    #[must_use]
    pub fn deposit(&self, blknum: BlockNumber) -> Option<&Output> {
        self.deposits.get(&blknum)
    }

    /// The queued transactions, in the order they will take in the next block.
    pub fn pending(&self) -> impl Iterator<Item = &SignedTx> {
        self.pending.iter().map(|p| &p.tx)
    }

    /// Number of queued transactions.
    #[must_use]
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Roots of the built blocks still waiting for their number, oldest first.
    #[must_use]
    pub fn awaiting_roots(&self) -> Vec<B256> {
        self.awaiting.iter().map(|a| a.block.root()).collect()
    }

    /// A numbered child block as the operator knows it (withheld or not).
    #[must_use]
    pub fn block(&self, blknum: BlockNumber) -> Option<&ChildBlockRecord> {
        self.blocks.get(&blknum)
    }

    /// Numbers of the known child blocks, in order.
    pub fn child_blocks(&self) -> impl Iterator<Item = BlockNumber> + '_ {
        self.blocks.keys().copied()
    }

    /// The data of block `blknum` as published to users: `None` for an unknown or withheld block.
    #[must_use]
    pub fn published_block(&self, blknum: BlockNumber) -> Option<&Block> {
        if self.withheld.contains(&blknum) {
            return None;
        }
        self.blocks.get(&blknum).map(|r| &r.block)
    }

    /// Where the transaction with hash `tx_hash` was included (first inclusion), with its proof.
    #[must_use]
    pub fn inclusion(&self, tx_hash: B256) -> Option<Inclusion> {
        let pos = self.tx_index.get(&tx_hash)?;
        self.inclusion_at(pos.blknum(), u64::from(pos.txindex())).ok()
    }

    /// The inclusion of transaction `txindex` of block `blknum`.
    pub fn inclusion_at(&self, blknum: BlockNumber, txindex: u64) -> Result<Inclusion> {
        let record = self.blocks.get(&blknum).ok_or(MvpError::UnknownBlock(blknum))?;
        let index = u16::try_from(txindex)
            .ok()
            .filter(|i| usize::from(*i) < record.block.len())
            .ok_or(MvpError::TxIndexOutOfRange { blknum, txindex })?;
        Ok(Inclusion { blknum, txindex: index, root: record.block.root(), proof: record.block.proof(txindex)? })
    }

    /// Fees of the checked transactions of every block built so far (`Σ inputs − Σ outputs`).
    #[must_use]
    pub const fn collected_fees(&self) -> U256 {
        self.fees
    }

    /// Checks `tx` as [`Operator::submit_tx`] would, without queuing it; returns its hash.
    pub fn check_tx(&self, tx: &SignedTx) -> Result<B256> {
        if self.pending.len() >= MAX_TXS_PER_BLOCK {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let hash = tx.tx_hash(&self.domain);
        let checked = self.ledger.check(tx, hash, None, |p| self.pending_inputs.contains(p))?;
        Ok(checked.tx_hash)
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.** Queues `tx` for the next
    /// block without any validity check: a bad signature, a double spend, value minted from
    /// nothing or missing parent confirmations go through. Its inputs are spent and its outputs created like those of any other
    /// transaction. Fails only when the block is full.
    pub fn include_unchecked(&mut self, tx: SignedTx) -> Result<B256> {
        if self.pending.len() >= MAX_TXS_PER_BLOCK {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let hash = tx.tx_hash(&self.domain);
        for input in [tx.tx.input0, tx.tx.input1] {
            if let Ok(input) = UtxoPos::decode(input) {
                self.pending_inputs.insert(input);
            }
        }
        self.pending.push(PendingTx { tx, hash, fee: None });
        Ok(hash)
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.** Withholds the data of child
    /// block `blknum` (which may not exist yet): [`Operator::published_block`] returns `None` for it.
    pub fn withhold(&mut self, blknum: BlockNumber) {
        self.withheld.insert(blknum);
    }

    /// Whether block `blknum` is withheld.
    #[must_use]
    pub fn is_withheld(&self, blknum: BlockNumber) -> bool {
        self.withheld.contains(&blknum)
    }

    /// Records that an exit of `pos` started on the root chain: the output can no longer be spent.
    /// Returns whether it was an unspent output.
    pub fn on_exit_started(&mut self, pos: UtxoPos) -> bool {
        self.ledger.mark_exiting(pos)
    }
}

impl ChildChain for Operator {
    type Tx = SignedTx;
    type Block = Block;
    type Proof = BinaryProof;
    type StateId = UtxoPos;
    type Error = MvpError;

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// Creates output `blknum * 1e9` for the depositor. Rejects a child block number, a zero
    /// amount and a block already recorded.
    fn apply_deposit(&mut self, deposit: &DepositEvent) -> Result<UtxoPos> {
        let pos = UtxoPos::deposit(deposit.blknum)?;
        if deposit.amount.is_zero() {
            return Err(MvpError::ZeroDeposit(deposit.blknum));
        }
        if self.deposits.contains_key(&deposit.blknum) || self.ledger.knows(&pos) {
            return Err(MvpError::DuplicateBlock(deposit.blknum));
        }
        let output = Output::new(deposit.depositor, deposit.amount);
        self.ledger.create(pos, output);
        self.deposits.insert(deposit.blknum, output);
        Ok(pos)
    }

    fn submit_tx(&mut self, tx: SignedTx) -> Result<B256> {
        if self.pending.len() >= MAX_TXS_PER_BLOCK {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let hash = tx.tx_hash(&self.domain);
        let checked = self.ledger.check(&tx, hash, None, |p| self.pending_inputs.contains(p))?;
        self.pending_inputs.extend(checked.inputs.iter().map(|(p, _)| *p));
        self.pending.push(PendingTx { tx, hash, fee: Some(checked.fee) });
        Ok(hash)
    }

    /// Seals the queue (possibly empty: root `EMPTY`) into a block awaiting its number and spends
    /// its inputs. Returns a copy of the block.
    fn build_block(&mut self) -> Result<Block> {
        let mut fees = U256::ZERO;
        let mut txs = Vec::with_capacity(self.pending.len());
        let mut hashes = Vec::with_capacity(self.pending.len());
        for pending in &self.pending {
            fees = fees.saturating_add(pending.fee.unwrap_or_default());
            txs.push(pending.tx.clone());
            hashes.push(pending.hash);
        }
        let block = Block::from_hashed(txs, hashes)?;
        for input in std::mem::take(&mut self.pending_inputs) {
            self.ledger.spend(input, None);
        }
        self.pending.clear();
        self.awaiting.push_back(AwaitingBlock { block: block.clone(), fees });
        Ok(block)
    }

    /// Numbers the oldest awaiting block whose root is `event.root` and creates its outputs.
    /// Rejects a deposit block number, a number already used and a root no awaiting block has.
    fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> Result<()> {
        if !is_child_block(event.blknum) {
            return Err(MvpError::NotChildBlock(event.blknum));
        }
        if self.blocks.contains_key(&event.blknum) {
            return Err(MvpError::DuplicateBlock(event.blknum));
        }
        let (index, awaiting) = self
            .awaiting
            .iter()
            .enumerate()
            .find(|(_, a)| a.block.root() == event.root)
            .ok_or(MvpError::UnknownRoot { blknum: event.blknum, root: event.root })?;
        // Positions first: nothing changes unless all of them are valid.
        let positions = (0..awaiting.block.len() as u64)
            .map(|txindex| UtxoPos::tx(event.blknum, txindex))
            .collect::<Result<Vec<_>>>()?;
        let Some(AwaitingBlock { block, fees }) = self.awaiting.remove(index) else {
            return Err(MvpError::UnknownRoot { blknum: event.blknum, root: event.root });
        };
        let root = block.root();
        for ((tx, hash), pos) in block.txs().iter().zip(block.tx_hashes()).zip(positions) {
            self.ledger.apply_tx(tx, pos, *hash, confirmation_digest(&self.domain, *hash, root));
            self.tx_index.entry(*hash).or_insert(pos);
        }
        self.fees = self.fees.saturating_add(fees);
        self.blocks.insert(event.blknum, ChildBlockRecord { blknum: event.blknum, timestamp: event.timestamp, block });
        Ok(())
    }

    /// Proof for transaction `key` (its index) of child block `blknum`, withheld or not.
    fn prove_inclusion(&self, blknum: BlockNumber, key: u64) -> Result<BinaryProof> {
        let record = self.blocks.get(&blknum).ok_or(MvpError::UnknownBlock(blknum))?;
        record.block.proof(key)
    }
}
