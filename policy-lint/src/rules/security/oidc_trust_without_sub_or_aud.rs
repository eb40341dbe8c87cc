//! `S024` `oidc-trust-without-sub-or-aud`.

use policy_core::ast::{PolicyKind, PrincipalKind, Statement};

use super::common::{coverage, is_allow, pinning_condition, principals, Fixed};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::util::has_variable;

declare_rule! {
    /// ## What it does
    /// Flags, in a role trust policy, an `Allow` of `sts:AssumeRoleWithWebIdentity` to an
    /// OIDC provider (`arn:aws:iam::…:oidc-provider/<host>`, or a built-in one such
    /// as `cognito-identity.amazonaws.com` or `accounts.google.com`) without a condition on
    /// the token's audience or subject (`<host>:aud`, `<host>:sub`; `:oaud`, `:azp` and
    /// `:app_id` for the providers that use them). For GitHub
    /// (`token.actions.githubusercontent.com`) the subject is required, since every GitHub
    /// token has the same audience.
    ///
    /// ## Why is this bad?
    /// Without them, any identity the provider vouches for can assume the role: any Google
    /// account, any Cognito identity pool, any repository's GitHub Actions workflow.
    ///
    /// The condition counts when its operator is positive (not negated, not `…IfExists`, not
    /// `ForAllValues:`) and its values are not `*`; how narrow a GitHub subject is, is left
    /// to `github-oidc-sub-wildcard`. A provider host known only at deploy time (a template's
    /// `${var.oidc_host}` or `${OidcHost}`) is never compared with key names: a claim key of
    /// any host counts, and a key whose host is unresolved counts for any provider.
    ///
    /// Covers Access Analyzer: `MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL`,
    /// `MISSING_GITHUB_REPO_CONDITION_KEY`; iam-policy-validator: `trust_policy_validation`
    /// (`missing_required_condition_for_assume_action`).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:octo-org/deploy:ref:refs/heads/main"}}}]}
    /// ```
    pub OidcTrustWithoutSubOrAud { code: "S024", name: "oidc-trust-without-sub-or-aud", category: Security, severity: Warning }
}

/// GitHub Actions' OIDC provider.
pub(crate) const GITHUB: &str = "token.actions.githubusercontent.com";

/// The provider host of a `Federated` OIDC principal (`token.actions.githubusercontent.com`,
/// `oidc.eks.eu-west-1.amazonaws.com/id/ABC`); `None` for SAML providers.
pub(crate) fn oidc_host(value: &str) -> Option<&str> {
    if let Some((_, host)) = value.split_once(":oidc-provider/") {
        return Some(host);
    }
    if value.starts_with("arn:") || value.contains("saml-provider/") {
        return None;
    }
    Some(value)
}

impl Rule for OidcTrustWithoutSubOrAud {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Trust
            || !is_allow(statement)
            || coverage(
                &ctx.facts(statement),
                statement,
                "sts",
                "AssumeRoleWithWebIdentity",
            )
            .is_none()
        {
            return;
        }
        for p in principals(statement) {
            if p.kind != Some(PrincipalKind::Federated) {
                continue;
            }
            let Some(host) = oidc_host(p.value) else {
                continue;
            };
            // A host known only at deploy time (`${var.oidc_host}`, `${OidcHost}`) is no
            // host: a claim key of any provider may be its, and the finding names none.
            let unresolved = has_variable(host);
            let github = !unresolved && host.eq_ignore_ascii_case(GITHUB);
            let lower = host.to_ascii_lowercase();
            let claims: &[&str] = if github {
                &["sub"]
            } else {
                &["aud", "sub", "oaud", "azp", "app_id"]
            };
            let pinned = pinning_condition(statement, Fixed::Narrow, |k| {
                k.rsplit_once(':').is_some_and(|(prefix, claim)| {
                    claims.contains(&claim)
                        && (unresolved || prefix == lower || has_variable(prefix))
                })
            });
            if pinned.is_some() {
                continue;
            }
            if unresolved {
                ctx.report(
                    Self::META,
                    p.span,
                    "any identity of this OIDC provider (its host is known only at deploy time) can assume this role: no condition on an `aud` or `sub` claim",
                )
                .help("add a `StringEquals` condition on `<provider host>:aud` with your application's client id (and on `<provider host>:sub` to name the identities)");
                continue;
            }
            let message = if github {
                format!("any GitHub Actions workflow of any repository can assume this role: no condition on `{GITHUB}:sub`")
            } else {
                format!("any identity of provider `{host}` can assume this role: no condition on `{host}:aud` or `{host}:sub`")
            };
            let help = if github {
                format!("add `\"StringLike\": {{\"{GITHUB}:sub\": \"repo:<owner>/<repository>:*\"}}` naming the repository (and branch or environment)")
            } else {
                format!("add a `StringEquals` condition on `{host}:aud` with your application's client id (and on `{host}:sub` to name the identities)")
            };
            ctx.report(Self::META, p.span, message).help(help);
        }
    }
}
