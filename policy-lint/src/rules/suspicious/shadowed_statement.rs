//! `W014` `shadowed-statement`.

use policy_core::ast::{Effect, Policy, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::{statement_anchor, CoverIndex, Covering};

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement that a `Deny` statement of the same policy cancels
    /// entirely: the `Deny` has no `Condition` and matches every action, resource and
    /// principal the `Allow` does. The check is conservative: `NotAction` and
    /// `NotResource` are only covered by `*`.
    ///
    /// ## Why is this bad?
    /// An explicit deny always wins, so the `Allow` never grants anything. Either the
    /// `Allow` is dead, or the `Deny` is broader than intended (a missing condition, a
    /// wildcard too many).
    ///
    /// Covers iam-policy-validator: (no check); Access Analyzer: (no check). It goes beyond
    /// `REDUNDANT_STATEMENT`, which compares statements of the same effect.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}, {"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}, {"Sid": "NoS3Deletes", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}
    /// ```
    pub ShadowedStatement { code: "W014", name: "shadowed-statement", category: Suspicious, severity: Warning }
}

impl Rule for ShadowedStatement {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        for (a, d) in shadowed_pairs(&policy.statements) {
            let (Some(allow), Some(deny)) = (policy.statements.get(a), policy.statements.get(d))
            else {
                continue;
            };
            ctx.report(
                Self::META,
                statement_anchor(allow),
                format!(
                    "statement {} never allows anything: statement {} denies everything it allows",
                    allow.label(),
                    deny.label()
                ),
            )
            .help("narrow the Deny (a condition, fewer actions or resources) or remove the Allow")
            .related(statement_anchor(deny), "denied by this statement");
        }
    }
}

/// Each `Allow` statement that a `Deny` statement without a condition covers, with the first
/// such `Deny`, `(allow, deny)` by index, in the order of the `Allow` statements. The
/// candidates come from a [`CoverIndex`] of the `Deny` statements, not from every one.
fn shadowed_pairs(statements: &[Statement]) -> Vec<(usize, usize)> {
    let denies: Vec<(usize, Covering<'_>)> = statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effect() == Some(Effect::Deny) && s.condition.is_none())
        .map(|(i, s)| (i, Covering::of(s)))
        .collect();
    let mut pairs = Vec::new();
    if denies.is_empty() {
        return pairs;
    }
    // Positions in `denies`, which keeps the order of the statements.
    let index = CoverIndex::new((0u32..).zip(denies.iter().map(|(_, d)| d.statement())));
    let mut candidates = Vec::new();
    for (a, allow) in statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effect() == Some(Effect::Allow))
    {
        let allow_prepared = Covering::of(allow);
        index.candidates(allow, &mut candidates);
        let deny = candidates.iter().find_map(|&k| {
            let (d, deny) = denies.get(usize::try_from(k).ok()?)?;
            deny.covers(&allow_prepared).then_some(*d)
        });
        if let Some(d) = deny {
            pairs.push((a, d));
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::suspicious::support::tests::random_policy;

    /// [`shadowed_pairs`] as it was first written: every `Allow` against every `Deny`.
    fn shadowed_pairs_by_every_pair(statements: &[Statement]) -> Vec<(usize, usize)> {
        let denies: Vec<(usize, Covering<'_>)> = statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.effect() == Some(Effect::Deny) && s.condition.is_none())
            .map(|(i, s)| (i, Covering::of(s)))
            .collect();
        let mut pairs = Vec::new();
        for (a, allow) in statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.effect() == Some(Effect::Allow))
        {
            let allow_prepared = Covering::of(allow);
            if let Some((d, _)) = denies.iter().find(|(_, d)| d.covers(&allow_prepared)) {
                pairs.push((a, *d));
            }
        }
        pairs
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        #[test]
        fn indexed_pairs_are_the_pairs_of_every_pair(policy in random_policy()) {
            let expected = shadowed_pairs_by_every_pair(&policy.statements);
            proptest::prop_assert_eq!(shadowed_pairs(&policy.statements), expected);
        }
    }
}
