//! `MoreVpExitGame` on the EVM, independent of the Rust MoreVP crate: the tests build payments with
//! the binding's `MoreVpTx::PaymentTx` (laid out as `docs/morevp.md` says), sign them with
//! `plasma-core`'s EIP-712 keys, put their hashes in depth-16 block trees with `BinaryTree`, submit
//! the roots (a "withheld" block is one whose root is submitted and whose data only the test
//! holds) and deposit through the framework, then drive standard exits, in-flight exits,
//! piggybacks, the canonicity game and processing. The lifecycles and the gas figures run on both
//! backends; the revert matrix and the regression scenarios of plasma-contracts (#56, #102, #104,
//! #342, #470) run on the embedded EVM.

// Fixture helpers outside `#[test]` functions: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use alloy_primitives::aliases::U96;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolValue;
use plasma_contracts::{MoreVpExitGame as Game, MoreVpTx::PaymentTx, PlasmaFramework as Fw};
use plasma_core::{BinaryTree, SigningKey};
use plasma_integration_tests::GameCalls;
use plasma_integration_tests::{
    ETH, MoreVpDeployment, TestResult, eth, events, gas_on_both_backends, morevp_payment as payment,
};
use plasma_rootchain::{BLOCK_TIME, Receipt};
use rstest::rstest;

fn milli_eth(n: u64) -> U256 {
    U256::from(n) * U256::from(ETH / 1000)
}

/// `utxoPos = blknum · 1e9 + txindex · 1e4 + oindex`.
fn pos(blknum: u64, txindex: u64, oindex: u64) -> U256 {
    U256::from(blknum) * U256::from(1_000_000_000u64) + U256::from(txindex * 10_000 + oindex)
}

/// The block number of a position.
fn blknum_of(utxo_pos: U256) -> u64 {
    (utxo_pos / U256::from(1_000_000_000u64)).to::<u64>()
}

fn inputs_of(tx: &PaymentTx) -> [U256; 4] {
    [tx.input0, tx.input1, tx.input2, tx.input3]
}

fn output_of(tx: &PaymentTx, index: u64) -> (Address, U256) {
    match index {
        0 => (tx.owner0, tx.amount0),
        1 => (tx.owner1, tx.amount1),
        2 => (tx.owner2, tx.amount2),
        3 => (tx.owner3, tx.amount3),
        _ => (Address::ZERO, U256::ZERO),
    }
}

/// The in-flight exit id of `hash`: `(1 << 95) | uint96(hash >> 161)`.
fn ife_id(hash: B256) -> U96 {
    let id = (U256::from(1) << 95_usize) | (U256::from_be_bytes(hash.0) >> 161_usize);
    U96::from(id.to::<u128>())
}

/// `(utxoPos, paid)` of every standard exit a `processExits` settled.
fn se_finalized(receipt: &Receipt) -> Vec<(U256, bool)> {
    events::<Game::StandardExitFinalized>(receipt).into_iter().map(|e| (e.utxoPos, e.paid)).collect()
}

/// `(txHash, canonical)` of every in-flight exit a `processExits` settled.
fn ife_finalized(receipt: &Receipt) -> Vec<(B256, bool)> {
    events::<Game::InFlightExitFinalized>(receipt).into_iter().map(|e| (e.txHash, e.canonical)).collect()
}

/// `(exitableAt, position, exitId)` of the exits a receipt queued.
fn queued(receipt: &Receipt) -> Vec<(u64, U256, U256)> {
    let mask = (U256::from(1) << 96_usize) - U256::from(1);
    events::<Fw::ExitQueued>(receipt)
        .into_iter()
        .map(|e| ((e.priority >> 192_usize).to::<u64>(), (e.priority >> 96_usize) & mask, e.priority & mask))
        .collect()
}

/// The deployment plus what the test's users know: how to prove each output as an input (its
/// creating transaction and proof, or its deposit record) and where each included transaction is.
struct MoreVp {
    t: MoreVpDeployment,
    sources: HashMap<U256, Game::InputProof>,
    inclusions: HashMap<B256, (U256, Bytes)>,
}

impl MoreVp {
    async fn new(backend: &str) -> TestResult<Self> {
        Ok(Self { t: MoreVpDeployment::new(backend).await?, sources: HashMap::new(), inclusions: HashMap::new() })
    }

    fn key(&self, who: Address) -> &SigningKey {
        let index = self.t.users.iter().position(|user| *user == who).unwrap();
        &self.t.keys[index]
    }

    fn hash(&self, tx: &PaymentTx) -> B256 {
        self.t.domain().hash_typed(tx)
    }

    /// `who`'s 65-byte signature of `tx`.
    fn sig(&self, who: Address, tx: &PaymentTx) -> Bytes {
        self.key(who).sign_typed(&self.t.domain(), tx).to_bytes().to_vec().into()
    }

    /// Signatures of `tx` by `signers`, concatenated.
    fn sigs_by(&self, tx: &PaymentTx, signers: &[Address]) -> Bytes {
        signers.iter().flat_map(|who| self.sig(*who, tx).to_vec()).collect::<Vec<u8>>().into()
    }

    /// The owner of the output at `utxo_pos`, as its creating transaction (or record) says.
    fn owner_at(&self, utxo_pos: U256) -> Address {
        let oindex = (utxo_pos % U256::from(10_000)).to::<u64>();
        output_of(&self.sources[&utxo_pos].tx, oindex).0
    }

    /// The signatures of `tx` by the owners of its inputs, in input order.
    fn sigs(&self, tx: &PaymentTx) -> Bytes {
        let signers: Vec<Address> =
            inputs_of(tx).into_iter().filter(|input| !input.is_zero()).map(|input| self.owner_at(input)).collect();
        self.sigs_by(tx, &signers)
    }

    /// The id of output `index` of `tx`.
    fn output_id(&self, tx: &PaymentTx, index: u64) -> B256 {
        keccak256((self.hash(tx), U256::from(index)).abi_encode())
    }

    /// The id of the output at `utxo_pos` (a deposit or a transaction output).
    fn id_at(&self, utxo_pos: U256) -> B256 {
        let blknum = blknum_of(utxo_pos);
        if !blknum.is_multiple_of(1000) {
            keccak256(U256::from(blknum).abi_encode())
        } else {
            self.output_id(&self.sources[&utxo_pos].tx, (utxo_pos % U256::from(10_000)).to::<u64>())
        }
    }

    /// Deposits `amount` for `owner` and returns the deposit's position.
    async fn deposit(&mut self, owner: Address, amount: U256) -> TestResult<U256> {
        let blknum = self.t.deposit(owner, amount).await?;
        let utxo_pos = pos(blknum, 0, 0);
        let record = Game::InputProof { tx: payment(&[], &[(owner, amount)]), proof: Bytes::new() };
        self.sources.insert(utxo_pos, record);
        Ok(utxo_pos)
    }

    /// Puts `txs` in a block (leaf `i` = `txHash(txs[i])`), submits its root and returns its number.
    async fn block(&mut self, txs: &[PaymentTx]) -> TestResult<u64> {
        let hashes: Vec<B256> = txs.iter().map(|tx| self.hash(tx)).collect();
        let tree = BinaryTree::from_leaves(&hashes)?;
        let blknum = self.t.submit_block(tree.root()).await?;
        for (i, (tx, hash)) in txs.iter().zip(&hashes).enumerate() {
            let index = i as u64;
            let proof = tree.proof(index)?.to_bytes();
            self.inclusions.entry(*hash).or_insert((pos(blknum, index, 0), proof.clone()));
            for oindex in 0..4 {
                if output_of(tx, oindex) != (Address::ZERO, U256::ZERO) {
                    let source = Game::InputProof { tx: tx.clone(), proof: proof.clone() };
                    self.sources.insert(pos(blknum, index, oindex), source);
                }
            }
        }
        Ok(blknum)
    }

    /// The inclusion `(txPos, proof)` of `tx`.
    fn inclusion(&self, tx: &PaymentTx) -> (U256, Bytes) {
        self.inclusions[&self.hash(tx)].clone()
    }

    fn start_ife_call(&self, tx: &PaymentTx) -> Game::startInFlightExitCall {
        let input_txs =
            inputs_of(tx).into_iter().filter(|input| !input.is_zero()).map(|input| self.sources[&input].clone());
        Game::startInFlightExitCall { transaction: tx.clone(), sigs: self.sigs(tx), inputTxs: input_txs.collect() }
    }

    async fn start_ife(&mut self, from: Address, tx: &PaymentTx) -> TestResult<Receipt> {
        let call = self.start_ife_call(tx);
        let bond = self.t.in_flight_exit_bond;
        self.t.game_send(from, call, bond).await
    }

    async fn piggyback_input(&mut self, from: Address, tx: &PaymentTx, index: u8) -> TestResult<Receipt> {
        let call = Game::piggybackInFlightExitOnInputCall { transaction: tx.clone(), inputIndex: index };
        let bond = self.t.piggyback_bond;
        self.t.game_send(from, call, bond).await
    }

    async fn piggyback_output(&mut self, from: Address, tx: &PaymentTx, index: u8) -> TestResult<Receipt> {
        let call = Game::piggybackInFlightExitOnOutputCall { transaction: tx.clone(), outputIndex: index };
        let bond = self.t.piggyback_bond;
        self.t.game_send(from, call, bond).await
    }

    /// A canonicity challenge of the IFE of `tx` (its input `input_index`) with `competing`, signed
    /// by that input's owner, in flight or at its recorded inclusion.
    fn not_canonical_call(
        &self,
        tx: &PaymentTx,
        input_index: u8,
        competing: &PaymentTx,
        competing_index: u8,
        included: bool,
    ) -> Game::challengeInFlightExitNotCanonicalCall {
        let owner = self.owner_at(inputs_of(tx)[usize::from(input_index)]);
        let (position, proof) = if included { self.inclusion(competing) } else { (U256::ZERO, Bytes::new()) };
        Game::challengeInFlightExitNotCanonicalCall {
            transaction: tx.clone(),
            inputIndex: input_index,
            competingTx: competing.clone(),
            competingInputIndex: competing_index,
            competingTxPos: position,
            competingProof: proof,
            competingSig: self.sig(owner, competing),
        }
    }

    fn respond_call(&self, tx: &PaymentTx) -> Game::respondToNonCanonicalChallengeCall {
        let (tx_pos, proof) = self.inclusion(tx);
        Game::respondToNonCanonicalChallengeCall { transaction: tx.clone(), txPos: tx_pos, proof }
    }

    fn input_spent_call(
        &self,
        tx: &PaymentTx,
        input_index: u8,
        spending: &PaymentTx,
        spending_index: u8,
    ) -> Game::challengeInFlightExitInputSpentCall {
        let owner = self.owner_at(inputs_of(tx)[usize::from(input_index)]);
        Game::challengeInFlightExitInputSpentCall {
            transaction: tx.clone(),
            inputIndex: input_index,
            spendingTx: spending.clone(),
            spendingInputIndex: spending_index,
            spendingSig: self.sig(owner, spending),
        }
    }

    fn output_spent_call(
        &self,
        tx: &PaymentTx,
        output_index: u8,
        spending: &PaymentTx,
        spending_index: u8,
    ) -> Game::challengeInFlightExitOutputSpentCall {
        let (tx_pos, proof) = self.inclusion(tx);
        let owner = output_of(tx, u64::from(output_index)).0;
        Game::challengeInFlightExitOutputSpentCall {
            transaction: tx.clone(),
            txPos: tx_pos,
            proof,
            outputIndex: output_index,
            spendingTx: spending.clone(),
            spendingInputIndex: spending_index,
            spendingSig: self.sig(owner, spending),
        }
    }

    fn delete_call(&self, tx: &PaymentTx) -> Game::deleteNonPiggybackedInFlightExitCall {
        Game::deleteNonPiggybackedInFlightExitCall { transaction: tx.clone() }
    }

    fn se_call(&self, utxo_pos: U256) -> Game::startStandardExitCall {
        let source = &self.sources[&utxo_pos];
        Game::startStandardExitCall { utxoPos: utxo_pos, transaction: source.tx.clone(), proof: source.proof.clone() }
    }

    async fn start_se(&mut self, from: Address, utxo_pos: U256) -> TestResult<Receipt> {
        let call = self.se_call(utxo_pos);
        let bond = self.t.standard_exit_bond;
        self.t.game_send(from, call, bond).await
    }

    async fn deposit_exit(&mut self, from: Address, utxo_pos: U256, amount: U256) -> TestResult<Receipt> {
        let call = Game::startDepositExitCall { depositBlknum: U256::from(blknum_of(utxo_pos)), amount };
        let bond = self.t.standard_exit_bond;
        self.t.game_send(from, call, bond).await
    }

    /// A challenge of the standard exit of `utxo_pos` with `spending`, signed by the output's owner.
    fn challenge_se_call(&self, utxo_pos: U256, spending: &PaymentTx, index: u8) -> Game::challengeStandardExitCall {
        Game::challengeStandardExitCall {
            utxoPos: utxo_pos,
            spendingTx: spending.clone(),
            inputIndex: index,
            sig: self.sig(self.owner_at(utxo_pos), spending),
        }
    }

    async fn ife(&self, tx: &PaymentTx) -> TestResult<Game::InFlightExit> {
        self.t.game_view(Game::inFlightExitCall { hash: self.hash(tx) }).await
    }

    async fn se(&self, utxo_pos: U256) -> TestResult<Game::standardExitsReturn> {
        self.t.game_view(Game::standardExitsCall { utxoPos: utxo_pos }).await
    }

    async fn flagged(&self, id: B256) -> TestResult<bool> {
        self.t.framework_view(Fw::isFinalizedCall { id }).await
    }

    async fn queue_size(&self) -> TestResult<u64> {
        Ok(self.t.framework_view(Fw::queueSizeCall {}).await?.to::<u64>())
    }

    async fn total_paid(&self) -> TestResult<U256> {
        self.t.framework_view(Fw::totalPaidCall {}).await
    }

    /// The end of phase 1 of the open IFE of `tx`.
    async fn phase1_end(&self, tx: &PaymentTx) -> TestResult<u64> {
        Ok(self.ife(tx).await?.startedAt + self.t.min_exit_period / 2)
    }
}

// -------------------------------------------------------------------------------------------------
// Lifecycles (both backends)
// -------------------------------------------------------------------------------------------------

#[rstest]
#[tokio::test]
async fn standard_exits_pay_the_output_and_the_bond_after_their_periods(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut m = MoreVp::new(backend).await?;
    let (alice, bob) = (m.t.user(0), m.t.user(1));
    let p = m.t.min_exit_period;
    let a = m.deposit(alice, eth(3)).await?;
    let spend = payment(&[a], &[(bob, eth(2)), (alice, milli_eth(900))]);
    let blknum = m.block(std::slice::from_ref(&spend)).await?;
    let block_time = m.t.block_time_of(blknum).await?;

    // A new output: exitable two periods after its block.
    let out = pos(blknum, 0, 0);
    let receipt = m.start_se(bob, out).await?;
    let started = events::<Game::StandardExitStarted>(&receipt);
    let expected_id = m.output_id(&spend, 0);
    assert_eq!(started.len(), 1);
    let event = &started[0];
    assert_eq!(
        (event.utxoPos, event.owner, event.amount, event.outputId, event.exitableAt),
        (out, bob, eth(2), expected_id, block_time + 2 * p)
    );
    assert_eq!(queued(&receipt), vec![(block_time + 2 * p, out, out)]);
    let exit = m.se(out).await?;
    assert_eq!((exit.owner, exit.amount, exit.id, exit.challenged), (bob, eth(2), expected_id, false));

    // A deposit: exitable one period after the exit starts.
    let d = m.deposit(alice, eth(1)).await?;
    let receipt = m.deposit_exit(alice, d, eth(1)).await?;
    let deposit_exitable = m.t.now().await? + p;
    let event = &events::<Game::StandardExitStarted>(&receipt)[0];
    assert_eq!((event.utxoPos, event.owner, event.amount), (d, alice, eth(1)));
    assert_eq!((event.outputId, event.exitableAt), (m.id_at(d), deposit_exitable));
    assert_eq!(m.t.bonds_held().await?, m.t.standard_exit_bond * U256::from(2));

    // Nothing is paid before its time; then each exit at its own time.
    m.t.next_tx_at(deposit_exitable - BLOCK_TIME).await?;
    assert!(se_finalized(&m.t.process(10).await?).is_empty());
    m.t.next_tx_at(deposit_exitable).await?;
    assert_eq!(se_finalized(&m.t.process(10).await?), vec![(d, true)]);
    m.t.next_tx_at(block_time + 2 * p - BLOCK_TIME).await?;
    assert!(se_finalized(&m.t.process(10).await?).is_empty());
    m.t.next_tx_at(block_time + 2 * p).await?;
    assert_eq!(se_finalized(&m.t.process(10).await?), vec![(out, true)]);

    assert_eq!(m.t.withdraw(bob).await?, eth(2) + m.t.standard_exit_bond);
    assert_eq!(m.t.withdraw(alice).await?, eth(1) + m.t.standard_exit_bond);
    assert!(m.flagged(expected_id).await? && m.flagged(m.id_at(d)).await?);
    assert!(!m.flagged(m.id_at(a)).await?);
    assert_eq!((m.queue_size().await?, m.t.bonds_held().await?), (0, U256::ZERO));
    let exit = m.se(out).await?;
    assert_eq!((exit.owner, exit.amount, exit.id, exit.challenged), (Address::ZERO, U256::ZERO, B256::ZERO, false));
    // Paid once: never again.
    let again = m.se_call(out);
    assert_eq!(m.t.game_revert(bob, again, m.t.standard_exit_bond).await?, "already paid");
    Ok(())
}

#[rstest]
#[tokio::test]
async fn an_in_flight_exit_pays_its_piggybacked_outputs_and_flags_its_inputs(
    #[values("embedded", "anvil")] backend: &str,
) -> TestResult {
    let mut m = MoreVp::new(backend).await?;
    let (alice, bob, dave) = (m.t.user(0), m.t.user(1), m.t.user(3));
    let p = m.t.min_exit_period;
    let a = m.deposit(alice, eth(3)).await?;
    let d = m.deposit(dave, eth(2)).await?;
    let to_alice = payment(&[d], &[(alice, eth(2))]);
    let first = m.block(std::slice::from_ref(&to_alice)).await?;
    let x = pos(first, 0, 0);
    // Alice pays Bob with a deposit and an output; the block is withheld.
    let tx = payment(&[a, x], &[(bob, eth(4)), (alice, milli_eth(900))]);
    m.block(std::slice::from_ref(&tx)).await?;
    let hash = m.hash(&tx);

    let receipt = m.start_ife(alice, &tx).await?;
    let started_at = m.t.now().await?;
    let event = &events::<Game::InFlightExitStarted>(&receipt)[0];
    assert_eq!((event.txHash, event.starter, &event.tx), (hash, alice, &tx));
    assert_eq!((&event.sigs, event.exitId), (&m.sigs(&tx), ife_id(hash)));
    let ife = m.ife(&tx).await?;
    assert_eq!((ife.bondOwner, ife.startedAt, ife.canonical, ife.exitableAt), (alice, started_at, true, 0));
    assert_eq!((ife.inputPiggybacks, ife.outputPiggybacks, ife.oldestCompetitorPos), (0, 0, U96::ZERO));
    let youngest_time = m.t.block_time_of(first).await?;
    assert_eq!((U256::from(ife.youngestInputPos), ife.youngestInputBlockTimestamp), (x, youngest_time));
    assert_eq!(ife.inputIds, [m.id_at(a), m.output_id(&to_alice, 0), B256::ZERO, B256::ZERO]);
    let claims = |claims: &[Game::Claim; 4]| claims.iter().map(|c| (c.owner, U256::from(c.amount))).collect::<Vec<_>>();
    let none = (Address::ZERO, U256::ZERO);
    assert_eq!(claims(&ife.inputs), vec![(alice, eth(3)), (alice, eth(2)), none, none]);
    assert_eq!(claims(&ife.outputs), vec![(bob, eth(4)), (alice, milli_eth(900)), none, none]);
    assert_eq!(m.queue_size().await?, 0);

    // Bob's piggyback queues the exit at the youngest input's position; Alice's does not again.
    let receipt = m.piggyback_output(bob, &tx, 0).await?;
    let exitable = (youngest_time + 2 * p).max(m.t.now().await? + p);
    assert_eq!(queued(&receipt), vec![(exitable, x, U256::from(ife_id(hash)))]);
    let event = &events::<Game::InFlightExitPiggybacked>(&receipt)[0];
    assert_eq!((event.txHash, event.owner, event.isOutput, event.index), (hash, bob, true, 0));
    let receipt = m.piggyback_output(alice, &tx, 1).await?;
    assert!(queued(&receipt).is_empty());
    let ife = m.ife(&tx).await?;
    assert_eq!((ife.outputPiggybacks, ife.exitableAt), (0b11, exitable));
    assert_eq!(m.t.bonds_held().await?, m.t.in_flight_exit_bond + m.t.piggyback_bond * U256::from(2));

    m.t.next_tx_at(exitable - BLOCK_TIME).await?;
    assert!(ife_finalized(&m.t.process(10).await?).is_empty());
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(hash, true)]);
    assert_eq!(m.t.withdraw(bob).await?, eth(4) + m.t.piggyback_bond);
    assert_eq!(m.t.withdraw(alice).await?, milli_eth(900) + m.t.piggyback_bond + m.t.in_flight_exit_bond);
    for id in [m.id_at(a), m.id_at(x), m.output_id(&tx, 0), m.output_id(&tx, 1)] {
        assert!(m.flagged(id).await?);
    }
    assert_eq!(m.total_paid().await?, milli_eth(4900));
    assert_eq!((m.queue_size().await?, m.t.bonds_held().await?), (0, U256::ZERO));
    assert_eq!(m.ife(&tx).await?, Game::InFlightExit::default());
    Ok(())
}

#[rstest]
#[tokio::test]
async fn rust_and_the_contract_hash_payments_and_ids_alike(#[values("embedded", "anvil")] backend: &str) -> TestResult {
    let m = MoreVp::new(backend).await?;
    let txs = [
        PaymentTx::default(),
        payment(&[pos(1, 0, 0)], &[(m.t.user(0), U256::from(1))]),
        payment(
            &[pos(18_446_744_073_709, 65_535, 3), pos(1000, 3, 0), pos(2, 0, 0), U256::MAX],
            &[
                (Address::repeat_byte(0xff), U256::MAX),
                (m.t.user(1), eth(7)),
                (m.t.user(2), U256::from(1)),
                (m.t.user(3), eth(1)),
            ],
        ),
    ];
    for tx in &txs {
        let on_chain = m.t.game_view(Game::txHashCall { transaction: tx.clone() }).await?;
        assert_eq!(on_chain, m.hash(tx));
        for index in [0u64, 3] {
            let id = m.t.game_view(Game::outputIdCall { hash: on_chain, index: U256::from(index) }).await?;
            assert_eq!(id, m.output_id(tx, index));
        }
    }
    let id = m.t.game_view(Game::depositOutputIdCall { blknum: U256::from(7) }).await?;
    assert_eq!(id, keccak256(U256::from(7).abi_encode()));
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Standard exits (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_old_output_is_exitable_one_period_after_its_exit_starts() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
    let p = m.t.min_exit_period;
    let a = m.deposit(alice, eth(2)).await?;
    let blknum = m.block(&[payment(&[a], &[(bob, eth(1)), (carol, eth(1))])]).await?;
    let block_time = m.t.block_time_of(blknum).await?;

    // Bob exits at once (new output: block + 2P); Carol after more than a period (old: now + P).
    let bob_exit = events::<Game::StandardExitStarted>(&m.start_se(bob, pos(blknum, 0, 0)).await?)[0].exitableAt;
    assert_eq!(bob_exit, block_time + 2 * p);
    m.t.next_tx_at(block_time + p + 100).await?;
    let carol_exit = events::<Game::StandardExitStarted>(&m.start_se(carol, pos(blknum, 0, 1)).await?)[0].exitableAt;
    assert_eq!(carol_exit, block_time + 2 * p + 100);
    let d = m.deposit(dave, eth(1)).await?;
    m.t.next_tx_at(block_time + p + 200).await?;
    let dave_exit = events::<Game::StandardExitStarted>(&m.deposit_exit(dave, d, eth(1)).await?)[0].exitableAt;
    assert_eq!(dave_exit, block_time + 2 * p + 200);

    for (exitable, utxo_pos) in [(bob_exit, pos(blknum, 0, 0)), (carol_exit, pos(blknum, 0, 1)), (dave_exit, d)] {
        m.t.next_tx_at(exitable - BLOCK_TIME).await?;
        assert!(se_finalized(&m.t.process(10).await?).is_empty());
        m.t.next_tx_at(exitable).await?;
        assert_eq!(se_finalized(&m.t.process(10).await?), vec![(utxo_pos, true)]);
    }
    for who in [bob, carol, dave] {
        assert_eq!(m.t.withdrawable(who).await?, eth(1) + m.t.standard_exit_bond);
    }
    Ok(())
}

#[tokio::test]
async fn deposit_exits_revert_with_the_documented_reasons() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob) = (m.t.user(0), m.t.user(1));
    let a = m.deposit(alice, eth(1)).await?;
    m.block(&[]).await?;
    let blk = blknum_of(a);
    let call = |blknum: u64, amount: U256| Game::startDepositExitCall { depositBlknum: U256::from(blknum), amount };
    let bond = m.t.standard_exit_bond;
    let cases = [
        ("bad bond", alice, call(blk, eth(1)), U256::ZERO),
        ("bad bond", alice, call(blk, eth(1)), bond + U256::from(1)),
        ("not a deposit block", alice, call(1000, eth(1)), bond),
        ("no such block", alice, call(2, eth(1)), bond),
        ("no such block", alice, call(u64::MAX, eth(1)), bond),
        ("not owner", bob, call(blk, eth(1)), bond),
        ("not owner", alice, call(blk, eth(2)), bond),
        ("not owner", alice, call(blk, U256::ZERO), bond),
    ];
    for (expected, from, call, value) in cases {
        assert_eq!(m.t.game_revert(from, call.clone(), value).await?, expected, "{call:?}");
    }
    m.deposit_exit(alice, a, eth(1)).await?;
    assert_eq!(m.t.game_revert(alice, call(blk, eth(1)), bond).await?, "exit exists");
    Ok(())
}

#[tokio::test]
async fn start_standard_exit_reverts_with_the_documented_reasons() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, mallory) = (m.t.user(0), m.t.user(1), m.t.user(4));
    let a = m.deposit(alice, eth(2)).await?;
    let spend = payment(&[a], &[(bob, eth(1)), (alice, milli_eth(500))]);
    // A dishonest leaf: an amount beyond uint96.
    let huge = payment(&[pos(7, 0, 0)], &[(mallory, U256::from(1) << 96_usize)]);
    let blknum = m.block(&[spend, huge]).await?;
    let bond = m.t.standard_exit_bond;
    let ok = m.se_call(pos(blknum, 0, 0));

    let mut cases = vec![("bad bond", bob, ok.clone(), U256::ZERO)];
    let mut call = ok.clone();
    call.utxoPos = pos(blknum, 0, 4);
    cases.push(("bad oindex", bob, call, bond));
    cases.push(("not owner", alice, ok.clone(), bond));
    // An unused output slot has no owner.
    let mut call = ok.clone();
    call.utxoPos = pos(blknum, 0, 2);
    cases.push(("not owner", bob, call, bond));
    cases.push(("amount too large", mallory, m.se_call(pos(blknum, 1, 0)), bond));
    let mut call = ok.clone();
    call.utxoPos = a;
    cases.push(("not a child block", bob, call, bond));
    let mut call = ok.clone();
    call.utxoPos = pos(blknum + 1000, 0, 0);
    cases.push(("no such block", bob, call, bond));
    // Unproven: another leaf's proof, the wrong index, an altered transaction, a short proof.
    let mut call = ok.clone();
    call.proof = m.se_call(pos(blknum, 1, 0)).proof;
    cases.push(("not included", bob, call, bond));
    let mut call = ok.clone();
    call.utxoPos = pos(blknum, 1, 0);
    cases.push(("not included", bob, call, bond));
    let mut call = ok.clone();
    call.transaction.amount0 = eth(2);
    cases.push(("not included", bob, call, bond));
    let mut call = ok.clone();
    call.proof = call.proof.slice(..480);
    cases.push(("not included", bob, call, bond));
    for (expected, from, call, value) in cases {
        assert_eq!(m.t.game_revert(from, call.clone(), value).await?, expected, "startStandardExit({})", call.utxoPos);
    }

    // Twice, then once paid.
    m.start_se(bob, pos(blknum, 0, 0)).await?;
    assert_eq!(m.t.game_revert(bob, ok.clone(), bond).await?, "exit exists");
    m.t.next_tx_at(m.t.block_time_of(blknum).await? + 2 * m.t.min_exit_period).await?;
    assert_eq!(se_finalized(&m.t.process(10).await?), vec![(pos(blknum, 0, 0), true)]);
    assert_eq!(m.t.game_revert(bob, ok, bond).await?, "already paid");
    Ok(())
}

#[tokio::test]
async fn a_standard_exit_is_challenged_by_an_included_or_in_flight_spend() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
    let a = m.deposit(alice, eth(2)).await?;
    let b = m.deposit(alice, eth(1)).await?;
    let included = payment(&[a], &[(bob, eth(2))]);
    m.block(std::slice::from_ref(&included)).await?;
    let in_flight = payment(&[b], &[(bob, eth(1))]);
    m.deposit_exit(alice, a, eth(2)).await?;
    m.deposit_exit(alice, b, eth(1)).await?;

    let receipt = m.t.game_send(carol, m.challenge_se_call(a, &included, 0), U256::ZERO).await?;
    let event = &events::<Game::StandardExitChallenged>(&receipt)[0];
    assert_eq!((event.utxoPos, event.challenger), (a, carol));
    let exit = m.se(a).await?;
    assert_eq!((exit.owner, exit.amount, exit.id, exit.challenged), (Address::ZERO, U256::ZERO, m.id_at(a), true));
    assert_eq!(m.t.withdrawable(carol).await?, m.t.standard_exit_bond);
    m.t.game_send(dave, m.challenge_se_call(b, &in_flight, 0), U256::ZERO).await?;
    assert_eq!(m.t.withdrawable(dave).await?, m.t.standard_exit_bond);
    assert_eq!(m.t.bonds_held().await?, U256::ZERO);

    // Challenged: closed for good.
    let restart = Game::startDepositExitCall { depositBlknum: U256::from(blknum_of(a)), amount: eth(2) };
    assert_eq!(m.t.game_revert(alice, restart, m.t.standard_exit_bond).await?, "exit exists");
    assert_eq!(m.t.game_revert(carol, m.challenge_se_call(a, &included, 0), U256::ZERO).await?, "no open exit");
    // Their queue entries are skipped.
    let at = m.t.now().await? + m.t.min_exit_period;
    m.t.next_tx_at(at).await?;
    let receipt = m.t.process(10).await?;
    assert!(se_finalized(&receipt).is_empty());
    assert_eq!((m.queue_size().await?, m.total_paid().await?), (0, U256::ZERO));
    assert!(!m.flagged(m.id_at(a)).await?);
    Ok(())
}

#[tokio::test]
async fn standard_exit_challenges_revert_with_the_documented_reasons() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, carol, mallory) = (m.t.user(0), m.t.user(2), m.t.user(4));
    let a = m.deposit(alice, eth(2)).await?;
    let mm = m.deposit(mallory, eth(1)).await?;
    // Spends Alice's deposit in slot 1; the other transaction is unrelated.
    let spend = payment(&[mm, a], &[(carol, eth(3))]);
    let unrelated = payment(&[mm], &[(carol, eth(1))]);
    let ok = m.challenge_se_call(a, &spend, 1);
    assert_eq!(m.t.game_revert(carol, ok.clone(), U256::ZERO).await?, "no open exit");
    m.deposit_exit(alice, a, eth(2)).await?;
    let alice_exitable = m.t.now().await? + m.t.min_exit_period;

    let mut cases = vec![("not the spent output", m.challenge_se_call(a, &unrelated, 0))];
    for index in [0, 2, 4, 255] {
        let mut call = ok.clone();
        call.inputIndex = index;
        cases.push(("not the spent output", call));
    }
    let mut call = ok.clone();
    call.sig = m.sig(mallory, &spend);
    cases.push(("bad signature", call));
    let mut call = ok.clone();
    call.sig = m.sig(alice, &unrelated);
    cases.push(("bad signature", call));
    let mut call = ok.clone();
    call.sig = Bytes::new();
    cases.push(("bad signature", call));
    for (expected, call) in cases {
        assert_eq!(m.t.game_revert(carol, call.clone(), U256::ZERO).await?, expected, "index {}", call.inputIndex);
    }

    // Mature but not processed: still open to challenge.
    m.t.next_tx_at(alice_exitable + 100).await?;
    m.t.game_send(carol, ok, U256::ZERO).await?;
    // Processed: closed.
    m.deposit_exit(mallory, mm, eth(1)).await?;
    let at = m.t.now().await? + m.t.min_exit_period;
    m.t.next_tx_at(at).await?;
    assert_eq!(se_finalized(&m.t.process(10).await?), vec![(mm, true)]);
    let call = m.challenge_se_call(mm, &unrelated, 0);
    assert_eq!(m.t.game_revert(carol, call, U256::ZERO).await?, "no open exit");
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Starting in-flight exits (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_in_flight_exit_of_mixed_inputs_is_queued_at_its_youngest_input() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
    let a = m.deposit(alice, eth(1)).await?;
    let first = m.block(&[payment(&[pos(9, 0, 0)], &[(bob, eth(2))])]).await?;
    let x = pos(first, 0, 0);
    // A deposit made after block 1000 is younger than its outputs.
    let c = m.deposit(carol, eth(3)).await?;
    let tx = payment(&[a, x, c], &[(dave, eth(5)), (alice, milli_eth(999))]);
    m.start_ife(bob, &tx).await?;
    let ife = m.ife(&tx).await?;
    assert_eq!(ife.bondOwner, bob);
    assert_eq!(ife.inputIds, [m.id_at(a), m.id_at(x), m.id_at(c), B256::ZERO]);
    assert_eq!(U256::from(ife.youngestInputPos), c);
    assert_eq!(ife.youngestInputBlockTimestamp, m.t.block_time_of(blknum_of(c)).await?);
    let owners: Vec<Address> = ife.inputs.iter().map(|claim| claim.owner).collect();
    assert_eq!(owners, [alice, bob, carol, Address::ZERO]);

    let receipt = m.piggyback_output(dave, &tx, 0).await?;
    let (exitable, position, _) = queued(&receipt)[0];
    assert_eq!(position, c);
    assert_eq!(exitable, m.t.block_time_of(blknum_of(c)).await? + 2 * m.t.min_exit_period);
    Ok(())
}

#[tokio::test]
async fn one_input_four_outputs_start_and_pay_every_output() -> TestResult {
    // plasma-contracts #342: more outputs than inputs must not run out of gas.
    let mut m = MoreVp::new("embedded").await?;
    let users: Vec<Address> = (0..5).map(|i| m.t.user(i)).collect();
    let a = m.deposit(users[0], eth(10)).await?;
    let tx = payment(&[a], &[(users[1], eth(1)), (users[2], eth(2)), (users[3], eth(3)), (users[4], eth(4))]);
    m.start_ife(users[0], &tx).await?;
    for (index, owner) in users[1..].iter().enumerate() {
        m.piggyback_output(*owner, &tx, index as u8).await?;
    }
    let exitable = m.ife(&tx).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(1).await?), vec![(m.hash(&tx), true)]);
    for (index, owner) in users[1..].iter().enumerate() {
        assert_eq!(m.t.withdrawable(*owner).await?, eth(index as u64 + 1) + m.t.piggyback_bond);
    }
    assert_eq!(m.t.withdrawable(users[0]).await?, m.t.in_flight_exit_bond);
    Ok(())
}

#[tokio::test]
async fn start_in_flight_exit_reverts_with_the_documented_reasons() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave, mallory) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3), m.t.user(4));
    let a = m.deposit(alice, eth(3)).await?;
    let creating = payment(&[pos(5, 0, 0)], &[(carol, eth(2)), (dave, eth(1))]);
    let huge = payment(&[pos(6, 0, 0)], &[(mallory, U256::from(1) << 96_usize)]);
    // One transaction included twice (a dishonest block): one output, two positions.
    let twice = payment(&[pos(8, 0, 0)], &[(carol, eth(1))]);
    let blknum = m.block(&[creating, huge, twice.clone(), twice]).await?;
    let x = pos(blknum, 0, 0);
    let tx = payment(&[a, x], &[(bob, eth(4)), (carol, eth(1))]);
    let ok = m.start_ife_call(&tx);
    let bond = m.t.in_flight_exit_bond;
    let alice_sig = m.sig(alice, &tx);
    let carol_sig = m.sig(carol, &tx);

    let mut cases = vec![("bad bond", ok.clone(), U256::ZERO), ("bad bond", ok.clone(), bond + U256::from(1))];
    // Shapes: no first input, a gap among inputs, no first output, a gap among outputs, half-empty
    // outputs, and a proof list of the wrong length.
    let shape = |inputs: [U256; 4], outputs: [(Address, U256); 4]| {
        let mut call = ok.clone();
        call.transaction = payment(&inputs, &outputs);
        call
    };
    let none = (Address::ZERO, U256::ZERO);
    let zero = U256::ZERO;
    for call in [
        shape([zero, a, zero, zero], [(bob, eth(1)), none, none, none]),
        shape([a, zero, x, zero], [(bob, eth(1)), none, none, none]),
        shape([a, x, zero, zero], [none, (bob, eth(1)), none, none]),
        shape([a, x, zero, zero], [(bob, eth(1)), none, (carol, eth(1)), none]),
        shape([a, x, zero, zero], [(bob, eth(1)), (Address::ZERO, eth(1)), none, none]),
        shape([a, x, zero, zero], [(bob, eth(1)), (carol, zero), none, none]),
        shape([a, x, zero, zero], [none, none, none, none]),
    ] {
        cases.push(("bad shape", call, bond));
    }
    let mut call = ok.clone();
    call.inputTxs.pop();
    cases.push(("bad shape", call, bond));
    let mut call = ok.clone();
    call.inputTxs.push(call.inputTxs[0].clone());
    cases.push(("bad shape", call, bond));
    // plasma-contracts #56: one input named twice.
    let mut call = m.start_ife_call(&payment(&[a], &[(bob, eth(3))]));
    call.transaction.input1 = a;
    call.inputTxs.push(call.inputTxs[0].clone());
    call.sigs = [alice_sig.to_vec(), alice_sig.to_vec()].concat().into();
    cases.push(("duplicate input", call, bond));
    // One output at two positions (the same transaction included twice).
    let double = payment(&[pos(blknum, 2, 0), pos(blknum, 3, 0)], &[(dave, eth(2))]);
    cases.push(("duplicate input", m.start_ife_call(&double), bond));
    // Signatures: a stranger's, swapped, too short, too long, the high-s twin.
    let mut call = ok.clone();
    call.sigs = [alice_sig.to_vec(), m.sig(dave, &tx).to_vec()].concat().into();
    cases.push(("bad signature", call, bond));
    let mut call = ok.clone();
    call.sigs = [carol_sig.to_vec(), alice_sig.to_vec()].concat().into();
    cases.push(("bad signature", call, bond));
    let mut call = ok.clone();
    call.sigs = alice_sig.clone();
    cases.push(("bad signature", call, bond));
    let mut call = ok.clone();
    call.sigs = [ok.sigs.to_vec(), alice_sig.to_vec()].concat().into();
    cases.push(("bad signature", call, bond));
    let mut call = ok.clone();
    let twin = m.key(alice).sign_typed(&m.t.domain(), &tx).high_s_twin().to_bytes();
    call.sigs = [twin.to_vec(), carol_sig.to_vec()].concat().into();
    cases.push(("bad signature", call, bond));
    // Value printed.
    let mut call = m.start_ife_call(&payment(&[a, x], &[(bob, eth(4)), (carol, eth(1) + U256::from(1))]));
    call.sigs = m.sigs(&call.transaction);
    cases.push(("overspend", call, bond));
    // Unproven inputs: another leaf's proof, an altered creating transaction, a deposit record
    // that does not match the deposit.
    let mut call = ok.clone();
    call.inputTxs[1].proof = m.sources[&pos(blknum, 1, 0)].proof.clone();
    cases.push(("not included", call, bond));
    let mut call = ok.clone();
    call.inputTxs[1].tx.amount1 = eth(5);
    cases.push(("not included", call, bond));
    let mut call = ok.clone();
    call.inputTxs[0].tx.amount0 = eth(4);
    cases.push(("not included", call, bond));
    // Bad deposit records: a proof, an extra field, a txindex in a deposit position.
    let mut call = ok.clone();
    call.inputTxs[0].proof = call.inputTxs[1].proof.clone();
    cases.push(("bad deposit", call, bond));
    let mut call = ok.clone();
    call.inputTxs[0].tx.owner1 = alice;
    cases.push(("bad deposit", call, bond));
    let mut call = ok.clone();
    call.inputTxs[0].tx.input0 = U256::from(1);
    cases.push(("bad deposit", call, bond));
    let mut call = ok.clone();
    call.transaction.input0 = a + U256::from(10_000);
    cases.push(("bad deposit", call, bond));
    // Outputs that do not exist: an unused slot of the creating transaction, a deposit's slot 1.
    let mut call = ok.clone();
    call.transaction.input1 = pos(blknum, 0, 2);
    call.sigs = m.sigs_by(&call.transaction, &[alice, carol]);
    cases.push(("bad oindex", call, bond));
    let mut call = ok.clone();
    call.transaction.input0 = a + U256::from(1);
    cases.push(("bad oindex", call, bond));
    // Inputs in blocks that do not exist.
    let mut call = ok.clone();
    call.transaction.input1 = pos(blknum + 1000, 0, 0);
    call.sigs = m.sigs_by(&call.transaction, &[alice, carol]);
    cases.push(("no such block", call, bond));
    let mut call = ok.clone();
    call.transaction.input0 = pos(999, 0, 0);
    cases.push(("no such block", call, bond));
    // Amounts beyond uint96: an input, an output.
    cases.push(("amount too large", m.start_ife_call(&payment(&[pos(blknum, 1, 0)], &[(bob, eth(1))])), bond));
    let mut call = m.start_ife_call(&payment(&[a], &[(bob, U256::from(1) << 96_usize)]));
    call.sigs = m.sigs(&call.transaction);
    cases.push(("amount too large", call, bond));

    for (index, (expected, call, value)) in cases.into_iter().enumerate() {
        assert_eq!(m.t.game_revert(bob, call, value).await?, expected, "case {index}");
    }
    m.t.game_send(bob, ok.clone(), bond).await?;
    assert_eq!(m.t.game_revert(alice, ok, bond).await?, "ife exists");
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Piggybacks (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn piggybacks_revert_with_the_documented_reasons_and_queue_the_exit_once() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
    let a = m.deposit(alice, eth(2)).await?;
    let b = m.deposit(bob, eth(1)).await?;
    let tx = payment(&[a, b], &[(carol, eth(2)), (dave, eth(1))]);
    let unknown = payment(&[a], &[(carol, eth(2))]);
    m.start_ife(alice, &tx).await?;
    let input = |index: u8| Game::piggybackInFlightExitOnInputCall { transaction: tx.clone(), inputIndex: index };
    let output = |index: u8| Game::piggybackInFlightExitOnOutputCall { transaction: tx.clone(), outputIndex: index };
    let pb = m.t.piggyback_bond;

    assert_eq!(m.t.game_revert(carol, output(0), U256::ZERO).await?, "bad bond");
    assert_eq!(m.t.game_revert(alice, input(0), pb + U256::from(1)).await?, "bad bond");
    let call = Game::piggybackInFlightExitOnOutputCall { transaction: unknown.clone(), outputIndex: 0 };
    assert_eq!(m.t.game_revert(carol, call, pb).await?, "no such ife");
    let call = Game::piggybackInFlightExitOnInputCall { transaction: unknown, inputIndex: 0 };
    assert_eq!(m.t.game_revert(alice, call, pb).await?, "no such ife");
    for index in [2, 4, 255] {
        assert_eq!(m.t.game_revert(alice, input(index), pb).await?, "bad oindex");
        assert_eq!(m.t.game_revert(carol, output(index), pb).await?, "bad oindex");
    }
    // Only the owner of the slot.
    assert_eq!(m.t.game_revert(bob, input(0), pb).await?, "not owner");
    assert_eq!(m.t.game_revert(alice, input(1), pb).await?, "not owner");
    assert_eq!(m.t.game_revert(dave, output(0), pb).await?, "not owner");
    assert_eq!(m.t.game_revert(carol, output(1), pb).await?, "not owner");

    // The first piggyback queues the exit; later ones do not.
    assert_eq!(m.queue_size().await?, 0);
    assert_eq!(queued(&m.piggyback_output(carol, &tx, 0).await?).len(), 1);
    assert_eq!(m.t.game_revert(carol, output(0), pb).await?, "already piggybacked");
    assert!(queued(&m.piggyback_output(dave, &tx, 1).await?).is_empty());
    // The last second of phase 1 is still phase 1.
    let end = m.phase1_end(&tx).await?;
    m.t.next_tx_at(end - 1).await?;
    assert!(queued(&m.piggyback_input(alice, &tx, 0).await?).is_empty());
    assert_eq!(m.t.game_revert(bob, input(1), pb).await?, "not phase 1");
    assert_eq!(m.queue_size().await?, 1);
    let ife = m.ife(&tx).await?;
    assert_eq!((ife.inputPiggybacks, ife.outputPiggybacks), (0b01, 0b11));
    assert_eq!(m.t.bonds_held().await?, m.t.in_flight_exit_bond + pb * U256::from(3));
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// The canonicity game (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn canonicity_challenges_need_an_older_competitor_in_phase_1() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave, mallory, mallory2) =
        (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3), m.t.user(4), m.t.user(5));
    let a = m.deposit(alice, eth(2)).await?;
    let mm = m.deposit(mallory, eth(1)).await?;
    let tx = payment(&[a, mm], &[(bob, eth(3))]);
    // Mallory's other spends of her input: one included early, one included later, two in flight.
    let c_old = payment(&[mm], &[(mallory, eth(1))]);
    let unrelated = payment(&[pos(7, 0, 0)], &[(mallory, eth(1))]);
    let first = m.block(&[c_old.clone(), unrelated.clone()]).await?;
    let c_young = payment(&[mm], &[(mallory2, eth(1))]);
    let second = m.block(std::slice::from_ref(&c_young)).await?;
    let c_flight = payment(&[mm], &[(dave, eth(1))]);
    let c_flight2 = payment(&[pos(9, 0, 0), mm], &[(dave, eth(1))]);
    m.start_ife(alice, &tx).await?;
    let hash = m.hash(&tx);
    let ok = m.not_canonical_call(&tx, 1, &c_old, 0, true);

    let mut cases = Vec::new();
    let mut call = ok.clone();
    call.transaction = unrelated.clone();
    cases.push(("no such ife", call));
    for index in [2, 4] {
        let mut call = ok.clone();
        call.inputIndex = index;
        cases.push(("bad oindex", call));
    }
    cases.push(("same tx", m.not_canonical_call(&tx, 1, &tx, 1, false)));
    cases.push(("not a competitor", m.not_canonical_call(&tx, 1, &unrelated, 0, true)));
    cases.push(("not a competitor", m.not_canonical_call(&tx, 0, &c_flight, 0, false)));
    for index in [1, 4] {
        let mut call = ok.clone();
        call.competingInputIndex = index;
        cases.push(("not a competitor", call));
    }
    let mut call = ok.clone();
    call.competingSig = m.sig(alice, &c_old);
    cases.push(("bad signature", call));
    let mut call = ok.clone();
    call.competingSig = Bytes::new();
    cases.push(("bad signature", call));
    // Bad positions of an included competitor.
    for (expected, position) in [
        ("bad oindex", pos(first, 0, 1)),
        ("not a child block", mm),
        ("no such block", pos(second + 1000, 0, 0)),
        ("not included", pos(first, 1, 0)),
    ] {
        let mut call = ok.clone();
        call.competingTxPos = position;
        cases.push((expected, call));
    }
    let mut call = ok.clone();
    call.competingProof = m.inclusion(&c_young).1;
    cases.push(("not included", call));
    for (expected, call) in cases {
        assert_eq!(m.t.game_revert(carol, call.clone(), U256::ZERO).await?, expected, "{call:?}");
    }

    // An in-flight competitor first: position +infinity; the challenger becomes the bond owner.
    let receipt = m.t.game_send(carol, m.not_canonical_call(&tx, 1, &c_flight, 0, false), U256::ZERO).await?;
    let event = &events::<Game::InFlightExitChallenged>(&receipt)[0];
    assert_eq!((event.txHash, event.challenger, event.competitorPosition), (hash, carol, U256::MAX));
    let ife = m.ife(&tx).await?;
    assert_eq!((ife.canonical, ife.oldestCompetitorPos, ife.bondOwner), (false, U96::MAX, carol));
    // Another in-flight one is not older; an included one is.
    let call = m.not_canonical_call(&tx, 1, &c_flight2, 1, false);
    assert_eq!(m.t.game_revert(dave, call, U256::ZERO).await?, "not older");
    let receipt = m.t.game_send(dave, m.not_canonical_call(&tx, 1, &c_young, 0, true), U256::ZERO).await?;
    assert_eq!(events::<Game::InFlightExitChallenged>(&receipt)[0].competitorPosition, pos(second, 0, 0));
    let ife = m.ife(&tx).await?;
    assert_eq!((U256::from(ife.oldestCompetitorPos), ife.bondOwner), (pos(second, 0, 0), dave));
    // The same position again is not older; an earlier block is.
    let call = m.not_canonical_call(&tx, 1, &c_young, 0, true);
    assert_eq!(m.t.game_revert(carol, call, U256::ZERO).await?, "not older");
    m.t.game_send(carol, ok.clone(), U256::ZERO).await?;
    let ife = m.ife(&tx).await?;
    assert_eq!((U256::from(ife.oldestCompetitorPos), ife.bondOwner, ife.canonical), (pos(first, 0, 0), carol, false));
    for call in [m.not_canonical_call(&tx, 1, &c_young, 0, true), m.not_canonical_call(&tx, 1, &c_flight, 0, false)] {
        assert_eq!(m.t.game_revert(dave, call, U256::ZERO).await?, "not older");
    }
    // Phase 2: no challenge at all.
    let end = m.phase1_end(&tx).await?;
    m.t.next_tx_at(end).await?;
    assert_eq!(m.t.game_revert(dave, ok, U256::ZERO).await?, "not phase 1");
    Ok(())
}

/// A payment from Alice to Bob included at block 2000, index 1, with Alice's competing spends
/// included before (block 1000), after (block 3000) and in flight.
struct Contested {
    m: MoreVp,
    tx: PaymentTx,
    older: PaymentTx,
    younger: PaymentTx,
    in_flight: PaymentTx,
}

impl Contested {
    async fn new() -> TestResult<Self> {
        let mut m = MoreVp::new("embedded").await?;
        let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
        let a = m.deposit(alice, eth(2)).await?;
        let older = payment(&[a], &[(carol, eth(2))]);
        m.block(std::slice::from_ref(&older)).await?;
        let tx = payment(&[a], &[(bob, eth(2))]);
        m.block(&[payment(&[pos(9, 0, 0)], &[(dave, eth(1))]), tx.clone()]).await?;
        let younger = payment(&[a], &[(dave, eth(2))]);
        m.block(std::slice::from_ref(&younger)).await?;
        let in_flight = payment(&[a], &[(alice, milli_eth(1999))]);
        m.start_ife(alice, &tx).await?;
        m.piggyback_output(bob, &tx, 0).await?;
        Ok(Self { m, tx, older, younger, in_flight })
    }
}

#[tokio::test]
async fn a_response_with_an_older_inclusion_restores_canonicity_and_takes_the_bond() -> TestResult {
    let Contested { mut m, tx, younger, .. } = Contested::new().await?;
    let (bob, carol) = (m.t.user(1), m.t.user(2));
    let hash = m.hash(&tx);
    let (tx_pos, _) = m.inclusion(&tx);
    assert_eq!(m.t.game_revert(bob, m.respond_call(&tx), U256::ZERO).await?, "canonical");
    m.t.game_send(carol, m.not_canonical_call(&tx, 0, &younger, 0, true), U256::ZERO).await?;
    assert_eq!(m.ife(&tx).await?.bondOwner, carol);

    // Responses are allowed in phase 2.
    let end = m.phase1_end(&tx).await?;
    m.t.next_tx_at(end + 1000).await?;
    let receipt = m.t.game_send(bob, m.respond_call(&tx), U256::ZERO).await?;
    let event = &events::<Game::InFlightExitChallengeResponded>(&receipt)[0];
    assert_eq!((event.txHash, event.responder, event.txPos), (hash, bob, tx_pos));
    let ife = m.ife(&tx).await?;
    assert_eq!((ife.canonical, U256::from(ife.oldestCompetitorPos), ife.bondOwner), (true, tx_pos, bob));
    assert_eq!(m.t.game_revert(bob, m.respond_call(&tx), U256::ZERO).await?, "canonical");

    let exitable = ife.exitableAt;
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(hash, true)]);
    assert_eq!(m.t.withdrawable(bob).await?, eth(2) + m.t.piggyback_bond + m.t.in_flight_exit_bond);
    assert_eq!(m.t.withdrawable(carol).await?, U256::ZERO);
    Ok(())
}

#[tokio::test]
async fn responses_revert_with_the_documented_reasons() -> TestResult {
    let Contested { mut m, tx, older, younger, in_flight } = Contested::new().await?;
    let (alice, bob, carol) = (m.t.user(0), m.t.user(1), m.t.user(2));
    let (tx_pos, proof) = m.inclusion(&tx);
    m.t.game_send(carol, m.not_canonical_call(&tx, 0, &in_flight, 0, false), U256::ZERO).await?;

    let ok = m.respond_call(&tx);
    let mut cases = Vec::new();
    let mut call = ok.clone();
    call.transaction = in_flight.clone();
    cases.push(("no such ife", call));
    for (expected, position) in [
        ("bad oindex", tx_pos + U256::from(1)),
        ("not a child block", pos(1, 0, 0)),
        ("no such block", pos(4000, 1, 0)),
        ("not included", pos(2000, 0, 0)),
    ] {
        let mut call = ok.clone();
        call.txPos = position;
        cases.push((expected, call));
    }
    let mut call = ok.clone();
    call.proof = m.inclusion(&older).1;
    cases.push(("not included", call));
    let mut call = ok.clone();
    call.proof = proof.slice(..480);
    cases.push(("not included", call));
    for (expected, call) in cases {
        assert_eq!(m.t.game_revert(bob, call.clone(), U256::ZERO).await?, expected, "{call:?}");
    }

    // An answer to the in-flight competitor; then a later challenge must beat the inclusion.
    m.t.game_send(bob, ok.clone(), U256::ZERO).await?;
    let call = m.not_canonical_call(&tx, 0, &younger, 0, true);
    assert_eq!(m.t.game_revert(carol, call, U256::ZERO).await?, "not older");
    let call = m.not_canonical_call(&tx, 0, &in_flight, 0, false);
    assert_eq!(m.t.game_revert(carol, call, U256::ZERO).await?, "not older");
    // An older competitor wins, and no response can beat it.
    m.t.game_send(carol, m.not_canonical_call(&tx, 0, &older, 0, true), U256::ZERO).await?;
    assert_eq!(m.t.game_revert(bob, ok, U256::ZERO).await?, "not older");

    // Non-canonical at processing: Bob's output is not paid, the last challenger takes the bond.
    let exitable = m.ife(&tx).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(m.hash(&tx), false)]);
    assert_eq!(m.t.withdrawable(bob).await?, m.t.piggyback_bond);
    assert_eq!(m.t.withdrawable(carol).await?, m.t.in_flight_exit_bond);
    assert_eq!(m.t.withdrawable(alice).await?, U256::ZERO);
    assert_eq!(m.total_paid().await?, U256::ZERO);
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Spent-input and spent-output challenges, deletion (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_piggybacked_input_spent_elsewhere_is_blocked() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, mallory, mallory2) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(4), m.t.user(5));
    let a = m.deposit(alice, eth(2)).await?;
    let mm = m.deposit(mallory, eth(1)).await?;
    let tx = payment(&[a, mm], &[(bob, eth(3))]);
    let spend = payment(&[mm], &[(mallory2, eth(1))]);
    let unrelated = payment(&[a], &[(carol, eth(2))]);
    m.start_ife(alice, &tx).await?;
    let hash = m.hash(&tx);
    let ok = m.input_spent_call(&tx, 1, &spend, 0);
    assert_eq!(m.t.game_revert(carol, ok.clone(), U256::ZERO).await?, "not piggybacked");
    m.piggyback_input(mallory, &tx, 1).await?;
    m.piggyback_input(alice, &tx, 0).await?;

    let mut cases = Vec::new();
    let mut call = ok.clone();
    call.transaction = spend.clone();
    cases.push(("no such ife", call));
    for index in [2, 4] {
        let mut call = ok.clone();
        call.inputIndex = index;
        cases.push(("bad oindex", call));
    }
    cases.push(("same tx", m.input_spent_call(&tx, 1, &tx, 1)));
    let mut call = ok.clone();
    call.spendingInputIndex = 1;
    cases.push(("not the spent output", call));
    cases.push(("not the spent output", m.input_spent_call(&tx, 1, &unrelated, 0)));
    // Alice's input is spent by nothing but the exiting transaction.
    cases.push(("not the spent output", m.input_spent_call(&tx, 0, &spend, 0)));
    let mut call = ok.clone();
    call.spendingSig = m.sig(alice, &spend);
    cases.push(("bad signature", call));
    for (expected, call) in cases {
        assert_eq!(m.t.game_revert(carol, call.clone(), U256::ZERO).await?, expected, "{call:?}");
    }

    let receipt = m.t.game_send(carol, ok.clone(), U256::ZERO).await?;
    let event = &events::<Game::InFlightExitInputBlocked>(&receipt)[0];
    assert_eq!((event.txHash, event.challenger, event.index), (hash, carol, 1));
    assert_eq!(m.ife(&tx).await?.inputPiggybacks, 0b01);
    assert_eq!(m.t.withdrawable(carol).await?, m.t.piggyback_bond);
    assert_eq!(m.t.game_revert(carol, ok, U256::ZERO).await?, "not piggybacked");
    Ok(())
}

#[tokio::test]
async fn a_piggybacked_output_spent_later_is_blocked() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol) = (m.t.user(0), m.t.user(1), m.t.user(2));
    let b = m.deposit(bob, eth(2)).await?;
    let tx = payment(&[b], &[(bob, eth(1)), (bob, milli_eth(500)), (carol, milli_eth(500))]);
    let blknum = m.block(&[payment(&[pos(9, 0, 0)], &[(carol, eth(1))]), tx.clone()]).await?;
    let tx_pos = pos(blknum, 1, 0);
    m.start_ife(bob, &tx).await?;
    let hash = m.hash(&tx);
    m.piggyback_output(bob, &tx, 0).await?;
    // Bob spends output 1 (in flight).
    let spend1 = payment(&[tx_pos + U256::from(1)], &[(alice, milli_eth(500))]);
    let spend2 = payment(&[tx_pos + U256::from(2)], &[(alice, milli_eth(500))]);
    let ok = m.output_spent_call(&tx, 1, &spend1, 0);
    assert_eq!(m.t.game_revert(carol, ok.clone(), U256::ZERO).await?, "not piggybacked");
    m.piggyback_output(bob, &tx, 1).await?;

    let mut cases = vec![("not piggybacked", m.output_spent_call(&tx, 2, &spend2, 0))];
    let mut call = ok.clone();
    call.transaction = spend1.clone();
    cases.push(("no such ife", call));
    for index in [3, 4] {
        let mut call = ok.clone();
        call.outputIndex = index;
        cases.push(("bad oindex", call));
    }
    // The spend of output 1 does not spend output 0, even when the position is shifted by one:
    // a position must name a transaction (zero output digits).
    let mut call = m.output_spent_call(&tx, 0, &spend1, 0);
    cases.push(("not the spent output", call.clone()));
    call.txPos = tx_pos + U256::from(1);
    cases.push(("bad oindex", call));
    let mut call = ok.clone();
    call.spendingInputIndex = 1;
    cases.push(("not the spent output", call));
    for (expected, position) in
        [("not a child block", b), ("no such block", pos(blknum + 1000, 1, 0)), ("not included", pos(blknum, 0, 0))]
    {
        let mut call = ok.clone();
        call.txPos = position;
        cases.push((expected, call));
    }
    let mut call = ok.clone();
    call.spendingSig = m.sig(carol, &spend1);
    cases.push(("bad signature", call));
    for (expected, call) in cases {
        assert_eq!(m.t.game_revert(carol, call.clone(), U256::ZERO).await?, expected, "{call:?}");
    }

    let receipt = m.t.game_send(carol, ok.clone(), U256::ZERO).await?;
    let event = &events::<Game::InFlightExitOutputBlocked>(&receipt)[0];
    assert_eq!((event.txHash, event.challenger, event.index), (hash, carol, 1));
    assert_eq!(m.ife(&tx).await?.outputPiggybacks, 0b001);
    assert_eq!(m.t.game_revert(carol, ok, U256::ZERO).await?, "not piggybacked");

    // Only the unspent output is paid.
    let exitable = m.ife(&tx).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(hash, true)]);
    assert_eq!(m.t.withdrawable(bob).await?, eth(1) + m.t.piggyback_bond + m.t.in_flight_exit_bond);
    assert_eq!(m.t.withdrawable(carol).await?, m.t.piggyback_bond);
    assert!(!m.flagged(m.output_id(&tx, 1)).await?);
    Ok(())
}

#[tokio::test]
async fn an_in_flight_exit_nobody_piggybacked_is_deleted_after_phase_1() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave, mallory) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3), m.t.user(4));
    let a = m.deposit(alice, eth(1)).await?;
    let tx = payment(&[a], &[(bob, eth(1))]);
    let hash = m.hash(&tx);
    m.start_ife(alice, &tx).await?;
    let end = m.phase1_end(&tx).await?;
    m.t.next_tx_at(end - 1).await?;
    assert_eq!(m.t.game_revert(carol, m.delete_call(&tx), U256::ZERO).await?, "still phase 1");
    let receipt = m.t.game_send(carol, m.delete_call(&tx), U256::ZERO).await?;
    assert_eq!(events::<Game::InFlightExitDeleted>(&receipt)[0].txHash, hash);
    assert_eq!(m.t.withdrawable(alice).await?, m.t.in_flight_exit_bond);
    assert_eq!(m.ife(&tx).await?, Game::InFlightExit::default());
    assert_eq!(m.t.game_revert(carol, m.delete_call(&tx), U256::ZERO).await?, "no such ife");

    // Started again, it is a fresh exit; a piggyback keeps it.
    m.start_ife(bob, &tx).await?;
    m.piggyback_output(bob, &tx, 0).await?;
    let end = m.phase1_end(&tx).await?;
    m.t.next_tx_at(end).await?;
    assert_eq!(m.t.game_revert(carol, m.delete_call(&tx), U256::ZERO).await?, "piggybacked");

    // A piggyback removed by a challenge leaves the exit in the queue: it cannot be deleted (and
    // restarted behind its old queue entry).
    let mm = m.deposit(mallory, eth(1)).await?;
    let tx2 = payment(&[mm], &[(dave, eth(1))]);
    let spend = payment(&[mm], &[(carol, eth(1))]);
    m.start_ife(dave, &tx2).await?;
    m.piggyback_input(mallory, &tx2, 0).await?;
    m.t.game_send(carol, m.input_spent_call(&tx2, 0, &spend, 0), U256::ZERO).await?;
    let end = m.phase1_end(&tx2).await?;
    m.t.next_tx_at(end).await?;
    assert_eq!(m.t.game_revert(carol, m.delete_call(&tx2), U256::ZERO).await?, "piggybacked");

    // A challenged exit nobody piggybacked: the bond goes to the challenger.
    let c = m.deposit(carol, eth(1)).await?;
    let tx3 = payment(&[c], &[(dave, eth(1))]);
    let competitor = payment(&[c], &[(alice, eth(1))]);
    m.start_ife(dave, &tx3).await?;
    m.t.game_send(bob, m.not_canonical_call(&tx3, 0, &competitor, 0, false), U256::ZERO).await?;
    let end = m.phase1_end(&tx3).await?;
    m.t.next_tx_at(end).await?;
    m.t.game_send(alice, m.delete_call(&tx3), U256::ZERO).await?;
    assert_eq!(m.t.withdrawable(bob).await?, m.t.in_flight_exit_bond);

    // The two queued exits settle normally.
    let at = m.ife(&tx2).await?.exitableAt.max(m.ife(&tx).await?.exitableAt);
    m.t.next_tx_at(at).await?;
    let mut finalized = ife_finalized(&m.t.process(10).await?);
    finalized.sort();
    let mut expected = vec![(hash, true), (m.hash(&tx2), true)];
    expected.sort();
    assert_eq!(finalized, expected);
    assert_eq!(m.t.withdrawable(bob).await?, m.t.in_flight_exit_bond * U256::from(2) + m.t.piggyback_bond + eth(1));
    assert_eq!(m.t.withdrawable(dave).await?, m.t.in_flight_exit_bond);
    assert_eq!(m.t.withdrawable(carol).await?, m.t.piggyback_bond);
    assert_eq!(m.t.bonds_held().await?, U256::ZERO);
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Processing (embedded)
// -------------------------------------------------------------------------------------------------

#[tokio::test]
async fn in_flight_exits_leave_in_the_order_of_their_youngest_inputs() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
    let a = m.deposit(alice, eth(1)).await?;
    let b = m.deposit(bob, eth(1)).await?;
    let blknum = m.block(&[payment(&[a], &[(alice, eth(1))]), payment(&[b], &[(bob, eth(1))])]).await?;
    let block_time = m.t.block_time_of(blknum).await?;
    let x = payment(&[pos(blknum, 1, 0)], &[(carol, eth(1))]);
    let y = payment(&[pos(blknum, 0, 0)], &[(dave, eth(1))]);
    m.start_ife(bob, &x).await?;
    m.start_ife(alice, &y).await?;
    let exitable = block_time + 2 * m.t.min_exit_period;
    let receipt = m.piggyback_output(carol, &x, 0).await?;
    assert_eq!(queued(&receipt), vec![(exitable, pos(blknum, 1, 0), U256::from(ife_id(m.hash(&x))))]);
    let receipt = m.piggyback_output(dave, &y, 0).await?;
    assert_eq!(queued(&receipt), vec![(exitable, pos(blknum, 0, 0), U256::from(ife_id(m.hash(&y))))]);
    // Same exitable time: the older youngest input leaves first, though queued second.
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(1).await?), vec![(m.hash(&y), true)]);
    assert_eq!(ife_finalized(&m.t.process(1).await?), vec![(m.hash(&x), true)]);
    Ok(())
}

#[tokio::test]
async fn a_canonical_exit_pays_piggybacked_outputs_and_flags_every_input() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
    let a = m.deposit(alice, eth(2)).await?;
    let b = m.deposit(bob, eth(1)).await?;
    let tx = payment(&[a, b], &[(carol, eth(2)), (dave, milli_eth(900))]);
    m.start_ife(carol, &tx).await?;
    m.piggyback_output(carol, &tx, 0).await?;
    m.piggyback_input(alice, &tx, 0).await?;
    let exitable = m.ife(&tx).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(m.hash(&tx), true)]);
    assert_eq!(m.t.withdrawable(carol).await?, eth(2) + m.t.piggyback_bond + m.t.in_flight_exit_bond);
    assert_eq!(m.t.withdrawable(alice).await?, m.t.piggyback_bond);
    assert_eq!(m.t.withdrawable(dave).await?, U256::ZERO);
    assert_eq!(m.total_paid().await?, eth(2));
    for (id, flagged) in
        [(m.id_at(a), true), (m.id_at(b), true), (m.output_id(&tx, 0), true), (m.output_id(&tx, 1), false)]
    {
        assert_eq!(m.flagged(id).await?, flagged);
    }
    // The flagged inputs can no longer leave through standard exits.
    let call = Game::startDepositExitCall { depositBlknum: U256::from(blknum_of(b)), amount: eth(1) };
    assert_eq!(m.t.game_revert(bob, call, m.t.standard_exit_bond).await?, "already paid");
    Ok(())
}

#[tokio::test]
async fn a_non_canonical_exit_pays_piggybacked_inputs_only() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave, mallory, mallory2) =
        (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3), m.t.user(4), m.t.user(5));
    m.deposit(dave, eth(10)).await?;
    let a = m.deposit(alice, eth(2)).await?;
    let mm = m.deposit(mallory, eth(1)).await?;
    let tx = payment(&[a, mm], &[(bob, eth(3))]);
    let double = payment(&[mm], &[(mallory2, eth(1))]);
    m.start_ife(alice, &tx).await?;
    m.t.game_send(carol, m.not_canonical_call(&tx, 1, &double, 0, false), U256::ZERO).await?;
    m.piggyback_input(alice, &tx, 0).await?;
    m.piggyback_output(bob, &tx, 0).await?;
    let exitable = m.ife(&tx).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(m.hash(&tx), false)]);
    assert_eq!(m.t.withdrawable(alice).await?, eth(2) + m.t.piggyback_bond);
    assert_eq!(m.t.withdrawable(bob).await?, m.t.piggyback_bond);
    assert_eq!(m.t.withdrawable(carol).await?, m.t.in_flight_exit_bond);
    assert_eq!(m.total_paid().await?, eth(2));
    for (id, flagged) in [(m.id_at(a), true), (m.id_at(mm), false), (m.output_id(&tx, 0), false)] {
        assert_eq!(m.flagged(id).await?, flagged);
    }
    Ok(())
}

#[tokio::test]
async fn an_in_flight_exit_whose_input_a_standard_exit_paid_is_not_canonical() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3));
    m.deposit(dave, eth(10)).await?;
    let a = m.deposit(alice, eth(2)).await?;
    let tx = payment(&[a], &[(bob, eth(2))]);
    // Alice exits the deposit she spent in flight, and no watcher challenges.
    m.deposit_exit(alice, a, eth(2)).await?;
    m.start_ife(bob, &tx).await?;
    m.piggyback_output(bob, &tx, 0).await?;
    let exitable = m.ife(&tx).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    let receipt = m.t.process(10).await?;
    assert_eq!(se_finalized(&receipt), vec![(a, true)]);
    assert_eq!(ife_finalized(&receipt), vec![(m.hash(&tx), false)]);
    assert_eq!(m.t.withdrawable(alice).await?, eth(2) + m.t.standard_exit_bond);
    assert_eq!(m.t.withdrawable(bob).await?, m.t.piggyback_bond + m.t.in_flight_exit_bond);
    assert_eq!(m.total_paid().await?, eth(2));

    // With a watcher, the standard exit is challenged with the in-flight spend and Bob is paid.
    let b = m.deposit(alice, eth(1)).await?;
    let tx2 = payment(&[b], &[(bob, eth(1))]);
    m.deposit_exit(alice, b, eth(1)).await?;
    m.start_ife(bob, &tx2).await?;
    m.piggyback_output(bob, &tx2, 0).await?;
    m.t.game_send(carol, m.challenge_se_call(b, &tx2, 0), U256::ZERO).await?;
    let exitable = m.ife(&tx2).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    let receipt = m.t.process(10).await?;
    assert!(se_finalized(&receipt).is_empty());
    assert_eq!(ife_finalized(&receipt), vec![(m.hash(&tx2), true)]);
    assert_eq!(m.total_paid().await?, eth(3));
    Ok(())
}

#[tokio::test]
async fn a_standard_exit_and_an_in_flight_exit_of_one_output_pay_it_once() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave, eve) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3), m.t.user(5));
    m.deposit(eve, eth(10)).await?;

    // The in-flight exit first, then the standard exit of the same output.
    let a = m.deposit(alice, eth(2)).await?;
    let tx = payment(&[a], &[(bob, eth(2))]);
    let blknum = m.block(std::slice::from_ref(&tx)).await?;
    let out = pos(blknum, 0, 0);
    m.start_se(bob, out).await?;
    m.start_ife(alice, &tx).await?;
    m.piggyback_output(bob, &tx, 0).await?;
    let se_exitable = m.t.block_time_of(blknum).await? + 2 * m.t.min_exit_period;
    assert!(m.ife(&tx).await?.exitableAt < se_exitable);
    m.t.next_tx_at(se_exitable).await?;
    let receipt = m.t.process(10).await?;
    assert_eq!(ife_finalized(&receipt), vec![(m.hash(&tx), true)]);
    assert_eq!(se_finalized(&receipt), vec![(out, false)]);
    assert_eq!(m.t.withdrawable(bob).await?, eth(2) + m.t.piggyback_bond + m.t.standard_exit_bond);
    assert_eq!(m.total_paid().await?, eth(2));
    assert_eq!(m.t.game_revert(bob, m.se_call(out), m.t.standard_exit_bond).await?, "already paid");

    // The standard exit first, then the in-flight exit.
    let c = m.deposit(carol, eth(1)).await?;
    let tx2 = payment(&[c], &[(dave, eth(1))]);
    let blknum2 = m.block(std::slice::from_ref(&tx2)).await?;
    let out2 = pos(blknum2, 0, 0);
    m.start_se(dave, out2).await?;
    let block_time = m.t.block_time_of(blknum2).await?;
    m.t.next_tx_at(block_time + m.t.min_exit_period + 100).await?;
    m.start_ife(carol, &tx2).await?;
    m.piggyback_output(dave, &tx2, 0).await?;
    let ife_exitable = m.ife(&tx2).await?.exitableAt;
    assert!(ife_exitable > block_time + 2 * m.t.min_exit_period);
    m.t.next_tx_at(ife_exitable).await?;
    let receipt = m.t.process(10).await?;
    assert_eq!(se_finalized(&receipt), vec![(out2, true)]);
    assert_eq!(ife_finalized(&receipt), vec![(m.hash(&tx2), true)]);
    assert_eq!(m.t.withdrawable(dave).await?, eth(1) + m.t.standard_exit_bond + m.t.piggyback_bond);
    assert_eq!(m.total_paid().await?, eth(3));
    assert!(m.flagged(m.id_at(c)).await?);
    Ok(())
}

/// Mallory's input spent twice into one withheld block (plasma-contracts #102 / #104), with an
/// honest deposit beside it, so that only the exit game stands between her and a double payout.
struct DoubleSpend {
    m: MoreVp,
    input: U256,
    tx1: PaymentTx,
    tx2: PaymentTx,
}

impl DoubleSpend {
    async fn new() -> TestResult<Self> {
        let mut m = MoreVp::new("embedded").await?;
        let (alice, mallory, mallory1, mallory2) = (m.t.user(0), m.t.user(4), m.t.user(5), m.t.user(6));
        m.deposit(alice, eth(10)).await?;
        let input = m.deposit(mallory, eth(3)).await?;
        let tx1 = payment(&[input], &[(mallory1, eth(3))]);
        let tx2 = payment(&[input], &[(mallory2, eth(3))]);
        m.block(&[tx1.clone(), tx2.clone()]).await?;
        // The input is old by the time the exits start: their exitable times follow their queueing.
        let at = m.t.now().await? + 2 * m.t.min_exit_period;
        m.t.next_tx_at(at).await?;
        Ok(Self { m, input, tx1, tx2 })
    }
}

#[tokio::test]
async fn two_in_flight_exits_double_spending_one_input_pay_once() -> TestResult {
    let DoubleSpend { mut m, input, tx1, tx2 } = DoubleSpend::new().await?;
    let (carol, mallory, mallory1, mallory2) = (m.t.user(2), m.t.user(4), m.t.user(5), m.t.user(6));
    m.start_ife(mallory, &tx1).await?;
    m.start_ife(mallory, &tx2).await?;
    m.piggyback_output(mallory1, &tx1, 0).await?;
    m.piggyback_output(mallory2, &tx2, 0).await?;
    // Phase 1: a watcher challenges each with the other, in flight (the block is withheld).
    m.t.game_send(carol, m.not_canonical_call(&tx1, 0, &tx2, 0, false), U256::ZERO).await?;
    m.t.game_send(carol, m.not_canonical_call(&tx2, 0, &tx1, 0, false), U256::ZERO).await?;
    // Phase 2: no new challenge; the operator answers both with their inclusion proofs.
    let end = m.phase1_end(&tx2).await?;
    m.t.next_tx_at(end).await?;
    m.t.game_send(mallory, m.respond_call(&tx1), U256::ZERO).await?;
    m.t.game_send(mallory, m.respond_call(&tx2), U256::ZERO).await?;
    assert!(m.ife(&tx1).await?.canonical && m.ife(&tx2).await?.canonical);

    let exitable = m.ife(&tx2).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    // The first canonical exit flags the shared input: the second is no longer canonical.
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(m.hash(&tx1), true), (m.hash(&tx2), false)]);
    assert_eq!(m.t.withdrawable(mallory1).await?, eth(3) + m.t.piggyback_bond);
    assert_eq!(m.t.withdrawable(mallory2).await?, m.t.piggyback_bond);
    assert_eq!(m.total_paid().await?, eth(3));
    assert!(m.flagged(m.id_at(input)).await?);
    assert!(!m.flagged(m.output_id(&tx2, 0)).await?);
    Ok(())
}

#[tokio::test]
async fn an_in_flight_exit_started_after_its_competitor_finalized_pays_nothing() -> TestResult {
    let DoubleSpend { mut m, tx1, tx2, .. } = DoubleSpend::new().await?;
    let (mallory, mallory1, mallory2) = (m.t.user(4), m.t.user(5), m.t.user(6));
    m.start_ife(mallory, &tx1).await?;
    m.piggyback_output(mallory1, &tx1, 0).await?;
    let exitable = m.ife(&tx1).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(m.hash(&tx1), true)]);

    // plasma-contracts #104: the competitor's exit, never challenged, starts afterwards.
    m.start_ife(mallory, &tx2).await?;
    m.piggyback_output(mallory2, &tx2, 0).await?;
    m.piggyback_input(mallory, &tx2, 0).await?;
    assert!(m.ife(&tx2).await?.canonical);
    let exitable = m.ife(&tx2).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(m.hash(&tx2), false)]);
    assert_eq!(m.t.withdrawable(mallory2).await?, m.t.piggyback_bond);
    assert_eq!(m.total_paid().await?, eth(3));
    Ok(())
}

#[tokio::test]
async fn cross_competing_in_flight_exits_give_the_honest_co_owner_her_input_back() -> TestResult {
    // plasma-contracts #470: Alice and Bob sign tx1; Bob also signs tx2, included and withheld.
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, carol, dave, bob2) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3), m.t.user(5));
    m.deposit(dave, eth(10)).await?;
    let oa = m.deposit(alice, eth(2)).await?;
    let ob = m.deposit(bob, eth(3)).await?;
    let tx1 = payment(&[oa, ob], &[(carol, eth(5))]);
    let tx2 = payment(&[ob], &[(bob2, eth(3))]);
    m.block(std::slice::from_ref(&tx2)).await?;
    let at = m.t.now().await? + 2 * m.t.min_exit_period;
    m.t.next_tx_at(at).await?;

    // Bob exits tx2 first, Alice tx1; each is challenged with the other; Bob answers for tx2.
    m.start_ife(bob, &tx2).await?;
    m.start_ife(alice, &tx1).await?;
    m.t.game_send(alice, m.not_canonical_call(&tx2, 0, &tx1, 1, false), U256::ZERO).await?;
    m.t.game_send(bob, m.not_canonical_call(&tx1, 1, &tx2, 0, true), U256::ZERO).await?;
    m.t.game_send(bob, m.respond_call(&tx2), U256::ZERO).await?;
    m.piggyback_output(bob2, &tx2, 0).await?;
    m.piggyback_input(alice, &tx1, 0).await?;
    m.piggyback_input(bob, &tx1, 1).await?;

    let exitable = m.ife(&tx1).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(m.hash(&tx2), true), (m.hash(&tx1), false)]);
    // Bob's input left once (through tx2); Alice gets hers back.
    assert_eq!(m.t.withdrawable(alice).await?, eth(2) + m.t.piggyback_bond);
    assert_eq!(m.t.withdrawable(bob2).await?, eth(3) + m.t.piggyback_bond);
    assert_eq!(m.t.withdrawable(bob).await?, m.t.piggyback_bond + m.t.in_flight_exit_bond * U256::from(2));
    assert_eq!(m.t.withdrawable(carol).await?, U256::ZERO);
    assert_eq!(m.total_paid().await?, eth(5));
    Ok(())
}

#[tokio::test]
async fn a_restarted_in_flight_exit_after_canonical_finalization_pays_nothing() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let (alice, bob, dave) = (m.t.user(0), m.t.user(1), m.t.user(3));
    m.deposit(dave, eth(10)).await?;
    let a = m.deposit(alice, eth(2)).await?;
    let tx = payment(&[a], &[(bob, eth(2))]);
    let hash = m.hash(&tx);
    m.start_ife(alice, &tx).await?;
    m.piggyback_output(bob, &tx, 0).await?;
    let exitable = m.ife(&tx).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(hash, true)]);

    m.start_ife(bob, &tx).await?;
    m.piggyback_output(bob, &tx, 0).await?;
    m.piggyback_input(alice, &tx, 0).await?;
    let exitable = m.ife(&tx).await?.exitableAt;
    m.t.next_tx_at(exitable).await?;
    assert_eq!(ife_finalized(&m.t.process(10).await?), vec![(hash, false)]);
    assert_eq!(m.total_paid().await?, eth(2));
    assert_eq!(m.t.withdrawable(bob).await?, eth(2) + m.t.piggyback_bond * U256::from(2) + m.t.in_flight_exit_bond);
    assert_eq!(m.t.withdrawable(alice).await?, m.t.piggyback_bond + m.t.in_flight_exit_bond);
    assert_eq!(m.t.bonds_held().await?, U256::ZERO);
    Ok(())
}

#[tokio::test]
async fn only_the_framework_processes_exits() -> TestResult {
    let mut m = MoreVp::new("embedded").await?;
    let alice = m.t.user(0);
    let a = m.deposit(alice, eth(1)).await?;
    m.deposit_exit(alice, a, eth(1)).await?;
    let tx = payment(&[a], &[(alice, eth(1))]);
    for exit_id in [U96::from(a.to::<u128>()), ife_id(m.hash(&tx))] {
        let call = Game::processExitCall { exitId: exit_id };
        assert_eq!(m.t.game_revert(alice, call, U256::ZERO).await?, "not framework");
    }
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Gas (both backends)
// -------------------------------------------------------------------------------------------------

/// Runs one call of every game function in a typical case, and the processing of each kind of
/// exit, on the backend called `backend`; returns the gas of each (receipts: 21k base and calldata
/// included, refunds deducted).
async fn gas_figures(backend: &str) -> TestResult<Vec<(&'static str, u64)>> {
    let mut m = MoreVp::new(backend).await?;
    let (alice, bob, carol, dave, mallory) = (m.t.user(0), m.t.user(1), m.t.user(2), m.t.user(3), m.t.user(4));
    let mut gas = Vec::new();
    m.deposit(dave, eth(20)).await?;
    let d = m.deposit(alice, eth(1)).await?;
    let dm = m.deposit(mallory, eth(1)).await?;
    // Block 1000: 64 payments of 1 ETH, so that proofs look like a real block's. Leaf 0 pays Bob
    // (standard exit), leaf 1 Alice (1-input IFE), leaves 2-5 four users (4-input IFE), leaf 6
    // Carol (contested IFE), leaf 7 Dave (deleted IFE).
    let owners = [bob, alice, alice, bob, carol, dave, carol, dave];
    let txs: Vec<PaymentTx> = (0..64u64)
        .map(|i| payment(&[pos(100 + i, 0, 0)], &[(*owners.get(i as usize).unwrap_or(&alice), eth(1))]))
        .collect();
    let b1 = m.block(&txs).await?;

    // Mallory's exit comes first, so that the measured ones are not the first to write the
    // framework's queue and bond slots.
    m.deposit_exit(mallory, dm, eth(1)).await?;
    gas.push(("startDepositExit", m.deposit_exit(alice, d, eth(1)).await?.gas_used));
    gas.push(("startStandardExit", m.start_se(bob, pos(b1, 0, 0)).await?.gas_used));
    let spend = payment(&[dm], &[(carol, eth(1))]);
    let receipt = m.t.game_send(carol, m.challenge_se_call(dm, &spend, 0), U256::ZERO).await?;
    gas.push(("challengeStandardExit", receipt.gas_used));

    let ife_a = payment(&[pos(b1, 1, 0)], &[(bob, milli_eth(600)), (carol, milli_eth(400))]);
    gas.push(("startInFlightExit, 1 input 2 outputs", m.start_ife(alice, &ife_a).await?.gas_used));
    let inputs: Vec<U256> = (2..6).map(|i| pos(b1, i, 0)).collect();
    let ife_b = payment(&inputs, &[(alice, eth(1)), (bob, eth(1)), (carol, eth(1)), (dave, eth(1))]);
    gas.push(("startInFlightExit, 4 inputs 4 outputs", m.start_ife(alice, &ife_b).await?.gas_used));
    gas.push(("piggybackInFlightExitOnOutput, first (queues)", m.piggyback_output(bob, &ife_a, 0).await?.gas_used));
    gas.push(("piggybackInFlightExitOnOutput, second", m.piggyback_output(carol, &ife_a, 1).await?.gas_used));

    // IFE B: shown non-canonical by an in-flight competitor; three inputs piggybacked, one of them
    // spent elsewhere.
    let competitor = payment(&[pos(b1, 2, 0)], &[(mallory, eth(1))]);
    let receipt = m.t.game_send(dave, m.not_canonical_call(&ife_b, 0, &competitor, 0, false), U256::ZERO).await?;
    gas.push(("challengeInFlightExitNotCanonical, in flight", receipt.gas_used));
    gas.push(("piggybackInFlightExitOnInput, first (queues)", m.piggyback_input(alice, &ife_b, 0).await?.gas_used));
    gas.push(("piggybackInFlightExitOnInput, second", m.piggyback_input(bob, &ife_b, 1).await?.gas_used));
    m.piggyback_input(carol, &ife_b, 2).await?;
    let bob_spend = payment(&[pos(b1, 3, 0)], &[(mallory, eth(1))]);
    let receipt = m.t.game_send(dave, m.input_spent_call(&ife_b, 1, &bob_spend, 0), U256::ZERO).await?;
    gas.push(("challengeInFlightExitInputSpent", receipt.gas_used));

    // IFE C: included at block 2000 before a competitor; challenged, answered, its output spent.
    let ife_c = payment(&[pos(b1, 6, 0)], &[(dave, eth(1))]);
    let competitor = payment(&[pos(b1, 6, 0)], &[(mallory, eth(1))]);
    let b2 = m.block(&[ife_c.clone(), competitor.clone()]).await?;
    m.start_ife(carol, &ife_c).await?;
    let receipt = m.t.game_send(mallory, m.not_canonical_call(&ife_c, 0, &competitor, 0, true), U256::ZERO).await?;
    gas.push(("challengeInFlightExitNotCanonical, included", receipt.gas_used));
    gas.push((
        "respondToNonCanonicalChallenge",
        m.t.game_send(dave, m.respond_call(&ife_c), U256::ZERO).await?.gas_used,
    ));
    m.piggyback_output(dave, &ife_c, 0).await?;
    let dave_spend = payment(&[pos(b2, 0, 0)], &[(alice, eth(1))]);
    let receipt = m.t.game_send(alice, m.output_spent_call(&ife_c, 0, &dave_spend, 0), U256::ZERO).await?;
    gas.push(("challengeInFlightExitOutputSpent", receipt.gas_used));

    // IFE D: nobody piggybacks; deleted after phase 1.
    let ife_d = payment(&[pos(b1, 7, 0)], &[(alice, eth(1))]);
    m.start_ife(dave, &ife_d).await?;
    let end = m.phase1_end(&ife_d).await?;
    m.t.next_tx_at(end).await?;
    gas.push((
        "deleteNonPiggybackedInFlightExit",
        m.t.game_send(carol, m.delete_call(&ife_d), U256::ZERO).await?.gas_used,
    ));

    // Processing, one exit per call, in queue order.
    let (hash_a, hash_b) = (m.hash(&ife_a), m.hash(&ife_b));
    let mut processed = Vec::new();
    while m.queue_size().await? > 0 {
        let top = m.t.framework_view(Fw::peekPriorityCall {}).await?;
        let at = (top >> 192_usize).to::<u64>().max(m.t.now().await? + BLOCK_TIME);
        m.t.next_tx_at(at).await?;
        let receipt = m.t.process(1).await?;
        let label = match (se_finalized(&receipt).as_slice(), ife_finalized(&receipt).as_slice()) {
            ([(utxo_pos, true)], []) if *utxo_pos == d => Some("processExits(1): one standard exit (deposit)"),
            ([(_, true)], []) => Some("processExits(1): one standard exit (output)"),
            ([], [(hash, true)]) if *hash == hash_a => Some("processExits(1): canonical IFE, 2 outputs paid"),
            ([], [(hash, false)]) if *hash == hash_b => Some("processExits(1): non-canonical IFE, 2 inputs paid"),
            ([], []) => Some("processExits(1): challenged standard exit (skipped)"),
            _ => None,
        };
        processed.extend(label.map(|label| (label, receipt.gas_used)));
    }
    processed.sort();
    gas.extend(processed);
    assert_eq!(m.total_paid().await?, eth(5));
    Ok(gas)
}

#[tokio::test]
async fn gas_of_the_exit_game_is_the_same_on_both_backends() -> TestResult {
    let embedded = gas_on_both_backends(
        "MoreVpExitGame gas (receipts: 21k base, calldata and refunds included; embedded = anvil):",
        1_000_000,
        gas_figures,
    )
    .await?;
    assert_eq!(embedded.len(), 20);
    Ok(())
}
