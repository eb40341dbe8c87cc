//! `S001` `wildcard-action`.

use policy_core::ast::Statement;

use super::common::{consequences, has_positive_action, is_grant, resource_pin, star_resource};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::support::resource_types::Applicability;
pub(crate) use crate::support::story::is_full_wildcard;

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
    /// One statement, one story: the finding names what the statement leads to, as the
    /// other security rules would report it (the privilege-escalation paths of
    /// pathfinding.cloud it opens by itself, and credentials exposure, data access,
    /// permissions management and defense evasion on every resource), and those rules leave
    /// the statement to it. A statement whose resources are all of some types (`"Resource":
    /// "arn:aws:secretsmanager:*:*:secret:*"`) allows only the actions that apply to them,
    /// and the message says so.
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
        let resources = statement
            .resource
            .as_ref()
            .filter(|r| !r.negated)
            .map(|r| r.items.iter().map(|i| i.node.as_str()));
        let typed = resources.is_some_and(|r| !Applicability::new(r).is_unlimited());
        let scope = if star_resource(statement).is_some() {
            "every action of every service on every resource"
        } else if typed {
            "every action that applies to the statement's resources"
        } else {
            "every action of every service"
        };
        let pin = resource_pin(statement);
        let narrowed = pin.map_or(String::new(), |kv| {
            format!(
                " (its condition on `{}` narrows the resources, not the actions)",
                kv.key.node
            )
        });
        let leads = consequences(statement, &ctx.facts(statement), ctx.kind());
        let story = if leads.is_empty() {
            String::new()
        } else {
            format!("; it grants {}", leads.join(", "))
        };
        let finding = ctx
            .report(
                Self::META,
                item.span,
                format!("`{}` allows {scope}{narrowed}{story}", item.node),
            )
            .help("list the actions the principal needs; keep `*` only for administrators");
        if let Some(kv) = pin {
            finding.related(kv.key.span, "narrows the resources only");
        }
    }
}
