//! The `no-new-access` corpus (`corpus/check/no-new-access/cases.json`): pairs of policies
//! written from the IAM User Guide, each with the section it comes from and the verdict that
//! section implies (`PASS` or `FAIL`; `UNKNOWN` only where the case names the gap in
//! `unknownAllowed`). A `FAIL` must come with a request the
//! evaluator allows under the new policy and not under the existing one, and that request must
//! have the properties the case names (`action`, `resourceLike`: a glob the resource matches,
//! `contextAbsent`: a key the request does not give, `contextIn`: a key whose value is inside a
//! CIDR range, `contextNot`: a key that is absent or has another value).

use std::sync::Arc;

use ipnet::IpNet;
use policy_core::analysis::compare::{no_new_access, Counterexample, Verdict};
use policy_core::ast::PolicyKind;
use policy_core::eval::{compile, Decision, PolicySet};
use policy_core::parse::parse_policy;
use policy_core::request::{Context, Request, RequestPrincipal};
use policy_core::Policy;
use serde_json::Value;

const CASES: &str = include_str!("../../corpus/check/no-new-access/cases.json");

fn parse(doc: &Value) -> Policy {
    parse_policy(&doc.to_string(), Some(PolicyKind::Identity))
        .policy
        .expect("a corpus policy parses")
}

/// The policy as the only grant; the resource's policy names the caller's account, which lets
/// identity policies decide (needed for KMS keys and role trust; KMS developer guide,
/// "Default key policy").
fn alone(policy: &Policy) -> PolicySet {
    let delegate = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "*", "Resource": "*"}]}"#;
    let delegate = parse_policy(delegate, Some(PolicyKind::Resource))
        .policy
        .expect("the delegating policy parses");
    PolicySet {
        identity: vec![compile(policy, "p", 0)],
        resource: Some(compile(&delegate, "delegate", 1)),
        ..PolicySet::default()
    }
}

/// `*` and `?` globbing, written here apart from the library's matchers.
fn glob(pattern: &[char], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => (0..=text.len()).any(|i| glob(rest, &text[i..])),
        Some(('?', rest)) => !text.is_empty() && glob(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && glob(rest, &text[1..]),
    }
}

fn value<'a>(c: &'a Counterexample, key: &str) -> Option<&'a Vec<String>> {
    c.context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// Why the counterexample does not have the properties the case names, if it does not.
fn mismatch(c: &Counterexample, want: &Value) -> Option<String> {
    if let Some(action) = want.get("action").and_then(Value::as_str) {
        if !c.action.eq_ignore_ascii_case(action) {
            return Some(format!("action {} is not {action}", c.action));
        }
    }
    if let Some(pattern) = want.get("resourceLike").and_then(Value::as_str) {
        let (p, t): (Vec<char>, Vec<char>) =
            (pattern.chars().collect(), c.resource.chars().collect());
        if !glob(&p, &t) {
            return Some(format!("resource {} is not like {pattern}", c.resource));
        }
    }
    if let Some(key) = want.get("contextAbsent").and_then(Value::as_str) {
        if value(c, key).is_some() {
            return Some(format!("{key} is given"));
        }
    }
    if let Some([key, net]) = want
        .get("contextIn")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        let (key, net) = (key.as_str().unwrap_or(""), net.as_str().unwrap_or(""));
        let net: IpNet = net.parse().expect("a CIDR range in the case");
        let inside = value(c, key).is_some_and(|vs| {
            vs.iter().any(|v| {
                v.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| net.contains(&ip))
                    || v.parse::<IpNet>().is_ok_and(|n| net.contains(&n))
            })
        });
        if !inside {
            return Some(format!("{key} is not inside {net}"));
        }
    }
    if let Some([key, not]) = want
        .get("contextNot")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        let (key, not) = (key.as_str().unwrap_or(""), not.as_str().unwrap_or(""));
        if value(c, key).is_some_and(|vs| vs.iter().any(|v| v == not)) {
            return Some(format!("{key} is {not}"));
        }
    }
    None
}

#[test]
fn no_new_access_corpus() {
    let corpus: Value = serde_json::from_str(CASES).expect("the corpus is JSON");
    let cases = corpus["cases"].as_array().expect("a list of cases");
    assert!(cases.len() >= 20, "the corpus has its cases");
    let mut wrong = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap_or("?");
        assert!(
            case["source"].as_str().is_some_and(|s| s.contains("UG")),
            "{name}: a source"
        );
        let (existing, new) = (parse(&case["existing"]), parse(&case["new"]));
        let verdict = no_new_access(&existing, &new);
        match (case["expected"].as_str(), &verdict) {
            (Some("PASS"), Verdict::Pass) => {}
            (Some("FAIL"), Verdict::Fail(c)) => {
                let principal = Arc::new(RequestPrincipal::parse(&c.principal).expect("an ARN"));
                let mut context = Context::new();
                for (k, v) in &c.context {
                    context.insert(k, v.clone());
                }
                let account = principal.account.clone();
                let request = Request::new(principal, &c.action, &c.resource, account, context);
                let allows = |p: &Policy| alone(p).evaluate(&request).decision == Decision::Allowed;
                if !allows(&new) || allows(&existing) {
                    wrong.push(format!("{name}: the counterexample does not hold: {c:?}"));
                } else if let Some(why) = case.get("counterexample").and_then(|w| mismatch(c, w)) {
                    wrong.push(format!("{name}: {why}: {c:?}"));
                }
            }
            // A known gap, named in the case: UNKNOWN is honest, a wrong answer is not.
            (Some(_), Verdict::Unknown(_)) if case.get("unknownAllowed").is_some() => {}
            (expected, got) => wrong.push(format!("{name}: expected {expected:?}, got {got:?}")),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
