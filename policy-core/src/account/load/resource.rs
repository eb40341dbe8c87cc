//! Resource policy files: one per resource, named by its ARN (`%` → `%25`, `/` → `%2F`, then
//! `.json`). The content is what the `aws` CLI prints for the resource's policy call, or the
//! bare document:
//!
//! | content | from |
//! |---|---|
//! | a document object | written by hand |
//! | `{"Policy": string or object}` | `s3api get-bucket-policy`, `kms get-key-policy`, `lambda get-policy` |
//! | `{"Attributes": {"Policy": ...}}` | `sqs get-queue-attributes`, `sns get-topic-attributes` |
//! | `{"ResourcePolicy": ..., "ARN": ...}` | `secretsmanager get-resource-policy` |
//! | `{"policyText": ...}` | `ecr get-repository-policy` |

use super::{into_members, parse_source, percent_decode, read_document, take, Encoding};
use crate::account::{ResourcePolicy, Severity, Snapshot};
use crate::ast::PolicyKind;
use crate::request::arn_account;
use crate::source::SourceFile;
use crate::syntax::ValueKind;

/// The resource ARN a file name stands for: the name without `.json`, percent-decoded.
pub fn resource_arn_from_file_name(name: &str) -> Option<String> {
    let stem = name
        .strip_suffix(".json")
        .or_else(|| name.strip_suffix(".JSON"))?;
    let arn = percent_decode(stem).ok()?;
    arn.starts_with("arn:").then_some(arn)
}

/// Reads one resource policy file for the resource `arn`; `account` is the account whose
/// dump holds it (the owner of an S3 bucket, whose ARN names no account).
pub fn read_resource_policy(
    snapshot: &mut Snapshot,
    file: SourceFile,
    account: Option<&str>,
    arn: &str,
) {
    let source = snapshot.add_source(file);
    read_resource_source(snapshot, source, account, arn);
}

/// [`read_resource_policy`] of a source already added.
pub(crate) fn read_resource_source(
    snapshot: &mut Snapshot,
    source: usize,
    account: Option<&str>,
    arn: &str,
) {
    let Some(value) = parse_source(snapshot, source) else {
        unreadable(snapshot, account, arn);
        return;
    };
    let top_span = value.span;
    // A bare document has a `Statement`; CLI outputs wrap it.
    let (document, arn) = if value.get("Statement").is_some() {
        (value, arn.to_string())
    } else {
        let mut members = into_members(value);
        let carried = members
            .iter()
            .find(|m| &*m.key == "ARN")
            .and_then(|m| m.value.as_str())
            .map(str::to_string);
        let document = take(&mut members, "Policy")
            .or_else(|| take(&mut members, "ResourcePolicy"))
            .or_else(|| take(&mut members, "policyText"))
            .or_else(|| {
                take(&mut members, "Attributes").and_then(|a| take(&mut into_members(a), "Policy"))
            });
        let Some(document) = document else {
            snapshot.diagnose(
                Severity::Error,
                source,
                top_span,
                format!(
                    "no policy for `{arn}`: expected a policy document, or the output of the \
                     resource's policy call (`Policy`, `Attributes.Policy`, `ResourcePolicy`, \
                     `policyText`)"
                ),
            );
            unreadable(snapshot, account, arn);
            return;
        };
        if let Some(carried) = &carried {
            if carried != arn {
                snapshot.diagnose(
                    Severity::Warning,
                    source,
                    top_span,
                    format!(
                        "the file name says `{arn}` but the content says `{carried}`: the \
                         content's ARN is used"
                    ),
                );
            }
        }
        (document, carried.unwrap_or_else(|| arn.to_string()))
    };
    let Some(owner) = arn_account(&arn)
        .filter(|a| a.len() == 12)
        .or(account)
        .map(str::to_string)
    else {
        snapshot.diagnose(
            Severity::Error,
            source,
            top_span,
            format!("cannot tell which account owns `{arn}`: skipped"),
        );
        return;
    };
    let partition = super::arn_partition(&arn).unwrap_or("aws").to_string();
    if matches!(document.kind, ValueKind::Null) {
        // `aws lambda get-policy` of a function without one fails; a hand-made `null` means
        // "no policy", which is what a missing file means too.
        return;
    }
    let name = source_name(snapshot, source);
    let Some(doc) = read_document(
        snapshot,
        document,
        source,
        PolicyKind::Resource,
        &arn,
        || format!("{name}: policy of {arn}"),
        Encoding::Json,
    ) else {
        unreadable(snapshot, Some(&owner), &arn);
        return;
    };
    let account = snapshot.account_mut(&owner, &partition);
    if account.resources.contains_key(&arn) {
        snapshot.diagnose(
            Severity::Warning,
            source,
            top_span,
            format!("a second policy for `{arn}`: the first is kept"),
        );
        return;
    }
    account
        .resources
        .insert(arn.clone(), ResourcePolicy { arn, document: doc });
}

/// Records that the policy of `arn` is in the dump but could not be read (nothing is recorded
/// when its account is unknown: the error diagnostic says so).
fn unreadable(snapshot: &mut Snapshot, account: Option<&str>, arn: &str) {
    let Some(owner) = arn_account(arn).filter(|a| a.len() == 12).or(account) else {
        return;
    };
    let (owner, partition) = (
        owner.to_string(),
        super::arn_partition(arn).unwrap_or("aws").to_string(),
    );
    snapshot
        .account_mut(&owner, &partition)
        .unreadable
        .entry(arn.to_string())
        .or_default()
        .push(arn.to_string());
}

fn source_name(snapshot: &Snapshot, source: usize) -> String {
    snapshot
        .sources
        .get(source)
        .map(|f| f.name().to_string())
        .unwrap_or_default()
}
