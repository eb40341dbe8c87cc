//! `N003` `redundant-resource`.

use policy_core::ast::Statement;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suggestion::redundant_action::{redundant_items, report_redundant};
use crate::rules::suspicious::support::{resource_head, ArnPattern};

declare_rule! {
    /// ## What it does
    /// Flags a `Resource` or `NotResource` item that another item of the same statement
    /// already matches: the same ARN twice, or an ARN that a pattern such as
    /// `arn:aws:s3:::reports/*` or `*` includes. ARNs are compared part by part and case
    /// sensitively; items with policy variables are only compared for equality. The fix
    /// removes it.
    ///
    /// ## Why is this bad?
    /// The item adds nothing and makes the policy longer. Next to `*` it usually shows a
    /// statement that was meant to be narrower.
    ///
    /// Covers Access Analyzer: `REDUNDANT_RESOURCE`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::reports/*", "arn:aws:s3:::reports/2026/*"]}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::reports/*"]}]}
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the statement matches the same resources without the item.
    pub RedundantResource { code: "N003", name: "redundant-resource", category: Suggestion, severity: Note }
}

impl Rule for RedundantResource {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(resource) = &statement.resource else {
            return;
        };
        let items = &resource.items;
        if items.len() < 2 {
            return;
        }
        let prepared: Vec<ArnPattern<'_>> =
            items.iter().map(|i| ArnPattern::new(&i.node)).collect();
        let covers = |i: usize, j: usize| match (prepared.get(i), prepared.get(j)) {
            (Some(o), Some(i)) => o.covers(i),
            _ => false,
        };
        for (j, i) in redundant_items(items, false, resource_head, covers) {
            report_redundant(ctx, Self::META, items, j, i, false);
        }
    }
}
