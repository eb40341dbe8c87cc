//! `S012` `credentials-exposure`.

use std::sync::OnceLock;

use policy_core::ast::Statement;

use super::common::{list_names, names_of, unrestricted_grant, ActionList};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants, on every resource
    /// (`*`, every resource of a type, or `NotResource`), actions whose response carries
    /// credentials: access keys and passwords (`iam:CreateAccessKey`,
    /// `iam:UpdateAccessKey`, `iam:CreateLoginProfile`, `ec2:GetPasswordData`,
    /// `lightsail:GetRelationalDatabaseMasterUserPassword`), tokens
    /// (`ecr:GetAuthorizationToken`, `codeartifact:GetAuthorizationToken`,
    /// `sts:GetFederationToken`, `cognito-identity:GetCredentialsForIdentity`) and database
    /// credentials (`redshift:GetClusterCredentials`, `rds-db:connect`). `sts:AssumeRole` is
    /// left to `assume-role-on-wildcard`; `sts:GetSessionToken` needs no permission.
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

/// Actions whose response carries credentials (cloudsplaining's list, from the audit data of
/// `policy_sentry`, plus newer ones), without `sts:AssumeRole*` and `sts:GetSessionToken`.
const ACTIONS: &[&str] = &[
    "airflow:CreateCliToken",
    "airflow:CreateWebLoginToken",
    "appsync:CreateApiKey",
    "chime:CreateApiKey",
    "cloud9:CreateEnvironmentToken",
    "codeartifact:GetAuthorizationToken",
    "codepipeline:PollForJobs",
    "cognito-identity:GetCredentialsForIdentity",
    "cognito-identity:GetOpenIdToken",
    "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
    "cognito-idp:GetSigningCertificate",
    "connect:GetFederationToken",
    "dsql:DbConnectAdmin",
    "ec2:GetPasswordData",
    "ecr:GetAuthorizationToken",
    "ecr-public:GetAuthorizationToken",
    "eks-auth:AssumeRoleForPodIdentity",
    "emr-containers:GetManagedEndpointSessionCredentials",
    "finspace-api:GetProgrammaticAccessCredentials",
    "gamelift:GetComputeAccess",
    "gamelift:GetComputeAuthToken",
    "gamelift:GetInstanceAccess",
    "gamelift:RequestUploadCredentials",
    "grafana:CreateWorkspaceApiKey",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "iam:UpdateAccessKey",
    "lakeformation:GetTemporaryGluePartitionCredentials",
    "lakeformation:GetTemporaryGlueTableCredentials",
    "license-manager:GetAccessToken",
    "lightsail:CreateBucketAccessKey",
    "lightsail:DownloadDefaultKeyPair",
    "lightsail:GetInstanceAccessDetails",
    "lightsail:GetRelationalDatabaseMasterUserPassword",
    "mediapackage:RotateChannelCredentials",
    "mediapackage:RotateIngestEndpointCredentials",
    "rds-db:connect",
    "redshift:GetClusterCredentials",
    "redshift:GetClusterCredentialsWithIAM",
    "redshift-serverless:GetCredentials",
    "s3:GetDataAccess",
    "s3express:CreateSession",
    "sts:GetFederationToken",
];

/// The actions, resolved once.
pub(crate) fn list() -> &'static ActionList {
    static LIST: OnceLock<ActionList> = OnceLock::new();
    LIST.get_or_init(|| ActionList::new(ACTIONS))
}

impl Rule for CredentialsExposure {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(grant) = unrestricted_grant(&ctx.facts(statement), statement, ctx.kind(), list())
        else {
            return;
        };
        let names = names_of(list(), &grant.granted);
        ctx.report(
            Self::META,
            grant.at,
            format!(
                "grants {} on every resource: actions whose response carries credentials",
                list_names(&names, 3)
            ),
        )
        .help("name the users, registries or databases the principal needs credentials for, or narrow them with a condition")
        .related(grant.resource, "every resource");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_listed_action_is_known() {
        assert_eq!(super::list().iter().count(), super::ACTIONS.len());
    }
}
