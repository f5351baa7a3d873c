//! Watcher decisions on histories built by the operator (`docs/debit.md`, "Client and watcher"):
//! the Cash challenges on legs (spent coin, double spend, invalid history, responses), the
//! holder's channel challenge, the operator's answer and correction, and a handover learned from a
//! published answer (the rearrangement attack), each turned into the calldata the game takes.

use crate::common::{ETH, Sim, domain, key, milli};
use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use plasma_debit::{
    Action, DebitError, DebitGame, DebitIncluded, DebitTx, ExitArgs, Leg, ObservedChannelChallenge, ObservedExit,
    ObservedHistoryAnswer, ObservedHistoryChallenge, SignedDebitTx,
    abi::DebitExitGame as Game,
    game::no_parent,
    tx::{DebitTxExt, sign},
    watcher,
};

fn game() -> DebitGame {
    DebitGame::new(U256::from(20), U256::from(30))
}

/// An observed exit of `coin_id` (only the fields the decisions read).
fn exit(coin_id: u64, holder: Address, e_blk: u64, p_blk: u64, nonce: u64) -> ObservedExit {
    ObservedExit { coin_id, holder, exit_blk: e_blk, prev_blk: p_blk, nonce, ..ObservedExit::default() }
}

/// A signed single-coin transaction by the user with `seed`.
fn signed(leg: Leg, seed: &str) -> SignedDebitTx {
    let tx = DebitTx::single(leg);
    SignedDebitTx::new(tx, vec![sign(&tx, &domain(), &key(seed))])
}

#[test]
fn spent_double_spent_and_forged_exits_are_challenged_on_legs() {
    let mut sim = Sim::new(4);
    let (alice, bob, carol, eve) = (sim.user(0), sim.user(1), sim.user(2), sim.user(3));
    let coin = sim.deposit(alice, ETH);
    // Alice transfers to Bob carrying her whole balance.
    let transfer = sim.wallets[0].transfer(coin.coin_id, bob).unwrap();
    sim.op.submit(transfer.clone()).unwrap();
    let to_bob = sim.seal();
    let history = sim.history(coin);
    sim.wallets[1].receive(history, ETH).unwrap();

    // Alice exits her spent deposit: Bob's watcher cancels it with her transfer.
    let actions = watcher::holder_actions(&sim.wallets[1], &exit(coin.coin_id, alice, coin.coin_id, 0, 0));
    let [Action::ChallengeSpent(spend)] = actions.as_slice() else { panic!("{actions:?}") };
    assert_eq!((spend.spend.blknum, spend.spend.tx), (to_bob, transfer.tx));
    let call = Action::ChallengeSpent(spend.clone()).call(&game());
    let decoded = Game::challengeSpentCall::abi_decode(&call.data).unwrap();
    assert_eq!((decoded.coinId, decoded.sig.to_vec()), (coin.coin_id, transfer.sigs[0].to_bytes().to_vec()));

    // A second spend of the deposit to Carol, included later by a cheating operator.
    let twin =
        signed(Leg { coin_id: coin.coin_id, prev_block: coin.coin_id, owner: carol, balance: ETH, nonce: 1 }, "user0");
    sim.op.include_unchecked(twin).unwrap();
    let twin_blk = sim.seal();
    let actions = watcher::holder_actions(&sim.wallets[1], &exit(coin.coin_id, carol, twin_blk, coin.coin_id, 1));
    let [Action::ChallengeDoubleSpend(spend)] = actions.as_slice() else { panic!("{actions:?}") };
    assert_eq!(spend.spend.blknum, to_bob);

    // A forged history: Eve "receives" Bob's coin in a block and exits from a later one.
    let forged_parent =
        signed(Leg { coin_id: coin.coin_id, prev_block: to_bob, owner: eve, balance: ETH, nonce: 2 }, "user3");
    sim.op.include_unchecked(forged_parent).unwrap();
    let p_blk = sim.seal();
    let forged = signed(Leg { coin_id: coin.coin_id, prev_block: p_blk, owner: eve, balance: ETH, nonce: 3 }, "user3");
    sim.op.include_unchecked(forged).unwrap();
    let e_blk = sim.seal();
    let actions = watcher::holder_actions(&sim.wallets[1], &exit(coin.coin_id, eve, e_blk, p_blk, 3));
    let [Action::ChallengeHistory { coin_id, earlier }] = actions.as_slice() else { panic!("{actions:?}") };
    assert_eq!((*coin_id, earlier.blknum, earlier.tx), (coin.coin_id, to_bob, transfer.tx));
    let call = actions[0].call(&game());
    assert_eq!(call.value, U256::from(30));
    assert!(Game::challengeHistoryCall::abi_decode(&call.data).is_ok());

    // An honest exit of Bob's is not challenged by Bob's own watcher.
    let honest = exit(coin.coin_id, bob, to_bob, coin.coin_id, 1);
    assert!(watcher::holder_actions(&sim.wallets[1], &honest).is_empty());
    // A challenge of it with the deposit is answered with Alice's transfer.
    let challenge = ObservedHistoryChallenge { coin_id: coin.coin_id, blknum: coin.coin_id, owner: alice, deadline: 9 };
    let answers = watcher::history_responses(&sim.wallets[1], &challenge, coin.coin_id);
    assert!(answers.is_empty(), "no response after pBlk");
    let answers = watcher::history_responses(&sim.wallets[1], &challenge, to_bob);
    let [Action::RespondHistory { challenge_blk, response }] = answers.as_slice() else { panic!("{answers:?}") };
    assert_eq!((*challenge_blk, response.spend.blknum), (coin.coin_id, to_bob));
    let decoded = Game::respondHistoryCall::abi_decode(&answers[0].call(&game()).data).unwrap();
    assert_eq!(decoded.challengeBlk, coin.coin_id);
}

#[test]
fn payment_legs_are_spends_for_both_coins() {
    let mut sim = Sim::new(2);
    let (alice, bob) = (sim.user(0), sim.user(1));
    let coin_a = sim.deposit(alice, ETH);
    let coin_b = sim.deposit(bob, ETH);
    sim.op.on_liquidity(coin_b.coin_id, ETH).unwrap();
    sim.wallets[1].on_liquidity(coin_b.coin_id, ETH);
    let leg = sim.wallets[1].invoice(coin_b.coin_id, milli(250)).unwrap();
    let (tx, sig_a) = sim.wallets[0].pay(coin_a.coin_id, &leg).unwrap();
    let sig_b = sim.wallets[1].accept_payment(&tx, coin_b.coin_id, milli(250)).unwrap();
    sim.op.submit(SignedDebitTx::new(tx, vec![sig_a, sig_b])).unwrap();
    let paid = sim.seal();
    // The operator exits Bob's deposit (a lower balance): Bob cancels it with his leg.
    let operator_exit = exit(coin_b.coin_id, bob, coin_b.coin_id, 0, 0);
    let actions = watcher::holder_actions(&sim.wallets[1], &operator_exit);
    let [Action::ChallengeSpent(spend)] = actions.as_slice() else { panic!("{actions:?}") };
    assert_eq!((spend.coin_id, spend.spend.blknum, spend.sig), (coin_b.coin_id, paid, sig_b));
    // The spend carries both proofs in the transaction's key order.
    let root = sim.op.block(paid).unwrap().root();
    let hash = tx.hash(&domain());
    let peer = plasma_core::SparseProof::from_bytes(&spend.spend.peerProof).unwrap();
    assert!(peer.verify_inclusion(root, coin_b.coin_id, hash));
}

#[test]
fn channel_challenges_and_the_operators_answers() {
    let mut sim = Sim::new(1);
    let (alice, operator) = (sim.user(0), sim.op.address());
    let coin = sim.deposit(alice, ETH);
    // Co-signed: nonce 1 at 0.5 ETH, then nonce 2 at 0.8 ETH (the operator paid Alice 0.3).
    let (older_tx, sig) = sim.wallets[0].propose_state(coin.coin_id, milli(500)).unwrap();
    let older = sim.op.cosign(older_tx, sig).unwrap();
    sim.wallets[0].store_state(older).unwrap();
    let (latest_tx, sig) = sim.wallets[0].propose_state(coin.coin_id, milli(800)).unwrap();
    let latest = sim.op.cosign(latest_tx, sig).unwrap();
    sim.wallets[0].store_state(latest).unwrap();
    assert_eq!(sim.wallets[0].balance(coin.coin_id).unwrap(), (milli(800), 2));
    assert!(sim.wallets[0].store_state(older).is_err(), "an older state is never kept");
    // The operator refuses to include the older state through the checked path, but a cheating
    // operator includes it anyway and exits the coin from it.
    let older_signed = SignedDebitTx::new(older.tx, vec![older.holder_sig]);
    assert!(sim.op.submit(older_signed.clone()).is_err());
    sim.op.include_unchecked(older_signed).unwrap();
    let blk = sim.seal();
    assert_eq!(sim.wallets[0].tip(coin.coin_id).unwrap().nonce, 1);
    let operator_exit = ObservedExit { exiter: operator, ..exit(coin.coin_id, alice, blk, coin.coin_id, 1) };
    let actions = watcher::holder_actions(&sim.wallets[0], &operator_exit);
    assert_eq!(actions, vec![Action::ChallengeChannel(latest)]);
    let call = actions[0].call(&game());
    let decoded = Game::challengeChannelCall::abi_decode(&call.data).unwrap();
    assert_eq!((decoded.coinId, decoded.state, call.value), (coin.coin_id, latest.tx, U256::from(30)));

    // An honest operator answers with its latest state (nonce at least the challenge's) ...
    let challenge = ObservedChannelChallenge { coin_id: coin.coin_id, exit_id: 0, nonce: 2, deadline: 0 };
    assert_eq!(watcher::operator_on_channel_challenge(&sim.op, &challenge), vec![Action::RespondChannel(latest)]);
    // ... and has none for a challenge above everything it co-signed.
    let too_new = ObservedChannelChallenge { nonce: 3, ..challenge };
    assert!(watcher::operator_on_channel_challenge(&sim.op, &too_new).is_empty());
    // An exit on a stale state is corrected by the operator's watcher.
    let stale_exit = exit(coin.coin_id, alice, coin.coin_id, 0, 0);
    assert_eq!(watcher::operator_on_exit(&sim.op, &stale_exit), vec![Action::RespondChannel(latest)]);
    assert!(watcher::operator_on_exit(&sim.op, &exit(coin.coin_id, alice, blk, coin.coin_id, 2)).is_empty());
    let decoded = Game::respondChannelCall::abi_decode(&Action::RespondChannel(latest).call(&game()).data).unwrap();
    assert_eq!(decoded.operatorSig.to_vec(), latest.operator_sig.to_bytes().to_vec());
}

#[test]
fn a_handover_revealed_by_an_answer_is_learned_challenged_with_and_exited() {
    let mut sim = Sim::new(4);
    let (alice, bob, eve) = (sim.user(0), sim.user(1), sim.user(2));
    let coin = sim.deposit(alice, ETH);
    let transfer = sim.wallets[0].transfer(coin.coin_id, bob).unwrap();
    let alices_history = sim.history(coin);
    sim.wallets[1].expect_payment(&transfer.tx, alices_history.clone()).unwrap();
    assert!(sim.wallets[3].expect_payment(&transfer.tx, alices_history).is_err(), "not Carol's");
    // The operator hides the transfer, forges a spend of Bob's coin to Eve and Eve's move to
    // herself, each in a withheld block: wallets only learn the roots.
    let withheld = |sim: &mut Sim, signed: SignedDebitTx| {
        sim.op.include_unchecked(signed).unwrap();
        let blknum = sim.next_child;
        let root = sim.op.seal(blknum).unwrap().root();
        sim.next_child += 1000;
        sim.wallets.iter_mut().for_each(|w| w.learn_root(blknum, root));
        blknum
    };
    let hidden = withheld(&mut sim, transfer.clone());
    let to_eve = signed(Leg { coin_id: coin.coin_id, prev_block: hidden, owner: eve, balance: ETH, nonce: 2 }, "user2");
    let p_blk = withheld(&mut sim, to_eve);
    let again = signed(Leg { coin_id: coin.coin_id, prev_block: p_blk, owner: eve, balance: ETH, nonce: 3 }, "user2");
    let e_blk = withheld(&mut sim, again);
    let eves_exit = exit(coin.coin_id, eve, e_blk, p_blk, 3);
    assert!(watcher::holder_actions(&sim.wallets[1], &eves_exit).is_empty(), "Bob knows nothing yet");
    // Alice challenges with her deposit; the operator answers with her transfer to Bob.
    let alices = watcher::holder_actions(&sim.wallets[0], &eves_exit);
    let [Action::ChallengeHistory { earlier, .. }] = alices.as_slice() else { panic!("{alices:?}") };
    assert_eq!(earlier.blknum, coin.coin_id);
    let response = sim.op.block(hidden).unwrap().included(coin.coin_id, hidden).unwrap();
    let answer = ObservedHistoryAnswer {
        coin_id: coin.coin_id,
        exit_id: 1,
        challenge_blk: coin.coin_id,
        response: response.clone(),
        sig: transfer.sigs[0].to_bytes().to_vec().into(),
    };
    // A wrong block (its proof does not check), a signature not by the payer, or a wallet that is
    // not the recipient learns nothing.
    let wrong = ObservedHistoryAnswer { response: DebitIncluded { blknum: p_blk, ..response }, ..answer.clone() };
    assert_eq!(watcher::on_history_answered(&mut sim.wallets[1], &wrong), None);
    let forged_sig = sign(&transfer.tx, &domain(), &key("user2")).to_bytes().to_vec().into();
    let forged = ObservedHistoryAnswer { sig: forged_sig, ..answer.clone() };
    assert!(matches!(sim.wallets[1].learn_payment(&forged.response, &forged.sig), Err(DebitError::Invalid(_))));
    assert_eq!(watcher::on_history_answered(&mut sim.wallets[1], &forged), None);
    assert_eq!(watcher::on_history_answered(&mut sim.wallets[3], &answer), None);
    assert_eq!(watcher::on_history_answered(&mut sim.wallets[1], &answer), Some(coin.coin_id));
    // Bob challenges Eve's exit with the revealed transfer, which only his signature could answer.
    let actions = watcher::holder_actions(&sim.wallets[1], &eves_exit);
    let [Action::ChallengeHistory { coin_id, earlier }] = actions.as_slice() else { panic!("{actions:?}") };
    assert_eq!((*coin_id, earlier.blknum, earlier.tx), (coin.coin_id, hidden, transfer.tx));
    // Bob exits from it: the deposit is its parent.
    let ExitArgs::Move(args) = sim.wallets[1].exit_args(coin.coin_id).unwrap() else { panic!("a move exit") };
    assert_eq!((args.record, args.parent.clone(), args.exiting.blknum), (coin, no_parent(), hidden));
    assert_eq!(args.exiting_sig, transfer.sigs[0]);
    let decoded = Game::startExitCall::abi_decode(&game().start_exit_call(&args).data).unwrap();
    assert_eq!((decoded.coinId, decoded.exiting.tx), (coin.coin_id, transfer.tx));
    // Nobody challenges that exit: Bob's own watcher does not, and Alice's deposit is not before
    // its parent (the game judges `[coinId, pBlk)` only).
    let bobs_exit = exit(coin.coin_id, bob, hidden, coin.coin_id, 1);
    assert!(watcher::holder_actions(&sim.wallets[1], &bobs_exit).is_empty());
    assert!(watcher::holder_actions(&sim.wallets[0], &bobs_exit).is_empty());
}
