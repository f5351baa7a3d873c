//! `plasma compare --rpc-url URL --private-key KEY`: scenarios on a node the harness did not start
//! and whose clock it does not drive (here an anvil spawned on the side, holding the dev accounts).

use plasma_harness::{Backend, builtin_scenarios, compare};
use plasma_integration_tests::TestResult;
use plasma_rootchain::{DEV_KEYS, RpcNode, anvil_path};

#[tokio::test]
async fn scenarios_pass_on_a_node_reached_by_url() -> TestResult {
    let node = RpcNode::spawn_anvil(anvil_path()).await?;
    let url = node.endpoint().ok_or("spawned anvil has an endpoint")?;
    let backend = Backend::Rpc { url, private_key: format!("0x{}", alloy_primitives::hex::encode(DEV_KEYS[0])) };
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
    Ok(())
}

#[tokio::test]
async fn a_malformed_operator_key_is_a_clear_error() {
    let backend = Backend::Rpc { url: "http://127.0.0.1:1".into(), private_key: "0x1234".into() };
    let error = compare(&["mvp".to_owned()], &backend, &[]).await.err().map(|e| e.to_string());
    assert!(error.is_some_and(|e| e.contains("32 bytes")));
}
