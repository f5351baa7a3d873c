//! MVP child blocks: an ordered list of signed transactions under a depth-16 binary tree.
//!
//! Transaction `i` of a block sits at leaf index `i` with leaf value
//! `keccak256(txHash ‖ sig0 ‖ sig1)` (the parent confirmations a transaction carries are block
//! data the root does not commit to); the block root is the `plasma_core` [`BinaryTree`] root of
//! those values (`docs/specs.md`), so a block holds at most 65,536 transactions. [`Inclusion`] is
//! what a recipient needs to check (and later prove) that a transaction is in a submitted block.

use std::sync::Arc;

use alloy_primitives::B256;
use plasma_core::{BinaryProof, BinaryTree, BlockNumber, ChildBlock, Domain};

use crate::{
    error::{MvpError, Result},
    tx::{MAX_TXS_PER_BLOCK, SignedTx, UtxoPos},
};

/// A sealed child block: transactions in leaf order, their hashes and the tree over their leaves.
///
/// Immutable once built, and shared: a clone costs a reference count, not a copy of 65,536
/// transactions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    data: Arc<BlockData>,
}

#[derive(Debug, PartialEq, Eq)]
struct BlockData {
    txs: Vec<SignedTx>,
    hashes: Vec<B256>,
    tree: BinaryTree,
}

impl Block {
    /// Builds the block of `txs` (in leaf order), hashing each under `domain`.
    ///
    /// Fails with [`MvpError::BlockFull`] beyond 65,536 transactions.
    pub fn new(txs: Vec<SignedTx>, domain: &Domain) -> Result<Self> {
        if txs.len() > MAX_TXS_PER_BLOCK {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        let hashes: Vec<B256> = txs.iter().map(|tx| tx.tx_hash(domain)).collect();
        let leaves: Vec<B256> = txs.iter().zip(&hashes).map(|(tx, hash)| tx.leaf_with_hash(*hash)).collect();
        Self::from_leaves(txs, hashes, &leaves)
    }

    /// Builds the block from transactions whose hashes and leaf values the caller already computed
    /// (`hashes[i]` must be `txs[i].tx_hash(domain)` and `leaves[i]` `txs[i].leaf_with_hash(hashes[i])`).
    pub(crate) fn from_leaves(txs: Vec<SignedTx>, hashes: Vec<B256>, leaves: &[B256]) -> Result<Self> {
        if txs.len() > MAX_TXS_PER_BLOCK {
            return Err(MvpError::BlockFull { capacity: MAX_TXS_PER_BLOCK });
        }
        debug_assert!(txs.len() == hashes.len() && txs.len() == leaves.len());
        let tree = BinaryTree::from_leaves(leaves)?;
        Ok(Self { data: Arc::new(BlockData { txs, hashes, tree }) })
    }

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
    pub fn txs(&self) -> &[SignedTx] {
        &self.data.txs
    }

    /// Transaction `txindex`, if the block has one there.
    #[must_use]
    pub fn tx(&self, txindex: u64) -> Option<&SignedTx> {
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

    /// Inclusion proof of transaction `txindex`; [`MvpError::Core`] with
    /// `LeafIndexOutOfRange` when the block has no transaction there.
    pub fn proof(&self, txindex: u64) -> Result<BinaryProof> {
        Ok(self.data.tree.proof(txindex)?)
    }

    /// Size of the block's data on the wire (582 bytes per transaction, parent confirmations
    /// included), for metrics.
    #[must_use]
    pub fn size_bytes(&self) -> usize {
        self.data.txs.iter().map(SignedTx::size).sum()
    }
}

impl ChildBlock for Block {
    fn root(&self) -> B256 {
        Self::root(self)
    }
}

/// Where a transaction was included, with the proof of it.
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
    /// Whether `tx`'s leaf (hashed under `domain`) sits at `txindex` under `root`.
    #[must_use]
    pub fn verifies(&self, tx: &SignedTx, domain: &Domain) -> bool {
        self.proof.verify(self.root, tx.leaf(domain), u64::from(self.txindex))
    }

    /// The transaction's position (`oindex = 0`); fails if `blknum` is not a child block.
    pub fn tx_pos(&self) -> Result<UtxoPos> {
        UtxoPos::tx(self.blknum, u64::from(self.txindex))
    }
}
