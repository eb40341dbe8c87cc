//! Fix checks for the suspicious (`W`), suggestion (`N`) and added correctness (`C2xx`)
//! rules, Ruff's convergence check adapted: on every fixture of those rules whose findings
//! carry a fix, applying the rule's fixes until nothing changes gives text that
//! - parses with no more errors than before,
//! - on which the rule reports no finding with a fix any more,
//! - and which the evaluator decides like the original on requests sampled from the policy
//!   (principals, actions, resources and condition values it names): the same decision for
//!   `Safe` fixes, never an allow that was not there before for `Unsafe` ones. Display-only
//!   fixes are checked for the first two points only.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use policy_core::ast::{OperatorFamily, Policy, PolicyKind, PrincipalKind};
use policy_core::eval::{compile, CompiledPolicy, Decision, Level, PolicySet};
use policy_core::parse_policy;
use policy_core::request::{Context, Request, RequestPrincipal};
use policy_core::value::parse_ip_range;
use policy_lint::fix::fix_until_stable;
use policy_lint::{lint_source, Applicability, Settings};

struct Fixture {
    code: String,
    name: String,
    kind: Option<PolicyKind>,
    text: String,
}

/// The `fires-*` fixtures of the W, N and C2xx rules.
fn fixtures() -> Vec<Fixture> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/lint");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let code = p.file_name().unwrap().to_string_lossy().into_owned();
            p.is_dir() && (code.starts_with('W') || code.starts_with('N') || code.starts_with("C2"))
        })
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        let code = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".json") else {
                continue;
            };
            if !stem.starts_with("fires") {
                continue;
            }
            let kind = stem.rsplit_once('.').map(|(_, k)| k.parse().unwrap());
            out.push(Fixture {
                code: code.clone(),
                name,
                kind,
                text: std::fs::read_to_string(&file).unwrap(),
            });
        }
    }
    out
}

fn only(code: &str) -> Settings {
    Settings {
        select: vec![code.to_string()],
        ..Settings::default()
    }
}

/// Text that a pattern matches: wildcards become letters, variables a user name.
fn instance(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str("alice");
                rest = &rest[start + end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.replace('*', "x").replace('?', "y")
}

/// Callers: a user, a role session, and the principals the policy names.
fn principals(policy: &Policy) -> Vec<Arc<RequestPrincipal>> {
    let mut texts = vec![
        "arn:aws:iam::111122223333:user/alice".to_string(),
        "arn:aws:sts::111122223333:assumed-role/deploy/ci".to_string(),
        "arn:aws:iam::111122223333:root".to_string(),
        "anonymous".to_string(),
    ];
    for s in &policy.statements {
        let Some(p) = &s.principal else { continue };
        for e in p.value.entries() {
            for v in &e.values {
                let v = instance(&v.node);
                match e.kind.node {
                    PrincipalKind::Aws
                        if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        texts.push(format!("arn:aws:iam::{v}:root"));
                    }
                    PrincipalKind::Aws => {
                        if let Some((head, name)) = v.split_once(":role/") {
                            let account = head.rsplit(':').next().unwrap_or_default();
                            let name = name.rsplit('/').next().unwrap_or_default();
                            texts.push(format!("arn:aws:sts::{account}:assumed-role/{name}/s1"));
                        }
                        texts.push(v);
                    }
                    PrincipalKind::Service => texts.push(v),
                    _ => {}
                }
            }
        }
    }
    texts.sort();
    texts.dedup();
    texts
        .iter()
        .filter_map(|t| RequestPrincipal::parse(t).ok())
        .map(Arc::new)
        .collect()
}

fn actions(policy: &Policy) -> Vec<String> {
    let mut out: Vec<String> = vec![
        "s3:GetObject".into(),
        "iam:CreateUser".into(),
        "sts:AssumeRole".into(),
    ];
    for s in &policy.statements {
        for a in s.actions() {
            let a = instance(&a.node);
            out.push(if a.contains(':') {
                a
            } else {
                "s3:GetObject".into()
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

fn resources(policy: &Policy) -> Vec<String> {
    let mut out: Vec<String> = vec![
        "*".into(),
        "arn:aws:s3:::other-bucket/x".into(),
        "arn:aws:iam::111122223333:role/target".into(),
    ];
    for s in &policy.statements {
        for r in s.resources() {
            out.push(instance(&r.node));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Contexts: no key, each key with each candidate value alone, all keys with their first and
/// with their second candidate.
fn contexts(policy: &Policy) -> Vec<Vec<(String, Vec<String>)>> {
    let mut keys: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for s in &policy.statements {
        for e in s.conditions() {
            let family = e.operator.node.base.family();
            for kv in &e.keys {
                // Derived from the caller in every request (see `decisions`).
                if kv.key.node.eq_ignore_ascii_case("aws:ARN") {
                    continue;
                }
                let mut candidates: Vec<Vec<String>> = Vec::new();
                let mut plain: Vec<String> = Vec::new();
                for v in &kv.values {
                    let t = instance(&v.node.as_text());
                    if family == OperatorFamily::Ip {
                        if let Some(net) = parse_ip_range(&t) {
                            plain.push(net.network().to_string());
                            plain.push(net.addr().to_string());
                            plain.push(net.broadcast().to_string());
                        }
                    }
                    plain.push(t);
                }
                plain.extend(match family {
                    OperatorFamily::Bool | OperatorFamily::Null => {
                        vec!["true".to_string(), "false".to_string()]
                    }
                    OperatorFamily::Ip => vec!["198.51.100.99".to_string(), "10.1.2.3".to_string()],
                    OperatorFamily::Date => vec![
                        "2000-01-01T00:00:00Z".to_string(),
                        "2026-02-01T00:00:00Z".to_string(),
                        "2100-01-01T00:00:00Z".to_string(),
                    ],
                    OperatorFamily::Numeric => vec!["0".into(), "15".into(), "1000".into()],
                    _ => vec!["unrelated".to_string()],
                });
                for p in &plain {
                    candidates.push(vec![p.clone()]);
                }
                if plain.len() > 1 {
                    candidates.push(plain[..2].to_vec());
                }
                candidates.push(Vec::new());
                keys.push((kv.key.node.clone(), candidates));
            }
        }
    }
    let mut out = vec![Vec::new()];
    for (key, candidates) in &keys {
        for c in candidates {
            out.push(vec![(key.clone(), c.clone())]);
        }
    }
    for pick in [0usize, 1] {
        out.push(
            keys.iter()
                .filter_map(|(k, c)| c.get(pick).map(|v| (k.clone(), v.clone())))
                .collect(),
        );
    }
    out
}

fn allow_all() -> CompiledPolicy {
    let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    compile(
        &parse_policy(text, Some(PolicyKind::Identity))
            .policy
            .unwrap(),
        "allow-all",
        1,
    )
}

/// The policies of a request, with the policy under test in the place of its kind.
fn policy_set(policy: &Policy) -> PolicySet {
    let compiled = compile(policy, "under-test", 0);
    let mut set = PolicySet::default();
    match policy.kind {
        PolicyKind::Identity => set.identity.push(compiled),
        PolicyKind::Resource | PolicyKind::Trust => set.resource = Some(compiled),
        PolicyKind::Boundary => {
            set.identity.push(allow_all());
            set.boundary = Some(compiled);
        }
        PolicyKind::Session => {
            set.identity.push(allow_all());
            set.session = Some(compiled);
        }
        PolicyKind::Scp => {
            set.identity.push(allow_all());
            set.scps.push(Level::new("r-root", vec![compiled]));
        }
        PolicyKind::Rcp => {
            set.identity.push(allow_all());
            set.rcps.push(Level::new("r-root", vec![compiled]));
        }
        PolicyKind::Endpoint => {
            set.identity.push(allow_all());
            set.endpoints.push(compiled);
        }
    }
    set
}

/// Every sampled request and its decision under `policy`, for requests built from `basis`.
fn decisions(basis: &Policy, policy: &Policy) -> Vec<(String, Decision)> {
    let set = policy_set(policy);
    let mut out = Vec::new();
    for principal in principals(basis) {
        for action in actions(basis) {
            for resource in resources(basis) {
                for keys in contexts(basis) {
                    let mut context = Context::new();
                    // The retired `aws:ARN` carried the caller's ARN, as `aws:PrincipalArn` does.
                    if principal.kind != policy_core::request::PrincipalKind::Anonymous {
                        context.insert("aws:ARN", vec![principal.principal_arn.clone()]);
                    }
                    for (k, v) in &keys {
                        if !v.is_empty() {
                            context.insert(k, v.clone());
                        }
                    }
                    let label = format!("{principal} {action} {resource} {keys:?}");
                    let request =
                        Request::new(principal.clone(), &action, resource.clone(), None, context);
                    out.push((label, set.evaluate(&request).decision));
                }
            }
        }
    }
    out
}

#[test]
fn fixes_parse_silence_their_rule_and_keep_decisions() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for f in fixtures() {
        let settings = only(&f.code);
        let findings = lint_source(&f.text, f.kind, &settings);
        let fixes: Vec<Applicability> = findings
            .iter()
            .filter_map(|x| x.fix.as_ref().map(|fix| fix.applicability))
            .collect();
        if fixes.is_empty() {
            continue;
        }
        checked += 1;
        let at = format!("{}/{}", f.code, f.name);
        let before = parse_policy(&f.text, f.kind);

        // Every fix, display-only ones included: the text parses and the rule is satisfied.
        let all = fix_until_stable(&f.text, f.kind, &settings, Applicability::DisplayOnly);
        let after = parse_policy(&all.text, f.kind);
        if after.policy.is_none() || after.errors.len() > before.errors.len() {
            problems.push(format!(
                "{at}: the fixed text does not parse:\n{}",
                all.text
            ));
            continue;
        }
        let left: Vec<String> = lint_source(&all.text, f.kind, &settings)
            .into_iter()
            .map(|x| x.message)
            .collect();
        if left.len() + fixes.len() > findings.len() {
            problems.push(format!(
                "{at}: {} findings without a fix before, {} after fixing: {left:?}",
                findings.len() - fixes.len(),
                left.len()
            ));
        }

        // The fixes that change meaning at most as their applicability says.
        if !fixes.iter().any(|a| *a >= Applicability::Unsafe) {
            continue;
        }
        let unsafe_ = fixes.contains(&Applicability::Unsafe);
        let applied = fix_until_stable(&f.text, f.kind, &settings, Applicability::Unsafe);
        let (Some(original), Some(fixed)) = (
            before.policy.as_ref(),
            parse_policy(&applied.text, f.kind).policy,
        ) else {
            problems.push(format!("{at}: no policy to evaluate"));
            continue;
        };
        let was = decisions(original, original);
        let now = decisions(original, &fixed);
        for ((label, a), (_, b)) in was.iter().zip(&now) {
            let wrong = if unsafe_ {
                *b == Decision::Allowed && *a != Decision::Allowed
            } else {
                a != b
            };
            if wrong {
                problems.push(format!(
                    "{at}: {label}: {a} before the fix, {b} after:\n{}",
                    applied.text
                ));
                break;
            }
        }
    }
    assert!(checked >= 10, "only {checked} fixtures have fixes");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
