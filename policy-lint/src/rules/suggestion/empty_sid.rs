//! `N005` `empty-sid`.

use policy_core::ast::Statement;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a statement whose `Sid` is the empty string.
    ///
    /// ## Why is this bad?
    /// An empty `Sid` names nothing: explanations of a decision, audit logs and the console
    /// cannot point at the statement by name, and two empty Sids count as duplicates in
    /// policy types that require unique Sids. Give it a name or remove the element.
    ///
    /// Covers Access Analyzer: `EMPTY_SID_VALUE`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub EmptySid { code: "N005", name: "empty-sid", category: Suggestion, severity: Note }
}

impl Rule for EmptySid {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if let Some(sid) = statement.sid.as_ref().filter(|s| s.node.trim().is_empty()) {
            ctx.report(
                Self::META,
                sid.span,
                format!("statement #{} has an empty `Sid`", statement.index + 1),
            )
            .help("name the statement after what it allows or denies, or remove the `Sid`");
        }
    }
}
