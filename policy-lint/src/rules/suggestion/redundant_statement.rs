//! `N004` `redundant-statement`.

use policy_core::ast::Policy;
use policy_core::Span;

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::{remove_list_item, statement_anchor, Covering};

declare_rule! {
    /// ## What it does
    /// Flags a statement that another statement of the same effect already covers: the
    /// other one has no `Condition` and matches every action, resource and principal this
    /// one does (this one's conditions then do not matter). Of two equivalent statements
    /// the later is reported. The check is conservative: `NotAction` and `NotResource` are
    /// only covered by `*`. The fix removes the statement.
    ///
    /// ## Why is this bad?
    /// The statement changes nothing. If it has conditions, whoever wrote them probably
    /// believes they limit something, while the other statement grants (or denies) the same
    /// without them.
    ///
    /// Covers Access Analyzer: `REDUNDANT_STATEMENT`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/*"}, {"Sid": "ReadFromOffice", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/2026/*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the policy decides every request the same way without the statement.
    pub RedundantStatement { code: "N004", name: "redundant-statement", category: Suggestion, severity: Note }
}

impl Rule for RedundantStatement {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        let statements = &policy.statements;
        if statements.len() < 2 {
            return;
        }
        // Only statements without a condition can cover another.
        if statements.iter().all(|s| s.condition.is_some()) {
            return;
        }
        let prepared: Vec<Covering<'_>> = statements.iter().map(Covering::of).collect();
        let outers: Vec<(usize, &Covering<'_>)> = prepared
            .iter()
            .enumerate()
            .filter(|(_, c)| c.statement().condition.is_none())
            .collect();
        for (j, inner) in prepared.iter().enumerate() {
            let Some(effect) = inner.statement().effect() else {
                continue;
            };
            let cover = outers.iter().copied().find(|(i, outer)| {
                *i != j
                    && outer.statement().effect() == Some(effect)
                    && outer.covers(inner)
                    && (*i < j || !inner.covers(outer))
            });
            let Some((_, outer)) = cover else {
                continue;
            };
            let (inner, outer) = (inner.statement(), outer.statement());
            let spans: Vec<Span> = statements.iter().map(|s| s.span).collect();
            let fix = remove_list_item(&spans, j).map(|edit| Fix {
                applicability: Applicability::Safe,
                message: format!("remove statement {}", inner.label()),
                edits: vec![edit],
            });
            let unconditional = if inner.condition.is_some() {
                ", whatever its conditions"
            } else {
                ""
            };
            ctx.report(
                Self::META,
                statement_anchor(inner),
                format!(
                    "statement {} is redundant: statement {} already {} everything it does{unconditional}",
                    inner.label(),
                    outer.label(),
                    if effect == policy_core::Effect::Allow { "allows" } else { "denies" },
                ),
            )
            .related(statement_anchor(outer), "covered by this statement")
            .fix_opt(fix);
        }
    }
}
