// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Eip712} from "../lib/Eip712.sol";

/// @notice A Plasma Cash transaction (docs/cash.md): moves the whole coin `coinId`, which last moved
///         at `prevBlock` (`coinId` itself for the deposit), to `newOwner` (never zero). Plasma XT
///         and Debit move the same coins with the same transaction.
struct CashTx {
    uint64 coinId;
    uint64 prevBlock;
    address newOwner;
}

/// @notice A transaction of a coin, the child block `blknum` that includes it and its
///         bitmap-compressed sparse-tree inclusion proof at key `tx.coinId`.
struct Included {
    CashTx tx;
    uint64 blknum;
    bytes proof;
}

/// @title CashTxLib
/// @notice Owns the byte-level rules of a Plasma Cash transaction (docs/cash.md, "Transaction"):
///         the EIP-712 type `CashTx(uint64 coinId,uint64 prevBlock,address newOwner)`, its
///         `hashStruct` and the transaction hash (the digest under the deployment's domain), which
///         is both what the coin's owner signs and the leaf value at key `coinId` in a block's
///         sparse tree. Internal functions only: it is inlined into the exit games and gets no
///         artifact.
library CashTxLib {
    /// @notice keccak256 of the EIP-712 type string of `CashTx`.
    bytes32 internal constant TYPEHASH = keccak256("CashTx(uint64 coinId,uint64 prevBlock,address newOwner)");

    /// @notice EIP-712 `hashStruct`: `keccak256(TYPEHASH ‖ coinId ‖ prevBlock ‖ newOwner)`, one
    ///         32-byte word per field.
    /// @dev The fields are read through the ABI decoder (which rejects dirty high bits), then hashed
    ///      from the scratch memory past the free memory pointer without allocating it.
    /// @param t The transaction.
    /// @return h The struct hash.
    function hashStruct(CashTx calldata t) internal pure returns (bytes32 h) {
        bytes32 typeHash = TYPEHASH;
        uint64 coinId = t.coinId;
        uint64 prevBlock = t.prevBlock;
        address newOwner = t.newOwner;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, typeHash)
            mstore(add(p, 0x20), coinId)
            mstore(add(p, 0x40), prevBlock)
            mstore(add(p, 0x60), newOwner)
            h := keccak256(p, 0x80)
        }
    }

    /// @notice The transaction hash: the EIP-712 digest of `t` under `domainSeparator`.
    /// @param domainSeparator The framework's domain separator.
    /// @param t The transaction.
    /// @return The digest the coin's owner signs and the block's sparse tree stores at `t.coinId`.
    function txHash(bytes32 domainSeparator, CashTx calldata t) internal pure returns (bytes32) {
        return Eip712.digest(domainSeparator, hashStruct(t));
    }

    /// @notice Whether `t` is all zero (the "no parent" value of `startExit`).
    /// @param t The transaction.
    /// @return True when every field is zero.
    function isZero(CashTx calldata t) internal pure returns (bool) {
        return t.coinId == 0 && t.prevBlock == 0 && t.newOwner == address(0);
    }
}
