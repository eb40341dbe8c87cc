//! `S014` `permissions-management-on-wildcard`.

use policy_core::ast::Statement;

use super::common::check_sensitive;
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::support::sensitive::Sensitivity;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants actions of the
    /// Permissions management access level (`iam:AttachRolePolicy`, `s3:PutBucketPolicy`,
    /// `kms:CreateGrant`, `lambda:AddPermission`, …) on every resource (`*`, every resource
    /// of a type, or `NotResource`).
    ///
    /// The actions come from the sensitive-action table (`policy-lint/data/sensitive-actions.toml`,
    /// category `permissions-management`): the actions of the reference's Permissions management access level, with overrides that each name their AWS doc source. Only
    /// the actions that can apply to the broad resources count: `"Action": "*"` on
    /// `arn:aws:secretsmanager:…:secret:*` grants no IAM action. A statement that allows
    /// every action (`Action: "*"`, `NotAction`) is left to `wildcard-action` or
    /// `not-action-with-allow`, whose finding names this consequence.
    ///
    /// ## Why is this bad?
    /// These actions change who may do what: on every resource, the principal can grant
    /// itself or anyone else access to any resource of the service, or make it public.
    ///
    /// A statement narrowed by a condition is not reported: a positive operator (not
    /// negated, not `…IfExists`, not `ForAllValues:`) on a key that scopes the resources,
    /// such as `aws:ResourceTag/…`, `aws:ResourceAccount`, `iam:PolicyARN`,
    /// `iam:PermissionsBoundary` or any other service key, with a value other than `*`.
    ///
    /// Covers parliament (community auditors): `PERMISSIONS_MANAGEMENT_ACTIONS`;
    /// cloudsplaining: `ResourceExposure`; iam-policy-validator: `sensitive_action`
    /// (resource exposure).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "arn:aws:s3:::reports"}]}
    /// ```
    pub PermissionsManagementOnWildcard { code: "S014", name: "permissions-management-on-wildcard", category: Security, severity: Warning }
}

impl Rule for PermissionsManagementOnWildcard {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        check_sensitive(
            Self::META,
            Sensitivity::PermissionsManagement,
            statement,
            ctx,
            "name the resources whose permissions the principal manages, or narrow them with a condition",
        );
    }
}
