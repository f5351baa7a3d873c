// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

import {Eip712} from "../lib/Eip712.sol";

/// @notice A Plasma Debit transaction (docs/debit.md, "Transaction"): one leg per coin it touches.
///         The first leg moves coin `coinId`, which last moved at `prevBlock`, to `newOwner` with
///         holder balance `balance` and channel nonce `nonce`; the second leg (`peerCoin != 0`, an
///         atomic payment) does the same for `peerCoin`. A transfer or channel state has
///         `peerCoin == 0` and every `peer*` field zero.
struct DebitTx {
    uint64 coinId;
    uint64 prevBlock;
    address newOwner;
    uint128 balance;
    uint64 nonce;
    uint64 peerCoin;
    uint64 peerPrevBlock;
    address peerOwner;
    uint128 peerBalance;
    uint64 peerNonce;
}

/// @notice A transaction, the child block `blknum` that includes it and its sparse-tree inclusion
///         proofs: at key `tx.coinId` and, for a payment, at key `tx.peerCoin` (else empty).
struct DebitIncluded {
    DebitTx tx;
    uint64 blknum;
    bytes proof;
    bytes peerProof;
}

/// @notice The leg of one coin in a `DebitTx`: where the coin last moved, its holder, balance and
///         nonce after the transaction.
struct Leg {
    uint64 prevBlock;
    address owner;
    uint128 balance;
    uint64 nonce;
}

/// @title DebitTxLib
/// @notice Owns the byte-level rules of a Plasma Debit transaction (docs/debit.md): the EIP-712
///         type `DebitTx(...)` with its ten fields, its `hashStruct`, the transaction hash (what each
///         leg's holder, and for a channel state the operator, signs, and the leaf value at the key
///         of every coin it touches), and the leg of a given coin. Internal functions only: it is
///         inlined into the exit game and gets no artifact.
library DebitTxLib {
    /// @notice keccak256 of the EIP-712 type string of `DebitTx`.
    bytes32 internal constant TYPEHASH = keccak256(
        "DebitTx(uint64 coinId,uint64 prevBlock,address newOwner,uint128 balance,uint64 nonce,uint64 peerCoin,uint64 peerPrevBlock,address peerOwner,uint128 peerBalance,uint64 peerNonce)"
    );

    /// @notice EIP-712 `hashStruct`: `keccak256(TYPEHASH ‖ the ten fields)`, one 32-byte word each.
    /// @dev The struct is static, so its ABI encoding is exactly the ten words `abi.encode` gives.
    /// @param t The transaction.
    /// @return The struct hash.
    function hashStruct(DebitTx calldata t) internal pure returns (bytes32) {
        return keccak256(abi.encode(TYPEHASH, t));
    }

    /// @notice The transaction hash: the EIP-712 digest of `t` under `domainSeparator`.
    /// @param domainSeparator The framework's domain separator.
    /// @param t The transaction.
    /// @return The digest the legs' holders sign and the block's sparse tree stores at their keys.
    function txHash(bytes32 domainSeparator, DebitTx calldata t) internal pure returns (bytes32) {
        return Eip712.digest(domainSeparator, hashStruct(t));
    }

    /// @notice The leg of coin `coinId` in `t`: the first leg if `t.coinId == coinId`, else the
    ///         second if `t.peerCoin == coinId`; reverts "wrong coin" otherwise.
    /// @param t The transaction.
    /// @param coinId The coin (never zero).
    /// @return leg The coin's leg.
    function legOf(DebitTx calldata t, uint64 coinId) internal pure returns (Leg memory leg) {
        if (t.coinId == coinId) return Leg(t.prevBlock, t.newOwner, t.balance, t.nonce);
        require(coinId != 0 && t.peerCoin == coinId, "wrong coin");
        return Leg(t.peerPrevBlock, t.peerOwner, t.peerBalance, t.peerNonce);
    }

    /// @notice Whether `t` is a single-coin transaction (transfer, update or channel state).
    /// @param t The transaction.
    /// @return True when `t.peerCoin == 0`.
    function isSingle(DebitTx calldata t) internal pure returns (bool) {
        return t.peerCoin == 0;
    }

    /// @notice Whether `t` is all zero (the "no parent" value of `startExit`).
    /// @param t The transaction.
    /// @return True when every field is zero.
    function isZero(DebitTx calldata t) internal pure returns (bool) {
        return t.coinId == 0 && t.prevBlock == 0 && t.newOwner == address(0) && t.balance == 0 && t.nonce == 0
            && t.peerCoin == 0 && t.peerPrevBlock == 0 && t.peerOwner == address(0) && t.peerBalance == 0
            && t.peerNonce == 0;
    }
}
