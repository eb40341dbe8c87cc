//! `C015` `empty-element`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an element with no value: an empty `Action`, `Resource` or principal list, or an empty
    /// principal map.
    ///
    /// ## Why is this bad?
    /// An empty list matches nothing, so the statement does nothing (and with `NotAction` or
    /// `NotResource`, everything); AWS rejects most of these.
    ///
    /// Covers Access Analyzer: (not reported by Access Analyzer).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub EmptyElement { code: "C015", name: "empty-element", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for EmptyElement {}
