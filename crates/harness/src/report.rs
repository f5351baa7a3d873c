//! The comparison report: per variant, the gas per contract function and the outcome of every
//! scenario, as a terminal table, Markdown or JSON.
//!
//! The JSON form is stable:
//! `{"backend": "embedded", "variants": [{"name": "mvp", "gas": {"<function>": {"min": .., "median": ..,
//! "max": .., "calls": .., "calldata_bytes": ..}}, "scenarios": [{"name": .., "outcome":
//! "pass"|"fail"|"not-applicable", "detail": ..}]}]}`.

use std::fmt::Write as _;

use crate::{GasTable, Outcome, ScenarioRun};

/// Everything `plasma compare` prints.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CompareReport {
    /// `embedded`, `anvil` or `rpc`.
    pub backend: String,
    /// One entry per variant, in the order asked.
    pub variants: Vec<VariantReport>,
}

/// One variant's results.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VariantReport {
    /// The variant's name.
    pub name: String,
    /// Gas per exit-game and framework function, over the successful calls of every scenario.
    pub gas: GasTable,
    /// Every scenario's outcome.
    pub scenarios: Vec<ScenarioSummary>,
}

/// One scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScenarioSummary {
    /// The scenario's name.
    pub name: String,
    /// Pass, fail, or not applicable by design.
    pub outcome: Outcome,
    /// Why, or what happened.
    pub detail: String,
}

impl VariantReport {
    /// Builds a variant's report from its scenario runs.
    pub fn from_runs(name: &str, runs: &[ScenarioRun]) -> Self {
        let records: Vec<_> = runs.iter().flat_map(|run| run.records.iter().cloned()).collect();
        Self {
            name: name.to_owned(),
            gas: GasTable::from_records(&records),
            scenarios: runs
                .iter()
                .map(|run| ScenarioSummary { name: run.name.clone(), outcome: run.outcome, detail: run.detail.clone() })
                .collect(),
        }
    }
}

impl CompareReport {
    /// Whether no scenario failed.
    pub fn all_passed(&self) -> bool {
        self.variants.iter().flat_map(|v| &v.scenarios).all(|s| s.outcome != Outcome::Fail)
    }

    /// The stable JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|err| format!("{{\"error\": \"{err}\"}}"))
    }

    /// Markdown tables, one section per variant.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# plasma-lab comparison ({} backend)\n", self.backend);
        for variant in &self.variants {
            let _ = write!(
                out,
                "\n## {}\n\n| function | calls | min gas | median gas | max gas |\n|---|---:|---:|---:|---:|\n",
                variant.name
            );
            for (function, stats) in &variant.gas.0 {
                let _ = writeln!(
                    out,
                    "| `{function}` | {} | {} | {} | {} |",
                    stats.calls, stats.min, stats.median, stats.max
                );
            }
            out.push_str("\n| scenario | outcome | detail |\n|---|---|---|\n");
            for scenario in &variant.scenarios {
                let detail = scenario.detail.replace('|', "\\|");
                let _ = writeln!(out, "| {} | {} | {} |", scenario.name, outcome_word(scenario.outcome), detail);
            }
        }
        out
    }

    /// A plain terminal table.
    pub fn to_table(&self) -> String {
        let mut out = format!("backend: {}\n", self.backend);
        for variant in &self.variants {
            let _ = writeln!(
                out,
                "\n{}\n  {:<28} {:>6} {:>10} {:>10} {:>10} {:>9}",
                variant.name, "function", "calls", "min gas", "median", "max", "calldata"
            );
            for (function, stats) in &variant.gas.0 {
                let _ = writeln!(
                    out,
                    "  {function:<28} {:>6} {:>10} {:>10} {:>10} {:>9}",
                    stats.calls, stats.min, stats.median, stats.max, stats.calldata_bytes
                );
            }
            out.push('\n');
            for scenario in &variant.scenarios {
                let _ = writeln!(out, "  {:<14} {}", outcome_word(scenario.outcome), scenario.name);
                if scenario.outcome != Outcome::Pass {
                    let _ = writeln!(out, "  {:<14} {}", "", scenario.detail);
                }
            }
        }
        out
    }
}

fn outcome_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Fail => "FAIL",
        Outcome::NotApplicable => "not applicable",
    }
}
