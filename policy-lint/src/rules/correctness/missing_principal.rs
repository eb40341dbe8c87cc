//! `C012` `missing-principal`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a statement with neither `Principal` nor `NotPrincipal` in a resource policy, trust
    /// policy, RCP or VPC endpoint policy.
    ///
    /// ## Why is this bad?
    /// A resource-based policy must say who it applies to (`MISSING_PRINCIPAL`); a statement
    /// without a principal never matches a request.
    ///
    /// Covers Access Analyzer: `MISSING_PRINCIPAL`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub MissingPrincipal { code: "C012", name: "missing-principal", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for MissingPrincipal {}
