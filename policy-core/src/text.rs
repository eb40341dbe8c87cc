//! Small text helpers: edit distance for suggestions ("did you mean"), IAM globs, a
//! case-blind hash for name tables, and the bound on how much input a message quotes.

/// Levenshtein distance between two strings, by characters, ignoring ASCII case.
pub fn edit_distance(a: &str, b: &str) -> usize {
    edit_distance_within(a, b, usize::MAX).unwrap_or(usize::MAX)
}

/// Levenshtein distance between `a` and `b`, ignoring ASCII case; gives up (returns `None`)
/// as soon as the distance is certain to exceed `limit`.
pub fn edit_distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    // Length first: most candidates of a "did you mean" scan are ruled out here, cheaply.
    if a.is_ascii() && b.is_ascii() {
        if a.len().abs_diff(b.len()) > limit {
            return None;
        }
        if b.len() < SHORT {
            return ascii_distance_within(a.as_bytes(), b.as_bytes(), limit);
        }
    } else if a.chars().count().abs_diff(b.chars().count()) > limit {
        return None;
    }
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = Vec::with_capacity(b.len() + 1);
    for (i, ca) in a.chars().enumerate() {
        let ca = ca.to_ascii_lowercase();
        cur.clear();
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev
                .get(j)
                .map_or(usize::MAX, |d| d.saturating_add(usize::from(ca != *cb)));
            let delete = prev.get(j + 1).map_or(usize::MAX, |d| d.saturating_add(1));
            let insert = cur.last().map_or(usize::MAX, |d| d.saturating_add(1));
            cur.push(substitute.min(delete).min(insert));
        }
        if cur.iter().min().is_some_and(|&d| d > limit) {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().filter(|&d| d <= limit)
}

/// Names shorter than this (bytes) are compared without allocating.
const SHORT: usize = 128;

/// [`edit_distance_within`] of two ASCII strings, `b` shorter than [`SHORT`]: the same
/// dynamic programme over two rows kept on the stack ("did you mean" scans compare a name
/// with hundreds of candidates).
fn ascii_distance_within(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    let mut prev = [0usize; SHORT + 1];
    let mut cur = [0usize; SHORT + 1];
    let width = b.len() + 1;
    for (j, d) in prev.iter_mut().take(width).enumerate() {
        *d = j;
    }
    for (i, ca) in a.iter().enumerate() {
        let ca = ca.to_ascii_lowercase();
        let mut row_min = i + 1;
        let mut left = i + 1;
        if let Some(first) = cur.first_mut() {
            *first = left;
        }
        for (j, cb) in b.iter().enumerate() {
            let diagonal = prev.get(j).copied().unwrap_or(usize::MAX);
            let up = prev.get(j + 1).copied().unwrap_or(usize::MAX);
            let d = diagonal
                .saturating_add(usize::from(ca != cb.to_ascii_lowercase()))
                .min(up.saturating_add(1))
                .min(left.saturating_add(1));
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = d;
            }
            left = d;
            row_min = row_min.min(d);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.get(b.len()).copied().filter(|&d| d <= limit)
}

/// IAM glob match: `*` matches any run of characters (none included), `?` exactly one
/// character, anything else itself (ignoring ASCII case when asked). Linear backtracking to
/// the last `*`: no recursion, no allocation. (The build script keeps its own copy in
/// `service_ref/glob.rs`, which it compiles on its own.)
pub fn glob_matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let same = |p: char, t: char| {
        if ignore_case {
            p.eq_ignore_ascii_case(&t)
        } else {
            p == t
        }
    };
    let mut p = pattern.chars();
    let mut t = text.chars();
    // Pattern after the last `*`, and the text position that `*` has absorbed up to.
    let mut retry: Option<(std::str::Chars<'_>, std::str::Chars<'_>)> = None;
    loop {
        let mut t_next = t.clone();
        match (p.clone().next(), t_next.next()) {
            (Some('*'), _) => {
                p.next();
                retry = Some((p.clone(), t.clone()));
            }
            (Some(pc), Some(tc)) if pc == '?' || same(pc, tc) => {
                p.next();
                t = t_next;
            }
            (None, None) => return true,
            _ => match retry.as_mut() {
                Some((rp, rt)) => {
                    if rt.next().is_none() {
                        return false;
                    }
                    p = rp.clone();
                    t = rt.clone();
                }
                None => return false,
            },
        }
    }
}

/// Compares two strings by their lower-case bytes (the order the reference's lists are
/// sorted in, by `build.rs`).
#[must_use]
pub fn cmp_ci(a: &str, b: &str) -> std::cmp::Ordering {
    // A plain loop: this runs in binary searches on hot paths.
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

/// A hash of a name made of parts (`["s3", "GetObject"]`) that ignores ASCII case: the Fx
/// hash (rustc's) of the bytes with bit 5 set, eight at a time, each part ending with its
/// length. Setting bit 5 maps `A` and `a` to the same byte (and some punctuation together,
/// which a table's comparison sorts out). Eight bytes per multiply, where FNV takes one:
/// the reference's 22,091 action names hash in a fraction of the time.
#[must_use]
pub fn name_hash(parts: &[&str]) -> u64 {
    fn add(h: u64, word: u64) -> u64 {
        (h.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95)
    }
    let mut h = 0u64;
    for part in parts {
        let mut chunks = part.as_bytes().chunks_exact(8);
        for chunk in chunks.by_ref() {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            h = add(h, u64::from_le_bytes(word) | 0x2020_2020_2020_2020);
        }
        let mut word = [0x20u8; 8];
        for (w, b) in word.iter_mut().zip(chunks.remainder()) {
            *w = b | 0x20;
        }
        h = add(h, u64::from_le_bytes(word) ^ (part.len() as u64));
    }
    // The Fx step leaves the low bits depending on the low bytes only; tables index by the
    // low bits, so fold the high half in (the finalizer of MurmurHash3).
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// The most characters of one quoted value (between backticks) a message shows: longer ones
/// keep their start and end around `…` (see [`bound_message`]).
pub const MAX_QUOTE_CHARS: usize = 200;

/// The most characters of a whole message (see [`bound_message`]).
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Characters kept at the start and at the end of a value cut by [`bound_message`].
const QUOTE_HEAD: usize = 120;
const QUOTE_TAIL: usize = 60;

/// A message that quotes a bounded amount of its input: each part between backticks (user
/// input, by convention) longer than [`MAX_QUOTE_CHARS`] keeps its first 120 and last 60
/// characters around `…`, and the whole message keeps at most [`MAX_MESSAGE_CHARS`]
/// characters (ending with `…` when cut). A 500 MB action name makes a message of a few
/// hundred bytes, not of 500 MB. Short messages are returned as they are, without copying.
#[must_use]
pub fn bound_message(message: &str) -> std::borrow::Cow<'_, str> {
    // Fewer bytes than the bound: fewer characters too, nothing to cut.
    if message.len() <= MAX_QUOTE_CHARS {
        return std::borrow::Cow::Borrowed(message);
    }
    let mut out = String::new();
    let mut cut = false;
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let quoted = i % 2 == 1;
        let chars = if quoted { part.chars().count() } else { 0 };
        if quoted && chars > MAX_QUOTE_CHARS {
            out.extend(part.chars().take(QUOTE_HEAD));
            out.push('…');
            out.extend(part.chars().skip(chars - QUOTE_TAIL));
            cut = true;
        } else {
            out.push_str(part);
        }
    }
    if let Some((at, _)) = out.char_indices().nth(MAX_MESSAGE_CHARS) {
        out.truncate(at);
        out.push('…');
        cut = true;
    }
    if cut {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("GetObjekt", "GetObject"), 1);
        assert_eq!(edit_distance("GetObjekt", "getobject"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance_within("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance_within("kitten", "sitting", 2), None);
        assert_eq!(edit_distance_within("abc", "", 2), None);
    }

    #[test]
    fn globs_match_like_iam() {
        assert!(glob_matches("Get*", "getobject", true));
        assert!(!glob_matches("Get*", "getobject", false));
        assert!(glob_matches("*", "", false));
        assert!(glob_matches("*Object?", "GetObjectX", false));
        assert!(!glob_matches("*Object?", "GetObject", false));
        assert!(glob_matches("a*b*c", "axxbyyc", false));
        assert!(!glob_matches("a*b*c", "axxbyy", false));
        assert!(
            glob_matches("k?y", "kéy", false),
            "`?` is one character, not one byte"
        );
    }

    #[test]
    fn short_ascii_distances_agree_with_the_general_programme() {
        let words = [
            "",
            "a",
            "GetObject",
            "getobjekt",
            "GetObjects",
            "PutObject",
            "ListBuckets",
            "DescribeInstances",
            "describeinstance",
            "kitten",
            "sitting",
            "ÄgetObject",
        ];
        for a in words {
            for b in words {
                for limit in [0, 1, 2, 3, 5, usize::MAX] {
                    let general = {
                        // The general path, forced by a non-ASCII suffix on both sides.
                        edit_distance_within(&format!("{a}é"), &format!("{b}é"), limit)
                    };
                    assert_eq!(
                        edit_distance_within(a, b, limit),
                        general,
                        "{a} {b} {limit}"
                    );
                }
            }
        }
    }

    #[test]
    fn name_hash_ignores_case_and_keeps_parts_apart() {
        assert_eq!(
            name_hash(&["s3", "GetObject"]),
            name_hash(&["S3", "getobject"])
        );
        assert_ne!(
            name_hash(&["s3", "GetObject"]),
            name_hash(&["s3G", "etObject"])
        );
        assert_ne!(
            name_hash(&["s3", "GetObject"]),
            name_hash(&["s3", "GetObjects"])
        );
        assert_ne!(
            name_hash(&["ec2", "RunInstances"]),
            name_hash(&["ec2", "RunInstance"])
        );
        // The low bits, which tables index by, differ for names that share their heads.
        let low: std::collections::HashSet<u64> = (0..64)
            .map(|i| name_hash(&["ec2", &format!("DescribeThing{i}")]) & 0xff)
            .collect();
        assert!(low.len() > 32, "{}", low.len());
    }
}

#[cfg(test)]
mod bound_tests {
    use super::*;

    #[test]
    fn a_long_quoted_value_keeps_its_start_and_end() {
        let long = format!("s3:{}Object", "x".repeat(10_000));
        let message = format!("unknown action `{long}` in statement `Sid1`");
        let bounded = bound_message(&message);
        let quoted = bounded.split('`').nth(1).unwrap();
        assert_eq!(quoted.chars().count(), QUOTE_HEAD + 1 + QUOTE_TAIL);
        assert!(quoted.starts_with("s3:xxx") && quoted.ends_with("xxObject"));
        assert!(quoted.contains('…'));
        // The rest of the message is intact.
        assert!(bounded.starts_with("unknown action `s3:"));
        assert!(bounded.ends_with("` in statement `Sid1`"));
    }

    #[test]
    fn short_messages_and_values_are_kept_as_they_are() {
        let at_bound = "y".repeat(MAX_QUOTE_CHARS);
        for message in [
            "`s3:GetObject` is not an action".to_string(),
            format!("the value `{at_bound}` and `{at_bound}`"),
            // Multi-byte characters count as one each.
            format!("`{}`", "é".repeat(MAX_QUOTE_CHARS)),
        ] {
            assert_eq!(bound_message(&message), message);
        }
    }

    #[test]
    fn a_message_of_many_values_is_bounded_as_a_whole() {
        let many = vec!["`abc`"; 10_000].join(", ");
        let bounded = bound_message(&many);
        assert_eq!(bounded.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(bounded.ends_with('…'));
        // Unquoted text is bounded too, and an unclosed backtick quotes to the end.
        let open = format!("see `{}", "z".repeat(50_000));
        assert!(bound_message(&open).chars().count() < 200 + 10);
        let plain = "w".repeat(50_000);
        assert_eq!(bound_message(&plain).chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
