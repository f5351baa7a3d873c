//! The Solidity side of MoreVP as Rust types (`docs/morevp.md`): re-exports of what `plasma-abi`
//! generates from the compiled artifact `contracts/artifacts/MoreVpExitGame.json`, so the
//! contract's ABI is the only source and no Solidity type is declared again here.
//!
//! - [`PaymentTx`]: the payment struct (`MoreVpTx.PaymentTx` in Solidity, `plasma_abi::MoreVpTx`),
//!   whose ABI encoding (twelve static words, 384 bytes) and EIP-712 type string
//!   `PaymentTx(uint256 input0,uint256 input1,uint256 input2,uint256 input3,address owner0,uint256 amount0,address owner1,uint256 amount1,address owner2,uint256 amount2,address owner3,uint256 amount3)`
//!   are the contract's. What Rust adds to it (constructors, strict codec, hash under a `Domain`,
//!   slots and shape) is [`PaymentTxExt`](crate::tx::PaymentTxExt).
//! - [`InputProof`]: the transaction that created an input and its inclusion proof (empty for a
//!   deposit input record), as `startInFlightExit` takes them.
//! - [`StoredInFlightExit`] (the contract's `InFlightExit`, with [`Claim`]): what the
//!   `inFlightExit(txHash)` view returns.
//! - [`MoreVpExitGame`]: every function, event and error of `MoreVpExitGame.sol`
//!   (`MoreVpExitGame::startInFlightExitCall`, ...). The events decode straight from root-chain
//!   logs (`MoreVpExitGame::StandardExitStarted::decode_log`, or
//!   [`GameEvent::from_log`](crate::game::GameEvent::from_log) for all of them at once).

pub use plasma_abi::{
    MoreVpExitGame::{self, Claim, InFlightExit as StoredInFlightExit, InputProof},
    MoreVpTx::PaymentTx,
};
