//! A strict JSON (RFC 8259) reader that builds a spanned [`Value`] tree.
//!
//! Why not a crate: `serde_json` keeps no value positions and drops duplicate keys, and
//! jsonc-parser is lenient by design (comments, trailing commas, loose keys) and panics
//! internally on some states. This reader is strict, keeps every duplicate key, reports errors
//! at exact byte spans, and recovers from the common slips (trailing comma, missing comma,
//! comments) so that the rest of the document is still checked. `serde_json` is its oracle in
//! the property tests: both accept the same texts and read the same values.

use super::{Member, Value, ValueKind};
use crate::source::Span;

/// Deepest nesting accepted; IAM policies nest five levels at most.
pub const MAX_DEPTH: usize = 128;

/// What went wrong while reading JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxErrorKind {
    /// A comma before a closing bracket or brace.
    #[error("trailing comma is not allowed in JSON")]
    TrailingComma,
    /// Two values or members with no comma between them.
    #[error("missing comma between {0}")]
    MissingComma(&'static str),
    /// A `//` or `/* */` comment.
    #[error("comments are not allowed in JSON")]
    Comment,
    /// A block comment that never ends.
    #[error("unterminated comment")]
    UnterminatedComment,
    /// A character that cannot start or continue a value here.
    #[error("unexpected {found}, expected {expected}")]
    Unexpected {
        /// What was found, described.
        found: String,
        /// What would have been valid.
        expected: &'static str,
    },
    /// The text ends inside a value.
    #[error("unexpected end of input, expected {0}")]
    UnexpectedEnd(&'static str),
    /// A string with no closing quote.
    #[error("unterminated string")]
    UnterminatedString,
    /// A raw control character inside a string.
    #[error("control character U+{0:04X} must be escaped in a string")]
    ControlCharacter(u32),
    /// A backslash escape JSON does not have.
    #[error("invalid escape `{0}` in string")]
    InvalidEscape(String),
    /// A `\u` escape that is not four hex digits or is a lone surrogate.
    #[error("invalid unicode escape `{0}` in string")]
    InvalidUnicodeEscape(String),
    /// A number that does not follow the JSON grammar.
    #[error("invalid number `{0}`")]
    InvalidNumber(String),
    /// Something after the document's single top-level value.
    #[error("unexpected content after the JSON document")]
    TrailingContent,
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// The text holds no value at all.
    #[error("the document is empty")]
    Empty,
}

/// A JSON syntax error at a span.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct SyntaxError {
    /// What went wrong.
    pub kind: SyntaxErrorKind,
    /// Where.
    pub span: Span,
}

/// The outcome of reading a JSON text: the value (absent after an unrecoverable error) and
/// every syntax error found, in order.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The document, if it could be read to the end (possibly after recoverable errors).
    pub value: Option<Value>,
    /// Every syntax error, in document order.
    pub errors: Vec<SyntaxError>,
}

/// Reads a JSON document. A leading UTF-8 byte-order mark is skipped.
pub fn parse(text: &str) -> Parsed {
    let mut p = Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        errors: Vec::new(),
    };
    if text.starts_with('\u{feff}') {
        p.pos = 3;
    }
    let value = p.document();
    Parsed {
        value,
        errors: p.errors,
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    errors: Vec<SyntaxError>,
}

/// An error after which the reader cannot go on.
struct Fatal;

type Res<T> = Result<T, Fatal>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn error(&mut self, kind: SyntaxErrorKind, start: usize, end: usize) {
        self.errors.push(SyntaxError {
            kind,
            span: Span::new(start, end),
        });
    }

    fn fatal<T>(&mut self, kind: SyntaxErrorKind, start: usize, end: usize) -> Res<T> {
        self.error(kind, start, end);
        Err(Fatal)
    }

    fn document(&mut self) -> Option<Value> {
        if self.skip_ws().is_err() {
            return None;
        }
        if self.peek().is_none() {
            let end = self.bytes.len();
            self.error(SyntaxErrorKind::Empty, end, end);
            return None;
        }
        let value = self.value(0).ok()?;
        if self.skip_ws().is_err() {
            return None;
        }
        if self.pos < self.bytes.len() {
            let start = self.pos;
            self.error(SyntaxErrorKind::TrailingContent, start, self.bytes.len());
            return None;
        }
        Some(value)
    }

    /// Skips white space; comments are reported and skipped.
    fn skip_ws(&mut self) -> Res<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') => {
                    let start = self.pos;
                    match self.bytes.get(self.pos + 1) {
                        Some(b'/') => {
                            while let Some(b) = self.peek() {
                                if b == b'\n' {
                                    break;
                                }
                                self.pos += 1;
                            }
                            self.error(SyntaxErrorKind::Comment, start, self.pos);
                        }
                        Some(b'*') => {
                            let rest = self.bytes.get(self.pos + 2..).unwrap_or_default();
                            let Some(i) = rest.windows(2).position(|w| w == b"*/") else {
                                let end = self.bytes.len();
                                return self.fatal(
                                    SyntaxErrorKind::UnterminatedComment,
                                    start,
                                    end,
                                );
                            };
                            self.pos += 2 + i + 2;
                            self.error(SyntaxErrorKind::Comment, start, self.pos);
                        }
                        _ => return Ok(()),
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn unexpected<T>(&mut self, expected: &'static str) -> Res<T> {
        let start = self.pos;
        match self.text.get(start..).and_then(|s| s.chars().next()) {
            None => {
                let end = self.bytes.len();
                self.fatal(SyntaxErrorKind::UnexpectedEnd(expected), end, end)
            }
            Some(c) => {
                // Report a whole bare word (`allow`, `True`) as one token.
                let end = if c.is_ascii_alphanumeric() || c == '_' {
                    start
                        + self
                            .bytes
                            .get(start..)
                            .unwrap_or_default()
                            .iter()
                            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                            .count()
                } else {
                    start + c.len_utf8()
                };
                let found = match self.text.get(start..end) {
                    Some(w) if end - start > 1 => format!("`{w}`"),
                    _ => describe_char(c),
                };
                self.fatal(SyntaxErrorKind::Unexpected { found, expected }, start, end)
            }
        }
    }

    fn value(&mut self, depth: usize) -> Res<Value> {
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let start = self.pos;
                let s = self.string()?;
                Ok(Value {
                    kind: ValueKind::String(s),
                    span: Span::new(start, self.pos),
                })
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", ValueKind::Bool(true)),
            Some(b'f') => self.literal("false", ValueKind::Bool(false)),
            Some(b'n') => self.literal("null", ValueKind::Null),
            _ => self.unexpected("a value"),
        }
    }

    fn literal(&mut self, word: &'static str, kind: ValueKind) -> Res<Value> {
        let start = self.pos;
        let rest = self.bytes.get(start..).unwrap_or_default();
        let after = rest.get(word.len()).copied();
        if rest.starts_with(word.as_bytes())
            && !after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.pos += word.len();
            Ok(Value {
                kind,
                span: Span::new(start, self.pos),
            })
        } else {
            self.unexpected("a value")
        }
    }

    fn number(&mut self) -> Res<Value> {
        let start = self.pos;
        let b = self.bytes;
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > from
        };
        let mut ok = true;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        if b.get(i) == Some(&b'0') {
            i += 1;
            if b.get(i).is_some_and(u8::is_ascii_digit) {
                ok = false; // leading zero
            }
        } else if !digits(&mut i) {
            ok = false;
        }
        if ok && b.get(i) == Some(&b'.') {
            i += 1;
            ok = digits(&mut i);
        }
        if ok && matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            ok = digits(&mut i);
        }
        // Swallow the rest of a malformed number so the message shows all of it.
        let mut end = i;
        while b
            .get(end)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-'))
        {
            end += 1;
        }
        let raw = self.text.get(start..end).unwrap_or_default();
        if !ok || end != i {
            return self.fatal(SyntaxErrorKind::InvalidNumber(raw.to_string()), start, end);
        }
        self.pos = end;
        Ok(Value {
            kind: ValueKind::Number(raw.into()),
            span: Span::new(start, end),
        })
    }

    /// Reads a string starting at the opening quote; leaves `pos` after the closing quote.
    fn string(&mut self) -> Res<Box<str>> {
        let start = self.pos;
        self.pos += 1;
        let content_start = self.pos;
        // Fast path: no escapes. Jump to the next quote or backslash, then check the bytes
        // skipped for control characters (both scans are vectorized).
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        if let Some(i) = memchr::memchr2(b'"', b'\\', rest) {
            let skipped = rest.get(..i).unwrap_or_default();
            if !skipped.iter().any(|&b| b < 0x20) {
                self.pos += i;
            }
        }
        loop {
            match self.peek() {
                None => {
                    let end = self.bytes.len();
                    return self.fatal(SyntaxErrorKind::UnterminatedString, start, end);
                }
                Some(b'"') => {
                    let s = self.text.get(content_start..self.pos).unwrap_or_default();
                    self.pos += 1;
                    return Ok(s.into());
                }
                Some(b'\\') => break,
                Some(c) if c < 0x20 => {
                    let at = self.pos;
                    if c == b'\n' {
                        return self.fatal(SyntaxErrorKind::UnterminatedString, start, at);
                    }
                    return self.fatal(SyntaxErrorKind::ControlCharacter(u32::from(c)), at, at + 1);
                }
                Some(_) => self.pos += 1,
            }
        }
        let mut out = String::from(self.text.get(content_start..self.pos).unwrap_or_default());
        loop {
            let Some(c) = self.peek() else {
                let end = self.bytes.len();
                return self.fatal(SyntaxErrorKind::UnterminatedString, start, end);
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(out.into());
                }
                b'\\' => {
                    let esc_start = self.pos;
                    let e = self.bytes.get(self.pos + 1).copied();
                    self.pos += 2;
                    let ch = match e {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape(esc_start)?,
                        _ => {
                            let end = (esc_start + 2).min(self.bytes.len());
                            let end = (end..=self.bytes.len())
                                .find(|&i| self.text.is_char_boundary(i))
                                .unwrap_or(end);
                            let raw = self.text.get(esc_start..end).unwrap_or("\\").to_string();
                            return self.fatal(SyntaxErrorKind::InvalidEscape(raw), esc_start, end);
                        }
                    };
                    out.push(ch);
                }
                c if c < 0x20 => {
                    let at = self.pos;
                    if c == b'\n' {
                        return self.fatal(SyntaxErrorKind::UnterminatedString, start, at);
                    }
                    return self.fatal(SyntaxErrorKind::ControlCharacter(u32::from(c)), at, at + 1);
                }
                _ => {
                    let run_start = self.pos;
                    while self
                        .peek()
                        .is_some_and(|b| b != b'"' && b != b'\\' && b >= 0x20)
                    {
                        self.pos += 1;
                    }
                    out.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
                }
            }
        }
    }

    /// Reads the four hex digits of `\uXXXX` (and a low surrogate after a high one).
    fn unicode_escape(&mut self, esc_start: usize) -> Res<char> {
        let hi = self.hex4(esc_start)?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u") {
                self.pos += 2;
                let lo = self.hex4(esc_start)?;
                if !(0xDC00..0xE000).contains(&lo) {
                    return self.bad_unicode(esc_start);
                }
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            } else {
                return self.bad_unicode(esc_start);
            }
        } else if (0xDC00..0xE000).contains(&hi) {
            return self.bad_unicode(esc_start);
        } else {
            hi
        };
        match char::from_u32(code) {
            Some(c) => Ok(c),
            None => self.bad_unicode(esc_start),
        }
    }

    fn hex4(&mut self, esc_start: usize) -> Res<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4);
        match digits.and_then(|d| std::str::from_utf8(d).ok()) {
            Some(d) if d.bytes().all(|b| b.is_ascii_hexdigit()) => {
                self.pos += 4;
                u32::from_str_radix(d, 16).map_or_else(|_| self.bad_unicode(esc_start), Ok)
            }
            _ => self.bad_unicode(esc_start),
        }
    }

    fn bad_unicode<T>(&mut self, esc_start: usize) -> Res<T> {
        let mut end = (esc_start + 6)
            .min(self.bytes.len())
            .max(self.pos.min(self.bytes.len()));
        while end < self.bytes.len() && !self.text.is_char_boundary(end) {
            end += 1;
        }
        let raw = self.text.get(esc_start..end).unwrap_or("\\u").to_string();
        self.fatal(SyntaxErrorKind::InvalidUnicodeEscape(raw), esc_start, end)
    }

    fn array(&mut self, depth: usize) -> Res<Value> {
        let start = self.pos;
        if depth >= MAX_DEPTH {
            return self.fatal(SyntaxErrorKind::TooDeep, start, start + 1);
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value {
                kind: ValueKind::Array(items),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_ws()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_ws()?;
                    if self.peek() == Some(b']') {
                        self.error(SyntaxErrorKind::TrailingComma, comma, comma + 1);
                        self.pos += 1;
                        break;
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(b'"' | b'{' | b'[' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
                    let at = self.pos;
                    self.error(SyntaxErrorKind::MissingComma("array elements"), at, at + 1);
                }
                _ => return self.unexpected("`,` or `]`"),
            }
        }
        Ok(Value {
            kind: ValueKind::Array(items),
            span: Span::new(start, self.pos),
        })
    }

    fn object(&mut self, depth: usize) -> Res<Value> {
        let start = self.pos;
        if depth >= MAX_DEPTH {
            return self.fatal(SyntaxErrorKind::TooDeep, start, start + 1);
        }
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value {
                kind: ValueKind::Object(members),
                span: Span::new(start, self.pos),
            });
        }
        loop {
            if self.peek() != Some(b'"') {
                return self.unexpected("a string key");
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            self.skip_ws()?;
            if self.peek() != Some(b':') {
                return self.unexpected("`:`");
            }
            self.pos += 1;
            self.skip_ws()?;
            let value = self.value(depth + 1)?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            self.skip_ws()?;
            match self.peek() {
                Some(b',') => {
                    let comma = self.pos;
                    self.pos += 1;
                    self.skip_ws()?;
                    if self.peek() == Some(b'}') {
                        self.error(SyntaxErrorKind::TrailingComma, comma, comma + 1);
                        self.pos += 1;
                        break;
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b'"') => {
                    let at = self.pos;
                    self.error(SyntaxErrorKind::MissingComma("object members"), at, at + 1);
                }
                _ => return self.unexpected("`,` or `}`"),
            }
        }
        Ok(Value {
            kind: ValueKind::Object(members),
            span: Span::new(start, self.pos),
        })
    }
}

fn describe_char(c: char) -> String {
    match c {
        '\'' => "`'` (JSON strings use double quotes)".to_string(),
        c if c.is_control() => format!("control character U+{:04X}", u32::from(c)),
        c => format!("`{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<SyntaxErrorKind> {
        parse(text).errors.into_iter().map(|e| e.kind).collect()
    }

    #[test]
    fn reads_nested_values_with_spans() {
        let p = parse(r#" {"a": [1, "x\u00e9", true, null], "a": {}} "#);
        assert!(p.errors.is_empty());
        let v = p.value.unwrap();
        assert_eq!(v.span, Span::new(1, 43));
        let members = v.as_object().unwrap();
        assert_eq!(members.len(), 2, "duplicate keys are kept");
        assert_eq!(members[0].key_span, Span::new(2, 5));
        let ValueKind::Array(items) = &members[0].value.kind else {
            panic!()
        };
        assert_eq!(items[1].as_str(), Some("xé"));
        assert_eq!(items[1].span, Span::new(11, 20));
    }

    #[test]
    fn recovers_from_trailing_and_missing_commas_and_comments() {
        let p = parse("{\"a\": [1,2,], // c\n \"b\": 1 \"c\": 2,}");
        assert!(p.value.is_some());
        assert_eq!(
            p.errors.iter().map(|e| e.kind.clone()).collect::<Vec<_>>(),
            vec![
                SyntaxErrorKind::TrailingComma,
                SyntaxErrorKind::Comment,
                SyntaxErrorKind::MissingComma("object members"),
                SyntaxErrorKind::TrailingComma
            ]
        );
        assert_eq!(p.errors[0].span, Span::new(10, 11));
    }

    #[test]
    fn rejects_what_rfc_8259_rejects() {
        for bad in [
            "",
            "{",
            "[1",
            "01",
            "1.",
            ".5",
            "+1",
            "-",
            "1e",
            "\"\t\"",
            "'a'",
            "{a: 1}",
            "[1]x",
            "\"\\x\"",
            "\"\\ud800\"",
            "tru",
            "nulls",
            "{\"a\" 1}",
            "\"abc",
        ] {
            let p = parse(bad);
            assert!(
                p.value.is_none() || !p.errors.is_empty(),
                "accepted {bad:?}"
            );
            assert!(
                serde_json::from_str::<serde_json::Value>(bad).is_err(),
                "{bad:?}"
            );
        }
        assert_eq!(kinds("[1,]"), vec![SyntaxErrorKind::TrailingComma]);
        assert!(matches!(
            kinds("{'a':1}")[0],
            SyntaxErrorKind::Unexpected { .. }
        ));
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(kinds(&deep), vec![SyntaxErrorKind::TooDeep]);
    }
}
