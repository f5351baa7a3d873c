//! Plasma Cash on `plasma-node`: a coin paid with its whole history (checked by the payee before
//! the payer signs, handed over once included), a withheld block the clients report and leave
//! alone, and an exit of the spent coin that the payee's client challenges on its own; the payee
//! then exits the coin and is paid after the exit period.

use alloy_primitives::U256;
use plasma_cash::{Cash, CashClient, CashGame, CashTag, Finding, Handover, Operator};
use plasma_core::{ExitScope, UserClient};
use plasma_node::InProcess;
use plasma_rootchain::{RootChain, TxRequest};

use super::{Chain, ETH, PERIOD, TestResult};

#[tokio::test]
async fn a_cash_chain_runs_on_the_node_and_a_payee_defends_its_coin() -> TestResult {
    let bond = U256::from(ETH / 50);
    let game = CashGame::new(bond, bond, PERIOD);
    let mut t: Chain<Cash, Operator, CashClient> =
        Chain::start(&game, Operator::new, |key, domain| CashClient::new(key, domain, game, true)).await?;
    let (alice, bob) = (t.alice, t.bob);

    // Alice deposits one ether: coin 1. Every client reads the deposit; the operator credits it.
    let one = U256::from(ETH);
    t.deposit_seen(alice, one).await?;
    t.node.poll(&t.chain).await?;
    assert_eq!(t.clients.client("alice")?.balance(), one);
    // What Alice could exit before paying (a cheater keeps it).
    let stale_exit = t.clients.client("alice")?.wallet().exit_claim(1)?;

    // Bob checks Alice's history of the coin before she signs; she announces the payment with it.
    let offered = t.clients.client("alice")?.wallet().handover(1)?;
    t.clients.client_mut("bob")?.check_history(&offered)?;
    let tx = t.clients.client_mut("alice")?.pay(bob, one)?;
    let announced = t.clients.client_mut("alice")?.hand_over(&tx, None)?.ok_or("announced")?;
    t.clients.client_mut("bob")?.receive(&announced)?;

    // The operator includes it; every client judges the block; Alice's history now holds the
    // payment, which she hands over.
    let (_, handover) = t.include(&tx, "alice").await?;
    assert!(matches!(handover, Handover::Included(_)));
    t.clients.client_mut("bob")?.receive(&handover)?;
    assert_eq!(t.clients.client("bob")?.balance(), one);
    assert_eq!(t.clients.client("alice")?.balance(), U256::ZERO);

    // The operator withholds its next block: Bob's coin can no longer be paid, and stays his.
    let withheld = t.node.commit(&mut t.chain).await?;
    t.node.operator_mut().withhold(withheld.blknum);
    t.clients.step(&mut t.chain, &InProcess(t.node.operator())).await?;
    let findings = t.clients.client_mut("bob")?.findings();
    assert_eq!(findings, [Finding::BlockWithheld { blknum: withheld.blknum, coins: vec![1] }]);
    assert!(t.clients.client_mut("bob")?.findings().is_empty(), "reported once");
    let history = t.clients.client("bob")?.wallet().handover(1)?;
    assert!(t.clients.client_mut("alice")?.check_history(&history).is_err(), "the history cannot span the block");
    assert_eq!(t.clients.queued(), 0, "nobody exits over a withheld block");

    // Alice, cheating outside her client, exits the coin she paid away: Bob's client challenges.
    let call = game.exit_call(&stale_exit);
    let receipt = t.chain.send(TxRequest::call(alice, t.exit_game, call.data).with_value(call.value)).await?;
    assert!(receipt.success, "{:?}", receipt.revert_reason);
    t.clients.step(&mut t.chain, &InProcess(t.node.operator())).await?;
    let notes: Vec<String> = t.clients.take_notes().into_iter().map(|n| n.0).collect();
    assert!(notes.iter().any(|n| n == "bob's watcher shows the spend of coin 1 (spent-coin challenge)"), "{notes:?}");
    assert!(!notes.iter().any(|n| n.starts_with("alice's watcher")), "nobody challenges its own exit: {notes:?}");
    assert_eq!(t.clients.queued(), 0);

    // Bob exits his coin; after the exit period anyone processes the queue.
    let now = t.chain.block_time().await?;
    let exits = t.clients.client("bob")?.exits(ExitScope::All, now)?;
    assert!(matches!(exits.as_slice(), [d] if d.tag == CashTag::OwnExit(1)), "{exits:?}");
    t.clients.decide("bob", exits, now);
    t.clients.flush(&mut t.chain).await?;
    let notes: Vec<String> = t.clients.take_notes().into_iter().map(|n| n.0).collect();
    assert_eq!(notes, ["bob exits coin 1"]);
    t.clients.step(&mut t.chain, &InProcess(t.node.operator())).await?;
    assert!(t.clients.client("bob")?.exits(ExitScope::All, now)?.is_empty(), "his exit is open");

    t.advance(2 * PERIOD + 1).await?;
    t.process_exits().await?;
    // Bob: the coin, his bond back, and Alice's bond for the challenge.
    assert_eq!(t.owed(bob).await?, one + bond + bond);
    assert_eq!(t.owed(alice).await?, U256::ZERO);
    Ok(())
}
