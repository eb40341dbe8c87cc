//! Meta-tests over the rule registry, in the spirit of clippy's `lint_message_convention`:
//! every rule is documented with the required headings, its "Example" fires it and its
//! "Use instead" does not, codes and names are unique and well-formed.

use std::collections::BTreeSet;

use policy_core::PolicyKind;
use policy_lint::{lint_source, registry, Settings};

/// A fenced `json` block of a rule's documentation.
struct Example {
    expect_finding: bool,
    kind: Option<PolicyKind>,
    text: String,
}

fn examples(doc: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut lines = doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l));
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```json") else {
            continue;
        };
        let tags: Vec<&str> = info
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        let kind = tags
            .iter()
            .find_map(|t| t.strip_prefix("kind="))
            .map(|k| k.parse().unwrap());
        let text: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        out.push(Example {
            expect_finding: tags.contains(&"expect_finding"),
            kind,
            text: text.join("\n"),
        });
    }
    out
}

#[test]
fn every_rule_has_the_required_documentation() {
    for meta in registry::all() {
        let doc = meta.documentation();
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(
                doc.contains(heading),
                "{} {} lacks `{heading}`",
                meta.code,
                meta.name
            );
        }
        assert!(!meta.summary().is_empty(), "{} has no summary", meta.code);
        let ex = examples(&doc);
        assert!(
            ex.iter().any(|e| e.expect_finding),
            "{}: no example that fires",
            meta.code
        );
        assert!(
            ex.iter().any(|e| !e.expect_finding),
            "{}: no example that passes",
            meta.code
        );
    }
}

#[test]
fn doc_examples_fire_and_fixes_pass() {
    let settings = Settings {
        select: vec!["ALL".into()],
        ..Settings::default()
    };
    for meta in registry::all() {
        for ex in examples(meta.doc) {
            let findings = lint_source(&ex.text, ex.kind, &settings);
            let fired = findings.iter().filter(|f| f.rule.code == meta.code).count();
            if ex.expect_finding {
                assert!(
                    fired > 0,
                    "{} {}: example does not fire:\n{}",
                    meta.code,
                    meta.name,
                    ex.text
                );
            } else {
                assert!(
                    findings.is_empty(),
                    "{} {}: `Use instead` example has findings {:?}:\n{}",
                    meta.code,
                    meta.name,
                    findings
                        .iter()
                        .map(|f| (f.rule.code, &f.message))
                        .collect::<Vec<_>>(),
                    ex.text
                );
            }
        }
    }
}

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut codes = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut previous = "";
    for meta in registry::all() {
        assert!(codes.insert(meta.code), "duplicate code {}", meta.code);
        assert!(names.insert(meta.name), "duplicate name {}", meta.name);
        // Categories come in their own order (C, S, W, N); codes ascend within each.
        if meta.code.get(..1) == previous.get(..1) {
            assert!(
                meta.code > previous,
                "registry not in code order at {}",
                meta.code
            );
        }
        previous = meta.code;
        let (letter, digits) = meta.code.split_at(1);
        assert!(["C", "S", "W", "N"].contains(&letter), "{}", meta.code);
        assert!(
            digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            meta.code
        );
        assert!(
            meta.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{} is not kebab-case",
            meta.name
        );
    }
}

#[test]
fn messages_follow_the_conventions() {
    // Lower-case start, no final period, one line (STYLE.md, "Errors and diagnostics").
    let settings = Settings {
        select: vec!["ALL".into()],
        ..Settings::default()
    };
    for meta in registry::all() {
        for ex in examples(meta.doc).into_iter().filter(|e| e.expect_finding) {
            for f in lint_source(&ex.text, ex.kind, &settings) {
                let first = f.message.chars().next().unwrap();
                assert!(
                    !first.is_uppercase() || f.message.starts_with("Sid"),
                    "{}: {}",
                    f.rule.code,
                    f.message
                );
                assert!(!f.message.ends_with('.'), "{}: {}", f.rule.code, f.message);
                assert!(!f.message.contains('\n'), "{}: {}", f.rule.code, f.message);
            }
        }
    }
}
