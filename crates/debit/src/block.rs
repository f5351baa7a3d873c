//! Plasma Debit child blocks (`docs/debit.md`, "Blocks and atomic payments"): Plasma Cash's
//! 64-level sparse tree with each transaction's `txHash` at the key of **every** coin it touches,
//! so an atomic payment sits at both its keys of the same block.
//!
//! [`DebitBlock::entry`] gives a coin's history entry for the block (with the peer proof of a
//! payment); [`DebitBlock::included`] the `DebitIncluded` argument of the exit game.
//! [`DebitBlock::new_one_slot`] is fault injection: an operator that puts a payment at one key
//! only, which no client or contract accepts.

use std::collections::BTreeMap;

use alloy_primitives::{B256, Bytes};
use plasma_cash::Entry;
use plasma_core::{BlockNumber, Domain, SparseProof, SparseTree};

use crate::{
    abi::DebitIncluded,
    error::{DebitError, Result},
    history::DebitMove,
    tx::{DebitTxExt, SignedDebitTx},
};

/// A sealed child block: the signed transactions (the published block data) and the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebitBlock {
    txs: Vec<SignedDebitTx>,
    /// Coin id → index in `txs`, for every key that holds a leaf.
    keys: BTreeMap<u64, usize>,
    tree: SparseTree,
}

impl DebitBlock {
    /// Builds the block of `txs`, each at the keys of all its coins;
    /// [`DebitError::PendingCoin`] when two transactions touch the same coin.
    pub fn new(txs: Vec<SignedDebitTx>, domain: &Domain) -> Result<Self> {
        let placed = txs.into_iter().map(|tx| (tx.tx.coins(), tx)).collect();
        Self::build(placed, domain)
    }

    /// Fault injection: a block holding `tx` at the key of `coin_id` only (for a payment, the other
    /// key stays empty). Such a payment is invalid for every client and for the contract.
    pub fn new_one_slot(tx: SignedDebitTx, coin_id: u64, domain: &Domain) -> Result<Self> {
        Self::build(vec![(vec![coin_id], tx)], domain)
    }

    fn build(placed: Vec<(Vec<u64>, SignedDebitTx)>, domain: &Domain) -> Result<Self> {
        let mut keys = BTreeMap::new();
        let mut leaves = Vec::new();
        let mut txs = Vec::new();
        for (coins, tx) in placed {
            let hash = tx.tx_hash(domain);
            for coin in coins {
                if keys.insert(coin, txs.len()).is_some() {
                    return Err(DebitError::PendingCoin(coin));
                }
                leaves.push((coin, hash));
            }
            txs.push(tx);
        }
        let tree = SparseTree::from_leaves(leaves)?;
        Ok(Self { txs, keys, tree })
    }

    /// The root the operator submits.
    #[must_use]
    pub fn root(&self) -> B256 {
        self.tree.root()
    }

    /// The signed transactions: the block data the operator publishes.
    #[must_use]
    pub fn txs(&self) -> &[SignedDebitTx] {
        &self.txs
    }

    /// The transaction at the key of `coin_id`, if any.
    #[must_use]
    pub fn tx(&self, coin_id: u64) -> Option<&SignedDebitTx> {
        self.keys.get(&coin_id).map(|at| &self.txs[*at])
    }

    /// The proof at key `coin_id` (of inclusion if the key holds a leaf, of exclusion otherwise).
    #[must_use]
    pub fn proof(&self, coin_id: u64) -> SparseProof {
        self.tree.proof(coin_id)
    }

    /// `coin_id`'s history entry for this block: `Moved` (with the peer proof of a payment) or
    /// `Stayed`.
    pub fn entry(&self, coin_id: u64) -> Result<Entry<DebitMove>> {
        let proof = self.proof(coin_id);
        let Some(signed) = self.tx(coin_id) else { return Ok(Entry::Stayed { proof }) };
        let signed = signed.clone();
        let peer_proof = signed.tx.is_payment().then(|| {
            let other = if signed.tx.coinId == coin_id { signed.tx.peerCoin } else { signed.tx.coinId };
            self.proof(other)
        });
        Ok(Entry::Moved { tx: DebitMove::new(signed, coin_id, peer_proof)?, proof })
    }

    /// The exit game's `DebitIncluded` for the transaction at key `coin_id` in block `blknum`.
    pub fn included(&self, coin_id: u64, blknum: BlockNumber) -> Result<DebitIncluded> {
        let signed = self.tx(coin_id).ok_or(DebitError::UnknownCoin(coin_id))?;
        Ok(included(&signed.tx, blknum, &self.proof(signed.tx.coinId), signed.tx.peer().map(|p| self.proof(p.coin_id))))
    }
}

impl plasma_core::ChildBlock for DebitBlock {
    fn root(&self) -> B256 {
        self.tree.root()
    }
}

/// A `DebitIncluded` from a transaction, its block and proofs.
#[must_use]
pub fn included(
    tx: &crate::tx::DebitTx,
    blknum: BlockNumber,
    proof: &SparseProof,
    peer_proof: Option<SparseProof>,
) -> DebitIncluded {
    DebitIncluded {
        tx: *tx,
        blknum,
        proof: proof.to_bytes(),
        peerProof: peer_proof.map_or_else(Bytes::new, |p| p.to_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::keccak256;
    use plasma_core::SigningKey;

    use super::*;
    use crate::tx::{DebitTx, Leg, sign};
    use plasma_testkit::domain;

    fn payment(a: u64, b: u64) -> SignedDebitTx {
        let k = SigningKey::from_bytes(keccak256("k")).unwrap();
        let leg = |coin_id| Leg { coin_id, prev_block: coin_id, owner: k.address(), balance: 1, nonce: 1 };
        let tx = DebitTx::payment(leg(a), leg(b));
        SignedDebitTx::new(tx, vec![sign(&tx, &domain(), &k); 2])
    }

    #[test]
    fn a_payment_sits_at_both_keys_and_a_coin_at_most_once() {
        let block = DebitBlock::new(vec![payment(3, 9)], &domain()).unwrap();
        let hash = payment(3, 9).tx_hash(&domain());
        for coin in [3, 9] {
            assert!(block.proof(coin).verify_inclusion(block.root(), coin, hash));
            let Entry::Moved { tx, proof } = block.entry(coin).unwrap() else { panic!("moved") };
            assert!(proof.verify_inclusion(block.root(), coin, hash));
            let other = tx.other_coin().unwrap();
            assert!(tx.peer_proof.unwrap().verify_inclusion(block.root(), other, hash));
        }
        assert!(matches!(block.entry(4).unwrap(), Entry::Stayed { .. }));
        let inc = block.included(9, 1000).unwrap();
        assert_eq!((inc.tx.coinId, inc.blknum), (3, 1000));
        assert!(matches!(
            DebitBlock::new(vec![payment(3, 9), payment(9, 4)], &domain()),
            Err(DebitError::PendingCoin(9))
        ));
        // One slot only: the other key is empty.
        let one = DebitBlock::new_one_slot(payment(3, 9), 3, &domain()).unwrap();
        assert!(one.proof(9).verify_exclusion(one.root(), 9));
        assert!(!one.proof(9).verify_inclusion(one.root(), 9, hash));
    }
}
