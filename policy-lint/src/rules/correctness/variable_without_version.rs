//! `C113` `variable-without-version`.

use policy_core::ast::{Policy, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::util::has_variable;

declare_rule! {
    /// ## What it does
    /// Flags a policy variable in `Resource`, `NotResource` or a condition value of a policy
    /// whose `Version` is not `2012-10-17` (it is `2008-10-17`, or missing).
    ///
    /// ## Why is this bad?
    /// Only the 2012-10-17 language substitutes variables; under the older one
    /// `${aws:username}` is literal text, so the resource or condition matches nothing the
    /// author meant.
    ///
    /// Covers Access Analyzer: `VARIABLE_UNSUPPORTED_IN_VERSION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
    /// ```
    pub VariableWithoutVersion { code: "C113", name: "variable-without-version", category: Correctness, severity: Error }
}

fn first_variable(statement: &Statement) -> Option<policy_core::Span> {
    let in_resources = statement
        .resources()
        .iter()
        .find(|r| has_variable(&r.node))
        .map(|r| r.span);
    in_resources.or_else(|| {
        statement
            .conditions()
            .iter()
            .flat_map(|e| e.keys.iter())
            .flat_map(|k| k.values.iter())
            .find(|v| has_variable(&v.node.as_text()))
            .map(|v| v.span)
    })
}

impl Rule for VariableWithoutVersion {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        if policy.has_variables() {
            return;
        }
        let version = policy.version.map_or("no version", |v| v.node.as_str());
        for statement in &policy.statements {
            if let Some(span) = first_variable(statement) {
                let mut report = ctx
                    .report(
                        Self::META,
                        span,
                        format!("policy variables are literal text under `{version}`"),
                    )
                    .help("set `\"Version\": \"2012-10-17\"`");
                if let Some(v) = policy.version {
                    report = report.related(v.span, "the policy's version");
                }
                let _ = report;
            }
        }
    }
}
