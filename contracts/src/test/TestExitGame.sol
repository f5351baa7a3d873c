// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IExitGame} from "../framework/IExitGame.sol";
import {PlasmaFramework} from "../framework/PlasmaFramework.sol";

/// @title TestExitGame
/// @notice TEST FIXTURE, deployed only by the Rust tests, never by production code. Owns a minimal
///         exit game with no proofs and no challenges, so the framework's queue, payouts, flags and
///         bonds can be exercised directly: anyone may start an exit for any id, owner and amount.
contract TestExitGame is IExitGame {
    /// @notice A started, not yet processed exit.
    struct Exit {
        bytes32 id;
        address owner;
        uint256 amount;
        uint256 bond;
    }

    /// @notice The framework this game is registered with.
    PlasmaFramework public immutable framework;

    /// @notice The id the next started exit gets (ids start at 1).
    uint96 public nextExitId = 1;

    /// @notice Exits by id; deleted when processed.
    mapping(uint96 exitId => Exit) public exits;

    /// @notice Exit `exitId` was processed; `paid` is false when its id was already finalized.
    event TestExitProcessed(uint96 exitId, bool paid);

    /// @param framework_ The PlasmaFramework deployment.
    constructor(address framework_) {
        framework = PlasmaFramework(framework_);
    }

    /// @notice Starts an exit and queues it; `msg.value` is the bond, forwarded to the framework.
    /// @param id The output or coin id the exit pays.
    /// @param owner The account paid when the exit is processed; cannot be zero.
    /// @param amount The payout in wei.
    /// @param exitableAt When the exit may be processed.
    /// @param position The queue tie-breaker.
    /// @return exitId The new exit's id.
    function startExit(bytes32 id, address owner, uint256 amount, uint64 exitableAt, uint96 position)
        external
        payable
        returns (uint96 exitId)
    {
        require(owner != address(0), "zero address");
        exitId = nextExitId++;
        exits[exitId] = Exit(id, owner, amount, msg.value);
        if (msg.value != 0) framework.depositBond{value: msg.value}();
        framework.enqueue(exitableAt, position, exitId);
    }

    /// @notice Flags `id` in the framework without paying (lets tests reach `PlasmaFramework.flag`).
    /// @param id The output or coin id.
    /// @return newlyFlagged The framework's answer.
    function flag(bytes32 id) external returns (bool newlyFlagged) {
        return framework.flag(id);
    }

    /// @notice Settles exit `exitId` (framework only): pays it unless its id is already finalized,
    ///         and always returns the bond to the owner. Unknown ids are ignored.
    /// @param exitId The exit to settle.
    function processExit(uint96 exitId) external {
        require(msg.sender == address(framework), "not framework");
        Exit memory exit = exits[exitId];
        if (exit.owner == address(0)) return;
        delete exits[exitId];
        bool paid = framework.payExit(exit.id, exit.owner, exit.amount);
        if (exit.bond != 0) framework.releaseBond(exit.owner, exit.bond);
        emit TestExitProcessed(exitId, paid);
    }
}
