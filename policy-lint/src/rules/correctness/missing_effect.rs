//! `C008` `missing-effect`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a statement with no `Effect` element.
    ///
    /// ## Why is this bad?
    /// Every statement must say whether it allows or denies (`MISSING_EFFECT`).
    ///
    /// Covers Access Analyzer: `MISSING_EFFECT`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Action": "s3:GetObject", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub MissingEffect { code: "C008", name: "missing-effect", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for MissingEffect {}
