//! End to end, with no root chain: deposits, A → B → C with full histories handed over and verified,
//! exit arguments, and the stored bytes.

use crate::common::{Net, domain, game, key};
use alloy_sol_types::SolCall;
use plasma_cash::{
    CashError, ExitClaim, Included, Invalidity, SignedCashTx,
    game::{CashExitGame, IncludedExt},
    history::proof_len,
    tx::CashTxExt,
};
use plasma_core::{ChildChain, merkle::sparse::DEPTH};

#[test]
fn a_pays_b_pays_c_and_c_can_exit() {
    let (a, b, c) = (key("a"), key("b"), key("c"));
    let mut net = Net::new(&[&a, &b, &c]);
    let coin = net.deposit(0, 5_000);
    let bobs_own = net.deposit(1, 7_000);
    net.seal();
    net.seal();
    net.sync();
    let to_b = net.transfer(0, coin, 1);
    net.seal();
    let to_c = net.transfer(1, coin, 2);
    net.seal();
    net.sync();

    // Every wallet's view: C owns the coin; A and B keep their histories up to their payments.
    let [alice, bob, carol] = &net.wallets[..] else { panic!() };
    assert_eq!(carol.owned_coins(), [coin]);
    assert!(!alice.owns(coin) && !bob.owns(coin) && bob.owns(bobs_own));
    let history = carol.history(coin).unwrap();
    assert_eq!(history.verify(&domain(), carol.roots()).unwrap(), c.address());
    assert_eq!(history.entries().len(), 6);
    assert_eq!(history.moves().map(|m| m.blknum).collect::<Vec<_>>(), [to_b, to_c]);
    assert_eq!(alice.history(coin).unwrap().last_moved(), to_b);
    assert_eq!(bob.history(coin).unwrap().last_moved(), to_c);

    // C's exit: parent A -> B, exiting B -> C signed by B; both proofs check against the roots.
    let ExitClaim::Tx(exit) = carol.exit_claim(coin).unwrap() else { panic!("a transaction exit") };
    assert_eq!((exit.coin_id, exit.depositor, exit.amount), (coin, a.address(), crate::common::wei(5_000)));
    assert_eq!((exit.parent.blknum, exit.exiting.blknum), (to_b, to_c));
    assert_eq!(exit.parent, net.included(to_b, coin));
    assert_eq!(exit.exiting, net.included(to_c, coin));
    let signed = SignedCashTx::new(exit.exiting.tx, exit.exiting_sig);
    assert_eq!(signed.signer(&domain()).unwrap(), b.address());
    for included in [&exit.parent, &exit.exiting] {
        let proof = plasma_core::SparseProof::from_bytes(&included.proof).unwrap();
        let root = carol.roots()[&included.blknum];
        assert!(proof.verify_inclusion(root, coin, included.tx.hash(&domain())));
    }
    let call = game().exit_call(&ExitClaim::Tx(exit.clone()));
    assert_eq!(call.value, game().exit_bond);
    let decoded = CashExitGame::startExitCall::abi_decode(&call.data).unwrap();
    assert_eq!((decoded.parent, decoded.exiting), (exit.parent.clone(), exit.exiting.clone()));

    // B's untouched coin exits from its deposit; B cannot exit the coin it paid away.
    assert!(matches!(bob.exit_claim(bobs_own).unwrap(), ExitClaim::Deposit(d) if d.coin_id == bobs_own));
    assert!(matches!(bob.exit_claim(coin), Err(CashError::NotOwner { .. })));
    assert_eq!(bob.exit_claims().len(), 1);
    assert!(matches!(carol.exit_claim(bobs_own), Err(CashError::UnknownCoin(_))));

    // Stored bytes: the docs/cash.md formula, per coin and in total.
    let formula: usize = 60
        + history
            .entries()
            .iter()
            .map(|(_, e)| 8 + proof_len(e.proof()) + if e.tx().is_some() { 161 } else { 0 })
            .sum::<usize>();
    assert_eq!(carol.stored_bytes_of(coin), Some(formula));
    assert_eq!(carol.stored_bytes(), formula);
    assert_eq!(bob.stored_bytes(), bob.stored_bytes_of(coin).unwrap() + bob.stored_bytes_of(bobs_own).unwrap());
    assert!(history.entries().iter().all(|(_, e)| e.proof().siblings.len() <= DEPTH));
}

#[test]
fn a_coin_that_moved_exits_from_the_deposit_parent() {
    let (a, b) = (key("a"), key("b"));
    let (net, coin, to_b) = Net::paid(&[&a, &b], 1);
    let ExitClaim::Tx(exit) = net.wallets[1].exit_claim(coin).unwrap() else { panic!() };
    assert_eq!(exit.parent, Included::none());
    assert_eq!(exit.exiting.blknum, to_b);
    assert!(exit.exiting.tx.spends_deposit());
    assert_eq!(SignedCashTx::new(exit.exiting.tx, exit.exiting_sig).signer(&domain()).unwrap(), a.address());
    // A's deposit claim is gone with the coin.
    assert!(net.wallets[0].exit_claims().is_empty());
}

#[test]
fn recipients_refuse_what_does_not_verify() {
    let (a, b, c) = (key("a"), key("b"), key("c"));
    let mut net = Net::new(&[&a, &b, &c]);
    let coin = net.deposit(0, 1);
    net.seal();
    net.sync();
    // A history that does not end with the recipient.
    let history = net.wallets[0].handover(coin).unwrap();
    assert!(matches!(net.wallets[1].receive(history.clone()), Err(CashError::NotOwner { .. })));
    // A history that misses the newest block the recipient knows.
    let tx = net.wallets[0].pay(coin, b.address()).unwrap();
    net.op.submit_tx(tx).unwrap();
    let paid_at = net.seal();
    net.wallets[0].sync(&net.op).unwrap();
    let handed = net.wallets[0].handover(coin).unwrap();
    net.seal();
    let err = net.wallets[1].receive(handed.clone()).unwrap_err();
    assert!(
        matches!(err, CashError::InvalidHistory { blknum, reason: Invalidity::MissingBlock, .. } if blknum == paid_at + 1000),
        "{err:?}"
    );
    assert!(net.wallets[1].owned_coins().is_empty());
    // Extended by the sender to the newest block, it is accepted.
    net.wallets[0].sync(&net.op).unwrap();
    assert!(net.wallets[0].sync(&net.op).unwrap().extended == 0);
    // (A no longer owns the coin, so its sync does not extend it: the recipient extends it.)
    let mut handed = handed;
    let next = paid_at + 1000;
    handed.extend(&domain(), net.wallets[1].roots(), next, net.op.coin_entry(next, coin).unwrap()).unwrap();
    assert_eq!(net.wallets[1].receive(handed).unwrap(), coin);
    // A payer cannot pay twice, and nobody pays a coin it does not own.
    assert!(matches!(net.wallets[0].pay(coin, c.address()), Err(CashError::NotOwner { .. })));
    assert!(matches!(net.wallets[2].pay(coin, a.address()), Err(CashError::UnknownCoin(_))));
    let tx = net.wallets[1].pay(coin, c.address()).unwrap();
    assert!(matches!(net.wallets[1].pay(coin, a.address()), Err(CashError::CoinReserved(_))));
    assert_eq!(net.wallets[1].cancel(coin), Some(tx));
    assert!(matches!(
        net.wallets[1].pay(coin, plasma_core::alloy_primitives::Address::ZERO),
        Err(CashError::InvalidPayment(_))
    ));
}

#[test]
fn a_coin_whose_exit_was_paid_is_refused_by_every_wallet() {
    // A's exit of her coin was paid; her history of it still verifies, and a colluding operator may
    // include her transfer of it. The coin is gone: nobody takes it, and A signs nothing more.
    let (a, b) = (key("a"), key("b"));
    let mut net = Net::new(&[&a, &b]);
    let coin = net.deposit(0, 1);
    net.seal();
    net.sync();
    let history = net.wallets[0].handover(coin).unwrap();
    let tx = net.wallets[0].sign(plasma_cash::CashTx::new(coin, history.tip().last_moved, b.address())).unwrap();
    for wallet in &mut net.wallets {
        wallet.on_exit_paid(coin);
        assert!(wallet.is_paid_out(coin));
    }
    assert!(matches!(net.wallets[1].expect_payment(tx, history.clone()), Err(CashError::PaidOut(_))));
    assert!(matches!(net.wallets[1].adopt_verified(history.clone()), Err(CashError::PaidOut(_))));
    assert!(matches!(net.wallets[0].pay(coin, b.address()), Err(CashError::PaidOut(_))));
    // Even a history that ends with the recipient is refused.
    assert!(matches!(net.wallets[0].receive(history), Err(CashError::PaidOut(_))));
}

#[test]
fn exclusion_and_inclusion_through_the_child_chain_trait() {
    let (a, b) = (key("a"), key("b"));
    let mut net = Net::new(&[&a, &b]);
    let coin = net.deposit(0, 1);
    let other = net.deposit(1, 1);
    let moved_at = net.transfer(0, coin, 1);
    let root = net.op.block(moved_at).unwrap().block.root();
    let inclusion = net.op.prove_inclusion(moved_at, coin).unwrap();
    assert!(inclusion.verify_inclusion(root, coin, net.tx_at(moved_at, coin).tx_hash(&domain())));
    let exclusion = net.op.prove_exclusion(moved_at, other).unwrap().unwrap();
    assert!(exclusion.verify_exclusion(root, other));
    assert!(matches!(net.op.prove_inclusion(moved_at, other), Err(CashError::NotIncluded { .. })));
    assert!(matches!(net.op.prove_exclusion(moved_at, coin), Err(CashError::NotExcluded { .. })));
    assert!(matches!(net.op.prove_inclusion(9000, coin), Err(CashError::UnknownBlock(9000))));
    assert!(net.op.capabilities().exclusion_proofs);
}
