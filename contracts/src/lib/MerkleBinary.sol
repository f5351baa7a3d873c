// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {MerkleHash} from "./MerkleHash.sol";

/// @title MerkleBinary
/// @notice Owns the fixed-depth (16) binary Merkle tree verifier used by MVP and MoreVP blocks
///         (docs/specs.md, "Fixed-depth binary tree"). Leaves fill indexes `0 .. n-1`, absent leaves
///         are `EMPTY`; bit `i` of the index says on which side the running node sits at level `i`.
///         A proof is exactly 16 siblings of 32 bytes, level 0 first.
library MerkleBinary {
    /// @notice Depth of the tree: leaf indexes are `0 .. 2^16 - 1`.
    uint256 internal constant DEPTH = 16;

    /// @notice Length in bytes of every valid proof (`DEPTH` siblings of 32 bytes).
    uint256 internal constant PROOF_LENGTH = DEPTH * 32;

    /// @notice Checks that the leaf value `leaf` sits at `index` in the tree whose root is `root`.
    /// @dev `leaf` is the 32-byte leaf *value*; it is hashed with `MerkleHash.leafNode` here, so an
    ///      inner node can never be passed off as a leaf. Never reverts: returns false when
    ///      `index >= 2^16`, when `proof.length != 512` or when the computed root differs.
    /// @param leaf The leaf value `v` (the tree stores `leafNode(v)`).
    /// @param index The leaf index.
    /// @param root The expected root.
    /// @param proof 16 concatenated 32-byte siblings, the level-0 sibling first.
    /// @return True when the proof is well formed and leads to `root`.
    function verify(bytes32 leaf, uint256 index, bytes32 root, bytes memory proof)
        internal
        pure
        returns (bool)
    {
        if (index >> DEPTH != 0 || proof.length != PROOF_LENGTH) return false;
        bytes32 node = MerkleHash.leafNode(leaf);
        // The walk is in assembly to save gas (about half of a Solidity loop calling
        // MerkleHash.parent). It computes keccak256(0x01 ‖ left ‖ right) at every level without
        // MerkleHash.parent's EMPTY-pair test: the running node starts as a leaf node and every
        // parent above it is a keccak output, so it is never EMPTY and the pair is never empty.
        assembly ("memory-safe") {
            // 65-byte hash buffer past the free memory pointer (not allocated); byte 0 = 0x01.
            let buf := mload(0x40)
            mstore8(buf, 0x01)
            let siblings := add(proof, 0x20)
            for { let level := 0 } lt(level, DEPTH) { level := add(level, 1) } {
                let sibling := mload(add(siblings, shl(5, level)))
                switch and(shr(level, index), 1)
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
        return node == root;
    }
}
