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
//! - [`rotating_history_workload`]: the same, for the "one in `every` pays" workload: `coins`
//!   coins, coin `i` moving in child block `n` when `i ≡ n (mod every)` (so each block moves about
//!   `coins / every` of them, every coin moves once in `every` blocks), the coin kept being
//!   [`rotating_coin_index`]; [`rotating_filler_state`] says where the other coins stand.

use alloy_primitives::{Address, B256, U256, keccak256};
use plasma_core::{BlockNumber, CHILD_BLOCK_INTERVAL, ChildChain, DepositEvent, Domain, Signature, SigningKey};

use crate::{
    block::CashBlock,
    error::Result,
    history::{CashHistory, DepositRecord, Roots},
    operator::Operator,
    tx::{CashTx, CashTxExt, SignedCashTx},
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

pub use plasma_core::bench::deposit_blknum;

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

/// The owner a block filler's transaction with `salt` hands its coin to.
#[must_use]
pub fn filler_owner(salt: u64) -> Address {
    Address::from_slice(&keccak256(salt.to_be_bytes())[12..])
}

/// A transaction of coin `coin_id` for block fillers: a distinct `txHash` per `(coin, salt)`.
fn filler_tx(coin_id: u64, salt: u64) -> SignedCashTx {
    SignedCashTx::new(CashTx::new(coin_id, salt, filler_owner(salt)), filler_signature())
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
    let ids = coin_ids(coins_per_block.max(1));
    let index = ids.len() / 2;
    let moves = |i: usize, n: u64| i != index || (move_every > 0 && n.is_multiple_of(move_every as u64));
    followed_coin_history(&ids, index, blocks, domain, |n| n * CHILD_BLOCK_INTERVAL, moves)
}

/// The history of coin `ids[index]` over `blocks` child blocks, the `n`-th (from 1) numbered
/// `blknum(n)` and moving coin `ids[i]` when `moves(i, n)`: the coin followed passes between two
/// keys with real signatures, the others move with stand-in signatures to
/// [`filler_owner`]`(blknum)` (only their leaves matter to the coin's proofs).
fn followed_coin_history(
    ids: &[u64],
    index: usize,
    blocks: usize,
    domain: &Domain,
    blknum: impl Fn(u64) -> BlockNumber,
    moves: impl Fn(usize, u64) -> bool,
) -> Result<HistoryWorkload> {
    let keys = keys()?;
    let coin_id = ids[index];
    let record = DepositRecord::new(coin_id, keys[0].address(), U256::from(DEPOSIT_AMOUNT));
    let mut roots = Roots::new();
    roots.insert(coin_id, record.root());
    let mut history = CashHistory::new(record);
    let mut holder = 0;
    for n in 1..=blocks as u64 {
        let blknum = blknum(n);
        let mut txs: Vec<SignedCashTx> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != index && moves(*i, n))
            .map(|(_, c)| filler_tx(*c, blknum))
            .collect();
        if moves(index, n) {
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

/// The coin index [`rotating_history_workload`] follows among `coins` coins: the middle one,
/// rounded down to a multiple of `every`, so that it moves in every `every`-th child block.
#[must_use]
pub const fn rotating_coin_index(coins: usize, every: usize) -> usize {
    let every = if every == 0 { 1 } else { every };
    coins / 2 / every * every
}

/// Whether coin `index` (of [`coin_ids`]) moves in the `n`-th child block (from 1) of the rotating
/// workload: when `index ≡ n (mod every)`.
#[must_use]
pub const fn moves_in_rotation(index: usize, n: u64, every: usize) -> bool {
    every > 0 && (index % every) as u64 == n % every as u64
}

pub use plasma_core::bench::rotating_child_block;

/// Where filler coin `index` of the rotating workload over `coins` coins stands after its
/// `blocks`-th child block: `(owner, lastMoved)` of its stand-in transaction in the newest block
/// that moved it, or `None` if no block moved it yet (it is still at its deposit).
#[must_use]
pub fn rotating_filler_state(coins: usize, index: usize, blocks: u64, every: usize) -> Option<(Address, BlockNumber)> {
    let every = every as u64;
    if every == 0 {
        return None;
    }
    let back = (blocks % every + every - index as u64 % every) % every;
    let n = blocks.checked_sub(back).filter(|n| *n > 0)?;
    let blknum = rotating_child_block(coins, n);
    Some((filler_owner(blknum), blknum))
}

/// The history of coin [`rotating_coin_index`]`(coins, move_every)` over `blocks` child blocks of
/// the "one in `move_every` pays" workload: `coins` coins (the first `coins` deposits), coin `i`
/// moving in the `n`-th child block when `i ≡ n (mod move_every)` ([`moves_in_rotation`]). The
/// coin kept moves between two keys with real signatures in every `move_every`-th block; the
/// others move with stand-in signatures (only their leaves matter to the coin's proofs) to
/// [`filler_owner`]`(blknum)`. The `n`-th block is [`rotating_child_block`]`(coins, n)`: all
/// deposits come first.
pub fn rotating_history_workload(
    blocks: usize,
    coins: usize,
    move_every: usize,
    domain: &Domain,
) -> Result<HistoryWorkload> {
    let every = move_every.max(1);
    let ids = coin_ids(coins.max(1));
    let index = rotating_coin_index(ids.len(), every);
    let moves = |i: usize, n: u64| moves_in_rotation(i, n, every);
    followed_coin_history(&ids, index, blocks, domain, |n| rotating_child_block(ids.len(), n), moves)
}

impl plasma_core::bench::Workloads for Operator {
    fn memory_workload(count: usize) -> Result<Self> {
        coin_memory_workload(count)
    }

    fn payment_workload(count: usize, domain: Domain) -> Result<(Self, Vec<SignedCashTx>)> {
        let Workload { operator, txs } = one_input_workload(count, domain)?;
        Ok((operator, txs))
    }

    fn submit_all(&mut self, txs: Vec<SignedCashTx>) -> Vec<Result<alloy_primitives::B256>> {
        self.submit_batch(txs)
    }

    fn prove_every(block: &CashBlock, domain: &Domain) -> Result<bool> {
        let coins: Vec<u64> = block.txs().iter().map(|tx| tx.tx.coinId).collect();
        plasma_core::bench::prove_keys(
            &coins,
            |coin| Ok(block.proof(coin)),
            |coin, proof| {
                block.tx(coin).is_some_and(|tx| proof.verify_inclusion(block.root(), coin, tx.tx_hash(domain)))
            },
        )
    }
}

/// Whether the workload coin of index `i` pays in the footprint study's reference block (the
/// [`PAY_EVERY`](plasma_core::bench::PAY_EVERY)-th, where the followed coin moves too).
#[must_use]
pub const fn pays_in_reference_block(i: usize) -> bool {
    use plasma_core::bench::PAY_EVERY;
    moves_in_rotation(i, PAY_EVERY as u64, PAY_EVERY)
}

/// The wire sizes of a sparse-tree block: median inclusion proof over the coins it moves, median
/// exclusion proof over the others.
pub fn sparse_sizes(
    tx_bytes: usize,
    block_bytes: usize,
    block_txs: usize,
    coins: &[u64],
    moves: impl Fn(u64) -> bool,
    proof: impl Fn(u64) -> usize,
) -> plasma_core::bench::WireSizes {
    use plasma_core::bench::median;
    let (moved, stayed): (Vec<u64>, Vec<u64>) = coins.iter().partition(|c| moves(**c));
    plasma_core::bench::WireSizes {
        tx_bytes,
        inclusion_proof_bytes: median(moved.iter().map(|c| proof(*c)).collect()),
        exclusion_proof_bytes: Some(median(stayed.iter().map(|c| proof(*c)).collect())),
        block_bytes,
        block_txs,
    }
}

/// `n` as a `usize`, or a study error.
pub fn count(n: u64) -> core::result::Result<usize, String> {
    usize::try_from(n).map_err(|e| e.to_string())
}

/// The first `blocks` entries of `history`, as a history of its own.
pub fn prefix<T: crate::CoinTx, S: crate::HistoryStart>(
    history: &crate::CoinHistory<T, S>,
    blocks: u64,
) -> core::result::Result<crate::CoinHistory<T, S>, String> {
    let mut kept = crate::CoinHistory::new(history.start().clone());
    for (blknum, entry) in history.entries().iter().take(count(blocks)?) {
        kept.push(*blknum, entry.clone()).map_err(|e| e.to_string())?;
    }
    Ok(kept)
}

/// What the coin's owner downloads to keep `history`: per block the proof, and the transaction
/// (its wire form) when the coin moved.
pub fn downloaded<T: crate::CoinTx, S: crate::HistoryStart>(history: &crate::CoinHistory<T, S>) -> u64 {
    use crate::history::proof_len;
    let bytes = history.entries().iter().map(|(_, e)| proof_len(e.proof()) + e.tx().map_or(0, crate::CoinTx::wire_len));
    plasma_core::bench::to_u64(bytes.sum())
}

/// `(stored, downloaded)` after each of `blocks` blocks: the prefixes of `history`.
pub fn history_points<T: crate::CoinTx, S: crate::HistoryStart>(
    history: &crate::CoinHistory<T, S>,
    blocks: &[u64],
) -> core::result::Result<Vec<(u64, u64)>, String> {
    blocks
        .iter()
        .map(|b| {
            let kept = prefix(history, *b)?;
            Ok((plasma_core::bench::to_u64(kept.stored_bytes()), downloaded(&kept)))
        })
        .collect()
}

/// The most blocks of `blocks`, as a count.
pub fn max_blocks(blocks: &[u64]) -> core::result::Result<usize, String> {
    count(blocks.iter().copied().max().unwrap_or(0))
}

/// Plasma Cash's footprint: the user downloads, per block, its coin's proof (exclusion when the
/// coin stayed, inclusion and the signed transaction when it moved), never a full block, and
/// stores the coin's whole history ([`CoinHistory::stored_bytes`](crate::CoinHistory::stored_bytes)
/// of the real history built block by block by [`rotating_history_workload`]). The points after
/// fewer blocks are prefixes of the longest history: the workload is deterministic.
impl plasma_core::bench::Footprint for crate::Cash {
    const STORED: &'static str =
        "the coin's whole history: the deposit record and one proof per child block, with the tx when it moved";
    const DOWNLOADED: &'static str =
        "its coin's proof in every block (exclusion, or inclusion and the tx when it moved), never a full block";

    /// A real Cash block of the workload (the payers of the reference block, each payment signed
    /// by its owner).
    fn wire_sizes(users: u64, domain: &Domain) -> core::result::Result<plasma_core::bench::WireSizes, String> {
        let e = |e: crate::CashError| e.to_string();
        let coins = count(users)?;
        let Workload { mut operator, txs } = one_input_workload(coins, *domain).map_err(e)?;
        let tx_bytes = txs.first().ok_or("no payment")?.to_bytes().len();
        let paying: Vec<_> =
            txs.into_iter().enumerate().filter(|(i, _)| pays_in_reference_block(*i)).map(|(_, tx)| tx).collect();
        if operator.submit_batch(paying).iter().any(core::result::Result::is_err) {
            return Err("a workload payment was refused".into());
        }
        let block = operator.build_block().map_err(e)?;
        let ids = coin_ids(coins);
        Ok(sparse_sizes(
            tx_bytes,
            block.size_bytes(),
            block.len(),
            &ids,
            |c| block.moves(c),
            |c| crate::history::proof_len(&block.proof(c)),
        ))
    }

    fn storage(blocks: &[u64], users: u64, domain: &Domain) -> core::result::Result<Vec<(u64, u64)>, String> {
        use plasma_core::bench::PAY_EVERY;
        let w = rotating_history_workload(max_blocks(blocks)?, count(users)?, PAY_EVERY, domain)
            .map_err(|e| e.to_string())?;
        history_points(&w.history, blocks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plasma_testkit::domain;

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

    #[test]
    fn rotating_history_workload_moves_one_coin_in_ten_per_block() {
        let (blocks, coins, every) = (25, 100, 10);
        let w = rotating_history_workload(blocks, coins, every, &domain()).unwrap();
        assert_eq!(w.history.coin_id(), coin_ids(coins)[rotating_coin_index(coins, every)]);
        assert_eq!(w.history.entries().len(), blocks);
        let moved: Vec<u64> = w.history.moves().map(|m| m.blknum).collect();
        assert_eq!(moved, [10_000, 20_000]);
        assert_eq!(w.history.verify(&domain(), &w.roots).unwrap(), w.owner);
        assert_eq!(rotating_coin_index(1_000, 10), 500);
        assert!(moves_in_rotation(3, 13, 10) && !moves_in_rotation(3, 14, 10));
        assert_eq!(rotating_filler_state(100, 3, 25, 10), Some((filler_owner(23_000), 23_000)));
        assert_eq!(rotating_filler_state(100, 7, 25, 10), Some((filler_owner(17_000), 17_000)));
        assert_eq!(rotating_filler_state(100, 0, 25, 10), Some((filler_owner(20_000), 20_000)));
        assert_eq!(rotating_filler_state(100, 7, 5, 10), None);
        assert_eq!([rotating_child_block(999, 1), rotating_child_block(1_000, 1)], [1_000, 2_000]);
        assert_eq!(rotating_child_block(10_000, 3), 13_000, "the last deposit is 10,010");
        let big = rotating_history_workload(3, 3_000, 10, &domain()).unwrap();
        assert_eq!(big.history.verify(&domain(), &big.roots).unwrap(), big.owner);
    }
}
