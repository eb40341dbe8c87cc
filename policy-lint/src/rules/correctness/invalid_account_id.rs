//! `C208` `invalid-account-id`.

use policy_core::ast::{OperatorFamily, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::{condition_keys, is_account_id};

declare_rule! {
    /// ## What it does
    /// Flags a value of an account condition key (`aws:PrincipalAccount`,
    /// `aws:SourceAccount`, `aws:ResourceAccount`, `aws:VpceAccount`) that is not an account
    /// ID of 12 digits. Values with wildcards or policy variables are not checked.
    ///
    /// ## Why is this bad?
    /// These keys hold 12-digit account IDs, compared as text: `1111-2222-3333`, an 11-digit
    /// ID that lost its leading zero (a number in a spreadsheet), or an account alias never
    /// matches. A `Deny` that pins access to "our account" with `StringNotEquals` then denies
    /// every request, and an `Allow` grants nothing.
    ///
    /// Covers Access Analyzer: (no check for condition values; `INVALID_ARN_ACCOUNT` for
    /// ARNs); iam-policy-validator: `invalid_value_format` (in part).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::trail-logs/*", "Condition": {"StringEquals": {"aws:SourceAccount": "1111-2222-3333"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::trail-logs/*", "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}]}
    /// ```
    pub InvalidAccountId { code: "C208", name: "invalid-account-id", category: Correctness, severity: Error }
}

const KEYS: [&str; 4] = [
    "aws:PrincipalAccount",
    "aws:SourceAccount",
    "aws:ResourceAccount",
    "aws:VpceAccount",
];

impl Rule for InvalidAccountId {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for (op, kv) in condition_keys(statement) {
            if op.node.base.family() != OperatorFamily::String
                || !KEYS.iter().any(|k| kv.key.node.eq_ignore_ascii_case(k))
            {
                continue;
            }
            for value in &kv.values {
                let text = value.node.as_text();
                if text.contains(['*', '?']) || text.contains("${") || is_account_id(&text) {
                    continue;
                }
                let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                let help = if is_account_id(&digits) {
                    format!("write `{digits}`")
                } else if text.bytes().all(|b| b.is_ascii_digit()) && text.len() < 12 {
                    format!("account IDs keep their leading zeros: `{text:0>12}`?")
                } else {
                    "an account ID has 12 digits".to_string()
                };
                ctx.report(
                    Self::META,
                    value.span,
                    format!(
                        "`{text}` is not a 12-digit account ID (key `{}`)",
                        kv.key.node
                    ),
                )
                .help(help);
            }
        }
    }
}
