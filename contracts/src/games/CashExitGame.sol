// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {CoinExitGame} from "./CoinExitGame.sol";

/// @title CashExitGame
/// @notice Owns the deployment of the Plasma Cash exit game (docs/cash.md, "Exit game"): exactly the
///         rules of `CoinExitGame`, whose history challenges reach back to the coin's deposit. The
///         functions, events, revert reasons and storage are all `CoinExitGame`'s.
contract CashExitGame is CoinExitGame {
    /// @notice Deploys the game for `framework_`; reads the framework's exit period and domain.
    /// @param framework_ The PlasmaFramework deployment.
    /// @param exitBond_ The bond every exit must post (wei).
    /// @param challengeBond_ The bond every history challenge must post (wei).
    constructor(address framework_, uint256 exitBond_, uint256 challengeBond_)
        CoinExitGame(framework_, exitBond_, challengeBond_)
    {}
}
