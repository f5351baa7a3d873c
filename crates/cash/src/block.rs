//! Plasma Cash child blocks: at most one signed transaction per coin under a 64-level sparse tree.
//!
//! The leaf at key `coinId` holds the transaction's `txHash`; every other key is empty, so a proof
//! for a coin proves either that it moved (inclusion of `txHash`) or that it did not (exclusion).
//! The tree is `plasma_core`'s [`SparseTree`], which keeps only the non-empty nodes: a block of
//! 65,536 coins costs at most `64 × 65,536` hashes and never materialises the `2^64` leaves.
//! Signatures are block data, not leaves: [`CashBlock::txs`] is what the operator publishes.

use std::sync::Arc;

use alloy_primitives::B256;
use plasma_core::{BlockNumber, ChildBlock, Domain, SparseProof, SparseTree};

use crate::{
    error::{CashError, Result},
    history::Entry,
    tx::SignedCashTx,
};

/// A sealed child block: transactions sorted by coin id, their hashes and the tree.
///
/// Immutable once built, and shared: a clone costs a reference count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CashBlock {
    data: Arc<BlockData>,
}

#[derive(Debug, PartialEq, Eq)]
struct BlockData {
    txs: Vec<SignedCashTx>,
    hashes: Vec<B256>,
    tree: SparseTree,
}

impl CashBlock {
    /// Builds the block of `txs` (any order), hashing each under `domain`.
    /// [`CashError::DuplicateCoin`] if two transactions move the same coin.
    pub fn new(txs: Vec<SignedCashTx>, domain: &Domain) -> Result<Self> {
        let hashed = txs.into_iter().map(|tx| (tx, tx.tx_hash(domain))).collect();
        Self::from_hashed(hashed)
    }

    /// Builds the block from transactions whose hashes the caller already computed (`hash` must be
    /// `tx.tx_hash(domain)`), in any order.
    pub fn from_hashed(mut hashed: Vec<(SignedCashTx, B256)>) -> Result<Self> {
        hashed.sort_unstable_by_key(|(tx, _)| tx.tx.coinId);
        if let Some(pair) = hashed.windows(2).find(|pair| pair[0].0.tx.coinId == pair[1].0.tx.coinId) {
            return Err(CashError::DuplicateCoin(pair[0].0.tx.coinId));
        }
        let tree = SparseTree::from_leaves(hashed.iter().map(|(tx, hash)| (tx.tx.coinId, *hash)))?;
        let (txs, hashes) = hashed.into_iter().unzip();
        Ok(Self { data: Arc::new(BlockData { txs, hashes, tree }) })
    }

    /// The root the operator submits (`EMPTY` for a block without transactions).
    #[must_use]
    pub fn root(&self) -> B256 {
        self.data.tree.root()
    }

    /// Number of transactions (coins moved).
    #[must_use]
    pub fn len(&self) -> usize {
        self.data.txs.len()
    }

    /// Whether the block moves no coin.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.data.txs.is_empty()
    }

    /// The signed transactions, by coin id: the block data the operator publishes.
    #[must_use]
    pub fn txs(&self) -> &[SignedCashTx] {
        &self.data.txs
    }

    /// The transaction hashes, in the order of [`CashBlock::txs`].
    #[must_use]
    pub fn tx_hashes(&self) -> &[B256] {
        &self.data.hashes
    }

    fn index_of(&self, coin_id: u64) -> Option<usize> {
        self.data.txs.binary_search_by_key(&coin_id, |tx| tx.tx.coinId).ok()
    }

    /// The transaction moving `coin_id`, if the block has one.
    #[must_use]
    pub fn tx(&self, coin_id: u64) -> Option<&SignedCashTx> {
        self.index_of(coin_id).map(|at| &self.data.txs[at])
    }

    /// The hash of the transaction moving `coin_id`.
    #[must_use]
    pub fn tx_hash(&self, coin_id: u64) -> Option<B256> {
        self.index_of(coin_id).map(|at| self.data.hashes[at])
    }

    /// Whether the block moves `coin_id`.
    #[must_use]
    pub fn moves(&self, coin_id: u64) -> bool {
        self.index_of(coin_id).is_some()
    }

    /// The proof for key `coin_id`: of inclusion if the coin moved, of exclusion otherwise.
    #[must_use]
    pub fn proof(&self, coin_id: u64) -> SparseProof {
        self.data.tree.proof(coin_id)
    }

    /// Inclusion proof of the transaction of `coin_id`; [`CashError::NotIncluded`] if the block
    /// does not move it.
    pub fn inclusion_proof(&self, coin_id: u64, blknum: BlockNumber) -> Result<SparseProof> {
        if !self.moves(coin_id) {
            return Err(CashError::NotIncluded { blknum, coin_id });
        }
        Ok(self.proof(coin_id))
    }

    /// Exclusion proof of `coin_id`; [`CashError::NotExcluded`] if the block moves it.
    pub fn exclusion_proof(&self, coin_id: u64, blknum: BlockNumber) -> Result<SparseProof> {
        if self.moves(coin_id) {
            return Err(CashError::NotExcluded { blknum, coin_id });
        }
        Ok(self.proof(coin_id))
    }

    /// The history entry of `coin_id` for this block: `Moved` with the transaction and its
    /// inclusion proof, or `Stayed` with the exclusion proof.
    #[must_use]
    pub fn entry(&self, coin_id: u64) -> Entry<SignedCashTx> {
        let proof = self.proof(coin_id);
        match self.tx(coin_id) {
            Some(tx) => Entry::Moved { tx: *tx, proof },
            None => Entry::Stayed { proof },
        }
    }

    /// Size of the block's data on the wire (161 bytes per transaction), for metrics.
    #[must_use]
    pub fn size_bytes(&self) -> usize {
        self.data.txs.iter().map(SignedCashTx::size).sum()
    }
}

impl ChildBlock for CashBlock {
    fn root(&self) -> B256 {
        Self::root(self)
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, keccak256};
    use plasma_core::{SigningKey, merkle::EMPTY};

    use super::*;
    use crate::tx::CashTx;
    use crate::tx::CashTxExt;
    use plasma_testkit::domain;

    fn signed(coin: u64) -> SignedCashTx {
        let key = SigningKey::from_bytes(keccak256(coin.to_be_bytes())).unwrap();
        CashTx::new(coin, coin, Address::repeat_byte(7)).sign(&domain(), &key)
    }

    #[test]
    fn root_is_the_sparse_tree_of_tx_hashes() {
        let txs = vec![signed(5), signed(1), signed(u64::MAX)];
        let block = CashBlock::new(txs.clone(), &domain()).unwrap();
        let tree = SparseTree::from_leaves(txs.iter().map(|t| (t.tx.coinId, t.tx_hash(&domain())))).unwrap();
        assert_eq!(block.root(), tree.root());
        assert_eq!(block.txs().iter().map(|t| t.tx.coinId).collect::<Vec<_>>(), [1, 5, u64::MAX]);
        assert_eq!((block.len(), block.size_bytes()), (3, 3 * 161));
        assert_eq!(block.tx_hash(5), Some(signed(5).tx_hash(&domain())));
        assert_eq!(CashBlock::new(vec![], &domain()).unwrap().root(), EMPTY);
    }

    #[test]
    fn proofs_and_entries() {
        let block = CashBlock::new(vec![signed(5), signed(6), signed(1 << 40)], &domain()).unwrap();
        let root = block.root();
        let proof = block.inclusion_proof(6, 1000).unwrap();
        assert!(proof.verify_inclusion(root, 6, signed(6).tx_hash(&domain())));
        assert!(matches!(block.exclusion_proof(6, 1000), Err(CashError::NotExcluded { blknum: 1000, coin_id: 6 })));
        let absent = block.exclusion_proof(7, 1000).unwrap();
        assert!(absent.verify_exclusion(root, 7));
        assert!(matches!(block.inclusion_proof(7, 1000), Err(CashError::NotIncluded { blknum: 1000, coin_id: 7 })));
        assert_eq!(block.entry(5), Entry::Moved { tx: signed(5), proof: block.proof(5) });
        assert_eq!(block.entry(8), Entry::Stayed { proof: block.proof(8) });
    }

    #[test]
    fn one_transaction_per_coin() {
        let other = CashTx::new(5, 5, Address::repeat_byte(9))
            .sign(&domain(), &SigningKey::from_bytes(keccak256("x")).unwrap());
        assert!(matches!(
            CashBlock::new(vec![signed(5), signed(2), other], &domain()),
            Err(CashError::DuplicateCoin(5))
        ));
    }
}
