//! The real events of `corpus/cloudtrail/` (Stratus Red Team detonation logs): for
//! every principal, the generated policy is valid (no error-severity lint finding) and allows
//! every recorded, mapped, non-denied call when evaluated.

use std::path::PathBuf;
use std::sync::Arc;

use policy_core::ast::PolicyKind;
use policy_core::eval::CompiledPolicy;
use policy_core::parse::parse_policy;
use policy_core::request::{Request, RequestPrincipal};
use policy_lint::generate::aggregate::{Activity, Selection};
use policy_lint::generate::cloudtrail::{Input, ReadOptions};
use policy_lint::generate::emit::{emit, EmitOptions};
use policy_lint::generate::mapping::unescape;
use policy_lint::generate::read_activity;
use policy_lint::generate::tighten::identity_allows;
use policy_lint::{lint_source, Settings, Severity};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/cloudtrail/stratus-red-team-detonation-logs")
}

fn read(selection: Selection) -> Activity {
    read_activity(
        vec![Input::Path(corpus())],
        selection,
        &ReadOptions::default(),
        None,
    )
}

#[test]
fn every_principal_gets_a_valid_policy_that_allows_what_it_did() {
    let activity = read(Selection::default());
    assert_eq!(activity.counts.inputs, 35);
    assert_eq!(activity.counts.events, 310);
    assert!(activity.problems.is_empty(), "{:?}", activity.problems);
    assert_eq!(activity.counts.malformed, 0);
    assert!(
        activity.principals.len() >= 30,
        "{}",
        activity.principals.len()
    );
    let mut checked = 0;
    let mut with_policy = 0;
    for (arn, principal) in &activity.principals {
        for collapse in [false, true] {
            let policies = emit(
                principal,
                &EmitOptions {
                    collapse,
                    ..EmitOptions::default()
                },
            );
            if principal.actions.is_empty() {
                assert!(policies.is_empty());
                continue;
            }
            with_policy += 1;
            let mut compiled = Vec::new();
            for (i, p) in policies.iter().enumerate() {
                let findings =
                    lint_source(&p.text, Some(PolicyKind::Identity), &Settings::default());
                let errors: Vec<String> = findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(|f| format!("{}: {}", f.rule.code, f.message))
                    .collect();
                assert!(errors.is_empty(), "{arn}: {errors:?}\n{}", p.text);
                let parsed = parse_policy(&p.text, Some(PolicyKind::Identity));
                assert!(parsed.errors.is_empty(), "{arn}: {:?}", parsed.errors);
                let policy = parsed.policy.expect("a policy");
                compiled.push(CompiledPolicy::new(&policy, &format!("generated-{i}"), i));
            }
            let who = Arc::new(RequestPrincipal::parse(arn).expect("a principal ARN"));
            for (action, used) in &principal.actions {
                for (resource, ctx) in &used.resources {
                    let request = Request::new(
                        Arc::clone(&who),
                        action,
                        unescape(resource),
                        None,
                        ctx.to_context(),
                    );
                    assert!(
                        identity_allows(&compiled, &request),
                        "{arn}: {action} on {resource} (collapse {collapse})"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(with_policy >= 40, "{with_policy}");
    assert!(checked > 100, "{checked}");
}

#[test]
fn the_corpus_maps_as_expected() {
    let activity = read(Selection::default());
    let c = &activity.counts;
    // 52 events carry an error code; the denied ones are left out and listed.
    assert!(c.denied >= 45, "{c:?}");
    assert!(c.mapped > 150, "{c:?}");
    let names: Vec<String> = activity
        .unmapped
        .iter()
        .map(|u| format!("{} {}", u.event_source, u.event_name))
        .collect();
    eprintln!("unmapped: {names:?}");
    assert!(c.unmapped <= 12, "{c:?} {names:?}");
    // Lambda's API-version suffixes are stripped.
    let lambda_user = activity
        .principals
        .values()
        .find(|p| p.actions.contains_key("lambda:UpdateFunctionCode"))
        .expect("UpdateFunctionCode20150331v2 maps to lambda:UpdateFunctionCode");
    let resources: Vec<&String> = lambda_user.actions["lambda:UpdateFunctionCode"]
        .resources
        .keys()
        .collect();
    assert!(
        resources
            .iter()
            .all(|r| r.starts_with("arn:aws:lambda:") && r.contains(":function:stratus-red-team")),
        "{resources:?}"
    );
    // Role sessions are gathered under their role.
    assert!(activity
        .principals
        .keys()
        .any(|k| k.contains(":role/") && !k.contains("assumed-role")));
    assert!(!activity
        .principals
        .keys()
        .any(|k| k.contains("assumed-role")));
}

#[test]
fn selection_by_principal_time_and_denied() {
    let all = read(Selection::default());
    let (arn, _) = all
        .principals
        .iter()
        .find(|(_, p)| p.denied > 0)
        .expect("a principal with denied calls");
    let one = read(Selection {
        principals: vec![arn.clone()],
        ..Selection::default()
    });
    assert_eq!(one.principals.len(), 1);
    let with_denied = read(Selection {
        principals: vec![arn.clone()],
        include_denied: true,
        ..Selection::default()
    });
    let p = &with_denied.principals[arn];
    assert_eq!(p.denied, 0);
    assert!(p.mapped > one.principals[arn].mapped);
    let none = read(Selection {
        since: Some("2030-01-01T00:00:00Z".into()),
        ..Selection::default()
    });
    assert!(none.principals.is_empty());
    assert_eq!(
        none.counts.filtered_out,
        310 - none.counts.not_api_calls - none.counts.no_principal
    );
}

#[test]
fn print_generated_policies() {
    // Not an assertion: `cargo test -p policy-lint --test generate_corpus -- --nocapture
    // print_generated_policies` shows what the corpus turns into.
    let activity = read(Selection::default());
    for (arn, principal) in activity.principals.iter().take(60) {
        for p in emit(principal, &EmitOptions::default()) {
            eprintln!("# {arn}\n{}", p.text);
        }
    }
}
