//! The `no-new-access` decision (`policy_core::analysis::compare`) against evaluation
//! (proptest): for random pairs of identity policies, a `Pass` is never contradicted by a
//! sampled request (one that the new policy allows and the existing one does not), and a
//! counterexample is allowed by the new policy and not by the existing one when evaluated
//! here. `Unknown` is allowed (the procedure says why), a wrong `Pass` never. Each case
//! samples 120 of the 1,890,000 combinations of context values, each with 150 actions × resources.
//!
//! `PROPTEST_CASES` sets the number of cases (default 64).

use std::sync::Arc;

use policy_core::analysis::compare::{no_new_access, Verdict};
use policy_core::ast::PolicyKind;
use policy_core::eval::{compile, Decision, PolicySet};
use policy_core::parse::parse_policy;
use policy_core::request::{Context, Request, RequestPrincipal};
use policy_core::Policy;
use proptest::prelude::*;
use serde_json::{json, Value};

const CALLER: &str = "arn:aws:iam::111122223333:user/alice";

const ACTION_PATTERNS: [&str; 10] = [
    "*",
    "s3:*",
    "s3:Get*",
    "s3:GetObject",
    "s3:?utObject",
    "s3:List*",
    "iam:*",
    "iam:PassRole",
    "ec2:Describe*",
    "*:RunInstances",
];
const ACTIONS: [&str; 10] = [
    "s3:GetObject",
    "s3:GetObjectAcl",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:ListAllMyBuckets",
    "iam:PassRole",
    "iam:CreateUser",
    "ec2:DescribeInstances",
    "ec2:RunInstances",
    "sts:AssumeRole",
];
const RESOURCE_PATTERNS: [&str; 11] = [
    "*",
    "arn:aws:s3:::reports/*",
    "arn:aws:s3:::reports*",
    "arn:aws:s3:::reports",
    "arn:aws:s3:::rep?rts/a*",
    "arn:aws:iam::*:role/*",
    "arn:aws:iam::111122223333:role/app-*",
    "arn:aws:ec2:*:111122223333:instance/*",
    // Policy variables (IAM UG "IAM policy elements: Variables and tags").
    "arn:aws:s3:::reports/${aws:username}/*",
    "arn:aws:s3:::reports/${aws:PrincipalTag/team, 'all'}*",
    "arn:aws:s3:::${aws:PrincipalTag/team}",
];
const RESOURCES: [&str; 15] = [
    "*",
    "arn:aws:s3:::reports/a/b",
    "arn:aws:s3:::reports/x",
    "arn:aws:s3:::reports",
    "arn:aws:s3:::reports-old/a",
    "arn:aws:s3:::repxrts/ab",
    "arn:aws:iam::111122223333:role/app-1",
    "arn:aws:iam::111122223333:role/admin",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:aws:ec2:us-east-1:111122223333:instance:x/i-1",
    "arn:aws:s3:::reports/alice/x",
    "arn:aws:s3:::reports/dev/x",
    "arn:aws:s3:::reports/all",
    "arn:aws:s3:::dev",
    "arn:aws:s3:::reports/bob/",
];
/// Keys and the values a sampled request gives them (`None`: absent; two values: several).
const KEYS: [(&str, &[&[&str]]); 9] = [
    (
        "aws:RequestedRegion",
        &[
            &[],
            &["eu-west-1"],
            &["us-east-1"],
            &["EU-WEST-1"],
            &["eu-west-1", "us-east-1"],
        ],
    ),
    (
        "aws:SecureTransport",
        &[&[], &["true"], &["false"], &["TRUE"]],
    ),
    (
        "aws:SourceArn",
        &[
            &[],
            &["arn:aws:sns:us-east-1:111122223333:topic"],
            &["arn:aws:sns:eu-west-1:444455556666:t"],
        ],
    ),
    (
        "aws:MultiFactorAuthAge",
        &[&[], &["100"], &["3600"], &["5000.5"], &["abc"]],
    ),
    (
        "aws:TagKeys",
        &[
            &[],
            &["team"],
            &["team", "env"],
            &["env"],
            &[""],
            &["", ""],
            &["", "team"],
        ],
    ),
    (
        "aws:SourceIp",
        &[
            &[],
            &["203.0.113.7"],
            &["203.0.9.1"],
            &["2001:db8::1"],
            &["10.0.0.1"],
        ],
    ),
    // The keys of the policy variables: absent (the caller's own name for `aws:username`),
    // one value, several.
    (
        "aws:username",
        &[&[], &["alice"], &["dev"], &["bob"], &["alice", "bob"]],
    ),
    (
        "aws:PrincipalTag/team",
        &[&[], &["dev"], &["all"], &["alice"], &["x"], &["dev", "x"]],
    ),
    (
        "aws:ResourceTag/team",
        &[&[], &["dev"], &["alice"], &["x"], &[""], &["dev", "all"]],
    ),
];

fn condition() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})),
        Just(json!({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}})),
        Just(json!({"StringEqualsIgnoreCase": {"aws:RequestedRegion": "EU-west-1"}})),
        Just(json!({"StringLike": {"aws:RequestedRegion": "eu-*"}})),
        Just(json!({"StringEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}})),
        Just(json!({"StringNotLikeIfExists": {"aws:RequestedRegion": "us-*"}})),
        Just(json!({"Bool": {"aws:SecureTransport": "true"}})),
        Just(json!({"BoolIfExists": {"aws:SecureTransport": "false"}})),
        Just(json!({"Null": {"aws:SecureTransport": "true"}})),
        Just(json!({"Null": {"aws:RequestedRegion": "false"}})),
        Just(json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}})),
        Just(json!({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:444455556666:t"}})),
        Just(json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})),
        Just(json!({"NumericGreaterThanEqualsIfExists": {"aws:MultiFactorAuthAge": "3600"}})),
        Just(json!({"NumericNotEquals": {"aws:MultiFactorAuthAge": ["100", "5000.5"]}})),
        Just(json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}})),
        Just(json!({"NotIpAddress": {"aws:SourceIp": "203.0.0.0/16"}})),
        Just(json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}})),
        Just(json!({"ForAllValues:StringLike": {"aws:TagKeys": "t*"}})),
        Just(json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}})),
        Just(json!({"ForAnyValue:StringNotEquals": {"aws:TagKeys": "team"}})),
        Just(json!({"ForAllValues:StringNotLikeIfExists": {"aws:TagKeys": "e*"}})),
        Just(json!({"StringEquals": {"aws:TagKeys": "team"}})),
        Just(json!({"Null": {"aws:TagKeys": "false"}})),
        // Not decided yet: the answer must then be Unknown, never a wrong Pass.
        Just(json!({"ForAnyValue:StringEquals": {"aws:RequestedRegion": "eu-west-1"}})),
        Just(json!({"ForAnyValue:NumericLessThan": {"aws:MultiFactorAuthAge": "1"}})),
        Just(json!({"StringEquals": {"aws:RequestedRegion": "${aws:username}"}})),
        // Policy variables in condition values (IAM UG "IAM policy elements: Variables and
        // tags"; ABAC: the resource's tag equals the principal's).
        Just(json!({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}})),
        Just(
            json!({"StringNotEqualsIfExists": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}})
        ),
        Just(
            json!({"StringEquals": {"aws:ResourceTag/team": ["x", "${aws:PrincipalTag/team, 'dev'}"]}})
        ),
        Just(json!({"StringLike": {"aws:ResourceTag/team": "${aws:username}"}})),
        Just(json!({"StringLike": {"aws:ResourceTag/team": "d*"}})),
        Just(json!({"StringEquals": {"aws:PrincipalTag/team": "dev"}})),
        Just(json!({"StringNotEquals": {"aws:username": "alice"}})),
        Just(json!({"ForAnyValue:StringEquals": {"aws:ResourceTag/team": "${aws:username}"}})),
        Just(
            json!({"ForAllValues:StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}})
        ),
        Just(json!({"StringLike": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}*"}})),
        Just(json!({"StringEqualsIgnoreCase": {"aws:ResourceTag/team": "${aws:username}"}})),
    ]
}

fn statement() -> impl Strategy<Value = Value> {
    (
        prop::bool::weighted(0.7),
        prop::bool::weighted(0.15),
        prop::sample::subsequence(ACTION_PATTERNS.to_vec(), 1..3),
        prop::bool::weighted(0.15),
        prop::sample::subsequence(RESOURCE_PATTERNS.to_vec(), 1..3),
        prop::collection::vec(condition(), 0..3),
    )
        .prop_map(
            |(allow, not_action, actions, not_resource, resources, conditions)| {
                let mut s = json!({"Effect": if allow { "Allow" } else { "Deny" }});
                s[if not_action { "NotAction" } else { "Action" }] = json!(actions);
                s[if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }] = json!(resources);
                let mut block = serde_json::Map::new();
                for c in conditions {
                    if let Value::Object(entry) = c {
                        for (op, keys) in entry {
                            // Two conditions with one operator merge their keys.
                            let slot = block.entry(op).or_insert_with(|| json!({}));
                            if let (Value::Object(slot), Value::Object(keys)) = (slot, keys) {
                                slot.extend(keys);
                            }
                        }
                    }
                }
                if !block.is_empty() {
                    s["Condition"] = Value::Object(block);
                }
                s
            },
        )
}

fn policy() -> impl Strategy<Value = Policy> {
    prop::collection::vec(statement(), 1..4).prop_map(|statements| {
        let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        parse_policy(&text, Some(PolicyKind::Identity))
            .policy
            .expect("generated policies parse")
    })
}

/// The policy alone, ready to evaluate.
fn alone(policy: &Policy) -> PolicySet {
    PolicySet {
        identity: vec![compile(policy, "p", 0)],
        ..PolicySet::default()
    }
}

fn allows(set: &PolicySet, request: &Request) -> bool {
    set.evaluate(request).decision == Decision::Allowed
}

fn request(action: &str, resource: &str, context: Context) -> Request {
    request_by(CALLER, action, resource, context)
}

/// A request of `caller` (a counterexample names its own: keys derived from the caller, such
/// as `aws:username`, take its values).
fn request_by(caller: &str, action: &str, resource: &str, context: Context) -> Request {
    let principal = Arc::new(RequestPrincipal::parse(caller).expect("a user ARN"));
    let account = principal.account.clone();
    Request::new(principal, action, resource, account, context)
}

/// How many combinations of the keys' sampled values there are.
fn context_count() -> usize {
    KEYS.iter().map(|(_, options)| options.len()).product()
}

/// The `index`-th combination of the keys' sampled values (one digit per key).
fn context_at(mut index: usize) -> Context {
    let mut c = Context::new();
    for (key, options) in KEYS {
        let values = options[index % options.len()];
        index /= options.len();
        if !values.is_empty() {
            c.insert(key, values.iter().map(|v| (*v).to_string()).collect());
        }
    }
    c
}

/// `PROPTEST_CASES` cases, else 64: each case decides over the whole IAM reference, which a
/// debug build does slowly; the long runs use `--release` (see the README).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_new_access_agrees_with_evaluation(
        old in policy(),
        new in policy(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 120),
    ) {
        let (old_set, new_set) = (alone(&old), alone(&new));
        match no_new_access(&old, &new) {
            Verdict::Pass => {
                // 120 of the contexts, each with every action and resource.
                let count = context_count();
                let picked = picks.iter().map(|i| context_at(i.index(count)));
                for context in picked {
                    let context = &context;
                    for r in ACTIONS.iter().flat_map(|a| {
                        RESOURCES.iter().map(move |res| request(a, res, context.clone()))
                    }) {
                    prop_assert!(
                        !allows(&new_set, &r) || allows(&old_set, &r),
                        "Pass, but {} on {} with {:?} is new access", r.action, r.resource, r.context
                    );
                    }
                }
            }
            Verdict::Fail(c) => {
                let mut context = Context::new();
                for (k, v) in &c.context {
                    context.insert(k, v.clone());
                }
                let r = request_by(&c.principal, &c.action, &c.resource, context);
                prop_assert!(allows(&new_set, &r), "the new policy does not allow {c:?}");
                prop_assert!(!allows(&old_set, &r), "the existing policy allows {c:?}");
            }
            Verdict::Unknown(why) => prop_assert!(!why.contains("bug"), "{why}"),
        }
    }

    // A policy never grants new access over itself, and adding a Deny never does either.
    #[test]
    fn a_policy_and_a_deny_add_nothing(p in policy(), deny in statement()) {
        prop_assert!(!matches!(no_new_access(&p, &p), Verdict::Fail(_)));
        let mut denied = p.clone();
        let text = json!({"Version": "2012-10-17", "Statement": [deny]}).to_string();
        let extra = parse_policy(&text, Some(PolicyKind::Identity)).policy.expect("parses");
        for s in extra.statements {
            if s.effect() == Some(policy_core::Effect::Deny) {
                denied.statements.push(s);
            }
        }
        prop_assert!(!matches!(no_new_access(&p, &denied), Verdict::Fail(_)));
    }
}
