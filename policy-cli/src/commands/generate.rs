//! `iampol generate`: identity policies from recorded activity (CloudTrail).
//!
//! ```text
//! iampol generate --cloudtrail PATH... [--principal ARN]... [--out-dir DIR] [--collapse]
//!                 [--format human|json] [--since T] [--until T] [--account ID]...
//!                 [--region R]... [--include-denied] [--threads N] [--quiet]
//! iampol generate --from-summary FILE... [the options above but --since/--until]
//! iampol generate --emit-sql athena|security-lake|duckdb [--sql-from TABLE|FILES]
//!                 [--since T] [--until T] [--region R]...
//! ```
//!
//! The scale path ([`scale`]): `--emit-sql` prints the query that aggregates CloudTrail where it
//! is stored into one row per distinct call, and `--from-summary` reads its result (CSV, JSON
//! or NDJSON) and writes the same policies as from the events; bad rows count as malformed
//! input.
//!
//! Reads CloudTrail (S3-delivered `{"Records": [...]}` files, JSON arrays of events, one event
//! per line; `.json` or `.json.gz`, the content decides; directories recursively; `-` for
//! standard input) and writes, per principal (a role for all its sessions, a user, a federated
//! user), the identity policy that allows what it did: statements grouped by service and
//! resource, with Sids that say what they grant; split into several managed policies when one
//! would pass the 6,144-character quota. `--collapse` replaces action lists by wildcards that
//! match exactly the recorded actions in the IAM reference data (each collapsed statement is
//! proven to allow exactly what its explicit list allows, else the list is kept).
//!
//! Output: with one principal and no `--out-dir`, the policy on standard output (several
//! documents one after the other when it had to be split) and the summary on standard error.
//! With `--out-dir`, one file per principal (`<account>-<kind>-<name>.json`, then `-2.json`, …
//! for split policies). `--format json` prints one JSON object on standard output instead:
//! `{"summary": …, "policies": [{"principal", "documents": [...], "files": [...]}]}`.
//!
//! Selection: `--principal` (repeatable; a role ARN covers its sessions), `--account` (the
//! principal's account), `--region` (`awsRegion`), `--since`/`--until` (RFC 3339, or a date).
//! Denied calls (`AccessDenied`, `UnauthorizedOperation`, …) are left out and listed unless
//! `--include-denied`. Malformed records never stop the run: each is reported with its file,
//! byte offset and record index.
//!
//! Check: each principal's policies are evaluated against every successful recorded call, with
//! requests built independently of the mapping (the event's own ARNs and IDs, see
//! `policy_lint::generate::verify`). The summary reports per principal `check: {checked,
//! passed, partial, failedCalls, failed: [{action, resource, call, event, caller, count}],
//! unchecked: {reason: n}}`; calls whose resource the event does not name concretely are
//! unchecked, never passed.
//!
//! Exit status: 0 policies written from clean input; 1 policies written, but some input was
//! malformed or unreadable, some calls could not be mapped to IAM actions (a policy may
//! lack a permission: see the summary), or a recorded successful call is not allowed by the
//! policy written for it (listed in the summary); 2 nothing written (bad arguments, no input,
//! no activity for the selection, several principals without `--out-dir`, a file that could
//! not be written).
#![expect(
    clippy::doc_markdown,
    reason = "doc comments are the help text: product names (CloudTrail) stay plain"
)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use policy_cli::render::escape::{escape_line, escape_text};
use policy_lint::generate::aggregate::{
    normalize_time, Activity, FailedCalls, PrincipalActivity, Selection,
};
use policy_lint::generate::cloudtrail::{self, Input, Progress, ReadOptions};
use policy_lint::generate::emit::{emit, EmitOptions, GeneratedPolicy};
use policy_lint::generate::read_activity_and_requests;
use policy_lint::generate::summary::{human, principal_summary, summary, PrincipalSummary};
use policy_lint::generate::verify::{self, RecordedRequests};
use serde::Serialize;

use crate::exit::ExitStatus;

mod scale;

/// How the summary (and, for `json`, the policies) are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryFormat {
    /// Policies on standard output, the summary for people on standard error.
    Human,
    /// One JSON object on standard output.
    Json,
}

/// `iampol generate`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("cloudtrail", |a| a
    .required(false)
    .required_unless_present_any(["emit_sql", "from_summary"])))]
pub struct GenerateArgs {
    /// Only this principal (repeatable): a role ARN (covers its sessions), a user, a federated
    /// user, or a role session ARN (that session only).
    #[arg(long = "principal", value_name = "ARN")]
    pub principals: Vec<String>,
    /// Write one policy file per principal into this directory.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Replace action lists by wildcards that match exactly the recorded actions.
    #[arg(long)]
    pub collapse: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Human)]
    pub format: SummaryFormat,
    /// Only principals of this account (repeatable).
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// The trail and what to read of it.
    #[command(flatten)]
    pub trail: TrailArgs,
    /// The scale path: the aggregation query, and its result as input.
    #[command(flatten)]
    pub scale: scale::ScaleArgs,
}

/// What failed calls contribute (`--failed-calls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailedCallsArg {
    /// Left out, and listed in the summary.
    Omit,
    /// Kept only where each resource is known exactly.
    KnownArns,
}

impl FailedCallsArg {
    /// The library's form.
    pub(crate) fn to_selection(self) -> FailedCalls {
        match self {
            FailedCallsArg::Omit => FailedCalls::Omit,
            FailedCallsArg::KnownArns => FailedCalls::KnownArns,
        }
    }
}

/// The trail-reading arguments of `iampol generate` and `iampol tighten`.
#[derive(Debug, clap::Args)]
pub struct TrailArgs {
    /// CloudTrail files or directories (`.json`, `.json.gz`, NDJSON; directories are walked);
    /// `-` reads standard input.
    #[arg(long = "cloudtrail", value_name = "PATH", required = true, num_args = 1..)]
    pub cloudtrail: Vec<PathBuf>,
    /// Only events at or after this time (RFC 3339, e.g. `2024-08-01T00:00:00Z`, or a date).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events at or before this time (RFC 3339, or a date).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only calls to this region (repeatable).
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Keep denied calls (`AccessDenied`, `UnauthorizedOperation`, …) instead of listing them.
    #[arg(long)]
    pub include_denied: bool,
    /// What calls that failed for another reason (`ThrottlingException`, `NoSuchEntity`, …)
    /// contribute: `omit` leaves them out and lists them; `known-arns` keeps them where each
    /// resource is known exactly (never a wildcard).
    #[arg(long, value_enum, value_name = "MODE", default_value_t = FailedCallsArg::Omit)]
    pub failed_calls: FailedCallsArg,
    /// Reading threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar and no summary or report on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The trail-reading options shared with `iampol tighten`.
pub(crate) struct TrailOptions<'a> {
    pub cloudtrail: &'a [PathBuf],
    pub selection: Selection,
    pub threads: Option<usize>,
    pub progress: bool,
}

/// Reads the selection's time window, or says what is wrong.
pub(crate) fn time_window(
    since: Option<&str>,
    until: Option<&str>,
) -> Result<(Option<String>, Option<String>), String> {
    let read = |flag: &str, v: Option<&str>| -> Result<Option<String>, String> {
        v.map(|t| {
            normalize_time(t).ok_or_else(|| {
                format!("{flag} `{t}` is not an RFC 3339 time (`2024-08-01T00:00:00Z`) or a date")
            })
        })
        .transpose()
    };
    Ok((read("--since", since)?, read("--until", until)?))
}

/// Reads the trail, with a progress bar on a terminal, also gathering the recorded successful
/// calls for the independent check ([`policy_lint::generate::verify`]) in the same read. `Err`
/// when an input does not exist.
pub(crate) fn read_trail_recorded(
    options: TrailOptions<'_>,
) -> Result<(Activity, RecordedRequests), String> {
    read_trail_with(options, read_activity_and_requests)
}

fn read_trail_with<T>(
    options: TrailOptions<'_>,
    read: impl FnOnce(Vec<Input>, Selection, &ReadOptions, Option<&Progress>) -> T,
) -> Result<T, String> {
    let mut inputs = Vec::new();
    let mut stdin_used = false;
    for path in options.cloudtrail {
        if path.as_os_str() == "-" {
            if stdin_used {
                continue;
            }
            stdin_used = true;
            let reader: Box<dyn Read + Send> = Box::new(std::io::stdin());
            inputs.push(Input::Stream {
                name: "<stdin>".into(),
                reader,
            });
        } else {
            // The type first, without opening: a FIFO would block the open until a writer
            // comes, a device (`/dev/zero`) never ends.
            let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    format!("{}: no such file or directory", path.display())
                }
                _ => format!("{}: {e}", path.display()),
            })?;
            let name = path.display().to_string();
            if meta.is_dir() {
                // Entries that are not regular files are skipped by the reader's walk (never
                // opened); said here, as warnings: they hold no trail.
                let (_, _, skipped) =
                    cloudtrail::collect_inputs_skipping(std::slice::from_ref(path));
                let mut err = std::io::stderr().lock();
                for s in skipped {
                    let shown = crate::io::not_regular(&s.path.display().to_string(), s.kind);
                    let _ = writeln!(err, "warning: {shown}; skipped");
                }
            } else if let Some(kind) = crate::io::special_kind(meta.file_type()) {
                return Err(crate::io::not_regular(&name, kind));
            }
            inputs.push(Input::Path(path.clone()));
        }
    }
    let read_options = ReadOptions {
        threads: options
            .threads
            .unwrap_or_else(|| ReadOptions::default().threads)
            .max(1),
        ..ReadOptions::default()
    };
    let progress = Progress::default();
    let activity = crate::progress::while_running(
        options.progress,
        |elapsed| trail_status(&progress, elapsed),
        || read(inputs, options.selection, &read_options, Some(&progress)),
    );
    Ok(activity)
}

/// The progress bar's numbers of a trail read: bytes read of all, the rate, inputs read.
fn trail_status(progress: &Progress, elapsed: Duration) -> crate::progress::Status {
    let total = progress.total.load(Ordering::Relaxed);
    let read = progress.done.load(Ordering::Relaxed);
    let files = progress.inputs.load(Ordering::Relaxed);
    let files_done = progress.inputs_done.load(Ordering::Relaxed);
    let secs = elapsed.as_secs_f64().max(0.001);
    #[expect(
        clippy::cast_precision_loss,
        reason = "a progress bar's numbers, for people"
    )]
    let text = format!(
        "{:.1}/{:.1} MB {:.0} MB/s {files_done}/{files} files",
        read as f64 / 1e6,
        total as f64 / 1e6,
        read as f64 / 1e6 / secs
    );
    crate::progress::Status::of(read, total, text)
}

/// A file name for a principal: `<account>-<kind>-<name>` with anything but letters,
/// digits, `-`, `_` and `.` replaced by `_`.
fn file_stem(p: &PrincipalActivity) -> String {
    let mut parts = p.arn.splitn(6, ':');
    let account = parts.nth(4).unwrap_or("unknown");
    let resource = parts.next().unwrap_or("unknown");
    let name = resource.rsplit('/').next().unwrap_or(resource);
    let raw = format!("{account}-{}-{name}", p.kind.as_str());
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn write_policies(
    dir: &Path,
    p: &PrincipalActivity,
    policies: &[GeneratedPolicy],
) -> Result<Vec<String>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let stem = file_stem(p);
    let mut files = Vec::new();
    for (i, policy) in policies.iter().enumerate() {
        let name = if i == 0 {
            format!("{stem}.json")
        } else {
            format!("{stem}-{}.json", i + 1)
        };
        let path = dir.join(name);
        std::fs::write(&path, &policy.text).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push(path.display().to_string());
    }
    Ok(files)
}

#[derive(Serialize)]
struct JsonPolicies<'a> {
    principal: &'a str,
    documents: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<String>,
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    summary: policy_lint::generate::summary::Summary,
    policies: Vec<JsonPolicies<'a>>,
}

/// Runs `iampol generate`.
pub fn run(args: &GenerateArgs) -> ExitStatus {
    if let Some(dialect) = args.scale.emit_sql {
        return scale::emit_sql(dialect, &args.scale, &args.trail);
    }
    let mut err = std::io::stderr();
    let (since, until) = match time_window(args.trail.since.as_deref(), args.trail.until.as_deref())
    {
        Ok(w) => w,
        Err(e) => {
            let _ = writeln!(err, "error: {}", escape_line(&e));
            return ExitStatus::Error;
        }
    };
    let selection = Selection {
        principals: args.principals.clone(),
        accounts: args.accounts.clone(),
        regions: args.trail.regions.clone(),
        since,
        until,
        include_denied: args.trail.include_denied,
        failed_calls: args.trail.failed_calls.to_selection(),
    };
    let read = if args.scale.from_summary.is_empty() {
        read_trail_recorded(TrailOptions {
            cloudtrail: &args.trail.cloudtrail,
            selection,
            threads: args.trail.threads,
            progress: !args.trail.quiet,
        })
    } else {
        scale::read(&args.scale.from_summary, selection)
    };
    let (activity, recorded) = match read {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(err, "error: {}", escape_line(&e));
            return ExitStatus::Error;
        }
    };
    let options = EmitOptions {
        collapse: args.collapse,
        ..EmitOptions::default()
    };
    let with_actions: Vec<&PrincipalActivity> = activity
        .principals
        .values()
        .filter(|p| !p.actions.is_empty())
        .collect();
    let mut status = ExitStatus::Success;
    let mut summaries: Vec<PrincipalSummary> = Vec::new();
    let mut outputs: Vec<(&PrincipalActivity, Vec<GeneratedPolicy>, Vec<String>)> = Vec::new();
    for p in activity.principals.values() {
        let policies = emit(p, &options);
        let files = match (&args.out_dir, policies.is_empty()) {
            (Some(dir), false) => match write_policies(dir, p, &policies) {
                Ok(f) => f,
                Err(e) => {
                    let _ = writeln!(err, "error: {}", escape_line(&e));
                    return ExitStatus::Error;
                }
            },
            _ => Vec::new(),
        };
        let mut principal = principal_summary(p, &policies, &files);
        // The independent check: every successful recorded call is allowed.
        match verify::parse_identity_policies(policies.iter().map(|g| g.text.as_str())) {
            Ok(docs) => principal.check = Some(verify::check(&docs, recorded.principal(&p.arn))),
            Err(e) => {
                let _ = writeln!(
                    err,
                    "error: the policy for {} does not parse: {}",
                    escape_line(&p.arn),
                    escape_line(&e)
                );
                return ExitStatus::Error;
            }
        }
        summaries.push(principal);
        outputs.push((p, policies, files));
    }
    let report = summary(&activity, summaries);
    let incomplete = report.counts.malformed > 0
        || report.problems_total > 0
        || report.principals.iter().any(|p| !p.unmapped.is_empty());
    let not_allowed = report.principals.iter().any(|p| {
        p.check
            .as_ref()
            .is_some_and(verify::CheckReport::has_failures)
    });
    if incomplete || not_allowed {
        status = ExitStatus::Failure;
    }
    let mut problem: Option<String> = None;
    if with_actions.is_empty() {
        problem = Some(if activity.principals.is_empty() {
            "no recorded call matches the selection".to_string()
        } else {
            "the selected principals made no call that needs a permission".to_string()
        });
    } else if args.out_dir.is_none()
        && with_actions.len() > 1
        && args.format == SummaryFormat::Human
    {
        problem = Some(format!(
            "{} principals made calls: name one with --principal, or write them all with --out-dir",
            with_actions.len()
        ));
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Json => {
            let policies = outputs
                .iter()
                .filter(|(_, docs, _)| !docs.is_empty())
                .map(|(p, docs, files)| JsonPolicies {
                    principal: &p.arn,
                    documents: docs
                        .iter()
                        .filter_map(|d| serde_json::from_str(&d.text).ok())
                        .collect(),
                    files: files.clone(),
                })
                .collect();
            let json = JsonOutput {
                summary: report,
                policies,
            };
            if serde_json::to_writer_pretty(&mut out, &json).is_err() || writeln!(out).is_err() {
                return ExitStatus::Error;
            }
        }
        SummaryFormat::Human => {
            if problem.is_none() && args.out_dir.is_none() {
                for (_, docs, _) in outputs.iter().filter(|(_, d, _)| !d.is_empty()) {
                    for (i, d) in docs.iter().enumerate() {
                        if i > 0 && writeln!(out).is_err() {
                            return ExitStatus::Error;
                        }
                        if out.write_all(d.text.as_bytes()).is_err() {
                            return ExitStatus::Error;
                        }
                    }
                }
            }
            if !args.trail.quiet {
                let _ = err.write_all(escape_text(&human(&report)).as_bytes());
            }
        }
    }
    if let Some(p) = problem {
        let _ = writeln!(err, "error: {p}");
        return ExitStatus::Error;
    }
    status
}
