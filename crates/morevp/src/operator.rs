//! The MoreVP operator: UTXO set, pending transactions, blocks and proofs ([`ChildChain`]).
//!
//! Life of a transaction:
//!
//! 1. [`Operator::submit_tx`] checks it with [`Ledger::check`] (shape, inputs exist, are unspent,
//!    distinct and not spent by another pending transaction; one signature per input, recovering
//!    to its owner; value is conserved) and queues it. A rejected transaction leaves every part of
//!    the state untouched. [`Operator::submit_batch`] does the same for many transactions at once,
//!    with the same results, recovering the signatures on every core.
//! 2. [`Operator::build_block`] seals the queue into a [`Block`] (at most 65,536 transactions,
//!    leaf = `txHash`), spends the inputs at once and keeps the block *awaiting its number*.
//! 3. [`Operator::on_block_submitted`] attaches the number the framework gave to the first awaiting
//!    block whose root matches, and creates the block's outputs at
//!    `blknum * 1e9 + txindex * 1e4 + oindex`.
//!
//! Deposits ([`Operator::apply_deposit`]) create the output `blknum * 1e9` at once.
//!
//! # Operator misbehaviour (fault injection)
//!
//! These `pub` methods exist only so that scenarios can model a malicious operator; an honest
//! operator never calls them. Their transactions are queued without any check, and their effects
//! (inputs spent, outputs created) are applied like any other's:
//!
//! - [`Operator::include_unchecked`]: any signed transaction;
//! - [`Operator::include_unsigned_spend`]: a spend its inputs' owners never signed (each input
//!   carries the forger's signature instead): an invalid transaction;
//! - [`Operator::include_double_spend`]: a second spend of an output already spent, signed by
//!   whoever the scenario says (the cheating owner, or the operator's own key);
//! - [`Operator::mint`]: an output from nothing (its only input never existed);
//! - [`Operator::withhold`] / [`Operator::withhold_next_block`]: a block's data stays unpublished
//!   ([`Operator::published_block`] returns `None`), although the operator still knows it and
//!   serves its proofs;
//! - [`Operator::include_competing_pair`]: two transactions double-spending one input, put into
//!   a block that is then withheld (the plasma-contracts #102 setup).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use alloy_primitives::{Address, B256, U256};
use plasma_core::{
    BinaryProof, BlockNumber, BlockSubmittedEvent, CHILD_BLOCK_INTERVAL, Capabilities, ChildChain, DepositEvent,
    Domain, SigningKey, Timestamp, is_child_block,
};

use crate::{
    block::{Block, Inclusion},
    error::{Invalidity, MoreVpError, Result},
    ledger::{CheckedTx, Ledger},
    tx::{MAX_TXS_PER_BLOCK, Output, PaymentTx, PaymentTxExt, SignedTx, UtxoPos},
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

/// The transactions waiting for the next block, laid out as the block holds them: sealing the
/// block moves these vectors, it does not copy them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Queue {
    txs: Vec<SignedTx>,
    /// Transaction hashes (the leaf values), computed once at submission.
    hashes: Vec<B256>,
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
    }

    fn push(&mut self, tx: SignedTx, hash: B256, fee: U256) {
        self.txs.push(tx);
        self.hashes.push(hash);
        self.fees = self.fees.saturating_add(fee);
    }
}

/// What the read-only part of a submission found out about one transaction: everything that does
/// not depend on the other transactions of the same batch.
struct Prepared {
    hash: B256,
    /// The input positions that decode (whatever the shape).
    named: [Option<UtxoPos>; 4],
    /// The verdict of [`Ledger::check`] against the ledger and the queue as they were.
    verdict: core::result::Result<CheckedTx, Invalidity>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct AwaitingBlock {
    block: Block,
    fees: U256,
    withhold: bool,
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
    withhold_next: bool,
    fees: U256,
    /// What the operator follows of the exit game (see [`crate::design::OperatorView`]).
    game_view: crate::design::OperatorView,
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
            withhold_next: false,
            fees: U256::ZERO,
            game_view: crate::design::OperatorView::default(),
        }
    }

    /// What the operator follows of the exit game, to change.
    pub const fn game_view_mut(&mut self) -> &mut crate::design::OperatorView {
        &mut self.game_view
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

    /// Where the transaction with hash `tx_hash` was included (first inclusion), with its proof,
    /// withheld block or not.
    #[must_use]
    pub fn inclusion(&self, tx_hash: B256) -> Option<Inclusion> {
        let pos = self.tx_index.get(&tx_hash)?;
        self.inclusion_at(pos.blknum(), u64::from(pos.txindex())).ok()
    }

    /// The inclusion of transaction `txindex` of block `blknum`.
    pub fn inclusion_at(&self, blknum: BlockNumber, txindex: u64) -> Result<Inclusion> {
        let record = self.blocks.get(&blknum).ok_or(MoreVpError::UnknownBlock(blknum))?;
        let index = u16::try_from(txindex)
            .ok()
            .filter(|i| usize::from(*i) < record.block.len())
            .ok_or(MoreVpError::TxIndexOutOfRange { blknum, txindex })?;
        Ok(Inclusion { blknum, txindex: index, root: record.block.root(), proof: record.block.proof(txindex)? })
    }

    /// Fees of the checked transactions of every block numbered so far (`Σ inputs − Σ outputs`).
    #[must_use]
    pub const fn collected_fees(&self) -> U256 {
        self.fees
    }

    /// Checks `tx` as [`Operator::submit_tx`] would, without queuing it; returns its hash.
    pub fn check_tx(&self, tx: &SignedTx) -> Result<B256> {
        if self.queue.is_full() {
            return Err(MoreVpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        Ok(self.prepare(tx).verdict?.tx_hash)
    }

    /// Submits `txs` in order: the results, and the state after, are exactly those of calling
    /// [`ChildChain::submit_tx`] on each in turn (a transaction spending an input that an earlier
    /// one of the batch queued is refused with [`Invalidity::PendingInput`], the block capacity is
    /// the same, a refused transaction changes nothing).
    ///
    /// The work that does not depend on the other transactions of the batch (transaction hash,
    /// ledger lookups, the recovery of every input's signature: the whole of [`Ledger::check`]
    /// against the queue as it was) runs on [`std::thread::available_parallelism`] threads
    /// (`plasma_core::par::map`); a short sequential pass then settles the conflicts inside the
    /// batch and queues. Each signature is recovered once.
    pub fn submit_batch(&mut self, txs: Vec<SignedTx>) -> Vec<Result<B256>> {
        let prepared = plasma_core::par::map(&txs, |tx| self.prepare(tx));
        self.queue.reserve(txs.len());
        txs.into_iter().zip(prepared).map(|(tx, prepared)| self.admit(tx, prepared)).collect()
    }

    /// The read-only part of a submission: hash and verdict of [`Ledger::check`] against the
    /// ledger and the current queue.
    fn prepare(&self, tx: &SignedTx) -> Prepared {
        let hash = tx.tx_hash(&self.domain);
        let verdict = self.ledger.check(tx, hash, None, |p| self.queue.inputs.contains(p));
        let mut named = [None; 4];
        for (slot, input) in tx.tx.named_inputs() {
            named[usize::from(slot)] = Some(input);
        }
        Prepared { hash, named, verdict }
    }

    /// The sequential part of a submission: capacity, then the queue as it is now, then queuing.
    ///
    /// `prepared` was computed against an older queue, which differs from the current one only by
    /// inputs queued since. If none of `tx`'s inputs is queued now, every rule answers as it did,
    /// so the verdict stands. Otherwise [`Ledger::check_spend`] with the current queue refuses it
    /// or repeats the verdict's own refusal (a busy input is refused before any signature is
    /// recovered, and both apply the rules in the same order), so the error is the one
    /// [`Ledger::check`] would give.
    fn admit(&mut self, tx: SignedTx, prepared: Prepared) -> Result<B256> {
        if self.queue.is_full() {
            return Err(MoreVpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let Prepared { hash, named, verdict } = prepared;
        let busy = |p: &UtxoPos| self.queue.inputs.contains(p);
        let verdict = if named.iter().flatten().any(busy) {
            self.ledger.check_spend(&tx, None, busy).and(verdict)
        } else {
            verdict
        };
        let checked = verdict?;
        self.queue.inputs.extend(checked.inputs.iter().map(|(p, _)| *p));
        self.queue.push(tx, hash, checked.fee);
        Ok(hash)
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.** Queues `tx` for the next
    /// block without any validity check. Its inputs are spent and its outputs created like those
    /// of any other transaction. Fails only when the block is full.
    pub fn include_unchecked(&mut self, tx: SignedTx) -> Result<B256> {
        if self.queue.is_full() {
            return Err(MoreVpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let hash = tx.tx_hash(&self.domain);
        self.queue.inputs.extend(tx.tx.named_inputs().map(|(_, input)| input));
        self.queue.push(tx, hash, U256::ZERO);
        Ok(hash)
    }

    /// **Operator misbehaviour.** Includes `tx` with every used input signed by `forger` instead
    /// of the input's owner: a spend nobody entitled signed (an invalid transaction).
    pub fn include_unsigned_spend(&mut self, tx: PaymentTx, forger: &SigningKey) -> Result<B256> {
        let keys = vec![forger; tx.used_inputs()];
        self.include_unchecked(SignedTx::sign(tx, &self.domain, &keys))
    }

    /// **Operator misbehaviour.** Includes a second spend of `input`, an output already spent,
    /// paying `to` in full and signed by `signer`: the cheating owner's key (a signed double spend)
    /// or any other (an unsigned one).
    pub fn include_double_spend(&mut self, input: UtxoPos, to: Output, signer: &SigningKey) -> Result<B256> {
        let tx = PaymentTx::payment(&[input], &[to])?;
        self.include_unchecked(SignedTx::sign(tx, &self.domain, &[signer]))
    }

    /// **Operator misbehaviour.** Includes a transaction creating `to` from nothing: its only
    /// input is [`Operator::ghost_input`], an output that never existed, signed by `signer`.
    pub fn mint(&mut self, to: Output, signer: &SigningKey) -> Result<B256> {
        let tx = PaymentTx::payment(&[self.ghost_input()?], &[to])?;
        self.include_unchecked(SignedTx::sign(tx, &self.domain, &[signer]))
    }

    /// An output position that never held anything: the last slot (txindex 65,535, oindex 3) of
    /// the newest numbered child block with room to spare, or of block 1000 when no block is
    /// numbered yet (the minting block itself or a later one).
    pub fn ghost_input(&self) -> Result<UtxoPos> {
        let last = (MAX_TXS_PER_BLOCK - 1) as u64;
        let blknum = self
            .blocks
            .values()
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
        if self.queue.len() + 2 > MAX_TXS_PER_BLOCK {
            return Err(MoreVpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let hashes = [self.include_unchecked(first)?, self.include_unchecked(second)?];
        self.withhold_next = true;
        Ok(hashes)
    }

    /// **Operator misbehaviour.** Withholds the data of child block `blknum` (which may not exist
    /// yet): [`Operator::published_block`] returns `None` for it.
    pub fn withhold(&mut self, blknum: BlockNumber) {
        self.withheld.insert(blknum);
    }

    /// **Operator misbehaviour.** Withholds the next block built ([`ChildChain::build_block`]) once
    /// the framework numbers it.
    pub const fn withhold_next_block(&mut self) {
        self.withhold_next = true;
    }

    /// Publishes, late, the data of the withheld block `blknum` (an operator back from an outage,
    /// or one that withheld a block for a while).
    pub fn publish_late(&mut self, blknum: BlockNumber) {
        self.withheld.remove(&blknum);
    }

    /// Whether block `blknum` is withheld.
    #[must_use]
    pub fn is_withheld(&self, blknum: BlockNumber) -> bool {
        self.withheld.contains(&blknum)
    }

    /// Records that an exit of `pos` started on the root chain (a standard exit, or a piggyback of
    /// an input or of an included output): the output can no longer be spent. Returns whether it
    /// was an unspent output.
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
    type Error = MoreVpError;

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
            return Err(MoreVpError::ZeroDeposit(deposit.blknum));
        }
        if self.deposits.contains_key(&deposit.blknum) || self.ledger.knows(&pos) {
            return Err(MoreVpError::DuplicateBlock(deposit.blknum));
        }
        let output = Output::new(deposit.depositor, deposit.amount);
        self.ledger.create(pos, output);
        self.deposits.insert(deposit.blknum, output);
        Ok(pos)
    }

    fn submit_tx(&mut self, tx: SignedTx) -> Result<B256> {
        if self.queue.is_full() {
            return Err(MoreVpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let prepared = self.prepare(&tx);
        self.admit(tx, prepared)
    }

    /// Seals the queue (possibly empty: root `EMPTY`) into a block awaiting its number and spends
    /// its inputs. Returns a copy of the block (cheap: the block shares its data).
    fn build_block(&mut self) -> Result<Block> {
        // The queue never exceeds a block; checked first so that a failure changes nothing.
        if self.queue.len() > MAX_TXS_PER_BLOCK {
            return Err(MoreVpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let Queue { txs, hashes, fees, inputs } = std::mem::take(&mut self.queue);
        let block = Block::from_hash_leaves(txs, hashes)?;
        for input in inputs {
            self.ledger.spend(input, None);
        }
        let withhold = std::mem::take(&mut self.withhold_next);
        self.awaiting.push_back(AwaitingBlock { block: block.clone(), fees, withhold });
        Ok(block)
    }

    /// Numbers the oldest awaiting block whose root is `event.root` and creates its outputs.
    /// Rejects a deposit block number, a number already used and a root no awaiting block has.
    fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> Result<()> {
        if !is_child_block(event.blknum) {
            return Err(MoreVpError::NotChildBlock(event.blknum));
        }
        if self.blocks.contains_key(&event.blknum) {
            return Err(MoreVpError::DuplicateBlock(event.blknum));
        }
        let index = self
            .awaiting
            .iter()
            .position(|a| a.block.root() == event.root)
            .ok_or(MoreVpError::UnknownRoot { blknum: event.blknum, root: event.root })?;
        // Positions first: nothing changes unless all of them are valid.
        let len = self.awaiting.get(index).map_or(0, |a| a.block.len()) as u64;
        let positions = (0..len).map(|txindex| UtxoPos::tx(event.blknum, txindex)).collect::<Result<Vec<_>>>()?;
        let Some(AwaitingBlock { block, fees, withhold }) = self.awaiting.remove(index) else {
            return Err(MoreVpError::UnknownRoot { blknum: event.blknum, root: event.root });
        };
        for ((tx, hash), pos) in block.txs().iter().zip(block.tx_hashes()).zip(positions) {
            self.ledger.apply_tx(tx, pos);
            self.tx_index.entry(*hash).or_insert(pos);
        }
        if withhold {
            self.withheld.insert(event.blknum);
        }
        self.fees = self.fees.saturating_add(fees);
        self.blocks.insert(event.blknum, ChildBlockRecord { blknum: event.blknum, timestamp: event.timestamp, block });
        Ok(())
    }

    /// Proof for transaction `key` (its index) of child block `blknum`, withheld or not.
    fn prove_inclusion(&self, blknum: BlockNumber, key: u64) -> Result<BinaryProof> {
        let record = self.blocks.get(&blknum).ok_or(MoreVpError::UnknownBlock(blknum))?;
        Ok(record.block.proof(key)?)
    }
}
