//! `access_not_granted`: whether a policy allows none of a list of actions (on any of a list
//! of resources), over every request (issue 12; IAM Access Analyzer's `CheckAccessNotGranted`).
//!
//! The access is a set of requests: an action matching one of `actions` and a resource
//! matching one of `resources` (either list may be empty, meaning any; not both). "The policy
//! allows some request of the access" is "the policy, with `Deny NotAction [actions]` and
//! `Deny NotResource [resources]` added, allows some request": a `Deny` removes exactly the
//! requests it matches, by the evaluator's own semantics (IAM UG, "Policy evaluation logic").
//! That is [`no_new_access`](super::compare::no_new_access) against the empty policy.
//!
//! A policy that names principals (resource and trust policies) grants access when it grants
//! it to some principal: each principal its elements name is asked in turn, and so are a
//! role of an account no element names and an anonymous caller (see [`super::public`]).
//!
//! The counterexample points into the user's policy (the added statements only deny) and is
//! checked with the evaluator against the user's policy, and against the access, before it
//! is reported.

use std::fmt;

use super::compare::Verdict;
use super::public::{decide, derived_rules, empty_policy, named_principals};
use crate::ast::{Policy, PolicyKind, PrincipalKind};
use crate::eval::{compile, Decision, PolicySet};
use crate::parse::parse_policy;
use crate::request::{Context, Request, RequestPrincipal};
use crate::service_ref::ServiceRef;

/// The longest resource AWS's `Access` type accepts.
const MAX_RESOURCE: usize = 2048;
/// The caller of an identity policy's counterexample.
const IDENTITY_CALLER: &str = "arn:aws:iam::111122223333:user/iampol-check";

/// The requests asked about: actions and resources as AWS's `Access` type takes them
/// (IAM Access Analyzer API reference, `Access`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    actions: Vec<String>,
    resources: Vec<String>,
}

/// Why an access cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessError(pub String);

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AccessError {}

impl Access {
    /// An access, checked against the `Access` type's rules: an action is any string that
    /// can be an action in an IAM policy (`*`, or `service:name` where the name may hold `*`
    /// and `?`) and must match some action of the IAM reference; a resource is an ARN of at
    /// most 2,048 characters with wildcards only in its resource part ("You can only use a
    /// wildcard in the portion of the ARN that specifies the resource ID"). At least one
    /// action or resource.
    ///
    /// # Errors
    /// The first value that breaks a rule, and why.
    pub fn new(actions: Vec<String>, resources: Vec<String>) -> Result<Self, AccessError> {
        if actions.is_empty() && resources.is_empty() {
            return Err(AccessError(
                "give at least one action (`--action`) or resource (`--resource`)".into(),
            ));
        }
        for a in &actions {
            check_action(a)?;
        }
        for r in &resources {
            check_resource(r)?;
        }
        Ok(Access { actions, resources })
    }

    /// The actions (empty: any).
    pub fn actions(&self) -> &[String] {
        &self.actions
    }

    /// The resources (empty: any).
    pub fn resources(&self) -> &[String] {
        &self.resources
    }

    /// The `Deny` statements that leave a policy only the requests of the access.
    fn denies(&self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        if !self.actions.is_empty() {
            out.push(
                serde_json::json!({"Effect": "Deny", "NotAction": self.actions, "Resource": "*"}),
            );
        }
        if !self.resources.is_empty() {
            out.push(
                serde_json::json!({"Effect": "Deny", "Action": "*", "NotResource": self.resources}),
            );
        }
        out
    }

    /// The access as an identity policy that allows exactly its requests.
    fn as_policy(&self) -> Policy {
        let any = || vec!["*".to_string()];
        let actions = if self.actions.is_empty() {
            any()
        } else {
            self.actions.clone()
        };
        let resources = if self.resources.is_empty() {
            any()
        } else {
            self.resources.clone()
        };
        let text = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": resources}
        ]})
        .to_string();
        parse_policy(&text, Some(PolicyKind::Identity))
            .policy
            .unwrap_or_else(empty_policy)
    }
}

fn check_action(action: &str) -> Result<(), AccessError> {
    if action == "*" {
        return Ok(());
    }
    let bad = |why: &str| Err(AccessError(format!("action `{action}`: {why}")));
    let Some((service, name)) = action.split_once(':') else {
        return bad("an action is `*` or `service:name`, such as `s3:GetObject` or `s3:Get*`");
    };
    let service_ok = !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'?' | b'-' | b'_'));
    if !service_ok || !name_ok {
        return bad("the service prefix takes letters, digits and `-`; the name letters, digits, `-`, `_` and the wildcards `*` and `?`");
    }
    if !ServiceRef::get().matches_any(action) {
        return bad("matches no action of the IAM reference");
    }
    Ok(())
}

fn check_resource(resource: &str) -> Result<(), AccessError> {
    let bad = |why: &str| Err(AccessError(format!("resource `{resource}`: {why}")));
    if resource == "*" {
        return bad("`*` is every resource: leave out `--resource` to ask about every resource");
    }
    if resource.len() > MAX_RESOURCE {
        return bad("longer than 2,048 characters");
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let [arn, partition, service, _region, _account, id] = parts.as_slice() else {
        return bad("not an ARN (`arn:partition:service:region:account:resource`)");
    };
    if *arn != "arn" || partition.is_empty() || service.is_empty() || id.is_empty() {
        return bad("not an ARN (`arn:partition:service:region:account:resource`)");
    }
    if parts.iter().take(5).any(|p| p.contains(['*', '?'])) {
        return bad(
            "a wildcard may only stand in the resource part of the ARN (after the fifth `:`)",
        );
    }
    Ok(())
}

/// Whether `policy` allows none of the requests of `access`. `Fail` carries one it allows,
/// checked with the evaluator against `policy`.
pub fn access_not_granted(policy: &Policy, access: &Access) -> Verdict {
    let extra = access.denies();
    let in_access = compile(&access.as_policy(), "access", 1);
    let check = |verdict: Verdict| -> Verdict {
        let Verdict::Fail(example) = verdict else {
            return verdict;
        };
        // The request is one of the access: an identity policy that allows exactly the
        // access allows it.
        let Ok(caller) = RequestPrincipal::parse(IDENTITY_CALLER) else {
            return Verdict::Unknown("the check's caller did not parse; this is a bug".into());
        };
        // In the caller's own account: the access policy alone decides.
        let own = caller.account.clone();
        let request = Request::new(
            caller,
            &example.action,
            example.resource.clone(),
            own,
            Context::new(),
        );
        let set = PolicySet {
            identity: vec![in_access.clone()],
            ..PolicySet::default()
        };
        if set.evaluate(&request).decision == Decision::Allowed {
            Verdict::Fail(example)
        } else {
            Verdict::Unknown(format!(
                "the counterexample ({} on {}) is not in the access; this is a bug",
                example.action, example.resource
            ))
        }
    };
    if !policy.kind.takes_principal() {
        let Ok(caller) = RequestPrincipal::parse(IDENTITY_CALLER) else {
            return Verdict::Unknown("the check's caller did not parse; this is a bug".into());
        };
        let own = caller.account.clone().unwrap_or_default();
        return check(decide(policy, &caller, &[], &extra, &own));
    }
    let callers = match callers(policy) {
        Ok(c) => c,
        Err(why) => return Verdict::Unknown(why),
    };
    let named = named_principals(policy);
    let mut unknown: Option<String> = None;
    for (caller, owner) in &callers {
        let rules = derived_rules(caller, &named, None);
        match check(decide(policy, caller, &rules, &extra, owner)) {
            Verdict::Pass => {}
            Verdict::Unknown(why) => {
                unknown.get_or_insert(why);
            }
            fail @ Verdict::Fail(_) => return fail,
        }
    }
    unknown.map_or(Verdict::Pass, Verdict::Unknown)
}

/// The callers a policy that names principals can grant to: each principal it names, a role
/// of an account it does not name, and an anonymous caller; each with the account that owns
/// the resource (another account than the caller's).
fn callers(policy: &Policy) -> Result<Vec<(RequestPrincipal, String)>, String> {
    let spare = ["999988887777", "888877776666", "777766665555"];
    let mut free = spare.iter().filter(|a| {
        !policy.statements.iter().any(|s| {
            s.principal.as_ref().is_some_and(|p| {
                p.value
                    .entries()
                    .iter()
                    .any(|e| e.values.iter().any(|v| v.node.contains(*a)))
            })
        })
    });
    let (Some(fresh), Some(owner)) = (free.next(), free.next()) else {
        return Err("the policy names every spare account of the check".into());
    };
    let mut texts: Vec<String> = vec![
        format!("arn:aws:iam::{fresh}:role/iampol-outside-caller"),
        "anonymous".to_string(),
    ];
    for s in &policy.statements {
        let Some(element) = &s.principal else {
            continue;
        };
        for entry in element.value.entries() {
            for v in &entry.values {
                let v = v.node.as_str();
                let text = match entry.kind.node {
                    PrincipalKind::Aws if v == "*" => continue,
                    PrincipalKind::Aws
                        if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        format!("arn:aws:iam::{v}:root")
                    }
                    PrincipalKind::Aws | PrincipalKind::Service => v.to_string(),
                    PrincipalKind::Federated if v.starts_with("arn:") => v.to_string(),
                    PrincipalKind::Federated => format!("federated:{v}"),
                    PrincipalKind::CanonicalUser => {
                        return Err(format!(
                            "statement {}: a `CanonicalUser` principal is not decided yet",
                            s.index
                        ))
                    }
                };
                if !texts.contains(&text) {
                    texts.push(text);
                }
            }
        }
    }
    texts
        .into_iter()
        .map(|t| {
            RequestPrincipal::parse(&t)
                .map(|p| (p, (*owner).to_string()))
                .map_err(|e| e.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(kind: PolicyKind, statements: &str) -> Policy {
        let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#);
        let parsed = parse_policy(&text, Some(kind));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        parsed.policy.expect("the test policy parses")
    }

    fn access(actions: &[&str], resources: &[&str]) -> Access {
        Access::new(
            actions.iter().map(ToString::to_string).collect(),
            resources.iter().map(ToString::to_string).collect(),
        )
        .expect("a valid access")
    }

    fn check(statements: &str, actions: &[&str], resources: &[&str]) -> Verdict {
        access_not_granted(
            &policy(PolicyKind::Identity, statements),
            &access(actions, resources),
        )
    }

    const READ_REPORTS: &str = r#"{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}"#;

    // UG, Action and Resource elements: the statement allows `s3:GetObject` on `reports/*`
    // only.
    #[test]
    fn actions_and_resources() {
        let Verdict::Fail(c) = check(READ_REPORTS, &["s3:GetObject"], &[]) else {
            panic!("allowed")
        };
        assert_eq!(c.action, "s3:GetObject");
        assert!(c.resource.starts_with("arn:aws:s3:::reports/"), "{c:?}");
        assert_eq!(c.allowed_by, (0, Some("Read".to_string())));
        assert_eq!(check(READ_REPORTS, &["s3:PutObject"], &[]), Verdict::Pass);
        assert_eq!(
            check(READ_REPORTS, &["s3:GetObject"], &["arn:aws:s3:::other/*"]),
            Verdict::Pass
        );
        // Resources only: any action on them.
        assert!(matches!(
            check(READ_REPORTS, &[], &["arn:aws:s3:::reports/2024.csv"]),
            Verdict::Fail(_)
        ));
        assert_eq!(
            check(READ_REPORTS, &[], &["arn:aws:s3:::other/x"]),
            Verdict::Pass
        );
    }

    // `*` and `?` in the access match actions as in a policy (UG, Action element).
    #[test]
    fn wildcards_in_the_access() {
        assert!(matches!(
            check(READ_REPORTS, &["s3:Get*"], &[]),
            Verdict::Fail(_)
        ));
        assert!(matches!(
            check(READ_REPORTS, &["s3:?etObject"], &[]),
            Verdict::Fail(_)
        ));
        assert!(matches!(check(READ_REPORTS, &["*"], &[]), Verdict::Fail(_)));
        assert_eq!(check(READ_REPORTS, &["s3:Put*"], &[]), Verdict::Pass);
        // A resource pattern wider than the policy's reaches into it.
        assert!(matches!(
            check(READ_REPORTS, &["s3:GetObject"], &["arn:aws:s3:::rep*"]),
            Verdict::Fail(_)
        ));
    }

    // UG, NotAction and NotResource: "Allow NotAction iam:*" allows every other service's
    // actions; NotResource excludes its ARNs.
    #[test]
    fn not_action_and_not_resource() {
        let not_iam = r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#;
        assert_eq!(check(not_iam, &["iam:CreateUser"], &[]), Verdict::Pass);
        let Verdict::Fail(c) = check(not_iam, &["s3:DeleteBucket", "iam:*"], &[]) else {
            panic!("allowed")
        };
        assert_eq!(c.action, "s3:DeleteBucket");
        let not_secret =
            r#"{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}"#;
        assert_eq!(
            check(not_secret, &["s3:GetObject"], &["arn:aws:s3:::secret/key"]),
            Verdict::Pass
        );
        let Verdict::Fail(c) = check(not_secret, &["s3:GetObject"], &["arn:aws:s3:::secret*"])
        else {
            panic!("allowed")
        };
        assert!(!c.resource.starts_with("arn:aws:s3:::secret/"), "{c:?}");
    }

    // UG, policy evaluation logic: an explicit deny overrides the allow; the counterexample
    // names the user's Allow (index 0), never an added Deny.
    #[test]
    fn deny_carve_outs() {
        let carved = r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}"#;
        assert_eq!(check(carved, &["s3:DeleteBucket"], &[]), Verdict::Pass);
        let Verdict::Fail(c) = check(carved, &["s3:Delete*"], &[]) else {
            panic!("allowed")
        };
        assert_ne!(c.action, "s3:DeleteBucket");
        assert_eq!(c.allowed_by.0, 0);
        let conditioned = r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}"#;
        let Verdict::Fail(c) = check(conditioned, &["s3:DeleteBucket"], &[]) else {
            panic!("allowed without MFA=false")
        };
        assert_eq!(c.action, "s3:DeleteBucket");
    }

    // A resource policy grants to the principals it names (UG, Principal element).
    #[test]
    fn resource_policies_grant_to_their_principals() {
        let p = policy(
            PolicyKind::Resource,
            r#"{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:444455556666:orders"}"#,
        );
        let v = access_not_granted(&p, &access(&["sqs:SendMessage"], &[]));
        let Verdict::Fail(c) = v else {
            panic!("allowed: {v:?}")
        };
        assert_eq!(c.principal, "arn:aws:iam::111122223333:root");
        assert_eq!(
            access_not_granted(&p, &access(&["sqs:DeleteQueue"], &[])),
            Verdict::Pass
        );
    }

    // IAM Access Analyzer API reference, `Access`: wildcards only in the resource part; an
    // action is what a policy's `Action` may hold.
    #[test]
    fn access_rules() {
        let bad = |actions: &[&str], resources: &[&str]| {
            Access::new(
                actions.iter().map(ToString::to_string).collect(),
                resources.iter().map(ToString::to_string).collect(),
            )
            .is_err()
        };
        assert!(bad(&[], &[]));
        assert!(bad(&["s3"], &[]));
        assert!(bad(&["s3:Get Object"], &[]));
        assert!(bad(&["nosuchservice:Get*"], &[]));
        assert!(bad(&[], &["*"]));
        assert!(bad(&[], &["arn:aws:s3:::"]));
        assert!(bad(&[], &["arn:aws:s3:*::bucket"]));
        assert!(bad(&[], &["arn:aws:sqs:us-east-1:*:queue"]));
        assert!(bad(&[], &["bucket/key"]));
        assert!(!bad(&["s3:*"], &["arn:aws:s3:::bucket/*"]));
        assert!(!bad(&["*"], &["arn:aws:sqs:us-east-1:111122223333:q?"]));
    }
}
