//! Policies in Terraform configuration: JSON in heredocs and strings, `jsonencode({...})`, and
//! `aws_iam_policy_document` data sources.

use std::collections::HashMap;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};

use super::{Template, TemplateError, TemplateFormat};
use crate::ast::PolicyKind;
use crate::source::Span;
use crate::syntax::terraform::{self as hcl, decoded_string, expr_value, span_of};
use crate::syntax::{Member, Value, ValueKind};

/// How a resource attribute's policy kind is known.
#[derive(Debug, Clone, Copy)]
pub(super) enum AttrKind {
    /// Always this kind.
    Fixed(PolicyKind),
    /// An organizations policy: SCP or RCP by the resource's `type`.
    Organizations,
}

/// The attributes of a resource type that hold a policy document.
pub(super) fn policy_attributes(resource_type: &str) -> &'static [(&'static str, AttrKind)] {
    use AttrKind::Fixed;
    use PolicyKind::{Endpoint, Identity, Resource, Trust};
    match resource_type {
        "aws_iam_policy"
        | "aws_iam_role_policy"
        | "aws_iam_user_policy"
        | "aws_iam_group_policy" => &[("policy", Fixed(Identity))],
        "aws_iam_role" => &[("assume_role_policy", Fixed(Trust))],
        "aws_ssoadmin_permission_set_inline_policy" => &[("inline_policy", Fixed(Identity))],
        "aws_s3_bucket_policy"
        | "aws_s3_bucket"
        | "aws_sqs_queue_policy"
        | "aws_sqs_queue"
        | "aws_sns_topic_policy"
        | "aws_sns_topic"
        | "aws_kms_key"
        | "aws_kms_key_policy"
        | "aws_ecr_repository_policy"
        | "aws_ecr_registry_policy"
        | "aws_api_gateway_rest_api"
        | "aws_api_gateway_rest_api_policy"
        | "aws_secretsmanager_secret"
        | "aws_secretsmanager_secret_policy"
        | "aws_efs_file_system_policy"
        | "aws_s3_access_point"
        | "aws_s3control_access_point_policy"
        | "aws_s3control_object_lambda_access_point_policy"
        | "aws_s3control_bucket_policy"
        | "aws_backup_vault_policy"
        | "aws_cloudwatch_event_bus_policy"
        | "aws_glue_resource_policy"
        | "aws_lambda_function_url" => &[("policy", Fixed(Resource))],
        "aws_ecrpublic_repository_policy" => &[("policy_text", Fixed(Resource))],
        "aws_cloudwatch_log_resource_policy" => &[("policy_document", Fixed(Resource))],
        "aws_codeartifact_domain_permissions_policy"
        | "aws_codeartifact_repository_permissions_policy" => {
            &[("policy_document", Fixed(Resource))]
        }
        "aws_glacier_vault" => &[("access_policy", Fixed(Resource))],
        "aws_elasticsearch_domain"
        | "aws_elasticsearch_domain_policy"
        | "aws_opensearch_domain"
        | "aws_opensearch_domain_policy" => &[("access_policies", Fixed(Resource))],
        "aws_vpc_endpoint" | "aws_vpc_endpoint_policy" => &[("policy", Fixed(Endpoint))],
        "aws_organizations_policy" => &[("content", AttrKind::Organizations)],
        _ => &[],
    }
}

/// The kind of an organizations policy from its `type` (`None`: not an IAM policy).
pub(super) fn organizations_kind(policy_type: Option<&str>) -> Result<PolicyKind, String> {
    match policy_type {
        None | Some("SERVICE_CONTROL_POLICY") => Ok(PolicyKind::Scp),
        Some("RESOURCE_CONTROL_POLICY") => Ok(PolicyKind::Rcp),
        Some(other) => Err(format!("`{other}` is not an IAM policy")),
    }
}

/// Finds the policies of a Terraform file.
pub fn read_terraform(text: &str) -> Template {
    let mut out = Template::new(TemplateFormat::Terraform);
    let body = match hcl::parse(text) {
        Ok(body) => body,
        Err(e) => {
            out.errors.push(TemplateError {
                message: e.to_string(),
                span: e.span,
            });
            return out;
        }
    };
    let uses = document_uses(&body, text);
    for block in body.blocks() {
        let labels: Vec<&str> = block
            .labels
            .iter()
            .map(hcl_edit::structure::BlockLabel::as_str)
            .collect();
        match (block.ident.as_str(), labels.as_slice()) {
            ("resource", [resource_type, name]) => {
                let first = out.policies.len();
                read_resource(&mut out, text, block, resource_type, name);
                if resource_type.starts_with("aws_api_gateway_rest_api") {
                    out.expand_execute_api(first);
                }
                let ignore = ignore_comments(block, text);
                for policy in out.policies.iter_mut().skip(first) {
                    policy.ignore.extend(ignore.iter().cloned());
                }
            }
            ("data", ["aws_iam_policy_document", name]) => {
                let label = format!("data.aws_iam_policy_document.{name}");
                let kind = uses.get(*name).copied();
                let doc = policy_document(block, text);
                out.add_value(kind, label, doc, &ignore_comments(block, text));
            }
            _ => {}
        }
    }
    out
}

/// The rule codes or names that comments suppress for a block's policies: a line comment
/// `# iampol: ignore S001, wildcard-resource` (or `//`) in the block or in the run of comment
/// lines right above it, the Terraform counterpart of CloudFormation's `Metadata`.
fn ignore_comments(block: &Block, text: &str) -> Vec<String> {
    let span = span_of(block);
    let before = text.get(..span.start as usize).unwrap_or_default();
    // The comment lines right above the block (its line's own start aside).
    let mut start = before.rfind('\n').map_or(0, |i| i + 1);
    while start > 0 {
        let above = before.get(..start - 1).unwrap_or_default();
        let line_start = above.rfind('\n').map_or(0, |i| i + 1);
        let line = above.get(line_start..).unwrap_or_default().trim_start();
        if !(line.starts_with('#') || line.starts_with("//")) {
            break;
        }
        start = line_start;
    }
    let region = text.get(start..span.end as usize).unwrap_or_default();
    let mut out = Vec::new();
    for line in region.lines() {
        let Some(at) = line.find("iampol:") else {
            continue;
        };
        let marker = line.get(..at).unwrap_or_default().trim_end();
        if !(marker.ends_with('#') || marker.ends_with("//")) {
            continue;
        }
        let rest = line.get(at + "iampol:".len()..).unwrap_or_default();
        let Some(list) = rest.trim_start().strip_prefix("ignore") else {
            continue;
        };
        out.extend(
            list.split([',', ' ', '\t'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string),
        );
    }
    out
}

fn attribute<'a>(body: &'a Body, name: &str) -> Option<(&'a Expression, Span)> {
    body.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == name => Some((&a.value, span_of(&a.key))),
        _ => None,
    })
}

fn read_resource(out: &mut Template, text: &str, block: &Block, resource_type: &str, name: &str) {
    let prefix = format!("{resource_type}.{name}");
    let first = out.policies.len();
    for (attr, attr_kind) in policy_attributes(resource_type) {
        let Some((expr, _)) = attribute(&block.body, attr) else {
            continue;
        };
        let label = format!("{prefix}.{attr}");
        let kind = match attr_kind {
            AttrKind::Fixed(kind) => *kind,
            AttrKind::Organizations => {
                let policy_type = attribute(&block.body, "type")
                    .and_then(|(e, _)| hcl::literal_string(e, text))
                    .map(|(s, _)| s);
                match organizations_kind(policy_type.as_deref()) {
                    Ok(kind) => kind,
                    Err(reason) => {
                        out.skip(label, reason, span_of(expr));
                        continue;
                    }
                }
            }
        };
        policy_expression(out, text, Some(kind), label, expr);
    }
    if resource_type == "aws_iam_role" {
        for (i, inline) in block
            .body
            .blocks()
            .filter(|b| b.ident.as_str() == "inline_policy")
            .enumerate()
        {
            if let Some((expr, _)) = attribute(&inline.body, "policy") {
                let label = format!("{prefix}.inline_policy[{i}].policy");
                policy_expression(out, text, Some(PolicyKind::Identity), label, expr);
            }
        }
    }
    if implies_resource(resource_type) {
        out.imply_resource(first);
    }
}

/// Whether the policies of a resource type apply to that resource and have no `Resource`:
/// ECR repository policies (private and public).
pub(super) fn implies_resource(resource_type: &str) -> bool {
    matches!(
        resource_type,
        "aws_ecr_repository_policy" | "aws_ecrpublic_repository_policy"
    )
}

/// An attribute holding a policy: `jsonencode({...})`, a heredoc or a string of JSON, or a
/// reference (skipped: the document is elsewhere).
fn policy_expression(
    out: &mut Template,
    text: &str,
    kind: Option<PolicyKind>,
    label: String,
    expr: &Expression,
) {
    let span = span_of(expr);
    match expr {
        Expression::FuncCall(call)
            if call.name.name.as_str() == "jsonencode" && call.args.len() == 1 =>
        {
            match call.args.iter().next() {
                Some(arg @ Expression::Object(_)) => {
                    out.add_value(kind, label, expr_value(arg, text), &[]);
                }
                Some(arg) => {
                    let source = text.get(span_of(arg).range()).unwrap_or_default();
                    out.skip(label, format!("computed (`{}`)", short(source)), span);
                }
                None => {}
            }
        }
        Expression::String(_) | Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => {
            let Some(decoded) = decoded_string(expr, text) else {
                out.skip(label, "unreadable string", span);
                return;
            };
            let directive = decoded.interpolations.iter().any(|r| {
                decoded
                    .text
                    .get(r.clone())
                    .is_some_and(|s| s.starts_with("%{"))
            });
            if directive {
                out.skip(label, "template directives (`%{...}`)", span);
            } else if decoded.text.trim_start().starts_with('{') {
                out.add_text(kind, label, &decoded, &[]);
            } else if decoded.interpolations.len() == 1
                && decoded.text.trim().len()
                    == decoded
                        .interpolations
                        .first()
                        .map_or(0, std::ops::Range::len)
            {
                out.skip(
                    label,
                    format!("computed (`{}`)", short(decoded.text.trim())),
                    span,
                );
            } else {
                out.skip(label, "not a policy document", span);
            }
        }
        Expression::Parenthesis(inner) => policy_expression(out, text, kind, label, inner.inner()),
        _ => {
            let source = text.get(span.range()).unwrap_or_default();
            out.skip(label, format!("computed (`{}`)", short(source)), span);
        }
    }
}

fn short(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    if line.chars().count() > 60 {
        format!("{}...", line.chars().take(60).collect::<String>())
    } else {
        line.to_string()
    }
}

/// Which `aws_iam_policy_document` data sources the file's resources use, and as what kind.
fn document_uses(body: &Body, text: &str) -> HashMap<String, PolicyKind> {
    let mut uses = HashMap::new();
    for block in body.blocks() {
        let labels: Vec<&str> = block
            .labels
            .iter()
            .map(hcl_edit::structure::BlockLabel::as_str)
            .collect();
        let ("resource", [resource_type, _]) = (block.ident.as_str(), labels.as_slice()) else {
            continue;
        };
        let mut attrs: Vec<(&Expression, PolicyKind)> = Vec::new();
        for (attr, attr_kind) in policy_attributes(resource_type) {
            if let Some((expr, _)) = attribute(&block.body, attr) {
                let kind = match attr_kind {
                    AttrKind::Fixed(k) => *k,
                    AttrKind::Organizations => {
                        let policy_type = attribute(&block.body, "type")
                            .and_then(|(e, _)| hcl::literal_string(e, text))
                            .map(|(s, _)| s);
                        match organizations_kind(policy_type.as_deref()) {
                            Ok(k) => k,
                            Err(_) => continue,
                        }
                    }
                };
                attrs.push((expr, kind));
            }
        }
        if *resource_type == "aws_iam_role" {
            for inline in block
                .body
                .blocks()
                .filter(|b| b.ident.as_str() == "inline_policy")
            {
                if let Some((expr, _)) = attribute(&inline.body, "policy") {
                    attrs.push((expr, PolicyKind::Identity));
                }
            }
        }
        for (expr, kind) in attrs {
            let source = text.get(span_of(expr).range()).unwrap_or_default();
            let mut rest = source;
            while let Some(i) = rest.find("data.aws_iam_policy_document.") {
                let after = rest
                    .get(i + "data.aws_iam_policy_document.".len()..)
                    .unwrap_or_default();
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                rest = after;
                if !name.is_empty() {
                    uses.entry(name).or_insert(kind);
                }
            }
        }
    }
    uses
}

/// An `aws_iam_policy_document` data source as the policy it renders. Spans point at the
/// HCL: an element at its attribute or block, a value at its expression. What the provider
/// fills in (`Version: 2012-10-17`, `Effect: Allow`) points at the block that omits it.
fn policy_document(block: &Block, text: &str) -> Value {
    let block_span = span_of(block);
    let head = span_of(&block.ident);
    let mut members = Vec::new();
    match attribute(&block.body, "version") {
        Some((e, key)) => members.push(member("Version", key, policy_value(e, text))),
        None => members.push(member("Version", head, string("2012-10-17", head))),
    }
    if let Some((e, key)) = attribute(&block.body, "policy_id") {
        members.push(member("Id", key, policy_value(e, text)));
    }
    let mut statements = Vec::new();
    let mut statement_key = None;
    for st in block
        .body
        .blocks()
        .filter(|b| b.ident.as_str() == "statement")
    {
        statement_key.get_or_insert(span_of(&st.ident));
        statements.push(statement(st, text));
    }
    if let Some(key) = statement_key {
        let span = statements
            .iter()
            .map(|s: &Value| s.span)
            .reduce(Span::join)
            .unwrap_or(key);
        members.push(member(
            "Statement",
            key,
            Value {
                kind: ValueKind::Array(statements),
                span,
            },
        ));
    }
    Value {
        kind: ValueKind::Object(members),
        span: block_span,
    }
}

fn statement(block: &Block, text: &str) -> Value {
    let span = span_of(block);
    let head = span_of(&block.ident);
    let mut members = Vec::new();
    for (attr, element) in [
        ("sid", "Sid"),
        ("effect", "Effect"),
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        match attribute(&block.body, attr) {
            Some((e, key)) => members.push(member(element, key, policy_value(e, text))),
            None if element == "Effect" => {
                members.push(member("Effect", head, string("Allow", head)));
            }
            None => {}
        }
    }
    for (ident, element) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        if let Some(p) = principals(block, ident, text) {
            members.push(p.rename(element));
        }
    }
    if let Some(c) = conditions(block, text) {
        members.push(c);
    }
    Value {
        kind: ValueKind::Object(members),
        span,
    }
}

trait Rename {
    fn rename(self, key: &str) -> Self;
}

impl Rename for Member {
    fn rename(mut self, key: &str) -> Self {
        self.key = key.into();
        self
    }
}

/// `principals { type = "AWS" identifiers = [...] }` blocks, merged by type. A `*` type with
/// `*` identifiers is `"Principal": "*"`, as the provider renders it.
fn principals(block: &Block, ident: &str, text: &str) -> Option<Member> {
    let blocks: Vec<&Block> = block
        .body
        .blocks()
        .filter(|b| b.ident.as_str() == ident)
        .collect();
    let first = blocks.first()?;
    let key_span = span_of(&first.ident);
    let span = blocks
        .iter()
        .map(|b| span_of(*b))
        .reduce(Span::join)
        .unwrap_or(key_span);
    let mut entries: Vec<Member> = Vec::new();
    for b in &blocks {
        let Some((type_expr, _)) = attribute(&b.body, "type") else {
            continue;
        };
        let type_value = policy_value(type_expr, text);
        let identifiers = attribute(&b.body, "identifiers").map(|(e, _)| policy_value(e, text));
        let Some(identifiers) = identifiers else {
            continue;
        };
        if type_value.as_str() == Some("*") {
            return Some(member(
                ident,
                key_span,
                identifiers_as_wildcard(&identifiers),
            ));
        }
        let type_name: Box<str> = match &type_value.kind {
            ValueKind::String(s) | ValueKind::Unresolved(s) => s.clone(),
            _ => continue,
        };
        if let Some(existing) = entries.iter_mut().find(|m| m.key == type_name) {
            let extra = match identifiers.kind {
                ValueKind::Array(items) => items,
                _ => vec![identifiers],
            };
            let prev = std::mem::replace(&mut existing.value.kind, ValueKind::Null);
            let mut items = match prev {
                ValueKind::Array(items) => items,
                other => vec![Value {
                    kind: other,
                    span: existing.value.span,
                }],
            };
            items.extend(extra);
            existing.value.kind = ValueKind::Array(items);
        } else {
            entries.push(Member {
                key: type_name,
                key_span: type_value.span,
                value: identifiers,
            });
        }
    }
    Some(member(
        ident,
        key_span,
        Value {
            kind: ValueKind::Object(entries),
            span,
        },
    ))
}

fn identifiers_as_wildcard(identifiers: &Value) -> Value {
    let span = identifiers.span;
    Value {
        kind: ValueKind::String("*".into()),
        span,
    }
}

/// `condition { test variable values }` blocks, grouped by operator.
fn conditions(block: &Block, text: &str) -> Option<Member> {
    let blocks: Vec<&Block> = block
        .body
        .blocks()
        .filter(|b| b.ident.as_str() == "condition")
        .collect();
    let first = blocks.first()?;
    let key_span = span_of(&first.ident);
    let span = blocks
        .iter()
        .map(|b| span_of(*b))
        .reduce(Span::join)
        .unwrap_or(key_span);
    let mut operators: Vec<Member> = Vec::new();
    for b in &blocks {
        let (Some((test, _)), Some((variable, _)), Some((values, _))) = (
            attribute(&b.body, "test"),
            attribute(&b.body, "variable"),
            attribute(&b.body, "values"),
        ) else {
            continue;
        };
        let test = policy_value(test, text);
        let variable = policy_value(variable, text);
        let (Some(op), Some(var)) = (text_of(&test), text_of(&variable)) else {
            continue;
        };
        let entry = Member {
            key: var,
            key_span: variable.span,
            value: policy_value(values, text),
        };
        let block_span = span_of(*b);
        if let Some(existing) = operators.iter_mut().find(|m| m.key == op) {
            existing.value.span = existing.value.span.join(block_span);
            if let ValueKind::Object(members) = &mut existing.value.kind {
                members.push(entry);
            }
        } else {
            operators.push(Member {
                key: op,
                key_span: test.span,
                value: Value {
                    kind: ValueKind::Object(vec![entry]),
                    span: block_span,
                },
            });
        }
    }
    Some(member(
        "Condition",
        key_span,
        Value {
            kind: ValueKind::Object(operators),
            span,
        },
    ))
}

fn text_of(value: &Value) -> Option<Box<str>> {
    match &value.kind {
        ValueKind::String(s) | ValueKind::Unresolved(s) => Some(s.clone()),
        _ => None,
    }
}

/// An expression in a policy document: `&{aws:username}` is the provider's spelling of the
/// policy variable `${aws:username}`.
fn policy_value(expr: &Expression, text: &str) -> Value {
    let mut v = expr_value(expr, text);
    amp_variables(&mut v);
    v
}

fn amp_variables(value: &mut Value) {
    match &mut value.kind {
        ValueKind::String(s) if s.contains("&{") => *s = s.replace("&{", "${").into(),
        ValueKind::Array(items) => items.iter_mut().for_each(amp_variables),
        _ => {}
    }
}

fn member(key: &str, key_span: Span, value: Value) -> Member {
    Member {
        key: key.into(),
        key_span,
        value,
    }
}

fn string(s: &str, span: Span) -> Value {
    Value {
        kind: ValueKind::String(s.into()),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_suppress_rules_for_a_block() {
        let text = r#"
# Legacy role, reviewed.
# iampol: ignore S003, wildcard-action
resource "aws_iam_policy" "p" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "arn:aws:s3:::a/b" }] }) // iampol: ignore N002
}

# iampol: ignore C101

resource "aws_iam_policy" "q" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}
data "aws_iam_policy_document" "d" {
  # iampol:ignore S001
  statement {
    actions = ["s3:*"]
  }
}
"#;
        let t = read_terraform(text);
        let ignores: Vec<Vec<String>> = t.policies.iter().map(|p| p.ignore.clone()).collect();
        assert_eq!(
            ignores,
            vec![
                vec!["S003".to_string(), "wildcard-action".into(), "N002".into()],
                // A blank line between the comment and the block ends the run.
                vec![],
                vec!["S001".to_string()],
            ]
        );
    }

    #[test]
    fn finds_heredoc_jsonencode_and_documents() {
        let text = r#"
resource "aws_iam_role" "r" {
  assume_role_policy = data.aws_iam_policy_document.trust.json
  inline_policy {
    name   = "x"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
  }
}
resource "aws_s3_bucket_policy" "b" {
  bucket = aws_s3_bucket.b.id
  policy = <<EOF
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "${aws_s3_bucket.b.arn}/*"}]}
EOF
}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account]
    }
  }
}
"#;
        let t = read_terraform(text);
        let got: Vec<(String, Option<PolicyKind>)> = t
            .policies
            .iter()
            .map(|p| (p.label.clone(), p.kind))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "aws_iam_role.r.inline_policy[0].policy".to_string(),
                    Some(PolicyKind::Identity)
                ),
                (
                    "aws_s3_bucket_policy.b.policy".to_string(),
                    Some(PolicyKind::Resource)
                ),
                (
                    "data.aws_iam_policy_document.trust".to_string(),
                    Some(PolicyKind::Trust)
                ),
            ]
        );
        assert_eq!(t.skipped.len(), 1);
        let doc = t.policies[2].value.as_ref().unwrap();
        let ValueKind::Array(st) = &doc.get("Statement").unwrap().kind else {
            panic!()
        };
        let service = st[0].get("Principal").unwrap().get("Service").unwrap();
        assert_eq!(&text[service.span.range()], "[\"lambda.amazonaws.com\"]");
        assert_eq!(st[0].get("Effect").unwrap().as_str(), Some("Allow"));
        let cond = st[0].get("Condition").unwrap().get("StringEquals").unwrap();
        let ValueKind::Array(values) = &cond.get("aws:SourceAccount").unwrap().kind else {
            panic!()
        };
        assert!(matches!(&values[0].kind, ValueKind::Unresolved(s) if &**s == "${var.account}"));
        let bucket = t.policies[1].value.as_ref().unwrap();
        let ValueKind::Array(st) = &bucket.get("Statement").unwrap().kind else {
            panic!()
        };
        let r = st[0].get("Resource").unwrap();
        assert_eq!(&text[r.span.range()], "\"${aws_s3_bucket.b.arn}/*\"");
    }
}
