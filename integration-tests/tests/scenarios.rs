//! The built-in scenarios on every implemented variant: all on the embedded EVM (each passes, or is
//! not applicable by design exactly when the variant lacks a capability it names), the lifecycle
//! and some operator-fault scenarios on anvil too. Also checks that the harness reports what it must:
//! a scenario whose expectation is wrong fails, and one that needs a missing capability is not
//! applicable by design (never passed).

use plasma_contracts::DEFAULT_MIN_EXIT_PERIOD;
use plasma_harness::{
    Backend, Outcome, Scenario, builtin_scenarios, compare, has_capability, new_variant, run_scenario, variant_names,
};
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

/// The variants the tests below run; kept equal to the harness's list by a test.
const VARIANTS: [&str; 5] = ["mvp", "morevp", "cash", "xt", "debit"];

/// Pass when the variant has every capability the scenario names, else not applicable by design.
fn expected_outcome(variant: &str, scenario: &Scenario) -> TestResult<Outcome> {
    let capabilities = new_variant(variant).ok_or("unknown variant")?.capabilities();
    let capable = scenario.requires.iter().all(|name| has_capability(&capabilities, name) == Some(true));
    Ok(if capable { Outcome::Pass } else { Outcome::NotApplicable })
}

#[rstest]
#[tokio::test]
async fn every_variant_passes_every_builtin_scenario_it_can_express(
    #[values("mvp", "morevp", "cash", "xt", "debit")] variant: &str,
) -> TestResult {
    let mut problems = Vec::new();
    let mut passed = 0;
    for scenario in builtin_scenarios()? {
        let result = run(variant, "embedded", &scenario).await?;
        let expected = expected_outcome(variant, &scenario)?;
        if result.outcome != expected {
            problems.push(format!("{}: {:?}, expected {expected:?}: {}", scenario.name, result.outcome, result.detail));
        }
        if result.outcome == Outcome::Pass {
            assert!(result.records.iter().any(|r| r.label.starts_with("start")), "{}: nothing exited", scenario.name);
            passed += 1;
        }
    }
    assert!(problems.is_empty(), "{variant}:\n{}", problems.join("\n"));
    assert!(passed >= 3, "{variant} passed only {passed} scenarios");
    Ok(())
}

#[rstest]
#[tokio::test]
async fn lifecycle_and_fault_scenarios_pass_on_anvil(
    #[values(
        ("mvp", "honest-lifecycle"),
        ("mvp", "invalid-transaction"),
        ("mvp", "double-spend"),
        ("mvp", "withheld-block"),
        ("morevp", "honest-lifecycle"),
        ("morevp", "morevp-in-flight-exit"),
        ("morevp", "morevp-double-spend-in-flight"),
        ("cash", "cash-lifecycle"),
        ("cash", "cash-double-spend"),
        ("cash", "cash-invalid-history"),
        ("xt", "cash-lifecycle"),
        ("xt", "xt-false-bit"),
        ("xt", "xt-checkpoint-exit"),
        ("debit", "honest-lifecycle"),
        ("debit", "debit-stale-nonce")
    )]
    case: (&str, &str),
) -> TestResult {
    let (variant, name) = case;
    let result = run(variant, "anvil", &builtin(name)?).await?;
    assert_eq!(result.outcome, Outcome::Pass, "{variant} {name}: {}", result.detail);
    Ok(())
}

#[test]
fn the_tests_cover_every_variant_and_every_scenario_file() -> TestResult {
    assert_eq!(variant_names(), VARIANTS);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../crates/harness/scenarios");
    let mut files: Vec<String> = std::fs::read_dir(dir)?
        .map(|entry| Ok(entry?.file_name().to_string_lossy().trim_end_matches(".toml").to_owned()))
        .collect::<std::io::Result<_>>()?;
    files.sort();
    let mut builtin: Vec<String> = builtin_scenarios()?.into_iter().map(|s| s.name).collect();
    builtin.sort();
    assert_eq!(files, builtin, "every file under crates/harness/scenarios is built in, under its own name");
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

#[tokio::test]
async fn the_committed_comparison_is_what_a_fresh_run_produces() -> TestResult {
    // Regenerate with: cargo run --release -p plasma-cli -- compare --format md --out docs/comparison.md
    let names: Vec<String> = variant_names().into_iter().map(str::to_owned).collect();
    let report = compare(&names, &Backend::Embedded, &builtin_scenarios()?).await?;
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/comparison.md"))?;
    assert!(
        committed == report.to_markdown(),
        "docs/comparison.md is stale: regenerate it with \
         `cargo run --release -p plasma-cli -- compare --format md --out docs/comparison.md`"
    );
    Ok(())
}
