//! End to end without a root chain: deposits, a coin handed out with `a = 0`, an atomic payment of
//! an arbitrary amount, ownership transfers carrying balances, co-signed channel states,
//! liquidity, exit arguments and the calldata they become, stored bytes, and the operator's
//! refusals (`docs/debit.md`).

use crate::common::{ETH, Sim, domain, milli};
use alloy_primitives::U256;
use alloy_sol_types::SolCall;
use plasma_cash::{CashError, CoinTx, Entry, Invalidity};
use plasma_debit::{
    DebitError, DebitGame, DebitHistory, DebitInvalidity, ExitArgs, SignedDebitTx, abi::DebitExitGame as Game, history,
    tx::DebitTxExt,
};

/// Alice deposits; the operator hands Bob a coin with `a = 0`; Alice pays Bob 0.37 ETH.
fn paid() -> (Sim, plasma_cash::DepositRecord, plasma_cash::DepositRecord, u64, u64) {
    let mut sim = Sim::new(3);
    let (alice, bob, operator) = (sim.user(0), sim.user(1), sim.op.address());
    let coin_a = sim.deposit(alice, ETH);
    let coin_b = sim.deposit(operator, ETH);
    sim.op.hand_out(coin_b.coin_id, bob).unwrap();
    let handed = sim.seal();
    let history = sim.history(coin_b);
    sim.wallets[1].receive(history, ETH).unwrap();
    assert_eq!(sim.wallets[1].balance(coin_b.coin_id).unwrap(), (0, 1));

    let payee_leg = sim.wallets[1].invoice(coin_b.coin_id, milli(370)).unwrap();
    let (tx, payer_sig) = sim.wallets[0].pay(coin_a.coin_id, &payee_leg).unwrap();
    let payee_sig = sim.wallets[1].accept_payment(&tx, coin_b.coin_id, milli(370)).unwrap();
    sim.op.submit(SignedDebitTx::new(tx, vec![payer_sig, payee_sig])).unwrap();
    let paid = sim.seal();
    (sim, coin_a, coin_b, handed, paid)
}

#[test]
fn an_arbitrary_payment_moves_balances_and_both_holders_can_exit() {
    let (sim, coin_a, coin_b, handed, paid) = paid();
    assert_eq!(sim.wallets[0].balance(coin_a.coin_id).unwrap(), (milli(630), 1));
    assert_eq!(sim.wallets[1].balance(coin_b.coin_id).unwrap(), (milli(370), 2));
    let operator_view = sim.op.coin(coin_b.coin_id).unwrap();
    assert_eq!((operator_view.balance, operator_view.nonce, operator_view.last_moved), (milli(370), 2, paid));

    let game = DebitGame::new(U256::from(7), U256::from(9));
    // Alice: the payment spends her deposit, so no parent.
    let ExitArgs::Move(exit) = sim.wallets[0].exit_args(coin_a.coin_id).unwrap() else { panic!("a move exit") };
    assert_eq!((exit.exiting.blknum, exit.parent.blknum), (paid, 0));
    let root = sim.op.block(paid).unwrap().root();
    let hash = exit.exiting.tx.hash(&domain());
    let proof = plasma_core::SparseProof::from_bytes(&exit.exiting.proof).unwrap();
    let peer = plasma_core::SparseProof::from_bytes(&exit.exiting.peerProof).unwrap();
    assert!(proof.verify_inclusion(root, coin_a.coin_id, hash) && peer.verify_inclusion(root, coin_b.coin_id, hash));
    let call = game.start_exit_call(&exit);
    assert_eq!(call.value, U256::from(7));
    let decoded = Game::startExitCall::abi_decode(&call.data).unwrap();
    assert_eq!((decoded.coinId, decoded.depositor, decoded.amount), (coin_a.coin_id, sim.user(0), U256::from(ETH)));
    assert_eq!(decoded.exiting, exit.exiting);

    // Bob: his leg is the payment's second; its parent is the hand-out, signed by the operator.
    let ExitArgs::Move(exit) = sim.wallets[1].exit_args(coin_b.coin_id).unwrap() else { panic!("a move exit") };
    assert_eq!((exit.exiting.blknum, exit.parent.blknum, exit.parent.tx.newOwner), (paid, handed, sim.user(1)));
    let signer = plasma_core::recover(hash, &exit.exiting_sig).unwrap();
    assert_eq!(signer, sim.user(1), "the exiting signature is Bob's leg's");
}

#[test]
fn stored_bytes_follow_the_formula() {
    let (mut sim, coin_a, _, _, _) = paid();
    let wallet = &sim.wallets[0];
    let held = wallet.coin(coin_a.coin_id).unwrap();
    let entries: usize = held
        .history
        .entries()
        .iter()
        .map(|(_, e)| match e {
            Entry::Moved { tx, proof } => {
                8 + proof.to_bytes().len() + tx.signed.size() + tx.peer_proof.as_ref().unwrap().to_bytes().len()
            }
            Entry::Stayed { proof } => 8 + proof.to_bytes().len(),
        })
        .sum();
    assert_eq!(wallet.stored_bytes(coin_a.coin_id), 60 + entries);
    assert!(entries > 450, "the payment is 450 bytes on the wire");
    // A co-signed state adds 450 bytes.
    let (tx, sig) = sim.wallets[0].propose_state(coin_a.coin_id, milli(500)).unwrap();
    let state = sim.op.cosign(tx, sig).unwrap();
    sim.wallets[0].store_state(state).unwrap();
    assert_eq!(sim.wallets[0].stored_bytes(coin_a.coin_id), 60 + entries + 450);
}

#[test]
fn the_operator_refuses_what_breaks_a_debit_rule() {
    let (mut sim, coin_a, coin_b, _, paid) = paid();
    let (alice, carol) = (sim.user(0), sim.user(2));
    // Unbalanced payment: Bob's leg credited more than Alice's is debited.
    // (Alice's wallet builds Bob's leg itself from his invoice, so the test signs by hand.)
    let invoice = sim.wallets[1].invoice(coin_b.coin_id, milli(100)).unwrap();
    let mut leg_b = invoice.leg().unwrap();
    leg_b.balance += 1;
    let (good, _) = sim.wallets[0].pay(coin_a.coin_id, &invoice).unwrap();
    let tx = plasma_debit::DebitTx::payment(good.leg(coin_a.coin_id).unwrap(), leg_b);
    let sig_a = plasma_debit::tx::sign(&tx, &domain(), &crate::common::key("user0"));
    let forged_b = plasma_debit::tx::sign(&tx, &domain(), &crate::common::key("user1"));
    let refused = sim.op.submit(SignedDebitTx::new(tx, vec![sig_a, forged_b])).unwrap_err();
    assert!(matches!(refused, DebitError::Invalid(DebitInvalidity::UnbalancedPayment)), "{refused}");
    // Bob's wallet would not co-sign it either.
    assert!(sim.wallets[1].accept_payment(&tx, coin_b.coin_id, milli(100)).is_err());

    // Alice co-signs 0.5 with the operator, then tries to transfer her coin stating 0.63 (stale).
    let (state_tx, sig) = sim.wallets[0].propose_state(coin_a.coin_id, milli(500)).unwrap();
    let state = sim.op.cosign(state_tx, sig).unwrap();
    let mut stale = state_tx;
    (stale.newOwner, stale.balance, stale.nonce) = (carol, milli(630), state_tx.nonce + 1);
    let sig = plasma_debit::tx::sign(&stale, &domain(), &crate::common::key("user0"));
    let refused = sim.op.submit(SignedDebitTx::new(stale, vec![sig])).unwrap_err();
    assert!(matches!(refused, DebitError::CannotPay { .. }), "{refused}");
    // A transfer repeating the co-signed nonce is stale.
    let mut old_nonce = stale;
    (old_nonce.balance, old_nonce.nonce) = (milli(500), state_tx.nonce);
    let sig = plasma_debit::tx::sign(&old_nonce, &domain(), &crate::common::key("user0"));
    let refused = sim.op.submit(SignedDebitTx::new(old_nonce, vec![sig])).unwrap_err();
    assert!(matches!(refused, DebitError::Invalid(DebitInvalidity::StaleNonce { .. })), "{refused}");
    // Signed by someone else, or naming another prevBlock.
    let mut forged = old_nonce;
    forged.nonce = state_tx.nonce + 1;
    let sig = plasma_debit::tx::sign(&forged, &domain(), &crate::common::key("user2"));
    let refused = sim.op.submit(SignedDebitTx::new(forged, vec![sig])).unwrap_err();
    assert!(matches!(refused, DebitError::Cash(CashError::InvalidTx(Invalidity::WrongSigner { .. }))), "{refused}");
    let mut wrong_prev = forged;
    wrong_prev.prevBlock = paid - 1000;
    let sig = plasma_debit::tx::sign(&wrong_prev, &domain(), &crate::common::key("user0"));
    assert!(sim.op.submit(SignedDebitTx::new(wrong_prev, vec![sig])).is_err());

    // The wallet's own transfer states the co-signed balance with the next nonce: accepted, and
    // the included co-signed state itself may be notarized too (not both in one block).
    sim.wallets[0].store_state(state).unwrap();
    let transfer = sim.wallets[0].transfer(coin_a.coin_id, carol).unwrap();
    assert_eq!((transfer.tx.balance, transfer.tx.nonce), (milli(500), state_tx.nonce + 1));
    sim.op.submit(transfer).unwrap();
    let moved = sim.seal();
    assert_eq!(sim.wallets[0].tip(coin_a.coin_id).unwrap().owner, carol);
    assert_eq!(sim.op.coin(coin_a.coin_id).unwrap().last_moved, moved);
    let _ = alice;
}

#[test]
fn a_wallet_signs_nothing_for_a_coin_with_an_open_exit() {
    let (mut sim, coin_a, coin_b, _, _) = paid();
    let carol = sim.user(2);
    let (tx, sig) = sim.wallets[0].propose_state(coin_a.coin_id, milli(100)).unwrap();
    let state = sim.op.cosign(tx, sig).unwrap();
    sim.wallets[0].on_exit_started(coin_a.coin_id);
    // A state it signed before the exit, co-signed and returned now, is kept: it is evidence for
    // the channel challenge, not a new signature.
    sim.wallets[0].store_state(state).unwrap();
    assert!(matches!(sim.wallets[0].propose_state(coin_a.coin_id, milli(50)), Err(DebitError::Exiting(_))));
    assert!(matches!(sim.wallets[0].transfer(coin_a.coin_id, carol), Err(DebitError::Exiting(_))));
    let leg = sim.wallets[1].invoice(coin_b.coin_id, 1).unwrap();
    assert!(matches!(sim.wallets[0].pay(coin_a.coin_id, &leg), Err(DebitError::Exiting(_))));
    // Once the exit ends (cancelled), the wallet signs again.
    sim.wallets[0].on_exit_ended(coin_a.coin_id);
    assert_eq!(sim.wallets[0].balance(coin_a.coin_id).unwrap(), (milli(100), 2));
    assert!(sim.wallets[0].propose_state(coin_a.coin_id, milli(50)).is_ok());
}

#[test]
fn liquidity_makes_room_for_credits() {
    let (mut sim, coin_a, coin_b, _, _) = paid();
    // Bob's coin has 0.63 of room; 1 ETH more does not fit until the operator adds liquidity.
    assert!(matches!(sim.wallets[1].credit_leg(coin_b.coin_id, ETH), Err(DebitError::CannotPay { .. })));
    sim.op.on_liquidity(coin_b.coin_id, ETH).unwrap();
    sim.wallets[1].on_liquidity(coin_b.coin_id, ETH);
    // Alice has only 0.63: she pays 0.6 of it.
    let leg = sim.wallets[1].invoice(coin_b.coin_id, milli(600)).unwrap();
    let (tx, sig_a) = sim.wallets[0].pay(coin_a.coin_id, &leg).unwrap();
    let too_much = sim.wallets[1].invoice(coin_b.coin_id, milli(700)).unwrap();
    assert!(sim.wallets[0].pay(coin_a.coin_id, &too_much).is_err(), "more than her balance");
    let sig_b = sim.wallets[1].accept_payment(&tx, coin_b.coin_id, milli(600)).unwrap();
    sim.op.submit(SignedDebitTx::new(tx, vec![sig_a, sig_b])).unwrap();
    sim.seal();
    assert_eq!(sim.wallets[1].balance(coin_b.coin_id).unwrap(), (milli(970), 3));
    assert_eq!(sim.wallets[0].balance(coin_a.coin_id).unwrap(), (milli(30), 2));
    assert_eq!(sim.op.coin(coin_b.coin_id).unwrap().capacity, 2 * ETH);
}

#[test]
fn a_payment_in_one_slot_only_is_refused_by_the_payers_client() {
    let mut sim = Sim::new(2);
    let (alice, bob) = (sim.user(0), sim.user(1));
    let coin_a = sim.deposit(alice, ETH);
    let coin_b = sim.deposit(bob, milli(500));
    let leg = sim.wallets[1].invoice(coin_b.coin_id, milli(0)).unwrap();
    let (tx, sig_a) = sim.wallets[0].pay(coin_a.coin_id, &leg).unwrap();
    let sig_b = sim.wallets[1].accept_payment(&tx, coin_b.coin_id, 0).unwrap();
    let signed = SignedDebitTx::new(tx, vec![sig_a, sig_b]);
    let blknum = sim.next_child;
    let block = sim.op.seal_one_slot(blknum, signed, coin_a.coin_id).unwrap();
    let refused = sim.submitted(blknum, block.root());
    // Alice's client refuses the entry; Bob's coin simply did not move.
    assert_eq!(refused, vec![(0, coin_a.coin_id)]);
    assert!(matches!(sim.op.entry(coin_b.coin_id, blknum).unwrap(), Entry::Stayed { .. }));
    let mut history = DebitHistory::new(coin_a);
    history.push(blknum, sim.op.entry(coin_a.coin_id, blknum).unwrap()).unwrap();
    let err = history::verify(&history, &domain(), sim.wallets[0].roots(), ETH).unwrap_err();
    assert!(
        matches!(err, DebitError::InvalidHistory { reason: DebitInvalidity::PeerNotIncluded(c), .. } if c == coin_b.coin_id),
        "{err}"
    );
    // Her wallet still exits the deposit, whole.
    assert_eq!(sim.wallets[0].exit_args(coin_a.coin_id).unwrap(), ExitArgs::Deposit(coin_a));
}

#[test]
fn histories_refuse_stale_nonces_and_balances_above_capacity() {
    // The operator includes, unchecked, an update with nonce 0, or one above the capacity.
    for (balance, nonce, expected) in [(milli(100), 0, "nonce"), (2 * ETH, 1, "capacity")] {
        let mut sim = Sim::new(1);
        let alice = sim.user(0);
        let coin = sim.deposit(alice, ETH);
        let leg = plasma_debit::Leg { coin_id: coin.coin_id, prev_block: coin.coin_id, owner: alice, balance, nonce };
        let tx = plasma_debit::DebitTx::single(leg);
        let sig = plasma_debit::tx::sign(&tx, &domain(), &crate::common::key("user0"));
        sim.op.include_unchecked(SignedDebitTx::new(tx, vec![sig])).unwrap();
        let blknum = sim.next_child;
        let block = sim.op.seal(blknum).unwrap();
        assert_eq!(sim.submitted(blknum, block.root()), vec![(0, coin.coin_id)], "{expected}");
        let mut history = DebitHistory::new(coin);
        history.push(blknum, sim.op.entry(coin.coin_id, blknum).unwrap()).unwrap();
        let err = history::verify(&history, &domain(), sim.wallets[0].roots(), ETH).unwrap_err();
        let reason = match err {
            DebitError::InvalidHistory { blknum: at, reason, .. } if at == blknum => reason,
            other => panic!("{other}"),
        };
        match expected {
            "nonce" => assert_eq!(reason, DebitInvalidity::StaleNonce { coin_id: coin.coin_id, last: 0, got: 0 }),
            _ => assert!(matches!(reason, DebitInvalidity::OverCapacity { .. }), "{reason}"),
        }
    }
}

#[test]
fn histories_survive_a_serde_round_trip() {
    let (sim, coin_a, _, _, _) = paid();
    let history = &sim.wallets[0].coin(coin_a.coin_id).unwrap().history;
    let json = serde_json::to_string(history).unwrap();
    let back: DebitHistory = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, history);
    let tip = history::verify(&back, &domain(), sim.wallets[0].roots(), ETH).unwrap();
    assert_eq!((tip.balance, tip.nonce), (milli(630), 1));
    assert_eq!(back.last_move().unwrap().tx.new_owner(), sim.user(0));
}

/// docs/security.md F-5: a payee whose "invoice" names a coin the payer holds (moved to the payee)
/// gets no signature; the payer signs only a leg it builds itself, which keeps the payee's holder
/// and raises its balance by exactly the amount.
#[test]
fn the_payer_signs_no_leg_of_its_own_coin_and_builds_the_payees_leg_itself() {
    // Alice holds coin A (0.63 left after paying Bob 0.37) and a second coin; Bob's coin has room.
    let (mut sim, coin_a, coin_b, _, _) = paid();
    let (alice, bob) = (sim.user(0), sim.user(1));
    let coin2 = sim.deposit(alice, ETH);
    // Bob's invoice names Alice's other coin, as if it were his.
    let mut trick = sim.wallets[1].invoice(coin_b.coin_id, milli(200)).unwrap();
    trick.coin_id = coin2.coin_id;
    let refused = sim.wallets[0].pay(coin_a.coin_id, &trick).unwrap_err();
    assert!(
        matches!(refused, DebitError::Invalid(DebitInvalidity::PeerIsOwnCoin(c)) if c == coin2.coin_id),
        "{refused}"
    );
    // Naming Alice as the payee's holder is refused too.
    let mut trick = sim.wallets[1].invoice(coin_b.coin_id, milli(200)).unwrap();
    trick.holder = alice;
    assert!(matches!(
        sim.wallets[0].pay(coin_a.coin_id, &trick),
        Err(DebitError::Invalid(DebitInvalidity::PeerIsOwnCoin(_)))
    ));
    // An honest invoice: the peer leg keeps Bob and gains exactly 0.2.
    let invoice = sim.wallets[1].invoice(coin_b.coin_id, milli(200)).unwrap();
    let (tx, _) = sim.wallets[0].pay(coin_a.coin_id, &invoice).unwrap();
    let leg = tx.leg(coin_b.coin_id).unwrap();
    assert_eq!((leg.owner, leg.balance), (bob, milli(570)));
    assert_eq!(leg.nonce, invoice.nonce + 1);
    assert_eq!(tx.leg(coin_a.coin_id).unwrap().balance, milli(430));
}

/// docs/security.md F-7: the operator co-signs no channel state of a coin whose payment is still
/// pending (it would name the block before the payment and undo it once included); once the block
/// is sealed it co-signs a state of the new last move.
#[test]
fn the_operator_cosigns_no_state_of_a_coin_with_a_pending_payment() {
    // Alice has 0.63 on coin A after paying Bob 0.37; she pays him 0.2 more.
    let (mut sim, coin_a, coin_b, _, _) = paid();
    let invoice = sim.wallets[1].invoice(coin_b.coin_id, milli(200)).unwrap();
    let (tx, sig_a) = sim.wallets[0].pay(coin_a.coin_id, &invoice).unwrap();
    let sig_b = sim.wallets[1].accept_payment(&tx, coin_b.coin_id, milli(200)).unwrap();
    sim.op.submit(SignedDebitTx::new(tx, vec![sig_a, sig_b])).unwrap();
    // Alice asks for her pre-payment balance with a higher nonce while the payment is pending.
    let (state, sig) = sim.wallets[0].propose_state(coin_a.coin_id, milli(630)).unwrap();
    assert!(matches!(sim.op.cosign(state, sig), Err(DebitError::PendingCoin(c)) if c == coin_a.coin_id));
    let sealed = sim.seal();
    let (state, sig) = sim.wallets[0].propose_state(coin_a.coin_id, milli(300)).unwrap();
    assert_eq!(state.prevBlock, sealed, "a state of the payment's block");
    sim.op.cosign(state, sig).unwrap();
}

/// A proposal the operator refused keeps its nonce: the wallet's next proposal is above it, so the
/// operator, who keeps the refused one, can never include it or answer with it over the agreed
/// state of the same nonce.
#[test]
fn a_refused_proposal_s_nonce_is_never_signed_again() {
    let (mut sim, coin_a, _, _, _) = paid();
    let (refused, _) = sim.wallets[0].propose_state(coin_a.coin_id, milli(500)).unwrap();
    let (agreed, sig) = sim.wallets[0].propose_state(coin_a.coin_id, milli(600)).unwrap();
    assert_eq!(agreed.nonce, refused.nonce + 1);
    let state = sim.op.cosign(agreed, sig).unwrap();
    sim.wallets[0].store_state(state).unwrap();
    let invoice_nonce = sim.wallets[0].invoice(coin_a.coin_id, 0).unwrap().nonce;
    assert_eq!(invoice_nonce, agreed.nonce);
    let (next, _) = sim.wallets[0].propose_state(coin_a.coin_id, milli(550)).unwrap();
    assert_eq!(next.nonce, agreed.nonce + 1);
}

#[test]
fn a_coin_whose_exit_was_paid_is_refused_by_every_wallet() {
    // Alice's exit of her coin was paid; a colluding operator may still include her transfer of it
    // or a payment from it. The coin is gone: nobody takes it, and Alice's wallet signs no more legs.
    let (mut sim, coin_a, coin_b, _, _) = paid();
    let carol = sim.user(2);
    let history = sim.wallets[0].coin(coin_a.coin_id).map(|c| c.history.clone()).unwrap();
    let transfer = sim.wallets[0].transfer(coin_a.coin_id, carol).unwrap();
    let leg = sim.wallets[1].invoice(coin_b.coin_id, milli(10)).unwrap();
    let (payment, _) = sim.wallets[0].pay(coin_a.coin_id, &leg).unwrap();
    for wallet in &mut sim.wallets {
        wallet.on_exit_paid(coin_a.coin_id);
        assert!(wallet.is_paid_out(coin_a.coin_id));
    }
    assert!(matches!(sim.wallets[2].expect_payment(&transfer.tx, history.clone()), Err(DebitError::PaidOut(_))));
    assert!(matches!(sim.wallets[2].receive(history, ETH), Err(DebitError::PaidOut(_))));
    assert!(matches!(sim.wallets[1].accept_payment(&payment, coin_b.coin_id, milli(10)), Err(DebitError::PaidOut(_))));
    assert!(matches!(sim.wallets[0].transfer(coin_a.coin_id, carol), Err(DebitError::PaidOut(_))));
    assert!(matches!(sim.wallets[0].propose_state(coin_a.coin_id, milli(1)), Err(DebitError::PaidOut(_))));
}

#[test]
fn the_operators_evidence_is_what_the_holders_keep() {
    let (mut sim, coin_a, coin_b, ..) = paid();
    // Each holder's own exit arguments and the operator's, built from its blocks, are the same.
    for (holder, record) in [(0, coin_a), (1, coin_b)] {
        let own = sim.wallets[holder].exit_args(record.coin_id).unwrap();
        assert_eq!(sim.op.exit_args_of(record).unwrap(), own);
    }
    // A coin no block holds exits from its deposit.
    let fresh = sim.deposit(sim.user(2), ETH);
    assert_eq!(sim.op.exit_args_of(fresh).unwrap(), ExitArgs::Deposit(fresh));
}
