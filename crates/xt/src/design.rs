//! Plasma XT behind the core traits: [`Xt`] names its types, and the exit game's events decode
//! into [`XtEvent`]: Plasma Cash's (`XtExitGame` inherits them) and the checkpoints'.
//!
//! The operator is [`XtOperator`](crate::operator::XtOperator), the users' software
//! [`XtClient`](crate::user::XtClient).

use alloy_primitives::{Address, Bytes, Log, U256};
use alloy_sol_types::{SolConstructor, SolEvent};
use plasma_cash::{CashBlock, CashError, CashEvent, CashTag, SignedCashTx};
use plasma_core::{BlockNumber, Capabilities, Design, ExitOutcome, Timestamp};

use crate::{
    XtError, XtHistory,
    abi::{XtExitGame, to_cash},
    checkpoint::{Bitmap, Zone},
    game::XtGame,
    watcher::ProposedCheckpoint,
};

/// Plasma XT, as the runtime and the suite know it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Xt;

/// An event of `XtExitGame`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XtEvent {
    /// One of the Plasma Cash events the game inherits.
    Cash(CashEvent),
    /// A checkpoint was proposed; it can be finalised from `finalizable_at`.
    CheckpointProposed {
        /// The checkpoint.
        checkpoint: ProposedCheckpoint,
        /// `proposedAt + Pc`.
        finalizable_at: Timestamp,
    },
    /// A coin's bit was challenged; `owner`'s sign-off or later spend answers it until `deadline`.
    CheckpointChallenged {
        /// The checkpoint.
        checkpoint_id: u64,
        /// The coin.
        coin_id: u64,
        /// Who challenged.
        challenger: Address,
        /// The block of the challenging transaction.
        blknum: BlockNumber,
        /// The owner it names.
        owner: Address,
        /// Answers are accepted strictly before it.
        deadline: Timestamp,
    },
    /// A checkpoint challenge was answered.
    CheckpointAnswered {
        /// The checkpoint.
        checkpoint_id: u64,
        /// The coin.
        coin_id: u64,
        /// The challenged block.
        challenge_blk: BlockNumber,
    },
    /// A spend answer published a transaction of the coin.
    SpendRevealed {
        /// The checkpoint.
        checkpoint_id: u64,
        /// The spend, included.
        spend: plasma_cash::Included,
        /// Its signature, as published.
        sig: Bytes,
    },
    /// A checkpoint is final.
    CheckpointFinalized {
        /// The checkpoint.
        checkpoint_id: u64,
        /// Its block `K`.
        blknum: BlockNumber,
    },
    /// A checkpoint is void (`reason` 1 unanswered, 2 cap).
    CheckpointVoided {
        /// The checkpoint.
        checkpoint_id: u64,
        /// Who got the bond back (zero: burned).
        beneficiary: Address,
        /// Why.
        reason: u8,
    },
    /// A checkpoint takes no more challenges.
    CheckpointCapped(u64),
    /// A history challenge was answered with the coin's state in a finalised checkpoint.
    HistoryAnsweredAtCheckpoint {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
        /// The challenged block.
        challenge_blk: BlockNumber,
    },
    /// An exit starts at a checkpoint of block `blknum`.
    ExitOriginSet {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
        /// The checkpoint's block.
        blknum: BlockNumber,
    },
}

/// What an XT call is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum XtTag {
    /// A Plasma Cash call (a watcher's on an exit, or the user's own Cash exit).
    Cash(CashTag),
    /// A watcher's challenge of a bit of this checkpoint: it matters while the checkpoint is open.
    Checkpoint(u64),
    /// A watcher's XT call on exit `exit_id` of coin `coin_id` (a challenge or answer at a
    /// checkpoint, a stale exit's cancellation): it matters while that exit is open.
    Exit {
        /// The coin.
        coin_id: u64,
        /// The exit.
        exit_id: u128,
    },
    /// The user's own exit of this coin from its checkpoint.
    CheckpointExit(u64),
    /// The operator's answer to the challenge of a coin's bit at `challenge_blk`.
    Answer {
        /// The checkpoint.
        checkpoint_id: u64,
        /// The coin.
        coin_id: u64,
        /// The challenged block.
        challenge_blk: BlockNumber,
    },
    /// The finalisation of this checkpoint.
    Finalize(u64),
}

/// What an XT payer hands its payee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handover {
    /// As in Plasma Cash: the coin's whole history.
    Cash(plasma_cash::Handover),
    /// The coin's history from the finalised checkpoint it starts at, through the payment.
    CheckpointStarted(XtHistory),
}

fn decode_error(reason: &alloy_sol_types::Error) -> XtError {
    CashError::Decode { what: "an XtExitGame event", reason: reason.to_string() }.into()
}

fn checkpoint_id(id: U256) -> Result<u64, XtError> {
    u64::try_from(id).map_err(|_| {
        XtError::from(CashError::Decode { what: "a checkpoint id", reason: format!("{id} overflows 64 bits") })
    })
}

impl XtEvent {
    /// Decodes one log of the exit game: `Ok(None)` for a log that is none of its events.
    pub fn decode(log: &Log) -> Result<Option<Self>, XtError> {
        if let Some(cash) = CashEvent::decode(log)? {
            return Ok(Some(Self::Cash(cash)));
        }
        let Some(topic) = log.topics().first() else { return Ok(None) };
        let decode = |reason: alloy_sol_types::Error| decode_error(&reason);
        Ok(Some(match *topic {
            XtExitGame::CheckpointProposed::SIGNATURE_HASH => {
                let event = XtExitGame::CheckpointProposed::decode_log(log).map_err(decode)?;
                let zone = Zone::new(event.zoneStart, event.zoneSize)?;
                let checkpoint = ProposedCheckpoint {
                    id: checkpoint_id(event.checkpointId)?,
                    blknum: event.blknum,
                    state_root: event.stateRoot,
                    bitmap: Bitmap::from_bytes(zone, &event.bitmap)?,
                };
                Self::CheckpointProposed { checkpoint, finalizable_at: event.finalizableAt }
            }
            XtExitGame::CheckpointChallenged::SIGNATURE_HASH => {
                let event = XtExitGame::CheckpointChallenged::decode_log(log).map_err(decode)?;
                Self::CheckpointChallenged {
                    checkpoint_id: checkpoint_id(event.checkpointId)?,
                    coin_id: event.coinId,
                    challenger: event.challenger,
                    blknum: event.blknum,
                    owner: event.owner,
                    deadline: event.deadline,
                }
            }
            XtExitGame::CheckpointChallengeAnswered::SIGNATURE_HASH => {
                let event = XtExitGame::CheckpointChallengeAnswered::decode_log(log).map_err(decode)?;
                Self::CheckpointAnswered {
                    checkpoint_id: checkpoint_id(event.checkpointId)?,
                    coin_id: event.coinId,
                    challenge_blk: event.challengeBlk,
                }
            }
            XtExitGame::CheckpointSpendRevealed::SIGNATURE_HASH => {
                let event = XtExitGame::CheckpointSpendRevealed::decode_log(log).map_err(decode)?;
                let spend = XtExitGame::Included { tx: event.tx, blknum: event.blknum, proof: event.proof.clone() };
                Self::SpendRevealed {
                    checkpoint_id: checkpoint_id(event.checkpointId)?,
                    spend: to_cash(&spend),
                    sig: event.sig.clone(),
                }
            }
            XtExitGame::CheckpointFinalized::SIGNATURE_HASH => {
                let event = XtExitGame::CheckpointFinalized::decode_log(log).map_err(decode)?;
                Self::CheckpointFinalized { checkpoint_id: checkpoint_id(event.checkpointId)?, blknum: event.blknum }
            }
            XtExitGame::CheckpointVoided::SIGNATURE_HASH => {
                let event = XtExitGame::CheckpointVoided::decode_log(log).map_err(decode)?;
                Self::CheckpointVoided {
                    checkpoint_id: checkpoint_id(event.checkpointId)?,
                    beneficiary: event.beneficiary,
                    reason: event.reason,
                }
            }
            XtExitGame::CheckpointCapped::SIGNATURE_HASH => {
                let event = XtExitGame::CheckpointCapped::decode_log(log).map_err(decode)?;
                Self::CheckpointCapped(checkpoint_id(event.checkpointId)?)
            }
            XtExitGame::HistoryAnsweredAtCheckpoint::SIGNATURE_HASH => {
                let event = XtExitGame::HistoryAnsweredAtCheckpoint::decode_log(log).map_err(decode)?;
                Self::HistoryAnsweredAtCheckpoint {
                    coin_id: event.coinId,
                    exit_id: event.exitId.to::<u128>(),
                    challenge_blk: event.challengeBlk,
                }
            }
            XtExitGame::ExitOriginSet::SIGNATURE_HASH => {
                let event = XtExitGame::ExitOriginSet::decode_log(log).map_err(decode)?;
                Self::ExitOriginSet { coin_id: event.coinId, exit_id: event.exitId.to::<u128>(), blknum: event.blknum }
            }
            _ => return Ok(None),
        }))
    }
}

impl Design for Xt {
    const NAME: &'static str = "xt";
    const SUMMARY: &'static str = "Plasma XT: Plasma Cash plus checkpoints (state roots, owner sign-offs, challenges) that shorten coin histories";
    const MUST_WATCH: &'static str =
        "exits of its own coins, checkpoints that set its coins' bits, and one proof per block per coin it holds";

    type Tx = SignedCashTx;
    type BlockData = CashBlock;
    type GameEvent = XtEvent;
    type Tag = XtTag;
    type Handover = Handover;
    type Game = XtGame;
    type Error = XtError;

    fn capabilities() -> Capabilities {
        Capabilities { checkpoints: true, ..plasma_cash::operator::CAPABILITIES }
    }

    fn exit_bond(game: &XtGame) -> U256 {
        game.cash.exit_bond
    }

    fn game_bytecode() -> &'static [u8] {
        &XtExitGame::BYTECODE
    }

    fn game_constructor_args(game: &XtGame, framework: Address) -> Vec<u8> {
        XtExitGame::constructorCall {
            framework_: framework,
            exitBond_: game.cash.exit_bond,
            challengeBond_: game.cash.challenge_bond,
            checkpointBond_: game.checkpoint_bond,
            checkpointPeriod_: game.checkpoint_period,
            challengeCap_: game.challenge_cap,
        }
        .abi_encode()
    }

    fn decode_game_event(log: &Log) -> Result<Option<XtEvent>, XtError> {
        XtEvent::decode(log)
    }

    fn exit_outcome(event: &XtEvent) -> Option<ExitOutcome> {
        match event {
            XtEvent::Cash(cash) => plasma_cash::Cash::exit_outcome(cash),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, B256, Bytes, Log, U256, aliases::U96};
    use alloy_sol_types::SolEvent;
    use plasma_core::{Design, ExitOutcome};

    use super::{Xt, XtEvent};
    use crate::abi::XtExitGame;

    fn log(event: &impl SolEvent) -> Log {
        Log { address: Address::repeat_byte(7), data: event.encode_log_data() }
    }

    fn proposed(id: U256, bitmap: Bytes) -> XtExitGame::CheckpointProposed {
        XtExitGame::CheckpointProposed {
            checkpointId: id,
            blknum: 1000,
            zoneStart: 1,
            zoneSize: 2,
            stateRoot: B256::repeat_byte(3),
            bitmap,
            finalizableAt: 600,
        }
    }

    #[test]
    fn checkpoint_and_inherited_events_decode() {
        let event = XtEvent::decode(&log(&proposed(U256::from(1), Bytes::from(vec![0b11])))).unwrap().unwrap();
        let XtEvent::CheckpointProposed { checkpoint, finalizable_at } = &event else { panic!("{event:?}") };
        assert_eq!((checkpoint.id, checkpoint.blknum, *finalizable_at), (1, 1000, 600));
        assert_eq!(checkpoint.bitmap.set_coins().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(Xt::exit_outcome(&event), None);

        let finalized = XtExitGame::ExitFinalized { coinId: 2, exitId: U96::from(9), owner: Address::ZERO, paid: true };
        let event = XtEvent::decode(&log(&finalized)).unwrap().unwrap();
        assert!(matches!(event, XtEvent::Cash(_)));
        assert_eq!(Xt::exit_outcome(&event), Some(ExitOutcome::Processed { paid: true }));

        let origin =
            XtExitGame::ExitOriginSet { coinId: 2, exitId: U96::from(9), checkpointId: U256::from(1), blknum: 1000 };
        assert_eq!(
            XtEvent::decode(&log(&origin)).unwrap(),
            Some(XtEvent::ExitOriginSet { coin_id: 2, exit_id: 9, blknum: 1000 })
        );
    }

    #[test]
    fn a_checkpoint_id_past_64_bits_or_a_bad_bitmap_is_refused() {
        assert!(XtEvent::decode(&log(&proposed(U256::MAX, Bytes::from(vec![1])))).is_err());
        // Three bytes of bitmap for a zone of two coins.
        let bad = XtEvent::decode(&log(&proposed(U256::from(1), Bytes::from(vec![1, 2, 3]))));
        assert!(bad.is_err(), "{bad:?}");
    }
}
