//! The funded development accounts.
//!
//! These are the ten keys anvil derives from its default mnemonic ("test test ... junk"). They are
//! public and worthless outside a development chain. The embedded EVM funds the same accounts, so a
//! scenario deploys the same contracts at the same addresses on both backends; a test checks the
//! list against the keys a spawned anvil reports.

use alloy::signers::local::PrivateKeySigner;
use alloy_primitives::{Address, B256, U256, b256};

/// Balance of every dev account on a fresh chain: 10,000 ETH, as on anvil.
pub const DEV_ACCOUNT_BALANCE: U256 = U256::from_limbs([0x19e0_c9ba_b240_0000, 0x21e, 0, 0]);

/// The private keys of the ten dev accounts.
pub const DEV_KEYS: [B256; 10] = [
    b256!("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"),
    b256!("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"),
    b256!("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"),
    b256!("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"),
    b256!("47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"),
    b256!("8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"),
    b256!("92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e"),
    b256!("4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356"),
    b256!("dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97"),
    b256!("2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"),
];

/// The addresses of [`DEV_KEYS`], in the same order.
pub fn dev_accounts() -> Vec<Address> {
    DEV_KEYS.iter().filter_map(|key| PrivateKeySigner::from_bytes(key).ok()).map(|signer| signer.address()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balance_is_ten_thousand_ether() {
        assert_eq!(DEV_ACCOUNT_BALANCE, U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64)));
    }

    #[test]
    fn first_account_is_the_well_known_one() {
        let accounts = dev_accounts();
        assert_eq!(accounts.len(), 10);
        assert_eq!(accounts[0], alloy_primitives::address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
    }
}
