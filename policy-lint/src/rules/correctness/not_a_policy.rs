//! `C019` `not-a-policy`: reported by the file reader.
#![expect(
    clippy::doc_markdown,
    reason = "CloudTrail is a product name, not code"
)]

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a JSON file that is not a policy, nor a template or AWS CLI output iampol reads
    /// policies from, but looks like something policy-related: a CloudTrail log file, AWS CLI
    /// output that holds no policy document (`aws iam list-policies`, `aws iam get-policy`),
    /// or a file that holds a policy document somewhere iampol does not know.
    ///
    /// Other JSON (a `package.json`, a `tsconfig.json`) is left alone: a tree of files may
    /// hold any JSON.
    ///
    /// ## Why is this bad?
    /// Nothing in the file is checked: a file meant to be checked passes silently.
    ///
    /// ## Example
    /// ```json,expect_finding
    /// {"Records": [{"eventVersion": "1.09", "eventSource": "s3.amazonaws.com", "eventName": "GetObject"}]}
    /// ```
    ///
    /// ## Use instead
    /// Read CloudTrail files with `iampol generate`; lint the policy documents themselves, or
    /// the output of `aws iam get-policy-version` or `aws iam get-account-authorization-details`.
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub NotAPolicy { code: "C019", name: "not-a-policy", category: Correctness, severity: Warning, from_parser: true }
}

impl Rule for NotAPolicy {}
