//! Source text to a spanned value tree.
//!
//! Every reader (JSON now; YAML and HCL templates later) produces the same [`Value`] tree, in
//! which each value and each object key carries its byte span in the file it came from. The
//! policy lowering in [`crate::parse`] works on this tree only.

pub mod cfn;
pub mod embedded;
pub mod json;
pub mod terraform;
pub mod yaml;

use crate::source::Span;

/// A spanned value, as read from a document.
#[derive(Debug, Clone)]
pub struct Value {
    /// What the value is.
    pub kind: ValueKind,
    /// Where it is.
    pub span: Span,
}

/// The kinds of value a policy document may hold.
#[derive(Debug, Clone)]
pub enum ValueKind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as written (AWS compares condition values as strings).
    Number(Box<str>),
    /// A string, unescaped.
    String(Box<str>),
    /// An array.
    Array(Vec<Value>),
    /// An object, members in document order; duplicate keys are all kept.
    Object(Vec<Member>),
    /// A value whose content is only known at deploy time (a template intrinsic such as
    /// `Fn::Sub` or a Terraform interpolation). Readers keep its text for messages.
    Unresolved(Box<str>),
}

/// One `"key": value` member of an object.
#[derive(Debug, Clone)]
pub struct Member {
    /// The key, unescaped.
    pub key: Box<str>,
    /// Where the key is (with its quotes).
    pub key_span: Span,
    /// The value.
    pub value: Value,
}

impl Value {
    /// The JSON type name of this value, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            ValueKind::Null => "null",
            ValueKind::Bool(_) => "boolean",
            ValueKind::Number(_) => "number",
            ValueKind::String(_) => "string",
            ValueKind::Array(_) => "array",
            ValueKind::Object(_) => "object",
            ValueKind::Unresolved(_) => "unresolved template value",
        }
    }

    /// The string content, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.kind {
            ValueKind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The first member with exactly this key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .find(|m| &*m.key == key)
            .map(|m| &m.value)
    }

    /// Converts to a `serde_json::Value`; unresolved template values become strings.
    /// Duplicate keys keep the last value, as `serde_json` does.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.kind {
            ValueKind::Null => serde_json::Value::Null,
            ValueKind::Bool(b) => serde_json::Value::Bool(*b),
            ValueKind::Number(n) => serde_json::from_str::<serde_json::Number>(n).map_or_else(
                |_| serde_json::Value::String(n.to_string()),
                serde_json::Value::Number,
            ),
            ValueKind::String(s) | ValueKind::Unresolved(s) => {
                serde_json::Value::String(s.to_string())
            }
            ValueKind::Array(a) => serde_json::Value::Array(a.iter().map(Value::to_json).collect()),
            ValueKind::Object(m) => serde_json::Value::Object(
                m.iter()
                    .map(|m| (m.key.to_string(), m.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// Builds a value from `serde_json` with empty spans (tests, and documents built in code).
    pub fn from_json(value: &serde_json::Value) -> Value {
        let kind = match value {
            serde_json::Value::Null => ValueKind::Null,
            serde_json::Value::Bool(b) => ValueKind::Bool(*b),
            serde_json::Value::Number(n) => ValueKind::Number(n.to_string().into()),
            serde_json::Value::String(s) => ValueKind::String(s.as_str().into()),
            serde_json::Value::Array(a) => {
                ValueKind::Array(a.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(o) => ValueKind::Object(
                o.iter()
                    .map(|(k, v)| Member {
                        key: k.as_str().into(),
                        key_span: Span::default(),
                        value: Value::from_json(v),
                    })
                    .collect(),
            ),
        };
        Value {
            kind,
            span: Span::default(),
        }
    }
}
