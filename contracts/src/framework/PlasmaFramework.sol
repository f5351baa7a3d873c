// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {IExitGame} from "./IExitGame.sol";
import {Eip712} from "../lib/Eip712.sol";

/// @title PlasmaFramework
/// @notice Owns the root-chain state shared by every Plasma variant (docs/specs.md, "PlasmaFramework"):
///         - block submission: child blocks 1000, 2000, … by the operator, deposit blocks in between;
///         - the ETH vault: deposits, exit payouts and the global "paid / flagged" id set, so that an
///           output or coin is paid at most once whatever game asks;
///         - the exit queue: a binary min-heap on `exitableAt << 192 | position << 96 | exitId`,
///           processed in bounded batches by anyone;
///         - exit and challenge bonds held on behalf of the exit game;
///         - pull-payment withdrawals, so a recipient that refuses ETH can never block the queue;
///         - the registration (once) of the exit game that plugs the variant's rules in.
/// @dev Storage is packed so that the usual calls touch few slots: the exit game address and the two
///      block counters share one slot, the deposit/payout totals another, the bond total and the queue
///      length a third. The getters still return `uint256`. Heap slots past the queue length are not
///      cleared when an exit leaves: re-filling a non-zero slot later costs 5,000 gas instead of 22,100.
contract PlasmaFramework {
    /// @notice Root and submission time of a block (child or deposit).
    struct BlockData {
        bytes32 root;
        uint64 timestamp;
    }

    /// @notice Distance between two child block numbers; deposit blocks take the numbers in between.
    uint256 public constant CHILD_BLOCK_INTERVAL = 1000;

    /// @notice The only account allowed to submit child blocks and register the exit game.
    address public immutable operator;

    /// @notice Minimum exit period (seconds), read by the exit games.
    uint64 public immutable minExitPeriod;

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    // Slot: exit game | next child block | next deposit offset (20 + 8 + 4 bytes).
    address private _exitGame;
    uint64 private _nextChildBlock;
    uint32 private _nextDepositBlock;

    // Slot: ETH deposited | ETH paid to exits. Both are bounded by the ETH supply (< 2^128 wei).
    uint128 private _totalDeposited;
    uint128 private _totalPaid;

    // Slot: bonds held | queue length.
    uint128 private _bondsHeld;
    uint128 private _queueSize;

    // Bonds the exit game burned: kept by the framework for ever, withdrawable by nobody.
    uint256 private _bondsBurned;

    /// @notice Root and timestamp of every submitted block and deposit block.
    mapping(uint256 blknum => BlockData) public blocks;

    /// @notice ETH each account can pull with `withdraw` / `withdrawTo`.
    mapping(address account => uint256) public withdrawable;

    /// @notice Whether an output or coin id has been paid or flagged (global to the deployment).
    mapping(bytes32 id => bool) public isFinalized;

    /// @dev The priority queue, 1-indexed: the children of `i` are `2i` and `2i + 1`.
    mapping(uint256 index => uint256) private _heap;

    bool private transient _locked;

    /// @notice A child block was submitted.
    event BlockSubmitted(uint256 indexed blknum, bytes32 root, uint64 timestamp);
    /// @notice A deposit block was created for `amount` wei.
    event DepositCreated(address indexed depositor, uint256 indexed blknum, uint256 amount);
    /// @notice The exit game was registered.
    event ExitGameRegistered(address indexed game);
    /// @notice An exit entered the queue.
    event ExitQueued(uint96 indexed exitId, uint256 priority);
    /// @notice A `processExits` call settled `count` exits.
    event ExitsProcessed(uint256 count);
    /// @notice An exit was paid (this also flags `id`).
    event ExitPaid(bytes32 indexed id, address indexed to, uint256 amount);
    /// @notice An exit game asked to pay more than the framework holds for exits; nothing was paid.
    event PayoutRefused(bytes32 indexed id, address indexed to, uint256 amount);
    /// @notice `id` was flagged as finalized without a payout.
    event Flagged(bytes32 indexed id);
    /// @notice The exit game deposited a bond.
    event BondDeposited(uint256 amount);
    /// @notice The exit game released a bond to `to`.
    event BondReleased(address indexed to, uint256 amount);
    /// @notice The exit game burned `amount` of held bonds.
    event BondBurned(uint256 amount);
    /// @notice `from` pulled `amount` wei, sent to `to`.
    event Withdrawn(address indexed from, address indexed to, uint256 amount);

    /// @dev Transient-storage reentrancy guard, shared by `processExits` and the withdrawals.
    modifier nonReentrant() {
        require(!_locked, "reentrancy");
        _locked = true;
        _;
        _locked = false;
    }

    /// @notice Deploys the framework.
    /// @param operator_ The block submitter; cannot be zero.
    /// @param minExitPeriod_ Minimum exit period in seconds, exposed for the exit games.
    constructor(address operator_, uint64 minExitPeriod_) {
        require(operator_ != address(0), "zero address");
        operator = operator_;
        minExitPeriod = minExitPeriod_;
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = Eip712.domainSeparator(address(this));
        _nextChildBlock = uint64(CHILD_BLOCK_INTERVAL);
        _nextDepositBlock = 1;
    }

    // ---------------------------------------------------------------------------------------------
    // Blocks and deposits
    // ---------------------------------------------------------------------------------------------

    /// @notice Submits the root of child block `nextChildBlock` (operator only).
    /// @dev Stores the root with the current timestamp, advances `nextChildBlock` by 1000 and
    ///      resets the deposit offset to 1.
    /// @param root The block's Merkle root (`EMPTY` for an empty block).
    function submitBlock(bytes32 root) external {
        require(msg.sender == operator, "not operator");
        uint256 blknum = _nextChildBlock;
        uint64 timestamp = uint64(block.timestamp);
        blocks[blknum] = BlockData(root, timestamp);
        // Cannot overflow in practice: 2^64 / 1000 submissions.
        _nextChildBlock = uint64(blknum + CHILD_BLOCK_INTERVAL);
        _nextDepositBlock = 1;
        emit BlockSubmitted(blknum, root, timestamp);
    }

    /// @notice Deposits `msg.value` wei and creates a deposit block for it.
    /// @dev Requires a registered exit game and a non-zero value. The block number is
    ///      `nextChildBlock - 1000 + nextDepositBlock`; the 1000th deposit of an interval reverts
    ///      until the operator submits the next child block. Root: `keccak256(abi.encode(sender, value))`.
    /// @return blknum The deposit block number.
    function deposit() external payable returns (uint256 blknum) {
        require(_exitGame != address(0), "no exit game");
        require(msg.value != 0, "zero deposit");
        uint256 offset = _nextDepositBlock;
        require(offset < CHILD_BLOCK_INTERVAL, "deposit blocks full");
        unchecked {
            blknum = uint256(_nextChildBlock) - CHILD_BLOCK_INTERVAL + offset;
            _nextDepositBlock = uint32(offset + 1);
        }
        blocks[blknum] = BlockData(keccak256(abi.encode(msg.sender, msg.value)), uint64(block.timestamp));
        _totalDeposited = _toUint128(uint256(_totalDeposited) + msg.value);
        emit DepositCreated(msg.sender, blknum, msg.value);
    }

    /// @notice Whether `blknum` is a deposit block number (not a multiple of 1000).
    /// @param blknum A block number.
    /// @return True for deposit block numbers.
    function isDepositBlock(uint256 blknum) external pure returns (bool) {
        return blknum % CHILD_BLOCK_INTERVAL != 0;
    }

    /// @notice The number the next child block will get (starts at 1000).
    /// @return The next child block number.
    function nextChildBlock() external view returns (uint256) {
        return _nextChildBlock;
    }

    /// @notice The offset, inside the current interval, of the next deposit block (1 .. 1000).
    /// @return The next deposit offset.
    function nextDepositBlock() external view returns (uint256) {
        return _nextDepositBlock;
    }

    // ---------------------------------------------------------------------------------------------
    // Exit game registry and EIP-712 domain
    // ---------------------------------------------------------------------------------------------

    /// @notice Registers the exit game (operator only, once, non-zero).
    /// @param game The exit game contract.
    function registerExitGame(address game) external {
        require(msg.sender == operator, "not operator");
        require(_exitGame == address(0), "exit game already set");
        require(game != address(0), "zero address");
        _exitGame = game;
        emit ExitGameRegistered(game);
    }

    /// @notice The registered exit game (zero before registration).
    /// @return The exit game address.
    function exitGame() external view returns (address) {
        return _exitGame;
    }

    /// @notice The EIP-712 domain separator of this deployment on the current chain.
    /// @dev Cached at construction; recomputed if the chain id has changed since (a fork).
    /// @return The domain separator.
    function domainSeparator() external view returns (bytes32) {
        if (block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return Eip712.domainSeparator(address(this));
    }

    // ---------------------------------------------------------------------------------------------
    // Exit queue
    // ---------------------------------------------------------------------------------------------

    /// @notice The queue priority of an exit: `exitableAt << 192 | position << 96 | exitId`.
    /// @param exitableAt When the exit may be processed (unix seconds).
    /// @param position The exit's position, the tie-breaker within one exitable time.
    /// @param exitId The exit game's id for the exit.
    /// @return The priority; lower leaves first.
    function encodePriority(uint64 exitableAt, uint96 position, uint96 exitId) public pure returns (uint256) {
        return (uint256(exitableAt) << 192) | (uint256(position) << 96) | uint256(exitId);
    }

    /// @notice Adds an exit to the queue (exit game only).
    /// @param exitableAt When the exit may be processed (unix seconds).
    /// @param position The exit's position.
    /// @param exitId The exit game's id, handed back to `IExitGame.processExit`.
    /// @return priority The exit's priority.
    function enqueue(uint64 exitableAt, uint96 position, uint96 exitId) external returns (uint256 priority) {
        _onlyExitGame();
        priority = encodePriority(exitableAt, position, exitId);
        uint256 i;
        unchecked {
            i = uint256(_queueSize) + 1;
        }
        _queueSize = uint128(i);
        // Sift up: move larger parents down into the hole, then write the new entry once.
        while (i > 1) {
            uint256 p = i >> 1;
            uint256 parentPriority = _heap[p];
            if (parentPriority <= priority) break;
            _heap[i] = parentPriority;
            i = p;
        }
        _heap[i] = priority;
        emit ExitQueued(exitId, priority);
    }

    /// @notice Number of exits in the queue.
    /// @return The queue length.
    function queueSize() external view returns (uint256) {
        return _queueSize;
    }

    /// @notice The lowest priority in the queue; reverts "queue empty" when there is none.
    /// @return The priority of the next exit to leave.
    function peekPriority() external view returns (uint256) {
        require(_queueSize != 0, "queue empty");
        return _heap[1];
    }

    /// @notice Processes up to `maxCount` mature exits, in priority order (anyone may call).
    /// @dev Stops early when the queue is empty or the next exit's `exitableAt` is in the future.
    ///      Each exit is removed from the queue before the exit game is called, so the game may
    ///      enqueue again from its callback.
    /// @param maxCount Upper bound on the number of exits processed.
    /// @return processed The number of exits processed.
    function processExits(uint256 maxCount) external nonReentrant returns (uint256 processed) {
        address game = _exitGame;
        while (processed < maxCount) {
            uint256 size = _queueSize;
            if (size == 0) break;
            uint256 top = _heap[1];
            if (top >> 192 > block.timestamp) break;
            _popTop(size);
            IExitGame(game).processExit(uint96(top));
            unchecked {
                ++processed;
            }
        }
        emit ExitsProcessed(processed);
    }

    /// @dev Removes the root of a heap of `size > 0` entries: the last entry fills the hole at the
    ///      root and sifts down. The vacated last slot is left as is (see the contract notes).
    function _popTop(uint256 size) private {
        uint256 last = _heap[size];
        unchecked {
            --size;
        }
        _queueSize = uint128(size);
        if (size == 0) return;
        uint256 i = 1;
        unchecked {
            while (true) {
                uint256 child = i << 1;
                if (child > size) break;
                uint256 childPriority = _heap[child];
                if (child < size) {
                    uint256 rightPriority = _heap[child + 1];
                    if (rightPriority < childPriority) {
                        child += 1;
                        childPriority = rightPriority;
                    }
                }
                if (childPriority >= last) break;
                _heap[i] = childPriority;
                i = child;
            }
        }
        _heap[i] = last;
    }

    // ---------------------------------------------------------------------------------------------
    // Payouts, flags and bonds (exit game only)
    // ---------------------------------------------------------------------------------------------

    /// @notice Pays an exit: flags `id` and credits `amount` wei to `to` (exit game only).
    /// @dev Returns false, without reverting, when `id` is already finalized or when the payout
    ///      would take the total paid past the ETH ever deposited (`PayoutRefused`): the queue
    ///      must never block, since a revert here would undo the pop and stall every exit behind.
    ///      Exits are paid in priority order, so when claims exceed deposits it is the youngest
    ///      (lowest priority) claims that are refused.
    /// @param id The output or coin id being paid.
    /// @param to The account credited (pulls with `withdraw`).
    /// @param amount The amount in wei.
    /// @return paid Whether the exit was paid.
    function payExit(bytes32 id, address to, uint256 amount) external returns (bool paid) {
        _onlyExitGame();
        if (isFinalized[id]) return false;
        uint256 newTotalPaid = uint256(_totalPaid) + amount;
        if (newTotalPaid > _totalDeposited) {
            emit PayoutRefused(id, to, amount);
            return false;
        }
        isFinalized[id] = true;
        _totalPaid = uint128(newTotalPaid);
        withdrawable[to] += amount;
        emit ExitPaid(id, to, amount);
        return true;
    }

    /// @notice Flags `id` as finalized without paying anything (exit game only).
    /// @param id The output or coin id.
    /// @return newlyFlagged False when `id` was already finalized.
    function flag(bytes32 id) external returns (bool newlyFlagged) {
        _onlyExitGame();
        if (isFinalized[id]) return false;
        isFinalized[id] = true;
        emit Flagged(id);
        return true;
    }

    /// @notice Receives bond ETH from the exit game (exit game only).
    function depositBond() external payable {
        _onlyExitGame();
        _bondsHeld = _toUint128(uint256(_bondsHeld) + msg.value);
        emit BondDeposited(msg.value);
    }

    /// @notice Credits `amount` wei of held bonds to `to` (exit game only).
    /// @param to The account credited (pulls with `withdraw`).
    /// @param amount The amount in wei; at most `bondsHeld`.
    function releaseBond(address to, uint256 amount) external {
        _onlyExitGame();
        uint256 held = _bondsHeld;
        require(amount <= held, "bond too large");
        unchecked {
            _bondsHeld = uint128(held - amount);
        }
        withdrawable[to] += amount;
        emit BondReleased(to, amount);
    }

    /// @notice Burns `amount` wei of held bonds (exit game only): they stay in this contract and
    ///         nobody can ever withdraw them. For a bond that must be lost without rewarding anyone
    ///         (a void checkpoint's, whose challengers the proposer may control).
    /// @param amount The amount in wei; at most `bondsHeld`.
    function burnBond(uint256 amount) external {
        _onlyExitGame();
        uint256 held = _bondsHeld;
        require(amount <= held, "bond too large");
        unchecked {
            _bondsHeld = uint128(held - amount);
        }
        _bondsBurned += amount;
        emit BondBurned(amount);
    }

    /// @notice Total ETH deposited through `deposit`.
    /// @return The total in wei.
    function totalDeposited() external view returns (uint256) {
        return _totalDeposited;
    }

    /// @notice Total ETH paid to exits through `payExit`.
    /// @return The total in wei.
    function totalPaid() external view returns (uint256) {
        return _totalPaid;
    }

    /// @notice Bond ETH currently held for the exit game.
    /// @return The total in wei.
    function bondsHeld() external view returns (uint256) {
        return _bondsHeld;
    }

    /// @notice Bond ETH burned by the exit game: this contract's balance always equals
    ///         `totalDeposited - totalPaid + bondsHeld + bondsBurned` plus every `withdrawable`.
    /// @return The total in wei.
    function bondsBurned() external view returns (uint256) {
        return _bondsBurned;
    }

    // ---------------------------------------------------------------------------------------------
    // Withdrawals
    // ---------------------------------------------------------------------------------------------

    /// @notice Sends all of the caller's `withdrawable` balance to the caller.
    /// @dev The balance is zeroed before the call and restored (by reverting "withdraw failed") if the
    ///      recipient refuses the ETH.
    function withdraw() external {
        _withdraw(msg.sender);
    }

    /// @notice Sends all of the caller's `withdrawable` balance to `to` (for callers that cannot
    ///         receive ETH themselves).
    /// @param to The recipient; cannot be zero.
    function withdrawTo(address payable to) external {
        require(to != address(0), "zero address");
        _withdraw(to);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal helpers
    // ---------------------------------------------------------------------------------------------

    function _withdraw(address to) private nonReentrant {
        uint256 amount = withdrawable[msg.sender];
        require(amount != 0, "nothing to withdraw");
        withdrawable[msg.sender] = 0;
        bool ok;
        assembly ("memory-safe") {
            // Plain value transfer; the recipient's return data is never copied.
            ok := call(gas(), to, amount, 0, 0, 0, 0)
        }
        require(ok, "withdraw failed");
        emit Withdrawn(msg.sender, to, amount);
    }

    function _onlyExitGame() private view {
        require(msg.sender == _exitGame, "not exit game");
    }

    function _toUint128(uint256 x) private pure returns (uint128) {
        require(x <= type(uint128).max, "overflow");
        return uint128(x);
    }
}
