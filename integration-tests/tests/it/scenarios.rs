//! The built-in scenarios on every implemented variant: all on the embedded EVM (each passes, or is
//! not applicable by design exactly when the variant lacks a capability it names), the lifecycle
//! and some operator-fault scenarios on anvil too. Also checks that the harness reports what it must:
//! a scenario whose expectation is wrong fails, and one that needs a missing capability is not
//! applicable by design (never passed).

use plasma_contracts::DEFAULT_MIN_EXIT_PERIOD;
use plasma_harness::{
    Backend, FaultCell, FaultClass, Outcome, Scenario, Studies, VariantReport, builtin_scenarios, compare,
    compare_with_progress, has_capability, new_variant, run_scenario, variant_names,
};
use plasma_integration_tests::{TestResult, backend};
use rstest::rstest;

async fn run(variant: &str, backend_name: &str, scenario: &Scenario) -> TestResult<plasma_harness::ScenarioRun> {
    let mut variant = new_variant(variant).ok_or("unknown variant")?;
    let chain = backend(backend_name).await?;
    Ok(run_scenario(variant.as_mut(), chain, scenario, DEFAULT_MIN_EXIT_PERIOD, None).await)
}

/// The `deposit-exit` scenario with `from` replaced by `to`, run on MVP on the embedded EVM.
async fn run_edited_deposit_exit(from: &str, to: &str) -> TestResult<plasma_harness::ScenarioRun> {
    let text = include_str!("../../../crates/harness/scenarios/deposit-exit.toml").replace(from, to);
    run("mvp", "embedded", &Scenario::from_toml(&text)?).await
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
    let scenarios = builtin_scenarios()?;
    let mut runs = Vec::new();
    for scenario in &scenarios {
        let result = run(variant, "embedded", scenario).await?;
        let expected = expected_outcome(variant, scenario)?;
        if result.outcome != expected {
            problems.push(format!("{}: {:?}, expected {expected:?}: {}", scenario.name, result.outcome, result.detail));
        }
        if result.outcome == Outcome::Pass {
            assert!(result.records.iter().any(|r| r.label.starts_with("start")), "{}: nothing exited", scenario.name);
            passed += 1;
        }
        runs.push(result);
    }
    assert!(problems.is_empty(), "{variant}:\n{}", problems.join("\n"));
    assert!(passed >= 3, "{variant} passed only {passed} scenarios");
    assert_fault_matrix_passes(variant, &scenarios, &runs)
}

/// Every fault class is met by at least one scenario the variant passes (each checks exact funds
/// and the framework's solvency), unless the design lacks the capability the class needs.
fn assert_fault_matrix_passes(
    variant: &str,
    scenarios: &[Scenario],
    runs: &[plasma_harness::ScenarioRun],
) -> TestResult {
    let described = new_variant(variant).ok_or("unknown variant")?;
    let report = VariantReport::from_runs(variant, described.capabilities(), described.must_watch(), scenarios, runs);
    for class in FaultClass::ALL {
        let cell = report.faults.get(&class).ok_or("a fault class is missing from the matrix")?;
        let lacks = class.needs().is_some_and(|needed| has_capability(&described.capabilities(), needed) != Some(true));
        match cell {
            FaultCell::Pass { scenarios } => assert!(!lacks && !scenarios.is_empty(), "{variant} {class:?}: {cell:?}"),
            FaultCell::NotApplicable { .. } => assert!(lacks, "{variant} {class:?} is not applicable but could be"),
            FaultCell::Fail { .. } | FaultCell::NotCovered => {
                return Err(format!("{variant} {class:?}: {cell:?}").into());
            }
        }
    }
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
    let (from, to) = ("[expect.balance-change]\nalice = \"0 ether\"", "[expect.balance-change]\nalice = \"1 ether\"");
    let result = run_edited_deposit_exit(from, to).await?;
    assert_eq!(result.outcome, Outcome::Fail);
    assert!(result.detail.contains("alice changed by 0 wei"), "{}", result.detail);
    Ok(())
}

#[tokio::test]
async fn a_missing_capability_is_not_applicable_by_design() -> TestResult {
    let result =
        run_edited_deposit_exit("actors = [\"alice\"]", "actors = [\"alice\"]\nrequires = [\"checkpoints\"]").await?;
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
    let exit_start = &mvp["operations"]["exit-start"];
    let calls = |function: &str| mvp["gas"][function]["calls"].as_u64().unwrap_or(0);
    assert_eq!(exit_start["calls"].as_u64(), Some(calls("startExit") + calls("startDepositExit")));
    assert_eq!(mvp["faults"]["spent-exit"]["outcome"], "pass");
    assert_eq!(mvp["faults"]["spent-exit"]["scenarios"][0], "exit-of-spent-output");
    assert_eq!(mvp["faults"]["false-checkpoint"]["outcome"], "not-applicable");
    assert_eq!(mvp["faults"]["mint"]["outcome"], "not-covered", "no mint scenario was run");
    // Child-chain outputs of MVP wait two exit periods from their block (protocols.md 1.4).
    assert_eq!(mvp["scenarios"][0]["latency"]["from"], "first-exit");
    assert_eq!(mvp["scenarios"][0]["latency"]["seconds"].as_u64(), Some(2 * DEFAULT_MIN_EXIT_PERIOD));
    assert_eq!(mvp["scenarios"][1]["latency"]["from"], "fault");
    assert!(report.to_markdown().contains("| `challengeExit` |"));
    Ok(())
}

#[tokio::test]
async fn the_committed_comparison_is_what_a_fresh_run_produces() -> TestResult {
    // Regenerate with: cargo run --release -p plasma-cli -- compare --out-dir docs
    let names: Vec<String> = variant_names().into_iter().map(str::to_owned).collect();
    let report =
        compare_with_progress(&names, &Backend::Embedded, &builtin_scenarios()?, &Studies::all(), &mut |_| {}).await?;
    let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs");
    let stale = "is stale: regenerate the report with `cargo run --release -p plasma-cli -- compare --out-dir docs`";
    let committed = std::fs::read_to_string(format!("{docs}/comparison.md"))?;
    assert!(committed == report.to_markdown(), "docs/comparison.md {stale}");
    let charts = report.charts();
    assert!(charts.len() >= 4, "gas, mass exit, storage and download charts");
    for (stem, svg) in &charts {
        let committed = std::fs::read_to_string(format!("{docs}/comparison/{stem}.svg"))?;
        assert!(committed == *svg, "docs/comparison/{stem}.svg {stale}");
    }
    let mut files: Vec<String> = std::fs::read_dir(format!("{docs}/comparison"))?
        .map(|entry| Ok(entry?.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    files.sort();
    let mut expected: Vec<String> = charts.iter().map(|(stem, _)| format!("{stem}.svg")).collect();
    expected.sort();
    assert_eq!(files, expected, "docs/comparison holds exactly the report's charts");
    assert!(report.all_passed());
    for variant in &report.variants {
        assert_eq!(variant.mass_exit.len(), plasma_harness::mass_exit::USER_COUNTS.len(), "{}", variant.name);
        assert!(variant.footprint.is_some(), "{}", variant.name);
    }
    Ok(())
}
