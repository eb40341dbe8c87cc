//! `C004` `unknown-element`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a key that is not a policy element: at the top level only `Version`, `Id` and
    /// `Statement`; in a statement only `Sid`, `Effect`, `Principal`, `NotPrincipal`, `Action`,
    /// `NotAction`, `Resource`, `NotResource` and `Condition`. Element names are case-sensitive.
    ///
    /// ## Why is this bad?
    /// AWS rejects the policy (`INVALID_POLICY_ELEMENT`). A misspelt `Condition` is worse in tools
    /// that ignore it: the statement then applies without its condition.
    ///
    /// Covers Access Analyzer: `INVALID_POLICY_ELEMENT`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Conditions": {"Bool": {"aws:SecureTransport": "true"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}
    /// ```
    pub UnknownElement { code: "C004", name: "unknown-element", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for UnknownElement {}
