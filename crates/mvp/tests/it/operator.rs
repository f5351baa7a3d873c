//! Operator: deposits, validation (every rejection leaves the state untouched), blocks, numbering,
//! proofs, fault injection, and a full 65,536-transaction block.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::time::Instant;

use common::{Framework, domain, key, wei};
use plasma_core::{
    BlockSubmittedEvent, ChildChain, DepositEvent, Signature,
    alloy_primitives::{Address, B256, U256},
    merkle::EMPTY,
};
use plasma_mvp::{
    Invalidity, MvpError, Operator, Output, ParentConfirmations, SignedTx, Transaction, UtxoPos, confirmation_digest,
    tx::{MAX_TXS_PER_BLOCK, TransactionExt},
};
use rstest::rstest;

struct Setup {
    fw: Framework,
    op: Operator,
    alice_d: UtxoPos,
    bob_d: UtxoPos,
}

/// Alice and Bob each deposit 100.
fn setup() -> Setup {
    let mut fw = Framework::default();
    let mut op = Operator::new(domain());
    let alice_d = op.apply_deposit(&fw.deposit(key("alice").address(), wei(100))).unwrap();
    let bob_d = op.apply_deposit(&fw.deposit(key("bob").address(), wei(100))).unwrap();
    Setup { fw, op, alice_d, bob_d }
}

fn pay(input: UtxoPos, to: Address, amount: u64) -> Transaction {
    Transaction::payment(input, None, Output::new(to, wei(amount)), None)
}

/// A spend of `input` with two outputs, each an owner and an amount.
fn pay_two(input: UtxoPos, first: (Address, U256), second: (Address, U256)) -> Transaction {
    Transaction::payment(input, None, Output::new(first.0, first.1), Some(Output::new(second.0, second.1)))
}

#[test]
fn deposit_creates_output_at_blknum_times_1e9() {
    let s = setup();
    assert_eq!(s.alice_d.to_u128(), 1_000_000_000);
    assert_eq!(s.bob_d.to_u128(), 2_000_000_000);
    assert_eq!(s.op.utxo(&s.alice_d), Some(&Output::new(key("alice").address(), wei(100))));
    assert_eq!(s.op.deposit(2).map(|o| o.amount), Some(wei(100)));
    assert_eq!(s.op.utxos_of(key("bob").address()), vec![(s.bob_d, Output::new(key("bob").address(), wei(100)))]);
}

#[rstest]
#[case(1000, 5, "child block")]
#[case(0, 5, "block zero")]
#[case(1, 5, "duplicate")]
#[case(3, 0, "zero amount")]
fn deposit_rejections_leave_state(#[case] blknum: u64, #[case] amount: u64, #[case] what: &str) {
    let mut s = setup();
    let before = s.op.clone();
    let event = DepositEvent { depositor: key("carol").address(), blknum, amount: wei(amount) };
    assert!(s.op.apply_deposit(&event).is_err(), "{what}");
    assert_eq!(s.op, before);
}

#[test]
fn valid_payment_is_queued_built_and_numbered() {
    let mut s = setup();
    let (alice, bob) = (key("alice"), key("bob"));
    let tx = Transaction::payment(
        s.alice_d,
        Some(s.bob_d),
        Output::new(key("carol").address(), wei(150)),
        Some(Output::new(alice.address(), wei(45))),
    );
    let signed = SignedTx::sign(tx, &domain(), [Some(&alice), Some(&bob)]);
    let hash = s.op.submit_tx(signed.clone()).unwrap();
    assert_eq!(hash, signed.tx_hash(&domain()));
    assert_eq!(s.op.pending_len(), 1);
    // Inputs stay in the set until the block is built.
    assert!(s.op.utxo(&s.alice_d).is_some());

    let block = s.op.build_block().unwrap();
    assert_eq!(block.len(), 1);
    assert_eq!(s.op.pending_len(), 0);
    assert_eq!(s.op.awaiting_roots(), vec![block.root()]);
    assert!(s.op.utxo(&s.alice_d).is_none());
    assert_eq!(s.op.ledger().spent_by(&s.alice_d), Some(None));

    let event = s.fw.submit(block.root());
    s.op.on_block_submitted(&event).unwrap();
    assert!(s.op.awaiting_roots().is_empty());
    let out0 = UtxoPos::new(1000, 0, 0).unwrap();
    let out1 = UtxoPos::new(1000, 0, 1).unwrap();
    assert_eq!(s.op.utxo(&out0).map(|o| o.amount), Some(wei(150)));
    assert_eq!(s.op.utxo(&out1).map(|o| o.amount), Some(wei(45)));
    assert_eq!(s.op.ledger().spent_by(&s.bob_d), Some(Some(UtxoPos::tx(1000, 0).unwrap())));
    assert_eq!(s.op.collected_fees(), wei(5));
    assert_eq!(s.op.ledger().total() + s.op.collected_fees(), wei(200));

    let inclusion = s.op.inclusion(hash).unwrap();
    assert_eq!((inclusion.blknum, inclusion.txindex, inclusion.root), (1000, 0, block.root()));
    assert!(inclusion.verifies(&signed, &domain()));
    let proof = s.op.prove_inclusion(1000, 0).unwrap();
    assert!(proof.verify(block.root(), signed.leaf(&domain()), 0));
    assert_eq!(s.op.block(1000).unwrap().timestamp, event.timestamp);
    assert!(matches!(s.op.prove_inclusion(2000, 0), Err(MvpError::UnknownBlock(2000))));
    assert!(matches!(s.op.prove_inclusion(1000, 1), Err(MvpError::Core(_))));
    assert!(matches!(s.op.inclusion_at(1000, 70_000), Err(MvpError::TxIndexOutOfRange { .. })));

    // The new outputs are spendable, with the confirmations of both inputs' owners.
    let carol = key("carol");
    let next = SignedTx::sign(pay(out0, alice.address(), 150), &domain(), [Some(&carol), None]);
    let digest = confirmation_digest(&domain(), hash, block.root());
    let parents = [[Some(alice.sign_digest(digest)), Some(bob.sign_digest(digest))], [None, None]];
    // Only Alice's is not enough.
    let half = next.clone().with_parent_confirmations([[parents[0][0], None], [None, None]]);
    assert!(matches!(
        s.op.submit_tx(half),
        Err(MvpError::InvalidTx(Invalidity::MissingParentConfirmation { slot: 0, parent_slot: 1 }))
    ));
    s.op.submit_tx(next.with_parent_confirmations(parents)).unwrap();
}

/// Each case builds one bad transaction from the standard setup and names the expected rejection.
#[rstest]
#[case::zero_first_input("zero first input")]
#[case::bad_position("bad position")]
#[case::duplicate_input("duplicate input")]
#[case::missing_sig("missing signature")]
#[case::unexpected_sig("unexpected signature")]
#[case::wrong_signer("wrong signer")]
#[case::high_s("high s")]
#[case::bad_v("bad v")]
#[case::other_domain("other domain")]
#[case::unknown_input("unknown input")]
#[case::spent_input("spent input")]
#[case::pending_input("pending input")]
#[case::exiting_input("exiting input")]
#[case::value_created("value created")]
#[case::zero_amount0("zero amount0")]
#[case::zero_owner0("zero owner0")]
#[case::zero_owner1("zero owner1")]
#[case::overflow("overflow")]
#[case::no_parent_confirmation("no parent confirmation")]
#[case::parent_confirmation_by_another("parent confirmation by another")]
#[case::parent_confirmation_other_root("parent confirmation over another root")]
#[case::parent_confirmation_other_tx("parent confirmation of another transaction")]
#[case::parent_confirmation_high_s("parent confirmation high s")]
#[case::extra_parent_confirmation("extra parent confirmation")]
#[case::parent_confirmation_on_deposit("parent confirmation on a deposit")]
#[case::parent_confirmation_on_absent_input("parent confirmation on an absent input")]
fn rejections_leave_state_untouched(#[case] case: &str) {
    let mut s = setup();
    let (alice, bob, carol) = (key("alice"), key("bob"), key("carol"));
    let d = domain();
    let sign1 = |tx: Transaction, k| SignedTx::sign(tx, &d, [Some(k), None]);
    // Spend Bob's deposit in block 1000, and queue a pending spend of nothing yet.
    let spent = s.op.submit_tx(sign1(pay(s.bob_d, carol.address(), 100), &bob)).map(|_| ());
    spent.unwrap();
    let built = s.op.build_block().unwrap();
    s.op.on_block_submitted(&s.fw.submit(built.root())).unwrap();
    let carol_out = UtxoPos::new(1000, 0, 0).unwrap();
    let alice_d2 = s.op.apply_deposit(&s.fw.deposit(alice.address(), wei(7))).unwrap();
    // Bob's confirmation of the transaction that created Carol's output: what a spend of it carries.
    let bob_confirms = |hash, root| bob.sign_digest(confirmation_digest(&d, hash, root));
    let bob_conf = bob_confirms(built.tx_hash(0).unwrap(), built.root());
    let parent0 = |c: [Option<Signature>; 2]| -> ParentConfirmations { [c, [None, None]] };
    let carol_spend = |parents| sign1(pay(carol_out, alice.address(), 100), &carol).with_parent_confirmations(parents);
    assert!(s.op.check_tx(&carol_spend(parent0([Some(bob_conf), None]))).is_ok());

    let (tx, expected): (SignedTx, Invalidity) = match case {
        "zero first input" => {
            let tx = Transaction { input0: U256::ZERO, ..pay(s.alice_d, carol.address(), 1) };
            (sign1(tx, &alice), Invalidity::ZeroFirstInput)
        }
        "bad position" => {
            let tx = Transaction { input0: U256::from(1_000_000_002u64), ..pay(s.alice_d, carol.address(), 1) };
            (sign1(tx, &alice), Invalidity::BadPosition { slot: 0, value: U256::from(1_000_000_002u64) })
        }
        "duplicate input" => {
            let tx = Transaction::payment(s.alice_d, Some(s.alice_d), Output::new(carol.address(), wei(1)), None);
            (SignedTx::sign(tx, &d, [Some(&alice), Some(&alice)]), Invalidity::DuplicateInput(s.alice_d))
        }
        "missing signature" => {
            let tx = Transaction::payment(s.alice_d, Some(alice_d2), Output::new(carol.address(), wei(1)), None);
            (SignedTx::sign(tx, &d, [Some(&alice), None]), Invalidity::MissingSignature { slot: 1 })
        }
        "unexpected signature" => (
            SignedTx::sign(pay(s.alice_d, carol.address(), 1), &d, [Some(&alice), Some(&alice)]),
            Invalidity::UnexpectedSignature { slot: 1 },
        ),
        "wrong signer" => (
            sign1(pay(s.alice_d, carol.address(), 1), &carol),
            Invalidity::WrongSigner { slot: 0, expected: alice.address(), recovered: carol.address() },
        ),
        "high s" => {
            let mut tx = sign1(pay(s.alice_d, carol.address(), 1), &alice);
            tx.sigs[0] = tx.sigs[0].map(|sig| sig.high_s_twin());
            (tx, Invalidity::BadSignature { slot: 0, reason: plasma_core::Error::HighS.to_string() })
        }
        "bad v" => {
            let mut tx = sign1(pay(s.alice_d, carol.address(), 1), &alice);
            tx.sigs[0] = tx.sigs[0].map(|sig| Signature { v: 1, ..sig });
            (tx, Invalidity::BadSignature { slot: 0, reason: plasma_core::Error::InvalidRecoveryByte(1).to_string() })
        }
        "other domain" => {
            let elsewhere = plasma_core::Domain::new(1, d.verifying_contract);
            let tx = SignedTx::sign(pay(s.alice_d, carol.address(), 1), &elsewhere, [Some(&alice), None]);
            let recovered = plasma_core::recover(tx.tx_hash(&d), &tx.sigs[0].unwrap()).unwrap();
            (tx, Invalidity::WrongSigner { slot: 0, expected: alice.address(), recovered })
        }
        "unknown input" => {
            let ghost = UtxoPos::new(5000, 3, 1).unwrap();
            (sign1(pay(ghost, carol.address(), 1), &alice), Invalidity::UnknownInput(ghost))
        }
        "spent input" => (
            sign1(pay(s.bob_d, carol.address(), 100), &bob),
            Invalidity::SpentInput { input: s.bob_d, by: Some(UtxoPos::tx(1000, 0).unwrap()) },
        ),
        "pending input" => {
            s.op.submit_tx(carol_spend(parent0([Some(bob_conf), None]))).unwrap();
            (sign1(pay(carol_out, bob.address(), 100), &carol), Invalidity::PendingInput(carol_out))
        }
        "exiting input" => {
            assert!(s.op.on_exit_started(s.alice_d));
            (sign1(pay(s.alice_d, carol.address(), 1), &alice), Invalidity::ExitingInput(s.alice_d))
        }
        "value created" => (
            sign1(pay(s.alice_d, carol.address(), 101), &alice),
            Invalidity::ValueCreated { inputs: wei(100), outputs: wei(101) },
        ),
        "zero amount0" => {
            let tx = pay_two(s.alice_d, (carol.address(), U256::ZERO), (carol.address(), wei(5)));
            (sign1(tx, &alice), Invalidity::ZeroAmount0)
        }
        "zero owner0" => (sign1(pay(s.alice_d, Address::ZERO, 5), &alice), Invalidity::ZeroOwner { oindex: 0 }),
        "zero owner1" => {
            let tx = pay_two(s.alice_d, (carol.address(), wei(5)), (Address::ZERO, wei(5)));
            (sign1(tx, &alice), Invalidity::ZeroOwner { oindex: 1 })
        }
        "overflow" => {
            let tx = pay_two(s.alice_d, (carol.address(), U256::MAX), (carol.address(), wei(5)));
            (sign1(tx, &alice), Invalidity::AmountOverflow)
        }
        "no parent confirmation" => {
            (carol_spend(parent0([None, None])), Invalidity::MissingParentConfirmation { slot: 0, parent_slot: 0 })
        }
        "parent confirmation by another" => {
            let by_carol = carol.sign_digest(confirmation_digest(&d, built.tx_hash(0).unwrap(), built.root()));
            (
                carol_spend(parent0([Some(by_carol), None])),
                Invalidity::BadParentConfirmation { slot: 0, parent_slot: 0 },
            )
        }
        "parent confirmation over another root" => (
            carol_spend(parent0([Some(bob_confirms(built.tx_hash(0).unwrap(), B256::repeat_byte(7))), None])),
            Invalidity::BadParentConfirmation { slot: 0, parent_slot: 0 },
        ),
        "parent confirmation of another transaction" => (
            carol_spend(parent0([Some(bob_confirms(B256::repeat_byte(7), built.root())), None])),
            Invalidity::BadParentConfirmation { slot: 0, parent_slot: 0 },
        ),
        "parent confirmation high s" => (
            carol_spend(parent0([Some(bob_conf.high_s_twin()), None])),
            Invalidity::BadParentConfirmation { slot: 0, parent_slot: 0 },
        ),
        "extra parent confirmation" => (
            carol_spend(parent0([Some(bob_conf), Some(bob_conf)])),
            Invalidity::UnexpectedParentConfirmation { slot: 0, parent_slot: 1 },
        ),
        "parent confirmation on a deposit" => (
            sign1(pay(s.alice_d, carol.address(), 1), &alice)
                .with_parent_confirmations(parent0([None, Some(bob_conf)])),
            Invalidity::UnexpectedParentConfirmation { slot: 0, parent_slot: 1 },
        ),
        "parent confirmation on an absent input" => (
            carol_spend([[Some(bob_conf), None], [Some(bob_conf), None]]),
            Invalidity::UnexpectedParentConfirmation { slot: 1, parent_slot: 0 },
        ),
        other => unreachable!("{other}"),
    };

    let before = s.op.clone();
    let utxos_before = s.op.utxos().clone();
    let err = s.op.submit_tx(tx.clone()).unwrap_err();
    match err {
        MvpError::InvalidTx(got) => assert_eq!(got, expected, "{case}"),
        other => panic!("{case}: unexpected error {other}"),
    }
    assert!(s.op.check_tx(&tx).is_err());
    assert_eq!(s.op.utxos(), &utxos_before, "{case}: UTXO set changed");
    assert_eq!(s.op, before, "{case}: operator state changed");
}

#[test]
fn block_full_rejection_leaves_state() {
    // A full block is expensive to sign; fill the queue with unchecked transactions instead.
    let mut s = setup();
    let filler = SignedTx::sign(pay(s.alice_d, key("carol").address(), 1), &domain(), [Some(&key("alice")), None]);
    for _ in 0..MAX_TXS_PER_BLOCK {
        s.op.include_unchecked(filler.clone()).unwrap();
    }
    let before = s.op.clone();
    let tx = SignedTx::sign(pay(s.bob_d, key("carol").address(), 1), &domain(), [Some(&key("bob")), None]);
    assert!(matches!(s.op.submit_tx(tx.clone()), Err(MvpError::BlockFull { capacity: 65_536 })));
    assert!(matches!(s.op.include_unchecked(tx), Err(MvpError::BlockFull { .. })));
    assert_eq!(s.op, before);
    let block = s.op.build_block().unwrap();
    assert_eq!(block.len(), MAX_TXS_PER_BLOCK);
}

#[test]
fn numbering_rejections_leave_state() {
    let mut s = setup();
    let tx = SignedTx::sign(pay(s.alice_d, key("carol").address(), 100), &domain(), [Some(&key("alice")), None]);
    s.op.submit_tx(tx).unwrap();
    let block = s.op.build_block().unwrap();
    let before = s.op.clone();
    for event in [
        BlockSubmittedEvent { blknum: 1001, root: block.root(), timestamp: 1 },
        BlockSubmittedEvent { blknum: 0, root: block.root(), timestamp: 1 },
        BlockSubmittedEvent { blknum: 1000, root: B256::repeat_byte(1), timestamp: 1 },
    ] {
        assert!(s.op.on_block_submitted(&event).is_err());
        assert_eq!(s.op, before);
    }
    s.op.on_block_submitted(&BlockSubmittedEvent { blknum: 1000, root: block.root(), timestamp: 1 }).unwrap();
    // The same number again, even with a matching awaiting block, is refused.
    let empty = s.op.build_block().unwrap();
    assert_eq!(empty.root(), EMPTY);
    let before = s.op.clone();
    assert!(matches!(
        s.op.on_block_submitted(&BlockSubmittedEvent { blknum: 1000, root: EMPTY, timestamp: 2 }),
        Err(MvpError::DuplicateBlock(1000))
    ));
    assert_eq!(s.op, before);
    s.op.on_block_submitted(&BlockSubmittedEvent { blknum: 2000, root: EMPTY, timestamp: 2 }).unwrap();
    assert!(s.op.block(2000).unwrap().block.is_empty());
}

#[test]
fn awaiting_blocks_are_matched_by_root() {
    let mut s = setup();
    let (alice, bob, carol) = (key("alice"), key("bob"), key("carol"));
    s.op.submit_tx(SignedTx::sign(pay(s.alice_d, carol.address(), 100), &domain(), [Some(&alice), None])).unwrap();
    let first = s.op.build_block().unwrap();
    s.op.submit_tx(SignedTx::sign(pay(s.bob_d, carol.address(), 100), &domain(), [Some(&bob), None])).unwrap();
    let second = s.op.build_block().unwrap();
    // The framework may report them in either order: the root decides.
    s.op.on_block_submitted(&BlockSubmittedEvent { blknum: 1000, root: second.root(), timestamp: 1 }).unwrap();
    s.op.on_block_submitted(&BlockSubmittedEvent { blknum: 2000, root: first.root(), timestamp: 2 }).unwrap();
    assert_eq!(s.op.block(1000).unwrap().block, second);
    assert_eq!(s.op.utxo(&UtxoPos::new(2000, 0, 0).unwrap()).unwrap().amount, wei(100));
}

#[test]
fn fault_injection_unchecked_and_withheld() {
    let mut s = setup();
    let mallory = key("mallory");
    // Mint from nothing, and steal Alice's deposit with Mallory's signature.
    let mint = SignedTx::sign(
        pay(UtxoPos::new(9000, 0, 0).unwrap(), mallory.address(), 1_000_000),
        &domain(),
        [Some(&mallory), None],
    );
    let theft = SignedTx::sign(pay(s.alice_d, mallory.address(), 100), &domain(), [Some(&mallory), None]);
    s.op.include_unchecked(mint).unwrap();
    s.op.include_unchecked(theft).unwrap();
    s.op.withhold(1000);
    let block = s.op.build_block().unwrap();
    s.op.on_block_submitted(&s.fw.submit(block.root())).unwrap();
    assert!(s.op.is_withheld(1000));
    assert_eq!(s.op.published_block(1000), None);
    assert!(s.op.block(1000).is_some());
    assert!(s.op.prove_inclusion(1000, 1).is_ok());
    assert_eq!(s.op.utxo(&UtxoPos::new(1000, 0, 0).unwrap()).unwrap().amount, wei(1_000_000));
    assert!(s.op.utxo(&s.alice_d).is_none());
    // Unchecked transactions contribute no fee.
    assert_eq!(s.op.collected_fees(), U256::ZERO);
    let empty = s.op.build_block().unwrap();
    s.op.on_block_submitted(&s.fw.submit(empty.root())).unwrap();
    assert!(s.op.published_block(2000).is_some());
}

#[test]
fn include_unchecked_skips_the_parent_confirmations() {
    let mut s = setup();
    let (alice, carol) = (key("alice"), key("carol"));
    s.op.submit_tx(SignedTx::sign(pay(s.alice_d, carol.address(), 100), &domain(), [Some(&alice), None])).unwrap();
    let block = s.op.build_block().unwrap();
    s.op.on_block_submitted(&s.fw.submit(block.root())).unwrap();
    let carol_out = UtxoPos::new(1000, 0, 0).unwrap();
    // Carol spends her output without Alice's confirmation: refused, unless slipped in.
    let bare = SignedTx::sign(pay(carol_out, alice.address(), 100), &domain(), [Some(&carol), None]);
    assert!(matches!(
        s.op.submit_tx(bare.clone()),
        Err(MvpError::InvalidTx(Invalidity::MissingParentConfirmation { slot: 0, parent_slot: 0 }))
    ));
    s.op.include_unchecked(bare).unwrap();
    let block = s.op.build_block().unwrap();
    s.op.on_block_submitted(&s.fw.submit(block.root())).unwrap();
    assert!(s.op.utxo(&carol_out).is_none());
    assert_eq!(s.op.utxo(&UtxoPos::new(2000, 0, 0).unwrap()).map(|o| o.owner), Some(alice.address()));
}

/// 65,536 one-input transactions fill one block (release); a debug build uses 16,384 so the test
/// stays quick. Deposits skip the child block numbers like the framework does.
#[test]
fn full_block_of_one_input_txs() {
    let count: u64 = if cfg!(debug_assertions) { 16_384 } else { MAX_TXS_PER_BLOCK as u64 };
    let d = domain();
    let mut op = Operator::new(d);
    let (alice, bob) = (key("alice"), key("bob"));
    let start = Instant::now();
    let mut txs = Vec::with_capacity(count as usize);
    for i in 0..count {
        let blknum = (i / 999) * 1000 + i % 999 + 1;
        let pos = op.apply_deposit(&DepositEvent { depositor: alice.address(), blknum, amount: wei(10) }).unwrap();
        txs.push(SignedTx::sign(pay(pos, bob.address(), 9), &d, [Some(&alice), None]));
    }
    let signed = start.elapsed();
    let start = Instant::now();
    for tx in &txs {
        op.submit_tx(tx.clone()).unwrap();
    }
    let validated = start.elapsed();
    let start = Instant::now();
    let block = op.build_block().unwrap();
    let built = start.elapsed();
    assert_eq!(block.len() as u64, count);
    let blknum = (count / 999 + 1) * 1000;
    op.on_block_submitted(&BlockSubmittedEvent { blknum, root: block.root(), timestamp: 1 }).unwrap();
    for txindex in [0, count / 2, count - 1] {
        let proof = op.prove_inclusion(blknum, txindex).unwrap();
        assert!(proof.verify(block.root(), txs[txindex as usize].leaf(&d), txindex));
    }
    assert_eq!(op.ledger().total() + op.collected_fees(), wei(10 * count));
    assert_eq!(op.collected_fees(), wei(count));
    eprintln!("{count} txs: sign {signed:?}, validate+queue {validated:?}, build {built:?}");
}
