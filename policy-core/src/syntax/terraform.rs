//! Terraform configuration (HCL): reading a `.tf` file, and HCL expressions as spanned values.
//!
//! The reader is `hcl-edit` (the parser behind `hcl-rs`, the maintained Rust HCL crates): it
//! keeps a byte span on every expression, object key, attribute and block, which a subset
//! scanner of our own would have to re-derive for heredocs, templates, nested function calls
//! and comments. It is a recursive parser that caps nesting itself (64 levels) and reports
//! errors with an offset. What this module adds is the bridge to the [`Value`] tree:
//! [`expr_value`] turns an HCL expression (the object of `jsonencode({...})`, a list of
//! actions) into a value whose spans point at the HCL, with references, function calls and
//! interpolated strings as [`ValueKind::Unresolved`] (their source text, a reference or call
//! wrapped as `${...}`).

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::Body;
use hcl_edit::template::Element;

use super::embedded::{self, Decoded};
use super::{Member, Value, ValueKind};
use crate::source::Span;

/// An HCL syntax error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid HCL: {message}")]
pub struct SyntaxError {
    /// The parser's message.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// Reads a Terraform file's body.
pub fn parse(text: &str) -> Result<Body, SyntaxError> {
    if u32::try_from(text.len()).is_err() {
        return Err(SyntaxError {
            message: "the file is too large".to_string(),
            span: Span::default(),
        });
    }
    hcl_edit::parser::parse_body(text).map_err(|e| {
        let at = e.location().offset().min(text.len());
        let len = text
            .get(at..)
            .and_then(|s| s.chars().next())
            .map_or(0, char::len_utf8);
        let message = e
            .message()
            .lines()
            .next()
            .unwrap_or("syntax error")
            .to_string();
        SyntaxError {
            message: if message.is_empty() {
                "syntax error".to_string()
            } else {
                message
            },
            span: Span::new(at, at + len),
        }
    })
}

/// The span of anything `hcl-edit` parsed (empty at 0 if it has none).
pub fn span_of(node: &impl hcl_edit::Span) -> Span {
    node.span()
        .map_or(Span::default(), |r| Span::new(r.start, r.end))
}

/// An HCL expression as a spanned value. Literals are read; a string with interpolations, a
/// reference, a function call or any other computed expression is unresolved, with its text.
pub fn expr_value(expr: &Expression, text: &str) -> Value {
    let span = span_of(expr);
    let source = || -> Box<str> { text.get(span.range()).unwrap_or_default().into() };
    let kind = match expr {
        Expression::Null(_) => ValueKind::Null,
        Expression::Bool(b) => ValueKind::Bool(*b.value()),
        Expression::Number(_) => ValueKind::Number(source()),
        Expression::String(s) => ValueKind::String(s.value().as_str().into()),
        Expression::StringTemplate(t) => literal_template(t.iter()).map_or_else(
            || ValueKind::Unresolved(unquote(&source()).into()),
            ValueKind::String,
        ),
        Expression::HeredocTemplate(h) => literal_template(h.template.iter())
            .map_or_else(|| ValueKind::Unresolved(source()), ValueKind::String),
        Expression::Array(items) => {
            ValueKind::Array(items.iter().map(|e| expr_value(e, text)).collect())
        }
        Expression::Object(object) => ValueKind::Object(
            object
                .iter()
                .map(|(key, value)| {
                    let (key, key_span) = match key {
                        ObjectKey::Ident(ident) => (ident.as_str().into(), span_of(ident)),
                        ObjectKey::Expression(e) => {
                            let k = expr_value(e, text);
                            let name = match &k.kind {
                                ValueKind::String(s) | ValueKind::Unresolved(s) => s.clone(),
                                _ => text.get(k.span.range()).unwrap_or_default().into(),
                            };
                            (name, k.span)
                        }
                    };
                    Member {
                        key,
                        key_span,
                        value: expr_value(value.expr(), text),
                    }
                })
                .collect(),
        ),
        Expression::Parenthesis(inner) => return expr_value(inner.inner(), text),
        // A reference or call (`var.host`, `aws_iam_openid_connect_provider.eks.arn`) is
        // kept in its interpolation form, `${var.host}`, the same expression as HCL reads it:
        // like a CloudFormation `!Ref` read as `${Name}`, its text is then plainly a value
        // known only at deploy time, never a host, key or action name.
        _ => ValueKind::Unresolved(format!("${{{}}}", source()).into()),
    };
    Value { kind, span }
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// The text of a template made of literal parts only.
fn literal_template<'a>(mut elements: impl Iterator<Item = &'a Element>) -> Option<Box<str>> {
    elements
        .try_fold(String::new(), |mut acc, e| {
            acc.push_str(e.as_literal()?.value());
            Some(acc)
        })
        .map(String::into_boxed_str)
}

/// The literal string value of an expression, with its span (`None` unless it is a string
/// without interpolations).
pub fn literal_string(expr: &Expression, text: &str) -> Option<(String, Span)> {
    match expr_value(expr, text) {
        Value {
            kind: ValueKind::String(s),
            span,
        } => Some((s.into(), span)),
        _ => None,
    }
}

/// The decoded text of a string or heredoc expression, with its source map and its
/// interpolations. `None` for any other expression.
pub fn decoded_string(expr: &Expression, text: &str) -> Option<Decoded> {
    let span = span_of(expr);
    match expr {
        Expression::String(_) | Expression::StringTemplate(_) => {
            let raw = text.get(span.range())?;
            let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
            embedded::decode_hcl_template(inner, span.start as usize + 1, true)
        }
        Expression::HeredocTemplate(h) => {
            let body = span_of(&h.template);
            let raw = text.get(body.range())?;
            embedded::decode_hcl_template(raw, body.start as usize, false)
        }
        Expression::Parenthesis(inner) => decoded_string(inner.inner(), text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl_edit::structure::Structure;

    fn attr<'a>(body: &'a Body, name: &str) -> &'a Expression {
        body.iter()
            .find_map(|s| match s {
                Structure::Attribute(a) if a.key.as_str() == name => Some(&a.value),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn objects_become_values_with_spans() {
        let text = "p = {\n  Version = \"2012-10-17\"\n  \"Statement\" = [{ Effect = \"Allow\", Resource = \"${aws_s3_bucket.b.arn}/*\", N = 5, R = var.r }]\n}\n";
        let body = parse(text).unwrap();
        let v = expr_value(attr(&body, "p"), text);
        assert_eq!(v.get("Version").unwrap().as_str(), Some("2012-10-17"));
        let key = &v.as_object().unwrap()[1];
        assert_eq!(&*key.key, "Statement");
        assert_eq!(&text[key.key_span.range()], "\"Statement\"");
        let ValueKind::Array(st) = &v.get("Statement").unwrap().kind else {
            panic!()
        };
        let r = st[0].get("Resource").unwrap();
        assert!(matches!(&r.kind, ValueKind::Unresolved(s) if &**s == "${aws_s3_bucket.b.arn}/*"));
        assert!(matches!(&st[0].get("N").unwrap().kind, ValueKind::Number(n) if &**n == "5"));
        assert!(
            matches!(&st[0].get("R").unwrap().kind, ValueKind::Unresolved(s) if &**s == "${var.r}")
        );
        assert_eq!(
            &text[st[0].get("Effect").unwrap().span.range()],
            "\"Allow\""
        );
    }

    #[test]
    fn heredoc_bodies_decode_in_place() {
        let text = "p = <<-EOF\n    {\"A\": \"${var.x}\"}\n    EOF\n";
        let body = parse(text).unwrap();
        let d = decoded_string(attr(&body, "p"), text).unwrap();
        assert!(d.text.contains("{\"A\": \"${var.x}\"}"));
        assert_eq!(d.interpolations.len(), 1);
    }

    #[test]
    fn errors_have_an_offset() {
        let e = parse("resource \"a\" {\n  x = \n}\n").unwrap_err();
        assert!(e.span.start > 0);
    }
}
