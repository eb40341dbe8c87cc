//! `C108` `duplicate-condition-key`.

use policy_core::ast::Statement;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a condition key that appears twice under one operator with different
    /// capitalisation (`aws:SourceVpc` and `aws:sourcevpc`).
    ///
    /// ## Why is this bad?
    /// Condition keys are case-insensitive, so both entries test the same key; AWS rejects
    /// the policy (`DUPLICATE_KEYS_WITH_DIFFERENT_CASE`), and tools disagree about which one
    /// counts.
    ///
    /// Covers Access Analyzer: `DUPLICATE_KEYS_WITH_DIFFERENT_CASE`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-1a2b3c4d", "aws:sourcevpc": "vpc-5e6f7a8b"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpc": ["vpc-1a2b3c4d", "vpc-5e6f7a8b"]}}}]}
    /// ```
    pub DuplicateConditionKey { code: "C108", name: "duplicate-condition-key", category: Correctness, severity: Error }
}

impl Rule for DuplicateConditionKey {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for entry in statement.conditions() {
            for (i, kv) in entry.keys.iter().enumerate() {
                let earlier = entry.keys.iter().take(i).find(|k| {
                    k.key.node != kv.key.node && k.key.node.eq_ignore_ascii_case(&kv.key.node)
                });
                if let Some(first) = earlier {
                    ctx.report(
                        Self::META,
                        kv.key.span,
                        format!(
                            "`{}` repeats `{}` under `{}`: condition keys ignore case",
                            kv.key.node, first.key.node, entry.operator.node
                        ),
                    )
                    .help("merge the values into one key")
                    .related(first.key.span, "first written here");
                }
            }
        }
    }
}
