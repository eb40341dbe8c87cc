//! `iampol diff` on the pairs of `corpus/diff/` (see its README: the access comes from the IAM
//! User Guide's Action, Resource and policy evaluation pages, the access levels from the
//! Service Authorization Reference) and on temporary git repositories: exit codes, the human
//! report and the JSON fields.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::iampol;
use serde_json::Value;

const OLD: &str = "corpus/diff/reports.json";
const UPLOAD: &str = "corpus/diff/reports-upload.json";
const READ_ONLY: &str = "corpus/diff/reports-read-only.json";
const UNDECIDED: &str = "corpus/diff/reports-undecided.json";

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The actions of every group of `changes`, with the service and access level of each.
fn actions(changes: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for change in changes.as_array().unwrap() {
        for group in change["actions"].as_array().unwrap() {
            for action in group["actions"].as_array().unwrap() {
                out.push((
                    group["service"].as_str().unwrap().to_string(),
                    group["accessLevel"].as_str().unwrap().to_string(),
                    action.as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn triple(service: &str, level: &str, action: &str) -> (String, String, String) {
    (service.into(), level.into(), action.into())
}

#[test]
fn added_and_removed_access_with_access_levels() {
    let out = iampol(&["diff", OLD, UPLOAD, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    let v = &lines[0];
    assert_eq!(v["result"], "ADDED");
    assert_eq!(v["old"], OLD);
    assert_eq!(v["new"], UPLOAD);
    assert_eq!(
        actions(&v["added"]),
        [
            triple("s3", "Permissions management", "s3:PutBucketPolicy"),
            triple("s3", "Write", "s3:PutObject"),
        ]
    );
    assert_eq!(
        actions(&v["removed"]),
        [triple("s3", "List", "s3:ListBucket")]
    );
    // The upload is allowed by `UploadReports`, shown as written, with a request on
    // `reports/*`.
    let upload = v["added"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["example"]["action"] == "s3:PutObject")
        .unwrap();
    assert_eq!(upload["result"], "FAIL");
    assert_eq!(upload["statement"]["statementIndex"], 1);
    assert_eq!(upload["statement"]["statementId"], "UploadReports");
    assert_eq!(
        upload["statement"]["resources"][0],
        "arn:aws:s3:::reports/*"
    );
    assert_eq!(
        upload["statement"]["conditions"][0]["operator"],
        "NotIpAddress"
    );
    assert_eq!(upload["statement"]["conditions"][0]["key"], "aws:SourceIp");
    assert_eq!(
        upload["statement"]["conditions"][0]["values"][0],
        "10.0.0.0/8"
    );
    assert!(upload["example"]["resource"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:s3:::reports/"));
    // The removal names the old policy's statement.
    assert_eq!(v["removed"][0]["statement"]["statementId"], "ListReports");
}

#[test]
fn human_report_groups_by_service_and_access_level() {
    let out = iampol(&["diff", OLD, UPLOAD]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(
        "diff_reports_upload_human",
        String::from_utf8(out.stdout).unwrap()
    );
}

// Removing access alone is not a failure.
#[test]
fn removals_alone_exit_zero() {
    let out = iampol(&["diff", UPLOAD, READ_ONLY, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = &json_lines(&out)[0];
    assert_eq!(v["result"], "NONE");
    assert_eq!(v["added"], Value::Array(Vec::new()));
    assert_eq!(
        actions(&v["removed"]),
        [
            triple("s3", "Permissions management", "s3:PutBucketPolicy"),
            triple("s3", "Write", "s3:PutObject"),
        ]
    );
}

#[test]
fn same_file_exits_zero() {
    let out = iampol(&["diff", OLD, OLD]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("no access added or removed"));
}

// What is not decided is UNKNOWN and exit 2, never "nothing added".
#[test]
fn undecided_exits_two() {
    let out = iampol(&["diff", OLD, UNDECIDED, "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let v = &json_lines(&out)[0];
    assert_eq!(v["result"], "UNKNOWN");
    let reason = v["added"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("ForAnyValue:NumericLessThan"), "{v}");
    let human = iampol(&["diff", OLD, UNDECIDED]);
    assert_eq!(human.status.code(), Some(2));
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("not decided"), "{text}");
    assert!(!text.contains("no access added"), "{text}");
}

#[test]
fn one_file_is_a_usage_error() {
    let out = iampol(&["diff", OLD]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("OLD and NEW"));
}

// A resource policy names principals: not decided yet, said so (exit 2).
#[test]
fn resource_policy_is_not_compared() {
    let out = iampol(&[
        "diff", OLD, UPLOAD, "--kind", "resource", "--format", "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

// The policies of a CloudFormation template are paired by their place in it; one whose
// `Resource` is a `!Sub` is only known at deploy time and is not compared.
#[test]
fn template_policies_are_paired_by_place() {
    let out = iampol(&[
        "diff",
        "corpus/diff/template.yaml",
        "corpus/diff/template-upload.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    let policies: Vec<&str> = lines
        .iter()
        .map(|l| l["policy"].as_str().unwrap())
        .collect();
    assert_eq!(
        policies,
        [
            "Resources.AppPolicy.Properties.PolicyDocument",
            "Resources.OtherPolicy.Properties.PolicyDocument"
        ]
    );
    assert_eq!(
        actions(&lines[0]["added"]),
        [triple("s3", "Write", "s3:PutObject")]
    );
    assert_eq!(lines[1]["result"], "NONE");
    assert_eq!(lines[1]["removed"], Value::Array(Vec::new()));

    let out = iampol(&[
        "diff",
        "corpus/diff/template.yaml",
        "corpus/diff/template-sub.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out);
    let logs = lines
        .iter()
        .find(|l| l["policy"] == "Resources.LogsPolicy.Properties.PolicyDocument")
        .unwrap();
    assert_eq!(logs["result"], "UNKNOWN");
    assert_eq!(logs["old"], Value::Null);
    assert!(
        logs["error"].as_str().unwrap().contains("deploy time"),
        "{logs}"
    );
}

// ---------------------------------------------------------------------------------------------
// git
// ---------------------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A new git repository in a temporary directory, with `files` (copies of corpus files) and
/// `texts` committed.
fn repository(name: &str, files: &[(&str, &str)], texts: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iampol-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    git(&dir, &["init", "-q"]);
    for (path, from) in files {
        copy(&dir, path, from);
    }
    for (path, text) in texts {
        std::fs::write(dir.join(path), text).unwrap();
    }
    git(&dir, &["add", "-A"]);
    git(
        &dir,
        &[
            "-c",
            "user.name=iampol",
            "-c",
            "user.email=iampol@example.com",
            "commit",
            "-q",
            "-m",
            "policies",
        ],
    );
    dir
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

/// Copies a corpus file into the repository.
fn copy(dir: &Path, path: &str, from: &str) {
    let to = dir.join(path);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(root().join(from), to).unwrap();
}

fn iampol_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

// A modified policy, a deleted one, a new untracked one and a file that is no policy: each
// policy file is compared with its version at HEAD; the deleted one removes its access, the
// new one adds all of its own.
#[test]
fn git_compares_every_changed_policy_file() {
    let dir = repository(
        "changes",
        &[("policies/app.json", OLD), ("policies/old.json", READ_ONLY)],
        &[("package.json", r#"{"name": "app", "version": "0.1.0"}"#)],
    );
    std::fs::write(
        dir.join("package.json"),
        r#"{"name": "app", "version": "1.0.0"}"#,
    )
    .unwrap();
    copy(&dir, "policies/app.json", UPLOAD);
    std::fs::remove_file(dir.join("policies/old.json")).unwrap();
    copy(&dir, "policies/new.json", READ_ONLY);

    let out = iampol_in(&dir, &["diff", "--git", "HEAD", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let lines = json_lines(&out);
    let by_path = |p: &str| lines.iter().find(|l| l["path"] == p).unwrap();
    assert_eq!(lines.len(), 3, "{lines:?}");

    let app = by_path("policies/app.json");
    assert_eq!(app["status"], "modified");
    assert_eq!(app["old"], "HEAD:policies/app.json");
    assert_eq!(app["result"], "ADDED");
    assert_eq!(
        actions(&app["added"]),
        [
            triple("s3", "Permissions management", "s3:PutBucketPolicy"),
            triple("s3", "Write", "s3:PutObject"),
        ]
    );

    let deleted = by_path("policies/old.json");
    assert_eq!(deleted["status"], "deleted");
    assert_eq!(deleted["new"], Value::Null);
    assert_eq!(deleted["result"], "NONE");
    assert_eq!(
        actions(&deleted["removed"]),
        [triple("s3", "Read", "s3:GetObject")]
    );

    let added = by_path("policies/new.json");
    assert_eq!(added["status"], "added");
    assert_eq!(added["old"], Value::Null);
    assert_eq!(added["result"], "ADDED");
    assert_eq!(
        actions(&added["added"]),
        [triple("s3", "Read", "s3:GetObject")]
    );

    // PATH limits the files.
    let out = iampol_in(
        &dir,
        &[
            "diff",
            "--git",
            "HEAD",
            "policies/old.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(json_lines(&out).len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn git_without_changes_exits_zero() {
    let dir = repository("clean", &[("app.json", OLD)], &[]);
    let out = iampol_in(&dir, &["diff", "--git", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "no policy file changed\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn git_bad_revision_exits_two_with_gits_message() {
    let dir = repository("badrev", &[("app.json", OLD)], &[]);
    let out = iampol_in(&dir, &["diff", "--git", "no-such-rev"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no-such-rev"), "{stderr}");
    assert!(stderr.contains("git: fatal"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn git_outside_a_repository_exits_two() {
    let dir = std::env::temp_dir().join(format!("iampol-diff-norepo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(["diff", "--git", "HEAD"])
        .current_dir(&dir)
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

// Both versions obey `--max-file-size`: a file over it is not compared (exit 2).
#[test]
fn git_versions_over_the_size_limit_are_not_compared() {
    let dir = repository("limit", &[("app.json", OLD)], &[]);
    // The new version is under the limit, the old one over it.
    std::fs::write(
        dir.join("app.json"),
        r#"{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#,
    )
    .unwrap();
    let out = iampol_in(
        &dir,
        &[
            "diff",
            "--git",
            "HEAD",
            "--max-file-size",
            "100",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let v = &json_lines(&out)[0];
    assert_eq!(v["result"], "UNKNOWN");
    assert!(v["error"].as_str().unwrap().contains("old version"), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

// `lint --baseline REV`: the findings as usual, and a run that fails when a policy changed since
// REV grants new access (`s3:PutObject` and `s3:PutBucketPolicy` are new in `UPLOAD_TEXT`),
// and passes when the change only takes access away.
const UPLOAD_TEXT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"},
    {"Sid": "UploadReports", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/*"},
    {"Sid": "ManageBucketPolicy", "Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "arn:aws:s3:::reports"}
  ]
}"#;

#[test]
fn lint_baseline_fails_on_new_access_only() {
    let dir = repository("baseline", &[("app.json", OLD)], &[]);
    let lint = |dir: &Path| {
        iampol_in(
            dir,
            &[
                "lint",
                "--isolated",
                "--baseline",
                "HEAD",
                "--exit-zero",
                "app.json",
            ],
        )
    };
    // Unchanged: nothing new.
    let out = lint(&dir);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains("no policy changed since HEAD grants new access"),
        "{stderr}"
    );
    // Widened: `--exit-zero` keeps findings from failing the run, new access included; without
    // it, exit 1 (the policy has no lint finding: only the new access fails it).
    std::fs::write(dir.join("app.json"), UPLOAD_TEXT).unwrap();
    let out = lint(&dir);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let plain = iampol_in(&dir, &["lint", "--isolated", "app.json"]);
    assert_eq!(plain.status.code(), Some(0), "{plain:?}");
    let out = iampol_in(
        &dir,
        &["lint", "--isolated", "--baseline", "HEAD", "app.json"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("s3:PutObject"), "{stderr}");
    assert!(stderr.contains("s3:PutBucketPolicy"), "{stderr}");
    assert!(
        stderr.contains("1 changed policy grants new access since HEAD"),
        "{stderr}"
    );
    // Narrowed: only access taken away.
    copy(&dir, "app.json", READ_ONLY);
    let out = lint(&dir);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // A bad revision: exit 2 with git's message.
    let out = iampol_in(
        &dir,
        &["lint", "--isolated", "--baseline", "nope", "app.json"],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--baseline nope"));
    let _ = std::fs::remove_dir_all(&dir);
}
