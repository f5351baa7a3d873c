//! Contract invariant fuzzing (issue #14, item 10): for every exit game (MVP, MoreVP, Plasma Cash,
//! Plasma XT, Plasma Debit) one proptest property drives random sequences of calls from the
//! operator and four users against the real contracts on the embedded EVM, and checks after EVERY
//! step that
//!
//! 1. the framework's ETH balance equals `(totalDeposited - totalPaid) + bondsHeld + bondsBurned +
//!    Σ withdrawable` over every account that could have been credited (every sender, the operator
//!    and every recipient named by an `ExitPaid` or `BondReleased` event);
//! 2. no output or coin id is paid twice (each `ExitPaid` id at most once);
//! 3. `totalPaid <= totalDeposited`;
//! 4. `processExits` never reverts;
//! 5. the exit game itself never keeps ETH (every bond is forwarded to the framework).
//!
//! Reverts are expected and counted, not failures. Each game keeps a small model of what exists
//! (deposits, submitted blocks and the real transactions in them, started exits, challenges) so
//! that most actions are valid: actions name things by indices taken modulo the model's sizes, so
//! a shrunk sequence still means something. Besides the game's own calls, every property mixes in
//! deposits (1 wei upwards), blocks with random roots, time jumps of up to two exit periods,
//! `processExits` with random counts, withdrawals and junk calldata to random selectors of the
//! game and the framework.
//!
//! The number of sequences per game is [`DEFAULT_CASES`] unless `PROPTEST_CASES` says otherwise;
//! each property prints how many sequences and steps ran and how many calls of each function
//! succeeded.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Debug;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolEvent, sol};
use plasma_contracts::{PlasmaFramework as Fw, function_name, view};
use plasma_integration_tests::{Deployed, TestResult};
use plasma_rootchain::{Receipt, RootChain, TxRequest};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

/// Sequences per game when `PROPTEST_CASES` is not set.
const DEFAULT_CASES: u32 = 256;

/// Most steps in one sequence.
const MAX_STEPS: usize = 96;

/// Users that act besides the operator (dev accounts 1 ..= USERS).
const USERS: usize = 4;

/// One exit period (the fixtures' default, one week).
const PERIOD: u64 = plasma_contracts::DEFAULT_MIN_EXIT_PERIOD;

const MILLI_ETH: u64 = 1_000_000_000_000_000;

// =================================================================================================
// The common part: book-keeping, invariants, shared actions, the runner
// =================================================================================================

/// Calls made and calls that succeeded, per function.
type Stats = BTreeMap<String, [u64; 2]>;

/// What every property records while it runs a sequence, and the invariant checks.
struct Book {
    framework: Address,
    game: Address,
    /// `accounts[0]` is the operator, `accounts[1..]` the users.
    accounts: Vec<Address>,
    /// Every account that may hold a `withdrawable` credit.
    credited: BTreeSet<Address>,
    /// Every id an `ExitPaid` named, with the step that paid it.
    paid: HashMap<B256, usize>,
    stats: Stats,
    step: usize,
    /// The name of a game event by its first topic.
    game_event: fn([u8; 32]) -> Option<&'static str>,
}

impl Book {
    fn new(deployed: &Deployed, game_event: fn([u8; 32]) -> Option<&'static str>) -> Self {
        let mut accounts = vec![deployed.operator()];
        accounts.extend(deployed.users.iter().take(USERS).copied());
        Self {
            framework: deployed.deployment.framework,
            game: deployed.deployment.exit_game,
            credited: accounts.iter().copied().collect(),
            accounts,
            paid: HashMap::new(),
            stats: Stats::new(),
            step: 0,
            game_event,
        }
    }

    fn operator(&self) -> Address {
        self.accounts[0]
    }

    /// Any account, operator included, by an index taken modulo their number.
    fn account(&self, index: usize) -> Address {
        self.accounts[index % self.accounts.len()]
    }

    /// User `index` (modulo the number of users).
    fn user(&self, index: usize) -> Address {
        self.accounts[1 + index % USERS]
    }

    /// Sends `data` to `to` (a revert is a normal outcome), counts it under `label` and the
    /// function's name, and books the credits and payouts of a successful call.
    async fn send(
        &mut self,
        chain: &mut dyn RootChain,
        from: Address,
        to: Address,
        data: Vec<u8>,
        value: U256,
        label: &str,
    ) -> TestResult<Receipt> {
        let selector: [u8; 4] = data.get(..4).and_then(|s| s.try_into().ok()).unwrap_or_default();
        let name = function_name(selector).unwrap_or("unknown");
        let receipt = chain.send(TxRequest::call(from, to, data).with_value(value)).await?;
        let entry = self.stats.entry(format!("{label}{name}")).or_default();
        entry[0] += 1;
        entry[1] += u64::from(receipt.success);
        if !receipt.success && verbose() {
            let reason = receipt.revert_reason.as_deref().unwrap_or("no reason");
            self.stats.entry(format!("{label}{name}  x {reason}")).or_default()[0] += 1;
        }
        self.credited.insert(from);
        if receipt.success {
            for log in &receipt.logs {
                let topic = log.topics().first().map(|topic| topic.0).unwrap_or_default();
                let event = if log.address == self.framework {
                    Fw::PlasmaFrameworkEvents::name_by_selector(topic)
                } else {
                    (self.game_event)(topic)
                };
                self.stats.entry(format!("event {}", event.unwrap_or("unknown"))).or_default()[1] += 1;
            }
            for log in receipt.logs.iter().filter(|log| log.address == self.framework) {
                if let Ok(event) = Fw::ExitPaid::decode_log(log) {
                    self.credited.insert(event.to);
                    if let Some(first) = self.paid.insert(event.id, self.step) {
                        return Err(format!(
                            "INVARIANT 2 VIOLATED: id {} paid twice (steps {first} and {}) by {name}",
                            event.id, self.step
                        )
                        .into());
                    }
                }
                if let Ok(event) = Fw::BondReleased::decode_log(log) {
                    self.credited.insert(event.to);
                }
            }
        }
        Ok(receipt)
    }

    /// Sends a typed call (see [`Book::send`]).
    async fn call<C: SolCall>(
        &mut self,
        chain: &mut dyn RootChain,
        from: Address,
        to: Address,
        call: C,
        value: U256,
    ) -> TestResult<Receipt> {
        self.send(chain, from, to, call.abi_encode(), value, "").await
    }

    /// Sends a typed call with made-up evidence (counted apart).
    async fn forged<C: SolCall>(
        &mut self,
        chain: &mut dyn RootChain,
        from: Address,
        to: Address,
        call: C,
        value: U256,
    ) -> TestResult<Receipt> {
        self.send(chain, from, to, call.abi_encode(), value, "forged ").await
    }

    /// Checks invariants 1, 3 and 5.
    async fn check(&self, chain: &dyn RootChain) -> TestResult {
        let fw = self.framework;
        let balance = chain.balance(fw).await?;
        let deposited = view(chain, fw, Fw::totalDepositedCall {}).await?;
        let paid = view(chain, fw, Fw::totalPaidCall {}).await?;
        let held = view(chain, fw, Fw::bondsHeldCall {}).await?;
        let burned = bonds_burned(chain, fw).await?;
        let mut credits = U256::ZERO;
        for account in &self.credited {
            credits += view(chain, fw, Fw::withdrawableCall { account: *account }).await?;
        }
        if paid > deposited {
            return Err(format!("INVARIANT 3 VIOLATED: totalPaid {paid} > totalDeposited {deposited}").into());
        }
        let expected = deposited - paid + held + burned + credits;
        if balance != expected {
            return Err(format!(
                "INVARIANT 1 VIOLATED: framework balance {balance} != (deposited {deposited} - paid {paid}) + \
                 bondsHeld {held} + bondsBurned {burned} + withdrawable {credits} = {expected}"
            )
            .into());
        }
        let game_balance = chain.balance(self.game).await?;
        if !game_balance.is_zero() {
            return Err(format!("INVARIANT 5 VIOLATED: the exit game holds {game_balance} wei").into());
        }
        Ok(())
    }
}

/// The framework's burned bonds (`bondsBurned`, issue #14: bonds the exit game destroys rather
/// than reward a challenger the proposer may control).
async fn bonds_burned(chain: &dyn RootChain, framework: Address) -> TestResult<U256> {
    Ok(view(chain, framework, Fw::bondsBurnedCall {}).await?)
}

/// Actions every game shares.
#[derive(Clone, Debug)]
enum Common {
    /// User `user` deposits `amount` wei.
    Deposit { user: usize, amount: U256 },
    /// The operator submits a block with a random root.
    RandomBlock { root: B256 },
    /// The clock moves by `seconds`.
    TimeJump { seconds: u64 },
    /// Account `from` processes up to `count` exits (must never revert).
    Process { from: usize, count: U256 },
    /// An account (mostly one with a credit, by `from`) withdraws, to itself or to account `to`.
    Withdraw { from: usize, to: Option<usize> },
    /// Account `from` sends a random selector of the game (or the framework) with random bytes.
    Junk { to_game: bool, selector: usize, from: usize, data: Vec<u8>, value: U256 },
}

fn amount_strategy() -> impl Strategy<Value = U256> {
    prop_oneof![
        2 => Just(U256::from(1)),
        2 => (1u64..1_000_000).prop_map(U256::from),
        6 => (1u64..5_000).prop_map(|m| U256::from(m) * U256::from(MILLI_ETH)),
    ]
}

fn time_strategy() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 0u64..3_600,
        2 => Just(PERIOD / 4),
        1 => Just(PERIOD / 2),
        3 => Just(PERIOD),
        1 => Just(2 * PERIOD),
        3 => 0u64..=2 * PERIOD,
    ]
}

fn common_strategy() -> impl Strategy<Value = Common> {
    prop_oneof![
        6 => (0..USERS, amount_strategy()).prop_map(|(user, amount)| Common::Deposit { user, amount }),
        1 => any::<[u8; 32]>().prop_map(|root| Common::RandomBlock { root: B256::from(root) }),
        4 => time_strategy().prop_map(|seconds| Common::TimeJump { seconds }),
        4 => (0..=USERS, prop_oneof![4 => (0u64..8).prop_map(U256::from), 1 => Just(U256::MAX)])
            .prop_map(|(from, count)| Common::Process { from, count }),
        2 => (any::<usize>(), proptest::option::weighted(0.2, 0..=USERS))
            .prop_map(|(from, to)| Common::Withdraw { from, to }),
        2 => (
            any::<bool>(),
            any::<usize>(),
            0..=USERS,
            proptest::collection::vec(any::<u8>(), 0..160),
            prop_oneof![3 => Just(U256::ZERO), 1 => Just(U256::from(1)), 1 => Just(U256::from(20 * MILLI_ETH))],
        )
            .prop_map(|(to_game, selector, from, data, value)| Common::Junk { to_game, selector, from, data, value }),
    ]
}

/// One step of a sequence: a shared action or one of the game's.
#[derive(Clone, Debug)]
enum Step<A> {
    C(Common),
    G(A),
}

/// An exit game under test: its deployment, its model of the child chain, its actions.
trait Game: Sized {
    /// The game's own actions.
    type Action: Clone + Debug + 'static;
    /// The property's name in the report.
    const NAME: &'static str;
    /// Where proptest keeps the seeds of failed sequences (relative to the package directory;
    /// `SourceParallel` cannot place files of a `tests/` binary).
    const REGRESSIONS: &'static str;
    /// Every selector of the game's ABI (for junk calls).
    const SELECTORS: &'static [[u8; 4]];
    /// A fresh deployment on the embedded EVM with an empty model.
    async fn deploy() -> TestResult<Self>;
    /// The deployment.
    fn deployed(&mut self) -> &mut Deployed;
    /// The name of one of the game's events, by its first topic.
    fn event_name(topic: [u8; 32]) -> Option<&'static str>;
    /// The game's actions.
    fn actions() -> BoxedStrategy<Self::Action>;
    /// A deposit by user `user` of `amount` created deposit block `blknum`.
    fn on_deposit(&mut self, blknum: u64, user: usize, amount: U256);
    /// Runs one of the game's actions.
    async fn apply(&mut self, book: &mut Book, action: &Self::Action) -> TestResult;
}

/// Runs a shared action.
async fn apply_common<G: Game>(game: &mut G, book: &mut Book, action: &Common) -> TestResult {
    let framework = book.framework;
    match action {
        Common::Deposit { user, amount } => {
            let from = book.user(*user);
            let chain = game.deployed().chain.as_mut();
            let receipt = book.call(chain, from, framework, Fw::depositCall {}, *amount).await?;
            if let Some(event) = receipt.logs.iter().find_map(|log| Fw::DepositCreated::decode_log(log).ok()) {
                game.on_deposit(event.blknum.to::<u64>(), *user % USERS, *amount);
            }
        }
        Common::RandomBlock { root } => {
            let operator = book.operator();
            let chain = game.deployed().chain.as_mut();
            book.call(chain, operator, framework, Fw::submitBlockCall { root: *root }, U256::ZERO).await?;
        }
        Common::TimeJump { seconds } => game.deployed().chain.advance_time(*seconds).await?,
        Common::Process { from, count } => {
            let from = book.account(*from);
            let chain = game.deployed().chain.as_mut();
            let receipt =
                book.call(chain, from, framework, Fw::processExitsCall { maxCount: *count }, U256::ZERO).await?;
            if !receipt.success {
                return Err(format!(
                    "INVARIANT 4 VIOLATED: processExits({count}) reverted: {:?}",
                    receipt.revert_reason
                )
                .into());
            }
        }
        Common::Withdraw { from, to } => {
            // Mostly an account with a credit; now and then any account.
            let mut owed = Vec::new();
            for account in &book.accounts {
                let chain = game.deployed().chain.as_ref();
                if !view(chain, framework, Fw::withdrawableCall { account: *account }).await?.is_zero() {
                    owed.push(*account);
                }
            }
            let from = if owed.is_empty() || from.is_multiple_of(4) {
                book.account(*from / 4)
            } else {
                owed[*from / 4 % owed.len()]
            };
            let chain = game.deployed().chain.as_mut();
            match to {
                None => book.call(chain, from, framework, Fw::withdrawCall {}, U256::ZERO).await?,
                Some(to) => {
                    let to = book.account(*to);
                    book.call(chain, from, framework, Fw::withdrawToCall { to }, U256::ZERO).await?
                }
            };
        }
        Common::Junk { to_game, selector, from, data, value } => {
            let (to, selectors) =
                if *to_game { (book.game, G::SELECTORS) } else { (framework, Fw::PlasmaFrameworkCalls::SELECTORS) };
            let mut calldata = selectors[selector % selectors.len()].to_vec();
            calldata.extend_from_slice(data);
            let from = book.account(*from);
            let chain = game.deployed().chain.as_mut();
            book.send(chain, from, to, calldata, *value, "junk ").await?;
        }
    }
    Ok(())
}

/// Deploys the game and runs one sequence, checking the invariants after every step.
async fn run_sequence<G: Game>(steps: &[Step<G::Action>], stats: &mut Stats) -> TestResult {
    let mut game = G::deploy().await?;
    let mut book = Book::new(game.deployed(), G::event_name);
    book.check(game.deployed().chain.as_ref()).await?;
    let mut outcome = Ok(());
    for (index, step) in steps.iter().enumerate() {
        book.step = index;
        let result = match step {
            Step::C(action) => apply_common(&mut game, &mut book, action).await,
            Step::G(action) => game.apply(&mut book, action).await,
        };
        let result = match result {
            Ok(()) => book.check(game.deployed().chain.as_ref()).await,
            Err(err) => Err(err),
        };
        if let Err(err) = result {
            outcome = Err(format!("step {index} ({step:?}): {err}").into());
            break;
        }
    }
    for (name, [calls, ok]) in std::mem::take(&mut book.stats) {
        let entry = stats.entry(name).or_default();
        entry[0] += calls;
        entry[1] += ok;
    }
    outcome
}

/// Whether `INVARIANTS_VERBOSE` asks for the revert reasons in the report.
fn verbose() -> bool {
    std::env::var_os("INVARIANTS_VERBOSE").is_some()
}

/// The number of sequences: `PROPTEST_CASES` when set, else [`DEFAULT_CASES`].
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(DEFAULT_CASES)
}

/// Runs the property of game `G` and prints what ran.
fn property<G: Game>() -> TestResult {
    let started = std::time::Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    let config = Config {
        cases: cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(G::REGRESSIONS))),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let step = prop_oneof![
        2 => common_strategy().prop_map(Step::C),
        3 => G::actions().prop_map(Step::G),
    ];
    let strategy = proptest::collection::vec(step, 1..=MAX_STEPS);
    let stats = RefCell::new(Stats::new());
    let counts = RefCell::new((0u64, 0u64));
    let result = runner.run(&strategy, |steps| {
        {
            let mut counts = counts.borrow_mut();
            counts.0 += 1;
            counts.1 += steps.len() as u64;
        }
        let mut stats = stats.borrow_mut();
        runtime.block_on(run_sequence::<G>(&steps, &mut stats)).map_err(|err| TestCaseError::fail(err.to_string()))
    });
    let (sequences, steps) = *counts.borrow();
    eprintln!(
        "{}: {sequences} sequences ({} cases asked), {steps} steps, {:.1} s; calls ok/made per function:",
        G::NAME,
        cases(),
        started.elapsed().as_secs_f64()
    );
    for (name, [calls, ok]) in stats.borrow().iter() {
        if name.starts_with("event ") {
            eprintln!("  {name:<56} {ok:>6}");
        } else {
            eprintln!("  {name:<56} {ok:>6} / {calls}");
        }
    }
    result.map_err(|err| format!("{} invariant property failed: {err}", G::NAME).into())
}

// -------------------------------------------------------------------------------------------------
// Shared helpers of the games
// -------------------------------------------------------------------------------------------------

/// Who sends a call: the natural sender (the owner) or any account.
#[derive(Clone, Copy, Debug)]
enum Who {
    Owner,
    Any(usize),
}

fn who_strategy() -> impl Strategy<Value = Who> {
    prop_oneof![5 => Just(Who::Owner), 1 => (0..=USERS).prop_map(Who::Any)]
}

impl Who {
    /// The sender: `owner`, or account `index`; an owner that is no account (zero) sends from
    /// the operator's account.
    fn resolve(self, book: &Book, owner: Address) -> Address {
        match self {
            Self::Owner if book.accounts.contains(&owner) => owner,
            Self::Owner => book.operator(),
            Self::Any(index) => book.account(index),
        }
    }
}

/// A corruption of otherwise valid evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Corrupt {
    None,
    Proof,
    Sig,
    Bond,
}

fn corrupt_strategy() -> impl Strategy<Value = Corrupt> {
    prop_oneof![12 => Just(Corrupt::None), 1 => Just(Corrupt::Proof), 1 => Just(Corrupt::Sig), 1 => Just(Corrupt::Bond)]
}

/// Picks by `index` among `fitting` (indices into a collection of `len` things that suit the
/// action); one time in eight, or when nothing fits, any of the `len` (`None` when nothing fits
/// and this is not that time, so that the action is skipped rather than sent to fail).
fn pick(index: usize, fitting: Vec<usize>, len: usize) -> Option<usize> {
    if index.is_multiple_of(8) {
        return (len != 0).then(|| index / 8 % len);
    }
    fitting.get(index / 8 % fitting.len().max(1)).copied()
}

/// `bytes` with one bit flipped (by `seed`), or unchanged if empty.
fn flip(bytes: &[u8], seed: usize) -> Bytes {
    let mut out = bytes.to_vec();
    if !out.is_empty() {
        let bit = seed % (out.len() * 8);
        out[bit / 8] ^= 1 << (bit % 8);
    }
    out.into()
}

/// `len` pseudo-random bytes from `seed`.
fn noise(seed: u64, len: usize) -> Bytes {
    let mut out = Vec::with_capacity(len + 32);
    let mut word = keccak256(seed.to_be_bytes());
    while out.len() < len {
        out.extend_from_slice(word.as_slice());
        word = keccak256(word);
    }
    out.truncate(len);
    out.into()
}

/// `utxoPos = blknum · 1e9 + txindex · 1e4 + oindex`.
fn pos(blknum: u64, txindex: u64, oindex: u64) -> U256 {
    U256::from(blknum) * U256::from(1_000_000_000u64) + U256::from(txindex * 10_000 + oindex)
}

/// The block number a `BlockSubmitted` in `receipt` names.
fn submitted(receipt: &Receipt) -> Option<u64> {
    receipt.logs.iter().find_map(|log| Fw::BlockSubmitted::decode_log(log).ok()).map(|event| event.blknum.to::<u64>())
}

/// The index of `who` among the users (the key that signs for it), if it is one.
fn user_index(book: &Book, who: Address) -> Option<usize> {
    book.accounts[1..].iter().position(|account| *account == who)
}

/// A deposit the model knows.
#[derive(Clone, Copy, Debug)]
struct Deposit {
    blknum: u64,
    owner: usize,
    amount: U256,
}

sol! {
    /// What an MVP input owner signs once the transaction is in the block with `blockRoot`.
    struct Confirmation {
        bytes32 txHash;
        bytes32 blockRoot;
    }
}

// =================================================================================================
// MVP
// =================================================================================================

mod mvp {
    //! The MVP property: a model of deposits, blocks of signed two-in/two-out payments (some
    //! printing money or signed by the wrong key) and started exits; actions start standard and
    //! deposit exits (with confirmation signatures), challenge them with included spends, and send
    //! made-up evidence.

    use super::*;
    use plasma_contracts::{MvpExitGame as Contract, MvpTx::Transaction};
    use plasma_core::{BinaryTree, SigningKey};
    use plasma_integration_tests::MvpDeployment;

    const BOND: u64 = 10 * MILLI_ETH;

    /// A transaction of a block: which inputs (of the model's outputs), which owners, how the
    /// amount splits, and whether it prints money or is signed by the wrong key.
    #[derive(Clone, Debug)]
    pub struct TxSpec {
        in0: usize,
        in1: Option<usize>,
        owner0: usize,
        owner1: Option<usize>,
        split: u8,
        inflate: bool,
        wrong_signer: bool,
    }

    #[derive(Clone, Debug)]
    pub enum Action {
        /// The operator submits a block holding these transactions.
        Block { txs: Vec<TxSpec> },
        /// A standard exit of a transaction output.
        Exit { output: usize, sender: Who, corrupt: Corrupt },
        /// A deposit exit.
        DepositExit { deposit: usize, sender: Who, bad_amount: bool },
        /// A challenge of a started exit with an included spend.
        Challenge { exit: usize, spend: usize, challenger: usize, corrupt: Corrupt },
        /// An exit or challenge with made-up evidence.
        Forged { exit: bool, block: usize, txindex: u16, seed: u64, from: usize },
    }

    fn tx_spec() -> impl Strategy<Value = TxSpec> {
        (
            any::<usize>(),
            proptest::option::weighted(0.3, any::<usize>()),
            0..USERS,
            proptest::option::weighted(0.5, 0..USERS),
            prop_oneof![8 => 1u8..100, 1 => Just(0u8), 1 => Just(100u8)],
            proptest::bool::weighted(0.1),
            proptest::bool::weighted(0.1),
        )
            .prop_map(|(in0, in1, owner0, owner1, split, inflate, wrong_signer)| TxSpec {
                in0,
                in1,
                owner0,
                owner1,
                split,
                inflate,
                wrong_signer,
            })
    }

    /// A signed transaction in a block.
    struct Signed {
        tx: Transaction,
        hash: B256,
        sigs: Bytes,
        /// The users whose keys signed each used input slot.
        signers: Vec<usize>,
    }

    struct Block {
        blknum: u64,
        root: B256,
        tree: BinaryTree,
        txs: Vec<Signed>,
    }

    /// An output of a transaction in a block.
    struct Output {
        block: usize,
        txindex: usize,
        oindex: u64,
    }

    pub struct Mvp {
        t: MvpDeployment,
        deposits: Vec<Deposit>,
        outputs: Vec<Output>,
        blocks: Vec<Block>,
        /// Started exits: position and owner.
        exits: Vec<(U256, Address)>,
    }

    impl Mvp {
        fn key(&self, user: usize) -> &SigningKey {
            &self.t.keys[user % USERS]
        }

        /// Output `index` of the deposits followed by the transaction outputs: position, owning
        /// user, amount.
        fn input(&self, index: usize) -> Option<(U256, usize, U256)> {
            let count = self.deposits.len() + self.outputs.len();
            if count == 0 {
                return None;
            }
            let index = index % count;
            if let Some(deposit) = self.deposits.get(index) {
                return Some((pos(deposit.blknum, 0, 0), deposit.owner, deposit.amount));
            }
            let output = &self.outputs[index - self.deposits.len()];
            let block = &self.blocks[output.block];
            let tx = &block.txs[output.txindex].tx;
            let (owner, amount) = if output.oindex == 0 { (tx.owner0, tx.amount0) } else { (tx.owner1, tx.amount1) };
            let owner = self.t.users.iter().position(|user| *user == owner).unwrap_or(0);
            Some((pos(block.blknum, output.txindex as u64, output.oindex), owner, amount))
        }

        fn sign(&self, spec: &TxSpec) -> Option<Signed> {
            let (in0, owner_in0, amount_in0) = self.input(spec.in0)?;
            let second = spec.in1.and_then(|index| self.input(index)).filter(|(input, ..)| *input != in0);
            let mut total = amount_in0 + second.map_or(U256::ZERO, |(_, _, amount)| amount);
            if spec.inflate {
                total = total * U256::from(2) + U256::from(1);
            }
            let amount0 = total * U256::from(spec.split) / U256::from(100);
            let (owner1, amount1) = match spec.owner1 {
                Some(owner) => (self.t.users[owner], total - amount0),
                None => (Address::ZERO, U256::ZERO),
            };
            let tx = Transaction {
                input0: in0,
                input1: second.map_or(U256::ZERO, |(input, ..)| input),
                owner0: self.t.users[spec.owner0],
                amount0,
                owner1,
                amount1,
            };
            let shift = usize::from(spec.wrong_signer);
            let mut signers = vec![owner_in0 + shift];
            if let Some((_, owner, _)) = second {
                signers.push(owner + shift);
            }
            let domain = self.t.domain();
            let hash = domain.hash_typed(&tx);
            let mut sigs = vec![0u8; 130];
            for (slot, signer) in signers.iter().enumerate() {
                sigs[slot * 65..(slot + 1) * 65].copy_from_slice(&self.key(*signer).sign_digest(hash).to_bytes());
            }
            Some(Signed { tx, hash, sigs: sigs.into(), signers })
        }

        fn confirm(&self, signer: usize, hash: B256, root: B256) -> [u8; 65] {
            let message = Confirmation { txHash: hash, blockRoot: root };
            self.key(signer).sign_typed(&self.t.domain(), &message).to_bytes()
        }

        async fn block(&mut self, book: &mut Book, specs: &[TxSpec]) -> TestResult {
            let txs: Vec<Signed> = specs.iter().filter_map(|spec| self.sign(spec)).collect();
            let leaves: Vec<B256> =
                txs.iter().map(|signed| keccak256([signed.hash.as_slice(), &signed.sigs].concat())).collect();
            let tree = BinaryTree::from_leaves(&leaves)?;
            let root = tree.root();
            let operator = book.operator();
            let framework = book.framework;
            let receipt =
                book.call(self.t.chain.as_mut(), operator, framework, Fw::submitBlockCall { root }, U256::ZERO).await?;
            let Some(blknum) = submitted(&receipt) else { return Ok(()) };
            let block = self.blocks.len();
            for (txindex, signed) in txs.iter().enumerate() {
                self.outputs.push(Output { block, txindex, oindex: 0 });
                if signed.tx.owner1 != Address::ZERO {
                    self.outputs.push(Output { block, txindex, oindex: 1 });
                }
            }
            self.blocks.push(Block { blknum, root, tree, txs });
            Ok(())
        }

        async fn exit(&mut self, book: &mut Book, output: usize, sender: Who, corrupt: Corrupt) -> TestResult {
            if self.outputs.is_empty() {
                return Ok(());
            }
            let output = &self.outputs[output % self.outputs.len()];
            let block = &self.blocks[output.block];
            let signed = &block.txs[output.txindex];
            let mut confirms = vec![0u8; 130];
            for (slot, signer) in signed.signers.iter().enumerate() {
                confirms[slot * 65..(slot + 1) * 65].copy_from_slice(&self.confirm(*signer, signed.hash, block.root));
            }
            let proof = block.tree.proof(output.txindex as u64)?.to_bytes();
            let owner = if output.oindex == 0 { signed.tx.owner0 } else { signed.tx.owner1 };
            let utxo_pos = pos(block.blknum, output.txindex as u64, output.oindex);
            let call = Contract::startExitCall {
                utxoPos: utxo_pos,
                transaction: signed.tx.clone(),
                sigs: signed.sigs.clone(),
                proof: if corrupt == Corrupt::Proof { flip(&proof, output.txindex) } else { proof },
                confirmSigs: if corrupt == Corrupt::Sig { flip(&confirms, 7) } else { confirms.into() },
            };
            let value = U256::from(BOND + u64::from(corrupt == Corrupt::Bond));
            let from = sender.resolve(book, owner);
            let game = book.game;
            let receipt = book.call(self.t.chain.as_mut(), from, game, call, value).await?;
            if receipt.success {
                self.exits.push((utxo_pos, from));
            }
            Ok(())
        }

        async fn deposit_exit(&mut self, book: &mut Book, deposit: usize, sender: Who, bad_amount: bool) -> TestResult {
            if self.deposits.is_empty() {
                return Ok(());
            }
            let deposit = self.deposits[deposit % self.deposits.len()];
            let amount = deposit.amount + U256::from(u8::from(bad_amount));
            let call = Contract::startDepositExitCall { depositBlknum: U256::from(deposit.blknum), amount };
            let from = sender.resolve(book, self.t.users[deposit.owner]);
            let game = book.game;
            let receipt = book.call(self.t.chain.as_mut(), from, game, call, U256::from(BOND)).await?;
            if receipt.success {
                self.exits.push((pos(deposit.blknum, 0, 0), from));
            }
            Ok(())
        }

        async fn challenge(
            &mut self,
            book: &mut Book,
            exit: usize,
            spend: usize,
            challenger: usize,
            corrupt: Corrupt,
        ) -> TestResult {
            if self.exits.is_empty() {
                return Ok(());
            }
            let mut open = Vec::new();
            for (i, (utxo_pos, _)) in self.exits.iter().enumerate() {
                let state = self.t.game_view(Contract::exitsCall { utxoPos: *utxo_pos }).await?;
                if state.owner != Address::ZERO && !state.challenged {
                    open.push(i);
                }
            }
            // Mostly open exits; now and then any exit ever started.
            let Some(index) = pick(exit, open, self.exits.len()) else { return Ok(()) };
            let (utxo_pos, owner) = self.exits[index];
            let mut spends = Vec::new();
            for (b, block) in self.blocks.iter().enumerate() {
                for (i, signed) in block.txs.iter().enumerate() {
                    for (slot, input) in [signed.tx.input0, signed.tx.input1].into_iter().enumerate() {
                        if input == utxo_pos {
                            spends.push((b, i, slot));
                        }
                    }
                }
            }
            if spends.is_empty() {
                return Ok(());
            }
            let (b, i, slot) = spends[spend % spends.len()];
            let block = &self.blocks[b];
            let signed = &block.txs[i];
            let owner_key = user_index(book, owner).unwrap_or(0);
            let confirm = self.confirm(owner_key, signed.hash, block.root);
            let proof = block.tree.proof(i as u64)?.to_bytes();
            let call = Contract::challengeExitCall {
                utxoPos: utxo_pos,
                spendingTxPos: pos(block.blknum, i as u64, 0),
                spendingTx: signed.tx.clone(),
                spendingSigs: signed.sigs.clone(),
                inputIndex: U256::from(slot),
                proof: if corrupt == Corrupt::Proof { flip(&proof, i) } else { proof },
                confirmSig: if corrupt == Corrupt::Sig { flip(&confirm, 3) } else { confirm.to_vec().into() },
            };
            let from = book.account(challenger);
            let game = book.game;
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn forged(
            &mut self,
            book: &mut Book,
            exit: bool,
            block: usize,
            txindex: u16,
            seed: u64,
            from: usize,
        ) -> TestResult {
            let blknum = match self.blocks.len() {
                0 => 1000 * (1 + block as u64 % 3),
                len => self.blocks[block % len].blknum,
            };
            let words = noise(seed, 4 * 32);
            let word = |i: usize| U256::from_be_slice(&words[i * 32..(i + 1) * 32]) >> 200;
            let tx = Transaction {
                input0: word(0),
                input1: U256::ZERO,
                owner0: book.account(from),
                amount0: word(1),
                owner1: Address::ZERO,
                amount1: U256::ZERO,
            };
            let from = book.account(from);
            let game = book.game;
            let utxo_pos = pos(blknum, u64::from(txindex), 0);
            if exit {
                let call = Contract::startExitCall {
                    utxoPos: utxo_pos,
                    transaction: tx,
                    sigs: noise(seed + 1, 130),
                    proof: noise(seed + 2, 512),
                    confirmSigs: noise(seed + 3, 130),
                };
                book.forged(self.t.chain.as_mut(), from, game, call, U256::from(BOND)).await?;
            } else {
                let target = self.exits.get(block % self.exits.len().max(1)).map_or(utxo_pos, |exit| exit.0);
                let call = Contract::challengeExitCall {
                    utxoPos: target,
                    spendingTxPos: utxo_pos,
                    spendingTx: Transaction { input0: target, ..tx },
                    spendingSigs: noise(seed + 1, 130),
                    inputIndex: U256::ZERO,
                    proof: noise(seed + 2, 512),
                    confirmSig: noise(seed + 3, 65),
                };
                book.forged(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            }
            Ok(())
        }
    }

    impl Game for Mvp {
        type Action = Action;
        const NAME: &'static str = "MVP";
        const REGRESSIONS: &'static str = "proptest-regressions/invariants-mvp.txt";
        const SELECTORS: &'static [[u8; 4]] = Contract::MvpExitGameCalls::SELECTORS;

        async fn deploy() -> TestResult<Self> {
            let t = MvpDeployment::new("embedded", U256::from(BOND)).await?;
            let sample =
                Transaction { input0: U256::from(1), owner0: t.users[0], amount0: U256::from(2), ..Default::default() };
            if t.game_view(Contract::txHashCall { transaction: sample.clone() }).await?
                != t.domain().hash_typed(&sample)
            {
                return Err("the Rust and Solidity transaction hashes differ".into());
            }
            Ok(Self { t, deposits: Vec::new(), outputs: Vec::new(), blocks: Vec::new(), exits: Vec::new() })
        }

        fn deployed(&mut self) -> &mut Deployed {
            &mut self.t
        }

        fn event_name(topic: [u8; 32]) -> Option<&'static str> {
            Contract::MvpExitGameEvents::name_by_selector(topic)
        }

        fn actions() -> BoxedStrategy<Action> {
            prop_oneof![
                4 => proptest::collection::vec(tx_spec(), 0..4).prop_map(|txs| Action::Block { txs }),
                4 => (any::<usize>(), who_strategy(), corrupt_strategy())
                    .prop_map(|(output, sender, corrupt)| Action::Exit { output, sender, corrupt }),
                3 => (any::<usize>(), who_strategy(), proptest::bool::weighted(0.1))
                    .prop_map(|(deposit, sender, bad_amount)| Action::DepositExit { deposit, sender, bad_amount }),
                4 => (any::<usize>(), any::<usize>(), 0..=USERS, corrupt_strategy()).prop_map(
                    |(exit, spend, challenger, corrupt)| Action::Challenge { exit, spend, challenger, corrupt }
                ),
                1 => (any::<bool>(), any::<usize>(), 0u16..4, any::<u64>(), 0..=USERS)
                    .prop_map(|(exit, block, txindex, seed, from)| Action::Forged { exit, block, txindex, seed, from }),
            ]
            .boxed()
        }

        fn on_deposit(&mut self, blknum: u64, owner: usize, amount: U256) {
            self.deposits.push(Deposit { blknum, owner, amount });
        }

        async fn apply(&mut self, book: &mut Book, action: &Action) -> TestResult {
            match action {
                Action::Block { txs } => self.block(book, txs).await,
                Action::Exit { output, sender, corrupt } => self.exit(book, *output, *sender, *corrupt).await,
                Action::DepositExit { deposit, sender, bad_amount } => {
                    self.deposit_exit(book, *deposit, *sender, *bad_amount).await
                }
                Action::Challenge { exit, spend, challenger, corrupt } => {
                    self.challenge(book, *exit, *spend, *challenger, *corrupt).await
                }
                Action::Forged { exit, block, txindex, seed, from } => {
                    self.forged(book, *exit, *block, *txindex, *seed, *from).await
                }
            }
        }
    }
}

#[test]
fn mvp_invariants() -> TestResult {
    property::<mvp::Mvp>()
}

// =================================================================================================
// MoreVP
// =================================================================================================

mod morevp {
    //! The MoreVP property: a model of outputs with their proofs and of signed payments, included
    //! or kept in flight (and included later or twice); actions start standard and deposit exits and
    //! challenge them, start in-flight exits, piggyback inputs and outputs, play the canonicity game,
    //! challenge spent piggybacks, delete unpiggybacked IFEs, and send made-up evidence.

    use super::*;
    use plasma_contracts::{MoreVpExitGame as Contract, MoreVpTx::PaymentTx};
    use plasma_core::BinaryTree;
    use plasma_integration_tests::{MoreVpDeployment, morevp_payment as payment};

    /// A payment: inputs (indices of the model's outputs), outputs (owner, weight of the total),
    /// whether it prints money, is signed by the wrong keys, and goes in the block (or stays in
    /// flight).
    #[derive(Clone, Debug)]
    pub struct TxSpec {
        inputs: Vec<usize>,
        outputs: Vec<(usize, u8)>,
        inflate: bool,
        wrong_signer: bool,
        include: bool,
    }

    #[derive(Clone, Debug)]
    pub enum Action {
        /// The operator submits a block with new payments (those not `include`d stay in flight)
        /// and, maybe, a payment known before (a withheld one, or one included again).
        Block { txs: Vec<TxSpec>, again: Option<usize> },
        /// A standard exit of an output (a deposit exit for a deposit).
        StandardExit { output: usize, sender: Who, corrupt: Corrupt },
        /// A challenge of a standard exit with a payment that spends the output.
        ChallengeStandard { exit: usize, spend: usize, challenger: usize },
        /// An in-flight exit of a known payment.
        StartIfe { tx: usize, sender: usize, corrupt: Corrupt },
        /// A piggyback on an input (`output == false`) or an output of an IFE.
        Piggyback { ife: usize, output: bool, index: u8, sender: Who },
        /// A canonicity challenge with a competitor (included, or shown in flight).
        NotCanonical { ife: usize, input: u8, competitor: usize, in_flight: bool, challenger: usize },
        /// The answer to a canonicity challenge: the IFE's payment is included.
        Respond { ife: usize, responder: usize },
        /// A piggybacked input spent by another payment.
        InputSpent { ife: usize, input: u8, spend: usize, challenger: usize },
        /// A piggybacked output spent by a payment.
        OutputSpent { ife: usize, output: u8, spend: usize, challenger: usize },
        /// Deletion of an IFE nobody piggybacked.
        Delete { ife: usize, sender: usize },
        /// A standard exit or an IFE with made-up evidence.
        Forged { ife: bool, block: usize, seed: u64, from: usize },
    }

    fn tx_spec() -> impl Strategy<Value = TxSpec> {
        (
            proptest::collection::vec(any::<usize>(), 1..=4),
            proptest::collection::vec((0..USERS, 1u8..=10), 1..=4),
            proptest::bool::weighted(0.1),
            proptest::bool::weighted(0.1),
            proptest::bool::weighted(0.8),
        )
            .prop_map(|(inputs, outputs, inflate, wrong_signer, include)| TxSpec {
                inputs,
                outputs,
                inflate,
                wrong_signer,
                include,
            })
    }

    /// An output the model can prove as an input: position, owner, amount and proof.
    struct Output {
        pos: U256,
        owner: Address,
        amount: U256,
        source: Contract::InputProof,
    }

    /// A signed payment, with where it was first included.
    struct Known {
        tx: PaymentTx,
        hash: B256,
        sigs: Vec<Bytes>,
        included: Option<(U256, Bytes)>,
    }

    pub struct MoreVp {
        t: MoreVpDeployment,
        outputs: Vec<Output>,
        txs: Vec<Known>,
        /// Started standard exits: position and owner.
        exits: Vec<(U256, Address)>,
        /// Payments with an IFE started (indices into `txs`).
        ifes: Vec<usize>,
    }

    fn inputs_of(tx: &PaymentTx) -> [U256; 4] {
        [tx.input0, tx.input1, tx.input2, tx.input3]
    }

    fn outputs_of(tx: &PaymentTx) -> [(Address, U256); 4] {
        [(tx.owner0, tx.amount0), (tx.owner1, tx.amount1), (tx.owner2, tx.amount2), (tx.owner3, tx.amount3)]
    }

    impl MoreVp {
        fn output_at(&self, utxo_pos: U256) -> Option<&Output> {
            self.outputs.iter().find(|output| output.pos == utxo_pos)
        }

        /// `who`'s signature of `hash` (a made-up key for an account that is no user).
        fn sig(&self, book: &Book, who: Address, hash: B256) -> Bytes {
            let key = user_index(book, who).unwrap_or(0) + usize::from(user_index(book, who).is_none());
            self.t.keys[key % self.t.keys.len()].sign_digest(hash).to_bytes().to_vec().into()
        }

        fn sign(&self, book: &Book, spec: &TxSpec) -> Option<Known> {
            if self.outputs.is_empty() {
                return None;
            }
            let mut inputs: Vec<&Output> = Vec::new();
            for index in &spec.inputs {
                let output = &self.outputs[index % self.outputs.len()];
                if inputs.iter().all(|input| input.pos != output.pos) {
                    inputs.push(output);
                }
            }
            let mut total = inputs.iter().fold(U256::ZERO, |sum, input| sum + input.amount);
            if spec.inflate {
                total = total * U256::from(2) + U256::from(1);
            }
            let weights: u64 = spec.outputs.iter().map(|(_, weight)| u64::from(*weight)).sum();
            let outputs: Vec<(Address, U256)> = spec
                .outputs
                .iter()
                .map(|(owner, weight)| (book.user(*owner), total * U256::from(*weight) / U256::from(weights)))
                .collect();
            let positions: Vec<U256> = inputs.iter().map(|input| input.pos).collect();
            let tx = payment(&positions, &outputs);
            let hash = self.t.domain().hash_typed(&tx);
            let sigs = inputs
                .iter()
                .map(|input| {
                    let signer = if spec.wrong_signer {
                        book.user(user_index(book, input.owner).map_or(0, |i| i + 1))
                    } else {
                        input.owner
                    };
                    self.sig(book, signer, hash)
                })
                .collect();
            Some(Known { tx, hash, sigs, included: None })
        }

        async fn block(&mut self, book: &mut Book, specs: &[TxSpec], again: Option<usize>) -> TestResult {
            let mut fresh: Vec<Known> = specs.iter().filter_map(|spec| self.sign(book, spec)).collect();
            let mut leaves: Vec<(Option<usize>, B256)> = Vec::new();
            for (spec, known) in specs.iter().zip(&fresh) {
                if spec.include {
                    leaves.push((None, known.hash));
                }
            }
            if let Some(index) = again.filter(|_| !self.txs.is_empty()).map(|index| index % self.txs.len()) {
                leaves.push((Some(index), self.txs[index].hash));
            }
            let hashes: Vec<B256> = leaves.iter().map(|(_, hash)| *hash).collect();
            let tree = BinaryTree::from_leaves(&hashes)?;
            let (operator, framework) = (book.operator(), book.framework);
            let root = tree.root();
            let receipt =
                book.call(self.t.chain.as_mut(), operator, framework, Fw::submitBlockCall { root }, U256::ZERO).await?;
            let Some(blknum) = submitted(&receipt) else { return Ok(()) };
            let first = self.txs.len();
            self.txs.append(&mut fresh);
            for (txindex, (old, hash)) in leaves.iter().enumerate() {
                let index =
                    old.unwrap_or_else(|| first + self.txs[first..].iter().position(|k| k.hash == *hash).unwrap_or(0));
                let proof = tree.proof(txindex as u64)?.to_bytes();
                let known = &mut self.txs[index];
                if known.included.is_some() {
                    continue;
                }
                known.included = Some((pos(blknum, txindex as u64, 0), proof.clone()));
                let tx = known.tx.clone();
                for (oindex, (owner, amount)) in outputs_of(&tx).into_iter().enumerate() {
                    if owner != Address::ZERO {
                        let source = Contract::InputProof { tx: tx.clone(), proof: proof.clone() };
                        self.outputs.push(Output {
                            pos: pos(blknum, txindex as u64, oindex as u64),
                            owner,
                            amount,
                            source,
                        });
                    }
                }
            }
            Ok(())
        }

        async fn standard_exit(&mut self, book: &mut Book, output: usize, sender: Who, corrupt: Corrupt) -> TestResult {
            if self.outputs.is_empty() {
                return Ok(());
            }
            let output = &self.outputs[output % self.outputs.len()];
            let from = sender.resolve(book, output.owner);
            let value = U256::from(MoreVpDeployment::BONDS[0] + u64::from(corrupt == Corrupt::Bond));
            let blknum = (output.pos / U256::from(1_000_000_000u64)).to::<u64>();
            let data = if !blknum.is_multiple_of(1000) {
                let amount = output.amount + U256::from(u8::from(corrupt == Corrupt::Sig));
                Contract::startDepositExitCall { depositBlknum: U256::from(blknum), amount }.abi_encode()
            } else {
                let proof = &output.source.proof;
                Contract::startStandardExitCall {
                    utxoPos: output.pos,
                    transaction: output.source.tx.clone(),
                    proof: if corrupt == Corrupt::Proof { flip(proof, blknum as usize) } else { proof.clone() },
                }
                .abi_encode()
            };
            let utxo_pos = output.pos;
            let game = book.game;
            let receipt = book.send(self.t.chain.as_mut(), from, game, data, value, "").await?;
            if receipt.success {
                self.exits.push((utxo_pos, from));
            }
            Ok(())
        }

        /// Known payments other than `except` that spend `utxo_pos`: (payment, input slot).
        fn spends_of(&self, utxo_pos: U256, except: Option<B256>) -> Vec<(usize, u8)> {
            let mut spends = Vec::new();
            for (index, known) in self.txs.iter().enumerate() {
                if Some(known.hash) == except {
                    continue;
                }
                for (slot, input) in inputs_of(&known.tx).into_iter().enumerate() {
                    if input == utxo_pos {
                        spends.push((index, slot as u8));
                    }
                }
            }
            spends
        }

        async fn challenge_standard(
            &mut self,
            book: &mut Book,
            exit: usize,
            spend: usize,
            challenger: usize,
        ) -> TestResult {
            let mut open = Vec::new();
            for (i, (utxo_pos, _)) in self.exits.iter().enumerate() {
                if self.t.game_view(Contract::standardExitsCall { utxoPos: *utxo_pos }).await?.owner != Address::ZERO {
                    open.push(i);
                }
            }
            let Some(index) = pick(exit, open, self.exits.len()) else { return Ok(()) };
            let utxo_pos = self.exits[index].0;
            let spends = self.spends_of(utxo_pos, None);
            let Some(&(index, slot)) = spends.get(spend % spends.len().max(1)) else { return Ok(()) };
            let known = &self.txs[index];
            let call = Contract::challengeStandardExitCall {
                utxoPos: utxo_pos,
                spendingTx: known.tx.clone(),
                inputIndex: slot,
                sig: known.sigs[usize::from(slot)].clone(),
            };
            let (from, game) = (book.account(challenger), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn start_ife(&mut self, book: &mut Book, tx: usize, sender: usize, corrupt: Corrupt) -> TestResult {
            if self.txs.is_empty() {
                return Ok(());
            }
            let index = tx % self.txs.len();
            let known = &self.txs[index];
            let mut input_txs = Vec::new();
            for input in inputs_of(&known.tx).into_iter().filter(|input| !input.is_zero()) {
                match self.output_at(input) {
                    Some(output) => input_txs.push(output.source.clone()),
                    None => return Ok(()),
                }
            }
            if corrupt == Corrupt::Proof
                && let Some(first) = input_txs.first_mut()
            {
                first.proof = flip(&first.proof, index);
            }
            let mut sigs: Vec<u8> = known.sigs.iter().flat_map(|sig| sig.to_vec()).collect();
            if corrupt == Corrupt::Sig {
                sigs = flip(&sigs, 5).to_vec();
            }
            let call = Contract::startInFlightExitCall {
                transaction: known.tx.clone(),
                sigs: sigs.into(),
                inputTxs: input_txs,
            };
            let value = U256::from(MoreVpDeployment::BONDS[1] + u64::from(corrupt == Corrupt::Bond));
            let (from, game) = (book.account(sender), book.game);
            let receipt = book.call(self.t.chain.as_mut(), from, game, call, value).await?;
            if receipt.success {
                self.ifes.push(index);
            }
            Ok(())
        }

        /// An IFE by index: mostly one still open, now and then any ever started.
        async fn pick_ife(&self, ife: usize) -> TestResult<Option<usize>> {
            let mut open = Vec::new();
            for (i, index) in self.ifes.iter().enumerate() {
                let state = self.t.game_view(Contract::inFlightExitCall { hash: self.txs[*index].hash }).await?;
                if state.bondOwner != Address::ZERO {
                    open.push(i);
                }
            }
            Ok(pick(ife, open, self.ifes.len()).map(|i| self.ifes[i]))
        }

        async fn piggyback(&mut self, book: &mut Book, ife: usize, output: bool, index: u8, sender: Who) -> TestResult {
            let Some(tx) = self.pick_ife(ife).await? else { return Ok(()) };
            let known = &self.txs[tx];
            let (data, owner) = if output {
                let used = outputs_of(&known.tx).iter().filter(|(owner, _)| *owner != Address::ZERO).count().max(1);
                let index = index % used as u8;
                let owner = outputs_of(&known.tx)[usize::from(index)].0;
                let call =
                    Contract::piggybackInFlightExitOnOutputCall { transaction: known.tx.clone(), outputIndex: index };
                (call.abi_encode(), owner)
            } else {
                let used = inputs_of(&known.tx).iter().filter(|input| !input.is_zero()).count().max(1);
                let index = index % used as u8;
                let owner = self.output_at(inputs_of(&known.tx)[usize::from(index)]).map_or(Address::ZERO, |o| o.owner);
                let call =
                    Contract::piggybackInFlightExitOnInputCall { transaction: known.tx.clone(), inputIndex: index };
                (call.abi_encode(), owner)
            };
            let from = sender.resolve(book, owner);
            let (game, value) = (book.game, U256::from(MoreVpDeployment::BONDS[2]));
            book.send(self.t.chain.as_mut(), from, game, data, value, "").await?;
            Ok(())
        }

        async fn not_canonical(
            &mut self,
            book: &mut Book,
            ife: usize,
            input: u8,
            competitor: usize,
            in_flight: bool,
            challenger: usize,
        ) -> TestResult {
            let Some(tx) = self.pick_ife(ife).await? else { return Ok(()) };
            let known = &self.txs[tx];
            let used = inputs_of(&known.tx).iter().filter(|input| !input.is_zero()).count().max(1);
            let input = input % used as u8;
            let spends = self.spends_of(inputs_of(&known.tx)[usize::from(input)], Some(known.hash));
            let Some(&(other, slot)) = spends.get(competitor % spends.len().max(1)) else { return Ok(()) };
            let competing = &self.txs[other];
            let (position, proof) = match (&competing.included, in_flight) {
                (Some((position, proof)), false) => (*position, proof.clone()),
                _ => (U256::ZERO, Bytes::new()),
            };
            let call = Contract::challengeInFlightExitNotCanonicalCall {
                transaction: known.tx.clone(),
                inputIndex: input,
                competingTx: competing.tx.clone(),
                competingInputIndex: slot,
                competingTxPos: position,
                competingProof: proof,
                competingSig: competing.sigs[usize::from(slot)].clone(),
            };
            let (from, game) = (book.account(challenger), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn respond(&mut self, book: &mut Book, ife: usize, responder: usize) -> TestResult {
            let Some(tx) = self.pick_ife(ife).await? else { return Ok(()) };
            let known = &self.txs[tx];
            let Some((tx_pos, proof)) = known.included.clone() else { return Ok(()) };
            let call =
                Contract::respondToNonCanonicalChallengeCall { transaction: known.tx.clone(), txPos: tx_pos, proof };
            let (from, game) = (book.account(responder), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn input_spent(
            &mut self,
            book: &mut Book,
            ife: usize,
            input: u8,
            spend: usize,
            challenger: usize,
        ) -> TestResult {
            let Some(tx) = self.pick_ife(ife).await? else { return Ok(()) };
            let known = &self.txs[tx];
            let used = inputs_of(&known.tx).iter().filter(|input| !input.is_zero()).count().max(1);
            let input = input % used as u8;
            let spends = self.spends_of(inputs_of(&known.tx)[usize::from(input)], Some(known.hash));
            let Some(&(other, slot)) = spends.get(spend % spends.len().max(1)) else { return Ok(()) };
            let spending = &self.txs[other];
            let call = Contract::challengeInFlightExitInputSpentCall {
                transaction: known.tx.clone(),
                inputIndex: input,
                spendingTx: spending.tx.clone(),
                spendingInputIndex: slot,
                spendingSig: spending.sigs[usize::from(slot)].clone(),
            };
            let (from, game) = (book.account(challenger), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn output_spent(
            &mut self,
            book: &mut Book,
            ife: usize,
            output: u8,
            spend: usize,
            challenger: usize,
        ) -> TestResult {
            let Some(tx) = self.pick_ife(ife).await? else { return Ok(()) };
            let known = &self.txs[tx];
            let Some((tx_pos, proof)) = known.included.clone() else { return Ok(()) };
            let used = outputs_of(&known.tx).iter().filter(|(owner, _)| *owner != Address::ZERO).count().max(1);
            let output = output % used as u8;
            let spends = self.spends_of(tx_pos + U256::from(output), None);
            let Some(&(other, slot)) = spends.get(spend % spends.len().max(1)) else { return Ok(()) };
            let spending = &self.txs[other];
            let call = Contract::challengeInFlightExitOutputSpentCall {
                transaction: known.tx.clone(),
                txPos: tx_pos,
                proof,
                outputIndex: output,
                spendingTx: spending.tx.clone(),
                spendingInputIndex: slot,
                spendingSig: spending.sigs[usize::from(slot)].clone(),
            };
            let (from, game) = (book.account(challenger), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn delete(&mut self, book: &mut Book, ife: usize, sender: usize) -> TestResult {
            let Some(tx) = self.pick_ife(ife).await? else { return Ok(()) };
            let call = Contract::deleteNonPiggybackedInFlightExitCall { transaction: self.txs[tx].tx.clone() };
            let (from, game) = (book.account(sender), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn forged(&mut self, book: &mut Book, ife: bool, block: usize, seed: u64, from: usize) -> TestResult {
            let blknum = 1000 * (1 + block as u64 % 4);
            let words = noise(seed, 3 * 32);
            let word = |i: usize| U256::from_be_slice(&words[i * 32..(i + 1) * 32]) >> 180;
            let from = book.account(from);
            let input = self.outputs.get(block % self.outputs.len().max(1)).map_or(word(0), |output| output.pos);
            let tx = payment(&[input], &[(from, word(1))]);
            let game = book.game;
            if ife {
                let source = Contract::InputProof { tx: payment(&[], &[(from, word(2))]), proof: noise(seed + 1, 512) };
                let call = Contract::startInFlightExitCall {
                    transaction: tx,
                    sigs: noise(seed + 2, 65),
                    inputTxs: vec![source],
                };
                let value = U256::from(MoreVpDeployment::BONDS[1]);
                book.forged(self.t.chain.as_mut(), from, game, call, value).await?;
            } else {
                let call = Contract::startStandardExitCall {
                    utxoPos: pos(blknum, 0, 0),
                    transaction: tx,
                    proof: noise(seed + 1, 512),
                };
                let value = U256::from(MoreVpDeployment::BONDS[0]);
                book.forged(self.t.chain.as_mut(), from, game, call, value).await?;
            }
            Ok(())
        }
    }

    impl Game for MoreVp {
        type Action = Action;
        const NAME: &'static str = "MoreVP";
        const REGRESSIONS: &'static str = "proptest-regressions/invariants-morevp.txt";
        const SELECTORS: &'static [[u8; 4]] = Contract::MoreVpExitGameCalls::SELECTORS;

        async fn deploy() -> TestResult<Self> {
            let t = MoreVpDeployment::new("embedded").await?;
            let sample = payment(&[U256::from(1)], &[(t.users[0], U256::from(2))]);
            if t.game_view(Contract::txHashCall { transaction: sample.clone() }).await?
                != t.domain().hash_typed(&sample)
            {
                return Err("the Rust and Solidity payment hashes differ".into());
            }
            Ok(Self { t, outputs: Vec::new(), txs: Vec::new(), exits: Vec::new(), ifes: Vec::new() })
        }

        fn deployed(&mut self) -> &mut Deployed {
            &mut self.t
        }

        fn event_name(topic: [u8; 32]) -> Option<&'static str> {
            Contract::MoreVpExitGameEvents::name_by_selector(topic)
        }

        fn actions() -> BoxedStrategy<Action> {
            let index = || any::<usize>();
            prop_oneof![
                4 => (proptest::collection::vec(tx_spec(), 0..4), proptest::option::weighted(0.3, index()))
                    .prop_map(|(txs, again)| Action::Block { txs, again }),
                3 => (index(), who_strategy(), corrupt_strategy())
                    .prop_map(|(output, sender, corrupt)| Action::StandardExit { output, sender, corrupt }),
                2 => (index(), index(), 0..=USERS)
                    .prop_map(|(exit, spend, challenger)| Action::ChallengeStandard { exit, spend, challenger }),
                3 => (index(), 0..=USERS, corrupt_strategy())
                    .prop_map(|(tx, sender, corrupt)| Action::StartIfe { tx, sender, corrupt }),
                4 => (index(), any::<bool>(), 0u8..4, who_strategy())
                    .prop_map(|(ife, output, index, sender)| Action::Piggyback { ife, output, index, sender }),
                2 => (index(), 0u8..4, index(), proptest::bool::weighted(0.3), 0..=USERS).prop_map(
                    |(ife, input, competitor, in_flight, challenger)| Action::NotCanonical {
                        ife,
                        input,
                        competitor,
                        in_flight,
                        challenger
                    }
                ),
                2 => (index(), 0..=USERS).prop_map(|(ife, responder)| Action::Respond { ife, responder }),
                1 => (index(), 0u8..4, index(), 0..=USERS)
                    .prop_map(|(ife, input, spend, challenger)| Action::InputSpent { ife, input, spend, challenger }),
                1 => (index(), 0u8..4, index(), 0..=USERS).prop_map(|(ife, output, spend, challenger)| {
                    Action::OutputSpent { ife, output, spend, challenger }
                }),
                1 => (index(), 0..=USERS).prop_map(|(ife, sender)| Action::Delete { ife, sender }),
                1 => (any::<bool>(), index(), any::<u64>(), 0..=USERS)
                    .prop_map(|(ife, block, seed, from)| Action::Forged { ife, block, seed, from }),
            ]
            .boxed()
        }

        fn on_deposit(&mut self, blknum: u64, user: usize, amount: U256) {
            let owner = self.t.users[user];
            let source = Contract::InputProof { tx: payment(&[], &[(owner, amount)]), proof: Bytes::new() };
            self.outputs.push(Output { pos: pos(blknum, 0, 0), owner, amount, source });
        }

        async fn apply(&mut self, book: &mut Book, action: &Action) -> TestResult {
            match action {
                Action::Block { txs, again } => self.block(book, txs, *again).await,
                Action::StandardExit { output, sender, corrupt } => {
                    self.standard_exit(book, *output, *sender, *corrupt).await
                }
                Action::ChallengeStandard { exit, spend, challenger } => {
                    self.challenge_standard(book, *exit, *spend, *challenger).await
                }
                Action::StartIfe { tx, sender, corrupt } => self.start_ife(book, *tx, *sender, *corrupt).await,
                Action::Piggyback { ife, output, index, sender } => {
                    self.piggyback(book, *ife, *output, *index, *sender).await
                }
                Action::NotCanonical { ife, input, competitor, in_flight, challenger } => {
                    self.not_canonical(book, *ife, *input, *competitor, *in_flight, *challenger).await
                }
                Action::Respond { ife, responder } => self.respond(book, *ife, *responder).await,
                Action::InputSpent { ife, input, spend, challenger } => {
                    self.input_spent(book, *ife, *input, *spend, *challenger).await
                }
                Action::OutputSpent { ife, output, spend, challenger } => {
                    self.output_spent(book, *ife, *output, *spend, *challenger).await
                }
                Action::Delete { ife, sender } => self.delete(book, *ife, *sender).await,
                Action::Forged { ife, block, seed, from } => self.forged(book, *ife, *block, *seed, *from).await,
            }
        }
    }
}

#[test]
fn morevp_invariants() -> TestResult {
    property::<morevp::MoreVp>()
}

// =================================================================================================
// The coin family's shared model and actions (Plasma Cash, and the Cash rules of Plasma XT)
// =================================================================================================

mod coins {
    //! The coin family's shared model (coins, their moves in sparse-tree blocks, double spends
    //! included) and the Plasma Cash actions: deposit and move exits, spent, double-spend and
    //! history challenges, responses and made-up evidence. The calls go through the Cash ABI, which
    //! `XtExitGame` shares.

    use super::*;
    use plasma_contracts::CashExitGame::{self as Contract, CashTx, Included};
    use plasma_core::{Domain, SigningKey, SparseTree};

    pub use plasma_integration_tests::Coin;

    /// A transaction of a coin in a submitted block, with its signature.
    #[derive(Clone, Debug)]
    pub struct Moved {
        pub tx: CashTx,
        pub blknum: u64,
        pub sig: Bytes,
    }

    /// A move in a block: coin, which point of its history it spends (the latest when `None`,
    /// any earlier one, a double spend, otherwise), to whom, signed by the right key or not.
    #[derive(Clone, Debug)]
    pub struct MoveSpec {
        coin: usize,
        /// Pick the coin among the moves made so far (longer histories) rather than the coins.
        moved: bool,
        prev: Option<usize>,
        to: usize,
        wrong_signer: bool,
    }

    /// The Plasma Cash actions (XT accepts them too).
    #[derive(Clone, Debug)]
    pub enum Action {
        /// The operator submits a block of moves (one per coin).
        Block { moves: Vec<MoveSpec> },
        /// A deposit exit.
        DepositExit { coin: usize, sender: Who, bad_amount: bool },
        /// An exit of a move (the coin's latest when `exiting` is `None`).
        Exit { coin: usize, exiting: Option<usize>, sender: Who, corrupt: Corrupt },
        /// A spent-coin challenge of an open exit.
        ChallengeSpent { coin: usize, spend: usize, challenger: usize },
        /// A double-spend challenge of an open exit.
        ChallengeDoubleSpend { coin: usize, spend: usize, challenger: usize },
        /// An invalid-history challenge of an open exit.
        ChallengeHistory { coin: usize, earlier: usize, challenger: usize },
        /// The answer to a pending history challenge.
        Respond { coin: usize, challenge: usize, response: usize, responder: Who },
        /// An exit or challenge with made-up evidence.
        Forged { coin: usize, seed: u64, from: usize, kind: u8 },
    }

    fn move_spec() -> impl Strategy<Value = MoveSpec> {
        (
            any::<usize>(),
            any::<bool>(),
            proptest::option::weighted(0.25, any::<usize>()),
            0..USERS,
            proptest::bool::weighted(0.1),
        )
            .prop_map(|(coin, moved, prev, to, wrong_signer)| MoveSpec { coin, moved, prev, to, wrong_signer })
    }

    pub fn actions() -> impl Strategy<Value = Action> {
        let index = || any::<usize>();
        prop_oneof![
            5 => proptest::collection::vec(move_spec(), 0..4).prop_map(|moves| Action::Block { moves }),
            2 => (index(), who_strategy(), proptest::bool::weighted(0.1))
                .prop_map(|(coin, sender, bad_amount)| Action::DepositExit { coin, sender, bad_amount }),
            5 => (index(), proptest::option::weighted(0.3, index()), who_strategy(), corrupt_strategy())
                .prop_map(|(coin, exiting, sender, corrupt)| Action::Exit { coin, exiting, sender, corrupt }),
            2 => (index(), index(), 0..=USERS)
                .prop_map(|(coin, spend, challenger)| Action::ChallengeSpent { coin, spend, challenger }),
            2 => (index(), index(), 0..=USERS)
                .prop_map(|(coin, spend, challenger)| Action::ChallengeDoubleSpend { coin, spend, challenger }),
            4 => (index(), index(), 0..=USERS)
                .prop_map(|(coin, earlier, challenger)| Action::ChallengeHistory { coin, earlier, challenger }),
            4 => (index(), index(), index(), who_strategy()).prop_map(|(coin, challenge, response, responder)| {
                Action::Respond { coin, challenge, response, responder }
            }),
            1 => (index(), any::<u64>(), 0..=USERS, 0u8..3)
                .prop_map(|(coin, seed, from, kind)| Action::Forged { coin, seed, from, kind }),
        ]
    }

    /// What the operator and the users know of the coins.
    pub struct CoinChain {
        pub coins: Vec<Coin>,
        pub moves: Vec<Moved>,
        pub trees: HashMap<u64, SparseTree>,
        pub exit_bond: U256,
        pub challenge_bond: U256,
        pub keys: Vec<SigningKey>,
        pub domain: Domain,
    }

    pub fn none() -> Included {
        Included { tx: CashTx { coinId: 0, prevBlock: 0, newOwner: Address::ZERO }, blknum: 0, proof: Bytes::new() }
    }

    pub fn deposit_form(coin: &Coin) -> Included {
        Included {
            tx: CashTx { coinId: coin.id, prevBlock: 0, newOwner: coin.depositor },
            blknum: coin.id,
            proof: Bytes::new(),
        }
    }

    impl CoinChain {
        pub fn new(deployed: &Deployed, keys: Vec<SigningKey>, exit_bond: U256, challenge_bond: U256) -> Self {
            Self {
                coins: Vec::new(),
                moves: Vec::new(),
                trees: HashMap::new(),
                exit_bond,
                challenge_bond,
                keys,
                domain: deployed.domain(),
            }
        }

        pub fn coin(&self, index: usize) -> Option<Coin> {
            self.coins.get(index % self.coins.len().max(1)).copied()
        }

        /// The moves of `coin`, in block order.
        pub fn moves_of(&self, coin: u64) -> Vec<&Moved> {
            self.moves.iter().filter(|moved| moved.tx.coinId == coin).collect()
        }

        /// The points of `coin`'s history: `(block, owner)` of its deposit and of every move.
        pub fn history(&self, coin: &Coin) -> Vec<(u64, Address)> {
            let mut history = vec![(coin.id, coin.depositor)];
            history.extend(self.moves_of(coin.id).iter().map(|moved| (moved.blknum, moved.tx.newOwner)));
            history
        }

        pub fn key_of(&self, book: &Book, who: Address) -> &SigningKey {
            let index = user_index(book, who).unwrap_or(USERS);
            &self.keys[index % self.keys.len()]
        }

        pub fn sign(&self, book: &Book, who: Address, tx: &CashTx) -> Bytes {
            self.key_of(book, who).sign_typed(&self.domain, tx).to_bytes().to_vec().into()
        }

        pub fn included(&self, moved: &Moved) -> Included {
            let proof = self.trees.get(&moved.blknum).map(|tree| tree.proof(moved.tx.coinId).to_bytes());
            Included { tx: moved.tx, blknum: moved.blknum, proof: proof.unwrap_or_default() }
        }

        /// The move of `coin` in block `blknum`, if the model has one.
        pub fn move_at(&self, coin: u64, blknum: u64) -> Option<&Moved> {
            self.moves.iter().find(|moved| moved.tx.coinId == coin && moved.blknum == blknum)
        }

        /// A coin with an open exit that `wanted` accepts (mostly), or any coin: `(coin, exit)`.
        pub async fn pick_exit(
            &self,
            d: &Deployed,
            index: usize,
            wanted: impl Fn(&Contract::exitsReturn) -> bool,
        ) -> TestResult<Option<(Coin, Contract::exitsReturn)>> {
            let (mut open, mut fitting) = (Vec::new(), Vec::new());
            for coin in &self.coins {
                let exit = d.game_view(Contract::exitsCall { coinId: coin.id }).await?;
                if exit.owner != Address::ZERO {
                    if wanted(&exit) {
                        fitting.push((*coin, exit.clone()));
                    }
                    open.push((*coin, exit));
                }
            }
            // Mostly a fitting exit, else any open one; now and then any coin at all.
            let pool = if index.is_multiple_of(8) || open.is_empty() {
                let Some(coin) = self.coin(index / 8).filter(|_| index.is_multiple_of(8)) else { return Ok(None) };
                let exit = d.game_view(Contract::exitsCall { coinId: coin.id }).await?;
                return Ok(Some((coin, exit)));
            } else if fitting.is_empty() {
                open
            } else {
                fitting
            };
            Ok(pool.get(index / 8 % pool.len()).cloned())
        }

        async fn block(&mut self, d: &mut Deployed, book: &mut Book, specs: &[MoveSpec]) -> TestResult {
            let mut txs: Vec<(CashTx, Bytes)> = Vec::new();
            for spec in specs {
                let coin = match self.moves.get(spec.coin % self.moves.len().max(1)).filter(|_| spec.moved) {
                    Some(moved) => self.coins.iter().find(|coin| coin.id == moved.tx.coinId).copied(),
                    None => self.coin(spec.coin),
                };
                let Some(coin) = coin else { break };
                if txs.iter().any(|(tx, _)| tx.coinId == coin.id) {
                    continue;
                }
                let history = self.history(&coin);
                let (prev, owner) = match spec.prev {
                    None => history[history.len() - 1],
                    Some(index) => history[index % history.len()],
                };
                let tx = CashTx { coinId: coin.id, prevBlock: prev, newOwner: book.user(spec.to) };
                let signer =
                    if spec.wrong_signer { book.user(user_index(book, owner).map_or(0, |i| i + 1)) } else { owner };
                let sig = self.sign(book, signer, &tx);
                txs.push((tx, sig));
            }
            let tree = SparseTree::from_leaves(txs.iter().map(|(tx, _)| (tx.coinId, self.domain.hash_typed(tx))))?;
            let root = tree.root();
            let (operator, framework) = (book.operator(), book.framework);
            let receipt =
                book.call(d.chain.as_mut(), operator, framework, Fw::submitBlockCall { root }, U256::ZERO).await?;
            let Some(blknum) = submitted(&receipt) else { return Ok(()) };
            self.trees.insert(blknum, tree);
            self.moves.extend(txs.into_iter().map(|(tx, sig)| Moved { tx, blknum, sig }));
            Ok(())
        }

        async fn deposit_exit(
            &mut self,
            d: &mut Deployed,
            book: &mut Book,
            coin: usize,
            sender: Who,
            bad_amount: bool,
        ) -> TestResult {
            let Some(coin) = self.coin(coin) else { return Ok(()) };
            let amount = coin.amount + U256::from(u8::from(bad_amount));
            let call = Contract::startDepositExitCall { coinId: coin.id, amount };
            let (from, game) = (sender.resolve(book, coin.depositor), book.game);
            book.call(d.chain.as_mut(), from, game, call, self.exit_bond).await?;
            Ok(())
        }

        async fn exit(
            &mut self,
            d: &mut Deployed,
            book: &mut Book,
            coin: usize,
            exiting: Option<usize>,
            sender: Who,
            corrupt: Corrupt,
        ) -> TestResult {
            // A coin that moved, mostly one without an open exit.
            let mut idle = Vec::new();
            for moved in &self.moves {
                let exit = d.game_view(Contract::exitsCall { coinId: moved.tx.coinId }).await?;
                if exit.owner == Address::ZERO {
                    idle.push(moved.tx.coinId);
                }
            }
            let pool: Vec<u64> = if idle.is_empty() || coin.is_multiple_of(8) {
                self.moves.iter().map(|m| m.tx.coinId).collect()
            } else {
                idle
            };
            let Some(coin) = pool.get(coin / 8 % pool.len().max(1)).copied() else { return Ok(()) };
            let Some(coin) = self.coins.iter().find(|c| c.id == coin).copied() else { return Ok(()) };
            let moves = self.moves_of(coin.id);
            let Some(last) = moves.last() else { return Ok(()) };
            let exiting = exiting.map_or(*last, |index| moves[index % moves.len()]);
            let parent = if exiting.tx.prevBlock == coin.id {
                none()
            } else {
                self.move_at(coin.id, exiting.tx.prevBlock).map_or_else(none, |parent| self.included(parent))
            };
            let mut included = self.included(exiting);
            if corrupt == Corrupt::Proof {
                included.proof = flip(&included.proof, coin.id as usize);
            }
            let call = Contract::startExitCall {
                coinId: coin.id,
                depositor: coin.depositor,
                amount: coin.amount,
                parent,
                exiting: included,
                exitingSig: if corrupt == Corrupt::Sig { flip(&exiting.sig, 9) } else { exiting.sig.clone() },
            };
            let value = self.exit_bond + U256::from(u8::from(corrupt == Corrupt::Bond));
            let (from, game) = (sender.resolve(book, exiting.tx.newOwner), book.game);
            book.call(d.chain.as_mut(), from, game, call, value).await?;
            Ok(())
        }

        async fn challenge_spent(
            &mut self,
            d: &mut Deployed,
            book: &mut Book,
            coin: usize,
            spend: usize,
            challenger: usize,
            double: bool,
        ) -> TestResult {
            let wanted = |exit: &Contract::exitsReturn| !double || exit.prevBlk != 0;
            let Some((coin, exit)) = self.pick_exit(d, coin, wanted).await? else { return Ok(()) };
            let spends: Vec<&Moved> = self
                .moves_of(coin.id)
                .into_iter()
                .filter(|moved| {
                    if double {
                        moved.tx.prevBlock == exit.prevBlk && exit.prevBlk < moved.blknum && moved.blknum < exit.exitBlk
                    } else {
                        moved.tx.prevBlock == exit.exitBlk && moved.blknum > exit.exitBlk
                    }
                })
                .collect();
            let Some(moved) = spends.get(spend % spends.len().max(1)) else { return Ok(()) };
            let (spend, sig) = (self.included(moved), moved.sig.clone());
            let (from, game) = (book.account(challenger), book.game);
            if double {
                let call = Contract::challengeDoubleSpendCall { coinId: coin.id, spend, sig };
                book.call(d.chain.as_mut(), from, game, call, U256::ZERO).await?;
            } else {
                let call = Contract::challengeSpentCall { coinId: coin.id, spend, sig };
                book.call(d.chain.as_mut(), from, game, call, U256::ZERO).await?;
            }
            Ok(())
        }

        async fn challenge_history(
            &mut self,
            d: &mut Deployed,
            book: &mut Book,
            coin: usize,
            earlier: usize,
            challenger: usize,
        ) -> TestResult {
            // A history to challenge: the exit's parent is a move, not the deposit.
            let wanted = |exit: &Contract::exitsReturn| exit.prevBlk != 0 && exit.prevBlk.is_multiple_of(1000);
            let Some((coin, exit)) = self.pick_exit(d, coin, wanted).await? else { return Ok(()) };
            let mut candidates = vec![deposit_form(&coin)];
            for moved in self.moves_of(coin.id) {
                if moved.blknum < exit.prevBlk {
                    candidates.push(self.included(moved));
                }
            }
            let earlier = candidates.swap_remove(earlier % candidates.len());
            let call = Contract::challengeHistoryCall { coinId: coin.id, earlier };
            let (from, game) = (book.account(challenger), book.game);
            book.call(d.chain.as_mut(), from, game, call, self.challenge_bond).await?;
            Ok(())
        }

        async fn respond(
            &mut self,
            d: &mut Deployed,
            book: &mut Book,
            coin: usize,
            challenge: usize,
            response: usize,
            responder: Who,
        ) -> TestResult {
            let wanted = |exit: &Contract::exitsReturn| !exit.pendingCount.is_zero();
            let Some((coin, exit)) = self.pick_exit(d, coin, wanted).await? else { return Ok(()) };
            let pending = d.game_view(Contract::pendingChallengesCall { coinId: coin.id }).await?;
            let Some(challenge) = pending.get(challenge % pending.len().max(1)) else { return Ok(()) };
            let answers: Vec<&Moved> = self
                .moves_of(coin.id)
                .into_iter()
                .filter(|moved| moved.tx.prevBlock == challenge.blknum && moved.blknum > challenge.blknum)
                .collect();
            let Some(answer) = answers.get(response % answers.len().max(1)) else { return Ok(()) };
            let call = Contract::respondHistoryCall {
                coinId: coin.id,
                challengeBlk: challenge.blknum,
                response: self.included(answer),
                sig: answer.sig.clone(),
            };
            let (from, game) = (responder.resolve(book, exit.owner), book.game);
            book.call(d.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn forged(
            &mut self,
            d: &mut Deployed,
            book: &mut Book,
            coin: usize,
            seed: u64,
            from: usize,
            kind: u8,
        ) -> TestResult {
            let coin = self.coin(coin).unwrap_or(Coin { id: 1, depositor: book.user(0), amount: U256::from(1) });
            let from = book.account(from);
            let blknum = 1000 * (1 + seed % 4);
            let words = noise(seed, 64);
            let random = Included {
                tx: CashTx { coinId: coin.id, prevBlock: coin.id, newOwner: from },
                blknum,
                proof: [&words[..8], &words[8..40]].concat().into(),
            };
            let game = book.game;
            match kind {
                0 => {
                    let call = Contract::startExitCall {
                        coinId: coin.id,
                        depositor: coin.depositor,
                        amount: coin.amount,
                        parent: none(),
                        exiting: random,
                        exitingSig: noise(seed + 1, 65),
                    };
                    book.forged(d.chain.as_mut(), from, game, call, self.exit_bond).await?;
                }
                1 => {
                    let call = Contract::challengeHistoryCall { coinId: coin.id, earlier: random };
                    book.forged(d.chain.as_mut(), from, game, call, self.challenge_bond).await?;
                }
                _ => {
                    let call = Contract::respondHistoryCall {
                        coinId: coin.id,
                        challengeBlk: coin.id,
                        response: random,
                        sig: noise(seed + 1, 65),
                    };
                    book.forged(d.chain.as_mut(), from, game, call, U256::ZERO).await?;
                }
            }
            Ok(())
        }

        pub async fn apply(&mut self, d: &mut Deployed, book: &mut Book, action: &Action) -> TestResult {
            match action {
                Action::Block { moves } => self.block(d, book, moves).await,
                Action::DepositExit { coin, sender, bad_amount } => {
                    self.deposit_exit(d, book, *coin, *sender, *bad_amount).await
                }
                Action::Exit { coin, exiting, sender, corrupt } => {
                    self.exit(d, book, *coin, *exiting, *sender, *corrupt).await
                }
                Action::ChallengeSpent { coin, spend, challenger } => {
                    self.challenge_spent(d, book, *coin, *spend, *challenger, false).await
                }
                Action::ChallengeDoubleSpend { coin, spend, challenger } => {
                    self.challenge_spent(d, book, *coin, *spend, *challenger, true).await
                }
                Action::ChallengeHistory { coin, earlier, challenger } => {
                    self.challenge_history(d, book, *coin, *earlier, *challenger).await
                }
                Action::Respond { coin, challenge, response, responder } => {
                    self.respond(d, book, *coin, *challenge, *response, *responder).await
                }
                Action::Forged { coin, seed, from, kind } => self.forged(d, book, *coin, *seed, *from, *kind).await,
            }
        }
    }
}

// =================================================================================================
// Plasma Cash
// =================================================================================================

mod cash {
    //! The Plasma Cash property: `CashExitGame` driven by the shared coin model.

    use super::*;
    use plasma_contracts::CashExitGame::{self as Contract, CashTx};
    use plasma_integration_tests::CashDeployment;

    pub struct Cash {
        t: CashDeployment,
        coins: coins::CoinChain,
    }

    impl Game for Cash {
        type Action = coins::Action;
        const NAME: &'static str = "Cash";
        const REGRESSIONS: &'static str = "proptest-regressions/invariants-cash.txt";
        const SELECTORS: &'static [[u8; 4]] = Contract::CashExitGameCalls::SELECTORS;

        async fn deploy() -> TestResult<Self> {
            let t = CashDeployment::new("embedded").await?;
            let sample = CashTx { coinId: 1, prevBlock: 1, newOwner: t.users[0] };
            if t.game_view(Contract::txHashCall { cashTx: sample }).await? != t.domain().hash_typed(&sample) {
                return Err("the Rust and Solidity coin transaction hashes differ".into());
            }
            let coins = coins::CoinChain::new(&t, t.keys.clone(), t.exit_bond, t.challenge_bond);
            Ok(Self { t, coins })
        }

        fn deployed(&mut self) -> &mut Deployed {
            &mut self.t
        }

        fn event_name(topic: [u8; 32]) -> Option<&'static str> {
            Contract::CashExitGameEvents::name_by_selector(topic)
        }

        fn actions() -> BoxedStrategy<coins::Action> {
            coins::actions().boxed()
        }

        fn on_deposit(&mut self, blknum: u64, user: usize, amount: U256) {
            self.coins.coins.push(coins::Coin { id: blknum, depositor: self.t.users[user], amount });
        }

        async fn apply(&mut self, book: &mut Book, action: &coins::Action) -> TestResult {
            self.coins.apply(&mut self.t, book, action).await
        }
    }
}

#[test]
fn cash_invariants() -> TestResult {
    property::<cash::Cash>()
}

// =================================================================================================
// Plasma XT
// =================================================================================================

mod xt {
    //! The Plasma XT property: the Cash actions plus checkpoints (honest or lying leaves, any
    //! bitmap, a small cap), non-signer and later-owner challenges, sign-off, spend and leaf
    //! answers, finalisation and voiding, exits from checkpoints, history challenges and answers at
    //! checkpoints and stale-exit cancellations.

    use super::*;
    use coins::{Coin, Moved};
    use plasma_contracts::CashExitGame as Cash;
    use plasma_contracts::XtExitGame::{self as Contract, CashTx, CheckpointState, Included};
    use plasma_core::SparseTree;
    use plasma_integration_tests::XtDeployment;

    /// The most pending challenges a fuzzed checkpoint survives: small, so that capping happens.
    const CAP: u32 = 2;
    /// `status` of an open checkpoint (the contract's `STATUS_OPEN`).
    const STATUS_OPEN: u8 = 1;
    /// `status` of a finalised checkpoint (the contract's `STATUS_FINALIZED`).
    const STATUS_FINALIZED: u8 = 2;
    /// What `pick_cp` asks for an open checkpoint still inside its challenge window (`STATUS_OPEN`
    /// asks for one past its period).
    const STATUS_OPEN_CHALLENGEABLE: u8 = u8::MAX;

    sol! {
        /// The sign-off an owner signs (docs/xt.md).
        struct CheckpointSignOff {
            uint64 blknum;
            bytes32 stateRoot;
            uint64 coinId;
        }
    }

    /// The zone of a proposed checkpoint.
    #[derive(Clone, Copy, Debug)]
    pub enum Zone {
        /// Every coin id below the block: `[1, K)`.
        All,
        /// From coin `from` to coin `to` (indices of the model's coins).
        Coins(usize, usize),
        /// A zone reaching past the block ("bad zone").
        Beyond,
    }

    /// A checkpoint of a recent block (`back` blocks before the latest): the zone, the bits set
    /// (`mask`, by coin index), a false leaf for one coin (`lie`: coin, new owner), the proposer
    /// (the operator unless `from % 8 == 7`), a wrong bond.
    #[derive(Clone, Copy, Debug)]
    pub struct Proposal {
        back: usize,
        zone: Zone,
        mask: u64,
        lie: Option<(usize, usize)>,
        from: usize,
        bad_bond: bool,
    }

    #[derive(Clone, Debug)]
    pub enum Action {
        /// A Plasma Cash action.
        Cash(coins::Action),
        /// A checkpoint proposal.
        Propose(Proposal),
        /// A non-signer's challenge of a set bit with the coin's latest state up to K.
        Challenge { cp: usize, coin: usize, latest: usize, challenger: usize },
        /// A later owner's challenge: the checkpoint's leaf is not `latest`, which `later` spends after K.
        ChallengeAfter { cp: usize, coin: usize, latest: usize, later: usize, challenger: usize },
        /// The answer with the challenged owner's sign-off (or a wrong key's).
        SignOff { challenge: usize, responder: usize, wrong_key: bool },
        /// The answer with the challenged owner's spend up to K.
        RespondSpend { challenge: usize, spend: usize, responder: usize },
        /// The answer to a later owner's challenge with the checkpoint's leaf of the coin.
        RespondLeaf { challenge: usize, responder: usize },
        /// The end of a checkpoint (finalised or void).
        Finalize { cp: usize, from: usize },
        /// An exit from a finalised checkpoint: of the state (form 0), of its spend (1), of a move
        /// after a parent after K (2).
        CheckpointExit { cp: usize, coin: usize, form: u8, choice: usize, sender: Who },
        /// A history challenge of an open exit with a finalised checkpoint state.
        HistoryAtCheckpoint { coin: usize, cp: usize, challenger: usize },
        /// The cancellation of an exit that contradicts a finalised checkpoint.
        CancelStale { coin: usize, cp: usize, from: usize },
        /// The answer to a pending history challenge with a finalised checkpoint state.
        RespondAtCheckpoint { coin: usize, challenge: usize, cp: usize, responder: usize },
    }

    /// A proposed checkpoint and what its users keep.
    struct Cp {
        id: U256,
        blknum: u64,
        root: B256,
        bitmap: Bytes,
        tree: SparseTree,
        zone_start: u64,
        /// `coinId -> (owner, lastMoved)` of every leaf.
        states: BTreeMap<u64, (Address, u64)>,
    }

    impl Cp {
        fn bit(&self, coin: u64) -> bool {
            let Some(i) = coin.checked_sub(self.zone_start) else { return false };
            self.bitmap.get((i / 8) as usize).is_some_and(|byte| (byte >> (i % 8)) & 1 == 1)
        }

        fn state(&self, coin: u64) -> Option<CheckpointState> {
            let (owner, last_moved) = *self.states.get(&coin)?;
            Some(CheckpointState {
                checkpointId: self.id,
                bitmap: self.bitmap.clone(),
                owner,
                lastMoved: last_moved,
                proof: self.tree.proof(coin).to_bytes(),
            })
        }
    }

    /// A checkpoint challenge made: checkpoint index, coin, the block it is stored under, the
    /// challenged block, the owner who must answer.
    struct CpChallenge {
        cp: usize,
        coin: u64,
        key_blk: u64,
        challenged: u64,
        owner: Address,
    }

    pub struct Xt {
        t: XtDeployment,
        coins: coins::CoinChain,
        cps: Vec<Cp>,
        challenges: Vec<CpChallenge>,
    }

    fn to_xt(included: Cash::Included) -> Included {
        let tx =
            CashTx { coinId: included.tx.coinId, prevBlock: included.tx.prevBlock, newOwner: included.tx.newOwner };
        Included { tx, blknum: included.blknum, proof: included.proof }
    }

    fn none() -> Included {
        to_xt(coins::none())
    }

    fn state_leaf(owner: Address, last_moved: u64) -> B256 {
        keccak256([owner.into_word().0, U256::from(last_moved).to_be_bytes::<32>()].concat())
    }

    impl Xt {
        /// The checkpoint by index: mostly one whose status is `status`, now and then any.
        async fn pick_cp(&self, index: usize, status: u8) -> TestResult<Option<usize>> {
            // The next transaction is mined one block later.
            let now = self.t.chain.block_time().await? + plasma_rootchain::BLOCK_TIME;
            let window = self.t.checkpoint_period / 4 * 3;
            let mut fitting = Vec::new();
            for (i, cp) in self.cps.iter().enumerate() {
                let state = self.t.game_view(Contract::checkpointsCall { checkpointId: cp.id }).await?;
                // An open checkpoint that still takes challenges (or, for the finaliser, one
                // past its period); a finalised one.
                let fits = match status {
                    STATUS_OPEN_CHALLENGEABLE => state.status == STATUS_OPEN && now < state.proposedAt + window,
                    STATUS_OPEN => state.status == STATUS_OPEN && now >= state.finalizableAt,
                    other => state.status == other,
                };
                if fits {
                    fitting.push(i);
                }
            }
            Ok(pick(index, fitting, self.cps.len()))
        }

        /// A coin of checkpoint `cp` with its bit set and a leaf (mostly), or any coin.
        fn pick_coin(&self, cp: &Cp, index: usize) -> Option<Coin> {
            let set: Vec<usize> = (0..self.coins.coins.len())
                .filter(|i| cp.bit(self.coins.coins[*i].id) && cp.states.contains_key(&self.coins.coins[*i].id))
                .collect();
            pick(index, set, self.coins.coins.len()).map(|i| self.coins.coins[i])
        }

        /// `latest` candidates for a challenge of coin `coin` in a checkpoint of block `k`: the
        /// deposit and every move up to K.
        fn latest_candidates(&self, coin: &Coin, k: u64) -> Vec<Cash::Included> {
            let mut candidates = vec![coins::deposit_form(coin)];
            for moved in self.coins.moves_of(coin.id) {
                if moved.blknum <= k {
                    candidates.push(self.coins.included(moved));
                }
            }
            candidates
        }

        async fn propose(&mut self, book: &mut Book, proposal: &Proposal) -> TestResult {
            let Proposal { back, zone, mask, lie, from, bad_bond } = *proposal;
            // The operator checkpoints recent blocks: when its latest is too old, it first submits
            // an empty one.
            let latest = self.coins.trees.keys().max().copied();
            let fresh_until = match latest {
                Some(blknum) => {
                    let call = Fw::blocksCall { blknum: U256::from(blknum) };
                    self.t.framework_view(call).await?.timestamp + self.t.checkpoint_period / 4
                }
                None => 0,
            };
            if self.t.chain.block_time().await? + 2 * plasma_rootchain::BLOCK_TIME >= fresh_until {
                self.coins.apply(&mut self.t, book, &coins::Action::Block { moves: Vec::new() }).await?;
            }
            let mut blocks: Vec<u64> = self.coins.trees.keys().copied().collect();
            blocks.sort_unstable();
            let Some(&k) = blocks.iter().rev().nth(back % blocks.len().clamp(1, 3)) else { return Ok(()) };
            let (zone_start, zone_size) = match zone {
                Zone::All => (1, k - 1),
                Zone::Coins(a, b) => {
                    let (Some(a), Some(b)) = (self.coins.coin(a), self.coins.coin(b)) else { return Ok(()) };
                    let (low, high) = (a.id.min(b.id), a.id.max(b.id));
                    (low, (high - low + 1).min(k.saturating_sub(low)).max(1))
                }
                Zone::Beyond => (k / 2, k),
            };
            let mut states = BTreeMap::new();
            let mut bitmap = vec![0u8; zone_size.div_ceil(8) as usize];
            for (index, coin) in self.coins.coins.iter().enumerate() {
                if coin.id < zone_start || coin.id - zone_start >= zone_size || coin.id >= k {
                    continue;
                }
                let state = self
                    .coins
                    .moves_of(coin.id)
                    .iter()
                    .filter(|moved| moved.blknum <= k)
                    .max_by_key(|moved| moved.blknum)
                    .map_or((coin.depositor, coin.id), |moved| (moved.tx.newOwner, moved.blknum));
                states.insert(coin.id, state);
                if (mask >> (index % 64)) & 1 == 1 {
                    let i = coin.id - zone_start;
                    bitmap[(i / 8) as usize] |= 1 << (i % 8);
                }
            }
            if let Some((coin, owner)) = lie
                && let Some(coin) = self.coins.coin(coin)
                && let Some(state) = states.get_mut(&coin.id)
            {
                *state = (book.user(owner), state.1);
            }
            let tree =
                SparseTree::from_leaves(states.iter().map(|(coin, (owner, last))| (*coin, state_leaf(*owner, *last))))?;
            let (root, bitmap) = (tree.root(), Bytes::from(bitmap));
            let call = Contract::proposeCheckpointCall {
                blknum: k,
                zoneStart: zone_start,
                zoneSize: zone_size,
                stateRoot: root,
                bitmap: bitmap.clone(),
            };
            let value = self.t.checkpoint_bond + U256::from(u8::from(bad_bond));
            let sender = if from % 8 == 7 { book.account(from / 8) } else { book.operator() };
            let game = book.game;
            let receipt = book.call(self.t.chain.as_mut(), sender, game, call, value).await?;
            if let Some(event) = receipt.logs.iter().find_map(|log| Contract::CheckpointProposed::decode_log(log).ok())
            {
                self.cps.push(Cp { id: event.checkpointId, blknum: k, root, bitmap, tree, zone_start, states });
            }
            Ok(())
        }

        async fn challenge(
            &mut self,
            book: &mut Book,
            cp: usize,
            coin: usize,
            latest: usize,
            challenger: usize,
        ) -> TestResult {
            let Some(index) = self.pick_cp(cp, STATUS_OPEN_CHALLENGEABLE).await? else { return Ok(()) };
            let cp = &self.cps[index];
            let Some(coin) = self.pick_coin(cp, coin) else { return Ok(()) };
            let candidates = self.latest_candidates(&coin, cp.blknum);
            // Mostly the latest state up to K, which the checkpoint should agree with.
            let evidence = if latest.is_multiple_of(4) {
                &candidates[latest / 4 % candidates.len()]
            } else {
                &candidates[candidates.len() - 1]
            };
            let (blknum, owner) = (evidence.blknum, evidence.tx.newOwner);
            let call = Contract::challengeCheckpointCall {
                checkpointId: cp.id,
                bitmap: cp.bitmap.clone(),
                latest: to_xt(evidence.clone()),
                amount: coin.amount,
            };
            let (from, game, bond) = (book.account(challenger), book.game, self.t.challenge_bond);
            let receipt = book.call(self.t.chain.as_mut(), from, game, call, bond).await?;
            if receipt.success {
                self.challenges.push(CpChallenge {
                    cp: index,
                    coin: coin.id,
                    key_blk: blknum,
                    challenged: blknum,
                    owner,
                });
            }
            Ok(())
        }

        async fn challenge_after(
            &mut self,
            book: &mut Book,
            cp: usize,
            coin: usize,
            latest: usize,
            later: usize,
            challenger: usize,
        ) -> TestResult {
            let Some(index) = self.pick_cp(cp, STATUS_OPEN_CHALLENGEABLE).await? else { return Ok(()) };
            let cp = &self.cps[index];
            let Some(coin) = self.pick_coin(cp, coin) else { return Ok(()) };
            // Pairs (latest up to K, its spend after K): the checkpoint must state the latest.
            let mut pairs: Vec<(Cash::Included, &Moved)> = Vec::new();
            for evidence in self.latest_candidates(&coin, cp.blknum) {
                for moved in self.coins.moves_of(coin.id) {
                    if moved.tx.prevBlock == evidence.blknum && moved.blknum > cp.blknum {
                        pairs.push((evidence.clone(), moved));
                    }
                }
            }
            let Some((evidence, spend)) = pairs.get((latest ^ later) % pairs.len().max(1)) else { return Ok(()) };
            let (blknum, owner, key_blk) = (evidence.blknum, evidence.tx.newOwner, spend.blknum);
            let call = Contract::challengeCheckpointAfterCall {
                checkpointId: cp.id,
                bitmap: cp.bitmap.clone(),
                latest: to_xt(evidence.clone()),
                amount: coin.amount,
                later: to_xt(self.coins.included(spend)),
                laterSig: spend.sig.clone(),
            };
            let (from, game, bond) = (book.account(challenger), book.game, self.t.challenge_bond);
            let receipt = book.call(self.t.chain.as_mut(), from, game, call, bond).await?;
            if receipt.success {
                self.challenges.push(CpChallenge { cp: index, coin: coin.id, key_blk, challenged: blknum, owner });
            }
            Ok(())
        }

        /// A checkpoint challenge made: mostly one still answerable, of a later owner when `later`
        /// says so (of a non-signer when it says not), now and then any.
        async fn pick_challenge(&self, index: usize, later: Option<bool>) -> TestResult<Option<usize>> {
            let now = self.t.chain.block_time().await? + plasma_rootchain::BLOCK_TIME;
            let mut pending = Vec::new();
            for (i, ch) in self.challenges.iter().enumerate() {
                let call = Contract::checkpointChallengeCall {
                    checkpointId: self.cps[ch.cp].id,
                    coinId: ch.coin,
                    blknum: ch.key_blk,
                };
                let state = self.t.game_view(call).await?;
                let by_later_owner = ch.key_blk != ch.challenged;
                if state.challenger != Address::ZERO
                    && now < state.deadline
                    && later.is_none_or(|l| l == by_later_owner)
                {
                    pending.push(i);
                }
            }
            Ok(pick(index, pending, self.challenges.len()))
        }

        async fn sign_off(
            &mut self,
            book: &mut Book,
            challenge: usize,
            responder: usize,
            wrong_key: bool,
        ) -> TestResult {
            let Some(index) = self.pick_challenge(challenge, Some(false)).await? else { return Ok(()) };
            let ch = &self.challenges[index];
            let cp = &self.cps[ch.cp];
            let message = CheckpointSignOff { blknum: cp.blknum, stateRoot: cp.root, coinId: ch.coin };
            let signer = if wrong_key { book.user(user_index(book, ch.owner).map_or(0, |i| i + 1)) } else { ch.owner };
            let sig = self.coins.key_of(book, signer).sign_typed(&self.coins.domain, &message).to_bytes();
            let call = Contract::respondCheckpointSignOffCall {
                checkpointId: cp.id,
                coinId: ch.coin,
                challengeBlk: ch.key_blk,
                sig: sig.to_vec().into(),
            };
            let (from, game) = (book.account(responder), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn respond_spend(
            &mut self,
            book: &mut Book,
            challenge: usize,
            spend: usize,
            responder: usize,
        ) -> TestResult {
            let Some(index) = self.pick_challenge(challenge, None).await? else { return Ok(()) };
            let ch = &self.challenges[index];
            let cp = &self.cps[ch.cp];
            let spends: Vec<&Moved> = self
                .coins
                .moves_of(ch.coin)
                .into_iter()
                .filter(|moved| {
                    moved.tx.prevBlock == ch.challenged && ch.challenged < moved.blknum && moved.blknum <= cp.blknum
                })
                .collect();
            let Some(moved) = spends.get(spend % spends.len().max(1)) else { return Ok(()) };
            let call = Contract::respondCheckpointSpendCall {
                checkpointId: cp.id,
                coinId: ch.coin,
                challengeBlk: ch.key_blk,
                spend: to_xt(self.coins.included(moved)),
                sig: moved.sig.clone(),
            };
            let (from, game) = (book.account(responder), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn respond_leaf(&mut self, book: &mut Book, challenge: usize, responder: usize) -> TestResult {
            let Some(index) = self.pick_challenge(challenge, Some(true)).await? else { return Ok(()) };
            let ch = &self.challenges[index];
            let cp = &self.cps[ch.cp];
            let call = Contract::respondCheckpointLeafCall {
                checkpointId: cp.id,
                coinId: ch.coin,
                challengeBlk: ch.key_blk,
                proof: cp.tree.proof(ch.coin).to_bytes(),
            };
            let (from, game) = (book.account(responder), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn finalize(&mut self, book: &mut Book, cp: usize, from: usize) -> TestResult {
            let Some(index) = self.pick_cp(cp, STATUS_OPEN).await? else { return Ok(()) };
            let call = Contract::finalizeCheckpointCall { checkpointId: self.cps[index].id };
            let (from, game) = (book.account(from), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn checkpoint_exit(
            &mut self,
            book: &mut Book,
            cp: usize,
            coin: usize,
            form: u8,
            choice: usize,
            sender: Who,
        ) -> TestResult {
            let Some(index) = self.pick_cp(cp, STATUS_FINALIZED).await? else { return Ok(()) };
            let cp = &self.cps[index];
            let Some(coin) = self.pick_coin(cp, coin) else { return Ok(()) };
            let Some(origin) = cp.state(coin.id) else { return Ok(()) };
            let moves = self.coins.moves_of(coin.id);
            let (parent, exiting, sig, owner) = match form % 3 {
                0 => (none(), none(), Bytes::new(), origin.owner),
                1 => {
                    let spends: Vec<&&Moved> = moves
                        .iter()
                        .filter(|moved| moved.tx.prevBlock == origin.lastMoved && moved.blknum > cp.blknum)
                        .collect();
                    let Some(moved) = spends.get(choice % spends.len().max(1)) else { return Ok(()) };
                    (none(), to_xt(self.coins.included(moved)), moved.sig.clone(), moved.tx.newOwner)
                }
                _ => {
                    let mut pairs = Vec::new();
                    for parent in moves.iter().filter(|moved| moved.blknum > cp.blknum) {
                        for child in moves.iter().filter(|moved| moved.tx.prevBlock == parent.blknum) {
                            pairs.push((*parent, *child));
                        }
                    }
                    let Some((parent, child)) = pairs.get(choice % pairs.len().max(1)) else { return Ok(()) };
                    let parent = to_xt(self.coins.included(parent));
                    (parent, to_xt(self.coins.included(child)), child.sig.clone(), child.tx.newOwner)
                }
            };
            let call = plasma_integration_tests::xt_checkpoint_exit(&coin, origin, parent, exiting, sig);
            let (from, game, bond) = (sender.resolve(book, owner), book.game, self.t.exit_bond);
            book.call(self.t.chain.as_mut(), from, game, call, bond).await?;
            Ok(())
        }

        /// A coin with an open exit and a finalised checkpoint stating it.
        async fn exit_and_state(&self, coin: usize, cp: usize) -> TestResult<Option<(Coin, CheckpointState)>> {
            let Some((coin, _)) = self.coins.pick_exit(&self.t, coin, |_| true).await? else { return Ok(None) };
            let mut finalized = Vec::new();
            for candidate in &self.cps {
                let status = self.t.game_view(Contract::checkpointsCall { checkpointId: candidate.id }).await?.status;
                if status == STATUS_FINALIZED && candidate.states.contains_key(&coin.id) {
                    finalized.push(candidate);
                }
            }
            let Some(cp) = finalized.get(cp % finalized.len().max(1)) else { return Ok(None) };
            Ok(cp.state(coin.id).map(|state| (coin, state)))
        }

        async fn history_at_checkpoint(
            &mut self,
            book: &mut Book,
            coin: usize,
            cp: usize,
            challenger: usize,
        ) -> TestResult {
            let Some((coin, state)) = self.exit_and_state(coin, cp).await? else { return Ok(()) };
            let call = Contract::challengeHistoryAtCheckpointCall { coinId: coin.id, state };
            let (from, game, bond) = (book.account(challenger), book.game, self.t.challenge_bond);
            book.call(self.t.chain.as_mut(), from, game, call, bond).await?;
            Ok(())
        }

        async fn respond_at_checkpoint(
            &mut self,
            book: &mut Book,
            coin: usize,
            challenge: usize,
            cp: usize,
            responder: usize,
        ) -> TestResult {
            let wanted = |exit: &Cash::exitsReturn| !exit.pendingCount.is_zero();
            let Some((coin, exit)) = self.coins.pick_exit(&self.t, coin, wanted).await? else { return Ok(()) };
            let pending = self.t.game_view(Cash::pendingChallengesCall { coinId: coin.id }).await?;
            let Some(challenge) = pending.get(challenge % pending.len().max(1)) else { return Ok(()) };
            // Finalised states whose last move lies in (challenged block, pBlk].
            let mut states = Vec::new();
            for candidate in &self.cps {
                let status = self.t.game_view(Contract::checkpointsCall { checkpointId: candidate.id }).await?.status;
                if status == STATUS_FINALIZED
                    && let Some(state) = candidate.state(coin.id)
                    && challenge.blknum < state.lastMoved
                    && state.lastMoved <= exit.prevBlk
                {
                    states.push(state);
                }
            }
            let Some(state) = states.get(cp % states.len().max(1)).cloned() else { return Ok(()) };
            let call =
                Contract::respondHistoryAtCheckpointCall { coinId: coin.id, challengeBlk: challenge.blknum, state };
            let (from, game) = (book.account(responder), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn cancel_stale(&mut self, book: &mut Book, coin: usize, cp: usize, from: usize) -> TestResult {
            let Some((coin, state)) = self.exit_and_state(coin, cp).await? else { return Ok(()) };
            let call = Contract::cancelStaleExitCall { coinId: coin.id, state };
            let (from, game) = (book.account(from), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }
    }

    impl Game for Xt {
        type Action = Action;
        const NAME: &'static str = "XT";
        const REGRESSIONS: &'static str = "proptest-regressions/invariants-xt.txt";
        const SELECTORS: &'static [[u8; 4]] = Contract::XtExitGameCalls::SELECTORS;

        async fn deploy() -> TestResult<Self> {
            let t = XtDeployment::with_cap("embedded", CAP).await?;
            let domain = t.domain();
            let sample = CashTx { coinId: 1, prevBlock: 1, newOwner: t.users[0] };
            if t.game_view(Contract::txHashCall { cashTx: sample }).await? != domain.hash_typed(&sample) {
                return Err("the Rust and Solidity coin transaction hashes differ".into());
            }
            let sign_off = CheckpointSignOff { blknum: 1000, stateRoot: B256::repeat_byte(7), coinId: 3 };
            let call = Contract::signOffHashCall { blknum: 1000, stateRoot: B256::repeat_byte(7), coinId: 3 };
            if t.game_view(call).await? != domain.hash_typed(&sign_off) {
                return Err("the Rust and Solidity sign-off hashes differ".into());
            }
            if t.game_view(Contract::stateLeafCall { owner: t.users[1], lastMoved: 5 }).await?
                != state_leaf(t.users[1], 5)
            {
                return Err("the Rust and Solidity state leaves differ".into());
            }
            let coins = coins::CoinChain::new(&t, t.keys.clone(), t.exit_bond, t.challenge_bond);
            Ok(Self { t, coins, cps: Vec::new(), challenges: Vec::new() })
        }

        fn deployed(&mut self) -> &mut Deployed {
            &mut self.t
        }

        fn event_name(topic: [u8; 32]) -> Option<&'static str> {
            Contract::XtExitGameEvents::name_by_selector(topic)
        }

        fn actions() -> BoxedStrategy<Action> {
            let index = || any::<usize>();
            let zone = prop_oneof![
                6 => Just(Zone::All),
                3 => (index(), index()).prop_map(|(a, b)| Zone::Coins(a, b)),
                1 => Just(Zone::Beyond),
            ];
            prop_oneof![
                10 => coins::actions().prop_map(Action::Cash),
                3 => (
                    prop_oneof![6 => Just(0usize), 1 => 1usize..3],
                    zone,
                    prop_oneof![3 => Just(u64::MAX), 2 => any::<u64>()],
                    proptest::option::weighted(0.35, (index(), 0..USERS)),
                    index(),
                    proptest::bool::weighted(0.05),
                )
                    .prop_map(|(back, zone, mask, lie, from, bad_bond)| Action::Propose(Proposal {
                        back,
                        zone,
                        mask,
                        lie,
                        from,
                        bad_bond
                    })),
                3 => (index(), index(), index(), 0..=USERS)
                    .prop_map(|(cp, coin, latest, challenger)| Action::Challenge { cp, coin, latest, challenger }),
                2 => (index(), index(), index(), index(), 0..=USERS).prop_map(|(cp, coin, latest, later, challenger)| {
                    Action::ChallengeAfter { cp, coin, latest, later, challenger }
                }),
                2 => (index(), 0..=USERS, proptest::bool::weighted(0.15))
                    .prop_map(|(challenge, responder, wrong_key)| Action::SignOff { challenge, responder, wrong_key }),
                2 => (index(), index(), 0..=USERS)
                    .prop_map(|(challenge, spend, responder)| Action::RespondSpend { challenge, spend, responder }),
                1 => (index(), 0..=USERS)
                    .prop_map(|(challenge, responder)| Action::RespondLeaf { challenge, responder }),
                2 => (index(), 0..=USERS).prop_map(|(cp, from)| Action::Finalize { cp, from }),
                3 => (index(), index(), 0u8..3, index(), who_strategy()).prop_map(|(cp, coin, form, choice, sender)| {
                    Action::CheckpointExit { cp, coin, form, choice, sender }
                }),
                1 => (index(), index(), 0..=USERS)
                    .prop_map(|(coin, cp, challenger)| Action::HistoryAtCheckpoint { coin, cp, challenger }),
                1 => (index(), index(), 0..=USERS).prop_map(|(coin, cp, from)| Action::CancelStale { coin, cp, from }),
                2 => (index(), index(), index(), 0..=USERS).prop_map(|(coin, challenge, cp, responder)| {
                    Action::RespondAtCheckpoint { coin, challenge, cp, responder }
                }),
            ]
            .boxed()
        }

        fn on_deposit(&mut self, blknum: u64, user: usize, amount: U256) {
            self.coins.coins.push(Coin { id: blknum, depositor: self.t.users[user], amount });
        }

        async fn apply(&mut self, book: &mut Book, action: &Action) -> TestResult {
            match action {
                Action::Cash(action) => self.coins.apply(&mut self.t, book, action).await,
                Action::Propose(proposal) => self.propose(book, proposal).await,
                Action::Challenge { cp, coin, latest, challenger } => {
                    self.challenge(book, *cp, *coin, *latest, *challenger).await
                }
                Action::ChallengeAfter { cp, coin, latest, later, challenger } => {
                    self.challenge_after(book, *cp, *coin, *latest, *later, *challenger).await
                }
                Action::SignOff { challenge, responder, wrong_key } => {
                    self.sign_off(book, *challenge, *responder, *wrong_key).await
                }
                Action::RespondSpend { challenge, spend, responder } => {
                    self.respond_spend(book, *challenge, *spend, *responder).await
                }
                Action::RespondLeaf { challenge, responder } => self.respond_leaf(book, *challenge, *responder).await,
                Action::Finalize { cp, from } => self.finalize(book, *cp, *from).await,
                Action::CheckpointExit { cp, coin, form, choice, sender } => {
                    self.checkpoint_exit(book, *cp, *coin, *form, *choice, *sender).await
                }
                Action::HistoryAtCheckpoint { coin, cp, challenger } => {
                    self.history_at_checkpoint(book, *coin, *cp, *challenger).await
                }
                Action::CancelStale { coin, cp, from } => self.cancel_stale(book, *coin, *cp, *from).await,
                Action::RespondAtCheckpoint { coin, challenge, cp, responder } => {
                    self.respond_at_checkpoint(book, *coin, *challenge, *cp, *responder).await
                }
            }
        }
    }
}

#[test]
fn xt_invariants() -> TestResult {
    property::<xt::Xt>()
}

// =================================================================================================
// Plasma Debit
// =================================================================================================

mod debit {
    //! The Plasma Debit property: a model of coins (users' and the operator's), single-coin moves
    //! and atomic payments between two coins, liquidity; actions exit legs, challenge them (spent,
    //! double spend, history), answer, challenge and answer channel states, and send made-up
    //! evidence.

    use super::*;
    use plasma_contracts::DebitExitGame::{self as Contract, DebitIncluded, DebitTx};
    use plasma_core::{SigningKey, SparseTree};
    use plasma_integration_tests::{Coin, DebitDeployment, debit_single as single};

    /// A transaction in a block, with the signature of each leg (first, then peer).
    #[derive(Clone, Debug)]
    struct Moved {
        tx: DebitTx,
        blknum: u64,
        sigs: Vec<Bytes>,
    }

    /// A point of a coin's history: block, holder, balance, nonce.
    #[derive(Clone, Copy, Debug)]
    struct Point {
        blknum: u64,
        owner: Address,
        balance: u128,
        nonce: u64,
    }

    impl Moved {
        fn sig_for(&self, coin: u64) -> Bytes {
            if self.tx.coinId == coin { self.sigs[0].clone() } else { self.sigs.last().cloned().unwrap_or_default() }
        }

        /// The leg of `coin`: (prevBlock, owner, balance, nonce), if the transaction moves it.
        fn leg(&self, coin: u64) -> Option<(u64, Address, u128, u64)> {
            let tx = &self.tx;
            if tx.coinId == coin {
                Some((tx.prevBlock, tx.newOwner, tx.balance, tx.nonce))
            } else if tx.peerCoin == coin && coin != 0 {
                Some((tx.peerPrevBlock, tx.peerOwner, tx.peerBalance, tx.peerNonce))
            } else {
                None
            }
        }
    }

    /// A move in a block: a single-coin transaction (transfer or update) or, with `peer`, an
    /// atomic payment between two coins whose legs keep their holders.
    #[derive(Clone, Debug)]
    pub struct MoveSpec {
        coin: usize,
        peer: Option<usize>,
        prev: Option<usize>,
        to: Option<usize>,
        share: u8,
        nonce_step: u8,
        wrong_signer: bool,
    }

    #[derive(Clone, Debug)]
    pub enum Action {
        /// The operator submits a block of moves (one per coin).
        Block { moves: Vec<MoveSpec> },
        /// The operator deposits a coin of its own.
        OperatorCoin { amount: U256 },
        /// The operator merges a fresh deposit (or an older one of its deposits) into a coin's capacity.
        Liquidity { coin: usize, amount: U256, fresh: bool, older: usize },
        /// A deposit exit by the depositor or the operator.
        DepositExit { coin: usize, sender: Who, bad_amount: bool },
        /// An exit of a move's leg.
        Exit { coin: usize, exiting: Option<usize>, sender: Who, corrupt: Corrupt },
        /// A spent-coin challenge.
        ChallengeSpent { coin: usize, spend: usize, challenger: usize },
        /// A double-spend challenge.
        ChallengeDoubleSpend { coin: usize, spend: usize, challenger: usize },
        /// An invalid-history challenge.
        ChallengeHistory { coin: usize, earlier: usize, challenger: usize },
        /// The answer to a pending history challenge.
        Respond { coin: usize, challenge: usize, response: usize, responder: Who },
        /// The holder's channel challenge with a newer co-signed state.
        ChallengeChannel { coin: usize, share: u8, nonce_step: u8, parent_block: bool, from: Who },
        /// The answer with a co-signed state at least as new (also without a challenge).
        RespondChannel { coin: usize, share: u8, nonce_step: u8, responder: usize },
        /// Made-up evidence.
        Forged { coin: usize, seed: u64, from: usize, kind: u8 },
    }

    fn move_spec() -> impl Strategy<Value = MoveSpec> {
        (
            any::<usize>(),
            proptest::option::weighted(0.3, any::<usize>()),
            proptest::option::weighted(0.2, any::<usize>()),
            proptest::option::weighted(0.5, 0..USERS),
            any::<u8>(),
            prop_oneof![8 => Just(1u8), 1 => Just(0u8), 1 => 2u8..5],
            proptest::bool::weighted(0.1),
        )
            .prop_map(|(coin, peer, prev, to, share, nonce_step, wrong_signer)| MoveSpec {
                coin,
                peer,
                prev,
                to,
                share,
                nonce_step,
                wrong_signer,
            })
    }

    pub struct Debit {
        t: DebitDeployment,
        coins: Vec<Coin>,
        moves: Vec<Moved>,
        trees: HashMap<u64, SparseTree>,
        /// The operator's own deposits: block and amount.
        funding: Vec<(u64, U256)>,
    }

    fn none() -> DebitIncluded {
        DebitIncluded { tx: single(0, 0, Address::ZERO, 0, 0), blknum: 0, proof: Bytes::new(), peerProof: Bytes::new() }
    }

    fn deposit_form(coin: &Coin) -> DebitIncluded {
        DebitIncluded {
            tx: single(coin.id, 0, coin.depositor, 0, 0),
            blknum: coin.id,
            proof: Bytes::new(),
            peerProof: Bytes::new(),
        }
    }

    /// `share / 255` of `capacity`, as a balance.
    fn part(capacity: u128, share: u8) -> u128 {
        capacity / 255 * u128::from(share) + capacity % 255 * u128::from(share) / 255
    }

    impl Debit {
        fn coin(&self, index: usize) -> Option<Coin> {
            self.coins.get(index % self.coins.len().max(1)).copied()
        }

        fn key_of(&self, book: &Book, who: Address) -> &SigningKey {
            if who == book.operator() {
                return &self.t.operator_key;
            }
            &self.t.keys[user_index(book, who).unwrap_or(USERS) % self.t.keys.len()]
        }

        fn sign(&self, book: &Book, who: Address, tx: &DebitTx) -> Bytes {
            self.key_of(book, who).sign_typed(&self.t.domain(), tx).to_bytes().to_vec().into()
        }

        fn moves_of(&self, coin: u64) -> Vec<&Moved> {
            self.moves.iter().filter(|moved| moved.leg(coin).is_some()).collect()
        }

        fn history(&self, coin: &Coin) -> Vec<Point> {
            let mut history =
                vec![Point { blknum: coin.id, owner: coin.depositor, balance: coin.amount.to::<u128>(), nonce: 0 }];
            for moved in self.moves_of(coin.id) {
                if let Some((_, owner, balance, nonce)) = moved.leg(coin.id) {
                    history.push(Point { blknum: moved.blknum, owner, balance, nonce });
                }
            }
            history
        }

        fn move_at(&self, coin: u64, blknum: u64) -> Option<&Moved> {
            self.moves.iter().find(|moved| moved.blknum == blknum && moved.leg(coin).is_some())
        }

        fn included(&self, moved: &Moved) -> DebitIncluded {
            let proof_at =
                |key: u64| self.trees.get(&moved.blknum).map(|tree| tree.proof(key).to_bytes()).unwrap_or_default();
            let peer_proof = if moved.tx.peerCoin == 0 { Bytes::new() } else { proof_at(moved.tx.peerCoin) };
            DebitIncluded {
                tx: moved.tx,
                blknum: moved.blknum,
                proof: proof_at(moved.tx.coinId),
                peerProof: peer_proof,
            }
        }

        /// A coin with an open exit that `wanted` accepts (mostly), or any open one; now and then
        /// any coin.
        async fn pick_exit(
            &self,
            index: usize,
            wanted: impl Fn(&Contract::ExitView) -> bool,
        ) -> TestResult<Option<(Coin, Contract::ExitView)>> {
            let (mut open, mut fitting) = (Vec::new(), Vec::new());
            for coin in &self.coins {
                let exit = self.t.game_view(Contract::exitsCall { coinId: coin.id }).await?;
                if exit.holder != Address::ZERO {
                    if wanted(&exit) {
                        fitting.push((*coin, exit.clone()));
                    }
                    open.push((*coin, exit));
                }
            }
            let pool = if index.is_multiple_of(8) || open.is_empty() {
                let Some(coin) = self.coin(index / 8).filter(|_| index.is_multiple_of(8)) else { return Ok(None) };
                let exit = self.t.game_view(Contract::exitsCall { coinId: coin.id }).await?;
                return Ok(Some((coin, exit)));
            } else if fitting.is_empty() {
                open
            } else {
                fitting
            };
            Ok(pool.get(index / 8 % pool.len()).cloned())
        }

        /// The capacity of a coin as far as the model knows (deposit plus liquidity).
        async fn capacity(&self, coin: &Coin) -> TestResult<u128> {
            let liquidity = self.t.game_view(Contract::liquidityCall { coinId: coin.id }).await?;
            Ok((coin.amount + liquidity).to::<u128>())
        }

        async fn block(&mut self, book: &mut Book, specs: &[MoveSpec]) -> TestResult {
            let mut txs: Vec<(DebitTx, Vec<Bytes>)> = Vec::new();
            let taken = |txs: &[(DebitTx, Vec<Bytes>)], coin: u64| {
                txs.iter().any(|(tx, _)| tx.coinId == coin || (tx.peerCoin != 0 && tx.peerCoin == coin))
            };
            let domain = self.t.domain();
            for spec in specs {
                let Some(coin) = self.coin(spec.coin) else { break };
                if taken(&txs, coin.id) {
                    continue;
                }
                let history = self.history(&coin);
                let point = spec.prev.map_or(history[history.len() - 1], |i| history[i % history.len()]);
                let capacity = self.capacity(&coin).await?;
                let peer =
                    spec.peer.and_then(|i| self.coin(i)).filter(|peer| peer.id != coin.id && !taken(&txs, peer.id));
                let shift = |who: Address| {
                    if spec.wrong_signer { book.user(user_index(book, who).map_or(0, |i| i + 1)) } else { who }
                };
                let (tx, sigs) = match peer {
                    None => {
                        let owner = spec.to.map_or(point.owner, |to| book.user(to));
                        let tx = single(
                            coin.id,
                            point.blknum,
                            owner,
                            part(capacity, spec.share),
                            point.nonce + u64::from(spec.nonce_step),
                        );
                        let sig = self.sign(book, shift(point.owner), &tx);
                        (tx, vec![sig])
                    }
                    Some(peer) => {
                        // A payment of part of the first holder's balance to the peer's holder.
                        let peer_point = *self.history(&peer).last().unwrap_or(&point);
                        let amount = part(point.balance, spec.share);
                        let tx = DebitTx {
                            coinId: coin.id,
                            prevBlock: point.blknum,
                            newOwner: point.owner,
                            balance: point.balance - amount,
                            nonce: point.nonce + u64::from(spec.nonce_step),
                            peerCoin: peer.id,
                            peerPrevBlock: peer_point.blknum,
                            peerOwner: peer_point.owner,
                            peerBalance: peer_point.balance.saturating_add(amount),
                            peerNonce: peer_point.nonce + 1,
                        };
                        let sigs =
                            vec![self.sign(book, shift(point.owner), &tx), self.sign(book, peer_point.owner, &tx)];
                        (tx, sigs)
                    }
                };
                txs.push((tx, sigs));
            }
            let mut leaves = Vec::new();
            for (tx, _) in &txs {
                let hash = domain.hash_typed(tx);
                leaves.push((tx.coinId, hash));
                if tx.peerCoin != 0 {
                    leaves.push((tx.peerCoin, hash));
                }
            }
            let tree = SparseTree::from_leaves(leaves)?;
            let root = tree.root();
            let (operator, framework) = (book.operator(), book.framework);
            let receipt =
                book.call(self.t.chain.as_mut(), operator, framework, Fw::submitBlockCall { root }, U256::ZERO).await?;
            let Some(blknum) = submitted(&receipt) else { return Ok(()) };
            self.trees.insert(blknum, tree);
            self.moves.extend(txs.into_iter().map(|(tx, sigs)| Moved { tx, blknum, sigs }));
            Ok(())
        }

        async fn operator_coin(&mut self, book: &mut Book, amount: U256) -> TestResult {
            let (operator, framework) = (book.operator(), book.framework);
            let receipt = book.call(self.t.chain.as_mut(), operator, framework, Fw::depositCall {}, amount).await?;
            if let Some(event) = receipt.logs.iter().find_map(|log| Fw::DepositCreated::decode_log(log).ok()) {
                let id = event.blknum.to::<u64>();
                self.coins.push(Coin { id, depositor: operator, amount });
                self.funding.push((id, amount));
            }
            Ok(())
        }

        async fn liquidity(
            &mut self,
            book: &mut Book,
            coin: usize,
            amount: U256,
            fresh: bool,
            older: usize,
        ) -> TestResult {
            let Some(coin) = self.coin(coin) else { return Ok(()) };
            let (operator, framework, game) = (book.operator(), book.framework, book.game);
            let funding = if fresh {
                let receipt = book.call(self.t.chain.as_mut(), operator, framework, Fw::depositCall {}, amount).await?;
                let Some(event) = receipt.logs.iter().find_map(|log| Fw::DepositCreated::decode_log(log).ok()) else {
                    return Ok(());
                };
                (event.blknum.to::<u64>(), amount)
            } else {
                let Some(funding) = self.funding.get(older % self.funding.len().max(1)) else { return Ok(()) };
                *funding
            };
            let call = Contract::addLiquidityCall { coinId: coin.id, liquidityDeposit: funding.0, amount: funding.1 };
            book.call(self.t.chain.as_mut(), operator, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn deposit_exit(&mut self, book: &mut Book, coin: usize, sender: Who, bad_amount: bool) -> TestResult {
            let Some(coin) = self.coin(coin) else { return Ok(()) };
            let amount = coin.amount + U256::from(u8::from(bad_amount));
            let call = Contract::startDepositExitCall { coinId: coin.id, depositor: coin.depositor, amount };
            let (from, game) = (sender.resolve(book, coin.depositor), book.game);
            let bond = self.t.exit_bond;
            book.call(self.t.chain.as_mut(), from, game, call, bond).await?;
            Ok(())
        }

        async fn exit(
            &mut self,
            book: &mut Book,
            coin: usize,
            exiting: Option<usize>,
            sender: Who,
            corrupt: Corrupt,
        ) -> TestResult {
            // A coin that moved, mostly one without an open exit.
            let mut idle = Vec::new();
            let mut moved_coins = Vec::new();
            for coin in &self.coins {
                if self.moves_of(coin.id).is_empty() {
                    continue;
                }
                moved_coins.push(*coin);
                if self.t.game_view(Contract::exitsCall { coinId: coin.id }).await?.holder == Address::ZERO {
                    idle.push(*coin);
                }
            }
            let pool = if idle.is_empty() || coin.is_multiple_of(8) { moved_coins } else { idle };
            let Some(coin) = pool.get(coin / 8 % pool.len().max(1)).copied() else { return Ok(()) };
            let moves = self.moves_of(coin.id);
            let Some(last) = moves.last() else { return Ok(()) };
            let exiting = exiting.map_or(*last, |index| moves[index % moves.len()]);
            let Some((prev, owner, ..)) = exiting.leg(coin.id) else { return Ok(()) };
            let parent = if prev == coin.id {
                none()
            } else {
                self.move_at(coin.id, prev).map_or_else(none, |parent| self.included(parent))
            };
            let mut included = self.included(exiting);
            if corrupt == Corrupt::Proof {
                included.proof = flip(&included.proof, coin.id as usize);
            }
            let sig = exiting.sig_for(coin.id);
            let call = Contract::startExitCall {
                coinId: coin.id,
                depositor: coin.depositor,
                amount: coin.amount,
                parent,
                exiting: included,
                exitingSig: if corrupt == Corrupt::Sig { flip(&sig, 9) } else { sig },
            };
            let value = self.t.exit_bond + U256::from(u8::from(corrupt == Corrupt::Bond));
            let (from, game) = (sender.resolve(book, owner), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, value).await?;
            Ok(())
        }

        async fn challenge_spent(
            &mut self,
            book: &mut Book,
            coin: usize,
            spend: usize,
            challenger: usize,
            double: bool,
        ) -> TestResult {
            let wanted = |exit: &Contract::ExitView| !double || exit.prevBlk != 0;
            let Some((coin, exit)) = self.pick_exit(coin, wanted).await? else { return Ok(()) };
            let spends: Vec<&Moved> = self
                .moves_of(coin.id)
                .into_iter()
                .filter(|moved| {
                    let Some((prev, ..)) = moved.leg(coin.id) else { return false };
                    if double {
                        prev == exit.prevBlk && exit.prevBlk < moved.blknum && moved.blknum < exit.exitBlk
                    } else {
                        prev == exit.exitBlk && moved.blknum > exit.exitBlk
                    }
                })
                .collect();
            let Some(moved) = spends.get(spend % spends.len().max(1)) else { return Ok(()) };
            let (spend, sig) = (self.included(moved), moved.sig_for(coin.id));
            let (from, game) = (book.account(challenger), book.game);
            if double {
                let call = Contract::challengeDoubleSpendCall { coinId: coin.id, spend, sig };
                book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            } else {
                let call = Contract::challengeSpentCall { coinId: coin.id, spend, sig };
                book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            }
            Ok(())
        }

        async fn challenge_history(
            &mut self,
            book: &mut Book,
            coin: usize,
            earlier: usize,
            challenger: usize,
        ) -> TestResult {
            let wanted = |exit: &Contract::ExitView| exit.prevBlk != 0 && exit.prevBlk.is_multiple_of(1000);
            let Some((coin, exit)) = self.pick_exit(coin, wanted).await? else { return Ok(()) };
            let mut candidates = vec![deposit_form(&coin)];
            for moved in self.moves_of(coin.id) {
                if moved.blknum < exit.prevBlk {
                    candidates.push(self.included(moved));
                }
            }
            let earlier = candidates.swap_remove(earlier % candidates.len());
            let call = Contract::challengeHistoryCall { coinId: coin.id, earlier };
            let (from, game) = (book.account(challenger), book.game);
            let bond = self.t.challenge_bond;
            book.call(self.t.chain.as_mut(), from, game, call, bond).await?;
            Ok(())
        }

        async fn respond(
            &mut self,
            book: &mut Book,
            coin: usize,
            challenge: usize,
            response: usize,
            responder: Who,
        ) -> TestResult {
            let wanted = |exit: &Contract::ExitView| !exit.pendingCount.is_zero();
            let Some((coin, exit)) = self.pick_exit(coin, wanted).await? else { return Ok(()) };
            let pending = self.t.game_view(Contract::pendingChallengesCall { coinId: coin.id }).await?;
            let Some(challenge) = pending.get(challenge % pending.len().max(1)) else { return Ok(()) };
            let answers: Vec<&Moved> = self
                .moves_of(coin.id)
                .into_iter()
                .filter(|moved| {
                    moved.leg(coin.id).is_some_and(|(prev, ..)| prev == challenge.blknum)
                        && moved.blknum > challenge.blknum
                })
                .collect();
            let Some(answer) = answers.get(response % answers.len().max(1)) else { return Ok(()) };
            let call = Contract::respondHistoryCall {
                coinId: coin.id,
                challengeBlk: challenge.blknum,
                response: self.included(answer),
                sig: answer.sig_for(coin.id),
            };
            let (from, game) = (responder.resolve(book, exit.holder), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        /// A co-signed channel state of the open exit of `coin` (holder and operator signatures).
        async fn state(
            &self,
            book: &Book,
            coin: &Coin,
            exit: &Contract::ExitView,
            share: u8,
            nonce: u64,
            parent_block: bool,
        ) -> TestResult<(DebitTx, Bytes, Bytes)> {
            let capacity = self.capacity(coin).await?;
            let prev = if parent_block && exit.prevBlk != 0 { exit.prevBlk } else { exit.exitBlk };
            let tx = single(coin.id, prev, exit.holder, part(capacity, share), nonce);
            Ok((tx, self.sign(book, exit.holder, &tx), self.sign(book, book.operator(), &tx)))
        }

        async fn challenge_channel(
            &mut self,
            book: &mut Book,
            coin: usize,
            share: u8,
            nonce_step: u8,
            parent_block: bool,
            from: Who,
        ) -> TestResult {
            let Some((coin, exit)) = self.pick_exit(coin, |_| true).await? else { return Ok(()) };
            let nonce = exit.nonce + u64::from(nonce_step);
            let (state, holder_sig, operator_sig) = self.state(book, &coin, &exit, share, nonce, parent_block).await?;
            let call = Contract::challengeChannelCall {
                coinId: coin.id,
                state,
                holderSig: holder_sig,
                operatorSig: operator_sig,
            };
            let (from, game) = (from.resolve(book, exit.holder), book.game);
            let bond = self.t.challenge_bond;
            book.call(self.t.chain.as_mut(), from, game, call, bond).await?;
            Ok(())
        }

        async fn respond_channel(
            &mut self,
            book: &mut Book,
            coin: usize,
            share: u8,
            nonce_step: u8,
            responder: usize,
        ) -> TestResult {
            // Mostly an exit whose channel is challenged.
            let mut challenged = Vec::new();
            for candidate in &self.coins {
                let pending = self.t.game_view(Contract::channelChallengeCall { coinId: candidate.id }).await?;
                let exit = self.t.game_view(Contract::exitsCall { coinId: candidate.id }).await?;
                if pending.deadline != 0 && exit.holder != Address::ZERO {
                    challenged.push((*candidate, exit));
                }
            }
            let picked = if challenged.is_empty() || coin.is_multiple_of(4) {
                self.pick_exit(coin / 4, |_| true).await?
            } else {
                challenged.get(coin / 4 % challenged.len()).cloned()
            };
            let Some((coin, exit)) = picked else { return Ok(()) };
            let pending = self.t.game_view(Contract::channelChallengeCall { coinId: coin.id }).await?;
            let base = pending.nonce.max(exit.nonce);
            let nonce = base + u64::from(nonce_step);
            let (state, holder_sig, operator_sig) = self.state(book, &coin, &exit, share, nonce, false).await?;
            let call = Contract::respondChannelCall {
                coinId: coin.id,
                state,
                holderSig: holder_sig,
                operatorSig: operator_sig,
            };
            let (from, game) = (book.account(responder), book.game);
            book.call(self.t.chain.as_mut(), from, game, call, U256::ZERO).await?;
            Ok(())
        }

        async fn forged(&mut self, book: &mut Book, coin: usize, seed: u64, from: usize, kind: u8) -> TestResult {
            let coin = self.coin(coin).unwrap_or(Coin { id: 1, depositor: book.user(0), amount: U256::from(1) });
            let from = book.account(from);
            let words = noise(seed, 64);
            let random = DebitIncluded {
                tx: single(coin.id, coin.id, from, u128::MAX, seed),
                blknum: 1000 * (1 + seed % 4),
                proof: [&words[..8], &words[8..40]].concat().into(),
                peerProof: Bytes::new(),
            };
            let game = book.game;
            match kind {
                0 => {
                    let call = Contract::startExitCall {
                        coinId: coin.id,
                        depositor: coin.depositor,
                        amount: coin.amount,
                        parent: none(),
                        exiting: random,
                        exitingSig: noise(seed + 1, 65),
                    };
                    let bond = self.t.exit_bond;
                    book.forged(self.t.chain.as_mut(), from, game, call, bond).await?;
                }
                1 => {
                    let call = Contract::challengeChannelCall {
                        coinId: coin.id,
                        state: random.tx,
                        holderSig: noise(seed + 1, 65),
                        operatorSig: noise(seed + 2, 65),
                    };
                    let bond = self.t.challenge_bond;
                    book.forged(self.t.chain.as_mut(), from, game, call, bond).await?;
                }
                _ => {
                    let call = Contract::challengeHistoryCall { coinId: coin.id, earlier: random };
                    let bond = self.t.challenge_bond;
                    book.forged(self.t.chain.as_mut(), from, game, call, bond).await?;
                }
            }
            Ok(())
        }
    }

    impl Game for Debit {
        type Action = Action;
        const NAME: &'static str = "Debit";
        const REGRESSIONS: &'static str = "proptest-regressions/invariants-debit.txt";
        const SELECTORS: &'static [[u8; 4]] = Contract::DebitExitGameCalls::SELECTORS;

        async fn deploy() -> TestResult<Self> {
            let t = DebitDeployment::new("embedded").await?;
            let sample = single(1, 1, t.users[0], 5, 1);
            if t.game_view(Contract::txHashCall { debitTx: sample }).await? != t.domain().hash_typed(&sample) {
                return Err("the Rust and Solidity debit transaction hashes differ".into());
            }
            Ok(Self { t, coins: Vec::new(), moves: Vec::new(), trees: HashMap::new(), funding: Vec::new() })
        }

        fn deployed(&mut self) -> &mut Deployed {
            &mut self.t
        }

        fn event_name(topic: [u8; 32]) -> Option<&'static str> {
            Contract::DebitExitGameEvents::name_by_selector(topic)
        }

        fn actions() -> BoxedStrategy<Action> {
            let index = || any::<usize>();
            prop_oneof![
                5 => proptest::collection::vec(move_spec(), 0..4).prop_map(|moves| Action::Block { moves }),
                1 => amount_strategy().prop_map(|amount| Action::OperatorCoin { amount }),
                2 => (index(), amount_strategy(), proptest::bool::weighted(0.8), index())
                    .prop_map(|(coin, amount, fresh, older)| Action::Liquidity { coin, amount, fresh, older }),
                2 => (index(), who_strategy(), proptest::bool::weighted(0.1))
                    .prop_map(|(coin, sender, bad_amount)| Action::DepositExit { coin, sender, bad_amount }),
                5 => (index(), proptest::option::weighted(0.3, index()), who_strategy(), corrupt_strategy())
                    .prop_map(|(coin, exiting, sender, corrupt)| Action::Exit { coin, exiting, sender, corrupt }),
                2 => (index(), index(), 0..=USERS)
                    .prop_map(|(coin, spend, challenger)| Action::ChallengeSpent { coin, spend, challenger }),
                2 => (index(), index(), 0..=USERS)
                    .prop_map(|(coin, spend, challenger)| Action::ChallengeDoubleSpend { coin, spend, challenger }),
                3 => (index(), index(), 0..=USERS)
                    .prop_map(|(coin, earlier, challenger)| Action::ChallengeHistory { coin, earlier, challenger }),
                3 => (index(), index(), index(), who_strategy()).prop_map(|(coin, challenge, response, responder)| {
                    Action::Respond { coin, challenge, response, responder }
                }),
                3 => (
                    index(),
                    any::<u8>(),
                    prop_oneof![4 => 1u8..3, 1 => Just(0u8)],
                    proptest::bool::weighted(0.2),
                    who_strategy(),
                )
                    .prop_map(|(coin, share, nonce_step, parent_block, from)| Action::ChallengeChannel {
                        coin,
                        share,
                        nonce_step,
                        parent_block,
                        from
                    }),
                3 => (index(), any::<u8>(), prop_oneof![4 => 0u8..3, 1 => Just(5u8)], 0..=USERS).prop_map(
                    |(coin, share, nonce_step, responder)| Action::RespondChannel { coin, share, nonce_step, responder }
                ),
                1 => (index(), any::<u64>(), 0..=USERS, 0u8..3)
                    .prop_map(|(coin, seed, from, kind)| Action::Forged { coin, seed, from, kind }),
            ]
            .boxed()
        }

        fn on_deposit(&mut self, blknum: u64, user: usize, amount: U256) {
            self.coins.push(Coin { id: blknum, depositor: self.t.users[user], amount });
        }

        async fn apply(&mut self, book: &mut Book, action: &Action) -> TestResult {
            match action {
                Action::Block { moves } => self.block(book, moves).await,
                Action::OperatorCoin { amount } => self.operator_coin(book, *amount).await,
                Action::Liquidity { coin, amount, fresh, older } => {
                    self.liquidity(book, *coin, *amount, *fresh, *older).await
                }
                Action::DepositExit { coin, sender, bad_amount } => {
                    self.deposit_exit(book, *coin, *sender, *bad_amount).await
                }
                Action::Exit { coin, exiting, sender, corrupt } => {
                    self.exit(book, *coin, *exiting, *sender, *corrupt).await
                }
                Action::ChallengeSpent { coin, spend, challenger } => {
                    self.challenge_spent(book, *coin, *spend, *challenger, false).await
                }
                Action::ChallengeDoubleSpend { coin, spend, challenger } => {
                    self.challenge_spent(book, *coin, *spend, *challenger, true).await
                }
                Action::ChallengeHistory { coin, earlier, challenger } => {
                    self.challenge_history(book, *coin, *earlier, *challenger).await
                }
                Action::Respond { coin, challenge, response, responder } => {
                    self.respond(book, *coin, *challenge, *response, *responder).await
                }
                Action::ChallengeChannel { coin, share, nonce_step, parent_block, from } => {
                    self.challenge_channel(book, *coin, *share, *nonce_step, *parent_block, *from).await
                }
                Action::RespondChannel { coin, share, nonce_step, responder } => {
                    self.respond_channel(book, *coin, *share, *nonce_step, *responder).await
                }
                Action::Forged { coin, seed, from, kind } => self.forged(book, *coin, *seed, *from, *kind).await,
            }
        }
    }
}

#[test]
fn debit_invariants() -> TestResult {
    property::<debit::Debit>()
}
