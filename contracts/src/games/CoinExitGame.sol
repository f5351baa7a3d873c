// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {CoinExitBase} from "./CoinExitBase.sol";
import {SparseMerkle} from "../lib/SparseMerkle.sol";
import {Eip712} from "../lib/Eip712.sol";
import {CashTx, CashTxLib, Included} from "./CashTx.sol";

/// @title CoinExitGame
/// @notice Owns the exit rules of Plasma Cash on `CashTx` (docs/cash.md, "Exit game"): the abstract
///         game that `CashExitGame` deploys as is and `XtExitGame` extends with checkpoints
///         (docs/xt.md). It reads the coin's transactions for the exits of coins from their
///         deposit or from their last two transactions `C` and `P(C)`, the spent-coin and
///         double-spend challenges that cancel an exit at once, and the interactive
///         invalid-history challenges with their responses; the bookkeeping of exits, challenges,
///         bonds, settlement and the lock after a cancelled forged exit is `CoinExitBase`'s, shared
///         with Plasma Debit. The framework keeps the blocks, the queue, the bonds, the ETH and the
///         global "paid" flags (one per coin, `bytes32(coinId)`); the byte rules of a transaction
///         live in `CashTxLib`.
abstract contract CoinExitGame is CoinExitBase {
    /// @notice Coin `coinId` started exit `exitId` by `owner` from the transaction included at
    ///         `eBlk`, whose parent made `pOwner` the owner at `pBlk` (both zero for a deposit exit).
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
    /// @notice `responder` answered the challenge at `challengeBlk` with `tx`, included at `blknum`
    ///         with `proof` and signed `sig`: the event publishes the spend.
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
    /// @notice Exit `exitId` was settled for `owner`; `paid` is false when the framework refused.
    event ExitFinalized(uint64 indexed coinId, uint96 indexed exitId, address indexed owner, bool paid);

    /// @notice Deploys the game for `framework_`; reads the framework's exit period and domain.
    /// @param framework_ The PlasmaFramework deployment.
    /// @param exitBond_ The bond every exit must post (wei).
    /// @param challengeBond_ The bond every history challenge must post (wei).
    constructor(address framework_, uint256 exitBond_, uint256 challengeBond_)
        CoinExitBase(framework_, exitBond_, challengeBond_)
    {}

    // ---------------------------------------------------------------------------------------------
    // Exits
    // ---------------------------------------------------------------------------------------------

    /// @notice Starts the exit of coin `coinId` by its depositor, from the deposit itself.
    /// @dev Requires `msg.value == exitBond`; a deposit block number whose block exists with root
    ///      `keccak256(abi.encode(msg.sender, amount))`; no open exit of the coin and no payout of it.
    ///      The exit has `eBlk = coinId`, `pBlk = 0`, `pOwner = 0` and is exitable at `now + P`.
    /// @param coinId The coin (its deposit block number).
    /// @param amount The deposited amount (wei).
    function startDepositExit(uint64 coinId, uint256 amount) external payable {
        require(msg.value == exitBond, "bad bond");
        _checkDepositBlock(coinId, msg.sender, amount);
        _openCoinExit(coinId, coinId, 0, address(0), amount);
    }

    /// @notice Starts the exit of coin `coinId` by the new owner of `exiting` (C), spending either
    ///         the deposit or `parent` (P(C)).
    /// @dev Requires, in this order: `msg.value == exitBond`; the deposit record `(depositor,
    ///      amount)` of `coinId`; `exiting.tx.coinId == coinId` ("wrong coin"); the caller as
    ///      `exiting.tx.newOwner`; `exiting` included in an existing child block; then either
    ///      `exiting.tx.prevBlock == coinId` and an all-zero `parent` ("bad parent"), or
    ///      `parent.blknum == exiting.tx.prevBlock` ("bad parent"), `parent.tx.coinId == coinId`,
    ///      `coinId < parent.blknum` ("bad order") and `parent` included in that child block; `pBlk < eBlk`; `exitingSig` by `pOwner`; no open exit of
    ///      the coin and no payout of it. P(C)'s own signature is not checked (an invalid-history
    ///      challenge answers a forged P(C)); a parent before the deposit is refused, since no
    ///      history challenge could reach below it.
    /// @param coinId The coin.
    /// @param depositor The coin's depositor (from its deposit record).
    /// @param amount The coin's denomination (from its deposit record).
    /// @param parent P(C) with its block and proof, or all zero when C spends the deposit.
    /// @param exiting C with its block and proof.
    /// @param exitingSig C's 65-byte signature by P(C)'s new owner (the depositor for a deposit).
    function startExit(
        uint64 coinId,
        address depositor,
        uint256 amount,
        Included calldata parent,
        Included calldata exiting,
        bytes calldata exitingSig
    ) external payable {
        require(msg.value == exitBond, "bad bond");
        _checkDepositBlock(coinId, depositor, amount);
        require(exiting.tx.coinId == coinId, "wrong coin");
        require(exiting.tx.newOwner == msg.sender, "not owner");
        bytes32 hash = _includedTx(exiting);
        (uint64 pBlk, address pOwner) = _parentOf(coinId, depositor, exiting.tx.prevBlock, parent);
        uint64 eBlk = exiting.blknum;
        require(pBlk < eBlk, "bad order");
        require(Eip712.isSignedByCalldata(hash, exitingSig, pOwner), "bad signature");
        _openCoinExit(coinId, eBlk, pBlk, pOwner, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Challenges that cancel at once
    // ---------------------------------------------------------------------------------------------

    /// @notice Cancels the open exit of `coinId` with a direct spend of its exiting transaction C.
    /// @dev Requires an open exit; `spend.tx.coinId == coinId`; `spend.tx.prevBlock == eBlk`
    ///      ("not a spend"); `spend.blknum > eBlk` ("bad order"); `spend` included in an existing
    ///      child block; `sig` by the exit's owner. The exit bond goes to the spend's new owner (the
    ///      evidence decides, not who sends it); pending history challenges get their bonds back,
    ///      and the coin may exit again at once.
    /// @param coinId The coin.
    /// @param spend The spend of C with its block and proof.
    /// @param sig The spend's 65-byte signature.
    function challengeSpent(uint64 coinId, Included calldata spend, bytes calldata sig) external {
        Exit storage exit = _openExit(coinId);
        uint64 eBlk = exit.exitBlk;
        require(spend.tx.coinId == coinId, "wrong coin");
        require(spend.tx.prevBlock == eBlk, "not a spend");
        require(spend.blknum > eBlk, "bad order");
        bytes32 hash = _includedTx(spend);
        require(Eip712.isSignedByCalldata(hash, sig, exit.owner), "bad signature");
        _cancel(coinId, exit, KIND_SPENT, spend.tx.newOwner);
    }

    /// @notice Cancels the open exit of `coinId` with a spend of its parent P(C) made before C.
    /// @dev Requires an open exit with `pBlk != 0` ("not a spend": a deposit exit has no parent);
    ///      `spend.tx.coinId == coinId`; `spend.tx.prevBlock == pBlk` ("not a spend");
    ///      `pBlk < spend.blknum < eBlk` ("bad order");
    ///      `spend` included in an existing child block; `sig` by `pOwner`. Same effects as
    ///      `challengeSpent`.
    /// @param coinId The coin.
    /// @param spend The other spend of P(C) with its block and proof.
    /// @param sig The spend's 65-byte signature.
    function challengeDoubleSpend(uint64 coinId, Included calldata spend, bytes calldata sig) external {
        Exit storage exit = _openExit(coinId);
        uint64 pBlk = exit.prevBlk;
        require(pBlk != 0, "not a spend");
        require(spend.tx.coinId == coinId, "wrong coin");
        require(spend.tx.prevBlock == pBlk, "not a spend");
        uint64 blknum = spend.blknum;
        require(pBlk < blknum && blknum < exit.exitBlk, "bad order");
        bytes32 hash = _includedTx(spend);
        require(Eip712.isSignedByCalldata(hash, sig, exit.prevOwner), "bad signature");
        _cancel(coinId, exit, KIND_DOUBLE_SPEND, spend.tx.newOwner);
    }

    // ---------------------------------------------------------------------------------------------
    // Invalid-history challenges
    // ---------------------------------------------------------------------------------------------

    /// @notice Challenges the history of the open exit of `coinId` with an earlier transaction C*
    ///         of the coin (or its deposit); the exit is cancelled at processing unless C*'s new
    ///         owner answers with C*'s direct child within the response period.
    /// @dev Requires `msg.value == challengeBond`; an open exit; `now < startedAt + 3R`
    ///      ("window closed"); `earlier.tx.coinId == coinId`; `coinId <= earlier.blknum < pBlk`
    ///      ("bad order"); either the deposit (`blknum == coinId`, `tx.prevBlock == 0`, empty
    ///      proof, `tx.newOwner` the depositor of the exit's amount: "bad deposit") or an inclusion
    ///      in an existing child block; no earlier challenge of this exit at the same block
    ///      ("already challenged"). C*'s signature is not checked. The answer deadline is `now + R`.
    /// @param coinId The coin.
    /// @param earlier C* with its block and proof.
    function challengeHistory(uint64 coinId, Included calldata earlier) external payable {
        require(msg.value == challengeBond, "bad bond");
        Exit storage exit = _openExit(coinId);
        require(block.timestamp < uint256(exit.startedAt) + historyChallengeWindow, "window closed");
        require(earlier.tx.coinId == coinId, "wrong coin");
        uint64 blknum = earlier.blknum;
        _checkHistoryRange(coinId, exit, blknum);
        if (blknum == coinId) _checkDepositTx(coinId, earlier, exit.amount);
        else _includedTx(earlier);
        _recordChallenge(coinId, exit, blknum, earlier.tx.newOwner);
    }

    /// @notice Answers the pending history challenge at `challengeBlk` of the open exit of `coinId`
    ///         with the direct child of the challenged transaction; the challenge bond goes to the
    ///         caller and the answer is published in `HistoryChallengeAnswered`.
    /// @dev Requires an open exit; a pending challenge at `challengeBlk` ("no such challenge");
    ///      `now < deadline` ("too late"); `response.tx.coinId == coinId`;
    ///      `response.tx.prevBlock == challengeBlk` ("not a spend"); `challengeBlk <
    ///      response.blknum <= pBlk` ("bad order"); `response` included in an existing child block;
    ///      `sig` by the challenge's owner.
    /// @param coinId The coin.
    /// @param challengeBlk The block of the challenged transaction.
    /// @param response The challenged transaction's spend with its block and proof.
    /// @param sig The response's 65-byte signature.
    function respondHistory(uint64 coinId, uint64 challengeBlk, Included calldata response, bytes calldata sig)
        external
    {
        (Exit storage exit, Challenge storage challenge, uint96 exitId) = _pendingHistoryChallenge(coinId, challengeBlk);
        require(response.tx.coinId == coinId, "wrong coin");
        require(response.tx.prevBlock == challengeBlk, "not a spend");
        require(challengeBlk < response.blknum && response.blknum <= exit.prevBlk, "bad order");
        bytes32 hash = _includedTx(response);
        require(Eip712.isSignedByCalldata(hash, sig, challenge.owner), "bad signature");
        _closeHistoryChallenge(exit, challenge);
        emit HistoryChallengeAnswered(
            coinId, exitId, msg.sender, challengeBlk, response.tx, response.blknum, response.proof, sig
        );
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The open exit of `coinId`; all zero when there is none.
    /// @param coinId The coin.
    /// @return owner The exiting owner (eOwner).
    /// @return prevOwner P(C)'s new owner (pOwner): the depositor when C spends the deposit, 0 for
    ///         a deposit exit.
    /// @return exitBlk The block of the exiting transaction (eBlk; `coinId` for a deposit exit).
    /// @return prevBlk The block of P(C) (pBlk; `coinId` when C spends the deposit, 0 for a
    ///         deposit exit).
    /// @return startedAt When the exit started.
    /// @return exitableAt When it may be processed (`startedAt + P`).
    /// @return amount The coin's denomination (wei).
    /// @return seq The exit's number among the coin's exits (from 1).
    /// @return pendingCount The number of unanswered history challenges.
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
        )
    {
        Exit storage exit = _exits[coinId];
        owner = exit.owner;
        if (owner == address(0)) return (owner, prevOwner, 0, 0, 0, 0, 0, 0, 0);
        (prevOwner, exitBlk, prevBlk, startedAt) = (exit.prevOwner, exit.exitBlk, exit.prevBlk, exit.startedAt);
        exitableAt = startedAt + _minExitPeriod;
        (amount, seq, pendingCount) = (exit.amount, exit.seq, exit.pending);
    }

    /// @notice The transaction hash under this deployment's domain: what the coin's owner signs and
    ///         what a block's sparse tree stores at key `coinId`.
    /// @param cashTx The transaction.
    /// @return The digest `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(cashTx))`.
    function txHash(CashTx calldata cashTx) external view returns (bytes32) {
        return CashTxLib.txHash(_domainSeparator(), cashTx);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal helpers
    // ---------------------------------------------------------------------------------------------

    /// @dev Checks the deposit form of a history challenge: `CashTx(coinId, 0, depositor)` at block
    ///      `coinId` with an empty proof, where the deposit record of the exit's coin is
    ///      `(depositor, amount)` (the block exists: the exit checked it).
    function _checkDepositTx(uint64 coinId, Included calldata deposit, uint256 amount) internal view {
        require(deposit.tx.prevBlock == 0 && deposit.proof.length == 0, "bad deposit");
        _checkDepositRecord(coinId, deposit.tx.newOwner, amount);
    }

    /// @dev Checks that `included.tx` is included at key `tx.coinId` of the existing child block
    ///      `included.blknum`, and returns its hash.
    function _includedTx(Included calldata included) internal view returns (bytes32 hash) {
        uint64 blknum = included.blknum;
        require(blknum % CHILD_BLOCK_INTERVAL == 0, "not a child block");
        (bytes32 root, uint64 timestamp) = framework.blocks(blknum);
        require(timestamp != 0, "no such block");
        hash = CashTxLib.txHash(_domainSeparator(), included.tx);
        require(SparseMerkle.verifyInclusion(root, included.tx.coinId, hash, included.proof), "not included");
    }

    /// @dev `(pBlk, pOwner)` of an exiting transaction that spends `prevBlock`: the deposit (then
    ///      `parent` must be all zero) or `parent`, checked as `startExit` documents.
    function _parentOf(uint64 coinId, address depositor, uint64 prevBlock, Included calldata parent)
        internal
        view
        returns (uint64 pBlk, address pOwner)
    {
        if (prevBlock == coinId) {
            require(
                parent.blknum == 0 && parent.proof.length == 0 && CashTxLib.isZero(parent.tx), "bad parent"
            );
            return (coinId, depositor);
        }
        require(parent.blknum == prevBlock, "bad parent");
        require(parent.tx.coinId == coinId, "wrong coin");
        require(coinId < prevBlock, "bad order");
        _includedTx(parent);
        return (prevBlock, parent.tx.newOwner);
    }

    /// @dev Opens an exit of `coinId` for the caller and emits `ExitStarted`.
    function _openCoinExit(uint64 coinId, uint64 eBlk, uint64 pBlk, address pOwner, uint256 amount)
        internal
        returns (uint96 exitId)
    {
        uint64 exitableAt;
        (exitId, exitableAt) = _open(coinId, msg.sender, eBlk, pBlk, pOwner, amount);
        emit ExitStarted(coinId, msg.sender, exitId, eBlk, pBlk, pOwner, amount, exitableAt);
    }

    /// @dev Pays the open exit `exitId` (no pending challenge) to its owner and returns its bond.
    function _payOut(uint64 coinId, uint96 exitId, Exit storage exit) internal override {
        (address owner, uint256 amount) = (exit.owner, exit.amount);
        _end(coinId, exit);
        bool paid = framework.payExit(bytes32(uint256(coinId)), owner, amount);
        _releaseBond(owner, exitBond);
        emit ExitFinalized(coinId, exitId, owner, paid);
    }
}
