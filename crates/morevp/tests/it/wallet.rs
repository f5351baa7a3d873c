//! The wallet: a payment's life (in flight, handed over, included), coin selection, the checks of
//! a transaction received in flight, the arguments of every exit-game call it may need (checked
//! against the operator's roots and decoded from the calldata), and the bytes it stores.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{World, domain, key, wei};
use plasma_core::{BinaryProof, alloy_primitives::U256, alloy_sol_types::SolCall};
use plasma_morevp::{
    ExitCall, InputProof, Invalidity, MoreVpError, Output, PaymentTx, SignedTx, UtxoPos, Wallet,
    game::MoreVpExitGame,
    tx::PaymentTxExt,
    wallet::{DEPOSIT_OUTPUT_BYTES, TX_OUTPUT_BYTES},
};

#[test]
fn payment_life_and_stored_bytes() {
    let mut w = World::new(&["alice", "bob"], &[]);
    let d = w.deposit("alice", 100);
    assert_eq!(DEPOSIT_OUTPUT_BYTES, 64);
    assert_eq!(w.wallets["alice"].stored_bytes(), 64);
    let tx = w.pay("alice", "bob", 30);
    let hash = tx.tx_hash(&domain());
    // In flight: Alice's deposit is reserved, both keep the transaction and its input proof.
    assert!(w.wallets["alice"].is_reserved(&d));
    assert_eq!(w.wallets["alice"].spendable(), wei(0));
    let record = 384 + 65 + 384; // the signed transaction, the deposit record, an empty proof
    assert_eq!(w.wallets["alice"].stored_bytes(), 64 + record);
    assert_eq!(w.wallets["bob"].stored_bytes(), record);
    assert!(!w.wallets["bob"].in_flight()[&hash].sender);
    assert!(w.wallets["alice"].in_flight()[&hash].sender);
    w.seal(false);
    w.settle(&tx);
    // Included: outputs with their witnesses, nothing in flight.
    assert_eq!(TX_OUTPUT_BYTES, 992);
    assert_eq!(w.wallets["bob"].stored_bytes(), TX_OUTPUT_BYTES);
    assert_eq!(w.wallets["alice"].stored_bytes(), TX_OUTPUT_BYTES);
    assert_eq!((w.wallets["alice"].balance(), w.wallets["bob"].balance()), (wei(70), wei(30)));
    // Bob spends what he received; the new record carries a 512-byte input proof.
    let tx2 = w.pay("bob", "alice", 10);
    assert_eq!(w.wallets["bob"].stored_bytes(), TX_OUTPUT_BYTES + 384 + 65 + 384 + 512);
    w.seal(false);
    w.settle(&tx2);
    assert_eq!((w.wallets["alice"].balance(), w.wallets["bob"].balance()), (wei(80), wei(20)));
    // Settling twice changes nothing more; a stranger is not a party.
    let inclusion = w.op.inclusion(tx2.tx_hash(&domain())).unwrap();
    assert!(w.wallet("alice").on_included(&tx2, &inclusion).unwrap().is_empty());
    let mut carol = Wallet::new(key("carol"), domain());
    assert!(matches!(carol.on_included(&tx2, &inclusion), Err(MoreVpError::NotParty)));
    let wrong = plasma_morevp::Inclusion { txindex: 1, ..inclusion };
    assert!(matches!(w.wallet("alice").on_included(&tx2, &wrong), Err(MoreVpError::NotIncluded { .. })));
}

#[test]
fn coin_selection_uses_up_to_four_outputs() {
    let mut w = World::new(&["alice", "bob"], &[]);
    for amount in [5, 10, 20, 40, 80] {
        w.deposit("alice", amount);
    }
    let bob = w.addr("bob");
    let single = w.wallet("alice").pay(bob, wei(15), wei(0)).unwrap();
    assert_eq!(single.tx.used_inputs(), 1); // the smallest single output that covers it: 20
    assert_eq!(single.tx.output(1).unwrap().amount, wei(5));
    w.wallet("alice").cancel(&single);
    let many = w.wallet("alice").pay(bob, wei(140), wei(1)).unwrap();
    assert_eq!(many.tx.used_inputs(), 4); // 80 + 40 + 20 + 10
    assert_eq!(many.tx.output(1).unwrap().amount, wei(9));
    assert!(matches!(
        w.wallet("alice").pay(bob, wei(6), wei(0)),
        Err(MoreVpError::InsufficientFunds { available, needed }) if available == wei(5) && needed == wei(6)
    ));
    w.wallet("alice").cancel(&many);
    assert!(matches!(w.wallet("alice").pay(bob, wei(0), wei(0)), Err(MoreVpError::InvalidPayment(_))));
    let four = [Output::new(bob, wei(1)); 4];
    assert!(matches!(w.wallet("alice").pay_many(&four, wei(0)), Err(MoreVpError::InvalidPayment(_))));
    assert_eq!(w.wallet("alice").pay_many(&four[..3], wei(0)).unwrap().tx.used_outputs().count(), 4);
    let mut watch_only = Wallet::watch_only(bob, domain());
    assert!(matches!(watch_only.sign(PaymentTx::default()), Err(MoreVpError::NoKey(_))));
    assert!(watch_only.set_key(key("alice")).is_err());
}

#[test]
fn receive_in_flight_checks_exitability() {
    let mut w = World::new(&["alice", "bob"], &[]);
    let d = w.deposit("alice", 10);
    let (alice, bob) = (key("alice"), key("bob"));
    let record = InputProof { tx: PaymentTx::deposit_record(alice.address(), wei(10)), proof: Default::default() };
    let pay = |amount| PaymentTx::payment(&[d], &[Output::new(bob.address(), wei(amount))]).unwrap();
    let receive =
        |tx: SignedTx, proofs: Vec<InputProof>| Wallet::new(key("bob"), domain()).receive_in_flight(tx, proofs);
    assert!(receive(SignedTx::sign(pay(10), &domain(), &[&alice]), vec![record.clone()]).is_ok());
    assert!(matches!(
        receive(SignedTx::sign(pay(10), &domain(), &[&bob]), vec![record.clone()]),
        Err(MoreVpError::InvalidTx(Invalidity::WrongSigner { .. }))
    ));
    assert!(matches!(
        receive(SignedTx::sign(pay(11), &domain(), &[&alice]), vec![record.clone()]),
        Err(MoreVpError::InvalidTx(Invalidity::ValueCreated { .. }))
    ));
    let bad_record = InputProof { proof: vec![0u8; 512].into(), ..record.clone() };
    assert!(matches!(
        receive(SignedTx::sign(pay(10), &domain(), &[&alice]), vec![bad_record]),
        Err(MoreVpError::BadInputProof { slot: 0, .. })
    ));
    assert!(matches!(
        receive(SignedTx::sign(pay(10), &domain(), &[&alice]), vec![]),
        Err(MoreVpError::InputProofCount { expected: 1, got: 0 })
    ));
    let to_alice = PaymentTx::payment(&[d], &[Output::new(alice.address(), wei(10))]).unwrap();
    assert!(matches!(
        receive(SignedTx::sign(to_alice, &domain(), &[&alice]), vec![record]),
        Err(MoreVpError::NotParty)
    ));
}

#[test]
fn exit_arguments_prove_what_the_game_checks() {
    let mut w = World::new(&["alice", "bob"], &[]);
    let d = w.deposit("alice", 100);
    let tx = w.pay("alice", "bob", 30);
    w.seal(false);
    w.settle(&tx);
    let root = w.op.block(1000).unwrap().block.root();
    let bob_out = UtxoPos::new(1000, 0, 0).unwrap();
    let change = UtxoPos::new(1000, 0, 1).unwrap();

    // Standard exit: the creating transaction, included at the output's txindex.
    let exit = w.wallets["bob"].standard_exit_args(bob_out).unwrap();
    assert_eq!((exit.owner(), exit.amount()), (w.addr("bob"), wei(30)));
    assert!(BinaryProof::from_bytes(&exit.proof).unwrap().verify(root, exit.tx.hash(&domain()), 0));
    let call = w.game.call(&ExitCall::StartStandardExit(exit.clone()));
    assert_eq!(call.value, w.game.standard_exit_bond);
    assert_eq!(MoreVpExitGame::startStandardExitCall::abi_decode(&call.data).unwrap().utxoPos, bob_out.encode());
    assert!(matches!(w.wallets["bob"].deposit_exit_args(bob_out), Err(MoreVpError::WrongOutputKind { .. })));

    // Alice spends her change in flight: her in-flight exit shows its creation.
    let tx2 = w.pay("alice", "bob", 50);
    let hash2 = tx2.tx_hash(&domain());
    let ife = w.wallets["alice"].in_flight_exit_args(hash2).unwrap();
    assert_eq!(ife.input_txs.len(), 1);
    assert!(BinaryProof::from_bytes(&ife.input_txs[0].proof).unwrap().verify(
        root,
        ife.input_txs[0].tx.hash(&domain()),
        0
    ));
    assert_eq!(ife.input_txs[0].tx.output(1).unwrap().owner, w.addr("alice"));
    let call = w.game.call(&ExitCall::StartInFlightExit(ife.clone()));
    assert_eq!(call.value, w.game.in_flight_exit_bond);
    let decoded = MoreVpExitGame::startInFlightExitCall::abi_decode(&call.data).unwrap();
    assert_eq!((decoded.transaction, decoded.sigs.len()), (tx2.tx.clone(), 65));
    // Bob got it in flight: he can start it too, and piggyback his output; Alice her input and change.
    assert_eq!(w.wallets["bob"].in_flight_exit_args(hash2).unwrap(), ife);
    let bob_piggybacks = w.wallets["bob"].piggybacks(&tx2.tx);
    assert_eq!(bob_piggybacks.iter().map(|p| (p.is_output, p.index)).collect::<Vec<_>>(), vec![(true, 0)]);
    let alice_piggybacks = w.wallets["alice"].piggybacks(&tx2.tx);
    assert_eq!(
        alice_piggybacks.iter().map(|p| (p.is_output, p.index)).collect::<Vec<_>>(),
        vec![(false, 0), (true, 1)]
    );
    let call = w.game.call(&ExitCall::Piggyback(bob_piggybacks[0].clone()));
    assert_eq!(call.value, w.game.piggyback_bond);
    assert!(MoreVpExitGame::piggybackInFlightExitOnOutputCall::abi_decode(&call.data).is_ok());
    // The change is reserved: Alice's own exits are the in-flight one, not a standard exit of it.
    let calls = w.wallets["alice"].exit_calls();
    assert!(matches!(&calls[..], [ExitCall::StartInFlightExit(e)] if e == &ife), "{calls:?}");

    // The response to a canonicity challenge: the inclusion of the transaction that paid Bob.
    let response = w.wallets["bob"].response_args(tx.tx_hash(&domain())).unwrap();
    assert_eq!(response.tx_pos, UtxoPos::tx(1000, 0).unwrap());
    assert!(BinaryProof::from_bytes(&response.proof).unwrap().verify(root, tx.tx_hash(&domain()), 0));
    assert!(w.wallets["bob"].response_args(hash2).is_err());

    // A deposit exit.
    let mut w2 = World::new(&["carol"], &[]);
    let dc = w2.deposit("carol", 9);
    let deposit = w2.wallets["carol"].deposit_exit_args(dc).unwrap();
    assert_eq!((deposit.blknum, deposit.owner, deposit.amount), (dc.blknum(), w2.addr("carol"), wei(9)));
    let call = w2.game.call(&ExitCall::StartDepositExit(deposit));
    assert_eq!(MoreVpExitGame::startDepositExitCall::abi_decode(&call.data).unwrap().amount, U256::from(9));
    assert_eq!(w2.wallets["carol"].exit_calls().len(), 1);
    assert_eq!(w.wallets["alice"].input_proof(change).unwrap(), ife.input_txs[0]);
    assert!(w.wallets["alice"].input_proof(d).is_err()); // spent long ago
    assert_eq!(w.wallet("bob").forget(bob_out).unwrap().amount, wei(30));
}
