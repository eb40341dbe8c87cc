//! Laws of evaluation, over generated policies and requests (proptest):
//! - an added `Deny` statement never turns a deny into an allow, nor an explicit deny into
//!   anything else;
//! - an SCP, RCP, permissions boundary or session policy never turns a deny into an allow;
//! - the decision does not depend on the order of statements, policies or context values;
//! - `explain` gives `evaluate`'s decision, and its layer verdicts agree with it.

use policy_core::ast::PolicyKind;
use policy_core::eval::{CompiledPolicy, Decision, Level, PolicySet, PolicyType, Verdict};
use policy_core::parse::parse_policy;
use policy_core::request::{Context, Request, RequestPrincipal};
use proptest::prelude::*;
use serde_json::{json, Value};

const ACTIONS: [&str; 6] = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:ListAllMyBuckets",
    "iam:PassRole",
    "ec2:RunInstances",
];
const ACTION_PATTERNS: [&str; 9] = [
    "*",
    "s3:*",
    "s3:Get*",
    "s3:?utObject",
    "S3:GETOBJECT",
    "iam:PassRole",
    "ec2:*",
    "s3:List*",
    "*:RunInstances",
];
const RESOURCES: [&str; 4] = [
    "arn:aws:s3:::bucket/a/b",
    "arn:aws:s3:::bucket",
    "arn:aws:iam::111111111111:role/r",
    "arn:aws:ec2:us-east-1:111111111111:instance/i-1",
];
const RESOURCE_PATTERNS: [&str; 7] = [
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::${aws:username}/*",
    "arn:aws:iam::*:role/*",
    "arn:aws:ec2:*:111111111111:instance/*",
    "arn:aws:s3:::b?cket*",
];
const PRINCIPALS: [&str; 6] = [
    "arn:aws:iam::111111111111:user/alice",
    "arn:aws:iam::111111111111:role/dev",
    "arn:aws:sts::111111111111:assumed-role/dev/s1",
    "arn:aws:iam::222222222222:user/bob",
    "arn:aws:iam::111111111111:root",
    "anonymous",
];
const PRINCIPAL_VALUES: [&str; 5] = [
    "*",
    "111111111111",
    "arn:aws:iam::111111111111:role/dev",
    "arn:aws:iam::111111111111:user/alice",
    "arn:aws:iam::222222222222:root",
];
const KEYS: [&str; 4] = [
    "aws:SourceIp",
    "aws:TagKeys",
    "aws:SecureTransport",
    "aws:PrincipalTag/team",
];

fn condition() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        Just(json!({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.1.0.0/16"]}})),
        Just(json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}})),
        Just(json!({"ForAnyValue:StringLike": {"aws:TagKeys": "a*"}})),
        Just(json!({"ForAllValues:StringNotEquals": {"aws:TagKeys": "c"}})),
        Just(json!({"Bool": {"aws:SecureTransport": "true"}})),
        Just(json!({"BoolIfExists": {"aws:SecureTransport": "false"}})),
        Just(json!({"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}})),
        Just(json!({"Null": {"aws:PrincipalTag/team": "true"}})),
        Just(json!({"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/TEAM": "Blue"}})),
    ]
}

fn statement(with_principal: bool) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::sample::subsequence(ACTION_PATTERNS.to_vec(), 1..3),
        any::<bool>(),
        prop::sample::subsequence(RESOURCE_PATTERNS.to_vec(), 1..3),
        prop::option::of(condition()),
        prop::sample::subsequence(PRINCIPAL_VALUES.to_vec(), 1..3),
        any::<bool>(),
    )
        .prop_map(
            move |(
                allow,
                not_action,
                actions,
                not_resource,
                resources,
                cond,
                principals,
                not_principal,
            )| {
                let mut s = json!({"Effect": if allow { "Allow" } else { "Deny" }});
                s[if not_action { "NotAction" } else { "Action" }] = json!(actions);
                s[if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }] = json!(resources);
                if let Some(c) = cond {
                    s["Condition"] = c;
                }
                if with_principal {
                    let value = if principals.contains(&"*") {
                        json!("*")
                    } else {
                        json!({"AWS": principals})
                    };
                    s[if not_principal && !allow {
                        "NotPrincipal"
                    } else {
                        "Principal"
                    }] = value;
                }
                s
            },
        )
}

fn policy(with_principal: bool) -> impl Strategy<Value = Value> {
    prop::collection::vec(statement(with_principal), 1..4)
        .prop_map(|st| json!({"Version": "2012-10-17", "Statement": st}))
}

fn compile(doc: &Value, kind: PolicyKind, name: &str) -> CompiledPolicy {
    let text = doc.to_string();
    let parsed = parse_policy(&text, Some(kind));
    assert!(parsed.errors.is_empty(), "{:?} in {text}", parsed.errors);
    CompiledPolicy::new(&parsed.policy.unwrap(), name, 0)
}

#[derive(Debug, Clone)]
struct Case {
    identity: Vec<Value>,
    resource: Option<Value>,
    principal: &'static str,
    action: &'static str,
    resource_arn: &'static str,
    context: Vec<(&'static str, Vec<String>)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(policy(false), 0..3),
        prop::option::of(policy(true)),
        prop::sample::select(PRINCIPALS.to_vec()),
        prop::sample::select(ACTIONS.to_vec()),
        prop::sample::select(RESOURCES.to_vec()),
        prop::sample::subsequence(KEYS.to_vec(), 0..4),
        prop::sample::subsequence(
            vec![
                "a",
                "b",
                "c",
                "203.0.113.9",
                "10.2.3.4",
                "true",
                "false",
                "blue",
            ],
            0..3,
        ),
    )
        .prop_map(
            |(identity, resource, principal, action, resource_arn, keys, values)| Case {
                identity,
                resource,
                principal,
                action,
                resource_arn,
                context: keys
                    .into_iter()
                    .map(|k| (k, values.iter().map(|v| (*v).to_string()).collect()))
                    .collect(),
            },
        )
}

fn set(case: &Case) -> PolicySet {
    PolicySet {
        identity: case
            .identity
            .iter()
            .enumerate()
            .map(|(i, p)| compile(p, PolicyKind::Identity, &format!("p{i}")))
            .collect(),
        resource: case
            .resource
            .as_ref()
            .map(|p| compile(p, PolicyKind::Resource, "resource")),
        ..PolicySet::default()
    }
}

fn request(case: &Case, reverse_values: bool) -> Request {
    let mut ctx = Context::new();
    for (k, v) in &case.context {
        let mut v = v.clone();
        if reverse_values {
            v.reverse();
        }
        ctx.insert(k, v);
    }
    Request::new(
        RequestPrincipal::parse(case.principal).unwrap(),
        case.action,
        case.resource_arn,
        None,
        ctx,
    )
}

fn never_more_permissive(before: Decision, after: Decision) -> bool {
    !(before != Decision::Allowed && after == Decision::Allowed)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn an_added_deny_never_allows_more(case in case(), extra in statement(false), target in 0usize..3) {
        let before = set(&case).evaluate(&request(&case, false)).decision;
        let mut deny = extra;
        deny["Effect"] = json!("Deny");
        let mut with_deny = case.clone();
        if with_deny.identity.is_empty() || target == 0 {
            with_deny.identity.push(json!({"Version": "2012-10-17", "Statement": [deny]}));
        } else {
            let i = target % with_deny.identity.len();
            with_deny.identity[i]["Statement"].as_array_mut().unwrap().push(deny);
        }
        let after = set(&with_deny).evaluate(&request(&with_deny, false)).decision;
        prop_assert!(never_more_permissive(before, after), "{before} became {after}");
        if before == Decision::ExplicitDeny {
            prop_assert_eq!(after, Decision::ExplicitDeny);
        }
    }

    #[test]
    fn guardrails_never_allow_more(case in case(), guard in policy(false), rcp in policy(true), layer in 0usize..4) {
        let base = set(&case);
        let req = request(&case, false);
        let before = base.evaluate(&req).decision;
        let mut guarded = base.clone();
        match layer {
            0 => guarded.scps = vec![Level::new("r-root", vec![compile(&guard, PolicyKind::Scp, "scp")])],
            1 => {
                // RCPs take no NotPrincipal.
                let text = rcp.to_string().replace("\"NotPrincipal\"", "\"Principal\"");
                let rcp: Value = serde_json::from_str(&text).unwrap();
                guarded.rcps = vec![Level::new("r-root", vec![compile(&rcp, PolicyKind::Rcp, "rcp")])];
            }
            2 => guarded.boundary = Some(compile(&guard, PolicyKind::Boundary, "boundary")),
            _ => guarded.session = Some(compile(&guard, PolicyKind::Session, "session")),
        }
        let after = guarded.evaluate(&req).decision;
        prop_assert!(never_more_permissive(before, after), "layer {layer}: {before} became {after}");
    }

    #[test]
    fn order_does_not_matter(case in case()) {
        let before = set(&case).evaluate(&request(&case, false)).decision;
        let mut reordered = case.clone();
        reordered.identity.reverse();
        for p in reordered.identity.iter_mut().chain(reordered.resource.iter_mut()) {
            p["Statement"].as_array_mut().unwrap().reverse();
        }
        let after = set(&reordered).evaluate(&request(&reordered, true)).decision;
        prop_assert_eq!(before, after);
    }

    #[test]
    fn explain_agrees_with_evaluate(case in case(), guard in policy(false), layer in 0usize..4) {
        let mut set = set(&case);
        match layer {
            0 => set.scps = vec![Level::new("r-root", vec![compile(&guard, PolicyKind::Scp, "scp")])],
            1 => set.boundary = Some(compile(&guard, PolicyKind::Boundary, "boundary")),
            2 => set.session = Some(compile(&guard, PolicyKind::Session, "session")),
            _ => {}
        }
        let req = request(&case, false);
        let response = set.evaluate(&req);
        let e = set.explain(&req);
        prop_assert_eq!(&e.response, &response);
        // An explicit deny iff some layer denies explicitly, and that layer holds each
        // deciding statement.
        let denies = e.layers.iter().any(|l| l.verdict == Verdict::ExplicitDeny);
        prop_assert_eq!(denies, response.decision == Decision::ExplicitDeny);
        for r in response.reasons.iter().filter(|r| r.effect == policy_core::Effect::Deny) {
            prop_assert!(e.layers.iter().any(|l| l.verdict == Verdict::ExplicitDeny && l.statements.contains(r)));
        }
        // Every statement that allowed in the response is a matching statement of an
        // allowing layer.
        for r in response.reasons.iter().filter(|r| r.effect == policy_core::Effect::Allow) {
            prop_assert!(e.layers.iter().any(|l| l.verdict == Verdict::Allowed && l.statements.contains(r)), "{:?}", r);
        }
        // A denied request after some grant layer allowed names the layer that blocked.
        let granted = e.layers.iter().any(|l| {
            l.verdict == Verdict::Allowed
                && !l.statements.is_empty()
                && matches!(l.layer, PolicyType::Identity | PolicyType::Resource | PolicyType::Boundary | PolicyType::Session)
        });
        if response.decision == Decision::ImplicitDeny && granted {
            prop_assert!(response.blocked_by.is_some(), "{:#?}", e.layers);
        }
        // A near miss has a condition that failed; a matching statement has none.
        for m in &e.near_misses {
            prop_assert!(m.conditions.iter().any(|c| !c.holds));
        }
    }
}
