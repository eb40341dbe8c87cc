//! `PolicySet::explain`: layer verdicts, statements whose condition failed (with the value
//! that failed), missing keys that flip the decision, assumptions and warnings. Expected
//! values come from the AWS documentation named at each test; the corpus check at the end
//! holds the explanation to the evaluator's decision on every scenario of `corpus/eval/`.

use std::path::PathBuf;

use policy_core::eval::{
    AssumptionKind, Decision, Explanation, PolicyType, Side, Verdict, WarningKind,
};
use policy_core::scenario::{parse_scenarios, Scenario};

fn corpus(file: &str) -> Vec<Scenario> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/eval")).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    parse_scenarios(&text, 0).unwrap()
}

fn scenario(file: &str, name: &str) -> Scenario {
    corpus(file)
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario `{name}` in {file}"))
}

/// One scenario written inline (the format of `corpus/eval/README.md`).
fn inline(json: &serde_json::Value) -> Scenario {
    parse_scenarios(&json.to_string(), 0)
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
}

fn explain(s: &Scenario) -> Explanation {
    s.policies.explain(&s.request)
}

fn verdict(e: &Explanation, layer: PolicyType) -> Verdict {
    e.layers
        .iter()
        .find(|l| l.layer == layer)
        .map(|l| l.verdict)
        .unwrap()
}

/// Lambda Developer Guide, "Using IAM condition keys for VPC settings": the
/// `ForAllValues:StringNotEquals` Deny on `lambda:SubnetIds`. IAM UG
/// `reference_policies_condition-single-vs-multi-valued-context-keys`: `ForAllValues` holds
/// only if every request value satisfies the operator; `subnet-1` equals the listed
/// `subnet-1`, so `StringNotEquals` fails for it and the Deny does not apply although
/// `subnet-9` is not listed.
#[test]
fn lambda_vpc_deny_names_the_value_that_kept_it_from_applying() {
    let s = scenario(
        "lambda-vpc.json",
        "lambda-issue-subnets-disallowed-among-allowed",
    );
    let e = explain(&s);
    assert_eq!(e.response.decision, Decision::Allowed);
    let [miss] = e.near_misses.as_slice() else {
        panic!("one near miss expected: {:#?}", e.near_misses);
    };
    assert_eq!(miss.statement.statement, 1);
    assert_eq!(miss.statement.policy_type, PolicyType::Identity);
    let [c] = miss.conditions.as_slice() else {
        panic!("one condition expected");
    };
    assert_eq!(c.operator, "ForAllValues:StringNotEquals");
    assert_eq!(c.key, "lambda:SubnetIds");
    assert!(!c.holds);
    assert_eq!(c.deciding_value.as_deref(), Some("subnet-1"));
    assert_eq!(c.matched_policy_value.as_deref(), Some("subnet-1"));
    assert_eq!(
        c.request_values,
        Some(vec!["subnet-1".to_string(), "subnet-9".to_string()])
    );
    assert_eq!(verdict(&e, PolicyType::Identity), Verdict::Allowed);
}

/// Lambda guide's correct alternative with the `Null` guard (corpus
/// `lambda-correct-no-vpc-config`): with no `lambda:VpcIds` the `Null: true` Deny applies
/// (IAM UG condition operators, "Condition operator to check existence of condition keys"),
/// and without that Deny the request would be allowed (`ForAnyValue` on a missing key is
/// false, UG multivalued keys): the missing key flipped the decision.
#[test]
fn a_missing_key_that_flipped_the_decision_is_named() {
    let s = scenario("lambda-vpc.json", "lambda-correct-no-vpc-config");
    let e = explain(&s);
    assert_eq!(e.response.decision, Decision::ExplicitDeny);
    let vpc = e
        .missing_keys
        .iter()
        .find(|m| m.key == "lambda:VpcIds")
        .unwrap();
    assert!(vpc.applied);
    assert!(vpc.flips_decision);
    assert_eq!(vpc.statement.sid.as_deref(), Some("RequireVpc"));
    // `lambda:SubnetIds` is missing too, but it only kept `OnlyListedSubnets` from applying,
    // and the request is denied either way.
    let subnets = e
        .missing_keys
        .iter()
        .find(|m| m.key == "lambda:SubnetIds")
        .unwrap();
    assert!(!subnets.applied);
    assert!(!subnets.flips_decision);
}

/// IAM UG evaluation logic, step 3, "IAM role": a resource-policy grant to the role ARN is
/// limited by the boundary. The resource layer allowed, so the answer names the layer that
/// blocked: the boundary.
#[test]
fn blocked_by_is_named_whenever_a_layer_allowed() {
    let s = scenario("boundary.json", "pb-role-arn-resource-grant-limited");
    let e = explain(&s);
    assert_eq!(e.response.decision, Decision::ImplicitDeny);
    assert_eq!(verdict(&e, PolicyType::Resource), Verdict::Allowed);
    assert_eq!(verdict(&e, PolicyType::Boundary), Verdict::ImplicitDeny);
    assert_eq!(e.response.blocked_by, Some(PolicyType::Boundary));
}

/// Cross-account (UG `reference_policies_evaluation-logic-cross-account`): both sides
/// decide; each layer says which side and account it speaks for.
#[test]
fn cross_account_layers_say_their_side() {
    let s = inline(&serde_json::json!({
        "name": "x", "principal": "arn:aws:iam::111111111111:user/alice",
        "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
        "resourceAccount": "222222222222",
        "identityPolicies": [{"name": "p", "policy": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}],
        "expect": "implicitDeny", "source": "UG evaluation-logic-cross-account"
    }));
    let e = explain(&s);
    assert!(e.cross_account);
    let resource = e
        .layers
        .iter()
        .find(|l| l.layer == PolicyType::Resource)
        .unwrap();
    assert_eq!(resource.side, Side::Resource);
    assert_eq!(resource.account.as_deref(), Some("222222222222"));
    assert_eq!(resource.verdict, Verdict::NotGiven);
    let identity = e
        .layers
        .iter()
        .find(|l| l.layer == PolicyType::Identity)
        .unwrap();
    assert_eq!(identity.side, Side::Principal);
    assert_eq!(identity.account.as_deref(), Some("111111111111"));
    assert_eq!(identity.verdict, Verdict::Allowed);
    assert_eq!(e.response.blocked_by, Some(PolicyType::Resource));
}

/// SCPs per level: a level without an Allow denies implicitly (Organizations guide, "SCP
/// evaluation"): the table has one row per level, and the empty one is `implicitDeny`.
#[test]
fn scp_levels_get_one_verdict_each() {
    let s = scenario("boundary.json", "pb-with-scp-scp-missing");
    let e = explain(&s);
    let scps: Vec<(Option<&str>, Verdict)> = e
        .layers
        .iter()
        .filter(|l| l.layer == PolicyType::Scp)
        .map(|l| (l.name.as_deref(), l.verdict))
        .collect();
    assert_eq!(scps.len(), 3);
    assert!(scps.contains(&(scps[1].0, Verdict::ImplicitDeny)));
    assert_eq!(e.response.blocked_by, Some(PolicyType::Scp));
}

/// Warnings for input that cannot be what the user meant. The action must exist in the
/// Service Authorization Reference (`s3:GetObjekt` does not; `s3:GetObject` does); the
/// context key `aws:SoruceIp` is no global key (UG `reference_policies_condition-keys`
/// lists `aws:SourceIp`); session policies apply to role and federated-user sessions only
/// (UG `access_policies`, "Session policies"); `${aws:PrincipalTag/team}` has no value
/// without that tag (UG `reference_policies_variables`, "Request information that you can
/// use for policy variables").
#[test]
fn warnings_for_input_that_cannot_be_meant() {
    let s = inline(&serde_json::json!({
        "name": "x", "principal": "arn:aws:iam::111111111111:user/alice",
        "action": "s3:GetObjekt", "resource": "arn:aws:s3:::b/k",
        "resourceAccount": "111111111111",
        "context": {"aws:SoruceIp": "10.0.0.1"},
        "identityPolicies": [{"name": "p", "policy": {"Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::${aws:PrincipalTag/team}/*"},
                {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                 "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
            ]}}],
        "sessionPolicy": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        "expect": "explicitDeny", "source": "see the test's doc comment"
    }));
    let e = explain(&s);
    let kinds: Vec<WarningKind> = e.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(
        kinds,
        [
            WarningKind::UnknownAction,
            WarningKind::UnknownContextKey,
            WarningKind::SessionPolicyIgnored,
            WarningKind::VariableWithoutValue,
        ]
    );
    assert_eq!(e.warnings[0].suggestion.as_deref(), Some("s3:GetObject"));
    assert_eq!(e.warnings[1].suggestion.as_deref(), Some("aws:SourceIp"));
    assert!(e.warnings[3].message.contains("aws:principaltag/team"));
    assert_eq!(verdict(&e, PolicyType::Session), Verdict::NotApplicable);
}

/// KMS: "Every KMS key must have exactly one key policy" and without a key policy that
/// allows, no IAM policy does (KMS developer guide, "Key policies in AWS KMS"): a request
/// with no key policy is told so, in other words than a key policy that does not allow.
#[test]
fn kms_without_key_policy_says_so() {
    let s = inline(&serde_json::json!({
        "name": "x", "principal": "arn:aws:iam::111111111111:user/alice",
        "action": "kms:Decrypt",
        "resource": "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "identityPolicies": [{"name": "p", "policy": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}}],
        "expect": "implicitDeny", "source": "KMS developer guide, key policies"
    }));
    let e = explain(&s);
    assert_eq!(e.response.decision, Decision::ImplicitDeny);
    assert!(e
        .warnings
        .iter()
        .any(|w| w.kind == WarningKind::NoKeyPolicy));
    let resource = e
        .layers
        .iter()
        .find(|l| l.layer == PolicyType::Resource)
        .unwrap();
    assert_eq!(resource.verdict, Verdict::NotGiven);
    assert!(resource
        .note
        .as_deref()
        .unwrap()
        .contains("no key policy given"));

    // With a key policy that does not allow: no such warning, and the layer denies.
    let mut with_policy = serde_json::json!({
        "name": "x", "principal": "arn:aws:iam::111111111111:user/alice",
        "action": "kms:Decrypt",
        "resource": "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "identityPolicies": [{"name": "p", "policy": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}}],
        "expect": "implicitDeny", "source": "KMS developer guide, key policies"
    });
    with_policy["resourcePolicy"] = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/bob"},
         "Action": "kms:Decrypt", "Resource": "*"}]});
    let e = explain(&inline(&with_policy));
    assert!(!e
        .warnings
        .iter()
        .any(|w| w.kind == WarningKind::NoKeyPolicy));
    assert_eq!(verdict(&e, PolicyType::Resource), Verdict::ImplicitDeny);
}

/// S3 ARNs carry no account (UG `reference_identifiers`, S3 bucket ARNs): the account is
/// assumed, and said once; derived keys a policy read are said too
/// (`aws:PrincipalArn`, UG `reference_policies_condition-keys`).
#[test]
fn assumptions_are_said_once() {
    let s = inline(&serde_json::json!({
        "name": "x", "principal": "arn:aws:iam::111111111111:user/alice",
        "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k",
        "identityPolicies": [{"name": "p", "policy": {"Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                 "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111111111111:user/alice"}}},
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                 "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:user/*"}}}
            ]}}],
        "expect": "allowed", "source": "UG reference_policies_condition-keys"
    }));
    let e = explain(&s);
    let kinds: Vec<(AssumptionKind, &str)> = e
        .assumptions
        .iter()
        .map(|a| (a.kind, a.value.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (AssumptionKind::ResourceAccount, "111111111111"),
            (
                AssumptionKind::DerivedKey,
                "arn:aws:iam::111111111111:user/alice"
            ),
        ]
    );
}

/// The explanation agrees with the evaluator on every corpus scenario: an explicit deny
/// shows as an `explicitDeny` layer holding each deciding statement; a deny after some
/// layer allowed names the layer that blocked.
#[test]
fn explanations_agree_with_decisions_on_the_corpus() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/eval"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut checked = 0;
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        for s in corpus(&name) {
            let e = explain(&s);
            assert_eq!(e.response, s.policies.evaluate(&s.request), "{}", s.name);
            policy_core_explain_laws(&e, &s.name);
            checked += 1;
        }
    }
    assert!(checked >= 200);
}

/// Laws shared with the property test (`tests/eval_properties.rs` has its own copy).
fn policy_core_explain_laws(e: &Explanation, name: &str) {
    let denies = e.layers.iter().any(|l| l.verdict == Verdict::ExplicitDeny);
    assert_eq!(
        denies,
        e.response.decision == Decision::ExplicitDeny,
        "{name}: {:#?}",
        e.layers
    );
    for r in &e.response.reasons {
        if r.effect == policy_core::Effect::Deny {
            assert!(
                e.layers
                    .iter()
                    .any(|l| l.verdict == Verdict::ExplicitDeny && l.statements.contains(r)),
                "{name}: {r:?} in no explicitDeny layer"
            );
        }
    }
    let granted = e.layers.iter().any(|l| {
        l.verdict == Verdict::Allowed
            && matches!(
                l.layer,
                PolicyType::Identity
                    | PolicyType::Resource
                    | PolicyType::Boundary
                    | PolicyType::Session
            )
            && !l.statements.is_empty()
    });
    if e.response.decision == Decision::ImplicitDeny && granted {
        assert!(e.response.blocked_by.is_some(), "{name}: {:#?}", e.layers);
    }
}
