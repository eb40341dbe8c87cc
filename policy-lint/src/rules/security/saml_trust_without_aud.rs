//! `S026` `saml-trust-without-aud`.

use policy_core::ast::{PolicyKind, PrincipalKind, Statement};

use super::common::{coverage, is_allow, pinning_condition, principals, Fixed};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags, in a role trust policy, an `Allow` of `sts:AssumeRoleWithSAML` to a SAML
    /// provider (`arn:aws:iam::…:saml-provider/<name>`) without a condition on `SAML:aud`.
    ///
    /// ## Why is this bad?
    /// `SAML:aud` ties the assertion to the AWS sign-in endpoint it was issued for
    /// (`https://signin.aws.amazon.com/saml`). Without it, an assertion the identity provider
    /// issued for another service provider can be replayed to assume the role. The AWS
    /// console adds the condition to every SAML trust policy it creates.
    ///
    /// The condition counts when its operator is positive (not negated, not `…IfExists`, not
    /// `ForAllValues:`) and its values are not `*`.
    ///
    /// Covers iam-policy-validator: `trust_policy_validation`
    /// (`missing_required_condition_for_assume_action`).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/corp-idp"}, "Action": "sts:AssumeRoleWithSAML"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/corp-idp"}, "Action": "sts:AssumeRoleWithSAML", "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]}
    /// ```
    pub SamlTrustWithoutAud { code: "S026", name: "saml-trust-without-aud", category: Security, severity: Warning }
}

impl Rule for SamlTrustWithoutAud {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Trust
            || !is_allow(statement)
            || coverage(
                &ctx.facts(statement),
                statement,
                "sts",
                "AssumeRoleWithSAML",
            )
            .is_none()
        {
            return;
        }
        if pinning_condition(statement, Fixed::Narrow, |k| k == "saml:aud").is_some() {
            return;
        }
        for p in principals(statement) {
            if p.kind != Some(PrincipalKind::Federated) || !p.value.contains(":saml-provider/") {
                continue;
            }
            ctx.report(
                Self::META,
                p.span,
                format!("any assertion of SAML provider `{}` can assume this role, whatever its audience: no condition on `SAML:aud`", p.value),
            )
            .help("add `\"Condition\": {\"StringEquals\": {\"SAML:aud\": \"https://signin.aws.amazon.com/saml\"}}`");
        }
    }
}
