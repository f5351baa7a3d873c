//! Shared fixtures of the cross-crate test suite (the tests themselves live under `tests/`).
//!
//! [`backend`] opens a fresh root chain by name (`embedded` or `anvil`), so every test can run as
//! a matrix over both backends with `#[rstest]` and `#[values("embedded", "anvil")]`.
//! [`Deployed`] is a framework with one exit game on a fresh chain, with the calls every test needs.
//! [`TestDeployment`] registers the `TestExitGame` fixture, the smallest exit game that exercises
//! the framework's queue, payouts and bonds; [`MvpDeployment`] and [`CashDeployment`] register the
//! Plasma MVP and Plasma Cash exit games and hold the users' signing keys, [`XtDeployment`] the
//! Plasma XT exit game. All dereference to their [`Deployed`].
//!
//! The game suites' shared pieces: [`eth`], a coin of the coin games ([`Coin`], [`coin_exit_id`]),
//! the [`events`] of a receipt, a MoreVP payment ([`morevp_payment`]) and a single-coin Debit
//! transaction ([`debit_single`]), an XT checkpoint ([`XtCheckpoint`]) and exit from it
//! ([`xt_checkpoint_exit`]), and the gas figures of a game on both backends
//! ([`gas_on_both_backends`]).

use std::ops::{Deref, DerefMut};

use alloy_primitives::{Address, B256, U256, aliases::U96};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent};
use plasma_contracts::{
    CashExitGame, DEFAULT_MIN_EXIT_PERIOD, DebitExitGame, Deployment, MvpExitGame, PlasmaFramework, TestExitGame,
    deploy_framework, deploy_game, send, view,
};
use plasma_contracts::{DebitExitGame::DebitTx, MoreVpTx::PaymentTx, XtExitGame};
use plasma_core::{Domain, SigningKey};
use plasma_rootchain::{BLOCK_TIME, DEV_KEYS, EmbeddedEvm, Receipt, RootChain, RpcNode, anvil_path};

/// One ether, in wei.
pub const ETH: u64 = 1_000_000_000_000_000_000;

/// `n` ether, in wei.
#[must_use]
pub fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(ETH)
}

/// A coin of the coin games (Cash, XT, Debit): its id (the deposit block), depositor and deposit
/// amount.
#[derive(Clone, Copy, Debug)]
pub struct Coin {
    /// The coin's id: its deposit block.
    pub id: u64,
    /// Who deposited it.
    pub depositor: Address,
    /// What was deposited (the denomination).
    pub amount: U256,
}

/// A coin game's exit id: `uint96(seq) << 64 | coinId`.
#[must_use]
pub fn coin_exit_id(seq: u32, coin_id: u64) -> U96 {
    U96::from((u128::from(seq) << 64) | u128::from(coin_id))
}

/// The decoded events of type `E` in `receipt`, in order.
#[must_use]
pub fn events<E: SolEvent>(receipt: &Receipt) -> Vec<E> {
    receipt.logs.iter().filter_map(|log| E::decode_log(log).ok()).map(|log| log.data).collect()
}

/// A MoreVP payment with the given used inputs and outputs (the rest of the slots empty).
#[must_use]
pub fn morevp_payment(inputs: &[U256], outputs: &[(Address, U256)]) -> PaymentTx {
    let input = |i: usize| inputs.get(i).copied().unwrap_or_default();
    let output = |i: usize| outputs.get(i).copied().unwrap_or_default();
    PaymentTx {
        input0: input(0),
        input1: input(1),
        input2: input(2),
        input3: input(3),
        owner0: output(0).0,
        amount0: output(0).1,
        owner1: output(1).0,
        amount1: output(1).1,
        owner2: output(2).0,
        amount2: output(2).1,
        owner3: output(3).0,
        amount3: output(3).1,
    }
}

/// A single-coin Debit transaction (a transfer, an update or a channel state): the coin, its last
/// move, its holder, balance (wei) and nonce after; no peer leg.
#[must_use]
pub fn debit_single(coin: u64, prev: u64, owner: Address, balance: u128, nonce: u64) -> DebitTx {
    DebitTx {
        coinId: coin,
        prevBlock: prev,
        newOwner: owner,
        balance,
        nonce,
        peerCoin: 0,
        peerPrevBlock: 0,
        peerOwner: Address::ZERO,
        peerBalance: 0,
        peerNonce: 0,
    }
}

/// A proposed XT checkpoint with the data its users keep: its id, block, state root, bitmap and
/// the state tree.
#[derive(Clone, Debug)]
pub struct XtCheckpoint {
    /// The checkpoint's id.
    pub id: U256,
    /// The child block it states.
    pub blknum: u64,
    /// Its state root.
    pub root: B256,
    /// Its bitmap of signed-off coins.
    pub bitmap: alloy_primitives::Bytes,
    /// The state tree behind `root`.
    pub tree: plasma_core::SparseTree,
}

/// XT's `startCheckpointExit` of `coin` from the finalised checkpoint state `origin`, with the
/// coin's moves since (`parent`, `exiting`, as `Included::default()` when absent) and `exiting`'s
/// signature.
#[must_use]
pub fn xt_checkpoint_exit(
    coin: &Coin,
    origin: XtExitGame::CheckpointState,
    parent: XtExitGame::Included,
    exiting: XtExitGame::Included,
    sig: alloy_primitives::Bytes,
) -> XtExitGame::startCheckpointExitCall {
    XtExitGame::startCheckpointExitCall {
        coinId: coin.id,
        depositor: coin.depositor,
        amount: coin.amount,
        origin,
        parent,
        exiting,
        exitingSig: sig,
    }
}

/// One game's gas figures, measured by `measure(backend)` on both backends: prints them under
/// `title`, checks that the backends agree and that every figure lies above the 21k base and below
/// `max`; returns them.
pub async fn gas_on_both_backends<N, Fut>(
    title: &str,
    max: u64,
    measure: impl Fn(&'static str) -> Fut,
) -> TestResult<Vec<(N, u64)>>
where
    N: std::fmt::Display + std::fmt::Debug + PartialEq,
    Fut: Future<Output = TestResult<Vec<(N, u64)>>>,
{
    let embedded = measure("embedded").await?;
    let anvil = measure("anvil").await?;
    println!("{title}");
    let width = embedded.iter().map(|(name, _)| name.to_string().len()).max().unwrap_or(0);
    for (name, gas) in &embedded {
        println!("  {:<width$} {gas:>9}", name.to_string());
    }
    assert_eq!(embedded, anvil);
    for (name, gas) in &embedded {
        assert!(*gas > 21_000 && *gas < max, "{name}: {gas}");
    }
    Ok(embedded)
}

/// Fails the test with a readable message.
pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A fresh root chain: `embedded` (revm) or `anvil` (the pinned binary, spawned).
pub async fn backend(name: &str) -> TestResult<Box<dyn RootChain>> {
    match name {
        "embedded" => Ok(Box::new(EmbeddedEvm::new())),
        "anvil" => Ok(Box::new(RpcNode::spawn_anvil(anvil_path()).await?)),
        other => Err(format!("unknown backend {other}").into()),
    }
}

/// The framework with one exit game registered, on a fresh chain.
pub struct Deployed {
    /// The chain it lives on.
    pub chain: Box<dyn RootChain>,
    /// Framework, game and operator addresses.
    pub deployment: Deployment,
    /// Dev accounts other than the operator, funded.
    pub users: Vec<Address>,
}

impl Deployed {
    /// Deploys the framework (one-week exit period) on the backend called `name`, then the game
    /// `bytecode` with the constructor arguments `args(framework)`, and registers it.
    pub async fn new(name: &str, bytecode: &[u8], args: impl FnOnce(Address) -> Vec<u8>) -> TestResult<Self> {
        let mut chain = backend(name).await?;
        let operator = chain.accounts()[0];
        let users = chain.accounts()[1..].to_vec();
        let framework = deploy_framework(chain.as_mut(), operator, DEFAULT_MIN_EXIT_PERIOD).await?;
        let deployment = deploy_game(chain.as_mut(), framework, operator, bytecode, args(framework)).await?;
        Ok(Self { chain, deployment, users })
    }

    /// The signing key of each of `users`, in the same order (the dev keys after the operator's).
    pub fn user_keys(&self) -> TestResult<Vec<SigningKey>> {
        let keys = DEV_KEYS[1..].iter().map(|secret| SigningKey::from_bytes(*secret)).collect::<Result<Vec<_>, _>>()?;
        if keys.iter().map(SigningKey::address).ne(self.users.iter().copied()) {
            return Err("the dev keys do not match the chain's accounts".into());
        }
        Ok(keys)
    }

    /// The operator's account.
    pub fn operator(&self) -> Address {
        self.deployment.operator
    }

    /// The EIP-712 domain of this deployment.
    pub fn domain(&self) -> Domain {
        Domain::new(self.chain.chain_id(), self.deployment.framework)
    }

    /// Sends a call to `to` that must succeed.
    async fn send_to<C: SolCall>(&mut self, to: Address, from: Address, call: C, value: U256) -> TestResult<Receipt> {
        Ok(send(self.chain.as_mut(), from, to, call, value).await?)
    }

    /// Sends a call to `to` that must revert, and returns its reason.
    async fn revert_at<C: SolCall>(&mut self, to: Address, from: Address, call: C, value: U256) -> TestResult<String> {
        match send(self.chain.as_mut(), from, to, call, value).await {
            Ok(_) => Err(format!("{} succeeded but had to revert", C::SIGNATURE).into()),
            Err(plasma_contracts::Error::Reverted { reason, .. }) => Ok(reason.unwrap_or_default()),
            Err(other) => Err(other.into()),
        }
    }

    /// Sends a framework call that must succeed.
    pub async fn framework_send<C: SolCall>(&mut self, from: Address, call: C, value: U256) -> TestResult<Receipt> {
        self.send_to(self.deployment.framework, from, call, value).await
    }

    /// Sends a framework call that must revert, and returns its reason.
    pub async fn framework_revert<C: SolCall>(&mut self, from: Address, call: C, value: U256) -> TestResult<String> {
        self.revert_at(self.deployment.framework, from, call, value).await
    }

    /// Reads a framework view.
    pub async fn framework_view<C: SolCall>(&self, call: C) -> TestResult<C::Return> {
        Ok(view(self.chain.as_ref(), self.deployment.framework, call).await?)
    }

    /// Sends a game call that must succeed.
    pub async fn game_send<C: SolCall>(&mut self, from: Address, call: C, value: U256) -> TestResult<Receipt> {
        self.send_to(self.deployment.exit_game, from, call, value).await
    }

    /// Sends a game call that must revert, and returns its reason.
    pub async fn game_revert<C: SolCall>(&mut self, from: Address, call: C, value: U256) -> TestResult<String> {
        self.revert_at(self.deployment.exit_game, from, call, value).await
    }

    /// Reads a game view.
    pub async fn game_view<C: SolCall>(&self, call: C) -> TestResult<C::Return> {
        Ok(view(self.chain.as_ref(), self.deployment.exit_game, call).await?)
    }

    /// Deposits `amount` wei from `from` and returns the deposit block number.
    pub async fn deposit(&mut self, from: Address, amount: U256) -> TestResult<u64> {
        let receipt = self.framework_send(from, PlasmaFramework::depositCall {}, amount).await?;
        let created = receipt
            .logs
            .iter()
            .find_map(|log| PlasmaFramework::DepositCreated::decode_log(log).ok())
            .ok_or("deposit emitted no DepositCreated")?;
        Ok(created.blknum.to::<u64>())
    }

    /// Submits a child block with `root` (as the operator) and returns its number.
    pub async fn submit_block(&mut self, root: B256) -> TestResult<u64> {
        let receipt =
            self.framework_send(self.operator(), PlasmaFramework::submitBlockCall { root }, U256::ZERO).await?;
        let submitted = receipt
            .logs
            .iter()
            .find_map(|log| PlasmaFramework::BlockSubmitted::decode_log(log).ok())
            .ok_or("submitBlock emitted no BlockSubmitted")?;
        Ok(submitted.blknum.to::<u64>())
    }
}

/// Gives a fixture the fields and calls of its [`Deployed`].
macro_rules! deref_to_deployed {
    ($fixture:ty) => {
        impl Deref for $fixture {
            type Target = Deployed;
            fn deref(&self) -> &Deployed {
                &self.base
            }
        }
        impl DerefMut for $fixture {
            fn deref_mut(&mut self) -> &mut Deployed {
                &mut self.base
            }
        }
    };
}

/// The calls the game suites make on their deployment (any fixture that dereferences to a
/// [`Deployed`]). A trait rather than methods of `Deployed` so that a call's arguments may read the
/// same fixture, as in `c.t.next_tx_at(c.t.now().await? + c.t.min_exit_period)`: the receiver is
/// then borrowed in two phases, which a call through `DerefMut` is not.
#[allow(async_fn_in_trait)]
pub trait GameCalls: DerefMut<Target = Deployed> {
    /// User `i` (dev account `i + 1`).
    fn user(&self, i: usize) -> Address {
        self.users[i]
    }

    /// Sends a game call that must succeed.
    async fn game_send<C: SolCall>(&mut self, from: Address, call: C, value: U256) -> TestResult<Receipt> {
        Deployed::game_send(self, from, call, value).await
    }

    /// Sends a game call that must revert, and returns its reason.
    async fn game_revert<C: SolCall>(&mut self, from: Address, call: C, value: U256) -> TestResult<String> {
        Deployed::game_revert(self, from, call, value).await
    }

    /// The operator processes up to `max_count` exits.
    async fn process(&mut self, max_count: u64) -> TestResult<Receipt> {
        let call = PlasmaFramework::processExitsCall { maxCount: U256::from(max_count) };
        let operator = self.operator();
        self.framework_send(operator, call, U256::ZERO).await
    }

    /// When the last transaction was mined.
    async fn now(&self) -> TestResult<u64> {
        Ok(self.chain.block_time().await?)
    }

    /// Moves the clock so that the next transaction is mined at exactly `at`.
    async fn next_tx_at(&mut self, at: u64) -> TestResult {
        let now = GameCalls::now(self).await?;
        self.chain.advance_time(at - now - BLOCK_TIME).await?;
        Ok(())
    }

    /// When child block `blknum` was submitted.
    async fn block_time_of(&self, blknum: u64) -> TestResult<u64> {
        Ok(self.framework_view(PlasmaFramework::blocksCall { blknum: U256::from(blknum) }).await?.timestamp)
    }

    /// What the framework owes `who`.
    async fn withdrawable(&self, who: Address) -> TestResult<U256> {
        self.framework_view(PlasmaFramework::withdrawableCall { account: who }).await
    }

    /// Pulls `who`'s credit and returns how much their balance grew (gas included back).
    async fn withdraw(&mut self, who: Address) -> TestResult<U256> {
        let before = self.chain.balance(who).await?;
        let receipt = self.framework_send(who, PlasmaFramework::withdrawCall {}, U256::ZERO).await?;
        Ok(self.chain.balance(who).await? + receipt.fee_paid - before)
    }

    /// The bonds the framework holds.
    async fn bonds_held(&self) -> TestResult<U256> {
        self.framework_view(PlasmaFramework::bondsHeldCall {}).await
    }
}

impl<T: DerefMut<Target = Deployed>> GameCalls for T {}

/// The framework with `TestExitGame` registered, on a fresh chain.
pub struct TestDeployment {
    base: Deployed,
}

deref_to_deployed!(TestDeployment);

impl TestDeployment {
    /// Deploys on the backend called `name`, with the default one-week exit period.
    pub async fn new(name: &str) -> TestResult<Self> {
        let args = |framework_| TestExitGame::constructorCall { framework_ }.abi_encode();
        Ok(Self { base: Deployed::new(name, &TestExitGame::BYTECODE, args).await? })
    }

    /// Starts a test exit that pays `amount` to `owner` under `id`, with a bond, and returns its
    /// exit id.
    pub async fn start_exit(
        &mut self,
        id: B256,
        owner: Address,
        amount: U256,
        exitable_at: u64,
        position: u64,
        bond: U256,
    ) -> TestResult<u64> {
        let call = TestExitGame::startExitCall {
            id,
            owner,
            amount,
            exitableAt: exitable_at,
            position: alloy_primitives::Uint::from(position),
        };
        let operator = self.operator();
        let receipt = self.game_send(operator, call, bond).await?;
        let queued = receipt
            .logs
            .iter()
            .find_map(|log| PlasmaFramework::ExitQueued::decode_log(log).ok())
            .ok_or("startExit emitted no ExitQueued")?;
        Ok(queued.exitId.to::<u64>())
    }
}

/// The framework with `MvpExitGame` registered, on a fresh chain, and the users' signing keys.
pub struct MvpDeployment {
    base: Deployed,
    /// The signing key of each of `users`, in the same order.
    pub keys: Vec<SigningKey>,
    /// The game's exit bond (wei).
    pub exit_bond: U256,
    /// The framework's minimum exit period (seconds).
    pub min_exit_period: u64,
}

deref_to_deployed!(MvpDeployment);

impl MvpDeployment {
    /// Deploys on the backend called `name`, with the default one-week exit period and `exit_bond`.
    pub async fn new(name: &str, exit_bond: U256) -> TestResult<Self> {
        let args = |framework_| MvpExitGame::constructorCall { framework_, exitBond_: exit_bond }.abi_encode();
        let base = Deployed::new(name, &MvpExitGame::BYTECODE, args).await?;
        let keys = base.user_keys()?;
        Ok(Self { base, keys, exit_bond, min_exit_period: DEFAULT_MIN_EXIT_PERIOD })
    }
}

/// The framework with `CashExitGame` registered, on a fresh chain, and the users' signing keys.
pub struct CashDeployment {
    base: Deployed,
    /// The signing key of each of `users`, in the same order.
    pub keys: Vec<SigningKey>,
    /// The game's exit bond (wei).
    pub exit_bond: U256,
    /// The game's history-challenge bond (wei).
    pub challenge_bond: U256,
    /// The framework's minimum exit period (seconds).
    pub min_exit_period: u64,
}

deref_to_deployed!(CashDeployment);

impl CashDeployment {
    /// The exit bond: 0.02 ETH.
    pub const EXIT_BOND: u64 = 20_000_000_000_000_000;
    /// The history-challenge bond: 0.02 ETH.
    pub const CHALLENGE_BOND: u64 = 20_000_000_000_000_000;

    /// Deploys on the backend called `name`, with the default one-week exit period,
    /// [`Self::EXIT_BOND`] and [`Self::CHALLENGE_BOND`].
    pub async fn new(name: &str) -> TestResult<Self> {
        let (exit_bond, challenge_bond) = (U256::from(Self::EXIT_BOND), U256::from(Self::CHALLENGE_BOND));
        let args = |framework_| {
            CashExitGame::constructorCall { framework_, exitBond_: exit_bond, challengeBond_: challenge_bond }
                .abi_encode()
        };
        let base = Deployed::new(name, &CashExitGame::BYTECODE, args).await?;
        let keys = base.user_keys()?;
        Ok(Self { base, keys, exit_bond, challenge_bond, min_exit_period: DEFAULT_MIN_EXIT_PERIOD })
    }
}

/// The framework with `DebitExitGame` registered, on a fresh chain, and the users' signing keys
/// (the operator's too: it co-signs channel states).
pub struct DebitDeployment {
    base: Deployed,
    /// The signing key of each of `users`, in the same order.
    pub keys: Vec<SigningKey>,
    /// The operator's signing key.
    pub operator_key: SigningKey,
    /// The game's exit bond (wei).
    pub exit_bond: U256,
    /// The game's history and channel challenge bond (wei).
    pub challenge_bond: U256,
    /// The framework's minimum exit period (seconds).
    pub min_exit_period: u64,
}

deref_to_deployed!(DebitDeployment);

impl DebitDeployment {
    /// The exit bond: 0.02 ETH, as Cash's.
    pub const EXIT_BOND: u64 = 20_000_000_000_000_000;
    /// The history and channel challenge bond: 0.02 ETH, as Cash's.
    pub const CHALLENGE_BOND: u64 = 20_000_000_000_000_000;

    /// Deploys on the backend called `name`, with the default one-week exit period,
    /// [`Self::EXIT_BOND`] and [`Self::CHALLENGE_BOND`].
    pub async fn new(name: &str) -> TestResult<Self> {
        let (exit_bond, challenge_bond) = (U256::from(Self::EXIT_BOND), U256::from(Self::CHALLENGE_BOND));
        let args = |framework_| {
            DebitExitGame::constructorCall { framework_, exitBond_: exit_bond, challengeBond_: challenge_bond }
                .abi_encode()
        };
        let base = Deployed::new(name, &DebitExitGame::BYTECODE, args).await?;
        let keys = base.user_keys()?;
        let operator_key = SigningKey::from_bytes(DEV_KEYS[0])?;
        if operator_key.address() != base.operator() {
            return Err("the dev key does not match the chain's operator".into());
        }
        Ok(Self { base, keys, operator_key, exit_bond, challenge_bond, min_exit_period: DEFAULT_MIN_EXIT_PERIOD })
    }
}

/// The framework with `XtExitGame` registered, on a fresh chain, and the users' signing keys.
pub struct XtDeployment {
    base: Deployed,
    /// The signing key of each of `users`, in the same order.
    pub keys: Vec<SigningKey>,
    /// The game's exit bond (wei).
    pub exit_bond: U256,
    /// The game's history- and checkpoint-challenge bond (wei).
    pub challenge_bond: U256,
    /// The checkpoint bond (wei).
    pub checkpoint_bond: U256,
    /// The checkpoint period `Pc` (seconds).
    pub checkpoint_period: u64,
    /// The most pending challenges a checkpoint survives.
    pub challenge_cap: u32,
    /// The framework's minimum exit period (seconds).
    pub min_exit_period: u64,
}

deref_to_deployed!(XtDeployment);

impl XtDeployment {
    /// The exit bond: 0.02 ETH, as Cash's.
    pub const EXIT_BOND: u64 = 20_000_000_000_000_000;
    /// The history- and checkpoint-challenge bond: 0.02 ETH, as Cash's.
    pub const CHALLENGE_BOND: u64 = 20_000_000_000_000_000;
    /// The checkpoint bond: 0.1 ETH.
    pub const CHECKPOINT_BOND: u64 = 100_000_000_000_000_000;
    /// The default cap on pending checkpoint challenges (the XT post's 256).
    pub const CHALLENGE_CAP: u32 = 256;

    /// Deploys on the backend called `name` with the default one-week exit period, a checkpoint
    /// period equal to it, the bonds above and [`Self::CHALLENGE_CAP`].
    pub async fn new(name: &str) -> TestResult<Self> {
        Self::with_cap(name, Self::CHALLENGE_CAP).await
    }

    /// As [`Self::new`], with `challenge_cap` pending challenges allowed per checkpoint.
    pub async fn with_cap(name: &str, challenge_cap: u32) -> TestResult<Self> {
        let (exit_bond, challenge_bond) = (U256::from(Self::EXIT_BOND), U256::from(Self::CHALLENGE_BOND));
        let checkpoint_bond = U256::from(Self::CHECKPOINT_BOND);
        let checkpoint_period = DEFAULT_MIN_EXIT_PERIOD;
        let args = |framework_| {
            XtExitGame::constructorCall {
                framework_,
                exitBond_: exit_bond,
                challengeBond_: challenge_bond,
                checkpointBond_: checkpoint_bond,
                checkpointPeriod_: checkpoint_period,
                challengeCap_: challenge_cap,
            }
            .abi_encode()
        };
        let base = Deployed::new(name, &XtExitGame::BYTECODE, args).await?;
        let keys = base.user_keys()?;
        Ok(Self {
            base,
            keys,
            exit_bond,
            challenge_bond,
            checkpoint_bond,
            checkpoint_period,
            challenge_cap,
            min_exit_period: DEFAULT_MIN_EXIT_PERIOD,
        })
    }
}

/// The framework with `MoreVpExitGame` registered, on a fresh chain, and the users' signing keys.
pub struct MoreVpDeployment {
    base: Deployed,
    /// The signing key of each of `users`, in the same order.
    pub keys: Vec<SigningKey>,
    /// The standard exit bond (wei).
    pub standard_exit_bond: U256,
    /// The in-flight exit bond (wei).
    pub in_flight_exit_bond: U256,
    /// The piggyback bond (wei).
    pub piggyback_bond: U256,
    /// The framework's minimum exit period (seconds).
    pub min_exit_period: u64,
}

deref_to_deployed!(MoreVpDeployment);

impl MoreVpDeployment {
    /// The harness bonds: 0.02 ETH per standard exit, 0.03 ETH per in-flight exit, 0.02 ETH per
    /// piggyback (docs/morevp.md, "Periods and bonds").
    pub const BONDS: [u64; 3] = [20_000_000_000_000_000, 30_000_000_000_000_000, 20_000_000_000_000_000];

    /// Deploys on the backend called `name`, with the default one-week exit period and [`Self::BONDS`].
    pub async fn new(name: &str) -> TestResult<Self> {
        let [standard, in_flight, piggyback] = Self::BONDS.map(U256::from);
        let args = |framework_| {
            plasma_contracts::MoreVpExitGame::constructorCall {
                framework_,
                standardExitBond_: standard,
                inFlightExitBond_: in_flight,
                piggybackBond_: piggyback,
            }
            .abi_encode()
        };
        let base = Deployed::new(name, &plasma_contracts::MoreVpExitGame::BYTECODE, args).await?;
        let keys = base.user_keys()?;
        Ok(Self {
            base,
            keys,
            standard_exit_bond: standard,
            in_flight_exit_bond: in_flight,
            piggyback_bond: piggyback,
            min_exit_period: DEFAULT_MIN_EXIT_PERIOD,
        })
    }
}
