//! Generated policies lint clean: the linter's library entry point, run as `iampol lint --kind
//! identity` runs it (default settings), on every policy `emit` writes for the principals of
//! `corpus/cloudtrail/` and of a synthetic trail, with and without `--collapse`:
//!
//! - nothing that emit can avoid is reported, at any severity: invalid or duplicate Sids, a
//!   policy over the size quota, redundant actions, resources or statements, shadowed
//!   statements, service or full wildcards;
//! - no error;
//! - every warning is in the principal's summary (`lintFindings`, same code, message and
//!   policy number), explained by recorded actions of the principal that the finding names;
//! - the summary warns exactly when the principal needs more managed policies than the
//!   default quota.

use std::path::PathBuf;

use policy_core::ast::PolicyKind;
use policy_lint::generate::aggregate::{Activity, Selection};
use policy_lint::generate::cloudtrail::{Input, ReadOptions};
use policy_lint::generate::emit::{emit, EmitOptions, MANAGED_POLICIES_PER_PRINCIPAL};
use policy_lint::generate::read_activity;
use policy_lint::generate::summary::principal_summary;
use policy_lint::{lint_source, Settings, Severity};

// The generator of the benchmark tool `iampol-gen-cloudtrail` (a binary built only with
// `--features dev-tools`, so not shipped), compiled into this test.
#[path = "../src/bin/iampol-gen-cloudtrail/synthetic.rs"]
mod synthetic;

use synthetic::{write_trail, SyntheticOptions};

/// Rules whose findings the generator can always avoid.
const AVOIDABLE: &[&str] = &[
    "C110", // invalid-sid
    "C111", // duplicate-sid
    "C210", // policy-size-quota
    "N002", // redundant-action
    "N003", // redundant-resource
    "N004", // redundant-statement
    "N005", // empty-sid
    "N006", // missing-sid
    "S001", // wildcard-action
    "S002", // service-wildcard-action
    "W014", // shadowed-statement
];

fn corpus() -> Activity {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/cloudtrail/stratus-red-team-detonation-logs");
    read_activity(
        vec![Input::Path(path)],
        Selection::default(),
        &ReadOptions::default(),
        None,
    )
}

/// A synthetic trail of about `size` bytes of JSON (the generator of `iampol-gen-cloudtrail`),
/// read back.
fn synthetic(size: u64, seed: u64) -> Activity {
    let dir = std::env::temp_dir().join(format!(
        "iampol-generate-lint-{seed}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let options = SyntheticOptions {
        size,
        seed,
        ..SyntheticOptions::default()
    };
    write_trail(&dir, &options).unwrap();
    let activity = read_activity(
        vec![Input::Path(dir.clone())],
        Selection::default(),
        &ReadOptions::default(),
        None,
    );
    let _ = std::fs::remove_dir_all(&dir);
    activity
}

/// Checks every principal; returns the number of warnings the summaries explain.
fn check(activity: &Activity) -> usize {
    let mut explained = 0;
    let mut documents = 0;
    for (arn, principal) in &activity.principals {
        for collapse in [false, true] {
            let docs = emit(
                principal,
                &EmitOptions {
                    collapse,
                    ..EmitOptions::default()
                },
            );
            let summary = principal_summary(principal, &docs, &[]);
            assert_eq!(
                summary.warnings.is_empty(),
                docs.len() <= MANAGED_POLICIES_PER_PRINCIPAL,
                "{arn}: {} policies, warnings {:?}",
                docs.len(),
                summary.warnings
            );
            for f in &summary.lint_findings {
                assert!(!f.actions.is_empty(), "{arn}: {f:?}");
                for a in &f.actions {
                    let used = principal.actions.get(&a.action);
                    assert!(
                        used.is_some_and(|u| u.calls > 0 && u.calls == a.calls),
                        "{arn}: {} is not a recorded action: {f:?}",
                        a.action
                    );
                }
            }
            for (i, d) in docs.iter().enumerate() {
                documents += 1;
                let findings =
                    lint_source(&d.text, Some(PolicyKind::Identity), &Settings::default());
                for f in &findings {
                    assert!(
                        !AVOIDABLE.contains(&f.rule.code) && f.severity != Severity::Error,
                        "{arn} (collapse {collapse}), policy {}: {} {} {}\n{}",
                        i + 1,
                        f.rule.code,
                        f.rule.name,
                        f.message,
                        d.text
                    );
                    if f.severity < Severity::Warning {
                        continue;
                    }
                    let listed = summary.lint_findings.iter().any(|e| {
                        e.code == f.rule.code
                            && e.message == f.message
                            && e.policies.contains(&(i + 1))
                    });
                    assert!(
                        listed,
                        "{arn}: {} {} is not explained in the summary",
                        f.rule.code, f.message
                    );
                    explained += 1;
                }
            }
        }
    }
    assert!(documents > 0);
    explained
}

#[test]
fn corpus_policies_lint_clean_or_explained() {
    let activity = corpus();
    assert!(activity.principals.len() >= 30);
    let explained = check(&activity);
    // The Stratus Red Team detonations really call risky actions (`ec2:DeleteFlowLogs`,
    // `sts:GetFederationToken`, …): those findings stay, explained.
    assert!(explained > 0);
}

#[test]
fn synthetic_policies_lint_clean_or_explained() {
    let activity = synthetic(3_000_000, 7);
    assert!(
        activity.principals.len() >= 20,
        "{}",
        activity.principals.len()
    );
    check(&activity);
}
