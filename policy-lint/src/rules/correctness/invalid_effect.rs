//! `C009` `invalid-effect`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Effect` that is not exactly `Allow` or `Deny` (case and spaces count).
    ///
    /// ## Why is this bad?
    /// AWS rejects the policy (`INVALID_EFFECT`). `"allow"` or `"Allow "` look right but are not.
    ///
    /// Covers Access Analyzer: `INVALID_EFFECT`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "allow ", "Action": "s3:GetObject", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub InvalidEffect { code: "C009", name: "invalid-effect", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for InvalidEffect {}
