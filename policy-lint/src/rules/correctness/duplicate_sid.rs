//! `C111` `duplicate-sid`.

use policy_core::ast::Policy;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags two statements with the same `Sid`.
    ///
    /// ## Why is this bad?
    /// IAM rejects identity policies with duplicate Sids (`UNIQUE_SIDS_REQUIRED`), and in every
    /// policy a Sid is how people and tools (explanations, suppressions) name a statement:
    /// two statements with one name make both ambiguous.
    ///
    /// Covers Access Analyzer: `UNIQUE_SIDS_REQUIRED`, `UNIQUE_SIDS_RECOMMENDED`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, {"Sid": "Read", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadObjects", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}, {"Sid": "ListBuckets", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports"}]}
    /// ```
    pub DuplicateSid { code: "C111", name: "duplicate-sid", category: Correctness, severity: Error }
}

impl Rule for DuplicateSid {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        let sids: Vec<_> = policy
            .statements
            .iter()
            .filter_map(|s| s.sid.as_ref())
            .collect();
        for (i, sid) in sids.iter().enumerate() {
            if sid.node.is_empty() {
                continue;
            }
            if let Some(first) = sids.iter().take(i).find(|s| s.node == sid.node) {
                ctx.report(
                    Self::META,
                    sid.span,
                    format!("Sid `{}` is used by an earlier statement", sid.node),
                )
                .help("give every statement its own Sid")
                .related(first.span, "first used here");
            }
        }
    }
}
