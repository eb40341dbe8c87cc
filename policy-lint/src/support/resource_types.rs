//! Which actions of a statement can apply to its resources: an action is authorized on the
//! ARNs of its resource types (IAM reference), so a statement whose resources are all of
//! other types never grants or denies it. `Action: *` on `arn:aws:secretsmanager:…:secret:*`
//! grants the Secrets Manager actions on secrets, not every action of every service.
//!
//! [`Applicability`] is the one answer the security rules and `resource-type-mismatch` share.
//! It says "applies" whenever it cannot be sure: a resource that could be anything (`*`, a
//! wildcard or variable in the service part, an ARN of no known type), or an action for which
//! the reference is known to be incomplete (tagging actions, `elasticloadbalancing`). A rule
//! that reports what does not apply may be more careful still (see [`only_foreign_types`]),
//! never less.

use std::cell::RefCell;
use std::sync::{Mutex, OnceLock};

use policy_core::service_ref::{Action, ResourceType, ServiceRef};

use crate::rules::suspicious::support::{colons, eq_fold, folded_head, low_bytes, FastMap};
use crate::rules::util::split_arn;

/// Which actions can apply to a list of resource entries (see the module docs).
pub(crate) struct Applicability<'r> {
    /// `None` when some entry could be any resource: then every action applies.
    matcher: Option<Matcher<'r>>,
    entries: Vec<&'r str>,
    /// Whether every entry is of a type the reference knows, once asked.
    known: Option<bool>,
}

impl<'r> Applicability<'r> {
    /// The applicability of actions to these `Resource` entries (not `NotResource`, which
    /// names what a statement leaves out: there, every action applies).
    pub(crate) fn new(entries: impl IntoIterator<Item = &'r str>) -> Self {
        let entries: Vec<&'r str> = entries.into_iter().collect();
        let certain = !entries.is_empty() && entries.iter().all(|r| has_literal_service(r));
        let matcher = certain.then(|| Matcher {
            resources: entries.iter().map(|r| Quick::arn(r)).collect(),
            seen: [("", false); SEEN],
            seen_len: 0,
            statement: STATEMENTS.with(|n| {
                n.set(n.get() + 1);
                n.get()
            }),
        });
        Applicability {
            matcher,
            entries,
            known: None,
        }
    }

    /// Whether every action applies (some entry could be any resource).
    pub(crate) fn is_unlimited(&self) -> bool {
        self.matcher.is_none()
    }

    /// Whether `action` can apply to one of the entries. An action that accepts only
    /// `"Resource": "*"` applies only when an entry can be `*`.
    pub(crate) fn applies(&mut self, action: &Action<'static>) -> bool {
        let Some(matcher) = self.matcher.as_mut() else {
            return true;
        };
        if action.accepts_only_wildcard_resource() {
            return false;
        }
        if matcher.fits(action) || unreliable(action) {
            return true;
        }
        // Certain only when every entry is of a type the reference knows.
        let entries = &self.entries;
        !*self.known.get_or_insert_with(|| {
            let data = ServiceRef::get();
            entries.iter().all(|r| is_known_arn(data, r))
        })
    }
}

/// Which ARN formats match one of the statement's resources, remembered per format: the
/// actions of a statement share a few resource types, and matching is the costly part.
struct Matcher<'r> {
    resources: Vec<Quick<'r>>,
    /// The first formats met, with whether they match, searched in order (on the stack:
    /// the first `seen_len`).
    seen: [(&'static str, bool); SEEN],
    seen_len: usize,
    /// This statement's number in its thread: [`Format::statement`] tells whether a format's
    /// answer past the first [`SEEN`] is this statement's (statements with hundreds of
    /// actions meet hundreds of formats).
    statement: u64,
}

/// How many formats a [`Matcher`] searches in order.
const SEEN: usize = 16;

/// What a thread remembers of an ARN format: its shape, and whether it matches one of the
/// resources of the statement it last answered for.
struct Format {
    shape: Quick<'static>,
    statement: u64,
    matched: bool,
}

thread_local! {
    /// Formats by address (they are the reference's own strings).
    static FORMATS: RefCell<FastMap<(usize, usize), Format>> = RefCell::new(FastMap::default());
    /// How many statements the thread has matched.
    static STATEMENTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The parts of an ARN (or format) that the cheap test compares: the service part when it
/// is literal, and the literal start of the resource part, each with its first eight bytes
/// folded into a word ([`folded_head`]) to compare them at once.
#[derive(Clone, Copy)]
struct Quick<'a> {
    text: &'a str,
    service: Option<(&'a str, u64)>,
    head: (&'a str, u64),
}

impl<'a> Quick<'a> {
    /// The shape of an ARN format: its literal start ends at a `$`.
    fn format(text: &'a str) -> Self {
        Self::of(text, |rest| memchr::memchr(b'$', rest))
    }

    /// The shape of a policy ARN: its literal start ends at a wildcard or `$`.
    fn arn(text: &'a str) -> Self {
        Self::of(text, |rest| memchr::memchr3(b'*', b'?', b'$', rest))
    }

    /// `stop` finds the end of the literal start of the resource part.
    fn of(text: &'a str, stop: impl Fn(&[u8]) -> Option<usize>) -> Self {
        let Some((service, rest)) = arn_parts(text) else {
            return Quick {
                text,
                service: None,
                head: ("", 0),
            };
        };
        let literal = !service.bytes().any(|b| matches!(b, b'*' | b'?' | b'$'));
        let head = stop(rest.as_bytes()).map_or(rest, |i| rest.get(..i).unwrap_or_default());
        let folded = |s: &'a str| (s, folded_head(s.as_bytes()));
        Quick {
            text,
            service: literal.then(|| folded(service)),
            head: folded(head),
        }
    }

    /// Whether an ARN of this shape may be of the format `f`, as far as the cheap look tells.
    fn may_match(&self, f: &Quick<'_>) -> bool {
        if let (Some((a, a_key)), Some((b, b_key))) = (self.service, f.service) {
            let same = a.len() == b.len()
                && a_key == b_key
                && (a.len() <= 8 || eq_fold(a.as_bytes(), b.as_bytes()));
            if !same {
                return false;
            }
        }
        // The shorter head must start the longer one, ignoring case.
        let ((x, x_key), (y, y_key)) = (self.head, f.head);
        let n = x.len().min(y.len());
        (x_key ^ y_key) & low_bytes(n) == 0
            && (n <= 8
                || x.as_bytes()
                    .get(..n)
                    .zip(y.as_bytes().get(..n))
                    .is_some_and(|(x, y)| eq_fold(x, y)))
    }
}

impl Matcher<'_> {
    fn matches(&mut self, rt: ResourceType<'static>) -> bool {
        let format = rt.arn_format();
        let seen = self.seen.get(..self.seen_len).unwrap_or_default();
        if let Some((_, m)) = seen.iter().find(|(f, _)| std::ptr::eq(*f, format)) {
            return *m;
        }
        let (statement, resources) = (self.statement, &self.resources);
        let m = FORMATS.with(|formats| {
            let mut formats = formats.borrow_mut();
            let known = formats
                .entry((format.as_ptr().addr(), format.len()))
                .or_insert_with(|| Format {
                    shape: Quick::format(format),
                    statement: u64::MAX,
                    matched: false,
                });
            if known.statement != statement {
                let shape = known.shape;
                known.matched = resources
                    .iter()
                    .any(|r| r.may_match(&shape) && format_matches(rt, r.text));
                known.statement = statement;
            }
            known.matched
        });
        if let Some(slot) = self.seen.get_mut(self.seen_len) {
            *slot = (format, m);
            self.seen_len += 1;
        }
        m
    }

    /// Whether `action` can be authorized on one of the resources by its resource types.
    fn fits(&mut self, action: &Action<'static>) -> bool {
        action
            .resource_types()
            .any(|rt| self.matches(rt.resource_type()))
    }
}

/// The service part and the resource part of an ARN or ARN format (after the fifth colon).
fn arn_parts(text: &str) -> Option<(&str, &str)> {
    let ([_, second, third, _, fifth], 5) = colons::<5>(text.as_bytes()) else {
        return None;
    };
    Some((text.get(second + 1..third)?, text.get(fifth + 1..)?))
}

/// Whether the type's ARN format matches `arn`, cached for the process by ARN and format:
/// the same pairs recur across statements, policies and threads, and matching parses both.
fn format_matches(rt: ResourceType<'static>, arn: &str) -> bool {
    type Seen = Vec<(&'static str, bool)>;
    static CACHE: OnceLock<Mutex<FastMap<Box<str>, Seen>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(FastMap::default()));
    let format = rt.arn_format();
    let cached = cache.lock().ok().and_then(|c| {
        c.get(arn)
            .and_then(|seen| seen.iter().find(|(f, _)| std::ptr::eq(*f, format)))
            .map(|(_, m)| *m)
    });
    if let Some(m) = cached {
        return m;
    }
    let m = segment_match(arn, format).unwrap_or_else(|| rt.matches_arn(arn));
    if let Ok(mut c) = cache.lock() {
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        // The key is allocated only for an ARN not seen before.
        match c.get_mut(arn) {
            Some(seen) => seen.push((format, m)),
            None => {
                c.insert(arn.into(), vec![(format, m)]);
            }
        }
    }
    m
}

/// Whether some ARN that the policy pattern `arn` stands for has the ARN format `format`,
/// part by part as IAM compares ARNs (a `*` does not cross the colons between the first six
/// parts). Inside a part, a format variable matches a non-empty run without the character
/// that follows it in the format, and a variable that is the whole resource part takes no
/// `/`, as in the reference's own matching. `None` (use the reference's matching) for ARNs
/// that are not six parts, non-ASCII text or long parts.
fn segment_match(arn: &str, format: &str) -> Option<bool> {
    if !arn.is_ascii() || !format.is_ascii() {
        return None;
    }
    // Without `$` there is no variable whose colons could be taken for separators.
    let arn_parts = if arn.as_bytes().contains(&b'$') {
        <[&str; 6]>::try_from(split_arn(arn, 6)).ok()?
    } else {
        let parts = six_parts(arn);
        if parts.iter().any(Option::is_none) {
            return None;
        }
        parts.map(Option::unwrap_or_default)
    };
    for (k, (a, f)) in arn_parts.into_iter().zip(six_parts(format)).enumerate() {
        if !part_intersects(a, f?, k == 5)? {
            return Some(false);
        }
    }
    Some(true)
}

/// The parts of `text` that `text.splitn(6, ':')` gives, then `None`s.
fn six_parts(text: &str) -> [Option<&str>; 6] {
    let (found, count) = colons::<5>(text.as_bytes());
    let mut parts = [None; 6];
    let mut start = 0;
    for (part, &end) in parts.iter_mut().zip(found.iter().take(count)) {
        *part = text.get(start..end);
        start = end + 1;
    }
    if let Some(last) = parts.get_mut(count) {
        *last = text.get(start..);
    }
    parts
}

/// Longest part (in tokens) [`segment_match`] handles itself.
const MAX_PART: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum ArnTok {
    Lit(u8),
    Star,
    One,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FormatTok {
    Lit(u8),
    Star,
    Var(Option<u8>),
}

/// Whether an ARN part and a format part have a string in common; `None` when too long.
fn part_intersects(a: &str, f: &str, resource_part: bool) -> Option<bool> {
    // The usual cases without a search: equal text, a lone `*`, a lone format variable.
    if a == f || a == "*" {
        return Some(true);
    }
    let single_var = f.starts_with("${") && memchr::memchr(b'}', f.as_bytes()) == Some(f.len() - 1);
    if single_var && !resource_part {
        return Some(!a.is_empty());
    }
    if f.is_empty() && !a.as_bytes().contains(&b'$') {
        return Some(a.bytes().all(|b| b == b'*'));
    }
    let mut at = [ArnTok::Star; MAX_PART];
    let mut ft = [FormatTok::Star; MAX_PART];
    let na = arn_tokens(a, &mut at)?;
    let nf = format_tokens(f, single_var && resource_part, &mut ft)?;
    Some(intersects(at.get(..na)?, ft.get(..nf)?))
}

/// A part of a policy ARN as tokens: `*`, `?`, literals; a policy variable reads as `*`,
/// except `${*}`, `${?}` and `${$}`, which are the literal characters. Returns the count.
fn arn_tokens(part: &str, out: &mut [ArnTok; MAX_PART]) -> Option<usize> {
    let bytes = part.as_bytes();
    let mut n = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let tok = if b == b'$' && bytes.get(i + 1) == Some(&b'{') {
            match bytes
                .get(i..)
                .and_then(|r| r.iter().position(|&c| c == b'}'))
            {
                Some(end) => {
                    let name = bytes.get(i + 2..i + end).unwrap_or_default();
                    i += end + 1;
                    match name {
                        b"*" | b"?" | b"$" => ArnTok::Lit(name.first().copied().unwrap_or(b'$')),
                        _ => ArnTok::Star,
                    }
                }
                None => {
                    i += 1;
                    ArnTok::Lit(b)
                }
            }
        } else {
            i += 1;
            match b {
                b'*' => ArnTok::Star,
                b'?' => ArnTok::One,
                _ => ArnTok::Lit(b),
            }
        };
        if tok == ArnTok::Star && n > 0 && out.get(n - 1) == Some(&ArnTok::Star) {
            continue;
        }
        *out.get_mut(n)? = tok;
        n += 1;
    }
    Some(n)
}

/// A part of an ARN format as tokens; a variable excludes the literal that follows it (and
/// `/` when it is the whole resource part). Returns the count.
fn format_tokens(
    part: &str,
    whole_resource_var: bool,
    out: &mut [FormatTok; MAX_PART],
) -> Option<usize> {
    let bytes = part.as_bytes();
    let mut n = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let tok = if b == b'$' && bytes.get(i + 1) == Some(&b'{') {
            match bytes
                .get(i..)
                .and_then(|r| r.iter().position(|&c| c == b'}'))
            {
                Some(end) => {
                    i += end + 1;
                    FormatTok::Var(None)
                }
                None => {
                    i += 1;
                    FormatTok::Lit(b)
                }
            }
        } else {
            i += 1;
            if b == b'*' {
                FormatTok::Star
            } else {
                FormatTok::Lit(b)
            }
        };
        *out.get_mut(n)? = tok;
        n += 1;
    }
    let mut next_lit = None;
    for tok in out.iter_mut().take(n).rev() {
        match tok {
            FormatTok::Lit(c) => next_lit = Some(*c),
            FormatTok::Star => next_lit = None,
            FormatTok::Var(excluded) => {
                *excluded = next_lit;
                next_lit = None;
            }
        }
    }
    if whole_resource_var {
        if let Some(FormatTok::Var(excluded)) = out.get_mut(n.checked_sub(1)?) {
            *excluded = Some(b'/');
        }
    }
    Some(n)
}

/// Whether the languages of an ARN part and a format part intersect. A format literal at
/// either end can only be met by a literal or `?` of the ARN at the same end: such pairs are
/// settled first (most parts share a literal start such as `instance/`); a lone `*` or
/// variable left on one side is settled directly, and [`search`] has the rest.
fn intersects(mut arn: &[ArnTok], mut format: &[FormatTok]) -> bool {
    // One character each side, a format literal against an ARN literal or `?`.
    let single = |a: Option<&ArnTok>, f: Option<&FormatTok>| match (a, f) {
        (Some(ArnTok::Lit(c)), Some(FormatTok::Lit(d))) => Some(c.eq_ignore_ascii_case(d)),
        (Some(ArnTok::One), Some(FormatTok::Lit(_))) => Some(true),
        _ => None,
    };
    while let Some(meets) = single(arn.first(), format.first()) {
        if !meets {
            return false;
        }
        (arn, format) = (
            arn.get(1..).unwrap_or_default(),
            format.get(1..).unwrap_or_default(),
        );
    }
    while let Some(meets) = single(arn.last(), format.last()) {
        if !meets {
            return false;
        }
        (arn, format) = (
            arn.get(..arn.len() - 1).unwrap_or_default(),
            format.get(..format.len() - 1).unwrap_or_default(),
        );
    }
    // What is left is often a lone token on one side.
    match (arn, format) {
        ([ArnTok::Star], _) | (_, [FormatTok::Star]) => true,
        (_, []) => arn.iter().all(|t| *t == ArnTok::Star),
        (_, [FormatTok::Var(excluded)]) => {
            !arn.is_empty()
                && arn.iter().all(|t| match t {
                    ArnTok::Lit(c) => *excluded != Some(*c),
                    ArnTok::Star | ArnTok::One => true,
                })
        }
        _ => search(arn, format),
    }
}

/// Whether the languages of an ARN part and a format part intersect: a forward search over
/// states (ARN position, format position, inside a variable), one ARN position at a time,
/// visiting only the states that can be reached. Everything is on the stack.
fn search(arn: &[ArnTok], format: &[FormatTok]) -> bool {
    const STATES: usize = (MAX_PART + 1) * 2;
    struct Row {
        seen: [bool; STATES],
        list: [(u8, bool); STATES],
        len: usize,
    }
    impl Row {
        fn new() -> Self {
            Row {
                seen: [false; STATES],
                list: [(0, false); STATES],
                len: 0,
            }
        }
        fn visit(&mut self, j: usize, v: bool) {
            let Some(slot) = self.seen.get_mut(j * 2 + usize::from(v)) else {
                return;
            };
            if *slot {
                return;
            }
            *slot = true;
            if let (Some(entry), Ok(j)) = (self.list.get_mut(self.len), u8::try_from(j)) {
                *entry = (j, v);
                self.len += 1;
            }
        }
        fn clear(&mut self) {
            for &(j, v) in self.list.iter().take(self.len) {
                if let Some(slot) = self.seen.get_mut(usize::from(j) * 2 + usize::from(v)) {
                    *slot = false;
                }
            }
            self.len = 0;
        }
    }
    let mut cur = Row::new();
    let mut next = Row::new();
    cur.visit(0, false);
    for pos in 0..=arn.len() {
        let at = arn.get(pos).copied();
        let mut visited = 0;
        while visited < cur.len {
            let Some(&(j, v)) = cur.list.get(visited) else {
                break;
            };
            visited += 1;
            let j = usize::from(j);
            if at.is_none() && j == format.len() {
                return true;
            }
            let ft = format.get(j).copied();
            // Steps over nothing.
            if at == Some(ArnTok::Star) {
                next.visit(j, v);
            }
            match ft {
                Some(FormatTok::Star) => cur.visit(j + 1, false),
                Some(FormatTok::Var(_)) if v => cur.visit(j + 1, false),
                _ => {}
            }
            // One character on both sides.
            let (Some(at), Some(ft)) = (at, ft) else {
                continue;
            };
            let meets = match (at, ft) {
                (ArnTok::Lit(c), FormatTok::Lit(d)) => c.eq_ignore_ascii_case(&d),
                (ArnTok::Lit(c), FormatTok::Var(excluded)) => excluded != Some(c),
                (ArnTok::Lit(_), FormatTok::Star) | (ArnTok::Star | ArnTok::One, _) => true,
            };
            if !meets {
                continue;
            }
            let (nj, nv) = match ft {
                FormatTok::Lit(_) => (j + 1, false),
                FormatTok::Star => (j, false),
                FormatTok::Var(_) => (j, true),
            };
            if at == ArnTok::Star {
                cur.visit(nj, nv);
            } else {
                next.visit(nj, nv);
            }
        }
        if next.len == 0 {
            return false;
        }
        std::mem::swap(&mut cur, &mut next);
        next.clear();
    }
    false
}

/// Whether the reference data is known to be incomplete for the action: tagging actions,
/// which apply to more resource types than the reference lists, and the actions of
/// `elasticloadbalancing`, a prefix that Classic and v2 load balancers share while the
/// reference keeps the resource types of one.
fn unreliable(action: &Action<'_>) -> bool {
    const TAGGING: [&str; 9] = [
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
        "AddTags",
        "RemoveTags",
        "CreateTags",
        "DeleteTags",
        "AddTagsToResource",
        "RemoveTagsFromResource",
    ];
    action.service().prefix() == "elasticloadbalancing"
        || TAGGING
            .iter()
            .any(|t| action.name().eq_ignore_ascii_case(t))
}

/// Whether the action is authorized only on resource types of other services
/// (`wafv2:DisassociateWebACL` on a load balancer): the reference data is too uncertain
/// there to judge.
pub(crate) fn only_foreign_types(action: &Action<'_>) -> bool {
    let prefix = action.service().prefix();
    !action.resource_types().any(|rt| {
        rt.resource_type()
            .arn_format()
            .split(':')
            .nth(2)
            .is_some_and(|s| s.eq_ignore_ascii_case(prefix))
    })
}

/// Whether the reference knows a resource type for the ARN, cached per thread: the same
/// ARNs recur across statements and policies.
fn is_known_arn(data: &'static ServiceRef, arn: &str) -> bool {
    thread_local! {
        static CACHE: RefCell<FastMap<Box<str>, bool>> = RefCell::new(FastMap::default());
    }
    CACHE.with(|cache| {
        if let Some(found) = cache.borrow().get(arn) {
            return *found;
        }
        // The ARN's own service first, with the cheap test before each full match; the
        // whole reference (slow) only for ARNs whose service part names no service.
        let service = arn.split(':').nth(2).and_then(|s| data.service(s));
        let known = match service {
            Some(service) => {
                let quick = Quick::arn(arn);
                service.resource_types().any(|rt| {
                    quick.may_match(&Quick::format(rt.arn_format())) && format_matches(rt, arn)
                })
            }
            None => !data.resource_types_for_arn(arn).is_empty(),
        };
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(arn.into(), known);
        known
    })
}

/// Most distinct ARNs kept per thread.
const CACHE_LIMIT: usize = 50_000;

/// Whether the ARN names its service literally (no wildcard or variable there): others could
/// be of any type, and matching them against every format is slow and says nothing certain.
fn has_literal_service(arn: &str) -> bool {
    let bytes = arn.as_bytes();
    let ([first, second, third], 3) = colons::<3>(bytes) else {
        return false;
    };
    bytes.get(..first) == Some(b"arn")
        && bytes.get(second + 1..third).is_some_and(|service| {
            !service.is_empty() && !service.iter().any(|b| matches!(b, b'*' | b'?' | b'$'))
        })
}

#[cfg(test)]
mod tests {
    use super::{intersects, search, segment_match, ArnTok, FormatTok};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]
        #[test]
        fn shortcuts_agree_with_the_search(
            arn in proptest::collection::vec(0u8..6, 0..8),
            format in proptest::collection::vec(0u8..7, 0..6),
        ) {
            let arn: Vec<ArnTok> = arn
                .iter()
                .map(|&t| match t {
                    0 => ArnTok::Star,
                    1 => ArnTok::One,
                    2 => ArnTok::Lit(b'a'),
                    3 => ArnTok::Lit(b'A'),
                    4 => ArnTok::Lit(b'/'),
                    _ => ArnTok::Lit(b'b'),
                })
                .collect();
            let format: Vec<FormatTok> = format
                .iter()
                .map(|&t| match t {
                    0 => FormatTok::Star,
                    1 => FormatTok::Var(None),
                    2 => FormatTok::Var(Some(b'/')),
                    3 => FormatTok::Var(Some(b'a')),
                    4 => FormatTok::Lit(b'a'),
                    5 => FormatTok::Lit(b'/'),
                    _ => FormatTok::Lit(b'b'),
                })
                .collect();
            prop_assert_eq!(intersects(&arn, &format), search(&arn, &format));
        }
    }

    #[test]
    fn parts_match_as_iam_compares_them() {
        let bucket = "arn:${Partition}:s3:::${BucketName}";
        let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
        let m = |a: &str, f: &str| segment_match(a, f).unwrap();
        assert!(m("arn:aws:s3:::b", bucket));
        assert!(!m("arn:aws:s3:::b", object));
        assert!(!m("arn:aws:s3:::b/*", bucket));
        assert!(m("arn:aws:s3:::b/*", object));
        assert!(m("arn:aws:s3:::*", bucket));
        assert!(m("arn:aws:s3:::*", object));
        assert!(!m("arn:aws:s3:us-east-1::b", bucket));
        assert!(m("arn:aws:s3:::b/${aws:username}/x", object));
        assert!(!m("arn:aws:s3:::", bucket));
        let role = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
        assert!(m("arn:aws:iam::*:role/a/b", role));
        assert!(!m("arn:aws:iam::*:user/a", role));
        // A `*` does not cross the colons between parts.
        let app = "arn:${Partition}:sagemaker:${Region}:${Account}:app/${DomainId}/${UserProfileName}/${AppType}/${AppName}";
        assert!(!m("arn:aws:sagemaker:*:*:endpoint/*", app));
        assert!(m("arn:aws:sagemaker:*:*:app/*", app));
        let health = "arn:${Partition}:health:*::event/${Service}/${EventTypeCode}/*";
        assert!(m("arn:aws:health:us-east-1::event/EC2/X/y", health));
        assert!(!m("arn:aws:health:us-east-1::event/EC2", health));
        assert!(m("arn:aws:health:?????????::event/a/b/c", health));
        assert_eq!(segment_match("arn:aws:s3", bucket), None);
    }
}
