//! `C214` `invalid-federated-principal-format`.

use policy_core::ast::{PrincipalKind, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::is_account_id;

declare_rule! {
    /// ## What it does
    /// Flags a `Federated` principal that is neither the ARN of an identity provider
    /// (`arn:aws:iam::111122223333:saml-provider/name`,
    /// `arn:aws:iam::111122223333:oidc-provider/host`) nor one of the web identity providers
    /// AWS names directly: `cognito-identity.amazonaws.com`, `www.amazon.com`,
    /// `graph.facebook.com`, `accounts.google.com`.
    ///
    /// ## Why is this bad?
    /// AWS rejects the trust policy. The usual slip is the OIDC provider's host name
    /// (`token.actions.githubusercontent.com`) where its ARN belongs.
    ///
    /// Covers Access Analyzer: `INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY`;
    /// parliament: `UNKNOWN_FEDERATION_SOURCE`; iam-policy-validator:
    /// `invalid_provider_format`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:octo-org/app:ref:refs/heads/main"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:octo-org/app:ref:refs/heads/main"}}}]}
    /// ```
    pub InvalidFederatedPrincipalFormat { code: "C214", name: "invalid-federated-principal-format", category: Correctness, severity: Error }
}

/// Web identity providers named directly in `Federated`.
const NAMED_PROVIDERS: [&str; 4] = [
    "cognito-identity.amazonaws.com",
    "www.amazon.com",
    "graph.facebook.com",
    "accounts.google.com",
];

/// Whether `text` is the ARN of a SAML or OIDC provider.
fn is_provider_arn(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("arn:") else {
        return false;
    };
    let mut parts = rest.splitn(5, ':');
    let (Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    !partition.is_empty()
        && is_account_id(account)
        && ["saml-provider/", "oidc-provider/"].iter().any(|p| {
            resource
                .strip_prefix(p)
                .is_some_and(|name| !name.is_empty())
        })
}

impl Rule for InvalidFederatedPrincipalFormat {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(principal) = &statement.principal else {
            return;
        };
        for entry in principal.value.entries() {
            if entry.kind.node != PrincipalKind::Federated {
                continue;
            }
            for value in &entry.values {
                let text = value.node.as_str();
                if text.contains(['*', '?'])
                    || text.contains("${")
                    || NAMED_PROVIDERS.contains(&text)
                    || is_provider_arn(text)
                {
                    continue;
                }
                let help = if text.starts_with("arn:") {
                    "write `arn:aws:iam::ACCOUNT:saml-provider/NAME` or `arn:aws:iam::ACCOUNT:oidc-provider/HOST`".to_string()
                } else {
                    format!("write the provider's ARN: `arn:aws:iam::ACCOUNT:oidc-provider/{text}`")
                };
                ctx.report(
                    Self::META,
                    value.span,
                    format!("`{text}` is not an identity provider ARN or a web identity provider AWS knows"),
                )
                .help(help);
            }
        }
    }
}
