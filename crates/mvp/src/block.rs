//! MVP child blocks: an ordered list of signed transactions under a depth-16 binary tree.
//!
//! Transaction `i` of a block sits at leaf index `i` with leaf value
//! `keccak256(txHash ‖ sig0 ‖ sig1)` (the parent confirmations a transaction carries are block
//! data the root does not commit to); the block root is the `plasma_core` [`BinaryTree`] root of
//! those values (`docs/specs.md`), so a block holds at most 65,536 transactions. [`Inclusion`] is
//! what a recipient needs to check (and later prove) that a transaction is in a submitted block.

use alloy_primitives::B256;
use plasma_core::{BinaryProof, BlockNumber, Domain};

use crate::{
    error::Result,
    tx::{SignedTx, UtxoPos},
    utxo::{BlockTx, TxBlock},
};

/// A sealed MVP child block (see [`TxBlock`]).
pub type Block = TxBlock<SignedTx>;

impl BlockTx for SignedTx {
    fn tx_hash(&self, domain: &Domain) -> B256 {
        Self::tx_hash(self, domain)
    }

    fn leaf_with_hash(&self, tx_hash: B256) -> B256 {
        Self::leaf_with_hash(self, tx_hash)
    }

    fn wire_size(&self) -> usize {
        self.size()
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
