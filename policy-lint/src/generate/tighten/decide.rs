//! Step 2, decide per statement: what becomes of each original statement, given the recorded
//! calls it allows.
//!
//! - A `Deny` statement is kept as written (dropping or narrowing it would allow more).
//! - An `Allow` statement that could allow a recorded call the decisions cannot see (one the
//!   generator could not map: see [`super::unseen`]) is kept as written.
//! - An `Allow` statement that allows no recorded call is dropped.
//! - Otherwise the statement is narrowed: pieces with its effect and condition, the actions
//!   that were used (an original action pattern is kept, verbatim, only when every action the
//!   IAM reference lists for it was used), and per action the resources that were used (a
//!   resource with wildcards that is not provably inside one of the original's patterns falls
//!   back to the original patterns that match it). When the pieces say exactly what the
//!   statement says, it is kept as written.

use std::collections::{BTreeMap, BTreeSet};

use policy_core::ast::{Effect, PolicyKind, Statement};
use policy_core::eval::CompiledPolicy;
use policy_core::parse::parse_policy;
use policy_core::request::Request;
use policy_core::service_ref::ServiceRef;
use serde_json::{Map, Value};

use super::pattern::{action_matches, has_wildcard, pattern_includes};
use super::read::{MappedCall, Original, UnseenCall};
use super::{identity_allows, unseen, BroaderResource, IdentityAllows, StatementReport};
use crate::generate::emit::group_statements;
use crate::generate::mapping::unescape;

/// What becomes of one original statement.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Outcome {
    /// Kept as written.
    Keep,
    /// Dropped.
    Drop,
    /// Replaced by these statements (without Sids: [`super::rebuild`] names them).
    Narrow(Vec<Value>),
}

/// The outcome and its report line.
#[derive(Debug, Clone)]
pub(super) struct Decision {
    pub(super) outcome: Outcome,
    pub(super) report: StatementReport,
}

/// The mapped calls in runs of one action (they come sorted by action), so that a statement
/// is evaluated only on the calls of the actions it names, not on every call.
pub(super) struct CallsByAction<'c> {
    calls: &'c [MappedCall],
    /// Each action and the range of `calls` that has it.
    runs: Vec<(&'c str, std::ops::Range<usize>)>,
}

impl<'c> CallsByAction<'c> {
    pub(super) fn new(calls: &'c [MappedCall]) -> Self {
        let mut runs: Vec<(&'c str, std::ops::Range<usize>)> = Vec::new();
        for (i, c) in calls.iter().enumerate() {
            match runs.last_mut() {
                Some((action, range)) if *action == c.action => range.end = i + 1,
                _ => runs.push((&c.action, i..i + 1)),
            }
        }
        CallsByAction { calls, runs }
    }

    /// The indices of the calls whose action the statement's `Action` matches, in order:
    /// every call for a `NotAction` statement (or one without `Action`), which the evaluator
    /// then decides.
    fn candidates<'s>(&'s self, statement: &'s Statement) -> impl Iterator<Item = usize> + 's {
        let patterns = statement.action.as_ref().filter(|a| !a.negated);
        self.runs
            .iter()
            .filter(move |(action, _)| {
                patterns.is_none_or(|p| p.items.iter().any(|i| action_matches(&i.node, action)))
            })
            .flat_map(|(_, range)| range.clone())
    }
}

/// Decides statement `index` of `original`. `granted[i]` says whether the whole original
/// policy allows call `i` (calls it does not allow are another policy's business).
pub(super) fn decide(
    original: &Original,
    index: usize,
    calls: &CallsByAction<'_>,
    granted: &[bool],
    unseen: &[UnseenCall],
) -> Decision {
    let Some(statement) = original.policy.statements.get(index) else {
        return keep(index, None, "?", "the statement could not be read");
    };
    let sid = statement.sid.as_ref().map(|s| s.node.clone());
    let effect = statement.effect();
    if effect != Some(Effect::Allow) {
        return keep(
            index,
            sid,
            effect.map_or("?", Effect::as_str),
            "a `Deny` statement is kept as written",
        );
    }
    let mut one = IdentityAllows::new(vec![original.one_statement(index)]);
    let used: Vec<&MappedCall> = calls
        .candidates(statement)
        .filter(|&i| granted.get(i) == Some(&true))
        .filter_map(|i| calls.calls.get(i))
        .filter(|c| one.allows(&c.request))
        .collect();
    let could_need: Vec<&UnseenCall> = unseen
        .iter()
        .filter(|u| unseen::could_allow(statement, u))
        .collect();
    if !could_need.is_empty() {
        let total: u64 = could_need.iter().map(|u| u.count).sum();
        let whys: BTreeSet<&str> = could_need.iter().map(|u| u.why).collect();
        let mut d = keep(
            index,
            sid,
            "Allow",
            &format!(
                "kept as written: it could allow {total} recorded call{} {}",
                if total == 1 { "" } else { "s" },
                whys.into_iter().collect::<Vec<_>>().join(", or ")
            ),
        );
        d.report.used_calls = used.len();
        d.report.unseen_calls = could_need.iter().map(|u| u.label.clone()).collect();
        return d;
    }
    let action_items: Vec<String> = statement.actions().iter().map(|a| a.node.clone()).collect();
    let not_action = statement.action.as_ref().is_some_and(|a| a.negated);
    let used_actions: BTreeSet<&str> = used.iter().map(|c| c.action.as_str()).collect();
    if used.is_empty() {
        return Decision {
            outcome: Outcome::Drop,
            report: StatementReport {
                index,
                sid,
                effect: "Allow",
                status: "unused",
                used_calls: 0,
                unused_actions: action_items,
                broader_resources: Vec::new(),
                reason: Some("it allows none of the recorded calls".into()),
                unseen_calls: Vec::new(),
            },
        };
    }
    let unused_actions: Vec<String> = if not_action {
        Vec::new()
    } else {
        action_items
            .iter()
            .filter(|p| !used_actions.iter().any(|a| action_matches(p, a)))
            .cloned()
            .collect()
    };
    let kept_patterns = if not_action {
        Vec::new()
    } else {
        wholly_used_patterns(&action_items, &used_actions)
    };
    let statement_json = original.statements.get(index).unwrap_or(&Value::Null);
    let resources = resources_per_action(statement, &used, &kept_patterns);
    let broader = broader_resources(statement, &resources.per_action);
    let pieces = pieces(statement_json, &resources);
    let same = is_same(&pieces, statement_json);
    Decision {
        outcome: if same {
            Outcome::Keep
        } else {
            Outcome::Narrow(pieces)
        },
        report: StatementReport {
            index,
            sid,
            effect: "Allow",
            status: if same { "kept" } else { "narrowed" },
            used_calls: used.len(),
            unused_actions,
            broader_resources: broader,
            reason: same.then(|| "every action and resource it names was used".into()),
            unseen_calls: Vec::new(),
        },
    }
}

/// A statement kept as written, with why.
fn keep(index: usize, sid: Option<String>, effect: &'static str, reason: &str) -> Decision {
    Decision {
        outcome: Outcome::Keep,
        report: StatementReport {
            index,
            sid,
            effect,
            status: "kept",
            used_calls: 0,
            unused_actions: Vec::new(),
            broader_resources: Vec::new(),
            reason: Some(reason.to_string()),
            unseen_calls: Vec::new(),
        },
    }
}

/// The original action patterns with wildcards every action of which (in the IAM reference)
/// was used: they stay as written.
fn wholly_used_patterns(action_items: &[String], used_actions: &BTreeSet<&str>) -> Vec<String> {
    let sr = ServiceRef::get();
    let used_lower: BTreeSet<String> = used_actions
        .iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
    action_items
        .iter()
        .filter(|p| p.contains(['*', '?']))
        .filter(|p| {
            let expanded: BTreeSet<String> = sr
                .expand(p)
                .iter()
                .map(|a| a.full_name().to_ascii_lowercase())
                .collect();
            !expanded.is_empty() && expanded.is_subset(&used_lower)
        })
        .cloned()
        .collect()
}

/// The resources of the narrowed statement, per action (or kept action pattern).
#[derive(Debug, Default)]
struct Resources {
    /// Action (or kept pattern) → resources, for `Resource` pieces.
    per_action: BTreeMap<String, BTreeSet<String>>,
    /// Actions that keep the original's `NotResource` (their resource is not provably outside
    /// it otherwise).
    not_resource: BTreeSet<String>,
}

fn resources_per_action(
    statement: &Statement,
    used: &[&MappedCall],
    kept_patterns: &[String],
) -> Resources {
    let sr = ServiceRef::get();
    let resource_items: Vec<String> = statement
        .resources()
        .iter()
        .map(|r| r.node.clone())
        .collect();
    let not_resource = statement.resource.as_ref().is_some_and(|r| r.negated);
    let mut out = Resources::default();
    for c in used {
        let action = kept_patterns
            .iter()
            .find(|p| action_matches(p, &c.action))
            .cloned()
            .unwrap_or_else(|| c.action.clone());
        let only_star = sr
            .action(&c.action)
            .is_some_and(|a| a.accepts_only_wildcard_resource());
        if (only_star || c.resource == "*" || has_wildcard(&c.resource)) && not_resource {
            out.not_resource.insert(action);
            continue;
        }
        let entry = out.per_action.entry(action).or_default();
        if only_star || c.resource == "*" {
            entry.insert("*".to_string());
        } else if !has_wildcard(&c.resource)
            || resource_items
                .iter()
                .any(|r| pattern_includes(r, &c.resource))
        {
            entry.insert(c.resource.clone());
        } else {
            // Not provably inside one pattern: the original patterns that match it.
            entry.extend(
                resource_items
                    .iter()
                    .filter(|r| matches_resource(r, c))
                    .cloned(),
            );
        }
    }
    for a in &out.not_resource {
        out.per_action.remove(a);
    }
    out.per_action.retain(|_, r| !r.is_empty());
    out
}

/// Whether the original resource pattern `pattern` matches the call's resource, evaluated as
/// `Allow * on pattern` with the call's context.
fn matches_resource(pattern: &str, call: &MappedCall) -> bool {
    let text = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "*", "Resource": pattern}
    })
    .to_string();
    let Some(policy) = parse_policy(&text, Some(PolicyKind::Identity)).policy else {
        return false;
    };
    let probe = Request::new(
        std::sync::Arc::clone(&call.request.principal),
        &call.action,
        unescape(&call.resource),
        None,
        call.request.context.clone(),
    );
    identity_allows(&[CompiledPolicy::new(&policy, "probe", 0)], &probe)
}

/// Original patterns with wildcards that are no longer used as such, and the narrower
/// resources used under them.
fn broader_resources(
    statement: &Statement,
    per_action: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<BroaderResource> {
    if statement.resource.as_ref().is_some_and(|r| r.negated) {
        return Vec::new();
    }
    let mut broader = Vec::new();
    for r in statement.resources().iter().map(|r| &r.node) {
        if !has_wildcard(r) {
            continue;
        }
        let under: BTreeSet<&String> = per_action
            .values()
            .flatten()
            .filter(|u| *u != r && pattern_includes(r, u))
            .collect();
        let still_used = per_action.values().flatten().any(|u| u == r);
        if !under.is_empty() && !still_used {
            broader.push(BroaderResource {
                original: r.clone(),
                used: under.into_iter().take(20).cloned().collect(),
            });
        }
    }
    broader
}

/// The narrowed statements: one per service and resource set, then one for the actions that
/// keep the `NotResource`; each with the original's condition.
fn pieces(original: &Value, resources: &Resources) -> Vec<Value> {
    let mut groups = group_statements(&resources.per_action);
    groups.sort_by(|a, b| (&a.service, &a.resources).cmp(&(&b.service, &b.resources)));
    let condition = original.get("Condition");
    let mut out: Vec<Value> = groups
        .iter()
        .map(|g| statement_json(&g.actions, "Resource", &g.resources, condition))
        .collect();
    if !resources.not_resource.is_empty() {
        let actions: Vec<String> = resources.not_resource.iter().cloned().collect();
        let nr = original
            .get("NotResource")
            .map(value_strings)
            .unwrap_or_default();
        out.push(statement_json(&actions, "NotResource", &nr, condition));
    }
    out
}

/// Whether the pieces say exactly what the original says (one piece, the same actions and
/// resources, neither `NotAction` nor `NotResource`).
fn is_same(pieces: &[Value], original: &Value) -> bool {
    let [piece] = pieces else {
        return false;
    };
    let set = |v: &Value, key: &str| -> BTreeSet<String> {
        v.get(key)
            .map(value_strings)
            .unwrap_or_default()
            .into_iter()
            .collect()
    };
    set(piece, "Action") == set(original, "Action")
        && set(piece, "Resource") == set(original, "Resource")
        && original.get("NotAction").is_none()
        && original.get("NotResource").is_none()
}

/// The strings of a policy element (one string or an array).
pub(super) fn value_strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn one_or_many(items: &[String]) -> Value {
    match items {
        [one] => Value::String(one.clone()),
        many => Value::Array(many.iter().cloned().map(Value::String).collect()),
    }
}

fn statement_json(
    actions: &[String],
    resource_key: &str,
    resources: &[String],
    condition: Option<&Value>,
) -> Value {
    let mut m = Map::new();
    m.insert("Effect".into(), Value::String("Allow".into()));
    m.insert("Action".into(), one_or_many(actions));
    m.insert(resource_key.into(), one_or_many(resources));
    if let Some(c) = condition {
        m.insert("Condition".into(), c.clone());
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::generate::tighten::read::{read_policy, read_principal};
    use policy_core::request::Context;

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

    fn call(action: &str, resource: &str) -> MappedCall {
        let who = read_principal(ALICE).unwrap();
        MappedCall {
            action: action.into(),
            resource: resource.into(),
            request: Request::new(
                Arc::clone(&who),
                action,
                unescape(resource),
                None,
                Context::new(),
            ),
        }
    }

    fn decide_all(policy: &str, calls: &[MappedCall], unseen: &[UnseenCall]) -> Vec<Decision> {
        let original = read_policy(policy).unwrap();
        let granted: Vec<bool> = calls
            .iter()
            .map(|c| identity_allows(std::slice::from_ref(&original.compiled), &c.request))
            .collect();
        let by_action = CallsByAction::new(calls);
        (0..original.statements.len())
            .map(|i| decide(&original, i, &by_action, &granted, unseen))
            .collect()
    }

    #[test]
    fn denies_are_kept_and_unused_allows_dropped() {
        let d = decide_all(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
                {"Sid": "Ec2", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"}
            ]}"#,
            &[call("s3:GetObject", "arn:aws:s3:::b/k")],
            &[],
        );
        assert_eq!(d[0].outcome, Outcome::Keep);
        assert_eq!(d[0].report.effect, "Deny");
        assert_eq!(d[1].outcome, Outcome::Drop);
        assert_eq!(d[1].report.status, "unused");
        assert_eq!(d[1].report.unused_actions, vec!["ec2:*"]);
    }

    #[test]
    fn used_statements_are_narrowed_to_actions_and_resources() {
        let d = decide_all(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*",
                 "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
            ]}"#,
            &[call("s3:GetObject", "arn:aws:s3:::b/k")],
            &[],
        );
        // The condition is not met by a request without context: nothing is used.
        assert_eq!(d[0].outcome, Outcome::Drop);
        let d = decide_all(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}
            ]}"#,
            &[call("s3:GetObject", "arn:aws:s3:::b/k")],
            &[],
        );
        let Outcome::Narrow(pieces) = &d[0].outcome else {
            panic!("{:?}", d[0].outcome);
        };
        assert_eq!(
            pieces,
            &vec![
                serde_json::json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"})
            ]
        );
        assert_eq!(d[0].report.unused_actions, vec!["s3:PutObject"]);
        assert_eq!(
            d[0].report.broader_resources[0].original,
            "arn:aws:s3:::b/*"
        );
    }

    #[test]
    fn a_statement_that_says_what_was_used_is_kept() {
        let d = decide_all(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}
            ]}"#,
            &[call("s3:GetObject", "arn:aws:s3:::b/k")],
            &[],
        );
        assert_eq!(d[0].outcome, Outcome::Keep);
        assert_eq!(d[0].report.status, "kept");
        assert_eq!(d[0].report.used_calls, 1);
    }

    #[test]
    fn statements_that_could_allow_unmapped_calls_are_kept() {
        let unmapped = [UnseenCall {
            source: "ec2.amazonaws.com".into(),
            actions: None,
            label: "ec2.amazonaws.com SomeCallTheMapDoesNotKnow".into(),
            why: "that could not be mapped to IAM actions",
            count: 2,
        }];
        let d = decide_all(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
            ]}"#,
            &[call("ec2:DescribeInstances", "*")],
            &unmapped,
        );
        assert_eq!(d[0].outcome, Outcome::Keep);
        assert_eq!(
            d[0].report.unseen_calls,
            vec!["ec2.amazonaws.com SomeCallTheMapDoesNotKnow"]
        );
        assert!(d[0]
            .report
            .reason
            .as_deref()
            .unwrap()
            .contains("2 recorded calls"));
        assert_eq!(d[0].report.used_calls, 1);
        // The S3 statement cannot allow an EC2 call: it is dropped as unused.
        assert_eq!(d[1].outcome, Outcome::Drop);
    }

    #[test]
    fn fully_used_patterns_stay_and_not_resource_is_kept_for_wildcards() {
        let used = BTreeSet::from(["sts:GetCallerIdentity"]);
        assert!(wholly_used_patterns(&["sts:GetCallerIdentit?".into()], &used).len() == 1);
        assert!(wholly_used_patterns(&["sts:Get*".into()], &used).is_empty());
        let d = decide_all(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}
            ]}"#,
            &[
                call("s3:ListAllMyBuckets", "*"),
                call("s3:GetObject", "arn:aws:s3:::b/k"),
            ],
            &[],
        );
        let Outcome::Narrow(pieces) = &d[0].outcome else {
            panic!("{:?}", d[0].outcome);
        };
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert_eq!(pieces[0]["Resource"], "arn:aws:s3:::b/k");
        assert_eq!(pieces[1]["Action"], "s3:ListAllMyBuckets");
        assert_eq!(pieces[1]["NotResource"], "arn:aws:s3:::secret/*");
    }
}
