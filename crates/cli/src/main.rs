//! `plasma`: the command-line entry point of plasma-lab.
//!
//! `plasma list` prints the root-chain backends and the variants implemented so far. Bad arguments
//! print a usage message and exit with status 2; nothing here panics on user input.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// plasma-lab: five Plasma designs on one root chain, compared on the same work.
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
}

fn list() -> String {
    let mut out = String::from("backends:\n");
    out.push_str("  embedded  revm in process (default): deterministic, nothing to install\n");
    out.push_str(&format!(
        "  anvil     the pinned anvil binary, spawned ({})\n",
        plasma_rootchain::anvil_path().display()
    ));
    out.push_str("  rpc       any JSON-RPC node, given --rpc-url and --private-key\n");
    out.push_str("variants:\n");
    let variants = plasma_harness::variants();
    if variants.is_empty() {
        out.push_str("  (none implemented yet)\n");
    }
    for variant in variants {
        out.push_str(&format!("  {:<9} {}\n", variant.name, variant.summary));
    }
    out
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List => print!("{}", list()),
    }
    ExitCode::SUCCESS
}
