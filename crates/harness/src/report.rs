//! The comparison report: per variant, its capabilities, what its users must watch, the fault
//! matrix, gas per operation and per contract function, exit latency, the mass exit, and the
//! outcome of every scenario; as a terminal table, Markdown (side-by-side matrices first, then one
//! section per variant) or JSON.
//!
//! The JSON form is stable and only grows:
//! `{"backend": "embedded", "variants": [{"name": "mvp", "capabilities": {"fungible_amounts": true, ..},
//! "must_watch": "..", "operations": {"exit-start": {"min": .., "median": .., "max": .., "calls": ..,
//! "calldata_bytes": ..}, ..}, "faults": {"double-spend": {"outcome": "pass", "scenarios": [..]}, ..},
//! "gas": {"<function>": {"min": .., "median": .., "max": .., "calls": .., "calldata_bytes": ..}},
//! "mass_exit": [{"users": .., "exit_calls": .., "exit_gas": .., "processing_calls": ..,
//! "processing_gas": .., "exit_blocks": .., "processing_blocks": ..}],
//! "scenarios": [{"name": .., "outcome": "pass"|"fail"|"not-applicable", "detail": ..,
//! "latency": {"from": "fault"|"first-exit", "seconds": ..}|null}]}]}`.

use std::fmt::Write as _;

use std::collections::BTreeMap;

use plasma_core::Capabilities;

use crate::{
    FaultCell, FaultClass, GasTable, Latency, Operation, OperationTable, Outcome, Scenario, ScenarioRun,
    charts::{BarChart, Line, LineChart, Series},
    fault_cell,
    footprint::{BY_USERS_BLOCKS, Footprint, REFERENCE_USERS},
    mass_exit::{BATCH, BLOCK_GAS_LIMIT, MassExitPoint},
    variant::CAPABILITY_NAMES,
};

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
    /// What a user of the design must watch to stay safe.
    pub must_watch: String,
    /// Gas per kind of operation, over the successful calls of every scenario.
    pub operations: OperationTable,
    /// The fault matrix row of the variant: every class, with the scenarios that show it.
    pub faults: BTreeMap<FaultClass, FaultCell>,
    /// Gas per exit-game and framework function, over the successful calls of every scenario.
    pub gas: GasTable,
    /// The mass exit, per number of users (empty when not measured).
    pub mass_exit: Vec<MassExitPoint>,
    /// Bytes on the wire and what a user stores and downloads (when measured).
    pub footprint: Option<Footprint>,
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
    /// How long after the first fault (or exit) the last payout could be processed.
    pub latency: Option<Latency>,
}

impl VariantReport {
    /// Builds a variant's report from its runs of `scenarios` (in the same order).
    pub fn from_runs(
        name: &str,
        capabilities: Capabilities,
        must_watch: &str,
        scenarios: &[Scenario],
        runs: &[ScenarioRun],
    ) -> Self {
        let records: Vec<_> = runs.iter().flat_map(|run| run.records.iter().cloned()).collect();
        let summaries: Vec<ScenarioSummary> = runs
            .iter()
            .map(|run| ScenarioSummary {
                name: run.name.clone(),
                outcome: run.outcome,
                detail: run.detail.clone(),
                latency: run.latency,
            })
            .collect();
        let has = |needed: &str| crate::has_capability(&capabilities, needed) == Some(true);
        let faults =
            FaultClass::ALL.iter().map(|class| (*class, fault_cell(*class, has, scenarios, &summaries))).collect();
        Self {
            name: name.to_owned(),
            capabilities,
            must_watch: must_watch.to_owned(),
            operations: OperationTable::from_records(&records),
            faults,
            gas: GasTable::from_records(&records),
            mass_exit: Vec::new(),
            footprint: None,
            scenarios: summaries,
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

    /// Markdown: the side-by-side matrices, then one section per variant.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# plasma-lab comparison ({} backend)\n", self.backend);
        out.push_str(GENERATED_BY);
        for (title, about, matrix) in self.matrices() {
            let _ = write!(out, "\n## {title}\n\n{about}\n\n{}", matrix.to_markdown());
        }
        out.push_str("\n## Charts\n\n");
        for (stem, _) in self.charts() {
            let _ = writeln!(out, "![{stem}](comparison/{stem}.svg)\n");
        }
        for variant in &self.variants {
            let _ = write!(out, "\n## {}\n\n{}", variant.name, function_matrix(variant).to_markdown());
            out.push('\n');
            out.push_str(&scenario_detail_matrix(variant).to_markdown());
        }
        out
    }

    /// A plain terminal table: the side-by-side matrices, then each variant's gas per function
    /// and its scenarios that did not pass.
    pub fn to_table(&self) -> String {
        let mut out = format!("backend: {}\n", self.backend);
        for (title, _, matrix) in self.matrices() {
            let _ = write!(out, "\n{title}\n{}", matrix.to_text());
        }
        for variant in &self.variants {
            let _ = write!(out, "\n{}: gas per function\n{}", variant.name, function_matrix(variant).to_text());
            for scenario in variant.scenarios.iter().filter(|s| s.outcome != Outcome::Pass) {
                let _ =
                    writeln!(out, "  {:<14} {}: {}", outcome_word(scenario.outcome), scenario.name, scenario.detail);
            }
        }
        out
    }

    /// The matrices that put the variants side by side: title, what it shows, the matrix.
    fn matrices(&self) -> Vec<(&'static str, String, Matrix)> {
        let mass_exit_about = format!(
            "N users each exit one deposit-created output or coin at once (crates/harness/src/mass_exit.rs): gas per \
             user (exit start and its share of processing), and root-chain blocks of {} gas for the exit starts + the \
             processing calls (batches of {BATCH}). A week of 12-second blocks holds 50,400 blocks.",
            BLOCK_GAS_LIMIT
        );
        vec![
            ("Capabilities", CAPABILITIES_ABOUT.to_owned(), self.capability_matrix()),
            ("Fault matrix", FAULTS_ABOUT.to_owned(), self.fault_matrix()),
            ("Gas per operation", OPERATIONS_ABOUT.to_owned(), self.operation_matrix()),
            ("Exit latency", LATENCY_ABOUT.to_owned(), self.latency_matrix()),
            ("Mass exit", mass_exit_about, self.mass_exit_matrix()),
            ("Bytes on the wire", WIRE_ABOUT.to_owned(), self.wire_matrix()),
            ("What a user stores and downloads", self.storage_about(), self.storage_matrix()),
            ("Scenarios", SCENARIOS_ABOUT.to_owned(), self.scenario_matrix()),
        ]
    }

    /// A matrix with one column per variant after `first`.
    fn by_variant(&self, first: &str) -> Matrix {
        Matrix::new(std::iter::once(first.to_owned()).chain(self.variants.iter().map(|v| v.name.clone())))
    }

    fn capability_matrix(&self) -> Matrix {
        let mut matrix = self.by_variant("capability");
        for name in CAPABILITY_NAMES {
            let cells = self.variants.iter().map(|variant| {
                let has = crate::has_capability(&variant.capabilities, name) == Some(true);
                if has { "yes" } else { "no" }.to_owned()
            });
            matrix.row(name, cells);
        }
        matrix.row("user must watch", self.variants.iter().map(|v| v.must_watch.clone()));
        matrix
    }

    fn fault_matrix(&self) -> Matrix {
        let mut matrix = self.by_variant("fault");
        for class in FaultClass::ALL {
            let cells = self.variants.iter().map(|variant| match variant.faults.get(&class) {
                Some(FaultCell::Pass { scenarios }) => format!("pass ({})", scenarios.join(", ")),
                Some(FaultCell::Fail { scenarios }) => format!("FAIL ({})", scenarios.join(", ")),
                Some(FaultCell::NotApplicable { reason }) => format!("not applicable ({reason})"),
                Some(FaultCell::NotCovered) | None => "NOT COVERED".to_owned(),
            });
            matrix.row(class.name(), cells);
        }
        matrix
    }

    fn operation_matrix(&self) -> Matrix {
        let mut matrix = self.by_variant("operation");
        for operation in Operation::ALL {
            let cells = self.variants.iter().map(|variant| {
                variant.operations.get(operation).map_or_else(
                    || "-".to_owned(),
                    |stats| format!("{} ({}–{}, {} calls)", stats.median, stats.min, stats.max, stats.calls),
                )
            });
            matrix.row(operation.name(), cells);
        }
        for txs in [1_000u64, 65_536] {
            let cells = self.variants.iter().map(|variant| {
                variant
                    .operations
                    .get(Operation::BlockSubmission)
                    .map_or_else(|| "-".to_owned(), |stats| format!("{:.2}", stats.median as f64 / txs as f64))
            });
            matrix.row(&format!("block submission per tx, {txs} txs per block"), cells);
        }
        matrix
    }

    fn latency_matrix(&self) -> Matrix {
        let mut matrix = self.by_variant("scenario (counted from)");
        let names = self.variants.first().map(|v| v.scenarios.iter().map(|s| s.name.clone()).collect::<Vec<_>>());
        for name in names.unwrap_or_default() {
            let latencies: Vec<Option<Latency>> = self
                .variants
                .iter()
                .map(|variant| variant.scenarios.iter().find(|s| s.name == name).and_then(|s| s.latency))
                .collect();
            let Some(from) = latencies.iter().flatten().next().map(|latency| latency.from) else { continue };
            let from = match from {
                crate::LatencyStart::Fault => "fault",
                crate::LatencyStart::FirstExit => "first exit",
            };
            let cells = latencies.iter().map(|latency| latency.map_or_else(|| "-".to_owned(), |l| days(l.seconds)));
            matrix.row(&format!("{name} ({from})"), cells);
        }
        matrix
    }

    fn mass_exit_matrix(&self) -> Matrix {
        let mut matrix = self.by_variant("users");
        let counts = self.variants.first().map(|v| v.mass_exit.iter().map(|p| p.users).collect::<Vec<_>>());
        for users in counts.unwrap_or_default() {
            let cells = self.variants.iter().map(|variant| {
                variant.mass_exit.iter().find(|p| p.users == users).map_or_else(
                    || "-".to_owned(),
                    |point| {
                        format!(
                            "{} gas per user; {} + {} blocks",
                            point.gas_per_user(),
                            point.exit_blocks,
                            point.processing_blocks
                        )
                    },
                )
            });
            matrix.row(&users.to_string(), cells);
        }
        matrix
    }

    fn wire_matrix(&self) -> Matrix {
        let mut matrix = self.by_variant("bytes");
        let sizes = |pick: fn(&Footprint) -> Option<usize>| {
            self.variants
                .iter()
                .map(move |v| v.footprint.as_ref().and_then(pick).map_or_else(|| "-".to_owned(), |n| n.to_string()))
        };
        matrix.row("one-input payment, signed", sizes(|f| Some(f.sizes.tx_bytes)));
        matrix.row("inclusion proof (median)", sizes(|f| Some(f.sizes.inclusion_proof_bytes)));
        matrix.row("non-inclusion proof (median)", sizes(|f| f.sizes.exclusion_proof_bytes));
        matrix.row("block of the reference load", sizes(|f| Some(f.sizes.block_bytes)));
        matrix.row("payments in that block", sizes(|f| Some(f.sizes.block_txs)));
        let exit_calldata = self.variants.iter().map(|variant| {
            variant
                .operations
                .get(Operation::ExitStart)
                .map_or_else(|| "-".to_owned(), |s| s.calldata_bytes.to_string())
        });
        matrix.row("exit start calldata (median over the scenarios)", exit_calldata);
        matrix
    }

    fn storage_about(&self) -> String {
        format!(
            "One user holding one coin or output, on a chain where one user in ten pays in every block \
             (crates/harness/src/footprint.rs): bytes it stores / bytes it downloaded, after b blocks with \
             {REFERENCE_USERS} users, and after {BY_USERS_BLOCKS} blocks with u users."
        )
    }

    fn storage_matrix(&self) -> Matrix {
        let mut matrix = self.by_variant("load");
        let points = |pick: fn(&Footprint) -> &Vec<crate::footprint::StoragePoint>| {
            self.variants.first().and_then(|v| v.footprint.as_ref()).map(|f| pick(f).len()).unwrap_or(0)
        };
        for (label, pick) in [
            ("b", (|f: &Footprint| &f.by_blocks) as fn(&Footprint) -> &Vec<crate::footprint::StoragePoint>),
            ("u", |f: &Footprint| &f.by_users),
        ] {
            for index in 0..points(pick) {
                let point = |v: &VariantReport| v.footprint.as_ref().and_then(|f| pick(f).get(index).cloned());
                let Some(first) = self.variants.first().and_then(point) else { continue };
                let cells = self.variants.iter().map(|v| {
                    point(v).map_or_else(
                        || "-".to_owned(),
                        |p| format!("{} / {}", human_bytes(p.stored_bytes), human_bytes(p.downloaded_bytes)),
                    )
                });
                let value = if label == "b" { first.blocks } else { first.users };
                matrix.row(&format!("{label} = {value}"), cells);
            }
        }
        let lines = |pick: fn(&Footprint) -> &'static str| {
            self.variants.iter().map(move |v| v.footprint.as_ref().map_or("-", pick).to_owned())
        };
        matrix.row("what it stores", lines(|f| f.stored));
        matrix.row("what it downloads", lines(|f| f.downloaded));
        matrix
    }

    fn scenario_matrix(&self) -> Matrix {
        let mut matrix = self.by_variant("scenario");
        let names = self.variants.first().map(|v| v.scenarios.iter().map(|s| s.name.clone()).collect::<Vec<_>>());
        for name in names.unwrap_or_default() {
            let cells = self.variants.iter().map(|variant| {
                variant.scenarios.iter().find(|s| s.name == name).map_or("", |s| outcome_word(s.outcome)).to_owned()
            });
            matrix.row(&name, cells);
        }
        matrix
    }
}

const GENERATED_BY: &str = "\nGenerated by `cargo run --release -p plasma-cli -- compare --out-dir docs` from recorded runs on \
the embedded EVM (gas is deterministic there); `cargo test` checks that this file and its charts match a fresh run.\n";

const CAPABILITIES_ABOUT: &str = "What each design supports, and what a user's software must watch to stay safe.";

const FAULTS_ABOUT: &str = "Every class of misbehaviour against every design: the scenarios of that class the design can \
express, each of which checks that honest users end with exactly what they own and that the framework holds exactly \
what it still owes. A class is read from the scenario's steps (docs/scenarios.md).";

const OPERATIONS_ABOUT: &str = "Gas of the successful root-chain calls of every scenario, grouped by what they do: median \
(min–max, calls). A block's root costs the same whatever the block holds, so the per-transaction figures divide the \
measured median by the block's size.";

const LATENCY_ABOUT: &str = "Days from the first fault of a scenario (or its first exit when it has none) until the last \
exit that paid out became processable, read from the framework's exit queue: the protocol's delay, not the scenario's \
schedule. Exit period: one week.";

const WIRE_ABOUT: &str = "Sizes of real encoded objects of each design's crate, at the reference load of \
crates/harness/src/footprint.rs (1,000 users, one in ten paying per block). MVP and MoreVP have no non-inclusion \
proofs: their users download whole blocks instead.";

const SCENARIOS_ABOUT: &str = "Every built-in scenario on every design; \"not applicable\" means the design cannot express \
it (the reason is in the variant's section), never that it was skipped.";

/// A byte count with a decimal unit (B, kB, MB, GB).
fn human_bytes(bytes: u64) -> String {
    let units = [(1e9, "GB"), (1e6, "MB"), (1e3, "kB")];
    let value = bytes as f64;
    units
        .iter()
        .find(|(scale, _)| value >= *scale)
        .map_or_else(|| format!("{bytes} B"), |(scale, unit)| format!("{:.1} {unit}", value / scale))
}

/// `seconds` in days, two decimals.
fn days(seconds: u64) -> String {
    format!("{:.2} d", seconds as f64 / 86_400.0)
}

/// One variant's gas per contract function.
fn function_matrix(variant: &VariantReport) -> Matrix {
    let mut matrix = Matrix::new(
        ["function", "calls", "min gas", "median gas", "max gas", "calldata bytes"].into_iter().map(str::to_owned),
    );
    for (function, stats) in &variant.gas.0 {
        let cells = [stats.calls, stats.min as usize, stats.median as usize, stats.max as usize, stats.calldata_bytes];
        matrix.row(&format!("`{function}`"), cells.iter().map(ToString::to_string));
    }
    matrix
}

/// One variant's scenarios with what happened in each.
fn scenario_detail_matrix(variant: &VariantReport) -> Matrix {
    let mut matrix = Matrix::new(["scenario", "outcome", "detail"].into_iter().map(str::to_owned));
    for scenario in &variant.scenarios {
        matrix.row(&scenario.name, [outcome_word(scenario.outcome).to_owned(), scenario.detail.clone()]);
    }
    matrix
}

/// A table of text cells, rendered as Markdown or as aligned plain text.
struct Matrix {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Matrix {
    fn new(header: impl Iterator<Item = String>) -> Self {
        Self { header: header.collect(), rows: Vec::new() }
    }

    fn row(&mut self, first: &str, cells: impl IntoIterator<Item = String>) {
        self.rows.push(std::iter::once(first.to_owned()).chain(cells).collect());
    }

    fn to_markdown(&self) -> String {
        let line = |cells: &[String]| {
            let escaped: Vec<String> = cells.iter().map(|cell| cell.replace('|', "\\|")).collect();
            format!("| {} |\n", escaped.join(" | "))
        };
        let mut out = line(&self.header);
        out.push_str(&format!("|{}\n", "---|".repeat(self.header.len())));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }

    fn to_text(&self) -> String {
        let width = |column: usize| {
            std::iter::once(&self.header)
                .chain(&self.rows)
                .filter_map(|row| row.get(column))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.header.len()).map(width).collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> =
                cells.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}", width = *width)).collect();
            format!("  {}\n", padded.join("  ").trim_end())
        };
        std::iter::once(&self.header).chain(&self.rows).map(|row| line(row)).collect()
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
    /// Every chart of the report as (file stem, SVG text), drawn from the same figures as the
    /// tables: gas per operation, the mass exit, and what a user stores and downloads.
    pub fn charts(&self) -> Vec<(String, String)> {
        let mut charts = vec![("gas-per-operation".to_owned(), self.operation_chart().to_svg())];
        if self.variants.iter().any(|v| !v.mass_exit.is_empty()) {
            charts.push(("mass-exit-blocks".to_owned(), self.mass_exit_chart().to_svg()));
        }
        if self.variants.iter().any(|v| v.footprint.is_some()) {
            charts.push(("stored-bytes-by-blocks".to_owned(), self.stored_by_blocks_chart().to_svg()));
            charts.push(("downloaded-bytes-by-users".to_owned(), self.downloaded_by_users_chart().to_svg()));
        }
        charts
    }

    fn operation_chart(&self) -> BarChart {
        let operations: Vec<Operation> = Operation::ALL
            .into_iter()
            .filter(|op| self.variants.iter().any(|v| v.operations.get(*op).is_some()))
            .collect();
        BarChart {
            title: "Median gas per operation".into(),
            y_label: "gas (log scale)".into(),
            categories: operations.iter().map(|op| op.name().to_owned()).collect(),
            series: self
                .variants
                .iter()
                .map(|v| Series {
                    name: v.name.clone(),
                    values: operations.iter().map(|op| v.operations.get(*op).map(|s| s.median as f64)).collect(),
                })
                .collect(),
            log_y: true,
        }
    }

    fn mass_exit_chart(&self) -> LineChart {
        LineChart {
            title: "Mass exit: root-chain blocks of 30M gas for N users to exit".into(),
            x_label: "users exiting (log scale)".into(),
            y_label: "blocks, exit starts + processing (log scale)".into(),
            lines: self
                .variants
                .iter()
                .map(|v| Line {
                    name: v.name.clone(),
                    points: v
                        .mass_exit
                        .iter()
                        .map(|p| (p.users as f64, (p.exit_blocks + p.processing_blocks) as f64))
                        .collect(),
                })
                .collect(),
            log_x: true,
            log_y: true,
        }
    }

    fn stored_by_blocks_chart(&self) -> LineChart {
        self.storage_chart(
            format!("Bytes one user stores, by blocks ({REFERENCE_USERS} users)"),
            "child blocks (log scale)",
            |f| f.by_blocks.iter().map(|p| (p.blocks as f64, p.stored_bytes as f64)).collect(),
        )
    }

    fn downloaded_by_users_chart(&self) -> LineChart {
        self.storage_chart(
            format!("Bytes one user downloads over {BY_USERS_BLOCKS} blocks, by users"),
            "users on the chain (log scale)",
            |f| f.by_users.iter().map(|p| (p.users as f64, p.downloaded_bytes as f64)).collect(),
        )
    }

    fn storage_chart(&self, title: String, x_label: &str, points: fn(&Footprint) -> Vec<(f64, f64)>) -> LineChart {
        LineChart {
            title,
            x_label: x_label.to_owned(),
            y_label: "bytes (log scale)".into(),
            lines: self
                .variants
                .iter()
                .filter_map(|v| Some(Line { name: v.name.clone(), points: points(v.footprint.as_ref()?) }))
                .collect(),
            log_x: true,
            log_y: true,
        }
    }
}
