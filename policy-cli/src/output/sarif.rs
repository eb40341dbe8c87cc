//! SARIF 2.1.0 output, as GitHub code scanning accepts it: plain serde structs (as in Ruff).
//!
//! One run; `tool.driver.rules` lists the rules that have results, in the registry's order
//! (every rule of the registry with `--sarif-all-rules`, so that `ruleIndex` is stable across
//! runs and selections); each result has the rule's id and index, a level, the message (and
//! help), the primary location, the related locations and the fix, if any.
//!
//! The results are rendered file by file in the threads that lint, before the rules with
//! results are known: their `ruleIndex` points into the whole registry, and [`Frame::write`]
//! renumbers it into the rules listed.
//! Paths are relative to the current directory (`%SRCROOT%`), with forward slashes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write;

use policy_core::SourceFile;
use policy_lint::{registry, Category, Finding, RuleMeta, Severity};
use serde::Serialize;

use super::{portable_path, Range};

/// The schema URI written in `$schema`.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base id that relative artifact URIs are resolved against.
const SRCROOT: &str = "%SRCROOT%";

/// A SARIF log.
#[derive(Debug, Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Debug, Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Message,
    full_description: MultiformatMessage,
    help: MultiformatMessage,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Debug, Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Debug, Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct Message {
    text: String,
}

#[derive(Debug, Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[expect(
    clippy::struct_field_names,
    reason = "SARIF's own field name: `location.physicalLocation`"
)]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

impl From<Range> for Region {
    fn from(r: Range) -> Self {
        Region {
            start_line: r.line,
            start_column: r.column,
            end_line: r.end_line,
            end_column: r.end_column,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Message,
    artifact_changes: Vec<ArtifactChange<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Content<'a>,
}

#[derive(Debug, Serialize)]
struct Content<'a> {
    text: &'a str,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// GitHub's `security-severity` for a security rule: high, medium or low by its default
/// severity (GitHub: 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low).
fn security_severity(rule: &RuleMeta) -> Option<&'static str> {
    (rule.category == Category::Security).then_some(match rule.severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.5",
        Severity::Note => "2.0",
    })
}

fn descriptor(rule: &RuleMeta) -> ReportingDescriptor {
    let summary = rule.summary();
    let documentation = rule.display_documentation();
    let short = if summary.is_empty() {
        rule.name.to_string()
    } else {
        summary
    };
    // The category is the tag; GitHub shows results of rules tagged `security` (with a
    // `security-severity`) as security alerts.
    let tags = vec![rule.category.as_str()];
    ReportingDescriptor {
        id: rule.code,
        name: rule.name,
        full_description: MultiformatMessage {
            text: documentation.clone(),
            markdown: documentation.clone(),
        },
        help: MultiformatMessage {
            text: documentation.clone(),
            markdown: documentation,
        },
        short_description: Message { text: short },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: RuleProperties {
            tags,
            security_severity: security_severity(rule),
        },
    }
}

/// Percent-encodes what may not appear as such in a URI path.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The artifact location of a file: relative (to `%SRCROOT%`) when it is under the current
/// directory, else an absolute `file:` URI.
fn artifact(file: &SourceFile) -> ArtifactLocation {
    let path = portable_path(file.name());
    let absolute = std::path::Path::new(&path).is_absolute();
    if absolute {
        let encoded = encode_uri_path(&path);
        let uri = if encoded.starts_with('/') {
            format!("file://{encoded}")
        } else {
            format!("file:///{encoded}")
        };
        ArtifactLocation {
            uri,
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: encode_uri_path(&path),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// The current directory as a `file:` URI ending in `/`, for `originalUriBaseIds`.
fn srcroot() -> Option<ArtifactLocation> {
    let cwd = std::env::current_dir().ok()?;
    let mut path = cwd.to_string_lossy().replace('\\', "/");
    if !path.ends_with('/') {
        path.push('/');
    }
    let encoded = encode_uri_path(&path);
    let uri = if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        format!("file:///{encoded}")
    };
    Some(ArtifactLocation {
        uri,
        uri_base_id: None,
    })
}

fn location(
    file: &SourceFile,
    span: policy_core::Span,
    id: Option<usize>,
    message: Option<String>,
) -> Location {
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: artifact(file),
            region: Range::of(file, span).into(),
        },
        message: message.map(|text| Message { text }),
    }
}

fn result<'a>(file: &SourceFile, finding: &'a Finding, index: usize) -> SarifResult<'a> {
    let text = match &finding.help {
        Some(help) => format!("{}\nhelp: {help}", finding.message),
        None => finding.message.clone(),
    };
    let fixes = finding
        .fix
        .iter()
        .map(|fix| SarifFix {
            description: Message {
                text: format!("{} ({})", fix.message, fix.applicability.as_str()),
            },
            artifact_changes: vec![ArtifactChange {
                artifact_location: artifact(file),
                replacements: fix
                    .edits
                    .iter()
                    .map(|edit| Replacement {
                        deleted_region: Range::of(file, edit.span).into(),
                        inserted_content: Content {
                            text: &edit.content,
                        },
                    })
                    .collect(),
            }],
        })
        .collect();
    SarifResult {
        rule_id: finding.rule.code,
        rule_index: index,
        level: level(finding.severity),
        message: Message { text },
        locations: vec![location(file, finding.span, None, None)],
        related_locations: finding
            .related
            .iter()
            .enumerate()
            .map(|(i, (span, label))| location(file, *span, Some(i + 1), Some(label.clone())))
            .collect(),
        fixes,
    }
}

/// The rules of the registry in order: `tool.driver.rules`, which `ruleIndex` points into.
pub struct Rules(Vec<&'static RuleMeta>);

impl Rules {
    /// Every rule of the registry.
    pub fn all() -> Self {
        Self(registry::all().collect())
    }

    /// The rules of the registry with these codes, in the registry's order.
    pub fn with_codes(codes: &BTreeSet<&str>) -> Self {
        Self(registry::all().filter(|r| codes.contains(r.code)).collect())
    }

    /// For each index into `all`, the index of the same rule in `self` (`None` when it is not
    /// listed).
    fn renumbering(&self, all: &Rules) -> Vec<Option<usize>> {
        all.0
            .iter()
            .map(|rule| self.0.iter().position(|r| r.code == rule.code))
            .collect()
    }

    fn index_of(&self, rule: &RuleMeta) -> usize {
        self.0
            .iter()
            .position(|r| r.code == rule.code)
            .unwrap_or_default()
    }
}

/// The depth of `runs[0].results` in the log: in the log's object, the `runs` array and the
/// run's object.
const RESULTS_DEPTH: usize = 3;

/// Writes the results of one file, as elements of `runs[0].results` for [`Frame::write`].
pub fn write_results(
    out: &mut Vec<u8>,
    rules: &Rules,
    file: &SourceFile,
    findings: &[Finding],
) -> std::io::Result<()> {
    for f in findings {
        super::write_element(out, RESULTS_DEPTH, &result(file, f, rules.index_of(f.rule)))?;
    }
    Ok(())
}

/// A SARIF log without its results, split where they go.
pub struct Frame {
    head: Vec<u8>,
    tail: Vec<u8>,
    /// With a part of the registry listed: for each rule of the registry, its index in the list.
    renumbering: Option<Vec<Option<usize>>>,
}

impl Frame {
    /// The log of this run with every rule of the registry, the source root.
    pub fn new() -> std::io::Result<Self> {
        Self::listing(&Rules::all(), None)
    }

    /// The log of this run listing only `rules`, the source root: the results' `ruleIndex`
    /// (into the whole registry) is renumbered into them.
    pub fn with_rules(rules: &Rules) -> std::io::Result<Self> {
        Self::listing(rules, Some(rules.renumbering(&Rules::all())))
    }

    fn listing(rules: &Rules, renumbering: Option<Vec<Option<usize>>>) -> std::io::Result<Self> {
        let repository = env!("CARGO_PKG_REPOSITORY");
        let log = Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "iampol",
                        version: env!("CARGO_PKG_VERSION"),
                        semantic_version: env!("CARGO_PKG_VERSION"),
                        information_uri: (!repository.is_empty()).then_some(repository),
                        rules: rules.0.iter().map(|r| descriptor(r)).collect(),
                    },
                },
                original_uri_base_ids: srcroot().map(|l| (SRCROOT, l)).into_iter().collect(),
                column_kind: "unicodeCodePoints",
                results: Vec::new(),
            }],
        };
        // The log without results ends with its empty `results` array, the run's last field:
        // the results go in there.
        let mut head = serde_json::to_vec_pretty(&log)?;
        let at = head
            .windows(2)
            .rposition(|w| w == b"[]")
            .ok_or_else(|| std::io::Error::other("the SARIF log has no results array"))?;
        let tail = head.split_off(at).split_off(2);
        Ok(Self {
            head,
            tail,
            renumbering,
        })
    }

    /// Writes the log with the results [`write_results`] wrote into `parts`, in order.
    pub fn write<'a>(
        &self,
        out: &mut impl Write,
        parts: impl IntoIterator<Item = &'a [u8]>,
    ) -> std::io::Result<()> {
        out.write_all(&self.head)?;
        match &self.renumbering {
            None => super::write_array(out, RESULTS_DEPTH, parts)?,
            Some(renumbering) => {
                let parts = parts
                    .into_iter()
                    .map(|part| renumber(part, renumbering))
                    .collect::<std::io::Result<Vec<_>>>()?;
                super::write_array(out, RESULTS_DEPTH, parts.iter().map(Vec::as_slice))?;
            }
        }
        out.write_all(&self.tail)?;
        writeln!(out)
    }
}

/// The key before each result's rule index, as `serde_json`'s pretty printer writes it.
const RULE_INDEX_KEY: &[u8] = b"\"ruleIndex\": ";

/// A part of results with each `ruleIndex` (into the registry) replaced by its index in the
/// rules listed. The key's bytes can only be a key: inside a JSON string every `"` is escaped,
/// so `"ruleIndex":` with both quotes bare never occurs there.
fn renumber(part: &[u8], renumbering: &[Option<usize>]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(part.len());
    let mut rest = part;
    while let Some(at) = rest
        .windows(RULE_INDEX_KEY.len())
        .position(|w| w == RULE_INDEX_KEY)
    {
        let (before, after) = rest.split_at(at + RULE_INDEX_KEY.len());
        out.extend_from_slice(before);
        let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
        let (number, after) = after.split_at(digits);
        let index = std::str::from_utf8(number)
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|i| renumbering.get(i).copied().flatten())
            .ok_or_else(|| std::io::Error::other("a SARIF result of a rule not listed"))?;
        out.extend_from_slice(index.to_string().as_bytes());
        rest = after;
    }
    out.extend_from_slice(rest);
    Ok(out)
}

/// Writes the findings of every file as one SARIF log.
#[cfg(test)]
pub fn write(out: &mut impl Write, results: &[(SourceFile, Vec<Finding>)]) -> std::io::Result<()> {
    let rules = Rules::all();
    let mut parts = Vec::new();
    for (file, findings) in results {
        let mut part = Vec::new();
        write_results(&mut part, &rules, file, findings)?;
        parts.push(part);
    }
    Frame::new()?.write(out, parts.iter().map(Vec::as_slice))
}

/// Writes the findings of every file as one SARIF log that lists only the rules with results.
#[cfg(test)]
pub fn write_seen(
    out: &mut impl Write,
    results: &[(SourceFile, Vec<Finding>)],
) -> std::io::Result<()> {
    let all = Rules::all();
    let mut parts = Vec::new();
    let mut codes = BTreeSet::new();
    for (file, findings) in results {
        let mut part = Vec::new();
        write_results(&mut part, &all, file, findings)?;
        parts.push(part);
        codes.extend(findings.iter().map(|f| f.rule.code));
    }
    Frame::with_rules(&Rules::with_codes(&codes))?.write(out, parts.iter().map(Vec::as_slice))
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy_core::Span;
    use policy_lint::{Applicability, Fix};

    fn schema_validator() -> jsonschema::Validator {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../corpus/sarif/sarif-schema-2.1.0.json"
        );
        let text = std::fs::read_to_string(path).unwrap();
        // The two `language` patterns have a lone `]`: a literal under ECMAScript's Annex B, but
        // the validator's strict check of the schema refuses it. Escape it (iampol never writes
        // `language`).
        let lone = r#"{2}]?$""#;
        assert_eq!(text.matches(lone).count(), 2);
        let text = text.replace(lone, r#"{2}\\]?$""#);
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        // Formats (`uri`, `uri-reference`, `date-time`) are checked too.
        jsonschema::draft4::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap()
    }

    /// A finding with a fix of two edits (one an insertion) and two related locations, on a
    /// file with a non-ASCII character and a path that needs percent-encoding.
    fn sample() -> Vec<(SourceFile, Vec<Finding>)> {
        let text = "{\n  \"Sid\": \"é\",\n  \"Action\": \"s3:GetObjekt\"\n}\n";
        let file = SourceFile::new("policies/a b.json", text);
        let start = text.find("s3:GetObjekt").unwrap();
        let rule = registry::find("C102").unwrap();
        let mut finding = Finding::new(rule, Span::new(start, start + 12), "unknown action");
        finding.help = Some("did you mean `s3:GetObject`?".into());
        finding.related = vec![
            (Span::new(2, 7), "the statement".into()),
            (Span::new(start, start), "here".into()),
        ];
        let mut fix = Fix::replace(
            Applicability::Safe,
            "replace by `s3:GetObject`",
            Span::new(start, start + 12),
            "s3:GetObject",
        );
        fix.edits.push(policy_lint::Edit {
            span: Span::new(0, 0),
            content: String::new(),
        });
        finding.fix = Some(fix);
        let plain = Finding::new(registry::find("C001").unwrap(), Span::new(1, 1), "x");
        vec![(file, vec![finding, plain])]
    }

    #[test]
    fn output_is_valid_sarif_with_fixes_and_related_locations() {
        let mut out = Vec::new();
        write(&mut out, &sample()).unwrap();
        let log: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let validator = schema_validator();
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "C102");
        let rules = &log["runs"][0]["tool"]["driver"]["rules"];
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], "C102");
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], "policies/a%20b.json");
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(
            (region["startLine"].as_u64(), region["startColumn"].as_u64()),
            (Some(3), Some(14))
        );
        assert_eq!(region["endColumn"].as_u64(), Some(26));
        assert_eq!(result["relatedLocations"][1]["id"], 2);
        let replacements = &result["fixes"][0]["artifactChanges"][0]["replacements"];
        assert_eq!(replacements[0]["insertedContent"]["text"], "s3:GetObject");
        assert_eq!(replacements.as_array().unwrap().len(), 2);
        assert!(log["runs"][0]["results"][1].get("fixes").is_none());
    }

    #[test]
    fn only_the_rules_with_results_are_listed_and_indexes_follow() {
        let mut out = Vec::new();
        write_seen(&mut out, &sample()).unwrap();
        let log: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let errors: Vec<String> = schema_validator()
            .iter_errors(&log)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["C001", "C102"], "the registry's order");
        for result in log["runs"][0]["results"].as_array().unwrap() {
            let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[index]["id"], result["ruleId"]);
        }
    }

    #[test]
    fn renumbering_touches_only_rule_index_keys() {
        // A message quoting the key, as a JSON string escapes it, stays as it is.
        let part = br#",
        {
          "ruleId": "C102",
          "ruleIndex": 12,
          "message": {"text": "\"ruleIndex\": 12"}
        }"#;
        let mut renumbering = vec![None; 13];
        renumbering[12] = Some(0);
        let out = renumber(part, &renumbering).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(r#""ruleIndex": 0,"#), "{text}");
        assert!(text.contains(r#"\"ruleIndex\": 12"#), "{text}");
        // An index of a rule not listed is an error, not a dangling index.
        assert!(renumber(br#""ruleIndex": 3"#, &renumbering).is_err());
    }

    #[test]
    fn the_schema_rejects_broken_sarif() {
        let mut out = Vec::new();
        write(&mut out, &sample()).unwrap();
        let mut log: serde_json::Value = serde_json::from_slice(&out).unwrap();
        log["runs"][0]["results"][0]["level"] = "fatal".into();
        let location = &mut log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        location["region"]["startLine"] = 0.into();
        log["runs"][0]["tool"]["driver"]["informationUri"] = "not a uri".into();
        let errors: Vec<String> = schema_validator()
            .iter_errors(&log)
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errors.len(), 3, "{errors:#?}");
    }

    #[test]
    fn uri_paths_are_percent_encoded() {
        assert_eq!(encode_uri_path("a b/ç#.json"), "a%20b/%C3%A7%23.json");
        assert_eq!(encode_uri_path("<stdin>"), "%3Cstdin%3E");
    }
}
