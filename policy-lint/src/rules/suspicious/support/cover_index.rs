//! Which statements could cover a statement, found without comparing every pair.
//!
//! [`Covering::covers`](super::Covering::covers) holds only when every action of the inner
//! statement is matched by an action pattern of the outer one whose literal head (the text up
//! to its first wildcard, ASCII case ignored) starts it, and likewise for resources (case
//! kept). So the outer statements are indexed by the heads of their patterns, and a query
//! takes one action and one resource of the inner statement, finds the heads that start
//! them, and keeps the smaller of the two lists of statements: a superset of the statements
//! that cover it, usually a few, which the caller then tests with `covers` in order.
//! `NotAction`/`NotResource` inner statements are covered only by a `*` item, and an inner
//! statement without `Resource` only by one without `Resource`, so those use plain lists.

use policy_core::ast::Statement;

/// The literal head of a pattern: its text up to the first `*` or `?`.
fn head(text: &str) -> &[u8] {
    let bytes = text.as_bytes();
    let end = memchr::memchr2(b'*', b'?', bytes).unwrap_or(bytes.len());
    bytes.get(..end).unwrap_or(bytes)
}

/// The distinct literal heads of the patterns of some statements, sorted, each with the
/// statements that have a pattern with that head.
#[derive(Debug, Default)]
struct HeadIndex {
    heads: Vec<Box<[u8]>>,
    /// The longest other head that starts this one (heads sorted are a trie in preorder).
    parent: Vec<Option<usize>>,
    /// The statements (positions given to [`CoverIndex::new`]) with this head, ascending.
    postings: Vec<Vec<u32>>,
    /// How many postings this head and the heads that start it have together.
    chain_total: Vec<usize>,
}

impl HeadIndex {
    fn new(mut entries: Vec<(Box<[u8]>, u32)>) -> Self {
        entries.sort_unstable();
        entries.dedup();
        let mut index = HeadIndex::default();
        let mut stack: Vec<usize> = Vec::new();
        for (head, position) in entries {
            if index.heads.last() == Some(&head) {
                if let Some(list) = index.postings.last_mut() {
                    list.push(position);
                }
                continue;
            }
            // Sorted, the heads that start this one are on the stack, longest on top.
            while let Some(&top) = stack.last() {
                if index.heads.get(top).is_some_and(|t| head.starts_with(t)) {
                    break;
                }
                stack.pop();
            }
            let parent = stack.last().copied();
            stack.push(index.heads.len());
            index.heads.push(head);
            index.parent.push(parent);
            index.postings.push(vec![position]);
        }
        // Parents come before their children, so their totals are known.
        for i in 0..index.heads.len() {
            let own = index.postings.get(i).map_or(0, Vec::len);
            let above = index
                .parent
                .get(i)
                .copied()
                .flatten()
                .and_then(|p| index.chain_total.get(p).copied())
                .unwrap_or(0);
            index.chain_total.push(own + above);
        }
        index
    }

    /// The longest head that starts `text`.
    fn deepest(&self, text: &[u8]) -> Option<usize> {
        // Every head that starts `text` sorts at or before it, and the last head that does
        // (whether it starts `text` or not) starts with every such head: walk its parents.
        let mut at = self
            .heads
            .partition_point(|h| h.as_ref() <= text)
            .checked_sub(1);
        while let Some(i) = at {
            if self.heads.get(i).is_some_and(|h| text.starts_with(h)) {
                return Some(i);
            }
            at = self.parent.get(i).copied().flatten();
        }
        None
    }

    /// How many postings the heads that start `text` have together.
    fn count(&self, text: &[u8]) -> usize {
        self.deepest(text)
            .and_then(|i| self.chain_total.get(i).copied())
            .unwrap_or(0)
    }

    /// The postings of the heads that start `text`, appended to `out` (unsorted).
    fn collect(&self, text: &[u8], out: &mut Vec<u32>) {
        let mut at = self.deepest(text);
        while let Some(i) = at {
            out.extend(self.postings.get(i).into_iter().flatten());
            at = self.parent.get(i).copied().flatten();
        }
    }
}

/// Where the statements that could cover an inner statement are, for one of its elements.
enum Filter<'a> {
    /// No restriction from this element.
    All,
    /// A list of statements, ascending.
    List(&'a [u32]),
    /// The statements of the heads that start this text.
    Heads(&'a HeadIndex, Vec<u8>, usize),
}

impl Filter<'_> {
    fn count(&self, all: usize) -> usize {
        match self {
            Filter::All => all,
            Filter::List(list) => list.len(),
            Filter::Heads(_, _, n) => *n,
        }
    }
}

/// The statements that could cover others, indexed by the heads of their patterns.
#[derive(Debug, Default)]
pub(crate) struct CoverIndex {
    /// Every statement indexed: those that could cover something.
    all: Vec<u32>,
    actions: HeadIndex,
    resources: HeadIndex,
    /// Statements with an `Action` item `*` (the only cover of a `NotAction`).
    any_action: Vec<u32>,
    /// Statements with a `Resource` item `*` (the only cover of a `NotResource`).
    any_resource: Vec<u32>,
    /// Statements without `Resource` (the only cover of a statement without one).
    no_resource: Vec<u32>,
}

impl CoverIndex {
    /// Indexes the statements, each with the position the queries answer with (ascending).
    /// Statements that cannot cover any other (with `NotAction`, `NotResource` or no
    /// `Action`) are left out; conditions are not looked at.
    pub(crate) fn new<'s>(statements: impl IntoIterator<Item = (u32, &'s Statement)>) -> Self {
        let mut index = CoverIndex::default();
        let mut actions = Vec::new();
        let mut resources = Vec::new();
        for (position, statement) in statements {
            let Some(action) = statement.action.as_ref().filter(|a| !a.negated) else {
                continue;
            };
            if statement.resource.as_ref().is_some_and(|r| r.negated) {
                continue;
            }
            index.all.push(position);
            for item in &action.items {
                actions.push((head(&item.node).to_ascii_lowercase().into(), position));
            }
            if action.items.iter().any(|i| i.node == "*") {
                index.any_action.push(position);
            }
            match &statement.resource {
                None => index.no_resource.push(position),
                Some(resource) => {
                    for item in &resource.items {
                        resources.push((head(&item.node).into(), position));
                    }
                    if resource.items.iter().any(|i| i.node == "*") {
                        index.any_resource.push(position);
                    }
                }
            }
        }
        index.actions = HeadIndex::new(actions);
        index.resources = HeadIndex::new(resources);
        index
    }

    /// The positions of the indexed statements that could cover `inner`, ascending, into
    /// `out` (cleared first): every indexed statement that covers it is among them.
    pub(crate) fn candidates(&self, inner: &Statement, out: &mut Vec<u32>) {
        out.clear();
        let Some(action) = inner.action.as_ref() else {
            return;
        };
        let by_action = if action.negated {
            Filter::List(&self.any_action)
        } else {
            // The action with the fewest statements whose heads start it.
            action
                .items
                .iter()
                .map(|i| {
                    let text = i.node.to_ascii_lowercase().into_bytes();
                    let n = self.actions.count(&text);
                    Filter::Heads(&self.actions, text, n)
                })
                .min_by_key(|f| f.count(usize::MAX))
                .unwrap_or(Filter::All)
        };
        let by_resource = match &inner.resource {
            None => Filter::List(&self.no_resource),
            Some(r) if r.negated => Filter::List(&self.any_resource),
            Some(r) => r
                .items
                .iter()
                .map(|i| {
                    let text = i.node.as_bytes().to_vec();
                    let n = self.resources.count(&text);
                    Filter::Heads(&self.resources, text, n)
                })
                .min_by_key(|f| f.count(usize::MAX))
                .unwrap_or(Filter::All),
        };
        let all = self.all.len();
        let best = if by_action.count(all) <= by_resource.count(all) {
            by_action
        } else {
            by_resource
        };
        match best {
            Filter::All => out.extend_from_slice(&self.all),
            Filter::List(list) => out.extend_from_slice(list),
            Filter::Heads(index, text, _) => {
                index.collect(&text, out);
                out.sort_unstable();
                out.dedup();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(list: &[&str]) -> HeadIndex {
        HeadIndex::new(
            list.iter()
                .zip(0u32..)
                .map(|(h, i)| (h.as_bytes().into(), i))
                .collect(),
        )
    }

    /// The positions of the heads that start `text`, the slow way.
    fn naive(list: &[&str], text: &str) -> Vec<u32> {
        let mut v: Vec<u32> = list
            .iter()
            .zip(0u32..)
            .filter(|(h, _)| text.starts_with(**h))
            .map(|(_, i)| i)
            .collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn finds_every_head_that_starts_a_text() {
        let list = ["", "a", "ab", "abc", "abd", "b", "ab", "abcd", "ac", "a"];
        let index = heads(&list);
        for text in [
            "", "a", "ab", "abc", "abcde", "abd", "abz", "acx", "b", "ba", "c", "aa",
        ] {
            let mut got = Vec::new();
            index.collect(text.as_bytes(), &mut got);
            got.sort_unstable();
            assert_eq!(got, naive(&list, text), "{text}");
            assert_eq!(index.count(text.as_bytes()), got.len(), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn head_index_agrees_with_a_scan(
            list in proptest::collection::vec("[ab/]{0,4}", 0..12),
            text in "[ab/]{0,6}",
        ) {
            let list: Vec<&str> = list.iter().map(String::as_str).collect();
            let index = heads(&list);
            let mut got = Vec::new();
            index.collect(text.as_bytes(), &mut got);
            got.sort_unstable();
            proptest::prop_assert_eq!(index.count(text.as_bytes()), got.len());
            proptest::prop_assert_eq!(got, naive(&list, &text));
        }
    }
}
