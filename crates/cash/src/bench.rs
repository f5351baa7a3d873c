//! Ready-made workloads for throughput, proof-size and history measurements (`plasma bench`, the
//! criterion benches, the size tests).
//!
//! Everything here is setup, never what is measured: keys, deposits and signatures are made with
//! the real rules, deterministically, so two runs measure the same work.
//!
//! - [`one_input_workload`]: an operator holding `count` coins and one signed payment of each coin
//!   (the Plasma Cash "one-input transfer"): what [`Operator::submit_batch`] (or
//!   [`ChildChain::submit_tx`]) then accepts and [`ChildChain::build_block`] seals.
//! - [`coin_memory_workload`]: an operator holding `count` coins, for a measurement of the memory
//!   its state takes.
//! - [`filled_block`]: a block moving `count` coins (ids as deposits number them), for block
//!   building and proof benchmarks.
//! - [`history_workload`]: one coin's history over `blocks` child blocks that each move
//!   `coins_per_block` coins, the coin itself moving every `move_every` blocks, with the roots to
//!   verify it against.

use alloy_primitives::{Address, B256, U256, keccak256};
use plasma_core::{BlockNumber, CHILD_BLOCK_INTERVAL, ChildChain, DepositEvent, Domain, Signature, SigningKey};

use crate::{
    block::CashBlock,
    error::Result,
    history::{CashHistory, DepositRecord, Roots},
    operator::Operator,
    tx::{CashTx, SignedCashTx},
};

/// Number of distinct keys owning the coins of a workload.
pub const KEYS: usize = 32;

/// Denomination of each coin, in wei.
pub const DEPOSIT_AMOUNT: u64 = 1_000_000;

/// An operator and transactions to submit to it.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The operator, holding the coins the transactions move (nothing pending).
    pub operator: Operator,
    /// Signed transactions, each valid on `operator` and moving a coin no other one moves.
    pub txs: Vec<SignedCashTx>,
}

/// The deterministic workload keys: `SigningKey::from_bytes(keccak256(i))` for `i` in `0..KEYS`
/// (`i` as a big-endian `u64`).
pub fn keys() -> Result<Vec<SigningKey>> {
    (0..KEYS as u64).map(|i| Ok(SigningKey::from_bytes(keccak256(i.to_be_bytes()))?)).collect()
}

/// The number of the `i`-th deposit block (from 0): `1, 2, …, 999, 1001, …`, skipping the child
/// block numbers as the framework does. It is also the coin's id.
#[must_use]
pub const fn deposit_blknum(i: u64) -> BlockNumber {
    let per_interval = CHILD_BLOCK_INTERVAL - 1;
    (i / per_interval) * CHILD_BLOCK_INTERVAL + i % per_interval + 1
}

/// A fresh operator for `domain` with `count` coins of [`DEPOSIT_AMOUNT`], coin `i` owned by
/// `keys[i % KEYS]`, and one payment per coin to `keys[(i + 1) % KEYS]`, signed by its owner. The
/// payments are signed on every core; all of them are valid on the operator returned.
pub fn one_input_workload(count: usize, domain: Domain) -> Result<Workload> {
    let keys = keys()?;
    let mut operator = Operator::new(domain);
    let mut coins = Vec::with_capacity(count);
    for i in 0..count {
        let owner = i % KEYS;
        let event = DepositEvent {
            depositor: keys[owner].address(),
            blknum: deposit_blknum(i as u64),
            amount: U256::from(DEPOSIT_AMOUNT),
        };
        coins.push((owner, operator.apply_deposit(&event)?));
    }
    let txs = plasma_core::par::map(&coins, |&(owner, coin): &(usize, u64)| {
        CashTx::new(coin, coin, keys[(owner + 1) % KEYS].address()).sign(&domain, &keys[owner])
    });
    Ok(Workload { operator, txs })
}

/// An operator holding `count` coins of [`DEPOSIT_AMOUNT`] owned by [`KEYS`] owners. Drop it, or
/// measure the resident memory around the call, to know what `count` coins cost.
pub fn coin_memory_workload(count: usize) -> Result<Operator> {
    let owners: Vec<Address> = keys()?.iter().map(SigningKey::address).collect();
    let mut operator = Operator::new(Domain::new(31_337, Address::repeat_byte(0xfa)));
    for (i, owner) in (0..count as u64).zip(owners.iter().cycle()) {
        let event = DepositEvent { depositor: *owner, blknum: deposit_blknum(i), amount: U256::from(DEPOSIT_AMOUNT) };
        operator.apply_deposit(&event)?;
    }
    Ok(operator)
}

/// A stand-in signature for transactions whose signature no measurement reads (the leaf is
/// `txHash`, so block roots and proofs do not depend on it).
fn filler_signature() -> Signature {
    Signature { r: B256::repeat_byte(0x11), s: B256::repeat_byte(0x22), v: 27 }
}

/// A transaction of coin `coin_id` for block fillers: a distinct `txHash` per `(coin, salt)`.
fn filler_tx(coin_id: u64, salt: u64) -> SignedCashTx {
    let owner = Address::from_slice(&keccak256(salt.to_be_bytes())[12..]);
    SignedCashTx::new(CashTx::new(coin_id, salt, owner), filler_signature())
}

/// The coin ids of the first `count` deposits: [`deposit_blknum`]`(0..count)`.
#[must_use]
pub fn coin_ids(count: usize) -> Vec<u64> {
    (0..count as u64).map(deposit_blknum).collect()
}

/// A block moving the first `count` coins (one transaction each, stand-in signatures: the leaves
/// and proofs are those of real transactions, signatures are not part of them).
pub fn filled_block(count: usize, domain: &Domain) -> Result<CashBlock> {
    CashBlock::new(coin_ids(count).into_iter().map(|coin| filler_tx(coin, 1)).collect(), domain)
}

/// One coin's history and the roots to verify it against.
#[derive(Clone, Debug)]
pub struct HistoryWorkload {
    /// The history (verified to end with [`HistoryWorkload::owner`]).
    pub history: CashHistory,
    /// Deposit and child roots.
    pub roots: Roots,
    /// The coin's owner at the end.
    pub owner: Address,
}

/// The history of coin [`deposit_blknum`]`(coins_per_block / 2)` over `blocks` child blocks, each
/// moving `coins_per_block` coins (the first `coins_per_block` deposits); the coin moves, between
/// two keys, in every `move_every`-th block, with real signatures; the other coins move in every
/// block with stand-in signatures (only their leaves matter to the coin's proofs).
pub fn history_workload(
    blocks: usize,
    coins_per_block: usize,
    move_every: usize,
    domain: &Domain,
) -> Result<HistoryWorkload> {
    let keys = keys()?;
    let coins = coin_ids(coins_per_block.max(1));
    let coin_id = coins[coins.len() / 2];
    let record = DepositRecord::new(coin_id, keys[0].address(), U256::from(DEPOSIT_AMOUNT));
    let mut roots = Roots::new();
    roots.insert(coin_id, record.root());
    let mut history = CashHistory::new(record);
    let mut holder = 0;
    for n in 1..=blocks as u64 {
        let blknum = n * CHILD_BLOCK_INTERVAL;
        let moves = move_every > 0 && n % move_every as u64 == 0;
        let mut txs: Vec<SignedCashTx> =
            coins.iter().filter(|c| **c != coin_id).map(|c| filler_tx(*c, blknum)).collect();
        if moves {
            let next = 1 - holder;
            let tx = CashTx::new(coin_id, history.last_moved(), keys[next].address()).sign(domain, &keys[holder]);
            txs.push(tx);
            holder = next;
        }
        let block = CashBlock::new(txs, domain)?;
        roots.insert(blknum, block.root());
        history.extend(domain, &roots, blknum, block.entry(coin_id))?;
    }
    Ok(HistoryWorkload { history, roots, owner: keys[holder].address() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain() -> Domain {
        Domain::new(31_337, Address::repeat_byte(0xf0))
    }

    #[test]
    fn deposit_numbers_skip_child_blocks() {
        let numbers: Vec<_> = [0, 1, 998, 999, 1000, 1997, 1998].map(deposit_blknum).into();
        assert_eq!(numbers, [1, 2, 999, 1001, 1002, 1999, 2001]);
    }

    #[test]
    fn one_input_workload_is_all_valid() {
        let Workload { mut operator, txs } = one_input_workload(300, domain()).unwrap();
        assert_eq!((operator.coins().len(), txs.len(), operator.pending_len()), (300, 300, 0));
        let results = operator.submit_batch(txs);
        assert!(results.iter().all(Result::is_ok));
        let block = operator.build_block().unwrap();
        assert_eq!(block.len(), 300);
        assert_ne!(block.root(), B256::ZERO);
        assert_eq!(one_input_workload(3, domain()).unwrap().txs, one_input_workload(3, domain()).unwrap().txs);
        assert_eq!(coin_memory_workload(2_500).unwrap().coins().len(), 2_500);
    }

    #[test]
    fn filled_block_moves_count_coins() {
        let block = filled_block(100, &domain()).unwrap();
        assert_eq!(block.len(), 100);
        assert!(coin_ids(100).iter().all(|c| block.moves(*c)));
    }

    #[test]
    fn history_workload_verifies() {
        let w = history_workload(30, 50, 10, &domain()).unwrap();
        assert_eq!(w.history.entries().len(), 30);
        assert_eq!(w.history.moves().count(), 3);
        assert_eq!(w.history.verify(&domain(), &w.roots).unwrap(), w.owner);
    }
}
