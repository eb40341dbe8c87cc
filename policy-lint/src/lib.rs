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

pub mod context;
pub mod file;
pub mod finding;
pub mod fix;
pub mod registry;
pub mod rule;
pub mod rules;
pub mod settings;

pub use context::LintContext;
pub use file::{lint_file, FileReport};
pub use finding::{Applicability, Edit, Finding, Fix, Severity};
pub use rule::{Category, Rule, RuleMeta};
pub use settings::Settings;

use policy_core::ast::{Policy, PolicyKind};
use policy_core::parse::{parse_policy, ParseError};

/// Parses policy text and lints it: parse errors become findings of their rules, then every
/// selected rule runs on what could be read. Findings are sorted by position, then code.
pub fn lint_source(text: &str, kind: Option<PolicyKind>, settings: &Settings) -> Vec<Finding> {
    let parsed = parse_policy(text, kind);
    let mut findings: Vec<Finding> = parsed
        .errors
        .iter()
        .filter_map(|e| parse_error_finding(e, settings))
        .collect();
    if let Some(policy) = &parsed.policy {
        findings.extend(lint_policy(policy, settings));
    }
    sort_findings(&mut findings);
    findings
}

/// Runs every selected rule on a parsed policy.
pub fn lint_policy(policy: &Policy, settings: &Settings) -> Vec<Finding> {
    let mut ctx = LintContext::new(policy, settings);
    for rule in registry::rules() {
        if !settings.is_enabled(rule.meta()) {
            continue;
        }
        rule.check_policy(policy, &mut ctx);
        for statement in &policy.statements {
            rule.check_statement(statement, &mut ctx);
        }
    }
    ctx.into_findings()
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
