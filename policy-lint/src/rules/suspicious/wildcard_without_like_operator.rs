//! `W007` `wildcard-without-like-operator`.

use policy_core::ast::{ConditionOperator, OperatorBase, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::{condition_keys, json_string, without_variables};

declare_rule! {
    /// ## What it does
    /// Flags a condition value with `*` or `?` under `StringEquals`, `StringNotEquals`,
    /// `StringEqualsIgnoreCase` or `StringNotEqualsIgnoreCase`. The `*` of a policy variable
    /// (`${*}`) is not counted. `ArnEquals` is not reported: it matches wildcards like
    /// `ArnLike`.
    ///
    /// ## Why is this bad?
    /// Only the `Like` operators treat `*` and `?` as wildcards; the others compare them as
    /// literal characters. `"StringEquals": {"s3:prefix": "home/*"}` matches only the prefix
    /// that is literally `home/*`, so the `Allow` grants far less than intended (or a `Deny`
    /// denies far less).
    ///
    /// Covers Access Analyzer: `WILDCARD_WITHOUT_LIKE_OPERATOR`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports", "Condition": {"StringEquals": {"s3:prefix": "home/*"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports", "Condition": {"StringLike": {"s3:prefix": "home/*"}}}]}
    /// ```
    ///
    /// ## Fix safety
    /// Display only: the `Like` operator matches more (or, negated, less), which may not be
    /// what was meant either.
    pub WildcardWithoutLikeOperator { code: "W007", name: "wildcard-without-like-operator", category: Suspicious, severity: Warning }
}

/// The `Like` form of an `Equals` operator, when there is one.
fn like_of(base: OperatorBase) -> Option<OperatorBase> {
    match base {
        OperatorBase::StringEquals => Some(OperatorBase::StringLike),
        OperatorBase::StringNotEquals => Some(OperatorBase::StringNotLike),
        _ => None,
    }
}

impl Rule for WildcardWithoutLikeOperator {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for (op, kv) in condition_keys(statement) {
            let operator = op.node;
            if !matches!(
                operator.base,
                OperatorBase::StringEquals
                    | OperatorBase::StringNotEquals
                    | OperatorBase::StringEqualsIgnoreCase
                    | OperatorBase::StringNotEqualsIgnoreCase
            ) {
                continue;
            }
            let like = like_of(operator.base).map(|base| ConditionOperator { base, ..operator });
            for value in &kv.values {
                let text = value.node.as_text();
                let literal = without_variables(&text);
                let Some(wildcard) = literal.chars().find(|c| matches!(c, '*' | '?')) else {
                    continue;
                };
                // Offer the `Like` operator only when the statement has none yet (no duplicate
                // key) and every key of this operator would keep its meaning.
                let fix = like.filter(|like| {
                    op_is_alone(statement, *like) && op_keys(statement, operator) == 1
                });
                let fix = fix.map(|like| {
                    Fix::replace(
                        Applicability::DisplayOnly,
                        format!("use `{like}`"),
                        op.span,
                        json_string(&like.to_string()),
                    )
                });
                let help = match like {
                    Some(like) => format!("use `{like}` if `{wildcard}` is meant as a wildcard"),
                    None => format!("`{operator}` has no `Like` form: use `StringLike` (case-sensitive) if `{wildcard}` is meant as a wildcard"),
                };
                ctx.report(
                    Self::META,
                    value.span,
                    format!("`{text}` contains `{wildcard}`, which `{operator}` compares as a literal character"),
                )
                .help(help)
                .fix_opt(fix);
                break;
            }
        }
    }
}

/// Whether the statement has no operator `op` yet.
fn op_is_alone(statement: &Statement, op: ConditionOperator) -> bool {
    !statement.conditions().iter().any(|e| e.operator.node == op)
}

/// How many keys the statement's operator `op` tests.
fn op_keys(statement: &Statement, op: ConditionOperator) -> usize {
    statement
        .conditions()
        .iter()
        .filter(|e| e.operator.node == op)
        .map(|e| e.keys.len())
        .sum()
}
