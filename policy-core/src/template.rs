//! The policies embedded in infrastructure-as-code: CloudFormation and SAM templates (JSON or
//! YAML), Terraform configuration (`.tf`) and Terraform plans (`terraform show -json`).
//!
//! Each reader finds every policy document the file declares, with the [`PolicyKind`] its
//! place implies (a role's `AssumeRolePolicyDocument` is a trust policy, a bucket policy a
//! resource policy, a VPC endpoint's an endpoint policy, an organizations policy an SCP or RCP
//! by its type) and a label naming where it is (`Resources.Role.Properties.Policies[0].
//! PolicyDocument`, `aws_iam_role.lambda.assume_role_policy`). The policy is a [`Value`] whose
//! spans point into the file, ready for [`crate::parse::lower_policy`]; values only known at
//! deploy time (intrinsics, interpolations, references) are [`ValueKind::Unresolved`].
//!
//! The same readers find the policies in AWS CLI output and in a JSON array of policies (see
//! [`read_aws_cli`]).
//!
//! Places that hold a policy the reader cannot see (a SAM policy template such as
//! `S3ReadPolicy`, a managed policy name, a reference to a variable or to a policy document
//! elsewhere) are listed as [`SkippedPolicy`] so that callers can count them.
#![expect(
    clippy::doc_markdown,
    reason = "CloudFormation and CloudTrail are product names, not code"
)]

mod aws_cli;
mod cloudformation;
mod plan;
mod terraform;

use crate::ast::PolicyKind;
use crate::source::Span;
use crate::syntax::embedded::{self, Decoded};
use crate::syntax::json::SyntaxError;
use crate::syntax::{Value, ValueKind};

pub use aws_cli::{read_aws_cli, read_policy_array};
pub use cloudformation::{is_cloudformation, read_cloudformation};
pub use plan::{is_terraform_plan, read_terraform_plan};
pub use terraform::read_terraform;

/// The kinds of file that embed policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateFormat {
    /// A CloudFormation or SAM template (JSON or YAML).
    CloudFormation,
    /// Terraform configuration (HCL).
    Terraform,
    /// A Terraform plan or state in JSON (`terraform show -json`).
    TerraformPlan,
    /// What the AWS CLI returns for a policy (`aws iam get-policy-version`, `aws s3api
    /// get-bucket-policy`, `aws iam get-account-authorization-details`, ...).
    AwsCli,
    /// A JSON array of policy documents.
    PolicyArray,
}

/// One policy found in a template.
#[derive(Debug, Clone)]
pub struct EmbeddedPolicy {
    /// The kind its place implies; `None` when the place does not tell (a Terraform
    /// `aws_iam_policy_document` nothing in the file uses), to be inferred from its shape.
    pub kind: Option<PolicyKind>,
    /// Where it is: resource and property path (`Resources.Role.Properties.Policies[0].PolicyDocument`).
    pub label: String,
    /// The document, spans in the file; absent when its text could not be read as JSON.
    pub value: Option<Value>,
    /// JSON syntax errors in a policy held as a string, spans in the file.
    pub syntax_errors: Vec<SyntaxError>,
    /// Where the policy is, for a finding that cannot point inside it.
    pub span: Span,
    /// Whether spans inside the policy are exact. A policy held in a YAML string that is
    /// folded or escaped cannot be mapped character by character: its spans all point at the
    /// string.
    pub exact_spans: bool,
    /// Whether the policy was read from a string or heredoc of JSON text (rather than from the
    /// template's own objects).
    pub from_text: bool,
    /// Rule codes or names the template suppresses for this policy (CloudFormation resource
    /// `Metadata: {iampol: {ignore: [...]}}`).
    pub ignore: Vec<String>,
    /// Whether the place names the policy's resource, so that its statements need no
    /// `Resource`: an ECR repository policy applies to the repository it is attached to
    /// (Amazon ECR User Guide, "Private repository policy examples").
    pub resource_implied: bool,
}

/// A place that holds a policy the reader cannot check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedPolicy {
    /// Where it is.
    pub label: String,
    /// Why it is not checked (`SAM policy template S3ReadPolicy`, `managed policy`, ...).
    pub reason: String,
    /// Its span.
    pub span: Span,
}

/// An error that stopped a template from being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// What went wrong (`invalid YAML: ...`).
    pub message: String,
    /// Where.
    pub span: Span,
}

/// What a template holds.
#[derive(Debug, Clone)]
pub struct Template {
    /// What kind of file it is.
    pub format: TemplateFormat,
    /// The policies found, in document order.
    pub policies: Vec<EmbeddedPolicy>,
    /// Places with a policy that cannot be checked.
    pub skipped: Vec<SkippedPolicy>,
    /// Errors that kept (part of) the file from being read.
    pub errors: Vec<TemplateError>,
}

impl Template {
    fn new(format: TemplateFormat) -> Self {
        Template {
            format,
            policies: Vec::new(),
            skipped: Vec::new(),
            errors: Vec::new(),
        }
    }

    fn skip(&mut self, label: impl Into<String>, reason: impl Into<String>, span: Span) {
        self.skipped.push(SkippedPolicy {
            label: label.into(),
            reason: reason.into(),
            span,
        });
    }

    /// Adds a policy given as a (resolved) value.
    fn add_value(
        &mut self,
        kind: Option<PolicyKind>,
        label: String,
        value: Value,
        ignore: &[String],
    ) {
        self.policies.push(EmbeddedPolicy {
            kind,
            label,
            span: value.span,
            value: Some(value),
            syntax_errors: Vec::new(),
            exact_spans: true,
            from_text: false,
            ignore: ignore.to_vec(),
            resource_implied: false,
        });
    }

    /// Adds a policy held as JSON text.
    fn add_text(
        &mut self,
        kind: Option<PolicyKind>,
        label: String,
        decoded: &Decoded,
        ignore: &[String],
    ) {
        let read = embedded::read_json(decoded);
        self.policies.push(EmbeddedPolicy {
            kind,
            label,
            value: read.value,
            syntax_errors: read.errors,
            span: decoded.whole,
            exact_spans: decoded.exact,
            from_text: true,
            ignore: ignore.to_vec(),
            resource_implied: false,
        });
    }
}

impl Template {
    /// The policies from `from` on apply to the resource they are attached to: their
    /// statements need no `Resource`.
    fn imply_resource(&mut self, from: usize) {
        for policy in self.policies.iter_mut().skip(from) {
            policy.resource_implied = true;
        }
    }

    /// API Gateway reads `execute-api:/stage/method/path` in a resource policy as the API's
    /// own ARN: the policies from `from` on get that ARN, with the API unresolved.
    fn expand_execute_api(&mut self, from: usize) {
        for policy in self.policies.iter_mut().skip(from) {
            if let Some(value) = policy.value.as_mut() {
                expand_execute_api(value, 0);
            }
        }
    }
}

fn expand_execute_api(value: &mut Value, depth: usize) {
    if depth > 8 {
        return;
    }
    match &mut value.kind {
        ValueKind::Object(members) => {
            for m in members {
                if matches!(&*m.key, "Resource" | "NotResource") {
                    let targets: Vec<&mut Value> = match &mut m.value.kind {
                        ValueKind::Array(items) => items.iter_mut().collect(),
                        _ => vec![&mut m.value],
                    };
                    for t in targets {
                        if let ValueKind::String(s) = &t.kind {
                            if let Some(path) = s.strip_prefix("execute-api:/") {
                                t.kind = ValueKind::Unresolved(
                                    format!(
                                        "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{RestApi}}/{path}"
                                    )
                                    .into(),
                                );
                            }
                        }
                    }
                } else {
                    expand_execute_api(&mut m.value, depth + 1);
                }
            }
        }
        ValueKind::Array(items) => items
            .iter_mut()
            .for_each(|v| expand_execute_api(v, depth + 1)),
        _ => {}
    }
}

/// Every span of unresolved values in a tree (intrinsics, interpolations), and of keys that
/// interpolate one (Terraform's `"${var.oidc_host}:sub" = ...` or `variable = local.key`):
/// findings inside them are about text only known at deploy time. (IAM policy variables go
/// in values, not keys: `${` in a key of a template is the template's.)
pub fn unresolved_spans(value: &Value) -> Vec<Span> {
    let mut out = Vec::new();
    let mut work = vec![value];
    while let Some(v) = work.pop() {
        match &v.kind {
            ValueKind::Unresolved(_) => out.push(v.span),
            ValueKind::Array(items) => work.extend(items.iter()),
            ValueKind::Object(members) => {
                out.extend(
                    members
                        .iter()
                        .filter(|m| m.key.contains("${"))
                        .map(|m| m.key_span),
                );
                work.extend(members.iter().map(|m| &m.value));
            }
            _ => {}
        }
    }
    out.sort();
    out
}
