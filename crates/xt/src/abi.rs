//! The Solidity side of Plasma XT as Rust types, from one `sol!` block (`docs/xt.md`).
//!
//! - [`CheckpointSignOff`]: the EIP-712 sign-off an owner signs, type string
//!   `CheckpointSignOff(uint64 blknum,bytes32 stateRoot,uint64 coinId)`.
//! - [`CheckpointState`]: a coin's state in a finalised checkpoint, as the origin calls take it.
//! - [`IXtExitGame`]: the functions and events `XtExitGame.sol` adds to `CashExitGame`'s (those
//!   are called through [`plasma_cash::CashGame`], whose selectors are the same). `CashTx` and
//!   `Included` are declared again here only so that the selectors expand them into their tuples;
//!   [`from_cash`] and [`to_cash`] convert from and to `plasma-cash`'s identical types.

#![allow(missing_docs, clippy::too_many_arguments)]

use alloy_sol_types::sol;

sol! {
    /// A Plasma Cash transaction (`plasma_cash::CashTx`, same ABI).
    #[derive(Debug, Default, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct CashTx {
        uint64 coinId;
        uint64 prevBlock;
        address newOwner;
    }

    /// A transaction with its block and inclusion proof (`plasma_cash::Included`, same ABI).
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct Included {
        CashTx tx;
        uint64 blknum;
        bytes proof;
    }

    /// What an owner signs to sign off coin `coinId` in the checkpoint of block `blknum`.
    #[derive(Debug, Default, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct CheckpointSignOff {
        uint64 blknum;
        bytes32 stateRoot;
        uint64 coinId;
    }

    /// A coin's state `(owner, lastMoved)` in a finalised checkpoint, with the checkpoint's bitmap
    /// and the inclusion proof of its state leaf.
    #[derive(Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
    struct CheckpointState {
        uint256 checkpointId;
        bytes bitmap;
        address owner;
        uint64 lastMoved;
        bytes proof;
    }

    /// The calls and events `XtExitGame.sol` adds to the Plasma Cash game (`docs/xt.md`).
    #[derive(Debug, PartialEq, Eq)]
    #[sol(abi)]
    interface IXtExitGame {
        event CheckpointProposed(
            uint256 indexed checkpointId,
            uint64 indexed blknum,
            uint64 zoneStart,
            uint64 zoneSize,
            bytes32 stateRoot,
            bytes bitmap,
            uint64 finalizableAt
        );
        event CheckpointChallenged(
            uint256 indexed checkpointId,
            uint64 indexed coinId,
            address indexed challenger,
            uint64 blknum,
            address owner,
            uint64 deadline
        );
        event CheckpointChallengeAnswered(
            uint256 indexed checkpointId, uint64 indexed coinId, address indexed responder, uint64 challengeBlk, uint8 kind
        );
        event CheckpointSpendRevealed(
            uint256 indexed checkpointId, uint64 indexed coinId, CashTx tx, uint64 blknum, bytes proof, bytes sig
        );
        event CheckpointFinalized(uint256 indexed checkpointId, uint64 indexed blknum);
        event CheckpointVoided(uint256 indexed checkpointId, address indexed beneficiary, uint8 reason);
        event CheckpointCapped(uint256 indexed checkpointId);
        event HistoryAnsweredAtCheckpoint(
            uint64 indexed coinId, uint96 indexed exitId, address indexed responder, uint64 challengeBlk, uint256 checkpointId
        );
        event ExitOriginSet(uint64 indexed coinId, uint96 indexed exitId, uint256 checkpointId, uint64 blknum);

        function proposeCheckpoint(uint64 blknum, uint64 zoneStart, uint64 zoneSize, bytes32 stateRoot, bytes bitmap)
            external payable returns (uint256 checkpointId);
        function challengeCheckpoint(uint256 checkpointId, bytes bitmap, Included latest, uint256 amount) external payable;
        function challengeCheckpointAfter(
            uint256 checkpointId,
            bytes bitmap,
            Included latest,
            uint256 amount,
            Included later,
            bytes laterSig
        ) external payable;
        function respondCheckpointLeaf(uint256 checkpointId, uint64 coinId, uint64 challengeBlk, bytes proof) external;
        function respondCheckpointSignOff(uint256 checkpointId, uint64 coinId, uint64 challengeBlk, bytes sig) external;
        function respondCheckpointSpend(
            uint256 checkpointId, uint64 coinId, uint64 challengeBlk, Included spend, bytes sig
        ) external;
        function finalizeCheckpoint(uint256 checkpointId) external;
        function startCheckpointExit(
            uint64 coinId,
            address depositor,
            uint256 amount,
            CheckpointState origin,
            Included parent,
            Included exiting,
            bytes exitingSig
        ) external payable;
        function challengeHistoryAtCheckpoint(uint64 coinId, CheckpointState state) external payable;
        function cancelStaleExit(uint64 coinId, CheckpointState state) external;
        function respondHistoryAtCheckpoint(uint64 coinId, uint64 challengeBlk, CheckpointState state) external;
        function checkpoints(uint256 checkpointId)
            external
            view
            returns (
                uint64 blknum,
                uint64 zoneStart,
                uint64 zoneSize,
                bytes32 stateRoot,
                bytes32 bitmapHash,
                address proposer,
                uint64 proposedAt,
                uint64 finalizableAt,
                uint8 status,
                uint32 pendingCount
            );
        function checkpointCount() external view returns (uint256);
        function isCapped(uint256 checkpointId) external view returns (bool);
        function checkpointChallenge(uint256 checkpointId, uint64 coinId, uint64 blknum)
            external view returns (address challenger, address owner, uint64 deadline);
        function exitOrigin(uint96 exitId) external view returns (uint64);
        function signOffHash(uint64 blknum, bytes32 stateRoot, uint64 coinId) external view returns (bytes32);
        function stateLeaf(address owner, uint64 lastMoved) external pure returns (bytes32);
        function checkpointBond() external view returns (uint256);
        function checkpointPeriod() external view returns (uint64);
        function checkpointResponsePeriod() external view returns (uint64);
        function checkpointChallengeWindow() external view returns (uint64);
        function challengeCap() external view returns (uint32);
    }
}

/// `plasma-cash`'s `Included` as this block's.
#[must_use]
pub fn from_cash(included: &plasma_cash::Included) -> Included {
    let tx = CashTx { coinId: included.tx.coinId, prevBlock: included.tx.prevBlock, newOwner: included.tx.newOwner };
    Included { tx, blknum: included.blknum, proof: included.proof.clone() }
}

/// This block's `Included` as `plasma-cash`'s.
#[must_use]
pub fn to_cash(included: &Included) -> plasma_cash::Included {
    let tx = plasma_cash::CashTx::new(included.tx.coinId, included.tx.prevBlock, included.tx.newOwner);
    plasma_cash::Included { tx, blknum: included.blknum, proof: included.proof.clone() }
}
