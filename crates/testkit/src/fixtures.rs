//! The keys, the signing domain and the framework's block numbering the crates' tests share.

use plasma_core::{
    BlockSubmittedEvent, DepositEvent, Domain, SigningKey,
    alloy_primitives::{Address, B256, U256, keccak256},
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

/// `n` wei.
#[must_use]
pub fn wei(n: u64) -> U256 {
    U256::from(n)
}

/// Numbers blocks like `PlasmaFramework`: child blocks 1000, 2000, …, deposits in between; the
/// clock moves 15 seconds a child block.
#[derive(Clone, Debug)]
pub struct Framework {
    /// The number the next child block gets.
    pub next_child: u64,
    /// The offset of the next deposit block after the last child block.
    pub next_deposit: u64,
    /// The time stamp the next child block gets.
    pub now: u64,
}

impl Default for Framework {
    fn default() -> Self {
        Self { next_child: 1000, next_deposit: 1, now: 1_700_000_000 }
    }
}

impl Framework {
    /// The event of a deposit of `amount` by `depositor`, in the next deposit block.
    ///
    /// # Panics
    /// When 999 deposits already follow the last child block.
    pub fn deposit(&mut self, depositor: Address, amount: U256) -> DepositEvent {
        assert!(self.next_deposit < 1000, "deposit blocks full");
        let blknum = self.next_child - 1000 + self.next_deposit;
        self.next_deposit += 1;
        DepositEvent { depositor, blknum, amount }
    }

    /// The event of the next child block, with `root`.
    pub fn submit(&mut self, root: B256) -> BlockSubmittedEvent {
        let event = BlockSubmittedEvent { blknum: self.next_child, root, timestamp: self.now };
        self.next_child += 1000;
        self.next_deposit = 1;
        self.now += 15;
        event
    }
}
