//! `DebitExitGame` on the EVM, independent of the Rust Plasma Debit crate: the tests build Debit
//! transactions with the binding's `DebitTx`, sign them with `plasma-core` (checking the digest
//! against the contract's `txHash`), put atomic payments at both their keys of 64-level sparse
//! trees, submit the roots and deposit through the framework, then drive exits by holders and the
//! operator, the Cash challenges on legs, the channel challenge and its answer, liquidity and
//! processing (`docs/debit.md`). The main lifecycle and one channel case run on both backends;
//! the scenarios of the issue and every revert reason run on the embedded EVM; the gas test runs
//! one scenario on both and requires the same figures.

// Fixture helpers outside `#[test]` functions: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use alloy_primitives::{Address, B256, Bytes, U256, aliases::U96};
use plasma_contracts::{
    DebitExitGame::{self as Game, DebitIncluded, DebitTx},
    PlasmaFramework as Fw,
};
use plasma_core::{SigningKey, SparseTree};
use plasma_integration_tests::GameCalls;
use plasma_integration_tests::{
    Coin, DebitDeployment, TestResult, coin_exit_id as exit_id, debit_single, eth, events, gas_on_both_backends,
};
use plasma_rootchain::Receipt;
use rstest::rstest;

const MILLI: u64 = 1_000_000_000_000_000;

/// `n` thousandths of an ether, in wei.
fn milli(n: u64) -> U256 {
    U256::from(n) * U256::from(MILLI)
}

/// A balance in wei as the `uint128` of a `DebitTx`.
fn bal(wei: U256) -> u128 {
    wei.to::<u128>()
}

/// A transaction in a submitted block, with the signatures of its legs (first, then peer).
#[derive(Clone, Debug)]
struct Moved {
    tx: DebitTx,
    blknum: u64,
    sigs: Vec<Bytes>,
}

impl Moved {
    /// The signature of the leg of `coin_id`.
    fn sig_for(&self, coin_id: u64) -> Bytes {
        if self.tx.coinId == coin_id { self.sigs[0].clone() } else { self.sigs[1].clone() }
    }
}

/// A co-signed channel state: the transaction, the holder's and the operator's signatures.
#[derive(Clone, Debug)]
struct State {
    tx: DebitTx,
    holder_sig: Bytes,
    operator_sig: Bytes,
}

/// A single-coin transaction: transfer, update or channel state.
fn single(coin_id: u64, prev_block: u64, owner: Address, balance: U256, nonce: u64) -> DebitTx {
    debit_single(coin_id, prev_block, owner, bal(balance), nonce)
}

/// One leg of a payment: coin, its last move, its holder, balance and nonce after.
type LegArgs = (u64, u64, Address, U256, u64);

/// An atomic payment with the two legs given.
fn payment(first: LegArgs, peer: LegArgs) -> DebitTx {
    DebitTx {
        coinId: first.0,
        prevBlock: first.1,
        newOwner: first.2,
        balance: bal(first.3),
        nonce: first.4,
        peerCoin: peer.0,
        peerPrevBlock: peer.1,
        peerOwner: peer.2,
        peerBalance: bal(peer.3),
        peerNonce: peer.4,
    }
}

/// A canonical proof with one made-up sibling: it proves nothing in these tests' blocks.
fn wrong_proof() -> Bytes {
    let mut bytes = vec![0u8; 8];
    bytes[7] = 1;
    bytes.extend([0x11u8; 32]);
    bytes.into()
}

/// `(coinId, holder, holderShare, operatorShare, penalty, paid)` of every `ExitFinalized`.
fn finalized(receipt: &Receipt) -> Vec<(u64, Address, U256, U256, bool, bool)> {
    events::<Game::ExitFinalized>(receipt)
        .into_iter()
        .map(|e| (e.coinId, e.holder, e.holderShare, e.operatorShare, e.penalty, e.paid))
        .collect()
}

/// `(coinId, exitId, beneficiary)` of every `ExitCancelled`.
fn cancelled(receipt: &Receipt) -> Vec<(u64, U96, Address)> {
    events::<Game::ExitCancelled>(receipt).into_iter().map(|e| (e.coinId, e.exitId, e.beneficiary)).collect()
}

/// The deployment plus the helpers that make, sign, include and exit Debit transactions.
struct Debit {
    t: DebitDeployment,
    /// The sparse tree of every submitted child block.
    trees: HashMap<u64, SparseTree>,
}

impl Debit {
    async fn new(backend: &str) -> TestResult<Self> {
        Ok(Self { t: DebitDeployment::new(backend).await?, trees: HashMap::new() })
    }

    fn operator(&self) -> Address {
        self.t.operator()
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

    fn sign_with(&self, key: &SigningKey, tx: &DebitTx) -> Bytes {
        key.sign_typed(&self.t.domain(), tx).to_bytes().to_vec().into()
    }

    /// User `signer`'s 65-byte signature of `tx` (`usize::MAX`: the operator's).
    fn sign(&self, signer: usize, tx: &DebitTx) -> Bytes {
        if signer == usize::MAX {
            self.sign_with(&self.t.operator_key, tx)
        } else {
            self.sign_with(&self.t.keys[signer], tx)
        }
    }

    /// A channel state of `coin` for user `holder`, co-signed by the operator.
    fn state(&self, coin: &Coin, prev_block: u64, holder: usize, balance: U256, nonce: u64) -> State {
        let tx = single(coin.id, prev_block, self.t.user(holder), balance, nonce);
        State { holder_sig: self.sign(holder, &tx), operator_sig: self.sign(usize::MAX, &tx), tx }
    }

    async fn deposit(&mut self, user: usize, amount: U256) -> TestResult<Coin> {
        let depositor = if user == usize::MAX { self.operator() } else { self.t.user(user) };
        let id = self.t.deposit(depositor, amount).await?;
        Ok(Coin { id, depositor, amount })
    }

    /// Submits a block with the given leaves and returns its number.
    async fn block_of(&mut self, leaves: Vec<(u64, B256)>) -> TestResult<u64> {
        let tree = SparseTree::from_leaves(leaves)?;
        let blknum = self.t.submit_block(tree.root()).await?;
        self.trees.insert(blknum, tree);
        Ok(blknum)
    }

    /// Builds the block of `txs`: each `txHash` at key `coinId` and, for a payment, at `peerCoin`.
    async fn block(&mut self, txs: &[&DebitTx]) -> TestResult<u64> {
        let domain = self.t.domain();
        let mut leaves = Vec::new();
        for tx in txs {
            let hash = domain.hash_typed(*tx);
            leaves.push((tx.coinId, hash));
            if tx.peerCoin != 0 {
                leaves.push((tx.peerCoin, hash));
            }
        }
        self.block_of(leaves).await
    }

    /// `tx` with its block and the proofs at its keys (of inclusion if the block holds it there).
    fn included(&self, tx: &DebitTx, blknum: u64) -> DebitIncluded {
        let proof_at = |key: u64| self.trees.get(&blknum).map(|tree| tree.proof(key).to_bytes()).unwrap_or_default();
        let peer_proof = if tx.peerCoin == 0 { Bytes::new() } else { proof_at(tx.peerCoin) };
        DebitIncluded { tx: *tx, blknum, proof: proof_at(tx.coinId), peerProof: peer_proof }
    }

    fn inc(&self, moved: &Moved) -> DebitIncluded {
        self.included(&moved.tx, moved.blknum)
    }

    /// Signs `tx` by `signers` (one per leg) and includes it alone in a new block.
    async fn moved(&mut self, tx: DebitTx, signers: &[usize]) -> TestResult<Moved> {
        let sigs = signers.iter().map(|s| self.sign(*s, &tx)).collect();
        let blknum = self.block(&[&tx]).await?;
        Ok(Moved { tx, blknum, sigs })
    }

    /// The deposit as a history challenge names it.
    fn deposit_entry(coin: &Coin) -> DebitIncluded {
        DebitIncluded {
            tx: single(coin.id, 0, coin.depositor, U256::ZERO, 0),
            blknum: coin.id,
            proof: Bytes::new(),
            peerProof: Bytes::new(),
        }
    }

    fn no_parent() -> DebitIncluded {
        DebitIncluded {
            tx: single(0, 0, Address::ZERO, U256::ZERO, 0),
            blknum: 0,
            proof: Bytes::new(),
            peerProof: Bytes::new(),
        }
    }

    fn deposit_exit_call(coin: &Coin) -> Game::startDepositExitCall {
        Game::startDepositExitCall { coinId: coin.id, depositor: coin.depositor, amount: coin.amount }
    }

    fn exit_call(&self, coin: &Coin, parent: Option<&Moved>, exiting: &Moved) -> Game::startExitCall {
        Game::startExitCall {
            coinId: coin.id,
            depositor: coin.depositor,
            amount: coin.amount,
            parent: parent.map_or_else(Self::no_parent, |p| self.inc(p)),
            exiting: self.inc(exiting),
            exitingSig: exiting.sig_for(coin.id),
        }
    }

    fn spent_call(&self, coin: &Coin, spend: &Moved) -> Game::challengeSpentCall {
        Game::challengeSpentCall { coinId: coin.id, spend: self.inc(spend), sig: spend.sig_for(coin.id) }
    }

    fn double_spend_call(&self, coin: &Coin, spend: &Moved) -> Game::challengeDoubleSpendCall {
        Game::challengeDoubleSpendCall { coinId: coin.id, spend: self.inc(spend), sig: spend.sig_for(coin.id) }
    }

    fn history_call(coin: &Coin, earlier: DebitIncluded) -> Game::challengeHistoryCall {
        Game::challengeHistoryCall { coinId: coin.id, earlier }
    }

    fn respond_call(&self, coin: &Coin, challenge_blk: u64, response: &Moved) -> Game::respondHistoryCall {
        Game::respondHistoryCall {
            coinId: coin.id,
            challengeBlk: challenge_blk,
            response: self.inc(response),
            sig: response.sig_for(coin.id),
        }
    }

    fn channel_call(coin: &Coin, state: &State) -> Game::challengeChannelCall {
        Game::challengeChannelCall {
            coinId: coin.id,
            state: state.tx,
            holderSig: state.holder_sig.clone(),
            operatorSig: state.operator_sig.clone(),
        }
    }

    fn answer_call(coin: &Coin, state: &State) -> Game::respondChannelCall {
        Game::respondChannelCall {
            coinId: coin.id,
            state: state.tx,
            holderSig: state.holder_sig.clone(),
            operatorSig: state.operator_sig.clone(),
        }
    }

    async fn deposit_exit(&mut self, from: Address, coin: &Coin) -> TestResult<Receipt> {
        let bond = self.exit_bond();
        self.t.game_send(from, Self::deposit_exit_call(coin), bond).await
    }

    async fn start_exit(
        &mut self,
        from: Address,
        coin: &Coin,
        parent: Option<&Moved>,
        exiting: &Moved,
    ) -> TestResult<Receipt> {
        let (call, bond) = (self.exit_call(coin, parent, exiting), self.exit_bond());
        self.t.game_send(from, call, bond).await
    }

    async fn challenge_channel(&mut self, from: Address, coin: &Coin, state: &State) -> TestResult<Receipt> {
        let bond = self.challenge_bond();
        self.t.game_send(from, Self::channel_call(coin, state), bond).await
    }

    async fn answer(&mut self, from: Address, coin: &Coin, state: &State) -> TestResult<Receipt> {
        self.t.game_send(from, Self::answer_call(coin, state), U256::ZERO).await
    }

    async fn challenge_history(&mut self, from: Address, coin: &Coin, earlier: DebitIncluded) -> TestResult<Receipt> {
        let bond = self.challenge_bond();
        self.t.game_send(from, Self::history_call(coin, earlier), bond).await
    }

    /// Merges a new operator deposit of `amount` into `coin`'s capacity.
    async fn add_liquidity(&mut self, coin: &Coin, amount: U256) -> TestResult<Receipt> {
        let funding = self.deposit(usize::MAX, amount).await?;
        let call = Game::addLiquidityCall { coinId: coin.id, liquidityDeposit: funding.id, amount };
        let operator = self.operator();
        self.t.game_send(operator, call, U256::ZERO).await
    }

    async fn exit_of(&self, coin: &Coin) -> TestResult<Game::ExitView> {
        self.t.game_view(Game::exitsCall { coinId: coin.id }).await
    }

    /// Moves the clock past the exit period and processes everything.
    async fn process_all_later(&mut self) -> TestResult<Receipt> {
        let at = self.t.now().await? + self.t.min_exit_period;
        self.t.next_tx_at(at).await?;
        self.t.process(20).await
    }

    async fn is_finalized(&self, id: U256) -> TestResult<bool> {
        self.t.framework_view(Fw::isFinalizedCall { id: id.into() }).await
    }

    /// Both framework ids of a coin: the holder's share, then the operator's.
    fn share_ids(coin: &Coin) -> (U256, U256) {
        (U256::from(coin.id), U256::from(coin.id) | (U256::from(1) << 64))
    }
}

// -------------------------------------------------------------------------------------------------
// Lifecycles (both backends)
// -------------------------------------------------------------------------------------------------

/// Alice deposits 1 ETH; the operator deposits a 1 ETH coin and hands it to Bob with a = 0; Alice
/// pays Bob 0.37 ETH atomically; both exit: Alice 0.63 / operator 0.37 of her coin, Bob 0.37 /
/// operator 0.63 of his, and every bond comes back.
#[rstest]
#[tokio::test]
async fn an_arbitrary_payment_between_two_users_and_both_exits(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut c = Debit::new(backend).await?;
    let (alice, bob, operator) = (c.t.user(0), c.t.user(1), c.operator());
    let coin_a = c.deposit(0, eth(1)).await?;
    let coin_b = c.deposit(usize::MAX, eth(1)).await?;
    // The operator hands its coin to Bob with balance 0 (a transfer the operator signs).
    let hand_out = c.moved(single(coin_b.id, coin_b.id, bob, U256::ZERO, 1), &[usize::MAX]).await?;
    // Alice pays Bob 0.37 ETH: one transaction at both keys, signed by both holders.
    let pay = payment((coin_a.id, coin_a.id, alice, milli(630), 1), (coin_b.id, hand_out.blknum, bob, milli(370), 2));
    let pay = c.moved(pay, &[0, 1]).await?;
    assert_eq!(
        c.t.game_view(Game::txHashCall { debitTx: pay.tx }).await?,
        c.t.domain().hash_typed(&pay.tx),
        "Rust and the contract hash a DebitTx alike"
    );

    let receipt = c.start_exit(alice, &coin_a, None, &pay).await?;
    let started = &events::<Game::ExitStarted>(&receipt)[0];
    assert_eq!(
        (started.coinId, started.holder, started.exiter, started.eBlk, started.pBlk, started.pOwner),
        (coin_a.id, alice, alice, pay.blknum, coin_a.id, alice)
    );
    assert_eq!((started.balance, started.nonce), (milli(630), 1));
    let receipt = c.start_exit(bob, &coin_b, Some(&hand_out), &pay).await?;
    let started = &events::<Game::ExitStarted>(&receipt)[0];
    assert_eq!((started.holder, started.pBlk, started.pOwner), (bob, hand_out.blknum, bob));
    let exit = c.exit_of(&coin_b).await?;
    assert_eq!((exit.holder, exit.exiter, exit.balance, exit.nonce, exit.amount), (bob, bob, milli(370), 2, eth(1)));

    let receipt = c.process_all_later().await?;
    assert_eq!(
        finalized(&receipt),
        vec![
            (coin_a.id, alice, milli(630), milli(370), false, true),
            (coin_b.id, bob, milli(370), milli(630), false, true)
        ]
    );
    assert_eq!(c.t.withdrawable(alice).await?, milli(630) + c.exit_bond());
    assert_eq!(c.t.withdrawable(bob).await?, milli(370) + c.exit_bond());
    assert_eq!(c.t.withdrawable(operator).await?, eth(1));
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    assert_eq!(c.t.framework_view(Fw::totalPaidCall {}).await?, eth(2));
    for coin in [coin_a, coin_b] {
        let (holder_id, operator_id) = Debit::share_ids(&coin);
        assert!(c.is_finalized(holder_id).await? && c.is_finalized(operator_id).await?);
        assert_eq!(c.exit_of(&coin).await?.holder, Address::ZERO);
    }
    let bond = c.exit_bond();
    assert_eq!(c.t.game_revert(alice, c.exit_call(&coin_a, None, &pay), bond).await?, "already paid");
    Ok(())
}

/// The operator includes an older co-signed state (nonce 1, 0.5 ETH) than the latest it co-signed
/// (nonce 2, 0.8 ETH) and exits the coin with it; the holder's channel challenge goes unanswered
/// and the holder is paid the whole coin.
#[rstest]
#[tokio::test]
async fn an_older_nonce_included_loses_the_whole_coin_to_the_channel_challenge(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut c = Debit::new(backend).await?;
    let (alice, operator) = (c.t.user(0), c.operator());
    let coin = c.deposit(0, eth(1)).await?;
    // Alice and the operator co-sign nonce 1 (0.5) then nonce 2 (0.8: the operator paid her 0.3).
    let older = c.state(&coin, coin.id, 0, milli(500), 1);
    let latest = c.state(&coin, coin.id, 0, milli(800), 2);
    let included = c.moved(older.tx, &[0]).await?;
    // The operator exits the coin from the older state.
    c.start_exit(operator, &coin, None, &included).await?;
    let exit = c.exit_of(&coin).await?;
    assert_eq!((exit.holder, exit.exiter, exit.balance, exit.nonce), (alice, operator, milli(500), 1));

    // Only the holder challenges, with a state newer than the exit's.
    assert_eq!(c.t.game_revert(operator, Debit::channel_call(&coin, &latest), c.challenge_bond()).await?, "not owner");
    let receipt = c.challenge_channel(alice, &coin, &latest).await?;
    let challenged = &events::<Game::ChannelChallenged>(&receipt)[0];
    let deadline = c.t.now().await? + c.r();
    assert_eq!((challenged.nonce, challenged.balance, challenged.deadline), (2, milli(800), deadline));
    assert_eq!(c.t.game_view(Game::channelChallengeCall { coinId: coin.id }).await?.deadline, deadline);
    // The operator cannot answer with the older state, nor after the deadline.
    assert_eq!(c.t.game_revert(operator, Debit::answer_call(&coin, &older), U256::ZERO).await?, "stale state");

    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin.id, alice, eth(1), U256::ZERO, true, true)]);
    // The whole coin, the operator's exit bond and her challenge bond go to Alice.
    assert_eq!(c.t.withdrawable(alice).await?, eth(1) + c.exit_bond() + c.challenge_bond());
    assert_eq!(c.t.withdrawable(operator).await?, U256::ZERO);
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Debit scenarios (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_partial_exit_pays_the_holder_and_the_operator_their_shares() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, operator) = (c.t.user(0), c.operator());
    let coin = c.deposit(0, eth(1)).await?;
    // Alice paid the operator 0.4 ETH in the channel; the state is included.
    let update = c.moved(single(coin.id, coin.id, alice, milli(600), 1), &[0]).await?;
    c.start_exit(alice, &coin, None, &update).await?;
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin.id, alice, milli(600), milli(400), false, true)]);
    assert_eq!(c.t.withdrawable(alice).await?, milli(600) + c.exit_bond());
    assert_eq!(c.t.withdrawable(operator).await?, milli(400));
    Ok(())
}

#[tokio::test]
async fn the_operator_answers_a_stale_channel_challenge_and_wins() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, operator) = (c.t.user(0), c.operator());
    let coin = c.deposit(0, eth(1)).await?;
    // Nonce 1: 0.9 ETH; nonce 2: 0.5 ETH (Alice paid the operator). Neither is included.
    let stale = c.state(&coin, coin.id, 0, milli(900), 1);
    let latest = c.state(&coin, coin.id, 0, milli(500), 2);
    c.deposit_exit(operator, &coin).await?;
    // Alice hopes for the penalty with the stale state; the operator answers with the latest.
    c.challenge_channel(alice, &coin, &stale).await?;
    assert_eq!(
        c.t.game_revert(alice, Debit::channel_call(&coin, &latest), c.challenge_bond()).await?,
        "already challenged"
    );
    let receipt = c.answer(operator, &coin, &latest).await?;
    let answered = &events::<Game::ChannelAnswered>(&receipt)[0];
    assert_eq!((answered.responder, answered.nonce, answered.balance), (operator, 2, milli(500)));
    let exit = c.exit_of(&coin).await?;
    assert_eq!((exit.balance, exit.nonce), (milli(500), 2));
    assert_eq!(c.t.game_view(Game::channelChallengeCall { coinId: coin.id }).await?.deadline, 0);
    // Nothing newer exists, so Alice cannot challenge again.
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &latest), c.challenge_bond()).await?, "stale state");
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin.id, alice, milli(500), milli(500), false, true)]);
    assert_eq!(c.t.withdrawable(alice).await?, milli(500));
    assert_eq!(c.t.withdrawable(operator).await?, milli(500) + c.exit_bond() + c.challenge_bond());
    Ok(())
}

#[tokio::test]
async fn an_answer_with_the_challenged_state_itself_pays_that_state() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let alice = c.t.user(0);
    let operator = c.operator();
    let coin = c.deposit(0, eth(1)).await?;
    // The operator paid Alice nothing more; Alice exits her deposit, then challenges her own exit
    // with a newer co-signed state (how a holder exits an off-chain state).
    let latest = c.state(&coin, coin.id, 0, milli(700), 3);
    c.deposit_exit(alice, &coin).await?;
    c.challenge_channel(alice, &coin, &latest).await?;
    c.answer(operator, &coin, &latest).await?;
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin.id, alice, milli(700), milli(300), false, true)]);
    // The challenge was right: answered with its own state, its bond goes back to Alice.
    assert_eq!(c.t.withdrawable(alice).await?, milli(700) + c.exit_bond() + c.challenge_bond());
    assert_eq!(c.t.withdrawable(operator).await?, milli(300));
    Ok(())
}

#[tokio::test]
async fn the_operator_corrects_an_exit_on_a_stale_included_state() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, operator) = (c.t.user(0), c.operator());
    let coin = c.deposit(0, eth(1)).await?;
    // Alice then paid the operator 0.75 off chain (nonce 1) and exits her 1 ETH deposit anyway.
    let latest = c.state(&coin, coin.id, 0, milli(250), 1);
    c.deposit_exit(alice, &coin).await?;
    let receipt = c.answer(operator, &coin, &latest).await?;
    assert_eq!(events::<Game::ChannelAnswered>(&receipt)[0].nonce, 1);
    // A repeat of the same nonce is stale; Alice cannot push the exit back.
    assert_eq!(c.t.game_revert(operator, Debit::answer_call(&coin, &latest), U256::ZERO).await?, "stale state");
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &latest), c.challenge_bond()).await?, "stale state");
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin.id, alice, milli(250), milli(750), false, true)]);
    assert_eq!(c.t.withdrawable(operator).await?, milli(750));
    Ok(())
}

#[tokio::test]
async fn a_payment_included_in_one_slot_only_cannot_be_exited_or_used() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, bob, carol) = (c.t.user(0), c.t.user(1), c.t.user(2));
    let coin_a = c.deposit(0, eth(1)).await?;
    let coin_b = c.deposit(1, eth(1)).await?;
    let pay = payment((coin_a.id, coin_a.id, alice, milli(400), 1), (coin_b.id, coin_b.id, bob, milli(1600), 1));
    let (sig_a, sig_b) = (c.sign(0, &pay), c.sign(1, &pay));
    let hash = c.t.domain().hash_typed(&pay);
    // Only in Alice's slot (Alice debited, Bob not credited), then only in Bob's.
    let only_a = c.block_of(vec![(coin_a.id, hash)]).await?;
    let only_b = c.block_of(vec![(coin_b.id, hash)]).await?;
    let in_a = Moved { tx: pay, blknum: only_a, sigs: vec![sig_a.clone(), sig_b.clone()] };
    let in_b = Moved { tx: pay, blknum: only_b, sigs: vec![sig_a, sig_b] };
    let bond = c.exit_bond();
    // Neither coin exits from it.
    assert_eq!(c.t.game_revert(alice, c.exit_call(&coin_a, None, &in_a), bond).await?, "not included");
    assert_eq!(c.t.game_revert(bob, c.exit_call(&coin_b, None, &in_b), bond).await?, "not included");
    assert_eq!(c.t.game_revert(bob, c.exit_call(&coin_b, None, &in_a), bond).await?, "not included");
    // Nor does it cancel Alice's exit of her deposit as a spend, nor challenge a history.
    c.deposit_exit(alice, &coin_a).await?;
    assert_eq!(c.t.game_revert(carol, c.spent_call(&coin_a, &in_a), U256::ZERO).await?, "not included");
    // Alice is paid her full pre-payment balance.
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin_a.id, alice, eth(1), U256::ZERO, false, true)]);
    Ok(())
}

#[tokio::test]
async fn liquidity_top_up_then_the_holder_and_the_operator_exit() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, bob, operator) = (c.t.user(0), c.t.user(1), c.operator());
    let coin_a = c.deposit(0, eth(1)).await?;
    let coin_b = c.deposit(1, eth(1)).await?;
    // The operator adds 2 ETH to Alice's coin (v = 3) and 1 ETH to Bob's (v = 2).
    let receipt = c.add_liquidity(&coin_a, eth(2)).await?;
    let added = &events::<Game::LiquidityAdded>(&receipt)[0];
    assert_eq!((added.coinId, added.amount, added.total), (coin_a.id, eth(2), eth(2)));
    assert!(c.is_finalized(U256::from(added.liquidityDeposit)).await?, "the funding deposit is flagged");
    let funding = Coin { id: added.liquidityDeposit, depositor: operator, amount: eth(2) };
    assert_eq!(c.t.game_revert(operator, Debit::deposit_exit_call(&funding), c.exit_bond()).await?, "already paid");
    c.add_liquidity(&coin_b, eth(1)).await?;
    assert_eq!(c.t.game_view(Game::liquidityCall { coinId: coin_a.id }).await?, eth(2));
    // The operator pays Alice 1.5 ETH in her channel (included); Bob pays the operator 0.25.
    let to_alice = c.moved(single(coin_a.id, coin_a.id, alice, milli(2500), 1), &[0]).await?;
    let from_bob = c.moved(single(coin_b.id, coin_b.id, bob, milli(750), 1), &[1]).await?;
    // The operator exits Alice's coin, Bob exits his.
    c.start_exit(operator, &coin_a, None, &to_alice).await?;
    c.start_exit(bob, &coin_b, None, &from_bob).await?;
    let receipt = c.process_all_later().await?;
    assert_eq!(
        finalized(&receipt),
        vec![
            (coin_a.id, alice, milli(2500), milli(500), false, true),
            (coin_b.id, bob, milli(750), milli(1250), false, true)
        ]
    );
    assert_eq!(c.t.withdrawable(alice).await?, milli(2500));
    assert_eq!(c.t.withdrawable(bob).await?, milli(750) + c.exit_bond());
    assert_eq!(c.t.withdrawable(operator).await?, milli(1750) + c.exit_bond());
    assert_eq!(c.t.framework_view(Fw::totalPaidCall {}).await?, eth(5));
    assert_eq!(c.t.framework_view(Fw::totalDepositedCall {}).await?, eth(5));
    Ok(())
}

#[tokio::test]
async fn a_balance_above_the_capacity_pays_the_capacity() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let alice = c.t.user(0);
    let coin = c.deposit(0, eth(1)).await?;
    // An operator that signed away more than the coin holds: the holder gets v, never more.
    let update = c.moved(single(coin.id, coin.id, alice, eth(5), 1), &[0]).await?;
    c.start_exit(alice, &coin, None, &update).await?;
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin.id, alice, eth(1), U256::ZERO, false, true)]);
    Ok(())
}

#[tokio::test]
async fn add_liquidity_reverts_with_the_documented_reasons() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, operator) = (c.t.user(0), c.operator());
    let coin = c.deposit(0, eth(1)).await?;
    let funding = c.deposit(usize::MAX, eth(2)).await?;
    let by_alice = c.deposit(0, eth(2)).await?;
    let child = c.block(&[]).await?;
    let call = |coin_id: u64, deposit: u64, amount: U256| Game::addLiquidityCall {
        coinId: coin_id,
        liquidityDeposit: deposit,
        amount,
    };
    assert_eq!(c.t.game_revert(alice, call(coin.id, funding.id, eth(2)), U256::ZERO).await?, "not operator");
    let cases = [
        ("not a deposit block", call(child, funding.id, eth(2))),
        ("no such block", call(child + 1, funding.id, eth(2))),
        ("bad deposit", call(coin.id, coin.id, eth(1))),
        ("not a deposit block", call(coin.id, child, eth(2))),
        ("no such block", call(coin.id, child + 1, eth(2))),
        ("bad deposit", call(coin.id, funding.id, eth(1))),
        ("bad deposit", call(coin.id, by_alice.id, eth(2))),
        // Made before the last child block: the operator may have handed it to someone since.
        ("deposit too old", call(coin.id, funding.id, eth(2))),
    ];
    for (expected, call) in cases {
        assert_eq!(c.t.game_revert(operator, call.clone(), U256::ZERO).await?, expected, "{call:?}");
    }
    // A funding deposit that is exiting cannot be merged.
    let fresh = c.deposit(usize::MAX, eth(2)).await?;
    c.deposit_exit(operator, &fresh).await?;
    assert_eq!(c.t.game_revert(operator, call(coin.id, fresh.id, eth(2)), U256::ZERO).await?, "exit exists");
    // Once merged, a deposit cannot be merged again; a paid coin takes no liquidity.
    let second = c.deposit(usize::MAX, eth(1)).await?;
    c.t.game_send(operator, call(coin.id, second.id, eth(1)), U256::ZERO).await?;
    assert_eq!(c.t.game_revert(operator, call(coin.id, second.id, eth(1)), U256::ZERO).await?, "already paid");
    c.deposit_exit(alice, &coin).await?;
    c.process_all_later().await?;
    let third = c.deposit(usize::MAX, eth(1)).await?;
    assert_eq!(c.t.game_revert(operator, call(coin.id, third.id, eth(1)), U256::ZERO).await?, "already paid");
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Cash challenges on legs (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_transfer_states_its_balance_and_a_direct_spend_cancels_an_older_exit() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, bob, carol) = (c.t.user(0), c.t.user(1), c.t.user(2));
    let coin = c.deposit(0, eth(1)).await?;
    // Alice pays the operator 0.2, then transfers the coin to Bob carrying 0.8.
    let update = c.moved(single(coin.id, coin.id, alice, milli(800), 1), &[0]).await?;
    let to_bob = c.moved(single(coin.id, update.blknum, bob, milli(800), 2), &[0]).await?;
    // The operator exits from Alice's update (Alice's exit would do the same); Bob cancels it with
    // the transfer Alice signed.
    let operator = c.operator();
    c.start_exit(operator, &coin, None, &update).await?;
    let receipt = c.t.game_send(carol, c.spent_call(&coin, &to_bob), U256::ZERO).await?;
    assert_eq!(events::<Game::ExitChallenged>(&receipt)[0].kind, 1);
    // The bond goes to Bob, whom the transfer names, not to Carol who sent it.
    assert_eq!(c.t.withdrawable(carol).await?, U256::ZERO);
    assert_eq!(c.t.withdrawable(bob).await?, c.exit_bond());
    // Alice's old co-signed states cannot challenge Bob's exit.
    let alice_state = c.state(&coin, coin.id, 0, milli(900), 7);
    c.start_exit(bob, &coin, Some(&update), &to_bob).await?;
    assert_eq!(
        c.t.game_revert(alice, Debit::channel_call(&coin, &alice_state), c.challenge_bond()).await?,
        "not owner"
    );
    assert_eq!(c.t.game_revert(operator, Debit::answer_call(&coin, &alice_state), U256::ZERO).await?, "not owner");
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin.id, bob, milli(800), milli(200), false, true)]);
    Ok(())
}

#[tokio::test]
async fn a_double_spent_parent_cancels_the_exit() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, bob, carol) = (c.t.user(0), c.t.user(1), c.t.user(2));
    let coin = c.deposit(0, eth(1)).await?;
    // Alice transfers to Bob, then a second spend of her deposit to Carol is included later.
    let to_bob = c.moved(single(coin.id, coin.id, bob, eth(1), 1), &[0]).await?;
    let to_carol = c.moved(single(coin.id, coin.id, carol, eth(1), 1), &[0]).await?;
    c.start_exit(carol, &coin, None, &to_carol).await?;
    let receipt = c.t.game_send(bob, c.double_spend_call(&coin, &to_bob), U256::ZERO).await?;
    assert_eq!(events::<Game::ExitChallenged>(&receipt)[0].kind, 2);
    assert_eq!(c.t.withdrawable(bob).await?, c.exit_bond());
    assert_eq!(c.exit_of(&coin).await?.holder, Address::ZERO);
    // Alice's deposit exit is cancelled by either spend of it.
    c.deposit_exit(alice, &coin).await?;
    c.t.game_send(bob, c.spent_call(&coin, &to_carol), U256::ZERO).await?;
    Ok(())
}

#[tokio::test]
async fn a_payment_leg_is_a_spend_for_both_coins() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, bob, carol) = (c.t.user(0), c.t.user(1), c.t.user(2));
    let coin_a = c.deposit(0, eth(1)).await?;
    let coin_b = c.deposit(1, eth(1)).await?;
    let pay = payment((coin_a.id, coin_a.id, alice, milli(100), 1), (coin_b.id, coin_b.id, bob, milli(1900), 1));
    let pay = c.moved(pay, &[0, 1]).await?;
    // Alice exits her pre-payment deposit (1 ETH): cancelled with the payment (her leg's signature).
    c.deposit_exit(alice, &coin_a).await?;
    c.t.game_send(carol, c.spent_call(&coin_a, &pay), U256::ZERO).await?;
    // The operator exits Bob's deposit (lower balance): cancelled with Bob's leg.
    let operator = c.operator();
    c.deposit_exit(operator, &coin_b).await?;
    c.t.game_send(bob, c.spent_call(&coin_b, &pay), U256::ZERO).await?;
    // The wrong leg's signature does not do.
    c.deposit_exit(alice, &coin_a).await?;
    let mut wrong = c.spent_call(&coin_a, &pay);
    wrong.sig = pay.sig_for(coin_b.id);
    assert_eq!(c.t.game_revert(carol, wrong, U256::ZERO).await?, "bad signature");
    Ok(())
}

#[tokio::test]
async fn history_challenges_are_answered_on_legs_or_cancel_a_forged_exit() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, bob, carol, eve) = (c.t.user(0), c.t.user(1), c.t.user(2), c.t.user(3));
    let coin = c.deposit(0, eth(1)).await?;
    let other = c.deposit(2, eth(1)).await?;
    // Honest: Alice -> Bob (transfer), then Carol pays Bob 0.5 in a payment (Bob's coin credited).
    // Alice paid the operator 0.5 before the transfer, so Bob's coin carries 0.5 of its 1 ETH.
    let to_bob = c.moved(single(coin.id, coin.id, bob, milli(500), 1), &[0]).await?;
    let pay = payment((other.id, other.id, carol, milli(500), 1), (coin.id, to_bob.blknum, bob, eth(1), 2));
    let pay = c.moved(pay, &[2, 1]).await?;
    c.start_exit(bob, &coin, Some(&to_bob), &pay).await?;
    // A griefer challenges with the deposit; Alice's transfer (the direct spend) answers it.
    c.challenge_history(eve, &coin, Debit::deposit_entry(&coin)).await?;
    let receipt = c.t.game_send(bob, c.respond_call(&coin, coin.id, &to_bob), U256::ZERO).await?;
    let answered = &events::<Game::HistoryChallengeAnswered>(&receipt)[0];
    assert_eq!((answered.challengeBlk, answered.response.blknum), (coin.id, to_bob.blknum));
    assert_eq!(c.t.withdrawable(bob).await?, c.challenge_bond());
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin.id, bob, eth(1), U256::ZERO, false, true)]);

    // Forged: Eve exits Carol's coin from a transfer Carol never signed (P(C) forged by the
    // operator); Carol's challenge with her deposit cannot be answered.
    let forged_parent = c.moved(single(other.id, pay.blknum, eve, eth(1), 5), &[3]).await?;
    let forged = c.moved(single(other.id, forged_parent.blknum, eve, eth(1), 6), &[3]).await?;
    // The payment left Carol's coin at pay.blknum; the forged parent claims to spend it.
    c.start_exit(eve, &other, Some(&forged_parent), &forged).await?;
    c.challenge_history(carol, &other, c.inc(&pay)).await?;
    let receipt = c.process_all_later().await?;
    assert_eq!(cancelled(&receipt), vec![(other.id, exit_id(1, other.id), carol)]);
    assert_eq!(c.t.withdrawable(carol).await?, c.exit_bond() + c.challenge_bond());
    assert_eq!(c.t.withdrawable(alice).await?, U256::ZERO);
    Ok(())
}

#[tokio::test]
async fn a_cancelled_exit_refunds_more_than_a_batch_through_the_queue() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, bob, carol, eve) = (c.t.user(0), c.t.user(1), c.t.user(2), c.t.user(3));
    let coin = c.deposit(0, eth(1)).await?;
    // Eighteen honest moves: Alice's channel updates, each signed by her.
    let mut moves = Vec::new();
    let mut prev = coin.id;
    for nonce in 1..=18u64 {
        let m = c.moved(single(coin.id, prev, alice, milli(1000 - nonce), nonce), &[0]).await?;
        prev = m.blknum;
        moves.push(m);
    }
    // A forged parent (Eve signs Alice's coin away) and Eve's exit from it.
    let forged_parent = c.moved(single(coin.id, prev, eve, eth(1), 19), &[3]).await?;
    let forged = c.moved(single(coin.id, forged_parent.blknum, eve, eth(1), 20), &[3]).await?;
    c.start_exit(eve, &coin, Some(&forged_parent), &forged).await?;
    // Bob challenges first with the deposit, Carol with every honest move: 19 pending challenges.
    c.challenge_history(bob, &coin, Debit::deposit_entry(&coin)).await?;
    for m in &moves {
        let earlier = c.inc(m);
        c.challenge_history(carol, &coin, earlier).await?;
    }
    assert_eq!(c.exit_of(&coin).await?.pendingCount, U256::from(19));
    assert_eq!(c.t.bonds_held().await?, c.exit_bond() + c.challenge_bond() * U256::from(19));
    // Processing cancels the exit and refunds 16 entries; the re-queued rest comes out next.
    let at = c.t.now().await? + c.t.min_exit_period;
    c.t.next_tx_at(at).await?;
    let first = c.t.process(1).await?;
    assert!(cancelled(&first).is_empty() && finalized(&first).is_empty());
    assert_eq!(c.exit_of(&coin).await?.holder, Address::ZERO);
    let rest = c.t.process(10).await?;
    assert_eq!(cancelled(&first).len() + cancelled(&rest).len(), 1);
    // The exit bond goes to the owner named at the lowest challenged block: Alice, the depositor.
    assert_eq!(cancelled(&rest), vec![(coin.id, exit_id(1, coin.id), alice)]);
    assert_eq!(c.t.withdrawable(bob).await?, c.challenge_bond());
    assert_eq!(c.t.withdrawable(carol).await?, c.challenge_bond() * U256::from(18));
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    // Alice's coin is untouched and exits from her latest update.
    let last = moves.last().unwrap();
    let parent = &moves[moves.len() - 2];
    c.start_exit(alice, &coin, Some(parent), last).await?;
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin.id, alice, milli(982), milli(18), false, true)]);
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Revert reasons (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn start_deposit_exit_reverts_with_the_documented_reasons() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, bob) = (c.t.user(0), c.t.user(1));
    let coin = c.deposit(0, eth(1)).await?;
    let child = c.block(&[]).await?;
    let bond = c.exit_bond();
    let call = |coin_id: u64, depositor: Address, amount: U256| Game::startDepositExitCall {
        coinId: coin_id,
        depositor,
        amount,
    };
    let cases = [
        ("bad bond", call(coin.id, alice, eth(1)), U256::ZERO),
        ("not a deposit block", call(child, alice, eth(1)), bond),
        ("no such block", call(coin.id + 1, alice, eth(1)), bond),
        ("bad deposit", call(coin.id, alice, eth(2)), bond),
        ("bad deposit", call(coin.id, bob, eth(1)), bond),
    ];
    for (expected, call, value) in cases {
        assert_eq!(c.t.game_revert(alice, call.clone(), value).await?, expected, "{call:?}");
    }
    assert_eq!(c.t.game_revert(bob, call(coin.id, alice, eth(1)), bond).await?, "not owner");
    c.t.game_send(alice, call(coin.id, alice, eth(1)), bond).await?;
    let operator = c.operator();
    assert_eq!(c.t.game_revert(operator, call(coin.id, alice, eth(1)), bond).await?, "exit exists");
    Ok(())
}

#[tokio::test]
async fn start_exit_reverts_with_the_documented_reasons() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (bob, carol) = (c.t.user(1), c.t.user(2));
    let bond = c.exit_bond();
    let coin = c.deposit(0, eth(1)).await?;
    let other = c.deposit(2, eth(1)).await?;
    let to_bob = c.moved(single(coin.id, coin.id, bob, eth(1), 1), &[0]).await?;
    let to_carol = c.moved(single(coin.id, to_bob.blknum, carol, eth(1), 2), &[1]).await?;
    let exit = c.exit_call(&coin, Some(&to_bob), &to_carol);

    let mut e = exit.clone();
    e.amount = eth(2);
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "bad deposit");
    assert_eq!(c.t.game_revert(carol, exit.clone(), U256::ZERO).await?, "bad bond");
    let mut e = exit.clone();
    e.coinId = other.id;
    e.depositor = carol;
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "wrong coin");
    assert_eq!(c.t.game_revert(bob, exit.clone(), bond).await?, "not owner");
    let mut e = exit.clone();
    e.exiting.blknum += 1;
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "not a child block");
    let mut e = exit.clone();
    e.exiting.blknum += 1000;
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "no such block");
    let mut e = exit.clone();
    e.exiting.tx.balance += 1;
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "not included");
    let mut e = exit.clone();
    e.exiting.tx.peerCoin = coin.id;
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "bad payment");
    let mut e = exit.clone();
    e.exiting.peerProof = Bytes::from(vec![0u8; 8]);
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "not included");
    let mut e = exit.clone();
    e.parent.blknum = to_carol.blknum;
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "bad parent");
    let mut e = exit.clone();
    e.parent.tx.coinId = other.id;
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "wrong coin");
    let mut e = exit.clone();
    e.parent.proof = wrong_proof();
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "not included");
    let mut e = exit.clone();
    e.exitingSig = to_bob.sigs[0].clone();
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "bad signature");
    // A deposit spend with a non-zero parent.
    let mut e = c.exit_call(&coin, None, &to_bob);
    e.parent = c.inc(&to_bob);
    assert_eq!(c.t.game_revert(bob, e, bond).await?, "bad parent");
    // An exiting transaction whose parent comes after it (the operator included it that way).
    let next: u64 = c.t.framework_view(Fw::nextChildBlockCall {}).await?.to();
    let weird = c.moved(single(coin.id, next + 1000, carol, eth(1), 3), &[2]).await?;
    let after = c.moved(single(coin.id, to_carol.blknum, carol, eth(1), 3), &[2]).await?;
    assert_eq!((weird.blknum, after.blknum), (next, next + 1000));
    assert_eq!(c.t.game_revert(carol, c.exit_call(&coin, Some(&after), &weird), bond).await?, "bad order");
    // A coin that was never deposited.
    let mut e = exit.clone();
    e.coinId = other.id + 10;
    assert_eq!(c.t.game_revert(carol, e, bond).await?, "no such block");
    // Exits exist once.
    c.t.game_send(carol, exit.clone(), bond).await?;
    assert_eq!(c.t.game_revert(carol, exit, bond).await?, "exit exists");
    Ok(())
}

#[tokio::test]
async fn a_parent_before_the_deposit_is_refused() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, carol) = (c.t.user(0), c.t.user(2));
    let bond = c.exit_bond();
    // A block before the deposit already holds a "spend" of coin 1001 signed by its future depositor.
    let early = c.moved(single(1001, 1001, carol, eth(1), 1), &[0]).await?;
    let coin = c.deposit(0, eth(1)).await?;
    assert_eq!(coin.id, 1001);
    let later = c.moved(single(coin.id, early.blknum, carol, eth(1), 2), &[2]).await?;
    assert_eq!(c.t.game_revert(carol, c.exit_call(&coin, Some(&early), &later), bond).await?, "bad order");
    // The same coin exits from its deposit.
    c.deposit_exit(alice, &coin).await?;
    Ok(())
}

#[tokio::test]
async fn challenge_spent_and_double_spend_revert_with_the_documented_reasons() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, bob, carol) = (c.t.user(0), c.t.user(1), c.t.user(2));
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.moved(single(coin.id, coin.id, bob, eth(1), 1), &[0]).await?;
    let to_carol = c.moved(single(coin.id, to_bob.blknum, carol, eth(1), 2), &[1]).await?;
    assert_eq!(c.t.game_revert(carol, c.spent_call(&coin, &to_bob), U256::ZERO).await?, "no open exit");
    assert_eq!(c.t.game_revert(carol, c.double_spend_call(&coin, &to_bob), U256::ZERO).await?, "no open exit");
    // A deposit exit: spent-coin reasons.
    c.deposit_exit(alice, &coin).await?;
    assert_eq!(c.t.game_revert(carol, c.double_spend_call(&coin, &to_bob), U256::ZERO).await?, "not a spend");
    let mut call = c.spent_call(&coin, &to_bob);
    call.spend.tx.coinId += 1;
    assert_eq!(c.t.game_revert(carol, call, U256::ZERO).await?, "wrong coin");
    assert_eq!(c.t.game_revert(carol, c.spent_call(&coin, &to_carol), U256::ZERO).await?, "not a spend");
    let mut call = c.spent_call(&coin, &to_bob);
    call.spend.blknum = 0;
    assert_eq!(c.t.game_revert(carol, call, U256::ZERO).await?, "bad order");
    let mut call = c.spent_call(&coin, &to_bob);
    call.spend.proof = wrong_proof();
    assert_eq!(c.t.game_revert(carol, call, U256::ZERO).await?, "not included");
    let mut call = c.spent_call(&coin, &to_bob);
    call.sig = to_carol.sigs[0].clone();
    assert_eq!(c.t.game_revert(carol, call, U256::ZERO).await?, "bad signature");
    c.t.game_send(carol, c.spent_call(&coin, &to_bob), U256::ZERO).await?;
    // Carol's exit (parent to_bob): double-spend reasons.
    c.start_exit(carol, &coin, Some(&to_bob), &to_carol).await?;
    assert_eq!(c.t.game_revert(alice, c.double_spend_call(&coin, &to_carol), U256::ZERO).await?, "bad order");
    assert_eq!(c.t.game_revert(alice, c.double_spend_call(&coin, &to_bob), U256::ZERO).await?, "not a spend");
    Ok(())
}

#[tokio::test]
async fn history_challenge_and_response_revert_with_the_documented_reasons() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (bob, carol, eve) = (c.t.user(1), c.t.user(2), c.t.user(3));
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.moved(single(coin.id, coin.id, bob, eth(1), 1), &[0]).await?;
    let to_carol = c.moved(single(coin.id, to_bob.blknum, carol, eth(1), 2), &[1]).await?;
    let bond = c.challenge_bond();
    let deposit = Debit::deposit_entry(&coin);
    assert_eq!(c.t.game_revert(eve, Debit::history_call(&coin, deposit.clone()), bond).await?, "no open exit");
    c.start_exit(carol, &coin, Some(&to_bob), &to_carol).await?;
    let started = c.t.now().await?;
    assert_eq!(c.t.game_revert(eve, Debit::history_call(&coin, deposit.clone()), U256::ZERO).await?, "bad bond");
    let mut wrong = deposit.clone();
    wrong.tx.coinId += 1;
    assert_eq!(c.t.game_revert(eve, Debit::history_call(&coin, wrong), bond).await?, "wrong coin");
    assert_eq!(c.t.game_revert(eve, Debit::history_call(&coin, c.inc(&to_bob)), bond).await?, "bad order");
    let mut bad = deposit.clone();
    bad.tx.newOwner = eve;
    assert_eq!(c.t.game_revert(eve, Debit::history_call(&coin, bad), bond).await?, "bad deposit");
    c.challenge_history(eve, &coin, deposit.clone()).await?;
    let challenged = c.t.now().await?;
    assert_eq!(c.t.game_revert(eve, Debit::history_call(&coin, deposit.clone()), bond).await?, "already challenged");
    // Responses.
    assert_eq!(
        c.t.game_revert(bob, c.respond_call(&coin, to_bob.blknum, &to_carol), U256::ZERO).await?,
        "no such challenge"
    );
    assert_eq!(c.t.game_revert(bob, c.respond_call(&coin, coin.id, &to_carol), U256::ZERO).await?, "not a spend");
    let mut call = c.respond_call(&coin, coin.id, &to_bob);
    call.response.tx.coinId += 1;
    assert_eq!(c.t.game_revert(bob, call, U256::ZERO).await?, "wrong coin");
    let mut call = c.respond_call(&coin, coin.id, &to_bob);
    call.sig = to_carol.sigs[0].clone();
    assert_eq!(c.t.game_revert(bob, call, U256::ZERO).await?, "bad signature");
    c.t.next_tx_at(challenged + c.r()).await?;
    assert_eq!(c.t.game_revert(bob, c.respond_call(&coin, coin.id, &to_bob), U256::ZERO).await?, "too late");
    c.t.next_tx_at(started + 3 * c.r()).await?;
    assert_eq!(c.t.game_revert(eve, Debit::history_call(&coin, deposit), bond).await?, "window closed");
    Ok(())
}

#[tokio::test]
async fn channel_calls_revert_with_the_documented_reasons() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, bob, operator) = (c.t.user(0), c.t.user(1), c.operator());
    let coin = c.deposit(0, eth(1)).await?;
    let other = c.deposit(1, eth(1)).await?;
    let bond = c.challenge_bond();
    let state = c.state(&coin, coin.id, 0, milli(400), 2);
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &state), bond).await?, "no open exit");
    assert_eq!(c.t.game_revert(operator, Debit::answer_call(&coin, &state), U256::ZERO).await?, "no open exit");
    c.deposit_exit(alice, &coin).await?;
    let started = c.t.now().await?;
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &state), U256::ZERO).await?, "bad bond");
    assert_eq!(c.t.game_revert(bob, Debit::channel_call(&coin, &state), bond).await?, "not owner");
    let mut wrong = state.clone();
    wrong.tx.coinId = other.id;
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &wrong), bond).await?, "wrong coin");
    let mut wrong = state.clone();
    wrong.tx.peerCoin = other.id;
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &wrong), bond).await?, "wrong coin");
    let bobs = State { tx: single(coin.id, coin.id, bob, milli(400), 2), ..state.clone() };
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &bobs), bond).await?, "not owner");
    let zero = c.state(&coin, coin.id, 0, milli(400), 0);
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &zero), bond).await?, "stale state");
    let mut unsigned = state.clone();
    unsigned.operator_sig = state.holder_sig.clone();
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &unsigned), bond).await?, "bad signature");
    let mut unsigned = state.clone();
    unsigned.holder_sig = state.operator_sig.clone();
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &unsigned), bond).await?, "bad signature");
    assert_eq!(c.t.game_revert(operator, Debit::answer_call(&coin, &unsigned), U256::ZERO).await?, "bad signature");
    assert_eq!(c.t.game_revert(operator, Debit::answer_call(&coin, &zero), U256::ZERO).await?, "stale state");
    // Made with a higher nonce, answered with a lower one: stale.
    let higher = c.state(&coin, coin.id, 0, milli(300), 5);
    c.challenge_channel(alice, &coin, &higher).await?;
    assert_eq!(c.t.game_revert(operator, Debit::answer_call(&coin, &state), U256::ZERO).await?, "stale state");
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &higher), bond).await?, "already challenged");
    // Answers are accepted up to the last second before the deadline, not at it.
    let deadline = c.t.game_view(Game::channelChallengeCall { coinId: coin.id }).await?.deadline;
    c.t.next_tx_at(deadline - 1).await?;
    c.answer(operator, &coin, &higher).await?;
    let newest = c.state(&coin, coin.id, 0, milli(200), 6);
    c.challenge_channel(alice, &coin, &newest).await?;
    let deadline = c.t.game_view(Game::channelChallengeCall { coinId: coin.id }).await?.deadline;
    c.t.next_tx_at(deadline).await?;
    assert_eq!(c.t.game_revert(operator, Debit::answer_call(&coin, &newest), U256::ZERO).await?, "too late");
    // Challenges close at 3R.
    c.t.next_tx_at(started + 3 * c.r()).await?;
    let last = c.state(&coin, coin.id, 0, milli(100), 7);
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &last), bond).await?, "window closed");
    Ok(())
}

#[tokio::test]
async fn only_the_framework_processes_exits() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let coin = c.deposit(0, eth(1)).await?;
    c.deposit_exit(coin.depositor, &coin).await?;
    let call = Game::processExitCall { exitId: exit_id(1, coin.id) };
    assert_eq!(c.t.game_revert(coin.depositor, call.clone(), U256::ZERO).await?, "not framework");
    let operator = c.operator();
    assert_eq!(c.t.game_revert(operator, call, U256::ZERO).await?, "not framework");
    Ok(())
}

#[tokio::test]
async fn a_cancel_refunds_a_pending_channel_challenge() -> TestResult {
    let mut c = Debit::new("embedded").await?;
    let (alice, bob, carol) = (c.t.user(0), c.t.user(1), c.t.user(2));
    let coin = c.deposit(0, eth(1)).await?;
    let to_bob = c.moved(single(coin.id, coin.id, bob, eth(1), 1), &[0]).await?;
    // Alice exits a coin she spent and challenges her own exit; Bob's spend cancels it and Alice
    // gets her channel bond back (the exit bond goes to Bob, the spend's new holder).
    c.deposit_exit(alice, &coin).await?;
    let state = c.state(&coin, coin.id, 0, milli(900), 1);
    c.challenge_channel(alice, &coin, &state).await?;
    c.t.game_send(carol, c.spent_call(&coin, &to_bob), U256::ZERO).await?;
    assert_eq!(c.t.withdrawable(alice).await?, c.challenge_bond());
    assert_eq!(c.t.withdrawable(carol).await?, U256::ZERO);
    assert_eq!(c.t.withdrawable(bob).await?, c.exit_bond());
    assert_eq!(c.t.bonds_held().await?, U256::ZERO);
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Gas (both backends, same figures)
// -------------------------------------------------------------------------------------------------

/// Gas of every `DebitExitGame` function in a typical case: eight coins, four payments per block
/// (so proofs carry real siblings), exits by holders and the operator, each Cash challenge, a
/// history response, a channel challenge and its answer, liquidity, and processing.
async fn gas_figures(backend: &str) -> TestResult<Vec<(&'static str, u64)>> {
    let mut c = Debit::new(backend).await?;
    let operator = c.operator();
    let mut coins = Vec::new();
    for user in 0..8 {
        coins.push(c.deposit(user, eth(1)).await?);
    }
    let mut figures = Vec::new();
    let liquidity = c.add_liquidity(&coins[0], eth(1)).await?;
    figures.push(("addLiquidity", liquidity.gas_used));
    // Round 1: coin 2n pays coin 2n+1 0.1 ETH, all in one block.
    let mut round1 = Vec::new();
    for n in 0..4 {
        let (a, b) = (coins[2 * n], coins[2 * n + 1]);
        let (ua, ub) = (c.t.user(2 * n), c.t.user(2 * n + 1));
        round1.push(payment((a.id, a.id, ua, milli(900), 1), (b.id, b.id, ub, milli(1100), 1)));
    }
    let blk1 = c.block(&round1.iter().collect::<Vec<_>>()).await?;
    let moved1: Vec<Moved> = round1
        .into_iter()
        .enumerate()
        .map(|(n, tx)| {
            let sigs = vec![c.sign(2 * n, &tx), c.sign(2 * n + 1, &tx)];
            Moved { tx, blknum: blk1, sigs }
        })
        .collect();
    // Round 2: coin 2n+1 (user 2n+1) is transferred to user 2n, carrying 1.1 ETH.
    let mut round2 = Vec::new();
    for n in 0..4 {
        let b = coins[2 * n + 1];
        round2.push(single(b.id, blk1, c.t.user(2 * n), milli(1100), 2));
    }
    let blk2 = c.block(&round2.iter().collect::<Vec<_>>()).await?;
    let moved2: Vec<Moved> = round2
        .into_iter()
        .enumerate()
        .map(|(n, tx)| {
            let sigs = vec![c.sign(2 * n + 1, &tx)];
            Moved { tx, blknum: blk2, sigs }
        })
        .collect();
    let griefer = c.t.user(8);

    let deposit_exit = c.deposit_exit(operator, &coins[6]).await?;
    figures.push(("startDepositExit", deposit_exit.gas_used));
    let payment_exit = c.start_exit(c.t.user(0), &coins[0], None, &moved1[0]).await?;
    figures.push(("startExit, payment, deposit parent", payment_exit.gas_used));
    let transfer_exit = c.start_exit(c.t.user(2), &coins[3], Some(&moved1[1]), &moved2[1]).await?;
    figures.push(("startExit, transfer, payment parent", transfer_exit.gas_used));
    // challengeSpent: coin 6's deposit exit by the operator, spent by round 1's payment.
    let spent = c.t.game_send(griefer, c.spent_call(&coins[6], &moved1[3]), U256::ZERO).await?;
    figures.push(("challengeSpent (payment)", spent.gas_used));
    // challengeDoubleSpend: coin 5 spent twice from its payment (transfer in round 2 and again).
    let twin = c.moved(single(coins[5].id, blk1, c.t.user(8), milli(1100), 2), &[5]).await?;
    c.start_exit(c.t.user(8), &coins[5], Some(&moved1[2]), &twin).await?;
    let double = c.t.game_send(griefer, c.double_spend_call(&coins[5], &moved2[2]), U256::ZERO).await?;
    figures.push(("challengeDoubleSpend", double.gas_used));
    // challengeHistory and respondHistory on coin 3's exit.
    let history = c.challenge_history(griefer, &coins[3], Debit::deposit_entry(&coins[3])).await?;
    figures.push(("challengeHistory (deposit)", history.gas_used));
    let respond = c.t.game_send(c.t.user(2), c.respond_call(&coins[3], coins[3].id, &moved1[1]), U256::ZERO).await?;
    figures.push(("respondHistory (payment)", respond.gas_used));
    // Channel challenge and answer on coin 0's exit.
    let state = c.state(&coins[0], blk1, 0, milli(800), 2);
    let channel = c.challenge_channel(c.t.user(0), &coins[0], &state).await?;
    figures.push(("challengeChannel", channel.gas_used));
    let answer = c.answer(operator, &coins[0], &state).await?;
    figures.push(("respondChannel (answer)", answer.gas_used));
    // A channel challenge left unanswered on coin 7's deposit exit (penalty at processing).
    c.deposit_exit(c.t.user(7), &coins[7]).await?;
    let newer = c.state(&coins[7], coins[7].id, 7, milli(500), 1);
    c.challenge_channel(c.t.user(7), &coins[7], &newer).await?;

    c.t.next_tx_at(c.t.now().await? + c.t.min_exit_period).await?;
    // Coin 6's cancelled exit comes out first and is skipped.
    assert!(finalized(&c.t.process(1).await?).is_empty());
    let one_paid = c.t.process(1).await?;
    assert_eq!(finalized(&one_paid).len(), 1);
    figures.push(("processExits(1), 1 exit paid (two shares)", one_paid.gas_used));
    // Coin 3's exit is paid, coin 5's cancelled exit is skipped, coin 7's pays the penalty.
    assert_eq!(finalized(&c.t.process(1).await?).len(), 1);
    assert!(finalized(&c.t.process(1).await?).is_empty());
    let penalty = c.t.process(1).await?;
    assert_eq!(finalized(&penalty), vec![(coins[7].id, c.t.user(7), eth(1), U256::ZERO, true, true)]);
    figures.push(("processExits(1), 1 channel penalty paid", penalty.gas_used));
    Ok(figures)
}

#[tokio::test]
async fn gas_of_the_exit_game_is_the_same_on_both_backends() -> TestResult {
    gas_on_both_backends(
        "DebitExitGame gas (receipts: 21k base, calldata and refunds included):",
        500_000,
        gas_figures,
    )
    .await?;
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Security regressions (docs/security.md, "Findings fixed"; both backends)
// -------------------------------------------------------------------------------------------------

/// The operator deposits coin B and hands it to Bob with balance 0; Alice pays Bob 0.37 ETH into
/// B. Liquidity funded by B (deposited before the last child block, so the operator may no longer
/// hold it) is refused, Bob exits B and is paid his 0.37 ETH; liquidity from a deposit made since
/// the last child block still works.
#[rstest]
#[tokio::test]
async fn liquidity_cannot_take_a_coin_handed_to_a_user(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut c = Debit::new(backend).await?;
    let (alice, bob, operator) = (c.t.user(0), c.t.user(1), c.operator());
    let coin_a = c.deposit(0, eth(1)).await?;
    let coin_b = c.deposit(usize::MAX, eth(1)).await?;
    let other = c.deposit(usize::MAX, eth(1)).await?;
    let hand_out = single(coin_b.id, coin_b.id, bob, U256::ZERO, 1);
    let handed = c.moved(hand_out, &[usize::MAX]).await?;
    let pay = payment((coin_a.id, coin_a.id, alice, milli(630), 1), (coin_b.id, handed.blknum, bob, milli(370), 2));
    let paid = c.moved(pay, &[0, 1]).await?;

    let seize = Game::addLiquidityCall { coinId: other.id, liquidityDeposit: coin_b.id, amount: eth(1) };
    assert_eq!(c.t.game_revert(operator, seize, U256::ZERO).await?, "deposit too old");
    let fresh = c.add_liquidity(&other, eth(1)).await?;
    assert_eq!(events::<Game::LiquidityAdded>(&fresh).len(), 1);

    c.start_exit(bob, &coin_b, Some(&handed), &paid).await?;
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin_b.id, bob, milli(370), milli(630), false, true)]);
    assert_eq!(c.t.withdrawable(bob).await?, milli(370) + c.exit_bond());
    Ok(())
}

/// Alice holds coins 1 and 2; the payment she signs to Mallory carries, as its "peer leg", her
/// coin 2 moved to Mallory, and a colluding operator includes it at both keys. Neither Mallory's
/// exit of coin 2 with it nor a spend challenge of Alice's exit of coin 2 accepts a payment leg
/// that changes its holder, and Alice is paid coin 2.
#[rstest]
#[tokio::test]
async fn a_payment_leg_cannot_move_the_payers_other_coin(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut c = Debit::new(backend).await?;
    let (alice, mallory) = (c.t.user(0), c.t.user(3));
    let coin1 = c.deposit(0, eth(1)).await?;
    let coin2 = c.deposit(0, eth(1)).await?;
    let trick = payment((coin1.id, coin1.id, alice, milli(600), 1), (coin2.id, coin2.id, mallory, eth(1), 1));
    // One signature by Alice over the payment hash signs both legs.
    let included = c.moved(trick, &[0, 0]).await?;

    let steal = c.exit_call(&coin2, None, &included);
    let bond = c.exit_bond();
    assert_eq!(c.t.game_revert(mallory, steal, bond).await?, "owner changed");

    c.deposit_exit(alice, &coin2).await?;
    let spent = c.spent_call(&coin2, &included);
    assert_eq!(c.t.game_revert(mallory, spent, U256::ZERO).await?, "owner changed");
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin2.id, alice, eth(1), U256::ZERO, false, true)]);
    assert_eq!(c.t.withdrawable(mallory).await?, U256::ZERO);
    Ok(())
}

/// Alice pays Bob 0.4 ETH from her coin in an atomic payment; while it was pending she obtained a
/// state co-signed with her pre-payment balance and a higher nonce (`prevBlock` the deposit). Once
/// the payment is included and her exit of it is open, that state neither challenges nor answers
/// the exit ("wrong block"), so it cannot undo the payment at the operator's expense; a state of the
/// payment's block does. (For an exit of a single-coin move, a state of its parent's block still
/// counts: see `an_older_nonce_included_loses_the_whole_coin_to_the_channel_challenge`.)
#[rstest]
#[tokio::test]
async fn a_channel_state_must_name_the_exits_block(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut c = Debit::new(backend).await?;
    let (alice, bob, operator) = (c.t.user(0), c.t.user(1), c.operator());
    let coin = c.deposit(0, eth(1)).await?;
    let coin_b = c.deposit(usize::MAX, eth(1)).await?;
    let handed = c.moved(single(coin_b.id, coin_b.id, bob, U256::ZERO, 1), &[usize::MAX]).await?;
    let early = c.state(&coin, coin.id, 0, eth(1), 5);
    let pay = payment((coin.id, coin.id, alice, milli(600), 1), (coin_b.id, handed.blknum, bob, milli(400), 2));
    let paid = c.moved(pay, &[0, 1]).await?;
    c.start_exit(alice, &coin, None, &paid).await?;

    let bond = c.challenge_bond();
    assert_eq!(c.t.game_revert(alice, Debit::channel_call(&coin, &early), bond).await?, "wrong block");
    assert_eq!(c.t.game_revert(operator, Debit::answer_call(&coin, &early), U256::ZERO).await?, "wrong block");
    let current = c.state(&coin, paid.blknum, 0, milli(500), 6);
    c.answer(operator, &coin, &current).await?;
    let receipt = c.process_all_later().await?;
    assert_eq!(finalized(&receipt), vec![(coin.id, alice, milli(500), milli(500), false, true)]);
    Ok(())
}
