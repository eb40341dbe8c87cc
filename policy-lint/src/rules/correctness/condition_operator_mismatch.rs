//! `C105` `condition-operator-mismatch`.

use policy_core::ast::{OperatorFamily, Statement};
use policy_core::service_ref::ConditionKeyType;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a condition operator whose type does not fit the key's type in the IAM
    /// reference: a `String` operator on a `Bool`, `Numeric`, `Date` or `IPAddress` key, a
    /// `Numeric` operator on a string key, an `Arn` operator on a Bool or Numeric key, and
    /// so on. `Null` fits every key; `String` and `Arn` operators fit both string and ARN
    /// keys.
    ///
    /// ## Why is this bad?
    /// AWS compares the values as the operator's type. `StringEquals` on `aws:CurrentTime`
    /// compares text, not dates; `StringEquals` on `aws:SourceIp` matches only the exact
    /// address text, never a range. The condition rarely does what it seems to.
    ///
    /// Covers Access Analyzer: `TYPE_MISMATCH`, `TYPE_MISMATCH_BOOLEAN`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    /// ```
    pub ConditionOperatorMismatch { code: "C105", name: "condition-operator-mismatch", category: Correctness, severity: Warning }
}

/// The base (single-valued) form of a key type.
pub(crate) fn base_type(t: ConditionKeyType) -> ConditionKeyType {
    match t {
        ConditionKeyType::ArrayOfString => ConditionKeyType::String,
        ConditionKeyType::ArrayOfArn => ConditionKeyType::Arn,
        ConditionKeyType::ArrayOfBool => ConditionKeyType::Bool,
        ConditionKeyType::ArrayOfNumeric => ConditionKeyType::Numeric,
        ConditionKeyType::ArrayOfDate => ConditionKeyType::Date,
        ConditionKeyType::ArrayOfIpAddress => ConditionKeyType::IpAddress,
        ConditionKeyType::ArrayOfBinary => ConditionKeyType::Binary,
        other => other,
    }
}

/// The operator family that fits a key type.
fn family_for(t: ConditionKeyType) -> (&'static str, &'static [OperatorFamily]) {
    match base_type(t) {
        ConditionKeyType::Arn => (
            "Arn or String",
            &[OperatorFamily::Arn, OperatorFamily::String],
        ),
        ConditionKeyType::Bool => ("Bool", &[OperatorFamily::Bool]),
        ConditionKeyType::Numeric => ("Numeric", &[OperatorFamily::Numeric]),
        ConditionKeyType::Date => ("Date", &[OperatorFamily::Date]),
        ConditionKeyType::IpAddress => ("IpAddress or NotIpAddress", &[OperatorFamily::Ip]),
        ConditionKeyType::Binary => ("BinaryEquals", &[OperatorFamily::Binary]),
        // Text keys often hold ARNs (`kms:EncryptionContext:aws:s3:arn`): AWS's own policies
        // use `ArnLike` on them.
        _ => ("String", &[OperatorFamily::String, OperatorFamily::Arn]),
    }
}

impl Rule for ConditionOperatorMismatch {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let data = ctx.service_ref();
        for entry in statement.conditions() {
            let operator = entry.operator.node;
            if operator.base.family() == OperatorFamily::Null {
                continue;
            }
            for kv in &entry.keys {
                let Some(key) = data.condition_key(&kv.key.node) else {
                    continue;
                };
                let (expected, families) = family_for(key.value_type());
                if families.contains(&operator.base.family()) {
                    continue;
                }
                ctx.report(
                    Self::META,
                    entry.operator.span,
                    format!(
                        "`{operator}` compares `{}` as {}, but the key's type is {}",
                        kv.key.node,
                        family_name(operator.base.family()),
                        key.value_type().as_str()
                    ),
                )
                .help(format!("use a {expected} operator for `{}`", kv.key.node))
                .related(kv.key.span, "this key");
            }
        }
    }
}

fn family_name(f: OperatorFamily) -> &'static str {
    match f {
        OperatorFamily::String => "text",
        OperatorFamily::Numeric => "numbers",
        OperatorFamily::Date => "dates",
        OperatorFamily::Bool => "booleans",
        OperatorFamily::Binary => "binary data",
        OperatorFamily::Ip => "IP addresses",
        OperatorFamily::Arn => "ARNs",
        OperatorFamily::Null => "presence",
    }
}
