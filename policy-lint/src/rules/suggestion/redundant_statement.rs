//! `N004` `redundant-statement`.

use policy_core::ast::{Effect, Policy, Statement};
use policy_core::Span;

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::{remove_list_item, statement_anchor, CoverIndex, Covering};

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
        let spans: Vec<Span> = statements.iter().map(|s| s.span).collect();
        for (j, i) in redundant_pairs(statements) {
            let (Some(inner), Some(outer)) = (statements.get(j), statements.get(i)) else {
                continue;
            };
            let Some(effect) = inner.effect() else {
                continue;
            };
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

/// Each redundant statement with the statement that covers it, `(inner, outer)` by index, in
/// the order of the inner statements: the outer one is the first statement without a
/// condition, of the same effect, that covers the inner one (of two that cover each other,
/// the earlier one covers the later). The candidates come from a [`CoverIndex`] per effect,
/// not from every other statement (which took minutes on 100,000 statements).
fn redundant_pairs(statements: &[Statement]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    // Only statements without a condition can cover another.
    if statements.len() < 2 || statements.iter().all(|s| s.condition.is_some()) {
        return pairs;
    }
    let prepared: Vec<Covering<'_>> = statements.iter().map(Covering::of).collect();
    let index = |effect: Effect| {
        CoverIndex::new(
            (0u32..)
                .zip(statements)
                .filter(|(_, s)| s.condition.is_none() && s.effect() == Some(effect)),
        )
    };
    let (allows, denies) = (index(Effect::Allow), index(Effect::Deny));
    let mut candidates = Vec::new();
    for (j, inner) in prepared.iter().enumerate() {
        let Some(effect) = inner.statement().effect() else {
            continue;
        };
        let index = if effect == Effect::Allow {
            &allows
        } else {
            &denies
        };
        index.candidates(inner.statement(), &mut candidates);
        let cover = candidates.iter().find_map(|&i| {
            let i = usize::try_from(i).ok()?;
            let outer = prepared.get(i)?;
            (i != j && outer.covers(inner) && (i < j || !inner.covers(outer))).then_some(i)
        });
        if let Some(i) = cover {
            pairs.push((j, i));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::suspicious::support::tests::random_policy;

    /// [`redundant_pairs`] as it was first written: every statement against every statement
    /// without a condition.
    fn redundant_pairs_by_every_pair(statements: &[Statement]) -> Vec<(usize, usize)> {
        let prepared: Vec<Covering<'_>> = statements.iter().map(Covering::of).collect();
        let outers: Vec<(usize, &Covering<'_>)> = prepared
            .iter()
            .enumerate()
            .filter(|(_, c)| c.statement().condition.is_none())
            .collect();
        let mut pairs = Vec::new();
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
            if let Some((i, _)) = cover {
                pairs.push((j, i));
            }
        }
        pairs
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        #[test]
        fn indexed_pairs_are_the_pairs_of_every_pair(policy in random_policy()) {
            let expected = redundant_pairs_by_every_pair(&policy.statements);
            proptest::prop_assert_eq!(redundant_pairs(&policy.statements), expected);
        }
    }
}
