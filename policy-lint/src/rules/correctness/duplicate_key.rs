//! `C002` `duplicate-key`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an object that has the same key twice, such as two `Effect` elements in one statement
    /// or two `StringEquals` blocks in one `Condition`.
    ///
    /// ## Why is this bad?
    /// JSON readers keep only one of the two values (AWS keeps the last), so part of what was
    /// written is silently ignored: a second `StringEquals` block replaces the first, and its
    /// conditions no longer apply.
    ///
    /// Covers Access Analyzer: (not reported by Access Analyzer).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:RequestedRegion": "eu-west-1"}}}]}
    /// ```
    pub DuplicateKey { code: "C002", name: "duplicate-key", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for DuplicateKey {}
