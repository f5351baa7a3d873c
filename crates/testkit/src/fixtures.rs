//! The keys and the signing domain the crates' unit tests share.

use plasma_core::{
    Domain, SigningKey,
    alloy_primitives::{Address, B256, keccak256},
};

/// The test key of `seed`: the secp256k1 key whose secret is `keccak256(seed)` (hashed again in the
/// negligible case that it is not a valid secret).
#[must_use]
pub fn key(seed: &str) -> SigningKey {
    let mut secret = keccak256(seed);
    loop {
        match SigningKey::from_bytes(secret) {
            Ok(key) => return key,
            Err(_) => secret = keccak256(secret),
        }
    }
}

/// The unit tests' deployment: chain 31337, a framework at `0xf0…f0`.
#[must_use]
pub fn domain() -> Domain {
    Domain::new(31_337, Address::repeat_byte(0xf0))
}

/// The EIP-712 digest of the struct encoded as `encoded` (`typeHash ‖ fields`) under `domain`,
/// written out as the standard says: `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ keccak256(encoded))`.
/// Tests compare a design's own hashing with it.
#[must_use]
pub fn eip712_digest(domain: &Domain, encoded: &[u8]) -> B256 {
    let mut preimage = vec![0x19, 0x01];
    preimage.extend_from_slice(domain.separator().as_slice());
    preimage.extend_from_slice(keccak256(encoded).as_slice());
    keccak256(&preimage)
}
