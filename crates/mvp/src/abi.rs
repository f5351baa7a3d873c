//! The Solidity side of Plasma MVP as Rust types, from one `sol!` block (`docs/mvp.md`).
//!
//! - [`Transaction`]: the payment struct, in the field order and with the names of the contract, so
//!   that its ABI encoding and its EIP-712 type string
//!   `Transaction(uint256 input0,uint256 input1,address owner0,uint256 amount0,address owner1,uint256 amount1)`
//!   are the contract's.
//! - [`Confirmation`]: `Confirmation(bytes32 txHash,bytes32 blockRoot)`, what an input's owner signs
//!   once the spending transaction is included.
//! - [`IMvpExitGame`]: the calls of `MvpExitGame.sol` (`startExit`, `startDepositExit`,
//!   `challengeExit`, `processExit`, `exits`). The interface lives in the same block as
//!   [`Transaction`] so that its selectors expand the struct into the tuple
//!   `(uint256,uint256,address,uint256,address,uint256)`.
//!
//! Events are deliberately not declared here: decode them with the contract binding
//! (`plasma_contracts::MvpExitGame`) and hand the watcher an
//! [`ObservedExit`](crate::game::ObservedExit).

#![allow(missing_docs, clippy::too_many_arguments)]

use alloy_sol_types::sol;

sol! {
    /// An MVP payment: two input slots (`utxoPos`, `input1 == 0` = none), two output slots
    /// (`owner1 == address(0) && amount1 == 0` = none). ETH only; the fee is implicit.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct Transaction {
        uint256 input0;
        uint256 input1;
        address owner0;
        uint256 amount0;
        address owner1;
        uint256 amount1;
    }

    /// A confirmation: the owner of an input acknowledges that the transaction `txHash` was
    /// included in the block with root `blockRoot`.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct Confirmation {
        bytes32 txHash;
        bytes32 blockRoot;
    }

    /// The calls of `MvpExitGame.sol`, exactly as `docs/mvp.md` lists them.
    #[derive(Debug, PartialEq, Eq)]
    interface IMvpExitGame {
        function startExit(uint256 utxoPos, Transaction tx, bytes sigs, bytes proof, bytes confirmSigs) external payable;
        function startDepositExit(uint256 depositBlknum, uint256 amount) external payable;
        function challengeExit(
            uint256 utxoPos,
            uint256 spendingTxPos,
            Transaction spendingTx,
            bytes spendingSigs,
            uint256 inputIndex,
            bytes proof,
            bytes confirmSig
        ) external;
        function processExit(uint96 exitId) external;
        function exits(uint256 utxoPos)
            external
            view
            returns (address owner, uint256 amount, uint256 bond, uint64 exitableAt, bool challenged);
    }
}
