//! Plasma XT on `plasma-node`: a coin paid with its history, then a checkpoint whose operator sets
//! the bit of a coin its owner never signed off: the owner's client challenges it on its own,
//! nobody can answer, the operator finalises the checkpoint and it is void; the owner then exits
//! both coins and is paid after the exit period.

use alloy_primitives::U256;
use plasma_cash::{CashGame, CashTag, Handover as CashHandover};
use plasma_core::{ExitScope, SigningKey, UserClient};
use plasma_node::InProcess;
use plasma_rootchain::{DEV_KEYS, RootChain, TxRequest};
use plasma_xt::{Handover, StateCheckpoint, Xt, XtClient, XtEvent, XtGame, XtOperator, XtTag, Zone};

use super::{Chain, ETH, PERIOD, TestResult};

#[tokio::test]
async fn an_xt_chain_runs_on_the_node_and_a_false_bit_is_challenged() -> TestResult {
    let operator = SigningKey::from_bytes(DEV_KEYS[0])?.address();
    let bond = U256::from(ETH / 50);
    let game = XtGame {
        cash: CashGame::new(bond, bond, PERIOD),
        checkpoint_bond: U256::from(ETH / 10),
        checkpoint_period: PERIOD,
        challenge_cap: 2,
    };
    let mut t: Chain<Xt, XtOperator, XtClient> = Chain::start(
        &game,
        |domain| XtOperator::new(domain, operator),
        |key, domain| XtClient::new(key, domain, game, true),
    )
    .await?;
    let (alice, bob) = (t.alice, t.bob);

    // Alice and Bob deposit one ether each: coins 1 and 2.
    let one = U256::from(ETH);
    t.deposit(alice, one).await?;
    t.deposit_seen(bob, one).await?;
    t.node.poll(&t.chain).await?;

    // Alice pays Bob coin 1: Bob checks her history first, and takes the coin once included.
    let offered = t.clients.client("alice")?.cash().wallet().handover(1)?;
    t.clients.client_mut("bob")?.cash_mut().check_history(&offered)?;
    let tx = t.clients.client_mut("alice")?.pay(bob, one)?;
    let announced = t.clients.client_mut("alice")?.hand_over(&tx, None)?.ok_or("announced")?;
    assert!(matches!(announced, Handover::Cash(CashHandover::Announced { .. })));
    t.clients.client_mut("bob")?.receive(&announced)?;
    let (block, handover) = t.include(&tx, "alice").await?;
    t.clients.client_mut("bob")?.receive(&handover)?;
    assert_eq!(t.clients.client("bob")?.balance(), one + one);

    // The operator checkpoints block 1000 over coins 1 and 2: Bob signs coin 1 off, and the
    // operator sets the bit of coin 2 anyway, which Bob never signed.
    let mut state = StateCheckpoint::from_operator(t.node.operator().cash(), block.blknum, Zone::new(1, 2)?)?;
    let sig = t.clients.client_mut("bob")?.sign_off(block.blknum, state.root(), 1, state.proof(1))?;
    state.add_sign_off(&t.domain, 1, sig)?;
    let mut bitmap = state.bitmap();
    bitmap.set(2)?;
    let call = game.propose_checkpoint_call(block.blknum, state.root(), &bitmap);
    let receipt = t.chain.send(TxRequest::call(operator, t.exit_game, call.data).with_value(call.value)).await?;
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
    t.node.operator_mut().proposed(id, state, finalizable_at);

    // Bob's client challenges the false bit on its own; the operator has no answer.
    t.clients.step(&mut t.chain, &InProcess(t.node.operator())).await?;
    let notes: Vec<String> = t.clients.take_notes().into_iter().map(|n| n.0).collect();
    assert_eq!(notes, ["bob's watcher challenges the bit of coin 2 on checkpoint 1 with block 2"]);
    t.node.poll(&t.chain).await?;
    t.node.flush(&mut t.chain).await?;
    assert!(t.node.take_notes().is_empty(), "the operator cannot answer");

    // Once due, the operator finalises the checkpoint: it is void.
    t.chain.advance_time(PERIOD + 1).await?;
    let now = t.chain.block_time().await?;
    for decision in t.node.operator().finalizations_due(now) {
        t.node.decide(decision, now);
    }
    t.node.flush(&mut t.chain).await?;
    let notes: Vec<String> = t.node.take_notes().into_iter().map(|n| n.0).collect();
    assert_eq!(notes, ["operator finalises checkpoint 1"]);
    assert!(!t.node.operator().is_open(id));
    t.clients.step(&mut t.chain, &InProcess(t.node.operator())).await?;
    assert_eq!(t.clients.queued(), 0);

    // Bob exits both coins (no checkpoint starts them) and is paid after the exit period.
    let now = t.chain.block_time().await?;
    let exits = t.clients.client("bob")?.exits(ExitScope::All, now)?;
    let tags: Vec<XtTag> = exits.iter().map(|d| d.tag).collect();
    assert_eq!(tags, [XtTag::Cash(CashTag::OwnExit(1)), XtTag::Cash(CashTag::OwnExit(2))]);
    t.clients.decide("bob", exits, now);
    t.clients.flush(&mut t.chain).await?;
    let notes: Vec<String> = t.clients.take_notes().into_iter().map(|n| n.0).collect();
    assert_eq!(notes, ["bob exits coin 1", "bob exits coin 2"]);

    t.advance(2 * PERIOD + 1).await?;
    t.process_exits().await?;
    // Bob: both coins, his two exit bonds, and his challenge bond back.
    assert_eq!(t.owed(bob).await?, one + one + bond + bond + bond);
    assert_eq!(t.owed(alice).await?, U256::ZERO);
    Ok(())
}
