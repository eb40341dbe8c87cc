//! `C110` `invalid-sid`.

use policy_core::ast::{PolicyKind, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `Sid` with characters other than `A-Z`, `a-z` and `0-9` in a policy that IAM or
    /// AWS Organizations stores (identity, trust, boundary, session, SCP, RCP). Resource
    /// policies of other services (S3, SNS, SQS) accept more and are not checked.
    ///
    /// ## Why is this bad?
    /// IAM rejects the policy (`UNSUPPORTED_SID`): a Sid such as `read-reports` or
    /// `Allow S3` fails at deploy time.
    ///
    /// Covers Access Analyzer: `UNSUPPORTED_SID`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "read-reports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub InvalidSid { code: "C110", name: "invalid-sid", category: Correctness, severity: Error }
}

impl Rule for InvalidSid {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if matches!(ctx.kind(), PolicyKind::Resource | PolicyKind::Endpoint) {
            return;
        }
        let Some(sid) = &statement.sid else {
            return;
        };
        if sid.node.chars().all(|c| c.is_ascii_alphanumeric()) {
            return;
        }
        // UG reference_policies_elements_sid: IAM allows only ASCII letters and digits.
        let fixed: String = sid
            .node
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut cs = w.chars();
                cs.next()
                    .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                    .unwrap_or_default()
            })
            .collect();
        let help = if fixed.is_empty() {
            "use only letters and digits".to_string()
        } else {
            format!("use only letters and digits, e.g. `{fixed}`")
        };
        ctx.report(
            Self::META,
            sid.span,
            format!(
                "Sid `{}` has characters that {} does not allow",
                sid.node,
                ctx.kind().description()
            ),
        )
        .help(help);
    }
}
