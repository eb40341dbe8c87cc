//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use policy_core::PolicyKind;

/// Fast, correct checks for AWS IAM policies.
#[derive(Debug, Parser)]
#[command(name = "iampol", version = crate::version_line(), about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check policy files for invalid or risky policies.
    Lint(LintArgs),
    /// List the actions an action pattern matches (`s3:Get*`), with access levels.
    Expand(ExpandArgs),
    /// List every rule.
    Rules(RulesArgs),
    /// Show one rule's documentation.
    Rule(RuleArgs),
}

/// `iampol lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files or directories (directories are walked for `*.json`). `-` reads standard input.
    #[arg(required_unless_present = "example")]
    pub paths: Vec<PathBuf>,
    /// Lint the embedded example policy instead of files.
    #[arg(long, conflicts_with = "paths")]
    pub example: bool,
    /// The kind of policy (default: inferred per file).
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<PolicyKind>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Only run these rules (codes, code prefixes or names; comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Never run these rules.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Print nothing when there are no findings, and no summary line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `iampol expand`.
#[derive(Debug, clap::Args)]
pub struct ExpandArgs {
    /// Action patterns, e.g. `s3:Get*` or `iam:*AccessKey*`.
    #[arg(required = true)]
    pub patterns: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// `iampol rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// `iampol rule`.
#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// A rule code (`C102`) or name (`unknown-action`).
    pub rule: String,
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Reports with the source snippet and help.
    Human,
    /// One line per finding: `path:line:col: CODE message`.
    Concise,
    /// One JSON array of findings.
    Json,
}

/// How lists are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table for people.
    Text,
    /// JSON.
    Json,
}

/// The `--fail-on` threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only errors fail.
    Error,
    /// Warnings and errors fail.
    Warning,
    /// Any finding fails.
    Note,
}

fn parse_kind(s: &str) -> Result<PolicyKind, String> {
    s.parse::<PolicyKind>().map_err(|e| {
        let kinds: Vec<&str> = PolicyKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("{e} (expected one of: {})", kinds.join(", "))
    })
}
