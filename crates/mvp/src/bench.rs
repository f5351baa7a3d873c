//! Ready-made operator workloads for throughput and memory measurements (`plasma bench`, the
//! criterion benches).
//!
//! Everything here is setup, never what is measured: keys, deposits and signatures are made with
//! the real rules (each payment of [`one_input_workload`] is valid on the operator it comes with),
//! deterministically, so two runs measure the same work.
//!
//! - [`one_input_workload`]: an operator holding `count` deposits, and one signed one-input
//!   payment spending each: what [`Operator::submit_batch`] (or
//!   [`ChildChain::submit_tx`]) then accepts and
//!   [`ChildChain::build_block`] seals. One block holds at
//!   most [`MAX_TXS_PER_BLOCK`](crate::tx::MAX_TXS_PER_BLOCK) (65,536) transactions: beyond that
//!   the operator refuses the rest with [`MvpError::BlockFull`](crate::MvpError::BlockFull).
//! - [`utxo_memory_workload`]: an operator holding `count` unspent outputs made the cheapest
//!   realistic way, by deposits, for a measurement of the memory its state takes.

use alloy_primitives::{Address, U256, keccak256};
use plasma_core::{ChildChain, DepositEvent, Domain, SigningKey};

use crate::{
    error::Result,
    operator::Operator,
    tx::{Output, SignedTx, Transaction, TransactionExt, UtxoPos},
};

/// Number of distinct keys owning the deposits of a workload.
pub const KEYS: usize = 32;

/// Amount of each deposit, in wei.
pub const DEPOSIT_AMOUNT: u64 = 1_000_000;

/// Fee each payment of [`one_input_workload`] leaves, in wei.
pub const FEE: u64 = 1;

/// An operator and transactions to submit to it.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The operator, holding the deposits the transactions spend (nothing pending).
    pub operator: Operator,
    /// Signed transactions, each valid on `operator` and spending an input no other one spends.
    pub txs: Vec<SignedTx>,
}

/// The deterministic workload keys: `SigningKey::from_bytes(keccak256(i))` for `i` in `0..KEYS`
/// (`i` as a big-endian `u64`).
pub fn keys() -> Result<Vec<SigningKey>> {
    (0..KEYS as u64).map(|i| Ok(SigningKey::from_bytes(keccak256(i.to_be_bytes()))?)).collect()
}

pub use plasma_core::bench::deposit_blknum;

/// A fresh operator for `domain` with `count` deposits of [`DEPOSIT_AMOUNT`], deposit `i` owned
/// by `keys[i % KEYS]`, and one payment per deposit: deposit `i` paid in full, less [`FEE`], to
/// `keys[(i + 1) % KEYS]`, signed by its owner. The payments are signed on every core.
///
/// All of them are valid on the operator returned; only the first
/// [`MAX_TXS_PER_BLOCK`](crate::tx::MAX_TXS_PER_BLOCK) fit in one block.
pub fn one_input_workload(count: usize, domain: Domain) -> Result<Workload> {
    let keys = keys()?;
    let mut operator = Operator::new(domain);
    let deposits = deposit_each(&mut operator, count, &keys)?;
    let txs = plasma_core::par::map(&deposits, |&(owner, input): &(usize, UtxoPos)| {
        let to = keys[(owner + 1) % KEYS].address();
        let payment = Transaction::payment(input, None, Output::new(to, U256::from(DEPOSIT_AMOUNT - FEE)), None);
        SignedTx::sign(payment, &domain, [Some(&keys[owner]), None])
    });
    Ok(Workload { operator, txs })
}

/// An operator holding `count` unspent outputs: `count` deposits of [`DEPOSIT_AMOUNT`] by
/// [`KEYS`] owners (the state a deposit leaves is the UTXO entry and the deposit record). Drop
/// it, or measure the resident memory around the call, to know what `count` outputs cost.
pub fn utxo_memory_workload(count: usize) -> Result<Operator> {
    deposit_many(Operator::new(memory_domain()), count)
}

/// The domain of the memory workloads (any would do: nothing is signed).
#[must_use]
pub fn memory_domain() -> Domain {
    Domain::new(31_337, Address::repeat_byte(0xfa))
}

/// Applies `count` deposits of [`DEPOSIT_AMOUNT`] to `operator`, deposit `i` by `keys[i % KEYS]`
/// at [`deposit_blknum`]`(i)`; returns each deposit's owner (an index into `keys`) and what it
/// created, in order. Any design's operator: MVP's and MoreVP's workloads start from it.
pub fn deposit_each<O: ChildChain>(
    operator: &mut O,
    count: usize,
    keys: &[SigningKey],
) -> core::result::Result<Vec<(usize, O::StateId)>, O::Error> {
    let mut deposits = Vec::with_capacity(count);
    for (i, owner) in (0..count).zip((0..KEYS.min(keys.len())).cycle()) {
        let event = DepositEvent {
            depositor: keys[owner].address(),
            blknum: deposit_blknum(i as u64),
            amount: U256::from(DEPOSIT_AMOUNT),
        };
        deposits.push((owner, operator.apply_deposit(&event)?));
    }
    Ok(deposits)
}

/// `operator` holding `count` more unspent outputs: `count` deposits of [`DEPOSIT_AMOUNT`] by the
/// [`KEYS`] workload owners in turn (the state a deposit leaves is the UTXO entry and the deposit
/// record).
pub fn deposit_many<O: ChildChain>(mut operator: O, count: usize) -> core::result::Result<O, O::Error>
where
    O::Error: From<crate::MvpError>,
{
    let owners: Vec<Address> = keys()?.iter().map(SigningKey::address).collect();
    for (i, owner) in (0..count as u64).zip(owners.iter().cycle()) {
        let event = DepositEvent { depositor: *owner, blknum: deposit_blknum(i), amount: U256::from(DEPOSIT_AMOUNT) };
        operator.apply_deposit(&event)?;
    }
    Ok(operator)
}

impl plasma_core::bench::Workloads for Operator {
    fn memory_workload(count: usize) -> Result<Self> {
        utxo_memory_workload(count)
    }

    fn payment_workload(count: usize, domain: Domain) -> Result<(Self, Vec<SignedTx>)> {
        let Workload { operator, txs } = one_input_workload(count, domain)?;
        Ok((operator, txs))
    }

    fn submit_all(&mut self, txs: Vec<SignedTx>) -> Vec<Result<alloy_primitives::B256>> {
        self.submit_batch(txs)
    }

    fn prove_every(block: &crate::Block, _domain: &Domain) -> Result<bool> {
        crate::utxo::prove_every(block)
    }
}

/// What the holder's MVP wallet stores after `blocks` blocks: the deposit, or the output of the
/// latest move, received with the payer's confirmation in `block`.
fn footprint_stored(
    block: &crate::Block,
    users: u64,
    blocks: u64,
    domain: &Domain,
) -> core::result::Result<u64, String> {
    use plasma_core::bench::{last_move_block, to_u64};
    let e = |e: crate::MvpError| e.to_string();
    let keys = keys().map_err(e)?;
    let [payer, payee, ..] = keys.as_slice() else { return Err("too few keys".into()) };
    let deposit =
        DepositEvent { depositor: payer.address(), blknum: deposit_blknum(0), amount: U256::from(DEPOSIT_AMOUNT) };
    let mut payer_wallet = crate::Wallet::new(payer.clone(), *domain);
    let input = payer_wallet.add_deposit(&deposit).map_err(e)?;
    let Some(blknum) = last_move_block(users, blocks) else { return Ok(to_u64(payer_wallet.stored_bytes())) };
    let at =
        block.txs().iter().position(|tx| tx.tx.input0 == input.encode()).ok_or("the payment is not in the block")?;
    let tx = &block.txs()[at];
    let txindex = u16::try_from(at).map_err(|e| e.to_string())?;
    let inclusion =
        crate::Inclusion { blknum, txindex, root: block.root(), proof: block.proof(to_u64(at)).map_err(e)? };
    let confirmations = payer_wallet.confirm(tx, block.root()).map_err(e)?;
    let mut holder = crate::Wallet::new(payee.clone(), *domain);
    holder.receive(tx, &inclusion, confirmations).map_err(e)?;
    Ok(to_u64(holder.stored_bytes()))
}

/// MVP's footprint: the user downloads and validates every full block (to exit in time on an
/// invalid or withheld one) and stores what [`Wallet::stored_bytes`](crate::Wallet::stored_bytes)
/// counts for the output it holds, received through the real `confirm` / `receive` handover in a
/// real block of the workload (the deposit alone before the first move). Every block of the
/// workload holds the same number of same-size transactions, so one block is measured and
/// multiplied.
impl plasma_core::bench::Footprint for crate::Mvp {
    const STORED: &'static str = "the output's creating tx, its inclusion proof and the inputs' confirmation signatures (the deposit before its first move)";
    const DOWNLOADED: &'static str = "every full block, to validate it and exit in time on an invalid or withheld one";

    fn wire_sizes(users: u64, domain: &Domain) -> core::result::Result<plasma_core::bench::WireSizes, String> {
        crate::utxo::footprint_wire_sizes::<Operator, SignedTx>(users, domain)
    }

    fn storage(blocks: &[u64], users: u64, domain: &Domain) -> core::result::Result<Vec<(u64, u64)>, String> {
        crate::utxo::footprint_storage::<Operator, SignedTx>(blocks, users, domain, |block, b| {
            footprint_stored(block, users, b, domain)
        })
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
        let Workload { operator, txs } = one_input_workload(300, domain()).unwrap();
        assert_eq!((operator.utxos().len(), txs.len(), operator.pending_len()), (300, 300, 0));
        assert!(txs.iter().all(|tx| tx.tx.input1.is_zero() && tx.sigs[1].is_none()));
        let owners: std::collections::BTreeSet<_> = operator.utxos().values().map(|o| o.owner).collect();
        assert_eq!(owners.len(), KEYS);
        plasma_testkit::perf::assert_workload_seals(operator, txs, crate::Block::len).unwrap();
        // Deterministic.
        assert_eq!(one_input_workload(3, domain()).unwrap().txs, one_input_workload(3, domain()).unwrap().txs);
    }

    #[test]
    fn utxo_memory_workload_holds_count_outputs() {
        let operator = utxo_memory_workload(2_500).unwrap();
        assert_eq!(operator.utxos().len(), 2_500);
        assert_eq!(operator.ledger().total(), U256::from(2_500 * DEPOSIT_AMOUNT));
    }
}
