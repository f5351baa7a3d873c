//! The keys and the signing domain the crates' unit tests share.

use plasma_core::{
    Domain, SigningKey,
    alloy_primitives::{Address, keccak256},
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
