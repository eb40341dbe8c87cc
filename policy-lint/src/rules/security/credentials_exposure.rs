//! `S012` `credentials-exposure`.

use policy_core::ast::Statement;

use super::common::check_sensitive;
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::support::sensitive::Sensitivity;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants, on every resource
    /// (`*`, every resource of a type, or `NotResource`), actions whose response carries
    /// credentials: access keys and passwords (`iam:CreateAccessKey`,
    /// `iam:UpdateAccessKey`, `iam:CreateLoginProfile`, `ec2:GetPasswordData`,
    /// `lightsail:GetRelationalDatabaseMasterUserPassword`), tokens
    /// (`ecr:GetAuthorizationToken`, `codeartifact:GetAuthorizationToken`,
    /// `sts:GetFederationToken`, `cognito-identity:GetCredentialsForIdentity`) and database
    /// credentials (`redshift:GetClusterCredentials`, `rds-db:connect`), and reads whose
    /// response carries a secret (`cognito-idp:DescribeUserPoolClient` returns the app
    /// client's secret, `appsync:ListApiKeys` the API keys). `sts:AssumeRole` is
    /// left to `assume-role-on-wildcard`; `sts:GetSessionToken` needs no permission.
    ///
    /// The actions come from the sensitive-action table (`policy-lint/data/sensitive-actions.toml`,
    /// category `credentials-exposure`): the listed actions, with overrides that each name their AWS doc source. Only
    /// the actions that can apply to the broad resources count: `"Action": "*"` on
    /// `arn:aws:secretsmanager:…:secret:*` grants no IAM action. A statement that allows
    /// every action (`Action: "*"`, `NotAction`) is left to `wildcard-action` or
    /// `not-action-with-allow`, whose finding names this consequence.
    ///
    /// ## Why is this bad?
    /// Whoever holds these permissions on every resource can mint credentials for other
    /// users, databases or registries, and act as them: on every user, `iam:CreateAccessKey`
    /// alone is a privilege escalation.
    ///
    /// A statement narrowed by a condition is not reported: a positive operator (not
    /// negated, not `…IfExists`, not `ForAllValues:`) on a key that scopes the resources or
    /// the network path, such as `aws:ResourceTag/…`, `aws:ResourceAccount`,
    /// `aws:SourceVpce` or any service key, with a value other than `*`.
    ///
    /// Covers cloudsplaining: `CredentialsExposure`; parliament (community auditors):
    /// `CREDENTIALS_EXPOSURE`; iam-policy-validator: `sensitive_action` (credential
    /// exposure).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::111122223333:user/${aws:username}"}]}
    /// ```
    pub CredentialsExposure { code: "S012", name: "credentials-exposure", category: Security, severity: Warning }
}

impl Rule for CredentialsExposure {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        check_sensitive(
            Self::META,
            Sensitivity::CredentialsExposure,
            statement,
            ctx,
            "name the users, registries or databases the principal needs credentials for, or narrow them with a condition",
        );
    }
}
