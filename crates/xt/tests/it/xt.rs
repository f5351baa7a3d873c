//! Plasma XT end to end on the Rust side: the operator's checkpoint from a Plasma Cash operator,
//! honest sign-offs and the bitmap, the owner's challenge of a false bit and the operator's
//! answers, pruning behind a finalised checkpoint, stale exits, calldata, and the stored bytes per
//! coin over 1,000 blocks with a checkpoint every K blocks against plain Cash.
//!
//! `cargo test -p plasma-xt --release --test it xt -- --nocapture` prints the size figures.

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_sol_types::SolCall;
use plasma_cash::{
    CashGame, CashHistory, CashTx, DepositRecord, HistoryStart, Included, ObservedExit, Operator, Roots,
    bench::history_workload,
    game::{IncludedExt, exit_id},
    tx::CashTxExt,
};
use plasma_core::{BlockSubmittedEvent, ChildChain, DepositEvent, Domain, SigningKey};
use plasma_xt::{
    Bitmap, CoinState, ProposedCheckpoint, Response, StateCheckpoint, XtGame, Zone, abi::XtExitGame, checkpoint_state,
    history::from_cash, is_stale, operator_response, owner_challenge, owner_sign_off, prune, sign_off, state_leaf,
};

fn domain() -> Domain {
    Domain::new(31_337, Address::repeat_byte(0xf0))
}

fn key(seed: &str) -> SigningKey {
    SigningKey::from_bytes(keccak256(seed)).unwrap()
}

/// A Cash operator and the roots, driven block by block.
struct Chain {
    operator: Operator,
    roots: Roots,
    next: u64,
}

impl Chain {
    fn new() -> Self {
        Self { operator: Operator::new(domain()), roots: Roots::new(), next: 1000 }
    }

    fn deposit(&mut self, blknum: u64, owner: &SigningKey) -> DepositRecord {
        let event = DepositEvent { depositor: owner.address(), blknum, amount: U256::from(10) };
        self.operator.apply_deposit(&event).unwrap();
        let record = DepositRecord::new(blknum, owner.address(), U256::from(10));
        self.roots.insert(blknum, record.root());
        record
    }

    fn block(&mut self, txs: Vec<plasma_cash::SignedCashTx>) -> u64 {
        for tx in txs {
            self.operator.submit_tx(tx).unwrap();
        }
        let block = self.operator.build_block().unwrap();
        let blknum = self.next;
        self.next += 1000;
        self.operator
            .on_block_submitted(&BlockSubmittedEvent { blknum, root: block.root(), timestamp: blknum })
            .unwrap();
        self.roots.insert(blknum, block.root());
        blknum
    }

    fn history(&self, record: DepositRecord) -> CashHistory {
        let mut history = CashHistory::new(record);
        for blknum in self.operator.child_blocks() {
            history
                .extend(&domain(), &self.roots, blknum, self.operator.coin_entry(blknum, record.coin_id).unwrap())
                .unwrap();
        }
        history
    }

    fn pay(&self, coin: u64, from: &SigningKey, to: &SigningKey) -> plasma_cash::SignedCashTx {
        let last = self.operator.coin(coin).unwrap().last_moved;
        CashTx::new(coin, last, to.address()).sign(&domain(), from)
    }
}

#[test]
fn bitmaps_and_zones_follow_the_encoding() {
    let zone = Zone::new(8, 10).unwrap();
    let mut bitmap = Bitmap::empty(zone);
    bitmap.set(8).unwrap();
    bitmap.set(17).unwrap();
    assert!(bitmap.set(18).is_err());
    assert_eq!(bitmap.to_bytes().to_vec(), vec![0b0000_0001, 0b0000_0010]);
    assert!(bitmap.is_set(17) && !bitmap.is_set(9) && !bitmap.is_set(100));
    assert_eq!(bitmap.set_coins().collect::<Vec<_>>(), vec![8, 17]);
    assert!(Bitmap::from_bytes(zone, &[0, 0b0000_0100]).is_err()); // padding bit
    assert!(Bitmap::from_bytes(zone, &[0]).is_err());
    assert!(Zone::new(u64::MAX, 2).is_err() && Zone::new(0, 0).is_err());
    assert_eq!(state_leaf(Address::ZERO, 0), keccak256([0u8; 64]));
}

#[test]
fn honest_checkpoint_sign_offs_bitmap_challenge_and_pruning() {
    let (alice, bob, carol) = (key("alice"), key("bob"), key("carol"));
    let mut chain = Chain::new();
    let a = chain.deposit(1, &alice);
    let b = chain.deposit(2, &alice);
    let c = chain.deposit(3, &carol);
    chain.block(vec![]);
    let to_bob = chain.pay(b.coin_id, &alice, &bob);
    chain.block(vec![to_bob]);
    let k = chain.block(vec![]);
    // The operator states the zone [0, 1024) after K.
    let mut cp = StateCheckpoint::from_operator(&chain.operator, k, Zone::new(0, 1024).unwrap()).unwrap();
    assert_eq!(cp.state(b.coin_id), Some(CoinState { owner: bob.address(), last_moved: 2000 }));
    // Alice and Bob sign off honestly; Carol does not answer. A sign-off by the wrong key is refused.
    let alice_history = chain.history(a);
    let sig =
        owner_sign_off(&alice, &domain(), &alice_history, &chain.roots, k, cp.root(), &cp.proof(a.coin_id)).unwrap();
    cp.add_sign_off(&domain(), a.coin_id, sig).unwrap();
    let bob_history = chain.history(b);
    let sig = owner_sign_off(&bob, &domain(), &bob_history, &chain.roots, k, cp.root(), &cp.proof(b.coin_id)).unwrap();
    assert!(cp.add_sign_off(&domain(), a.coin_id, sig).is_err());
    cp.add_sign_off(&domain(), b.coin_id, sig).unwrap();
    // Alice refuses to sign off coin B (not hers) and a lying state.
    assert!(owner_sign_off(&alice, &domain(), &bob_history, &chain.roots, k, cp.root(), &cp.proof(b.coin_id)).is_err());
    let mut lying = BTreeMap::new();
    lying.insert(a.coin_id, CoinState { owner: carol.address(), last_moved: 1 });
    let lie = StateCheckpoint::new(k, Zone::new(0, 1024).unwrap(), lying).unwrap();
    assert!(
        owner_sign_off(&alice, &domain(), &alice_history, &chain.roots, k, lie.root(), &lie.proof(a.coin_id)).is_err()
    );
    let bitmap = cp.bitmap();
    assert_eq!(bitmap.set_coins().collect::<Vec<_>>(), vec![a.coin_id, b.coin_id]);

    // Calldata: the proposal carries the bond and the bitmap.
    let game = XtGame {
        cash: CashGame::new(U256::from(2), U256::from(3), 604_800),
        checkpoint_bond: U256::from(7),
        checkpoint_period: 604_800,
        challenge_cap: 256,
    };
    let call = game.propose_checkpoint_call(k, cp.root(), &bitmap);
    assert_eq!(call.value, U256::from(7));
    let decoded = XtExitGame::proposeCheckpointCall::abi_decode(&call.data).unwrap();
    assert_eq!((decoded.blknum, decoded.zoneSize, decoded.stateRoot), (k, 1024, cp.root()));

    // A false bit: the operator sets Carol's bit although she never signed: she challenges with
    // her deposit, and the operator has no answer. Alice, who signed, is answered with her sign-off.
    let mut false_bits = bitmap.clone();
    false_bits.set(c.coin_id).unwrap();
    let proposed = ProposedCheckpoint { id: 1, blknum: k, state_root: cp.root(), bitmap: false_bits };
    let carol_history = from_cash(&chain.history(c)).unwrap();
    let latest = owner_challenge(carol.address(), &c, &carol_history, &proposed, false).unwrap();
    assert!(latest.is_deposit());
    assert!(operator_response(&cp, &chain.operator, &domain(), c.coin_id, c.coin_id, carol.address()).is_none());
    let alice_xt = from_cash(&alice_history).unwrap();
    assert!(owner_challenge(alice.address(), &a, &alice_xt, &proposed, true).is_none());
    let answer = operator_response(&cp, &chain.operator, &domain(), a.coin_id, a.coin_id, alice.address());
    assert!(matches!(answer, Some(Response::SignOff(_))));
    // Alice challenges coin B with her deposit (she owned it before): answered with her spend to Bob.
    let answer = operator_response(&cp, &chain.operator, &domain(), b.coin_id, b.coin_id, alice.address());
    match answer {
        Some(Response::Spend(spend, _)) => assert_eq!((spend.blknum, spend.tx.newOwner), (2000, bob.address())),
        other => panic!("expected a spend, got {other:?}"),
    }
    let call = game.challenge_checkpoint_call(1, &proposed.bitmap, &latest, U256::from(10));
    assert_eq!(call.value, U256::from(3));

    // After finalisation Bob prunes coin B's history to the checkpoint; it still verifies and
    // shrinks; Bob pays Carol after K and Carol verifies the short history.
    for _ in 0..40 {
        chain.block(vec![]);
    }
    let full = chain.history(b);
    let pruned = prune(&full, b, 1, k, cp.root(), cp.proof(b.coin_id)).unwrap();
    assert_eq!(pruned.start().block(), k);
    assert_eq!(pruned.verify(&domain(), &chain.roots).unwrap(), bob.address());
    let expected = pruned.start().stored_bytes()
        + full.entries().iter().filter(|(b, _)| *b > k).map(|(_, e)| e.stored_bytes()).sum::<usize>();
    assert_eq!(pruned.stored_bytes(), expected);
    // A checkpoint at the newest block leaves only the start: less than 43 blocks of history.
    let k2 = chain.next - 1000;
    let cp2 = StateCheckpoint::from_operator(&chain.operator, k2, Zone::new(0, 1024).unwrap()).unwrap();
    let latest = prune(&full, b, 2, k2, cp2.root(), cp2.proof(b.coin_id)).unwrap();
    assert_eq!(latest.verify(&domain(), &chain.roots).unwrap(), bob.address());
    assert!(latest.stored_bytes() < full.stored_bytes(), "{} >= {}", latest.stored_bytes(), full.stored_bytes());
    println!(
        "coin B: {} bytes with the full history, {} pruned at block {k}, {} pruned at block {k2}",
        full.stored_bytes(),
        pruned.stored_bytes(),
        latest.stored_bytes()
    );
    assert!(prune(&full, b, 1, k, cp.root(), cp.proof(a.coin_id)).is_err());
    assert!(prune(&pruned, b, 1, k, cp.root(), cp.proof(b.coin_id)).is_err());
    // Bob still challenges a later false checkpoint with the last move kept in the start.
    let kept = owner_challenge(bob.address(), &b, &pruned, &ProposedCheckpoint { id: 2, ..proposed.clone() }, false);
    let mut b_bit = Bitmap::empty(Zone::new(0, 1024).unwrap());
    b_bit.set(b.coin_id).unwrap();
    let later = ProposedCheckpoint { id: 2, blknum: chain.next - 1000, state_root: B256::ZERO, bitmap: b_bit };
    let kept_later = owner_challenge(bob.address(), &b, &pruned, &later, false).unwrap();
    assert_eq!((kept_later.blknum, kept_later.tx.newOwner), (2000, bob.address()));
    let _ = kept;

    // Exit from the checkpoint origin: calldata for the state itself.
    let state = checkpoint_state(pruned.start().checkpoint.as_ref().unwrap(), &bitmap);
    let exit = plasma_xt::CheckpointExit {
        deposit: b,
        origin: state.clone(),
        parent: Included::none(),
        exiting: Included::none(),
        exiting_sig: None,
    };
    let call = game.start_checkpoint_exit_call(&exit);
    let decoded = XtExitGame::startCheckpointExitCall::abi_decode(&call.data).unwrap();
    assert_eq!((decoded.origin.owner, decoded.origin.lastMoved, decoded.exitingSig.len()), (bob.address(), 2000, 0));
    let call = XtGame::cancel_stale_exit_call(b.coin_id, &state);
    assert_eq!(XtExitGame::cancelStaleExitCall::abi_decode(&call.data).unwrap().coinId, b.coin_id);
    let _ = sign_off;
}

#[test]
fn stale_exits_follow_the_contract_rule() {
    let (o, e) = (Address::repeat_byte(1), Address::repeat_byte(2));
    let exit = |owner, exit_blk, prev_owner, prev_blk| ObservedExit {
        coin_id: 1,
        owner,
        exit_id: exit_id(1, 1),
        exit_blk,
        prev_blk,
        prev_owner,
        amount: U256::from(1),
        exitable_at: 0,
    };
    // Checkpoint at 5000 states (o, 3000).
    assert!(is_stale(&exit(e, 1, Address::ZERO, 0), 1, 5000, o, 3000)); // superseded deposit exit
    assert!(!is_stale(&exit(o, 3000, e, 2000), 1, 5000, o, 3000)); // the state itself
    assert!(!is_stale(&exit(e, 6000, o, 3000), 1, 5000, o, 3000)); // spends the state
    assert!(is_stale(&exit(e, 6000, e, 2000), 1, 5000, o, 3000)); // spends an older state
    assert!(!is_stale(&exit(e, 7000, e, 6000), 1, 5000, o, 3000)); // both after K
    assert!(!is_stale(&exit(e, 1, Address::ZERO, 0), 5000, 5000, o, 3000)); // origin not older
}

/// Stored bytes per coin over 1,000 blocks of 1,000 coins (the coin moving every 10 blocks), with
/// a checkpoint every K blocks, against plain Cash: the mean over the 1,000 blocks and the final
/// figure.
#[test]
fn stored_bytes_per_coin_over_1000_blocks_with_checkpoints() {
    let (blocks, coins, every) = (1_000usize, 1_000usize, 10usize);
    let w = history_workload(blocks, coins, every, &domain()).unwrap();
    let full = &w.history;
    let coin_id = full.coin_id();
    let deposit = *full.start();
    // A checkpoint state tree over the 1,000 coins: the measured coin's state plus 999 others.
    let state_proof_at = |owner: Address, last: u64| {
        let mut leaves: Vec<(u64, B256)> = plasma_cash::bench::coin_ids(coins)
            .into_iter()
            .filter(|c| *c != coin_id)
            .map(|c| (c, keccak256(c.to_be_bytes())))
            .collect();
        leaves.push((coin_id, state_leaf(owner, last)));
        let tree = plasma_core::SparseTree::from_leaves(leaves).unwrap();
        (tree.root(), tree.proof(coin_id))
    };
    let cash_at = |n: usize| -> usize { 60 + full.entries()[..n].iter().map(|(_, e)| e.stored_bytes()).sum::<usize>() };
    for k in [50usize, 100, 250] {
        let (mut sum_xt, mut sum_cash, mut final_xt) = (0usize, 0usize, 0usize);
        let mut max_xt = 0usize;
        for n in 1..=blocks {
            let last_cp = (n / k) * k;
            let xt = if last_cp == 0 {
                cash_at(n)
            } else {
                let blknum = (last_cp as u64) * 1000;
                let tip = plasma_xt::history::tip_at(full, blknum);
                let (root, proof) = state_proof_at(tip.owner, tip.last_moved);
                let pruned = prune(full, deposit, (last_cp / k) as u64, blknum, root, proof).unwrap();
                pruned.start().stored_bytes()
                    + pruned
                        .entries()
                        .iter()
                        .filter(|(b, _)| *b <= (n as u64) * 1000)
                        .map(|(_, e)| e.stored_bytes())
                        .sum::<usize>()
            };
            sum_xt += xt;
            sum_cash += cash_at(n);
            max_xt = max_xt.max(xt);
            final_xt = xt;
        }
        let final_cash = full.stored_bytes();
        println!(
            "K = {k}: XT mean {:.0} B, max {max_xt} B, after 1,000 blocks {final_xt} B; Cash mean {:.0} B, after 1,000 blocks {final_cash} B ({:.1}x smaller at the end)",
            sum_xt as f64 / blocks as f64,
            sum_cash as f64 / blocks as f64,
            final_cash as f64 / final_xt as f64,
        );
        assert!(final_xt < final_cash && max_xt < final_cash && sum_xt < sum_cash);
    }
}
