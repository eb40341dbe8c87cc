//! Identity policies cut down to the statements of one action, for evaluating many requests
//! against a large policy: the evaluator tests every statement of a policy for every
//! request, so `tighten` and its checks cost (requests × statements); cut down per action,
//! each request is tested against the statements of its action only.
//!
//! The decision is the same: a statement whose `Action` does not match the request's action
//! is never a match, whatever else it says (it does not even have its conditions looked at).

use policy_core::eval::{CompiledPolicy, PolicySet};

/// Below this many statements, cutting down costs more than it saves.
const SMALL: usize = 64;

/// Identity policies, and the same policies cut down to the statements of the action last
/// asked for (requests come grouped by action, so each action is cut down about once).
#[derive(Debug)]
pub(crate) struct ActionScoped {
    full: Vec<CompiledPolicy>,
    /// The set to evaluate with: its identity policies are `full` cut down to `action`.
    set: PolicySet,
    /// The action (lower-cased) `set` is for; `None` before the first request, and for
    /// small policies (then `set` holds them whole).
    action: Option<String>,
    small: bool,
}

impl ActionScoped {
    /// The identity policies to evaluate with.
    pub(crate) fn new(identity: Vec<CompiledPolicy>) -> Self {
        let small = identity.iter().map(|p| p.statements.len()).sum::<usize>() <= SMALL;
        let mut set = PolicySet::default();
        let full = if small {
            set.identity = identity;
            Vec::new()
        } else {
            identity
        };
        ActionScoped {
            full,
            set,
            action: None,
            small,
        }
    }

    /// A set whose identity policies decide every request of `action_lower` (the request's
    /// `action_lower`) as the whole policies do; its other fields are the caller's to set.
    pub(crate) fn set_for(&mut self, action_lower: &str) -> &mut PolicySet {
        if !self.small && self.action.as_deref() != Some(action_lower) {
            self.set.identity = self
                .full
                .iter()
                .map(|p| CompiledPolicy {
                    name: std::sync::Arc::clone(&p.name),
                    source: p.source,
                    statements: p
                        .statements
                        .iter()
                        .filter(|s| s.matches_action(action_lower))
                        .cloned()
                        .collect(),
                })
                .collect();
            self.action = Some(action_lower.to_string());
        }
        &mut self.set
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use policy_core::ast::PolicyKind;
    use policy_core::parse::parse_policy;
    use policy_core::request::{Context, Request, RequestPrincipal};

    use super::*;

    /// A policy of many statements, most of other actions, with a `Deny` and a `NotAction`.
    fn policy() -> CompiledPolicy {
        let mut statements: Vec<String> = (0..100)
            .map(|i| format!(r#"{{"Sid": "S{i}", "Effect": "Allow", "Action": "ec2:Describe{i}", "Resource": "*"}}"#))
            .collect();
        statements.push(r#"{"Sid": "Get", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}"#.into());
        statements.push(r#"{"Sid": "NoSecret", "Effect": "Deny", "Action": "S3:GETOBJECT", "Resource": "arn:aws:s3:::b/secret/*"}"#.into());
        statements.push(r#"{"Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::c/*"}"#.into());
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
            statements.join(",")
        );
        let parsed = parse_policy(&text, Some(PolicyKind::Identity));
        CompiledPolicy::new(&parsed.policy.unwrap(), "p", 0)
    }

    #[test]
    fn cut_down_sets_decide_as_the_whole_policy() {
        let whole = PolicySet {
            identity: vec![policy()],
            ..PolicySet::default()
        };
        let mut scoped = ActionScoped::new(vec![policy()]);
        let who =
            Arc::new(RequestPrincipal::parse("arn:aws:iam::111122223333:user/alice").unwrap());
        for (action, resource) in [
            ("s3:GetObject", "arn:aws:s3:::b/k"),
            ("s3:GetObject", "arn:aws:s3:::b/secret/k"),
            ("s3:GetObject", "arn:aws:s3:::c/k"),
            ("s3:PutObject", "arn:aws:s3:::c/k"),
            ("s3:PutObject", "arn:aws:s3:::b/k"),
            ("ec2:Describe7", "*"),
            ("iam:PassRole", "arn:aws:s3:::c/k"),
            ("s3:GetObject", "arn:aws:s3:::b/k"),
        ] {
            let request = Request::new(Arc::clone(&who), action, resource, None, Context::new());
            let cut = scoped.set_for(&request.action_lower);
            assert!(cut.identity[0].statements.len() < 4, "{action}");
            let (expected, got) = (whole.evaluate(&request), cut.evaluate(&request));
            assert_eq!(got.decision, expected.decision, "{action} on {resource}");
            assert_eq!(got.reasons, expected.reasons, "{action} on {resource}");
        }
    }
}
