//! The UTXO set and the MoreVP validity rules, shared by the operator and the watchers.
//!
//! [`Ledger::check`] applies the rules of `docs/morevp.md` ("Validity") to one signed transaction
//! without changing anything, cheapest checks first and signature recovery (libsecp256k1, through
//! `plasma_core::recover`) last:
//!
//! 1. the shape ([`PaymentTxExt::shape`]): used slots first, valid and distinct inputs, used
//!    outputs with a non-zero owner and amount;
//! 2. exactly one signature per used input;
//! 3. each input is older than the block that spends it (when the block is known), is not already
//!    spent in the same block, exists and is unspent, and is not being exited;
//! 4. `Σ outputs ≤ Σ inputs` (the difference is the fee);
//! 5. each signature recovers to its input's owner.
//!
//! It is the composition of its two halves, which callers that split the work use on their own
//! (the operator's [`submit_batch`](crate::Operator::submit_batch) checks whole batches on every
//! core, then settles the conflicts inside the batch with the first half):
//! [`Ledger::check_spend`] (rules 1 to 4: no signature recovered, nothing allocated) and
//! [`Ledger::check_signatures`] (rule 5).
//!
//! Applying a transaction ([`Ledger::apply_tx`]) spends its inputs and creates its used outputs; it
//! does not re-check anything, so an operator can also apply the transactions it slipped in
//! unchecked.

use alloy_primitives::B256;
use plasma_core::{BlockNumber, Domain};
use plasma_mvp::utxo_set::{UtxoSet, check_owner_signature};

use crate::{
    error::Invalidity,
    tx::{MAX_INPUTS, MoreVpPositions, PaymentTxExt, SignedTx, UtxoPos, checked_sum},
};

/// The outputs a transaction spends, by input slot (used slots first; see
/// [`plasma_mvp::utxo_set::SpentInputs`]).
pub type SpentInputs = plasma_mvp::utxo_set::SpentInputs<MoreVpPositions, MAX_INPUTS>;

/// What [`Ledger::check_spend`] establishes of a transaction (rules 1 to 4): which outputs it
/// spends and what fee it leaves. Its signatures are not checked yet.
pub type Spend = plasma_mvp::utxo_set::Spend<MoreVpPositions, MAX_INPUTS>;

/// A transaction that passed [`Ledger::check`].
pub type CheckedTx = plasma_mvp::utxo_set::CheckedTx<MoreVpPositions, MAX_INPUTS>;

plasma_mvp::utxo_ledger!(Ledger, set, MoreVpPositions, SignedTx, CheckedTx, Spend, Invalidity);

/// Unspent outputs, and which transaction spent the others: the shared [`UtxoSet`], which the
/// ledger derefs to (`utxos`, `get`, `spent_by`, `total`, `is_exiting`, `knows`, `create`,
/// `mark_exiting`), under MoreVP's validity rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    set: UtxoSet<MoreVpPositions>,
}

impl Ledger {
    /// Rules 1 to 4 of [`Ledger::check`]: the shape, the signature count, each input (older than
    /// `blknum` when known, not `busy`, existing and unspent, not being exited), then value
    /// conservation. No signature is recovered and nothing is allocated. Changes nothing.
    pub fn check_spend<B: Fn(&UtxoPos) -> bool>(
        &self,
        tx: &SignedTx,
        blknum: Option<BlockNumber>,
        busy: B,
    ) -> Result<Spend, Invalidity> {
        let shape = tx.tx.shape()?;
        if tx.sigs.len() != shape.input_count {
            return Err(Invalidity::SignatureCount { expected: shape.input_count, got: tx.sigs.len() });
        }
        let mut inputs = SpentInputs::empty();
        for (spent, input) in inputs.slots_mut().iter_mut().zip(shape.inputs()) {
            *spent = Some((input, self.set.check_input(input, blknum, &busy)?));
        }
        let total_in = checked_sum(inputs.iter().map(|(_, o)| o.amount))?;
        let total_out = tx.tx.output_total()?;
        let Some(fee) = total_in.checked_sub(total_out) else {
            return Err(Invalidity::ValueCreated { inputs: total_in, outputs: total_out });
        };
        Ok(Spend { inputs, fee })
    }

    /// Rule 5 of [`Ledger::check`] for a transaction whose spend `inputs` passed
    /// [`Ledger::check_spend`]: each signature recovers to its input's owner. Recovers each
    /// signature once; allocates nothing on success.
    pub fn check_signatures(&self, tx: &SignedTx, tx_hash: B256, inputs: &SpentInputs) -> Result<(), Invalidity> {
        let used = inputs.iter().count();
        if tx.sigs.len() != used {
            return Err(Invalidity::SignatureCount { expected: used, got: tx.sigs.len() });
        }
        for (slot, ((_, output), sig)) in (0u8..).zip(inputs.iter().zip(&tx.sigs)) {
            check_owner_signature(slot, tx_hash, sig, output.owner)?;
        }
        Ok(())
    }

    /// Marks `pos` spent by the transaction at `by` (`None`: not numbered yet); see
    /// [`UtxoSet::spend`].
    pub fn spend(&mut self, pos: UtxoPos, by: Option<UtxoPos>) {
        self.set.spend(pos, by);
    }

    /// Applies `tx` at transaction position `tx_pos` (`oindex = 0`): spends every input that
    /// decodes and creates every used output. No validity check.
    pub fn apply_tx(&mut self, tx: &SignedTx, tx_pos: UtxoPos) {
        for (_, input) in tx.tx.named_inputs() {
            self.spend(input, Some(tx_pos));
        }
        for (oindex, output) in tx.tx.used_outputs() {
            if let Ok(pos) = tx_pos.with_oindex(oindex) {
                self.set.put(pos, output);
            }
        }
    }

    /// [`Ledger::check`] with the hash computed under `domain`, no block number and nothing busy.
    pub fn check_in(&self, tx: &SignedTx, domain: &Domain) -> Result<CheckedTx, Invalidity> {
        self.check(tx, tx.tx_hash(domain), None, |_| false)
    }
}

#[cfg(test)]
mod tests {

    use plasma_core::SigningKey;

    use alloy_primitives::U256;

    use super::*;
    use crate::tx::Output;
    use crate::tx::PaymentTx;
    use plasma_testkit::{domain, key};

    /// Alice owns deposits 1 (100) and 2 (50); Bob owns deposit 3 (10).
    fn ledger() -> (Ledger, SigningKey, SigningKey) {
        let (alice, bob) = (key("alice"), key("bob"));
        let mut ledger = Ledger::new();
        for (blknum, owner, amount) in [(1, &alice, 100u64), (2, &alice, 50), (3, &bob, 10)] {
            assert!(ledger.create(UtxoPos::deposit(blknum).unwrap(), Output::new(owner.address(), U256::from(amount))));
        }
        (ledger, alice, bob)
    }

    fn dep(n: u64) -> UtxoPos {
        UtxoPos::deposit(n).unwrap()
    }

    fn pay(inputs: &[UtxoPos], to: &SigningKey, amount: u64) -> PaymentTx {
        PaymentTx::payment(inputs, &[Output::new(to.address(), U256::from(amount))]).unwrap()
    }

    #[test]
    fn three_inputs_two_owners_valid() {
        let (ledger, alice, bob) = ledger();
        let tx = SignedTx::sign(pay(&[dep(1), dep(3), dep(2)], &bob, 155), &domain(), &[&alice, &bob, &alice]);
        let checked = ledger.check_in(&tx, &domain()).unwrap();
        assert_eq!(checked.fee, U256::from(5));
        assert_eq!(checked.inputs.positions(), [Some(dep(1)), Some(dep(3)), Some(dep(2)), None]);
    }

    #[test]
    fn each_rule_is_enforced() {
        let (mut ledger, alice, bob) = ledger();
        let d = domain();
        let check = |ledger: &Ledger, tx: &SignedTx| ledger.check_in(tx, &d).unwrap_err();
        // Shape first.
        let dup = SignedTx::sign(pay(&[dep(1), dep(1)], &bob, 1), &d, &[&alice, &alice]);
        assert_eq!(check(&ledger, &dup), Invalidity::DuplicateInput(dep(1)));
        // Signature count.
        let unsigned = SignedTx::new(pay(&[dep(1)], &bob, 1), Vec::new());
        assert_eq!(check(&ledger, &unsigned), Invalidity::SignatureCount { expected: 1, got: 0 });
        // Inputs.
        let ghost = SignedTx::sign(pay(&[dep(9)], &bob, 1), &d, &[&alice]);
        assert_eq!(check(&ledger, &ghost), Invalidity::UnknownInput(dep(9)));
        // Value.
        let mint = SignedTx::sign(pay(&[dep(1)], &bob, 101), &d, &[&alice]);
        assert_eq!(
            check(&ledger, &mint),
            Invalidity::ValueCreated { inputs: U256::from(100), outputs: U256::from(101) }
        );
        // Signatures last.
        let forged = SignedTx::sign(pay(&[dep(1)], &bob, 100), &d, &[&bob]);
        assert_eq!(
            check(&ledger, &forged),
            Invalidity::WrongSigner { slot: 0, expected: alice.address(), recovered: bob.address() }
        );
        let mut high_s = SignedTx::sign(pay(&[dep(1)], &bob, 100), &d, &[&alice]);
        high_s.sigs[0] = high_s.sigs[0].high_s_twin();
        assert!(matches!(check(&ledger, &high_s), Invalidity::BadSignature { slot: 0, .. }));
        // Busy, exiting, spent, not older.
        let ok = SignedTx::sign(pay(&[dep(1)], &bob, 100), &d, &[&alice]);
        assert_eq!(
            ledger.check(&ok, ok.tx_hash(&d), None, |p| *p == dep(1)).unwrap_err(),
            Invalidity::PendingInput(dep(1))
        );
        assert_eq!(
            ledger.check(&ok, ok.tx_hash(&d), Some(1), |_| false).unwrap_err(),
            Invalidity::InputNotOlder { input: dep(1), blknum: 1 }
        );
        assert!(ledger.mark_exiting(dep(1)));
        assert_eq!(check(&ledger, &ok), Invalidity::ExitingInput(dep(1)));
        let tx_pos = UtxoPos::tx(1000, 0).unwrap();
        ledger.apply_tx(&ok, tx_pos);
        assert_eq!(check(&ledger, &ok), Invalidity::SpentInput { input: dep(1), by: Some(tx_pos) });
        assert_eq!(ledger.get(&tx_pos), Some(&Output::new(bob.address(), U256::from(100))));
        assert!(!ledger.is_exiting(&dep(1)));
        assert_eq!(ledger.total(), U256::from(160));
        assert!(!ledger.create(dep(1), Output::default()));
        assert!(!ledger.mark_exiting(dep(1)));
    }
}
