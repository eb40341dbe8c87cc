//! The promises on fixes, decided over every request with `no_new_access` (issue 12) instead
//! of sampled requests: on every rule fixture of `corpus/lint` and on every 32nd AWS managed policy of `corpus/policies/aws-managed` (the decision procedure
//! over the whole corpus, both ways for every safe fix and once per statement for
//! `ineffective-statement`, takes too long for a debug test run), linted with every rule,
//! - each fix labelled *safe*, applied alone, changes no decision: `no_new_access` answers
//!   PASS both ways (UNKNOWN, for policy variables or `Principal`, is counted, not failed);
//! - each fix still *unsafe* after the gate, applied alone, allows nothing new: never FAIL
//!   (the gate demotes the others to display-only; UNKNOWN here, counted, is a policy with a
//!   variable in a statement the fix does not touch: the gate asked the touched statements
//!   alone).

use std::path::{Path, PathBuf};

use policy_core::analysis::compare::{no_new_access, Verdict};
use policy_core::{parse_policy, PolicyKind};
use policy_lint::fix::apply_edits;
use policy_lint::{lint_source, Applicability, Finding, Settings};

/// Every `.json` file under the corpus folders, with the kind its name gives (`.<kind>.json`).
fn files() -> Vec<(PathBuf, Option<PolicyKind>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    let mut dirs = vec![root.join("policies/aws-managed")];
    for entry in std::fs::read_dir(root.join("lint")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            dirs.push(path);
        }
    }
    let mut out = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".json") else {
                continue;
            };
            let kind = stem
                .rsplit_once('.')
                .and_then(|(_, k)| k.parse::<PolicyKind>().ok());
            out.push((path, kind));
        }
    }
    out.sort();
    out
}

#[derive(Debug, Default)]
struct Tally {
    pass: usize,
    unknown: usize,
    failures: Vec<String>,
}

impl Tally {
    fn add(&mut self, verdict: &Verdict, what: impl FnOnce() -> String) {
        match verdict {
            Verdict::Pass => self.pass += 1,
            Verdict::Unknown(_) => self.unknown += 1,
            Verdict::Fail(example) => self.failures.push(format!("{}: {example:?}", what())),
        }
    }
}

#[test]
fn safe_fixes_change_no_decision_and_unsafe_ones_allow_nothing_new() {
    let every = Settings {
        select: vec!["ALL".into()],
        organization_id: Some("o-a1b2c3d4e5".into()),
        ..Settings::default()
    };
    let (mut safe, mut unsafe_) = (Tally::default(), Tally::default());
    let mut managed = 0usize;
    for (path, kind) in files() {
        if path.parent().is_some_and(|p| p.ends_with("aws-managed")) {
            managed += 1;
            if managed % 32 != 1 {
                continue;
            }
        }
        let settings = &every;
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse_policy(&text, kind);
        let (Some(before), true) = (parsed.policy, parsed.errors.is_empty()) else {
            // A fix that makes an invalid policy valid changes what AWS would store at all.
            continue;
        };
        let findings = lint_source(&text, kind, settings);
        for f in findings.iter().filter(|f| f.fix.is_some()) {
            let Some(fix) = &f.fix else { continue };
            if fix.applicability == Applicability::DisplayOnly || fix.edits.is_empty() {
                continue;
            }
            let fixed = apply_edits(&text, std::slice::from_ref::<Finding>(f), fix.applicability);
            let Some(after) = parse_policy(&fixed.text, Some(before.kind)).policy else {
                continue;
            };
            let what = || format!("{} {} ({})", path.display(), f.rule.code, fix.message);
            if fix.applicability == Applicability::Safe {
                let forward = no_new_access(&before, &after);
                safe.add(&forward, what);
                let backward = no_new_access(&after, &before);
                safe.add(&backward, what);
            } else {
                unsafe_.add(&no_new_access(&before, &after), what);
            }
        }
    }
    eprintln!(
        "safe fixes: {} PASS, {} UNKNOWN (of both directions); unsafe fixes: {} PASS, {} UNKNOWN",
        safe.pass, safe.unknown, unsafe_.pass, unsafe_.unknown
    );
    assert!(safe.pass > 0 && unsafe_.pass > 0, "{safe:?} {unsafe_:?}");
    assert!(
        safe.failures.is_empty() && unsafe_.failures.is_empty(),
        "safe: {:#?}\nunsafe: {:#?}",
        safe.failures,
        unsafe_.failures
    );
}
