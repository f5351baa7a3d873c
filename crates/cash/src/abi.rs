//! The Solidity side of Plasma Cash as Rust types, from one `sol!` block (`docs/cash.md`).
//!
//! - [`CashTx`]: the transaction struct, in the field order and with the names of the contract, so
//!   that its ABI encoding (three static words, 96 bytes) and its EIP-712 type string
//!   `CashTx(uint64 coinId,uint64 prevBlock,address newOwner)` are the contract's.
//! - [`Included`]: a transaction of a coin with the child block that includes it and its
//!   bitmap-compressed sparse-tree proof, as every exit and challenge call takes it.
//! - [`PendingChallenge`]: one entry of the `pendingChallenges(uint64)` view.
//! - [`ICashExitGame`]: exactly the functions and events of `CashExitGame.sol` as `docs/cash.md`
//!   lists them. The interface lives in the same block as the structs so that its selectors expand
//!   them into the tuples `(uint64,uint64,address)` and `((uint64,uint64,address),uint64,bytes)`.
//!
//! The events are declared here (unlike the MVP crate) because the watcher reads them: decode a log
//! with `ICashExitGame::ExitStarted::decode_log` and convert it with
//! [`ObservedExit::from`](crate::game::ObservedExit).

#![allow(missing_docs, clippy::too_many_arguments)]

use alloy_sol_types::sol;

sol! {
    /// A Plasma Cash transaction: moves the whole coin `coinId`, which last moved at `prevBlock`
    /// (`coinId` itself for the deposit), to `newOwner` (never zero).
    #[derive(Debug, Default, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct CashTx {
        uint64 coinId;
        uint64 prevBlock;
        address newOwner;
    }

    /// A transaction of a coin, the child block that includes it and its sparse-tree inclusion
    /// proof at key `tx.coinId`. All zero (empty proof) for "no parent"; `blknum == coinId`,
    /// `tx.prevBlock == 0` and an empty proof for a coin's deposit in a history challenge.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct Included {
        CashTx tx;
        uint64 blknum;
        bytes proof;
    }

    /// A pending invalid-history challenge, as `pendingChallenges(uint64)` returns it.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct PendingChallenge {
        address challenger;
        uint64 blknum;
        address owner;
        uint64 deadline;
    }

    /// The calls and events of `CashExitGame.sol`, exactly as `docs/cash.md` lists them.
    #[derive(Debug, PartialEq, Eq)]
    #[sol(abi)]
    interface ICashExitGame {
        event ExitStarted(
            uint64 indexed coinId,
            address indexed owner,
            uint96 exitId,
            uint64 eBlk,
            uint64 pBlk,
            address pOwner,
            uint256 amount,
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
            CashTx tx,
            uint64 blknum,
            bytes proof,
            bytes sig
        );
        event ExitChallenged(uint64 indexed coinId, uint96 indexed exitId, address indexed challenger, uint8 kind);
        event ExitCancelled(uint64 indexed coinId, uint96 indexed exitId, address indexed beneficiary);
        event ExitFinalized(uint64 indexed coinId, uint96 indexed exitId, address indexed owner, bool paid);
        event CoinReserved(uint64 indexed coinId, address indexed owner, uint64 until);

        function startDepositExit(uint64 coinId, uint256 amount) external payable;
        function startExit(
            uint64 coinId,
            address depositor,
            uint256 amount,
            Included parent,
            Included exiting,
            bytes exitingSig
        ) external payable;
        function challengeSpent(uint64 coinId, Included spend, bytes sig) external;
        function challengeDoubleSpend(uint64 coinId, Included spend, bytes sig) external;
        function challengeHistory(uint64 coinId, Included earlier) external payable;
        function respondHistory(uint64 coinId, uint64 challengeBlk, Included response, bytes sig) external;
        function processExit(uint96 exitId) external;
        function exits(uint64 coinId)
            external
            view
            returns (
                address owner,
                address prevOwner,
                uint64 exitBlk,
                uint64 prevBlk,
                uint64 startedAt,
                uint64 exitableAt,
                uint256 amount,
                uint32 seq,
                uint256 pendingCount
            );
        function pendingChallenges(uint64 coinId) external view returns (PendingChallenge[] challenges);
        function reservation(uint64 coinId) external view returns (address owner, uint64 until, bool settling);
        function txHash(CashTx tx) external view returns (bytes32);
        function responsePeriod() external view returns (uint64);
        function historyChallengeWindow() external view returns (uint64);
        function framework() external view returns (address);
        function exitBond() external view returns (uint256);
        function challengeBond() external view returns (uint256);
        function SETTLE_BATCH() external view returns (uint256);
        function KIND_SPENT() external view returns (uint8);
        function KIND_DOUBLE_SPEND() external view returns (uint8);
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

    /// `kind name(types)` of every function and event of the compiled `CashExitGame`, with the
    /// indexed flags of an event's inputs and a function's state mutability.
    fn artifact_items() -> BTreeMap<String, String> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/artifacts/CashExitGame.json");
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
    fn every_function_and_event_is_in_the_artifact() {
        let artifact = artifact_items();
        let functions: Vec<_> = ICashExitGame::abi::functions().into_values().flatten().collect();
        let events: Vec<_> = ICashExitGame::abi::events().into_values().flatten().collect();
        assert_eq!((functions.len(), events.len()), (19, 7));
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
