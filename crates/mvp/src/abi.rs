//! The Solidity side of Plasma MVP as Rust types (`docs/mvp.md`): re-exports of what `plasma-abi`
//! generates from the compiled artifact `contracts/artifacts/MvpExitGame.json`, so the contract's
//! ABI is the only source and no Solidity type is declared again here.
//!
//! - [`Transaction`]: the payment struct (`MvpTx.Transaction` in Solidity, `plasma_abi::MvpTx`),
//!   whose ABI encoding and EIP-712 type string
//!   `Transaction(uint256 input0,uint256 input1,address owner0,uint256 amount0,address owner1,uint256 amount1)`
//!   are the contract's. What Rust adds to it (constructor, strict codec, hash under a `Domain`,
//!   input and output slots) is [`TransactionExt`](crate::tx::TransactionExt).
//! - [`MvpExitGame`]: the contract's calls (`MvpExitGame::startExitCall`, `startDepositExitCall`,
//!   `challengeExitCall`, `processExitCall`, `exitsCall`, ...), events (`MvpExitGame::ExitStarted`,
//!   which the harness turns into an [`ObservedExit`](crate::game::ObservedExit)) and errors.
//!
//! `Confirmation(bytes32 txHash,bytes32 blockRoot)` is in no ABI (the contract hashes it by hand),
//! so it is declared in [`crate::tx`] as [`Confirmation`](crate::tx::Confirmation).

pub use plasma_abi::{MvpExitGame, MvpTx::Transaction};
