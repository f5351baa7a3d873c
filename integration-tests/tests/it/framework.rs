//! PlasmaFramework on both backends: block submission, deposits, the exit queue, payouts, bonds
//! and pull withdrawals.

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::{SolEvent, SolValue};
use plasma_contracts::{
    GasBurner, PlasmaFramework as Fw, ReentrantRecipient, RevertingRecipient, TestExitGame, send, view,
};
use plasma_integration_tests::{TestDeployment, TestResult, eth};
use rstest::rstest;

fn id(n: u64) -> B256 {
    keccak256(n.to_be_bytes())
}

/// The exit ids processed by one receipt, in the order the game saw them, with whether each paid.
fn processed(receipt: &plasma_rootchain::Receipt) -> Vec<(u64, bool)> {
    receipt
        .logs
        .iter()
        .filter_map(|log| TestExitGame::TestExitProcessed::decode_log(log).ok())
        .map(|event| (event.exitId.to::<u64>(), event.paid))
        .collect()
}

#[rstest]
#[tokio::test]
async fn only_the_operator_submits_blocks(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut t = TestDeployment::new(backend).await?;
    let (operator, mallory) = (t.operator(), t.users[0]);
    let root = B256::repeat_byte(0xab);

    let reason = t.framework_revert(mallory, Fw::submitBlockCall { root }, U256::ZERO).await?;
    assert_eq!(reason, "not operator");

    let receipt = t.framework_send(operator, Fw::submitBlockCall { root }, U256::ZERO).await?;
    let event = Fw::BlockSubmitted::decode_log(&receipt.logs[0])?;
    assert_eq!((event.blknum, event.root), (U256::from(1000), root));
    let stored = t.framework_view(Fw::blocksCall { blknum: U256::from(1000) }).await?;
    assert_eq!(stored.root, root);
    assert_eq!(stored.timestamp, t.chain.block_time().await?);
    assert_eq!(t.framework_view(Fw::nextChildBlockCall {}).await?, U256::from(2000));
    Ok(())
}

#[rstest]
#[tokio::test]
async fn deposits_number_blocks_between_child_blocks(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut t = TestDeployment::new(backend).await?;
    let (operator, alice) = (t.operator(), t.users[0]);

    assert_eq!(t.deposit(alice, eth(1)).await?, 1);
    assert_eq!(t.deposit(alice, eth(2)).await?, 2);
    t.framework_send(operator, Fw::submitBlockCall { root: B256::repeat_byte(1) }, U256::ZERO).await?;
    assert_eq!(t.deposit(alice, eth(3)).await?, 1001);

    let stored = t.framework_view(Fw::blocksCall { blknum: U256::from(2) }).await?;
    assert_eq!(stored.root, keccak256((alice, eth(2)).abi_encode()));
    assert!(t.framework_view(Fw::isDepositBlockCall { blknum: U256::from(1001) }).await?);
    assert!(!t.framework_view(Fw::isDepositBlockCall { blknum: U256::from(2000) }).await?);
    assert_eq!(t.framework_view(Fw::totalDepositedCall {}).await?, eth(6));
    assert_eq!(t.chain.balance(t.deployment.framework).await?, eth(6));

    let reason = t.framework_revert(alice, Fw::depositCall {}, U256::ZERO).await?;
    assert_eq!(reason, "zero deposit");
    Ok(())
}

#[rstest]
#[tokio::test]
async fn at_most_999_deposit_blocks_per_interval(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut t = TestDeployment::new(backend).await?;
    let (operator, alice) = (t.operator(), t.users[0]);
    for expected in 1..=999 {
        assert_eq!(t.deposit(alice, U256::from(1)).await?, expected);
    }
    let reason = t.framework_revert(alice, Fw::depositCall {}, U256::from(1)).await?;
    assert_eq!(reason, "deposit blocks full");
    t.framework_send(operator, Fw::submitBlockCall { root: B256::repeat_byte(1) }, U256::ZERO).await?;
    assert_eq!(t.deposit(alice, U256::from(1)).await?, 1001);
    Ok(())
}

#[rstest]
#[tokio::test]
async fn the_exit_game_is_registered_once_by_the_operator(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut t = TestDeployment::new(backend).await?;
    let (operator, mallory) = (t.operator(), t.users[0]);
    assert_eq!(t.framework_view(Fw::exitGameCall {}).await?, t.deployment.exit_game);
    let reason = t.framework_revert(mallory, Fw::registerExitGameCall { game: mallory }, U256::ZERO).await?;
    assert_eq!(reason, "not operator");
    let reason = t.framework_revert(operator, Fw::registerExitGameCall { game: mallory }, U256::ZERO).await?;
    assert_eq!(reason, "exit game already set");
    Ok(())
}

#[rstest]
#[tokio::test]
async fn only_the_exit_game_moves_money(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut t = TestDeployment::new(backend).await?;
    let mallory = t.users[0];
    let bob = t.users[1];
    t.deposit(bob, eth(1)).await?;
    let attempts = [
        t.framework_revert(
            mallory,
            Fw::enqueueCall { exitableAt: 0, position: Default::default(), exitId: Default::default() },
            U256::ZERO,
        )
        .await?,
        t.framework_revert(mallory, Fw::payExitCall { id: id(1), to: mallory, amount: eth(1) }, U256::ZERO).await?,
        t.framework_revert(mallory, Fw::flagCall { id: id(1) }, U256::ZERO).await?,
        t.framework_revert(mallory, Fw::depositBondCall {}, U256::from(1)).await?,
        t.framework_revert(mallory, Fw::releaseBondCall { to: mallory, amount: U256::ZERO }, U256::ZERO).await?,
    ];
    assert!(attempts.iter().all(|reason| reason == "not exit game"), "{attempts:?}");
    Ok(())
}

#[rstest]
#[tokio::test]
async fn the_queue_pays_mature_exits_in_priority_order_in_bounded_batches(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut t = TestDeployment::new(backend).await?;
    let alice = t.users[0];
    t.deposit(alice, eth(100)).await?;
    let now = t.chain.block_time().await?;
    let day = 24 * 3600;
    // (exitable in days, position): started out of order, with ties broken by position then id.
    let plan = [(3, 50), (1, 70), (2, 10), (1, 20), (9, 1), (2, 10), (1, 20)];
    let mut exit_ids = Vec::new();
    for (n, (days, position)) in plan.into_iter().enumerate() {
        let exit_id = t.start_exit(id(n as u64), alice, eth(1), now + days * day, position, U256::ZERO).await?;
        exit_ids.push(exit_id);
    }
    assert_eq!(t.framework_view(Fw::queueSizeCall {}).await?, U256::from(7));

    // Nothing is mature yet: processing is a no-op.
    let receipt = t.framework_send(alice, Fw::processExitsCall { maxCount: U256::from(10) }, U256::ZERO).await?;
    assert!(processed(&receipt).is_empty());

    // After 2.5 days five exits are mature, but a batch of 2 takes only the best two.
    t.chain.advance_time(5 * day / 2).await?;
    let receipt = t.framework_send(alice, Fw::processExitsCall { maxCount: U256::from(2) }, U256::ZERO).await?;
    let by_index = |i: usize| (exit_ids[i], true);
    assert_eq!(processed(&receipt), vec![by_index(3), by_index(6)]);
    let receipt = t.framework_send(alice, Fw::processExitsCall { maxCount: U256::from(10) }, U256::ZERO).await?;
    assert_eq!(processed(&receipt), vec![by_index(1), by_index(2), by_index(5)]);
    assert_eq!(t.framework_view(Fw::queueSizeCall {}).await?, U256::from(2));

    // The top of the queue is now the 3-day exit.
    let top = t.framework_view(Fw::peekPriorityCall {}).await?;
    let expected = t
        .framework_view(Fw::encodePriorityCall {
            exitableAt: now + 3 * day,
            position: alloy_primitives::Uint::from(50),
            exitId: alloy_primitives::Uint::from(exit_ids[0]),
        })
        .await?;
    assert_eq!(top, expected);
    assert_eq!(t.framework_view(Fw::withdrawableCall { account: alice }).await?, eth(5));
    Ok(())
}

#[rstest]
#[tokio::test]
async fn no_id_is_paid_twice(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut t = TestDeployment::new(backend).await?;
    let (alice, bob) = (t.users[0], t.users[1]);
    t.deposit(alice, eth(10)).await?;
    let now = t.chain.block_time().await?;
    let first = t.start_exit(id(7), alice, eth(1), now, 1, U256::ZERO).await?;
    let second = t.start_exit(id(7), bob, eth(1), now, 2, U256::ZERO).await?;
    // An id flagged without payment (as MoreVP flags spent inputs) can never be paid either.
    let game = t.deployment.exit_game;
    send(t.chain.as_mut(), alice, game, TestExitGame::flagCall { id: id(8) }, U256::ZERO).await?;
    let third = t.start_exit(id(8), bob, eth(1), now, 3, U256::ZERO).await?;

    let receipt = t.framework_send(bob, Fw::processExitsCall { maxCount: U256::from(10) }, U256::ZERO).await?;
    assert_eq!(processed(&receipt), vec![(first, true), (second, false), (third, false)]);
    assert!(t.framework_view(Fw::isFinalizedCall { id: id(7) }).await?);
    assert_eq!(t.framework_view(Fw::withdrawableCall { account: alice }).await?, eth(1));
    assert_eq!(t.framework_view(Fw::withdrawableCall { account: bob }).await?, U256::ZERO);
    assert_eq!(t.framework_view(Fw::totalPaidCall {}).await?, eth(1));
    Ok(())
}

#[rstest]
#[tokio::test]
async fn claims_beyond_deposits_are_refused_without_blocking(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut t = TestDeployment::new(backend).await?;
    let (alice, bob) = (t.users[0], t.users[1]);
    t.deposit(alice, eth(2)).await?;
    let now = t.chain.block_time().await?;
    let honest = t.start_exit(id(1), alice, eth(2), now, 1, U256::ZERO).await?;
    let printed = t.start_exit(id(2), bob, eth(1), now, 2, U256::ZERO).await?;
    let receipt = t.framework_send(bob, Fw::processExitsCall { maxCount: U256::from(10) }, U256::ZERO).await?;
    assert_eq!(processed(&receipt), vec![(honest, true), (printed, false)]);
    assert!(receipt.logs.iter().any(|log| Fw::PayoutRefused::decode_log(log).is_ok()));
    assert!(!t.framework_view(Fw::isFinalizedCall { id: id(2) }).await?);
    assert_eq!(t.framework_view(Fw::queueSizeCall {}).await?, U256::ZERO);
    Ok(())
}

#[rstest]
#[tokio::test]
async fn a_hostile_recipient_blocks_nobody(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut t = TestDeployment::new(backend).await?;
    let (operator, alice) = (t.operator(), t.users[0]);
    let (reverter, _) = t.chain.deploy(operator, RevertingRecipient::BYTECODE.clone(), U256::ZERO).await?;
    let (burner, _) = t.chain.deploy(operator, GasBurner::BYTECODE.clone(), U256::ZERO).await?;
    t.deposit(alice, eth(10)).await?;
    let now = t.chain.block_time().await?;
    let bond = U256::from(1_000_000u64);
    let to_reverter = t.start_exit(id(1), reverter, eth(1), now, 1, bond).await?;
    let to_burner = t.start_exit(id(2), burner, eth(2), now, 2, bond).await?;
    let to_alice = t.start_exit(id(3), alice, eth(3), now, 3, bond).await?;
    assert_eq!(t.framework_view(Fw::bondsHeldCall {}).await?, bond * U256::from(3));

    let receipt = t.framework_send(alice, Fw::processExitsCall { maxCount: U256::from(3) }, U256::ZERO).await?;
    assert_eq!(processed(&receipt), vec![(to_reverter, true), (to_burner, true), (to_alice, true)]);
    assert_eq!(t.framework_view(Fw::bondsHeldCall {}).await?, U256::ZERO);

    // Alice pulls exactly her exit and her bond.
    let before = t.chain.balance(alice).await?;
    let receipt = t.framework_send(alice, Fw::withdrawCall {}, U256::ZERO).await?;
    assert_eq!(t.chain.balance(alice).await? + receipt.fee_paid, before + eth(3) + bond);

    // The hostile contracts cannot receive ETH: their pull fails and their credit stays ...
    let framework = t.deployment.framework;
    let pull =
        send(t.chain.as_mut(), operator, reverter, RevertingRecipient::withdrawFromCall { framework }, U256::ZERO)
            .await;
    assert!(
        matches!(pull, Err(plasma_contracts::Error::Reverted { reason: Some(ref r), .. }) if r == "withdraw failed")
    );
    let pull = send(t.chain.as_mut(), operator, burner, GasBurner::withdrawFromCall { framework }, U256::ZERO).await;
    assert!(pull.is_err());
    assert_eq!(t.framework_view(Fw::withdrawableCall { account: burner }).await?, eth(2) + bond);

    // ... until they redirect it to an address that accepts it.
    let sink = Address::repeat_byte(0x5e);
    let call = RevertingRecipient::withdrawToFromCall { framework, to: sink };
    send(t.chain.as_mut(), operator, reverter, call, U256::ZERO).await?;
    assert_eq!(t.chain.balance(sink).await?, eth(1) + bond);
    // What is left is the burner's unclaimed credit and the 4 ETH nobody exited.
    assert_eq!(t.chain.balance(framework).await?, eth(6) + bond);
    Ok(())
}

#[rstest]
#[tokio::test]
async fn withdraw_needs_a_credit(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut t = TestDeployment::new(backend).await?;
    let alice = t.users[0];
    assert_eq!(t.framework_revert(alice, Fw::withdrawCall {}, U256::ZERO).await?, "nothing to withdraw");
    let reason = t.framework_revert(alice, Fw::withdrawToCall { to: Address::ZERO }, U256::ZERO).await?;
    assert_eq!(reason, "zero address");
    Ok(())
}

#[rstest]
#[tokio::test]
async fn a_recipient_cannot_reenter_while_being_paid(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut t = TestDeployment::new(backend).await?;
    let (operator, alice) = (t.operator(), t.users[0]);
    let framework = t.deployment.framework;
    let mut reentrant = Vec::new();
    for swallow in [false, true] {
        let args = alloy_sol_types::SolConstructor::abi_encode(&ReentrantRecipient::constructorCall {
            framework_: framework,
            swallow_: swallow,
        });
        let code = [ReentrantRecipient::BYTECODE.to_vec(), args].concat();
        reentrant.push(t.chain.deploy(operator, code.into(), U256::ZERO).await?.0);
    }
    t.deposit(alice, eth(10)).await?;
    let now = t.chain.block_time().await?;
    t.start_exit(id(1), reentrant[0], eth(1), now, 1, U256::ZERO).await?;
    t.start_exit(id(2), reentrant[1], eth(2), now, 2, U256::ZERO).await?;
    t.start_exit(id(3), alice, eth(3), now, 3, U256::ZERO).await?;
    t.framework_send(alice, Fw::processExitsCall { maxCount: U256::from(1) }, U256::ZERO).await?;

    // The recipient that lets the failed re-entry revert its own payment keeps its credit.
    let pull =
        send(t.chain.as_mut(), operator, reentrant[0], ReentrantRecipient::withdrawFromCall {}, U256::ZERO).await;
    assert!(
        matches!(pull, Err(plasma_contracts::Error::Reverted { reason: Some(ref r), .. }) if r == "withdraw failed")
    );
    assert_eq!(t.framework_view(Fw::withdrawableCall { account: reentrant[0] }).await?, eth(1));

    // The one that swallows the failure is paid once; both re-entries were refused by the guard,
    // and the queue it tried to process is untouched.
    t.framework_send(alice, Fw::processExitsCall { maxCount: U256::from(1) }, U256::ZERO).await?;
    send(t.chain.as_mut(), operator, reentrant[1], ReentrantRecipient::withdrawFromCall {}, U256::ZERO).await?;
    assert_eq!(t.chain.balance(reentrant[1]).await?, eth(2));
    assert_eq!(t.framework_view(Fw::withdrawableCall { account: reentrant[1] }).await?, U256::ZERO);
    let error = view(t.chain.as_ref(), reentrant[1], ReentrantRecipient::lastReentryErrorCall {}).await?;
    assert_eq!(error, "reentrancy; reentrancy");
    assert_eq!(t.framework_view(Fw::queueSizeCall {}).await?, U256::from(1));
    Ok(())
}
