//! `C206` `rcp-allow-statement`.

use policy_core::ast::{Effect, PolicyKind, Principal, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::statement_anchor;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement in a resource control policy, other than the statement of
    /// `RCPFullAWSAccess` itself (`"Principal": "*"`, `"Action": "*"`, `"Resource": "*"`, no
    /// condition).
    ///
    /// ## Why is this bad?
    /// RCPs only restrict. AWS Organizations supports `Allow` only in the AWS managed
    /// `RCPFullAWSAccess`, which is attached everywhere and cannot be detached; a customer
    /// RCP with another `Allow` is rejected. Write the restriction as a `Deny` with the
    /// opposite condition.
    ///
    /// Covers iam-policy-validator: `invalid_rcp_effect`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=rcp
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=rcp
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}
    /// ```
    pub RcpAllowStatement { code: "C206", name: "rcp-allow-statement", category: Correctness, severity: Error }
}

/// Whether the statement is the one statement of `RCPFullAWSAccess`.
pub(crate) fn is_full_access(statement: &Statement) -> bool {
    let all = |items: &[policy_core::ast::Node<String>]| {
        items.len() == 1 && items.iter().all(|i| i.node == "*")
    };
    statement.effect() == Some(Effect::Allow)
        && statement.condition.is_none()
        && statement
            .principal
            .as_ref()
            .is_some_and(|p| !p.negated && p.value == Principal::Wildcard)
        && statement
            .action
            .as_ref()
            .is_some_and(|a| !a.negated && all(&a.items))
        && statement
            .resource
            .as_ref()
            .is_some_and(|r| !r.negated && all(&r.items))
}

impl Rule for RcpAllowStatement {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Rcp
            || statement.effect() != Some(Effect::Allow)
            || is_full_access(statement)
        {
            return;
        }
        let at = statement
            .effect
            .map_or_else(|| statement_anchor(statement), |e| e.span);
        ctx.report(
            Self::META,
            at,
            format!("statement {} allows, but an RCP can only deny", statement.label()),
        )
        .help("write it as a `Deny` with the opposite condition; `Allow` is supported only in `RCPFullAWSAccess`");
    }
}
