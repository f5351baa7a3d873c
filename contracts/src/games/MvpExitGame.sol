// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IExitGame} from "../framework/IExitGame.sol";
import {PlasmaFramework} from "../framework/PlasmaFramework.sol";
import {MerkleBinary} from "../lib/MerkleBinary.sol";
import {Eip712} from "../lib/Eip712.sol";
import {MvpTx} from "./MvpTx.sol";

/// @title MvpExitGame
/// @notice Owns the exit rules of Plasma MVP (docs/mvp.md, "Exit game"): starting exits of
///         child-block outputs (inclusion, signatures and confirmation signatures of the exiting
///         transaction) and of deposits, the exitable times, the spend challenge with its bond
///         payout, and the settlement of mature exits that the framework hands back. The framework
///         keeps the blocks, the queue, the bonds, the ETH and the global "paid" flags; the byte rules
///         of a transaction live in `MvpTx`.
/// @dev An exit is keyed by its output position `utxoPos`, which is also its queue position and (as
///      `uint96`) its exit id. Every accepted position names an existing block (`blknum < 2^64`), so
///      `utxoPos < 2^64 · 1e9 < 2^96` and the id round-trips. A processed exit is deleted (the
///      framework's paid flag then refuses a new one); a challenged exit is kept, marked, forever.
///      Besides `challengeExit`, `startExit` challenges the open exit of any of its inputs whose
///      owner signed and confirmed it (docs/mvp.md): otherwise an owner could exit an output and,
///      just before that exit matures, its self-transfer child, leaving watchers no time.
contract MvpExitGame is IExitGame {
    /// @dev One exit in two slots: owner, exitable time and challenge flag; then the amount. The bond
    ///      is always `exitBond` and is not stored.
    struct Exit {
        address owner;
        uint64 exitableAt;
        bool challenged;
        uint256 amount;
    }

    /// @notice The framework this game is registered with.
    PlasmaFramework public immutable framework;

    /// @notice The bond (wei) every exit posts; paid to a successful challenger, else returned.
    uint256 public immutable exitBond;

    uint256 private constant CHILD_BLOCK_INTERVAL = 1000;
    uint64 private immutable _minExitPeriod;
    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    mapping(uint256 utxoPos => Exit) private _exits;

    /// @notice An exit of output `utxoPos` was started. `tx` and `confirmSigs` are the exiting
    ///         transaction and its input owners' confirmations (all zero / empty for a deposit exit):
    ///         publishing them lets watchers challenge exits of the inputs.
    event ExitStarted(
        uint256 indexed utxoPos,
        address indexed owner,
        uint256 amount,
        uint64 exitableAt,
        MvpTx.Transaction tx,
        bytes confirmSigs
    );
    /// @notice The exit of `utxoPos` was challenged; its bond went to `challenger`.
    event ExitChallenged(uint256 indexed utxoPos, address indexed challenger);
    /// @notice The exit of `utxoPos` was settled; `paid` is false when the framework refused the payout.
    event ExitFinalized(uint256 indexed utxoPos, bool paid);

    /// @notice Deploys the game for `framework_`; reads the framework's exit period and domain.
    /// @param framework_ The PlasmaFramework deployment.
    /// @param exitBond_ The bond every exit must post (wei).
    constructor(address framework_, uint256 exitBond_) {
        framework = PlasmaFramework(framework_);
        exitBond = exitBond_;
        _minExitPeriod = PlasmaFramework(framework_).minExitPeriod();
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = PlasmaFramework(framework_).domainSeparator();
    }

    // ---------------------------------------------------------------------------------------------
    // Exits
    // ---------------------------------------------------------------------------------------------

    /// @notice Starts the exit of output `utxoPos` of a transaction included in a child block.
    /// @dev Requires `msg.value == exitBond`; a child block that exists; `oindex <= 1`; the caller
    ///      owning that output with a non-zero amount; the leaf `keccak256(txHash ‖ sigs)` included
    ///      at `txindex`; every used input slot signed by a non-zero signer who also confirmed the
    ///      transaction in this block; no input already paid out; no exit of the output yet and no
    ///      payout of it. An open exit of an input whose owner is that input's signer is challenged
    ///      on the spot (its bond goes to the caller): this call proves the spend, confirmation
    ///      included. `exitableAt = max(blockTimestamp + 2 · minExitPeriod, now + minExitPeriod)`.
    /// @param utxoPos The output: `blknum · 1e9 + txindex · 1e4 + oindex`.
    /// @param transaction The transaction that created the output.
    /// @param sigs `sig0 ‖ sig1` (130 bytes) as included in the block.
    /// @param proof The 512-byte inclusion proof of the leaf at `txindex`.
    /// @param confirmSigs `confirm0 ‖ confirm1` (130 bytes): the input owners' confirmations.
    function startExit(
        uint256 utxoPos,
        MvpTx.Transaction calldata transaction,
        bytes calldata sigs,
        bytes calldata proof,
        bytes calldata confirmSigs
    ) external payable {
        require(msg.value == exitBond, "bad bond");
        uint256 amount = _ownedAmount(transaction, utxoPos);
        uint64 exitableAt;
        {
            (bytes32 hash, bytes32 root, uint256 blockTimestamp) = _includedTx(utxoPos, transaction, sigs, proof);
            _checkInputs(transaction, hash, root, sigs, confirmSigs);
            unchecked {
                // Far below 2^64: block timestamps are uint64 seconds, exit periods are days.
                uint256 period = _minExitPeriod;
                uint256 fromBlock = blockTimestamp + 2 * period;
                uint256 fromNow = block.timestamp + period;
                exitableAt = uint64(fromBlock > fromNow ? fromBlock : fromNow);
            }
        }
        _open(utxoPos, amount, exitableAt);
        emit ExitStarted(utxoPos, msg.sender, amount, exitableAt, transaction, confirmSigs);
    }

    /// @notice Starts the exit of the deposit in deposit block `depositBlknum` (output position
    ///         `depositBlknum · 1e9`).
    /// @dev Requires `msg.value == exitBond`, a deposit block number whose block exists and whose
    ///      root is `keccak256(abi.encode(msg.sender, amount))`, no exit of the output yet and no
    ///      payout of it. `exitableAt = max(blockTimestamp + minExitPeriod, now + minExitPeriod)`,
    ///      which is `now + minExitPeriod` since the block is never in the future.
    /// @param depositBlknum The deposit block number (not a multiple of 1000).
    /// @param amount The deposited amount (wei).
    function startDepositExit(uint256 depositBlknum, uint256 amount) external payable {
        require(msg.value == exitBond, "bad bond");
        require(depositBlknum % CHILD_BLOCK_INTERVAL != 0, "not a deposit block");
        require(amount != 0, "zero amount");
        (bytes32 root, uint64 timestamp) = framework.blocks(depositBlknum);
        require(timestamp != 0, "no such block");
        require(root == keccak256(abi.encode(msg.sender, amount)), "not owner");
        uint256 utxoPos;
        uint64 exitableAt;
        unchecked {
            // The block exists, so depositBlknum < 2^64 and the product fits easily.
            utxoPos = depositBlknum * MvpTx.BLOCK_OFFSET;
            exitableAt = uint64(block.timestamp + _minExitPeriod);
        }
        _open(utxoPos, amount, exitableAt);
        MvpTx.Transaction memory none;
        emit ExitStarted(utxoPos, msg.sender, amount, exitableAt, none, "");
    }

    /// @notice Challenges the open exit of `utxoPos` with a transaction that spends it: the exit is
    ///         marked challenged (the output can never be exited again) and its bond is credited to
    ///         the caller in the framework.
    /// @dev Requires an open exit; `spendingTx`'s input `inputIndex` equal to `utxoPos`; an existing
    ///      child block `spendingTxPos / 1e9` that includes the leaf `keccak256(txHash ‖
    ///      spendingSigs)` at `(spendingTxPos % 1e9) / 1e4`; that input's signature by the exit's
    ///      owner; and `confirmSig`, the exit owner's confirmation of the spend in that block.
    /// @param utxoPos The exited output.
    /// @param spendingTxPos `blknum · 1e9 + txindex · 1e4` of the spending transaction.
    /// @param spendingTx The spending transaction.
    /// @param spendingSigs Its 130 bytes of signatures, as included.
    /// @param inputIndex The input slot (0 or 1) that spends `utxoPos`.
    /// @param proof The 512-byte inclusion proof of the spending leaf.
    /// @param confirmSig The exit owner's 65-byte confirmation of the spending transaction.
    function challengeExit(
        uint256 utxoPos,
        uint256 spendingTxPos,
        MvpTx.Transaction calldata spendingTx,
        bytes calldata spendingSigs,
        uint256 inputIndex,
        bytes calldata proof,
        bytes calldata confirmSig
    ) external {
        Exit storage exit = _exits[utxoPos];
        address owner = exit.owner;
        require(owner != address(0) && !exit.challenged, "no open exit");
        require(inputIndex <= 1 && MvpTx.input(spendingTx, inputIndex) == utxoPos, "not the spent output");
        (bytes32 hash, bytes32 root,) = _includedTx(spendingTxPos, spendingTx, spendingSigs, proof);
        _checkSpendSigs(owner, hash, root, MvpTx.sigAt(spendingSigs, inputIndex), confirmSig);
        _challenge(utxoPos, exit);
    }

    /// @notice Settles the mature exit `exitId` (framework only, from `processExits`): pays the
    ///         amount to the owner unless the output is already paid (or the framework refuses), and
    ///         returns the bond to the owner. Challenged and unknown exits are skipped. Never reverts
    ///         when called by the framework.
    /// @param exitId `uint96(utxoPos)`.
    function processExit(uint96 exitId) external {
        require(msg.sender == address(framework), "not framework");
        uint256 utxoPos = exitId;
        Exit storage exit = _exits[utxoPos];
        address owner = exit.owner;
        if (owner == address(0) || exit.challenged) return;
        uint256 amount = exit.amount;
        delete _exits[utxoPos];
        bool paid = framework.payExit(bytes32(utxoPos), owner, amount);
        uint256 bond = exitBond;
        if (bond != 0) framework.releaseBond(owner, bond);
        emit ExitFinalized(utxoPos, paid);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The exit of output `utxoPos`. All zero when there is none (or it was processed); a
    ///         challenged exit keeps its owner and amount, with `challenged` set and `bond` zero.
    /// @param utxoPos The output position.
    /// @return owner The exiting owner.
    /// @return amount The amount the exit claims (wei).
    /// @return bond The bond still held for the exit (`exitBond` while open, else 0).
    /// @return exitableAt When the exit may be processed.
    /// @return challenged Whether the exit was successfully challenged.
    function exits(uint256 utxoPos)
        external
        view
        returns (address owner, uint256 amount, uint256 bond, uint64 exitableAt, bool challenged)
    {
        Exit storage exit = _exits[utxoPos];
        owner = exit.owner;
        amount = exit.amount;
        exitableAt = exit.exitableAt;
        challenged = exit.challenged;
        bond = owner != address(0) && !challenged ? exitBond : 0;
    }

    /// @notice The EIP-712 transaction hash under this deployment's domain (what input owners sign).
    /// @param transaction The transaction.
    /// @return The digest `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(transaction))`.
    function txHash(MvpTx.Transaction calldata transaction) external view returns (bytes32) {
        return MvpTx.txHash(_domainSeparator(), transaction);
    }

    /// @notice The confirmation digest an input owner signs for `hash` in the block with `blockRoot`.
    /// @param hash The transaction hash.
    /// @param blockRoot The root of the child block that includes the transaction.
    /// @return The EIP-712 digest of `Confirmation(hash, blockRoot)`.
    function confirmationDigest(bytes32 hash, bytes32 blockRoot) external view returns (bytes32) {
        return MvpTx.confirmationDigest(_domainSeparator(), hash, blockRoot);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal helpers
    // ---------------------------------------------------------------------------------------------

    /// @dev The framework's domain separator: the cached one unless the chain id changed (a fork).
    function _domainSeparator() private view returns (bytes32) {
        if (block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return framework.domainSeparator();
    }

    /// @dev The amount of output `oindex` of `transaction` (`utxoPos = … + oindex`), after checking
    ///      that `oindex <= 1`, that the caller owns the output and that its amount is not zero.
    function _ownedAmount(MvpTx.Transaction calldata transaction, uint256 utxoPos)
        private
        view
        returns (uint256 amount)
    {
        (,, uint256 oindex) = MvpTx.decodePosition(utxoPos);
        require(oindex <= 1, "bad oindex");
        address owner;
        (owner, amount) = oindex == 0
            ? (transaction.owner0, transaction.amount0)
            : (transaction.owner1, transaction.amount1);
        require(owner == msg.sender, "not owner");
        require(amount != 0, "zero amount");
    }

    /// @dev Checks that the transaction at `txPos = blknum · 1e9 + txindex · 1e4 (+ oindex, ignored)`
    ///      is included: `blknum` is a submitted child block, `keccak256(txHash ‖ sigs)` sits at
    ///      `txindex` in its tree, and `sigs` has the two-slot length. Returns the transaction hash,
    ///      the block root and the block timestamp.
    function _includedTx(
        uint256 txPos,
        MvpTx.Transaction calldata transaction,
        bytes calldata sigs,
        bytes calldata proof
    ) private view returns (bytes32 hash, bytes32 root, uint256 blockTimestamp) {
        (uint256 blknum, uint256 txindex,) = MvpTx.decodePosition(txPos);
        require(blknum % CHILD_BLOCK_INTERVAL == 0, "not a child block");
        uint64 submittedAt;
        (root, submittedAt) = framework.blocks(blknum);
        require(submittedAt != 0, "no such block");
        blockTimestamp = submittedAt;
        hash = MvpTx.txHash(_domainSeparator(), transaction);
        require(MerkleBinary.verify(MvpTx.leaf(hash, sigs), txindex, root, proof), "not included");
        require(sigs.length == MvpTx.SIGS_LENGTH, "bad signature");
    }

    /// @dev A challenge's signatures: the spending input's `sig` and the confirmation `confirmSig` of
    ///      the spend in the block with `root` must both be by the exit's `owner` (never zero).
    function _checkSpendSigs(address owner, bytes32 hash, bytes32 root, bytes memory sig, bytes calldata confirmSig)
        private
        view
    {
        require(Eip712.recover(hash, sig) == owner, "bad signature");
        bytes32 confirmation = MvpTx.confirmationDigest(_domainSeparator(), hash, root);
        require(Eip712.recover(confirmation, confirmSig) == owner, "bad confirmation");
    }

    /// @dev Checks every used input slot of an exiting transaction (signature, confirmation, not
    ///      paid) and challenges open exits of inputs it proves spent.
    function _checkInputs(
        MvpTx.Transaction calldata transaction,
        bytes32 hash,
        bytes32 root,
        bytes calldata sigs,
        bytes calldata confirmSigs
    ) private {
        require(confirmSigs.length == MvpTx.SIGS_LENGTH, "bad confirmation");
        bytes32 confirmation = MvpTx.confirmationDigest(_domainSeparator(), hash, root);
        _checkInput(transaction.input0, hash, confirmation, MvpTx.sigAt(sigs, 0), MvpTx.sigAt(confirmSigs, 0));
        uint256 input1 = transaction.input1;
        if (input1 != 0) {
            _checkInput(input1, hash, confirmation, MvpTx.sigAt(sigs, 1), MvpTx.sigAt(confirmSigs, 1));
        }
    }

    /// @dev One input slot: a non-zero signer of `hash` who also signed `confirmation`, an input
    ///      not paid out (the self-transfer drain fix), and the challenge of the input's open exit
    ///      when that exit's owner is the signer.
    function _checkInput(
        uint256 input,
        bytes32 hash,
        bytes32 confirmation,
        bytes memory sig,
        bytes memory confirmSig
    ) private {
        address signer = Eip712.recover(hash, sig);
        require(signer != address(0), "bad signature");
        require(Eip712.recover(confirmation, confirmSig) == signer, "bad confirmation");
        require(!framework.isFinalized(bytes32(input)), "input already exited");
        Exit storage parent = _exits[input];
        if (parent.owner == signer && !parent.challenged) _challenge(input, parent);
    }

    /// @dev Records a new exit of `utxoPos` for the caller, posts the bond and queues the exit.
    function _open(uint256 utxoPos, uint256 amount, uint64 exitableAt) private {
        Exit storage exit = _exits[utxoPos];
        require(exit.owner == address(0), "exit exists");
        require(!framework.isFinalized(bytes32(utxoPos)), "already paid");
        exit.owner = msg.sender;
        exit.exitableAt = exitableAt;
        exit.amount = amount;
        uint256 bond = exitBond;
        if (bond != 0) framework.depositBond{value: bond}();
        framework.enqueue(exitableAt, uint96(utxoPos), uint96(utxoPos));
    }

    /// @dev Marks the open exit of `utxoPos` challenged and credits its bond to the caller.
    function _challenge(uint256 utxoPos, Exit storage exit) private {
        exit.challenged = true;
        uint256 bond = exitBond;
        if (bond != 0) framework.releaseBond(msg.sender, bond);
        emit ExitChallenged(utxoPos, msg.sender);
    }
}
