//! `iampol who-can` and `what-can` on the snapshots of `corpus/accounts/who-can/*/snapshot`:
//! each case's `expect.json` names its AWS documentation source and the callers allowed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/accounts/who-can")
}

fn iampol(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn corpus_cases_give_the_documented_callers() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.json").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 2);
    for case in cases {
        let expect: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("expect.json")).unwrap())
                .unwrap();
        assert!(expect["source"].as_str().is_some_and(|s| !s.is_empty()));
        let snapshot = case.join("snapshot");
        for q in expect["queries"].as_array().unwrap() {
            let mut args = vec![
                "who-can".to_string(),
                "--account".into(),
                snapshot.display().to_string(),
                "--action".into(),
                q["action"].as_str().unwrap().into(),
                "--resource".into(),
                q["resource"].as_str().unwrap().into(),
                "--format".into(),
                "json".into(),
            ];
            for c in q["context"].as_array().into_iter().flatten() {
                args.push("--context".into());
                args.push(c.as_str().unwrap().into());
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, stdout, stderr) = iampol(&args);
            let what = format!("{}: {q}", case.display());
            assert_eq!(
                i64::from(code),
                q["exit"].as_i64().unwrap(),
                "{what}\n{stderr}"
            );
            assert!(stderr.is_empty(), "{what}: {stderr}");
            let answer: Value = serde_json::from_str(&stdout).unwrap();
            let got: BTreeSet<(String, String, bool)> = answer["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["caller"].as_str().unwrap().to_string(),
                        e["callerType"].as_str().unwrap().to_string(),
                        e["conditional"].as_bool().unwrap(),
                    )
                })
                .collect();
            let want: BTreeSet<(String, String, bool)> = q["allowed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["caller"].as_str().unwrap().to_string(),
                        e["callerType"].as_str().unwrap().to_string(),
                        e["conditional"].as_bool().unwrap(),
                    )
                })
                .collect();
            assert_eq!(got, want, "{what}");
            // The residual names the keys the documentation's conditions test.
            for w in q["allowed"].as_array().unwrap() {
                let Some(keys) = w["conditionKeys"].as_array() else {
                    continue;
                };
                let entry = answer["entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["caller"] == w["caller"])
                    .unwrap();
                let residual_keys: BTreeSet<&str> = entry["residual"]["anyOf"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|alt| alt.as_array().unwrap())
                    .flat_map(|s| s["conditions"].as_array().unwrap())
                    .map(|c| c["key"].as_str().unwrap())
                    .collect();
                for k in keys {
                    assert!(residual_keys.contains(k.as_str().unwrap()), "{what}");
                }
            }
            // Every statement points at its file and line.
            for e in answer["entries"].as_array().unwrap() {
                for s in e["statements"].as_array().unwrap() {
                    assert!(s["line"].as_u64().is_some(), "{what}: {s}");
                }
            }
        }
    }
}

#[test]
fn ndjson_has_one_entry_per_line_and_nobody_allowed_exits_0() {
    let snapshot = corpus().join("cross-account-bucket/snapshot");
    let snapshot = snapshot.display().to_string();
    let (code, stdout, _) = iampol(&[
        "who-can",
        "--account",
        &snapshot,
        "--action",
        "s3:ListBucket",
        "--resource",
        "arn:aws:s3:::amzn-s3-demo-bucket",
        "--format",
        "ndjson",
    ]);
    assert_eq!(code, 1);
    assert_eq!(stdout.lines().count(), 2);
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["action"], "s3:ListBucket");
    }
    // Nobody may delete the bucket: Dave's account is granted nothing of it, and account A's
    // administrator... is allowed by `*`; ask a resource of another account instead, which
    // nobody's policies reach: exit 0.
    let (code, stdout, _) = iampol(&[
        "who-can",
        "--account",
        &snapshot,
        "--action",
        "sqs:SendMessage",
        "--resource",
        "arn:aws:sqs:us-east-1:777788889999:queue",
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 allowed"));
}

#[test]
fn what_can_lists_the_boundary_of_dave_by_access_level() {
    let snapshot = corpus().join("cross-account-bucket/snapshot");
    let snapshot = snapshot.display().to_string();
    let (code, stdout, stderr) = iampol(&[
        "what-can",
        "--account",
        &snapshot,
        "--principal",
        "arn:aws:iam::444455556666:user/Dave",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let grants = v["grants"].as_array().unwrap();
    // Dave's user policy allows `s3:ListBucket` on the bucket: one List grant.
    assert_eq!(grants.len(), 1, "{stdout}");
    assert_eq!(grants[0]["service"], "s3");
    assert_eq!(grants[0]["accessLevel"], "List");
    assert_eq!(grants[0]["actions"][0], "s3:ListBucket");
    assert_eq!(
        grants[0]["resources"][0]["pattern"],
        "arn:aws:s3:::amzn-s3-demo-bucket"
    );
    let (code, _, stderr) = iampol(&[
        "what-can",
        "--account",
        &snapshot,
        "--principal",
        "arn:aws:iam::444455556666:user/Nobody",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a user or role"));
}
