//! `plasma-node` with one design crate against a spawned anvil, without the harness: the
//! operator loop and the users' client loop keep honest users whole.

mod cash;
mod debit;
mod morevp;
mod mvp;
mod xt;

use alloy_primitives::{Address, U256};
use plasma_contracts::{PlasmaFramework, deploy_framework, deploy_game, send, view};
use plasma_core::{BlockSubmittedEvent, Design, Domain, OperatorState, RetryPolicy, SigningKey, UserClient};
use plasma_node::{ClientRuntime, InProcess, LogCursor, OperatorRuntime};
use plasma_rootchain::{DEV_KEYS, RootChain, RpcNode, anvil_path};

/// A fresh anvil of this test's own.
async fn anvil() -> TestResult<RpcNode> {
    Ok(RpcNode::spawn_anvil(anvil_path()).await?)
}

/// What a test returns.
type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// The games' minimum exit period on the test chain, in seconds.
const PERIOD: u64 = 600;
/// One ether, in wei.
const ETH: u128 = 1_000_000_000_000_000_000;

/// A deployment of design `D` on its own anvil: the operator (dev account 0) on the runtime, and
/// the clients of alice and bob (dev accounts 1 and 2), watching.
struct Chain<D: Design, O, C> {
    chain: RpcNode,
    domain: Domain,
    framework: Address,
    node: OperatorRuntime<D, O>,
    exit_game: Address,
    clients: ClientRuntime<D, C>,
    operator: Address,
    alice: Address,
    bob: Address,
}

impl<D: Design, O: OperatorState<D>, C: UserClient<D>> Chain<D, O, C> {
    /// Spawns anvil, deploys the framework and `game`, and starts the operator `operator` and
    /// the clients `client(key, domain)` of alice and bob.
    async fn start(
        game: &D::Game,
        operator: impl FnOnce(Domain) -> O,
        client: impl Fn(SigningKey, Domain) -> C,
    ) -> TestResult<Self> {
        let mut chain = RpcNode::spawn_anvil(anvil_path()).await?;
        let keys: Vec<SigningKey> =
            DEV_KEYS[..3].iter().map(|k| SigningKey::from_bytes(*k)).collect::<Result<_, _>>()?;
        let [operator_address, alice, bob] = [keys[0].address(), keys[1].address(), keys[2].address()];
        let framework = deploy_framework(&mut chain, operator_address, PERIOD).await?;
        let args = D::game_constructor_args(game, framework);
        let deployment = deploy_game(&mut chain, framework, operator_address, D::game_bytecode(), args).await?;
        let domain = Domain::new(chain.chain_id(), framework);
        let cursor = LogCursor::new(framework, deployment.exit_game, 0);
        let node = OperatorRuntime::new(
            operator(domain),
            operator_address,
            (framework, deployment.exit_game),
            cursor.clone(),
            RetryPolicy::default(),
        );
        let mut clients = ClientRuntime::new(cursor, deployment.exit_game, RetryPolicy::default());
        clients.add("alice", client(keys[1].clone(), domain));
        clients.add("bob", client(keys[2].clone(), domain));
        let exit_game = deployment.exit_game;
        Ok(Self { chain, domain, framework, node, exit_game, clients, operator: operator_address, alice, bob })
    }

    /// `who` deposits `amount` wei.
    async fn deposit(&mut self, who: Address, amount: U256) -> TestResult {
        send(&mut self.chain, who, self.framework, PlasmaFramework::depositCall {}, amount).await?;
        Ok(())
    }

    /// Anyone processes up to ten exits.
    async fn process_exits(&mut self) -> TestResult {
        let call = PlasmaFramework::processExitsCall { maxCount: U256::from(10) };
        send(&mut self.chain, self.operator, self.framework, call, U256::ZERO).await?;
        Ok(())
    }

    /// What the framework owes `who`.
    async fn owed(&self, who: Address) -> TestResult<U256> {
        Ok(view(&self.chain, self.framework, PlasmaFramework::withdrawableCall { account: who }).await?)
    }

    /// Moves the chain's clock by `seconds`.
    async fn advance(&mut self, seconds: u64) -> TestResult {
        Ok(self.chain.advance_time(seconds).await?)
    }
}

impl<D: Design, O: OperatorState<D> + Sync, C: UserClient<D>> Chain<D, O, C> {
    /// `who` deposits `amount` wei, and every client reads the deposit.
    async fn deposit_seen(&mut self, who: Address, amount: U256) -> TestResult {
        self.deposit(who, amount).await?;
        self.clients.ingest(&self.chain, &InProcess(self.node.operator())).await?;
        Ok(())
    }

    /// Alice deposits `deposit` wei, which her client then holds, and signs a payment of `paid`
    /// wei to Bob.
    async fn alice_pays_bob(&mut self, deposit: U256, paid: U256) -> TestResult<D::Tx> {
        self.deposit_seen(self.alice, deposit).await?;
        assert_eq!(self.clients.client("alice")?.balance(), deposit);
        Ok(self.clients.client_mut("alice")?.pay(self.bob, paid)?)
    }

    /// The operator includes `tx` in the block it commits; every client judges the block, and
    /// `payer` hands the payment over with the block's data. Returns the block and the handover.
    async fn include(&mut self, tx: &D::Tx, payer: &str) -> TestResult<(BlockSubmittedEvent, D::Handover)> {
        self.node.submit(&self.chain, tx.clone()).await?;
        let block = self.node.commit(&mut self.chain).await?;
        self.clients.step(&mut self.chain, &InProcess(self.node.operator())).await?;
        let data = self.node.operator().block_data(block.blknum).ok_or("the block is published")?;
        let handover = self
            .clients
            .client_mut(payer)?
            .hand_over(tx, Some((block.blknum, &data)))?
            .ok_or("the payer hands over")?;
        Ok((block, handover))
    }
}
