//! What a generation read and produced: counts, problems with their positions, unmapped and
//! denied calls, inferred actions, and the policies per principal. Plain serde structs for
//! `--format json`, and a human rendering for standard error.

use std::fmt::Write as _;

use serde::Serialize;

use super::aggregate::{Activity, Counts, PrincipalActivity, UnmappedCall, RESOURCE_CAP};
use super::cloudtrail::InputProblem;
use super::emit::GeneratedPolicy;
use super::verify::CheckReport;

/// A call and how often it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted {
    /// `"<eventSource> <eventName>"` (with the error code for denied calls).
    pub call: String,
    /// How often.
    pub count: u64,
}

/// An action the generator added without CloudTrail logging it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inferred {
    /// The action (`iam:PassRole`).
    pub action: String,
    /// Its resources (at most 10).
    pub resources: Vec<String>,
    /// The calls that imply it.
    pub from: Vec<String>,
    /// How many calls.
    pub calls: u64,
}

/// One written policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyInfo {
    /// Statements.
    pub statements: usize,
    /// Characters without whitespace.
    pub chars: usize,
    /// The file it was written to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// One principal's part of the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalSummary {
    /// The principal ARN (a role for its sessions).
    pub principal: String,
    /// `user`, `role`, `federated-user`, `root`.
    pub kind: &'static str,
    /// Selected calls.
    pub calls: u64,
    /// Calls mapped to actions.
    pub mapped: u64,
    /// Calls that need no permission.
    pub permissionless: u64,
    /// Denied calls (left out unless kept).
    pub denied: u64,
    /// First event time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_event: Option<String>,
    /// Last event time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event: Option<String>,
    /// Distinct actions in the policy.
    pub actions: usize,
    /// The policies written (several when one would pass the size quota).
    pub policies: Vec<PolicyInfo>,
    /// Calls that could not be mapped.
    pub unmapped: Vec<Counted>,
    /// Denied calls.
    pub denied_calls: Vec<Counted>,
    /// Inferred actions.
    pub inferred: Vec<Inferred>,
    /// Actions whose distinct resources passed the cap and were grouped into prefixes.
    pub collapsed_resources: Vec<String>,
    /// The independent check that the policies allow every successful recorded call
    /// ([`super::verify`]), when it was run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckReport>,
}

/// The whole summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Event counts.
    pub counts: Counts,
    /// Problems with their positions (at most 1,000; see `problemsTotal`).
    pub problems: Vec<InputProblem>,
    /// Problems in all.
    pub problems_total: u64,
    /// Calls that could not be mapped, over all principals.
    pub unmapped: Vec<UnmappedCall>,
    /// Per principal.
    pub principals: Vec<PrincipalSummary>,
}

fn counted(map: &std::collections::BTreeMap<String, u64>) -> Vec<Counted> {
    let mut v: Vec<Counted> = map
        .iter()
        .map(|(call, count)| Counted {
            call: call.clone(),
            count: *count,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.call.cmp(&b.call)));
    v
}

/// One principal's summary, with the policies written for it and their files (same order).
pub fn principal_summary(
    p: &PrincipalActivity,
    policies: &[GeneratedPolicy],
    files: &[String],
) -> PrincipalSummary {
    PrincipalSummary {
        principal: p.arn.clone(),
        kind: p.kind.as_str(),
        calls: p.events,
        mapped: p.mapped,
        permissionless: p.permissionless,
        denied: p.denied,
        first_event: p.first_event.clone(),
        last_event: p.last_event.clone(),
        actions: p.actions.len(),
        policies: policies
            .iter()
            .enumerate()
            .map(|(i, g)| PolicyInfo {
                statements: g.statements.len(),
                chars: g.chars,
                file: files.get(i).cloned(),
            })
            .collect(),
        unmapped: counted(&p.unmapped),
        denied_calls: counted(&p.denied_calls),
        inferred: p
            .actions
            .iter()
            .filter(|(_, a)| a.inferred_calls > 0)
            .map(|(name, a)| Inferred {
                action: name.clone(),
                resources: a.resources.keys().take(10).cloned().collect(),
                from: a.inferred_from.iter().cloned().collect(),
                calls: a.inferred_calls,
            })
            .collect(),
        collapsed_resources: p
            .actions
            .iter()
            .filter(|(_, a)| a.collapsed)
            .map(|(name, _)| name.clone())
            .collect(),
        check: None,
    }
}

/// The summary of a read and the principals' parts.
pub fn summary(activity: &Activity, principals: Vec<PrincipalSummary>) -> Summary {
    Summary {
        counts: activity.counts.clone(),
        problems: activity.problems.clone(),
        problems_total: activity.problems_total,
        unmapped: activity.unmapped.clone(),
        principals,
    }
}

fn mb(bytes: u64) -> String {
    #[expect(
        clippy::cast_precision_loss,
        reason = "a size for people, to one decimal"
    )]
    let m = bytes as f64 / 1_000_000.0;
    format!("{m:.1} MB")
}

/// The summary for people (for standard error).
pub fn human(s: &Summary) -> String {
    let c = &s.counts;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "read {} input{} ({} of JSON), {} events: {} selected, {} mapped, {} unmapped, {} denied (left out), {} need no permission, {} with inferred actions",
        c.inputs,
        if c.inputs == 1 { "" } else { "s" },
        mb(c.json_bytes),
        c.events,
        c.selected,
        c.mapped,
        c.unmapped,
        c.denied,
        c.permissionless,
        c.inferred
    );
    let skipped = c.not_api_calls + c.no_principal + c.filtered_out;
    if skipped > 0 {
        let _ = writeln!(
            out,
            "skipped {skipped} events: {} not API calls of a principal, {} without a principal ARN, {} outside the selection",
            c.not_api_calls, c.no_principal, c.filtered_out
        );
    }
    if s.problems_total > 0 {
        let _ = writeln!(
            out,
            "malformed input: {} record{} lost, {} problem{} in all",
            c.malformed,
            if c.malformed == 1 { "" } else { "s" },
            s.problems_total,
            if s.problems_total == 1 { "" } else { "s" }
        );
        for p in s.problems.iter().take(50) {
            let _ = writeln!(out, "  {p}");
        }
        if s.problems_total > 50 {
            let _ = writeln!(
                out,
                "  … {} more (see --format json)",
                s.problems_total - 50
            );
        }
    }
    if !s.unmapped.is_empty() {
        let _ = writeln!(out, "unmapped calls (not in any policy):");
        for u in s.unmapped.iter().take(30) {
            let _ = writeln!(
                out,
                "  {} {} ×{} ({})",
                u.event_source, u.event_name, u.count, u.reason
            );
        }
        if s.unmapped.len() > 30 {
            let _ = writeln!(out, "  … {} more", s.unmapped.len() - 30);
        }
    }
    for p in &s.principals {
        let policies = match p.policies.as_slice() {
            [] => "no policy (no action used)".to_string(),
            [one] => format!("1 policy ({} characters)", one.chars),
            many => format!(
                "{} policies ({} characters; split to stay within the size quota)",
                many.len(),
                many.iter()
                    .map(|x| x.chars.to_string())
                    .collect::<Vec<_>>()
                    .join(" + ")
            ),
        };
        let _ = writeln!(
            out,
            "{} ({}): {} calls, {} mapped to {} actions → {policies}",
            p.principal, p.kind, p.calls, p.mapped, p.actions
        );
        if p.policies.len() > 10 {
            let _ = writeln!(
                out,
                "  warning: more than 10 managed policies (the default quota per user or role; 20 at most): try --collapse, or narrow the selection"
            );
        }
        for f in p.policies.iter().filter_map(|x| x.file.as_deref()) {
            let _ = writeln!(out, "  wrote {f}");
        }
        for d in p.denied_calls.iter().take(10) {
            let _ = writeln!(out, "  denied: {} ×{}", d.call, d.count);
        }
        for u in p.unmapped.iter().take(10) {
            let _ = writeln!(out, "  unmapped: {} ×{}", u.call, u.count);
        }
        for i in &p.inferred {
            let _ = writeln!(
                out,
                "  inferred: {} on {} (implied by {})",
                i.action,
                i.resources.join(", "),
                i.from.join(", ")
            );
        }
        if !p.collapsed_resources.is_empty() {
            let _ = writeln!(
                out,
                "  over {RESOURCE_CAP} distinct resources, grouped into prefixes: {}",
                p.collapsed_resources.join(", ")
            );
        }
        if let Some(c) = p
            .check
            .as_ref()
            .filter(|c| c.checked + c.unchecked_total() > 0)
        {
            human_check(&mut out, c);
        }
    }
    out
}

/// The independent check's lines of a principal.
fn human_check(out: &mut String, c: &CheckReport) {
    let partial = if c.partial > 0 {
        format!(
            ", {} of them only on the resources the event names",
            c.partial
        )
    } else {
        String::new()
    };
    let unchecked = if c.unchecked.is_empty() {
        String::new()
    } else {
        format!(
            "; {} unchecked ({})",
            c.unchecked_total(),
            c.unchecked
                .iter()
                .map(|(reason, n)| format!("{reason}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let _ = writeln!(
        out,
        "  check: {} recorded calls checked, {} allowed{partial}, {} NOT allowed{unchecked}",
        c.checked, c.passed, c.failed_calls
    );
    for f in c.failed.iter().take(50) {
        let _ = writeln!(
            out,
            "  not allowed: {} on {} ({} ×{}, {})",
            f.action, f.resource, f.call, f.count, f.event
        );
    }
    let more = c.failed.len().saturating_sub(50) + c.failed_omitted;
    if more > 0 {
        let _ = writeln!(out, "  … {more} more not allowed (see --format json)");
    }
}
