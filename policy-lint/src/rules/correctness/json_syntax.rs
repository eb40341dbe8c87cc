//! `C001` `json-syntax`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags text that is not valid JSON: trailing commas, comments, single quotes, unterminated
    /// strings and the like. The reader recovers from trailing commas, missing commas and comments,
    /// so the rest of the policy is still checked.
    ///
    /// ## Why is this bad?
    /// IAM accepts strict JSON (RFC 8259) only. AWS rejects the whole policy with
    /// `MalformedPolicyDocument`; tools that read it leniently disagree with AWS about what it
    /// says.
    ///
    /// Covers Access Analyzer: `JSON_SYNTAX_ERROR`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub JsonSyntax { code: "C001", name: "json-syntax", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for JsonSyntax {}
