//! `C103` `invalid-action-format`.

use policy_core::ast::Statement;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

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

/// Why an action string is malformed, if it is.
pub(crate) fn format_problem(action: &str) -> Option<(&'static str, Option<String>)> {
    if action == "*" {
        return None;
    }
    // Fast path for the usual `service:Action` shape, in one pass over the bytes: plain
    // characters and exactly one `:`, neither first nor last.
    let bytes = action.as_bytes();
    let mut colon = None;
    let mut plain = true;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b':' {
            if colon.is_some() {
                plain = false;
                break;
            }
            colon = Some(i);
        } else if !(b.is_ascii_alphanumeric() || matches!(b, b'*' | b'?' | b'-' | b'_' | b'.')) {
            plain = false;
            break;
        }
    }
    if plain && colon.is_some_and(|c| c > 0 && c + 1 < bytes.len()) {
        return None;
    }
    if action.trim() != action {
        return Some((
            "has leading or trailing white space",
            Some(format!("write `{}`", action.trim())),
        ));
    }
    if action.contains(',') {
        let parts: Vec<String> = action
            .split(',')
            .map(|p| format!("\"{}\"", p.trim()))
            .collect();
        return Some((
            "joins several actions with commas, which IAM does not split",
            Some(format!("write a list: [{}]", parts.join(", "))),
        ));
    }
    if action.chars().any(char::is_whitespace) {
        return Some(("contains white space", None));
    }
    match action.split_once(':') {
        None => Some((
            "has no service prefix",
            Some("write `service:Action`, e.g. `s3:GetObject`".to_string()),
        )),
        Some(("", _)) => Some(("has an empty service prefix", None)),
        Some((_, "")) => Some((
            "has an empty action name",
            Some("write `service:*` for every action of the service".to_string()),
        )),
        Some((_, name)) if name.contains(':') => Some(("has more than one `:`", None)),
        Some(_) => None,
    }
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
