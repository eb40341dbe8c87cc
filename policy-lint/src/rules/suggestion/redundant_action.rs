//! `N002` `redundant-action`.

use policy_core::ast::{Node, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::{action_covers, fnv, remove_node};

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
/// covers item `j`. No item is compared with every other: duplicates are found by hashing,
/// wildcards only within their group.
pub(crate) fn redundant_items(
    items: &[Node<String>],
    ignore_case: bool,
    group: fn(&str) -> Option<&str>,
    covers: &dyn Fn(usize, usize) -> bool,
) -> Vec<(usize, usize)> {
    if items.len() < 2 {
        return Vec::new();
    }
    let same = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let hash = |t: &str| fnv(t, ignore_case);
    let has_wild = |n: &Node<String>| n.node.bytes().any(|b| b == b'*' || b == b'?');
    if items.len() <= SMALL && !items.iter().any(has_wild) {
        return small_duplicates(items, same);
    }
    let wild: Vec<bool> = items
        .iter()
        .map(|n| n.node.bytes().any(|b| b == b'*' || b == b'?'))
        .collect();
    if !wild.contains(&true) {
        return literal_duplicates(items, ignore_case, &wild, vec![None; items.len()]);
    }
    let groups: Vec<Option<&str>> = items.iter().map(|n| group(&n.node)).collect();
    let is_wild = |i: usize| wild.get(i).copied().unwrap_or(false);
    let group_of = |i: usize| groups.get(i).copied().flatten();
    // Wildcard items, ungrouped ones apart, grouped ones sorted by the hash of their group.
    let mut grouped: Vec<(u64, usize)> = Vec::new();
    let mut ungrouped: Vec<usize> = Vec::new();
    for i in (0..items.len()).filter(|&i| is_wild(i)) {
        match group_of(i) {
            Some(g) => grouped.push((hash(g), i)),
            None => ungrouped.push(i),
        }
    }
    grouped.sort_unstable();
    let mut covered = vec![None; items.len()];
    if !grouped.is_empty() || !ungrouped.is_empty() {
        for (j, slot) in covered.iter_mut().enumerate() {
            let own = group_of(j);
            let same_group = own.map_or(&[][..], |g| {
                let h = hash(g);
                let start = grouped.partition_point(|(o, _)| *o < h);
                let end = grouped.partition_point(|(o, _)| *o <= h);
                grouped.get(start..end).unwrap_or_default()
            });
            *slot = same_group
                .iter()
                .map(|(_, i)| *i)
                .filter(|&i| own.zip(group_of(i)).is_some_and(|(a, b)| same(a, b)))
                .chain(ungrouped.iter().copied())
                .find(|&i| i != j && covers(i, j) && (i < j || !covers(j, i)));
        }
    }
    literal_duplicates(items, ignore_case, &wild, covered)
}

/// Lists up to this long are searched for duplicates pair by pair, without hashing.
const SMALL: usize = 16;

/// The duplicates of a short list without wildcards, each with its first occurrence.
fn small_duplicates(
    items: &[Node<String>],
    same: impl Fn(&str, &str) -> bool,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (j, b) in items.iter().enumerate() {
        if let Some(i) = items.iter().take(j).position(|a| same(&a.node, &b.node)) {
            out.push((j, i));
        }
    }
    out
}

/// Adds the duplicates of items not yet `covered` to it, and lists every covered item with
/// the item that covers it: equal hashes sort next to each other, the first written stays.
fn literal_duplicates(
    items: &[Node<String>],
    ignore_case: bool,
    wild: &[bool],
    mut covered: Vec<Option<usize>>,
) -> Vec<(usize, usize)> {
    let text = |i: usize| items.get(i).map_or("", |n| n.node.as_str());
    let same = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let is_wild = |i: usize| wild.get(i).copied().unwrap_or(false);
    let hash = |t: &str| fnv(t, ignore_case);
    let mut literals: Vec<(u64, usize)> = (0..items.len())
        .filter(|&i| covered.get(i).is_some_and(Option::is_none) && !is_wild(i))
        .map(|i| (hash(text(i)), i))
        .collect();
    literals.sort_unstable();
    for (k, &(h, b)) in literals.iter().enumerate() {
        let first = literals
            .get(..k)
            .unwrap_or_default()
            .iter()
            .rev()
            .take_while(|(g, _)| *g == h)
            .map(|(_, a)| *a)
            .filter(|&a| same(text(a), text(b)))
            .last();
        if let (Some(a), Some(slot)) = (first, covered.get_mut(b)) {
            *slot = Some(a);
        }
    }
    covered
        .into_iter()
        .enumerate()
        .filter_map(|(j, by)| by.map(|i| (j, i)))
        .collect()
}

/// The service prefix of an action pattern, when it has no wildcard.
fn action_group(text: &str) -> Option<&str> {
    let (prefix, _) = text.split_once(':')?;
    (!prefix.contains(['*', '?'])).then_some(prefix)
}

impl Rule for RedundantAction {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(action) = &statement.action else {
            return;
        };
        let items = &action.items;
        let text = |i: usize| items.get(i).map_or("", |n| n.node.as_str());
        let covers = |i: usize, j: usize| action_covers(text(i), text(j));
        for (j, i) in redundant_items(items, true, action_group, &covers) {
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
