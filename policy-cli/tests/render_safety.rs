//! The human reports are safe on any input: findings and errors far into one long line are
//! shown in a window of that line (with the real line and column), and control characters,
//! terminal escape sequences and bidirectional overrides from files never reach the terminal
//! raw.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn iampol_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("iampol-render-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // No configuration of a directory above applies to the files here.
        std::fs::write(dir.join("iampol.toml"), "").unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.0.join(name), text).unwrap();
        name.to_string()
    }

    fn run(&self, args: &[&str]) -> Output {
        iampol_in(&self.0, args)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("the report is UTF-8")
}

/// The characters that must never reach the terminal raw: C0 controls but the line feed, DEL,
/// C1 controls, and the bidirectional embeddings, overrides and isolates.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn assert_no_raw_controls(what: &str, s: &str) {
    let bad: Vec<(usize, char)> = s.char_indices().filter(|(_, c)| is_unsafe(*c)).collect();
    assert!(
        bad.is_empty(),
        "{what}: raw control characters {bad:?} in:\n{s}"
    );
}

/// Guards against a regression to the old behaviour (a panic) with a clear message.
fn assert_no_panic(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The longest line of a report, in characters.
fn longest_line(s: &str) -> usize {
    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// A window of a long line shows about 120 characters each side of the label: with the
/// gutter and the marks, far less than this.
const MAX_LINE: usize = 600;

/// The 1-based column (characters) at which `needle` starts in a one-line `text`.
fn column_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].chars().count() + 1
}

/// One minified policy whose last statement names an unknown action, past column 65,535.
fn minified_policy() -> String {
    let mut statements: Vec<String> = (0..3000)
        .map(|i| {
            format!(
                r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b{i}/*"}}"#
            )
        })
        .collect();
    statements.push(r#"{"Effect":"Allow","Action":"s3:GetObjectt","Resource":"*"}"#.to_string());
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

#[test]
fn a_finding_far_into_a_minified_policy_is_shown_in_a_window_of_its_line() {
    let dir = Scratch::new("policy");
    let policy = minified_policy();
    let column = column_of(&policy, r#""s3:GetObjectt""#);
    assert!(column > 65_535);
    dir.write("p.json", &policy);
    let out = dir.run(&["lint", "--select", "C102", "p.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains(&format!("[p.json:1:{column}]")), "{report}");
    assert!(report.contains("s3:GetObjectt"), "{report}");
    assert!(report.contains('…'), "{report}");
    assert!(longest_line(&report) < MAX_LINE, "{report}");
    // The underline starts under the label's first character.
    assert_eq!(
        caret_and_text(&report, 15).1,
        r#""s3:GetObjectt""#,
        "{report}"
    );
}

#[test]
fn a_finding_far_into_a_minified_cloudformation_template_is_shown_in_a_window_of_its_line() {
    let dir = Scratch::new("template");
    let resource = |name: &str, action: &str, resource: &str| {
        format!(
            r#""{name}":{{"Type":"AWS::IAM::ManagedPolicy","Properties":{{"PolicyDocument":{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}}}}}"#
        )
    };
    let mut resources: Vec<String> = (0..800)
        .map(|i| {
            resource(
                &format!("R{i}"),
                "s3:GetObject",
                &format!("arn:aws:s3:::b{i}/*"),
            )
        })
        .collect();
    resources.push(resource("Last", "s3:GetObjekt", "*"));
    let template = format!(
        r#"{{"AWSTemplateFormatVersion":"2010-09-09","Resources":{{{}}}}}"#,
        resources.join(",")
    );
    let column = column_of(&template, r#""s3:GetObjekt""#);
    assert!(column > 65_535);
    dir.write("template.json", &template);
    let out = dir.run(&["lint", "--select", "C102", "template.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.contains(&format!("[template.json:1:{column}]")),
        "{report}"
    );
    assert!(report.contains("s3:GetObjekt"), "{report}");
    assert!(longest_line(&report) < MAX_LINE, "{report}");
}

#[test]
fn an_eval_scenario_error_far_into_one_line_is_shown_in_a_window_of_its_line() {
    let dir = Scratch::new("eval");
    let filler = "x".repeat(70_000);
    let scenario = format!(
        r#"[{{"name":"n","principal":"arn:aws:iam::111111111111:user/a","action":"s3:GetObject","resource":"*","source":"{filler}","identityPolicies":[{{"Version":"2012-10-17","Statement":{{"Effect":"Alow","Action":"*","Resource":"*"}}}}]}}]"#
    );
    let column = column_of(&scenario, r#""Alow""#);
    dir.write("s.json", &scenario);
    let out = dir.run(&["eval", "s.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("s.json:1:{column}: ")), "{err}");
    assert!(err.contains(&format!("[s.json:1:{column}]")), "{err}");
    assert!(err.contains("Alow"), "{err}");
    assert!(longest_line(&err) < MAX_LINE, "{err}");
}

#[test]
fn an_eval_explanation_far_into_one_line_names_the_real_column() {
    let dir = Scratch::new("eval-explain");
    let filler = "x".repeat(70_000);
    let scenario = format!(
        r#"[{{"name":"n","principal":"arn:aws:iam::111111111111:user/a","action":"s3:GetObject","resource":"*","source":"{filler}","expect":"explicitDeny","identityPolicies":[{{"Version":"2012-10-17","Statement":{{"Sid":"NoReads","Effect":"Deny","Action":"*","Resource":"*"}}}}]}}]"#
    );
    let column = column_of(&scenario, r#"{"Sid""#);
    dir.write("s.json", &scenario);
    let out = dir.run(&["eval", "s.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains(&format!("(s.json:1:{column})")), "{report}");
    assert!(longest_line(&report) < MAX_LINE, "{report}");
}

#[test]
fn a_can_policy_error_far_into_one_line_is_shown_in_a_window_of_its_line() {
    let dir = Scratch::new("can");
    let mut policy = minified_policy().replace("s3:GetObjectt", "s3:GetObject");
    // An effect no policy may have, in the last statement.
    let at = policy.rfind(r#""Effect":"Allow""#).unwrap();
    policy.replace_range(at..at + 16, r#""Effect":"Alow""#);
    let column = column_of(&policy, r#""Alow""#);
    assert!(column > 65_535);
    dir.write("p.json", &policy);
    let out = dir.run(&[
        "can",
        "--principal",
        "arn:aws:iam::111111111111:user/a",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
        "--identity",
        "p.json",
    ]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("p.json:1:{column}: ")), "{err}");
    assert!(err.contains(&format!("[p.json:1:{column}]")), "{err}");
    assert!(longest_line(&err) < MAX_LINE, "{err}");
}

#[test]
fn a_configuration_error_far_into_one_line_is_shown_in_a_window_of_its_line() {
    let dir = Scratch::new("config");
    let many = vec![r#""C1""#; 15_000].join(", ");
    let config = format!("select = [{many}, \"X999\"]\n");
    let column = column_of(&config, r#""X999""#);
    assert!(column > 65_535);
    dir.write("iampol.toml", &config);
    dir.write("p.json", r#"{"Version": "2012-10-17", "Statement": []}"#);
    let out = dir.run(&["lint", "p.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("iampol.toml:1:{column}: ")), "{err}");
    assert!(err.contains("X999"), "{err}");
    assert!(longest_line(&err) < MAX_LINE, "{err}");
}

/// A retitling OSC sequence, a colour, DEL, a C1 CSI and a right-to-left override.
const NASTY: &str = "\u{1b}]0;pwned\u{7}\u{1b}[31m\u{7f}\u{9b}2J\u{202e}";
/// The same in JSON string syntax (JSON cannot hold raw C0 controls).
const NASTY_JSON: &str = r"\u001b]0;pwned\u0007\u001b[31m\u007f\u009b2J\u202e";

#[test]
fn control_characters_quoted_from_a_policy_are_escaped_in_every_lint_text_format() {
    let dir = Scratch::new("controls");
    let policy = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [{{\"Sid\": \"A\", \"Effect\": \"Allow\", \"Action\": \"s3:Get{NASTY_JSON}\", \"Resource\": \"*\"}}]}}\n"
    );
    dir.write("p.json", &policy);
    for format in ["human", "concise", "github"] {
        let out = dir.run(&["lint", "--select", "C1", "--format", format, "p.json"]);
        assert_no_panic(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            text(&out.stderr)
        );
        let report = text(&out.stdout);
        assert!(report.contains("C1"), "{format}: {report}");
        assert_no_raw_controls(format, &report);
        assert_no_raw_controls(format, &text(&out.stderr));
        // Shown as visible symbols (the Unicode control pictures) and escapes.
        assert!(report.contains("␛]0;pwned␇␛[31m␡"), "{format}: {report}");
        assert!(report.contains(r"\u{9b}2J\u{202e}"), "{format}: {report}");
    }
}

/// The column where the first underline starts under a snippet line, and the text of that
/// line from there (`len` characters).
fn caret_and_text(report: &str, len: usize) -> (usize, String) {
    let lines: Vec<&str> = report.lines().collect();
    let is_mark = |c: char| matches!(c, '─' | '┬' | '▲');
    let under = lines
        .iter()
        .position(|l| l.trim_start().starts_with('·') && l.contains(is_mark))
        .unwrap_or_else(|| panic!("no underline in:\n{report}"));
    let caret = lines[under].chars().position(is_mark).unwrap();
    let source: Vec<char> = lines[under - 1].chars().collect();
    let end = (caret + len).min(source.len());
    (caret, source[caret.min(end)..end].iter().collect())
}

#[test]
fn control_characters_in_a_snippet_are_escaped_and_the_caret_still_points_at_the_label() {
    let dir = Scratch::new("snippet");
    // Raw C0 controls are not valid in JSON: the syntax error points at the first one, after
    // a tab.
    let policy = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": [\n\t{{\"Effect\": \"Allow\", \"Action\": \"s3:Get{NASTY}\", \"Resource\": \"*\"}}]}}\n"
    );
    dir.write("p.json", &policy);
    let out = dir.run(&["lint", "p.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert_no_raw_controls("human", &report);
    assert!(report.contains("␛]0;pwned␇␛[31m␡"), "{report}");
    assert_eq!(caret_and_text(&report, 4).1, "␛]0;", "{report}");

    // DEL, C1 controls and bidirectional overrides are valid in JSON strings: before the label
    // on its line, they are escaped (an escape wider than the character) and the caret still
    // points at the label.
    let policy = "{\"Version\": \"2012-10-17\", \"Statement\": [\n\t{\"Sid\": \"\u{202e}\u{7f}\u{9b}\u{2066}\", \"Effect\": \"Allow\", \"Action\": \"s3:GetObjectt\", \"Resource\": \"*\"}]}\n";
    dir.write("q.json", policy);
    let out = dir.run(&["lint", "--select", "C102", "q.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert_no_raw_controls("human", &report);
    assert!(report.contains(r"\u{202e}␡\u{9b}\u{2066}"), "{report}");
    assert_eq!(
        caret_and_text(&report, 15).1,
        "\"s3:GetObjectt\"",
        "{report}"
    );
}

#[test]
fn control_characters_in_a_file_name_are_escaped() {
    let dir = Scratch::new("names");
    let name = "p\u{1b}[31m\u{7}.json";
    dir.write(
        name,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjectt", "Resource": "*"}]}"#,
    );
    for format in ["human", "concise", "github"] {
        let out = dir.run(&["lint", "--select", "C102", "--format", format, name]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let report = text(&out.stdout);
        assert_no_raw_controls(format, &report);
        assert!(report.contains("p␛[31m␇.json"), "{format}: {report}");
    }
}

#[test]
fn eval_and_can_escape_names_and_sids_from_files() {
    let dir = Scratch::new("eval-controls");
    let scenario = format!(
        r#"{{"name":"n{NASTY_JSON}","principal":"arn:aws:iam::111111111111:user/a","action":"s3:GetObject","resource":"*","identityPolicies":[{{"Version":"2012-10-17","Statement":{{"Sid":"S{NASTY_JSON}","Effect":"Allow","Action":"*","Resource":"*"}}}}]}}"#
    );
    dir.write("s.json", &scenario);
    let out = dir.run(&["eval", "s.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("n␛]0;pwned␇"), "{report}");
    assert_no_raw_controls("eval", &report);
    assert_no_raw_controls("eval", &text(&out.stderr));

    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Sid":"S{NASTY_JSON}","Effect":"Allow","Action":"*","Resource":"*"}}}}"#
    );
    dir.write("p.json", &policy);
    let out = dir.run(&[
        "can",
        "--principal",
        "arn:aws:iam::111111111111:user/a",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
        "--identity",
        "p.json",
    ]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("S␛]0;pwned␇"), "{report}");
    assert_no_raw_controls("can", &report);
    // An error quoting the file.
    dir.write(
        "bad.json",
        &format!("{{\"Version\": \"2012-10-17\", \"Statement\": {{\"Effect\": \"{NASTY}\"}}}}"),
    );
    let out = dir.run(&[
        "can",
        "--principal",
        "arn:aws:iam::111111111111:user/a",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
        "--identity",
        "bad.json",
    ]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert_no_raw_controls("can error", &text(&out.stderr));
}

#[test]
fn configuration_errors_escape_the_quoted_value() {
    let dir = Scratch::new("config-controls");
    dir.write("iampol.toml", &format!("select = [\"X{NASTY_JSON}\"]\n"));
    dir.write("p.json", r#"{"Version": "2012-10-17", "Statement": []}"#);
    let out = dir.run(&["lint", "p.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("iampol.toml"), "{err}");
    assert_no_raw_controls("config", &err);
}

fn trail_event(name: &str, key: &str) -> String {
    serde_json::json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333", "userName": "alice"},
        "eventTime": "2024-08-01T10:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "requestParameters": {"bucketName": "reports", "key": key},
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333"
    })
    .to_string()
}

#[test]
fn generate_and_tighten_escape_values_from_the_trail_and_the_policy() {
    let dir = Scratch::new("trail-controls");
    let trail = format!(
        "{}\n{}\n",
        trail_event("GetObject", "a.csv"),
        trail_event(&format!("Get{NASTY}Thing"), "b.csv"),
    );
    dir.write("trail.ndjson", &trail);
    let out = dir.run(&["generate", "--cloudtrail", "trail.ndjson"]);
    assert_no_panic(&out);
    let err = text(&out.stderr);
    assert!(err.contains("Get␛]0;pwned␇"), "{err}");
    assert_no_raw_controls("generate", &err);

    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"S{NASTY_JSON}","Effect":"Allow","Action":"s3:*","Resource":"*"}}]}}"#
    );
    dir.write("p.json", &policy);
    let out = dir.run(&[
        "tighten",
        "p.json",
        "--cloudtrail",
        "trail.ndjson",
        "--principal",
        "arn:aws:iam::111122223333:user/alice",
    ]);
    assert_no_panic(&out);
    let err = text(&out.stderr);
    assert!(err.contains("S␛]0;pwned␇"), "{err}");
    assert_no_raw_controls("tighten", &err);
}
