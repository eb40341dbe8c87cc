//! Rule fixtures: `corpus/lint/<CODE>/fires-*.json` must make rule CODE report at least one
//! finding, `passes-*.json` none of CODE. A `.<kind>` before `.json` sets the policy kind
//! (`fires-public.resource.json`); otherwise it is inferred. Every rule must have both kinds of
//! fixture. The findings of each fixture are rendered (position, source line with a caret
//! underline, message, help, fix) into an insta snapshot in `tests/snapshots/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use policy_core::{PolicyKind, SourceFile};
use policy_lint::{lint_source, registry, Finding, Settings};

struct Fixture {
    code: String,
    name: String,
    fires: bool,
    kind: Option<PolicyKind>,
    text: String,
}

fn fixtures() -> Vec<Fixture> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/lint");
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let code = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".json") else {
                continue;
            };
            let fires = if stem.starts_with("fires") {
                true
            } else if stem.starts_with("passes") {
                false
            } else {
                panic!(
                    "{}: fixture names start with `fires` or `passes`",
                    file.display()
                );
            };
            let kind = stem.rsplit_once('.').map(|(_, k)| {
                k.parse::<PolicyKind>()
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            });
            out.push(Fixture {
                code: code.clone(),
                name: name.clone(),
                fires,
                kind,
                text: std::fs::read_to_string(&file).unwrap(),
            });
        }
    }
    out
}

/// The findings of one rule, rendered the way a person reads them.
fn render(text: &str, findings: &[&Finding]) -> String {
    let file = SourceFile::new("fixture.json", text);
    let mut out = String::new();
    for f in findings {
        let (start, end) = file.span_positions(f.span);
        writeln!(
            out,
            "{}:{}: {} {} [{}] {}",
            start.line,
            start.column,
            f.rule.code,
            f.rule.name,
            f.severity.as_str(),
            f.message
        )
        .unwrap();
        if let Some(line) = text.lines().nth(start.line as usize - 1) {
            writeln!(out, "  | {line}").unwrap();
            let width = if end.line == start.line {
                (end.column - start.column + 1) as usize
            } else {
                1
            };
            writeln!(
                out,
                "  | {}{}",
                " ".repeat(start.column as usize - 1),
                "^".repeat(width.max(1))
            )
            .unwrap();
        }
        if let Some(help) = &f.help {
            writeln!(out, "  help: {help}").unwrap();
        }
        if let Some(fix) = &f.fix {
            writeln!(
                out,
                "  fix ({}): {}",
                fix.applicability.as_str(),
                fix.message
            )
            .unwrap();
            for e in &fix.edits {
                let (a, _) = file.span_positions(e.span);
                writeln!(out, "    at {}:{} write {:?}", a.line, a.column, e.content).unwrap();
            }
        }
    }
    out
}

#[test]
fn every_rule_has_fixtures_that_fire_and_pass_with_snapshots() {
    let fixtures = fixtures();
    let settings = Settings {
        select: vec!["ALL".into()],
        ..Settings::default()
    };
    let mut problems = Vec::new();
    for meta in registry::all() {
        let mine: Vec<&Fixture> = fixtures.iter().filter(|f| f.code == meta.code).collect();
        if !mine.iter().any(|f| f.fires) || !mine.iter().any(|f| !f.fires) {
            problems.push(format!(
                "{} {}: needs a fires-* and a passes-* fixture in corpus/lint/{}",
                meta.code, meta.name, meta.code
            ));
        }
    }
    for f in &fixtures {
        let Some(meta) = registry::find(&f.code) else {
            problems.push(format!("corpus/lint/{}: no rule has this code", f.code));
            continue;
        };
        let findings = lint_source(&f.text, f.kind, &settings);
        let mine: Vec<&Finding> = findings
            .iter()
            .filter(|x| x.rule.code == meta.code)
            .collect();
        if f.fires && mine.is_empty() {
            problems.push(format!(
                "{}/{}: {} does not fire",
                f.code, f.name, meta.name
            ));
        }
        if !f.fires && !mine.is_empty() {
            problems.push(format!(
                "{}/{}: {} fires: {}",
                f.code, f.name, meta.name, mine[0].message
            ));
        }
        let snapshot = format!(
            "{}__{}",
            f.code,
            f.name.trim_end_matches(".json").replace('.', "_")
        );
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(snapshot, render(&f.text, &mine));
        });
    }
    assert!(
        problems.is_empty(),
        "{} fixture problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
