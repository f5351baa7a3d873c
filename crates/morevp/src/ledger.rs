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

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{B256, U256};
use plasma_core::{BlockNumber, Domain, recover};

use crate::{
    error::Invalidity,
    tx::{MAX_INPUTS, Output, PaymentTxExt, SignedTx, UtxoPos, checked_sum},
};

/// The outputs a transaction spends, by input slot (used slots first). Inline (no allocation);
/// iterating yields the used ones in slot order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpentInputs {
    slots: [Option<(UtxoPos, Output)>; MAX_INPUTS],
}

impl SpentInputs {
    /// The spent outputs, slot order.
    pub fn iter(&self) -> impl Iterator<Item = &(UtxoPos, Output)> {
        self.slots.iter().flatten()
    }

    /// The input positions by slot.
    #[must_use]
    pub fn positions(&self) -> [Option<UtxoPos>; MAX_INPUTS] {
        self.slots.map(|s| s.map(|(pos, _)| pos))
    }
}

impl<'a> IntoIterator for &'a SpentInputs {
    type Item = &'a (UtxoPos, Output);
    type IntoIter = core::iter::Flatten<core::slice::Iter<'a, Option<(UtxoPos, Output)>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.slots.iter().flatten()
    }
}

/// What [`Ledger::check_spend`] establishes of a transaction (rules 1 to 4): which outputs it
/// spends and what fee it leaves. Its signatures are not checked yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spend {
    /// The outputs it spends, slot order.
    pub inputs: SpentInputs,
    /// `Σ inputs − Σ outputs`.
    pub fee: U256,
}

/// A transaction that passed [`Ledger::check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckedTx {
    /// Its hash.
    pub tx_hash: B256,
    /// The outputs it spends, slot order.
    pub inputs: SpentInputs,
    /// `Σ inputs − Σ outputs`.
    pub fee: U256,
}

/// Unspent outputs, and which transaction spent the others.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    utxos: BTreeMap<UtxoPos, Output>,
    spent: BTreeMap<UtxoPos, Option<UtxoPos>>,
    exiting: BTreeSet<UtxoPos>,
}

impl Ledger {
    /// An empty ledger.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The unspent outputs.
    #[must_use]
    pub const fn utxos(&self) -> &BTreeMap<UtxoPos, Output> {
        &self.utxos
    }

    /// The unspent output at `pos`.
    #[must_use]
    pub fn get(&self, pos: &UtxoPos) -> Option<&Output> {
        self.utxos.get(pos)
    }

    /// Whether `pos` was spent, and if so by which transaction position (`Some(None)`: by a block
    /// still waiting for its number).
    #[must_use]
    pub fn spent_by(&self, pos: &UtxoPos) -> Option<Option<UtxoPos>> {
        self.spent.get(pos).copied()
    }

    /// Sum of all unspent amounts (saturating; an operator's unchecked mints can make it saturate).
    #[must_use]
    pub fn total(&self) -> U256 {
        self.utxos.values().fold(U256::ZERO, |sum, o| sum.saturating_add(o.amount))
    }

    /// Whether `pos` is marked as being exited.
    #[must_use]
    pub fn is_exiting(&self, pos: &UtxoPos) -> bool {
        self.exiting.contains(pos)
    }

    /// Whether `pos` exists now or existed once (unspent or spent).
    #[must_use]
    pub fn knows(&self, pos: &UtxoPos) -> bool {
        self.utxos.contains_key(pos) || self.spent.contains_key(pos)
    }

    /// Checks `tx` (whose hash under the deployment's domain is `tx_hash`) against the ledger,
    /// treating the outputs for which `busy` holds as already spent in the same block. `blknum` is
    /// the number of the block that includes `tx`, when known. Changes nothing.
    ///
    /// The whole rule set, in its order: [`Ledger::check_spend`] (rules 1 to 4, cheap), then
    /// [`Ledger::check_signatures`] (rule 5, the signature recoveries). `busy` is only consulted by
    /// the first, so a transaction with a busy input is refused before any signature is recovered.
    pub fn check(
        &self,
        tx: &SignedTx,
        tx_hash: B256,
        blknum: Option<BlockNumber>,
        busy: impl Fn(&UtxoPos) -> bool,
    ) -> Result<CheckedTx, Invalidity> {
        let Spend { inputs, fee } = self.check_spend(tx, blknum, busy)?;
        Self::check_signatures(tx, tx_hash, &inputs)?;
        Ok(CheckedTx { tx_hash, inputs, fee })
    }

    /// Rules 1 to 4 of [`Ledger::check`]: the shape, the signature count, each input (older than
    /// `blknum` when known, not `busy`, existing and unspent, not being exited), then value
    /// conservation. No signature is recovered and nothing is allocated. Changes nothing.
    pub fn check_spend(
        &self,
        tx: &SignedTx,
        blknum: Option<BlockNumber>,
        busy: impl Fn(&UtxoPos) -> bool,
    ) -> Result<Spend, Invalidity> {
        let shape = tx.tx.shape()?;
        if tx.sigs.len() != shape.input_count {
            return Err(Invalidity::SignatureCount { expected: shape.input_count, got: tx.sigs.len() });
        }
        let mut inputs = SpentInputs { slots: [None; MAX_INPUTS] };
        for (spent, input) in inputs.slots.iter_mut().zip(shape.inputs()) {
            *spent = Some((input, self.check_input(input, blknum, &busy)?));
        }
        let total_in = checked_sum(inputs.iter().map(|(_, o)| o.amount))?;
        let total_out = tx.tx.output_total()?;
        let Some(fee) = total_in.checked_sub(total_out) else {
            return Err(Invalidity::ValueCreated { inputs: total_in, outputs: total_out });
        };
        Ok(Spend { inputs, fee })
    }

    /// Rule 3 for one input: the output it spends.
    fn check_input(
        &self,
        input: UtxoPos,
        blknum: Option<BlockNumber>,
        busy: &impl Fn(&UtxoPos) -> bool,
    ) -> Result<Output, Invalidity> {
        if let Some(blknum) = blknum
            && input.blknum() >= blknum
        {
            return Err(Invalidity::InputNotOlder { input, blknum });
        }
        if busy(&input) {
            return Err(Invalidity::PendingInput(input));
        }
        let Some(output) = self.utxos.get(&input) else {
            return Err(match self.spent.get(&input) {
                Some(by) => Invalidity::SpentInput { input, by: *by },
                None => Invalidity::UnknownInput(input),
            });
        };
        if self.exiting.contains(&input) {
            return Err(Invalidity::ExitingInput(input));
        }
        Ok(*output)
    }

    /// Rule 5 of [`Ledger::check`] for a transaction whose spend `inputs` passed
    /// [`Ledger::check_spend`]: each signature recovers to its input's owner. Recovers each
    /// signature once; allocates nothing on success.
    pub fn check_signatures(tx: &SignedTx, tx_hash: B256, inputs: &SpentInputs) -> Result<(), Invalidity> {
        let used = inputs.iter().count();
        if tx.sigs.len() != used {
            return Err(Invalidity::SignatureCount { expected: used, got: tx.sigs.len() });
        }
        for (slot, ((_, output), sig)) in (0u8..).zip(inputs.iter().zip(&tx.sigs)) {
            let recovered =
                recover(tx_hash, sig).map_err(|e| Invalidity::BadSignature { slot, reason: e.to_string() })?;
            if recovered != output.owner {
                return Err(Invalidity::WrongSigner { slot, expected: output.owner, recovered });
            }
        }
        Ok(())
    }

    /// Records a deposit (or any output) at `pos`. Returns `false` and changes nothing if `pos`
    /// is already known.
    pub fn create(&mut self, pos: UtxoPos, output: Output) -> bool {
        if self.knows(&pos) {
            return false;
        }
        self.utxos.insert(pos, output);
        true
    }

    /// Marks `pos` spent by the transaction at `by` (`None`: not numbered yet). Also records
    /// spends of outputs the ledger never saw, so that a later spend reads as a double spend.
    pub fn spend(&mut self, pos: UtxoPos, by: Option<UtxoPos>) {
        self.utxos.remove(&pos);
        self.exiting.remove(&pos);
        self.spent.insert(pos, by);
    }

    /// Applies `tx` at transaction position `tx_pos` (`oindex = 0`): spends every input that
    /// decodes and creates every used output. No validity check.
    pub fn apply_tx(&mut self, tx: &SignedTx, tx_pos: UtxoPos) {
        for (_, input) in tx.tx.named_inputs() {
            self.spend(input, Some(tx_pos));
        }
        for (oindex, output) in tx.tx.used_outputs() {
            if let Ok(pos) = tx_pos.with_oindex(oindex) {
                self.spent.remove(&pos);
                self.utxos.insert(pos, output);
            }
        }
    }

    /// Marks the unspent output `pos` as being exited (it can no longer be spent). Returns whether
    /// it was unspent.
    pub fn mark_exiting(&mut self, pos: UtxoPos) -> bool {
        if self.utxos.contains_key(&pos) {
            self.exiting.insert(pos);
            true
        } else {
            false
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

    use super::*;
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
