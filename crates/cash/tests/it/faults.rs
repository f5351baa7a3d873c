//! A faulty operator against wallets and watchers, with no root chain: forged spends, an owner's
//! double spend, withheld blocks and the rearrangement attack of docs/cash.md ("Safety notes").
//! The exits the attackers would start are built from the operator's private records; the
//! watchers' decisions are what the honest users would send.

use crate::common::{Net, P, domain, game, key};
use plasma_cash::{
    Action, CashError, CashTx, ExitClaim, Finding, Included, Invalidity, ObservedAnswer, ObservedChallenge,
    ObservedExit, Watcher,
    game::{IncludedExt, exit_id},
    tx::CashTxExt,
};
use plasma_core::{
    ChildChain,
    alloy_primitives::{Address, U256},
};

const STARTED: u64 = 1_800_000_000;

/// A history challenge of `exit` at block `blknum` (whose owner is `owner`) by `challenger`, made
/// at `at`.
fn challenge_of(exit: &ObservedExit, blknum: u64, owner: Address, challenger: Address, at: u64) -> ObservedChallenge {
    ObservedChallenge {
        coin_id: exit.coin_id,
        exit_id: exit.exit_id,
        challenger,
        blknum,
        owner,
        deadline: game().response_deadline(at),
    }
}

fn observed(coin: u64, owner: Address, exit_blk: u64, prev_blk: u64, prev_owner: Address) -> ObservedExit {
    ObservedExit {
        coin_id: coin,
        owner,
        exit_id: exit_id(1, coin),
        exit_blk,
        prev_blk,
        prev_owner,
        amount: crate::common::wei(10),
        exitable_at: STARTED + P,
    }
}

#[test]
fn forged_spend_in_a_published_block_is_refused_and_its_exit_challenged() {
    let (a, b, eve, f) = (key("a"), key("b"), key("eve"), key("f"));
    let (mut net, coin, to_b) = Net::paid(&[&a, &b], 10);
    // The operator includes a spend of B's coin signed by Eve, then Eve's own spend to F.
    let (forged_at, spent_at) = net.forged_spend(coin, to_b, &eve, f.address(), false);

    let mut watcher = Watcher::new(b.address(), game());
    let (report, findings) = watcher.sync(&mut net.wallets[1], &net.op).unwrap();
    assert_eq!(
        report.invalid,
        [(coin, forged_at, Invalidity::WrongSigner { expected: b.address(), recovered: eve.address() })]
    );
    assert!(
        matches!(&findings[..], [Finding::InvalidEntry { coin_id, blknum, .. }] if *coin_id == coin && *blknum == forged_at)
    );
    // B still owns the coin as far as its history goes.
    assert!(net.wallets[1].owns(coin));

    // F exits with parent = the forgery: B challenges with A -> B, which only B could answer.
    let exit = observed(coin, f.address(), spent_at, forged_at, eve.address());
    let actions = watcher.on_exit_started(&net.wallets[1], &exit, STARTED);
    let [Action::ChallengeHistory(challenge)] = &actions[..] else { panic!("{actions:?}") };
    assert_eq!(challenge.earlier, net.included(to_b, coin));
    assert_eq!(actions[0].call(&game()).value, game().challenge_bond);
    // A, who paid B, stays out of it.
    let mut alice = Watcher::new(a.address(), game());
    assert!(alice.on_exit_started(&net.wallets[0], &exit, STARTED).is_empty());
}

#[test]
fn owners_double_spend_is_challenged_by_the_first_recipient() {
    let (a, b, eve) = (key("a"), key("b"), key("eve"));
    let (mut net, coin, to_b) = Net::paid(&[&a, &b], 10);
    // A signs a second spend of its deposit, to Eve; the operator includes it.
    let second = net.wallets[0].sign(CashTx::new(coin, coin, eve.address())).unwrap();
    net.op.include_unchecked(second).unwrap();
    let double_at = net.seal();
    let mut watcher = Watcher::new(b.address(), game());
    let (report, _) = watcher.sync(&mut net.wallets[1], &net.op).unwrap();
    assert_eq!(report.invalid, [(coin, double_at, Invalidity::WrongPrevBlock { expected: to_b, got: coin })]);

    // Eve exits the double spend (it spends the deposit: pBlk = coin, pOwner = A).
    let exit = observed(coin, eve.address(), double_at, coin, a.address());
    let actions = watcher.on_exit_started(&net.wallets[1], &exit, STARTED);
    let [Action::ChallengeDoubleSpend(spend)] = &actions[..] else { panic!("{actions:?}") };
    assert_eq!(spend.spend, net.included(to_b, coin));
    assert_eq!(plasma_cash::SignedCashTx::new(spend.spend.tx, spend.sig).signer(&domain()).unwrap(), a.address());
    assert_eq!(actions[0].call(&game()).value, U256::ZERO);

    // And if B later pays C, an exit of B's coin by B is a spent coin.
    let c = key("c");
    let mut net2 = Net::new(&[&a, &b, &c]);
    let coin2 = net2.deposit(0, 10);
    let at_b = net2.transfer(0, coin2, 1);
    let at_c = net2.transfer(1, coin2, 2);
    let mut carol = Watcher::new(c.address(), game());
    let actions =
        carol.on_exit_started(&net2.wallets[2], &observed(coin2, b.address(), at_b, coin2, a.address()), STARTED);
    assert!(matches!(&actions[..], [Action::ChallengeSpent(s)] if s.spend == net2.included(at_c, coin2)));
}

#[test]
fn withheld_block_is_reported_and_stops_transfers_without_an_exit() {
    let (a, b, c) = (key("a"), key("b"), key("c"));
    let mut net = Net::new(&[&a, &b, &c]);
    let coin = net.deposit(0, 10);
    let carols = net.deposit(2, 10);
    net.seal();
    net.sync();
    let tx = net.wallets[0].pay(coin, b.address()).unwrap();
    net.op.submit_tx(tx).unwrap();
    net.op.withhold_next();
    let hidden = net.seal();

    let mut watchers: Vec<Watcher> = [&a, &b, &c].iter().map(|k| Watcher::new(k.address(), game())).collect();
    for (watcher, wallet) in watchers.iter_mut().zip(net.wallets.iter_mut()) {
        let (report, findings) = watcher.sync(wallet, &net.op).unwrap();
        assert_eq!(report.withheld.iter().copied().collect::<Vec<_>>(), [hidden]);
        let coins = wallet.owned_coins();
        assert_eq!(findings, [Finding::BlockWithheld { blknum: hidden, coins }]);
        assert!(watcher.open_exits().is_empty());
        // Reported once.
        assert!(watcher.sync(wallet, &net.op).unwrap().1.is_empty());
    }
    // A's payment is in the hidden block: A cannot hand B a history that covers it.
    assert!(net.wallets[0].reserved(coin).is_some());
    let history = net.wallets[0].handover(coin).unwrap();
    assert!(matches!(
        net.wallets[1].receive(history),
        Err(CashError::InvalidHistory { blknum, reason: Invalidity::MissingBlock, .. }) if blknum == hidden
    ));
    // C's coin did not move, but its history cannot cover the hidden block either: no transfer.
    let to_a = net.wallets[2].pay(carols, a.address()).unwrap();
    net.op.submit_tx(to_a).unwrap();
    net.seal();
    net.sync();
    let history = net.wallets[2].handover(carols).unwrap();
    assert!(net.wallets[0].receive(history).is_err());
    // Nobody needs to exit: the coins' exits are still built from the histories they have.
    assert!(matches!(net.wallets[0].exit_claim(coin), Ok(ExitClaim::Deposit(_))));
    assert!(matches!(net.wallets[2].exit_claim(carols), Ok(ExitClaim::Deposit(_))));
}

#[test]
fn rearrangement_attack_is_defeated_by_the_revealed_payment() {
    let (a, b, eve, f) = (key("a"), key("b"), key("eve"), key("f"));
    let mut net = Net::new(&[&a, &b]);
    let coin = net.deposit(0, 10);
    net.seal();
    net.sync();

    // A pays B and hands B its history (B waits for the payment to show up).
    let to_bob = net.wallets[0].pay(coin, b.address()).unwrap();
    let alices = net.wallets[0].handover(coin).unwrap();
    net.wallets[1].expect_payment(to_bob, alices).unwrap();
    net.op.submit_tx(to_bob).unwrap();
    // The operator holds the payment back and builds withheld blocks in its own order: A -> B,
    // then a forged B -> Eve, then Eve -> F.
    let held = net.op.hold_back(coin).unwrap();
    net.op.withhold_next();
    net.op.include_unchecked(held).unwrap();
    let paid_at = net.seal();
    let (forged_at, exit_at) = net.forged_spend(coin, paid_at, &eve, f.address(), true);
    net.sync();

    // F exits: parent = the forgery at forged_at, exiting = Eve -> F.
    let exit = observed(coin, f.address(), exit_at, forged_at, eve.address());
    let mut alice = Watcher::new(a.address(), game());
    let mut bob = Watcher::new(b.address(), game());
    // A, who never saw its payment included, challenges with its deposit within R.
    let actions = alice.on_exit_started(&net.wallets[0], &exit, STARTED + 10);
    let [Action::ChallengeHistory(first)] = &actions[..] else { panic!("{actions:?}") };
    assert!(first.earlier.is_deposit());
    assert!(bob.on_exit_started(&net.wallets[1], &exit, STARTED + 10).is_empty());
    let challenged = challenge_of(&exit, coin, a.address(), a.address(), STARTED + 10);
    assert!(alice.on_history_challenged(&net.wallets[0], &challenged, STARTED + 10).is_empty());
    assert!(bob.on_history_challenged(&net.wallets[1], &challenged, STARTED + 10).is_empty());

    // The operator answers at the last moment with A -> B, from its private copy of the block.
    let answer = ObservedAnswer {
        coin_id: coin,
        exit_id: exit.exit_id,
        responder: eve.address(),
        challenge_blk: coin,
        response: net.included(paid_at, coin),
        sig: net.tx_at(paid_at, coin).sig.to_bytes().to_vec().into(),
    };
    let answered_at = challenged.deadline - 1;
    assert!(alice.on_history_answered(&mut net.wallets[0], &answer, answered_at).is_empty());
    // B learns its payment and challenges with it before startedAt + 3R: nobody can answer it.
    assert!(answered_at < STARTED + 3 * (P / 4));
    let actions = bob.on_history_answered(&mut net.wallets[1], &answer, answered_at);
    let [Action::ChallengeHistory(second)] = &actions[..] else { panic!("{actions:?}") };
    assert_eq!(second.earlier, net.included(paid_at, coin));
    assert!(second.earlier.blknum < exit.prev_blk);
    // And B can exit the coin later with it.
    let ExitClaim::Tx(claim) = net.wallets[1].exit_claim(coin).unwrap() else { panic!() };
    assert_eq!((claim.parent.clone(), claim.exiting.clone()), (Included::none(), net.included(paid_at, coin)));
    assert_eq!(claim.exiting_sig, to_bob.sig);
    // Eve cannot answer B's challenge: the direct child of A -> B must be signed by B.
    let direct_child = net.tx_at(forged_at, coin);
    assert_eq!(direct_child.tx.prevBlock, paid_at);
    assert_ne!(direct_child.signer(&domain()).unwrap(), b.address());
}

/// docs/security.md, C-2: Mallory deposited the coin and paid it to Alice; the operator forges a
/// spend of Alice's coin to Eve, and Eve exits. Alice challenges at her receipt; Mallory, an
/// accomplice, challenges lower, at the deposit (owner Mallory). Alice's watcher answers that false
/// challenge on the thief's exit with Mallory's own payment to her, so that her challenge stays the
/// lowest pending one (the exit bond and the coin's reservation are hers at processing).
#[test]
fn a_false_lower_challenge_on_a_thiefs_exit_is_answered_by_the_victim() {
    let (m, a, eve) = (key("mallory"), key("alice"), key("eve"));
    let (mut net, coin, to_alice) = Net::paid(&[&m, &a], 10);
    let (forged_at, exit_at) = net.forged_spend(coin, to_alice, &eve, eve.address(), false);
    net.sync();

    let exit = observed(coin, eve.address(), exit_at, forged_at, eve.address());
    let mut alice = Watcher::new(a.address(), game());
    let actions = alice.on_exit_started(&net.wallets[1], &exit, STARTED);
    let [Action::ChallengeHistory(own)] = &actions[..] else { panic!("{actions:?}") };
    assert_eq!(own.earlier, net.included(to_alice, coin));
    let deadline = game().response_deadline(STARTED + 5);
    let challenge =
        |blknum: u64, owner: Address, challenger: Address| challenge_of(&exit, blknum, owner, challenger, STARTED + 5);
    // Her own challenge calls for nothing of hers.
    assert!(
        alice
            .on_history_challenged(&net.wallets[1], &challenge(to_alice, a.address(), a.address()), STARTED + 5)
            .is_empty()
    );
    // The accomplice's challenge at the deposit names Mallory: Alice answers with Mallory -> Alice.
    let lower = challenge(coin, m.address(), m.address());
    let actions = alice.on_history_challenged(&net.wallets[1], &lower, STARTED + 5);
    let [Action::RespondHistory(response)] = &actions[..] else { panic!("{actions:?}") };
    assert_eq!((response.challenge_blk, &response.response), (coin, &net.included(to_alice, coin)));
    assert_eq!(response.sig, net.tx_at(to_alice, coin).sig);
    assert!(response.response.blknum <= exit.prev_blk);
    // Decided once; still there when recomputed for a retry, gone once the deadline passed.
    assert!(alice.recheck(&net.wallets[1], STARTED + 6).is_empty());
    assert_eq!(alice.actions_for(&net.wallets[1], coin, STARTED + 6), actions);
    assert!(alice.actions_for(&net.wallets[1], coin, deadline).is_empty());
    // Mallory's own history holds the same answer; a former owner defends the coin too (here a
    // watcher of Mallory's would, were she honest).
    let mut former = Watcher::new(m.address(), game());
    former.on_exit_started(&net.wallets[0], &exit, STARTED);
    let third = challenge(coin, m.address(), eve.address());
    let actions = former.on_history_challenged(&net.wallets[0], &third, STARTED + 5);
    assert!(matches!(&actions[..], [Action::RespondHistory(r)] if r.response == net.included(to_alice, coin)));
}
