//! JSON held inside another file's string: a Terraform heredoc or quoted string, a string in a
//! Terraform plan, a CloudFormation `Fn::Sub` or string property.
//!
//! The policy text is first *decoded* from its source (escapes undone) into a [`Decoded`] text
//! that remembers, for every byte, where in the file it came from. The strict JSON reader then
//! reads the decoded text, and every span of the result (and of its errors) is mapped back into
//! the file. For Terraform strings, JSON strings and heredocs the decoding is exact. For YAML
//! scalars the decoded text is aligned with the source greedily and the alignment checked; when
//! it cannot be checked (folded lines, escapes) every span points at the whole string
//! ([`Decoded::exact`] is `false`).
//!
//! Interpolations (`${var.x}` in Terraform, `${Bucket}` in `Fn::Sub`) are recorded as ranges.
//! Before reading, each is replaced by same-length text that is valid where it stands: inside a
//! JSON string its quotes and backslashes become `_`, outside one it becomes a JSON string. The
//! JSON values that hold an interpolation come out as [`ValueKind::Unresolved`], with their
//! source text.
#![expect(
    clippy::doc_markdown,
    reason = "CloudFormation and CloudTrail are product names, not code"
)]

use std::ops::Range;

use super::json::{self, SyntaxError};
use super::{Value, ValueKind};
use crate::source::Span;

/// Text decoded from a file, with where each byte came from.
#[derive(Debug, Clone, Default)]
pub struct Decoded {
    /// The decoded text.
    pub text: String,
    /// For each byte of `text`, the file offset where its character's source starts.
    starts: Vec<u32>,
    /// For each byte of `text`, the file offset where its character's source ends.
    ends: Vec<u32>,
    /// Interpolation ranges, in `text` coordinates.
    pub interpolations: Vec<Range<usize>>,
    /// Whether spans map exactly; otherwise they all map to `whole`.
    pub exact: bool,
    /// The span of the whole string in the file.
    pub whole: Span,
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Decoded {
    fn new(whole: Span) -> Self {
        Decoded {
            exact: true,
            whole,
            ..Decoded::default()
        }
    }

    /// Appends a character that came from `source` (file offsets).
    fn push(&mut self, c: char, source: Range<usize>) {
        self.text.push(c);
        for _ in 0..c.len_utf8() {
            self.starts.push(u32_of(source.start));
            self.ends.push(u32_of(source.end));
        }
    }

    /// Text taken verbatim from the file at `base`.
    pub fn verbatim(text: &str, base: usize) -> Self {
        let mut d = Decoded::new(Span::new(base, base + text.len()));
        for (i, c) in text.char_indices() {
            d.push(c, base + i..base + i + c.len_utf8());
        }
        d
    }

    /// The file span of a span of the decoded text.
    pub fn map(&self, span: Span) -> Span {
        if !self.exact {
            return self.whole;
        }
        let (s, e) = (span.start as usize, span.end as usize);
        let start = self
            .starts
            .get(s)
            .copied()
            .unwrap_or_else(|| self.ends.last().copied().unwrap_or(self.whole.end));
        let end = if e > s {
            self.ends.get(e - 1).copied().unwrap_or(self.whole.end)
        } else {
            start
        };
        Span {
            start,
            end: end.max(start),
        }
    }

    /// Maps every span of a value tree back into the file.
    pub fn map_value(&self, value: &mut Value) {
        value.span = self.map(value.span);
        match &mut value.kind {
            ValueKind::Array(items) => items.iter_mut().for_each(|v| self.map_value(v)),
            ValueKind::Object(members) => {
                for m in members {
                    m.key_span = self.map(m.key_span);
                    self.map_value(&mut m.value);
                }
            }
            _ => {}
        }
    }

    /// Records every `${...}` in the text as an interpolation (a `$${` is literal). Used for
    /// `Fn::Sub` strings, whose stand-ins have this form.
    pub fn find_stand_ins(&mut self) {
        let bytes = self.text.as_bytes();
        let mut i = 0;
        while i + 1 < bytes.len() {
            if bytes.get(i) == Some(&b'$') && bytes.get(i + 1) == Some(&b'{') {
                if i > 0 && bytes.get(i - 1) == Some(&b'$') {
                    i += 2;
                    continue;
                }
                match interpolation_end(bytes, i + 2) {
                    Some(end) => {
                        self.interpolations.push(i..end);
                        i = end;
                    }
                    None => break,
                }
            } else {
                i += 1;
            }
        }
    }
}

/// The end (one past `}`) of an interpolation whose body starts at `from`: braces nest, and
/// quoted strings inside it are skipped.
fn interpolation_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut depth = 1usize;
    let mut i = from;
    let mut in_string = false;
    while let Some(&b) = bytes.get(i) {
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// Decodes the contents of a JSON string literal (`raw` includes the quotes) found at `base`.
/// Returns `None` when `raw` is not a well-formed JSON string.
pub fn decode_json_string(raw: &str, base: usize) -> Option<Decoded> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    let base = base + 1;
    let mut d = Decoded::new(Span::new(base - 1, base + inner.len() + 1));
    let mut chars = inner.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            d.push(c, base + i..base + i + c.len_utf8());
            continue;
        }
        let (_, e) = chars.next()?;
        let decoded = match e {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hex = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
                    let mut n = 0u32;
                    for _ in 0..4 {
                        let (_, h) = chars.next()?;
                        n = n * 16 + h.to_digit(16)?;
                    }
                    Some(n)
                };
                let hi = hex(&mut chars)?;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    if chars.next().map(|x| x.1) != Some('\\')
                        || chars.next().map(|x| x.1) != Some('u')
                    {
                        return None;
                    }
                    let lo = hex(&mut chars)?;
                    0x10000 + ((hi - 0xD800) << 10) + (lo.checked_sub(0xDC00)?)
                } else {
                    hi
                };
                char::from_u32(code)?
            }
            _ => return None,
        };
        let end = chars.peek().map_or(inner.len(), |(j, _)| *j);
        d.push(decoded, base + i..base + end);
    }
    Some(d)
}

/// Undoes RFC 3986 percent-encoding (`%7B%22Version%22...`, as the IAM API returns policy
/// documents) of already decoded text, keeping the map into the file: each decoded character
/// maps to its escapes. `+` stays a plus (RFC 3986 has no `+` for space). `None` when an escape
/// is malformed or the bytes are not UTF-8.
pub fn decode_percent(encoded: &Decoded) -> Option<Decoded> {
    let bytes = encoded.text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut starts = Vec::with_capacity(bytes.len());
    let mut ends = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let (byte, len) = if b == b'%' {
            let hex = encoded.text.get(i + 1..i + 3)?;
            (u8::from_str_radix(hex, 16).ok()?, 3)
        } else {
            (b, 1)
        };
        out.push(byte);
        starts.push(*encoded.starts.get(i)?);
        ends.push(*encoded.ends.get(i + len - 1)?);
        i += len;
    }
    let text = String::from_utf8(out).ok()?;
    // A character of several bytes maps to the escapes of all its bytes.
    for (at, c) in text.char_indices() {
        let last = at + c.len_utf8() - 1;
        let (start, end) = (*starts.get(at)?, *ends.get(last)?);
        for k in at..=last {
            *starts.get_mut(k)? = start;
            *ends.get_mut(k)? = end;
        }
    }
    Some(Decoded {
        text,
        starts,
        ends,
        interpolations: Vec::new(),
        exact: encoded.exact,
        whole: encoded.whole,
    })
}

/// Decodes a Terraform template: the inside of a quoted string (`escapes`: backslash escapes
/// apply) or a heredoc body, found at `base`. `$${` and `%%{` are literal `${` and `%{`;
/// `${...}` and `%{...}` are recorded as interpolations and copied as written.
pub fn decode_hcl_template(raw: &str, base: usize, escapes: bool) -> Option<Decoded> {
    let mut d = Decoded::new(Span::new(base, base + raw.len()));
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let rest = raw.get(i..)?;
        let c = rest.chars().next()?;
        let at = base + i;
        if (rest.starts_with("$${") || rest.starts_with("%%{")) && i + 3 <= raw.len() {
            d.push(c, at..at + 2);
            d.push('{', at + 2..at + 3);
            i += 3;
            continue;
        }
        if rest.starts_with("${") || rest.starts_with("%{") {
            let end = interpolation_end(bytes, i + 2)?;
            let start = d.text.len();
            for (j, ch) in raw.get(i..end)?.char_indices() {
                let from = at + j;
                d.push(ch, from..from + ch.len_utf8());
            }
            d.interpolations.push(start..d.text.len());
            i = end;
            continue;
        }
        if escapes && c == '\\' {
            let e = rest.get(1..)?.chars().next()?;
            let (decoded, len) = match e {
                'n' => ('\n', 2),
                'r' => ('\r', 2),
                't' => ('\t', 2),
                '"' => ('"', 2),
                '\\' => ('\\', 2),
                'u' => (
                    char::from_u32(u32::from_str_radix(rest.get(2..6)?, 16).ok()?)?,
                    6,
                ),
                'U' => (
                    char::from_u32(u32::from_str_radix(rest.get(2..10)?, 16).ok()?)?,
                    10,
                ),
                _ => return None,
            };
            d.push(decoded, at..at + len);
            i += len;
            continue;
        }
        d.push(c, at..at + c.len_utf8());
        i += c.len_utf8();
    }
    Some(d)
}

/// Aligns a decoded YAML scalar with its source text (`raw`, at `base`). Exact when every
/// character other than white space is found in order with at most a few source characters
/// (quotes, escapes, indentation) between; otherwise every span maps to the whole scalar.
pub fn align(decoded: &str, raw: &str, base: usize) -> Decoded {
    let whole = Span::new(base, base + raw.len());
    let mut d = Decoded::new(whole);
    let raw_chars: Vec<(usize, char)> = raw.char_indices().collect();
    let mut r = 0usize;
    let mut ok = true;
    for c in decoded.chars() {
        if c.is_whitespace() {
            // White space maps to the next source white space (indentation and folding
            // change it), if one is near.
            let found = raw_chars
                .get(r..)
                .unwrap_or_default()
                .iter()
                .take(4)
                .position(|(_, x)| x.is_whitespace());
            let (i, x) = match found.and_then(|k| raw_chars.get(r + k)) {
                Some(&(i, x)) => {
                    r += found.unwrap_or(0) + 1;
                    (i, x)
                }
                None => raw_chars
                    .get(r.min(raw_chars.len().saturating_sub(1)))
                    .copied()
                    .unwrap_or((0, ' ')),
            };
            d.push(c, base + i..base + i + x.len_utf8());
            continue;
        }
        // Skip quotes, escapes and indentation, but not far.
        let mut skipped = 0usize;
        loop {
            match raw_chars.get(r) {
                Some(&(i, x)) if x == c => {
                    d.push(c, base + i..base + i + x.len_utf8());
                    r += 1;
                    break;
                }
                Some(&(_, x))
                    if skipped < 64 && (x.is_whitespace() || matches!(x, '"' | '\'' | '\\')) =>
                {
                    r += 1;
                    skipped += 1;
                }
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok {
            break;
        }
    }
    if !ok {
        let mut d = Decoded::new(whole);
        d.text = decoded.to_string();
        d.exact = false;
        return d;
    }
    d
}

/// A JSON document read from decoded text, spans in the file.
#[derive(Debug, Clone)]
pub struct EmbeddedJson {
    /// The document, if it could be read.
    pub value: Option<Value>,
    /// Syntax errors, spans in the file.
    pub errors: Vec<SyntaxError>,
}

/// Reads the JSON in decoded text (interpolations become unresolved values) and maps every
/// span back into the file.
pub fn read_json(decoded: &Decoded) -> EmbeddedJson {
    let mut sanitized = decoded.text.clone().into_bytes();
    let strings = string_state(&decoded.text, &decoded.interpolations);
    for (range, inside) in decoded.interpolations.iter().zip(strings) {
        for i in range.clone() {
            if let Some(b) = sanitized.get_mut(i) {
                if *b == b'"' || *b == b'\\' {
                    *b = b'_';
                } else if *b < 0x20 {
                    *b = b' ';
                }
            }
        }
        if !inside && range.len() >= 2 {
            if let Some(b) = sanitized.get_mut(range.start) {
                *b = b'"';
            }
            if let Some(b) = sanitized.get_mut(range.end - 1) {
                *b = b'"';
            }
        }
    }
    // Only ASCII bytes were replaced by ASCII bytes, so the text is still UTF-8.
    let sanitized = String::from_utf8(sanitized).unwrap_or_default();
    let parsed = json::parse(&sanitized);
    let mut value = parsed.value;
    if let Some(v) = value.as_mut() {
        if !decoded.interpolations.is_empty() {
            mark_unresolved(v, decoded);
        }
        decoded.map_value(v);
    }
    let errors = parsed
        .errors
        .into_iter()
        .map(|e| SyntaxError {
            kind: e.kind,
            span: decoded.map(e.span),
        })
        .collect();
    EmbeddedJson { value, errors }
}

/// For each interpolation, whether it starts inside a JSON string.
fn string_state(text: &str, interpolations: &[Range<usize>]) -> Vec<bool> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(interpolations.len());
    let mut next = interpolations.iter().peekable();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(r) = next.peek() {
            if r.start == i {
                out.push(in_string);
                i = r.end.max(i + 1);
                next.next();
                continue;
            }
        }
        match bytes.get(i) {
            Some(b'\\') if in_string => i += 1,
            Some(b'"') => in_string = !in_string,
            _ => {}
        }
        i += 1;
    }
    out.resize(interpolations.len(), false);
    out
}

/// Strings that overlap an interpolation become unresolved, keeping their source text.
fn mark_unresolved(value: &mut Value, decoded: &Decoded) {
    let overlaps = |span: Span| {
        decoded
            .interpolations
            .iter()
            .any(|r| r.start < span.end as usize && (span.start as usize) < r.end)
    };
    match &mut value.kind {
        ValueKind::String(_) if overlaps(value.span) => {
            let raw = decoded.text.get(value.span.range()).unwrap_or_default();
            let inner = raw
                .strip_prefix('"')
                .and_then(|r| r.strip_suffix('"'))
                .unwrap_or(raw);
            value.kind = ValueKind::Unresolved(inner.into());
        }
        ValueKind::Array(items) => items.iter_mut().for_each(|v| mark_unresolved(v, decoded)),
        ValueKind::Object(members) => {
            for m in members {
                if overlaps(m.key_span) {
                    let raw = decoded.text.get(m.key_span.range()).unwrap_or_default();
                    m.key = raw.trim_matches('"').into();
                }
                mark_unresolved(&mut m.value, decoded);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_map_exactly() {
        let file = r#"{"policy": "{\"Action\": \"s3:Get\\u00e9\"}"}"#;
        let start = file.find("\"{").unwrap();
        let raw = &file[start..file.len() - 1];
        let d = decode_json_string(raw, start).unwrap();
        assert_eq!(d.text, r#"{"Action": "s3:Get\u00e9"}"#);
        let r = read_json(&d);
        let v = r.value.unwrap();
        let action = v.get("Action").unwrap();
        assert_eq!(&file[action.span.range()], r#"\"s3:Get\\u00e9\""#);
        assert_eq!(
            &file[v.as_object().unwrap()[0].key_span.range()],
            r#"\"Action\""#
        );
    }

    #[test]
    fn percent_encoded_json_in_a_string_maps_exactly() {
        // `{"Action": "s3:Get\u00e9"}` (é is two bytes, four escapes with `\/`) percent-encoded.
        let file = r#"{"Document": "%7B%22Action%22%3A%20%22s3%3AGet%C3%A9%22%7D"}"#;
        let start = file.find("\"%7B").unwrap();
        let raw = &file[start..file.len() - 1];
        let d = decode_json_string(raw, start).unwrap();
        let d = decode_percent(&d).unwrap();
        assert_eq!(d.text, "{\"Action\": \"s3:Get\u{e9}\"}");
        let v = read_json(&d).value.unwrap();
        let action = v.get("Action").unwrap();
        assert_eq!(&file[action.span.range()], "%22s3%3AGet%C3%A9%22");
        assert_eq!(&file[v.span.range()], &raw[1..raw.len() - 1]);
        // Malformed escapes and bytes that are not UTF-8 are refused.
        assert!(decode_percent(&Decoded::verbatim("%7", 0)).is_none());
        assert!(decode_percent(&Decoded::verbatim("%zz", 0)).is_none());
        assert!(decode_percent(&Decoded::verbatim("%FF", 0)).is_none());
        assert_eq!(
            decode_percent(&Decoded::verbatim("a+b", 0)).unwrap().text,
            "a+b"
        );
    }

    #[test]
    fn hcl_interpolations_are_unresolved() {
        let file = r#"policy = "{\"Resource\": \"${aws_s3_bucket.b.arn}/*\", \"X\": ${jsonencode(var.x)}, \"V\": \"$${aws:username}\"}""#;
        let start = file.find('"').unwrap() + 1;
        let raw = &file[start..file.len() - 1];
        let d = decode_hcl_template(raw, start, true).unwrap();
        assert_eq!(d.interpolations.len(), 2);
        let r = read_json(&d);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let v = r.value.unwrap();
        let res = v.get("Resource").unwrap();
        assert!(
            matches!(&res.kind, ValueKind::Unresolved(s) if &**s == "${aws_s3_bucket.b.arn}/*")
        );
        assert_eq!(&file[res.span.range()], r#"\"${aws_s3_bucket.b.arn}/*\""#);
        let x = v.get("X").unwrap();
        assert!(matches!(x.kind, ValueKind::Unresolved(_)));
        assert_eq!(&file[x.span.range()], "${jsonencode(var.x)}");
        assert_eq!(v.get("V").unwrap().as_str(), Some("${aws:username}"));
    }

    #[test]
    fn yaml_alignment_is_checked() {
        let file = "p: |\n    {\"A\": \"b\",\n     \"C\": 1}\n";
        let start = file.find('{').unwrap();
        let raw = &file[start..];
        let d = align("{\"A\": \"b\",\n \"C\": 1}\n", raw, start);
        assert!(d.exact);
        let v = read_json(&d).value.unwrap();
        assert_eq!(&file[v.get("C").unwrap().span.range()], "1");
        let d = align("xyz", "abc", 3);
        assert!(!d.exact);
        assert_eq!(d.map(Span::new(0, 1)), Span::new(3, 6));
    }
}
