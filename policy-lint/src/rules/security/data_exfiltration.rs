//! `S013` `data-exfiltration`.

use std::sync::OnceLock;

use policy_core::ast::Statement;

use super::common::{list_names, names_of, unrestricted_grant, ActionList};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants, on every resource
    /// (`*`, every resource of a type such as `arn:aws:s3:::*`, or `NotResource`), actions
    /// that read stored data or secrets or copy databases out: `s3:GetObject`,
    /// `s3:GetObjectVersion`, `ssm:GetParameter`, `ssm:GetParameters`,
    /// `ssm:GetParametersByPath`, `ssm:GetParameterHistory`,
    /// `secretsmanager:GetSecretValue`, `secretsmanager:BatchGetSecretValue`,
    /// `rds:CreateDBSnapshot`, `rds:CopyDBSnapshot`, `rds:CreateDBClusterSnapshot`,
    /// `rds:CopyDBClusterSnapshot` and `dynamodb:ExportTableToPointInTime`.
    ///
    /// ## Why is this bad?
    /// Unrestricted `s3:GetObject` has a long history of data leaks, and the parameter and
    /// secret reads return passwords and keys. On every resource, they reach data the
    /// principal has no use for, including other accounts' buckets whose policies trust it.
    ///
    /// A statement narrowed by a condition is not reported: a positive operator (not
    /// negated, not `…IfExists`, not `ForAllValues:`) on a key that scopes the resources or
    /// the network path, such as `aws:ResourceAccount`, `aws:ResourceOrgID`,
    /// `aws:ResourceTag/…`, `aws:SourceVpce` or any service key, with a value other than
    /// `*`. (cloudsplaining skips every statement with a condition, even one that narrows
    /// nothing.)
    ///
    /// Covers cloudsplaining: `DataExfiltration`; iam-policy-validator:
    /// `action_condition_enforcement` (the S3 organization boundary) and `sensitive_action`
    /// (data access).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/db-*"}]}
    /// ```
    pub DataExfiltration { code: "S013", name: "data-exfiltration", category: Security, severity: Warning }
}

/// Actions that read data or secrets, or copy databases (cloudsplaining's list and the
/// snapshot actions its documentation names, plus versions, history and batch reads).
const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "rds:CreateDBSnapshot",
    "rds:CopyDBSnapshot",
    "rds:CreateDBClusterSnapshot",
    "rds:CopyDBClusterSnapshot",
    "dynamodb:ExportTableToPointInTime",
];

/// The actions, resolved once.
fn list() -> &'static ActionList {
    static LIST: OnceLock<ActionList> = OnceLock::new();
    LIST.get_or_init(|| ActionList::new(ACTIONS))
}

impl Rule for DataExfiltration {
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
                "grants {} on every resource: actions that read or copy stored data and secrets",
                list_names(&names, 3)
            ),
        )
        .help("name the buckets, parameters or secrets the principal reads, or narrow them with `aws:ResourceAccount` or `aws:ResourceOrgID`")
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
