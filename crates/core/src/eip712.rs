//! EIP-712 hashing, secp256k1 signing and signature recovery, per `docs/specs.md`.
//!
//! - Domain: `EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)`
//!   with name `"plasma-lab"`, version `"1"`, the root chain's id and the `PlasmaFramework`
//!   address, so a signature for one chain or deployment never verifies on another.
//! - Digest: `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ hashStruct(message))`.
//! - Signature: 65 bytes `r ‖ s ‖ v`, `v ∈ {27, 28}`. [`recover`] rejects, with a typed error,
//!   any other `v`, `s > secp256k1n / 2`, `r` or `s` zero, an unrecoverable signature and a
//!   recovery to the zero address: exactly the signatures the Solidity `Eip712.recover` maps to
//!   `address(0)`.
//!
//! Recovery goes through libsecp256k1 (the `secp256k1` crate); it is the hot path of transaction
//! validation.

use core::{cell::Cell, fmt};
use std::sync::LazyLock;

use alloy_primitives::{Address, B256, U256, keccak256, uint};
use alloy_sol_types::{Eip712Domain, SolStruct};
use secp256k1::{
    Message, PublicKey, SecretKey,
    ecdsa::{RecoverableSignature, RecoveryId},
};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The domain's `name`.
pub const DOMAIN_NAME: &str = "plasma-lab";

/// The domain's `version`.
pub const DOMAIN_VERSION: &str = "1";

/// The EIP-712 type string of the domain.
pub const DOMAIN_TYPE: &str = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";

/// Order `n` of the secp256k1 group.
pub const SECP256K1_N: U256 = uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);

/// `n / 2`: the largest `s` a canonical (low-s) signature may have.
pub const SECP256K1_HALF_N: U256 = uint!(0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0_U256);

/// Length of an encoded [`Signature`].
pub const SIGNATURE_LEN: usize = 65;

/// The EIP-712 signing domain of one `PlasmaFramework` deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Domain {
    /// Chain id of the root chain.
    pub chain_id: u64,
    /// Address of the `PlasmaFramework` deployment.
    pub verifying_contract: Address,
}

impl Domain {
    /// The domain of the framework at `verifying_contract` on chain `chain_id`.
    #[must_use]
    pub const fn new(chain_id: u64, verifying_contract: Address) -> Self {
        Self { chain_id, verifying_contract }
    }

    /// `hashStruct(domain)`: `keccak256(typeHash ‖ keccak256(name) ‖ keccak256(version) ‖
    /// chainId ‖ verifyingContract)`, each field one 32-byte word.
    ///
    /// Every digest needs it, and a process almost always signs and checks under one domain:
    /// each thread remembers the last domain it hashed and its separator.
    #[must_use]
    pub fn separator(&self) -> B256 {
        thread_local! {
            static LAST: Cell<Option<(Domain, B256)>> = const { Cell::new(None) };
        }
        if let Some((domain, separator)) = LAST.get()
            && domain == *self
        {
            return separator;
        }
        let separator = self.compute_separator();
        LAST.set(Some((*self, separator)));
        separator
    }

    fn compute_separator(&self) -> B256 {
        // The first three words never change: hashed once per process, not once per digest.
        static CONSTANT_WORDS: LazyLock<[u8; 3 * 32]> = LazyLock::new(|| {
            let mut words = [0u8; 3 * 32];
            for (word, text) in words.chunks_exact_mut(32).zip([DOMAIN_TYPE, DOMAIN_NAME, DOMAIN_VERSION]) {
                word.copy_from_slice(keccak256(text).as_slice());
            }
            words
        });
        let mut buf = [0u8; 5 * 32];
        buf[..96].copy_from_slice(CONSTANT_WORDS.as_slice());
        buf[96..128].copy_from_slice(&U256::from(self.chain_id).to_be_bytes::<32>());
        buf[140..160].copy_from_slice(self.verifying_contract.as_slice());
        keccak256(buf)
    }

    /// The digest to sign for a message whose `hashStruct` is `struct_hash`:
    /// `keccak256(0x19 ‖ 0x01 ‖ separator ‖ struct_hash)`.
    #[must_use]
    pub fn digest(&self, struct_hash: B256) -> B256 {
        let mut buf = [0u8; 66];
        buf[0] = 0x19;
        buf[1] = 0x01;
        buf[2..34].copy_from_slice(self.separator().as_slice());
        buf[34..].copy_from_slice(struct_hash.as_slice());
        keccak256(buf)
    }

    /// The digest to sign for `message`, an `alloy_sol_types::sol!` struct.
    #[must_use]
    pub fn hash_typed<T: SolStruct>(&self, message: &T) -> B256 {
        self.digest(message.eip712_hash_struct())
    }
}

impl From<Domain> for Eip712Domain {
    fn from(domain: Domain) -> Self {
        Self::new(
            Some(DOMAIN_NAME.into()),
            Some(DOMAIN_VERSION.into()),
            Some(U256::from(domain.chain_id)),
            Some(domain.verifying_contract),
            None,
        )
    }
}

/// An Ethereum ECDSA signature, `r ‖ s ‖ v` on the wire.
///
/// Parsing checks only the shape (65 bytes, `v ∈ {27, 28}`); [`recover`] checks the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Signature {
    /// `r`, big-endian.
    pub r: B256,
    /// `s`, big-endian.
    pub s: B256,
    /// `27 + recovery id`.
    pub v: u8,
}

impl Signature {
    /// The 65-byte wire form `r ‖ s ‖ v`.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; SIGNATURE_LEN] {
        let mut out = [0u8; SIGNATURE_LEN];
        out[..32].copy_from_slice(self.r.as_slice());
        out[32..64].copy_from_slice(self.s.as_slice());
        out[64] = self.v;
        out
    }

    /// Parses the wire form: [`Error::SignatureLength`] unless 65 bytes,
    /// [`Error::InvalidRecoveryByte`] unless `v ∈ {27, 28}`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bytes: &[u8; SIGNATURE_LEN] = bytes.try_into().map_err(|_| Error::SignatureLength(bytes.len()))?;
        let signature = Self { r: B256::from_slice(&bytes[..32]), s: B256::from_slice(&bytes[32..64]), v: bytes[64] };
        signature.recovery_id()?;
        Ok(signature)
    }

    /// Whether `s ≤ n / 2` (the canonical, non-malleable form).
    #[must_use]
    pub fn is_low_s(&self) -> bool {
        U256::from_be_bytes(self.s.0) <= SECP256K1_HALF_N
    }

    /// The malleable twin `(r, n - s, v ^ 1)`: a different encoding that, without the low-s rule,
    /// would recover the same signer. Meant for tests of that rule.
    #[must_use]
    pub fn high_s_twin(&self) -> Self {
        let s = SECP256K1_N.wrapping_sub(U256::from_be_bytes(self.s.0));
        let v = match self.v {
            27 => 28,
            28 => 27,
            other => other,
        };
        Self { r: self.r, s: B256::from(s.to_be_bytes::<32>()), v }
    }

    /// Recovers the signer of `digest`; see [`recover`].
    pub fn recover(&self, digest: B256) -> Result<Address> {
        recover(digest, self)
    }

    fn recovery_id(&self) -> Result<RecoveryId> {
        match self.v {
            27 => Ok(RecoveryId::Zero),
            28 => Ok(RecoveryId::One),
            v => Err(Error::InvalidRecoveryByte(v)),
        }
    }
}

/// Recovers the address that signed `digest`.
///
/// Rejects, in this order: `v ∉ {27, 28}` ([`Error::InvalidRecoveryByte`]), `r = 0`
/// ([`Error::ZeroR`]), `s = 0` ([`Error::ZeroS`]), `s > n / 2` ([`Error::HighS`]), a signature no
/// key can be recovered from, such as `r ≥ n` ([`Error::Unrecoverable`]), and a recovery to the
/// zero address ([`Error::ZeroAddress`]).
pub fn recover(digest: B256, signature: &Signature) -> Result<Address> {
    let recovery_id = signature.recovery_id()?;
    if signature.r == B256::ZERO {
        return Err(Error::ZeroR);
    }
    if signature.s == B256::ZERO {
        return Err(Error::ZeroS);
    }
    if !signature.is_low_s() {
        return Err(Error::HighS);
    }
    let mut compact = [0u8; 64];
    compact[..32].copy_from_slice(signature.r.as_slice());
    compact[32..].copy_from_slice(signature.s.as_slice());
    let recoverable = RecoverableSignature::from_compact(&compact, recovery_id).map_err(|_| Error::Unrecoverable)?;
    let public = recoverable.recover_ecdsa(Message::from_digest(digest.0)).map_err(|_| Error::Unrecoverable)?;
    let address = public_key_address(&public);
    if address == Address::ZERO {
        return Err(Error::ZeroAddress);
    }
    Ok(address)
}

/// The Ethereum address of a public key: the last 20 bytes of `keccak256(x ‖ y)`.
fn public_key_address(public: &PublicKey) -> Address {
    let uncompressed = public.serialize_uncompressed();
    Address::from_slice(&keccak256(&uncompressed[1..])[12..])
}

/// A secp256k1 secret key with its Ethereum address.
///
/// `Debug` prints only the address.
#[derive(Clone)]
pub struct SigningKey {
    secret: SecretKey,
    address: Address,
}

impl SigningKey {
    /// The key with secret scalar `secret` (big-endian). Fails with
    /// [`Error::InvalidSecretKey`] if it is zero or not below `n`.
    pub fn from_bytes(secret: B256) -> Result<Self> {
        let secret = SecretKey::from_secret_bytes(secret.0).map_err(|_| Error::InvalidSecretKey)?;
        let address = public_key_address(&secret.public_key());
        Ok(Self { secret, address })
    }

    /// The signer's address.
    #[must_use]
    pub const fn address(&self) -> Address {
        self.address
    }

    /// Signs `digest` (RFC 6979 nonces, so deterministic). The result is always low-s with
    /// `v ∈ {27, 28}` and recovers to [`SigningKey::address`].
    #[must_use]
    pub fn sign_digest(&self, digest: B256) -> Signature {
        let message = Message::from_digest(digest.0);
        let mut signature = RecoverableSignature::sign_ecdsa_recoverable(message, &self.secret);
        let mut extra_entropy = 0u64;
        loop {
            let (recovery_id, compact) = signature.serialize_compact();
            // libsecp256k1 always normalises to low s. Recovery ids 2 and 3 (r ≥ n, probability
            // about 2^-127) cannot be expressed with v ∈ {27, 28}: sign again with fresh nonce data.
            if let Some(v) = match recovery_id {
                RecoveryId::Zero => Some(27),
                RecoveryId::One => Some(28),
                RecoveryId::Two | RecoveryId::Three => None,
            } {
                return Signature { r: B256::from_slice(&compact[..32]), s: B256::from_slice(&compact[32..]), v };
            }
            extra_entropy += 1;
            let mut noncedata = [0u8; 32];
            noncedata[24..].copy_from_slice(&extra_entropy.to_be_bytes());
            signature = RecoverableSignature::sign_ecdsa_recoverable_with_noncedata(message, &self.secret, &noncedata);
        }
    }

    /// Signs the EIP-712 digest of `message` under `domain`.
    #[must_use]
    pub fn sign_typed<T: SolStruct>(&self, domain: &Domain, message: &T) -> Signature {
        self.sign_digest(domain.hash_typed(message))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("address", &self.address).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, b256};
    use alloy_sol_types::sol;
    use rstest::rstest;

    use super::*;

    sol! {
        struct Person {
            string name;
            address wallet;
        }

        struct Mail {
            Person from;
            Person to;
            string contents;
        }
    }

    fn key(seed: &str) -> SigningKey {
        SigningKey::from_bytes(keccak256(seed)).unwrap()
    }

    #[test]
    fn well_known_hashes() {
        // The standard domain type hash (as in OpenZeppelin's EIP712) and keccak256("1").
        assert_eq!(keccak256(DOMAIN_TYPE), b256!("0x8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f"));
        assert_eq!(
            keccak256(DOMAIN_VERSION),
            b256!("0xc89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f298b8bc6")
        );
        assert_eq!(SECP256K1_HALF_N, SECP256K1_N >> 1);
        assert_eq!(SECP256K1_N.to_be_bytes::<32>(), secp256k1::constants::CURVE_ORDER);
    }

    #[rstest]
    #[case(1, Address::ZERO)]
    #[case(31_337, address!("0x5FbDB2315678afecb367f032d93F642f64180aa3"))]
    #[case(u64::MAX, Address::repeat_byte(0xff))]
    fn separator_matches_alloy(#[case] chain_id: u64, #[case] contract: Address) {
        let domain = Domain::new(chain_id, contract);
        let alloy = Eip712Domain::from(domain);
        assert_eq!(alloy.encode_type(), DOMAIN_TYPE);
        assert_eq!(domain.separator(), alloy.hash_struct());
        let struct_hash = B256::repeat_byte(0x42);
        let mut preimage = vec![0x19, 0x01];
        preimage.extend_from_slice(alloy.separator().as_slice());
        preimage.extend_from_slice(struct_hash.as_slice());
        assert_eq!(domain.digest(struct_hash), keccak256(&preimage));
    }

    #[test]
    fn separator_follows_the_domain_it_is_asked_for() {
        let (a, b) = (Domain::new(1, Address::repeat_byte(1)), Domain::new(2, Address::repeat_byte(1)));
        let (sep_a, sep_b) = (a.compute_separator(), b.compute_separator());
        assert_ne!(sep_a, sep_b);
        for _ in 0..2 {
            assert_eq!((a.separator(), a.separator(), b.separator(), a.separator()), (sep_a, sep_a, sep_b, sep_a));
        }
        let other_thread = std::thread::spawn(move || b.separator()).join().unwrap();
        assert_eq!(other_thread, sep_b);
    }

    #[test]
    fn hash_typed_matches_alloy_signing_hash() {
        let domain = Domain::new(31_337, Address::repeat_byte(0x11));
        let mail = Mail {
            from: Person { name: "alice".into(), wallet: Address::repeat_byte(1) },
            to: Person { name: "bob".into(), wallet: Address::repeat_byte(2) },
            contents: "hi".into(),
        };
        assert_eq!(domain.hash_typed(&mail), mail.eip712_signing_hash(&domain.into()));
    }

    #[test]
    fn eip712_specification_example() {
        // The `Mail` example of the EIP-712 specification, signed with keccak256("cow").
        let domain = Eip712Domain::new(
            Some("Ether Mail".into()),
            Some("1".into()),
            Some(U256::from(1)),
            Some(address!("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC")),
            None,
        );
        let mail = Mail {
            from: Person { name: "Cow".into(), wallet: address!("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826") },
            to: Person { name: "Bob".into(), wallet: address!("0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB") },
            contents: "Hello, Bob!".into(),
        };
        assert_eq!(domain.separator(), b256!("0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f"));
        let digest = mail.eip712_signing_hash(&domain);
        assert_eq!(digest, b256!("0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"));
        let cow = key("cow");
        assert_eq!(cow.address(), address!("0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"));
        let signature = cow.sign_digest(digest);
        assert_eq!(
            signature,
            Signature {
                r: b256!("0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"),
                s: b256!("0x07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"),
                v: 28,
            }
        );
        assert_eq!(recover(digest, &signature).unwrap(), cow.address());
    }

    #[test]
    fn signature_codec() {
        let signature = key("alice").sign_digest(B256::repeat_byte(3));
        let bytes = signature.to_bytes();
        assert_eq!(bytes[64], signature.v);
        assert_eq!(Signature::from_bytes(&bytes).unwrap(), signature);
        for len in [0, 64, 66, 130] {
            assert!(matches!(
                Signature::from_bytes(&vec![1u8; len]),
                Err(Error::SignatureLength(l)) if l == len
            ));
        }
        for v in [0u8, 1, 26, 29, 35, 255] {
            let mut bad = bytes;
            bad[64] = v;
            assert!(matches!(Signature::from_bytes(&bad), Err(Error::InvalidRecoveryByte(b)) if b == v));
        }
    }

    #[test]
    fn recover_rejections() {
        let alice = key("alice");
        let digest = B256::repeat_byte(9);
        let good = alice.sign_digest(digest);
        assert!(good.is_low_s());
        assert_eq!(good.recover(digest).unwrap(), alice.address());

        let twin = good.high_s_twin();
        assert!(!twin.is_low_s());
        assert_eq!(twin.high_s_twin(), good);
        assert!(matches!(recover(digest, &twin), Err(Error::HighS)));

        for v in [0, 1, 29] {
            assert!(matches!(
                recover(digest, &Signature { v, ..good }),
                Err(Error::InvalidRecoveryByte(b)) if b == v
            ));
        }
        assert!(matches!(recover(digest, &Signature { r: B256::ZERO, ..good }), Err(Error::ZeroR)));
        assert!(matches!(recover(digest, &Signature { s: B256::ZERO, ..good }), Err(Error::ZeroS)));

        // s = n / 2 is still low; s = n / 2 + 1 is not.
        let half = Signature { s: B256::from(SECP256K1_HALF_N.to_be_bytes::<32>()), ..good };
        assert!(!matches!(recover(digest, &half), Err(Error::HighS)));
        let above = Signature { s: B256::from((SECP256K1_HALF_N + U256::from(1)).to_be_bytes::<32>()), ..good };
        assert!(matches!(recover(digest, &above), Err(Error::HighS)));

        // r = n is not a valid scalar.
        let r_overflow = Signature { r: B256::from(SECP256K1_N.to_be_bytes::<32>()), ..good };
        assert!(matches!(recover(digest, &r_overflow), Err(Error::Unrecoverable)));
    }

    #[test]
    fn invalid_secret_keys() {
        assert!(matches!(SigningKey::from_bytes(B256::ZERO), Err(Error::InvalidSecretKey)));
        assert!(matches!(
            SigningKey::from_bytes(B256::from(SECP256K1_N.to_be_bytes::<32>())),
            Err(Error::InvalidSecretKey)
        ));
        let debug = format!("{:?}", key("alice"));
        assert!(debug.contains("address") && !debug.contains("secret"));
    }

    #[test]
    fn sign_typed_recovers_signer_only_in_its_domain() {
        let bob = key("bob");
        let mail = Mail {
            from: Person { name: "bob".into(), wallet: bob.address() },
            to: Person { name: "carol".into(), wallet: Address::repeat_byte(3) },
            contents: "x".into(),
        };
        let here = Domain::new(1, Address::repeat_byte(0xaa));
        let signature = bob.sign_typed(&here, &mail);
        assert_eq!(recover(here.hash_typed(&mail), &signature).unwrap(), bob.address());
        for elsewhere in [Domain::new(2, here.verifying_contract), Domain::new(1, Address::repeat_byte(0xab))] {
            let recovered = recover(elsewhere.hash_typed(&mail), &signature);
            assert!(recovered.map_or(true, |a| a != bob.address()));
        }
    }
}
