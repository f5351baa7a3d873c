//! MoreVP child blocks: an ordered list of signed transactions under a depth-16 binary tree.
//!
//! Transaction `i` of a block sits at leaf index `i` with leaf value `txHash` (the witnesses are
//! block data the root does not commit to); the block root is the `plasma_core` [`BinaryTree`]
//! root of those values (`docs/specs.md`), so a block holds at most 65,536 transactions.
//! [`Inclusion`] is what a user keeps to prove, later, that a transaction is in a submitted block.

use alloy_primitives::B256;
use plasma_core::{BinaryProof, BlockNumber, Domain};
use plasma_mvp::utxo::{BlockTx, TxBlock};

use crate::{
    error::Result,
    tx::{SignedTx, UtxoPos},
};

/// A sealed MoreVP child block (see [`TxBlock`]): its leaves are the transaction hashes.
pub type Block = TxBlock<SignedTx>;

impl BlockTx for SignedTx {
    fn tx_hash(&self, domain: &Domain) -> B256 {
        Self::tx_hash(self, domain)
    }

    fn leaf_with_hash(&self, tx_hash: B256) -> B256 {
        tx_hash
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
    /// Inclusion proof of the transaction's hash at `txindex` under `root`.
    pub proof: BinaryProof,
}

impl Inclusion {
    /// Whether the leaf `tx_hash` sits at `txindex` under `root`.
    #[must_use]
    pub fn verifies(&self, tx_hash: B256) -> bool {
        self.proof.verify(self.root, tx_hash, u64::from(self.txindex))
    }

    /// The transaction's position `txPos` (`oindex = 0`); fails if `blknum` is not a child block.
    pub fn tx_pos(&self) -> Result<UtxoPos> {
        UtxoPos::tx(self.blknum, u64::from(self.txindex))
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{U256, keccak256};
    use plasma_core::{SigningKey, merkle::leaf_node};

    use plasma_core::{BinaryTree, ChildBlock};

    use super::*;
    use crate::tx::{Output, PaymentTx, PaymentTxExt};
    use plasma_testkit::domain;

    fn txs(n: u64) -> Vec<SignedTx> {
        let key = SigningKey::from_bytes(keccak256("k")).unwrap();
        (1..=n)
            .map(|i| {
                let input = UtxoPos::deposit(i).unwrap();
                let tx = PaymentTx::payment(&[input], &[Output::new(key.address(), U256::from(i))]).unwrap();
                SignedTx::sign(tx, &domain(), &[&key])
            })
            .collect()
    }

    #[test]
    fn leaves_are_tx_hashes() {
        let txs = txs(3);
        let block = Block::new(txs.clone(), &domain()).unwrap();
        let hashes: Vec<B256> = txs.iter().map(|t| t.tx_hash(&domain())).collect();
        assert_eq!(block.tx_hashes(), hashes.as_slice());
        assert_eq!(block.root(), BinaryTree::from_leaves(&hashes).unwrap().root());
        for i in 0..3 {
            let proof = block.proof(i).unwrap();
            assert_eq!(proof.compute_root(leaf_node(hashes[i as usize]), i), block.root());
            let inclusion = Inclusion { blknum: 1000, txindex: i as u16, root: block.root(), proof };
            assert!(inclusion.verifies(hashes[i as usize]));
            assert!(!inclusion.verifies(hashes[(i as usize + 1) % 3]));
            assert_eq!(inclusion.tx_pos().unwrap(), UtxoPos::tx(1000, i).unwrap());
        }
        assert!(block.proof(3).is_err());
        assert_eq!((block.len(), block.size_bytes()), (3, 3 * (384 + 65)));
        assert_eq!(block.tx(1), Some(&txs[1]));
        assert_eq!(block.tx(3), None);
    }

    #[test]
    fn empty_block_has_empty_root() {
        let block = Block::new(Vec::new(), &domain()).unwrap();
        assert!(block.is_empty());
        assert_eq!(block.root(), B256::ZERO);
        assert_eq!(ChildBlock::root(&block), B256::ZERO);
    }
}
