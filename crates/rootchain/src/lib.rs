//! The root chain that every plasma-lab variant runs against, behind one trait.
//!
//! [`RootChain`] is async, object-safe and `Send`, so the harness can hold a
//! `Box<dyn RootChain>` and run the same scenario on either backend:
//!
//! - [`EmbeddedEvm`]: revm in process. Deterministic, needs nothing installed, the default.
//! - [`RpcNode`]: a real node over JSON-RPC through an alloy provider. It spawns the anvil binary
//!   pinned in `contracts/package.json`, or talks to any URL with a funded private key.
//!
//! Both backends keep the same clock rules: every transaction is mined in a block of its own,
//! [`BLOCK_TIME`] seconds after the previous one, starting from [`GENESIS_TIMESTAMP`], and
//! [`RootChain::advance_time`] mines one empty block that much later. With the same hard fork
//! ([`HARDFORK`]), chain id and dev accounts, one sequence of transactions gives the same events,
//! the same addresses and the same gas on both (a managed anvil charges no gas fees either).
//!
//! This is the only crate that names revm.

mod dev;
mod embedded;
mod error;
mod revert;
mod rpc;
mod types;

pub use dev::{DEV_ACCOUNT_BALANCE, DEV_KEYS, dev_accounts};
pub use embedded::EmbeddedEvm;
pub use error::Error;
pub use revert::decode_revert;
pub use rpc::{RpcNode, anvil_path};
pub use types::{CallOutcome, ChainLog, LogFilter, Receipt, SnapshotId, TxRequest};

use alloy_primitives::{Address, B256, Bytes, U256};

/// Result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The chain id both backends use (anvil's default).
pub const CHAIN_ID: u64 = 31_337;
/// Seconds between two consecutive blocks.
pub const BLOCK_TIME: u64 = 12;
/// Timestamp of block 0 on a fresh chain (2023-11-14), the same on both backends.
pub const GENESIS_TIMESTAMP: u64 = 1_700_000_000;
/// Gas limit of every block, and the gas limit of a transaction that does not name one.
pub const BLOCK_GAS_LIMIT: u64 = 30_000_000;
/// The hard fork whose rules both backends run (see `docs/decisions.md`).
pub const HARDFORK: &str = "prague";

/// A root chain: the operations plasma-lab needs from Ethereum.
///
/// A transaction that reverts is not an error: `send` returns a [`Receipt`] with
/// `success == false`, the gas it used and the decoded revert reason. `Err` means the backend
/// itself failed (the node is unreachable, an answer is malformed, an account has no key).
#[async_trait::async_trait]
pub trait RootChain: Send + Sync {
    /// A short name for reports: `embedded` or `anvil` or `rpc`.
    fn backend_name(&self) -> &str;
    /// The chain id, as used in EIP-712 domains.
    fn chain_id(&self) -> u64;
    /// The accounts this backend can send from, funded.
    fn accounts(&self) -> &[Address];
    /// Deploys `init_code` (creation bytecode followed by ABI-encoded constructor arguments) with
    /// a creation transaction sent through [`RootChain::send`]. A reverted deployment is an error:
    /// there is no contract to return.
    async fn deploy(&mut self, from: Address, init_code: Bytes, value: U256) -> Result<(Address, Receipt)> {
        let receipt = self.send(TxRequest { from, to: None, data: init_code, value, gas_limit: None }).await?;
        match receipt.contract_address {
            Some(address) if receipt.success => Ok((address, receipt)),
            _ => Err(Error::DeployFailed(receipt.revert_reason.unwrap_or_else(|| "no contract created".into()))),
        }
    }
    /// Adds an account to send from, by its private key, and returns its address (a key it
    /// already has is fine). The harness funds fresh actor keys this way from the one key it is
    /// given on a node reached by URL.
    async fn add_signer(&mut self, key: B256) -> Result<Address>;
    /// The gas price a transaction sent now pays, in wei (0 where fees are off).
    async fn gas_price(&self) -> Result<u128> {
        Ok(0)
    }
    /// Sends a transaction and mines it in a block of its own.
    async fn send(&mut self, tx: TxRequest) -> Result<Receipt>;
    /// Executes a read-only call against the latest state; nothing is mined or changed.
    async fn call(&self, from: Address, to: Address, data: Bytes) -> Result<CallOutcome> {
        self.simulate(&TxRequest::call(from, to, data)).await
    }
    /// Executes `tx` (value included) against the latest state without mining it: what sending it
    /// now would do. Clients simulate a retry before paying gas for it.
    async fn simulate(&self, tx: &TxRequest) -> Result<CallOutcome>;
    /// Logs of mined transactions that match `filter`, oldest first.
    async fn logs(&self, filter: &LogFilter) -> Result<Vec<ChainLog>>;
    /// The number of the latest block.
    async fn block_number(&self) -> Result<u64>;
    /// The timestamp of the latest block.
    async fn block_time(&self) -> Result<u64>;
    /// The ETH balance of `who`.
    async fn balance(&self, who: Address) -> Result<U256>;
    /// Mines one empty block `seconds` after the latest one.
    async fn advance_time(&mut self, seconds: u64) -> Result<()>;
    /// Records the whole chain state; [`RootChain::revert_to`] returns to it.
    async fn snapshot(&mut self) -> Result<SnapshotId>;
    /// Returns to a snapshot. The snapshot and every later one are consumed.
    async fn revert_to(&mut self, id: SnapshotId) -> Result<()>;
}
