//! Wildcard patterns of policies, compared as IAM compares them: an action name against an
//! action pattern (`s3:Get*`), and one resource pattern against another (does every ARN the
//! inner pattern matches also match the outer one?).
//!
//! IAM matches `*` to any run of characters and `?` to one character, within each of an ARN's
//! six colon-separated parts (UG `reference_policies_elements_resource`, "Including wildcards
//! in resource ARNs"); `${*}`, `${?}` and `${$}` are the literal characters (UG
//! `reference_policies_variables`, "Special characters").

/// Whether a policy-form resource has wildcards (the escapes `${*}`, `${?}` are literal).
pub(super) fn has_wildcard(resource: &str) -> bool {
    let stripped = resource
        .replace("${*}", "")
        .replace("${?}", "")
        .replace("${$}", "");
    stripped.contains(['*', '?'])
}

/// One token of a pattern: a literal character, `*` or `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Ch(char),
    Star,
    One,
}

/// The tokens of a pattern; `None` when it has a policy variable (its value is not known
/// here).
fn tokens(text: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("${") {
            let end = rest.find('}')?;
            match rest.get(2..end)? {
                "*" => out.push(Tok::Ch('*')),
                "?" => out.push(Tok::Ch('?')),
                "$" => out.push(Tok::Ch('$')),
                _ => return None,
            }
            rest = rest.get(end + 1..)?;
            continue;
        }
        out.push(match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Ch(c),
        });
        rest = rest.get(c.len_utf8()..)?;
    }
    Some(out)
}

/// Whether every string pattern `a` matches is matched by pattern `b` (sound: `true` only when
/// it holds).
fn segment_includes(b: &[Tok], a: &[Tok]) -> bool {
    // dp[j]: b[..i] covers a[..j].
    let mut dp = vec![false; a.len() + 1];
    if let Some(first) = dp.first_mut() {
        *first = true;
    }
    for tb in b {
        let mut next = vec![false; a.len() + 1];
        match tb {
            Tok::Star => {
                let mut reach = false;
                for j in 0..=a.len() {
                    reach = reach || dp.get(j).copied().unwrap_or(false);
                    if let Some(n) = next.get_mut(j) {
                        *n = reach;
                    }
                }
            }
            _ => {
                for j in 0..a.len() {
                    let ok = match (tb, a.get(j)) {
                        (Tok::One, Some(Tok::Ch(_) | Tok::One)) => true,
                        (Tok::Ch(x), Some(Tok::Ch(y))) => x == y,
                        _ => false,
                    };
                    if ok && dp.get(j).copied().unwrap_or(false) {
                        if let Some(n) = next.get_mut(j + 1) {
                            *n = true;
                        }
                    }
                }
            }
        }
        dp = next;
    }
    dp.last().copied().unwrap_or(false)
}

/// Whether resource pattern `outer` includes pattern `inner` (both in policy form), part by
/// part as IAM matches ARNs. Sound: `true` only when every resource `inner` matches is matched
/// by `outer`; a policy variable makes it `false` unless the texts are equal.
pub fn pattern_includes(outer: &str, inner: &str) -> bool {
    if outer == inner || outer == "*" {
        return true;
    }
    let split = |s: &str| -> Vec<String> { s.splitn(6, ':').map(str::to_string).collect() };
    let (o, i) = (split(outer), split(inner));
    if o.len() != 6 || i.len() != 6 {
        return match (tokens(outer), tokens(inner)) {
            (Some(b), Some(a)) => segment_includes(&b, &a),
            _ => false,
        };
    }
    o.iter().zip(&i).all(|(b, a)| match (tokens(b), tokens(a)) {
        (Some(b), Some(a)) => segment_includes(&b, &a),
        _ => false,
    })
}

/// Whether text `name` is matched by the glob `pattern` (`*` any run, `?` one character),
/// ignoring ASCII case, as IAM matches action names (UG `reference_policies_elements_action`:
/// "action names are not case sensitive").
pub(super) fn glob_matches(pattern: &str, name: &str) -> bool {
    policy_core::text::glob_matches(pattern, name, true)
}

/// Whether action `name` (`s3:GetObject`) is matched by the action pattern `pattern`.
pub(super) fn action_matches(pattern: &str, name: &str) -> bool {
    glob_matches(pattern, name)
}

/// The service part of an action pattern (`s3` of `s3:Get*`, `*` of `*`), and its action part
/// (`*` when the pattern is `*` alone).
pub(super) fn split_action_pattern(pattern: &str) -> (&str, &str) {
    pattern.split_once(':').unwrap_or((pattern, "*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_inclusion_is_sound() {
        assert!(pattern_includes("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/*"));
        assert!(pattern_includes("arn:aws:s3:::*", "arn:aws:s3:::b/x/*"));
        assert!(!pattern_includes("arn:aws:s3:::b/x*", "arn:aws:s3:::b/*"));
        assert!(!pattern_includes("arn:aws:s3:::b/?", "arn:aws:s3:::b/*"));
        assert!(pattern_includes("arn:aws:s3:::b/?", "arn:aws:s3:::b/${*}"));
        assert!(!pattern_includes(
            "arn:aws:s3:::${aws:username}/*",
            "arn:aws:s3:::x/*"
        ));
        assert!(!pattern_includes(
            "arn:aws:ec2:*:1:instance/*",
            "arn:aws:ec2:*:*:instance/*"
        ));
        // Each of the six parts on its own: a region wildcard does not cover an account.
        assert!(!pattern_includes(
            "arn:aws:ec2:*:111122223333:instance/*",
            "arn:aws:ec2:us-east-1:*:instance/i-1"
        ));
        assert!(pattern_includes(
            "arn:aws:ec2:*:111122223333:instance/*",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1"
        ));
    }

    #[test]
    fn actions_match_ignoring_case() {
        assert!(action_matches("s3:Get*", "s3:GetObject"));
        assert!(action_matches("S3:get*", "s3:GetObject"));
        assert!(!action_matches("s3:Get*", "s3:PutObject"));
        assert!(action_matches("s3:?etObject", "s3:GetObject"));
        assert!(action_matches("*", "iam:PassRole"));
        assert_eq!(split_action_pattern("s3:Get*"), ("s3", "Get*"));
        assert_eq!(split_action_pattern("*"), ("*", "*"));
        assert!(has_wildcard("arn:aws:s3:::b/*"));
        assert!(!has_wildcard("arn:aws:s3:::b/${*}"));
    }
}
