//! Plasma Debit transactions on the wire (`docs/debit.md`, "Transaction").
//!
//! - [`DebitTx`] (the artifact's struct, from [`crate::abi`]) and [`DebitTxExt`]: constructors for
//!   the three kinds ([`DebitTxExt::single`] for a transfer, update or channel state,
//!   [`DebitTxExt::payment`] for an atomic two-coin payment), the [`Leg`] of a coin, the strict
//!   320-byte ABI codec and `txHash` (the EIP-712 digest, also the leaf value at the key of every
//!   coin the transaction touches).
//! - [`SignedDebitTx`]: the transaction and one signature per leg, by that coin's holder as of the
//!   leg's `prevBlock`; wire form `abi.encode(tx) ‖ sig ‖ [peer sig]`, 385 or 450 bytes.
//! - [`ChannelState`]: a single-coin update co-signed by the holder and the operator.

use alloy_primitives::{Address, B256, Bytes};
use alloy_sol_types::SolValue;
use plasma_core::{BlockNumber, Domain, Signature, SigningKey, recover};
use serde::{Deserialize, Serialize};

pub use crate::abi::DebitTx;
use crate::error::{DebitError, DebitInvalidity, Result};

/// Length of the ABI encoding of a [`DebitTx`]: ten 32-byte words.
pub const TX_LEN: usize = 10 * 32;

/// Length of a signature on the wire.
pub const SIG_LEN: usize = plasma_core::eip712::SIGNATURE_LEN;

/// Wire length of a signed single-coin transaction (320 + 65).
pub const SINGLE_LEN: usize = TX_LEN + SIG_LEN;

/// Wire length of a signed payment (320 + 65 + 65).
pub const PAYMENT_LEN: usize = TX_LEN + 2 * SIG_LEN;

/// The EIP-712 type string of [`DebitTx`].
pub const DEBIT_TX_TYPE: &str = "DebitTx(uint64 coinId,uint64 prevBlock,address newOwner,uint128 balance,uint64 nonce,uint64 peerCoin,uint64 peerPrevBlock,address peerOwner,uint128 peerBalance,uint64 peerNonce)";

/// One coin's part of a transaction: the block where it last moved, its holder, balance and
/// nonce after the transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Leg {
    /// The coin.
    pub coin_id: u64,
    /// Where the coin last moved (its id for the deposit).
    pub prev_block: BlockNumber,
    /// The holder after the transaction.
    pub owner: Address,
    /// The holder's balance after the transaction (wei).
    pub balance: u128,
    /// The channel nonce after the transaction.
    pub nonce: u64,
}

/// Which leg of a transaction a coin is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    /// The `coinId` leg.
    First,
    /// The `peerCoin` leg of a payment.
    Peer,
}

/// What Plasma Debit adds to the ABI's [`DebitTx`] (generated in `plasma-abi`, hence a trait: bring
/// it into scope to call `DebitTx::single`, `DebitTx::payment`, `tx.hash(domain)` and the rest).
pub trait DebitTxExt: Sized {
    /// A single-coin transaction: moves `leg.coin_id` to `leg.owner` with `leg.balance` and
    /// `leg.nonce` (a transfer, an update, or a channel state when the owner stays).
    #[must_use]
    fn single(leg: Leg) -> Self;

    /// An atomic payment with legs `first` and `peer` (validity is checked by whoever receives it).
    #[must_use]
    fn payment(first: Leg, peer: Leg) -> Self;

    /// Whether this is an atomic payment (`peerCoin != 0`).
    #[must_use]
    fn is_payment(&self) -> bool;

    /// The first leg.
    #[must_use]
    fn first(&self) -> Leg;

    /// The second leg of a payment.
    #[must_use]
    fn peer(&self) -> Option<Leg>;

    /// Which leg `coin_id` is, if any (the contract's `legOf`).
    #[must_use]
    fn side_of(&self, coin_id: u64) -> Option<Side>;

    /// The leg of `coin_id`, if the transaction has one.
    #[must_use]
    fn leg(&self, coin_id: u64) -> Option<Leg>;

    /// The coins it touches: one, or two for a payment.
    #[must_use]
    fn coins(&self) -> Vec<u64>;

    /// The 320-byte ABI encoding (`abi.encode(tx)`: the struct is static).
    #[must_use]
    fn encode(&self) -> Vec<u8>;

    /// Parses exactly [`TX_LEN`] bytes of canonical ABI encoding, with every `peer*` field zero
    /// when `peerCoin == 0` and `peerCoin != coinId`; anything else is [`DebitError::Decode`].
    fn decode(bytes: &[u8]) -> Result<Self>;

    /// `txHash`: the EIP-712 digest under `domain`; also the leaf value at each of its coins' keys.
    #[must_use]
    fn hash(&self, domain: &Domain) -> B256;
}

impl DebitTxExt for DebitTx {
    fn single(leg: Leg) -> Self {
        Self {
            coinId: leg.coin_id,
            prevBlock: leg.prev_block,
            newOwner: leg.owner,
            balance: leg.balance,
            nonce: leg.nonce,
            peerCoin: 0,
            peerPrevBlock: 0,
            peerOwner: Address::ZERO,
            peerBalance: 0,
            peerNonce: 0,
        }
    }

    fn payment(first: Leg, peer: Leg) -> Self {
        Self {
            coinId: first.coin_id,
            prevBlock: first.prev_block,
            newOwner: first.owner,
            balance: first.balance,
            nonce: first.nonce,
            peerCoin: peer.coin_id,
            peerPrevBlock: peer.prev_block,
            peerOwner: peer.owner,
            peerBalance: peer.balance,
            peerNonce: peer.nonce,
        }
    }

    fn is_payment(&self) -> bool {
        self.peerCoin != 0
    }

    fn first(&self) -> Leg {
        Leg {
            coin_id: self.coinId,
            prev_block: self.prevBlock,
            owner: self.newOwner,
            balance: self.balance,
            nonce: self.nonce,
        }
    }

    fn peer(&self) -> Option<Leg> {
        if !self.is_payment() {
            return None;
        }
        Some(Leg {
            coin_id: self.peerCoin,
            prev_block: self.peerPrevBlock,
            owner: self.peerOwner,
            balance: self.peerBalance,
            nonce: self.peerNonce,
        })
    }

    fn side_of(&self, coin_id: u64) -> Option<Side> {
        if self.coinId == coin_id {
            Some(Side::First)
        } else if coin_id != 0 && self.peerCoin == coin_id {
            Some(Side::Peer)
        } else {
            None
        }
    }

    fn leg(&self, coin_id: u64) -> Option<Leg> {
        match self.side_of(coin_id) {
            Some(Side::First) => Some(self.first()),
            Some(Side::Peer) => self.peer(),
            None => None,
        }
    }

    fn coins(&self) -> Vec<u64> {
        if self.is_payment() { vec![self.coinId, self.peerCoin] } else { vec![self.coinId] }
    }

    fn encode(&self) -> Vec<u8> {
        self.abi_encode()
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        let fail = |reason: String| DebitError::Decode { what: "DebitTx", reason };
        if bytes.len() != TX_LEN {
            return Err(fail(format!("{} bytes, expected {TX_LEN}", bytes.len())));
        }
        let tx = Self::abi_decode_validate(bytes).map_err(|e| fail(e.to_string()))?;
        if tx.encode() != bytes {
            return Err(fail("non-canonical words".into()));
        }
        if !tx.is_payment() && tx != Self::single(tx.first()) {
            return Err(fail("peer fields of a single-coin transaction are not zero".into()));
        }
        if tx.is_payment() && tx.peerCoin == tx.coinId {
            return Err(fail(DebitInvalidity::SamePeer(tx.coinId).to_string()));
        }
        Ok(tx)
    }

    fn hash(&self, domain: &Domain) -> B256 {
        domain.hash_typed(self)
    }
}

/// A transaction and the signature of each leg's holder (first leg, then peer leg).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignedDebitTx {
    /// The transaction.
    pub tx: DebitTx,
    /// One signature per leg, over `txHash`.
    pub sigs: Vec<Signature>,
}

impl SignedDebitTx {
    /// A transaction with its signatures (unchecked).
    #[must_use]
    pub const fn new(tx: DebitTx, sigs: Vec<Signature>) -> Self {
        Self { tx, sigs }
    }

    /// `txHash` under `domain`.
    #[must_use]
    pub fn tx_hash(&self, domain: &Domain) -> B256 {
        self.tx.hash(domain)
    }

    /// The signature of the leg of `coin_id`.
    #[must_use]
    pub fn sig_for(&self, coin_id: u64) -> Option<Signature> {
        let at = match self.tx.side_of(coin_id)? {
            Side::First => 0,
            Side::Peer => 1,
        };
        self.sigs.get(at).copied()
    }

    /// Who signed the leg of `coin_id` (the coin's previous holder, for a valid transaction).
    pub fn signer_for(&self, domain: &Domain, coin_id: u64) -> Result<Address> {
        let sig = self.sig_for(coin_id).ok_or(DebitInvalidity::NoLeg(coin_id))?;
        Ok(recover(self.tx_hash(domain), &sig)?)
    }

    /// The wire form `abi.encode(tx) ‖ sig ‖ [peer sig]`.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.tx.encode();
        for sig in &self.sigs {
            out.extend_from_slice(&sig.to_bytes());
        }
        out
    }

    /// The wire form as [`Bytes`].
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        self.encode().into()
    }

    /// Parses the wire form: a canonical [`DebitTx`], then exactly one signature per leg.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < TX_LEN {
            return Err(DebitError::Decode { what: "signed DebitTx", reason: format!("{} bytes", bytes.len()) });
        }
        let (tx, sigs) = bytes.split_at(TX_LEN);
        let tx = DebitTx::decode(tx)?;
        let expected = if tx.is_payment() { 2 * SIG_LEN } else { SIG_LEN };
        if sigs.len() != expected {
            return Err(DebitError::Decode {
                what: "signed DebitTx",
                reason: format!("{} signature bytes, expected {expected}", sigs.len()),
            });
        }
        let sigs = sigs.chunks(SIG_LEN).map(Signature::from_bytes).collect::<Result<Vec<_>, _>>()?;
        Ok(Self { tx, sigs })
    }

    /// Size on the wire: 385 bytes for a single-coin transaction, 450 for a payment.
    #[must_use]
    pub fn size(&self) -> usize {
        if self.tx.is_payment() { PAYMENT_LEN } else { SINGLE_LEN }
    }
}

/// A channel state: a single-coin update of the holder, signed by the holder and co-signed by the
/// operator (`docs/debit.md`, "Channel states").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChannelState {
    /// The state as a transaction (`peerCoin == 0`, `newOwner` the holder).
    pub tx: DebitTx,
    /// The holder's signature over `txHash`.
    pub holder_sig: Signature,
    /// The operator's signature over `txHash`.
    pub operator_sig: Signature,
}

impl ChannelState {
    /// Checks that the state is a single-coin transaction for `holder`, signed by `holder` and by
    /// `operator` under `domain`.
    pub fn check(&self, domain: &Domain, holder: Address, operator: Address) -> Result<(), DebitInvalidity> {
        if self.tx.is_payment() || self.tx.newOwner != holder {
            return Err(DebitInvalidity::NotAState);
        }
        let hash = self.tx.hash(domain);
        for (sig, expected) in [(&self.holder_sig, holder), (&self.operator_sig, operator)] {
            let signer = recover(hash, sig).map_err(|e| DebitInvalidity::BadSignature(e.to_string()))?;
            if signer != expected {
                return Err(DebitInvalidity::BadSignature(format!("{signer} signed, not {expected}")));
            }
        }
        Ok(())
    }

    /// Bytes a client stores for it: the transaction and both signatures (320 + 130).
    #[must_use]
    pub const fn stored_bytes(&self) -> usize {
        TX_LEN + 2 * SIG_LEN
    }

    /// The nonce.
    #[must_use]
    pub const fn nonce(&self) -> u64 {
        self.tx.nonce
    }
}

/// Signs `tx` with `key` under `domain` (one leg's signature, or an operator's co-signature).
#[must_use]
pub fn sign(tx: &DebitTx, domain: &Domain, key: &SigningKey) -> Signature {
    key.sign_digest(tx.hash(domain))
}

#[cfg(test)]
mod tests {
    use alloy_sol_types::SolStruct;
    use proptest::prelude::*;

    use super::*;
    use plasma_testkit::{domain, key};

    fn leg(coin_id: u64, owner: Address, balance: u128, nonce: u64) -> Leg {
        Leg { coin_id, prev_block: coin_id, owner, balance, nonce }
    }

    #[test]
    fn the_type_string_is_the_contracts() {
        assert_eq!(DebitTx::eip712_encode_type(), DEBIT_TX_TYPE);
    }

    #[test]
    fn legs_and_signatures_of_a_payment() {
        let (a, b) = (key("a"), key("b"));
        let tx = DebitTx::payment(leg(1, a.address(), 4, 1), leg(2, b.address(), 6, 3));
        assert_eq!(tx.coins(), vec![1, 2]);
        assert_eq!(tx.leg(2).map(|l| (l.owner, l.balance, l.nonce)), Some((b.address(), 6, 3)));
        assert_eq!(tx.leg(3), None);
        let signed = SignedDebitTx::new(tx, vec![sign(&tx, &domain(), &a), sign(&tx, &domain(), &b)]);
        assert_eq!(signed.signer_for(&domain(), 1).unwrap(), a.address());
        assert_eq!(signed.signer_for(&domain(), 2).unwrap(), b.address());
        assert!(signed.signer_for(&domain(), 3).is_err());
        let bytes = signed.encode();
        assert_eq!((bytes.len(), signed.size()), (PAYMENT_LEN, 450));
        assert_eq!(SignedDebitTx::decode(&bytes).unwrap(), signed);
        // A payment with one signature, a single with two: refused.
        assert!(SignedDebitTx::decode(&bytes[..SINGLE_LEN]).is_err());
        let single = DebitTx::single(leg(1, a.address(), 4, 1));
        let mut two = single.encode();
        two.extend_from_slice(&bytes[TX_LEN..]);
        assert!(SignedDebitTx::decode(&two).is_err());
    }

    #[test]
    fn decoding_is_strict() {
        let a = key("a");
        let single = DebitTx::single(leg(1, a.address(), 4, 1));
        assert_eq!(DebitTx::decode(&single.encode()).unwrap(), single);
        let mut dirty = single.encode();
        dirty[0] = 1;
        assert!(DebitTx::decode(&dirty).is_err(), "dirty padding");
        let mut stray = single;
        stray.peerNonce = 1;
        assert!(DebitTx::decode(&stray.encode()).is_err(), "peer field of a single");
        let same = DebitTx::payment(leg(1, a.address(), 4, 1), leg(1, a.address(), 4, 1));
        assert!(DebitTx::decode(&same.encode()).is_err(), "a payment to itself");
        assert!(DebitTx::decode(&single.encode()[1..]).is_err(), "short");
    }

    #[test]
    fn channel_states_need_both_signatures() {
        let (h, op, eve) = (key("h"), key("op"), key("eve"));
        let tx = DebitTx::single(leg(1, h.address(), 7, 2));
        let state = ChannelState { tx, holder_sig: sign(&tx, &domain(), &h), operator_sig: sign(&tx, &domain(), &op) };
        assert_eq!(state.check(&domain(), h.address(), op.address()), Ok(()));
        let forged = ChannelState { operator_sig: sign(&tx, &domain(), &eve), ..state };
        assert!(matches!(forged.check(&domain(), h.address(), op.address()), Err(DebitInvalidity::BadSignature(_))));
        assert_eq!(state.check(&domain(), eve.address(), op.address()), Err(DebitInvalidity::NotAState));
        assert_eq!(state.stored_bytes(), 450);
    }

    proptest! {
        #[test]
        fn signed_transactions_round_trip(coin in 1u64.., peer in 1u64.., balance: u128, nonce: u64, pay: bool) {
            prop_assume!(coin != peer);
            let a = key("a");
            let first = leg(coin, a.address(), balance, nonce);
            let tx = if pay { DebitTx::payment(first, leg(peer, a.address(), balance / 2, nonce)) } else { DebitTx::single(first) };
            let sigs = tx.coins().iter().map(|_| sign(&tx, &domain(), &a)).collect();
            let signed = SignedDebitTx::new(tx, sigs);
            prop_assert_eq!(SignedDebitTx::decode(&signed.encode()).unwrap(), signed.clone());
            prop_assert_eq!(signed.encode().len(), signed.size());
        }
    }
}
