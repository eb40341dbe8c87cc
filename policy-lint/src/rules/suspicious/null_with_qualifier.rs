//! `W005` `null-with-qualifier`.

use policy_core::ast::{OperatorBase, SetQualifier, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags `ForAllValues:Null` and `ForAnyValue:Null`.
    ///
    /// ## Why is this bad?
    /// `Null` tests whether a key is present; the set qualifiers compare the key's values one
    /// by one, which makes no sense for a presence test. Access Analyzer warns that the
    /// result is then always true (`ForAllValues:`) or always false (`ForAnyValue:`), so the
    /// condition does not check what it seems to.
    ///
    /// Covers Access Analyzer: `NULL_WITH_QUALIFIER`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*", "Condition": {"ForAnyValue:Null": {"aws:TagKeys": "true"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*", "Condition": {"Null": {"aws:TagKeys": "true"}}}]}
    /// ```
    pub NullWithQualifier { code: "W005", name: "null-with-qualifier", category: Suspicious, severity: Warning }
}

impl Rule for NullWithQualifier {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for entry in statement.conditions() {
            let operator = entry.operator.node;
            let Some(qualifier) = operator.qualifier else {
                continue;
            };
            if operator.base != OperatorBase::Null {
                continue;
            }
            let outcome = match qualifier {
                SetQualifier::ForAllValues => "always true",
                SetQualifier::ForAnyValue => "always false",
            };
            ctx.report(
                Self::META,
                entry.operator.span,
                format!("`{operator}` does not test whether a key is present: Access Analyzer reads it as {outcome}"),
            )
            .help("use `Null` without a qualifier");
        }
    }
}
