//! `plasma compare --rpc-url URL --private-key KEY`: scenarios on a node the harness did not start
//! and whose clock it does not drive (here an anvil spawned on the side), from one funded key that
//! is none of the node's dev accounts: the harness funds fresh actor keys from it and sweeps their
//! balances back.

use alloy_primitives::{B256, U256, keccak256};
use plasma_harness::{Backend, builtin_scenarios, compare};
use plasma_integration_tests::TestResult;
use plasma_rootchain::{RootChain, RpcNode, TxRequest, anvil_path};

#[tokio::test]
async fn scenarios_pass_on_a_node_reached_by_url_from_one_funded_key() -> TestResult {
    let mut node = RpcNode::spawn_anvil(anvil_path()).await?;
    let url = node.endpoint().ok_or("spawned anvil has an endpoint")?;
    // A key the node knows nothing of, funded with 100 ether by a dev account.
    let secret: B256 = keccak256(b"plasma-lab rpc test operator");
    let operator = plasma_core::SigningKey::from_bytes(secret)?.address();
    let dev = node.accounts()[0];
    let funding = U256::from(100u64) * U256::from(10u64).pow(U256::from(18u64));
    assert!(node.send(TxRequest::call(dev, operator, Vec::new()).with_value(funding)).await?.success);
    let backend = Backend::Rpc { url, private_key: format!("0x{}", alloy_primitives::hex::encode(secret)) };
    let scenarios: Vec<_> = builtin_scenarios()?
        .into_iter()
        .filter(|s| ["honest-lifecycle", "exit-of-spent-output", "invalid-transaction"].contains(&s.name.as_str()))
        .collect();
    assert_eq!(scenarios.len(), 3);
    let report = compare(&["mvp".to_owned()], &backend, &scenarios).await?;
    assert_eq!(report.backend, "rpc");
    for scenario in &report.variants[0].scenarios {
        assert_eq!(scenario.outcome, plasma_harness::Outcome::Pass, "{}: {}", scenario.name, scenario.detail);
    }
    // Everything not deposited for good came back: the operator's key lost only what the
    // framework still holds (nothing, every scenario exits all) and fees (none on this anvil).
    let left = node.balance(operator).await?;
    assert!(left <= funding && funding - left < U256::from(10u64).pow(U256::from(17u64)), "{left}");
    Ok(())
}

#[tokio::test]
async fn a_malformed_operator_key_is_a_clear_error() {
    let backend = Backend::Rpc { url: "http://127.0.0.1:1".into(), private_key: "0x1234".into() };
    let error = compare(&["mvp".to_owned()], &backend, &[]).await.err().map(|e| e.to_string());
    assert!(error.is_some_and(|e| e.contains("32 bytes")));
}
