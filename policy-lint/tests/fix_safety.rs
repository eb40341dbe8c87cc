//! Fix safety of the security rules (Ruff's convergence check, adapted to IAM): for each rule
//! with a fix, on the rule fixtures and on generated policies,
//!
//! - fixing until stable (`fix_until_stable`, unsafe fixes included, an organization id
//!   configured) leaves text that parses with no error;
//! - the rule no longer reports anything it could fix;
//! - the evaluator never allows more after the fix than before, on sampled requests: every
//!   action the original statements' patterns match, over their resources, for several
//!   principals (same account, another account, anonymous, a service) and request contexts
//!   (inside and outside the organization by `aws:PrincipalOrgID`, with and without TLS).

mod common;

use common::{policy_set, Sampling};

use std::path::Path;

use policy_core::eval::Decision;
use policy_core::parse_policy;
use policy_core::request::Request;
use policy_core::{Policy, PolicyKind};
use policy_lint::fix::{apply_edits, fix_until_stable};
use policy_lint::{lint_source, Applicability, Settings};
use proptest::prelude::*;

/// Our organization, as configured.
const ORG: &str = "o-a1b2c3d4e5";
/// Our account.
const ACCOUNT: &str = "111122223333";

/// The rules with fixes, and the least applicability their fix is applied at.
const FIXABLE: &[(&str, Applicability)] = &[
    ("S002", Applicability::Unsafe),
    ("S003", Applicability::DisplayOnly),
    ("S017", Applicability::Unsafe),
];

fn settings(code: &str) -> Settings {
    Settings {
        select: vec![code.to_string()],
        organization_id: Some(ORG.to_string()),
        ..Settings::default()
    }
}

/// Applies the rule's fixes until stable. Display-only fixes are not applied by
/// `fix_until_stable`, so they are applied here round by round in the same way.
fn fix(text: &str, kind: Option<PolicyKind>, code: &str, min: Applicability) -> String {
    let settings = settings(code);
    if min >= Applicability::Unsafe {
        return fix_until_stable(text, kind, &settings, min).text;
    }
    let mut current = text.to_string();
    for _ in 0..10 {
        let findings = lint_source(&current, kind, &settings);
        let round = apply_edits(&current, &findings, min);
        if round.applied == 0 || round.text == current {
            break;
        }
        current = round.text;
    }
    current
}

/// Checks one policy for one rule; `Ok(false)` when the rule offers no fix on it.
fn check(
    text: &str,
    kind: Option<PolicyKind>,
    code: &str,
    min: Applicability,
) -> Result<bool, String> {
    let settings = settings(code);
    let before = lint_source(text, kind, &settings);
    if !before
        .iter()
        .any(|f| f.fix.as_ref().is_some_and(|x| x.applicability >= min))
    {
        return Ok(false);
    }
    let fixed = fix(text, kind, code, min);
    let parsed = parse_policy(&fixed, kind);
    if !parsed.errors.is_empty() {
        return Err(format!(
            "{code}: the fixed text does not parse: {:?}\n--- before\n{text}\n--- after\n{fixed}",
            parsed
                .errors
                .iter()
                .map(|e| e.kind.to_string())
                .collect::<Vec<_>>()
        ));
    }
    let after = lint_source(&fixed, kind, &settings);
    if let Some(left) = after
        .iter()
        .find(|f| f.fix.as_ref().is_some_and(|x| x.applicability >= min))
    {
        return Err(format!(
            "{code}: still fixable after fixing: {}\n--- after\n{fixed}",
            left.message
        ));
    }
    // Every finding had a fix to apply (not one the unsafe-fix gate kept display-only, as it
    // does when the decision procedure cannot prove the fix allows nothing new).
    if before
        .iter()
        .all(|f| f.fix.as_ref().is_some_and(|x| x.applicability >= min))
        && !after.is_empty()
    {
        return Err(format!(
            "{code}: still fires after fixing: {}\n--- after\n{fixed}",
            after[0].message
        ));
    }
    let (Some(original), Some(changed)) = (parse_policy(text, kind).policy, parsed.policy) else {
        return Err(format!("{code}: no policy read"));
    };
    never_allows_more(&original, &changed, &fixed)?;
    Ok(true)
}

/// The evaluator's decision for every sampled request, original against fixed.
fn never_allows_more(original: &Policy, fixed: &Policy, fixed_text: &str) -> Result<(), String> {
    let (before, after) = (policy_set(original), policy_set(fixed));
    let mut allowed_before = 0usize;
    for request in requests(&[original, fixed]) {
        let was = before.evaluate(&request).decision == Decision::Allowed;
        let is = after.evaluate(&request).decision == Decision::Allowed;
        allowed_before += usize::from(was);
        if is && !was {
            return Err(format!(
                "the fix allows more: {} {} on {} with {:?}\n--- after\n{fixed_text}",
                request.principal,
                request.action,
                request.resource,
                request.context.iter().collect::<Vec<_>>()
            ));
        }
    }
    let _ = allowed_before;
    Ok(())
}

/// Every action the policies' `Action` patterns match (at most 120 per pattern, spread over
/// the list), over their resources made concrete, for several principals and contexts. Both
/// the original and the fixed policy are sampled, so that an action a fix adds is tried too.
fn requests(policies: &[&Policy]) -> Vec<Request> {
    let principals = [
        format!("arn:aws:iam::{ACCOUNT}:user/alice"),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/session"),
        "arn:aws:iam::444455556666:user/mallory".to_string(),
        "anonymous".to_string(),
        "sns.amazonaws.com".to_string(),
    ];
    common::requests(
        policies,
        &Sampling {
            per_pattern: 120,
            extra_resources: &["arn:aws:s3:::elsewhere/key"],
            principals: &principals,
            contexts: &[
                &[],
                &[("aws:PrincipalOrgID", ORG)],
                &[
                    ("aws:PrincipalOrgID", "o-zzzzzzzzzz"),
                    ("aws:SecureTransport", "true"),
                ],
                &[("aws:PrincipalOrgID", ORG), ("aws:SecureTransport", "true")],
            ],
        },
    )
}

#[test]
fn fixes_of_the_fixtures_are_safe() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/lint");
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('S'))
        })
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
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
            for (code, min) in FIXABLE {
                match check(&text, kind, code, *min) {
                    Ok(true) => checked += 1,
                    Ok(false) => {}
                    Err(e) => problems.push(format!("{}: {e}", file.display())),
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(checked >= 8, "only {checked} fixes checked");
}

/// The characters of a policy without white space, as IAM counts a managed policy against its
/// quota (UG "IAM and AWS STS quotas": "Managed policy size: 6,144 characters"; "IAM doesn't
/// count white space when calculating the size of a policy"). The names here hold no white
/// space, so every white-space character goes.
fn managed_policy_size(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// "An unsafe rewrite is offered only if its result fits the size quota and lints clean, else
/// it is display-only": listing the read actions of five whole services does not fit the
/// 6,144 characters of a managed policy, so some of the rewrites are display-only, and
/// `--unsafe-fixes` (every unsafe fix, until stable) leaves a policy that fits and has no new
/// error.
#[test]
fn unsafe_rewrite_that_does_not_fit_the_quota_is_display_only() {
    let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:*", "iam:*", "s3:*", "rds:*", "lambda:*"], "Resource": "*"}]}"#;
    let kind = Some(PolicyKind::Identity);
    let settings = Settings::default();
    let findings = lint_source(text, kind, &settings);
    let errors = |f: &[policy_lint::Finding]| {
        f.iter()
            .filter(|f| f.severity == policy_lint::Severity::Error)
            .count()
    };
    let rewrites: Vec<_> = findings
        .iter()
        .filter(|f| f.rule.code == "S002")
        .filter_map(|f| f.fix.as_ref())
        .collect();
    assert_eq!(rewrites.len(), 5, "one rewrite per service wildcard");
    for fix in &rewrites {
        // Each rewrite on its own: if its result does not fit, it is not offered as unsafe.
        let alone = apply_edits(
            text,
            &[policy_lint::Finding {
                fix: Some((*fix).clone()),
                ..findings[0].clone()
            }],
            Applicability::DisplayOnly,
        )
        .text;
        if managed_policy_size(&alone) > 6_144 {
            assert_eq!(
                fix.applicability,
                Applicability::DisplayOnly,
                "a rewrite to {} characters is offered: {}",
                managed_policy_size(&alone),
                fix.message
            );
        }
    }
    assert!(rewrites
        .iter()
        .any(|f| f.applicability == Applicability::DisplayOnly));
    assert!(rewrites
        .iter()
        .any(|f| f.applicability == Applicability::Unsafe));
    let fixed = fix_until_stable(text, kind, &settings, Applicability::Unsafe).text;
    assert_ne!(fixed, text);
    assert!(
        managed_policy_size(&fixed) <= 6_144,
        "--unsafe-fixes wrote {} characters:\n{fixed}",
        managed_policy_size(&fixed)
    );
    assert!(errors(&lint_source(&fixed, kind, &settings)) <= errors(&findings));
}

#[test]
fn public_fix_is_valid_json_in_every_layout() {
    let cases = [
        // No `Condition`.
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}"#,
        // Elements in another order, `Condition` missing, pretty-printed.
        "{\n  \"Statement\": [\n    {\n      \"Resource\": \"arn:aws:s3:::b/*\",\n      \"Principal\": {\"AWS\": \"*\"},\n      \"Action\": [\"s3:GetObject\"],\n      \"Effect\": \"Allow\"\n    }\n  ],\n  \"Version\": \"2012-10-17\"\n}",
        // An empty `Condition`.
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": {}}]}"#,
        // `Condition` without `StringEquals`.
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}"#,
        // `StringEquals` without the key.
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}"#,
        // `StringEqualsIfExists` on the key: a separate operator.
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}"#,
        // Two public statements.
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:111122223333:q"}, {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "sqs:ReceiveMessage", "Resource": "arn:aws:sqs:eu-west-1:111122223333:q", "Condition": {"StringLike": {"aws:PrincipalOrgID": "*"}}}]}"#,
    ];
    for text in cases {
        assert_eq!(
            check(
                text,
                Some(PolicyKind::Resource),
                "S017",
                Applicability::Unsafe
            ),
            Ok(true),
            "{text}"
        );
    }
}

#[test]
fn service_wildcard_fix_keeps_the_array_shape() {
    let cases = [
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}]}"#,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "arn:aws:s3:::b/*"}]}"#,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage", "s3:*Object", "dynamodb:*"], "Resource": "*"}]}"#,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:*"], "Resource": "arn:aws:s3:::b/*"}, {"Effect": "Deny", "Action": "s3:GetObjectAcl", "Resource": "*"}]}"#,
    ];
    for text in cases {
        assert_eq!(
            check(
                text,
                Some(PolicyKind::Identity),
                "S002",
                Applicability::Unsafe
            ),
            Ok(true),
            "{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Generated policies
// ---------------------------------------------------------------------------------------------

const ACTIONS: &[&str] = &[
    "s3:*",
    "s3:*Object",
    "s3:GetObject",
    "s3:Put*",
    "iam:*AccessKey*",
    "dynamodb:*",
    "sqs:*",
    "sqs:SendMessage",
    "kms:*",
    "ec2:*Instances",
];

const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::reports",
    "arn:aws:s3:::reports/*",
    "arn:aws:iam::111122223333:user/${aws:username}",
    "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
    "arn:aws:sqs:*:111122223333:*",
];

fn conditions() -> Vec<Option<serde_json::Value>> {
    use serde_json::json;
    vec![
        None,
        Some(json!({})),
        Some(json!({"Bool": {"aws:SecureTransport": "true"}})),
        Some(json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})),
        Some(json!({"StringEqualsIfExists": {"aws:PrincipalOrgID": ORG}})),
        Some(json!({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}})),
        Some(json!({"StringEquals": {"aws:PrincipalOrgID": "o-zzzzzzzzzz"}})),
        Some(json!({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": ORG}})),
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
        allow in proptest::bool::weighted(0.8),
        actions in proptest::sample::subsequence(ACTIONS.to_vec(), 1..4),
        resources in proptest::sample::subsequence(RESOURCES.to_vec(), 1..3),
        single in any::<bool>(),
        principal in 0usize..3,
        condition in 0usize..8,
    ) -> serde_json::Value {
        let mut s = serde_json::Map::new();
        s.insert("Effect".into(), (if allow { "Allow" } else { "Deny" }).into());
        if resource_policy {
            let p = match principal {
                0 => serde_json::json!("*"),
                1 => serde_json::json!({"AWS": "*"}),
                _ => serde_json::json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}),
            };
            s.insert("Principal".into(), p);
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
        proptest::collection::vec(statement(resource_policy), 1..3),
        any::<bool>(),
    )
        .prop_map(|(statements, pretty)| {
            let doc = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
            if pretty {
                serde_json::to_string_pretty(&doc).unwrap()
            } else {
                serde_json::to_string(&doc).unwrap()
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn generated_identity_policies_fix_safely(text in policy(false)) {
        for (code, min) in FIXABLE {
            if let Err(e) = check(&text, Some(PolicyKind::Identity), code, *min) {
                prop_assert!(false, "{}", e);
            }
        }
    }

    #[test]
    fn generated_resource_policies_fix_safely(text in policy(true)) {
        for (code, min) in FIXABLE {
            if let Err(e) = check(&text, Some(PolicyKind::Resource), code, *min) {
                prop_assert!(false, "{}", e);
            }
        }
    }
}
