//! Plasma Cash on `plasma-node`: a coin paid with its whole history (checked by the payee before
//! the payer signs, handed over once included), a withheld block the clients report and leave
//! alone, and an exit of the spent coin that the payee's client challenges on its own; the payee
//! then exits the coin and is paid after the exit period.

use alloy_primitives::U256;
use plasma_cash::{Cash, CashClient, CashGame, CashTag, Finding, Handover, Operator};
use plasma_contracts::{PlasmaFramework, deploy_framework, deploy_game, send, view};
use plasma_core::{Design, Domain, ExitScope, OperatorState, RetryPolicy, SigningKey, UserClient};
use plasma_node::{ClientRuntime, InProcess, LogCursor, OperatorRuntime};
use plasma_rootchain::{DEV_KEYS, RootChain, TxRequest};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const PERIOD: u64 = 600;
const ETH: u128 = 1_000_000_000_000_000_000;

#[tokio::test]
async fn a_cash_chain_runs_on_the_node_and_a_payee_defends_its_coin() -> TestResult {
    let mut chain = super::anvil().await?;
    let keys: Vec<SigningKey> = DEV_KEYS[..3].iter().map(|k| SigningKey::from_bytes(*k)).collect::<Result<_, _>>()?;
    let [operator, alice, bob] = [keys[0].address(), keys[1].address(), keys[2].address()];

    let framework = deploy_framework(&mut chain, operator, PERIOD).await?;
    let bond = U256::from(ETH / 50);
    let game = CashGame::new(bond, bond, PERIOD);
    let args = Cash::game_constructor_args(&game, framework);
    let deployment = deploy_game(&mut chain, framework, operator, Cash::game_bytecode(), args).await?;
    let domain = Domain::new(chain.chain_id(), framework);
    let cursor = LogCursor::new(framework, deployment.exit_game, 0);

    let mut node: OperatorRuntime<Cash, Operator> = OperatorRuntime::new(
        Operator::new(domain),
        operator,
        (framework, deployment.exit_game),
        cursor.clone(),
        RetryPolicy::default(),
    );
    let mut clients: ClientRuntime<Cash, CashClient> =
        ClientRuntime::new(cursor, deployment.exit_game, RetryPolicy::default());
    clients.add("alice", CashClient::new(keys[1].clone(), domain, game, true));
    clients.add("bob", CashClient::new(keys[2].clone(), domain, game, true));

    // Alice deposits one ether: coin 1. Every client reads the deposit; the operator credits it.
    let one = U256::from(ETH);
    send(&mut chain, alice, framework, PlasmaFramework::depositCall {}, one).await?;
    clients.ingest(&chain, &InProcess(node.operator())).await?;
    node.poll(&chain).await?;
    assert_eq!(clients.client("alice")?.balance(), one);
    // What Alice could exit before paying (a cheater keeps it).
    let stale_exit = clients.client("alice")?.wallet().exit_claim(1)?;

    // Bob checks Alice's history of the coin before she signs; she announces the payment with it.
    let offered = clients.client("alice")?.wallet().handover(1)?;
    clients.client_mut("bob")?.check_history(&offered)?;
    let tx = clients.client_mut("alice")?.pay(bob, one)?;
    let announced = clients.client_mut("alice")?.hand_over(&tx, None)?.ok_or("announced")?;
    clients.client_mut("bob")?.receive(&announced)?;
    node.submit(&chain, tx).await?;
    let block = node.commit(&mut chain).await?;

    // Every client judges the block; Alice's history now holds the payment, which she hands over.
    clients.step(&mut chain, &InProcess(node.operator())).await?;
    let data = node.operator().block_data(block.blknum).ok_or("the block is published")?;
    let handover = clients.client_mut("alice")?.hand_over(&tx, Some((block.blknum, &data)))?.ok_or("included")?;
    assert!(matches!(handover, Handover::Included(_)));
    clients.client_mut("bob")?.receive(&handover)?;
    assert_eq!(clients.client("bob")?.balance(), one);
    assert_eq!(clients.client("alice")?.balance(), U256::ZERO);

    // The operator withholds its next block: Bob's coin can no longer be paid, and stays his.
    let withheld = node.commit(&mut chain).await?;
    node.operator_mut().withhold(withheld.blknum);
    clients.step(&mut chain, &InProcess(node.operator())).await?;
    let findings = clients.client_mut("bob")?.findings();
    assert_eq!(findings, [Finding::BlockWithheld { blknum: withheld.blknum, coins: vec![1] }]);
    assert!(clients.client_mut("bob")?.findings().is_empty(), "reported once");
    let history = clients.client("bob")?.wallet().handover(1)?;
    assert!(clients.client_mut("alice")?.check_history(&history).is_err(), "the history cannot span the block");
    assert_eq!(clients.queued(), 0, "nobody exits over a withheld block");

    // Alice, cheating outside her client, exits the coin she paid away: Bob's client challenges.
    let call = game.exit_call(&stale_exit);
    let receipt = chain.send(TxRequest::call(alice, deployment.exit_game, call.data).with_value(call.value)).await?;
    assert!(receipt.success, "{:?}", receipt.revert_reason);
    clients.step(&mut chain, &InProcess(node.operator())).await?;
    let notes: Vec<String> = clients.take_notes().into_iter().map(|n| n.0).collect();
    assert!(notes.iter().any(|n| n == "bob's watcher shows the spend of coin 1 (spent-coin challenge)"), "{notes:?}");
    assert!(!notes.iter().any(|n| n.starts_with("alice's watcher")), "nobody challenges its own exit: {notes:?}");
    assert_eq!(clients.queued(), 0);

    // Bob exits his coin; after the exit period anyone processes the queue.
    let now = chain.block_time().await?;
    let exits = clients.client("bob")?.exits(ExitScope::All, now)?;
    assert!(matches!(exits.as_slice(), [d] if d.tag == CashTag::OwnExit(1)), "{exits:?}");
    clients.decide("bob", exits, now);
    clients.flush(&mut chain).await?;
    let notes: Vec<String> = clients.take_notes().into_iter().map(|n| n.0).collect();
    assert_eq!(notes, ["bob exits coin 1"]);
    clients.step(&mut chain, &InProcess(node.operator())).await?;
    assert!(clients.client("bob")?.exits(ExitScope::All, now)?.is_empty(), "his exit is open");

    chain.advance_time(2 * PERIOD + 1).await?;
    send(&mut chain, operator, framework, PlasmaFramework::processExitsCall { maxCount: U256::from(10) }, U256::ZERO)
        .await?;
    let owed = |who| view(&chain, framework, PlasmaFramework::withdrawableCall { account: who });
    // Bob: the coin, his bond back, and Alice's bond for the challenge.
    assert_eq!(owed(bob).await?, one + bond + bond);
    assert_eq!(owed(alice).await?, U256::ZERO);
    Ok(())
}
