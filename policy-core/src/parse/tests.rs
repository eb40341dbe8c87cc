use super::*;
use crate::ast::{Effect, PolicyKind, SetQualifier};

fn names(text: &str, kind: Option<PolicyKind>) -> Vec<&'static str> {
    parse_policy(text, kind)
        .errors
        .iter()
        .map(|e| e.kind.name())
        .collect()
}

#[test]
fn reads_every_shape_aws_accepts() {
    let text = r#"{
      "Version": "2012-10-17", "Id": "x",
      "Statement": {
        "Sid": "A", "Effect": "Allow",
        "Principal": {"AWS": ["111122223333", "arn:aws:iam::111122223333:root"], "Service": "s3.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": ["arn:aws:s3:::b/*"],
        "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["a*", "b"]}, "Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"s3:max-keys": 10}}
      }
    }"#;
    let parsed = parse_policy(text, None);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let p = parsed.policy.unwrap();
    assert_eq!(p.kind, PolicyKind::Resource);
    assert_eq!(p.statements.len(), 1);
    let s = &p.statements[0];
    assert_eq!(s.effect(), Some(Effect::Allow));
    assert_eq!(s.principal.as_ref().unwrap().value.entries().len(), 2);
    assert_eq!(s.actions()[0].node, "s3:GetObject");
    assert_eq!(&text[s.actions()[0].span.range()], "\"s3:GetObject\"");
    let c = s.conditions();
    assert_eq!(c.len(), 3);
    assert_eq!(
        c[0].operator.node.qualifier,
        Some(SetQualifier::ForAnyValue)
    );
    assert_eq!(c[1].keys[0].values[0].node.as_text(), "true");
    assert_eq!(c[2].keys[0].values[0].node.type_name(), "number");
}

#[test]
fn returns_every_problem() {
    let text = r#"{"Version": "2012-10-18", "Statement": [
        {"Effect": "allow ", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"},
        {"Effect": "Deny", "Action": [], "NotAction": "x", "Resource": "*", "Conditon": {}},
        {"Effect": "Allow", "Resource": "*", "Condition": {"StringEqual": {"a:b": "c"}, "NullIfExists": {"a:b": "true"}}}
    ]}"#;
    assert_eq!(
        names(text, Some(PolicyKind::Identity)),
        vec![
            "invalid-version",
            "invalid-effect",
            "element-not-allowed",
            "empty-element",
            "conflicting-elements",
            "unknown-element",
            "missing-action",
            "unknown-condition-operator",
            "null-with-if-exists",
        ]
    );
    let errs = parse_policy(text, Some(PolicyKind::Identity)).errors;
    let effect = errs
        .iter()
        .find(|e| e.kind.name() == "invalid-effect")
        .unwrap();
    assert_eq!(effect.kind.help().as_deref(), Some("did you mean `Allow`?"));
    let op = errs
        .iter()
        .find(|e| e.kind.name() == "unknown-condition-operator")
        .unwrap();
    assert_eq!(
        op.kind.help().as_deref(),
        Some("did you mean `StringEquals`?")
    );
    let unknown = errs
        .iter()
        .find(|e| e.kind.name() == "unknown-element")
        .unwrap();
    assert_eq!(
        unknown.kind.help().as_deref(),
        Some("did you mean `Condition`?")
    );
}

#[test]
fn duplicate_keys_are_seen_and_the_last_wins() {
    let text = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Effect": "Allow", "Action": "*", "Resource": "*"}}"#;
    let parsed = parse_policy(text, None);
    assert_eq!(parsed.errors.len(), 1);
    let e = &parsed.errors[0];
    assert_eq!(e.kind.name(), "duplicate-key");
    assert_eq!(&text[e.span.range()], "\"Effect\"");
    assert!(e.related.unwrap().start < e.span.start);
    assert_eq!(
        parsed.policy.unwrap().statements[0].effect(),
        Some(Effect::Allow)
    );
}

#[test]
fn element_rules_follow_the_policy_kind() {
    let with_principal = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Resource": "*"}}"#;
    assert_eq!(
        names(with_principal, Some(PolicyKind::Identity)),
        vec!["element-not-allowed"]
    );
    assert_eq!(
        names(with_principal, Some(PolicyKind::Scp)),
        vec!["element-not-allowed"]
    );
    assert!(names(with_principal, Some(PolicyKind::Resource)).is_empty());
    assert_eq!(
        names(with_principal, Some(PolicyKind::Trust)),
        vec!["element-not-allowed"]
    );
    let no_principal = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#;
    assert_eq!(
        names(no_principal, Some(PolicyKind::Resource)),
        vec!["missing-principal"]
    );
    assert!(names(no_principal, Some(PolicyKind::Identity)).is_empty());
    let trust = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotPrincipal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}"#;
    assert_eq!(names(trust, None), vec!["element-not-allowed"]);
    assert_eq!(
        parse_policy(trust, None).policy.unwrap().kind,
        PolicyKind::Trust
    );
    let no_resource = r#"{"Statement": {"Effect": "Allow", "Action": "s3:*"}}"#;
    assert_eq!(
        names(no_resource, Some(PolicyKind::Identity)),
        vec!["missing-resource"]
    );
}

#[test]
fn syntax_errors_come_with_positions_and_the_rest_is_still_read() {
    let text = "{\"Version\": \"2012-10-17\",\n \"Statement\": [{\"Effect\": \"Alow\", \"Action\": \"*\", \"Resource\": \"*\",}]}";
    let parsed = parse_policy(text, None);
    assert_eq!(
        parsed
            .errors
            .iter()
            .map(|e| e.kind.name())
            .collect::<Vec<_>>(),
        vec!["invalid-effect", "json-syntax"]
    );
    let comma = &parsed.errors[1];
    let file = crate::source::SourceFile::new("p.json", text);
    let pos = file.line_col(comma.span.start);
    assert_eq!((pos.line, pos.column), (2, 65));
    assert!(parse_policy("{\"Statement\": [", None).policy.is_none());
}

#[test]
fn wrong_types_are_reported_not_dropped_silently() {
    let text = r#"{"Version": 2012, "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", 7], "Resource": {"a": 1}, "Condition": {"StringEquals": {"k": [null]}}}, "x"]}"#;
    assert_eq!(
        names(text, Some(PolicyKind::Identity)),
        vec!["invalid-element-type"; 5]
    );
}
