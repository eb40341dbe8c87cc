//! `S005` `not-resource-with-allow`.

use policy_core::ast::Statement;

use super::common::{is_grant, resource_pin};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity or resource policy that uses `NotResource`.
    ///
    /// ## Why is this bad?
    /// `Allow` with `NotResource` grants the actions on every resource *except* those listed:
    /// in every account, including resources created later. It is almost always broader than
    /// meant; `NotResource` is safe with `Deny`.
    ///
    /// A statement narrowed by a condition is not reported: a positive operator (not
    /// negated, not `…IfExists`, not `ForAllValues:`) on a key that scopes the resources,
    /// such as `aws:ResourceAccount`, `aws:ResourceTag/…` or a service key, with a value
    /// other than `*`.
    ///
    /// Covers parliament (community auditors): `NOTRESOURCE_WITH_ALLOW`;
    /// iam-policy-validator: `not_action_not_resource` (`not_resource_broad`); Access
    /// Analyzer reports it only for `iam:PassRole` and `iam:CreateServiceLinkedRole`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secrets/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub NotResourceWithAllow { code: "S005", name: "not-resource-with-allow", category: Security, severity: Warning }
}

impl Rule for NotResourceWithAllow {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(element) = statement.resource.as_ref().filter(|r| r.negated) else {
            return;
        };
        if !is_grant(statement, ctx.kind())
            || element.items.iter().any(|i| i.node == "*")
            || resource_pin(statement).is_some()
        {
            return;
        }
        let n = element.items.len();
        let listed = if n == 1 {
            "the one listed".to_string()
        } else {
            format!("the {n} listed")
        };
        ctx.report(
            Self::META,
            element.key_span,
            format!("`Allow` with `NotResource` grants the actions on every resource of every account except {listed}"),
        )
        .help("name the resources in `Resource`; keep `NotResource` for `Deny` statements");
    }
}
