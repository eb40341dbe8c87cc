//! Fixes in YAML and Terraform files: applied where the policy is JSON held verbatim (a
//! Terraform heredoc, a one-line single-quoted YAML string), shown only where it is written
//! as YAML or HCL. The fixed file is linted again: it still reads, holds as many policies,
//! and the fixed findings are gone.
//!
//! The two fixes used are safe and come from the IAM User Guide: "IAM JSON policy elements:
//! Version" (`2008-10-17` is the old version; `2012-10-17` is the current one) and a
//! duplicated action in `Action` (a list of values is a set: "IAM JSON policy elements:
//! Action").

use policy_lint::fix::apply_edits;
use policy_lint::{lint_file, Applicability, FileReport, Settings};

/// A policy with an old version and a duplicated action, written as JSON.
const POLICY: &str = r#"{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObject"], "Resource": "arn:aws:s3:::reports/*"}]}"#;

fn fixable(report: &FileReport) -> usize {
    report
        .findings
        .iter()
        .filter(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.applicability >= Applicability::Safe && !x.edits.is_empty())
        })
        .count()
}

/// Fixes the file until stable, as `iampol lint --fix` does; returns the text and the
/// report of the last lint.
fn fix(name: &str, text: &str) -> (String, FileReport) {
    let settings = Settings::default();
    let mut current = text.to_string();
    for _ in 0..10 {
        let report = lint_file(name, &current, None, &settings);
        let round = apply_edits(&current, &report.findings, Applicability::Safe);
        if round.applied == 0 || round.text == current {
            return (current, report);
        }
        current = round.text;
    }
    let report = lint_file(name, &current, None, &settings);
    (current, report)
}

fn codes(report: &FileReport) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.rule.code).collect()
}

#[test]
fn terraform_heredoc_is_fixed_and_hcl_objects_are_not() {
    let text = format!(
        "resource \"aws_iam_policy\" \"p\" {{\n  policy = <<EOF\n{POLICY}\nEOF\n}}\n\n\
         resource \"aws_iam_policy\" \"q\" {{\n  policy = jsonencode({{\n    Version = \"2008-10-17\"\n    \
         Statement = [{{ Effect = \"Allow\", Action = [\"s3:GetObject\", \"s3:GetObject\"], Resource = \"arn:aws:s3:::reports/*\" }}]\n  }})\n}}\n"
    );
    let before = lint_file("main.tf", &text, None, &Settings::default());
    assert_eq!(before.policies, 2);
    assert_eq!(fixable(&before), 2, "{:?}", codes(&before));
    let (fixed, after) = fix("main.tf", &text);
    assert!(fixed.contains(r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource""#), "{fixed}");
    // The HCL object is left as written; its findings remain, with fixes shown only.
    assert!(fixed.contains("Version = \"2008-10-17\""), "{fixed}");
    assert_eq!(after.policies, 2);
    assert_eq!(fixable(&after), 0);
    assert!(!codes(&after).contains(&"C001"));
    let shown: Vec<_> = after
        .findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .collect();
    assert_eq!(shown.len(), 2);
    assert!(shown
        .iter()
        .all(|x| x.applicability == Applicability::DisplayOnly && x.edits.is_empty()));
}

#[test]
fn yaml_single_quoted_policy_is_fixed_and_mappings_are_not() {
    let text = format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument: '{POLICY}'\n  \
         Q:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: \"2008-10-17\"\n        Statement:\n          - Effect: Allow\n            \
         Action: [s3:GetObject, s3:GetObject]\n            Resource: arn:aws:s3:::reports/*\n"
    );
    let before = lint_file("t.yaml", &text, None, &Settings::default());
    assert_eq!(before.policies, 2);
    assert_eq!(fixable(&before), 2, "{:?}", codes(&before));
    let (fixed, after) = fix("t.yaml", &text);
    assert!(fixed.contains(r#"PolicyDocument: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource""#), "{fixed}");
    assert!(
        fixed.contains("Action: [s3:GetObject, s3:GetObject]"),
        "{fixed}"
    );
    assert_eq!(after.policies, 2);
    assert_eq!(fixable(&after), 0);
    assert!(!codes(&after).contains(&"C001"));
}

/// A fix whose text the string cannot hold verbatim is shown only: a double-quoted YAML
/// string escapes the JSON's quotes, and a heredoc reads `${` as an interpolation.
#[test]
fn strings_that_escape_json_get_no_edits() {
    let escaped = POLICY.replace('"', "\\\"");
    let text = format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument: \"{escaped}\"\n"
    );
    let report = lint_file("t.yaml", &text, None, &Settings::default());
    assert_eq!(report.policies, 1);
    assert!(report.findings.iter().any(|f| f.fix.is_some()));
    assert_eq!(fixable(&report), 0);
}
