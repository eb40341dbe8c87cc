//! `C013` `conflicting-elements`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a statement that has both an element and its negation: `Action` and `NotAction`,
    /// `Resource` and `NotResource`, or `Principal` and `NotPrincipal`.
    ///
    /// ## Why is this bad?
    /// AWS rejects the combination (`UNSUPPORTED_ELEMENT_COMBINATION`).
    ///
    /// Covers Access Analyzer: `UNSUPPORTED_ELEMENT_COMBINATION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "NotAction": "s3:PutObject", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub ConflictingElements { code: "C013", name: "conflicting-elements", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for ConflictingElements {}
