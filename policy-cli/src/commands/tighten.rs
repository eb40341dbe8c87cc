//! `iampol tighten`: cut an existing identity policy down to what a principal was recorded
//! doing in CloudTrail.
//!
//! ```text
//! iampol tighten POLICY --cloudtrail PATH... --principal ARN [--format human|json]
//!                [--allow-partial] [--since T] [--until T] [--region R]...
//!                [--include-denied] [--threads N] [--quiet]
//! ```
//!
//! For each `Allow` statement: which recorded calls it grants (evaluated with the evaluator,
//! with each call's context from its record: `aws:SourceIp`, `aws:RequestedRegion`,
//! `aws:CurrentTime`, `aws:MultiFactorAuthPresent`, `aws:ViaAWSService`); statements that
//! grant none are dropped; the others keep their effect and condition and get just the
//! actions and resources that were used (an action pattern stays only when every action it
//! matches was used). A statement that could allow a recorded call the generator could not
//! map to IAM actions is kept as it is, and the report says so. `Deny` statements stay as they
//! are. The report lists unused statements, unused actions, resources broader than what was
//! used, recorded calls this policy does not grant, and two checks: (a) the tightened policy
//! still allows every recorded call the original allows, on requests built from each event's
//! own ARNs and IDs, independently of the mapping the tightening used (calls that cannot be
//! made concrete are counted as unchecked, never as passed); (b) it allows nothing the
//! original does not (decided over every request with `no_new_access`; when it fails, the
//! report gives a request the tightened policy allows and the original does not; a narrowed
//! statement it cannot decide, one with a policy variable, is kept as written).
//!
//! Input that could not be read (a truncated gzip, a half-written file, an over-nested or
//! oversized record, an unreadable file) is reported with the same lines as `iampol generate`;
//! the calls in it were not seen, and tightening would cut what they needed, so `tighten`
//! refuses (exit 2, nothing written) unless `--allow-partial` is given.
//!
//! Output: the tightened policy on standard output and the report on standard error; with
//! `--format json`, one JSON object on standard output (`{"report": …, "summary": …,
//! "incompleteInput": …}`, the policy in `report.policy`).
//!
//! Exit status:
//! - 0: the policy is already tight (nothing unused), from clean input;
//! - 1: the tightened policy differs (it is printed), or, with `--allow-partial`, some input
//!   could not be read;
//! - 2: nothing written: unreadable policy or trail path, a policy with errors, a bad
//!   principal, no recorded call of the principal, input that could not be read without
//!   `--allow-partial`, or a check of the tightened policy failed (the report says which; the
//!   policy is not printed, only the report).
#![expect(
    clippy::doc_markdown,
    reason = "doc comments are the help text: product names (CloudTrail) stay plain"
)]

use std::io::Write;
use std::path::PathBuf;

use policy_cli::render::escape::{escape_line, escape_text};
use policy_lint::generate::aggregate::{Activity, Selection};
use policy_lint::generate::summary::{human as trail_human, principal_summary, summary};
use policy_lint::generate::tighten::{tighten, Check, TightenReport};
use policy_lint::generate::verify;
use serde::Serialize;

use super::generate::{read_trail_recorded, time_window, SummaryFormat, TrailArgs, TrailOptions};
use crate::exit::ExitStatus;

/// `iampol tighten`.
#[derive(Debug, clap::Args)]
pub struct TightenArgs {
    /// The identity policy file to tighten.
    pub policy: PathBuf,
    /// The principal the policy is attached to: a role (covers its sessions), a user or a
    /// federated user ARN.
    #[arg(long, value_name = "ARN")]
    pub principal: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Human)]
    pub format: SummaryFormat,
    /// Tighten even when some input could not be read (its calls were not seen and may be
    /// cut); without it, such input stops the run with exit status 2.
    #[arg(long)]
    pub allow_partial: bool,
    /// The trail and what to read of it.
    #[command(flatten)]
    pub trail: TrailArgs,
    /// The size limit of the policy file (the trail is read record by record, without one).
    #[command(flatten)]
    pub read: crate::io::ReadArgs,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonOutput<'a> {
    report: &'a TightenReport,
    summary: policy_lint::generate::summary::Summary,
    /// Whether some input could not be read (only with `--allow-partial`).
    incomplete_input: bool,
}

/// One check's line for people; `unchecked` says which calls could not be checked, and why.
fn check_line(name: &str, c: &Check, unchecked: &str) -> String {
    format!(
        "  check {name}: {} ({} {}{unchecked}){}\n",
        if c.passed { "passed" } else { "FAILED" },
        c.checked,
        if c.unchecked.is_some() {
            "calls checked"
        } else {
            "cases"
        },
        if c.failures.is_empty() {
            String::new()
        } else {
            format!(": {}", c.failures.join("; "))
        }
    )
}

/// Check (a)'s unchecked calls by reason (`, 2 unchecked: resource not concrete ×2`); calls
/// the original does not allow are out of its scope and not listed.
fn unchecked_text(report: &TightenReport) -> String {
    let reasons: Vec<String> = report
        .recorded_check
        .unchecked
        .iter()
        .filter(|(reason, _)| reason.as_str() != verify::NOT_IN_ORIGINAL)
        .map(|(reason, n)| format!("{reason} ×{n}"))
        .collect();
    match report.allows_recorded.unchecked {
        Some(n) if n > 0 => format!(", {n} unchecked: {}", reasons.join(", ")),
        _ => ", none unchecked".to_string(),
    }
}

/// The report for people.
fn human(report: &TightenReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} distinct recorded calls (action × resource)",
        report.principal, report.recorded_calls
    );
    for st in &report.statements {
        let name = st
            .sid
            .as_deref()
            .map_or_else(|| format!("#{}", st.index + 1), |sid| format!("`{sid}`"));
        let _ = writeln!(
            s,
            "  statement {name} ({}): {}, grants {} recorded calls",
            st.effect, st.status, st.used_calls
        );
        if !st.unseen_calls.is_empty() {
            let _ = writeln!(
                s,
                "    {}: {}",
                st.reason.as_deref().unwrap_or("kept as written"),
                st.unseen_calls.join(", ")
            );
        }
        if !st.unused_actions.is_empty() && st.status != "unused" {
            let _ = writeln!(s, "    unused actions: {}", st.unused_actions.join(", "));
        }
        for b in &st.broader_resources {
            let _ = writeln!(
                s,
                "    `{}` is broader than what was used: {}",
                b.original,
                b.used.join(", ")
            );
        }
    }
    if !report.not_granted.is_empty() {
        let _ = writeln!(
            s,
            "  {} recorded calls are not granted by this policy (another policy must grant them):",
            report.not_granted.len()
        );
        for c in report.not_granted.iter().take(20) {
            let _ = writeln!(s, "    {} on {}", c.action, c.resource);
        }
    }
    s.push_str(&check_line(
        "(a) still allows every recorded call the original allows",
        &report.allows_recorded,
        &unchecked_text(report),
    ));
    s.push_str(&check_line(
        "(b) allows nothing the original does not",
        &report.no_new_access,
        "",
    ));
    if !report.allows_mapped_calls.passed {
        s.push_str(&check_line(
            "of the rebuild (the mapped calls)",
            &report.allows_mapped_calls,
            "",
        ));
    }
    match (&report.policy, report.changed) {
        (None, _) => s.push_str("  nothing of this policy was used: it can be detached\n"),
        (Some(_), false) => s.push_str("  the policy is already tight\n"),
        (Some(_), true) => {}
    }
    s
}

/// Whether some input could not be read: a problem of any kind means calls may be missing
/// (a lost record, or a read that stopped early: a truncated gzip, a half-written file, an
/// unreadable file).
fn incomplete(activity: &Activity) -> bool {
    activity.problems_total > 0 || activity.counts.malformed > 0
}

/// Runs `iampol tighten`.
pub fn run(args: &TightenArgs) -> ExitStatus {
    let mut err = std::io::stderr();
    let input = match crate::io::read_input(&args.policy, args.read.limit()) {
        Ok(input) => input,
        Err(e) => {
            let _ = writeln!(err, "error: {}", escape_line(&e));
            return ExitStatus::Error;
        }
    };
    let Ok(text) = input.text else {
        let _ = writeln!(err, "error: {}: the file is not valid UTF-8", input.name);
        return ExitStatus::Error;
    };
    let (since, until) = match time_window(args.trail.since.as_deref(), args.trail.until.as_deref())
    {
        Ok(w) => w,
        Err(e) => {
            let _ = writeln!(err, "error: {}", escape_line(&e));
            return ExitStatus::Error;
        }
    };
    let (activity, recorded_calls) = match read_trail_recorded(TrailOptions {
        cloudtrail: &args.trail.cloudtrail,
        selection: Selection {
            principals: vec![args.principal.clone()],
            regions: args.trail.regions.clone(),
            since,
            until,
            include_denied: args.trail.include_denied,
            failed_calls: args.trail.failed_calls.to_selection(),
            ..Selection::default()
        },
        threads: args.trail.threads,
        progress: !args.trail.quiet,
    }) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(err, "error: {}", escape_line(&e));
            return ExitStatus::Error;
        }
    };
    // The trail's lines, as `iampol generate` prints them (read, skipped, malformed input with
    // each problem, unmapped calls).
    let trail_lines = trail_human(&summary(&activity, Vec::new()));
    let incomplete = incomplete(&activity);
    if incomplete && !args.allow_partial {
        if !args.trail.quiet {
            let _ = err.write_all(escape_text(&trail_lines).as_bytes());
        }
        let _ = writeln!(
            err,
            "error: some input could not be read ({} record{} lost, {} problem{} in all): calls in it were not seen, and tightening would cut what they needed; nothing written (fix the input, or pass --allow-partial to tighten from what was read)",
            activity.counts.malformed,
            if activity.counts.malformed == 1 { "" } else { "s" },
            activity.problems_total,
            if activity.problems_total == 1 { "" } else { "s" },
        );
        return ExitStatus::Error;
    }
    // A role's sessions are gathered under the role.
    let Some(recorded) = activity.principals.values().next() else {
        if !args.trail.quiet {
            let _ = err.write_all(escape_text(&trail_lines).as_bytes());
        }
        let _ = writeln!(
            err,
            "error: the trail has no recorded call of `{}`: nothing to tighten to",
            escape_line(&args.principal)
        );
        return ExitStatus::Error;
    };
    let concrete = recorded_calls.principal(&recorded.arn);
    let report = match tighten(&text, Some(recorded), concrete, &args.principal) {
        Ok(r) => r,
        Err(e) => {
            let e = policy_core::text::bound_message(&e.to_string()).into_owned();
            let _ = writeln!(
                err,
                "error: {}: {}",
                escape_line(&args.policy.display().to_string()),
                escape_line(&e)
            );
            return ExitStatus::Error;
        }
    };
    let principals = activity
        .principals
        .values()
        .map(|p| principal_summary(p, &[], &[]))
        .collect();
    let trail = summary(&activity, principals);
    let checks_passed = report.checks_passed();
    // Buffered: the pretty JSON of a large policy is many lines, and a locked stdout writes
    // each line on its own.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        SummaryFormat::Json => {
            let json = JsonOutput {
                report: &report,
                summary: trail,
                incomplete_input: incomplete,
            };
            if serde_json::to_writer_pretty(&mut out, &json).is_err() || writeln!(out).is_err() {
                return ExitStatus::Error;
            }
        }
        SummaryFormat::Human => {
            if checks_passed {
                if let Some(t) = report.text() {
                    if out.write_all(t.as_bytes()).is_err() {
                        return ExitStatus::Error;
                    }
                }
            }
            if !args.trail.quiet {
                let _ = err.write_all(escape_text(&trail_lines).as_bytes());
                let _ = err.write_all(escape_text(&human(&report)).as_bytes());
            }
        }
    }
    if out.flush().is_err() {
        return ExitStatus::Error;
    }
    if incomplete {
        let _ = writeln!(
            err,
            "warning: tightened from incomplete input (--allow-partial): calls in what could not be read were not seen, and what they needed may be cut"
        );
    }
    if !checks_passed {
        let _ = writeln!(
            err,
            "error: a check of the tightened policy failed; it is not printed, do not use it (please report this)"
        );
        return ExitStatus::Error;
    }
    if report.changed || incomplete {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}
