//! `W002` `for-any-value-with-deny`.

use policy_core::ast::{Effect, OperatorBase, Policy, SetQualifier, Statement};
use policy_core::service_ref::GlobalKeyCategory;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::{condition_keys, has_null_check};

declare_rule! {
    /// ## What it does
    /// Flags a negated `ForAnyValue:` condition (`ForAnyValue:StringNotEquals`,
    /// `ForAnyValue:StringNotLike`, ...) on a global key that describes the principal, the
    /// session, the network or the resource (`aws:PrincipalOrgPaths`,
    /// `aws:ResourceOrgPaths`, ...) in a `Deny` statement, unless a `Deny` statement of the
    /// policy also tests `"Null": {"key": "true"}`.
    ///
    /// ## Why is this bad?
    /// `ForAnyValue:` is false when the request has no value for the key, so the `Deny` does
    /// not apply to such requests. A guard such as "deny unless the caller is under this
    /// organizational unit" lets through every caller that belongs to no organization.
    /// Request keys such as `aws:TagKeys` are not reported: a request without tags has no tag
    /// to refuse.
    ///
    /// Covers iam-policy-validator: `foranyvalue_deny_without_null_check`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "OnlyOurOu", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*", "Condition": {"ForAnyValue:StringNotLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "OnlyOurOu", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*", "Condition": {"ForAnyValue:StringNotLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"}}}, {"Sid": "NoOrgNoAccess", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*", "Condition": {"Null": {"aws:PrincipalOrgPaths": "true"}}}]}
    /// ```
    pub ForAnyValueWithDeny { code: "W002", name: "for-any-value-with-deny", category: Suspicious, severity: Warning }
}

/// Whether some `Deny` statement of the policy denies requests without `key`.
fn denied_when_missing(policy: &Policy, key: &str) -> bool {
    policy
        .statements
        .iter()
        .any(|s| s.effect() == Some(Effect::Deny) && has_null_check(s, key, true))
}

impl Rule for ForAnyValueWithDeny {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if statement.effect() != Some(Effect::Deny) {
            return;
        }
        let data = ctx.service_ref();
        for (op, kv) in condition_keys(statement) {
            let operator = op.node;
            if operator.qualifier != Some(SetQualifier::ForAnyValue)
                || !operator.base.is_negated()
                || operator.base == OperatorBase::Null
                || operator.if_exists
                || kv.values.is_empty()
            {
                continue;
            }
            let key = kv.key.node.as_str();
            let about_the_caller = data
                .condition_key(key)
                .and_then(|k| k.global_category())
                .is_some_and(|c| c != GlobalKeyCategory::Request);
            if !about_the_caller || denied_when_missing(ctx.policy(), key) {
                continue;
            }
            ctx.report(
                Self::META,
                kv.key.span,
                format!("`{operator}` is false when the request has no `{key}`, so this Deny does not apply to requests without it"),
            )
            .help(format!("add a Deny statement with `\"Null\": {{\"{key}\": \"true\"}}` so that requests without the key are denied too"))
            .related(op.span, "this operator");
        }
    }
}
