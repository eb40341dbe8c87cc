//! Case-insensitive IAM glob matching: `*` matches any run of characters (also none), `?`
//! exactly one character; every other character matches itself, ignoring ASCII case.
//!
//! This file is also compiled into `build.rs` (through `#[path]`), so that the build and the
//! library agree on what a condition-key template matches. It must not use anything from the
//! crate.

/// Returns whether `text` matches the glob `pattern`, ignoring ASCII case.
pub(crate) fn matches(pattern: &str, text: &str) -> bool {
    matches_chars(pattern, text.chars())
}

/// Like [`matches`], for text given as a character iterator (so that callers can chain parts
/// such as `prefix`, `:` and `name` without allocating).
///
/// The classic linear-backtracking algorithm: remember the last `*` and, on a mismatch, let it
/// absorb one more character. Worst case O(pattern × text), no recursion, no allocation.
pub(crate) fn matches_chars<T>(pattern: &str, text: T) -> bool
where
    T: Iterator<Item = char> + Clone,
{
    let mut p = pattern.chars();
    let mut t = text;
    // Pattern position just after the last `*`, and the text position it is matched against.
    let mut retry: Option<(std::str::Chars<'_>, T)> = None;
    loop {
        let mut t_next = t.clone();
        match (p.next(), t_next.next()) {
            (Some('*'), _) => {
                // A run of `*` is one `*`: retries restart after the run.
                while p.clone().next() == Some('*') {
                    p.next();
                }
                retry = Some((p.clone(), t.clone()));
            }
            (Some('?'), Some(_)) => t = t_next,
            (Some(pc), Some(tc)) if pc.eq_ignore_ascii_case(&tc) => t = t_next,
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
