//! `C101` `unknown-service`.

use policy_core::ast::Statement;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::util::has_wildcard;

declare_rule! {
    /// ## What it does
    /// Flags an action whose service prefix is not a service in the IAM reference data
    /// (for example `s4:GetObject`), with the closest known prefix.
    ///
    /// ## Why is this bad?
    /// An action of an unknown service matches nothing, so the statement does not grant (or
    /// deny) what its author meant. A misspelt prefix in a `Deny` silently leaves the access
    /// open.
    ///
    /// Covers Access Analyzer: `INVALID_SERVICE_IN_ACTION`; parliament: `UNKNOWN_PREFIX`
    /// (iampol's reference data is dated, see `iampol --version`).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s4:DeleteBucket", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}
    /// ```
    pub UnknownService { code: "C101", name: "unknown-service", category: Correctness, severity: Error }
}

impl Rule for UnknownService {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let data = ctx.service_ref();
        let facts = ctx.facts(statement);
        for (action, item) in statement.actions().iter().zip(&facts.items) {
            if !item.checked || item.known_service {
                continue;
            }
            let text = action.node.as_str();
            let Some((prefix, _)) = text.split_once(':') else {
                continue;
            };
            let known = if has_wildcard(prefix) {
                data.matches_any(&format!("{prefix}:*"))
            } else {
                data.service(prefix).is_some()
            };
            if known {
                continue;
            }
            let suggestion = data.suggest_service(prefix).map(|s| s.prefix());
            ctx.report(
                Self::META,
                action.span,
                format!("unknown service `{prefix}` in action `{text}`"),
            )
            .help_opt(suggestion.map(|s| format!("did you mean `{s}`?")));
        }
    }
}
