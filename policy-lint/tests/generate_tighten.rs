//! `tighten`: an existing policy cut down to what was recorded, with both checks.

use std::io::Cursor;

use policy_lint::generate::aggregate::{Activity, Selection};
use policy_lint::generate::cloudtrail::{Input, ReadOptions};
use policy_lint::generate::read_activity;
use policy_lint::generate::tighten::{tighten, ConcreteCalls};
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::111122223333:role/app";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/worker-1";

/// One recorded call of the role's session.
fn event(name: &str, params: &Value) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": SESSION,
            "accountId": "111122223333",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": ROLE, "accountId": "111122223333"}}
        },
        "eventTime": "2024-08-01T10:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "requestParameters": params,
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    })
}

fn activity(events: &[Value]) -> Activity {
    let text: String = events.iter().fold(String::new(), |mut s, e| {
        s.push_str(&e.to_string());
        s.push('\n');
        s
    });
    read_activity(
        vec![Input::Stream {
            name: "trail.ndjson".into(),
            reader: Box::new(Cursor::new(text.into_bytes())),
        }],
        Selection {
            principals: vec![ROLE.into()],
            ..Selection::default()
        },
        &ReadOptions::default(),
        None,
    )
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn s3_star_on_star_becomes_the_three_actions_on_the_bucket() {
    let bucket = json!({"bucketName": "reports", "Host": "reports.s3.us-east-1.amazonaws.com"});
    let a = activity(&[
        event("GetBucketPolicy", &bucket),
        event("PutBucketTagging", &bucket),
        event(
            "ListObjects",
            &json!({"bucketName": "reports", "prefix": "2024/"}),
        ),
        event(
            "ListObjects",
            &json!({"bucketName": "reports", "prefix": "2025/"}),
        ),
    ]);
    let recorded = a.principals.get(ROLE).expect("the role's activity");
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
    let report = tighten(policy, Some(recorded), &ConcreteCalls::default(), ROLE).unwrap();
    assert!(
        report.allows_recorded.passed,
        "{:?}",
        report.allows_recorded
    );
    assert!(report.no_new_access.passed, "{:?}", report.no_new_access);
    assert!(report.allows_mapped_calls.checked >= 3);
    assert!(report.no_new_access.checked >= 3);
    assert!(report.changed);
    let doc = report.policy.expect("a tightened policy");
    let statements = doc["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "{doc:#}");
    let mut actions = strings(&statements[0]["Action"]);
    actions.sort();
    assert_eq!(
        actions,
        vec!["s3:GetBucketPolicy", "s3:ListBucket", "s3:PutBucketTagging"]
    );
    assert_eq!(
        strings(&statements[0]["Resource"]),
        vec!["arn:aws:s3:::reports"]
    );
    assert_eq!(report.statements[0].status, "narrowed");
    assert_eq!(report.statements[0].broader_resources[0].original, "*");
}

#[test]
fn object_actions_stay_inside_the_bucket() {
    let a = activity(&[
        event(
            "GetObject",
            &json!({"bucketName": "reports", "key": "q3/summary.csv"}),
        ),
        event(
            "PutObject",
            &json!({"bucketName": "reports", "key": "q3/out.csv"}),
        ),
        event("ListObjects", &json!({"bucketName": "reports"})),
    ]);
    let recorded = a.principals.get(ROLE).unwrap();
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
    let report = tighten(policy, Some(recorded), &ConcreteCalls::default(), ROLE).unwrap();
    assert!(report.allows_recorded.passed && report.no_new_access.passed);
    let doc = report.policy.unwrap();
    let mut actions: Vec<String> = Vec::new();
    for s in doc["Statement"].as_array().unwrap() {
        actions.extend(strings(&s["Action"]));
        for r in strings(&s["Resource"]) {
            assert!(r.starts_with("arn:aws:s3:::reports"), "{r}");
        }
        assert!(s["Sid"].as_str().unwrap().starts_with("All"));
    }
    actions.sort();
    assert_eq!(
        actions,
        vec!["s3:GetObject", "s3:ListBucket", "s3:PutObject"]
    );
}

#[test]
fn unused_statements_go_denies_and_conditions_stay() {
    let a = activity(&[event(
        "GetObject",
        &json!({"bucketName": "reports", "key": "a.csv"}),
    )]);
    let recorded = a.principals.get(ROLE).unwrap();
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectAcl"], "Resource": "arn:aws:s3:::reports/*",
             "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
            {"Sid": "Ec2", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
            {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
        ]
    })
    .to_string();
    let report = tighten(&policy, Some(recorded), &ConcreteCalls::default(), ROLE).unwrap();
    assert!(
        report.allows_recorded.passed && report.no_new_access.passed,
        "{report:#?}"
    );
    let statuses: Vec<&str> = report.statements.iter().map(|s| s.status).collect();
    assert_eq!(statuses, vec!["narrowed", "unused", "kept"]);
    assert_eq!(report.statements[0].unused_actions, vec!["s3:GetObjectAcl"]);
    let doc = report.policy.unwrap();
    let st = doc["Statement"].as_array().unwrap();
    assert_eq!(st.len(), 2);
    assert_eq!(
        st[0]["Condition"]["IpAddress"]["aws:SourceIp"],
        "203.0.113.0/24"
    );
    assert_eq!(
        strings(&st[0]["Resource"]),
        vec!["arn:aws:s3:::reports/a.csv"]
    );
    assert_eq!(st[1]["Effect"], "Deny");
}

#[test]
fn a_tight_policy_is_kept_and_calls_it_does_not_grant_are_listed() {
    let a = activity(&[
        event(
            "GetObject",
            &json!({"bucketName": "reports", "key": "a.csv"}),
        ),
        event("GetBucketAcl", &json!({"bucketName": "other"})),
    ]);
    let recorded = a.principals.get(ROLE).unwrap();
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/a.csv"}]}"#;
    let report = tighten(policy, Some(recorded), &ConcreteCalls::default(), ROLE).unwrap();
    assert!(!report.changed, "{report:#?}");
    assert_eq!(report.statements[0].status, "kept");
    assert_eq!(report.not_granted.len(), 1);
    assert_eq!(report.not_granted[0].action, "s3:GetBucketAcl");
    // With a condition the recorded call does not meet, nothing is used.
    let denied_by_condition = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}"#;
    let report = tighten(
        denied_by_condition,
        Some(recorded),
        &ConcreteCalls::default(),
        ROLE,
    )
    .unwrap();
    assert!(report.policy.is_none());
    assert!(report.changed);
}

#[test]
fn bad_input_is_an_error() {
    assert!(tighten("{", None, &ConcreteCalls::default(), ROLE).is_err());
    assert!(tighten(
        r#"{"Version": "2012-10-17", "Statement": []}"#,
        None,
        &ConcreteCalls::default(),
        "bob"
    )
    .is_err());
}

#[test]
fn not_action_and_not_resource_statements_are_narrowed_safely() {
    let a = activity(&[
        event(
            "GetObject",
            &json!({"bucketName": "reports", "key": "a.csv"}),
        ),
        event("ListBuckets", &json!({})),
    ]);
    let recorded = a.principals.get(ROLE).unwrap();
    let policy = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "NotIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Sid": "NotSecret", "Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}
    ]}"#;
    let report = tighten(policy, Some(recorded), &ConcreteCalls::default(), ROLE).unwrap();
    assert!(
        report.allows_recorded.passed,
        "{:?}",
        report.allows_recorded
    );
    assert!(report.no_new_access.passed, "{:?}", report.no_new_access);
    let doc = report.policy.unwrap();
    for s in doc["Statement"].as_array().unwrap() {
        for action in strings(&s["Action"]) {
            assert!(
                action == "s3:GetObject" || action == "s3:ListAllMyBuckets",
                "{action}"
            );
        }
        assert!(s.get("NotAction").is_none());
    }
}
