//! `S009` `create-service-linked-role-on-wildcard`.

use policy_core::ast::{PolicyKind, Statement};

use super::common::{
    coverage, is_allow, is_every_role, pinning_condition_present, resource_pin, Fixed,
};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::util::split_arn;
use crate::support::story::is_told_whole;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants
    /// `iam:CreateServiceLinkedRole` (by name, through a wildcard, or by leaving it out of
    /// `NotAction`) on every role (`*`, `…:role/*`, `…:role/aws-service-role/*`) or with
    /// `NotResource`, without a condition on `iam:AWSServiceName`.
    ///
    /// A statement that allows every action (`Action: "*"`, `NotAction`) is left to
    /// `wildcard-action` or `not-action-with-allow`, whose finding tells its whole story.
    ///
    /// ## Why is this bad?
    /// The principal can create the service-linked role of any service, which gives that
    /// service the role's permissions in the account, and can enable services the account
    /// does not use.
    ///
    /// A statement narrowed by a condition is not reported: a positive operator (not
    /// negated, not `…IfExists`, not `ForAllValues:`) on `iam:AWSServiceName` or another key
    /// that scopes the resources, with a value other than `*`. On `iam:AWSServiceName`,
    /// which every `iam:CreateServiceLinkedRole` request carries, `…IfExists` pins too.
    ///
    /// Covers Access Analyzer: `CREATE_SLR_WITH_STAR_IN_RESOURCE`,
    /// `CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE`,
    /// `CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOTACTION`, `CREATE_SLR_WITH_NOTRESOURCE`,
    /// `CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOTRESOURCE`,
    /// `CREATE_SLR_WITH_NOTACTION_AND_NOTRESOURCE`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/*", "Condition": {"StringEquals": {"iam:AWSServiceName": "ecs.amazonaws.com"}}}]}
    /// ```
    pub CreateServiceLinkedRoleOnWildcard { code: "S009", name: "create-service-linked-role-on-wildcard", category: Security, severity: Warning }
}

/// Whether a `Resource` entry names every service-linked role.
fn is_every_service_linked_role(text: &str) -> bool {
    is_every_role(text)
        || (text.ends_with(":role/aws-service-role/*")
            && split_arn(text, 6)
                .get(5)
                .is_some_and(|r| *r == "role/aws-service-role/*"))
}

impl Rule for CreateServiceLinkedRoleOnWildcard {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        // A statement that allows every action is `wildcard-action`'s or
        // `not-action-with-allow`'s story.
        if is_told_whole(statement, ctx) {
            return;
        }
        if ctx.kind() != PolicyKind::Identity || !is_allow(statement) {
            return;
        }
        let Some(element) = &statement.resource else {
            return;
        };
        let (span, on) = if element.negated {
            if element
                .items
                .iter()
                .any(|i| is_every_service_linked_role(&i.node))
            {
                return;
            }
            (element.key_span, "with `NotResource`".to_string())
        } else {
            match element
                .items
                .iter()
                .find(|i| is_every_service_linked_role(&i.node))
            {
                Some(item) => (item.span, format!("on `{}`", item.node)),
                None => return,
            }
        };
        let Some(how) = coverage(
            &ctx.facts(statement),
            statement,
            "iam",
            "CreateServiceLinkedRole",
        ) else {
            return;
        };
        if resource_pin(statement).is_some()
            || pinning_condition_present(statement, Fixed::Narrow, |k| k == "iam:awsservicename")
                .is_some()
        {
            return;
        }
        ctx.report(
            Self::META,
            span,
            format!(
                "{} {on} lets the principal create the service-linked role of any service",
                how.describe("iam:CreateServiceLinkedRole")
            ),
        )
        .help("limit the services with a condition on `iam:AWSServiceName`, or name the service's role path")
        .related(how.span(), "grants `iam:CreateServiceLinkedRole`");
    }
}
