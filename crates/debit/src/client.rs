//! One Plasma Debit user's software behind [`UserClient`]: its [`DebitWallet`] and, unless the
//! user colludes with a cheater, its watcher (`docs/debit.md`, "Client and watcher").
//!
//! The client follows the root chain: deposits (their roots and capacities), committed blocks
//! (whose data extends the history of every coin it holds, one proof per block per coin),
//! liquidity merged into coins, and the exit game. At every look ([`UserClient::tick`]) its
//! watcher decides, for every open exit, what [`watcher::holder_actions`] and
//! [`watcher::history_responses`] call for: the Cash challenges on legs against exits of coins it
//! holds or held, the channel challenge of its user's own exit with a newer co-signed state, and
//! the answers to history challenges its history holds. Each call is decided once, with the game's
//! own window as its deadline ([`OpenExit::deadline`](crate::OpenExit::deadline)), and withdrawn once the exit ended (or the
//! challenge it answers was answered). An answer that reveals a handover to the user (the
//! rearrangement attack) is learned and reported.
//!
//! The user's side of payments lives here too: channel updates co-signed with the operator,
//! invoices and the payee's co-signature of atomic payments, ownership transfers (announced to the
//! payee with the coin's history once the operator accepted them, then handed over with the
//! history through their block, which the payee verifies), and exits. A client never signs for a
//! coin with an open exit or paid out, and refuses what does not verify: nothing a payer, the
//! operator or the root chain says makes it panic.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, Bytes, U256};
use plasma_cash::DepositRecord;
use plasma_core::{
    BlockNumber, ChainEvent, Decision, Domain, ExitScope, FrameworkEvent, Role, Signature, SigningKey, Timestamp,
    UserClient,
};

use crate::{
    DebitBlock, DebitError, DebitGame, DebitHistory, DebitWallet, ExitArgs, Invoice, SignedDebitTx,
    abi::DebitTx,
    design::{Debit, DebitEvent, DebitTag, Handover},
    history::verify,
    tx::{ChannelState, DebitTxExt},
    watcher::{self, Action, ExitEnd, OpenExits},
};

/// One user's Debit wallet and watcher.
#[derive(Debug)]
pub struct DebitClient {
    wallet: DebitWallet,
    watching: bool,
    game: DebitGame,
    min_exit_period: u64,
    user: Address,
    domain: Domain,
    /// Every deposit the root chain recorded, by coin.
    deposits: BTreeMap<u64, DepositRecord>,
    /// Each coin's capacity: its deposit plus the liquidity merged into it (wei).
    capacity: BTreeMap<u64, u128>,
    /// The newest committed child block judged.
    judged: BlockNumber,
    /// The exits open on the root chain.
    exits: OpenExits,
    /// The calls decided, by exit and calldata: none is decided twice.
    decided: BTreeSet<(u128, Bytes)>,
    /// Coins with a transaction the user signed for the operator's pending block.
    pending: BTreeSet<u64>,
    /// Coins whose history stops at a block whose entry breaks the rules: the block and why.
    refused: BTreeMap<u64, (BlockNumber, String)>,
    alerts: Vec<String>,
}

impl DebitClient {
    /// The client of the user holding `key`, under `domain`, on a game with `game`'s bonds and
    /// exit period `min_exit_period`, whose operator signs with `operator`; `watching == false`
    /// runs no watcher (a user who colludes with a cheater, in the suite).
    #[must_use]
    pub fn new(
        key: SigningKey,
        domain: Domain,
        operator: Address,
        game: DebitGame,
        min_exit_period: u64,
        watching: bool,
    ) -> Self {
        let user = key.address();
        Self {
            wallet: DebitWallet::new(key, domain, operator),
            watching,
            game,
            min_exit_period,
            user,
            domain,
            deposits: BTreeMap::new(),
            capacity: BTreeMap::new(),
            judged: 0,
            exits: OpenExits::new(),
            decided: BTreeSet::new(),
            pending: BTreeSet::new(),
            refused: BTreeMap::new(),
            alerts: Vec::new(),
        }
    }

    /// The wallet.
    #[must_use]
    pub const fn wallet(&self) -> &DebitWallet {
        &self.wallet
    }

    /// Whether the client runs a watcher.
    #[must_use]
    pub const fn is_watching(&self) -> bool {
        self.watching
    }

    /// The exits open on the root chain, as the client read them.
    #[must_use]
    pub const fn open_exits(&self) -> &OpenExits {
        &self.exits
    }

    /// The deposit of `coin_id`, as the root chain recorded it.
    #[must_use]
    pub fn deposit(&self, coin_id: u64) -> Option<&DepositRecord> {
        self.deposits.get(&coin_id)
    }

    /// The capacity of `coin_id` (deposit plus liquidity), wei; 0 for a coin never deposited.
    #[must_use]
    pub fn capacity(&self, coin_id: u64) -> u128 {
        self.capacity.get(&coin_id).copied().unwrap_or(0)
    }

    /// The coins the user can pay from or be paid into now, with `(balance, capacity)`: held on a
    /// history that covers every committed block, with no transaction waiting for a block and no
    /// open exit.
    pub fn usable_coins(&self) -> Result<Vec<(u64, u128, u128)>, DebitError> {
        let mut coins = Vec::new();
        for coin in self.wallet.coin_ids() {
            let held = self.wallet.tip(coin).is_ok_and(|tip| tip.owner == self.user);
            if !held || !self.wallet.is_current(coin) || self.pending.contains(&coin) || self.exits.contains(coin) {
                continue;
            }
            let (balance, _) = self.wallet.balance(coin)?;
            coins.push((coin, balance, self.capacity(coin)));
        }
        Ok(coins)
    }

    /// The held coins whose history stops at a committed block whose entry breaks the rules, with
    /// the block and why (what the wallet refuses to build on, until a payer hands it a history
    /// past it).
    #[must_use]
    pub fn refusals(&self) -> Vec<(u64, BlockNumber, String)> {
        self.wallet
            .held_coins()
            .into_iter()
            .filter_map(|coin| {
                let (blknum, why) = self.refused.get(&coin)?;
                (self.wallet.next_block_for(coin) == Some(*blknum)).then(|| (coin, *blknum, why.clone()))
            })
            .collect()
    }

    /// Checks a coin offered to the user: its history verifies against the roots the client
    /// learned and the coin's capacity, and covers every committed block it knows of.
    pub fn check_coin(&self, history: &DebitHistory) -> Result<(), DebitError> {
        let coin_id = history.coin_id();
        if let Some((blknum, _)) = DebitHistory::next_child_block(self.wallet.roots(), history.covered_through()) {
            return Err(DebitError::Behind { coin_id, blknum });
        }
        verify(history, &self.domain, self.wallet.roots(), self.capacity(coin_id))?;
        Ok(())
    }

    /// The user's exit arguments of `scope` (`All`: every coin held and every handover learned
    /// from a published answer; `Newest`: the last of them), open exits included.
    pub fn exit_claims(&self, scope: ExitScope) -> Result<Vec<ExitArgs>, DebitError> {
        let held = self.wallet.held_coins();
        let learned = self.wallet.learned_coins().into_iter().filter(|coin| !held.contains(coin));
        let mut claims = held
            .iter()
            .copied()
            .chain(learned)
            .map(|coin| self.wallet.exit_args(coin))
            .collect::<Result<Vec<_>, _>>()?;
        if scope == ExitScope::Newest {
            claims = claims.pop().into_iter().collect();
        }
        Ok(claims)
    }

    /// A channel update of `coin_id` to `balance`, signed by the user, for the operator to
    /// co-sign.
    pub fn propose_state(&mut self, coin_id: u64, balance: u128) -> Result<(DebitTx, Signature), DebitError> {
        self.wallet.propose_state(coin_id, balance)
    }

    /// Keeps the state the operator co-signed (checked: both signatures, a newer nonce).
    pub fn store_state(&mut self, state: ChannelState) -> Result<(), DebitError> {
        self.wallet.store_state(state)
    }

    /// What the user, as payee, hands its payer to be paid `amount` into `coin_id`.
    pub fn invoice(&self, coin_id: u64, amount: u128) -> Result<Invoice, DebitError> {
        self.wallet.invoice(coin_id, amount)
    }

    /// The payer's side of an atomic payment from `coin_id` into the coin `invoice` names: the
    /// payment and the user's signature; the coin then waits for the operator's next block.
    pub fn pay_invoice(&mut self, coin_id: u64, invoice: &Invoice) -> Result<(DebitTx, Signature), DebitError> {
        let paid = self.wallet.pay(coin_id, invoice)?;
        self.pending.insert(coin_id);
        Ok(paid)
    }

    /// The payee's co-signature of a payment crediting `amount` to `coin_id` (checked to credit
    /// exactly that); the coin then waits for the operator's next block.
    pub fn accept_payment(&mut self, tx: &DebitTx, coin_id: u64, amount: u128) -> Result<Signature, DebitError> {
        let sig = self.wallet.accept_payment(tx, coin_id, amount)?;
        self.pending.insert(coin_id);
        Ok(sig)
    }

    /// An ownership transfer of `coin_id` to `to` stating `balance` (see
    /// [`DebitWallet::transfer_stating`]); the coin then waits for the operator's next block.
    pub fn transfer(&mut self, coin_id: u64, to: Address, balance: u128) -> Result<SignedDebitTx, DebitError> {
        let signed = self.wallet.transfer_stating(coin_id, to, balance)?;
        self.pending.insert(coin_id);
        Ok(signed)
    }

    /// Extends `coin_id`'s history with its entry of `block`, the data of committed block
    /// `blknum`; an entry that breaks the rules stops the history there.
    fn extend(&mut self, coin_id: u64, blknum: BlockNumber, block: &DebitBlock) {
        let extended = block.entry(coin_id).and_then(|entry| self.wallet.extend(coin_id, blknum, entry));
        match extended {
            Ok(_) => {
                self.refused.remove(&coin_id);
            }
            Err(invalid) => {
                self.refused.insert(coin_id, (blknum, invalid.to_string()));
            }
        }
    }

    /// The held coins whose history waits for block `blknum` (refused entries aside).
    fn waiting_for(&self, blknum: BlockNumber) -> Vec<u64> {
        self.wallet
            .held_coins()
            .into_iter()
            .filter(|coin| self.wallet.next_block_for(*coin) == Some(blknum))
            .filter(|coin| self.refused.get(coin).is_none_or(|(refused, _)| *refused != blknum))
            .collect()
    }

    /// Follows one event of the exit game.
    fn on_game_event(&mut self, event: &DebitEvent) {
        if let DebitEvent::LiquidityAdded { coin_id, liquidity_deposit, amount } = event {
            let amount: u128 = amount.saturating_to();
            self.wallet.on_liquidity(*coin_id, amount);
            let capacity = self.capacity.entry(*coin_id).or_default();
            *capacity = capacity.saturating_add(amount);
            // The merged deposit is no coin of its own any more.
            self.wallet.forget(*liquidity_deposit);
            return;
        }
        match self.exits.apply(event) {
            Some((coin_id, ExitEnd::Finalized { paid })) => {
                if paid {
                    self.wallet.on_exit_paid(coin_id);
                }
                self.wallet.on_exit_ended(coin_id);
            }
            Some((coin_id, ExitEnd::Removed)) => self.wallet.on_exit_ended(coin_id),
            None => {}
        }
        match event {
            DebitEvent::ExitStarted(exit) => self.wallet.on_exit_started(exit.coin_id),
            DebitEvent::HistoryChallengeAnswered(answer) if self.watching => {
                if let Some(coin) = watcher::on_history_answered(&mut self.wallet, answer) {
                    self.alerts.push(format!(
                        "learns the handover of coin {coin} at block {} from the answer",
                        answer.response.blknum
                    ));
                }
            }
            _ => {}
        }
    }

    /// What the watcher calls for on the open exit of `open`'s coin: the challenges and the
    /// channel challenge the wallet can make, and the answers its history holds.
    fn actions_on(&self, open: &watcher::OpenExit) -> Vec<Action> {
        let exit = &open.exit;
        let own = exit.holder == self.user;
        let mut actions = Vec::new();
        for action in watcher::holder_actions(&self.wallet, exit) {
            // Only a holder's history covers the blocks an invalid-history challenge judges; a
            // past holder's stops at its transfer.
            let holds = self.wallet.held_coins().contains(&exit.coin_id);
            let wanted = match &action {
                Action::ChallengeChannel(_) => own && open.channel.is_none(),
                Action::ChallengeHistory { .. } => {
                    !own && (holds || self.wallet.learned_payment(exit.coin_id).is_some())
                }
                _ => !own,
            };
            if wanted {
                actions.push(action);
            }
        }
        for challenge in &open.history {
            actions.extend(watcher::history_responses(&self.wallet, challenge, exit.prev_blk));
        }
        actions
    }
}

impl UserClient<Debit> for DebitClient {
    fn user(&self) -> Address {
        self.user
    }

    fn on_event(
        &mut self,
        event: &ChainEvent<DebitEvent>,
        _at: Timestamp,
    ) -> Result<Vec<Decision<DebitTag>>, DebitError> {
        match event {
            ChainEvent::Framework(FrameworkEvent::Deposit(deposit)) => {
                if self.deposits.contains_key(&deposit.blknum) {
                    return Ok(Vec::new());
                }
                let record = DepositRecord::new(deposit.blknum, deposit.depositor, deposit.amount);
                // Learns the deposit's root; keeps the coin when the user deposited it.
                self.wallet.on_deposit(record)?;
                self.deposits.insert(record.coin_id, record);
                self.capacity.insert(record.coin_id, deposit.amount.saturating_to());
            }
            ChainEvent::Framework(FrameworkEvent::BlockSubmitted(block)) => {
                if !self.wallet.roots().contains_key(&block.blknum) {
                    self.wallet.learn_root(block.blknum, block.root);
                    // The operator seals every pending transaction into its next block.
                    self.pending.clear();
                }
            }
            ChainEvent::Game(event) => self.on_game_event(event),
        }
        Ok(Vec::new())
    }

    fn next_block_wanted(&self) -> Option<BlockNumber> {
        DebitHistory::next_child_block(self.wallet.roots(), self.judged).map(|(blknum, _)| blknum)
    }

    /// Extends the history of every held coin waiting for `blknum` with its entry; a withheld
    /// block (`None`) stops them before it.
    fn on_block_data(
        &mut self,
        blknum: BlockNumber,
        data: Option<&DebitBlock>,
        _now: Timestamp,
    ) -> Result<Vec<Decision<DebitTag>>, DebitError> {
        self.judged = self.judged.max(blknum);
        if let Some(block) = data {
            for coin in self.waiting_for(blknum) {
                self.extend(coin, blknum, block);
            }
        }
        Ok(Vec::new())
    }

    /// The committed blocks some held coin still waits for: withheld ones, whose data the client
    /// still takes if the operator publishes it.
    fn withheld_blocks(&self) -> Vec<BlockNumber> {
        let waiting: BTreeSet<BlockNumber> = self
            .wallet
            .held_coins()
            .into_iter()
            .filter_map(|coin| self.wallet.next_block_for(coin))
            .filter(|blknum| *blknum <= self.judged)
            .collect();
        waiting.into_iter().filter(|blknum| !self.waiting_for(*blknum).is_empty()).collect()
    }

    fn on_late_block_data(
        &mut self,
        blknum: BlockNumber,
        data: &DebitBlock,
        _now: Timestamp,
    ) -> Result<Vec<Decision<DebitTag>>, DebitError> {
        for coin in self.waiting_for(blknum) {
            self.extend(coin, blknum, data);
        }
        Ok(Vec::new())
    }

    /// The watcher's look: every open exit, and what it calls for that was not decided before.
    fn tick(&mut self, _now: Timestamp) -> Result<Vec<Decision<DebitTag>>, DebitError> {
        if !self.watching {
            return Ok(Vec::new());
        }
        let found: Vec<(watcher::OpenExit, Action)> = self
            .exits
            .iter()
            .flat_map(|open| self.actions_on(open).into_iter().map(move |action| (open.clone(), action)))
            .collect();
        let mut decisions = Vec::new();
        for (open, action) in found {
            let call = action.call(&self.game);
            if !self.decided.insert((open.exit.exit_id, call.data.clone())) {
                continue;
            }
            decisions.push(Decision {
                // Debit's software acts in its user's name: the logs name the user.
                by: Role::Owner,
                tag: DebitTag::of(&action, &open.exit),
                sender: self.user,
                call,
                deadline: open.deadline(&action, self.min_exit_period),
                what: action.describe(),
            });
        }
        Ok(decisions)
    }

    fn still_wanted(&self, tag: &DebitTag) -> bool {
        tag.still_wanted(&self.exits)
    }

    fn on_action_done(&mut self, _tag: &DebitTag) {}

    /// An ownership transfer of a usable coin whose balance is exactly `amount`; any other
    /// payment needs the payee's invoice ([`DebitClient::invoice`], [`DebitClient::pay_invoice`]).
    fn pay(&mut self, to: Address, amount: U256) -> Result<SignedDebitTx, DebitError> {
        let wei: u128 =
            amount.try_into().map_err(|_| DebitError::CannotPay { amount: u128::MAX, reason: "too large" })?;
        let coin = self.usable_coins()?.into_iter().find(|(_, balance, _)| *balance == wei);
        let (coin, balance, _) = coin.ok_or(DebitError::CannotPay {
            amount: wei,
            reason: "no coin of exactly this balance (a partial payment needs the payee's invoice)",
        })?;
        self.transfer(coin, to, balance)
    }

    fn cancel(&mut self, tx: &SignedDebitTx) {
        for coin in tx.tx.coins() {
            self.pending.remove(&coin);
        }
    }

    /// An ownership transfer is announced with the coin's history once the operator accepted it,
    /// and handed over with the history through its block once the payer's own history shows it;
    /// a payment between two coins hands nothing over.
    fn hand_over(
        &mut self,
        tx: &SignedDebitTx,
        included: Option<(BlockNumber, &DebitBlock)>,
    ) -> Result<Option<Handover>, DebitError> {
        if tx.tx.is_payment() {
            return Ok(None);
        }
        let coin_id = tx.tx.coinId;
        let history = &self.wallet.coin(coin_id).ok_or(DebitError::UnknownCoin(coin_id))?.history;
        Ok(match included {
            None => Some(Handover::Announced { tx: tx.tx, history: history.clone() }),
            Some(_) if history.owner() == tx.tx.newOwner => Some(Handover::Included { history: history.clone() }),
            Some(_) => None,
        })
    }

    fn receive(&mut self, handover: &Handover) -> Result<Vec<Decision<DebitTag>>, DebitError> {
        match handover {
            Handover::Announced { tx, history } => {
                if tx.is_payment() || tx.newOwner != self.user || history.coin_id() != tx.coinId {
                    return Err(DebitError::NotRecipient(tx.coinId));
                }
                if self.wallet.is_paid_out(tx.coinId) {
                    return Err(DebitError::PaidOut(tx.coinId));
                }
                self.check_coin(history)?;
                self.wallet.expect_payment(tx, history.clone())?;
            }
            Handover::Included { history } => {
                let coin_id = history.coin_id();
                self.wallet.receive(history.clone(), self.capacity(coin_id))?;
                self.refused.remove(&coin_id);
            }
        }
        Ok(Vec::new())
    }

    fn exits(&self, scope: ExitScope, now: Timestamp) -> Result<Vec<Decision<DebitTag>>, DebitError> {
        Ok(self
            .exit_claims(scope)?
            .into_iter()
            .filter(|claim| !self.exits.contains(claim.coin_id()))
            .map(|claim| Decision {
                by: Role::Owner,
                tag: DebitTag::StartExit(claim.coin_id()),
                sender: self.user,
                call: claim.call(&self.game),
                deadline: now.saturating_add(self.min_exit_period),
                what: format!("exits coin {}", claim.coin_id()),
            })
            .collect())
    }

    fn balance(&self) -> U256 {
        let held = self.wallet.held_coins().into_iter().filter_map(|coin| self.wallet.balance(coin).ok());
        held.fold(U256::ZERO, |sum, (balance, _)| sum.saturating_add(U256::from(balance)))
    }

    fn take_alerts(&mut self) -> Vec<String> {
        std::mem::take(&mut self.alerts)
    }
}
