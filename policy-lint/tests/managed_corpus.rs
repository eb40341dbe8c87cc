//! Every AWS managed policy in `corpus/policies/aws-managed` reads as an identity policy with
//! no parse error and no JSON syntax finding, and every `unknown-service` or `unknown-action`
//! finding on them is true: checked against a deliberately naive reading of the IAM reference
//! data (the gzip in `policy-core/data`, decoded with `serde_json`, patterns matched with a
//! simple recursive glob), independent of the compiled tables the linter uses.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

use policy_core::{parse_policy, PolicyKind};
use policy_lint::{lint_source, Settings};

/// How many managed policies the corpus holds (see its `PROVENANCE.md`).
const EXPECTED_FILES: usize = 1_594;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/policies/aws-managed")
}

/// The corpus files, sorted, with their text.
fn corpus() -> Vec<(String, String)> {
    let dir = corpus_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            (name, text)
        })
        .collect()
}

/// Fails with every problem listed, one per line.
fn assert_none(what: &str, problems: &[String]) {
    if problems.is_empty() {
        return;
    }
    let mut report = format!("{} {what}:\n", problems.len());
    for p in problems {
        writeln!(report, "  {p}").unwrap();
    }
    panic!("{report}");
}

/// Lower-cased service prefix → lower-cased action names, straight from the data file.
fn naive_reference() -> BTreeMap<String, BTreeSet<String>> {
    let gz = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../policy-core/data/iam-service-reference.json.gz"),
    )
    .unwrap();
    let mut json = String::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_string(&mut json)
        .unwrap();
    let root: serde_json::Value = serde_json::from_str(&json).unwrap();
    root["services"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(prefix, service)| {
            let actions = service["actions"]
                .as_object()
                .unwrap()
                .keys()
                .map(|a| a.to_lowercase())
                .collect();
            (prefix.to_lowercase(), actions)
        })
        .collect()
}

/// The obvious recursive glob: `*` any run, `?` one character.
fn naive_glob(p: &[char], t: &[char]) -> bool {
    match (p.first(), t.first()) {
        (None, None) => true,
        (Some('*'), _) => naive_glob(&p[1..], t) || (!t.is_empty() && naive_glob(p, &t[1..])),
        (Some('?'), Some(_)) => naive_glob(&p[1..], &t[1..]),
        (Some(a), Some(b)) if a == b => naive_glob(&p[1..], &t[1..]),
        _ => false,
    }
}

fn naive_matches_any(reference: &BTreeMap<String, BTreeSet<String>>, action: &str) -> bool {
    let lower = action.to_lowercase();
    let Some((service, name)) = lower.split_once(':') else {
        return false;
    };
    let sp: Vec<char> = service.chars().collect();
    let np: Vec<char> = name.chars().collect();
    reference.iter().any(|(prefix, actions)| {
        naive_glob(&sp, &prefix.chars().collect::<Vec<_>>())
            && actions
                .iter()
                .any(|a| naive_glob(&np, &a.chars().collect::<Vec<_>>()))
    })
}

#[test]
fn every_managed_policy_parses_and_unknown_actions_are_really_unknown() {
    let files = corpus();
    assert_eq!(
        files.len(),
        EXPECTED_FILES,
        "number of .json files in {}",
        corpus_dir().display()
    );
    let reference = naive_reference();
    let mut parse_problems = Vec::new();
    let mut false_unknowns = Vec::new();
    let mut true_unknowns = 0;
    for (name, text) in &files {
        let parsed = parse_policy(text, Some(PolicyKind::Identity));
        parse_problems.extend(
            parsed
                .errors
                .iter()
                .map(|e| format!("{name}: {} ({})", e.kind, e.kind.name())),
        );
        for f in lint_source(text, Some(PolicyKind::Identity), &Settings::default()) {
            match f.rule.name {
                "json-syntax" => parse_problems.push(format!("{name}: {}", f.message)),
                "unknown-action" | "unknown-service" => {
                    // The finding's span is the quoted action string.
                    let action =
                        text[f.span.start as usize + 1..f.span.end as usize - 1].to_string();
                    if naive_matches_any(&reference, &action) {
                        false_unknowns.push(format!(
                            "{name}: `{action}` is in the reference data ({})",
                            f.message
                        ));
                    } else {
                        true_unknowns += 1;
                    }
                }
                _ => {}
            }
        }
    }
    assert_none("parse errors in AWS managed policies", &parse_problems);
    assert_none(
        "false unknown-action/unknown-service findings",
        &false_unknowns,
    );
    // Retired or unlisted services (mobilehub, deeplens, zocalo, ...) are real findings; the
    // count is pinned so that a change in either direction is looked at.
    assert_eq!(
        true_unknowns, 148,
        "unknown actions in AWS managed policies (reference data of 2026-09-26)"
    );
}
