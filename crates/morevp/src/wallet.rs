//! One user's MoreVP client: its outputs with what their exits need, the in-flight transactions it
//! signed or received with what their in-flight exits need, payments, and the arguments of every
//! exit-game call the user may send.
//!
//! A [`Wallet`] keeps, for every output it owns, what `startStandardExit` needs and what a spend of
//! it needs to be exited in flight: the creating [`PaymentTx`] and its [`Inclusion`] (a deposit
//! needs nothing but its amount). For every transaction in flight that it signed or was handed
//! before inclusion, it keeps the signed transaction and, per input, the transaction that created
//! that input with its proof ([`InputProof`]): everything `startInFlightExit` takes.
//!
//! A payment from A to B goes:
//!
//! 1. `let tx = a.pay(b, amount, fee)?` (coin selection over up to four outputs, change back to A
//!    as the last output; the inputs are reserved and the transaction is kept in flight); the
//!    operator accepts it (or `a.cancel(&tx)` releases the inputs);
//! 2. `let (tx, proofs) = a.handoff(hash)?; b.receive_in_flight(tx, proofs)?`: B can now exit it in
//!    flight (by piggybacking on A's in-flight exit) should the block be withheld;
//! 3. once the block is numbered and B's watcher validated it: `a.on_included(&tx, &inclusion)?`
//!    (A's inputs are gone, A records its change) and `b.on_included(&tx, &inclusion)?` (B records
//!    its output); both drop the in-flight record.
//!
//! There are no confirmation signatures: a transaction whose block is withheld or invalid stays in
//! flight, and the watcher tells the user to exit it in flight.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, Bytes, U256};
use plasma_core::{DepositEvent, Domain, SigningKey, recover};

use crate::{
    block::Inclusion,
    error::{Invalidity, MoreVpError, Result},
    game::{CanonicityResponse, DepositExit, ExitCall, InFlightExit, Piggyback, StandardExit},
    tx::{
        InputProof, MAX_INPUTS, MAX_OUTPUTS, Output, PaymentTx, PaymentTxExt, SignedTx, TX_LEN, UtxoPos, checked_sum,
    },
};

/// Bytes accounted for a deposit output: position and amount.
pub const DEPOSIT_OUTPUT_BYTES: usize = 32 + 32;

/// Bytes accounted for a transaction output: position, amount, the creating transaction without
/// its witnesses (384: neither a standard exit nor an input proof needs them), block root and
/// proof (512).
pub const TX_OUTPUT_BYTES: usize = 32 + 32 + TX_LEN + 32 + 512;

/// Length of an inclusion proof.
const PROOF_LEN: usize = plasma_core::merkle::binary::PROOF_LEN;

/// The exit witness of an output created by a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxWitness {
    /// The creating transaction.
    pub tx: PaymentTx,
    /// Its block, index, root and proof.
    pub inclusion: Inclusion,
}

/// Where an owned output comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputOrigin {
    /// A deposit block's output.
    Deposit,
    /// An output of an included transaction.
    Tx(Box<TxWitness>),
}

/// An output the wallet owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedOutput {
    /// Its amount.
    pub amount: U256,
    /// Its origin and exit witness.
    pub origin: OutputOrigin,
}

/// A transaction in flight that the wallet signed (as a sender) or received before inclusion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlightTx {
    /// The transaction and its witnesses.
    pub signed: SignedTx,
    /// Per used input, its creating transaction and proof.
    pub input_txs: Vec<InputProof>,
    /// Whether this wallet signed at least one of its inputs.
    pub sender: bool,
}

impl InFlightTx {
    /// Bytes the record takes: the signed transaction, then per input its creating transaction and
    /// proof.
    #[must_use]
    pub fn stored_bytes(&self) -> usize {
        self.signed.size() + self.input_txs.iter().map(|p| TX_LEN + p.proof.len()).sum::<usize>()
    }
}

/// One user's client.
#[derive(Clone, Debug)]
pub struct Wallet {
    key: Option<SigningKey>,
    address: Address,
    domain: Domain,
    outputs: BTreeMap<UtxoPos, OwnedOutput>,
    reserved: BTreeSet<UtxoPos>,
    in_flight: BTreeMap<B256, InFlightTx>,
}

impl Wallet {
    /// The wallet of `key`'s owner on the deployment `domain`.
    #[must_use]
    pub fn new(key: SigningKey, domain: Domain) -> Self {
        let mut wallet = Self::watch_only(key.address(), domain);
        wallet.key = Some(key);
        wallet
    }

    /// A wallet that records and exits `address`'s outputs but cannot pay until
    /// [`Wallet::set_key`] gives it the key.
    #[must_use]
    pub const fn watch_only(address: Address, domain: Domain) -> Self {
        Self {
            key: None,
            address,
            domain,
            outputs: BTreeMap::new(),
            reserved: BTreeSet::new(),
            in_flight: BTreeMap::new(),
        }
    }

    /// Gives a watch-only wallet its key; [`MoreVpError::NoKey`] if the key is not the wallet's.
    pub fn set_key(&mut self, key: SigningKey) -> Result<()> {
        if key.address() != self.address {
            return Err(MoreVpError::NoKey(self.address));
        }
        self.key = Some(key);
        Ok(())
    }

    /// The owner's address.
    #[must_use]
    pub const fn address(&self) -> Address {
        self.address
    }

    /// The deployment's domain.
    #[must_use]
    pub const fn domain(&self) -> &Domain {
        &self.domain
    }

    /// Every output owned, including those reserved by a payment in flight.
    #[must_use]
    pub const fn outputs(&self) -> &BTreeMap<UtxoPos, OwnedOutput> {
        &self.outputs
    }

    /// The transactions in flight, by hash.
    #[must_use]
    pub const fn in_flight(&self) -> &BTreeMap<B256, InFlightTx> {
        &self.in_flight
    }

    /// Whether `pos` is reserved by a payment in flight.
    #[must_use]
    pub fn is_reserved(&self, pos: &UtxoPos) -> bool {
        self.reserved.contains(pos)
    }

    /// Sum of every owned output (reserved ones included).
    #[must_use]
    pub fn balance(&self) -> U256 {
        self.outputs.values().fold(U256::ZERO, |sum, o| sum.saturating_add(o.amount))
    }

    /// Sum of the outputs a new payment may use.
    #[must_use]
    pub fn spendable(&self) -> U256 {
        self.available().fold(U256::ZERO, |sum, (_, amount)| sum.saturating_add(amount))
    }

    fn key(&self) -> Result<&SigningKey> {
        self.key.as_ref().ok_or(MoreVpError::NoKey(self.address))
    }

    fn available(&self) -> impl Iterator<Item = (UtxoPos, U256)> + '_ {
        self.outputs.iter().filter(|(p, _)| !self.reserved.contains(p)).map(|(p, o)| (*p, o.amount))
    }

    /// Records a deposit made by this wallet's owner.
    ///
    /// Rejects a deposit by someone else ([`MoreVpError::NotMine`]), a zero amount and a deposit
    /// already recorded.
    pub fn add_deposit(&mut self, deposit: &DepositEvent) -> Result<UtxoPos> {
        let pos = UtxoPos::deposit(deposit.blknum)?;
        if deposit.depositor != self.address {
            return Err(MoreVpError::NotMine(pos));
        }
        if deposit.amount.is_zero() {
            return Err(MoreVpError::ZeroDeposit(deposit.blknum));
        }
        if self.outputs.contains_key(&pos) {
            return Err(MoreVpError::DuplicateBlock(deposit.blknum));
        }
        self.outputs.insert(pos, OwnedOutput { amount: deposit.amount, origin: OutputOrigin::Deposit });
        Ok(pos)
    }

    /// The [`InputProof`] of the owned output `pos`: its creating transaction and inclusion proof,
    /// or for a deposit the deposit input record and an empty proof.
    pub fn input_proof(&self, pos: UtxoPos) -> Result<InputProof> {
        let owned = self.outputs.get(&pos).ok_or(MoreVpError::UnknownOutput(pos))?;
        Ok(match &owned.origin {
            OutputOrigin::Deposit => {
                InputProof { tx: PaymentTx::deposit_record(self.address, owned.amount), proof: Bytes::new() }
            }
            OutputOrigin::Tx(witness) => {
                InputProof { tx: witness.tx.clone(), proof: witness.inclusion.proof.to_bytes() }
            }
        })
    }

    /// Signs every used input slot of `tx` with this wallet's key (for payments the wallet builds
    /// itself, or for scenarios such as an owner's double spend). Nothing is recorded.
    pub fn sign(&self, tx: PaymentTx) -> Result<SignedTx> {
        let key = self.key()?;
        let keys = vec![key; tx.used_inputs()];
        Ok(SignedTx::sign(tx, &self.domain, &keys))
    }

    /// Pays `amount` to `to`, leaving `fee` to the operator; see [`Wallet::pay_many`].
    pub fn pay(&mut self, to: Address, amount: U256, fee: U256) -> Result<SignedTx> {
        self.pay_many(&[Output::new(to, amount)], fee)
    }

    /// Pays every output of `payees` (at most four, or three when there is change), leaving `fee` to
    /// the operator, from at most four unreserved outputs; the change (if any) goes to the last
    /// output, owned by this wallet. The inputs are reserved and the transaction is kept in flight
    /// (with its input proofs) until [`Wallet::on_included`] or [`Wallet::cancel`].
    ///
    /// Coin selection: the smallest single output that covers the total, else the largest outputs
    /// first.
    pub fn pay_many(&mut self, payees: &[Output], fee: U256) -> Result<SignedTx> {
        if payees.is_empty() || payees.iter().any(|o| o.amount.is_zero()) {
            return Err(MoreVpError::InvalidPayment("zero amount"));
        }
        if payees.iter().any(|o| o.owner.is_zero()) {
            return Err(MoreVpError::InvalidPayment("zero recipient"));
        }
        let paid = checked_sum(payees.iter().map(|o| o.amount)).map_err(|_| MoreVpError::InvalidPayment("overflow"))?;
        let needed = paid.checked_add(fee).ok_or(MoreVpError::InvalidPayment("amount + fee overflows"))?;
        let (inputs, total) = self.select(needed)?;
        let change = total.saturating_sub(needed);
        let mut outputs = payees.to_vec();
        if !change.is_zero() {
            outputs.push(Output::new(self.address, change));
        }
        if outputs.len() > MAX_OUTPUTS {
            return Err(MoreVpError::InvalidPayment("more than four outputs with the change"));
        }
        let positions: Vec<UtxoPos> = inputs.iter().map(|(_, p)| *p).collect();
        let signed = self.sign(PaymentTx::payment(&positions, &outputs)?)?;
        let input_txs = positions.iter().map(|p| self.input_proof(*p)).collect::<Result<Vec<_>>>()?;
        self.reserved.extend(positions);
        let record = InFlightTx { signed: signed.clone(), input_txs, sender: true };
        self.in_flight.insert(signed.tx_hash(&self.domain), record);
        Ok(signed)
    }

    /// Up to four unreserved outputs worth at least `needed`, and their sum.
    fn select(&self, needed: U256) -> Result<(Vec<(U256, UtxoPos)>, U256)> {
        let mut candidates: Vec<(U256, UtxoPos)> = self.available().map(|(p, a)| (a, p)).collect();
        candidates.sort();
        if let Some(single) = candidates.iter().find(|(a, _)| *a >= needed) {
            return Ok((vec![*single], single.0));
        }
        let largest: Vec<(U256, UtxoPos)> = candidates.iter().rev().take(MAX_INPUTS).copied().collect();
        let mut total = U256::ZERO;
        for (count, (amount, _)) in largest.iter().enumerate() {
            total = total.saturating_add(*amount);
            if total >= needed {
                return Ok((largest[..=count].to_vec(), total));
            }
        }
        Err(MoreVpError::InsufficientFunds { available: total, needed })
    }

    /// Releases the inputs `tx` reserved and forgets it (the operator refused it, or it will never
    /// be included).
    pub fn cancel(&mut self, tx: &SignedTx) {
        for (_, input) in tx.tx.named_inputs() {
            self.reserved.remove(&input);
        }
        self.in_flight.remove(&tx.tx_hash(&self.domain));
    }

    /// What a recipient needs of the in-flight transaction `tx_hash` to exit it in flight: the
    /// signed transaction and its input proofs.
    pub fn handoff(&self, tx_hash: B256) -> Result<(SignedTx, Vec<InputProof>)> {
        let record = self.in_flight.get(&tx_hash).ok_or(MoreVpError::UnknownTx(tx_hash))?;
        Ok((record.signed.clone(), record.input_txs.clone()))
    }

    /// Keeps `signed`, a transaction paying this wallet that is not known to be included yet, with
    /// its input proofs, after checking that it is exitable: its shape, one signature per input
    /// recovering to the owner of the output that `input_txs[i]` shows it spends (a deposit input
    /// is shown by its deposit record and an empty proof, any other by a 512-byte proof),
    /// `Σ outputs ≤ Σ inputs`, and at least one output to this wallet. The roots the proofs lead
    /// to are the watcher's business. Returns the hash; nothing is kept on error.
    pub fn receive_in_flight(&mut self, signed: SignedTx, input_txs: Vec<InputProof>) -> Result<B256> {
        let shape = signed.tx.shape()?;
        if signed.sigs.len() != shape.input_count {
            return Err(Invalidity::SignatureCount { expected: shape.input_count, got: signed.sigs.len() }.into());
        }
        if input_txs.len() != shape.input_count {
            return Err(MoreVpError::InputProofCount { expected: shape.input_count, got: input_txs.len() });
        }
        let tx_hash = signed.tx_hash(&self.domain);
        let mut total_in = U256::ZERO;
        for (slot, ((input, proof), sig)) in (0u8..).zip(shape.inputs().zip(&input_txs).zip(&signed.sigs)) {
            let spent = shown_output(input, proof).ok_or(MoreVpError::BadInputProof { slot, input })?;
            let recovered =
                recover(tx_hash, sig).map_err(|e| Invalidity::BadSignature { slot, reason: e.to_string() })?;
            if recovered != spent.owner {
                return Err(Invalidity::WrongSigner { slot, expected: spent.owner, recovered }.into());
            }
            total_in = total_in.checked_add(spent.amount).ok_or(Invalidity::AmountOverflow)?;
        }
        let total_out = signed.tx.output_total()?;
        if total_out > total_in {
            return Err(Invalidity::ValueCreated { inputs: total_in, outputs: total_out }.into());
        }
        if !signed.tx.used_outputs().any(|(_, o)| o.owner == self.address) {
            return Err(MoreVpError::NotParty);
        }
        let sender = shape.inputs().any(|i| self.outputs.contains_key(&i));
        self.in_flight.entry(tx_hash).or_insert(InFlightTx { signed, input_txs, sender });
        Ok(tx_hash)
    }

    /// Settles `signed`, included as `inclusion` proves (in a block the caller's watcher
    /// validated): forgets the wallet's outputs it spends, records the outputs it pays this wallet
    /// (with `inclusion` as their exit witness) and drops the in-flight record. Returns the
    /// positions recorded. [`MoreVpError::NotIncluded`] if the proof does not verify,
    /// [`MoreVpError::NotParty`] if the transaction neither spends nor pays this wallet; nothing
    /// changes on error.
    pub fn on_included(&mut self, signed: &SignedTx, inclusion: &Inclusion) -> Result<Vec<UtxoPos>> {
        let tx_pos = inclusion.tx_pos()?;
        let tx_hash = signed.tx_hash(&self.domain);
        if !inclusion.verifies_leaf(tx_hash) {
            return Err(MoreVpError::NotIncluded { blknum: inclusion.blknum, txindex: inclusion.txindex });
        }
        let spent: Vec<UtxoPos> =
            signed.tx.named_inputs().map(|(_, p)| p).filter(|p| self.outputs.contains_key(p)).collect();
        let mine: Vec<(UtxoPos, U256)> = signed
            .tx
            .used_outputs()
            .filter(|(_, o)| o.owner == self.address)
            .filter_map(|(i, o)| Some((tx_pos.with_oindex(i).ok()?, o.amount)))
            .collect();
        if spent.is_empty() && mine.is_empty() {
            return Err(MoreVpError::NotParty);
        }
        for pos in spent {
            self.outputs.remove(&pos);
            self.reserved.remove(&pos);
        }
        let witness = TxWitness { tx: signed.tx.clone(), inclusion: *inclusion };
        let mut recorded = Vec::new();
        for (pos, amount) in mine {
            if self.outputs.contains_key(&pos) {
                continue;
            }
            let origin = OutputOrigin::Tx(Box::new(witness.clone()));
            self.outputs.insert(pos, OwnedOutput { amount, origin });
            recorded.push(pos);
        }
        self.in_flight.remove(&tx_hash);
        Ok(recorded)
    }

    /// `startStandardExit` arguments for the transaction output `pos`.
    pub fn standard_exit_args(&self, pos: UtxoPos) -> Result<StandardExit> {
        let owned = self.outputs.get(&pos).ok_or(MoreVpError::UnknownOutput(pos))?;
        let OutputOrigin::Tx(witness) = &owned.origin else {
            return Err(MoreVpError::WrongOutputKind { pos, actual: "a deposit", wanted: "a transaction output" });
        };
        Ok(StandardExit { utxo_pos: pos, tx: witness.tx.clone(), proof: witness.inclusion.proof.to_bytes() })
    }

    /// `startDepositExit` arguments for the deposit output `pos`.
    pub fn deposit_exit_args(&self, pos: UtxoPos) -> Result<DepositExit> {
        let owned = self.outputs.get(&pos).ok_or(MoreVpError::UnknownOutput(pos))?;
        match owned.origin {
            OutputOrigin::Deposit => {
                Ok(DepositExit { blknum: pos.blknum(), owner: self.address, amount: owned.amount })
            }
            OutputOrigin::Tx(_) => {
                Err(MoreVpError::WrongOutputKind { pos, actual: "a transaction output", wanted: "a deposit" })
            }
        }
    }

    /// The exit of the owned output `pos`, whichever kind it is.
    pub fn exit_call(&self, pos: UtxoPos) -> Result<ExitCall> {
        if pos.is_deposit() {
            self.deposit_exit_args(pos).map(ExitCall::StartDepositExit)
        } else {
            self.standard_exit_args(pos).map(ExitCall::StartStandardExit)
        }
    }

    /// `startInFlightExit` arguments for the in-flight transaction `tx_hash`.
    /// [`MoreVpError::AmountTooLarge`] if an amount does not fit in `uint96`.
    pub fn in_flight_exit_args(&self, tx_hash: B256) -> Result<InFlightExit> {
        let record = self.in_flight.get(&tx_hash).ok_or(MoreVpError::UnknownTx(tx_hash))?;
        let exit = InFlightExit {
            tx: record.signed.tx.clone(),
            sigs: record.signed.sigs_bytes(),
            input_txs: record.input_txs.clone(),
        };
        exit.check_amounts()?;
        Ok(exit)
    }

    /// The piggybacks this wallet may make on an in-flight exit of `tx`: each input it owns (an
    /// output it holds, or one an in-flight record shows it owned) and each output it owns.
    /// Which of them to make is the watcher's decision
    /// ([`Finding::PiggybackAvailable`](crate::watcher::Finding::PiggybackAvailable)).
    #[must_use]
    pub fn piggybacks(&self, tx: &PaymentTx) -> Vec<Piggyback> {
        let record = self.in_flight.get(&tx.hash(&self.domain));
        let owns_input = |slot: u8, pos: UtxoPos| {
            self.outputs.contains_key(&pos)
                || record
                    .and_then(|r| r.input_txs.get(usize::from(slot)))
                    .and_then(|p| shown_output(pos, p))
                    .is_some_and(|o| o.owner == self.address)
        };
        let inputs = tx.named_inputs().filter(|(slot, pos)| owns_input(*slot, *pos)).map(|(index, _)| (index, false));
        let outputs = tx.used_outputs().filter(|(_, o)| o.owner == self.address).map(|(index, _)| (index, true));
        inputs
            .chain(outputs)
            .map(|(index, is_output)| Piggyback { tx: tx.clone(), index, is_output, owner: self.address })
            .collect()
    }

    /// `respondToNonCanonicalChallenge` arguments for `tx_hash`, a transaction that created one of
    /// this wallet's outputs: its inclusion, which a challenge with a younger competitor cannot
    /// beat.
    pub fn response_args(&self, tx_hash: B256) -> Result<CanonicityResponse> {
        let witness = self
            .outputs
            .values()
            .filter_map(|o| match &o.origin {
                OutputOrigin::Tx(witness) => Some(witness),
                OutputOrigin::Deposit => None,
            })
            .find(|w| w.tx.hash(&self.domain) == tx_hash)
            .ok_or(MoreVpError::UnknownTx(tx_hash))?;
        Ok(CanonicityResponse {
            tx: witness.tx.clone(),
            tx_pos: witness.inclusion.tx_pos()?,
            proof: witness.inclusion.proof.to_bytes(),
        })
    }

    /// Every exit the wallet can start on its own, in order: standard and deposit exits of the
    /// outputs not reserved by a payment in flight (a standard exit of a reserved output would be
    /// challenged with that payment), then the in-flight exits of the transactions it sent.
    #[must_use]
    pub fn exit_calls(&self) -> Vec<ExitCall> {
        let outputs = self.available().filter_map(|(pos, _)| self.exit_call(pos).ok());
        let in_flight = self
            .in_flight
            .iter()
            .filter(|(_, r)| r.sender)
            .filter_map(|(hash, _)| self.in_flight_exit_args(*hash).ok().map(ExitCall::StartInFlightExit));
        outputs.chain(in_flight).collect()
    }

    /// Forgets output `pos` (after its exit was paid); returns it if it was held.
    pub fn forget(&mut self, pos: UtxoPos) -> Option<OwnedOutput> {
        self.reserved.remove(&pos);
        self.outputs.remove(&pos)
    }

    /// What the wallet must keep to stay safe, in bytes: [`DEPOSIT_OUTPUT_BYTES`] per deposit,
    /// [`TX_OUTPUT_BYTES`] per transaction output, and per in-flight transaction the signed
    /// transaction with its input proofs ([`InFlightTx::stored_bytes`]).
    #[must_use]
    pub fn stored_bytes(&self) -> usize {
        let outputs: usize = self
            .outputs
            .values()
            .map(|o| match o.origin {
                OutputOrigin::Deposit => DEPOSIT_OUTPUT_BYTES,
                OutputOrigin::Tx(_) => TX_OUTPUT_BYTES,
            })
            .sum();
        outputs + self.in_flight.values().map(InFlightTx::stored_bytes).sum::<usize>()
    }
}

/// The output that `proof` shows `input` to be: output 0 of a deposit input record with an empty
/// proof for a deposit, output `oindex` of the creating transaction with a 512-byte proof
/// otherwise. `None` when the proof has the wrong form (the inclusion itself is checked against
/// the block root by whoever knows it).
#[must_use]
pub fn shown_output(input: UtxoPos, proof: &InputProof) -> Option<Output> {
    if input.is_deposit() {
        let record = PaymentTx::deposit_record(proof.tx.owner0, proof.tx.amount0);
        (proof.proof.is_empty() && proof.tx == record).then_some(Output::new(record.owner0, record.amount0))
    } else {
        (proof.proof.len() == PROOF_LEN).then(|| proof.tx.output(input.oindex())).flatten()
    }
}
