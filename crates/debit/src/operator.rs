//! The Plasma Debit operator (`docs/debit.md`): coins with capacity and balance, the validity rules
//! it applies on submission, atomic payments placed at both keys of one block, liquidity, coins
//! handed out with `a = 0`, and the co-signing of channel states with increasing nonces.
//!
//! The operator keeps, per coin, its holder, balance, nonce (the highest it has included **or**
//! co-signed) and last move. It refuses any transaction whose leg does not name the coin's last
//! move, is not signed by its holder, does not raise the nonce, exceeds the capacity, or (for a
//! transfer or update by a user) quotes another balance than the latest agreed one; a payment must
//! keep both holders and the sum of the two balances. [`DebitOperator::include_unchecked`] is fault
//! injection: it places any signed transaction in the pending block without these checks (an
//! operator including an older co-signed state, for example).
//!
//! As a [`ChildChain`] the operator builds blocks that wait for their number
//! ([`ChildChain::build_block`]: their coins are in flight and take no other transaction) and are
//! numbered and applied by [`ChildChain::on_block_submitted`], as in Plasma Cash; [`DebitOperator::seal`]
//! does both at once when the caller knows the number. [`DebitOperator::withhold`] and
//! [`DebitOperator::hold_back`] are further fault injection: a withheld block's data and entries are
//! refused ([`DebitError::Withheld`]), a held-back transaction leaves the pending block so that the
//! operator can place it where it likes.
//!
//! The operator also follows the exit game ([`DebitOperator::open_exits`]): as the design's
//! [`OperatorState`](plasma_core::OperatorState) it answers every channel challenge, corrects every
//! exit started on a stale state with its latest co-signed state, and answers the history
//! challenges that name it with its own spend ([`DebitOperator::spend_of`]);
//! [`DebitOperator::stay_silent`] is fault injection that leaves a coin's channel unanswered.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use alloy_primitives::{Address, B256, Bytes};
use plasma_cash::Entry;
use plasma_core::{
    BlockNumber, BlockSubmittedEvent, Capabilities, ChildChain, DepositEvent, Domain, Signature, SigningKey,
    SparseProof, is_child_block, is_deposit_block,
};
use serde::{Deserialize, Serialize};

use crate::{
    block::DebitBlock,
    error::{DebitError, DebitInvalidity, Result},
    game::{LegSpend, ObservedHistoryChallenge},
    history::DebitMove,
    tx::{ChannelState, DebitTx, DebitTxExt, Leg, SignedDebitTx, sign},
    watcher::OpenExits,
};

/// What Plasma Debit supports: partial payments (any amount moves between two coins' balances),
/// payment channels with the operator, and the exclusion proofs of Plasma Cash's sparse tree.
pub const CAPABILITIES: Capabilities =
    Capabilities { partial_payments: true, channels: true, exclusion_proofs: true, ..Capabilities::NONE };

/// What the operator knows of one coin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CoinState {
    /// The holder.
    pub holder: Address,
    /// The latest agreed holder balance (included or co-signed), wei.
    pub balance: u128,
    /// The highest nonce included or co-signed.
    pub nonce: u64,
    /// The block where the coin last moved (its id before any move).
    pub last_moved: BlockNumber,
    /// The capacity `v` (deposit plus liquidity), wei.
    pub capacity: u128,
    /// The deposit amount, wei.
    pub deposit: u128,
}

/// The operator: coin states, the pending block, sealed blocks and co-signed channel states.
#[derive(Debug)]
pub struct DebitOperator {
    key: SigningKey,
    domain: Domain,
    coins: BTreeMap<u64, CoinState>,
    pending: Vec<SignedDebitTx>,
    pending_coins: BTreeSet<u64>,
    blocks: BTreeMap<BlockNumber, DebitBlock>,
    states: BTreeMap<u64, ChannelState>,
    awaiting: VecDeque<DebitBlock>,
    in_flight: BTreeSet<u64>,
    withheld: BTreeSet<BlockNumber>,
    /// The exits open on the root chain, as the operator read them.
    pub(crate) exits: OpenExits,
    /// The calls it decided, by exit and calldata: none is decided twice.
    pub(crate) decided: BTreeSet<(u128, Bytes)>,
    /// Coins whose channel challenges and stale exits it leaves unanswered (fault injection).
    pub(crate) silent: BTreeSet<u64>,
}

impl DebitOperator {
    /// An operator signing with `key` under `domain`.
    #[must_use]
    pub fn new(key: SigningKey, domain: Domain) -> Self {
        Self {
            key,
            domain,
            coins: BTreeMap::new(),
            pending: Vec::new(),
            pending_coins: BTreeSet::new(),
            blocks: BTreeMap::new(),
            states: BTreeMap::new(),
            awaiting: VecDeque::new(),
            in_flight: BTreeSet::new(),
            withheld: BTreeSet::new(),
            exits: OpenExits::new(),
            decided: BTreeSet::new(),
            silent: BTreeSet::new(),
        }
    }

    /// The operator's address.
    #[must_use]
    pub fn address(&self) -> Address {
        self.key.address()
    }

    /// The domain it signs under.
    #[must_use]
    pub const fn domain(&self) -> &Domain {
        &self.domain
    }

    /// Records deposit block `coin_id` of `amount` wei by `depositor`: holder `depositor`, `a = v =
    /// amount`, nonce 0.
    pub fn on_deposit(&mut self, coin_id: u64, depositor: Address, amount: u128) {
        let state = CoinState {
            holder: depositor,
            balance: amount,
            nonce: 0,
            last_moved: coin_id,
            capacity: amount,
            deposit: amount,
        };
        self.coins.insert(coin_id, state);
    }

    /// Records liquidity merged into `coin_id` on the root chain (`LiquidityAdded`): the capacity
    /// grows, the holder's balance does not.
    pub fn on_liquidity(&mut self, coin_id: u64, amount: u128) -> Result<()> {
        let coin = self.coins.get_mut(&coin_id).ok_or(DebitError::UnknownCoin(coin_id))?;
        coin.capacity = coin.capacity.saturating_add(amount);
        Ok(())
    }

    /// What the operator knows of `coin_id`.
    #[must_use]
    pub fn coin(&self, coin_id: u64) -> Option<&CoinState> {
        self.coins.get(&coin_id)
    }

    /// Every coin, by id.
    pub fn coins(&self) -> impl Iterator<Item = (u64, &CoinState)> + '_ {
        self.coins.iter().map(|(id, coin)| (*id, coin))
    }

    /// The coins `holder` holds, by id.
    #[must_use]
    pub fn coins_of(&self, holder: Address) -> Vec<u64> {
        self.coins.iter().filter(|(_, c)| c.holder == holder).map(|(id, _)| *id).collect()
    }

    /// The latest channel state it co-signed for `coin_id`.
    #[must_use]
    pub fn latest_state(&self, coin_id: u64) -> Option<&ChannelState> {
        self.states.get(&coin_id)
    }

    /// Checks `signed` against the coin states (see the module notes) and adds it to the pending
    /// block. Nothing changes on error.
    pub fn submit(&mut self, signed: SignedDebitTx) -> Result<()> {
        self.check(&signed)?;
        self.include_unchecked(signed)
    }

    /// Submits `txs` in order: the results, and the state after, are exactly those of
    /// [`ChildChain::submit_tx`] on each in turn. The signature recoveries (one per leg), which do
    /// not depend on the other transactions, run first on every core
    /// ([`plasma_core::par::map`]); the checks against the coins then run in order.
    pub fn submit_batch(&mut self, txs: Vec<SignedDebitTx>) -> Vec<Result<B256>> {
        let domain = self.domain;
        let recovered = plasma_core::par::map(&txs, |signed| {
            let hash = signed.tx_hash(&domain);
            let signers: Vec<(u64, Option<Address>)> =
                signed.tx.coins().into_iter().map(|coin| (coin, signed.signer_for(&domain, coin).ok())).collect();
            (hash, signers)
        });
        txs.into_iter()
            .zip(recovered)
            .map(|(signed, (hash, signers))| {
                let signer_of = |coin: u64| match signers.iter().find(|(c, _)| *c == coin) {
                    Some((_, Some(signer))) => Ok(*signer),
                    // Recover again for the exact error (rare: a bad signature).
                    _ => signed.signer_for(&domain, coin),
                };
                self.check_with(&signed, &signer_of)?;
                self.include_unchecked(signed)?;
                Ok(hash)
            })
            .collect()
    }

    /// Fault injection: adds `signed` to the pending block without the validity checks (only one
    /// transaction per coin per block is still enforced).
    pub fn include_unchecked(&mut self, signed: SignedDebitTx) -> Result<()> {
        let coins = signed.tx.coins();
        if let Some(coin) = coins.iter().find(|c| self.pending_coins.contains(c)) {
            return Err(DebitError::PendingCoin(*coin));
        }
        self.pending_coins.extend(coins);
        self.pending.push(signed);
        Ok(())
    }

    fn check(&self, signed: &SignedDebitTx) -> Result<()> {
        self.check_with(signed, &|coin| signed.signer_for(&self.domain, coin))
    }

    /// [`DebitOperator::check`] with the signer of each leg from `signer_of`.
    fn check_with(&self, signed: &SignedDebitTx, signer_of: &dyn Fn(u64) -> Result<Address>) -> Result<()> {
        let tx = &signed.tx;
        if tx.is_payment() && tx.peerCoin == tx.coinId {
            return Err(DebitInvalidity::SamePeer(tx.coinId).into());
        }
        let mut before = Vec::new();
        for coin_id in tx.coins() {
            let coin = self.coins.get(&coin_id).ok_or(DebitError::UnknownCoin(coin_id))?;
            let leg = tx.leg(coin_id).ok_or(DebitInvalidity::NoLeg(coin_id))?;
            if self.pending_coins.contains(&coin_id) || self.in_flight.contains(&coin_id) {
                return Err(DebitError::PendingCoin(coin_id));
            }
            let notarizes = self.states.get(&coin_id).is_some_and(|state| state.tx == *tx);
            self.check_leg(coin, &leg, notarizes, signer_of(coin_id)?)?;
            before.push((coin, leg));
        }
        match before.as_slice() {
            [(a, la), (b, lb)] => {
                let kept = a.balance.checked_add(b.balance) == la.balance.checked_add(lb.balance);
                if la.owner != a.holder || lb.owner != b.holder || !kept {
                    return Err(DebitInvalidity::UnbalancedPayment.into());
                }
            }
            [(coin, leg)] if coin.holder != self.address() && leg.balance != coin.balance => {
                return Err(DebitError::CannotPay { amount: leg.balance, reason: "not the latest agreed balance" });
            }
            _ => {}
        }
        Ok(())
    }

    /// The per-leg rules; `notarizes` (the transaction is the latest co-signed state itself) allows
    /// its own nonce.
    fn check_leg(&self, coin: &CoinState, leg: &Leg, notarizes: bool, signer: Address) -> Result<()> {
        if leg.owner.is_zero() {
            return Err(plasma_cash::CashError::InvalidTx(plasma_cash::Invalidity::ZeroNewOwner).into());
        }
        if leg.prev_block != coin.last_moved {
            let reason = plasma_cash::Invalidity::WrongPrevBlock { expected: coin.last_moved, got: leg.prev_block };
            return Err(plasma_cash::CashError::InvalidTx(reason).into());
        }
        if signer != coin.holder {
            let reason = plasma_cash::Invalidity::WrongSigner { expected: coin.holder, recovered: signer };
            return Err(plasma_cash::CashError::InvalidTx(reason).into());
        }
        if leg.nonce <= coin.nonce && !(notarizes && leg.nonce == coin.nonce) {
            return Err(DebitInvalidity::StaleNonce { coin_id: leg.coin_id, last: coin.nonce, got: leg.nonce }.into());
        }
        if leg.balance > coin.capacity {
            let (balance, capacity) = (leg.balance, coin.capacity);
            return Err(DebitInvalidity::OverCapacity { coin_id: leg.coin_id, balance, capacity }.into());
        }
        Ok(())
    }

    /// Co-signs the channel state `tx` signed by the coin's holder (`holder_sig`): a single-coin
    /// update of the holder with a nonce above every nonce included or co-signed for the coin and
    /// a balance within the capacity. Never while a transaction of the coin is pending or in a
    /// block not yet submitted ([`DebitError::PendingCoin`]): a state co-signed then names the
    /// coin's move before that transaction and, once it is included, would undo it at the
    /// operator's expense (docs/security.md, F-7). Whether the new balance is acceptable (who pays
    /// whom) is the caller's business decision.
    pub fn cosign(&mut self, tx: DebitTx, holder_sig: Signature) -> Result<ChannelState> {
        let coin = *self.coins.get(&tx.coinId).ok_or(DebitError::UnknownCoin(tx.coinId))?;
        if self.pending_coins.contains(&tx.coinId) || self.in_flight.contains(&tx.coinId) {
            return Err(DebitError::PendingCoin(tx.coinId));
        }
        let state = ChannelState { tx, holder_sig, operator_sig: sign(&tx, &self.domain, &self.key) };
        state.check(&self.domain, coin.holder, self.address())?;
        if tx.prevBlock != coin.last_moved {
            let reason = plasma_cash::Invalidity::WrongPrevBlock { expected: coin.last_moved, got: tx.prevBlock };
            return Err(plasma_cash::CashError::InvalidTx(reason).into());
        }
        if tx.nonce <= coin.nonce {
            return Err(DebitInvalidity::StaleNonce { coin_id: tx.coinId, last: coin.nonce, got: tx.nonce }.into());
        }
        if tx.balance > coin.capacity {
            let (balance, capacity) = (tx.balance, coin.capacity);
            return Err(DebitInvalidity::OverCapacity { coin_id: tx.coinId, balance, capacity }.into());
        }
        if let Some(c) = self.coins.get_mut(&tx.coinId) {
            (c.balance, c.nonce) = (tx.balance, tx.nonce);
        }
        self.states.insert(tx.coinId, state);
        Ok(state)
    }

    /// Hands a coin the operator holds to `to` with balance 0 (an ownership transfer the operator
    /// signs as holder) and submits it.
    pub fn hand_out(&mut self, coin_id: u64, to: Address) -> Result<SignedDebitTx> {
        let coin = *self.coins.get(&coin_id).ok_or(DebitError::UnknownCoin(coin_id))?;
        if coin.holder != self.address() {
            return Err(DebitError::NotHolder(coin_id));
        }
        let leg = Leg { coin_id, prev_block: coin.last_moved, owner: to, balance: 0, nonce: coin.nonce + 1 };
        let tx = DebitTx::single(leg);
        let signed = SignedDebitTx::new(tx, vec![sign(&tx, &self.domain, &self.key)]);
        self.submit(signed.clone())?;
        Ok(signed)
    }

    /// **Fault injection.** Takes the pending transaction touching `coin_id` out of the pending
    /// block and returns it, so that the operator can place it elsewhere.
    pub fn hold_back(&mut self, coin_id: u64) -> Option<SignedDebitTx> {
        let at = self.pending.iter().position(|tx| tx.tx.side_of(coin_id).is_some())?;
        let signed = self.pending.remove(at);
        for coin in signed.tx.coins() {
            self.pending_coins.remove(&coin);
        }
        Some(signed)
    }

    /// **Fault injection.** Withholds child block `blknum` (which may not exist yet): its data and
    /// entries are refused to clients; the operator keeps its copy ([`DebitOperator::block`]).
    pub fn withhold(&mut self, blknum: BlockNumber) {
        self.withheld.insert(blknum);
    }

    /// **Fault injection.** Leaves the channel challenges and the stale exits of `coin_id`
    /// unanswered: the operator no longer corrects them with its latest co-signed state.
    pub fn stay_silent(&mut self, coin_id: u64) {
        self.silent.insert(coin_id);
    }

    /// The exits open on the root chain, as the operator read them
    /// ([`OperatorState::on_event`](plasma_core::OperatorState::on_event)).
    #[must_use]
    pub const fn open_exits(&self) -> &OpenExits {
        &self.exits
    }

    /// The direct spend of the leg `challenge` names, signed by its owner, in the operator's
    /// blocks (withheld or not) after the challenged block and up to `prev_blk` (the exit's
    /// parent): what answers the challenge.
    pub fn spend_of(&self, challenge: &ObservedHistoryChallenge, prev_blk: BlockNumber) -> Result<Option<LegSpend>> {
        let coin_id = challenge.coin_id;
        let after = challenge.blknum.saturating_add(1);
        if prev_blk < after {
            return Ok(None);
        }
        for (blknum, block) in self.blocks.range(after..=prev_blk) {
            let Some(signed) = block.tx(coin_id) else { continue };
            let leg_ok = signed.tx.leg(coin_id).is_some_and(|leg| leg.prev_block == challenge.blknum);
            let signer = signed.signer_for(&self.domain, coin_id);
            if leg_ok && signer.is_ok_and(|s| s == challenge.owner) {
                let sig = signed.sig_for(coin_id).ok_or(DebitInvalidity::NoLeg(coin_id))?;
                return Ok(Some(LegSpend { coin_id, spend: block.included(coin_id, *blknum)?, sig }));
            }
        }
        Ok(None)
    }

    /// Whether block `blknum` is withheld.
    #[must_use]
    pub fn is_withheld(&self, blknum: BlockNumber) -> bool {
        self.withheld.contains(&blknum)
    }

    /// The data of block `blknum` as published to clients: [`DebitError::Withheld`] for a withheld
    /// block, [`DebitError::UnknownBlock`] for one never numbered.
    pub fn published_block(&self, blknum: BlockNumber) -> Result<&DebitBlock> {
        let block = self.blocks.get(&blknum).ok_or(DebitError::UnknownBlock(blknum))?;
        if self.withheld.contains(&blknum) {
            return Err(DebitError::Withheld(blknum));
        }
        Ok(block)
    }

    /// `coin_id`'s history entry for block `blknum` as served to clients (refused when withheld).
    pub fn coin_entry(&self, blknum: BlockNumber, coin_id: u64) -> Result<Entry<DebitMove>> {
        self.published_block(blknum)?.entry(coin_id)
    }

    /// Seals the pending block as child block `blknum` (the framework's next child block number),
    /// applies its legs to the coin states and returns it (its root is what to submit).
    pub fn seal(&mut self, blknum: BlockNumber) -> Result<DebitBlock> {
        let block = DebitBlock::new(std::mem::take(&mut self.pending), &self.domain)?;
        self.pending_coins.clear();
        self.apply(&block, blknum);
        self.blocks.insert(blknum, block.clone());
        Ok(block)
    }

    /// Fault injection: seals child block `blknum` holding only `signed` at the key of `coin_id`
    /// (a payment placed in one slot). Coin states do not change: no client accepts it.
    pub fn seal_one_slot(&mut self, blknum: BlockNumber, signed: SignedDebitTx, coin_id: u64) -> Result<DebitBlock> {
        let block = DebitBlock::new_one_slot(signed, coin_id, &self.domain)?;
        self.blocks.insert(blknum, block.clone());
        Ok(block)
    }

    fn apply(&mut self, block: &DebitBlock, blknum: BlockNumber) {
        for signed in block.txs() {
            for coin_id in signed.tx.coins() {
                let (Some(leg), Some(coin)) = (signed.tx.leg(coin_id), self.coins.get_mut(&coin_id)) else { continue };
                (coin.holder, coin.balance, coin.last_moved) = (leg.owner, leg.balance, blknum);
                coin.nonce = coin.nonce.max(leg.nonce);
            }
        }
    }

    /// A sealed block, withheld or not.
    #[must_use]
    pub fn block(&self, blknum: BlockNumber) -> Option<&DebitBlock> {
        self.blocks.get(&blknum)
    }

    /// `coin_id`'s history entry for sealed block `blknum`.
    pub fn entry(&self, coin_id: u64, blknum: BlockNumber) -> Result<Entry<DebitMove>> {
        self.blocks.get(&blknum).ok_or(DebitError::UnknownBlock(blknum))?.entry(coin_id)
    }

    /// The sealed block numbers, in order.
    pub fn block_numbers(&self) -> impl Iterator<Item = BlockNumber> + '_ {
        self.blocks.keys().copied()
    }
}

impl ChildChain for DebitOperator {
    type Tx = SignedDebitTx;
    type Block = DebitBlock;
    type Proof = SparseProof;
    type StateId = u64;
    type Error = DebitError;

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// Mints coin `blknum` for the depositor (`a = v = amount`, nonce 0). Rejects a child block
    /// number, a zero or oversized amount and a coin already minted.
    fn apply_deposit(&mut self, deposit: &DepositEvent) -> Result<u64> {
        let coin_id = deposit.blknum;
        if coin_id == 0 || !is_deposit_block(coin_id) || self.coins.contains_key(&coin_id) {
            return Err(DebitError::UnknownBlock(coin_id));
        }
        let amount = u128::try_from(deposit.amount).ok().filter(|a| *a > 0);
        let amount =
            amount.ok_or(DebitError::CannotPay { amount: 0, reason: "a deposit must be 1 to 2^128 - 1 wei" })?;
        self.on_deposit(coin_id, deposit.depositor, amount);
        Ok(coin_id)
    }

    /// [`DebitOperator::submit`], returning the transaction's `txHash`.
    fn submit_tx(&mut self, tx: SignedDebitTx) -> Result<B256> {
        let hash = tx.tx_hash(&self.domain);
        self.submit(tx)?;
        Ok(hash)
    }

    /// Seals the pending transactions into a block waiting for its number; its coins are in
    /// flight (they take no transaction) until then.
    fn build_block(&mut self) -> Result<DebitBlock> {
        let block = DebitBlock::new(std::mem::take(&mut self.pending), &self.domain)?;
        self.in_flight.append(&mut self.pending_coins);
        self.awaiting.push_back(block.clone());
        Ok(block)
    }

    /// Numbers the oldest waiting block whose root is `event.root` and applies its legs.
    fn on_block_submitted(&mut self, event: &BlockSubmittedEvent) -> Result<()> {
        if !is_child_block(event.blknum) || self.blocks.contains_key(&event.blknum) {
            return Err(DebitError::UnknownBlock(event.blknum));
        }
        let index = self.awaiting.iter().position(|b| b.root() == event.root);
        let block = index.and_then(|i| self.awaiting.remove(i)).ok_or(DebitError::UnknownBlock(event.blknum))?;
        self.apply(&block, event.blknum);
        for signed in block.txs() {
            for coin in signed.tx.coins() {
                if !self.awaiting.iter().any(|waiting| waiting.tx(coin).is_some()) {
                    self.in_flight.remove(&coin);
                }
            }
        }
        self.blocks.insert(event.blknum, block);
        Ok(())
    }

    /// Inclusion proof at key `key` of published block `blknum`.
    fn prove_inclusion(&self, blknum: BlockNumber, key: u64) -> Result<SparseProof> {
        let block = self.published_block(blknum)?;
        if block.tx(key).is_none() {
            return Err(plasma_cash::CashError::NotIncluded { blknum, coin_id: key }.into());
        }
        Ok(block.proof(key))
    }

    /// Exclusion proof at key `key` of published block `blknum`.
    fn prove_exclusion(&self, blknum: BlockNumber, key: u64) -> Result<Option<SparseProof>> {
        let block = self.published_block(blknum)?;
        if block.tx(key).is_some() {
            return Err(plasma_cash::CashError::InvalidTx(plasma_cash::Invalidity::NotExcluded).into());
        }
        Ok(Some(block.proof(key)))
    }
}
