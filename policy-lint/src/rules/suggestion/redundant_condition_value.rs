//! `N008` `redundant-condition-value`.

use std::cmp::Ordering;
use std::collections::HashMap;

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

/// A [`Key`] that hashes, equal when the keys are equal: numbers by their bits (`-0` as `0`),
/// and no key for NaN (it equals nothing, not even itself).
#[derive(Debug, PartialEq, Eq, Hash)]
enum SeenKey {
    Text(String),
    Number(u64),
    Date(i64),
}

impl SeenKey {
    fn of(key: Key) -> Option<Self> {
        Some(match key {
            Key::Text(t) => SeenKey::Text(t),
            Key::Number(n) if n.is_nan() => return None,
            // The pattern compares with `==`: `-0` matches it too.
            Key::Number(0.0) => SeenKey::Number(0f64.to_bits()),
            Key::Number(n) => SeenKey::Number(n.to_bits()),
            Key::Date(d) => SeenKey::Date(d),
        })
    }
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
            // The first value of each key, in a map: one look-up per value, not a scan of
            // the values before it (a condition may list thousands).
            let mut seen: HashMap<SeenKey, usize> = HashMap::new();
            for (j, value) in kv.values.iter().enumerate() {
                let text = value.node.as_text();
                let Some(key) = comparable(operator, &text).and_then(SeenKey::of) else {
                    continue;
                };
                if let Some(i) = seen.get(&key) {
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
                    seen.insert(key, j);
                }
            }
        }
    }
}

#[cfg(test)]
mod seen_key_tests {
    use super::*;
    use proptest::prelude::prop;

    proptest::proptest! {
        #[test]
        fn hashed_keys_are_equal_when_the_keys_are(
            a in prop::sample::select(vec!["0", "-0", "0.0", "1", "1.0", "1e0", "NaN", "2", "a", "A", "2024-01-01", "2024-01-01T00:00:00Z"]),
            b in prop::sample::select(vec!["0", "-0", "0.0", "1", "1.0", "1e0", "NaN", "2", "a", "A", "2024-01-01", "2024-01-01T00:00:00Z"]),
            op in prop::sample::select(vec!["NumericEquals", "DateEquals", "StringEquals", "StringEqualsIgnoreCase", "Bool"]),
        ) {
            let operator = ConditionOperator::parse(op).unwrap();
            let (x, y) = (comparable(operator, a), comparable(operator, b));
            let expected = matches!((&x, &y), (Some(x), Some(y)) if x == y);
            let hashed = x.and_then(SeenKey::of).zip(y.and_then(SeenKey::of));
            proptest::prop_assert_eq!(hashed.is_some_and(|(x, y)| x == y), expected);
        }
    }
}
