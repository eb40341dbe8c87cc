//! Step 1, read: the original policy (its syntax tree, its JSON statements, compiled for the
//! evaluator) and what the principal was recorded doing (the mapped calls as requests, and the
//! calls that could not be mapped).

use std::sync::Arc;

use policy_core::ast::{Policy, PolicyKind};
use policy_core::eval::CompiledPolicy;
use policy_core::parse::parse_policy;
use policy_core::request::{Request, RequestPrincipal};
use serde_json::Value;

use super::TightenError;
use crate::generate::aggregate::PrincipalActivity;
use crate::generate::mapping::unescape;

/// The policy to tighten.
#[derive(Debug, Clone)]
pub(super) struct Original {
    /// The syntax tree.
    pub(super) policy: Policy,
    /// The document as written.
    pub(super) doc: Value,
    /// Its statements as written, in order (the same order as `policy.statements`).
    pub(super) statements: Vec<Value>,
    /// The whole policy, compiled.
    pub(super) compiled: CompiledPolicy,
}

impl Original {
    /// The statement at `index` alone, compiled (its Sid and position kept for reasons).
    pub(super) fn one_statement(&self, index: usize) -> CompiledPolicy {
        CompiledPolicy {
            statements: self
                .compiled
                .statements
                .get(index)
                .cloned()
                .into_iter()
                .collect(),
            ..self.compiled.clone()
        }
    }
}

/// Reads the policy text: an identity policy without errors, whose JSON statements line up
/// with the parsed ones.
pub(super) fn read_policy(text: &str) -> Result<Original, TightenError> {
    let parsed = parse_policy(text, Some(PolicyKind::Identity));
    if let Some(e) = parsed.errors.first() {
        return Err(TightenError::Policy(e.kind.to_string()));
    }
    let Some(policy) = parsed.policy else {
        return Err(TightenError::Policy("not a policy document".into()));
    };
    let doc: Value = serde_json::from_str(text).map_err(|e| TightenError::Policy(e.to_string()))?;
    let statements = statement_values(&doc);
    if statements.len() != policy.statements.len() {
        return Err(TightenError::Policy(
            "the statements could not be read one by one".into(),
        ));
    }
    let compiled = CompiledPolicy::new(&policy, "original", 0);
    Ok(Original {
        policy,
        doc,
        statements,
        compiled,
    })
}

/// The statements of a policy document, in order (a lone statement object is one).
pub(super) fn statement_values(doc: &Value) -> Vec<Value> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(v @ Value::Object(_)) => vec![v.clone()],
        _ => Vec::new(),
    }
}

/// Reads the principal the policy is attached to.
pub(super) fn read_principal(principal: &str) -> Result<Arc<RequestPrincipal>, TightenError> {
    RequestPrincipal::parse(principal)
        .map(Arc::new)
        .map_err(|_| TightenError::Principal(principal.to_string()))
}

/// One distinct recorded call as the generator mapped it: action × resource (policy form),
/// with the context of one of its calls.
#[derive(Debug, Clone)]
pub(super) struct MappedCall {
    /// `service:Action`.
    pub(super) action: String,
    /// The resource in policy form (`*` for unknown parts, `${*}` for a literal `*`).
    pub(super) resource: String,
    /// The request to evaluate.
    pub(super) request: Request,
}

/// The principal's mapped calls, sorted by action then resource.
pub(super) fn mapped_calls(
    activity: Option<&PrincipalActivity>,
    who: &Arc<RequestPrincipal>,
) -> Vec<MappedCall> {
    let mut calls = Vec::new();
    for (action, used) in activity.iter().flat_map(|a| &a.actions) {
        for (resource, ctx) in &used.resources {
            calls.push(MappedCall {
                action: action.clone(),
                resource: resource.clone(),
                request: Request::new(
                    Arc::clone(who),
                    action,
                    unescape(resource),
                    None,
                    ctx.to_context(),
                ),
            });
        }
    }
    calls
}

/// A recorded call the generator could not map to IAM actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UnmappedCall {
    /// `eventSource` (`s3.amazonaws.com`).
    pub(super) source: String,
    /// `eventName`.
    pub(super) name: String,
    /// How many calls.
    pub(super) count: u64,
}

impl UnmappedCall {
    /// `"<eventSource> <eventName>"`, as the summary writes it.
    pub(super) fn label(&self) -> String {
        format!("{} {}", self.source, self.name)
    }
}

/// The principal's unmapped calls (`PrincipalActivity::unmapped` keys are
/// `"<eventSource> <eventName>"`), sorted.
pub(super) fn unmapped_calls(activity: Option<&PrincipalActivity>) -> Vec<UnmappedCall> {
    activity
        .iter()
        .flat_map(|a| &a.unmapped)
        .map(|(call, count)| {
            let (source, name) = call.split_once(' ').unwrap_or((call.as_str(), ""));
            UnmappedCall {
                source: source.to_string(),
                name: name.to_string(),
                count: *count,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_policies_and_refuses_broken_ones() {
        let one = read_policy(
            r#"{"Version": "2012-10-17", "Statement": {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#,
        )
        .unwrap();
        assert_eq!(one.statements.len(), 1);
        assert_eq!(one.statements[0]["Sid"], "A");
        assert_eq!(one.one_statement(0).statements.len(), 1);
        assert!(one.one_statement(5).statements.is_empty());
        assert!(matches!(read_policy("{"), Err(TightenError::Policy(_))));
        assert!(matches!(
            read_policy(
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}"#
            ),
            Err(TightenError::Policy(_))
        ));
        assert!(read_principal("bob").is_err());
        assert!(read_principal("arn:aws:iam::111122223333:role/app").is_ok());
    }

    #[test]
    fn unmapped_calls_are_split_into_source_and_name() {
        let activity = PrincipalActivity {
            arn: "arn:aws:iam::111122223333:user/alice".into(),
            kind: crate::generate::aggregate::PrincipalType::User,
            events: 3,
            mapped: 0,
            permissionless: 0,
            denied: 0,
            unmapped: [("example.amazonaws.com DoThing".to_string(), 3)]
                .into_iter()
                .collect(),
            denied_calls: std::collections::BTreeMap::new(),
            actions: std::collections::BTreeMap::new(),
            first_event: None,
            last_event: None,
        };
        let calls = unmapped_calls(Some(&activity));
        assert_eq!(
            calls,
            vec![UnmappedCall {
                source: "example.amazonaws.com".into(),
                name: "DoThing".into(),
                count: 3
            }]
        );
        assert_eq!(calls[0].label(), "example.amazonaws.com DoThing");
        assert!(unmapped_calls(None).is_empty());
        let who = read_principal(&activity.arn).unwrap();
        assert!(mapped_calls(Some(&activity), &who).is_empty());
    }
}
