//! The Solidity side of MoreVP as Rust types, from one `sol!` block (`docs/morevp.md`).
//!
//! - [`PaymentTx`]: the payment struct, in the field order and with the names of the contract, so
//!   that its ABI encoding (twelve static words, 384 bytes) and its EIP-712 type string
//!   `PaymentTx(uint256 input0,uint256 input1,uint256 input2,uint256 input3,address owner0,uint256 amount0,address owner1,uint256 amount1,address owner2,uint256 amount2,address owner3,uint256 amount3)`
//!   are the contract's.
//! - [`InputProof`]: the transaction that created an input and its inclusion proof (empty for a
//!   deposit input record), as `startInFlightExit` takes them.
//! - [`StoredInFlightExit`] (with [`Claim`]): what the `inFlightExit(txHash)` view returns.
//! - [`IMoreVpExitGame`]: every function and event of `MoreVpExitGame.sol` that `docs/morevp.md`
//!   lists. The interface lives in the same block as [`PaymentTx`] so that its selectors expand the
//!   struct into the tuple `(uint256,uint256,uint256,uint256,address,uint256,address,uint256,address,uint256,address,uint256)`.
//!   The events decode straight from root-chain logs (`IMoreVpExitGame::StandardExitStarted::decode_log`,
//!   or [`GameEvent::from_log`](crate::game::GameEvent::from_log) for all of them at once).

#![allow(missing_docs, clippy::too_many_arguments)]

use alloy_sol_types::sol;

sol! {
    /// A MoreVP payment: up to four inputs (`utxoPos`, `0` = empty slot, used slots first) and up
    /// to four outputs (a slot is used when its owner or amount is non-zero, used slots first).
    /// ETH only; the fee is implicit.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct PaymentTx {
        uint256 input0;
        uint256 input1;
        uint256 input2;
        uint256 input3;
        address owner0;
        uint256 amount0;
        address owner1;
        uint256 amount1;
        address owner2;
        uint256 amount2;
        address owner3;
        uint256 amount3;
    }

    /// The transaction that created one input of an in-flight transaction, with its 512-byte
    /// inclusion proof; for a deposit input, the deposit input record and an empty proof.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct InputProof {
        PaymentTx tx;
        bytes proof;
    }

    /// An owner and an amount: one input or output slot of a stored in-flight exit.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct Claim {
        address owner;
        uint96 amount;
    }

    /// What `inFlightExit(txHash)` returns: the stored fields of an in-flight exit (all zero when
    /// there is none). `oldestCompetitorPos` is `0` for none and `type(uint96).max` for an
    /// in-flight competitor; `exitableAt` is `0` until the first piggyback; bit `i` of a piggyback
    /// bitmap is slot `i`.
    #[derive(Debug, Default, PartialEq, Eq, Hash)]
    struct StoredInFlightExit {
        address bondOwner;
        uint64 startedAt;
        bool canonical;
        uint8 inputPiggybacks;
        uint8 outputPiggybacks;
        uint96 youngestInputPos;
        uint64 youngestInputBlockTimestamp;
        uint64 exitableAt;
        uint96 oldestCompetitorPos;
        bytes32[4] inputIds;
        Claim[4] inputs;
        Claim[4] outputs;
    }

    /// The functions and events of `MoreVpExitGame.sol`, exactly as `docs/morevp.md` lists them.
    #[derive(Debug, PartialEq, Eq)]
    interface IMoreVpExitGame {
        event StandardExitStarted(
            uint256 indexed utxoPos,
            address indexed owner,
            uint256 amount,
            bytes32 outputId,
            uint64 exitableAt
        );
        event StandardExitChallenged(uint256 indexed utxoPos, address indexed challenger);
        event StandardExitFinalized(uint256 indexed utxoPos, bool paid);
        event InFlightExitStarted(
            bytes32 indexed txHash,
            address indexed starter,
            PaymentTx tx,
            bytes sigs,
            uint96 exitId
        );
        event InFlightExitPiggybacked(bytes32 indexed txHash, address indexed owner, bool isOutput, uint8 index);
        event InFlightExitChallenged(bytes32 indexed txHash, address indexed challenger, uint256 competitorPosition);
        event InFlightExitChallengeResponded(bytes32 indexed txHash, address indexed responder, uint256 txPos);
        event InFlightExitInputBlocked(bytes32 indexed txHash, address indexed challenger, uint8 index);
        event InFlightExitOutputBlocked(bytes32 indexed txHash, address indexed challenger, uint8 index);
        event InFlightExitDeleted(bytes32 indexed txHash);
        event InFlightExitFinalized(bytes32 indexed txHash, bool canonical);

        function startStandardExit(uint256 utxoPos, PaymentTx tx, bytes proof) external payable;
        function startDepositExit(uint256 depositBlknum, uint256 amount) external payable;
        function challengeStandardExit(uint256 utxoPos, PaymentTx spendingTx, uint8 inputIndex, bytes sig) external;
        function startInFlightExit(PaymentTx tx, bytes sigs, InputProof[] inputTxs) external payable;
        function piggybackInFlightExitOnInput(PaymentTx tx, uint8 inputIndex) external payable;
        function piggybackInFlightExitOnOutput(PaymentTx tx, uint8 outputIndex) external payable;
        function challengeInFlightExitNotCanonical(
            PaymentTx tx,
            uint8 inputIndex,
            PaymentTx competingTx,
            uint8 competingInputIndex,
            uint256 competingTxPos,
            bytes competingProof,
            bytes competingSig
        ) external;
        function respondToNonCanonicalChallenge(PaymentTx tx, uint256 txPos, bytes proof) external;
        function challengeInFlightExitInputSpent(
            PaymentTx tx,
            uint8 inputIndex,
            PaymentTx spendingTx,
            uint8 spendingInputIndex,
            bytes spendingSig
        ) external;
        function challengeInFlightExitOutputSpent(
            PaymentTx tx,
            uint256 txPos,
            bytes proof,
            uint8 outputIndex,
            PaymentTx spendingTx,
            uint8 spendingInputIndex,
            bytes spendingSig
        ) external;
        function deleteNonPiggybackedInFlightExit(PaymentTx tx) external;
        function processExit(uint96 exitId) external;

        function inFlightExit(bytes32 txHash) external view returns (StoredInFlightExit memory);
        function standardExits(uint256 utxoPos)
            external
            view
            returns (address owner, uint256 amount, bytes32 id, bool challenged);
        function txHash(PaymentTx tx) external view returns (bytes32);
        function outputId(bytes32 txHash, uint256 index) external view returns (bytes32);
        function depositOutputId(uint256 blknum) external view returns (bytes32);
        function framework() external view returns (address);
        function standardExitBond() external view returns (uint256);
        function inFlightExitBond() external view returns (uint256);
        function piggybackBond() external view returns (uint256);
    }
}
