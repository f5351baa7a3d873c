//! Plasma Debit on `plasma-node`: a coin transferred and handed over with its history, a thief's
//! exit of that spent coin which the payee's client challenges on its own, and a stale exit the
//! operator corrects with the channel state it co-signed; every exit is paid exactly.

use alloy_primitives::{Address, U256};
use plasma_contracts::{PlasmaFramework, deploy_framework, deploy_game, send, view};
use plasma_core::{Design, Domain, ExitScope, GameCall, OperatorState, RetryPolicy, SigningKey, UserClient};
use plasma_debit::{Debit, DebitClient, DebitGame, DebitOperator, DepositRecord, Handover};
use plasma_node::{ClientRuntime, InProcess, LogCursor, OperatorRuntime};
use plasma_rootchain::{DEV_KEYS, RootChain, RpcNode, TxRequest};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const PERIOD: u64 = 600;
const ETH: u128 = 1_000_000_000_000_000_000;

/// One look at the chain, as a node runs it: the operator reads what happened, the clients look
/// (events, blocks, decisions sent), the operator sends what it owes; returns what was noted, in
/// that order.
async fn look(
    chain: &mut RpcNode,
    node: &mut OperatorRuntime<Debit, DebitOperator>,
    clients: &mut ClientRuntime<Debit, DebitClient>,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    node.poll(chain).await?;
    clients.step(chain, &InProcess(node.operator())).await?;
    node.flush(chain).await?;
    let mut notes: Vec<String> = clients.take_notes().into_iter().map(|n| n.0).collect();
    notes.extend(node.take_notes().into_iter().map(|n| n.0));
    Ok(notes)
}

/// Sends `call` to the exit game from `from`; it must succeed.
async fn game_call(chain: &mut RpcNode, exit_game: Address, from: Address, call: &GameCall) -> TestResult {
    let tx = TxRequest::call(from, exit_game, call.data.clone()).with_value(call.value);
    let receipt = chain.send(tx).await?;
    assert!(receipt.success, "{:?}", receipt.revert_reason);
    Ok(())
}

#[tokio::test]
async fn a_debit_chain_runs_on_the_node_and_clients_defend_their_coins() -> TestResult {
    let mut chain = super::anvil().await?;
    let keys: Vec<SigningKey> = DEV_KEYS[..4].iter().map(|k| SigningKey::from_bytes(*k)).collect::<Result<_, _>>()?;
    let [operator, alice, bob, carol] = [keys[0].address(), keys[1].address(), keys[2].address(), keys[3].address()];

    let framework = deploy_framework(&mut chain, operator, PERIOD).await?;
    let bond = U256::from(ETH / 50);
    let game = DebitGame::new(bond, bond);
    let args = Debit::game_constructor_args(&game, framework);
    let deployment = deploy_game(&mut chain, framework, operator, Debit::game_bytecode(), args).await?;
    let exit_game = deployment.exit_game;
    let domain = Domain::new(chain.chain_id(), framework);
    let cursor = LogCursor::new(framework, exit_game, 0);

    let mut node: OperatorRuntime<Debit, DebitOperator> = OperatorRuntime::new(
        DebitOperator::new(keys[0].clone(), domain),
        operator,
        (framework, exit_game),
        cursor.clone(),
        RetryPolicy::default(),
    );
    let mut clients: ClientRuntime<Debit, DebitClient> = ClientRuntime::new(cursor, exit_game, RetryPolicy::default());
    for (name, key) in ["alice", "bob", "carol"].into_iter().zip(&keys[1..]) {
        clients.add(name, DebitClient::new(key.clone(), domain, operator, game, PERIOD, true));
    }

    // Alice deposits one ether, coin 1; her client learns it from the chain.
    let one = U256::from(ETH);
    send(&mut chain, alice, framework, PlasmaFramework::depositCall {}, one).await?;
    clients.ingest(&chain, &InProcess(node.operator())).await?;
    assert_eq!(clients.client("alice")?.balance(), one);

    // She pays Bob the whole coin: an ownership transfer, announced to Bob with the coin's
    // history once the operator accepted it.
    let tx = clients.client_mut("alice")?.pay(bob, one)?;
    node.submit(&chain, tx.clone()).await?;
    let announced = clients.client_mut("alice")?.hand_over(&tx, None)?.ok_or("a transfer is announced")?;
    assert!(matches!(announced, Handover::Announced { .. }));
    clients.client_mut("bob")?.receive(&announced)?;
    let block = node.commit(&mut chain).await?;

    // Every client reads the block; Alice hands Bob the history through it, which he verifies.
    look(&mut chain, &mut node, &mut clients).await?;
    let data = node.operator().block_data(block.blknum).ok_or("the block is published")?;
    let handover =
        clients.client_mut("alice")?.hand_over(&tx, Some((block.blknum, &data)))?.ok_or("alice hands over")?;
    clients.client_mut("bob")?.receive(&handover)?;
    assert_eq!(clients.client("bob")?.balance(), one);
    assert_eq!(clients.client("alice")?.balance(), U256::ZERO);

    // Alice exits the coin she spent, from her deposit: Bob's client challenges on its own with
    // her transfer, and the exit is gone.
    let stale = game.start_deposit_exit_call(&DepositRecord::new(1, alice, one));
    game_call(&mut chain, exit_game, alice, &stale).await?;
    let notes = look(&mut chain, &mut node, &mut clients).await?;
    assert_eq!(notes, ["bob shows the spend of coin 1 (spent-coin challenge)"]);
    look(&mut chain, &mut node, &mut clients).await?;
    assert!(clients.client("bob")?.open_exits().iter().next().is_none(), "alice's exit was removed");

    // Carol deposits one ether (coin 1001, after child block 1000) and pays the operator 0.4 ether
    // on its channel: a state both co-sign off chain.
    send(&mut chain, carol, framework, PlasmaFramework::depositCall {}, one).await?;
    look(&mut chain, &mut node, &mut clients).await?;
    let coin = *clients.client("carol")?.wallet().held_coins().first().ok_or("carol holds her deposit")?;
    assert_eq!(coin, block.blknum + 1);
    let left = ETH / 10 * 6;
    let (state, sig) = clients.client_mut("carol")?.propose_state(coin, left)?;
    let cosigned = node.operator_mut().cosign(state, sig)?;
    clients.client_mut("carol")?.store_state(cosigned)?;

    // Carol and Bob exit what they hold, as their clients decide; Carol's exit starts from her
    // deposit. Her client challenges it with the newer state she co-signed, and the operator
    // answers with that same state on its own: the exit pays the state, her bond comes back.
    let now = chain.block_time().await?;
    for name in ["bob", "carol"] {
        let exits = clients.client(name)?.exits(ExitScope::All, now)?;
        clients.decide(name, exits, now);
    }
    clients.flush(&mut chain).await?;
    let mut notes: Vec<String> = clients.take_notes().into_iter().map(|n| n.0).collect();
    notes.extend(look(&mut chain, &mut node, &mut clients).await?);
    assert_eq!(
        notes,
        [
            "bob exits coin 1".to_owned(),
            format!("carol exits coin {coin}"),
            format!("carol challenges the exit of coin {coin} with its state of nonce 1"),
            format!("operator answers on coin {coin} with the co-signed state of nonce 1"),
        ]
    );

    // A second look decides nothing again.
    let notes = look(&mut chain, &mut node, &mut clients).await?;
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(clients.queued(), 0, "every decided call was sent");

    // After the exit period anyone processes the queue: Bob is owed the coin, his bond and Alice's;
    // Carol her balance and both her bonds; the operator its share of Carol's coin; Alice nothing.
    chain.advance_time(2 * PERIOD + 1).await?;
    send(&mut chain, operator, framework, PlasmaFramework::processExitsCall { maxCount: U256::from(10) }, U256::ZERO)
        .await?;
    let owed = |who: Address| view(&chain, framework, PlasmaFramework::withdrawableCall { account: who });
    assert_eq!(owed(bob).await?, one + bond + bond);
    assert_eq!(owed(carol).await?, U256::from(left) + bond + bond);
    assert_eq!(owed(operator).await?, one - U256::from(left));
    assert_eq!(owed(alice).await?, U256::ZERO);
    Ok(())
}
