//! `S014` `permissions-management-on-wildcard`.

use std::sync::OnceLock;

use policy_core::ast::Statement;
use policy_core::service_ref::{AccessLevel, ServiceRef};

use super::common::{list_names, names_of, unrestricted_grant, ActionList};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants actions of the
    /// Permissions management access level (`iam:AttachRolePolicy`, `s3:PutBucketPolicy`,
    /// `kms:CreateGrant`, `lambda:AddPermission`, …) on every resource (`*`, every resource
    /// of a type, or `NotResource`).
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

/// Every action of the Permissions management access level, resolved once.
fn list() -> &'static ActionList {
    static LIST: OnceLock<ActionList> = OnceLock::new();
    LIST.get_or_init(|| {
        ActionList::from_actions(
            ServiceRef::get()
                .actions()
                .filter(|a| a.access_level() == AccessLevel::PermissionsManagement),
        )
    })
}

impl Rule for PermissionsManagementOnWildcard {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(grant) = unrestricted_grant(&ctx.facts(statement), statement, ctx.kind(), list())
        else {
            return;
        };
        let names = names_of(list(), &grant.granted);
        let what = if names.len() == 1 {
            "an action that changes who may do what".to_string()
        } else {
            format!("{} actions that change who may do what", names.len())
        };
        ctx.report(
            Self::META,
            grant.at,
            format!(
                "grants {} on every resource: {what}",
                list_names(&names, 3)
            ),
        )
        .help("name the resources whose permissions the principal manages, or narrow them with a condition")
        .related(grant.resource, "every resource");
    }
}
