//! `iampol generate` and `iampol tighten` end to end: the real trail corpus, output
//! shapes, malformed input, exit statuses.
//!
//! Each test first checks that the binary has the subcommand, and skips (passing) otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn iampol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Whether `iampol` has `generate` and `tighten` (they are wired into the CLI separately).
fn wired() -> bool {
    let ok = ["generate", "tighten"]
        .iter()
        .all(|c| iampol(&[c, "--help"]).status.success());
    if !ok {
        eprintln!("skipped: `iampol generate`/`tighten` are not wired into the CLI");
    }
    ok
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("iampol-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const CORPUS: &str = "corpus/cloudtrail";

#[test]
fn generate_writes_one_valid_policy_per_principal() {
    if !wired() {
        return;
    }
    let dir = Scratch::new("out-dir");
    let out_dir = dir.path().to_str().unwrap();
    let out = iampol(&["generate", "--cloudtrail", CORPUS, "--out-dir", out_dir]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("310 events"), "{stderr}");
    let files: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(files.len() >= 30, "{}", files.len());
    for f in &files {
        let lint = iampol(&[
            "lint",
            "--fail-on",
            "error",
            "--kind",
            "identity",
            f.to_str().unwrap(),
        ]);
        assert_eq!(
            lint.status.code(),
            Some(0),
            "{}: {}",
            f.display(),
            text(&lint.stdout)
        );
    }
}

#[test]
fn generate_prints_one_principal_and_json() {
    if !wired() {
        return;
    }
    let user = "arn:aws:iam::266106314375:user/christophe";
    let out = iampol(&["generate", "--cloudtrail", CORPUS, "--principal", user]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let policy: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(policy["Version"], "2012-10-17");
    assert_eq!(
        policy["Statement"][0]["Action"],
        "lambda:UpdateFunctionCode"
    );
    let out = iampol(&[
        "generate",
        "--cloudtrail",
        CORPUS,
        "--format",
        "json",
        "--collapse",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["counts"]["events"], 310);
    assert!(json["summary"]["counts"]["denied"].as_u64().unwrap() > 0);
    assert!(json["policies"].as_array().unwrap().len() >= 30);
    // Every principal's summary has the quota warnings and the explained lint findings; the
    // Stratus detonation that reads secrets in bulk really called
    // `secretsmanager:BatchGetSecretValue`, which takes only `*` as its resource.
    let principals = json["summary"]["principals"].as_array().unwrap();
    assert!(principals
        .iter()
        .all(|p| p["warnings"].is_array() && p["lintFindings"].is_array()));
    assert!(principals.iter().any(|p| {
        p["lintFindings"].as_array().unwrap().iter().any(|f| {
            f["code"] == "S013" && f["actions"][0]["action"] == "secretsmanager:BatchGetSecretValue"
        })
    }));
    // Several principals, no --out-dir, human output: nothing written, exit 2.
    let out = iampol(&["generate", "--cloudtrail", CORPUS, "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

fn event(name: &str, key: &str) -> String {
    serde_json::json!({
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333"},
        "eventTime": "2024-08-01T10:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "requestParameters": {"bucketName": "reports", "key": key},
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    })
    .to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn malformed_records_are_reported_with_positions_and_exit_1() {
    if !wired() {
        return;
    }
    let dir = Scratch::new("malformed");
    let first = event("GetObject", "a");
    let trail = format!(
        "{first}\n{{\"eventSource\":\"s3.amazonaws.com\"}}\n{}\n{{\"eventName\": \"cut",
        event("PutObject", "b")
    );
    let path = write(dir.path(), "trail.ndjson", &trail);
    let out = iampol(&["generate", "--cloudtrail", &path]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("record #2 at byte {}", first.len() + 1)),
        "{stderr}"
    );
    assert!(stderr.contains("eventName"), "{stderr}");
    assert!(stderr.contains("record #4"), "{stderr}");
    let policy: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| match &s["Action"] {
            serde_json::Value::String(a) => vec![a.clone()],
            serde_json::Value::Array(a) => {
                a.iter().map(|x| x.as_str().unwrap().to_string()).collect()
            }
            _ => vec![],
        })
        .collect::<Vec<_>>();
    assert!(
        actions.contains(&"s3:GetObject".to_string())
            && actions.contains(&"s3:PutObject".to_string())
    );
}

#[test]
fn bad_arguments_exit_2() {
    if !wired() {
        return;
    }
    let out = iampol(&["generate", "--cloudtrail", "no/such/trail"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no such file"));
    let out = iampol(&["generate", "--cloudtrail", CORPUS, "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    let out = iampol(&[
        "generate",
        "--cloudtrail",
        CORPUS,
        "--principal",
        "arn:aws:iam::111122223333:user/nobody",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn tighten_narrows_then_reports_tight() {
    if !wired() {
        return;
    }
    let dir = Scratch::new("tighten");
    let trail = format!(
        "{}\n{}\n{}\n",
        event("GetObject", "q3/a.csv"),
        event("PutObject", "q3/b.csv"),
        event("ListObjects", "")
    );
    let trail = write(dir.path(), "trail.ndjson", &trail);
    let policy = write(
        dir.path(),
        "policy.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
    );
    let alice = "arn:aws:iam::111122223333:user/alice";
    let out = iampol(&[
        "tighten",
        &policy,
        "--cloudtrail",
        &trail,
        "--principal",
        alice,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("check (a)") && stderr.contains("passed"),
        "{stderr}"
    );
    let tightened = String::from_utf8(out.stdout).unwrap();
    assert!(!tightened.contains("s3:*"), "{tightened}");
    let again = write(dir.path(), "tight.json", &tightened);
    let out = iampol(&[
        "tighten",
        &again,
        "--cloudtrail",
        &trail,
        "--principal",
        alice,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["report"]["changed"], false);
    assert_eq!(json["report"]["allowsRecorded"]["passed"], true);
    assert_eq!(json["report"]["noNewAccess"]["passed"], true);
    let out = iampol(&[
        "tighten",
        "no/such/policy.json",
        "--cloudtrail",
        &trail,
        "--principal",
        alice,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let bob = "arn:aws:iam::111122223333:user/bob";
    let out = iampol(&[
        "tighten",
        &policy,
        "--cloudtrail",
        &trail,
        "--principal",
        bob,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no recorded call"));
}

#[test]
fn generate_reports_the_independent_check() {
    if !wired() {
        return;
    }
    let out = iampol(&["generate", "--cloudtrail", CORPUS, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let principals = json["summary"]["principals"].as_array().unwrap();
    let mut calls = 0;
    for p in principals {
        let check = &p["check"];
        let checked = check["checked"].as_u64().unwrap();
        let passed = check["passed"].as_u64().unwrap();
        let failed = check["failedCalls"].as_u64().unwrap();
        assert_eq!(checked, passed + failed, "{check}");
        assert!(check["failed"].is_array(), "{check}");
        let unchecked: u64 = check["unchecked"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        calls += checked + unchecked;
        // A failed check makes the exit status 1.
        if failed > 0 {
            assert_eq!(out.status.code(), Some(1));
        }
    }
    // The corpus's successful API calls by principals (see policy-lint/tests/generate_verify.rs).
    assert_eq!(calls, 257);
    let user = "arn:aws:iam::903144391865:user/christophe";
    let out = iampol(&["generate", "--cloudtrail", CORPUS, "--principal", user]);
    assert!(
        text(&out.stderr).contains("check: 21 recorded calls checked"),
        "{}",
        text(&out.stderr)
    );
}
