//! The independent check (`generate::verify`) over the real events of `corpus/cloudtrail/`
//! (Stratus Red Team detonation logs): every successful API call of a principal is either
//! checked against the generated policies or counted as unchecked with its reason, the
//! requests come from the events' own ARNs and IDs, and the result does not depend on the
//! number of reading threads. The generator is not required to pass everywhere yet: the
//! failures are printed (`cargo test -p policy-lint --test generate_verify -- --nocapture`).
#![expect(
    clippy::doc_markdown,
    reason = "the docs name AWS products (CloudTrail) in prose"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use policy_lint::generate::aggregate::Selection;
use policy_lint::generate::cloudtrail::{Input, ReadOptions};
use policy_lint::generate::emit::{emit, EmitOptions};
use policy_lint::generate::read_activity_and_requests;
use policy_lint::generate::verify::{
    check, parse_identity_policies, CallPlan, CheckReport, RecordedRequests, NOT_CONCRETE,
    NO_ACTION,
};
use serde_json::Value;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/cloudtrail/stratus-red-team-detonation-logs")
}

/// Every record of the corpus, straight from the files.
fn raw_events() -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            let v: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
            v.as_array().unwrap().clone()
        })
        .collect()
}

/// Whether a record is a successful API call by a principal a policy is written for (the
/// CloudTrail User Guide's `userIdentity` types of IAM users, role sessions, federated users
/// and the root user; `eventType` `AwsApiCall`; no `errorCode`).
fn is_successful_call(e: &Value) -> bool {
    let kind = e["userIdentity"]["type"].as_str().unwrap_or_default();
    ["IAMUser", "AssumedRole", "FederatedUser", "Root"].contains(&kind)
        && e["userIdentity"]["arn"].is_string()
        && e["eventType"] == "AwsApiCall"
        && e.get("errorCode").is_none_or(Value::is_null)
}

fn read(threads: usize) -> (policy_lint::generate::aggregate::Activity, RecordedRequests) {
    read_activity_and_requests(
        vec![Input::Path(corpus())],
        Selection::default(),
        &ReadOptions {
            threads,
            ..ReadOptions::default()
        },
        None,
    )
}

#[test]
fn every_successful_call_is_checked_or_counted_unchecked() {
    let events = raw_events();
    assert_eq!(events.len(), 310);
    let successful = events.iter().filter(|e| is_successful_call(e)).count() as u64;

    let (activity, recorded) = read(2);
    let mut totals = CheckReport::default();
    let mut reports: BTreeMap<String, CheckReport> = BTreeMap::new();
    for (arn, principal) in &activity.principals {
        let policies = emit(principal, &EmitOptions::default());
        let docs = parse_identity_policies(policies.iter().map(|p| p.text.as_str())).unwrap();
        let report = check(&docs, recorded.principal(arn));
        totals.checked += report.checked;
        totals.passed += report.passed;
        totals.partial += report.partial;
        totals.failed_calls += report.failed_calls;
        for (reason, n) in &report.unchecked {
            *totals.unchecked.entry(reason.clone()).or_default() += n;
        }
        totals.failed.extend(report.failed.iter().cloned());
        reports.insert(arn.clone(), report);
    }
    println!(
        "corpus check: {successful} successful calls: {} checked ({} allowed, {} partly, {} NOT allowed), unchecked {:?}",
        totals.checked, totals.passed, totals.partial, totals.failed_calls, totals.unchecked
    );
    for f in &totals.failed {
        println!(
            "  not allowed: {} on {} ({} ×{}, {})",
            f.action, f.resource, f.call, f.count, f.event
        );
    }

    // Each successful call is counted once, checked or unchecked; never both.
    assert_eq!(totals.checked + totals.unchecked_total(), successful);
    assert_eq!(totals.checked, totals.passed + totals.failed_calls);
    // No recorded principal is left out of the generator's principals.
    assert!(recorded
        .principals
        .keys()
        .all(|p| activity.principals.contains_key(p)));
    // Every call of the corpus has an IAM action of its name, with or without a version
    // suffix (`UpdateFunctionCode20150331v2`).
    assert!(!totals.unchecked.contains_key(NO_ACTION), "{totals:?}");
    assert!(totals.unchecked.keys().all(|r| r == NOT_CONCRETE));
    assert!(totals.checked > totals.unchecked_total());
}

#[test]
fn requests_come_from_the_events_own_arns() {
    let events = raw_events();
    let (_, recorded) = read(1);
    let calls: Vec<_> = recorded
        .principals
        .values()
        .flat_map(|p| p.calls.iter())
        .collect();

    // GetSecretValue names its secret by ARN in each of these events: that ARN, and only it.
    let secret_ids: Vec<&str> = events
        .iter()
        .filter(|e| is_successful_call(e) && e["eventName"] == "GetSecretValue")
        .filter_map(|e| e["requestParameters"]["secretId"].as_str())
        .collect();
    assert_eq!(secret_ids.len(), 20);
    let mut checked_secrets: Vec<String> = calls
        .iter()
        .filter(|c| c.call == "secretsmanager.amazonaws.com GetSecretValue")
        .flat_map(|c| match &c.plan {
            CallPlan::Requests {
                action, resources, ..
            } => {
                assert_eq!(action, "secretsmanager:GetSecretValue");
                vec![resources.clone()]
            }
            CallPlan::Unchecked(r) => panic!("{}: {r}", c.call),
        })
        .map(|r| {
            assert_eq!(r.len(), 1);
            r[0].clone()
        })
        .collect();
    let mut expected: Vec<String> = secret_ids.iter().map(|s| (*s).to_string()).collect();
    checked_secrets.sort();
    expected.sort();
    assert_eq!(checked_secrets, expected);

    // GetParameters: the parameters CloudTrail lists in `resources[]`.
    for e in events
        .iter()
        .filter(|e| is_successful_call(e) && e["eventName"] == "GetParameters")
    {
        let mut listed: Vec<String> = e["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ARN"].as_str().unwrap().to_string())
            .collect();
        listed.sort();
        assert!(
            calls.iter().any(|c| matches!(&c.plan,
                CallPlan::Requests { action, resources, .. }
                    if action == "ssm:GetParameters" && *resources == listed)),
            "{listed:?}"
        );
    }

    // StartSession names its instance as `target` (SSM API Reference, StartSession:
    // `Target`, "the managed node to connect to"): one request on that EC2 instance.
    let targets: Vec<String> = events
        .iter()
        .filter(|e| is_successful_call(e) && e["eventName"] == "StartSession")
        .map(|e| {
            e["requestParameters"]["target"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(targets.len(), 3);
    for c in calls
        .iter()
        .filter(|c| c.call == "ssm.amazonaws.com StartSession")
    {
        let CallPlan::Requests { resources, .. } = &c.plan else {
            panic!("{:?}", c.plan);
        };
        assert_eq!(resources.len(), 1);
        let target = resources[0].rsplit('/').next().unwrap();
        assert!(resources[0].contains(":ec2:") && targets.iter().any(|t| t == target));
    }
}

#[test]
fn the_result_does_not_depend_on_threads() {
    let (_, one) = read(1);
    let (_, four) = read(4);
    assert_eq!(one, four);
}
