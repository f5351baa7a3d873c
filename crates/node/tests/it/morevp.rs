//! MoreVP on `plasma-node`: a payment handed over in flight, included in a block the operator
//! withholds; both parties' clients exit it in flight on their own and are paid after the period.

use alloy_primitives::U256;
use plasma_core::UserClient;
use plasma_morevp::{MoreVp, MoreVpClient, MoreVpGame, Operator};
use plasma_node::InProcess;

use super::{Chain, ETH, PERIOD, TestResult};

#[tokio::test]
async fn a_payment_in_a_withheld_block_is_exited_in_flight_by_both_clients() -> TestResult {
    let game = MoreVpGame::with_default_bonds(PERIOD);
    let mut t: Chain<MoreVp, Operator, MoreVpClient> =
        Chain::start(&game, Operator::new, |key, domain| MoreVpClient::new(key, domain, game, true)).await?;
    let (alice, bob) = (t.alice, t.bob);
    let (one, paid) = (U256::from(ETH), U256::from(ETH / 10 * 4));

    // Alice deposits one ether, pays Bob 0.4 ether and hands the payment over in flight at once.
    let tx = t.alice_pays_bob(one, paid).await?;
    t.node.submit(&t.chain, tx.clone()).await?;
    let handover = t.clients.client_mut("alice")?.hand_over(&tx, None)?.ok_or("in flight")?;
    t.clients.client_mut("bob")?.receive(&handover)?;

    // The operator commits the block and withholds it: both clients exit the payment in flight.
    let block = t.node.commit(&mut t.chain).await?;
    t.node.operator_mut().withhold(block.blknum);
    t.clients.step(&mut t.chain, &InProcess(t.node.operator())).await?;
    let notes: Vec<String> = t.clients.take_notes().into_iter().map(|n| n.0).collect();
    assert!(notes.iter().any(|n| n.contains("starts an in-flight exit")), "{notes:?}");
    assert!(notes.iter().any(|n| n.starts_with("bob's watcher") && n.contains("piggybacks on output 0")), "{notes:?}");
    assert!(
        notes.iter().any(|n| n.starts_with("alice's watcher") && n.contains("piggybacks on output 1")),
        "{notes:?}"
    );
    // Alice also piggybacks her input (the block is withheld: canonicity unknown).
    assert!(notes.iter().any(|n| n.starts_with("alice's watcher") && n.contains("piggybacks on input 0")), "{notes:?}");

    // Nobody challenges; after the exit period both outputs are paid, with every bond back (the
    // payment is canonical, so the input's piggyback is paid nothing but its bond).
    for _ in 0..4 {
        t.advance(PERIOD).await?;
        t.clients.step(&mut t.chain, &InProcess(t.node.operator())).await?;
    }
    t.process_exits().await?;
    let (alice_owed, bob_owed) = (t.owed(alice).await?, t.owed(bob).await?);
    assert_eq!(bob_owed, paid + game.piggyback_bond);
    assert_eq!(alice_owed, one - paid + game.in_flight_exit_bond + game.piggyback_bond * U256::from(2));
    Ok(())
}
