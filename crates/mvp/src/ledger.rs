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
//! 6. each signature recovers to its input's owner.
//!
//! Applying a transaction ([`Ledger::apply_tx`]) spends its inputs and creates its outputs with a
//! non-zero amount; it does not re-check anything, so an operator can also apply the transactions
//! it slipped in unchecked.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{B256, U256};
use plasma_core::{BlockNumber, Domain, recover};

use crate::{
    error::Invalidity,
    tx::{Output, SignedTx, UtxoPos},
};

fn checked_sum(amounts: impl Iterator<Item = U256>) -> Result<U256, Invalidity> {
    amounts.into_iter().try_fold(U256::ZERO, |acc, a| acc.checked_add(a)).ok_or(Invalidity::AmountOverflow)
}

/// A transaction that passed [`Ledger::check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedTx {
    /// Its hash.
    pub tx_hash: B256,
    /// The outputs it spends, slot order.
    pub inputs: Vec<(UtxoPos, Output)>,
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

    /// Sum of all unspent amounts (saturating; amounts come from trusted deposits and checked
    /// transactions, an operator's unchecked mints can only make it saturate).
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
    pub fn check(
        &self,
        tx: &SignedTx,
        tx_hash: B256,
        blknum: Option<BlockNumber>,
        busy: impl Fn(&UtxoPos) -> bool,
    ) -> Result<CheckedTx, Invalidity> {
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
        let mut inputs = Vec::with_capacity(2);
        for input in slots.into_iter().flatten() {
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
            inputs.push((input, *output));
        }
        let total_in = checked_sum(inputs.iter().map(|(_, o)| o.amount))?;
        let total_out = checked_sum(tx.tx.outputs().iter().map(|o| o.amount))?;
        let Some(fee) = total_in.checked_sub(total_out) else {
            return Err(Invalidity::ValueCreated { inputs: total_in, outputs: total_out });
        };
        for (slot, ((_, output), sig)) in (0u8..).zip(inputs.iter().zip(&tx.sigs)) {
            let Some(sig) = sig else {
                return Err(Invalidity::MissingSignature { slot });
            };
            let recovered =
                recover(tx_hash, sig).map_err(|e| Invalidity::BadSignature { slot, reason: e.to_string() })?;
            if recovered != output.owner {
                return Err(Invalidity::WrongSigner { slot, expected: output.owner, recovered });
            }
        }
        Ok(CheckedTx { tx_hash, inputs, fee })
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
    /// decodes and creates every output with a non-zero amount. No validity check.
    pub fn apply_tx(&mut self, tx: &SignedTx, tx_pos: UtxoPos) {
        for input in [tx.tx.input0, tx.tx.input1] {
            if let Ok(input) = UtxoPos::decode(input) {
                self.spend(input, Some(tx_pos));
            }
        }
        for oindex in 0..2u8 {
            if let (Some(output), Ok(pos)) = (tx.tx.output(oindex), tx_pos.with_oindex(oindex)) {
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
