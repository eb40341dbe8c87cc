//! `C111` `duplicate-sid`.

use std::collections::hash_map::{Entry, HashMap};

use policy_core::ast::{Node, Policy, Statement};
use policy_core::Span;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags two statements with the same `Sid`.
    ///
    /// ## Why is this bad?
    /// IAM rejects identity policies with duplicate Sids (`UNIQUE_SIDS_REQUIRED`), and in every
    /// policy a Sid is how people and tools (explanations, suppressions) name a statement:
    /// two statements with one name make both ambiguous.
    ///
    /// Covers Access Analyzer: `UNIQUE_SIDS_REQUIRED`, `UNIQUE_SIDS_RECOMMENDED`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}, {"Sid": "Read", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadObjects", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}, {"Sid": "ListBuckets", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports"}]}
    /// ```
    pub DuplicateSid { code: "C111", name: "duplicate-sid", category: Correctness, severity: Error }
}

impl Rule for DuplicateSid {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        for (sid, first) in duplicate_sids(&policy.statements) {
            ctx.report(
                Self::META,
                sid.span,
                format!("Sid `{}` is used by an earlier statement", sid.node),
            )
            .help("give every statement its own Sid")
            .related(first, "first used here");
        }
    }
}

/// Each non-empty Sid an earlier statement already uses, with where that statement's Sid is:
/// one look-up per statement in a map of first uses, not a scan of the earlier ones.
fn duplicate_sids(statements: &[Statement]) -> Vec<(&Node<String>, Span)> {
    let mut first: HashMap<&str, Span> = HashMap::new();
    let mut duplicates = Vec::new();
    for sid in statements.iter().filter_map(|s| s.sid.as_ref()) {
        if sid.node.is_empty() {
            continue;
        }
        match first.entry(sid.node.as_str()) {
            Entry::Vacant(slot) => {
                slot.insert(sid.span);
            }
            Entry::Occupied(earlier) => duplicates.push((sid, *earlier.get())),
        }
    }
    duplicates
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy_core::parse::parse_policy;
    use proptest::prelude::prop;

    /// [`duplicate_sids`] as it was first written: each Sid against every earlier one.
    fn duplicate_sids_by_every_pair(statements: &[Statement]) -> Vec<(&Node<String>, Span)> {
        let sids: Vec<_> = statements.iter().filter_map(|s| s.sid.as_ref()).collect();
        let mut duplicates = Vec::new();
        for (i, sid) in sids.iter().enumerate() {
            if sid.node.is_empty() {
                continue;
            }
            if let Some(first) = sids.iter().take(i).find(|s| s.node == sid.node) {
                duplicates.push((*sid, first.span));
            }
        }
        duplicates
    }

    proptest::proptest! {
        #[test]
        fn mapped_duplicates_are_the_duplicates_of_every_pair(
            sids in prop::collection::vec(prop::option::of("[ab]{0,2}"), 0..12),
        ) {
            let statements: Vec<String> = sids
                .iter()
                .map(|sid| match sid {
                    Some(sid) => format!(r#"{{"Sid": "{sid}", "Effect": "Allow", "Action": "*", "Resource": "*"}}"#),
                    None => r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#.to_string(),
                })
                .collect();
            let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#, statements.join(","));
            let policy = parse_policy(&text, None).policy.unwrap();
            // Spans compared too (`Node` equality ignores them).
            let spans = |d: Vec<(&Node<String>, Span)>| -> Vec<(Span, String, Span)> {
                d.into_iter().map(|(n, f)| (n.span, n.node.clone(), f)).collect()
            };
            proptest::prop_assert_eq!(
                spans(duplicate_sids(&policy.statements)),
                spans(duplicate_sids_by_every_pair(&policy.statements))
            );
        }
    }
}
