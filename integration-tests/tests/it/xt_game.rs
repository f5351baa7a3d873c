//! `XtExitGame` on the EVM, independent of the Rust Plasma XT crate: coin transactions are built
//! with the binding's `CashTx`, checkpoint state trees with `SparseTree` over
//! `keccak256(abi.encode(owner, lastMoved))`, sign-offs with `plasma-core`'s EIP-712 signer
//! (checked against the contract's `signOffHash`), then checkpoints are proposed, challenged,
//! answered, voided and finalised, and coins exit from them (`docs/xt.md`). Plasma Cash's main
//! lifecycles and the XT lifecycle run on both backends; every XT revert reason, the cap and the
//! scenarios of protocols.md 4.3 on the embedded EVM; the gas test runs on both and requires the
//! same figures, with checkpoints of 1,024- and 8,192-coin zones.

// Fixture helpers outside `#[test]` functions: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolConstructor, SolValue, sol};
use plasma_contracts::{
    PlasmaFramework as Fw,
    XtExitGame::{self as Game, CashTx, CheckpointState, Included},
};
use plasma_core::SparseTree;
use plasma_integration_tests::GameCalls;
use plasma_integration_tests::{
    Coin, TestResult, XtCheckpoint, XtDeployment, coin_exit_id as exit_id, eth, events, gas_on_both_backends,
    xt_checkpoint_exit,
};
use plasma_rootchain::Receipt;
use rstest::rstest;

sol! {
    /// The sign-off an owner signs (docs/xt.md).
    struct CheckpointSignOff {
        uint64 blknum;
        bytes32 stateRoot;
        uint64 coinId;
    }
}

#[derive(Clone, Debug)]
struct Moved {
    tx: CashTx,
    blknum: u64,
    sig: Bytes,
}

/// A proposed checkpoint with the data its users keep.
type Cp = XtCheckpoint;

fn state_leaf(owner: Address, last_moved: u64) -> B256 {
    keccak256((owner, last_moved).abi_encode())
}

/// A bitmap of `zone_size` bits with the bits of `set` (offsets in the zone) set.
fn bitmap(zone_size: u64, set: &[u64]) -> Bytes {
    let mut bytes = vec![0u8; zone_size.div_ceil(8) as usize];
    for i in set {
        bytes[(i / 8) as usize] |= 1 << (i % 8);
    }
    bytes.into()
}

fn none() -> Included {
    Included { tx: CashTx { coinId: 0, prevBlock: 0, newOwner: Address::ZERO }, blknum: 0, proof: Bytes::new() }
}

struct Xt {
    t: XtDeployment,
    trees: HashMap<u64, SparseTree>,
}

impl Xt {
    async fn new(backend: &str) -> TestResult<Self> {
        Ok(Self { t: XtDeployment::new(backend).await?, trees: HashMap::new() })
    }

    async fn with_cap(backend: &str, cap: u32) -> TestResult<Self> {
        Ok(Self { t: XtDeployment::with_cap(backend, cap).await?, trees: HashMap::new() })
    }

    fn sign(&self, signer: usize, tx: &CashTx) -> Bytes {
        self.t.keys[signer].sign_typed(&self.t.domain(), tx).to_bytes().to_vec().into()
    }

    async fn deposit(&mut self, user: usize, amount: U256) -> TestResult<Coin> {
        let depositor = self.t.user(user);
        let id = self.t.deposit(depositor, amount).await?;
        Ok(Coin { id, depositor, amount })
    }

    async fn block(&mut self, txs: &[&CashTx]) -> TestResult<u64> {
        let domain = self.t.domain();
        let tree = SparseTree::from_leaves(txs.iter().map(|tx| (tx.coinId, domain.hash_typed(*tx))))?;
        let blknum = self.t.submit_block(tree.root()).await?;
        self.trees.insert(blknum, tree);
        Ok(blknum)
    }

    fn inc(&self, moved: &Moved) -> Included {
        let proof = self.trees.get(&moved.blknum).map(|t| t.proof(moved.tx.coinId).to_bytes()).unwrap_or_default();
        Included { tx: moved.tx, blknum: moved.blknum, proof }
    }

    async fn moved(&mut self, coin: &Coin, prev: u64, signer: usize, to: Address) -> TestResult<Moved> {
        let tx = CashTx { coinId: coin.id, prevBlock: prev, newOwner: to };
        let sig = self.sign(signer, &tx);
        let blknum = self.block(&[&tx]).await?;
        Ok(Moved { tx, blknum, sig })
    }

    async fn pay(&mut self, coin: &Coin, prev: u64, from: usize, to: usize) -> TestResult<Moved> {
        let to = self.t.user(to);
        self.moved(coin, prev, from, to).await
    }

    fn deposit_form(coin: &Coin) -> Included {
        Included {
            tx: CashTx { coinId: coin.id, prevBlock: 0, newOwner: coin.depositor },
            blknum: coin.id,
            proof: Bytes::new(),
        }
    }

    /// Proposes (as the operator) a checkpoint of `blknum` over the zone `[0, zone_size)` stating
    /// `states` `(coin, owner, lastMoved)`, with the bits of `bits` set.
    async fn propose(
        &mut self,
        blknum: u64,
        zone_size: u64,
        states: &[(u64, Address, u64)],
        bits: &[u64],
    ) -> TestResult<(Cp, Receipt)> {
        let tree = SparseTree::from_leaves(states.iter().map(|(c, o, l)| (*c, state_leaf(*o, *l))))?;
        let (root, bitmap) = (tree.root(), bitmap(zone_size, bits));
        let call = Game::proposeCheckpointCall {
            blknum,
            zoneStart: 0,
            zoneSize: zone_size,
            stateRoot: root,
            bitmap: bitmap.clone(),
        };
        let (operator, bond) = (self.t.operator(), self.t.checkpoint_bond);
        let receipt = self.t.game_send(operator, call, bond).await?;
        let id = events::<Game::CheckpointProposed>(&receipt)[0].checkpointId;
        Ok((Cp { id, blknum, root, bitmap, tree }, receipt))
    }

    fn state(cp: &Cp, coin: u64, owner: Address, last_moved: u64) -> CheckpointState {
        CheckpointState {
            checkpointId: cp.id,
            bitmap: cp.bitmap.clone(),
            owner,
            lastMoved: last_moved,
            proof: cp.tree.proof(coin).to_bytes(),
        }
    }

    fn sign_off(&self, signer: usize, cp: &Cp, coin: u64) -> Bytes {
        let message = CheckpointSignOff { blknum: cp.blknum, stateRoot: cp.root, coinId: coin };
        self.t.keys[signer].sign_typed(&self.t.domain(), &message).to_bytes().to_vec().into()
    }

    fn challenge_call(cp: &Cp, latest: Included, amount: U256) -> Game::challengeCheckpointCall {
        Game::challengeCheckpointCall { checkpointId: cp.id, bitmap: cp.bitmap.clone(), latest, amount }
    }

    async fn challenge(&mut self, from: Address, cp: &Cp, latest: Included, amount: U256) -> TestResult<Receipt> {
        let bond = self.t.challenge_bond;
        self.t.game_send(from, Self::challenge_call(cp, latest, amount), bond).await
    }

    async fn finalize(&mut self, cp: &Cp) -> TestResult<Receipt> {
        let from = self.t.user(8);
        self.t.game_send(from, Game::finalizeCheckpointCall { checkpointId: cp.id }, U256::ZERO).await
    }

    async fn checkpoint(&self, cp: &Cp) -> TestResult<Game::checkpointsReturn> {
        self.t.game_view(Game::checkpointsCall { checkpointId: cp.id }).await
    }

    async fn bonds_burned(&self) -> TestResult<U256> {
        self.t.framework_view(Fw::bondsBurnedCall {}).await
    }

    /// Alice deposits a coin and pays it to Bob, an unrelated coin moves, and the operator
    /// proposes a checkpoint of the last block stating Bob (signed off: bit set) and finalises it.
    async fn honest_checkpoint(&mut self) -> TestResult<(Coin, Moved, Cp)> {
        let coin = self.deposit(0, eth(1)).await?;
        let to_bob = self.pay(&coin, coin.id, 0, 1).await?;
        let k = self.block(&[]).await?;
        let bob = self.t.user(1);
        let (cp, _) = self.propose(k, 1024, &[(coin.id, bob, to_bob.blknum)], &[coin.id]).await?;
        let proposed = self.t.now().await?;
        self.t.next_tx_at(proposed + self.t.checkpoint_period).await?;
        self.finalize(&cp).await?;
        Ok((coin, to_bob, cp))
    }
}

// -------------------------------------------------------------------------------------------------
// Plasma Cash still holds on XT (both backends)
// -------------------------------------------------------------------------------------------------

#[rstest]
#[tokio::test]
async fn cash_exits_and_challenges_still_work_on_xt(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut c = Xt::new(backend).await?;
    let (alice, bob, eve, eve2) = (c.t.user(0), c.t.user(1), c.t.user(4), c.t.user(5));
    let bond = c.t.exit_bond;
    // A deposit exit is paid.
    let first = c.deposit(0, eth(1)).await?;
    c.t.game_send(alice, Game::startDepositExitCall { coinId: first.id, amount: first.amount }, bond).await?;
    // A forged history is challenged with the deposit... of Bob's coin: Alice -> Bob, forged Bob -> Eve -> Eve2.
    let coin = c.deposit(0, eth(2)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    let forged = c.moved(&coin, to_bob.blknum, 4, eve).await?;
    let to_eve2 = c.pay(&coin, forged.blknum, 4, 5).await?;
    let call = Game::startExitCall {
        coinId: coin.id,
        depositor: coin.depositor,
        amount: coin.amount,
        parent: c.inc(&forged),
        exiting: c.inc(&to_eve2),
        exitingSig: to_eve2.sig.clone(),
    };
    c.t.game_send(eve2, call, bond).await?;
    let started = c.t.now().await?;
    let earlier = c.inc(&to_bob);
    let receipt =
        c.t.game_send(bob, Game::challengeHistoryCall { coinId: coin.id, earlier }, c.t.challenge_bond).await?;
    assert_eq!(events::<Game::HistoryChallenged>(&receipt)[0].owner, bob);
    c.t.next_tx_at(started + c.t.min_exit_period).await?;
    let receipt = c.t.process(10).await?;
    let paid: Vec<_> = events::<Game::ExitFinalized>(&receipt).iter().map(|e| (e.coinId, e.owner, e.paid)).collect();
    assert_eq!(paid, vec![(first.id, alice, true)]);
    let cancelled: Vec<_> = events::<Game::ExitCancelled>(&receipt).iter().map(|e| e.beneficiary).collect();
    assert_eq!(cancelled, vec![bob]);
    assert_eq!(c.t.withdrawable(bob).await?, c.t.exit_bond + c.t.challenge_bond);
    // Bob exits with his transaction, from the deposit origin; a spent-coin challenge still works.
    let call = Game::startExitCall {
        coinId: coin.id,
        depositor: coin.depositor,
        amount: coin.amount,
        parent: none(),
        exiting: c.inc(&to_bob),
        exitingSig: to_bob.sig.clone(),
    };
    let receipt = c.t.game_send(bob, call, bond).await?;
    assert_eq!(events::<Game::ExitStarted>(&receipt)[0].exitId, exit_id(2, coin.id));
    assert_eq!(c.t.game_view(Game::exitOriginCall { exitId: exit_id(2, coin.id) }).await?, 0);
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Checkpoint lifecycle (both backends)
// -------------------------------------------------------------------------------------------------

#[rstest]
#[tokio::test]
async fn an_honest_checkpoint_finalises_and_coins_exit_from_it(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut c = Xt::new(backend).await?;
    let (alice, bob, carol, dave) = (c.t.user(0), c.t.user(1), c.t.user(2), c.t.user(3));
    let operator = c.t.operator();
    let domain = c.t.domain();
    // Three coins: A stays with Alice, B goes Alice -> Bob, C goes Alice -> Carol.
    let a = c.deposit(0, eth(1)).await?;
    let b = c.deposit(0, eth(2)).await?;
    let cc = c.deposit(0, eth(3)).await?;
    let to_bob = c.pay(&b, b.id, 0, 1).await?;
    let to_carol = c.pay(&cc, cc.id, 0, 2).await?;
    let k = c.block(&[]).await?;
    let states = [(a.id, alice, a.id), (b.id, bob, to_bob.blknum), (cc.id, carol, to_carol.blknum)];
    let (cp, receipt) = c.propose(k, 1024, &states, &[a.id, b.id, cc.id]).await?;
    let proposed = c.t.now().await?;
    let event = &events::<Game::CheckpointProposed>(&receipt)[0];
    assert_eq!(
        (event.checkpointId, event.blknum, event.zoneStart, event.zoneSize, event.stateRoot),
        (U256::from(1), k, 0, 1024, cp.root)
    );
    assert_eq!((event.bitmap.clone(), event.finalizableAt), (cp.bitmap.clone(), proposed + c.t.checkpoint_period));
    let view = c.checkpoint(&cp).await?;
    assert_eq!((view.blknum, view.stateRoot, view.bitmapHash), (k, cp.root, keccak256(&cp.bitmap)));
    assert_eq!((view.proposer, view.proposedAt, view.status, view.pendingCount), (operator, proposed, 1, 0));
    assert_eq!(c.t.bonds_held().await?, c.t.checkpoint_bond);
    // Rust and the contract agree on the sign-off digest and the state leaf.
    let message = CheckpointSignOff { blknum: k, stateRoot: cp.root, coinId: b.id };
    let on_chain = c.t.game_view(Game::signOffHashCall { blknum: k, stateRoot: cp.root, coinId: b.id }).await?;
    assert_eq!(on_chain, domain.hash_typed(&message));
    let leaf = c.t.game_view(Game::stateLeafCall { owner: bob, lastMoved: to_bob.blknum }).await?;
    assert_eq!(leaf, state_leaf(bob, to_bob.blknum));

    // One second early it cannot be finalised; then it is, and the bond goes back.
    c.t.next_tx_at(proposed + c.t.checkpoint_period - 1).await?;
    let call = Game::finalizeCheckpointCall { checkpointId: cp.id };
    assert_eq!(c.t.game_revert(dave, call, U256::ZERO).await?, "too early");
    let receipt = c.finalize(&cp).await?;
    let event = &events::<Game::CheckpointFinalized>(&receipt)[0];
    assert_eq!((event.checkpointId, event.blknum), (cp.id, k));
    assert_eq!(c.checkpoint(&cp).await?.status, 2);
    assert_eq!(c.t.withdrawable(operator).await?, c.t.checkpoint_bond);

    // Alice exits coin A from the checkpoint state itself.
    let bond = c.t.exit_bond;
    let call = xt_checkpoint_exit(&a, Xt::state(&cp, a.id, alice, a.id), none(), none(), Bytes::new());
    let receipt = c.t.game_send(alice, call, bond).await?;
    let started = &events::<Game::ExitStarted>(&receipt)[0];
    assert_eq!((started.owner, started.eBlk, started.pBlk), (alice, a.id, 0));
    let origin = &events::<Game::ExitOriginSet>(&receipt)[0];
    assert_eq!((origin.coinId, origin.exitId, origin.checkpointId, origin.blknum), (a.id, exit_id(1, a.id), cp.id, k));
    assert_eq!(c.t.game_view(Game::exitOriginCall { exitId: exit_id(1, a.id) }).await?, k);
    // Bob pays Dave after the checkpoint; Dave exits with the checkpoint state as P(C).
    let to_dave = c.pay(&b, to_bob.blknum, 1, 3).await?;
    let origin = Xt::state(&cp, b.id, bob, to_bob.blknum);
    let call = xt_checkpoint_exit(&b, origin, none(), c.inc(&to_dave), to_dave.sig.clone());
    let receipt = c.t.game_send(dave, call, bond).await?;
    let started = &events::<Game::ExitStarted>(&receipt)[0];
    assert_eq!((started.owner, started.eBlk, started.pBlk, started.pOwner), (dave, to_dave.blknum, to_bob.blknum, bob));
    // Carol -> Dave -> Bob after the checkpoint; Bob exits with P(C) after it.
    let c_to_dave = c.pay(&cc, to_carol.blknum, 2, 3).await?;
    let c_to_bob = c.pay(&cc, c_to_dave.blknum, 3, 1).await?;
    let origin = Xt::state(&cp, cc.id, carol, to_carol.blknum);
    let call = xt_checkpoint_exit(&cc, origin, c.inc(&c_to_dave), c.inc(&c_to_bob), c_to_bob.sig.clone());
    c.t.game_send(bob, call, bond).await?;
    // History challenges of a checkpoint-origin exit stop at the checkpoint.
    let earlier = c.inc(&to_carol);
    let call = Game::challengeHistoryCall { coinId: cc.id, earlier };
    assert_eq!(c.t.game_revert(alice, call, c.t.challenge_bond).await?, "bad order");

    c.t.next_tx_at(c.t.now().await? + c.t.min_exit_period).await?;
    let receipt = c.t.process(10).await?;
    let paid: Vec<_> = events::<Game::ExitFinalized>(&receipt).iter().map(|e| (e.coinId, e.owner, e.paid)).collect();
    assert_eq!(paid, vec![(a.id, alice, true), (b.id, dave, true), (cc.id, bob, true)]);
    assert_eq!(c.t.withdrawable(dave).await?, eth(2) + bond);
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Checkpoint challenges (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_false_bit_left_unanswered_voids_the_checkpoint() -> TestResult {
    let mut c = Xt::new("embedded").await?;
    let (bob, eve) = (c.t.user(1), c.t.user(4));
    let operator = c.t.operator();
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    let k = c.block(&[]).await?;
    // The operator names Eve as the owner and claims she signed; Bob (offline or not) did not sign.
    let (cp, _) = c.propose(k, 1024, &[(coin.id, eve, to_bob.blknum)], &[coin.id]).await?;
    let proposed = c.t.now().await?;
    let receipt = c.challenge(bob, &cp, c.inc(&to_bob), U256::ZERO).await?;
    let challenged_at = c.t.now().await?;
    let event = &events::<Game::CheckpointChallenged>(&receipt)[0];
    let rc = c.t.checkpoint_period / 4;
    assert_eq!(
        (event.checkpointId, event.coinId, event.challenger, event.blknum, event.owner, event.deadline),
        (cp.id, coin.id, bob, to_bob.blknum, bob, challenged_at + rc)
    );
    let view =
        c.t.game_view(Game::checkpointChallengeCall { checkpointId: cp.id, coinId: coin.id, blknum: to_bob.blknum });
    let view = view.await?;
    assert_eq!((view.challenger, view.owner, view.deadline), (bob, bob, challenged_at + rc));
    assert_eq!(c.checkpoint(&cp).await?.pendingCount, 1);
    // Eve's sign-off does not answer Bob's challenge; nor does a late answer.
    let sig = c.sign_off(4, &cp, coin.id);
    let call =
        Game::respondCheckpointSignOffCall { checkpointId: cp.id, coinId: coin.id, challengeBlk: to_bob.blknum, sig };
    assert_eq!(c.t.game_revert(operator, call.clone(), U256::ZERO).await?, "bad signature");
    c.t.next_tx_at(challenged_at + rc).await?;
    assert_eq!(c.t.game_revert(operator, call, U256::ZERO).await?, "too late");

    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    let receipt = c.finalize(&cp).await?;
    let event = &events::<Game::CheckpointVoided>(&receipt)[0];
    // Nobody is paid for a void checkpoint: its bond is burned, the challenge bond refunded.
    assert_eq!((event.checkpointId, event.beneficiary, event.reason), (cp.id, Address::ZERO, 1));
    assert_eq!(c.checkpoint(&cp).await?.status, 3);
    assert_eq!(c.t.withdrawable(bob).await?, c.t.challenge_bond);
    assert_eq!(c.t.withdrawable(operator).await?, U256::ZERO);
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    assert_eq!(c.bonds_burned().await?, c.t.checkpoint_bond);
    // A void checkpoint is no origin.
    let call = xt_checkpoint_exit(&coin, Xt::state(&cp, coin.id, eve, to_bob.blknum), none(), none(), Bytes::new());
    assert_eq!(c.t.game_revert(eve, call, c.t.exit_bond).await?, "not finalized");
    Ok(())
}

#[tokio::test]
async fn an_owner_who_signed_loses_the_challenge_to_the_sign_off() -> TestResult {
    let mut c = Xt::new("embedded").await?;
    let bob = c.t.user(1);
    let operator = c.t.operator();
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    let k = c.block(&[]).await?;
    let (cp, _) = c.propose(k, 1024, &[(coin.id, bob, to_bob.blknum)], &[coin.id]).await?;
    let proposed = c.t.now().await?;
    c.challenge(bob, &cp, c.inc(&to_bob), U256::ZERO).await?;
    let sig = c.sign_off(1, &cp, coin.id);
    let call =
        Game::respondCheckpointSignOffCall { checkpointId: cp.id, coinId: coin.id, challengeBlk: to_bob.blknum, sig };
    let receipt = c.t.game_send(operator, call.clone(), U256::ZERO).await?;
    let event = &events::<Game::CheckpointChallengeAnswered>(&receipt)[0];
    assert_eq!((event.responder, event.challengeBlk, event.kind), (operator, to_bob.blknum, 1));
    assert_eq!(c.t.withdrawable(operator).await?, c.t.challenge_bond);
    assert_eq!(c.t.game_revert(operator, call, U256::ZERO).await?, "no such challenge");
    // The same pair cannot be challenged again.
    let repeat = Xt::challenge_call(&cp, c.inc(&to_bob), U256::ZERO);
    assert_eq!(c.t.game_revert(bob, repeat, c.t.challenge_bond).await?, "already challenged");
    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    assert_eq!(events::<Game::CheckpointFinalized>(&c.finalize(&cp).await?).len(), 1);
    assert_eq!(c.t.withdrawable(operator).await?, c.t.challenge_bond + c.t.checkpoint_bond);
    Ok(())
}

#[tokio::test]
async fn a_later_transaction_answers_a_stale_challenge() -> TestResult {
    let mut c = Xt::new("embedded").await?;
    let (alice, bob) = (c.t.user(0), c.t.user(1));
    let operator = c.t.operator();
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    let k = c.block(&[]).await?;
    let (cp, _) = c.propose(k, 1024, &[(coin.id, bob, to_bob.blknum)], &[coin.id]).await?;
    // Alice challenges with her deposit; the operator answers with her spend to Bob.
    let receipt = c.challenge(alice, &cp, Xt::deposit_form(&coin), coin.amount).await?;
    assert_eq!(events::<Game::CheckpointChallenged>(&receipt)[0].blknum, coin.id);
    let call = Game::respondCheckpointSpendCall {
        checkpointId: cp.id,
        coinId: coin.id,
        challengeBlk: coin.id,
        spend: c.inc(&to_bob),
        sig: to_bob.sig.clone(),
    };
    let receipt = c.t.game_send(operator, call, U256::ZERO).await?;
    assert_eq!(events::<Game::CheckpointChallengeAnswered>(&receipt)[0].kind, 2);
    let revealed = &events::<Game::CheckpointSpendRevealed>(&receipt)[0];
    assert_eq!((revealed.tx, revealed.blknum, revealed.sig.clone()), (to_bob.tx, to_bob.blknum, to_bob.sig.clone()));
    assert_eq!(c.checkpoint(&cp).await?.pendingCount, 0);
    assert_eq!(c.t.withdrawable(operator).await?, c.t.challenge_bond);
    Ok(())
}

/// Three owners challenge three false bits with a cap of two: the third challenge caps the
/// checkpoint (no further challenge, void at its end); nobody can answer, so at finalisation it is
/// void for the cap, every challenge bond comes back and the checkpoint bond is burned.
#[tokio::test]
async fn more_challenges_than_the_cap_void_the_checkpoint() -> TestResult {
    let mut c = Xt::with_cap("embedded", 2).await?;
    let operator = c.t.operator();
    let mut coins = Vec::new();
    for user in 0..3 {
        coins.push(c.deposit(user, eth(1)).await?);
    }
    let k = c.block(&[]).await?;
    let eve = c.t.user(4);
    let states: Vec<_> = coins.iter().map(|coin| (coin.id, eve, coin.id)).collect();
    let ids: Vec<_> = coins.iter().map(|coin| coin.id).collect();
    let (cp, _) = c.propose(k, 1000, &states, &ids).await?;
    let proposed = c.t.now().await?;
    for (n, coin) in coins.iter().take(2).enumerate() {
        c.challenge(c.t.user(n), &cp, Xt::deposit_form(coin), coin.amount).await?;
    }
    assert_eq!(c.checkpoint(&cp).await?.pendingCount, 2);
    let receipt = c.challenge(c.t.user(2), &cp, Xt::deposit_form(&coins[2]), coins[2].amount).await?;
    assert_eq!(events::<Game::CheckpointCapped>(&receipt).len(), 1);
    assert!(events::<Game::CheckpointVoided>(&receipt).is_empty(), "a cap no longer voids at once");
    let view = c.checkpoint(&cp).await?;
    assert_eq!((view.status, view.pendingCount), (1, 3));
    assert!(c.t.game_view(Game::isCappedCall { checkpointId: cp.id }).await?);
    let other = c.deposit(5, eth(1)).await?;
    let call = Xt::challenge_call(&cp, Xt::deposit_form(&other), other.amount);
    assert_eq!(c.t.game_revert(c.t.user(5), call, c.t.challenge_bond).await?, "capped");

    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    let receipt = c.finalize(&cp).await?;
    let event = &events::<Game::CheckpointVoided>(&receipt)[0];
    assert_eq!((event.beneficiary, event.reason), (Address::ZERO, 2));
    let view = c.checkpoint(&cp).await?;
    assert_eq!((view.status, view.pendingCount), (3, 0));
    for n in 0..3 {
        assert_eq!(c.t.withdrawable(c.t.user(n)).await?, c.t.challenge_bond);
    }
    assert_eq!(c.t.withdrawable(operator).await?, U256::ZERO);
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    assert_eq!(c.bonds_burned().await?, c.t.checkpoint_bond);
    let call = Xt::challenge_call(&cp, Xt::deposit_form(&coins[0]), coins[0].amount);
    assert_eq!(c.t.game_revert(c.t.user(0), call, c.t.challenge_bond).await?, "not open");
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Checkpoints as origins: forged post-checkpoint history, stale exits (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_forged_exit_after_the_checkpoint_is_challenged_with_the_checkpoint_state() -> TestResult {
    let mut c = Xt::new("embedded").await?;
    let (bob, eve, eve2) = (c.t.user(1), c.t.user(4), c.t.user(5));
    let (coin, to_bob, cp) = c.honest_checkpoint().await?;
    // The operator forges Bob -> Eve after the checkpoint, then Eve -> Eve2, and exits from the
    // checkpoint origin (and, to show both origins, the deposit origin is answered the same way).
    let forged = c.moved(&coin, to_bob.blknum, 4, eve).await?;
    let to_eve2 = c.pay(&coin, forged.blknum, 4, 5).await?;
    let origin = Xt::state(&cp, coin.id, bob, to_bob.blknum);
    let call = xt_checkpoint_exit(&coin, origin.clone(), c.inc(&forged), c.inc(&to_eve2), to_eve2.sig.clone());
    c.t.game_send(eve2, call, c.t.exit_bond).await?;
    let started = c.t.now().await?;
    // Bob's history is pruned to the checkpoint: he challenges with the checkpoint state.
    let call = Game::challengeHistoryAtCheckpointCall { coinId: coin.id, state: origin.clone() };
    let receipt = c.t.game_send(bob, call.clone(), c.t.challenge_bond).await?;
    let event = &events::<Game::HistoryChallenged>(&receipt)[0];
    assert_eq!((event.blknum, event.owner), (to_bob.blknum, bob));
    assert_eq!(c.t.game_revert(bob, call, c.t.challenge_bond).await?, "already challenged");
    c.t.next_tx_at(started + c.t.min_exit_period).await?;
    let receipt = c.t.process(10).await?;
    assert_eq!(events::<Game::ExitCancelled>(&receipt)[0].beneficiary, bob);
    assert_eq!(c.t.withdrawable(bob).await?, c.t.exit_bond + c.t.challenge_bond);
    Ok(())
}

#[tokio::test]
async fn an_honest_exit_answers_the_checkpoint_state_challenge() -> TestResult {
    let mut c = Xt::new("embedded").await?;
    let (bob, carol, dave, griefer) = (c.t.user(1), c.t.user(2), c.t.user(3), c.t.user(8));
    let (coin, to_bob, cp) = c.honest_checkpoint().await?;
    let to_carol = c.pay(&coin, to_bob.blknum, 1, 2).await?;
    let to_dave = c.pay(&coin, to_carol.blknum, 2, 3).await?;
    let origin = Xt::state(&cp, coin.id, bob, to_bob.blknum);
    let call = xt_checkpoint_exit(&coin, origin.clone(), c.inc(&to_carol), c.inc(&to_dave), to_dave.sig.clone());
    c.t.game_send(dave, call, c.t.exit_bond).await?;
    let call = Game::challengeHistoryAtCheckpointCall { coinId: coin.id, state: origin };
    c.t.game_send(griefer, call, c.t.challenge_bond).await?;
    let respond = Game::respondHistoryCall {
        coinId: coin.id,
        challengeBlk: to_bob.blknum,
        response: c.inc(&to_carol),
        sig: to_carol.sig.clone(),
    };
    c.t.game_send(dave, respond, U256::ZERO).await?;
    assert_eq!(c.t.withdrawable(dave).await?, c.t.challenge_bond);
    let _ = carol;
    Ok(())
}

#[tokio::test]
async fn a_stale_exit_is_cancelled_and_a_consistent_one_is_not() -> TestResult {
    let mut c = Xt::new("embedded").await?;
    let (alice, bob, carol, canceller) = (c.t.user(0), c.t.user(1), c.t.user(2), c.t.user(8));
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    let k = c.block(&[]).await?;
    let (cp, _) = c.propose(k, 1024, &[(coin.id, bob, to_bob.blknum)], &[coin.id]).await?;
    let proposed = c.t.now().await?;
    // Alice exits her deposit (spent to Bob before K) from the deposit origin.
    c.t.game_send(alice, Game::startDepositExitCall { coinId: coin.id, amount: coin.amount }, c.t.exit_bond).await?;
    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    c.finalize(&cp).await?;
    let state = Xt::state(&cp, coin.id, bob, to_bob.blknum);
    let call = Game::cancelStaleExitCall { coinId: coin.id, state: state.clone() };
    let receipt = c.t.game_send(canceller, call.clone(), U256::ZERO).await?;
    let event = &events::<Game::ExitChallenged>(&receipt)[0];
    assert_eq!((event.coinId, event.challenger, event.kind), (coin.id, canceller, 3));
    // The bond goes to the state's owner (Bob), not to the canceller.
    assert_eq!(c.t.withdrawable(canceller).await?, U256::ZERO);
    assert_eq!(c.t.withdrawable(bob).await?, c.t.exit_bond);
    assert_eq!(c.t.game_revert(canceller, call.clone(), U256::ZERO).await?, "no open exit");
    // Bob's exit of the state itself (from the deposit origin) agrees with the checkpoint.
    let exit = Game::startExitCall {
        coinId: coin.id,
        depositor: coin.depositor,
        amount: coin.amount,
        parent: none(),
        exiting: c.inc(&to_bob),
        exitingSig: to_bob.sig.clone(),
    };
    c.t.game_send(bob, exit, c.t.exit_bond).await?;
    assert_eq!(c.t.game_revert(canceller, call.clone(), U256::ZERO).await?, "not stale");
    // Cancel Bob's exit with his own spend, then Carol exits C spending the state: consistent too.
    let to_carol = c.pay(&coin, to_bob.blknum, 1, 2).await?;
    let spent = Game::challengeSpentCall { coinId: coin.id, spend: c.inc(&to_carol), sig: to_carol.sig.clone() };
    c.t.game_send(canceller, spent, U256::ZERO).await?;
    let exit = Game::startExitCall {
        coinId: coin.id,
        depositor: coin.depositor,
        amount: coin.amount,
        parent: c.inc(&to_bob),
        exiting: c.inc(&to_carol),
        exitingSig: to_carol.sig.clone(),
    };
    c.t.game_send(carol, exit, c.t.exit_bond).await?;
    assert_eq!(c.t.game_revert(canceller, call, U256::ZERO).await?, "not stale");
    Ok(())
}

#[tokio::test]
async fn an_exit_spending_a_superseded_parent_is_stale() -> TestResult {
    let mut c = Xt::new("embedded").await?;
    let (alice, bob, carol, canceller) = (c.t.user(0), c.t.user(1), c.t.user(2), c.t.user(8));
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    let k = c.block(&[]).await?;
    let (cp, _) = c.propose(k, 1024, &[(coin.id, bob, to_bob.blknum)], &[coin.id]).await?;
    let proposed = c.t.now().await?;
    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    c.finalize(&cp).await?;
    // Alice double-spends her deposit after the checkpoint to Carol; Carol exits (C after K, P(C) =
    // the deposit, which the checkpoint supersedes).
    let to_carol = c.pay(&coin, coin.id, 0, 2).await?;
    let exit = Game::startExitCall {
        coinId: coin.id,
        depositor: coin.depositor,
        amount: coin.amount,
        parent: none(),
        exiting: c.inc(&to_carol),
        exitingSig: to_carol.sig.clone(),
    };
    c.t.game_send(carol, exit, c.t.exit_bond).await?;
    let state = Xt::state(&cp, coin.id, bob, to_bob.blknum);
    let receipt = c.t.game_send(canceller, Game::cancelStaleExitCall { coinId: coin.id, state }, U256::ZERO).await?;
    assert_eq!(events::<Game::ExitChallenged>(&receipt)[0].kind, 3);
    let _ = alice;
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Revert reasons (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_constructor_refuses_a_short_period_and_a_zero_cap() -> TestResult {
    use plasma_integration_tests::Deployed;
    let args = |period: u64, cap: u32| {
        move |framework_| {
            Game::constructorCall {
                framework_,
                exitBond_: U256::ZERO,
                challengeBond_: U256::ZERO,
                checkpointBond_: U256::ZERO,
                checkpointPeriod_: period,
                challengeCap_: cap,
            }
            .abi_encode()
        }
    };
    let week = plasma_contracts::DEFAULT_MIN_EXIT_PERIOD;
    for (period, cap, reason) in [(week - 1, 1, "period too short"), (week, 0, "zero cap")] {
        let error = Deployed::new("embedded", &Game::BYTECODE, args(period, cap)).await.err().unwrap();
        assert!(error.to_string().contains(reason), "{error}");
    }
    Ok(())
}

#[tokio::test]
async fn checkpoint_calls_revert_with_the_documented_reasons() -> TestResult {
    let mut c = Xt::new("embedded").await?;
    let (alice, bob, eve) = (c.t.user(0), c.t.user(1), c.t.user(4));
    let operator = c.t.operator();
    let cbond = c.t.checkpoint_bond;
    let coin = c.deposit(0, eth(1)).await?;
    let other = c.deposit(2, eth(1)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    let k = c.block(&[]).await?;
    let propose = |blknum: u64, size: u64, bitmap: Bytes| Game::proposeCheckpointCall {
        blknum,
        zoneStart: 0,
        zoneSize: size,
        stateRoot: B256::repeat_byte(1),
        bitmap,
    };
    let cases = [
        ("bad bond", operator, propose(k, 8, bitmap(8, &[])), U256::ZERO),
        ("not operator", alice, propose(k, 8, bitmap(8, &[])), cbond),
        ("not a child block", operator, propose(coin.id, 8, bitmap(8, &[])), cbond),
        ("no such block", operator, propose(k + 1000, 8, bitmap(8, &[])), cbond),
        ("bad zone", operator, propose(k, 0, Bytes::new()), cbond),
        ("bad bitmap", operator, propose(k, 9, bitmap(8, &[])), cbond),
        ("bad bitmap", operator, propose(k, 7, Bytes::from(vec![0x80])), cbond),
    ];
    for (reason, from, call, value) in cases {
        assert_eq!(c.t.game_revert(from, call.clone(), value).await?, reason, "{call:?}");
    }
    let big_zone = Game::proposeCheckpointCall {
        blknum: k,
        zoneStart: u64::MAX,
        zoneSize: 2,
        stateRoot: B256::ZERO,
        bitmap: bitmap(2, &[]),
    };
    assert_eq!(c.t.game_revert(operator, big_zone, cbond).await?, "bad zone");

    // Challenges: `other` is in the zone with its bit clear; `after` moves the coin after K.
    let (cp, _) = c.propose(k, k, &[(coin.id, eve, to_bob.blknum)], &[coin.id]).await?;
    let after = c.pay(&coin, to_bob.blknum, 1, 2).await?;
    let proposed = c.t.now().await?;
    let bond = c.t.challenge_bond;
    let good = c.inc(&to_bob);
    let mut wrong_bitmap = cp.clone();
    wrong_bitmap.bitmap = bitmap(4096, &[]);
    let mut no_such = cp.clone();
    no_such.id = U256::from(99);
    let mut out_of_zone = good.clone();
    out_of_zone.tx.coinId = 5000;
    let mut bad_proof = good.clone();
    // A canonical proof with one (wrong) sibling at level 0.
    bad_proof.proof = [&[0u8, 0, 0, 0, 0, 0, 0, 1][..], &[1u8; 32][..]].concat().into();
    let cases = [
        ("bad bond", Xt::challenge_call(&cp, good.clone(), U256::ZERO), U256::ZERO),
        ("no such checkpoint", Xt::challenge_call(&no_such, good.clone(), U256::ZERO), bond),
        ("bad bitmap", Xt::challenge_call(&wrong_bitmap, good.clone(), U256::ZERO), bond),
        ("not in zone", Xt::challenge_call(&cp, out_of_zone, U256::ZERO), bond),
        ("bit not set", Xt::challenge_call(&cp, Xt::deposit_form(&other), other.amount), bond),
        ("bad order", Xt::challenge_call(&cp, c.inc(&after), U256::ZERO), bond),
        ("bad deposit", Xt::challenge_call(&cp, Xt::deposit_form(&coin), eth(2)), bond),
        ("not included", Xt::challenge_call(&cp, bad_proof, U256::ZERO), bond),
    ];
    for (reason, call, value) in cases {
        assert_eq!(c.t.game_revert(bob, call.clone(), value).await?, reason, "{call:?}");
    }
    // Answers.
    c.challenge(bob, &cp, good.clone(), U256::ZERO).await?;
    let sign_off = |cp: &Cp, blk: u64, sig: Bytes| Game::respondCheckpointSignOffCall {
        checkpointId: cp.id,
        coinId: coin.id,
        challengeBlk: blk,
        sig,
    };
    let bob_sig = c.sign_off(1, &cp, coin.id);
    assert_eq!(
        c.t.game_revert(operator, sign_off(&no_such, to_bob.blknum, bob_sig.clone()), U256::ZERO).await?,
        "no such checkpoint"
    );
    assert_eq!(
        c.t.game_revert(operator, sign_off(&cp, coin.id, bob_sig.clone()), U256::ZERO).await?,
        "no such challenge"
    );
    let eve_sig = c.sign_off(4, &cp, coin.id);
    assert_eq!(c.t.game_revert(operator, sign_off(&cp, to_bob.blknum, eve_sig), U256::ZERO).await?, "bad signature");
    let spend = |blk: u64, spend: Included, sig: Bytes| Game::respondCheckpointSpendCall {
        checkpointId: cp.id,
        coinId: coin.id,
        challengeBlk: blk,
        spend,
        sig,
    };
    let mut wrong_coin = c.inc(&to_bob);
    wrong_coin.tx.coinId = other.id;
    let cases = [
        ("wrong coin", spend(to_bob.blknum, wrong_coin, to_bob.sig.clone())),
        ("not a spend", spend(to_bob.blknum, c.inc(&to_bob), to_bob.sig.clone())),
    ];
    for (reason, call) in cases {
        assert_eq!(c.t.game_revert(operator, call.clone(), U256::ZERO).await?, reason, "{call:?}");
    }
    // A spend by Bob after K is too late to answer.
    assert_eq!(
        c.t.game_revert(operator, spend(to_bob.blknum, c.inc(&after), after.sig.clone()), U256::ZERO).await?,
        "bad order"
    );
    c.challenge(alice, &cp, Xt::deposit_form(&coin), coin.amount).await?;
    assert_eq!(
        c.t.game_revert(operator, spend(coin.id, c.inc(&to_bob), after.sig.clone()), U256::ZERO).await?,
        "bad signature"
    );
    // Window, deadline and finalisation.
    c.t.next_tx_at(proposed + 3 * (c.t.checkpoint_period / 4)).await?;
    let late = Xt::challenge_call(&cp, Xt::deposit_form(&coin), coin.amount);
    assert_eq!(c.t.game_revert(bob, late, bond).await?, "window closed");
    let call = Game::finalizeCheckpointCall { checkpointId: cp.id };
    assert_eq!(c.t.game_revert(bob, call.clone(), U256::ZERO).await?, "too early");
    let call99 = Game::finalizeCheckpointCall { checkpointId: U256::from(99) };
    assert_eq!(c.t.game_revert(bob, call99, U256::ZERO).await?, "no such checkpoint");
    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    let receipt = c.finalize(&cp).await?;
    // Two pending challenges: nobody gets the checkpoint bond, it is burned.
    assert_eq!(events::<Game::CheckpointVoided>(&receipt)[0].beneficiary, Address::ZERO);
    assert_eq!(c.bonds_burned().await?, c.t.checkpoint_bond);
    assert_eq!(c.t.game_revert(bob, call, U256::ZERO).await?, "not open");
    assert_eq!(c.t.withdrawable(alice).await?, bond);
    Ok(())
}

#[tokio::test]
async fn origin_calls_revert_with_the_documented_reasons() -> TestResult {
    let mut c = Xt::new("embedded").await?;
    let (alice, bob, carol, eve) = (c.t.user(0), c.t.user(1), c.t.user(2), c.t.user(4));
    let ebond = c.t.exit_bond;
    let (coin, to_bob, cp) = c.honest_checkpoint().await?;
    let state = Xt::state(&cp, coin.id, bob, to_bob.blknum);
    let to_carol = c.pay(&coin, to_bob.blknum, 1, 2).await?;
    let exit = |origin: CheckpointState, parent: Included, exiting: Included, sig: Bytes| {
        xt_checkpoint_exit(&coin, origin, parent, exiting, sig)
    };
    let mut lying = state.clone();
    lying.owner = eve;
    let mut bad_bitmap = state.clone();
    bad_bitmap.bitmap = bitmap(1024, &[]);
    let mut unfinalized = state.clone();
    unfinalized.checkpointId = U256::from(7);
    let mut wrong_deposit = exit(state.clone(), none(), none(), Bytes::new());
    wrong_deposit.amount = eth(5);
    let cases = [
        ("bad bond", bob, exit(state.clone(), none(), none(), Bytes::new()), U256::ZERO),
        ("bad deposit", bob, wrong_deposit, ebond),
        ("not finalized", bob, exit(unfinalized, none(), none(), Bytes::new()), ebond),
        ("bad bitmap", bob, exit(bad_bitmap, none(), none(), Bytes::new()), ebond),
        ("not included", eve, exit(lying, none(), none(), Bytes::new()), ebond),
        ("bad parent", bob, exit(state.clone(), c.inc(&to_bob), none(), Bytes::new()), ebond),
        ("bad parent", bob, exit(state.clone(), none(), none(), to_bob.sig.clone()), ebond),
        ("not owner", alice, exit(state.clone(), none(), none(), Bytes::new()), ebond),
        ("not owner", bob, exit(state.clone(), none(), c.inc(&to_carol), to_carol.sig.clone()), ebond),
        ("bad parent", carol, exit(state.clone(), c.inc(&to_bob), c.inc(&to_carol), to_carol.sig.clone()), ebond),
        ("bad signature", carol, exit(state.clone(), none(), c.inc(&to_carol), to_bob.sig.clone()), ebond),
    ];
    for (reason, from, call, value) in cases {
        assert_eq!(c.t.game_revert(from, call.clone(), value).await?, reason, "{call:?}");
    }
    // C spending the state must come after K; a parent must come after K.
    let (coin2, to_bob2, cp2) = {
        let coin2 = c.deposit(0, eth(1)).await?;
        let to_bob2 = c.pay(&coin2, coin2.id, 0, 1).await?;
        let to_carol2 = c.pay(&coin2, to_bob2.blknum, 1, 2).await?;
        let k2 = c.block(&[]).await?;
        // A (false, but unchallenged) checkpoint still naming Bob at to_bob2.
        let (cp2, _) = c.propose(k2, 4096, &[(coin2.id, bob, to_bob2.blknum)], &[coin2.id]).await?;
        c.t.next_tx_at(c.t.now().await? + c.t.checkpoint_period).await?;
        c.finalize(&cp2).await?;
        let origin = Xt::state(&cp2, coin2.id, bob, to_bob2.blknum);
        let call = xt_checkpoint_exit(&coin2, origin.clone(), none(), c.inc(&to_carol2), to_carol2.sig.clone());
        assert_eq!(c.t.game_revert(carol, call, ebond).await?, "bad order");
        let to_dave2 = c.pay(&coin2, to_carol2.blknum, 2, 3).await?;
        let call = xt_checkpoint_exit(&coin2, origin, c.inc(&to_carol2), c.inc(&to_dave2), to_dave2.sig.clone());
        assert_eq!(c.t.game_revert(c.t.user(3), call, ebond).await?, "bad order");
        (coin2, to_bob2, cp2)
    };
    // challengeHistoryAtCheckpoint and cancelStaleExit.
    let cbond = c.t.challenge_bond;
    let h = |state: CheckpointState| Game::challengeHistoryAtCheckpointCall { coinId: coin.id, state };
    assert_eq!(c.t.game_revert(alice, h(state.clone()), U256::ZERO).await?, "bad bond");
    assert_eq!(c.t.game_revert(alice, h(state.clone()), cbond).await?, "no open exit");
    let stale = |state: CheckpointState| Game::cancelStaleExitCall { coinId: coin.id, state };
    assert_eq!(c.t.game_revert(alice, stale(state.clone()), U256::ZERO).await?, "no open exit");
    // Carol exits from the checkpoint: C spends the state; pBlk = L <= K, so no checkpoint challenge fits.
    c.t.game_send(carol, exit(state.clone(), none(), c.inc(&to_carol), to_carol.sig.clone()), ebond).await?;
    assert_eq!(c.t.game_revert(alice, h(state.clone()), cbond).await?, "bad order");
    assert_eq!(c.t.game_revert(alice, stale(state.clone()), U256::ZERO).await?, "not stale");
    let mut wrong = state.clone();
    wrong.lastMoved = 1;
    assert_eq!(c.t.game_revert(alice, h(wrong.clone()), cbond).await?, "not included");
    assert_eq!(c.t.game_revert(alice, stale(wrong), U256::ZERO).await?, "not included");
    let started = c.t.now().await?;
    c.t.next_tx_at(started + 3 * (c.t.min_exit_period / 4)).await?;
    assert_eq!(c.t.game_revert(alice, h(state), cbond).await?, "window closed");
    let _ = (coin2, to_bob2, cp2);
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Gas (both backends)
// -------------------------------------------------------------------------------------------------

/// Gas of every `XtExitGame` function specific to XT, with checkpoints of 1,024- and 8,192-coin
/// zones (every bit set: the costliest calldata).
async fn gas_figures(backend: &str) -> TestResult<Vec<(String, u64)>> {
    let mut c = Xt::with_cap(backend, 256).await?;
    let (alice, bob, eve) = (c.t.user(0), c.t.user(1), c.t.user(4));
    let operator = c.t.operator();
    let mut figures = Vec::new();
    let mut coins = Vec::new();
    for user in 0..8 {
        coins.push(c.deposit(user, eth(1)).await?);
    }
    // Every coin moves to the next user in one block, so proofs carry real siblings.
    let txs: Vec<CashTx> = coins
        .iter()
        .enumerate()
        .map(|(n, coin)| CashTx { coinId: coin.id, prevBlock: coin.id, newOwner: c.t.user((n + 1) % 8) })
        .collect();
    let sigs: Vec<Bytes> = txs.iter().enumerate().map(|(n, tx)| c.sign(n, tx)).collect();
    let blk = c.block(&txs.iter().collect::<Vec<_>>()).await?;
    let moved: Vec<Moved> = txs.iter().zip(sigs).map(|(tx, sig)| Moved { tx: *tx, blknum: blk, sig }).collect();
    // K must lie above the largest zone: a checkpoint of K covers only coins below K.
    let mut k = c.block(&[]).await?;
    while k <= 8192 {
        k = c.block(&[]).await?;
    }
    // A first proposal pays for initialising the checkpoint counter; the figures are steady-state.
    c.propose(k, 8, &[], &[]).await?;
    for zone in [1024u64, 8192] {
        let all: Vec<u64> = (0..zone).collect();
        let (_, receipt) = c.propose(k, zone, &[], &all).await?;
        figures.push((format!("proposeCheckpoint, {zone}-coin zone, all bits set"), receipt.gas_used));
        let (_, receipt) = c.propose(k, zone, &[], &[]).await?;
        figures.push((format!("proposeCheckpoint, {zone}-coin zone, no bit set"), receipt.gas_used));
    }
    // The checkpoint used below: 1,024 coins, the eight coins' states, bits set; coin 1's owner
    // (user 2) is named wrongly as Eve for a false-bit challenge.
    let mut states: Vec<_> = moved.iter().map(|m| (m.tx.coinId, m.tx.newOwner, blk)).collect();
    states[1].1 = eve;
    let ids: Vec<u64> = coins.iter().map(|coin| coin.id).collect();
    let (cp, _) = c.propose(k, 1024, &states, &ids).await?;
    let proposed = c.t.now().await?;
    // coin 0: owner user 1 challenges, operator answers with a sign-off.
    let r = c.challenge(bob, &cp, c.inc(&moved[0]), U256::ZERO).await?;
    figures.push(("challengeCheckpoint (transaction)".into(), r.gas_used));
    let sig = c.sign_off(1, &cp, coins[0].id);
    let call = Game::respondCheckpointSignOffCall { checkpointId: cp.id, coinId: coins[0].id, challengeBlk: blk, sig };
    figures.push(("respondCheckpointSignOff".into(), c.t.game_send(operator, call, U256::ZERO).await?.gas_used));
    // coin 2: its depositor challenges with the deposit, the operator answers with the spend.
    let r = c.challenge(c.t.user(2), &cp, Xt::deposit_form(&coins[2]), coins[2].amount).await?;
    figures.push(("challengeCheckpoint (deposit)".into(), r.gas_used));
    let call = Game::respondCheckpointSpendCall {
        checkpointId: cp.id,
        coinId: coins[2].id,
        challengeBlk: coins[2].id,
        spend: c.inc(&moved[2]),
        sig: moved[2].sig.clone(),
    };
    figures.push(("respondCheckpointSpend".into(), c.t.game_send(operator, call, U256::ZERO).await?.gas_used));
    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    figures.push(("finalizeCheckpoint (finalised)".into(), c.finalize(&cp).await?.gas_used));
    // A second checkpoint voided at finalisation by one unanswered challenge (of a fresh block: a
    // checkpoint's block must be recent).
    let k2 = c.block(&[]).await?;
    let (cp2, _) = c.propose(k2, 1024, &states, &ids).await?;
    let proposed2 = c.t.now().await?;
    c.challenge(c.t.user(2), &cp2, c.inc(&moved[1]), U256::ZERO).await?;
    c.t.next_tx_at(proposed2 + c.t.checkpoint_period).await?;
    figures.push(("finalizeCheckpoint (void, 1 pending)".into(), c.finalize(&cp2).await?.gas_used));
    // Exits from the first checkpoint: the state itself, and C spending it.
    let bond = c.t.exit_bond;
    let owner3 = moved[3].tx.newOwner;
    let call = xt_checkpoint_exit(&coins[3], Xt::state(&cp, coins[3].id, owner3, blk), none(), none(), Bytes::new());
    figures.push(("startCheckpointExit, state itself".into(), c.t.game_send(owner3, call, bond).await?.gas_used));
    let pay = c.moved(&coins[4], blk, 5, eve).await?;
    let call = xt_checkpoint_exit(
        &coins[4],
        Xt::state(&cp, coins[4].id, c.t.user(5), blk),
        none(),
        c.inc(&pay),
        pay.sig.clone(),
    );
    figures.push(("startCheckpointExit, C spends the state".into(), c.t.game_send(eve, call, bond).await?.gas_used));
    // A history challenge with the checkpoint state, on a deposit-origin exit of coin 5 forged after K.
    let forged = c.moved(&coins[5], blk, 4, eve).await?;
    let onward = c.moved(&coins[5], forged.blknum, 4, alice).await?;
    let call = Game::startExitCall {
        coinId: coins[5].id,
        depositor: coins[5].depositor,
        amount: coins[5].amount,
        parent: c.inc(&forged),
        exiting: c.inc(&onward),
        exitingSig: onward.sig.clone(),
    };
    c.t.game_send(alice, call, bond).await?;
    let owner5 = moved[5].tx.newOwner;
    let call =
        Game::challengeHistoryAtCheckpointCall { coinId: coins[5].id, state: Xt::state(&cp, coins[5].id, owner5, blk) };
    figures
        .push(("challengeHistoryAtCheckpoint".into(), c.t.game_send(owner5, call, c.t.challenge_bond).await?.gas_used));
    // A stale deposit exit of coin 6 (spent before K).
    c.t.game_send(
        coins[6].depositor,
        Game::startDepositExitCall { coinId: coins[6].id, amount: coins[6].amount },
        bond,
    )
    .await?;
    let owner6 = moved[6].tx.newOwner;
    let call = Game::cancelStaleExitCall { coinId: coins[6].id, state: Xt::state(&cp, coins[6].id, owner6, blk) };
    figures.push(("cancelStaleExit".into(), c.t.game_send(owner6, call, U256::ZERO).await?.gas_used));
    // A cap void: a checkpoint with cap + 1 = 257 pending challenges is too slow to set up here; the
    // cap test measures nothing. The void at finalisation above shows the per-challenge refund.
    Ok(figures)
}

#[tokio::test]
async fn gas_of_the_xt_functions_is_the_same_on_both_backends() -> TestResult {
    gas_on_both_backends("XtExitGame gas (receipts: 21k base, calldata and refunds included):", 1_000_000, gas_figures)
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_cap_void_refunds_every_pending_challenge_within_the_block_gas_limit() -> TestResult {
    // cap 16: 17 challenges on 17 coins; the 17th caps the checkpoint, and its finalisation voids
    // it and refunds all of them.
    let mut c = Xt::with_cap("embedded", 16).await?;
    let mut coins = Vec::new();
    for n in 0..17 {
        coins.push(c.deposit(n % 9, eth(1)).await?);
    }
    let k = c.block(&[]).await?;
    let eve = c.t.user(4);
    let states: Vec<_> = coins.iter().map(|coin| (coin.id, eve, coin.id)).collect();
    let ids: Vec<_> = coins.iter().map(|coin| coin.id).collect();
    let (cp, _) = c.propose(k, 1000, &states, &ids).await?;
    let proposed = c.t.now().await?;
    let mut last = None;
    for (n, coin) in coins.iter().enumerate() {
        last = Some(c.challenge(c.t.user(n % 9), &cp, Xt::deposit_form(coin), coin.amount).await?);
    }
    assert_eq!(events::<Game::CheckpointCapped>(&last.unwrap()).len(), 1);
    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    let receipt = c.finalize(&cp).await?;
    assert_eq!(events::<Game::CheckpointVoided>(&receipt)[0].reason, 2);
    assert_eq!(events::<Fw::BondReleased>(&receipt).len(), 17);
    assert_eq!(events::<Fw::BondBurned>(&receipt).len(), 1);
    println!("finalizeCheckpoint that voids at cap 16 (17 refunds + burn): {} gas", receipt.gas_used);
    assert!(receipt.gas_used < 30_000_000 / 10, "far within a block");
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Security regressions (docs/security.md, "Findings fixed"; both backends)
// -------------------------------------------------------------------------------------------------

/// A checkpoint of block K may only speak of coins deposited before K: a zone reaching K is
/// refused, so a coin deposited after K can never be claimed by it (its id is outside every zone
/// of K) and its depositor exits it.
#[rstest]
#[tokio::test]
async fn a_checkpoint_cannot_speak_of_coins_deposited_after_its_block(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut c = Xt::new(backend).await?;
    let (operator, eve) = (c.t.operator(), c.t.user(4));
    let early = c.deposit(0, eth(1)).await?;
    let k = c.block(&[]).await?;
    let later = c.deposit(1, eth(1)).await?;
    assert!(later.id > k);
    // The attack's proposal: a zone over the later deposit's id, Eve as its owner, bit set.
    let tree = SparseTree::from_leaves([(later.id, state_leaf(eve, later.id))])?;
    let bond = c.t.checkpoint_bond;
    for (start, size) in [(0, later.id + 1), (later.id, 1), (0, k + 1)] {
        let call = Game::proposeCheckpointCall {
            blknum: k,
            zoneStart: start,
            zoneSize: size,
            stateRoot: tree.root(),
            bitmap: bitmap(size, &[]),
        };
        assert_eq!(c.t.game_revert(operator, call, bond).await?, "bad zone", "zone [{start}, {start}+{size})");
    }
    // The widest zone K allows is [0, K): the later coin is outside it.
    let (cp, _) = c.propose(k, k, &[(early.id, c.t.user(0), early.id)], &[early.id]).await?;
    let call = Xt::challenge_call(&cp, Xt::deposit_form(&later), later.amount);
    assert_eq!(c.t.game_revert(c.t.user(1), call, c.t.challenge_bond).await?, "not in zone");
    c.t.game_send(c.t.user(1), Game::startDepositExitCall { coinId: later.id, amount: later.amount }, c.t.exit_bond)
        .await?;
    c.t.next_tx_at(c.t.now().await? + c.t.min_exit_period).await?;
    c.t.process(10).await?;
    assert_eq!(c.t.withdrawable(c.t.user(1)).await?, later.amount + c.t.exit_bond);
    Ok(())
}

/// Bob owns a coin at K and sells it to Carol after K; the operator proposes a checkpoint of K
/// naming Eve, and Bob signs it off. Carol's challenge with Bob's receipt is answered by his
/// sign-off, but her later-owner challenge (the leaf is not Bob's, and Bob's spend to her came
/// after K) refuses the sign-off; unanswered, the checkpoint is void, its bond burned, Eve cannot
/// exit from it and Carol exits her coin. A checkpoint of a block older than `Rc` is refused, and a
/// later-owner challenge of a leaf that agrees with the receipt is refused.
#[rstest]
#[tokio::test]
async fn an_old_block_checkpoint_signed_off_by_a_previous_owner_loses_to_the_later_owner(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut c = Xt::new(backend).await?;
    let (operator, bob, carol, eve) = (c.t.operator(), c.t.user(1), c.t.user(2), c.t.user(4));
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    let k = c.block(&[]).await?;
    let (cp, _) = c.propose(k, 1000, &[(coin.id, eve, to_bob.blknum)], &[coin.id]).await?;
    let proposed = c.t.now().await?;
    let to_carol = c.pay(&coin, to_bob.blknum, 1, 2).await?;
    assert!(to_carol.blknum > k);

    // Bob's receipt alone is answered by Bob's (colluding) sign-off.
    c.challenge(carol, &cp, c.inc(&to_bob), U256::ZERO).await?;
    let sig = c.sign_off(1, &cp, coin.id);
    let answer =
        Game::respondCheckpointSignOffCall { checkpointId: cp.id, coinId: coin.id, challengeBlk: to_bob.blknum, sig };
    c.t.game_send(operator, answer, U256::ZERO).await?;

    // The later owner's form: the receipt owner's own signed spend after K; the operator must show
    // the leaf (Bob, Lb), which this checkpoint does not hold.
    let after = |c: &Xt| Game::challengeCheckpointAfterCall {
        checkpointId: cp.id,
        bitmap: cp.bitmap.clone(),
        latest: c.inc(&to_bob),
        amount: U256::ZERO,
        later: c.inc(&to_carol),
        laterSig: to_carol.sig.clone(),
    };
    let mut forged_later = after(&c);
    forged_later.laterSig = c.sign(2, &to_carol.tx);
    assert_eq!(c.t.game_revert(carol, forged_later, c.t.challenge_bond).await?, "bad signature");
    let receipt = c.t.game_send(carol, after(&c), c.t.challenge_bond).await?;
    let event = &events::<Game::CheckpointChallenged>(&receipt)[0];
    assert_eq!((event.blknum, event.owner), (to_carol.blknum, bob));
    // The leaf in the checkpoint is Eve's: it does not answer.
    let proof = cp.tree.proof(coin.id).to_bytes();
    let leaf =
        Game::respondCheckpointLeafCall { checkpointId: cp.id, coinId: coin.id, challengeBlk: to_carol.blknum, proof };
    assert_eq!(c.t.game_revert(operator, leaf, U256::ZERO).await?, "not included");
    let sig = c.sign_off(1, &cp, coin.id);
    let answer =
        Game::respondCheckpointSignOffCall { checkpointId: cp.id, coinId: coin.id, challengeBlk: to_carol.blknum, sig };
    assert_eq!(c.t.game_revert(operator, answer, U256::ZERO).await?, "sign-off refused");

    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    let receipt = c.finalize(&cp).await?;
    let event = &events::<Game::CheckpointVoided>(&receipt)[0];
    assert_eq!((event.beneficiary, event.reason), (Address::ZERO, 1));
    assert_eq!(c.bonds_burned().await?, c.t.checkpoint_bond);
    let state = Xt::state(&cp, coin.id, eve, to_bob.blknum);
    let call = xt_checkpoint_exit(&coin, state, none(), none(), Bytes::new());
    assert_eq!(c.t.game_revert(eve, call, c.t.exit_bond).await?, "not finalized");
    let call = Game::startExitCall {
        coinId: coin.id,
        depositor: coin.depositor,
        amount: coin.amount,
        parent: c.inc(&to_bob),
        exiting: c.inc(&to_carol),
        exitingSig: to_carol.sig.clone(),
    };
    c.t.game_send(carol, call, c.t.exit_bond).await?;
    c.t.next_tx_at(c.t.now().await? + c.t.min_exit_period).await?;
    c.t.process(10).await?;
    assert_eq!(c.t.withdrawable(carol).await?, coin.amount + c.t.exit_bond + c.t.challenge_bond);

    // A checkpoint of a block submitted `Rc` ago or earlier is refused (the clock is exact on the
    // embedded EVM only).
    if backend != "embedded" {
        return Ok(());
    }
    let old = c.block(&[]).await?;
    let submitted = c.t.now().await?;
    c.t.next_tx_at(submitted + c.t.checkpoint_period / 4).await?;
    let call = Game::proposeCheckpointCall {
        blknum: old,
        zoneStart: 0,
        zoneSize: 8,
        stateRoot: B256::ZERO,
        bitmap: bitmap(8, &[]),
    };
    assert_eq!(c.t.game_revert(operator, call, c.t.checkpoint_bond).await?, "block too old");
    Ok(())
}

/// A griefer challenges cap + 1 honestly signed bits with their public deposit records. The
/// checkpoint is capped but not void at once: the operator answers every challenge with the
/// owners' sign-offs in its window and takes their bonds; at its end the capped checkpoint is void
/// and its bond goes back to the operator. Griefing now costs a bond per bit.
#[rstest]
#[tokio::test]
async fn a_cap_of_honest_bits_does_not_void_before_the_operator_answers(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut c = Xt::with_cap(backend, 2).await?;
    let (operator, griefer) = (c.t.operator(), c.t.user(5));
    let mut coins = Vec::new();
    for user in 0..3 {
        coins.push(c.deposit(user, eth(1)).await?);
    }
    let k = c.block(&[]).await?;
    let states: Vec<_> = coins.iter().map(|coin| (coin.id, coin.depositor, coin.id)).collect();
    let ids: Vec<_> = coins.iter().map(|coin| coin.id).collect();
    let (cp, _) = c.propose(k, 1000, &states, &ids).await?;
    let proposed = c.t.now().await?;
    for coin in &coins {
        let receipt = c.challenge(griefer, &cp, Xt::deposit_form(coin), coin.amount).await?;
        assert!(events::<Game::CheckpointVoided>(&receipt).is_empty());
    }
    assert_eq!(c.checkpoint(&cp).await?.status, 1, "still open for answers");
    for (n, coin) in coins.iter().enumerate() {
        let sig = c.sign_off(n, &cp, coin.id);
        let call =
            Game::respondCheckpointSignOffCall { checkpointId: cp.id, coinId: coin.id, challengeBlk: coin.id, sig };
        c.t.game_send(operator, call, U256::ZERO).await?;
    }
    assert_eq!(c.t.withdrawable(operator).await?, c.t.challenge_bond * U256::from(3));
    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    let receipt = c.finalize(&cp).await?;
    let event = &events::<Game::CheckpointVoided>(&receipt)[0];
    assert_eq!((event.beneficiary, event.reason), (operator, 2));
    assert_eq!(c.t.withdrawable(operator).await?, c.t.challenge_bond * U256::from(3) + c.t.checkpoint_bond);
    assert_eq!(c.t.withdrawable(griefer).await?, U256::ZERO);
    assert_eq!((c.t.bonds_held().await?, c.bonds_burned().await?), (U256::ZERO, U256::ZERO));
    Ok(())
}

/// The operator's false checkpoint sets the bits of Alice's coin and of its accomplice Mallory's;
/// Mallory challenges her own bit first and leaves it unanswered, Alice challenges hers. At the end
/// the checkpoint is void and its bond is burned: the challenger the operator controls gets only
/// its challenge bond back.
#[rstest]
#[tokio::test]
async fn a_false_checkpoint_bond_is_burned_whoever_challenges_first(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut c = Xt::new(backend).await?;
    let (operator, alice, mallory, eve) = (c.t.operator(), c.t.user(0), c.t.user(3), c.t.user(4));
    let coin_a = c.deposit(0, eth(1)).await?;
    let coin_m = c.deposit(3, eth(1)).await?;
    let k = c.block(&[]).await?;
    let states = [(coin_a.id, eve, coin_a.id), (coin_m.id, eve, coin_m.id)];
    let (cp, _) = c.propose(k, 1000, &states, &[coin_a.id, coin_m.id]).await?;
    let proposed = c.t.now().await?;
    c.challenge(mallory, &cp, Xt::deposit_form(&coin_m), coin_m.amount).await?;
    c.challenge(alice, &cp, Xt::deposit_form(&coin_a), coin_a.amount).await?;
    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    let receipt = c.finalize(&cp).await?;
    let event = &events::<Game::CheckpointVoided>(&receipt)[0];
    assert_eq!((event.beneficiary, event.reason), (Address::ZERO, 1));
    assert_eq!(c.t.withdrawable(mallory).await?, c.t.challenge_bond);
    assert_eq!(c.t.withdrawable(alice).await?, c.t.challenge_bond);
    assert_eq!(c.t.withdrawable(operator).await?, U256::ZERO);
    assert_eq!(c.bonds_burned().await?, c.t.checkpoint_bond);
    Ok(())
}

/// Bob's coin is checkpointed (he received it from Alice before K) and he prunes to the checkpoint.
/// After K the operator forges the coin to M1 and M2, and M2 exits from the deposit. Alice, the
/// former owner, colludes: she challenges with her own deposit entry, which Bob can no longer answer
/// from history. Bob challenges with the checkpoint state and answers Alice's challenge with it too
/// (the finalised checkpoint vouches that her point was spent): the exit is cancelled, its bond and
/// the reservation are Bob's, and Bob exits from the checkpoint. A finalised state whose last move
/// lies after K is refused ("bad state").
#[rstest]
#[tokio::test]
async fn a_pruned_owner_answers_challenges_below_its_checkpoint(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut c = Xt::new(backend).await?;
    let (alice, bob, m2) = (c.t.user(0), c.t.user(1), c.t.user(4));
    let (coin, to_bob, cp) = c.honest_checkpoint().await?;
    let state = Xt::state(&cp, coin.id, bob, to_bob.blknum);
    // The forged history after K: P (never signed by Bob) to M1, then M1 to M2.
    let forged = c.moved(&coin, to_bob.blknum, 3, c.t.user(3)).await?;
    let to_m2 = c.pay(&coin, forged.blknum, 3, 4).await?;
    let exit = Game::startExitCall {
        coinId: coin.id,
        depositor: coin.depositor,
        amount: coin.amount,
        parent: c.inc(&forged),
        exiting: c.inc(&to_m2),
        exitingSig: to_m2.sig.clone(),
    };
    c.t.game_send(m2, exit.clone(), c.t.exit_bond).await?;
    let cbond = c.t.challenge_bond;
    c.t.game_send(alice, Game::challengeHistoryCall { coinId: coin.id, earlier: Xt::deposit_form(&coin) }, cbond)
        .await?;
    let call = Game::challengeHistoryAtCheckpointCall { coinId: coin.id, state: state.clone() };
    c.t.game_send(bob, call, cbond).await?;
    // Bob's own point is not below the state's last move; Alice's deposit is.
    let own =
        Game::respondHistoryAtCheckpointCall { coinId: coin.id, challengeBlk: to_bob.blknum, state: state.clone() };
    assert_eq!(c.t.game_revert(bob, own, U256::ZERO).await?, "bad order");
    let answer = Game::respondHistoryAtCheckpointCall { coinId: coin.id, challengeBlk: coin.id, state: state.clone() };
    let receipt = c.t.game_send(bob, answer, U256::ZERO).await?;
    assert_eq!(events::<Game::HistoryAnsweredAtCheckpoint>(&receipt).len(), 1);

    let at = c.t.now().await? + c.t.min_exit_period;
    c.t.next_tx_at(at).await?;
    let receipt = c.t.process(10).await?;
    assert_eq!(events::<Game::ExitCancelled>(&receipt)[0].beneficiary, bob);
    assert_eq!(events::<Game::CoinReserved>(&receipt)[0].owner, bob);
    assert_eq!(c.t.game_revert(m2, exit, c.t.exit_bond).await?, "coin reserved");
    let call = xt_checkpoint_exit(&coin, state, none(), none(), Bytes::new());
    c.t.game_send(bob, call, c.t.exit_bond).await?;
    let at = c.t.now().await? + c.t.min_exit_period;
    c.t.next_tx_at(at).await?;
    c.t.process(10).await?;
    // Bob: the coin, both exit bonds (his and M2's) and both challenge bonds (his refund, Alice's answered).
    let expected = coin.amount + c.t.exit_bond * U256::from(2) + cbond * U256::from(2);
    assert_eq!(c.t.withdrawable(bob).await?, expected);
    assert_eq!(c.t.withdrawable(alice).await?, U256::ZERO);

    // A finalised leaf whose last move is after K (signed off or not) is no origin.
    let other = c.deposit(2, eth(1)).await?;
    let k = c.block(&[]).await?;
    let carol = c.t.user(2);
    let (bad, _) = c.propose(k, k, &[(other.id, carol, k + 1000)], &[other.id]).await?;
    let proposed = c.t.now().await?;
    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    c.finalize(&bad).await?;
    let call = xt_checkpoint_exit(&other, Xt::state(&bad, other.id, carol, k + 1000), none(), none(), Bytes::new());
    assert_eq!(c.t.game_revert(carol, call, c.t.exit_bond).await?, "bad state");
    Ok(())
}

/// A later owner's challenge of an honest checkpoint is answered by the operator with the leaf it
/// names (the later owner lacked the proof and loses its bond); a non-signer's challenge is not a
/// later owner's and is not answered by a leaf.
#[tokio::test]
async fn the_leaf_answers_a_later_owners_challenge_of_an_honest_state() -> TestResult {
    let mut c = Xt::new("embedded").await?;
    let (operator, bob, carol) = (c.t.operator(), c.t.user(1), c.t.user(2));
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    let k = c.block(&[]).await?;
    let (cp, _) = c.propose(k, 1000, &[(coin.id, bob, to_bob.blknum)], &[coin.id]).await?;
    let to_carol = c.pay(&coin, to_bob.blknum, 1, 2).await?;
    let call = Game::challengeCheckpointAfterCall {
        checkpointId: cp.id,
        bitmap: cp.bitmap.clone(),
        latest: c.inc(&to_bob),
        amount: U256::ZERO,
        later: c.inc(&to_carol),
        laterSig: to_carol.sig.clone(),
    };
    c.t.game_send(carol, call, c.t.challenge_bond).await?;
    let proof = cp.tree.proof(coin.id).to_bytes();
    let leaf = |blk: u64, proof: Bytes| Game::respondCheckpointLeafCall {
        checkpointId: cp.id,
        coinId: coin.id,
        challengeBlk: blk,
        proof,
    };
    let receipt = c.t.game_send(operator, leaf(to_carol.blknum, proof.clone()), U256::ZERO).await?;
    let answered = &events::<Game::CheckpointChallengeAnswered>(&receipt)[0];
    assert_eq!((answered.responder, answered.kind), (operator, 3));
    assert_eq!(c.t.withdrawable(operator).await?, c.t.challenge_bond);
    // Bob's own (non-signer's) challenge is answered by a sign-off, not by the leaf.
    c.challenge(bob, &cp, c.inc(&to_bob), U256::ZERO).await?;
    assert_eq!(c.t.game_revert(operator, leaf(to_bob.blknum, proof), U256::ZERO).await?, "not a later owner's");
    Ok(())
}

/// An owner whose exit is the checkpoint state's own move (C at `L`, owner `O`) answers a challenge
/// below `L` with the finalised state, even though `L` is after the exit's parent.
#[tokio::test]
async fn the_checkpoint_answers_below_the_exits_own_move() -> TestResult {
    let mut c = Xt::new("embedded").await?;
    let (alice, bob) = (c.t.user(0), c.t.user(1));
    let coin = c.deposit(0, eth(1)).await?;
    let to_carol = c.pay(&coin, coin.id, 0, 2).await?;
    let to_bob = c.moved(&coin, to_carol.blknum, 2, bob).await?;
    let k = c.block(&[]).await?;
    let (cp, _) = c.propose(k, 1000, &[(coin.id, bob, to_bob.blknum)], &[coin.id]).await?;
    let proposed = c.t.now().await?;
    c.t.next_tx_at(proposed + c.t.checkpoint_period).await?;
    c.finalize(&cp).await?;
    let exit = Game::startExitCall {
        coinId: coin.id,
        depositor: coin.depositor,
        amount: coin.amount,
        parent: c.inc(&to_carol),
        exiting: c.inc(&to_bob),
        exitingSig: to_bob.sig.clone(),
    };
    c.t.game_send(bob, exit, c.t.exit_bond).await?;
    let cbond = c.t.challenge_bond;
    c.t.game_send(alice, Game::challengeHistoryCall { coinId: coin.id, earlier: Xt::deposit_form(&coin) }, cbond)
        .await?;
    let state = Xt::state(&cp, coin.id, bob, to_bob.blknum);
    let answer = Game::respondHistoryAtCheckpointCall { coinId: coin.id, challengeBlk: coin.id, state: state.clone() };
    c.t.game_send(bob, answer, U256::ZERO).await?;
    let at = c.t.now().await? + c.t.min_exit_period;
    c.t.next_tx_at(at).await?;
    c.t.process(10).await?;
    assert_eq!(c.t.withdrawable(bob).await?, coin.amount + c.t.exit_bond + cbond);
    Ok(())
}
