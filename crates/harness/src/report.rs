//! The comparison report: per variant, its capabilities, the gas per contract function and the
//! outcome of every scenario, as a terminal table, Markdown (side-by-side matrices first, then one
//! section per variant) or JSON.
//!
//! The JSON form is stable:
//! `{"backend": "embedded", "variants": [{"name": "mvp", "capabilities": {"fungible_amounts": true, ..},
//! "gas": {"<function>": {"min": .., "median": .., "max": .., "calls": .., "calldata_bytes": ..}},
//! "scenarios": [{"name": .., "outcome": "pass"|"fail"|"not-applicable", "detail": ..}]}]}`.

use std::fmt::Write as _;

use plasma_core::Capabilities;

use crate::{GasTable, Outcome, ScenarioRun, variant::CAPABILITY_NAMES};

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
    /// What the design supports.
    pub capabilities: Capabilities,
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
    pub fn from_runs(name: &str, capabilities: Capabilities, runs: &[ScenarioRun]) -> Self {
        let records: Vec<_> = runs.iter().flat_map(|run| run.records.iter().cloned()).collect();
        Self {
            name: name.to_owned(),
            capabilities,
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

    /// Markdown: the capability and scenario matrices side by side, then one section per variant.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# plasma-lab comparison ({} backend)\n", self.backend);
        self.capability_matrix(&mut out);
        self.scenario_matrix(&mut out);
        for variant in &self.variants {
            let _ = write!(
                out,
                "\n## {}\n\n| function | calls | min gas | median gas | max gas | calldata bytes |\n|---|---:|---:|---:|---:|---:|\n",
                variant.name
            );
            for (function, stats) in &variant.gas.0 {
                let _ = writeln!(
                    out,
                    "| `{function}` | {} | {} | {} | {} | {} |",
                    stats.calls, stats.min, stats.median, stats.max, stats.calldata_bytes
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

    /// One row per capability, one column per variant.
    fn capability_matrix(&self, out: &mut String) {
        out.push_str("\n## Capabilities\n\n| capability |");
        self.header(out);
        for name in CAPABILITY_NAMES {
            let _ = write!(out, "| {name} |");
            for variant in &self.variants {
                let has = crate::has_capability(&variant.capabilities, name) == Some(true);
                out.push_str(if has { " yes |" } else { " no |" });
            }
            out.push('\n');
        }
    }

    /// One row per scenario, one column per variant.
    fn scenario_matrix(&self, out: &mut String) {
        out.push_str("\n## Scenarios\n\n| scenario |");
        self.header(out);
        let names = self.variants.first().map(|v| v.scenarios.iter().map(|s| s.name.as_str()).collect::<Vec<_>>());
        for name in names.unwrap_or_default() {
            let _ = write!(out, "| {name} |");
            for variant in &self.variants {
                let outcome = variant.scenarios.iter().find(|s| s.name == name).map_or("", |s| outcome_word(s.outcome));
                let _ = write!(out, " {outcome} |");
            }
            out.push('\n');
        }
    }

    /// The variant columns of a matrix header, then its separator row.
    fn header(&self, out: &mut String) {
        for variant in &self.variants {
            let _ = write!(out, " {} |", variant.name);
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(self.variants.len()));
        out.push('\n');
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

impl CompareReport {
    /// Every chart of the report as (file stem, SVG text). Placeholder: no charts yet; the report's
    /// own charts replace it.
    pub fn charts(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}
