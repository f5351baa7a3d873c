//! Plasma MVP on `plasma-node`: a payment handed over after its block is validated, then a
//! withheld block that every user's client answers with exits, paid after the exit period.

use alloy_primitives::U256;
use plasma_core::UserClient;
use plasma_mvp::{Mvp, MvpClient, MvpGame, Operator};
use plasma_node::InProcess;

use super::{Chain, ETH, PERIOD, TestResult};

#[tokio::test]
async fn an_mvp_chain_runs_on_the_node_and_users_exit_a_withheld_block() -> TestResult {
    let game = MvpGame::new(U256::from(ETH / 50), PERIOD);
    let mut t: Chain<Mvp, Operator, MvpClient> =
        Chain::start(&game, Operator::new, |key, domain| MvpClient::new(key, domain, game, true)).await?;
    let (alice, bob) = (t.alice, t.bob);
    let (one, paid) = (U256::from(ETH), U256::from(ETH / 10 * 4));

    // Alice deposits one ether (her client learns it from the chain) and pays Bob 0.4 ether.
    let tx = t.alice_pays_bob(one, paid).await?;
    assert!(t.clients.client_mut("alice")?.hand_over(&tx, None)?.is_none(), "nothing is handed over in flight");

    // The operator includes it and commits the block; every client validates the block, and
    // Alice hands the payment over only then.
    let (_, handover) = t.include(&tx, "alice").await?;
    // Every owner of an output takes the handover: Bob his payment, Alice her change.
    t.clients.client_mut("bob")?.receive(&handover)?;
    t.clients.client_mut("alice")?.receive(&handover)?;
    assert_eq!(t.clients.client("bob")?.balance(), paid);
    assert_eq!(t.clients.client("alice")?.balance(), one - paid);

    // The operator withholds its next block: every client exits what its user owns, on its own.
    let withheld = t.node.commit(&mut t.chain).await?;
    t.node.operator_mut().withhold(withheld.blknum);
    t.clients.step(&mut t.chain, &InProcess(t.node.operator())).await?;
    let notes: Vec<String> = t.clients.take_notes().into_iter().map(|n| n.0).collect();
    assert!(notes.iter().any(|n| n.starts_with("alice exits")), "{notes:?}");
    assert!(notes.iter().any(|n| n.starts_with("bob exits")), "{notes:?}");
    assert_eq!(t.clients.queued(), 0, "every decided exit was sent");

    // A second look decides nothing again.
    t.clients.step(&mut t.chain, &InProcess(t.node.operator())).await?;
    assert!(t.clients.take_notes().iter().all(|n| !n.0.contains("exits")));

    // After the exit period anyone processes the queue; both are owed their outputs and bonds.
    t.advance(2 * PERIOD + 1).await?;
    t.process_exits().await?;
    assert_eq!(t.owed(bob).await?, paid + game.exit_bond);
    assert_eq!(t.owed(alice).await?, one - paid + game.exit_bond);
    Ok(())
}
