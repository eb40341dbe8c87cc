//! `C209` `multiple-bool-values`.

use policy_core::ast::{OperatorFamily, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `Bool` condition (without a set qualifier) that lists more than one value for
    /// a key.
    ///
    /// ## Why is this bad?
    /// A boolean key has one value. Access Analyzer rejects several values; `true` and
    /// `false` together would match every request that has the key, which is rarely what
    /// was meant.
    ///
    /// Covers Access Analyzer: `INVALID_CONDITION_MULTIPLE_BOOLEAN`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": ["false", "true"]}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    /// ```
    pub MultipleBoolValues { code: "C209", name: "multiple-bool-values", category: Correctness, severity: Error }
}

impl Rule for MultipleBoolValues {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for entry in statement.conditions() {
            let operator = entry.operator.node;
            if operator.base.family() != OperatorFamily::Bool || operator.qualifier.is_some() {
                continue;
            }
            for kv in entry.keys.iter().filter(|kv| kv.values.len() > 1) {
                ctx.report(
                    Self::META,
                    kv.values_span,
                    format!(
                        "`{operator}` lists {} values for `{}`, but a boolean key has one",
                        kv.values.len(),
                        kv.key.node
                    ),
                )
                .help("keep the one value to test: `true` and `false` together match every request that has the key");
            }
        }
    }
}
