//! A YAML reader for CloudFormation and SAM templates that builds the same spanned [`Value`]
//! tree as the JSON reader, with byte spans into the original text.
//!
//! It works on the event stream of `granit-parser` (the YAML 1.2 parser under serde-saphyr,
//! from the same maintainers: pure Rust, `unsafe` forbidden, fuzzed) rather than through
//! serde-saphyr's `Spanned<Tagged<T>>`. A spike showed that serde-saphyr keeps tags on
//! sequences and mappings, but its serde data model resolves scalar types on the way (`010`
//! arrives as the float `10.0`, `yes` as `true`), gives collections a start position only, and
//! expands aliases out of sight. The events carry what this tree needs: every node's start and
//! end byte offset, its tag and tag span on scalars *and* collections, the scalar style (so
//! only plain scalars are typed), anchors and aliases as ids, and document boundaries.
//!
//! The loader follows cfn-guard's (AWS's Rust CloudFormation checker): CloudFormation's
//! short-form tags are lowered to their long form at load time (`!Sub x` becomes
//! `{"Fn::Sub": x}`, the key spanning the tag), nesting is capped at [`MAX_DEPTH`], and a
//! stream of several documents is refused. Aliases are expanded (a copy of the anchored value,
//! spans pointing at the definition) within a budget of [`MAX_NODES`] values, so an alias bomb
//! is an error rather than a hang. Plain scalars are typed by YAML 1.2's core schema (numbers
//! keep their text); quoted and block scalars are strings. A tag the reader does not know
//! (`!include x`) makes its node [`ValueKind::Unresolved`], keeping the source text.
#![expect(
    clippy::doc_markdown,
    reason = "CloudFormation and CloudTrail are product names, not code"
)]

use std::collections::HashMap;

use granit_parser::{Event, Options, Parser, ScalarStyle, Tag};

use super::{cfn, Member, Value, ValueKind};
use crate::source::Span;

/// Deepest nesting of sequences and mappings accepted (cfn-guard's limit).
pub const MAX_DEPTH: usize = 128;

/// Most values a document may hold once aliases are expanded.
pub const MAX_NODES: usize = 1_000_000;

/// What went wrong while reading YAML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxErrorKind {
    /// The YAML parser's own error.
    #[error("invalid YAML: {0}")]
    Invalid(String),
    /// A second document (`---`) in the stream.
    #[error("the file holds more than one YAML document; a template is a single document")]
    MultipleDocuments,
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// A sequence or mapping used as a mapping key.
    #[error("a sequence or mapping as a mapping key is not supported")]
    ComplexKey,
    /// Aliases that expand past [`MAX_NODES`] values.
    #[error("aliases expand to more than {MAX_NODES} values")]
    TooManyValues,
    /// A text of 4 GiB or more.
    #[error("the file is too large")]
    TooLarge,
}

/// A YAML syntax error at a span.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct SyntaxError {
    /// What went wrong.
    pub kind: SyntaxErrorKind,
    /// Where.
    pub span: Span,
}

/// The outcome of reading a YAML text.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The document; absent after an error, or when the stream holds no document at all.
    pub value: Option<Value>,
    /// The error that stopped the reader, if any (YAML readers do not recover).
    pub errors: Vec<SyntaxError>,
}

/// Most under-indented continuation lines of quoted scalars [`parse`] reads past in one text.
pub const MAX_CONTINUATION_REPAIRS: usize = 256;

/// Reads a single-document YAML text, lowering CloudFormation short-form tags.
///
/// A continuation line of a multi-line quoted scalar indented no deeper than its parent
/// (`Policy: '{` ... a closing `}'` at the key's column) breaks YAML 1.2's rule
/// (§7.3, `s-flow-line-prefix(n)`: continuation lines are indented at least `n` spaces, one
/// more than the parent block) but PyYAML, `SnakeYAML` and CloudFormation read it: AWS's own
/// samples deploy such templates. It is read too: the line break before such a line becomes
/// a space (same length, so every span stays exact) and the text is read again. The scalar's
/// value then differs from a spec reader's only in white space (the folded break is one
/// space there, the break and indentation here), which no JSON policy reads.
pub fn parse(text: &str) -> Parsed {
    let (mut parsed, mut under_indented) = parse_once(text);
    let mut repaired: Option<String> = None;
    for _ in 0..MAX_CONTINUATION_REPAIRS {
        let Some(at) = under_indented else {
            break;
        };
        let buffer = repaired.get_or_insert_with(|| text.to_string());
        if !join_continuation(buffer, at) {
            break;
        }
        (parsed, under_indented) = parse_once(buffer);
    }
    parsed
}

/// Replaces the line break before the continuation line at `at` by white space of the same
/// length, if only spaces stand between them; whether it did.
fn join_continuation(text: &mut String, at: usize) -> bool {
    let Some(before) = text.get(..at) else {
        return false;
    };
    let Some(newline) = before.rfind('\n') else {
        return false;
    };
    if !before
        .get(newline + 1..)
        .is_some_and(|indent| indent.bytes().all(|b| b == b' '))
    {
        return false;
    }
    let start = if newline > 0 && before.as_bytes().get(newline - 1) == Some(&b'\r') {
        newline - 1
    } else {
        newline
    };
    let width = newline + 1 - start;
    text.replace_range(start..=newline, &" ".repeat(width));
    true
}

/// [`parse`] without the repair: the outcome, and the offset of the continuation line when
/// the error is an under-indented one.
fn parse_once(text: &str) -> (Parsed, Option<usize>) {
    if u32::try_from(text.len()).is_err() {
        let parsed = Parsed {
            value: None,
            errors: vec![SyntaxError {
                kind: SyntaxErrorKind::TooLarge,
                span: Span::default(),
            }],
        };
        return (parsed, None);
    }
    let mut under_indented = None;
    let mut options = Options::default();
    options.emit_comments = false;
    // The parser's own limits sit above ours, so that ours (with its message) fires first.
    options.block_nesting_limit = MAX_DEPTH + 8;
    options.flow_nesting_limit = MAX_DEPTH + 8;
    let mut builder = Builder {
        text,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        documents: 0,
        nodes: 0,
    };
    for item in Parser::new_from_str_with_options(text, options) {
        let step = match item {
            Ok((event, span)) => builder.event(event, span),
            Err(e) => {
                let at = e
                    .marker()
                    .byte_offset()
                    .unwrap_or(text.len())
                    .min(text.len());
                if *e.kind() == granit_parser::ErrorKind::InvalidQuotedScalarIndent {
                    under_indented = Some(at);
                }
                let mut message = e.info();
                if let Some(line) = message.lines().next() {
                    message = line.to_string();
                }
                Err(SyntaxError {
                    kind: SyntaxErrorKind::Invalid(message),
                    span: char_span(text, at),
                })
            }
        };
        if let Err(error) = step {
            let parsed = Parsed {
                value: None,
                errors: vec![error],
            };
            return (parsed, under_indented);
        }
    }
    let parsed = Parsed {
        value: builder.root,
        errors: Vec::new(),
    };
    (parsed, None)
}

/// The span of the character at `at` (empty at the end of the text).
fn char_span(text: &str, at: usize) -> Span {
    let len = text
        .get(at..)
        .and_then(|s| s.chars().next())
        .map_or(0, char::len_utf8);
    Span::new(at, at + len)
}

/// A tag as written: resolved handle, suffix, and the span of the tag token.
#[derive(Debug, Clone)]
struct TagInfo {
    handle: String,
    suffix: String,
    span: Span,
}

const CORE_PREFIX: &str = "tag:yaml.org,2002:";

#[derive(Debug)]
enum Frame {
    Sequence {
        items: Vec<Value>,
        start: usize,
        tag: Option<TagInfo>,
        anchor: usize,
    },
    Mapping {
        members: Vec<Member>,
        key: Option<(Box<str>, Span)>,
        start: usize,
        tag: Option<TagInfo>,
        anchor: usize,
    },
}

/// An anchored value, with its depth and size for the alias budget.
#[derive(Debug)]
struct Anchored {
    value: Value,
    depth: usize,
    nodes: usize,
}

struct Builder<'a> {
    text: &'a str,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    root: Option<Value>,
    documents: usize,
    nodes: usize,
}

type Step = Result<(), SyntaxError>;

fn byte_span(span: &granit_parser::Span, text_len: usize) -> Span {
    let start = span.start.byte_offset().unwrap_or(text_len).min(text_len);
    let end = span
        .end
        .byte_offset()
        .unwrap_or(text_len)
        .clamp(start, text_len);
    Span::new(start, end)
}

fn tag_info(
    tag: Option<&Tag>,
    span: &granit_parser::Span,
    node: Span,
    len: usize,
) -> Option<TagInfo> {
    let tag = tag?;
    let tag_span = span
        .tag_span()
        .map_or(Span::new(node.start as usize, node.start as usize), |t| {
            byte_span(&t, len)
        });
    Some(TagInfo {
        handle: tag.handle().to_string(),
        suffix: tag.suffix().to_string(),
        span: tag_span,
    })
}

impl Builder<'_> {
    fn error(kind: SyntaxErrorKind, span: Span) -> Step {
        Err(SyntaxError { kind, span })
    }

    fn count(&mut self, n: usize, span: Span) -> Step {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Self::error(SyntaxErrorKind::TooManyValues, span);
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: granit_parser::Span) -> Step {
        let len = self.text.len();
        let at = byte_span(&span, len);
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Self::error(SyntaxErrorKind::MultipleDocuments, at);
                }
                Ok(())
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.count(1, at)?;
                let tag = tag_info(tag.as_deref(), &span, at, len);
                let v = self.scalar(&value, style, at, tag.as_ref());
                self.finish(v, anchor)
            }
            Event::SequenceStart(_, anchor, ref tag) | Event::MappingStart(_, anchor, ref tag) => {
                let is_sequence = matches!(event, Event::SequenceStart(..));
                self.count(1, at)?;
                if self.stack.len() >= MAX_DEPTH {
                    return Self::error(SyntaxErrorKind::TooDeep, at);
                }
                let tag = tag_info(tag.as_deref(), &span, at, len);
                let start = at.start as usize;
                let frame = if is_sequence {
                    Frame::Sequence {
                        items: Vec::new(),
                        start,
                        tag,
                        anchor,
                    }
                } else {
                    Frame::Mapping {
                        members: Vec::new(),
                        key: None,
                        start,
                        tag,
                        anchor,
                    }
                };
                self.stack.push(frame);
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Ok(());
                };
                // A flow collection ends at its bracket; a block one at its last child (the
                // end event of a block collection sits at the next token, past blank lines).
                let flow_end = self
                    .text
                    .get(at.range())
                    .filter(|s| *s == "]" || *s == "}")
                    .map(|_| at.end as usize);
                match frame {
                    Frame::Sequence {
                        items,
                        start,
                        tag,
                        anchor,
                    } => {
                        let end = flow_end
                            .or_else(|| items.last().map(|v| v.span.end as usize))
                            .unwrap_or(start)
                            .max(start);
                        let value = Value {
                            kind: ValueKind::Array(items),
                            span: Span::new(start, end),
                        };
                        let value = self.tagged_collection(value, tag.as_ref());
                        self.finish(value, anchor)
                    }
                    Frame::Mapping {
                        members,
                        key,
                        start,
                        tag,
                        anchor,
                    } => {
                        let mut members = members;
                        if let Some((key, key_span)) = key {
                            // A key whose value never came (cannot happen with a well-formed
                            // event stream); keep it with a null value.
                            members.push(Member {
                                key,
                                key_span,
                                value: Value {
                                    kind: ValueKind::Null,
                                    span: Span::new(key_span.end as usize, key_span.end as usize),
                                },
                            });
                        }
                        let end = flow_end
                            .or_else(|| members.last().map(|m| m.value.span.end as usize))
                            .unwrap_or(start)
                            .max(start);
                        let value = Value {
                            kind: ValueKind::Object(members),
                            span: Span::new(start, end),
                        };
                        let value = self.tagged_collection(value, tag.as_ref());
                        self.finish(value, anchor)
                    }
                }
            }
            Event::Alias(id) => {
                let Some(anchored) = self.anchors.get(&id) else {
                    return Self::error(
                        SyntaxErrorKind::Invalid("alias to an unknown anchor".to_string()),
                        at,
                    );
                };
                if self.stack.len() + anchored.depth > MAX_DEPTH {
                    return Self::error(SyntaxErrorKind::TooDeep, at);
                }
                let (nodes, value) = (anchored.nodes, anchored.value.clone());
                self.count(nodes, at)?;
                self.push(value)
            }
            Event::UnresolvedAlias(_) => Self::error(
                SyntaxErrorKind::Invalid("alias to an unknown anchor".to_string()),
                at,
            ),
            _ => Ok(()),
        }
    }

    /// Records an anchored value, then places it in its parent.
    fn finish(&mut self, value: Value, anchor: usize) -> Step {
        if anchor != 0 {
            let (depth, nodes) = measure(&value);
            self.anchors.insert(
                anchor,
                Anchored {
                    value: value.clone(),
                    depth,
                    nodes,
                },
            );
        }
        self.push(value)
    }

    fn push(&mut self, value: Value) -> Step {
        let text = self.text;
        match self.stack.last_mut() {
            None => {
                // A second root can only come with a second document, refused above.
                if self.root.is_none() {
                    self.root = Some(value);
                }
                Ok(())
            }
            Some(Frame::Sequence { items, .. }) => {
                items.push(value);
                Ok(())
            }
            Some(Frame::Mapping { members, key, .. }) => {
                if let Some((k, key_span)) = key.take() {
                    members.push(Member {
                        key: k,
                        key_span,
                        value,
                    });
                    return Ok(());
                }
                let k: Box<str> = match value.kind {
                    ValueKind::String(s) | ValueKind::Unresolved(s) => s,
                    ValueKind::Number(_) | ValueKind::Bool(_) | ValueKind::Null => {
                        text.get(value.span.range()).unwrap_or_default().into()
                    }
                    ValueKind::Array(_) | ValueKind::Object(_) => {
                        return Self::error(SyntaxErrorKind::ComplexKey, value.span);
                    }
                };
                *key = Some((k, value.span));
                Ok(())
            }
        }
    }

    fn scalar(&self, value: &str, style: ScalarStyle, span: Span, tag: Option<&TagInfo>) -> Value {
        let Some(tag) = tag else {
            let kind = if style == ScalarStyle::Plain {
                resolve_plain(value)
            } else {
                ValueKind::String(value.into())
            };
            return Value { kind, span };
        };
        if tag.handle == "!" {
            if let Some(long) = cfn::long_form(&tag.suffix) {
                let inner = if long == "Fn::GetAtt" {
                    self.split_get_att(value, style, span)
                } else {
                    Value {
                        kind: ValueKind::String(value.into()),
                        span,
                    }
                };
                return wrap(long, tag, inner);
            }
            if tag.suffix.is_empty() {
                // The non-specific tag `!`: a string.
                return Value {
                    kind: ValueKind::String(value.into()),
                    span,
                };
            }
        }
        if let Some(core) = tag
            .handle
            .strip_prefix(CORE_PREFIX)
            .map(|_| tag.suffix.as_str())
        {
            let kind = match core {
                "null" => ValueKind::Null,
                "bool" => match resolve_plain(value) {
                    b @ ValueKind::Bool(_) => b,
                    _ => ValueKind::String(value.into()),
                },
                "int" | "float" if is_yaml_number(value) => ValueKind::Number(value.into()),
                _ => ValueKind::String(value.into()),
            };
            return Value { kind, span };
        }
        self.unknown_tag(tag, span)
    }

    /// `!GetAtt Resource.Attribute` is `{"Fn::GetAtt": ["Resource", "Attribute"]}`.
    fn split_get_att(&self, value: &str, style: ScalarStyle, span: Span) -> Value {
        let Some((resource, attribute)) = value.split_once('.') else {
            return Value {
                kind: ValueKind::String(value.into()),
                span,
            };
        };
        // Spans of the two parts are exact when the scalar is written as is (plain, no escapes).
        let raw = self.text.get(span.range()).unwrap_or_default();
        let (a, b) = if style == ScalarStyle::Plain && raw == value {
            let dot = span.start as usize + resource.len();
            (
                Span::new(span.start as usize, dot),
                Span::new(dot + 1, span.end as usize),
            )
        } else {
            (span, span)
        };
        Value {
            kind: ValueKind::Array(vec![
                Value {
                    kind: ValueKind::String(resource.into()),
                    span: a,
                },
                Value {
                    kind: ValueKind::String(attribute.into()),
                    span: b,
                },
            ]),
            span,
        }
    }

    fn tagged_collection(&self, value: Value, tag: Option<&TagInfo>) -> Value {
        let Some(tag) = tag else {
            return value;
        };
        if tag.handle == "!" {
            if let Some(long) = cfn::long_form(&tag.suffix) {
                return wrap(long, tag, value);
            }
            if tag.suffix.is_empty() {
                return value;
            }
        }
        if tag.handle == CORE_PREFIX {
            return value;
        }
        self.unknown_tag(tag, value.span)
    }

    /// A node with a tag the reader does not know: its source text, unresolved.
    fn unknown_tag(&self, tag: &TagInfo, node: Span) -> Value {
        let span = Span::new(
            tag.span.start.min(node.start) as usize,
            node.end.max(tag.span.end) as usize,
        );
        Value {
            kind: ValueKind::Unresolved(self.text.get(span.range()).unwrap_or_default().into()),
            span,
        }
    }
}

/// `{long: inner}`, the key spanning the tag and the object spanning tag and value.
fn wrap(long: &'static str, tag: &TagInfo, inner: Value) -> Value {
    let span = Span::new(
        tag.span.start.min(inner.span.start) as usize,
        inner.span.end.max(tag.span.end) as usize,
    );
    Value {
        kind: ValueKind::Object(vec![Member {
            key: long.into(),
            key_span: tag.span,
            value: inner,
        }]),
        span,
    }
}

/// Depth and number of values of a tree (iterative: aliases may nest).
fn measure(value: &Value) -> (usize, usize) {
    let mut max_depth = 0;
    let mut nodes = 0;
    let mut work = vec![(value, 0usize)];
    while let Some((v, d)) = work.pop() {
        nodes += 1;
        max_depth = max_depth.max(d);
        match &v.kind {
            ValueKind::Array(items) => work.extend(items.iter().map(|i| (i, d + 1))),
            ValueKind::Object(members) => work.extend(members.iter().map(|m| (&m.value, d + 1))),
            _ => {}
        }
    }
    (max_depth, nodes)
}

/// The type of a plain scalar under YAML 1.2's core schema. Numbers keep their text.
pub fn resolve_plain(s: &str) -> ValueKind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => ValueKind::Null,
        "true" | "True" | "TRUE" => ValueKind::Bool(true),
        "false" | "False" | "FALSE" => ValueKind::Bool(false),
        _ if is_yaml_number(s) => ValueKind::Number(s.into()),
        _ => ValueKind::String(s.into()),
    }
}

/// Whether a plain scalar is an integer or float of YAML 1.2's core schema.
pub fn is_yaml_number(s: &str) -> bool {
    let digits = |t: &str, radix: u32| !t.is_empty() && t.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = s.strip_prefix("0x") {
        return digits(hex, 16);
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return digits(oct, 8);
    }
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (
            unsigned.get(..i).unwrap_or_default(),
            Some(unsigned.get(i + 1..).unwrap_or_default()),
        ),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (int.is_empty() && digits(frac, 10))
                || (digits(int, 10) && (frac.is_empty() || digits(frac, 10)))
        }
        None => digits(mantissa, 10),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Value {
        let p = parse(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        p.value.unwrap()
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.range()]
    }

    #[test]
    #[expect(
        clippy::many_single_char_names,
        reason = "the keys of the document read"
    )]
    fn short_forms_become_long_forms_with_spans() {
        let text = "A: !Ref B\nC: !GetAtt [R, Arn]\nD: !Join\n  - ','\n  - [a, !Sub 'x${y}']\nE: !GetAtt Role.Arn\n";
        let v = read(text);
        let a = v.get("A").unwrap();
        assert_eq!(slice(text, a.span), "!Ref B");
        let m = &a.as_object().unwrap()[0];
        assert_eq!(&*m.key, "Ref");
        assert_eq!(slice(text, m.key_span), "!Ref");
        assert_eq!(m.value.as_str(), Some("B"));
        let c = v.get("C").unwrap().get("Fn::GetAtt").unwrap();
        assert_eq!(slice(text, c.span), "[R, Arn]");
        let d = v.get("D").unwrap().get("Fn::Join").unwrap();
        let ValueKind::Array(items) = &d.kind else {
            panic!()
        };
        assert_eq!(items[0].as_str(), Some(","));
        let ValueKind::Array(parts) = &items[1].kind else {
            panic!()
        };
        let sub = parts[1].get("Fn::Sub").unwrap();
        assert_eq!(sub.as_str(), Some("x${y}"));
        assert_eq!(slice(text, parts[1].span), "!Sub 'x${y}'");
        let e = v.get("E").unwrap().get("Fn::GetAtt").unwrap();
        let ValueKind::Array(ra) = &e.kind else {
            panic!()
        };
        assert_eq!(slice(text, ra[0].span), "Role");
        assert_eq!(slice(text, ra[1].span), "Arn");
    }

    #[test]
    fn tags_on_mappings_and_block_sequences() {
        let text = "X: !If\n  - Cond\n  - {a: 1}\n  - !Ref AWS::NoValue\nY: !Base64\n  k: v\n";
        let v = read(text);
        let x = v.get("X").unwrap();
        assert_eq!(
            slice(text, x.span),
            "!If\n  - Cond\n  - {a: 1}\n  - !Ref AWS::NoValue"
        );
        assert!(v
            .get("Y")
            .unwrap()
            .get("Fn::Base64")
            .unwrap()
            .get("k")
            .is_some());
    }

    #[test]
    fn scalars_are_typed_only_when_plain() {
        let v =
            read("a: 010\nb: '010'\nc: yes\nd: true\ne: ~\nf: 2012-10-17\ng: 1.5e3\nh: !!str 12\n");
        assert!(matches!(&v.get("a").unwrap().kind, ValueKind::Number(n) if &**n == "010"));
        assert_eq!(v.get("b").unwrap().as_str(), Some("010"));
        assert_eq!(v.get("c").unwrap().as_str(), Some("yes"));
        assert!(matches!(v.get("d").unwrap().kind, ValueKind::Bool(true)));
        assert!(matches!(v.get("e").unwrap().kind, ValueKind::Null));
        assert_eq!(v.get("f").unwrap().as_str(), Some("2012-10-17"));
        assert!(matches!(v.get("g").unwrap().kind, ValueKind::Number(_)));
        assert_eq!(v.get("h").unwrap().as_str(), Some("12"));
    }

    #[test]
    fn spans_are_bytes_and_block_collections_end_at_their_last_child() {
        let text = "é: [1, \"ü\"]\nm:\n  k: v\n\n\nn: 1\n";
        let v = read(text);
        assert_eq!(slice(text, v.as_object().unwrap()[0].key_span), "é");
        let ValueKind::Array(items) = &v.get("é").unwrap().kind else {
            panic!()
        };
        assert_eq!(slice(text, items[1].span), "\"ü\"");
        assert_eq!(slice(text, v.get("m").unwrap().span), "k: v");
    }

    #[test]
    fn aliases_expand_and_bombs_stop() {
        use std::fmt::Write as _;
        let v = read("a: &x {k: v}\nb: *x\n");
        assert_eq!(v.get("b").unwrap().get("k").unwrap().as_str(), Some("v"));
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            let items = std::iter::repeat_n(prev.as_str(), 10)
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(bomb, "a{i}: &a{i} [{items}]");
        }
        let p = parse(&bomb);
        assert_eq!(p.errors[0].kind, SyntaxErrorKind::TooManyValues);
    }

    #[test]
    fn refuses_what_a_template_cannot_be() {
        let p = parse("a: 1\n---\nb: 2\n");
        assert_eq!(p.errors[0].kind, SyntaxErrorKind::MultipleDocuments);
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(parse(&deep).errors[0].kind, SyntaxErrorKind::TooDeep);
        let mut block = String::new();
        for i in 0..=MAX_DEPTH {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        assert_eq!(parse(&block).errors[0].kind, SyntaxErrorKind::TooDeep);
        let p = parse("? [a]\n: b\n");
        assert_eq!(p.errors[0].kind, SyntaxErrorKind::ComplexKey);
        let p = parse("a: [1,\nb: 2");
        assert!(matches!(p.errors[0].kind, SyntaxErrorKind::Invalid(_)));
        assert!(parse("").value.is_none());
        assert!(parse("").errors.is_empty());
    }

    #[test]
    fn unknown_tags_are_unresolved_source_text() {
        let text = "a: !include other.yaml\n";
        let v = read(text);
        assert!(
            matches!(&v.get("a").unwrap().kind, ValueKind::Unresolved(s) if &**s == "!include other.yaml")
        );
    }

    /// YAML 1.2 §7.3 wants continuation lines of a quoted scalar indented past the parent
    /// block (`s-flow-line-prefix(n)`); CloudFormation reads lines at the parent's column,
    /// as in AWS's serverless-patterns `ActiveMQAndClientEC2.yaml` (a policy in `'{ ... }'`
    /// whose closing line sits at the key's column). Both quote styles, LF and CRLF, lines at
    /// the parent's column and below it: the value is the text with its line breaks folded
    /// (§6.5: a line break between two lines becomes white space), and the spans after the
    /// scalar are still the bytes of the original text.
    #[test]
    fn under_indented_quoted_continuations_are_read() {
        for (text, value) in [
            (
                "P:\n  Doc: '{\n    \"a\": 1\n  }'\n  Next: x\n",
                "{ \"a\": 1 }",
            ),
            (
                "P:\n  Doc: \"{\n    \\\"a\\\": 1\n  }\"\n  Next: x\n",
                "{ \"a\": 1 }",
            ),
            ("P:\r\n  Doc: '{\r\n  }'\r\n  Next: x\r\n", "{ }"),
            (
                "P:\n  Doc: 'one\ntwo\n three'\n  Next: x\n",
                "one two three",
            ),
            ("- 'one\ntwo'\n- Next: x\n", "one two"),
        ] {
            let v = read(text);
            let (doc, next) = match &v.kind {
                ValueKind::Array(items) => (&items[0], items[1].get("Next").unwrap()),
                _ => {
                    let p = v.get("P").unwrap();
                    (p.get("Doc").unwrap(), p.get("Next").unwrap())
                }
            };
            let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(words(doc.as_str().unwrap()), value, "{text:?}");
            assert_eq!(slice(text, next.span), "x", "{text:?}");
            assert!(slice(text, doc.span).starts_with(['\'', '"']), "{text:?}");
        }
        // Still an error: a tab in the indentation, and a key that is not one.
        assert!(!parse("P:\n  Doc: 'one\n\ttwo'\n").errors.is_empty());
        assert!(!parse("P:\n  Doc: 'one\n  two\n").errors.is_empty());
    }

    #[test]
    fn numbers_follow_the_core_schema() {
        for yes in [
            "0", "-1", "+1", "1.5", ".5", "1.", "1e5", "1.5E-3", "0x1F", "0o17", ".inf", "-.Inf",
            ".nan",
        ] {
            assert!(is_yaml_number(yes), "{yes}");
        }
        for no in [
            "",
            "-",
            ".",
            "1e",
            "0x",
            "1_000",
            "12:30",
            "2012-10-17",
            "e5",
            "1.2.3",
        ] {
            assert!(!is_yaml_number(no), "{no}");
        }
    }
}
