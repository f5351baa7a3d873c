//! Wallet: coin selection, change and fee, confirmations, receiving, exit arguments, storage.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Framework, domain, fund, key, seal, settle, wei};
use plasma_core::{
    ChildChain, DepositEvent, GameCall,
    alloy_primitives::{Address, B256, U256},
    alloy_sol_types::SolCall,
};
use plasma_mvp::{
    ExitClaim, MvpError, MvpGame, Operator, UtxoPos, Wallet,
    game::MvpExitGame,
    tx::{confirmation_digest, decode_sig_pair},
    wallet::{DEPOSIT_OUTPUT_BYTES, GIVEN_CONFIRMATION_BYTES, TX_OUTPUT_BYTES},
};

fn wallets() -> (Wallet, Wallet) {
    (Wallet::new(key("alice"), domain()), Wallet::new(key("bob"), domain()))
}

#[test]
fn pay_with_change_and_fee() {
    let (mut fw, mut op) = (Framework::default(), Operator::new(domain()));
    let (mut alice, mut bob) = wallets();
    let d = fund(&mut fw, &mut op, &mut alice, 100);

    let tx = alice.pay(bob.address(), wei(30), wei(2)).unwrap();
    assert_eq!(tx.tx.input0, d.encode());
    assert_eq!(tx.tx.input1, U256::ZERO);
    assert_eq!((tx.tx.owner0, tx.tx.amount0), (bob.address(), wei(30)));
    assert_eq!((tx.tx.owner1, tx.tx.amount1), (alice.address(), wei(68)));
    assert!(tx.sigs[0].is_some() && tx.sigs[1].is_none());
    assert!(alice.is_reserved(&d));
    assert_eq!(alice.spendable(), U256::ZERO);
    assert_eq!(alice.balance(), wei(100));
    // The only output is reserved: a second payment cannot use it.
    assert!(matches!(alice.pay(bob.address(), wei(1), U256::ZERO), Err(MvpError::InsufficientFunds { .. })));

    op.submit_tx(tx.clone()).unwrap();
    let blknum = seal(&mut fw, &mut op);
    let inclusion = settle(&op, &tx, &mut alice, &mut [&mut bob]);
    assert_eq!(inclusion.blknum, blknum);
    assert_eq!(bob.balance(), wei(30));
    assert_eq!(alice.balance(), wei(68));
    assert!(alice.outputs().contains_key(&UtxoPos::new(blknum, 0, 1).unwrap()));
    assert!(bob.outputs().contains_key(&UtxoPos::new(blknum, 0, 0).unwrap()));
    assert_eq!(op.collected_fees(), wei(2));
    assert_eq!(alice.given_confirmations().len(), 1);
    assert_eq!(alice.given_confirmations()[0].input, d);
}

#[test]
fn exact_payment_has_no_change_output() {
    let (mut fw, mut op) = (Framework::default(), Operator::new(domain()));
    let (mut alice, bob) = wallets();
    fund(&mut fw, &mut op, &mut alice, 50);
    let tx = alice.pay(bob.address(), wei(49), wei(1)).unwrap();
    assert_eq!((tx.tx.owner1, tx.tx.amount1), (Address::ZERO, U256::ZERO));
    op.submit_tx(tx).unwrap();
}

#[test]
fn coin_selection() {
    let (mut fw, mut op) = (Framework::default(), Operator::new(domain()));
    let (mut alice, bob) = wallets();
    let small = fund(&mut fw, &mut op, &mut alice, 10);
    let medium = fund(&mut fw, &mut op, &mut alice, 40);
    let large = fund(&mut fw, &mut op, &mut alice, 70);

    // The smallest single output that covers it.
    let tx = alice.pay(bob.address(), wei(35), wei(0)).unwrap();
    assert_eq!(tx.tx.input0, medium.encode());
    alice.cancel(&tx);
    assert!(!alice.is_reserved(&medium));

    // Two inputs: the largest plus the smallest that completes it.
    let tx = alice.pay(bob.address(), wei(75), wei(3)).unwrap();
    assert_eq!((tx.tx.input0, tx.tx.input1), (large.encode(), small.encode()));
    assert_eq!(tx.tx.amount1, wei(2));
    assert!(tx.sigs[0].is_some() && tx.sigs[1].is_some());
    op.submit_tx(tx.clone()).unwrap();
    alice.cancel(&tx);

    // More than two outputs would be needed.
    match alice.pay(bob.address(), wei(115), wei(0)) {
        Err(MvpError::InsufficientFunds { available, needed }) => {
            assert_eq!((available, needed), (wei(110), wei(115)));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(alice.pay(bob.address(), U256::ZERO, wei(1)), Err(MvpError::InvalidPayment(_))));
    assert!(matches!(alice.pay(Address::ZERO, wei(1), wei(1)), Err(MvpError::InvalidPayment(_))));
    assert!(matches!(alice.pay(bob.address(), U256::MAX, wei(1)), Err(MvpError::InvalidPayment(_))));
    let mut empty = Wallet::new(key("nobody"), domain());
    assert!(matches!(
        empty.pay(bob.address(), wei(1), U256::ZERO),
        Err(MvpError::InsufficientFunds { available, .. }) if available.is_zero()
    ));
}

#[test]
fn deposits_must_be_ours_and_new() {
    let (mut alice, _) = wallets();
    let mine = DepositEvent { depositor: alice.address(), blknum: 1, amount: wei(5) };
    alice.add_deposit(&mine).unwrap();
    assert!(matches!(alice.add_deposit(&mine), Err(MvpError::DuplicateBlock(1))));
    let theirs = DepositEvent { depositor: key("bob").address(), blknum: 2, amount: wei(5) };
    assert!(matches!(alice.add_deposit(&theirs), Err(MvpError::NotMine(_))));
    assert!(alice.add_deposit(&DepositEvent { blknum: 1000, ..mine }).is_err());
    assert!(alice.add_deposit(&DepositEvent { blknum: 3, amount: U256::ZERO, ..mine }).is_err());
    assert_eq!(alice.balance(), wei(5));
}

#[test]
fn receive_checks_proof_and_confirmations() {
    let (mut fw, mut op) = (Framework::default(), Operator::new(domain()));
    let (mut alice, mut bob) = wallets();
    fund(&mut fw, &mut op, &mut alice, 100);
    let tx = alice.pay(bob.address(), wei(60), U256::ZERO).unwrap();
    op.submit_tx(tx.clone()).unwrap();
    seal(&mut fw, &mut op);
    let inclusion = op.inclusion(tx.tx_hash(&domain())).unwrap();

    let before = bob.outputs().clone();
    // No confirmation yet.
    assert!(matches!(bob.receive(&tx, &inclusion, [None, None]), Err(MvpError::MissingConfirmation { slot: 0 })));
    // A confirmation by the wrong key, or over the wrong root.
    let wrong = key("mallory").sign_digest(confirmation_digest(&domain(), tx.tx_hash(&domain()), inclusion.root));
    assert!(matches!(bob.receive(&tx, &inclusion, [Some(wrong), None]), Err(MvpError::BadConfirmation { slot: 0 })));
    let other_root =
        key("alice").sign_digest(confirmation_digest(&domain(), tx.tx_hash(&domain()), B256::repeat_byte(9)));
    assert!(matches!(bob.receive(&tx, &inclusion, [Some(other_root), None]), Err(MvpError::BadConfirmation { .. })));
    // A proof for another index / root.
    let confirmations = alice.confirm(&tx, inclusion.root).unwrap();
    let mut moved = inclusion;
    moved.txindex = 1;
    assert!(matches!(bob.receive(&tx, &moved, confirmations), Err(MvpError::NotIncluded { .. })));
    assert_eq!(bob.outputs(), &before);

    // A stranger is not a recipient.
    let mut carol = Wallet::new(key("carol"), domain());
    assert!(matches!(carol.receive(&tx, &inclusion, confirmations), Err(MvpError::NotRecipient)));

    let got = bob.receive(&tx, &inclusion, confirmations).unwrap();
    assert_eq!(got, vec![UtxoPos::new(1000, 0, 0).unwrap()]);
    assert!(bob.receive(&tx, &inclusion, confirmations).unwrap().is_empty());
    // Confirming twice gives the same signatures; a stranger has nothing to confirm.
    assert_eq!(alice.confirm(&tx, inclusion.root).unwrap(), confirmations);
    assert_eq!(alice.given_confirmations().len(), 1);
    assert!(matches!(carol.confirm(&tx, inclusion.root), Err(MvpError::NothingToConfirm)));
}

#[test]
fn exit_arguments_and_storage() {
    let (mut fw, mut op) = (Framework::default(), Operator::new(domain()));
    let (mut alice, mut bob) = wallets();
    let d = fund(&mut fw, &mut op, &mut alice, 100);
    assert_eq!(alice.stored_bytes(), DEPOSIT_OUTPUT_BYTES);

    let game = MvpGame::new(wei(777), 3600);
    let claim = alice.exit_claim(d).unwrap();
    assert!(matches!(claim, ExitClaim::Deposit(ref e) if e.blknum == 1 && e.amount == wei(100)));
    let call: GameCall = game.exit_call(&claim);
    assert_eq!(call.value, wei(777));
    let decoded = MvpExitGame::startDepositExitCall::abi_decode(&call.data).unwrap();
    assert_eq!((decoded.depositBlknum, decoded.amount), (U256::from(1), wei(100)));
    assert!(matches!(alice.exit_args(d), Err(MvpError::WrongOutputKind { .. })));

    let tx = alice.pay(bob.address(), wei(60), wei(1)).unwrap();
    op.submit_tx(tx.clone()).unwrap();
    seal(&mut fw, &mut op);
    let inclusion = settle(&op, &tx, &mut alice, &mut [&mut bob]);

    let pos = UtxoPos::new(1000, 0, 0).unwrap();
    let exit = bob.exit_args(pos).unwrap();
    assert_eq!(exit.utxo_pos, pos);
    assert_eq!(exit.tx, tx.tx);
    assert_eq!(exit.amount(), wei(60));
    assert_eq!(exit.owner(), bob.address());
    assert_eq!(exit.sigs.as_ref(), tx.sigs_bytes().as_slice());
    assert_eq!(exit.proof, inclusion.proof.to_bytes());
    assert_eq!(exit.proof.len(), 512);
    let confirmations = decode_sig_pair(&exit.confirm_sigs).unwrap();
    assert!(confirmations[0].is_some() && confirmations[1].is_none());
    assert!(matches!(bob.deposit_exit_args(pos), Err(MvpError::WrongOutputKind { .. })));
    assert!(matches!(bob.exit_args(d), Err(MvpError::UnknownOutput(_))));

    let call = game.start_exit_call(&exit);
    let decoded = MvpExitGame::startExitCall::abi_decode(&call.data).unwrap();
    assert_eq!(decoded.utxoPos, pos.encode());
    assert_eq!(decoded.confirmSigs, exit.confirm_sigs);

    assert_eq!(bob.stored_bytes(), TX_OUTPUT_BYTES);
    assert_eq!(alice.stored_bytes(), TX_OUTPUT_BYTES + GIVEN_CONFIRMATION_BYTES);
    assert_eq!(bob.exit_claims().len(), 1);
    assert!(bob.forget(pos).is_some());
    assert_eq!(bob.stored_bytes(), 0);
}

#[test]
fn unconfirmed_spend_stays_exitable() {
    let (mut fw, mut op) = (Framework::default(), Operator::new(domain()));
    let (mut alice, bob) = wallets();
    let d = fund(&mut fw, &mut op, &mut alice, 100);
    let tx = alice.pay(bob.address(), wei(60), U256::ZERO).unwrap();
    op.submit_tx(tx).unwrap();
    seal(&mut fw, &mut op);
    // Alice never confirms (say the block was withheld): her deposit is still hers to exit.
    let claims = alice.exit_claims();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].utxo_pos().unwrap(), d);
}

#[test]
fn watch_only_wallet_cannot_sign() {
    let mut w = Wallet::watch_only(key("alice").address(), domain());
    w.add_deposit(&DepositEvent { depositor: w.address(), blknum: 1, amount: wei(5) }).unwrap();
    assert!(matches!(w.pay(key("bob").address(), wei(1), U256::ZERO), Err(MvpError::NoKey(_))));
    assert!(matches!(w.set_key(key("bob")), Err(MvpError::NoKey(_))));
    w.set_key(key("alice")).unwrap();
    w.pay(key("bob").address(), wei(1), U256::ZERO).unwrap();
}

#[test]
fn pay_attaches_the_parent_confirmations() {
    let (mut fw, mut op) = (Framework::default(), Operator::new(domain()));
    let (mut alice, mut bob) = wallets();
    let mut carol = Wallet::new(key("carol"), domain());
    fund(&mut fw, &mut op, &mut alice, 100);
    let bob_d = fund(&mut fw, &mut op, &mut bob, 5);
    let to_bob = alice.pay(bob.address(), wei(60), U256::ZERO).unwrap();
    op.submit_tx(to_bob.clone()).unwrap();
    seal(&mut fw, &mut op);
    let inclusion = settle(&op, &to_bob, &mut alice, &mut [&mut bob]);
    let alice_conf = alice.given_confirmations()[0].signature;

    // Bob spends his deposit and the output Alice paid him: Alice's confirmation goes with the
    // second, nothing with the deposit (the largest output is input 0).
    let bob_out = UtxoPos::new(1000, 0, 0).unwrap();
    let spend = bob.pay(carol.address(), wei(65), U256::ZERO).unwrap();
    assert_eq!((spend.tx.input0, spend.tx.input1), (bob_out.encode(), bob_d.encode()));
    assert_eq!(spend.parent_confirmations, [[Some(alice_conf), None], [None, None]]);
    assert_eq!(bob.parent_confirmations(&spend.tx), spend.parent_confirmations);
    assert_eq!(bob.sign(spend.tx.clone()).unwrap(), spend);
    // Only the confirmations Bob received with the output count: it is exactly what the operator wants.
    let digest = confirmation_digest(&domain(), to_bob.tx_hash(&domain()), inclusion.root);
    assert_eq!(alice_conf.recover(digest).unwrap(), alice.address());
    op.submit_tx(spend.clone()).unwrap();
    seal(&mut fw, &mut op);
    settle(&op, &spend, &mut bob, &mut [&mut carol]);

    // Carol keeps the transaction without them: storage and exit arguments are unchanged.
    let carol_out = UtxoPos::new(2000, 0, 0).unwrap();
    assert_eq!(TX_OUTPUT_BYTES, 32 + 32 + 322 + 32 + 512 + 130);
    assert_eq!(carol.stored_bytes(), TX_OUTPUT_BYTES);
    let exit = carol.exit_args(carol_out).unwrap();
    assert_eq!((exit.tx, exit.sigs.as_ref()), (spend.tx.clone(), spend.sigs_bytes().as_slice()));
    match &carol.outputs()[&carol_out].origin {
        plasma_mvp::wallet::OutputOrigin::Tx(witness) => assert_eq!(witness.tx, spend.without_parent_confirmations()),
        other => panic!("unexpected {other:?}"),
    }
    // A stranger's inputs get nothing.
    assert_eq!(alice.parent_confirmations(&spend.tx), [[None, None], [None, None]]);
}
