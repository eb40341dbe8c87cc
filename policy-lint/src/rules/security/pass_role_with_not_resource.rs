//! `S007` `pass-role-with-not-resource`.

use policy_core::ast::{PolicyKind, Statement};

use super::common::{coverage, is_allow, pinning_condition_present, resource_pin, Fixed};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants `iam:PassRole` (by name,
    /// through a wildcard, or by leaving it out of `NotAction`) with `NotResource`, unless
    /// `NotResource` leaves out every role.
    ///
    /// ## Why is this bad?
    /// With `NotResource` the principal may pass every role except those listed, including
    /// roles created later and roles more powerful than itself.
    ///
    /// A statement narrowed by a condition is not reported: a positive operator (not
    /// negated, not `…IfExists`, not `ForAllValues:`) on `iam:PassedToService`,
    /// `aws:ResourceTag/…` or another key that scopes the resources, with a value other than
    /// `*`. On `iam:PassedToService`, which every `iam:PassRole` request carries,
    /// `…IfExists` pins too.
    ///
    /// Covers Access Analyzer: `PASS_ROLE_WITH_NOTRESOURCE`,
    /// `PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOTRESOURCE`,
    /// `PASS_ROLE_WITH_NOTACTION_AND_NOTRESOURCE`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::111122223333:role/admin"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/app-lambda", "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]}
    /// ```
    pub PassRoleWithNotResource { code: "S007", name: "pass-role-with-not-resource", category: Security, severity: Warning }
}

impl Rule for PassRoleWithNotResource {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Identity || !is_allow(statement) {
            return;
        }
        let Some(element) = statement.resource.as_ref().filter(|r| r.negated) else {
            return;
        };
        if ctx
            .facts(statement)
            .not_resource_leaves_out_roles(statement)
        {
            return;
        }
        let Some(how) = coverage(&ctx.facts(statement), statement, "iam", "PassRole") else {
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
            element.key_span,
            format!(
                "{} with `NotResource` lets the principal pass every role but those listed",
                how.describe("iam:PassRole")
            ),
        )
        .help("name the roles that may be passed in `Resource`, and limit the services that receive them with `iam:PassedToService`")
        .related(how.span(), "grants `iam:PassRole`");
    }
}
