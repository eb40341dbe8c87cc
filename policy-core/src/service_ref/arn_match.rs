//! Matching ARNs (possibly with IAM wildcards) against the ARN formats of resource types.
//!
//! A format such as `arn:${Partition}:s3:::${BucketName}/${ObjectName}` is read as tokens:
//! literal characters (compared ignoring ASCII case), `*` (any run, as in
//! `arn:${Partition}:braket:*:*:device/…`) and variables. A variable matches a non-empty run
//! of characters, with these limits, chosen so that the usual ARNs get the resource type a
//! reader would give them:
//!
//! - a variable followed by a literal character cannot contain that character: `${Region}`
//!   stops at `:`, `${BucketName}` in `${BucketName}/${ObjectName}` stops at `/`, while
//!   `${LogGroupName}` in `log-group:${LogGroupName}:log-stream:…` may contain `/`;
//! - a variable that ends the format may contain anything (`role/${RoleNameWithPath}` takes
//!   `role/path/name`, `function:${FunctionName}` takes `function:f:alias`, as IAM treats
//!   qualified function ARNs as functions), except that a variable that is the whole resource
//!   part (`${BucketName}`, `${QueueName}`) cannot contain `/`, so `arn:aws:s3:::b/k` is an
//!   object and not a bucket.
//!
//! The ARN side may hold `*` and `?` wildcards and policy variables (`${aws:username}`, read as
//! `*`; `${*}`, `${?}` and `${$}` are the escaped literal characters). Then a format matches when
//! *some* ARN matching the pattern matches it (the two languages intersect), which is the
//! permissive reading wanted for policy resources such as `arn:aws:s3:::*`.

/// ARNs longer than this match nothing (IAM caps a resource ARN at 2048 characters, and the
/// search below needs memory proportional to the ARN's length).
pub(super) const MAX_ARN_TOKENS: usize = 8192;

/// One token of an ARN as written in a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ArnToken {
    /// A literal character.
    Lit(char),
    /// `*`: any run of characters, also none.
    Star,
    /// `?`: exactly one character.
    One,
}

/// One token of a resource type's ARN format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum FormatToken {
    /// A literal character.
    Lit(char),
    /// `*`: any run of characters, also none.
    Star,
    /// `${Name}`: a non-empty run of characters other than `excluded`.
    Var { excluded: Option<char> },
}

/// Reads an ARN from a policy, with wildcards and policy variables.
pub(super) fn parse_arn(arn: &str) -> Vec<ArnToken> {
    let mut out = Vec::with_capacity(arn.len());
    let mut rest = arn;
    while let Some(c) = rest.chars().next() {
        if let Some((var, tail)) = variable(rest) {
            out.push(match var {
                "*" => ArnToken::Lit('*'),
                "?" => ArnToken::Lit('?'),
                "$" => ArnToken::Lit('$'),
                _ => ArnToken::Star,
            });
            rest = tail;
            continue;
        }
        if c == '*' && out.last() == Some(&ArnToken::Star) {
            rest = rest.get(1..).unwrap_or_default();
            continue;
        }
        out.push(match c {
            '*' => ArnToken::Star,
            '?' => ArnToken::One,
            c => ArnToken::Lit(c),
        });
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    out
}

/// Reads a resource type's ARN format.
pub(super) fn parse_format(format: &str) -> Vec<FormatToken> {
    let mut out = Vec::with_capacity(format.len());
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if let Some((_, tail)) = variable(rest) {
            out.push(FormatToken::Var { excluded: None });
            rest = tail;
            continue;
        }
        out.push(if c == '*' {
            FormatToken::Star
        } else {
            FormatToken::Lit(c)
        });
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    // A variable stops at the literal that follows it.
    let mut next_lit = None;
    for token in out.iter_mut().rev() {
        match token {
            FormatToken::Lit(c) => next_lit = Some(*c),
            FormatToken::Star => next_lit = None,
            FormatToken::Var { excluded } => {
                *excluded = next_lit;
                next_lit = None;
            }
        }
    }
    // A variable that is the whole resource part cannot contain `/`.
    let resource = format.splitn(6, ':').nth(5).unwrap_or_default();
    if variable(resource).is_some_and(|(_, tail)| tail.is_empty()) {
        if let Some(FormatToken::Var { excluded }) = out.last_mut() {
            *excluded = Some('/');
        }
    }
    out
}

/// `${name}` at the start of `s`: the name and the text after the `}`.
fn variable(s: &str) -> Option<(&str, &str)> {
    let body = s.strip_prefix("${")?;
    let end = body.find('}')?;
    Some((body.get(..end)?, body.get(end + 1..)?))
}

/// How specific a format is: its number of literal characters (more is more specific).
pub(super) fn specificity(format: &[FormatToken]) -> usize {
    format
        .iter()
        .filter(|t| matches!(t, FormatToken::Lit(_)))
        .count()
}

/// Whether some ARN matched by `arn` is also matched by `format`.
///
/// A search over (ARN position, format position, inside-a-variable) states: both sides step
/// over one character together when their character sets meet, and `*`s and finished
/// variables step over nothing. At most `2 × (|arn|+1) × (|format|+1)` states.
pub(super) fn matches(arn: &[ArnToken], format: &[FormatToken]) -> bool {
    if arn.len() > MAX_ARN_TOKENS {
        return false;
    }
    let width = format.len() + 1;
    let index = |i: usize, j: usize, in_var: bool| (i * width + j) * 2 + usize::from(in_var);
    // One bit per state: an eighth of the memory to clear of a `bool` per state.
    let mut seen = vec![0u64; ((arn.len() + 1) * width * 2).div_ceil(64)];
    let mut stack = Vec::with_capacity(16);
    stack.push((0usize, 0usize, false));
    while let Some((i, j, in_var)) = stack.pop() {
        let state = index(i, j, in_var);
        match seen.get_mut(state / 64) {
            Some(word) if *word & (1 << (state % 64)) == 0 => *word |= 1 << (state % 64),
            _ => continue,
        }
        let a = arn.get(i);
        let f = format.get(j);
        if a.is_none() && f.is_none() {
            return true;
        }
        // Steps over nothing.
        if a == Some(&ArnToken::Star) {
            stack.push((i + 1, j, in_var));
        }
        match f {
            Some(FormatToken::Star) => stack.push((i, j + 1, false)),
            Some(FormatToken::Var { .. }) if in_var => stack.push((i, j + 1, false)),
            _ => {}
        }
        // Steps over one character on both sides.
        let (Some(&a), Some(&f)) = (a, f) else {
            continue;
        };
        if !meets(a, f) {
            continue;
        }
        let next_i = if a == ArnToken::Star { i } else { i + 1 };
        let (next_j, next_in_var) = match f {
            FormatToken::Lit(_) => (j + 1, false),
            FormatToken::Star => (j, false),
            FormatToken::Var { .. } => (j, true),
        };
        stack.push((next_i, next_j, next_in_var));
    }
    false
}

/// Whether the characters `a` can stand for and those `f` accepts have one in common.
fn meets(a: ArnToken, f: FormatToken) -> bool {
    match (a, f) {
        (ArnToken::Lit(c), FormatToken::Lit(d)) => c.eq_ignore_ascii_case(&d),
        (ArnToken::Lit(c), FormatToken::Var { excluded }) => excluded != Some(c),
        (ArnToken::Lit(_), FormatToken::Star) | (ArnToken::Star | ArnToken::One, _) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(arn: &str, format: &str) -> bool {
        matches(&parse_arn(arn), &parse_format(format))
    }

    #[test]
    fn variables_and_separators() {
        let bucket = "arn:${Partition}:s3:::${BucketName}";
        let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
        assert!(m("arn:aws:s3:::b", bucket));
        assert!(!m("arn:aws:s3:::b", object));
        assert!(!m("arn:aws:s3:::b/k/x", bucket));
        assert!(m("arn:aws:s3:::b/k/x", object));
        assert!(!m("arn:aws:s3:::b/*", bucket));
        assert!(m("arn:aws:s3:::b/*", object));
        assert!(m("arn:aws:s3:::*", bucket));
        assert!(m("arn:aws:s3:::*", object));
        assert!(m("*", object));
        assert!(!m("arn:aws:s3:us-east-1::b", bucket));
        assert!(m("arn:aws:s3:::b/${aws:username}/x", object));
        assert!(!m("arn:aws:s3:::", bucket));
    }

    #[test]
    fn wildcards_on_both_sides() {
        let health = "arn:${Partition}:health:*::event/${Service}/${EventTypeCode}/*";
        assert!(m("arn:aws:health:us-east-1::event/EC2/X/y", health));
        assert!(m("arn:aws:health:us-east-1::event/EC2/X/", health));
        assert!(!m("arn:aws:health:us-east-1::event/EC2", health));
        assert!(m("arn:aws:health:*::event/*", health));
        assert!(m("arn:aws:health:?????????::event/a/b/c", health));
    }
}
