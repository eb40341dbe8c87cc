//! `iampol lint --format github`: one workflow command per finding, escaped.

use std::path::PathBuf;
use std::process::{Command, Output};

fn iampol(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .arg("--isolated")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn one_command_per_finding_at_the_json_positions() {
    let fixture = "corpus/lint/C102/fires-get-objekt.identity.json";
    let out = iampol(&["lint", "--format", "github", fixture], &root());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json = iampol(&["lint", "--format", "json", fixture], &root());
    let findings: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), findings.as_array().unwrap().len());
    for (line, f) in lines.iter().zip(findings.as_array().unwrap()) {
        let level = match f["severity"].as_str().unwrap() {
            "note" => "notice",
            other => other,
        };
        let prefix = format!(
            "::{level} file={fixture},line={},col={},endLine={},",
            f["line"], f["column"], f["endLine"]
        );
        assert!(line.starts_with(&prefix), "{line}\n{prefix}");
        let title = format!(
            ",title={} {}::",
            f["code"].as_str().unwrap(),
            f["name"].as_str().unwrap()
        );
        assert!(line.contains(&title), "{line}");
        assert!(!line.contains('\r'));
    }
    assert!(stdout.contains("title=C102 unknown-action::`s3:GetObjekt` is not an action"));
    // The summary goes to standard error, not into the commands.
    assert!(String::from_utf8(out.stderr).unwrap().starts_with("Found "));
}

#[test]
fn properties_and_message_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    // A file name with `,` and `:` and `%`; a message with a newline (the help line).
    let name = "a,b:c%d.json";
    std::fs::write(
        dir.path().join(name),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}"#,
    )
    .unwrap();
    let out = iampol(&["lint", "--format", "github", name], dir.path());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout.lines().find(|l| l.contains("C102")).unwrap();
    assert!(
        line.starts_with("::error file=a%2Cb%3Ac%25d.json,line=1,"),
        "{line}"
    );
    assert!(
        line.contains("%0Ahelp: did you mean `s3:GetObject`?"),
        "{line}"
    );
    assert_eq!(stdout.lines().count(), stdout.matches("::").count() / 2);
}
