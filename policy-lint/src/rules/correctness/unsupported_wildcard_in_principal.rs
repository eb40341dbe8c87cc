//! `C201` `unsupported-wildcard-in-principal`.

use policy_core::ast::{PrincipalKind, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a principal value with `*` or `?` other than the whole value `"*"` of an `AWS`
    /// principal: `arn:aws:iam::*:role/admin`, `arn:aws:iam::111122223333:user/*`,
    /// `*.amazonaws.com`.
    ///
    /// ## Why is this bad?
    /// Principals take no wildcards: AWS rejects the policy, or (in some services) compares
    /// the `*` as a literal character, so the principal matches nobody. To match a family
    /// of principals, use `"*"` with a condition on `aws:PrincipalArn` (`ArnLike`) or
    /// `aws:PrincipalAccount`.
    ///
    /// Covers Access Analyzer: `UNSUPPORTED_WILDCARD_IN_PRINCIPAL`; iam-policy-validator:
    /// `service_principal_wildcard`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci-*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::artifacts/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::artifacts/*", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci-*"}}}]}
    /// ```
    pub UnsupportedWildcardInPrincipal { code: "C201", name: "unsupported-wildcard-in-principal", category: Correctness, severity: Error }
}

impl Rule for UnsupportedWildcardInPrincipal {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(principal) = &statement.principal else {
            return;
        };
        for entry in principal.value.entries() {
            let kind = entry.kind.node;
            for value in &entry.values {
                let text = value.node.as_str();
                if !text.contains(['*', '?']) || (kind == PrincipalKind::Aws && text == "*") {
                    continue;
                }
                let help = match kind {
                    PrincipalKind::Aws => "name each principal, or use `\"*\"` with an `ArnLike` condition on `aws:PrincipalArn` or a `StringEquals` condition on `aws:PrincipalAccount`",
                    PrincipalKind::Service => "name each service principal, such as `lambda.amazonaws.com`",
                    _ => "name the principal exactly",
                };
                ctx.report(
                    Self::META,
                    value.span,
                    format!(
                        "`{text}` has a wildcard, which `{}` principals do not support",
                        kind.as_str()
                    ),
                )
                .help(help);
            }
        }
    }
}
