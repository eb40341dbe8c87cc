//! `C102` `unknown-action`.

use policy_core::ast::Statement;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::util::has_wildcard;

declare_rule! {
    /// ## What it does
    /// Flags an action of a known service that names no action of that service, or a
    /// wildcard pattern that matches none (`s3:GetObjekt`, `s3:Describe*`), with the closest
    /// action.
    ///
    /// ## Why is this bad?
    /// The statement grants or denies nothing for that entry. A typo in a `Deny` leaves the
    /// action allowed; a typo in an `Allow` breaks the workload only when the call is made.
    ///
    /// Covers Access Analyzer: `INVALID_ACTION`; parliament: `UNKNOWN_ACTION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub UnknownAction { code: "C102", name: "unknown-action", category: Correctness, severity: Error }
}

impl Rule for UnknownAction {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let data = ctx.service_ref();
        let facts = ctx.facts(statement);
        for (action, item) in statement.actions().iter().zip(&facts.items) {
            // `unknown-service` reports unknown prefixes; an entry that matches an action
            // of the reference is known.
            if !item.checked || !item.known_service || !item.ids.is_empty() {
                continue;
            }
            let text = action.node.as_str();
            let Some((prefix, name)) = text.split_once(':') else {
                continue;
            };
            let what = if has_wildcard(name) {
                "matches no action"
            } else {
                "is not an action"
            };
            let suggestion = data.suggest_action(text);
            ctx.report(
                Self::META,
                action.span,
                format!("`{text}` {what} of service `{prefix}`"),
            )
            .help_opt(suggestion.map(|s| format!("did you mean `{s}`?")));
        }
    }
}
