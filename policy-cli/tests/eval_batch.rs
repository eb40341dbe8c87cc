//! `iampol eval` over many scenarios: one refused scenario never hides the others.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn iampol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iampol-batch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ALLOW_GET: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#;

/// Three scenarios; the middle one names a principal that is not one (`bob`, at 3:33).
fn three_scenarios() -> String {
    format!(
        "[\n\
{{\"name\": \"first\", \"principal\": \"arn:aws:iam::111111111111:user/a\", \"action\": \"s3:GetObject\", \"resource\": \"arn:aws:s3:::b/k\", \"identityPolicies\": [{ALLOW_GET}], \"expect\": \"allowed\"}},\n\
{{\"name\": \"second\", \"principal\": \"bob\", \"action\": \"s3:GetObject\", \"resource\": \"arn:aws:s3:::b/k\", \"expect\": \"allowed\"}},\n\
{{\"name\": \"third\", \"principal\": \"arn:aws:iam::111111111111:user/a\", \"action\": \"s3:PutObject\", \"resource\": \"arn:aws:s3:::b/k\", \"identityPolicies\": [{ALLOW_GET}], \"expect\": \"implicitDeny\"}}\n\
]\n"
    )
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn by_name<'a>(lines: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    lines
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no line for `{name}` in {lines:?}"))
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_bad_scenario_in_the_middle_does_not_hide_the_others() {
    let dir = scratch("middle");
    let file = dir.join("three.json");
    std::fs::write(&file, three_scenarios()).unwrap();

    let out = iampol(&["eval", "--format", "json", path_str(&file)]);
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3, "{lines:?}");
    let names: Vec<&str> = lines.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["first", "second", "third"]);

    let first = by_name(&lines, "first");
    assert_eq!(first["decision"], "allowed");
    assert_eq!(first["ok"], true);
    assert!(first.get("error").is_none(), "{first}");
    let third = by_name(&lines, "third");
    assert_eq!(third["decision"], "implicitDeny");
    assert_eq!(third["ok"], true);

    let second = by_name(&lines, "second");
    assert!(second.get("decision").is_none(), "{second}");
    assert!(second.get("ok").is_none(), "{second}");
    assert!(second["file"].as_str().unwrap().ends_with("three.json"));
    let error = &second["error"];
    assert_eq!(error["line"], 3, "{second}");
    assert_eq!(error["column"], 33, "{second}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("`bob` is not a principal"),
        "{second}"
    );

    // The human output: two decisions and the refused scenario with file:line:col.
    let out = iampol(&["eval", path_str(&file)]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("ok   first: allowed"), "{stdout}");
    assert!(stdout.contains("ok   third: implicitDeny"), "{stdout}");
    let refused = stdout
        .lines()
        .find(|l| l.contains("second"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(refused.starts_with("ERR  second: "), "{refused}");
    assert!(refused.contains("three.json:3:33"), "{refused}");
    assert!(refused.contains("`bob` is not a principal"), "{refused}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("three.json:3:33: `bob` is not a principal"),
        "{stderr}"
    );
    assert!(stderr.contains("1 not decided"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_directory_with_a_good_and_a_bad_file_reports_both() {
    let dir = scratch("dir");
    std::fs::write(
        dir.join("a-good.json"),
        format!(
            "{{\"name\": \"good\", \"principal\": \"arn:aws:iam::111111111111:user/a\", \"action\": \"s3:GetObject\", \"resource\": \"arn:aws:s3:::b/k\", \"identityPolicies\": [{ALLOW_GET}], \"expect\": \"allowed\"}}\n"
        ),
    )
    .unwrap();
    // The embedded policy does not parse: `Alow` at 2:54.
    std::fs::write(
        dir.join("b-bad.json"),
        "{\"name\": \"bad\", \"principal\": \"arn:aws:iam::111111111111:user/a\", \"action\": \"s3:GetObject\", \"resource\": \"arn:aws:s3:::b/k\",\n\"identityPolicies\": [{\"Statement\": {\"Effect\": \"Alow\", \"Action\": \"*\", \"Resource\": \"*\"}}]}\n",
    )
    .unwrap();
    // Not JSON at all: one file-level error, and the other files are still decided.
    std::fs::write(dir.join("c-broken.json"), "[{\"name\": ").unwrap();

    let out = iampol(&["eval", "--format", "json", path_str(&dir)]);
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out);
    let good = by_name(&lines, "good");
    assert_eq!(good["decision"], "allowed");
    assert_eq!(good["ok"], true);
    let bad = by_name(&lines, "bad");
    assert!(bad.get("decision").is_none(), "{bad}");
    assert!(bad["file"].as_str().unwrap().ends_with("b-bad.json"));
    assert_eq!(bad["error"]["line"], 2, "{bad}");
    assert_eq!(bad["error"]["column"], 47, "{bad}");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("invalid effect `Alow`"),
        "{bad}"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("c-broken.json:1:"), "{stderr}");

    // Human output: both files' scenarios are on standard output.
    let out = iampol(&["eval", path_str(&dir)]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("ok   good: allowed"), "{stdout}");
    assert!(stdout.contains("ERR  bad: "), "{stdout}");
    assert!(stdout.contains("b-bad.json:2:47"), "{stdout}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn exit_status_is_1_for_a_failed_expectation_without_refusals() {
    let dir = scratch("exit");
    let file = dir.join("s.json");
    std::fs::write(
        &file,
        format!(
            "[{{\"name\": \"wrong\", \"principal\": \"arn:aws:iam::111111111111:user/a\", \"action\": \"s3:PutObject\", \"resource\": \"arn:aws:s3:::b/k\", \"identityPolicies\": [{ALLOW_GET}], \"expect\": \"allowed\"}},\n\
 {{\"name\": \"right\", \"principal\": \"arn:aws:iam::111111111111:user/a\", \"action\": \"s3:GetObject\", \"resource\": \"arn:aws:s3:::b/k\", \"identityPolicies\": [{ALLOW_GET}], \"expect\": \"allowed\"}}]"
        ),
    )
    .unwrap();
    assert_eq!(iampol(&["eval", path_str(&file)]).status.code(), Some(1));
    // A refused scenario next to a failed expectation: 2 wins.
    std::fs::write(dir.join("t.json"), three_scenarios()).unwrap();
    assert_eq!(iampol(&["eval", path_str(&dir)]).status.code(), Some(2));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn failures_only_keeps_refused_scenarios() {
    let dir = scratch("failures");
    let file = dir.join("three.json");
    std::fs::write(&file, three_scenarios()).unwrap();
    let out = iampol(&[
        "eval",
        "--failures-only",
        "--format",
        "json",
        path_str(&file),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["name"], "second");
    assert!(lines[0].get("error").is_some());
    std::fs::remove_dir_all(dir).unwrap();
}
