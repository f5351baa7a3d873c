//! The UTXO base that MVP and MoreVP share: a child block of signed transactions under the depth-16
//! binary tree, whatever the transaction type.
//!
//! [`TxBlock`] keeps the transactions in leaf order, their hashes and the tree over their leaf
//! values; what a leaf is belongs to the design ([`BlockTx::leaf_with_hash`]: MVP commits to the
//! transaction's hash and signatures, MoreVP to its hash alone). Each design names its block
//! `TxBlock<its SignedTx>` (`plasma_mvp::Block`, `plasma_morevp::Block`).

use std::sync::Arc;

use alloy_primitives::B256;
use plasma_core::{BinaryProof, BinaryTree, BlockNumber, ChildBlock, Domain};

use crate::{
    MvpError,
    position::{Position, PositionRules},
};

pub use crate::tx::MAX_TXS_PER_BLOCK;

/// A signed transaction as a block needs it.
pub trait BlockTx: Send + Sync {
    /// Its hash under `domain` (what signers sign).
    fn tx_hash(&self, domain: &Domain) -> B256;
    /// Its leaf value, given its hash.
    fn leaf_with_hash(&self, tx_hash: B256) -> B256;
    /// Its size on the wire, in bytes.
    fn wire_size(&self) -> usize;
}

/// A sealed child block: transactions in leaf order, their hashes and the tree over their leaves.
///
/// Immutable once built, and shared: a clone costs a reference count, not a copy of 65,536
/// transactions.
#[derive(Debug, PartialEq, Eq)]
pub struct TxBlock<T> {
    data: Arc<BlockData<T>>,
}

impl<T> Clone for TxBlock<T> {
    fn clone(&self) -> Self {
        Self { data: Arc::clone(&self.data) }
    }
}

#[derive(Debug, PartialEq, Eq)]
struct BlockData<T> {
    txs: Vec<T>,
    hashes: Vec<B256>,
    tree: BinaryTree,
}

impl<T: BlockTx> TxBlock<T> {
    /// Builds the block of `txs` (in leaf order), hashing each under `domain` (in parallel).
    ///
    /// Fails with [`MvpError::BlockFull`] beyond 65,536 transactions.
    pub fn new(txs: Vec<T>, domain: &Domain) -> Result<Self, MvpError> {
        if txs.len() > MAX_TXS_PER_BLOCK {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let hashes = plasma_core::par::map(&txs, |tx| tx.tx_hash(domain));
        let leaves: Vec<B256> = txs.iter().zip(&hashes).map(|(tx, hash)| tx.leaf_with_hash(*hash)).collect();
        Self::from_leaves(txs, hashes, &leaves)
    }

    /// Builds the block from transactions whose hashes and leaf values the caller already computed
    /// (`hashes[i]` must be `txs[i].tx_hash(domain)` and `leaves[i]` `txs[i].leaf_with_hash(hashes[i])`).
    pub fn from_leaves(txs: Vec<T>, hashes: Vec<B256>, leaves: &[B256]) -> Result<Self, MvpError> {
        if txs.len() > MAX_TXS_PER_BLOCK {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        debug_assert!(txs.len() == hashes.len() && txs.len() == leaves.len());
        let tree = BinaryTree::from_leaves(leaves).map_err(MvpError::Core)?;
        Ok(Self { data: Arc::new(BlockData { txs, hashes, tree }) })
    }

    /// Builds the block from transactions whose hashes the caller already computed, for a design
    /// whose leaf values are the hashes themselves (`hashes[i]` must be `txs[i].tx_hash(domain)`).
    pub fn from_hash_leaves(txs: Vec<T>, hashes: Vec<B256>) -> Result<Self, MvpError> {
        if txs.len() > MAX_TXS_PER_BLOCK {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        debug_assert_eq!(txs.len(), hashes.len());
        let tree = BinaryTree::from_leaves(&hashes).map_err(MvpError::Core)?;
        Ok(Self { data: Arc::new(BlockData { txs, hashes, tree }) })
    }

    /// Size of the block's data on the wire, for metrics.
    #[must_use]
    pub fn size_bytes(&self) -> usize {
        self.data.txs.iter().map(BlockTx::wire_size).sum()
    }
}

impl<T> TxBlock<T> {
    /// The Merkle root the operator submits (`EMPTY` for a block without transactions).
    #[must_use]
    pub fn root(&self) -> B256 {
        self.data.tree.root()
    }

    /// Number of transactions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.data.txs.len()
    }

    /// Whether the block holds no transaction.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.data.txs.is_empty()
    }

    /// The transactions, in leaf order.
    #[must_use]
    pub fn txs(&self) -> &[T] {
        &self.data.txs
    }

    /// Transaction `txindex`, if the block has one there.
    #[must_use]
    pub fn tx(&self, txindex: u64) -> Option<&T> {
        usize::try_from(txindex).ok().and_then(|i| self.data.txs.get(i))
    }

    /// Hash of transaction `txindex`.
    #[must_use]
    pub fn tx_hash(&self, txindex: u64) -> Option<B256> {
        usize::try_from(txindex).ok().and_then(|i| self.data.hashes.get(i)).copied()
    }

    /// The transaction hashes, in leaf order.
    #[must_use]
    pub fn tx_hashes(&self) -> &[B256] {
        &self.data.hashes
    }

    /// Index of the first transaction with hash `tx_hash` (a linear scan).
    #[must_use]
    pub fn position_of(&self, tx_hash: B256) -> Option<u16> {
        self.data.hashes.iter().position(|h| *h == tx_hash).and_then(|i| u16::try_from(i).ok())
    }

    /// Inclusion proof of transaction `txindex`; [`MvpError::Core`] with `LeafIndexOutOfRange`
    /// when the block has no transaction there.
    pub fn proof(&self, txindex: u64) -> Result<BinaryProof, MvpError> {
        Ok(self.data.tree.proof(txindex)?)
    }
}

impl<T> ChildBlock for TxBlock<T> {
    fn root(&self) -> B256 {
        Self::root(self)
    }
}

/// Where a transaction was included, with the proof of it: what a recipient needs to check (and
/// later prove) that a transaction is in a submitted block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Inclusion {
    /// The child block.
    pub blknum: BlockNumber,
    /// The transaction's index (leaf index) in the block.
    pub txindex: u16,
    /// The block root submitted to the framework.
    pub root: B256,
    /// Inclusion proof of the transaction's leaf at `txindex` under `root`.
    pub proof: BinaryProof,
}

impl Inclusion {
    /// Whether the leaf value `leaf` sits at `txindex` under `root`.
    #[must_use]
    pub fn verifies_leaf(&self, leaf: B256) -> bool {
        self.proof.verify(self.root, leaf, u64::from(self.txindex))
    }

    /// Whether `tx`'s leaf (hashed under `domain`) sits at `txindex` under `root`.
    #[must_use]
    pub fn verifies<T: BlockTx>(&self, tx: &T, domain: &Domain) -> bool {
        self.verifies_leaf(tx.leaf_with_hash(tx.tx_hash(domain)))
    }

    /// The transaction's position (`oindex = 0`) under the design's rules `R`; fails if `blknum` is
    /// not a child block.
    pub fn tx_pos<R: PositionRules>(&self) -> Result<Position<R>, R::Error> {
        Position::tx(self.blknum, u64::from(self.txindex))
    }
}

/// The footprint study's reference block of a UTXO design whose operator is `O`:
/// [`payers`](plasma_core::bench::payers)`(users)` signed one-input payments of deposits, sealed,
/// and those payments.
pub fn footprint_block<O, T>(users: u64, domain: &Domain) -> Result<(TxBlock<T>, Vec<T>), String>
where
    O: plasma_core::bench::Workloads<Tx = T, Block = TxBlock<T>>,
    T: BlockTx + Clone,
{
    let (mut operator, txs) =
        O::payment_workload(plasma_core::bench::payers(users), *domain).map_err(|e| e.to_string())?;
    let sent = txs.clone();
    if operator.submit_all(txs).iter().any(Result::is_err) {
        return Err("a workload payment was refused".into());
    }
    let block = operator.build_block().map_err(|e| e.to_string())?;
    Ok((block, sent))
}

/// Makes the inclusion proof of every transaction of `block` and checks the last one against the
/// block's root, its leaf recomputed from the transaction and its stored hash (what
/// [`Workloads::prove_every`](plasma_core::bench::Workloads::prove_every) times).
pub fn prove_every<T: BlockTx, E: From<MvpError>>(block: &TxBlock<T>) -> Result<bool, E> {
    let indexes: Vec<u64> = (0..plasma_core::bench::to_u64(block.len())).collect();
    plasma_core::bench::prove_keys(
        &indexes,
        |i| block.proof(i).map_err(E::from),
        |i, proof| {
            block
                .tx(i)
                .zip(block.tx_hash(i))
                .is_some_and(|(tx, hash)| proof.verify(block.root(), tx.leaf_with_hash(hash), i))
        },
    )
}

/// The footprint study's wire sizes of a full-block UTXO design whose operator is `O`: those of
/// [`full_block_sizes`] on its [`footprint_block`].
pub fn footprint_wire_sizes<O, T>(users: u64, domain: &Domain) -> Result<plasma_core::bench::WireSizes, String>
where
    O: plasma_core::bench::Workloads<Tx = T, Block = TxBlock<T>>,
    T: BlockTx + Clone,
{
    let (block, sent) = footprint_block::<O, T>(users, domain)?;
    full_block_sizes(&block, &sent)
}

/// The footprint study's storage of a full-block UTXO design whose operator is `O`:
/// [`full_block_storage`] of its [`footprint_block`], `stored(block, b)` being what the holder
/// keeps after `b` blocks.
pub fn footprint_storage<O, T>(
    blocks: &[u64],
    users: u64,
    domain: &Domain,
    stored: impl Fn(&TxBlock<T>, u64) -> Result<u64, String>,
) -> Result<Vec<(u64, u64)>, String>
where
    O: plasma_core::bench::Workloads<Tx = T, Block = TxBlock<T>>,
    T: BlockTx + Clone,
{
    let (block, _) = footprint_block::<O, T>(users, domain)?;
    full_block_storage(blocks, &block, |b| stored(&block, b))
}

/// The wire sizes of a full-block design: its first payment, the median of every inclusion proof
/// of `block`, and the block (no non-inclusion proofs).
pub fn full_block_sizes<T: BlockTx>(block: &TxBlock<T>, sent: &[T]) -> Result<plasma_core::bench::WireSizes, String> {
    let proofs = (0..plasma_core::bench::to_u64(block.len()))
        .map(|i| block.proof(i).map(|p| p.to_bytes().len()).map_err(|e| e.to_string()));
    plasma_core::bench::WireSizes::full_block(
        sent.first().map(BlockTx::wire_size),
        proofs,
        block.size_bytes(),
        block.len(),
    )
}

/// `(stored, downloaded)` after each of `blocks` blocks of a full-block design: `stored(b)` bytes
/// kept, every block of `block`'s size downloaded.
pub fn full_block_storage<T: BlockTx>(
    blocks: &[u64],
    block: &TxBlock<T>,
    stored: impl Fn(u64) -> Result<u64, String>,
) -> Result<Vec<(u64, u64)>, String> {
    let block_bytes = plasma_core::bench::to_u64(block.size_bytes());
    blocks.iter().map(|b| Ok((stored(*b)?, b * block_bytes))).collect()
}
