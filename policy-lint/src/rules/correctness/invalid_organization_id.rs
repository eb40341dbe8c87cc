//! `C213` `invalid-organization-id`.

use policy_core::ast::{OperatorFamily, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::{condition_keys, is_account_id};

declare_rule! {
    /// ## What it does
    /// Flags a value of an organization-ID condition key (`aws:PrincipalOrgID`,
    /// `aws:ResourceOrgID`, `aws:SourceOrgID`, `aws:VpceOrgID`) that is not an organization
    /// ID: `o-` and 10 to 32 lower-case letters or digits. Values with wildcards or policy
    /// variables are not checked.
    ///
    /// ## Why is this bad?
    /// The key holds the organization ID, compared as text. A root ID (`r-…`), an OU path, an
    /// account ID or the organization's name never matches: an `Allow` grants nothing and a
    /// `Deny` that keeps access inside the organization denies everyone.
    ///
    /// Covers iam-policy-validator: `invalid_value_format` (in part).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "r-ab12"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    /// ```
    pub InvalidOrganizationId { code: "C213", name: "invalid-organization-id", category: Correctness, severity: Error }
}

const KEYS: [&str; 4] = [
    "aws:PrincipalOrgID",
    "aws:ResourceOrgID",
    "aws:SourceOrgID",
    "aws:VpceOrgID",
];

/// Whether `text` is `o-` and 10 to 32 lower-case letters or digits.
fn is_org_id(text: &str) -> bool {
    text.strip_prefix("o-").is_some_and(|id| {
        (10..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

impl Rule for InvalidOrganizationId {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for (op, kv) in condition_keys(statement) {
            if op.node.base.family() != OperatorFamily::String
                || !KEYS.iter().any(|k| kv.key.node.eq_ignore_ascii_case(k))
            {
                continue;
            }
            for value in &kv.values {
                let text = value.node.as_text();
                if text.contains(['*', '?']) || text.contains("${") || is_org_id(&text) {
                    continue;
                }
                let help = if text.starts_with("r-") {
                    "this is a root ID: organization IDs start with `o-`".to_string()
                } else if text.contains('/') {
                    "this is an organization path: test it with `aws:PrincipalOrgPaths` (`ForAnyValue:StringLike`)".to_string()
                } else if is_account_id(&text) {
                    "this is an account ID: test it with `aws:PrincipalAccount`".to_string()
                } else if is_org_id(&text.to_ascii_lowercase()) {
                    format!("IDs are lower case: `{}`", text.to_ascii_lowercase())
                } else {
                    "an organization ID is `o-` followed by 10 to 32 letters or digits".to_string()
                };
                ctx.report(
                    Self::META,
                    value.span,
                    format!("`{text}` is not an organization ID (key `{}`)", kv.key.node),
                )
                .help(help);
            }
        }
    }
}
