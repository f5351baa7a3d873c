//! The watchers end to end, without a root chain: each operator fault and what honest users'
//! watchers find and ask for, and the Alice/Bob situations of protocols.md 2.9 (elixir-omg's
//! MoreVP scenarios) at the level of watcher decisions. The tests decide which calls succeed and
//! feed every watcher the event the game emits for them (`common::event_of`).

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::collections::BTreeMap;

use common::{PERIOD, World, domain, key, wei};
use plasma_core::{
    ChildChain,
    alloy_primitives::{Address, U256},
};
use plasma_morevp::{
    Action, DepositExit, ExitCall, ExitRef, Finding, GameEvent, InFlightExit, InputProof, Output, PaymentTx, Piggyback,
    Report, SignedTx, UtxoPos,
    game::{
        in_flight_exit_priority, in_flight_exitable_at, standard_exit_priority, standard_exitable_at, youngest_input,
    },
    tx::PaymentTxExt,
};

fn kinds(report: &Report) -> Vec<&'static str> {
    report.findings.iter().map(Finding::kind).collect()
}

fn calls(report: &Report) -> Vec<&ExitCall> {
    report.actions.iter().map(|a| &a.call).collect()
}

/// Whether `name`'s watcher still has a response to a canonicity challenge pending.
fn responds_to_canonicity_challenge(w: &mut World, name: &str) -> bool {
    w.watcher(name).pending_actions().iter().any(|a| matches!(a.call, ExitCall::RespondToNonCanonicalChallenge(_)))
}

/// The piggybacks in a report: (sender, is_output, index).
fn piggybacks(report: &Report) -> Vec<(Address, bool, u8)> {
    let mut out: Vec<_> = report
        .actions
        .iter()
        .filter_map(|a| match &a.call {
            ExitCall::Piggyback(Piggyback { owner, is_output, index, .. }) if a.sender == Some(*owner) => {
                Some((*owner, *is_output, *index))
            }
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// The in-flight exit of `tx` as anyone holding it and its input proofs can start it.
fn ife_args(tx: &SignedTx, input_txs: Vec<InputProof>) -> ExitCall {
    ExitCall::StartInFlightExit(InFlightExit { tx: tx.tx.clone(), sigs: tx.sigs_bytes(), input_txs })
}

fn deposit_record(owner: &str, amount: u64) -> InputProof {
    InputProof { tx: PaymentTx::deposit_record(key(owner).address(), wei(amount)), proof: Default::default() }
}

/// Sends every action of `report` as its sender (or `by` for anyone's calls).
fn perform_all(w: &mut World, report: &Report, by: &str) -> Vec<BTreeMap<&'static str, Report>> {
    let names: BTreeMap<Address, &'static str> = w.wallets.keys().map(|n| (key(n).address(), *n)).collect();
    let actions: Vec<Action> = report.actions.clone();
    actions.iter().map(|a| w.perform(a.sender.and_then(|s| names.get(&s).copied()).unwrap_or(by), &a.call)).collect()
}

#[test]
fn honest_payment_in_a_withheld_block_is_exited_in_flight() {
    // 2.9: "honest cooperating IFE with Bob piggybacking output"; and the honest receiver does
    // not start the exit himself.
    let mut w = World::new(&["alice", "bob"], &["alice", "bob"]);
    let d = w.deposit("alice", 100);
    let t = w.pay("alice", "bob", 60);
    let reports = w.seal(true);
    for name in ["alice", "bob"] {
        assert_eq!(reports[name].findings, vec![Finding::BlockWithheld { blknum: 1000 }], "{name}");
    }
    // Bob, the recipient, starts nothing; Alice, the sender, starts the in-flight exit (her
    // deposit is spent by it, so no standard exit of it).
    assert!(reports["bob"].actions.is_empty());
    let [start] = &reports["alice"].actions[..] else { panic!("{:?}", reports["alice"]) };
    assert_eq!(start.sender, Some(w.addr("alice")));
    let ExitCall::StartInFlightExit(exit) = &start.call else { panic!("{start:?}") };
    assert_eq!(exit, &w.wallets["alice"].in_flight_exit_args(World::hash(&t)).unwrap());
    assert_eq!(w.game.call(&start.call).value, w.game.in_flight_exit_bond);

    let reports = w.perform("alice", &start.call);
    let started = w.now;
    assert_eq!(piggybacks(&reports["bob"]), vec![(w.addr("bob"), true, 0)]);
    assert_eq!(piggybacks(&reports["alice"]), vec![(w.addr("alice"), false, 0), (w.addr("alice"), true, 1)]);
    assert!(reports.values().flat_map(|r| &r.findings).all(|f| f.kind() == "piggyback_available"));
    for name in ["alice", "bob"] {
        let report = reports[name].clone();
        for a in &report.actions {
            assert_eq!(w.game.call(&a.call).value, w.game.piggyback_bond);
        }
        perform_all(&mut w, &report, name);
    }
    let first_piggyback = w.now;
    assert!(w.watchers.values().all(|wt| wt.pending_actions().is_empty()));
    // Its place in the queue is that of Alice's deposit, its time set by the first piggyback.
    let exitable_at = in_flight_exitable_at(w.block_ts[&d.blknum()], first_piggyback, PERIOD);
    let priority = in_flight_exit_priority(youngest_input(&t.tx).unwrap(), World::hash(&t), exitable_at);
    assert_eq!(priority.position(), d.to_u128());
    assert!(first_piggyback < w.game.phase1_end(started));
}

#[test]
fn mallory_exits_a_spent_output_and_the_piggyback_is_challenged() {
    // 2.9: "Mallory exits a spent output (output-spent challenge takes piggyback bond)".
    let mut w = World::new(&["alice", "mallory", "carol"], &["alice", "carol"]);
    w.deposit("alice", 50);
    let t1 = w.pay("alice", "mallory", 50);
    let ife = w.wallets["mallory"].in_flight_exit_args(World::hash(&t1)).unwrap();
    w.seal(false);
    w.settle(&t1);
    let t2 = w.pay("mallory", "carol", 50);
    w.seal(false);
    w.settle(&t2);
    let reports = w.perform("mallory", &ExitCall::StartInFlightExit(ife));
    assert!(reports.values().all(|r| r.actions.is_empty()), "{reports:?}");
    let piggyback = Piggyback { tx: t1.tx.clone(), index: 0, is_output: true, owner: w.addr("mallory") };
    let reports = w.perform("mallory", &ExitCall::Piggyback(piggyback));
    for name in ["alice", "carol"] {
        assert_eq!(kinds(&reports[name]), vec!["invalid_piggyback"], "{name}");
        let [ExitCall::ChallengeOutputSpent(c)] = &calls(&reports[name])[..] else { panic!("{reports:?}") };
        assert_eq!((c.tx_pos, c.output_index, &c.spending_tx), (UtxoPos::tx(1000, 0).unwrap(), 0, &t2.tx));
        assert_eq!(w.game.call(&ExitCall::ChallengeOutputSpent(c.clone())).value, U256::ZERO);
    }
    let challenge = reports["carol"].actions[0].call.clone();
    w.perform("carol", &challenge);
    assert!(w.watchers.values().all(|wt| wt.pending_actions().is_empty()));
}

#[test]
fn mallory_double_spends_into_a_withheld_block_and_bobs_exit_loses() {
    // 2.9: "Mallory double spends her input into a withheld block (canonicity challenge wins,
    // Bob's exit bond lost)". Bob's watcher never starts the exit; if Bob does, nothing answers the
    // challenge.
    let mut w = World::new(&["mallory", "bob", "carol"], &["bob", "carol"]);
    let dm = w.deposit("mallory", 50);
    let bob = w.addr("bob");
    let t1 = w.wallet("mallory").pay(bob, wei(50), U256::ZERO).unwrap();
    w.hand_over("mallory", "bob", &t1);
    let t2 = w.wallets["mallory"]
        .sign(PaymentTx::payment(&[dm], &[Output::new(w.addr("mallory"), wei(50))]).unwrap())
        .unwrap();
    w.op.submit_tx(t2.clone()).unwrap();
    let reports = w.seal(true);
    assert_eq!(kinds(&reports["bob"]), vec!["block_withholding"]);
    assert!(reports["bob"].actions.is_empty(), "an honest receiver does not start the exit");
    // Bob starts it anyway: it may be canonical as far as he knows, so he piggybacks his output.
    let ife = w.wallets["bob"].in_flight_exit_args(World::hash(&t1)).unwrap();
    let reports = w.perform("bob", &ExitCall::StartInFlightExit(ife));
    assert_eq!(piggybacks(&reports["bob"]), vec![(bob, true, 0)]);
    // Mallory challenges with T2 and the operator's proof of the withheld block: nobody can answer.
    let t2_pos: UtxoPos = w.op.inclusion(World::hash(&t2)).unwrap().tx_pos().unwrap();
    let challenged = GameEvent::InFlightExitChallenged {
        tx_hash: World::hash(&t1),
        challenger: w.addr("mallory"),
        competitor_position: t2_pos.encode(),
    };
    let reports = w.event(&challenged);
    assert!(reports.values().all(|r| r.actions.is_empty() && r.findings.is_empty()), "{reports:?}");
    assert!(!responds_to_canonicity_challenge(&mut w, "bob"));
}

#[test]
fn mallory_spends_her_input_again_later_and_the_response_wins() {
    // 2.9: "Mallory spends input again later (response proves TX1 older, responder gets bond)".
    let mut w = World::new(&["mallory", "bob", "carol"], &["bob", "carol"]);
    let dm = w.deposit("mallory", 50);
    let t1 = w.pay("mallory", "bob", 50);
    w.seal(false);
    w.settle(&t1);
    let t2_hash = w.op.include_double_spend(dm, Output::new(w.addr("carol"), wei(50)), &key("mallory")).unwrap();
    let reports = w.seal(false);
    let t1_pos = UtxoPos::tx(1000, 0).unwrap();
    let t2_pos = UtxoPos::tx(2000, 0).unwrap();
    for name in ["bob", "carol"] {
        assert_eq!(
            reports[name].findings,
            vec![Finding::DoubleSpend { blknum: 2000, txindex: 0, input: dm, earlier: Some(t1_pos) }]
        );
    }
    // The chain went bad: Bob exits his output at once.
    assert!(matches!(&calls(&reports["bob"])[..], [ExitCall::StartStandardExit(e)] if e.utxo_pos == t1_pos));
    assert!(reports["carol"].actions.is_empty());

    // Mallory exits T1 in flight, calls it non-canonical with T2, and piggybacks her input.
    let reports = w.perform("mallory", &ife_args(&t1, vec![deposit_record("mallory", 50)]));
    assert_eq!(piggybacks(&reports["bob"]), vec![(w.addr("bob"), true, 0)]);
    let challenged = GameEvent::InFlightExitChallenged {
        tx_hash: World::hash(&t1),
        challenger: w.addr("mallory"),
        competitor_position: t2_pos.encode(),
    };
    let reports = w.event(&challenged);
    assert_eq!(
        reports["bob"].findings,
        vec![Finding::FalseCanonicityChallenge { tx_hash: World::hash(&t1), tx_pos: t1_pos }]
    );
    let [ExitCall::RespondToNonCanonicalChallenge(r)] = &calls(&reports["bob"])[..] else { panic!("{reports:?}") };
    assert_eq!(r.tx_pos, t1_pos);
    // Carol is no party to T1, but she validated its block: she defends the pool too.
    let [ExitCall::RespondToNonCanonicalChallenge(r)] = &calls(&reports["carol"])[..] else { panic!("{reports:?}") };
    assert_eq!(r.tx_pos, t1_pos);
    let respond = reports["bob"].actions[0].call.clone();
    let piggyback = Piggyback { tx: t1.tx.clone(), index: 0, is_output: false, owner: w.addr("mallory") };
    let reports = w.perform("mallory", &ExitCall::Piggyback(piggyback));
    for name in ["bob", "carol"] {
        let [ExitCall::ChallengeInputSpent(c)] = &calls(&reports[name])[..] else { panic!("{reports:?}") };
        assert_eq!(c.tx.hash(&domain()), World::hash(&t1));
        assert_eq!(c.spending_tx.hash(&domain()), t2_hash);
    }
    w.perform("bob", &respond);
    assert!(!responds_to_canonicity_challenge(&mut w, "bob"));
}

#[test]
fn mallory_exits_both_competing_transactions_of_a_withheld_block() {
    // 2.9: "Mallory exits both competing txs (both non-canonical)" and the #102 setup: the
    // operator puts both into a withheld block and exits both in flight.
    let mut w = World::new(&["mallory", "bob", "alice", "carol"], &["carol"]);
    let dm = w.deposit("mallory", 50);
    let mallory = key("mallory");
    let to = |name: &str| {
        SignedTx::sign(
            PaymentTx::payment(&[dm], &[Output::new(key(name).address(), wei(50))]).unwrap(),
            &domain(),
            &[&mallory],
        )
    };
    let (t1, t2) = (to("bob"), to("alice"));
    w.op.include_competing_pair(t1.clone(), t2.clone()).unwrap();
    let reports = w.seal(false);
    assert_eq!(kinds(&reports["carol"]), vec!["block_withholding"]);
    let reports = w.perform("mallory", &ife_args(&t1, vec![deposit_record("mallory", 50)]));
    assert!(reports["carol"].actions.is_empty(), "no competitor known yet");
    let reports = w.perform("mallory", &ife_args(&t2, vec![deposit_record("mallory", 50)]));
    // Each is challenged with the other, in flight.
    let mut challenged: Vec<_> = calls(&reports["carol"])
        .iter()
        .map(|c| match c {
            ExitCall::ChallengeNotCanonical(c) => (c.tx.clone(), c.competing_tx.clone(), c.competing_tx_pos),
            other => panic!("{other:?}"),
        })
        .collect();
    challenged.sort_by_key(|(tx, _, _)| tx.hash(&domain()));
    let mut expected = vec![(t1.tx.clone(), t2.tx.clone(), None), (t2.tx.clone(), t1.tx.clone(), None)];
    expected.sort_by_key(|(tx, _, _)| tx.hash(&domain()));
    assert_eq!(challenged, expected);
    assert_eq!(kinds(&reports["carol"]), vec!["noncanonical_ife", "noncanonical_ife"]);
    perform_all(&mut w, &reports["carol"].clone(), "carol");
    assert!(w.watcher("carol").pending_actions().is_empty());
    // Phase 2: the operator answers both with the withheld block's proofs. No challenge is
    // possible any more, and Carol, no party, does not respond: the game's input flags (#102) are
    // what keeps the two from both being paid.
    let now = w.now + PERIOD / 2;
    w.tick(now);
    for tx in [&t1, &t2] {
        let tx_pos: UtxoPos = w.op.inclusion(World::hash(tx)).unwrap().tx_pos().unwrap();
        let responded = GameEvent::InFlightExitChallengeResponded {
            tx_hash: World::hash(tx),
            responder: mallory.address(),
            tx_pos: tx_pos.encode(),
        };
        let reports = w.event(&responded);
        assert!(reports["carol"].actions.is_empty());
    }
    assert!(w.watcher("carol").pending_actions().is_empty());
}

#[test]
fn operator_mints_and_honest_exits_come_first() {
    // 2.9: "operator steals via fake deposit vs included tx / in-flight tx / multi-input in-flight
    // tx (honest exits processed first)".
    let mut w = World::new(&["alice", "bob", "mallory"], &["alice", "bob"]);
    let da = w.deposit("alice", 100);
    let db = w.deposit("bob", 100);
    let t1 = w.pay("alice", "bob", 30);
    w.seal(false);
    w.settle(&t1);
    // Alice and Bob sign a joint payment that stays in flight.
    let (alice, bob) = (key("alice"), key("bob"));
    // Alice's deposit went into T1: the joint payment spends Bob's deposit and Alice's change.
    assert!(w.wallets["alice"].outputs().get(&da).is_none());
    let change = UtxoPos::new(1000, 0, 1).unwrap();
    let joint = SignedTx::sign(
        PaymentTx::payment(
            &[db, change],
            &[Output::new(bob.address(), wei(120)), Output::new(alice.address(), wei(50))],
        )
        .unwrap(),
        &domain(),
        &[&bob, &alice],
    );
    for name in ["alice", "bob"] {
        w.watcher(name).watch_tx(&joint);
    }
    // Block 2000: a mint for Mallory, and Bob's payment to Alice from his block-1000 output.
    let minted = w.op.mint(Output::new(w.addr("mallory"), wei(1_000)), &key("mallory")).unwrap();
    let bob_out = UtxoPos::new(1000, 0, 0).unwrap();
    let t3 = w
        .wallet("bob")
        .sign(PaymentTx::payment(&[bob_out], &[Output::new(alice.address(), wei(30))]).unwrap())
        .unwrap();
    w.op.submit_tx(t3.clone()).unwrap();
    w.watcher("bob").watch_tx(&t3);
    let reports = w.seal(false);
    let mint_pos: UtxoPos = w.op.inclusion(minted).unwrap().tx_pos().unwrap();
    for name in ["alice", "bob"] {
        assert_eq!(kinds(&reports[name]), vec!["mint"], "{name}");
    }
    // Alice: a standard exit of what T3 paid her, and the in-flight exit of the joint payment.
    let alice_calls = calls(&reports["alice"]);
    let t3_out = UtxoPos::new(2000, 1, 0).unwrap();
    assert!(
        matches!(alice_calls[..], [ExitCall::StartStandardExit(e), ExitCall::StartInFlightExit(j)] if e.utxo_pos == t3_out && j.tx == joint.tx),
        "{alice_calls:?}"
    );
    // Bob: the in-flight exits of T3 (included after the mint) and of the joint payment.
    let bob_calls = calls(&reports["bob"]);
    let mut started: Vec<_> = bob_calls
        .iter()
        .map(|c| match c {
            ExitCall::StartInFlightExit(e) => e.tx.hash(&domain()),
            other => panic!("{other:?}"),
        })
        .collect();
    started.sort();
    let mut expected = vec![World::hash(&t3), World::hash(&joint)];
    expected.sort();
    assert_eq!(started, expected);

    // Priorities, all exits started now: the mint's exit comes after every honest one.
    let now = w.now;
    let mint_out = mint_pos.with_oindex(0).unwrap();
    let mint = standard_exit_priority(mint_out, standard_exitable_at(w.block_ts[&2000], now, PERIOD));
    let included = standard_exit_priority(t3_out, standard_exitable_at(w.block_ts[&2000], now, PERIOD));
    assert!(mint_out < t3_out && mint < included, "an output after the mint in the same block is exited in flight");
    for tx in [&t3, &joint] {
        let youngest = youngest_input(&tx.tx).unwrap();
        let ife = in_flight_exit_priority(
            youngest,
            World::hash(tx),
            in_flight_exitable_at(w.block_ts[&youngest.blknum()], now, PERIOD),
        );
        assert!(ife < mint, "{youngest}");
    }
    // Mallory's exit of the minted output: nobody can challenge it.
    let exit = GameEvent::StandardExitStarted {
        utxo_pos: mint_out,
        owner: w.addr("mallory"),
        amount: wei(1_000),
        output_id: plasma_morevp::output_id(minted, 0),
        exitable_at: now + PERIOD,
    };
    let reports = w.event(&exit);
    for name in ["alice", "bob"] {
        assert_eq!(reports[name].findings, vec![Finding::UnchallengedExit { exit: ExitRef::Standard(mint_out) }]);
    }
}

#[test]
fn a_spent_output_exited_is_challenged_with_an_in_flight_spend() {
    // The MoreVP rule (protocols.md 2.4): an in-flight spend is enough to challenge a standard exit.
    let mut w = World::new(&["alice", "bob"], &["bob"]);
    let d = w.deposit("alice", 40);
    let bob = w.addr("bob");
    let t = w.wallet("alice").pay(bob, wei(40), U256::ZERO).unwrap();
    w.hand_over("alice", "bob", &t);
    let exit = w.wallets["alice"].exit_call(d).unwrap();
    let reports = w.perform("alice", &exit);
    assert_eq!(reports["bob"].findings, vec![Finding::InvalidExit { utxo_pos: d, spending_tx: World::hash(&t) }]);
    let [ExitCall::ChallengeStandardExit(c)] = &calls(&reports["bob"])[..] else { panic!("{reports:?}") };
    assert_eq!((c.utxo_pos, &c.spending_tx, c.input_index), (d, &t.tx, 0));
}

#[test]
fn re_judging_open_in_flight_exits_recovers_no_signature_again() {
    // Anyone can open in-flight exits of any published transaction for the bond and gas. A
    // third party's watcher judges every open exit again on every event; what that costs must not
    // grow with the events: each transaction's signers are recovered at most once.
    const EXITS: u64 = 40;
    let mut w = World::new(&["alice", "bob", "carol"], &["carol"]);
    let mut paid = Vec::new();
    for amount in 1..=EXITS {
        let deposit = w.deposit("alice", amount);
        paid.push((w.pay("alice", "bob", amount), amount, deposit));
    }
    w.seal(false);
    let before = w.watchers["carol"].signature_recoveries();
    for (tx, amount, deposit) in &paid {
        w.perform("mallory", &ife_args(tx, vec![deposit_record("alice", *amount)]));
        // Alice also exits the deposit she spent, and nobody sends the challenge: every look
        // judges the open exit against the spend again.
        let exit = DepositExit { blknum: deposit.blknum(), owner: w.addr("alice"), amount: wei(*amount) };
        let reports = w.perform("alice", &ExitCall::StartDepositExit(exit));
        assert!(calls(&reports["carol"]).iter().any(|c| matches!(c, ExitCall::ChallengeStandardExit(_))));
    }
    let opened = w.watchers["carol"].signature_recoveries() - before;
    assert_eq!(opened, EXITS, "one signature per exiting transaction, recovered when its exit starts");
    let started = std::time::Instant::now();
    for _ in 0..200 {
        let now = w.now + 60;
        w.tick(now);
    }
    w.seal(false);
    assert_eq!(w.watchers["carol"].signature_recoveries() - before, EXITS, "re-judging recovers nothing");
    println!("200 looks at {EXITS} open in-flight exits: {:?}", started.elapsed());
}

#[test]
fn a_spend_committed_after_the_exit_started_is_invalid_and_the_users_exit() {
    // Alice exits her deposit, then the operator includes her signed spend of it to Bob. MoreVP's
    // exit game checks no inputs of an exiting output, so only the watchers stand between that
    // output and the pool: they must find the block invalid and send their users out first.
    let mut w = World::new(&["alice", "bob", "carol"], &["carol"]);
    let d = w.deposit("alice", 100);
    let c = w.deposit("carol", 50);
    let exit = DepositExit { blknum: d.blknum(), owner: w.addr("alice"), amount: wei(100) };
    w.perform("alice", &ExitCall::StartDepositExit(exit));
    w.op.include_double_spend(d, Output::new(w.addr("bob"), wei(100)), &key("alice")).unwrap();
    let reports = w.seal(false);
    let carol = &reports["carol"];
    assert!(kinds(carol).contains(&"invalid_tx"), "{carol:?}");
    let exits: Vec<_> = calls(carol)
        .into_iter()
        .filter_map(|c| match c {
            ExitCall::StartDepositExit(e) => e.utxo_pos().ok(),
            _ => None,
        })
        .collect();
    assert_eq!(exits, vec![c]);
}
