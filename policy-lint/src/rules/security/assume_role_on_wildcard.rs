//! `S010` `assume-role-on-wildcard`.

use policy_core::ast::{PolicyKind, Statement};

use super::common::{coverage, is_allow, resource_pin};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::support::story::is_told_whole;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants `sts:AssumeRole` (by
    /// name, through a wildcard such as `sts:*` or `*`, or by leaving it out of `NotAction`)
    /// on every role: `Resource` `*`, `arn:aws:iam::*:role/*` and the like.
    ///
    /// A statement that allows every action (`Action: "*"`, `NotAction`) is left to
    /// `wildcard-action` or `not-action-with-allow`, whose finding tells its whole story.
    ///
    /// ## Why is this bad?
    /// The principal can assume every role whose trust policy trusts its account, in this
    /// account and in others, and take on their permissions. A compromised principal then
    /// reaches everything those roles reach.
    ///
    /// A statement narrowed by a condition is not reported: a positive operator (not
    /// negated, not `…IfExists`, not `ForAllValues:`) on a key that scopes the resources, such
    /// as `aws:ResourceTag/…`, `aws:ResourceAccount` or `aws:ResourceOrgID`, with a value other
    /// than `*`.
    ///
    /// Covers cloudsplaining: `CredentialsExposure` (for `sts:AssumeRole`);
    /// iam-policy-validator: `sensitive_action` (in part).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111122223333:role/deploy"}]}
    /// ```
    pub AssumeRoleOnWildcard { code: "S010", name: "assume-role-on-wildcard", category: Security, severity: Warning }
}

impl Rule for AssumeRoleOnWildcard {
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
        let Some(how) = coverage(&facts, statement, "sts", "AssumeRole") else {
            return;
        };
        if resource_pin(statement).is_some() {
            return;
        }
        ctx.report(
            Self::META,
            resource.span,
            format!(
                "{} on `{}` lets the principal assume every role that trusts its account",
                how.describe("sts:AssumeRole"),
                resource.node
            ),
        )
        .help("name the roles the principal needs to assume, or narrow them with `aws:ResourceTag/…` or `aws:ResourceAccount`")
        .related(how.span(), "grants `sts:AssumeRole`");
    }
}
