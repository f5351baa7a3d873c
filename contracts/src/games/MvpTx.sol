// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Eip712} from "../lib/Eip712.sol";

/// @title MvpTx
/// @notice Owns the byte-level rules of a Plasma MVP payment (docs/mvp.md): the `Transaction`
///         struct, its EIP-712 `hashStruct` and digest (`txHash`), the `Confirmation` digest, the
///         block-tree leaf `keccak256(txHash ‖ sigs)`, and the decoding of output positions
///         `utxoPos = blknum · 1e9 + txindex · 1e4 + oindex`. Internal functions only: it is
///         inlined into `MvpExitGame` and gets no artifact.
library MvpTx {
    /// @notice A payment: two input slots, two output slots, ETH only, implicit fee.
    struct Transaction {
        uint256 input0; // utxoPos of the first input (never 0)
        uint256 input1; // utxoPos of the second input, 0 = no second input
        address owner0; // first output
        uint256 amount0;
        address owner1; // second output; address(0) and amount 0 = no second output
        uint256 amount1;
    }

    /// @notice keccak256 of the EIP-712 type string of `Transaction`.
    bytes32 internal constant TRANSACTION_TYPEHASH = keccak256(
        "Transaction(uint256 input0,uint256 input1,address owner0,uint256 amount0,address owner1,uint256 amount1)"
    );

    /// @notice keccak256 of the EIP-712 type string of a confirmation.
    bytes32 internal constant CONFIRMATION_TYPEHASH = keccak256("Confirmation(bytes32 txHash,bytes32 blockRoot)");

    /// @notice `utxoPos` weight of the block number.
    uint256 internal constant BLOCK_OFFSET = 1_000_000_000;

    /// @notice `utxoPos` weight of the transaction index.
    uint256 internal constant TX_OFFSET = 10_000;

    /// @notice Length of `sigs` and `confirmSigs`: one 65-byte signature per input slot.
    uint256 internal constant SIGS_LENGTH = 130;

    /// @notice Length of one signature.
    uint256 internal constant SIG_LENGTH = 65;

    /// @notice Splits an output position into its block number, transaction index and output index.
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

    /// @notice EIP-712 `hashStruct` of a transaction: `keccak256(TRANSACTION_TYPEHASH ‖ the six fields,
    ///         one word each)`.
    /// @dev The struct is static, so its calldata is already the six words of `abi.encode`; copying
    ///      them saves the decoder's per-field copies. The two address words are masked to 160 bits,
    ///      so the hash is always that of the canonical encoding.
    /// @param t The transaction.
    /// @return h The struct hash.
    function hashStruct(Transaction calldata t) internal pure returns (bytes32 h) {
        bytes32 typeHash = TRANSACTION_TYPEHASH;
        assembly ("memory-safe") {
            // 7 words in the (unallocated) memory past the free memory pointer.
            let p := mload(0x40)
            mstore(p, typeHash)
            calldatacopy(add(p, 0x20), t, 0xc0)
            let mask := 0xffffffffffffffffffffffffffffffffffffffff
            mstore(add(p, 0x60), and(mload(add(p, 0x60)), mask)) // owner0
            mstore(add(p, 0xa0), and(mload(add(p, 0xa0)), mask)) // owner1
            h := keccak256(p, 0xe0)
        }
    }

    /// @notice The transaction hash: the EIP-712 digest of `t` under `domainSeparator`.
    /// @param domainSeparator The framework's domain separator.
    /// @param t The transaction.
    /// @return The digest every input owner signs.
    function txHash(bytes32 domainSeparator, Transaction calldata t) internal pure returns (bytes32) {
        return Eip712.digest(domainSeparator, hashStruct(t));
    }

    /// @notice The digest an input owner signs to confirm `txHash` in the block with root `blockRoot`.
    /// @param domainSeparator The framework's domain separator.
    /// @param hash The transaction hash.
    /// @param blockRoot The root of the child block that includes the transaction.
    /// @return The confirmation digest.
    function confirmationDigest(bytes32 domainSeparator, bytes32 hash, bytes32 blockRoot)
        internal
        pure
        returns (bytes32)
    {
        return Eip712.digest(domainSeparator, keccak256(abi.encode(CONFIRMATION_TYPEHASH, hash, blockRoot)));
    }

    /// @notice The leaf value of a transaction in its block tree: `keccak256(txHash ‖ sigs)`.
    /// @param hash The transaction hash.
    /// @param sigs The signatures as included (130 bytes for a well-formed transaction).
    /// @return The leaf value (the tree stores `leafNode` of it).
    function leaf(bytes32 hash, bytes calldata sigs) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(hash, sigs));
    }

    /// @notice The utxoPos in input slot `index` (0 or 1) of `t`.
    /// @param t The transaction.
    /// @param index The input slot.
    /// @return The input's utxoPos (0 for an empty second slot).
    function input(Transaction calldata t, uint256 index) internal pure returns (uint256) {
        return index == 0 ? t.input0 : t.input1;
    }

    /// @notice The 65-byte signature of slot `index` in a 130-byte `sigs` / `confirmSigs`.
    /// @dev The caller has checked `sigs.length == SIGS_LENGTH` and `index <= 1`.
    /// @param sigs Two concatenated signatures.
    /// @param index The slot.
    /// @return The slot's signature, copied to memory for `Eip712.recover`.
    function sigAt(bytes calldata sigs, uint256 index) internal pure returns (bytes memory) {
        unchecked {
            uint256 start = index * SIG_LENGTH;
            return sigs[start:start + SIG_LENGTH];
        }
    }
}
