//! `S008` `pass-role-without-passed-to-service`.

use policy_core::ast::{PolicyKind, Statement};

use super::common::{coverage, is_allow, may_name_roles, pinning_condition_present, Fixed};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants `iam:PassRole` on named
    /// roles without a condition on `iam:PassedToService`. Grants on every role, or with
    /// `NotResource`, are left to `pass-role-on-wildcard-resource` and
    /// `pass-role-with-not-resource`.
    ///
    /// ## Why is this bad?
    /// Without `iam:PassedToService` the role may be passed to any service that accepts
    /// roles, not only the one it was made for: a role meant for Lambda can run an EC2
    /// instance or a Glue job the principal controls.
    ///
    /// The condition counts when its operator is positive (not negated, not `ForAllValues:`)
    /// and its values are not `*`. `…IfExists` counts too: every `iam:PassRole` request
    /// carries the key.
    ///
    /// Covers iam-policy-validator: `action_condition_enforcement` (`missing_required_condition`
    /// for `iam:PassRole`); Access Analyzer recommends the key in its `PASS_ROLE_*` findings.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/app-lambda"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/app-lambda", "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]}
    /// ```
    pub PassRoleWithoutPassedToService { code: "S008", name: "pass-role-without-passed-to-service", category: Security, severity: Note }
}

impl Rule for PassRoleWithoutPassedToService {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Identity || !is_allow(statement) {
            return;
        }
        let Some(element) = statement.resource.as_ref().filter(|r| !r.negated) else {
            return;
        };
        if ctx.facts(statement).every_role(statement).is_some()
            || !element.items.iter().any(|i| may_name_roles(&i.node))
        {
            return;
        }
        let Some(how) = coverage(&ctx.facts(statement), statement, "iam", "PassRole") else {
            return;
        };
        if pinning_condition_present(statement, Fixed::Narrow, |k| k == "iam:passedtoservice")
            .is_some()
        {
            return;
        }
        ctx.report(
            Self::META,
            how.span(),
            format!(
                "{} may pass the roles to any service: no condition limits `iam:PassedToService`",
                how.describe("iam:PassRole")
            ),
        )
        .help("add `\"Condition\": {\"StringEquals\": {\"iam:PassedToService\": \"<service>.amazonaws.com\"}}` naming the service the roles are for");
    }
}
