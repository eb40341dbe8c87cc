//! `C107` `mixed-condition-value-types`.

use policy_core::ast::Statement;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a condition key whose list of values mixes JSON types, such as a string and a
    /// number, or a boolean and a string.
    ///
    /// ## Why is this bad?
    /// AWS rejects the policy (`INVALID_CONDITION_DATA_TYPE`): the values of one key must all
    /// have the same JSON type.
    ///
    /// Covers Access Analyzer: `INVALID_CONDITION_DATA_TYPE`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", 10]}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}}]}
    /// ```
    pub MixedConditionValueTypes { code: "C107", name: "mixed-condition-value-types", category: Correctness, severity: Error }
}

impl Rule for MixedConditionValueTypes {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for entry in statement.conditions() {
            for kv in &entry.keys {
                let Some(first) = kv.values.first() else {
                    continue;
                };
                if let Some(other) = kv
                    .values
                    .iter()
                    .find(|v| v.node.type_name() != first.node.type_name())
                {
                    ctx.report(
                        Self::META,
                        other.span,
                        format!(
                            "values of `{}` mix a {} and a {}",
                            kv.key.node,
                            first.node.type_name(),
                            other.node.type_name()
                        ),
                    )
                    .help("write every value as a string")
                    .related(
                        first.span,
                        format!("this value is a {}", first.node.type_name()),
                    );
                }
            }
        }
    }
}
