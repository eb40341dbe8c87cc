//! `W013` `wildcard-only-action-with-resource`.

use policy_core::ast::{Effect, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an action that supports no resource-level permissions (the IAM reference lists
    /// no resource type for it, as for `s3:ListAllMyBuckets` or `ec2:DescribeInstances`) in
    /// a statement whose `Resource` names only specific ARNs, without wildcards. Only actions
    /// written in full are checked, not patterns; ARN patterns are not checked because some
    /// services authorize such actions against an ARN that a pattern may match.
    ///
    /// ## Why is this bad?
    /// AWS authorizes such an action against `"Resource": "*"`, which no specific ARN
    /// matches. The statement never grants it (or, in a `Deny`, never denies it). Move the
    /// action to a statement with `"Resource": "*"`.
    ///
    /// Covers Access Analyzer: (no check); parliament: `RESOURCE_MISMATCH` (in part);
    /// iam-policy-validator: `resource_mismatch` (in part).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:GetObject"], "Resource": "arn:aws:s3:::reports/2026/summary.csv"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/2026/summary.csv"}, {"Sid": "ListBuckets", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}
    /// ```
    pub WildcardOnlyActionWithResource { code: "W013", name: "wildcard-only-action-with-resource", category: Suspicious, severity: Warning }
}

impl Rule for WildcardOnlyActionWithResource {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let (Some(action), Some(resource)) = (&statement.action, &statement.resource) else {
            return;
        };
        if action.negated || resource.negated || resource.items.is_empty() {
            return;
        }
        // Only ARNs without wildcards or variables: some services authorize their
        // "wildcard-only" actions against an ARN after all (`logs:DescribeLogGroups` against
        // `arn:aws:logs:REGION:ACCOUNT:log-group:*`), which a pattern may match.
        if resource
            .items
            .iter()
            .any(|r| r.node.contains(['*', '?']) || r.node.contains("${"))
        {
            return;
        }
        let data = ctx.service_ref();
        let verb = match statement.effect() {
            Some(Effect::Deny) => "denies",
            _ => "grants",
        };
        for item in &action.items {
            if item.node.contains(['*', '?']) {
                continue;
            }
            let Some(found) = data.action(&item.node) else {
                continue;
            };
            if !found.accepts_only_wildcard_resource() {
                continue;
            }
            ctx.report(
                Self::META,
                item.span,
                format!("`{}` supports no resource-level permissions, so this statement, which names only specific resources, never {verb} it", item.node),
            )
            .help(format!("move `{}` to a statement with `\"Resource\": \"*\"`", found.full_name()))
            .related(resource.span, "these resources");
        }
    }
}
