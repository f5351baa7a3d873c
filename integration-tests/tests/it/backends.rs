//! The `RootChain` contract on both backends: accounts, clock, snapshots, logs and errors.

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use plasma_contracts::{DEFAULT_MIN_EXIT_PERIOD, PlasmaFramework as Fw, deploy_framework};
use plasma_integration_tests::{TestResult, backend};
use plasma_rootchain::{
    BLOCK_TIME, DEV_ACCOUNT_BALANCE, DEV_KEYS, Error, GENESIS_TIMESTAMP, LogFilter, RootChain, RpcNode, TxRequest,
    anvil_path, dev_accounts,
};
use rstest::rstest;

/// A fresh chain of backend `name`, its operator (the first dev account) and the framework it
/// deployed.
async fn with_framework(name: &str) -> TestResult<(Box<dyn RootChain>, Address, Address)> {
    let mut chain = backend(name).await?;
    let operator = chain.accounts()[0];
    let framework = deploy_framework(chain.as_mut(), operator, DEFAULT_MIN_EXIT_PERIOD).await?;
    Ok((chain, operator, framework))
}

#[rstest]
#[tokio::test]
async fn dev_accounts_are_funded_and_the_clock_starts_at_genesis(
    #[values("embedded", "anvil")] name: &str,
) -> TestResult {
    let chain = backend(name).await?;
    assert_eq!(chain.accounts(), dev_accounts().as_slice());
    for account in dev_accounts() {
        // On anvil this also proves that DEV_KEYS are the keys anvil derives itself.
        assert_eq!(chain.balance(account).await?, DEV_ACCOUNT_BALANCE);
    }
    assert_eq!(chain.chain_id(), 31_337);
    assert_eq!(chain.block_number().await?, 0);
    assert_eq!(chain.block_time().await?, GENESIS_TIMESTAMP);
    Ok(())
}

#[rstest]
#[tokio::test]
async fn each_transaction_mines_a_block_and_time_moves_on_demand(
    #[values("embedded", "anvil")] name: &str,
) -> TestResult {
    let mut chain = backend(name).await?;
    let [alice, bob] = [chain.accounts()[0], chain.accounts()[1]];
    let receipt =
        chain.send(TxRequest { from: alice, to: Some(bob), value: U256::from(5), ..Default::default() }).await?;
    assert!(receipt.success);
    assert_eq!(receipt.gas_used, 21_000);
    assert_eq!(receipt.block_number, 1);
    assert_eq!(chain.block_time().await?, GENESIS_TIMESTAMP + BLOCK_TIME);
    chain.advance_time(3600).await?;
    assert_eq!(chain.block_number().await?, 2);
    assert_eq!(chain.block_time().await?, GENESIS_TIMESTAMP + BLOCK_TIME + 3600);
    assert_eq!(chain.balance(bob).await?, DEV_ACCOUNT_BALANCE + U256::from(5));
    Ok(())
}

#[rstest]
#[tokio::test]
async fn snapshots_restore_state_clock_and_logs(#[values("embedded", "anvil")] name: &str) -> TestResult {
    let (mut chain, operator, framework) = with_framework(name).await?;
    let submit = |root: u8| {
        TxRequest::call(operator, framework, Fw::submitBlockCall { root: B256::repeat_byte(root) }.abi_encode())
    };
    chain.send(submit(1)).await?;
    let snapshot = chain.snapshot().await?;
    let (number, time) = (chain.block_number().await?, chain.block_time().await?);
    chain.send(submit(2)).await?;
    chain.advance_time(999).await?;
    chain.revert_to(snapshot).await?;
    assert_eq!((chain.block_number().await?, chain.block_time().await?), (number, time));
    let logs = chain.logs(&LogFilter { address: Some(framework), ..LogFilter::default() }).await?;
    assert_eq!(logs.len(), 1);
    // The same transaction can be sent again after the revert (nonces were restored too).
    let receipt = chain.send(submit(2)).await?;
    assert!(receipt.success);
    assert_eq!(receipt.block_number, number + 1);
    assert!(matches!(chain.revert_to(snapshot).await, Err(Error::UnknownSnapshot(_))));
    Ok(())
}

#[rstest]
#[tokio::test]
async fn logs_filter_by_address_topic_and_block(#[values("embedded", "anvil")] name: &str) -> TestResult {
    let (mut chain, operator, framework) = with_framework(name).await?;
    for root in 1..=3u8 {
        let call = Fw::submitBlockCall { root: B256::repeat_byte(root) };
        chain.send(TxRequest::call(operator, framework, call.abi_encode())).await?;
    }
    let topic = <Fw::BlockSubmitted as alloy_sol_types::SolEvent>::SIGNATURE_HASH;
    let all = chain.logs(&LogFilter { address: Some(framework), topic0: Some(topic), ..Default::default() }).await?;
    assert_eq!(all.iter().map(|l| l.block_number).collect::<Vec<_>>(), [2, 3, 4]);
    // Each log carries its block's time: the time the event happened, not the time it was read.
    chain.advance_time(3_600).await?;
    let later = chain.block_time().await?;
    for log in &all {
        let event = <Fw::BlockSubmitted as alloy_sol_types::SolEvent>::decode_log(&log.log)?;
        assert_eq!(log.block_timestamp, event.timestamp);
        assert!(log.block_timestamp + 3_600 <= later);
    }
    let some =
        chain.logs(&LogFilter { topic0: Some(topic), from_block: 3, to_block: Some(3), ..Default::default() }).await?;
    assert_eq!(some.len(), 1);
    let none = chain.logs(&LogFilter { address: Some(Address::repeat_byte(9)), ..Default::default() }).await?;
    assert!(none.is_empty());
    Ok(())
}

#[rstest]
#[tokio::test]
async fn reverts_are_receipts_with_reasons(#[values("embedded", "anvil")] name: &str) -> TestResult {
    let (mut chain, operator, framework) = with_framework(name).await?;
    let mallory = chain.accounts()[1];
    let data = Fw::submitBlockCall { root: B256::ZERO }.abi_encode();
    let receipt = chain.send(TxRequest::call(mallory, framework, data.clone())).await?;
    assert!(!receipt.success);
    assert_eq!(receipt.revert_reason.as_deref(), Some("not operator"));
    assert!(receipt.logs.is_empty());
    let outcome = chain.call(mallory, framework, Fw::peekPriorityCall {}.abi_encode().into()).await?;
    assert_eq!((outcome.success, outcome.revert_reason.as_deref()), (false, Some("queue empty")));
    let failed = chain.deploy(operator, vec![0xfe].into(), U256::ZERO).await;
    assert!(matches!(failed, Err(Error::DeployFailed(_))));
    Ok(())
}

#[tokio::test]
async fn a_node_reached_by_url_sends_from_the_given_key() -> TestResult {
    let anvil = RpcNode::spawn_anvil(anvil_path()).await?;
    let url = anvil.endpoint().ok_or("spawned anvil has an endpoint")?;
    let key = alloy_primitives::hex::encode(DEV_KEYS[3]);
    let mut remote = RpcNode::connect(&url, &key).await?;
    assert_eq!(remote.backend_name(), "rpc");
    let me = remote.accounts()[0];
    assert_eq!(me, dev_accounts()[3]);
    let framework = deploy_framework(&mut remote, me, DEFAULT_MIN_EXIT_PERIOD).await?;
    let receipt =
        remote.send(TxRequest::call(me, framework, Fw::submitBlockCall { root: B256::ZERO }.abi_encode())).await?;
    assert!(receipt.success);
    let stranger = dev_accounts()[4];
    let refused = remote.send(TxRequest::call(stranger, framework, vec![])).await;
    assert!(matches!(refused, Err(Error::UnknownAccount(a)) if a == stranger));
    Ok(())
}

#[tokio::test]
async fn bad_connection_arguments_are_typed_errors() {
    assert!(matches!(RpcNode::connect("http://127.0.0.1:1", "not hex").await, Err(Error::InvalidKey(_))));
    assert!(matches!(RpcNode::connect("no url", &"11".repeat(32)).await, Err(Error::Rpc(_))));
    assert!(matches!(RpcNode::connect("http://127.0.0.1:1", &"11".repeat(32)).await, Err(Error::Rpc(_))));
    assert!(matches!(RpcNode::spawn_anvil("/nonexistent/anvil".into()).await, Err(Error::Anvil(_))));
}
