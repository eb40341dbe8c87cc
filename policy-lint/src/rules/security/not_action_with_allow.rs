//! `S004` `not-action-with-allow`.

use policy_core::ast::Statement;

use super::common::{consequences, is_grant, resource_pin};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity or resource policy that uses `NotAction`.
    ///
    /// One statement, one story: the finding names what the statement leads to (the
    /// privilege-escalation paths it opens by itself, credentials exposure, data access,
    /// permissions management and defense evasion on every resource), and the rules that
    /// report those leave the statement to it.
    ///
    /// ## Why is this bad?
    /// `Allow` with `NotAction` grants every action *except* those listed, in every service,
    /// including services and actions AWS adds later. It is almost always broader than
    /// meant; `NotAction` is safe with `Deny`.
    ///
    /// Conditions cannot narrow a set of actions, so a statement with conditions is still
    /// reported; when a condition narrows the resources (a positive operator on a key such as
    /// `aws:ResourceTag/…` or a service key), the message says so and points at it.
    ///
    /// Covers iam-policy-validator: `not_action_not_resource` (`not_action_allow`,
    /// `not_action_allow_no_condition`, `combined_not_action_not_resource`); Access Analyzer
    /// reports it only for `iam:PassRole` (see `pass-role-on-wildcard-resource`).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub NotActionWithAllow { code: "S004", name: "not-action-with-allow", category: Security, severity: Warning }
}

impl Rule for NotActionWithAllow {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(element) = statement.action.as_ref().filter(|a| a.negated) else {
            return;
        };
        if !is_grant(statement, ctx.kind()) {
            return;
        }
        let n = element.items.len();
        let listed = if n == 1 {
            "the one listed".to_string()
        } else {
            format!("the {n} listed")
        };
        let also = if statement.resource.as_ref().is_some_and(|r| r.negated) {
            ", on every resource but those in `NotResource`"
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
        let leads = consequences(statement, &ctx.facts(statement), ctx.kind());
        let story = if leads.is_empty() {
            String::new()
        } else {
            format!("; it grants {}", leads.join(", "))
        };
        let finding = ctx
            .report(
                Self::META,
                element.key_span,
                format!(
                    "`Allow` with `NotAction` grants every action of every service except {listed}{also}{narrowed}{story}"
                ),
            )
            .help("list the allowed actions in `Action`; keep `NotAction` for `Deny` statements");
        if let Some(kv) = pin {
            finding.related(kv.key.span, "narrows the resources only");
        }
    }
}
