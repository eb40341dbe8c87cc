//! Linting a file: a policy, or the policies embedded in a template.
//!
//! The kind of file is told by its extension and content: `.tf` is Terraform; `.json` (or an
//! unknown extension) with `AWSTemplateFormatVersion` or `Resources` is a CloudFormation
//! template, with `planned_values` (or `format_version` and `terraform_version`) a Terraform
//! plan, with the keys of an AWS CLI output that returns a policy (`PolicyVersion`,
//! `PolicyDocument`, `Policy`, `get-account-authorization-details`' lists, ...) that output, an
//! array of policy documents that many policies, and otherwise a policy; `.yaml`, `.yml` and
//! `.template` are CloudFormation templates.
//!
//! Valid JSON that is none of these is a policy only if it looks like one: a key that is a
//! policy element (`Statement`, `Version` holding a policy version, `Effect` with `Action`...)
//! in any case, since AWS reads element names case-sensitively and `"statement"` is a mistake
//! to report. Other JSON is not linted (a `package.json` in a tree), unless it looks
//! policy-related (a CloudTrail file, AWS CLI output without a document, a policy document
//! somewhere unknown): then `not-a-policy` says what it looks like.
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
use policy_core::syntax::{json, yaml, Value, ValueKind};
use policy_core::template::{self, EmbeddedPolicy, SkippedPolicy, Template};
use policy_core::{PolicyKind, Span};

use crate::finding::{Applicability, Finding};
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
    /// AWS CLI output that holds policies.
    AwsCli,
    /// A JSON array of policy documents.
    PolicyArray,
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
        "tf" => lint_template(
            &template::read_terraform(text),
            Vec::new(),
            text,
            false,
            settings,
        ),
        "yaml" | "yml" => lint_yaml(text, settings),
        "template" if !looks_like_json(text) => lint_yaml(text, settings),
        "json" | "template" => lint_json(path, text, kind, settings),
        _ if looks_like_json(text) => lint_json(path, text, kind, settings),
        _ => {
            // Standard input or an unknown extension that is not JSON: a YAML template, if it
            // is one; otherwise a policy, as always.
            let parsed = yaml::parse(text);
            match parsed.value {
                Some(v) if template::is_cloudformation(&v) => lint_template(
                    &template::read_cloudformation(&v, text),
                    Vec::new(),
                    text,
                    false,
                    settings,
                ),
                _ => lint_json(path, text, kind, settings),
            }
        }
    }
}

fn looks_like_json(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with(['{', '['])
}

fn lint_json(path: &str, text: &str, kind: Option<PolicyKind>, settings: &Settings) -> FileReport {
    let parsed = json::parse(text);
    let kind = kind.or_else(|| {
        parsed
            .value
            .as_ref()
            .and_then(|value| endpoint_kind_from_name(path, value))
    });
    if let Some(value) = &parsed.value {
        let template = if template::is_cloudformation(value) {
            Some(template::read_cloudformation(value, text))
        } else if template::is_terraform_plan(value) {
            Some(template::read_terraform_plan(value, text))
        } else if let Some(t) = template::read_aws_cli(value, text) {
            Some(t)
        } else {
            template::read_policy_array(value, kind)
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
            return lint_template(&template, syntax, text, true, settings);
        }
        // Valid JSON that is no policy (a `package.json` met while walking a tree) is not
        // linted as one, unless `--kind` says it is a policy; if it looks policy-related,
        // a finding says what it looks like.
        if kind.is_none() && parsed.errors.is_empty() && !looks_like_policy(value) {
            return FileReport {
                findings: not_a_policy(value, settings).into_iter().collect(),
                format: FileFormat::Other,
                policies: 0,
                ..FileReport::default()
            };
        }
    }
    let hint = parsed
        .value
        .as_ref()
        .filter(|v| !looks_like_policy(v))
        .and_then(|v| not_a_policy(v, settings));
    let parsed = policy_core::parse::parse_policy_json(parsed, kind);
    let mut local = crate::fix::LocalErrors::default();
    let mut findings = crate::lint_parsed_with(&parsed, settings, Some(&mut local));
    crate::fix::gate_unsafe_fixes_parsed(text, parsed, local, kind, settings, &mut findings);
    if let Some(hint) = hint {
        findings.push(hint);
        crate::sort_findings(&mut findings);
    }
    FileReport {
        findings,
        policies: 1,
        ..FileReport::default()
    }
}

/// A policy file is read as a VPC endpoint policy, when `--kind` does not say, if its name
/// says so and its content agrees.
///
/// The name: the file name or a directory above it, lower-cased with `-`, `_`, `.` and spaces
/// dropped, contains `endpointpolic` (`s3_endpoint_policy.json`,
/// `vpc-endpoint-policies/ec2.json`), the way AWS's data-perimeter examples and most
/// repositories name them. The content: the document reads as a resource policy (most
/// statements name a principal, see [`policy_core::parse::infer_kind`]), as every endpoint
/// policy must (VPC User Guide, "Control access to VPC endpoints using endpoint policies":
/// an endpoint policy is a resource-based policy and must name a principal). Content alone
/// cannot tell an endpoint policy from a resource policy whose statements are all
/// `"Principal": "*"`, and a name alone would turn an identity policy that manages endpoints
/// (`create-endpoint-policy.json`) into one, so both are required. Where neither fits,
/// `--kind endpoint` says it.
fn endpoint_kind_from_name(path: &str, value: &Value) -> Option<PolicyKind> {
    let named = std::path::Path::new(path).components().any(|c| {
        let part: String = c
            .as_os_str()
            .to_string_lossy()
            .chars()
            .filter(|ch| !matches!(ch, '-' | '_' | '.' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        part.contains("endpointpolic")
    });
    (named && policy_core::parse::infer_kind(value) == PolicyKind::Resource)
        .then_some(PolicyKind::Endpoint)
}

/// The statement elements, lower case.
const STATEMENT_ELEMENTS: [&str; 9] = [
    "sid",
    "effect",
    "principal",
    "notprincipal",
    "action",
    "notaction",
    "resource",
    "notresource",
    "condition",
];

/// Whether a JSON document looks like a policy, or like a statement, in any case: `Statement`,
/// `Id`, `Version` holding a policy version, or `Effect` with another statement element.
pub(crate) fn looks_like_policy(value: &Value) -> bool {
    let Some(members) = value.as_object() else {
        return false;
    };
    let has = |name: &str| members.iter().any(|m| m.key.eq_ignore_ascii_case(name));
    if ["Statement", "Version", "Id"]
        .iter()
        .any(|k| value.get(k).is_some())
        || has("statement")
    {
        return true;
    }
    let policy_version = members.iter().any(|m| {
        m.key.eq_ignore_ascii_case("version")
            && matches!(m.value.as_str(), Some("2012-10-17" | "2008-10-17"))
    });
    let statement_elements = members
        .iter()
        .filter(|m| STATEMENT_ELEMENTS.contains(&m.key.to_ascii_lowercase().as_str()))
        .count();
    policy_version || (has("effect") && statement_elements >= 2)
}

/// Top-level keys of AWS CLI outputs about policies and their holders that hold no policy
/// document (`aws iam list-policies`, `get-policy`, `list-roles`, `get-user`, ...).
const CLI_KEYS: [&str; 14] = [
    "Policy",
    "Policies",
    "PolicyNames",
    "AttachedPolicies",
    "Versions",
    "Role",
    "Roles",
    "User",
    "Users",
    "Group",
    "Groups",
    "InstanceProfile",
    "InstanceProfiles",
    "PolicyGroups",
];

/// The `not-a-policy` finding for a JSON document that is no policy, if it looks
/// policy-related: a CloudTrail file, AWS CLI output about policies, or a document that holds a
/// policy somewhere iampol does not read policies from.
pub(crate) fn not_a_policy(value: &Value, settings: &Settings) -> Option<Finding> {
    let members = value.as_object().unwrap_or_default();
    let records = members
        .iter()
        .find(|m| &*m.key == "Records")
        .filter(|m| match &m.value.kind {
            ValueKind::Array(items) => items
                .first()
                .is_some_and(|r| r.get("eventVersion").is_some() || r.get("eventSource").is_some()),
            _ => false,
        });
    let event = value.get("eventVersion").is_some() && value.get("eventSource").is_some();
    let (span, message, help) = if let Some(m) = records {
        (
            m.key_span,
            "this looks like a CloudTrail log file, not a policy".to_string(),
            "`iampol generate` reads CloudTrail files and writes the policy they need",
        )
    } else if event {
        (
            Span::new(value.span.start as usize, value.span.start as usize + 1),
            "this looks like a CloudTrail event, not a policy".to_string(),
            "`iampol generate` reads CloudTrail files and writes the policy they need",
        )
    } else if let Some(m) = members.iter().find(|m| CLI_KEYS.contains(&&*m.key)) {
        (
            m.key_span,
            format!("this looks like AWS CLI output (`{}`) that holds no policy document, not a policy", m.key),
            "lint the documents: `aws iam get-policy-version`, `get-role-policy` or `get-account-authorization-details` output holds them",
        )
    } else if let Some((path, span)) = nested_policy(value) {
        (
            span,
            format!("`{path}` holds what looks like a policy document, in a file iampol does not read policies from"),
            "lint the policy document on its own",
        )
    } else {
        return None;
    };
    let meta = crate::registry::by_name("not-a-policy")?;
    if !settings.is_enabled(meta) {
        return None;
    }
    let mut f = Finding::new(meta, span, message);
    f.severity = settings.severity_of(meta);
    f.help = Some(help.to_string());
    Some(f)
}

/// The first object (breadth first, a few levels deep) below the top that has a `Statement`
/// key: its path and the span of its key.
fn nested_policy(value: &Value) -> Option<(String, Span)> {
    let mut level: Vec<(String, &Value)> = vec![(String::new(), value)];
    for _ in 0..6 {
        let mut next = Vec::new();
        for (path, v) in level {
            match &v.kind {
                ValueKind::Object(members) => {
                    for m in members {
                        let p = if path.is_empty() {
                            m.key.to_string()
                        } else {
                            format!("{path}.{}", m.key)
                        };
                        if m.value.get("Statement").is_some() {
                            return Some((p, m.key_span));
                        }
                        next.push((p, &m.value));
                    }
                }
                ValueKind::Array(items) => {
                    for (i, item) in items.iter().enumerate().take(64) {
                        let p = format!("{path}[{i}]");
                        if item.get("Statement").is_some() {
                            let at = item.span.start as usize;
                            return Some((p, Span::new(at, at + 1)));
                        }
                        next.push((p, item));
                    }
                }
                _ => {}
            }
        }
        level = next;
    }
    None
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
            text,
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
    text: &str,
    json_file: bool,
    settings: &Settings,
) -> FileReport {
    let format = match template.format {
        template::TemplateFormat::CloudFormation => FileFormat::CloudFormation,
        template::TemplateFormat::Terraform => FileFormat::Terraform,
        template::TemplateFormat::TerraformPlan => FileFormat::TerraformPlan,
        template::TemplateFormat::AwsCli => FileFormat::AwsCli,
        template::TemplateFormat::PolicyArray => FileFormat::PolicyArray,
    };
    for e in &template.errors {
        findings.extend(syntax_finding(e.message.clone(), e.span, settings));
    }
    let mut located = Vec::with_capacity(template.policies.len());
    for policy in &template.policies {
        let (kind, mut policy_findings) = lint_embedded(policy, settings);
        // Fixes are JSON edits: they fit a policy written as JSON objects in a JSON file only.
        // A policy in YAML, HCL or an escaped string gets its findings without them.
        // Fixes are JSON edits. They fit a policy written as JSON objects in a JSON file, and
        // a JSON policy held verbatim in a Terraform heredoc or a single-line single-quoted
        // YAML string (where the text at a span is the JSON itself). Elsewhere (YAML
        // mappings, HCL objects, escaped strings) a fix is shown only.
        if json_file && !policy.from_text {
            let own = text.get(policy.span.start as usize..policy.span.end as usize);
            if let Some(own) = own {
                crate::fix::gate_unsafe_fixes(
                    own,
                    policy.span.start,
                    Some(kind),
                    settings,
                    &mut policy_findings,
                );
            }
        } else {
            let container = policy
                .from_text
                .then(|| verbatim_container(text, policy, format == FileFormat::Terraform))
                .flatten();
            for f in &mut policy_findings {
                if let Some(fix) = &mut f.fix {
                    let verbatim = fix.applicability == Applicability::Safe
                        && container
                            .is_some_and(|c| fix.edits.iter().all(|e| c.holds_verbatim(text, e)));
                    if !verbatim {
                        show_only(fix);
                    }
                }
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

/// A string that holds a JSON policy character for character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verbatim {
    /// A Terraform heredoc (`<<EOF` ... `EOF`): only `${` and `%{` are not literal.
    Heredoc,
    /// A YAML single-quoted string on one line: only `'` is not literal.
    SingleQuoted,
}

impl Verbatim {
    /// Whether replacing the edit's span by its content keeps the string holding the JSON
    /// verbatim.
    fn holds_verbatim(self, text: &str, edit: &crate::finding::Edit) -> bool {
        let Some(old) = text.get(edit.span.start as usize..edit.span.end as usize) else {
            return false;
        };
        let new = edit.content.as_str();
        match self {
            Verbatim::Heredoc => [old, new]
                .iter()
                .all(|s| !s.contains("${") && !s.contains("%{") && !s.contains('\n')),
            Verbatim::SingleQuoted => [old, new].iter().all(|s| !s.contains(['\'', '\n', '\r'])),
        }
    }
}

/// The kind of verbatim string a policy held as text is in, if its spans are exact. In a
/// Terraform file the policy's span is a quoted string's (from its quote) or a heredoc's body.
fn verbatim_container(text: &str, policy: &EmbeddedPolicy, terraform: bool) -> Option<Verbatim> {
    if !policy.exact_spans {
        return None;
    }
    let whole = text.get(policy.span.start as usize..policy.span.end as usize)?;
    if terraform {
        (!whole.starts_with('"')).then_some(Verbatim::Heredoc)
    } else if whole.starts_with('\'') && !whole.contains(['\n', '\r']) {
        Some(Verbatim::SingleQuoted)
    } else {
        None
    }
}

/// Makes a fix a suggestion: display-only, without edits (they are JSON text, which the
/// YAML or HCL around the policy does not hold as it is).
fn show_only(fix: &mut crate::finding::Fix) {
    fix.applicability = Applicability::DisplayOnly;
    fix.edits.clear();
    fix.message.push_str(" (shown only: iampol applies fixes to JSON text, not to the YAML or HCL around this policy)");
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
                .filter(|e| {
                    !(policy.resource_implied && matches!(e.kind, ParseErrorKind::MissingResource))
                })
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
