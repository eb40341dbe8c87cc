//! `C005` `invalid-version`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `Version` other than `2012-10-17` or `2008-10-17`.
    ///
    /// ## Why is this bad?
    /// AWS rejects the policy (`INVALID_VERSION`). The version is a language version, not the date
    /// the policy was written.
    ///
    /// Covers Access Analyzer: `INVALID_VERSION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2024-01-01", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub InvalidVersion { code: "C005", name: "invalid-version", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for InvalidVersion {}
