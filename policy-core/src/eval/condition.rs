//! Condition evaluation (UG `reference_policies_elements_condition_operators`,
//! `reference_policies_condition-single-vs-multi-valued-context-keys`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ipnet::IpNet;

use super::pattern::{Pattern, Tok};
use crate::ast::{ConditionEntry, ConditionOperator, OperatorBase, OperatorFamily, SetQualifier};
use crate::request::Request;
use crate::value::{parse_bool, parse_date, parse_ip_range, parse_number};

/// A policy value, read once for its operator.
#[derive(Debug, Clone)]
enum Value {
    /// String, Arn, Binary and Bool values (variables allowed).
    Text(Pattern),
    Number(f64),
    Date(DateTime<Utc>),
    Ip(IpNet),
    /// A value the operator cannot read: it matches nothing.
    Invalid,
}

/// One key tested by one operator.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    op: ConditionOperator,
    /// The positive form of the base operator (`StringNotLike` → `StringLike`).
    positive: OperatorBase,
    /// The key, lower-cased.
    pub(crate) key: Arc<str>,
    values: Vec<Value>,
    /// For `Null`: whether the policy asks for the key to be absent.
    null_wants_absent: Vec<bool>,
}

fn positive_of(base: OperatorBase) -> OperatorBase {
    use OperatorBase as O;
    match base {
        O::StringNotEquals => O::StringEquals,
        O::StringNotEqualsIgnoreCase => O::StringEqualsIgnoreCase,
        O::StringNotLike => O::StringLike,
        O::NumericNotEquals => O::NumericEquals,
        O::DateNotEquals => O::DateEquals,
        O::NotIpAddress => O::IpAddress,
        O::ArnNotEquals => O::ArnEquals,
        O::ArnNotLike => O::ArnLike,
        other => other,
    }
}

impl Condition {
    /// Compiles every key of a condition entry.
    pub(crate) fn compile(entry: &ConditionEntry, variables: bool) -> Vec<Condition> {
        let op = entry.operator.node;
        let positive = positive_of(op.base);
        entry
            .keys
            .iter()
            .map(|kv| {
                let texts: Vec<String> = kv
                    .values
                    .iter()
                    .map(|v| v.node.as_text().into_owned())
                    .collect();
                let values = texts
                    .iter()
                    .map(|t| match op.base.family() {
                        OperatorFamily::Numeric => {
                            parse_number(t).map_or(Value::Invalid, Value::Number)
                        }
                        OperatorFamily::Date => parse_date(t).map_or(Value::Invalid, Value::Date),
                        OperatorFamily::Ip => parse_ip_range(t).map_or(Value::Invalid, Value::Ip),
                        // Numeric, date and IP values take no variables (UG, policy variables).
                        OperatorFamily::String => Value::Text(Pattern::new(
                            t,
                            matches!(positive, OperatorBase::StringLike),
                            variables,
                        )),
                        OperatorFamily::Arn => Value::Text(Pattern::new(t, true, variables)),
                        OperatorFamily::Bool | OperatorFamily::Binary | OperatorFamily::Null => {
                            Value::Text(Pattern::new(t, false, variables))
                        }
                    })
                    .collect();
                let null_wants_absent = texts.iter().map(|t| parse_bool(t) == Some(true)).collect();
                Condition {
                    op,
                    positive,
                    key: kv.key.node.to_ascii_lowercase().into(),
                    values,
                    null_wants_absent,
                }
            })
            .collect()
    }

    /// Whether the condition holds for the request context; `missing` is set when the key
    /// is absent from the context.
    pub(crate) fn holds(&self, ctx: &Request, buf: &mut Vec<Tok>, missing: &mut bool) -> bool {
        // With a set operator, a key whose values are all empty strings resolves to a null data
        // set, like an empty one (UG single-vs-multivalued context keys, "Set operators for
        // multivalued context keys": "... or if the key values resolve to a null data set, such
        // as an empty string").
        let null_set = |v: &[String]| {
            v.is_empty() || (self.op.qualifier.is_some() && v.iter().all(String::is_empty))
        };
        let present = ctx.value(&self.key).filter(|v| !null_set(v));
        if self.op.base == OperatorBase::Null {
            // `Null: true` holds when the key is absent; `false` when it is present. Several
            // policy values combine with OR.
            let absent = present.is_none();
            return self.null_wants_absent.contains(&absent);
        }
        let Some(values) = present else {
            *missing = ctx.value(&self.key).is_none();
            // Missing key (or a null data set): IfExists → true; ForAllValues → true;
            // ForAnyValue → false; a negated operator → true; else false.
            return self.op.if_exists
                || match self.op.qualifier {
                    Some(SetQualifier::ForAllValues) => true,
                    Some(SetQualifier::ForAnyValue) => false,
                    None => self.op.is_negated(),
                };
        };
        let negated = self.op.is_negated();
        // Per request value: does it satisfy the operator (negation applied per element)?
        let element = |v: &str, buf: &mut Vec<Tok>| self.any_value_matches(v, ctx, buf) != negated;
        match self.op.qualifier {
            Some(SetQualifier::ForAllValues) => values.iter().all(|v| element(v, buf)),
            Some(SetQualifier::ForAnyValue) => values.iter().any(|v| element(v, buf)),
            // Without a set operator a request with several values for the key does not match:
            // multivalued keys require ForAllValues or ForAnyValue (UG single-vs-multivalued
            // context keys; the reading iam-simulate takes too). See corpus/eval/DIVERGENCES.md.
            None => match values {
                [single] => element(single, buf),
                _ => false,
            },
        }
    }

    /// Whether the request value matches at least one policy value under the positive
    /// operator.
    fn any_value_matches(&self, request: &str, ctx: &Request, buf: &mut Vec<Tok>) -> bool {
        use OperatorBase as O;
        match self.positive.family() {
            OperatorFamily::String => {
                let ignore_case = self.positive == O::StringEqualsIgnoreCase;
                self.values.iter().any(|v| match v {
                    Value::Text(p) => p.matches(request, ctx, ignore_case, buf),
                    _ => false,
                })
            }
            OperatorFamily::Bool => self.values.iter().any(|v| match v {
                Value::Text(p) => p.matches(request, ctx, true, buf),
                _ => false,
            }),
            OperatorFamily::Binary => self.values.iter().any(|v| match v {
                Value::Text(p) => p.matches(request, ctx, false, buf),
                _ => false,
            }),
            OperatorFamily::Arn => self.values.iter().any(|v| match v {
                Value::Text(p) => arn_matches(p, request, ctx, buf),
                _ => false,
            }),
            OperatorFamily::Numeric => {
                let Some(r) = parse_number(request) else {
                    return false;
                };
                self.values.iter().any(|v| match v {
                    Value::Number(p) => match self.positive {
                        O::NumericEquals => (r - p).abs() < f64::EPSILON * r.abs().max(1.0),
                        O::NumericLessThan => r < *p,
                        O::NumericLessThanEquals => r <= *p,
                        O::NumericGreaterThan => r > *p,
                        O::NumericGreaterThanEquals => r >= *p,
                        _ => false,
                    },
                    _ => false,
                })
            }
            OperatorFamily::Date => {
                let Some(r) = parse_date(request) else {
                    return false;
                };
                self.values.iter().any(|v| match v {
                    Value::Date(p) => match self.positive {
                        O::DateEquals => r == *p,
                        O::DateLessThan => r < *p,
                        O::DateLessThanEquals => r <= *p,
                        O::DateGreaterThan => r > *p,
                        O::DateGreaterThanEquals => r >= *p,
                        _ => false,
                    },
                    _ => false,
                })
            }
            OperatorFamily::Ip => {
                let Ok(addr) = request.trim().parse::<std::net::IpAddr>() else {
                    return false;
                };
                self.values
                    .iter()
                    .any(|v| matches!(v, Value::Ip(net) if net.contains(&addr)))
            }
            OperatorFamily::Null => false,
        }
    }

    /// The operator, for explanations.
    pub(crate) fn operator(&self) -> ConditionOperator {
        self.op
    }
}

/// `ArnEquals`/`ArnLike`: the six colon-separated parts are matched separately, each with
/// `*` and `?`, case-sensitively (UG condition operators, "Amazon Resource Name (ARN)
/// condition operators").
fn arn_matches(pattern: &Pattern, request: &str, ctx: &Request, buf: &mut Vec<Tok>) -> bool {
    if let Some(tokens) = pattern.tokens() {
        return super::arn_glob(tokens, request);
    }
    if pattern.resolve(ctx, buf).is_none() {
        return false;
    }
    super::arn_glob(buf, request)
}
