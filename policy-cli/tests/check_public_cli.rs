//! `iampol check no-public-access` on the cases of `corpus/check/public/` (each names its
//! source in the README table this test reads), and `iampol check access-not-granted`: exit
//! codes, the human line and the JSON fields, and bad input.

mod common;

use common::iampol;
use serde_json::Value;

const PUBLIC: &str = "corpus/check/public";
const POLICY: &str = "corpus/check/reports-read.json";

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The rows of the README table: file, resource type, expected result.
fn cases() -> Vec<(String, String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join(PUBLIC).join("README.md")).unwrap();
    readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(|c| c.trim().trim_matches('`')).collect();
            (
                cells[1].to_string(),
                cells[2].to_string(),
                cells[3].to_string(),
            )
        })
        .collect()
}

#[test]
fn corpus_cases_give_the_documented_answer() {
    let cases = cases();
    assert!(cases.len() >= 15, "{cases:?}");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // Every file of the directory is in the table.
    let files = std::fs::read_dir(root.join(PUBLIC)).unwrap().count() - 1;
    assert_eq!(files, cases.len());
    for (file, resource_type, expected) in cases {
        let path = format!("{PUBLIC}/{file}");
        let out = iampol(&[
            "check",
            "no-public-access",
            &path,
            "--resource-type",
            &resource_type,
            "--format",
            "json",
        ]);
        let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(v["result"], expected.as_str(), "{file}: {v}");
        let code = match expected.as_str() {
            "PASS" => 0,
            "FAIL" => 1,
            other => panic!("{file}: expected PASS or FAIL, not {other}"),
        };
        assert_eq!(out.status.code(), Some(code), "{file}");
        if expected == "FAIL" {
            // The statement that allows it, and a caller outside the policy's accounts.
            assert_eq!(v["check"], "no-public-access");
            assert!(v["reasons"][0]["line"].as_u64().is_some(), "{file}: {v}");
            let principal = v["counterexample"]["principal"].as_str().unwrap();
            // Anonymous, the Cognito provider, or a role of an account the file does not name.
            let text = std::fs::read_to_string(root.join(&path)).unwrap();
            let outside = match principal.split(':').nth(4) {
                Some(account) => account.len() == 12 && !text.contains(account),
                None => principal == "anonymous" || principal == "cognito-identity.amazonaws.com",
            };
            assert!(outside, "{file}: {principal}");
        }
    }
}

#[test]
fn public_human_output() {
    let out = iampol(&[
        "check",
        "no-public-access",
        "corpus/check/public/public-s3-anonymous-read.json",
        "--resource-type",
        "AWS::S3::Bucket",
    ]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("no_public_access_human", stdout(&out));
    let out = iampol(&[
        "check",
        "no-public-access",
        "corpus/check/public/public-s3-organization-wildcard.json",
        "--resource-type",
        "AWS::S3::Bucket",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("no_public_access_json", stdout(&out));
}

#[test]
fn unknown_resource_type_lists_the_accepted_ones() {
    let out = iampol(&[
        "check",
        "no-public-access",
        "corpus/check/public/public-s3-anonymous-read.json",
        "--resource-type",
        "AWS::EC2::Instance",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("AWS::EC2::Instance"), "{err}");
    assert!(
        err.contains("AWS::S3::Bucket") && err.contains("AWS::IAM::AssumeRolePolicyDocument"),
        "{err}"
    );
}

#[test]
fn bad_policy_exits_2_with_its_position() {
    let dir = std::env::temp_dir().join(format!("iampol-check-public-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "{\"Version\": \"2012-10-17\",\n \"Statement\": [{\"Effect\": \"Allow\",]}\n",
    )
    .unwrap();
    for args in [
        vec![
            "check",
            "no-public-access",
            bad.to_str().unwrap(),
            "--resource-type",
            "AWS::S3::Bucket",
        ],
        vec![
            "check",
            "access-not-granted",
            bad.to_str().unwrap(),
            "--action",
            "s3:GetObject",
        ],
    ] {
        let out = iampol(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("bad.json:2:"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// `reports-read.json` allows `s3:GetObject` on `arn:aws:s3:::reports/*` in `eu-west-1` (see
// corpus/check/README.md).
#[test]
fn access_not_granted_exit_codes_and_output() {
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "access-not-granted", POLICY];
        args.extend_from_slice(extra);
        iampol(&args)
    };
    let out = run(&["--action", "s3:PutObject", "s3:DeleteObject"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "PASS: the policy allows none of the requests asked about\n"
    );
    let out = run(&[
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::other/*",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let out = run(&["--action", "s3:Get*"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("access_not_granted_human", stdout(&out));
    let out = run(&[
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::reports/2024/*",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("access_not_granted_json", stdout(&out));
}

// IAM Access Analyzer API reference, `Access`: "You can only use a wildcard in the portion
// of the ARN that specifies the resource ID".
#[test]
fn access_not_granted_bad_access_exits_2() {
    for extra in [
        vec!["--resource", "arn:aws:s3:*::reports"],
        vec!["--action", "s3"],
        vec!["--action", "nosuch:Thing"],
        vec!["--kind", "endpoint", "--action", "s3:GetObject"],
        vec![],
    ] {
        let mut args = vec!["check", "access-not-granted", POLICY];
        args.extend_from_slice(&extra);
        let out = iampol(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(out.stdout.is_empty(), "{extra:?}");
        assert!(String::from_utf8(out.stderr).unwrap().starts_with("error:"));
    }
}
