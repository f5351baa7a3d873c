// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title MerkleHash
/// @notice Owns the node hashing rules shared by both Merkle trees (docs/specs.md, "Hashing"):
///         `EMPTY = bytes32(0)`, `leafNode(v) = keccak256(0x00 ‖ v)` and
///         `parent(l, r) = EMPTY` when both children are `EMPTY`, else `keccak256(0x01 ‖ l ‖ r)`.
///         The one-byte prefixes keep leaves and inner nodes in separate domains; because an empty
///         pair hashes to `EMPTY`, every empty subtree is `EMPTY` and no default-hash table is needed.
library MerkleHash {
    /// @notice The node of an absent leaf and of every subtree without leaves.
    bytes32 internal constant EMPTY = bytes32(0);

    /// @notice Hashes a 32-byte leaf value into its tree node: `keccak256(0x00 ‖ value)` (33 bytes).
    /// @param value The leaf value.
    /// @return node The leaf node; never `EMPTY` (that would need a keccak preimage of zero).
    function leafNode(bytes32 value) internal pure returns (bytes32 node) {
        assembly ("memory-safe") {
            // Scratch space: byte 0x00 is the 0x00 prefix, bytes 0x01..0x20 the value.
            mstore(0x00, 0)
            mstore(0x01, value)
            node := keccak256(0x00, 0x21)
        }
    }

    /// @notice Hashes two sibling nodes into their parent: `EMPTY` when both are `EMPTY`, else
    ///         `keccak256(0x01 ‖ left ‖ right)` (65 bytes).
    /// @param left The left child (the side whose index bit is 0).
    /// @param right The right child.
    /// @return node The parent node.
    function parent(bytes32 left, bytes32 right) internal pure returns (bytes32 node) {
        assembly ("memory-safe") {
            if or(left, right) {
                // 65 bytes do not fit the 64-byte scratch space: use the memory past the free
                // memory pointer as a temporary buffer without allocating it.
                let p := mload(0x40)
                mstore8(p, 0x01)
                mstore(add(p, 0x01), left)
                mstore(add(p, 0x21), right)
                node := keccak256(p, 0x41)
            }
        }
    }
}
