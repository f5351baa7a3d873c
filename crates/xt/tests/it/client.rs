//! The XT client layer (`plasma_xt::client`) in hand-built situations: [`CheckpointBook`]'s
//! sign-offs (only for a rightly stated coin, never for a reserved one), checkpoint starts at
//! finalisation, pruned histories and their stored bytes (`docs/xt.md` formula), exits from a
//! checkpoint origin in the three forms; [`XtWatcher`]'s challenges of false bits and cancellations
//! of stale exits; and untrusted input (wrong proofs, foreign coins, bad bitmaps) refused with a
//! typed error and no change of state.

use crate::common::{domain, key};
use plasma_cash::game::IncludedExt as _;
use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use plasma_cash::{
    CashError, DepositRecord, Included, ObservedChallenge, ObservedExit, Operator, SignedCashTx, Wallet, game::exit_id,
    history::proof_len,
};
use plasma_core::{BlockSubmittedEvent, ChildChain, DepositEvent, SigningKey, SparseProof};
use plasma_xt::{
    Bitmap, CheckpointBook, CoinState, ProposedCheckpoint, StateCheckpoint, XtAction, XtError, XtGame, XtWallet,
    XtWatcher, Zone, abi::IXtExitGame, sign_off_digest,
};

const AMOUNT: u64 = 10;
const PERIOD: u64 = 1_000;

fn game() -> XtGame {
    crate::common::game(PERIOD)
}

fn zone() -> Zone {
    Zone::new(1, 8).unwrap()
}

/// A Plasma Cash operator and the root-chain events every wallet replays.
struct Chain {
    operator: Operator,
    deposits: Vec<DepositEvent>,
    blocks: Vec<BlockSubmittedEvent>,
    next: u64,
}

impl Chain {
    fn new() -> Self {
        Self { operator: Operator::new(domain()), deposits: Vec::new(), blocks: Vec::new(), next: 1000 }
    }

    fn deposit(&mut self, coin_id: u64, owner: &SigningKey) -> DepositRecord {
        let event = DepositEvent { depositor: owner.address(), blknum: coin_id, amount: U256::from(AMOUNT) };
        self.operator.apply_deposit(&event).unwrap();
        self.deposits.push(event);
        DepositRecord::new(coin_id, owner.address(), U256::from(AMOUNT))
    }

    /// Builds and submits a block of `txs`; returns its number.
    fn block(&mut self, txs: Vec<SignedCashTx>) -> u64 {
        for tx in txs {
            self.operator.submit_tx(tx).unwrap();
        }
        let block = self.operator.build_block().unwrap();
        let blknum = self.next;
        self.next += 1000;
        let event = BlockSubmittedEvent { blknum, root: block.root(), timestamp: blknum };
        self.operator.on_block_submitted(&event).unwrap();
        self.blocks.push(event);
        blknum
    }

    /// The wallet learns every root and extends its coins.
    fn sync(&self, wallet: &mut Wallet) {
        for event in &self.deposits {
            wallet.on_deposit(event).unwrap();
        }
        for event in &self.blocks {
            wallet.on_block_submitted(event).unwrap();
        }
        wallet.sync(&self.operator).unwrap();
    }

    /// `from` pays `coin_id` to `to` in a new block; both wallets sync and `to` receives the history.
    fn pay(&mut self, coin_id: u64, from: &mut Wallet, to: &mut Wallet) -> u64 {
        let tx = from.pay(coin_id, to.address()).unwrap();
        let blknum = self.block(vec![tx]);
        self.sync(from);
        self.sync(to);
        to.receive(from.handover(coin_id).unwrap()).unwrap();
        blknum
    }
}

impl Chain {
    /// `from` pays `coin_id` to `to` in a new block; both sync and `to` receives the history XT
    /// hands over (checkpoint-started once the coin has a start).
    fn pay_xt(&mut self, coin_id: u64, from: &mut XtWallet, to: &mut XtWallet) -> u64 {
        let tx = from.cash.pay(coin_id, to.cash.address()).unwrap();
        let blknum = self.block(vec![tx]);
        self.sync(&mut from.cash);
        self.sync(&mut to.cash);
        let history = from.handover(coin_id).unwrap();
        if history.start().checkpoint.is_some() {
            to.receive(history).unwrap();
        } else {
            to.cash.receive(from.cash.handover(coin_id).unwrap()).unwrap();
        }
        blknum
    }
}

/// Alice deposits coins 1 and 2 and pays coin 2 to Bob at block 2000; Carol deposits coin 3; K =
/// 3000 is an empty block. Coins: 1 = (alice, 1), 2 = (bob, 2000), 3 = (carol, 3).
struct Fixture {
    chain: Chain,
    alice: SigningKey,
    bob: SigningKey,
    carol: SigningKey,
    wallets: BTreeMap<&'static str, XtWallet>,
    k: u64,
    cp: StateCheckpoint,
}

impl Fixture {
    fn new() -> Self {
        let (alice, bob, carol) = (key("alice"), key("bob"), key("carol"));
        let mut chain = Chain::new();
        chain.deposit(1, &alice);
        chain.deposit(2, &alice);
        chain.deposit(3, &carol);
        chain.block(vec![]);
        let mut a = Wallet::new(alice.clone(), domain());
        let mut b = Wallet::new(bob.clone(), domain());
        let mut c = Wallet::new(carol.clone(), domain());
        chain.sync(&mut a);
        chain.sync(&mut b);
        chain.sync(&mut c);
        assert_eq!(chain.pay(2, &mut a, &mut b), 2000);
        let k = chain.block(vec![]);
        for wallet in [&mut a, &mut b, &mut c] {
            chain.sync(wallet);
        }
        let cp = StateCheckpoint::from_operator(&chain.operator, k, zone()).unwrap();
        let wallets =
            BTreeMap::from([("alice", XtWallet::new(a)), ("bob", XtWallet::new(b)), ("carol", XtWallet::new(c))]);
        Self { chain, alice, bob, carol, wallets, k, cp }
    }

    fn wallet(&mut self, name: &str) -> &mut XtWallet {
        self.wallets.get_mut(name).unwrap()
    }

    fn sync_all(&mut self) {
        for wallet in self.wallets.values_mut() {
            self.chain.sync(&mut wallet.cash);
        }
    }

    /// The operator withholds the next block, then builds an empty K after it; everyone syncs.
    /// Returns K and the operator's checkpoint of it.
    fn withheld_before_k(&mut self) -> (u64, StateCheckpoint) {
        self.chain.operator.withhold(self.chain.next);
        self.chain.block(vec![]);
        let k = self.chain.block(vec![]);
        self.sync_all();
        (k, StateCheckpoint::from_operator(&self.chain.operator, k, zone()).unwrap())
    }

    /// Alice's sign-off of `coin` in the checkpoint of K, with the operator's proof of its leaf.
    fn alice_signs_off(&mut self, coin: u64) -> Result<plasma_core::Signature, XtError> {
        let proof = self.cp.proof(coin);
        self.alice_signs_off_with(coin, proof)
    }

    /// Alice's sign-off of `coin` in the checkpoint of K, with `proof` for its leaf.
    fn alice_signs_off_with(&mut self, coin: u64, proof: SparseProof) -> Result<plasma_core::Signature, XtError> {
        let (root, k, alice) = (self.cp.root(), self.k, self.alice.clone());
        self.wallet("alice").sign_off(&alice, k, root, coin, proof)
    }

    /// Alice signs coin 1 and Bob coin 2 honestly; the operator collects both.
    fn sign_honestly(&mut self) {
        let (root, k) = (self.cp.root(), self.k);
        let (alice, bob) = (self.alice.clone(), self.bob.clone());
        let proof = self.cp.proof(1);
        let sig = self.wallet("alice").sign_off(&alice, k, root, 1, proof).unwrap();
        self.cp.add_sign_off(&domain(), 1, sig).unwrap();
        let proof = self.cp.proof(2);
        let sig = self.wallet("bob").sign_off(&bob, k, root, 2, proof).unwrap();
        self.cp.add_sign_off(&domain(), 2, sig).unwrap();
    }

    /// A fixture where Alice and Bob signed honestly, and its checkpoint (id 1) proposed with the
    /// collected bits plus `false_bits`.
    fn signed_and_proposed(false_bits: &[u64]) -> (Self, ProposedCheckpoint) {
        let mut f = Self::new();
        f.sign_honestly();
        let cp = f.proposed(false_bits);
        (f, cp)
    }

    /// The proposed checkpoint (id 1) with the collected bits, plus `false_bits`.
    fn proposed(&self, false_bits: &[u64]) -> ProposedCheckpoint {
        let mut bitmap = self.cp.bitmap();
        for coin in false_bits {
            bitmap.set(*coin).unwrap();
        }
        ProposedCheckpoint { id: 1, blknum: self.k, state_root: self.cp.root(), bitmap }
    }

    /// A fixture whose checkpoint 1 is signed honestly and finalised for everyone.
    fn finalized() -> Self {
        let mut f = Self::new();
        f.finalize();
        f
    }

    /// A fresh watcher for user `name`.
    fn watcher(&self, name: &str) -> XtWatcher {
        XtWatcher::new(self.wallets[name].cash.address(), game())
    }

    /// Signs honestly and finalises checkpoint 1 for everyone.
    fn finalize(&mut self) -> ProposedCheckpoint {
        self.sign_honestly();
        let cp = self.proposed(&[]);
        for wallet in self.wallets.values_mut() {
            wallet.on_finalized(&cp);
        }
        cp
    }
}

fn book_state(book: &CheckpointBook) -> String {
    format!("{book:?}")
}

fn exit(coin_id: u64, owner: Address, exit_blk: u64, prev_owner: Address, prev_blk: u64) -> ObservedExit {
    ObservedExit {
        coin_id,
        owner,
        exit_id: exit_id(1, coin_id),
        exit_blk,
        prev_blk,
        prev_owner,
        amount: U256::from(AMOUNT),
        exitable_at: 0,
    }
}

// ----- Sign-offs -----

#[test]
fn sign_off_is_given_for_a_coin_the_checkpoint_states_rightly() {
    let mut f = Fixture::new();
    let (root, k, alice) = (f.cp.root(), f.k, f.alice.clone());
    let sig = f.alice_signs_off(1).unwrap();
    assert_eq!(sig.recover(sign_off_digest(&domain(), k, root, 1)).unwrap(), alice.address());
    assert!(f.wallet("alice").book.signed(k, root, 1));
    assert!(!f.wallet("alice").book.signed(k, root, 2) && !f.wallet("alice").book.signed(k, B256::ZERO, 1));
    // The operator accepts it as the sign-off of the owner the state names.
    f.cp.add_sign_off(&domain(), 1, sig).unwrap();
    assert_eq!(f.cp.bitmap().set_coins().collect::<Vec<_>>(), vec![1]);
}

#[test]
fn sign_off_is_refused_for_a_wrong_owner_or_last_move_in_the_leaf() {
    let mut f = Fixture::new();
    let (k, alice) = (f.k, f.alice.clone());
    let wrong_states =
        [CoinState { owner: f.carol.address(), last_moved: 1 }, CoinState { owner: alice.address(), last_moved: 1000 }];
    for wrong in wrong_states {
        let lie = StateCheckpoint::new(k, zone(), BTreeMap::from([(1, wrong)])).unwrap();
        let before = book_state(&f.wallet("alice").book);
        let refused = f.wallet("alice").sign_off(&alice, k, lie.root(), 1, lie.proof(1)).unwrap_err();
        assert!(
            matches!(refused, XtError::WrongState { coin_id: 1, blknum, why: "the leaf is not the owner's state" } if blknum == k),
            "{refused:?}"
        );
        assert!(!f.wallet("alice").book.signed(k, lie.root(), 1));
        assert_eq!(book_state(&f.wallet("alice").book), before);
    }
}

#[test]
fn sign_off_is_refused_for_a_coin_with_a_pending_payment() {
    let mut f = Fixture::new();
    let (root, k, bob) = (f.cp.root(), f.k, f.bob.address());
    f.wallet("alice").cash.pay(1, bob).unwrap();
    let refused = f.alice_signs_off(1).unwrap_err();
    assert!(
        matches!(refused, XtError::WrongState { coin_id: 1, why: "a payment of the coin is pending", .. }),
        "{refused:?}"
    );
    assert!(!f.wallet("alice").book.signed(k, root, 1));
    // Once the payment is cancelled (never included), the coin is hers again and she signs.
    f.wallet("alice").cash.cancel(1).unwrap();
    f.alice_signs_off(1).unwrap();
    assert!(f.wallet("alice").book.signed(k, root, 1));
}

#[test]
fn sign_off_is_refused_for_a_coin_paid_away() {
    let mut f = Fixture::new();
    let (root, k, alice) = (f.cp.root(), f.k, f.alice.clone());
    // At K = 3000 Alice's history of coin 2 stops at her payment (2000): it does not reach K.
    let refused = f.alice_signs_off(2).unwrap_err();
    assert!(matches!(refused, XtError::Cash(CashError::InvalidHistory { coin_id: 2, .. })), "{refused:?}");
    assert!(!f.wallet("alice").book.signed(k, root, 2));
    // At the payment block itself her history reaches the block but names Bob.
    let state = CoinState { owner: f.bob.address(), last_moved: 2000 };
    let at_payment = StateCheckpoint::new(2000, zone(), BTreeMap::from([(2, state)])).unwrap();
    let refused = f.wallet("alice").sign_off(&alice, 2000, at_payment.root(), 2, at_payment.proof(2)).unwrap_err();
    assert!(
        matches!(refused, XtError::WrongState { coin_id: 2, why: "not the owner at the block", .. }),
        "{refused:?}"
    );
    assert!(!f.wallet("alice").book.signed(2000, at_payment.root(), 2));
}

#[test]
fn sign_off_is_refused_with_a_proof_of_another_coin() {
    let mut f = Fixture::new();
    let before = book_state(&f.wallet("alice").book);
    let refused = f.alice_signs_off_with(1, f.cp.proof(3)).unwrap_err();
    assert!(matches!(refused, XtError::WrongState { coin_id: 1, .. }), "{refused:?}");
    assert_eq!(book_state(&f.wallet("alice").book), before);
}

#[test]
fn sign_off_is_refused_for_a_foreign_coin() {
    let mut f = Fixture::new();
    let before = book_state(&f.wallet("alice").book);
    // Coin 3 is Carol's: Alice holds no history of it.
    let refused = f.alice_signs_off(3).unwrap_err();
    assert!(matches!(refused, XtError::Cash(CashError::UnknownCoin(3))), "{refused:?}");
    assert_eq!(book_state(&f.wallet("alice").book), before);
    assert!(matches!(f.wallet("alice").handover(3), Err(XtError::Cash(CashError::UnknownCoin(3)))));
}

#[test]
fn sign_off_is_refused_when_a_block_up_to_k_is_withheld() {
    let mut f = Fixture::new();
    let (k, cp) = f.withheld_before_k();
    let carol = f.carol.clone();
    let refused = f.wallet("carol").sign_off(&carol, k, cp.root(), 3, cp.proof(3)).unwrap_err();
    assert!(matches!(refused, XtError::Cash(CashError::InvalidHistory { coin_id: 3, .. })), "{refused:?}");
    assert!(!f.wallet("carol").book.signed(k, cp.root(), 3));
}

// ----- False bits -----

#[test]
fn a_false_bit_of_a_coin_that_never_moved_is_challenged_with_the_deposit() {
    let (f, cp) = Fixture::signed_and_proposed(&[3]);
    let carol = f.carol.address();
    let mut watcher = XtWatcher::new(carol, game());
    let w = &f.wallets["carol"];
    let actions = watcher.on_proposed(&w.cash, &w.book, cp.clone(), 100, 100);
    let [XtAction::ChallengeCheckpoint { checkpoint_id, bitmap, latest, amount }] = actions.as_slice() else {
        panic!("expected one challenge, got {actions:?}");
    };
    assert_eq!((*checkpoint_id, bitmap, *amount), (1, &cp.bitmap, U256::from(AMOUNT)));
    assert!(latest.is_deposit());
    assert_eq!((latest.tx.coinId, latest.tx.newOwner), (3, carol));
    // The call carries the challenge bond and the same arguments.
    let call = actions[0].call(&game());
    assert_eq!(call.value, U256::from(3));
    let decoded = IXtExitGame::challengeCheckpointCall::abi_decode(&call.data).unwrap();
    assert_eq!((decoded.checkpointId, decoded.bitmap, decoded.latest.blknum), (U256::from(1), cp.bitmap.to_bytes(), 3));
    assert_eq!(actions[0].coin_id(), 3);
    assert_eq!(watcher.proposed(1), Some(&cp));
}

#[test]
fn a_false_bit_is_challenged_with_the_users_latest_transaction_up_to_k() {
    let f = Fixture::new();
    // Bob does not sign coin 2 (received at 2000); its bit is set anyway.
    let cp = f.proposed(&[2]);
    let bob = f.bob.address();
    let w = &f.wallets["bob"];
    let actions = XtWatcher::new(bob, game()).on_proposed(&w.cash, &w.book, cp, 100, 100);
    let [XtAction::ChallengeCheckpoint { latest, .. }] = actions.as_slice() else {
        panic!("expected one challenge, got {actions:?}");
    };
    assert_eq!((latest.blknum, latest.tx.coinId, latest.tx.prevBlock, latest.tx.newOwner), (2000, 2, 2, bob));
    assert!(!latest.proof.is_empty());
}

#[test]
fn a_true_bit_is_not_challenged() {
    let (f, cp) = Fixture::signed_and_proposed(&[]);
    for (name, who) in [("alice", f.alice.address()), ("bob", f.bob.address()), ("carol", f.carol.address())] {
        let w = &f.wallets[name];
        let actions = XtWatcher::new(who, game()).on_proposed(&w.cash, &w.book, cp.clone(), 100, 100);
        // Alice signed coin 1 and no longer owned coin 2 at K; Bob signed coin 2; Carol's bit is clear.
        assert!(actions.is_empty(), "{name}: {actions:?}");
    }
}

#[test]
fn a_bit_signed_for_another_root_is_challenged() {
    let mut f = Fixture::new();
    f.sign_honestly();
    // Same block, another root (a state that adds Carol's coin under Alice): Alice's sign-off binds
    // the old root, so her set bit in the new one is false for her.
    let mut states = f.cp.states().clone();
    states.insert(3, CoinState { owner: f.alice.address(), last_moved: 3 });
    let other = StateCheckpoint::new(f.k, zone(), states).unwrap();
    let mut bitmap = Bitmap::empty(zone());
    bitmap.set(1).unwrap();
    let cp = ProposedCheckpoint { id: 2, blknum: f.k, state_root: other.root(), bitmap };
    let w = &f.wallets["alice"];
    let actions = XtWatcher::new(f.alice.address(), game()).on_proposed(&w.cash, &w.book, cp, 100, 100);
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert!(
        matches!(&actions[0], XtAction::ChallengeCheckpoint { checkpoint_id: 2, latest, .. } if latest.is_deposit())
    );
}

#[test]
fn false_bits_are_challenged_only_while_the_window_is_open() {
    let f = Fixture::new();
    let cp = f.proposed(&[3]);
    let w = &f.wallets["carol"];
    let last_second = 100 + 3 * (PERIOD / 4) - 1;
    let mut watcher = XtWatcher::new(f.carol.address(), game());
    assert_eq!(watcher.on_proposed(&w.cash, &w.book, cp.clone(), 100, last_second).len(), 1);
    let mut late = XtWatcher::new(f.carol.address(), game());
    assert!(late.on_proposed(&w.cash, &w.book, cp.clone(), 100, last_second + 1).is_empty());
    assert_eq!(late.proposed(1), Some(&cp), "a late proposal is still recorded");
}

#[test]
fn an_older_checkpoint_after_pruning_is_challenged_only_with_evidence_up_to_its_block() {
    let mut f = Fixture::new();
    // Block 4000: Bob pays coin 2 to Carol; checkpoint 1 at K1 = 5000 finalises with Carol's
    // sign-off, and Carol prunes coin 2 to (carol, 4000).
    let (mut bob, mut carol) = (f.wallets.remove("bob").unwrap(), f.wallets.remove("carol").unwrap());
    assert_eq!(f.chain.pay(2, &mut bob.cash, &mut carol.cash), 4000);
    let k1 = f.chain.block(vec![]);
    f.chain.sync(&mut carol.cash);
    let mut cp1 = StateCheckpoint::from_operator(&f.chain.operator, k1, zone()).unwrap();
    let sig = carol.sign_off(&f.carol, k1, cp1.root(), 2, cp1.proof(2)).unwrap();
    cp1.add_sign_off(&domain(), 2, sig).unwrap();
    let finalized = ProposedCheckpoint { id: 1, blknum: k1, state_root: cp1.root(), bitmap: cp1.bitmap() };
    assert_eq!(carol.on_finalized(&finalized), vec![2]);
    // The operator then proposes the old block K = 3000 with coin 2's bit set (Bob owned it then).
    let old = f.proposed(&[2]);
    // Carol keeps nothing before K1 (her wallet dropped it): a checkpoint of an older block is not
    // hers to challenge (an exit built on it would be stale against her state at K1).
    assert!(carol.cash.history(2).unwrap().entries().iter().all(|(at, _)| *at >= 4000));
    let actions = XtWatcher::new(f.carol.address(), game()).on_proposed(&carol.cash, &carol.book, old.clone(), 0, 0);
    assert!(actions.is_empty(), "Carol's history starts after K: {actions:?}");
    // Bob, who did, challenges with his transaction at 2000.
    let actions = XtWatcher::new(f.bob.address(), game()).on_proposed(&bob.cash, &bob.book, old, 0, 0);
    assert!(matches!(actions.as_slice(), [XtAction::ChallengeCheckpoint { latest, .. }] if latest.blknum == 2000));
}

// ----- Finalisation and pruning -----

#[test]
fn pruning_waits_while_an_own_exit_with_an_older_origin_is_open() {
    let (mut f, cp) = Fixture::signed_and_proposed(&[]);
    let k = f.k;
    let first_entry = |f: &mut Fixture| f.wallet("alice").cash().history(1).unwrap().entries().first().unwrap().0;
    let before = first_entry(&mut f);
    assert!(before < k, "alice's coin 1 has entries before K");
    // Alice's own exit of coin 1 from its deposit (origin 1 < K) is open at finalisation.
    assert!(f.wallet("alice").set_open_exits(BTreeMap::from([(1, 1)])).is_empty());
    assert_eq!(f.wallet("alice").on_finalized(&cp), vec![1], "the coin still starts at K");
    assert_eq!(f.wallets["alice"].book.deferred(), vec![1]);
    assert_eq!(first_entry(&mut f), before, "the old history is kept while the exit is open");
    // While that exit stays open (whatever else opens), coin 1 waits.
    assert!(f.wallet("alice").set_open_exits(BTreeMap::from([(1, 1), (7, 1)])).is_empty());
    // The exit closes: the deferred pruning happens.
    assert_eq!(f.wallet("alice").set_open_exits(BTreeMap::new()), vec![1]);
    assert!(f.wallets["alice"].book.deferred().is_empty());
    assert!(f.wallet("alice").cash().history(1).unwrap().entries().iter().all(|(blknum, _)| *blknum >= k));
    // Bob had no exit open: pruned at once.
    assert_eq!(f.wallet("bob").on_finalized(&cp), vec![2]);
    assert!(f.wallets["bob"].book.deferred().is_empty());
}

#[test]
fn finalisation_starts_each_signed_coin_at_k() {
    let (mut f, cp) = Fixture::signed_and_proposed(&[]);
    assert_eq!(f.wallet("alice").on_finalized(&cp), vec![1]);
    assert_eq!(f.wallet("bob").on_finalized(&cp), vec![2]);
    assert!(f.wallet("carol").on_finalized(&cp).is_empty(), "Carol signed nothing");
    let k = f.k;
    let start = f.wallets["alice"].book.start(1).unwrap().clone();
    assert_eq!(
        (start.checkpoint_id, start.blknum, start.state_root, start.owner, start.last_moved),
        (1, k, f.cp.root(), f.alice.address(), 1)
    );
    assert_eq!(start.proof, f.cp.proof(1));
    assert!(start.last_move.is_none(), "coin 1 never moved");
    let start = f.wallets["bob"].book.start(2).unwrap().clone();
    assert_eq!((start.owner, start.last_moved), (f.bob.address(), 2000));
    let (tx, _) = start.last_move.unwrap();
    assert_eq!((tx.tx.coinId, tx.tx.prevBlock, tx.tx.newOwner), (2, 2, f.bob.address()));
    // The state as `startCheckpointExit` and `cancelStaleExit` take it.
    let state = f.wallets["bob"].book.state(2).unwrap();
    assert_eq!((state.checkpointId, state.owner, state.lastMoved), (U256::from(1), f.bob.address(), 2000));
    assert_eq!((state.bitmap, state.proof), (cp.bitmap.to_bytes(), f.cp.proof(2).to_bytes()));
    // The same checkpoint again changes nothing.
    assert!(f.wallet("bob").on_finalized(&cp).is_empty());
}

#[test]
fn finalisation_without_the_bit_or_for_another_root_starts_nothing() {
    let mut f = Fixture::new();
    let (root, k, alice) = (f.cp.root(), f.k, f.alice.clone());
    let proof = f.cp.proof(1);
    f.wallet("alice").sign_off(&alice, k, root, 1, proof).unwrap();
    // Signed, but the operator left the bit clear.
    let clear = ProposedCheckpoint { id: 1, blknum: k, state_root: root, bitmap: Bitmap::empty(zone()) };
    assert!(f.wallet("alice").on_finalized(&clear).is_empty());
    // The bit set, but in a checkpoint of another root or another block.
    let mut bitmap = Bitmap::empty(zone());
    bitmap.set(1).unwrap();
    let other_root = ProposedCheckpoint { id: 2, blknum: k, state_root: B256::repeat_byte(1), bitmap: bitmap.clone() };
    assert!(f.wallet("alice").on_finalized(&other_root).is_empty());
    let other_root = other_root.clone();
    let other_block = ProposedCheckpoint { id: 3, blknum: k - 1000, state_root: root, bitmap };
    assert!(f.wallet("alice").on_finalized(&other_block).is_empty());
    // A zone that does not hold the coin.
    let far =
        ProposedCheckpoint { id: 4, blknum: k, state_root: root, bitmap: Bitmap::empty(Zone::new(9, 8).unwrap()) };
    assert!(f.wallet("alice").on_finalized(&far).is_empty());
    let book = &f.wallets["alice"].book;
    assert!(book.start(1).is_none() && book.state(1).is_none() && book.received(1).is_none());
    assert!(book.signed(k, root, 1), "the sign-off is still recorded");
    assert_eq!(book.finalized(2), Some(&other_root), "finalised checkpoints are recorded for handovers");
}

#[test]
fn a_newer_checkpoint_replaces_the_start_and_an_older_one_does_not() {
    let mut f = Fixture::new();
    f.finalize();
    f.chain.block(vec![]);
    let k2 = f.chain.block(vec![]);
    f.sync_all();
    let mut cp2 = StateCheckpoint::from_operator(&f.chain.operator, k2, zone()).unwrap();
    let alice = f.alice.clone();
    let sig = f.wallet("alice").sign_off(&alice, k2, cp2.root(), 1, cp2.proof(1)).unwrap();
    cp2.add_sign_off(&domain(), 1, sig).unwrap();
    let second = ProposedCheckpoint { id: 2, blknum: k2, state_root: cp2.root(), bitmap: cp2.bitmap() };
    assert_eq!(f.wallet("alice").on_finalized(&second), vec![1]);
    assert_eq!(f.wallets["alice"].book.start(1).map(|s| (s.checkpoint_id, s.blknum)), Some((2, k2)));
    // Checkpoint 1 finalising late (after 2) leaves the newer start.
    let first = f.proposed(&[]);
    assert!(f.wallet("alice").on_finalized(&first).is_empty());
    assert_eq!(f.wallets["alice"].book.start(1).map(|s| s.checkpoint_id), Some(2));
}

#[test]
fn the_pruned_history_verifies_and_its_stored_bytes_follow_the_formula() {
    let mut f = Fixture::new();
    f.finalize();
    // Ten blocks after K, one of them moving coin 2 from Bob to Carol.
    let (mut bob, mut carol) = (f.wallets.remove("bob").unwrap(), f.wallets.remove("carol").unwrap());
    for _ in 0..5 {
        f.chain.block(vec![]);
    }
    let paid_at = f.chain.pay_xt(2, &mut bob, &mut carol);
    for _ in 0..4 {
        f.chain.block(vec![]);
    }
    f.chain.sync(&mut bob.cash);
    f.chain.sync(&mut carol.cash);
    f.sync_all();
    let k = f.k;

    // Alice's coin 1: checkpoint start with no last move, then ten `Stayed` entries.
    let alice = &f.wallets["alice"];
    let pruned = alice.handover(1).unwrap();
    assert_eq!(pruned.verify(&domain(), alice.cash.roots()).unwrap(), f.alice.address());
    assert!(pruned.entries().iter().all(|(b, _)| *b > k));
    let kept = alice.cash.history(1).unwrap();
    let entries_after_k: usize = kept.entries().iter().filter(|(b, _)| *b > k).map(|(_, e)| e.stored_bytes()).sum();
    let state_proof = proof_len(&f.cp.proof(1));
    assert_eq!(state_proof, 8 + 32 * f.cp.proof(1).siblings.len());
    assert_eq!(pruned.stored_bytes(), 60 + 8 + 8 + 20 + 8 + state_proof + entries_after_k);
    // What Alice's wallet keeps: the deposit record, the entry of K (it keeps the history
    // extending) and the entries after it, plus the checkpoint reference.
    assert_eq!(kept.entries().first().map(|(b, _)| *b), Some(k));
    let at_k = kept.entries()[0].1.stored_bytes();
    assert_eq!(alice.stored_bytes(), pruned.stored_bytes() + at_k + alice.cash.history(2).unwrap().stored_bytes());

    // Bob's coin 2: the checkpoint start keeps the move at L = 2000 with its proof.
    let pruned = bob.handover(2).unwrap();
    let through_payment: plasma_cash::Roots = bob.cash.roots().range(..=paid_at).map(|(b, r)| (*b, *r)).collect();
    assert_eq!(pruned.verify(&domain(), &through_payment).unwrap(), f.carol.address());
    let kept = bob.cash.history(2).unwrap();
    // Bob's wallet keeps the move at L = 2000, the entry of K and the entries after K only.
    let blocks: Vec<u64> = kept.entries().iter().map(|(b, _)| *b).filter(|b| *b <= k).collect();
    assert_eq!(blocks, vec![2000, k]);
    let at_l = kept.move_at(2000).unwrap();
    let after: usize = kept.entries().iter().filter(|(b, _)| *b > k).map(|(_, e)| e.stored_bytes()).sum();
    let expected = 60 + 8 + 8 + 20 + 8 + proof_len(&f.cp.proof(2)) + (8 + proof_len(at_l.proof) + 161) + after;
    assert_eq!(pruned.stored_bytes(), expected);
    let at_k = kept.entries()[1].1.stored_bytes();
    assert_eq!(bob.stored_bytes(), expected + at_k);
    assert_eq!(pruned.move_at(paid_at).map(|m| m.tx.tx.newOwner), Some(f.carol.address()));
    // Carol signed nothing but received coin 2 with Bob's checkpoint start: she keeps what he
    // handed over (the last move at L and the entries after K), not the full history.
    let carols = carol.cash.history(2).unwrap();
    assert!(carols.entries().iter().all(|(b, _)| *b == 2000 || *b > k));
    assert_eq!(carol.handover(2).unwrap().start().checkpoint.as_ref().map(|c| c.last_moved), Some(2000));
    assert_eq!(
        carol.stored_bytes(),
        carol.handover(2).unwrap().stored_bytes() + carol.cash.history(3).unwrap().stored_bytes()
    );
}

#[test]
fn alice_keeps_the_paid_coin_history_in_full_and_counts_it() {
    let mut f = Fixture::new();
    f.finalize();
    let alice = &f.wallets["alice"];
    // Coin 1 starts at K: the wallet keeps its entry of K (and nothing before), plus the
    // checkpoint reference; coin 2, paid away before K, is kept in full.
    let kept_1 = alice.cash.history(1).unwrap();
    assert_eq!(kept_1.entries().iter().map(|(b, _)| *b).collect::<Vec<_>>(), vec![f.k]);
    let reference = 8 + 8 + 20 + 8 + proof_len(&f.cp.proof(1));
    let coin_2 = alice.cash.history(2).unwrap();
    assert_eq!(coin_2.entries().len(), 2, "blocks 1000 and 2000, up to her payment");
    assert_eq!(alice.stored_bytes(), kept_1.stored_bytes() + reference + coin_2.stored_bytes());
    assert_eq!(
        alice.handover(1).unwrap().stored_bytes() + kept_1.entries()[0].1.stored_bytes(),
        kept_1.stored_bytes() + reference
    );
}

// ----- Exits from a checkpoint origin -----

#[test]
fn exit_of_the_checkpoint_state_itself() {
    let mut f = Fixture::new();
    let cp = f.finalize();
    let alice = &f.wallets["alice"];
    let exit = alice.book.exit_claim(&alice.cash, 1).unwrap().unwrap();
    assert_eq!(exit.deposit, DepositRecord::new(1, f.alice.address(), U256::from(AMOUNT)));
    assert_eq!(
        (exit.origin.owner, exit.origin.lastMoved, exit.origin.checkpointId),
        (f.alice.address(), 1, U256::from(1))
    );
    assert_eq!(exit.origin.bitmap, cp.bitmap.to_bytes());
    assert_eq!(
        (exit.parent.clone(), exit.exiting.clone(), exit.exiting_sig),
        (Included::none(), Included::none(), None)
    );
    let call = game().start_checkpoint_exit_call(&exit);
    assert_eq!(call.value, U256::from(2));
    let decoded = IXtExitGame::startCheckpointExitCall::abi_decode(&call.data).unwrap();
    assert_eq!((decoded.coinId, decoded.exitingSig.len(), decoded.exiting.blknum), (1, 0, 0));
}

#[test]
fn exit_of_a_transaction_spending_the_checkpoint_state() {
    let mut f = Fixture::new();
    f.finalize();
    // After K, Alice pays coin 1 to herself: C spends (alice, 1) directly.
    let me = f.alice.address();
    let tx = f.wallet("alice").cash.pay(1, me).unwrap();
    let at = f.chain.block(vec![tx]);
    f.sync_all();
    let alice = &f.wallets["alice"];
    let exit = alice.book.exit_claim(&alice.cash, 1).unwrap().unwrap();
    assert_eq!(exit.parent, Included::none());
    assert_eq!((exit.exiting.blknum, exit.exiting.tx.prevBlock, exit.exiting.tx.newOwner), (at, 1, f.alice.address()));
    assert_eq!(exit.exiting_sig, Some(tx.sig));
    assert_eq!((exit.origin.owner, exit.origin.lastMoved), (f.alice.address(), 1));
}

#[test]
fn exit_of_a_transaction_after_a_parent_after_the_checkpoint() {
    let mut f = Fixture::new();
    f.finalize();
    // After K: Bob pays coin 2 to Alice (P(C)), Alice pays it back to Bob (C).
    let (mut alice, mut bob) = (f.wallets.remove("alice").unwrap(), f.wallets.remove("bob").unwrap());
    let parent_at = f.chain.pay_xt(2, &mut bob, &mut alice);
    let exiting_at = f.chain.pay_xt(2, &mut alice, &mut bob);
    let exit = bob.book.exit_claim(&bob.cash, 2).unwrap().unwrap();
    assert!(f.k < parent_at && parent_at < exiting_at);
    assert_eq!(
        (exit.parent.blknum, exit.parent.tx.prevBlock, exit.parent.tx.newOwner),
        (parent_at, 2000, f.alice.address())
    );
    assert_eq!(
        (exit.exiting.blknum, exit.exiting.tx.prevBlock, exit.exiting.tx.newOwner),
        (exiting_at, parent_at, f.bob.address())
    );
    assert_eq!((exit.origin.owner, exit.origin.lastMoved), (f.bob.address(), 2000));
    assert!(exit.exiting_sig.is_some());
    // Alice received the coin after K with Bob's checkpoint start: she could exit from it too,
    // but no longer owns the coin.
    assert_eq!(alice.book.start(2).map(|s| s.blknum), Some(f.k));
    assert!(matches!(alice.book.exit_claim(&alice.cash, 2), Err(XtError::Cash(CashError::NotOwner { .. }))));
}

#[test]
fn no_checkpoint_exit_without_a_start_and_an_error_for_a_coin_paid_away() {
    let mut f = Fixture::new();
    f.finalize();
    let carol = &f.wallets["carol"];
    assert!(carol.book.exit_claim(&carol.cash, 3).unwrap().is_none());
    assert!(carol.book.exit_claim(&carol.cash, 1).unwrap().is_none(), "a foreign coin has no start");
    let (mut bob, mut carol) = (f.wallets.remove("bob").unwrap(), f.wallets.remove("carol").unwrap());
    f.chain.pay_xt(2, &mut bob, &mut carol);
    let refused = bob.book.exit_claim(&bob.cash, 2).unwrap_err();
    assert!(matches!(refused, XtError::Cash(CashError::NotOwner { coin_id: 2, owner }) if owner == f.carol.address()));
}

// ----- Stale exits -----

#[test]
fn exits_contradicting_the_checkpoint_state_are_cancelled() {
    let f = Fixture::finalized();
    let (alice, carol, k) = (f.alice.address(), f.carol.address(), f.k);
    let book = &f.wallets["bob"].book;
    let watcher = f.watcher("bob");
    // Coin 2 is (bob, 2000) at K = 3000.
    let stale = [
        exit(2, alice, 2, Address::ZERO, 0),   // Alice's deposit exit, superseded
        exit(2, carol, 1000, alice, 2),        // a state before K that is not the state at K
        exit(2, carol, k + 1000, alice, 2),    // C spends an older state
        exit(2, carol, k + 1000, carol, 1000), // C spends a forged state before K
    ];
    for observed in stale {
        let action = watcher.on_exit_started(book, &observed);
        let Some(XtAction::CancelStale { coin_id, state }) = &action else { panic!("{observed:?}: {action:?}") };
        assert_eq!((*coin_id, state), (2, &book.state(2).unwrap()));
        let call = action.as_ref().unwrap().call(&game());
        assert_eq!(call.value, U256::ZERO);
        let decoded = IXtExitGame::cancelStaleExitCall::abi_decode(&call.data).unwrap();
        assert_eq!((decoded.coinId, decoded.state.lastMoved), (2, 2000));
    }
}

#[test]
fn an_exit_open_when_its_checkpoint_finalises_is_judged_again() {
    // Alice's superseded deposit exit starts while the checkpoint is still open: nothing cancels it
    // yet. Once the checkpoint finalises, the next look cancels it as stale, once.
    let mut f = Fixture::new();
    let (alice, bob) = (f.alice.address(), f.bob.address());
    let early = exit(2, alice, 2, Address::ZERO, 0);
    let mut watcher = XtWatcher::new(bob, game());
    let judge = |f: &Fixture, watcher: &mut XtWatcher| {
        let bob = &f.wallets["bob"];
        watcher.judge_exits(&bob.cash, &bob.book, [&early], 0)
    };
    assert!(judge(&f, &mut watcher).is_empty(), "no finalised state yet");
    f.finalize();
    let actions = judge(&f, &mut watcher);
    assert!(matches!(actions.as_slice(), [XtAction::CancelStale { coin_id: 2, .. }]), "{actions:?}");
    assert!(judge(&f, &mut watcher).is_empty(), "decided once");
    // After the exit ends, a new exit with the same id would be judged afresh.
    watcher.on_exit_ended(early.exit_id);
    assert_eq!(judge(&f, &mut watcher).len(), 1);
}

#[test]
fn exits_consistent_with_the_checkpoint_state_are_not_cancelled() {
    let f = Fixture::finalized();
    let (alice, bob, carol, k) = (f.alice.address(), f.bob.address(), f.carol.address(), f.k);
    let book = &f.wallets["bob"].book;
    let mut watcher = XtWatcher::new(bob, game());
    let consistent = [
        exit(2, bob, 2000, alice, 2),              // the state itself, from the deposit origin
        exit(2, carol, k + 1000, bob, 2000),       // C spends the state
        exit(2, carol, k + 2000, alice, k + 1000), // C and P(C) both after K
    ];
    for observed in consistent {
        assert_eq!(watcher.on_exit_started(book, &observed), None, "{observed:?}");
    }
    // An exit that would be stale from the deposit origin is not when it starts at K or later.
    let superseded = exit(2, alice, 2, Address::ZERO, 0);
    watcher.on_exit_origin(superseded.exit_id, k);
    assert_eq!(watcher.on_exit_started(book, &superseded), None);
    // No start for the coin: nothing to cancel with.
    let alice_book = &f.wallets["alice"].book;
    assert_eq!(XtWatcher::new(alice, game()).on_exit_started(alice_book, &exit(2, carol, 1000, alice, 2)), None);
    assert_eq!(
        XtWatcher::new(carol, game()).on_exit_started(&f.wallets["carol"].book, &exit(3, bob, 1000, carol, 3)),
        None
    );
}

// ----- Untrusted input -----

#[test]
fn a_published_bitmap_of_the_wrong_length_or_padding_is_refused() {
    let zone = Zone::new(1, 10).unwrap();
    for bytes in [&[0u8][..], &[0, 0, 0][..], &[0, 0b0000_0100][..]] {
        let refused = Bitmap::from_bytes(zone, bytes).unwrap_err();
        assert!(matches!(refused, XtError::BadZone { start: 1, size: 10 }), "{bytes:?}: {refused:?}");
    }
    let ok = Bitmap::from_bytes(zone, &[0b1000_0001, 0b0000_0010]).unwrap();
    assert_eq!(ok.set_coins().collect::<Vec<_>>(), vec![1, 8, 10]);
}

#[test]
fn a_wrong_sign_off_is_refused_by_the_operator_and_recorded_nowhere() {
    let mut f = Fixture::new();
    let sig = f.alice_signs_off(1).unwrap();
    // Alice's signature of coin 1 offered for Bob's coin 2, and for coin 4 (no state).
    let refused = f.cp.add_sign_off(&domain(), 2, sig).unwrap_err();
    assert!(matches!(refused, XtError::BadSignOff { coin_id: 2, owner } if owner == f.bob.address()));
    assert!(matches!(f.cp.add_sign_off(&domain(), 4, sig), Err(XtError::NoState(4))));
    assert!(f.cp.sign_off_of(2).is_none() && f.cp.bitmap().set_coins().next().is_none());
}

#[test]
fn a_pruned_history_with_a_wrong_state_proof_does_not_verify() {
    let mut f = Fixture::new();
    f.finalize();
    // A pruned history whose state proof is replaced by an empty one no longer verifies.
    let bob = &f.wallets["bob"];
    let mut tampered = bob.handover(2).unwrap();
    let verified = tampered.verify(&domain(), bob.cash.roots());
    assert!(verified.is_ok());
    let start = tampered.start().clone();
    let mut bad = start.clone();
    bad.checkpoint.as_mut().unwrap().proof = SparseProof { bitmap: 0, siblings: Vec::new() };
    tampered = plasma_xt::XtHistory::new(bad);
    assert!(matches!(
        tampered.verify(&domain(), bob.cash.roots()),
        Err(CashError::InvalidHistory { coin_id: 2, reason: plasma_cash::Invalidity::NotIncluded, .. })
    ));
}

#[test]
fn a_published_bitmap_of_an_invalid_zone_is_refused() {
    // `Zone`'s fields are public: a zone built from raw event fields must still be checked.
    for (start, size, bytes) in [(5u64, 0u64, &[][..]), (u64::MAX, 2, &[0u8][..])] {
        let refused = Bitmap::from_bytes(Zone { start, size }, bytes).unwrap_err();
        assert!(matches!(refused, XtError::BadZone { start: s, size: n } if (s, n) == (start, size)), "{refused:?}");
    }
}

#[test]
fn a_history_that_starts_after_k_gives_no_evidence() {
    let mut f = Fixture::new();
    f.finalize();
    // Bob's kept history of coin 2 starts at K = 3000; a proposal of block 2000 cannot be
    // judged from it, and his wallet no longer holds the blocks before K but the move at 2000.
    let bob = &f.wallets["bob"];
    let kept = bob.handover(2).unwrap();
    let deposit = bob.cash.deposit_record(2).unwrap();
    let mut bitmap = Bitmap::empty(zone());
    bitmap.set(2).unwrap();
    let old = ProposedCheckpoint { id: 2, blknum: 2000, state_root: B256::repeat_byte(9), bitmap };
    assert_eq!(plasma_xt::owner_challenge(f.bob.address(), &deposit, &kept, &old, false), None);
    let actions = XtWatcher::new(f.bob.address(), game()).on_proposed(&bob.cash, &bob.book, old, 0, 0);
    assert!(actions.is_empty(), "nothing before K is kept: {actions:?}");
    let blocks: Vec<u64> = bob.cash.history(2).unwrap().entries().iter().map(|(b, _)| *b).collect();
    assert_eq!(blocks, vec![2000, f.k]);
}

#[test]
fn an_owner_whose_history_is_withheld_before_k_still_challenges_a_set_bit() {
    let mut f = Fixture::new();
    let (k, cp) = f.withheld_before_k();
    let mut bitmap = Bitmap::empty(zone());
    bitmap.set(3).unwrap();
    let proposed = ProposedCheckpoint { id: 1, blknum: k, state_root: cp.root(), bitmap };
    let carol = &f.wallets["carol"];
    assert!(carol.cash.history(3).unwrap().covered_through() < k);
    let actions = XtWatcher::new(f.carol.address(), game()).on_proposed(&carol.cash, &carol.book, proposed, 0, 0);
    assert!(matches!(actions.as_slice(), [XtAction::ChallengeCheckpoint { latest, .. }] if latest.is_deposit()));
}

// ----- Checkpoint-started handover, recipients' challenges, challenges at a checkpoint -----

/// `from` pays `coin_id` to `to` in a new block; both Cash wallets sync, `to` gets no history.
fn pay_without_handover(f: &mut Fixture, coin_id: u64, from: &str, to: &str) -> u64 {
    let to_address = f.wallets[to].cash.address();
    let tx = f.wallet(from).cash.pay(coin_id, to_address).unwrap();
    let blknum = f.chain.block(vec![tx]);
    f.sync_all();
    blknum
}

#[test]
fn a_recipient_adopts_a_checkpoint_started_history_and_exits_from_the_origin() {
    let mut f = Fixture::new();
    let cp = f.finalize();
    let paid_at = pay_without_handover(&mut f, 2, "bob", "carol");
    let handover = f.wallets["bob"].handover(2).unwrap();
    assert_eq!(handover.start().checkpoint.as_ref().map(|c| c.blknum), Some(f.k), "starts at K");
    assert!(handover.entries().iter().all(|(at, _)| *at > f.k), "nothing at or before K is handed over");
    let bob = f.bob.address();
    let carol = f.wallet("carol");
    assert_eq!(carol.book.receive(&carol.cash, handover.clone()).unwrap(), 2);
    assert_eq!(carol.book.received(2), Some(&handover));
    assert_eq!(carol.book.start(2).map(|s| (s.owner, s.last_moved)), Some((bob, 2000)));
    // Carol exits from the checkpoint origin with the payment spending the state.
    let exit = carol.book.exit_claim(&carol.cash, 2).unwrap().unwrap();
    assert_eq!((exit.origin.checkpointId, exit.origin.lastMoved), (U256::from(cp.id), 2000));
    assert_eq!((exit.exiting.blknum, exit.exiting.tx.prevBlock, exit.parent.blknum), (paid_at, 2000, 0));
    assert_eq!(carol.book.xt_history(&carol.cash, 2).unwrap(), handover);
}

#[test]
fn a_checkpoint_started_history_is_refused_without_the_finalised_checkpoint_or_by_another_owner() {
    let mut f = Fixture::new();
    f.finalize();
    pay_without_handover(&mut f, 2, "bob", "carol");
    let handover = f.wallets["bob"].handover(2).unwrap();
    // A recipient that did not see the checkpoint finalised.
    let mut fresh = CheckpointBook::new();
    let carol = &f.wallets["carol"];
    assert!(matches!(fresh.receive(&carol.cash, handover.clone()), Err(XtError::NotCheckpointed(2))));
    assert_eq!(book_state(&fresh), book_state(&CheckpointBook::new()));
    // Alice is not the owner.
    let alice = f.wallet("alice");
    let before = book_state(&alice.book);
    assert!(matches!(
        alice.book.receive(&alice.cash, handover.clone()),
        Err(XtError::Cash(CashError::NotOwner { .. }))
    ));
    assert_eq!(book_state(&alice.book), before);
    // A start naming another state root.
    let mut forged = handover.clone();
    let mut start = forged.start().clone();
    if let Some(c) = start.checkpoint.as_mut() {
        c.state_root = B256::repeat_byte(9);
    }
    forged = rebuild(start, &forged);
    let carol = f.wallet("carol");
    assert!(matches!(carol.book.receive(&carol.cash, forged), Err(XtError::NotCheckpointed(2))));
    // A deposit-started (unpruned) history is no checkpoint handover.
    let plain = plasma_xt::history::from_cash(f.wallets["bob"].cash.history(2).unwrap()).unwrap();
    let carol = f.wallet("carol");
    assert!(matches!(carol.book.receive(&carol.cash, plain), Err(XtError::NotCheckpointed(2))));
    assert!(carol.book.received(2).is_none());
}

fn rebuild(start: plasma_xt::XtStart, like: &plasma_xt::XtHistory) -> plasma_xt::XtHistory {
    let mut out = plasma_xt::XtHistory::new(start);
    for (at, entry) in like.entries() {
        out.push(*at, entry.clone()).unwrap();
    }
    out
}

/// A recipient after K challenges as a later owner: the sender's deposit (its state at K) and the
/// sender's spend to it after K, so that the sender's sign-off cannot answer (docs/security.md, F-4).
#[test]
fn a_recipient_during_the_window_challenges_a_false_bit_with_the_senders_deposit() {
    // Carol never signed coin 3; its bit is set anyway; she pays it to Bob during the window.
    let (mut f, cp) = Fixture::signed_and_proposed(&[3]);
    let bob = f.bob.address();
    let mut watcher = XtWatcher::new(bob, game());
    let w = &f.wallets["bob"];
    assert!(watcher.on_proposed(&w.cash, &w.book, cp.clone(), 100, 100).is_empty(), "Bob has no coin 3 yet");
    pay_without_handover(&mut f, 3, "carol", "bob");
    let history = f.wallets["carol"].cash.handover(3).unwrap();
    f.wallet("bob").cash.receive(history).unwrap();
    let w = &f.wallets["bob"];
    let actions = watcher.recheck(&w.cash, &w.book, 200);
    let [XtAction::ChallengeCheckpointAfter { checkpoint_id, latest, later, .. }] = actions.as_slice() else {
        panic!("expected one later owner's challenge, got {actions:?}");
    };
    assert_eq!(*checkpoint_id, 1);
    assert!(latest.is_deposit());
    assert_eq!((latest.tx.coinId, latest.tx.newOwner), (3, f.carol.address()), "the sender's state at K");
    assert_eq!((later.tx.coinId, later.tx.prevBlock, later.tx.newOwner), (3, 3, bob), "the sender's spend to Bob");
    assert!(later.blknum > f.k);
    assert!(watcher.recheck(&w.cash, &w.book, 201).is_empty(), "challenged once");
    // Too late: the window is closed.
    let mut late = XtWatcher::new(bob, game());
    late.on_proposed(&w.cash, &w.book, cp, 100, 100 + 3 * (PERIOD / 4));
    assert!(late.recheck(&w.cash, &w.book, 100 + 3 * (PERIOD / 4)).is_empty());
}

#[test]
fn a_recipient_with_a_proof_of_the_senders_state_does_not_challenge() {
    let (mut f, cp) = Fixture::signed_and_proposed(&[3]);
    pay_without_handover(&mut f, 3, "carol", "bob");
    let history = f.wallets["carol"].cash.handover(3).unwrap();
    f.wallet("bob").cash.receive(history).unwrap();
    let (k, root, proof) = (f.k, f.cp.root(), f.cp.proof(3));
    // A proof of another coin's leaf does not do.
    let other = f.cp.proof(1);
    f.wallet("bob").book.learn_state_proof(k, root, 3, other);
    let w = &f.wallets["bob"];
    assert_eq!(XtWatcher::new(f.bob.address(), game()).on_proposed(&w.cash, &w.book, cp.clone(), 100, 200).len(), 1);
    f.wallet("bob").book.learn_state_proof(k, root, 3, proof);
    let w = &f.wallets["bob"];
    assert!(XtWatcher::new(f.bob.address(), game()).on_proposed(&w.cash, &w.book, cp, 100, 200).is_empty());
}

#[test]
fn a_forged_parent_after_k_on_an_exit_from_origin_k_is_challenged_with_the_checkpoint_state() {
    let mut f = Fixture::new();
    f.finalize();
    let (bob, carol, k) = (f.bob.address(), f.carol.address(), f.k);
    let mut watcher = XtWatcher::new(bob, game());
    let forged = exit(2, carol, k + 2000, carol, k + 1000);
    watcher.on_exit_origin(forged.exit_id, k);
    let w = &f.wallets["bob"];
    // Bob's latest transaction (2000) is before K: only the checkpoint state answers this exit.
    assert!(watcher.on_exit_started(&w.book, &forged).is_none(), "not stale");
    let action = watcher.challenge_at_checkpoint(&w.cash, &w.book, &forged, 0).unwrap();
    let XtAction::ChallengeHistoryAtCheckpoint { coin_id, state } = &action else { panic!("{action:?}") };
    assert_eq!((*coin_id, state), (2, &w.book.state(2).unwrap()));
    assert_eq!(action.coin_id(), 2);
    let call = action.call(&game());
    assert_eq!(call.value, U256::from(3), "the challenge bond");
    let decoded = IXtExitGame::challengeHistoryAtCheckpointCall::abi_decode(&call.data).unwrap();
    assert_eq!((decoded.coinId, decoded.state.owner, decoded.state.lastMoved), (2, bob, 2000));
    // The same for an exit from the deposit origin.
    let from_deposit = exit(2, carol, k + 2000, carol, k + 1000);
    let fresh = XtWatcher::new(bob, game());
    assert!(fresh.challenge_at_checkpoint(&w.cash, &w.book, &from_deposit, 0).is_some());
    // Not once the history window closed, nor with P(C) at or before K, nor by another user.
    let closed = 3 * (PERIOD / 4);
    assert!(watcher.challenge_at_checkpoint(&w.cash, &w.book, &forged, closed).is_none());
    let early = exit(2, carol, k + 2000, bob, 2000);
    assert!(watcher.challenge_at_checkpoint(&w.cash, &w.book, &early, 0).is_none());
    let a = &f.wallets["alice"];
    assert!(XtWatcher::new(f.alice.address(), game()).challenge_at_checkpoint(&a.cash, &a.book, &forged, 0).is_none());
}

#[test]
fn no_challenge_at_the_checkpoint_when_the_user_spent_the_state_by_the_parent() {
    let mut f = Fixture::new();
    f.finalize();
    let paid_at = pay_without_handover(&mut f, 2, "bob", "carol");
    let (bob, carol) = (f.bob.address(), f.carol.address());
    let w = &f.wallets["bob"];
    let watcher = XtWatcher::new(bob, game());
    // Carol's honest exit: C after Bob's payment.
    let honest = exit(2, f.alice.address(), paid_at + 1000, carol, paid_at);
    assert!(watcher.challenge_at_checkpoint(&w.cash, &w.book, &honest, 0).is_none());
    // A forged exit after Bob's payment: Bob spent the state, the Cash rules answer it, not this one.
    let forged = exit(2, f.alice.address(), paid_at + 2000, f.alice.address(), paid_at + 1000);
    assert!(watcher.challenge_at_checkpoint(&w.cash, &w.book, &forged, 0).is_none());
}

// ----- Defending the coin on any exit (docs/security.md, C-2) and revealed spends (C-3) -----

/// Mallory deposits coin 1 and pays it to Bob at 1000, Bob pays Alice at 2000, K = 3000 is empty;
/// Alice signs off the honest checkpoint of K (coin 1 = (alice, 2000)). Returns the chain, the
/// three wallets (mallory, bob, alice), the checkpoint as finalised, and its state.
fn pruned_owner() -> (Chain, [XtWallet; 3], ProposedCheckpoint, StateCheckpoint) {
    let (mallory, bob, alice) = (key("mallory"), key("bob"), key("alice"));
    let mut chain = Chain::new();
    chain.deposit(1, &mallory);
    let (mut m, mut b, mut a) =
        (Wallet::new(mallory, domain()), Wallet::new(bob, domain()), Wallet::new(alice.clone(), domain()));
    for wallet in [&mut m, &mut b, &mut a] {
        chain.sync(wallet);
    }
    assert_eq!(chain.pay(1, &mut m, &mut b), 1000);
    assert_eq!(chain.pay(1, &mut b, &mut a), 2000);
    let k = chain.block(vec![]);
    for wallet in [&mut m, &mut b, &mut a] {
        chain.sync(wallet);
    }
    let mut cp = StateCheckpoint::from_operator(&chain.operator, k, zone()).unwrap();
    let mut a = XtWallet::new(a);
    let sig = a.sign_off(&alice, k, cp.root(), 1, cp.proof(1)).unwrap();
    cp.add_sign_off(&domain(), 1, sig).unwrap();
    let proposed = ProposedCheckpoint { id: 1, blknum: k, state_root: cp.root(), bitmap: cp.bitmap() };
    (chain, [XtWallet::new(m), XtWallet::new(b), a], proposed, cp)
}

fn history_challenge(exit: &ObservedExit, blknum: u64, owner: Address, challenger: Address) -> ObservedChallenge {
    ObservedChallenge { coin_id: exit.coin_id, exit_id: exit.exit_id, challenger, blknum, owner, deadline: 500 }
}

/// O-1 and C-2: Alice pruned coin 1 to K (she keeps Bob -> Alice at 2000, not Mallory -> Bob at
/// 1000). A thief's deposit-origin exit on a forged `P(C)` after K is challenged by an accomplice at
/// the deposit (owner Mallory): only Mallory -> Bob answers it in Cash, which Alice no longer holds,
/// so her watcher answers with the finalised state (`respondHistoryAtCheckpoint`).
#[test]
fn a_pruned_owner_answers_a_lower_challenge_of_a_thiefs_exit_with_the_checkpoint_state() {
    let (_chain, [m, b, mut a], cp, _) = pruned_owner();
    let (mallory, bob, alice) = (m.cash.address(), b.cash.address(), a.cash.address());
    assert_eq!(a.on_finalized(&cp), vec![1]);
    assert!(a.cash.history(1).unwrap().entries().iter().all(|(blknum, _)| *blknum >= 2000), "pruned");
    let eve = key("eve").address();
    let thief = exit(1, eve, cp.blknum + 2000, eve, cp.blknum + 1000);
    let mut watcher = XtWatcher::new(alice, game());
    let lower = history_challenge(&thief, 1, mallory, mallory);
    watcher.on_history_challenged(&lower);
    // Her own challenge (the checkpoint state, recorded at L = 2000) is not hers to answer.
    watcher.on_history_challenged(&history_challenge(&thief, 2000, alice, alice));
    let actions = watcher.history_answers(&a.cash, &a.book, &thief, 100);
    let [XtAction::RespondHistoryAtCheckpoint { coin_id, challenge_blk, state }] = actions.as_slice() else {
        panic!("expected one answer at the checkpoint, got {actions:?}");
    };
    assert_eq!((*coin_id, *challenge_blk, state), (1, 1, &a.book.state(1).unwrap()));
    let call = actions[0].call(&game());
    assert_eq!(call.value, U256::ZERO);
    let decoded = IXtExitGame::respondHistoryAtCheckpointCall::abi_decode(&call.data).unwrap();
    assert_eq!(
        (decoded.coinId, decoded.challengeBlk, decoded.state.owner, decoded.state.lastMoved),
        (1, 1, alice, 2000)
    );
    // Decided once; none once answered, nor after its deadline.
    assert!(watcher.history_answers(&a.cash, &a.book, &thief, 101).is_empty());
    let mut fresh = XtWatcher::new(alice, game());
    fresh.on_history_challenged(&lower);
    assert!(fresh.history_answers(&a.cash, &a.book, &thief, 500).is_empty(), "too late");
    fresh.on_history_answered(thief.exit_id, 1);
    assert!(fresh.history_answers(&a.cash, &a.book, &thief, 100).is_empty(), "answered by someone");
    // A challenge at 1000 (owner Bob) is the Cash watcher's: Bob -> Alice at 2000 is kept.
    assert!(
        watcher.history_answer(&a.cash, &a.book, &thief, &history_challenge(&thief, 1000, bob, mallory), 100).is_none()
    );
    // The exit of the state's own move is vouched for too; an exit whose P(C) is before L is not.
    let own = exit(1, alice, 2000, bob, 1000);
    assert!(
        watcher.history_answer(&a.cash, &a.book, &own, &history_challenge(&own, 1, mallory, mallory), 100).is_some()
    );
    let early = exit(1, eve, 1500, bob, 1000);
    assert!(
        watcher
            .history_answer(&a.cash, &a.book, &early, &history_challenge(&early, 1, mallory, mallory), 100)
            .is_none()
    );
    // Without a checkpoint start there is nothing to answer with.
    let unpruned = XtWallet::new(b.cash.clone());
    assert!(XtWatcher::new(bob, game()).history_answer(&unpruned.cash, &unpruned.book, &thief, &lower, 100).is_none());
}

/// C-2: the history a defence may need is kept while any exit of the coin with an older origin is
/// open, a thief's included, and the Cash watcher answers from it; pruned once that exit closes.
#[test]
fn pruning_waits_while_anyones_exit_with_an_older_origin_is_open() {
    let (_chain, [m, _b, mut a], cp, _) = pruned_owner();
    let (mallory, alice) = (m.cash.address(), a.cash.address());
    let eve = key("eve").address();
    let thief = exit(1, eve, cp.blknum + 2000, eve, cp.blknum + 1000);
    // The thief's exit from the deposit (origin 1 < K) is open when the checkpoint finalises: it
    // counts, although it is not Alice's.
    let origins = XtWatcher::new(alice, game()).exit_origins([&thief]);
    assert_eq!(origins, BTreeMap::from([(1, 1)]));
    assert!(a.set_open_exits(origins).is_empty());
    assert_eq!(a.on_finalized(&cp), vec![1]);
    assert_eq!(a.book.deferred(), vec![1]);
    assert_eq!(a.cash.history(1).unwrap().entries().first().unwrap().0, 1000, "Mallory -> Bob kept");
    let lower = history_challenge(&thief, 1, mallory, mallory);
    let mut cash = plasma_cash::Watcher::new(alice, game().cash);
    cash.on_exit_started(&a.cash, &thief, 0);
    let actions = cash.on_history_challenged(&a.cash, &lower, 100);
    assert!(
        matches!(actions.as_slice(), [plasma_cash::Action::RespondHistory(r)] if r.response.blknum == 1000),
        "{actions:?}"
    );
    // The Cash answer stands: no second one at the checkpoint.
    let mut watcher = XtWatcher::new(alice, game());
    watcher.on_history_challenged(&lower);
    assert!(watcher.history_answers(&a.cash, &a.book, &thief, 100).is_empty());
    // An exit from K itself (origin not older) does not hold pruning back.
    assert_eq!(a.set_open_exits(BTreeMap::from([(1, cp.blknum)])), vec![1]);
    assert!(a.cash.history(1).unwrap().entries().iter().all(|(blknum, _)| *blknum >= 2000));
}

/// C-3: Alice pays Bob in block K, which the operator withholds, and proposes K with coin 1's leaf
/// naming Mallory, bit set, nobody's sign-off. Alice challenges with her deposit, the operator
/// answers with her spend to Bob; Bob's watcher learns it from the answer and challenges with it,
/// which nobody can answer; Bob can exit with it later.
#[test]
fn a_payment_revealed_by_a_checkpoint_answer_is_learned_and_challenged_with() {
    let (alice_key, bob_key, mallory) = (key("alice"), key("bob"), key("mallory").address());
    let mut chain = Chain::new();
    chain.deposit(1, &alice_key);
    let (mut alice, mut bob) = (Wallet::new(alice_key, domain()), Wallet::new(bob_key, domain()));
    chain.sync(&mut alice);
    chain.sync(&mut bob);
    let to_bob = alice.pay(1, bob.address()).unwrap();
    bob.expect_payment(to_bob, alice.handover(1).unwrap()).unwrap();
    chain.operator.withhold(chain.next);
    let k = chain.block(vec![to_bob]);
    chain.sync(&mut alice);
    chain.sync(&mut bob);
    let states = BTreeMap::from([(1, CoinState { owner: mallory, last_moved: k })]);
    let forged = StateCheckpoint::new(k, zone(), states).unwrap();
    let mut bitmap = Bitmap::empty(zone());
    bitmap.set(1).unwrap();
    let cp = ProposedCheckpoint { id: 1, blknum: k, state_root: forged.root(), bitmap };
    let (alice_book, bob_book) = (CheckpointBook::new(), CheckpointBook::new());
    let mut alice_watcher = XtWatcher::new(alice.address(), game());
    let mut bob_watcher = XtWatcher::new(bob.address(), game());
    let actions = alice_watcher.on_proposed(&alice, &alice_book, cp.clone(), 0, 10);
    assert!(matches!(actions.as_slice(), [XtAction::ChallengeCheckpoint { latest, .. }] if latest.is_deposit()));
    assert!(bob_watcher.on_proposed(&bob, &bob_book, cp.clone(), 0, 10).is_empty(), "Bob holds no history");

    // The operator answers Alice's challenge with her spend, from its copy of the withheld block.
    let Some(plasma_xt::Response::Spend(spend, sig)) =
        plasma_xt::operator_response(&forged, &chain.operator, &domain(), 1, 1, alice.address())
    else {
        panic!("the operator answers with Alice's spend");
    };
    assert_eq!((spend.tx.newOwner, spend.blknum), (bob.address(), k));
    let sig = sig.to_bytes();
    // Alice learns nothing from her own spend and challenges nothing more.
    assert!(alice_watcher.on_spend_revealed(&mut alice, &alice_book, 1, &spend, &sig, 20).is_empty());
    assert!(alice.learned_payments().is_empty());
    // Bob learns it and challenges with it, once.
    let actions = bob_watcher.on_spend_revealed(&mut bob, &bob_book, 1, &spend, &sig, 20);
    let [XtAction::ChallengeCheckpoint { checkpoint_id, latest, amount, .. }] = actions.as_slice() else {
        panic!("expected Bob's challenge, got {actions:?}");
    };
    assert_eq!((*checkpoint_id, latest, *amount), (1, &spend, U256::from(AMOUNT)));
    assert_eq!(bob.learned_payments()[&1].blknum, k);
    assert!(bob_watcher.recheck(&bob, &bob_book, 21).is_empty(), "challenged once");
    // Only Bob's sign-off or spend up to K could answer: the operator has neither.
    assert!(plasma_xt::operator_response(&forged, &chain.operator, &domain(), 1, k, bob.address()).is_none());
    // Bob exits with the revealed payment (it spends the deposit: no parent).
    let plasma_cash::ExitClaim::Tx(claim) = bob.exit_claim(1).unwrap() else { panic!("a transaction exit") };
    assert_eq!((claim.exiting.clone(), claim.parent.clone()), (spend.clone(), Included::none()));

    // A recipient who learns of it after the window does not challenge (the wallet still learns).
    let mut late_bob = Wallet::new(key("bob"), domain());
    chain.sync(&mut late_bob);
    let mut late = XtWatcher::new(bob.address(), game());
    late.on_proposed(&late_bob, &bob_book, cp.clone(), 0, 10);
    assert!(late.on_spend_revealed(&mut late_bob, &bob_book, 1, &spend, &sig, 3 * (PERIOD / 4)).is_empty());
    assert_eq!(late_bob.learned_payments().len(), 1);
    // A revealed spend with a wrong proof teaches nothing.
    let mut other_bob = Wallet::new(key("bob"), domain());
    chain.sync(&mut other_bob);
    let bad = Included { proof: B256::ZERO.to_vec().into(), ..spend.clone() };
    let mut other = XtWatcher::new(bob.address(), game());
    other.on_proposed(&other_bob, &bob_book, cp.clone(), 0, 10);
    assert!(other.on_spend_revealed(&mut other_bob, &bob_book, 1, &bad, &sig, 20).is_empty());
    assert!(other_bob.learned_payments().is_empty());
    // A checkpoint that states Bob's coin rightly (a proof of his leaf in hand) is not challenged.
    let states = BTreeMap::from([(1, CoinState { owner: bob.address(), last_moved: k })]);
    let honest = StateCheckpoint::new(k, zone(), states).unwrap();
    let mut bitmap = Bitmap::empty(zone());
    bitmap.set(1).unwrap();
    let right = ProposedCheckpoint { id: 2, blknum: k, state_root: honest.root(), bitmap };
    let mut book = CheckpointBook::new();
    book.learn_state_proof(k, honest.root(), 1, honest.proof(1));
    let mut watcher = XtWatcher::new(bob.address(), game());
    watcher.on_proposed(&bob, &book, right, 0, 10);
    assert!(watcher.on_spend_revealed(&mut bob, &book, 2, &spend, &sig, 20).is_empty());
}
