//! One user's Plasma Cash client: its coins with their full histories, payments, receipts and exit
//! arguments.
//!
//! A [`Wallet`] learns the roots of every block from the root chain ([`Wallet::on_deposit`],
//! [`Wallet::on_block_submitted`]) and keeps a [`CashHistory`] for every coin it owns, or owned and
//! paid away (the history up to its payment stays, for challenges). A payment from A to B goes:
//!
//! 1. `let tx = a.pay(coin, b)?`: A signs `CashTx(coin, lastMoved, B)`; the coin is reserved until
//!    the payment shows up in A's history (or [`Wallet::cancel`]);
//! 2. the operator includes it; `a.sync(&operator)?` extends A's histories with each new block from
//!    the operator's proofs, the payment's `Moved` entry included;
//! 3. `b.receive(a.handover(coin)?)?`: B verifies the whole history against the roots *it* knows
//!    (every committed block must be covered) and accepts the coin only if it ends with B as owner.
//!
//! A history that spans a block whose data the operator refuses cannot be extended or verified:
//! [`Wallet::sync`] reports the withheld block and the coin stays where it was (still safe: its
//! owner answers any exit built on the missing block with an invalid-history challenge).
//!
//! A payment to this wallet that the operator hides in a withheld block may be revealed later by an
//! answer to a history challenge ([`Wallet::learn_payment`]); with the sender's history handed over
//! beforehand ([`Wallet::expect_payment`]) the wallet can then exit the coin without a full history.
//!
//! [`Wallet::stored_bytes`] is the `docs/cash.md` formula over the histories held.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256};
use plasma_core::{
    BlockNumber, BlockSubmittedEvent, DepositEvent, Domain, Signature, SigningKey, SparseProof, deposit_root,
    is_child_block, is_deposit_block,
};
use serde::{Deserialize, Serialize};

use crate::{
    error::{CashError, Invalidity, Result},
    game::{CashExit, DepositExit, ExitClaim, Included, IncludedExt},
    history::{CashHistory, CoinTx, DepositRecord, Entry, Move, Roots},
    operator::Operator,
    tx::{CashTx, CashTxExt, SignedCashTx},
};

/// A payment to this wallet announced by its sender, before it is seen included: the signed
/// transaction and the sender's history of the coin (which holds the exit's parent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedPayment {
    /// The payment.
    pub tx: SignedCashTx,
    /// The sender's history, up to the sender's ownership.
    pub sender_history: CashHistory,
}

/// A payment to this wallet known only from its inclusion published on the root chain (an answer
/// to a history challenge), not from a full history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LearnedPayment {
    /// The payment and its signature.
    pub tx: SignedCashTx,
    /// The block that includes it.
    pub blknum: BlockNumber,
    /// Its inclusion proof, checked against the block's root.
    pub proof: SparseProof,
}

/// A transaction of a coin the wallet knows to be included, with its proof: from a history, from an
/// expected payment's sender history, or learned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownMove {
    /// The block that includes it.
    pub blknum: BlockNumber,
    /// The transaction.
    pub tx: SignedCashTx,
    /// Its inclusion proof.
    pub proof: SparseProof,
}

impl KnownMove {
    fn from_move(m: &Move<'_, SignedCashTx>) -> Self {
        Self { blknum: m.blknum, tx: *m.tx, proof: m.proof.clone() }
    }

    /// As the exit game takes it.
    #[must_use]
    pub fn included(&self) -> Included {
        Included::new(self.tx.tx, self.blknum, &self.proof)
    }
}

/// What [`Wallet::sync`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Entries added, over all coins.
    pub extended: usize,
    /// Committed blocks whose data the operator refused: histories stop before them.
    pub withheld: BTreeSet<BlockNumber>,
    /// Coins whose entry the operator served but that fail the rules (an invalid transaction of
    /// the coin, a bad proof), with the block and the reason: those histories stop there.
    pub invalid: Vec<(u64, BlockNumber, Invalidity)>,
    /// Reserved coins whose payment is now in the history: hand the history to the recipient.
    pub paid: Vec<u64>,
}

/// One user's client.
#[derive(Clone, Debug)]
pub struct Wallet {
    key: Option<SigningKey>,
    address: Address,
    domain: Domain,
    roots: Roots,
    histories: BTreeMap<u64, CashHistory>,
    reserved: BTreeMap<u64, SignedCashTx>,
    expected: BTreeMap<u64, ExpectedPayment>,
    learned: BTreeMap<u64, LearnedPayment>,
    /// Coins whose exit was paid (`ExitFinalized` with `paid`): gone from the chain, refused from
    /// any payer, never paid on.
    paid_out: BTreeSet<u64>,
}

impl Wallet {
    /// The wallet of `key`'s owner on the deployment `domain`.
    #[must_use]
    pub fn new(key: SigningKey, domain: Domain) -> Self {
        let mut wallet = Self::watch_only(key.address(), domain);
        wallet.key = Some(key);
        wallet
    }

    /// A wallet that tracks `address`'s coins but cannot pay until [`Wallet::set_key`].
    #[must_use]
    pub const fn watch_only(address: Address, domain: Domain) -> Self {
        Self {
            key: None,
            address,
            domain,
            roots: Roots::new(),
            histories: BTreeMap::new(),
            reserved: BTreeMap::new(),
            expected: BTreeMap::new(),
            learned: BTreeMap::new(),
            paid_out: BTreeSet::new(),
        }
    }

    /// Records that an exit of `coin_id` was paid (`ExitFinalized` with `paid`): the coin is gone.
    /// The wallet refuses it from now on, whatever later history a payer shows (a colluding
    /// operator may still include a transfer of it), and signs nothing more for it.
    pub fn on_exit_paid(&mut self, coin_id: u64) {
        self.paid_out.insert(coin_id);
    }

    /// Whether an exit of `coin_id` was paid.
    #[must_use]
    pub fn is_paid_out(&self, coin_id: u64) -> bool {
        self.paid_out.contains(&coin_id)
    }

    /// Gives a watch-only wallet its key; [`CashError::NoKey`] if the key is not the wallet's.
    pub fn set_key(&mut self, key: SigningKey) -> Result<()> {
        if key.address() != self.address {
            return Err(CashError::NoKey(self.address));
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

    /// The roots learned from the root chain.
    #[must_use]
    pub const fn roots(&self) -> &Roots {
        &self.roots
    }

    fn key(&self) -> Result<&SigningKey> {
        self.key.as_ref().ok_or(CashError::NoKey(self.address))
    }

    /// Records the root of block `blknum`. The same root again is harmless; another root under a
    /// known number is [`CashError::DuplicateBlock`].
    pub fn learn_root(&mut self, blknum: BlockNumber, root: B256) -> Result<()> {
        match self.roots.get(&blknum) {
            Some(known) if *known == root => Ok(()),
            Some(_) => Err(CashError::DuplicateBlock(blknum)),
            None => {
                self.roots.insert(blknum, root);
                Ok(())
            }
        }
    }

    /// Records a deposit seen on the root chain (anyone's: recipients check deposit records against
    /// these roots). A deposit by this wallet's owner starts the history of its coin, returned.
    pub fn on_deposit(&mut self, deposit: &DepositEvent) -> Result<Option<u64>> {
        let coin_id = deposit.blknum;
        if coin_id == 0 || !is_deposit_block(coin_id) {
            return Err(CashError::NotDepositBlock(coin_id));
        }
        if deposit.amount.is_zero() {
            return Err(CashError::ZeroDeposit(coin_id));
        }
        self.learn_root(coin_id, deposit_root(deposit.depositor, deposit.amount))?;
        if deposit.depositor != self.address {
            return Ok(None);
        }
        let record = DepositRecord::new(coin_id, deposit.depositor, deposit.amount);
        self.histories.entry(coin_id).or_insert_with(|| CashHistory::new(record));
        Ok(Some(coin_id))
    }

    /// Records a child block's root.
    pub fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> Result<()> {
        if !is_child_block(event.blknum) {
            return Err(CashError::NotChildBlock(event.blknum));
        }
        self.learn_root(event.blknum, event.root)
    }

    /// The history of `coin_id`, if the wallet holds one.
    #[must_use]
    pub fn history(&self, coin_id: u64) -> Option<&CashHistory> {
        self.histories.get(&coin_id)
    }

    /// Every history held (owned coins and coins paid away), by coin.
    #[must_use]
    pub const fn histories(&self) -> &BTreeMap<u64, CashHistory> {
        &self.histories
    }

    /// Whether the wallet's history of `coin_id` ends with it as owner.
    #[must_use]
    pub fn owns(&self, coin_id: u64) -> bool {
        self.histories.get(&coin_id).is_some_and(|h| h.owner() == self.address)
    }

    /// The coins the wallet owns (reserved ones included), by id.
    #[must_use]
    pub fn owned_coins(&self) -> Vec<u64> {
        self.histories.iter().filter(|(_, h)| h.owner() == self.address).map(|(id, _)| *id).collect()
    }

    /// The owned coins no payment is pending for.
    #[must_use]
    pub fn spendable_coins(&self) -> Vec<u64> {
        self.owned_coins().into_iter().filter(|coin| !self.reserved.contains_key(coin)).collect()
    }

    /// The payment signed for `coin_id`, while it is not seen included.
    #[must_use]
    pub fn reserved(&self, coin_id: u64) -> Option<&SignedCashTx> {
        self.reserved.get(&coin_id)
    }

    /// The deposit record of `coin_id`, from a history the wallet holds.
    #[must_use]
    pub fn deposit_record(&self, coin_id: u64) -> Option<DepositRecord> {
        self.histories
            .get(&coin_id)
            .or_else(|| self.expected.get(&coin_id).map(|e| &e.sender_history))
            .map(|h| *h.start())
    }

    /// Signs `tx` with the wallet's key, without any check or reservation (for scenarios such as
    /// an owner's double spend).
    pub fn sign(&self, tx: CashTx) -> Result<SignedCashTx> {
        Ok(tx.sign(&self.domain, self.key()?))
    }

    /// Pays the whole coin `coin_id` to `to`: signs `CashTx(coin, lastMoved, to)` and reserves the
    /// coin until the payment shows up in its history ([`Wallet::sync`]) or is cancelled.
    pub fn pay(&mut self, coin_id: u64, to: Address) -> Result<SignedCashTx> {
        if to.is_zero() {
            return Err(CashError::InvalidPayment("zero recipient"));
        }
        let history = self.histories.get(&coin_id).ok_or(CashError::UnknownCoin(coin_id))?;
        let tip = history.tip();
        if tip.owner != self.address {
            return Err(CashError::NotOwner { coin_id, owner: tip.owner });
        }
        if self.paid_out.contains(&coin_id) {
            return Err(CashError::PaidOut(coin_id));
        }
        if self.reserved.contains_key(&coin_id) {
            return Err(CashError::CoinReserved(coin_id));
        }
        let tx = self.sign(CashTx::new(coin_id, tip.last_moved, to))?;
        self.reserved.insert(coin_id, tx);
        Ok(tx)
    }

    /// Drops the reservation of `coin_id` (the operator refused the payment); returns the payment.
    pub fn cancel(&mut self, coin_id: u64) -> Option<SignedCashTx> {
        self.reserved.remove(&coin_id)
    }

    /// The next child block the wallet knows of after what `coin_id`'s history covers.
    #[must_use]
    pub fn next_block_for(&self, coin_id: u64) -> Option<BlockNumber> {
        let history = self.histories.get(&coin_id)?;
        CashHistory::next_child_block(&self.roots, history.covered_through()).map(|(blknum, _)| blknum)
    }

    /// Checks the entry of block `blknum` for `coin_id` (the next known block of its history) and
    /// appends it. Nothing changes on error.
    pub fn extend(&mut self, coin_id: u64, blknum: BlockNumber, entry: Entry<SignedCashTx>) -> Result<()> {
        let history = self.histories.get_mut(&coin_id).ok_or(CashError::UnknownCoin(coin_id))?;
        history.extend(&self.domain, &self.roots, blknum, entry)?;
        self.settle_reservation(coin_id);
        Ok(())
    }

    /// Drops the reservation of a coin whose history no longer ends with this wallet; whether it did.
    fn settle_reservation(&mut self, coin_id: u64) -> bool {
        let paid = self.reserved.contains_key(&coin_id) && !self.owns(coin_id);
        if paid {
            self.reserved.remove(&coin_id);
        }
        paid
    }

    /// Extends the history of every owned coin with every known block after it, from the entries
    /// `operator` serves ([`Operator::coin_entry`]). A withheld (or unknown to the operator) block
    /// stops that coin's history and is reported; so is an entry that fails the rules. Coins whose
    /// pending payment got included are reported in [`SyncReport::paid`].
    pub fn sync(&mut self, operator: &Operator) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        for coin_id in self.owned_coins() {
            let was_reserved = self.reserved.contains_key(&coin_id);
            while let Some(blknum) = self.next_block_for(coin_id) {
                let entry = match operator.coin_entry(blknum, coin_id) {
                    Ok(entry) => entry,
                    Err(CashError::Withheld(_) | CashError::UnknownBlock(_)) => {
                        report.withheld.insert(blknum);
                        break;
                    }
                    Err(other) => return Err(other),
                };
                match self.extend(coin_id, blknum, entry) {
                    Ok(()) => report.extended += 1,
                    Err(CashError::InvalidHistory { coin_id, blknum, reason }) => {
                        report.invalid.push((coin_id, blknum, reason));
                        break;
                    }
                    Err(other) => return Err(other),
                }
            }
            if was_reserved && !self.reserved.contains_key(&coin_id) {
                report.paid.push(coin_id);
            }
        }
        Ok(report)
    }

    /// A copy of the history of `coin_id`, to hand to the recipient of a payment.
    pub fn handover(&self, coin_id: u64) -> Result<CashHistory> {
        self.histories.get(&coin_id).cloned().ok_or(CashError::UnknownCoin(coin_id))
    }

    /// Accepts a coin: verifies `history` in full against the roots this wallet knows (every
    /// committed child block after the deposit must be covered) and requires it to end with this
    /// wallet as owner. Returns the coin. Nothing is recorded on error.
    pub fn receive(&mut self, history: CashHistory) -> Result<u64> {
        let owner = history.verify(&self.domain, &self.roots)?;
        self.accept(history, owner)
    }

    /// Accepts a coin whose `history` covers every block the wallet knows before `blknum`, the
    /// next one, where the operator serves `entry`, an included transaction of the coin that breaks
    /// the rules (a spend its owner never signed, a double spend of an older ownership): it does not
    /// move the coin, so the history's owner still owns it, exactly as a wallet that held the coin
    /// when that block came keeps it ([`Wallet::sync`] stops the history there and reports the
    /// entry). Without this, a recipient that learns of such a block before the payer's handover
    /// arrives could never take the coin, nor defend it against the exit the faulty block serves.
    /// [`Wallet::receive`]'s error when the entry is valid, or fails for another reason (a missing
    /// or unproven entry); nothing is recorded on error.
    pub fn receive_before_invalid(
        &mut self,
        history: CashHistory,
        blknum: BlockNumber,
        entry: Entry<SignedCashTx>,
    ) -> Result<u64> {
        let before: Roots = self.roots.range(..blknum).map(|(b, r)| (*b, *r)).collect();
        let owner = history.verify(&self.domain, &before)?;
        let coin_id = history.coin_id();
        let included = match (&entry, self.roots.get(&blknum)) {
            (Entry::Moved { tx, proof }, Some(root)) => {
                proof.verify_inclusion(*root, coin_id, tx.leaf_value(&self.domain))
            }
            _ => false,
        };
        if !included {
            return self.receive(history);
        }
        match history.clone().extend(&self.domain, &self.roots, blknum, entry) {
            Err(CashError::InvalidHistory { blknum: at, reason, .. })
                if at == blknum
                    && !matches!(
                        reason,
                        Invalidity::MissingBlock
                            | Invalidity::UnknownBlock
                            | Invalidity::OutOfOrder
                            | Invalidity::NotIncluded
                            | Invalidity::NotExcluded
                    ) =>
            {
                self.accept(history, owner)
            }
            _ => self.receive(history),
        }
    }

    /// Drops the entries of `coin_id`'s history before child block `blknum`, keeping the last move
    /// up to it ([`CoinHistory::drop_entries_before`](crate::CoinHistory::drop_entries_before)):
    /// for an extension whose checkpoint of `blknum` vouches for the older part.
    pub fn drop_entries_before(&mut self, coin_id: u64, blknum: BlockNumber) -> Result<()> {
        let history = self.histories.get_mut(&coin_id).ok_or(CashError::UnknownCoin(coin_id))?;
        history.drop_entries_before(blknum);
        Ok(())
    }

    /// Accepts a coin whose history an extension verified (a Plasma XT checkpoint vouches for the
    /// part [`Wallet::drop_entries_before`] left out), without verifying it again: it must end with
    /// this wallet as owner. Returns the coin.
    pub fn adopt_verified(&mut self, history: CashHistory) -> Result<u64> {
        let owner = history.owner();
        self.accept(history, owner)
    }

    /// Keeps `history`, whose verified owner is `owner`, if that is this wallet.
    fn accept(&mut self, history: CashHistory, owner: Address) -> Result<u64> {
        let coin_id = history.coin_id();
        if self.paid_out.contains(&coin_id) {
            return Err(CashError::PaidOut(coin_id));
        }
        if owner != self.address {
            return Err(CashError::NotOwner { coin_id, owner });
        }
        self.histories.insert(coin_id, history);
        self.expected.remove(&coin_id);
        self.learned.remove(&coin_id);
        Ok(coin_id)
    }

    /// Records a payment to this wallet announced by its sender before inclusion: the signed `tx`
    /// and the sender's history of the coin. Unverified until the payment is revealed or a full
    /// history received; used for the exit's parent.
    pub fn expect_payment(&mut self, tx: SignedCashTx, sender_history: CashHistory) -> Result<()> {
        let coin_id = tx.tx.coinId;
        if tx.tx.newOwner != self.address {
            return Err(CashError::NotRecipient(coin_id));
        }
        if self.paid_out.contains(&coin_id) {
            return Err(CashError::PaidOut(coin_id));
        }
        if sender_history.coin_id() != coin_id {
            return Err(CashError::InvalidHistory {
                coin_id,
                blknum: sender_history.coin_id(),
                reason: Invalidity::WrongCoin { expected: coin_id, got: sender_history.coin_id() },
            });
        }
        // The payment must be the coin's next move where the sender's history leaves it, signed by
        // its owner there: anything else can never be included validly, and the wallet keeps none
        // of it.
        crate::history::check_move(&self.domain, &tx, coin_id, sender_history.tip()).map_err(CashError::InvalidTx)?;
        self.expected.insert(coin_id, ExpectedPayment { tx, sender_history });
        Ok(())
    }

    /// The payments announced to this wallet, by coin.
    #[must_use]
    pub const fn expected_payments(&self) -> &BTreeMap<u64, ExpectedPayment> {
        &self.expected
    }

    /// Learns a payment to this wallet from its published inclusion (the transaction, block and
    /// proof of a `HistoryChallengeAnswered` event, and its signature): the transaction must pay this
    /// wallet and be included under the root the wallet knows for that block. Returns the coin.
    pub fn learn_payment(&mut self, included: &Included, sig: &[u8]) -> Result<u64> {
        let coin_id = included.tx.coinId;
        if included.tx.newOwner != self.address {
            return Err(CashError::NotRecipient(coin_id));
        }
        let sig = Signature::from_bytes(sig)?;
        let root = *self.roots.get(&included.blknum).ok_or(CashError::UnknownBlock(included.blknum))?;
        let proof = SparseProof::from_bytes(&included.proof)?;
        if !is_child_block(included.blknum) || !proof.verify_inclusion(root, coin_id, included.tx.hash(&self.domain)) {
            return Err(CashError::NotIncluded { blknum: included.blknum, coin_id });
        }
        let tx = SignedCashTx::new(included.tx, sig);
        self.learned.insert(coin_id, LearnedPayment { tx, blknum: included.blknum, proof });
        Ok(coin_id)
    }

    /// The payments learned from published inclusions, by coin.
    #[must_use]
    pub const fn learned_payments(&self) -> &BTreeMap<u64, LearnedPayment> {
        &self.learned
    }

    /// Every included transaction of `coin_id` the wallet knows, in block order (one per block).
    #[must_use]
    pub fn known_moves(&self, coin_id: u64) -> Vec<KnownMove> {
        let mut moves: BTreeMap<BlockNumber, KnownMove> = BTreeMap::new();
        let histories =
            self.histories.get(&coin_id).into_iter().chain(self.expected.get(&coin_id).map(|e| &e.sender_history));
        for history in histories {
            for m in history.moves() {
                moves.entry(m.blknum).or_insert_with(|| KnownMove::from_move(&m));
            }
        }
        if let Some(learned) = self.learned.get(&coin_id) {
            let known = KnownMove { blknum: learned.blknum, tx: learned.tx, proof: learned.proof.clone() };
            moves.entry(learned.blknum).or_insert(known);
        }
        moves.into_values().collect()
    }

    /// The exit of `coin_id`: from the history of an owned coin (`startDepositExit` if it never
    /// moved, else `startExit` with its last move and that move's parent), or from a learned payment
    /// and the parent in the sender's history.
    pub fn exit_claim(&self, coin_id: u64) -> Result<ExitClaim> {
        if let Some(history) = self.histories.get(&coin_id).filter(|h| h.owner() == self.address) {
            return Self::claim_from_history(history);
        }
        if let Some(learned) = self.learned.get(&coin_id) {
            return self.claim_from_learned(learned);
        }
        match self.histories.get(&coin_id) {
            Some(history) => Err(CashError::NotOwner { coin_id, owner: history.owner() }),
            None => Err(CashError::UnknownCoin(coin_id)),
        }
    }

    fn claim_from_history(history: &CashHistory) -> Result<ExitClaim> {
        let record = *history.start();
        let Some(last) = history.last_move() else {
            return Ok(ExitClaim::Deposit(DepositExit { coin_id: record.coin_id, amount: record.amount }));
        };
        let parent = if last.tx.tx.spends_deposit() {
            Included::none()
        } else {
            history.parent_of(&last).map(|p| Included::from_move(&p)).ok_or(CashError::MissingParent(record.coin_id))?
        };
        Ok(ExitClaim::Tx(Box::new(CashExit {
            coin_id: record.coin_id,
            depositor: record.depositor,
            amount: record.amount,
            parent,
            exiting: Included::from_move(&last),
            exiting_sig: last.tx.sig,
        })))
    }

    fn claim_from_learned(&self, learned: &LearnedPayment) -> Result<ExitClaim> {
        let coin_id = learned.tx.tx.coinId;
        let record = self.deposit_record(coin_id).ok_or(CashError::MissingParent(coin_id))?;
        let parent = if learned.tx.tx.spends_deposit() {
            Included::none()
        } else {
            let prev = learned.tx.tx.prevBlock;
            let parent = self.known_moves(coin_id).into_iter().find(|m| m.blknum == prev);
            parent.map(|m| m.included()).ok_or(CashError::MissingParent(coin_id))?
        };
        Ok(ExitClaim::Tx(Box::new(CashExit {
            coin_id,
            depositor: record.depositor,
            amount: record.amount,
            parent,
            exiting: Included::new(learned.tx.tx, learned.blknum, &learned.proof),
            exiting_sig: learned.tx.sig,
        })))
    }

    /// The exits of every owned coin and every learned payment, by coin (those that cannot be built
    /// are left out).
    #[must_use]
    pub fn exit_claims(&self) -> Vec<ExitClaim> {
        let coins: BTreeSet<u64> = self.owned_coins().into_iter().chain(self.learned.keys().copied()).collect();
        coins.into_iter().filter_map(|coin| self.exit_claim(coin).ok()).collect()
    }

    /// Forgets everything about `coin_id` (after its exit was paid); returns its history if held.
    pub fn forget(&mut self, coin_id: u64) -> Option<CashHistory> {
        self.reserved.remove(&coin_id);
        self.expected.remove(&coin_id);
        self.learned.remove(&coin_id);
        self.histories.remove(&coin_id)
    }

    /// Bytes stored for the history of `coin_id` (`docs/cash.md` formula).
    #[must_use]
    pub fn stored_bytes_of(&self, coin_id: u64) -> Option<usize> {
        self.histories.get(&coin_id).map(CashHistory::stored_bytes)
    }

    /// Bytes stored for every history held.
    #[must_use]
    pub fn stored_bytes(&self) -> usize {
        self.histories.values().map(CashHistory::stored_bytes).sum()
    }
}
