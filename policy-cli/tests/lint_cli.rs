//! `iampol lint` end to end: findings at the right place, output formats, exit statuses.

use std::path::PathBuf;
use std::process::{Command, Output};

fn iampol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn json_findings(args: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let mut all = vec!["lint", "--format", "json"];
    all.extend_from_slice(args);
    let out = iampol(&all);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (out.status.code().unwrap(), v.as_array().unwrap().clone())
}

#[test]
fn each_classic_mistake_is_found_at_its_line_and_column() {
    // (fixture, code, name, line, column)
    let cases = [
        (
            "C001/fires-trailing-comma.identity.json",
            "C001",
            "json-syntax",
            7,
            49,
        ),
        (
            "C002/fires-duplicate-key.identity.json",
            "C002",
            "duplicate-key",
            8,
            13,
        ),
        (
            "C009/fires-effect-allow-space.identity.json",
            "C009",
            "invalid-effect",
            5,
            23,
        ),
        (
            "C014/fires-principal-in-identity.identity.json",
            "C014",
            "element-not-allowed",
            6,
            13,
        ),
        (
            "C102/fires-get-objekt.identity.json",
            "C102",
            "unknown-action",
            6,
            41,
        ),
        (
            "C106/fires-number-against-bool-key.identity.json",
            "C106",
            "condition-value-mismatch",
            9,
            64,
        ),
        (
            "C110/fires-invalid-sid.identity.json",
            "C110",
            "invalid-sid",
            5,
            20,
        ),
        (
            "C112/fires-variable-in-action.identity.json",
            "C112",
            "variable-not-allowed",
            6,
            23,
        ),
    ];
    for (fixture, code, name, line, column) in cases {
        let path = format!("corpus/lint/{fixture}");
        let (status, findings) = json_findings(&["--kind", "identity", &path]);
        assert_eq!(status, 1, "{fixture}");
        let f = findings
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("{fixture}: no {code} in {findings:?}"));
        assert_eq!(f["name"], name);
        assert_eq!(f["path"], path.as_str());
        assert_eq!(f["severity"], "error");
        assert_eq!(
            (f["line"].as_u64(), f["column"].as_u64()),
            (Some(line), Some(column)),
            "{fixture}"
        );
        assert!(f["endLine"].as_u64() >= f["line"].as_u64());
    }
}

#[test]
fn did_you_mean_is_offered_for_a_misspelt_action() {
    let (_, findings) = json_findings(&[
        "--kind",
        "identity",
        "corpus/lint/C102/fires-get-objekt.identity.json",
    ]);
    let f = findings.iter().find(|f| f["code"] == "C102").unwrap();
    assert_eq!(f["help"], "did you mean `s3:GetObject`?");
}

#[test]
fn human_output_shows_the_snippet_and_help() {
    let out = iampol(&[
        "lint",
        "--kind",
        "identity",
        "corpus/lint/C102/fires-get-objekt.identity.json",
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("C102 unknown-action"), "{stdout}");
    assert!(stdout.contains("\"s3:GetObjekt\""), "{stdout}");
    assert!(stdout.contains("did you mean `s3:GetObject`?"), "{stdout}");
    assert!(stdout.contains("get-objekt.identity.json:6:41"), "{stdout}");
}

#[test]
fn exit_statuses_follow_the_contract() {
    let clean_policy =
        std::env::temp_dir().join(format!("iampol-clean-{}.json", std::process::id()));
    std::fs::write(
        &clean_policy,
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}"#,
    )
    .unwrap();
    let clean = iampol(&["lint", clean_policy.to_str().unwrap()]);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
    std::fs::remove_file(&clean_policy).unwrap();
    let missing = iampol(&["lint", "no/such/file.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/file.json"));
    let bad_usage = iampol(&["lint", "--kind", "nonsense", "x.json"]);
    assert_eq!(bad_usage.status.code(), Some(2));
    // A warning alone fails by default and passes with `--fail-on error`.
    let tmp = std::env::temp_dir().join(format!("iampol-warn-{}.json", std::process::id()));
    std::fs::write(
        &tmp,
        r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}}"#,
    )
    .unwrap();
    let path = tmp.to_str().unwrap();
    assert_eq!(iampol(&["lint", path]).status.code(), Some(1));
    assert_eq!(
        iampol(&["lint", "--fail-on", "error", path]).status.code(),
        Some(0)
    );
    assert_eq!(
        iampol(&["lint", "--ignore", "C006", path]).status.code(),
        Some(0)
    );
    std::fs::remove_file(tmp).unwrap();
}

#[test]
fn garbage_is_a_finding_not_a_crash() {
    let tmp = std::env::temp_dir().join(format!("iampol-garbage-{}.json", std::process::id()));
    std::fs::write(&tmp, b"{\"Version\": \"2012-10-17\", \xff\xfe").unwrap();
    let (status, findings) = json_findings(&[tmp.to_str().unwrap()]);
    assert_eq!(status, 1);
    assert_eq!(findings[0]["code"], "C001");
    assert_eq!(
        (findings[0]["line"].as_u64(), findings[0]["column"].as_u64()),
        (Some(1), Some(27))
    );
    std::fs::remove_file(tmp).unwrap();
}

#[test]
fn example_runs_and_directories_are_walked_in_order() {
    let out = iampol(&["lint", "--example", "--format", "concise"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("C102"));
    let (_, findings) = json_findings(&["--kind", "identity", "corpus/lint"]);
    let paths: Vec<&str> = findings
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted);
    assert!(paths.len() >= 8);
}

#[test]
fn expand_lists_actions_with_access_levels() {
    let out = iampol(&["expand", "--format", "json", "s3:GetObject*"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions = v[0]["actions"].as_array().unwrap();
    assert!(actions
        .iter()
        .any(|a| a["action"] == "s3:GetObject" && a["accessLevel"] == "Read"));
    assert!(actions
        .iter()
        .all(|a| a["action"].as_str().unwrap().starts_with("s3:GetObject")));
    assert_eq!(
        iampol(&["expand", "s3:NoSuchThing*"]).status.code(),
        Some(1)
    );
}

#[test]
fn version_names_the_reference_data() {
    let out = iampol(&["--version"]);
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("IAM reference data of 2026-09-26"), "{s}");
}

#[test]
fn rules_lists_every_rule_as_json() {
    let out = iampol(&["rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = v.as_array().unwrap();
    assert!(rules.len() >= 31);
    for r in rules {
        for field in ["code", "name", "category", "severity", "summary"] {
            assert!(r[field].is_string(), "{r}");
        }
    }
    let doc = iampol(&["rule", "unknown-action"]);
    assert!(String::from_utf8_lossy(&doc.stdout).contains("## Why is this bad?"));
    assert_eq!(iampol(&["rule", "Z999"]).status.code(), Some(2));
}

#[test]
fn the_readme_set_up_command_names_one_binary() {
    // `cargo run -p policy-cli -- lint --example` (README) needs `default-run` once the
    // package has more than one binary.
    let manifest = std::fs::read_to_string(root().join("policy-cli/Cargo.toml")).unwrap();
    let binaries = manifest.matches("[[bin]]").count();
    assert!(
        binaries <= 1 || manifest.contains("default-run = \"iampol\""),
        "policy-cli has {binaries} binaries and no `default-run = \"iampol\"`"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("cargo run --release -p policy-cli -- lint --example"));
}
