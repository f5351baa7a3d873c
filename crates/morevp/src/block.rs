//! MoreVP child blocks: an ordered list of signed transactions under a depth-16 binary tree.
//!
//! Transaction `i` of a block sits at leaf index `i` with leaf value `txHash` (the witnesses are
//! block data the root does not commit to); the block root is the `plasma_core` [`BinaryTree`]
//! root of those values (`docs/specs.md`), so a block holds at most 65,536 transactions.
//! [`Inclusion`] (shared with MVP: `plasma_mvp::utxo::Inclusion`) is what a user keeps to prove,
//! later, that a transaction is in a submitted block.

use alloy_primitives::B256;
use plasma_core::Domain;
pub use plasma_mvp::utxo::Inclusion;
use plasma_mvp::utxo::{BlockTx, TxBlock};

use crate::tx::SignedTx;

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

#[cfg(test)]
mod tests {
    use alloy_primitives::{U256, keccak256};
    use plasma_core::{SigningKey, merkle::leaf_node};

    use plasma_core::{BinaryTree, ChildBlock};

    use super::*;
    use crate::tx::{Output, PaymentTx, PaymentTxExt, UtxoPos};
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
            assert!(inclusion.verifies_leaf(hashes[i as usize]));
            assert!(!inclusion.verifies_leaf(hashes[(i as usize + 1) % 3]));
            assert_eq!(inclusion.tx_pos::<crate::tx::MoreVpPositions>().unwrap(), UtxoPos::tx(1000, i).unwrap());
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
