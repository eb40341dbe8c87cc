//! `N006` `missing-sid`.

use policy_core::ast::Policy;
use policy_core::Span;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a statement without a `Sid` in a policy whose other statements have one.
    /// Policies where no statement has a `Sid` are left alone.
    ///
    /// ## Why is this bad?
    /// Sids name statements in decision explanations, in Access Analyzer findings and in
    /// reviews. When most statements are named, an unnamed one is usually a later addition
    /// that skipped review conventions, and it is the one that is hard to refer to.
    ///
    /// Covers Access Analyzer: (no check); iam-policy-validator: (no check).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}, {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::uploads/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}, {"Sid": "WriteUploads", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::uploads/*"}]}
    /// ```
    pub MissingSid { code: "N006", name: "missing-sid", category: Suggestion, severity: Note }
}

impl Rule for MissingSid {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        let named = policy
            .statements
            .iter()
            .filter(|s| s.sid.as_ref().is_some_and(|sid| !sid.node.is_empty()))
            .count();
        if named == 0 || named == policy.statements.len() {
            return;
        }
        for statement in policy.statements.iter().filter(|s| s.sid.is_none()) {
            let at = Span {
                start: statement.span.start,
                end: statement.span.start.saturating_add(1),
            };
            ctx.report(
                Self::META,
                at,
                format!(
                    "statement #{} has no `Sid`, unlike {named} other statement{} of this policy",
                    statement.index + 1,
                    if named == 1 { "" } else { "s" }
                ),
            )
            .help("add a `Sid` that says what the statement is for");
        }
    }
}
