// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IExitGame} from "../framework/IExitGame.sol";
import {PlasmaFramework} from "../framework/PlasmaFramework.sol";
import {SparseMerkle} from "../lib/SparseMerkle.sol";
import {Eip712} from "../lib/Eip712.sol";
import {DebitIncluded, DebitTx, DebitTxLib, Leg} from "./DebitTx.sol";

/// @title DebitExitGame
/// @notice Owns the exit rules of Plasma Debit (docs/debit.md, "Exit game"): Plasma Cash exits,
///         spent-coin, double-spend and invalid-history challenges on the leg of the exiting coin
///         (atomic payments count only when included at both their keys), exits by the holder or
///         the operator that pay the holder's balance `a` to the holder and `v - a` to the
///         operator, the channel challenge with the operator's answer (unanswered, the holder takes
///         the whole coin), and the operator's liquidity, merged from its own flagged deposits.
///         The framework keeps the blocks, the queue, the bonds, the ETH and the "paid" flags (the
///         holder's share under `bytes32(coinId)`, the operator's under
///         `bytes32(coinId | OPERATOR_SHARE_FLAG)`); the byte rules live in `DebitTxLib`.
/// @dev Written beside `CashExitGame` rather than on the Cash family's base: that base is typed on
///      `CashTx`, one proof per transaction and one payee per exit. Storage: a coin's exit takes five
///      slots (`Exit`), `seq` survives it; history challenges and their batched settlement work
///      exactly as in `CashExitGame` (uncapped, `SETTLE_BATCH` entries per call, re-queued walks).
///      At most one channel challenge is pending per exit (only the holder makes them).
contract DebitExitGame is IExitGame {
    /// @dev A coin's open exit (all zero but `seq` when there is none), in five slots.
    struct Exit {
        // slot 0
        address holder; // the exiting leg's new owner (the depositor for a deposit exit)
        uint64 exitBlk; // eBlk
        uint32 seq; // exits ever started for the coin; kept when an exit ends
        // slot 1
        address prevOwner; // pOwner (0 for a deposit exit)
        uint64 prevBlk; // pBlk (0 for a deposit exit)
        uint32 pending; // pending history challenges
        // slot 2
        uint128 balance; // the exit state's holder balance a
        uint64 startedAt;
        uint64 lastChallenge; // block of the latest history challenge made (0: none)
        // slot 3
        address exiter; // who posted the exit bond: the holder or the operator
        uint64 nonce; // the exit state's channel nonce
        // slot 4
        uint128 amount; // the coin's deposit amount (its capacity before liquidity)
        uint64 channelNonce; // nonce of the pending channel challenge
        uint64 channelDeadline; // its answer deadline (exclusive); 0 when none is pending
    }

    /// @dev One history challenge of an exit, stored under the challenged block, in two slots.
    struct Challenge {
        address challenger; // 0 once answered
        uint64 prev; // block of the challenge made before it on the same exit (0: none)
        address owner; // the challenged leg's new owner, who must answer
        uint64 deadline; // answers are accepted strictly before it; non-zero for every challenge made
    }

    /// @dev Where the settlement of a cancelled exit's challenges stopped (one slot).
    struct Settlement {
        uint64 cursor;
        uint32 remaining;
        bool bondOwed;
    }

    /// @dev The arguments of a new exit.
    struct Opening {
        address holder;
        uint64 eBlk;
        uint64 pBlk;
        address pOwner;
        uint256 amount;
        uint128 balance;
        uint64 nonce;
    }

    /// @notice A pending history challenge, as `pendingChallenges` returns it.
    struct PendingChallenge {
        address challenger;
        uint64 blknum;
        address owner;
        uint64 deadline;
    }

    /// @notice An open exit, as `exits` returns it (all zero without one).
    struct ExitView {
        address holder;
        address exiter;
        address prevOwner;
        uint64 exitBlk;
        uint64 prevBlk;
        uint64 startedAt;
        uint64 exitableAt;
        uint256 amount;
        uint256 balance;
        uint64 nonce;
        uint32 seq;
        uint256 pendingCount;
    }

    /// @notice `kind` of `ExitChallenged` for a spent-coin challenge.
    uint8 public constant KIND_SPENT = 1;

    /// @notice `kind` of `ExitChallenged` for a double-spend challenge.
    uint8 public constant KIND_DOUBLE_SPEND = 2;

    /// @notice Challenge list entries visited per settlement call (each refund is a framework call).
    uint256 public constant SETTLE_BATCH = 16;

    /// @notice Added to a coin id to make the framework id of the operator's share of that coin.
    uint256 public constant OPERATOR_SHARE_FLAG = 1 << 64;

    /// @notice The framework this game is registered with.
    PlasmaFramework public immutable framework;

    /// @notice The bond (wei) every exit posts: returned on payout, else paid to its challenger.
    uint256 public immutable exitBond;

    /// @notice The bond (wei) every history or channel challenge posts.
    uint256 public immutable challengeBond;

    /// @notice `R = minExitPeriod / 4`: how long a history or channel challenge can be answered.
    uint64 public immutable responsePeriod;

    /// @notice `3R`: how long after its start an exit accepts history and channel challenges.
    uint64 public immutable historyChallengeWindow;

    uint256 private constant CHILD_BLOCK_INTERVAL = 1000;
    address private immutable _operator;
    uint64 private immutable _minExitPeriod;
    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    /// @notice Liquidity the operator added to each coin (wei): its capacity is the deposit plus this.
    mapping(uint64 coinId => uint256) public liquidity;

    mapping(uint64 coinId => Exit) private _exits;
    mapping(uint96 exitId => mapping(uint64 blknum => Challenge)) private _challenges;
    mapping(uint96 exitId => Settlement) private _settlements;

    /// @notice Coin `coinId` started exit `exitId` for its holder `holder`, posted by `exiter`, from
    ///         the leg included at `eBlk` (parent at `pBlk` by `pOwner`), with state `(balance, nonce)`.
    event ExitStarted(
        uint64 indexed coinId,
        address indexed holder,
        uint96 exitId,
        address exiter,
        uint64 eBlk,
        uint64 pBlk,
        address pOwner,
        uint256 balance,
        uint64 nonce,
        uint64 exitableAt
    );
    /// @notice `challenger` challenged exit `exitId` with the coin's leg at `blknum`, whose new
    ///         owner `owner` can answer until `deadline` (exclusive).
    event HistoryChallenged(
        uint64 indexed coinId,
        uint96 indexed exitId,
        address indexed challenger,
        uint64 blknum,
        address owner,
        uint64 deadline
    );
    /// @notice `responder` answered the history challenge at `challengeBlk` with `response` (the
    ///         transaction, its block and proofs) signed `sig`: the event publishes the spend.
    event HistoryChallengeAnswered(
        uint64 indexed coinId,
        uint96 indexed exitId,
        address indexed responder,
        uint64 challengeBlk,
        DebitIncluded response,
        bytes sig
    );
    /// @notice Exit `exitId` was cancelled by a spent-coin (`kind` 1) or double-spend (`kind` 2)
    ///         challenge; its bond went to `challenger`.
    event ExitChallenged(uint64 indexed coinId, uint96 indexed exitId, address indexed challenger, uint8 kind);
    /// @notice Exit `exitId` reached processing with unanswered history challenges and was
    ///         cancelled; its bond went to `beneficiary`, the earliest pending challenger.
    event ExitCancelled(uint64 indexed coinId, uint96 indexed exitId, address indexed beneficiary);
    /// @notice The holder challenged exit `exitId` with a co-signed state of nonce `nonce`; the
    ///         operator can answer until `deadline` (exclusive).
    event ChannelChallenged(
        uint64 indexed coinId, uint96 indexed exitId, uint64 nonce, uint256 balance, uint64 deadline
    );
    /// @notice `responder` moved exit `exitId` to the co-signed state `(nonce, balance)`, answering
    ///         the pending channel challenge if there was one.
    event ChannelAnswered(
        uint64 indexed coinId, uint96 indexed exitId, address indexed responder, uint64 nonce, uint256 balance
    );
    /// @notice Exit `exitId` was settled: `holderShare` for `holder`, `operatorShare` for the
    ///         operator; `penalty` when an unanswered channel challenge gave the holder the whole
    ///         coin; `paid` is false when the framework refused the holder's share.
    event ExitFinalized(
        uint64 indexed coinId,
        uint96 indexed exitId,
        address indexed holder,
        uint256 holderShare,
        uint256 operatorShare,
        bool penalty,
        bool paid
    );
    /// @notice The operator merged its deposit `liquidityDeposit` of `amount` wei into coin
    ///         `coinId`, whose liquidity is now `total`.
    event LiquidityAdded(uint64 indexed coinId, uint64 liquidityDeposit, uint256 amount, uint256 total);

    /// @notice Deploys the game for `framework_`; reads the framework's operator, exit period and
    ///         domain.
    /// @param framework_ The PlasmaFramework deployment.
    /// @param exitBond_ The bond every exit must post (wei).
    /// @param challengeBond_ The bond every history or channel challenge must post (wei).
    constructor(address framework_, uint256 exitBond_, uint256 challengeBond_) {
        framework = PlasmaFramework(framework_);
        exitBond = exitBond_;
        challengeBond = challengeBond_;
        uint64 period = PlasmaFramework(framework_).minExitPeriod();
        _minExitPeriod = period;
        responsePeriod = period / 4;
        historyChallengeWindow = (period / 4) * 3;
        _operator = PlasmaFramework(framework_).operator();
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = PlasmaFramework(framework_).domainSeparator();
    }

    // ---------------------------------------------------------------------------------------------
    // Liquidity
    // ---------------------------------------------------------------------------------------------

    /// @notice Raises the capacity of coin `coinId` by `amount` with the operator's own deposit
    ///         `liquidityDeposit`, which is flagged so that it can never exit on its own.
    /// @dev Requires the operator as caller ("not operator"); `coinId` an existing deposit block;
    ///      `liquidityDeposit != coinId` ("bad deposit") recording `(operator, amount)`; no open exit
    ///      of `liquidityDeposit`; neither coin paid or flagged ("already paid").
    /// @param coinId The coin whose capacity grows.
    /// @param liquidityDeposit The operator's deposit block that funds it.
    /// @param amount That deposit's amount (wei).
    function addLiquidity(uint64 coinId, uint64 liquidityDeposit, uint256 amount) external {
        require(msg.sender == _operator, "not operator");
        require(coinId % CHILD_BLOCK_INTERVAL != 0, "not a deposit block");
        (, uint64 timestamp) = framework.blocks(coinId);
        require(timestamp != 0, "no such block");
        require(liquidityDeposit != coinId, "bad deposit");
        _checkDepositBlock(liquidityDeposit, _operator, amount);
        require(_exits[liquidityDeposit].holder == address(0), "exit exists");
        require(!framework.isFinalized(bytes32(uint256(coinId))), "already paid");
        require(framework.flag(bytes32(uint256(liquidityDeposit))), "already paid");
        uint256 total = liquidity[coinId] + amount;
        liquidity[coinId] = total;
        emit LiquidityAdded(coinId, liquidityDeposit, amount, total);
    }

    // ---------------------------------------------------------------------------------------------
    // Exits
    // ---------------------------------------------------------------------------------------------

    /// @notice Starts the exit of coin `coinId` from its deposit, by its depositor or the operator.
    /// @dev Requires `msg.value == exitBond`; the deposit record `(depositor, amount)`; the caller as
    ///      `depositor` or the operator ("not owner"); no open exit, no payout. State `(amount, 0)`.
    /// @param coinId The coin (its deposit block number).
    /// @param depositor The depositor (the holder).
    /// @param amount The deposited amount (wei).
    function startDepositExit(uint64 coinId, address depositor, uint256 amount) external payable {
        require(msg.value == exitBond, "bad bond");
        _checkDepositBlock(coinId, depositor, amount);
        require(msg.sender == depositor || msg.sender == _operator, "not owner");
        // The framework never records a deposit of 2^128 wei or more.
        _open(coinId, Opening(depositor, coinId, 0, address(0), amount, uint128(amount), 0));
    }

    /// @notice Starts the exit of coin `coinId` from its leg in `exiting` (C), spending either the
    ///         deposit or `parent` (P(C)); by the leg's new owner (the holder) or the operator.
    /// @dev Cash's `startExit` on legs: bond; deposit record; a leg of `coinId` in `exiting`
    ///      ("wrong coin"); the caller as its new owner or the operator ("not owner"); `exiting`
    ///      included (at both keys for a payment); the deposit or `parent` rules ("bad parent",
    ///      "wrong coin", "bad order", inclusion); `pBlk < eBlk`; `exitingSig` by `pOwner`; no open
    ///      exit, no payout. The exit state is the leg's `(balance, nonce)`.
    /// @param coinId The coin.
    /// @param depositor The coin's depositor (from its deposit record).
    /// @param amount The coin's deposit amount.
    /// @param parent P(C) with its block and proofs, or all zero when C's leg spends the deposit.
    /// @param exiting C with its block and proofs.
    /// @param exitingSig The signature of C by P(C)'s new owner (the coin's previous holder).
    function startExit(
        uint64 coinId,
        address depositor,
        uint256 amount,
        DebitIncluded calldata parent,
        DebitIncluded calldata exiting,
        bytes calldata exitingSig
    ) external payable {
        require(msg.value == exitBond, "bad bond");
        _checkDepositBlock(coinId, depositor, amount);
        Leg memory leg = DebitTxLib.legOf(exiting.tx, coinId);
        require(msg.sender == leg.owner || msg.sender == _operator, "not owner");
        bytes32 hash = _includedTx(exiting);
        (uint64 pBlk, address pOwner) = _parentOf(coinId, depositor, leg.prevBlock, parent);
        uint64 eBlk = exiting.blknum;
        require(pBlk < eBlk, "bad order");
        require(Eip712.recover(hash, exitingSig) == pOwner, "bad signature");
        _open(coinId, Opening(leg.owner, eBlk, pBlk, pOwner, amount, leg.balance, leg.nonce));
    }

    // ---------------------------------------------------------------------------------------------
    // Challenges that cancel at once
    // ---------------------------------------------------------------------------------------------

    /// @notice Cancels the open exit of `coinId` with a direct spend of its exiting leg.
    /// @dev Requires an open exit; a leg of `coinId` in `spend` ("wrong coin") with `prevBlock ==
    ///      eBlk` ("not a spend"); `spend.blknum > eBlk` ("bad order"); `spend` included; `sig` by
    ///      the exit's holder. The exit bond goes to the caller; pending challenges are refunded.
    /// @param coinId The coin.
    /// @param spend The spend with its block and proofs.
    /// @param sig The spend's signature by the holder.
    function challengeSpent(uint64 coinId, DebitIncluded calldata spend, bytes calldata sig) external {
        Exit storage exit = _openExit(coinId);
        uint64 eBlk = exit.exitBlk;
        require(DebitTxLib.legOf(spend.tx, coinId).prevBlock == eBlk, "not a spend");
        require(spend.blknum > eBlk, "bad order");
        bytes32 hash = _includedTx(spend);
        require(Eip712.recover(hash, sig) == exit.holder, "bad signature");
        _cancel(coinId, exit, KIND_SPENT);
    }

    /// @notice Cancels the open exit of `coinId` with another spend of its parent made before C.
    /// @dev Requires an open exit with `pBlk != 0` ("not a spend"); a leg of `coinId` in `spend`
    ///      with `prevBlock == pBlk` ("not a spend"); `pBlk < spend.blknum < eBlk` ("bad order");
    ///      `spend` included; `sig` by `pOwner`. Same effects as `challengeSpent`.
    /// @param coinId The coin.
    /// @param spend The other spend of P(C) with its block and proofs.
    /// @param sig The spend's signature by `pOwner`.
    function challengeDoubleSpend(uint64 coinId, DebitIncluded calldata spend, bytes calldata sig) external {
        Exit storage exit = _openExit(coinId);
        uint64 pBlk = exit.prevBlk;
        require(pBlk != 0, "not a spend");
        require(DebitTxLib.legOf(spend.tx, coinId).prevBlock == pBlk, "not a spend");
        uint64 blknum = spend.blknum;
        require(pBlk < blknum && blknum < exit.exitBlk, "bad order");
        bytes32 hash = _includedTx(spend);
        require(Eip712.recover(hash, sig) == exit.prevOwner, "bad signature");
        _cancel(coinId, exit, KIND_DOUBLE_SPEND);
    }

    // ---------------------------------------------------------------------------------------------
    // Invalid-history challenges
    // ---------------------------------------------------------------------------------------------

    /// @notice Challenges the history of the open exit of `coinId` with an earlier leg C* of the
    ///         coin (or its deposit); cancelled at processing unless answered within `R`.
    /// @dev Cash's rules on legs: bond; open exit; `now < startedAt + 3R` ("window closed"); a leg
    ///      of `coinId` ("wrong coin"); `coinId <= blknum < pBlk` ("bad order"); the deposit form
    ///      (`tx.prevBlock == 0`, no peer, empty proofs, depositor of the exit's amount: "bad
    ///      deposit") or an inclusion; no earlier challenge at that block ("already challenged").
    /// @param coinId The coin.
    /// @param earlier C* with its block and proofs.
    function challengeHistory(uint64 coinId, DebitIncluded calldata earlier) external payable {
        require(msg.value == challengeBond, "bad bond");
        Exit storage exit = _openExit(coinId);
        require(block.timestamp < uint256(exit.startedAt) + historyChallengeWindow, "window closed");
        Leg memory leg = DebitTxLib.legOf(earlier.tx, coinId);
        uint64 blknum = earlier.blknum;
        require(coinId <= blknum && blknum < exit.prevBlk, "bad order");
        if (blknum == coinId) _checkDepositTx(coinId, earlier, exit.amount);
        else _includedTx(earlier);
        _recordChallenge(coinId, exit, blknum, leg.owner);
    }

    /// @notice Answers the pending history challenge at `challengeBlk` of the open exit of `coinId`
    ///         with the challenged leg's direct spend; the challenge bond goes to the caller.
    /// @dev Requires an open exit; a pending challenge at `challengeBlk` ("no such challenge");
    ///      `now < deadline` ("too late"); a leg of `coinId` ("wrong coin") with `prevBlock ==
    ///      challengeBlk` ("not a spend"); `challengeBlk < response.blknum <= pBlk` ("bad order");
    ///      `response` included; `sig` by the challenge's owner.
    /// @param coinId The coin.
    /// @param challengeBlk The block of the challenged leg.
    /// @param response Its direct spend with its block and proofs.
    /// @param sig The response's signature.
    function respondHistory(uint64 coinId, uint64 challengeBlk, DebitIncluded calldata response, bytes calldata sig)
        external
    {
        Exit storage exit = _openExit(coinId);
        uint96 exitId = _exitId(exit.seq, coinId);
        Challenge storage challenge = _challenges[exitId][challengeBlk];
        require(challenge.challenger != address(0), "no such challenge");
        require(block.timestamp < challenge.deadline, "too late");
        require(DebitTxLib.legOf(response.tx, coinId).prevBlock == challengeBlk, "not a spend");
        require(challengeBlk < response.blknum && response.blknum <= exit.prevBlk, "bad order");
        bytes32 hash = _includedTx(response);
        require(Eip712.recover(hash, sig) == challenge.owner, "bad signature");
        challenge.challenger = address(0);
        unchecked {
            // The challenge was pending, so the count is at least one.
            exit.pending -= 1;
        }
        _releaseBond(msg.sender, challengeBond);
        emit HistoryChallengeAnswered(coinId, exitId, msg.sender, challengeBlk, response, sig);
    }

    // ---------------------------------------------------------------------------------------------
    // Channel challenge
    // ---------------------------------------------------------------------------------------------

    /// @notice The holder challenges the open exit of `coinId` with a channel state co-signed by
    ///         the operator whose nonce is above the exit's: unanswered within `R`, the holder is
    ///         paid the whole coin.
    /// @dev Requires `msg.value == challengeBond`; an open exit; the caller as its holder ("not
    ///      owner"); `now < startedAt + 3R` ("window closed"); no pending channel challenge
    ///      ("already challenged"); then the state rules of `respondChannel` with `nonce > ` the
    ///      exit's nonce.
    /// @param coinId The coin.
    /// @param state The co-signed channel state.
    /// @param holderSig The holder's signature of the state.
    /// @param operatorSig The operator's signature of the state.
    function challengeChannel(
        uint64 coinId,
        DebitTx calldata state,
        bytes calldata holderSig,
        bytes calldata operatorSig
    ) external payable {
        require(msg.value == challengeBond, "bad bond");
        Exit storage exit = _openExit(coinId);
        require(msg.sender == exit.holder, "not owner");
        require(block.timestamp < uint256(exit.startedAt) + historyChallengeWindow, "window closed");
        require(exit.channelDeadline == 0, "already challenged");
        _checkState(coinId, exit.holder, state, holderSig, operatorSig, uint256(exit.nonce) + 1);
        uint64 deadline = uint64(block.timestamp) + responsePeriod;
        (exit.channelNonce, exit.channelDeadline) = (state.nonce, deadline);
        uint256 bond = challengeBond;
        if (bond != 0) framework.depositBond{value: bond}();
        emit ChannelChallenged(coinId, _exitId(exit.seq, coinId), state.nonce, state.balance, deadline);
    }

    /// @notice Moves the open exit of `coinId` to a co-signed channel state: the answer to a pending
    ///         channel challenge (nonce at least the challenge's; its bond goes to the caller) or,
    ///         with none pending, the correction of an exit started on a stale state (nonce above
    ///         the exit's).
    /// @dev Requires an open exit; with a pending challenge `now < deadline` ("too late");
    ///      `state.coinId == coinId` and `state.peerCoin == 0` ("wrong coin"); `state.newOwner` the
    ///      holder ("not owner"); the nonce bound ("stale state"); `holderSig` by the holder and
    ///      `operatorSig` by the operator ("bad signature").
    /// @param coinId The coin.
    /// @param state The co-signed channel state.
    /// @param holderSig The holder's signature of the state.
    /// @param operatorSig The operator's signature of the state.
    function respondChannel(uint64 coinId, DebitTx calldata state, bytes calldata holderSig, bytes calldata operatorSig)
        external
    {
        Exit storage exit = _openExit(coinId);
        uint64 deadline = exit.channelDeadline;
        uint256 minNonce;
        if (deadline != 0) {
            require(block.timestamp < deadline, "too late");
            minNonce = exit.channelNonce;
        } else {
            minNonce = uint256(exit.nonce) + 1;
        }
        _checkState(coinId, exit.holder, state, holderSig, operatorSig, minNonce);
        (exit.balance, exit.nonce) = (state.balance, state.nonce);
        if (deadline != 0) {
            (exit.channelNonce, exit.channelDeadline) = (0, 0);
            _releaseBond(msg.sender, challengeBond);
        }
        emit ChannelAnswered(coinId, _exitId(exit.seq, coinId), msg.sender, state.nonce, state.balance);
    }

    // ---------------------------------------------------------------------------------------------
    // Processing
    // ---------------------------------------------------------------------------------------------

    /// @notice Settles exit `exitId` (framework only, from `processExits`). Never reverts when
    ///         called by the framework.
    /// @dev Pending history challenges cancel the open exit as in Cash (a pending channel
    ///      challenge's bond goes back to the holder). Otherwise pays the holder's share (the whole
    ///      capacity after an unanswered channel challenge, else `min(balance, v)`) and, if that was
    ///      paid, the operator's `v - share`; returns the exit bond to the exiter (to the holder
    ///      after a penalty). Continues unfinished settlements; skips any other id.
    /// @param exitId `uint96(seq) << 64 | coinId`.
    function processExit(uint96 exitId) external {
        require(msg.sender == address(framework), "not framework");
        uint64 coinId = uint64(exitId);
        Exit storage exit = _exits[coinId];
        if (exit.holder != address(0) && _exitId(exit.seq, coinId) == exitId) {
            uint32 pending = exit.pending;
            if (pending == 0) {
                _pay(coinId, exitId, exit);
                return;
            }
            uint64 latest = exit.lastChallenge;
            _refundChannel(exit);
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
    /// @return view_ Holder, exiter, pOwner, eBlk, pBlk, start, exitable time, deposit amount, exit
    ///         state `(balance, nonce)`, `seq` and the number of pending history challenges.
    function exits(uint64 coinId) external view returns (ExitView memory view_) {
        Exit storage exit = _exits[coinId];
        if (exit.holder == address(0)) return view_;
        (view_.holder, view_.exiter, view_.prevOwner) = (exit.holder, exit.exiter, exit.prevOwner);
        (view_.exitBlk, view_.prevBlk, view_.startedAt) = (exit.exitBlk, exit.prevBlk, exit.startedAt);
        view_.exitableAt = exit.startedAt + _minExitPeriod;
        (view_.amount, view_.balance, view_.nonce) = (exit.amount, exit.balance, exit.nonce);
        (view_.seq, view_.pendingCount) = (exit.seq, exit.pending);
    }

    /// @notice The pending channel challenge of the open exit of `coinId` (zero without one).
    /// @param coinId The coin.
    /// @return nonce The challenge state's nonce.
    /// @return deadline When answers stop being accepted (exclusive).
    function channelChallenge(uint64 coinId) external view returns (uint64 nonce, uint64 deadline) {
        Exit storage exit = _exits[coinId];
        return (exit.channelNonce, exit.channelDeadline);
    }

    /// @notice The pending history challenges of the open exit of `coinId`, in the order they were
    ///         made (empty without an open exit).
    /// @param coinId The coin.
    /// @return challenges `(challenger, blknum, owner, deadline)` of each pending challenge.
    function pendingChallenges(uint64 coinId) external view returns (PendingChallenge[] memory challenges) {
        Exit storage exit = _exits[coinId];
        if (exit.holder == address(0)) return challenges;
        uint256 left = exit.pending;
        challenges = new PendingChallenge[](left);
        mapping(uint64 => Challenge) storage list = _challenges[_exitId(exit.seq, coinId)];
        for (uint64 cursor = exit.lastChallenge; left != 0; cursor = list[cursor].prev) {
            Challenge storage challenge = list[cursor];
            if (challenge.challenger == address(0)) continue;
            challenges[--left] = PendingChallenge(challenge.challenger, cursor, challenge.owner, challenge.deadline);
        }
    }

    /// @notice The transaction hash under this deployment's domain: what legs' holders (and, for a
    ///         channel state, the operator) sign and what blocks store at the coins' keys.
    /// @param debitTx The transaction.
    /// @return The digest `keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(debitTx))`.
    function txHash(DebitTx calldata debitTx) external view returns (bytes32) {
        return DebitTxLib.txHash(_domainSeparator(), debitTx);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal helpers
    // ---------------------------------------------------------------------------------------------

    /// @dev The framework's domain separator: the cached one unless the chain id changed (a fork).
    function _domainSeparator() private view returns (bytes32) {
        if (block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return framework.domainSeparator();
    }

    /// @dev `uint96(seq) << 64 | coinId`.
    function _exitId(uint32 seq, uint64 coinId) private pure returns (uint96) {
        return (uint96(seq) << 64) | coinId;
    }

    /// @dev The open exit of `coinId`; reverts "no open exit" when there is none.
    function _openExit(uint64 coinId) private view returns (Exit storage exit) {
        exit = _exits[coinId];
        require(exit.holder != address(0), "no open exit");
    }

    /// @dev Checks that `coinId` is an existing deposit block recording `(depositor, amount)`.
    function _checkDepositBlock(uint64 coinId, address depositor, uint256 amount) private view {
        require(coinId % CHILD_BLOCK_INTERVAL != 0, "not a deposit block");
        (bytes32 root, uint64 timestamp) = framework.blocks(coinId);
        require(timestamp != 0, "no such block");
        require(root == keccak256(abi.encode(depositor, amount)), "bad deposit");
    }

    /// @dev Checks the deposit form of a history challenge: a single-coin `DebitTx(coinId, 0,
    ///      depositor, …)` at block `coinId` with empty proofs, `depositor` recorded with `amount`.
    function _checkDepositTx(uint64 coinId, DebitIncluded calldata deposit, uint256 amount) private view {
        require(
            deposit.tx.coinId == coinId && deposit.tx.prevBlock == 0 && DebitTxLib.isSingle(deposit.tx)
                && deposit.proof.length == 0 && deposit.peerProof.length == 0,
            "bad deposit"
        );
        (bytes32 root,) = framework.blocks(coinId);
        require(root == keccak256(abi.encode(deposit.tx.newOwner, amount)), "bad deposit");
    }

    /// @dev Checks that `included.tx` is included in the existing child block `included.blknum` at
    ///      key `tx.coinId` and, for a payment, also at key `tx.peerCoin` ("bad payment" when the two
    ///      keys are equal); a single-coin transaction must have an empty `peerProof`. Returns its hash.
    function _includedTx(DebitIncluded calldata included) private view returns (bytes32 hash) {
        uint64 blknum = included.blknum;
        require(blknum % CHILD_BLOCK_INTERVAL == 0, "not a child block");
        (bytes32 root, uint64 timestamp) = framework.blocks(blknum);
        require(timestamp != 0, "no such block");
        uint64 peerCoin = included.tx.peerCoin;
        require(peerCoin != included.tx.coinId, "bad payment");
        hash = DebitTxLib.txHash(_domainSeparator(), included.tx);
        bool both = SparseMerkle.verifyInclusion(root, included.tx.coinId, hash, included.proof)
            && (peerCoin == 0
                    ? included.peerProof.length == 0
                    : SparseMerkle.verifyInclusion(root, peerCoin, hash, included.peerProof));
        require(both, "not included");
    }

    /// @dev `(pBlk, pOwner)` of an exiting leg that spends `prevBlock`: the deposit (then `parent`
    ///      must be all zero) or `parent`'s leg of the coin, checked as `startExit` documents.
    function _parentOf(uint64 coinId, address depositor, uint64 prevBlock, DebitIncluded calldata parent)
        private
        view
        returns (uint64 pBlk, address pOwner)
    {
        if (prevBlock == coinId) {
            require(
                parent.blknum == 0 && parent.proof.length == 0 && parent.peerProof.length == 0
                    && DebitTxLib.isZero(parent.tx),
                "bad parent"
            );
            return (coinId, depositor);
        }
        require(parent.blknum == prevBlock, "bad parent");
        Leg memory leg = DebitTxLib.legOf(parent.tx, coinId);
        require(coinId < prevBlock, "bad order");
        _includedTx(parent);
        return (prevBlock, leg.owner);
    }

    /// @dev Checks a co-signed channel state of `coinId` for `holder` with a nonce of at least
    ///      `minNonce` (the order `respondChannel` documents).
    function _checkState(
        uint64 coinId,
        address holder,
        DebitTx calldata state,
        bytes calldata holderSig,
        bytes calldata operatorSig,
        uint256 minNonce
    ) private view {
        require(state.coinId == coinId && DebitTxLib.isSingle(state), "wrong coin");
        require(state.newOwner == holder, "not owner");
        require(state.nonce >= minNonce, "stale state");
        bytes32 hash = DebitTxLib.txHash(_domainSeparator(), state);
        require(
            Eip712.recover(hash, holderSig) == holder && Eip712.recover(hash, operatorSig) == _operator,
            "bad signature"
        );
    }

    /// @dev Opens exit number `seq + 1` of `coinId` for `o.holder`, posted by the caller: checks that
    ///      none is open and the coin was never paid, records it, posts the bond and queues it at
    ///      `now + P`, position eBlk.
    function _open(uint64 coinId, Opening memory o) private {
        Exit storage exit = _exits[coinId];
        require(exit.holder == address(0), "exit exists");
        require(!framework.isFinalized(bytes32(uint256(coinId))), "already paid");
        uint32 seq = exit.seq + 1;
        uint64 startedAt = uint64(block.timestamp);
        (exit.holder, exit.exitBlk, exit.seq) = (o.holder, o.eBlk, seq);
        if (o.pBlk != 0) (exit.prevOwner, exit.prevBlk) = (o.pOwner, o.pBlk);
        (exit.balance, exit.startedAt) = (o.balance, startedAt);
        (exit.exiter, exit.nonce) = (msg.sender, o.nonce);
        // The deposit record matched `amount`, and the framework never records a deposit of 2^128.
        exit.amount = uint128(o.amount);
        uint96 exitId = _exitId(seq, coinId);
        uint256 bond = exitBond;
        if (bond != 0) framework.depositBond{value: bond}();
        uint64 exitableAt = startedAt + _minExitPeriod;
        framework.enqueue(exitableAt, o.eBlk, exitId);
        emit ExitStarted(
            coinId, o.holder, exitId, msg.sender, o.eBlk, o.pBlk, o.pOwner, o.balance, o.nonce, exitableAt
        );
    }

    /// @dev Appends a history challenge at `blknum` (owner `owner`) to the exit's list, posts the
    ///      challenge bond and emits `HistoryChallenged`.
    function _recordChallenge(uint64 coinId, Exit storage exit, uint64 blknum, address owner) private {
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

    /// @dev Cancels the open exit of `coinId` for a spent-coin or double-spend challenge by the
    ///      caller: refunds a pending channel challenge, ends the exit, pays its bond to the caller
    ///      and refunds its pending history challenges (beyond one batch, when its entry comes up).
    function _cancel(uint64 coinId, Exit storage exit, uint8 kind) private {
        uint96 exitId = _exitId(exit.seq, coinId);
        (uint32 pending, uint64 latest) = (exit.pending, exit.lastChallenge);
        _refundChannel(exit);
        _end(exit);
        _releaseBond(msg.sender, exitBond);
        emit ExitChallenged(coinId, exitId, msg.sender, kind);
        if (pending != 0) _settle(coinId, exitId, Settlement(latest, pending, false));
    }

    /// @dev Returns a pending channel challenge's bond to the holder (who made it).
    function _refundChannel(Exit storage exit) private {
        if (exit.channelDeadline != 0) _releaseBond(exit.holder, challengeBond);
    }

    /// @dev Pays the open exit `exitId` (no pending history challenge): the holder's share, then the
    ///      operator's if the first was paid; the exit bond (and a pending channel bond) as
    ///      `processExit` documents.
    function _pay(uint64 coinId, uint96 exitId, Exit storage exit) private {
        address holder = exit.holder;
        bool penalty = exit.channelDeadline != 0;
        uint256 capacity = uint256(exit.amount) + liquidity[coinId];
        uint256 holderShare = penalty || exit.balance >= capacity ? capacity : exit.balance;
        uint256 operatorShare = capacity - holderShare;
        address exiter = exit.exiter;
        _end(exit);
        bool paid = framework.payExit(bytes32(uint256(coinId)), holder, holderShare);
        if (paid) framework.payExit(bytes32(uint256(coinId) | OPERATOR_SHARE_FLAG), _operator, operatorShare);
        if (penalty) _releaseBond(holder, exitBond + challengeBond);
        else _releaseBond(exiter, exitBond);
        emit ExitFinalized(coinId, exitId, holder, holderShare, operatorShare, penalty, paid);
    }

    /// @dev Ends an exit: clears everything but `seq`.
    function _end(Exit storage exit) private {
        uint32 seq = exit.seq;
        (exit.holder, exit.exitBlk, exit.seq) = (address(0), 0, seq);
        (exit.prevOwner, exit.prevBlk, exit.pending) = (address(0), 0, 0);
        (exit.balance, exit.startedAt, exit.lastChallenge) = (0, 0, 0);
        (exit.exiter, exit.nonce) = (address(0), 0);
        (exit.amount, exit.channelNonce, exit.channelDeadline) = (0, 0, 0);
    }

    /// @dev Walks at most `SETTLE_BATCH` entries of exit `exitId`'s challenge list from
    ///      `s.cursor` towards the earliest, refunding each pending challenge's bond; when
    ///      `s.bondOwed`, the last pending one reached (the earliest made) also gets the exit bond,
    ///      with `ExitCancelled`. Returns true when done; otherwise stores where it stopped.
    function _settle(uint64 coinId, uint96 exitId, Settlement memory s) private returns (bool done) {
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
    function _requeue(uint64 coinId, uint96 exitId) private {
        framework.enqueue(uint64(block.timestamp), coinId, exitId);
    }

    /// @dev Credits `amount` of held bonds to `to` (nothing for a zero amount).
    function _releaseBond(address to, uint256 amount) private {
        if (amount != 0) framework.releaseBond(to, amount);
    }
}
