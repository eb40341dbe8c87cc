//! `S001` `wildcard-action`.

use policy_core::ast::Statement;

use super::common::{has_positive_action, is_grant, resource_pin, star_resource};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity or resource policy whose `Action` is `*`
    /// (or `*:*`), which grants every action of every service.
    ///
    /// ## Why is this bad?
    /// `*` grants every current and future action, including those that change permissions,
    /// delete data or turn off logging. Unless the policy is meant to make an administrator,
    /// the principal needs far less.
    ///
    /// Conditions cannot narrow a set of actions, so a statement with conditions is still
    /// reported. When a condition narrows the resources (a positive operator on a key such as
    /// `aws:ResourceTag/…`, `aws:ResourceAccount` or a service key), the message says that
    /// it narrows the resources only and points at it.
    ///
    /// Covers iam-policy-validator: `wildcard_action`, `full_wildcard`; cloudsplaining:
    /// `ServiceWildcard` (for `*`); Access Analyzer and parliament have no such check.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub WildcardAction { code: "S001", name: "wildcard-action", category: Security, severity: Warning }
}

/// Whether an `Action` entry matches every action (`*`, `*:*`, `**`).
pub(crate) fn is_full_wildcard(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b == b'*' || b == b':')
        && text.matches(':').count() <= 1
}

impl Rule for WildcardAction {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if !is_grant(statement, ctx.kind()) || !has_positive_action(statement) {
            return;
        }
        let Some(item) = statement
            .actions()
            .iter()
            .find(|a| is_full_wildcard(&a.node))
        else {
            return;
        };
        let scope = if star_resource(statement).is_some() {
            " on every resource"
        } else {
            ""
        };
        let pin = resource_pin(statement);
        let narrowed = pin.map_or(String::new(), |kv| {
            format!(
                " (its condition on `{}` narrows the resources, not the actions)",
                kv.key.node
            )
        });
        let finding = ctx
            .report(
                Self::META,
                item.span,
                format!(
                    "`{}` allows every action of every service{scope}{narrowed}",
                    item.node
                ),
            )
            .help("list the actions the principal needs; keep `*` only for administrators");
        if let Some(kv) = pin {
            finding.related(kv.key.span, "narrows the resources only");
        }
    }
}
