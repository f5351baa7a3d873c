//! The MVP watcher: full validation of every published block, exit alerts and challenges.
//!
//! A [`Watcher`] keeps its own replica of the UTXO set, fed by deposits and by the published
//! blocks, in block order. For each submitted block ([`Watcher::on_block_submitted`]) it takes the
//! published data ([`Watcher::on_block_data`], or [`Watcher::sync`] from an [`Operator`]'s
//! publication) and reports [`Finding`]s:
//!
//! - [`Finding::BlockWithheld`]: the block was submitted on chain but its data is not published;
//! - [`Finding::RootMismatch`]: the published data does not hash to the submitted root (as good
//!   as withheld);
//! - [`Finding::InvalidTx`]: a transaction breaks a validity rule (bad signature, unknown input,
//!   input spent in an earlier block, value created, missing or wrong parent confirmations, …);
//! - [`Finding::DoubleSpend`]: two transactions of the same block spend the same output.
//!
//! This is the MVP safety rule: on the first bad or withheld block, the user must exit every
//! output it holds, and never confirm a spend included at or after that block. The
//! [`BlockReport::exit_now`] list names the watched users' outputs to exit: those unspent in the
//! replica, plus those spent at or after the first faulty block (their spends must stay
//! unconfirmed, so no challenge can touch their exits).
//!
//! Valid transactions of a bad block are still applied so that later blocks are judged fairly;
//! invalid ones are not (their outputs stay unknown). A withheld block cannot be validated later.
//!
//! Challenges: the watcher indexes every spend it sees in published blocks (valid or not — the
//! contract only checks the owner's signature and confirmation) and collects confirmation
//! signatures: its users' own ([`Watcher::learn_confirmation`]), those every exit publishes
//! ([`Watcher::on_exit_started`] reads them from `ExitStarted`) and the parent confirmations every
//! published transaction carries for its inputs ([`Watcher::on_block_data`]; the sybil
//! self-transfer drain fixes of protocols.md 1.3 depend on both: a self-transfer `A → B` whose
//! output is spent on, `B → C`, has its confirmation published in `B → C`'s block, so an exit of
//! `A` is challengeable whether it started before or after that block). An open exit is
//! challengeable when a spend of its output is signed by the exit's owner and a known
//! confirmation of that spend by the owner verifies.
//!
//! Feed the root-chain events in log order: `BlockSubmitted` ([`Watcher::on_block_submitted`]),
//! `DepositCreated` ([`Watcher::on_deposit`]), `ExitStarted` ([`Watcher::on_exit_started`]),
//! `ExitChallenged` and `ExitFinalized` ([`Watcher::on_exit_closed`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use alloy_primitives::{Address, B256, Bytes, U256};
use plasma_core::{BlockNumber, BlockSubmittedEvent, DepositEvent, Domain, Signature, is_child_block, recover};
use serde::{Deserialize, Serialize};

use crate::{
    block::Block,
    error::{Invalidity, MvpError, Result},
    game::{Challenge, ObservedExit},
    ledger::Ledger,
    operator::Operator,
    tx::{Output, SignedTx, TransactionExt, UtxoPos, confirmation_digest, decode_sig_pair},
};

/// Something wrong with the child chain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Finding {
    /// Block `blknum` was submitted but its data was not published.
    BlockWithheld {
        /// The block.
        blknum: BlockNumber,
    },
    /// The published data of `blknum` does not hash to the submitted root (`published` is `None`
    /// when it is not even a valid block, e.g. more than 65,536 transactions).
    RootMismatch {
        /// The block.
        blknum: BlockNumber,
        /// The root on the root chain.
        submitted: B256,
        /// The root of the published data.
        published: Option<B256>,
    },
    /// Transaction `txindex` of block `blknum` is invalid.
    InvalidTx {
        /// The block.
        blknum: BlockNumber,
        /// The transaction's index.
        txindex: u16,
        /// The broken rule.
        reason: Invalidity,
    },
    /// Two transactions of block `blknum` spend `input`.
    DoubleSpend {
        /// The block.
        blknum: BlockNumber,
        /// The output spent twice.
        input: UtxoPos,
        /// Position of the first (valid) spend.
        first: UtxoPos,
        /// Position of the second spend.
        second: UtxoPos,
    },
}

/// The watcher's verdict on a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlockStatus {
    /// Every transaction is valid.
    Valid,
    /// At least one transaction is invalid.
    Invalid,
    /// The data is missing or does not match the root.
    Withheld,
}

/// The outcome of checking one block.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockReport {
    /// The block.
    pub blknum: BlockNumber,
    /// The verdict.
    pub status: BlockStatus,
    /// Everything found wrong (empty for a valid block).
    pub findings: Vec<Finding>,
    /// The watched users' outputs to exit now (empty for a valid block).
    pub exit_now: Vec<UtxoPos>,
    /// Challenges against open exits that this block newly makes possible: its spends, and the
    /// confirmations published in its data (the parent confirmations of its transactions). Like
    /// those of [`Watcher::on_exit_started`], each is returned once.
    pub challenges: Vec<Challenge>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct SpendRef {
    tx_pos: UtxoPos,
    slot: u8,
}

/// A watcher for a set of users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watcher {
    domain: Domain,
    users: BTreeSet<Address>,
    ledger: Ledger,
    submitted: BTreeMap<BlockNumber, BlockSubmittedEvent>,
    verdicts: BTreeMap<BlockNumber, BlockStatus>,
    blocks: BTreeMap<BlockNumber, Block>,
    spends: BTreeMap<UtxoPos, Vec<SpendRef>>,
    confirmations: HashMap<B256, Vec<Signature>>,
    open_exits: BTreeMap<UtxoPos, ObservedExit>,
    issued: BTreeSet<UtxoPos>,
    first_fault: Option<BlockNumber>,
    /// Outputs whose exit started, each with the newest child block submitted before it: every
    /// later block must treat the output as being exited (validity rule 4), while blocks up to
    /// that one were committed before the exit and may still spend it (and so challenge it).
    exit_marks: plasma_core::ExitMarks<UtxoPos>,
    spent_after_fault: BTreeMap<UtxoPos, Output>,
}

impl Watcher {
    /// A watcher for the deployment `domain`, watching the outputs of `users`.
    #[must_use]
    pub fn new(domain: Domain, users: impl IntoIterator<Item = Address>) -> Self {
        Self {
            domain,
            users: users.into_iter().collect(),
            ledger: Ledger::new(),
            submitted: BTreeMap::new(),
            verdicts: BTreeMap::new(),
            blocks: BTreeMap::new(),
            spends: BTreeMap::new(),
            confirmations: HashMap::new(),
            open_exits: BTreeMap::new(),
            issued: BTreeSet::new(),
            first_fault: None,
            exit_marks: plasma_core::ExitMarks::default(),
            spent_after_fault: BTreeMap::new(),
        }
    }

    /// Adds a user to watch.
    pub fn watch(&mut self, user: Address) {
        self.users.insert(user);
    }

    /// The replica of the UTXO set.
    #[must_use]
    pub const fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The first faulty (invalid or withheld) block, if any.
    #[must_use]
    pub const fn first_fault(&self) -> Option<BlockNumber> {
        self.first_fault
    }

    /// The verdict on `blknum`, once checked.
    #[must_use]
    pub fn status(&self, blknum: BlockNumber) -> Option<BlockStatus> {
        self.verdicts.get(&blknum).copied()
    }

    /// The published block `blknum`, if the watcher holds it.
    #[must_use]
    pub fn block(&self, blknum: BlockNumber) -> Option<&Block> {
        self.blocks.get(&blknum)
    }

    /// The open exits the watcher knows of.
    #[must_use]
    pub const fn open_exits(&self) -> &BTreeMap<UtxoPos, ObservedExit> {
        &self.open_exits
    }

    /// Records a deposit in the replica.
    pub fn on_deposit(&mut self, deposit: &DepositEvent) -> Result<UtxoPos> {
        let pos = UtxoPos::deposit(deposit.blknum)?;
        if deposit.amount.is_zero() {
            return Err(MvpError::ZeroDeposit(deposit.blknum));
        }
        if !self.ledger.create(pos, Output::new(deposit.depositor, deposit.amount)) {
            return Err(MvpError::DuplicateBlock(deposit.blknum));
        }
        Ok(pos)
    }

    /// Records a submitted child block; its data is checked by [`Watcher::on_block_data`]. The
    /// same event twice is harmless; another root under a known number is
    /// [`MvpError::DuplicateBlock`].
    pub fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> Result<()> {
        if !is_child_block(event.blknum) {
            return Err(MvpError::NotChildBlock(event.blknum));
        }
        match self.submitted.get(&event.blknum) {
            Some(known) if known == event => Ok(()),
            Some(_) => Err(MvpError::DuplicateBlock(event.blknum)),
            None => {
                self.submitted.insert(event.blknum, *event);
                Ok(())
            }
        }
    }

    /// The next submitted block waiting for a verdict.
    #[must_use]
    pub fn next_unchecked(&self) -> Option<BlockNumber> {
        self.submitted.keys().find(|b| !self.verdicts.contains_key(b)).copied()
    }

    /// Checks the published data of block `blknum` (`None`: not published) against the submitted
    /// root and the replica, applies its valid transactions, learns the parent confirmations its
    /// transactions carry and reports (with the challenges those confirmations make possible).
    /// Blocks are checked in order: `blknum` must be [`Watcher::next_unchecked`].
    pub fn on_block_data(&mut self, blknum: BlockNumber, txs: Option<&[SignedTx]>) -> Result<BlockReport> {
        let submitted = *self.submitted.get(&blknum).ok_or(MvpError::UnknownBlock(blknum))?;
        if self.verdicts.contains_key(&blknum) {
            return Err(MvpError::DuplicateBlock(blknum));
        }
        let expected = self.next_unchecked().ok_or(MvpError::DuplicateBlock(blknum))?;
        if expected != blknum {
            return Err(MvpError::OutOfOrder { expected, got: blknum });
        }
        let block = match txs {
            None => return Ok(self.conclude(blknum, BlockStatus::Withheld, vec![Finding::BlockWithheld { blknum }])),
            Some(txs) => match Block::new(txs.to_vec(), &self.domain) {
                Ok(block) if block.root() == submitted.root => block,
                built => {
                    let published = built.ok().map(|b| b.root());
                    let finding = Finding::RootMismatch { blknum, submitted: submitted.root, published };
                    return Ok(self.conclude(blknum, BlockStatus::Withheld, vec![finding]));
                }
            },
        };

        self.apply_exit_marks(blknum);
        let mut findings = Vec::new();
        let mut busy: BTreeMap<UtxoPos, UtxoPos> = BTreeMap::new();
        let mut valid = Vec::new();
        for (txindex, (tx, hash)) in (0u16..).zip(block.txs().iter().zip(block.tx_hashes())) {
            let tx_pos = UtxoPos::tx(blknum, u64::from(txindex))?;
            for (slot, input) in (0u8..).zip([tx.tx.input0, tx.tx.input1]) {
                if let Ok(input) = UtxoPos::decode(input) {
                    self.spends.entry(input).or_default().push(SpendRef { tx_pos, slot });
                }
            }
            match self.ledger.check(tx, *hash, Some(blknum), |p| busy.contains_key(p)) {
                Ok(checked) => {
                    busy.extend(checked.inputs.iter().map(|(p, _)| (*p, tx_pos)));
                    valid.push((txindex, checked));
                }
                Err(Invalidity::PendingInput(input)) => {
                    let first = busy.get(&input).copied().unwrap_or(tx_pos);
                    findings.push(Finding::DoubleSpend { blknum, input, first, second: tx_pos });
                }
                Err(reason) => findings.push(Finding::InvalidTx { blknum, txindex, reason }),
            }
        }
        let status = if findings.is_empty() { BlockStatus::Valid } else { BlockStatus::Invalid };
        if status == BlockStatus::Invalid && self.first_fault.is_none() {
            self.first_fault = Some(blknum);
        }
        for (txindex, checked) in valid {
            if let Some(tx) = block.tx(u64::from(txindex)) {
                let tx_pos = UtxoPos::tx(blknum, u64::from(txindex))?;
                if self.first_fault.is_some() {
                    for (input, output) in &checked.inputs {
                        if self.users.contains(&output.owner) {
                            self.spent_after_fault.insert(*input, *output);
                        }
                    }
                }
                let hash = checked.tx_hash;
                self.ledger.apply_tx(tx, tx_pos, hash, confirmation_digest(&self.domain, hash, block.root()));
            }
        }
        let learned = self.parent_confirmations_in(&block);
        self.blocks.insert(blknum, block);
        for (tx_hash, signature) in learned {
            self.add_confirmation(tx_hash, signature);
        }
        let challenges = self.new_challenges();
        let mut report = self.conclude(blknum, status, findings);
        report.challenges = challenges;
        Ok(report)
    }

    /// The parent confirmations `block`'s transactions carry (valid transactions or not: a
    /// confirmation is only ever used after it verifies), with the hash of the transaction each
    /// confirms, for inputs created by transactions of blocks the watcher holds.
    fn parent_confirmations_in(&self, block: &Block) -> Vec<(B256, Signature)> {
        let mut out = Vec::new();
        for tx in block.txs() {
            for (input, confirmations) in [tx.tx.input0, tx.tx.input1].into_iter().zip(&tx.parent_confirmations) {
                let Ok(input) = UtxoPos::decode(input) else { continue };
                let creating = self.blocks.get(&input.blknum()).and_then(|b| b.tx_hash(u64::from(input.txindex())));
                let Some(creating) = creating else { continue };
                out.extend(confirmations.iter().flatten().map(|c| (creating, *c)));
            }
        }
        out
    }

    fn conclude(&mut self, blknum: BlockNumber, status: BlockStatus, findings: Vec<Finding>) -> BlockReport {
        self.verdicts.insert(blknum, status);
        if status != BlockStatus::Valid && self.first_fault.is_none() {
            self.first_fault = Some(blknum);
        }
        let exit_now = if status == BlockStatus::Valid { Vec::new() } else { self.exit_now() };
        BlockReport { blknum, status, findings, exit_now, challenges: Vec::new() }
    }

    /// Checks every submitted block not checked yet, in order, with the data `operator`
    /// publishes ([`Operator::published_block`]: `None` for a withheld block).
    pub fn sync(&mut self, operator: &Operator) -> Result<Vec<BlockReport>> {
        let mut reports = Vec::new();
        while let Some(blknum) = self.next_unchecked() {
            let txs = operator.published_block(blknum).map(Block::txs);
            reports.push(self.on_block_data(blknum, txs)?);
        }
        Ok(reports)
    }

    /// The watched users' outputs to exit: empty while every block checked so far is valid;
    /// after a fault, their unspent outputs in the replica plus those spent at or after the first
    /// faulty block.
    #[must_use]
    pub fn exit_now(&self) -> Vec<UtxoPos> {
        if self.first_fault.is_none() {
            return Vec::new();
        }
        let mut out: BTreeSet<UtxoPos> =
            self.ledger.utxos().iter().filter(|(_, o)| self.users.contains(&o.owner)).map(|(p, _)| *p).collect();
        out.extend(self.spent_after_fault.keys().copied());
        out.into_iter().collect()
    }

    /// Learns a confirmation signature of transaction `tx_hash` (the watcher's users' own, or one
    /// received). Returns the challenges it newly makes possible against open exits.
    pub fn learn_confirmation(&mut self, tx_hash: B256, signature: Signature) -> Vec<Challenge> {
        self.add_confirmation(tx_hash, signature);
        self.new_challenges()
    }

    fn add_confirmation(&mut self, tx_hash: B256, signature: Signature) {
        let known = self.confirmations.entry(tx_hash).or_default();
        if !known.contains(&signature) {
            known.push(signature);
        }
    }

    /// Records an exit seen on the root chain, learns the confirmations it publishes and returns
    /// every challenge that is now possible and was not returned before (against this exit or
    /// against earlier ones the new confirmations expose).
    ///
    /// Mirrors `MvpExitGame.startExit`, which challenges on the spot an open exit of one of the
    /// exiting transaction's inputs when that exit's owner is the input's signer (the published
    /// confirmation proves the spend): such exits are closed here, not returned as challenges
    /// (a challenge of them would revert with "no open exit"). This needs the root of the exiting
    /// transaction's block, so the block's `BlockSubmitted` must have been seen first.
    pub fn on_exit_started(&mut self, exit: &ObservedExit) -> Vec<Challenge> {
        if !exit.tx.input0.is_zero()
            && let Ok(sigs) = decode_sig_pair(&exit.confirm_sigs)
        {
            let tx_hash = exit.tx.hash(&self.domain);
            let root = self.submitted.get(&exit.utxo_pos.blknum()).map(|e| e.root);
            for (input, sig) in [exit.tx.input0, exit.tx.input1].into_iter().zip(sigs) {
                let Some(sig) = sig else { continue };
                self.add_confirmation(tx_hash, sig);
                let (Some(root), Ok(input)) = (root, UtxoPos::decode(input)) else { continue };
                let digest = confirmation_digest(&self.domain, tx_hash, root);
                let signer = recover(digest, &sig).ok();
                if self.open_exits.get(&input).is_some_and(|parent| Some(parent.owner) == signer) {
                    self.on_exit_closed(input);
                }
            }
        }
        let after = self.submitted.keys().next_back().copied().unwrap_or(0);
        self.exit_marks.record(after, exit.utxo_pos);
        self.open_exits.insert(exit.utxo_pos, exit.clone());
        self.new_challenges()
    }

    /// Marks as being exited, before block `blknum` is checked, every output whose exit started
    /// after the block before it was submitted. An output already spent stays spent: that spend
    /// came first and challenges the exit.
    fn apply_exit_marks(&mut self, blknum: BlockNumber) {
        for pos in self.exit_marks.take_due(blknum) {
            self.ledger.mark_exiting(pos);
        }
    }

    /// Forgets an exit that was challenged or processed.
    pub fn on_exit_closed(&mut self, utxo_pos: UtxoPos) {
        self.open_exits.remove(&utxo_pos);
        self.issued.remove(&utxo_pos);
    }

    fn new_challenges(&mut self) -> Vec<Challenge> {
        let found: Vec<Challenge> = self
            .open_exits
            .keys()
            .filter(|p| !self.issued.contains(p))
            .filter_map(|p| self.challenge_for(*p))
            .collect();
        self.issued.extend(found.iter().map(|c| c.utxo_pos));
        found
    }

    /// A challenge against the open exit of `utxo_pos`, if the watcher knows an included spend of
    /// it signed and confirmed by the exit's owner. Recomputed on every call (use it to retry a
    /// challenge whose transaction failed).
    #[must_use]
    pub fn challenge_for(&self, utxo_pos: UtxoPos) -> Option<Challenge> {
        let exit = self.open_exits.get(&utxo_pos)?;
        self.spends.get(&utxo_pos)?.iter().find_map(|spend| self.spend_challenge(exit, *spend))
    }

    fn spend_challenge(&self, exit: &ObservedExit, spend: SpendRef) -> Option<Challenge> {
        let block = self.blocks.get(&spend.tx_pos.blknum())?;
        let txindex = u64::from(spend.tx_pos.txindex());
        let tx = block.tx(txindex)?;
        let tx_hash = block.tx_hash(txindex)?;
        let sig = tx.sigs.get(usize::from(spend.slot))?.as_ref()?;
        if recover(tx_hash, sig).ok() != Some(exit.owner) {
            return None;
        }
        let digest = confirmation_digest(&self.domain, tx_hash, block.root());
        let confirmation =
            self.confirmations.get(&tx_hash)?.iter().find(|c| recover(digest, c).ok() == Some(exit.owner))?;
        Some(Challenge {
            utxo_pos: exit.utxo_pos,
            spending_tx_pos: spend.tx_pos,
            spending_tx: tx.tx.clone(),
            spending_sigs: Bytes::copy_from_slice(&tx.sigs_bytes()),
            input_index: spend.slot,
            proof: block.proof(txindex).ok()?.to_bytes(),
            confirm_sig: Bytes::copy_from_slice(&confirmation.to_bytes()),
        })
    }

    /// Sum of the replica's unspent outputs (for metrics and conservation checks).
    #[must_use]
    pub fn replica_total(&self) -> U256 {
        self.ledger.total()
    }
}
