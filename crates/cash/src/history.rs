//! What a client keeps per coin, and how it checks it (`docs/cash.md`, "History").
//!
//! A [`CoinHistory`] is a *start* (the deposit record of the coin) and, for every child block after
//! it up to the newest one the client has seen, one [`Entry`]: `Moved(signed tx, inclusion proof)`
//! when the coin moved in that block, `Stayed(exclusion proof)` when it did not.
//! [`CoinHistory::verify`] walks the entries in block order against the roots the client learned
//! from the root chain ([`Roots`]) and returns the coin's current owner, or
//! [`CashError::InvalidHistory`] naming the first bad block and why. [`CoinHistory::stored_bytes`]
//! is the size formula of `docs/cash.md`: 60 bytes for the deposit record, then per entry 8 for the
//! block number, the proof's length and 161 for the signed transaction of a `Moved` entry.
//!
//! The history also answers what the exit game asks of a client: the last move and its parent (an
//! exit's `exiting` and `parent`, [`CoinHistory::last_move`], [`CoinHistory::parent_of`]), the
//! direct spend of the transaction at a block (spent-coin challenges and history responses,
//! [`CoinHistory::direct_child_of`]) and the transaction at a block ([`CoinHistory::move_at`]).
//!
//! # Extension points (Plasma XT, Plasma Debit)
//!
//! Both the history and its verification are generic:
//!
//! - over the transaction, through [`CoinTx`] (coin id, `prevBlock`, new owner, leaf value, signer,
//!   wire size): [`SignedCashTx`] implements it; Plasma Debit implements it for a transaction that
//!   also carries balances (and adds its balance rule around [`CoinHistory::verify`]);
//! - over the start, through [`HistoryStart`] (coin id, owner and last move at the start, the
//!   block the entries follow, its own check against the roots, its size): [`DepositRecord`]
//!   implements it; Plasma XT implements it for a checkpoint, so that a history starts at the
//!   newest checkpoint instead of the deposit.
//!
//! [`CashHistory`] is the Plasma Cash instance of both.

use core::{fmt::Debug, ops::Bound};
use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use plasma_core::{BlockNumber, Domain, SparseProof, deposit_root, is_child_block, is_deposit_block};
use serde::{Deserialize, Serialize};

use crate::{
    error::{CashError, Invalidity, Result},
    tx::SignedCashTx,
};

/// The roots a client learned from the root chain, by block number: child blocks
/// (`BlockSubmitted`) and deposit blocks (`keccak256(abi.encode(depositor, amount))`).
pub type Roots = BTreeMap<BlockNumber, B256>;

/// Bytes accounted for a deposit record: coin id (8), depositor (20), amount (32).
pub const DEPOSIT_RECORD_BYTES: usize = 8 + 20 + 32;

/// Bytes accounted for an entry's block number.
pub const BLKNUM_BYTES: usize = 8;

/// A transaction that moves one whole coin: what a history needs to know of it.
pub trait CoinTx: Clone + Debug {
    /// The coin it moves.
    fn coin_id(&self) -> u64;
    /// The block where the coin last moved (the start's block, e.g. the coin id for a deposit).
    fn prev_block(&self) -> BlockNumber;
    /// Who owns the coin after it.
    fn new_owner(&self) -> Address;
    /// Its leaf value in the block's sparse tree, at key [`CoinTx::coin_id`].
    fn leaf_value(&self, domain: &Domain) -> B256;
    /// Who signed it (the previous owner, for a valid transaction).
    fn signer(&self, domain: &Domain) -> Result<Address>;
    /// Its size on the wire, for [`CoinHistory::stored_bytes`].
    fn wire_len(&self) -> usize;
}

impl CoinTx for SignedCashTx {
    fn coin_id(&self) -> u64 {
        self.tx.coinId
    }

    fn prev_block(&self) -> BlockNumber {
        self.tx.prevBlock
    }

    fn new_owner(&self) -> Address {
        self.tx.newOwner
    }

    /// `txHash`: the signature is not part of the leaf.
    fn leaf_value(&self, domain: &Domain) -> B256 {
        self.tx_hash(domain)
    }

    fn signer(&self, domain: &Domain) -> Result<Address> {
        Self::signer(self, domain)
    }

    fn wire_len(&self) -> usize {
        self.size()
    }
}

/// Where a history starts: who owned the coin there and where it had last moved.
pub trait HistoryStart: Clone + Debug {
    /// The coin.
    fn coin_id(&self) -> u64;
    /// The owner at the start.
    fn owner(&self) -> Address;
    /// The block the coin's next transaction names as `prevBlock`.
    fn last_moved(&self) -> BlockNumber;
    /// The block of the start itself: entries cover the child blocks after it.
    fn block(&self) -> BlockNumber;
    /// Checks the start against the root chain's record.
    fn check(&self, roots: &Roots) -> Result<(), Invalidity>;
    /// Bytes a client stores for it.
    fn stored_bytes(&self) -> usize;
}

/// A coin's deposit: the framework's deposit block `coin_id` holds `amount` for `depositor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DepositRecord {
    /// The coin id: the deposit block number.
    pub coin_id: u64,
    /// The first owner.
    pub depositor: Address,
    /// The denomination, in wei.
    pub amount: U256,
}

impl DepositRecord {
    /// The record of deposit block `coin_id`.
    #[must_use]
    pub const fn new(coin_id: u64, depositor: Address, amount: U256) -> Self {
        Self { coin_id, depositor, amount }
    }

    /// The deposit block's root: `keccak256(abi.encode(depositor, amount))`.
    #[must_use]
    pub fn root(&self) -> B256 {
        deposit_root(self.depositor, self.amount)
    }
}

impl HistoryStart for DepositRecord {
    fn coin_id(&self) -> u64 {
        self.coin_id
    }

    fn owner(&self) -> Address {
        self.depositor
    }

    fn last_moved(&self) -> BlockNumber {
        self.coin_id
    }

    fn block(&self) -> BlockNumber {
        self.coin_id
    }

    /// The coin id is a deposit block whose known root is this record's.
    fn check(&self, roots: &Roots) -> Result<(), Invalidity> {
        if !is_deposit_block(self.coin_id) {
            return Err(Invalidity::BadDeposit);
        }
        match roots.get(&self.coin_id) {
            None => Err(Invalidity::UnknownBlock),
            Some(root) if *root == self.root() => Ok(()),
            Some(_) => Err(Invalidity::BadDeposit),
        }
    }

    fn stored_bytes(&self) -> usize {
        DEPOSIT_RECORD_BYTES
    }
}

/// What one child block says about one coin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Entry<T> {
    /// The coin moved: the signed transaction and its inclusion proof.
    Moved {
        /// The transaction.
        tx: T,
        /// Inclusion of its leaf value at key `coinId`.
        #[serde(with = "proof_bytes")]
        proof: SparseProof,
    },
    /// The coin did not move: exclusion proof at key `coinId`.
    Stayed {
        /// Exclusion of key `coinId`.
        #[serde(with = "proof_bytes")]
        proof: SparseProof,
    },
}

impl<T: CoinTx> Entry<T> {
    /// The entry's proof.
    #[must_use]
    pub const fn proof(&self) -> &SparseProof {
        match self {
            Self::Moved { proof, .. } | Self::Stayed { proof } => proof,
        }
    }

    /// The transaction of a `Moved` entry.
    #[must_use]
    pub const fn tx(&self) -> Option<&T> {
        match self {
            Self::Moved { tx, .. } => Some(tx),
            Self::Stayed { .. } => None,
        }
    }

    /// Bytes stored for the entry: the block number, the proof's wire length and, for a `Moved`
    /// entry, the signed transaction.
    #[must_use]
    pub fn stored_bytes(&self) -> usize {
        BLKNUM_BYTES + proof_len(self.proof()) + self.tx().map_or(0, CoinTx::wire_len)
    }
}

/// Wire length of a sparse proof: 8 bytes of bitmap and 32 per carried sibling.
#[must_use]
pub const fn proof_len(proof: &SparseProof) -> usize {
    8 + 32 * proof.siblings.len()
}

/// Serialises a [`SparseProof`] as its wire bytes.
mod proof_bytes {
    use alloy_primitives::Bytes;
    use plasma_core::SparseProof;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(proof: &SparseProof, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&proof.to_bytes(), serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SparseProof, D::Error> {
        let bytes = Bytes::deserialize(deserializer)?;
        SparseProof::from_bytes(&bytes).map_err(D::Error::custom)
    }
}

/// One `Moved` entry of a history, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Move<'a, T> {
    /// The block that includes the transaction.
    pub blknum: BlockNumber,
    /// The transaction.
    pub tx: &'a T,
    /// Its inclusion proof.
    pub proof: &'a SparseProof,
}

/// The owner and last move of a coin after some prefix of its history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tip {
    /// The owner.
    pub owner: Address,
    /// The block where the coin last moved (the start's `last_moved` before any move).
    pub last_moved: BlockNumber,
}

/// Checks a transaction of coin `coin_id` as the next move after `tip`: right coin, non-zero new
/// owner, `prevBlock == tip.last_moved`, signed by `tip.owner`. The rule the operator applies on
/// submission and clients on every `Moved` entry.
pub fn check_move<T: CoinTx>(domain: &Domain, tx: &T, coin_id: u64, tip: Tip) -> Result<(), Invalidity> {
    if tx.coin_id() != coin_id {
        return Err(Invalidity::WrongCoin { expected: coin_id, got: tx.coin_id() });
    }
    if tx.new_owner().is_zero() {
        return Err(Invalidity::ZeroNewOwner);
    }
    if tx.prev_block() != tip.last_moved {
        return Err(Invalidity::WrongPrevBlock { expected: tip.last_moved, got: tx.prev_block() });
    }
    let signer = tx.signer(domain).map_err(|e| Invalidity::BadSignature(e.to_string()))?;
    if signer != tip.owner {
        return Err(Invalidity::WrongSigner { expected: tip.owner, recovered: signer });
    }
    Ok(())
}

/// Checks `entry` of block `blknum` (root `root`) after `tip` and returns the tip after it.
fn step<T: CoinTx>(
    domain: &Domain,
    coin_id: u64,
    tip: Tip,
    blknum: BlockNumber,
    root: B256,
    entry: &Entry<T>,
) -> Result<Tip, Invalidity> {
    match entry {
        Entry::Stayed { proof } => {
            if proof.verify_exclusion(root, coin_id) {
                Ok(tip)
            } else {
                Err(Invalidity::NotExcluded)
            }
        }
        Entry::Moved { tx, proof } => {
            if tx.coin_id() != coin_id {
                return Err(Invalidity::WrongCoin { expected: coin_id, got: tx.coin_id() });
            }
            if !proof.verify_inclusion(root, coin_id, tx.leaf_value(domain)) {
                return Err(Invalidity::NotIncluded);
            }
            check_move(domain, tx, coin_id, tip)?;
            Ok(Tip { owner: tx.new_owner(), last_moved: blknum })
        }
    }
}

/// A coin's history: its start and one entry per child block after it.
///
/// Entries are kept in strictly increasing child-block order ([`CoinHistory::push`] refuses
/// anything else); whether they are *valid* is what [`CoinHistory::verify`] decides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoinHistory<T, S> {
    start: S,
    entries: Vec<(BlockNumber, Entry<T>)>,
}

/// The Plasma Cash history: signed [`SignedCashTx`]s after a [`DepositRecord`].
pub type CashHistory = CoinHistory<SignedCashTx, DepositRecord>;

impl<T: CoinTx, S: HistoryStart> CoinHistory<T, S> {
    /// A history with no entry yet.
    #[must_use]
    pub const fn new(start: S) -> Self {
        Self { start, entries: Vec::new() }
    }

    /// The start.
    #[must_use]
    pub const fn start(&self) -> &S {
        &self.start
    }

    /// The coin.
    #[must_use]
    pub fn coin_id(&self) -> u64 {
        self.start.coin_id()
    }

    /// The entries, in block order.
    #[must_use]
    pub fn entries(&self) -> &[(BlockNumber, Entry<T>)] {
        &self.entries
    }

    /// The newest block the history covers (the start's block before any entry).
    #[must_use]
    pub fn covered_through(&self) -> BlockNumber {
        self.entries.last().map_or(self.start.block(), |(blknum, _)| *blknum)
    }

    /// Appends the entry of child block `blknum` without checking it (see [`CoinHistory::verify`]
    /// and [`CoinHistory::extend`]). Refuses, with [`Invalidity::OutOfOrder`], a block number that
    /// is not a child block after [`CoinHistory::covered_through`].
    pub fn push(&mut self, blknum: BlockNumber, entry: Entry<T>) -> Result<()> {
        if !is_child_block(blknum) || blknum <= self.covered_through() {
            return Err(self.fault(blknum, Invalidity::OutOfOrder));
        }
        self.entries.push((blknum, entry));
        Ok(())
    }

    /// Checks `entry` as the entry of block `blknum`, the next child block in `roots` after
    /// [`CoinHistory::covered_through`], against the tip of the history, and appends it. Returns the
    /// owner after it. The history before is assumed verified (a wallet verifies it once, on
    /// receipt, then extends it block by block); nothing changes on error.
    pub fn extend(&mut self, domain: &Domain, roots: &Roots, blknum: BlockNumber, entry: Entry<T>) -> Result<Address> {
        let next = Self::next_child_block(roots, self.covered_through());
        match next {
            Some((next, _)) if next < blknum => Err(self.fault(next, Invalidity::MissingBlock)),
            Some((next, root)) if next == blknum => {
                let tip = step(domain, self.coin_id(), self.tip(), blknum, root, &entry)
                    .map_err(|reason| self.fault(blknum, reason))?;
                self.entries.push((blknum, entry));
                Ok(tip.owner)
            }
            _ => Err(self.fault(blknum, Invalidity::UnknownBlock)),
        }
    }

    /// The first child block in `roots` after `after`, with its root.
    #[must_use]
    pub fn next_child_block(roots: &Roots, after: BlockNumber) -> Option<(BlockNumber, B256)> {
        roots
            .range((Bound::Excluded(after), Bound::Unbounded))
            .find(|(blknum, _)| is_child_block(**blknum))
            .map(|(blknum, root)| (*blknum, *root))
    }

    /// Verifies the whole history against `roots` (`docs/cash.md`): the start matches the root
    /// chain's record; there is exactly one entry for every child block of `roots` after the start
    /// (a block without one is [`Invalidity::MissingBlock`], an entry for an unknown block
    /// [`Invalidity::UnknownBlock`]); every `Stayed` entry proves exclusion; every `Moved` entry
    /// moves this coin, names the block of the previous move as `prevBlock`, is signed by the
    /// current owner, hands the coin to a non-zero owner and proves inclusion of its leaf value.
    ///
    /// Returns the coin's current owner, or [`CashError::InvalidHistory`] at the first bad block.
    pub fn verify(&self, domain: &Domain, roots: &Roots) -> Result<Address> {
        self.start.check(roots).map_err(|reason| self.fault(self.start.block(), reason))?;
        let coin_id = self.coin_id();
        let mut tip = Tip { owner: self.start.owner(), last_moved: self.start.last_moved() };
        let mut entries = self.entries.iter().peekable();
        let children = roots.range((Bound::Excluded(self.start.block()), Bound::Unbounded));
        for (&blknum, &root) in children.filter(|(blknum, _)| is_child_block(**blknum)) {
            match entries.peek() {
                Some((at, _)) if *at < blknum => return Err(self.fault(*at, Invalidity::UnknownBlock)),
                Some((at, entry)) if *at == blknum => {
                    tip = step(domain, coin_id, tip, blknum, root, entry).map_err(|r| self.fault(blknum, r))?;
                    entries.next();
                }
                _ => return Err(self.fault(blknum, Invalidity::MissingBlock)),
            }
        }
        match entries.next() {
            Some((at, _)) => Err(self.fault(*at, Invalidity::UnknownBlock)),
            None => Ok(tip.owner),
        }
    }

    fn fault(&self, blknum: BlockNumber, reason: Invalidity) -> CashError {
        CashError::InvalidHistory { coin_id: self.coin_id(), blknum, reason }
    }

    /// The owner and last move as the entries say, without checking them.
    #[must_use]
    pub fn tip(&self) -> Tip {
        self.last_move().map_or(Tip { owner: self.start.owner(), last_moved: self.start.last_moved() }, |m| Tip {
            owner: m.tx.new_owner(),
            last_moved: m.blknum,
        })
    }

    /// The current owner as the entries say (verified only if the history was).
    #[must_use]
    pub fn owner(&self) -> Address {
        self.tip().owner
    }

    /// The block where the coin last moved (the start's, e.g. the coin id, if it never moved).
    #[must_use]
    pub fn last_moved(&self) -> BlockNumber {
        self.tip().last_moved
    }

    /// The `Moved` entries, in block order.
    pub fn moves(&self) -> impl DoubleEndedIterator<Item = Move<'_, T>> + '_ {
        self.entries.iter().filter_map(|(blknum, entry)| match entry {
            Entry::Moved { tx, proof } => Some(Move { blknum: *blknum, tx, proof }),
            Entry::Stayed { .. } => None,
        })
    }

    /// The last move: what an exit of the current owner names as `exiting`.
    #[must_use]
    pub fn last_move(&self) -> Option<Move<'_, T>> {
        self.moves().next_back()
    }

    /// The move at block `blknum`, if the coin moved there.
    #[must_use]
    pub fn move_at(&self, blknum: BlockNumber) -> Option<Move<'_, T>> {
        let at = self.entries.binary_search_by_key(&blknum, |(b, _)| *b).ok()?;
        match &self.entries[at] {
            (blknum, Entry::Moved { tx, proof }) => Some(Move { blknum: *blknum, tx, proof }),
            (_, Entry::Stayed { .. }) => None,
        }
    }

    /// The parent of `child`: the move at `child.tx.prev_block()`; `None` when `child` spends the
    /// start (or the history lacks it).
    #[must_use]
    pub fn parent_of(&self, child: &Move<'_, T>) -> Option<Move<'_, T>> {
        self.move_at(child.tx.prev_block())
    }

    /// The direct child of the transaction at block `blknum` (or of the start, for its block): the
    /// move after `blknum` whose `prevBlock` is `blknum`. Answers "the direct spend after a block"
    /// (spent-coin challenges) and "the direct child of the tx at block k" (history responses).
    #[must_use]
    pub fn direct_child_of(&self, blknum: BlockNumber) -> Option<Move<'_, T>> {
        self.moves().find(|m| m.blknum > blknum && m.tx.prev_block() == blknum)
    }

    /// Drops the entries before child block `blknum`, except the last move up to `blknum` (the
    /// move that made the owner after it): the tip, [`CoinHistory::covered_through`] and the
    /// entries from `blknum` on stay as they were, so the history still extends and answers for
    /// the blocks after `blknum`, but no longer verifies from its start. For an extension that
    /// vouches for the coin's state after `blknum` by other means (a Plasma XT checkpoint).
    pub fn drop_entries_before(&mut self, blknum: BlockNumber) {
        let last_move = self.moves().take_while(|m| m.blknum <= blknum).last().map(|m| m.blknum);
        self.entries.retain(|(at, _)| *at >= blknum || Some(*at) == last_move);
    }

    /// Bytes a client stores for this coin (`docs/cash.md`): the start's, plus per entry the block
    /// number, the proof's length and the signed transaction of a `Moved` entry.
    #[must_use]
    pub fn stored_bytes(&self) -> usize {
        self.start.stored_bytes() + self.entries.iter().map(|(_, e)| e.stored_bytes()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use plasma_core::{SigningKey, SparseTree};

    use super::*;
    use crate::tx::CashTx;
    use crate::tx::CashTxExt;
    use plasma_testkit::{domain, key};

    const COIN: u64 = 7;

    /// A chain of child blocks 1000, 2000, … where block `i` holds the given transactions of
    /// other coins plus, optionally, one of `COIN`; builds the roots and `COIN`'s history.
    struct Chain {
        roots: Roots,
        history: CashHistory,
    }

    impl Chain {
        fn new(depositor: Address) -> Self {
            let record = DepositRecord::new(COIN, depositor, U256::from(10));
            let mut roots = Roots::new();
            roots.insert(COIN, record.root());
            Self { roots, history: CashHistory::new(record) }
        }

        fn next_blknum(&self) -> BlockNumber {
            self.roots.keys().copied().filter(|b| is_child_block(*b)).max().unwrap_or(0) + 1000
        }

        /// Adds a block moving `COIN` with `tx` (if any) and one other coin; returns the block number.
        fn block(&mut self, tx: Option<SignedCashTx>) -> BlockNumber {
            let blknum = self.next_blknum();
            let other = (COIN + 1, B256::repeat_byte(blknum as u8 | 1));
            let mut leaves = vec![other];
            leaves.extend(tx.map(|t| (COIN, t.tx_hash(&domain()))));
            let tree = SparseTree::from_leaves(leaves).unwrap();
            self.roots.insert(blknum, tree.root());
            let proof = tree.proof(COIN);
            let entry = match tx {
                Some(tx) => Entry::Moved { tx, proof },
                None => Entry::Stayed { proof },
            };
            self.history.push(blknum, entry).unwrap();
            blknum
        }

        fn pay(&mut self, from: &SigningKey, to: Address) -> BlockNumber {
            let tx = CashTx::new(COIN, self.history.last_moved(), to).sign(&domain(), from);
            self.block(Some(tx))
        }
    }

    fn invalid_at(result: Result<Address>) -> (BlockNumber, Invalidity) {
        match result {
            Err(CashError::InvalidHistory { coin_id: COIN, blknum, reason }) => (blknum, reason),
            other => panic!("expected an invalid history, got {other:?}"),
        }
    }

    #[test]
    fn a_to_b_to_c_verifies_and_answers_queries() {
        let (a, b, c) = (key("a"), key("b"), key("c"));
        let mut chain = Chain::new(a.address());
        assert_eq!(chain.history.verify(&domain(), &chain.roots).unwrap(), a.address());
        chain.block(None);
        let to_b = chain.pay(&a, b.address());
        chain.block(None);
        let to_c = chain.pay(&b, c.address());
        chain.block(None);
        let h = &chain.history;
        assert_eq!(h.verify(&domain(), &chain.roots).unwrap(), c.address());
        assert_eq!((h.owner(), h.last_moved(), h.covered_through()), (c.address(), to_c, 5000));
        let last = h.last_move().unwrap();
        assert_eq!((last.blknum, last.tx.tx.prevBlock), (to_c, to_b));
        assert_eq!(h.parent_of(&last).unwrap().blknum, to_b);
        assert!(h.parent_of(&h.move_at(to_b).unwrap()).is_none());
        assert_eq!(h.direct_child_of(COIN).unwrap().blknum, to_b);
        assert_eq!(h.direct_child_of(to_b).unwrap().blknum, to_c);
        assert!(h.direct_child_of(to_c).is_none());
        assert!(h.move_at(1000).is_none());
        assert_eq!(h.moves().count(), 2);
    }

    #[test]
    fn stored_bytes_follow_the_formula() {
        let (a, b) = (key("a"), key("b"));
        let mut chain = Chain::new(a.address());
        assert_eq!(chain.history.stored_bytes(), 60);
        chain.block(None);
        chain.pay(&a, b.address());
        let expected: usize = 60
            + chain
                .history
                .entries()
                .iter()
                .map(|(_, e)| 8 + e.proof().to_bytes().len() + if e.tx().is_some() { 161 } else { 0 })
                .sum::<usize>();
        assert_eq!(chain.history.stored_bytes(), expected);
        // Two leaves per block, adjacent keys: each proof carries one sibling (8 + 32 bytes).
        assert_eq!(expected, 60 + (8 + 40) + (8 + 40 + 161));
    }

    #[test]
    fn missing_and_unknown_blocks_are_named() {
        let a = key("a");
        let mut chain = Chain::new(a.address());
        chain.block(None);
        chain.block(None);
        // A block the history has no entry for.
        chain.roots.insert(3000, B256::repeat_byte(3));
        assert_eq!(invalid_at(chain.history.verify(&domain(), &chain.roots)), (3000, Invalidity::MissingBlock));
        // An entry for a block the client never saw.
        let mut chain = Chain::new(a.address());
        chain.block(None);
        chain.block(None);
        chain.roots.remove(&2000);
        assert_eq!(invalid_at(chain.history.verify(&domain(), &chain.roots)), (2000, Invalidity::UnknownBlock));
        // A gap in the middle: roots 1000, 2000, 3000 but the entry of 2000 is gone.
        let mut chain = Chain::new(a.address());
        for _ in 0..3 {
            chain.block(None);
        }
        chain.history.entries.remove(1);
        assert_eq!(invalid_at(chain.history.verify(&domain(), &chain.roots)), (2000, Invalidity::MissingBlock));
    }

    #[test]
    fn bad_deposit_records() {
        let a = key("a");
        let mut chain = Chain::new(a.address());
        chain.roots.insert(COIN, B256::repeat_byte(1));
        assert_eq!(invalid_at(chain.history.verify(&domain(), &chain.roots)), (COIN, Invalidity::BadDeposit));
        chain.roots.remove(&COIN);
        assert_eq!(invalid_at(chain.history.verify(&domain(), &chain.roots)), (COIN, Invalidity::UnknownBlock));
    }

    #[test]
    fn forged_wrong_prev_and_wrong_coin_moves_are_refused() {
        let (a, b, eve) = (key("a"), key("b"), key("eve"));
        // Eve signs a move of a's coin.
        let mut chain = Chain::new(a.address());
        chain.block(None);
        let forged = chain.pay(&eve, eve.address());
        let (blknum, reason) = invalid_at(chain.history.verify(&domain(), &chain.roots));
        assert_eq!(blknum, forged);
        assert_eq!(reason, Invalidity::WrongSigner { expected: a.address(), recovered: eve.address() });

        // A names the wrong prevBlock.
        let mut chain = Chain::new(a.address());
        chain.block(None);
        let tx = CashTx::new(COIN, 1000, b.address()).sign(&domain(), &a);
        let at = chain.block(Some(tx));
        assert_eq!(
            invalid_at(chain.history.verify(&domain(), &chain.roots)),
            (at, Invalidity::WrongPrevBlock { expected: COIN, got: 1000 })
        );

        // Zero new owner.
        let mut chain = Chain::new(a.address());
        let at = chain.block(Some(CashTx::new(COIN, COIN, Address::ZERO).sign(&domain(), &a)));
        assert_eq!(invalid_at(chain.history.verify(&domain(), &chain.roots)), (at, Invalidity::ZeroNewOwner));

        // High-s signature.
        let mut chain = Chain::new(a.address());
        let good = CashTx::new(COIN, COIN, b.address()).sign(&domain(), &a);
        let at = chain.block(Some(SignedCashTx::new(good.tx, good.sig.high_s_twin())));
        assert!(
            matches!(invalid_at(chain.history.verify(&domain(), &chain.roots)), (b, Invalidity::BadSignature(_)) if b == at)
        );
    }

    #[test]
    fn proofs_must_match_the_roots() {
        let (a, b) = (key("a"), key("b"));
        let mut chain = Chain::new(a.address());
        chain.block(None);
        let moved = chain.pay(&a, b.address());
        // A Stayed entry where the coin moved.
        let mut lying = chain.history.clone();
        let proof = lying.entries[1].1.proof().clone();
        lying.entries[1].1 = Entry::Stayed { proof };
        assert_eq!(invalid_at(lying.verify(&domain(), &chain.roots)), (moved, Invalidity::NotExcluded));
        // A Moved entry where the block holds another transaction of the coin.
        let mut other = chain.history.clone();
        let swapped = CashTx::new(COIN, COIN, a.address()).sign(&domain(), &a);
        if let Entry::Moved { tx, .. } = &mut other.entries[1].1 {
            *tx = swapped;
        }
        assert_eq!(invalid_at(other.verify(&domain(), &chain.roots)), (moved, Invalidity::NotIncluded));
        // A transaction of another coin.
        let mut wrong = chain.history.clone();
        if let Entry::Moved { tx, .. } = &mut wrong.entries[1].1 {
            tx.tx.coinId = COIN + 1;
        }
        assert_eq!(
            invalid_at(wrong.verify(&domain(), &chain.roots)),
            (moved, Invalidity::WrongCoin { expected: COIN, got: COIN + 1 })
        );
    }

    #[test]
    fn push_and_extend_keep_block_order() {
        let (a, b) = (key("a"), key("b"));
        let mut chain = Chain::new(a.address());
        chain.block(None);
        let entry = chain.history.entries[0].1.clone();
        for bad in [1000, 999, 1500, 0] {
            assert!(matches!(
                chain.history.push(bad, entry.clone()),
                Err(CashError::InvalidHistory { reason: Invalidity::OutOfOrder, .. })
            ));
        }

        // extend: checks the entry against the next known block.
        let record = *chain.history.start();
        let mut fresh = CashHistory::new(record);
        let roots = chain.roots.clone();
        assert_eq!(fresh.extend(&domain(), &roots, 1000, entry.clone()).unwrap(), a.address());
        assert_eq!(fresh, chain.history);
        // Block 3000 while 2000 is known and missing.
        let tx = CashTx::new(COIN, COIN, b.address()).sign(&domain(), &a);
        let mut roots = chain.roots.clone();
        roots.insert(2000, B256::repeat_byte(2));
        roots.insert(3000, B256::repeat_byte(3));
        let before = fresh.clone();
        let stay = Entry::Stayed { proof: SparseProof::default() };
        assert!(matches!(
            fresh.extend(&domain(), &roots, 3000, stay.clone()),
            Err(CashError::InvalidHistory { blknum: 2000, reason: Invalidity::MissingBlock, .. })
        ));
        // A block nobody submitted.
        assert!(matches!(
            fresh.extend(&domain(), &chain.roots, 2000, stay),
            Err(CashError::InvalidHistory { blknum: 2000, reason: Invalidity::UnknownBlock, .. })
        ));
        // A bad proof.
        assert!(matches!(
            fresh.extend(&domain(), &roots, 2000, Entry::Moved { tx, proof: SparseProof::default() }),
            Err(CashError::InvalidHistory { blknum: 2000, reason: Invalidity::NotIncluded, .. })
        ));
        assert_eq!(fresh, before);
    }

    #[test]
    fn dropping_entries_keeps_the_tip_and_the_last_move_and_still_extends() {
        let (a, b) = (key("a"), key("b"));
        let mut chain = Chain::new(a.address());
        chain.block(None);
        let to_b = chain.pay(&a, b.address());
        chain.block(None);
        let k = chain.block(None);
        let before = chain.history.tip();
        let mut kept = chain.history.clone();
        kept.drop_entries_before(k);
        let blocks: Vec<BlockNumber> = kept.entries().iter().map(|(at, _)| *at).collect();
        assert_eq!(blocks, vec![to_b, k], "the last move up to K and the entry of K");
        assert_eq!((kept.tip(), kept.covered_through()), (before, k));
        assert!(kept.stored_bytes() < chain.history.stored_bytes());
        assert!(kept.verify(&domain(), &chain.roots).is_err(), "no longer verifies from the deposit");
        // It still extends with the next block, checked against the same tip.
        let tx = CashTx::new(COIN, to_b, a.address()).sign(&domain(), &b);
        let next = chain.block(Some(tx));
        let entry = chain.history.entries().last().unwrap().1.clone();
        assert_eq!(kept.extend(&domain(), &chain.roots, next, entry).unwrap(), a.address());
        assert_eq!(kept.direct_child_of(to_b).map(|m| m.blknum), Some(next));
    }

    #[test]
    fn serde_round_trip() {
        let (a, b) = (key("a"), key("b"));
        let mut chain = Chain::new(a.address());
        chain.block(None);
        chain.pay(&a, b.address());
        let json = serde_json::to_string(&chain.history).unwrap();
        let back: CashHistory = serde_json::from_str(&json).unwrap();
        assert_eq!(back, chain.history);
        assert_eq!(back.verify(&domain(), &chain.roots).unwrap(), b.address());
    }
}
