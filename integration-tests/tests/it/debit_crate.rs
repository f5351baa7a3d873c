//! The `plasma-debit` crate against `DebitExitGame` on the embedded EVM: the crate's operator
//! builds the blocks whose roots are submitted, its wallets produce the exit arguments, its
//! watchers the channel challenge and the operator's answer, and `DebitGame` the calldata; the
//! contract accepts all of it and pays the shares the crate expects (`docs/debit.md`).

// Fixture helpers outside `#[test]` functions: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use alloy_primitives::U256;
use alloy_sol_types::{SolCall, SolEvent};
use plasma_contracts::{DebitExitGame as Game, PlasmaFramework as Fw};
use plasma_core::GameCall;
use plasma_debit::{
    DebitGame, DebitOperator, DebitWallet, DepositRecord, ExitArgs, ObservedChannelChallenge, ObservedExit,
    SignedDebitTx, tx::DebitTxExt, watcher,
};
use plasma_integration_tests::{DebitDeployment, TestResult};
use plasma_rootchain::{BLOCK_TIME, Receipt};

const ETH: u128 = 1_000_000_000_000_000_000;

const fn milli(n: u128) -> u128 {
    n * ETH / 1000
}

struct Chain {
    t: DebitDeployment,
    op: DebitOperator,
    wallets: Vec<DebitWallet>,
    game: DebitGame,
}

impl Chain {
    async fn new() -> TestResult<Self> {
        let t = DebitDeployment::new("embedded").await?;
        let op = DebitOperator::new(t.operator_key.clone(), t.domain());
        let wallets = t.keys[..2].iter().map(|k| DebitWallet::new(k.clone(), t.domain(), op.address())).collect();
        let game = DebitGame::new(t.exit_bond, t.challenge_bond);
        Ok(Self { t, op, wallets, game })
    }

    async fn deposit(&mut self, depositor: alloy_primitives::Address, amount: u128) -> TestResult<DepositRecord> {
        let coin_id = self.t.deposit(depositor, U256::from(amount)).await?;
        let record = DepositRecord::new(coin_id, depositor, U256::from(amount));
        self.op.on_deposit(coin_id, depositor, amount);
        for wallet in &mut self.wallets {
            wallet.on_deposit(record)?;
        }
        Ok(record)
    }

    /// Seals the operator's block, submits its root and extends every wallet's coins.
    async fn seal(&mut self) -> TestResult<u64> {
        let next: u64 = self.t.framework_view(Fw::nextChildBlockCall {}).await?.to();
        let block = self.op.seal(next)?;
        let blknum = self.t.submit_block(block.root()).await?;
        assert_eq!(blknum, next);
        for wallet in &mut self.wallets {
            wallet.learn_root(blknum, block.root());
            for coin in wallet.coin_ids().collect::<Vec<_>>() {
                wallet.extend(coin, blknum, self.op.entry(coin, blknum)?)?;
            }
        }
        Ok(blknum)
    }

    /// Sends the crate's calldata, decoded into the binding's call type `C`.
    async fn send<C: SolCall>(&mut self, from: alloy_primitives::Address, call: &GameCall) -> TestResult<Receipt> {
        let decoded = C::abi_decode(&call.data)?;
        self.t.game_send(from, decoded, call.value).await
    }

    async fn exit(&mut self, user: usize, coin_id: u64) -> TestResult<Receipt> {
        let from = self.wallets[user].address();
        match self.wallets[user].exit_args(coin_id)? {
            ExitArgs::Deposit(record) => {
                let call = self.game.start_deposit_exit_call(&record);
                self.send::<Game::startDepositExitCall>(from, &call).await
            }
            ExitArgs::Move(exit) => {
                let call = self.game.start_exit_call(&exit);
                self.send::<Game::startExitCall>(from, &call).await
            }
        }
    }
}

fn observed(receipt: &Receipt) -> ObservedExit {
    let log = receipt.logs.iter().find_map(|l| Game::ExitStarted::decode_log(l).ok()).unwrap();
    // The binding's event type is the crate's (`plasma_debit::abi` re-exports it).
    ObservedExit::from(&log.data)
}

#[tokio::test]
async fn the_crates_payments_states_and_calls_run_on_the_contract() -> TestResult {
    let mut c = Chain::new().await?;
    let (alice, bob, operator) = (c.wallets[0].address(), c.wallets[1].address(), c.op.address());
    let coin_a = c.deposit(alice, ETH).await?;
    let coin_b = c.deposit(operator, ETH).await?;
    // The operator adds 1 ETH of liquidity to Bob's future coin (a deposit merged by the game).
    let funding = c.t.deposit(operator, U256::from(ETH)).await?;
    let add = DebitGame::add_liquidity_call(coin_b.coin_id, funding, U256::from(ETH));
    c.send::<Game::addLiquidityCall>(operator, &add).await?;
    c.op.on_liquidity(coin_b.coin_id, ETH)?;

    // The operator hands its coin to Bob (a = 0); Alice pays Bob 0.37 ETH.
    c.op.hand_out(coin_b.coin_id, bob)?;
    c.seal().await?;
    let mut history = plasma_debit::DebitHistory::new(coin_b);
    for blknum in c.op.block_numbers().collect::<Vec<_>>() {
        history.push(blknum, c.op.entry(coin_b.coin_id, blknum)?)?;
    }
    c.wallets[1].receive(history, 2 * ETH)?;
    let invoice = c.wallets[1].invoice(coin_b.coin_id, milli(370))?;
    let (tx, sig_a) = c.wallets[0].pay(coin_a.coin_id, &invoice)?;
    let sig_b = c.wallets[1].accept_payment(&tx, coin_b.coin_id, milli(370))?;
    c.op.submit(SignedDebitTx::new(tx, vec![sig_a, sig_b]))?;
    c.seal().await?;
    let contract_hash = c.t.game_view(Game::txHashCall { debitTx: tx }).await?;
    assert_eq!(contract_hash, tx.hash(&c.t.domain()));

    // Alice co-signs a newer state: she pays the operator 0.13 more off chain (0.5 left).
    let (state_tx, sig) = c.wallets[0].propose_state(coin_a.coin_id, milli(500))?;
    let state = c.op.cosign(state_tx, sig)?;
    c.wallets[0].store_state(state)?;

    // Both exit from their last included moves.
    let alice_exit = observed(&c.exit(0, coin_a.coin_id).await?);
    let bob_exit = observed(&c.exit(1, coin_b.coin_id).await?);
    assert_eq!((bob_exit.holder, bob_exit.balance, bob_exit.nonce), (bob, U256::from(milli(370)), 2));
    assert!(watcher::operator_on_exit(&c.op, &bob_exit).is_empty());
    // Alice's watcher asserts her newer co-signed state with a channel challenge ...
    let actions = watcher::holder_actions(&c.wallets[0], &alice_exit);
    assert_eq!(actions.len(), 1);
    let receipt = c.send::<Game::challengeChannelCall>(alice, &actions[0].call(&c.game)).await?;
    let event = receipt.logs.iter().find_map(|l| Game::ChannelChallenged::decode_log(l).ok()).unwrap();
    let challenge = ObservedChannelChallenge {
        coin_id: event.coinId,
        exit_id: event.exitId.to(),
        nonce: event.nonce,
        deadline: event.deadline,
    };
    // ... which the operator's watcher answers with that same state (it would also have
    // corrected the exit on its own).
    assert_eq!(watcher::operator_on_exit(&c.op, &alice_exit).len(), 1);
    let answers = watcher::operator_on_channel_challenge(&c.op, &challenge);
    assert_eq!(answers.len(), 1);
    c.send::<Game::respondChannelCall>(operator, &answers[0].call(&c.game)).await?;
    let corrected = ObservedExit { nonce: state.tx.nonce, ..alice_exit };
    assert!(watcher::holder_actions(&c.wallets[0], &corrected).is_empty());

    let period = c.t.min_exit_period;
    c.t.chain.advance_time(period + BLOCK_TIME).await?;
    let receipt = c.t.framework_send(operator, Fw::processExitsCall { maxCount: U256::from(10) }, U256::ZERO).await?;
    let shares: Vec<_> = receipt
        .logs
        .iter()
        .filter_map(|l| Game::ExitFinalized::decode_log(l).ok())
        .map(|e| (e.coinId, e.holderShare, e.operatorShare, e.penalty))
        .collect();
    assert_eq!(
        shares,
        vec![
            (coin_a.coin_id, U256::from(milli(500)), U256::from(milli(500)), false),
            (coin_b.coin_id, U256::from(milli(370)), U256::from(2 * ETH - milli(370)), false),
        ]
    );
    Ok(())
}
