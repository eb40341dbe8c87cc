//! Condition evaluation (UG `reference_policies_elements_condition_operators`,
//! `reference_policies_condition-single-vs-multi-valued-context-keys`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use ipnet::IpNet;

use super::explain::ConditionCheck;
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

/// A condition's key and values as written.
#[derive(Debug, Clone)]
struct Written {
    key: Box<str>,
    values: Vec<Box<str>>,
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
    /// Key and values as written, for explanations (boxed: evaluation never reads them).
    written: Box<Written>,
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
                    written: Box::new(Written {
                        key: kv.key.node.as_str().into(),
                        values: texts.into_iter().map(String::into_boxed_str).collect(),
                    }),
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
        let element =
            |v: &str, buf: &mut Vec<Tok>| self.matching_value(v, ctx, buf).is_some() != negated;
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

    /// The first policy value the request value matches under the positive operator.
    fn matching_value(&self, request: &str, ctx: &Request, buf: &mut Vec<Tok>) -> Option<usize> {
        use OperatorBase as O;
        match self.positive.family() {
            OperatorFamily::String => {
                let ignore_case = self.positive == O::StringEqualsIgnoreCase;
                self.values.iter().position(|v| match v {
                    Value::Text(p) => p.matches(request, ctx, ignore_case, buf),
                    _ => false,
                })
            }
            OperatorFamily::Bool => self.values.iter().position(|v| match v {
                Value::Text(p) => p.matches(request, ctx, true, buf),
                _ => false,
            }),
            OperatorFamily::Binary => self.values.iter().position(|v| match v {
                Value::Text(p) => p.matches(request, ctx, false, buf),
                _ => false,
            }),
            OperatorFamily::Arn => self.values.iter().position(|v| match v {
                Value::Text(p) => arn_matches(p, request, ctx, buf),
                _ => false,
            }),
            OperatorFamily::Numeric => {
                let r = parse_number(request)?;
                self.values.iter().position(|v| match v {
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
                let r = parse_date(request)?;
                self.values.iter().position(|v| match v {
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
                    return None;
                };
                self.values
                    .iter()
                    .position(|v| matches!(v, Value::Ip(net) if net.contains(&addr)))
            }
            OperatorFamily::Null => None,
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

/// How a condition compares a request string with a text policy value, for analyses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextMatch {
    /// `pattern::glob`, case-sensitively or ignoring case.
    Glob { ignore_case: bool },
    /// `arn_glob` (`ArnEquals`, `ArnLike`).
    Arn,
}

impl Condition {
    /// The base operator without its negation (`StringNotLike` → `StringLike`).
    pub(crate) fn positive(&self) -> OperatorBase {
        self.positive
    }

    /// The policy values as written, for analyses.
    pub(crate) fn written_values(&self) -> &[Box<str>] {
        &self.written.values
    }

    /// For `Null`: per policy value, whether it asks for the key to be absent.
    pub(crate) fn null_wants_absent(&self) -> &[bool] {
        &self.null_wants_absent
    }

    /// The policy values of a String, Bool, Binary or Arn condition as the token lists
    /// [`Condition::holds`] matches a request string against, with how it matches them.
    /// `None` for the other families and when a value has a policy variable (its language
    /// depends on the request).
    pub(crate) fn text_values(&self) -> Option<(TextMatch, Vec<&[Tok]>)> {
        use OperatorBase as O;
        let how = match self.positive.family() {
            OperatorFamily::String => TextMatch::Glob {
                ignore_case: self.positive == O::StringEqualsIgnoreCase,
            },
            OperatorFamily::Bool => TextMatch::Glob { ignore_case: true },
            OperatorFamily::Binary => TextMatch::Glob { ignore_case: false },
            OperatorFamily::Arn => TextMatch::Arn,
            _ => return None,
        };
        let tokens = self
            .values
            .iter()
            .map(|v| match v {
                Value::Text(p) if !p.has_vars() => p.tokens(),
                _ => None,
            })
            .collect::<Option<Vec<&[Tok]>>>()?;
        Some((how, tokens))
    }
}

impl Condition {
    /// For analyses: the condition with its policy variables grounded as
    /// [`Pattern::ground`] does; a value left without text matches nothing, so it is left out.
    pub(crate) fn ground(&self, value: &dyn Fn(&str) -> Option<String>) -> Condition {
        let mut out = self.clone();
        out.values = self
            .values
            .iter()
            .filter_map(|v| match v {
                Value::Text(p) => p.ground(value).map(Value::Text),
                other => Some(other.clone()),
            })
            .collect();
        out
    }

    /// The lower-cased keys of all the policy variables of its values.
    pub(crate) fn variable_keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.values.iter().flat_map(|v| match v {
            Value::Text(p) => p.variable_keys().collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    }

    /// For analyses: like [`Condition::text_values`] for the values without a policy
    /// variable, with the key and default of each value that is exactly one variable; `None`
    /// when a value holds a variable among other text, or for a family without text values.
    #[expect(
        clippy::type_complexity,
        reason = "a one-off answer for one caller, named by its fields"
    )]
    pub(crate) fn split_variables(
        &self,
    ) -> Option<(TextMatch, Vec<&[Tok]>, Vec<(&str, Option<&str>)>)> {
        use OperatorBase as O;
        let how = match self.positive.family() {
            OperatorFamily::String => TextMatch::Glob {
                ignore_case: self.positive == O::StringEqualsIgnoreCase,
            },
            OperatorFamily::Bool => TextMatch::Glob { ignore_case: true },
            OperatorFamily::Binary => TextMatch::Glob { ignore_case: false },
            OperatorFamily::Arn => TextMatch::Arn,
            _ => return None,
        };
        let mut constants = Vec::new();
        let mut variables = Vec::new();
        for v in &self.values {
            match v {
                Value::Text(p) if !p.has_vars() => constants.push(p.tokens()?),
                Value::Text(p) => variables.push(p.whole_variable()?),
                _ => return None,
            }
        }
        Some((how, constants, variables))
    }

    /// Whether a policy value holds a policy variable.
    pub(crate) fn has_vars(&self) -> bool {
        self.values
            .iter()
            .any(|v| matches!(v, Value::Text(p) if p.has_vars()))
    }

    /// For analyses: `StringEquals` of `key` (as written) with the one literal `value`, or
    /// with `StringLike` `*` when `value` is `None` (it holds exactly when the request gives
    /// the key one value, whatever it is).
    pub(crate) fn single_value(key: &str, value: Option<&str>) -> Condition {
        let base = if value.is_some() {
            OperatorBase::StringEquals
        } else {
            OperatorBase::StringLike
        };
        let text = value.unwrap_or("*");
        let pattern = Pattern::new(text, value.is_none(), false);
        Condition {
            op: ConditionOperator {
                qualifier: None,
                base,
                if_exists: false,
            },
            positive: base,
            key: key.to_ascii_lowercase().into(),
            values: vec![Value::Text(pattern)],
            written: Box::new(Written {
                key: key.into(),
                values: vec![text.into()],
            }),
            null_wants_absent: vec![false],
        }
    }
}

impl Condition {
    /// The key as written.
    pub(crate) fn key_text(&self) -> &str {
        &self.written.key
    }

    /// The policy values that hold variables: their texts and the lower-cased keys of their
    /// variables.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> + '_ {
        self.values.iter().flat_map(|v| match v {
            Value::Text(p) => p.variables().collect::<Vec<_>>(),
            _ => Vec::new(),
        })
    }

    /// This condition checked against the request, with the value that decided it. Its
    /// `holds` is [`Condition::holds`]'s answer; the rest explains it.
    pub(crate) fn check(&self, ctx: &Request, buf: &mut Vec<Tok>) -> ConditionCheck {
        let mut absent = false;
        let holds = self.holds(ctx, buf, &mut absent);
        let raw = ctx.value(&self.key);
        let mut out = ConditionCheck {
            operator: self.op.to_string(),
            key: self.written.key.to_string(),
            policy_values: self
                .written
                .values
                .iter()
                .map(ToString::to_string)
                .collect(),
            request_values: raw.map(<[String]>::to_vec),
            derived: raw.is_some() && ctx.context.get(&self.key).is_none(),
            holds,
            deciding_value: None,
            matched_policy_value: None,
            note: String::new(),
        };
        let key = &self.written.key;
        let null_set = |v: &[String]| {
            v.is_empty() || (self.op.qualifier.is_some() && v.iter().all(String::is_empty))
        };
        let present = raw.filter(|v| !null_set(v));
        if self.op.base == OperatorBase::Null {
            out.note = if present.is_some() {
                format!("`{key}` is present")
            } else {
                format!("`{key}` is absent")
            };
            return out;
        }
        let Some(values) = present else {
            let what = if raw.is_none() {
                format!("the request has no `{key}`")
            } else {
                format!("`{key}` has no value (a null data set)")
            };
            let why = if self.op.if_exists {
                "`IfExists` makes the condition hold"
            } else {
                match self.op.qualifier {
                    Some(SetQualifier::ForAllValues) => {
                        "`ForAllValues` holds when there is no value"
                    }
                    Some(SetQualifier::ForAnyValue) => {
                        "`ForAnyValue` does not hold when there is no value"
                    }
                    None if self.op.is_negated() => {
                        "a negated operator holds when the key is missing"
                    }
                    None => "the operator does not hold when the key is missing",
                }
            };
            out.note = format!("{what}: {why}");
            return out;
        };
        let negated = self.op.is_negated();
        let base = self.op.base.as_str();
        let decide = |out: &mut ConditionCheck, v: &str, buf: &mut Vec<Tok>| {
            let m = self.matching_value(v, ctx, buf);
            out.deciding_value = Some(v.to_string());
            out.matched_policy_value = m
                .and_then(|i| self.written.values.get(i))
                .map(ToString::to_string);
            let truth = m.is_some() != negated;
            match &out.matched_policy_value {
                Some(p) => format!(
                    "request value `{v}` matches policy value `{p}`, so `{base}` is {truth} for it"
                ),
                None => format!(
                    "request value `{v}` matches no policy value, so `{base}` is {truth} for it"
                ),
            }
        };
        let element =
            |v: &str, buf: &mut Vec<Tok>| self.matching_value(v, ctx, buf).is_some() != negated;
        out.note = match self.op.qualifier {
            Some(SetQualifier::ForAllValues) => match values.iter().find(|v| !element(v, buf)) {
                Some(v) => {
                    let why = decide(&mut out, v, buf);
                    format!("{why}: not every value of `{key}` satisfies `{base}`")
                }
                None => format!("every value of `{key}` satisfies `{base}`"),
            },
            Some(SetQualifier::ForAnyValue) => match values.iter().find(|v| element(v, buf)) {
                Some(v) => {
                    let why = decide(&mut out, v, buf);
                    format!("{why}: a value of `{key}` satisfies `{base}`")
                }
                None => format!("no value of `{key}` satisfies `{base}`"),
            },
            None => match values {
                [single] => decide(&mut out, single, buf),
                _ => format!(
                    "`{key}` has {} values: without `ForAllValues` or `ForAnyValue` a multivalued key matches nothing",
                    values.len()
                ),
            },
        };
        out
    }
}
