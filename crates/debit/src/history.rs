//! A Debit coin's history (`docs/debit.md`, "History"), built on Plasma Cash's generic
//! [`CoinHistory`] through its [`CoinTx`] extension point.
//!
//! A [`DebitMove`] is one coin's view of a Debit transaction: the signed transaction, the coin
//! whose leg it is and, for a payment, the inclusion proof of the same leaf at the other coin's
//! key. As a [`CoinTx`] its `prevBlock`, new owner and signer are those of the coin's leg, so
//! Cash's verification (one entry per block, inclusion and exclusion proofs, signer and
//! `prevBlock` of every move) applies unchanged. [`verify`] adds the Debit rules around it: a
//! payment's peer proof against the same block root, nonces strictly increasing from 0, balances
//! within the capacity, and holders unchanged by payments; it returns the coin's [`DebitTip`].

use alloy_primitives::{Address, B256};
use plasma_cash::{CashError, CoinHistory, CoinTx, DepositRecord, Invalidity, Roots, history::proof_len};
use plasma_core::{BlockNumber, Domain, SparseProof};
use serde::{Deserialize, Serialize};

use crate::{
    error::{DebitError, DebitInvalidity, Result},
    tx::{DebitTxExt, Leg, SignedDebitTx},
};

/// A Debit coin's history: its deposit record and one entry per child block.
pub type DebitHistory = CoinHistory<DebitMove, DepositRecord>;

/// One coin's view of a Debit transaction in a history entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DebitMove {
    /// The signed transaction.
    pub signed: SignedDebitTx,
    /// The coin whose leg this is.
    pub coin_id: u64,
    /// For a payment: inclusion of the same leaf at the other coin's key of the same block.
    #[serde(with = "opt_proof_bytes")]
    pub peer_proof: Option<SparseProof>,
}

impl DebitMove {
    /// The view of `signed` from `coin_id`; [`DebitInvalidity::NoLeg`] when it has no leg of it.
    pub fn new(signed: SignedDebitTx, coin_id: u64, peer_proof: Option<SparseProof>) -> Result<Self> {
        if signed.tx.side_of(coin_id).is_none() {
            return Err(DebitInvalidity::NoLeg(coin_id).into());
        }
        Ok(Self { signed, coin_id, peer_proof })
    }

    /// The coin's leg (a leg-less move never verifies: it names `prevBlock` `u64::MAX`).
    #[must_use]
    pub fn leg(&self) -> Leg {
        self.signed.tx.leg(self.coin_id).unwrap_or(Leg {
            coin_id: self.coin_id,
            prev_block: u64::MAX,
            owner: Address::ZERO,
            balance: 0,
            nonce: 0,
        })
    }

    /// The other coin of a payment (`None` for a single-coin transaction).
    #[must_use]
    pub fn other_coin(&self) -> Option<u64> {
        let tx = &self.signed.tx;
        tx.is_payment().then_some(if tx.coinId == self.coin_id { tx.peerCoin } else { tx.coinId })
    }
}

impl CoinTx for DebitMove {
    fn coin_id(&self) -> u64 {
        self.coin_id
    }

    fn prev_block(&self) -> BlockNumber {
        self.leg().prev_block
    }

    fn new_owner(&self) -> Address {
        self.leg().owner
    }

    /// `txHash`, the same at both keys of a payment.
    fn leaf_value(&self, domain: &Domain) -> B256 {
        self.signed.tx_hash(domain)
    }

    /// The signer of this coin's leg.
    fn signer(&self, domain: &Domain) -> plasma_cash::Result<Address> {
        self.signed.signer_for(domain, self.coin_id).map_err(|e| match e {
            DebitError::Core(core) => CashError::Core(core),
            other => CashError::InvalidTx(Invalidity::BadSignature(other.to_string())),
        })
    }

    /// The signed transaction and, for a payment, the peer proof.
    fn wire_len(&self) -> usize {
        self.signed.size() + self.peer_proof.as_ref().map_or(0, proof_len)
    }
}

/// A coin's state at the end of a verified history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DebitTip {
    /// The holder.
    pub owner: Address,
    /// The holder's balance (wei).
    pub balance: u128,
    /// The channel nonce (0 at the deposit).
    pub nonce: u64,
    /// The block where the coin last moved (its id if it never moved).
    pub last_moved: BlockNumber,
}

/// The tip at the start of a history: the depositor with the whole deposit, nonce 0.
#[must_use]
pub fn deposit_tip(record: &DepositRecord) -> DebitTip {
    DebitTip { owner: record.depositor, balance: record.amount.saturating_to(), nonce: 0, last_moved: record.coin_id }
}

/// Verifies `history` (`docs/debit.md`, "History"): Cash's rules through
/// [`CoinHistory::verify`], then, per move, the peer proof of a payment against the same block
/// root, a nonce above the last one, a balance within `capacity` and, for a payment, the holder
/// unchanged. Returns the coin's tip, or the first bad block.
pub fn verify(history: &DebitHistory, domain: &Domain, roots: &Roots, capacity: u128) -> Result<DebitTip> {
    history.verify(domain, roots)?;
    let mut tip = deposit_tip(history.start());
    for m in history.moves() {
        tip = step(domain, roots, tip, m.blknum, m.tx, capacity).map_err(|reason| DebitError::InvalidHistory {
            coin_id: history.coin_id(),
            blknum: m.blknum,
            reason,
        })?;
    }
    Ok(tip)
}

/// The tip after `m` at `blknum`, or why `m` breaks a Debit rule.
fn step(
    domain: &Domain,
    roots: &Roots,
    tip: DebitTip,
    blknum: BlockNumber,
    m: &DebitMove,
    capacity: u128,
) -> Result<DebitTip, DebitInvalidity> {
    let leg = m.leg();
    if leg.nonce <= tip.nonce {
        return Err(DebitInvalidity::StaleNonce { coin_id: m.coin_id, last: tip.nonce, got: leg.nonce });
    }
    if leg.balance > capacity {
        return Err(DebitInvalidity::OverCapacity { coin_id: m.coin_id, balance: leg.balance, capacity });
    }
    match (m.other_coin(), &m.peer_proof) {
        (None, None) => {}
        (Some(other), Some(proof)) => {
            let root = roots.get(&blknum).copied().unwrap_or_default();
            if !proof.verify_inclusion(root, other, m.signed.tx_hash(domain)) {
                return Err(DebitInvalidity::PeerNotIncluded(other));
            }
            if leg.owner != tip.owner {
                return Err(DebitInvalidity::UnbalancedPayment);
            }
        }
        (Some(other), None) => return Err(DebitInvalidity::PeerNotIncluded(other)),
        (None, Some(_)) => return Err(DebitInvalidity::PeerNotIncluded(0)),
    }
    Ok(DebitTip { owner: leg.owner, balance: leg.balance, nonce: leg.nonce, last_moved: blknum })
}

/// Serialises an optional [`SparseProof`] as its wire bytes.
mod opt_proof_bytes {
    use alloy_primitives::Bytes;
    use plasma_core::SparseProof;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(proof: &Option<SparseProof>, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&proof.as_ref().map(SparseProof::to_bytes), serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SparseProof>, D::Error> {
        let bytes = Option::<Bytes>::deserialize(deserializer)?;
        bytes.map(|b| SparseProof::from_bytes(&b).map_err(D::Error::custom)).transpose()
    }
}
