//! `N008` `redundant-condition-value`.

use std::cmp::Ordering;

use policy_core::ast::{
    ConditionKeyValues, ConditionOperator, OperatorBase, OperatorFamily, Statement,
};
use policy_core::value::{parse_bool, parse_date, parse_number};

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::{condition_keys, json_value, remove_node};
use crate::rules::util::has_variable;

declare_rule! {
    /// ## What it does
    /// Flags condition values that change nothing: a value listed twice for the same key
    /// (compared as the operator compares: ignoring case for the `IgnoreCase` operators, as
    /// numbers, dates or booleans for theirs), and several values under a `LessThan` or
    /// `GreaterThan` operator, where only the largest (or smallest) matters. The fix removes
    /// the duplicate, or keeps the one value that matters.
    ///
    /// ## Why is this bad?
    /// Values of one key are alternatives (OR). `"NumericLessThan": {"s3:max-keys": ["10",
    /// "100"]}` is the same as `< 100`; the `10` suggests a limit that does not exist.
    ///
    /// Covers Access Analyzer: `REDUNDANT_CONDITION_VALUE_NUM`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports", "Condition": {"NumericLessThanEquals": {"s3:max-keys": ["10", "100"]}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports", "Condition": {"NumericLessThanEquals": {"s3:max-keys": "100"}}}]}
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the condition matches the same requests with the remaining values.
    pub RedundantConditionValue { code: "N008", name: "redundant-condition-value", category: Suggestion, severity: Note }
}

/// Whether the operator keeps only the largest value (`LessThan`), the smallest
/// (`GreaterThan`), or neither.
fn extreme(base: OperatorBase) -> Option<Ordering> {
    use OperatorBase as B;
    match base {
        B::NumericLessThan | B::NumericLessThanEquals | B::DateLessThan | B::DateLessThanEquals => {
            Some(Ordering::Greater)
        }
        B::NumericGreaterThan
        | B::NumericGreaterThanEquals
        | B::DateGreaterThan
        | B::DateGreaterThanEquals => Some(Ordering::Less),
        _ => None,
    }
}

/// A value as the operator compares it, for the duplicate check and the ordering.
#[derive(Debug, PartialEq, PartialOrd)]
enum Key {
    Text(String),
    Number(f64),
    Date(i64),
}

fn comparable(operator: ConditionOperator, text: &str) -> Option<Key> {
    if has_variable(text) {
        return None;
    }
    Some(match operator.base.family() {
        OperatorFamily::Numeric => Key::Number(parse_number(text)?),
        OperatorFamily::Date => {
            let d = parse_date(text)?;
            Key::Date(d.timestamp_millis())
        }
        OperatorFamily::Bool | OperatorFamily::Null => Key::Text(parse_bool(text)?.to_string()),
        _ if matches!(
            operator.base,
            OperatorBase::StringEqualsIgnoreCase | OperatorBase::StringNotEqualsIgnoreCase
        ) =>
        {
            Key::Text(text.to_lowercase())
        }
        _ => Key::Text(text.to_string()),
    })
}

impl RedundantConditionValue {
    fn check_extreme(
        kv: &ConditionKeyValues,
        operator: ConditionOperator,
        keep: Ordering,
        ctx: &mut LintContext<'_>,
    ) -> bool {
        let keys: Option<Vec<Key>> = kv
            .values
            .iter()
            .map(|v| comparable(operator, &v.node.as_text()))
            .collect();
        let Some(keys) = keys else {
            return false;
        };
        let mut best = 0usize;
        for (i, k) in keys.iter().enumerate() {
            if keys
                .get(best)
                .and_then(|b| k.partial_cmp(b))
                .is_some_and(|o| o == keep)
            {
                best = i;
            }
        }
        let Some(value) = kv.values.get(best) else {
            return false;
        };
        let which = if keep == Ordering::Greater {
            "largest"
        } else {
            "smallest"
        };
        let text = value.node.as_text();
        ctx.report(
            Self::META,
            kv.values_span,
            format!(
                "`{operator}` with {} values for `{}` is the same as with the {which} one, `{text}`",
                kv.values.len(),
                kv.key.node
            ),
        )
        .help(format!("keep only `{text}`"))
        .fix(Fix::replace(
            Applicability::Safe,
            format!("keep only `{text}`"),
            kv.values_span,
            json_value(&value.node),
        ));
        true
    }
}

impl Rule for RedundantConditionValue {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for (op, kv) in condition_keys(statement) {
            if kv.values.len() < 2 {
                continue;
            }
            let operator = op.node;
            if let Some(keep) = extreme(operator.base) {
                if Self::check_extreme(kv, operator, keep, ctx) {
                    continue;
                }
            }
            let mut seen: Vec<(Key, usize)> = Vec::new();
            for (j, value) in kv.values.iter().enumerate() {
                let text = value.node.as_text();
                let Some(key) = comparable(operator, &text) else {
                    continue;
                };
                if let Some((_, i)) = seen.iter().find(|(k, _)| *k == key) {
                    let first = kv.values.get(*i).map_or(value.span, |v| v.span);
                    let fix = remove_node(&kv.values, j).map(|edit| Fix {
                        applicability: Applicability::Safe,
                        message: format!("remove the second `{text}`"),
                        edits: vec![edit],
                    });
                    ctx.report(
                        Self::META,
                        value.span,
                        format!(
                            "`{text}` is listed twice for `{}` (operator `{operator}`)",
                            kv.key.node
                        ),
                    )
                    .related(first, "first listed here")
                    .fix_opt(fix);
                } else {
                    seen.push((key, j));
                }
            }
        }
    }
}
