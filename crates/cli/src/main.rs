//! `plasma`: the command-line entry point of plasma-lab.
//!
//! - `plasma list`: the root-chain backends and the implemented variants.
//! - `plasma compare`: runs the built-in scenarios on the chosen variants and prints, per variant,
//!   the gas per contract function and every scenario's outcome (table, Markdown or JSON).
//!   `--out-dir DIR` writes the Markdown report to `DIR/comparison.md` and every chart to
//!   `DIR/comparison/<name>.svg` instead. While it runs, a progress bar on standard error shows
//!   the units of work done, the time elapsed and the current unit; it is hidden when standard
//!   error is not a terminal and cleared at the end, so piped output is unchanged.
//! - `plasma scenario run FILE`: runs one scenario file the same way.
//! - `plasma bench`: operator throughput and block building against this machine's
//!   signature-recovery limit (build with `--release`).
//!
//! Bad arguments print a usage message and exit with status 2; a failed scenario makes the exit
//! status 1. Nothing here panics on user input.

use std::{
    io::IsTerminal as _,
    path::{Path, PathBuf},
    process::ExitCode,
    time::Duration,
};

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use plasma_harness::{Backend, CompareReport, Progress, Scenario, Studies};

/// plasma-lab: Plasma designs on one root chain, compared on the same work.
#[derive(Debug, Parser)]
#[command(name = "plasma", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the root-chain backends and the implemented variants.
    List,
    /// Run the built-in scenarios on the chosen variants and report gas and outcomes.
    Compare(RunArgs),
    /// Scenario files.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Measure operator throughput and block building against the signature-recovery limit.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// Comma-separated variants (default: all that have a bench).
    #[arg(long, value_delimiter = ',')]
    variants: Vec<String>,
    /// One-input payments to submit, at most 65,536 (one full block).
    #[arg(long, default_value_t = 65_536, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    txs: u32,
    /// Unspent outputs or coins held when measuring operator memory.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    utxos: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = BenchFormat::Table)]
    format: BenchFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BenchFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
enum ScenarioCommand {
    /// Run one scenario file (TOML, see docs/scenarios.md) on the chosen variants.
    Run {
        /// The scenario file.
        file: PathBuf,
        #[command(flatten)]
        run: RunArgs,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Comma-separated variants (default: all implemented).
    #[arg(long, value_delimiter = ',')]
    variants: Vec<String>,
    /// Root-chain backend.
    #[arg(long, value_enum, default_value_t = BackendArg::Embedded)]
    backend: BackendArg,
    /// JSON-RPC URL of an Ethereum node that moves time on request, as anvil and hardhat do
    /// (implies --backend rpc).
    #[arg(long, requires = "private_key")]
    rpc_url: Option<String>,
    /// A funded private key (hex) on that node: the operator's, and the one the scenario's actors
    /// are funded from (fresh keys, swept back at the end of each run).
    #[arg(long, requires = "rpc_url")]
    private_key: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the Markdown report to DIR/comparison.md and every chart to DIR/comparison/NAME.svg.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "format"])]
    out_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Embedded,
    Anvil,
    Rpc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Md,
    Json,
}

fn list() -> String {
    let mut out = String::from("backends:\n");
    out.push_str("  embedded  revm in process (default): deterministic, nothing to install\n");
    out.push_str(&format!(
        "  anvil     the pinned anvil binary, spawned ({})\n",
        plasma_rootchain::anvil_path().display()
    ));
    out.push_str("  rpc       any JSON-RPC node, one funded key: --rpc-url URL --private-key HEX\n");
    out.push_str("variants:\n");
    let names = plasma_harness::variant_names();
    if names.is_empty() {
        out.push_str("  (none implemented yet)\n");
    }
    for variant in names.into_iter().filter_map(plasma_harness::new_variant) {
        out.push_str(&format!("  {:<9} {}\n", variant.name(), variant.summary()));
    }
    out
}

fn backend(args: &RunArgs) -> Result<Backend, String> {
    match (args.backend, &args.rpc_url, &args.private_key) {
        (BackendArg::Embedded | BackendArg::Rpc, Some(url), Some(key)) => {
            Ok(Backend::Rpc { url: url.clone(), private_key: key.clone() })
        }
        (BackendArg::Rpc, _, _) => Err("--backend rpc needs --rpc-url and --private-key".into()),
        (BackendArg::Anvil, Some(_), _) => Err("--rpc-url cannot be combined with --backend anvil".into()),
        (BackendArg::Embedded, _, _) => Ok(Backend::Embedded),
        (BackendArg::Anvil, _, _) => Ok(Backend::Anvil),
    }
}

fn render(report: &CompareReport, format: Format) -> String {
    match format {
        Format::Table => report.to_table(),
        Format::Md => report.to_markdown(),
        Format::Json => report.to_json() + "\n",
    }
}

async fn run(args: RunArgs, scenarios: Vec<Scenario>, studies: Studies) -> Result<bool, String> {
    let backend = backend(&args)?;
    let variants = if args.variants.is_empty() {
        plasma_harness::variant_names().into_iter().map(str::to_owned).collect()
    } else {
        args.variants.clone()
    };
    if variants.is_empty() {
        return Err("no variant is implemented yet".into());
    }
    let bar = progress_bar();
    let result = plasma_harness::compare_with_progress(&variants, &backend, &scenarios, &studies, &mut |p| {
        show_progress(&bar, p)
    })
    .await;
    bar.finish_and_clear();
    let report = result.map_err(|err| err.to_string())?;
    match (&args.out_dir, &args.out) {
        (Some(dir), _) => write_out_dir(dir, &report)?,
        (None, Some(path)) => write_file(path, &render(&report, args.format))?,
        (None, None) => print!("{}", render(&report, args.format)),
    }
    Ok(report.all_passed())
}

/// A progress bar on standard error, hidden when standard error is not a terminal.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("[{bar:30}] {pos}/{len} {elapsed_precise} {wide_msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

/// Moves the bar to `progress`; the total is set every time because it may grow during the run.
fn show_progress(bar: &ProgressBar, progress: Progress<'_>) {
    bar.set_length(progress.total as u64);
    bar.set_position(progress.done as u64);
    bar.set_message(progress.what.to_owned());
}

/// `DIR/comparison.md` (the Markdown report) and `DIR/comparison/<name>.svg` (every chart).
fn write_out_dir(dir: &Path, report: &CompareReport) -> Result<(), String> {
    let charts_dir = dir.join("comparison");
    std::fs::create_dir_all(&charts_dir).map_err(|err| format!("cannot write {}: {err}", charts_dir.display()))?;
    write_file(&dir.join("comparison.md"), &report.to_markdown())?;
    for (stem, svg) in report.charts() {
        if stem.is_empty() || stem.starts_with('.') || stem.contains(['/', '\\']) {
            return Err(format!("cannot write chart {stem:?}: not a plain file name"));
        }
        write_file(&charts_dir.join(format!("{stem}.svg")), &svg)?;
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|err| format!("cannot write {}: {err}", path.display()))
}

async fn execute(command: Command) -> Result<bool, String> {
    match command {
        Command::List => {
            print!("{}", list());
            Ok(true)
        }
        Command::Compare(args) => {
            let scenarios = plasma_harness::builtin_scenarios().map_err(|err| err.to_string())?;
            run(args, scenarios, Studies::all()).await
        }
        Command::Bench(args) => {
            let names = if args.variants.is_empty() {
                plasma_harness::bench::bench_variant_names().into_iter().map(str::to_owned).collect()
            } else {
                args.variants
            };
            let report = plasma_harness::bench::bench(&names, args.txs as usize, args.utxos as usize)
                .map_err(|err| err.to_string())?;
            match args.format {
                BenchFormat::Table => print!("{}", report.to_table()),
                BenchFormat::Json => println!("{}", report.to_json()),
            }
            Ok(true)
        }
        Command::Scenario(ScenarioCommand::Run { file, run: args }) => {
            let text =
                std::fs::read_to_string(&file).map_err(|err| format!("cannot read {}: {err}", file.display()))?;
            let scenario = Scenario::from_toml(&text).map_err(|err| format!("{}: {err}", file.display()))?;
            run(args, vec![scenario], Studies::none()).await
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("plasma: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli.command)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("plasma: {message}");
            ExitCode::from(1)
        }
    }
}
