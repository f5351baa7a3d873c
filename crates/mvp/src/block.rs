//! MVP child blocks: an ordered list of signed transactions under a depth-16 binary tree.
//!
//! Transaction `i` of a block sits at leaf index `i` with leaf value
//! `keccak256(txHash ‖ sig0 ‖ sig1)` (the parent confirmations a transaction carries are block
//! data the root does not commit to); the block root is the `plasma_core` [`BinaryTree`] root of
//! those values (`docs/specs.md`), so a block holds at most 65,536 transactions. [`Inclusion`] is
//! what a recipient needs to check (and later prove) that a transaction is in a submitted block
//! (shared with MoreVP: `plasma_mvp::utxo::Inclusion`).

use alloy_primitives::B256;
use plasma_core::Domain;

pub use crate::utxo::Inclusion;
use crate::{
    tx::SignedTx,
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
