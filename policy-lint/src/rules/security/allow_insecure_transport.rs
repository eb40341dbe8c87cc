//! `S028` `allow-insecure-transport`.

use policy_core::ast::{OperatorFamily, Statement};

use super::common::is_allow;
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement with a `Bool` (or `BoolIfExists`) condition that requires
    /// `aws:SecureTransport` to be `false`.
    ///
    /// ## Why is this bad?
    /// The statement grants access only to requests made over plain HTTP, so data and
    /// signatures travel unencrypted. Nothing needs such a grant; a `Deny` for
    /// `aws:SecureTransport` `false` is the usual way round.
    ///
    /// Covers iam-policy-validator: `action_condition_enforcement` (the S3 secure-transport
    /// requirement).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reporting"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reporting"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}
    /// ```
    pub AllowInsecureTransport { code: "S028", name: "allow-insecure-transport", category: Security, severity: Warning }
}

impl Rule for AllowInsecureTransport {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if !is_allow(statement) {
            return;
        }
        for entry in statement.conditions() {
            let op = entry.operator.node;
            if op.base.family() != OperatorFamily::Bool || op.qualifier.is_some() {
                continue;
            }
            for kv in &entry.keys {
                if !kv.key.node.eq_ignore_ascii_case("aws:SecureTransport") {
                    continue;
                }
                if kv
                    .values
                    .iter()
                    .any(|v| v.node.as_text().eq_ignore_ascii_case("false"))
                {
                    ctx.report(
                        Self::META,
                        kv.values_span,
                        "this `Allow` grants access to requests over plain HTTP (`aws:SecureTransport` is `false`)",
                    )
                    .help("require `true`, or remove the condition and deny `aws:SecureTransport` `false` in a `Deny` statement");
                }
            }
        }
    }
}
