//! The MVP operator: UTXO set, pending transactions, blocks and proofs ([`ChildChain`]).
//!
//! Life of a transaction:
//!
//! 1. [`Operator::submit_tx`] checks it with [`Ledger::check`] (inputs exist, are unspent, distinct
//!    and not spent by another pending transaction; signatures recover to the owners; value is
//!    conserved; non-zero owners for non-zero amounts; each input created by a transaction comes
//!    with the confirmations of that transaction by its inputs' signers, checked against the root
//!    of the operator's own block that includes it) and queues it. A rejected transaction leaves
//!    every part of the state untouched. [`Operator::submit_batch`] does the same for many
//!    transactions at once, with the same results, recovering the signatures on every core.
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
    error::{Invalidity, MvpError, Result},
    ledger::{CheckedTx, Ledger},
    tx::{MAX_TXS_PER_BLOCK, Output, SignedTx, TransactionExt, UtxoPos, confirmation_digest},
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

/// The transactions waiting for the next block, laid out as the block holds them: sealing the
/// block moves these vectors, it does not copy them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Queue {
    txs: Vec<SignedTx>,
    hashes: Vec<B256>,
    /// Leaf values, computed once at submission.
    leaves: Vec<B256>,
    /// Sum of the fees of the checked transactions (an unchecked one adds none), saturating.
    fees: U256,
    /// The inputs the queued transactions spend.
    inputs: BTreeSet<UtxoPos>,
}

impl Queue {
    fn len(&self) -> usize {
        self.txs.len()
    }

    fn is_full(&self) -> bool {
        self.len() >= MAX_TXS_PER_BLOCK
    }

    /// Room for `additional` more transactions (never beyond a block).
    fn reserve(&mut self, additional: usize) {
        let additional = additional.min(MAX_TXS_PER_BLOCK.saturating_sub(self.len()));
        self.txs.reserve(additional);
        self.hashes.reserve(additional);
        self.leaves.reserve(additional);
    }

    fn push(&mut self, tx: SignedTx, hash: B256, leaf: B256, fee: U256) {
        self.txs.push(tx);
        self.hashes.push(hash);
        self.leaves.push(leaf);
        self.fees = self.fees.saturating_add(fee);
    }
}

/// What the read-only part of a submission found out about one transaction: everything that does
/// not depend on the other transactions of the same batch.
struct Prepared {
    hash: B256,
    /// The leaf value, for an accepted transaction (`B256::ZERO` otherwise: never used).
    leaf: B256,
    /// The input positions, by slot (none if they do not decode).
    slots: [Option<UtxoPos>; 2],
    /// The verdict of [`Ledger::check`] against the ledger and the queue as they were.
    verdict: core::result::Result<CheckedTx, Invalidity>,
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
    queue: Queue,
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
            queue: Queue::default(),
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
        self.queue.txs.iter()
    }

    /// Number of queued transactions.
    #[must_use]
    pub fn pending_len(&self) -> usize {
        self.queue.len()
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
        if self.queue.is_full() {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        Ok(self.prepare(tx).verdict?.tx_hash)
    }

    /// Submits `txs` in order: the results, and the state after, are exactly those of calling
    /// [`ChildChain::submit_tx`] on each in turn (a transaction spending an input that an earlier
    /// one of the batch queued is refused with [`Invalidity::PendingInput`], the block capacity is
    /// the same, a refused transaction changes nothing).
    ///
    /// The work that does not depend on the other transactions of the batch (transaction hash,
    /// leaf value, ledger lookups, signature and parent-confirmation recovery: the whole of
    /// [`Ledger::check`] against the queue as it was) runs on
    /// [`std::thread::available_parallelism`] threads; a short sequential pass then settles the
    /// conflicts inside the batch and queues. Each signature is recovered once.
    pub fn submit_batch(&mut self, txs: Vec<SignedTx>) -> Vec<Result<B256>> {
        let prepared = plasma_core::par::map(&txs, |tx| self.prepare(tx));
        self.queue.reserve(txs.len());
        txs.into_iter().zip(prepared).map(|(tx, prepared)| self.admit(tx, prepared)).collect()
    }

    /// The read-only part of a submission: hash, verdict of [`Ledger::check`] against the ledger
    /// and the current queue, and the leaf of an accepted transaction.
    fn prepare(&self, tx: &SignedTx) -> Prepared {
        let hash = tx.tx_hash(&self.domain);
        let verdict = self.ledger.check(tx, hash, None, |p| self.queue.inputs.contains(p));
        let (leaf, slots) = match &verdict {
            Ok(checked) => (tx.leaf_with_hash(hash), checked.inputs.positions()),
            Err(_) => (B256::ZERO, tx.tx.inputs().unwrap_or([None, None])),
        };
        Prepared { hash, leaf, slots, verdict }
    }

    /// The sequential part of a submission: capacity, then the queue as it is now, then queuing.
    ///
    /// `prepared` was computed against an older queue, which differs from the current one only by
    /// inputs queued since. If none of `tx`'s inputs is queued now, every rule answers as it did,
    /// so the verdict stands. Otherwise [`Ledger::check_spend`] with the current queue refuses it
    /// (a busy input is refused before any signature is recovered), with the same error
    /// [`Ledger::check`] would give, since both apply the rules in the same order.
    fn admit(&mut self, tx: SignedTx, prepared: Prepared) -> Result<B256> {
        if self.queue.is_full() {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let Prepared { hash, leaf, slots, verdict } = prepared;
        let busy = |p: &UtxoPos| self.queue.inputs.contains(p);
        let verdict = if slots.iter().flatten().any(busy) {
            self.ledger.check_spend(&tx, None, busy).and(verdict)
        } else {
            verdict
        };
        let checked = verdict?;
        self.queue.inputs.extend(checked.inputs.iter().map(|(p, _)| *p));
        self.queue.push(tx, hash, leaf, checked.fee);
        Ok(hash)
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.** Queues `tx` for the next
    /// block without any validity check: a bad signature, a double spend, value minted from
    /// nothing or missing parent confirmations go through. Its inputs are spent and its outputs created like those of any other
    /// transaction. Fails only when the block is full.
    pub fn include_unchecked(&mut self, tx: SignedTx) -> Result<B256> {
        if self.queue.is_full() {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let hash = tx.tx_hash(&self.domain);
        for input in [tx.tx.input0, tx.tx.input1] {
            if let Ok(input) = UtxoPos::decode(input) {
                self.queue.inputs.insert(input);
            }
        }
        let leaf = tx.leaf_with_hash(hash);
        self.queue.push(tx, hash, leaf, U256::ZERO);
        Ok(hash)
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.** [`Operator::include_unchecked`],
    /// but ahead of every queued transaction: the forgery takes index 0 of the next block.
    pub fn include_unchecked_first(&mut self, tx: SignedTx) -> Result<B256> {
        let hash = self.include_unchecked(tx)?;
        let queue = &mut self.queue;
        queue.txs.rotate_right(1);
        queue.hashes.rotate_right(1);
        queue.leaves.rotate_right(1);
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
    ///
    /// A queued transaction that spends `pos` is dropped (the others stay queued, in order): the
    /// next block is committed after the exit started, so users' watchers would find the spend
    /// invalid.
    pub fn on_exit_started(&mut self, pos: UtxoPos) -> bool {
        let unspent = self.ledger.mark_exiting(pos);
        if self.queue.inputs.contains(&pos) {
            let queued = std::mem::take(&mut self.queue);
            for tx in queued.txs {
                // Every other transaction was admitted against the same ledger and still is.
                let _ = <Self as ChildChain>::submit_tx(self, tx);
            }
        }
        unspent
    }
}

impl ChildChain for Operator {
    type Tx = SignedTx;
    type Block = Block;
    type Proof = BinaryProof;
    type StateId = UtxoPos;
    type Error = MvpError;

    fn has_deposit(&self, blknum: BlockNumber) -> bool {
        self.deposits.contains_key(&blknum)
    }

    fn has_block(&self, blknum: BlockNumber) -> bool {
        self.blocks.contains_key(&blknum)
    }

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
        if self.queue.is_full() {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let prepared = self.prepare(&tx);
        self.admit(tx, prepared)
    }

    /// Seals the queue (possibly empty: root `EMPTY`) into a block awaiting its number and spends
    /// its inputs. Returns a copy of the block (cheap: the block shares its data).
    fn build_block(&mut self) -> Result<Block> {
        // The queue never exceeds a block; checked first so that a failure changes nothing.
        if self.queue.len() > MAX_TXS_PER_BLOCK {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let Queue { txs, hashes, leaves, fees, inputs } = std::mem::take(&mut self.queue);
        let block = Block::from_leaves(txs, hashes, &leaves)?;
        for input in inputs {
            self.ledger.spend(input, None);
        }
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
