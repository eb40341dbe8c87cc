//! `C112` `variable-not-allowed`.

use policy_core::ast::Statement;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::util::has_variable;

declare_rule! {
    /// ## What it does
    /// Flags a policy variable (`${aws:username}`) in an element that does not substitute
    /// variables: `Action`, `NotAction`, `Principal`, `NotPrincipal` or `Sid`.
    ///
    /// ## Why is this bad?
    /// Variables work only in `Resource`, `NotResource` and condition values
    /// (UG `reference_policies_variables`). Elsewhere `${aws:username}` is literal text, so
    /// the action or principal matches nothing.
    ///
    /// Covers Access Analyzer: `VARIABLE_UNSUPPORTED_IN_ELEMENT`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:${aws:username}", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::111122223333:user/${aws:username}"}]}
    /// ```
    pub VariableNotAllowed { code: "C112", name: "variable-not-allowed", category: Correctness, severity: Error }
}

impl Rule for VariableNotAllowed {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let mut places: Vec<(&'static str, &policy_core::ast::Node<String>)> = Vec::new();
        if let Some(a) = &statement.action {
            let element = if a.negated { "NotAction" } else { "Action" };
            places.extend(a.items.iter().map(|i| (element, i)));
        }
        if let Some(p) = &statement.principal {
            let element = if p.negated {
                "NotPrincipal"
            } else {
                "Principal"
            };
            places.extend(
                p.value
                    .entries()
                    .iter()
                    .flat_map(|e| e.values.iter())
                    .map(|v| (element, v)),
            );
        }
        if let Some(sid) = &statement.sid {
            places.push(("Sid", sid));
        }
        for (element, value) in places {
            if has_variable(&value.node) {
                ctx.report(
                    Self::META,
                    value.span,
                    format!(
                        "policy variables are not substituted in `{element}`: `{}` is literal text",
                        value.node
                    ),
                )
                .help(
                    "policy variables work only in `Resource`, `NotResource` and condition values",
                );
            }
        }
    }
}
