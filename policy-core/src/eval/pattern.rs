//! IAM patterns: `*` and `?` wildcards, policy variables (`${aws:username}`,
//! `${key, 'default'}`) and the escapes `${*}`, `${?}`, `${$}` that stand for literal
//! characters (UG `reference_policies_variables`).

use crate::request::Request;

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Literal text.
    Lit(Box<str>),
    /// `*`: any run of characters.
    Star,
    /// `?`: exactly one character.
    One,
    /// A policy variable: the lower-cased key and its default.
    Var {
        key: Box<str>,
        default: Option<Box<str>>,
    },
}

/// A pattern compiled once; variables are resolved per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    pieces: Vec<Piece>,
    has_vars: bool,
    /// The tokens, when there is no variable to resolve.
    tokens: Option<Vec<Tok>>,
    /// The literal prefix, when the pattern is `prefix*` with no other wildcard or variable.
    prefix: Option<Box<str>>,
    /// The text as written, for explanations.
    pub(crate) text: Box<str>,
}

/// A pattern element after variables are resolved: a literal character, `*` or `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Ch(char),
    Star,
    One,
}

impl Pattern {
    /// Compiles `text`. `wildcards`: whether `*` and `?` are wildcards (Like operators,
    /// `Action`, `Resource`) or literal (`StringEquals`). `variables`: whether `${...}` is
    /// substituted (policy version 2012-10-17) or literal.
    pub(crate) fn new(text: &str, wildcards: bool, variables: bool) -> Self {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        let mut has_vars = false;
        while let Some(c) = rest.chars().next() {
            if variables && rest.starts_with("${") {
                if let Some(end) = rest.find('}') {
                    let inner = rest.get(2..end).unwrap_or_default();
                    rest = rest.get(end + 1..).unwrap_or_default();
                    match inner {
                        "*" | "?" | "$" => lit.push_str(inner),
                        _ => {
                            flush(&mut lit, &mut pieces);
                            let (key, default) = match inner.split_once(',') {
                                Some((k, d)) => {
                                    let d = d.trim();
                                    let d = d
                                        .strip_prefix('\'')
                                        .and_then(|d| d.strip_suffix('\''))
                                        .unwrap_or(d);
                                    (k.trim(), Some(d.into()))
                                }
                                None => (inner.trim(), None),
                            };
                            pieces.push(Piece::Var {
                                key: key.to_ascii_lowercase().into(),
                                default,
                            });
                            has_vars = true;
                        }
                    }
                    continue;
                }
            }
            match c {
                '*' if wildcards => {
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Star);
                }
                '?' if wildcards => {
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::One);
                }
                c => lit.push(c),
            }
            rest = rest.get(c.len_utf8()..).unwrap_or_default();
        }
        flush(&mut lit, &mut pieces);
        let tokens = (!has_vars).then(|| {
            let mut t = Vec::new();
            for piece in &pieces {
                match piece {
                    Piece::Lit(s) => t.extend(s.chars().map(Tok::Ch)),
                    Piece::Star => t.push(Tok::Star),
                    Piece::One => t.push(Tok::One),
                    Piece::Var { .. } => {}
                }
            }
            t
        });
        let prefix = match pieces.as_slice() {
            [Piece::Lit(s), Piece::Star] => Some(s.clone()),
            _ => None,
        };
        Pattern {
            pieces,
            has_vars,
            tokens,
            prefix,
            text: text.into(),
        }
    }

    /// The tokens of a pattern without variables.
    pub(crate) fn tokens(&self) -> Option<&[Tok]> {
        self.tokens.as_deref()
    }

    /// The literal prefix of a `prefix*` pattern.
    pub(crate) fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    /// The lower-cased keys of the pattern's policy variables that have no default.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &str> + '_ {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var { key, default: None } => Some(&**key),
            _ => None,
        })
    }

    /// The lower-cased keys of all the pattern's policy variables, with a default or not.
    pub(crate) fn variable_keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var { key, .. } => Some(&**key),
            _ => None,
        })
    }

    /// The key (lower-cased) and default of a pattern that is exactly one policy variable.
    pub(crate) fn whole_variable(&self) -> Option<(&str, Option<&str>)> {
        match self.pieces.as_slice() {
            [Piece::Var { key, default }] => Some((key, default.as_deref())),
            _ => None,
        }
    }

    /// Whether the pattern has policy variables.
    pub(crate) fn has_vars(&self) -> bool {
        self.has_vars
    }

    /// The literal text when the pattern has no wildcard and no variable.
    pub(crate) fn as_literal(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// Whether the pattern is a lone `*`.
    pub(crate) fn is_star(&self) -> bool {
        matches!(self.pieces.as_slice(), [Piece::Star])
    }

    /// For analyses: the pattern with each policy variable replaced by `value(key)` (lower-cased
    /// key), read as literal characters as [`Pattern::resolve`] reads a request value, or by its
    /// default when `value` gives none; `None` when a variable has neither (the pattern then
    /// matches nothing).
    pub(crate) fn ground(&self, value: &dyn Fn(&str) -> Option<String>) -> Option<Pattern> {
        if !self.has_vars {
            return Some(self.clone());
        }
        let mut pieces = Vec::with_capacity(self.pieces.len());
        for piece in &self.pieces {
            pieces.push(match piece {
                Piece::Var { key, default } => {
                    let text = value(key).or_else(|| default.as_deref().map(str::to_string))?;
                    Piece::Lit(text.into_boxed_str())
                }
                other => other.clone(),
            });
        }
        Some(Pattern::from_pieces(pieces, &self.text))
    }

    /// For analyses: the pattern with each policy variable replaced by `*`, a pattern every
    /// grounding of it (any value, or the default) is inside.
    pub(crate) fn widened(&self) -> Pattern {
        if !self.has_vars {
            return self.clone();
        }
        let pieces = self
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Var { .. } => Piece::Star,
                other => other.clone(),
            })
            .collect();
        Pattern::from_pieces(pieces, &self.text)
    }

    /// For analyses: the values `${key}` takes (lower-cased keys, in order) when `text`
    /// matches the pattern with each variable read as a `*` that captures, for the first
    /// match found; the literal pieces around them as written. `None` when it does not match.
    pub(crate) fn captures(&self, text: &str) -> Option<Vec<(Box<str>, String)>> {
        fn go(
            pieces: &[Piece],
            text: &str,
            out: &mut Vec<(Box<str>, String)>,
            steps: &mut usize,
        ) -> bool {
            *steps += 1;
            if *steps > 10_000 {
                return false;
            }
            let Some((first, rest)) = pieces.split_first() else {
                return text.is_empty();
            };
            match first {
                Piece::Lit(s) => text
                    .strip_prefix(&**s)
                    .is_some_and(|t| go(rest, t, out, steps)),
                Piece::One => {
                    let mut chars = text.chars();
                    chars.next().is_some() && go(rest, chars.as_str(), out, steps)
                }
                Piece::Star | Piece::Var { .. } => {
                    let cuts = text
                        .char_indices()
                        .map(|(i, _)| i)
                        .chain(std::iter::once(text.len()));
                    for cut in cuts {
                        let (Some(head), Some(tail)) = (text.get(..cut), text.get(cut..)) else {
                            continue;
                        };
                        if let Piece::Var { key, .. } = first {
                            out.push((key.clone(), head.to_string()));
                        }
                        if go(rest, tail, out, steps) {
                            return true;
                        }
                        if matches!(first, Piece::Var { .. }) {
                            out.pop();
                        }
                    }
                    false
                }
            }
        }
        let mut out = Vec::new();
        let mut steps = 0;
        go(&self.pieces, text, &mut out, &mut steps).then_some(out)
    }

    fn from_pieces(pieces: Vec<Piece>, text: &str) -> Pattern {
        let mut merged: Vec<Piece> = Vec::with_capacity(pieces.len());
        let mut lit = String::new();
        for piece in pieces {
            match piece {
                Piece::Lit(s) => lit.push_str(&s),
                other => {
                    flush(&mut lit, &mut merged);
                    merged.push(other);
                }
            }
        }
        flush(&mut lit, &mut merged);
        let has_vars = merged.iter().any(|p| matches!(p, Piece::Var { .. }));
        let tokens = (!has_vars).then(|| {
            let mut t = Vec::new();
            for piece in &merged {
                match piece {
                    Piece::Lit(s) => t.extend(s.chars().map(Tok::Ch)),
                    Piece::Star => t.push(Tok::Star),
                    Piece::One => t.push(Tok::One),
                    Piece::Var { .. } => {}
                }
            }
            t
        });
        let prefix = match merged.as_slice() {
            [Piece::Lit(s), Piece::Star] => Some(s.clone()),
            _ => None,
        };
        Pattern {
            pieces: merged,
            has_vars,
            tokens,
            prefix,
            text: text.into(),
        }
    }

    /// Resolves variables into tokens. `None` when a variable has no value and no default:
    /// the value is "effectively null" and matches nothing. A variable whose key has several
    /// values is null too: only single-valued keys can be variables.
    pub(crate) fn resolve(&self, ctx: &Request, out: &mut Vec<Tok>) -> Option<()> {
        out.clear();
        for piece in &self.pieces {
            match piece {
                Piece::Lit(s) => out.extend(s.chars().map(Tok::Ch)),
                Piece::Star => out.push(Tok::Star),
                Piece::One => out.push(Tok::One),
                Piece::Var { key, default } => {
                    let value = match ctx.value(key) {
                        Some([single]) => single.as_str(),
                        _ => default.as_deref()?,
                    };
                    out.extend(value.chars().map(Tok::Ch));
                }
            }
        }
        Some(())
    }

    /// Matches `text`, case-sensitively or ignoring case; `false` for a null variable.
    pub(crate) fn matches(
        &self,
        text: &str,
        ctx: &Request,
        ignore_case: bool,
        buf: &mut Vec<Tok>,
    ) -> bool {
        if !self.has_vars {
            if let Some(lit) = self.as_literal() {
                return if ignore_case {
                    lit.eq_ignore_ascii_case(text)
                } else {
                    lit == text
                };
            }
        }
        if let Some(tokens) = &self.tokens {
            return glob(tokens, text, ignore_case);
        }
        if self.resolve(ctx, buf).is_none() {
            return false;
        }
        glob(buf, text, ignore_case)
    }
}

fn flush(lit: &mut String, pieces: &mut Vec<Piece>) {
    if !lit.is_empty() {
        pieces.push(Piece::Lit(std::mem::take(lit).into_boxed_str()));
    }
}

/// Glob match of tokens against text: `*` any run, `?` one character. Linear backtracking on
/// the last `*`, no recursion, no allocation.
pub(crate) fn glob(pattern: &[Tok], text: &str, ignore_case: bool) -> bool {
    let eq = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let mut p = 0usize;
    let mut t_pos = 0usize; // byte offset of the next text char
    let mut retry: Option<(usize, usize)> = None; // (pattern index after *, text byte offset)
    let next_char = |pos: usize| text.get(pos..).and_then(|s| s.chars().next());
    loop {
        match (pattern.get(p), next_char(t_pos)) {
            (Some(Tok::Star), _) => {
                p += 1;
                retry = Some((p, t_pos));
            }
            (Some(Tok::One), Some(c)) => {
                p += 1;
                t_pos += c.len_utf8();
            }
            (Some(Tok::Ch(pc)), Some(c)) if eq(*pc, c) => {
                p += 1;
                t_pos += c.len_utf8();
            }
            (None, None) => return true,
            _ => match retry {
                Some((rp, rt)) => match next_char(rt) {
                    Some(c) => {
                        retry = Some((rp, rt + c.len_utf8()));
                        p = rp;
                        t_pos = rt + c.len_utf8();
                    }
                    None => return false,
                },
                None => return false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Context, RequestPrincipal};

    fn request(ctx: Context) -> Request {
        let p = RequestPrincipal::parse("arn:aws:iam::111111111111:role/r").unwrap();
        Request::new(p, "s3:GetObject", "arn:aws:s3:::b/k", None, ctx)
    }

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::new(pattern, true, true).matches(
            text,
            &request(Context::new()),
            false,
            &mut Vec::new(),
        )
    }

    #[test]
    fn wildcards_cross_slashes_and_escapes_are_literal() {
        assert!(m(
            "arn:aws:s3:::b/*/test/*",
            "arn:aws:s3:::b/1/2/test/3/o.jpg"
        ));
        assert!(m("arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b//test/o.jpg"));
        assert!(!m("arn:aws:s3:::b/*/test/*", "arn:aws:s3:::b/test/o.jpg"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("a${*}", "a*"));
        assert!(!m("a${*}", "ab"));
        assert!(m("${$}x${?}", "$x?"));
        assert!(!m("ABC", "abc"));
    }

    #[test]
    fn variables_resolve_from_context_with_defaults() {
        let mut ctx = Context::new();
        ctx.insert("aws:username", vec!["bob".into()]);
        ctx.insert("aws:TagKeys", vec!["a".into(), "b".into()]);
        let ctx = request(ctx);
        let mut buf = Vec::new();
        let p = Pattern::new("home/${aws:UserName}/*", true, true);
        assert!(p.matches("home/bob/x", &ctx, false, &mut buf));
        assert!(!p.matches("home/alice/x", &ctx, false, &mut buf));
        let missing = Pattern::new("home/${aws:PrincipalTag/team}/*", true, true);
        assert!(!missing.matches("home//x", &ctx, false, &mut buf));
        let default = Pattern::new("home/${aws:PrincipalTag/team, 'all'}/*", true, true);
        assert!(default.matches("home/all/x", &ctx, false, &mut buf));
        let multi = Pattern::new("${aws:TagKeys}", true, true);
        assert!(!multi.matches("a", &ctx, false, &mut buf));
        let old = Pattern::new("home/${aws:username}", true, false);
        assert!(old.matches("home/${aws:username}", &ctx, false, &mut buf));
    }
}
