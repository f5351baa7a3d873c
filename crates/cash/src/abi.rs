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
                uint256 pendingChallenges
            );
        function pendingChallenges(uint64 coinId) external view returns (PendingChallenge[] challenges);
        function txHash(CashTx tx) external view returns (bytes32);
        function responsePeriod() external view returns (uint64);
        function historyChallengeWindow() external view returns (uint64);
        function framework() external view returns (address);
        function exitBond() external view returns (uint256);
        function challengeBond() external view returns (uint256);
    }
}
