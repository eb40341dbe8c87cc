//! `S019` `allow-with-not-principal`.

use policy_core::ast::Statement;

use super::common::is_allow;
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement that uses `NotPrincipal`.
    ///
    /// ## Why is this bad?
    /// `Allow` with `NotPrincipal` grants the actions to every principal *except* those
    /// listed: every account, and anonymous callers. Most services no longer accept it, and
    /// where they do it is almost always public by mistake. `NotPrincipal` belongs with
    /// `Deny`, and even there `aws:PrincipalArn` conditions are clearer.
    ///
    /// Conditions do not change what `NotPrincipal` admits, so a statement with conditions is
    /// still reported.
    ///
    /// Covers Access Analyzer: `ALLOW_WITH_NOTPRINCIPAL`; parliament (community auditors):
    /// `NOTPRINCIPAL_WITH_ALLOW`; iam-policy-validator: `not_principal_validation`
    /// (`not_principal_with_allow`).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/mallory"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reporting"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub AllowWithNotPrincipal { code: "S019", name: "allow-with-not-principal", category: Security, severity: Warning }
}

impl Rule for AllowWithNotPrincipal {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(element) = statement.principal.as_ref().filter(|p| p.negated) else {
            return;
        };
        if !is_allow(statement) {
            return;
        }
        ctx.report(
            Self::META,
            element.key_span,
            "`Allow` with `NotPrincipal` grants the actions to everyone but the principals listed, anonymous callers included",
        )
        .help("name the principals that need access in `Principal`; use `NotPrincipal` only with `Deny`");
    }
}
