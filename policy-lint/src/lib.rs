//! Lint rules for AWS IAM policies.
//!
//! One file per rule under `rules/<category>/`, each declared with [`declare_rule!`] so that
//! its doc comment is its documentation (`iampol rule CODE` prints it). [`registry`] is the
//! central code table. [`lint_source`] parses a policy and runs every selected rule.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod config;
pub mod context;
mod facts;
pub mod file;
pub mod finding;
pub mod fix;
pub mod generate;
pub mod registry;
pub mod rule;
pub mod rules;
pub mod settings;
mod support;

pub use context::LintContext;
pub use file::{lint_file, FileReport};
pub use finding::{Applicability, Edit, Finding, Fix, Severity};
pub use rule::{Category, Rule, RuleMeta};
pub use settings::Settings;

use std::collections::HashMap;

use policy_core::ast::{Policy, PolicyKind};
use policy_core::parse::{parse_policy_json, ParseError};
use policy_core::Span;
use settings::Suppression;

/// Parses policy text and lints it: parse errors become findings of their rules, then every
/// selected rule runs on what could be read. Findings are sorted by position, then code.
/// Text that is valid JSON but no policy gets a `not-a-policy` finding too when it looks
/// policy-related (a trail log file, say).
pub fn lint_source(text: &str, kind: Option<PolicyKind>, settings: &Settings) -> Vec<Finding> {
    let json = policy_core::syntax::json::parse(text);
    let hint = json
        .value
        .as_ref()
        .filter(|v| !file::looks_like_policy(v))
        .and_then(|v| file::not_a_policy(v, settings));
    let parsed = parse_policy_json(json, kind);
    let mut local = fix::LocalErrors::default();
    let mut findings = lint_parsed_with(&parsed, settings, Some(&mut local));
    fix::gate_unsafe_fixes_parsed(text, parsed, local, kind, settings, &mut findings);
    if let Some(hint) = hint {
        findings.push(hint);
        sort_findings(&mut findings);
    }
    findings
}

/// Lints a policy already parsed (its parse errors become findings too).
pub fn lint_parsed(parsed: &policy_core::parse::Parsed, settings: &Settings) -> Vec<Finding> {
    lint_parsed_with(parsed, settings, None)
}

/// [`lint_parsed`], noting in `local` the error findings the unsafe-fix gate reuses.
pub(crate) fn lint_parsed_with(
    parsed: &policy_core::parse::Parsed,
    settings: &Settings,
    local: Option<&mut fix::LocalErrors>,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> = parsed
        .errors
        .iter()
        .filter_map(|e| parse_error_finding(e, settings))
        .collect();
    if let Some(policy) = &parsed.policy {
        findings.extend(lint_policy_with(policy, settings, local));
        suppress_findings(policy, settings, &mut findings);
    }
    sort_findings(&mut findings);
    findings
}

/// Runs every selected rule on a parsed policy.
pub fn lint_policy(policy: &Policy, settings: &Settings) -> Vec<Finding> {
    lint_policy_with(policy, settings, None)
}

/// [`lint_policy`], noting in `local` each statement's error findings from the rules that
/// look at that statement alone (see [`fix::LocalErrors`]).
fn lint_policy_with(
    policy: &Policy,
    settings: &Settings,
    mut local: Option<&mut fix::LocalErrors>,
) -> Vec<Finding> {
    let mut ctx = LintContext::new(policy, settings);
    for rule in registry::rules() {
        if !settings.is_enabled(rule.meta()) {
            continue;
        }
        rule.check_policy(policy, &mut ctx);
        let noted = match &mut local {
            Some(noted) if fix::is_local_error_rule(rule.meta(), settings) => Some(&mut **noted),
            _ => None,
        };
        if let Some(noted) = noted {
            for statement in &policy.statements {
                let from = ctx.findings().len();
                rule.check_statement(statement, &mut ctx);
                noted.note(
                    statement.index,
                    ctx.findings().get(from..).unwrap_or_default(),
                );
            }
        } else {
            for statement in &policy.statements {
                rule.check_statement(statement, &mut ctx);
            }
        }
    }
    if let Some(noted) = local {
        noted.complete = true;
    }
    let mut findings = ctx.into_findings();
    suppress_findings(policy, settings, &mut findings);
    findings
}

/// Drops the findings that lie inside a statement whose `Sid` an active suppression of the
/// settings names for the finding's rule (`[[suppress]]` in `iampol.toml`).
pub fn suppress_findings(policy: &Policy, settings: &Settings, findings: &mut Vec<Finding>) {
    if settings.active_suppressions().next().is_none() {
        return;
    }
    // The statements some active suppression names, sorted by start, each with those
    // suppressions, and the furthest end of the statements up to it: a finding is looked up
    // by binary search, not tested against every statement.
    let mut by_sid: HashMap<&str, Vec<&Suppression>> = HashMap::new();
    for s in settings.active_suppressions() {
        by_sid.entry(s.sid.as_str()).or_default().push(s);
    }
    let mut named: Vec<(Span, &[&Suppression])> = policy
        .statements
        .iter()
        .filter_map(|statement| {
            let sid = statement.sid.as_ref()?;
            Some((statement.span, by_sid.get(sid.node.as_str())?.as_slice()))
        })
        .collect();
    named.sort_by_key(|(span, _)| span.start);
    let reach: Vec<u32> = named
        .iter()
        .scan(0, |end, (span, _)| {
            *end = span.end.max(*end);
            Some(*end)
        })
        .collect();
    findings.retain(|finding| {
        let mut k = named.partition_point(|(span, _)| span.start <= finding.span.start);
        while let Some(before) = k.checked_sub(1) {
            k = before;
            if reach.get(k).is_none_or(|&end| end < finding.span.end) {
                break;
            }
            let covered = named.get(k).is_some_and(|(span, suppressions)| {
                finding.span.end <= span.end && suppressions.iter().any(|s| s.covers(finding.rule))
            });
            if covered {
                return false;
            }
        }
        true
    });
}

/// The finding for a parse error, unless its rule is not selected.
pub fn parse_error_finding(error: &ParseError, settings: &Settings) -> Option<Finding> {
    let meta = registry::by_name(error.kind.name())?;
    if !settings.is_enabled(meta) {
        return None;
    }
    let mut finding = Finding::new(meta, error.span, error.kind.to_string());
    finding.severity = settings.severity_of(meta);
    finding.help = error.kind.help();
    if let Some(related) = error.related {
        finding
            .related
            .push((related, "first written here".to_string()));
    }
    Some(finding)
}

/// Sorts findings by position, then by code, so output is stable.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.span.start, a.span.end, a.rule.code, &a.message).cmp(&(
            b.span.start,
            b.span.end,
            b.rule.code,
            &b.message,
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::prop;

    /// [`suppress_findings`] as it was first written: each finding against every statement.
    fn suppress_findings_by_every_pair(
        policy: &Policy,
        settings: &Settings,
        findings: &mut Vec<Finding>,
    ) {
        findings.retain(|finding| {
            !policy.statements.iter().any(|statement| {
                statement.span.start <= finding.span.start
                    && finding.span.end <= statement.span.end
                    && statement.sid.as_ref().is_some_and(|sid| {
                        settings
                            .active_suppressions()
                            .any(|s| s.sid == sid.node && s.covers(finding.rule))
                    })
            })
        });
    }

    proptest::proptest! {
        #[test]
        fn looked_up_suppressions_drop_what_every_pair_drops(
            sids in prop::collection::vec(prop::option::of("[ab]"), 1..8),
            suppressed in prop::collection::vec(("[abc]", prop::sample::select(vec!["C102", "C111", "correctness", "ALL", "N004"])), 0..4),
        ) {
            let statements: Vec<String> = sids
                .iter()
                .map(|sid| {
                    let sid = sid.as_ref().map_or(String::new(), |s| format!(r#""Sid": "{s}", "#));
                    format!(r#"{{{sid}"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}}"#)
                })
                .collect();
            let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#, statements.join(","));
            let settings = Settings {
                suppress: suppressed
                    .into_iter()
                    .map(|(sid, rule)| Suppression { sid, rules: vec![rule.into()], paths: Vec::new() })
                    .collect(),
                ..Settings::default()
            };
            let parsed = policy_core::parse::parse_policy(&text, Some(PolicyKind::Identity));
            let policy = parsed.policy.as_ref().unwrap();
            // Every finding with no suppression, plus the parse errors' findings.
            let mut all = lint_parsed(&parsed, &Settings::default());
            // And findings that start where a statement does but end past it, or cover all.
            let rule = registry::by_name("unknown-action").unwrap();
            all.push(Finding::new(rule, Span::new(0, text.len()), "whole"));
            for s in &policy.statements {
                all.push(Finding::new(rule, Span { start: s.span.start, end: s.span.end + 1 }, "past"));
            }
            let mut expected = all.clone();
            suppress_findings_by_every_pair(policy, &settings, &mut expected);
            let mut got = all;
            suppress_findings(policy, &settings, &mut got);
            let key = |f: &Vec<Finding>| -> Vec<(Span, &str, String)> {
                f.iter().map(|f| (f.span, f.rule.code, f.message.clone())).collect()
            };
            proptest::prop_assert_eq!(key(&got), key(&expected));
        }
    }

    const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Legacy", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"},
    {"Sid": "Current", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}
  ]
}"#;

    /// `(line, code)` of each finding: line 4 is statement `Legacy`, line 5 `Current`.
    fn lines(settings: &Settings) -> Vec<(usize, &'static str)> {
        lint_source(POLICY, Some(PolicyKind::Identity), settings)
            .iter()
            .map(|f| (POLICY[..f.span.start as usize].lines().count(), f.rule.code))
            .collect()
    }

    #[test]
    fn suppression_drops_findings_inside_the_named_statement_only() {
        let all = lines(&Settings::default());
        assert!(
            all.contains(&(4, "C102")) && all.contains(&(5, "C102")),
            "{all:?}"
        );
        let settings = Settings {
            suppress: vec![Suppression {
                sid: "Legacy".into(),
                rules: vec!["unknown-action".into()],
                paths: Vec::new(),
            }],
            ..Settings::default()
        };
        let left = lines(&settings);
        assert_eq!(left.len(), all.len() - 1, "{left:?}");
        assert!(!left.contains(&(4, "C102")), "{left:?}");
        // Another rule's suppression, or one waiting for a path match, drops nothing.
        let settings = Settings {
            suppress: vec![Suppression {
                sid: "Legacy".into(),
                rules: vec!["C110".into()],
                paths: vec![settings::PathPattern::new("*.json").unwrap()],
            }],
            ..Settings::default()
        };
        assert_eq!(lines(&settings), all);
    }
}
