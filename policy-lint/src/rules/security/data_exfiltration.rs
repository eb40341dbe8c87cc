//! `S013` `data-exfiltration`.

use policy_core::ast::Statement;

use super::common::check_sensitive;
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::support::sensitive::Sensitivity;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants, on every resource
    /// (`*`, every resource of a type such as `arn:aws:s3:::*`, or `NotResource`), actions
    /// that read stored data or secrets or copy databases out: `s3:GetObject`,
    /// `s3:GetObjectVersion`, `ssm:GetParameter`, `ssm:GetParameters`,
    /// `ssm:GetParametersByPath`, `ssm:GetParameterHistory`,
    /// `secretsmanager:GetSecretValue`, `secretsmanager:BatchGetSecretValue`,
    /// `rds:CreateDBSnapshot`, `rds:CopyDBSnapshot`, `rds:CreateDBClusterSnapshot`,
    /// `rds:CopyDBClusterSnapshot`, `dynamodb:ExportTableToPointInTime`, and the bulk table
    /// reads (`dynamodb:Scan`, `dynamodb:Query`, `dynamodb:BatchGetItem`,
    /// `dynamodb:PartiQLSelect`).
    ///
    /// The actions come from the sensitive-action table (`policy-lint/data/sensitive-actions.toml`,
    /// category `data-access`): the listed actions, with overrides that each name their AWS doc source. Only
    /// the actions that can apply to the broad resources count: `"Action": "*"` on
    /// `arn:aws:secretsmanager:…:secret:*` grants no IAM action. A statement that allows
    /// every action (`Action: "*"`, `NotAction`) is left to `wildcard-action` or
    /// `not-action-with-allow`, whose finding names this consequence.
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

impl Rule for DataExfiltration {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        check_sensitive(
            Self::META,
            Sensitivity::DataAccess,
            statement,
            ctx,
            "name the buckets, tables, parameters or secrets the principal reads, or narrow them with `aws:ResourceAccount` or `aws:ResourceOrgID`",
        );
    }
}
