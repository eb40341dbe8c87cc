//! Helpers shared by the suspicious, suggestion and later correctness rules: pattern
//! inclusion, condition look-ups, and the edits that remove one item of a JSON list.

use std::borrow::Cow;

use policy_core::ast::{ConditionKeyValues, ConditionValue, Node, OperatorBase, Statement};
use policy_core::Span;

use crate::finding::Edit;

/// Whether the IAM glob `outer` matches every string the glob `inner` matches (`*` any run,
/// `?` one character). Sound, not complete: `true` is always right; a `*` or `?` of `inner`
/// is only covered by a wildcard of `outer`.
pub(crate) fn glob_covers(outer: &str, inner: &str, ignore_case: bool) -> bool {
    if outer == inner || (outer == "*") {
        return true;
    }
    if !outer.contains(['*', '?']) {
        return !inner.contains(['*', '?'])
            && if ignore_case {
                outer.eq_ignore_ascii_case(inner)
            } else {
                outer == inner
            };
    }
    if outer.is_ascii() && inner.is_ascii() {
        // Cheap rejection: the literal head and tail of `outer` must start and end `inner`.
        let same = |a: &str, b: &str| {
            if ignore_case {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let head = outer.find(['*', '?']).unwrap_or(outer.len());
        let tail = outer.len() - outer.rfind(['*', '?']).map_or(outer.len(), |i| i + 1);
        let head_ok = inner
            .get(..head)
            .zip(outer.get(..head))
            .is_some_and(|(i, o)| same(i, o));
        let tail_ok = inner
            .get(inner.len().saturating_sub(tail)..)
            .zip(outer.get(outer.len() - tail..))
            .is_some_and(|(i, o)| inner.len() >= tail && same(i, o));
        if !head_ok || !tail_ok {
            return false;
        }
        if !inner.contains(['*', '?']) {
            return policy_core::text::glob_matches(outer, inner, ignore_case);
        }
        covers_slices(outer.as_bytes(), inner.as_bytes(), ignore_case)
    } else {
        let o: Vec<char> = outer.chars().collect();
        let i: Vec<char> = inner.chars().collect();
        covers_slices(&o, &i, ignore_case)
    }
}

/// A character of a glob.
trait GlobChar: Copy + PartialEq {
    fn is_star(self) -> bool;
    fn is_any(self) -> bool;
    fn same(self, other: Self, ignore_case: bool) -> bool;
}

impl GlobChar for u8 {
    fn is_star(self) -> bool {
        self == b'*'
    }
    fn is_any(self) -> bool {
        self == b'?'
    }
    fn same(self, other: Self, ignore_case: bool) -> bool {
        if ignore_case {
            self.eq_ignore_ascii_case(&other)
        } else {
            self == other
        }
    }
}

impl GlobChar for char {
    fn is_star(self) -> bool {
        self == '*'
    }
    fn is_any(self) -> bool {
        self == '?'
    }
    fn same(self, other: Self, ignore_case: bool) -> bool {
        if ignore_case {
            self.eq_ignore_ascii_case(&other)
        } else {
            self == other
        }
    }
}

/// `dp[i][j]`: `outer[i..]` covers `inner[j..]`, computed row by row from the end.
fn covers_slices<C: GlobChar>(outer: &[C], inner: &[C], ignore_case: bool) -> bool {
    const STACK: usize = 256;
    let m = inner.len();
    // `next` is row i + 1, `row` is row i: on the stack for the usual short patterns.
    let (mut next_buf, mut row_buf) = ([false; STACK], [false; STACK]);
    let (mut next_heap, mut row_heap): (Vec<bool>, Vec<bool>);
    let (mut next, mut row): (&mut [bool], &mut [bool]) =
        match (next_buf.get_mut(..=m), row_buf.get_mut(..=m)) {
            (Some(n), Some(r)) => (n, r),
            _ => {
                next_heap = vec![false; m + 1];
                row_heap = vec![false; m + 1];
                (&mut next_heap, &mut row_heap)
            }
        };
    if let Some(last) = next.last_mut() {
        *last = true;
    }
    for &p in outer.iter().rev() {
        for j in (0..=m).rev() {
            let here = inner.get(j).copied();
            let value = if p.is_star() {
                next.get(j).copied().unwrap_or(false)
                    || (here.is_some() && row.get(j + 1).copied().unwrap_or(false))
            } else {
                match here {
                    None => false,
                    Some(t) if t.is_star() => false,
                    Some(_) if p.is_any() => next.get(j + 1).copied().unwrap_or(false),
                    Some(t) => {
                        !t.is_any()
                            && p.same(t, ignore_case)
                            && next.get(j + 1).copied().unwrap_or(false)
                    }
                }
            };
            if let Some(slot) = row.get_mut(j) {
                *slot = value;
            }
        }
        std::mem::swap(&mut next, &mut row);
    }
    next.first().copied().unwrap_or(false)
}

/// Whether the action pattern `outer` matches every action `inner` matches (IAM action names
/// ignore case).
pub(crate) fn action_covers(outer: &str, inner: &str) -> bool {
    let (o, i) = (outer.as_bytes(), inner.as_bytes());
    // The literal head of `outer`, up to its first wildcard, must start `inner`: this settles
    // most pairs in a few instructions.
    let Some(head) = o.iter().position(|&b| b == b'*' || b == b'?') else {
        return outer.eq_ignore_ascii_case(inner) && !i.iter().any(|&b| b == b'*' || b == b'?');
    };
    if !i
        .get(..head)
        .zip(o.get(..head))
        .is_some_and(|(i, o)| i.eq_ignore_ascii_case(o))
    {
        return false;
    }
    outer == "*" || glob_covers(outer, inner, true)
}

/// Whether the resource pattern `outer` matches every resource `inner` matches. ARNs are
/// compared part by part (`*` does not cross the colons of the first five parts); patterns
/// with policy variables cover only an identical pattern.
#[cfg(test)]
pub(crate) fn resource_covers(outer: &str, inner: &str) -> bool {
    ArnPattern::new(outer).covers(&ArnPattern::new(inner))
}

/// A resource pattern split once for many comparisons.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArnPattern<'a> {
    text: &'a str,
    /// The literal start, up to the first wildcard; the whole text when there is none.
    head: &'a str,
    wild: bool,
    variable: bool,
    /// The six parts of an ARN (the last one is the resource part, colons included).
    parts: Option<[&'a str; 6]>,
}

impl<'a> ArnPattern<'a> {
    /// Splits a pattern.
    pub(crate) fn new(text: &'a str) -> Self {
        let first = text.bytes().position(|b| b == b'*' || b == b'?');
        let mut it = text.splitn(6, ':');
        let mut parts = [""; 6];
        let mut count = 0;
        for (slot, part) in parts.iter_mut().zip(it.by_ref()) {
            *slot = part;
            count += 1;
        }
        let parts = (count == 6).then_some(parts);
        ArnPattern {
            text,
            head: first.and_then(|i| text.get(..i)).unwrap_or(text),
            wild: first.is_some(),
            variable: text.contains("${"),
            parts,
        }
    }

    /// Whether this pattern matches every resource `inner` matches.
    pub(crate) fn covers(&self, inner: &ArnPattern<'_>) -> bool {
        if self.text == "*" || self.text == inner.text {
            return true;
        }
        // Without wildcards a pattern covers only itself; variables are compared as text.
        if !self.wild || self.variable || inner.variable {
            return false;
        }
        // The literal head must start `inner` (cheap, and most pairs fail here).
        if !inner.text.starts_with(self.head) {
            return false;
        }
        match (&self.parts, &inner.parts) {
            (Some(o), Some(i)) => {
                // The resource parts first: they differ most often.
                let (Some(o_rest), Some(i_rest)) = (o.last(), i.last()) else {
                    return false;
                };
                glob_covers(o_rest, i_rest, false)
                    && o.iter()
                        .zip(i)
                        .take(5)
                        .all(|(o, i)| glob_covers(o, i, false))
            }
            // A pattern of fewer parts is matched as one glob, which is looser than part by
            // part.
            (None, _) => glob_covers(self.text, inner.text, false),
            (Some(_), None) => false,
        }
    }
}

/// A statement prepared for many coverage tests: its reach and its resource patterns.
#[derive(Debug)]
pub(crate) struct Covering<'a> {
    statement: &'a Statement,
    reach: Reach,
    resources: Vec<ArnPattern<'a>>,
}

impl<'a> Covering<'a> {
    /// Prepares a statement.
    pub(crate) fn of(statement: &'a Statement) -> Self {
        Covering {
            statement,
            reach: Reach::of(statement),
            resources: statement
                .resources()
                .iter()
                .map(|r| ArnPattern::new(&r.node))
                .collect(),
        }
    }

    /// The statement.
    pub(crate) fn statement(&self) -> &'a Statement {
        self.statement
    }

    /// Whether this statement, which must have no condition, matches every request that
    /// `inner` matches (whatever `inner`'s conditions). Sound, not complete: `NotAction` and
    /// `NotResource` are covered only by `*`, and principals only by an equal element or
    /// `"Principal": "*"`.
    pub(crate) fn covers(&self, inner: &Covering<'_>) -> bool {
        let (outer, inner_st) = (self.statement, inner.statement);
        if outer.condition.is_some() || !self.reach.may_cover(&inner.reach) {
            return false;
        }
        // Cheapest first: principals, then resources, then the (often long) action lists.
        let principals = match (&outer.principal, &inner_st.principal) {
            (None, None) => true,
            (Some(o), Some(i)) => {
                (!o.negated && o.value == policy_core::ast::Principal::Wildcard)
                    || (o.negated == i.negated && o.value == i.value)
            }
            _ => false,
        };
        if !principals {
            return false;
        }
        let resources = match (&outer.resource, &inner_st.resource) {
            (None, None) => true,
            (Some(o), Some(i)) if !o.negated => {
                o.items.iter().any(|r| r.node == "*")
                    || (!i.negated
                        && inner
                            .resources
                            .iter()
                            .all(|i| self.resources.iter().any(|o| o.covers(i))))
            }
            _ => false,
        };
        if !resources {
            return false;
        }
        match (&outer.action, &inner_st.action) {
            (Some(o), Some(i)) if !o.negated => {
                o.items.iter().any(|a| a.node == "*")
                    || (!i.negated
                        && i.items
                            .iter()
                            .all(|i| o.items.iter().any(|o| action_covers(&o.node, &i.node))))
            }
            _ => false,
        }
    }
}

/// What a statement's actions and resources could cover, for a cheap first test before
/// [`Covering::covers`]: hashes of the service prefixes of its actions (lower-cased) and of
/// the `arn:partition:service` heads of its resources, with whether some item has a
/// wildcard there (and so could cover other services). A hash collision only makes the
/// test pass where it could have failed.
#[derive(Debug, Default)]
pub(crate) struct Reach {
    action_services: Vec<u64>,
    any_action_service: bool,
    resource_heads: Vec<u64>,
    any_resource_head: bool,
}

/// A hasher for the rules' small caches of short strings: FNV-1a, cheaper than `SipHash`
/// and without its protection against chosen keys, which these caches do not need.
#[derive(Debug)]
pub(crate) struct FnvHasher(u64);

impl Default for FnvHasher {
    fn default() -> Self {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A hash map keyed with [`FnvHasher`].
pub(crate) type FastMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FnvHasher>>;

const FNV_BASIS: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv_step(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
}

/// FNV-1a, lower-casing ASCII letters when asked.
pub(crate) fn fnv(text: &str, ignore_case: bool) -> u64 {
    text.bytes().fold(FNV_BASIS, |h, b| {
        fnv_step(
            h,
            if ignore_case {
                b.to_ascii_lowercase()
            } else {
                b
            },
        )
    })
}

impl Reach {
    /// The reach of a statement.
    pub(crate) fn of(statement: &Statement) -> Self {
        let mut reach = Reach::default();
        for a in statement.actions() {
            // One pass: the hash of the prefix, unless it has a wildcard or there is no `:`.
            let mut hash = FNV_BASIS;
            let mut literal = None;
            for b in a.node.bytes() {
                match b {
                    b':' => {
                        literal = Some(hash);
                        break;
                    }
                    b'*' | b'?' => break,
                    _ => hash = fnv_step(hash, b.to_ascii_lowercase()),
                }
            }
            match literal {
                Some(h) => reach.action_services.push(h),
                None => reach.any_action_service = true,
            }
        }
        reach.action_services.sort_unstable();
        reach.action_services.dedup();
        for r in statement.resources() {
            let head = r
                .node
                .match_indices(':')
                .nth(2)
                .and_then(|(i, _)| r.node.get(..i))
                .filter(|h| !h.contains(['*', '?', '$']));
            match head {
                Some(h) => reach.resource_heads.push(fnv(h, false)),
                None => reach.any_resource_head = true,
            }
        }
        reach.resource_heads.sort_unstable();
        reach.resource_heads.dedup();
        reach
    }

    /// Whether a statement of this reach might cover one of `inner`'s reach: every service
    /// and resource head of `inner` is one of ours, unless we have wildcards there.
    pub(crate) fn may_cover(&self, inner: &Reach) -> bool {
        (self.any_action_service
            || (!inner.any_action_service
                && inner
                    .action_services
                    .iter()
                    .all(|i| self.action_services.binary_search(i).is_ok())))
            && (self.any_resource_head
                || (!inner.any_resource_head
                    && inner
                        .resource_heads
                        .iter()
                        .all(|i| self.resource_heads.binary_search(i).is_ok())))
    }
}

/// Where to point at a whole statement: its `Sid`, else its `Effect`, else its opening brace.
pub(crate) fn statement_anchor(statement: &Statement) -> Span {
    statement
        .sid
        .as_ref()
        .map(|s| s.span)
        .or(statement.effect.map(|e| e.span))
        .unwrap_or(Span {
            start: statement.span.start,
            end: statement.span.start.saturating_add(1),
        })
}

/// The edit that removes item `index` of a JSON list whose items are at `items`, with the
/// comma that separates it from its neighbour. `None` when the list has one item.
pub(crate) fn remove_list_item(items: &[Span], index: usize) -> Option<Edit> {
    if items.len() < 2 {
        return None;
    }
    let this = items.get(index)?;
    let span = if let Some(next) = items.get(index + 1) {
        Span {
            start: this.start,
            end: next.start,
        }
    } else {
        let previous = items.get(index.checked_sub(1)?)?;
        Span {
            start: previous.end,
            end: this.end,
        }
    };
    Some(Edit {
        span,
        content: String::new(),
    })
}

/// [`remove_list_item`] for a list of nodes.
pub(crate) fn remove_node<T>(items: &[Node<T>], index: usize) -> Option<Edit> {
    if items.len() < 2 {
        return None;
    }
    let span = |i: usize| items.get(i).map(|n| n.span);
    let this = span(index)?;
    let removed = match span(index + 1) {
        Some(next) => Span {
            start: this.start,
            end: next.start,
        },
        None => Span {
            start: span(index.checked_sub(1)?)?.end,
            end: this.end,
        },
    };
    Some(Edit {
        span: removed,
        content: String::new(),
    })
}

/// A string as a JSON string literal.
pub(crate) fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}

/// A condition value as JSON, the way it was typed (a string stays a string).
pub(crate) fn json_value(value: &ConditionValue) -> String {
    match value {
        ConditionValue::String(s) => json_string(s),
        ConditionValue::Number(n) => n.clone(),
        ConditionValue::Bool(b) => b.to_string(),
    }
}

/// The text with every policy variable (`${...}`) removed, so that the `*` of `${*}` or a
/// variable's default is not taken for a wildcard.
pub(crate) fn without_variables(text: &str) -> Cow<'_, str> {
    if !text.contains("${") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start..).unwrap_or_default();
        match after.find('}') {
            Some(end) => rest = after.get(end + 1..).unwrap_or_default(),
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The keys a statement's conditions test, with their operator, in order.
pub(crate) fn condition_keys(
    statement: &Statement,
) -> impl Iterator<
    Item = (
        &Node<policy_core::ast::ConditionOperator>,
        &ConditionKeyValues,
    ),
> {
    statement
        .conditions()
        .iter()
        .flat_map(|e| e.keys.iter().map(move |kv| (&e.operator, kv)))
}

/// Whether the statement tests `key` with `Null` and the value `value` (`"false"`: the key
/// must be present).
pub(crate) fn has_null_check(statement: &Statement, key: &str, value: bool) -> bool {
    condition_keys(statement).any(|(op, kv)| {
        op.node.base == OperatorBase::Null
            && op.node.qualifier.is_none()
            && kv.key.node.eq_ignore_ascii_case(key)
            && kv.values.len() == 1
            && kv
                .values
                .iter()
                .all(|v| policy_core::value::parse_bool(&v.node.as_text()) == Some(value))
    })
}

/// Whether the policy text stands for an account ID: 12 digits.
pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_inclusion() {
        assert!(glob_covers("s3:*", "s3:Get*", false));
        assert!(glob_covers("s3:Get*", "s3:GetObject", false));
        assert!(!glob_covers("s3:Get*", "s3:*", false));
        assert!(glob_covers("s3:?etObject", "s3:GetObject", false));
        assert!(!glob_covers("s3:?etObject", "s3:*etObject", false));
        assert!(glob_covers("s3:*Object", "s3:Get*Object", false));
        assert!(glob_covers("a?", "a?", false));
        assert!(!glob_covers("a??", "aé", false));
        assert!(glob_covers("a?", "aé", false));
        assert!(glob_covers("S3:GET*", "s3:getobject", true));
        assert!(!glob_covers("S3:GET*", "s3:getobject", false));
        assert!(glob_covers("*", "", false));
        assert!(!glob_covers("?", "", false));
        assert!(glob_covers("*a*b", "xaab", false));
        assert!(!glob_covers("*a*b", "xaaba", false));
        assert!(glob_covers("a*", "a", false));
        assert!(glob_covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/", false));
    }

    #[test]
    fn action_and_resource_inclusion() {
        assert!(action_covers("*", "s3:GetObject"));
        assert!(action_covers("s3:*", "S3:GetObject"));
        assert!(!action_covers("s3:*", "ec2:RunInstances"));
        assert!(resource_covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/*"));
        assert!(!resource_covers("arn:aws:s3:*::x", "arn:aws:s3:a:b::x"));
        assert!(resource_covers("arn:aws:*", "arn:aws:s3:::b"));
        assert!(!resource_covers(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/${aws:username}"
        ));
        assert!(resource_covers(
            "arn:aws:s3:::b/${aws:username}",
            "arn:aws:s3:::b/${aws:username}"
        ));
    }

    #[test]
    fn list_item_removal() {
        let items = [Span::new(1, 4), Span::new(6, 9), Span::new(11, 14)];
        assert_eq!(remove_list_item(&items, 0).unwrap().span, Span::new(1, 6));
        assert_eq!(remove_list_item(&items, 2).unwrap().span, Span::new(9, 14));
        assert!(remove_list_item(&items[..1], 0).is_none());
    }

    #[test]
    fn variables_are_removed() {
        assert_eq!(without_variables("a${*}b${aws:username}c"), "abc");
        assert_eq!(without_variables("a${b"), "a${b");
    }
}
