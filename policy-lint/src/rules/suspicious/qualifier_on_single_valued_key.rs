//! `W003` `qualifier-on-single-valued-key`.

use policy_core::ast::{OperatorBase, SetQualifier, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::condition_keys;

declare_rule! {
    /// ## What it does
    /// Flags `ForAllValues:` on a condition key that holds a single value (its type in the
    /// IAM reference is not `ArrayOf…`), and a negated `ForAnyValue:` operator
    /// (`ForAnyValue:StringNotEquals`, ...) on such a key. A positive `ForAnyValue:` on a
    /// single-valued key behaves like the plain operator and is not reported.
    ///
    /// ## Why is this bad?
    /// The set qualifiers are for keys that carry a set of values. On a single-valued key,
    /// `ForAllValues:` is also true when the key is missing, so an `Allow` with
    /// `ForAllValues:StringEquals` on `aws:PrincipalTag/team` allows callers that have no
    /// `team` tag at all. A negated `ForAnyValue:` operator is false when the key is missing,
    /// unlike the plain negated operator.
    ///
    /// Covers Access Analyzer: `FORALLVALUES_WITH_SINGLE_VALUED_KEY`; iam-policy-validator:
    /// `set_operator_on_single_valued_key`; parliament: `SINGLE_VALUE_CONDITION_TOO_PERMISSIVE`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"ForAllValues:StringEquals": {"aws:PrincipalTag/team": "finance"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "finance"}}}]}
    /// ```
    pub QualifierOnSingleValuedKey { code: "W003", name: "qualifier-on-single-valued-key", category: Suspicious, severity: Warning }
}

impl Rule for QualifierOnSingleValuedKey {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let data = ctx.service_ref();
        for (op, kv) in condition_keys(statement) {
            let operator = op.node;
            let Some(qualifier) = operator.qualifier else {
                continue;
            };
            if operator.base == OperatorBase::Null
                || (qualifier == SetQualifier::ForAnyValue && !operator.base.is_negated())
            {
                continue;
            }
            let Some(key) = data.condition_key(&kv.key.node) else {
                continue;
            };
            if key.is_multivalued() {
                continue;
            }
            let plain = policy_core::ast::ConditionOperator {
                qualifier: None,
                ..operator
            };
            let message = match qualifier {
                SetQualifier::ForAllValues => format!(
                    "`{operator}` on single-valued key `{}` is also true when the key is missing",
                    kv.key.node
                ),
                SetQualifier::ForAnyValue => format!(
                    "`{operator}` on single-valued key `{}` is false when the key is missing, unlike `{plain}`",
                    kv.key.node
                ),
            };
            ctx.report(Self::META, op.span, message)
                .help(format!(
                    "`{}` holds one value ({}): use `{plain}`",
                    kv.key.node,
                    key.value_type()
                ))
                .related(kv.key.span, "this key");
        }
    }
}
