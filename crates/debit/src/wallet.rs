//! One user's Plasma Debit client (`docs/debit.md`, "Client and watcher"): per coin the verified
//! history of Debit transactions, the capacity, and the latest co-signed channel state; the
//! user's side of payments (payer and payee), transfers carrying the balance, channel updates,
//! exit arguments and the stored-bytes figure. A recipient also keeps the payer's history of a coin
//! handed to it ([`DebitWallet::expect_payment`]) until the full history arrives, and learns the
//! handover from its published inclusion when the operator hid it in a withheld block
//! ([`DebitWallet::learn_payment`], the rearrangement attack of `docs/cash.md`, "Safety notes"):
//! it can then challenge with it and exit from it.
//!
//! The wallet never signs a nonce of a coin that is not above every nonce it has signed or seen
//! for it, and never signs a leg of a coin whose history it has not verified. Untrusted input
//! (histories, entries, states, payments to co-sign) is checked first and leaves the wallet as it
//! was when refused.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256};
use plasma_cash::{CoinTx, DepositRecord, Entry, Roots};
use plasma_core::{BlockNumber, Domain, GameCall, Signature, SigningKey, SparseProof, is_child_block, recover};
use serde::{Deserialize, Serialize};

use crate::{
    abi::DebitIncluded,
    error::{DebitError, DebitInvalidity, Result},
    game::{DebitExit, DebitGame, included_of, no_parent},
    history::{DebitHistory, DebitMove, DebitTip, verify},
    operator::DebitOperator,
    tx::{ChannelState, DebitTx, DebitTxExt, Leg, SignedDebitTx, sign},
};

/// What the wallet keeps per coin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldCoin {
    /// The verified history.
    pub history: DebitHistory,
    /// The capacity `v` (deposit plus liquidity), wei.
    pub capacity: u128,
    /// The latest channel state co-signed by the operator, if any.
    pub latest_state: Option<ChannelState>,
}

/// How a holder exits a coin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExitArgs {
    /// From the deposit (`startDepositExit`).
    Deposit(DepositRecord),
    /// From the last move and its parent (`startExit`).
    Move(Box<DebitExit>),
}

impl ExitArgs {
    /// The coin it exits.
    #[must_use]
    pub const fn coin_id(&self) -> u64 {
        match self {
            Self::Deposit(record) => record.coin_id,
            Self::Move(exit) => exit.record.coin_id,
        }
    }

    /// The call that starts the exit, with the exit bond of `game`.
    #[must_use]
    pub fn call(&self, game: &DebitGame) -> GameCall {
        match self {
            Self::Deposit(record) => game.start_deposit_exit_call(record),
            Self::Move(exit) => game.start_exit_call(exit),
        }
    }
}

/// A handover of a coin to this wallet learned from its published inclusion (the response of a
/// `HistoryChallengeAnswered` event), checked against the root the wallet knows for its block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnedPayment {
    /// The transaction, its block and its inclusion proof(s).
    pub included: DebitIncluded,
    /// The signature of the coin's leg (by its previous holder).
    pub sig: Signature,
}

/// What [`DebitWallet::sync`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Entries added, over all coins.
    pub extended: usize,
    /// Committed blocks whose data the operator refused: histories stop before them.
    pub withheld: BTreeSet<BlockNumber>,
    /// Coins whose served entry breaks the rules (a transaction the holder never signed, a payment
    /// at one key only, a stale nonce), with the block and the reason: those histories stop there.
    pub invalid: Vec<(u64, BlockNumber, String)>,
}

/// What a payee hands its payer (`DebitWallet::invoice`): the coin to credit as the payee holds it
/// now and the amount. The payer builds the payee's leg from it ([`Invoice::leg`]), so it signs
/// only a leg that keeps the holder and raises the balance by exactly the amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// The payee's coin.
    pub coin_id: u64,
    /// Where it last moved.
    pub last_moved: BlockNumber,
    /// Its holder (the payee).
    pub holder: Address,
    /// Its holder's balance now (wei).
    pub balance: u128,
    /// Its channel nonce now.
    pub nonce: u64,
    /// The amount to credit (wei).
    pub amount: u128,
}

impl Invoice {
    /// The payee's leg of the payment: the same holder, the balance raised by `amount`, the next
    /// nonce; `None` on overflow.
    #[must_use]
    pub fn leg(&self) -> Option<Leg> {
        Some(Leg {
            coin_id: self.coin_id,
            prev_block: self.last_moved,
            owner: self.holder,
            balance: self.balance.checked_add(self.amount)?,
            nonce: self.nonce.checked_add(1)?,
        })
    }
}

/// A wallet: one key, the roots it learned, its coins.
#[derive(Debug)]
pub struct DebitWallet {
    key: SigningKey,
    domain: Domain,
    operator: Address,
    roots: Roots,
    coins: BTreeMap<u64, HeldCoin>,
    exiting: BTreeSet<u64>,
    /// Each handover to this wallet not received yet: the transfer and the payer's history.
    expected: BTreeMap<u64, (DebitTx, DebitHistory)>,
    /// Handovers learned from published inclusions, by coin.
    learned: BTreeMap<u64, LearnedPayment>,
    /// The highest nonce this wallet ever signed per coin, co-signed or not: a proposal the
    /// operator refused may still be held (and included, or answered with) by it, so the next
    /// signature must be above it.
    signed: BTreeMap<u64, u64>,
    /// Coins whose exit was paid (`ExitFinalized` with `paid`): they are gone from the chain, and
    /// no later transaction of them is worth anything.
    paid_out: BTreeSet<u64>,
}

impl DebitWallet {
    /// A wallet for `key` under `domain`, whose operator signs with `operator`.
    #[must_use]
    pub const fn new(key: SigningKey, domain: Domain, operator: Address) -> Self {
        Self {
            key,
            domain,
            operator,
            roots: Roots::new(),
            coins: BTreeMap::new(),
            exiting: BTreeSet::new(),
            expected: BTreeMap::new(),
            learned: BTreeMap::new(),
            signed: BTreeMap::new(),
            paid_out: BTreeSet::new(),
        }
    }

    /// Records that `coin_id` has an open exit (`ExitStarted`): until it ends the wallet signs no
    /// leg and no channel state of it (`docs/debit.md`, "Client and watcher").
    pub fn on_exit_started(&mut self, coin_id: u64) {
        self.exiting.insert(coin_id);
    }

    /// Records that the open exit of `coin_id` ended (cancelled or processed).
    pub fn on_exit_ended(&mut self, coin_id: u64) {
        self.exiting.remove(&coin_id);
    }

    /// Records that an exit of `coin_id` was paid (`ExitFinalized` with `paid`): the coin is gone.
    /// The wallet refuses it from now on, whatever later history a payer shows (a colluding
    /// operator may still include a transfer of it).
    pub fn on_exit_paid(&mut self, coin_id: u64) {
        self.exiting.remove(&coin_id);
        self.paid_out.insert(coin_id);
    }

    /// Whether an exit of `coin_id` was paid.
    #[must_use]
    pub fn is_paid_out(&self, coin_id: u64) -> bool {
        self.paid_out.contains(&coin_id)
    }

    /// The wallet's address.
    #[must_use]
    pub fn address(&self) -> Address {
        self.key.address()
    }

    /// Records a block root seen on the root chain (child `BlockSubmitted` or deposit record).
    pub fn learn_root(&mut self, blknum: BlockNumber, root: B256) {
        self.roots.insert(blknum, root);
    }

    /// The roots learned so far.
    #[must_use]
    pub const fn roots(&self) -> &Roots {
        &self.roots
    }

    /// Records a deposit (its root); keeps the coin when the wallet is its depositor. A wallet
    /// that learned the roots of later child blocks first keeps it too, its history waiting for
    /// their entries ([`DebitWallet::extend`] catches it up one block at a time).
    pub fn on_deposit(&mut self, record: DepositRecord) -> Result<bool> {
        self.learn_root(record.coin_id, record.root());
        if record.depositor != self.address() {
            return Ok(false);
        }
        let history = DebitHistory::new(record);
        let capacity = record.amount.saturating_to();
        if DebitHistory::next_child_block(&self.roots, record.coin_id).is_some() {
            let covered: Roots = self.roots.range(..=record.coin_id).map(|(b, r)| (*b, *r)).collect();
            verify(&history, &self.domain, &covered, capacity)?;
            self.coins.insert(record.coin_id, HeldCoin { history, capacity, latest_state: None });
        } else {
            self.receive(history, capacity)?;
        }
        Ok(true)
    }

    /// Records liquidity merged into `coin_id` (`LiquidityAdded`).
    pub fn on_liquidity(&mut self, coin_id: u64, amount: u128) {
        if let Some(coin) = self.coins.get_mut(&coin_id) {
            coin.capacity = coin.capacity.saturating_add(amount);
        }
    }

    /// Accepts a coin from its full history (a payment of the coin or a handed-out coin): it must
    /// verify against the known roots and end with this wallet as holder.
    pub fn receive(&mut self, history: DebitHistory, capacity: u128) -> Result<DebitTip> {
        if self.paid_out.contains(&history.coin_id()) {
            return Err(DebitError::PaidOut(history.coin_id()));
        }
        let tip = verify(&history, &self.domain, &self.roots, capacity)?;
        if tip.owner != self.address() {
            return Err(DebitError::NotHolder(history.coin_id()));
        }
        let coin_id = history.coin_id();
        self.coins.insert(coin_id, HeldCoin { history, capacity, latest_state: None });
        self.expected.remove(&coin_id);
        self.learned.remove(&coin_id);
        Ok(tip)
    }

    /// Checks `entry` as the entry of block `blknum` of `coin_id` and appends it; returns the tip.
    pub fn extend(&mut self, coin_id: u64, blknum: BlockNumber, entry: Entry<DebitMove>) -> Result<DebitTip> {
        let coin = self.coins.get(&coin_id).ok_or(DebitError::UnknownCoin(coin_id))?;
        let mut history = coin.history.clone();
        history.extend(&self.domain, &self.roots, blknum, entry)?;
        // Verified up to `blknum`: a wallet whose entries arrive after later roots catches up one
        // block at a time (against every known root, each step but the last is "missing" a block).
        let covered: Roots = self.roots.range(..=blknum).map(|(b, r)| (*b, *r)).collect();
        let tip = verify(&history, &self.domain, &covered, coin.capacity)?;
        if let Some(coin) = self.coins.get_mut(&coin_id) {
            coin.history = history;
        }
        Ok(tip)
    }

    /// Extends the history of every coin the wallet holds (coins handed away keep the history up to
    /// their transfer, as in Plasma Cash) with every known block after it, from the entries
    /// `operator` serves ([`DebitOperator::coin_entry`]). A withheld (or unknown) block stops that
    /// coin's history and is reported, and so is an entry that fails the rules.
    pub fn sync(&mut self, operator: &DebitOperator) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        for coin_id in self.held_coins() {
            while let Some(blknum) = self.next_block_for(coin_id) {
                let entry = match operator.coin_entry(blknum, coin_id) {
                    Ok(entry) => entry,
                    Err(DebitError::Withheld(_) | DebitError::UnknownBlock(_)) => {
                        report.withheld.insert(blknum);
                        break;
                    }
                    Err(other) => return Err(other),
                };
                match self.extend(coin_id, blknum, entry) {
                    Ok(_) => report.extended += 1,
                    Err(invalid) => {
                        report.invalid.push((coin_id, blknum, invalid.to_string()));
                        break;
                    }
                }
            }
        }
        Ok(report)
    }

    /// The next child block the wallet knows of after what `coin_id`'s history covers.
    #[must_use]
    pub fn next_block_for(&self, coin_id: u64) -> Option<BlockNumber> {
        let coin = self.coins.get(&coin_id)?;
        DebitHistory::next_child_block(&self.roots, coin.history.covered_through()).map(|(blknum, _)| blknum)
    }

    /// Whether `coin_id`'s history covers every child block the wallet knows of (what a recipient
    /// requires before accepting the coin or a payment from it).
    #[must_use]
    pub fn is_current(&self, coin_id: u64) -> bool {
        self.coins.contains_key(&coin_id) && self.next_block_for(coin_id).is_none()
    }

    /// Forgets a coin (after transferring it away or exiting it) and returns what was kept.
    pub fn forget(&mut self, coin_id: u64) -> Option<HeldCoin> {
        self.expected.remove(&coin_id);
        self.learned.remove(&coin_id);
        self.coins.remove(&coin_id)
    }

    /// Records a handover of a coin to this wallet announced by its payer before inclusion: the
    /// ownership transfer `tx` and the payer's history of the coin (unverified; used for the
    /// deposit record and the parent of an exit from a learned payment).
    pub fn expect_payment(&mut self, tx: &DebitTx, payer_history: DebitHistory) -> Result<()> {
        if tx.is_payment() || tx.newOwner != self.address() || payer_history.coin_id() != tx.coinId {
            return Err(DebitError::NotRecipient(tx.coinId));
        }
        if self.paid_out.contains(&tx.coinId) {
            return Err(DebitError::PaidOut(tx.coinId));
        }
        self.expected.insert(tx.coinId, (*tx, payer_history));
        Ok(())
    }

    /// Learns a handover of a coin to this wallet from its published inclusion (the response and
    /// signature of a `HistoryChallengeAnswered` event): exactly the transfer it was told of
    /// ([`DebitWallet::expect_payment`]), of a coin it does not hold, signed by the payer and
    /// included under the root the wallet knows for that child block. Returns the coin; nothing
    /// changes on error.
    pub fn learn_payment(&mut self, included: &DebitIncluded, sig: &[u8]) -> Result<u64> {
        let tx = &included.tx;
        let coin_id = tx.coinId;
        let expected = self.expected.get(&coin_id).filter(|(expected, _)| expected == tx);
        let Some((_, payer_history)) = expected.filter(|_| !self.held_coins().contains(&coin_id)) else {
            return Err(DebitError::NotRecipient(coin_id));
        };
        let sig = Signature::from_bytes(sig)?;
        let signer = recover(tx.hash(&self.domain), &sig).map_err(|e| DebitInvalidity::BadSignature(e.to_string()))?;
        if signer != payer_history.owner() {
            return Err(DebitInvalidity::BadSignature(format!("signed by {signer}, not the payer")).into());
        }
        let root = *self.roots.get(&included.blknum).ok_or(DebitError::UnknownBlock(included.blknum))?;
        let proof = SparseProof::from_bytes(&included.proof)?;
        if !is_child_block(included.blknum) || !proof.verify_inclusion(root, coin_id, tx.hash(&self.domain)) {
            return Err(DebitError::NotIncluded { blknum: included.blknum, coin_id });
        }
        self.learned.insert(coin_id, LearnedPayment { included: included.clone(), sig });
        Ok(coin_id)
    }

    /// The handover of `coin_id` learned from a published inclusion, if any.
    #[must_use]
    pub fn learned_payment(&self, coin_id: u64) -> Option<&LearnedPayment> {
        self.learned.get(&coin_id)
    }

    /// The coins learned from published inclusions.
    pub fn learned_coins(&self) -> Vec<u64> {
        self.learned.keys().copied().collect()
    }

    /// What the wallet keeps of `coin_id`.
    #[must_use]
    pub fn coin(&self, coin_id: u64) -> Option<&HeldCoin> {
        self.coins.get(&coin_id)
    }

    /// The coins whose history, as checked entry by entry, ends with this wallet as holder (also
    /// when a withheld or invalid block stopped the history).
    pub fn held_coins(&self) -> Vec<u64> {
        self.coins.iter().filter(|(_, c)| c.history.owner() == self.address()).map(|(id, _)| *id).collect()
    }

    /// The coins kept.
    pub fn coin_ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.coins.keys().copied()
    }

    /// The verified tip of `coin_id`'s included history.
    pub fn tip(&self, coin_id: u64) -> Result<DebitTip> {
        let coin = self.coins.get(&coin_id).ok_or(DebitError::UnknownCoin(coin_id))?;
        verify(&coin.history, &self.domain, &self.roots, coin.capacity)
    }

    /// The coin's current `(balance, nonce)`: the latest co-signed state when it is newer than the
    /// last included leg.
    pub fn balance(&self, coin_id: u64) -> Result<(u128, u64)> {
        let tip = self.tip(coin_id)?;
        let state = self.coins.get(&coin_id).and_then(|c| c.latest_state);
        Ok(match state {
            Some(s) if s.tx.nonce > tip.nonce => (s.tx.balance, s.tx.nonce),
            _ => (tip.balance, tip.nonce),
        })
    }

    /// The wallet's next leg of a coin it holds: `prevBlock` the last move, nonce one above.
    fn next_leg(&self, coin_id: u64, owner: Address, balance: u128) -> Result<Leg> {
        if self.exiting.contains(&coin_id) {
            return Err(DebitError::Exiting(coin_id));
        }
        if self.paid_out.contains(&coin_id) {
            return Err(DebitError::PaidOut(coin_id));
        }
        let tip = self.tip(coin_id)?;
        if tip.owner != self.address() {
            return Err(DebitError::NotHolder(coin_id));
        }
        let (_, nonce) = self.balance(coin_id)?;
        let nonce = nonce.max(self.signed.get(&coin_id).copied().unwrap_or(0));
        let nonce = nonce.checked_add(1).ok_or(DebitError::CannotPay { amount: balance, reason: "nonce overflow" })?;
        Ok(Leg { coin_id, prev_block: tip.last_moved, owner, balance, nonce })
    }

    /// Signs `tx` and remembers the nonce it gives `coin_id`: never signed again.
    fn sign_leg(&mut self, tx: &DebitTx, coin_id: u64) -> Signature {
        if let Some(leg) = tx.leg(coin_id) {
            let highest = self.signed.entry(coin_id).or_default();
            *highest = (*highest).max(leg.nonce);
        }
        sign(tx, &self.domain, &self.key)
    }

    fn capacity(&self, coin_id: u64) -> Result<u128> {
        self.coins.get(&coin_id).map(|c| c.capacity).ok_or(DebitError::UnknownCoin(coin_id))
    }

    /// The payee's leg for receiving `amount` into `coin_id`: the balance raised by `amount` within
    /// the capacity, holder unchanged, next nonce.
    pub fn credit_leg(&self, coin_id: u64, amount: u128) -> Result<Leg> {
        let (balance, _) = self.balance(coin_id)?;
        let credited = balance.checked_add(amount).filter(|b| *b <= self.capacity(coin_id).unwrap_or(0));
        let credited = credited.ok_or(DebitError::CannotPay { amount, reason: "the payee's coin has no room" })?;
        self.next_leg(coin_id, self.address(), credited)
    }

    /// The payer's side of an atomic payment from `coin_id` into the coin `invoice` names: the
    /// payment (payer's leg first) and the payer's signature. The wallet builds the payee's leg
    /// itself from the invoice (same holder, balance raised by exactly the amount, next nonce), so
    /// that its one signature moves nothing but what it means, and refuses a peer coin it holds
    /// ([`DebitInvalidity::PeerIsOwnCoin`], docs/security.md F-5).
    pub fn pay(&mut self, coin_id: u64, invoice: &Invoice) -> Result<(DebitTx, Signature)> {
        let peer = invoice.coin_id;
        if peer == coin_id || peer == 0 {
            return Err(DebitInvalidity::SamePeer(coin_id).into());
        }
        // The payer's signature covers both legs: never one that moves a coin it holds.
        if invoice.holder == self.address() || self.held_coins().contains(&peer) {
            return Err(DebitInvalidity::PeerIsOwnCoin(peer).into());
        }
        let amount = invoice.amount;
        let payee_leg =
            invoice.leg().ok_or(DebitError::CannotPay { amount, reason: "the payee's balance overflows" })?;
        let (balance, _) = self.balance(coin_id)?;
        let debited = balance.checked_sub(amount).ok_or(DebitError::CannotPay { amount, reason: "balance too low" })?;
        let tx = DebitTx::payment(self.next_leg(coin_id, self.address(), debited)?, payee_leg);
        let sig = self.sign_leg(&tx, coin_id);
        Ok((tx, sig))
    }

    /// What the payee hands its payer to be paid `amount` into `coin_id`: the coin as this wallet
    /// holds it now (last move, holder, balance, nonce), checked for room as
    /// [`DebitWallet::credit_leg`] does.
    pub fn invoice(&self, coin_id: u64, amount: u128) -> Result<Invoice> {
        let leg = self.credit_leg(coin_id, amount)?;
        let (balance, _) = self.balance(coin_id)?;
        // The nonce below the leg's: above every nonce this wallet signed for the coin.
        let nonce = leg.nonce - 1;
        Ok(Invoice { coin_id, last_moved: leg.prev_block, holder: leg.owner, balance, nonce, amount })
    }

    /// The payee's co-signature of a payment crediting `amount` to `coin_id`: its leg must be
    /// exactly [`DebitWallet::credit_leg`].
    pub fn accept_payment(&mut self, tx: &DebitTx, coin_id: u64, amount: u128) -> Result<Signature> {
        // A payment from a coin that was paid out moves nothing.
        if let Some(payer) = tx.coins().into_iter().find(|c| self.paid_out.contains(c)) {
            return Err(DebitError::PaidOut(payer));
        }
        let expected = self.credit_leg(coin_id, amount)?;
        if tx.side_of(coin_id) != Some(crate::tx::Side::Peer) || tx.leg(coin_id) != Some(expected) {
            return Err(DebitInvalidity::UnbalancedPayment.into());
        }
        Ok(self.sign_leg(tx, coin_id))
    }

    /// An ownership transfer of `coin_id` to `to`, stating the current balance.
    pub fn transfer(&mut self, coin_id: u64, to: Address) -> Result<SignedDebitTx> {
        let (balance, _) = self.balance(coin_id)?;
        self.transfer_stating(coin_id, to, balance)
    }

    /// An ownership transfer of `coin_id` to `to` stating `balance`: a user's transfer states its
    /// current balance (the operator refuses any other); the operator hands a coin it holds out
    /// stating what the new holder gets of it.
    pub fn transfer_stating(&mut self, coin_id: u64, to: Address, balance: u128) -> Result<SignedDebitTx> {
        let tx = DebitTx::single(self.next_leg(coin_id, to, balance)?);
        let sig = self.sign_leg(&tx, coin_id);
        Ok(SignedDebitTx::new(tx, vec![sig]))
    }

    /// A channel update of `coin_id` to `balance`, signed by the holder, for the operator to
    /// co-sign (or to include).
    pub fn propose_state(&mut self, coin_id: u64, balance: u128) -> Result<(DebitTx, Signature)> {
        if balance > self.capacity(coin_id)? {
            return Err(DebitError::CannotPay { amount: balance, reason: "above the capacity" });
        }
        let tx = DebitTx::single(self.next_leg(coin_id, self.address(), balance)?);
        let sig = self.sign_leg(&tx, coin_id);
        Ok((tx, sig))
    }

    /// Keeps a co-signed state of a coin the wallet holds: signed by the wallet and the operator,
    /// nonce above the current one. Kept even while the coin has an open exit: the wallet signed
    /// it before (it signs nothing then), and a state the operator returns only after starting an
    /// exit from an older one is what the channel challenge needs.
    pub fn store_state(&mut self, state: ChannelState) -> Result<()> {
        let coin_id = state.tx.coinId;
        state.check(&self.domain, self.address(), self.operator)?;
        let (_, nonce) = self.balance(coin_id)?;
        if state.tx.nonce <= nonce {
            return Err(DebitInvalidity::StaleNonce { coin_id, last: nonce, got: state.tx.nonce }.into());
        }
        if let Some(coin) = self.coins.get_mut(&coin_id) {
            coin.latest_state = Some(state);
        }
        Ok(())
    }

    /// The latest co-signed state of `coin_id`.
    #[must_use]
    pub fn latest_state(&self, coin_id: u64) -> Option<ChannelState> {
        self.coins.get(&coin_id).and_then(|c| c.latest_state)
    }

    /// The exit arguments of `coin_id`: from the deposit if it never moved, else its last move and
    /// that move's parent (with the signature of this coin's leg). A newer co-signed state is then
    /// asserted with a channel challenge (see the watcher).
    pub fn exit_args(&self, coin_id: u64) -> Result<ExitArgs> {
        if !self.held_coins().contains(&coin_id)
            && let Some(learned) = self.learned.get(&coin_id)
        {
            return self.exit_args_learned(coin_id, learned);
        }
        let coin = self.coins.get(&coin_id).ok_or(DebitError::UnknownCoin(coin_id))?;
        let history = &coin.history;
        let record = *history.start();
        let Some(last) = history.last_move() else { return Ok(ExitArgs::Deposit(record)) };
        let sig = last.tx.signed.sig_for(coin_id).ok_or(DebitInvalidity::NoLeg(coin_id))?;
        let parent = if last.tx.prev_block() == coin_id {
            no_parent()
        } else {
            history.parent_of(&last).map(|p| included_of(&p)).ok_or(DebitError::UnknownBlock(last.tx.prev_block()))?
        };
        Ok(ExitArgs::Move(Box::new(DebitExit { record, parent, exiting: included_of(&last), exiting_sig: sig })))
    }

    /// The exit arguments of a learned handover: the deposit record and the parent from the payer's
    /// history.
    fn exit_args_learned(&self, coin_id: u64, learned: &LearnedPayment) -> Result<ExitArgs> {
        let (_, history) = self.expected.get(&coin_id).ok_or(DebitError::UnknownCoin(coin_id))?;
        let prev_block = learned.included.tx.prevBlock;
        let parent = if prev_block == coin_id {
            no_parent()
        } else {
            history.move_at(prev_block).map(|p| included_of(&p)).ok_or(DebitError::UnknownBlock(prev_block))?
        };
        let exiting = learned.included.clone();
        Ok(ExitArgs::Move(Box::new(DebitExit { record: *history.start(), parent, exiting, exiting_sig: learned.sig })))
    }

    /// Bytes kept for `coin_id`: the history (Cash's formula with Debit transaction sizes and peer
    /// proofs) plus the latest co-signed state.
    #[must_use]
    pub fn stored_bytes(&self, coin_id: u64) -> usize {
        self.coins
            .get(&coin_id)
            .map_or(0, |c| c.history.stored_bytes() + c.latest_state.as_ref().map_or(0, ChannelState::stored_bytes))
    }
}
