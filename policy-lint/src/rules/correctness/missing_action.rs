//! `C010` `missing-action`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a statement with neither `Action` nor `NotAction`.
    ///
    /// ## Why is this bad?
    /// Every statement must name the actions it covers (`MISSING_ACTION`).
    ///
    /// Covers Access Analyzer: `MISSING_ACTION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub MissingAction { code: "C010", name: "missing-action", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for MissingAction {}
