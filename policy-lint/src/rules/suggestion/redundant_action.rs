//! `N002` `redundant-action`.

use policy_core::ast::{Node, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::{
    action_covers, action_service, fold_hash, has_glob, remove_node,
};

declare_rule! {
    /// ## What it does
    /// Flags an `Action` or `NotAction` item that another item of the same statement
    /// already matches: the same action twice (IAM ignores the case of action names), or an
    /// action that a pattern such as `s3:Get*` or `s3:*` includes. The fix removes it.
    ///
    /// ## Why is this bad?
    /// The item adds nothing, makes the statement longer (policies have size quotas) and
    /// suggests the author meant something narrower than the wildcard next to it.
    ///
    /// Covers Access Analyzer: `REDUNDANT_ACTION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:GetObject"], "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*"], "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Fix safety
    /// Safe: the statement matches the same actions without the item.
    pub RedundantAction { code: "N002", name: "redundant-action", category: Suggestion, severity: Note }
}

/// For each item covered by another (ties go to the earlier one): its index and the index
/// of an item that covers it. `group` is the part of an item (its service) that a covering
/// item must share, `None` when it has a wildcard, so that only ungrouped wildcards can
/// cover it; `ignore_case` says how items compare; `covers(i, j)` decides whether item `i`
/// covers item `j`. An item without wildcards is covered only by an equal item (found by
/// hashing) or by a wildcard item (tried only within its group).
pub(crate) fn redundant_items(
    items: &[Node<String>],
    ignore_case: bool,
    group: fn(&str) -> Option<&str>,
    covers: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, usize)> {
    if items.len() < 2 {
        return Vec::new();
    }
    if !items.iter().any(|n| has_glob(&n.node)) {
        let mut out = Vec::new();
        duplicates(items, ignore_case, |_| true, |j, i| out.push((j, i)));
        return out;
    }
    let same = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    // Each item's wildcard flag and group, with the group's hash (equal up to case, alike).
    let prepared: Vec<(bool, Option<(&str, u64)>)> = items
        .iter()
        .map(|n| (has_glob(&n.node), group(&n.node).map(|g| (g, fold_hash(g)))))
        .collect();
    let is_wild = |i: usize| prepared.get(i).is_some_and(|p| p.0);
    let group_of = |i: usize| prepared.get(i).and_then(|p| p.1);
    // Wildcard items, ungrouped ones apart, grouped ones sorted by the hash of their group
    // (then by index: the earliest covering item is found first).
    let mut grouped: Vec<(u64, usize)> = Vec::new();
    let mut ungrouped: Vec<usize> = Vec::new();
    for i in (0..items.len()).filter(|&i| is_wild(i)) {
        match group_of(i) {
            Some((_, h)) => grouped.push((h, i)),
            None => ungrouped.push(i),
        }
    }
    grouped.sort_unstable();
    let mut covered: Vec<Option<usize>> = (0..items.len())
        .map(|j| {
            let own = group_of(j);
            let same_group = own.map_or(&[][..], |(_, h)| {
                let start = grouped.partition_point(|(o, _)| *o < h);
                let end = grouped.partition_point(|(o, _)| *o <= h);
                grouped.get(start..end).unwrap_or_default()
            });
            same_group
                .iter()
                .map(|(_, i)| *i)
                .filter(|&i| {
                    own.zip(group_of(i))
                        .is_some_and(|((a, _), (b, _))| same(a, b))
                })
                .chain(ungrouped.iter().copied())
                .find(|&i| i != j && covers(i, j) && (i < j || !covers(j, i)))
        })
        .collect();
    // Duplicates among the items without wildcards that no wildcard covers.
    let candidate: Vec<bool> = (0..items.len())
        .map(|i| !is_wild(i) && covered.get(i).is_some_and(Option::is_none))
        .collect();
    let is_candidate = |i: usize| candidate.get(i).copied().unwrap_or(false);
    duplicates(items, ignore_case, is_candidate, |j, i| {
        if let Some(slot) = covered.get_mut(j) {
            *slot = Some(i);
        }
    });
    covered
        .into_iter()
        .enumerate()
        .filter_map(|(j, by)| by.map(|i| (j, i)))
        .collect()
}

/// Lists up to this long are searched for duplicates pair by pair, without hashing.
const SMALL: usize = 16;

/// Calls `found(j, i)` for each item `j` among the `candidate` ones that an earlier candidate
/// equals, `i` being the first such, in the order of `j`.
fn duplicates(
    items: &[Node<String>],
    ignore_case: bool,
    candidate: impl Fn(usize) -> bool,
    mut found: impl FnMut(usize, usize),
) {
    let text = |i: usize| items.get(i).map_or("", |n| n.node.as_str());
    let same = |a: usize, b: usize| {
        if ignore_case {
            text(a).eq_ignore_ascii_case(text(b))
        } else {
            text(a) == text(b)
        }
    };
    let count = (0..items.len()).filter(|&i| candidate(i)).count();
    if count <= SMALL {
        for j in (0..items.len()).filter(|&j| candidate(j)) {
            if let Some(i) = (0..j).find(|&i| candidate(i) && same(i, j)) {
                found(j, i);
            }
        }
        return;
    }
    // Open addressing: each slot holds a first occurrence and its hash; half the slots stay
    // free.
    let mask = (count * 2).next_power_of_two() - 1;
    let mut table: Vec<(u64, usize)> = vec![(0, usize::MAX); mask + 1];
    for j in (0..items.len()).filter(|&j| candidate(j)) {
        let h = fold_hash(text(j));
        #[expect(
            clippy::cast_possible_truncation,
            reason = "masked to the table's size"
        )]
        let mut slot = (h as usize) & mask;
        while let Some(entry) = table.get_mut(slot) {
            if entry.1 == usize::MAX {
                *entry = (h, j);
                break;
            }
            if entry.0 == h && same(entry.1, j) {
                found(j, entry.1);
                break;
            }
            slot = (slot + 1) & mask;
        }
    }
}

impl Rule for RedundantAction {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(action) = &statement.action else {
            return;
        };
        let items = &action.items;
        let text = |i: usize| items.get(i).map_or("", |n| n.node.as_str());
        let covers = |i: usize, j: usize| action_covers(text(i), text(j));
        for (j, i) in redundant_items(items, true, action_service, covers) {
            let (Some(item), Some(by)) = (items.get(j), items.get(i)) else {
                continue;
            };
            let message = if by.node.eq_ignore_ascii_case(&item.node) {
                format!("`{}` is listed twice", item.node)
            } else {
                format!("`{}` is already matched by `{}`", item.node, by.node)
            };
            let fix = remove_node(items, j).map(|edit| Fix {
                applicability: Applicability::Safe,
                message: format!("remove `{}`", item.node),
                edits: vec![edit],
            });
            ctx.report(Self::META, item.span, message)
                .related(by.span, "matched here")
                .fix_opt(fix);
        }
    }
}
