// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {CoinExitBase} from "./CoinExitBase.sol";
import {SparseMerkle} from "../lib/SparseMerkle.sol";
import {Eip712} from "../lib/Eip712.sol";
import {DebitIncluded, DebitTx, DebitTxLib, Leg} from "./DebitTx.sol";

/// @title DebitExitGame
/// @notice Owns the exit rules of Plasma Debit (docs/debit.md, "Exit game"): Plasma Cash exits,
///         spent-coin, double-spend and invalid-history challenges on the leg of the exiting coin
///         (atomic payments count only when included at both their keys, and only when each leg
///         keeps its holder), exits by the holder or the operator that pay the holder's balance
///         `a` to the holder and `v - a` to the operator, the channel challenge with the operator's
///         answer (unanswered, the holder takes the whole coin), and the operator's liquidity,
///         merged from its own flagged deposits made since the last child block. The bookkeeping
///         of exits, history challenges, bonds, settlement and the lock after a cancelled forged
///         exit is `CoinExitBase`'s, shared with Plasma Cash and XT. The framework keeps the
///         blocks, the queue, the bonds, the ETH and the "paid" flags (the holder's share under
///         `bytes32(coinId)`, the operator's under `bytes32(coinId | OPERATOR_SHARE_FLAG)`); the
///         byte rules live in `DebitTxLib`.
/// @dev Storage: a coin's exit takes the base's three slots (`owner` is the holder) and two more
///      here (`Channel`): who posted the bond, the exit state and the pending channel challenge.
///      At most one channel challenge is pending per exit (only the holder makes them).
contract DebitExitGame is CoinExitBase {
    /// @dev The Debit part of a coin's open exit, in two slots (all zero without one).
    struct Channel {
        // slot 0
        address exiter; // who posted the exit bond: the holder or the operator
        uint64 nonce; // the exit state's channel nonce
        bool payment; // the exiting move is an atomic payment: only states of its block count
        // slot 1
        uint128 balance; // the exit state's holder balance a
        uint64 challengeNonce; // nonce of the pending channel challenge
        uint64 challengeDeadline; // its answer deadline (exclusive); 0 when none is pending
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
        bool payment;
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

    /// @notice Added to a coin id to make the framework id of the operator's share of that coin.
    uint256 public constant OPERATOR_SHARE_FLAG = 1 << 64;

    address private immutable _operator;

    /// @notice Liquidity the operator added to each coin (wei): its capacity is the deposit plus this.
    mapping(uint64 coinId => uint256) public liquidity;

    mapping(uint64 coinId => Channel) private _channels;

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
    constructor(address framework_, uint256 exitBond_, uint256 challengeBond_)
        CoinExitBase(framework_, exitBond_, challengeBond_)
    {
        _operator = framework.operator();
    }

    // ---------------------------------------------------------------------------------------------
    // Liquidity
    // ---------------------------------------------------------------------------------------------

    /// @notice Raises the capacity of coin `coinId` by `amount` with the operator's own deposit
    ///         `liquidityDeposit`, which is flagged so that it can never exit on its own.
    /// @dev Requires the operator as caller ("not operator"); `coinId` an existing deposit block;
    ///      `liquidityDeposit != coinId` ("bad deposit") recording `(operator, amount)`; the funding
    ///      deposit made since the last child block (`liquidityDeposit > nextChildBlock - 1000`,
    ///      "deposit too old"): no child block can have handed it to anyone, so the operator provably
    ///      still holds it; no open exit of `liquidityDeposit`; neither coin paid or flagged
    ///      ("already paid").
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
        require(liquidityDeposit > framework.nextChildBlock() - CHILD_BLOCK_INTERVAL, "deposit too old");
        require(_exits[liquidityDeposit].owner == address(0), "exit exists");
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
        _openDebitExit(coinId, Opening(depositor, coinId, 0, address(0), amount, uint128(amount), 0, false));
    }

    /// @notice Starts the exit of coin `coinId` from its leg in `exiting` (C), spending either the
    ///         deposit or `parent` (P(C)); by the leg's new owner (the holder) or the operator.
    /// @dev Cash's `startExit` on legs: bond; deposit record; a leg of `coinId` in `exiting`
    ///      ("wrong coin"); the caller as its new owner or the operator ("not owner"); `exiting`
    ///      included (at both keys for a payment); the deposit or `parent` rules ("bad parent",
    ///      "wrong coin", "bad order", inclusion); `pBlk < eBlk`; in a payment, the leg's owner
    ///      unchanged (`pOwner`, "owner changed"); `exitingSig` by `pOwner`; no open exit, no
    ///      payout, no lock for another holder. The exit state is the leg's `(balance, nonce)`.
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
        require(DebitTxLib.isSingle(exiting.tx) || leg.owner == pOwner, "owner changed");
        require(Eip712.isSignedByCalldata(hash, exitingSig, pOwner), "bad signature");
        bool payment = !DebitTxLib.isSingle(exiting.tx);
        _openDebitExit(coinId, Opening(leg.owner, eBlk, pBlk, pOwner, amount, leg.balance, leg.nonce, payment));
    }

    // ---------------------------------------------------------------------------------------------
    // Challenges that cancel at once
    // ---------------------------------------------------------------------------------------------

    /// @notice Cancels the open exit of `coinId` with a direct spend of its exiting leg.
    /// @dev Requires an open exit; a leg of `coinId` in `spend` ("wrong coin") with `prevBlock ==
    ///      eBlk` ("not a spend") that keeps the holder in a payment ("owner changed");
    ///      `spend.blknum > eBlk` ("bad order"); `spend` included; `sig` by the exit's holder. The
    ///      exit bond goes to the caller; pending challenges are refunded.
    /// @param coinId The coin.
    /// @param spend The spend with its block and proofs.
    /// @param sig The spend's signature by the holder.
    function challengeSpent(uint64 coinId, DebitIncluded calldata spend, bytes calldata sig) external {
        Exit storage exit = _openExit(coinId);
        uint64 eBlk = exit.exitBlk;
        address holder = exit.owner;
        Leg memory leg = _spendLeg(spend.tx, coinId, holder);
        require(leg.prevBlock == eBlk, "not a spend");
        require(spend.blknum > eBlk, "bad order");
        bytes32 hash = _includedTx(spend);
        require(Eip712.isSignedByCalldata(hash, sig, holder), "bad signature");
        _cancel(coinId, exit, KIND_SPENT, leg.owner);
    }

    /// @notice Cancels the open exit of `coinId` with another spend of its parent made before C.
    /// @dev Requires an open exit with `pBlk != 0` ("not a spend"); a leg of `coinId` in `spend`
    ///      with `prevBlock == pBlk` ("not a spend") that keeps `pOwner` in a payment ("owner
    ///      changed"); `pBlk < spend.blknum < eBlk` ("bad order"); `spend` included; `sig` by
    ///      `pOwner`. Same effects as `challengeSpent`.
    /// @param coinId The coin.
    /// @param spend The other spend of P(C) with its block and proofs.
    /// @param sig The spend's signature by `pOwner`.
    function challengeDoubleSpend(uint64 coinId, DebitIncluded calldata spend, bytes calldata sig) external {
        Exit storage exit = _openExit(coinId);
        uint64 pBlk = exit.prevBlk;
        require(pBlk != 0, "not a spend");
        address prevOwner = exit.prevOwner;
        Leg memory leg = _spendLeg(spend.tx, coinId, prevOwner);
        require(leg.prevBlock == pBlk, "not a spend");
        uint64 blknum = spend.blknum;
        require(pBlk < blknum && blknum < exit.exitBlk, "bad order");
        bytes32 hash = _includedTx(spend);
        require(Eip712.isSignedByCalldata(hash, sig, prevOwner), "bad signature");
        _cancel(coinId, exit, KIND_DOUBLE_SPEND, leg.owner);
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
        _checkHistoryRange(coinId, exit, blknum);
        if (blknum == coinId) _checkDepositTx(coinId, earlier, exit.amount);
        else _includedTx(earlier);
        _recordChallenge(coinId, exit, blknum, leg.owner);
    }

    /// @notice Answers the pending history challenge at `challengeBlk` of the open exit of `coinId`
    ///         with the challenged leg's direct spend; the challenge bond goes to the caller.
    /// @dev Requires an open exit; a pending challenge at `challengeBlk` ("no such challenge");
    ///      `now < deadline` ("too late"); a leg of `coinId` ("wrong coin") with `prevBlock ==
    ///      challengeBlk` ("not a spend") that keeps the challenge's owner in a payment ("owner
    ///      changed"); `challengeBlk < response.blknum <= pBlk` ("bad order"); `response`
    ///      included; `sig` by the challenge's owner.
    /// @param coinId The coin.
    /// @param challengeBlk The block of the challenged leg.
    /// @param response Its direct spend with its block and proofs.
    /// @param sig The response's signature.
    function respondHistory(uint64 coinId, uint64 challengeBlk, DebitIncluded calldata response, bytes calldata sig)
        external
    {
        (Exit storage exit, Challenge storage challenge, uint96 exitId) = _pendingHistoryChallenge(coinId, challengeBlk);
        address owner = challenge.owner;
        require(_spendLeg(response.tx, coinId, owner).prevBlock == challengeBlk, "not a spend");
        require(challengeBlk < response.blknum && response.blknum <= exit.prevBlk, "bad order");
        bytes32 hash = _includedTx(response);
        require(Eip712.isSignedByCalldata(hash, sig, owner), "bad signature");
        _closeHistoryChallenge(exit, challenge);
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
        Channel storage channel = _channels[coinId];
        require(msg.sender == exit.owner, "not owner");
        require(block.timestamp < uint256(exit.startedAt) + historyChallengeWindow, "window closed");
        require(channel.challengeDeadline == 0, "already challenged");
        _checkState(coinId, exit, state, holderSig, operatorSig, uint256(channel.nonce) + 1);
        uint64 deadline = uint64(block.timestamp) + responsePeriod;
        (channel.challengeNonce, channel.challengeDeadline) = (state.nonce, deadline);
        uint256 bond = challengeBond;
        if (bond != 0) framework.depositBond{value: bond}();
        emit ChannelChallenged(coinId, _exitId(exit.seq, coinId), state.nonce, state.balance, deadline);
    }

    /// @notice Moves the open exit of `coinId` to a co-signed channel state: the answer to a pending
    ///         channel challenge (nonce at least the challenge's; its bond goes to the caller for a
    ///         newer state than the challenge's, back to the holder for the challenge's own) or,
    ///         with none pending, the correction of an exit started on a stale state (nonce above
    ///         the exit's).
    /// @dev Requires an open exit; with a pending challenge `now < deadline` ("too late");
    ///      `state.coinId == coinId` and `state.peerCoin == 0` ("wrong coin"); `state.newOwner` the
    ///      holder ("not owner"); `state.prevBlock` the exit's block, or its parent's block when the
    ///      exiting move is a single-coin transaction ("wrong block": a state co-signed while a
    ///      payment of the coin was pending names the block before the payment, and must not undo
    ///      the payment once it is included; an included single-coin move is itself a state, which
    ///      a newer co-signed state of the same parent supersedes); the nonce bound ("stale
    ///      state"); `holderSig` by the holder and `operatorSig` by the operator ("bad signature").
    /// @param coinId The coin.
    /// @param state The co-signed channel state.
    /// @param holderSig The holder's signature of the state.
    /// @param operatorSig The operator's signature of the state.
    function respondChannel(uint64 coinId, DebitTx calldata state, bytes calldata holderSig, bytes calldata operatorSig)
        external
    {
        Exit storage exit = _openExit(coinId);
        Channel storage channel = _channels[coinId];
        uint64 deadline = channel.challengeDeadline;
        uint256 minNonce;
        if (deadline != 0) {
            require(block.timestamp < deadline, "too late");
            minNonce = channel.challengeNonce;
        } else {
            minNonce = uint256(channel.nonce) + 1;
        }
        _checkState(coinId, exit, state, holderSig, operatorSig, minNonce);
        (channel.balance, channel.nonce) = (state.balance, state.nonce);
        if (deadline != 0) {
            // The challenge was right when the answer is its own state: the holder gets its bond
            // back. Only a newer state, which the holder hid, earns the responder the bond.
            address paid = state.nonce == channel.challengeNonce ? exit.owner : msg.sender;
            (channel.challengeNonce, channel.challengeDeadline) = (0, 0);
            _releaseBond(paid, challengeBond);
        }
        emit ChannelAnswered(coinId, _exitId(exit.seq, coinId), msg.sender, state.nonce, state.balance);
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
        if (exit.owner == address(0)) return view_;
        Channel storage channel = _channels[coinId];
        (view_.holder, view_.exiter, view_.prevOwner) = (exit.owner, channel.exiter, exit.prevOwner);
        (view_.exitBlk, view_.prevBlk, view_.startedAt) = (exit.exitBlk, exit.prevBlk, exit.startedAt);
        view_.exitableAt = exit.startedAt + _minExitPeriod;
        (view_.amount, view_.balance, view_.nonce) = (exit.amount, channel.balance, channel.nonce);
        (view_.seq, view_.pendingCount) = (exit.seq, exit.pending);
    }

    /// @notice The pending channel challenge of the open exit of `coinId` (zero without one).
    /// @param coinId The coin.
    /// @return nonce The challenge state's nonce.
    /// @return deadline When answers stop being accepted (exclusive).
    function channelChallenge(uint64 coinId) external view returns (uint64 nonce, uint64 deadline) {
        Channel storage channel = _channels[coinId];
        return (channel.challengeNonce, channel.challengeDeadline);
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

    /// @dev The leg of `coinId` in `t` as a spend by `spender`: in a payment, a leg keeps its holder
    ///      ("owner changed"): a payment moves balance between two coins, never a coin to another
    ///      holder, so one payment signature cannot hand the payer's other coin to the payee.
    function _spendLeg(DebitTx calldata t, uint64 coinId, address spender) private pure returns (Leg memory leg) {
        leg = DebitTxLib.legOf(t, coinId);
        require(DebitTxLib.isSingle(t) || leg.owner == spender, "owner changed");
    }

    /// @dev Checks the deposit form of a history challenge: a single-coin `DebitTx(coinId, 0,
    ///      depositor, …)` at block `coinId` with empty proofs, `depositor` recorded with `amount`.
    function _checkDepositTx(uint64 coinId, DebitIncluded calldata deposit, uint256 amount) private view {
        require(
            deposit.tx.coinId == coinId && deposit.tx.prevBlock == 0 && DebitTxLib.isSingle(deposit.tx)
                && deposit.proof.length == 0 && deposit.peerProof.length == 0,
            "bad deposit"
        );
        _checkDepositRecord(coinId, deposit.tx.newOwner, amount);
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

    /// @dev Checks a co-signed channel state of `coinId` for the holder of `exit` at its block, with
    ///      a nonce of at least `minNonce` (the order `respondChannel` documents).
    function _checkState(
        uint64 coinId,
        Exit storage exit,
        DebitTx calldata state,
        bytes calldata holderSig,
        bytes calldata operatorSig,
        uint256 minNonce
    ) private view {
        address holder = exit.owner;
        require(state.coinId == coinId && DebitTxLib.isSingle(state), "wrong coin");
        require(state.newOwner == holder, "not owner");
        uint64 prevBlock = state.prevBlock;
        require(
            prevBlock == exit.exitBlk || (!_channels[coinId].payment && prevBlock == exit.prevBlk && prevBlock != 0),
            "wrong block"
        );
        require(state.nonce >= minNonce, "stale state");
        bytes32 hash = DebitTxLib.txHash(_domainSeparator(), state);
        require(
            Eip712.isSignedByCalldata(hash, holderSig, holder) && Eip712.isSignedByCalldata(hash, operatorSig, _operator),
            "bad signature"
        );
    }

    /// @dev Opens an exit of `coinId` for `o.holder`, bonded by the caller, with state
    ///      `(o.balance, o.nonce)`; emits `ExitStarted`.
    function _openDebitExit(uint64 coinId, Opening memory o) private {
        (uint96 exitId, uint64 exitableAt) = _open(coinId, o.holder, o.eBlk, o.pBlk, o.pOwner, o.amount);
        Channel storage channel = _channels[coinId];
        (channel.exiter, channel.nonce, channel.balance, channel.payment) = (msg.sender, o.nonce, o.balance, o.payment);
        emit ExitStarted(
            coinId, o.holder, exitId, msg.sender, o.eBlk, o.pBlk, o.pOwner, o.balance, o.nonce, exitableAt
        );
    }

    /// @dev Returns a pending channel challenge's bond to the holder (who made it).
    function _onCancel(uint64 coinId, Exit storage exit) internal override {
        if (_channels[coinId].challengeDeadline != 0) _releaseBond(exit.owner, challengeBond);
    }

    /// @dev Ends an exit: the base's record and the channel part.
    function _end(uint64 coinId, Exit storage exit) internal override {
        super._end(coinId, exit);
        delete _channels[coinId];
    }

    /// @dev Pays the open exit `exitId` (no pending history challenge): the holder's share, then the
    ///      operator's if the first was paid; the exit bond (and a pending channel bond) as
    ///      `processExit` documents.
    function _payOut(uint64 coinId, uint96 exitId, Exit storage exit) internal override {
        address holder = exit.owner;
        Channel storage channel = _channels[coinId];
        bool penalty = channel.challengeDeadline != 0;
        uint256 capacity = uint256(exit.amount) + liquidity[coinId];
        uint256 holderShare = penalty || channel.balance >= capacity ? capacity : channel.balance;
        uint256 operatorShare = capacity - holderShare;
        address exiter = channel.exiter;
        _end(coinId, exit);
        bool paid = framework.payExit(bytes32(uint256(coinId)), holder, holderShare);
        if (paid) framework.payExit(bytes32(uint256(coinId) | OPERATOR_SHARE_FLAG), _operator, operatorShare);
        if (penalty) _releaseBond(holder, exitBond + challengeBond);
        else _releaseBond(exiter, exitBond);
        emit ExitFinalized(coinId, exitId, holder, holderShare, operatorShare, penalty, paid);
    }
}
