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
use crate::generate::mapping::{unescape, Mapper, Plan};

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
    /// Only that statement is copied: copying the whole policy for each statement made
    /// tightening quadratic in the number of statements.
    pub(super) fn one_statement(&self, index: usize) -> CompiledPolicy {
        CompiledPolicy {
            name: Arc::clone(&self.compiled.name),
            source: self.compiled.source,
            statements: self
                .compiled
                .statements
                .get(index)
                .cloned()
                .into_iter()
                .collect(),
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

/// A recorded call the decisions cannot see: the statements that could allow it are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct UnseenCall {
    /// Its `eventSource` (`s3.amazonaws.com`).
    pub(super) source: String,
    /// The actions it needs, when the mapping knows them (then a statement could allow the
    /// call only through them); `None`: any action of the source's service.
    pub(super) actions: Option<Vec<String>>,
    /// How the report names it (`"<eventSource> <eventName>"`, as the summary writes it).
    pub(super) label: String,
    /// Why the decisions cannot see it, completing "calls …" (`that could not be mapped to
    /// IAM actions`).
    pub(super) why: &'static str,
    /// How many calls.
    pub(super) count: u64,
}

/// Why unmapped calls are unseen.
const UNMAPPED: &str = "that could not be mapped to IAM actions";

impl UnseenCall {
    /// A call `source`/`name`, with the actions the mapping plans for it, if any.
    pub(super) fn new(
        mapper: &mut Mapper,
        source: &str,
        name: &str,
        label: String,
        why: &'static str,
        count: u64,
    ) -> Self {
        let actions = match &mapper.plan(source, name).plan {
            Plan::Actions(planned) => Some(planned.iter().map(|a| a.action.to_string()).collect()),
            Plan::Permissionless | Plan::Unmapped(_) => None,
        };
        UnseenCall {
            source: source.to_string(),
            actions,
            label,
            why,
            count,
        }
    }
}

/// The principal's recorded calls the decisions cannot see: its unmapped calls
/// (`PrincipalActivity::unmapped`, keyed `"<eventSource> <eventName>"`), sorted.
///
/// Also the successful calls the generator left out because they named nothing of the
/// resource their action needs (`PrincipalActivity::left_out`; failed calls are not: nothing
/// says they were authorized), and `iam:PassRole` for instance profiles whose role the trail
/// does not name (`PrincipalActivity::pass_role_unresolved`): CloudTrail never logs PassRole,
/// so no check can see it.
pub(super) fn unseen_calls(activity: Option<&PrincipalActivity>) -> Vec<UnseenCall> {
    let mut mapper = Mapper::new();
    let mut out: Vec<UnseenCall> = activity
        .iter()
        .flat_map(|a| &a.unmapped)
        .map(|(call, count)| {
            let (source, name) = call.split_once(' ').unwrap_or((call.as_str(), ""));
            UnseenCall::new(&mut mapper, source, name, call.clone(), UNMAPPED, *count)
        })
        .collect();
    if let Some(a) = activity {
        for (key, count) in &a.left_out {
            let (call, why) = key.split_once(" (").unwrap_or((key.as_str(), ""));
            if why.starts_with("failed") {
                continue;
            }
            let (source, name) = call.split_once(' ').unwrap_or((call, ""));
            out.push(UnseenCall::new(
                &mut mapper,
                source,
                name,
                key.clone(),
                NO_RESOURCE,
                *count,
            ));
        }
        for profile in &a.pass_role_unresolved {
            out.push(UnseenCall {
                source: "iam.amazonaws.com".into(),
                actions: Some(vec!["iam:PassRole".into()]),
                label: format!("iam:PassRole for the role of instance profile {profile}"),
                why: PASSED_ROLE,
                count: 1,
            });
        }
    }
    out
}

/// Why left-out calls are unseen.
const NO_RESOURCE: &str = "that named nothing of the resource their action needs";
/// Why passed roles of instance profiles are unseen.
const PASSED_ROLE: &str =
    "that passed the role of an instance profile no call of the trail links to a role";

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
    fn recorded_calls_are_read_from_the_activity() {
        use std::io::Cursor;

        use crate::generate::aggregate::Selection;
        use crate::generate::cloudtrail::{Input, ReadOptions};
        use crate::generate::read_activity;

        let alice = "arn:aws:iam::111122223333:user/alice";
        // Two calls in the CloudTrail record shape: one S3 data event, and one of a service
        // the IAM reference does not know.
        let event = |source: &str, name: &str| {
            serde_json::json!({
                "userIdentity": {"type": "IAMUser", "arn": alice, "accountId": "111122223333"},
                "eventTime": "2024-08-01T10:00:00Z",
                "eventSource": source,
                "eventName": name,
                "awsRegion": "us-east-1",
                "requestParameters": {"bucketName": "reports", "key": "a.csv"},
                "eventType": "AwsApiCall",
                "recipientAccountId": "111122223333"
            })
            .to_string()
        };
        let text = format!(
            "{}\n{}\n",
            event("s3.amazonaws.com", "GetObject"),
            event("example.amazonaws.com", "DoThing")
        );
        let activity = read_activity(
            vec![Input::Stream {
                name: "t".into(),
                reader: Box::new(Cursor::new(text.into_bytes())),
            }],
            Selection::default(),
            &ReadOptions::default(),
            None,
        );
        let principal = activity.principals.get(alice);
        let calls = unseen_calls(principal);
        assert_eq!(
            calls,
            vec![UnseenCall {
                source: "example.amazonaws.com".into(),
                actions: None,
                label: "example.amazonaws.com DoThing".into(),
                why: UNMAPPED,
                count: 1
            }]
        );
        // A call the mapping knows carries its actions.
        let known = UnseenCall::new(
            &mut Mapper::new(),
            "iam.amazonaws.com",
            "DeleteLoginProfile",
            "iam.amazonaws.com DeleteLoginProfile".into(),
            UNMAPPED,
            1,
        );
        assert_eq!(
            known.actions,
            Some(vec!["iam:DeleteLoginProfile".to_string()])
        );
        assert!(unseen_calls(None).is_empty());
        let who = read_principal(alice).unwrap();
        let mapped = mapped_calls(principal, &who);
        assert_eq!(mapped.len(), 1);
        assert_eq!(mapped[0].action, "s3:GetObject");
        assert_eq!(mapped[0].resource, "arn:aws:s3:::reports/a.csv");
        assert!(mapped_calls(None, &who).is_empty());
    }
}
