//! `what_can` on hand-built snapshots (expected answers from the IAM User Guide sections
//! named), and a property test against `PolicySet::evaluate`.

mod account_support;

use account_support::{allow, Build, MAIN};
use policy_core::analysis::what_can::{what_can, WhatCan};
use policy_core::eval::Decision;
use policy_core::request::{Context, Request, RequestPrincipal};
use proptest::prelude::*;

fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{MAIN}:user/{name}")
}

/// IAM UG "Permissions boundaries for IAM entities" (`access_policies_boundaries`), the
/// first figure: the identity policy allows S3, `CloudWatch` and EC2, the boundary S3 and
/// `CloudWatch`: the effective permissions are S3 and `CloudWatch` only.
#[test]
fn boundary_intersects_identity_by_service() {
    let mut b = Build::default();
    b.user(
        MAIN,
        "shirley",
        &[r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","cloudwatch:*","ec2:*"],"Resource":"*"}]}"#],
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","cloudwatch:*"],"Resource":"*"}]}"#),
    );
    let answer = what_can(&b.snapshot, &user_arn("shirley"), None).unwrap();
    let services: std::collections::BTreeSet<&str> =
        answer.grants.iter().map(|g| g.service.as_str()).collect();
    assert_eq!(
        services.into_iter().collect::<Vec<_>>(),
        vec!["cloudwatch", "s3"]
    );
    // By access level: S3 has actions at every level.
    let levels: std::collections::BTreeSet<&str> = answer
        .grants
        .iter()
        .filter(|g| g.service == "s3")
        .map(|g| g.access_level.as_str())
        .collect();
    assert!(levels.contains("Read") && levels.contains("Write") && levels.contains("List"));
    assert!(answer.classes < answer.actions_checked);
}

/// IAM UG "Policy evaluation logic": an explicit deny overrides an allow. A deny on part of
/// the allowed resources is listed as an exception; one that covers them all removes the
/// grant.
#[test]
fn partial_deny_is_an_exception_and_a_covering_deny_removes_the_grant() {
    let mut b = Build::default();
    b.user(
        MAIN,
        "alice",
        &[r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"},
        {"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/secret/*"},
        {"Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-*"}]}"#],
        None,
    );
    let answer = what_can(&b.snapshot, &user_arn("alice"), Some("s3")).unwrap();
    assert_eq!(answer.grants.len(), 1, "{:#?}", answer.grants);
    let get = &answer.grants[0];
    assert_eq!(get.actions, vec!["s3:GetObject"]);
    assert_eq!(get.access_level, "Read");
    let r = &get.resources[0];
    assert_eq!(r.pattern, "arn:aws:s3:::amzn-s3-demo-bucket/*");
    assert_eq!(r.except, vec!["arn:aws:s3:::amzn-s3-demo-bucket/secret/*"]);
    assert!(r.residual.is_empty());
}

/// Organizations UG "SCP evaluation": every level must allow; an SCP that allows only part of
/// what the identity policy allows narrows the grant to it.
#[test]
fn scp_allowing_part_narrows_the_grant() {
    let mut b = Build::default();
    b.user(MAIN, "alice", &[&allow("s3:GetObject", "*")], None);
    b.organization(
        &[MAIN],
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::prod-*"}]}"#,
    );
    // FullAWSAccess sits on the root with the guardrail, so the root level covers all; make
    // the root hold only the guardrail.
    if let Some(org) = &mut b.snapshot.organization {
        org.nodes
            .get_mut("r-examplerootid")
            .unwrap()
            .scps
            .retain(|p| p != "p-FullAWSAccess");
    }
    let answer = what_can(&b.snapshot, &user_arn("alice"), Some("s3")).unwrap();
    let r = &answer.grants[0].resources[0];
    assert_eq!(r.pattern, "*");
    assert_eq!(r.within.len(), 1);
    assert_eq!(r.within[0][0].pattern, "arn:aws:s3:::prod-*");
}

/// A condition the snapshot does not fix stays on the grant (IAM UG
/// `reference_policies_condition-keys`, `aws:SourceIp`).
#[test]
fn open_conditions_stay_on_the_grant() {
    let mut b = Build::default();
    b.user(
        MAIN,
        "alice",
        &[r#"{"Version":"2012-10-17","Statement":[{"Sid":"Office","Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}"#],
        None,
    );
    let answer = what_can(&b.snapshot, &user_arn("alice"), Some("s3")).unwrap();
    let r = &answer.grants[0].resources[0];
    assert_eq!(r.residual.any_of.len(), 1);
    assert_eq!(
        r.residual.any_of[0].all_of[0].conditions[0].key,
        "aws:SourceIp"
    );
}

// ---- property: what_can's claim ⇔ the evaluator, on sampled requests ----

const ACTION_PATTERNS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:Get*",
    "s3:*",
    "s3:List*",
    "ec2:DescribeInstances",
    "iam:PassRole",
    "*",
];
const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/x/*",
    "arn:aws:s3:::b/x/y",
    "arn:aws:s3:::c",
    "arn:aws:s3:::b?/*",
    "arn:aws:s3:::*/x/*",
    "arn:aws:iam::111122223333:role/r*",
];
const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "ec2:DescribeInstances",
    "iam:PassRole",
];
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::b/x/y",
    "arn:aws:s3:::b/x/z",
    "arn:aws:s3:::b/q",
    "arn:aws:s3:::c",
    "arn:aws:s3:::b1/k",
    "arn:aws:s3:::b1/x/k",
    "arn:aws:iam::111122223333:role/r1",
    "arn:aws:iam::111122223333:role/s",
];

#[derive(Debug, Clone)]
struct Stmt {
    allow: bool,
    actions: Vec<usize>,
    not_resource: bool,
    resources: Vec<usize>,
}

fn stmt() -> impl Strategy<Value = Stmt> {
    (
        prop::bool::weighted(0.7),
        prop::collection::vec(0..ACTION_PATTERNS.len(), 1..3),
        prop::bool::weighted(0.15),
        prop::collection::vec(0..RESOURCE_PATTERNS.len(), 1..3),
    )
        .prop_map(|(allow, actions, not_resource, resources)| Stmt {
            allow,
            actions,
            not_resource,
            resources,
        })
}

fn json(stmts: &[Stmt], allow_only: bool) -> String {
    let body: Vec<String> = stmts
        .iter()
        .map(|s| {
            let actions: Vec<String> = s
                .actions
                .iter()
                .map(|i| format!("\"{}\"", ACTION_PATTERNS[*i]))
                .collect();
            let resources: Vec<String> = s
                .resources
                .iter()
                .map(|i| format!("\"{}\"", RESOURCE_PATTERNS[*i]))
                .collect();
            format!(
                r#"{{"Effect":"{}","Action":[{}],"{}":[{}]}}"#,
                if s.allow || allow_only {
                    "Allow"
                } else {
                    "Deny"
                },
                actions.join(","),
                if s.not_resource {
                    "NotResource"
                } else {
                    "Resource"
                },
                resources.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        body.join(",")
    )
}

/// The IAM ARN glob, naively: six segments, wildcards in the first five stay in them.
fn arn_match(pattern: &str, text: &str) -> bool {
    fn glob(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => glob(&p[1..], t) || (!t.is_empty() && glob(p, &t[1..])),
            (Some('?'), Some(_)) => glob(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => glob(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let chars = |s: &str| s.chars().collect::<Vec<_>>();
    if pattern.matches(':').count() < 5 {
        return glob(&chars(pattern), &chars(text));
    }
    let ps: Vec<&str> = pattern.splitn(6, ':').collect();
    let ts: Vec<&str> = text.splitn(6, ':').collect();
    ts.len() == 6 && ps.iter().zip(&ts).all(|(p, t)| glob(&chars(p), &chars(t)))
}

fn claims(answer: &WhatCan, action: &str, resource: &str) -> bool {
    answer
        .grants
        .iter()
        .filter(|g| g.actions.iter().any(|a| a == action))
        .flat_map(|g| &g.resources)
        .any(|r| {
            r.pattern == "*" && r.witness == "*"
                || arn_match(&r.pattern, resource)
                    && r.within.iter().all(|w| {
                        w.iter().any(|a| {
                            arn_match(&a.pattern, resource)
                                && !a.except.iter().any(|e| arn_match(e, resource))
                        })
                    })
                    && !r.except.iter().any(|p| arn_match(p, resource))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn what_can_agrees_with_the_evaluator(
        identity in prop::collection::vec(stmt(), 1..4),
        boundary in prop::option::of(prop::collection::vec(stmt(), 1..3)),
        scp in prop::option::of(prop::collection::vec(stmt(), 1..3)),
    ) {
        let mut b = Build::default();
        let boundary_json = boundary.as_ref().map(|s| json(s, false));
        b.user(MAIN, "p", &[&json(&identity, false)], boundary_json.as_deref());
        if let Some(scp) = &scp {
            b.organization(&[MAIN], &json(scp, false));
            if let Some(org) = &mut b.snapshot.organization {
                org.nodes.get_mut("r-examplerootid").unwrap().scps.retain(|p| p != "p-FullAWSAccess");
            }
        }
        let principal = user_arn("p");
        // The services the sampled actions are of (the others are decided alike, apart).
        let mut answer = what_can(&b.snapshot, &principal, Some("s3")).unwrap();
        for service in ["ec2", "iam"] {
            answer.grants.extend(what_can(&b.snapshot, &principal, Some(service)).unwrap().grants);
        }
        let p = b.snapshot.principal(&principal).unwrap();
        for action in ACTIONS {
            for resource in RESOURCES {
                let (set, _) = b.snapshot.policy_set(p, resource, false);
                let request = Request::new(
                    RequestPrincipal::parse(&principal).unwrap(),
                    action,
                    *resource,
                    None,
                    Context::new(),
                );
                let allowed = set.evaluate(&request).decision == Decision::Allowed;
                prop_assert_eq!(
                    claims(&answer, action, resource),
                    allowed,
                    "{} on {}: {:#?}",
                    action,
                    resource,
                    answer.grants.iter().filter(|g| g.actions.iter().any(|a| a == action)).collect::<Vec<_>>()
                );
            }
        }
    }
}
