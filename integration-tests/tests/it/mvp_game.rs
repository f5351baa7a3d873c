//! `MvpExitGame` on the EVM, independent of the Rust MVP crate: the tests build payments with a
//! local `sol!` struct laid out as `docs/mvp.md` says, sign them with `plasma-core`, put them in
//! block trees with `BinaryTree`, submit the roots and deposit through the framework, then drive
//! exits, challenges and processing. The main lifecycles run on both backends; the long revert
//! matrix and the gas figures run on the embedded EVM.

// Fixture helpers outside `#[test]` functions: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolEvent, sol};
use plasma_contracts::{MvpExitGame as Game, MvpTx, PlasmaFramework as Fw};
use plasma_core::{BinaryTree, SigningKey};
use plasma_integration_tests::GameCalls;
use plasma_integration_tests::{MvpDeployment, TestResult};
use plasma_rootchain::Receipt;
use rstest::rstest;

sol! {
    /// The MVP payment, field for field as in `docs/mvp.md`.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct Transaction {
        uint256 input0;
        uint256 input1;
        address owner0;
        uint256 amount0;
        address owner1;
        uint256 amount1;
    }

    /// What an input owner signs once the transaction is in the block with `blockRoot`.
    struct Confirmation {
        bytes32 txHash;
        bytes32 blockRoot;
    }
}

const ETH: u64 = 1_000_000_000_000_000_000;
const BOND: u64 = 10_000_000_000_000_000; // 0.01 ETH

fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(ETH)
}

fn milli_eth(n: u64) -> U256 {
    U256::from(n) * U256::from(ETH / 1000)
}

fn bond() -> U256 {
    U256::from(BOND)
}

/// `utxoPos = blknum · 1e9 + txindex · 1e4 + oindex`.
fn pos(blknum: u64, txindex: u64, oindex: u64) -> U256 {
    U256::from(blknum) * U256::from(1_000_000_000u64) + U256::from(txindex * 10_000 + oindex)
}

fn id(utxo_pos: U256) -> B256 {
    B256::from(utxo_pos)
}

/// A one-input payment.
fn pay(input: U256, owner0: Address, amount0: U256, owner1: Address, amount1: U256) -> Transaction {
    pay2([input, U256::ZERO], (owner0, amount0), (owner1, amount1))
}

/// A spend of two inputs to the outputs given (`(owner, amount)` each).
fn pay2(inputs: [U256; 2], first: (Address, U256), second: (Address, U256)) -> Transaction {
    Transaction {
        input0: inputs[0],
        input1: inputs[1],
        owner0: first.0,
        amount0: first.1,
        owner1: second.0,
        amount1: second.1,
    }
}

fn to_abi(tx: &Transaction) -> MvpTx::Transaction {
    MvpTx::Transaction {
        input0: tx.input0,
        input1: tx.input1,
        owner0: tx.owner0,
        amount0: tx.amount0,
        owner1: tx.owner1,
        amount1: tx.amount1,
    }
}

/// A transaction with the signature bytes a block includes (normally `sig0 ‖ sig1`, 130 bytes).
#[derive(Clone, Debug)]
struct Signed {
    tx: Transaction,
    hash: B256,
    sigs: Bytes,
}

impl Signed {
    /// The block-tree leaf value `keccak256(txHash ‖ sigs)`.
    fn leaf(&self) -> B256 {
        keccak256([self.hash.as_slice(), &self.sigs].concat())
    }
}

/// A submitted child block and what it holds.
struct Block {
    blknum: u64,
    root: B256,
    tree: BinaryTree,
    txs: Vec<Signed>,
}

impl Block {
    fn proof(&self, txindex: usize) -> Bytes {
        self.tree.proof(txindex as u64).unwrap().to_bytes()
    }
}

fn finalized(receipt: &Receipt) -> Vec<(U256, bool)> {
    receipt
        .logs
        .iter()
        .filter_map(|log| Game::ExitFinalized::decode_log(log).ok())
        .map(|event| (event.utxoPos, event.paid))
        .collect()
}

fn started(receipt: &Receipt) -> Game::ExitStarted {
    receipt.logs.iter().find_map(|log| Game::ExitStarted::decode_log(log).ok()).unwrap().data
}

fn challenged(receipt: &Receipt) -> Vec<(U256, Address)> {
    receipt
        .logs
        .iter()
        .filter_map(|log| Game::ExitChallenged::decode_log(log).ok())
        .map(|event| (event.utxoPos, event.challenger))
        .collect()
}

/// The deployment plus the helpers that make, sign, include and exit MVP transactions.
struct Mvp {
    t: MvpDeployment,
}

impl Mvp {
    async fn new(backend: &str) -> TestResult<Self> {
        Ok(Self { t: MvpDeployment::new(backend, bond()).await? })
    }

    fn key(&self, i: usize) -> &SigningKey {
        &self.t.keys[i]
    }

    /// Signs `tx` with one key per used input slot (`sig1` stays zero without a second key).
    fn sign(&self, tx: Transaction, signers: &[usize]) -> Signed {
        let domain = self.t.domain();
        let hash = domain.hash_typed(&tx);
        let mut sigs = vec![0u8; 130];
        for (slot, &signer) in signers.iter().enumerate() {
            sigs[slot * 65..(slot + 1) * 65].copy_from_slice(&self.key(signer).sign_typed(&domain, &tx).to_bytes());
        }
        Signed { tx, hash, sigs: sigs.into() }
    }

    /// Signs a one-input payment by `signer`.
    fn sign1(&self, tx: Transaction, signer: usize) -> Signed {
        self.sign(tx, &[signer])
    }

    /// The 65-byte confirmation of `hash` in the block with `root` by user `signer`.
    fn confirm(&self, signer: usize, hash: B256, root: B256) -> Vec<u8> {
        let message = Confirmation { txHash: hash, blockRoot: root };
        self.key(signer).sign_typed(&self.t.domain(), &message).to_bytes().to_vec()
    }

    /// `confirmSigs` for transaction `txindex` of `block`, one confirmation per signer (130 bytes).
    fn confirms(&self, block: &Block, txindex: usize, signers: &[usize]) -> Bytes {
        let mut out = vec![0u8; 130];
        for (slot, &signer) in signers.iter().enumerate() {
            out[slot * 65..(slot + 1) * 65].copy_from_slice(&self.confirm(signer, block.txs[txindex].hash, block.root));
        }
        out.into()
    }

    /// Builds the block tree of `txs` (leaf `i` = transaction `i`) and submits its root.
    async fn block(&mut self, txs: Vec<Signed>) -> TestResult<Block> {
        let leaves: Vec<B256> = txs.iter().map(Signed::leaf).collect();
        let tree = BinaryTree::from_leaves(&leaves)?;
        let root = tree.root();
        let blknum = self.t.submit_block(root).await?;
        Ok(Block { blknum, root, tree, txs })
    }

    fn start_exit_call(&self, block: &Block, txindex: usize, oindex: u64, confirm_sigs: Bytes) -> Game::startExitCall {
        let signed = &block.txs[txindex];
        Game::startExitCall {
            utxoPos: pos(block.blknum, txindex as u64, oindex),
            transaction: to_abi(&signed.tx),
            sigs: signed.sigs.clone(),
            proof: block.proof(txindex),
            confirmSigs: confirm_sigs,
        }
    }

    fn challenge_call(
        &self,
        utxo_pos: U256,
        block: &Block,
        txindex: usize,
        input_index: u64,
        confirm_sig: Vec<u8>,
    ) -> Game::challengeExitCall {
        let signed = &block.txs[txindex];
        Game::challengeExitCall {
            utxoPos: utxo_pos,
            spendingTxPos: pos(block.blknum, txindex as u64, 0),
            spendingTx: to_abi(&signed.tx),
            spendingSigs: signed.sigs.clone(),
            inputIndex: U256::from(input_index),
            proof: block.proof(txindex),
            confirmSig: confirm_sig.into(),
        }
    }

    async fn start_exit(&mut self, from: Address, call: Game::startExitCall) -> TestResult<Receipt> {
        self.t.game_send(from, call, bond()).await
    }

    async fn deposit_exit(&mut self, from: Address, blknum: u64, amount: U256) -> TestResult<Receipt> {
        let call = Game::startDepositExitCall { depositBlknum: U256::from(blknum), amount };
        self.t.game_send(from, call, bond()).await
    }

    async fn exit_of(&self, utxo_pos: U256) -> TestResult<Game::exitsReturn> {
        self.t.game_view(Game::exitsCall { utxoPos: utxo_pos }).await
    }
}

// -------------------------------------------------------------------------------------------------
// Lifecycles (both backends)
// -------------------------------------------------------------------------------------------------

#[rstest]
#[tokio::test]
async fn a_deposit_exit_pays_amount_and_bond_after_the_period(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut m = Mvp::new(backend).await?;
    let alice = m.t.user(0);
    let blknum = m.t.deposit(alice, eth(1)).await?;
    let receipt = m.deposit_exit(alice, blknum, eth(1)).await?;
    let started_at = m.t.chain.block_time().await?;

    let utxo_pos = pos(blknum, 0, 0);
    let event = started(&receipt);
    assert_eq!((event.utxoPos, event.owner, event.amount), (utxo_pos, alice, eth(1)));
    assert_eq!(event.exitableAt, started_at + m.t.min_exit_period);
    assert_eq!(event.tx, to_abi(&Transaction::default()));
    assert!(event.confirmSigs.is_empty());
    let exit = m.exit_of(utxo_pos).await?;
    assert_eq!(
        (exit.owner, exit.amount, exit.bond, exit.exitableAt, exit.challenged),
        (alice, eth(1), bond(), started_at + m.t.min_exit_period, false)
    );
    assert_eq!(m.t.framework_view(Fw::bondsHeldCall {}).await?, bond());

    // One second early nothing happens; at the exitable time the exit is paid with its bond.
    m.t.next_tx_at(started_at + m.t.min_exit_period - 1).await?;
    assert!(finalized(&m.t.process(10).await?).is_empty());
    // The next transaction is mined one block later, past the exitable time.
    assert_eq!(finalized(&m.t.process(10).await?), vec![(utxo_pos, true)]);
    assert_eq!(m.t.withdrawable(alice).await?, eth(1) + bond());
    assert_eq!(m.t.withdraw(alice).await?, eth(1) + bond());

    assert!(m.t.framework_view(Fw::isFinalizedCall { id: id(utxo_pos) }).await?);
    assert_eq!(m.exit_of(utxo_pos).await?.owner, Address::ZERO);
    assert_eq!(m.t.framework_view(Fw::bondsHeldCall {}).await?, U256::ZERO);
    let again = Game::startDepositExitCall { depositBlknum: U256::from(blknum), amount: eth(1) };
    assert_eq!(m.t.game_revert(alice, again, bond()).await?, "already paid");
    Ok(())
}

#[rstest]
#[tokio::test]
async fn a_two_input_transfer_exits_with_confirmations(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut m = Mvp::new(backend).await?;
    let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
    let a = m.t.deposit(alice, eth(3)).await?;
    let b = m.t.deposit(bob, eth(2)).await?;
    let d = m.t.deposit(dave, eth(1)).await?;
    // Alice and Bob pay Carol 4 ETH; Alice takes 0.9 ETH back; the fee is 0.1 ETH.
    let tx = pay2([pos(a, 0, 0), pos(b, 0, 0)], (carol, eth(4)), (alice, milli_eth(900)));
    let joint = m.sign(tx, &[0, 1]);
    let filler0 = m.sign1(pay(pos(d, 0, 0), dave, milli_eth(500), carol, milli_eth(500)), 3);
    let filler2 = m.sign1(pay(pos(7, 0, 0), dave, eth(1), Address::ZERO, U256::ZERO), 3);
    let block = m.block(vec![filler0, joint, filler2]).await?;
    let block_time = m.t.block_time_of(block.blknum).await?;
    let confirms = m.confirms(&block, 1, &[0, 1]);

    let receipt = m.start_exit(carol, m.start_exit_call(&block, 1, 0, confirms.clone())).await?;
    let event = started(&receipt);
    assert_eq!((event.utxoPos, event.owner, event.amount), (pos(block.blknum, 1, 0), carol, eth(4)));
    assert_eq!(event.tx, to_abi(&block.txs[1].tx));
    assert_eq!(event.confirmSigs, confirms, "the exit publishes the confirmations");
    // A fresh child-block output waits for two exit periods after its block.
    assert_eq!(event.exitableAt, block_time + 2 * m.t.min_exit_period);
    m.start_exit(alice, m.start_exit_call(&block, 1, 1, confirms)).await?;
    assert_eq!(m.exit_of(pos(block.blknum, 1, 1)).await?.amount, milli_eth(900));

    m.t.next_tx_at(block_time + 2 * m.t.min_exit_period).await?;
    let receipt = m.t.process(10).await?;
    assert_eq!(finalized(&receipt), vec![(pos(block.blknum, 1, 0), true), (pos(block.blknum, 1, 1), true)]);
    assert_eq!(m.t.withdraw(carol).await?, eth(4) + bond());
    assert_eq!(m.t.withdraw(alice).await?, milli_eth(900) + bond());
    assert_eq!(m.t.framework_view(Fw::totalPaidCall {}).await?, milli_eth(4900));
    Ok(())
}

#[rstest]
#[tokio::test]
async fn older_outputs_leave_first_and_exitable_times_follow_the_formulas(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut m = Mvp::new(backend).await?;
    let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
    let day = 24 * 3600;
    let a = m.t.deposit(alice, eth(10)).await?;
    let b = m.t.deposit(bob, eth(3)).await?;
    let c = m.t.deposit(carol, eth(1)).await?;
    let tx0 = m.sign1(pay(pos(a, 0, 0), alice, eth(4), bob, eth(6)), 0);
    let tx1 = m.sign1(pay(pos(b, 0, 0), bob, eth(3), Address::ZERO, U256::ZERO), 1);
    let tx2 = m.sign1(pay(pos(c, 0, 0), carol, eth(1), Address::ZERO, U256::ZERO), 2);
    let first = m.block(vec![tx0, tx1, tx2]).await?;
    m.t.chain.advance_time(day).await?;
    let to_carol = m.sign1(pay(pos(first.blknum, 0, 1), carol, eth(6), Address::ZERO, U256::ZERO), 1);
    let second = m.block(vec![to_carol]).await?;
    m.t.chain.advance_time(day).await?;
    let d = m.t.deposit(dave, eth(1)).await?;
    assert_eq!(d, second.blknum + 1);

    // Started youngest first; they must leave oldest first (the deposit is younger but, with no
    // reorg delay, exitable one period after its exit starts).
    let confirm_second = m.confirms(&second, 0, &[1]);
    m.start_exit(carol, m.start_exit_call(&second, 0, 0, confirm_second)).await?;
    let confirm_bob = m.confirms(&first, 1, &[1]);
    m.start_exit(bob, m.start_exit_call(&first, 1, 0, confirm_bob)).await?;
    let confirm_alice = m.confirms(&first, 0, &[0]);
    m.start_exit(alice, m.start_exit_call(&first, 0, 0, confirm_alice)).await?;
    m.deposit_exit(dave, d, eth(1)).await?;
    let deposit_started = m.t.chain.block_time().await?;

    let (t1, t2) = (m.t.block_time_of(first.blknum).await?, m.t.block_time_of(second.blknum).await?);
    let mep = m.t.min_exit_period;
    assert_eq!(m.exit_of(pos(second.blknum, 0, 0)).await?.exitableAt, t2 + 2 * mep);
    assert_eq!(m.exit_of(pos(first.blknum, 1, 0)).await?.exitableAt, t1 + 2 * mep);
    assert_eq!(m.exit_of(pos(first.blknum, 0, 0)).await?.exitableAt, t1 + 2 * mep);
    assert_eq!(m.exit_of(pos(d, 0, 0)).await?.exitableAt, deposit_started + mep);

    m.t.next_tx_at(t2 + 2 * mep).await?;
    let receipt = m.t.process(10).await?;
    let expected = vec![
        (pos(d, 0, 0), true),
        (pos(first.blknum, 0, 0), true),
        (pos(first.blknum, 1, 0), true),
        (pos(second.blknum, 0, 0), true),
    ];
    assert_eq!(finalized(&receipt), expected);

    // An output whose block is older than one period waits one period from the exit's start.
    let confirm_carol = m.confirms(&first, 2, &[2]);
    m.start_exit(carol, m.start_exit_call(&first, 2, 0, confirm_carol)).await?;
    let started = m.t.chain.block_time().await?;
    assert!(started + mep > t1 + 2 * mep);
    assert_eq!(m.exit_of(pos(first.blknum, 2, 0)).await?.exitableAt, started + mep);
    Ok(())
}

#[rstest]
#[tokio::test]
async fn a_spent_output_is_challenged_and_the_challenger_wins_the_bond(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut m = Mvp::new(backend).await?;
    let (alice, bob, carol) = (m.t.user(0), m.t.user(1), m.t.user(2));
    let a = m.t.deposit(alice, eth(2)).await?;
    let block = m.block(vec![m.sign1(pay(pos(a, 0, 0), bob, eth(2), Address::ZERO, U256::ZERO), 0)]).await?;
    // Alice confirms the payment to Bob, then tries to exit the deposit she spent.
    let alice_confirm = m.confirm(0, block.txs[0].hash, block.root);
    m.deposit_exit(alice, a, eth(2)).await?;

    // Carol, a watcher holding Bob's data, challenges.
    let call = m.challenge_call(pos(a, 0, 0), &block, 0, 0, alice_confirm.clone());
    let receipt = m.t.game_send(carol, call.clone(), U256::ZERO).await?;
    assert_eq!(challenged(&receipt), vec![(pos(a, 0, 0), carol)]);
    let exit = m.exit_of(pos(a, 0, 0)).await?;
    assert_eq!((exit.owner, exit.amount, exit.bond, exit.challenged), (alice, eth(2), U256::ZERO, true));
    assert_eq!(m.t.withdrawable(carol).await?, bond());
    assert_eq!(m.t.framework_view(Fw::bondsHeldCall {}).await?, U256::ZERO);

    // The challenged output can never be exited again, and the exit cannot be challenged twice.
    let again = Game::startDepositExitCall { depositBlknum: U256::from(a), amount: eth(2) };
    assert_eq!(m.t.game_revert(alice, again, bond()).await?, "exit exists");
    assert_eq!(m.t.game_revert(carol, call, U256::ZERO).await?, "no open exit");

    // Bob exits his output; the challenged exit still in the queue is skipped.
    let confirms = {
        let mut bytes = alice_confirm;
        bytes.resize(130, 0);
        Bytes::from(bytes)
    };
    m.start_exit(bob, m.start_exit_call(&block, 0, 0, confirms)).await?;
    assert_eq!(m.t.framework_view(Fw::queueSizeCall {}).await?, U256::from(2));
    m.t.next_tx_at(m.t.block_time_of(block.blknum).await? + 2 * m.t.min_exit_period).await?;
    let receipt = m.t.process(10).await?;
    assert_eq!(finalized(&receipt), vec![(pos(block.blknum, 0, 0), true)]);
    assert_eq!(m.t.framework_view(Fw::queueSizeCall {}).await?, U256::ZERO);
    assert!(!m.t.framework_view(Fw::isFinalizedCall { id: id(pos(a, 0, 0)) }).await?);
    assert_eq!(m.t.withdraw(bob).await?, eth(2) + bond());
    assert_eq!(m.t.withdraw(carol).await?, bond());
    assert_eq!(m.t.withdrawable(alice).await?, U256::ZERO);
    Ok(())
}

#[rstest]
#[tokio::test]
async fn a_self_transfer_cannot_exit_twice(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let mut m = Mvp::new(backend).await?;
    // Mallory holds two addresses and never publishes the confirmation of her self-transfer.
    let (mallory, mallory2) = (m.t.user(4), m.t.user(5));
    let total = eth(2);

    // 1. The input was exited and paid first: the exit of its child output is refused.
    let a = m.t.deposit(mallory, eth(1)).await?;
    let block = m.block(vec![m.sign1(pay(pos(a, 0, 0), mallory2, eth(1), Address::ZERO, U256::ZERO), 4)]).await?;
    m.deposit_exit(mallory, a, eth(1)).await?;
    let started = m.t.chain.block_time().await?;
    m.t.next_tx_at(started + m.t.min_exit_period).await?;
    assert_eq!(finalized(&m.t.process(10).await?), vec![(pos(a, 0, 0), true)]);
    let confirms = m.confirms(&block, 0, &[4]);
    let call = m.start_exit_call(&block, 0, 0, confirms);
    assert_eq!(m.t.game_revert(mallory2, call, bond()).await?, "input already exited");

    // 2. The input's exit is still open: the child's exit proves the spend and its confirmation,
    //    so it challenges the input's exit on the spot.
    let b = m.t.deposit(mallory, eth(1)).await?;
    let block = m.block(vec![m.sign1(pay(pos(b, 0, 0), mallory2, eth(1), Address::ZERO, U256::ZERO), 4)]).await?;
    m.deposit_exit(mallory, b, eth(1)).await?;
    let input_exitable = m.exit_of(pos(b, 0, 0)).await?.exitableAt;
    // Started one second before the input's exit matures: no time left for a watcher.
    m.t.next_tx_at(input_exitable - 1).await?;
    let confirms = m.confirms(&block, 0, &[4]);
    let receipt = m.start_exit(mallory2, m.start_exit_call(&block, 0, 0, confirms)).await?;
    assert_eq!(challenged(&receipt), vec![(pos(b, 0, 0), mallory2)]);
    assert!(m.exit_of(pos(b, 0, 0)).await?.challenged);

    let child_exitable = m.exit_of(pos(block.blknum, 0, 0)).await?.exitableAt;
    m.t.next_tx_at(child_exitable).await?;
    assert_eq!(finalized(&m.t.process(10).await?), vec![(pos(block.blknum, 0, 0), true)]);
    // Two deposits of 1 ETH, 2 ETH paid in all: one exit per coin.
    assert_eq!(m.t.framework_view(Fw::totalPaidCall {}).await?, total);
    assert!(!m.t.framework_view(Fw::isFinalizedCall { id: id(pos(b, 0, 0)) }).await?);
    Ok(())
}

#[tokio::test]
async fn an_exit_challenges_the_open_exit_of_its_input_only_when_its_owner_signed() -> TestResult {
    let mut m = Mvp::new("embedded").await?;
    let (alice, bob, dave) = (m.t.user(0), m.t.user(1), m.t.user(3));
    let a = m.t.deposit(alice, eth(2)).await?;
    let c = m.t.deposit(alice, eth(1)).await?;
    // Alice pays Bob with deposit `a`; a dishonest block also holds a "spend" of `c` signed by Dave.
    let to_bob = m.sign1(pay(pos(a, 0, 0), bob, eth(2), Address::ZERO, U256::ZERO), 0);
    let forged = m.sign1(pay(pos(c, 0, 0), dave, eth(1), Address::ZERO, U256::ZERO), 3);
    let block = m.block(vec![to_bob, forged]).await?;
    m.deposit_exit(alice, a, eth(2)).await?;
    m.deposit_exit(alice, c, eth(1)).await?;

    // Bob's exit carries Alice's confirmation: her exit of the spent deposit is challenged on the
    // spot and Bob gets her bond.
    let receipt = m.start_exit(bob, m.start_exit_call(&block, 0, 0, m.confirms(&block, 0, &[0]))).await?;
    assert_eq!(challenged(&receipt), vec![(pos(a, 0, 0), bob)]);
    assert_eq!(m.t.withdrawable(bob).await?, bond());
    // Dave's transaction proves nothing against Alice: her exit of `c` stays open.
    let receipt = m.start_exit(dave, m.start_exit_call(&block, 1, 0, m.confirms(&block, 1, &[3]))).await?;
    assert!(challenged(&receipt).is_empty());
    let exit = m.exit_of(pos(c, 0, 0)).await?;
    assert_eq!((exit.owner, exit.bond, exit.challenged), (alice, bond(), false));
    Ok(())
}

#[tokio::test]
async fn a_game_without_bond_works_the_same() -> TestResult {
    let mut m = Mvp { t: MvpDeployment::new("embedded", U256::ZERO).await? };
    let (alice, bob, carol) = (m.t.user(0), m.t.user(1), m.t.user(2));
    let a = m.t.deposit(alice, eth(1)).await?;
    let b = m.t.deposit(bob, eth(1)).await?;
    let block = m.block(vec![m.sign1(pay(pos(a, 0, 0), bob, eth(1), Address::ZERO, U256::ZERO), 0)]).await?;
    let deposit_exit = |blknum: u64| Game::startDepositExitCall { depositBlknum: U256::from(blknum), amount: eth(1) };
    assert_eq!(m.t.game_revert(alice, deposit_exit(a), bond()).await?, "bad bond");
    m.t.game_send(alice, deposit_exit(a), U256::ZERO).await?;
    m.t.game_send(bob, deposit_exit(b), U256::ZERO).await?;
    let call = m.challenge_call(pos(a, 0, 0), &block, 0, 0, m.confirm(0, block.txs[0].hash, block.root));
    m.t.game_send(carol, call, U256::ZERO).await?;
    assert_eq!(m.exit_of(pos(b, 0, 0)).await?.bond, U256::ZERO);
    let started = m.t.chain.block_time().await?;
    m.t.next_tx_at(started + m.t.min_exit_period).await?;
    assert_eq!(finalized(&m.t.process(10).await?), vec![(pos(b, 0, 0), true)]);
    assert_eq!(m.t.withdrawable(bob).await?, eth(1));
    assert_eq!(m.t.withdrawable(carol).await?, U256::ZERO);
    Ok(())
}

#[rstest]
#[tokio::test]
async fn processing_never_blocks_on_challenged_or_refused_exits(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut m = Mvp::new(backend).await?;
    let (alice, bob, carol, mallory) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(4));
    let a = m.t.deposit(alice, eth(1)).await?;
    // A dishonest block: Mallory prints 5 ETH out of nothing (index 0), next to Alice's payment to Bob.
    let fake = m.sign1(pay(pos(9, 0, 0), mallory, eth(5), Address::ZERO, U256::ZERO), 4);
    let honest = m.sign1(pay(pos(a, 0, 0), bob, eth(1), Address::ZERO, U256::ZERO), 0);
    let block = m.block(vec![fake, honest]).await?;
    let alice_confirm = m.confirm(0, block.txs[1].hash, block.root);

    m.deposit_exit(alice, a, eth(1)).await?;
    let call = m.challenge_call(pos(a, 0, 0), &block, 1, 0, alice_confirm);
    m.t.game_send(carol, call, U256::ZERO).await?;
    let confirms = m.confirms(&block, 0, &[4]);
    m.start_exit(mallory, m.start_exit_call(&block, 0, 0, confirms)).await?;
    let confirms = m.confirms(&block, 1, &[0]);
    m.start_exit(bob, m.start_exit_call(&block, 1, 0, confirms)).await?;

    m.t.next_tx_at(m.t.block_time_of(block.blknum).await? + 2 * m.t.min_exit_period).await?;
    let receipt = m.t.process(10).await?;
    // Alice's challenged exit is skipped, Mallory's claim exceeds the deposits and is refused
    // (bond returned), Bob behind them is paid.
    assert_eq!(finalized(&receipt), vec![(pos(block.blknum, 0, 0), false), (pos(block.blknum, 1, 0), true)]);
    assert!(receipt.logs.iter().any(|log| Fw::PayoutRefused::decode_log(log).is_ok()));
    assert_eq!(m.t.framework_view(Fw::queueSizeCall {}).await?, U256::ZERO);
    assert_eq!(m.t.withdrawable(mallory).await?, bond());
    assert_eq!(m.t.withdrawable(bob).await?, eth(1) + bond());
    Ok(())
}

#[rstest]
#[tokio::test]
async fn rust_and_the_contract_hash_transactions_alike(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let m = Mvp::new(backend).await?;
    let domain = m.t.domain();
    let txs = [
        Transaction::default(),
        pay(pos(1, 0, 0), m.t.user(0), U256::from(1), Address::ZERO, U256::ZERO),
        pay2(
            [pos(18_446_744_073_709, 65_535, 1), pos(1000, 3, 0)],
            (Address::repeat_byte(0xff), U256::MAX),
            (m.t.user(1), eth(7)),
        ),
    ];
    for tx in &txs {
        let on_chain = m.t.game_view(Game::txHashCall { transaction: to_abi(tx) }).await?;
        assert_eq!(on_chain, domain.hash_typed(tx));
        let root = keccak256(on_chain);
        let digest = m.t.game_view(Game::confirmationDigestCall { hash: on_chain, blockRoot: root }).await?;
        assert_eq!(digest, domain.hash_typed(&Confirmation { txHash: on_chain, blockRoot: root }));
    }
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Every revert reason (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn deposit_exits_revert_with_the_documented_reasons() -> TestResult {
    let mut m = Mvp::new("embedded").await?;
    let (alice, bob) = (m.t.user(0), m.t.user(1));
    let a = m.t.deposit(alice, eth(1)).await?;
    m.block(vec![]).await?;
    let call = |blknum: u64, amount: U256| Game::startDepositExitCall { depositBlknum: U256::from(blknum), amount };

    assert_eq!(m.t.game_revert(alice, call(a, eth(1)), U256::ZERO).await?, "bad bond");
    assert_eq!(m.t.game_revert(alice, call(a, eth(1)), bond() + U256::from(1)).await?, "bad bond");
    assert_eq!(m.t.game_revert(alice, call(1000, eth(1)), bond()).await?, "not a deposit block");
    assert_eq!(m.t.game_revert(alice, call(2, eth(1)), bond()).await?, "no such block");
    assert_eq!(m.t.game_revert(alice, call(u64::MAX, eth(1)), bond()).await?, "no such block");
    assert_eq!(m.t.game_revert(bob, call(a, eth(1)), bond()).await?, "not owner");
    assert_eq!(m.t.game_revert(alice, call(a, eth(2)), bond()).await?, "not owner");
    assert_eq!(m.t.game_revert(alice, call(a, U256::ZERO), bond()).await?, "zero amount");
    m.t.game_send(alice, call(a, eth(1)), bond()).await?;
    assert_eq!(m.t.game_revert(alice, call(a, eth(1)), bond()).await?, "exit exists");
    Ok(())
}

#[tokio::test]
async fn start_exit_reverts_with_the_documented_reasons() -> TestResult {
    let mut m = Mvp::new("embedded").await?;
    let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
    let a = m.t.deposit(alice, eth(3)).await?;
    let b = m.t.deposit(bob, eth(2)).await?;
    let c = m.t.deposit(carol, eth(1)).await?;
    let joint = m.sign(pay2([pos(a, 0, 0), pos(b, 0, 0)], (carol, eth(5)), (dave, U256::ZERO)), &[0, 1]);
    // Included by a careless operator: a high-s signature, and signature bytes of the wrong length.
    let mut malleable = m.sign1(pay(pos(c, 0, 0), dave, eth(1), Address::ZERO, U256::ZERO), 2);
    let twin = m.key(2).sign_typed(&m.t.domain(), &malleable.tx).high_s_twin().to_bytes();
    malleable.sigs = [twin.as_slice(), &[0u8; 65]].concat().into();
    let mut short = m.sign1(pay(pos(c, 0, 0), dave, eth(1), Address::ZERO, U256::ZERO), 2);
    short.sigs = short.sigs.slice(..65);
    let block = m.block(vec![joint, malleable, short]).await?;
    let good = m.confirms(&block, 0, &[0, 1]);
    let ok = m.start_exit_call(&block, 0, 0, good.clone());
    let mut cases = vec![("bad bond", carol, ok.clone(), U256::ZERO)];
    let mut call = ok.clone();
    call.utxoPos = pos(block.blknum, 0, 2);
    cases.push(("bad oindex", carol, call, bond()));
    let mut call = ok.clone();
    call.utxoPos = pos(a, 0, 0);
    cases.push(("not a child block", carol, call, bond()));
    let mut call = ok.clone();
    call.utxoPos = pos(block.blknum + 1000, 0, 0);
    cases.push(("no such block", carol, call, bond()));
    // Another user's output.
    cases.push(("not owner", bob, ok.clone(), bond()));
    cases.push(("zero amount", dave, m.start_exit_call(&block, 0, 1, good.clone()), bond()));
    // Unproven output: another leaf's proof, the wrong index, an altered transaction or signature
    // bytes, a truncated proof.
    let mut call = ok.clone();
    call.proof = block.proof(1);
    cases.push(("not included", carol, call, bond()));
    let mut call = ok.clone();
    call.utxoPos = pos(block.blknum, 1, 0);
    cases.push(("not included", carol, call, bond()));
    let mut call = ok.clone();
    call.transaction.amount0 = eth(6);
    cases.push(("not included", carol, call, bond()));
    let mut call = ok.clone();
    let mut sigs = call.sigs.to_vec();
    sigs[3] ^= 1;
    call.sigs = sigs.into();
    cases.push(("not included", carol, call, bond()));
    let mut call = ok.clone();
    call.proof = call.proof.slice(..480);
    cases.push(("not included", carol, call, bond()));
    // Included but badly signed: a high-s signature, signature bytes of the wrong length.
    cases.push(("bad signature", dave, m.start_exit_call(&block, 1, 0, m.confirms(&block, 1, &[2])), bond()));
    cases.push(("bad signature", dave, m.start_exit_call(&block, 2, 0, m.confirms(&block, 2, &[2])), bond()));
    // Missing or bad confirmations: none, a missing second one, swapped, by a stranger, for
    // another block.
    let mut call = ok.clone();
    call.confirmSigs = Bytes::new();
    cases.push(("bad confirmation", carol, call, bond()));
    cases.push(("bad confirmation", carol, m.start_exit_call(&block, 0, 0, m.confirms(&block, 0, &[0])), bond()));
    cases.push(("bad confirmation", carol, m.start_exit_call(&block, 0, 0, m.confirms(&block, 0, &[1, 0])), bond()));
    cases.push(("bad confirmation", carol, m.start_exit_call(&block, 0, 0, m.confirms(&block, 0, &[0, 2])), bond()));
    let mut call = ok.clone();
    let hash = block.txs[0].hash;
    call.confirmSigs =
        [m.confirm(0, hash, B256::repeat_byte(1)), m.confirm(1, hash, B256::repeat_byte(1))].concat().into();
    cases.push(("bad confirmation", carol, call, bond()));

    for (expected, from, call, value) in cases {
        let reason = m.t.game_revert(from, call.clone(), value).await?;
        assert_eq!(reason, expected, "startExit({}) from {from}", call.utxoPos);
    }

    // The same output twice; then, once it is paid, never again.
    m.start_exit(carol, ok.clone()).await?;
    assert_eq!(m.t.game_revert(carol, ok.clone(), bond()).await?, "exit exists");
    m.t.next_tx_at(m.t.block_time_of(block.blknum).await? + 2 * m.t.min_exit_period).await?;
    assert_eq!(finalized(&m.t.process(10).await?), vec![(ok.utxoPos, true)]);
    assert_eq!(m.t.game_revert(carol, ok, bond()).await?, "already paid");
    Ok(())
}

#[tokio::test]
async fn challenges_revert_with_the_documented_reasons() -> TestResult {
    let mut m = Mvp::new("embedded").await?;
    let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
    let a = m.t.deposit(alice, eth(2)).await?;
    let b = m.t.deposit(bob, eth(1)).await?;
    let d = m.t.deposit(dave, eth(1)).await?;
    // tx 0 spends Alice's deposit in slot 1 (Bob's in slot 0); tx 1 is unrelated; tx 2 spends Alice's
    // deposit but is signed by Dave (a dishonest block).
    let spend = m.sign(pay2([pos(b, 0, 0), pos(a, 0, 0)], (carol, eth(3)), (Address::ZERO, U256::ZERO)), &[1, 0]);
    let unrelated = m.sign1(pay(pos(d, 0, 0), carol, eth(1), Address::ZERO, U256::ZERO), 3);
    let forged = m.sign1(pay(pos(a, 0, 0), dave, eth(2), Address::ZERO, U256::ZERO), 3);
    let block = m.block(vec![spend, unrelated, forged]).await?;
    let exited = pos(a, 0, 0);
    let alice_confirm = m.confirm(0, block.txs[0].hash, block.root);
    let ok = m.challenge_call(exited, &block, 0, 1, alice_confirm.clone());

    // Nothing to challenge yet.
    assert_eq!(m.t.game_revert(carol, ok.clone(), U256::ZERO).await?, "no open exit");
    m.deposit_exit(alice, a, eth(2)).await?;

    // A transaction that does not spend the exited output, or the wrong input slot.
    let mut cases = vec![("not the spent output", m.challenge_call(exited, &block, 1, 0, alice_confirm.clone()))];
    cases.push(("not the spent output", m.challenge_call(exited, &block, 0, 0, alice_confirm.clone())));
    cases.push(("not the spent output", m.challenge_call(exited, &block, 0, 2, alice_confirm.clone())));
    let mut call = ok.clone();
    call.spendingTxPos = pos(a, 0, 0);
    cases.push(("not a child block", call));
    let mut call = ok.clone();
    call.spendingTxPos = pos(block.blknum + 1000, 0, 0);
    cases.push(("no such block", call));
    let mut call = ok.clone();
    call.proof = block.proof(1);
    cases.push(("not included", call));
    let mut call = ok.clone();
    call.spendingTxPos = pos(block.blknum, 2, 0);
    cases.push(("not included", call));
    // A spend not signed by the exit's owner.
    cases.push(("bad signature", m.challenge_call(exited, &block, 2, 0, m.confirm(0, block.txs[2].hash, block.root))));
    // A spend without the owner's confirmation, or with a bad one.
    cases.push(("bad confirmation", m.challenge_call(exited, &block, 0, 1, Vec::new())));
    cases.push((
        "bad confirmation",
        m.challenge_call(exited, &block, 0, 1, m.confirm(1, block.txs[0].hash, block.root)),
    ));
    cases.push((
        "bad confirmation",
        m.challenge_call(exited, &block, 0, 1, m.confirm(0, block.txs[0].hash, B256::ZERO)),
    ));
    cases.push((
        "bad confirmation",
        m.challenge_call(exited, &block, 0, 1, m.confirm(0, block.txs[1].hash, block.root)),
    ));
    for (expected, call) in cases {
        let reason = m.t.game_revert(carol, call.clone(), U256::ZERO).await?;
        assert_eq!(reason, expected, "challengeExit(tx at {}, input {})", call.spendingTxPos, call.inputIndex);
    }

    // The real challenge works once; a challenged exit is closed.
    m.t.game_send(carol, ok.clone(), U256::ZERO).await?;
    assert_eq!(m.t.game_revert(bob, ok.clone(), U256::ZERO).await?, "no open exit");

    // A processed exit is closed too.
    m.deposit_exit(dave, d, eth(1)).await?;
    let dave_started = m.t.chain.block_time().await?;
    m.t.next_tx_at(dave_started + m.t.min_exit_period).await?;
    assert_eq!(finalized(&m.t.process(10).await?), vec![(pos(d, 0, 0), true)]);
    let dave_confirm = m.confirm(3, block.txs[1].hash, block.root);
    let call = m.challenge_call(pos(d, 0, 0), &block, 1, 0, dave_confirm);
    assert_eq!(m.t.game_revert(carol, call, U256::ZERO).await?, "no open exit");
    Ok(())
}

#[tokio::test]
async fn only_the_framework_processes_exits() -> TestResult {
    let mut m = Mvp::new("embedded").await?;
    let alice = m.t.user(0);
    let a = m.t.deposit(alice, eth(1)).await?;
    m.deposit_exit(alice, a, eth(1)).await?;
    let exit_id = alloy_primitives::Uint::from(pos(a, 0, 0).to::<u128>());
    assert_eq!(m.t.game_revert(alice, Game::processExitCall { exitId: exit_id }, U256::ZERO).await?, "not framework");
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Gas
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn gas_of_the_exit_game() -> TestResult {
    let mut m = Mvp::new("embedded").await?;
    let (alice, bob, carol) = (m.t.user(0), m.t.user(1), m.t.user(2));
    let exits = 10u64;
    let mut deposits = Vec::new();
    for _ in 0..exits + 2 {
        deposits.push(m.t.deposit(alice, eth(1)).await?);
    }
    let b = m.t.deposit(bob, eth(1)).await?;
    // Block 1000: tx 0 is a 2-input payment to Carol, txs 1.. are 1-input payments to Bob; 64 leaves
    // in all so that the proofs look like a real block's.
    let mut txs = vec![
        m.sign(pay2([pos(deposits[0], 0, 0), pos(b, 0, 0)], (carol, eth(2)), (Address::ZERO, U256::ZERO)), &[0, 1]),
    ];
    for n in 0..63 {
        let input = pos(deposits[1 + (n % (exits as usize + 1))], 0, 0);
        txs.push(m.sign1(pay(input, bob, eth(1), alice, U256::from(n)), 0));
    }
    let block = m.block(txs).await?;

    let deposit_exit = m.deposit_exit(alice, deposits[exits as usize + 1], eth(1)).await?.gas_used;
    let two_inputs =
        m.start_exit(carol, m.start_exit_call(&block, 0, 0, m.confirms(&block, 0, &[0, 1]))).await?.gas_used;
    let mut one_input = 0;
    for n in 1..=exits as usize {
        let gas = m.start_exit(bob, m.start_exit_call(&block, n, 0, m.confirms(&block, n, &[0]))).await?.gas_used;
        one_input = one_input.max(gas);
    }
    // Alice exits a deposit she spent in tx 0; a watcher challenges.
    m.deposit_exit(alice, deposits[0], eth(1)).await?;
    let call = m.challenge_call(pos(deposits[0], 0, 0), &block, 0, 0, m.confirm(0, block.txs[0].hash, block.root));
    let challenge = m.t.game_send(carol, call, U256::ZERO).await?.gas_used;

    // Process: the first deposit exit alone, then the challenged one (skipped), then the 11 block
    // exits in one batch.
    m.t.next_tx_at(m.t.chain.block_time().await? + m.t.min_exit_period + 1).await?;
    let one = m.t.process(1).await?;
    assert_eq!(finalized(&one).len(), 1);
    let skipped = m.t.process(1).await?;
    assert!(finalized(&skipped).is_empty());
    m.t.next_tx_at(m.t.block_time_of(block.blknum).await? + 2 * m.t.min_exit_period).await?;
    let batch = m.t.process(100).await?;
    let count = finalized(&batch).len() as u64;
    assert_eq!(count, exits + 1);

    println!("MvpExitGame gas (embedded EVM, receipts: 21k base, calldata and refunds included):");
    println!("  startDepositExit               {deposit_exit:>8}");
    println!("  startExit, 1 input (max of {exits})  {one_input:>8}");
    println!("  startExit, 2 inputs            {two_inputs:>8}");
    println!("  challengeExit                  {challenge:>8}");
    println!("  processExits(1), 1 paid exit   {:>8}", one.gas_used);
    println!("  processExits(1), 1 challenged  {:>8}", skipped.gas_used);
    println!("  processExits, {count} paid exits   {:>8}  ({} per exit)", batch.gas_used, batch.gas_used / count);
    assert!(deposit_exit < 150_000 && one_input < 200_000 && two_inputs < 220_000 && challenge < 150_000);
    Ok(())
}
