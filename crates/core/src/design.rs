//! The traits that carry a whole design: its bundle of types, its operator, its users' client
//! software and where that software gets block data from.
//!
//! The shape follows alloy's `Network` and reth's storage traits: one trait, [`Design`], names a
//! design's types once; the behaviour traits are generic over it, and the runtime (`plasma-node`)
//! is generic over them, so it never matches on a design's name.
//!
//! - [`Design`]: the types (signed transaction, block data, decoded game event, what an action is
//!   about, what a payer hands a payee, the error), the capabilities, the decoding of the exit
//!   game's logs and the exit outcome each game event stands for.
//! - [`OperatorState`]: the operator's side: takes the root chain's events, accepts transactions,
//!   seals blocks, serves block data, and decides the on-chain duties of its design (answers to
//!   challenges that name it, checkpoints).
//! - [`UserClient`]: one user's wallet and watcher: takes the root chain's events (dated by the
//!   root chain), judges every committed block with the data a [`BlockSource`] gives (or the lack of
//!   it), pays and receives, and decides the calls its user owes: challenges, answers, exits. Every
//!   decision carries the root-chain deadline after which it can no longer help.
//! - [`BlockSource`]: where a client gets a committed block's data: the operator in the same process
//!   today, the operator's service over the network next.
//!
//! These traits are synchronous state machines: deciding is pure, sending is the runtime's job
//! (which keeps every decision in an [`Outbox`](crate::Outbox) until it succeeds or its deadline
//! passes). Nothing here panics on what the root chain or the operator says: a malformed log, a
//! block that does not match its root, or a handover that does not verify is an error or a finding.

use core::fmt::Debug;

use alloy_primitives::{Address, B256, Log, U256};
use serde::{Deserialize, Serialize};

use crate::{
    traits::{BlockSubmittedEvent, Capabilities, DepositEvent, GameCall},
    types::{BlockNumber, Timestamp},
};

/// One design's bundle of types, and what can be said of them without any state.
pub trait Design: Sized + Send + Sync + 'static {
    /// The name used on the command line and in reports (`mvp`, `cash`, ...).
    const NAME: &'static str;
    /// One line on the design, for `plasma list`.
    const SUMMARY: &'static str;
    /// What a user's software must watch to stay safe, in a few words.
    const MUST_WATCH: &'static str;

    /// A signed child-chain transaction, as a wallet makes it and the operator accepts it.
    type Tx: Clone + Debug + Send + Sync;
    /// What a client downloads for one committed child block (its transactions, in order).
    type BlockData: Clone + Debug + Send + Sync;
    /// One decoded event of the design's exit game.
    type GameEvent: Clone + Debug + Send + Sync;
    /// What a decided action is about (the exit it challenges, the output it exits): the runtime
    /// asks the client whether it still matters before every send.
    type Tag: Clone + Debug + Ord + Send + Sync;
    /// What a payer hands its payee once the payment is included (proofs, confirmations).
    type Handover: Clone + Debug + Send + Sync;
    /// The exit game's parameters: bonds and periods, and how its calldata is built.
    type Game: Clone + Debug + Send + Sync;
    /// The design's error.
    type Error: core::error::Error + Send + Sync + 'static;

    /// What the design supports.
    fn capabilities() -> Capabilities;

    /// The exit bond of `game`, in wei.
    fn exit_bond(game: &Self::Game) -> U256;

    /// The exit game's creation bytecode (from the committed artifact).
    fn game_bytecode() -> &'static [u8];

    /// The ABI-encoded constructor arguments of the exit game of `game` for a framework at
    /// `framework`.
    fn game_constructor_args(game: &Self::Game, framework: Address) -> Vec<u8>;

    /// Decodes one log the exit game emitted: `Ok(None)` for a log that is none of its events, an
    /// error for one of its events that does not decode (the chain said something malformed).
    fn decode_game_event(log: &Log) -> Result<Option<Self::GameEvent>, Self::Error>;

    /// Which exit outcome `event` records, if any (for counting exits the same way in every
    /// design).
    fn exit_outcome(event: &Self::GameEvent) -> Option<ExitOutcome>;
}

/// What an exit-game event says happened to an exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExitOutcome {
    /// An exit started.
    Started,
    /// An exit was removed by a challenge (or cancelled by one).
    Challenged,
    /// An exit was processed; `paid` is false when it was processed without paying (its value was
    /// already paid out).
    Processed {
        /// Whether the exit paid its owner.
        paid: bool,
    },
}

/// One of the framework's events, as every design takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FrameworkEvent {
    /// A deposit created a deposit block.
    Deposit(DepositEvent),
    /// The operator committed a child block.
    BlockSubmitted(BlockSubmittedEvent),
}

/// An event of the root chain a design's software reads: the framework's, or its exit game's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainEvent<G> {
    /// A framework event.
    Framework(FrameworkEvent),
    /// An exit-game event.
    Game(G),
}

/// Which part of the software decided a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// The user's watcher (challenges, answers, piggybacks): named "`user`'s watcher".
    Watcher,
    /// The user itself, through its wallet (its own exits), or the operator: named by its name.
    Owner,
}

/// A call a client or an operator decided to send, and until when it can help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision<T> {
    /// Who decided it.
    pub by: Role,
    /// What it is about (the runtime withdraws it once the client says it no longer matters).
    pub tag: T,
    /// Who must send it (the user, or the sender the call requires).
    pub sender: Address,
    /// The call and its bond.
    pub call: GameCall,
    /// The root-chain time from which it can no longer help (the exit is processable, the answer
    /// window closed).
    pub deadline: Timestamp,
    /// What it does, in words (`"challenges the exit of 1000:0:0"`).
    pub what: String,
}

/// The operator of one design, as the runtime drives it: root-chain events in, blocks and
/// decisions out.
pub trait OperatorState<D: Design>: Send {
    /// An event the root chain recorded at time `at` (a deposit to credit, a block it committed,
    /// an exit whose output must no longer be spent); returns the calls the operator now owes.
    fn on_event(&mut self, event: &ChainEvent<D::GameEvent>, at: Timestamp) -> Result<Vec<Decision<D::Tag>>, D::Error>;

    /// Checks `tx` and queues it for the next block; returns its hash. A refused transaction
    /// leaves the state untouched.
    fn submit(&mut self, tx: D::Tx) -> Result<B256, D::Error>;

    /// Seals the queued transactions into the next block and returns the root to submit.
    fn seal(&mut self) -> Result<B256, D::Error>;

    /// The published data of committed child block `blknum` (`None`: not committed, or withheld).
    fn block_data(&self, blknum: BlockNumber) -> Option<D::BlockData>;

    /// Whether a decided action of the operator still matters.
    fn still_wanted(&self, tag: &D::Tag) -> bool {
        let _ = tag;
        true
    }

    /// An action the operator decided succeeded.
    fn on_action_done(&mut self, tag: &D::Tag) {
        let _ = tag;
    }
}

/// Where a client gets the data of committed child blocks.
pub trait BlockSource<D: Design>: Sync {
    /// Why the source could not answer (a network error; never "withheld", which is `Ok(None)`).
    type Error: core::error::Error + Send + Sync + 'static;

    /// The published data of child block `blknum`: `Ok(None)` when the operator does not publish
    /// it (the client then treats the block as withheld).
    fn block_data(&self, blknum: BlockNumber)
    -> impl Future<Output = Result<Option<D::BlockData>, Self::Error>> + Send;
}

/// Which of its outputs a user exits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExitScope {
    /// Everything it owns.
    All,
    /// Its newest output or coin.
    Newest,
}

/// One user's wallet and watcher.
///
/// The runtime feeds it the root chain's events in order (each dated by its root-chain block),
/// then the data of every committed block it has not judged, then a tick; after each it collects
/// the decisions, keeps them in an outbox and asks [`UserClient::still_wanted`] before every send.
pub trait UserClient<D: Design>: Send {
    /// The user this client keeps safe.
    fn user(&self) -> Address;

    /// An event the root chain recorded at time `at`; returns the calls it now calls for.
    fn on_event(&mut self, event: &ChainEvent<D::GameEvent>, at: Timestamp) -> Result<Vec<Decision<D::Tag>>, D::Error>;

    /// The oldest committed child block the client has not judged (`None`: none waits).
    fn next_block_wanted(&self) -> Option<BlockNumber>;

    /// The data of child block `blknum` as the source gave it (`None`: not published). Blocks
    /// come in the order [`UserClient::next_block_wanted`] asks for them.
    fn on_block_data(
        &mut self,
        blknum: BlockNumber,
        data: Option<&D::BlockData>,
        now: Timestamp,
    ) -> Result<Vec<Decision<D::Tag>>, D::Error>;

    /// Child blocks the client judged withheld whose data it still takes if the operator publishes
    /// it late (to learn where transactions are included; the verdict stands).
    fn withheld_blocks(&self) -> Vec<BlockNumber> {
        Vec::new()
    }

    /// The data of withheld block `blknum`, published late.
    fn on_late_block_data(
        &mut self,
        blknum: BlockNumber,
        data: &D::BlockData,
        now: Timestamp,
    ) -> Result<Vec<Decision<D::Tag>>, D::Error> {
        let _ = (blknum, data, now);
        Ok(Vec::new())
    }

    /// Time passed: what became due by `now` (root-chain time).
    fn tick(&mut self, now: Timestamp) -> Result<Vec<Decision<D::Tag>>, D::Error> {
        let _ = now;
        Ok(Vec::new())
    }

    /// Whether a decided action still matters (false: the exit it was about ended, or the exit
    /// it would start has started).
    fn still_wanted(&self, tag: &D::Tag) -> bool;

    /// An action the client decided succeeded on the root chain.
    fn on_action_done(&mut self, tag: &D::Tag);

    /// Signs a payment of `amount` wei to `to` from what the user owns.
    fn pay(&mut self, to: Address, amount: U256) -> Result<D::Tx, D::Error>;

    /// Releases what `tx` reserved (the operator refused it).
    fn cancel(&mut self, tx: &D::Tx);

    /// The payer's side of a payment: what to hand the payee and the payer itself (for its change).
    /// Called once the operator accepted `tx` (`included == None`) and again once it is in
    /// committed block `blknum` with published data `data` (`Some((blknum, data))`); each design
    /// answers when it hands over (MoreVP at once, in flight; MVP after its watcher validated the
    /// block) and `None` otherwise, or when the client will not vouch for the block.
    fn hand_over(
        &mut self,
        tx: &D::Tx,
        included: Option<(BlockNumber, &D::BlockData)>,
    ) -> Result<Option<D::Handover>, D::Error>;

    /// The side of every owner of an output of the payment (the payee, and the payer for its
    /// change): takes what the payer handed over, after checking it in full.
    fn receive(&mut self, handover: &D::Handover) -> Result<Vec<Decision<D::Tag>>, D::Error>;

    /// The user's own exits of `scope`, decided at `now` (exits already started are left out).
    fn exits(&self, scope: ExitScope, now: Timestamp) -> Result<Vec<Decision<D::Tag>>, D::Error>;

    /// What the user owns on the child chain, in wei.
    fn balance(&self) -> U256;

    /// What the client has to tell its user since the last call, in words (a bad block seen and
    /// the exits it calls for, a handover refused): the runtime notes each as
    /// "`user`'s watcher `alert`".
    fn take_alerts(&mut self) -> Vec<String> {
        Vec::new()
    }
}
