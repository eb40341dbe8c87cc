//! `S018` `resource-policy-cross-account`.

use policy_core::ast::{Policy, PolicyKind, PrincipalKind};

use super::common::{
    is_allow, list_names, pinning_condition, principal_account, principals, Fixed,
};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::util::split_arn;

declare_rule! {
    /// ## What it does
    /// Flags, in a resource or VPC endpoint policy, an `Allow` to an `AWS` principal of an
    /// account that is not one of ours: not in the configured `accounts`, or, when none are
    /// configured, not the account named in the policy's resource ARNs (an SQS queue's, an
    /// SNS topic's). With neither, nothing is reported.
    ///
    /// ## Why is this bad?
    /// Another account's administrators decide which of their users and roles may use the
    /// grant. That is sometimes intended (a partner, a log archive account) and should then
    /// be a known, reviewed exception.
    ///
    /// A statement is not reported when a condition pins the callers to our organization: a
    /// positive operator (not negated, not `…IfExists`, not `ForAllValues:`) on
    /// `aws:PrincipalOrgID` whose value is the configured `organization-id` (any literal
    /// organization id when none is configured).
    ///
    /// Covers cloudsplaining: `AssumableByCrossAccountPrincipal` (for resource policies);
    /// Access Analyzer's external-access findings (not a validation check).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:111122223333:orders"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/order-writer"}, "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:111122223333:orders"}]}
    /// ```
    pub ResourcePolicyCrossAccount { code: "S018", name: "resource-policy-cross-account", category: Security, severity: Note }
}

impl Rule for ResourcePolicyCrossAccount {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        if !matches!(ctx.kind(), PolicyKind::Resource | PolicyKind::Endpoint) {
            return;
        }
        let settings = ctx.settings();
        let configured = !settings.accounts.is_empty();
        let ours: Vec<String> = if configured {
            settings.accounts.clone()
        } else {
            let mut found: Vec<String> = Vec::new();
            for s in &policy.statements {
                for r in s.resources() {
                    if let Some(account) = split_arn(&r.node, 6)
                        .get(4)
                        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
                    {
                        if !found.iter().any(|f| f == account) {
                            found.push((*account).to_string());
                        }
                    }
                }
            }
            found
        };
        if ours.is_empty() {
            return;
        }
        let org = settings.organization_id.clone();
        for statement in &policy.statements {
            if !is_allow(statement) {
                continue;
            }
            let in_org = pinning_condition(statement, Fixed::Strict, |k| k == "aws:principalorgid")
                .is_some_and(|kv| match &org {
                    Some(org) => kv.values.iter().all(|v| v.node.as_text() == org.as_str()),
                    None => true,
                });
            if in_org {
                continue;
            }
            let actions: Vec<&str> = statement
                .actions()
                .iter()
                .map(|a| a.node.as_str())
                .collect();
            for p in principals(statement) {
                if p.kind != Some(PrincipalKind::Aws) {
                    continue;
                }
                let Some(account) = principal_account(p.value) else {
                    continue;
                };
                if ours.iter().any(|o| o == account) {
                    continue;
                }
                let whose = if configured {
                    "which is not in the configured `accounts`"
                } else {
                    "which does not own the policy's resources"
                };
                ctx.report(
                    Self::META,
                    p.span,
                    format!(
                        "grants account `{account}`, {whose}, access to {}",
                        list_names(&actions, 3)
                    ),
                )
                .help("if the account is yours, list it in `accounts`; if not, remove it, or keep the grant narrow and pin the callers with `aws:PrincipalOrgID`");
            }
        }
    }
}
