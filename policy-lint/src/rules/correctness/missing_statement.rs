//! `C007` `missing-statement`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a policy with no `Statement`, or with an empty statement list.
    ///
    /// ## Why is this bad?
    /// A policy without statements is rejected by AWS (`MISSING_STATEMENT`); it grants and denies
    /// nothing.
    ///
    /// Covers Access Analyzer: `MISSING_STATEMENT`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": []}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub MissingStatement { code: "C007", name: "missing-statement", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for MissingStatement {}
