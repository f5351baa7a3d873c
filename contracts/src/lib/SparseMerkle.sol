// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {MerkleHash} from "./MerkleHash.sol";

/// @title SparseMerkle
/// @notice Owns the 64-level sparse Merkle tree verifier used by Plasma Cash, XT and Debit blocks
///         (docs/specs.md, "64-level sparse Merkle tree"). Keys are `uint64` coin ids; bit `i` of the
///         key selects the side at level `i`. Proofs are bitmap-compressed: an 8-byte big-endian
///         bitmap, then one 32-byte sibling per set bit in increasing level order (a clear bit means
///         the sibling is `EMPTY`). Only the canonical form is accepted: the length is exactly
///         `8 + 32 * popcount(bitmap)` and no carried sibling is `EMPTY`.
library SparseMerkle {
    /// @notice Number of levels between a leaf and the root.
    uint256 internal constant DEPTH = 64;

    /// @notice Checks that `value` is stored at `key` in the tree whose root is `root`.
    /// @dev Never reverts; returns false on any malformed or non-canonical proof.
    /// @param root The expected root.
    /// @param key The coin id.
    /// @param value The leaf value `v` (the tree stores `leafNode(v)`).
    /// @param proof The bitmap-compressed proof.
    /// @return True when the proof is canonical and leads from `leafNode(value)` to `root`.
    function verifyInclusion(bytes32 root, uint64 key, bytes32 value, bytes memory proof)
        internal
        pure
        returns (bool)
    {
        (bool ok, bytes32 computed) = computeRoot(key, MerkleHash.leafNode(value), proof);
        return ok && computed == root;
    }

    /// @notice Checks that nothing is stored at `key` in the tree whose root is `root`.
    /// @dev Never reverts; returns false on any malformed or non-canonical proof.
    /// @param root The expected root.
    /// @param key The coin id.
    /// @param proof The bitmap-compressed proof.
    /// @return True when the proof is canonical and leads from `EMPTY` to `root`.
    function verifyExclusion(bytes32 root, uint64 key, bytes memory proof)
        internal
        pure
        returns (bool)
    {
        (bool ok, bytes32 computed) = computeRoot(key, MerkleHash.EMPTY, proof);
        return ok && computed == root;
    }

    /// @notice Computes the root reached from `leafNode` at `key` through `proof`.
    /// @dev Never reverts. `ok` is false (and `root` zero) when the proof is shorter than the
    ///      bitmap, its length is not `8 + 32 * popcount(bitmap)`, or a carried sibling is `EMPTY`.
    /// @param key The coin id.
    /// @param leafNode The already hashed leaf node (`EMPTY` for an absent leaf).
    /// @param proof The bitmap-compressed proof.
    /// @return ok Whether the proof is canonical.
    /// @return root The computed root (zero when `ok` is false).
    function computeRoot(uint64 key, bytes32 leafNode, bytes memory proof)
        internal
        pure
        returns (bool ok, bytes32 root)
    {
        if (proof.length < 8) return (false, MerkleHash.EMPTY);
        uint256 bitmap;
        uint256 cursor;
        assembly ("memory-safe") {
            // The first 8 bytes of the proof, big-endian.
            bitmap := shr(192, mload(add(proof, 0x20)))
            // First carried sibling: after the length word and the bitmap.
            cursor := add(proof, 0x28)
        }
        unchecked {
            if (proof.length != 8 + 32 * _popcount64(bitmap)) return (false, MerkleHash.EMPTY);
        }
        bool canonical = true;
        bytes32 node = leafNode;
        // The walk is in assembly: it runs 64 times per proof and a Solidity loop calling
        // MerkleHash.parent costs about twice the gas. It applies MerkleHash.parent's rule exactly:
        // a pair of EMPTY children stays EMPTY, anything else is keccak256(0x01 ‖ left ‖ right).
        assembly ("memory-safe") {
            // 65-byte hash buffer past the free memory pointer (not allocated); byte 0 = 0x01.
            let buf := mload(0x40)
            mstore8(buf, 0x01)
            for { let level := 0 } lt(level, DEPTH) { level := add(level, 1) } {
                let sibling := 0 // EMPTY unless the bitmap says it is carried
                if and(shr(level, bitmap), 1) {
                    sibling := mload(cursor)
                    cursor := add(cursor, 0x20)
                    if iszero(sibling) {
                        canonical := 0
                        break
                    }
                }
                if or(node, sibling) {
                    switch and(shr(level, key), 1)
                    case 0 {
                        mstore(add(buf, 0x01), node)
                        mstore(add(buf, 0x21), sibling)
                    }
                    default {
                        mstore(add(buf, 0x01), sibling)
                        mstore(add(buf, 0x21), node)
                    }
                    node := keccak256(buf, 0x41)
                }
            }
        }
        if (!canonical) return (false, MerkleHash.EMPTY);
        return (true, node);
    }

    /// @dev Number of set bits of a value below 2^64 (SWAR bit counting).
    function _popcount64(uint256 x) private pure returns (uint256) {
        unchecked {
            x = x - ((x >> 1) & 0x5555555555555555);
            x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333);
            x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f;
            // Byte 7 of the product holds the sum of the 8 byte counts (at most 64).
            return ((x * 0x0101010101010101) >> 56) & 0xff;
        }
    }
}
