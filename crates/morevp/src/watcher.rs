//! The MoreVP watcher: full validation of every published block, and the decisions of the
//! `docs/morevp.md` "Watchers" section from the exit game's events.
//!
//! A [`Watcher`] keeps its own replica of the UTXO set, fed by deposits and by the published
//! blocks, in block order, and every transaction it has seen: in published blocks (valid or not),
//! in in-flight exits (the `InFlightExitStarted` event carries the transaction and its witnesses)
//! and those its users hand it ([`Watcher::watch_tx`]: what they signed or received in flight).
//!
//! Blocks ([`Watcher::on_block_submitted`], then [`Watcher::on_block_data`] or
//! [`Watcher::sync`]) are reported with [`Finding::BlockWithheld`] / [`Finding::RootMismatch`]
//! (data missing or not matching the root), [`Finding::InvalidTx`] (shape or signatures),
//! [`Finding::DoubleSpend`] (an input spent in an earlier block or earlier in the same block) and
//! [`Finding::Mint`] (an input that never existed, or more out than in). Valid transactions of a bad
//! block are still applied so that later blocks are judged fairly; invalid ones are not.
//!
//! The first faulty block, or an invalid exit nobody can challenge, puts the watcher in *exit
//! mode* (the chain went bad): at once, and again whenever something new becomes exitable, it
//! asks its users to standard-exit (or deposit-exit) their outputs in the replica that no known
//! transaction of theirs spends, and to start an in-flight exit (as the sender) of each of their
//! valid transactions not known to be included before the first fault (the first invalid
//! transaction, or the first withheld block). Exits started then have the older outputs'
//! priority: that is "exiting in time" (a standard exit of an output older than the fault is
//! processed before any exit of what the fault created, and an in-flight exit takes its youngest
//! input's place).
//!
//! Game events ([`Watcher::on_event`], with the root-chain time) drive the other decisions, each a
//! [`Finding`] and, when the watcher can act, an [`Action`]:
//!
//! - `invalid_exit`: a standard exit of an output spent by a transaction signed by its owner,
//!   included or in flight → `challengeStandardExit`;
//! - `unchallenged_exit`: a standard exit of an output the replica does not hold and no known spend
//!   challenges, or an in-flight exit spending such an output → exit mode;
//! - `noncanonical_ife`: in phase 1, an in-flight exit of a transaction with a known competitor
//!   that beats it (older than its known inclusion, or any competitor when it is not known
//!   included) → `challengeInFlightExitNotCanonical` with the oldest one; and a non-canonical exit
//!   of a transaction of a user (sender or recipient) known to be included before the recorded
//!   competitor, with no older competitor known → `respondToNonCanonicalChallenge`;
//! - `invalid_piggyback`: a piggybacked input that another transaction spends with its owner's
//!   signature → `challengeInFlightExitInputSpent`; a piggybacked output of an included transaction
//!   spent with its owner's signature → `challengeInFlightExitOutputSpent`;
//! - `piggyback_available`: in phase 1, an output of a user's that is unspent, of a transaction
//!   that may be canonical → piggyback it; an input of a user's that no other known transaction
//!   spends with its signature, of a transaction beaten by a competitor, found non-canonical on
//!   chain (a verdict the watcher cannot refute, whatever competitor it rests on) or never known
//!   included → piggyback it.
//!
//! Each action is returned once ([`Watcher::pending_actions`] recomputes them all); sending it,
//! and sending it again until it succeeds or its deadline passes, is the client's outbox's job
//! ([`plasma_core::Outbox`]).

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    sync::{
        OnceLock,
        atomic::{AtomicU64, Ordering},
    },
};

use alloy_primitives::{Address, B256, Bytes, U256};
use plasma_core::{
    BlockNumber, BlockSubmittedEvent, DepositEvent, Domain, Signature, Timestamp, is_child_block, recover,
};
use serde::{Deserialize, Serialize};

use crate::{
    block::Block,
    error::{Invalidity, MoreVpError, Result},
    game::{
        CanonicityChallenge, CanonicityResponse, DepositExit, ExitCall, GameEvent, InFlightExit, InputSpentChallenge,
        OutputSpentChallenge, Piggyback, StandardExit, StandardExitChallenge, in_phase1, signature_bytes,
    },
    ledger::Ledger,
    operator::Operator,
    tx::{InputProof, MAX_INPUTS, MAX_OUTPUTS, Output, PaymentTx, PaymentTxExt, SignedTx, UtxoPos},
};

/// Which exit a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExitRef {
    /// The standard (or deposit) exit of an output.
    Standard(UtxoPos),
    /// The in-flight exit of a transaction.
    InFlight(B256),
}

/// Something wrong with the child chain or the exit game, or something a user should do.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Finding {
    /// Block `blknum` was submitted but its data was not published (`block_withholding`).
    BlockWithheld {
        /// The block.
        blknum: BlockNumber,
    },
    /// The published data of `blknum` does not hash to the submitted root (`published` is `None`
    /// when it is not even a valid block); as good as withheld (`block_withholding`).
    RootMismatch {
        /// The block.
        blknum: BlockNumber,
        /// The root on the root chain.
        submitted: B256,
        /// The root of the published data.
        published: Option<B256>,
    },
    /// Transaction `txindex` of block `blknum` breaks the shape or signature rules.
    InvalidTx {
        /// The block.
        blknum: BlockNumber,
        /// The transaction's index.
        txindex: u16,
        /// The broken rule.
        reason: Invalidity,
    },
    /// Transaction `txindex` of block `blknum` spends `input`, already spent (`earlier`: by the
    /// transaction at that position, `None` if the replica does not know where).
    DoubleSpend {
        /// The block.
        blknum: BlockNumber,
        /// The transaction's index.
        txindex: u16,
        /// The output spent twice.
        input: UtxoPos,
        /// Position of the earlier spend.
        earlier: Option<UtxoPos>,
    },
    /// Transaction `txindex` of block `blknum` creates value from nothing (an input that never
    /// existed, or more out than in).
    Mint {
        /// The block.
        blknum: BlockNumber,
        /// The transaction's index.
        txindex: u16,
        /// The broken rule.
        reason: Invalidity,
    },
    /// A standard exit of an output spent by `spending_tx`, signed by the exit's owner
    /// (`invalid_exit`).
    InvalidExit {
        /// The exiting output.
        utxo_pos: UtxoPos,
        /// The spend.
        spending_tx: B256,
    },
    /// An exit of value the replica does not hold, which the watcher cannot challenge
    /// (`unchallenged_exit`): the users exit.
    UnchallengedExit {
        /// The exit.
        exit: ExitRef,
    },
    /// An in-flight exit of a transaction beaten by a known competitor (`noncanonical_ife`).
    NoncanonicalIfe {
        /// The exiting transaction.
        tx_hash: B256,
        /// The oldest competitor known.
        competitor: B256,
        /// Where it is included (`None`: in flight).
        competitor_pos: Option<UtxoPos>,
    },
    /// A non-canonical in-flight exit of a transaction known to be included at `tx_pos`, older
    /// than the recorded competitor (`noncanonical_ife`, answered with a response).
    FalseCanonicityChallenge {
        /// The exiting transaction.
        tx_hash: B256,
        /// Its inclusion.
        tx_pos: UtxoPos,
    },
    /// A piggyback that a known spend makes invalid (`invalid_piggyback`).
    InvalidPiggyback {
        /// The exiting transaction.
        tx_hash: B256,
        /// An output (`true`) or an input.
        is_output: bool,
        /// The slot.
        index: u8,
        /// The spend.
        spending_tx: B256,
    },
    /// A piggyback a user should make (`piggyback_available`).
    PiggybackAvailable {
        /// The exiting transaction.
        tx_hash: B256,
        /// The user.
        owner: Address,
        /// An output (`true`) or an input.
        is_output: bool,
        /// The slot.
        index: u8,
    },
}

impl Finding {
    /// The name of the finding in `docs/morevp.md` (and in the OMG watcher), or of the block fault.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::BlockWithheld { .. } | Self::RootMismatch { .. } => "block_withholding",
            Self::InvalidTx { .. } => "invalid_tx",
            Self::DoubleSpend { .. } => "double_spend",
            Self::Mint { .. } => "mint",
            Self::InvalidExit { .. } => "invalid_exit",
            Self::UnchallengedExit { .. } => "unchallenged_exit",
            Self::NoncanonicalIfe { .. } | Self::FalseCanonicityChallenge { .. } => "noncanonical_ife",
            Self::InvalidPiggyback { .. } => "invalid_piggyback",
            Self::PiggybackAvailable { .. } => "piggyback_available",
        }
    }
}

/// A call the watcher asks for, and who must send it (`None`: anyone, for challenges and
/// responses).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Action {
    /// The required sender: the exiting owner, the piggybacking owner, the in-flight exit's starter.
    pub sender: Option<Address>,
    /// The call (see [`MoreVpGame::call`](crate::MoreVpGame::call) for its calldata and bond).
    pub call: ExitCall,
}

/// What identifies an action, so that it is returned once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ActionKey {
    /// `startStandardExit` / `startDepositExit` of an output.
    StartExit(UtxoPos),
    /// `challengeStandardExit` of an output's exit.
    ChallengeExit(UtxoPos),
    /// `startInFlightExit` of a transaction.
    StartInFlightExit(B256),
    /// A piggyback on a transaction's slot.
    Piggyback(B256, bool, u8),
    /// A canonicity challenge with a competitor at that position.
    ChallengeNotCanonical(B256, U256),
    /// A response with the transaction's position.
    Respond(B256, UtxoPos),
    /// An input-spent challenge.
    ChallengeInputSpent(B256, u8),
    /// An output-spent challenge.
    ChallengeOutputSpent(B256, u8),
    /// Anything else (never issued by the watcher).
    Other,
}

impl Action {
    /// The action's identity.
    #[must_use]
    pub fn key(&self, domain: &Domain) -> ActionKey {
        match &self.call {
            ExitCall::StartStandardExit(e) => ActionKey::StartExit(e.utxo_pos),
            ExitCall::StartDepositExit(e) => e.utxo_pos().map_or(ActionKey::Other, ActionKey::StartExit),
            ExitCall::ChallengeStandardExit(c) => ActionKey::ChallengeExit(c.utxo_pos),
            ExitCall::StartInFlightExit(e) => ActionKey::StartInFlightExit(e.tx.hash(domain)),
            ExitCall::Piggyback(p) => ActionKey::Piggyback(p.tx.hash(domain), p.is_output, p.index),
            ExitCall::ChallengeNotCanonical(c) => {
                ActionKey::ChallengeNotCanonical(c.tx.hash(domain), c.competitor_position())
            }
            ExitCall::RespondToNonCanonicalChallenge(r) => ActionKey::Respond(r.tx.hash(domain), r.tx_pos),
            ExitCall::ChallengeInputSpent(c) => ActionKey::ChallengeInputSpent(c.tx.hash(domain), c.input_index),
            ExitCall::ChallengeOutputSpent(c) => ActionKey::ChallengeOutputSpent(c.tx.hash(domain), c.output_index),
            ExitCall::DeleteNonPiggybacked(_) => ActionKey::Other,
        }
    }
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

/// What the watcher found and asks for after one input (a block, an event, a tick).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Report {
    /// The verdict, for a block.
    pub status: Option<BlockStatus>,
    /// New findings.
    pub findings: Vec<Finding>,
    /// New actions.
    pub actions: Vec<Action>,
}

/// A transaction the watcher has seen.
#[derive(Clone, Debug, PartialEq, Eq)]
struct KnownTx {
    signed: SignedTx,
    /// Its first position in a published block.
    included: Option<UtxoPos>,
    /// The first watched user who signed one of its inputs (set when the transaction is learned:
    /// from the owners the validity check recovered, or by recovering its signatures).
    sender: Option<Address>,
    /// Who made each signature (`None`: unrecoverable), recovered at most once per transaction:
    /// taken from the validity check for valid block transactions, else on first need. Re-judging
    /// every open exit on every event then costs lookups, never a signature recovery.
    signers: OnceLock<Vec<Option<Address>>>,
}

impl KnownTx {
    /// The signers of the signatures, recovering them on first call (counted in `recoveries`).
    fn signers(&self, hash: B256, recoveries: &AtomicU64) -> &[Option<Address>] {
        self.signers.get_or_init(|| {
            recoveries.fetch_add(self.signed.sigs.len() as u64, Ordering::Relaxed);
            self.signed.sigs.iter().map(|sig| recover(hash, sig).ok()).collect()
        })
    }
}

/// A standard exit seen on the root chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ObservedExit {
    owner: Address,
    amount: U256,
}

/// An in-flight exit seen on the root chain, as its events left it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ObservedIfe {
    started_at: Timestamp,
    canonical: bool,
    competitor: Option<U256>,
    inputs_piggybacked: u8,
    outputs_piggybacked: u8,
    /// The owner of each used input: the signer the contract checked.
    input_owners: Vec<Address>,
}

impl ObservedIfe {
    const fn piggybacked(&self, is_output: bool, index: u8) -> bool {
        let bits = if is_output { self.outputs_piggybacked } else { self.inputs_piggybacked };
        bits & (1 << index) != 0
    }
}

/// A transaction that competes with an exiting one: it spends the exiting one's input `index`
/// at its slot `slot`, signed by that input's owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Competitor {
    hash: B256,
    index: u8,
    slot: u8,
    sig: Signature,
    pos: Option<UtxoPos>,
}

impl Competitor {
    fn position(&self) -> U256 {
        self.pos.map_or(U256::MAX, |p| p.encode())
    }
}

/// A watcher for a set of users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watcher {
    domain: Domain,
    period: u64,
    users: BTreeSet<Address>,
    ledger: Ledger,
    deposits: BTreeMap<BlockNumber, Output>,
    submitted: BTreeMap<BlockNumber, BlockSubmittedEvent>,
    verdicts: BTreeMap<BlockNumber, BlockStatus>,
    blocks: BTreeMap<BlockNumber, Block>,
    txs: HashMap<B256, KnownTx>,
    spends: BTreeMap<UtxoPos, Vec<B256>>,
    exits: BTreeMap<UtxoPos, ObservedExit>,
    ifes: BTreeMap<B256, ObservedIfe>,
    ifes_seen: BTreeSet<B256>,
    /// Position of the first invalid transaction (`txPos`), or of the first withheld block's
    /// first transaction.
    first_fault: Option<UtxoPos>,
    /// Outputs whose standard exit started, each with the newest child block submitted before it:
    /// every later block must treat the output as being exited (validity rule 4), while blocks up
    /// to that one were committed before the exit and may still spend it (and so challenge it).
    exit_marks: plasma_core::ExitMarks<UtxoPos>,
    /// Hashes of the transactions published blocks hold that are invalid.
    invalid: HashSet<B256>,
    exit_mode: bool,
    issued: BTreeSet<ActionKey>,
    reported: HashSet<Finding>,
    now: Timestamp,
    /// Signatures recovered so far (a measure of the watcher's work; not part of its state).
    recoveries: RecoveryCount,
}

/// A count of signature recoveries that never makes two watchers differ.
#[derive(Debug, Default)]
struct RecoveryCount(AtomicU64);

impl core::ops::Deref for RecoveryCount {
    type Target = AtomicU64;
    fn deref(&self) -> &AtomicU64 {
        &self.0
    }
}

impl Clone for RecoveryCount {
    fn clone(&self) -> Self {
        Self(AtomicU64::new(self.0.load(Ordering::Relaxed)))
    }
}

impl PartialEq for RecoveryCount {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for RecoveryCount {}

impl Watcher {
    /// A watcher for the deployment `domain` with minimum exit period `period` (`P`), watching the
    /// outputs and transactions of `users`.
    #[must_use]
    pub fn new(domain: Domain, period: u64, users: impl IntoIterator<Item = Address>) -> Self {
        Self {
            domain,
            period,
            users: users.into_iter().collect(),
            ledger: Ledger::new(),
            deposits: BTreeMap::new(),
            submitted: BTreeMap::new(),
            verdicts: BTreeMap::new(),
            blocks: BTreeMap::new(),
            txs: HashMap::new(),
            spends: BTreeMap::new(),
            exits: BTreeMap::new(),
            ifes: BTreeMap::new(),
            ifes_seen: BTreeSet::new(),
            first_fault: None,
            exit_marks: plasma_core::ExitMarks::default(),
            invalid: HashSet::new(),
            exit_mode: false,
            issued: BTreeSet::new(),
            reported: HashSet::new(),
            recoveries: RecoveryCount::default(),
            now: 0,
        }
    }

    /// Adds a user to watch. Add users before the watcher learns their transactions: who signed
    /// a transaction is noted when it is learned.
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
    pub fn first_fault(&self) -> Option<BlockNumber> {
        self.first_fault.map(|p| p.blknum())
    }

    /// The position of the first invalid transaction, or of the first withheld block (its
    /// transaction 0): what is included before it is settled, what comes at or after it is exited
    /// in flight.
    #[must_use]
    pub const fn first_fault_pos(&self) -> Option<UtxoPos> {
        self.first_fault
    }

    /// Whether the watcher has asked its users to exit (a faulty block or an unchallengeable exit).
    #[must_use]
    pub const fn exit_mode(&self) -> bool {
        self.exit_mode
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

    /// The latest root-chain time the watcher was told.
    #[must_use]
    pub const fn now(&self) -> Timestamp {
        self.now
    }

    /// Records a deposit in the replica.
    pub fn on_deposit(&mut self, deposit: &DepositEvent) -> Result<Report> {
        let pos = UtxoPos::deposit(deposit.blknum)?;
        if deposit.amount.is_zero() {
            return Err(MoreVpError::ZeroDeposit(deposit.blknum));
        }
        let output = Output::new(deposit.depositor, deposit.amount);
        if !self.ledger.create(pos, output) {
            return Err(MoreVpError::DuplicateBlock(deposit.blknum));
        }
        self.deposits.insert(deposit.blknum, output);
        Ok(self.decide(None, Vec::new()))
    }

    /// Records a submitted child block; its data is checked by [`Watcher::on_block_data`]. The
    /// same event twice is harmless; another root under a known number is
    /// [`MoreVpError::DuplicateBlock`].
    pub fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> Result<()> {
        if !is_child_block(event.blknum) {
            return Err(MoreVpError::NotChildBlock(event.blknum));
        }
        match self.submitted.get(&event.blknum) {
            Some(known) if known == event => Ok(()),
            Some(_) => Err(MoreVpError::DuplicateBlock(event.blknum)),
            None => {
                self.submitted.insert(event.blknum, *event);
                self.now = self.now.max(event.timestamp);
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
    /// root and the replica, applies its valid transactions, learns every transaction in it and
    /// reports. Blocks are checked in order: `blknum` must be [`Watcher::next_unchecked`].
    pub fn on_block_data(&mut self, blknum: BlockNumber, txs: Option<&[SignedTx]>) -> Result<Report> {
        let submitted = *self.submitted.get(&blknum).ok_or(MoreVpError::UnknownBlock(blknum))?;
        let expected = self.next_unchecked().ok_or(MoreVpError::DuplicateBlock(blknum))?;
        if expected != blknum {
            return Err(MoreVpError::OutOfOrder { expected, got: blknum });
        }
        let block = match txs.map(|txs| Block::new(txs.to_vec(), &self.domain)) {
            None => return Ok(self.conclude(blknum, BlockStatus::Withheld, vec![Finding::BlockWithheld { blknum }])),
            Some(Ok(block)) if block.root() == submitted.root => block,
            Some(built) => {
                let published = built.ok().map(|b| b.root());
                let finding = Finding::RootMismatch { blknum, submitted: submitted.root, published };
                return Ok(self.conclude(blknum, BlockStatus::Withheld, vec![finding]));
            }
        };
        let findings = self.apply_block(blknum, &block)?;
        self.blocks.insert(blknum, block);
        let status = if findings.is_empty() { BlockStatus::Valid } else { BlockStatus::Invalid };
        Ok(self.conclude(blknum, status, findings))
    }

    /// Checks every transaction of `block` in order, applies the valid ones and learns them all.
    fn apply_block(&mut self, blknum: BlockNumber, block: &Block) -> Result<Vec<Finding>> {
        self.apply_exit_marks(blknum);
        let mut findings = Vec::new();
        let mut busy: BTreeMap<UtxoPos, UtxoPos> = BTreeMap::new();
        for (txindex, (tx, hash)) in (0u16..).zip(block.txs().iter().zip(block.tx_hashes())) {
            let tx_pos = UtxoPos::tx(blknum, u64::from(txindex))?;
            match self.ledger.check(tx, *hash, Some(blknum), |p| busy.contains_key(p)) {
                Ok(checked) => {
                    busy.extend(checked.inputs.iter().map(|(p, _)| (*p, tx_pos)));
                    self.ledger.apply_tx(tx, tx_pos);
                    let owners: Vec<Address> = checked.inputs.iter().map(|(_, o)| o.owner).collect();
                    let sender = owners.iter().copied().find(|a| self.users.contains(a));
                    self.learn_tx(*hash, tx, Some(tx_pos), Some(sender), Some(owners));
                }
                Err(reason) => {
                    self.first_fault.get_or_insert(tx_pos);
                    self.invalid.insert(*hash);
                    // Never exited in flight: no need to know who signed it.
                    self.learn_tx(*hash, tx, Some(tx_pos), Some(None), None);
                    findings.push(classify(blknum, txindex, reason, &busy));
                }
            }
        }
        Ok(findings)
    }

    fn conclude(&mut self, blknum: BlockNumber, status: BlockStatus, findings: Vec<Finding>) -> Report {
        self.verdicts.insert(blknum, status);
        if status != BlockStatus::Valid {
            if let Ok(first) = UtxoPos::tx(blknum, 0) {
                self.first_fault.get_or_insert(first);
            }
            self.exit_mode = true;
        }
        self.decide(Some(status), findings)
    }

    /// Checks every submitted block not checked yet, in order, with the data `operator`
    /// publishes ([`Operator::published_block`]: `None` for a withheld block), then asks again
    /// for the data of every block judged withheld ([`Watcher::on_late_block_data`]).
    pub fn sync(&mut self, operator: &Operator) -> Result<Vec<Report>> {
        let mut reports = Vec::new();
        while let Some(blknum) = self.next_unchecked() {
            let txs = operator.published_block(blknum).map(Block::txs);
            reports.push(self.on_block_data(blknum, txs)?);
        }
        for blknum in self.withheld_without_data() {
            if let Some(block) = operator.published_block(blknum) {
                reports.push(self.on_late_block_data(blknum, block.txs())?);
            }
        }
        Ok(reports)
    }

    /// The blocks judged withheld whose data the watcher has not seen: it takes their data if the
    /// operator publishes it late ([`Watcher::on_late_block_data`]).
    #[must_use]
    pub fn withheld_without_data(&self) -> Vec<BlockNumber> {
        self.verdicts
            .iter()
            .filter(|(blknum, status)| **status == BlockStatus::Withheld && !self.blocks.contains_key(*blknum))
            .map(|(blknum, _)| *blknum)
            .collect()
    }

    /// The data of block `blknum`, judged withheld, published late. The verdict stands (the users
    /// have left, and the replica does not apply the block), but the watcher learns where each of
    /// its transactions is included: that is what answers a false canonicity challenge of an
    /// honest transaction in the block, or a challenge that needs its inclusion. Data that does not
    /// match the submitted root, or a block not judged withheld, is a typed error and changes
    /// nothing.
    pub fn on_late_block_data(&mut self, blknum: BlockNumber, txs: &[SignedTx]) -> Result<Report> {
        let submitted = *self.submitted.get(&blknum).ok_or(MoreVpError::UnknownBlock(blknum))?;
        if self.verdicts.get(&blknum) != Some(&BlockStatus::Withheld) || self.blocks.contains_key(&blknum) {
            return Err(MoreVpError::DuplicateBlock(blknum));
        }
        let block = Block::new(txs.to_vec(), &self.domain)?;
        if block.root() != submitted.root {
            return Err(MoreVpError::InconsistentEvent("late block data does not match the submitted root"));
        }
        for (txindex, (tx, hash)) in (0u16..).zip(block.txs().iter().zip(block.tx_hashes())) {
            let tx_pos = UtxoPos::tx(blknum, u64::from(txindex))?;
            // Who signed is recovered only if an exit ever needs it.
            self.learn_tx(*hash, tx, Some(tx_pos), Some(None), None);
        }
        self.blocks.insert(blknum, block);
        Ok(self.decide(None, Vec::new()))
    }

    /// Learns a transaction a user signed or received in flight (the wallet's in-flight record),
    /// so that the watcher can challenge with it, exit it in flight and piggyback on it.
    pub fn watch_tx(&mut self, signed: &SignedTx) -> Report {
        let hash = signed.tx_hash(&self.domain);
        self.learn_tx(hash, signed, None, None, None);
        self.decide(None, Vec::new())
    }

    /// Records `signed` (hash `hash`) and indexes its spends. `sender` is the first watched user
    /// who signed an input when the caller knows it (`Some`), else it is recovered here (a few
    /// transactions only: those users hand over and those of in-flight exits).
    /// `owners` are the signers in signature order when a validity check recovered them.
    fn learn_tx(
        &mut self,
        hash: B256,
        signed: &SignedTx,
        included: Option<UtxoPos>,
        sender: Option<Option<Address>>,
        owners: Option<Vec<Address>>,
    ) {
        if let Some(known) = self.txs.get_mut(&hash) {
            if known.included.is_none() {
                known.included = included;
            }
            return;
        }
        let known = KnownTx { signed: signed.clone(), included, sender: None, signers: OnceLock::new() };
        if let Some(owners) = owners {
            let _ = known.signers.set(owners.into_iter().map(Some).collect());
        }
        let sender = sender.unwrap_or_else(|| {
            known.signers(hash, &self.recoveries).iter().flatten().copied().find(|a| self.users.contains(a))
        });
        for (_, input) in signed.tx.named_inputs() {
            let spends = self.spends.entry(input).or_default();
            if !spends.contains(&hash) {
                spends.push(hash);
            }
        }
        self.txs.insert(hash, KnownTx { sender, ..known });
    }

    /// Moves the watcher's clock to `now` (phase 1 of in-flight exits ends with time) and reports
    /// what that changes.
    pub fn tick(&mut self, now: Timestamp) -> Report {
        self.now = self.now.max(now);
        self.decide(None, Vec::new())
    }

    /// Records an event of the exit game emitted at root-chain time `at`, and reports. An event
    /// that contradicts what the watcher knows (an unknown in-flight exit, a slot out of range, a
    /// transaction hashing to another `txHash`) is a typed error and changes nothing.
    pub fn on_event(&mut self, event: &GameEvent, at: Timestamp) -> Result<Report> {
        self.apply_event(event, at)?;
        self.now = self.now.max(at);
        Ok(self.decide(None, Vec::new()))
    }

    fn apply_event(&mut self, event: &GameEvent, at: Timestamp) -> Result<()> {
        match event {
            GameEvent::StandardExitStarted { utxo_pos, owner, amount, .. } => {
                self.exits.insert(*utxo_pos, ObservedExit { owner: *owner, amount: *amount });
                let after = self.submitted.keys().next_back().copied().unwrap_or(0);
                self.exit_marks.record(after, *utxo_pos);
            }
            GameEvent::StandardExitChallenged { utxo_pos, .. } | GameEvent::StandardExitFinalized { utxo_pos, .. } => {
                self.exits.remove(utxo_pos);
            }
            GameEvent::InFlightExitStarted { tx_hash, tx, .. } => self.start_ife(*tx_hash, tx, at)?,
            GameEvent::InFlightExitPiggybacked { tx_hash, is_output, index, .. } => {
                let bit = slot_bit(*index)?;
                let ife = self.ife_mut(tx_hash)?;
                *(if *is_output { &mut ife.outputs_piggybacked } else { &mut ife.inputs_piggybacked }) |= bit;
            }
            GameEvent::InFlightExitChallenged { tx_hash, competitor_position, .. } => {
                let ife = self.ife_mut(tx_hash)?;
                ife.canonical = false;
                ife.competitor = Some(*competitor_position);
            }
            GameEvent::InFlightExitChallengeResponded { tx_hash, tx_pos, .. } => {
                let ife = self.ife_mut(tx_hash)?;
                ife.canonical = true;
                ife.competitor = Some(*tx_pos);
            }
            GameEvent::InFlightExitInputBlocked { tx_hash, index, .. } => {
                let bit = slot_bit(*index)?;
                self.ife_mut(tx_hash)?.inputs_piggybacked &= !bit;
            }
            GameEvent::InFlightExitOutputBlocked { tx_hash, index, .. } => {
                let bit = slot_bit(*index)?;
                self.ife_mut(tx_hash)?.outputs_piggybacked &= !bit;
            }
            GameEvent::InFlightExitDeleted { tx_hash } | GameEvent::InFlightExitFinalized { tx_hash, .. } => {
                self.ifes.remove(tx_hash).ok_or(MoreVpError::UnknownTx(*tx_hash))?;
            }
        }
        Ok(())
    }

    /// Marks as being exited, before block `blknum` is checked, every output whose exit started
    /// after the block before it was submitted. An output already spent stays spent: that spend
    /// came first and challenges the exit.
    fn apply_exit_marks(&mut self, blknum: BlockNumber) {
        for pos in self.exit_marks.take_due(blknum) {
            self.ledger.mark_exiting(pos);
        }
    }

    fn ife_mut(&mut self, tx_hash: &B256) -> Result<&mut ObservedIfe> {
        self.ifes.get_mut(tx_hash).ok_or(MoreVpError::UnknownTx(*tx_hash))
    }

    fn start_ife(&mut self, tx_hash: B256, tx: &SignedTx, at: Timestamp) -> Result<()> {
        if tx.tx_hash(&self.domain) != tx_hash {
            return Err(MoreVpError::InconsistentEvent("the transaction does not hash to the event's txHash"));
        }
        // The contract checked every signature against its input's owner.
        self.recoveries.fetch_add(tx.sigs.len() as u64, Ordering::Relaxed);
        let input_owners = tx.signers(tx_hash)?;
        let sender = input_owners.iter().copied().find(|a| self.users.contains(a));
        self.learn_tx(tx_hash, tx, None, Some(sender), Some(input_owners.clone()));
        self.ifes_seen.insert(tx_hash);
        let ife = ObservedIfe {
            started_at: at,
            canonical: true,
            competitor: None,
            inputs_piggybacked: 0,
            outputs_piggybacked: 0,
            input_owners,
        };
        self.ifes.insert(tx_hash, ife);
        Ok(())
    }

    /// Every action the watcher would ask for now, issued before or not.
    #[must_use]
    pub fn pending_actions(&self) -> Vec<Action> {
        self.candidates().1
    }

    /// Signatures this watcher recovered itself so far, outside the validity checks of blocks
    /// (which recover each block transaction's signatures once): the in-flight exits it saw and
    /// the transactions it learned outside blocks. Re-judging the open exits never adds to it.
    #[must_use]
    pub fn signature_recoveries(&self) -> u64 {
        self.recoveries.load(Ordering::Relaxed)
    }

    /// Adds `findings` and every new candidate finding and action to a report, and remembers them.
    fn decide(&mut self, status: Option<BlockStatus>, mut findings: Vec<Finding>) -> Report {
        let (mut candidate_findings, mut actions) = self.candidates();
        if !self.exit_mode && candidate_findings.iter().any(|f| matches!(f, Finding::UnchallengedExit { .. })) {
            // The chain went bad: the exits of the users join the actions.
            self.exit_mode = true;
            (candidate_findings, actions) = self.candidates();
        }
        findings.extend(candidate_findings);
        let findings = findings.into_iter().filter(|f| self.reported.insert(f.clone())).collect();
        let domain = self.domain;
        let actions = actions.into_iter().filter(|a| self.issued.insert(a.key(&domain))).collect();
        Report { status, findings, actions }
    }

    /// The findings and actions the current state calls for.
    fn candidates(&self) -> (Vec<Finding>, Vec<Action>) {
        let mut out = (Vec::new(), Vec::new());
        for (pos, exit) in &self.exits {
            self.judge_standard_exit(*pos, exit, &mut out);
        }
        for (hash, ife) in &self.ifes {
            if let Some(known) = self.txs.get(hash) {
                self.judge_ife(*hash, known, ife, &mut out);
            }
        }
        if self.exit_mode {
            out.1.extend(self.exit_plan());
        }
        out
    }

    fn judge_standard_exit(&self, pos: UtxoPos, exit: &ObservedExit, out: &mut (Vec<Finding>, Vec<Action>)) {
        if let Some((hash, slot, sig)) = self.spends_signed_by(pos, exit.owner, None).first().copied() {
            out.0.push(Finding::InvalidExit { utxo_pos: pos, spending_tx: hash });
            if let Some(known) = self.txs.get(&hash) {
                let call = StandardExitChallenge {
                    utxo_pos: pos,
                    spending_tx: known.signed.tx.clone(),
                    input_index: slot,
                    sig: signature_bytes(&sig),
                };
                out.1.push(Action { sender: None, call: ExitCall::ChallengeStandardExit(call) });
            }
            return;
        }
        let held = self.ledger.get(&pos) == Some(&Output::new(exit.owner, exit.amount));
        if !held && self.judged(pos) {
            out.0.push(Finding::UnchallengedExit { exit: ExitRef::Standard(pos) });
        }
    }

    /// Whether the watcher can tell whether `pos` exists: a deposit it saw, or an output of a block
    /// it checked.
    fn judged(&self, pos: UtxoPos) -> bool {
        if pos.is_deposit() {
            self.deposits.contains_key(&pos.blknum())
        } else {
            self.verdicts.contains_key(&pos.blknum())
        }
    }

    /// The known transactions other than `except` spending `pos` with a signature by `owner`: hash,
    /// slot, signature.
    fn spends_signed_by(&self, pos: UtxoPos, owner: Address, except: Option<B256>) -> Vec<(B256, u8, Signature)> {
        let Some(hashes) = self.spends.get(&pos) else { return Vec::new() };
        hashes
            .iter()
            .filter(|h| Some(**h) != except)
            .filter_map(|hash| {
                let known = self.txs.get(hash)?;
                let (slot, _) = known.signed.tx.named_inputs().find(|(_, p)| *p == pos)?;
                let signer = known.signers(*hash, &self.recoveries).iter().position(|a| *a == Some(owner))?;
                Some((*hash, slot, *known.signed.sigs.get(signer)?))
            })
            .collect()
    }

    /// The competitors of the exiting transaction `hash`, oldest first.
    fn competitors(&self, hash: B256, tx: &PaymentTx, owners: &[Address]) -> Vec<Competitor> {
        let mut found: Vec<Competitor> = tx
            .named_inputs()
            .zip(owners)
            .flat_map(|((index, input), owner)| {
                self.spends_signed_by(input, *owner, Some(hash))
                    .into_iter()
                    .map(move |(c, slot, sig)| (index, c, slot, sig))
            })
            .map(|(index, c, slot, sig)| Competitor {
                hash: c,
                index,
                slot,
                sig,
                pos: self.txs.get(&c).and_then(|k| k.included),
            })
            .collect();
        found.sort_by_key(Competitor::position);
        found
    }

    fn judge_ife(&self, hash: B256, known: &KnownTx, ife: &ObservedIfe, out: &mut (Vec<Finding>, Vec<Action>)) {
        let tx = &known.signed.tx;
        let competitors = self.competitors(hash, tx, &ife.input_owners);
        let beaten_by = |c: &Competitor| known.included.is_none_or(|p| c.pos.is_some_and(|q| q < p));
        let oldest_beating = competitors.iter().find(|c| beaten_by(c));
        let phase1 = in_phase1(ife.started_at, self.now, self.period);
        if tx.named_inputs().any(|(_, input)| self.judged(input) && !self.ledger.knows(&input)) {
            out.0.push(Finding::UnchallengedExit { exit: ExitRef::InFlight(hash) });
        }
        if let Some(c) = oldest_beating
            && phase1
        {
            self.canonicity_challenge(hash, tx, ife, c, out);
        }
        if oldest_beating.is_none() {
            self.canonicity_response(hash, known, ife, out);
        }
        self.piggyback_challenges(hash, known, ife, out);
        // A non-canonical verdict recorded on chain counts even when the competitor behind it is
        // unknown here (hidden in a withheld block), unless this watcher can refute it with the
        // transaction's older inclusion: the chain's verdict decides who is paid.
        let refutable = known.included.zip(ife.competitor).is_some_and(|(pos, recorded)| pos.encode() < recorded);
        let beaten = oldest_beating.is_some() || (!ife.canonical && !refutable);
        if phase1 {
            self.piggybacks(hash, known, ife, beaten, out);
        }
    }

    fn canonicity_challenge(
        &self,
        hash: B256,
        tx: &PaymentTx,
        ife: &ObservedIfe,
        c: &Competitor,
        out: &mut (Vec<Finding>, Vec<Action>),
    ) {
        out.0.push(Finding::NoncanonicalIfe { tx_hash: hash, competitor: c.hash, competitor_pos: c.pos });
        if ife.competitor.is_some_and(|recorded| c.position() >= recorded) {
            return;
        }
        let Some(competing) = self.txs.get(&c.hash) else { return };
        let proof = match c.pos {
            Some(pos) => match self.proof_of(pos) {
                Some(proof) => proof,
                None => return,
            },
            None => Bytes::new(),
        };
        let call = CanonicityChallenge {
            tx: tx.clone(),
            input_index: c.index,
            competing_tx: competing.signed.tx.clone(),
            competing_input_index: c.slot,
            competing_tx_pos: c.pos,
            competing_proof: proof,
            competing_sig: signature_bytes(&c.sig),
        };
        out.1.push(Action { sender: None, call: ExitCall::ChallengeNotCanonical(call) });
    }

    fn canonicity_response(
        &self,
        hash: B256,
        known: &KnownTx,
        ife: &ObservedIfe,
        out: &mut (Vec<Finding>, Vec<Action>),
    ) {
        // Any watcher that knows the transaction is included answers, party to it or not: a false
        // verdict pays an input back to its double-spender while the output's spends stand, and
        // the pool, every user's, is short by that much (docs/security.md, client duties).
        let (Some(tx_pos), Some(recorded)) = (known.included, ife.competitor) else { return };
        if ife.canonical || tx_pos.encode() >= recorded {
            return;
        }
        let Some(proof) = self.proof_of(tx_pos) else { return };
        out.0.push(Finding::FalseCanonicityChallenge { tx_hash: hash, tx_pos });
        let call = CanonicityResponse { tx: known.signed.tx.clone(), tx_pos, proof };
        out.1.push(Action { sender: None, call: ExitCall::RespondToNonCanonicalChallenge(call) });
    }

    fn piggyback_challenges(
        &self,
        hash: B256,
        known: &KnownTx,
        ife: &ObservedIfe,
        out: &mut (Vec<Finding>, Vec<Action>),
    ) {
        let tx = &known.signed.tx;
        for ((index, input), owner) in tx.named_inputs().zip(&ife.input_owners) {
            if !ife.piggybacked(false, index) {
                continue;
            }
            let Some((spend, slot, sig)) = self.spends_signed_by(input, *owner, Some(hash)).first().copied() else {
                continue;
            };
            let Some(spending) = self.txs.get(&spend) else { continue };
            out.0.push(Finding::InvalidPiggyback { tx_hash: hash, is_output: false, index, spending_tx: spend });
            let call = InputSpentChallenge {
                tx: tx.clone(),
                input_index: index,
                spending_tx: spending.signed.tx.clone(),
                spending_input_index: slot,
                spending_sig: signature_bytes(&sig),
            };
            out.1.push(Action { sender: None, call: ExitCall::ChallengeInputSpent(call) });
        }
        let Some(tx_pos) = known.included else { return };
        for (index, output) in tx.used_outputs() {
            if !ife.piggybacked(true, index) {
                continue;
            }
            let Ok(pos) = tx_pos.with_oindex(index) else { continue };
            let Some((spend, slot, sig)) = self.spends_signed_by(pos, output.owner, None).first().copied() else {
                continue;
            };
            let (Some(spending), Some(proof)) = (self.txs.get(&spend), self.proof_of(tx_pos)) else { continue };
            out.0.push(Finding::InvalidPiggyback { tx_hash: hash, is_output: true, index, spending_tx: spend });
            let call = OutputSpentChallenge {
                tx: tx.clone(),
                tx_pos,
                proof,
                output_index: index,
                spending_tx: spending.signed.tx.clone(),
                spending_input_index: slot,
                spending_sig: signature_bytes(&sig),
            };
            out.1.push(Action { sender: None, call: ExitCall::ChallengeOutputSpent(call) });
        }
    }

    fn piggybacks(
        &self,
        hash: B256,
        known: &KnownTx,
        ife: &ObservedIfe,
        beaten: bool,
        out: &mut (Vec<Finding>, Vec<Action>),
    ) {
        let tx = &known.signed.tx;
        let mut slots = Vec::new();
        for (index, output) in tx.used_outputs() {
            let spent = known
                .included
                .and_then(|p| p.with_oindex(index).ok())
                .is_some_and(|pos| !self.spends_signed_by(pos, output.owner, None).is_empty());
            if self.users.contains(&output.owner) && !beaten && !spent {
                slots.push((true, index, output.owner));
            }
        }
        for ((index, input), owner) in tx.named_inputs().zip(&ife.input_owners) {
            let spent_elsewhere = !self.spends_signed_by(input, *owner, Some(hash)).is_empty();
            if self.users.contains(owner) && !spent_elsewhere && (beaten || known.included.is_none()) {
                slots.push((false, index, *owner));
            }
        }
        for (is_output, index, owner) in slots.into_iter().filter(|(o, i, _)| !ife.piggybacked(*o, *i)) {
            out.0.push(Finding::PiggybackAvailable { tx_hash: hash, owner, is_output, index });
            let call = Piggyback { tx: tx.clone(), index, is_output, owner };
            out.1.push(Action { sender: Some(owner), call: ExitCall::Piggyback(call) });
        }
    }

    /// The 512-byte inclusion proof of the transaction at `tx_pos`, from the published blocks.
    fn proof_of(&self, tx_pos: UtxoPos) -> Option<Bytes> {
        let block = self.blocks.get(&tx_pos.blknum())?;
        block.proof(u64::from(tx_pos.txindex())).ok().map(|p| p.to_bytes())
    }

    /// The exits the users should start now that the chain went bad.
    fn exit_plan(&self) -> Vec<Action> {
        let mut actions = Vec::new();
        for (pos, output) in self.ledger.utxos() {
            if !self.users.contains(&output.owner)
                || self.exits.contains_key(pos)
                || !self.spends_signed_by(*pos, output.owner, None).is_empty()
            {
                continue;
            }
            if let Some(call) = self.output_exit(*pos, *output) {
                actions.push(Action { sender: Some(output.owner), call });
            }
        }
        let mut own: Vec<(&B256, &KnownTx, Address)> = self
            .txs
            .iter()
            .filter(|(hash, known)| self.in_flight_for_users(hash, known))
            .filter_map(|(hash, known)| Some((hash, known, known.sender?)))
            .collect();
        own.sort_by_key(|(hash, _, _)| **hash);
        for (_, known, starter) in own {
            if let Some(exit) = self.in_flight_exit(&known.signed) {
                actions.push(Action { sender: Some(starter), call: ExitCall::StartInFlightExit(exit) });
            }
        }
        actions
    }

    /// Whether `known` is a transaction to exit in flight: not known to be included before the
    /// first fault, not known to be invalid, and no in-flight exit of it seen yet.
    fn in_flight_for_users(&self, hash: &B256, known: &KnownTx) -> bool {
        let settled = match (known.included, self.first_fault) {
            (Some(pos), Some(fault)) => pos < fault,
            (Some(_), None) => true,
            (None, _) => false,
        };
        !settled && !self.invalid.contains(hash) && !self.ifes_seen.contains(hash)
    }

    /// The exit of the output `pos` from the watcher's own data.
    fn output_exit(&self, pos: UtxoPos, output: Output) -> Option<ExitCall> {
        if pos.is_deposit() {
            let exit = DepositExit { blknum: pos.blknum(), owner: output.owner, amount: output.amount };
            return Some(ExitCall::StartDepositExit(exit));
        }
        let block = self.blocks.get(&pos.blknum())?;
        let tx = block.tx(u64::from(pos.txindex()))?.tx.clone();
        let proof = self.proof_of(pos.tx_pos())?;
        Some(ExitCall::StartStandardExit(StandardExit { utxo_pos: pos, tx, proof }))
    }

    /// `startInFlightExit` arguments for `signed` from the watcher's own data, if it knows where
    /// every input comes from and every amount fits.
    fn in_flight_exit(&self, signed: &SignedTx) -> Option<InFlightExit> {
        let shape = signed.tx.shape().ok()?;
        let input_txs = shape.inputs().map(|input| self.input_proof(input)).collect::<Option<Vec<_>>>()?;
        let exit = InFlightExit { tx: signed.tx.clone(), sigs: signed.sigs_bytes(), input_txs };
        exit.check_amounts().ok()?;
        Some(exit)
    }

    /// The [`InputProof`] of `input`: the deposit record, or the creating transaction of a
    /// published block with its proof.
    fn input_proof(&self, input: UtxoPos) -> Option<InputProof> {
        if input.is_deposit() {
            let deposit = self.deposits.get(&input.blknum())?;
            return Some(InputProof {
                tx: PaymentTx::deposit_record(deposit.owner, deposit.amount),
                proof: Bytes::new(),
            });
        }
        let block = self.blocks.get(&input.blknum())?;
        let tx = block.tx(u64::from(input.txindex()))?.tx.clone();
        Some(InputProof { tx, proof: self.proof_of(input.tx_pos())? })
    }

    /// Sum of the replica's unspent outputs (for metrics and conservation checks).
    #[must_use]
    pub fn replica_total(&self) -> U256 {
        self.ledger.total()
    }
}

/// The bit of input or output slot `index` in a piggyback bitmap.
fn slot_bit(index: u8) -> Result<u8> {
    if usize::from(index) < MAX_INPUTS.max(MAX_OUTPUTS) { Ok(1 << index) } else { Err(MoreVpError::BadSlot(index)) }
}

/// The finding of an invalid transaction: a double spend, a mint, or any other invalidity.
fn classify(blknum: BlockNumber, txindex: u16, reason: Invalidity, busy: &BTreeMap<UtxoPos, UtxoPos>) -> Finding {
    match reason {
        Invalidity::SpentInput { input, by } => Finding::DoubleSpend { blknum, txindex, input, earlier: by },
        Invalidity::PendingInput(input) => {
            Finding::DoubleSpend { blknum, txindex, input, earlier: busy.get(&input).copied() }
        }
        reason if reason.is_mint() => Finding::Mint { blknum, txindex, reason },
        reason => Finding::InvalidTx { blknum, txindex, reason },
    }
}

#[cfg(test)]
mod tests {

    use plasma_core::{ChildChain, SigningKey};

    use super::*;
    use crate::{game::youngest_input, tx::in_flight_exit_id};
    use plasma_testkit::{domain, key};

    const P: u64 = 1_000;

    /// An operator and a watcher for Alice and Bob; Mallory and Carol are strangers.
    struct Fx {
        op: Operator,
        w: Watcher,
        next_child: u64,
        next_deposit: u64,
        now: u64,
        alice: SigningKey,
        bob: SigningKey,
        carol: SigningKey,
        mallory: SigningKey,
    }

    impl Fx {
        fn new() -> Self {
            let (alice, bob, carol, mallory) = (key("alice"), key("bob"), key("carol"), key("mallory"));
            let w = Watcher::new(domain(), P, [alice.address(), bob.address()]);
            let op = Operator::new(domain());
            Self { op, w, next_child: 1000, next_deposit: 1, now: 1_000_000, alice, bob, carol, mallory }
        }

        fn deposit(&mut self, owner: &SigningKey, amount: u64) -> UtxoPos {
            let event = DepositEvent {
                depositor: owner.address(),
                blknum: self.next_child - 1000 + self.next_deposit,
                amount: U256::from(amount),
            };
            self.next_deposit += 1;
            let pos = self.op.apply_deposit(&event).unwrap();
            let report = self.w.on_deposit(&event).unwrap();
            assert!(report.findings.is_empty());
            pos
        }

        /// Seals the pending block (`withhold`: keeps its data back) and has the watcher check it.
        fn seal(&mut self, withhold: bool) -> Report {
            if withhold {
                self.op.withhold_next_block();
            }
            let block = self.op.build_block().unwrap();
            let event = BlockSubmittedEvent { blknum: self.next_child, root: block.root(), timestamp: self.now };
            self.next_child += 1000;
            self.next_deposit = 1;
            self.now += 10;
            self.op.on_block_submitted(&event).unwrap();
            self.w.on_block_submitted(&event).unwrap();
            let mut reports = self.w.sync(&self.op).unwrap();
            assert_eq!(reports.len(), 1);
            reports.remove(0)
        }

        fn tx(&self, inputs: &[UtxoPos], outputs: &[(&SigningKey, u64)], signers: &[&SigningKey]) -> SignedTx {
            let outputs: Vec<Output> = outputs.iter().map(|(k, a)| Output::new(k.address(), U256::from(*a))).collect();
            SignedTx::sign(PaymentTx::payment(inputs, &outputs).unwrap(), &domain(), signers)
        }

        fn event(&mut self, event: GameEvent) -> Report {
            self.now += 1;
            self.w.on_event(&event, self.now).unwrap()
        }

        fn start_ife(&mut self, tx: &SignedTx) -> Report {
            let tx_hash = tx.tx_hash(&domain());
            let event = GameEvent::InFlightExitStarted {
                tx_hash,
                starter: self.carol.address(),
                tx: Box::new(tx.clone()),
                exit_id: in_flight_exit_id(tx_hash),
            };
            self.event(event)
        }

        fn piggybacked(&mut self, tx: &SignedTx, is_output: bool, index: u8, owner: Address) -> Report {
            self.event(GameEvent::InFlightExitPiggybacked { tx_hash: tx.tx_hash(&domain()), owner, is_output, index })
        }

        fn standard_exit(&mut self, utxo_pos: UtxoPos, owner: &SigningKey, amount: u64) -> Report {
            let output_id = B256::ZERO; // the watcher does not read it
            let exit = GameEvent::StandardExitStarted {
                utxo_pos,
                owner: owner.address(),
                amount: U256::from(amount),
                output_id,
                exitable_at: self.now + P,
            };
            self.event(exit)
        }
    }

    fn calls(report: &Report) -> Vec<&ExitCall> {
        report.actions.iter().map(|a| &a.call).collect()
    }

    #[test]
    fn valid_blocks_give_nothing() {
        let mut fx = Fx::new();
        let d = fx.deposit(&fx.alice.clone(), 100);
        let tx = fx.tx(&[d], &[(&fx.bob.clone(), 60), (&fx.alice.clone(), 40)], &[&fx.alice.clone()]);
        fx.op.submit_tx(tx).unwrap();
        let report = fx.seal(false);
        assert_eq!(report, Report { status: Some(BlockStatus::Valid), findings: vec![], actions: vec![] });
        assert!(!fx.w.exit_mode());
        assert_eq!(fx.w.ledger().utxos(), fx.op.utxos());
    }

    #[test]
    fn an_unsigned_spend_is_an_invalid_tx_and_the_users_exit() {
        let mut fx = Fx::new();
        let (alice, mallory) = (fx.alice.clone(), fx.mallory.clone());
        let d = fx.deposit(&alice, 100);
        fx.op.include_unsigned_spend(fx.tx(&[d], &[(&mallory, 100)], &[&mallory]).tx, &mallory).unwrap();
        let report = fx.seal(false);
        assert_eq!(report.status, Some(BlockStatus::Invalid));
        assert_eq!(
            report.findings,
            vec![Finding::InvalidTx {
                blknum: 1000,
                txindex: 0,
                reason: Invalidity::WrongSigner { slot: 0, expected: alice.address(), recovered: mallory.address() }
            }]
        );
        assert_eq!(report.findings[0].kind(), "invalid_tx");
        assert_eq!(fx.w.first_fault(), Some(1000));
        // Alice's deposit is exited at once.
        let exit = DepositExit { blknum: d.blknum(), owner: alice.address(), amount: U256::from(100) };
        assert_eq!(calls(&report), vec![&ExitCall::StartDepositExit(exit)]);
        assert_eq!(report.actions[0].sender, Some(alice.address()));
    }

    #[test]
    fn double_spends_and_mints_are_told_apart() {
        let mut fx = Fx::new();
        let (alice, mallory, bob) = (fx.alice.clone(), fx.mallory.clone(), fx.bob.clone());
        let d = fx.deposit(&alice, 100);
        fx.op.submit_tx(fx.tx(&[d], &[(&bob, 100)], &[&alice])).unwrap();
        fx.op.include_double_spend(d, Output::new(mallory.address(), U256::from(100)), &alice).unwrap();
        fx.op.mint(Output::new(mallory.address(), U256::from(1_000)), &mallory).unwrap();
        let report = fx.seal(false);
        let ghost = UtxoPos::new(1000, 65_535, 3).unwrap();
        let first = UtxoPos::tx(1000, 0).unwrap();
        assert_eq!(
            report.findings,
            vec![
                Finding::DoubleSpend { blknum: 1000, txindex: 1, input: d, earlier: Some(first) },
                Finding::Mint {
                    blknum: 1000,
                    txindex: 2,
                    reason: Invalidity::InputNotOlder { input: ghost, blknum: 1000 }
                },
            ]
        );
        assert_eq!((report.findings[0].kind(), report.findings[1].kind()), ("double_spend", "mint"));
        // Bob's output, valid and older than nothing the fault created, is exited.
        let bob_out = UtxoPos::new(1000, 0, 0).unwrap();
        assert!(
            matches!(calls(&report)[..], [ExitCall::StartStandardExit(StandardExit { utxo_pos, .. })] if *utxo_pos == bob_out)
        );
        // The same deposit spent again in a later block, and a mint from a slot that never held anything.
        fx.op.include_double_spend(d, Output::new(mallory.address(), U256::from(100)), &alice).unwrap();
        fx.op.mint(Output::new(mallory.address(), U256::from(1_000)), &mallory).unwrap();
        let report = fx.seal(false);
        assert_eq!(
            report.findings,
            vec![
                Finding::DoubleSpend { blknum: 2000, txindex: 0, input: d, earlier: Some(first) },
                Finding::Mint { blknum: 2000, txindex: 1, reason: Invalidity::UnknownInput(ghost) },
            ]
        );
        assert!(report.actions.is_empty());
    }

    #[test]
    fn invalid_exit_is_challenged_with_an_included_or_in_flight_spend() {
        let mut fx = Fx::new();
        let (alice, bob) = (fx.alice.clone(), fx.bob.clone());
        let d1 = fx.deposit(&alice, 100);
        let d2 = fx.deposit(&alice, 50);
        let included = fx.tx(&[d1], &[(&bob, 100)], &[&alice]);
        fx.op.submit_tx(included.clone()).unwrap();
        fx.seal(false);
        let report = fx.standard_exit(d1, &alice, 100);
        let hash = included.tx_hash(&domain());
        assert_eq!(report.findings, vec![Finding::InvalidExit { utxo_pos: d1, spending_tx: hash }]);
        let ExitCall::ChallengeStandardExit(challenge) = &report.actions[0].call else { panic!("{report:?}") };
        assert_eq!((challenge.utxo_pos, &challenge.spending_tx, challenge.input_index), (d1, &included.tx, 0));
        assert_eq!(challenge.sig.as_ref(), included.sigs[0].to_bytes().as_slice());
        assert_eq!(report.actions[0].sender, None);
        // Reported once; still pending until the exit is closed.
        assert_eq!(fx.w.tick(fx.now + 1), Report::default());
        assert_eq!(fx.w.pending_actions().len(), 1);
        fx.event(GameEvent::StandardExitChallenged { utxo_pos: d1, challenger: bob.address() });
        assert!(fx.w.pending_actions().is_empty());

        // In flight: the spend the wallet handed over is enough.
        let in_flight = fx.tx(&[d2], &[(&bob, 50)], &[&alice]);
        assert_eq!(fx.w.watch_tx(&in_flight), Report::default());
        let report = fx.standard_exit(d2, &alice, 50);
        assert!(matches!(&calls(&report)[..], [ExitCall::ChallengeStandardExit(c)] if c.spending_tx == in_flight.tx));
        // A valid exit of an unspent output calls for nothing.
        let bob_out = UtxoPos::new(1000, 0, 0).unwrap();
        assert_eq!(fx.standard_exit(bob_out, &bob, 100), Report::default());
        assert!(!fx.w.exit_mode());
    }

    #[test]
    fn an_exit_nobody_can_challenge_sends_the_users_out() {
        let mut fx = Fx::new();
        let (alice, mallory) = (fx.alice.clone(), fx.mallory.clone());
        let d = fx.deposit(&alice, 100);
        fx.seal(false);
        // An exit of output 5 of block 1000, which holds nothing, as if the game had accepted it.
        let ghost = UtxoPos::new(1000, 5, 0).unwrap();
        let report = fx.standard_exit(ghost, &mallory, 1_000);
        assert_eq!(report.findings, vec![Finding::UnchallengedExit { exit: ExitRef::Standard(ghost) }]);
        assert_eq!(report.findings[0].kind(), "unchallenged_exit");
        assert!(fx.w.exit_mode());
        assert_eq!(
            calls(&report),
            vec![&ExitCall::StartDepositExit(DepositExit {
                blknum: d.blknum(),
                owner: alice.address(),
                amount: U256::from(100)
            })]
        );
        // An exit in a block not checked yet is not judged.
        let unchecked = UtxoPos::new(9000, 0, 0).unwrap();
        assert!(fx.standard_exit(unchecked, &mallory, 1).findings.is_empty());
    }

    /// Mallory (deposit 50) pays Bob in flight (T1) and Carol (T2, included in block 1000).
    fn double_spender() -> (Fx, SignedTx, SignedTx) {
        let mut fx = Fx::new();
        let (bob, carol, mallory) = (fx.bob.clone(), fx.carol.clone(), fx.mallory.clone());
        let d = fx.deposit(&mallory, 50);
        let t1 = fx.tx(&[d], &[(&bob, 50)], &[&mallory]);
        let t2 = fx.tx(&[d], &[(&carol, 50)], &[&mallory]);
        fx.w.watch_tx(&t1);
        fx.op.submit_tx(t2.clone()).unwrap();
        assert_eq!(fx.seal(false).status, Some(BlockStatus::Valid));
        (fx, t1, t2)
    }

    #[test]
    fn noncanonical_ife_is_challenged_with_the_oldest_competitor_in_phase_1() {
        let (mut fx, t1, t2) = double_spender();
        let report = fx.start_ife(&t1);
        let t2_pos = UtxoPos::tx(1000, 0).unwrap();
        let (h1, h2) = (t1.tx_hash(&domain()), t2.tx_hash(&domain()));
        assert_eq!(
            report.findings,
            vec![Finding::NoncanonicalIfe { tx_hash: h1, competitor: h2, competitor_pos: Some(t2_pos) }]
        );
        let ExitCall::ChallengeNotCanonical(c) = calls(&report)[0] else { panic!("{report:?}") };
        assert_eq!((c.competing_tx_pos, c.input_index, c.competing_input_index), (Some(t2_pos), 0, 0));
        let proof = plasma_core::BinaryProof::from_bytes(&c.competing_proof).unwrap();
        assert!(proof.verify(fx.w.block(1000).unwrap().root(), h2, 0));
        assert_eq!(c.competing_sig.as_ref(), t2.sigs[0].to_bytes().as_slice());
        // Bob, the recipient of a beaten transaction, is not told to piggyback its output.
        assert_eq!(report.actions.len(), 1);
        // Once recorded, nothing younger is worth a challenge.
        fx.event(GameEvent::InFlightExitChallenged {
            tx_hash: h1,
            challenger: fx.carol.address(),
            competitor_position: t2_pos.encode(),
        });
        assert!(fx.w.pending_actions().is_empty());
    }

    #[test]
    fn no_challenge_after_phase_1_or_against_an_older_inclusion() {
        let (mut fx, t1, _) = double_spender();
        let report = fx.start_ife(&t1);
        let started_at = fx.now;
        assert!(matches!(calls(&report)[..], [ExitCall::ChallengeNotCanonical(_)]));
        assert_eq!(fx.w.tick(started_at + P / 2 - 1).actions, vec![]);
        assert_eq!(fx.w.pending_actions().len(), 1);
        fx.w.tick(started_at + P / 2);
        assert!(fx.w.pending_actions().is_empty(), "{:?}", fx.w.pending_actions());
        // T2 included before T1: T1 is not beaten by a younger spend.
        let mut fx = Fx::new();
        let (alice, bob, carol) = (fx.alice.clone(), fx.bob.clone(), fx.carol.clone());
        let d = fx.deposit(&alice, 10);
        let first = fx.tx(&[d], &[(&bob, 10)], &[&alice]);
        fx.op.submit_tx(first.clone()).unwrap();
        fx.seal(false);
        let later = fx.tx(&[d], &[(&carol, 10)], &[&alice]);
        fx.w.watch_tx(&later);
        let report = fx.start_ife(&first);
        assert!(report.findings.iter().all(|f| !matches!(f, Finding::NoncanonicalIfe { .. })), "{report:?}");
    }

    #[test]
    fn false_canonicity_challenge_is_answered_with_the_inclusion() {
        let mut fx = Fx::new();
        let (bob, carol, mallory) = (fx.bob.clone(), fx.carol.clone(), fx.mallory.clone());
        let d = fx.deposit(&mallory, 50);
        let t1 = fx.tx(&[d], &[(&bob, 50)], &[&mallory]);
        fx.op.submit_tx(t1.clone()).unwrap();
        fx.seal(false);
        // Mallory spends her input again later, in flight.
        let t2 = fx.tx(&[d], &[(&carol, 50)], &[&mallory]);
        fx.w.watch_tx(&t2);
        let h1 = t1.tx_hash(&domain());
        fx.start_ife(&t1);
        let report = fx.event(GameEvent::InFlightExitChallenged {
            tx_hash: h1,
            challenger: mallory.address(),
            competitor_position: U256::MAX,
        });
        let t1_pos = UtxoPos::tx(1000, 0).unwrap();
        assert_eq!(report.findings, vec![Finding::FalseCanonicityChallenge { tx_hash: h1, tx_pos: t1_pos }]);
        assert_eq!(report.findings[0].kind(), "noncanonical_ife");
        let ExitCall::RespondToNonCanonicalChallenge(r) = calls(&report)[0] else { panic!("{report:?}") };
        assert_eq!((r.tx_pos, &r.tx), (t1_pos, &t1.tx));
        assert!(plasma_core::BinaryProof::from_bytes(&r.proof).unwrap().verify(
            fx.w.block(1000).unwrap().root(),
            h1,
            0
        ));
        // Answered: canonical again, with T1's position recorded.
        fx.event(GameEvent::InFlightExitChallengeResponded {
            tx_hash: h1,
            responder: bob.address(),
            tx_pos: t1_pos.encode(),
        });
        assert!(fx.w.pending_actions().iter().all(|a| !matches!(a.call, ExitCall::RespondToNonCanonicalChallenge(_))));
    }

    #[test]
    fn a_withheld_block_published_late_answers_a_false_canonicity_challenge() {
        let mut fx = Fx::new();
        let (bob, carol, mallory) = (fx.bob.clone(), fx.carol.clone(), fx.mallory.clone());
        let d = fx.deposit(&mallory, 50);
        let t1 = fx.tx(&[d], &[(&bob, 50)], &[&mallory]);
        fx.op.submit_tx(t1.clone()).unwrap();
        fx.w.watch_tx(&t1);
        assert_eq!(fx.seal(true).status, Some(BlockStatus::Withheld));
        let t2 = fx.tx(&[d], &[(&carol, 50)], &[&mallory]);
        fx.w.watch_tx(&t2);
        let h1 = t1.tx_hash(&domain());
        fx.start_ife(&t1);
        let challenged = GameEvent::InFlightExitChallenged {
            tx_hash: h1,
            challenger: mallory.address(),
            competitor_position: U256::MAX,
        };
        let report = fx.event(challenged);
        let responds = |r: &Report| calls(r).iter().any(|c| matches!(c, ExitCall::RespondToNonCanonicalChallenge(_)));
        assert!(!responds(&report), "the inclusion is not known yet: {report:?}");
        // The operator publishes the block late: the verdict stands, the inclusion is learned, and
        // the false challenge is answered.
        fx.op.publish_late(1000);
        let reports = fx.w.sync(&fx.op).unwrap();
        let [late] = reports.as_slice() else { panic!("{reports:?}") };
        let Some(ExitCall::RespondToNonCanonicalChallenge(r)) =
            calls(late).into_iter().find(|c| matches!(c, ExitCall::RespondToNonCanonicalChallenge(_)))
        else {
            panic!("{late:?}")
        };
        assert_eq!(r.tx_pos, UtxoPos::tx(1000, 0).unwrap());
        assert_eq!(fx.w.status(1000), Some(BlockStatus::Withheld));
        // Late data is taken once.
        assert!(fx.w.on_late_block_data(1000, std::slice::from_ref(&t1)).is_err());
        assert!(fx.w.sync(&fx.op).unwrap().is_empty());
    }

    #[test]
    fn piggybacked_input_spent_elsewhere_is_challenged() {
        let (mut fx, t1, t2) = double_spender();
        let h1 = t1.tx_hash(&domain());
        fx.start_ife(&t1);
        let report = fx.piggybacked(&t1, false, 0, fx.mallory.address());
        assert_eq!(
            report.findings,
            vec![Finding::InvalidPiggyback {
                tx_hash: h1,
                is_output: false,
                index: 0,
                spending_tx: t2.tx_hash(&domain())
            }]
        );
        let ExitCall::ChallengeInputSpent(c) = calls(&report)[0] else { panic!("{report:?}") };
        assert_eq!((c.input_index, &c.spending_tx, c.spending_input_index), (0, &t2.tx, 0));
        fx.event(GameEvent::InFlightExitInputBlocked { tx_hash: h1, challenger: fx.bob.address(), index: 0 });
        assert!(fx.w.pending_actions().iter().all(|a| !matches!(a.call, ExitCall::ChallengeInputSpent(_))));
    }

    #[test]
    fn piggybacked_output_spent_later_is_challenged() {
        let mut fx = Fx::new();
        let (alice, bob, carol) = (fx.alice.clone(), fx.bob.clone(), fx.carol.clone());
        let d = fx.deposit(&alice, 10);
        let t1 = fx.tx(&[d], &[(&bob, 10)], &[&alice]);
        fx.op.submit_tx(t1.clone()).unwrap();
        fx.seal(false);
        let bob_out = UtxoPos::new(1000, 0, 0).unwrap();
        let t3 = fx.tx(&[bob_out], &[(&carol, 10)], &[&bob]);
        fx.op.submit_tx(t3.clone()).unwrap();
        fx.seal(false);
        let report = fx.start_ife(&t1);
        // Bob spent his output: no piggyback for him.
        assert!(report.actions.is_empty(), "{report:?}");
        let report = fx.piggybacked(&t1, true, 0, bob.address());
        let ExitCall::ChallengeOutputSpent(c) = calls(&report)[0] else { panic!("{report:?}") };
        assert_eq!(
            (c.tx_pos, c.output_index, &c.spending_tx, c.spending_input_index),
            (UtxoPos::tx(1000, 0).unwrap(), 0, &t3.tx, 0)
        );
        assert_eq!(report.findings[0].kind(), "invalid_piggyback");
    }

    #[test]
    fn piggybacks_follow_ownership_and_canonicity() {
        let mut fx = Fx::new();
        let (alice, bob) = (fx.alice.clone(), fx.bob.clone());
        let d = fx.deposit(&alice, 100);
        // Alice's payment in flight: Bob piggybacks his output, Alice her input and her change.
        let t = fx.tx(&[d], &[(&bob, 60), (&alice, 40)], &[&alice]);
        fx.w.watch_tx(&t);
        let report = fx.start_ife(&t);
        let h = t.tx_hash(&domain());
        let mut available: Vec<(Address, bool, u8)> = report
            .findings
            .iter()
            .filter_map(|f| match f {
                Finding::PiggybackAvailable { tx_hash, owner, is_output, index } if *tx_hash == h => {
                    Some((*owner, *is_output, *index))
                }
                _ => None,
            })
            .collect();
        available.sort();
        let mut expected = vec![(bob.address(), true, 0), (alice.address(), true, 1), (alice.address(), false, 0)];
        expected.sort();
        assert_eq!(available, expected);
        assert!(report.actions.iter().all(|a| matches!(&a.call, ExitCall::Piggyback(p) if Some(p.owner) == a.sender)));
        // Once piggybacked, not asked again; after phase 1, nothing.
        fx.piggybacked(&t, true, 0, bob.address());
        assert_eq!(fx.w.pending_actions().len(), 2);
        fx.w.tick(fx.now + P);
        assert!(fx.w.pending_actions().is_empty());
    }

    #[test]
    fn input_piggyback_when_a_co_signer_double_spent() {
        let mut fx = Fx::new();
        let (alice, bob, carol, mallory) = (fx.alice.clone(), fx.bob.clone(), fx.carol.clone(), fx.mallory.clone());
        let da = fx.deposit(&alice, 10);
        let dm = fx.deposit(&mallory, 10);
        // Alice and Mallory pay Bob together; Mallory spends her input again, included first.
        let joint = fx.tx(&[da, dm], &[(&bob, 20)], &[&alice, &mallory]);
        let cheat = fx.tx(&[dm], &[(&carol, 10)], &[&mallory]);
        fx.w.watch_tx(&joint);
        fx.op.submit_tx(cheat).unwrap();
        fx.seal(false);
        let report = fx.start_ife(&joint);
        let piggybacks: Vec<(bool, u8)> = report
            .actions
            .iter()
            .filter_map(|a| match &a.call {
                ExitCall::Piggyback(p) => Some((p.is_output, p.index)),
                _ => None,
            })
            .collect();
        // Alice exits her input (a competitor she did not sign beats the transaction); Bob's output
        // is not canonical.
        assert_eq!(piggybacks, vec![(false, 0)]);
        assert!(calls(&report).iter().any(|c| matches!(c, ExitCall::ChallengeNotCanonical(_))));
    }

    /// docs/security.md (client duties): the chain's non-canonical verdict counts even when the
    /// competitor behind it is hidden from the watcher. Mallory's second spend of her input is in a
    /// withheld block; the joint payment with Alice is included later. Its in-flight exit is found
    /// non-canonical with the hidden (older) competitor: Alice piggybacks her input.
    #[test]
    fn an_on_chain_non_canonical_verdict_calls_for_the_input_piggyback() {
        let mut fx = Fx::new();
        let (alice, bob, carol, mallory) = (fx.alice.clone(), fx.bob.clone(), fx.carol.clone(), fx.mallory.clone());
        let da = fx.deposit(&alice, 10);
        let dm = fx.deposit(&mallory, 10);
        let cheat = fx.tx(&[dm], &[(&carol, 10)], &[&mallory]);
        fx.op.include_unchecked(cheat).unwrap();
        fx.seal(true);
        let joint = fx.tx(&[da, dm], &[(&bob, 20)], &[&alice, &mallory]);
        fx.w.watch_tx(&joint);
        fx.op.include_unchecked(joint.clone()).unwrap();
        fx.seal(false);
        let report = fx.start_ife(&joint);
        let input_piggyback = |r: &Report| {
            calls(r).iter().any(|c| matches!(c, ExitCall::Piggyback(p) if !p.is_output && p.owner == alice.address()))
        };
        assert!(!input_piggyback(&report), "included, and no competitor known: no input piggyback yet");
        let tx_hash = joint.tx_hash(&domain());
        let hidden = UtxoPos::tx(1000, 0).unwrap();
        let challenged = GameEvent::InFlightExitChallenged {
            tx_hash,
            challenger: mallory.address(),
            competitor_position: hidden.encode(),
        };
        let report = fx.event(challenged);
        assert!(input_piggyback(&report), "{report:?}");
    }

    #[test]
    fn withheld_block_exits_included_outputs_and_in_flight_transactions() {
        let mut fx = Fx::new();
        let (alice, bob, carol) = (fx.alice.clone(), fx.bob.clone(), fx.carol.clone());
        let d = fx.deposit(&alice, 100);
        let t = fx.tx(&[d], &[(&bob, 60), (&alice, 40)], &[&alice]);
        fx.op.submit_tx(t).unwrap();
        fx.seal(false);
        let change = UtxoPos::new(1000, 0, 1).unwrap();
        let t2 = fx.tx(&[change], &[(&carol, 40)], &[&alice]);
        fx.w.watch_tx(&t2);
        fx.op.submit_tx(t2.clone()).unwrap();
        let report = fx.seal(true);
        assert_eq!(report.status, Some(BlockStatus::Withheld));
        assert_eq!(report.findings, vec![Finding::BlockWithheld { blknum: 2000 }]);
        assert_eq!(report.findings[0].kind(), "block_withholding");
        let bob_out = UtxoPos::new(1000, 0, 0).unwrap();
        let [se, ife] = &report.actions[..] else { panic!("{report:?}") };
        assert!(
            matches!(&se.call, ExitCall::StartStandardExit(e) if e.utxo_pos == bob_out && e.owner() == bob.address())
        );
        assert_eq!(se.sender, Some(bob.address()));
        let ExitCall::StartInFlightExit(exit) = &ife.call else { panic!("{ife:?}") };
        assert_eq!(ife.sender, Some(alice.address()));
        assert_eq!((&exit.tx, exit.sigs.clone()), (&t2.tx, t2.sigs_bytes()));
        let root = fx.w.block(1000).unwrap().root();
        let proof = plasma_core::BinaryProof::from_bytes(&exit.input_txs[0].proof).unwrap();
        assert!(proof.verify(root, exit.input_txs[0].tx.hash(&domain()), 0));
        assert_eq!(youngest_input(&exit.tx), Some(change));
        // The exit is seen: Alice piggybacks her input (her transaction, never known included).
        let report = fx.start_ife(&t2);
        assert!(matches!(&calls(&report)[..], [ExitCall::Piggyback(p)] if !p.is_output && p.owner == alice.address()));
    }
}
