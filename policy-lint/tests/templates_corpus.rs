//! The template corpus (`corpus/templates`, see its `PROVENANCE.md`): every file is read
//! without a crash, and the policies found per source and the findings per code are pinned in
//! a snapshot (`cargo insta review` after a deliberate change). The summary is printed too.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use policy_lint::file::FileFormat;
use policy_lint::{lint_file, Settings};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/templates")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml" | "template" | "tf")
        ) {
            out.push(p);
        }
    }
}

#[derive(Default)]
struct Tally {
    files: usize,
    with_policies: usize,
    policies: usize,
    skipped: usize,
    unreadable: usize,
}

#[test]
fn corpus_policies_and_findings_are_pinned() {
    let mut all = Vec::new();
    files(&root(), &mut all);
    assert!(all.len() > 400, "corpus/templates is missing");
    let settings = Settings::default();
    let mut per_code: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_source: BTreeMap<String, Tally> = BTreeMap::new();
    let mut per_format: BTreeMap<String, Tally> = BTreeMap::new();
    let mut kinds: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut unreadable = Vec::new();
    for path in &all {
        let rel = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).unwrap();
        let report = lint_file(&rel, &text, None, &settings);
        for f in &report.findings {
            assert!(
                text.get(f.span.range()).is_some(),
                "{rel}: span {:?} is not in the file",
                f.span
            );
        }
        // A template that could not be read has a finding and no policy.
        let broken = report.policies == 0
            && report.findings.iter().any(|f| {
                f.message.starts_with("invalid YAML") || f.message.starts_with("invalid HCL")
            });
        if broken {
            unreadable.push(rel.clone());
        }
        let format = match report.format {
            FileFormat::Policy => "policy",
            FileFormat::CloudFormation => "cloudformation",
            FileFormat::Terraform => "terraform",
            FileFormat::TerraformPlan => "terraform-plan",
            FileFormat::AwsCli => "aws-cli",
            FileFormat::PolicyArray => "policy-array",
            FileFormat::Other => "not a template",
        };
        for tally in [
            per_source
                .entry(rel.split('/').next().unwrap().to_string())
                .or_default(),
            per_format.entry(format.to_string()).or_default(),
        ] {
            tally.files += 1;
            tally.with_policies += usize::from(report.policies > 0);
            tally.policies += report.policies;
            tally.skipped += report.skipped.len();
            tally.unreadable += usize::from(broken);
        }
        for p in &report.located {
            *kinds.entry(p.kind.as_str()).or_default() += 1;
        }
        for f in &report.findings {
            *per_code
                .entry(format!("{} {}", f.rule.code, f.rule.name))
                .or_default() += 1;
        }
    }
    let mut summary = String::new();
    let table = |title: &str, rows: &BTreeMap<String, Tally>, out: &mut String| {
        writeln!(
            out,
            "{title}: files, with policies, policies, skipped places, unreadable"
        )
        .unwrap();
        for (name, t) in rows {
            writeln!(
                out,
                "  {name}: {}, {}, {}, {}, {}",
                t.files, t.with_policies, t.policies, t.skipped, t.unreadable
            )
            .unwrap();
        }
    };
    table("per source", &per_source, &mut summary);
    table("per format", &per_format, &mut summary);
    writeln!(summary, "policies per kind:").unwrap();
    for (kind, n) in &kinds {
        writeln!(summary, "  {kind}: {n}").unwrap();
    }
    writeln!(summary, "unreadable templates:").unwrap();
    for rel in &unreadable {
        writeln!(summary, "  {rel}").unwrap();
    }
    writeln!(summary, "findings per code:").unwrap();
    for (code, n) in &per_code {
        writeln!(summary, "  {code}: {n}").unwrap();
    }
    println!("{summary}");
    insta::assert_snapshot!(summary);
}
