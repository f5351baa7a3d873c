//! Property tests of signing and recovery: round trips, the low-s rule and digest binding.

use plasma_core::{
    Error, Signature, SigningKey,
    alloy_primitives::{B256, keccak256},
    recover,
};
use proptest::prelude::*;

fn signing_key() -> impl Strategy<Value = SigningKey> {
    // Hashing the seed gives a valid scalar with overwhelming probability.
    any::<[u8; 32]>().prop_filter_map("invalid secret key", |seed| SigningKey::from_bytes(keccak256(seed)).ok())
}

fn digest() -> impl Strategy<Value = B256> {
    any::<[u8; 32]>().prop_map(B256::from)
}

proptest! {
    #[test]
    fn sign_recover_round_trip(key in signing_key(), digest in digest()) {
        let signature = key.sign_digest(digest);
        prop_assert!(signature.is_low_s());
        prop_assert!(signature.v == 27 || signature.v == 28);
        prop_assert_eq!(recover(digest, &signature).unwrap(), key.address());
        let decoded = Signature::from_bytes(&signature.to_bytes()).unwrap();
        prop_assert_eq!(decoded, signature);
        prop_assert_eq!(decoded.recover(digest).unwrap(), key.address());
    }

    #[test]
    fn high_s_twin_rejected(key in signing_key(), digest in digest()) {
        let twin = key.sign_digest(digest).high_s_twin();
        prop_assert!(!twin.is_low_s());
        prop_assert!(matches!(recover(digest, &twin), Err(Error::HighS)));
        // The twin's bytes still parse: the rule is enforced at recovery, like on chain.
        prop_assert!(Signature::from_bytes(&twin.to_bytes()).is_ok());
    }

    #[test]
    fn one_bit_digest_change_recovers_someone_else(key in signing_key(), digest in digest(), bit in 0..256usize) {
        let signature = key.sign_digest(digest);
        let mut other = digest;
        other.0[bit / 8] ^= 1 << (bit % 8);
        let recovered = recover(other, &signature);
        prop_assert!(recovered.map_or(true, |address| address != key.address()));
    }

    #[test]
    fn signatures_are_deterministic(key in signing_key(), digest in digest()) {
        prop_assert_eq!(key.sign_digest(digest), key.sign_digest(digest));
    }
}
