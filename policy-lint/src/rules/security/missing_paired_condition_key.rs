//! `S029` `missing-paired-condition-key`.

use policy_core::ast::Statement;

use super::common::is_allow;
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement that tests a network key that means little on its own
    /// without the key that says which network: `aws:VpcSourceIp` without `aws:SourceVpc`
    /// or `aws:SourceVpce`, and `aws:Ec2InstanceSourcePrivateIPv4` without
    /// `aws:Ec2InstanceSourceVpc`.
    ///
    /// ## Why is this bad?
    /// Private addresses repeat across VPCs: `10.0.0.12` exists in every VPC that uses the
    /// range, including those of other accounts that reach the resource through their own
    /// endpoints. The address alone does not identify the caller's network.
    ///
    /// Covers Access Analyzer: `MISSING_PAIRED_CONDITION_KEYS`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}, "StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}]}
    /// ```
    pub MissingPairedConditionKey { code: "S029", name: "missing-paired-condition-key", category: Security, severity: Warning }
}

/// A key and the keys one of which should be tested with it.
const PAIRS: &[(&str, &[&str])] = &[
    ("aws:VpcSourceIp", &["aws:SourceVpc", "aws:SourceVpce"]),
    (
        "aws:Ec2InstanceSourcePrivateIPv4",
        &["aws:Ec2InstanceSourceVpc"],
    ),
];

impl Rule for MissingPairedConditionKey {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if !is_allow(statement) || statement.conditions().is_empty() {
            return;
        }
        let tested = |key: &str| {
            statement
                .conditions()
                .iter()
                .flat_map(|e| &e.keys)
                .any(|kv| kv.key.node.eq_ignore_ascii_case(key))
        };
        for entry in statement.conditions() {
            for kv in &entry.keys {
                let Some((key, partners)) = PAIRS
                    .iter()
                    .find(|(k, _)| kv.key.node.eq_ignore_ascii_case(k))
                else {
                    continue;
                };
                if partners.iter().any(|p| tested(p)) {
                    continue;
                }
                let wanted = partners
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(" or ");
                ctx.report(
                    Self::META,
                    kv.key.span,
                    format!("`{key}` matches the address in any VPC: the statement does not test {wanted}"),
                )
                .help(format!("add a condition on {wanted} naming the network"));
            }
        }
    }
}
