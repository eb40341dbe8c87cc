//! Policies in the JSON the AWS CLI (or the IAM API, or an SDK) returns, and in a JSON array
//! of policy documents.
//!
//! Each output is recognised by its top-level keys (AWS CLI Command Reference, the output of
//! each command; IAM API Reference for the members):
//!
//! | command | where the policy is | kind |
//! | --- | --- | --- |
//! | `aws iam get-policy-version` | `PolicyVersion.Document` | identity |
//! | `aws iam get-role-policy`, `get-user-policy`, `get-group-policy` | `PolicyDocument` (with `RoleName`, `UserName` or `GroupName`, and `PolicyName`) | identity |
//! | `aws iam get-role` | `Role.AssumeRolePolicyDocument` | trust |
//! | `aws iam get-account-authorization-details` | `UserDetailList[].UserPolicyList[].PolicyDocument`, `GroupDetailList[].GroupPolicyList[].PolicyDocument`, `RoleDetailList[].RolePolicyList[].PolicyDocument` (identity), `RoleDetailList[].AssumeRolePolicyDocument` (trust), `Policies[].PolicyVersionList[].Document` of the default version (identity) | |
//! | `aws s3api get-bucket-policy`, `aws kms get-key-policy`, `aws lambda get-policy` | `Policy` (a string) | resource |
//! | `aws secretsmanager get-resource-policy` | `ResourcePolicy` | resource |
//! | `aws sqs get-queue-attributes`, `aws sns get-topic-attributes` | `Attributes.Policy` | resource |
//! | `aws ecr get-repository-policy` | `policyText` | resource |
//!
//! A document is a JSON object (the CLI decodes IAM documents), a string of JSON (resource
//! getters), or a URL-encoded string (the IAM API returns documents "URL-encoded compliant with
//! RFC 3986"; SDKs other than botocore hand them back so). Spans inside a string map to its
//! escapes exactly.
//!
//! Versions of a managed policy other than the default one are not in force: they are listed
//! as skipped, not checked.

use super::{Template, TemplateFormat};
use crate::ast::PolicyKind;
use crate::syntax::embedded;
use crate::syntax::{Value, ValueKind};

/// Reads the policies of an AWS CLI output; `None` when the document is none of the outputs
/// above, or holds no document. `text` is the file.
pub fn read_aws_cli(value: &Value, text: &str) -> Option<Template> {
    let mut out = Template::new(TemplateFormat::AwsCli);
    let mut reader = Reader {
        out: &mut out,
        text,
    };
    if let Some(version) = value.get("PolicyVersion") {
        reader.version("PolicyVersion", version, false);
    } else if let (Some(doc), Some(_), true) = (
        value.get("PolicyDocument"),
        value.get("PolicyName"),
        ["RoleName", "UserName", "GroupName"]
            .iter()
            .any(|k| value.get(k).is_some()),
    ) {
        reader.document(Some(PolicyKind::Identity), "PolicyDocument".into(), doc);
    } else if let Some(doc) = value
        .get("Role")
        .and_then(|r| r.get("AssumeRolePolicyDocument"))
    {
        reader.document(
            Some(PolicyKind::Trust),
            "Role.AssumeRolePolicyDocument".into(),
            doc,
        );
    } else if [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ]
    .iter()
    .any(|k| matches!(value.get(k).map(|v| &v.kind), Some(ValueKind::Array(_))))
    {
        reader.authorization_details(value);
    } else if let Some(doc) = resource_policy(value) {
        let (label, doc) = doc;
        reader.document(Some(PolicyKind::Resource), label.into(), doc);
        if label == "policyText" {
            // An ECR repository policy applies to its repository: no `Resource`.
            out.imply_resource(0);
        }
    } else {
        return None;
    }
    // Output with the right keys but no document (`aws iam list-policies` has `Policies`
    // too) is not one of these outputs.
    (!out.policies.is_empty() || !out.skipped.is_empty()).then_some(out)
}

/// Reads a JSON array whose every element is a policy document (an object with `Statement`)
/// as that many policies, labelled by index; `None` for any other document. `kind` is the kind
/// of every policy, when known.
pub fn read_policy_array(value: &Value, kind: Option<PolicyKind>) -> Option<Template> {
    let ValueKind::Array(items) = &value.kind else {
        return None;
    };
    if items.is_empty() || !items.iter().all(|v| v.get("Statement").is_some()) {
        return None;
    }
    let mut out = Template::new(TemplateFormat::PolicyArray);
    for (i, item) in items.iter().enumerate() {
        out.add_value(kind, format!("[{i}]"), item.clone(), &[]);
    }
    Some(out)
}

/// The resource policy of a resource getter's output: its label and value.
fn resource_policy(value: &Value) -> Option<(&'static str, &Value)> {
    let is_text = |v: &&Value| matches!(v.kind, ValueKind::String(_));
    if let Some(v) = value.get("Policy").filter(is_text) {
        return Some(("Policy", v));
    }
    if let Some(v) = value.get("ResourcePolicy").filter(is_text) {
        return Some(("ResourcePolicy", v));
    }
    if let Some(v) = value
        .get("Attributes")
        .and_then(|a| a.get("Policy"))
        .filter(is_text)
    {
        return Some(("Attributes.Policy", v));
    }
    if value.get("repositoryName").is_some() {
        if let Some(v) = value.get("policyText").filter(is_text) {
            return Some(("policyText", v));
        }
    }
    None
}

struct Reader<'a> {
    out: &'a mut Template,
    text: &'a str,
}

impl Reader<'_> {
    /// A document: an object, a string of JSON, or a URL-encoded string of JSON.
    fn document(&mut self, kind: Option<PolicyKind>, label: String, doc: &Value) {
        match &doc.kind {
            ValueKind::Object(_) => self.out.add_value(kind, label, doc.clone(), &[]),
            ValueKind::String(s) => {
                let raw = self.text.get(doc.span.range()).unwrap_or_default();
                let Some(decoded) = embedded::decode_json_string(raw, doc.span.start as usize)
                else {
                    self.out.skip(label, "unreadable string", doc.span);
                    return;
                };
                let t = s.trim_start();
                if t.starts_with('%') {
                    match embedded::decode_percent(&decoded) {
                        Some(d) => self.out.add_text(kind, label, &d, &[]),
                        None => self.out.skip(label, "malformed URL encoding", doc.span),
                    }
                } else {
                    self.out.add_text(kind, label, &decoded, &[]);
                }
            }
            _ => self.out.skip(
                label,
                format!("a {} is no policy", doc.type_name()),
                doc.span,
            ),
        }
    }

    /// A policy version: its `Document`, when it is the default version (or says nothing).
    fn version(&mut self, label: &str, version: &Value, check_default: bool) {
        let Some(doc) = version.get("Document") else {
            return;
        };
        let label = format!("{label}.Document");
        let default = version.get("IsDefaultVersion").map(|v| &v.kind);
        if check_default && matches!(default, Some(ValueKind::Bool(false))) {
            self.out.skip(label, "not the default version", doc.span);
            return;
        }
        self.document(Some(PolicyKind::Identity), label, doc);
    }

    /// `get-account-authorization-details`.
    fn authorization_details(&mut self, value: &Value) {
        for (list, inline) in [
            ("UserDetailList", "UserPolicyList"),
            ("GroupDetailList", "GroupPolicyList"),
            ("RoleDetailList", "RolePolicyList"),
        ] {
            for (i, entity) in items(value.get(list)).iter().enumerate() {
                let at = format!("{list}[{i}]");
                if let Some(doc) = entity.get("AssumeRolePolicyDocument") {
                    self.document(
                        Some(PolicyKind::Trust),
                        format!("{at}.AssumeRolePolicyDocument"),
                        doc,
                    );
                }
                for (j, policy) in items(entity.get(inline)).iter().enumerate() {
                    if let Some(doc) = policy.get("PolicyDocument") {
                        self.document(
                            Some(PolicyKind::Identity),
                            format!("{at}.{inline}[{j}].PolicyDocument"),
                            doc,
                        );
                    }
                }
            }
        }
        for (i, policy) in items(value.get("Policies")).iter().enumerate() {
            for (j, version) in items(policy.get("PolicyVersionList")).iter().enumerate() {
                self.version(
                    &format!("Policies[{i}].PolicyVersionList[{j}]"),
                    version,
                    true,
                );
            }
        }
    }
}

fn items(value: Option<&Value>) -> &[Value] {
    match value.map(|v| &v.kind) {
        Some(ValueKind::Array(items)) => items,
        _ => &[],
    }
}
