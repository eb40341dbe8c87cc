//! Template readers: round trips (value tree → YAML / HCL / JSON string → value tree, spans
//! aside), and spans that point into the original text.

use std::fmt::Write as _;

use policy_core::syntax::{embedded, terraform, yaml, Member, Value, ValueKind};
use policy_core::Span;
use proptest::prelude::*;

/// Span-blind equality of value trees.
fn same(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (ValueKind::Null, ValueKind::Null) => true,
        (ValueKind::Bool(x), ValueKind::Bool(y)) => x == y,
        (ValueKind::Number(x), ValueKind::Number(y))
        | (ValueKind::String(x), ValueKind::String(y))
        | (ValueKind::Unresolved(x), ValueKind::Unresolved(y)) => x == y,
        (ValueKind::Array(x), ValueKind::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (ValueKind::Object(x), ValueKind::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(a, b)| a.key == b.key && same(&a.value, &b.value))
        }
        _ => false,
    }
}

fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9:*/._${}-]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
        Just("arn:${AWS::Partition}:s3:::${Bucket}/*".to_string()),
        Just("true".to_string()),
        Just("010".to_string()),
        Just("- x".to_string()),
        Just("a: b # c".to_string()),
    ]
}

fn number(non_negative: bool) -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(move |n| if non_negative {
            n.unsigned_abs().to_string()
        } else {
            n.to_string()
        }),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(move |f| serde_json::Number::from_f64(if non_negative {
                f.abs()
            } else {
                f
            })
            .map_or_else(|| "0".to_string(), |n| n.to_string())),
    ]
}

fn leaf(non_negative: bool) -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(ValueKind::Null),
        any::<bool>().prop_map(ValueKind::Bool),
        number(non_negative).prop_map(|n| ValueKind::Number(n.into())),
        string().prop_map(|s| ValueKind::String(s.into())),
    ]
    .prop_map(|kind| Value {
        kind,
        span: Span::default(),
    })
}

fn tree(non_negative: bool, intrinsics: bool) -> impl Strategy<Value = Value> {
    leaf(non_negative).prop_recursive(4, 48, 6, move |inner| {
        let collections = prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(ValueKind::Array),
            prop::collection::vec((string(), inner.clone()), 0..5).prop_map(|members| {
                ValueKind::Object(
                    members
                        .into_iter()
                        .map(|(key, value)| Member {
                            key: key.into(),
                            key_span: Span::default(),
                            value,
                        })
                        .collect(),
                )
            }),
        ]
        .prop_map(|kind| Value {
            kind,
            span: Span::default(),
        });
        if !intrinsics {
            return collections.boxed();
        }
        let intrinsic = (
            prop::sample::select(vec!["Ref", "Fn::Sub", "Fn::Join", "Fn::GetAtt", "Fn::If"]),
            inner,
        )
            .prop_map(|(name, arg)| Value {
                kind: ValueKind::Object(vec![Member {
                    key: name.into(),
                    key_span: Span::default(),
                    // A short-form tag's scalar is a string (`!Ref 1` names `1`).
                    value: match arg.kind {
                        ValueKind::Null => string_value("null"),
                        ValueKind::Bool(b) => string_value(&b.to_string()),
                        ValueKind::Number(n) => string_value(&n),
                        _ => arg,
                    },
                }]),
                span: Span::default(),
            });
        prop_oneof![3 => collections, 1 => intrinsic].boxed()
    })
}

fn string_value(s: &str) -> Value {
    Value {
        kind: ValueKind::String(s.into()),
        span: Span::default(),
    }
}

/// A YAML double-quoted scalar.
fn yaml_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ) =>
            {
                let _ = write!(out, "\\U{:08X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn short_tag(value: &Value) -> Option<(&'static str, &Value)> {
    let [m] = value.as_object()? else { return None };
    let tag = match &*m.key {
        "Ref" => "!Ref",
        "Fn::Sub" => "!Sub",
        "Fn::Join" => "!Join",
        "Fn::GetAtt" => "!GetAtt",
        "Fn::If" => "!If",
        _ => return None,
    };
    // `!GetAtt "a.b"` is split at the dot; a string is written long-form to keep it whole.
    if tag == "!GetAtt" && m.value.as_str().is_some() {
        return None;
    }
    Some((tag, &m.value))
}

/// Writes a value as block YAML at `indent`; `inline` is the text before it on its line.
fn write_yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    if let Some((tag, arg)) = short_tag(value) {
        out.push_str(tag);
        match &arg.kind {
            ValueKind::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_block(arg, indent + 2, out);
            }
            ValueKind::Object(members) if !members.is_empty() => {
                out.push('\n');
                write_block(arg, indent + 2, out);
            }
            _ => {
                out.push(' ');
                write_yaml(arg, indent, out);
            }
        }
        return;
    }
    match &value.kind {
        ValueKind::Null => out.push_str("null\n"),
        ValueKind::Bool(b) => {
            let _ = writeln!(out, "{b}");
        }
        ValueKind::Number(n) => {
            let _ = writeln!(out, "{n}");
        }
        ValueKind::String(s) | ValueKind::Unresolved(s) => {
            out.push_str(&yaml_quoted(s));
            out.push('\n');
        }
        ValueKind::Array(items) if items.is_empty() => out.push_str("[]\n"),
        ValueKind::Object(members) if members.is_empty() => out.push_str("{}\n"),
        _ => {
            out.push('\n');
            let _ = pad;
            write_block(value, indent + 2, out);
        }
    }
}

/// A non-empty collection in block style, each entry on its own line at `indent`.
fn write_block(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match &value.kind {
        ValueKind::Array(items) => {
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                write_yaml(item, indent, out);
            }
        }
        ValueKind::Object(members) => {
            for m in members {
                out.push_str(&pad);
                out.push_str(&yaml_quoted(&m.key));
                out.push_str(": ");
                write_yaml(&m.value, indent, out);
            }
        }
        _ => write_yaml(value, indent, out),
    }
}

/// An HCL quoted string (template markers escaped).
fn hcl_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    let mut prev = '\0';
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '{' if prev == '$' || prev == '%' => {
                out.push(prev);
                out.push('{');
            }
            c if c.is_control() => {
                let _ = write!(out, "\\U{:08X}", u32::from(c));
            }
            c => out.push(c),
        }
        prev = c;
    }
    out.push('"');
    out
}

fn write_hcl(value: &Value, out: &mut String) {
    match &value.kind {
        ValueKind::Null => out.push_str("null"),
        ValueKind::Bool(b) => out.push_str(&b.to_string()),
        ValueKind::Number(n) => out.push_str(n),
        ValueKind::String(s) | ValueKind::Unresolved(s) => out.push_str(&hcl_quoted(s)),
        ValueKind::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_hcl(item, out);
            }
            out.push(']');
        }
        ValueKind::Object(members) => {
            out.push_str("{\n");
            for m in members {
                out.push_str(&hcl_quoted(&m.key));
                out.push_str(" = ");
                write_hcl(&m.value, out);
                out.push('\n');
            }
            out.push('}');
        }
    }
}

/// Keys of an HCL object are unique: the last one wins.
fn dedup_keys(value: &Value) -> Value {
    let kind = match &value.kind {
        ValueKind::Array(items) => ValueKind::Array(items.iter().map(dedup_keys).collect()),
        ValueKind::Object(members) => {
            let mut out: Vec<Member> = Vec::new();
            for m in members {
                let m = Member {
                    key: m.key.clone(),
                    key_span: m.key_span,
                    value: dedup_keys(&m.value),
                };
                if let Some(i) = out.iter().position(|x| x.key == m.key) {
                    out[i] = m;
                } else {
                    out.push(m);
                }
            }
            ValueKind::Object(out)
        }
        other => other.clone(),
    };
    Value {
        kind,
        span: value.span,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn yaml_round_trip(value in tree(false, true)) {
        let mut text = String::new();
        match &value.kind {
            ValueKind::Array(items) if !items.is_empty() => write_block(&value, 0, &mut text),
            ValueKind::Object(members) if !members.is_empty() && short_tag(&value).is_none() => {
                write_block(&value, 0, &mut text);
            }
            _ => write_yaml(&value, 0, &mut text),
        }
        let parsed = yaml::parse(&text);
        prop_assert!(parsed.errors.is_empty(), "{:?}\n{}", parsed.errors, text);
        let back = parsed.value.unwrap();
        prop_assert!(same(&value, &back), "{text}\n{back:#?}");
        // Every span is inside the text and on character boundaries.
        let mut work = vec![&back];
        while let Some(v) = work.pop() {
            prop_assert!(text.get(v.span.range()).is_some(), "{:?}", v.span);
            match &v.kind {
                ValueKind::Array(items) => work.extend(items),
                ValueKind::Object(members) => {
                    for m in members {
                        prop_assert!(text.get(m.key_span.range()).is_some());
                        work.push(&m.value);
                    }
                }
                _ => {}
            }
        }
    }

    #[test]
    fn hcl_round_trip(value in tree(true, false)) {
        let value = dedup_keys(&value);
        let mut text = String::from("p = ");
        write_hcl(&value, &mut text);
        text.push('\n');
        let body = terraform::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let expr = body.attributes().next().map(|a| a.value.clone()).unwrap();
        let back = terraform::expr_value(&expr, &text);
        prop_assert!(same(&value, &back), "{text}\n{back:#?}");
    }

    #[test]
    fn json_string_round_trip(value in tree(false, false)) {
        let json = serde_json::to_string(&value.to_json()).unwrap();
        let file = serde_json::to_string(&serde_json::json!({"policy": json})).unwrap();
        let start = file.find(":\"").unwrap() + 1;
        let raw = &file[start..file.len() - 1];
        let decoded = embedded::decode_json_string(raw, start).unwrap();
        prop_assert_eq!(&decoded.text, &json);
        let read = embedded::read_json(&decoded);
        prop_assert!(read.errors.is_empty());
        let back = read.value.unwrap();
        prop_assert_eq!(back.to_json(), value.to_json());
        // Each string's span covers its escaped form in the file.
        if let ValueKind::String(s) = &back.kind {
            let escaped = serde_json::to_string(&serde_json::to_string(&**s).unwrap()).unwrap();
            prop_assert_eq!(&file[back.span.range()], &escaped[1..escaped.len() - 1]);
        }
    }
}

#[test]
fn yaml_reader_never_panics_on_odd_input() {
    for text in [
        "!Ref",
        "!GetAtt",
        "!Sub\n- a\n- b: [c",
        "a: *b",
        "&a [*a]",
        "? a\n? b",
        "---\n---\n",
        "%YAML 1.2\n---\na",
        "a: !<tag:x> b",
        "\u{feff}a: 1",
        "a:\t1",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ] {
        let _ = yaml::parse(text);
    }
}
