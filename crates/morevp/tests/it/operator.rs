//! The operator: deposits, a 4-in/4-out payment with change, parallel batch acceptance against
//! one-by-one submission, untouched state on refusal, block capacity, and each fault injection.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{World, domain, key, wei};
use plasma_core::{ChildChain, DepositEvent, alloy_primitives::B256};
use plasma_morevp::{
    Invalidity, MoreVpError, Operator, Output, PaymentTx, SignedTx, UtxoPos, bench, tx::MAX_TXS_PER_BLOCK,
    tx::PaymentTxExt,
};

fn outcome(results: &[plasma_morevp::Result<B256>]) -> Vec<Result<B256, String>> {
    results.iter().map(|r| r.as_ref().copied().map_err(|e| format!("{e:?}"))).collect()
}

#[test]
fn four_inputs_four_outputs_with_change() {
    let mut w = World::new(&["alice", "bob", "carol", "dave"], &[]);
    let deposits: Vec<UtxoPos> = [10, 20, 30, 40].iter().map(|a| w.deposit("alice", *a)).collect();
    let payees = ["bob", "carol", "dave"].map(|n| Output::new(w.addr(n), wei(0)));
    let payees = [
        Output { amount: wei(25), ..payees[0] },
        Output { amount: wei(25), ..payees[1] },
        Output { amount: wei(45), ..payees[2] },
    ];
    let tx = w.wallet("alice").pay_many(&payees, wei(3)).unwrap();
    assert_eq!(tx.tx.used_inputs(), 4);
    assert_eq!(tx.sigs.len(), 4);
    let mut inputs: Vec<UtxoPos> = tx.tx.named_inputs().map(|(_, p)| p).collect();
    inputs.sort();
    assert_eq!(inputs, deposits);
    assert_eq!(tx.tx.output(3), Some(Output::new(w.addr("alice"), wei(2))));
    assert_eq!(tx.encode().len(), 384 + 4 * 65);
    let hash = w.op.submit_tx(tx.clone()).unwrap();
    w.seal(false);
    w.settle(&tx);
    let block = w.op.block(1000).unwrap();
    assert_eq!(block.block.tx_hashes(), &[hash]);
    for (oindex, (name, amount)) in [("bob", 25), ("carol", 25), ("dave", 45), ("alice", 2)].into_iter().enumerate() {
        let pos = UtxoPos::new(1000, 0, oindex as u64).unwrap();
        assert_eq!(w.op.utxo(&pos), Some(&Output::new(w.addr(name), wei(amount))));
        assert!(w.wallets[name].outputs().contains_key(&pos), "{name}");
    }
    assert_eq!(w.op.collected_fees(), wei(3));
    assert_eq!(w.op.ledger().total(), wei(97));
    assert_eq!(w.wallets["alice"].balance(), wei(2));
    assert!(w.wallets["alice"].in_flight().is_empty());
}

#[test]
fn deposits_are_checked() {
    let mut op = Operator::new(domain());
    let event = DepositEvent { depositor: key("a").address(), blknum: 1, amount: wei(5) };
    assert_eq!(op.apply_deposit(&event).unwrap(), UtxoPos::deposit(1).unwrap());
    assert!(matches!(op.apply_deposit(&event), Err(MoreVpError::DuplicateBlock(1))));
    assert!(matches!(
        op.apply_deposit(&DepositEvent { blknum: 2, amount: wei(0), ..event }),
        Err(MoreVpError::ZeroDeposit(2))
    ));
    assert!(matches!(
        op.apply_deposit(&DepositEvent { blknum: 1000, ..event }),
        Err(MoreVpError::NotDepositBlock(1000))
    ));
    assert_eq!(op.deposit(1), Some(&Output::new(event.depositor, wei(5))));
}

#[test]
fn refused_transactions_change_nothing() {
    let mut w = World::new(&["alice", "bob"], &[]);
    let d = w.deposit("alice", 10);
    let (alice, bob) = (key("alice"), key("bob"));
    let pay = |inputs: &[UtxoPos], amount: u64| {
        PaymentTx::payment(inputs, &[Output::new(bob.address(), wei(amount))]).unwrap()
    };
    let before = w.op.clone();
    let cases: Vec<(SignedTx, Invalidity)> = vec![
        (
            SignedTx::sign(pay(&[d], 10), &domain(), &[&bob]),
            Invalidity::WrongSigner { slot: 0, expected: alice.address(), recovered: bob.address() },
        ),
        (SignedTx::sign(pay(&[d, d], 10), &domain(), &[&alice, &alice]), Invalidity::DuplicateInput(d)),
        (
            SignedTx::sign(pay(&[d], 11), &domain(), &[&alice]),
            Invalidity::ValueCreated { inputs: wei(10), outputs: wei(11) },
        ),
        (SignedTx::new(pay(&[d], 10), vec![]), Invalidity::SignatureCount { expected: 1, got: 0 }),
        (
            SignedTx::sign(pay(&[UtxoPos::deposit(7).unwrap()], 1), &domain(), &[&alice]),
            Invalidity::UnknownInput(UtxoPos::deposit(7).unwrap()),
        ),
    ];
    for (tx, reason) in cases {
        match w.op.submit_tx(tx) {
            Err(MoreVpError::InvalidTx(got)) => assert_eq!(got, reason),
            other => panic!("{other:?}"),
        }
        assert!(w.op == before);
    }
    let mut high_s = SignedTx::sign(pay(&[d], 10), &domain(), &[&alice]);
    high_s.sigs[0] = high_s.sigs[0].high_s_twin();
    assert!(matches!(w.op.submit_tx(high_s), Err(MoreVpError::InvalidTx(Invalidity::BadSignature { slot: 0, .. }))));
    // A spend of an input already queued is refused too.
    w.op.submit_tx(SignedTx::sign(pay(&[d], 10), &domain(), &[&alice])).unwrap();
    let queued = w.op.clone();
    assert!(matches!(
        w.op.submit_tx(SignedTx::sign(pay(&[d], 9), &domain(), &[&alice])),
        Err(MoreVpError::InvalidTx(Invalidity::PendingInput(_)))
    ));
    assert!(w.op == queued);
    // An exiting output can no longer be spent.
    let d2 = w.deposit("alice", 5);
    assert!(w.op.on_exit_started(d2));
    assert!(matches!(
        w.op.submit_tx(SignedTx::sign(pay(&[d2], 5), &domain(), &[&alice])),
        Err(MoreVpError::InvalidTx(Invalidity::ExitingInput(_)))
    ));
}

#[test]
fn batch_gives_the_results_and_state_of_one_by_one() {
    let d = domain();
    let bench::Workload { operator, mut txs } = bench::one_input_workload(600, d).unwrap();
    // Conflicts inside the batch, a bad signature hidden behind a conflict, and garbage.
    let keys = bench::keys().unwrap();
    let first_input = txs[0].tx.named_inputs().next().unwrap().1;
    let conflict = |amount: u64| {
        let tx = PaymentTx::payment(
            &[first_input],
            &[Output::new(keys[5].address(), plasma_core::alloy_primitives::U256::from(amount))],
        )
        .unwrap();
        SignedTx::sign(tx, &d, &[&keys[0]])
    };
    txs.insert(10, conflict(1));
    txs.insert(300, conflict(2));
    let forged = SignedTx::sign(txs[400].tx.clone(), &d, &[&keys[9]]);
    txs.insert(401, forged);
    txs.push(SignedTx::new(PaymentTx::default(), vec![]));
    let mut one_by_one = operator.clone();
    let sequential: Vec<_> = txs.iter().map(|tx| one_by_one.submit_tx(tx.clone())).collect();
    let mut batched = operator.clone();
    let batch = batched.submit_batch(txs.clone());
    assert_eq!(outcome(&batch), outcome(&sequential));
    assert!(batched == one_by_one);
    assert_eq!(batch.iter().filter(|r| r.is_ok()).count(), 600);
    // The conflict is refused before any signature is looked at.
    assert!(matches!(&batch[10], Err(MoreVpError::InvalidTx(Invalidity::PendingInput(_)))));
    assert!(matches!(&batch[401], Err(MoreVpError::InvalidTx(Invalidity::PendingInput(_)))));
    assert!(matches!(batch.last(), Some(Err(MoreVpError::InvalidTx(Invalidity::NoInput)))));
    let block = batched.build_block().unwrap();
    assert_eq!(block.len(), 600);
}

#[test]
fn a_block_holds_at_most_65536_transactions() {
    let mut w = World::new(&["alice"], &[]);
    let d = w.deposit("alice", 10);
    let tx = |i: u64| {
        SignedTx::new(PaymentTx::payment(&[d], &[Output::new(key("x").address(), wei(i + 1))]).unwrap(), vec![])
    };
    for i in 0..MAX_TXS_PER_BLOCK as u64 {
        w.op.include_unchecked(tx(i)).unwrap();
    }
    assert!(matches!(w.op.include_unchecked(tx(0)), Err(MoreVpError::BlockFull { capacity: 65_536 })));
    assert!(matches!(w.op.submit_tx(tx(0)), Err(MoreVpError::BlockFull { .. })));
    assert!(matches!(w.op.check_tx(&tx(0)), Err(MoreVpError::BlockFull { .. })));
    assert_eq!(w.op.build_block().unwrap().len(), MAX_TXS_PER_BLOCK);
}

#[test]
fn faults_are_applied_like_any_transaction() {
    let mut w = World::new(&["alice", "bob", "mallory"], &[]);
    let (alice, mallory) = (key("alice"), key("mallory"));
    let d = w.deposit("alice", 100);
    let dm = w.deposit("mallory", 7);
    // An unsigned (forged) spend of Alice's deposit to Mallory.
    let theft = PaymentTx::payment(&[d], &[Output::new(mallory.address(), wei(100))]).unwrap();
    let forged = w.op.include_unsigned_spend(theft, &mallory).unwrap();
    // A mint, out of nothing.
    let minted = w.op.mint(Output::new(mallory.address(), wei(1_000)), &mallory).unwrap();
    assert_eq!(w.op.pending_len(), 2);
    w.seal(false);
    assert_eq!(w.op.utxo(&UtxoPos::new(1000, 0, 0).unwrap()), Some(&Output::new(mallory.address(), wei(100))));
    assert_eq!(w.op.utxo(&UtxoPos::new(1000, 1, 0).unwrap()), Some(&Output::new(mallory.address(), wei(1_000))));
    assert_eq!(w.op.inclusion(forged).unwrap().txindex, 0);
    assert_eq!(w.op.inclusion(minted).unwrap().txindex, 1);
    assert_eq!(w.op.ghost_input().unwrap(), UtxoPos::new(1000, 65_535, 3).unwrap());
    // A double spend of the (already spent) deposit, signed by its cheating owner.
    let again = w.op.include_double_spend(d, Output::new(alice.address(), wei(100)), &alice).unwrap();
    assert!(w.op.published_block(1000).is_some());
    let report = w.seal(true); // withheld
    assert!(report.is_empty());
    assert!(w.op.is_withheld(2000));
    assert!(w.op.published_block(2000).is_none());
    assert!(w.op.block(2000).is_some());
    let inclusion = w.op.inclusion(again).unwrap();
    assert!(inclusion.verifies_leaf(again));
    // The #102 setup: two spends of Mallory's deposit into one withheld block.
    let to = |n: &str, a| PaymentTx::payment(&[dm], &[Output::new(key(n).address(), wei(a))]).unwrap();
    let pair =
        [SignedTx::sign(to("bob", 7), &domain(), &[&mallory]), SignedTx::sign(to("alice", 7), &domain(), &[&mallory])];
    let hashes = w.op.include_competing_pair(pair[0].clone(), pair[1].clone()).unwrap();
    w.seal(false);
    assert!(w.op.published_block(3000).is_none());
    for (i, hash) in hashes.iter().enumerate() {
        let inclusion = w.op.inclusion(*hash).unwrap();
        assert_eq!((inclusion.blknum, usize::from(inclusion.txindex)), (3000, i));
        assert_eq!(w.op.prove_inclusion(3000, i as u64).unwrap(), inclusion.proof);
    }
    // The next block is published again.
    w.seal(false);
    assert!(w.op.published_block(4000).is_some());
}

#[test]
fn evidence_from_the_operators_blocks() {
    use plasma_morevp::ExitCall;
    let mut w = World::new(&["alice", "bob"], &[]);
    let (alice, bob) = (key("alice"), key("bob"));
    let d = w.deposit("alice", 100);
    let paid = w.pay("alice", "bob", 60);
    w.seal(false);
    // A second spend of the same deposit, in a withheld block: the competitor the operator holds.
    let again = w.op.include_double_spend(d, Output::new(alice.address(), wei(100)), &alice).unwrap();
    w.seal(true);

    let hash = paid.tx_hash(&domain());
    let inclusion = w.op.inclusion(hash).unwrap();
    let (signed, proof) = w.op.tx_with_proof(inclusion.blknum, u64::from(inclusion.txindex)).unwrap();
    assert_eq!((signed.tx_hash(&domain()), proof), (hash, inclusion.proof.to_bytes()));
    assert!(matches!(w.op.tx_with_proof(1000, 9), Err(MoreVpError::TxIndexOutOfRange { txindex: 9, .. })));
    assert!(matches!(w.op.tx_with_proof(7000, 0), Err(MoreVpError::UnknownBlock(7000))));

    // The exits: bob's output of the payment (a standard exit), and the deposit (a deposit exit).
    let bobs = UtxoPos::tx(inclusion.blknum, u64::from(inclusion.txindex)).unwrap();
    let output = Output::new(bob.address(), wei(60));
    assert!(
        matches!(w.op.exit_call_of(bobs, &output).unwrap(), ExitCall::StartStandardExit(exit) if exit.utxo_pos == bobs)
    );
    assert!(
        matches!(w.op.exit_call_of(d, &output).unwrap(), ExitCall::StartDepositExit(exit) if exit.blknum == d.blknum())
    );

    // The in-flight exit of the payment proves its input with the deposit's record.
    let ife = w.op.in_flight_exit_of_included(hash).unwrap();
    assert_eq!((ife.tx, ife.input_txs.len()), (paid.tx.clone(), 1));
    assert_eq!(ife.input_txs[0].tx, PaymentTx::deposit_record(alice.address(), wei(100)));
    assert!(matches!(w.op.in_flight_exit_of_included(B256::ZERO), Err(MoreVpError::UnknownTx(_))));

    // The competitor of the payment is the withheld double spend, at its position, signed.
    let challenge = w.op.competitor_of(&paid.tx).unwrap().unwrap();
    let at = w.op.inclusion(again).unwrap();
    assert_eq!(challenge.competing_tx_pos, Some(UtxoPos::tx(at.blknum, u64::from(at.txindex)).unwrap()));
    assert_eq!((challenge.input_index, challenge.competing_input_index), (0, 0));
    // A transaction nobody competes with has none.
    let fresh = w.deposit("bob", 5);
    let lone = PaymentTx::payment(&[fresh], &[Output::new(alice.address(), wei(5))]).unwrap();
    assert!(w.op.competitor_of(&lone).unwrap().is_none());
}
