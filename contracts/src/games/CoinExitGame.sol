// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IExitGame} from "../framework/IExitGame.sol";
import {PlasmaFramework} from "../framework/PlasmaFramework.sol";
import {SparseMerkle} from "../lib/SparseMerkle.sol";
import {Eip712} from "../lib/Eip712.sol";
import {CashTx, CashTxLib, Included} from "./CashTx.sol";

/// @notice A pending history challenge, as `pendingChallenges` returns it. Declared at file level
///         so that every game of the family returns the same `PendingChallenge` type.
struct PendingChallenge {
    address challenger;
    uint64 blknum;
    address owner;
    uint64 deadline;
}

/// @title CoinExitGame
/// @notice Owns the exit rules shared by the Plasma Cash family (docs/cash.md, "Exit game"): the
///         abstract base that `CashExitGame` deploys as is and `XtExitGame` extends with
///         checkpoints (docs/xt.md). It holds the exits of coins from their deposit or from their last two transactions `C` and `P(C)`, the spent-coin and
///         double-spend challenges that cancel an exit at once, the interactive invalid-history
///         challenges with their responses and bonds, and the settlement of mature exits that the
///         framework hands back. The framework keeps the blocks, the queue, the bonds, the ETH and
///         the global "paid" flags (one per coin, `bytes32(coinId)`); the byte rules of a
///         transaction live in `CashTxLib`.
/// @dev Storage. A coin's current exit takes three slots (`Exit`); its `seq` survives the exit so
///      that exit ids never repeat. History challenges of exit `exitId` live in
///      `_challenges[exitId]`, keyed by the challenged block (two slots each); each links to the
///      one made before it (`prev`, 0 for the first: no challenge can name block 0) and the exit
///      keeps the latest, so the list is walked from the newest to the earliest. An answered
///      challenge stays in the list with `challenger == 0`, so a block is challenged at most once
///      per exit (its answer is public and would answer a repeat).
///      Nothing caps the number of challenges: a cap would let a thief keep it full with challenges
///      it answers itself and lock the coin's owner out (docs/cash.md, "Safety notes"). Refunding
///      the challenges of a cancelled exit is therefore done `SETTLE_BATCH` list entries per call;
///      an unfinished walk is stored in `_settlements[exitId]` and continued when `exitId` comes
///      out of the framework's queue again: `processExit` re-queues it at the current time, and an
///      exit cancelled by a challenge still has its own entry queued. Every call, `processExit`
///      included, stays bounded in gas.
abstract contract CoinExitGame is IExitGame {
    /// @dev A coin's open exit (all zero but `seq` when there is none), in three slots.
    struct Exit {
        // slot 0
        address owner; // eOwner, the exiting transaction's new owner
        uint64 exitBlk; // eBlk
        uint32 seq; // exits ever started for the coin; kept when an exit ends
        // slot 1
        address prevOwner; // pOwner (0 for a deposit exit)
        uint64 prevBlk; // pBlk (0 for a deposit exit)
        uint32 pending; // pending history challenges
        // slot 2
        uint128 amount; // the coin's denomination; a deposit amount, so below 2^128
        uint64 startedAt;
        uint64 lastChallenge; // block of the latest history challenge made (0: none)
    }

    /// @dev One history challenge of an exit, stored under the challenged block, in two slots.
    struct Challenge {
        address challenger; // 0 once answered
        uint64 prev; // block of the challenge made before it on the same exit (0: none)
        address owner; // the challenged transaction's new owner, who must answer
        uint64 deadline; // answers are accepted strictly before it; non-zero for every challenge made
    }

    /// @dev Where the settlement of a cancelled exit's challenges stopped (one slot).
    struct Settlement {
        uint64 cursor; // the next list entry to visit
        uint32 remaining; // pending challenges not yet refunded
        bool bondOwed; // the exit bond goes to the last pending challenger reached (the earliest)
    }

    /// @notice `kind` of `ExitChallenged` for a spent-coin challenge.
    uint8 public constant KIND_SPENT = 1;

    /// @notice `kind` of `ExitChallenged` for a double-spend challenge.
    uint8 public constant KIND_DOUBLE_SPEND = 2;

    /// @notice Challenge list entries visited per settlement call (each refund is a framework call).
    uint256 public constant SETTLE_BATCH = 16;

    /// @notice The framework this game is registered with.
    PlasmaFramework public immutable framework;

    /// @notice The bond (wei) every exit posts: returned on payout, else paid to its challenger.
    uint256 public immutable exitBond;

    /// @notice The bond (wei) every history challenge posts: paid to the responder that answers
    ///         it, else returned when the exit ends.
    uint256 public immutable challengeBond;

    /// @notice `R = minExitPeriod / 4`: how long a history challenge can be answered (seconds).
    uint64 public immutable responsePeriod;

    /// @notice `3R`: how long after its start an exit accepts history challenges (seconds).
    uint64 public immutable historyChallengeWindow;

    uint256 internal constant CHILD_BLOCK_INTERVAL = 1000;
    uint64 internal immutable _minExitPeriod;
    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    mapping(uint64 coinId => Exit) internal _exits;
    mapping(uint96 exitId => mapping(uint64 blknum => Challenge)) private _challenges;
    mapping(uint96 exitId => Settlement) private _settlements;

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
    /// @notice `challenger` challenged exit `exitId` with the coin's transaction at `blknum`, whose
    ///         new owner `owner` can answer until `deadline` (exclusive).
    event HistoryChallenged(
        uint64 indexed coinId,
        uint96 indexed exitId,
        address indexed challenger,
        uint64 blknum,
        address owner,
        uint64 deadline
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
    /// @notice Exit `exitId` was cancelled by a spent-coin (`kind` 1) or double-spend (`kind` 2)
    ///         challenge; its bond went to `challenger`.
    event ExitChallenged(uint64 indexed coinId, uint96 indexed exitId, address indexed challenger, uint8 kind);
    /// @notice Exit `exitId` reached processing with unanswered history challenges and was
    ///         cancelled; its bond went to `beneficiary`, the earliest pending challenger.
    event ExitCancelled(uint64 indexed coinId, uint96 indexed exitId, address indexed beneficiary);
    /// @notice Exit `exitId` was settled for `owner`; `paid` is false when the framework refused.
    event ExitFinalized(uint64 indexed coinId, uint96 indexed exitId, address indexed owner, bool paid);

    /// @notice Deploys the game for `framework_`; reads the framework's exit period and domain.
    /// @param framework_ The PlasmaFramework deployment.
    /// @param exitBond_ The bond every exit must post (wei).
    /// @param challengeBond_ The bond every history challenge must post (wei).
    constructor(address framework_, uint256 exitBond_, uint256 challengeBond_) {
        framework = PlasmaFramework(framework_);
        exitBond = exitBond_;
        challengeBond = challengeBond_;
        uint64 period = PlasmaFramework(framework_).minExitPeriod();
        _minExitPeriod = period;
        responsePeriod = period / 4;
        historyChallengeWindow = (period / 4) * 3;
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = PlasmaFramework(framework_).domainSeparator();
    }

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
        _open(coinId, coinId, 0, address(0), amount);
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
        require(Eip712.recover(hash, exitingSig) == pOwner, "bad signature");
        _open(coinId, eBlk, pBlk, pOwner, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Challenges that cancel at once
    // ---------------------------------------------------------------------------------------------

    /// @notice Cancels the open exit of `coinId` with a direct spend of its exiting transaction C.
    /// @dev Requires an open exit; `spend.tx.coinId == coinId`; `spend.tx.prevBlock == eBlk`
    ///      ("not a spend"); `spend.blknum > eBlk` ("bad order"); `spend` included in an existing
    ///      child block; `sig` by the exit's owner. The exit bond goes to the caller, pending
    ///      history challenges get their bonds back, and the coin may exit again.
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
        require(Eip712.recover(hash, sig) == exit.owner, "bad signature");
        _cancel(coinId, exit, KIND_SPENT);
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
        require(Eip712.recover(hash, sig) == exit.prevOwner, "bad signature");
        _cancel(coinId, exit, KIND_DOUBLE_SPEND);
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
        Exit storage exit = _openExit(coinId);
        uint96 exitId = _exitId(exit.seq, coinId);
        Challenge storage challenge = _challenges[exitId][challengeBlk];
        require(challenge.challenger != address(0), "no such challenge");
        require(block.timestamp < challenge.deadline, "too late");
        require(response.tx.coinId == coinId, "wrong coin");
        require(response.tx.prevBlock == challengeBlk, "not a spend");
        require(challengeBlk < response.blknum && response.blknum <= exit.prevBlk, "bad order");
        bytes32 hash = _includedTx(response);
        require(Eip712.recover(hash, sig) == challenge.owner, "bad signature");
        challenge.challenger = address(0);
        unchecked {
            // The challenge was pending, so the count is at least one.
            exit.pending -= 1;
        }
        _releaseBond(msg.sender, challengeBond);
        emit HistoryChallengeAnswered(
            coinId, exitId, msg.sender, challengeBlk, response.tx, response.blknum, response.proof, sig
        );
    }

    // ---------------------------------------------------------------------------------------------
    // Processing
    // ---------------------------------------------------------------------------------------------

    /// @notice Settles exit `exitId` (framework only, from `processExits`). Never reverts when
    ///         called by the framework.
    /// @dev For the coin's open exit: without pending history challenges, pays the amount to the
    ///      owner (`payExit(bytes32(coinId), …)`) and returns the exit bond; with some, cancels the
    ///      exit, pays its bond to the earliest pending challenger and returns every pending
    ///      challenge bond. For an ended exit whose settlement is unfinished, continues it. Any other
    ///      id (an older `seq`, an exit cancelled and settled) is skipped. A settlement that does not
    ///      finish in `SETTLE_BATCH` entries re-queues `exitId` at the current time.
    /// @param exitId `uint96(seq) << 64 | coinId`.
    function processExit(uint96 exitId) external {
        require(msg.sender == address(framework), "not framework");
        uint64 coinId = uint64(exitId);
        Exit storage exit = _exits[coinId];
        address owner = exit.owner;
        if (owner != address(0) && _exitId(exit.seq, coinId) == exitId) {
            uint32 pending = exit.pending;
            if (pending == 0) {
                _pay(coinId, exitId, exit, owner);
                return;
            }
            uint64 latest = exit.lastChallenge;
            _end(exit);
            if (!_settle(coinId, exitId, Settlement(latest, pending, true))) _requeue(coinId, exitId);
            return;
        }
        Settlement memory settlement = _settlements[exitId];
        if (settlement.remaining == 0) return;
        if (_settle(coinId, exitId, settlement)) delete _settlements[exitId];
        else _requeue(coinId, exitId);
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

    /// @notice The pending history challenges of the open exit of `coinId`, in the order they were
    ///         made (empty without an open exit).
    /// @param coinId The coin.
    /// @return challenges `(challenger, blknum, owner, deadline)` of each pending challenge.
    function pendingChallenges(uint64 coinId) external view returns (PendingChallenge[] memory challenges) {
        Exit storage exit = _exits[coinId];
        if (exit.owner == address(0)) return challenges;
        uint256 left = exit.pending;
        challenges = new PendingChallenge[](left);
        mapping(uint64 => Challenge) storage list = _challenges[_exitId(exit.seq, coinId)];
        for (uint64 cursor = exit.lastChallenge; left != 0; cursor = list[cursor].prev) {
            Challenge storage challenge = list[cursor];
            if (challenge.challenger == address(0)) continue;
            challenges[--left] = PendingChallenge(challenge.challenger, cursor, challenge.owner, challenge.deadline);
        }
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

    /// @dev The framework's domain separator: the cached one unless the chain id changed (a fork).
    function _domainSeparator() internal view returns (bytes32) {
        if (block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return framework.domainSeparator();
    }

    /// @dev `uint96(seq) << 64 | coinId`.
    function _exitId(uint32 seq, uint64 coinId) internal pure returns (uint96) {
        return (uint96(seq) << 64) | coinId;
    }

    /// @dev The open exit of `coinId`; reverts "no open exit" when there is none.
    function _openExit(uint64 coinId) internal view returns (Exit storage exit) {
        exit = _exits[coinId];
        require(exit.owner != address(0), "no open exit");
    }

    /// @dev Checks that `coinId` is an existing deposit block recording `(depositor, amount)`.
    function _checkDepositBlock(uint64 coinId, address depositor, uint256 amount) internal view {
        require(coinId % CHILD_BLOCK_INTERVAL != 0, "not a deposit block");
        (bytes32 root, uint64 timestamp) = framework.blocks(coinId);
        require(timestamp != 0, "no such block");
        require(root == keccak256(abi.encode(depositor, amount)), "bad deposit");
    }

    /// @dev The blocks a history challenge of `exit` may name: `coinId <= blknum < pBlk` (the
    ///      history starts at the deposit); "bad order" otherwise. Plasma XT narrows it for exits
    ///      that start at a checkpoint.
    function _checkHistoryRange(uint64 coinId, Exit storage exit, uint64 blknum) internal view virtual {
        require(coinId <= blknum && blknum < exit.prevBlk, "bad order");
    }

    /// @dev Checks the deposit form of a history challenge: `CashTx(coinId, 0, depositor)` at block
    ///      `coinId` with an empty proof, where the deposit record of the exit's coin is
    ///      `(depositor, amount)` (the block exists: the exit checked it).
    function _checkDepositTx(uint64 coinId, Included calldata deposit, uint256 amount) internal view {
        require(deposit.tx.prevBlock == 0 && deposit.proof.length == 0, "bad deposit");
        (bytes32 root,) = framework.blocks(coinId);
        require(root == keccak256(abi.encode(deposit.tx.newOwner, amount)), "bad deposit");
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

    /// @dev Opens exit number `seq + 1` of `coinId` for the caller: checks that none is open and the
    ///      coin was never paid, records it, posts the bond and queues it at `now + P`, position eBlk.
    function _open(uint64 coinId, uint64 eBlk, uint64 pBlk, address pOwner, uint256 amount) internal {
        Exit storage exit = _exits[coinId];
        require(exit.owner == address(0), "exit exists");
        require(!framework.isFinalized(bytes32(uint256(coinId))), "already paid");
        uint32 seq = exit.seq + 1;
        uint64 startedAt = uint64(block.timestamp);
        uint64 exitableAt = startedAt + _minExitPeriod;
        (exit.owner, exit.exitBlk, exit.seq) = (msg.sender, eBlk, seq);
        if (pBlk != 0) (exit.prevOwner, exit.prevBlk) = (pOwner, pBlk);
        // The deposit record matched `amount`, and the framework never records a deposit of 2^128.
        (exit.amount, exit.startedAt) = (uint128(amount), startedAt);
        uint96 exitId = _exitId(seq, coinId);
        uint256 bond = exitBond;
        if (bond != 0) framework.depositBond{value: bond}();
        framework.enqueue(exitableAt, eBlk, exitId);
        emit ExitStarted(coinId, msg.sender, exitId, eBlk, pBlk, pOwner, amount, exitableAt);
    }

    /// @dev Appends a history challenge at `blknum` (owner `owner`) to the exit's list, posts the
    ///      challenge bond and emits `HistoryChallenged`.
    function _recordChallenge(uint64 coinId, Exit storage exit, uint64 blknum, address owner) internal {
        uint96 exitId = _exitId(exit.seq, coinId);
        mapping(uint64 => Challenge) storage list = _challenges[exitId];
        Challenge storage challenge = list[blknum];
        require(challenge.deadline == 0, "already challenged");
        uint64 deadline = uint64(block.timestamp) + responsePeriod;
        (challenge.challenger, challenge.prev) = (msg.sender, exit.lastChallenge);
        (challenge.owner, challenge.deadline) = (owner, deadline);
        exit.lastChallenge = blknum;
        exit.pending += 1;
        uint256 bond = challengeBond;
        if (bond != 0) framework.depositBond{value: bond}();
        emit HistoryChallenged(coinId, exitId, msg.sender, blknum, owner, deadline);
    }

    /// @dev Cancels the open exit of `coinId` for a spent-coin or double-spend challenge by the
    ///      caller: ends it, pays its bond to the caller and refunds its pending history challenges
    ///      (the rest, beyond one batch, when its queue entry comes up).
    function _cancel(uint64 coinId, Exit storage exit, uint8 kind) internal {
        uint96 exitId = _exitId(exit.seq, coinId);
        (uint32 pending, uint64 latest) = (exit.pending, exit.lastChallenge);
        _end(exit);
        _releaseBond(msg.sender, exitBond);
        emit ExitChallenged(coinId, exitId, msg.sender, kind);
        if (pending != 0) _settle(coinId, exitId, Settlement(latest, pending, false));
    }

    /// @dev Pays the open exit `exitId` (no pending challenge) to its owner and returns its bond.
    function _pay(uint64 coinId, uint96 exitId, Exit storage exit, address owner) internal {
        uint256 amount = exit.amount;
        _end(exit);
        bool paid = framework.payExit(bytes32(uint256(coinId)), owner, amount);
        _releaseBond(owner, exitBond);
        emit ExitFinalized(coinId, exitId, owner, paid);
    }

    /// @dev Ends an exit: clears everything but `seq`.
    function _end(Exit storage exit) internal {
        uint32 seq = exit.seq;
        (exit.owner, exit.exitBlk, exit.seq) = (address(0), 0, seq);
        (exit.prevOwner, exit.prevBlk, exit.pending) = (address(0), 0, 0);
        (exit.amount, exit.startedAt, exit.lastChallenge) = (0, 0, 0);
    }

    /// @dev Walks at most `SETTLE_BATCH` entries of exit `exitId`'s challenge list from
    ///      `s.cursor` towards the earliest, refunding each pending challenge's bond; when
    ///      `s.bondOwed`, the last pending one reached (the earliest made) also gets the exit bond,
    ///      with `ExitCancelled`. Returns true when every pending challenge is refunded; otherwise
    ///      stores where it stopped in `_settlements[exitId]`.
    function _settle(uint64 coinId, uint96 exitId, Settlement memory s) internal returns (bool done) {
        mapping(uint64 => Challenge) storage list = _challenges[exitId];
        for (uint256 visited; s.remaining != 0 && visited < SETTLE_BATCH; ++visited) {
            Challenge storage challenge = list[s.cursor];
            address challenger = challenge.challenger;
            if (challenger != address(0)) {
                uint256 amount = challengeBond;
                if (--s.remaining == 0 && s.bondOwed) {
                    amount += exitBond;
                    emit ExitCancelled(coinId, exitId, challenger);
                }
                _releaseBond(challenger, amount);
            }
            s.cursor = challenge.prev;
        }
        if (s.remaining == 0) return true;
        _settlements[exitId] = s;
        return false;
    }

    /// @dev Queues `exitId` again at the current time so that its settlement continues.
    function _requeue(uint64 coinId, uint96 exitId) internal {
        framework.enqueue(uint64(block.timestamp), coinId, exitId);
    }

    /// @dev Credits `amount` of held bonds to `to` (nothing for a zero amount).
    function _releaseBond(address to, uint256 amount) internal {
        if (amount != 0) framework.releaseBond(to, amount);
    }
}
