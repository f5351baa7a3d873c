//! Ready-made workloads for throughput and memory measurements (`plasma bench`).
//!
//! Everything here is setup, never what is measured: keys, deposits and signatures are made with
//! the real rules, deterministically, so two runs measure the same work.
//!
//! - [`one_input_workload`]: an operator holding `count` coins and one signed single-coin transfer
//!   of each (the Debit counterpart of the Plasma Cash "one-input transfer": an ownership transfer
//!   stating the whole balance, one signature to recover): what [`DebitOperator::submit_batch`]
//!   then accepts and [`ChildChain::build_block`] seals.
//! - [`coin_memory_workload`]: an operator holding `count` coins, for a measurement of the memory
//!   its state takes.
//! - [`rotating_history_workload`]: one coin's [`DebitHistory`] under plasma-cash's "one in
//!   `every` pays" workload (`plasma_cash::bench::rotating_history_workload`, same coins, same
//!   rotation, same coin followed), with Debit's own transactions: single-coin transfers stating
//!   the whole balance and the next nonce.

use alloy_primitives::{Address, B256, U256, keccak256};
use plasma_cash::{
    DepositRecord, Roots,
    bench::{
        KEYS, coin_ids, deposit_blknum, filler_owner, keys, moves_in_rotation, rotating_child_block,
        rotating_coin_index,
    },
};
use plasma_core::{ChildChain, DepositEvent, Domain, Signature, SigningKey};

use crate::{
    block::DebitBlock,
    error::Result,
    history::DebitHistory,
    operator::DebitOperator,
    tx::{DebitTx, DebitTxExt, Leg, SignedDebitTx, sign},
};

/// Capacity and starting balance of each coin, in wei.
pub const DEPOSIT_AMOUNT: u64 = 1_000_000;

/// An operator and transactions to submit to it.
#[derive(Debug)]
pub struct Workload {
    /// The operator, holding the coins the transactions move (nothing pending).
    pub operator: DebitOperator,
    /// Signed transactions, each valid on `operator` and moving a coin no other one moves.
    pub txs: Vec<SignedDebitTx>,
}

/// The workload operator's key: `keccak256("debit-bench-operator")`.
pub fn operator_key() -> Result<SigningKey> {
    Ok(SigningKey::from_bytes(keccak256("debit-bench-operator"))?)
}

/// An operator for `domain` holding `count` coins of [`DEPOSIT_AMOUNT`], coin `i` held by
/// `keys[i % KEYS]` (plasma-cash's workload keys), and one transfer per coin to
/// `keys[(i + 1) % KEYS]` stating the whole balance with nonce 1, signed by its holder.
pub fn one_input_workload(count: usize, domain: Domain) -> Result<Workload> {
    let keys = keys()?;
    let mut operator = DebitOperator::new(operator_key()?, domain);
    let mut coins = Vec::with_capacity(count);
    for i in 0..count {
        let holder = i % KEYS;
        let event = DepositEvent {
            depositor: keys[holder].address(),
            blknum: deposit_blknum(i as u64),
            amount: U256::from(DEPOSIT_AMOUNT),
        };
        coins.push((holder, operator.apply_deposit(&event)?));
    }
    let txs = coins
        .iter()
        .map(|&(holder, coin_id)| {
            let to = keys[(holder + 1) % KEYS].address();
            let leg = Leg { coin_id, prev_block: coin_id, owner: to, balance: DEPOSIT_AMOUNT.into(), nonce: 1 };
            let tx = DebitTx::single(leg);
            SignedDebitTx::new(tx, vec![sign(&tx, &domain, &keys[holder])])
        })
        .collect();
    Ok(Workload { operator, txs })
}

/// An operator holding `count` coins of [`DEPOSIT_AMOUNT`] held by [`KEYS`] holders. Drop it, or
/// measure the resident memory around the call, to know what `count` coins cost.
pub fn coin_memory_workload(count: usize) -> Result<DebitOperator> {
    let holders: Vec<Address> = keys()?.iter().map(SigningKey::address).collect();
    let mut operator = DebitOperator::new(operator_key()?, Domain::new(31_337, Address::repeat_byte(0xfa)));
    for (i, holder) in (0..count as u64).zip(holders.iter().cycle()) {
        let event = DepositEvent { depositor: *holder, blknum: deposit_blknum(i), amount: U256::from(DEPOSIT_AMOUNT) };
        operator.apply_deposit(&event)?;
    }
    Ok(operator)
}

/// One coin's history and the roots to verify it against.
#[derive(Clone, Debug)]
pub struct HistoryWorkload {
    /// The history (verified to end with [`HistoryWorkload::owner`]).
    pub history: DebitHistory,
    /// Deposit and child roots.
    pub roots: Roots,
    /// The coin's holder at the end.
    pub owner: Address,
}

/// A single-coin transfer of `coin_id` for block fillers, with a stand-in signature (the leaf is
/// `txHash`, so roots and proofs do not depend on it): a distinct `txHash` per `(coin, salt)`.
fn filler_tx(coin_id: u64, salt: u64) -> SignedDebitTx {
    let leg = Leg { coin_id, prev_block: salt, owner: filler_owner(salt), balance: DEPOSIT_AMOUNT.into(), nonce: salt };
    let sig = Signature { r: B256::repeat_byte(0x11), s: B256::repeat_byte(0x22), v: 27 };
    SignedDebitTx::new(DebitTx::single(leg), vec![sig])
}

/// The history of coin `plasma_cash::bench::rotating_coin_index(coins, move_every)` over `blocks`
/// child blocks (`plasma_cash::bench::rotating_child_block`) in which coin `i` moves when
/// `i ≡ n (mod move_every)` (the `n`-th block): the
/// coin followed passes between two keys, with real signatures, the whole balance and the next
/// nonce; the other coins move with stand-in signatures.
pub fn rotating_history_workload(
    blocks: usize,
    coins: usize,
    move_every: usize,
    domain: &Domain,
) -> Result<HistoryWorkload> {
    let keys = keys()?;
    let every = move_every.max(1);
    let ids = coin_ids(coins.max(1));
    let index = rotating_coin_index(ids.len(), every);
    let coin_id = ids[index];
    let record = DepositRecord::new(coin_id, keys[0].address(), U256::from(DEPOSIT_AMOUNT));
    let mut roots = Roots::new();
    roots.insert(coin_id, record.root());
    let mut history = DebitHistory::new(record);
    let (mut holder, mut nonce) = (0, 0);
    for n in 1..=blocks as u64 {
        let blknum = rotating_child_block(ids.len(), n);
        let mut txs: Vec<SignedDebitTx> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != index && moves_in_rotation(*i, n, every))
            .map(|(_, c)| filler_tx(*c, blknum))
            .collect();
        if moves_in_rotation(index, n, every) {
            let next = 1 - holder;
            nonce += 1;
            let leg = Leg {
                coin_id,
                prev_block: history.last_moved(),
                owner: keys[next].address(),
                balance: DEPOSIT_AMOUNT.into(),
                nonce,
            };
            let tx = DebitTx::single(leg);
            txs.push(SignedDebitTx::new(tx, vec![sign(&tx, domain, &keys[holder])]));
            holder = next;
        }
        let block = DebitBlock::new(txs, domain)?;
        roots.insert(blknum, block.root());
        history.extend(domain, &roots, blknum, block.entry(coin_id)?)?;
    }
    Ok(HistoryWorkload { history, roots, owner: keys[holder].address() })
}

impl plasma_core::bench::Workloads for DebitOperator {
    fn memory_workload(count: usize) -> Result<Self> {
        coin_memory_workload(count)
    }

    fn payment_workload(count: usize, domain: Domain) -> Result<(Self, Vec<SignedDebitTx>)> {
        let Workload { operator, txs } = one_input_workload(count, domain)?;
        Ok((operator, txs))
    }

    fn submit_all(&mut self, txs: Vec<SignedDebitTx>) -> Vec<Result<alloy_primitives::B256>> {
        self.submit_batch(txs)
    }

    fn prove_every(block: &crate::DebitBlock, domain: &Domain) -> Result<bool> {
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

/// Plasma Debit's footprint: as Cash's, on the Debit crate's own objects
/// ([`rotating_history_workload`]: single-coin transfers stating the balance and the next nonce).
impl plasma_core::bench::Footprint for crate::Debit {
    const STORED: &'static str = "the coin's whole history, as Cash: one proof per child block, with the Debit tx (balance, nonce) when it moved";
    const DOWNLOADED: &'static str =
        "its coin's proof in every block (exclusion, or inclusion and the tx when it moved), never a full block";

    /// A real Debit block of the workload (the payers of the reference block, each transfer signed
    /// by its holder).
    fn wire_sizes(users: u64, domain: &Domain) -> core::result::Result<plasma_core::bench::WireSizes, String> {
        use plasma_cash::bench::{coin_ids, count, pays_in_reference_block, sparse_sizes};
        let e = |e: crate::DebitError| e.to_string();
        let coins = count(users)?;
        let Workload { mut operator, txs } = one_input_workload(coins, *domain).map_err(e)?;
        let tx_bytes = txs.first().ok_or("no payment")?.encode().len();
        let paying: Vec<_> =
            txs.into_iter().enumerate().filter(|(i, _)| pays_in_reference_block(*i)).map(|(_, tx)| tx).collect();
        if operator.submit_batch(paying).iter().any(core::result::Result::is_err) {
            return Err("a workload payment was refused".into());
        }
        let block = operator.build_block().map_err(e)?;
        let block_bytes = block.txs().iter().map(|tx| tx.encode().len()).sum();
        let ids = coin_ids(coins);
        Ok(sparse_sizes(
            tx_bytes,
            block_bytes,
            block.txs().len(),
            &ids,
            |c| block.tx(c).is_some(),
            |c| plasma_cash::history::proof_len(&block.proof(c)),
        ))
    }

    fn storage(blocks: &[u64], users: u64, domain: &Domain) -> core::result::Result<Vec<(u64, u64)>, String> {
        use plasma_cash::bench::{count, history_points, max_blocks};
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
    fn one_input_workload_is_all_valid_and_numbered_blocks_apply_it() {
        let Workload { mut operator, txs } = one_input_workload(300, domain()).unwrap();
        assert_eq!(txs.len(), 300);
        let first = txs[0].clone();
        let results = operator.submit_batch(txs);
        assert!(results.iter().all(Result::is_ok));
        let block = operator.build_block().unwrap();
        assert_eq!(block.txs().len(), 300);
        // In flight until numbered: the coin takes no other transaction.
        assert!(operator.submit(first.clone()).is_err());
        let event = plasma_core::BlockSubmittedEvent { blknum: 1000, root: block.root(), timestamp: 1 };
        operator.on_block_submitted(&event).unwrap();
        let coin = operator.coin(first.tx.coinId).unwrap();
        assert_eq!((coin.holder, coin.nonce, coin.last_moved), (first.tx.newOwner, 1, 1000));
        let proof = operator.prove_inclusion(1000, first.tx.coinId).unwrap();
        assert!(proof.verify_inclusion(block.root(), first.tx.coinId, first.tx_hash(&domain())));
        assert!(operator.prove_exclusion(1000, 1000).unwrap().is_some());
        assert_eq!(one_input_workload(3, domain()).unwrap().txs, one_input_workload(3, domain()).unwrap().txs);
        assert_eq!(coin_memory_workload(2_500).unwrap().coins().count(), 2_500);
    }

    #[test]
    fn a_withheld_block_serves_no_entry() {
        let Workload { mut operator, txs } = one_input_workload(2, domain()).unwrap();
        let coin = txs[0].tx.coinId;
        operator.submit_batch(txs);
        operator.withhold(1000);
        operator.seal(1000).unwrap();
        assert!(matches!(operator.coin_entry(1000, coin), Err(crate::DebitError::Withheld(1000))));
        assert!(operator.block(1000).is_some());
    }

    #[test]
    fn rotating_history_workload_verifies_with_debit_rules() {
        let w = rotating_history_workload(25, 100, 10, &domain()).unwrap();
        assert_eq!(w.history.entries().len(), 25);
        assert_eq!(w.history.moves().count(), 2);
        let tip = crate::history::verify(&w.history, &domain(), &w.roots, u128::from(DEPOSIT_AMOUNT)).unwrap();
        assert_eq!((tip.owner, tip.nonce, tip.balance), (w.owner, 2, u128::from(DEPOSIT_AMOUNT)));
    }
}
