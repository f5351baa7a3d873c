// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {PlasmaFramework} from "../framework/PlasmaFramework.sol";

/// @title ReentrantRecipient
/// @notice TEST FIXTURE, deployed only by the Rust tests, never by production code. Owns the
///         "recipient that calls back into the framework while being paid" case: when it receives
///         ETH it tries to withdraw again and to process exits. With `swallow` off the re-entry's
///         failure propagates; with it on, the re-entry's revert reason is recorded in
///         `lastReentryError` and the payment is accepted.
contract ReentrantRecipient {
    PlasmaFramework public immutable framework;
    bool public swallow;
    string public lastReentryError;

    constructor(address framework_, bool swallow_) {
        framework = PlasmaFramework(framework_);
        swallow = swallow_;
    }

    /// @notice Re-enters `withdraw` and then `processExits` while being paid.
    receive() external payable {
        try framework.withdraw() {
            lastReentryError = "withdraw re-entered";
        } catch Error(string memory reason) {
            lastReentryError = reason;
            if (!swallow) revert(reason);
        }
        try framework.processExits(10) {
            lastReentryError = string.concat(lastReentryError, "; processExits re-entered");
        } catch Error(string memory reason) {
            lastReentryError = string.concat(lastReentryError, "; ", reason);
            if (!swallow) revert(reason);
        }
    }

    /// @notice Calls `framework.withdraw()` as this contract.
    function withdrawFrom() external {
        framework.withdraw();
    }
}
