//! `C202` `invalid-service-principal-format`.

use policy_core::ast::{PrincipalKind, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `Service` principal that is not a service principal name: lower-case labels
    /// separated by dots, ending in `amazonaws.com` (or `amazonaws.com.cn`, `amazon.com`,
    /// and the domains of the isolated and sovereign partitions), such as
    /// `lambda.amazonaws.com` or `logs.eu-west-1.amazonaws.com`. Values with wildcards are
    /// left to `unsupported-wildcard-in-principal`.
    ///
    /// ## Why is this bad?
    /// AWS rejects the policy, or the principal never matches: service principals are
    /// compared exactly. Common slips are an ARN, a bare service prefix (`lambda`), or
    /// capitals (`Lambda.amazonaws.com`).
    ///
    /// Covers Access Analyzer: `INVALID_SERVICE_PRINCIPAL_FORMAT`; parliament:
    /// `UNKNOWN_PRINCIPAL` (in part).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda"}, "Action": "sts:AssumeRole"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    /// ```
    pub InvalidServicePrincipalFormat { code: "C202", name: "invalid-service-principal-format", category: Correctness, severity: Error }
}

/// Domains service principals end with.
const SUFFIXES: [&str; 6] = [
    ".amazonaws.com",
    ".amazonaws.com.cn",
    ".amazon.com",
    ".c2s.ic.gov",
    ".sc2s.sgov.gov",
    ".amazonaws.eu",
];

/// Whether `label` is a DNS label of lower-case letters, digits and inner hyphens.
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// What is wrong with a service principal, with advice; `None` when it is well formed.
fn problem(text: &str) -> Option<(String, String)> {
    if let Some(name) = SUFFIXES.iter().find_map(|s| text.strip_suffix(s)) {
        if name.split('.').all(is_label) {
            return None;
        }
    }
    if text.starts_with("arn:") {
        return Some((
            "is an ARN, not a service principal".to_string(),
            "put ARNs under `AWS`; service principals are names such as `lambda.amazonaws.com`"
                .to_string(),
        ));
    }
    if text.chars().any(|c| c.is_ascii_uppercase()) {
        return Some((
            "has capitals".to_string(),
            format!("write `{}`", text.to_ascii_lowercase()),
        ));
    }
    if text.trim() != text {
        return Some((
            "has white space around it".to_string(),
            format!("write `{}`", text.trim()),
        ));
    }
    if is_label(text) {
        return Some((
            "is not a full service principal name".to_string(),
            format!("did you mean `{text}.amazonaws.com`?"),
        ));
    }
    Some((
        "is not a service principal name".to_string(),
        "service principals look like `lambda.amazonaws.com`".to_string(),
    ))
}

impl Rule for InvalidServicePrincipalFormat {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(principal) = &statement.principal else {
            return;
        };
        for entry in principal.value.entries() {
            if entry.kind.node != PrincipalKind::Service {
                continue;
            }
            for value in &entry.values {
                let text = value.node.as_str();
                if text.contains(['*', '?']) || text.contains("${") {
                    continue;
                }
                if let Some((problem, help)) = problem(text) {
                    ctx.report(
                        Self::META,
                        value.span,
                        format!("service principal `{text}` {problem}"),
                    )
                    .help(help);
                }
            }
        }
    }
}
