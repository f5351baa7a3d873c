//! The Plasma Cash adapter as it was before the runtime, which the Plasma XT adapter still builds
//! on: the operator, one wallet per actor, one watcher per honest actor, and `CashExitGame` on the
//! root chain. It goes once XT runs on the runtime too.
//!
//! Honest users' software acts on its own here: a recipient verifies the payer's whole coin history
//! before the payer signs (so a history that spans a withheld block stops the payment), payers hand
//! over the history once the payment is included, and watchers read the exit game's events and
//! answer every exit of a coin their user owns or owned: spent-coin, double-spend and
//! invalid-history challenges, answers to challenges against their own exits, and payments revealed
//! by the operator's answers. Nobody exits because a block is bad or withheld: a Plasma Cash coin is
//! safe as long as its owner answers exits of it.
//!
//! Cheaters (the operator and the `colluding` actors) run no watcher. They hold the coins the
//! operator forged for them through the operator's own block data (withheld or not), and the
//! operator answers honest users' history challenges against their exits as late as it may (never
//! its accomplices' own challenges, which they make to stay pending).

use plasma_cash::{game::IncludedExt as _, tx::CashTxExt as _};
use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolEvent;
use plasma_cash::{
    Action, CashExit, CashGame, CashTx, DepositExit, ExitClaim, Included, Operator, SignedCashTx, Wallet, Watcher,
    abi::ICashExitGame,
    game::{HistoryChallenge, HistoryResponse, ObservedAnswer, ObservedChallenge, ObservedExit},
};
use plasma_contracts::{CashExitGame, PlasmaFramework};
use plasma_core::{Capabilities, ChildChain, DepositEvent};
use plasma_rootchain::{LogFilter, RootChain};

use crate::variants::{Decided, WatcherOutbox};
use crate::{Error, ExitCounts, ExitWhat, Fault, Support, Variant, World};

/// The exit bond: 0.02 ETH, as for MVP (a fifth of Loom's 0.1 ETH).
pub const EXIT_BOND: U256 = U256::from_limbs([20_000_000_000_000_000, 0, 0, 0]);
/// The bond of an invalid-history challenge, equal to the exit bond.
pub const CHALLENGE_BOND: U256 = EXIT_BOND;

const NAME: &str = "cash";

/// The id of the coin the `mint` fault makes up.
const MINTED_COIN: u64 = 999;

fn err(message: impl std::fmt::Display) -> Error {
    Error::Variant { variant: NAME, message: message.to_string() }
}

/// A payment waiting for its block.
struct Pending {
    coin_id: u64,
    payer: String,
    payee: String,
}

/// A history challenge against a cheater's exit, which the operator answers late.
struct LateAnswer {
    exit: ObservedExit,
    challenge: ObservedChallenge,
}

/// Plasma Cash, driven by scenarios.
pub struct CashVariant {
    game: CashGame,
    operator: Option<Operator>,
    pub(crate) wallets: BTreeMap<String, Wallet>,
    pub(crate) watchers: BTreeMap<String, Watcher>,
    /// Exit claims of coins each actor has paid away (what a cheater exits with `spent`).
    spent: BTreeMap<String, Vec<ExitClaim>>,
    pending: Vec<Pending>,
    /// Open exits on the root chain, by coin.
    pub(crate) open: BTreeMap<u64, ObservedExit>,
    /// Coins whose histories another layer hands over (Plasma XT: checkpoint-started ones).
    pub(crate) handed_elsewhere: BTreeSet<u64>,
    /// Included payments of those coins, as `(payer, payee, coin)`, for that layer to deliver.
    pub(crate) to_hand_over: Vec<(String, String, u64)>,
    late_answers: Vec<LateAnswer>,
    /// Every exit started, by owner: the coins (what `spend-exited` spends).
    exited: BTreeMap<Address, Vec<u64>>,
    /// The answer deadline of each pending history challenge, by (exit id, challenged block).
    challenge_deadlines: BTreeMap<(u128, u64), u64>,
    /// Coins whose exit was paid.
    paid_out: BTreeSet<u64>,
    /// The watchers' decided actions, tagged with the exit (coin, exit id) they are about.
    outbox: WatcherOutbox<(u64, u128)>,
    /// Coins the operator minted from nothing: beneficiary, coin id, claimed denomination.
    minted: Vec<(String, u64, U256)>,
    withhold_next: bool,
    /// The first root-chain block whose logs have not been read.
    log_cursor: u64,
    /// Every deposit seen, by coin. A wallet learns the deposit root of a coin it does not own
    /// when it receives that coin, as a light client reads that one deposit event then; so the
    /// work per deposit does not grow with the number of wallets (the mass exit has 10,000).
    deposits: BTreeMap<u64, DepositEvent>,
    /// Each actor's name, by address.
    names: BTreeMap<Address, String>,
}

impl Default for CashVariant {
    fn default() -> Self {
        Self::new()
    }
}

impl CashVariant {
    /// A fresh instance, deployed by [`Variant::deploy`].
    pub fn new() -> Self {
        Self {
            game: CashGame::new(EXIT_BOND, CHALLENGE_BOND, plasma_contracts::DEFAULT_MIN_EXIT_PERIOD),
            operator: None,
            wallets: BTreeMap::new(),
            watchers: BTreeMap::new(),
            spent: BTreeMap::new(),
            pending: Vec::new(),
            open: BTreeMap::new(),
            handed_elsewhere: BTreeSet::new(),
            to_hand_over: Vec::new(),
            late_answers: Vec::new(),
            exited: BTreeMap::new(),
            challenge_deadlines: BTreeMap::new(),
            paid_out: BTreeSet::new(),
            outbox: WatcherOutbox::default(),
            minted: Vec::new(),
            withhold_next: false,
            deposits: BTreeMap::new(),
            names: BTreeMap::new(),
            log_cursor: 0,
        }
    }

    pub(crate) fn operator(&self) -> Result<&Operator, Error> {
        self.operator.as_ref().ok_or_else(|| err("not deployed"))
    }

    fn operator_mut(&mut self) -> Result<&mut Operator, Error> {
        self.operator.as_mut().ok_or_else(|| err("not deployed"))
    }

    pub(crate) fn wallet(&self, name: &str) -> Result<&Wallet, Error> {
        self.wallets.get(name).ok_or_else(|| err(format!("no wallet for {name}")))
    }

    fn wallet_mut(&mut self, name: &str) -> Result<&mut Wallet, Error> {
        self.wallets.get_mut(name).ok_or_else(|| err(format!("no wallet for {name}")))
    }

    pub(crate) fn is_cheater(world: &World, name: &str) -> bool {
        name == "operator" || world.colluding.iter().any(|c| c == name)
    }

    /// Seals the pending transactions, commits the root and records the number everywhere;
    /// with `withhold`, the operator publishes nothing of the block.
    async fn commit(&mut self, world: &mut World, withhold: bool) -> Result<u64, Error> {
        let block = self.operator_mut()?.build_block().map_err(err)?;
        let submitted = world.submit_block(block.root()).await?;
        if withhold {
            self.operator_mut()?.withhold(submitted.blknum);
            world.log.push(format!("operator withholds block {}", submitted.blknum));
        }
        self.operator_mut()?.on_block_submitted(&submitted).map_err(err)?;
        for wallet in self.wallets.values_mut() {
            wallet.on_block_submitted(&submitted).map_err(err)?;
        }
        Ok(submitted.blknum)
    }

    /// Every wallet extends its histories with the published blocks; payers hand included
    /// payments' histories to their recipients, who verify them in full.
    fn deliver(&mut self, world: &mut World) -> Result<(), Error> {
        let operator = self.operator.as_ref().ok_or_else(|| err("not deployed"))?;
        let mut paid = BTreeSet::new();
        for (name, wallet) in &mut self.wallets {
            let report = match self.watchers.get_mut(name) {
                Some(watcher) => {
                    let (report, findings) = watcher.sync(wallet, operator).map_err(err)?;
                    for finding in findings {
                        world.log.push(format!("{name}'s watcher: {finding:?}"));
                    }
                    report
                }
                None => wallet.sync(operator).map_err(err)?,
            };
            paid.extend(report.paid.into_iter().map(|coin| (name.clone(), coin)));
        }
        let pending = std::mem::take(&mut self.pending);
        for payment in pending {
            if !paid.contains(&(payment.payer.clone(), payment.coin_id)) {
                self.pending.push(payment);
                continue;
            }
            if self.handed_elsewhere.contains(&payment.coin_id) {
                self.to_hand_over.push((payment.payer, payment.payee, payment.coin_id));
                continue;
            }
            let history = self.wallet(&payment.payer)?.handover(payment.coin_id).map_err(err)?;
            self.learn_deposit(&payment.payee, payment.coin_id)?;
            match self.wallet_mut(&payment.payee)?.receive(history) {
                Err(plasma_cash::CashError::PaidOut(coin)) => world.log.push(format!(
                    "{}'s wallet refuses coin {coin} from {}: its exit was paid",
                    payment.payee, payment.payer
                )),
                Err(other) => return Err(err(other)),
                Ok(coin) if self.paid_out.contains(&coin) => {
                    return Err(err(format!("{}'s wallet accepted coin {coin}, already paid out", payment.payee)));
                }
                Ok(_) => {}
            }
        }
        Ok(())
    }

    /// The coin `from` pays with: one it owns (or, for a cheater, holds through the operator's
    /// forgeries) of exactly `amount`.
    fn coin_of(&self, world: &World, from: &str, amount: U256) -> Result<Result<(u64, bool), String>, Error> {
        let wallet = self.wallet(from)?;
        let denomination = |coin: &u64| wallet.deposit_record(*coin).map(|r| r.amount);
        if let Some(coin) = wallet.spendable_coins().into_iter().find(|coin| denomination(coin) == Some(amount)) {
            return Ok(Ok((coin, false)));
        }
        if Self::is_cheater(world, from) {
            let operator = self.operator()?;
            let address = world.actor(from)?.address;
            let forged = operator.coins_of(address).into_iter().filter(|coin| !wallet.owns(*coin));
            if let Some(coin) =
                forged.into_iter().find(|coin| operator.coin(*coin).map(|c| c.deposit.amount) == Some(amount))
            {
                return Ok(Ok((coin, true)));
            }
        }
        Ok(Err(format!("Plasma Cash moves whole coins and {from} holds none of exactly {amount} wei")))
    }

    /// What a cheater exits for a coin it holds through the operator's data (withheld blocks
    /// included): its last move and that move's parent.
    fn claim_from_operator(&self, coin_id: u64) -> Result<ExitClaim, Error> {
        let operator = self.operator()?;
        let coin = operator.coin(coin_id).ok_or_else(|| err(format!("no coin {coin_id}")))?;
        let record = coin.deposit;
        if coin.last_moved == coin_id {
            return Ok(ExitClaim::Deposit(DepositExit { coin_id, amount: record.amount }));
        }
        let (exiting, exiting_sig) = self.operator_included(coin_id, coin.last_moved)?;
        let parent = if exiting.tx.spends_deposit() {
            Included::none()
        } else {
            self.operator_included(coin_id, exiting.tx.prevBlock)?.0
        };
        Ok(ExitClaim::Tx(Box::new(CashExit {
            coin_id,
            depositor: record.depositor,
            amount: record.amount,
            parent,
            exiting,
            exiting_sig,
        })))
    }

    /// The exit a minted coin's beneficiary tries: the minting transaction, posing as a spend of a
    /// deposit of `amount` by the beneficiary.
    fn minted_claim(&self, beneficiary: Address, coin_id: u64, amount: U256) -> Result<ExitClaim, Error> {
        let operator = self.operator()?;
        let blknum = operator
            .child_blocks()
            .find(|b| operator.block(*b).is_some_and(|record| record.block.tx(coin_id).is_some()))
            .ok_or_else(|| err(format!("minted coin {coin_id} is in no block yet")))?;
        let (exiting, exiting_sig) = self.operator_included(coin_id, blknum)?;
        Ok(ExitClaim::Tx(Box::new(CashExit {
            coin_id,
            depositor: beneficiary,
            amount,
            parent: Included::none(),
            exiting,
            exiting_sig,
        })))
    }

    /// The transaction of `coin_id` in block `blknum` as the operator holds it, with its proof.
    fn operator_included(&self, coin_id: u64, blknum: u64) -> Result<(Included, plasma_core::Signature), Error> {
        let record = self.operator()?.block(blknum).ok_or_else(|| err(format!("no block {blknum}")))?;
        let tx: &SignedCashTx =
            record.block.tx(coin_id).ok_or_else(|| err(format!("coin {coin_id} did not move in {blknum}")))?;
        let proof = record.block.inclusion_proof(coin_id, blknum).map_err(err)?;
        Ok((Included::new(tx.tx, blknum, &proof), tx.sig))
    }

    /// Starts exits of `claims` from `owner`; with `must_fail`, every one must be refused.
    pub(crate) async fn start_exits(
        &mut self,
        world: &mut World,
        owner: &str,
        claims: Vec<ExitClaim>,
        must_fail: bool,
    ) -> Result<(), Error> {
        if claims.is_empty() {
            return Err(err(format!("{owner} has nothing to exit")));
        }
        let from = world.actor(owner)?.address;
        for claim in claims {
            let coin = claim.coin_id();
            let receipt = world.game_call(from, &self.game.exit_call(&claim)).await?;
            match (receipt.success, must_fail) {
                (true, false) => world.log.push(format!("{owner} exits coin {coin}")),
                (false, true) => world.log.push(format!(
                    "{owner}'s exit of coin {coin} refused: {}",
                    receipt.revert_reason.unwrap_or_default()
                )),
                (true, true) => return Err(err(format!("the exit of coin {coin} by {owner} had to be refused"))),
                (false, false) => {
                    return Err(err(format!(
                        "{owner} cannot exit coin {coin}: {}",
                        receipt.revert_reason.unwrap_or_default()
                    )));
                }
            }
        }
        Ok(())
    }

    /// Reads the framework's and the game's events since the last look, feeds wallets, watchers
    /// and the operator, and returns the watchers' actions with the actor who takes each.
    async fn ingest(&mut self, world: &mut World) -> Result<Vec<(String, Action)>, Error> {
        let logs = world.new_logs(&mut self.log_cursor).await?;
        let now = world.chain.block_time().await?;
        let mut actions = Vec::new();
        // The watchers decide as of the chain's time now; what an event dates (an exit's
        // processing time, a challenge's deadline) it carries from the chain.
        for entry in logs {
            actions.extend(self.on_log(world, &entry.log, now)?);
        }
        // What the wallets learned since (blocks, handovers) may call for actions against exits
        // the watchers already follow.
        for (name, watcher) in &mut self.watchers {
            let wallet = self.wallets.get(name).ok_or_else(|| err(format!("no wallet for {name}")))?;
            actions.extend(watcher.recheck(wallet, now).into_iter().map(|a| (name.clone(), a)));
        }
        Ok(actions)
    }

    fn on_log(&mut self, world: &World, log: &alloy_primitives::Log, now: u64) -> Result<Vec<(String, Action)>, Error> {
        let mut actions = Vec::new();
        if let Ok(event) = PlasmaFramework::DepositCreated::decode_log(log) {
            let deposit = DepositEvent { depositor: event.depositor, blknum: event.blknum.to(), amount: event.amount };
            self.record_deposit(&deposit)?;
        } else if let Ok(event) = ICashExitGame::ExitStarted::decode_log(log) {
            let exit = ObservedExit::from(&event.data);
            self.open.insert(exit.coin_id, exit);
            self.exited.entry(exit.owner).or_default().push(exit.coin_id);
            self.operator_mut()?.on_exit_started(exit.coin_id);
            for (name, watcher) in &mut self.watchers {
                let wallet = self.wallets.get(name).ok_or_else(|| err(format!("no wallet for {name}")))?;
                actions.extend(watcher.on_exit_started(wallet, &exit, now).into_iter().map(|a| (name.clone(), a)));
            }
        } else if let Ok(event) = ICashExitGame::HistoryChallenged::decode_log(log) {
            let challenge = ObservedChallenge::from(&event.data);
            self.challenge_deadlines.insert((challenge.exit_id, challenge.blknum), challenge.deadline);
            if let Some(exit) = self.open.get(&challenge.coin_id).filter(|e| e.exit_id == challenge.exit_id) {
                let is_cheater =
                    |who: Address| world.everyone().any(|a| a.address == who && Self::is_cheater(world, &a.name));
                // The operator answers honest users' challenges of its accomplices' exits, not its
                // accomplices' own: a false challenge below the victim's is theirs to leave pending
                // (docs/security.md, C-2).
                if is_cheater(exit.owner) && !is_cheater(challenge.challenger) {
                    self.late_answers.push(LateAnswer { exit: *exit, challenge });
                }
            }
            for (name, watcher) in &mut self.watchers {
                let wallet = self.wallets.get(name).ok_or_else(|| err(format!("no wallet for {name}")))?;
                let found = watcher.on_history_challenged(wallet, &challenge, now);
                actions.extend(found.into_iter().map(|a| (name.clone(), a)));
            }
        } else if let Ok(event) = ICashExitGame::HistoryChallengeAnswered::decode_log(log) {
            let answer = ObservedAnswer::from(&event.data);
            self.late_answers.retain(|late| {
                !(late.challenge.exit_id == answer.exit_id && late.challenge.blknum == answer.challenge_blk)
            });
            for (name, watcher) in &mut self.watchers {
                let wallet = self.wallets.get_mut(name).ok_or_else(|| err(format!("no wallet for {name}")))?;
                let found = watcher.on_history_answered(wallet, &answer, now);
                actions.extend(found.into_iter().map(|a| (name.clone(), a)));
            }
        } else if let Some((coin_id, exit_id, paid)) = exit_ended(log) {
            self.open.remove(&coin_id);
            self.challenge_deadlines.retain(|(id, _), _| *id != exit_id);
            self.late_answers.retain(|late| late.exit.exit_id != exit_id);
            self.operator_mut()?.on_exit_ended(coin_id, paid);
            for watcher in self.watchers.values_mut() {
                watcher.on_exit_ended(coin_id, exit_id);
            }
            if paid {
                self.paid_out.insert(coin_id);
                for wallet in self.wallets.values_mut() {
                    wallet.on_exit_paid(coin_id);
                }
            }
        }
        Ok(actions)
    }

    /// Decides each action once into the outbox and sends what is due: nobody challenges its own
    /// exit, and the exiter answers challenges against its exit before anyone else who could. An
    /// action whose send is lost or reverts is sent again at every look until the exit is
    /// processed; one about an exit that ended is withdrawn.
    async fn act(&mut self, world: &mut World, actions: Vec<(String, Action)>) -> Result<(), Error> {
        let now = world.chain.block_time().await?;
        let mut ordered = Vec::with_capacity(actions.len());
        for (name, action) in actions {
            let Some(exiter) = self.open.get(&action.coin_id()).map(|exit| exit.owner) else {
                // The exit ended in the same round (a game built on Cash cancelled it first).
                continue;
            };
            let own = exiter == world.actor(&name)?.address;
            match action {
                Action::RespondHistory(_) => ordered.push((!own, name, action)),
                _ if own => {}
                _ => ordered.push((true, name, action)),
            }
        }
        ordered.sort_by_key(|(later, ..)| *later);
        let period = self.game.periods().min_exit_period;
        for (_, name, action) in ordered {
            let Some(exit) = self.open.get(&action.coin_id()) else { continue };
            // The game's own windows: a history challenge until `startedAt + 3R`, an answer until
            // its challenge's deadline, a spent or double-spend challenge until processing.
            let deadline = match &action {
                Action::ChallengeHistory(_) => {
                    exit.exitable_at.min(plasma_cash::game::history_window_closes(exit.started_at(period), period))
                }
                Action::RespondHistory(response) => self
                    .challenge_deadlines
                    .get(&(exit.exit_id, response.challenge_blk))
                    .copied()
                    .unwrap_or(exit.exitable_at),
                Action::ChallengeSpent(_) | Action::ChallengeDoubleSpend(_) => exit.exitable_at,
            };
            let decided = Decided {
                sender: world.actor(&name)?.address,
                who: format!("{name}'s watcher"),
                call: action.call(&self.game),
                what: describe(&action),
                tag: (exit.coin_id, exit.exit_id),
            };
            self.outbox.decide(decided, deadline, now);
        }
        let open = &self.open;
        self.outbox.retain(|d| open.get(&d.tag.0).is_some_and(|exit| exit.exit_id == d.tag.1));
        self.outbox.flush(world).await?;
        Ok(())
    }

    /// The cheating operator answers history challenges against its accomplices' exits with
    /// whatever its blocks hold, at the last watcher round before each deadline.
    async fn answer_late(&mut self, world: &mut World) -> Result<(), Error> {
        let now = world.chain.block_time().await?;
        let due: Vec<LateAnswer> = {
            let (due, later) = std::mem::take(&mut self.late_answers)
                .into_iter()
                .partition(|late| crate::variants::answer_is_due(now, late.challenge.deadline));
            self.late_answers = later;
            due
        };
        for late in due {
            let Some(response) = self.operator_answer(&late)? else { continue };
            let call = self.game.respond_history_call(&response);
            let receipt = world.game_call(world.operator.address, &call).await?;
            if receipt.success {
                world.log.push(format!(
                    "operator answers the challenge at block {} of coin {} with its block {}",
                    late.challenge.blknum, late.challenge.coin_id, response.response.blknum
                ));
            }
        }
        Ok(())
    }

    /// A direct child of the challenged transaction, signed by its new owner, in the operator's
    /// blocks up to the exit's `pBlk`.
    fn operator_answer(&self, late: &LateAnswer) -> Result<Option<HistoryResponse>, Error> {
        let operator = self.operator()?;
        let (coin_id, challenged) = (late.challenge.coin_id, late.challenge.blknum);
        for blknum in operator.child_blocks().filter(|b| *b > challenged && *b <= late.exit.prev_blk) {
            let Ok((response, sig)) = self.operator_included(coin_id, blknum) else { continue };
            let signer = SignedCashTx::new(response.tx, sig).signer(operator.domain());
            if response.tx.prevBlock == challenged && signer.is_ok_and(|s| s == late.challenge.owner) {
                return Ok(Some(HistoryResponse { coin_id, challenge_blk: challenged, response, sig }));
            }
        }
        Ok(None)
    }

    /// A forgery: `coin_id` moved from its last block to `to`, signed by `signer` (not its owner).
    fn forged(&self, world: &World, coin_id: u64, to: &str, signer: &str) -> Result<SignedCashTx, Error> {
        let coin = self.operator()?.coin(coin_id).ok_or_else(|| err(format!("no coin {coin_id}")))?;
        let tx = CashTx::new(coin_id, coin.last_moved, world.actor(to)?.address);
        Ok(tx.sign(&world.domain(), &world.actor(signer)?.key))
    }

    /// The rearrangement attack of protocols.md 3.6 on every pending payment.
    async fn rearrange(&mut self, world: &mut World, beneficiary: &str) -> Result<(), Error> {
        let payments = std::mem::take(&mut self.pending);
        if payments.is_empty() {
            return Err(err("the rearrangement needs a pending payment"));
        }
        for payment in &payments {
            let held = self.operator_mut()?.hold_back(payment.coin_id).ok_or_else(|| err("payment not queued"))?;
            self.operator_mut()?.include_unchecked(held).map_err(err)?;
        }
        self.commit(world, true).await?;
        for hop in [beneficiary, beneficiary] {
            for payment in &payments {
                let tx = self.forged(world, payment.coin_id, hop, beneficiary)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            self.commit(world, true).await?;
        }
        Ok(())
    }
}

/// The coin, exit id and payout of an event that ends an exit.
pub(crate) fn exit_ended(log: &alloy_primitives::Log) -> Option<(u64, u128, bool)> {
    if let Ok(event) = ICashExitGame::ExitFinalized::decode_log(log) {
        return Some((event.coinId, event.exitId.to(), event.paid));
    }
    if let Ok(event) = ICashExitGame::ExitChallenged::decode_log(log) {
        return Some((event.coinId, event.exitId.to(), false));
    }
    ICashExitGame::ExitCancelled::decode_log(log).ok().map(|event| (event.coinId, event.exitId.to(), false))
}

fn describe(action: &Action) -> String {
    match action {
        Action::ChallengeSpent(c) => format!("shows the spend of coin {} (spent-coin challenge)", c.coin_id),
        Action::ChallengeDoubleSpend(c) => {
            format!(
                "shows the earlier spend of coin {} at block {} (double-spend challenge)",
                c.coin_id, c.spend.blknum
            )
        }
        Action::ChallengeHistory(HistoryChallenge { coin_id, earlier }) => {
            format!("challenges the history of coin {coin_id} with block {}", earlier.blknum)
        }
        Action::RespondHistory(r) => {
            format!(
                "answers the challenge at block {} of coin {} with block {}",
                r.challenge_blk, r.coin_id, r.response.blknum
            )
        }
    }
}

#[async_trait::async_trait]
impl Variant for CashVariant {
    fn name(&self) -> &'static str {
        NAME
    }

    fn summary(&self) -> &'static str {
        "Plasma Cash: whole coins in a 64-level sparse tree, coin histories, three-challenge exit game"
    }

    fn capabilities(&self) -> Capabilities {
        plasma_cash::operator::CAPABILITIES
    }

    fn must_watch(&self) -> &'static str {
        "exits of its own coins, and one proof per block per coin it holds (not whole blocks)"
    }

    fn exit_bond(&self) -> U256 {
        EXIT_BOND
    }

    async fn deploy(&mut self, world: &mut World) -> Result<(), Error> {
        let args = |framework_| {
            let args =
                CashExitGame::constructorCall { framework_, exitBond_: EXIT_BOND, challengeBond_: CHALLENGE_BOND };
            alloy_sol_types::SolConstructor::abi_encode(&args)
        };
        self.deploy_game_code(world, &CashExitGame::BYTECODE, args).await
    }
    async fn deposit(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support, Error> {
        let deposit = world.deposit(actor, amount).await?;
        self.operator_mut()?.apply_deposit(&deposit).map_err(err)?;
        self.record_deposit(&deposit)?;
        Ok(Support::Done)
    }

    async fn transfer(
        &mut self,
        world: &mut World,
        from: &str,
        to: &str,
        amount: U256,
        _confirm: bool,
    ) -> Result<Support, Error> {
        let payee = world.actor(to)?.address;
        let (coin_id, forged) = match self.coin_of(world, from, amount)? {
            Ok(found) => found,
            Err(why) => return Ok(Support::NotApplicable(why)),
        };
        if forged {
            // A cheater moves a coin the operator forged for it; the operator takes anything.
            let tx = self.forged(world, coin_id, to, from)?;
            self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            world.log.push(format!("{from} moves forged coin {coin_id} to {to}"));
            return Ok(Support::Done);
        }
        if self.handed_elsewhere.contains(&coin_id) {
            // Another layer (Plasma XT) checked the history it hands over and delivers it.
            let tx = self.wallet_mut(from)?.pay(coin_id, payee).map_err(err)?;
            if let Err(refused) = self.operator_mut()?.submit_tx(tx) {
                self.wallet_mut(from)?.cancel(coin_id);
                return Err(err(refused));
            }
            self.pending.push(Pending { coin_id, payer: from.to_owned(), payee: to.to_owned() });
            return Ok(Support::Done);
        }
        // The recipient checks the whole history before the payer signs anything.
        let history = self.wallet(from)?.handover(coin_id).map_err(err)?;
        self.learn_deposit(to, coin_id)?;
        let recipient = self.wallet(to)?;
        history
            .verify(recipient.domain(), recipient.roots())
            .map_err(|why| err(format!("{to} cannot verify the history of coin {coin_id}: {why}")))?;
        let claim = self.wallet(from)?.exit_claim(coin_id).map_err(err)?;
        let tx = self.wallet_mut(from)?.pay(coin_id, payee).map_err(err)?;
        if let Err(refused) = self.operator_mut()?.submit_tx(tx) {
            self.wallet_mut(from)?.cancel(coin_id);
            return Err(err(refused));
        }
        self.wallet_mut(to)?.expect_payment(tx, history).map_err(err)?;
        self.spent.entry(from.to_owned()).or_default().push(claim);
        self.pending.push(Pending { coin_id, payer: from.to_owned(), payee: to.to_owned() });
        Ok(Support::Done)
    }

    async fn commit_block(&mut self, world: &mut World) -> Result<(), Error> {
        let withhold = std::mem::take(&mut self.withhold_next);
        self.commit(world, withhold).await?;
        self.deliver(world)
    }

    async fn inject_fault(&mut self, world: &mut World, fault: &Fault) -> Result<Support, Error> {
        match fault {
            Fault::SpendExited { owner, beneficiary } => {
                let coin = crate::variants::newest_exited(&self.exited, world, owner)?;
                // The operator forgot the coin when its exit was paid; the owner's history has it.
                let history =
                    self.wallet(owner)?.handover(coin).map_err(|_| err(format!("{owner} kept no coin {coin}")))?;
                let tx = CashTx::new(coin, history.tip().last_moved, world.actor(beneficiary)?.address);
                let tx = tx.sign(&world.domain(), &world.actor(owner)?.key);
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
                // The owner announces the payment with the coin's history; the payee must refuse
                // it: the history verifies, but the coin is gone from the root chain.
                self.learn_deposit(beneficiary, coin)?;
                let outcome = self.wallet_mut(beneficiary)?.expect_payment(tx, history);
                crate::variants::refused_paid_out(world, (owner, beneficiary, coin), outcome, |why| {
                    matches!(why, plasma_cash::CashError::PaidOut(_))
                })?;
            }
            Fault::InvalidTransaction { victim, beneficiary, .. } => {
                let address = world.actor(victim)?.address;
                let coin =
                    *self.operator()?.coins_of(address).last().ok_or_else(|| err(format!("{victim} holds no coin")))?;
                let tx = self.forged(world, coin, beneficiary, beneficiary)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::DoubleSpend { victim, beneficiary } => {
                let coin = self.newest_spent(victim)?;
                let tx = self.spend_again(world, coin, beneficiary, beneficiary)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::SignedDoubleSpend { owner, beneficiary } => {
                let coin = self.newest_spent(owner)?;
                let tx = self.spend_again(world, coin, beneficiary, owner)?;
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::Mint { beneficiary, amount } => {
                let amount = u128::try_from(amount.resolve(0)?).map_err(|_| err("negative mint"))?;
                // A coin id no deposit ever created (the last deposit slot of the first interval,
                // which no scenario reaches): nothing on the root chain backs it.
                let tx = CashTx::new(MINTED_COIN, MINTED_COIN, world.actor(beneficiary)?.address);
                let tx = tx.sign(&world.domain(), &world.actor(beneficiary)?.key);
                self.operator_mut()?.include_unchecked(tx).map_err(err)?;
                self.minted.push((beneficiary.clone(), MINTED_COIN, U256::from(amount)));
            }
            Fault::WithholdBlock => self.withhold_next = true,
            Fault::Rearrange { beneficiary } => self.rearrange(world, beneficiary).await?,
            Fault::StaleState { .. } | Fault::OneSlotPayment { .. } => {
                return Ok(Support::NotApplicable(format!(
                    "{fault:?} needs Plasma Debit's channels and atomic payments"
                )));
            }
            Fault::CompetingPair { .. } | Fault::DuplicateInput { .. } => {
                return Ok(Support::NotApplicable(format!(
                    "{fault:?} attacks multi-input transactions and in-flight exits, which Plasma Cash does not have"
                )));
            }
        }
        world.log.push(format!("operator fault: {fault:?}"));
        Ok(Support::Done)
    }

    async fn exit(
        &mut self,
        world: &mut World,
        actor: &str,
        what: ExitWhat,
        must_fail: bool,
    ) -> Result<Support, Error> {
        let mut claims = match what {
            ExitWhat::All | ExitWhat::Newest => self.wallet(actor)?.exit_claims(),
            ExitWhat::Spent => self.spent.get(actor).cloned().unwrap_or_default(),
            ExitWhat::StaleState => return Ok(Support::NotApplicable("Plasma Cash has no channel states".into())),
            ExitWhat::InFlight | ExitWhat::SpentInFlight | ExitWhat::FalseCanonicity => {
                return Ok(Support::NotApplicable("Plasma Cash has no in-flight exits".into()));
            }
        };
        if Self::is_cheater(world, actor) && what != ExitWhat::Spent {
            let address = world.actor(actor)?.address;
            let wallet = self.wallet(actor)?;
            let forged: Vec<u64> =
                self.operator()?.coins_of(address).into_iter().filter(|coin| !wallet.owns(*coin)).collect();
            for coin in forged {
                claims.push(self.claim_from_operator(coin)?);
            }
            for (_, coin_id, amount) in self.minted.iter().filter(|(owner, ..)| owner == actor) {
                claims.push(self.minted_claim(address, *coin_id, *amount)?);
            }
        }
        if what == ExitWhat::Newest {
            claims = claims.pop().into_iter().collect();
        }
        if !must_fail {
            claims.retain(|claim| !self.open.contains_key(&claim.coin_id()));
        }
        self.start_exits(world, actor, claims, must_fail).await?;
        Ok(Support::Done)
    }

    async fn challenge(&mut self, world: &mut World, challenger: &str, target: &str) -> Result<Support, Error> {
        let actions = self.ingest(world).await?;
        self.act(world, actions).await?;
        let target = world.actor(target)?.address;
        let exit =
            *self.open.values().rfind(|exit| exit.owner == target).ok_or_else(|| err("no open exit of the target"))?;
        // Whatever the challenger knows of the coin before the exit's parent: its deposit, or the
        // earliest transaction it holds (an honest history answers either).
        let wallet = self.wallet(challenger)?;
        let earlier = wallet
            .deposit_record(exit.coin_id)
            .filter(|record| record.coin_id < exit.prev_blk)
            .map(|record| Included::deposit(&record))
            .or_else(|| {
                wallet.known_moves(exit.coin_id).into_iter().find(|m| m.blknum < exit.prev_blk).map(|m| m.included())
            })
            .ok_or_else(|| err(format!("{challenger} knows nothing of coin {} before its exit", exit.coin_id)))?;
        let call = self.game.challenge_history_call(&HistoryChallenge { coin_id: exit.coin_id, earlier });
        let from = world.actor(challenger)?.address;
        let receipt = world.game_call(from, &call).await?;
        if !receipt.success {
            return Err(err(format!("challenge refused: {}", receipt.revert_reason.unwrap_or_default())));
        }
        world.log.push(format!("{challenger} challenges the history of coin {}", exit.coin_id));
        Ok(Support::Done)
    }

    async fn run_watchers(&mut self, world: &mut World) -> Result<(), Error> {
        let actions = self.ingest(world).await?;
        self.act(world, actions).await?;
        self.answer_late(world).await?;
        // What the operator's answers revealed may call for more.
        let actions = self.ingest(world).await?;
        self.act(world, actions).await
    }

    async fn exit_counts(&self, world: &World) -> Result<ExitCounts, Error> {
        let logs = world.chain.logs(&LogFilter { address: Some(world.exit_game), ..LogFilter::default() }).await?;
        let mut counts = ExitCounts::default();
        for entry in &logs {
            let log = &entry.log;
            if ICashExitGame::ExitStarted::decode_log(log).is_ok() {
                counts.started += 1;
            } else if ICashExitGame::ExitChallenged::decode_log(log).is_ok()
                || ICashExitGame::ExitCancelled::decode_log(log).is_ok()
            {
                counts.challenged += 1;
            } else if let Ok(event) = ICashExitGame::ExitFinalized::decode_log(log) {
                counts.paid += u64::from(event.paid);
            }
        }
        Ok(counts)
    }
}

impl CashVariant {
    /// Deploys the framework and the exit game `bytecode` (constructor arguments from the
    /// framework's address), and sets up the operator, wallets and watchers: Plasma Cash's own
    /// deployment, and that of games built on it (Plasma XT).
    pub(crate) async fn deploy_game_code(
        &mut self,
        world: &mut World,
        bytecode: &[u8],
        args: impl FnOnce(Address) -> Vec<u8> + Send,
    ) -> Result<(), Error> {
        world.deploy_exit_game(bytecode, args).await?;
        self.game = CashGame::new(EXIT_BOND, CHALLENGE_BOND, world.min_exit_period);
        let domain = world.domain();
        self.operator = Some(Operator::new(domain));
        for actor in world.everyone() {
            self.names.insert(actor.address, actor.name.clone());
            self.wallets.insert(actor.name.clone(), Wallet::new(actor.key.clone(), domain));
            if !Self::is_cheater(world, &actor.name) {
                self.watchers.insert(actor.name.clone(), Watcher::new(actor.address, self.game));
            }
        }
        Ok(())
    }

    /// Records a deposit (once): the depositor's wallet starts the coin's history.
    fn record_deposit(&mut self, deposit: &DepositEvent) -> Result<(), Error> {
        if self.deposits.insert(deposit.blknum, *deposit).is_some() {
            return Ok(());
        }
        let Some(name) = self.names.get(&deposit.depositor).cloned() else { return Ok(()) };
        self.wallet_mut(&name)?.on_deposit(deposit).map_err(err)?;
        Ok(())
    }

    /// `payee`'s wallet learns the deposit root of `coin_id` before receiving the coin.
    pub(crate) fn learn_deposit(&mut self, payee: &str, coin_id: u64) -> Result<(), Error> {
        let deposit = self.deposits.get(&coin_id).copied();
        if let Some(deposit) = deposit {
            self.wallet_mut(payee)?.on_deposit(&deposit).map_err(err)?;
        }
        Ok(())
    }

    /// The newest coin `owner` paid away.
    fn newest_spent(&self, owner: &str) -> Result<u64, Error> {
        self.spent
            .get(owner)
            .and_then(|claims| claims.last())
            .map(ExitClaim::coin_id)
            .ok_or_else(|| err(format!("{owner} paid nothing away")))
    }

    /// A second spend of `coin_id` to `to`, signed by `signer`: it spends the same state as the
    /// coin's newest recorded payment (so it conflicts with that payment).
    fn spend_again(&self, world: &World, coin_id: u64, to: &str, signer: &str) -> Result<SignedCashTx, Error> {
        let claim = self
            .spent
            .values()
            .flatten()
            .rev()
            .find(|claim| claim.coin_id() == coin_id)
            .ok_or_else(|| err(format!("coin {coin_id} was never paid away")))?;
        let parent_blk = match claim {
            ExitClaim::Deposit(exit) => exit.coin_id,
            ExitClaim::Tx(exit) => exit.exiting.blknum,
        };
        let tx = CashTx::new(coin_id, parent_blk, world.actor(to)?.address);
        Ok(tx.sign(&world.domain(), &world.actor(signer)?.key))
    }
}
