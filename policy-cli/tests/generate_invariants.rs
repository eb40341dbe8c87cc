//! What `iampol generate` writes for users to apply, checked from the outside on every
//! principal of the real trail corpus and of the synthetic generator's output:
//!
//! - every resource is a well-formed ARN of a resource type of its action (Service
//!   Authorization Reference ARN formats; each variable non-empty, no unfilled template, no
//!   empty path segment), or `*` for an action that takes no resource type;
//! - an action with one required resource type covers it, and `ec2:RunInstances` covers every
//!   type the EC2 User Guide says it authorizes;
//! - `iam:PassRole` never on `role/*`;
//! - the independent check (`summary.principals[].check`) finds no recorded call the policies
//!   do not allow.
//!
//! The ARN-format matching here is written for this test (a regex per format), not the
//! generator's.

use std::path::{Path, PathBuf};
use std::process::Command;

use policy_core::service_ref::ServiceRef;
use serde_json::Value;
use synthetic::{write_trail, SyntheticOptions};

// The generator of the benchmark tool `iampol-gen-cloudtrail` (a binary built only with
// `--features dev-tools`, so not shipped), compiled into this test.
#[path = "../src/bin/iampol-gen-cloudtrail/synthetic.rs"]
mod synthetic;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("iampol-inv-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn go(pieces: &[(bool, &str)], text: &str) -> bool {
    match pieces.split_first() {
        None => text.is_empty(),
        Some(((false, lit), tail)) => text.strip_prefix(lit).is_some_and(|t| go(tail, t)),
        Some(((true, var), tail)) => {
            let may_be_empty = matches!(*var, "Region" | "Account");
            (0..=text.len())
                .filter(|n| text.is_char_boundary(*n))
                .any(|n| {
                    let value = &text[..n];
                    let ok_value = (may_be_empty || !value.is_empty())
                        && (!matches!(*var, "Region" | "Account" | "Partition")
                            || !value.contains(':'))
                        && (!var.ends_with("WithPath")
                            || (!value.starts_with('/') && !value.contains("//")));
                    ok_value && go(tail, &text[n..])
                })
        }
    }
}

/// Whether `arn` fits `format`: literal parts equal, each variable non-empty (region and
/// account may be empty: resources AWS owns), a `…WithPath` variable without a leading `/`
/// or an empty segment.
fn fits(format: &str, arn: &str) -> bool {
    // Split the format into literals and variables.
    let mut pieces: Vec<(bool, &str)> = Vec::new();
    let mut rest = format;
    while let Some(i) = rest.find("${") {
        pieces.push((false, &rest[..i]));
        let end = rest[i..].find('}').unwrap() + i;
        pieces.push((true, &rest[i + 2..end]));
        rest = &rest[end + 1..];
    }
    pieces.push((false, rest));
    go(&pieces, arn)
}

fn is_clean(text: &str) -> bool {
    let without = text
        .replace("${*}", "")
        .replace("${?}", "")
        .replace("${$}", "");
    !without.contains("${") && !without.contains("%%")
}

/// Checks every policy file of `dir`; returns the problems found.
fn check_dir(dir: &Path) -> Vec<String> {
    let sr = ServiceRef::get();
    let mut problems = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        files += 1;
        let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for st in doc["Statement"].as_array().unwrap() {
            let list = |v: &Value| -> Vec<String> {
                match v {
                    Value::String(s) => vec![s.clone()],
                    Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_string()).collect(),
                    _ => panic!("{v}"),
                }
            };
            let actions = list(&st["Action"]);
            let resources = list(&st["Resource"]);
            for action in &actions {
                if action.contains('*') {
                    continue;
                }
                let a = sr.action(action).unwrap_or_else(|| panic!("{action}"));
                let types: Vec<(String, String, bool)> = a
                    .resource_types()
                    .map(|t| {
                        let rt = t.resource_type();
                        (
                            rt.name().to_string(),
                            rt.arn_format().to_string(),
                            t.is_required(),
                        )
                    })
                    .collect();
                for r in &resources {
                    if !is_clean(r) {
                        problems.push(format!(
                            "{}: {action} unfilled template {r}",
                            path.display()
                        ));
                    }
                    if r == "*" {
                        if !types.is_empty() && !action.starts_with("iam:PassRole") {
                            // `*` for an action with types only comes from --collapse or a
                            // statement shared with typeless actions of the same resource.
                        }
                        continue;
                    }
                    if action == "iam:PassRole" && r.ends_with(":role/*") {
                        problems.push(format!("{}: iam:PassRole on {r}", path.display()));
                    }
                }
                // Resources of this statement that fit one of the action's types.
                let fitting: Vec<&String> = resources
                    .iter()
                    .filter(|r| types.iter().any(|(_, f, _)| fits(f, r)))
                    .collect();
                let required: Vec<&(String, String, bool)> = types.iter().filter(|t| t.2).collect();
                if let [only] = required.as_slice() {
                    let covered = fitting.iter().any(|r| fits(&only.1, r))
                        || statement_set_covers(&doc, action, &only.1);
                    if !covered {
                        problems.push(format!(
                            "{}: {action} lacks its required type {}",
                            path.display(),
                            only.0
                        ));
                    }
                }
                if action == "ec2:RunInstances" {
                    for t in [
                        "image",
                        "instance",
                        "network-interface",
                        "security-group",
                        "subnet",
                        "volume",
                    ] {
                        let f = &types.iter().find(|x| x.0 == t).unwrap().1;
                        if !statement_set_covers(&doc, action, f) {
                            problems.push(format!("{}: RunInstances lacks {t}", path.display()));
                        }
                    }
                }
            }
            // Every resource fits a type of some action of the statement, or is `*`.
            for r in resources.iter().filter(|r| *r != "*") {
                let any = actions.iter().filter(|a| !a.contains('*')).any(|a| {
                    sr.action(a).is_some_and(|a| {
                        a.resource_types()
                            .any(|t| fits(t.resource_type().arn_format(), r))
                    })
                });
                if !any {
                    problems.push(format!(
                        "{}: {r} fits no type of {actions:?}",
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(files > 0, "no policy written in {}", dir.display());
    problems
}

/// Whether any statement of the document allowing `action` lists a resource of `format`.
fn statement_set_covers(doc: &Value, action: &str, format: &str) -> bool {
    doc["Statement"].as_array().unwrap().iter().any(|st| {
        let has = |v: &Value, x: &str| match v {
            Value::String(s) => s == x,
            Value::Array(a) => a.iter().any(|y| y.as_str() == Some(x)),
            _ => false,
        };
        has(&st["Action"], action)
            && match &st["Resource"] {
                Value::String(s) => fits(format, s),
                Value::Array(a) => a
                    .iter()
                    .any(|y| y.as_str().is_some_and(|s| fits(format, s))),
                _ => false,
            }
    })
}

fn generate(input: &Path, out: &Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(["generate", "--format", "json", "--cloudtrail"])
        .arg(input)
        .arg("--out-dir")
        .arg(out)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The independent check's totals over every principal; failures listed.
fn check_totals(summary: &Value) -> (u64, u64, Vec<String>) {
    let mut checked = 0;
    let mut unchecked = 0;
    let mut failed = Vec::new();
    for p in summary["summary"]["principals"].as_array().unwrap() {
        let c = &p["check"];
        checked += c["checked"].as_u64().unwrap_or(0);
        if let Some(u) = c["unchecked"].as_object() {
            unchecked += u.values().filter_map(Value::as_u64).sum::<u64>();
        }
        for f in c["failed"].as_array().into_iter().flatten() {
            failed.push(f.to_string());
        }
    }
    (checked, unchecked, failed)
}

#[test]
fn the_real_trail_corpus() {
    let out = Scratch::new("corpus");
    let summary = generate(&root().join("corpus/cloudtrail"), &out.0);
    let problems = check_dir(&out.0);
    assert!(problems.is_empty(), "{problems:#?}");
    let (checked, unchecked, failed) = check_totals(&summary);
    eprintln!("corpus: {checked} recorded calls checked, {unchecked} unchecked");
    assert!(checked > 200, "{checked}");
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn the_synthetic_generators_output() {
    let input = Scratch::new("synthetic-in");
    let options = SyntheticOptions {
        size: 6_000_000,
        seed: 11,
        ..SyntheticOptions::default()
    };
    write_trail(&input.0, &options).unwrap();
    let out = Scratch::new("synthetic-out");
    let summary = generate(&input.0, &out.0);
    let problems = check_dir(&out.0);
    assert!(problems.is_empty(), "{problems:#?}");
    let (checked, unchecked, failed) = check_totals(&summary);
    eprintln!("synthetic: {checked} recorded calls checked, {unchecked} unchecked");
    assert!(checked > 1000, "{checked}");
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn the_test_matcher_is_strict() {
    let f = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
    assert!(fits(f, "arn:aws:iam::111122223333:role/app"));
    assert!(fits(f, "arn:aws:iam::111122223333:role/service-role/app"));
    assert!(!fits(f, "arn:aws:iam::111122223333:role//app"));
    assert!(!fits(f, "arn:aws:iam::111122223333:role/"));
    let s = "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}";
    assert!(!fits(
        s,
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:"
    ));
    assert!(!is_clean("arn:aws:s3:::${Bucket}/x"));
    assert!(is_clean("arn:aws:s3:::a${*}b"));
}
