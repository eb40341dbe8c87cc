//! `C103` `invalid-action-format`.

use policy_core::ast::Statement;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::support::action_format::format_problem;

declare_rule! {
    /// ## What it does
    /// Flags an action that is not `*` and not of the form `service:Action`: no colon, an
    /// empty service or action, white space, or several actions joined by commas in one
    /// string.
    ///
    /// ## Why is this bad?
    /// Such a string matches no action: `"s3:GetObject,s3:PutObject"` or `"s3:GetObject "`
    /// grant nothing in `Action`, and in `NotAction` they exclude nothing.
    ///
    /// Covers Access Analyzer: `INVALID_ACTION` (format). Not checked by parliament.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject,s3:PutObject", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub InvalidActionFormat { code: "C103", name: "invalid-action-format", category: Correctness, severity: Error }
}

impl Rule for InvalidActionFormat {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let facts = ctx.facts(statement);
        for (action, item) in statement.actions().iter().zip(&facts.items) {
            if item.checked || crate::rules::util::has_variable(&action.node) {
                continue; // `variable-not-allowed` reports these.
            }
            if let Some((problem, help)) = format_problem(&action.node) {
                ctx.report(
                    Self::META,
                    action.span,
                    format!("action `{}` {problem}", action.node),
                )
                .help_opt(help);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::support::action_format::{format_problem, plain_shape};

    #[test]
    fn plain_shape_reads_the_usual_names_only() {
        assert_eq!(plain_shape("s3:GetObject"), Some((2, false)));
        assert_eq!(plain_shape("ec2:Describe*"), Some((3, true)));
        assert_eq!(plain_shape("*:Get?bject"), Some((1, true)));
        for other in [
            ":GetObject",
            "s3:",
            "a:b:c",
            "s3 :x",
            "${s}:x",
            "s3:Get,Put",
            "*",
            "",
        ] {
            assert_eq!(plain_shape(other), None, "{other}");
        }
        // What it leaves to the slow path is still judged there.
        assert!(format_problem("a:b:c").is_some());
        assert!(format_problem("s3:GetÖbject").is_none());
    }
}
