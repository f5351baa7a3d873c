//! Plasma Cash transactions on the wire: the [`CashTx`] struct, its hash, and the signed form.
//!
//! - [`CashTx`] (the artifact's struct, from [`crate::abi`]): `(uint64 coinId, uint64 prevBlock,
//!   address newOwner)`, and [`CashTxExt`]: its 96-byte ABI codec ([`CashTxExt::encode`],
//!   [`CashTxExt::decode`]) and its `txHash`, the EIP-712 digest under a [`Domain`] with type string
//!   `CashTx(uint64 coinId,uint64 prevBlock,address newOwner)`.
//!   The `txHash` is also the transaction's leaf value in its block's sparse tree.
//! - [`SignedCashTx`]: the transaction and the 65-byte signature of the coin's owner as of
//!   `prevBlock`; its 161-byte wire form `abi.encode(tx) ‖ sig` and signer recovery.
//!
//! Decoding is strict (`docs/cash.md`): exactly 161 bytes, canonical ABI words (zero padding of the
//! `uint64` and `address` words) and `v ∈ {27, 28}`; anything else is an error, never a panic.
//! Signature malleability (high `s`), zero `r`/`s` and recovery to the zero address are refused by
//! [`SignedCashTx::signer`], exactly where the contract's `Eip712.recover` refuses them.

use std::sync::LazyLock;

use alloy_primitives::{Address, B256, Bytes, keccak256};
use alloy_sol_types::SolStruct;
use plasma_core::{BlockNumber, Domain, Signature, SigningKey, recover};
use serde::{Deserialize, Serialize};

pub use crate::abi::CashTx;
use crate::error::{CashError, Result};

/// Length of the ABI encoding of a [`CashTx`]: three 32-byte words.
pub const TX_LEN: usize = 3 * 32;

/// Length of a signature on the wire.
pub const SIG_LEN: usize = plasma_core::eip712::SIGNATURE_LEN;

/// Length of a [`SignedCashTx`] on the wire: the transaction, then the signature (96 + 65).
pub const SIGNED_TX_LEN: usize = TX_LEN + SIG_LEN;

/// The EIP-712 type string of [`CashTx`].
pub const CASH_TX_TYPE: &str = "CashTx(uint64 coinId,uint64 prevBlock,address newOwner)";

/// What Plasma Cash adds to the ABI's [`CashTx`] (generated in `plasma-abi`, hence a trait: bring
/// it into scope to call `CashTx::new`, `tx.hash(domain)`, `tx.sign(..)` and the rest).
pub trait CashTxExt: Sized {
    /// The transaction moving coin `coin_id`, which last moved at `prev_block`, to `new_owner`.
    /// Builds the struct only; validity is checked by whoever receives it.
    #[must_use]
    fn new(coin_id: u64, prev_block: BlockNumber, new_owner: Address) -> Self;

    /// The 96-byte ABI encoding (`abi.encode(tx)`: the struct is static).
    #[must_use]
    fn encode(&self) -> [u8; TX_LEN];

    /// Parses exactly [`TX_LEN`] bytes of canonical ABI encoding: any other length, or a word whose
    /// padding is not zero, is [`CashError::Decode`].
    fn decode(bytes: &[u8]) -> Result<Self>;

    /// `hashStruct(tx)`: `keccak256(typeHash ‖ coinId ‖ prevBlock ‖ newOwner)`, each field one
    /// 32-byte word: what `SolStruct::eip712_hash_struct` computes, without allocating and with the
    /// type hash computed once per process (it is on the operator's hot path).
    #[must_use]
    fn struct_hash(&self) -> B256;

    /// `txHash`: the EIP-712 digest of the transaction under `domain`. Also its leaf value.
    #[must_use]
    fn hash(&self, domain: &Domain) -> B256;

    /// Signs the transaction with `key` under `domain`.
    #[must_use]
    fn sign(self, domain: &Domain, key: &SigningKey) -> SignedCashTx;

    /// Whether the transaction spends the coin's deposit (`prevBlock == coinId`).
    #[must_use]
    fn spends_deposit(&self) -> bool;
}

impl CashTxExt for CashTx {
    fn new(coin_id: u64, prev_block: BlockNumber, new_owner: Address) -> Self {
        Self { coinId: coin_id, prevBlock: prev_block, newOwner: new_owner }
    }

    fn encode(&self) -> [u8; TX_LEN] {
        let mut out = [0u8; TX_LEN];
        out[24..32].copy_from_slice(&self.coinId.to_be_bytes());
        out[56..64].copy_from_slice(&self.prevBlock.to_be_bytes());
        out[76..96].copy_from_slice(self.newOwner.as_slice());
        out
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        let decode_error = |reason: String| CashError::Decode { what: "CashTx", reason };
        let bytes: &[u8; TX_LEN] =
            bytes.try_into().map_err(|_| decode_error(format!("{} bytes, expected {TX_LEN}", bytes.len())))?;
        let padding = [(0..24, "coinId"), (32..56, "prevBlock"), (64..76, "newOwner")];
        if let Some((_, field)) = padding.iter().find(|(range, _)| bytes[range.clone()].iter().any(|b| *b != 0)) {
            return Err(decode_error(format!("non-canonical {field} word")));
        }
        let word_u64 = |at: usize| {
            let mut be = [0u8; 8];
            be.copy_from_slice(&bytes[at..at + 8]);
            u64::from_be_bytes(be)
        };
        Ok(Self::new(word_u64(24), word_u64(56), Address::from_slice(&bytes[76..96])))
    }

    fn struct_hash(&self) -> B256 {
        static TYPE_HASH: LazyLock<B256> = LazyLock::new(|| keccak256(CashTx::eip712_encode_type().as_bytes()));
        let mut buf = [0u8; 32 + TX_LEN];
        buf[..32].copy_from_slice(TYPE_HASH.as_slice());
        buf[32..].copy_from_slice(&self.encode());
        keccak256(buf)
    }

    fn hash(&self, domain: &Domain) -> B256 {
        domain.digest(self.struct_hash())
    }

    fn sign(self, domain: &Domain, key: &SigningKey) -> SignedCashTx {
        SignedCashTx::sign(self, domain, key)
    }

    fn spends_deposit(&self) -> bool {
        self.prevBlock == self.coinId
    }
}

/// A transaction and its owner's signature over `txHash`.
///
/// The signature is not part of the block's leaf (`txHash` is): the operator publishes the pairs as
/// block data and clients check every signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignedCashTx {
    /// The transaction.
    pub tx: CashTx,
    /// The signature of the coin's owner as of `tx.prevBlock`.
    pub sig: Signature,
}

impl SignedCashTx {
    /// A transaction with a signature (unchecked).
    #[must_use]
    pub const fn new(tx: CashTx, sig: Signature) -> Self {
        Self { tx, sig }
    }

    /// Signs `tx` with `key` under `domain`.
    #[must_use]
    pub fn sign(tx: CashTx, domain: &Domain, key: &SigningKey) -> Self {
        Self { tx, sig: key.sign_digest(tx.hash(domain)) }
    }

    /// `txHash` under `domain` (the leaf value).
    #[must_use]
    pub fn tx_hash(&self, domain: &Domain) -> B256 {
        self.tx.hash(domain)
    }

    /// Recovers who signed the transaction under `domain`; the errors of `plasma_core::recover`
    /// (bad `v`, zero `r`/`s`, high `s`, unrecoverable, zero address) as [`CashError::Core`].
    pub fn signer(&self, domain: &Domain) -> Result<Address> {
        self.signer_of(self.tx_hash(domain))
    }

    /// Recovers the signer given the transaction's hash (computed once by the caller).
    pub fn signer_of(&self, tx_hash: B256) -> Result<Address> {
        Ok(recover(tx_hash, &self.sig)?)
    }

    /// The 161-byte wire form `abi.encode(tx) ‖ r ‖ s ‖ v`.
    #[must_use]
    pub fn encode(&self) -> [u8; SIGNED_TX_LEN] {
        let mut out = [0u8; SIGNED_TX_LEN];
        out[..TX_LEN].copy_from_slice(&self.tx.encode());
        out[TX_LEN..].copy_from_slice(&self.sig.to_bytes());
        out
    }

    /// The wire form as [`Bytes`].
    #[must_use]
    pub fn to_bytes(&self) -> Bytes {
        Bytes::copy_from_slice(&self.encode())
    }

    /// Parses the wire form: exactly [`SIGNED_TX_LEN`] bytes ([`CashError::Decode`]), a canonical
    /// transaction and a signature of the right shape (`v ∈ {27, 28}`, else [`CashError::Core`]).
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != SIGNED_TX_LEN {
            return Err(CashError::Decode {
                what: "signed CashTx",
                reason: format!("{} bytes, expected {SIGNED_TX_LEN}", bytes.len()),
            });
        }
        let (tx, sig) = bytes.split_at(TX_LEN);
        Ok(Self { tx: CashTx::decode(tx)?, sig: Signature::from_bytes(sig)? })
    }

    /// Size on the wire, for metrics: always [`SIGNED_TX_LEN`] (161) bytes.
    #[must_use]
    pub const fn size(&self) -> usize {
        SIGNED_TX_LEN
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{U256, address};
    use alloy_sol_types::SolValue;
    use proptest::prelude::*;

    use super::*;
    use plasma_testkit::{domain, key};

    fn sample() -> CashTx {
        CashTx::new(1001, 3000, address!("0x1111111111111111111111111111111111111111"))
    }

    #[test]
    fn type_string_matches_the_docs() {
        assert_eq!(CashTx::eip712_encode_type(), CASH_TX_TYPE);
    }

    #[test]
    fn encoding_is_abi_encode() {
        for tx in [sample(), CashTx::default(), CashTx::new(u64::MAX, u64::MAX, Address::repeat_byte(0xff))] {
            assert_eq!(tx.encode().as_slice(), tx.abi_encode().as_slice());
            assert_eq!(CashTx::decode(&tx.encode()).unwrap(), tx);
        }
    }

    #[test]
    fn tx_hash_is_eip712_digest() {
        let d = domain();
        for tx in [sample(), CashTx::new(u64::MAX, 0, Address::repeat_byte(0xff))] {
            let mut data = keccak256(CASH_TX_TYPE).to_vec();
            data.extend_from_slice(&U256::from(tx.coinId).to_be_bytes::<32>());
            data.extend_from_slice(&U256::from(tx.prevBlock).to_be_bytes::<32>());
            data.extend_from_slice(B256::left_padding_from(tx.newOwner.as_slice()).as_slice());
            assert_eq!(tx.hash(&d), plasma_testkit::eip712_digest(&d, &data));
            assert_eq!(tx.hash(&d), tx.eip712_signing_hash(&d.into()));
            assert_eq!(tx.struct_hash(), tx.eip712_hash_struct());
        }
        assert_ne!(sample().hash(&d), sample().hash(&Domain::new(1, d.verifying_contract)));
    }

    #[test]
    fn signer_recovers_the_key_only_in_its_domain() {
        let alice = key("alice");
        let signed = sample().sign(&domain(), &alice);
        assert_eq!(signed.signer(&domain()).unwrap(), alice.address());
        let elsewhere = signed.signer(&Domain::new(1, domain().verifying_contract));
        assert!(elsewhere.map_or(true, |a| a != alice.address()));
    }

    #[test]
    fn wire_layout() {
        let signed = sample().sign(&domain(), &key("alice"));
        let wire = signed.encode();
        assert_eq!((wire.len(), signed.size()), (161, 161));
        assert_eq!(&wire[..96], sample().abi_encode().as_slice());
        assert_eq!(&wire[96..], signed.sig.to_bytes().as_slice());
        assert_eq!(signed.to_bytes().as_ref(), wire.as_slice());
    }

    #[test]
    fn dirty_padding_rejected() {
        let wire = sample().sign(&domain(), &key("alice")).encode();
        for at in [0usize, 23, 32, 55, 64, 75] {
            let mut bad = wire;
            bad[at] = 1;
            assert!(matches!(SignedCashTx::decode(&bad), Err(CashError::Decode { .. })), "byte {at}");
            assert!(matches!(CashTx::decode(&bad[..96]), Err(CashError::Decode { .. })), "byte {at}");
        }
    }

    #[test]
    fn bad_v_rejected() {
        let wire = sample().sign(&domain(), &key("alice")).encode();
        for v in [0u8, 1, 26, 29, 255] {
            let mut bad = wire;
            bad[160] = v;
            assert!(matches!(
                SignedCashTx::decode(&bad),
                Err(CashError::Core(plasma_core::Error::InvalidRecoveryByte(b))) if b == v
            ));
        }
    }

    fn arb_signed() -> impl Strategy<Value = SignedCashTx> {
        (any::<u64>(), any::<u64>(), any::<[u8; 20]>(), any::<u8>()).prop_map(|(coin, prev, owner, seed)| {
            CashTx::new(coin, prev, Address::from(owner)).sign(&domain(), &key(&format!("k{seed}")))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn round_trip(signed in arb_signed()) {
            let wire = signed.encode();
            let decoded = SignedCashTx::decode(&wire).unwrap();
            prop_assert_eq!(decoded, signed);
            prop_assert_eq!(decoded.encode(), wire);
            prop_assert_eq!(decoded.signer(&domain()).unwrap(), signed.signer(&domain()).unwrap());
        }

        #[test]
        fn every_truncation_and_extension_rejected(signed in arb_signed(), extra in proptest::collection::vec(any::<u8>(), 1..200)) {
            let wire = signed.encode();
            for len in 0..SIGNED_TX_LEN {
                prop_assert!(matches!(SignedCashTx::decode(&wire[..len]), Err(CashError::Decode { .. })), "{}", len);
            }
            let mut longer = wire.to_vec();
            longer.extend_from_slice(&extra);
            for len in SIGNED_TX_LEN + 1..=longer.len() {
                prop_assert!(matches!(SignedCashTx::decode(&longer[..len]), Err(CashError::Decode { .. })), "{}", len);
            }
        }

        #[test]
        fn high_s_rejected(signed in arb_signed()) {
            let twin = SignedCashTx::new(signed.tx, signed.sig.high_s_twin());
            // The shape is fine (same length, v in {27, 28}): decoding accepts it, recovery does not.
            let decoded = SignedCashTx::decode(&twin.encode()).unwrap();
            prop_assert!(matches!(decoded.signer(&domain()), Err(CashError::Core(plasma_core::Error::HighS))));
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = SignedCashTx::decode(&bytes);
            let _ = CashTx::decode(&bytes);
        }
    }
}
