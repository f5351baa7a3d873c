//! The Solidity side of Plasma Debit as Rust types, from one `sol!` block (`docs/debit.md`).
//!
//! - [`DebitTx`]: the ten-field transaction struct in the contract's field order, so that its ABI
//!   encoding (ten static words, 320 bytes) and its EIP-712 type string are the contract's.
//! - [`DebitIncluded`]: a transaction with the child block that includes it and its proofs at the
//!   key of each coin it touches, as every exit and challenge call takes it.
//! - [`PendingChallenge`], [`ExitView`]: what the `pendingChallenges` and `exits` views return.
//! - [`IDebitExitGame`]: exactly the functions and events of `DebitExitGame.sol`.

#![allow(missing_docs, clippy::too_many_arguments)]

use alloy_sol_types::sol;

sol! {
    /// A Plasma Debit transaction: one leg per coin (`peerCoin == 0`: a single-coin transfer,
    /// update or channel state; otherwise an atomic payment between `coinId` and `peerCoin`).
    #[derive(Debug, Default, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct DebitTx {
        uint64 coinId;
        uint64 prevBlock;
        address newOwner;
        uint128 balance;
        uint64 nonce;
        uint64 peerCoin;
        uint64 peerPrevBlock;
        address peerOwner;
        uint128 peerBalance;
        uint64 peerNonce;
    }

    /// A transaction, its child block and its inclusion proofs at `tx.coinId` and (for a payment)
    /// at `tx.peerCoin`. All zero for "no parent"; `blknum == coinId`, `tx.prevBlock == 0` and
    /// empty proofs for a coin's deposit in a history challenge.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct DebitIncluded {
        DebitTx tx;
        uint64 blknum;
        bytes proof;
        bytes peerProof;
    }

    /// A pending invalid-history challenge, as `pendingChallenges(uint64)` returns it.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct PendingChallenge {
        address challenger;
        uint64 blknum;
        address owner;
        uint64 deadline;
    }

    /// An open exit, as `exits(uint64)` returns it.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct ExitView {
        address holder;
        address exiter;
        address prevOwner;
        uint64 exitBlk;
        uint64 prevBlk;
        uint64 startedAt;
        uint64 exitableAt;
        uint256 amount;
        uint256 balance;
        uint64 nonce;
        uint32 seq;
        uint256 pendingCount;
    }

    /// The calls and events of `DebitExitGame.sol`, exactly as `docs/debit.md` lists them.
    #[derive(Debug, PartialEq, Eq)]
    #[sol(abi)]
    interface IDebitExitGame {
        event ExitStarted(
            uint64 indexed coinId,
            address indexed holder,
            uint96 exitId,
            address exiter,
            uint64 eBlk,
            uint64 pBlk,
            address pOwner,
            uint256 balance,
            uint64 nonce,
            uint64 exitableAt
        );
        event HistoryChallenged(
            uint64 indexed coinId,
            uint96 indexed exitId,
            address indexed challenger,
            uint64 blknum,
            address owner,
            uint64 deadline
        );
        event HistoryChallengeAnswered(
            uint64 indexed coinId,
            uint96 indexed exitId,
            address indexed responder,
            uint64 challengeBlk,
            DebitIncluded response,
            bytes sig
        );
        event ExitChallenged(uint64 indexed coinId, uint96 indexed exitId, address indexed challenger, uint8 kind);
        event ExitCancelled(uint64 indexed coinId, uint96 indexed exitId, address indexed beneficiary);
        event ChannelChallenged(
            uint64 indexed coinId, uint96 indexed exitId, uint64 nonce, uint256 balance, uint64 deadline
        );
        event ChannelAnswered(
            uint64 indexed coinId, uint96 indexed exitId, address indexed responder, uint64 nonce, uint256 balance
        );
        event ExitFinalized(
            uint64 indexed coinId,
            uint96 indexed exitId,
            address indexed holder,
            uint256 holderShare,
            uint256 operatorShare,
            bool penalty,
            bool paid
        );
        event LiquidityAdded(uint64 indexed coinId, uint64 liquidityDeposit, uint256 amount, uint256 total);
        event CoinReserved(uint64 indexed coinId, address indexed owner, uint64 until);

        function addLiquidity(uint64 coinId, uint64 liquidityDeposit, uint256 amount) external;
        function startDepositExit(uint64 coinId, address depositor, uint256 amount) external payable;
        function startExit(
            uint64 coinId,
            address depositor,
            uint256 amount,
            DebitIncluded parent,
            DebitIncluded exiting,
            bytes exitingSig
        ) external payable;
        function challengeSpent(uint64 coinId, DebitIncluded spend, bytes sig) external;
        function challengeDoubleSpend(uint64 coinId, DebitIncluded spend, bytes sig) external;
        function challengeHistory(uint64 coinId, DebitIncluded earlier) external payable;
        function respondHistory(uint64 coinId, uint64 challengeBlk, DebitIncluded response, bytes sig) external;
        function challengeChannel(uint64 coinId, DebitTx state, bytes holderSig, bytes operatorSig) external payable;
        function respondChannel(uint64 coinId, DebitTx state, bytes holderSig, bytes operatorSig) external;
        function processExit(uint96 exitId) external;
        function exits(uint64 coinId) external view returns (ExitView view_);
        function channelChallenge(uint64 coinId) external view returns (uint64 nonce, uint64 deadline);
        function pendingChallenges(uint64 coinId) external view returns (PendingChallenge[] challenges);
        function reservation(uint64 coinId) external view returns (address owner, uint64 until, bool settling);
        function liquidity(uint64 coinId) external view returns (uint256);
        function txHash(DebitTx debitTx) external view returns (bytes32);
        function responsePeriod() external view returns (uint64);
        function historyChallengeWindow() external view returns (uint64);
        function framework() external view returns (address);
        function exitBond() external view returns (uint256);
        function challengeBond() external view returns (uint256);
        function SETTLE_BATCH() external view returns (uint256);
        function KIND_SPENT() external view returns (uint8);
        function KIND_DOUBLE_SPEND() external view returns (uint8);
        function OPERATOR_SHARE_FLAG() external view returns (uint256);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Value;

    use super::*;

    /// The canonical type of an ABI JSON parameter (tuples expanded).
    fn canonical(param: &Value) -> String {
        let ty = param["type"].as_str().unwrap_or_default();
        match ty.strip_prefix("tuple") {
            Some(suffix) => {
                let components = param["components"].as_array().map(Vec::as_slice).unwrap_or_default();
                let inner: Vec<String> = components.iter().map(canonical).collect();
                format!("({}){suffix}", inner.join(","))
            }
            None => ty.to_owned(),
        }
    }

    /// `kind name(types)` of every function and event of the compiled `DebitExitGame`, with the
    /// indexed flags of an event's inputs and a function's state mutability.
    fn artifact_items() -> BTreeMap<String, String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/artifacts/DebitExitGame.json");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let artifact: Value = serde_json::from_str(&text).unwrap();
        let mut items = BTreeMap::new();
        for item in artifact["abi"].as_array().unwrap() {
            let kind = item["type"].as_str().unwrap();
            if kind != "function" && kind != "event" {
                continue;
            }
            let inputs = item["inputs"].as_array().unwrap();
            let types: Vec<String> = inputs.iter().map(canonical).collect();
            let signature = format!("{kind} {}({})", item["name"].as_str().unwrap(), types.join(","));
            let detail = if kind == "event" {
                format!("{:?}", inputs.iter().map(|i| i["indexed"].as_bool().unwrap_or(false)).collect::<Vec<_>>())
            } else {
                item["stateMutability"].as_str().unwrap().to_owned()
            };
            items.insert(signature, detail);
        }
        items
    }

    #[test]
    fn the_interface_is_exactly_the_artifact() {
        let artifact = artifact_items();
        let functions: Vec<_> = IDebitExitGame::abi::functions().into_values().flatten().collect();
        let events: Vec<_> = IDebitExitGame::abi::events().into_values().flatten().collect();
        assert_eq!(functions.len() + events.len(), artifact.len(), "every artifact item is declared");
        for function in &functions {
            let key = format!("function {}", function.signature());
            let mutability = serde_json::to_value(function.state_mutability).unwrap();
            assert_eq!(artifact.get(&key).map(String::as_str), mutability.as_str(), "{key}");
        }
        for event in &events {
            let key = format!("event {}", event.signature());
            let indexed = format!("{:?}", event.inputs.iter().map(|i| i.indexed).collect::<Vec<_>>());
            assert_eq!(artifact.get(&key), Some(&indexed), "{key}");
        }
    }
}
