//! `N002` `redundant-action`.

use policy_core::ast::{Node, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::{Rule, RuleMeta};
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
/// of an item that covers it. `group` gives the part of an item (its service) that a
/// covering item must share, with its hash (equal parts, as `ignore_case` compares them,
/// hash alike), `None` when it has a wildcard, so that only ungrouped wildcards can cover
/// it; `ignore_case` says how items compare; `covers(i, j)` decides whether item `i` covers
/// item `j`. An item without wildcards is covered only by an equal item (found by hashing)
/// or by a wildcard item (tried only within its group).
pub(crate) fn redundant_items(
    items: &[Node<String>],
    ignore_case: bool,
    group: fn(&str) -> Option<(&str, u64)>,
    covers: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, usize)> {
    if items.len() < 2 {
        return Vec::new();
    }
    let Some(first_wild) = items.iter().position(|n| has_glob(&n.node)) else {
        let mut out = Vec::new();
        duplicates(items, ignore_case, |_| true, |j, i| out.push((j, i)));
        return out;
    };
    let same = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let wild: Vec<bool> = (0..items.len())
        .map(|i| {
            i == first_wild || (i > first_wild && items.get(i).is_some_and(|n| has_glob(&n.node)))
        })
        .collect();
    let groups: Vec<Option<(&str, u64)>> = items.iter().map(|n| group(&n.node)).collect();
    let is_wild = |i: usize| wild.get(i).copied().unwrap_or(false);
    let group_of = |i: usize| groups.get(i).copied().flatten();
    // Wildcard items, ungrouped ones apart, grouped ones sorted by the hash of their group
    // (then by index: the earliest covering item is found first).
    let mut grouped: Vec<(u64, usize)> = Vec::new();
    let mut ungrouped: Vec<usize> = Vec::new();
    for i in (first_wild..items.len()).filter(|&i| is_wild(i)) {
        match group_of(i) {
            Some((_, h)) => grouped.push((h, i)),
            None => ungrouped.push(i),
        }
    }
    grouped.sort_unstable();
    // Whether equal hashes mean equal groups here (almost always): then a group is compared
    // once per item, not once per candidate.
    let distinct = grouped.windows(2).all(|w| match w {
        [(h, a), (g, b)] => {
            h != g
                || group_of(*a)
                    .zip(group_of(*b))
                    .is_some_and(|((x, _), (y, _))| same(x, y))
        }
        _ => true,
    });
    // Which group hashes have wildcard items, to skip the search for the others.
    let bit = |h: u64| 1u64 << (h >> 58);
    let present = grouped.iter().fold(0, |m, &(h, _)| m | bit(h));
    let tie = |i: usize, j: usize| i != j && covers(i, j) && (i < j || !covers(j, i));
    let mut covered: Vec<Option<usize>> = vec![None; items.len()];
    for (j, slot) in covered.iter_mut().enumerate() {
        if let Some((own, h)) = group_of(j).filter(|&(_, h)| present & bit(h) != 0) {
            let start = grouped.partition_point(|&(o, _)| o < h);
            let run = grouped.get(start..).unwrap_or_default();
            let same_group = |i: usize| group_of(i).is_some_and(|(g, _)| same(own, g));
            let whole_run = distinct && run.first().is_some_and(|&(o, i)| o == h && same_group(i));
            *slot = run
                .iter()
                .take_while(|&&(o, _)| o == h)
                .map(|&(_, i)| i)
                .find(|&i| (whole_run || (!distinct && same_group(i))) && tie(i, j));
        }
        if slot.is_none() {
            *slot = ungrouped.iter().copied().find(|&i| tie(i, j));
        }
    }
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
            report_redundant(ctx, Self::META, items, j, i, true);
        }
    }
}

/// Reports item `j`, which item `i` already matches (`ignore_case`: how the two compare), with
/// the safe fix that removes it.
pub(crate) fn report_redundant(
    ctx: &mut LintContext<'_>,
    rule: &'static RuleMeta,
    items: &[Node<String>],
    j: usize,
    i: usize,
    ignore_case: bool,
) {
    let (Some(item), Some(by)) = (items.get(j), items.get(i)) else {
        return;
    };
    let twice = if ignore_case {
        by.node.eq_ignore_ascii_case(&item.node)
    } else {
        by.node == item.node
    };
    let message = if twice {
        format!("`{}` is listed twice", item.node)
    } else {
        format!("`{}` is already matched by `{}`", item.node, by.node)
    };
    let fix = remove_node(items, j).map(|edit| Fix {
        applicability: Applicability::Safe,
        message: format!("remove `{}`", item.node),
        edits: vec![edit],
    });
    ctx.report(rule, item.span, message)
        .related(by.span, "matched here")
        .fix_opt(fix);
}
