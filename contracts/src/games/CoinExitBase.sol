// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IExitGame} from "../framework/IExitGame.sol";
import {PlasmaFramework} from "../framework/PlasmaFramework.sol";

/// @notice A pending history challenge, as `pendingChallenges` returns it. Declared at file level
///         so that every game of the coin family returns the same `PendingChallenge` type.
struct PendingChallenge {
    address challenger;
    uint64 blknum;
    address owner;
    uint64 deadline;
}

/// @title CoinExitBase
/// @notice Owns the exit bookkeeping that every coin design shares, whatever its transaction type
///         (docs/cash.md, "Exit game"; docs/security.md): a coin's one open exit, its bonds and its
///         place in the framework's queue; the list of invalid-history challenges with their
///         answer deadlines; the cancellation of an exit (at once by a spent-coin or double-spend
///         challenge, or at processing with unanswered history challenges) and the batched
///         settlement of its challenges' bonds; and the lock that keeps a cancelled forged exit
///         from being reopened before the coin's owner can exit. Plasma Cash and XT
///         (`CoinExitGame`, on `CashTx`) and Plasma Debit (`DebitExitGame`, on `DebitTx`) add the
///         calls that read their transactions and call the internal functions here, so a rule of
///         the family is fixed once.
/// @dev Storage. A coin's current exit takes three slots (`Exit`); its `seq` survives the exit so
///      that exit ids never repeat. History challenges of exit `exitId` live in
///      `_challenges[exitId]`, keyed by the challenged block (two slots each); each links to the
///      one made before it (`prev`, 0 for the first: no challenge can name block 0) and the exit
///      keeps the latest, so the list is walked from the newest to the earliest. An answered
///      challenge stays in the list with `challenger == 0`, so a block is challenged at most once
///      per exit (its answer is public and would answer a repeat).
///      Nothing caps the number of challenges: a cap would let a thief keep it full with challenges
///      it answers itself and lock the coin's owner out. Refunding the challenges of a cancelled
///      exit is therefore done `SETTLE_BATCH` list entries per call; an unfinished walk is stored
///      in `_settlements[exitId]` and continued when `exitId` comes out of the framework's queue
///      again: `processExit` re-queues it at the current time, and an exit cancelled by a
///      challenge still has its own entry queued. Every call, `processExit` included, stays
///      bounded in gas.
///
///      Who gets a cancelled exit's bond. At processing, the exit bond goes to the owner named by
///      the pending challenge at the lowest challenged block, not to whoever challenged first: the
///      evidence decides, not the order of transactions, so the exit's author cannot win its bond
///      back with a challenge it makes (or has an accomplice make) before the owner's. An honest
///      owner's client holds the coin's history up to its own receipt, so every point below it is
///      answerable from that history and the lowest unanswered point is the owner's own.
///
///      The lock (`_locks[coinId]`, one slot). While such a settlement is unfinished the coin
///      accepts no exit; when it finishes the coin is reserved for that owner for one response
///      period: only an exit whose owner is the reserved owner may open. A forged exit cancelled
///      at processing therefore cannot be reopened in the same block to keep the coin frozen.
abstract contract CoinExitBase is IExitGame {
    /// @dev A coin's open exit (all zero but `seq` when there is none), in three slots.
    struct Exit {
        // slot 0
        address owner; // eOwner, the exiting transaction's new owner (Debit: the holder)
        uint64 exitBlk; // eBlk
        uint32 seq; // exits ever started for the coin; kept when an exit ends
        // slot 1
        address prevOwner; // pOwner (0 for a deposit exit)
        uint64 prevBlk; // pBlk (0 for a deposit exit)
        uint32 pending; // pending history challenges
        // slot 2
        uint128 amount; // the coin's deposit amount, so below 2^128
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
        bool bondOwed; // cancelled at processing: the exit bond goes to the owner at `lowest`
        uint64 lowest; // the lowest challenged block of the pending challenges visited (0: none)
    }

    /// @dev A coin's lock after an exit cancelled at processing (one slot).
    struct Lock {
        address owner; // the owner the coin is reserved for
        uint64 until; // reserved strictly before this time
        bool settling; // the cancelled exit's settlement is unfinished: no exit may open
    }

    /// @notice `kind` of `ExitChallenged` for a spent-coin challenge.
    uint8 public constant KIND_SPENT = 1;

    /// @notice `kind` of `ExitChallenged` for a double-spend challenge.
    uint8 public constant KIND_DOUBLE_SPEND = 2;

    /// @notice Challenge list entries visited per settlement call (each refund is a framework call).
    uint256 public constant SETTLE_BATCH = 16;

    /// @notice The framework this game is registered with.
    PlasmaFramework public immutable framework;

    /// @notice The bond (wei) every exit posts: returned on payout, else paid as a cancelled exit's
    ///         rules say.
    uint256 public immutable exitBond;

    /// @notice The bond (wei) every history challenge posts: paid to the responder that answers
    ///         it, else returned when the exit ends.
    uint256 public immutable challengeBond;

    /// @notice `R = minExitPeriod / 4`: how long a history challenge can be answered, and how long
    ///         a coin stays reserved for its owner after a forged exit is cancelled (seconds).
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
    mapping(uint64 coinId => Lock) private _locks;

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
    /// @notice Exit `exitId` was cancelled by `challenger` with a spent-coin (`kind` 1),
    ///         double-spend (`kind` 2) or design-specific challenge; its bond went to the owner the
    ///         evidence names (the spend's new owner, the checkpoint state's owner), or to
    ///         `challenger` when the evidence names nobody but the exit's owner.
    event ExitChallenged(uint64 indexed coinId, uint96 indexed exitId, address indexed challenger, uint8 kind);
    /// @notice Exit `exitId` reached processing with unanswered history challenges and was
    ///         cancelled; its bond went to `beneficiary`, the owner named by the pending challenge
    ///         at the lowest block, for whom the coin is now reserved.
    event ExitCancelled(uint64 indexed coinId, uint96 indexed exitId, address indexed beneficiary);
    /// @notice Coin `coinId` accepts only exits of `owner` until `until` (exclusive).
    event CoinReserved(uint64 indexed coinId, address indexed owner, uint64 until);

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
    // Processing
    // ---------------------------------------------------------------------------------------------

    /// @notice Settles exit `exitId` (framework only, from `processExits`). Never reverts when
    ///         called by the framework.
    /// @dev For the coin's open exit: without pending history challenges, pays it as the design
    ///      says (`_payOut`); with some, cancels it: every pending challenge bond goes back, the
    ///      exit bond goes to the owner named at the lowest pending block, and the coin is locked
    ///      (settling, then reserved for that owner). For an ended exit whose settlement is
    ///      unfinished, continues it. Any other id (an older `seq`, an exit cancelled and settled)
    ///      is skipped. A settlement that does not finish in `SETTLE_BATCH` entries re-queues
    ///      `exitId` at the current time.
    /// @param exitId `uint96(seq) << 64 | coinId`.
    function processExit(uint96 exitId) external {
        require(msg.sender == address(framework), "not framework");
        uint64 coinId = uint64(exitId);
        Exit storage exit = _exits[coinId];
        if (exit.owner != address(0) && _exitId(exit.seq, coinId) == exitId) {
            uint32 pending = exit.pending;
            if (pending == 0) {
                _payOut(coinId, exitId, exit);
                return;
            }
            uint64 latest = exit.lastChallenge;
            _onCancel(coinId, exit);
            _end(coinId, exit);
            _locks[coinId].settling = true;
            if (!_settle(coinId, exitId, Settlement(latest, pending, true, 0))) _requeue(coinId, exitId);
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

    /// @notice The lock of `coinId` after an exit cancelled at processing.
    /// @param coinId The coin.
    /// @return owner The owner the coin is reserved for (0: none).
    /// @return until The reservation holds strictly before this time.
    /// @return settling Whether the cancelled exit's settlement is unfinished (no exit may open).
    function reservation(uint64 coinId) external view returns (address owner, uint64 until, bool settling) {
        Lock storage lock = _locks[coinId];
        return (lock.owner, lock.until, lock.settling);
    }

    // ---------------------------------------------------------------------------------------------
    // Hooks for the designs
    // ---------------------------------------------------------------------------------------------

    /// @dev Pays the open exit `exitId`, which has no pending history challenge, as the design says
    ///      (and ends it).
    function _payOut(uint64 coinId, uint96 exitId, Exit storage exit) internal virtual;

    /// @dev Called when an open exit is cancelled, before it ends: a design returns what else the
    ///      exit held. Nothing by default.
    function _onCancel(uint64 coinId, Exit storage exit) internal virtual {}

    /// @dev The blocks a history challenge of `exit` may name: `coinId <= blknum < pBlk` (the
    ///      history starts at the deposit); "bad order" otherwise. Plasma XT narrows it for exits
    ///      that start at a checkpoint.
    function _checkHistoryRange(uint64 coinId, Exit storage exit, uint64 blknum) internal view virtual {
        require(coinId <= blknum && blknum < exit.prevBlk, "bad order");
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

    /// @dev Checks that the existing deposit block `coinId` records `(depositor, amount)` (for the
    ///      deposit form of a history challenge, whose exit already checked the block exists).
    function _checkDepositRecord(uint64 coinId, address depositor, uint256 amount) internal view {
        (bytes32 root,) = framework.blocks(coinId);
        require(root == keccak256(abi.encode(depositor, amount)), "bad deposit");
    }

    /// @dev Opens exit number `seq + 1` of `coinId` for `owner`, bonded by the caller: checks that
    ///      none is open, that the coin is not locked for another owner and was never paid, records
    ///      it, posts the bond and queues it at `now + P`, position eBlk. The design emits its
    ///      `ExitStarted`.
    function _open(uint64 coinId, address owner, uint64 eBlk, uint64 pBlk, address pOwner, uint256 amount)
        internal
        returns (uint96 exitId, uint64 exitableAt)
    {
        Exit storage exit = _exits[coinId];
        require(exit.owner == address(0), "exit exists");
        Lock storage lock = _locks[coinId];
        require(!lock.settling, "coin settling");
        require(block.timestamp >= lock.until || lock.owner == owner, "coin reserved");
        require(!framework.isFinalized(bytes32(uint256(coinId))), "already paid");
        uint32 seq = exit.seq + 1;
        uint64 startedAt = uint64(block.timestamp);
        exitableAt = startedAt + _minExitPeriod;
        (exit.owner, exit.exitBlk, exit.seq) = (owner, eBlk, seq);
        if (pBlk != 0) (exit.prevOwner, exit.prevBlk) = (pOwner, pBlk);
        // The deposit record matched `amount`, and the framework never records a deposit of 2^128.
        (exit.amount, exit.startedAt) = (uint128(amount), startedAt);
        exitId = _exitId(seq, coinId);
        uint256 bond = exitBond;
        if (bond != 0) framework.depositBond{value: bond}();
        framework.enqueue(exitableAt, eBlk, exitId);
    }

    /// @dev Appends a history challenge at `blknum` (owner `owner`) to the exit's list, posts the
    ///      challenge bond and emits `HistoryChallenged`.
    function _recordChallenge(uint64 coinId, Exit storage exit, uint64 blknum, address owner) internal {
        uint96 exitId = _exitId(exit.seq, coinId);
        Challenge storage challenge = _challenges[exitId][blknum];
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

    /// @dev The pending history challenge at `challengeBlk` of the open exit of `coinId`, still
    ///      answerable now: "no open exit", "no such challenge", "too late".
    function _pendingHistoryChallenge(uint64 coinId, uint64 challengeBlk)
        internal
        view
        returns (Exit storage exit, Challenge storage challenge, uint96 exitId)
    {
        exit = _openExit(coinId);
        exitId = _exitId(exit.seq, coinId);
        challenge = _challenges[exitId][challengeBlk];
        require(challenge.challenger != address(0), "no such challenge");
        require(block.timestamp < challenge.deadline, "too late");
    }

    /// @dev Ends a pending history challenge answered by the caller, who gets its bond.
    function _closeHistoryChallenge(Exit storage exit, Challenge storage challenge) internal {
        challenge.challenger = address(0);
        unchecked {
            // The challenge was pending, so the count is at least one.
            exit.pending -= 1;
        }
        _releaseBond(msg.sender, challengeBond);
    }

    /// @dev Cancels the open exit of `coinId` by a challenge of the caller that proves it at once,
    ///      with evidence naming `named` as the coin's next rightful owner (the spend's new owner, the
    ///      checkpoint state's owner): ends it and pays its bond to `named`, so that the evidence, not
    ///      the order of transactions, decides who is paid (a copier of the challenge, or the exit's
    ///      author front-running it, gains nothing). When the evidence names nobody else (`named`
    ///      zero or the exit's own owner, as a Debit payment by the holder does), the bond goes to the
    ///      caller. Nothing is reserved: the honest owner may be several moves after `named` and
    ///      must be free to exit at once. Pending history challenges are refunded (the rest, beyond
    ///      one batch, when its queue entry comes up).
    function _cancel(uint64 coinId, Exit storage exit, uint8 kind, address named) internal {
        uint96 exitId = _exitId(exit.seq, coinId);
        (uint32 pending, uint64 latest) = (exit.pending, exit.lastChallenge);
        bool byContent = named != address(0) && named != exit.owner;
        _onCancel(coinId, exit);
        _end(coinId, exit);
        _releaseBond(byContent ? named : msg.sender, exitBond);
        emit ExitChallenged(coinId, exitId, msg.sender, kind);
        if (pending != 0) _settle(coinId, exitId, Settlement(latest, pending, false, 0));
    }

    /// @dev Ends an exit: clears everything but `seq`. A design that keeps more per exit extends it.
    function _end(uint64, Exit storage exit) internal virtual {
        uint32 seq = exit.seq;
        (exit.owner, exit.exitBlk, exit.seq) = (address(0), 0, seq);
        (exit.prevOwner, exit.prevBlk, exit.pending) = (address(0), 0, 0);
        (exit.amount, exit.startedAt, exit.lastChallenge) = (0, 0, 0);
    }

    /// @dev Walks at most `SETTLE_BATCH` entries of exit `exitId`'s challenge list from
    ///      `s.cursor` towards the earliest, refunding each pending challenge's bond and noting the
    ///      lowest pending block. When every pending challenge is refunded and `s.bondOwed`, pays the
    ///      exit bond to the owner named at that lowest block (`ExitCancelled`) and reserves the
    ///      coin for that owner for `responsePeriod` (`CoinReserved`). Returns true when done;
    ///      otherwise stores where it stopped in `_settlements[exitId]`.
    function _settle(uint64 coinId, uint96 exitId, Settlement memory s) internal returns (bool done) {
        mapping(uint64 => Challenge) storage list = _challenges[exitId];
        uint256 bond = challengeBond;
        for (uint256 visited; s.remaining != 0 && visited < SETTLE_BATCH; ++visited) {
            uint64 blknum = s.cursor;
            Challenge storage challenge = list[blknum];
            address challenger = challenge.challenger;
            if (challenger != address(0)) {
                --s.remaining;
                if (s.lowest == 0 || blknum < s.lowest) s.lowest = blknum;
                _releaseBond(challenger, bond);
            }
            s.cursor = challenge.prev;
        }
        if (s.remaining != 0) {
            _settlements[exitId] = s;
            return false;
        }
        if (s.bondOwed) {
            Challenge storage lowest = list[s.lowest];
            address owner = lowest.owner;
            if (owner == address(0)) {
                // A transaction to nobody: nobody to reserve the coin for; its challenger is paid.
                delete _locks[coinId];
                owner = lowest.challenger;
            } else {
                uint64 until = uint64(block.timestamp) + responsePeriod;
                _locks[coinId] = Lock(owner, until, false);
                emit CoinReserved(coinId, owner, until);
            }
            _releaseBond(owner, exitBond);
            emit ExitCancelled(coinId, exitId, owner);
        }
        return true;
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
