//! `CashExitGame` on the EVM, independent of the Rust Plasma Cash crate: the tests build coin
//! transactions with the binding's `CashTx`, sign them with `plasma-core` (checking the digest
//! against the contract's `txHash`), put them in 64-level sparse trees with `SparseTree`, submit
//! the roots and deposit through the framework, then drive exits, the three challenges, responses
//! and processing (`docs/cash.md`). The main lifecycle and one challenge case run on both backends;
//! the matrices of protocols.md 3.9 and every revert reason run on the embedded EVM; the gas test
//! runs one scenario on both and requires the same figures.

// Fixture helpers outside `#[test]` functions: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use alloy_primitives::{Address, Bytes, U256, aliases::U96};
use plasma_contracts::{
    CashExitGame::{self as Game, CashTx, Included},
    PlasmaFramework as Fw,
};
use plasma_core::{SigningKey, SparseTree};
use plasma_integration_tests::GameCalls;
use plasma_integration_tests::{
    CashDeployment, Coin, TestResult, coin_exit_id as exit_id, eth, events, gas_on_both_backends,
};
use plasma_rootchain::Receipt;
use rstest::rstest;

/// A transaction of a coin in a submitted block, with the signature that came with it.
#[derive(Clone, Debug)]
struct Moved {
    tx: CashTx,
    blknum: u64,
    sig: Bytes,
}

/// `(coinId, exitId, owner, paid)` of every `ExitFinalized`.
fn finalized(receipt: &Receipt) -> Vec<(u64, U96, Address, bool)> {
    events::<Game::ExitFinalized>(receipt).into_iter().map(|e| (e.coinId, e.exitId, e.owner, e.paid)).collect()
}

/// `(coinId, exitId, beneficiary)` of every `ExitCancelled`.
fn cancelled(receipt: &Receipt) -> Vec<(u64, U96, Address)> {
    events::<Game::ExitCancelled>(receipt).into_iter().map(|e| (e.coinId, e.exitId, e.beneficiary)).collect()
}

/// The deployment plus the helpers that make, sign, include and exit coin transactions.
struct Cash {
    t: CashDeployment,
    /// The sparse tree of every submitted child block.
    trees: HashMap<u64, SparseTree>,
}

impl Cash {
    async fn new(backend: &str) -> TestResult<Self> {
        Ok(Self { t: CashDeployment::new(backend).await?, trees: HashMap::new() })
    }

    fn key(&self, i: usize) -> &SigningKey {
        &self.t.keys[i]
    }

    /// The response period `R = P / 4`.
    fn r(&self) -> u64 {
        self.t.min_exit_period / 4
    }

    fn exit_bond(&self) -> U256 {
        self.t.exit_bond
    }

    fn challenge_bond(&self) -> U256 {
        self.t.challenge_bond
    }

    /// User `signer`'s 65-byte signature of `tx`.
    fn sign(&self, signer: usize, tx: &CashTx) -> Bytes {
        self.key(signer).sign_typed(&self.t.domain(), tx).to_bytes().to_vec().into()
    }

    async fn deposit(&mut self, user: usize, amount: U256) -> TestResult<Coin> {
        let depositor = self.t.user(user);
        let id = self.t.deposit(depositor, amount).await?;
        Ok(Coin { id, depositor, amount })
    }

    /// Builds the sparse tree of `txs` (leaf `txHash` at key `coinId`), submits its root and
    /// returns the block number.
    async fn block(&mut self, txs: &[&CashTx]) -> TestResult<u64> {
        let domain = self.t.domain();
        let tree = SparseTree::from_leaves(txs.iter().map(|tx| (tx.coinId, domain.hash_typed(*tx))))?;
        let blknum = self.t.submit_block(tree.root()).await?;
        self.trees.insert(blknum, tree);
        Ok(blknum)
    }

    /// `tx` with its block and the sparse-tree proof at key `tx.coinId` (of inclusion if the block
    /// holds it there).
    fn included(&self, tx: &CashTx, blknum: u64) -> Included {
        let proof = self.trees.get(&blknum).map(|tree| tree.proof(tx.coinId).to_bytes()).unwrap_or_default();
        Included { tx: *tx, blknum, proof }
    }

    fn inc(&self, moved: &Moved) -> Included {
        self.included(&moved.tx, moved.blknum)
    }

    /// Signs `CashTx(coin, prev_block, to)` by user `signer` and includes it alone in a new block.
    async fn moved(&mut self, coin: &Coin, prev_block: u64, signer: usize, to: Address) -> TestResult<Moved> {
        let tx = CashTx { coinId: coin.id, prevBlock: prev_block, newOwner: to };
        let sig = self.sign(signer, &tx);
        let blknum = self.block(&[&tx]).await?;
        Ok(Moved { tx, blknum, sig })
    }

    /// User `from` pays the coin, last moved at `prev_block`, to user `to`.
    async fn pay(&mut self, coin: &Coin, prev_block: u64, from: usize, to: usize) -> TestResult<Moved> {
        let to = self.t.user(to);
        self.moved(coin, prev_block, from, to).await
    }

    /// The deposit as a history challenge names it.
    fn deposit_entry(coin: &Coin) -> Included {
        Included {
            tx: CashTx { coinId: coin.id, prevBlock: 0, newOwner: coin.depositor },
            blknum: coin.id,
            proof: Bytes::new(),
        }
    }

    fn no_parent() -> Included {
        Included { tx: CashTx { coinId: 0, prevBlock: 0, newOwner: Address::ZERO }, blknum: 0, proof: Bytes::new() }
    }

    fn deposit_exit_call(coin: &Coin) -> Game::startDepositExitCall {
        Game::startDepositExitCall { coinId: coin.id, amount: coin.amount }
    }

    fn exit_call(&self, coin: &Coin, parent: Option<&Moved>, exiting: &Moved) -> Game::startExitCall {
        Game::startExitCall {
            coinId: coin.id,
            depositor: coin.depositor,
            amount: coin.amount,
            parent: parent.map_or_else(Self::no_parent, |p| self.inc(p)),
            exiting: self.inc(exiting),
            exitingSig: exiting.sig.clone(),
        }
    }

    fn spent_call(&self, coin: &Coin, spend: &Moved) -> Game::challengeSpentCall {
        Game::challengeSpentCall { coinId: coin.id, spend: self.inc(spend), sig: spend.sig.clone() }
    }

    fn double_spend_call(&self, coin: &Coin, spend: &Moved) -> Game::challengeDoubleSpendCall {
        Game::challengeDoubleSpendCall { coinId: coin.id, spend: self.inc(spend), sig: spend.sig.clone() }
    }

    fn history_call(coin: &Coin, earlier: Included) -> Game::challengeHistoryCall {
        Game::challengeHistoryCall { coinId: coin.id, earlier }
    }

    fn respond_call(&self, coin: &Coin, challenge_blk: u64, response: &Moved) -> Game::respondHistoryCall {
        Game::respondHistoryCall {
            coinId: coin.id,
            challengeBlk: challenge_blk,
            response: self.inc(response),
            sig: response.sig.clone(),
        }
    }

    async fn deposit_exit(&mut self, coin: &Coin) -> TestResult<Receipt> {
        let bond = self.exit_bond();
        self.t.game_send(coin.depositor, Self::deposit_exit_call(coin), bond).await
    }

    async fn start_exit(&mut self, coin: &Coin, parent: Option<&Moved>, exiting: &Moved) -> TestResult<Receipt> {
        let (call, bond) = (self.exit_call(coin, parent, exiting), self.exit_bond());
        self.t.game_send(exiting.tx.newOwner, call, bond).await
    }

    async fn challenge_history(&mut self, from: Address, coin: &Coin, earlier: Included) -> TestResult<Receipt> {
        let bond = self.challenge_bond();
        self.t.game_send(from, Self::history_call(coin, earlier), bond).await
    }

    async fn respond(
        &mut self,
        from: Address,
        coin: &Coin,
        challenge_blk: u64,
        response: &Moved,
    ) -> TestResult<Receipt> {
        let call = self.respond_call(coin, challenge_blk, response);
        self.t.game_send(from, call, U256::ZERO).await
    }

    async fn exit_of(&self, coin: &Coin) -> TestResult<Game::exitsReturn> {
        self.t.game_view(Game::exitsCall { coinId: coin.id }).await
    }

    async fn pending(&self, coin: &Coin) -> TestResult<Vec<Game::PendingChallenge>> {
        self.t.game_view(Game::pendingChallengesCall { coinId: coin.id }).await
    }

    async fn is_paid(&self, coin: &Coin) -> TestResult<bool> {
        self.t.framework_view(Fw::isFinalizedCall { id: U256::from(coin.id).into() }).await
    }
}

// -------------------------------------------------------------------------------------------------
// Lifecycles (both backends)
// -------------------------------------------------------------------------------------------------

#[rstest]
#[tokio::test]
async fn a_deposit_exit_pays_the_coin_and_the_bond_once(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut c = Cash::new(backend).await?;
    let alice = c.t.user(0);
    let coin = c.deposit(0, eth(1)).await?;
    let receipt = c.deposit_exit(&coin).await?;
    let started_at = c.t.now().await?;
    let exitable_at = started_at + c.t.min_exit_period;

    let event = &events::<Game::ExitStarted>(&receipt)[0];
    assert_eq!(
        (event.coinId, event.owner, event.exitId, event.eBlk, event.pBlk, event.pOwner, event.amount, event.exitableAt),
        (coin.id, alice, exit_id(1, coin.id), coin.id, 0, Address::ZERO, eth(1), exitable_at)
    );
    let exit = c.exit_of(&coin).await?;
    assert_eq!(
        (exit.owner, exit.prevOwner, exit.exitBlk, exit.prevBlk, exit.startedAt, exit.exitableAt),
        (alice, Address::ZERO, coin.id, 0, started_at, exitable_at)
    );
    assert_eq!((exit.amount, exit.seq, exit.pendingCount), (eth(1), 1, U256::ZERO));
    assert_eq!(c.t.bonds_held().await?, c.exit_bond());

    // One second early nothing happens; the next transaction is mined past the exitable time.
    c.t.next_tx_at(exitable_at - 1).await?;
    assert!(finalized(&c.t.process(10).await?).is_empty());
    assert_eq!(finalized(&c.t.process(10).await?), vec![(coin.id, exit_id(1, coin.id), alice, true)]);
    assert_eq!(c.t.withdrawable(alice).await?, eth(1) + c.exit_bond());
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    assert_eq!(c.t.framework_view(Fw::totalPaidCall {}).await?, eth(1));
    assert!(c.is_paid(&coin).await?);
    assert_eq!(c.exit_of(&coin).await?.owner, Address::ZERO);

    // Never paid twice.
    let bond = c.exit_bond();
    assert_eq!(c.t.game_revert(alice, Cash::deposit_exit_call(&coin), bond).await?, "already paid");
    Ok(())
}

#[rstest]
#[tokio::test]
async fn coins_exit_after_one_and_two_transfers(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut c = Cash::new(backend).await?;
    let (bob, carol, dave) = (c.t.user(1), c.t.user(2), c.t.user(3));
    let first = c.deposit(0, eth(1)).await?;
    let second = c.deposit(0, eth(3)).await?;
    // first: Alice -> Bob. second: Alice -> Carol -> Dave.
    let to_bob = c.pay(&first, first.id, 0, 1).await?;
    let to_carol = c.pay(&second, second.id, 0, 2).await?;
    let to_dave = c.pay(&second, to_carol.blknum, 2, 3).await?;

    let receipt = c.start_exit(&first, None, &to_bob).await?;
    let event = &events::<Game::ExitStarted>(&receipt)[0];
    assert_eq!(
        (event.owner, event.eBlk, event.pBlk, event.pOwner, event.amount),
        (bob, to_bob.blknum, first.id, first.depositor, eth(1))
    );
    let bob_exitable = event.exitableAt;
    let receipt = c.start_exit(&second, Some(&to_carol), &to_dave).await?;
    let event = &events::<Game::ExitStarted>(&receipt)[0];
    assert_eq!(
        (event.owner, event.eBlk, event.pBlk, event.pOwner, event.amount),
        (dave, to_dave.blknum, to_carol.blknum, carol, eth(3))
    );
    let exit = c.exit_of(&second).await?;
    assert_eq!(
        (exit.owner, exit.prevOwner, exit.exitBlk, exit.prevBlk),
        (dave, carol, to_dave.blknum, to_carol.blknum)
    );
    assert_eq!(c.t.bonds_held().await?, c.exit_bond() * U256::from(2));

    c.t.next_tx_at(event.exitableAt).await?;
    let receipt = c.t.process(10).await?;
    assert!(bob_exitable < event.exitableAt);
    assert_eq!(
        finalized(&receipt),
        vec![(first.id, exit_id(1, first.id), bob, true), (second.id, exit_id(1, second.id), dave, true)]
    );
    assert_eq!(c.t.withdrawable(bob).await?, eth(1) + c.exit_bond());
    assert_eq!(c.t.withdrawable(dave).await?, eth(3) + c.exit_bond());
    assert_eq!(c.t.withdrawable(first.depositor).await?, U256::ZERO);
    assert_eq!(c.t.withdrawable(carol).await?, U256::ZERO);
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    assert_eq!(c.t.framework_view(Fw::totalPaidCall {}).await?, eth(4));

    // Never paid twice, whoever asks.
    let bond = c.exit_bond();
    let call = c.exit_call(&second, Some(&to_carol), &to_dave);
    assert_eq!(c.t.game_revert(dave, call, bond).await?, "already paid");
    let call = c.exit_call(&first, None, &to_bob);
    assert_eq!(c.t.game_revert(bob, call, bond).await?, "already paid");
    Ok(())
}

#[rstest]
#[tokio::test]
async fn a_forged_history_is_challenged_and_cancelled_at_processing(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut c = Cash::new(backend).await?;
    let (alice, bob, eve, eve2) = (c.t.user(0), c.t.user(1), c.t.user(4), c.t.user(5));
    let coin = c.deposit(0, eth(2)).await?;
    // Alice pays Bob; the operator then forges Bob -> Eve (signed by Eve) and Eve -> Eve2.
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    let forged = c.moved(&coin, to_bob.blknum, 4, eve).await?;
    let to_eve2 = c.pay(&coin, forged.blknum, 4, 5).await?;
    c.start_exit(&coin, Some(&forged), &to_eve2).await?;
    let started_at = c.t.now().await?;

    // Bob challenges with his own transaction; nobody can answer it.
    let receipt = c.challenge_history(bob, &coin, c.inc(&to_bob)).await?;
    let challenged_at = c.t.now().await?;
    let event = &events::<Game::HistoryChallenged>(&receipt)[0];
    assert_eq!(
        (event.coinId, event.exitId, event.challenger, event.blknum, event.owner, event.deadline),
        (coin.id, exit_id(1, coin.id), bob, to_bob.blknum, bob, challenged_at + c.r())
    );
    assert_eq!(
        c.pending(&coin).await?,
        vec![Game::PendingChallenge {
            challenger: bob,
            blknum: to_bob.blknum,
            owner: bob,
            deadline: challenged_at + c.r()
        }]
    );
    assert_eq!(c.exit_of(&coin).await?.pendingCount, U256::from(1));
    assert_eq!(c.t.bonds_held().await?, c.exit_bond() + c.challenge_bond());

    c.t.next_tx_at(started_at + c.t.min_exit_period).await?;
    let receipt = c.t.process(10).await?;
    assert!(finalized(&receipt).is_empty());
    assert_eq!(cancelled(&receipt), vec![(coin.id, exit_id(1, coin.id), bob)]);
    assert_eq!(c.t.withdrawable(bob).await?, c.exit_bond() + c.challenge_bond());
    assert_eq!(c.t.withdrawable(eve2).await?, U256::ZERO);
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    assert!(!c.is_paid(&coin).await?);
    assert_eq!(c.exit_of(&coin).await?.owner, Address::ZERO);
    assert!(c.pending(&coin).await?.is_empty());

    // Bob exits his coin, which is paid.
    let receipt = c.start_exit(&coin, None, &to_bob).await?;
    let event = &events::<Game::ExitStarted>(&receipt)[0];
    assert_eq!((event.exitId, event.owner), (exit_id(2, coin.id), bob));
    c.t.next_tx_at(event.exitableAt).await?;
    assert_eq!(finalized(&c.t.process(10).await?), vec![(coin.id, exit_id(2, coin.id), bob, true)]);
    assert_eq!(c.t.withdrawable(bob).await?, eth(2) + c.exit_bond() * U256::from(2) + c.challenge_bond());
    assert_eq!(c.t.withdrawable(alice).await?, U256::ZERO);
    Ok(())
}

#[rstest]
#[tokio::test]
async fn rust_and_the_contract_hash_transactions_alike(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let c = Cash::new(backend).await?;
    let domain = c.t.domain();
    let txs = [
        CashTx { coinId: 0, prevBlock: 0, newOwner: Address::ZERO },
        CashTx { coinId: 1, prevBlock: 1, newOwner: c.t.user(0) },
        CashTx { coinId: u64::MAX, prevBlock: u64::MAX - 1, newOwner: Address::repeat_byte(0xff) },
    ];
    for tx in txs {
        let on_chain = c.t.game_view(Game::txHashCall { cashTx: tx }).await?;
        assert_eq!(on_chain, domain.hash_typed(&tx));
    }
    let periods =
        (c.t.game_view(Game::responsePeriodCall {}).await?, c.t.game_view(Game::historyChallengeWindowCall {}).await?);
    assert_eq!(periods, (c.r(), 3 * c.r()));
    assert_eq!(c.t.game_view(Game::exitBondCall {}).await?, c.exit_bond());
    assert_eq!(c.t.game_view(Game::challengeBondCall {}).await?, c.challenge_bond());
    assert_eq!(c.t.game_view(Game::frameworkCall {}).await?, c.t.deployment.framework);
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Exit starts (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn only_the_owner_exits_and_a_coin_has_one_open_exit() -> TestResult {
    let mut c = Cash::new("embedded").await?;
    let (alice, bob, carol) = (c.t.user(0), c.t.user(1), c.t.user(2));
    let bond = c.exit_bond();
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;

    // Only the depositor exits a deposit, only the new owner exits a transaction.
    let call = Cash::deposit_exit_call(&coin);
    assert_eq!(c.t.game_revert(bob, call.clone(), bond).await?, "bad deposit");
    let exit = c.exit_call(&coin, None, &to_bob);
    assert_eq!(c.t.game_revert(alice, exit.clone(), bond).await?, "not owner");
    assert_eq!(c.t.game_revert(carol, exit.clone(), bond).await?, "not owner");

    // One open exit per coin: Alice's (of a coin she spent) blocks Bob's until it ends.
    c.t.game_send(alice, call.clone(), bond).await?;
    let alice_started = c.t.now().await?;
    assert_eq!(c.t.game_revert(alice, call.clone(), bond).await?, "exit exists");
    assert_eq!(c.t.game_revert(bob, exit.clone(), bond).await?, "exit exists");
    let spent = c.spent_call(&coin, &to_bob);
    c.t.game_send(carol, spent, U256::ZERO).await?;
    c.t.game_send(bob, exit.clone(), bond).await?;
    let bob_started = c.t.now().await?;
    assert_eq!(c.t.game_revert(bob, exit, bond).await?, "exit exists");
    assert_eq!(c.t.game_revert(alice, call, bond).await?, "exit exists");

    // The cancelled exit's queue entry comes out first and is skipped; Bob's is paid.
    c.t.next_tx_at(alice_started + c.t.min_exit_period).await?;
    let receipt = c.t.process(10).await?;
    assert_eq!(events::<Fw::ExitsProcessed>(&receipt)[0].count, U256::from(1));
    assert!(finalized(&receipt).is_empty() && cancelled(&receipt).is_empty());
    assert_eq!(c.exit_of(&coin).await?.owner, bob);
    c.t.next_tx_at(bob_started + c.t.min_exit_period).await?;
    assert_eq!(finalized(&c.t.process(10).await?), vec![(coin.id, exit_id(2, coin.id), bob, true)]);
    // Carol's cancel names Bob (the spend's new owner): Alice's bond is his.
    assert_eq!(c.t.withdrawable(bob).await?, eth(1) + bond + bond);
    assert_eq!(c.t.withdrawable(carol).await?, U256::ZERO);
    assert_eq!(c.t.withdrawable(alice).await?, U256::ZERO);
    Ok(())
}

#[tokio::test]
async fn start_deposit_exit_reverts_with_the_documented_reasons() -> TestResult {
    let mut c = Cash::new("embedded").await?;
    let alice = c.t.user(0);
    let coin = c.deposit(0, eth(1)).await?;
    let child = c.block(&[]).await?;
    let bond = c.exit_bond();
    let call = |coin_id: u64, amount: U256| Game::startDepositExitCall { coinId: coin_id, amount };
    let cases = [
        ("bad bond", call(coin.id, eth(1)), U256::ZERO),
        ("bad bond", call(coin.id, eth(1)), bond + U256::from(1)),
        ("not a deposit block", call(child, eth(1)), bond),
        ("no such block", call(coin.id + 1, eth(1)), bond),
        ("no such block", call(u64::MAX, eth(1)), bond),
        ("bad deposit", call(coin.id, eth(2)), bond),
        ("bad deposit", call(coin.id, U256::ZERO), bond),
    ];
    for (expected, call, value) in cases {
        assert_eq!(c.t.game_revert(alice, call.clone(), value).await?, expected, "{call:?}");
    }
    c.t.game_send(alice, call(coin.id, eth(1)), bond).await?;
    assert_eq!(c.t.game_revert(alice, call(coin.id, eth(1)), bond).await?, "exit exists");
    Ok(())
}

#[tokio::test]
async fn start_exit_reverts_with_the_documented_reasons() -> TestResult {
    let mut c = Cash::new("embedded").await?;
    let (bob, carol, dave) = (c.t.user(1), c.t.user(2), c.t.user(3));
    let bond = c.exit_bond();
    // A block before the deposit already holds a "spend" of coin 1001 signed by its future depositor.
    let early_tx = CashTx { coinId: 1001, prevBlock: 1001, newOwner: carol };
    let early = Moved { tx: early_tx, sig: c.sign(0, &early_tx), blknum: c.block(&[&early_tx]).await? };
    let coin = c.deposit(0, eth(1)).await?;
    assert_eq!(coin.id, 1001);
    let other = c.deposit(1, eth(1)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    let to_carol = c.pay(&coin, to_bob.blknum, 1, 2).await?;
    // Carol's payment from the early block, and one from a parent that is not the exiting tx's.
    let from_early = c.pay(&coin, early.blknum, 2, 3).await?;
    let ok = c.exit_call(&coin, Some(&to_bob), &to_carol);

    let mut cases: Vec<(&str, Address, Game::startExitCall, U256)> = vec![("bad bond", carol, ok.clone(), U256::ZERO)];
    cases.push(("bad bond", carol, ok.clone(), bond * U256::from(2)));
    // The deposit record.
    let mut call = ok.clone();
    call.coinId = to_bob.blknum;
    cases.push(("not a deposit block", carol, call, bond));
    let mut call = ok.clone();
    call.coinId = other.id + 1;
    cases.push(("no such block", carol, call, bond));
    let mut call = ok.clone();
    call.depositor = bob;
    cases.push(("bad deposit", carol, call, bond));
    let mut call = ok.clone();
    call.amount = eth(2);
    cases.push(("bad deposit", carol, call, bond));
    // The exiting transaction: another coin's, another owner's, not in a child block, not included.
    let mut call = ok.clone();
    call.coinId = other.id;
    call.depositor = other.depositor;
    cases.push(("wrong coin", carol, call, bond));
    cases.push(("not owner", bob, ok.clone(), bond));
    let mut call = ok.clone();
    call.exiting.blknum = coin.id;
    cases.push(("not a child block", carol, call, bond));
    let mut call = ok.clone();
    call.exiting.blknum = to_carol.blknum + 1000 * 10;
    cases.push(("no such block", carol, call, bond));
    let mut call = ok.clone();
    call.exiting.blknum = to_bob.blknum;
    cases.push(("not included", carol, call, bond));
    let mut call = ok.clone();
    call.exiting.proof = [[0u8; 7].as_slice(), &[1], &[7u8; 32]].concat().into();
    cases.push(("not included", carol, call, bond));
    let mut call = ok.clone();
    call.exiting.tx.prevBlock = to_carol.blknum;
    cases.push(("not included", carol, call, bond));
    let mut call = ok.clone();
    call.exiting.proof = Bytes::new();
    cases.push(("not included", carol, call, bond));
    // The parent: of another coin, at another block, missing, not included, or before the deposit.
    let mut call = ok.clone();
    call.parent.tx.coinId = other.id;
    cases.push(("wrong coin", carol, call, bond));
    let mut call = ok.clone();
    call.parent = c.inc(&to_carol);
    call.parent.tx.coinId = coin.id;
    cases.push(("bad parent", carol, call, bond));
    let mut call = ok.clone();
    call.parent = Cash::no_parent();
    cases.push(("bad parent", carol, call, bond));
    let mut call = ok.clone();
    call.parent.blknum = to_carol.blknum;
    cases.push(("bad parent", carol, call, bond));
    let mut call = ok.clone();
    call.parent.tx.newOwner = dave;
    cases.push(("not included", carol, call, bond));
    cases.push(("bad order", dave, c.exit_call(&coin, Some(&early), &from_early), bond));
    // A deposit spend with a non-zero parent.
    let mut call = c.exit_call(&coin, None, &to_bob);
    call.parent.blknum = to_bob.blknum;
    cases.push(("bad parent", bob, call, bond));
    let mut call = c.exit_call(&coin, None, &to_bob);
    call.parent.proof = vec![0u8; 8].into();
    cases.push(("bad parent", bob, call, bond));
    let mut call = c.exit_call(&coin, None, &to_bob);
    call.parent.tx.newOwner = bob;
    cases.push(("bad parent", bob, call, bond));
    // Signatures: by someone else than P(C)'s owner, high-s, truncated, none.
    let mut call = ok.clone();
    call.exitingSig = c.sign(2, &to_carol.tx);
    cases.push(("bad signature", carol, call, bond));
    let mut call = ok.clone();
    call.exitingSig = c.key(1).sign_typed(&c.t.domain(), &to_carol.tx).high_s_twin().to_bytes().to_vec().into();
    cases.push(("bad signature", carol, call, bond));
    let mut call = ok.clone();
    call.exitingSig = call.exitingSig.slice(..64);
    cases.push(("bad signature", carol, call, bond));
    let mut call = ok.clone();
    call.exitingSig = Bytes::new();
    cases.push(("bad signature", carol, call, bond));

    for (expected, from, call, value) in cases {
        assert_eq!(c.t.game_revert(from, call.clone(), value).await?, expected, "{call:?}");
    }
    c.t.game_send(carol, ok.clone(), bond).await?;
    assert_eq!(c.t.game_revert(carol, ok, bond).await?, "exit exists");
    Ok(())
}

/// "bad order" for an exiting transaction in a block that is not after its parent's.
#[tokio::test]
async fn an_exit_needs_its_parent_before_it() -> TestResult {
    let mut c = Cash::new("embedded").await?;
    let (bob, carol) = (c.t.user(1), c.t.user(2));
    let bond = c.exit_bond();
    // Child block 1000 first, then the deposit: a deposit spend in block 1000 is not after it.
    let coin_tx = CashTx { coinId: 1001, prevBlock: 1001, newOwner: bob };
    let early = Moved { tx: coin_tx, sig: c.sign(0, &coin_tx), blknum: c.block(&[&coin_tx]).await? };
    let coin = c.deposit(0, eth(1)).await?;
    assert_eq!(c.t.game_revert(bob, c.exit_call(&coin, None, &early), bond).await?, "bad order");
    // A transaction at 3000 that names, as its parent, the coin's transaction at 4000.
    c.pay(&coin, coin.id, 0, 1).await?;
    let exiting_tx = CashTx { coinId: coin.id, prevBlock: 4000, newOwner: carol };
    let exiting = Moved { tx: exiting_tx, sig: c.sign(1, &exiting_tx), blknum: c.block(&[&exiting_tx]).await? };
    let parent_tx = CashTx { coinId: coin.id, prevBlock: coin.id, newOwner: bob };
    let parent = Moved { tx: parent_tx, sig: Bytes::new(), blknum: c.block(&[&parent_tx]).await? };
    assert_eq!((exiting.blknum, parent.blknum), (3000, 4000));
    assert_eq!(c.t.game_revert(carol, c.exit_call(&coin, Some(&parent), &exiting), bond).await?, "bad order");
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Spent-coin challenge (embedded): protocols.md 3.9, testChallengeAfter
// -------------------------------------------------------------------------------------------------

/// The chain of a spent-coin case: the exit's C (and parent), then the coin's next two moves.
struct SpentCase {
    c: Cash,
    coin: Coin,
    /// `(parent, exiting)` of the exit; `exiting` is `None` for a deposit exit.
    exit: (Option<Moved>, Option<Moved>),
    /// The direct spend of C and its child.
    direct: Moved,
    indirect: Moved,
}

/// Builds a coin whose exit has `transfers` transfers before it (0: deposit exit, 1: C spends the
/// deposit, 2: C spends a child-block parent); users 0, 1, 2, … own it in turn.
async fn spent_case(transfers: usize) -> TestResult<SpentCase> {
    let mut c = Cash::new("embedded").await?;
    let coin = c.deposit(0, eth(1)).await?;
    let mut moves: Vec<Moved> = Vec::new();
    for owner in 0..transfers + 2 {
        let prev = moves.last().map_or(coin.id, |m| m.blknum);
        moves.push(c.pay(&coin, prev, owner, owner + 1).await?);
    }
    let indirect = moves.pop().unwrap();
    let direct = moves.pop().unwrap();
    let exiting = moves.pop();
    let parent = moves.pop();
    match &exiting {
        None => c.deposit_exit(&coin).await?,
        Some(exiting) => c.start_exit(&coin, parent.as_ref(), exiting).await?,
    };
    Ok(SpentCase { c, coin, exit: (parent, exiting), direct, indirect })
}

#[rstest]
#[tokio::test]
async fn a_direct_spend_cancels_the_exit(#[values(0, 1, 2)] transfers: usize) -> TestResult {
    let SpentCase { mut c, coin, exit: (parent, exiting), direct, .. } = spent_case(transfers).await?;
    let watcher = c.t.user(8);
    let owner = c.exit_of(&coin).await?.owner;
    let receipt = c.t.game_send(watcher, c.spent_call(&coin, &direct), U256::ZERO).await?;
    let event = &events::<Game::ExitChallenged>(&receipt)[0];
    assert_eq!((event.coinId, event.exitId, event.challenger, event.kind), (coin.id, exit_id(1, coin.id), watcher, 1));
    // The bond goes to the spend's new owner; the watcher who sent the evidence gets nothing.
    assert_eq!(c.t.withdrawable(watcher).await?, U256::ZERO);
    assert_eq!(c.t.withdrawable(direct.tx.newOwner).await?, c.exit_bond());
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    assert_eq!(c.exit_of(&coin).await?.owner, Address::ZERO);
    let call = c.spent_call(&coin, &direct);
    assert_eq!(c.t.game_revert(watcher, call, U256::ZERO).await?, "no open exit");

    // The stale queue entry is skipped; the cancelled owner gets nothing.
    c.t.next_tx_at(c.t.now().await? + c.t.min_exit_period).await?;
    let receipt = c.t.process(10).await?;
    assert!(finalized(&receipt).is_empty() && cancelled(&receipt).is_empty());
    assert_eq!(c.t.withdrawable(owner).await?, U256::ZERO);
    assert!(!c.is_paid(&coin).await?);
    // The exit can be started again (and would be cancelled again).
    match &exiting {
        None => c.deposit_exit(&coin).await?,
        Some(exiting) => c.start_exit(&coin, parent.as_ref(), exiting).await?,
    };
    assert_eq!(c.exit_of(&coin).await?.seq, 2);
    Ok(())
}

#[rstest]
#[tokio::test]
async fn an_indirect_or_earlier_spend_does_not_cancel_the_exit(#[values(0, 1, 2)] transfers: usize) -> TestResult {
    let SpentCase { mut c, coin, exit: (parent, exiting), direct, indirect } = spent_case(transfers).await?;
    let watcher = c.t.user(8);
    // A later, indirect spend presumes its ancestors valid: refused.
    let call = c.spent_call(&coin, &indirect);
    assert_eq!(c.t.game_revert(watcher, call, U256::ZERO).await?, "not a spend");
    // Earlier moves of the coin (C itself, its parent) do not spend C.
    for earlier in [&exiting, &parent].into_iter().flatten() {
        let call = c.spent_call(&coin, earlier);
        assert_eq!(c.t.game_revert(watcher, call, U256::ZERO).await?, "not a spend");
    }
    // The direct spend, claimed in a block that is not after C: refused.
    let mut call = c.spent_call(&coin, &direct);
    call.spend.blknum = exiting.as_ref().map_or(coin.id, |e| e.blknum);
    assert_eq!(c.t.game_revert(watcher, call, U256::ZERO).await?, "bad order");
    // The exit is still open and the direct spend still cancels it.
    assert_eq!(c.exit_of(&coin).await?.seq, 1);
    c.t.game_send(watcher, c.spent_call(&coin, &direct), U256::ZERO).await?;
    Ok(())
}

#[tokio::test]
async fn challenge_spent_reverts_with_the_documented_reasons() -> TestResult {
    let SpentCase { mut c, coin, direct, .. } = spent_case(1).await?;
    let watcher = c.t.user(8);
    let other = c.deposit(5, eth(1)).await?;
    let ok = c.spent_call(&coin, &direct);
    let mut cases = Vec::new();
    let mut call = ok.clone();
    call.coinId = other.id;
    cases.push(("no open exit", call));
    let mut call = ok.clone();
    call.spend.tx.coinId = other.id;
    cases.push(("wrong coin", call));
    let mut call = ok.clone();
    call.spend.tx.prevBlock += 1000;
    cases.push(("not a spend", call));
    let mut call = ok.clone();
    call.spend.blknum += 1;
    cases.push(("not a child block", call));
    let mut call = ok.clone();
    call.spend.blknum += 100_000;
    cases.push(("no such block", call));
    let mut call = ok.clone();
    call.spend.tx.newOwner = c.t.user(7);
    cases.push(("not included", call));
    let mut call = ok.clone();
    call.spend.proof = call.spend.proof.slice(..0);
    cases.push(("not included", call));
    let mut call = ok.clone();
    call.sig = c.sign(2, &direct.tx);
    cases.push(("bad signature", call));
    let mut call = ok.clone();
    call.sig = Bytes::from(vec![0u8; 65]);
    cases.push(("bad signature", call));
    for (expected, call) in cases {
        assert_eq!(c.t.game_revert(watcher, call.clone(), U256::ZERO).await?, expected, "{call:?}");
    }
    c.t.game_send(watcher, ok, U256::ZERO).await?;
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Double-spend challenge (embedded): protocols.md 3.9, testChallengeBetween
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_double_spend_of_the_deposit_cancels_the_exit() -> TestResult {
    // 1 -> 2, 1 -> 3, exit (1, 3), challenge with 2.
    let mut c = Cash::new("embedded").await?;
    let (u2, u3) = (c.t.user(2), c.t.user(3));
    let coin = c.deposit(1, eth(1)).await?;
    let to_2 = c.pay(&coin, coin.id, 1, 2).await?;
    let to_3 = c.pay(&coin, coin.id, 1, 3).await?;
    c.start_exit(&coin, None, &to_3).await?;
    // A later spend of P(C) (after C) is refused.
    let to_4 = c.pay(&coin, coin.id, 1, 4).await?;
    let call = c.double_spend_call(&coin, &to_4);
    assert_eq!(c.t.game_revert(u2, call, U256::ZERO).await?, "bad order");
    // C itself is not "between".
    let call = c.double_spend_call(&coin, &to_3);
    assert_eq!(c.t.game_revert(u2, call, U256::ZERO).await?, "bad order");

    let receipt = c.t.game_send(u2, c.double_spend_call(&coin, &to_2), U256::ZERO).await?;
    let event = &events::<Game::ExitChallenged>(&receipt)[0];
    assert_eq!((event.challenger, event.kind), (u2, 2));
    assert_eq!(c.t.withdrawable(u2).await?, c.exit_bond());
    assert_eq!(c.t.withdrawable(u3).await?, U256::ZERO);
    assert_eq!(c.exit_of(&coin).await?.owner, Address::ZERO);
    Ok(())
}

#[tokio::test]
async fn a_double_spend_deep_in_the_other_branch_cancels_the_exit() -> TestResult {
    // 1 -> 3 -> 4 -> 5 and 1 -> 6; exit (1, 6), challenge with 3.
    let mut c = Cash::new("embedded").await?;
    let coin = c.deposit(1, eth(1)).await?;
    let to_3 = c.pay(&coin, coin.id, 1, 3).await?;
    let to_4 = c.pay(&coin, to_3.blknum, 3, 4).await?;
    let to_5 = c.pay(&coin, to_4.blknum, 4, 5).await?;
    let to_6 = c.pay(&coin, coin.id, 1, 6).await?;
    c.start_exit(&coin, None, &to_6).await?;
    let watcher = c.t.user(8);
    // The later moves of the other branch do not spend P(C).
    for later in [&to_4, &to_5] {
        let call = c.double_spend_call(&coin, later);
        assert_eq!(c.t.game_revert(watcher, call, U256::ZERO).await?, "not a spend");
    }
    let receipt = c.t.game_send(watcher, c.double_spend_call(&coin, &to_3), U256::ZERO).await?;
    assert_eq!(events::<Game::ExitChallenged>(&receipt)[0].kind, 2);
    // The bond goes to the earlier spend's new owner (user 3), not to the watcher.
    assert_eq!(c.t.withdrawable(watcher).await?, U256::ZERO);
    assert_eq!(c.t.withdrawable(c.t.user(3)).await?, c.exit_bond());
    Ok(())
}

#[tokio::test]
async fn a_double_spend_of_a_child_block_parent_and_its_limits() -> TestResult {
    // 0 -> 1 (P(C)), 1 -> 2 at b, 1 -> 3 at b' > b (C); 3 exits; 2's spend is the double spend. A spend
    // of P(C) "before" P(C) (an operator-forged block) and one after C are refused.
    let mut c = Cash::new("embedded").await?;
    let coin = c.deposit(0, eth(1)).await?;
    let before_tx = CashTx { coinId: coin.id, prevBlock: 3000, newOwner: c.t.user(7) };
    let to_1 = c.pay(&coin, coin.id, 0, 1).await?;
    assert_eq!(to_1.blknum, 1000);
    let before_blk = c.block(&[&before_tx]).await?;
    assert_eq!(before_blk, 2000);
    let before = Moved { tx: before_tx, sig: c.sign(1, &before_tx), blknum: before_blk };
    let p_tx = CashTx { coinId: coin.id, prevBlock: to_1.blknum, newOwner: c.t.user(1) };
    let p_blk = c.block(&[&p_tx]).await?;
    assert_eq!(p_blk, 3000);
    let parent = Moved { tx: p_tx, sig: Bytes::new(), blknum: p_blk };
    let to_2 = c.pay(&coin, p_blk, 1, 2).await?;
    let to_3 = c.pay(&coin, p_blk, 1, 3).await?;
    c.start_exit(&coin, Some(&parent), &to_3).await?;
    let to_4 = c.pay(&coin, p_blk, 1, 4).await?;
    let watcher = c.t.user(8);
    for refused in [&before, &to_4] {
        let call = c.double_spend_call(&coin, refused);
        assert_eq!(c.t.game_revert(watcher, call, U256::ZERO).await?, "bad order");
    }
    c.t.game_send(watcher, c.double_spend_call(&coin, &to_2), U256::ZERO).await?;
    assert_eq!(c.t.withdrawable(c.t.user(2)).await?, c.exit_bond());
    Ok(())
}

#[tokio::test]
async fn challenge_double_spend_reverts_with_the_documented_reasons() -> TestResult {
    let mut c = Cash::new("embedded").await?;
    let watcher = c.t.user(8);
    let coin = c.deposit(1, eth(1)).await?;
    let to_2 = c.pay(&coin, coin.id, 1, 2).await?;
    let to_3 = c.pay(&coin, coin.id, 1, 3).await?;
    let ok = c.double_spend_call(&coin, &to_2);
    assert_eq!(c.t.game_revert(watcher, ok.clone(), U256::ZERO).await?, "no open exit");
    // A deposit exit has no parent to double-spend.
    c.deposit_exit(&coin).await?;
    assert_eq!(c.t.game_revert(watcher, ok.clone(), U256::ZERO).await?, "not a spend");
    c.t.game_send(watcher, c.spent_call(&coin, &to_2), U256::ZERO).await?;
    c.start_exit(&coin, None, &to_3).await?;

    let other = c.deposit(5, eth(1)).await?;
    let mut cases = Vec::new();
    let mut call = ok.clone();
    call.spend.tx.coinId = other.id;
    cases.push(("wrong coin", call));
    let mut call = ok.clone();
    call.spend.tx.prevBlock = to_2.blknum;
    cases.push(("not a spend", call));
    let mut call = ok.clone();
    call.spend.blknum = coin.id;
    cases.push(("bad order", call));
    let mut call = ok.clone();
    call.spend.blknum = to_2.blknum + 1;
    cases.push(("not a child block", call));
    let mut call = ok.clone();
    call.spend.tx.newOwner = watcher;
    cases.push(("not included", call));
    let mut call = ok.clone();
    call.sig = c.sign(2, &to_2.tx);
    cases.push(("bad signature", call));
    for (expected, call) in cases {
        assert_eq!(c.t.game_revert(watcher, call.clone(), U256::ZERO).await?, expected, "{call:?}");
    }
    // "no such block" needs a child block number between pBlk and eBlk that was never submitted:
    // the framework numbers child blocks without gaps, so there is none.
    c.t.game_send(watcher, ok, U256::ZERO).await?;
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Invalid-history challenges (embedded): protocols.md 3.9, testChallengeBefore
// -------------------------------------------------------------------------------------------------

/// An honest coin 0 -> 1 -> 2 -> 3 (blocks 1000, 2000, 3000) whose owner 3 has exited.
struct Honest {
    c: Cash,
    coin: Coin,
    moves: Vec<Moved>,
    started_at: u64,
}

async fn honest_exit() -> TestResult<Honest> {
    let mut c = Cash::new("embedded").await?;
    let coin = c.deposit(0, eth(1)).await?;
    let mut moves = Vec::new();
    for owner in 0..3 {
        let prev = moves.last().map_or(coin.id, |m: &Moved| m.blknum);
        moves.push(c.pay(&coin, prev, owner, owner + 1).await?);
    }
    c.start_exit(&coin, Some(&moves[1]), &moves[2]).await?;
    let started_at = c.t.now().await?;
    Ok(Honest { c, coin, moves, started_at })
}

#[tokio::test]
async fn a_challenge_with_the_deposit_is_answered_by_its_spend() -> TestResult {
    let Honest { mut c, coin, moves, started_at } = honest_exit().await?;
    let (alice, griefer, owner) = (c.t.user(0), c.t.user(7), c.t.user(3));
    c.challenge_history(griefer, &coin, Cash::deposit_entry(&coin)).await?;
    let pending = c.pending(&coin).await?;
    assert_eq!((pending.len(), pending[0].blknum, pending[0].owner), (1, coin.id, alice));

    // An answer must be the direct spend of the deposit: C itself or P(C) are refused.
    for wrong in [&moves[1], &moves[2]] {
        let call = c.respond_call(&coin, coin.id, wrong);
        assert_eq!(c.t.game_revert(owner, call, U256::ZERO).await?, "not a spend");
    }
    let receipt = c.respond(owner, &coin, coin.id, &moves[0]).await?;
    let event = &events::<Game::HistoryChallengeAnswered>(&receipt)[0];
    assert_eq!(
        (event.coinId, event.exitId, event.responder, event.challengeBlk, &event.tx, event.blknum),
        (coin.id, exit_id(1, coin.id), owner, coin.id, &moves[0].tx, moves[0].blknum)
    );
    assert_eq!((&event.proof, &event.sig), (&c.inc(&moves[0]).proof, &moves[0].sig));
    assert_eq!(c.t.withdrawable(owner).await?, c.challenge_bond());
    assert!(c.pending(&coin).await?.is_empty());
    // The block cannot be challenged again in this exit: its answer is public.
    let (call, bond) = (Cash::history_call(&coin, Cash::deposit_entry(&coin)), c.challenge_bond());
    assert_eq!(c.t.game_revert(griefer, call, bond).await?, "already challenged");

    c.t.next_tx_at(started_at + c.t.min_exit_period).await?;
    assert_eq!(finalized(&c.t.process(10).await?), vec![(coin.id, exit_id(1, coin.id), owner, true)]);
    assert_eq!(c.t.withdrawable(owner).await?, eth(1) + c.exit_bond() + c.challenge_bond());
    assert_eq!(c.t.withdrawable(griefer).await?, U256::ZERO);
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    Ok(())
}

#[tokio::test]
async fn an_unanswered_challenge_with_the_deposit_cancels_a_forged_exit() -> TestResult {
    // Alice deposits; the operator forges Alice -> Eve at 1000 and Eve -> Eve2 at 2000.
    let mut c = Cash::new("embedded").await?;
    let (alice, eve, eve2) = (c.t.user(0), c.t.user(4), c.t.user(5));
    let coin = c.deposit(0, eth(1)).await?;
    let forged = c.moved(&coin, coin.id, 4, eve).await?;
    let to_eve2 = c.pay(&coin, forged.blknum, 4, 5).await?;
    c.start_exit(&coin, Some(&forged), &to_eve2).await?;
    let started_at = c.t.now().await?;
    c.challenge_history(alice, &coin, Cash::deposit_entry(&coin)).await?;
    // Eve cannot answer with her forged transaction: it is not signed by Alice.
    let call = c.respond_call(&coin, coin.id, &forged);
    assert_eq!(c.t.game_revert(eve, call, U256::ZERO).await?, "bad signature");

    c.t.next_tx_at(started_at + c.t.min_exit_period).await?;
    let receipt = c.t.process(10).await?;
    assert_eq!(cancelled(&receipt), vec![(coin.id, exit_id(1, coin.id), alice)]);
    assert_eq!(c.t.withdrawable(alice).await?, c.exit_bond() + c.challenge_bond());
    assert_eq!(c.t.withdrawable(eve2).await?, U256::ZERO);
    assert!(!c.is_paid(&coin).await?);
    // Alice exits her deposit.
    c.deposit_exit(&coin).await?;
    c.t.next_tx_at(c.t.now().await? + c.t.min_exit_period).await?;
    assert_eq!(finalized(&c.t.process(10).await?), vec![(coin.id, exit_id(2, coin.id), alice, true)]);
    Ok(())
}

#[tokio::test]
async fn a_response_must_come_before_its_deadline_and_not_after_the_parent() -> TestResult {
    // 0 -> X at 1000; forged X -> Eve at 2000 (P(C)); Eve -> Eve2 at 3000 (C); X -> Y at 4000.
    let mut c = Cash::new("embedded").await?;
    let (x, eve, y) = (c.t.user(1), c.t.user(4), c.t.user(2));
    let coin = c.deposit(0, eth(1)).await?;
    let to_x = c.pay(&coin, coin.id, 0, 1).await?;
    let forged = c.moved(&coin, to_x.blknum, 4, eve).await?;
    let to_eve2 = c.pay(&coin, forged.blknum, 4, 5).await?;
    c.start_exit(&coin, Some(&forged), &to_eve2).await?;
    let x_to_y = c.pay(&coin, to_x.blknum, 1, 2).await?;
    c.challenge_history(x, &coin, c.inc(&to_x)).await?;
    // X's real spend came after P(C): it does not answer the challenge.
    let call = c.respond_call(&coin, to_x.blknum, &x_to_y);
    assert_eq!(c.t.game_revert(eve, call, U256::ZERO).await?, "bad order");

    // A deposit challenge answered by Alice's spend, but one second too late.
    c.challenge_history(y, &coin, Cash::deposit_entry(&coin)).await?;
    let deadline = c.pending(&coin).await?[1].deadline;
    c.t.next_tx_at(deadline).await?;
    let call = c.respond_call(&coin, coin.id, &to_x);
    assert_eq!(c.t.game_revert(eve, call, U256::ZERO).await?, "too late");
    Ok(())
}

#[tokio::test]
async fn a_response_in_time_is_accepted_at_the_last_second() -> TestResult {
    let Honest { mut c, coin, moves, .. } = honest_exit().await?;
    let (griefer, owner) = (c.t.user(7), c.t.user(3));
    c.challenge_history(griefer, &coin, c.inc(&moves[0])).await?;
    let deadline = c.pending(&coin).await?[0].deadline;
    c.t.next_tx_at(deadline - 1).await?;
    c.respond(owner, &coin, moves[0].blknum, &moves[1]).await?;
    assert_eq!(c.exit_of(&coin).await?.pendingCount, U256::ZERO);
    Ok(())
}

#[tokio::test]
async fn every_history_challenge_must_be_answered() -> TestResult {
    let Honest { mut c, coin, moves, started_at } = honest_exit().await?;
    let (alice, bob, owner, g1, g2) = (c.t.user(0), c.t.user(1), c.t.user(3), c.t.user(6), c.t.user(7));
    // Two griefers challenge with the deposit and with the first payment; only one is answered.
    c.challenge_history(g1, &coin, Cash::deposit_entry(&coin)).await?;
    c.challenge_history(g2, &coin, c.inc(&moves[0])).await?;
    let pending = c.pending(&coin).await?;
    assert_eq!(
        pending.iter().map(|p| (p.challenger, p.blknum, p.owner)).collect::<Vec<_>>(),
        vec![(g1, coin.id, alice), (g2, moves[0].blknum, bob)]
    );
    c.respond(owner, &coin, coin.id, &moves[0]).await?;
    assert_eq!(c.exit_of(&coin).await?.pendingCount, U256::from(1));
    c.t.next_tx_at(started_at + c.t.min_exit_period).await?;
    let receipt = c.t.process(10).await?;
    // The exit bond goes to the owner the unanswered evidence names (Bob), not to its challenger,
    // and the coin is reserved for Bob for one response period.
    assert_eq!(cancelled(&receipt), vec![(coin.id, exit_id(1, coin.id), bob)]);
    assert_eq!(c.t.withdrawable(g2).await?, c.challenge_bond());
    assert_eq!(c.t.withdrawable(bob).await?, c.exit_bond());
    assert_eq!(c.t.withdrawable(g1).await?, U256::ZERO);
    assert_eq!(c.t.withdrawable(owner).await?, c.challenge_bond());
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    let call = c.exit_call(&coin, Some(&moves[1]), &moves[2]);
    let bond = c.exit_bond();
    assert_eq!(c.t.game_revert(owner, call, bond).await?, "coin reserved");
    let at = c.t.now().await? + c.r();
    c.t.next_tx_at(at).await?;

    // The owner restarts once the reservation is over and, this time, answers both.
    c.start_exit(&coin, Some(&moves[1]), &moves[2]).await?;
    let restarted = c.t.now().await?;
    c.challenge_history(g1, &coin, Cash::deposit_entry(&coin)).await?;
    c.challenge_history(g2, &coin, c.inc(&moves[0])).await?;
    c.respond(owner, &coin, moves[0].blknum, &moves[1]).await?;
    c.respond(owner, &coin, coin.id, &moves[0]).await?;
    c.t.next_tx_at(restarted + c.t.min_exit_period).await?;
    assert_eq!(finalized(&c.t.process(10).await?), vec![(coin.id, exit_id(2, coin.id), owner, true)]);
    assert_eq!(c.t.withdrawable(owner).await?, eth(1) + c.exit_bond() + c.challenge_bond() * U256::from(3));
    Ok(())
}

#[tokio::test]
async fn challenges_close_after_three_response_periods() -> TestResult {
    let Honest { mut c, coin, moves, started_at } = honest_exit().await?;
    let griefer = c.t.user(7);
    let bond = c.challenge_bond();
    c.t.next_tx_at(started_at + 3 * c.r() - 1).await?;
    c.challenge_history(griefer, &coin, Cash::deposit_entry(&coin)).await?;
    let call = Cash::history_call(&coin, c.inc(&moves[0]));
    assert_eq!(c.t.game_revert(griefer, call, bond).await?, "window closed");
    // The last challenge's deadline is still before the exit becomes processable.
    let deadline = c.pending(&coin).await?[0].deadline;
    assert!(deadline < c.exit_of(&coin).await?.exitableAt);
    Ok(())
}

#[tokio::test]
async fn challenge_history_reverts_with_the_documented_reasons() -> TestResult {
    let mut c = Cash::new("embedded").await?;
    let griefer = c.t.user(7);
    let bond = c.challenge_bond();
    // Block 1000 (before the deposit) holds a transaction for coin 1001 the operator made up.
    let early_tx = CashTx { coinId: 1001, prevBlock: 0, newOwner: griefer };
    let early_blk = c.block(&[&early_tx]).await?;
    let coin = c.deposit(0, eth(1)).await?;
    assert_eq!(coin.id, 1001);
    let other = c.deposit(1, eth(1)).await?;
    let mut moves = Vec::new();
    for owner in 0..3 {
        let prev = moves.last().map_or(coin.id, |m: &Moved| m.blknum);
        moves.push(c.pay(&coin, prev, owner, owner + 1).await?);
    }
    let ok = Cash::history_call(&coin, c.inc(&moves[0]));
    assert_eq!(c.t.game_revert(griefer, ok.clone(), bond).await?, "no open exit");
    // A deposit exit and a deposit-spend exit have no history to challenge.
    c.deposit_exit(&other).await?;
    let call = Cash::history_call(&other, Cash::deposit_entry(&other));
    assert_eq!(c.t.game_revert(griefer, call, bond).await?, "bad order");
    c.start_exit(&coin, None, &moves[0]).await?;
    let call = Cash::history_call(&coin, Cash::deposit_entry(&coin));
    assert_eq!(c.t.game_revert(griefer, call, bond).await?, "bad order");
    c.t.game_send(griefer, c.spent_call(&coin, &moves[1]), U256::ZERO).await?;
    c.start_exit(&coin, Some(&moves[1]), &moves[2]).await?;

    let mut cases = vec![("bad bond", ok.clone(), U256::ZERO), ("bad bond", ok.clone(), bond - U256::from(1))];
    let mut call = ok.clone();
    call.earlier.tx.coinId = other.id;
    cases.push(("wrong coin", call, bond));
    // Before the deposit, at or after P(C).
    cases.push(("bad order", Cash::history_call(&coin, c.included(&early_tx, early_blk)), bond));
    cases.push(("bad order", Cash::history_call(&coin, c.inc(&moves[1])), bond));
    cases.push(("bad order", Cash::history_call(&coin, c.inc(&moves[2])), bond));
    // The deposit: wrong owner, a non-zero prevBlock, a proof.
    let mut deposit = Cash::deposit_entry(&coin);
    deposit.tx.newOwner = griefer;
    cases.push(("bad deposit", Cash::history_call(&coin, deposit), bond));
    let mut deposit = Cash::deposit_entry(&coin);
    deposit.tx.prevBlock = coin.id;
    cases.push(("bad deposit", Cash::history_call(&coin, deposit), bond));
    let mut deposit = Cash::deposit_entry(&coin);
    deposit.proof = vec![0u8; 8].into();
    cases.push(("bad deposit", Cash::history_call(&coin, deposit), bond));
    // Another deposit block between the deposit and P(C); a tx not in its block.
    let mut call = ok.clone();
    call.earlier.blknum = other.id;
    cases.push(("not a child block", call, bond));
    let mut call = ok.clone();
    call.earlier.tx.newOwner = griefer;
    cases.push(("not included", call, bond));
    for (expected, call, value) in cases {
        assert_eq!(c.t.game_revert(griefer, call.clone(), value).await?, expected, "{call:?}");
    }
    c.t.game_send(griefer, ok.clone(), bond).await?;
    assert_eq!(c.t.game_revert(griefer, ok, bond).await?, "already challenged");
    // "no such block": every child block below P(C) exists (the framework numbers them without gaps).
    Ok(())
}

#[tokio::test]
async fn respond_history_reverts_with_the_documented_reasons() -> TestResult {
    let Honest { mut c, coin, moves, .. } = honest_exit().await?;
    let (griefer, owner) = (c.t.user(7), c.t.user(3));
    let other = c.deposit(5, eth(1)).await?;
    c.challenge_history(griefer, &coin, c.inc(&moves[0])).await?;
    let ok = c.respond_call(&coin, moves[0].blknum, &moves[1]);
    let mut cases = Vec::new();
    let mut call = ok.clone();
    call.coinId = other.id;
    cases.push(("no open exit", call));
    let mut call = ok.clone();
    call.challengeBlk = coin.id;
    cases.push(("no such challenge", call));
    let mut call = ok.clone();
    call.challengeBlk = 0;
    cases.push(("no such challenge", call));
    let mut call = ok.clone();
    call.response.tx.coinId = other.id;
    cases.push(("wrong coin", call));
    let mut call = ok.clone();
    call.response.tx.prevBlock = coin.id;
    cases.push(("not a spend", call));
    let mut call = ok.clone();
    call.response.blknum = moves[0].blknum;
    cases.push(("bad order", call));
    let mut call = ok.clone();
    call.response.blknum = moves[0].blknum + 1;
    cases.push(("not a child block", call));
    let mut call = ok.clone();
    call.response.tx.newOwner = griefer;
    cases.push(("not included", call));
    let mut call = ok.clone();
    call.sig = c.sign(2, &moves[1].tx);
    cases.push(("bad signature", call));
    for (expected, call) in cases {
        assert_eq!(c.t.game_revert(owner, call.clone(), U256::ZERO).await?, expected, "{call:?}");
    }
    c.t.game_send(owner, ok.clone(), U256::ZERO).await?;
    assert_eq!(c.t.game_revert(owner, ok, U256::ZERO).await?, "no such challenge");
    Ok(())
}

#[tokio::test]
async fn a_spent_coin_cancel_refunds_pending_history_challenges() -> TestResult {
    // Owner 3 exits, then pays 4: a watcher cancels with the spend while two history challenges are
    // pending (one answered first).
    let Honest { mut c, coin, moves, .. } = honest_exit().await?;
    let (owner, g1, g2, watcher) = (c.t.user(3), c.t.user(6), c.t.user(7), c.t.user(8));
    c.challenge_history(g1, &coin, Cash::deposit_entry(&coin)).await?;
    c.challenge_history(g2, &coin, c.inc(&moves[0])).await?;
    c.respond(owner, &coin, coin.id, &moves[0]).await?;
    let spend = c.pay(&coin, moves[2].blknum, 3, 4).await?;
    c.t.game_send(watcher, c.spent_call(&coin, &spend), U256::ZERO).await?;
    assert_eq!(c.t.withdrawable(c.t.user(4)).await?, c.exit_bond(), "the spend's new owner gets the bond");
    assert_eq!(c.t.withdrawable(g2).await?, c.challenge_bond());
    assert_eq!(c.t.withdrawable(g1).await?, U256::ZERO);
    assert_eq!(c.t.withdrawable(owner).await?, c.challenge_bond());
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    Ok(())
}

/// A thief (the operator) makes more challenges than a settlement batch, all of which it can answer
/// itself: the owner's challenge still gets in (there is no cap to fill) and the thief's exit is
/// cancelled.
#[tokio::test]
async fn many_challenges_cannot_lock_the_owner_out() -> TestResult {
    let mut c = Cash::new("embedded").await?;
    let batch = c.t.game_view(Game::SETTLE_BATCHCall {}).await?.to::<usize>();
    let (alice, eve, eve2) = (c.t.user(0), c.t.user(4), c.t.user(5));
    let coin = c.deposit(0, eth(1)).await?;
    // Alice holds the coin. The operator forges a chain of Eve's own transactions in withheld
    // blocks: Alice -> Eve (forged), then Eve -> Eve, …, then Eve -> Eve2 (C).
    let mut chain = vec![c.moved(&coin, coin.id, 4, eve).await?];
    for _ in 0..batch + 2 {
        let prev = chain.last().unwrap().blknum;
        chain.push(c.moved(&coin, prev, 4, eve).await?);
    }
    let to_eve2 = c.pay(&coin, chain.last().unwrap().blknum, 4, 5).await?;
    c.start_exit(&coin, chain.last(), &to_eve2).await?;
    let started_at = c.t.now().await?;

    // Eve challenges every block of her chain below P(C): more than a batch, all answerable by her.
    let blocks = chain.len() - 1;
    for m in &chain[..blocks] {
        c.challenge_history(eve, &coin, c.inc(m)).await?;
    }
    assert_eq!(c.exit_of(&coin).await?.pendingCount, U256::from(blocks));
    // Alice's challenge is still accepted, and nobody can answer it.
    c.challenge_history(alice, &coin, Cash::deposit_entry(&coin)).await?;
    // Eve answers all of hers (recovering her bonds).
    for pair in chain.windows(2) {
        c.respond(eve, &coin, pair[0].blknum, &pair[1]).await?;
    }
    assert_eq!(c.pending(&coin).await?.iter().map(|p| p.challenger).collect::<Vec<_>>(), vec![alice]);
    c.t.next_tx_at(started_at + c.t.min_exit_period).await?;
    let receipt = c.t.process(10).await?;
    assert_eq!(cancelled(&receipt), vec![(coin.id, exit_id(1, coin.id), alice)]);
    assert_eq!(c.t.withdrawable(alice).await?, c.exit_bond() + c.challenge_bond());
    assert_eq!(c.t.withdrawable(eve).await?, c.challenge_bond() * U256::from(blocks));
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    assert_eq!(c.t.withdrawable(eve2).await?, U256::ZERO);
    Ok(())
}

#[tokio::test]
async fn a_cancelled_exit_refunds_more_than_a_batch_through_the_queue() -> TestResult {
    // An honest history of batch + 3 payments; nobody answers the griefers' challenges, so the
    // owner's exit is cancelled and every challenge bond comes back, one batch per queue entry.
    let mut c = Cash::new("embedded").await?;
    let batch = c.t.game_view(Game::SETTLE_BATCHCall {}).await?.to::<usize>();
    let coin = c.deposit(0, eth(1)).await?;
    let mut moves: Vec<Moved> = Vec::new();
    for n in 0..batch + 3 {
        let prev = moves.last().map_or(coin.id, |m| m.blknum);
        moves.push(c.pay(&coin, prev, n % 3, (n + 1) % 3).await?);
    }
    let exiting = moves.pop().unwrap();
    let owner = exiting.tx.newOwner;
    c.start_exit(&coin, moves.last(), &exiting).await?;
    let started_at = c.t.now().await?;
    let griefers = [c.t.user(5), c.t.user(6), c.t.user(7)];
    let mut earlier = vec![Cash::deposit_entry(&coin)];
    earlier.extend(moves[..moves.len() - 1].iter().map(|m| c.inc(m)));
    let count = earlier.len();
    assert!(count > batch + 1);
    for (n, entry) in earlier.into_iter().enumerate() {
        c.challenge_history(griefers[n % 3], &coin, entry).await?;
    }
    // One answered in the middle of the list: it is skipped.
    c.respond(owner, &coin, moves[0].blknum, &moves[1]).await?;

    // The first batch walks the latest challenges and re-queues the exit id; the owner named at the
    // lowest pending block (the deposit: the depositor), reached in the second, gets the exit bond.
    c.t.next_tx_at(started_at + c.t.min_exit_period).await?;
    let one = c.t.process(1).await?;
    assert!(cancelled(&one).is_empty() && finalized(&one).is_empty());
    assert_eq!(events::<Fw::ExitQueued>(&one).len(), 1, "the settlement continues through the queue");
    assert_eq!(c.exit_of(&coin).await?.owner, Address::ZERO);
    // No exit opens while the settlement is unfinished.
    let restart = c.exit_call(&coin, moves.last(), &exiting);
    let bond = c.exit_bond();
    assert_eq!(c.t.game_revert(owner, restart.clone(), bond).await?, "coin settling");
    let rest = c.t.process(10).await?;
    assert_eq!(cancelled(&rest), vec![(coin.id, exit_id(1, coin.id), coin.depositor)]);
    assert!(finalized(&rest).is_empty());
    // Then the coin is the depositor's to exit for one response period.
    assert_eq!(c.t.game_revert(owner, restart, bond).await?, "coin reserved");
    let at = c.t.now().await? + c.r();
    c.t.next_tx_at(at).await?;
    let receipt = c.start_exit(&coin, moves.last(), &exiting).await?;
    assert_eq!(events::<Game::ExitStarted>(&receipt)[0].exitId, exit_id(2, coin.id));
    assert_eq!(c.exit_of(&coin).await?.seq, 2);

    // Every griefer got its bonds back (the answered one went to the owner); the depositor the exit bond.
    let mut refunds = [0u64; 3];
    for n in 0..count {
        if n != 1 {
            refunds[n % 3] += 1;
        }
    }
    for (g, &n) in griefers.iter().zip(&refunds) {
        assert_eq!(c.t.withdrawable(*g).await?, c.challenge_bond() * U256::from(n));
    }
    assert!(c.t.withdrawable(coin.depositor).await? >= c.exit_bond());
    assert_eq!(c.t.bonds_held().await?, c.exit_bond());
    Ok(())
}

#[tokio::test]
async fn only_the_framework_processes_exits() -> TestResult {
    let mut c = Cash::new("embedded").await?;
    let coin = c.deposit(0, eth(1)).await?;
    c.deposit_exit(&coin).await?;
    let call = Game::processExitCall { exitId: exit_id(1, coin.id) };
    assert_eq!(c.t.game_revert(coin.depositor, call.clone(), U256::ZERO).await?, "not framework");
    let operator = c.t.operator();
    assert_eq!(c.t.game_revert(operator, call, U256::ZERO).await?, "not framework");
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Gas (both backends, same figures)
// -------------------------------------------------------------------------------------------------

/// Gas of every `CashExitGame` function in a typical case: eight coins moving together in each
/// block (so proofs carry real siblings), exits of the three kinds, each challenge, a response,
/// and processing of one paid and one cancelled exit.
async fn gas_figures(backend: &str) -> TestResult<Vec<(&'static str, u64)>> {
    let mut c = Cash::new(backend).await?;
    let mut coins = Vec::new();
    for user in 0..8 {
        coins.push(c.deposit(user, eth(1)).await?);
    }
    // Three rounds: every coin moves to the next user (coin 4 is double-spent in round 2).
    let mut history: Vec<Vec<Moved>> = vec![Vec::new(); 8];
    for round in 0..3 {
        let mut txs = Vec::new();
        for (n, coin) in coins.iter().enumerate() {
            let owner = (n + round) % 8;
            let prev = history[n].last().map_or(coin.id, |m| m.blknum);
            let prev = if n == 4 && round == 1 { coin.id } else { prev };
            let signer = if n == 4 && round == 1 { n } else { owner };
            let tx = CashTx { coinId: coin.id, prevBlock: prev, newOwner: c.t.user((owner + 1) % 8) };
            let sig = c.sign(signer, &tx);
            txs.push((tx, sig));
        }
        let blknum = c.block(&txs.iter().map(|(tx, _)| tx).collect::<Vec<_>>()).await?;
        for (n, (tx, sig)) in txs.into_iter().enumerate() {
            history[n].push(Moved { tx, blknum, sig });
        }
    }
    let mut figures = Vec::new();
    // Processed first: coin 0's deposit exit (paid) and coin 7's exit (cancelled).
    let paid = c.deposit_exit(&coins[0]).await?;
    // Coin 7: 7 -> 0 -> 1 -> 2 honest; its owner exits and a griefer's challenge stays unanswered.
    c.start_exit(&coins[7], Some(&history[7][1]), &history[7][2]).await?;
    let griefer = c.t.user(8);
    let challenge = c.challenge_history(griefer, &coins[7], c.inc(&history[7][0])).await?;
    figures.push(("startDepositExit", paid.gas_used));
    // startExit with a deposit parent (coin 1 after round 1) and with a child-block parent (coin 2).
    let with_deposit_parent = c.start_exit(&coins[1], None, &history[1][0]).await?;
    let with_block_parent = c.start_exit(&coins[2], Some(&history[2][1]), &history[2][2]).await?;
    figures.push(("startExit, deposit parent", with_deposit_parent.gas_used));
    figures.push(("startExit, child-block parent", with_block_parent.gas_used));
    // challengeSpent: coin 3's depositor exits a deposit she spent in round 1.
    c.deposit_exit(&coins[3]).await?;
    let spent = c.t.game_send(griefer, c.spent_call(&coins[3], &history[3][0]), U256::ZERO).await?;
    figures.push(("challengeSpent", spent.gas_used));
    // challengeDoubleSpend: coin 4 went 4 -> 5 in round 1 and 4 -> 6 (double spend) in round 2.
    c.start_exit(&coins[4], None, &history[4][1]).await?;
    let double = c.t.game_send(griefer, c.double_spend_call(&coins[4], &history[4][0]), U256::ZERO).await?;
    figures.push(("challengeDoubleSpend", double.gas_used));
    // challengeHistory and respondHistory on coin 2's exit.
    let history_gas = c.challenge_history(griefer, &coins[2], c.inc(&history[2][0])).await?;
    let owner = history[2][2].tx.newOwner;
    let respond = c.respond(owner, &coins[2], history[2][0].blknum, &history[2][1]).await?;
    figures.push(("challengeHistory", history_gas.gas_used));
    figures.push(("challengeHistory (first on coin 7)", challenge.gas_used));
    figures.push(("respondHistory", respond.gas_used));

    c.t.next_tx_at(c.t.now().await? + c.t.min_exit_period).await?;
    let one_paid = c.t.process(1).await?;
    assert_eq!(finalized(&one_paid).len(), 1);
    let one_cancelled = c.t.process(1).await?;
    assert_eq!(cancelled(&one_cancelled).len(), 1);
    figures.push(("processExits(1), 1 exit paid", one_paid.gas_used));
    figures.push(("processExits(1), 1 exit cancelled", one_cancelled.gas_used));
    Ok(figures)
}

#[tokio::test]
async fn gas_of_the_exit_game_is_the_same_on_both_backends() -> TestResult {
    gas_on_both_backends("CashExitGame gas (receipts: 21k base, calldata and refunds included):", 400_000, gas_figures)
        .await?;
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Security regressions (docs/security.md, "Findings fixed"; both backends)
// -------------------------------------------------------------------------------------------------

/// Alice deposits a coin and never moves it. The operator forges its history (a transfer to M1 at
/// block 1000 that Alice never signed, then M1 to M2 at 2000) and M2 exits; in the same breath an
/// accomplice challenges with Alice's own deposit entry, so Alice's challenge of that block reverts
/// "already challenged". Nobody can answer: at processing the exit is cancelled and its bond goes
/// to Alice, the owner that evidence names (the accomplice only gets its challenge bond back); the
/// coin is reserved for Alice, so M2's identical exit reverts "coin reserved" while Alice's deposit
/// exit opens and pays her the coin.
#[rstest]
#[tokio::test]
async fn a_forged_exit_pays_its_bond_to_the_victim_and_cannot_be_reopened(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut c = Cash::new(backend).await?;
    let (alice, m2, accomplice) = (c.t.user(0), c.t.user(4), c.t.user(5));
    let coin = c.deposit(0, eth(1)).await?;
    let forged = c.pay(&coin, coin.id, 0, 3).await?;
    // Alice's signature is never checked on P(C): the operator can include it unsigned.
    let to_m2 = c.pay(&coin, forged.blknum, 3, 4).await?;
    let exit = c.exit_call(&coin, Some(&forged), &to_m2);
    c.start_exit(&coin, Some(&forged), &to_m2).await?;
    c.challenge_history(accomplice, &coin, Cash::deposit_entry(&coin)).await?;
    let call = Cash::history_call(&coin, Cash::deposit_entry(&coin));
    let bond = c.challenge_bond();
    assert_eq!(c.t.game_revert(alice, call, bond).await?, "already challenged");

    let at = c.t.now().await? + c.t.min_exit_period;
    c.t.next_tx_at(at).await?;
    let receipt = c.t.process(10).await?;
    let cancelled = &events::<Game::ExitCancelled>(&receipt)[0];
    assert_eq!((cancelled.coinId, cancelled.beneficiary), (coin.id, alice));
    let reserved = &events::<Game::CoinReserved>(&receipt)[0];
    let processed_at = c.t.now().await?;
    assert_eq!((reserved.owner, reserved.until), (alice, processed_at + c.r()));
    assert_eq!(c.t.withdrawable(alice).await?, c.exit_bond());
    assert_eq!(c.t.withdrawable(accomplice).await?, c.challenge_bond());
    assert_eq!(c.t.withdrawable(m2).await?, U256::ZERO);
    let view = c.t.game_view(Game::reservationCall { coinId: coin.id }).await?;
    assert_eq!((view.owner, view.until, view.settling), (alice, processed_at + c.r(), false));

    let bond = c.exit_bond();
    assert_eq!(c.t.game_revert(m2, exit, bond).await?, "coin reserved");
    c.deposit_exit(&coin).await?;
    let at = c.t.now().await? + c.t.min_exit_period;
    c.t.next_tx_at(at).await?;
    c.t.process(10).await?;
    assert!(c.is_paid(&coin).await?);
    assert_eq!(c.t.withdrawable(alice).await?, coin.amount + c.exit_bond() * U256::from(2));
    Ok(())
}

/// A forged exit with more pending challenges than one settlement batch: while its settlement is
/// unfinished the coin accepts no exit ("coin settling"); once `processExits` finishes it, the
/// coin is reserved for the owner named at the lowest challenged block.
#[tokio::test]
async fn a_cancelled_exit_locks_its_coin_until_its_settlement_ends() -> TestResult {
    let mut c = Cash::new("embedded").await?;
    let (alice, m2) = (c.t.user(0), c.t.user(4));
    let coin = c.deposit(0, eth(1)).await?;
    let mut prev = coin.id;
    let mut forged = Vec::new();
    for _ in 0..18 {
        let moved = c.pay(&coin, prev, 3, 3).await?;
        prev = moved.blknum;
        forged.push(moved);
    }
    let last = forged.len() - 1;
    let (parent, exiting) = (forged[last - 1].clone(), forged[last].clone());
    let mut m2_exit = c.exit_call(&coin, Some(&parent), &exiting);
    m2_exit.exiting.tx.newOwner = m2;
    c.start_exit(&coin, Some(&parent), &exiting).await?;
    // Seventeen challenges: the forged entries (answerable by nobody: user 3 never answers) and the deposit.
    for moved in &forged[..last - 1] {
        c.challenge_history(c.t.user(6), &coin, c.inc(moved)).await?;
    }
    c.challenge_history(c.t.user(6), &coin, Cash::deposit_entry(&coin)).await?;
    let at = c.t.now().await? + c.t.min_exit_period;
    c.t.next_tx_at(at).await?;
    c.t.process(1).await?;
    let view = c.t.game_view(Game::reservationCall { coinId: coin.id }).await?;
    assert!(view.settling);
    let bond = c.exit_bond();
    assert_eq!(c.t.game_revert(alice, Cash::deposit_exit_call(&coin), bond).await?, "coin settling");
    let receipt = c.t.process(1).await?;
    assert_eq!(events::<Game::ExitCancelled>(&receipt)[0].beneficiary, alice);
    let view = c.t.game_view(Game::reservationCall { coinId: coin.id }).await?;
    assert_eq!((view.owner, view.settling), (alice, false));
    c.deposit_exit(&coin).await?;
    Ok(())
}

/// An operator includes a transaction giving a coin to nobody (owner zero), then one spending it
/// with no valid signature. A rejected signature recovers to zero, which used to match the zero
/// owner: now an expected signer of zero never matches, so the exit of the spend is refused and the
/// coin's depositor exits it.
#[rstest]
#[tokio::test]
async fn a_coin_given_to_nobody_cannot_be_spent_by_anyone(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut c = Cash::new(backend).await?;
    let mallory = c.t.user(4);
    let coin = c.deposit(0, eth(1)).await?;
    let to_nobody = c.moved(&coin, coin.id, 0, Address::ZERO).await?;
    let tx = CashTx { coinId: coin.id, prevBlock: to_nobody.blknum, newOwner: mallory };
    let blknum = c.block(&[&tx]).await?;
    let spend = Moved { tx, blknum, sig: Bytes::from(vec![0u8; 65]) };
    let call = c.exit_call(&coin, Some(&to_nobody), &spend);
    let bond = c.exit_bond();
    assert_eq!(c.t.game_revert(mallory, call, bond).await?, "bad signature");
    Ok(())
}

/// Alice pays her coin to Bob and exits it anyway; her accomplice copies Bob's spent-coin challenge
/// and gets it mined first. The exit bond still goes to Bob, whom the spend names, so the copy gains
/// nothing and Alice's exit costs her its bond; her reopen costs her another one, and Bob exits.
#[rstest]
#[tokio::test]
async fn a_copied_spent_coin_challenge_pays_the_spends_owner(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut c = Cash::new(backend).await?;
    let (alice, bob, accomplice) = (c.t.user(0), c.t.user(1), c.t.user(5));
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.pay(&coin, coin.id, 0, 1).await?;
    c.deposit_exit(&coin).await?;
    let receipt = c.t.game_send(accomplice, c.spent_call(&coin, &to_bob), U256::ZERO).await?;
    assert_eq!(events::<Game::ExitChallenged>(&receipt)[0].challenger, accomplice);
    assert_eq!(c.t.withdrawable(accomplice).await?, U256::ZERO);
    assert_eq!(c.t.withdrawable(bob).await?, c.exit_bond());
    c.deposit_exit(&coin).await?;
    c.t.game_send(accomplice, c.spent_call(&coin, &to_bob), U256::ZERO).await?;
    c.start_exit(&coin, None, &to_bob).await?;
    let at = c.t.now().await? + c.t.min_exit_period;
    c.t.next_tx_at(at).await?;
    c.t.process(10).await?;
    assert_eq!(c.t.withdrawable(bob).await?, coin.amount + c.exit_bond() * U256::from(3));
    assert_eq!((c.t.withdrawable(alice).await?, c.t.withdrawable(accomplice).await?), (U256::ZERO, U256::ZERO));
    Ok(())
}
