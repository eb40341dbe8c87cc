//! `iampol lint` as users of Ruff expect it: no path lints the current directory,
//! `--exit-zero`, `--statistics`, `--output-format` (and `IAMPOL_OUTPUT_FORMAT`), the `gitlab`
//! and `junit` formats, the progress bar on a terminal, and clean code fences in `iampol rule`.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `iampol ARGS` in `dir`, without colour and without `IAMPOL_OUTPUT_FORMAT` from outside.
fn iampol_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("IAMPOL_OUTPUT_FORMAT")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A folder with two policies: `s.json` with an old version, an invalid effect and two
/// unknown actions, `sub/t.json` with an old version, an invalid effect and one unknown action.
fn two_policies() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.json"),
        r#"{"Version": "2008-10-17", "Statement": [{"Effect": "allow ", "Action": ["s3:GetObjekt", "s3:PutObjekt"], "Resource": "*"}]}"#,
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/t.json"),
        r#"{"Version": "2008-10-17", "Statement": [{"Effect": "allow ", "Action": "ec2:DescribeInstancez", "Resource": "*"}]}"#,
    )
    .unwrap();
    dir
}

/// The rules the statistics tests run: unknown action (no fix), invalid effect (no fix that
/// `--fix` applies), old version (a safe fix).
const SELECT: &str = "--select=C102,C009,N007";

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn without_a_path_the_current_directory_is_linted() {
    let dir = two_policies();
    let out = iampol_in(
        dir.path(),
        &["lint", "--isolated", SELECT, "--output-format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let paths: BTreeSet<String> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().replace('\\', "/"))
        .collect();
    // As `ruff check` shows them: relative, without `./`.
    assert_eq!(
        paths,
        BTreeSet::from(["s.json".to_string(), "sub/t.json".to_string()])
    );
    // The same findings as naming the directory.
    let named = iampol_in(
        dir.path(),
        &["lint", "--isolated", SELECT, "--output-format", "json", "."],
    );
    assert_eq!(
        json(&out).as_array().unwrap().len(),
        json(&named).as_array().unwrap().len()
    );
    // `--example` still lints the example alone, and still refuses paths.
    let example = iampol_in(dir.path(), &["lint", "--isolated", "--example"]);
    assert_eq!(example.status.code(), Some(1));
    assert!(
        stderr(&example).contains("in 1 file"),
        "{}",
        stderr(&example)
    );
    let both = iampol_in(dir.path(), &["lint", "--example", "s.json"]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn exit_zero_keeps_the_report_and_still_fails_on_unreadable_input() {
    let dir = two_policies();
    let out = iampol_in(dir.path(), &["lint", "--isolated", "--exit-zero", "s.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("C102"));
    // `--diff` with fixes to show exits 1, and 0 with `--exit-zero`.
    let diff = iampol_in(dir.path(), &["lint", "--isolated", "--diff", "s.json"]);
    assert_eq!(diff.status.code(), Some(1));
    let diff = iampol_in(
        dir.path(),
        &["lint", "--isolated", "--diff", "--exit-zero", "s.json"],
    );
    assert_eq!(diff.status.code(), Some(0));
    // Could not run: 2, whatever `--exit-zero` says.
    let missing = iampol_in(
        dir.path(),
        &[
            "lint",
            "--isolated",
            "--exit-zero",
            "s.json",
            "missing.json",
        ],
    );
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
}

#[test]
fn statistics_count_findings_per_rule_most_frequent_first() {
    let dir = two_policies();
    let out = iampol_in(dir.path(), &["lint", "--isolated", SELECT, "--statistics"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // 3 unknown actions; 2 invalid effects and 2 old versions (equal counts: by code); only
    // the old version has a fix `--fix` applies, so the others are marked `[ ]`.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "3\tC102\t[ ] unknown-action\n2\tC009\t[ ] invalid-effect\n2\tN007\t[*] old-version\n"
    );

    let out = iampol_in(
        dir.path(),
        &[
            "lint",
            "--isolated",
            SELECT,
            "--statistics",
            "--output-format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.is_empty(), "JSON prints no summary");
    let expected = serde_json::json!([
        {"code": "C102", "name": "unknown-action", "count": 3, "fixable": false, "fixableCount": 0},
        {"code": "C009", "name": "invalid-effect", "count": 2, "fixable": false, "fixableCount": 0},
        {"code": "N007", "name": "old-version", "count": 2, "fixable": true, "fixableCount": 2},
    ]);
    assert_eq!(json(&out), expected);

    // Without findings: nothing, and exit 0.
    let clean = iampol_in(
        dir.path(),
        &["lint", "--isolated", "--select=S001", "--statistics", "-q"],
    );
    assert_eq!(clean.status.code(), Some(0));
    assert!(clean.stdout.is_empty());
}

#[test]
fn the_output_format_comes_from_the_flag_its_alias_or_the_environment() {
    let dir = two_policies();
    let run = |args: &[&str], env: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_iampol"));
        command
            .args(["lint", "--isolated", SELECT])
            .args(args)
            .arg("s.json")
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env_remove("IAMPOL_OUTPUT_FORMAT");
        if let Some(format) = env {
            command.env("IAMPOL_OUTPUT_FORMAT", format);
        }
        command.output().unwrap()
    };
    let is_json = |out: &Output| serde_json::from_slice::<Value>(&out.stdout).is_ok();
    let is_concise = |out: &Output| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .all(|l| l.starts_with("s.json:1:"))
            && !out.stdout.is_empty()
    };
    assert!(is_json(&run(&["--output-format", "json"], None)));
    assert!(is_json(&run(&["--format", "json"], None)), "the old name");
    assert!(is_json(&run(&[], Some("json"))), "the environment");
    assert!(
        is_concise(&run(&["--output-format", "concise"], Some("json"))),
        "the flag wins"
    );
    assert!(is_concise(&run(&["--format", "concise"], Some("json"))));
    let bad = run(&[], Some("yaml"));
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("IAMPOL_OUTPUT_FORMAT") || stderr(&bad).contains("yaml"));
}

fn gitlab_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("corpus/gitlab/code-quality-report.schema.json"))
            .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft7::new(&schema).unwrap()
}

fn assert_valid_gitlab(report: &Value) {
    let errors: Vec<String> = gitlab_validator()
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_schema_rejects_reports_gitlab_would_not_read() {
    let good = serde_json::json!([{"description": "d", "check_name": "C102", "fingerprint": "f",
        "severity": "major", "location": {"path": "a.json", "lines": {"begin": 1}}}]);
    assert_valid_gitlab(&good);
    let validator = gitlab_validator();
    for (pointer, value) in [
        ("/0/severity", serde_json::json!("error")),
        ("/0/location/path", serde_json::json!("./a.json")),
        ("/0/location/lines/begin", serde_json::json!(0)),
        ("/0/location", serde_json::json!({"path": "a.json"})),
    ] {
        let mut bad = good.clone();
        *bad.pointer_mut(pointer).unwrap() = value;
        assert!(!validator.is_valid(&bad), "{bad}");
    }
    let mut bad = good.clone();
    bad[0].as_object_mut().unwrap().remove("fingerprint");
    assert!(!validator.is_valid(&bad));
}

/// A policy with an unknown action written with `<&"'` and a control character (U+0001), in a
/// file whose name has `&` and `'`.
fn awkward_policy(dir: &Path) -> &'static str {
    let name = "a&b'.json";
    std::fs::write(
        dir.join(name),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObjekt", "s3:<&\"'\u0001>", "s3:GetObjekt"], "Resource": "arn:aws:s3:::b/*"}]}"#,
    )
    .unwrap();
    name
}

#[test]
fn gitlab_reports_validate_with_unique_stable_fingerprints() {
    let dir = two_policies();
    let name = awkward_policy(dir.path());
    let gitlab = |dir: &Path| {
        let out = iampol_in(dir, &["lint", "--isolated", "--output-format", "gitlab"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(out.stderr.is_empty(), "machine formats print no summary");
        json(&out)
    };
    let report = gitlab(dir.path());
    assert_valid_gitlab(&report);
    let findings = json(&iampol_in(
        dir.path(),
        &["lint", "--isolated", "--output-format", "json"],
    ));
    let issues = report.as_array().unwrap();
    let findings = findings.as_array().unwrap();
    assert_eq!(issues.len(), findings.len());
    for (issue, finding) in issues.iter().zip(findings) {
        assert_eq!(issue["check_name"], finding["code"]);
        assert_eq!(issue["location"]["path"], finding["path"]);
        assert_eq!(issue["location"]["lines"]["begin"], finding["line"]);
        assert!(issue["description"]
            .as_str()
            .unwrap()
            .contains(finding["message"].as_str().unwrap()));
        let severity = match finding["severity"].as_str().unwrap() {
            "error" => "critical",
            "warning" => "major",
            _ => "info",
        };
        assert_eq!(issue["severity"], severity);
    }
    let fingerprints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    let unique: BTreeSet<&str> = fingerprints.iter().copied().collect();
    assert_eq!(unique.len(), fingerprints.len(), "{fingerprints:#?}");
    // The same unknown action twice in a file: the same message, two fingerprints.
    let twice: Vec<&Value> = issues
        .iter()
        .filter(|i| {
            i["location"]["path"] == name
                && i["check_name"] == "C102"
                && i["description"]
                    .as_str()
                    .unwrap()
                    .contains("`s3:GetObjekt`")
        })
        .collect();
    assert_eq!(twice.len(), 2);

    // Stable: the same run gives the same report; lines added above a finding keep its
    // fingerprint (GitLab would otherwise see it as new).
    assert_eq!(gitlab(dir.path()), report);
    let text = std::fs::read_to_string(dir.path().join("s.json")).unwrap();
    std::fs::write(dir.path().join("s.json"), format!("\n\n{text}")).unwrap();
    let moved = gitlab(dir.path());
    let prints = |r: &Value| -> BTreeSet<String> {
        r.as_array()
            .unwrap()
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(prints(&moved), prints(&report));
    assert_ne!(moved, report, "the lines moved");
}

/// An element of a parsed XML document.
#[derive(Debug)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal check that `xml` is a well-formed XML 1.0 document, returning its root: only
/// characters XML 1.0 allows; an optional declaration; one root element; elements that close
/// in order; attributes quoted, unique, without `<`; `&` only in the five predefined entities
/// and character references to allowed characters; no `]]>` in text. Attribute values are
/// normalised as a parser does (a literal tab, line feed or carriage return becomes a space),
/// and so are line ends in text.
fn parse_xml(xml: &str) -> Result<Element, String> {
    fn is_char(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
    }
    fn is_name_char(c: char, first: bool) -> bool {
        c.is_ascii_alphabetic()
            || c == '_'
            || c == ':'
            || (!first && (c.is_ascii_digit() || c == '-' || c == '.'))
    }
    struct P<'a> {
        s: &'a str,
        at: usize,
    }
    impl P<'_> {
        fn rest(&self) -> &str {
            &self.s[self.at..]
        }
        fn eat(&mut self, t: &str) -> bool {
            if self.rest().starts_with(t) {
                self.at += t.len();
                true
            } else {
                false
            }
        }
        fn expect(&mut self, t: &str) -> Result<(), String> {
            if self.eat(t) {
                Ok(())
            } else {
                Err(format!("expected `{t}` at byte {}", self.at))
            }
        }
        fn space(&mut self) -> bool {
            let n = self.rest().len()
                - self
                    .rest()
                    .trim_start_matches([' ', '\t', '\n', '\r'])
                    .len();
            self.at += n;
            n > 0
        }
        fn name(&mut self) -> Result<String, String> {
            let mut chars = self.rest().char_indices();
            match chars.next() {
                Some((_, c)) if is_name_char(c, true) => {}
                _ => return Err(format!("expected a name at byte {}", self.at)),
            }
            let end = chars
                .find(|(_, c)| !is_name_char(*c, false))
                .map_or(self.rest().len(), |(i, _)| i);
            let name = self.rest()[..end].to_string();
            self.at += end;
            Ok(name)
        }
        fn reference(&mut self) -> Result<char, String> {
            let end = self.rest().find(';').ok_or("a reference without `;`")?;
            let body = &self.rest()[1..end];
            let c = match body {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let code = if let Some(hex) = body.strip_prefix("#x") {
                        u32::from_str_radix(hex, 16)
                    } else if let Some(dec) = body.strip_prefix('#') {
                        dec.parse()
                    } else {
                        return Err(format!("unknown entity `&{body};`"));
                    }
                    .map_err(|e| format!("`&{body};`: {e}"))?;
                    char::from_u32(code)
                        .filter(|c| is_char(*c))
                        .ok_or(format!("`&{body};` is not a character XML 1.0 allows"))?
                }
            };
            self.at += end + 1;
            Ok(c)
        }
        fn comment_or_pi(&mut self) -> Result<bool, String> {
            if self.eat("<!--") {
                let end = self.rest().find("-->").ok_or("an unclosed comment")?;
                self.at += end + 3;
                Ok(true)
            } else {
                Ok(false)
            }
        }
        fn element(&mut self) -> Result<Element, String> {
            self.expect("<")?;
            let name = self.name()?;
            let mut attributes: Vec<(String, String)> = Vec::new();
            loop {
                let spaced = self.space();
                if self.eat("/>") {
                    return Ok(Element {
                        name,
                        attributes,
                        text: String::new(),
                        children: Vec::new(),
                    });
                }
                if self.eat(">") {
                    break;
                }
                if !spaced {
                    return Err(format!(
                        "expected a space before an attribute at byte {}",
                        self.at
                    ));
                }
                let key = self.name()?;
                self.space();
                self.expect("=")?;
                self.space();
                let quote = if self.eat("\"") {
                    '"'
                } else if self.eat("'") {
                    '\''
                } else {
                    return Err(format!("an unquoted value of `{key}`"));
                };
                let mut value = String::new();
                loop {
                    let c = self
                        .rest()
                        .chars()
                        .next()
                        .ok_or("an unclosed attribute value")?;
                    if c == quote {
                        self.at += 1;
                        break;
                    }
                    match c {
                        '<' => return Err(format!("`<` in the value of `{key}`")),
                        '&' => value.push(self.reference()?),
                        '\t' | '\n' | '\r' => {
                            value.push(' ');
                            self.at += 1;
                        }
                        c => {
                            value.push(c);
                            self.at += c.len_utf8();
                        }
                    }
                }
                if attributes.iter().any(|(k, _)| *k == key) {
                    return Err(format!("attribute `{key}` twice"));
                }
                attributes.push((key, value));
            }
            let mut text = String::new();
            let mut children = Vec::new();
            loop {
                if self.rest().starts_with("</") {
                    self.at += 2;
                    let end = self.name()?;
                    if end != name {
                        return Err(format!("`</{end}>` closes `<{name}>`"));
                    }
                    self.space();
                    self.expect(">")?;
                    return Ok(Element {
                        name,
                        attributes,
                        text,
                        children,
                    });
                }
                if self.comment_or_pi()? {
                    continue;
                }
                if self.rest().starts_with('<') {
                    children.push(self.element()?);
                    continue;
                }
                if self.rest().starts_with("]]>") {
                    return Err("`]]>` in text".to_string());
                }
                let c = self
                    .rest()
                    .chars()
                    .next()
                    .ok_or(format!("`<{name}>` is not closed"))?;
                match c {
                    '&' => text.push(self.reference()?),
                    '\r' => {
                        self.at += 1;
                        self.eat("\n");
                        text.push('\n');
                    }
                    c => {
                        text.push(c);
                        self.at += c.len_utf8();
                    }
                }
            }
        }
    }
    if let Some(c) = xml.chars().find(|c| !is_char(*c)) {
        return Err(format!("U+{:04X} is not allowed in XML 1.0", u32::from(c)));
    }
    let mut p = P { s: xml, at: 0 };
    if p.eat("<?xml") {
        let end = p.rest().find("?>").ok_or("an unclosed declaration")?;
        p.at += end + 2;
    }
    p.space();
    while p.comment_or_pi()? {
        p.space();
    }
    let root = p.element()?;
    p.space();
    while p.comment_or_pi()? {
        p.space();
    }
    if !p.rest().is_empty() {
        return Err(format!("content after the root at byte {}", p.at));
    }
    Ok(root)
}

#[test]
fn the_xml_check_refuses_what_is_not_well_formed() {
    assert!(parse_xml(r#"<?xml version="1.0"?><a b="1"><c/>t&amp;</a>"#).is_ok());
    for bad in [
        "<a>",
        "<a></b>",
        "<a b=1/>",
        r#"<a b="<"/>"#,
        "<a>&</a>",
        "<a>&foo;</a>",
        "<a>&#1;</a>",
        "<a>\u{1}</a>",
        "<a>]]></a>",
        r#"<a b="1" b="2"/>"#,
        "<a/><b/>",
    ] {
        assert!(parse_xml(bad).is_err(), "{bad}");
    }
}

#[test]
fn junit_reports_are_well_formed_and_escape_what_xml_needs() {
    let dir = tempfile::tempdir().unwrap();
    let name = awkward_policy(dir.path());
    std::fs::write(
        dir.path().join("clean.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#,
    )
    .unwrap();
    let out = iampol_in(
        dir.path(),
        &["lint", "--isolated", "--output-format", "junit"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "machine formats print no summary");
    let xml = String::from_utf8(out.stdout).unwrap();
    let root = parse_xml(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let findings = json(&iampol_in(
        dir.path(),
        &["lint", "--isolated", "--output-format", "json"],
    ));
    let findings = findings.as_array().unwrap();

    assert_eq!(root.name, "testsuites");
    let n = findings.len().to_string();
    assert_eq!(root.attribute("tests"), Some(n.as_str()));
    assert_eq!(root.attribute("failures"), Some(n.as_str()));
    // One suite per file with findings (the clean file has none).
    assert_eq!(root.children.len(), 1, "{xml}");
    let suite = &root.children[0];
    assert_eq!(suite.name, "testsuite");
    assert_eq!(suite.attribute("name"), Some(name), "`&` and `'` escaped");
    assert_eq!(suite.attribute("failures"), Some(n.as_str()));
    assert_eq!(suite.children.len(), findings.len());
    for (case, finding) in suite.children.iter().zip(findings) {
        assert_eq!(case.name, "testcase");
        let code = finding["code"].as_str().unwrap();
        assert_eq!(
            case.attribute("name"),
            Some(format!("iampol.{code}").as_str())
        );
        assert_eq!(case.attribute("classname"), Some("a&b'"));
        assert_eq!(
            case.attribute("line"),
            Some(finding["line"].to_string().as_str())
        );
        assert_eq!(case.children.len(), 1);
        let failure = &case.children[0];
        assert_eq!(failure.name, "failure");
        // The control character, which XML 1.0 cannot hold even as a reference, is spelled
        // out; `<&"'` come back as they were.
        let message = finding["message"]
            .as_str()
            .unwrap()
            .replace('\u{1}', "\\u{1}");
        assert_eq!(failure.attribute("message"), Some(message.as_str()));
        assert!(
            failure.text.starts_with(&format!(
                "line {}, col {}, {message}",
                finding["line"], finding["column"]
            )),
            "{}",
            failure.text
        );
    }
    assert!(
        suite.children.iter().any(|c| c.children[0]
            .attribute("message")
            .unwrap()
            .contains(r#"<&"'\u{1}>"#)),
        "{xml}"
    );

    // No findings: one passing test case.
    let out = iampol_in(
        dir.path(),
        &[
            "lint",
            "--isolated",
            "--output-format",
            "junit",
            "clean.json",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let root = parse_xml(&String::from_utf8(out.stdout).unwrap()).unwrap();
    assert_eq!(root.attribute("failures"), Some("0"));
    let cases: Vec<&Element> = root.children.iter().flat_map(|s| &s.children).collect();
    assert_eq!(cases.len(), 1);
    assert!(cases[0].children.is_empty(), "no failure");
}

#[test]
fn rule_docs_print_plain_code_fences() {
    let listed = iampol_in(&root(), &["rules", "--format", "json"]);
    let rules = json(&listed);
    let mut fences = 0;
    for rule in rules.as_array().unwrap() {
        let code = rule["code"].as_str().unwrap();
        let out = iampol_in(&root(), &["rule", code]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            let Some(info) = line.trim_start().strip_prefix("```") else {
                continue;
            };
            fences += 1;
            // An opening fence names a language at most; a closing one nothing.
            assert!(
                info.chars().all(|c| c.is_ascii_alphanumeric()),
                "{code}: {line}"
            );
        }
    }
    assert!(fences > 100, "the examples are still there: {fences}");
}

/// The Python interpreter, for a pseudo-terminal (`pty`); `None` when there is none.
fn python() -> Option<&'static str> {
    Command::new("python3")
        .args(["-c", "import pty"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| "python3")
}

/// Runs `iampol lint -` with standard error on a pseudo-terminal and standard input held open
/// for 2.5 s (a run that lasts longer than the bar's delay), then a policy; returns what the
/// terminal showed.
fn lint_on_a_terminal(python: &str, extra: &[&str]) -> String {
    let script = r#"
import os, pty, subprocess, sys, time
master, slave = pty.openpty()
child = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=slave)
os.close(slave)
time.sleep(2.5)
child.stdin.write(b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}')
child.stdin.close()
child.stdout.read()
child.wait()
shown = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    shown += chunk
sys.stdout.buffer.write(shown)
"#;
    let out = Command::new(python)
        .args([
            "-c",
            script,
            env!("CARGO_BIN_EXE_iampol"),
            "lint",
            "--isolated",
            "--select=C102",
        ])
        .args(extra)
        .arg("-")
        .env("NO_COLOR", "1")
        .env_remove("IAMPOL_OUTPUT_FORMAT")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_long_run_shows_a_progress_bar_on_a_terminal_and_wipes_it() {
    let Some(python) = python() else {
        eprintln!("skipped: no python3 for a pseudo-terminal");
        return;
    };
    let shown = lint_on_a_terminal(python, &[]);
    let bar = shown.find("\r[").expect(&shown);
    assert!(shown[bar..].contains("0/1 files"), "{shown:?}");
    // Wiped before the summary: spaces over it, back to the start of the line.
    let summary = shown.find("Found 1 finding").expect(&shown);
    let before = &shown[..summary];
    assert!(
        before.trim_end_matches(['\r', '\n']).ends_with(' '),
        "{shown:?}"
    );
    assert!(before.ends_with('\r'), "{shown:?}");

    let quiet = lint_on_a_terminal(python, &["--quiet"]);
    assert!(!quiet.contains("files"), "{quiet:?}");
}

#[test]
fn no_progress_bar_when_standard_error_is_not_a_terminal() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(["lint", "--isolated", "--select=C102", "-"])
        .env("NO_COLOR", "1")
        .env_remove("IAMPOL_OUTPUT_FORMAT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(br#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}"#)
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(err.contains("Found 1 finding"), "{err}");
    assert!(!err.contains('\r') && !err.contains("files "), "{err:?}");
}
