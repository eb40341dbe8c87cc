//! `C204` `invalid-vpc-or-vpce-format`.

use policy_core::ast::{OperatorFamily, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::condition_keys;

declare_rule! {
    /// ## What it does
    /// Flags a value of `aws:SourceVpc` or `aws:Ec2InstanceSourceVpc` that is not a VPC ID
    /// (`vpc-` and 8 or 17 lower-case letters or digits), and a value of `aws:SourceVpce`
    /// that is not a VPC endpoint ID (`vpce-` and 8 or 17). Values with wildcards or policy
    /// variables are not checked.
    ///
    /// ## Why is this bad?
    /// The condition compares the ID as text, so a malformed ID never matches: an `Allow`
    /// grants nothing, and a `Deny` with `StringNotEquals` denies every request, the ones
    /// through the right VPC included. Mixing up the two keys (a `vpce-` ID under
    /// `aws:SourceVpc`) is the common case.
    ///
    /// Covers Access Analyzer: `INVALID_VPC_FORMAT`, `INVALID_VPCE_FORMAT`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpce-1a2b3c4d"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]}
    /// ```
    pub InvalidVpcOrVpceFormat { code: "C204", name: "invalid-vpc-or-vpce-format", category: Correctness, severity: Error }
}

/// The ID prefix a key takes, and what the ID is called.
fn expected(key: &str) -> Option<(&'static str, &'static str)> {
    if key.eq_ignore_ascii_case("aws:SourceVpc")
        || key.eq_ignore_ascii_case("aws:Ec2InstanceSourceVpc")
    {
        Some(("vpc-", "VPC"))
    } else if key.eq_ignore_ascii_case("aws:SourceVpce") {
        Some(("vpce-", "VPC endpoint"))
    } else {
        None
    }
}

/// Whether `text` is `prefix` followed by 8 or 17 lower-case letters or digits.
fn is_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|id| {
        (id.len() == 8 || id.len() == 17)
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

impl Rule for InvalidVpcOrVpceFormat {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for (op, kv) in condition_keys(statement) {
            if op.node.base.family() != OperatorFamily::String {
                continue;
            }
            let Some((prefix, what)) = expected(&kv.key.node) else {
                continue;
            };
            for value in &kv.values {
                let text = value.node.as_text();
                if text.contains(['*', '?']) || text.contains("${") || is_id(&text, prefix) {
                    continue;
                }
                let help = if prefix == "vpc-" && text.starts_with("vpce-") {
                    "this is a VPC endpoint ID: test it with `aws:SourceVpce`".to_string()
                } else if prefix == "vpce-" && text.starts_with("vpc-") {
                    "this is a VPC ID: test it with `aws:SourceVpc`".to_string()
                } else if is_id(&text.to_ascii_lowercase(), prefix) {
                    format!("IDs are lower case: `{}`", text.to_ascii_lowercase())
                } else {
                    format!("a {what} ID is `{prefix}` followed by 8 or 17 letters or digits")
                };
                ctx.report(
                    Self::META,
                    value.span,
                    format!("`{text}` is not a {what} ID (key `{}`)", kv.key.node),
                )
                .help(help);
            }
        }
    }
}
