//! MoreVP behind the core traits: [`MoreVp`] names its types and [`Operator`] is its
//! [`OperatorState`]; the exit game's events decode into [`GameEvent`].

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Log, U256};
use alloy_sol_types::SolConstructor;
use plasma_abi::MoreVpExitGame;
use plasma_core::{
    BlockNumber, Capabilities, ChainEvent, ChildChain, Decision, Design, ExitOutcome, OperatorState, Timestamp,
};

use crate::{ActionKey, GameEvent, Inclusion, InputProof, MoreVpError, MoreVpGame, Operator, PaymentTx, SignedTx};

/// MoreVP, as the runtime and the suite know it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MoreVp;

/// What a MoreVP payer hands over: the payment in flight at once (with the proofs of its inputs,
/// what an in-flight exit needs), then where it was included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handover {
    /// The payment, before it is known to be included.
    InFlight {
        /// The signed payment.
        tx: SignedTx,
        /// The transactions (or deposit records) that created its inputs, with their proofs.
        input_txs: Vec<InputProof>,
    },
    /// The payment is in a committed block the payer judged.
    Included {
        /// The signed payment.
        tx: SignedTx,
        /// Where it is included.
        inclusion: Box<Inclusion>,
    },
}

impl Design for MoreVp {
    const NAME: &'static str = "morevp";
    const SUMMARY: &'static str =
        "MoreVP: 4-in/4-out UTXOs without confirmations, in-flight exits, piggybacks, canonicity game";
    const MUST_WATCH: &'static str = "every block in full, at least once per exit period (in-flight exit on an invalid or withheld block), and exits that touch its inputs or outputs";

    type Tx = SignedTx;
    type BlockData = Vec<SignedTx>;
    type GameEvent = GameEvent;
    type Tag = ActionKey;
    type Handover = Handover;
    type Game = MoreVpGame;
    type Error = MoreVpError;

    fn capabilities() -> Capabilities {
        crate::operator::CAPABILITIES
    }

    fn exit_bond(game: &MoreVpGame) -> U256 {
        game.standard_exit_bond
    }

    fn game_bytecode() -> &'static [u8] {
        &MoreVpExitGame::BYTECODE
    }

    fn game_constructor_args(game: &MoreVpGame, framework: Address) -> Vec<u8> {
        MoreVpExitGame::constructorCall {
            framework_: framework,
            standardExitBond_: game.standard_exit_bond,
            inFlightExitBond_: game.in_flight_exit_bond,
            piggybackBond_: game.piggyback_bond,
        }
        .abi_encode()
    }

    fn decode_game_event(log: &Log) -> Result<Option<GameEvent>, MoreVpError> {
        GameEvent::from_log(log)
    }

    /// Exits started are standard and in-flight exits; challenged are standard exits challenged
    /// and piggybacks blocked. Payouts are the framework's `ExitPaid` events, not the game's: a
    /// processed in-flight exit pays each of its piggybacks.
    fn exit_outcome(event: &GameEvent) -> Option<ExitOutcome> {
        match event {
            GameEvent::StandardExitStarted { .. } | GameEvent::InFlightExitStarted { .. } => Some(ExitOutcome::Started),
            GameEvent::StandardExitChallenged { .. }
            | GameEvent::InFlightExitInputBlocked { .. }
            | GameEvent::InFlightExitOutputBlocked { .. } => Some(ExitOutcome::Challenged),
            _ => None,
        }
    }
}

/// What the operator keeps of the exit game: the transactions of open in-flight exits (an input
/// piggyback names its input by slot).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperatorView {
    in_flight: BTreeMap<B256, PaymentTx>,
}

impl OperatorState<MoreVp> for Operator {
    fn on_event(
        &mut self,
        event: &ChainEvent<GameEvent>,
        _at: Timestamp,
    ) -> Result<Vec<Decision<ActionKey>>, MoreVpError> {
        match event {
            ChainEvent::Framework(event) => self.on_framework_event(event)?,
            ChainEvent::Game(event) => {
                // The honest operator spends an exiting output no more (and drops a queued spend).
                if let Some(pos) = self.game_view_mut().exiting_output(event) {
                    self.on_exit_started(pos);
                }
            }
        }
        Ok(Vec::new())
    }

    fn submit(&mut self, tx: SignedTx) -> Result<B256, MoreVpError> {
        self.submit_tx(tx)
    }

    fn seal(&mut self) -> Result<B256, MoreVpError> {
        Ok(self.build_block()?.root())
    }

    fn block_data(&self, blknum: BlockNumber) -> Option<Vec<SignedTx>> {
        self.published_block(blknum).map(|block| block.txs().to_vec())
    }
}

impl OperatorView {
    /// Follows `event`; returns the output whose exit it starts (a standard exit, or an input
    /// piggyback of an in-flight exit).
    pub fn exiting_output(&mut self, event: &GameEvent) -> Option<crate::UtxoPos> {
        use crate::tx::PaymentTxExt as _;
        match event {
            GameEvent::StandardExitStarted { utxo_pos, .. } => Some(*utxo_pos),
            GameEvent::InFlightExitStarted { tx_hash, tx, .. } => {
                self.in_flight.insert(*tx_hash, tx.tx.clone());
                None
            }
            GameEvent::InFlightExitPiggybacked { tx_hash, is_output: false, index, .. } => self
                .in_flight
                .get(tx_hash)
                .and_then(|tx| tx.named_inputs().find(|(i, _)| i == index).map(|(_, pos)| pos)),
            GameEvent::InFlightExitDeleted { tx_hash } | GameEvent::InFlightExitFinalized { tx_hash, .. } => {
                self.in_flight.remove(tx_hash);
                None
            }
            _ => None,
        }
    }
}
