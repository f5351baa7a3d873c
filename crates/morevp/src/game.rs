//! `MoreVpExitGame` from Rust: call arguments, calldata builders, events, exit timing and
//! priorities (`docs/morevp.md`, "Periods and bonds", "Standard exits", "In-flight exits").
//!
//! - Arguments, one struct per call: [`StandardExit`], [`DepositExit`], [`StandardExitChallenge`],
//!   [`InFlightExit`], [`Piggyback`], [`CanonicityChallenge`], [`CanonicityResponse`],
//!   [`InputSpentChallenge`], [`OutputSpentChallenge`]; [`ExitCall`] is any of them.
//! - [`MoreVpGame`]: the bonds and the period of a deployment, and the calldata of every function of
//!   [`MoreVpExitGame`] with the right bond attached ([`MoreVpGame::call`]).
//! - [`GameEvent`]: the game's events with Rust types, decoded from root-chain logs
//!   ([`GameEvent::from_log`]) for the [`Watcher`](crate::Watcher).
//! - Timing, as pure functions: [`standard_exitable_at`] `= max(blockTs + 2P, now + P)`,
//!   [`deposit_exitable_at`] `= now + P`, [`in_flight_exitable_at`]
//!   `= max(youngestInputBlockTs + 2P, firstPiggybackTime + P)`, phase 1 ([`phase1_end`]
//!   `= startedAt + P/2`); priorities [`standard_exit_priority`] (position = exit id = `utxoPos`)
//!   and [`in_flight_exit_priority`] (position = the youngest input's `utxoPos`, id =
//!   [`in_flight_exit_id`]).

use alloy_primitives::{Address, B256, Bytes, Log, U256, aliases::U96};
use alloy_sol_types::{SolCall, SolEvent};
use plasma_core::{BlockNumber, Bonds, GameCall, Periods, Priority, Signature, Timestamp};
pub use plasma_mvp::game::ONE_WEEK;
use serde::{Deserialize, Serialize};

pub use crate::abi::MoreVpExitGame;
use crate::{
    error::{MoreVpError, Result},
    tx::{InputProof, PaymentTx, PaymentTxExt, UtxoPos, decode_sigs, deposit_output_id, in_flight_exit_id},
};

/// 0.02 ETH in wei: the default standard-exit and piggyback bond.
pub const DEFAULT_STANDARD_EXIT_BOND: U256 = U256::from_limbs([20_000_000_000_000_000, 0, 0, 0]);

/// 0.03 ETH in wei: the default in-flight exit bond.
pub const DEFAULT_IN_FLIGHT_EXIT_BOND: U256 = U256::from_limbs([30_000_000_000_000_000, 0, 0, 0]);

/// 0.02 ETH in wei: the default piggyback bond.
pub const DEFAULT_PIGGYBACK_BOND: U256 = DEFAULT_STANDARD_EXIT_BOND;

/// Largest amount an in-flight exit stores (`uint96`).
pub const MAX_IFE_AMOUNT: U256 = U256::from_limbs([u64::MAX, u32::MAX as u64, 0, 0]);

/// Arguments of `startStandardExit` for the output `utxo_pos` of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StandardExit {
    /// The exiting output.
    pub utxo_pos: UtxoPos,
    /// The transaction that created it.
    pub tx: PaymentTx,
    /// Its 512-byte inclusion proof at `utxo_pos.txindex()`.
    pub proof: Bytes,
}

impl StandardExit {
    /// The owner named by the output slot (who must send the call).
    #[must_use]
    pub fn owner(&self) -> Address {
        self.tx.output(self.utxo_pos.oindex()).map_or(Address::ZERO, |o| o.owner)
    }

    /// The exiting amount.
    #[must_use]
    pub fn amount(&self) -> U256 {
        self.tx.output(self.utxo_pos.oindex()).map_or(U256::ZERO, |o| o.amount)
    }
}

/// Arguments of `startDepositExit`, with the depositor who must send it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DepositExit {
    /// The deposit block.
    pub blknum: BlockNumber,
    /// The depositor (the call's sender).
    pub owner: Address,
    /// The deposited amount.
    pub amount: U256,
}

impl DepositExit {
    /// The deposit's output position; fails if `blknum` is not a deposit block number.
    pub fn utxo_pos(&self) -> Result<UtxoPos> {
        UtxoPos::deposit(self.blknum)
    }

    /// The deposit's content-based output id.
    #[must_use]
    pub fn output_id(&self) -> B256 {
        deposit_output_id(self.blknum)
    }
}

/// Arguments of `challengeStandardExit`: a spend of the exiting output signed by the exit's owner,
/// included or in flight.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StandardExitChallenge {
    /// The challenged exit's output.
    pub utxo_pos: UtxoPos,
    /// The spending transaction.
    pub spending_tx: PaymentTx,
    /// Which of its inputs is `utxo_pos`.
    pub input_index: u8,
    /// The owner's 65-byte signature of that input.
    pub sig: Bytes,
}

/// Arguments of `startInFlightExit`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InFlightExit {
    /// The in-flight transaction.
    pub tx: PaymentTx,
    /// Its signatures, 65 bytes per used input.
    pub sigs: Bytes,
    /// For each used input, the transaction that created it and its inclusion proof (the deposit
    /// input record and an empty proof for a deposit).
    pub input_txs: Vec<InputProof>,
}

impl InFlightExit {
    /// Whether every amount the exit would store (inputs' and outputs') fits in `uint96`:
    /// [`MoreVpError::AmountTooLarge`] for the first that does not.
    pub fn check_amounts(&self) -> Result<()> {
        let inputs = self
            .tx
            .named_inputs()
            .zip(&self.input_txs)
            .filter_map(|((_, input), proof)| proof.tx.output(input.oindex()).map(|o| o.amount));
        let outputs = self.tx.used_outputs().map(|(_, o)| o.amount);
        match inputs.chain(outputs).find(|a| *a > MAX_IFE_AMOUNT) {
            Some(amount) => Err(MoreVpError::AmountTooLarge(amount)),
            None => Ok(()),
        }
    }
}

/// Arguments of a piggyback (`piggybackInFlightExitOnInput` or `…OnOutput`), with the owner of the
/// slot, who must send it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Piggyback {
    /// The in-flight transaction.
    pub tx: PaymentTx,
    /// The input or output index.
    pub index: u8,
    /// An output (`true`) or an input (`false`).
    pub is_output: bool,
    /// The slot's owner.
    pub owner: Address,
}

/// Arguments of `challengeInFlightExitNotCanonical`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CanonicityChallenge {
    /// The in-flight transaction.
    pub tx: PaymentTx,
    /// Its input shared with the competitor.
    pub input_index: u8,
    /// The competing transaction.
    pub competing_tx: PaymentTx,
    /// The competitor's input slot spending the same output.
    pub competing_input_index: u8,
    /// Where the competitor is included (`None`: in flight, sent as `0`).
    pub competing_tx_pos: Option<UtxoPos>,
    /// Its 512-byte inclusion proof (empty when in flight).
    pub competing_proof: Bytes,
    /// The shared input's owner's 65-byte signature of the competitor.
    pub competing_sig: Bytes,
}

impl CanonicityChallenge {
    /// The competitor's position as the contract records it: its `txPos`, or `type(uint256).max`
    /// in flight.
    #[must_use]
    pub fn competitor_position(&self) -> U256 {
        self.competing_tx_pos.map_or(U256::MAX, |p| p.encode())
    }
}

/// Arguments of `respondToNonCanonicalChallenge`: the in-flight transaction's own inclusion.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CanonicityResponse {
    /// The in-flight transaction.
    pub tx: PaymentTx,
    /// Where it is included.
    pub tx_pos: UtxoPos,
    /// Its 512-byte inclusion proof.
    pub proof: Bytes,
}

/// Arguments of `challengeInFlightExitInputSpent`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InputSpentChallenge {
    /// The in-flight transaction.
    pub tx: PaymentTx,
    /// The piggybacked input.
    pub input_index: u8,
    /// Another transaction spending that input.
    pub spending_tx: PaymentTx,
    /// Its slot spending it.
    pub spending_input_index: u8,
    /// The input owner's 65-byte signature of it.
    pub spending_sig: Bytes,
}

/// Arguments of `challengeInFlightExitOutputSpent`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OutputSpentChallenge {
    /// The in-flight transaction.
    pub tx: PaymentTx,
    /// Where it is included.
    pub tx_pos: UtxoPos,
    /// Its 512-byte inclusion proof.
    pub proof: Bytes,
    /// The piggybacked output.
    pub output_index: u8,
    /// A transaction spending `tx_pos + output_index`.
    pub spending_tx: PaymentTx,
    /// Its slot spending it.
    pub spending_input_index: u8,
    /// The output owner's 65-byte signature of it.
    pub spending_sig: Bytes,
}

/// Any call a user of the game may send.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExitCall {
    /// `startStandardExit`.
    StartStandardExit(StandardExit),
    /// `startDepositExit`.
    StartDepositExit(DepositExit),
    /// `challengeStandardExit`.
    ChallengeStandardExit(StandardExitChallenge),
    /// `startInFlightExit`.
    StartInFlightExit(InFlightExit),
    /// `piggybackInFlightExitOnInput` / `piggybackInFlightExitOnOutput`.
    Piggyback(Piggyback),
    /// `challengeInFlightExitNotCanonical`.
    ChallengeNotCanonical(CanonicityChallenge),
    /// `respondToNonCanonicalChallenge`.
    RespondToNonCanonicalChallenge(CanonicityResponse),
    /// `challengeInFlightExitInputSpent`.
    ChallengeInputSpent(InputSpentChallenge),
    /// `challengeInFlightExitOutputSpent`.
    ChallengeOutputSpent(OutputSpentChallenge),
    /// `deleteNonPiggybackedInFlightExit`.
    DeleteNonPiggybacked(PaymentTx),
}

/// An event of the exit game, with Rust types (`docs/morevp.md`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GameEvent {
    /// `StandardExitStarted` (also emitted by `startDepositExit`).
    StandardExitStarted {
        /// The exiting output.
        utxo_pos: UtxoPos,
        /// Its owner.
        owner: Address,
        /// Its amount.
        amount: U256,
        /// Its content-based id.
        output_id: B256,
        /// When it may be processed.
        exitable_at: Timestamp,
    },
    /// `StandardExitChallenged`.
    StandardExitChallenged {
        /// The exit's output.
        utxo_pos: UtxoPos,
        /// Who challenged.
        challenger: Address,
    },
    /// `StandardExitFinalized`.
    StandardExitFinalized {
        /// The exit's output.
        utxo_pos: UtxoPos,
        /// Whether the framework paid it.
        paid: bool,
    },
    /// `InFlightExitStarted`: the transaction and its witnesses.
    InFlightExitStarted {
        /// The transaction's hash.
        tx_hash: B256,
        /// Who started the exit.
        starter: Address,
        /// The transaction and its signatures.
        tx: Box<crate::tx::SignedTx>,
        /// The exit's id.
        exit_id: u128,
    },
    /// `InFlightExitPiggybacked`.
    InFlightExitPiggybacked {
        /// The transaction's hash.
        tx_hash: B256,
        /// The slot's owner.
        owner: Address,
        /// An output (`true`) or an input.
        is_output: bool,
        /// The slot.
        index: u8,
    },
    /// `InFlightExitChallenged`: non-canonical from now on.
    InFlightExitChallenged {
        /// The transaction's hash.
        tx_hash: B256,
        /// Who challenged (the new bond owner).
        challenger: Address,
        /// The competitor's position (`type(uint256).max` in flight).
        competitor_position: U256,
    },
    /// `InFlightExitChallengeResponded`: canonical again.
    InFlightExitChallengeResponded {
        /// The transaction's hash.
        tx_hash: B256,
        /// Who responded (the new bond owner).
        responder: Address,
        /// The transaction's proven position.
        tx_pos: U256,
    },
    /// `InFlightExitInputBlocked`: a piggyback of an input removed.
    InFlightExitInputBlocked {
        /// The transaction's hash.
        tx_hash: B256,
        /// Who challenged.
        challenger: Address,
        /// The input.
        index: u8,
    },
    /// `InFlightExitOutputBlocked`: a piggyback of an output removed.
    InFlightExitOutputBlocked {
        /// The transaction's hash.
        tx_hash: B256,
        /// Who challenged.
        challenger: Address,
        /// The output.
        index: u8,
    },
    /// `InFlightExitDeleted`.
    InFlightExitDeleted {
        /// The transaction's hash.
        tx_hash: B256,
    },
    /// `InFlightExitFinalized`.
    InFlightExitFinalized {
        /// The transaction's hash.
        tx_hash: B256,
        /// Whether it was processed as canonical.
        canonical: bool,
    },
}

impl GameEvent {
    /// Decodes a log of the exit game: `Ok(None)` for a log that is none of its events, a typed
    /// error for one of its events that does not decode (or carries a bad position, signature or
    /// id).
    pub fn from_log(log: &Log) -> Result<Option<Self>> {
        use MoreVpExitGame as G;
        let decode_err = |e: alloy_sol_types::Error| MoreVpError::Decode { what: "game event", reason: e.to_string() };
        let Some(topic) = log.topics().first() else { return Ok(None) };
        let event = match *topic {
            G::StandardExitStarted::SIGNATURE_HASH => {
                let e = G::StandardExitStarted::decode_log(log).map_err(decode_err)?.data;
                Self::StandardExitStarted {
                    utxo_pos: UtxoPos::decode(e.utxoPos)?,
                    owner: e.owner,
                    amount: e.amount,
                    output_id: e.outputId,
                    exitable_at: e.exitableAt,
                }
            }
            G::StandardExitChallenged::SIGNATURE_HASH => {
                let e = G::StandardExitChallenged::decode_log(log).map_err(decode_err)?.data;
                Self::StandardExitChallenged { utxo_pos: UtxoPos::decode(e.utxoPos)?, challenger: e.challenger }
            }
            G::StandardExitFinalized::SIGNATURE_HASH => {
                let e = G::StandardExitFinalized::decode_log(log).map_err(decode_err)?.data;
                Self::StandardExitFinalized { utxo_pos: UtxoPos::decode(e.utxoPos)?, paid: e.paid }
            }
            G::InFlightExitStarted::SIGNATURE_HASH => {
                let e = G::InFlightExitStarted::decode_log(log).map_err(decode_err)?.data;
                let sigs = decode_sigs(&e.sigs, e.tx.used_inputs())?;
                Self::InFlightExitStarted {
                    tx_hash: e.txHash,
                    starter: e.starter,
                    tx: Box::new(crate::tx::SignedTx::new(e.tx, sigs)),
                    exit_id: e.exitId.to::<u128>(),
                }
            }
            G::InFlightExitPiggybacked::SIGNATURE_HASH => {
                let e = G::InFlightExitPiggybacked::decode_log(log).map_err(decode_err)?.data;
                Self::InFlightExitPiggybacked {
                    tx_hash: e.txHash,
                    owner: e.owner,
                    is_output: e.isOutput,
                    index: e.index,
                }
            }
            G::InFlightExitChallenged::SIGNATURE_HASH => {
                let e = G::InFlightExitChallenged::decode_log(log).map_err(decode_err)?.data;
                Self::InFlightExitChallenged {
                    tx_hash: e.txHash,
                    challenger: e.challenger,
                    competitor_position: e.competitorPosition,
                }
            }
            G::InFlightExitChallengeResponded::SIGNATURE_HASH => {
                let e = G::InFlightExitChallengeResponded::decode_log(log).map_err(decode_err)?.data;
                Self::InFlightExitChallengeResponded { tx_hash: e.txHash, responder: e.responder, tx_pos: e.txPos }
            }
            G::InFlightExitInputBlocked::SIGNATURE_HASH => {
                let e = G::InFlightExitInputBlocked::decode_log(log).map_err(decode_err)?.data;
                Self::InFlightExitInputBlocked { tx_hash: e.txHash, challenger: e.challenger, index: e.index }
            }
            G::InFlightExitOutputBlocked::SIGNATURE_HASH => {
                let e = G::InFlightExitOutputBlocked::decode_log(log).map_err(decode_err)?.data;
                Self::InFlightExitOutputBlocked { tx_hash: e.txHash, challenger: e.challenger, index: e.index }
            }
            G::InFlightExitDeleted::SIGNATURE_HASH => {
                let e = G::InFlightExitDeleted::decode_log(log).map_err(decode_err)?.data;
                Self::InFlightExitDeleted { tx_hash: e.txHash }
            }
            G::InFlightExitFinalized::SIGNATURE_HASH => {
                let e = G::InFlightExitFinalized::decode_log(log).map_err(decode_err)?.data;
                Self::InFlightExitFinalized { tx_hash: e.txHash, canonical: e.canonical }
            }
            _ => return Ok(None),
        };
        Ok(Some(event))
    }
}

/// `exitableAt` of a standard exit of a transaction output: `max(blockTs + 2P, now + P)`
/// (saturating; the same rule as an MVP exit).
#[must_use]
pub const fn standard_exitable_at(block_ts: Timestamp, now: Timestamp, period: u64) -> Timestamp {
    plasma_mvp::game::exitable_at(block_ts, now, period)
}

/// `exitableAt` of a deposit exit: `now + P` (saturating).
#[must_use]
pub const fn deposit_exitable_at(now: Timestamp, period: u64) -> Timestamp {
    now.saturating_add(period)
}

/// `exitableAt` of an in-flight exit, set by its first piggyback:
/// `max(youngestInputBlockTs + 2P, firstPiggybackTime + P)` (saturating).
#[must_use]
pub const fn in_flight_exitable_at(
    youngest_input_block_ts: Timestamp,
    first_piggyback: Timestamp,
    period: u64,
) -> Timestamp {
    plasma_mvp::game::exitable_at(youngest_input_block_ts, first_piggyback, period)
}

/// The end of phase 1 of an in-flight exit started at `started_at`: `startedAt + P/2`. Piggybacks
/// and canonicity challenges are accepted while `now < phase1_end`.
#[must_use]
pub const fn phase1_end(started_at: Timestamp, period: u64) -> Timestamp {
    started_at.saturating_add(period / 2)
}

/// Whether an in-flight exit started at `started_at` is in phase 1 at `now`.
#[must_use]
pub const fn in_phase1(started_at: Timestamp, now: Timestamp, period: u64) -> bool {
    now < phase1_end(started_at, period)
}

/// The queue priority of a standard (or deposit) exit of `utxo_pos`: `(exitableAt, utxoPos,
/// uint96(utxoPos))`.
#[must_use]
pub fn standard_exit_priority(utxo_pos: UtxoPos, exitable_at: Timestamp) -> Priority {
    // A utxoPos is below 2^95, so both 96-bit fields hold it.
    let position = U256::from(utxo_pos.to_u128());
    Priority::decode((U256::from(exitable_at) << 192) | (position << 96) | position)
}

/// The queue priority of the in-flight exit of `tx_hash` whose youngest input is
/// `youngest_input`: `(exitableAt, youngest input utxoPos, in-flight exit id)`.
#[must_use]
pub fn in_flight_exit_priority(youngest_input: UtxoPos, tx_hash: B256, exitable_at: Timestamp) -> Priority {
    // Both fields are below 2^96 (see `UtxoPos::to_u128`, `in_flight_exit_id`).
    let (position, id) = (U256::from(youngest_input.to_u128()), U256::from(in_flight_exit_id(tx_hash)));
    Priority::decode((U256::from(exitable_at) << 192) | (position << 96) | id)
}

/// The youngest (highest) input position of `tx`, which gives its in-flight exit its place in the
/// queue; `None` without a decodable input.
#[must_use]
pub fn youngest_input(tx: &PaymentTx) -> Option<UtxoPos> {
    tx.named_inputs().map(|(_, p)| p).max()
}

/// The 65-byte `bytes` of a signature, as the challenge calls take it.
#[must_use]
pub fn signature_bytes(sig: &Signature) -> Bytes {
    Bytes::copy_from_slice(&sig.to_bytes())
}

/// The MoreVP exit game's parameters and calldata builders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MoreVpGame {
    /// `standardExitBond` (wei).
    pub standard_exit_bond: U256,
    /// `inFlightExitBond` (wei).
    pub in_flight_exit_bond: U256,
    /// `piggybackBond` (wei).
    pub piggyback_bond: U256,
    /// `minExitPeriod` of the framework, `P` (seconds).
    pub min_exit_period: u64,
}

impl Default for MoreVpGame {
    /// The harness deployment: 0.02 / 0.03 / 0.02 ETH and one week.
    fn default() -> Self {
        Self::with_default_bonds(ONE_WEEK)
    }
}

impl MoreVpGame {
    /// The game deployed with these bonds on a framework with `min_exit_period`.
    #[must_use]
    pub const fn new(
        standard_exit_bond: U256,
        in_flight_exit_bond: U256,
        piggyback_bond: U256,
        min_exit_period: u64,
    ) -> Self {
        Self { standard_exit_bond, in_flight_exit_bond, piggyback_bond, min_exit_period }
    }

    /// The default bonds (0.02 ETH standard exit, 0.03 ETH in-flight exit, 0.02 ETH piggyback) on a
    /// framework with `min_exit_period`.
    #[must_use]
    pub const fn with_default_bonds(min_exit_period: u64) -> Self {
        Self::new(DEFAULT_STANDARD_EXIT_BOND, DEFAULT_IN_FLIGHT_EXIT_BOND, DEFAULT_PIGGYBACK_BOND, min_exit_period)
    }

    /// The game's windows: `P`, and no response period (a response to a canonicity challenge is
    /// accepted until the exit is processed).
    #[must_use]
    pub const fn periods(&self) -> Periods {
        Periods { min_exit_period: self.min_exit_period, response_period: None }
    }

    /// The game's bonds: the standard exit bond, no challenge bond, the piggyback bond. (The
    /// in-flight exit bond is [`MoreVpGame::in_flight_exit_bond`].)
    #[must_use]
    pub const fn bonds(&self) -> Bonds {
        Bonds { exit: self.standard_exit_bond, challenge: U256::ZERO, piggyback: self.piggyback_bond }
    }

    /// `exitableAt` of a standard exit of an output of a block submitted at `block_ts`, started at
    /// `now`.
    #[must_use]
    pub const fn standard_exitable_at(&self, block_ts: Timestamp, now: Timestamp) -> Timestamp {
        standard_exitable_at(block_ts, now, self.min_exit_period)
    }

    /// `exitableAt` of a deposit exit started at `now`.
    #[must_use]
    pub const fn deposit_exitable_at(&self, now: Timestamp) -> Timestamp {
        deposit_exitable_at(now, self.min_exit_period)
    }

    /// `exitableAt` of an in-flight exit whose youngest input's block has `youngest_input_block_ts`,
    /// first piggybacked at `first_piggyback`.
    #[must_use]
    pub const fn in_flight_exitable_at(
        &self,
        youngest_input_block_ts: Timestamp,
        first_piggyback: Timestamp,
    ) -> Timestamp {
        in_flight_exitable_at(youngest_input_block_ts, first_piggyback, self.min_exit_period)
    }

    /// End of phase 1 of an in-flight exit started at `started_at`.
    #[must_use]
    pub const fn phase1_end(&self, started_at: Timestamp) -> Timestamp {
        phase1_end(started_at, self.min_exit_period)
    }

    /// The calldata of `call`, with its bond attached.
    #[must_use]
    pub fn call(&self, call: &ExitCall) -> GameCall {
        match call {
            ExitCall::StartStandardExit(exit) => self.start_standard_exit_call(exit),
            ExitCall::StartDepositExit(exit) => self.start_deposit_exit_call(exit),
            ExitCall::ChallengeStandardExit(challenge) => Self::challenge_standard_exit_call(challenge),
            ExitCall::StartInFlightExit(exit) => self.start_in_flight_exit_call(exit),
            ExitCall::Piggyback(piggyback) => self.piggyback_call(piggyback),
            ExitCall::ChallengeNotCanonical(challenge) => Self::challenge_not_canonical_call(challenge),
            ExitCall::RespondToNonCanonicalChallenge(response) => Self::respond_call(response),
            ExitCall::ChallengeInputSpent(challenge) => Self::challenge_input_spent_call(challenge),
            ExitCall::ChallengeOutputSpent(challenge) => Self::challenge_output_spent_call(challenge),
            ExitCall::DeleteNonPiggybacked(tx) => Self::delete_non_piggybacked_call(tx),
        }
    }

    /// `startStandardExit(utxoPos, tx, proof)` with the standard exit bond.
    #[must_use]
    pub fn start_standard_exit_call(&self, exit: &StandardExit) -> GameCall {
        let call = MoreVpExitGame::startStandardExitCall {
            utxoPos: exit.utxo_pos.encode(),
            transaction: exit.tx.clone(),
            proof: exit.proof.clone(),
        };
        game_call(&call, self.standard_exit_bond)
    }

    /// `startDepositExit(depositBlknum, amount)` with the standard exit bond.
    #[must_use]
    pub fn start_deposit_exit_call(&self, exit: &DepositExit) -> GameCall {
        let call = MoreVpExitGame::startDepositExitCall { depositBlknum: U256::from(exit.blknum), amount: exit.amount };
        game_call(&call, self.standard_exit_bond)
    }

    /// `challengeStandardExit(utxoPos, spendingTx, inputIndex, sig)`, no value.
    #[must_use]
    pub fn challenge_standard_exit_call(challenge: &StandardExitChallenge) -> GameCall {
        let call = MoreVpExitGame::challengeStandardExitCall {
            utxoPos: challenge.utxo_pos.encode(),
            spendingTx: challenge.spending_tx.clone(),
            inputIndex: challenge.input_index,
            sig: challenge.sig.clone(),
        };
        game_call(&call, U256::ZERO)
    }

    /// `startInFlightExit(tx, sigs, inputTxs)` with the in-flight exit bond.
    #[must_use]
    pub fn start_in_flight_exit_call(&self, exit: &InFlightExit) -> GameCall {
        let call = MoreVpExitGame::startInFlightExitCall {
            transaction: exit.tx.clone(),
            sigs: exit.sigs.clone(),
            inputTxs: exit.input_txs.clone(),
        };
        game_call(&call, self.in_flight_exit_bond)
    }

    /// `piggybackInFlightExitOnInput(tx, inputIndex)` or `piggybackInFlightExitOnOutput(tx,
    /// outputIndex)` with the piggyback bond.
    #[must_use]
    pub fn piggyback_call(&self, piggyback: &Piggyback) -> GameCall {
        if piggyback.is_output {
            let call = MoreVpExitGame::piggybackInFlightExitOnOutputCall {
                transaction: piggyback.tx.clone(),
                outputIndex: piggyback.index,
            };
            game_call(&call, self.piggyback_bond)
        } else {
            let call = MoreVpExitGame::piggybackInFlightExitOnInputCall {
                transaction: piggyback.tx.clone(),
                inputIndex: piggyback.index,
            };
            game_call(&call, self.piggyback_bond)
        }
    }

    /// `challengeInFlightExitNotCanonical(…)`, no value; an in-flight competitor goes as position 0.
    #[must_use]
    pub fn challenge_not_canonical_call(challenge: &CanonicityChallenge) -> GameCall {
        let call = MoreVpExitGame::challengeInFlightExitNotCanonicalCall {
            transaction: challenge.tx.clone(),
            inputIndex: challenge.input_index,
            competingTx: challenge.competing_tx.clone(),
            competingInputIndex: challenge.competing_input_index,
            competingTxPos: challenge.competing_tx_pos.map_or(U256::ZERO, |p| p.encode()),
            competingProof: challenge.competing_proof.clone(),
            competingSig: challenge.competing_sig.clone(),
        };
        game_call(&call, U256::ZERO)
    }

    /// `respondToNonCanonicalChallenge(tx, txPos, proof)`, no value.
    #[must_use]
    pub fn respond_call(response: &CanonicityResponse) -> GameCall {
        let call = MoreVpExitGame::respondToNonCanonicalChallengeCall {
            transaction: response.tx.clone(),
            txPos: response.tx_pos.encode(),
            proof: response.proof.clone(),
        };
        game_call(&call, U256::ZERO)
    }

    /// `challengeInFlightExitInputSpent(…)`, no value.
    #[must_use]
    pub fn challenge_input_spent_call(challenge: &InputSpentChallenge) -> GameCall {
        let call = MoreVpExitGame::challengeInFlightExitInputSpentCall {
            transaction: challenge.tx.clone(),
            inputIndex: challenge.input_index,
            spendingTx: challenge.spending_tx.clone(),
            spendingInputIndex: challenge.spending_input_index,
            spendingSig: challenge.spending_sig.clone(),
        };
        game_call(&call, U256::ZERO)
    }

    /// `challengeInFlightExitOutputSpent(…)`, no value.
    #[must_use]
    pub fn challenge_output_spent_call(challenge: &OutputSpentChallenge) -> GameCall {
        let call = MoreVpExitGame::challengeInFlightExitOutputSpentCall {
            transaction: challenge.tx.clone(),
            txPos: challenge.tx_pos.encode(),
            proof: challenge.proof.clone(),
            outputIndex: challenge.output_index,
            spendingTx: challenge.spending_tx.clone(),
            spendingInputIndex: challenge.spending_input_index,
            spendingSig: challenge.spending_sig.clone(),
        };
        game_call(&call, U256::ZERO)
    }

    /// `deleteNonPiggybackedInFlightExit(tx)`, no value.
    #[must_use]
    pub fn delete_non_piggybacked_call(tx: &PaymentTx) -> GameCall {
        game_call(&MoreVpExitGame::deleteNonPiggybackedInFlightExitCall { transaction: tx.clone() }, U256::ZERO)
    }

    /// `processExit(exitId)`, no value (only the framework may call it; built for tests).
    /// [`MoreVpError::ExitIdOverflow`] if `exit_id` does not fit in 96 bits.
    pub fn process_exit_call(exit_id: U256) -> Result<GameCall> {
        let exit_id = U96::checked_from_limbs_slice(exit_id.as_limbs()).ok_or(MoreVpError::ExitIdOverflow(exit_id))?;
        Ok(game_call(&MoreVpExitGame::processExitCall { exitId: exit_id }, U256::ZERO))
    }

    /// `inFlightExit(txHash)` view calldata.
    #[must_use]
    pub fn in_flight_exit_view(tx_hash: B256) -> Bytes {
        MoreVpExitGame::inFlightExitCall { hash: tx_hash }.abi_encode().into()
    }

    /// `standardExits(utxoPos)` view calldata.
    #[must_use]
    pub fn standard_exits_view(utxo_pos: UtxoPos) -> Bytes {
        MoreVpExitGame::standardExitsCall { utxoPos: utxo_pos.encode() }.abi_encode().into()
    }

    /// `txHash(tx)` view calldata.
    #[must_use]
    pub fn tx_hash_view(tx: &PaymentTx) -> Bytes {
        MoreVpExitGame::txHashCall { transaction: tx.clone() }.abi_encode().into()
    }

    /// `outputId(txHash, index)` view calldata; the answer is [`output_id`](crate::tx::output_id).
    #[must_use]
    pub fn output_id_view(tx_hash: B256, index: u8) -> Bytes {
        MoreVpExitGame::outputIdCall { hash: tx_hash, index: U256::from(index) }.abi_encode().into()
    }

    /// `depositOutputId(blknum)` view calldata; the answer is [`deposit_output_id`].
    #[must_use]
    pub fn deposit_output_id_view(blknum: BlockNumber) -> Bytes {
        MoreVpExitGame::depositOutputIdCall { blknum: U256::from(blknum) }.abi_encode().into()
    }
}

fn game_call(call: &impl SolCall, value: U256) -> GameCall {
    GameCall { data: call.abi_encode().into(), value }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{LogData, keccak256};
    use alloy_sol_types::SolCall;

    use super::*;

    fn selector(signature: &str) -> [u8; 4] {
        let hash = keccak256(signature);
        [hash[0], hash[1], hash[2], hash[3]]
    }

    const TX: &str =
        "(uint256,uint256,uint256,uint256,address,uint256,address,uint256,address,uint256,address,uint256)";

    #[test]
    fn selectors_match_the_documented_abi() {
        use MoreVpExitGame as G;
        let cases: [([u8; 4], String); 12] = [
            (G::startStandardExitCall::SELECTOR, format!("startStandardExit(uint256,{TX},bytes)")),
            (G::startDepositExitCall::SELECTOR, "startDepositExit(uint256,uint256)".into()),
            (G::challengeStandardExitCall::SELECTOR, format!("challengeStandardExit(uint256,{TX},uint8,bytes)")),
            (G::startInFlightExitCall::SELECTOR, format!("startInFlightExit({TX},bytes,({TX},bytes)[])")),
            (G::piggybackInFlightExitOnInputCall::SELECTOR, format!("piggybackInFlightExitOnInput({TX},uint8)")),
            (G::piggybackInFlightExitOnOutputCall::SELECTOR, format!("piggybackInFlightExitOnOutput({TX},uint8)")),
            (
                G::challengeInFlightExitNotCanonicalCall::SELECTOR,
                format!("challengeInFlightExitNotCanonical({TX},uint8,{TX},uint8,uint256,bytes,bytes)"),
            ),
            (
                G::respondToNonCanonicalChallengeCall::SELECTOR,
                format!("respondToNonCanonicalChallenge({TX},uint256,bytes)"),
            ),
            (
                G::challengeInFlightExitInputSpentCall::SELECTOR,
                format!("challengeInFlightExitInputSpent({TX},uint8,{TX},uint8,bytes)"),
            ),
            (
                G::challengeInFlightExitOutputSpentCall::SELECTOR,
                format!("challengeInFlightExitOutputSpent({TX},uint256,bytes,uint8,{TX},uint8,bytes)"),
            ),
            (G::deleteNonPiggybackedInFlightExitCall::SELECTOR, format!("deleteNonPiggybackedInFlightExit({TX})")),
            (G::processExitCall::SELECTOR, "processExit(uint96)".into()),
        ];
        for (got, signature) in cases {
            assert_eq!(got, selector(&signature), "{signature}");
        }
        assert_eq!(
            G::InFlightExitStarted::SIGNATURE,
            format!("InFlightExitStarted(bytes32,address,{TX},bytes,uint96)")
        );
        assert_eq!(G::StandardExitStarted::SIGNATURE, "StandardExitStarted(uint256,address,uint256,bytes32,uint64)");
    }

    fn sample_tx() -> PaymentTx {
        PaymentTx::payment(
            &[UtxoPos::deposit(1).unwrap(), UtxoPos::new(2000, 1, 3).unwrap()],
            &[crate::tx::Output::new(Address::repeat_byte(1), U256::from(5))],
        )
        .unwrap()
    }

    #[test]
    fn calls_carry_their_bonds_and_round_trip() {
        use MoreVpExitGame as G;
        let game = MoreVpGame::new(U256::from(2), U256::from(3), U256::from(4), 100);
        let tx = sample_tx();
        let exit = StandardExit {
            utxo_pos: UtxoPos::new(2000, 1, 0).unwrap(),
            tx: tx.clone(),
            proof: Bytes::from(vec![1; 512]),
        };
        let call = game.call(&ExitCall::StartStandardExit(exit.clone()));
        assert_eq!(call.value, U256::from(2));
        let decoded = G::startStandardExitCall::abi_decode(&call.data).unwrap();
        assert_eq!(
            (decoded.utxoPos, decoded.transaction, decoded.proof),
            (exit.utxo_pos.encode(), tx.clone(), exit.proof)
        );
        let deposit = DepositExit { blknum: 7, owner: Address::repeat_byte(1), amount: U256::from(9) };
        assert_eq!(game.call(&ExitCall::StartDepositExit(deposit)).value, U256::from(2));
        assert_eq!(deposit.output_id(), deposit_output_id(7));

        let ife = InFlightExit {
            tx: tx.clone(),
            sigs: Bytes::from(vec![2; 130]),
            input_txs: vec![
                InputProof {
                    tx: PaymentTx::deposit_record(Address::repeat_byte(1), U256::from(1)),
                    proof: Bytes::new()
                };
                2
            ],
        };
        let call = game.call(&ExitCall::StartInFlightExit(ife.clone()));
        assert_eq!(call.value, U256::from(3));
        let decoded = G::startInFlightExitCall::abi_decode(&call.data).unwrap();
        assert_eq!((decoded.transaction, decoded.sigs, decoded.inputTxs), (ife.tx, ife.sigs, ife.input_txs));

        for is_output in [false, true] {
            let p = Piggyback { tx: tx.clone(), index: 1, is_output, owner: Address::repeat_byte(1) };
            let call = game.call(&ExitCall::Piggyback(p));
            assert_eq!(call.value, U256::from(4));
            let sel = if is_output {
                G::piggybackInFlightExitOnOutputCall::SELECTOR
            } else {
                G::piggybackInFlightExitOnInputCall::SELECTOR
            };
            assert_eq!(call.data[..4], sel);
        }

        let challenge = CanonicityChallenge {
            tx: tx.clone(),
            input_index: 0,
            competing_tx: sample_tx(),
            competing_input_index: 1,
            competing_tx_pos: None,
            competing_proof: Bytes::new(),
            competing_sig: Bytes::from(vec![3; 65]),
        };
        assert_eq!(challenge.competitor_position(), U256::MAX);
        let call = game.call(&ExitCall::ChallengeNotCanonical(challenge));
        assert_eq!(call.value, U256::ZERO);
        assert_eq!(
            G::challengeInFlightExitNotCanonicalCall::abi_decode(&call.data).unwrap().competingTxPos,
            U256::ZERO
        );
        let response =
            CanonicityResponse { tx: tx.clone(), tx_pos: UtxoPos::tx(1000, 4).unwrap(), proof: Bytes::new() };
        let decoded = G::respondToNonCanonicalChallengeCall::abi_decode(
            &game.call(&ExitCall::RespondToNonCanonicalChallenge(response)).data,
        )
        .unwrap();
        assert_eq!(decoded.txPos, U256::from(1_000_000_040_000u64));
        assert_eq!(game.call(&ExitCall::DeleteNonPiggybacked(tx)).value, U256::ZERO);

        let call = MoreVpGame::process_exit_call(U256::from(42)).unwrap();
        assert_eq!(G::processExitCall::abi_decode(&call.data).unwrap().exitId, U96::from(42));
        assert!(matches!(MoreVpGame::process_exit_call(U256::from(1) << 96), Err(MoreVpError::ExitIdOverflow(_))));
    }

    #[test]
    fn default_bonds() {
        let game = MoreVpGame::default();
        assert_eq!(game.standard_exit_bond, U256::from(20_000_000_000_000_000u64));
        assert_eq!(game.in_flight_exit_bond, U256::from(30_000_000_000_000_000u64));
        assert_eq!(game.piggyback_bond, U256::from(20_000_000_000_000_000u64));
        assert_eq!(game.min_exit_period, ONE_WEEK);
        assert_eq!(game.bonds().piggyback, game.piggyback_bond);
        assert_eq!(MAX_IFE_AMOUNT, (U256::from(1) << 96) - U256::from(1));
    }

    #[test]
    fn exitable_times_and_phases() {
        let p = ONE_WEEK;
        // A young output waits for blockTs + 2P; an old one for now + P.
        assert_eq!(standard_exitable_at(1_000, 1_000, p), 1_000 + 2 * p);
        assert_eq!(standard_exitable_at(0, 30 * 86_400, p), 30 * 86_400 + p);
        assert_eq!(deposit_exitable_at(5, p), 5 + p);
        // An IFE's time is set by its first piggyback.
        assert_eq!(in_flight_exitable_at(1_000, 2_000, p), 1_000 + 2 * p);
        assert_eq!(in_flight_exitable_at(0, 3 * p, p), 4 * p);
        assert_eq!(phase1_end(100, p), 100 + p / 2);
        assert!(in_phase1(100, 100 + p / 2 - 1, p));
        assert!(!in_phase1(100, 100 + p / 2, p));
        let game = MoreVpGame::with_default_bonds(10);
        assert_eq!((game.standard_exitable_at(100, 105), game.deposit_exitable_at(105)), (120, 115));
        assert_eq!((game.in_flight_exitable_at(100, 105), game.phase1_end(100)), (120, 105));
    }

    #[test]
    fn priorities() {
        let pos = UtxoPos::new(1000, 1, 1).unwrap();
        let p = standard_exit_priority(pos, 77);
        assert_eq!((p.exitable_at(), p.position(), p.exit_id()), (77, pos.to_u128(), pos.to_u128()));
        let h = B256::repeat_byte(9);
        let q = in_flight_exit_priority(pos, h, 77);
        assert_eq!((q.position(), q.exit_id()), (pos.to_u128(), in_flight_exit_id(h)));
        // Same time and position: the standard exit (top bit clear) goes first.
        assert!(p < q);
        // An older youngest input beats a younger output.
        assert!(in_flight_exit_priority(pos, h, 77) < standard_exit_priority(UtxoPos::new(2000, 0, 0).unwrap(), 77));
        assert_eq!(youngest_input(&sample_tx()), Some(UtxoPos::new(2000, 1, 3).unwrap()));
    }

    #[test]
    fn in_flight_amounts_must_fit_uint96() {
        let owner = Address::repeat_byte(1);
        let exit = |amount: U256| InFlightExit {
            tx: PaymentTx::payment(&[UtxoPos::deposit(1).unwrap()], &[crate::tx::Output::new(owner, amount)]).unwrap(),
            sigs: Bytes::new(),
            input_txs: vec![InputProof { tx: PaymentTx::deposit_record(owner, amount), proof: Bytes::new() }],
        };
        assert!(exit(MAX_IFE_AMOUNT).check_amounts().is_ok());
        let too_large = MAX_IFE_AMOUNT + U256::from(1);
        assert!(matches!(exit(too_large).check_amounts(), Err(MoreVpError::AmountTooLarge(a)) if a == too_large));
    }

    #[test]
    fn in_flight_exit_started_decodes_the_witnesses() {
        use MoreVpExitGame as G;
        let key = plasma_core::SigningKey::from_bytes(keccak256("k")).unwrap();
        let domain = plasma_core::Domain::new(1, Address::repeat_byte(2));
        let signed = crate::tx::SignedTx::sign(sample_tx(), &domain, &[&key, &key]);
        let tx_hash = signed.tx_hash(&domain);
        let event = G::InFlightExitStarted {
            txHash: tx_hash,
            starter: key.address(),
            tx: signed.tx.clone(),
            sigs: signed.sigs_bytes(),
            exitId: U96::from(in_flight_exit_id(tx_hash)),
        };
        let log = Log { address: Address::repeat_byte(3), data: event.encode_log_data() };
        assert_eq!(
            GameEvent::from_log(&log).unwrap(),
            Some(GameEvent::InFlightExitStarted {
                tx_hash,
                starter: key.address(),
                tx: Box::new(signed),
                exit_id: in_flight_exit_id(tx_hash),
            })
        );
    }

    #[test]
    fn events_decode_from_logs() {
        use MoreVpExitGame as G;
        let address = Address::repeat_byte(0xee);
        let started = G::StandardExitStarted {
            utxoPos: U256::from(1_000_000_000u64),
            owner: Address::repeat_byte(1),
            amount: U256::from(5),
            outputId: deposit_output_id(1),
            exitableAt: 99,
        };
        let log = Log { address, data: started.encode_log_data() };
        assert_eq!(
            GameEvent::from_log(&log).unwrap(),
            Some(GameEvent::StandardExitStarted {
                utxo_pos: UtxoPos::deposit(1).unwrap(),
                owner: Address::repeat_byte(1),
                amount: U256::from(5),
                output_id: deposit_output_id(1),
                exitable_at: 99,
            })
        );
        let tx = sample_tx();
        let ife = G::InFlightExitStarted {
            txHash: B256::repeat_byte(4),
            starter: Address::repeat_byte(2),
            tx: tx.clone(),
            sigs: Bytes::from(vec![0u8; 130]),
            exitId: U96::from(in_flight_exit_id(B256::repeat_byte(4))),
        };
        // Zero signature bytes have v = 0: a typed error, not a panic.
        let log = Log { address, data: ife.encode_log_data() };
        assert!(matches!(GameEvent::from_log(&log), Err(MoreVpError::Core(_))));
        let mut bad_pos = started.clone();
        bad_pos.utxoPos = U256::from(5);
        assert!(GameEvent::from_log(&Log { address, data: bad_pos.encode_log_data() }).is_err());
        let unknown = Log { address, data: LogData::new_unchecked(vec![B256::repeat_byte(1)], Bytes::new()) };
        assert_eq!(GameEvent::from_log(&unknown).unwrap(), None);
        let truncated =
            Log { address, data: LogData::new_unchecked(vec![G::InFlightExitFinalized::SIGNATURE_HASH], Bytes::new()) };
        assert!(matches!(GameEvent::from_log(&truncated), Err(MoreVpError::Decode { .. })));
        let finalized = G::InFlightExitFinalized { txHash: B256::repeat_byte(4), canonical: true };
        assert_eq!(
            GameEvent::from_log(&Log { address, data: finalized.encode_log_data() }).unwrap(),
            Some(GameEvent::InFlightExitFinalized { tx_hash: B256::repeat_byte(4), canonical: true })
        );
    }
}
