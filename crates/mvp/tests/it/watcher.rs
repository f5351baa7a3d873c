//! Watcher: a finding for each operator fault, exit alerts, and challenge discovery (direct, via
//! confirmations published by exits, and the sybil self-transfer drain).

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::{Framework, domain, key, settle, wei};
use plasma_core::{
    BinaryProof, ChildChain, Signature,
    alloy_primitives::{Address, B256, Bytes, U256},
    alloy_sol_types::SolCall,
};
use plasma_mvp::{
    BlockStatus, Finding, Invalidity, MvpError, MvpGame, ObservedExit, Operator, Output, SignedTx, Transaction,
    UtxoPos, Wallet, Watcher,
    game::MvpExitGame,
    tx::{TransactionExt, confirmation_digest, decode_sig_pair},
};
use rstest::rstest;

/// Operator, framework, Alice (100 deposited) and Bob, and a watcher for both.
struct World {
    fw: Framework,
    op: Operator,
    alice: Wallet,
    bob: Wallet,
    watcher: Watcher,
    alice_d: UtxoPos,
}

fn world() -> World {
    let (mut fw, mut op) = (Framework::default(), Operator::new(domain()));
    let mut alice = Wallet::new(key("alice"), domain());
    let bob = Wallet::new(key("bob"), domain());
    let mut watcher = Watcher::new(domain(), [alice.address(), bob.address()]);
    let event = fw.deposit(alice.address(), wei(100));
    let alice_d = op.apply_deposit(&event).unwrap();
    alice.add_deposit(&event).unwrap();
    watcher.on_deposit(&event).unwrap();
    World { fw, op, alice, bob, watcher, alice_d }
}

impl World {
    /// Seals the pending block and submits it; the operator and the watcher learn it. Returns the
    /// block's root and its `BlockSubmitted`.
    fn submit(&mut self) -> (B256, plasma_core::BlockSubmittedEvent) {
        let root = self.op.build_block().unwrap().root();
        let event = self.fw.submit(root);
        self.op.on_block_submitted(&event).unwrap();
        self.watcher.on_block_submitted(&event).unwrap();
        (root, event)
    }

    /// Seals the pending block, tells the watcher, and checks it.
    fn seal_and_check(&mut self) -> plasma_mvp::BlockReport {
        self.submit();
        let mut reports = self.watcher.sync(&self.op).unwrap();
        assert_eq!(reports.len(), 1);
        reports.remove(0)
    }

    /// The operator includes `tx` unchecked in the pending block, which is sealed and checked.
    fn include_and_check(&mut self, tx: SignedTx) -> plasma_mvp::BlockReport {
        self.op.include_unchecked(tx).unwrap();
        self.seal_and_check()
    }

    /// Alice pays Bob `amount` in a valid block; both settle. Returns the transaction.
    fn alice_pays_bob(&mut self, amount: u64) -> SignedTx {
        let tx = self.alice.pay(self.bob.address(), wei(amount), U256::ZERO).unwrap();
        self.op.submit_tx(tx.clone()).unwrap();
        let report = self.seal_and_check();
        assert_eq!(report.status, BlockStatus::Valid, "{report:?}");
        assert!(report.findings.is_empty() && report.exit_now.is_empty());
        settle(&self.op, &tx, &mut self.alice, &mut [&mut self.bob]);
        tx
    }

    /// Mallory signs a spend of Alice's deposit to herself, which the operator includes unchecked.
    /// Returns Mallory's key.
    fn mallory_steals_alices_deposit(&mut self) -> plasma_core::SigningKey {
        let mallory = key("mallory");
        let theft = SignedTx::sign(payment(self.alice_d, mallory.address(), 100), &domain(), [Some(&mallory), None]);
        self.op.include_unchecked(theft).unwrap();
        mallory
    }
}

fn payment(input: UtxoPos, to: Address, amount: u64) -> Transaction {
    Transaction::payment(input, None, Output::new(to, wei(amount)), None)
}

#[test]
fn valid_chain_has_no_findings() {
    let mut w = world();
    w.alice_pays_bob(30);
    w.alice_pays_bob(20);
    assert_eq!(w.watcher.first_fault(), None);
    assert!(w.watcher.exit_now().is_empty());
    assert_eq!(w.watcher.replica_total(), w.op.ledger().total());
    assert_eq!(w.watcher.ledger().utxos(), w.op.utxos());
    let report = w.seal_and_check(); // an empty block is fine
    assert_eq!(report.status, BlockStatus::Valid);
}

#[test]
fn invalid_signature_is_found_and_alice_must_exit() {
    let mut w = world();
    let mallory = w.mallory_steals_alices_deposit();
    let report = w.seal_and_check();
    assert_eq!(report.status, BlockStatus::Invalid);
    assert_eq!(
        report.findings,
        vec![Finding::InvalidTx {
            blknum: 1000,
            txindex: 0,
            reason: Invalidity::WrongSigner { slot: 0, expected: w.alice.address(), recovered: mallory.address() },
        }]
    );
    assert_eq!(report.exit_now, vec![w.alice_d]);
    assert_eq!(w.watcher.first_fault(), Some(1000));

    // A malformed signature is a finding too, not an error.
    let mut garbled = SignedTx::sign(payment(w.alice_d, mallory.address(), 100), &domain(), [Some(&mallory), None]);
    garbled.sigs[0] = garbled.sigs[0].map(|s| Signature { r: B256::ZERO, ..s });
    let report = w.include_and_check(garbled);
    assert!(matches!(
        &report.findings[..],
        [Finding::InvalidTx { blknum: 2000, reason: Invalidity::BadSignature { slot: 0, .. }, .. }]
    ));
    assert_eq!(report.exit_now, vec![w.alice_d]);
}

#[test]
fn spent_input_is_found() {
    let mut w = world();
    let first = w.alice_pays_bob(100);
    // Alice signs another spend of her (already spent) deposit and the operator includes it.
    let again = w.alice.sign(payment(w.alice_d, key("carol").address(), 100)).unwrap();
    let report = w.include_and_check(again);
    assert_eq!(
        report.findings,
        vec![Finding::InvalidTx {
            blknum: 2000,
            txindex: 0,
            reason: Invalidity::SpentInput { input: w.alice_d, by: Some(UtxoPos::tx(1000, 0).unwrap()) },
        }]
    );
    assert_eq!(first.tx.input0, w.alice_d.encode());
    // Bob's output is in the replica and must be exited.
    assert_eq!(report.exit_now, vec![UtxoPos::new(1000, 0, 0).unwrap()]);
}

#[test]
fn minted_value_is_found() {
    let mut w = world();
    let mallory = key("mallory");
    // Value created from Alice's deposit (signed by Alice, who colludes) and from nothing at all.
    let inflate = w.alice.sign(payment(w.alice_d, mallory.address(), 1_000)).unwrap();
    let ghost = UtxoPos::new(9000, 0, 0).unwrap();
    let mint = SignedTx::sign(payment(ghost, mallory.address(), 1_000), &domain(), [Some(&mallory), None]);
    w.op.include_unchecked(inflate).unwrap();
    let report = w.include_and_check(mint);
    assert_eq!(
        report.findings,
        vec![
            Finding::InvalidTx {
                blknum: 1000,
                txindex: 0,
                reason: Invalidity::ValueCreated { inputs: wei(100), outputs: wei(1_000) },
            },
            Finding::InvalidTx {
                blknum: 1000,
                txindex: 1,
                reason: Invalidity::InputNotOlder { input: ghost, blknum: 1000 }
            },
        ]
    );
    // Invalid outputs never enter the replica; a later spend of them is flagged again.
    assert!(w.watcher.ledger().get(&UtxoPos::new(1000, 0, 0).unwrap()).is_none());
    let launder = SignedTx::sign(
        payment(UtxoPos::new(1000, 0, 0).unwrap(), key("carol").address(), 1_000),
        &domain(),
        [Some(&mallory), None],
    );
    let report = w.include_and_check(launder);
    assert!(matches!(
        &report.findings[..],
        [Finding::InvalidTx { reason: Invalidity::UnknownInput(p), .. }] if *p == UtxoPos::new(1000, 0, 0).unwrap()
    ));
}

#[test]
fn double_spend_in_one_block_is_found() {
    let mut w = world();
    let to_bob = w.alice.pay(w.bob.address(), wei(100), U256::ZERO).unwrap();
    w.op.submit_tx(to_bob).unwrap();
    let to_carol = w.alice.sign(payment(w.alice_d, key("carol").address(), 100)).unwrap();
    assert!(matches!(w.op.submit_tx(to_carol.clone()), Err(MvpError::InvalidTx(Invalidity::PendingInput(_)))));
    let report = w.include_and_check(to_carol);
    assert_eq!(
        report.findings,
        vec![Finding::DoubleSpend {
            blknum: 1000,
            input: w.alice_d,
            first: UtxoPos::tx(1000, 0).unwrap(),
            second: UtxoPos::tx(1000, 1).unwrap(),
        }]
    );
    // Alice's deposit was spent in the faulty block: she must not confirm, and exits it.
    assert!(report.exit_now.contains(&w.alice_d));
    assert!(report.exit_now.contains(&UtxoPos::new(1000, 0, 0).unwrap()));
}

#[test]
fn withheld_block_is_found_and_unconfirmed_inputs_exit() {
    let mut w = world();
    let bob_event = w.fw.deposit(w.bob.address(), wei(50));
    w.op.apply_deposit(&bob_event).unwrap();
    w.bob.add_deposit(&bob_event).unwrap();
    w.watcher.on_deposit(&bob_event).unwrap();

    let tx = w.alice.pay(w.bob.address(), wei(40), U256::ZERO).unwrap();
    w.op.submit_tx(tx).unwrap();
    w.op.withhold(1000);
    let report = w.seal_and_check();
    assert_eq!(report.status, BlockStatus::Withheld);
    assert_eq!(report.findings, vec![Finding::BlockWithheld { blknum: 1000 }]);
    assert_eq!(report.exit_now, vec![w.alice_d, UtxoPos::deposit(2).unwrap()]);
    // Alice's wallet never confirmed, so it still holds the exit data of her deposit.
    assert_eq!(w.alice.exit_claims().len(), 1);

    // Later blocks are still checked; the fault stays.
    let report = w.seal_and_check();
    assert_eq!(report.status, BlockStatus::Valid);
    assert_eq!(w.watcher.exit_now(), vec![w.alice_d, UtxoPos::deposit(2).unwrap()]);
}

#[test]
fn root_mismatch_and_ordering() {
    let mut w = world();
    let (_, event) = w.submit();
    w.watcher.on_block_submitted(&event).unwrap(); // idempotent
    assert!(matches!(
        w.watcher.on_block_submitted(&plasma_core::BlockSubmittedEvent { root: B256::repeat_byte(1), ..event }),
        Err(MvpError::DuplicateBlock(1000))
    ));
    let event2 = w.fw.submit(B256::repeat_byte(2));
    w.watcher.on_block_submitted(&event2).unwrap();
    assert!(matches!(
        w.watcher.on_block_data(2000, Some(&[])),
        Err(MvpError::OutOfOrder { expected: 1000, got: 2000 })
    ));
    assert!(matches!(w.watcher.on_block_data(3000, Some(&[])), Err(MvpError::UnknownBlock(3000))));
    assert_eq!(w.watcher.on_block_data(1000, Some(&[])).unwrap().status, BlockStatus::Valid);
    assert!(matches!(w.watcher.on_block_data(1000, Some(&[])), Err(MvpError::DuplicateBlock(_))));
    let report = w.watcher.on_block_data(2000, Some(&[])).unwrap();
    assert_eq!(
        report.findings,
        vec![Finding::RootMismatch { blknum: 2000, submitted: B256::repeat_byte(2), published: Some(B256::ZERO) }]
    );
    assert_eq!(report.status, BlockStatus::Withheld);
    assert_eq!(report.exit_now, vec![w.alice_d]);
}

fn deposit_exit(pos: UtxoPos, owner: Address, amount: u64) -> ObservedExit {
    ObservedExit {
        utxo_pos: pos,
        owner,
        amount: wei(amount),
        exitable_at: 0,
        tx: Transaction::default(),
        confirm_sigs: Bytes::new(),
    }
}

fn check_challenge(w: &World, challenge: &plasma_mvp::Challenge, spending: &SignedTx, owner: Address) {
    let block = w.op.block(challenge.spending_tx_pos.blknum()).unwrap().block.clone();
    let index = u64::from(challenge.spending_tx_pos.txindex());
    assert_eq!(challenge.spending_tx, spending.tx);
    assert_eq!(challenge.spending_sigs.as_ref(), spending.sigs_bytes().as_slice());
    assert!(BinaryProof::from_bytes(&challenge.proof).unwrap().verify(block.root(), spending.leaf(&domain()), index));
    let confirm = Signature::from_bytes(&challenge.confirm_sig).unwrap();
    let digest = confirmation_digest(&domain(), spending.tx_hash(&domain()), block.root());
    assert_eq!(confirm.recover(digest).unwrap(), owner);
    let slot = usize::from(challenge.input_index);
    assert_eq!([spending.tx.input0, spending.tx.input1][slot], challenge.utxo_pos.encode());
    // And it encodes as challengeExit calldata.
    let call = MvpGame::new(wei(1), 1).challenge_call(challenge);
    let decoded = MvpExitGame::challengeExitCall::abi_decode(&call.data).unwrap();
    assert_eq!(decoded.utxoPos, challenge.utxo_pos.encode());
    assert_eq!(decoded.spendingTxPos, challenge.spending_tx_pos.encode());
    assert_eq!(decoded.inputIndex, U256::from(challenge.input_index));
}

#[test]
fn challenge_with_a_confirmation_the_watcher_holds() {
    let mut w = world();
    let tx = w.alice_pays_bob(100);
    // Bob's watcher learns the confirmation Bob received.
    let given = w.alice.given_confirmations()[0];
    assert!(w.watcher.learn_confirmation(given.tx_hash, given.signature).is_empty());

    // Alice tries to exit her spent deposit.
    let exit = deposit_exit(w.alice_d, w.alice.address(), 100);
    let challenges = w.watcher.on_exit_started(&exit);
    assert_eq!(challenges.len(), 1);
    let challenge = &challenges[0];
    assert_eq!(challenge.utxo_pos, w.alice_d);
    assert_eq!(challenge.spending_tx_pos, UtxoPos::tx(1000, 0).unwrap());
    assert_eq!(challenge.input_index, 0);
    check_challenge(&w, challenge, &tx, w.alice.address());
    // Not returned twice, but still available on demand; closed exits are forgotten.
    assert!(w.watcher.on_exit_started(&exit).is_empty());
    assert_eq!(w.watcher.challenge_for(w.alice_d).as_ref(), Some(challenge));
    w.watcher.on_exit_closed(w.alice_d);
    assert_eq!(w.watcher.challenge_for(w.alice_d), None);

    // Bob's honest exit of his unspent output has nothing against it.
    let bob_pos = UtxoPos::new(1000, 0, 0).unwrap();
    let bob_exit = w.bob.exit_args(bob_pos).unwrap();
    let observed = ObservedExit {
        utxo_pos: bob_pos,
        owner: w.bob.address(),
        amount: wei(100),
        exitable_at: 0,
        tx: bob_exit.tx,
        confirm_sigs: bob_exit.confirm_sigs,
    };
    assert!(w.watcher.on_exit_started(&observed).is_empty());
}

#[test]
fn unconfirmed_spend_cannot_be_challenged() {
    let mut w = world();
    let tx = w.alice.pay(w.bob.address(), wei(100), U256::ZERO).unwrap();
    w.op.submit_tx(tx).unwrap();
    w.seal_and_check();
    // Alice never confirmed: her deposit exit stands.
    assert!(w.watcher.on_exit_started(&deposit_exit(w.alice_d, w.alice.address(), 100)).is_empty());
    // A confirmation by someone else does not help.
    let forged = key("mallory").sign_digest(B256::repeat_byte(1));
    let hash = w.op.block(1000).unwrap().block.tx_hash(0).unwrap();
    assert!(w.watcher.learn_confirmation(hash, forged).is_empty());
}

/// Alice self-transfers her deposit to an address she controls (`alice2`), then on to `alice3`,
/// and never hands the confirmations to anyone. Returns the two hops, the wallets, and the exit of
/// hop 1's output that alice2 can still start (she keeps its data after spending it).
fn self_transfers(w: &mut World) -> (SignedTx, SignedTx, Wallet, Wallet, ObservedExit) {
    let mut alice2 = Wallet::new(key("alice2"), domain());
    let mut alice3 = Wallet::new(key("alice3"), domain());
    let hop1 = w.alice.pay(alice2.address(), wei(100), U256::ZERO).unwrap();
    w.op.submit_tx(hop1.clone()).unwrap();
    assert_eq!(w.seal_and_check().status, BlockStatus::Valid);
    let inclusion = w.op.inclusion(hop1.tx_hash(&domain())).unwrap();
    let confirmations = w.alice.confirm(&hop1, inclusion.root).unwrap();
    alice2.receive(&hop1, &inclusion, confirmations).unwrap();
    let hop1_exit = observed(&alice2, UtxoPos::new(1000, 0, 0).unwrap());

    let hop2 = alice2.pay(alice3.address(), wei(100), U256::ZERO).unwrap();
    w.op.submit_tx(hop2.clone()).unwrap();
    assert_eq!(w.seal_and_check().status, BlockStatus::Valid);
    let inclusion = w.op.inclusion(hop2.tx_hash(&domain())).unwrap();
    let confirmations = alice2.confirm(&hop2, inclusion.root).unwrap();
    alice3.receive(&hop2, &inclusion, confirmations).unwrap();
    (hop1, hop2, alice2, alice3, hop1_exit)
}

fn observed(wallet: &Wallet, pos: UtxoPos) -> ObservedExit {
    let exit = wallet.exit_args(pos).unwrap();
    ObservedExit {
        utxo_pos: pos,
        owner: wallet.address(),
        amount: exit.amount(),
        exitable_at: 0,
        tx: exit.tx,
        confirm_sigs: exit.confirm_sigs,
    }
}

/// The drain of protocols.md 1.3, children first: the last hop's exit publishes alice2's
/// confirmation of hop 2, the first hop's exit publishes Alice's confirmation of hop 1. When the
/// parents then try to exit, the watcher challenges them with those published confirmations.
#[test]
fn challenge_via_confirmation_published_by_another_exit() {
    let mut w = world();
    let (hop1, hop2, alice2, alice3, hop1_exit) = self_transfers(&mut w);
    let (hop1_pos, hop2_pos) = (UtxoPos::new(1000, 0, 0).unwrap(), UtxoPos::new(2000, 0, 0).unwrap());

    let last = observed(&alice3, hop2_pos);
    assert_eq!(decode_sig_pair(&last.confirm_sigs).unwrap()[0].unwrap(), alice2.given_confirmations()[0].signature);
    assert!(w.watcher.on_exit_started(&last).is_empty());

    // alice2 cannot exit hop 1's output: she confirmed its spend, and the last exit published it.
    let challenges = w.watcher.on_exit_started(&hop1_exit);
    assert_eq!(challenges.len(), 1, "{challenges:?}");
    assert_eq!((challenges[0].utxo_pos, challenges[0].spending_tx_pos), (hop1_pos, UtxoPos::tx(2000, 0).unwrap()));
    check_challenge(&w, &challenges[0], &hop2, alice2.address());

    // alice2's exit published Alice's confirmation of hop 1: the deposit exit is challenged too.
    let challenges = w.watcher.on_exit_started(&deposit_exit(w.alice_d, w.alice.address(), 100));
    assert_eq!(challenges.len(), 1, "{challenges:?}");
    assert_eq!(challenges[0].utxo_pos, w.alice_d);
    check_challenge(&w, &challenges[0], &hop1, w.alice.address());
}

/// The same drain, parents first: the exit of hop 1's output has nothing against it until the
/// last hop's exit publishes alice2's confirmation of hop 2 (no block carries it: hop 2's output
/// is never spent); `MvpExitGame.startExit` then challenges the parent on the spot, and the
/// watcher closes it instead of sending a challenge that would revert.
#[test]
fn child_exit_closes_the_parent_exit_like_the_contract() {
    let mut w = world();
    let (_, _, _, alice3, hop1_exit) = self_transfers(&mut w);
    let (hop1_pos, hop2_pos) = (UtxoPos::new(1000, 0, 0).unwrap(), UtxoPos::new(2000, 0, 0).unwrap());
    assert!(w.watcher.on_exit_started(&hop1_exit).is_empty());
    assert!(w.watcher.open_exits().contains_key(&hop1_pos));
    assert!(w.watcher.on_exit_started(&observed(&alice3, hop2_pos)).is_empty());
    assert!(!w.watcher.open_exits().contains_key(&hop1_pos));
    assert!(w.watcher.open_exits().contains_key(&hop2_pos));
}

/// The drain along a chain (protocols.md 1.3): Alice pays herself `A → B` (hop 1, to alice2) and
/// `B → C` (hop 2, to alice3), hands no confirmation to anyone, then exits `A` and `C` but never
/// `B`. Hop 2 carries Alice's confirmation of hop 1 as its parent confirmation, so the watcher
/// learns it from hop 2's block and challenges `A`'s exit, whether that exit started before the
/// block was seen or after.
#[rstest]
#[case::exit_after_the_block(false)]
#[case::exit_before_the_block(true)]
fn drain_along_a_chain_is_challenged(#[case] exit_first: bool) {
    let mut w = world();
    let mut alice2 = Wallet::new(key("alice2"), domain());
    let mut alice3 = Wallet::new(key("alice3"), domain());
    let a_exit = deposit_exit(w.alice_d, w.alice.address(), 100);
    let hop1 = w.alice.pay(alice2.address(), wei(100), U256::ZERO).unwrap();
    assert_eq!(hop1.parent_confirmations, [[None, None], [None, None]], "a deposit input has none");
    w.op.submit_tx(hop1.clone()).unwrap();
    assert_eq!(w.seal_and_check().status, BlockStatus::Valid);
    let inclusion = w.op.inclusion(hop1.tx_hash(&domain())).unwrap();
    let confirmations = w.alice.confirm(&hop1, inclusion.root).unwrap();
    alice2.receive(&hop1, &inclusion, confirmations).unwrap();
    if exit_first {
        // The spend of A is known, but not Alice's confirmation of it.
        assert!(w.watcher.on_exit_started(&a_exit).is_empty());
    }

    let hop2 = alice2.pay(alice3.address(), wei(100), U256::ZERO).unwrap();
    assert_eq!(hop2.parent_confirmations, [confirmations, [None, None]]);
    w.op.submit_tx(hop2.clone()).unwrap();
    let report = w.seal_and_check();
    assert_eq!(report.status, BlockStatus::Valid, "{report:?}");
    let challenge = if exit_first {
        assert_eq!(report.challenges.len(), 1, "{report:?}");
        report.challenges[0].clone()
    } else {
        assert!(report.challenges.is_empty());
        let challenges = w.watcher.on_exit_started(&a_exit);
        assert_eq!(challenges.len(), 1, "{challenges:?}");
        challenges[0].clone()
    };
    assert_eq!((challenge.utxo_pos, challenge.spending_tx_pos), (w.alice_d, UtxoPos::tx(1000, 0).unwrap()));
    check_challenge(&w, &challenge, &hop1, w.alice.address());

    // C's exit: nothing new against anyone, and A's challenge is not returned twice.
    let inclusion = w.op.inclusion(hop2.tx_hash(&domain())).unwrap();
    let confirmations = alice2.confirm(&hop2, inclusion.root).unwrap();
    alice3.receive(&hop2, &inclusion, confirmations).unwrap();
    assert!(w.watcher.on_exit_started(&observed(&alice3, UtxoPos::new(2000, 0, 0).unwrap())).is_empty());
    assert_eq!(w.watcher.challenge_for(w.alice_d), Some(challenge));
}

/// A block with a transaction whose parent confirmations are missing, wrong or out of place is
/// invalid: the users exit.
#[rstest]
#[case::stripped("stripped")]
#[case::by_another("by another")]
#[case::other_root("other root")]
#[case::extra("extra")]
fn block_without_valid_parent_confirmations_is_invalid(#[case] case: &str) {
    let mut w = world();
    let to_bob = w.alice_pays_bob(100);
    let bob_out = UtxoPos::new(1000, 0, 0).unwrap();
    let spend = w.bob.pay(key("carol").address(), wei(100), U256::ZERO).unwrap();
    let alice_conf = w.alice.given_confirmations()[0].signature;
    assert_eq!(spend.parent_confirmations, [[Some(alice_conf), None], [None, None]]);
    let hash = to_bob.tx_hash(&domain());
    let root = w.op.block(1000).unwrap().block.root();
    let (parents, reason) = match case {
        "stripped" => ([None, None], Invalidity::MissingParentConfirmation { slot: 0, parent_slot: 0 }),
        "by another" => {
            let forged = key("mallory").sign_digest(confirmation_digest(&domain(), hash, root));
            ([Some(forged), None], Invalidity::BadParentConfirmation { slot: 0, parent_slot: 0 })
        }
        "other root" => {
            let elsewhere = key("alice").sign_digest(confirmation_digest(&domain(), hash, B256::repeat_byte(3)));
            ([Some(elsewhere), None], Invalidity::BadParentConfirmation { slot: 0, parent_slot: 0 })
        }
        "extra" => {
            ([Some(alice_conf), Some(alice_conf)], Invalidity::UnexpectedParentConfirmation { slot: 0, parent_slot: 1 })
        }
        other => unreachable!("{other}"),
    };
    let bad = spend.clone().with_parent_confirmations([parents, [None, None]]);
    assert!(matches!(w.op.submit_tx(bad.clone()), Err(MvpError::InvalidTx(r)) if r == reason));
    let report = w.include_and_check(bad);
    assert_eq!(report.status, BlockStatus::Invalid);
    assert_eq!(report.findings, vec![Finding::InvalidTx { blknum: 2000, txindex: 0, reason }]);
    // The spend is not applied: Bob's output is still his, and he must exit it.
    assert_eq!(report.exit_now, vec![bob_out]);
    assert_eq!(w.watcher.first_fault(), Some(2000));
}

#[test]
fn parent_confirmations_on_a_deposit_spend_make_the_block_invalid() {
    let mut w = world();
    let junk = key("alice").sign_digest(B256::repeat_byte(9));
    let tx = w.alice.pay(w.bob.address(), wei(100), U256::ZERO).unwrap();
    let report = w.include_and_check(tx.with_parent_confirmations([[None, None], [Some(junk), None]]));
    assert_eq!(
        report.findings,
        vec![Finding::InvalidTx {
            blknum: 1000,
            txindex: 0,
            reason: Invalidity::UnexpectedParentConfirmation { slot: 1, parent_slot: 0 },
        }]
    );
    assert_eq!(report.exit_now, vec![w.alice_d]);
}

#[test]
fn malformed_published_confirmations_are_ignored() {
    let mut w = world();
    w.alice_pays_bob(100);
    let exit = ObservedExit {
        utxo_pos: UtxoPos::new(1000, 0, 0).unwrap(),
        owner: w.bob.address(),
        amount: wei(100),
        exitable_at: 0,
        tx: w.op.block(1000).unwrap().block.txs()[0].tx.clone(),
        confirm_sigs: Bytes::from(vec![7u8; 99]),
    };
    assert!(w.watcher.on_exit_started(&exit).is_empty());
    assert!(w.watcher.on_exit_started(&deposit_exit(w.alice_d, w.alice.address(), 100)).is_empty());
}

/// docs/security.md (client duties): the operator puts a spend of Alice's deposit she never signed
/// ahead of her honest payment to Bob, in one block. Alice's wallet confirms only a block her
/// watcher validated: this one is invalid, so she confirms nothing (and exits her deposit, older
/// than the forged output).
#[test]
fn a_payer_confirms_nothing_in_a_block_its_watcher_did_not_validate() {
    let mut w = world();
    w.mallory_steals_alices_deposit();
    let honest = w.alice.pay(w.bob.address(), wei(100), U256::ZERO).unwrap();
    w.op.include_unchecked(honest.clone()).unwrap();
    let (root, event) = w.submit();
    // Not validated yet: no confirmation.
    let refused = w.alice.confirm_validated(&honest, root, event.blknum, &w.watcher).unwrap_err();
    assert!(matches!(refused, MvpError::NotValidated(1000)), "{refused}");
    // Validated as invalid: still none, and Alice's watcher tells her to exit her deposit.
    let report = w.watcher.sync(&w.op).unwrap().remove(0);
    assert_eq!(report.status, BlockStatus::Invalid);
    assert!(report.exit_now.contains(&w.alice_d));
    let refused = w.alice.confirm_validated(&honest, root, event.blknum, &w.watcher).unwrap_err();
    assert!(matches!(refused, MvpError::NotValidated(1000)), "{refused}");
}

#[test]
fn a_spend_committed_after_the_exit_started_is_invalid() {
    // Alice exits her deposit (the exit may already be paid), then the operator includes her
    // signed spend of it: the value is gone from the chain, so the block is invalid and the users
    // exit, ahead of the output the spend made.
    let mut w = world();
    let exit = deposit_exit(w.alice_d, w.alice.address(), 100);
    assert!(w.watcher.on_exit_started(&exit).is_empty());
    let spend = w.alice.sign(payment(w.alice_d, w.bob.address(), 100)).unwrap();
    let report = w.include_and_check(spend);
    assert_eq!(report.status, BlockStatus::Invalid);
    assert_eq!(
        report.findings,
        vec![Finding::InvalidTx { blknum: 1000, txindex: 0, reason: Invalidity::ExitingInput(w.alice_d) }]
    );
    assert_eq!(w.watcher.first_fault(), Some(1000));
}

#[test]
fn a_spend_committed_before_the_exit_started_stands_and_challenges_it() {
    // The block holding Alice's payment was committed before her exit of the spent deposit
    // started (the watcher reads its data only later): the payment is valid, and it challenges
    // the exit once Alice's confirmation is known.
    let mut w = world();
    let tx = w.alice.pay(w.bob.address(), wei(100), U256::ZERO).unwrap();
    w.op.submit_tx(tx.clone()).unwrap();
    w.submit();
    // The exit is seen before the block's data.
    assert!(w.watcher.on_exit_started(&deposit_exit(w.alice_d, w.alice.address(), 100)).is_empty());
    let mut reports = w.watcher.sync(&w.op).unwrap();
    assert_eq!(reports.remove(0).status, BlockStatus::Valid);
    settle(&w.op, &tx, &mut w.alice, &mut [&mut w.bob]);
    let given = w.alice.given_confirmations()[0];
    let challenges = w.watcher.learn_confirmation(given.tx_hash, given.signature);
    assert_eq!(challenges.len(), 1);
    assert_eq!(challenges[0].utxo_pos, w.alice_d);
}

#[test]
fn the_operator_drops_a_queued_spend_of_an_output_whose_exit_started() {
    let mut w = world();
    let tx = w.alice.pay(w.bob.address(), wei(100), U256::ZERO).unwrap();
    w.op.submit_tx(tx).unwrap();
    assert!(w.op.on_exit_started(w.alice_d));
    let report = w.seal_and_check();
    assert_eq!(report.status, BlockStatus::Valid);
    assert_eq!(w.op.block(1000).unwrap().block.len(), 0);
    assert!(w.op.submit_tx(w.alice.sign(payment(w.alice_d, w.bob.address(), 100)).unwrap()).is_err());
}
