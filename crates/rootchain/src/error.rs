//! The error type of `plasma-rootchain`.

use alloy_primitives::Address;

/// Everything that can go wrong in a backend (a reverted transaction is not an error).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The embedded EVM refused the transaction before executing it (bad nonce, no funds, ...).
    #[error("embedded EVM rejected the transaction: {0}")]
    Evm(String),
    /// The JSON-RPC node answered with an error or could not be reached.
    #[error("JSON-RPC node: {0}")]
    Rpc(String),
    /// The node answered something that does not make sense.
    #[error("malformed answer from the node: {0}")]
    BadResponse(String),
    /// The anvil binary could not be found or started.
    #[error("could not start anvil: {0}")]
    Anvil(String),
    /// The backend holds no key for this sender.
    #[error("no funded key for account {0} on this backend")]
    UnknownAccount(Address),
    /// The snapshot id is unknown or already consumed.
    #[error("unknown snapshot {0}")]
    UnknownSnapshot(u64),
    /// A deployment reverted or created no contract.
    #[error("deployment failed: {0}")]
    DeployFailed(String),
    /// A private key given by the user is not a valid secp256k1 key.
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    /// The node does not support an operation (for example moving time on a public network).
    #[error("{0} is not supported by this node")]
    Unsupported(&'static str),
}
