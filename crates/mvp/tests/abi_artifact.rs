//! Cross-check with the compiled `MvpExitGame` artifact: the local `sol!` interface must produce the
//! contract's selectors, and the contract's own call types must decode our calldata.

// Test helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod artifact {
    #![allow(missing_docs, clippy::too_many_arguments)]
    alloy_sol_types::sol!(MvpExitGameArtifact, "../../contracts/artifacts/MvpExitGame.json");
}

use alloy_sol_types::{SolCall, SolEvent, SolValue};
use artifact::MvpExitGameArtifact as Artifact;
use plasma_core::alloy_primitives::{Address, Bytes, U256};
use plasma_mvp::{Challenge, DepositExit, MvpExit, MvpGame, ObservedExit, Transaction, UtxoPos, game::IMvpExitGame};

#[test]
fn selectors_match_the_artifact() {
    assert_eq!(IMvpExitGame::startExitCall::SELECTOR, Artifact::startExitCall::SELECTOR);
    assert_eq!(IMvpExitGame::startDepositExitCall::SELECTOR, Artifact::startDepositExitCall::SELECTOR);
    assert_eq!(IMvpExitGame::challengeExitCall::SELECTOR, Artifact::challengeExitCall::SELECTOR);
    assert_eq!(IMvpExitGame::processExitCall::SELECTOR, Artifact::processExitCall::SELECTOR);
    assert_eq!(IMvpExitGame::exitsCall::SELECTOR, Artifact::exitsCall::SELECTOR);
    assert_eq!(
        Artifact::ExitStarted::SIGNATURE,
        "ExitStarted(uint256,address,uint256,uint64,(uint256,uint256,address,uint256,address,uint256),bytes)"
    );
}

fn sample_tx() -> Transaction {
    Transaction {
        input0: U256::from(1_000_000_000u64),
        input1: U256::from(2_000_000_000u64),
        owner0: Address::repeat_byte(1),
        amount0: U256::from(5),
        owner1: Address::repeat_byte(2),
        amount1: U256::from(6),
    }
}

#[test]
fn the_contract_decodes_our_calldata() {
    let game = MvpGame::new(U256::from(10), 60);
    let exit = MvpExit {
        utxo_pos: UtxoPos::new(3000, 2, 1).unwrap(),
        tx: sample_tx(),
        sigs: Bytes::from(vec![1u8; 130]),
        proof: Bytes::from(vec![2u8; 512]),
        confirm_sigs: Bytes::from(vec![3u8; 130]),
    };
    let call = Artifact::startExitCall::abi_decode(&game.start_exit_call(&exit).data).unwrap();
    assert_eq!(call.utxoPos, exit.utxo_pos.encode());
    assert_eq!(call.transaction.abi_encode(), exit.tx.abi_encode());
    assert_eq!((call.sigs, call.proof, call.confirmSigs), (exit.sigs, exit.proof, exit.confirm_sigs));

    let deposit = DepositExit { blknum: 1001, amount: U256::from(9) };
    let call = Artifact::startDepositExitCall::abi_decode(&game.start_deposit_exit_call(&deposit).data).unwrap();
    assert_eq!((call.depositBlknum, call.amount), (U256::from(1001), U256::from(9)));

    let challenge = Challenge {
        utxo_pos: UtxoPos::deposit(1001).unwrap(),
        spending_tx_pos: UtxoPos::tx(2000, 7).unwrap(),
        spending_tx: sample_tx(),
        spending_sigs: Bytes::from(vec![4u8; 130]),
        input_index: 1,
        proof: Bytes::from(vec![5u8; 512]),
        confirm_sig: Bytes::from(vec![6u8; 65]),
    };
    let call = Artifact::challengeExitCall::abi_decode(&game.challenge_call(&challenge).data).unwrap();
    assert_eq!(call.spendingTxPos, U256::from(2_000_000_070_000u64));
    assert_eq!(call.inputIndex, U256::from(1));
    assert_eq!(call.confirmSig.len(), 65);
}

/// What the harness does with an `ExitStarted` log: its `Transaction` converts through the ABI.
#[test]
fn exit_started_converts_to_observed_exit() {
    let event = Artifact::ExitStarted {
        utxoPos: UtxoPos::new(3000, 2, 1).unwrap().encode(),
        owner: Address::repeat_byte(2),
        amount: U256::from(6),
        exitableAt: 99,
        tx: artifact::MvpTx::Transaction::abi_decode(&sample_tx().abi_encode()).unwrap(),
        confirmSigs: Bytes::from(vec![3u8; 130]),
    };
    let observed = ObservedExit {
        utxo_pos: UtxoPos::decode(event.utxoPos).unwrap(),
        owner: event.owner,
        amount: event.amount,
        exitable_at: event.exitableAt,
        tx: Transaction::decode(&event.tx.abi_encode()).unwrap(),
        confirm_sigs: event.confirmSigs.clone(),
    };
    assert_eq!(observed.tx, sample_tx());
    assert_eq!(observed.utxo_pos.oindex(), 1);
}
