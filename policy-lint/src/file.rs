//! Linting a file: a policy, or the policies embedded in a template.
//!
//! The kind of file is told by its extension and content: `.tf` is Terraform; `.json` (or an
//! unknown extension) with `AWSTemplateFormatVersion` or `Resources` is a CloudFormation
//! template, with `planned_values` (or `format_version` and `terraform_version`) a Terraform
//! plan, and otherwise a policy; `.yaml`, `.yml` and `.template` are CloudFormation templates.
//! A YAML or Terraform file that declares no policy yields no finding: a `docker-compose.yaml`
//! in the tree is not a template.
//!
//! Each embedded policy is lowered with the kind its place implies and checked by every rule;
//! findings point into the file. Values only known at deploy time (`!Sub`, `!Ref`,
//! `${var.x}`) are checked conservatively: a correctness finding inside one is dropped, since
//! its text is not what AWS will see.

#![expect(
    clippy::doc_markdown,
    reason = "CloudFormation is a product name, not code"
)]

use policy_core::parse::{lower_policy, ParseError, ParseErrorKind};
use policy_core::syntax::{json, yaml};
use policy_core::template::{self, EmbeddedPolicy, SkippedPolicy, Template};
use policy_core::{PolicyKind, Span};

use crate::finding::Finding;
use crate::rule::{Category, RuleMeta};
use crate::settings::Settings;

/// What kind of file was linted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// A policy document.
    #[default]
    Policy,
    /// A CloudFormation or SAM template.
    CloudFormation,
    /// Terraform configuration.
    Terraform,
    /// A Terraform plan in JSON.
    TerraformPlan,
    /// A YAML or JSON file that is neither a template nor a policy (nothing to check).
    Other,
}

/// A policy found in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLocation {
    /// Where it is (`Resources.Role.Properties.AssumeRolePolicyDocument`).
    pub label: String,
    /// The kind it was checked as.
    pub kind: PolicyKind,
    /// Its span in the file.
    pub span: Span,
}

/// What linting one file found.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// Findings, with spans into the file's text, sorted.
    pub findings: Vec<Finding>,
    /// How many policies the file holds (1 for a policy file).
    pub policies: usize,
    /// What kind of file it is.
    pub format: FileFormat,
    /// The policies of a template, in document order (empty for a policy file).
    pub located: Vec<PolicyLocation>,
    /// Places of a template that hold a policy iampol cannot check (SAM policy templates,
    /// managed policy names, references).
    pub skipped: Vec<SkippedPolicy>,
}

/// Lints one file's text. `path` tells the kind of file; `kind` forces the policy kind of a
/// policy file (templates imply the kind of each policy).
pub fn lint_file(
    path: &str,
    text: &str,
    kind: Option<PolicyKind>,
    settings: &Settings,
) -> FileReport {
    let extension = std::path::Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "tf" => lint_template(&template::read_terraform(text), Vec::new(), false, settings),
        "yaml" | "yml" => lint_yaml(text, settings),
        "template" if !looks_like_json(text) => lint_yaml(text, settings),
        "json" | "template" => lint_json(text, kind, settings),
        _ if looks_like_json(text) => lint_json(text, kind, settings),
        _ => {
            // Standard input or an unknown extension that is not JSON: a YAML template, if it
            // is one; otherwise a policy, as always.
            let parsed = yaml::parse(text);
            match parsed.value {
                Some(v) if template::is_cloudformation(&v) => lint_template(
                    &template::read_cloudformation(&v, text),
                    Vec::new(),
                    false,
                    settings,
                ),
                _ => lint_json(text, kind, settings),
            }
        }
    }
}

fn looks_like_json(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(['{', '['])
}

fn lint_json(text: &str, kind: Option<PolicyKind>, settings: &Settings) -> FileReport {
    let parsed = json::parse(text);
    if let Some(value) = &parsed.value {
        let template = if template::is_cloudformation(value) {
            Some(template::read_cloudformation(value, text))
        } else if template::is_terraform_plan(value) {
            Some(template::read_terraform_plan(value, text))
        } else {
            None
        };
        if let Some(template) = template {
            // The template's own JSON slips (a trailing comma, say) are findings too.
            let syntax = parsed
                .errors
                .into_iter()
                .filter_map(|e| {
                    crate::parse_error_finding(
                        &ParseError {
                            kind: ParseErrorKind::Syntax(e.kind),
                            span: e.span,
                            related: None,
                        },
                        settings,
                    )
                })
                .collect();
            return lint_template(&template, syntax, true, settings);
        }
        // Valid JSON that is no policy (a `package.json` met while walking a tree) is not
        // linted as one, unless `--kind` says it is a policy.
        let policy_shaped = ["Statement", "Version", "Id"]
            .iter()
            .any(|k| value.get(k).is_some());
        if kind.is_none() && parsed.errors.is_empty() && !policy_shaped {
            return FileReport {
                format: FileFormat::Other,
                policies: 0,
                ..FileReport::default()
            };
        }
    }
    FileReport {
        findings: crate::lint_parsed(
            &policy_core::parse::parse_policy_json(parsed, kind),
            settings,
        ),
        policies: 1,
        ..FileReport::default()
    }
}

fn lint_yaml(text: &str, settings: &Settings) -> FileReport {
    let parsed = yaml::parse(text);
    if let Some(error) = parsed.errors.first() {
        // A YAML file that cannot be read is reported only if it looks like a template.
        if looks_like_template(text) {
            return FileReport {
                findings: syntax_finding(error.to_string(), error.span, settings)
                    .into_iter()
                    .collect(),
                format: FileFormat::CloudFormation,
                ..FileReport::default()
            };
        }
        return FileReport {
            format: FileFormat::Other,
            policies: 0,
            ..FileReport::default()
        };
    }
    match parsed.value {
        Some(v) if template::is_cloudformation(&v) => lint_template(
            &template::read_cloudformation(&v, text),
            Vec::new(),
            false,
            settings,
        ),
        _ => FileReport {
            format: FileFormat::Other,
            ..FileReport::default()
        },
    }
}

fn looks_like_template(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || text.contains("Type: AWS::")
        || text.contains("Type: 'AWS::")
        || text.contains("Type: \"AWS::")
}

/// A finding for a template that cannot be read, reported as `json-syntax` (the rule for text
/// that is not well-formed), with a message naming the language.
fn syntax_finding(message: String, span: Span, settings: &Settings) -> Option<Finding> {
    let meta = crate::registry::by_name("json-syntax")?;
    if !settings.is_enabled(meta) {
        return None;
    }
    let mut f = Finding::new(meta, span, message);
    f.severity = settings.severity_of(meta);
    Some(f)
}

fn lint_template(
    template: &Template,
    mut findings: Vec<Finding>,
    json_file: bool,
    settings: &Settings,
) -> FileReport {
    let format = match template.format {
        template::TemplateFormat::CloudFormation => FileFormat::CloudFormation,
        template::TemplateFormat::Terraform => FileFormat::Terraform,
        template::TemplateFormat::TerraformPlan => FileFormat::TerraformPlan,
    };
    for e in &template.errors {
        findings.extend(syntax_finding(e.message.clone(), e.span, settings));
    }
    let mut located = Vec::with_capacity(template.policies.len());
    for policy in &template.policies {
        let (kind, mut policy_findings) = lint_embedded(policy, settings);
        // Fixes are JSON edits: they fit a policy written as JSON objects in a JSON file only.
        // A policy in YAML, HCL or an escaped string gets its findings without them.
        if !json_file || policy.from_text {
            for f in &mut policy_findings {
                f.fix = None;
            }
        }
        located.push(PolicyLocation {
            label: policy.label.clone(),
            kind,
            span: policy.span,
        });
        findings.extend(policy_findings);
    }
    crate::sort_findings(&mut findings);
    FileReport {
        findings,
        policies: template.policies.len(),
        format,
        located,
        skipped: template.skipped.clone(),
    }
}

/// Lints one embedded policy; returns the kind it was checked as and its findings.
fn lint_embedded(policy: &EmbeddedPolicy, settings: &Settings) -> (PolicyKind, Vec<Finding>) {
    let mut findings: Vec<Finding> = policy
        .syntax_errors
        .iter()
        .filter_map(|e| {
            crate::parse_error_finding(
                &ParseError {
                    kind: ParseErrorKind::Syntax(e.kind.clone()),
                    span: e.span,
                    related: None,
                },
                settings,
            )
        })
        .collect();
    let mut kind = policy.kind.unwrap_or(PolicyKind::Identity);
    if let Some(value) = &policy.value {
        let parsed = lower_policy(value, policy.kind);
        findings.extend(
            parsed
                .errors
                .iter()
                .filter_map(|e| crate::parse_error_finding(e, settings)),
        );
        if let Some(p) = &parsed.policy {
            kind = p.kind;
            findings.extend(crate::lint_policy(p, settings));
        }
        let unresolved = template::unresolved_spans(value);
        if !unresolved.is_empty() {
            findings.retain(|f| {
                f.rule.category != Category::Correctness || !inside_any(f.span, &unresolved)
            });
        }
    }
    if !policy.ignore.is_empty() {
        findings.retain(|f| !policy.ignore.iter().any(|s| selects(s, f.rule)));
    }
    if !policy.exact_spans {
        for f in &mut findings {
            f.span = policy.span;
            for (span, _) in &mut f.related {
                *span = policy.span;
            }
        }
    }
    (kind, findings)
}

fn inside_any(span: Span, spans: &[Span]) -> bool {
    spans
        .iter()
        .any(|u| u.start <= span.start && span.end <= u.end)
}

/// Whether an ignore entry (`ALL`, a code, a code prefix or a name) selects a rule.
fn selects(selector: &str, rule: &RuleMeta) -> bool {
    selector == "ALL"
        || rule.name == selector
        || (!selector.is_empty() && rule.code.starts_with(selector))
        || rule.category.as_str() == selector
}
