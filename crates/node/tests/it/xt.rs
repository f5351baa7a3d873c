//! Plasma XT on `plasma-node`: a coin paid with its history, then a checkpoint whose operator sets
//! the bit of a coin its owner never signed off: the owner's client challenges it on its own,
//! nobody can answer, the operator finalises the checkpoint and it is void; the owner then exits
//! both coins and is paid after the exit period.

use alloy_primitives::U256;
use plasma_cash::{CashGame, CashTag, Handover as CashHandover};
use plasma_contracts::{PlasmaFramework, deploy_framework, deploy_game, send, view};
use plasma_core::{Design, Domain, ExitScope, OperatorState, RetryPolicy, SigningKey, UserClient};
use plasma_node::{ClientRuntime, InProcess, LogCursor, OperatorRuntime};
use plasma_rootchain::{DEV_KEYS, RootChain, TxRequest};
use plasma_xt::{Handover, StateCheckpoint, Xt, XtClient, XtEvent, XtGame, XtOperator, XtTag, Zone};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const PERIOD: u64 = 600;
const ETH: u128 = 1_000_000_000_000_000_000;

#[tokio::test]
async fn an_xt_chain_runs_on_the_node_and_a_false_bit_is_challenged() -> TestResult {
    let mut chain = super::anvil().await?;
    let keys: Vec<SigningKey> = DEV_KEYS[..3].iter().map(|k| SigningKey::from_bytes(*k)).collect::<Result<_, _>>()?;
    let [operator, alice, bob] = [keys[0].address(), keys[1].address(), keys[2].address()];

    let framework = deploy_framework(&mut chain, operator, PERIOD).await?;
    let bond = U256::from(ETH / 50);
    let game = XtGame {
        cash: CashGame::new(bond, bond, PERIOD),
        checkpoint_bond: U256::from(ETH / 10),
        checkpoint_period: PERIOD,
        challenge_cap: 2,
    };
    let args = Xt::game_constructor_args(&game, framework);
    let deployment = deploy_game(&mut chain, framework, operator, Xt::game_bytecode(), args).await?;
    let domain = Domain::new(chain.chain_id(), framework);
    let cursor = LogCursor::new(framework, deployment.exit_game, 0);

    let mut node: OperatorRuntime<Xt, XtOperator> = OperatorRuntime::new(
        XtOperator::new(domain, operator),
        operator,
        (framework, deployment.exit_game),
        cursor.clone(),
        RetryPolicy::default(),
    );
    let mut clients: ClientRuntime<Xt, XtClient> =
        ClientRuntime::new(cursor, deployment.exit_game, RetryPolicy::default());
    clients.add("alice", XtClient::new(keys[1].clone(), domain, game, true));
    clients.add("bob", XtClient::new(keys[2].clone(), domain, game, true));

    // Alice and Bob deposit one ether each: coins 1 and 2.
    let one = U256::from(ETH);
    send(&mut chain, alice, framework, PlasmaFramework::depositCall {}, one).await?;
    send(&mut chain, bob, framework, PlasmaFramework::depositCall {}, one).await?;
    clients.ingest(&chain, &InProcess(node.operator())).await?;
    node.poll(&chain).await?;

    // Alice pays Bob coin 1: Bob checks her history first, and takes the coin once included.
    let offered = clients.client("alice")?.cash().wallet().handover(1)?;
    clients.client_mut("bob")?.cash_mut().check_history(&offered)?;
    let tx = clients.client_mut("alice")?.pay(bob, one)?;
    let announced = clients.client_mut("alice")?.hand_over(&tx, None)?.ok_or("announced")?;
    assert!(matches!(announced, Handover::Cash(CashHandover::Announced { .. })));
    clients.client_mut("bob")?.receive(&announced)?;
    node.submit(&chain, tx).await?;
    let block = node.commit(&mut chain).await?;
    clients.step(&mut chain, &InProcess(node.operator())).await?;
    let data = node.operator().block_data(block.blknum).ok_or("the block is published")?;
    let handover = clients.client_mut("alice")?.hand_over(&tx, Some((block.blknum, &data)))?.ok_or("included")?;
    clients.client_mut("bob")?.receive(&handover)?;
    assert_eq!(clients.client("bob")?.balance(), one + one);

    // The operator checkpoints block 1000 over coins 1 and 2: Bob signs coin 1 off, and the
    // operator sets the bit of coin 2 anyway, which Bob never signed.
    let mut state = StateCheckpoint::from_operator(node.operator().cash(), block.blknum, Zone::new(1, 2)?)?;
    let sig = clients.client_mut("bob")?.sign_off(block.blknum, state.root(), 1, state.proof(1))?;
    state.add_sign_off(&domain, 1, sig)?;
    let mut bitmap = state.bitmap();
    bitmap.set(2)?;
    let call = game.propose_checkpoint_call(block.blknum, state.root(), &bitmap);
    let receipt = chain.send(TxRequest::call(operator, deployment.exit_game, call.data).with_value(call.value)).await?;
    assert!(receipt.success, "{:?}", receipt.revert_reason);
    let (id, finalizable_at) = receipt
        .logs
        .iter()
        .find_map(|log| match XtEvent::decode(log) {
            Ok(Some(XtEvent::CheckpointProposed { checkpoint, finalizable_at })) => {
                Some((checkpoint.id, finalizable_at))
            }
            _ => None,
        })
        .ok_or("CheckpointProposed")?;
    node.operator_mut().proposed(id, state, finalizable_at);

    // Bob's client challenges the false bit on its own; the operator has no answer.
    clients.step(&mut chain, &InProcess(node.operator())).await?;
    let notes: Vec<String> = clients.take_notes().into_iter().map(|n| n.0).collect();
    assert_eq!(notes, ["bob's watcher challenges the bit of coin 2 on checkpoint 1 with block 2"]);
    node.poll(&chain).await?;
    node.flush(&mut chain).await?;
    assert!(node.take_notes().is_empty(), "the operator cannot answer");

    // Once due, the operator finalises the checkpoint: it is void.
    chain.advance_time(PERIOD + 1).await?;
    let now = chain.block_time().await?;
    for decision in node.operator().finalizations_due(now) {
        node.decide(decision, now);
    }
    node.flush(&mut chain).await?;
    let notes: Vec<String> = node.take_notes().into_iter().map(|n| n.0).collect();
    assert_eq!(notes, ["operator finalises checkpoint 1"]);
    assert!(!node.operator().is_open(id));
    clients.step(&mut chain, &InProcess(node.operator())).await?;
    assert_eq!(clients.queued(), 0);

    // Bob exits both coins (no checkpoint starts them) and is paid after the exit period.
    let now = chain.block_time().await?;
    let exits = clients.client("bob")?.exits(ExitScope::All, now)?;
    let tags: Vec<XtTag> = exits.iter().map(|d| d.tag).collect();
    assert_eq!(tags, [XtTag::Cash(CashTag::OwnExit(1)), XtTag::Cash(CashTag::OwnExit(2))]);
    clients.decide("bob", exits, now);
    clients.flush(&mut chain).await?;
    let notes: Vec<String> = clients.take_notes().into_iter().map(|n| n.0).collect();
    assert_eq!(notes, ["bob exits coin 1", "bob exits coin 2"]);

    chain.advance_time(2 * PERIOD + 1).await?;
    send(&mut chain, operator, framework, PlasmaFramework::processExitsCall { maxCount: U256::from(10) }, U256::ZERO)
        .await?;
    let owed = |who| view(&chain, framework, PlasmaFramework::withdrawableCall { account: who });
    // Bob: both coins, his two exit bonds, and his challenge bond back.
    assert_eq!(owed(bob).await?, one + one + bond + bond + bond);
    assert_eq!(owed(alice).await?, U256::ZERO);
    Ok(())
}
