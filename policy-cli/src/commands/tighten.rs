//! `iampol tighten`: cut an existing identity policy down to what a principal was recorded
//! doing in CloudTrail.
//!
//! ```text
//! iampol tighten POLICY --cloudtrail PATH... --principal ARN [--format human|json]
//!                [--since T] [--until T] [--region R]... [--include-denied] [--threads N]
//! ```
//!
//! For each `Allow` statement: which recorded calls it grants (evaluated with the evaluator,
//! with each call's context from its record: `aws:SourceIp`, `aws:RequestedRegion`,
//! `aws:CurrentTime`, `aws:MultiFactorAuthPresent`, `aws:ViaAWSService`); statements that
//! grant none are dropped; the others keep their effect and condition and get just the
//! actions and resources that were used (an action pattern stays only when every action it
//! matches was used). `Deny` statements stay as they are. The report lists unused statements,
//! unused actions, resources broader than what was used, recorded calls this policy does not
//! grant, and two checks: (a) the tightened policy still allows every recorded call the
//! original allows; (b) it allows nothing the original does not (each new statement's actions
//! × resources evaluated against its original statement).
//!
//! Output: the tightened policy on standard output and the report on standard error; with
//! `--format json`, one JSON object on standard output (`{"report": …, "summary": …}`, the
//! policy in `report.policy`).
//!
//! Exit status: 0 the policy is already tight (nothing unused); 1 the tightened policy differs
//! (it is printed); 2 could not run (unreadable policy or trail, a policy with errors, a bad
//! principal, no recorded call of the principal), or a check failed (the report says which).
#![expect(
    clippy::doc_markdown,
    reason = "doc comments are the help text: product names (CloudTrail) stay plain"
)]

use std::io::Write;
use std::path::PathBuf;

use policy_lint::generate::aggregate::Selection;
use policy_lint::generate::summary::{principal_summary, summary};
use policy_lint::generate::tighten::{tighten, TightenReport};
use serde::Serialize;

use super::generate::{read_trail, time_window, SummaryFormat, TrailArgs, TrailOptions};
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
    /// The trail and what to read of it.
    #[command(flatten)]
    pub trail: TrailArgs,
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    report: &'a TightenReport,
    summary: policy_lint::generate::summary::Summary,
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
    let check = |name: &str, c: &policy_lint::generate::tighten::Check| {
        format!(
            "  check {name}: {} ({} cases){}\n",
            if c.passed { "passed" } else { "FAILED" },
            c.checked,
            if c.failures.is_empty() {
                String::new()
            } else {
                format!(": {}", c.failures.join("; "))
            }
        )
    };
    s.push_str(&check(
        "(a) still allows every recorded call the original allows",
        &report.allows_recorded,
    ));
    s.push_str(&check(
        "(b) allows nothing the original does not",
        &report.no_new_access,
    ));
    match (&report.policy, report.changed) {
        (None, _) => s.push_str("  nothing of this policy was used: it can be detached\n"),
        (Some(_), false) => s.push_str("  the policy is already tight\n"),
        (Some(_), true) => {}
    }
    s
}

/// Runs `iampol tighten`.
pub fn run(args: &TightenArgs) -> ExitStatus {
    let mut err = std::io::stderr();
    let text = match std::fs::read_to_string(&args.policy) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "error: {}: {e}", args.policy.display());
            return ExitStatus::Error;
        }
    };
    let (since, until) = match time_window(args.trail.since.as_deref(), args.trail.until.as_deref())
    {
        Ok(w) => w,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return ExitStatus::Error;
        }
    };
    let activity = match read_trail(TrailOptions {
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
            let _ = writeln!(err, "error: {e}");
            return ExitStatus::Error;
        }
    };
    // A role's sessions are gathered under the role.
    let Some(recorded) = activity.principals.values().next() else {
        let _ = writeln!(
            err,
            "error: the trail has no recorded call of `{}`: nothing to tighten to",
            args.principal
        );
        return ExitStatus::Error;
    };
    let recorded = Some(recorded);
    let report = match tighten(&text, recorded, &args.principal) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "error: {}: {e}", args.policy.display());
            return ExitStatus::Error;
        }
    };
    let principals = activity
        .principals
        .values()
        .map(|p| principal_summary(p, &[], &[]))
        .collect();
    let trail = summary(&activity, principals);
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Json => {
            let json = JsonOutput {
                report: &report,
                summary: trail,
            };
            if serde_json::to_writer_pretty(&mut out, &json).is_err() || writeln!(out).is_err() {
                return ExitStatus::Error;
            }
        }
        SummaryFormat::Human => {
            if let Some(t) = report.text() {
                if out.write_all(t.as_bytes()).is_err() {
                    return ExitStatus::Error;
                }
            }
            if !args.trail.quiet {
                let summary = policy_lint::generate::summary::human(&trail);
                if let Some(first) = summary.lines().next() {
                    let _ = writeln!(err, "{first}");
                }
                let _ = err.write_all(human(&report).as_bytes());
            }
        }
    }
    if !report.allows_recorded.passed || !report.no_new_access.passed {
        let _ = writeln!(
            err,
            "error: a check of the tightened policy failed; do not use it (please report this)"
        );
        return ExitStatus::Error;
    }
    if report.changed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}
