//! Cutting an existing identity policy down to what a principal was recorded doing.
//!
//! For each `Allow` statement: the recorded calls it grants (evaluated with the evaluator, one
//! statement at a time, with each call's context); a statement that grants none is unused; the
//! others keep their `Effect` and `Condition` and get the actions and resources that were used
//! (an original action pattern is kept, verbatim, only when every action it matches was used).
//! `Deny` statements are kept as they are.
//!
//! Two checks are reported:
//! - **(a) still allows what was recorded**: every recorded call the original policy allows is
//!   evaluated against the tightened policy, with the call's context.
//! - **(b) allows nothing new**: every new statement comes from one original statement with the
//!   same effect and condition; each of its actions × each of its resources is evaluated
//!   against that original statement (its condition left out, as both share it). A resource
//!   with wildcards must be one of the original's patterns, or provably included in one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use policy_core::ast::{Effect, Policy, PolicyKind, Statement};
use policy_core::eval::{CompiledPolicy, Decision, PolicySet};
use policy_core::parse::parse_policy;
use policy_core::request::{Request, RequestPrincipal};
use policy_core::service_ref::{Action, ServiceRef};
use serde::Serialize;
use serde_json::{Map, Value};

use super::aggregate::PrincipalActivity;
use super::emit::group_statements;
use super::mapping::unescape;

/// Why a policy could not be tightened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TightenError {
    /// The policy does not parse cleanly.
    #[error("the policy has errors: {0}")]
    Policy(String),
    /// The principal is not a principal ARN.
    #[error("`{0}` is not a user, role, role session or federated user ARN")]
    Principal(String),
}

/// One recorded call: action and resource (policy form).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CallRef {
    /// `service:Action`.
    pub action: String,
    /// The resource (policy form; `*` for unknown parts).
    pub resource: String,
}

/// A check's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// Whether every case passed.
    pub passed: bool,
    /// Cases checked.
    pub checked: usize,
    /// What failed (at most 50).
    pub failures: Vec<String>,
}

impl Check {
    fn fail(&mut self, what: String) {
        self.passed = false;
        if self.failures.len() < 50 {
            self.failures.push(what);
        }
    }
}

/// An original resource pattern and the narrower resources that were used under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BroaderResource {
    /// The original pattern.
    pub original: String,
    /// Resources used under it (at most 20).
    pub used: Vec<String>,
}

/// What became of one original statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementReport {
    /// Index in the original, from 0.
    pub index: usize,
    /// The original Sid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: &'static str,
    /// `unused` (dropped), `narrowed`, `kept` (unchanged, or a `Deny`).
    pub status: &'static str,
    /// Recorded calls the statement grants.
    pub used_calls: usize,
    /// Original action patterns that matched no recorded call.
    pub unused_actions: Vec<String>,
    /// Original resource patterns broader than what was used.
    pub broader_resources: Vec<BroaderResource>,
}

/// The tightened policy and the report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TightenReport {
    /// The principal.
    pub principal: String,
    /// The tightened policy; `None` when nothing of the original was used (and it has no
    /// `Deny` to keep): the policy can be detached.
    pub policy: Option<Value>,
    /// Whether the tightened policy differs from the original.
    pub changed: bool,
    /// Per original statement.
    pub statements: Vec<StatementReport>,
    /// Distinct recorded calls (action × resource) evaluated.
    pub recorded_calls: usize,
    /// Recorded calls the original does not allow (another policy must grant them).
    pub not_granted: Vec<CallRef>,
    /// Check (a): the tightened policy allows every recorded call the original allows.
    pub allows_recorded: Check,
    /// Check (b): the tightened policy allows nothing the original does not.
    pub no_new_access: Check,
}

impl TightenReport {
    /// The tightened policy as pretty JSON with a final newline.
    pub fn text(&self) -> Option<String> {
        self.policy.as_ref().map(|p| {
            let mut t = serde_json::to_string_pretty(p).unwrap_or_default();
            t.push('\n');
            t
        })
    }
}

struct Call {
    action: String,
    resource: String,
    request: Request,
}

/// Whether a policy-form resource has wildcards (escapes `${*}`, `${?}` are literal).
fn has_wildcard(resource: &str) -> bool {
    let stripped = resource
        .replace("${*}", "")
        .replace("${?}", "")
        .replace("${$}", "");
    stripped.contains(['*', '?'])
}

/// Tokens of a pattern segment: literal chars, `*`, `?`; `None` when it has a policy variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Ch(char),
    Star,
    One,
}

fn tokens(text: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("${") {
            let end = rest.find('}')?;
            match rest.get(2..end)? {
                "*" => out.push(Tok::Ch('*')),
                "?" => out.push(Tok::Ch('?')),
                "$" => out.push(Tok::Ch('$')),
                _ => return None,
            }
            rest = rest.get(end + 1..)?;
            continue;
        }
        out.push(match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Ch(c),
        });
        rest = rest.get(c.len_utf8()..)?;
    }
    Some(out)
}

/// Whether every string pattern `a` matches is matched by pattern `b` (sound: `true` only when
/// it holds).
fn segment_includes(b: &[Tok], a: &[Tok]) -> bool {
    // dp[j]: b[..i] covers a[..j].
    let mut dp = vec![false; a.len() + 1];
    if let Some(first) = dp.first_mut() {
        *first = true;
    }
    for tb in b {
        let mut next = vec![false; a.len() + 1];
        match tb {
            Tok::Star => {
                let mut reach = false;
                for j in 0..=a.len() {
                    reach = reach || dp.get(j).copied().unwrap_or(false);
                    if let Some(n) = next.get_mut(j) {
                        *n = reach;
                    }
                }
            }
            _ => {
                for j in 0..a.len() {
                    let ok = match (tb, a.get(j)) {
                        (Tok::One, Some(Tok::Ch(_) | Tok::One)) => true,
                        (Tok::Ch(x), Some(Tok::Ch(y))) => x == y,
                        _ => false,
                    };
                    if ok && dp.get(j).copied().unwrap_or(false) {
                        if let Some(n) = next.get_mut(j + 1) {
                            *n = true;
                        }
                    }
                }
            }
        }
        dp = next;
    }
    dp.last().copied().unwrap_or(false)
}

/// Whether resource pattern `outer` includes pattern `inner` (both in policy form), segment by
/// segment as IAM matches ARNs.
pub fn pattern_includes(outer: &str, inner: &str) -> bool {
    if outer == inner || outer == "*" {
        return true;
    }
    let split = |s: &str| -> Vec<String> { s.splitn(6, ':').map(str::to_string).collect() };
    let (o, i) = (split(outer), split(inner));
    if o.len() != 6 || i.len() != 6 {
        return match (tokens(outer), tokens(inner)) {
            (Some(b), Some(a)) => segment_includes(&b, &a),
            _ => false,
        };
    }
    o.iter().zip(&i).all(|(b, a)| match (tokens(b), tokens(a)) {
        (Some(b), Some(a)) => segment_includes(&b, &a),
        _ => false,
    })
}

/// The statements of the policy JSON, in order.
fn statement_values(doc: &Value) -> Vec<Value> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(v @ Value::Object(_)) => vec![v.clone()],
        _ => Vec::new(),
    }
}

fn single(policy: &Policy, statement: &Statement) -> CompiledPolicy {
    let one = Policy {
        statements: vec![statement.clone()],
        ..policy.clone()
    };
    CompiledPolicy::new(&one, "original", 0)
}

fn allowed(set: &PolicySet, request: &Request) -> bool {
    identity_allows(&set.identity, request)
}

/// The resource policy that leaves the decision to identity policies, for requests whose
/// resource policy must allow by itself (a role's trust policy for `sts:AssumeRole*`, a KMS
/// key policy): it trusts the resource's account, as the default key policy and the usual
/// trust policy do. `None` for other requests.
pub fn delegating_resource_policy(request: &Request) -> Option<CompiledPolicy> {
    let action = request.action_lower.as_str();
    let mut parts = request.resource.splitn(6, ':');
    let (partition, service, account, resource) =
        (parts.nth(1)?, parts.next()?, parts.nth(1)?, parts.next()?);
    let needs =
        (action.starts_with("sts:assumerole") && service == "iam" && resource.starts_with("role/"))
            || (action.starts_with("kms:") && service == "kms" && resource.starts_with("key/"));
    if !needs || account.is_empty() || account.contains(['*', '?']) {
        return None;
    }
    let text = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:{partition}:iam::{account}:root")},
            "Action": "*",
            "Resource": "*"
        }]
    })
    .to_string();
    let policy = parse_policy(&text, Some(PolicyKind::Resource)).policy?;
    Some(CompiledPolicy::new(
        &policy,
        "delegating resource policy",
        usize::MAX,
    ))
}

/// The decision of identity policies alone for a request: other policies are taken to allow
/// (see [`delegating_resource_policy`]).
pub fn identity_allows(identity: &[CompiledPolicy], request: &Request) -> bool {
    let set = PolicySet {
        identity: identity.to_vec(),
        resource: delegating_resource_policy(request),
        ..PolicySet::default()
    };
    set.evaluate(request).decision == Decision::Allowed
}

/// Whether action `name` is matched by IAM action pattern `pattern` (ignoring case).
fn action_matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = name.to_ascii_lowercase().chars().collect();
    let mut dp = vec![false; t.len() + 1];
    if let Some(first) = dp.first_mut() {
        *first = true;
    }
    for pc in &p {
        let mut next = vec![false; t.len() + 1];
        if *pc == '*' {
            let mut reach = false;
            for j in 0..=t.len() {
                reach = reach || dp.get(j).copied().unwrap_or(false);
                if let Some(n) = next.get_mut(j) {
                    *n = reach;
                }
            }
        } else {
            for j in 0..t.len() {
                if dp.get(j).copied().unwrap_or(false) && (*pc == '?' || t.get(j) == Some(pc)) {
                    if let Some(n) = next.get_mut(j + 1) {
                        *n = true;
                    }
                }
            }
        }
        dp = next;
    }
    dp.last().copied().unwrap_or(false)
}

/// Tightens `policy_text` (an identity policy) to what `activity` recorded for `principal`.
/// With no activity, every `Allow` statement is unused.
pub fn tighten(
    policy_text: &str,
    activity: Option<&PrincipalActivity>,
    principal: &str,
) -> Result<TightenReport, TightenError> {
    let parsed = parse_policy(policy_text, Some(PolicyKind::Identity));
    if let Some(e) = parsed.errors.first() {
        return Err(TightenError::Policy(e.kind.to_string()));
    }
    let Some(policy) = parsed.policy else {
        return Err(TightenError::Policy("not a policy document".into()));
    };
    let doc: Value =
        serde_json::from_str(policy_text).map_err(|e| TightenError::Policy(e.to_string()))?;
    let originals = statement_values(&doc);
    let who = Arc::new(
        RequestPrincipal::parse(principal)
            .map_err(|_| TightenError::Principal(principal.to_string()))?,
    );
    let sr = ServiceRef::get();

    // The recorded calls.
    let mut calls: Vec<Call> = Vec::new();
    if let Some(a) = activity {
        for (action, use_) in &a.actions {
            for (resource, ctx) in &use_.resources {
                calls.push(Call {
                    action: action.clone(),
                    resource: resource.clone(),
                    request: Request::new(
                        Arc::clone(&who),
                        action,
                        unescape(resource),
                        None,
                        ctx.to_context(),
                    ),
                });
            }
        }
    }
    let original_set = PolicySet {
        identity: vec![CompiledPolicy::new(&policy, "original", 0)],
        ..PolicySet::default()
    };
    let granted: Vec<bool> = calls
        .iter()
        .map(|c| allowed(&original_set, &c.request))
        .collect();
    let not_granted: Vec<CallRef> = calls
        .iter()
        .zip(&granted)
        .filter(|(_, g)| !**g)
        .map(|(c, _)| CallRef {
            action: c.action.clone(),
            resource: c.resource.clone(),
        })
        .collect();

    let mut new_statements: Vec<Value> = Vec::new();
    let mut reports = Vec::new();
    // For check (b): (new statement, index of its original).
    let mut derived: Vec<(Value, usize)> = Vec::new();
    let mut changed = false;
    let mut used_sids: BTreeSet<String> = originals
        .iter()
        .filter_map(|s| s.get("Sid").and_then(Value::as_str).map(str::to_string))
        .collect();
    for (index, statement) in policy.statements.iter().enumerate() {
        let original = originals.get(index).cloned().unwrap_or(Value::Null);
        let sid = statement.sid.as_ref().map(|s| s.node.clone());
        let effect = statement.effect();
        if effect != Some(Effect::Allow) {
            new_statements.push(original);
            reports.push(StatementReport {
                index,
                sid,
                effect: effect.map_or("?", Effect::as_str),
                status: "kept",
                used_calls: 0,
                unused_actions: Vec::new(),
                broader_resources: Vec::new(),
            });
            continue;
        }
        let one = PolicySet {
            identity: vec![single(&policy, statement)],
            ..PolicySet::default()
        };
        let used: Vec<&Call> = calls
            .iter()
            .zip(&granted)
            .filter(|(c, g)| **g && allowed(&one, &c.request))
            .map(|(c, _)| c)
            .collect();
        let action_items: Vec<String> =
            statement.actions().iter().map(|a| a.node.clone()).collect();
        let not_action = statement.action.as_ref().is_some_and(|a| a.negated);
        let resource_items: Vec<String> = statement
            .resources()
            .iter()
            .map(|r| r.node.clone())
            .collect();
        let not_resource = statement.resource.as_ref().is_some_and(|r| r.negated);
        let used_actions: BTreeSet<String> = used.iter().map(|c| c.action.clone()).collect();
        let unused_actions: Vec<String> = if not_action {
            Vec::new()
        } else {
            action_items
                .iter()
                .filter(|p| !used_actions.iter().any(|a| action_matches(p, a)))
                .cloned()
                .collect()
        };
        if used.is_empty() {
            changed = true;
            reports.push(StatementReport {
                index,
                sid,
                effect: "Allow",
                status: "unused",
                used_calls: 0,
                unused_actions: action_items,
                broader_resources: Vec::new(),
            });
            continue;
        }
        // Actions: original patterns wholly used are kept; otherwise the used actions.
        let used_lower: BTreeSet<String> = used_actions
            .iter()
            .map(|a| a.to_ascii_lowercase())
            .collect();
        let mut kept_patterns: Vec<String> = Vec::new();
        if !not_action {
            for p in &action_items {
                if !p.contains(['*', '?']) {
                    continue;
                }
                let expanded: BTreeSet<String> = sr
                    .expand(p)
                    .iter()
                    .map(|a| a.full_name().to_ascii_lowercase())
                    .collect();
                if !expanded.is_empty() && expanded.is_subset(&used_lower) {
                    kept_patterns.push(p.clone());
                }
            }
        }
        // Resources per action; wildcard resources not provably inside the original's patterns
        // fall back to those patterns.
        let mut per_action: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut needs_not_resource: BTreeSet<String> = BTreeSet::new();
        for c in &used {
            let action = kept_patterns
                .iter()
                .find(|p| action_matches(p, &c.action))
                .cloned()
                .unwrap_or_else(|| c.action.clone());
            let only_star = sr
                .action(&c.action)
                .is_some_and(|a| a.accepts_only_wildcard_resource());
            let entry = per_action.entry(action.clone()).or_default();
            if only_star || c.resource == "*" {
                if not_resource {
                    needs_not_resource.insert(action);
                } else {
                    entry.insert(
                        resource_items
                            .iter()
                            .find(|r| r.as_str() == "*")
                            .cloned()
                            .unwrap_or_else(|| "*".to_string()),
                    );
                }
                continue;
            }
            if !has_wildcard(&c.resource) {
                entry.insert(c.resource.clone());
            } else if not_resource {
                needs_not_resource.insert(action);
            } else if resource_items
                .iter()
                .any(|r| pattern_includes(r, &c.resource))
            {
                entry.insert(c.resource.clone());
            } else {
                // Keep the original patterns that match this resource.
                for r in &resource_items {
                    let probe = Request::new(
                        Arc::clone(&who),
                        &c.action,
                        unescape(&c.resource),
                        None,
                        c.request.context.clone(),
                    );
                    let one_resource = format!(
                        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":{}}}}}"#,
                        Value::String(r.clone())
                    );
                    if let Some(p) = parse_policy(&one_resource, Some(PolicyKind::Identity)).policy
                    {
                        let set = PolicySet {
                            identity: vec![CompiledPolicy::new(&p, "probe", 0)],
                            ..PolicySet::default()
                        };
                        if allowed(&set, &probe) {
                            entry.insert(r.clone());
                        }
                    }
                }
            }
        }
        for a in &needs_not_resource {
            per_action.remove(a);
        }
        per_action.retain(|_, r| !r.is_empty());
        // Broader resources: original patterns with wildcards, and the narrower ones used.
        let mut broader = Vec::new();
        if !not_resource {
            for r in resource_items.iter().filter(|r| has_wildcard(r)) {
                let under: BTreeSet<String> = per_action
                    .values()
                    .flatten()
                    .filter(|u| *u != r && pattern_includes(r, u))
                    .cloned()
                    .collect();
                let still_used = per_action.values().flatten().any(|u| u == r);
                if !under.is_empty() && !still_used {
                    broader.push(BroaderResource {
                        original: r.clone(),
                        used: under.into_iter().take(20).collect(),
                    });
                }
            }
        }
        let mut groups = group_statements(&per_action);
        groups.sort_by(|a, b| (&a.service, &a.resources).cmp(&(&b.service, &b.resources)));
        let condition = original.get("Condition").cloned();
        let mut pieces: Vec<Value> = Vec::new();
        for g in &groups {
            pieces.push(statement_json(
                &g.actions,
                Some(("Resource", &g.resources)),
                condition.as_ref(),
            ));
        }
        if !needs_not_resource.is_empty() {
            let actions: Vec<String> = needs_not_resource.iter().cloned().collect();
            let nr = original
                .get("NotResource")
                .map(value_strings)
                .unwrap_or_default();
            pieces.push(statement_json(
                &actions,
                Some(("NotResource", &nr)),
                condition.as_ref(),
            ));
        }
        // Sids: the original's on the first piece, numbered after.
        for (k, piece) in pieces.iter_mut().enumerate() {
            if let (Some(s), Value::Object(m)) = (&sid, piece) {
                let new_sid = if k == 0 {
                    s.clone()
                } else {
                    let mut n = k + 1;
                    while used_sids.contains(&format!("{s}{n}")) {
                        n += 1;
                    }
                    format!("{s}{n}")
                };
                used_sids.insert(new_sid.clone());
                let mut with_sid = Map::new();
                with_sid.insert("Sid".into(), Value::String(new_sid));
                with_sid.extend(std::mem::take(m));
                *m = with_sid;
            }
        }
        let same = pieces.len() == 1
            && same_elements(pieces.first(), &original, "Action")
            && same_elements(pieces.first(), &original, "Resource")
            && original.get("NotAction").is_none()
            && original.get("NotResource").is_none();
        let status = if same {
            new_statements.push(original.clone());
            "kept"
        } else {
            changed = true;
            for p in &pieces {
                derived.push((p.clone(), index));
                new_statements.push(p.clone());
            }
            "narrowed"
        };
        if same {
            derived.push((original, index));
        }
        reports.push(StatementReport {
            index,
            sid,
            effect: "Allow",
            status,
            used_calls: used.len(),
            unused_actions,
            broader_resources: broader,
        });
    }

    let tightened = if new_statements.is_empty() {
        None
    } else {
        let mut m = Map::new();
        m.insert(
            "Version".into(),
            doc.get("Version")
                .cloned()
                .unwrap_or_else(|| Value::String("2012-10-17".into())),
        );
        if let Some(id) = doc.get("Id") {
            m.insert("Id".into(), id.clone());
        }
        m.insert("Statement".into(), Value::Array(new_statements));
        Some(Value::Object(m))
    };

    // Check (a).
    let mut check_a = Check {
        passed: true,
        ..Check::default()
    };
    let tightened_set = tightened.as_ref().and_then(|t| {
        let text = serde_json::to_string(t).ok()?;
        let p = parse_policy(&text, Some(PolicyKind::Identity)).policy?;
        Some(PolicySet {
            identity: vec![CompiledPolicy::new(&p, "tightened", 0)],
            ..PolicySet::default()
        })
    });
    for (c, g) in calls.iter().zip(&granted) {
        if !*g {
            continue;
        }
        check_a.checked += 1;
        let ok = tightened_set
            .as_ref()
            .is_some_and(|set| allowed(set, &c.request));
        if !ok {
            check_a.fail(format!("{} on {}", c.action, c.resource));
        }
    }

    // Check (b).
    let mut check_b = Check {
        passed: true,
        ..Check::default()
    };
    for (piece, index) in &derived {
        let Some(original) = originals.get(*index) else {
            check_b.fail(format!("statement #{} has no original", index + 1));
            continue;
        };
        check_statement_covered(piece, original, &who, &mut check_b);
    }

    Ok(TightenReport {
        principal: principal.to_string(),
        policy: tightened,
        changed,
        statements: reports,
        recorded_calls: calls.len(),
        not_granted,
        allows_recorded: check_a,
        no_new_access: check_b,
    })
}

fn value_strings(v: &Value) -> Vec<String> {
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

fn same_elements(piece: Option<&Value>, original: &Value, key: &str) -> bool {
    let a: BTreeSet<String> = piece
        .and_then(|p| p.get(key))
        .map(value_strings)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let b: BTreeSet<String> = original
        .get(key)
        .map(value_strings)
        .unwrap_or_default()
        .into_iter()
        .collect();
    a == b
}

fn one_or_many(items: &[String]) -> Value {
    match items {
        [one] => Value::String(one.clone()),
        many => Value::Array(many.iter().cloned().map(Value::String).collect()),
    }
}

fn statement_json(
    actions: &[String],
    resources: Option<(&str, &Vec<String>)>,
    condition: Option<&Value>,
) -> Value {
    let mut m = Map::new();
    m.insert("Effect".into(), Value::String("Allow".into()));
    m.insert("Action".into(), one_or_many(actions));
    if let Some((key, r)) = resources {
        m.insert(key.into(), one_or_many(r));
    }
    if let Some(c) = condition {
        m.insert("Condition".into(), c.clone());
    }
    Value::Object(m)
}

/// Check (b) for one new statement against its original.
fn check_statement_covered(
    piece: &Value,
    original: &Value,
    who: &Arc<RequestPrincipal>,
    check: &mut Check,
) {
    let sr = ServiceRef::get();
    let same = |key: &str| piece.get(key) == original.get(key);
    if piece.get("Effect") != original.get("Effect") || !same("Condition") {
        check.fail("a new statement changes the effect or condition".into());
        return;
    }
    // The original without its condition.
    let mut bare = original.clone();
    if let Value::Object(m) = &mut bare {
        m.remove("Condition");
        m.remove("Sid");
    }
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [bare]});
    let Some(bare_policy) = parse_policy(&doc.to_string(), Some(PolicyKind::Identity)).policy
    else {
        check.fail("the original statement cannot be read".into());
        return;
    };
    let set = PolicySet {
        identity: vec![CompiledPolicy::new(&bare_policy, "original", 0)],
        ..PolicySet::default()
    };
    let original_actions = original
        .get("Action")
        .map(value_strings)
        .unwrap_or_default();
    let original_resources = original
        .get("Resource")
        .map(value_strings)
        .unwrap_or_default();
    let mut actions: Vec<String> = Vec::new();
    for a in piece.get("Action").map(value_strings).unwrap_or_default() {
        if a.contains(['*', '?']) {
            if !original_actions.contains(&a) {
                check.fail(format!("action pattern `{a}` is not the original's"));
                continue;
            }
            actions.extend(sr.expand(&a).iter().map(Action::full_name));
        } else {
            actions.push(a);
        }
    }
    let resources = piece.get("Resource").map(value_strings);
    let not_resource = piece.get("NotResource");
    if not_resource.is_some() {
        // Same `NotResource` as the original, fewer actions.
        let strings = |v: Option<&Value>| -> BTreeSet<String> {
            v.map(value_strings)
                .unwrap_or_default()
                .into_iter()
                .collect()
        };
        if strings(not_resource) != strings(original.get("NotResource")) {
            check.fail("a new statement changes `NotResource`".into());
        }
        for a in &actions {
            check.checked += 1;
            let covered = match original.get("NotAction") {
                Some(n) => !value_strings(n).iter().any(|p| action_matches(p, a)),
                None => original_actions.iter().any(|p| action_matches(p, a)),
            };
            if !covered {
                check.fail(format!("{a} is not granted by the original statement"));
            }
        }
        return;
    }
    for a in &actions {
        for r in resources.iter().flatten() {
            check.checked += 1;
            if has_wildcard(r) && r != "*" {
                let covered = original_resources.contains(r)
                    || original_resources.iter().any(|o| pattern_includes(o, r));
                let action_ok = allowed(
                    &set,
                    &Request::new(
                        Arc::clone(who),
                        a,
                        unescape(r),
                        None,
                        policy_core::request::Context::new(),
                    ),
                );
                if !covered || !action_ok {
                    check.fail(format!("{a} on {r} is not inside the original statement"));
                }
                continue;
            }
            let request = Request::new(
                Arc::clone(who),
                a,
                unescape(r),
                None,
                policy_core::request::Context::new(),
            );
            if !allowed(&set, &request) {
                check.fail(format!(
                    "{a} on {r} is not allowed by the original statement"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_inclusion_is_sound() {
        assert!(pattern_includes("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/*"));
        assert!(pattern_includes("arn:aws:s3:::*", "arn:aws:s3:::b/x/*"));
        assert!(!pattern_includes("arn:aws:s3:::b/x*", "arn:aws:s3:::b/*"));
        assert!(!pattern_includes("arn:aws:s3:::b/?", "arn:aws:s3:::b/*"));
        assert!(pattern_includes("arn:aws:s3:::b/?", "arn:aws:s3:::b/${*}"));
        assert!(!pattern_includes(
            "arn:aws:s3:::${aws:username}/*",
            "arn:aws:s3:::x/*"
        ));
        assert!(!pattern_includes(
            "arn:aws:ec2:*:1:instance/*",
            "arn:aws:ec2:*:*:instance/*"
        ));
        assert!(action_matches("s3:Get*", "s3:GetObject"));
        assert!(!action_matches("s3:Get*", "s3:PutObject"));
    }
}
