//! `W004` `missing-qualifier-on-multivalued-key`.

use policy_core::ast::{Effect, OperatorBase, SetQualifier, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::condition_keys;

declare_rule! {
    /// ## What it does
    /// Flags a condition on a key that holds a set of values (type `ArrayOf…` in the IAM
    /// reference, such as `aws:TagKeys`, `aws:CalledVia` or `aws:PrincipalOrgPaths`) whose
    /// operator has no `ForAllValues:` or `ForAnyValue:` qualifier. `Null` is not reported:
    /// it tests presence.
    ///
    /// ## Why is this bad?
    /// The IAM documentation requires a set qualifier for multivalued keys. Without one, how
    /// the request's set is compared is not documented: some evaluators treat it as no match
    /// at all. Say which comparison you mean: `ForAllValues:` (every value must be listed)
    /// or `ForAnyValue:` (at least one must be).
    ///
    /// Covers Access Analyzer: `MISSING_QUALIFIER`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "athena:StartQueryExecution", "Resource": "*", "Condition": {"StringEquals": {"aws:CalledVia": "athena.amazonaws.com"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "athena:StartQueryExecution", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:CalledVia": "athena.amazonaws.com"}}}]}
    /// ```
    pub MissingQualifierOnMultivaluedKey { code: "W004", name: "missing-qualifier-on-multivalued-key", category: Suspicious, severity: Warning }
}

impl Rule for MissingQualifierOnMultivaluedKey {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let data = ctx.service_ref();
        for (op, kv) in condition_keys(statement) {
            let operator = op.node;
            if operator.qualifier.is_some() || operator.base == OperatorBase::Null {
                continue;
            }
            let Some(key) = data.condition_key(&kv.key.node) else {
                continue;
            };
            if !key.is_multivalued() {
                continue;
            }
            let with = |q: SetQualifier| policy_core::ast::ConditionOperator {
                qualifier: Some(q),
                ..operator
            };
            let help = if statement.effect() == Some(Effect::Deny) {
                format!(
                    "use `{}` to deny when one value matches, or `{}` to deny when every value does",
                    with(SetQualifier::ForAnyValue),
                    with(SetQualifier::ForAllValues)
                )
            } else {
                format!(
                    "use `{}` to require one of the values, or `{}` with a `Null` check to allow only listed values",
                    with(SetQualifier::ForAnyValue),
                    with(SetQualifier::ForAllValues)
                )
            };
            ctx.report(
                Self::META,
                op.span,
                format!(
                    "`{}` holds a set of values ({}), but `{operator}` has no `ForAllValues:` or `ForAnyValue:`",
                    kv.key.node,
                    key.value_type()
                ),
            )
            .help(help)
            .related(kv.key.span, "this key");
        }
    }
}
