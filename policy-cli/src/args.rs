//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use policy_core::PolicyKind;

/// Fast, correct checks for AWS IAM policies.
#[derive(Debug, Parser)]
// The version, which needs the IAM reference decoded, is set in `main`.
#[command(name = "iampol", about, long_about = None)]
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
    /// Decide the requests of scenario files, and check their expected decisions.
    Eval(EvalArgs),
    /// Decide one request: can PRINCIPAL do ACTION on RESOURCE?
    Can(Box<CanArgs>),
    /// Exact answers about every request: does a changed policy allow anything new?
    Check(CheckArgs),
    /// The access a changed policy adds and removes, by service and access level.
    ///
    /// Exit 0: nothing added (removing access alone is 0); 1: some access added, each with a
    /// request that shows it; 2: a file could not be read or compared, some access was not
    /// decided (UNKNOWN, with the reason), or `git` could not run or REV is not a commit.
    Diff(DiffArgs),
    /// Write identity policies from recorded activity (`CloudTrail` files).
    Generate(crate::commands::generate::GenerateArgs),
    /// Cut an identity policy down to what a principal was recorded doing (`CloudTrail` files).
    Tighten(crate::commands::tighten::TightenArgs),
    /// Privilege escalation and lateral movement in account snapshots: paths to admin, a
    /// principal, or a request.
    ///
    /// Exit 0: no path; 1: some principal has a path; 2: a snapshot or `--to` could not be read.
    Paths(Box<crate::commands::paths::PathsArgs>),
    /// Who can do ACTION on RESOURCE in account snapshots: every principal allowed, with the
    /// conditions left open and the statements that allowed.
    ///
    /// Exit 0: nobody is allowed; 1: someone is (perhaps conditionally, or an incomplete
    /// answer is listed); 2: a snapshot could not be read.
    WhoCan(crate::commands::who_can::WhoCanArgs),
    /// What PRINCIPAL can do in account snapshots: its effective permissions by service and
    /// access level, on the resources its policies name.
    WhatCan(crate::commands::what_can::WhatCanArgs),
    /// List the actions an action pattern matches (`s3:Get*`), with access levels.
    Expand(ExpandArgs),
    /// Write one self-contained HTML file about accounts: principals, their policies and
    /// statements, with search.
    Report(crate::commands::report::ReportArgs),
    /// List every rule.
    Rules(RulesArgs),
    /// Show one rule's documentation.
    Rule(RuleArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(crate::commands::completions::CompletionsArgs),
    /// Print the manual page (roff), or write one page per subcommand with `--out DIR`.
    Man(crate::commands::man::ManArgs),
}

/// `iampol lint`.
#[derive(Debug, Clone, clap::Args)]
pub struct LintArgs {
    /// Files or directories (directories are walked for `*.json`, `*.yaml`, `*.yml`,
    /// `*.template` and `*.tf`, skipping hidden and git-ignored files). `-` reads standard input.
    /// [default: the current directory]
    pub paths: Vec<PathBuf>,
    /// Lint the embedded example policy instead of files.
    #[arg(long, conflicts_with = "paths")]
    pub example: bool,
    /// The kind of policy (default: inferred per file from its content; a resource-style
    /// policy whose path names an endpoint policy, such as `s3_endpoint_policy.json` or
    /// `vpc-endpoint-policies/`, is a VPC endpoint policy).
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<PolicyKind>,
    /// Output format (`--format` is an alias).
    #[arg(
        long = "output-format",
        alias = "format",
        env = "IAMPOL_OUTPUT_FORMAT",
        value_enum,
        default_value_t = Format::Human
    )]
    pub format: Format,
    /// Exit 1 when a finding at or above this severity is reported [default: warning, or
    /// `fail-on` in `iampol.toml`].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Only run these rules, replacing the configuration's `select` (codes, code prefixes,
    /// names, categories or `ALL`; comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Also run these rules, on top of the configuration's.
    #[arg(long, value_delimiter = ',')]
    pub extend_select: Vec<String>,
    /// Never run these rules (added to the configuration's `ignore`).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Use this configuration file for every input instead of the nearest `iampol.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long, conflicts_with = "config")]
    pub isolated: bool,
    /// Apply safe fixes, rewriting the files, then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// With `--fix` or `--diff`, apply unsafe fixes too (they change what a policy allows).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them (even with `--fix`); exit 1
    /// when there are any.
    #[arg(long)]
    pub diff: bool,
    /// Print nothing when there are no findings, and no summary line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Exit 0 even when there are findings (2 still means that something could not be read).
    #[arg(long)]
    pub exit_zero: bool,
    /// Also fail (exit 1) when a policy file changed since this git revision grants access its
    /// version at REV did not (`iampol diff --git REV` over the same paths; the access added is
    /// printed on standard error). A change that cannot be read or decided exits 2.
    #[arg(long, value_name = "REV", conflicts_with_all = ["example", "diff"])]
    pub baseline: Option<String>,
    /// Print the number of findings per rule instead of the findings.
    #[arg(long, conflicts_with = "diff")]
    pub statistics: bool,
    /// With `--output-format sarif`, list every rule in `tool.driver.rules`, not only those
    /// with results.
    #[arg(long)]
    pub sarif_all_rules: bool,
    /// The size limit of each file read.
    #[command(flatten)]
    pub read: crate::io::ReadArgs,
}

/// `iampol eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Scenario files, or directories of them (`*.json`, recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format: an explanation per scenario, or one JSON object per scenario per line.
    #[arg(long, value_enum, default_value_t = EvalFormat::Human)]
    pub format: EvalFormat,
    /// Print only the scenarios whose decision differs from `expect` or that could not be decided.
    #[arg(long)]
    pub failures_only: bool,
    /// Explain each decision: a verdict per policy layer, the statements whose condition
    /// did not hold (with the value that failed), missing keys, assumptions and warnings.
    #[arg(long)]
    pub explain: bool,
    /// The size limit of each file read.
    #[command(flatten)]
    pub read: crate::io::ReadArgs,
}

/// `iampol can`.
#[derive(Debug, clap::Args)]
pub struct CanArgs {
    /// The caller: `anonymous`, a service principal, or an account root, user, role, role
    /// session or federated user ARN. A web identity or SAML caller (for
    /// `sts:AssumeRoleWithWebIdentity` / `sts:AssumeRoleWithSAML`) is named as the trust
    /// policy's `Federated` principal names it: its `oidc-provider` or `saml-provider` ARN, or
    /// `federated:HOST` (`federated:cognito-identity.amazonaws.com`); give the provider's keys
    /// (`token.actions.githubusercontent.com:sub`, `SAML:aud`, ...) with `--context`.
    #[arg(long)]
    pub principal: String,
    /// The action (`s3:GetObject`).
    #[arg(long)]
    pub action: String,
    /// The resource ARN (`*` for actions that take none).
    #[arg(long)]
    pub resource: String,
    /// The account that owns the resource (default: the ARN's, else the caller's).
    #[arg(long)]
    pub resource_account: Option<String>,
    /// An identity-based policy file (repeatable).
    #[arg(long = "identity", conflicts_with = "account")]
    pub identity: Vec<PathBuf>,
    /// The resource's policy file (a role trust policy for `sts:AssumeRole*` on a role).
    #[arg(long, conflicts_with = "account")]
    pub resource_policy: Option<PathBuf>,
    /// The permissions boundary file.
    #[arg(long, conflicts_with = "account")]
    pub boundary: Option<PathBuf>,
    /// The session policy file.
    #[arg(long, conflicts_with = "account")]
    pub session_policy: Option<PathBuf>,
    /// An SCP file, one per level from the root to the account (repeatable).
    #[arg(long = "scp", conflicts_with = "account")]
    pub scps: Vec<PathBuf>,
    /// An RCP file, one per level from the root to the account (repeatable).
    #[arg(long = "rcp", conflicts_with = "account")]
    pub rcps: Vec<PathBuf>,
    /// A VPC endpoint policy file (repeatable).
    #[arg(long = "endpoint-policy", conflicts_with = "account")]
    pub endpoints: Vec<PathBuf>,
    /// The organization's management account (SCPs and RCPs do not apply to it).
    #[arg(long, conflicts_with = "account")]
    pub management_account: Option<String>,
    /// A context key and value, `KEY=VALUE`; repeat a key for several values.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Human)]
    pub format: EvalFormat,
    /// Explain the decision: a verdict per policy layer, the statements whose condition did
    /// not hold (with the value that failed), missing keys, assumptions and warnings.
    #[arg(long)]
    pub explain: bool,
    /// The size limit of each policy file read.
    #[command(flatten)]
    pub read: crate::io::ReadArgs,
    /// Take every policy from account snapshots instead of policy files: the principal's
    /// (and its groups') policies and boundary, the SCPs and RCPs of its organization, the
    /// resource's policy (a role's trust policy for `sts:AssumeRole*`).
    #[command(flatten)]
    pub snapshot: crate::snapshot::SnapshotArgs,
}

/// How decisions are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    /// The decision and the statements that decided it.
    Human,
    /// One JSON object per scenario per line.
    Json,
}

/// `iampol check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The question.
    #[command(subcommand)]
    pub command: CheckCommand,
}

/// The questions `iampol check` decides.
#[derive(Debug, clap::Subcommand)]
pub enum CheckCommand {
    /// Does NEW allow any request that EXISTING does not? Exit 0: no (PASS); 1: yes, with a
    /// request that shows it (FAIL); 2: could not read the files or not decided (UNKNOWN, with
    /// the reason).
    NoNewAccess(NoNewAccessArgs),
    /// Does POLICY allow none of the actions (on any of the resources)? Exit 0: none (PASS);
    /// 1: it allows one, with the request (FAIL); 2: bad input or not decided (UNKNOWN).
    AccessNotGranted(AccessNotGrantedArgs),
    /// Does the resource policy (or role trust policy) keep out every caller outside the
    /// owner's control? Exit 0: yes (PASS); 1: it is public, with the request (FAIL); 2: bad
    /// input or not decided (UNKNOWN).
    NoPublicAccess(NoPublicAccessArgs),
}

/// `iampol check access-not-granted`.
#[derive(Debug, clap::Args)]
pub struct AccessNotGrantedArgs {
    /// The policy.
    pub policy: PathBuf,
    /// Actions the policy must not allow: `*` or `service:name`, with `*` and `?` wildcards
    /// (several after one `--action`, repeated, or separated with commas).
    #[arg(long = "action", value_delimiter = ',', num_args = 1..)]
    pub actions: Vec<String>,
    /// Resources (ARNs, with wildcards only in the resource part) on which none of the actions
    /// may be allowed (several after one `--resource`, or repeated); without it, any resource.
    #[arg(long = "resource", num_args = 1..)]
    pub resources: Vec<String>,
    /// The kind of the policy: identity, boundary, session, scp, resource or trust.
    #[arg(long, value_parser = parse_kind, default_value = "identity")]
    pub kind: PolicyKind,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Human)]
    pub format: EvalFormat,
    /// The size limit of the policy file read.
    #[command(flatten)]
    pub read: crate::io::ReadArgs,
}

/// `iampol check no-public-access`.
#[derive(Debug, clap::Args)]
pub struct NoPublicAccessArgs {
    /// The resource policy, or the role trust policy.
    pub policy: PathBuf,
    /// The type of the resource, as IAM Access Analyzer names it (`AWS::S3::Bucket`,
    /// `AWS::SQS::Queue`, `AWS::KMS::Key`, `AWS::IAM::AssumeRolePolicyDocument` for a role
    /// trust policy, ...).
    #[arg(long)]
    pub resource_type: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Human)]
    pub format: EvalFormat,
    /// The size limit of the policy file read.
    #[command(flatten)]
    pub read: crate::io::ReadArgs,
}

/// `iampol check no-new-access`.
#[derive(Debug, clap::Args)]
pub struct NoNewAccessArgs {
    /// The policy as it is.
    #[arg(long)]
    pub existing: PathBuf,
    /// The policy as changed.
    #[arg(long)]
    pub new: PathBuf,
    /// The kind of both policies: identity, boundary, session or scp.
    #[arg(long, value_parser = parse_kind, default_value = "identity")]
    pub kind: PolicyKind,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Human)]
    pub format: EvalFormat,
    /// The size limit of each policy file read.
    #[command(flatten)]
    pub read: crate::io::ReadArgs,
}

/// `iampol diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// OLD and NEW, two policy files (or templates); with `--git`, paths that limit the files
    /// compared.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Compare every policy file changed since this git revision (the old version) with the
    /// working tree (the new one): modified, added and deleted files, and files git does not
    /// track and does not ignore.
    #[arg(long, value_name = "REV")]
    pub git: Option<String>,
    /// The kind of the policies: identity, boundary, session or scp (default: inferred per
    /// file from its content, as `lint` does).
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<PolicyKind>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EvalFormat::Human)]
    pub format: EvalFormat,
    /// The size limit of each policy file read.
    #[command(flatten)]
    pub read: crate::io::ReadArgs,
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
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::message`), shown as annotations.
    Github,
    /// A GitLab Code Quality report (JSON).
    Gitlab,
    /// `JUnit` XML: one test suite per file, one failed test case per finding.
    Junit,
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
