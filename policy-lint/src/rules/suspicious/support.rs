//! Helpers shared by the suspicious, suggestion and later correctness rules: pattern
//! inclusion, condition look-ups, and the edits that remove one item of a JSON list.

use std::borrow::Cow;
use std::cell::OnceCell;

use policy_core::ast::{ConditionKeyValues, ConditionValue, Node, OperatorBase, Statement};
use policy_core::Span;

use crate::finding::Edit;

mod cover_index;

pub(crate) use cover_index::CoverIndex;

/// Whether the byte is an IAM wildcard (`*` or `?`).
fn is_glob_byte(b: u8) -> bool {
    b == b'*' || b == b'?'
}

/// Whether the text has an IAM wildcard (`*` or `?`), looked for eight bytes at a time.
pub(crate) fn has_glob(text: &str) -> bool {
    let mut words = text.as_bytes().chunks_exact(8);
    for word in words.by_ref() {
        let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        if has_byte(word, b'*') || has_byte(word, b'?') {
            return true;
        }
    }
    words.remainder().iter().any(|&b| is_glob_byte(b))
}

/// A byte in each lane of a word.
const LANES: u64 = 0x0101_0101_0101_0101;
/// The high bit of each lane.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at `at`, if there are eight.
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..at.checked_add(8)?)?;
    <[u8; 8]>::try_from(chunk).ok().map(u64::from_le_bytes)
}

/// The high bit of each byte of the word that is `b` (exact for the lowest such byte;
/// a borrow may also flag bytes above it).
fn bytes_equal_to(word: u64, b: u8) -> u64 {
    let x = word ^ (LANES * u64::from(b));
    x.wrapping_sub(LANES) & !x & HIGH
}

/// Whether a byte of the word is `b`.
fn has_byte(word: u64, b: u8) -> bool {
    bytes_equal_to(word, b) != 0
}

/// The high bit of exactly each byte of the word that is `b`.
fn each_byte_equal_to(word: u64, b: u8) -> u64 {
    let x = word ^ (LANES * u64::from(b));
    !((((x & !HIGH) + !HIGH) | x) | !HIGH)
}

/// Where the first `N` colons of `text` are, and how many of them there are, found eight
/// bytes at a time.
pub(crate) fn colons<const N: usize>(text: &[u8]) -> ([usize; N], usize) {
    let mut found = [0usize; N];
    let mut count = 0;
    let mut at = 0;
    while count < N {
        let Some(word) = word_at(text, at) else {
            break;
        };
        let mut colons = each_byte_equal_to(word, b':');
        while colons != 0 && count < N {
            if let Some(slot) = found.get_mut(count) {
                *slot = at + (colons.trailing_zeros() / 8) as usize;
            }
            count += 1;
            colons &= colons - 1;
        }
        at += 8;
    }
    for (k, &b) in text.iter().enumerate().skip(at) {
        if count == N {
            break;
        }
        if b == b':' {
            if let Some(slot) = found.get_mut(count) {
                *slot = k;
            }
            count += 1;
        }
    }
    (found, count)
}

/// The first eight bytes of `bytes` (zeros past its end) in one word, ASCII capitals
/// lower-cased: equal keys and lengths up to eight mean equal strings up to case.
pub(crate) fn folded_head(bytes: &[u8]) -> u64 {
    let word = word_at(bytes, 0).unwrap_or_else(|| {
        bytes
            .iter()
            .rev()
            .fold(0u64, |w, &b| (w << 8) | u64::from(b))
    });
    lower_word(word)
}

/// Whether two byte strings are equal ignoring ASCII case, compared eight bytes at a time.
pub(crate) fn eq_fold(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut at = 0;
    while let (Some(x), Some(y)) = (word_at(a, at), word_at(b, at)) {
        if lower_word(x) != lower_word(y) {
            return false;
        }
        at += 8;
    }
    a.iter()
        .zip(b)
        .skip(at)
        .all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// The word with its ASCII capitals lower-cased, as `u8::to_ascii_lowercase` does byte by
/// byte.
fn lower_word(word: u64) -> u64 {
    let low7 = word & !HIGH;
    let from_a = low7 + LANES * u64::from(0x80 - b'A');
    let past_z = low7 + LANES * u64::from(0x80 - b'Z' - 1);
    let capital = from_a & !past_z & !word & HIGH;
    word | (capital >> 2)
}

/// Whether two byte strings are equal, ignoring ASCII case when asked.
fn same_bytes(a: &[u8], b: &[u8], ignore_case: bool) -> bool {
    if ignore_case {
        eq_fold(a, b)
    } else {
        a == b
    }
}

/// How the literal head of the glob `outer`, up to its first wildcard, starts `inner`.
enum Head {
    /// It does not: `outer` covers nothing `inner` matches.
    Differs,
    /// `outer` has no wildcard and `inner` equals it (so has none either).
    Equal,
    /// `inner` starts with the head, which ends at this wildcard of `outer`.
    Wildcard(usize),
}

/// Compares the literal head of `outer` with the start of `inner`, in one pass that stops
/// at the first difference (most pairs differ early).
fn match_head<const FOLD: bool>(outer: &[u8], inner: &[u8]) -> Head {
    // Eight bytes at a time while `outer` has no wildcard there, then byte by byte.
    let mut start = 0;
    while let (Some(o), Some(i)) = (word_at(outer, start), word_at(inner, start)) {
        if has_byte(o, b'*') || has_byte(o, b'?') {
            break;
        }
        let same = if FOLD {
            lower_word(o) == lower_word(i)
        } else {
            o == i
        };
        if !same {
            return Head::Differs;
        }
        start += 8;
    }
    for (k, &o) in outer.iter().enumerate().skip(start) {
        if is_glob_byte(o) {
            return Head::Wildcard(k);
        }
        let same = inner.get(k).is_some_and(|&i| {
            if FOLD {
                o.eq_ignore_ascii_case(&i)
            } else {
                o == i
            }
        });
        if !same {
            return Head::Differs;
        }
    }
    if inner.len() == outer.len() {
        Head::Equal
    } else {
        Head::Differs
    }
}

/// Whether the IAM glob `outer` matches every string the glob `inner` matches (`*` any run,
/// `?` one character). Sound, not complete: `true` is always right; a `*` or `?` of `inner`
/// is only covered by a wildcard of `outer`.
pub(crate) fn glob_covers(outer: &str, inner: &str, ignore_case: bool) -> bool {
    if outer == inner || (outer == "*") {
        return true;
    }
    let (o, i) = (outer.as_bytes(), inner.as_bytes());
    let head = if ignore_case {
        match_head::<true>(o, i)
    } else {
        match_head::<false>(o, i)
    };
    match head {
        Head::Differs => false,
        Head::Equal => true,
        Head::Wildcard(at) => covers_after_head(outer, inner, at, ignore_case),
    }
}

/// [`glob_covers`] once `inner` is known to start with the literal head of `outer`, which
/// ends at the wildcard at byte `at` of `outer`.
fn covers_after_head(outer: &str, inner: &str, at: usize, ignore_case: bool) -> bool {
    let (o, i) = (outer.as_bytes(), inner.as_bytes());
    // A head and one final `*` (`s3:Get*`): there is nothing more to match.
    if at + 1 == o.len() && o.last() == Some(&b'*') {
        return true;
    }
    if outer.is_ascii() && inner.is_ascii() {
        // Cheap rejection: the literal tail of `outer` must end `inner`.
        let tail = o.len()
            - o.iter()
                .rposition(|&b| is_glob_byte(b))
                .map_or(0, |k| k + 1);
        let tail_ok = i
            .len()
            .checked_sub(tail)
            .and_then(|start| i.get(start..))
            .zip(o.get(o.len() - tail..))
            .is_some_and(|(i, o)| same_bytes(i, o, ignore_case));
        tail_ok && covers_slices(o, i, ignore_case)
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

/// Whether `outer` covers `inner`, read as a glob match of `outer` against the characters of
/// `inner` where a `*` of `outer` takes any run of them (wildcards included), a `?` any one
/// but `*`, and a literal an equal literal. Each `*` takes as little as it can, growing when
/// what follows fails (linear backtracking to the last `*`, as in plain glob matching, which
/// settles the same question as the table of every pair of positions, without one).
fn covers_slices<C: GlobChar>(outer: &[C], inner: &[C], ignore_case: bool) -> bool {
    let (mut o, mut i) = (0, 0);
    // After the last `*` of `outer` met: where `outer` resumes, and where `inner` then did.
    let mut star: Option<(usize, usize)> = None;
    loop {
        match outer.get(o) {
            Some(&p) if p.is_star() => {
                o += 1;
                star = Some((o, i));
                continue;
            }
            Some(&p) => {
                if let Some(&t) = inner.get(i) {
                    if !t.is_star() && (p.is_any() || (!t.is_any() && p.same(t, ignore_case))) {
                        o += 1;
                        i += 1;
                        continue;
                    }
                }
            }
            None if i == inner.len() => return true,
            None => {}
        }
        // A mismatch: the last `*` takes one more character, and `outer` resumes after it.
        match star {
            Some((after, taken)) if taken < inner.len() => {
                star = Some((after, taken + 1));
                o = after;
                i = taken + 1;
            }
            _ => return false,
        }
    }
}

/// Whether the action pattern `outer` matches every action `inner` matches (IAM action names
/// ignore case).
pub(crate) fn action_covers(outer: &str, inner: &str) -> bool {
    // The literal head of `outer`, up to its first wildcard, must start `inner`: this settles
    // most pairs in a few instructions.
    match match_head::<true>(outer.as_bytes(), inner.as_bytes()) {
        Head::Differs => false,
        Head::Equal => true,
        Head::Wildcard(at) => covers_after_head(outer, inner, at, true),
    }
}

/// The service prefix of an action pattern, when it is literal (the text before the first
/// `:`, unless a wildcard comes first or there is no `:`), with a hash of it that ignores
/// ASCII case. The first eight bytes are searched at once, as most prefixes end there.
pub(crate) fn action_service(text: &str) -> Option<(&str, u64)> {
    let bytes = text.as_bytes();
    // Where the prefix ends, and its first eight bytes (fewer when it is shorter).
    let (end, head) = match word_at(bytes, 0) {
        Some(word) => {
            let colon = bytes_equal_to(word, b':');
            let wild = bytes_equal_to(word, b'*') | bytes_equal_to(word, b'?');
            // The lowest flagged byte is exact, and `trailing_zeros` of 0 is 64.
            if colon.trailing_zeros() < wild.trailing_zeros() {
                let end = (colon.trailing_zeros() / 8) as usize;
                (end, word & low_bytes(end))
            } else if wild != 0 {
                return None;
            } else {
                let rest = bytes.get(8..)?;
                (
                    8 + rest.iter().position(|&b| b == b':' || is_glob_byte(b))?,
                    word,
                )
            }
        }
        None => {
            let end = bytes.iter().position(|&b| b == b':' || is_glob_byte(b))?;
            let head = bytes.iter().take(end).rev();
            (end, head.fold(0u64, |w, &b| (w << 8) | u64::from(b)))
        }
    };
    if bytes.get(end) != Some(&b':') {
        return None;
    }
    // The length and first eight bytes, ASCII case ignored: services that share those hash
    // alike, and are told apart by comparing them.
    let folded = head | (0x2020_2020_2020_2020 & low_bytes(end));
    let hash = finish_hash(((end as u64).rotate_left(5) ^ folded).wrapping_mul(MIX));
    Some((text.get(..end)?, hash))
}

/// A mask of the low `n` bytes of a word (all of them from eight on).
pub(crate) fn low_bytes(n: usize) -> u64 {
    if n >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    }
}

/// The `arn:partition:service` head of an ARN pattern, when it is literal (`None` for
/// patterns of fewer than three colons or with a wildcard or `$` in the head), with its
/// [`fold_hash`].
pub(crate) fn resource_head(text: &str) -> Option<(&str, u64)> {
    let mut colons = 0;
    for (k, &b) in text.as_bytes().iter().enumerate() {
        match b {
            b':' => {
                colons += 1;
                if colons == 3 {
                    return text.get(..k).map(|head| (head, fold_hash(head)));
                }
            }
            b'*' | b'?' | b'$' => return None,
            _ => {}
        }
    }
    None
}

/// The multiplier of [`mix_bytes`] (the golden ratio in 64 bits).
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

/// Mixes the bytes into `h` eight at a time (a multiplication per word where FNV takes one
/// per byte), each word OR-ed with `or` (`0x20` in every byte ignores ASCII case).
fn mix_bytes(mut h: u64, bytes: &[u8], or: u64) -> u64 {
    let mut words = bytes.chunks_exact(8);
    for word in words.by_ref() {
        let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
        h = (h.rotate_left(5) ^ (word | or)).wrapping_mul(MIX);
    }
    let rest = words.remainder();
    if rest.is_empty() {
        return h;
    }
    let word = rest
        .iter()
        .rev()
        .fold(0u64, |w, &b| (w << 8) | u64::from(b));
    (h.rotate_left(5) ^ (word | (or >> (8 * (8 - rest.len()))))).wrapping_mul(MIX)
}

/// Spreads the high bits of a hash over the low ones (tables index by the low bits).
fn finish_hash(h: u64) -> u64 {
    let h = (h ^ (h >> 32)).wrapping_mul(MIX);
    h ^ (h >> 29)
}

/// A hash of a name that ignores ASCII case (names equal up to case hash alike).
pub(crate) fn fold_hash(text: &str) -> u64 {
    finish_hash(mix_bytes(
        text.len() as u64,
        text.as_bytes(),
        0x2020_2020_2020_2020,
    ))
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
    /// How many of the first five parts end within `head` (a pattern that `inner` starts
    /// with has the same text there).
    literal_parts: usize,
    /// The literal start of the resource part, and whether a single final `*` follows it.
    rest_head: &'a str,
    rest_star: bool,
    /// The first eight bytes of the resource part (zeros past its end).
    rest_word: u64,
}

impl<'a> ArnPattern<'a> {
    /// Splits a pattern.
    pub(crate) fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let first = memchr::memchr2(b'*', b'?', bytes);
        let variable = memchr::memchr_iter(b'$', bytes).any(|k| bytes.get(k + 1) == Some(&b'{'));
        // Where each of the first five parts ends: at a colon, the last one at the end.
        let (colons, found) = colons::<5>(bytes);
        let parts = (found == 5).then(|| {
            let mut start = 0;
            let mut parts = [""; 6];
            for (part, &end) in parts.iter_mut().zip(colons.iter().chain([&text.len()])) {
                *part = text.get(start..end).unwrap_or_default();
                start = end + 1;
            }
            parts
        });
        let head_len = first.unwrap_or(text.len());
        let rest = parts.and_then(|p| p.last().copied()).unwrap_or_default();
        // The resource part's first wildcard: the text's, when that is in the resource part.
        let rest_start = text.len() - rest.len();
        let rest_wild = match first {
            Some(k) if k >= rest_start => Some(k - rest_start),
            _ => memchr::memchr2(b'*', b'?', rest.as_bytes()),
        };
        ArnPattern {
            text,
            head: text.get(..head_len).unwrap_or(text),
            wild: first.is_some(),
            variable,
            parts,
            literal_parts: colons.iter().take(found).filter(|&&e| e < head_len).count(),
            rest_head: rest_wild.and_then(|k| rest.get(..k)).unwrap_or(rest),
            rest_star: rest_wild.is_some_and(|k| k + 1 == rest.len() && rest.ends_with('*')),
            rest_word: word_at(rest.as_bytes(), 0).unwrap_or_else(|| {
                rest.bytes()
                    .rev()
                    .fold(0u64, |w, b| (w << 8) | u64::from(b))
            }),
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
        // Part by part, the literal start of our resource part must start theirs: its first
        // eight bytes at least, compared at once.
        let n = self.rest_head.len();
        if self.parts.is_some()
            && inner.parts.is_some()
            && (inner.rest_word ^ self.rest_word) & low_bytes(n) != 0
        {
            return false;
        }
        // The literal head must start `inner` (cheap, and most pairs fail here).
        if !inner.text.starts_with(self.head) {
            return false;
        }
        match (&self.parts, &inner.parts) {
            (Some(o), Some(i)) => {
                // The resource parts first: they differ most often. The parts within the
                // head are equal.
                let (Some(o_rest), Some(i_rest)) = (o.last(), i.last()) else {
                    return false;
                };
                // The literal start of ours must start theirs; then a final `*` covers all.
                i_rest.starts_with(self.rest_head)
                    && (self.rest_star || glob_covers(o_rest, i_rest, false))
                    && o.iter()
                        .zip(i)
                        .take(5)
                        .skip(self.literal_parts)
                        .all(|(o, i)| glob_covers(o, i, false))
            }
            // A pattern of fewer parts is matched as one glob, which is looser than part by
            // part.
            (None, _) => glob_covers(self.text, inner.text, false),
            (Some(_), None) => false,
        }
    }
}

/// A statement prepared for many coverage tests: its reach, whether it lists `*`, the hash
/// of each action's service, and (made on first use, as most pairs of statements are told
/// apart before) its resource patterns.
#[derive(Debug)]
pub(crate) struct Covering<'a> {
    statement: &'a Statement,
    reach: Reach,
    /// Whether an `Action` (or `NotAction`) item is `*`.
    any_action: bool,
    /// Whether a `Resource` (or `NotResource`) item is `*`.
    any_resource: bool,
    /// The hash of each action's literal service prefix ([`action_service`]).
    action_services: Vec<Option<u64>>,
    resources: OnceCell<Vec<ArnPattern<'a>>>,
}

impl<'a> Covering<'a> {
    /// Prepares a statement.
    pub(crate) fn of(statement: &'a Statement) -> Self {
        let mut reach = Reach::default();
        let mut any_action = false;
        let action_services: Vec<Option<u64>> = statement
            .actions()
            .iter()
            .map(|a| {
                any_action |= a.node == "*";
                let service = action_service(&a.node).map(|(_, h)| h);
                match service {
                    Some(h) => reach.action_services |= Reach::bit(h),
                    None => reach.any_action_service = true,
                }
                service
            })
            .collect();
        let mut any_resource = false;
        for r in statement.resources() {
            any_resource |= r.node == "*";
            match resource_head(&r.node) {
                Some((_, h)) => reach.resource_heads |= Reach::bit(h),
                None => reach.any_resource_head = true,
            }
        }
        Covering {
            statement,
            reach,
            any_action,
            any_resource,
            action_services,
            resources: OnceCell::new(),
        }
    }

    /// The statement.
    pub(crate) fn statement(&self) -> &'a Statement {
        self.statement
    }

    fn resources(&self) -> &[ArnPattern<'a>] {
        self.resources.get_or_init(|| {
            self.statement
                .resources()
                .iter()
                .map(|r| ArnPattern::new(&r.node))
                .collect()
        })
    }

    /// Whether this statement, which must have no condition, matches every request that
    /// `inner` matches (whatever `inner`'s conditions). Sound, not complete: `NotAction` and
    /// `NotResource` are covered only by `*`, and principals only by an equal element or
    /// `"Principal": "*"`.
    #[inline]
    pub(crate) fn covers(&self, inner: &Covering<'_>) -> bool {
        // The cheap test here, where the caller's loop can inline it: most pairs end there.
        self.statement.condition.is_none()
            && self.reach.may_cover(&inner.reach)
            && self.covers_within_reach(inner)
    }

    /// [`Covering::covers`] past the test of the reach.
    fn covers_within_reach(&self, inner: &Covering<'_>) -> bool {
        let (outer, inner_st) = (self.statement, inner.statement);
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
                self.any_resource
                    || (!i.negated && {
                        let outers = self.resources();
                        inner
                            .resources()
                            .iter()
                            .all(|i| outers.iter().any(|o| o.covers(i)))
                    })
            }
            _ => false,
        };
        if !resources {
            return false;
        }
        match (&outer.action, &inner_st.action) {
            (Some(o), Some(i)) if !o.negated => {
                self.any_action
                    || (!i.negated && {
                        // An action with a literal service covers only actions of that
                        // service: comparing the hashes first skips the others.
                        let outers = o.items.iter().zip(&self.action_services);
                        i.items.iter().zip(&inner.action_services).all(|(i, is)| {
                            outers.clone().any(|(o, os)| {
                                (os.is_none() || os == is) && action_covers(&o.node, &i.node)
                            })
                        })
                    })
            }
            _ => false,
        }
    }
}

/// What a statement's actions and resources could cover, for a cheap first test before
/// [`Covering::covers`]: one bit per hash of the service prefixes of its actions (case
/// ignored) and of the `arn:partition:service` heads of its resources, with whether some
/// item has a wildcard there (and so could cover other services). A hash collision only
/// makes the test pass where it could have failed.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Reach {
    action_services: u64,
    any_action_service: bool,
    resource_heads: u64,
    any_resource_head: bool,
}

/// A hash map for the rules' small caches of short strings and pointers, with the lint's
/// fast hasher (no protection against chosen keys, which these caches do not need).
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, crate::support::matching::FxBuild>;

impl Reach {
    /// The bit of a hash in a set of 64.
    fn bit(hash: u64) -> u64 {
        1 << (hash >> 58)
    }

    /// Whether a statement of this reach might cover one of `inner`'s reach: every service
    /// and resource head of `inner` is one of ours, unless we have wildcards there.
    #[inline]
    pub(crate) fn may_cover(&self, inner: &Reach) -> bool {
        (self.any_action_service
            || (!inner.any_action_service && inner.action_services & !self.action_services == 0))
            && (self.any_resource_head
                || (!inner.any_resource_head && inner.resource_heads & !self.resource_heads == 0))
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
pub(crate) mod tests {
    use super::*;

    use proptest::prelude::{prop, Strategy};
    use serde_json::{json, Value};

    /// Action items that cover one another in many ways (case, `?`, `*` in the service).
    const ACTIONS: &[&str] = &[
        "s3:GetObject",
        "S3:getobject",
        "s3:Get*",
        "s3:*",
        "*",
        "s3:Get?bject",
        "s3:PutObject",
        "s3:*Object",
        "*:Get*",
        "ec2:*",
        "ec2:DescribeInstances",
    ];

    /// Resource items likewise (case kept, parts, variables).
    const RESOURCES: &[&str] = &[
        "*",
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::b/x",
        "arn:aws:s3:::B/x",
        "arn:aws:s3:::*",
        "arn:aws:s3:::b/${aws:username}",
        "arn:aws:*",
        "arn:aws:s3:::b/?",
        "arn:aws:ec2:us-east-1:111122223333:instance/*",
        "arn:aws:ec2:*:111122223333:instance/i-1",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    ];

    /// An element: absent, a list of items (maybe empty) or one string, or its `Not` form.
    fn element(
        name: &'static str,
        pool: &'static [&'static str],
    ) -> impl Strategy<Value = Option<(String, Value)>> {
        let items = prop::collection::vec(prop::sample::select(pool), 0..4);
        (0..6u8, items).prop_map(move |(shape, items)| {
            let list = Value::from(items.clone());
            let one = Value::from(items.first().copied().unwrap_or("*"));
            match shape {
                0 => None,
                1 => Some((format!("Not{name}"), list)),
                2 => Some((name.to_string(), one)),
                _ => Some((name.to_string(), list)),
            }
        })
    }

    /// A small random policy: statements of either effect (or none), with or without a
    /// condition, `Action`/`NotAction`, `Resource`/`NotResource` and principals, as
    /// [`Covering`] and the rules that use it see them.
    pub(crate) fn random_policy() -> impl Strategy<Value = policy_core::ast::Policy> {
        let principal = prop::sample::select(vec![
            None,
            Some(("Principal", json!("*"))),
            Some(("Principal", json!({"AWS": "111122223333"}))),
            Some((
                "Principal",
                json!({"AWS": ["111122223333", "arn:aws:iam::111122223333:root"]}),
            )),
            Some(("NotPrincipal", json!({"AWS": "111122223333"}))),
        ]);
        let statement = (
            prop::sample::select(vec!["Allow", "Allow", "Deny", "Deny", "Maybe"]),
            proptest::bool::weighted(0.3),
            element("Action", ACTIONS),
            element("Resource", RESOURCES),
            principal,
        )
            .prop_map(|(effect, condition, action, resource, principal)| {
                let mut s = serde_json::Map::new();
                s.insert("Effect".into(), json!(effect));
                for (k, v) in [action, resource].into_iter().flatten() {
                    s.insert(k, v);
                }
                if let Some((k, v)) = principal {
                    s.insert(k.into(), v);
                }
                if condition {
                    s.insert(
                        "Condition".into(),
                        json!({"Bool": {"aws:SecureTransport": "true"}}),
                    );
                }
                Value::Object(s)
            });
        prop::collection::vec(statement, 0..9).prop_map(|statements| {
            let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
            let policy = policy_core::parse::parse_policy(&text, None).policy;
            policy.unwrap_or_else(|| panic!("{text} does not parse"))
        })
    }

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

    /// The inclusion test as a table of every pair of positions: `dp[i][j]` says whether
    /// `outer[i..]` covers `inner[j..]`.
    fn covers_by_table(outer: &str, inner: &str, ignore_case: bool) -> bool {
        let (o, i): (Vec<char>, Vec<char>) = (outer.chars().collect(), inner.chars().collect());
        let mut dp = vec![vec![false; i.len() + 1]; o.len() + 1];
        dp[o.len()][i.len()] = true;
        for a in (0..o.len()).rev() {
            for b in (0..=i.len()).rev() {
                let p = o[a];
                dp[a][b] = if p == '*' {
                    dp[a + 1][b] || (b < i.len() && dp[a][b + 1])
                } else {
                    match i.get(b) {
                        None | Some('*') => false,
                        Some(_) if p == '?' => dp[a + 1][b + 1],
                        Some(&t) => t != '?' && p.same(t, ignore_case) && dp[a + 1][b + 1],
                    }
                };
            }
        }
        dp[0][0]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        #[test]
        fn glob_inclusion_agrees_with_the_table(
            head in "[abAB@`:]{0,10}[abAB@`:*?]{0,6}",
            flips in proptest::collection::vec(proptest::bool::ANY, 12),
            outer_tail in "[aA*?é]{0,4}",
            inner_tail in "[aAb:/*?é]{0,4}",
            ignore_case: bool,
        ) {
            // Pairs that share a head up to case, so that long heads get compared.
            let flipped: String = head
                .chars()
                .zip(flips.iter().chain(std::iter::repeat(&false)))
                .map(|(c, &flip)| if flip { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                .collect();
            let (outer, inner) = (head + &outer_tail, flipped + &inner_tail);
            for (outer, inner) in [(&outer, &inner), (&inner, &outer)] {
                proptest::prop_assert_eq!(
                    glob_covers(outer, inner, ignore_case),
                    covers_by_table(outer, inner, ignore_case)
                );
                proptest::prop_assert_eq!(
                    action_covers(outer, inner),
                    covers_by_table(outer, inner, true)
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn services_are_found_and_hashed_without_case(
            text in "[sSeE3c2:*?é-]{0,14}",
            flips in proptest::collection::vec(proptest::bool::ANY, 14),
        ) {
            let expected = text.split_once(':').map(|(p, _)| p).filter(|p| !p.contains(['*', '?']));
            let found = action_service(&text);
            proptest::prop_assert_eq!(found.map(|(s, _)| s), expected);
            let flipped: String = text
                .chars()
                .zip(flips.iter().chain(std::iter::repeat(&false)))
                .map(|(c, &flip)| if flip { c.to_ascii_uppercase() } else { c })
                .collect();
            proptest::prop_assert_eq!(action_service(&flipped).map(|(_, h)| h), found.map(|(_, h)| h));
        }
    }

    proptest::proptest! {
        #[test]
        fn colons_and_folded_equality_agree_with_the_plain_ones(
            a in "[a:A:b?]{0,30}",
            b in "[a:A:b?]{0,30}",
        ) {
            let (found, count) = colons::<5>(a.as_bytes());
            let expected: Vec<usize> = a.match_indices(':').map(|(i, _)| i).take(5).collect();
            proptest::prop_assert_eq!(found.get(..count).unwrap(), &expected[..]);
            proptest::prop_assert_eq!(eq_fold(a.as_bytes(), b.as_bytes()), a.eq_ignore_ascii_case(&b));
            let upper = a.to_ascii_uppercase();
            proptest::prop_assert!(eq_fold(a.as_bytes(), upper.as_bytes()));
        }
    }

    #[test]
    fn words_fold_like_bytes() {
        let bytes: Vec<u8> = (0..=255).collect();
        for chunk in bytes.chunks(8) {
            let word = word_at(chunk, 0).unwrap();
            let lower: Vec<u8> = chunk.iter().map(u8::to_ascii_lowercase).collect();
            assert_eq!(lower_word(word), word_at(&lower, 0).unwrap());
            for b in [b'*', b'?', 0, 255] {
                assert_eq!(has_byte(word, b), chunk.contains(&b));
            }
        }
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
