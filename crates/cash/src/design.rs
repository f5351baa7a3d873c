//! Plasma Cash behind the core traits: [`Cash`] names its types, [`Operator`] is its
//! [`OperatorState`], and the exit game's events decode into [`CashEvent`].
//!
//! The honest Cash operator owes nothing on the root chain: it credits deposits, numbers its
//! blocks, and stops accepting spends of a coin once an exit of it starts (a cancelled exit makes
//! the coin spendable again, a paid one removes it).

use alloy_primitives::{Address, B256, Log, U256};
use alloy_sol_types::{SolConstructor, SolEvent};
use plasma_core::{
    BlockNumber, Capabilities, ChainEvent, ChildChain, Decision, Design, ExitOutcome, FrameworkEvent, OperatorState,
    Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::{
    CashBlock, CashError, CashGame, CashHistory, ObservedAnswer, ObservedChallenge, ObservedExit, Operator,
    SignedCashTx, abi::CashExitGame,
};

/// Plasma Cash, as the runtime and the suite know it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cash;

/// An event of `CashExitGame` (and of the games built on it, which emit the same events).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CashEvent {
    /// An exit started.
    ExitStarted(ObservedExit),
    /// A history challenge of an open exit.
    HistoryChallenged(ObservedChallenge),
    /// An answer to a history challenge: it publishes a transaction of the coin.
    HistoryAnswered(Box<ObservedAnswer>),
    /// A spent-coin or double-spend challenge cancelled the exit.
    ExitChallenged {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
    },
    /// The exit reached processing with unanswered history challenges and was cancelled.
    ExitCancelled {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
    },
    /// The exit was processed; `paid` is false when the framework refused to pay.
    ExitFinalized {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
        /// Whether its owner was paid.
        paid: bool,
    },
}

impl CashEvent {
    /// Decodes one log of the exit game: `Ok(None)` for a log that is none of these events.
    pub fn decode(log: &Log) -> Result<Option<Self>, CashError> {
        let decode = |reason: alloy_sol_types::Error| CashError::Decode {
            what: "a CashExitGame event",
            reason: reason.to_string(),
        };
        let Some(topic) = log.topics().first() else { return Ok(None) };
        Ok(Some(match *topic {
            CashExitGame::ExitStarted::SIGNATURE_HASH => {
                Self::ExitStarted(ObservedExit::from(&CashExitGame::ExitStarted::decode_log(log).map_err(decode)?.data))
            }
            CashExitGame::HistoryChallenged::SIGNATURE_HASH => Self::HistoryChallenged(ObservedChallenge::from(
                &CashExitGame::HistoryChallenged::decode_log(log).map_err(decode)?.data,
            )),
            CashExitGame::HistoryChallengeAnswered::SIGNATURE_HASH => Self::HistoryAnswered(Box::new(
                ObservedAnswer::from(&CashExitGame::HistoryChallengeAnswered::decode_log(log).map_err(decode)?.data),
            )),
            CashExitGame::ExitChallenged::SIGNATURE_HASH => {
                let event = CashExitGame::ExitChallenged::decode_log(log).map_err(decode)?;
                Self::ExitChallenged { coin_id: event.coinId, exit_id: event.exitId.to() }
            }
            CashExitGame::ExitCancelled::SIGNATURE_HASH => {
                let event = CashExitGame::ExitCancelled::decode_log(log).map_err(decode)?;
                Self::ExitCancelled { coin_id: event.coinId, exit_id: event.exitId.to() }
            }
            CashExitGame::ExitFinalized::SIGNATURE_HASH => {
                let event = CashExitGame::ExitFinalized::decode_log(log).map_err(decode)?;
                Self::ExitFinalized { coin_id: event.coinId, exit_id: event.exitId.to(), paid: event.paid }
            }
            _ => return Ok(None),
        }))
    }

    /// The coin, exit id and payout of an event that ends an exit.
    #[must_use]
    pub const fn ended(&self) -> Option<(u64, u128, bool)> {
        match *self {
            Self::ExitChallenged { coin_id, exit_id } | Self::ExitCancelled { coin_id, exit_id } => {
                Some((coin_id, exit_id, false))
            }
            Self::ExitFinalized { coin_id, exit_id, paid } => Some((coin_id, exit_id, paid)),
            _ => None,
        }
    }
}

/// What a Cash client's call is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CashTag {
    /// A watcher's challenge of (or answer on) exit `exit_id` of coin `coin_id`: it matters while
    /// that exit is open.
    Exit {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
    },
    /// The user's own exit of this coin: it matters until an exit of the coin starts.
    OwnExit(u64),
}

/// What a Cash payer hands its payee: the coin's whole history, before the payment (with the
/// signed payment: the payee checks the history and keeps both, to defend the coin should the
/// operator hide the payment) and once the payment is in the payer's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handover {
    /// The payment, signed and not yet known to be included, with the payer's history.
    Announced {
        /// The signed payment.
        tx: SignedCashTx,
        /// The payer's history of the coin.
        history: CashHistory,
    },
    /// The coin's history, through the block that includes the payment.
    Included(CashHistory),
}

impl Handover {
    /// The coin handed over.
    #[must_use]
    pub fn coin_id(&self) -> u64 {
        match self {
            Self::Announced { history, .. } | Self::Included(history) => history.coin_id(),
        }
    }
}

impl Design for Cash {
    const NAME: &'static str = "cash";
    const SUMMARY: &'static str =
        "Plasma Cash: whole coins in a 64-level sparse tree, coin histories, three-challenge exit game";
    const MUST_WATCH: &'static str =
        "exits of its own coins, and one proof per block per coin it holds (not whole blocks)";

    type Tx = SignedCashTx;
    type BlockData = CashBlock;
    type GameEvent = CashEvent;
    type Tag = CashTag;
    type Handover = Handover;
    type Game = CashGame;
    type Error = CashError;

    fn capabilities() -> Capabilities {
        crate::operator::CAPABILITIES
    }

    fn exit_bond(game: &CashGame) -> U256 {
        game.exit_bond
    }

    fn game_bytecode() -> &'static [u8] {
        &CashExitGame::BYTECODE
    }

    fn game_constructor_args(game: &CashGame, framework: Address) -> Vec<u8> {
        CashExitGame::constructorCall {
            framework_: framework,
            exitBond_: game.exit_bond,
            challengeBond_: game.challenge_bond,
        }
        .abi_encode()
    }

    fn decode_game_event(log: &Log) -> Result<Option<CashEvent>, CashError> {
        CashEvent::decode(log)
    }

    fn exit_outcome(event: &CashEvent) -> Option<ExitOutcome> {
        match event {
            CashEvent::ExitStarted(_) => Some(ExitOutcome::Started),
            CashEvent::ExitChallenged { .. } | CashEvent::ExitCancelled { .. } => Some(ExitOutcome::Challenged),
            CashEvent::ExitFinalized { paid, .. } => Some(ExitOutcome::Processed { paid: *paid }),
            CashEvent::HistoryChallenged(_) | CashEvent::HistoryAnswered(_) => None,
        }
    }
}

impl Operator {
    /// What the operator does with a root-chain event of the Cash family: credits deposits,
    /// numbers its blocks, and follows exits (an exiting coin is spent no more). Events already
    /// taken are ignored.
    pub fn on_chain_event(&mut self, event: &ChainEvent<CashEvent>) -> Result<(), CashError> {
        match event {
            ChainEvent::Framework(FrameworkEvent::Deposit(deposit)) => {
                if self.coin(deposit.blknum).is_none() {
                    self.apply_deposit(deposit)?;
                }
            }
            ChainEvent::Framework(FrameworkEvent::BlockSubmitted(block)) => {
                if self.block(block.blknum).is_none() {
                    self.on_block_submitted(block)?;
                }
            }
            ChainEvent::Game(CashEvent::ExitStarted(exit)) => {
                self.on_exit_started(exit.coin_id);
            }
            ChainEvent::Game(game) => {
                if let Some((coin_id, _, paid)) = game.ended() {
                    self.on_exit_ended(coin_id, paid);
                }
            }
        }
        Ok(())
    }
}

impl OperatorState<Cash> for Operator {
    fn on_event(&mut self, event: &ChainEvent<CashEvent>, _at: Timestamp) -> Result<Vec<Decision<CashTag>>, CashError> {
        self.on_chain_event(event)?;
        Ok(Vec::new())
    }

    fn submit(&mut self, tx: SignedCashTx) -> Result<B256, CashError> {
        self.submit_tx(tx)
    }

    fn seal(&mut self) -> Result<B256, CashError> {
        Ok(self.build_block()?.root())
    }

    fn block_data(&self, blknum: BlockNumber) -> Option<CashBlock> {
        self.published_block(blknum).ok().cloned()
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, Log, U256, aliases::U96};
    use alloy_sol_types::SolEvent;
    use plasma_core::{Design, ExitOutcome};

    use super::{Cash, CashEvent};
    use crate::abi::CashExitGame;

    fn log(event: &impl SolEvent) -> Log {
        Log { address: Address::repeat_byte(7), data: event.encode_log_data() }
    }

    #[test]
    fn game_events_decode_and_count_as_exit_outcomes() {
        let owner = Address::repeat_byte(1);
        let started = CashExitGame::ExitStarted {
            coinId: 3,
            owner,
            exitId: U96::from(1u128 << 64 | 3),
            eBlk: 2000,
            pBlk: 1000,
            pOwner: Address::repeat_byte(2),
            amount: U256::from(5),
            exitableAt: 99,
        };
        let Some(CashEvent::ExitStarted(exit)) = CashEvent::decode(&log(&started)).unwrap() else { panic!() };
        assert_eq!(
            (exit.coin_id, exit.owner, exit.exit_blk, exit.prev_blk, exit.exitable_at),
            (3, owner, 2000, 1000, 99)
        );
        assert_eq!(Cash::exit_outcome(&CashEvent::ExitStarted(exit)), Some(ExitOutcome::Started));

        let finalized = CashExitGame::ExitFinalized { coinId: 3, exitId: U96::from(7), owner, paid: true };
        let event = CashEvent::decode(&log(&finalized)).unwrap().unwrap();
        assert_eq!(event.ended(), Some((3, 7, true)));
        assert_eq!(Cash::exit_outcome(&event), Some(ExitOutcome::Processed { paid: true }));

        let cancelled = CashExitGame::ExitCancelled { coinId: 3, exitId: U96::from(7), beneficiary: owner };
        let event = CashEvent::decode(&log(&cancelled)).unwrap().unwrap();
        assert_eq!((event.ended(), Cash::exit_outcome(&event)), (Some((3, 7, false)), Some(ExitOutcome::Challenged)));
    }

    #[test]
    fn other_logs_are_skipped_and_malformed_ones_refused() {
        let unknown =
            Log::new_unchecked(Address::ZERO, vec![alloy_primitives::B256::repeat_byte(9)], Vec::new().into());
        assert!(CashEvent::decode(&unknown).unwrap().is_none());
        assert!(
            CashEvent::decode(&Log::new_unchecked(Address::ZERO, Vec::new(), Vec::new().into())).unwrap().is_none()
        );
        // An ExitStarted topic over data too short for its fields.
        let mut truncated = log(&CashExitGame::ExitStarted::default());
        truncated.data =
            alloy_primitives::LogData::new_unchecked(truncated.data.topics().to_vec(), vec![0u8; 7].into());
        assert!(matches!(CashEvent::decode(&truncated), Err(crate::CashError::Decode { .. })));
    }
}
