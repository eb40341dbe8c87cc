//! `C017` `unknown-condition-operator`: reported by the policy parser.

use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a condition operator AWS does not have, with the closest valid one. Operator names are
    /// case-sensitive.
    ///
    /// ## Why is this bad?
    /// AWS rejects the policy (`INVALID_CONDITION_OPERATOR`); tools that skip the unknown operator
    /// evaluate the statement without that condition.
    ///
    /// Covers Access Analyzer: `INVALID_CONDITION_OPERATOR`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEqual": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    /// ```
    pub UnknownConditionOperator { code: "C017", name: "unknown-condition-operator", category: Correctness, severity: Error, from_parser: true }
}

impl Rule for UnknownConditionOperator {}
