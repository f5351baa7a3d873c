//! The operator core MVP and MoreVP share: [`UtxoOperator`], the UTXO set, the queue of pending
//! transactions, the blocks awaiting their number, the numbered blocks and their proofs, deposits,
//! fees and the documented fault injection, generic over a design's [`UtxoDesign`] (its
//! transaction, ledger, validity rules, leaf and errors).
//!
//! Everything is monomorphized: the design is a zero-sized marker and every rule is a static call.
//! [`UtxoLedger`] is what the operator needs of a design's ledger; [`UtxoErrors`] the errors it
//! reports, which [`utxo_errors!`](crate::utxo_errors) implements for an error enum with the
//! usual variants.

use core::fmt;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use alloy_primitives::{Address, B256, U256};
use plasma_core::{
    BinaryProof, BlockNumber, BlockSubmittedEvent, Capabilities, ChildChain, DepositEvent, Domain, Timestamp,
    is_child_block,
};

use crate::{
    MvpError,
    position::{Position, PositionRules},
    tx::{MAX_TXS_PER_BLOCK, Output},
    utxo::{BlockTx, Inclusion, TxBlock},
};

/// What the operator needs of a design's ledger (the design's own `Ledger` implements it, with the
/// same meaning as its inherent methods of the same names).
pub trait UtxoLedger: Clone + fmt::Debug + PartialEq + Eq + Default + Send + Sync {
    /// The design's position rules.
    type Rules: PositionRules;
    /// The signed transaction.
    type Tx;
    /// What a successful full check returns.
    type Checked: Send;
    /// What a successful spend check returns.
    type Spend;
    /// Why a transaction is invalid.
    type Invalidity: Send;
    /// The unspent outputs.
    fn utxos(&self) -> &BTreeMap<Position<Self::Rules>, Output>;
    /// The unspent output at `pos`.
    fn get(&self, pos: &Position<Self::Rules>) -> Option<&Output>;
    /// Whether `pos` exists now or existed once.
    fn knows(&self, pos: &Position<Self::Rules>) -> bool;
    /// Records an output at `pos` (`false`, nothing changed, if `pos` is known).
    fn create(&mut self, pos: Position<Self::Rules>, output: Output) -> bool;
    /// Marks `pos` spent by the transaction at `by` (`None`: not numbered yet).
    fn spend(&mut self, pos: Position<Self::Rules>, by: Option<Position<Self::Rules>>);
    /// Marks `pos` as being exited; whether it was unspent.
    fn mark_exiting(&mut self, pos: Position<Self::Rules>) -> bool;
    /// The full validity check, the outputs for which `busy` holds counting as spent.
    fn check<B: Fn(&Position<Self::Rules>) -> bool>(
        &self,
        tx: &Self::Tx,
        tx_hash: B256,
        blknum: Option<BlockNumber>,
        busy: B,
    ) -> Result<Self::Checked, Self::Invalidity>;
    /// The checks that recover no signature, in the same order as [`UtxoLedger::check`].
    fn check_spend<B: Fn(&Position<Self::Rules>) -> bool>(
        &self,
        tx: &Self::Tx,
        blknum: Option<BlockNumber>,
        busy: B,
    ) -> Result<Self::Spend, Self::Invalidity>;
}

/// For a ledger `$ledger` whose [`UtxoSet`](crate::utxo_set::UtxoSet) is its field `$set` and
/// whose validity rules are its inherent `check_spend` (no signature recovered) and
/// `check_signatures`: `Deref` / `DerefMut` to the set, the inherent `new` and `check` (the two
/// halves in order), and [`UtxoLedger`](crate::chain::UtxoLedger) by the set (`utxos`, `get`,
/// `knows`, `create`, `mark_exiting`) and the ledger's `spend`, `check` and `check_spend`.
#[macro_export]
macro_rules! utxo_ledger {
    ($ledger:ty, $set:ident, $rules:ty, $tx:ty, $checked:ty, $spend:ty, $invalidity:ty) => {
        impl $ledger {
            /// An empty ledger.
            #[must_use]
            pub fn new() -> Self {
                Self::default()
            }

            /// Checks `tx` (whose hash under the deployment's domain is `tx_hash`) against the
            /// ledger, treating the outputs for which `busy` holds as already spent in the same
            /// block. `blknum` is the number of the block that includes `tx`, when known. Changes
            /// nothing.
            ///
            /// The whole rule set, in its order: `check_spend` (the cheap rules), then
            /// `check_signatures` (the signature recoveries). `busy` is only consulted by the
            /// first, so a transaction with a busy input is refused before any signature is
            /// recovered.
            pub fn check(
                &self,
                tx: &$tx,
                tx_hash: ::alloy_primitives::B256,
                blknum: Option<::plasma_core::BlockNumber>,
                busy: impl Fn(&$crate::position::Position<$rules>) -> bool,
            ) -> Result<$checked, $invalidity> {
                let $crate::utxo_set::Spend { inputs, fee } = self.check_spend(tx, blknum, busy)?;
                self.check_signatures(tx, tx_hash, &inputs)?;
                Ok($crate::utxo_set::CheckedTx { tx_hash, inputs, fee })
            }
        }

        impl ::core::ops::Deref for $ledger {
            type Target = $crate::utxo_set::UtxoSet<$rules>;

            fn deref(&self) -> &Self::Target {
                &self.$set
            }
        }

        impl ::core::ops::DerefMut for $ledger {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.$set
            }
        }

        impl $crate::chain::UtxoLedger for $ledger {
            type Rules = $rules;
            type Tx = $tx;
            type Checked = $checked;
            type Spend = $spend;
            type Invalidity = $invalidity;
            fn utxos(&self) -> &::std::collections::BTreeMap<$crate::position::Position<$rules>, $crate::Output> {
                ::core::ops::Deref::deref(self).utxos()
            }
            fn get(&self, pos: &$crate::position::Position<$rules>) -> Option<&$crate::Output> {
                ::core::ops::Deref::deref(self).get(pos)
            }
            fn knows(&self, pos: &$crate::position::Position<$rules>) -> bool {
                ::core::ops::Deref::deref(self).knows(pos)
            }
            fn create(&mut self, pos: $crate::position::Position<$rules>, output: $crate::Output) -> bool {
                ::core::ops::DerefMut::deref_mut(self).create(pos, output)
            }
            fn spend(
                &mut self,
                pos: $crate::position::Position<$rules>,
                by: Option<$crate::position::Position<$rules>>,
            ) {
                <$ledger>::spend(self, pos, by);
            }
            fn mark_exiting(&mut self, pos: $crate::position::Position<$rules>) -> bool {
                ::core::ops::DerefMut::deref_mut(self).mark_exiting(pos)
            }
            fn check<B: Fn(&$crate::position::Position<$rules>) -> bool>(
                &self,
                tx: &$tx,
                tx_hash: ::alloy_primitives::B256,
                blknum: Option<::plasma_core::BlockNumber>,
                busy: B,
            ) -> Result<$checked, $invalidity> {
                <$ledger>::check(self, tx, tx_hash, blknum, busy)
            }
            fn check_spend<B: Fn(&$crate::position::Position<$rules>) -> bool>(
                &self,
                tx: &$tx,
                blknum: Option<::plasma_core::BlockNumber>,
                busy: B,
            ) -> Result<$spend, $invalidity> {
                <$ledger>::check_spend(self, tx, blknum, busy)
            }
        }
    };
}

/// The errors the operator core reports, as the design's error type spells them.
pub trait UtxoErrors {
    /// The pending block already holds `capacity` transactions.
    fn block_full(capacity: usize) -> Self;
    /// No block with this number is known.
    fn unknown_block(blknum: BlockNumber) -> Self;
    /// Block `blknum` has no transaction `txindex`.
    fn tx_index_out_of_range(blknum: BlockNumber, txindex: u64) -> Self;
    /// A deposit of zero wei.
    fn zero_deposit(blknum: BlockNumber) -> Self;
    /// A block with this number was already recorded.
    fn duplicate_block(blknum: BlockNumber) -> Self;
    /// A child-block number was expected.
    fn not_child_block(blknum: BlockNumber) -> Self;
    /// A submitted root matches no awaiting block.
    fn unknown_root(blknum: BlockNumber, root: B256) -> Self;
}

/// Implements [`UtxoErrors`](crate::chain::UtxoErrors) for an error enum with the variants
/// `BlockFull { capacity }`, `UnknownBlock(_)`, `TxIndexOutOfRange { blknum, txindex }`,
/// `ZeroDeposit(_)`, `DuplicateBlock(_)`, `NotChildBlock(_)` and `UnknownRoot { blknum, root }`.
#[macro_export]
macro_rules! utxo_errors {
    ($error:ty) => {
        impl $crate::chain::UtxoErrors for $error {
            fn block_full(capacity: usize) -> Self {
                Self::BlockFull { capacity }
            }
            fn unknown_block(blknum: ::plasma_core::BlockNumber) -> Self {
                Self::UnknownBlock(blknum)
            }
            fn tx_index_out_of_range(blknum: ::plasma_core::BlockNumber, txindex: u64) -> Self {
                Self::TxIndexOutOfRange { blknum, txindex }
            }
            fn zero_deposit(blknum: ::plasma_core::BlockNumber) -> Self {
                Self::ZeroDeposit(blknum)
            }
            fn duplicate_block(blknum: ::plasma_core::BlockNumber) -> Self {
                Self::DuplicateBlock(blknum)
            }
            fn not_child_block(blknum: ::plasma_core::BlockNumber) -> Self {
                Self::NotChildBlock(blknum)
            }
            fn unknown_root(blknum: ::plasma_core::BlockNumber, root: ::alloy_primitives::B256) -> Self {
                Self::UnknownRoot { blknum, root }
            }
        }
    };
}

/// A design's rules, as the operator core applies them.
pub trait UtxoDesign: Clone + fmt::Debug + PartialEq + Eq + Default + 'static {
    /// The signed transaction.
    type Tx: BlockTx + Clone + fmt::Debug + PartialEq + Eq;
    /// The design's position rules.
    type Rules: PositionRules<Error = Self::Error>;
    /// The ledger and validity rules.
    type Ledger: UtxoLedger<Rules = Self::Rules, Tx = Self::Tx>;
    /// The design's error.
    type Error: UtxoErrors
        + From<MvpError>
        + From<<Self::Ledger as UtxoLedger>::Invalidity>
        + std::error::Error
        + Send
        + Sync
        + 'static;
    /// What the design supports.
    const CAPABILITIES: Capabilities;
    /// Whether a leaf is the transaction hash itself (no leaf values kept apart).
    const HASH_LEAVES: bool;
    /// The inputs a checked transaction spends, and the fee it leaves.
    fn checked(checked: &<Self::Ledger as UtxoLedger>::Checked) -> (impl Iterator<Item = Position<Self::Rules>>, U256);
    /// The positions of `tx`'s inputs that decode, whatever else is wrong with it.
    fn inputs(tx: &Self::Tx) -> impl Iterator<Item = Position<Self::Rules>>;
    /// Applies `tx` (hash `tx_hash`, in the block of root `root` under `domain`) at `tx_pos`:
    /// spends its inputs, creates its outputs, no check.
    fn apply(
        ledger: &mut Self::Ledger,
        tx: &Self::Tx,
        tx_pos: Position<Self::Rules>,
        tx_hash: B256,
        domain: &Domain,
        root: B256,
    );
}

/// The transactions waiting for the next block, laid out as the block holds them: sealing the
/// block moves these vectors, it does not copy them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Queue<D: UtxoDesign> {
    txs: Vec<D::Tx>,
    hashes: Vec<B256>,
    /// Leaf values, computed once at submission (empty where the leaves are the hashes).
    leaves: Vec<B256>,
    /// Sum of the fees of the checked transactions (an unchecked one adds none), saturating.
    fees: U256,
    /// The inputs the queued transactions spend.
    inputs: BTreeSet<Position<D::Rules>>,
}

impl<D: UtxoDesign> Default for Queue<D> {
    fn default() -> Self {
        Self { txs: Vec::new(), hashes: Vec::new(), leaves: Vec::new(), fees: U256::ZERO, inputs: BTreeSet::new() }
    }
}

impl<D: UtxoDesign> Queue<D> {
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
        if !D::HASH_LEAVES {
            self.leaves.reserve(additional);
        }
    }

    fn push(&mut self, tx: D::Tx, hash: B256, leaf: B256, fee: U256) {
        self.txs.push(tx);
        self.hashes.push(hash);
        if !D::HASH_LEAVES {
            self.leaves.push(leaf);
        }
        self.fees = self.fees.saturating_add(fee);
    }
}

/// What the read-only part of a submission found out about one transaction: everything that does
/// not depend on the other transactions of the same batch.
struct Prepared<D: UtxoDesign> {
    hash: B256,
    /// The leaf value, for an accepted transaction of a design whose leaves are not the hashes
    /// (`B256::ZERO` otherwise: never used).
    leaf: B256,
    /// The verdict of the ledger's check against the ledger and the queue as they were.
    verdict: Result<<D::Ledger as UtxoLedger>::Checked, <D::Ledger as UtxoLedger>::Invalidity>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct AwaitingBlock<T> {
    block: TxBlock<T>,
    fees: U256,
    withhold: bool,
}

/// A child block with the number and time the framework gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildBlockRecord<T> {
    /// The block number.
    pub blknum: BlockNumber,
    /// Root-chain time of the submission.
    pub timestamp: Timestamp,
    /// The block.
    pub block: TxBlock<T>,
}

/// The operator's child chain, for design `D`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UtxoOperator<D: UtxoDesign> {
    domain: Domain,
    ledger: D::Ledger,
    deposits: BTreeMap<BlockNumber, Output>,
    queue: Queue<D>,
    awaiting: VecDeque<AwaitingBlock<D::Tx>>,
    blocks: BTreeMap<BlockNumber, ChildBlockRecord<D::Tx>>,
    tx_index: HashMap<B256, Position<D::Rules>>,
    withheld: BTreeSet<BlockNumber>,
    withhold_next: bool,
    fees: U256,
}

impl<D: UtxoDesign> UtxoOperator<D> {
    /// An operator with no state, for the framework deployment `domain`.
    #[must_use]
    pub fn new(domain: Domain) -> Self {
        Self {
            domain,
            ledger: D::Ledger::default(),
            deposits: BTreeMap::new(),
            queue: Queue::default(),
            awaiting: VecDeque::new(),
            blocks: BTreeMap::new(),
            tx_index: HashMap::new(),
            withheld: BTreeSet::new(),
            withhold_next: false,
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
    pub const fn ledger(&self) -> &D::Ledger {
        &self.ledger
    }

    /// The unspent outputs.
    #[must_use]
    pub fn utxos(&self) -> &BTreeMap<Position<D::Rules>, Output> {
        self.ledger.utxos()
    }

    /// The unspent output at `pos`.
    #[must_use]
    pub fn utxo(&self, pos: &Position<D::Rules>) -> Option<&Output> {
        self.ledger.get(pos)
    }

    /// The unspent outputs of `owner`, by position.
    #[must_use]
    pub fn utxos_of(&self, owner: Address) -> Vec<(Position<D::Rules>, Output)> {
        self.ledger.utxos().iter().filter(|(_, o)| o.owner == owner).map(|(p, o)| (*p, *o)).collect()
    }

    /// The deposit recorded for deposit block `blknum`.
    #[must_use]
    pub fn deposit(&self, blknum: BlockNumber) -> Option<&Output> {
        self.deposits.get(&blknum)
    }

    /// The queued transactions, in the order they will take in the next block.
    pub fn pending(&self) -> impl Iterator<Item = &D::Tx> {
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
    pub fn block(&self, blknum: BlockNumber) -> Option<&ChildBlockRecord<D::Tx>> {
        self.blocks.get(&blknum)
    }

    /// The numbered child blocks, in order.
    pub fn block_records(&self) -> impl DoubleEndedIterator<Item = &ChildBlockRecord<D::Tx>> {
        self.blocks.values()
    }

    /// Numbers of the known child blocks, in order.
    pub fn child_blocks(&self) -> impl Iterator<Item = BlockNumber> + '_ {
        self.blocks.keys().copied()
    }

    /// The data of block `blknum` as published to users: `None` for an unknown or withheld block.
    #[must_use]
    pub fn published_block(&self, blknum: BlockNumber) -> Option<&TxBlock<D::Tx>> {
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
    pub fn inclusion_at(&self, blknum: BlockNumber, txindex: u64) -> Result<Inclusion, D::Error> {
        let record = self.blocks.get(&blknum).ok_or_else(|| D::Error::unknown_block(blknum))?;
        let index = u16::try_from(txindex)
            .ok()
            .filter(|i| usize::from(*i) < record.block.len())
            .ok_or_else(|| D::Error::tx_index_out_of_range(blknum, txindex))?;
        Ok(Inclusion { blknum, txindex: index, root: record.block.root(), proof: record.block.proof(txindex)? })
    }

    /// Fees of the checked transactions of every block numbered so far (`Σ inputs − Σ outputs`).
    #[must_use]
    pub const fn collected_fees(&self) -> U256 {
        self.fees
    }

    /// Checks `tx` as [`ChildChain::submit_tx`] would, without queuing it; returns its hash.
    pub fn check_tx(&self, tx: &D::Tx) -> Result<B256, D::Error> {
        if self.queue.is_full() {
            return Err(D::Error::block_full(MAX_TXS_PER_BLOCK));
        }
        let Prepared { hash, verdict, .. } = self.prepare(tx);
        verdict?;
        Ok(hash)
    }

    /// Submits `txs` in order: the results, and the state after, are exactly those of calling
    /// [`ChildChain::submit_tx`] on each in turn (a transaction spending an input that an earlier
    /// one of the batch queued is refused as a pending input, the block capacity is the same, a
    /// refused transaction changes nothing).
    ///
    /// The work that does not depend on the other transactions of the batch (transaction hash,
    /// leaf value, ledger lookups, the recovery of every signature: the whole of the ledger's
    /// check against the queue as it was) runs on [`std::thread::available_parallelism`] threads
    /// (`plasma_core::par::map`); a short sequential pass then settles the conflicts inside the
    /// batch and queues. Each signature is recovered once.
    pub fn submit_batch(&mut self, txs: Vec<D::Tx>) -> Vec<Result<B256, D::Error>> {
        let prepared = plasma_core::par::map(&txs, |tx| self.prepare(tx));
        self.queue.reserve(txs.len());
        txs.into_iter().zip(prepared).map(|(tx, prepared)| self.admit(tx, prepared)).collect()
    }

    /// The read-only part of a submission: hash, verdict of the ledger's check against the ledger
    /// and the current queue, and the leaf of an accepted transaction.
    fn prepare(&self, tx: &D::Tx) -> Prepared<D> {
        let hash = tx.tx_hash(&self.domain);
        let verdict = self.ledger.check(tx, hash, None, |p| self.queue.inputs.contains(p));
        let leaf = if !D::HASH_LEAVES && verdict.is_ok() { tx.leaf_with_hash(hash) } else { B256::ZERO };
        Prepared { hash, leaf, verdict }
    }

    /// The sequential part of a submission: capacity, then the queue as it is now, then queuing.
    ///
    /// `prepared` was computed against an older queue, which differs from the current one only by
    /// inputs queued since. If none of `tx`'s inputs is queued now, every rule answers as it did,
    /// so the verdict stands. Otherwise the ledger's spend check with the current queue refuses it
    /// or repeats the verdict's own refusal (a busy input is refused before any signature is
    /// recovered, and both apply the rules in the same order), so the error is the one the full
    /// check would give.
    fn admit(&mut self, tx: D::Tx, prepared: Prepared<D>) -> Result<B256, D::Error> {
        if self.queue.is_full() {
            return Err(D::Error::block_full(MAX_TXS_PER_BLOCK));
        }
        let Prepared { hash, leaf, verdict } = prepared;
        let busy = |p: &Position<D::Rules>| self.queue.inputs.contains(p);
        // A checked transaction's inputs are decoded already; only a refused one is decoded again.
        let queued = match &verdict {
            Ok(checked) => D::checked(checked).0.any(|p| busy(&p)),
            Err(_) => D::inputs(&tx).any(|p| busy(&p)),
        };
        let verdict = if queued { self.ledger.check_spend(&tx, None, busy).and(verdict) } else { verdict };
        let checked = verdict?;
        let (inputs, fee) = D::checked(&checked);
        self.queue.inputs.extend(inputs);
        self.queue.push(tx, hash, leaf, fee);
        Ok(hash)
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.** Queues `tx` for the next
    /// block without any validity check. Its inputs are spent and its outputs created like those
    /// of any other transaction. Fails only when the block is full.
    pub fn include_unchecked(&mut self, tx: D::Tx) -> Result<B256, D::Error> {
        if self.queue.is_full() {
            return Err(D::Error::block_full(MAX_TXS_PER_BLOCK));
        }
        let hash = tx.tx_hash(&self.domain);
        self.queue.inputs.extend(D::inputs(&tx));
        let leaf = if D::HASH_LEAVES { B256::ZERO } else { tx.leaf_with_hash(hash) };
        self.queue.push(tx, hash, leaf, U256::ZERO);
        Ok(hash)
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.**
    /// [`UtxoOperator::include_unchecked`], but ahead of every queued transaction: the forgery
    /// takes index 0 of the next block.
    pub fn include_unchecked_first(&mut self, tx: D::Tx) -> Result<B256, D::Error> {
        let hash = self.include_unchecked(tx)?;
        let queue = &mut self.queue;
        queue.txs.rotate_right(1);
        queue.hashes.rotate_right(1);
        queue.leaves.rotate_right(1);
        Ok(hash)
    }

    /// **Operator misbehaviour.** Withholds the data of child block `blknum` (which may not exist
    /// yet): [`UtxoOperator::published_block`] returns `None` for it.
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

    /// Records that an exit of `pos` started on the root chain: the output can no longer be spent.
    /// Returns whether it was an unspent output.
    ///
    /// A queued transaction that spends `pos` is dropped (the others stay queued, in order): the
    /// next block is committed after the exit started, so users' watchers would find the spend
    /// invalid.
    pub fn on_exit_started(&mut self, pos: Position<D::Rules>) -> bool {
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

impl<D: UtxoDesign> ChildChain for UtxoOperator<D> {
    type Tx = D::Tx;
    type Block = TxBlock<D::Tx>;
    type Proof = BinaryProof;
    type StateId = Position<D::Rules>;
    type Error = D::Error;

    fn has_deposit(&self, blknum: BlockNumber) -> bool {
        self.deposits.contains_key(&blknum)
    }

    fn has_block(&self, blknum: BlockNumber) -> bool {
        self.blocks.contains_key(&blknum)
    }

    fn capabilities(&self) -> Capabilities {
        D::CAPABILITIES
    }

    /// Creates output `blknum * 1e9` for the depositor. Rejects a child block number, a zero
    /// amount and a block already recorded.
    fn apply_deposit(&mut self, deposit: &DepositEvent) -> Result<Position<D::Rules>, D::Error> {
        let pos = Position::deposit(deposit.blknum)?;
        if deposit.amount.is_zero() {
            return Err(D::Error::zero_deposit(deposit.blknum));
        }
        if self.deposits.contains_key(&deposit.blknum) || self.ledger.knows(&pos) {
            return Err(D::Error::duplicate_block(deposit.blknum));
        }
        let output = Output::new(deposit.depositor, deposit.amount);
        self.ledger.create(pos, output);
        self.deposits.insert(deposit.blknum, output);
        Ok(pos)
    }

    fn submit_tx(&mut self, tx: D::Tx) -> Result<B256, D::Error> {
        if self.queue.is_full() {
            return Err(D::Error::block_full(MAX_TXS_PER_BLOCK));
        }
        let prepared = self.prepare(&tx);
        self.admit(tx, prepared)
    }

    /// Seals the queue (possibly empty: root `EMPTY`) into a block awaiting its number and spends
    /// its inputs. Returns a copy of the block (cheap: the block shares its data).
    fn build_block(&mut self) -> Result<TxBlock<D::Tx>, D::Error> {
        // The queue never exceeds a block; checked first so that a failure changes nothing.
        if self.queue.len() > MAX_TXS_PER_BLOCK {
            return Err(D::Error::block_full(MAX_TXS_PER_BLOCK));
        }
        let Queue { txs, hashes, leaves, fees, inputs } = std::mem::take(&mut self.queue);
        let block = if D::HASH_LEAVES {
            TxBlock::from_hash_leaves(txs, hashes)?
        } else {
            TxBlock::from_leaves(txs, hashes, &leaves)?
        };
        for input in inputs {
            self.ledger.spend(input, None);
        }
        let withhold = std::mem::take(&mut self.withhold_next);
        self.awaiting.push_back(AwaitingBlock { block: block.clone(), fees, withhold });
        Ok(block)
    }

    /// Numbers the oldest awaiting block whose root is `event.root` and creates its outputs.
    /// Rejects a deposit block number, a number already used and a root no awaiting block has.
    fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> Result<(), D::Error> {
        if !is_child_block(event.blknum) {
            return Err(D::Error::not_child_block(event.blknum));
        }
        if self.blocks.contains_key(&event.blknum) {
            return Err(D::Error::duplicate_block(event.blknum));
        }
        let unknown_root = || D::Error::unknown_root(event.blknum, event.root);
        let index = self.awaiting.iter().position(|a| a.block.root() == event.root).ok_or_else(unknown_root)?;
        // Positions first: nothing changes unless all of them are valid.
        let len = self.awaiting.get(index).map_or(0, |a| a.block.len()) as u64;
        let positions = (0..len).map(|txindex| Position::tx(event.blknum, txindex)).collect::<Result<Vec<_>, _>>()?;
        let Some(AwaitingBlock { block, fees, withhold }) = self.awaiting.remove(index) else {
            return Err(unknown_root());
        };
        let root = block.root();
        for ((tx, hash), pos) in block.txs().iter().zip(block.tx_hashes()).zip(positions) {
            D::apply(&mut self.ledger, tx, pos, *hash, &self.domain, root);
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
    fn prove_inclusion(&self, blknum: BlockNumber, key: u64) -> Result<BinaryProof, D::Error> {
        let record = self.blocks.get(&blknum).ok_or_else(|| D::Error::unknown_block(blknum))?;
        Ok(record.block.proof(key)?)
    }
}
