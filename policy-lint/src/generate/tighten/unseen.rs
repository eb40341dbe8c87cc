//! Whether an original statement could allow a recorded call the decisions cannot see: a call
//! the generator could not map to IAM actions (`PrincipalActivity::unmapped`), or one whose
//! actions it knows but whose resources it does not. Such a statement is kept as written:
//! cutting it could take away what the call needed, and no evaluation can tell.
//!
//! The answer is conservative (`true` unless the statement certainly cannot allow the call):
//! - a call's service is the IAM prefix of its `eventSource`; when the source is not known,
//!   the call could need an action of any service, and every `Allow` statement could allow it;
//! - when the call's actions are known, a statement could allow it when it allows one of them,
//!   by `Action` or `NotAction` as IAM matches them;
//! - otherwise (an unmapped call) it could be any action of its service: an `Action` statement
//!   could allow it when one of its patterns' service part matches the service (`s3:Get*`,
//!   `s3:*`, `*`, `*:List*`); a `NotAction` statement could, unless one of its patterns
//!   excludes the whole service (`s3:*`, `*`);
//! - resources and conditions are not looked at: the call's resource and context are not
//!   known.

use policy_core::ast::Statement;

use super::pattern::{action_matches, glob_matches, split_action_pattern};
use super::read::UnseenCall;
use crate::generate::mapping::service_prefix;

/// Whether `statement` (an `Allow`) could allow `call` (see the module documentation).
pub(super) fn could_allow(statement: &Statement, call: &UnseenCall) -> bool {
    let patterns = statement.actions();
    let negated = statement.action.as_ref().is_some_and(|a| a.negated);
    if let Some(actions) = &call.actions {
        return actions
            .iter()
            .any(|a| patterns.iter().any(|p| action_matches(&p.node, a)) != negated);
    }
    let Some(prefix) = service_prefix(&call.source) else {
        return true;
    };
    let service_matches = |pattern: &str| glob_matches(split_action_pattern(pattern).0, prefix);
    if negated {
        !patterns.iter().any(|p| {
            let (_, action) = split_action_pattern(&p.node);
            service_matches(&p.node) && !action.is_empty() && action.chars().all(|c| c == '*')
        })
    } else {
        patterns.iter().any(|p| service_matches(&p.node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::mapping::Mapper;
    use policy_core::ast::PolicyKind;
    use policy_core::parse::parse_policy;

    fn statement(json: &str) -> Statement {
        let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{json}]}}"#);
        let parsed = parse_policy(&text, Some(PolicyKind::Identity));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        parsed.policy.unwrap().statements.remove(0)
    }

    fn call(source: &str, name: &str) -> UnseenCall {
        UnseenCall::new(
            &mut Mapper::new(),
            source,
            name,
            format!("{source} {name}"),
            "test",
            1,
        )
    }

    #[test]
    fn action_statements_of_the_service_could_allow_it() {
        let ec2 = call("ec2.amazonaws.com", "SomeNewCall");
        let cw = call("monitoring.amazonaws.com", "SomeNewCall");
        for json in [
            r#"{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}"#,
            r#"{"Effect": "Allow", "Action": ["s3:GetObject", "EC2:RunInstances"], "Resource": "*"}"#,
            r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#,
            r#"{"Effect": "Allow", "Action": "e?2:*", "Resource": "arn:aws:ec2:*:*:instance/*"}"#,
        ] {
            assert!(could_allow(&statement(json), &ec2), "{json}");
        }
        let s3_only = statement(r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#);
        assert!(!could_allow(&s3_only, &ec2));
        // `monitoring.amazonaws.com` is CloudWatch (prefix `cloudwatch`).
        let cloudwatch =
            statement(r#"{"Effect": "Allow", "Action": "cloudwatch:Get*", "Resource": "*"}"#);
        assert!(could_allow(&cloudwatch, &cw));
        assert!(!could_allow(&cloudwatch, &ec2));
    }

    #[test]
    fn not_action_statements_could_allow_it_unless_they_exclude_the_service() {
        let ec2 = call("ec2.amazonaws.com", "SomeNewCall");
        let iam = call("iam.amazonaws.com", "SomeNewCall");
        let power_user = statement(
            r#"{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}"#,
        );
        assert!(could_allow(&power_user, &ec2));
        assert!(!could_allow(&power_user, &iam));
        let some_iam =
            statement(r#"{"Effect": "Allow", "NotAction": "iam:Create*", "Resource": "*"}"#);
        assert!(could_allow(&some_iam, &iam));
    }

    #[test]
    fn an_unknown_source_could_need_anything() {
        let unknown = call("not-a-service.example.com", "Whatever");
        let s3_only =
            statement(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#);
        assert!(could_allow(&s3_only, &unknown));
    }

    #[test]
    fn a_call_whose_actions_are_known_is_matched_by_them() {
        // The mapping knows `DeleteLoginProfile` is `iam:DeleteLoginProfile`.
        let delete = call("iam.amazonaws.com", "DeleteLoginProfile");
        assert_eq!(
            delete.actions,
            Some(vec!["iam:DeleteLoginProfile".to_string()])
        );
        let deletes = statement(r#"{"Effect": "Allow", "Action": "iam:Delete*", "Resource": "*"}"#);
        let lists = statement(
            r#"{"Effect": "Allow", "Action": ["iam:ListRoles", "iam:CreateServiceLinkedRole"], "Resource": "*"}"#,
        );
        let power_user = statement(
            r#"{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}"#,
        );
        let not_s3 = statement(r#"{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}"#);
        assert!(could_allow(&deletes, &delete));
        assert!(!could_allow(&lists, &delete));
        assert!(!could_allow(&power_user, &delete));
        assert!(could_allow(&not_s3, &delete));
    }
}
