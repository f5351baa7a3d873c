// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IExitGame} from "../framework/IExitGame.sol";
import {PlasmaFramework} from "../framework/PlasmaFramework.sol";
import {MerkleBinary} from "../lib/MerkleBinary.sol";
import {Eip712} from "../lib/Eip712.sol";
import {MoreVpTx} from "./MoreVpTx.sol";

/// @title MoreVpExitGame
/// @notice Owns the exit rules of MoreVP (docs/morevp.md): standard exits of included outputs and of
///         deposits (no confirmation signatures) with their spend challenge, and in-flight exits
///         (IFEs) of transactions known only by their signatures: start, piggybacks on inputs and
///         outputs, the canonicity game (challenge and response), the spent-input and spent-output
///         challenges of piggybacks, deletion of IFEs nobody piggybacked, and the settlement of
///         mature exits that the framework hands back. The framework keeps the blocks, the queue,
///         the bonds, the ETH and the global "paid / flagged" output ids; the byte rules of a
///         payment live in `MoreVpTx`.
/// @dev Output ids are content-based (`MoreVpTx.outputId`, `MoreVpTx.depositOutputId`), so an
///      output has one id whether a standard exit (by position) or an IFE (by transaction) claims
///      it, and the framework pays it once. A standard exit is keyed by `utxoPos`, which is also its
///      queue position and (as `uint96`) its exit id; an IFE is keyed by its transaction hash and
///      queued, on its first piggyback, under `MoreVpTx.inFlightExitId` at the position of its
///      youngest input. Processing an IFE decides canonicity once more (no input may be flagged,
///      plasma-contracts PR #483), pays the outputs and flags every input of a canonical IFE (the
///      fix of #102 / #104), or pays the inputs of a non-canonical one, and touches at most four
///      inputs and four outputs, so it is bounded and never reverts.
contract MoreVpExitGame is IExitGame {
    /// @notice What `startInFlightExit` needs for one input: the transaction that created it (or
    ///         the deposit input record) and its inclusion proof (empty for a deposit).
    struct InputProof {
        MoreVpTx.PaymentTx tx;
        bytes proof;
    }

    /// @notice An owner and an amount in one slot: an IFE's input or output.
    struct Claim {
        address owner;
        uint96 amount;
    }

    /// @notice A standard exit, two slots. Open: `owner != 0`. Challenged: `owner == 0` and
    ///         `outputId != 0` (kept forever, so that the output is never standard-exited again).
    struct StandardExit {
        address owner;
        uint96 amount;
        bytes32 outputId;
    }

    /// @notice An in-flight exit. Slot 0 and 1 are written at the start, slot 2 by the canonicity
    ///         game; an unused input or output slot is all zero.
    struct InFlightExit {
        address bondOwner; // who gets the IFE bond: the starter, the last challenger or responder
        uint64 startedAt;
        bool canonical; // the canonicity game's verdict (processing also checks the input flags)
        uint8 inputPiggybacks; // bit i: input i is piggybacked (and not challenged)
        uint8 outputPiggybacks; // bit i: output i is piggybacked (and not challenged)
        uint96 youngestInputPos; // the queue position: the largest input utxoPos
        uint64 youngestInputBlockTimestamp;
        uint64 exitableAt; // 0 until the first piggyback queues the IFE
        uint96 oldestCompetitorPos; // 0: none; type(uint96).max: an in-flight competitor
        bytes32[4] inputIds; // the output id of each input
        Claim[4] inputs; // owner and amount of each input
        Claim[4] outputs; // owner and amount of each output
    }

    /// @notice The framework this game is registered with.
    PlasmaFramework public immutable framework;

    /// @notice The bond (wei) of a standard exit; paid to a successful challenger, else returned.
    uint256 public immutable standardExitBond;

    /// @notice The bond (wei) of an in-flight exit; goes to its bond owner at processing or deletion.
    uint256 public immutable inFlightExitBond;

    /// @notice The bond (wei) of a piggyback; paid to a successful challenger, else returned.
    uint256 public immutable piggybackBond;

    uint256 private constant CHILD_BLOCK_INTERVAL = 1000;
    uint96 private constant IN_FLIGHT_POSITION = type(uint96).max;
    uint64 private immutable _minExitPeriod;
    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    mapping(uint256 utxoPos => StandardExit) private _standardExits;
    mapping(bytes32 txHash => InFlightExit) private _inFlightExits;
    mapping(uint96 exitId => bytes32 txHash) private _queuedInFlightExits;

    /// @notice A standard exit of output `utxoPos` (id `outputId`) was started.
    event StandardExitStarted(
        uint256 indexed utxoPos, address indexed owner, uint256 amount, bytes32 outputId, uint64 exitableAt
    );
    /// @notice The standard exit of `utxoPos` was challenged; its bond went to `challenger`.
    event StandardExitChallenged(uint256 indexed utxoPos, address indexed challenger);
    /// @notice The standard exit of `utxoPos` was settled; `paid` is false when the framework refused.
    event StandardExitFinalized(uint256 indexed utxoPos, bool paid);
    /// @notice An IFE of `tx` was started; `tx` and `sigs` let every watcher check and challenge it.
    event InFlightExitStarted(
        bytes32 indexed txHash, address indexed starter, MoreVpTx.PaymentTx tx, bytes sigs, uint96 exitId
    );
    /// @notice `owner` piggybacked input (`isOutput == false`) or output `index` of the IFE of `txHash`.
    event InFlightExitPiggybacked(bytes32 indexed txHash, address indexed owner, bool isOutput, uint8 index);
    /// @notice The IFE of `txHash` was shown non-canonical by a competitor at `competitorPosition`
    ///         (`type(uint256).max` for an in-flight competitor).
    event InFlightExitChallenged(bytes32 indexed txHash, address indexed challenger, uint256 competitorPosition);
    /// @notice The IFE of `txHash` was shown canonical again: the transaction is included at `txPos`.
    event InFlightExitChallengeResponded(bytes32 indexed txHash, address indexed responder, uint256 txPos);
    /// @notice The piggyback on input `index` of the IFE of `txHash` was removed (input spent elsewhere).
    event InFlightExitInputBlocked(bytes32 indexed txHash, address indexed challenger, uint8 index);
    /// @notice The piggyback on output `index` of the IFE of `txHash` was removed (output spent).
    event InFlightExitOutputBlocked(bytes32 indexed txHash, address indexed challenger, uint8 index);
    /// @notice The IFE of `txHash`, which nobody piggybacked, was deleted.
    event InFlightExitDeleted(bytes32 indexed txHash);
    /// @notice The IFE of `txHash` was settled as canonical (outputs paid) or not (inputs paid).
    event InFlightExitFinalized(bytes32 indexed txHash, bool canonical);

    /// @notice Deploys the game for `framework_`; reads the framework's exit period and domain.
    /// @param framework_ The PlasmaFramework deployment.
    /// @param standardExitBond_ The bond of a standard exit (wei).
    /// @param inFlightExitBond_ The bond of an in-flight exit (wei).
    /// @param piggybackBond_ The bond of a piggyback (wei).
    constructor(address framework_, uint256 standardExitBond_, uint256 inFlightExitBond_, uint256 piggybackBond_) {
        framework = PlasmaFramework(framework_);
        standardExitBond = standardExitBond_;
        inFlightExitBond = inFlightExitBond_;
        piggybackBond = piggybackBond_;
        _minExitPeriod = PlasmaFramework(framework_).minExitPeriod();
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = PlasmaFramework(framework_).domainSeparator();
    }

    // ---------------------------------------------------------------------------------------------
    // Standard exits
    // ---------------------------------------------------------------------------------------------

    /// @notice Starts the standard exit of output `utxoPos` of a transaction included in a child
    ///         block. No signature is checked: inclusion is what a standard exit proves.
    /// @dev Requires `msg.value == standardExitBond`; `oindex < 4`; output `oindex` owned by the
    ///      caller with an amount that fits `uint96`; a child block that exists and includes
    ///      `txHash(transaction)` at `txindex`; no standard exit of `utxoPos` yet (open or
    ///      challenged); the output id not flagged.
    ///      `exitableAt = max(blockTimestamp + 2 · minExitPeriod, now + minExitPeriod)`.
    /// @param utxoPos The output: `blknum · 1e9 + txindex · 1e4 + oindex`.
    /// @param transaction The transaction that created the output.
    /// @param proof The 512-byte inclusion proof of `txHash(transaction)` at `txindex`.
    function startStandardExit(uint256 utxoPos, MoreVpTx.PaymentTx calldata transaction, bytes calldata proof)
        external
        payable
    {
        require(msg.value == standardExitBond, "bad bond");
        (,, uint256 oindex) = MoreVpTx.decodePosition(utxoPos);
        require(oindex < MoreVpTx.SLOTS, "bad oindex");
        (address owner, uint256 amount) = MoreVpTx.output(transaction, oindex);
        require(owner == msg.sender, "not owner");
        require(amount <= type(uint96).max, "amount too large");
        bytes32 hash = MoreVpTx.txHash(_domainSeparator(), transaction);
        uint256 blockTimestamp = _includedAt(utxoPos - oindex, hash, proof);
        uint64 exitableAt;
        unchecked {
            // Far below 2^64: block timestamps are uint64 seconds, exit periods are days.
            uint256 fromBlock = blockTimestamp + 2 * uint256(_minExitPeriod);
            uint256 fromNow = block.timestamp + _minExitPeriod;
            exitableAt = uint64(fromBlock > fromNow ? fromBlock : fromNow);
        }
        _openStandardExit(utxoPos, MoreVpTx.outputId(hash, oindex), amount, exitableAt);
    }

    /// @notice Starts the standard exit of the deposit in deposit block `depositBlknum` (output
    ///         position `depositBlknum · 1e9`).
    /// @dev Requires `msg.value == standardExitBond`, a deposit block number whose block exists and
    ///      whose root is `keccak256(abi.encode(msg.sender, amount))`, no standard exit of the output
    ///      yet and its id not flagged. `exitableAt = now + minExitPeriod`.
    /// @param depositBlknum The deposit block number (not a multiple of 1000).
    /// @param amount The deposited amount (wei).
    function startDepositExit(uint256 depositBlknum, uint256 amount) external payable {
        require(msg.value == standardExitBond, "bad bond");
        require(depositBlknum % CHILD_BLOCK_INTERVAL != 0, "not a deposit block");
        (bytes32 root, uint64 timestamp) = framework.blocks(depositBlknum);
        require(timestamp != 0, "no such block");
        require(root == keccak256(abi.encode(msg.sender, amount)), "not owner");
        require(amount <= type(uint96).max, "amount too large");
        uint256 utxoPos;
        uint64 exitableAt;
        unchecked {
            // The block exists, so depositBlknum < 2^64 and the product fits easily.
            utxoPos = depositBlknum * MoreVpTx.BLOCK_OFFSET;
            exitableAt = uint64(block.timestamp + _minExitPeriod);
        }
        _openStandardExit(utxoPos, MoreVpTx.depositOutputId(depositBlknum), amount, exitableAt);
    }

    /// @notice Challenges the open standard exit of `utxoPos` with a transaction that spends it,
    ///         included or not (an in-flight spend is enough): the exit is closed for good and its
    ///         bond is credited to the caller.
    /// @dev Requires an open exit, `spendingTx`'s input `inputIndex` equal to `utxoPos`, and `sig` by
    ///      the exit's owner over `txHash(spendingTx)`. Allowed until the exit is processed.
    /// @param utxoPos The exited output.
    /// @param spendingTx A transaction spending it.
    /// @param inputIndex The input slot of `spendingTx` that names `utxoPos`.
    /// @param sig The exit owner's 65-byte signature of `spendingTx`.
    function challengeStandardExit(
        uint256 utxoPos,
        MoreVpTx.PaymentTx calldata spendingTx,
        uint8 inputIndex,
        bytes calldata sig
    ) external {
        StandardExit storage exit = _standardExits[utxoPos];
        address owner = exit.owner;
        require(owner != address(0), "no open exit");
        require(MoreVpTx.input(spendingTx, inputIndex) == utxoPos, "not the spent output");
        require(Eip712.isSignedBy(MoreVpTx.txHash(_domainSeparator(), spendingTx), sig, owner), "bad signature");
        // Owner and amount go; the output id stays as the mark of a challenged exit.
        exit.owner = address(0);
        exit.amount = 0;
        _releaseBond(msg.sender, standardExitBond);
        emit StandardExitChallenged(utxoPos, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // In-flight exits
    // ---------------------------------------------------------------------------------------------

    /// @notice Starts the in-flight exit of `transaction`, proving it exitable: well formed, every
    ///         input created by an included transaction (or a deposit) and signed by its owner, no
    ///         value printed. Anyone may start it; it is canonical until challenged.
    /// @dev Requires `msg.value == inFlightExitBond`; a valid shape (`MoreVpTx.checkShape`); one
    ///      `InputProof` per used input; `sigs` of 65 bytes per used input; for input `i`, its
    ///      creating transaction included at the input's `txindex` in that existing child block
    ///      (or, in a deposit block, the deposit input record with an empty proof) with output
    ///      `oindex` used, and signature `i` by that output's owner; distinct input output ids;
    ///      amounts that fit `uint96`; `Σ outputs ≤ Σ inputs`; no open IFE of the transaction.
    /// @param transaction The in-flight transaction.
    /// @param sigs One 65-byte signature per used input, in input order.
    /// @param inputTxs One `InputProof` per used input, in input order.
    function startInFlightExit(
        MoreVpTx.PaymentTx calldata transaction,
        bytes calldata sigs,
        InputProof[] calldata inputTxs
    ) external payable {
        require(msg.value == inFlightExitBond, "bad bond");
        (uint256 inputCount, uint256 outputCount) = MoreVpTx.checkShape(transaction);
        require(inputTxs.length == inputCount, "bad shape");
        require(sigs.length == inputCount * MoreVpTx.SIG_LENGTH, "bad signature");
        bytes32 hash = MoreVpTx.txHash(_domainSeparator(), transaction);
        InFlightExit storage ife = _inFlightExits[hash];
        require(ife.bondOwner == address(0), "ife exists");
        uint256 inputSum = _recordInputs(ife, transaction, hash, sigs, inputTxs);
        uint256 outputSum = _recordOutputs(ife, transaction, outputCount);
        require(outputSum <= inputSum, "overspend");
        ife.bondOwner = msg.sender;
        ife.startedAt = uint64(block.timestamp);
        ife.canonical = true;
        _depositBond(inFlightExitBond);
        emit InFlightExitStarted(hash, msg.sender, transaction, sigs, MoreVpTx.inFlightExitId(hash));
    }

    /// @notice Piggybacks input `inputIndex` of the open IFE of `transaction`: if the transaction
    ///         turns out non-canonical, the input is paid back to its owner.
    /// @dev Requires `msg.value == piggybackBond`, phase 1, a used input owned by the caller and not
    ///      piggybacked yet. The first piggyback of the IFE queues it.
    /// @param transaction The in-flight transaction.
    /// @param inputIndex The input slot.
    function piggybackInFlightExitOnInput(MoreVpTx.PaymentTx calldata transaction, uint8 inputIndex)
        external
        payable
    {
        (bytes32 hash, InFlightExit storage ife) = _piggybackable(transaction);
        require(_inputOwner(ife, inputIndex) == msg.sender, "not owner");
        uint8 bit = uint8(1) << inputIndex;
        require(ife.inputPiggybacks & bit == 0, "already piggybacked");
        ife.inputPiggybacks |= bit;
        _piggybacked(hash, ife, false, inputIndex);
    }

    /// @notice Piggybacks output `outputIndex` of the open IFE of `transaction`: if the transaction
    ///         is canonical, the output is paid to its owner.
    /// @dev Requires `msg.value == piggybackBond`, phase 1, a used output owned by the caller and
    ///      not piggybacked yet. The first piggyback of the IFE queues it.
    /// @param transaction The in-flight transaction.
    /// @param outputIndex The output slot.
    function piggybackInFlightExitOnOutput(MoreVpTx.PaymentTx calldata transaction, uint8 outputIndex)
        external
        payable
    {
        (bytes32 hash, InFlightExit storage ife) = _piggybackable(transaction);
        require(_outputClaim(ife, outputIndex).owner == msg.sender, "not owner");
        uint8 bit = uint8(1) << outputIndex;
        require(ife.outputPiggybacks & bit == 0, "already piggybacked");
        ife.outputPiggybacks |= bit;
        _piggybacked(hash, ife, true, outputIndex);
    }

    /// @notice Shows that the IFE of `transaction` is not canonical: its input `inputIndex` is also
    ///         spent by `competingTx`, signed by the input's owner, in flight (`competingTxPos == 0`)
    ///         or included at `competingTxPos`, older than any competitor recorded so far. The
    ///         caller becomes the IFE's bond owner.
    /// @dev Phase 1 only. Requires a used `inputIndex`, a different transaction, the same utxoPos
    ///      at `competingInputIndex`, the owner's signature and, for an included competitor, a
    ///      position with zero output digits in an existing child block that includes it.
    /// @param transaction The in-flight transaction.
    /// @param inputIndex Its input slot that the competitor spends too.
    /// @param competingTx The competing transaction.
    /// @param competingInputIndex The input slot of `competingTx` that names the same utxoPos.
    /// @param competingTxPos `blknum · 1e9 + txindex · 1e4` of the competitor, or 0 if in flight.
    /// @param competingProof Its 512-byte inclusion proof (ignored when in flight).
    /// @param competingSig The input owner's 65-byte signature of `competingTx`.
    function challengeInFlightExitNotCanonical(
        MoreVpTx.PaymentTx calldata transaction,
        uint8 inputIndex,
        MoreVpTx.PaymentTx calldata competingTx,
        uint8 competingInputIndex,
        uint256 competingTxPos,
        bytes calldata competingProof,
        bytes calldata competingSig
    ) external {
        (bytes32 hash, InFlightExit storage ife) = _openInFlightExit(transaction);
        require(block.timestamp < _phase1End(ife), "not phase 1");
        address owner = _inputOwner(ife, inputIndex);
        bytes32 competingHash = MoreVpTx.txHash(_domainSeparator(), competingTx);
        require(competingHash != hash, "same tx");
        require(
            MoreVpTx.input(competingTx, competingInputIndex) == MoreVpTx.input(transaction, inputIndex),
            "not a competitor"
        );
        require(Eip712.isSignedBy(competingHash, competingSig, owner), "bad signature");
        uint96 position = IN_FLIGHT_POSITION;
        if (competingTxPos != 0) {
            _includedAt(competingTxPos, competingHash, competingProof);
            position = uint96(competingTxPos);
        }
        uint96 oldest = ife.oldestCompetitorPos;
        require(oldest == 0 || position < oldest, "not older");
        ife.oldestCompetitorPos = position;
        ife.canonical = false;
        ife.bondOwner = msg.sender;
        emit InFlightExitChallenged(hash, msg.sender, competingTxPos == 0 ? type(uint256).max : competingTxPos);
    }

    /// @notice Answers a canonicity challenge: `transaction` is included at `txPos`, older than the
    ///         oldest competitor recorded. The IFE is canonical again, `txPos` becomes the position
    ///         a later challenge must beat, and the caller becomes the bond owner.
    /// @dev Requires an open, non-canonical IFE, a position with zero output digits in an existing
    ///      child block that includes the transaction, and `txPos` below the oldest competitor.
    ///      Allowed in either phase, until processing.
    /// @param transaction The in-flight transaction.
    /// @param txPos `blknum · 1e9 + txindex · 1e4` of its inclusion.
    /// @param proof The 512-byte inclusion proof.
    function respondToNonCanonicalChallenge(
        MoreVpTx.PaymentTx calldata transaction,
        uint256 txPos,
        bytes calldata proof
    ) external {
        (bytes32 hash, InFlightExit storage ife) = _openInFlightExit(transaction);
        require(!ife.canonical, "canonical");
        _includedAt(txPos, hash, proof);
        require(txPos < ife.oldestCompetitorPos, "not older");
        ife.oldestCompetitorPos = uint96(txPos);
        ife.canonical = true;
        ife.bondOwner = msg.sender;
        emit InFlightExitChallengeResponded(hash, msg.sender, txPos);
    }

    /// @notice Removes the piggyback on input `inputIndex` of the IFE of `transaction`, whose owner
    ///         also signed `spendingTx` spending it; the piggyback bond goes to the caller.
    /// @dev Requires a piggybacked input, a different transaction naming the same utxoPos at
    ///      `spendingInputIndex`, and the input owner's signature. Any time before processing.
    /// @param transaction The in-flight transaction.
    /// @param inputIndex The piggybacked input slot.
    /// @param spendingTx Another transaction spending the same input.
    /// @param spendingInputIndex Its input slot that names the input.
    /// @param spendingSig The input owner's 65-byte signature of `spendingTx`.
    function challengeInFlightExitInputSpent(
        MoreVpTx.PaymentTx calldata transaction,
        uint8 inputIndex,
        MoreVpTx.PaymentTx calldata spendingTx,
        uint8 spendingInputIndex,
        bytes calldata spendingSig
    ) external {
        (bytes32 hash, InFlightExit storage ife) = _openInFlightExit(transaction);
        address owner = _inputOwner(ife, inputIndex);
        uint8 bit = uint8(1) << inputIndex;
        require(ife.inputPiggybacks & bit != 0, "not piggybacked");
        bytes32 spendingHash = MoreVpTx.txHash(_domainSeparator(), spendingTx);
        require(spendingHash != hash, "same tx");
        require(
            MoreVpTx.input(spendingTx, spendingInputIndex) == MoreVpTx.input(transaction, inputIndex),
            "not the spent output"
        );
        require(Eip712.isSignedBy(spendingHash, spendingSig, owner), "bad signature");
        ife.inputPiggybacks &= ~bit;
        _releaseBond(msg.sender, piggybackBond);
        emit InFlightExitInputBlocked(hash, msg.sender, inputIndex);
    }

    /// @notice Removes the piggyback on output `outputIndex` of the IFE of `transaction`, which is
    ///         included at `txPos` and whose output's owner signed `spendingTx` spending
    ///         `txPos + outputIndex`; the piggyback bond goes to the caller.
    /// @dev Requires a piggybacked output, a position with zero output digits in an existing child
    ///      block that includes the transaction, the spend at `spendingInputIndex` and the output
    ///      owner's signature (the spend need not be included). Any time before processing.
    /// @param transaction The in-flight transaction.
    /// @param txPos `blknum · 1e9 + txindex · 1e4` of its inclusion.
    /// @param proof The 512-byte inclusion proof.
    /// @param outputIndex The piggybacked output slot.
    /// @param spendingTx A transaction spending that output.
    /// @param spendingInputIndex Its input slot that names `txPos + outputIndex`.
    /// @param spendingSig The output owner's 65-byte signature of `spendingTx`.
    function challengeInFlightExitOutputSpent(
        MoreVpTx.PaymentTx calldata transaction,
        uint256 txPos,
        bytes calldata proof,
        uint8 outputIndex,
        MoreVpTx.PaymentTx calldata spendingTx,
        uint8 spendingInputIndex,
        bytes calldata spendingSig
    ) external {
        (bytes32 hash, InFlightExit storage ife) = _openInFlightExit(transaction);
        address owner = _outputClaim(ife, outputIndex).owner;
        uint8 bit = uint8(1) << outputIndex;
        require(ife.outputPiggybacks & bit != 0, "not piggybacked");
        _includedAt(txPos, hash, proof);
        require(MoreVpTx.input(spendingTx, spendingInputIndex) == txPos + outputIndex, "not the spent output");
        bytes32 spendingHash = MoreVpTx.txHash(_domainSeparator(), spendingTx);
        require(Eip712.isSignedBy(spendingHash, spendingSig, owner), "bad signature");
        ife.outputPiggybacks &= ~bit;
        _releaseBond(msg.sender, piggybackBond);
        emit InFlightExitOutputBlocked(hash, msg.sender, outputIndex);
    }

    /// @notice Deletes the IFE of `transaction` when phase 1 is over and nobody ever piggybacked it
    ///         (so it is not in the queue); its bond goes to its bond owner.
    /// @dev Requires an open IFE, `now >= startedAt + minExitPeriod / 2` and no piggyback ever
    ///      (`exitableAt == 0`: a piggyback removed by a challenge still left the IFE queued).
    /// @param transaction The in-flight transaction.
    function deleteNonPiggybackedInFlightExit(MoreVpTx.PaymentTx calldata transaction) external {
        (bytes32 hash, InFlightExit storage ife) = _openInFlightExit(transaction);
        require(block.timestamp >= _phase1End(ife), "still phase 1");
        require(ife.exitableAt == 0, "piggybacked");
        address bondOwner = ife.bondOwner;
        _clearInFlightExit(ife);
        _releaseBond(bondOwner, inFlightExitBond);
        emit InFlightExitDeleted(hash);
    }

    // ---------------------------------------------------------------------------------------------
    // Processing
    // ---------------------------------------------------------------------------------------------

    /// @notice Settles the mature exit `exitId` (framework only, from `processExits`). Never
    ///         reverts when called by the framework; unknown and challenged exits are skipped.
    /// @param exitId `uint96(utxoPos)` for a standard exit, `MoreVpTx.inFlightExitId(txHash)` for
    ///        an in-flight exit.
    function processExit(uint96 exitId) external {
        require(msg.sender == address(framework), "not framework");
        if (exitId & MoreVpTx.IN_FLIGHT_EXIT_FLAG == 0) {
            _processStandardExit(exitId);
        } else {
            _processInFlightExit(exitId);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The standard exit of output `utxoPos`: all zero when there is none (or it was
    ///         processed); a challenged exit keeps only its output id.
    /// @param utxoPos The output position.
    /// @return owner The exiting owner (0 once challenged).
    /// @return amount The amount the exit claims (wei; 0 once challenged).
    /// @return id The output's id.
    /// @return challenged Whether the exit was successfully challenged.
    function standardExits(uint256 utxoPos)
        external
        view
        returns (address owner, uint256 amount, bytes32 id, bool challenged)
    {
        StandardExit storage exit = _standardExits[utxoPos];
        owner = exit.owner;
        amount = exit.amount;
        id = exit.outputId;
        challenged = owner == address(0) && id != bytes32(0);
    }

    /// @notice The stored in-flight exit of `hash` (all zero when there is none): see
    ///         `InFlightExit` for the fields.
    /// @param hash The transaction hash.
    /// @return The stored fields.
    function inFlightExit(bytes32 hash) external view returns (InFlightExit memory) {
        return _inFlightExits[hash];
    }

    /// @notice The EIP-712 transaction hash under this deployment's domain (what input owners sign,
    ///         and the leaf value of the transaction in its block).
    /// @param transaction The payment.
    /// @return The digest `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(transaction))`.
    function txHash(MoreVpTx.PaymentTx calldata transaction) external view returns (bytes32) {
        return MoreVpTx.txHash(_domainSeparator(), transaction);
    }

    /// @notice The id of output `index` of the transaction `hash`: `keccak256(abi.encode(hash, index))`.
    /// @param hash The transaction hash.
    /// @param index The output index.
    /// @return The output id.
    function outputId(bytes32 hash, uint256 index) external pure returns (bytes32) {
        return MoreVpTx.outputId(hash, index);
    }

    /// @notice The id of the output of deposit block `blknum`: `keccak256(abi.encode(blknum))`.
    /// @param blknum The deposit block number.
    /// @return The output id.
    function depositOutputId(uint256 blknum) external pure returns (bytes32) {
        return MoreVpTx.depositOutputId(blknum);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal helpers: blocks, bonds, domain
    // ---------------------------------------------------------------------------------------------

    /// @dev The framework's domain separator: the cached one unless the chain id changed (a fork).
    function _domainSeparator() private view returns (bytes32) {
        if (block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return framework.domainSeparator();
    }

    /// @dev Checks that the transaction `hash` is included at `txPos = blknum · 1e9 + txindex · 1e4`
    ///      (output digits zero, a child block that exists, the leaf at `txindex`) and returns the
    ///      block's timestamp.
    function _includedAt(uint256 txPos, bytes32 hash, bytes calldata proof) private view returns (uint256) {
        (uint256 blknum, uint256 txindex, uint256 oindex) = MoreVpTx.decodePosition(txPos);
        require(oindex == 0, "bad oindex");
        require(blknum % CHILD_BLOCK_INTERVAL == 0, "not a child block");
        (bytes32 root, uint64 timestamp) = framework.blocks(blknum);
        require(timestamp != 0, "no such block");
        require(MerkleBinary.verify(hash, txindex, root, proof), "not included");
        return timestamp;
    }

    /// @dev Posts `amount` of bond with the framework (nothing for a zero bond).
    function _depositBond(uint256 amount) private {
        if (amount != 0) framework.depositBond{value: amount}();
    }

    /// @dev Credits `amount` of held bond to `to` (nothing for a zero bond).
    function _releaseBond(address to, uint256 amount) private {
        if (amount != 0) framework.releaseBond(to, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal helpers: standard exits
    // ---------------------------------------------------------------------------------------------

    /// @dev Records a new standard exit of `utxoPos` for the caller, posts the bond and queues it.
    function _openStandardExit(uint256 utxoPos, bytes32 id, uint256 amount, uint64 exitableAt) private {
        StandardExit storage exit = _standardExits[utxoPos];
        require(exit.outputId == bytes32(0), "exit exists");
        require(!framework.isFinalized(id), "already paid");
        exit.owner = msg.sender;
        exit.amount = uint96(amount);
        exit.outputId = id;
        _depositBond(standardExitBond);
        framework.enqueue(exitableAt, uint96(utxoPos), uint96(utxoPos));
        emit StandardExitStarted(utxoPos, msg.sender, amount, id, exitableAt);
    }

    /// @dev Settles a standard exit: skipped when unknown or challenged; otherwise deleted, paid
    ///      (unless the framework refuses) and its bond returned.
    function _processStandardExit(uint256 utxoPos) private {
        StandardExit storage exit = _standardExits[utxoPos];
        address owner = exit.owner;
        if (owner == address(0)) return;
        uint256 amount = exit.amount;
        bytes32 id = exit.outputId;
        delete _standardExits[utxoPos];
        bool paid = framework.payExit(id, owner, amount);
        _releaseBond(owner, standardExitBond);
        emit StandardExitFinalized(utxoPos, paid);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal helpers: in-flight exits
    // ---------------------------------------------------------------------------------------------

    /// @dev The open IFE of `transaction` and its hash; reverts "no such ife".
    function _openInFlightExit(MoreVpTx.PaymentTx calldata transaction)
        private
        view
        returns (bytes32 hash, InFlightExit storage ife)
    {
        hash = MoreVpTx.txHash(_domainSeparator(), transaction);
        ife = _inFlightExits[hash];
        require(ife.bondOwner != address(0), "no such ife");
    }

    /// @dev The end of phase 1 of `ife`: `startedAt + minExitPeriod / 2`.
    function _phase1End(InFlightExit storage ife) private view returns (uint256) {
        return uint256(ife.startedAt) + _minExitPeriod / 2;
    }

    /// @dev The owner of used input `index` of `ife`; reverts "bad oindex" for an unused slot.
    function _inputOwner(InFlightExit storage ife, uint8 index) private view returns (address owner) {
        require(index < MoreVpTx.SLOTS, "bad oindex");
        owner = ife.inputs[index].owner;
        require(owner != address(0), "bad oindex");
    }

    /// @dev Used output `index` of `ife`; reverts "bad oindex" for an unused slot.
    function _outputClaim(InFlightExit storage ife, uint8 index) private view returns (Claim storage claim) {
        require(index < MoreVpTx.SLOTS, "bad oindex");
        claim = ife.outputs[index];
        require(claim.owner != address(0), "bad oindex");
    }

    /// @dev The open IFE of `transaction`, checked for a piggyback: the bond and phase 1.
    function _piggybackable(MoreVpTx.PaymentTx calldata transaction)
        private
        view
        returns (bytes32 hash, InFlightExit storage ife)
    {
        require(msg.value == piggybackBond, "bad bond");
        (hash, ife) = _openInFlightExit(transaction);
        require(block.timestamp < _phase1End(ife), "not phase 1");
    }

    /// @dev After a piggyback is recorded: posts its bond, queues the IFE on its first piggyback
    ///      (`exitableAt = max(youngestInputBlockTimestamp + 2 · minExitPeriod, now + minExitPeriod)`,
    ///      at the youngest input's position) and emits the event.
    function _piggybacked(bytes32 hash, InFlightExit storage ife, bool isOutput, uint8 index) private {
        _depositBond(piggybackBond);
        if (ife.exitableAt == 0) {
            uint96 exitId = MoreVpTx.inFlightExitId(hash);
            // Two transactions whose ids collide (95 bits) cannot be queued at the same time.
            require(_queuedInFlightExits[exitId] == bytes32(0), "ife exists");
            _queuedInFlightExits[exitId] = hash;
            uint64 exitableAt;
            unchecked {
                uint256 period = _minExitPeriod;
                uint256 fromBlock = uint256(ife.youngestInputBlockTimestamp) + 2 * period;
                uint256 fromNow = block.timestamp + period;
                exitableAt = uint64(fromBlock > fromNow ? fromBlock : fromNow);
            }
            ife.exitableAt = exitableAt;
            framework.enqueue(exitableAt, ife.youngestInputPos, exitId);
        }
        emit InFlightExitPiggybacked(hash, msg.sender, isOutput, index);
    }

    /// @dev Checks and records every input of a starting IFE (creating transaction, owner's
    ///      signature, distinct ids), the youngest input and its block time; returns `Σ inputs`.
    function _recordInputs(
        InFlightExit storage ife,
        MoreVpTx.PaymentTx calldata transaction,
        bytes32 hash,
        bytes calldata sigs,
        InputProof[] calldata inputTxs
    ) private returns (uint256 sum) {
        uint256 youngest;
        uint256 youngestTimestamp;
        for (uint256 i = 0; i < inputTxs.length; ++i) {
            uint256 utxoPos = MoreVpTx.input(transaction, i);
            address signer = Eip712.recover(hash, MoreVpTx.sigAt(sigs, i));
            (uint256 amount, uint256 timestamp) = _recordInput(ife, i, utxoPos, inputTxs[i], signer);
            unchecked {
                // At most four amounts below 2^96 each.
                sum += amount;
            }
            if (utxoPos > youngest) {
                youngest = utxoPos;
                youngestTimestamp = timestamp;
            }
        }
        // Every input names an existing block (blknum < 2^64): the position fits 96 bits.
        ife.youngestInputPos = uint96(youngest);
        ife.youngestInputBlockTimestamp = uint64(youngestTimestamp);
    }

    /// @dev Checks input `index` (at `utxoPos`, proven by `inputTx`, signed by `signer`) of a
    ///      starting IFE and records its id, owner and amount; returns the amount and the timestamp
    ///      of the input's block.
    function _recordInput(
        InFlightExit storage ife,
        uint256 index,
        uint256 utxoPos,
        InputProof calldata inputTx,
        address signer
    ) private returns (uint256 amount, uint256 timestamp) {
        (bytes32 id, Claim memory claim, uint256 blockTimestamp) = _spentOutput(utxoPos, inputTx);
        require(signer != address(0) && signer == claim.owner, "bad signature");
        for (uint256 j = 0; j < index; ++j) require(ife.inputIds[j] != id, "duplicate input");
        ife.inputIds[index] = id;
        ife.inputs[index] = claim;
        return (claim.amount, blockTimestamp);
    }

    /// @dev The output an IFE input spends, proven by `inputTx`: its id, owner and amount, and the
    ///      timestamp of its block. A deposit (in a deposit block) is shown by its input record and
    ///      an empty proof; any other output by its creating transaction and inclusion proof.
    function _spentOutput(uint256 utxoPos, InputProof calldata inputTx)
        private
        view
        returns (bytes32 id, Claim memory claim, uint256 timestamp)
    {
        (uint256 blknum, uint256 txindex, uint256 oindex) = MoreVpTx.decodePosition(utxoPos);
        bytes32 root;
        (root, timestamp) = framework.blocks(blknum);
        require(timestamp != 0, "no such block");
        MoreVpTx.PaymentTx calldata creating = inputTx.tx;
        address owner;
        uint256 amount;
        if (blknum % CHILD_BLOCK_INTERVAL != 0) {
            require(txindex == 0 && inputTx.proof.length == 0 && MoreVpTx.isDepositRecord(creating), "bad deposit");
            require(oindex == 0, "bad oindex");
            (owner, amount) = (creating.owner0, creating.amount0);
            require(root == keccak256(abi.encode(owner, amount)), "not included");
            id = MoreVpTx.depositOutputId(blknum);
        } else {
            bytes32 creatingHash = MoreVpTx.txHash(_domainSeparator(), creating);
            require(MerkleBinary.verify(creatingHash, txindex, root, inputTx.proof), "not included");
            (owner, amount) = MoreVpTx.output(creating, oindex);
            require(owner != address(0) || amount != 0, "bad oindex");
            id = MoreVpTx.outputId(creatingHash, oindex);
        }
        require(amount <= type(uint96).max, "amount too large");
        claim = Claim(owner, uint96(amount));
    }

    /// @dev Records the outputs of a starting IFE; returns `Σ outputs`.
    function _recordOutputs(InFlightExit storage ife, MoreVpTx.PaymentTx calldata transaction, uint256 outputCount)
        private
        returns (uint256 sum)
    {
        for (uint256 i = 0; i < outputCount; ++i) {
            (address owner, uint256 amount) = MoreVpTx.output(transaction, i);
            require(amount <= type(uint96).max, "amount too large");
            ife.outputs[i] = Claim(owner, uint96(amount));
            unchecked {
                // At most four amounts below 2^96 each.
                sum += amount;
            }
        }
    }

    /// @dev Settles a queued IFE: canonical (by the game, and no input flagged) pays its
    ///      piggybacked outputs and flags every input; otherwise pays its piggybacked inputs. Then
    ///      returns every remaining piggyback bond and the IFE bond, and deletes the IFE. At most
    ///      four inputs and four outputs; never reverts.
    function _processInFlightExit(uint96 exitId) private {
        bytes32 hash = _queuedInFlightExits[exitId];
        if (hash == bytes32(0)) return;
        delete _queuedInFlightExits[exitId];
        InFlightExit storage ife = _inFlightExits[hash];
        address bondOwner = ife.bondOwner;
        if (bondOwner == address(0)) return;
        bool canonical = ife.canonical && !_anyInputFlagged(ife);
        if (canonical) {
            _payOutputs(ife, hash);
            _flagInputs(ife);
        } else {
            _payInputs(ife);
        }
        _returnPiggybackBonds(ife);
        _clearInFlightExit(ife);
        _releaseBond(bondOwner, inFlightExitBond);
        emit InFlightExitFinalized(hash, canonical);
    }

    /// @dev Whether the framework has flagged any input of `ife` (paid or spent by another exit).
    function _anyInputFlagged(InFlightExit storage ife) private view returns (bool) {
        for (uint256 i = 0; i < MoreVpTx.SLOTS; ++i) {
            bytes32 id = ife.inputIds[i];
            if (id == bytes32(0)) break;
            if (framework.isFinalized(id)) return true;
        }
        return false;
    }

    /// @dev Pays every piggybacked output of a canonical IFE (the framework refuses a flagged one).
    function _payOutputs(InFlightExit storage ife, bytes32 hash) private {
        uint256 piggybacks = ife.outputPiggybacks;
        for (uint256 i = 0; piggybacks >> i != 0; ++i) {
            if ((piggybacks >> i) & 1 == 0) continue;
            Claim memory claim = ife.outputs[i];
            framework.payExit(MoreVpTx.outputId(hash, i), claim.owner, claim.amount);
        }
    }

    /// @dev Flags every input of a canonical IFE, so that no competing IFE and no standard exit of
    ///      an input can be paid afterwards.
    function _flagInputs(InFlightExit storage ife) private {
        for (uint256 i = 0; i < MoreVpTx.SLOTS; ++i) {
            bytes32 id = ife.inputIds[i];
            if (id == bytes32(0)) break;
            framework.flag(id);
        }
    }

    /// @dev Pays every piggybacked input of a non-canonical IFE (the framework refuses a flagged one).
    function _payInputs(InFlightExit storage ife) private {
        uint256 piggybacks = ife.inputPiggybacks;
        for (uint256 i = 0; piggybacks >> i != 0; ++i) {
            if ((piggybacks >> i) & 1 == 0) continue;
            Claim memory claim = ife.inputs[i];
            framework.payExit(ife.inputIds[i], claim.owner, claim.amount);
        }
    }

    /// @dev Returns the bond of every piggyback still standing to its owner (who posted it).
    function _returnPiggybackBonds(InFlightExit storage ife) private {
        uint256 bond = piggybackBond;
        if (bond == 0) return;
        uint256 piggybacks = ife.inputPiggybacks;
        for (uint256 i = 0; piggybacks >> i != 0; ++i) {
            if ((piggybacks >> i) & 1 != 0) framework.releaseBond(ife.inputs[i].owner, bond);
        }
        piggybacks = ife.outputPiggybacks;
        for (uint256 i = 0; piggybacks >> i != 0; ++i) {
            if ((piggybacks >> i) & 1 != 0) framework.releaseBond(ife.outputs[i].owner, bond);
        }
    }

    /// @dev Zeroes every used slot of `ife` (the header, used inputs and outputs): it is gone, and
    ///      may be started again.
    function _clearInFlightExit(InFlightExit storage ife) private {
        for (uint256 i = 0; i < MoreVpTx.SLOTS; ++i) {
            if (ife.inputIds[i] == bytes32(0)) break;
            delete ife.inputIds[i];
            delete ife.inputs[i];
        }
        for (uint256 i = 0; i < MoreVpTx.SLOTS; ++i) {
            if (ife.outputs[i].owner == address(0)) break;
            delete ife.outputs[i];
        }
        // The header fills the struct's first three slots (bond owner to output piggybacks; youngest
        // input to exitable time; oldest competitor): zero them whole.
        assembly ("memory-safe") {
            let slot := ife.slot
            sstore(slot, 0)
            sstore(add(slot, 1), 0)
            sstore(add(slot, 2), 0)
        }
    }
}
