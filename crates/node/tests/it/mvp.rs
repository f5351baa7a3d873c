//! Plasma MVP on `plasma-node`: a payment handed over after its block is validated, then a
//! withheld block that every user's client answers with exits, paid after the exit period.

use alloy_primitives::{Address, U256};
use plasma_contracts::{PlasmaFramework, deploy_framework, deploy_game, send, view};
use plasma_core::{Design, Domain, OperatorState, RetryPolicy, SigningKey, UserClient};
use plasma_mvp::{Mvp, MvpClient, MvpGame, Operator};
use plasma_node::{ClientRuntime, InProcess, LogCursor, OperatorRuntime};
use plasma_rootchain::{DEV_KEYS, RootChain};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const PERIOD: u64 = 600;
const ETH: u128 = 1_000_000_000_000_000_000;

#[tokio::test]
async fn an_mvp_chain_runs_on_the_node_and_users_exit_a_withheld_block() -> TestResult {
    let mut chain = super::anvil().await?;
    let keys: Vec<SigningKey> = DEV_KEYS[..3].iter().map(|k| SigningKey::from_bytes(*k)).collect::<Result<_, _>>()?;
    let [operator, alice, bob] = [keys[0].address(), keys[1].address(), keys[2].address()];

    let framework = deploy_framework(&mut chain, operator, PERIOD).await?;
    let game = MvpGame::new(U256::from(ETH / 50), PERIOD);
    let args = Mvp::game_constructor_args(&game, framework);
    let deployment = deploy_game(&mut chain, framework, operator, Mvp::game_bytecode(), args).await?;
    let domain = Domain::new(chain.chain_id(), framework);
    let cursor = LogCursor::new(framework, deployment.exit_game, 0);

    let mut node: OperatorRuntime<Mvp, Operator> = OperatorRuntime::new(
        Operator::new(domain),
        operator,
        (framework, deployment.exit_game),
        cursor.clone(),
        RetryPolicy::default(),
    );
    let mut clients: ClientRuntime<Mvp, MvpClient> =
        ClientRuntime::new(cursor, deployment.exit_game, RetryPolicy::default());
    clients.add("alice", MvpClient::new(keys[1].clone(), domain, game, true));
    clients.add("bob", MvpClient::new(keys[2].clone(), domain, game, true));

    // Alice deposits one ether; her client learns it from the chain.
    let one = U256::from(ETH);
    send(&mut chain, alice, framework, PlasmaFramework::depositCall {}, one).await?;
    clients.ingest(&chain, &InProcess(node.operator())).await?;
    assert_eq!(clients.client("alice")?.balance(), one);

    // She pays Bob 0.4 ether; the operator includes it and commits the block.
    let paid = U256::from(ETH / 10 * 4);
    let tx = clients.client_mut("alice")?.pay(bob, paid)?;
    assert!(clients.client_mut("alice")?.hand_over(&tx, None)?.is_none(), "nothing is handed over in flight");
    node.submit(&chain, tx.clone()).await?;
    let block = node.commit(&mut chain).await?;

    // Every client validates the block; Alice hands the payment over only then.
    clients.step(&mut chain, &InProcess(node.operator())).await?;
    let data = node.operator().block_data(block.blknum).ok_or("the block is published")?;
    let handover = clients.client_mut("alice")?.hand_over(&tx, Some((block.blknum, &data)))?.ok_or("alice vouches")?;
    // Every owner of an output takes the handover: Bob his payment, Alice her change.
    clients.client_mut("bob")?.receive(&handover)?;
    clients.client_mut("alice")?.receive(&handover)?;
    assert_eq!(clients.client("bob")?.balance(), paid);
    assert_eq!(clients.client("alice")?.balance(), one - paid);

    // The operator withholds its next block: every client exits what its user owns, on its own.
    let withheld = node.commit(&mut chain).await?;
    node.operator_mut().withhold(withheld.blknum);
    clients.step(&mut chain, &InProcess(node.operator())).await?;
    let notes: Vec<String> = clients.take_notes().into_iter().map(|n| n.0).collect();
    assert!(notes.iter().any(|n| n.starts_with("alice exits")), "{notes:?}");
    assert!(notes.iter().any(|n| n.starts_with("bob exits")), "{notes:?}");
    assert_eq!(clients.queued(), 0, "every decided exit was sent");

    // A second look decides nothing again.
    clients.step(&mut chain, &InProcess(node.operator())).await?;
    assert!(clients.take_notes().iter().all(|n| !n.0.contains("exits")));

    // After the exit period anyone processes the queue; both are owed their outputs and bonds.
    chain.advance_time(2 * PERIOD + 1).await?;
    send(&mut chain, operator, framework, PlasmaFramework::processExitsCall { maxCount: U256::from(10) }, U256::ZERO)
        .await?;
    let owed = |who: Address| view(&chain, framework, PlasmaFramework::withdrawableCall { account: who });
    assert_eq!(owed(bob).await?, paid + game.exit_bond);
    assert_eq!(owed(alice).await?, one - paid + game.exit_bond);
    assert!(super::now(&chain).await? > block.timestamp);
    Ok(())
}
