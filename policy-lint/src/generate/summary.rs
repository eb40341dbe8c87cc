//! What a generation read and produced: counts, problems with their positions, unmapped and
//! denied calls, inferred actions, the policies per principal, the quota they pass, and the
//! findings the linter still has on them with the recorded use that explains each. Plain serde
//! structs for `--format json`, and a human rendering for standard error.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use policy_core::ast::{Policy, PolicyKind};
use policy_core::parse::parse_policy;
use policy_core::service_ref::ServiceRef;
use policy_core::text::glob_matches;
use serde::Serialize;

use super::aggregate::{Activity, Counts, PrincipalActivity, UnmappedCall, RESOURCE_CAP};
use super::cloudtrail::InputProblem;
use super::emit::{GeneratedPolicy, StatementPlan, MANAGED_POLICIES_PER_PRINCIPAL};
use super::verify::CheckReport;
use crate::{lint_source, Settings, Severity};

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

/// The recorded use of an action that a lint finding names: why the policy grants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionUse {
    /// The action, as recorded (`iam:CreateAccessKey`).
    pub action: String,
    /// Calls that needed it.
    pub calls: u64,
    /// Of which it was inferred (`iam:PassRole` for a call that passes a role).
    pub inferred_calls: u64,
    /// The calls that implied it, when inferred.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inferred_from: Vec<String>,
    /// Its resources in the policy (at most 10).
    pub resources: Vec<String>,
    /// The reference allows it only on `"Resource": "*"` (it names no resource type).
    pub only_wildcard_resource: bool,
}

/// A finding of `iampol lint --kind identity` (at warning level or above, default settings)
/// on the generated policies that the generator does not remove, because it follows from what
/// the principal did: the actions it names were recorded (or inferred from recorded calls).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LintFinding {
    /// The rule's code (`S011`).
    pub code: &'static str,
    /// The rule's name (`privilege-escalation`).
    pub name: &'static str,
    /// `warning` or `error`.
    pub severity: &'static str,
    /// The finding's message.
    pub message: String,
    /// The policies it is found in (1 for the first; the files are numbered the same way).
    /// Empty when only the policies together show it: a combination of actions that the
    /// packing put into different policies, which the principal holds all the same.
    pub policies: Vec<usize>,
    /// The Sids of the statements it points at.
    pub statements: Vec<String>,
    /// The recorded use of the actions it names (of its statements, when it names none).
    pub actions: Vec<ActionUse>,
    /// Why it stays, in one sentence.
    pub explanation: String,
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
    /// Calls (or some of their actions) left out of the policy, with why: failed calls, and
    /// calls that named nothing of the resource their action needs.
    pub left_out: Vec<Counted>,
    /// Instance profiles (`<account>/<name>`) whose role a call passed but which the trail
    /// does not link to a role: `iam:PassRole` for their roles is left out.
    pub pass_role_unresolved: Vec<String>,
    /// The independent check that the policies allow every successful recorded call
    /// ([`super::verify`]), when it was run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckReport>,
    /// Warnings about the policies written: more policies than the default quota of managed
    /// policies per user or role ([`MANAGED_POLICIES_PER_PRINCIPAL`]).
    pub warnings: Vec<String>,
    /// What the linter still finds in the policies written, each explained by the recorded
    /// use (see [`LintFinding`]).
    pub lint_findings: Vec<LintFinding>,
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
        left_out: counted(&p.left_out),
        pass_role_unresolved: p.pass_role_unresolved.iter().cloned().collect(),
        check: None,
        warnings: quota_warnings(policies.len()),
        lint_findings: lint_findings(p, policies),
    }
}

/// The warning when `count` policies pass the default quota of managed policies.
fn quota_warnings(count: usize) -> Vec<String> {
    if count <= MANAGED_POLICIES_PER_PRINCIPAL {
        return Vec::new();
    }
    vec![format!(
        "{count} managed policies: more than the default quota of {MANAGED_POLICIES_PER_PRINCIPAL} managed policies attached to one role or user (IAM and AWS STS quotas; a quota increase raises it to 20): ask for the increase, use --collapse, or narrow the selection"
    )]
}

/// A statement of a linted document: its span and Sid.
struct Located {
    start: u32,
    end: u32,
    sid: String,
}

/// The statements of a document's text, with their spans.
fn locate(policy: Option<&Policy>) -> Vec<Located> {
    policy.map_or_else(Vec::new, |p| {
        p.statements
            .iter()
            .map(|st| Located {
                start: st.span.start,
                end: st.span.end,
                sid: st.sid.as_ref().map(|s| s.node.clone()).unwrap_or_default(),
            })
            .collect()
    })
}

/// The text of a span, unquoted when it is a JSON string.
fn span_text(text: &str, start: u32, end: u32) -> Option<String> {
    let raw = text.get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)?;
    Some(serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_string()))
}

/// Words in backticks in a message.
fn backticked(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// A finding at warning level or above, where it was seen, the Sids of the statements its
/// spans lie in, and the texts its spans and message name.
struct Seen {
    finding: crate::Finding,
    policies: Vec<usize>,
    sids: BTreeSet<String>,
    named: BTreeSet<String>,
}

/// One document's findings at warning level or above.
fn lint_document(text: &str) -> Vec<Seen> {
    let findings = lint_source(text, Some(PolicyKind::Identity), &Settings::default());
    let parsed = parse_policy(text, Some(PolicyKind::Identity));
    let statements = locate(parsed.policy.as_ref());
    findings
        .into_iter()
        .filter(|f| f.severity >= Severity::Warning)
        .map(|finding| {
            let spans: Vec<(u32, u32)> = std::iter::once((finding.span.start, finding.span.end))
                .chain(finding.related.iter().map(|(s, _)| (s.start, s.end)))
                .collect();
            let sids: BTreeSet<String> = spans
                .iter()
                .flat_map(|&(a, b)| {
                    statements
                        .iter()
                        .filter(move |st| st.start <= a && b <= st.end)
                        .map(|st| st.sid.clone())
                })
                .collect();
            let mut named: BTreeSet<String> = spans
                .iter()
                .filter_map(|&(a, b)| span_text(text, a, b))
                .collect();
            named.extend(backticked(&finding.message).into_iter().map(str::to_string));
            Seen {
                finding,
                policies: Vec::new(),
                sids,
                named,
            }
        })
        .collect()
}

/// The recorded actions that a written action (or pattern) stands for.
fn recorded<'a>(p: &'a PrincipalActivity, written: &str) -> Vec<&'a String> {
    p.actions
        .keys()
        .filter(|a| {
            if written.contains(['*', '?']) {
                glob_matches(written, a, true)
            } else {
                a.eq_ignore_ascii_case(written)
            }
        })
        .collect()
}

/// Explains the findings the linter has on a principal's policies: each document alone, and
/// all of them together (for combinations split across documents; the size quota is
/// per document and is not checked on the whole).
fn lint_findings(p: &PrincipalActivity, policies: &[GeneratedPolicy]) -> Vec<LintFinding> {
    if policies.is_empty() {
        return Vec::new();
    }
    let statements: Vec<&StatementPlan> = policies.iter().flat_map(|d| &d.statements).collect();
    let mut found: BTreeMap<(&'static str, String), Seen> = BTreeMap::new();
    for (i, d) in policies.iter().enumerate() {
        for mut seen in lint_document(&d.text) {
            let key = (seen.finding.rule.code, seen.finding.message.clone());
            if let Some(entry) = found.get_mut(&key) {
                entry.policies.push(i + 1);
                entry.sids.append(&mut seen.sids);
                entry.named.append(&mut seen.named);
            } else {
                seen.policies.push(i + 1);
                found.insert(key, seen);
            }
        }
    }
    if policies.len() > 1 {
        let all: Vec<serde_json::Value> = statements.iter().map(|s| s.to_json()).collect();
        let whole = serde_json::json!({"Version": "2012-10-17", "Statement": all});
        let text = serde_json::to_string_pretty(&whole).unwrap_or_default();
        for seen in lint_document(&text) {
            if seen.finding.rule.code == "C210" {
                continue;
            }
            found
                .entry((seen.finding.rule.code, seen.finding.message.clone()))
                .or_insert(seen);
        }
    }
    found
        .into_values()
        .map(|seen| explain(p, &statements, seen))
        .collect()
}

/// A finding with the recorded use of the actions it names.
fn explain(p: &PrincipalActivity, statements: &[&StatementPlan], seen: Seen) -> LintFinding {
    let Seen {
        finding,
        policies,
        sids,
        named,
    } = seen;
    let sr = ServiceRef::get();
    let flagged: Vec<&&StatementPlan> = statements
        .iter()
        .filter(|s| sids.contains(&s.sid))
        .collect();
    let written: BTreeSet<&String> = flagged.iter().flat_map(|s| &s.actions).collect();
    let mut chosen: BTreeSet<&String> = written
        .iter()
        .copied()
        .filter(|a| named.iter().any(|n| n.eq_ignore_ascii_case(a)))
        .collect();
    if chosen.is_empty() {
        chosen = written;
    }
    let mut actions: Vec<ActionUse> = Vec::new();
    for w in chosen {
        for a in recorded(p, w) {
            let Some(used) = p.actions.get(a) else {
                continue;
            };
            if actions.iter().any(|x| x.action == *a) {
                continue;
            }
            let resources: Vec<String> = flagged
                .iter()
                .filter(|s| s.actions.contains(w))
                .flat_map(|s| s.resources.iter().cloned())
                .take(10)
                .collect();
            actions.push(ActionUse {
                action: a.clone(),
                calls: used.calls,
                inferred_calls: used.inferred_calls,
                inferred_from: used.inferred_from.iter().cloned().collect(),
                resources,
                only_wildcard_resource: sr
                    .action(a)
                    .is_some_and(|x| x.accepts_only_wildcard_resource()),
            });
        }
    }
    actions.sort_by(|a, b| a.action.cmp(&b.action));
    let explanation = explanation(&actions, &named);
    LintFinding {
        code: finding.rule.code,
        name: finding.rule.name,
        severity: finding.severity.as_str(),
        message: finding.message,
        policies,
        statements: sids.into_iter().collect(),
        actions,
        explanation,
    }
}

/// One sentence from the recorded use.
fn explanation(actions: &[ActionUse], named: &BTreeSet<String>) -> String {
    if actions.is_empty() {
        return "the statements it points at grant no recorded action: report this as a bug"
            .to_string();
    }
    let mut open = false;
    let parts: Vec<String> = actions
        .iter()
        .map(|a| {
            let plural = if a.calls == 1 { "" } else { "s" };
            let how = if a.inferred_calls == a.calls {
                format!(
                    "inferred from {} call{plural} of {}",
                    a.calls,
                    a.inferred_from.join(", ")
                )
            } else {
                format!("{} recorded call{plural}", a.calls)
            };
            // A pattern the finding names: the calls left part of the ARN unknown.
            let pattern = a
                .resources
                .iter()
                .find(|r| *r != "*" && r.contains(['*', '?']) && named.contains(*r));
            let on = if a.resources.iter().any(|r| r == "*") {
                if a.only_wildcard_resource {
                    ", which takes only `*` as its resource".to_string()
                } else {
                    open = true;
                    ", on `*`: the calls named no resource to limit it to".to_string()
                }
            } else if let Some(p) = pattern {
                open = true;
                format!(", on `{p}`: the calls left part of the ARN unknown")
            } else {
                String::new()
            };
            format!("`{}` ({how}{on})", a.action)
        })
        .collect();
    let tail = if open {
        "; the finding follows from that use and from resources the calls did not name, which can be narrowed by hand where they are known"
    } else {
        "; the policy grants only what was used, so the finding stands as long as the principal needs that access"
    };
    format!("the principal used {}{tail}", parts.join(", "))
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
        "read {} input{} ({} of JSON), {} events: {} selected, {} mapped, {} unmapped, {} denied (left out), {} need no permission, {} with inferred actions, {} left out (failed or naming no resource)",
        c.inputs,
        if c.inputs == 1 { "" } else { "s" },
        mb(c.json_bytes),
        c.events,
        c.selected,
        c.mapped,
        c.unmapped,
        c.denied,
        c.permissionless,
        c.inferred,
        c.left_out
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
        for w in &p.warnings {
            let _ = writeln!(out, "  warning: {w}");
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
        for l in p.left_out.iter().take(10) {
            let _ = writeln!(out, "  left out: {} ×{}", l.call, l.count);
        }
        for profile in &p.pass_role_unresolved {
            let _ = writeln!(
                out,
                "  left out: iam:PassRole for the role of instance profile {profile} (no IAM call of the trail names it; add `iam:PassRole` on that role by hand)"
            );
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
        for f in &p.lint_findings {
            let within = match f.policies.as_slice() {
                [] => "the policies together".to_string(),
                [one] => format!("policy {one}"),
                many => format!(
                    "policies {}",
                    many.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let _ = writeln!(
                out,
                "  lint {} {} ({within}): {}; {}",
                f.code, f.name, f.message, f.explanation
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

#[cfg(test)]
mod tests {
    use super::*;

    fn used(action: &str, resources: &[&str], inferred: bool) -> ActionUse {
        ActionUse {
            action: action.to_string(),
            calls: 3,
            inferred_calls: if inferred { 3 } else { 0 },
            inferred_from: if inferred {
                vec!["ec2:RunInstances".to_string()]
            } else {
                Vec::new()
            },
            resources: resources.iter().map(|r| (*r).to_string()).collect(),
            only_wildcard_resource: false,
        }
    }

    #[test]
    fn warns_past_the_managed_policy_quota() {
        assert!(quota_warnings(MANAGED_POLICIES_PER_PRINCIPAL).is_empty());
        let w = quota_warnings(MANAGED_POLICIES_PER_PRINCIPAL + 1);
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("default quota of 10 managed policies"),
            "{}",
            w[0]
        );
    }

    #[test]
    fn explains_recorded_use_and_unknown_resources() {
        let role = "arn:aws:iam::111122223333:role/*";
        let named: BTreeSet<String> = ["iam:PassRole".to_string(), role.to_string()].into();
        let text = explanation(&[used("iam:PassRole", &[role], true)], &named);
        assert!(
            text.contains("inferred from 3 calls of ec2:RunInstances"),
            "{text}"
        );
        assert!(
            text.contains("the calls left part of the ARN unknown"),
            "{text}"
        );
        let text = explanation(
            &[used(
                "iam:CreateAccessKey",
                &["arn:aws:iam::111122223333:user/a"],
                false,
            )],
            &BTreeSet::new(),
        );
        assert!(
            text.contains("`iam:CreateAccessKey` (3 recorded calls)"),
            "{text}"
        );
        assert!(text.contains("grants only what was used"), "{text}");
        assert!(backticked("a `x` b `y`") == vec!["x", "y"]);
    }
}
