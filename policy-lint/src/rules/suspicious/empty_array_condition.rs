//! `W006` `empty-array-condition`.

use policy_core::ast::{SetQualifier, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a condition key with an empty list of values (`"aws:SourceVpce": []`), an
    /// operator with no keys (`"StringEquals": {}`) and an empty `Condition` block.
    ///
    /// ## Why is this bad?
    /// The condition does not test what it seems to. With no values a positive operator or
    /// `ForAnyValue:` never matches, so an `Allow` grants nothing and a `Deny` denies
    /// nothing; a negated operator always matches; `ForAllValues:` and `IfExists` match only
    /// when the key is missing. An empty operator or block tests nothing. These are usually
    /// the remains of a template whose list came out empty.
    ///
    /// Covers Access Analyzer: `EMPTY_ARRAY_CONDITION`, `EMPTY_ARRAY_CONDITION_FORALLVALUES`,
    /// `EMPTY_ARRAY_CONDITION_FORANYVALUE`, `EMPTY_ARRAY_CONDITION_IFEXISTS`,
    /// `EMPTY_OBJECT_CONDITION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": []}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": ["vpce-1a2b3c4d"]}}}]}
    /// ```
    pub EmptyArrayCondition { code: "W006", name: "empty-array-condition", category: Suspicious, severity: Warning }
}

/// Longest text of an empty JSON object or array with a little white space inside.
const EMPTY_CONTAINER_MAX: usize = 6;

impl Rule for EmptyArrayCondition {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(block) = &statement.condition else {
            return;
        };
        // Operators the parser refused are dropped from the block: only a short block is empty.
        if block.entries.is_empty() && block.span.len() <= EMPTY_CONTAINER_MAX {
            ctx.report(Self::META, block.span, "the `Condition` block is empty")
                .help("remove the `Condition` element or add the conditions it should test");
            return;
        }
        for entry in &block.entries {
            let operator = entry.operator.node;
            if entry.keys.is_empty() {
                ctx.report(
                    Self::META,
                    entry.operator.span,
                    format!("`{operator}` tests no condition keys"),
                )
                .help(format!(
                    "remove `{operator}` or add the keys it should test"
                ));
                continue;
            }
            for kv in &entry.keys {
                if !kv.values.is_empty() {
                    continue;
                }
                let outcome = match operator.qualifier {
                    Some(SetQualifier::ForAllValues) => {
                        "matches only when the request has no value for the key"
                    }
                    None if operator.if_exists => "matches only when the key is missing",
                    None if operator.is_negated() => "matches every request",
                    Some(SetQualifier::ForAnyValue) | None => "never matches",
                };
                ctx.report(
                    Self::META,
                    kv.values_span,
                    format!(
                        "`{operator}` has no values for `{}`, so it {outcome}",
                        kv.key.node
                    ),
                )
                .help("list the values to compare, or remove the key");
            }
        }
    }
}
