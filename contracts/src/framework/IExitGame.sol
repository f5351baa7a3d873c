// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title IExitGame
/// @notice Owns the callback interface between PlasmaFramework and an exit game: the framework pops
///         a mature exit from its queue and asks the registered game to settle it.
interface IExitGame {
    /// @notice Settles exit `exitId`, which the framework has just removed from its queue.
    /// @dev Called only by the framework, from `processExits`. Must not revert for an exit that was
    ///      cancelled or already settled (a revert blocks the queue): do nothing instead. Payouts go
    ///      through `PlasmaFramework.payExit`, which returns false rather than reverting.
    /// @param exitId The id the game passed to `PlasmaFramework.enqueue`.
    function processExit(uint96 exitId) external;
}
