//! Plasma Debit behind the core traits: [`Debit`] names its types, [`DebitOperator`] is its
//! [`OperatorState`], and the exit game's events decode into [`DebitEvent`].
//!
//! The operator's duties on the root chain are decided here, as events arrive: it answers every
//! channel challenge and corrects every exit started on a stale state with its latest co-signed
//! state (its own interest: the state it co-signed last is the one that pays it), and answers the
//! history challenges that name it with its own spend of the challenged leg. Each decision is made
//! once and withdrawn once the exit it is about ended.

use alloy_primitives::{Address, B256, Log, U256};
use alloy_sol_types::{SolConstructor, SolEvent};
use plasma_core::{
    BlockNumber, Capabilities, ChainEvent, ChildChain, Decision, Design, ExitOutcome, FrameworkEvent, OperatorState,
    Role, Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::{
    DebitBlock, DebitError, DebitGame, DebitHistory, DebitOperator, ObservedChannelChallenge, ObservedExit,
    ObservedHistoryAnswer, ObservedHistoryChallenge, SignedDebitTx,
    abi::{DebitExitGame as Game, DebitTx},
    watcher::{self, Action, OpenExit},
};

/// Plasma Debit, as the runtime and the suite know it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Debit;

/// An event of `DebitExitGame`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DebitEvent {
    /// An exit started.
    ExitStarted(ObservedExit),
    /// A history challenge of an open exit.
    HistoryChallenged(ObservedHistoryChallenge),
    /// A history challenge was answered: the answer publishes the spend.
    HistoryChallengeAnswered(ObservedHistoryAnswer),
    /// The holder challenged an exit with a co-signed state.
    ChannelChallenged(ObservedChannelChallenge),
    /// The exit moved to a co-signed state (answering the channel challenge, if any).
    ChannelAnswered {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
        /// The state's nonce.
        nonce: u64,
        /// The state's holder balance (wei).
        balance: U256,
    },
    /// A spent-coin or double-spend challenge removed the exit.
    ExitChallenged {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
    },
    /// An unanswered history challenge cancelled the exit.
    ExitCancelled {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
    },
    /// The exit was processed; `paid` is false when the framework refused the holder's share.
    ExitFinalized {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
        /// Whether the holder was paid.
        paid: bool,
    },
    /// The operator merged its deposit `liquidity_deposit` of `amount` wei into coin `coin_id`.
    LiquidityAdded {
        /// The coin whose capacity grew.
        coin_id: u64,
        /// The operator's deposit merged into it (gone as a coin of its own).
        liquidity_deposit: u64,
        /// The amount (wei).
        amount: U256,
    },
}

impl DebitEvent {
    /// The coin the event is about.
    #[must_use]
    pub const fn coin_id(&self) -> u64 {
        match self {
            Self::ExitStarted(exit) => exit.coin_id,
            Self::HistoryChallenged(challenge) => challenge.coin_id,
            Self::HistoryChallengeAnswered(answer) => answer.coin_id,
            Self::ChannelChallenged(challenge) => challenge.coin_id,
            Self::ChannelAnswered { coin_id, .. }
            | Self::ExitChallenged { coin_id, .. }
            | Self::ExitCancelled { coin_id, .. }
            | Self::ExitFinalized { coin_id, .. }
            | Self::LiquidityAdded { coin_id, .. } => *coin_id,
        }
    }
}

/// What a Debit call is about: the runtime withdraws it once that ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DebitTag {
    /// The user's own exit of this coin.
    StartExit(u64),
    /// A challenge of the open exit `exit_id` of `coin_id`, or the operator's channel answer to it.
    OnExit {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
    },
    /// The answer to the history challenge at `challenge_blk` of the open exit `exit_id`.
    Answer {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
        /// The challenged block.
        challenge_blk: BlockNumber,
    },
}

impl DebitTag {
    /// The tag of `action` about the open exit `exit`.
    #[must_use]
    pub const fn of(action: &Action, exit: &ObservedExit) -> Self {
        let (coin_id, exit_id) = (exit.coin_id, exit.exit_id);
        match action {
            Action::RespondHistory { challenge_blk, .. } => {
                Self::Answer { coin_id, exit_id, challenge_blk: *challenge_blk }
            }
            _ => Self::OnExit { coin_id, exit_id },
        }
    }

    /// The coin the call is about.
    #[must_use]
    pub const fn coin_id(&self) -> u64 {
        match self {
            Self::StartExit(coin_id) | Self::OnExit { coin_id, .. } | Self::Answer { coin_id, .. } => *coin_id,
        }
    }

    /// Whether the call still matters with `exits` open: its exit is open (and, for an answer,
    /// the challenge still waits); for a user's own exit, the coin has none open.
    #[must_use]
    pub fn still_wanted(&self, exits: &watcher::OpenExits) -> bool {
        match self {
            Self::StartExit(coin_id) => !exits.contains(*coin_id),
            Self::OnExit { exit_id, .. } => exits.by_id(*exit_id).is_some(),
            Self::Answer { exit_id, challenge_blk, .. } => {
                exits.by_id(*exit_id).is_some_and(|open| open.awaits_answer(*challenge_blk))
            }
        }
    }
}

/// What a Debit payer hands its payee for an ownership transfer of a coin: the transfer and its
/// history before the transfer is included (the payee checks it and expects the coin), then the
/// history through the block that includes it (the payee verifies it and holds the coin).
///
/// A payment between two coins hands nothing over: the payee co-signs it and its own history
/// shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handover {
    /// The transfer, accepted by the operator, and the payer's history of the coin.
    Announced {
        /// The ownership transfer.
        tx: DebitTx,
        /// The coin's history as the payer holds it.
        history: DebitHistory,
    },
    /// The coin's history through the block that includes the transfer.
    Included {
        /// The coin's history, ending with the payee as holder.
        history: DebitHistory,
    },
}

impl Design for Debit {
    const NAME: &'static str = "debit";
    const SUMMARY: &'static str =
        "Plasma Debit: Cash coins with balances, atomic two-coin payments and operator channels";
    const MUST_WATCH: &'static str =
        "exits and channel challenges of its own coins, and one proof per block per coin it holds";

    type Tx = SignedDebitTx;
    type BlockData = DebitBlock;
    type GameEvent = DebitEvent;
    type Tag = DebitTag;
    type Handover = Handover;
    type Game = DebitGame;
    type Error = DebitError;

    fn capabilities() -> Capabilities {
        crate::operator::CAPABILITIES
    }

    fn exit_bond(game: &DebitGame) -> U256 {
        game.exit_bond
    }

    fn game_bytecode() -> &'static [u8] {
        &Game::BYTECODE
    }

    fn game_constructor_args(game: &DebitGame, framework: Address) -> Vec<u8> {
        Game::constructorCall { framework_: framework, exitBond_: game.exit_bond, challengeBond_: game.challenge_bond }
            .abi_encode()
    }

    fn decode_game_event(log: &Log) -> Result<Option<DebitEvent>, DebitError> {
        let decode = |reason: alloy_sol_types::Error| DebitError::Decode {
            what: "a DebitExitGame event",
            reason: reason.to_string(),
        };
        let Some(topic) = log.topics().first() else { return Ok(None) };
        Ok(Some(match *topic {
            Game::ExitStarted::SIGNATURE_HASH => {
                DebitEvent::ExitStarted(ObservedExit::from(&Game::ExitStarted::decode_log(log).map_err(decode)?.data))
            }
            Game::HistoryChallenged::SIGNATURE_HASH => DebitEvent::HistoryChallenged(ObservedHistoryChallenge::from(
                &Game::HistoryChallenged::decode_log(log).map_err(decode)?.data,
            )),
            Game::HistoryChallengeAnswered::SIGNATURE_HASH => DebitEvent::HistoryChallengeAnswered(
                ObservedHistoryAnswer::from(&Game::HistoryChallengeAnswered::decode_log(log).map_err(decode)?.data),
            ),
            Game::ChannelChallenged::SIGNATURE_HASH => DebitEvent::ChannelChallenged(ObservedChannelChallenge::from(
                &Game::ChannelChallenged::decode_log(log).map_err(decode)?.data,
            )),
            Game::ChannelAnswered::SIGNATURE_HASH => {
                let event = Game::ChannelAnswered::decode_log(log).map_err(decode)?;
                DebitEvent::ChannelAnswered {
                    coin_id: event.coinId,
                    exit_id: event.exitId.to::<u128>(),
                    nonce: event.nonce,
                    balance: event.balance,
                }
            }
            Game::ExitChallenged::SIGNATURE_HASH => {
                let event = Game::ExitChallenged::decode_log(log).map_err(decode)?;
                DebitEvent::ExitChallenged { coin_id: event.coinId, exit_id: event.exitId.to::<u128>() }
            }
            Game::ExitCancelled::SIGNATURE_HASH => {
                let event = Game::ExitCancelled::decode_log(log).map_err(decode)?;
                DebitEvent::ExitCancelled { coin_id: event.coinId, exit_id: event.exitId.to::<u128>() }
            }
            Game::ExitFinalized::SIGNATURE_HASH => {
                let event = Game::ExitFinalized::decode_log(log).map_err(decode)?;
                DebitEvent::ExitFinalized {
                    coin_id: event.coinId,
                    exit_id: event.exitId.to::<u128>(),
                    paid: event.paid,
                }
            }
            Game::LiquidityAdded::SIGNATURE_HASH => {
                let event = Game::LiquidityAdded::decode_log(log).map_err(decode)?;
                DebitEvent::LiquidityAdded {
                    coin_id: event.coinId,
                    liquidity_deposit: event.liquidityDeposit,
                    amount: event.amount,
                }
            }
            _ => return Ok(None),
        }))
    }

    fn exit_outcome(event: &DebitEvent) -> Option<ExitOutcome> {
        match event {
            DebitEvent::ExitStarted(_) => Some(ExitOutcome::Started),
            DebitEvent::ExitChallenged { .. } | DebitEvent::ExitCancelled { .. } => Some(ExitOutcome::Challenged),
            DebitEvent::ExitFinalized { paid, .. } => Some(ExitOutcome::Processed { paid: *paid }),
            _ => None,
        }
    }
}

impl DebitOperator {
    /// The operator's duties on `open` after an event about it: the correction of a stale exit
    /// or the answer to the channel challenge (unless the coin is silenced), and answers to the
    /// history challenges that name the operator.
    fn duties(&self, open: &OpenExit) -> Result<Vec<Action>, DebitError> {
        let mut actions = Vec::new();
        if !self.silent.contains(&open.exit.coin_id) {
            actions.extend(match &open.channel {
                Some(challenge) => watcher::operator_on_channel_challenge(self, challenge),
                None => watcher::operator_on_exit(self, &open.exit),
            });
        }
        for challenge in open.history.iter().filter(|c| c.owner == self.address()) {
            if let Some(response) = self.spend_of(challenge, open.exit.prev_blk)? {
                actions.push(Action::RespondHistory { challenge_blk: challenge.blknum, response });
            }
        }
        Ok(actions)
    }
}

impl OperatorState<Debit> for DebitOperator {
    fn on_event(
        &mut self,
        event: &ChainEvent<DebitEvent>,
        _at: Timestamp,
    ) -> Result<Vec<Decision<DebitTag>>, DebitError> {
        let event = match event {
            ChainEvent::Framework(FrameworkEvent::Deposit(deposit)) => {
                if self.coin(deposit.blknum).is_none() {
                    self.apply_deposit(deposit)?;
                }
                return Ok(Vec::new());
            }
            ChainEvent::Framework(FrameworkEvent::BlockSubmitted(block)) => {
                if self.block(block.blknum).is_none() {
                    self.on_block_submitted(block)?;
                }
                return Ok(Vec::new());
            }
            ChainEvent::Game(event) => event,
        };
        if let DebitEvent::LiquidityAdded { coin_id, amount, .. } = event {
            self.on_liquidity(*coin_id, amount.saturating_to())?;
        }
        self.exits.apply(event);
        let Some(open) = self.exits.get(event.coin_id()).cloned() else { return Ok(Vec::new()) };
        let mut decisions = Vec::new();
        for action in self.duties(&open)? {
            // Answers post no bond: the game's bonds do not enter their calls.
            let call = action.call(&DebitGame::default());
            if !self.decided.insert((open.exit.exit_id, call.data.clone())) {
                continue;
            }
            decisions.push(Decision {
                by: Role::Owner,
                tag: DebitTag::of(&action, &open.exit),
                sender: self.address(),
                call,
                deadline: open.answer_deadline(&action),
                what: action.describe(),
            });
        }
        Ok(decisions)
    }

    fn submit(&mut self, tx: SignedDebitTx) -> Result<B256, DebitError> {
        self.submit_tx(tx)
    }

    fn seal(&mut self) -> Result<B256, DebitError> {
        Ok(self.build_block()?.root())
    }

    fn block_data(&self, blknum: BlockNumber) -> Option<DebitBlock> {
        self.published_block(blknum).ok().cloned()
    }

    fn still_wanted(&self, tag: &DebitTag) -> bool {
        tag.still_wanted(&self.exits)
    }
}
