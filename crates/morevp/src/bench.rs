//! Ready-made operator workloads for throughput and memory measurements (`plasma bench`, the
//! criterion benches).
//!
//! Everything here is setup, never what is measured: keys, deposits and signatures are made with
//! the real rules (each payment of [`one_input_workload`] is valid on the operator it comes with),
//! deterministically, so two runs measure the same work. The keys, deposit numbering and amounts
//! are those of `plasma_mvp::bench`, so that both designs are measured on the same work.
//!
//! - [`one_input_workload`]: an operator holding `count` deposits, and one signed one-input
//!   payment spending each: what [`Operator::submit_batch`] (or [`ChildChain::submit_tx`]) then
//!   accepts and [`ChildChain::build_block`] seals. Each input's signature is one recovery
//!   ([`Workload::recoveries`]), which is what a comparison with the recovery limit must count.
//!   One block holds at most [`MAX_TXS_PER_BLOCK`](crate::tx::MAX_TXS_PER_BLOCK) (65,536)
//!   transactions: beyond that the operator refuses the rest with
//!   [`MoreVpError::BlockFull`](crate::MoreVpError::BlockFull).
//! - [`utxo_memory_workload`]: an operator holding `count` unspent outputs made the cheapest
//!   realistic way, by deposits, for a measurement of the memory its state takes.

use alloy_primitives::U256;
use plasma_core::{Domain, SigningKey};
pub use plasma_mvp::bench::{DEPOSIT_AMOUNT, FEE, KEYS, deposit_blknum};

use crate::{
    error::Result,
    operator::Operator,
    tx::{Output, PaymentTx, PaymentTxExt, SignedTx, UtxoPos},
};

/// An operator and transactions to submit to it.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The operator, holding the deposits the transactions spend (nothing pending).
    pub operator: Operator,
    /// Signed transactions, each valid on `operator` and spending inputs no other one spends.
    pub txs: Vec<SignedTx>,
}

impl Workload {
    /// The signature recoveries accepting every transaction takes: one per used input.
    #[must_use]
    pub fn recoveries(&self) -> usize {
        self.txs.iter().map(|tx| tx.tx.used_inputs()).sum()
    }
}

/// The deterministic workload keys (those of `plasma_mvp::bench::keys`).
pub fn keys() -> Result<Vec<SigningKey>> {
    Ok(plasma_mvp::bench::keys()?)
}

/// A fresh operator for `domain` with `count` deposits of [`DEPOSIT_AMOUNT`], deposit `i` owned
/// by `keys[i % KEYS]`, and one payment per deposit: deposit `i` paid in full, less [`FEE`], to
/// `keys[(i + 1) % KEYS]`, signed by its owner. The payments are signed on every core.
///
/// All of them are valid on the operator returned; only the first
/// [`MAX_TXS_PER_BLOCK`](crate::tx::MAX_TXS_PER_BLOCK) fit in one block.
pub fn one_input_workload(count: usize, domain: Domain) -> Result<Workload> {
    let keys = keys()?;
    let mut operator = Operator::new(domain);
    let deposits = plasma_mvp::bench::deposit_each(&mut operator, count, &keys)?;
    let signed = plasma_core::par::map(&deposits, |&(owner, input): &(usize, UtxoPos)| {
        let to = Output::new(keys[(owner + 1) % KEYS].address(), U256::from(DEPOSIT_AMOUNT - FEE));
        PaymentTx::payment(&[input], &[to]).map(|tx| SignedTx::sign(tx, &domain, &[&keys[owner]]))
    });
    let txs = signed.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(Workload { operator, txs })
}

/// An operator holding `count` unspent outputs: `count` deposits of [`DEPOSIT_AMOUNT`] by
/// [`KEYS`] owners (the state a deposit leaves is the UTXO entry and the deposit record). Drop
/// it, or measure the resident memory around the call, to know what `count` outputs cost.
pub fn utxo_memory_workload(count: usize) -> Result<Operator> {
    plasma_mvp::bench::deposit_many(Operator::new(plasma_mvp::bench::memory_domain()), count)
}

impl plasma_core::bench::Workloads for Operator {
    fn memory_workload(count: usize) -> Result<Self> {
        plasma_mvp::bench::deposit_many(Self::new(plasma_mvp::bench::memory_domain()), count)
    }

    fn payment_workload(count: usize, domain: Domain) -> Result<(Self, Vec<SignedTx>)> {
        one_input_workload(count, domain).map(|workload| (workload.operator, workload.txs))
    }

    fn submit_all(&mut self, txs: Vec<SignedTx>) -> Vec<Result<alloy_primitives::B256>> {
        self.submit_batch(txs)
    }

    fn prove_every(block: &crate::Block, _domain: &Domain) -> Result<bool> {
        plasma_mvp::utxo::prove_every(block)
    }
}

/// What the holder's MoreVP wallet stores after `blocks` blocks: the deposit, or the output of the
/// latest move, recorded from its inclusion in `block`.
fn footprint_stored(block: &crate::Block, (users, blocks): (u64, u64), domain: &Domain) -> Result<u64, String> {
    use plasma_core::bench::{last_move_block, to_u64};

    use crate::tx::PaymentTxExt as _;
    let e = |e: crate::MoreVpError| e.to_string();
    let keys = keys().map_err(e)?;
    let [payer, payee, ..] = keys.as_slice() else { return Err("too few keys".into()) };
    let deposit = plasma_core::DepositEvent {
        depositor: payer.address(),
        blknum: deposit_blknum(0),
        amount: alloy_primitives::U256::from(DEPOSIT_AMOUNT),
    };
    let mut payer_wallet = crate::Wallet::new(payer.clone(), *domain);
    let input = payer_wallet.add_deposit(&deposit).map_err(e)?;
    let Some(blknum) = last_move_block(users, blocks) else { return Ok(to_u64(payer_wallet.stored_bytes())) };
    let at = block
        .txs()
        .iter()
        .position(|tx| tx.tx.named_inputs().any(|(_, pos)| pos == input))
        .ok_or("the payment is not in the block")?;
    let tx = &block.txs()[at];
    let txindex = u16::try_from(at).map_err(|e| e.to_string())?;
    let proof = block.proof(to_u64(at)).map_err(|e| e.to_string())?;
    let inclusion = crate::Inclusion { blknum, txindex, root: block.root(), proof };
    let mut holder = crate::Wallet::new(payee.clone(), *domain);
    holder.on_included(tx, &inclusion).map_err(e)?;
    Ok(to_u64(holder.stored_bytes()))
}

/// MoreVP's footprint: as MVP's, with [`Wallet::stored_bytes`](crate::Wallet::stored_bytes) after
/// `on_included` (no confirmations), and one real MoreVP block multiplied likewise.
impl plasma_core::bench::Footprint for crate::MoreVp {
    const STORED: &'static str =
        "the output's creating tx and its inclusion proof, no confirmations (the deposit before its first move)";
    const DOWNLOADED: &'static str = "every full block, to validate it and exit in time on an invalid or withheld one";

    fn wire_sizes(users: u64, domain: &Domain) -> core::result::Result<plasma_core::bench::WireSizes, String> {
        plasma_mvp::utxo::footprint_wire_sizes::<Operator, SignedTx>(users, domain)
    }

    fn storage(blocks: &[u64], users: u64, domain: &Domain) -> core::result::Result<Vec<(u64, u64)>, String> {
        plasma_mvp::utxo::footprint_storage::<Operator, SignedTx>(blocks, users, domain, |block, b| {
            footprint_stored(block, (users, b), domain)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plasma_testkit::domain;

    #[test]
    fn one_input_workload_is_all_valid() {
        let workload = one_input_workload(300, domain()).unwrap();
        assert_eq!(workload.recoveries(), 300);
        let Workload { operator, txs } = workload;
        assert_eq!((operator.utxos().len(), txs.len(), operator.pending_len()), (300, 300, 0));
        assert!(txs.iter().all(|tx| tx.tx.used_inputs() == 1 && tx.sigs.len() == 1));
        plasma_testkit::perf::assert_workload_seals(operator, txs, crate::Block::len).unwrap();
        assert_eq!(one_input_workload(3, domain()).unwrap().txs, one_input_workload(3, domain()).unwrap().txs);
    }

    #[test]
    fn utxo_memory_workload_holds_count_outputs() {
        let ledger = utxo_memory_workload(2_500).unwrap().ledger().clone();
        assert_eq!((ledger.utxos().len(), ledger.total()), (2_500, U256::from(2_500 * DEPOSIT_AMOUNT)));
    }
}
