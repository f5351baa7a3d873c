//! The Plasma Cash operator: coins, pending transactions, blocks and proofs ([`ChildChain`]).
//!
//! Life of a coin and its transactions:
//!
//! 1. [`ChildChain::apply_deposit`] mints coin `depositBlknum` of the deposit's amount, owned by
//!    the depositor, last moved at its own id.
//! 2. [`ChildChain::submit_tx`] checks a transaction (`docs/cash.md`, "Validity"): the new owner is
//!    not zero; the coin exists, is not being exited and did not move in a block still waiting for
//!    its number; the pending block holds no other transaction of it; `prevBlock` is the block
//!    where it last moved; the signature recovers to its owner. A rejected transaction changes
//!    nothing. [`Operator::submit_batch`] does the same for many transactions, with the same
//!    results, recovering the signatures on every core.
//! 3. [`ChildChain::build_block`] seals the queue into a [`CashBlock`] (one leaf per coin) that waits
//!    for its number; its coins are *in flight* until then.
//! 4. [`ChildChain::on_block_submitted`] numbers the oldest waiting block with that root and moves
//!    its coins: owner = `newOwner`, last moved = the block number.
//!
//! The operator serves, for any committed block that is not withheld, the block data
//! ([`Operator::published_block`]: the signed transactions) and each coin's history entry
//! ([`Operator::coin_entry`]: the transaction and its inclusion proof, or an exclusion proof), from
//! which clients extend their histories.
//!
//! # Operator misbehaviour (fault injection)
//!
//! These `pub` methods exist only so that scenarios can model a malicious operator; an honest
//! operator never calls them:
//!
//! - [`Operator::include_unchecked`] queues any transaction without checks (one the owner never
//!   signed, a second spend signed by a cheating owner, a wrong `prevBlock`): the tree only forbids
//!   two transactions of one coin in one block. Its move is applied like any other's.
//! - [`Operator::withhold_next`] / [`Operator::withhold`]: the root of the block is submitted, but
//!   its data and every proof in it are refused ([`CashError::Withheld`]). The operator keeps its
//!   private copy ([`Operator::block`]) to build exits and answers from.
//! - [`Operator::hold_back`] takes a checked transaction out of the queue, so that the operator can
//!   place it later, in whichever (withheld) block it chooses, with `include_unchecked`: building
//!   withheld blocks in a chosen order, as the rearrangement attack of `docs/cash.md` does.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use alloy_primitives::{Address, B256};
use plasma_core::{
    BlockNumber, BlockSubmittedEvent, Capabilities, ChildChain, DepositEvent, Domain, SparseProof, Timestamp,
    is_child_block, is_deposit_block,
};
use serde::{Deserialize, Serialize};

use crate::{
    block::CashBlock,
    error::{CashError, Invalidity, Result},
    history::{DepositRecord, Entry, Tip, check_move},
    tx::SignedCashTx,
};

/// What Plasma Cash supports: exclusion proofs, nothing else.
pub const CAPABILITIES: Capabilities = Capabilities { exclusion_proofs: true, ..Capabilities::NONE };

/// The operator's view of one coin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Coin {
    /// Its deposit record (id, depositor, denomination).
    pub deposit: DepositRecord,
    /// The current owner.
    pub owner: Address,
    /// The block where it last moved (its id until the first move).
    pub last_moved: BlockNumber,
    /// Whether an exit of it started on the root chain.
    pub exiting: bool,
}

/// A child block with the number and time the framework gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockRecord {
    /// The block number.
    pub blknum: BlockNumber,
    /// Root-chain time of the submission.
    pub timestamp: Timestamp,
    /// The block.
    pub block: CashBlock,
}

/// What the read-only part of a submission found out about one transaction.
struct Prepared {
    hash: B256,
    /// Rules that do not depend on the queue (zero owner, coin known, not exiting, not in flight).
    standing: core::result::Result<(), Invalidity>,
    /// `prevBlock` and signature.
    authorised: core::result::Result<(), Invalidity>,
}

/// The operator's child chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    domain: Domain,
    coins: BTreeMap<u64, Coin>,
    queue: BTreeMap<u64, (SignedCashTx, B256)>,
    in_flight: BTreeSet<u64>,
    awaiting: VecDeque<CashBlock>,
    blocks: BTreeMap<BlockNumber, BlockRecord>,
    withheld: BTreeSet<BlockNumber>,
    withhold_next: bool,
}

impl Operator {
    /// An operator with no state, for the framework deployment `domain`.
    #[must_use]
    pub const fn new(domain: Domain) -> Self {
        Self {
            domain,
            coins: BTreeMap::new(),
            queue: BTreeMap::new(),
            in_flight: BTreeSet::new(),
            awaiting: VecDeque::new(),
            blocks: BTreeMap::new(),
            withheld: BTreeSet::new(),
            withhold_next: false,
        }
    }

    /// The EIP-712 domain transactions are signed under.
    #[must_use]
    pub const fn domain(&self) -> &Domain {
        &self.domain
    }

    /// Every coin minted.
    #[must_use]
    pub const fn coins(&self) -> &BTreeMap<u64, Coin> {
        &self.coins
    }

    /// Coin `coin_id`.
    #[must_use]
    pub fn coin(&self, coin_id: u64) -> Option<&Coin> {
        self.coins.get(&coin_id)
    }

    /// The coins `owner` holds, by id.
    #[must_use]
    pub fn coins_of(&self, owner: Address) -> Vec<u64> {
        self.coins.iter().filter(|(_, c)| c.owner == owner).map(|(id, _)| *id).collect()
    }

    /// The queued transactions, by coin id.
    pub fn pending(&self) -> impl Iterator<Item = &SignedCashTx> {
        self.queue.values().map(|(tx, _)| tx)
    }

    /// Number of queued transactions.
    #[must_use]
    pub fn pending_len(&self) -> usize {
        self.queue.len()
    }

    /// Roots of the built blocks still waiting for their number, oldest first.
    #[must_use]
    pub fn awaiting_roots(&self) -> Vec<B256> {
        self.awaiting.iter().map(CashBlock::root).collect()
    }

    /// A numbered child block as the operator knows it, withheld or not.
    #[must_use]
    pub fn block(&self, blknum: BlockNumber) -> Option<&BlockRecord> {
        self.blocks.get(&blknum)
    }

    /// Numbers of the known child blocks, in order.
    pub fn child_blocks(&self) -> impl Iterator<Item = BlockNumber> + '_ {
        self.blocks.keys().copied()
    }

    /// The data of block `blknum` as published to users: [`CashError::Withheld`] for a withheld
    /// block, [`CashError::UnknownBlock`] for one the operator never numbered.
    pub fn published_block(&self, blknum: BlockNumber) -> Result<&CashBlock> {
        let record = self.blocks.get(&blknum).ok_or(CashError::UnknownBlock(blknum))?;
        if self.withheld.contains(&blknum) {
            return Err(CashError::Withheld(blknum));
        }
        Ok(&record.block)
    }

    /// The history entry of `coin_id` for block `blknum`: `Moved` (transaction and inclusion proof)
    /// or `Stayed` (exclusion proof). Refused for a withheld block, like the block's data.
    pub fn coin_entry(&self, blknum: BlockNumber, coin_id: u64) -> Result<Entry<SignedCashTx>> {
        Ok(self.published_block(blknum)?.entry(coin_id))
    }

    /// Checks `tx` as [`ChildChain::submit_tx`] would, without queuing it; returns its hash.
    pub fn check_tx(&self, tx: &SignedCashTx) -> Result<B256> {
        let Prepared { hash, standing, authorised } = self.prepare(tx);
        standing?;
        self.check_not_pending(tx)?;
        authorised?;
        Ok(hash)
    }

    /// Submits `txs` in order: the results, and the state after, are exactly those of calling
    /// [`ChildChain::submit_tx`] on each in turn (a second transaction of a coin in the batch is
    /// refused with [`Invalidity::PendingCoin`], a refused transaction changes nothing).
    ///
    /// The work that does not depend on the other transactions of the batch (hash, coin lookups,
    /// `prevBlock`, signature recovery) runs on [`std::thread::available_parallelism`] threads; a
    /// short sequential pass then refuses second transactions of a coin and queues the rest.
    pub fn submit_batch(&mut self, txs: Vec<SignedCashTx>) -> Vec<Result<B256>> {
        let prepared = plasma_core::par::map(&txs, |tx| self.prepare(tx));
        txs.into_iter().zip(prepared).map(|(tx, prepared)| self.admit(tx, prepared)).collect()
    }

    /// The read-only part of a submission.
    fn prepare(&self, tx: &SignedCashTx) -> Prepared {
        let hash = tx.tx_hash(&self.domain);
        let standing = self.standing(tx);
        let authorised = match (&standing, self.coins.get(&tx.tx.coinId)) {
            (Ok(()), Some(coin)) => {
                let tip = Tip { owner: coin.owner, last_moved: coin.last_moved };
                check_move(&self.domain, tx, coin.deposit.coin_id, tip)
            }
            _ => Ok(()),
        };
        Prepared { hash, standing, authorised }
    }

    /// The rules that do not depend on the queue, in the order [`ChildChain::submit_tx`] applies them.
    fn standing(&self, tx: &SignedCashTx) -> core::result::Result<(), Invalidity> {
        let coin_id = tx.tx.coinId;
        if tx.tx.newOwner.is_zero() {
            return Err(Invalidity::ZeroNewOwner);
        }
        let coin = self.coins.get(&coin_id).ok_or(Invalidity::UnknownCoin(coin_id))?;
        if coin.exiting {
            return Err(Invalidity::ExitingCoin(coin_id));
        }
        if self.in_flight.contains(&coin_id) {
            return Err(Invalidity::CoinInFlight(coin_id));
        }
        Ok(())
    }

    fn check_not_pending(&self, tx: &SignedCashTx) -> Result<(), Invalidity> {
        if self.queue.contains_key(&tx.tx.coinId) {
            return Err(Invalidity::PendingCoin(tx.tx.coinId));
        }
        Ok(())
    }

    /// The sequential part of a submission: standing rules, then the queue as it is now, then
    /// `prevBlock` and signature, then queuing.
    fn admit(&mut self, tx: SignedCashTx, prepared: Prepared) -> Result<B256> {
        let Prepared { hash, standing, authorised } = prepared;
        standing?;
        self.check_not_pending(&tx)?;
        authorised?;
        self.queue.insert(tx.tx.coinId, (tx, hash));
        Ok(hash)
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.** Queues `tx` for the next
    /// block without any validity check (forged signature, double spend, wrong `prevBlock`, unknown
    /// coin). Fails only with [`CashError::DuplicateCoin`] when the pending block already moves the
    /// coin: one leaf per coin. When its block is numbered, the coin (if it exists) moves to
    /// `newOwner` like with any other transaction.
    pub fn include_unchecked(&mut self, tx: SignedCashTx) -> Result<B256> {
        if self.queue.contains_key(&tx.tx.coinId) {
            return Err(CashError::DuplicateCoin(tx.tx.coinId));
        }
        let hash = tx.tx_hash(&self.domain);
        self.queue.insert(tx.tx.coinId, (tx, hash));
        Ok(hash)
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.** Takes the queued transaction
    /// of `coin_id` out of the pending block and returns it, so that the operator can place it in a
    /// later block of its choice with [`Operator::include_unchecked`].
    pub fn hold_back(&mut self, coin_id: u64) -> Option<SignedCashTx> {
        self.queue.remove(&coin_id).map(|(tx, _)| tx)
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.** Withholds the next block
    /// numbered by [`ChildChain::on_block_submitted`]: its root is on the root chain, its data and
    /// proofs are refused.
    pub fn withhold_next(&mut self) {
        self.withhold_next = true;
    }

    /// **Operator misbehaviour, for fault-injection scenarios only.** Withholds child block
    /// `blknum` (which may not exist yet).
    pub fn withhold(&mut self, blknum: BlockNumber) {
        self.withheld.insert(blknum);
    }

    /// Whether block `blknum` is withheld.
    #[must_use]
    pub fn is_withheld(&self, blknum: BlockNumber) -> bool {
        self.withheld.contains(&blknum)
    }

    /// Records that an exit of `coin_id` started on the root chain: the coin can no longer be
    /// spent. Returns whether the coin exists.
    pub fn on_exit_started(&mut self, coin_id: u64) -> bool {
        self.coins.get_mut(&coin_id).map(|coin| coin.exiting = true).is_some()
    }

    /// Records that the exit of `coin_id` ended: a cancelled exit makes the coin spendable again,
    /// a paid one removes it. Returns whether the coin existed.
    pub fn on_exit_ended(&mut self, coin_id: u64, paid: bool) -> bool {
        if paid {
            return self.coins.remove(&coin_id).is_some();
        }
        self.coins.get_mut(&coin_id).map(|coin| coin.exiting = false).is_some()
    }
}

impl ChildChain for Operator {
    type Tx = SignedCashTx;
    type Block = CashBlock;
    type Proof = SparseProof;
    type StateId = u64;
    type Error = CashError;

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// Mints coin `blknum` for the depositor. Rejects a child block number, a zero amount and a
    /// coin already minted.
    fn apply_deposit(&mut self, deposit: &DepositEvent) -> Result<u64> {
        let coin_id = deposit.blknum;
        if coin_id == 0 || !is_deposit_block(coin_id) {
            return Err(CashError::NotDepositBlock(coin_id));
        }
        if deposit.amount.is_zero() {
            return Err(CashError::ZeroDeposit(coin_id));
        }
        if self.coins.contains_key(&coin_id) {
            return Err(CashError::DuplicateBlock(coin_id));
        }
        let record = DepositRecord::new(coin_id, deposit.depositor, deposit.amount);
        let coin = Coin { deposit: record, owner: deposit.depositor, last_moved: coin_id, exiting: false };
        self.coins.insert(coin_id, coin);
        Ok(coin_id)
    }

    fn submit_tx(&mut self, tx: SignedCashTx) -> Result<B256> {
        let prepared = self.prepare(&tx);
        self.admit(tx, prepared)
    }

    /// Seals the queue (possibly empty: root `EMPTY`) into a block waiting for its number; its
    /// coins are in flight until then. Returns a copy of the block (cheap: the block shares its
    /// data).
    fn build_block(&mut self) -> Result<CashBlock> {
        let block = CashBlock::from_hashed(self.queue.values().copied().collect())?;
        self.in_flight.extend(self.queue.keys().copied());
        self.queue.clear();
        self.awaiting.push_back(block.clone());
        Ok(block)
    }

    /// Numbers the oldest waiting block whose root is `event.root` and moves its coins. Rejects a
    /// deposit block number, a number already used and a root no waiting block has.
    fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> Result<()> {
        if !is_child_block(event.blknum) {
            return Err(CashError::NotChildBlock(event.blknum));
        }
        if self.blocks.contains_key(&event.blknum) {
            return Err(CashError::DuplicateBlock(event.blknum));
        }
        let index = self
            .awaiting
            .iter()
            .position(|block| block.root() == event.root)
            .ok_or(CashError::UnknownRoot { blknum: event.blknum, root: event.root })?;
        let Some(block) = self.awaiting.remove(index) else {
            return Err(CashError::UnknownRoot { blknum: event.blknum, root: event.root });
        };
        for tx in block.txs() {
            let coin_id = tx.tx.coinId;
            if let Some(coin) = self.coins.get_mut(&coin_id) {
                coin.owner = tx.tx.newOwner;
                coin.last_moved = event.blknum;
            }
            if !self.awaiting.iter().any(|waiting| waiting.moves(coin_id)) {
                self.in_flight.remove(&coin_id);
            }
        }
        if std::mem::take(&mut self.withhold_next) {
            self.withheld.insert(event.blknum);
        }
        self.blocks.insert(event.blknum, BlockRecord { blknum: event.blknum, timestamp: event.timestamp, block });
        Ok(())
    }

    /// Inclusion proof of coin `key`'s transaction in child block `blknum`; refused for a withheld
    /// block and, with [`CashError::NotIncluded`], when the coin did not move there.
    fn prove_inclusion(&self, blknum: BlockNumber, key: u64) -> Result<SparseProof> {
        self.published_block(blknum)?.inclusion_proof(key, blknum)
    }

    /// Exclusion proof of coin `key` in child block `blknum`; refused for a withheld block and,
    /// with [`CashError::NotExcluded`], when the coin moved there.
    fn prove_exclusion(&self, blknum: BlockNumber, key: u64) -> Result<Option<SparseProof>> {
        self.published_block(blknum)?.exclusion_proof(key, blknum).map(Some)
    }
}
