//! `S006` `pass-role-on-wildcard-resource`.

use policy_core::ast::{PolicyKind, Statement};

use super::common::{coverage, is_allow, pinning_condition_present, resource_pin, Fixed};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::support::story::is_told_whole;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants `iam:PassRole` (by name,
    /// through a wildcard such as `iam:*` or `*`, or by leaving it out of `NotAction`) on
    /// every role: `Resource` `*`, `arn:aws:iam::111122223333:role/*` and the like.
    ///
    /// A statement that allows every action (`Action: "*"`, `NotAction`) is left to
    /// `wildcard-action` or `not-action-with-allow`, whose finding tells its whole story.
    ///
    /// ## Why is this bad?
    /// `iam:PassRole` lets the principal hand a role to a service (an EC2 instance, a Lambda
    /// function, a stack of `cloudformation`), which then acts with the role's permissions. On
    /// every role, that includes roles more powerful than the principal: a classic privilege
    /// escalation.
    ///
    /// A statement narrowed by a condition is not reported: a positive operator (not
    /// negated, not `…IfExists`, not `ForAllValues:`) on `iam:PassedToService`,
    /// `iam:AssociatedResourceArn`, `aws:ResourceTag/…` or another key that scopes the
    /// resources, with a value other than `*`. On `iam:PassedToService`, which every
    /// `iam:PassRole` request carries, `…IfExists` pins too.
    ///
    /// Covers Access Analyzer: `PASS_ROLE_WITH_STAR_IN_RESOURCE`,
    /// `PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE`,
    /// `PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOTACTION`; cloudsplaining and parliament:
    /// the `iam:PassRole` part of `PrivilegeEscalation` / `PRIVILEGE_ESCALATION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/app-lambda", "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]}
    /// ```
    pub PassRoleOnWildcardResource { code: "S006", name: "pass-role-on-wildcard-resource", category: Security, severity: Warning }
}

impl Rule for PassRoleOnWildcardResource {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        // A statement that allows every action is `wildcard-action`'s or
        // `not-action-with-allow`'s story.
        if is_told_whole(statement, ctx) {
            return;
        }
        if ctx.kind() != PolicyKind::Identity || !is_allow(statement) {
            return;
        }
        let facts = ctx.facts(statement);
        let Some(resource) = facts.every_role(statement) else {
            return;
        };
        let Some(how) = coverage(&facts, statement, "iam", "PassRole") else {
            return;
        };
        if resource_pin(statement).is_some()
            || pinning_condition_present(statement, Fixed::Narrow, |k| k == "iam:passedtoservice")
                .is_some()
        {
            return;
        }
        ctx.report(
            Self::META,
            resource.span,
            format!(
                "{} on `{}` lets the principal pass any role to any service",
                how.describe("iam:PassRole"),
                resource.node
            ),
        )
        .help("name the roles that may be passed, and limit the services that receive them with `iam:PassedToService`")
        .related(how.span(), "grants `iam:PassRole`");
    }
}
