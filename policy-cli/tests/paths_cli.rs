//! `iampol paths`: the corpus of pathfinding.cloud's 65 paths (`corpus/paths/<id>/{minimal,near-miss}`,
//! expectations from each path's description and the IAM docs, see `corpus/paths/README.md`),
//! and the SARIF, `GraphML` and DOT outputs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

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

fn cases() -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("corpus/paths"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        for kind in ["minimal", "near-miss"] {
            let dir = d.join(kind);
            let expect = dir.join("expect.json");
            if expect.exists() {
                let v: Value =
                    serde_json::from_str(&std::fs::read_to_string(&expect).unwrap()).unwrap();
                out.push((dir, v));
            }
        }
    }
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// Each minimal snapshot has a path to admin from the attacker that uses the path's edge;
/// each near-miss has none.
#[test]
fn corpus_minimal_found_near_miss_not() {
    let cases = cases();
    assert_eq!(cases.len(), 130, "65 paths, minimal and near-miss each");
    let mut failures = Vec::new();
    for (dir, expect) in &cases {
        let from = expect["from"].as_str().unwrap();
        let to = expect["to"].as_str().unwrap();
        let reachable = expect["reachable"].as_bool().unwrap();
        let dir = rel(dir);
        let out = iampol(&[
            "paths",
            "--account",
            &dir,
            "--from",
            from,
            "--to",
            to,
            "--format",
            "json",
        ]);
        let code = out.status.code();
        let Ok(json) = serde_json::from_slice::<Value>(&out.stdout) else {
            failures.push(format!(
                "{dir}: no JSON (exit {code:?}): {}",
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        };
        let found = !json["paths"].as_array().unwrap().is_empty();
        let vias: BTreeSet<&str> = json["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["via"].as_str())
            .collect();
        if reachable {
            let want: Vec<&str> = expect["via"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            if !found || code != Some(1) || !want.iter().all(|w| vias.contains(w)) {
                failures.push(format!(
                    "{dir}: expected a path via {want:?}; exit {code:?}, edges via {vias:?}"
                ));
            }
        } else if found || code != Some(0) {
            let paths: Vec<String> = json["paths"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    p["edges"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|e| e["via"].as_str().unwrap_or("?").to_string())
                        .collect::<Vec<_>>()
                        .join(" > ")
                })
                .collect();
            failures.push(format!(
                "{dir}: expected no path ({}); exit {code:?}, found {paths:?}",
                expect["near_miss"].as_str().unwrap_or("?")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("corpus/sarif/sarif-schema-2.1.0.json")).unwrap();
    // As in tests/sarif.rs: escape the lone `]` of the two `language` patterns.
    let lone = r#"{2}]?$""#;
    assert_eq!(text.matches(lone).count(), 2);
    let text = text.replace(lone, r#"{2}\\]?$""#);
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

const LAMBDA: &str = "corpus/paths/lambda-001/minimal";
const ATTACKER: &str = "arn:aws:iam::111122223333:user/attacker";

/// A SARIF result per principal that can reach admin, valid against the schema, located at
/// the attacker's statement that opens the path (the `iam:PassRole` grant, in the GAAD).
#[test]
fn sarif_validates_and_points_at_the_opening_statement() {
    let out = iampol(&["paths", "--account", LAMBDA, "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator()
        .iter_errors(&log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let mine: Vec<&Value> = results
        .iter()
        .filter(|r| r["message"]["text"].as_str().unwrap().contains(ATTACKER))
        .collect();
    assert_eq!(mine.len(), 1, "{results:#?}");
    assert_eq!(mine[0]["ruleId"], "lambda-001");
    let loc = &mine[0]["locations"][0]["physicalLocation"];
    let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.ends_with("accounts/111122223333/gaad.json"), "{uri}");
    // The statement that allows iam:PassRole, by its position in the file.
    let gaad = std::fs::read_to_string(root().join(LAMBDA).join("accounts/111122223333/gaad.json"))
        .unwrap();
    let line = usize::try_from(loc["region"]["startLine"].as_u64().unwrap()).unwrap();
    let window: String = gaad.lines().skip(line - 1).take(4).collect();
    assert!(window.contains("iam:PassRole"), "line {line}: {window}");
}

/// A minimal XML reader for the test: elements, attributes and the five entities; panics on
/// anything not well-formed. Returns (element name, attributes) in document order.
fn parse_xml(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    fn unescape(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('&') {
            out.push_str(&rest[..i]);
            let end = rest[i..].find(';').expect("unterminated entity") + i;
            out.push_str(match &rest[i + 1..end] {
                "amp" => "&",
                "lt" => "<",
                "gt" => ">",
                "quot" => "\"",
                "apos" => "'",
                e => panic!("unknown entity {e}"),
            });
            rest = &rest[end + 1..];
        }
        assert!(!rest.contains('<'), "raw < in text");
        out.push_str(rest);
        out
    }
    let mut elements = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut rest = text.trim_start();
    if let Some(r) = rest.strip_prefix("<?xml") {
        rest = &r[r.find("?>").unwrap() + 2..];
    }
    loop {
        let Some(i) = rest.find('<') else {
            assert!(rest.trim().is_empty());
            break;
        };
        unescape(&rest[..i]);
        rest = &rest[i + 1..];
        let end = rest.find('>').unwrap();
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.trim()), "unbalanced");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs_text) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
        let mut attrs = Vec::new();
        loop {
            attrs_text = attrs_text.trim_start();
            if attrs_text.is_empty() {
                break;
            }
            let eq = attrs_text.find("=\"").unwrap();
            let key = attrs_text[..eq].to_string();
            let after = &attrs_text[eq + 2..];
            let close = after.find('"').unwrap();
            attrs.push((key, unescape(&after[..close])));
            attrs_text = &after[close + 1..];
        }
        elements.push((name.to_string(), attrs));
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    elements
}

/// `GraphML` parses back: one node per principal on an edge (and `admin`), every edge of the
/// JSON output, and edges only between declared nodes.
#[test]
fn graphml_parses_back_to_the_json_graph() {
    let json = iampol(&["paths", "--account", LAMBDA, "--format", "json"]);
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let out = iampol(&["paths", "--account", LAMBDA, "--format", "graphml"]);
    assert_eq!(out.status.code(), Some(1));
    let elements = parse_xml(std::str::from_utf8(&out.stdout).unwrap());
    let attr = |a: &[(String, String)], k: &str| {
        a.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    let nodes: BTreeSet<String> = elements
        .iter()
        .filter(|(n, _)| n == "node")
        .map(|(_, a)| attr(a, "id"))
        .collect();
    let edges: Vec<(String, String)> = elements
        .iter()
        .filter(|(n, _)| n == "edge")
        .map(|(_, a)| (attr(a, "source"), attr(a, "target")))
        .collect();
    let json_edges: Vec<(String, String)> = json["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(edges, json_edges);
    assert!(
        nodes.contains("admin") && nodes.contains(ATTACKER),
        "{nodes:?}"
    );
    for (s, t) in &edges {
        assert!(nodes.contains(s) && nodes.contains(t), "{s} -> {t}");
    }
}

/// DOT: a digraph with every edge of the JSON output, names quoted.
#[test]
fn dot_has_every_edge() {
    let json = iampol(&["paths", "--account", LAMBDA, "--format", "json"]);
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let out = iampol(&["paths", "--account", LAMBDA, "--format", "dot"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("digraph paths {") && text.trim_end().ends_with('}'));
    let n = json["edges"].as_array().unwrap().len();
    assert_eq!(text.matches(" -> ").count(), n);
    assert!(text.contains(&format!("\"{ATTACKER}\" -> ")));
}

/// Exit codes: 0 when there is no path, 2 for an unknown `--from` or `--to`.
#[test]
fn exit_codes() {
    let near = "corpus/paths/lambda-001/near-miss";
    assert_eq!(
        iampol(&["paths", "--account", near, "--from", ATTACKER])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        iampol(&[
            "paths",
            "--account",
            near,
            "--from",
            "arn:aws:iam::111122223333:user/nobody"
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        iampol(&["paths", "--account", near, "--to", "nonsense"])
            .status
            .code(),
        Some(2)
    );
}
