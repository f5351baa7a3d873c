//! Values passed to and returned by a [`crate::RootChain`].

use alloy_primitives::{Address, B256, Bytes, Log, U256};

/// A transaction to send. `to == None` creates a contract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxRequest {
    /// The sender; must be one of the backend's accounts.
    pub from: Address,
    /// The callee, or `None` for a contract creation.
    pub to: Option<Address>,
    /// Calldata (or init code for a creation).
    pub data: Bytes,
    /// Wei sent along.
    pub value: U256,
    /// Gas limit; `None` means the block gas limit on managed chains, an estimate on others.
    pub gas_limit: Option<u64>,
}

impl TxRequest {
    /// A call of `to` with `data` from `from`, no value.
    pub fn call(from: Address, to: Address, data: impl Into<Bytes>) -> Self {
        Self { from, to: Some(to), data: data.into(), ..Self::default() }
    }

    /// The same request carrying `value` wei.
    pub fn with_value(mut self, value: U256) -> Self {
        self.value = value;
        self
    }
}

/// What a mined transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Whether execution succeeded (status 1).
    pub success: bool,
    /// Gas used, refunds included, as the receipt reports it.
    pub gas_used: u64,
    /// Wei the sender paid for gas (zero on the embedded EVM and on a managed anvil).
    pub fee_paid: U256,
    /// Logs emitted (none when the transaction reverted).
    pub logs: Vec<Log>,
    /// Return data on success, revert data on failure (may be empty on a node).
    pub output: Bytes,
    /// The decoded revert reason when the transaction failed.
    pub revert_reason: Option<String>,
    /// The created contract, for a creation.
    pub contract_address: Option<Address>,
    /// The block the transaction was mined in.
    pub block_number: u64,
    /// Length of the calldata in bytes.
    pub calldata_bytes: usize,
}

/// The result of a read-only call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOutcome {
    /// Whether the call succeeded.
    pub success: bool,
    /// Return data, or revert data.
    pub output: Bytes,
    /// The decoded revert reason when the call failed.
    pub revert_reason: Option<String>,
}

/// Which logs to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only logs of this contract.
    pub address: Option<Address>,
    /// Only logs whose first topic (the event signature) is this.
    pub topic0: Option<B256>,
    /// First block, inclusive.
    pub from_block: u64,
    /// Last block, inclusive; `None` is the latest.
    pub to_block: Option<u64>,
}

/// A log with the block it was mined in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLog {
    /// Block number.
    pub block_number: u64,
    /// The block's timestamp: when the event happened by the root chain's clock. Clients date
    /// events by it, never by the time they read them (a client back from an offline gap would
    /// otherwise believe every window opened late).
    pub block_timestamp: u64,
    /// The log itself (address, topics, data).
    pub log: Log,
}

/// The id of a snapshot taken with [`crate::RootChain::snapshot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SnapshotId(pub u64);
