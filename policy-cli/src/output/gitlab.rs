//! GitLab Code Quality reports: the JSON array of issues that a job's
//! `artifacts:reports:codequality` file holds (a subset of the Code Climate issue format), shown
//! in merge requests.
//!
//! ```json
//! [
//!   {
//!     "description": "C102 unknown-action: `s3:GetObjekt` is not an action of service `s3`",
//!     "check_name": "C102",
//!     "fingerprint": "4f1c2a…",
//!     "severity": "critical",
//!     "location": { "path": "policies/app.json", "lines": { "begin": 7, "end": 7 } }
//!   }
//! ]
//! ```
//!
//! GitLab does not show `check_name`, so the description starts with the code and name (as
//! Ruff's does). Severities: error → `critical`, warning → `major`, note → `info`. The path is
//! relative to the current directory (the project's, in a GitLab job), without `./`.
//!
//! The fingerprint tells GitLab which issues of the merge request's report are the same as the
//! target branch's: it hashes the path, the code, the message and how many identical issues
//! (same path, code and message) come before it in the file. Lines are left out, so that an
//! edit above an issue does not make it new; the count keeps every fingerprint of a report
//! unique.

use std::collections::HashMap;

use policy_core::SourceFile;
use policy_lint::{Finding, Severity};
use serde::Serialize;

use super::{portable_path, Range};

/// One Code Quality issue.
#[derive(Debug, Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Debug, Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Debug, Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// GitLab's severity (`info`, `minor`, `major`, `critical` or `blocker`) of a finding's.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Note => "info",
    }
}

/// The fingerprint: 32 hexadecimal digits of XXH3-128 (a specified hash, the same on every
/// platform and version) over the path, code, message and occurrence.
fn fingerprint(path: &str, code: &str, message: &str, occurrence: usize) -> String {
    let number = |n: usize| u64::try_from(n).unwrap_or(u64::MAX).to_le_bytes();
    let mut bytes = Vec::with_capacity(path.len() + code.len() + message.len() + 32);
    for field in [path, code, message] {
        // Each field's length first, so that no two different lists of fields hash the same
        // bytes.
        bytes.extend_from_slice(&number(field.len()));
        bytes.extend_from_slice(field.as_bytes());
    }
    bytes.extend_from_slice(&number(occurrence));
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
}

/// Writes the issues of one file, as elements of the report's array for
/// [`super::write_array`].
pub fn write_issues(
    out: &mut Vec<u8>,
    file: &SourceFile,
    findings: &[Finding],
) -> std::io::Result<()> {
    let path = portable_path(file.name());
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for f in findings {
        let occurrence = seen.entry((f.rule.code, f.message.as_str())).or_default();
        let range = Range::of(file, f.span);
        let issue = Issue {
            description: format!("{} {}: {}", f.rule.code, f.rule.name, f.message),
            check_name: f.rule.code,
            fingerprint: fingerprint(&path, f.rule.code, &f.message, *occurrence),
            severity: severity(f.severity),
            location: Location {
                path: &path,
                lines: Lines {
                    begin: range.line,
                    // The range's end is exclusive: an end at column 1 is the line before.
                    end: if range.end_column <= 1 && range.end_line > range.line {
                        range.end_line - 1
                    } else {
                        range.end_line
                    },
                },
            },
        };
        *occurrence += 1;
        super::write_element(out, 0, &issue)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_tell_fields_apart() {
        let a = fingerprint("a.json", "C102", "m", 0);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(a, fingerprint("a.json", "C102", "m", 0));
        assert_ne!(a, fingerprint("a.json", "C102", "m", 1));
        assert_ne!(a, fingerprint("a.jso", "nC102", "m", 0));
        assert_ne!(a, fingerprint("b.json", "C102", "m", 0));
    }
}
