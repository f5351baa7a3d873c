// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {PlasmaFramework} from "../framework/PlasmaFramework.sol";

/// @title GasBurner
/// @notice TEST FIXTURE, deployed only by the Rust tests, never by production code. Owns the
///         "recipient that burns all forwarded gas" case: its withdrawals run out of gas, fail and
///         keep the credit, and it can redirect them to another address with `withdrawTo`.
contract GasBurner {
    /// @notice Loops until all forwarded gas is spent.
    receive() external payable {
        uint256 i;
        while (true) {
            unchecked {
                ++i;
            }
        }
    }

    /// @notice Calls `framework.withdraw()` as this contract.
    /// @param framework The PlasmaFramework deployment.
    function withdrawFrom(address framework) external {
        PlasmaFramework(framework).withdraw();
    }

    /// @notice Calls `framework.withdrawTo(to)` as this contract.
    /// @param framework The PlasmaFramework deployment.
    /// @param to The recipient of this contract's credit.
    function withdrawToFrom(address framework, address payable to) external {
        PlasmaFramework(framework).withdrawTo(to);
    }
}
