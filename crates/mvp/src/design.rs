//! Plasma MVP behind the core traits: [`Mvp`] names its types, [`Operator`] is its
//! [`OperatorState`], and the exit game's events decode into [`MvpEvent`].

use alloy_primitives::{Address, B256, Log, U256};
use alloy_sol_types::{SolConstructor, SolEvent};
use plasma_abi::MvpExitGame;
use plasma_core::{
    BlockNumber, Capabilities, ChainEvent, ChildChain, Decision, Design, ExitOutcome, OperatorState, Signature,
    Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::{Inclusion, MvpError, MvpGame, ObservedExit, Operator, SignedTx, UtxoPos};

/// Plasma MVP, as the runtime and the suite know it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mvp;

/// An event of `MvpExitGame`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MvpEvent {
    /// An exit started.
    ExitStarted(Box<ObservedExit>),
    /// The exit of this output was challenged and removed.
    ExitChallenged(UtxoPos),
    /// The exit of this output was processed; `paid` is false when the framework refused to pay.
    ExitFinalized {
        /// The exited output.
        utxo_pos: UtxoPos,
        /// Whether its owner was paid.
        paid: bool,
    },
}

/// What an MVP client's call is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MvpTag {
    /// A challenge of the exit of this output.
    Challenge(UtxoPos),
    /// The user's own exit of this output.
    Exit(UtxoPos),
}

/// What a payer hands its payee: the payment, where it is included, and the payer's confirmations
/// (one per input slot it signed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handover {
    /// The payment.
    pub tx: SignedTx,
    /// Its inclusion in a committed block.
    pub inclusion: Inclusion,
    /// The confirmations of its inputs, per slot.
    pub confirmations: [Option<Signature>; 2],
}

impl Design for Mvp {
    const NAME: &'static str = "mvp";
    const SUMMARY: &'static str = "Plasma MVP: 2-in/2-out UTXOs, confirmation signatures, exit priority by age";
    const MUST_WATCH: &'static str = "every block in full, at least once per exit period (exit on an invalid or withheld block), and exits of outputs it has spent";

    type Tx = SignedTx;
    type BlockData = Vec<SignedTx>;
    type GameEvent = MvpEvent;
    type Tag = MvpTag;
    type Handover = Handover;
    type Game = MvpGame;
    type Error = MvpError;

    fn capabilities() -> Capabilities {
        crate::operator::CAPABILITIES
    }

    fn exit_bond(game: &MvpGame) -> U256 {
        game.exit_bond
    }

    fn game_bytecode() -> &'static [u8] {
        &MvpExitGame::BYTECODE
    }

    fn game_constructor_args(game: &MvpGame, framework: Address) -> Vec<u8> {
        MvpExitGame::constructorCall { framework_: framework, exitBond_: game.exit_bond }.abi_encode()
    }

    fn decode_game_event(log: &Log) -> Result<Option<MvpEvent>, MvpError> {
        let decode = |reason: alloy_sol_types::Error| MvpError::Decode {
            what: "an MvpExitGame event",
            reason: reason.to_string(),
        };
        let Some(topic) = log.topics().first() else { return Ok(None) };
        Ok(Some(match *topic {
            MvpExitGame::ExitStarted::SIGNATURE_HASH => {
                let event = MvpExitGame::ExitStarted::decode_log(log).map_err(decode)?;
                MvpEvent::ExitStarted(Box::new(ObservedExit {
                    utxo_pos: UtxoPos::decode(event.utxoPos)?,
                    owner: event.owner,
                    amount: event.amount,
                    exitable_at: event.exitableAt,
                    tx: event.tx.clone(),
                    confirm_sigs: event.confirmSigs.clone(),
                }))
            }
            MvpExitGame::ExitChallenged::SIGNATURE_HASH => {
                let event = MvpExitGame::ExitChallenged::decode_log(log).map_err(decode)?;
                MvpEvent::ExitChallenged(UtxoPos::decode(event.utxoPos)?)
            }
            MvpExitGame::ExitFinalized::SIGNATURE_HASH => {
                let event = MvpExitGame::ExitFinalized::decode_log(log).map_err(decode)?;
                MvpEvent::ExitFinalized { utxo_pos: UtxoPos::decode(event.utxoPos)?, paid: event.paid }
            }
            _ => return Ok(None),
        }))
    }

    fn exit_outcome(event: &MvpEvent) -> Option<ExitOutcome> {
        Some(match event {
            MvpEvent::ExitStarted(_) => ExitOutcome::Started,
            MvpEvent::ExitChallenged(_) => ExitOutcome::Challenged,
            MvpEvent::ExitFinalized { paid, .. } => ExitOutcome::Processed { paid: *paid },
        })
    }
}

impl OperatorState<Mvp> for Operator {
    fn on_event(&mut self, event: &ChainEvent<MvpEvent>, _at: Timestamp) -> Result<Vec<Decision<MvpTag>>, MvpError> {
        match event {
            ChainEvent::Framework(event) => self.on_framework_event(event)?,
            ChainEvent::Game(MvpEvent::ExitStarted(exit)) => {
                self.on_exit_started(exit.utxo_pos);
            }
            ChainEvent::Game(MvpEvent::ExitChallenged(_) | MvpEvent::ExitFinalized { .. }) => {}
        }
        Ok(Vec::new())
    }

    fn submit(&mut self, tx: SignedTx) -> Result<B256, MvpError> {
        self.submit_tx(tx)
    }

    fn seal(&mut self) -> Result<B256, MvpError> {
        Ok(self.build_block()?.root())
    }

    fn block_data(&self, blknum: BlockNumber) -> Option<Vec<SignedTx>> {
        self.published_block(blknum).map(|block| block.txs().to_vec())
    }
}
