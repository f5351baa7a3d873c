//! Running the scenario suite on a design of one's own, without linking plasma-lab's five designs.
//!
//! A design plugs into plasma-lab through the core traits (`plasma_core::{Design, OperatorState,
//! UserClient}`): the runtime (`plasma-node`) drives its operator and its users' clients, and the
//! harness's generic [`Lab`] runs every built-in scenario on it once it implements
//! [`Scripted`] (how scenarios build it, and what its misbehaviour is; every hook has a default).
//!
//! The design here is a toy, a *vault*: users deposit on the root chain and exit their deposits
//! after the exit period; the child chain carries no payments, so its operator commits empty blocks
//! and its users' clients have no block to check. It reuses the exit game of Plasma MVP, deployed
//! from the committed artifacts (its deposit exits are all a vault needs), and decodes that game's
//! events itself. Scenarios that need payments or faults come out "not applicable"; the deposit
//! exit scenario runs in full and checks that every user gets exactly its deposit back.
//!
//! ```sh
//! cargo run -p plasma-harness --no-default-features --example own_variant
//! ```
//!
//! (`--no-default-features` leaves the harness's built-in designs out: `cargo tree -p
//! plasma-harness --no-default-features` lists no design crate.)

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, Log, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent};
use plasma_contracts::MvpExitGame;
use plasma_core::{
    BlockNumber, Capabilities, ChainEvent, Decision, Design, ExitOutcome, ExitScope, FrameworkEvent, GameCall,
    OperatorState, Role, SigningKey, Timestamp, UserClient,
};
use plasma_harness::{
    Error, Outcome, World, builtin_scenarios,
    lab::{Lab, Scripted},
    run_scenario,
};
use plasma_rootchain::EmbeddedEvm;

/// The vault, as the runtime and the suite know it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Vault;

/// The vault's exit game: the bond of an exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct VaultGame {
    bond: U256,
}

/// An event of the vault's exit game (MVP's, whose output positions are `blknum × 10⁹` for a
/// deposit).
#[derive(Clone, Debug, PartialEq, Eq)]
enum VaultEvent {
    /// The exit of the deposit of block `blknum` started.
    Started { blknum: BlockNumber, owner: Address },
    /// That exit was challenged (a vault never is: nothing spends a deposit).
    Challenged { blknum: BlockNumber },
    /// That exit was settled; `paid` is false when the framework refused the payout.
    Finalized { blknum: BlockNumber, paid: bool },
}

/// What went wrong in the vault.
#[derive(Debug, thiserror::Error)]
enum VaultError {
    /// A vault carries no payments.
    #[error("a vault carries no payments")]
    NoPayments,
    /// A log of the game did not decode.
    #[error("malformed game log: {0}")]
    Decode(String),
    /// An output position that is no deposit.
    #[error("position {0} is no deposit")]
    NotDeposit(U256),
}

/// MVP's output position of the deposit of block `blknum`, and back.
const BLOCK_OFFSET: u64 = 1_000_000_000;

fn deposit_blknum(utxo_pos: U256) -> Result<BlockNumber, VaultError> {
    let offset = U256::from(BLOCK_OFFSET);
    if utxo_pos % offset != U256::ZERO {
        return Err(VaultError::NotDeposit(utxo_pos));
    }
    u64::try_from(utxo_pos / offset).map_err(|_| VaultError::NotDeposit(utxo_pos))
}

impl Design for Vault {
    const NAME: &'static str = "vault";
    const SUMMARY: &'static str = "A toy: deposits and deposit exits only, on MVP's exit game";
    const MUST_WATCH: &'static str = "nothing: no payments, nothing to challenge";

    type Tx = ();
    type BlockData = ();
    type GameEvent = VaultEvent;
    /// The deposit block an exit is about.
    type Tag = BlockNumber;
    type Handover = ();
    type Game = VaultGame;
    type Error = VaultError;

    fn capabilities() -> Capabilities {
        Capabilities { fungible_amounts: true, ..Capabilities::NONE }
    }

    fn exit_bond(game: &VaultGame) -> U256 {
        game.bond
    }

    fn game_bytecode() -> &'static [u8] {
        &MvpExitGame::BYTECODE
    }

    fn game_constructor_args(game: &VaultGame, framework: Address) -> Vec<u8> {
        MvpExitGame::constructorCall { framework_: framework, exitBond_: game.bond }.abi_encode()
    }

    fn decode_game_event(log: &Log) -> Result<Option<VaultEvent>, VaultError> {
        let decode = |e: alloy_sol_types::Error| VaultError::Decode(e.to_string());
        let Some(topic) = log.topics().first() else { return Ok(None) };
        Ok(Some(match *topic {
            MvpExitGame::ExitStarted::SIGNATURE_HASH => {
                let event = MvpExitGame::ExitStarted::decode_log(log).map_err(decode)?;
                VaultEvent::Started { blknum: deposit_blknum(event.utxoPos)?, owner: event.owner }
            }
            MvpExitGame::ExitChallenged::SIGNATURE_HASH => {
                let event = MvpExitGame::ExitChallenged::decode_log(log).map_err(decode)?;
                VaultEvent::Challenged { blknum: deposit_blknum(event.utxoPos)? }
            }
            MvpExitGame::ExitFinalized::SIGNATURE_HASH => {
                let event = MvpExitGame::ExitFinalized::decode_log(log).map_err(decode)?;
                VaultEvent::Finalized { blknum: deposit_blknum(event.utxoPos)?, paid: event.paid }
            }
            _ => return Ok(None),
        }))
    }

    fn exit_outcome(event: &VaultEvent) -> Option<ExitOutcome> {
        Some(match event {
            VaultEvent::Started { .. } => ExitOutcome::Started,
            VaultEvent::Challenged { .. } => ExitOutcome::Challenged,
            VaultEvent::Finalized { paid, .. } => ExitOutcome::Processed { paid: *paid },
        })
    }
}

/// The vault's operator: it commits empty blocks and owes nothing on the root chain.
struct VaultOperator;

impl OperatorState<Vault> for VaultOperator {
    fn on_event(
        &mut self,
        _event: &ChainEvent<VaultEvent>,
        _at: Timestamp,
    ) -> Result<Vec<Decision<BlockNumber>>, VaultError> {
        Ok(Vec::new())
    }

    fn submit(&mut self, _tx: ()) -> Result<B256, VaultError> {
        Err(VaultError::NoPayments)
    }

    fn seal(&mut self) -> Result<B256, VaultError> {
        Ok(B256::ZERO)
    }

    fn block_data(&self, _blknum: BlockNumber) -> Option<()> {
        Some(())
    }
}

/// One user's vault client: its deposits, and which of them are exiting.
struct VaultClient {
    user: Address,
    game: VaultGame,
    /// Deposit block → amount, while the deposit is the user's.
    deposits: BTreeMap<BlockNumber, U256>,
    /// Deposits whose exit started.
    exiting: BTreeSet<BlockNumber>,
}

impl UserClient<Vault> for VaultClient {
    fn user(&self) -> Address {
        self.user
    }

    fn on_event(
        &mut self,
        event: &ChainEvent<VaultEvent>,
        _at: Timestamp,
    ) -> Result<Vec<Decision<BlockNumber>>, VaultError> {
        match event {
            ChainEvent::Framework(FrameworkEvent::Deposit(deposit)) if deposit.depositor == self.user => {
                self.deposits.insert(deposit.blknum, deposit.amount);
            }
            ChainEvent::Game(VaultEvent::Started { blknum, owner }) if *owner == self.user => {
                self.exiting.insert(*blknum);
            }
            ChainEvent::Game(VaultEvent::Finalized { blknum, .. }) if self.exiting.contains(blknum) => {
                self.exiting.remove(blknum);
                self.deposits.remove(blknum);
            }
            _ => {}
        }
        Ok(Vec::new())
    }

    fn next_block_wanted(&self) -> Option<BlockNumber> {
        None
    }

    fn on_block_data(
        &mut self,
        _: BlockNumber,
        _: Option<&()>,
        _: Timestamp,
    ) -> Result<Vec<Decision<BlockNumber>>, VaultError> {
        Ok(Vec::new())
    }

    fn still_wanted(&self, blknum: &BlockNumber) -> bool {
        self.deposits.contains_key(blknum) && !self.exiting.contains(blknum)
    }

    fn on_action_done(&mut self, blknum: &BlockNumber) {
        self.exiting.insert(*blknum);
    }

    fn pay(&mut self, _to: Address, _amount: U256) -> Result<(), VaultError> {
        Err(VaultError::NoPayments)
    }

    fn cancel(&mut self, _tx: &()) {}

    fn hand_over(&mut self, _tx: &(), _included: Option<(BlockNumber, &())>) -> Result<Option<()>, VaultError> {
        Ok(None)
    }

    fn receive(&mut self, _handover: &()) -> Result<Vec<Decision<BlockNumber>>, VaultError> {
        Ok(Vec::new())
    }

    fn exits(&self, scope: ExitScope, _now: Timestamp) -> Result<Vec<Decision<BlockNumber>>, VaultError> {
        let open = self.deposits.iter().filter(|(blknum, _)| !self.exiting.contains(*blknum));
        let mut decisions: Vec<Decision<BlockNumber>> = open
            .map(|(blknum, amount)| Decision {
                by: Role::Owner,
                tag: *blknum,
                sender: self.user,
                call: GameCall {
                    data: MvpExitGame::startDepositExitCall { depositBlknum: U256::from(*blknum), amount: *amount }
                        .abi_encode()
                        .into(),
                    value: self.game.bond,
                },
                deadline: Timestamp::MAX,
                what: format!("exits deposit {blknum}"),
            })
            .collect();
        if scope == ExitScope::Newest {
            decisions = decisions.pop().into_iter().collect();
        }
        Ok(decisions)
    }

    fn balance(&self) -> U256 {
        self.deposits.iter().filter(|(blknum, _)| !self.exiting.contains(*blknum)).map(|(_, amount)| *amount).sum()
    }
}

impl Scripted for Vault {
    type Operator = VaultOperator;
    type Client = VaultClient;
    type Cheats = ();

    const PAYS: bool = false;

    fn game(_min_exit_period: u64) -> VaultGame {
        // 0.01 ETH.
        VaultGame { bond: U256::from(10_000_000_000_000_000u64) }
    }

    fn operator(_world: &World) -> VaultOperator {
        VaultOperator
    }

    fn client(key: SigningKey, _world: &World, game: &VaultGame, _watching: bool) -> VaultClient {
        VaultClient { user: key.address(), game: *game, deposits: BTreeMap::new(), exiting: BTreeSet::new() }
    }

    fn exit_subject(blknum: &BlockNumber) -> Option<String> {
        Some(format!("deposit {blknum}"))
    }

    fn paid_to(_tx: &()) -> Vec<Address> {
        Vec::new()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let mut counts = BTreeMap::<&str, usize>::new();
    for scenario in builtin_scenarios()? {
        let mut vault = Lab::<Vault>::new();
        let chain = Box::new(EmbeddedEvm::new());
        let run = run_scenario(&mut vault, chain, &scenario, plasma_contracts::DEFAULT_MIN_EXIT_PERIOD, None).await;
        println!("{:<40} {:?}  {}", run.name, run.outcome, run.detail.lines().next().unwrap_or_default());
        *counts
            .entry(match run.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "fail",
                Outcome::NotApplicable => "not applicable",
            })
            .or_default() += 1;
    }
    println!("{counts:?}");
    if counts.contains_key("fail") || !counts.contains_key("pass") {
        return Err(Error::Scenario(format!("the vault must pass what it expresses and fail nothing: {counts:?}")));
    }
    Ok(())
}
