//! Plasma Cash (`plasma-cash`) as a scenario variant: the design's operator and one
//! [`CashClient`] per actor on the runtime (`plasma-node`), and `CashExitGame` on the root chain.
//!
//! The honest users' software is the design crate's: clients judge every committed block (one
//! entry per coin they hold), a payee checks the payer's whole coin history before the payer signs
//! (so a history that spans a withheld block stops the payment), payers hand over the history once
//! the payment is included, and watchers answer every exit of a coin their user owns or owned.
//! Nobody exits because a block is bad or withheld: a Plasma Cash coin is safe as long as its
//! owner answers exits of it.
//!
//! What stays here is the scenario's vocabulary and the cheaters. Cheaters (the operator and the
//! `colluding` actors) run no watcher. They hold the coins the operator forged for them through the
//! operator's own block data (withheld or not), and the operator answers honest users' history
//! challenges against their exits as late as it may (never its accomplices' own challenges, which
//! they make to stay pending).
//!
//! Everything here is written once for the Cash family ([`Family`]: a design whose operator holds
//! a Cash operator and whose clients hold a [`CashClient`]), so Plasma XT reuses it ([`Core`]).

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, U256};
use plasma_cash::{
    Cash, CashBlock, CashClient, CashError, CashEvent, CashExit, CashGame, CashHistory, CashTag, CashTx, ExitClaim,
    Handover, Included, Operator, SignedCashTx,
    game::{HistoryChallenge, IncludedExt as _, ObservedChallenge, ObservedExit},
    tx::CashTxExt as _,
};
use plasma_core::{
    BlockNumber, BlockSubmittedEvent, ChainEvent, ChildChain, Decision, Design, ExitScope, FrameworkEvent, GameCall,
    OperatorState, SigningKey, Timestamp, UserClient,
};
use plasma_rootchain::RootChain as _;

use crate::{
    Error, ExitRequest, ExitWhat, Fault, Support, World,
    lab::{Committed, Lab, Pending, Result, Scripted, is_cheater},
};

/// The exit bond: 0.02 ETH, as for MVP (a fifth of Loom's 0.1 ETH).
pub const EXIT_BOND: U256 = U256::from_limbs([20_000_000_000_000_000, 0, 0, 0]);
/// The bond of an invalid-history challenge, equal to the exit bond.
pub const CHALLENGE_BOND: U256 = EXIT_BOND;

/// The id of the coin the `mint` fault makes up.
const MINTED_COIN: u64 = 999;

fn err(message: impl std::fmt::Display) -> Error {
    Error::Variant { variant: Cash::NAME, message: message.to_string() }
}

/// A design of the Plasma Cash family, as this adapter drives it: its operator holds a Cash
/// [`Operator`], its clients a [`CashClient`], and its exit game emits Cash's events.
pub trait Family:
    Scripted<Cheats = CashCheats<Self::Extra>> + Design<Tx = SignedCashTx, BlockData = CashBlock>
{
    /// What the design's scenario keeps beside the Cash family's cheaters.
    type Extra: Default + Send + Sync;

    /// The Cash game underneath.
    fn cash_game(game: &Self::Game) -> &CashGame;
    /// The Cash operator underneath.
    fn cash_operator(operator: &Self::Operator) -> &Operator;
    /// The Cash operator underneath, to change (what the cheating operator does).
    fn cash_operator_mut(operator: &mut Self::Operator) -> &mut Operator;
    /// The Cash client underneath.
    fn cash_client(client: &Self::Client) -> &CashClient;
    /// The Cash client underneath, to change.
    fn cash_client_mut(client: &mut Self::Client) -> &mut CashClient;
    /// The Cash event a game event is, if any.
    fn cash_event(event: &Self::GameEvent) -> Option<&CashEvent>;
    /// A payment announced with the payer's Cash history (what the SpendExited fault hands over).
    fn announced(tx: SignedCashTx, history: CashHistory) -> Self::Handover;
    /// The coin of a refusal because the coin's exit was paid.
    fn paid_out(error: &Self::Error) -> Option<u64>;
    /// The coin of the user's own exit a decision starts.
    fn own_exit(tag: &Self::Tag) -> Option<u64>;
    /// What a client decided from the events of this look that goes first (answers on its own
    /// exits), before any client's other decisions.
    fn own_answers(client: &mut Self::Client) -> Vec<Decision<Self::Tag>>;
    /// The Cash decisions a client owes at a look at `now`.
    fn due(client: &mut Self::Client, now: Timestamp) -> Result<Vec<Decision<Self::Tag>>, Self::Error>;
    /// What the log says when `payee` takes `handover` from `payer`, if anything.
    fn receipt_note(handover: &Self::Handover, payer: &str, payee: &str) -> Option<String>;
}

impl Family for Cash {
    type Extra = ();

    fn cash_game(game: &CashGame) -> &CashGame {
        game
    }

    fn cash_operator(operator: &Operator) -> &Operator {
        operator
    }

    fn cash_operator_mut(operator: &mut Operator) -> &mut Operator {
        operator
    }

    fn cash_client(client: &CashClient) -> &CashClient {
        client
    }

    fn cash_client_mut(client: &mut CashClient) -> &mut CashClient {
        client
    }

    fn cash_event(event: &CashEvent) -> Option<&CashEvent> {
        Some(event)
    }

    fn announced(tx: SignedCashTx, history: CashHistory) -> Handover {
        Handover::Announced { tx, history }
    }

    fn paid_out(error: &CashError) -> Option<u64> {
        match error {
            CashError::PaidOut(coin) => Some(*coin),
            _ => None,
        }
    }

    fn own_exit(tag: &CashTag) -> Option<u64> {
        match tag {
            CashTag::OwnExit(coin) => Some(*coin),
            CashTag::Exit { .. } => None,
        }
    }

    fn own_answers(_client: &mut CashClient) -> Vec<Decision<CashTag>> {
        // A Cash client returns them as it reads the events.
        Vec::new()
    }

    fn due(client: &mut CashClient, now: Timestamp) -> Result<Vec<Decision<CashTag>>, CashError> {
        client.tick(now)
    }

    fn receipt_note(_handover: &Handover, _payer: &str, _payee: &str) -> Option<String> {
        None
    }
}

/// A history challenge against a cheater's exit, which the operator answers late.
struct LateAnswer {
    exit: ObservedExit,
    challenge: ObservedChallenge,
}

/// What the cheaters read of the exit game: the open exits, and the honest users' history
/// challenges of their exits that the operator will answer late.
struct Follow {
    cursor: plasma_node::LogCursor,
    /// The operator's and the colluding actors' addresses.
    cheaters: BTreeSet<Address>,
    /// Open exits, by coin.
    open: BTreeMap<u64, ObservedExit>,
    late_answers: Vec<LateAnswer>,
}

impl Follow {
    /// Reads the exit game's events since the last look.
    async fn poll<F: Family>(&mut self, world: &World) -> Result<()> {
        for dated in self.cursor.poll::<F, _>(&world.chain).await? {
            let ChainEvent::Game(event) = dated.event else { continue };
            let Some(event) = F::cash_event(&event) else { continue };
            match event {
                CashEvent::ExitStarted(exit) => {
                    self.open.insert(exit.coin_id, *exit);
                }
                CashEvent::HistoryChallenged(challenge) => {
                    let exit = self.open.get(&challenge.coin_id).filter(|e| e.exit_id == challenge.exit_id);
                    // The operator answers honest users' challenges of its accomplices' exits, not
                    // its accomplices' own: a false challenge below the victim's is theirs to leave
                    // pending (docs/security.md, C-2).
                    if let Some(exit) = exit
                        && self.cheaters.contains(&exit.owner)
                        && !self.cheaters.contains(&challenge.challenger)
                    {
                        self.late_answers.push(LateAnswer { exit: *exit, challenge: *challenge });
                    }
                }
                CashEvent::HistoryAnswered(answer) => {
                    self.late_answers.retain(|late| {
                        !(late.challenge.exit_id == answer.exit_id && late.challenge.blknum == answer.challenge_blk)
                    });
                }
                ended => {
                    if let Some((coin_id, exit_id, _)) = ended.ended() {
                        self.open.remove(&coin_id);
                        self.late_answers.retain(|late| late.exit.exit_id != exit_id);
                    }
                }
            }
        }
        Ok(())
    }
}

/// What the cheaters of a Cash-family scenario remember, and `extra`, what the design keeps
/// beside them.
pub struct CashCheats<X> {
    follow: Option<Follow>,
    /// Exit claims of coins each actor has paid away (what a cheater exits with `spent`).
    spent: BTreeMap<String, Vec<ExitClaim>>,
    /// Coins the operator minted from nothing: beneficiary, coin id, claimed denomination.
    minted: Vec<(String, u64, U256)>,
    /// The design's own scenario state.
    pub extra: X,
}

impl<X: Default> Default for CashCheats<X> {
    fn default() -> Self {
        Self { follow: None, spent: BTreeMap::new(), minted: Vec::new(), extra: X::default() }
    }
}

/// The cheaters start following `world`'s exit game.
pub(crate) fn follow<F: Family>(lab: &mut Lab<F>, world: &World) {
    let cheaters = world.everyone().filter(|a| is_cheater(world, &a.name)).map(|a| a.address).collect();
    lab.cheats.follow = Some(Follow {
        cursor: plasma_node::LogCursor::new(world.framework, world.exit_game, 0),
        cheaters,
        open: BTreeMap::new(),
        late_answers: Vec::new(),
    });
}

impl<F: Family> Lab<F> {
    /// The Cash operator.
    pub(crate) fn cash_operator(&self) -> Result<&Operator, Error> {
        Ok(F::cash_operator(self.operator()?))
    }

    fn cash_operator_mut(&mut self) -> Result<&mut Operator, Error> {
        Ok(F::cash_operator_mut(self.operator_mut()?))
    }

    /// The Cash client of `name`.
    pub(crate) fn cash(&self, name: &str) -> Result<&CashClient, Error> {
        Ok(F::cash_client(self.client(name)?))
    }

    fn cash_mut(&mut self, name: &str) -> Result<&mut CashClient, Error> {
        Ok(F::cash_client_mut(self.client_mut(name)?))
    }

    /// The operator seals the pending transactions and commits the root; with `withhold`, it
    /// publishes nothing of the block.
    async fn commit(&mut self, world: &mut World, withhold: bool) -> Result<BlockSubmittedEvent, Error> {
        let submitted = self.node()?.operator.commit(&mut world.chain).await?;
        if withhold {
            self.cash_operator_mut()?.withhold(submitted.blknum);
            world.log.push(format!("operator withholds block {}", submitted.blknum));
        }
        Ok(submitted)
    }

    /// Every client learns the block and judges it (its watcher reports what it found); payers
    /// hand included payments' histories to their payees, who verify them in full.
    pub(crate) async fn deliver(&mut self, world: &mut World, submitted: BlockSubmittedEvent) -> Result<()> {
        let now = world.chain.block_time().await?;
        let node = self.node()?;
        let names: Vec<String> = node.clients.clients().map(|(name, _)| name.clone()).collect();
        let event = ChainEvent::Framework(FrameworkEvent::BlockSubmitted(submitted));
        for name in &names {
            node.clients.client_mut(name)?.on_event(&event, submitted.timestamp).map_err(err)?;
            let source = plasma_node::InProcess(node.operator.operator());
            node.clients.sync_one(name, &source, now).await?;
        }
        for name in &names {
            for finding in F::cash_client_mut(node.clients.client_mut(name)?).findings() {
                world.log.push(format!("{name}'s watcher: {finding:?}"));
            }
        }
        let data = node.operator.operator().block_data(submitted.blknum);
        for payment in std::mem::take(&mut self.pending) {
            let handover = match &data {
                Some(data) => {
                    let payer = self.client_mut(&payment.payer)?;
                    payer.hand_over(&payment.tx, Some((submitted.blknum, data))).map_err(err)?
                }
                None => None,
            };
            let Some(handover) = handover else {
                self.pending.push(payment);
                continue;
            };
            match self.client_mut(&payment.payee)?.receive(&handover) {
                Err(refused) => match F::paid_out(&refused) {
                    Some(coin) => world.log.push(format!(
                        "{}'s wallet refuses coin {coin} from {}: its exit was paid",
                        payment.payee, payment.payer
                    )),
                    None => return Err(err(refused)),
                },
                Ok(_) => world.log.extend(F::receipt_note(&handover, &payment.payer, &payment.payee)),
            }
        }
        Ok(())
    }

    /// One look of every client: the operator reads what happened, the clients read the events
    /// (and the cheaters what they follow), decide as of now and send what is due.
    pub(crate) async fn look(&mut self, world: &mut World) -> Result<()> {
        let node = self.node()?;
        node.operator.poll(&world.chain).await?;
        let source = plasma_node::InProcess(node.operator.operator());
        node.clients.ingest(&world.chain, &source).await?;
        let names: Vec<String> = node.clients.clients().map(|(name, _)| name.clone()).collect();
        let now = world.chain.block_time().await?;
        for name in &names {
            let answers = F::own_answers(node.clients.client_mut(name)?);
            node.clients.decide(name, answers, now);
        }
        self.cheats.follow.as_mut().ok_or_else(|| err("not deployed"))?.poll::<F>(world).await?;
        let node = self.node()?;
        for name in &names {
            let due = F::due(node.clients.client_mut(name)?, now).map_err(err)?;
            node.clients.decide(name, due, now);
        }
        let outcome = node.clients.flush(world).await;
        node.log_notes(world);
        Ok(outcome?)
    }

    /// The coin `from` pays with: one it owns (or, for a cheater, holds through the operator's
    /// forgeries) of exactly `amount`.
    pub(crate) fn coin_of(
        &self,
        world: &World,
        from: &str,
        amount: U256,
    ) -> Result<Result<(u64, bool), String>, Error> {
        let client = self.cash(from)?;
        if let Some(coin) = client.coin_for(amount) {
            return Ok(Ok((coin, false)));
        }
        if is_cheater(world, from) {
            let operator = self.cash_operator()?;
            let address = world.actor(from)?.address;
            let forged = operator.coins_of(address).into_iter().filter(|coin| !client.wallet().owns(*coin));
            if let Some(coin) =
                forged.into_iter().find(|coin| operator.coin(*coin).map(|c| c.deposit.amount) == Some(amount))
            {
                return Ok(Ok((coin, true)));
            }
        }
        Ok(Err(format!("Plasma Cash moves whole coins and {from} holds none of exactly {amount} wei")))
    }

    /// The exit a minted coin's beneficiary tries: the minting transaction, posing as a spend of a
    /// deposit of `amount` by the beneficiary.
    fn minted_claim(&self, beneficiary: Address, coin_id: u64, amount: U256) -> Result<ExitClaim, Error> {
        let operator = self.cash_operator()?;
        let blknum = operator
            .child_blocks()
            .find(|b| operator.block(*b).is_some_and(|record| record.block.tx(coin_id).is_some()))
            .ok_or_else(|| err(format!("minted coin {coin_id} is in no block yet")))?;
        let (exiting, exiting_sig) = self.cash_operator()?.included_at(coin_id, blknum).map_err(err)?;
        Ok(ExitClaim::Tx(Box::new(CashExit {
            coin_id,
            depositor: beneficiary,
            amount,
            parent: Included::none(),
            exiting,
            exiting_sig,
        })))
    }

    /// Starts the exits `calls` (each of its coin) from `owner`; with `must_fail`, every one must
    /// be refused.
    pub(crate) async fn start_coin_exits(
        world: &mut World,
        owner: &str,
        calls: Vec<(u64, GameCall)>,
        must_fail: bool,
    ) -> Result<()> {
        if calls.is_empty() {
            return Err(err(format!("{owner} has nothing to exit")));
        }
        let from = world.actor(owner)?.address;
        for (coin, call) in calls {
            let receipt = world.game_call(from, &call).await?;
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

    /// The cheating operator answers history challenges against its accomplices' exits with
    /// whatever its blocks hold, at the last watcher round before each deadline.
    pub(crate) async fn answer_late(&mut self, world: &mut World) -> Result<()> {
        let now = world.chain.block_time().await?;
        let due: Vec<LateAnswer> = {
            let cheats = self.cheats.follow.as_mut().ok_or_else(|| err("not deployed"))?;
            let (due, later) = std::mem::take(&mut cheats.late_answers)
                .into_iter()
                .partition(|late| super::answer_is_due(now, late.challenge.deadline));
            cheats.late_answers = later;
            due
        };
        for late in due {
            let (challenge, exit) = (late.challenge, late.exit);
            let answer = self.cash_operator()?.history_answer(
                challenge.coin_id,
                challenge.blknum,
                challenge.owner,
                exit.prev_blk,
            );
            let Some(response) = answer else { continue };
            let call = F::cash_game(&self.game).respond_history_call(&response);
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

    /// A forgery: `coin_id` moved from its last block to `to`, signed by `signer` (not its owner).
    fn forged(&self, world: &World, coin_id: u64, to: &str, signer: &str) -> Result<SignedCashTx, Error> {
        let coin = self.cash_operator()?.coin(coin_id).ok_or_else(|| err(format!("no coin {coin_id}")))?;
        let tx = CashTx::new(coin_id, coin.last_moved, world.actor(to)?.address);
        Ok(tx.sign(&world.domain(), &world.actor(signer)?.key))
    }

    /// The rearrangement attack of protocols.md 3.6 on every pending payment.
    async fn rearrange(&mut self, world: &mut World, beneficiary: &str) -> Result<()> {
        let payments = std::mem::take(&mut self.pending);
        if payments.is_empty() {
            return Err(err("the rearrangement needs a pending payment"));
        }
        for payment in &payments {
            let coin_id = payment.tx.tx.coinId;
            let held = self.cash_operator_mut()?.hold_back(coin_id).ok_or_else(|| err("payment not queued"))?;
            self.cash_operator_mut()?.include_unchecked(held).map_err(err)?;
        }
        self.commit(world, true).await?;
        for hop in [beneficiary, beneficiary] {
            for payment in &payments {
                let tx = self.forged(world, payment.tx.tx.coinId, hop, beneficiary)?;
                self.cash_operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            self.commit(world, true).await?;
        }
        Ok(())
    }

    /// The newest coin `owner` paid away.
    fn newest_spent(&self, owner: &str) -> Result<u64, Error> {
        self.cheats
            .spent
            .get(owner)
            .and_then(|claims| claims.last())
            .map(ExitClaim::coin_id)
            .ok_or_else(|| err(format!("{owner} paid nothing away")))
    }

    /// The coin of the newest exit `owner` started, read from the game's events.
    async fn newest_exited(world: &World, owner: &str) -> Result<u64, Error> {
        let address = world.actor(owner)?.address;
        super::game_events::<F>(world)
            .await?
            .iter()
            .filter_map(|event| match F::cash_event(event) {
                Some(CashEvent::ExitStarted(exit)) if exit.owner == address => Some(exit.coin_id),
                _ => None,
            })
            .next_back()
            .ok_or_else(|| Error::Scenario(format!("{owner} exited nothing")))
    }

    /// A second spend of `coin_id` to `to`, signed by `signer`: it spends the same state as the
    /// coin's newest recorded payment (so it conflicts with that payment).
    fn spend_again(&self, world: &World, coin_id: u64, to: &str, signer: &str) -> Result<SignedCashTx, Error> {
        let claim = self
            .cheats
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

    /// `actor` deposits `amount` wei: the operator credits it, and the depositor's wallet learns it
    /// from its own receipt.
    pub(crate) async fn cash_deposit(&mut self, world: &mut World, actor: &str, amount: U256) -> Result<Support> {
        let deposit = world.deposit(actor, amount).await?;
        let event = FrameworkEvent::Deposit(deposit);
        self.cash_operator_mut()?.on_chain_event(&ChainEvent::Framework(event)).map_err(err)?;
        let at = world.chain.block_time().await?;
        self.client_mut(actor)?.on_event(&ChainEvent::Framework(event), at).map_err(err)?;
        Ok(Support::Done)
    }

    /// `from` pays `to` a whole coin of `amount` wei. Unless `checked_elsewhere` (a layer on top
    /// checked what it hands over), the payee checks the coin's whole history before the payer
    /// signs, and keeps the signed payment with it.
    pub(crate) async fn cash_transfer(
        &mut self,
        world: &mut World,
        (from, to): (&str, &str),
        amount: U256,
        checked_elsewhere: bool,
    ) -> Result<Support> {
        let payee = world.actor(to)?.address;
        let (coin_id, forged) = match self.coin_of(world, from, amount)? {
            Ok(found) => found,
            Err(why) => return Ok(Support::NotApplicable(why)),
        };
        if forged {
            // A cheater moves a coin the operator forged for it; the operator takes anything.
            let tx = self.forged(world, coin_id, to, from)?;
            self.cash_operator_mut()?.include_unchecked(tx).map_err(err)?;
            world.log.push(format!("{from} moves forged coin {coin_id} to {to}"));
            return Ok(Support::Done);
        }
        if checked_elsewhere {
            let tx = self.client_mut(from)?.pay(payee, amount).map_err(err)?;
            if let Err(refused) = self.cash_operator_mut()?.submit_tx(tx) {
                self.client_mut(from)?.cancel(&tx);
                return Err(err(refused));
            }
            self.pending.push(Pending {
                tx,
                payer: from.to_owned(),
                payee: to.to_owned(),
                confirm: true,
                forged: false,
            });
            return Ok(Support::Done);
        }
        // The payee checks the whole history before the payer signs anything.
        let history = self.cash(from)?.wallet().handover(coin_id).map_err(err)?;
        self.cash_mut(to)?
            .check_history(&history)
            .map_err(|why| err(format!("{to} cannot verify the history of coin {coin_id}: {why}")))?;
        let claim = self.cash(from)?.wallet().exit_claim(coin_id).map_err(err)?;
        let tx = self.client_mut(from)?.pay(payee, amount).map_err(err)?;
        if let Err(refused) = self.cash_operator_mut()?.submit_tx(tx) {
            self.client_mut(from)?.cancel(&tx);
            return Err(err(refused));
        }
        let announced = self.client_mut(from)?.hand_over(&tx, None).map_err(err)?;
        if let Some(announced) = announced {
            self.client_mut(to)?.receive(&announced).map_err(err)?;
        }
        self.cheats.spent.entry(from.to_owned()).or_default().push(claim);
        self.pending.push(Pending { tx, payer: from.to_owned(), payee: to.to_owned(), confirm: true, forged: false });
        Ok(Support::Done)
    }

    /// The operator's faults.
    pub(crate) async fn cash_fault(&mut self, world: &mut World, fault: &Fault) -> Result<Support> {
        match fault {
            Fault::SpendExited { owner, beneficiary } => {
                let coin = Self::newest_exited(world, owner).await?;
                // The operator forgot the coin when its exit was paid; the owner's history has it.
                let history = self
                    .cash(owner)?
                    .wallet()
                    .handover(coin)
                    .map_err(|_| err(format!("{owner} kept no coin {coin}")))?;
                let tx = CashTx::new(coin, history.tip().last_moved, world.actor(beneficiary)?.address);
                let tx = tx.sign(&world.domain(), &world.actor(owner)?.key);
                self.cash_operator_mut()?.include_unchecked(tx).map_err(err)?;
                // The owner announces the payment with the coin's history; the payee must refuse
                // it: the history verifies, but the coin is gone from the root chain.
                let outcome = self.client_mut(beneficiary)?.receive(&F::announced(tx, history)).map(|_| ());
                super::refused_paid_out(world, (owner, beneficiary, coin), outcome, |why| F::paid_out(why).is_some())?;
            }
            Fault::InvalidTransaction { victim, beneficiary, .. } => {
                let address = world.actor(victim)?.address;
                let coin = *self
                    .cash_operator()?
                    .coins_of(address)
                    .last()
                    .ok_or_else(|| err(format!("{victim} holds no coin")))?;
                let tx = self.forged(world, coin, beneficiary, beneficiary)?;
                self.cash_operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::DoubleSpend { victim, beneficiary } => {
                let coin = self.newest_spent(victim)?;
                let tx = self.spend_again(world, coin, beneficiary, beneficiary)?;
                self.cash_operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::SignedDoubleSpend { owner, beneficiary } => {
                let coin = self.newest_spent(owner)?;
                let tx = self.spend_again(world, coin, beneficiary, owner)?;
                self.cash_operator_mut()?.include_unchecked(tx).map_err(err)?;
            }
            Fault::Mint { beneficiary, amount } => {
                let amount = u128::try_from(amount.resolve(0)?).map_err(|_| err("negative mint"))?;
                // A coin id no deposit ever created (the last deposit slot of the first interval,
                // which no scenario reaches): nothing on the root chain backs it.
                let tx = CashTx::new(MINTED_COIN, MINTED_COIN, world.actor(beneficiary)?.address);
                let tx = tx.sign(&world.domain(), &world.actor(beneficiary)?.key);
                self.cash_operator_mut()?.include_unchecked(tx).map_err(err)?;
                self.cheats.minted.push((beneficiary.clone(), MINTED_COIN, U256::from(amount)));
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
        Ok(Support::Done)
    }

    /// `actor` exits `what`: an honest user through its client, a cheater whatever it holds
    /// through the operator's forgeries as well.
    pub(crate) async fn cash_exit(
        &mut self,
        world: &mut World,
        actor: &str,
        what: ExitWhat,
        must_fail: bool,
    ) -> Result<Support> {
        let cheater = is_cheater(world, actor);
        let scope = match what {
            ExitWhat::All => ExitScope::All,
            ExitWhat::Newest => ExitScope::Newest,
            ExitWhat::Spent => {
                let claims = self.cheats.spent.get(actor).cloned().unwrap_or_default();
                let open = self.cash(actor)?.open_exits();
                let calls = claims
                    .iter()
                    .filter(|claim| must_fail || !open.contains_key(&claim.coin_id()))
                    .map(|claim| (claim.coin_id(), F::cash_game(&self.game).exit_call(claim)))
                    .collect();
                Self::start_coin_exits(world, actor, calls, must_fail).await?;
                return Ok(Support::Done);
            }
            ExitWhat::StaleState => return Ok(Support::NotApplicable("Plasma Cash has no channel states".into())),
            ExitWhat::InFlight | ExitWhat::SpentInFlight | ExitWhat::FalseCanonicity => {
                return Ok(Support::NotApplicable("Plasma Cash has no in-flight exits".into()));
            }
        };
        let calls: Vec<(u64, GameCall)> = if cheater || must_fail {
            // A cheater's exits: its own claims and the coins the operator forged or minted for
            // it, started again or not.
            let mut claims = self.cash(actor)?.wallet().exit_claims();
            if cheater {
                let address = world.actor(actor)?.address;
                let wallet = self.cash(actor)?.wallet();
                let forged: Vec<u64> =
                    self.cash_operator()?.coins_of(address).into_iter().filter(|coin| !wallet.owns(*coin)).collect();
                for coin in forged {
                    claims.push(self.cash_operator()?.exit_claim_of(coin).map_err(err)?);
                }
                for (_, coin_id, amount) in self.cheats.minted.iter().filter(|(owner, ..)| owner == actor) {
                    claims.push(self.minted_claim(address, *coin_id, *amount)?);
                }
            }
            if scope == ExitScope::Newest {
                claims = claims.pop().into_iter().collect();
            }
            let open = self.cash(actor)?.open_exits();
            claims
                .iter()
                .filter(|claim| must_fail || !open.contains_key(&claim.coin_id()))
                .map(|claim| (claim.coin_id(), F::cash_game(&self.game).exit_call(claim)))
                .collect()
        } else {
            let now = world.chain.block_time().await?;
            let decisions = self.client(actor)?.exits(scope, now).map_err(err)?;
            decisions.into_iter().filter_map(|d| F::own_exit(&d.tag).map(|coin| (coin, d.call))).collect()
        };
        Self::start_coin_exits(world, actor, calls, must_fail).await?;
        Ok(Support::Done)
    }

    /// `challenger` challenges the history of `target`'s open exit by hand, after its software
    /// had a look.
    pub(crate) async fn cash_challenge(
        &mut self,
        world: &mut World,
        challenger: &str,
        target: &str,
    ) -> Result<Support> {
        self.look(world).await?;
        let target = world.actor(target)?.address;
        let client = self.cash(challenger)?;
        let exit = *client
            .open_exits()
            .values()
            .rfind(|exit| exit.owner == target)
            .ok_or_else(|| err("no open exit of the target"))?;
        // Whatever the challenger knows of the coin before the exit's parent: its deposit, or the
        // earliest transaction it holds (an honest history answers either).
        let wallet = client.wallet();
        let earlier = wallet
            .deposit_record(exit.coin_id)
            .filter(|record| record.coin_id < exit.prev_blk)
            .map(|record| Included::deposit(&record))
            .or_else(|| {
                wallet.known_moves(exit.coin_id).into_iter().find(|m| m.blknum < exit.prev_blk).map(|m| m.included())
            })
            .ok_or_else(|| err(format!("{challenger} knows nothing of coin {} before its exit", exit.coin_id)))?;
        let call =
            F::cash_game(&self.game).challenge_history_call(&HistoryChallenge { coin_id: exit.coin_id, earlier });
        let from = world.actor(challenger)?.address;
        let receipt = world.game_call(from, &call).await?;
        if !receipt.success {
            return Err(err(format!("challenge refused: {}", receipt.revert_reason.unwrap_or_default())));
        }
        world.log.push(format!("{challenger} challenges the history of coin {}", exit.coin_id));
        Ok(Support::Done)
    }

    /// The Cash rounds of every client: a look, the cheating operator's late answers, and a look
    /// at what they revealed.
    pub(crate) async fn cash_watchers(&mut self, world: &mut World) -> Result<()> {
        self.look(world).await?;
        self.answer_late(world).await?;
        self.look(world).await
    }
}

/// Plasma Cash, driven by scenarios.
pub type CashVariant = Lab<Cash>;

#[async_trait::async_trait]
impl Scripted for Cash {
    type Operator = Operator;
    type Client = CashClient;
    type Cheats = CashCheats<()>;

    fn game(min_exit_period: u64) -> CashGame {
        CashGame::new(EXIT_BOND, CHALLENGE_BOND, min_exit_period)
    }

    fn operator(world: &World) -> Operator {
        Operator::new(world.domain())
    }

    fn client(key: SigningKey, world: &World, game: &CashGame, watching: bool) -> CashClient {
        CashClient::new(key, world.domain(), *game, watching)
    }

    fn exit_subject(tag: &CashTag) -> Option<String> {
        Self::own_exit(tag).map(|coin| format!("coin {coin}"))
    }

    fn paid_to(tx: &SignedCashTx) -> Vec<Address> {
        vec![tx.tx.newOwner]
    }

    fn deployed(lab: &mut Lab<Self>, world: &World) {
        follow(lab, world);
    }

    fn withhold(operator: &mut Operator, blknum: BlockNumber) -> bool {
        operator.withhold(blknum);
        true
    }

    async fn deposit(lab: &mut Lab<Self>, world: &mut World, actor: &str, amount: U256) -> Result<Support> {
        lab.cash_deposit(world, actor, amount).await
    }

    async fn transfer(lab: &mut Lab<Self>, world: &mut World, payment: crate::Payment<'_>) -> Result<Support> {
        lab.cash_transfer(world, (payment.from, payment.to), payment.amount, false).await
    }

    async fn deliver(lab: &mut Lab<Self>, world: &mut World, block: Committed) -> Result<()> {
        lab.deliver(world, block.submitted).await
    }

    async fn run_watchers(lab: &mut Lab<Self>, world: &mut World) -> Result<()> {
        lab.cash_watchers(world).await?;
        // The honest Cash operator owes nothing on the root chain; its queue stays empty.
        let node = lab.node()?;
        let outcome = node.operator.flush(world).await;
        node.log_notes(world);
        Ok(outcome?)
    }

    async fn inject_fault(lab: &mut Lab<Self>, world: &mut World, fault: &Fault) -> Result<Support> {
        lab.cash_fault(world, fault).await
    }

    async fn exit(lab: &mut Lab<Self>, world: &mut World, exit: ExitRequest<'_>) -> Result<Support> {
        lab.cash_exit(world, exit.actor, exit.what, exit.must_fail).await
    }

    async fn challenge(lab: &mut Lab<Self>, world: &mut World, challenger: &str, target: &str) -> Result<Support> {
        lab.cash_challenge(world, challenger, target).await
    }
}
