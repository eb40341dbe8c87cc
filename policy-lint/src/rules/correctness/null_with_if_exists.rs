//! `C018` `null-with-if-exists`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags the operator `NullIfExists`.
    ///
    /// ## Why is this bad?
    /// `Null` already tests whether the key exists; AWS rejects the `IfExists` suffix on it
    /// (`NULL_WITH_IF_EXISTS`).
    ///
    /// Covers Access Analyzer: `NULL_WITH_IF_EXISTS`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*", "Condition": {"NullIfExists": {"aws:RequestTag/team": "true"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*", "Condition": {"Null": {"aws:RequestTag/team": "true"}}}]}
    /// ```
    pub NullWithIfExists { code: "C018", name: "null-with-if-exists", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for NullWithIfExists {}
