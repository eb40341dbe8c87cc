//! `access_not_granted` (`policy_core::analysis::access`) against evaluation (proptest): for
//! random identity policies and random accesses, a `Fail`'s counterexample is allowed by the
//! policy and is one of the access when evaluated here, and a `Pass` is never contradicted by
//! a sampled request of the access that the policy allows. `Unknown` is allowed (with its
//! reason), a wrong `Pass` never. Its own small generator (statements over a few S3, SQS and
//! IAM actions and resources, with `NotAction`, `NotResource`, `Deny` and conditions).
//!
//! `PROPTEST_CASES` sets the number of cases (default 64).

use std::sync::Arc;

use policy_core::analysis::access::{access_not_granted, Access};
use policy_core::analysis::compare::Verdict;
use policy_core::ast::PolicyKind;
use policy_core::eval::{compile, Decision, PolicySet};
use policy_core::parse::parse_policy;
use policy_core::request::{Context, Request, RequestPrincipal};
use proptest::prelude::*;
use serde_json::{json, Value};

const CALLER: &str = "arn:aws:iam::111122223333:user/alice";

const POLICY_ACTIONS: [&str; 8] = [
    "*",
    "s3:*",
    "s3:Get*",
    "s3:GetObject",
    "s3:?utObject",
    "sqs:SendMessage",
    "iam:*",
    "iam:PassRole",
];
const ACCESS_ACTIONS: [&str; 7] = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:Delete*",
    "s3:*Object",
    "sqs:*",
    "iam:PassRole",
    "*",
];
/// Actions sampled for the `Pass` check.
const SAMPLED_ACTIONS: [&str; 8] = [
    "s3:GetObject",
    "s3:GetObjectAcl",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteBucket",
    "sqs:SendMessage",
    "sqs:DeleteQueue",
    "iam:PassRole",
];
const POLICY_RESOURCES: [&str; 6] = [
    "*",
    "arn:aws:s3:::reports/*",
    "arn:aws:s3:::reports/2024/*",
    "arn:aws:s3:::logs*",
    "arn:aws:sqs:us-east-1:111122223333:q?",
    "arn:aws:iam::111122223333:role/app",
];
const ACCESS_RESOURCES: [&str; 5] = [
    "arn:aws:s3:::reports/*",
    "arn:aws:s3:::reports/2024/a.csv",
    "arn:aws:s3:::logs/x",
    "arn:aws:sqs:us-east-1:111122223333:q1",
    "arn:aws:iam::111122223333:role/*",
];
const SAMPLED_RESOURCES: [&str; 8] = [
    "arn:aws:s3:::reports/a",
    "arn:aws:s3:::reports/2024/a.csv",
    "arn:aws:s3:::logs/x",
    "arn:aws:s3:::logsarchive",
    "arn:aws:sqs:us-east-1:111122223333:q1",
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:iam::111122223333:role/other",
    "*",
];
const CONDITIONS: [&str; 4] = [
    r#"{"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}"#,
    r#"{"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}"#,
    r#"{"Bool": {"aws:SecureTransport": "true"}}"#,
    r#"{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#,
];

fn statement() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::sample::subsequence(POLICY_ACTIONS.to_vec(), 1..3),
        any::<bool>(),
        prop::sample::subsequence(POLICY_RESOURCES.to_vec(), 1..3),
        prop::option::of(0..CONDITIONS.len()),
    )
        .prop_map(
            |(deny, not_action, actions, not_resource, resources, condition)| {
                let mut s = json!({"Effect": if deny { "Deny" } else { "Allow" }});
                s[if not_action { "NotAction" } else { "Action" }] = json!(actions);
                s[if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }] = json!(resources);
                if let Some(i) = condition {
                    s["Condition"] = serde_json::from_str(CONDITIONS[i]).unwrap();
                }
                s
            },
        )
}

fn allows(set: &PolicySet, action: &str, resource: &str, context: Context) -> bool {
    let principal = Arc::new(RequestPrincipal::parse(CALLER).unwrap());
    let account = principal.account.clone();
    let request = Request::new(principal, action, resource, account, context);
    set.evaluate(&request).decision == Decision::Allowed
}

fn contexts() -> Vec<Context> {
    let mut out = Vec::new();
    for region in [None, Some("eu-west-1"), Some("us-east-1")] {
        for secure in [None, Some("true"), Some("false")] {
            for ip in [None, Some("10.1.2.3"), Some("192.0.2.1")] {
                let mut c = Context::new();
                if let Some(r) = region {
                    c.insert("aws:RequestedRegion", vec![r.to_string()]);
                }
                if let Some(s) = secure {
                    c.insert("aws:SecureTransport", vec![s.to_string()]);
                }
                if let Some(i) = ip {
                    c.insert("aws:SourceIp", vec![i.to_string()]);
                }
                out.push(c);
            }
        }
    }
    out
}

proptest! {
    #[test]
    fn verdicts_agree_with_evaluation(
        statements in prop::collection::vec(statement(), 1..5),
        actions in prop::sample::subsequence(ACCESS_ACTIONS.to_vec(), 0..3),
        resources in prop::sample::subsequence(ACCESS_RESOURCES.to_vec(), 0..3),
    ) {
        // An access needs an action or a resource.
        let resources = if actions.is_empty() && resources.is_empty() {
            vec![ACCESS_RESOURCES[0]]
        } else {
            resources
        };
        let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        let parsed = parse_policy(&text, Some(PolicyKind::Identity));
        let policy = parsed.policy.unwrap();
        let to_strings = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        let access = Access::new(to_strings(&actions), to_strings(&resources)).unwrap();
        let set = PolicySet { identity: vec![compile(&policy, "policy", 0)], ..PolicySet::default() };
        let any = |v: &[&'static str]| -> Vec<&'static str> { if v.is_empty() { vec!["*"] } else { v.to_vec() } };
        let access_text = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": any(&actions), "Resource": any(&resources)}
        ]}).to_string();
        let access_policy = parse_policy(&access_text, Some(PolicyKind::Identity)).policy.unwrap();
        let in_access = PolicySet { identity: vec![compile(&access_policy, "access", 1)], ..PolicySet::default() };
        match access_not_granted(&policy, &access) {
            Verdict::Fail(c) => {
                let mut context = Context::new();
                for (k, v) in &c.context {
                    context.insert(k, v.clone());
                }
                prop_assert!(allows(&set, &c.action, &c.resource, context), "{text}: {c:?}");
                prop_assert!(allows(&in_access, &c.action, &c.resource, Context::new()), "{c:?} not in {actions:?} {resources:?}");
            }
            Verdict::Pass => {
                for action in SAMPLED_ACTIONS {
                    for resource in SAMPLED_RESOURCES {
                        if !allows(&in_access, action, resource, Context::new()) {
                            continue;
                        }
                        for context in contexts() {
                            prop_assert!(
                                !allows(&set, action, resource, context.clone()),
                                "PASS contradicted: {action} on {resource} with {context:?}: {text} / {actions:?} {resources:?}"
                            );
                        }
                    }
                }
            }
            Verdict::Unknown(_) => {}
        }
    }
}
