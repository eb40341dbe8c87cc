//! `C016` `invalid-principal`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a principal element that is neither `"*"` nor a map whose keys are `AWS`, `Service`,
    /// `Federated` or `CanonicalUser` (case-sensitive).
    ///
    /// ## Why is this bad?
    /// AWS rejects the policy (`INVALID_PRINCIPAL_FORMAT`, `INVALID_PRINCIPAL_KEY`).
    ///
    /// Covers Access Analyzer: `INVALID_PRINCIPAL_FORMAT`, `INVALID_PRINCIPAL_KEY`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"aws": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub InvalidPrincipal { code: "C016", name: "invalid-principal", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for InvalidPrincipal {}
