//! MoreVP on `plasma-node`: a payment handed over in flight, included in a block the operator
//! withholds; both parties' clients exit it in flight on their own and are paid after the period.

use alloy_primitives::{Address, U256};
use plasma_contracts::{PlasmaFramework, deploy_framework, deploy_game, send, view};
use plasma_core::{Design as _, Domain, RetryPolicy, SigningKey, UserClient};
use plasma_morevp::{MoreVp, MoreVpClient, MoreVpGame, Operator};
use plasma_node::{ClientRuntime, InProcess, LogCursor, OperatorRuntime};
use plasma_rootchain::{DEV_KEYS, RootChain};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const PERIOD: u64 = 600;
const ETH: u128 = 1_000_000_000_000_000_000;

#[tokio::test]
async fn a_payment_in_a_withheld_block_is_exited_in_flight_by_both_clients() -> TestResult {
    let mut chain = super::anvil().await?;
    let keys: Vec<SigningKey> = DEV_KEYS[..3].iter().map(|k| SigningKey::from_bytes(*k)).collect::<Result<_, _>>()?;
    let [operator, alice, bob] = [keys[0].address(), keys[1].address(), keys[2].address()];

    let framework = deploy_framework(&mut chain, operator, PERIOD).await?;
    let game = MoreVpGame::with_default_bonds(PERIOD);
    let args = MoreVp::game_constructor_args(&game, framework);
    let deployment = deploy_game(&mut chain, framework, operator, MoreVp::game_bytecode(), args).await?;
    let domain = Domain::new(chain.chain_id(), framework);
    let cursor = LogCursor::new(framework, deployment.exit_game, 0);
    let mut node: OperatorRuntime<MoreVp, Operator> = OperatorRuntime::new(
        Operator::new(domain),
        operator,
        (framework, deployment.exit_game),
        cursor.clone(),
        RetryPolicy::default(),
    );
    let mut clients: ClientRuntime<MoreVp, MoreVpClient> =
        ClientRuntime::new(cursor, deployment.exit_game, RetryPolicy::default());
    clients.add("alice", MoreVpClient::new(keys[1].clone(), domain, game, true));
    clients.add("bob", MoreVpClient::new(keys[2].clone(), domain, game, true));

    let one = U256::from(ETH);
    send(&mut chain, alice, framework, PlasmaFramework::depositCall {}, one).await?;
    clients.ingest(&chain, &InProcess(node.operator())).await?;
    assert_eq!(clients.client("alice")?.balance(), one);

    // Alice pays Bob 0.4 ether and hands the payment over in flight at once.
    let paid = U256::from(ETH / 10 * 4);
    let tx = clients.client_mut("alice")?.pay(bob, paid)?;
    node.submit(&chain, tx.clone()).await?;
    let handover = clients.client_mut("alice")?.hand_over(&tx, None)?.ok_or("in flight")?;
    clients.client_mut("bob")?.receive(&handover)?;

    // The operator commits the block and withholds it: both clients exit the payment in flight.
    let block = node.commit(&mut chain).await?;
    node.operator_mut().withhold(block.blknum);
    clients.step(&mut chain, &InProcess(node.operator())).await?;
    let notes: Vec<String> = clients.take_notes().into_iter().map(|n| n.0).collect();
    assert!(notes.iter().any(|n| n.contains("starts an in-flight exit")), "{notes:?}");
    assert!(notes.iter().any(|n| n.starts_with("bob's watcher") && n.contains("piggybacks on output 0")), "{notes:?}");
    assert!(
        notes.iter().any(|n| n.starts_with("alice's watcher") && n.contains("piggybacks on output 1")),
        "{notes:?}"
    );

    // Nobody challenges; after the exit period both outputs are paid, with every bond back.
    for _ in 0..4 {
        chain.advance_time(PERIOD).await?;
        clients.step(&mut chain, &InProcess(node.operator())).await?;
    }
    send(&mut chain, operator, framework, PlasmaFramework::processExitsCall { maxCount: U256::from(10) }, U256::ZERO)
        .await?;
    let owed = |who: Address| view(&chain, framework, PlasmaFramework::withdrawableCall { account: who });
    let (alice_owed, bob_owed) = (owed(alice).await?, owed(bob).await?);
    assert_eq!(bob_owed, paid + game.piggyback_bond);
    // Alice also piggybacked her input (the block is withheld: canonicity unknown); the payment is
    // canonical, so her change is paid and the input's bond comes back unpaid.
    assert!(notes.iter().any(|n| n.starts_with("alice's watcher") && n.contains("piggybacks on input 0")), "{notes:?}");
    assert_eq!(alice_owed, one - paid + game.in_flight_exit_bond + game.piggyback_bond * U256::from(2));
    assert_eq!(alice_owed + bob_owed, one + game.in_flight_exit_bond + game.piggyback_bond * U256::from(3));
    Ok(())
}
