//! The UTXO bookkeeping the MVP and MoreVP ledgers share: [`UtxoSet`] (unspent outputs, who spent
//! the others, the outputs being exited), the per-input rule both designs apply
//! ([`UtxoSet::check_input`]), the owner's signature check ([`check_owner_signature`]), and the
//! outputs a checked transaction spends ([`SpentInputs`], [`Spend`], [`CheckedTx`]), generic over
//! the design's position rules and input count. Each design's ledger derefs to its set and adds
//! its own validity rules; each design's `Invalidity` spells the faults ([`InputFaults`],
//! implemented by [`input_faults!`](crate::input_faults)).

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, U256};
use plasma_core::{BlockNumber, Signature, recover};

use crate::{
    position::{Position, PositionRules},
    tx::Output,
};

/// The faults of one input or signature, as a design's `Invalidity` spells them (`R`: the
/// design's position rules).
pub trait InputFaults<R: PositionRules>: Sized {
    /// The input is not older than the block `blknum` that spends it.
    fn input_not_older(input: Position<R>, blknum: BlockNumber) -> Self;
    /// The input is already spent by a transaction of the same (pending) block.
    fn pending_input(input: Position<R>) -> Self;
    /// The input was spent by the transaction at `by` (`None`: not numbered yet).
    fn spent_input(input: Position<R>, by: Option<Position<R>>) -> Self;
    /// The input does not exist.
    fn unknown_input(input: Position<R>) -> Self;
    /// The input is being exited.
    fn exiting_input(input: Position<R>) -> Self;
    /// The signature of input `slot` recovers nothing.
    fn bad_signature(slot: u8, reason: String) -> Self;
    /// The signature of input `slot` recovers to `recovered`, not the owner `expected`.
    fn wrong_signer(slot: u8, expected: Address, recovered: Address) -> Self;
    /// A sum of amounts overflows 256 bits.
    fn amount_overflow() -> Self;
}

/// Implements [`InputFaults`](crate::utxo_set::InputFaults)`<$rules>` for `$invalidity` by its
/// variants `InputNotOlder { input, blknum }`, `PendingInput(_)`, `SpentInput { input, by }`,
/// `UnknownInput(_)`, `ExitingInput(_)`, `BadSignature { slot, reason }`,
/// `WrongSigner { slot, expected, recovered }` and `AmountOverflow`.
#[macro_export]
macro_rules! input_faults {
    ($invalidity:ty, $rules:ty) => {
        impl $crate::utxo_set::InputFaults<$rules> for $invalidity {
            fn input_not_older(input: $crate::position::Position<$rules>, blknum: ::plasma_core::BlockNumber) -> Self {
                Self::InputNotOlder { input, blknum }
            }
            fn pending_input(input: $crate::position::Position<$rules>) -> Self {
                Self::PendingInput(input)
            }
            fn spent_input(
                input: $crate::position::Position<$rules>,
                by: Option<$crate::position::Position<$rules>>,
            ) -> Self {
                Self::SpentInput { input, by }
            }
            fn unknown_input(input: $crate::position::Position<$rules>) -> Self {
                Self::UnknownInput(input)
            }
            fn exiting_input(input: $crate::position::Position<$rules>) -> Self {
                Self::ExitingInput(input)
            }
            fn bad_signature(slot: u8, reason: String) -> Self {
                Self::BadSignature { slot, reason }
            }
            fn wrong_signer(
                slot: u8,
                expected: ::alloy_primitives::Address,
                recovered: ::alloy_primitives::Address,
            ) -> Self {
                Self::WrongSigner { slot, expected, recovered }
            }
            fn amount_overflow() -> Self {
                Self::AmountOverflow
            }
        }
    };
}

/// `Σ amounts`, or the overflow fault.
pub fn checked_sum<R: PositionRules, E: InputFaults<R>>(amounts: impl Iterator<Item = U256>) -> Result<U256, E> {
    amounts.into_iter().try_fold(U256::ZERO, |acc, a| acc.checked_add(a)).ok_or_else(E::amount_overflow)
}

/// Checks that `sig`, the signature of input `slot` over `tx_hash`, recovers to `owner`.
pub fn check_owner_signature<R: PositionRules, E: InputFaults<R>>(
    slot: u8,
    tx_hash: B256,
    sig: &Signature,
    owner: Address,
) -> Result<(), E> {
    let recovered = recover(tx_hash, sig).map_err(|e| E::bad_signature(slot, e.to_string()))?;
    if recovered != owner {
        return Err(E::wrong_signer(slot, owner, recovered));
    }
    Ok(())
}

/// Unspent outputs, which transaction spent the others, and the outputs being exited.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UtxoSet<R> {
    utxos: BTreeMap<Position<R>, Output>,
    spent: BTreeMap<Position<R>, Option<Position<R>>>,
    exiting: BTreeSet<Position<R>>,
}

impl<R: PositionRules> UtxoSet<R> {
    /// The unspent outputs.
    #[must_use]
    pub const fn utxos(&self) -> &BTreeMap<Position<R>, Output> {
        &self.utxos
    }

    /// The unspent output at `pos`.
    #[must_use]
    pub fn get(&self, pos: &Position<R>) -> Option<&Output> {
        self.utxos.get(pos)
    }

    /// Whether `pos` was spent, and if so by which transaction position (`Some(None)`: by a block
    /// still waiting for its number).
    #[must_use]
    pub fn spent_by(&self, pos: &Position<R>) -> Option<Option<Position<R>>> {
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
    pub fn is_exiting(&self, pos: &Position<R>) -> bool {
        self.exiting.contains(pos)
    }

    /// Whether `pos` exists now or existed once (unspent or spent).
    #[must_use]
    pub fn knows(&self, pos: &Position<R>) -> bool {
        self.utxos.contains_key(pos) || self.spent.contains_key(pos)
    }

    /// Records a deposit (or any output) at `pos`. Returns `false` and changes nothing if `pos`
    /// is already known.
    pub fn create(&mut self, pos: Position<R>, output: Output) -> bool {
        if self.knows(&pos) {
            return false;
        }
        self.utxos.insert(pos, output);
        true
    }

    /// Marks `pos` spent by the transaction at `by` (`None`: not numbered yet). Also records
    /// spends of outputs the set never saw, so that a later spend reads as a double spend.
    pub fn spend(&mut self, pos: Position<R>, by: Option<Position<R>>) {
        self.utxos.remove(&pos);
        self.exiting.remove(&pos);
        self.spent.insert(pos, by);
    }

    /// Creates `output` at `pos`, the output of a transaction being applied (a spend recorded
    /// there before, by an operator's forgery, is forgotten).
    pub fn put(&mut self, pos: Position<R>, output: Output) {
        self.spent.remove(&pos);
        self.utxos.insert(pos, output);
    }

    /// Marks the unspent output `pos` as being exited (it can no longer be spent). Returns whether
    /// it was unspent.
    pub fn mark_exiting(&mut self, pos: Position<R>) -> bool {
        if self.utxos.contains_key(&pos) {
            self.exiting.insert(pos);
            true
        } else {
            false
        }
    }

    /// The rule both designs apply to each input, in this order: older than `blknum` when known,
    /// not `busy`, existing and unspent, not being exited. Returns the output it spends.
    pub fn check_input<E: InputFaults<R>>(
        &self,
        input: Position<R>,
        blknum: Option<BlockNumber>,
        busy: &impl Fn(&Position<R>) -> bool,
    ) -> Result<Output, E> {
        if let Some(blknum) = blknum
            && input.blknum() >= blknum
        {
            return Err(E::input_not_older(input, blknum));
        }
        if busy(&input) {
            return Err(E::pending_input(input));
        }
        let Some(output) = self.utxos.get(&input) else {
            return Err(match self.spent.get(&input) {
                Some(by) => E::spent_input(input, *by),
                None => E::unknown_input(input),
            });
        };
        if self.exiting.contains(&input) {
            return Err(E::exiting_input(input));
        }
        Ok(*output)
    }
}

/// The outputs a transaction spends, by input slot (`N` slots, used ones first). Inline (no
/// allocation); iterating yields the present ones in slot order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpentInputs<R, const N: usize> {
    slots: [Option<(Position<R>, Output)>; N],
}

impl<R: PositionRules, const N: usize> SpentInputs<R, N> {
    /// No input yet.
    #[must_use]
    pub const fn empty() -> Self {
        Self { slots: [None; N] }
    }

    /// The slots, to fill.
    pub const fn slots_mut(&mut self) -> &mut [Option<(Position<R>, Output)>; N] {
        &mut self.slots
    }

    /// The spent outputs by slot.
    #[must_use]
    pub const fn slots(&self) -> &[Option<(Position<R>, Output)>; N] {
        &self.slots
    }

    /// The spent outputs, slot order.
    pub fn iter(&self) -> impl Iterator<Item = &(Position<R>, Output)> {
        self.slots.iter().flatten()
    }

    /// The input positions by slot.
    #[must_use]
    pub fn positions(&self) -> [Option<Position<R>>; N] {
        self.slots.map(|s| s.map(|(pos, _)| pos))
    }
}

impl<'a, R, const N: usize> IntoIterator for &'a SpentInputs<R, N> {
    type Item = &'a (Position<R>, Output);
    type IntoIter = core::iter::Flatten<core::slice::Iter<'a, Option<(Position<R>, Output)>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.slots.iter().flatten()
    }
}

/// What a ledger's `check_spend` establishes of a transaction: which outputs it spends and what
/// fee it leaves. Its signatures are not checked yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spend<R, const N: usize> {
    /// The outputs it spends, slot order.
    pub inputs: SpentInputs<R, N>,
    /// `Σ inputs − Σ outputs`.
    pub fee: U256,
}

/// A transaction that passed a ledger's `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckedTx<R, const N: usize> {
    /// Its hash.
    pub tx_hash: B256,
    /// The outputs it spends, slot order.
    pub inputs: SpentInputs<R, N>,
    /// `Σ inputs − Σ outputs`.
    pub fee: U256,
}
