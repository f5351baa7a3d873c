//! The operator's validity rules, batch submission, block numbering, served data and fault
//! injection.

use crate::common::{Framework, domain, key, wei};
use plasma_cash::{CashError, CashTx, Entry, Invalidity, Operator, SignedCashTx, tx::CashTxExt};
use plasma_core::{
    BlockSubmittedEvent, ChildChain, DepositEvent,
    alloy_primitives::{Address, B256},
};

fn invalid(result: Result<B256, CashError>) -> Invalidity {
    match result {
        Err(CashError::InvalidTx(reason)) => reason,
        other => panic!("expected an invalid transaction, got {other:?}"),
    }
}

/// An operator with coins 1 (A) and 2 (B).
fn setup() -> (Framework, Operator) {
    let mut fw = Framework::default();
    let mut op = Operator::new(domain());
    for seed in ["a", "b"] {
        op.apply_deposit(&fw.deposit(key(seed).address(), wei(10))).unwrap();
    }
    (fw, op)
}

fn seal(fw: &mut Framework, op: &mut Operator) -> u64 {
    let block = op.build_block().unwrap();
    let event = fw.submit(block.root());
    op.on_block_submitted(&event).unwrap();
    event.blknum
}

#[test]
fn deposits_mint_coins() {
    let (_, mut op) = setup();
    let coin = op.coin(1).unwrap();
    assert_eq!(
        (coin.owner, coin.last_moved, coin.deposit.amount, coin.exiting),
        (key("a").address(), 1, wei(10), false)
    );
    assert_eq!(op.coins_of(key("b").address()), [2]);
    let depositor = key("a").address();
    let refused = [
        (DepositEvent { depositor, blknum: 1000, amount: wei(1) }, "child block"),
        (DepositEvent { depositor, blknum: 0, amount: wei(1) }, "zero"),
        (DepositEvent { depositor, blknum: 3, amount: wei(0) }, "zero amount"),
        (DepositEvent { depositor, blknum: 1, amount: wei(1) }, "duplicate"),
    ];
    let before = op.clone();
    for (event, what) in refused {
        assert!(op.apply_deposit(&event).is_err(), "{what}");
    }
    assert_eq!(op, before);
}

#[test]
fn submission_rules_and_untouched_state() {
    let ((mut fw, mut op), (a, b, eve), d) = (setup(), (key("a"), key("b"), key("eve")), domain());
    let good = CashTx::new(1, 1, b.address()).sign(&d, &a);
    let before = op.clone();
    let cases = [
        (CashTx::new(1, 1, Address::ZERO).sign(&d, &a), Invalidity::ZeroNewOwner),
        (CashTx::new(9, 9, b.address()).sign(&d, &a), Invalidity::UnknownCoin(9)),
        (CashTx::new(1, 1000, b.address()).sign(&d, &a), Invalidity::WrongPrevBlock { expected: 1, got: 1000 }),
        (
            CashTx::new(1, 1, eve.address()).sign(&d, &eve),
            Invalidity::WrongSigner { expected: a.address(), recovered: eve.address() },
        ),
    ];
    for (tx, reason) in cases {
        assert_eq!(invalid(op.submit_tx(tx)), reason);
        assert_eq!(invalid(op.check_tx(&tx)), reason);
    }
    let high_s = SignedCashTx::new(good.tx, good.sig.high_s_twin());
    assert!(matches!(invalid(op.submit_tx(high_s)), Invalidity::BadSignature(_)));
    assert_eq!(op, before);

    // One transaction per coin per block; the coin is in flight until its block is numbered.
    let hash = op.submit_tx(good).unwrap();
    assert_eq!(hash, good.tx_hash(&d));
    let again = CashTx::new(1, 1, a.address()).sign(&d, &a);
    assert_eq!(invalid(op.submit_tx(again)), Invalidity::PendingCoin(1));
    let block = op.build_block().unwrap();
    assert_eq!(invalid(op.submit_tx(again)), Invalidity::CoinInFlight(1));
    assert_eq!(op.awaiting_roots(), [block.root()]);
    let unknown = BlockSubmittedEvent { blknum: 1000, root: B256::repeat_byte(1), timestamp: 0 };
    assert!(matches!(op.on_block_submitted(&unknown), Err(CashError::UnknownRoot { .. })));
    let not_child = BlockSubmittedEvent { blknum: 1001, root: block.root(), timestamp: 0 };
    assert!(matches!(op.on_block_submitted(&not_child), Err(CashError::NotChildBlock(1001))));
    let event = fw.submit(block.root());
    op.on_block_submitted(&event).unwrap();
    assert!(matches!(op.on_block_submitted(&event), Err(CashError::DuplicateBlock(1000))));
    let coin = op.coin(1).unwrap();
    assert_eq!((coin.owner, coin.last_moved), (b.address(), 1000));
    // Now B spends it, naming block 1000.
    assert_eq!(invalid(op.submit_tx(again)), Invalidity::WrongPrevBlock { expected: 1000, got: 1 });
    op.submit_tx(CashTx::new(1, 1000, a.address()).sign(&d, &b)).unwrap();

    // An exiting coin cannot move; a cancelled exit frees it, a paid one removes it.
    assert!(op.on_exit_started(2));
    assert_eq!(invalid(op.submit_tx(CashTx::new(2, 2, a.address()).sign(&d, &b))), Invalidity::ExitingCoin(2));
    assert!(op.on_exit_ended(2, false));
    op.submit_tx(CashTx::new(2, 2, a.address()).sign(&d, &b)).unwrap();
    assert!(op.on_exit_ended(2, true) && op.coin(2).is_none());
}

#[test]
fn batch_equals_one_by_one() {
    let d = domain();
    let plasma_cash::bench::Workload { operator, txs } = plasma_cash::bench::one_input_workload(600, d).unwrap();
    let keys = plasma_cash::bench::keys().unwrap();
    let stranger = key("stranger");
    // Mixed in: second spends of coins of the batch, a spend by a stranger, an unknown coin and a
    // wrong prevBlock.
    let mut batch = txs.clone();
    batch.insert(100, CashTx::new(txs[3].tx.coinId, txs[3].tx.coinId, stranger.address()).sign(&d, &keys[3]));
    batch.insert(5, CashTx::new(txs[200].tx.coinId, txs[200].tx.coinId, stranger.address()).sign(&d, &stranger));
    batch.insert(300, CashTx::new(7_000_001, 7_000_001, stranger.address()).sign(&d, &stranger));
    batch.insert(400, CashTx::new(txs[450].tx.coinId, 1000, stranger.address()).sign(&d, &keys[450 % 32]));
    // A valid spend of coin 10 ahead of the workload's own, which is then the second one.
    batch.insert(0, CashTx::new(txs[10].tx.coinId, txs[10].tx.coinId, stranger.address()).sign(&d, &keys[10]));
    let (mut batched, mut sequential) = (operator.clone(), operator);
    let batch_results = batched.submit_batch(batch.clone());
    let seq_results: Vec<_> = batch.iter().map(|tx| sequential.submit_tx(*tx)).collect();
    assert_eq!(format!("{batch_results:?}"), format!("{seq_results:?}"));
    assert_eq!(batched, sequential);
    assert_eq!(batched.pending_len(), 600);
    let refused: Vec<_> = batch_results.iter().filter_map(|r| r.as_ref().err()).map(|e| e.to_string()).collect();
    assert_eq!(refused.len(), 5, "{refused:?}");
}

#[test]
fn served_entries_and_withholding() {
    let (mut fw, mut op) = setup();
    let (a, b) = (key("a"), key("b"));
    let d = domain();
    op.submit_tx(CashTx::new(1, 1, b.address()).sign(&d, &a)).unwrap();
    let first = seal(&mut fw, &mut op);
    let root = op.block(first).unwrap().block.root();
    match op.coin_entry(first, 1).unwrap() {
        Entry::Moved { tx, proof } => assert!(proof.verify_inclusion(root, 1, tx.tx_hash(&d))),
        Entry::Stayed { .. } => panic!("coin 1 moved"),
    }
    match op.coin_entry(first, 2).unwrap() {
        Entry::Stayed { proof } => assert!(proof.verify_exclusion(root, 2)),
        Entry::Moved { .. } => panic!("coin 2 stayed"),
    }
    assert_eq!(op.published_block(first).unwrap().len(), 1);

    // The next block is withheld: root submitted, data and proofs refused, private copy kept.
    op.withhold_next();
    op.submit_tx(CashTx::new(2, 2, a.address()).sign(&d, &b)).unwrap();
    let hidden = seal(&mut fw, &mut op);
    assert!(op.is_withheld(hidden));
    assert!(matches!(op.published_block(hidden), Err(CashError::Withheld(b)) if b == hidden));
    assert!(matches!(op.coin_entry(hidden, 1), Err(CashError::Withheld(_))));
    assert!(matches!(op.prove_inclusion(hidden, 2), Err(CashError::Withheld(_))));
    assert!(matches!(op.prove_exclusion(hidden, 1), Err(CashError::Withheld(_))));
    assert!(op.block(hidden).unwrap().block.moves(2));
    assert!(matches!(op.published_block(9000), Err(CashError::UnknownBlock(9000))));
    // Only that one.
    let after = seal(&mut fw, &mut op);
    assert!(!op.is_withheld(after) && op.coin_entry(after, 1).is_ok());
    op.withhold(after);
    assert!(op.coin_entry(after, 1).is_err());
}

#[test]
fn unchecked_inclusion_and_holding_back() {
    let ((mut fw, mut op), (a, b, eve), d) = (setup(), (key("a"), key("b"), key("eve")), domain());
    // A forged spend (signed by Eve) of A's coin: included and applied.
    let forged = CashTx::new(1, 1, eve.address()).sign(&d, &eve);
    op.include_unchecked(forged).unwrap();
    assert!(matches!(op.include_unchecked(forged), Err(CashError::DuplicateCoin(1))));
    // B's honest payment is held back, to be placed later.
    let honest = CashTx::new(2, 2, a.address()).sign(&d, &b);
    op.submit_tx(honest).unwrap();
    assert_eq!(op.hold_back(2), Some(honest));
    assert_eq!(op.hold_back(2), None);
    let first = seal(&mut fw, &mut op);
    assert_eq!(op.block(first).unwrap().block.txs(), [forged]);
    assert_eq!(op.coin(1).unwrap().owner, eve.address());
    op.include_unchecked(honest).unwrap();
    let second = seal(&mut fw, &mut op);
    assert!(op.block(second).unwrap().block.moves(2));
    assert_eq!(op.coin(2).unwrap().owner, a.address());
    // Eve can now move the coin through the honest rules, from the operator's state.
    op.submit_tx(CashTx::new(1, first, b.address()).sign(&d, &eve)).unwrap();
}

#[test]
fn evidence_from_the_operators_blocks() {
    use plasma_cash::ExitClaim;
    let (mut fw, mut op) = setup();
    let (a, b, c) = (key("a"), key("b"), key("c"));
    let d = domain();
    // Coin 2 never moves: its claim is its deposit.
    assert!(
        matches!(op.exit_claim_of(2).unwrap(), ExitClaim::Deposit(exit) if exit.coin_id == 2 && exit.amount == wei(10))
    );
    assert!(matches!(op.exit_claim_of(7), Err(CashError::UnknownCoin(7))));
    // Coin 1: A pays B in one block, B pays C in the next (withheld: the operator keeps its data).
    op.submit_tx(CashTx::new(1, 1, b.address()).sign(&d, &a)).unwrap();
    let first = seal(&mut fw, &mut op);
    op.withhold_next();
    op.submit_tx(CashTx::new(1, first, c.address()).sign(&d, &b)).unwrap();
    let second = seal(&mut fw, &mut op);

    let (included, sig) = op.included_at(1, first).unwrap();
    assert_eq!((included.blknum, included.tx.newOwner), (first, b.address()));
    assert_eq!(SignedCashTx::new(included.tx, sig).signer(&d).unwrap(), a.address());
    assert!(matches!(op.included_at(2, first), Err(CashError::NotIncluded { coin_id: 2, .. })));
    assert!(matches!(op.included_at(1, 9000), Err(CashError::UnknownBlock(9000))));

    // The claim of coin 1 is its last move (withheld or not) with that move's parent.
    let ExitClaim::Tx(exit) = op.exit_claim_of(1).unwrap() else { panic!("coin 1 moved") };
    assert_eq!((exit.exiting.blknum, exit.parent.blknum, exit.depositor), (second, first, a.address()));
    assert_eq!(exit.exiting.tx.newOwner, c.address());

    // A challenge at A→B (new owner B) of an exit whose parent is the second block is answered by
    // B's spend; signed by anyone else, or beyond the exit's parent, there is no answer.
    let answer = op.history_answer(1, first, b.address(), second).unwrap();
    assert_eq!((answer.coin_id, answer.challenge_blk, answer.response.blknum), (1, first, second));
    assert!(op.history_answer(1, first, a.address(), second).is_none());
    assert!(op.history_answer(1, first, b.address(), first).is_none());
}
