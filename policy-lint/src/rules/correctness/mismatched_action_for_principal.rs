//! `C212` `mismatched-action-for-principal`.

use policy_core::ast::{PrincipalKind, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::action_covers;

declare_rule! {
    /// ## What it does
    /// Flags a role-assumption action that none of the statement's principals can call:
    /// `sts:AssumeRoleWithSAML` without a SAML provider (`…:saml-provider/…`),
    /// `sts:AssumeRoleWithWebIdentity` without an OIDC or web identity provider, and
    /// `sts:AssumeRole` with only `Federated` principals. It also flags a statement that
    /// trusts `rolesanywhere.amazonaws.com` without all of `sts:AssumeRole`,
    /// `sts:TagSession` and `sts:SetSourceIdentity`. Statements with `"Principal": "*"` are
    /// not checked.
    ///
    /// ## Why is this bad?
    /// Each way of assuming a role comes from one kind of principal: SAML assertions from a
    /// SAML provider, web identity tokens from an OIDC provider, `AssumeRole` calls from AWS
    /// principals and services. A trust statement that pairs them otherwise never lets
    /// anyone in, and IAM Roles Anywhere fails to create sessions without the three actions.
    ///
    /// Covers Access Analyzer: `MISMATCHED_ACTION_FOR_PRINCIPAL`,
    /// `MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY`; iam-policy-validator:
    /// `invalid_principal_type_for_assume_action`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/corp-idp"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/corp-idp"}, "Action": "sts:AssumeRoleWithSAML", "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]}
    /// ```
    pub MismatchedActionForPrincipal { code: "C212", name: "mismatched-action-for-principal", category: Correctness, severity: Error }
}

/// The kinds of principal a statement names.
#[derive(Default)]
struct Kinds {
    aws_or_service: bool,
    saml: bool,
    web: bool,
    roles_anywhere_only: bool,
}

fn kinds(statement: &Statement) -> Option<Kinds> {
    let principal = statement.principal.as_ref()?;
    if principal.negated || principal.value.entries().is_empty() {
        return None;
    }
    let mut k = Kinds::default();
    let mut services = Vec::new();
    for entry in principal.value.entries() {
        for v in &entry.values {
            match entry.kind.node {
                PrincipalKind::Aws | PrincipalKind::CanonicalUser => k.aws_or_service = true,
                PrincipalKind::Service => {
                    k.aws_or_service = true;
                    services.push(v.node.as_str());
                }
                PrincipalKind::Federated if v.node.contains(":saml-provider/") => k.saml = true,
                PrincipalKind::Federated => k.web = true,
            }
        }
    }
    k.roles_anywhere_only = !services.is_empty()
        && services.iter().all(|s| *s == "rolesanywhere.amazonaws.com")
        && !k.saml
        && !k.web
        && principal
            .value
            .entries()
            .iter()
            .all(|e| e.kind.node == PrincipalKind::Service);
    Some(k)
}

impl Rule for MismatchedActionForPrincipal {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(action) = &statement.action else {
            return;
        };
        if action.negated {
            return;
        }
        let Some(k) = kinds(statement) else {
            return;
        };
        for item in &action.items {
            let text = item.node.as_str();
            let (needed, help) = if text.eq_ignore_ascii_case("sts:AssumeRoleWithSAML") && !k.saml {
                (
                    "a SAML provider principal",
                    "name the provider as `\"Federated\": \"arn:aws:iam::ACCOUNT:saml-provider/NAME\"`, or use the action that matches the principal",
                )
            } else if text.eq_ignore_ascii_case("sts:AssumeRoleWithWebIdentity") && !k.web {
                (
                    "an OIDC or web identity provider principal",
                    "name the provider as `\"Federated\": \"arn:aws:iam::ACCOUNT:oidc-provider/HOST\"`, or use the action that matches the principal",
                )
            } else if text.eq_ignore_ascii_case("sts:AssumeRole") && !k.aws_or_service {
                (
                    "an `AWS` or `Service` principal",
                    "federated principals call `sts:AssumeRoleWithSAML` or `sts:AssumeRoleWithWebIdentity`",
                )
            } else {
                continue;
            };
            ctx.report(
                Self::META,
                item.span,
                format!("`{text}` needs {needed}, and this statement names none"),
            )
            .help(help);
        }
        if k.roles_anywhere_only {
            let missing: Vec<&str> = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
                .into_iter()
                .filter(|needed| !action.items.iter().any(|a| action_covers(&a.node, needed)))
                .collect();
            if !missing.is_empty() {
                ctx.report(
                    Self::META,
                    action.span,
                    format!(
                        "the trust policy of `rolesanywhere.amazonaws.com` lacks {}",
                        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .help("allow `sts:AssumeRole`, `sts:TagSession` and `sts:SetSourceIdentity` for `rolesanywhere.amazonaws.com`");
            }
        }
    }
}
