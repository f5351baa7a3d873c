//! The built-in scenarios on every implemented variant: all on the embedded EVM, the lifecycle and
//! the operator-fault scenarios on anvil too. Also checks that the harness reports what it must:
//! a scenario whose expectation is wrong fails, and one that needs a missing capability is not
//! applicable by design (never passed).

use plasma_contracts::DEFAULT_MIN_EXIT_PERIOD;
use plasma_harness::{Backend, Outcome, Scenario, builtin_scenarios, compare, new_variant, run_scenario};
use plasma_integration_tests::{TestResult, backend};
use rstest::rstest;

async fn run(variant: &str, backend_name: &str, scenario: &Scenario) -> TestResult<plasma_harness::ScenarioRun> {
    let mut variant = new_variant(variant).ok_or("unknown variant")?;
    let chain = backend(backend_name).await?;
    Ok(run_scenario(variant.as_mut(), chain, scenario, DEFAULT_MIN_EXIT_PERIOD, None).await)
}

fn builtin(name: &str) -> TestResult<Scenario> {
    Ok(builtin_scenarios()?.into_iter().find(|s| s.name == name).ok_or("no such scenario")?)
}

#[rstest]
#[tokio::test]
async fn mvp_passes_every_builtin_scenario_on_the_embedded_evm(
    #[values(
        "honest-lifecycle",
        "deposit-exit",
        "exit-of-spent-output",
        "invalid-transaction",
        "double-spend",
        "mint",
        "withheld-block",
        "unconfirmed-payment",
        "same-output-twice",
        "self-transfer-drain",
        "self-transfer-drain-late",
        "self-transfer-drain-chain",
        "self-transfer-drain-chain-early"
    )]
    name: &str,
) -> TestResult {
    let result = run("mvp", "embedded", &builtin(name)?).await?;
    assert_eq!(result.outcome, Outcome::Pass, "{name}: {}", result.detail);
    assert!(result.records.iter().any(|r| r.label == "startExit" || r.label == "startDepositExit"));
    Ok(())
}

#[rstest]
#[tokio::test]
async fn mvp_lifecycle_and_faults_pass_on_anvil(
    #[values("honest-lifecycle", "invalid-transaction", "double-spend", "withheld-block")] name: &str,
) -> TestResult {
    let result = run("mvp", "anvil", &builtin(name)?).await?;
    assert_eq!(result.outcome, Outcome::Pass, "{name}: {}", result.detail);
    Ok(())
}

#[tokio::test]
async fn every_scenario_is_listed_in_the_tests() -> TestResult {
    // Keeps the rstest list above in step with the files under crates/harness/scenarios.
    assert_eq!(builtin_scenarios()?.len(), 13);
    Ok(())
}

#[tokio::test]
async fn a_wrong_expectation_fails_the_scenario() -> TestResult {
    let text = include_str!("../../crates/harness/scenarios/deposit-exit.toml")
        .replace("[expect.balance-change]\nalice = \"0 ether\"", "[expect.balance-change]\nalice = \"1 ether\"");
    let result = run("mvp", "embedded", &Scenario::from_toml(&text)?).await?;
    assert_eq!(result.outcome, Outcome::Fail);
    assert!(result.detail.contains("alice changed by 0 wei"), "{}", result.detail);
    Ok(())
}

#[tokio::test]
async fn a_missing_capability_is_not_applicable_by_design() -> TestResult {
    let text = include_str!("../../crates/harness/scenarios/deposit-exit.toml")
        .replace("actors = [\"alice\"]", "actors = [\"alice\"]\nrequires = [\"checkpoints\"]");
    let result = run("mvp", "embedded", &Scenario::from_toml(&text)?).await?;
    assert_eq!(result.outcome, Outcome::NotApplicable);
    assert!(result.detail.contains("checkpoints"), "{}", result.detail);
    assert!(result.records.is_empty(), "nothing ran");
    Ok(())
}

#[tokio::test]
async fn compare_reports_gas_per_function_and_outcomes_as_documented_json() -> TestResult {
    let scenarios = vec![builtin("honest-lifecycle")?, builtin("exit-of-spent-output")?];
    let report = compare(&["mvp".to_owned()], &Backend::Embedded, &scenarios).await?;
    assert!(report.all_passed());
    let json: serde_json::Value = serde_json::from_str(&report.to_json())?;
    assert_eq!(json["backend"], "embedded");
    let mvp = &json["variants"][0];
    assert_eq!(mvp["name"], "mvp");
    for function in ["deposit", "submitBlock", "startExit", "startDepositExit", "challengeExit", "processExits"] {
        let stats = &mvp["gas"][function];
        let (min, median, max) = (stats["min"].as_u64(), stats["median"].as_u64(), stats["max"].as_u64());
        assert!(
            matches!((min, median, max), (Some(a), Some(b), Some(c)) if a <= b && b <= c && a > 21_000),
            "{function}: {stats}"
        );
    }
    assert_eq!(mvp["scenarios"][1]["name"], "exit-of-spent-output");
    assert_eq!(mvp["scenarios"][1]["outcome"], "pass");
    assert!(report.to_markdown().contains("| `challengeExit` |"));
    Ok(())
}
