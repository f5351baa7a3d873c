// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Eip712} from "../lib/Eip712.sol";

/// @title MoreVpTx
/// @notice Owns the byte-level rules of a MoreVP payment (docs/morevp.md, "Positions and ids" and
///         "Transaction"): the `PaymentTx` struct (four input slots, four output slots, ETH only,
///         implicit fee), its shape rules, its EIP-712 `hashStruct` and digest (`txHash`, which is
///         also the block-tree leaf), the content-based output ids of transaction and deposit
///         outputs, the in-flight exit id, and the decoding of positions
///         `utxoPos = blknum · 1e9 + txindex · 1e4 + oindex`. Internal functions only: it is inlined
///         into `MoreVpExitGame` and gets no artifact.
library MoreVpTx {
    /// @notice A payment: up to four inputs (utxoPos, 0 = empty slot) and four outputs
    ///         (`owner == 0 && amount == 0` = empty slot); used slots come first.
    struct PaymentTx {
        uint256 input0;
        uint256 input1;
        uint256 input2;
        uint256 input3;
        address owner0;
        uint256 amount0;
        address owner1;
        uint256 amount1;
        address owner2;
        uint256 amount2;
        address owner3;
        uint256 amount3;
    }

    /// @notice keccak256 of the EIP-712 type string of `PaymentTx`.
    bytes32 internal constant PAYMENT_TX_TYPEHASH = keccak256(
        "PaymentTx(uint256 input0,uint256 input1,uint256 input2,uint256 input3,address owner0,uint256 amount0,address owner1,uint256 amount1,address owner2,uint256 amount2,address owner3,uint256 amount3)"
    );

    /// @notice `utxoPos` weight of the block number.
    uint256 internal constant BLOCK_OFFSET = 1_000_000_000;

    /// @notice `utxoPos` weight of the transaction index.
    uint256 internal constant TX_OFFSET = 10_000;

    /// @notice Number of input slots and of output slots.
    uint256 internal constant SLOTS = 4;

    /// @notice Length of one signature.
    uint256 internal constant SIG_LENGTH = 65;

    /// @notice The bit that marks an in-flight exit id (standard exit ids are below it).
    uint96 internal constant IN_FLIGHT_EXIT_FLAG = uint96(1) << 95;

    /// @notice Splits a position into its block number, transaction index and output index.
    /// @dev `txindex` can come out up to 99,999; the depth-16 verifier rejects anything >= 65,536.
    /// @param utxoPos `blknum · 1e9 + txindex · 1e4 + oindex`.
    function decodePosition(uint256 utxoPos)
        internal
        pure
        returns (uint256 blknum, uint256 txindex, uint256 oindex)
    {
        unchecked {
            blknum = utxoPos / BLOCK_OFFSET;
            txindex = (utxoPos % BLOCK_OFFSET) / TX_OFFSET;
            oindex = utxoPos % TX_OFFSET;
        }
    }

    /// @notice EIP-712 `hashStruct` of a payment: `keccak256(PAYMENT_TX_TYPEHASH ‖ the twelve
    ///         fields, one word each)`.
    /// @dev The struct is static, so its calldata is already the twelve words of `abi.encode`;
    ///      copying them saves the decoder's per-field copies. The four owner words are masked to
    ///      160 bits, so the hash is always that of the canonical encoding.
    /// @param t The payment.
    /// @return h The struct hash.
    function hashStruct(PaymentTx calldata t) internal pure returns (bytes32 h) {
        bytes32 typeHash = PAYMENT_TX_TYPEHASH;
        assembly ("memory-safe") {
            // 13 words in the (unallocated) memory past the free memory pointer.
            let p := mload(0x40)
            mstore(p, typeHash)
            calldatacopy(add(p, 0x20), t, 0x180)
            let mask := 0xffffffffffffffffffffffffffffffffffffffff
            mstore(add(p, 0xa0), and(mload(add(p, 0xa0)), mask)) // owner0
            mstore(add(p, 0xe0), and(mload(add(p, 0xe0)), mask)) // owner1
            mstore(add(p, 0x120), and(mload(add(p, 0x120)), mask)) // owner2
            mstore(add(p, 0x160), and(mload(add(p, 0x160)), mask)) // owner3
            h := keccak256(p, 0x1a0)
        }
    }

    /// @notice The transaction hash: the EIP-712 digest of `t` under `domainSeparator`. It is what
    ///         every input owner signs and the leaf value of the transaction in its block tree.
    /// @param domainSeparator The framework's domain separator.
    /// @param t The payment.
    /// @return The digest.
    function txHash(bytes32 domainSeparator, PaymentTx calldata t) internal pure returns (bytes32) {
        return Eip712.digest(domainSeparator, hashStruct(t));
    }

    /// @notice The id of output `index` of the transaction `hash`: `keccak256(abi.encode(hash, index))`.
    /// @param hash The transaction hash.
    /// @param index The output index.
    /// @return id The output id (the framework flag of the output).
    function outputId(bytes32 hash, uint256 index) internal pure returns (bytes32 id) {
        assembly ("memory-safe") {
            mstore(0x00, hash)
            mstore(0x20, index)
            id := keccak256(0x00, 0x40)
        }
    }

    /// @notice The id of the output of deposit block `blknum`: `keccak256(abi.encode(blknum))`.
    /// @param blknum The deposit block number.
    /// @return id The output id.
    function depositOutputId(uint256 blknum) internal pure returns (bytes32 id) {
        assembly ("memory-safe") {
            mstore(0x00, blknum)
            id := keccak256(0x00, 0x20)
        }
    }

    /// @notice The exit id of the in-flight exit of `hash`: `(1 << 95) | uint96(uint256(hash) >> 161)`.
    /// @param hash The transaction hash.
    /// @return The exit id (top bit set, so it never equals a standard exit's `uint96(utxoPos)`).
    function inFlightExitId(bytes32 hash) internal pure returns (uint96) {
        return IN_FLIGHT_EXIT_FLAG | uint96(uint256(hash) >> 161);
    }

    /// @notice The utxoPos in input slot `index` of `t`; 0 for an empty slot or `index >= 4`.
    /// @param t The payment.
    /// @param index The input slot.
    /// @return The input's utxoPos.
    function input(PaymentTx calldata t, uint256 index) internal pure returns (uint256) {
        if (index == 0) return t.input0;
        if (index == 1) return t.input1;
        if (index == 2) return t.input2;
        if (index == 3) return t.input3;
        return 0;
    }

    /// @notice Output slot `index` of `t`; `(0, 0)` for `index >= 4`.
    /// @param t The payment.
    /// @param index The output slot.
    /// @return owner The output's owner.
    /// @return amount The output's amount (wei).
    function output(PaymentTx calldata t, uint256 index) internal pure returns (address owner, uint256 amount) {
        if (index == 0) return (t.owner0, t.amount0);
        if (index == 1) return (t.owner1, t.amount1);
        if (index == 2) return (t.owner2, t.amount2);
        if (index == 3) return (t.owner3, t.amount3);
        return (address(0), 0);
    }

    /// @notice Checks the shape of a payment and counts its used slots. Reverts "bad shape" unless
    ///         `input0 != 0`, no used input follows an empty one, output 0 is used, no used output
    ///         follows an empty one and every used output has a non-zero owner and amount (an output
    ///         slot is used when its owner or amount is non-zero); reverts "duplicate input" when an
    ///         input is named twice (plasma-contracts #56).
    /// @param t The payment.
    /// @return inputCount The number of used input slots (1 to 4).
    /// @return outputCount The number of used output slots (1 to 4).
    function checkShape(PaymentTx calldata t) internal pure returns (uint256 inputCount, uint256 outputCount) {
        unchecked {
            while (inputCount < SLOTS && input(t, inputCount) != 0) ++inputCount;
            require(inputCount != 0, "bad shape");
            for (uint256 i = inputCount + 1; i < SLOTS; ++i) require(input(t, i) == 0, "bad shape");
            for (uint256 i = 1; i < inputCount; ++i) {
                uint256 utxoPos = input(t, i);
                for (uint256 j = 0; j < i; ++j) require(input(t, j) != utxoPos, "duplicate input");
            }
            bool empty;
            for (uint256 i = 0; i < SLOTS; ++i) {
                (address owner, uint256 amount) = output(t, i);
                if (owner == address(0) && amount == 0) {
                    empty = true;
                } else {
                    require(!empty && owner != address(0) && amount != 0, "bad shape");
                    ++outputCount;
                }
            }
            require(outputCount != 0, "bad shape");
        }
    }

    /// @notice Whether `t` is a deposit input record: only `owner0` and `amount0` set, every other
    ///         field zero (docs/morevp.md, "deposit input record").
    /// @param t The record.
    /// @return True for a well-formed record.
    function isDepositRecord(PaymentTx calldata t) internal pure returns (bool) {
        return t.input0 == 0 && t.input1 == 0 && t.input2 == 0 && t.input3 == 0 && t.owner1 == address(0)
            && t.amount1 == 0 && t.owner2 == address(0) && t.amount2 == 0 && t.owner3 == address(0) && t.amount3 == 0;
    }

    /// @notice The 65-byte signature of input slot `index` in `sigs`.
    /// @dev The caller has checked `sigs.length >= (index + 1) · 65`.
    /// @param sigs Concatenated signatures, one per used input.
    /// @param index The slot.
    /// @return The slot's signature, copied to memory for `Eip712.recover`.
    function sigAt(bytes calldata sigs, uint256 index) internal pure returns (bytes memory) {
        unchecked {
            uint256 start = index * SIG_LENGTH;
            return sigs[start:start + SIG_LENGTH];
        }
    }
}
