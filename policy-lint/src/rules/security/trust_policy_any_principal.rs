//! `S022` `trust-policy-any-principal`.

use policy_core::ast::{PolicyKind, Statement};

use super::common::{confining_deny, is_service_caller_pin};
use super::common::{is_allow, list_names, public_pin, wildcard_principal};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of a role trust policy whose principal is everyone (`"*"`
    /// or `{"AWS": "*"}`) with no condition that pins the caller.
    ///
    /// ## Why is this bad?
    /// Any principal of any AWS account can assume the role and use its permissions.
    ///
    /// A condition pins the caller, and the statement is not reported, when it uses a
    /// positive operator (not negated, not `…IfExists`, not `ForAllValues:`) on
    /// `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`,
    /// `aws:PrincipalArn`, `aws:userid`, `aws:SourceVpce`, `aws:SourceVpc`, `aws:SourceArn`,
    /// `aws:SourceAccount`, `aws:SourceIp` or the other keys `resource-policy-public` lists,
    /// with values that are not wildcards. Other conditions are named in the message, since
    /// they do not stop an arbitrary account (cloudsplaining's
    /// `AssumableByAnyPrincipalWithConditions`).
    ///
    /// As in `resource-policy-public`, `"Bool": {"aws:PrincipalIsAWSService": "true"}` pins
    /// the caller, and so does a `Deny` of the same policy to `"*"` whose actions cover the
    /// statement's and whose every condition is a negated operator on those keys (it refuses
    /// every caller they do not name).
    ///
    /// Covers Access Analyzer: `ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL`;
    /// cloudsplaining: `AssumableByAnyPrincipal`, `AssumableByAnyPrincipalWithConditions`;
    /// iam-policy-validator: `principal_validation` (`blocked_principal`).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=trust
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/deploy"}, "Action": "sts:AssumeRole"}]}
    /// ```
    pub TrustPolicyAnyPrincipal { code: "S022", name: "trust-policy-any-principal", category: Security, severity: Error }
}

impl Rule for TrustPolicyAnyPrincipal {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Trust || !is_allow(statement) {
            return;
        }
        let Some(principal) = wildcard_principal(statement) else {
            return;
        };
        if public_pin(statement).is_some()
            || is_service_caller_pin(statement)
            || confining_deny(ctx.policy(), statement).is_some()
        {
            return;
        }
        let keys: Vec<&str> = statement
            .conditions()
            .iter()
            .flat_map(|e| e.keys.iter().map(|k| k.key.node.as_str()))
            .collect();
        let conditions = if keys.is_empty() {
            String::new()
        } else {
            format!(
                "; its conditions on {} do not pin the caller",
                list_names(&keys, 3)
            )
        };
        ctx.report(
            Self::META,
            principal.span,
            format!("any principal of any AWS account can assume this role{conditions}"),
        )
        .help("name the accounts or roles that assume the role, or pin them with `aws:PrincipalOrgID` or `aws:PrincipalArn`");
    }
}
