//! `C106` `condition-value-mismatch`.

use policy_core::ast::{OperatorFamily, Statement};
use policy_core::service_ref::ConditionKeyType;
use policy_core::value::{is_base64, parse_bool, parse_date, parse_ip_range, parse_number};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::correctness::condition_operator_mismatch::base_type;
use crate::rules::util::has_variable;

declare_rule! {
    /// ## What it does
    /// Flags a condition value that the operator cannot read, or that can never equal a value
    /// of the key's type: a `Numeric` operator with `"ten"`, a `Date` operator with
    /// `"31/12/2026"`, `IpAddress` with `"10.0.0.0/33"`, `Bool` or `Null` with anything but
    /// `true`/`false`, `BinaryEquals` with text that is not base64, an `Arn` operator with
    /// text that is not an ARN pattern, or a `String` operator with a value such as `1`
    /// against a `Bool` key.
    ///
    /// ## Why is this bad?
    /// The condition can never be true (or, negated, is always true), whatever the request.
    /// AWS rejects some of these outright and silently accepts others.
    ///
    /// Covers Access Analyzer: `DATA_TYPE_MISMATCH`, `TYPE_MISMATCH_BOOLEAN`,
    /// `INVALID_DATE_VALUE` (in part).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:SecureTransport": 1}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}
    /// ```
    pub ConditionValueMismatch { code: "C106", name: "condition-value-mismatch", category: Correctness, severity: Error }
}

impl Rule for ConditionValueMismatch {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let data = ctx.service_ref();
        for entry in statement.conditions() {
            let operator = entry.operator.node;
            let family = operator.base.family();
            for kv in &entry.keys {
                let key_type = data
                    .condition_key(&kv.key.node)
                    .map(|k| base_type(k.value_type()));
                for value in &kv.values {
                    let text = value.node.as_text();
                    if has_variable(&text) {
                        continue;
                    }
                    let problem = match family {
                        OperatorFamily::Numeric => {
                            parse_number(&text).is_none().then_some("is not a number")
                        }
                        OperatorFamily::Date => parse_date(&text)
                            .is_none()
                            .then_some("is not an ISO 8601 date or epoch seconds"),
                        OperatorFamily::Bool | OperatorFamily::Null => parse_bool(&text)
                            .is_none()
                            .then_some("is not `true` or `false`"),
                        OperatorFamily::Ip => parse_ip_range(&text)
                            .is_none()
                            .then_some("is not an IPv4 or IPv6 address or CIDR range"),
                        OperatorFamily::Binary => (!is_base64(&text)).then_some("is not base64"),
                        OperatorFamily::Arn => (!text.starts_with("arn:")
                            && !text.trim_matches(['*', '?']).is_empty())
                        .then_some("is not an ARN"),
                        OperatorFamily::String => match key_type {
                            Some(ConditionKeyType::Bool) => parse_bool(&text).is_none().then_some(
                                "can never equal the `true` or `false` of this Bool key",
                            ),
                            Some(ConditionKeyType::Numeric)
                                if !operator.base.as_str().contains("Like") =>
                            {
                                parse_number(&text)
                                    .is_none()
                                    .then_some("can never equal a number of this Numeric key")
                            }
                            _ => None,
                        },
                    };
                    if let Some(problem) = problem {
                        let help = match (family, key_type) {
                            (OperatorFamily::String, Some(ConditionKeyType::Bool)) => {
                                format!("use `\"Bool\": {{\"{}\": \"true\"}}`", kv.key.node)
                            }
                            (OperatorFamily::Date, _) => {
                                "write a date such as `2026-01-31` or `2026-01-31T12:00:00Z`"
                                    .to_string()
                            }
                            _ => format!("`{operator}` needs a value it can compare"),
                        };
                        ctx.report(
                            Self::META,
                            value.span,
                            format!(
                                "`{text}` {problem} (operator `{operator}`, key `{}`)",
                                kv.key.node
                            ),
                        )
                        .help(help);
                    }
                }
            }
        }
    }
}
