//! One user's MVP client: its outputs with everything needed to exit them, payments and
//! confirmations.
//!
//! A [`Wallet`] keeps, for every output it owns, what `startExit` needs: the creating
//! [`SignedTx`], the block root and inclusion proof ([`Inclusion`]) and the confirmation signatures
//! of the inputs' owners, handed over by the sender. It also keeps the confirmations it gave.
//!
//! A payment from A to B goes:
//!
//! 1. `let tx = a.pay(b, amount, fee)?` (coin selection, change back to A; the inputs are reserved;
//!    each input that A received in a transaction carries the confirmations A received with it,
//!    the parent confirmations of protocols.md 1.3); the operator accepts it (or `a.cancel(&tx)`
//!    releases the inputs);
//! 2. once the block is numbered: `let conf = a.confirm(&tx, inclusion.root)?` — A signs
//!    `Confirmation(txHash, blockRoot)` for its inputs and drops them;
//! 3. `b.receive(&tx, &inclusion, conf)?` and, for the change, `a.receive(&tx, &inclusion, conf)?`:
//!    the proof and every confirmation are checked before an output is recorded.
//!
//! Before step 2, a user who sees an invalid or withheld block should exit instead of confirming:
//! the unconfirmed inputs stay in the wallet and [`Wallet::exit_claims`] covers them.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, Bytes, U256};
use plasma_core::{BlockNumber, DepositEvent, Domain, Signature, SigningKey, recover};
use serde::{Deserialize, Serialize};

use crate::{
    block::Inclusion,
    error::{Invalidity, MvpError, Result},
    game::{DepositExit, ExitClaim, MvpExit},
    tx::{
        Output, ParentConfirmations, SIG_LEN, SIG_PAIR_LEN, SignedTx, TX_LEN, Transaction, TransactionExt, UtxoPos,
        confirmation_digest, encode_sig_pair,
    },
};

/// Bytes accounted for a deposit output: position and amount.
pub const DEPOSIT_OUTPUT_BYTES: usize = 32 + 32;

/// Bytes accounted for a transaction output: position, amount, signed transaction without its
/// parent confirmations (322: an exit does not need them, and the wallet does not keep them), block
/// root, proof (512) and the two confirmation slots (130).
pub const TX_OUTPUT_BYTES: usize = 32 + 32 + TX_LEN + SIG_PAIR_LEN + 32 + 512 + 2 * SIG_LEN;

/// Bytes accounted for a confirmation given: input position, transaction hash, block root and the
/// signature.
pub const GIVEN_CONFIRMATION_BYTES: usize = 32 + 32 + 32 + SIG_LEN;

/// The exit witness of an output created by a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxWitness {
    /// The creating transaction, without its parent confirmations.
    pub tx: SignedTx,
    /// Its block, index, root and proof.
    pub inclusion: Inclusion,
    /// The confirmations of its inputs' owners, per input slot.
    pub confirm_sigs: [Option<Signature>; 2],
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

/// A confirmation this wallet signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GivenConfirmation {
    /// The wallet's output that the transaction spent.
    pub input: UtxoPos,
    /// The spending transaction.
    pub tx_hash: B256,
    /// The root of the block that includes it.
    pub block_root: B256,
    /// The confirmation signature.
    pub signature: Signature,
}

/// One user's client.
#[derive(Clone, Debug)]
pub struct Wallet {
    key: Option<SigningKey>,
    address: Address,
    domain: Domain,
    outputs: BTreeMap<UtxoPos, OwnedOutput>,
    reserved: BTreeSet<UtxoPos>,
    given: Vec<GivenConfirmation>,
}

impl Wallet {
    /// The wallet of `key`'s owner on the deployment `domain`.
    #[must_use]
    pub fn new(key: SigningKey, domain: Domain) -> Self {
        Self {
            address: key.address(),
            key: Some(key),
            domain,
            outputs: BTreeMap::new(),
            reserved: BTreeSet::new(),
            given: Vec::new(),
        }
    }

    /// A wallet that records and exits `address`'s outputs but cannot pay or confirm until
    /// [`Wallet::set_key`] gives it the key.
    #[must_use]
    pub const fn watch_only(address: Address, domain: Domain) -> Self {
        Self { key: None, address, domain, outputs: BTreeMap::new(), reserved: BTreeSet::new(), given: Vec::new() }
    }

    /// Gives a watch-only wallet its key; [`MvpError::NoKey`] if the key is not the wallet's.
    pub fn set_key(&mut self, key: SigningKey) -> Result<()> {
        if key.address() != self.address {
            return Err(MvpError::NoKey(self.address));
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

    /// Every output owned, including those reserved by a payment not yet confirmed.
    #[must_use]
    pub const fn outputs(&self) -> &BTreeMap<UtxoPos, OwnedOutput> {
        &self.outputs
    }

    /// Whether `pos` is reserved by a payment not yet confirmed or cancelled.
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

    /// The confirmations this wallet signed.
    #[must_use]
    pub fn given_confirmations(&self) -> &[GivenConfirmation] {
        &self.given
    }

    fn key(&self) -> Result<&SigningKey> {
        self.key.as_ref().ok_or(MvpError::NoKey(self.address))
    }

    fn available(&self) -> impl Iterator<Item = (UtxoPos, U256)> + '_ {
        self.outputs.iter().filter(|(p, _)| !self.reserved.contains(p)).map(|(p, o)| (*p, o.amount))
    }

    /// Records a deposit made by this wallet's owner.
    ///
    /// Rejects a deposit by someone else ([`MvpError::NotMine`]), a zero amount and a deposit
    /// already recorded.
    pub fn add_deposit(&mut self, deposit: &DepositEvent) -> Result<UtxoPos> {
        let pos = UtxoPos::deposit(deposit.blknum)?;
        if deposit.depositor != self.address {
            return Err(MvpError::NotMine(pos));
        }
        if deposit.amount.is_zero() {
            return Err(MvpError::ZeroDeposit(deposit.blknum));
        }
        if self.outputs.contains_key(&pos) {
            return Err(MvpError::DuplicateBlock(deposit.blknum));
        }
        self.outputs.insert(pos, OwnedOutput { amount: deposit.amount, origin: OutputOrigin::Deposit });
        Ok(pos)
    }

    /// Signs every present input slot of `tx` with this wallet's key (for payments the wallet
    /// builds itself, or for scenarios such as an owner's double spend) and attaches the parent
    /// confirmations it holds ([`Wallet::parent_confirmations`]).
    pub fn sign(&self, tx: Transaction) -> Result<SignedTx> {
        let key = self.key()?;
        let present = [!tx.input0.is_zero(), !tx.input1.is_zero()];
        let parents = self.parent_confirmations(&tx);
        Ok(SignedTx::sign(tx, &self.domain, present.map(|p| p.then_some(key))).with_parent_confirmations(parents))
    }

    /// The parent confirmations of a spend of `tx`'s inputs, as far as this wallet holds them: for
    /// each input that is an output the wallet received in a transaction, the confirmations it
    /// received with it ([`TxWitness::confirm_sigs`]); nothing for a deposit, an absent input or an
    /// output the wallet does not hold.
    #[must_use]
    pub fn parent_confirmations(&self, tx: &Transaction) -> ParentConfirmations {
        [tx.input0, tx.input1].map(|input| {
            let owned = UtxoPos::decode(input).ok().and_then(|pos| self.outputs.get(&pos));
            match owned.map(|o| &o.origin) {
                Some(OutputOrigin::Tx(witness)) => witness.confirm_sigs,
                Some(OutputOrigin::Deposit) | None => [None, None],
            }
        })
    }

    /// Pays `amount` to `to`, leaving `fee` to the operator, from at most two unreserved outputs;
    /// the change (if any) goes to output 1, owned by this wallet. The transaction carries the
    /// parent confirmations of its inputs (the confirmations received with each, none for a
    /// deposit). The inputs are reserved until [`Wallet::confirm`] or [`Wallet::cancel`].
    ///
    /// Coin selection: the smallest single output that covers `amount + fee`, else the largest
    /// output with the smallest other one that completes it.
    pub fn pay(&mut self, to: Address, amount: U256, fee: U256) -> Result<SignedTx> {
        if amount.is_zero() {
            return Err(MvpError::InvalidPayment("zero amount"));
        }
        if to.is_zero() {
            return Err(MvpError::InvalidPayment("zero recipient"));
        }
        let needed = amount.checked_add(fee).ok_or(MvpError::InvalidPayment("amount + fee overflows"))?;
        let mut candidates: Vec<(U256, UtxoPos)> = self.available().map(|(p, a)| (a, p)).collect();
        candidates.sort();
        let (first, second) = if let Some(single) = candidates.iter().find(|(a, _)| *a >= needed) {
            (*single, None)
        } else {
            let Some((&largest, others)) = candidates.split_last() else {
                return Err(MvpError::InsufficientFunds { available: U256::ZERO, needed });
            };
            match others.iter().find(|(a, _)| a.saturating_add(largest.0) >= needed) {
                Some(partner) => (largest, Some(*partner)),
                None => {
                    let best = others.last().map_or(largest.0, |o| o.0.saturating_add(largest.0));
                    return Err(MvpError::InsufficientFunds { available: best, needed });
                }
            }
        };
        let total = first.0.saturating_add(second.map_or(U256::ZERO, |s| s.0));
        let change = total.saturating_sub(needed);
        let tx = Transaction::payment(
            first.1,
            second.map(|(_, p)| p),
            Output::new(to, amount),
            (!change.is_zero()).then(|| Output::new(self.address, change)),
        );
        let signed = self.sign(tx)?;
        self.reserved.insert(first.1);
        self.reserved.extend(second.map(|(_, p)| p));
        Ok(signed)
    }

    /// Releases the inputs `tx` reserved (the operator refused it, or it will never be included).
    pub fn cancel(&mut self, tx: &SignedTx) {
        for input in [tx.tx.input0, tx.tx.input1] {
            if let Ok(pos) = UtxoPos::decode(input) {
                self.reserved.remove(&pos);
            }
        }
    }

    /// [`Wallet::confirm`], only when `watcher` (the user's) has validated block `blknum` as valid
    /// and knows of no fault (invalid or withheld block) up to it: a confirmation signed before the
    /// block is checked could stand behind an invalid transaction placed ahead of the payment, and
    /// after a fault the user exits instead ([`MvpError::NotValidated`]).
    pub fn confirm_validated(
        &mut self,
        tx: &SignedTx,
        block_root: B256,
        blknum: BlockNumber,
        watcher: &crate::watcher::Watcher,
    ) -> Result<[Option<Signature>; 2]> {
        let valid = watcher.status(blknum) == Some(crate::watcher::BlockStatus::Valid)
            && watcher.block(blknum).is_some_and(|b| b.root() == block_root)
            && watcher.first_fault().is_none();
        if !valid {
            return Err(MvpError::NotValidated(blknum));
        }
        self.confirm(tx, block_root)
    }

    /// Confirms `tx`, included in the block with root `block_root`: signs
    /// `Confirmation(txHash, blockRoot)` for each input slot that spends one of this wallet's
    /// outputs *and* carries this wallet's signature, forgets those outputs and records the
    /// confirmations given. Returns the confirmations per slot (`None` for the others' slots), to
    /// be merged and handed to the recipients. Confirming again returns the same signatures.
    ///
    /// The caller vouches that `tx` is included under `block_root` in a block it validated; a client
    /// calls [`Wallet::confirm_validated`], which checks that with the user's watcher.
    pub fn confirm(&mut self, tx: &SignedTx, block_root: B256) -> Result<[Option<Signature>; 2]> {
        let key = self.key()?.clone();
        let tx_hash = tx.tx_hash(&self.domain);
        let slots = tx.tx.inputs().map_err(MvpError::InvalidTx)?;
        let digest = confirmation_digest(&self.domain, tx_hash, block_root);
        let mut out = [None; 2];
        for ((input, sig), conf) in slots.iter().zip(&tx.sigs).zip(out.iter_mut()) {
            let (Some(input), Some(sig)) = (input, sig) else { continue };
            let known = self.outputs.contains_key(input)
                || self.given.iter().any(|g| g.input == *input && g.tx_hash == tx_hash && g.block_root == block_root);
            if known && recover(tx_hash, sig).ok() == Some(self.address) {
                *conf = Some(key.sign_digest(digest));
            }
        }
        if out.iter().all(Option::is_none) {
            return Err(MvpError::NothingToConfirm);
        }
        for (input, conf) in slots.iter().zip(&out) {
            if let (Some(input), Some(signature)) = (input, conf) {
                self.outputs.remove(input);
                self.reserved.remove(input);
                let given = GivenConfirmation { input: *input, tx_hash, block_root, signature: *signature };
                if !self.given.contains(&given) {
                    self.given.push(given);
                }
            }
        }
        Ok(out)
    }

    /// Records the outputs of `tx` owned by this wallet (payment, change or both), after checking
    /// that `inclusion` proves `tx` in its block and that `confirm_sigs` holds, for every input, a
    /// confirmation by the input's signer over `(txHash, inclusion.root)`. Returns the positions
    /// recorded (outputs already held are skipped). Nothing is recorded on error. `tx`'s own
    /// parent confirmations are neither checked (the block's validity covers them) nor kept.
    pub fn receive(
        &mut self,
        tx: &SignedTx,
        inclusion: &Inclusion,
        confirm_sigs: [Option<Signature>; 2],
    ) -> Result<Vec<UtxoPos>> {
        let tx_pos = inclusion.tx_pos()?;
        if !inclusion.verifies(tx, &self.domain) {
            return Err(MvpError::NotIncluded { blknum: inclusion.blknum, txindex: inclusion.txindex });
        }
        let tx_hash = tx.tx_hash(&self.domain);
        let digest = confirmation_digest(&self.domain, tx_hash, inclusion.root);
        let slots = tx.tx.inputs().map_err(MvpError::InvalidTx)?;
        for ((slot, input), (sig, conf)) in (0u8..).zip(slots).zip(tx.sigs.iter().zip(&confirm_sigs)) {
            if input.is_none() {
                continue;
            }
            let sig = sig.as_ref().ok_or(MvpError::InvalidTx(Invalidity::MissingSignature { slot }))?;
            let signer = recover(tx_hash, sig)?;
            let conf = conf.as_ref().ok_or(MvpError::MissingConfirmation { slot })?;
            if recover(digest, conf).ok() != Some(signer) {
                return Err(MvpError::BadConfirmation { slot });
            }
        }
        let mine: Vec<(UtxoPos, U256)> = (0..2u8)
            .filter_map(|oindex| {
                let output = tx.tx.output(oindex).filter(|o| o.owner == self.address)?;
                Some((tx_pos.with_oindex(oindex).ok()?, output.amount))
            })
            .collect();
        if mine.is_empty() {
            return Err(MvpError::NotRecipient);
        }
        let witness = TxWitness { tx: tx.without_parent_confirmations(), inclusion: *inclusion, confirm_sigs };
        let mut recorded = Vec::new();
        for (pos, amount) in mine {
            if self.outputs.contains_key(&pos) {
                continue;
            }
            let origin = OutputOrigin::Tx(Box::new(witness.clone()));
            self.outputs.insert(pos, OwnedOutput { amount, origin });
            recorded.push(pos);
        }
        Ok(recorded)
    }

    /// `startExit` arguments for the transaction output `pos`.
    pub fn exit_args(&self, pos: UtxoPos) -> Result<MvpExit> {
        let owned = self.outputs.get(&pos).ok_or(MvpError::UnknownOutput(pos))?;
        let OutputOrigin::Tx(witness) = &owned.origin else {
            return Err(MvpError::WrongOutputKind { pos, actual: "a deposit", wanted: "a transaction output" });
        };
        Ok(MvpExit {
            utxo_pos: pos,
            tx: witness.tx.tx.clone(),
            sigs: Bytes::copy_from_slice(&witness.tx.sigs_bytes()),
            proof: witness.inclusion.proof.to_bytes(),
            confirm_sigs: Bytes::copy_from_slice(&encode_sig_pair(&witness.confirm_sigs)),
        })
    }

    /// `startDepositExit` arguments for the deposit output `pos`.
    pub fn deposit_exit_args(&self, pos: UtxoPos) -> Result<DepositExit> {
        let owned = self.outputs.get(&pos).ok_or(MvpError::UnknownOutput(pos))?;
        match owned.origin {
            OutputOrigin::Deposit => Ok(DepositExit { blknum: pos.blknum(), amount: owned.amount }),
            OutputOrigin::Tx(_) => {
                Err(MvpError::WrongOutputKind { pos, actual: "a transaction output", wanted: "a deposit" })
            }
        }
    }

    /// The exit of `pos`, whichever kind it is.
    pub fn exit_claim(&self, pos: UtxoPos) -> Result<ExitClaim> {
        if pos.is_deposit() {
            self.deposit_exit_args(pos).map(ExitClaim::Deposit)
        } else {
            self.exit_args(pos).map(ExitClaim::Tx)
        }
    }

    /// Exits of every output held (reserved ones included: an unconfirmed spend cannot be used to
    /// challenge), in position order.
    #[must_use]
    pub fn exit_claims(&self) -> Vec<ExitClaim> {
        self.outputs.keys().filter_map(|pos| self.exit_claim(*pos).ok()).collect()
    }

    /// Forgets output `pos` (after its exit was paid); returns it if it was held.
    pub fn forget(&mut self, pos: UtxoPos) -> Option<OwnedOutput> {
        self.reserved.remove(&pos);
        self.outputs.remove(&pos)
    }

    /// What the wallet must keep to stay safe, in bytes: [`DEPOSIT_OUTPUT_BYTES`] per deposit,
    /// [`TX_OUTPUT_BYTES`] per transaction output and [`GIVEN_CONFIRMATION_BYTES`] per confirmation
    /// given.
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
        outputs + self.given.len() * GIVEN_CONFIRMATION_BYTES
    }
}
