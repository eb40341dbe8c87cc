//! `C003` `invalid-element-type`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a policy element of the wrong JSON type, such as a number for `Version`, an object for
    /// `Action`, or `null` as a condition value.
    ///
    /// ## Why is this bad?
    /// AWS rejects the policy (`DATA_TYPE_MISMATCH`).
    ///
    /// Covers Access Analyzer: `DATA_TYPE_MISMATCH`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": {"s3": "GetObject"}, "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub InvalidElementType { code: "C003", name: "invalid-element-type", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for InvalidElementType {}
