//! `C014` `element-not-allowed`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an element that this kind of policy does not allow: `Principal` or `NotPrincipal` in
    /// an identity policy, permissions boundary, session policy or SCP; `Resource` in a role trust
    /// policy; `NotPrincipal` in a trust policy or RCP.
    ///
    /// ## Why is this bad?
    /// AWS rejects the policy (`UNSUPPORTED_PRINCIPAL`, `ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE`,
    /// `SCP_SYNTAX_ERROR_PRINCIPAL`). An identity policy applies to the identity it is attached to,
    /// so it names no principal.
    ///
    /// Covers Access Analyzer: `UNSUPPORTED_PRINCIPAL`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub ElementNotAllowed { code: "C014", name: "element-not-allowed", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for ElementNotAllowed {}
