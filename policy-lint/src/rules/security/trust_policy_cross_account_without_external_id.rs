//! `S023` `trust-policy-cross-account-without-external-id`.

use policy_core::ast::{PolicyKind, PrincipalKind, Statement};

use super::common::{
    coverage, is_account_principal, is_allow, is_public_pinning_key, pinning_condition,
    principal_account, principals, Fixed,
};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags, in a role trust policy, an `Allow` of `sts:AssumeRole` to a principal of
    /// another account without a condition on `sts:ExternalId`. Another account means one
    /// not in the configured `accounts`; when none are configured, every principal that is a
    /// whole account (`111122223333` or `arn:aws:iam::111122223333:root`), since its
    /// administrators decide who assumes the role.
    ///
    /// ## Why is this bad?
    /// When the other account is a third party acting for several customers, any of its
    /// customers can ask it to assume this role (the confused deputy problem). The external
    /// id the third party gives each customer prevents that.
    ///
    /// A statement is not reported when a positive condition (not negated, not `…IfExists`,
    /// not `ForAllValues:`) tests `sts:ExternalId` with a value other than `*`, or pins the
    /// caller with a literal `aws:PrincipalOrgID`, `aws:PrincipalArn`, `aws:PrincipalAccount`
    /// or another key `resource-policy-public` lists.
    ///
    /// Covers cloudsplaining: `AssumableByCrossAccountPrincipal`; iam-policy-validator:
    /// `trust_policy_validation` (`confused_deputy_risk`, in part); Access Analyzer's
    /// external-access findings (not a validation check).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "f3b1c9d2-7e4a-4c1b-9a2e-5d6f7a8b9c0d"}}}]}
    /// ```
    pub TrustPolicyCrossAccountWithoutExternalId { code: "S023", name: "trust-policy-cross-account-without-external-id", category: Security, severity: Warning }
}

impl Rule for TrustPolicyCrossAccountWithoutExternalId {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Trust
            || !is_allow(statement)
            || coverage(&ctx.facts(statement), statement, "sts", "AssumeRole").is_none()
        {
            return;
        }
        if pinning_condition(statement, Fixed::Narrow, |k| k == "sts:externalid").is_some()
            || pinning_condition(statement, Fixed::Strict, is_public_pinning_key).is_some()
        {
            return;
        }
        let accounts = &ctx.settings().accounts;
        let configured = !accounts.is_empty();
        let mut found = Vec::new();
        for p in principals(statement) {
            if p.kind != Some(PrincipalKind::Aws) {
                continue;
            }
            let Some(account) = principal_account(p.value) else {
                continue;
            };
            let other = if configured {
                !accounts.iter().any(|a| a == account)
            } else {
                is_account_principal(p.value)
            };
            if other {
                found.push((p.span, account.to_string()));
            }
        }
        for (span, account) in found {
            let message = if configured {
                format!("account `{account}`, which is not in the configured `accounts`, can assume this role without an `sts:ExternalId`")
            } else {
                format!("any principal of account `{account}` that its administrators allow can assume this role without an `sts:ExternalId`")
            };
            ctx.report(Self::META, span, message).help(
                "if the account is a third party, require `sts:ExternalId` with the id it gave you; if it is yours, list it in `accounts` or name the role that assumes",
            );
        }
    }
}
