//! `Operator::submit_batch` against `submit_tx`: on the same operator and the same transactions,
//! the batch gives exactly the results of submitting one by one in order, and leaves exactly the
//! same operator (`==`). Mixed batches of valid, invalid and conflicting transactions (in-batch
//! double spends, a conflict that hides a bad signature, spends of outputs queued before the
//! batch), the block capacity, and a full block.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::sync::OnceLock;

use common::{Framework, domain, key, wei};
use plasma_core::{ChildChain, SigningKey, alloy_primitives::B256};
use plasma_mvp::{
    Invalidity, MvpError, Operator, Output, SignedTx, Transaction, UtxoPos, bench, confirmation_digest,
    tx::{MAX_TXS_PER_BLOCK, TransactionExt},
};
use proptest::prelude::*;
use rstest::rstest;

/// Results in a comparable form (`MvpError` is not `PartialEq`).
fn outcome(results: &[plasma_mvp::Result<B256>]) -> Vec<Result<B256, String>> {
    results.iter().map(|r| r.as_ref().copied().map_err(|e| format!("{e:?}"))).collect()
}

/// Submits `txs` one by one on a copy of `op` and as one batch on another copy; asserts that the
/// results and the operators are equal, and returns the results.
///
/// One by one, each result must also be what `check_tx` (the rules of `Ledger::check` against the
/// queue as it is) says just before: the reference does not lean on the code the batch shares with
/// `submit_tx`.
fn assert_batch_matches(op: &Operator, txs: &[SignedTx]) -> Vec<plasma_mvp::Result<B256>> {
    let mut one_by_one = op.clone();
    let sequential: Vec<_> = txs
        .iter()
        .map(|tx| {
            let expected = one_by_one.check_tx(tx);
            let got = one_by_one.submit_tx(tx.clone());
            assert_eq!(outcome(std::slice::from_ref(&got)), outcome(&[expected]));
            got
        })
        .collect();
    let mut batched = op.clone();
    let batch = batched.submit_batch(txs.to_vec());
    assert_eq!(outcome(&batch), outcome(&sequential));
    assert!(batched == one_by_one, "operator states differ");
    batch
}

/// An operator with deposits, a numbered block whose outputs need parent confirmations, an
/// exiting output and (if `queued`) one transaction queued; and a pool of transactions to submit
/// against it: valid ones, invalid ones, and ones that conflict with each other.
struct World {
    op: Operator,
    pool: Vec<SignedTx>,
}

fn pay(input: UtxoPos, to: &SigningKey, amount: u64) -> Transaction {
    Transaction::payment(input, None, Output::new(to.address(), wei(amount)), None)
}

/// A spend of two inputs to one output.
fn pay2(inputs: [UtxoPos; 2], to: &SigningKey, amount: u64) -> Transaction {
    Transaction::payment(inputs[0], Some(inputs[1]), Output::new(to.address(), wei(amount)), None)
}

fn world(queued: bool) -> World {
    let d = domain();
    let (alice, bob, carol, dave) = (key("alice"), key("bob"), key("carol"), key("dave"));
    let mut fw = Framework::default();
    let mut op = Operator::new(d);
    let owners = [&alice, &bob, &carol, &alice, &bob, &carol, &alice, &bob, &carol, &dave];
    let deps: Vec<UtxoPos> =
        owners.iter().map(|k| op.apply_deposit(&fw.deposit(k.address(), wei(100))).unwrap()).collect();
    let sign = |tx, keys| SignedTx::sign(tx, &d, keys);

    // Block 1000: T0 = alice's deps[0] -> carol 60 + alice 40; T1 = bob's deps[1] + carol's deps[2]
    // -> dave 200.
    let t0 = sign(
        Transaction::payment(
            deps[0],
            None,
            Output::new(carol.address(), wei(60)),
            Some(Output::new(alice.address(), wei(40))),
        ),
        [Some(&alice), None],
    );
    let t1 = sign(pay2([deps[1], deps[2]], &dave, 200), [Some(&bob), Some(&carol)]);
    op.submit_tx(t0).unwrap();
    op.submit_tx(t1).unwrap();
    let block = op.build_block().unwrap();
    op.on_block_submitted(&fw.submit(block.root())).unwrap();
    let confirm = |k: &SigningKey, txindex| {
        Some(k.sign_digest(confirmation_digest(&d, block.tx_hash(txindex).unwrap(), block.root())))
    };
    let carol_out = UtxoPos::new(1000, 0, 0).unwrap();
    let alice_out = UtxoPos::new(1000, 0, 1).unwrap();
    let dave_out = UtxoPos::new(1000, 1, 0).unwrap();
    assert!(op.on_exit_started(deps[8]));
    if queued {
        op.submit_tx(sign(pay(deps[7], &alice, 100), [Some(&bob), None])).unwrap();
    }

    let mut bad_sig = sign(pay(deps[3], &bob, 10), [Some(&alice), None]);
    bad_sig.sigs[0] = bad_sig.sigs[0].map(|s| s.high_s_twin());
    let pool = vec![
        // 0, 1: two valid spends of the same deposit (an in-batch double spend).
        sign(pay(deps[4], &alice, 100), [Some(&bob), None]),
        sign(pay(deps[4], &carol, 90), [Some(&bob), None]),
        // 2: wrong signer; 3: valid spend of the same deposit.
        sign(pay(deps[3], &bob, 10), [Some(&bob), None]),
        sign(pay(deps[3], &bob, 10), [Some(&alice), None]),
        // 4: two inputs, valid; 5: shares deps[5] and has a wrong second signature (after 4 it is
        // refused as a pending input, before any signature is looked at).
        sign(pay2([deps[5], deps[6]], &dave, 200), [Some(&carol), Some(&alice)]),
        sign(pay2([deps[6], deps[5]], &dave, 150), [Some(&alice), Some(&bob)]),
        // 6: carol spends her output with alice's confirmation; 7: without; 8: with a bad one.
        sign(pay(carol_out, &bob, 60), [Some(&carol), None])
            .with_parent_confirmations([[confirm(&alice, 0), None], [None, None]]),
        sign(pay(carol_out, &bob, 60), [Some(&carol), None]),
        sign(pay(carol_out, &dave, 50), [Some(&carol), None])
            .with_parent_confirmations([[confirm(&carol, 0), None], [None, None]]),
        // 9: dave spends his output with bob's and carol's confirmations.
        sign(pay(dave_out, &alice, 200), [Some(&dave), None])
            .with_parent_confirmations([[confirm(&bob, 1), confirm(&carol, 1)], [None, None]]),
        // 10: value created; 11: unknown input; 12: spent input; 13: queued before the batch (if
        // `queued`); 14: exiting input; 15: duplicate input; 16: high s.
        sign(pay(deps[9], &alice, 101), [Some(&dave), None]),
        sign(pay(UtxoPos::new(5000, 0, 0).unwrap(), &alice, 1), [Some(&dave), None]),
        sign(pay(deps[0], &bob, 1), [Some(&alice), None]),
        sign(pay(deps[7], &carol, 100), [Some(&bob), None]),
        sign(pay(deps[8], &carol, 100), [Some(&carol), None]),
        sign(pay2([deps[9], deps[9]], &alice, 1), [Some(&dave), Some(&dave)]),
        bad_sig,
        // 17: two inputs, alice's output (needs alice's confirmation of T0) and dave's deposit.
        sign(pay2([alice_out, deps[9]], &bob, 140), [Some(&alice), Some(&dave)])
            .with_parent_confirmations([[confirm(&alice, 0), None], [None, None]]),
        // 18: spends deps[9] alone (conflicts with 17).
        sign(pay(deps[9], &carol, 100), [Some(&dave), None]),
        // 19: spends deps[5] alone (conflicts with 4 and 5).
        sign(pay(deps[5], &alice, 100), [Some(&carol), None]),
    ];
    World { op, pool }
}

fn worlds() -> &'static [World; 2] {
    static WORLDS: OnceLock<[World; 2]> = OnceLock::new();
    WORLDS.get_or_init(|| [world(false), world(true)])
}

#[test]
fn the_pool_covers_acceptance_and_every_kind_of_refusal() {
    let w = &worlds()[1];
    let results = assert_batch_matches(&w.op, &w.pool);
    let accepted: Vec<usize> = results.iter().enumerate().filter(|(_, r)| r.is_ok()).map(|(i, _)| i).collect();
    assert_eq!(accepted, [0, 3, 4, 6, 9, 17]);
    let refusal = |i: usize| match &results[i] {
        Err(MvpError::InvalidTx(invalidity)) => invalidity.clone(),
        other => panic!("{i}: {other:?}"),
    };
    assert!(matches!(refusal(1), Invalidity::PendingInput(_)));
    assert!(matches!(refusal(2), Invalidity::WrongSigner { .. }));
    // Pending input wins over the wrong second signature: the same order as submit_tx.
    assert!(matches!(refusal(5), Invalidity::PendingInput(_)));
    assert!(matches!(refusal(7), Invalidity::PendingInput(_)));
    assert!(matches!(refusal(13), Invalidity::PendingInput(_)));
    assert!(matches!(refusal(14), Invalidity::ExitingInput(_)));
    // Alone, 5 and 8 fail on their signatures.
    let alone = assert_batch_matches(&w.op, &[w.pool[5].clone(), w.pool[8].clone(), w.pool[7].clone()]);
    assert!(matches!(&alone[0], Err(MvpError::InvalidTx(Invalidity::WrongSigner { slot: 1, .. }))));
    assert!(matches!(&alone[1], Err(MvpError::InvalidTx(Invalidity::BadParentConfirmation { .. }))));
    assert!(matches!(&alone[2], Err(MvpError::InvalidTx(Invalidity::MissingParentConfirmation { .. }))));
}

/// Hand-picked orders: conflicts in both directions, repeats, and batches long enough (over one
/// work block of 128) to run on several threads.
#[rstest]
#[case::empty(vec![])]
#[case::double_spend_first_wins(vec![0, 1])]
#[case::double_spend_other_order(vec![1, 0])]
#[case::bad_then_good(vec![2, 3, 2, 3])]
#[case::conflict_hides_bad_signature(vec![4, 5, 19])]
#[case::conflict_other_order(vec![5, 19, 4])]
#[case::parent_confirmations(vec![8, 7, 6, 8, 9, 9])]
#[case::two_inputs_then_one(vec![18, 17, 17])]
#[case::one_then_two_inputs(vec![17, 18])]
#[case::everything_twice((0..20).chain(0..20).collect())]
#[case::long_interleaving((0..400).map(|i| (i * 7 + i / 20) % 20).collect())]
fn batch_matches_one_by_one(#[case] picks: Vec<usize>, #[values(false, true)] queued: bool) {
    let w = &worlds()[usize::from(queued)];
    let txs: Vec<SignedTx> = picks.iter().map(|i| w.pool[*i].clone()).collect();
    assert_batch_matches(&w.op, &txs);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any sequence drawn from the pool (repeats included), on either world.
    #[test]
    fn random_batches_match_one_by_one(picks in prop::collection::vec(0usize..20, 0..300), queued: bool) {
        let w = &worlds()[usize::from(queued)];
        let txs: Vec<SignedTx> = picks.iter().map(|i| w.pool[*i].clone()).collect();
        assert_batch_matches(&w.op, &txs);
    }
}

/// A batch that crosses the block capacity: the transactions past it are refused as full, the
/// refused ones before it take no room.
#[rstest]
#[case::room_for_one(1)]
#[case::room_for_three(3)]
#[case::no_room(0)]
fn capacity_is_the_same(#[case] room: usize) {
    let w = &worlds()[0];
    let mut op = w.op.clone();
    let filler = SignedTx::sign(pay(UtxoPos::new(9000, 0, 0).unwrap(), &key("x"), 1), &domain(), [None, None]);
    for _ in 0..MAX_TXS_PER_BLOCK - room {
        op.include_unchecked(filler.clone()).unwrap();
    }
    // Invalid, valid, double spend, valid, valid, ...: the capacity goes only to the valid ones.
    let picks = [2, 0, 1, 3, 4, 6, 9, 17, 2, 5];
    let txs: Vec<SignedTx> = picks.iter().map(|i| w.pool[*i].clone()).collect();
    let results = assert_batch_matches(&op, &txs);
    let full = results.iter().filter(|r| matches!(r, Err(MvpError::BlockFull { .. }))).count();
    let accepted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(accepted, room);
    assert!(full > 0);
}

/// A full block of one-input payments (65,536 in release, 16,384 in a debug build), as one batch,
/// then a batch of the same transactions again (all refused as full), and the block built from it.
#[test]
fn full_block_batch_matches_one_by_one() {
    let count = if cfg!(debug_assertions) { 16_384 } else { MAX_TXS_PER_BLOCK };
    let bench::Workload { operator, txs } = bench::one_input_workload(count, domain()).unwrap();
    let results = assert_batch_matches(&operator, &txs);
    assert!(results.iter().all(Result::is_ok));

    let mut op = operator.clone();
    op.submit_batch(txs.clone());
    let again = assert_batch_matches(&op, &txs[..300]);
    assert!(again.iter().all(|r| match r {
        Err(MvpError::BlockFull { .. }) => count == MAX_TXS_PER_BLOCK,
        Err(MvpError::InvalidTx(Invalidity::PendingInput(_))) => count < MAX_TXS_PER_BLOCK,
        _ => false,
    }));

    let block = op.build_block().unwrap();
    let mut one_by_one = operator;
    for tx in &txs {
        one_by_one.submit_tx(tx.clone()).unwrap();
    }
    assert_eq!(block, one_by_one.build_block().unwrap());
    assert_eq!(block.len(), count);
    for i in [0, count / 2, count - 1] {
        assert!(block.proof(i as u64).unwrap().verify(block.root(), txs[i].leaf(&domain()), i as u64));
    }
}
