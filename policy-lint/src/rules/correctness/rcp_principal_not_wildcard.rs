//! `C207` `rcp-principal-not-wildcard`.

use policy_core::ast::{PolicyKind, Principal, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `Principal` in a resource control policy that is not `"*"`, such as
    /// `{"AWS": "arn:aws:iam::111122223333:root"}`. (`NotPrincipal`, and a missing
    /// `Principal`, are reported by `element-not-allowed` and `missing-principal`; an SCP
    /// takes no principal at all.)
    ///
    /// ## Why is this bad?
    /// AWS Organizations accepts only `"Principal": "*"` in an RCP. Which principals a
    /// statement applies to is written as a condition, on `aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalOrgID` or `aws:PrincipalIsAWSService`.
    ///
    /// Covers iam-policy-validator: `invalid_rcp_principal`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=rcp
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=rcp
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": "444455556666"}}}]}
    /// ```
    pub RcpPrincipalNotWildcard { code: "C207", name: "rcp-principal-not-wildcard", category: Correctness, severity: Error }
}

impl Rule for RcpPrincipalNotWildcard {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Rcp {
            return;
        }
        let Some(principal) = &statement.principal else {
            return;
        };
        if principal.negated || principal.value == Principal::Wildcard {
            return;
        }
        ctx.report(
            Self::META,
            principal.span,
            "an RCP's `Principal` must be `\"*\"`",
        )
        .help("write `\"Principal\": \"*\"` and select principals with a condition on `aws:PrincipalArn`, `aws:PrincipalAccount` or `aws:PrincipalOrgID`");
    }
}
