// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title Eip712
/// @notice Owns EIP-712 hashing and signature recovery (docs/specs.md, "EIP-712"): the domain
///         `EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)` with
///         name "plasma-lab", version "1", the current chain id and the PlasmaFramework deployment,
///         the digest `keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash)`, and strict recovery of
///         65-byte `r ‖ s ‖ v` signatures (low s, v in {27, 28}).
library Eip712 {
    /// @notice keccak256 of the EIP-712 domain type string.
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// @notice keccak256 of the domain name "plasma-lab".
    bytes32 internal constant NAME_HASH = keccak256("plasma-lab");

    /// @notice keccak256 of the domain version "1".
    bytes32 internal constant VERSION_HASH = keccak256("1");

    /// @notice floor(secp256k1n / 2): signatures with a larger `s` are the malleable twin.
    uint256 internal constant HALF_CURVE_ORDER =
        0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice The domain separator for `verifyingContract` on the current chain.
    /// @param verifyingContract The PlasmaFramework deployment.
    /// @return The EIP-712 domain separator.
    function domainSeparator(address verifyingContract) internal view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, verifyingContract)
        );
    }

    /// @notice The typed-data digest `keccak256(0x19 ‖ 0x01 ‖ domainSep ‖ structHash)`.
    /// @param domainSep The domain separator.
    /// @param structHash `hashStruct(message)`.
    /// @return result The digest that is signed.
    function digest(bytes32 domainSep, bytes32 structHash) internal pure returns (bytes32 result) {
        assembly ("memory-safe") {
            // 66 bytes in the (unallocated) memory past the free memory pointer.
            let p := mload(0x40)
            mstore(p, shl(240, 0x1901))
            mstore(add(p, 0x02), domainSep)
            mstore(add(p, 0x22), structHash)
            result := keccak256(p, 0x42)
        }
    }

    /// @notice Recovers the signer of `digest_` from a 65-byte `r ‖ s ‖ v` signature.
    /// @dev Never reverts. Returns address(0) for every rejected signature: length other than 65,
    ///      `v` not 27 or 28, `s > secp256k1n / 2`, `r` or `s` zero, or a failed recovery. Callers
    ///      compare the result with the expected signer, which is never zero.
    /// @param digest_ The signed digest.
    /// @param sig The signature.
    /// @return The signer, or address(0).
    function recover(bytes32 digest_, bytes memory sig) internal pure returns (address) {
        if (sig.length != 65) return address(0);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
            v := byte(0, mload(add(sig, 0x60)))
        }
        if (v != 27 && v != 28) return address(0);
        if (r == 0 || s == 0 || uint256(s) > HALF_CURVE_ORDER) return address(0);
        return ecrecover(digest_, v, r, s);
    }

    /// @notice Whether `sig` is `signer`'s signature of `digest_`: false for a zero `signer`, whose
    ///         "signature" every rejected signature would match (an output or coin that an operator
    ///         gave to nobody must stay unspendable, not become spendable by anyone).
    /// @param digest_ The signed digest.
    /// @param sig The signature.
    /// @param signer The expected signer.
    /// @return True when `signer` is non-zero and signed `digest_`.
    function isSignedBy(bytes32 digest_, bytes memory sig, address signer) internal pure returns (bool) {
        return signer != address(0) && recover(digest_, sig) == signer;
    }

    /// @notice `isSignedBy` for a signature in calldata.
    /// @param digest_ The signed digest.
    /// @param sig The signature.
    /// @param signer The expected signer.
    /// @return True when `signer` is non-zero and signed `digest_`.
    function isSignedByCalldata(bytes32 digest_, bytes calldata sig, address signer) internal pure returns (bool) {
        return signer != address(0) && recoverCalldata(digest_, sig) == signer;
    }

    /// @notice `recover` for a signature in calldata: reads it in place instead of copying it to
    ///         memory (what the exit games call, one subroutine instead of a copy per call site).
    /// @dev Never reverts. Returns address(0) for every rejected signature: length other than 65,
    ///      `v` not 27 or 28, `s > secp256k1n / 2`, `r` or `s` zero, or a failed recovery. Callers
    ///      compare the result with the expected signer, which is never zero.
    /// @param digest_ The signed digest.
    /// @param sig The signature.
    /// @return The signer, or address(0).
    function recoverCalldata(bytes32 digest_, bytes calldata sig) internal pure returns (address) {
        if (sig.length != 65) return address(0);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := calldataload(sig.offset)
            s := calldataload(add(sig.offset, 0x20))
            v := byte(0, calldataload(add(sig.offset, 0x40)))
        }
        if (v != 27 && v != 28) return address(0);
        if (r == 0 || s == 0 || uint256(s) > HALF_CURVE_ORDER) return address(0);
        return ecrecover(digest_, v, r, s);
    }
}
