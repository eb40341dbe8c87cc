//! CloudFormation intrinsic functions: the short-form tags of YAML templates and the
//! resolution of intrinsics inside an embedded policy.
//!
//! The YAML reader lowers `!Sub x` to `{"Fn::Sub": x}` with [`long_form`], so JSON and YAML
//! templates reach the same tree. Inside a policy, [`resolve`] turns each intrinsic into a
//! [`ValueKind::Unresolved`] value whose text reads like a `Fn::Sub` string, so that rules see
//! a stand-in they already treat conservatively (`${...}`, the policy-variable syntax):
//!
//! - `Fn::Sub "arn:${AWS::Partition}:s3:::${Bucket}/*"` keeps its string;
//! - `Ref X` is `${X}`, `Fn::GetAtt [A, Arn]` is `${A.Arn}`;
//! - `Fn::Join [d, [parts]]` joins its literal parts and stand-ins (`arn:aws:s3:::${B}/*`);
//! - any other function is `${Fn::Name}`.
//!
//! `Ref AWS::NoValue` removes the member or item it stands for, as CloudFormation does, and an
//! `Fn::If` whose branches are objects or arrays (a conditional statement, say) resolves to the
//! first branch that is not `AWS::NoValue`: that is a structure the policy lowering can check,
//! where a stand-in in its place would be reported as the wrong type.
#![expect(
    clippy::doc_markdown,
    reason = "CloudFormation and CloudTrail are product names, not code"
)]

use super::{Member, Value, ValueKind};

/// Short-form tag name → long-form key.
const SHORT_FORMS: [(&str, &str); 21] = [
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Sub", "Fn::Sub"),
    ("GetAtt", "Fn::GetAtt"),
    ("Join", "Fn::Join"),
    ("If", "Fn::If"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("FindInMap", "Fn::FindInMap"),
    ("ImportValue", "Fn::ImportValue"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("GetAZs", "Fn::GetAZs"),
    ("Equals", "Fn::Equals"),
    ("Not", "Fn::Not"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Transform", "Fn::Transform"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("ValueOf", "Fn::ValueOf"),
];

/// The long-form key of a short-form tag name (`Sub` → `Fn::Sub`), if it is one.
pub fn long_form(short: &str) -> Option<&'static str> {
    SHORT_FORMS
        .iter()
        .find(|(s, _)| *s == short)
        .map(|(_, long)| *long)
}

/// The intrinsic function an object stands for: its single key, when that key is `Ref`, a
/// `Fn::` function, or `Condition` naming a condition.
pub fn intrinsic(value: &Value) -> Option<(&str, &Value)> {
    let [member] = value.as_object()? else {
        return None;
    };
    let key = &*member.key;
    let is_intrinsic = key == "Ref"
        || (key.starts_with("Fn::") && key.len() > 4)
        || (key == "Condition" && member.value.as_str().is_some());
    is_intrinsic.then_some((key, &member.value))
}

/// Whether a value is `Ref AWS::NoValue`.
pub fn is_no_value(value: &Value) -> bool {
    matches!(intrinsic(value), Some(("Ref", v)) if v.as_str() == Some("AWS::NoValue"))
}

/// Resolves the intrinsics inside a value (see the module docs). `None` is `AWS::NoValue`.
pub fn resolve(value: &Value) -> Option<Value> {
    if let Some((name, arg)) = intrinsic(value) {
        return resolve_intrinsic(value, name, arg);
    }
    let kind = match &value.kind {
        ValueKind::Array(items) => ValueKind::Array(items.iter().filter_map(resolve).collect()),
        ValueKind::Object(members) => ValueKind::Object(
            members
                .iter()
                .filter_map(|m| {
                    resolve(&m.value).map(|value| Member {
                        key: m.key.clone(),
                        key_span: m.key_span,
                        value,
                    })
                })
                .collect(),
        ),
        other => other.clone(),
    };
    Some(Value {
        kind,
        span: value.span,
    })
}

fn resolve_intrinsic(value: &Value, name: &str, arg: &Value) -> Option<Value> {
    if name == "Ref" && arg.as_str() == Some("AWS::NoValue") {
        return None;
    }
    if name == "Fn::If" {
        if let ValueKind::Array(items) = &arg.kind {
            let branches: Vec<&Value> = items.iter().skip(1).take(2).collect();
            // A branch that is a structure, or `AWS::NoValue` (the element is optional): pick.
            let structural = branches.iter().any(|b| {
                is_no_value(b)
                    || (matches!(b.kind, ValueKind::Object(_) | ValueKind::Array(_))
                        && intrinsic(b).is_none())
            });
            if structural {
                // Both branches `AWS::NoValue` (or no branch): the element is absent.
                return branches.iter().find_map(|b| resolve(b));
            }
        }
    }
    Some(Value {
        kind: ValueKind::Unresolved(stand_in(name, arg).into()),
        span: value.span,
    })
}

/// The text an intrinsic stands for, as a `Fn::Sub`-style string.
pub fn stand_in(name: &str, arg: &Value) -> String {
    match name {
        "Ref" => match arg.as_str() {
            Some(s) => format!("${{{s}}}"),
            None => "${Ref}".to_string(),
        },
        "Fn::GetAtt" => match &arg.kind {
            ValueKind::String(s) => format!("${{{s}}}"),
            ValueKind::Array(parts) => {
                let texts: Vec<String> = parts.iter().map(text_of).collect();
                format!("${{{}}}", texts.join("."))
            }
            _ => "${Fn::GetAtt}".to_string(),
        },
        "Fn::Sub" => match &arg.kind {
            ValueKind::String(s) => s.to_string(),
            ValueKind::Array(parts) => parts
                .first()
                .and_then(Value::as_str)
                .map_or_else(|| "${Fn::Sub}".to_string(), str::to_string),
            _ => "${Fn::Sub}".to_string(),
        },
        "Fn::Join" => {
            let joined = match &arg.kind {
                ValueKind::Array(args) => match (args.first(), args.get(1)) {
                    (Some(delimiter), Some(list)) => match (&delimiter.kind, &list.kind) {
                        (ValueKind::String(d), ValueKind::Array(parts)) => {
                            Some(parts.iter().map(text_of).collect::<Vec<_>>().join(d))
                        }
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            joined.unwrap_or_else(|| "${Fn::Join}".to_string())
        }
        other => format!("${{{other}}}"),
    }
}

/// A part of a joined string: literal text, or the stand-in of an intrinsic.
fn text_of(value: &Value) -> String {
    if let Some((name, arg)) = intrinsic(value) {
        return stand_in(name, arg);
    }
    match &value.kind {
        ValueKind::String(s) | ValueKind::Number(s) | ValueKind::Unresolved(s) => s.to_string(),
        ValueKind::Bool(b) => b.to_string(),
        _ => "${...}".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Value {
        Value::from_json(&serde_json::from_str(json).unwrap())
    }

    fn unresolved(value: &Value) -> &str {
        match &value.kind {
            ValueKind::Unresolved(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn intrinsics_become_stand_ins() {
        let cases = [
            (r#"{"Ref": "Bucket"}"#, "${Bucket}"),
            (r#"{"Fn::GetAtt": ["Role", "Arn"]}"#, "${Role.Arn}"),
            (r#"{"Fn::GetAtt": "Role.Arn"}"#, "${Role.Arn}"),
            (
                r#"{"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/*"}"#,
                "arn:${AWS::Partition}:s3:::${Bucket}/*",
            ),
            (
                r#"{"Fn::Sub": ["arn:aws:s3:::${B}", {"B": "x"}]}"#,
                "arn:aws:s3:::${B}",
            ),
            (
                r#"{"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "B"}, "/*"]]}"#,
                "arn:aws:s3:::${B}/*",
            ),
            (r#"{"Fn::ImportValue": "X"}"#, "${Fn::ImportValue}"),
            (r#"{"Fn::If": ["C", "a", "b"]}"#, "${Fn::If}"),
        ];
        for (json, text) in cases {
            assert_eq!(unresolved(&resolve(&v(json)).unwrap()), text, "{json}");
        }
    }

    #[test]
    fn no_value_drops_and_structural_if_picks_a_branch() {
        let doc = v(r#"{"Statement": [
            {"Fn::If": ["C", {"Effect": "Allow"}, {"Ref": "AWS::NoValue"}]},
            {"Fn::If": ["C", {"Ref": "AWS::NoValue"}, {"Effect": "Deny"}]},
            {"Fn::If": ["C", {"Ref": "AWS::NoValue"}, {"Ref": "AWS::NoValue"}]}
        ], "Id": {"Ref": "AWS::NoValue"}}"#);
        let r = resolve(&doc).unwrap();
        assert!(r.get("Id").is_none());
        let ValueKind::Array(items) = &r.get("Statement").unwrap().kind else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].get("Effect").unwrap().as_str(), Some("Allow"));
        assert_eq!(items[1].get("Effect").unwrap().as_str(), Some("Deny"));
    }

    #[test]
    fn condition_is_an_intrinsic_only_with_a_name() {
        assert!(intrinsic(&v(r#"{"Condition": "IsProd"}"#)).is_some());
        assert!(intrinsic(&v(r#"{"Condition": {"Bool": {}}}"#)).is_none());
        assert!(intrinsic(&v(r#"{"Fn::": 1}"#)).is_none());
    }
}
