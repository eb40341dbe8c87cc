//! "A fix labelled safe never changes a decision": for every rule, applying the fixes marked
//! [`Applicability::Safe`] (until stable) leaves the evaluator's decision (allowed, explicit
//! deny, implicit deny) of every sampled request unchanged; and applying the unsafe ones too
//! never allows a request that was not allowed. Checked on every rule fixture of
//! `corpus/lint` and on small generated policies that use the shapes where a rewrite is
//! tempting but wrong: `NotPrincipal` with an account, a role and its session, retired
//! condition keys, duplicate values, the default KMS key statement.
//!
//! Requests: every action the policies' `Action` patterns match (sampled), over their
//! resources made concrete, for fixed principals plus every IAM or STS ARN written anywhere
//! in the policies (so that the principals a policy names are tried), in several contexts.

mod common;

use common::{concrete, policy_set, Sampling};

use std::collections::BTreeSet;
use std::path::Path;

use policy_core::eval::Decision;
use policy_core::parse_policy;
use policy_core::request::Request;
use policy_core::{Policy, PolicyKind};
use policy_lint::fix::fix_until_stable;
use policy_lint::{Applicability, Settings};
use proptest::prelude::*;

const ORG: &str = "o-a1b2c3d4e5";
const ACCOUNT: &str = "111122223333";

fn settings() -> Settings {
    Settings {
        organization_id: Some(ORG.to_string()),
        ..Settings::default()
    }
}

/// Every string of a JSON document.
fn strings(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::String(s) => {
            out.insert(s.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

/// The sampled requests: the fixed principals plus every IAM or STS ARN written in `texts`,
/// each in several contexts.
fn requests(policies: &[&Policy], texts: &[&str]) -> Vec<Request> {
    let mut names: BTreeSet<String> = [
        format!("arn:aws:iam::{ACCOUNT}:user/alice"),
        format!("arn:aws:iam::{ACCOUNT}:root"),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/session"),
        "arn:aws:iam::444455556666:user/mallory".to_string(),
        "anonymous".to_string(),
        "sns.amazonaws.com".to_string(),
    ]
    .into_iter()
    .collect();
    let mut written = BTreeSet::new();
    for text in texts {
        if let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) {
            strings(&doc, &mut written);
        }
    }
    names.extend(
        written
            .into_iter()
            .filter(|s| s.starts_with("arn:aws:iam::") || s.starts_with("arn:aws:sts::"))
            .map(|s| concrete(&s)),
    );
    let principals: Vec<String> = names.into_iter().collect();
    common::requests(
        policies,
        &Sampling {
            per_pattern: 24,
            extra_resources: &[],
            principals: &principals,
            contexts: &[
                &[],
                &[("aws:PrincipalOrgID", ORG), ("aws:SecureTransport", "true")],
                &[
                    ("aws:PrincipalOrgID", "o-zzzzzzzzzz"),
                    ("aws:SourceIp", "203.0.113.7"),
                ],
            ],
        },
    )
}

/// Applies the safe fixes of every rule; an error names the first request whose decision
/// changed. `Ok(false)` when no safe fix changed the text.
fn check(text: &str, kind: Option<PolicyKind>) -> Result<bool, String> {
    check_at(text, kind, Applicability::Safe)
}

/// Applies the fixes of every rule at `min` or above until stable, and decides every sampled
/// request before and after: with safe fixes only, no decision may change; with unsafe fixes
/// too, no request that was not allowed may be allowed. `Ok(false)` when no fix changed the
/// text.
fn check_at(text: &str, kind: Option<PolicyKind>, min: Applicability) -> Result<bool, String> {
    let fixed = fix_until_stable(text, kind, &settings(), min).text;
    if fixed == text {
        return Ok(false);
    }
    let (Some(original), Some(changed)) = (
        parse_policy(text, kind).policy,
        parse_policy(&fixed, kind).policy,
    ) else {
        return Err(format!("no policy read\n--- after\n{fixed}"));
    };
    let (before, after) = (policy_set(&original), policy_set(&changed));
    for request in requests(&[&original, &changed], &[text, &fixed]) {
        // The whole decision: an explicit deny that becomes an implicit one lets another
        // policy of the account allow the request.
        let was: Decision = before.evaluate(&request).decision;
        let is: Decision = after.evaluate(&request).decision;
        let wrong = if min == Applicability::Safe {
            was != is
        } else {
            is == Decision::Allowed && was != Decision::Allowed
        };
        if wrong {
            let what = if min == Applicability::Safe {
                "a safe fix changed the decision"
            } else {
                "an unsafe fix allows more"
            };
            return Err(format!(
                "{what} ({} before, {} after): {} {} on {} with {:?}\n--- before\n{text}\n--- after\n{fixed}",
                was.as_str(),
                is.as_str(),
                request.principal,
                request.action,
                request.resource,
                request.context.iter().collect::<Vec<_>>()
            ));
        }
    }
    Ok(true)
}

#[test]
fn fixes_of_the_fixtures_keep_or_narrow_every_decision() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/lint");
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .flat_map(|d| std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
        .collect();
    files.sort();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        let kind = stem
            .rsplit_once('.')
            .and_then(|(_, k)| k.parse::<PolicyKind>().ok());
        let text = std::fs::read_to_string(&file).unwrap();
        if parse_policy(&text, kind).policy.is_none() {
            continue;
        }
        for min in [Applicability::Safe, Applicability::Unsafe] {
            match check_at(&text, kind, min) {
                Ok(true) => checked += 1,
                Ok(false) => {}
                Err(e) => problems.push(format!(
                    "{}/{name}: {e}",
                    file.parent()
                        .unwrap()
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(checked >= 5, "only {checked} fixtures had a safe fix");
}

// ---------------------------------------------------------------------------------------------
// Generated policies
// ---------------------------------------------------------------------------------------------

/// Action items, with repeats and overlaps for the redundancy rules.
const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObject",
    "s3:Get*",
    "s3:*",
    "kms:*",
    "kms:Decrypt",
    "sqs:SendMessage",
    "sts:AssumeRole",
];

const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::reports/*",
    "arn:aws:s3:::reports/*",
    "arn:aws:s3:::reports/2024/*",
    "arn:aws:sqs:eu-west-1:111122223333:q",
];

/// `AWS` principal values: an account written both ways, a role of it and its session
/// (what a `Deny` with `NotPrincipal` must list all of), another account, `*`.
const PRINCIPALS: &[&str] = &[
    "444455556666",
    "arn:aws:iam::444455556666:root",
    "arn:aws:iam::444455556666:role/deploy",
    "arn:aws:sts::444455556666:assumed-role/deploy/ci",
    "arn:aws:iam::111122223333:root",
    "*",
];

fn conditions() -> Vec<Option<serde_json::Value>> {
    use serde_json::json;
    vec![
        None,
        Some(json!({"ArnNotLike": {"aws:ARN": "arn:aws:iam::111122223333:user/alice"}})),
        Some(json!({"ArnLike": {"aws:ARN": "arn:aws:iam::444455556666:role/deploy"}})),
        Some(json!({"StringEquals": {"aws:PrincipalOrgID": [ORG, ORG]}})),
        Some(json!({"IpAddress": {"aws:SourceIp": ["203.0.113.7/24", "198.51.100.0/24"]}})),
        Some(json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.9/28"}})),
        Some(json!({"Bool": {"aws:SecureTransport": ["true", "true"]}})),
        Some(json!({"StringNotEquals": {"aws:PrincipalOrgID": ["o-zzzzzzzzzz", "o-zzzzzzzzzz"]}})),
    ]
}

fn one_or_many(items: Vec<&str>, single: bool) -> serde_json::Value {
    if single && items.len() == 1 {
        serde_json::Value::String(items[0].to_string())
    } else {
        serde_json::Value::Array(
            items
                .into_iter()
                .map(|s| serde_json::Value::String(s.to_string()))
                .collect(),
        )
    }
}

prop_compose! {
    fn statement(resource_policy: bool)(
        allow in any::<bool>(),
        actions in proptest::sample::subsequence(ACTIONS.to_vec(), 1..4),
        resources in proptest::sample::subsequence(RESOURCES.to_vec(), 1..3),
        principals in proptest::sample::subsequence(PRINCIPALS.to_vec(), 1..5),
        not_principal in proptest::bool::weighted(0.4),
        single in any::<bool>(),
        condition in 0usize..8,
    ) -> serde_json::Value {
        let mut s = serde_json::Map::new();
        s.insert("Effect".into(), (if allow { "Allow" } else { "Deny" }).into());
        if resource_policy {
            // `NotPrincipal` only with `Deny`, as AWS accepts it.
            let key = if not_principal && !allow { "NotPrincipal" } else { "Principal" };
            s.insert(key.into(), serde_json::json!({"AWS": one_or_many(principals, single)}));
        }
        s.insert("Action".into(), one_or_many(actions, single));
        s.insert("Resource".into(), one_or_many(resources, single));
        if let Some(c) = conditions().swap_remove(condition) {
            s.insert("Condition".into(), c);
        }
        serde_json::Value::Object(s)
    }
}

fn policy(resource_policy: bool) -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(statement(resource_policy), 1..4),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(statements, old, pretty)| {
            let version = if old { "2008-10-17" } else { "2012-10-17" };
            let doc = serde_json::json!({"Version": version, "Statement": statements});
            if pretty {
                serde_json::to_string_pretty(&doc).unwrap()
            } else {
                serde_json::to_string(&doc).unwrap()
            }
        })
}

/// How many policies each generated test tries: 64 by default (a few seconds), or
/// `IAMPOL_FIX_CASES` (`IAMPOL_FIX_CASES=10000 cargo test --release -p policy-lint --test
/// safe_fix_decisions` for a long run).
fn cases() -> u32 {
    std::env::var("IAMPOL_FIX_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), .. ProptestConfig::default() })]

    #[test]
    fn safe_fixes_of_generated_identity_policies_keep_every_decision(text in policy(false)) {
        if let Err(e) = check(&text, Some(PolicyKind::Identity)) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn safe_fixes_of_generated_resource_policies_keep_every_decision(text in policy(true)) {
        if let Err(e) = check(&text, Some(PolicyKind::Resource)) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn unsafe_fixes_of_generated_identity_policies_never_allow_more(text in policy(false)) {
        if let Err(e) = check_at(&text, Some(PolicyKind::Identity), Applicability::Unsafe) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn unsafe_fixes_of_generated_resource_policies_never_allow_more(text in policy(true)) {
        if let Err(e) = check_at(&text, Some(PolicyKind::Resource), Applicability::Unsafe) {
            prop_assert!(false, "{}", e);
        }
    }
}
