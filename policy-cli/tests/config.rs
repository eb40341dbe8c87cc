//! `iampol.toml`: discovery (nearest wins, `--config`, `--isolated`), every key, command-line
//! layering, and errors with file, line and column (exit 2).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Two statements with an unknown action each (two `C102` errors).
const TWO_UNKNOWN: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Legacy", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"},
    {"Sid": "Current", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}
  ]
}
"#;

/// One `C105` warning.
const ONE_WARNING: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:SecureTransport": "true"}}}]}
"#;

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn iampol(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .arg("lint")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Exit status and `(path, code, severity, line)` of each `C102` and `C105` finding (other
/// rules may fire on these policies too; they are not what these tests are about).
fn findings(dir: &Path, args: &[&str]) -> (i32, Vec<(String, String, String, u64)>) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = iampol(dir, &all);
    let status = out.status.code().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "status {status}, stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let list = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "C102" || f["code"] == "C105")
        .map(|f| {
            (
                f["path"].as_str().unwrap().replace('\\', "/"),
                f["code"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    (status, list)
}

fn codes(list: &[(String, String, String, u64)]) -> Vec<&str> {
    list.iter().map(|f| f.1.as_str()).collect()
}

#[test]
fn the_nearest_configuration_wins_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("iampol.toml", "ignore = [\"unknown-action\"]\n"),
            ("a.json", TWO_UNKNOWN),
            ("team/iampol.toml", "select = [\"C102\"]\n"),
            ("team/b.json", TWO_UNKNOWN),
            ("team/w.json", ONE_WARNING),
        ],
    );
    let (status, list) = findings(dir.path(), &["."]);
    // Root: C102 ignored. team/: only C102 runs, so the warning file is clean.
    assert_eq!(status, 1);
    assert_eq!(
        list.iter()
            .map(|f| (f.0.as_str(), f.1.as_str()))
            .collect::<Vec<_>>(),
        [("./team/b.json", "C102"), ("./team/b.json", "C102")]
    );
    // `--isolated`: no configuration at all.
    let (_, list) = findings(dir.path(), &["--isolated", "."]);
    assert_eq!(list.iter().filter(|f| f.1 == "C102").count(), 4);
    assert!(codes(&list).contains(&"C105"));
    // `--config FILE` for every input: the root one everywhere.
    let (_, list) = findings(dir.path(), &["--config", "iampol.toml", "."]);
    assert_eq!(codes(&list), ["C105"]);
    // `--select` replaces the configuration's selection (and its `ignore`).
    let (_, list) = findings(dir.path(), &["--select", "C105", "."]);
    assert_eq!(codes(&list), ["C105"]);
    // `--extend-select` adds to it.
    let (_, list) = findings(dir.path(), &["--extend-select", "C105", "team"]);
    assert_eq!(codes(&list), ["C102", "C102", "C105"]);
    // `--ignore` adds to the ignores.
    let out = iampol(dir.path(), &["--ignore", "C1", "team"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No findings in 2 files."));
}

#[test]
fn severity_fail_on_and_per_file_ignores() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "proj/iampol.toml",
                r#"fail-on = "error"

[severity]
correctness = "warning"
C102 = "note"

[per-file-ignores]
"legacy/*.json" = ["C1"]
"*.trust.json" = ["correctness"]
"#,
            ),
            ("proj/p.json", TWO_UNKNOWN),
            ("proj/w.json", ONE_WARNING),
            ("proj/legacy/old.json", TWO_UNKNOWN),
            ("proj/legacy/deeper/old.json", TWO_UNKNOWN),
            ("proj/roles/x.trust.json", TWO_UNKNOWN),
        ],
    );
    // Run from the parent: the globs are relative to the configuration's directory.
    let (status, list) = findings(dir.path(), &["proj"]);
    let seen: Vec<(&str, &str, &str)> = list
        .iter()
        .map(|f| (f.0.as_str(), f.1.as_str(), f.2.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("proj/legacy/deeper/old.json", "C102", "note"),
            ("proj/legacy/deeper/old.json", "C102", "note"),
            ("proj/p.json", "C102", "note"),
            ("proj/p.json", "C102", "note"),
            ("proj/w.json", "C105", "warning"),
        ]
    );
    // `fail-on = "error"`: notes and warnings pass; `--fail-on` overrides the file.
    assert_eq!(status, 0);
    assert_eq!(findings(dir.path(), &["--fail-on", "note", "proj"]).0, 1);
}

#[test]
fn suppression_by_sid_limited_to_paths() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "iampol.toml",
                r#"
[[suppress]]
sid = "Legacy"
rules = ["unknown-action"]
paths = ["policies/legacy/*.json"]
"#,
            ),
            ("policies/legacy/a.json", TWO_UNKNOWN),
            ("policies/b.json", TWO_UNKNOWN),
        ],
    );
    let (_, list) = findings(dir.path(), &["policies"]);
    let lines: Vec<(&str, u64)> = list.iter().map(|f| (f.0.as_str(), f.3)).collect();
    // Line 4 is the `Legacy` statement: suppressed only under policies/legacy/.
    assert_eq!(
        lines,
        [
            ("policies/b.json", 4),
            ("policies/b.json", 5),
            ("policies/legacy/a.json", 5)
        ]
    );
}

#[test]
fn accounts_and_organization_id_are_read() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "iampol.toml",
                "accounts = [\"111122223333\"]\norganization-id = \"o-a1b2c3d4e5\"\n",
            ),
            ("a.json", ONE_WARNING),
        ],
    );
    let (status, list) = findings(dir.path(), &["a.json"]);
    assert_eq!((status, codes(&list)), (1, vec!["C105"]));
}

#[test]
fn configuration_errors_name_file_line_and_column_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("iampol.toml", "select = [\"C1\"]\nselct = [\"C102\"]\n"),
            ("a.json", TWO_UNKNOWN),
            (
                "bad/iampol.toml",
                "select = [\"X9\"]\nfail-on = \"fatal\"\n",
            ),
            ("bad/b.json", TWO_UNKNOWN),
        ],
    );
    let out = iampol(dir.path(), &["a.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: iampol.toml:2:1: unknown field `selct`"),
        "{stderr}"
    );
    // Every problem of a file is reported.
    let out = iampol(dir.path(), &["bad"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let expected_config = Path::new("bad").join("iampol.toml");
    let shown = expected_config.display();
    assert!(
        stderr.contains(&format!("error: {shown}:1:11: unknown rule selector `X9`")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("error: {shown}:2:11: unknown severity `fatal`")),
        "{stderr}"
    );
    // An unknown selector on the command line, a missing `--config`.
    let out = iampol(dir.path(), &["--isolated", "--select", "Q", "a.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown rule selector `Q` in `--select`")
    );
    let out = iampol(dir.path(), &["--config", "missing.toml", "a.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml: no such file"));
}

#[test]
fn every_unknown_key_is_reported_once_with_its_line_however_many_files_it_governs() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "iampol.toml",
                "selct = [\"C1\"]\nfail-on = \"error\"\nignor = [\"C2\"]\n[[suppress]]\nsid = \"A\"\nrules = []\npath = []\n",
            ),
            ("a.json", TWO_UNKNOWN),
            ("b.json", TWO_UNKNOWN),
            ("sub/c.json", TWO_UNKNOWN),
        ],
    );
    let out = iampol(dir.path(), &["."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    for (line, key) in [(1, "selct"), (3, "ignor"), (7, "path")] {
        let header = format!("error: iampol.toml:{line}:1: unknown field `{key}`");
        assert_eq!(stderr.matches(&header).count(), 1, "{header}\n{stderr}");
    }
    assert_eq!(stderr.matches("error: iampol.toml:").count(), 3, "{stderr}");
}
