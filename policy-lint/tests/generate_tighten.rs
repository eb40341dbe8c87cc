//! `tighten`: an existing policy cut down to what was recorded, with both checks.

use std::io::Cursor;

use policy_lint::generate::aggregate::{Activity, Selection};
use policy_lint::generate::cloudtrail::{Input, ReadOptions};
use policy_lint::generate::read_activity_and_requests;
use policy_lint::generate::tighten::{tighten, TightenReport};
use policy_lint::generate::verify::{PrincipalRequests, RecordedRequests};
use std::collections::BTreeSet;

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

/// What the trail recorded: the mapped activity and the calls for the independent check.
struct Trail {
    activity: Activity,
    requests: RecordedRequests,
}

impl Trail {
    /// Tightens `policy` for the role.
    fn tighten(&self, policy: &str) -> TightenReport {
        tighten(
            policy,
            self.activity.principals.get(ROLE),
            self.requests.principal(ROLE),
            ROLE,
        )
        .unwrap()
    }
}

fn activity(events: &[Value]) -> Trail {
    let text: String = events.iter().fold(String::new(), |mut s, e| {
        s.push_str(&e.to_string());
        s.push('\n');
        s
    });
    let (activity, requests) = read_activity_and_requests(
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
    );
    Trail { activity, requests }
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
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
    let report = a.tighten(policy);
    assert!(
        report.allows_recorded.passed,
        "{:?}",
        report.allows_recorded
    );
    assert!(report.no_new_access.passed, "{:?}", report.no_new_access);
    assert!(report.allows_mapped_calls.checked >= 3);
    // The independent check saw the four calls, each on the bucket its event names.
    assert_eq!(
        report.allows_recorded.checked, 4,
        "{:?}",
        report.recorded_check
    );
    assert_eq!(report.allows_recorded.unchecked, Some(0));
    // Check (b) is one decision over every request; it counts the new statements proven.
    assert!(report.no_new_access.checked >= 1);
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
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
    let report = a.tighten(policy);
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
    let report = a.tighten(&policy);
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
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/a.csv"}]}"#;
    let report = a.tighten(policy);
    assert!(!report.changed, "{report:#?}");
    assert_eq!(report.statements[0].status, "kept");
    assert_eq!(report.not_granted.len(), 1);
    assert_eq!(report.not_granted[0].action, "s3:GetBucketAcl");
    // With a condition the recorded call does not meet, nothing is used.
    let denied_by_condition = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}"#;
    let report = a.tighten(denied_by_condition);
    assert!(report.policy.is_none());
    assert!(report.changed);
}

#[test]
fn bad_input_is_an_error() {
    assert!(tighten("{", None, &PrincipalRequests::default(), ROLE).is_err());
    assert!(tighten(
        r#"{"Version": "2012-10-17", "Statement": []}"#,
        None,
        &PrincipalRequests::default(),
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
    let policy = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "NotIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Sid": "NotSecret", "Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}
    ]}"#;
    let report = a.tighten(policy);
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

#[test]
fn statements_that_could_allow_an_unmapped_call_are_kept_as_written() {
    // A call newer than the IAM reference and the SDK map (the name is made up; the record
    // follows the CloudTrail User Guide's "CloudTrail record contents"): the generator cannot
    // map it, so no evaluation can say which statement allows it.
    let mut unknown = event("DescribeInstanceTopologyV9", &json!({"maxResults": 10}));
    unknown["eventSource"] = json!("ec2.amazonaws.com");
    let a = activity(&[
        event(
            "GetObject",
            &json!({"bucketName": "reports", "key": "a.csv"}),
        ),
        unknown,
    ]);
    let unmapped = &a.activity.principals.get(ROLE).unwrap().unmapped;
    assert_eq!(
        unmapped.keys().collect::<Vec<_>>(),
        vec!["ec2.amazonaws.com DescribeInstanceTopologyV9"]
    );
    let policy = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "Ec2Read", "Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
        {"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "Logs", "Effect": "Allow", "Action": "logs:*", "Resource": "*"}
    ]}"#;
    let report = a.tighten(policy);
    assert!(report.checks_passed(), "{report:#?}");
    let ec2 = &report.statements[0];
    assert_eq!(ec2.status, "kept");
    assert_eq!(
        ec2.unseen_calls,
        vec!["ec2.amazonaws.com DescribeInstanceTopologyV9"]
    );
    assert!(ec2
        .reason
        .as_deref()
        .unwrap()
        .contains("could not be mapped"));
    assert_eq!(report.statements[1].status, "narrowed");
    // Logs cannot allow an EC2 call: dropped as unused.
    assert_eq!(report.statements[2].status, "unused");
    let doc = report.policy.unwrap();
    assert_eq!(
        doc["Statement"][0],
        json!({"Sid": "Ec2Read", "Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})
    );
    // PowerUserAccess's `NotAction` statement allows every EC2 action: kept as written too.
    let power = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../corpus/policies/aws-managed/PowerUserAccess.json"),
    )
    .unwrap();
    let report = a.tighten(&power);
    assert_eq!(report.statements[0].status, "kept");
    assert!(report.statements[0].unseen_calls.len() == 1);
    assert!(report.policy.unwrap()["Statement"][0]
        .get("NotAction")
        .is_some());
}

// ---------------------------------------------------------------------------------------------
// The AWS managed policies on every principal of the real trail corpus
// ---------------------------------------------------------------------------------------------

/// `corpus/cloudtrail/`: 310 real events, 41 principals (see its PROVENANCE.md).
fn corpus_trail() -> (Activity, RecordedRequests) {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/cloudtrail");
    let (activity, requests) = read_activity_and_requests(
        vec![Input::Path(dir)],
        Selection::default(),
        &ReadOptions::default(),
        None,
    );
    assert!(activity.problems.is_empty(), "{:?}", activity.problems);
    assert_eq!(activity.counts.events, 310);
    (activity, requests)
}

/// An AWS managed policy as the AWS Managed Policy Reference publishes it
/// (`corpus/policies/aws-managed/`).
fn managed(name: &str) -> String {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/policies/aws-managed")
        .join(format!("{name}.json"));
    std::fs::read_to_string(path).unwrap()
}

/// IAM's wildcard match of action names: `*` any run, `?` one character, case ignored (IAM
/// User Guide, "IAM JSON policy elements: Action": "You can use wildcards (* or ?) in the
/// action name"; "action names are not case sensitive"). Deliberately naive.
fn glob(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) => a == b && go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(
        pattern.to_ascii_lowercase().as_bytes(),
        name.to_ascii_lowercase().as_bytes(),
    )
}

/// Whether the managed policy `doc` allows `action`, by the documented rules alone: an
/// `Action` statement allows the actions its patterns match, a `NotAction` statement every
/// action none of its patterns match (IAM User Guide, "IAM JSON policy elements: `NotAction`").
/// Both policies' statements have `"Resource": "*"`; the one statement with a condition
/// (`ReadOnlyAccess`'s S3 Express session, `s3express:SessionMode`) allows nothing a recorded
/// call of the corpus makes, and is left out.
fn documented_allows(doc: &Value, action: &str) -> bool {
    doc["Statement"].as_array().unwrap().iter().any(|s| {
        assert_eq!(s["Effect"], "Allow");
        assert_eq!(s["Resource"], "*", "{s}");
        if s.get("Condition").is_some() {
            assert!(!action.starts_with("s3express:"), "{action}");
            return false;
        }
        match (s.get("Action"), s.get("NotAction")) {
            (Some(a), None) => strings(a).iter().any(|p| glob(p, action)),
            (None, Some(n)) => !strings(n).iter().any(|p| glob(p, action)),
            _ => panic!("{s}"),
        }
    })
}

/// The actions an `Allow` statement of a tightened policy names.
fn tightened_actions(report: &TightenReport) -> Vec<String> {
    let Some(doc) = &report.policy else {
        return Vec::new();
    };
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            assert!(s.get("NotAction").is_none(), "{s}");
            strings(&s["Action"])
        })
        .collect()
}

#[test]
fn managed_policies_tightened_on_every_corpus_principal_lose_no_recorded_call_and_add_nothing() {
    let (activity, requests) = corpus_trail();
    assert!(activity.principals.len() >= 40);
    let mut problems: Vec<String> = Vec::new();
    let (mut checked, mut unchecked, mut tightened) = (0, 0, 0);
    for name in ["PowerUserAccess", "ReadOnlyAccess"] {
        let text = managed(name);
        let doc: Value = serde_json::from_str(&text).unwrap();
        for (arn, principal) in &activity.principals {
            let report = tighten(&text, Some(principal), requests.principal(arn), arn).unwrap();
            // (a), independently of the mapping: no recorded call the original allows is lost.
            if !report.allows_recorded.passed {
                problems.push(format!(
                    "{name} for {arn}: check (a) lost {:?}",
                    report.allows_recorded.failures
                ));
            }
            // (b): nothing new.
            if !report.no_new_access.passed {
                problems.push(format!(
                    "{name} for {arn}: check (b) failed: {:?}",
                    report.no_new_access.failures
                ));
            }
            if !report.allows_mapped_calls.passed {
                problems.push(format!(
                    "{name} for {arn}: the rebuild lost mapped calls: {:?}",
                    report.allows_mapped_calls.failures
                ));
            }
            checked += report.allows_recorded.checked;
            unchecked += report.allows_recorded.unchecked.unwrap_or_default();
            // The decisions the policy documents give, by the documented rules: the recorded
            // actions the policy allows are exactly the ones the tightened policy names, the
            // others are listed as not granted.
            let recorded: BTreeSet<&str> = principal.actions.keys().map(String::as_str).collect();
            let allowed: BTreeSet<&str> = recorded
                .iter()
                .copied()
                .filter(|a| documented_allows(&doc, a))
                .collect();
            let not_granted: BTreeSet<&str> = report
                .not_granted
                .iter()
                .map(|c| c.action.as_str())
                .collect();
            let expected_not: BTreeSet<&str> = recorded.difference(&allowed).copied().collect();
            if not_granted != expected_not {
                problems.push(format!(
                    "{name} for {arn}: not granted {not_granted:?}, the document says {expected_not:?}"
                ));
            }
            let named = tightened_actions(&report);
            for a in &allowed {
                if !named.iter().any(|p| glob(p, a)) {
                    problems.push(format!("{name} for {arn}: {a} was cut"));
                }
            }
            for p in &named {
                if !allowed.iter().any(|a| glob(p, a)) {
                    problems.push(format!("{name} for {arn}: {p} was not recorded"));
                }
            }
            if allowed.is_empty() {
                assert!(report.policy.is_none(), "{name} for {arn}");
            } else {
                tightened += 1;
                assert!(report.changed, "{name} for {arn}");
            }
        }
    }
    eprintln!(
        "managed policies on the corpus: {tightened} tightened policies, check (a) {checked} calls checked, {unchecked} unchecked"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Enough pairs to matter (the documents allow some recorded call of most principals).
    assert!(tightened >= 30, "{tightened}");
    assert!(checked >= 200, "{checked}");
}

#[test]
fn the_documents_decide_what_the_managed_policies_grant() {
    // PowerUserAccess "does not allow management of Users and groups" (AWS Managed Policy
    // Reference, PowerUserAccess); ReadOnlyAccess "provides read-only access" (ReadOnlyAccess):
    // CloudTrail's DeleteTrail is a Write action (Service Authorization Reference, AWS
    // CloudTrail), EC2's DescribeInstances a List action.
    let power = serde_json::from_str(&managed("PowerUserAccess")).unwrap();
    let read = serde_json::from_str(&managed("ReadOnlyAccess")).unwrap();
    assert!(!documented_allows(&power, "iam:CreateUser"));
    assert!(!documented_allows(&power, "iam:PassRole"));
    assert!(documented_allows(&power, "iam:ListRoles"));
    assert!(documented_allows(&power, "cloudtrail:DeleteTrail"));
    assert!(!documented_allows(&read, "cloudtrail:DeleteTrail"));
    assert!(documented_allows(&read, "ec2:DescribeInstances"));
    let (activity, requests) = corpus_trail();
    let user = "arn:aws:iam::229654561268:user/christophe";
    let p = activity.principals.get(user).unwrap();
    let report = tighten(
        &managed("PowerUserAccess"),
        Some(p),
        requests.principal(user),
        user,
    )
    .unwrap();
    // Its calls are IAM user management: none is granted, nothing is left to keep.
    assert!(report.policy.is_none(), "{report:#?}");
    let actions: BTreeSet<&str> = report
        .not_granted
        .iter()
        .map(|c| c.action.as_str())
        .collect();
    assert!(actions.contains("iam:CreateUser"), "{actions:?}");
    let deleter = "arn:aws:iam::847129010505:user/christophe";
    let p = activity.principals.get(deleter).unwrap();
    let report = tighten(
        &managed("ReadOnlyAccess"),
        Some(p),
        requests.principal(deleter),
        deleter,
    )
    .unwrap();
    assert!(report.policy.is_none());
    assert_eq!(report.not_granted[0].action, "cloudtrail:DeleteTrail");
    let report = tighten(
        &managed("PowerUserAccess"),
        Some(p),
        requests.principal(deleter),
        deleter,
    )
    .unwrap();
    assert_eq!(tightened_actions(&report), vec!["cloudtrail:DeleteTrail"]);
    // The event names the trail by `name` (CloudTrail API Reference, DeleteTrail: "the name or
    // the CloudTrail ARN of the trail"): the independent check makes the trail's ARN from it,
    // and the tightened policy still allows the call.
    assert!(report.allows_recorded.passed, "{report:#?}");
    assert_eq!(report.allows_recorded.checked, 1, "{report:#?}");
}
