//! Policies in a Terraform plan or state shown as JSON (`terraform show -json`).
//!
//! The policies of `planned_values` (and of `values`, for a state) are JSON strings: their
//! content is decoded with a map from every character to its escape in the file, so spans
//! inside the policy are exact.

use super::terraform::{implies_resource, organizations_kind, policy_attributes, AttrKind};
use super::{Template, TemplateFormat};
use crate::ast::PolicyKind;
use crate::syntax::embedded;
use crate::syntax::{Value, ValueKind};

/// Whether a JSON document is a Terraform plan or state: it has `planned_values`, or both
/// `format_version` and `terraform_version`.
pub fn is_terraform_plan(value: &Value) -> bool {
    value.get("planned_values").is_some()
        || (value.get("format_version").is_some() && value.get("terraform_version").is_some())
}

/// Finds the policies of a plan read by the JSON reader; `text` is the file.
pub fn read_terraform_plan(value: &Value, text: &str) -> Template {
    let mut out = Template::new(TemplateFormat::TerraformPlan);
    for root in ["planned_values", "values"] {
        if let Some(module) = value.get(root).and_then(|v| v.get("root_module")) {
            module_policies(&mut out, text, module, 0);
        }
    }
    out
}

fn module_policies(out: &mut Template, text: &str, module: &Value, depth: usize) {
    if depth > 64 {
        return;
    }
    if let Some(ValueKind::Array(resources)) = module.get("resources").map(|r| &r.kind) {
        for resource in resources {
            resource_policies(out, text, resource);
        }
    }
    if let Some(ValueKind::Array(children)) = module.get("child_modules").map(|c| &c.kind) {
        for child in children {
            module_policies(out, text, child, depth + 1);
        }
    }
}

fn resource_policies(out: &mut Template, text: &str, resource: &Value) {
    let (Some(address), Some(resource_type), Some(values)) = (
        resource.get("address").and_then(Value::as_str),
        resource.get("type").and_then(Value::as_str),
        resource.get("values"),
    ) else {
        return;
    };
    let mut places: Vec<(String, Option<PolicyKind>, &Value)> = Vec::new();
    for (attr, attr_kind) in policy_attributes(resource_type) {
        let Some(v) = values.get(attr) else { continue };
        let label = format!("{address}.{attr}");
        let kind = match attr_kind {
            AttrKind::Fixed(kind) => *kind,
            AttrKind::Organizations => {
                match organizations_kind(values.get("type").and_then(Value::as_str)) {
                    Ok(kind) => kind,
                    Err(reason) => {
                        out.skip(label, reason, v.span);
                        continue;
                    }
                }
            }
        };
        places.push((label, Some(kind), v));
    }
    if resource_type == "aws_iam_role" {
        if let Some(ValueKind::Array(inline)) = values.get("inline_policy").map(|v| &v.kind) {
            for (i, item) in inline.iter().enumerate() {
                if let Some(v) = item.get("policy") {
                    places.push((
                        format!("{address}.inline_policy[{i}].policy"),
                        Some(PolicyKind::Identity),
                        v,
                    ));
                }
            }
        }
    }
    if resource_type == "aws_iam_policy_document" {
        if let Some(v) = values.get("json") {
            places.push((format!("{address}.json"), None, v));
        }
    }
    let first = out.policies.len();
    for (label, kind, v) in places {
        match &v.kind {
            ValueKind::String(s) if s.trim().is_empty() => {}
            ValueKind::String(_) => {
                let raw = text.get(v.span.range()).unwrap_or_default();
                match embedded::decode_json_string(raw, v.span.start as usize) {
                    Some(decoded) => out.add_text(kind, label, &decoded, &[]),
                    None => out.skip(label, "unreadable string", v.span),
                }
            }
            ValueKind::Object(_) => out.add_value(kind, label, v.clone(), &[]),
            _ => {}
        }
    }
    if implies_resource(resource_type) {
        out.imply_resource(first);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::json;

    #[test]
    fn policies_in_plan_strings_map_into_the_file() {
        let text = r#"{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {"root_module": {
  "resources": [{"address": "aws_iam_policy.p", "type": "aws_iam_policy", "values": {"policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObjekt\",\"Resource\":\"*\"}]}"}}],
  "child_modules": [{"resources": [{"address": "module.m.aws_iam_role.r", "type": "aws_iam_role", "values": {"assume_role_policy": "{\"Statement\":[]}", "inline_policy": [{"policy": "{}"}]}}]}]
}}}"#;
        let v = json::parse(text).value.unwrap();
        assert!(is_terraform_plan(&v));
        let t = read_terraform_plan(&v, text);
        let labels: Vec<&str> = t.policies.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "aws_iam_policy.p.policy",
                "module.m.aws_iam_role.r.assume_role_policy",
                "module.m.aws_iam_role.r.inline_policy[0].policy"
            ]
        );
        let doc = t.policies[0].value.as_ref().unwrap();
        let ValueKind::Array(st) = &doc.get("Statement").unwrap().kind else {
            panic!()
        };
        let action = st[0].get("Action").unwrap();
        assert_eq!(&text[action.span.range()], r#"\"s3:GetObjekt\""#);
    }
}
