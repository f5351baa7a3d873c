//! The UTXO set and the MVP validity rules, shared by the operator and the watchers.
//!
//! [`Ledger::check`] applies the rules of `docs/mvp.md` ("Validity") to one signed transaction
//! without changing anything, cheapest checks first and signature recovery (libsecp256k1, through
//! `plasma_core::recover`) last:
//!
//! 1. `input0 ≠ 0`, both inputs decode as positions, and they are distinct;
//! 2. `amount0 > 0` and no output with a non-zero amount has the zero owner;
//! 3. each present input has a signature and an absent second input has none;
//! 4. each input is older than the block that spends it (when the block is known), is not already
//!    spent in the same block, exists and is unspent, and is not being exited;
//! 5. `Σ outputs ≤ Σ inputs` (the difference is the fee);
//! 6. each signature recovers to its input's owner;
//! 7. the parent confirmations (protocols.md 1.3, the sybil self-transfer drain fix): for each
//!    input created by a transaction, and each signed input slot of that creating transaction, the
//!    confirmation of the creating transaction in its block by that slot's signer; nothing for a
//!    deposit input, an absent input or an absent slot of the creating transaction.
//!
//! It is the composition of its two halves, which callers that split the work use on their own
//! (the operator's [`submit_batch`](crate::Operator::submit_batch) checks whole batches on every
//! core, then settles the conflicts inside the batch with the first half):
//! [`Ledger::check_spend`] (rules 1 to 5: no signature recovered, nothing allocated) and
//! [`Ledger::check_signatures`] (rules 6 and 7).
//!
//! Applying a transaction ([`Ledger::apply_tx`]) spends its inputs and creates its outputs with a
//! non-zero amount, and remembers what rule 7 needs of it (its hash, its signatures and the
//! confirmation digest of its block) until both its outputs are spent; it does not re-check
//! anything, so an operator can also apply the transactions it slipped in unchecked.

use std::collections::BTreeMap;

use alloy_primitives::B256;
use plasma_core::{BlockNumber, Domain, Signature, recover};

use crate::{
    error::Invalidity,
    tx::{MvpPositions, SignedTx, TransactionExt, UtxoPos},
    utxo_set::{UtxoSet, check_owner_signature, checked_sum},
};

/// The outputs a transaction spends, by input slot: slot 0 always, slot 1 when the transaction
/// has a second input (see [`crate::utxo_set::SpentInputs`]).
pub type SpentInputs = crate::utxo_set::SpentInputs<MvpPositions, 2>;

/// What [`Ledger::check_spend`] establishes of a transaction (rules 1 to 5): which outputs it
/// spends and what fee it leaves. Its signatures are not checked yet.
pub type Spend = crate::utxo_set::Spend<MvpPositions, 2>;

/// A transaction that passed [`Ledger::check`].
pub type CheckedTx = crate::utxo_set::CheckedTx<MvpPositions, 2>;

/// What the ledger keeps of a transaction with unspent outputs: what the confirmations of it by
/// its inputs' signers (the parent confirmations of a spend of its outputs) must verify against.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Origin {
    tx_hash: B256,
    confirmation_digest: B256,
    sigs: [Option<Signature>; 2],
}

crate::utxo_ledger!(Ledger, set, MvpPositions, SignedTx, CheckedTx, Spend, Invalidity);

/// Unspent outputs, and which transaction spent the others (the shared [`UtxoSet`], which the
/// ledger derefs to: `utxos`, `get`, `spent_by`, `total`, `is_exiting`, `knows`, `create`,
/// `mark_exiting`), and what the parent confirmations of a spend must verify against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    set: UtxoSet<MvpPositions>,
    /// By transaction position (`oindex = 0`), for transactions with an unspent output.
    origins: BTreeMap<UtxoPos, Origin>,
}

impl Ledger {
    /// Rules 1 to 5 of [`Ledger::check`]: the shape of the transaction, then each input (older
    /// than `blknum` when known, not `busy`, existing and unspent, not being exited), then value
    /// conservation. No signature is recovered and nothing is allocated. Changes nothing.
    pub fn check_spend(
        &self,
        tx: &SignedTx,
        blknum: Option<BlockNumber>,
        busy: impl Fn(&UtxoPos) -> bool,
    ) -> Result<Spend, Invalidity> {
        let slots = tx.tx.inputs()?;
        if let [Some(a), Some(b)] = slots
            && a == b
        {
            return Err(Invalidity::DuplicateInput(a));
        }
        if tx.tx.amount0.is_zero() {
            return Err(Invalidity::ZeroAmount0);
        }
        for (oindex, output) in (0u8..).zip(tx.tx.outputs()) {
            if !output.amount.is_zero() && output.owner.is_zero() {
                return Err(Invalidity::ZeroOwner { oindex });
            }
        }
        for (slot, (input, sig)) in (0u8..).zip(slots.iter().zip(&tx.sigs)) {
            match (input, sig) {
                (Some(_), None) => return Err(Invalidity::MissingSignature { slot }),
                (None, Some(_)) => return Err(Invalidity::UnexpectedSignature { slot }),
                _ => {}
            }
        }
        let mut inputs = SpentInputs::empty();
        for (spent, input) in inputs.slots_mut().iter_mut().zip(slots) {
            let Some(input) = input else { continue };
            *spent = Some((input, self.set.check_input(input, blknum, &busy)?));
        }
        let total_in = checked_sum::<MvpPositions, Invalidity>(inputs.iter().map(|(_, o)| o.amount))?;
        let total_out = checked_sum::<MvpPositions, Invalidity>(tx.tx.outputs().iter().map(|o| o.amount))?;
        let Some(fee) = total_in.checked_sub(total_out) else {
            return Err(Invalidity::ValueCreated { inputs: total_in, outputs: total_out });
        };
        Ok(Spend { inputs, fee })
    }

    /// Rules 6 and 7 of [`Ledger::check`] for a transaction whose spend `inputs` passed
    /// [`Ledger::check_spend`]: each signature recovers to its input's owner, then the parent
    /// confirmations. Recovers each signature once; allocates nothing on success. Changes nothing.
    pub fn check_signatures(&self, tx: &SignedTx, tx_hash: B256, inputs: &SpentInputs) -> Result<(), Invalidity> {
        for (slot, (input, sig)) in (0u8..).zip(inputs.slots().iter().zip(&tx.sigs)) {
            let Some((_, output)) = input else { continue };
            let Some(sig) = sig else {
                return Err(Invalidity::MissingSignature { slot });
            };
            check_owner_signature(slot, tx_hash, sig, output.owner)?;
        }
        self.check_parent_confirmations(tx, inputs.positions())
    }

    /// Rule 7: the shape of every slot first (what is missing or does not belong), then the
    /// signatures.
    fn check_parent_confirmations(&self, tx: &SignedTx, slots: [Option<UtxoPos>; 2]) -> Result<(), Invalidity> {
        let mut origins: [Option<&Origin>; 2] = [None; 2];
        for (slot, ((input, confirmations), origin_of_slot)) in
            (0u8..).zip(slots.iter().zip(&tx.parent_confirmations).zip(&mut origins))
        {
            let origin = match input {
                Some(input) if !input.is_deposit() => {
                    // Only `create` can make an output of a transaction the ledger never applied.
                    let origin = self
                        .origins
                        .get(&input.tx_pos())
                        .ok_or(Invalidity::MissingParentConfirmation { slot, parent_slot: 0 })?;
                    Some(origin)
                }
                _ => None,
            };
            let expected = origin.map_or([None, None], |o| [o.sigs[0].as_ref(), o.sigs[1].as_ref()]);
            for (parent_slot, (sig, confirmation)) in (0u8..).zip(expected.into_iter().zip(confirmations)) {
                match (sig, confirmation, origin) {
                    (None, None, _) | (Some(_), Some(_), Some(_)) => {}
                    (None, Some(_), _) => return Err(Invalidity::UnexpectedParentConfirmation { slot, parent_slot }),
                    (Some(_), None, _) | (Some(_), Some(_), None) => {
                        return Err(Invalidity::MissingParentConfirmation { slot, parent_slot });
                    }
                }
            }
            *origin_of_slot = origin;
        }
        // Every slot has the right shape: verify what it carries, in the same order.
        for (slot, (origin, confirmations)) in (0u8..).zip(origins.iter().zip(&tx.parent_confirmations)) {
            let Some(origin) = origin else { continue };
            for (parent_slot, (sig, confirmation)) in (0u8..).zip(origin.sigs.iter().zip(confirmations)) {
                let (Some(sig), Some(confirmation)) = (sig, confirmation) else { continue };
                let signer = recover(origin.tx_hash, sig).ok();
                if signer.is_none() || recover(origin.confirmation_digest, confirmation).ok() != signer {
                    return Err(Invalidity::BadParentConfirmation { slot, parent_slot });
                }
            }
        }
        Ok(())
    }

    /// Marks `pos` spent by the transaction at `by` (`None`: not numbered yet). Also records
    /// spends of outputs the ledger never saw, so that a later spend reads as a double spend.
    ///
    /// Forgets what the parent confirmations of a spend of the creating transaction's outputs
    /// needed once none of them is left unspent.
    pub fn spend(&mut self, pos: UtxoPos, by: Option<UtxoPos>) {
        self.set.spend(pos, by);
        let tx_pos = pos.tx_pos();
        if !pos.is_deposit() && !(0..2u8).any(|o| tx_pos.with_oindex(o).is_ok_and(|p| self.set.get(&p).is_some())) {
            self.origins.remove(&tx_pos);
        }
    }

    /// Applies `tx`, whose hash is `tx_hash`, at transaction position `tx_pos` (`oindex = 0`):
    /// spends every input that decodes and creates every output with a non-zero amount. No validity
    /// check. `confirmation_digest` is [`confirmation_digest`](crate::tx::confirmation_digest)
    /// of `tx_hash` and the root of the block that includes `tx`: what the parent confirmations of
    /// a spend of these outputs must be signatures of.
    pub fn apply_tx(&mut self, tx: &SignedTx, tx_pos: UtxoPos, tx_hash: B256, confirmation_digest: B256) {
        for input in [tx.tx.input0, tx.tx.input1] {
            if let Ok(input) = UtxoPos::decode(input) {
                self.spend(input, Some(tx_pos));
            }
        }
        let mut created = false;
        for oindex in 0..2u8 {
            if let (Some(output), Ok(pos)) = (tx.tx.output(oindex), tx_pos.with_oindex(oindex)) {
                self.set.put(pos, output);
                created = true;
            }
        }
        if created {
            self.origins.insert(tx_pos, Origin { tx_hash, confirmation_digest, sigs: tx.sigs });
        }
    }

    /// [`Ledger::check`] with the hash computed under `domain`, no block number and nothing busy.
    pub fn check_in(&self, tx: &SignedTx, domain: &Domain) -> Result<CheckedTx, Invalidity> {
        self.check(tx, tx.tx_hash(domain), None, |_| false)
    }
}
