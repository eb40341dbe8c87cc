//! Readers of account and organization exports: text in, [`Snapshot`] out. No I/O: the caller
//! reads the files and hands their text (and, for a dump directory, their paths relative to
//! it) to [`read_gaad`], [`read_resource_policy`] or [`read_tree`].
//!
//! Every reader keeps going after a problem: a [`Diagnostic`] names the file and the span, and
//! whatever else can be read is. A policy document that does not parse leaves its entity in
//! the snapshot without it, and the entity's [`Account::unreadable`] lists it, so answers that
//! need it are reported as incomplete rather than decided as if it were empty.
//!
//! Formats (issue 13; `aws iam get-account-authorization-details`, the Organizations CLI
//! outputs, iam-collect's store): see the submodules.

mod collect;
mod gaad;
mod org;
mod resource;

use std::sync::Arc;

pub use gaad::read_gaad;
pub use resource::{read_resource_policy, resource_arn_from_file_name};

use super::{Account, Diagnostic, PolicyDoc, Severity, Snapshot};
use crate::ast::PolicyKind;
use crate::parse::lower_owned_policy;
use crate::source::{SourceFile, Span};
use crate::syntax::{json, Member, Value, ValueKind};

/// One file of a snapshot directory: its path relative to the directory (`/`-separated) and
/// its text, named for messages.
#[derive(Debug, Clone)]
pub struct TreeFile {
    /// The path inside the snapshot directory, `/`-separated
    /// (`accounts/111122223333/gaad.json`).
    pub path: String,
    /// The file (its name is what messages show).
    pub file: SourceFile,
}

/// Reads a snapshot directory: SPEC layout 2 (`accounts/<id>/gaad.json`,
/// `accounts/<id>/resources/<ARN>.json`, `organization/...`) or an iam-collect store
/// (`aws/<partition>/accounts/...`, `aws/<partition>/organizations/...`). Files of neither
/// layout are reported as warnings and skipped.
pub fn read_tree(snapshot: &mut Snapshot, files: Vec<TreeFile>) {
    let mut org_files = Vec::new();
    let mut collect_files = Vec::new();
    for f in files {
        let parts: Vec<&str> = f.path.split('/').collect();
        match parts.as_slice() {
            ["accounts", id, "gaad.json"] => {
                let id = (*id).to_string();
                read_gaad(snapshot, f.file, Some(&id));
            }
            ["accounts", id, "resources", name] => {
                let id = (*id).to_string();
                let name = (*name).to_string();
                let source = snapshot.add_source(f.file);
                match resource_arn_from_file_name(&name) {
                    Some(arn) => resource::read_resource_source(snapshot, source, Some(&id), &arn),
                    None => snapshot.diagnose(
                        Severity::Error,
                        source,
                        Span::default(),
                        format!(
                            "`{name}` is not a resource policy file name: the resource ARN, with \
                             `%` written `%25` and `/` written `%2F`, then `.json`"
                        ),
                    ),
                }
            }
            ["organization", ..] => org_files.push(f),
            ["aws", _, "accounts" | "organizations", ..] => collect_files.push(f),
            _ => {
                let is_json = std::path::Path::new(&f.path)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("json"));
                if is_json {
                    let source = snapshot.add_source(f.file);
                    snapshot.diagnose(
                        Severity::Warning,
                        source,
                        Span::default(),
                        "skipped: not part of a snapshot layout (`accounts/<id>/gaad.json`, \
                         `accounts/<id>/resources/<ARN>.json`, `organization/...`, or an \
                         iam-collect store `aws/<partition>/...`)"
                            .to_string(),
                    );
                }
            }
        }
    }
    if !org_files.is_empty() {
        org::read_organization(snapshot, org_files);
    }
    if !collect_files.is_empty() {
        collect::read_collect(snapshot, collect_files);
    }
    snapshot.finish();
}

impl Snapshot {
    /// Adds a source and returns its index.
    pub fn add_source(&mut self, file: SourceFile) -> usize {
        self.sources.push(file);
        self.sources.len() - 1
    }

    /// Records a problem.
    pub fn diagnose(&mut self, severity: Severity, source: usize, span: Span, message: String) {
        self.diagnostics.push(Diagnostic {
            severity,
            source,
            span,
            message,
        });
    }

    /// The account with this id, created (with this partition) if new.
    pub(crate) fn account_mut(&mut self, id: &str, partition: &str) -> &mut Account {
        self.accounts
            .entry(id.to_string())
            .or_insert_with(|| Account {
                id: id.to_string(),
                partition: partition.to_string(),
                ..Account::default()
            })
    }

    /// Sorts what readers appended (users, groups, roles by ARN), so that the snapshot reads
    /// the same whatever the order of the files.
    pub fn finish(&mut self) {
        for account in self.accounts.values_mut() {
            account.users.sort_by(|a, b| a.arn.cmp(&b.arn));
            account.groups.sort_by(|a, b| a.arn.cmp(&b.arn));
            account.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
            for names in account.unreadable.values_mut() {
                names.sort();
                names.dedup();
            }
        }
        if let Some(org) = &mut self.organization {
            for node in org.nodes.values_mut() {
                node.scps.sort();
                node.scps.dedup();
                node.rcps.sort();
                node.rcps.dedup();
            }
        }
    }
}

/// How a policy document held as a JSON string is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// RFC 3986 percent-encoded JSON (IAM's wire format, GAAD from SDKs that do not decode).
    Url,
    /// JSON text (Organizations `Content`, `get-bucket-policy` `Policy`, ...).
    Json,
}

/// Reads a policy document: an object (spans in `source`), or a string holding the JSON
/// (URL-encoded for [`Encoding::Url`]) parsed into a source of its own named `decoded_name`.
/// `None`, with diagnostics, when it cannot be read.
pub(crate) fn read_document(
    snapshot: &mut Snapshot,
    value: Value,
    source: usize,
    kind: PolicyKind,
    name: &str,
    decoded_name: impl FnOnce() -> String,
    encoding: Encoding,
) -> Option<PolicyDoc> {
    let (value, source) = match value.kind {
        ValueKind::Object(_) => (value, source),
        ValueKind::String(text) => {
            let decoded = if encoding == Encoding::Url && !text.trim_start().starts_with('{') {
                match percent_decode(&text) {
                    Ok(d) => d,
                    Err(e) => {
                        snapshot.diagnose(
                            Severity::Error,
                            source,
                            value.span,
                            format!("policy `{name}`: the document is not URL-encoded JSON: {e}"),
                        );
                        return None;
                    }
                }
            } else {
                text.into_string()
            };
            let mut file_name = decoded_name();
            if encoding == Encoding::Url {
                file_name.push_str(" (URL-decoded)");
            }
            let decoded_source = snapshot.add_source(SourceFile::new(file_name, decoded));
            let text = snapshot
                .sources
                .get(decoded_source)
                .map(SourceFile::text_arc)
                .unwrap_or_default();
            let parsed = json::parse(&text);
            for e in &parsed.errors {
                snapshot.diagnose(
                    Severity::Error,
                    decoded_source,
                    e.span,
                    format!("policy `{name}`: {}", e.kind),
                );
            }
            if !parsed.errors.is_empty() {
                return None;
            }
            (parsed.value?, decoded_source)
        }
        _ => {
            snapshot.diagnose(
                Severity::Error,
                source,
                value.span,
                format!(
                    "policy `{name}`: expected a policy document (an object, or a string holding \
                     one), found {}",
                    value.type_name()
                ),
            );
            return None;
        }
    };
    let span = value.span;
    let lowered = lower_owned_policy(value, Some(kind));
    for e in &lowered.errors {
        snapshot.diagnose(
            Severity::Error,
            source,
            e.span,
            format!("policy `{name}`: {}", e.kind),
        );
    }
    if !lowered.errors.is_empty() {
        return None;
    }
    Some(PolicyDoc {
        name: Arc::from(name),
        policy: Arc::new(lowered.policy?),
        source,
        span,
    })
}

/// RFC 3986 percent-decoding (`%XX` → the byte), then UTF-8. `+` stays `+`.
pub(crate) fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).and_then(|c| char::from(*c).to_digit(16));
            match (hex(i + 1), hex(i + 2)) {
                (Some(h), Some(l)) => {
                    out.push(u8::try_from(h * 16 + l).unwrap_or_default());
                    i += 3;
                }
                _ => {
                    let bad: String = text.get(i..).unwrap_or_default().chars().take(3).collect();
                    return Err(format!("`{bad}` at byte {i} is not a percent-encoded byte"));
                }
            }
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|e| {
        format!(
            "the decoded bytes are not UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads a whole file as JSON, reporting syntax errors; `None` when it has any (a recovered
/// reading of broken JSON is a guess, not the file).
pub(crate) fn parse_source(snapshot: &mut Snapshot, source: usize) -> Option<Value> {
    let text = snapshot.sources.get(source)?.text_arc();
    let parsed = json::parse(&text);
    for e in &parsed.errors {
        snapshot.diagnose(Severity::Error, source, e.span, e.kind.to_string());
    }
    if parsed.errors.is_empty() {
        parsed.value
    } else {
        None
    }
}

/// Removes and returns the first member with this key.
pub(crate) fn take(members: &mut Vec<Member>, key: &str) -> Option<Value> {
    let at = members.iter().position(|m| &*m.key == key)?;
    Some(members.remove(at).value)
}

/// The members of an object value (empty for any other value).
pub(crate) fn into_members(value: Value) -> Vec<Member> {
    match value.kind {
        ValueKind::Object(m) => m,
        _ => Vec::new(),
    }
}

/// The items of an array value (empty for any other value).
pub(crate) fn into_items(value: Value) -> Vec<Value> {
    match value.kind {
        ValueKind::Array(items) => items,
        _ => Vec::new(),
    }
}

/// A string member's value.
pub(crate) fn string(members: &[Member], key: &str) -> Option<String> {
    members
        .iter()
        .find(|m| &*m.key == key)
        .and_then(|m| m.value.as_str())
        .map(str::to_string)
}

/// The partition of an ARN (`aws` in `arn:aws:...`).
pub(crate) fn arn_partition(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:")?.split(':').next()
}

#[cfg(test)]
mod tests;
