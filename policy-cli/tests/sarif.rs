//! `iampol lint --format sarif`: valid against the SARIF 2.1.0 schema GitHub accepts
//! (`corpus/sarif/`), one result per finding, at the JSON output's positions.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn iampol(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_iampol"));
    command.args(args).current_dir(root()).env("NO_COLOR", "1");
    if args.first() == Some(&"lint") {
        command.arg("--isolated");
    }
    command.output().unwrap()
}

fn validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("corpus/sarif/sarif-schema-2.1.0.json")).unwrap();
    // The two `language` patterns have a lone `]`: a literal under ECMAScript's Annex B, but the
    // validator's strict check of the schema refuses it. Escape it (iampol never writes
    // `language`).
    let lone = r#"{2}]?$""#;
    assert_eq!(text.matches(lone).count(), 2);
    let text = text.replace(lone, r#"{2}\\]?$""#);
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid(log: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Fixtures with several findings: a parse error, an unknown action, duplicate keys and Sids
/// (with related locations), and the example policy's eight mistakes.
const FIXTURES: &[&str] = &[
    "corpus/lint/C001/fires-trailing-comma.identity.json",
    "corpus/lint/C002/fires-duplicate-key.identity.json",
    "corpus/lint/C102/fires-get-objekt.identity.json",
    "corpus/lint/C111/fires-doc-example.identity.json",
    "policy-cli/examples/example-policy.json",
];

#[test]
fn sarif_output_validates_and_matches_the_json_output() {
    let mut args = vec![
        "lint",
        "--kind",
        "identity",
        "--format",
        "sarif",
        "--sarif-all-rules",
    ];
    args.extend_from_slice(FIXTURES);
    let out = iampol(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&log);

    let mut args = vec!["lint", "--kind", "identity", "--format", "json"];
    args.extend_from_slice(FIXTURES);
    let json: Value = serde_json::from_slice(&iampol(&args).stdout).unwrap();
    let findings = json.as_array().unwrap();

    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "iampol");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let listed = iampol(&["rules", "--format", "json"]);
    let registry: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(
        rules.len(),
        registry.as_array().unwrap().len(),
        "every rule is listed"
    );
    for rule in rules {
        let tags = rule["properties"]["tags"].as_array().unwrap();
        assert!(!tags.is_empty());
        let security = tags.iter().any(|t| t == "security");
        assert_eq!(
            security,
            rule["properties"].get("security-severity").is_some(),
            "{rule}"
        );
        assert!(rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## What it does"));
    }

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    assert!(results.len() >= 12, "{}", results.len());
    let mut related = 0;
    for (result, finding) in results.iter().zip(findings) {
        assert_eq!(result["ruleId"], finding["code"]);
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], finding["code"]);
        assert_eq!(result["level"], finding["severity"]);
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert_eq!(uri, finding["path"].as_str().unwrap().replace('\\', "/"));
        assert!(!uri.starts_with('/') && !uri.contains('\\'));
        assert_eq!(location["region"]["startLine"], finding["line"]);
        assert_eq!(location["region"]["startColumn"], finding["column"]);
        assert_eq!(location["region"]["endLine"], finding["endLine"]);
        // SARIF's end column is exclusive, the JSON output's inclusive.
        assert!(
            location["region"]["endColumn"].as_u64() >= finding["endColumn"].as_u64(),
            "{result}"
        );
        assert_eq!(result.get("fixes").is_some(), !finding["fix"].is_null());
        related += result["relatedLocations"].as_array().map_or(0, Vec::len);
    }
    assert!(
        related >= 2,
        "duplicate key and Sid point at their first occurrence"
    );

    // Stable: the same input gives the same log.
    let mut args = vec![
        "lint",
        "--kind",
        "identity",
        "--format",
        "sarif",
        "--sarif-all-rules",
    ];
    args.extend_from_slice(FIXTURES);
    assert_eq!(iampol(&args).stdout, out.stdout);
}

/// Without `--sarif-all-rules`, `tool.driver.rules` lists the rules with results, in the
/// registry's order, and every `ruleIndex` points at its rule there.
#[test]
fn by_default_only_the_rules_with_results_are_listed() {
    let mut args = vec!["lint", "--kind", "identity", "--output-format", "sarif"];
    args.extend_from_slice(FIXTURES);
    let out = iampol(&args);
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&log);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let with_results: std::collections::BTreeSet<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    let listed: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        listed
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        with_results
    );
    assert_eq!(listed.len(), with_results.len(), "each rule once");
    // In the order of `iampol rules`.
    let registry: Value =
        serde_json::from_slice(&iampol(&["rules", "--format", "json"]).stdout).unwrap();
    let order: Vec<&str> = registry
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .filter(|code| with_results.contains(code))
        .collect();
    assert_eq!(listed, order);
    for result in results {
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"], "{result}");
    }
    // The same results as with every rule listed, but for their indexes.
    let mut args = vec![
        "lint",
        "--kind",
        "identity",
        "--output-format",
        "sarif",
        "--sarif-all-rules",
    ];
    args.extend_from_slice(FIXTURES);
    let all: Value = serde_json::from_slice(&iampol(&args).stdout).unwrap();
    let strip = |results: &Value| -> Vec<Value> {
        results
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.as_object_mut().unwrap().remove("ruleIndex");
                r
            })
            .collect()
    };
    assert_eq!(strip(&run["results"]), strip(&all["runs"][0]["results"]));
}

#[test]
fn clean_input_gives_a_valid_log_without_results() {
    let out = iampol(&[
        "lint",
        "--format",
        "sarif",
        "--select",
        "C102",
        "corpus/lint/C102/passes-doc-example.identity.json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "machine formats print no summary");
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&log);
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"],
        Value::Array(Vec::new()),
        "no results, no rules"
    );
}

/// A fix and related locations from the security rules (`S002 service-wildcard-action` offers
/// an unsafe fix).
#[test]
fn a_finding_with_a_fix_carries_sarif_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s3.json");
    std::fs::write(
        &path,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"}]}"#,
    )
    .unwrap();
    let out = iampol(&["lint", "--format", "sarif", path.to_str().unwrap()]);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let s002 = results.iter().find(|r| r["ruleId"] == "S002").unwrap();
    let replacements = &s002["fixes"][0]["artifactChanges"][0]["replacements"];
    assert!(!replacements.as_array().unwrap().is_empty());
}
