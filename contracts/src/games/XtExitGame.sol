// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {CoinExitGame} from "./CoinExitGame.sol";
import {CashTx, CashTxLib, Included} from "./CashTx.sol";
import {SparseMerkle} from "../lib/SparseMerkle.sol";
import {Eip712} from "../lib/Eip712.sol";

/// @notice A coin's state in a finalised checkpoint (docs/xt.md, "A finalised checkpoint as a coin's
///         origin"): the checkpoint, its whole sign-off bitmap, the owner `O` and last move `L` at its
///         block, and the inclusion proof of `stateLeaf(O, L)` at key `coinId` under its state root.
struct CheckpointState {
    uint256 checkpointId;
    bytes bitmap;
    address owner;
    uint64 lastMoved;
    bytes proof;
}

/// @title XtExitGame
/// @notice Owns the rules of Plasma XT (docs/xt.md): every rule of Plasma Cash (`CoinExitGame`), plus
///         checkpoints — bonded proposals by the operator of a zone's state root and sign-off bitmap
///         at a child block, challenges of set bits by owners who did not sign, the operator's answers
///         (the owner's EIP-712 sign-off or a later spend), the cap on pending challenges, voiding,
///         finalisation and bond routing — and the use of a finalised checkpoint as a coin's origin:
///         exits that start at the checkpoint state, history challenges that stop at it or name it,
///         and the cancellation of stale exits that contradict it.
/// @dev Storage. A checkpoint takes four slots; its bitmap is only hashed (callers pass it again).
///      Its challenges live in `_cpChallenges[id][coinId << 64 | blknum]` (two slots each, kept
///      after an answer with `challenger == 0`, so a pair is challenged once), and the keys of the
///      pending ones in `_pendingKeys[id]` (swap-removed on answer). A void walks that list, which
///      never holds more than `challengeCap + 1` keys. An exit that starts at a checkpoint records
///      the checkpoint block in `_origins[exitId]` (0: the deposit).
contract XtExitGame is CoinExitGame {
    /// @dev A checkpoint proposal, in four slots.
    struct Checkpoint {
        // slot 0
        uint64 blknum; // K
        uint64 zoneStart;
        uint64 zoneSize;
        uint32 pending; // pending challenges
        uint8 status; // STATUS_*
        bool capped; // more than `challengeCap` were pending once: void at the end, no new challenge
        // slot 1
        bytes32 stateRoot;
        // slot 2
        bytes32 bitmapHash;
        // slot 3
        address proposer;
        uint64 proposedAt;
    }

    /// @dev One challenge of a set bit, in two slots. It is stored under `(coinId, blknum)`: the
    ///      challenged block for a challenge by a non-signer (`challenged == blknum`), the block of
    ///      the later spend for a challenge by a later owner (`challenged < K < blknum`).
    struct CpChallenge {
        address challenger; // 0 once answered or refunded
        uint64 deadline; // answers accepted strictly before it; non-zero for every challenge made
        address owner; // who must have signed: the challenged transaction's new owner
        uint32 index; // position in `_pendingKeys` while pending
        uint64 challenged; // the block of the challenged transaction (the coin id for a deposit)
    }

    /// @notice `status` of a checkpoint that is open (challengeable, not finalised).
    uint8 public constant STATUS_OPEN = 1;
    /// @notice `status` of a finalised checkpoint.
    uint8 public constant STATUS_FINALIZED = 2;
    /// @notice `status` of a void checkpoint.
    uint8 public constant STATUS_VOID = 3;
    /// @notice `kind` of `ExitChallenged` for a stale exit cancelled by `cancelStaleExit`.
    uint8 public constant KIND_STALE = 3;
    /// @notice `kind` of `CheckpointChallengeAnswered` for an answer with the owner's sign-off.
    uint8 public constant ANSWER_SIGN_OFF = 1;
    /// @notice `kind` of `CheckpointChallengeAnswered` for an answer with a later spend.
    uint8 public constant ANSWER_SPEND = 2;
    /// @notice `kind` of `CheckpointChallengeAnswered` for an answer with the leaf a later owner's
    ///         challenge names.
    uint8 public constant ANSWER_LEAF = 3;
    /// @notice `reason` of `CheckpointVoided`: challenges were pending at finalisation.
    uint8 public constant VOID_UNANSWERED = 1;
    /// @notice `reason` of `CheckpointVoided`: more than `challengeCap` challenges were pending once.
    uint8 public constant VOID_CAP = 2;
    /// @notice keccak256 of the EIP-712 type string of a sign-off.
    bytes32 public constant SIGN_OFF_TYPEHASH = keccak256("CheckpointSignOff(uint64 blknum,bytes32 stateRoot,uint64 coinId)");

    /// @notice The bond (wei) of a checkpoint proposal.
    uint256 public immutable checkpointBond;
    /// @notice `Pc` (seconds): a checkpoint is finalised from `proposedAt + Pc` on; at least `P`.
    uint64 public immutable checkpointPeriod;
    /// @notice `Rc = Pc / 4` (seconds): how long a checkpoint challenge can be answered.
    uint64 public immutable checkpointResponsePeriod;
    /// @notice `3Rc` (seconds): how long after its proposal a checkpoint accepts challenges.
    uint64 public immutable checkpointChallengeWindow;
    /// @notice The most pending challenges a checkpoint survives; one more voids it.
    uint32 public immutable challengeCap;

    uint256 private _checkpointCount;
    mapping(uint256 checkpointId => Checkpoint) private _checkpoints;
    mapping(uint256 checkpointId => mapping(uint128 key => CpChallenge)) private _cpChallenges;
    mapping(uint256 checkpointId => uint128[]) private _pendingKeys;
    mapping(uint96 exitId => uint64 blknum) private _origins;

    /// @notice Checkpoint `checkpointId` of block `blknum` and zone `[zoneStart, zoneStart +
    ///         zoneSize)` was proposed with `stateRoot` and `bitmap`; it can be finalised from
    ///         `finalizableAt`.
    event CheckpointProposed(
        uint256 indexed checkpointId,
        uint64 indexed blknum,
        uint64 zoneStart,
        uint64 zoneSize,
        bytes32 stateRoot,
        bytes bitmap,
        uint64 finalizableAt
    );
    /// @notice `challenger` challenged the bit of `coinId` with the transaction at `blknum` making
    ///         `owner` the owner; `owner`'s sign-off or later spend answers it until `deadline`.
    event CheckpointChallenged(
        uint256 indexed checkpointId,
        uint64 indexed coinId,
        address indexed challenger,
        uint64 blknum,
        address owner,
        uint64 deadline
    );
    /// @notice `responder` answered the challenge at `challengeBlk` (`kind` 1 sign-off, 2 spend, 3 leaf).
    event CheckpointChallengeAnswered(
        uint256 indexed checkpointId, uint64 indexed coinId, address indexed responder, uint64 challengeBlk, uint8 kind
    );
    /// @notice A spend answer published `tx`, included at `blknum` with `proof`, signed `sig`.
    event CheckpointSpendRevealed(
        uint256 indexed checkpointId, uint64 indexed coinId, CashTx tx, uint64 blknum, bytes proof, bytes sig
    );
    /// @notice Checkpoint `checkpointId` of block `blknum` is final: its checkpointed coins' histories
    ///         may start at it.
    event CheckpointFinalized(uint256 indexed checkpointId, uint64 indexed blknum);
    /// @notice Checkpoint `checkpointId` is void (`reason` 1 unanswered, 2 cap); its bond went back
    ///         to `beneficiary`, the proposer, when every challenge was answered, and was burned
    ///         (`beneficiary` zero) otherwise.
    event CheckpointVoided(uint256 indexed checkpointId, address indexed beneficiary, uint8 reason);
    /// @notice More than `challengeCap` challenges of checkpoint `checkpointId` were pending: it
    ///         takes no more challenges and will be void at its end; answers are still accepted.
    event CheckpointCapped(uint256 indexed checkpointId);
    /// @notice `responder` answered the history challenge at `challengeBlk` of exit `exitId` with the
    ///         coin's state in finalised checkpoint `checkpointId`.
    event HistoryAnsweredAtCheckpoint(
        uint64 indexed coinId, uint96 indexed exitId, address indexed responder, uint64 challengeBlk, uint256 checkpointId
    );
    /// @notice Exit `exitId` of `coinId` starts at checkpoint `checkpointId` of block `blknum`.
    event ExitOriginSet(uint64 indexed coinId, uint96 indexed exitId, uint256 checkpointId, uint64 blknum);

    /// @notice Deploys the game for `framework_`.
    /// @dev Reverts "period too short" when `checkpointPeriod_` is below the framework's exit
    ///      period, "zero cap" when `challengeCap_` is zero.
    /// @param framework_ The PlasmaFramework deployment.
    /// @param exitBond_ The bond every exit must post (wei).
    /// @param challengeBond_ The bond every history or checkpoint challenge must post (wei).
    /// @param checkpointBond_ The bond every checkpoint proposal must post (wei).
    /// @param checkpointPeriod_ `Pc` (seconds), at least the exit period.
    /// @param challengeCap_ The most pending challenges a checkpoint survives.
    constructor(
        address framework_,
        uint256 exitBond_,
        uint256 challengeBond_,
        uint256 checkpointBond_,
        uint64 checkpointPeriod_,
        uint32 challengeCap_
    ) CoinExitGame(framework_, exitBond_, challengeBond_) {
        require(checkpointPeriod_ >= framework.minExitPeriod(), "period too short");
        require(challengeCap_ != 0, "zero cap");
        checkpointBond = checkpointBond_;
        checkpointPeriod = checkpointPeriod_;
        checkpointResponsePeriod = checkpointPeriod_ / 4;
        checkpointChallengeWindow = (checkpointPeriod_ / 4) * 3;
        challengeCap = challengeCap_;
    }

    // ---------------------------------------------------------------------------------------------
    // Checkpoints
    // ---------------------------------------------------------------------------------------------

    /// @notice Proposes a checkpoint of child block `blknum` for the zone `[zoneStart, zoneStart +
    ///         zoneSize)` (operator only, bonded).
    /// @dev Requires, in this order: `msg.value == checkpointBond`; the framework's operator as
    ///      caller; a submitted child block, submitted less than `checkpointResponsePeriod` ago
    ///      ("block too old": an old block's owners may have sold their coins since, and would sign
    ///      off for what they no longer hold); a non-empty zone of coins deposited before the block,
    ///      `zoneStart + zoneSize <= blknum` ("bad zone": a checkpoint cannot speak of coins that do
    ///      not exist at K); a bitmap of `ceil(zoneSize / 8)` bytes with zero padding bits.
    /// @param blknum The child block K.
    /// @param zoneStart The first coin id of the zone.
    /// @param zoneSize The number of coin ids in the zone.
    /// @param stateRoot The sparse-tree root of `coinId -> stateLeaf(owner, lastMoved)` after K.
    /// @param bitmap The sign-off bitmap (bit i, least significant first in byte i / 8: coin
    ///        zoneStart + i).
    /// @return checkpointId The new checkpoint's id (from 1).
    function proposeCheckpoint(uint64 blknum, uint64 zoneStart, uint64 zoneSize, bytes32 stateRoot, bytes calldata bitmap)
        external
        payable
        returns (uint256 checkpointId)
    {
        require(msg.value == checkpointBond, "bad bond");
        require(msg.sender == framework.operator(), "not operator");
        require(blknum % CHILD_BLOCK_INTERVAL == 0, "not a child block");
        (, uint64 timestamp) = framework.blocks(blknum);
        require(timestamp != 0, "no such block");
        require(block.timestamp < uint256(timestamp) + checkpointResponsePeriod, "block too old");
        require(zoneSize != 0 && uint256(zoneStart) + zoneSize <= blknum, "bad zone");
        _checkBitmapShape(zoneSize, bitmap);
        checkpointId = ++_checkpointCount;
        Checkpoint storage cp = _checkpoints[checkpointId];
        (cp.blknum, cp.zoneStart, cp.zoneSize, cp.status) = (blknum, zoneStart, zoneSize, STATUS_OPEN);
        (cp.stateRoot, cp.bitmapHash) = (stateRoot, keccak256(bitmap));
        uint64 proposedAt = uint64(block.timestamp);
        (cp.proposer, cp.proposedAt) = (msg.sender, proposedAt);
        if (msg.value != 0) framework.depositBond{value: msg.value}();
        emit CheckpointProposed(
            checkpointId, blknum, zoneStart, zoneSize, stateRoot, bitmap, proposedAt + checkpointPeriod
        );
    }

    /// @notice Challenges the set bit of coin `latest.tx.coinId` in an open checkpoint with the
    ///         transaction `latest` (at a block up to K) or the coin's deposit: its new owner did not
    ///         sign off.
    /// @dev Requires, in this order: `msg.value == challengeBond`; an open checkpoint, not capped
    ///      ("capped"); `now < proposedAt + 3Rc`; the checkpoint's bitmap, the coin in the zone with
    ///      its bit set; `coinId <= latest.blknum <= K`; the deposit form (`blknum == coinId`,
    ///      checked with `amount`) or inclusion in a child block; a pair `(coinId, blknum)` not
    ///      challenged before. Caps the checkpoint when the pending challenges exceed
    ///      `challengeCap` (`CheckpointCapped`): it will be void, but the operator keeps its
    ///      answer window, and each answered challenge's bond is the answerer's.
    /// @param checkpointId The checkpoint.
    /// @param bitmap The checkpoint's bitmap.
    /// @param latest The challenger's evidence: the owner's latest transaction up to K, or the deposit.
    /// @param amount The coin's denomination, for the deposit form (ignored otherwise).
    function challengeCheckpoint(uint256 checkpointId, bytes calldata bitmap, Included calldata latest, uint256 amount)
        external
        payable
    {
        require(msg.value == challengeBond, "bad bond");
        Checkpoint storage cp = _challengeableCheckpoint(checkpointId);
        uint64 coinId = latest.tx.coinId;
        _checkBit(cp, bitmap, coinId);
        uint64 blknum = _checkLatest(cp, latest, amount);
        _recordCheckpointChallenge(checkpointId, cp, coinId, blknum, blknum, latest.tx.newOwner);
    }

    /// @notice A later owner challenges the set bit of coin `latest.tx.coinId`: `latest` made X the
    ///         owner at block Lb <= K, and X's spend `later` of it was included after K, so the
    ///         checkpoint must state `(X, Lb)`. X's sign-off does not answer it (X had given the coin
    ///         away when it signed); only X's spend of Lb at a block up to K
    ///         (`respondCheckpointSpend`) or the leaf `(X, Lb)` under the state root
    ///         (`respondCheckpointLeaf`) does. The later owner needs no data of the checkpoint
    ///         beyond its bitmap: the operator, who holds the state tree, must show the leaf.
    /// @dev Requires, in this order: `msg.value == challengeBond`; an open checkpoint, not capped;
    ///      `now < proposedAt + 3Rc`; the bitmap, the coin in the zone with its bit set; `latest` as
    ///      in `challengeCheckpoint`; `later.tx.coinId == coinId` ("wrong coin"),
    ///      `later.tx.prevBlock == Lb` ("not a spend"), `later.blknum > K` ("bad order"), `later`
    ///      included, `laterSig` by X ("bad signature"); a pair `(coinId, later.blknum)` not
    ///      challenged before. Caps as `challengeCheckpoint`.
    /// @param checkpointId The checkpoint.
    /// @param bitmap The checkpoint's bitmap.
    /// @param latest The transaction (or deposit) that made X the owner at a block up to K.
    /// @param amount The coin's denomination, for the deposit form (ignored otherwise).
    /// @param later X's spend of `latest`, included after K.
    /// @param laterSig X's signature of `later`.
    function challengeCheckpointAfter(
        uint256 checkpointId,
        bytes calldata bitmap,
        Included calldata latest,
        uint256 amount,
        Included calldata later,
        bytes calldata laterSig
    ) external payable {
        require(msg.value == challengeBond, "bad bond");
        Checkpoint storage cp = _challengeableCheckpoint(checkpointId);
        uint64 coinId = latest.tx.coinId;
        _checkBit(cp, bitmap, coinId);
        uint64 blknum = _checkLatest(cp, latest, amount);
        address owner = latest.tx.newOwner;
        require(later.tx.coinId == coinId, "wrong coin");
        require(later.tx.prevBlock == blknum, "not a spend");
        require(later.blknum > cp.blknum, "bad order");
        require(Eip712.isSignedByCalldata(_includedTx(later), laterSig, owner), "bad signature");
        _recordCheckpointChallenge(checkpointId, cp, coinId, later.blknum, blknum, owner);
    }

    /// @notice Answers a later owner's pending challenge `(coinId, challengeBlk)` of an open
    ///         checkpoint with the leaf it asks for: `stateLeaf(X, Lb)` at `coinId` under the state
    ///         root (the checkpoint states what the later owner's evidence says). The challenge bond
    ///         goes to the caller.
    /// @dev Requires an open checkpoint, a pending challenge, `now < deadline`, a later owner's
    ///      challenge ("not a later owner's": a non-signer's challenge is answered by its sign-off),
    ///      and `proof` of the leaf ("not included").
    /// @param checkpointId The checkpoint.
    /// @param coinId The coin.
    /// @param challengeBlk The block the challenge is stored under (the later spend's block).
    /// @param proof The sparse-tree inclusion proof of the leaf at `coinId`.
    function respondCheckpointLeaf(uint256 checkpointId, uint64 coinId, uint64 challengeBlk, bytes calldata proof)
        external
    {
        (Checkpoint storage cp, CpChallenge storage ch, uint128 key) =
            _pendingCheckpointChallenge(checkpointId, coinId, challengeBlk);
        uint64 challenged = ch.challenged;
        require(challenged != challengeBlk, "not a later owner's");
        bytes32 leaf = stateLeaf(ch.owner, challenged);
        require(SparseMerkle.verifyInclusion(cp.stateRoot, coinId, leaf, proof), "not included");
        _answer(checkpointId, cp, ch, key, coinId, challengeBlk, ANSWER_LEAF);
    }

    /// @notice Answers the pending challenge `(coinId, challengeBlk)` of an open checkpoint with the
    ///         challenged owner's sign-off; the challenge bond goes to the caller.
    /// @dev Requires an open checkpoint, a pending challenge, `now < deadline`, a challenge by a
    ///      non-signer ("sign-off refused" for a later owner's), and `sig` by the challenge's owner
    ///      over `signOffHash(K, stateRoot, coinId)`.
    /// @param checkpointId The checkpoint.
    /// @param coinId The coin.
    /// @param challengeBlk The block of the challenged transaction (the coin id for a deposit).
    /// @param sig The owner's 65-byte sign-off signature.
    function respondCheckpointSignOff(uint256 checkpointId, uint64 coinId, uint64 challengeBlk, bytes calldata sig)
        external
    {
        (Checkpoint storage cp, CpChallenge storage ch, uint128 key) =
            _pendingCheckpointChallenge(checkpointId, coinId, challengeBlk);
        require(ch.challenged == challengeBlk, "sign-off refused");
        require(Eip712.isSignedByCalldata(signOffHash(cp.blknum, cp.stateRoot, coinId), sig, ch.owner), "bad signature");
        _answer(checkpointId, cp, ch, key, coinId, challengeBlk, ANSWER_SIGN_OFF);
    }

    /// @notice Answers the pending challenge `(coinId, challengeBlk)` of an open checkpoint with a
    ///         later spend by the challenged owner, up to K; the challenge bond goes to the caller and
    ///         the spend is published in `CheckpointSpendRevealed`.
    /// @dev Requires an open checkpoint, a pending challenge, `now < deadline`;
    ///      `spend.tx.coinId == coinId`; `spend.tx.prevBlock` the challenged transaction's block
    ///      ("not a spend"); that block `< spend.blknum <= K` ("bad order"); inclusion; `sig` by the
    ///      owner.
    /// @param checkpointId The checkpoint.
    /// @param coinId The coin.
    /// @param challengeBlk The block the challenge is stored under (`CheckpointChallenged.blknum`).
    /// @param spend Its direct spend with block and proof.
    /// @param sig The spend's 65-byte signature.
    function respondCheckpointSpend(
        uint256 checkpointId,
        uint64 coinId,
        uint64 challengeBlk,
        Included calldata spend,
        bytes calldata sig
    ) external {
        (Checkpoint storage cp, CpChallenge storage ch, uint128 key) =
            _pendingCheckpointChallenge(checkpointId, coinId, challengeBlk);
        uint64 challenged = ch.challenged;
        require(spend.tx.coinId == coinId, "wrong coin");
        require(spend.tx.prevBlock == challenged, "not a spend");
        require(challenged < spend.blknum && spend.blknum <= cp.blknum, "bad order");
        bytes32 hash = _includedTx(spend);
        require(Eip712.isSignedByCalldata(hash, sig, ch.owner), "bad signature");
        _answer(checkpointId, cp, ch, key, coinId, challengeBlk, ANSWER_SPEND);
        emit CheckpointSpendRevealed(checkpointId, coinId, spend.tx, spend.blknum, spend.proof, sig);
    }

    /// @notice Ends an open checkpoint after its period (anyone): finalised when it was never
    ///         capped and no challenge is pending (bond back to the proposer), else void (pending
    ///         challenge bonds refunded; the checkpoint bond back to the proposer only when nothing
    ///         is pending, burned otherwise).
    /// @param checkpointId The checkpoint.
    function finalizeCheckpoint(uint256 checkpointId) external {
        Checkpoint storage cp = _openCheckpoint(checkpointId);
        require(block.timestamp >= uint256(cp.proposedAt) + checkpointPeriod, "too early");
        if (cp.capped || cp.pending != 0) {
            _void(checkpointId, cp, cp.capped ? VOID_CAP : VOID_UNANSWERED);
            return;
        }
        cp.status = STATUS_FINALIZED;
        _releaseBond(cp.proposer, checkpointBond);
        emit CheckpointFinalized(checkpointId, cp.blknum);
    }

    // ---------------------------------------------------------------------------------------------
    // Checkpoints as exit origins
    // ---------------------------------------------------------------------------------------------

    /// @notice Starts an exit of `coinId` from the finalised checkpoint state `origin`: of the state
    ///         itself (`exiting` and `parent` all zero, empty signature), of `C` spending it
    ///         (`parent` all zero), or of `C` after a parent `P(C)` after the checkpoint.
    /// @dev Requires `msg.value == exitBond`; the deposit record; `origin` checkpointed; then the rules
    ///      of docs/xt.md for each form; no open exit and no payout. Emits `ExitStarted` and
    ///      `ExitOriginSet`.
    /// @param coinId The coin.
    /// @param depositor The coin's depositor (from its deposit record).
    /// @param amount The coin's denomination (from its deposit record).
    /// @param origin The coin's state in a finalised checkpoint.
    /// @param parent P(C) after the checkpoint, or all zero.
    /// @param exiting C, or all zero to exit the checkpoint state itself.
    /// @param exitingSig C's signature by P(C)'s new owner (or the checkpoint owner); empty for the
    ///        state itself.
    function startCheckpointExit(
        uint64 coinId,
        address depositor,
        uint256 amount,
        CheckpointState calldata origin,
        Included calldata parent,
        Included calldata exiting,
        bytes calldata exitingSig
    ) external payable {
        require(msg.value == exitBond, "bad bond");
        _checkDepositBlock(coinId, depositor, amount);
        uint64 k = _checkpointState(origin, coinId);
        (uint64 eBlk, uint64 pBlk, address pOwner) = exiting.blknum == 0
            ? _stateExit(origin, parent, exiting, exitingSig)
            : _txExit(coinId, k, origin, parent, exiting, exitingSig);
        uint96 exitId = _openCoinExit(coinId, eBlk, pBlk, pOwner, amount);
        _origins[exitId] = k;
        emit ExitOriginSet(coinId, exitId, origin.checkpointId, k);
    }

    /// @notice Challenges the history of the open exit of `coinId` with a finalised checkpoint state
    ///         `(O, L)` at K, `origin <= K < pBlk`: recorded as the history challenge of block L with
    ///         owner O, answered by `respondHistory` with the direct child of the state.
    /// @dev Requires `msg.value == challengeBond`; an open exit; `now < startedAt + 3R`; `state`
    ///      checkpointed; `origin <= K < pBlk` and `coinId <= L` ("bad order"); block L not yet
    ///      challenged on this exit.
    /// @param coinId The coin.
    /// @param state The coin's state in a finalised checkpoint.
    function challengeHistoryAtCheckpoint(uint64 coinId, CheckpointState calldata state) external payable {
        require(msg.value == challengeBond, "bad bond");
        Exit storage exit = _openExit(coinId);
        require(block.timestamp < uint256(exit.startedAt) + historyChallengeWindow, "window closed");
        uint64 k = _checkpointState(state, coinId);
        require(_originOf(coinId, exit) <= k && k < exit.prevBlk && coinId <= state.lastMoved, "bad order");
        _recordChallenge(coinId, exit, state.lastMoved, state.owner);
    }

    /// @notice Answers the pending history challenge at `challengeBlk` of the open exit of `coinId`
    ///         with a finalised checkpoint state `(O, L)` whose last move `L` is after the challenged
    ///         block: the finalised checkpoint vouches that the challenged owner's point was spent.
    ///         The challenge bond goes to the caller. An owner who pruned its history to the
    ///         checkpoint answers challenges below it this way.
    /// @dev Requires an open exit; a pending challenge at `challengeBlk` ("no such challenge");
    ///      `now < deadline` ("too late"); `state` checkpointed and finalised (`_checkpointState`);
    ///      `challengeBlk < L`, and `L <= pBlk` or the exit is the state's own (`eBlk == L`,
    ///      owner `O`): the checkpoint vouches for the history up to `L` ("bad order").
    /// @param coinId The coin.
    /// @param challengeBlk The block of the challenged transaction.
    /// @param state The coin's state in a finalised checkpoint.
    function respondHistoryAtCheckpoint(uint64 coinId, uint64 challengeBlk, CheckpointState calldata state)
        external
    {
        (Exit storage exit, Challenge storage challenge,) = _pendingHistoryChallenge(coinId, challengeBlk);
        _checkpointState(state, coinId);
        uint64 lastMoved = state.lastMoved;
        bool vouched = lastMoved <= exit.prevBlk || (lastMoved == exit.exitBlk && state.owner == exit.owner);
        require(challengeBlk < lastMoved && vouched, "bad order");
        _closeHistoryChallenge(exit, challenge);
        emit HistoryAnsweredAtCheckpoint(coinId, _exitId(exit.seq, coinId), msg.sender, challengeBlk, state.checkpointId);
    }

    /// @notice Cancels the open exit of `coinId` when it starts before the finalised checkpoint state
    ///         `state` and contradicts it; the exit bond goes to the caller.
    /// @dev Requires an open exit; `state` checkpointed at K as `(O, L)`; the exit's origin before K
    ///      and either `eBlk <= K` with `(eOwner, eBlk) != (O, L)`, or `eBlk > K >= pBlk` with
    ///      `(pOwner, pBlk) != (O, L)` ("not stale"). Cancels like a spent-coin challenge, kind 3, naming
    ///      the state's owner `O` (its bond goes to `O`).
    /// @param coinId The coin.
    /// @param state The coin's state in a finalised checkpoint.
    function cancelStaleExit(uint64 coinId, CheckpointState calldata state) external {
        Exit storage exit = _openExit(coinId);
        uint64 k = _checkpointState(state, coinId);
        require(_originOf(coinId, exit) < k, "not stale");
        bool stale;
        if (exit.exitBlk <= k) stale = exit.owner != state.owner || exit.exitBlk != state.lastMoved;
        else if (exit.prevBlk <= k) stale = exit.prevOwner != state.owner || exit.prevBlk != state.lastMoved;
        require(stale, "not stale");
        _cancel(coinId, exit, KIND_STALE, state.owner);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice Checkpoint `checkpointId` (all zero if it was never proposed).
    /// @param checkpointId The checkpoint.
    /// @return blknum K.
    /// @return zoneStart The zone's first coin id.
    /// @return zoneSize The zone's size.
    /// @return stateRoot The state root.
    /// @return bitmapHash keccak256 of the bitmap.
    /// @return proposer Who proposed it.
    /// @return proposedAt When.
    /// @return finalizableAt `proposedAt + Pc`.
    /// @return status 0 none, 1 open, 2 finalised, 3 void.
    /// @return pendingCount Pending challenges (0 once finalised or void).
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
        )
    {
        Checkpoint storage cp = _checkpoints[checkpointId];
        (blknum, zoneStart, zoneSize, stateRoot, bitmapHash) =
            (cp.blknum, cp.zoneStart, cp.zoneSize, cp.stateRoot, cp.bitmapHash);
        (proposer, proposedAt, status, pendingCount) = (cp.proposer, cp.proposedAt, cp.status, cp.pending);
        if (status != 0) finalizableAt = proposedAt + checkpointPeriod;
    }

    /// @notice Whether more than `challengeCap` challenges of checkpoint `checkpointId` were pending
    ///         once: it takes no more challenges and will be void at its end.
    /// @param checkpointId The checkpoint.
    /// @return True once capped.
    function isCapped(uint256 checkpointId) external view returns (bool) {
        return _checkpoints[checkpointId].capped;
    }

    /// @notice Number of checkpoints proposed (the latest id).
    /// @return The count.
    function checkpointCount() external view returns (uint256) {
        return _checkpointCount;
    }

    /// @notice The challenge of checkpoint `checkpointId` at `(coinId, blknum)`.
    /// @param checkpointId The checkpoint.
    /// @param coinId The coin.
    /// @param blknum The challenged block.
    /// @return challenger The challenger while pending (zero once answered or refunded).
    /// @return owner Who must have signed.
    /// @return deadline The answer deadline (zero if the challenge was never made).
    function checkpointChallenge(uint256 checkpointId, uint64 coinId, uint64 blknum)
        external
        view
        returns (address challenger, address owner, uint64 deadline)
    {
        CpChallenge storage ch = _cpChallenges[checkpointId][_key(coinId, blknum)];
        return (ch.challenger, ch.owner, ch.deadline);
    }

    /// @notice The checkpoint block an exit starts from (0 when it starts from the deposit).
    /// @param exitId The exit.
    /// @return The origin checkpoint's block.
    function exitOrigin(uint96 exitId) external view returns (uint64) {
        return _origins[exitId];
    }

    /// @notice The digest an owner signs to sign off coin `coinId` in the checkpoint of block
    ///         `blknum` with `stateRoot`: EIP-712 `CheckpointSignOff(blknum, stateRoot, coinId)`.
    /// @param blknum K.
    /// @param stateRoot The state root.
    /// @param coinId The coin.
    /// @return The digest under this deployment's domain.
    function signOffHash(uint64 blknum, bytes32 stateRoot, uint64 coinId) public view returns (bytes32) {
        return Eip712.digest(_domainSeparator(), keccak256(abi.encode(SIGN_OFF_TYPEHASH, blknum, stateRoot, coinId)));
    }

    /// @notice A coin's leaf value in a checkpoint's state tree: `keccak256(abi.encode(owner,
    ///         lastMoved))`.
    /// @param owner The owner after K.
    /// @param lastMoved The block where the coin last moved (its id if never).
    /// @return The leaf value.
    function stateLeaf(address owner, uint64 lastMoved) public pure returns (bytes32) {
        return keccak256(abi.encode(owner, lastMoved));
    }

    // ---------------------------------------------------------------------------------------------
    // Internal helpers
    // ---------------------------------------------------------------------------------------------

    /// @dev History challenges of an exit that starts at checkpoint K name blocks in `(K, pBlk)`;
    ///      an exit from the deposit keeps Cash's range.
    function _checkHistoryRange(uint64 coinId, Exit storage exit, uint64 blknum) internal view override {
        uint64 origin = _origins[_exitId(exit.seq, coinId)];
        if (origin == 0) super._checkHistoryRange(coinId, exit, blknum);
        else require(origin < blknum && blknum < exit.prevBlk, "bad order");
    }

    /// @dev The block an exit's history starts at: its checkpoint, or the coin's deposit.
    function _originOf(uint64 coinId, Exit storage exit) private view returns (uint64) {
        uint64 origin = _origins[_exitId(exit.seq, coinId)];
        return origin == 0 ? coinId : origin;
    }

    /// @dev `(eBlk, pBlk, pOwner)` of an exit of the checkpoint state itself.
    function _stateExit(
        CheckpointState calldata origin,
        Included calldata parent,
        Included calldata exiting,
        bytes calldata exitingSig
    ) private view returns (uint64, uint64, address) {
        require(
            _isNone(parent) && exiting.proof.length == 0 && CashTxLib.isZero(exiting.tx) && exitingSig.length == 0,
            "bad parent"
        );
        require(msg.sender == origin.owner, "not owner");
        return (origin.lastMoved, 0, address(0));
    }

    /// @dev `(eBlk, pBlk, pOwner)` of an exit of `exiting` (C) whose parent is the checkpoint state or
    ///      `parent`, after checkpoint block `k`.
    function _txExit(
        uint64 coinId,
        uint64 k,
        CheckpointState calldata origin,
        Included calldata parent,
        Included calldata exiting,
        bytes calldata exitingSig
    ) private view returns (uint64 eBlk, uint64 pBlk, address pOwner) {
        require(exiting.tx.coinId == coinId, "wrong coin");
        require(exiting.tx.newOwner == msg.sender, "not owner");
        bytes32 hash = _includedTx(exiting);
        eBlk = exiting.blknum;
        if (exiting.tx.prevBlock == origin.lastMoved) {
            require(_isNone(parent), "bad parent");
            require(k < eBlk, "bad order");
            (pBlk, pOwner) = (origin.lastMoved, origin.owner);
        } else {
            require(parent.blknum == exiting.tx.prevBlock, "bad parent");
            require(parent.tx.coinId == coinId, "wrong coin");
            require(k < parent.blknum, "bad order");
            _includedTx(parent);
            (pBlk, pOwner) = (parent.blknum, parent.tx.newOwner);
        }
        require(pBlk < eBlk, "bad order");
        require(Eip712.isSignedByCalldata(hash, exitingSig, pOwner), "bad signature");
    }

    /// @dev Whether an `Included` is all zero.
    function _isNone(Included calldata included) private pure returns (bool) {
        return included.blknum == 0 && included.proof.length == 0 && CashTxLib.isZero(included.tx);
    }

    /// @dev Checks that `state` is coin `coinId`'s state in a finalised checkpoint, its last move
    ///      within `[coinId, K]` ("bad state"); returns its block K.
    function _checkpointState(CheckpointState calldata state, uint64 coinId) private view returns (uint64 k) {
        Checkpoint storage cp = _checkpoints[state.checkpointId];
        require(cp.status == STATUS_FINALIZED, "not finalized");
        _checkLeaf(cp, state, coinId);
        k = cp.blknum;
        // A state's last move lies between the coin's deposit and K, whatever its owner signed off.
        require(coinId <= state.lastMoved && state.lastMoved <= k, "bad state");
    }

    /// @dev Checks that `state` states coin `coinId` in checkpoint `cp`: its bitmap, the coin's bit
    ///      set, and the leaf `stateLeaf(owner, lastMoved)` under the state root ("not included").
    function _checkLeaf(Checkpoint storage cp, CheckpointState calldata state, uint64 coinId) private view {
        _checkBit(cp, state.bitmap, coinId);
        bytes32 leaf = stateLeaf(state.owner, state.lastMoved);
        require(SparseMerkle.verifyInclusion(cp.stateRoot, coinId, leaf, state.proof), "not included");
    }

    /// @dev The open checkpoint `checkpointId` while it takes challenges: not capped ("capped"),
    ///      `now < proposedAt + 3Rc` ("window closed").
    function _challengeableCheckpoint(uint256 checkpointId) private view returns (Checkpoint storage cp) {
        cp = _openCheckpoint(checkpointId);
        require(!cp.capped, "capped");
        require(block.timestamp < uint256(cp.proposedAt) + checkpointChallengeWindow, "window closed");
    }

    /// @dev Checks a challenger's evidence that `latest.tx.newOwner` owned the coin at a block up to
    ///      K: `coinId <= blknum <= K` ("bad order"), the deposit form (checked with `amount`) or an
    ///      inclusion. Returns its block.
    function _checkLatest(Checkpoint storage cp, Included calldata latest, uint256 amount)
        private
        view
        returns (uint64 blknum)
    {
        uint64 coinId = latest.tx.coinId;
        blknum = latest.blknum;
        require(coinId <= blknum && blknum <= cp.blknum, "bad order");
        if (blknum == coinId) _checkDepositTx(coinId, latest, amount);
        else _includedTx(latest);
    }

    /// @dev The open checkpoint `checkpointId`: "no such checkpoint", "not open".
    function _openCheckpoint(uint256 checkpointId) private view returns (Checkpoint storage cp) {
        cp = _checkpoints[checkpointId];
        uint8 status = cp.status;
        require(status != 0, "no such checkpoint");
        require(status == STATUS_OPEN, "not open");
    }

    /// @dev An open checkpoint's pending challenge `(coinId, blknum)` still answerable now.
    function _pendingCheckpointChallenge(uint256 checkpointId, uint64 coinId, uint64 blknum)
        private
        view
        returns (Checkpoint storage cp, CpChallenge storage ch, uint128 key)
    {
        cp = _openCheckpoint(checkpointId);
        key = _key(coinId, blknum);
        ch = _cpChallenges[checkpointId][key];
        require(ch.challenger != address(0), "no such challenge");
        require(block.timestamp < ch.deadline, "too late");
    }

    /// @dev `coinId << 64 | blknum`.
    function _key(uint64 coinId, uint64 blknum) private pure returns (uint128) {
        return (uint128(coinId) << 64) | blknum;
    }

    /// @dev "bad bitmap" unless `bitmap` has `ceil(zoneSize / 8)` bytes and zero padding bits.
    function _checkBitmapShape(uint64 zoneSize, bytes calldata bitmap) private pure {
        uint256 size = zoneSize;
        require(bitmap.length == (size + 7) / 8, "bad bitmap");
        uint256 used = size % 8;
        require(used == 0 || uint8(bitmap[bitmap.length - 1]) >> used == 0, "bad bitmap");
    }

    /// @dev "bad bitmap" unless `bitmap` is the checkpoint's; "not in zone", "bit not set".
    function _checkBit(Checkpoint storage cp, bytes calldata bitmap, uint64 coinId) private view {
        require(keccak256(bitmap) == cp.bitmapHash, "bad bitmap");
        uint64 start = cp.zoneStart;
        require(coinId >= start && coinId - start < cp.zoneSize, "not in zone");
        uint256 i = coinId - start;
        require((uint8(bitmap[i >> 3]) >> (i & 7)) & 1 == 1, "bit not set");
    }

    /// @dev Records a pending challenge of checkpoint `checkpointId` under `(coinId, blknum)` of
    ///      the transaction at `challenged` making `owner` the owner, posts its bond, emits; caps the
    ///      checkpoint when the pending challenges exceed `challengeCap`.
    function _recordCheckpointChallenge(
        uint256 checkpointId,
        Checkpoint storage cp,
        uint64 coinId,
        uint64 blknum,
        uint64 challenged,
        address owner
    ) private {
        uint128 key = _key(coinId, blknum);
        CpChallenge storage ch = _cpChallenges[checkpointId][key];
        require(ch.deadline == 0, "already challenged");
        uint128[] storage keys = _pendingKeys[checkpointId];
        uint64 deadline = uint64(block.timestamp) + checkpointResponsePeriod;
        (ch.challenger, ch.deadline, ch.owner, ch.index) = (msg.sender, deadline, owner, uint32(keys.length));
        ch.challenged = challenged;
        keys.push(key);
        uint32 pending = cp.pending + 1;
        cp.pending = pending;
        if (msg.value != 0) framework.depositBond{value: msg.value}();
        emit CheckpointChallenged(checkpointId, coinId, msg.sender, blknum, owner, deadline);
        if (pending > challengeCap) {
            cp.capped = true;
            emit CheckpointCapped(checkpointId);
        }
    }

    /// @dev Ends a pending challenge answered by the caller: removes it from the pending list, pays
    ///      its bond to the caller, emits.
    function _answer(
        uint256 checkpointId,
        Checkpoint storage cp,
        CpChallenge storage ch,
        uint128 key,
        uint64 coinId,
        uint64 challengeBlk,
        uint8 kind
    ) private {
        uint128[] storage keys = _pendingKeys[checkpointId];
        uint32 index = ch.index;
        uint128 last = keys[keys.length - 1];
        if (last != key) {
            keys[index] = last;
            _cpChallenges[checkpointId][last].index = index;
        }
        keys.pop();
        ch.challenger = address(0);
        cp.pending -= 1;
        _releaseBond(msg.sender, challengeBond);
        emit CheckpointChallengeAnswered(checkpointId, coinId, msg.sender, challengeBlk, kind);
    }

    /// @dev Voids checkpoint `checkpointId`: refunds every pending challenge; returns the
    ///      checkpoint bond to the proposer when none is pending (a capped checkpoint whose
    ///      challenges were all answered) and burns it otherwise. Nobody is paid for a void
    ///      checkpoint: a challenge that the proposer controls could otherwise win its bond back.
    function _void(uint256 checkpointId, Checkpoint storage cp, uint8 reason) private {
        cp.status = STATUS_VOID;
        bool answered = cp.pending == 0;
        cp.pending = 0;
        uint128[] storage keys = _pendingKeys[checkpointId];
        mapping(uint128 => CpChallenge) storage challenges = _cpChallenges[checkpointId];
        uint256 bond = challengeBond;
        for (uint256 i = keys.length; i != 0;) {
            unchecked {
                --i;
            }
            CpChallenge storage ch = challenges[keys[i]];
            address challenger = ch.challenger;
            ch.challenger = address(0);
            _releaseBond(challenger, bond);
        }
        address beneficiary;
        uint256 checkpointBond_ = checkpointBond;
        if (answered) {
            beneficiary = cp.proposer;
            _releaseBond(beneficiary, checkpointBond_);
        } else if (checkpointBond_ != 0) {
            framework.burnBond(checkpointBond_);
        }
        emit CheckpointVoided(checkpointId, beneficiary, reason);
    }
}
