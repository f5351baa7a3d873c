// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {MerkleHash} from "../lib/MerkleHash.sol";
import {MerkleBinary} from "../lib/MerkleBinary.sol";
import {SparseMerkle} from "../lib/SparseMerkle.sol";
import {Eip712} from "../lib/Eip712.sol";

/// @title LibHarness
/// @notice TEST FIXTURE, deployed only by the Rust tests, never by production code. Owns external
///         wrappers around the internal libraries (MerkleHash, MerkleBinary, SparseMerkle, Eip712) so
///         the property tests can check Rust output against the Solidity verifiers on the EVM.
contract LibHarness {
    /// @notice `MerkleHash.leafNode`.
    /// @param value The leaf value.
    /// @return The leaf node.
    function leafNode(bytes32 value) external pure returns (bytes32) {
        return MerkleHash.leafNode(value);
    }

    /// @notice `MerkleHash.parent`.
    /// @param left The left child.
    /// @param right The right child.
    /// @return The parent node.
    function parent(bytes32 left, bytes32 right) external pure returns (bytes32) {
        return MerkleHash.parent(left, right);
    }

    /// @notice `MerkleBinary.verify`.
    /// @param leaf The leaf value.
    /// @param index The leaf index.
    /// @param root The expected root.
    /// @param proof 16 siblings of 32 bytes.
    /// @return Whether the proof is valid.
    function verifyBinary(bytes32 leaf, uint256 index, bytes32 root, bytes calldata proof)
        external
        pure
        returns (bool)
    {
        return MerkleBinary.verify(leaf, index, root, proof);
    }

    /// @notice `SparseMerkle.verifyInclusion`.
    /// @param root The expected root.
    /// @param key The coin id.
    /// @param value The leaf value.
    /// @param proof The bitmap-compressed proof.
    /// @return Whether the proof is valid.
    function sparseInclusion(bytes32 root, uint64 key, bytes32 value, bytes calldata proof)
        external
        pure
        returns (bool)
    {
        return SparseMerkle.verifyInclusion(root, key, value, proof);
    }

    /// @notice `SparseMerkle.verifyExclusion`.
    /// @param root The expected root.
    /// @param key The coin id.
    /// @param proof The bitmap-compressed proof.
    /// @return Whether the proof is valid.
    function sparseExclusion(bytes32 root, uint64 key, bytes calldata proof) external pure returns (bool) {
        return SparseMerkle.verifyExclusion(root, key, proof);
    }

    /// @notice `SparseMerkle.computeRoot`.
    /// @param key The coin id.
    /// @param leafNode_ The hashed leaf node (`EMPTY` for an absent leaf).
    /// @param proof The bitmap-compressed proof.
    /// @return ok Whether the proof is canonical.
    /// @return root The computed root.
    function sparseRoot(uint64 key, bytes32 leafNode_, bytes calldata proof)
        external
        pure
        returns (bool ok, bytes32 root)
    {
        return SparseMerkle.computeRoot(key, leafNode_, proof);
    }

    /// @notice `Eip712.domainSeparator` on the current chain.
    /// @param verifyingContract The PlasmaFramework deployment.
    /// @return The domain separator.
    function domainSeparator(address verifyingContract) external view returns (bytes32) {
        return Eip712.domainSeparator(verifyingContract);
    }

    /// @notice The EIP-712 digest of `structHash` for `verifyingContract` on the current chain.
    /// @param verifyingContract The PlasmaFramework deployment.
    /// @param structHash `hashStruct(message)`.
    /// @return The digest.
    function typedDigest(address verifyingContract, bytes32 structHash) external view returns (bytes32) {
        return Eip712.digest(Eip712.domainSeparator(verifyingContract), structHash);
    }

    /// @notice `Eip712.recover` of the digest of `structHash` for `verifyingContract`.
    /// @param verifyingContract The PlasmaFramework deployment.
    /// @param structHash `hashStruct(message)`.
    /// @param sig The 65-byte signature.
    /// @return The signer, or address(0) for a rejected signature.
    function recover(address verifyingContract, bytes32 structHash, bytes calldata sig)
        external
        view
        returns (address)
    {
        return Eip712.recover(Eip712.digest(Eip712.domainSeparator(verifyingContract), structHash), sig);
    }

    /// @notice `Eip712.recover` of a raw digest.
    /// @param digest The signed digest.
    /// @param sig The signature.
    /// @return The signer, or address(0) for a rejected signature.
    function recoverDigest(bytes32 digest, bytes calldata sig) external pure returns (address) {
        return Eip712.recover(digest, sig);
    }
}
