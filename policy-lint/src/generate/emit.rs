//! Writing the policy: the recorded actions and resources, compacted without changing what
//! they allow, in as few documents as the managed-policy size quota permits, with Sids that
//! say what each statement grants, and optionally with action lists collapsed to wildcards
//! that match exactly the recorded actions (each collapsed statement is proven to allow
//! exactly what its explicit list allows, with `no_new_access` both ways; else it keeps the
//! list).
//!
//! Compaction, in order:
//! 1. per action, resources that another of its patterns already matches are dropped
//!    ([`minimal_resources`], by the inclusion test of [`pattern_includes`]);
//! 2. actions with the same resources share one statement, whatever their service, and
//!    resources that one statement's list shares entirely with a longer list are written once
//!    ([`compact_statements`]);
//! 3. statements are packed into documents of at most [`MANAGED_POLICY_MAX_CHARS`]
//!    characters, split only when one does not fit whole (`pack`).
//!
//! None of these changes which (action, resource) pairs the policy allows: the first removes
//! only patterns whose every match another pattern of the same action keeps, the second
//! grants each action exactly its own resources (possibly in two statements), the third only
//! distributes statements.

mod pack;

use std::collections::{BTreeMap, BTreeSet};

use policy_core::service_ref::{AccessLevel, ServiceRef};
use serde_json::{json, Map, Value};

use super::aggregate::PrincipalActivity;
use super::mapping::unescape;
use super::tighten::pattern_includes;
use crate::support::proof::{policy_of, same_access};

/// The size quota of a customer managed policy: 6,144 characters, whitespace not counted
/// (IAM User Guide, "IAM and AWS STS quotas").
pub const MANAGED_POLICY_MAX_CHARS: usize = 6144;

/// The default quota of managed policies attached to one IAM user or role: 10, which a quota
/// increase can raise to 20 (IAM User Guide, "IAM and AWS STS quotas", IAM object quotas:
/// "Managed policies attached to an IAM role", "… to an IAM user").
pub const MANAGED_POLICIES_PER_PRINCIPAL: usize = 10;

/// How to write policies.
#[derive(Debug, Clone, Copy)]
pub struct EmitOptions {
    /// Replace action lists by wildcards that match exactly the recorded actions.
    pub collapse: bool,
    /// Characters (without whitespace) one policy may hold.
    pub max_chars: usize,
}

impl Default for EmitOptions {
    fn default() -> Self {
        EmitOptions {
            collapse: false,
            max_chars: MANAGED_POLICY_MAX_CHARS,
        }
    }
}

/// One statement to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementPlan {
    /// Its Sid (letters and digits).
    pub sid: String,
    /// Actions (or action patterns, after collapsing), sorted.
    pub actions: Vec<String>,
    /// Resources, sorted (`["*"]` for actions that take no resource type).
    pub resources: Vec<String>,
    /// The service prefix (of its first action, when actions of several services share
    /// the resources).
    pub service: String,
}

impl StatementPlan {
    /// The statement's JSON (an `Allow`, without a condition).
    pub fn to_json(&self) -> Value {
        let one_or_many = |v: &[String]| match v {
            [one] => Value::String(one.clone()),
            many => Value::Array(many.iter().cloned().map(Value::String).collect()),
        };
        let mut m = Map::new();
        m.insert("Sid".into(), Value::String(self.sid.clone()));
        m.insert("Effect".into(), Value::String("Allow".into()));
        m.insert("Action".into(), one_or_many(&self.actions));
        m.insert("Resource".into(), one_or_many(&self.resources));
        Value::Object(m)
    }

    /// The service prefixes of its actions, sorted.
    pub fn services(&self) -> BTreeSet<String> {
        self.actions.iter().map(|a| service_of(a)).collect()
    }
}

/// One generated policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedPolicy {
    /// The statements.
    pub statements: Vec<StatementPlan>,
    /// The document, pretty-printed (2-space indent), with a final newline.
    pub text: String,
    /// Characters without whitespace (compact JSON length).
    pub chars: usize,
}

/// The service prefix of an action, lower case.
fn service_of(action: &str) -> String {
    action
        .split_once(':')
        .map_or(action, |(s, _)| s)
        .to_ascii_lowercase()
}

/// Groups actions by service and resources: one statement per service and resource set,
/// sorted by service, resources, actions. `actions` maps `service:Action` to its resources.
pub fn group_statements(actions: &BTreeMap<String, BTreeSet<String>>) -> Vec<StatementPlan> {
    let mut groups: BTreeMap<(String, Vec<String>), Vec<String>> = BTreeMap::new();
    for (action, resources) in actions {
        let service = action
            .split_once(':')
            .map_or(action.as_str(), |(s, _)| s)
            .to_ascii_lowercase();
        let resources: Vec<String> = if resources.is_empty() || resources.contains("*") {
            vec!["*".to_string()]
        } else {
            resources.iter().cloned().collect()
        };
        groups
            .entry((service, resources))
            .or_default()
            .push(action.clone());
    }
    let mut out: Vec<StatementPlan> = groups
        .into_iter()
        .map(|((service, resources), mut actions)| {
            actions.sort();
            StatementPlan {
                sid: String::new(),
                actions,
                resources,
                service,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.service, &a.resources, &a.actions).cmp(&(&b.service, &b.resources, &b.actions))
    });
    out
}

/// Whether a policy-form resource has wildcards (the escapes `${*}`, `${?}`, `${$}` are
/// literal characters).
fn has_wildcard(resource: &str) -> bool {
    resource
        .replace("${*}", "")
        .replace("${?}", "")
        .replace("${$}", "")
        .contains(['*', '?'])
}

/// The resources of one action without those another of them already matches: `*` alone when
/// it is there (or when there are none), else each ARN or pattern that no kept pattern
/// includes, sorted. Patterns are taken first, fewest literal characters first, so that the
/// broadest are kept; a pattern taken later that includes kept ones replaces them. Sound:
/// every dropped item is matched by a kept one ([`pattern_includes`] answers `true` only
/// when inclusion holds, and inclusion is transitive).
pub fn minimal_resources<'a>(resources: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let all: BTreeSet<&String> = resources.into_iter().collect();
    if all.is_empty() || all.iter().any(|r| *r == "*") {
        return vec!["*".to_string()];
    }
    let (mut patterns, literals): (Vec<&String>, Vec<&String>) =
        all.into_iter().partition(|r| has_wildcard(r));
    patterns.sort_by_key(|p| (p.chars().filter(|c| !matches!(c, '*' | '?')).count(), *p));
    // A pattern includes only texts that start with its literal head (the text before its
    // first wildcard or escape): a cheap test before the full one. It may miss an inclusion
    // spelled with escapes, which only keeps an item.
    let includes = |outer: &str, inner: &str| {
        let head = outer
            .find(['*', '?', '$'])
            .and_then(|i| outer.get(..i))
            .unwrap_or(outer);
        inner.starts_with(head) && pattern_includes(outer, inner)
    };
    let mut kept: Vec<&String> = Vec::new();
    for p in patterns {
        if kept.iter().any(|k| includes(k, p)) {
            continue;
        }
        kept.retain(|k| !includes(p, k));
        kept.push(p);
    }
    let mut out: Vec<String> = kept.iter().map(|k| (*k).clone()).collect();
    for l in literals {
        if !kept.iter().any(|k| includes(k, l)) {
            out.push(l.clone());
        }
    }
    out.sort();
    out
}

/// The characters a list of strings takes in a statement (each quoted, with a comma).
fn items_len<'a>(items: impl IntoIterator<Item = &'a String>) -> usize {
    items.into_iter().map(|i| pack::quoted_len(i) + 1).sum()
}

/// Whether sorted `small` is a proper part of sorted `large`.
fn is_proper_subset(small: &[String], large: &[String]) -> bool {
    if small.len() >= large.len() {
        return false;
    }
    let mut rest = large.iter();
    small.iter().all(|x| rest.any(|y| y == x))
}

/// Writes shared resources once: while the resources of some statement B are a proper part of
/// those of a statement A (neither `*`) and naming A's actions in B is shorter than naming
/// B's resources in A, A's actions join B and A keeps its other resources (joining a statement
/// that already has exactly those). The pairs allowed stay the same: with `R_B ⊂ R_A`,
/// `a × R_A ∪ b × R_B = a × (R_A \ R_B) ∪ (a ∪ b) × R_B`. Each step makes the policy shorter,
/// so this ends; the largest saving is taken first, the first in order among equals.
fn factor(groups: &mut BTreeMap<Vec<String>, BTreeSet<String>>) {
    for _ in 0..256 {
        let mut best: Option<(usize, &Vec<String>, &Vec<String>)> = None;
        for (ra, aa) in groups.iter() {
            if ra.len() < 2 || ra.iter().any(|r| r == "*") {
                continue;
            }
            for (rb, ab) in groups.iter() {
                if !is_proper_subset(rb, ra) {
                    continue;
                }
                let saved = items_len(rb);
                let added = items_len(aa.difference(ab));
                if saved > added && best.is_none_or(|(g, _, _)| saved - added > g) {
                    best = Some((saved - added, ra, rb));
                }
            }
        }
        let Some((_, ra, rb)) = best else {
            return;
        };
        let (ra, rb) = (ra.clone(), rb.clone());
        let Some(aa) = groups.remove(&ra) else {
            return;
        };
        let rest: Vec<String> = ra.into_iter().filter(|r| !rb.contains(r)).collect();
        groups.entry(rest).or_default().extend(aa.iter().cloned());
        groups.entry(rb).or_default().extend(aa);
    }
}

/// The statements for actions and their resources (`service:Action` → resources in policy
/// form): each action's resources made minimal ([`minimal_resources`]), then one statement
/// per distinct resource list with every action that has it, across services, and shared
/// resources written once ([`factor`]). Sorted by the first action's service, resources,
/// actions. Sids are left empty.
pub fn compact_statements(actions: &BTreeMap<String, BTreeSet<String>>) -> Vec<StatementPlan> {
    let mut groups: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (action, resources) in actions {
        // IAM ignores the case of action names: one spelling is enough.
        if !seen.insert(action.to_ascii_lowercase()) {
            continue;
        }
        groups
            .entry(minimal_resources(resources))
            .or_default()
            .insert(action.clone());
    }
    factor(&mut groups);
    let mut out: Vec<StatementPlan> = groups
        .into_iter()
        .map(|(resources, actions)| {
            let actions: Vec<String> = actions.into_iter().collect();
            StatementPlan {
                sid: String::new(),
                service: actions.first().map(|a| service_of(a)).unwrap_or_default(),
                actions,
                resources,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.service, &a.resources, &a.actions).cmp(&(&b.service, &b.resources, &b.actions))
    });
    out
}

/// Camel case of a service prefix or type name: `ec2-instance-connect` → `Ec2InstanceConnect`.
fn camel(text: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

/// A camel-case name cut to at most `max` characters at the end of a word (inside the first
/// word when that alone is longer): `ApplicationInferenceProfile`, 20 → `ApplicationInference`.
fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let mut cut = 0;
    for (i, c) in name.char_indices().skip(1) {
        if i > max {
            break;
        }
        if c.is_ascii_uppercase() {
            cut = i;
        }
    }
    if cut == 0 {
        cut = max;
    }
    name.get(..cut).unwrap_or(name).to_string()
}

/// The access levels an action (or pattern) has, per the reference.
fn levels(pattern: &str) -> BTreeSet<AccessLevel> {
    let sr = ServiceRef::get();
    if pattern.contains(['*', '?']) {
        sr.expand(pattern)
            .iter()
            .map(policy_core::service_ref::Action::access_level)
            .collect()
    } else {
        sr.action(pattern)
            .map(|a| a.access_level())
            .into_iter()
            .collect()
    }
}

fn level_word(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::List => "List",
        AccessLevel::Read => "Read",
        AccessLevel::Write => "Write",
        AccessLevel::PermissionsManagement => "Permissions",
        AccessLevel::Tagging => "Tagging",
    }
}

/// The camel-case resource type name of a resource (policy form), memoised per ARN prefix
/// (up to the resource part's first `/` or `:`, which decides the type in nearly every format).
fn type_name_of(resource: &str) -> String {
    thread_local! {
        static MEMO: std::cell::RefCell<BTreeMap<String, String>> =
            const { std::cell::RefCell::new(BTreeMap::new()) };
    }
    let arn = unescape(resource);
    let mut colons = 0;
    let mut cut = arn.len();
    for (i, c) in arn.char_indices() {
        if colons >= 5 && (c == '/' || c == ':') {
            cut = i + 1;
            break;
        }
        if c == ':' {
            colons += 1;
        }
    }
    let key = arn.get(..cut).unwrap_or(&arn).to_string();
    if let Some(hit) = MEMO.with(|m| m.borrow().get(&key).cloned()) {
        return hit;
    }
    // Several services list a type with the same format (`opensearchservice` lists IAM
    // roles): the ARN's own service names it.
    let service = arn.split(':').nth(2).unwrap_or_default();
    let types = ServiceRef::get().resource_types_for_arn(&arn);
    let name = types
        .iter()
        .find(|t| t.service().prefix().eq_ignore_ascii_case(service))
        .or(types.first())
        .map_or_else(|| "Resource".to_string(), |t| camel(t.name()));
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() > 4096 {
            m.clear();
        }
        m.insert(key, name.clone());
    });
    name
}

/// The longest Sid [`sid_for`] writes (before a number that makes it unique).
pub const SID_MAX_CHARS: usize = 64;

/// A short Sid that says what a statement grants: its service (two at most; none for more),
/// its action (or the access levels of its actions; of an action whose name is longer than
/// 32 characters, too), and its resource type (the first one, cut to 20 characters, with
/// `Etc` when there are more): `S3GetObjectOnObject`, `Ec2ListReadOnAllResources`,
/// `IamStsReadWriteOnRole`, `BedrockInvokeModelOnApplicationInferenceEtc`. Letters and digits
/// only, at most [`SID_MAX_CHARS`] characters.
fn sid_for(s: &StatementPlan) -> String {
    let services = s.services();
    let service: String = if services.len() <= 2 {
        let width = if services.len() == 1 { 16 } else { 10 };
        services.iter().map(|p| shorten(&camel(p), width)).collect()
    } else {
        String::new()
    };
    let single = match s.actions.as_slice() {
        [one] if !one.contains(['*', '?']) => {
            Some(camel(one.split_once(':').map_or(one.as_str(), |(_, a)| a)))
        }
        _ => None,
    };
    let verb = match single {
        // A cut action name would name another action: a long one gets its access level.
        Some(name) if name.len() <= 32 => name,
        _ => {
            let many = &s.actions;
            let mut all = BTreeSet::new();
            for a in many {
                all.extend(levels(a));
            }
            let words: String = all.into_iter().map(level_word).collect();
            if words.is_empty() {
                "Actions".to_string()
            } else {
                words
            }
        }
    };
    let target = if s.resources.iter().any(|r| r == "*") {
        "AllResources".to_string()
    } else {
        // The first resources tell the types (a statement's resources are sorted by ARN).
        let names: BTreeSet<String> = s
            .resources
            .iter()
            .take(16)
            .map(|r| type_name_of(r))
            .collect();
        let mut names = names.into_iter();
        let first = names.next().map_or_else(String::new, |n| shorten(&n, 20));
        match names.next() {
            None => first,
            Some(second) if names.next().is_none() && first.len() + second.len() <= 24 => {
                format!("{first}{second}")
            }
            Some(_) => format!("{first}Etc"),
        }
    };
    let mut sid = format!("{service}{verb}On{target}");
    sid.retain(|c| c.is_ascii_alphanumeric());
    if sid.is_empty() {
        sid.push_str("Statement");
    }
    sid.truncate(SID_MAX_CHARS);
    sid
}

/// Gives each statement a unique Sid: [`sid_for`], numbered (`…2`, `…3`) when taken.
pub fn assign_sids(statements: &mut [StatementPlan]) {
    let mut used: BTreeSet<String> = BTreeSet::new();
    for s in statements.iter_mut() {
        let base = sid_for(s);
        let mut candidate = base.clone();
        let mut k = 2;
        while !used.insert(candidate.clone()) {
            candidate = format!("{base}{k}");
            k += 1;
        }
        s.sid = candidate;
    }
}

/// Word starts of an action name: `GetObjectAcl` → `Get`, `GetObject`, `GetObjectAcl`.
fn word_prefixes(name: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (i, c) in name.char_indices().skip(1) {
        if c.is_ascii_uppercase() {
            if let Some(p) = name.get(..i) {
                out.push(p);
            }
        }
    }
    out.push(name);
    out
}

/// Whether a wildcard's actions are all reads (Read, List) or all writes (the other levels):
/// a pattern that mixes them, or a whole service with any write, is what
/// `service-wildcard-action` reports (its reader would take it for a read-only grant).
fn is_one_kind(pattern: &str, actions: &[policy_core::service_ref::Action<'_>]) -> bool {
    let reads = actions
        .iter()
        .filter(|a| matches!(a.access_level(), AccessLevel::Read | AccessLevel::List))
        .count();
    let whole = pattern
        .split_once(':')
        .is_some_and(|(_, n)| n.bytes().all(|b| b == b'*'));
    reads == actions.len() || (reads == 0 && !whole)
}

/// Replaces actions of one service by `service:Prefix*` patterns where a pattern matches
/// exactly recorded actions (at least two), per the reference: no new access. A pattern
/// whose actions mix reads and writes is not used.
pub fn collapse_actions(service: &str, actions: &[String]) -> Vec<String> {
    let sr = ServiceRef::get();
    let names: BTreeSet<String> = actions
        .iter()
        .filter_map(|a| a.split_once(':').map(|(_, n)| n.to_ascii_lowercase()))
        .collect();
    if names.len() < 2 {
        return actions.to_vec();
    }
    let subset = |pattern: &str| -> Option<BTreeSet<String>> {
        let found = sr.expand(pattern);
        let expanded: BTreeSet<String> = found
            .iter()
            .map(|a| a.name().to_ascii_lowercase())
            .collect();
        (expanded.len() >= 2 && expanded.is_subset(&names) && is_one_kind(pattern, &found))
            .then_some(expanded)
    };
    let whole = format!("{service}:*");
    if subset(&whole).is_some_and(|e| e.len() == names.len()) {
        return vec![whole];
    }
    let mut candidates: Vec<(String, BTreeSet<String>)> = Vec::new();
    for a in actions {
        let Some((_, name)) = a.split_once(':') else {
            continue;
        };
        for prefix in word_prefixes(name) {
            let pattern = format!("{service}:{prefix}*");
            if candidates.iter().any(|(p, _)| *p == pattern) {
                continue;
            }
            if let Some(covered) = subset(&pattern) {
                candidates.push((pattern, covered));
            }
        }
    }
    // Greedy: the pattern covering most still-uncovered actions (ties: shortest, then name).
    let mut uncovered = names.clone();
    let mut chosen: Vec<String> = Vec::new();
    loop {
        let best = candidates
            .iter()
            .map(|(p, c)| (c.intersection(&uncovered).count(), p, c))
            .filter(|(n, _, _)| *n >= 2)
            .max_by(|a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| b.1.len().cmp(&a.1.len()))
                    .then_with(|| b.1.cmp(a.1))
            });
        let Some((_, pattern, covered)) = best else {
            break;
        };
        for c in covered {
            uncovered.remove(c);
        }
        chosen.push(pattern.clone());
    }
    let mut out = chosen;
    for a in actions {
        if let Some((_, name)) = a.split_once(':') {
            if uncovered.contains(&name.to_ascii_lowercase()) {
                out.push(a.clone());
            }
        }
    }
    out.sort();
    out
}

/// [`collapse_actions`] for a statement whose actions may belong to several services.
fn collapse_statement(actions: &[String]) -> Vec<String> {
    let mut by_service: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in actions {
        by_service.entry(service_of(a)).or_default().push(a.clone());
    }
    let mut out: Vec<String> = by_service
        .iter()
        .flat_map(|(service, actions)| collapse_actions(service, actions))
        .collect();
    out.sort();
    out
}

/// Compact JSON length: whitespace outside strings is not counted, as IAM counts.
fn size_of(v: &Value) -> usize {
    serde_json::to_string(v).map_or(usize::MAX, |s| s.len())
}

fn document(statements: &[StatementPlan]) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": statements.iter().map(StatementPlan::to_json).collect::<Vec<_>>(),
    })
}

/// The statements for actions and their resources (`service:Action` → resources in policy
/// form): compacted ([`compact_statements`]), optionally collapsed ([`collapse_actions`] per
/// service), without Sids.
pub fn plan_statements(
    actions: &BTreeMap<String, BTreeSet<String>>,
    collapse: bool,
) -> Vec<StatementPlan> {
    let mut statements = compact_statements(actions);
    if collapse {
        for s in &mut statements {
            let collapsed = collapse_statement(&s.actions);
            s.actions = proven_collapse(s, collapsed);
        }
    }
    statements
}

/// `collapsed` (the actions of `explicit` with wildcards) when the statement with them allows
/// exactly the requests `explicit` allows, decided over every request with `no_new_access`
/// both ways (issue 12: "each wildcard matches exactly what was recorded"); else the explicit
/// list (FAIL: a wildcard would add or lose an action; UNKNOWN: not proven).
fn proven_collapse(explicit: &StatementPlan, collapsed: Vec<String>) -> Vec<String> {
    if collapsed == explicit.actions {
        return collapsed;
    }
    let wide = StatementPlan {
        actions: collapsed,
        ..explicit.clone()
    };
    let proven = match (
        policy_of(None, &[explicit.to_json()]),
        policy_of(None, &[wide.to_json()]),
    ) {
        (Some(a), Some(b)) => same_access(&a, &b).is_pass(),
        _ => false,
    };
    if proven {
        wide.actions
    } else {
        explicit.actions.clone()
    }
}

/// The statements of a principal's policy ([`plan_statements`] of its actions).
pub fn plan_policy(activity: &PrincipalActivity, collapse: bool) -> Vec<StatementPlan> {
    let actions: BTreeMap<String, BTreeSet<String>> = activity
        .actions
        .iter()
        .map(|(a, use_)| (a.clone(), use_.resources.keys().cloned().collect()))
        .collect();
    plan_statements(&actions, collapse)
}

/// Writes a principal's policy: as few documents as hold its statements (each within
/// `max_chars`). Empty when the principal used no action.
pub fn emit(activity: &PrincipalActivity, options: &EmitOptions) -> Vec<GeneratedPolicy> {
    let statements = plan_policy(activity, options.collapse);
    emit_statements(statements, options.max_chars)
}

/// Gives the statements Sids and packs them into the fewest documents found of at most
/// `max_chars` characters each (see the `pack` module; a statement is split only when it
/// does not fit whole). A single resource too long for any document is written alone.
pub fn emit_statements(
    mut statements: Vec<StatementPlan>,
    max_chars: usize,
) -> Vec<GeneratedPolicy> {
    statements.retain(|s| !s.actions.is_empty() && !s.resources.is_empty());
    if statements.is_empty() {
        return Vec::new();
    }
    assign_sids(&mut statements);
    let mut budget = max_chars;
    loop {
        let docs: Vec<GeneratedPolicy> = pack::pack(&statements, budget)
            .into_iter()
            .map(|statements| {
                let doc = document(&statements);
                let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
                text.push('\n');
                GeneratedPolicy {
                    chars: size_of(&doc),
                    statements,
                    text,
                }
            })
            .collect();
        // The packing reserves room for split statements' Sid numbers; should a number be
        // longer, pack again with less room. A lone statement that cannot be split is what it
        // is.
        let over = docs
            .iter()
            .filter(|d| {
                d.statements.len() > 1 || d.statements.iter().any(|s| s.resources.len() > 1)
            })
            .map(|d| d.chars.saturating_sub(max_chars))
            .max()
            .unwrap_or(0);
        if over == 0 || budget <= max_chars / 2 {
            return docs;
        }
        budget = budget.saturating_sub(over.max(8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn groups_and_names_statements() {
        let mut actions = BTreeMap::new();
        actions.insert("s3:GetObject".to_string(), set(&["arn:aws:s3:::b/k"]));
        actions.insert("s3:PutObject".to_string(), set(&["arn:aws:s3:::b/k"]));
        actions.insert("ec2:DescribeInstances".to_string(), set(&["*"]));
        actions.insert(
            "iam:PassRole".to_string(),
            set(&["arn:aws:iam::111122223333:role/x"]),
        );
        let mut s = group_statements(&actions);
        assign_sids(&mut s);
        let sids: Vec<&str> = s.iter().map(|s| s.sid.as_str()).collect();
        assert_eq!(
            sids,
            vec![
                "Ec2DescribeInstancesOnAllResources",
                "IamPassRoleOnRole",
                "S3ReadWriteOnObject"
            ]
        );
        assert_eq!(s[2].actions, vec!["s3:GetObject", "s3:PutObject"]);
    }

    /// A wildcard that would add an action is refused by the proof, whatever proposed it:
    /// `s3:GetObject*` matches every `s3:GetObject...` action of the Service Authorization
    /// Reference (Amazon S3, "Actions defined by Amazon S3"), one more than recorded here.
    #[test]
    fn a_wildcard_that_adds_an_action_keeps_the_explicit_list() {
        let sr = ServiceRef::get();
        let all: Vec<String> = sr
            .expand("s3:GetObject*")
            .iter()
            .map(policy_core::service_ref::Action::full_name)
            .collect();
        assert!(all.len() > 2);
        let fewer: Vec<String> = all.iter().skip(1).cloned().collect();
        let plan = |actions: Vec<String>| StatementPlan {
            sid: "S3".into(),
            actions,
            resources: vec!["arn:aws:s3:::reports/*".into()],
            service: "s3".into(),
        };
        // The wildcard adds `all[0]`: refused.
        let out = proven_collapse(&plan(fewer.clone()), vec!["s3:GetObject*".into()]);
        assert_eq!(out, fewer);
        // Over every action it matches: proven and kept.
        let out = proven_collapse(&plan(all.clone()), vec!["s3:GetObject*".into()]);
        assert_eq!(out, vec!["s3:GetObject*".to_string()]);
        // A wildcard that loses an action (a different list) is refused too.
        let out = proven_collapse(&plan(all.clone()), vec!["s3:GetObjectA*".into()]);
        assert_eq!(out, all);
    }

    #[test]
    fn collapses_only_exact_wildcards() {
        let sr = ServiceRef::get();
        let all: Vec<String> = sr
            .expand("s3:GetObject*")
            .iter()
            .map(policy_core::service_ref::Action::full_name)
            .collect();
        let mut actions = all.clone();
        actions.push("s3:PutObject".into());
        actions.sort();
        let out = collapse_actions("s3", &actions);
        assert!(out.contains(&"s3:GetObject*".to_string()), "{out:?}");
        assert!(out.contains(&"s3:PutObject".to_string()));
        // One missing: no wildcard that would add it.
        let fewer: Vec<String> = all.iter().skip(1).cloned().collect();
        let out = collapse_actions("s3", &fewer);
        for p in out.iter().filter(|p| p.contains('*')) {
            for a in sr.expand(p) {
                assert!(fewer.contains(&a.full_name()), "{p} adds {a}");
            }
        }
    }

    #[test]
    fn splits_into_policies_within_the_quota() {
        let mut actions = BTreeMap::new();
        let objects: BTreeSet<String> = (0..400)
            .map(|i| format!("arn:aws:s3:::bucket-{i:04}/some/long/path/to/objects/*"))
            .collect();
        actions.insert("s3:GetObject".to_string(), objects);
        let mut statements = group_statements(&actions);
        statements.extend(group_statements(&BTreeMap::from([(
            "ec2:DescribeInstances".to_string(),
            set(&["*"]),
        )])));
        let docs = emit_statements(statements, MANAGED_POLICY_MAX_CHARS);
        assert!(docs.len() > 1);
        for d in &docs {
            assert!(d.chars <= MANAGED_POLICY_MAX_CHARS, "{}", d.chars);
        }
        let total: usize = docs
            .iter()
            .flat_map(|d| &d.statements)
            .map(|s| s.resources.len())
            .sum();
        assert_eq!(total, 401);
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_string()).collect()
    }

    // UG reference_policies_elements_resource: "An asterisk (*) represents any combination of
    // zero or more characters, and a question mark (?) represents any single character";
    // UG reference_policies_variables, "Special characters": `${*}`, `${?}` and `${$}` stand
    // for the characters themselves.
    #[test]
    fn drops_resources_another_pattern_matches() {
        let got = minimal_resources(&set(&[
            "arn:aws:s3:::reports/*",
            "arn:aws:s3:::reports/2026/*",
            "arn:aws:s3:::reports/a.csv",
            "arn:aws:s3:::other/a.csv",
        ]));
        assert_eq!(
            got,
            strings(&["arn:aws:s3:::other/a.csv", "arn:aws:s3:::reports/*"])
        );
        // `?` is one character: `log?` matches `log1`, not `log10`.
        let got = minimal_resources(&set(&[
            "arn:aws:logs:us-east-1:111122223333:log-group:log?",
            "arn:aws:logs:us-east-1:111122223333:log-group:log1",
            "arn:aws:logs:us-east-1:111122223333:log-group:log10",
        ]));
        assert_eq!(
            got,
            strings(&[
                "arn:aws:logs:us-east-1:111122223333:log-group:log10",
                "arn:aws:logs:us-east-1:111122223333:log-group:log?",
            ])
        );
        // `${*}` is a literal star: it matches only the key named `*`, and a wildcard covers it.
        let got = minimal_resources(&set(&["arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x"]));
        assert_eq!(got, strings(&["arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x"]));
        let got = minimal_resources(&set(&["arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*"]));
        assert_eq!(got, strings(&["arn:aws:s3:::b/*"]));
        // `*` covers everything; nothing at all means `*` too.
        assert_eq!(
            minimal_resources(&set(&["*", "arn:aws:s3:::b"])),
            strings(&["*"])
        );
        assert_eq!(minimal_resources(&set(&[])), strings(&["*"]));
        // Of two equivalent patterns one is kept; a broader pattern taken later replaces a
        // narrower one kept first.
        let got = minimal_resources(&set(&[
            "arn:aws:s3:::b/a*",
            "arn:aws:s3:::b/a**",
            "arn:aws:s3:::b/*",
        ]));
        assert_eq!(got, strings(&["arn:aws:s3:::b/*"]));
        let got = minimal_resources(&set(&["arn:aws:s3:::b/a*", "arn:aws:s3:::b/a**"]));
        assert_eq!(got.len(), 1, "{got:?}");
        // A region wildcard does not reach into the resource part.
        let got = minimal_resources(&set(&[
            "arn:aws:sqs:*:111122223333:q",
            "arn:aws:sqs:us-east-1:111122223333:q",
            "arn:aws:sqs:us-east-1:111122223333:q2",
        ]));
        assert_eq!(
            got,
            strings(&[
                "arn:aws:sqs:*:111122223333:q",
                "arn:aws:sqs:us-east-1:111122223333:q2"
            ])
        );
    }

    #[test]
    fn merges_statements_with_equal_resources_across_services() {
        let mut actions = BTreeMap::new();
        let roles = ["arn:aws:iam::111122223333:role/app"];
        actions.insert("iam:GetRole".to_string(), set(&roles));
        actions.insert("sts:AssumeRole".to_string(), set(&roles));
        actions.insert("ec2:DescribeInstances".to_string(), set(&["*"]));
        actions.insert("s3:ListAllMyBuckets".to_string(), set(&[]));
        // After dropping the covered key, `s3:GetObject` has the resources of `s3:PutObject`.
        actions.insert(
            "s3:GetObject".to_string(),
            set(&["arn:aws:s3:::b/*", "arn:aws:s3:::b/k"]),
        );
        actions.insert("s3:PutObject".to_string(), set(&["arn:aws:s3:::b/*"]));
        let mut s = compact_statements(&actions);
        assign_sids(&mut s);
        let got: Vec<(&str, Vec<&str>, Vec<&str>)> = s
            .iter()
            .map(|s| {
                (
                    s.sid.as_str(),
                    s.actions.iter().map(String::as_str).collect(),
                    s.resources.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "Ec2S3ListOnAllResources",
                    vec!["ec2:DescribeInstances", "s3:ListAllMyBuckets"],
                    vec!["*"]
                ),
                (
                    "IamStsReadWriteOnRole",
                    vec!["iam:GetRole", "sts:AssumeRole"],
                    vec!["arn:aws:iam::111122223333:role/app"]
                ),
                (
                    "S3ReadWriteOnObject",
                    vec!["s3:GetObject", "s3:PutObject"],
                    vec!["arn:aws:s3:::b/*"]
                ),
            ]
        );
    }

    #[test]
    fn writes_shared_resources_once() {
        let q = |n: &str| format!("arn:aws:sqs:us-east-1:111122223333:{n}");
        let all = [q("a"), q("b"), q("c")];
        let mut actions = BTreeMap::new();
        for a in ["sqs:ReceiveMessage", "sqs:SendMessage"] {
            actions.insert(a.to_string(), all.iter().cloned().collect());
        }
        actions.insert(
            "sqs:DeleteMessage".to_string(),
            all[..2].iter().cloned().collect(),
        );
        let got: Vec<(Vec<String>, Vec<String>)> = compact_statements(&actions)
            .into_iter()
            .map(|s| (s.actions, s.resources))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    strings(&["sqs:DeleteMessage", "sqs:ReceiveMessage", "sqs:SendMessage"]),
                    vec![q("a"), q("b")]
                ),
                (
                    strings(&["sqs:ReceiveMessage", "sqs:SendMessage"]),
                    vec![q("c")]
                ),
            ]
        );
        // Not when naming the actions again costs more than the resources saved.
        let mut actions = BTreeMap::new();
        let many: Vec<String> = (0..6)
            .map(|i| format!("sqs:Action{i}WithALongName"))
            .collect();
        for a in &many {
            actions.insert(
                a.clone(),
                set(&["arn:aws:sqs:us-east-1:1:a", "arn:aws:sqs:us-east-1:1:b"]),
            );
        }
        actions.insert("sqs:Other".to_string(), set(&["arn:aws:sqs:us-east-1:1:a"]));
        assert_eq!(compact_statements(&actions).len(), 2);
    }

    #[test]
    fn sids_are_short_unique_and_alphanumeric() {
        // The Sid the issue quotes: one action on several resource types of Bedrock.
        let bedrock = StatementPlan {
            sid: String::new(),
            actions: strings(&["bedrock:InvokeModel"]),
            resources: strings(&[
                "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/p1",
                "arn:aws:bedrock:us-east-1:111122223333:async-invoke/a1",
                "arn:aws:bedrock:us-east-1:111122223333:marketplace/model-endpoint/m1",
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2",
            ]),
            service: "bedrock".into(),
        };
        let sid = sid_for(&bedrock);
        assert!(sid.starts_with("BedrockInvokeModelOn"), "{sid}");
        assert!(sid.ends_with("Etc"), "{sid}");
        assert!(sid.len() <= 48, "{sid}");
        // A long action name is not cut into another action's name.
        let long = StatementPlan {
            sid: String::new(),
            actions: strings(&["ssm:DescribeInstanceInformation"]),
            resources: strings(&["*"]),
            service: "ssm".into(),
        };
        assert_eq!(
            sid_for(&long),
            "SsmDescribeInstanceInformationOnAllResources"
        );
        let very_long = StatementPlan {
            actions: strings(&["ec2:DescribeInstanceCreditSpecificationsAndMore"]),
            ..long.clone()
        };
        assert!(!sid_for(&very_long).contains("DescribeInstance"));
        // Many statements with the same words: numbered, unique, letters and digits only.
        let mut many: Vec<StatementPlan> = (0..12).map(|_| bedrock.clone()).collect();
        many.push(StatementPlan {
            sid: String::new(),
            actions: strings(&["svc-x:Do"]),
            resources: strings(&["*"]),
            service: "svc-x".into(),
        });
        assign_sids(&mut many);
        let sids: BTreeSet<&str> = many.iter().map(|s| s.sid.as_str()).collect();
        assert_eq!(sids.len(), many.len());
        for s in &many {
            assert!(
                !s.sid.is_empty() && s.sid.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}",
                s.sid
            );
            assert!(s.sid.len() <= SID_MAX_CHARS + 2, "{}", s.sid);
        }
    }

    #[test]
    fn collapse_never_mixes_reads_and_writes() {
        let sr = ServiceRef::get();
        // Every action of a service: `service:*` only when the service has no writes.
        let all: Vec<String> = sr
            .expand("sqs:*")
            .iter()
            .map(policy_core::service_ref::Action::full_name)
            .collect();
        let out = collapse_actions("sqs", &all);
        assert!(!out.contains(&"sqs:*".to_string()), "{out:?}");
        for p in out.iter().filter(|p| p.contains('*')) {
            let found = sr.expand(p);
            assert!(is_one_kind(p, &found), "{p} mixes reads and writes");
            for a in found {
                assert!(all.contains(&a.full_name()));
            }
        }
    }

    /// Statements of `n` resources of `len` characters each.
    fn bulky(service: &str, n: usize, len: usize) -> StatementPlan {
        StatementPlan {
            sid: String::new(),
            actions: vec![format!("{service}:GetThing")],
            resources: (0..n)
                .map(|i| {
                    let head = format!("arn:aws:{service}:us-east-1:111122223333:thing/{i:05}-");
                    format!("{head}{}", "x".repeat(len.saturating_sub(head.len())))
                })
                .collect(),
            service: service.to_string(),
        }
    }

    #[test]
    fn packs_into_as_few_documents_as_the_sizes_allow() {
        // Ten statements of about 3,500 characters: two do not share a document, and each
        // leaves about 2,600 characters that the next-fit packing left empty; split, they
        // fill seven documents where next-fit needs ten.
        let statements: Vec<StatementPlan> =
            (0..10).map(|i| bulky(&format!("svc{i}"), 45, 76)).collect();
        let total: usize = statements.iter().map(|s| size_of(&s.to_json()) + 40).sum();
        let docs = emit_statements(statements.clone(), MANAGED_POLICY_MAX_CHARS);
        let lower = total.div_ceil(MANAGED_POLICY_MAX_CHARS - 39);
        assert!(
            docs.len() <= lower + 1,
            "{} documents, bound {lower}",
            docs.len()
        );
        assert!(docs.len() < 10, "{}", docs.len());
        for d in &docs {
            assert!(d.chars <= MANAGED_POLICY_MAX_CHARS, "{}", d.chars);
            assert_eq!(
                size_of(&serde_json::from_str(&d.text).unwrap_or_default()),
                d.chars
            );
        }
        // Every resource of every statement is written once, under its own action.
        for s in &statements {
            let written: Vec<&String> = docs
                .iter()
                .flat_map(|d| &d.statements)
                .filter(|w| w.actions == s.actions)
                .flat_map(|w| &w.resources)
                .collect();
            assert_eq!(written.len(), s.resources.len());
        }
        let sids: BTreeSet<&str> = docs
            .iter()
            .flat_map(|d| &d.statements)
            .map(|s| s.sid.as_str())
            .collect();
        assert_eq!(
            sids.len(),
            docs.iter().map(|d| d.statements.len()).sum::<usize>()
        );
    }

    /// Statements that fill `docs` documents to the last character, `parts` statements each
    /// with the given resource counts (the last of each document padded to fit exactly).
    fn cut_from_full_documents(parts: &[Vec<usize>]) -> Vec<StatementPlan> {
        let room = MANAGED_POLICY_MAX_CHARS - 39 + 1;
        let mut statements = Vec::new();
        for (doc, counts) in parts.iter().enumerate() {
            let mut used = 0;
            let last = counts.len();
            for (i, &count) in counts.iter().enumerate() {
                let name = format!("svc{doc}n{i}");
                let sid = format!("D{doc}N{i}");
                let sized = |n: usize| {
                    let mut t = bulky(&name, n, 60);
                    t.sid.clone_from(&sid);
                    t
                };
                let mut s = sized(count.max(1));
                // Room is kept for a last statement of one resource.
                let least = size_of(&sized(1).to_json()) + 1;
                if i + 1 == last || used + size_of(&s.to_json()) + 1 + least > room {
                    // The last statement of the document takes exactly what is left.
                    let mut n = 1;
                    while used + size_of(&sized(n + 1).to_json()) < room {
                        n += 1;
                    }
                    s = sized(n);
                    let short = room - used - (size_of(&s.to_json()) + 1);
                    if let Some(r) = s.resources.last_mut() {
                        r.push_str(&"y".repeat(short));
                    }
                    used += size_of(&s.to_json()) + 1;
                    statements.push(s);
                    break;
                }
                used += size_of(&s.to_json()) + 1;
                statements.push(s);
            }
            assert_eq!(used, room);
        }
        statements
    }

    #[test]
    fn finds_an_exact_fit_without_splitting() {
        // Four documents filled to the last character, shuffled: the total leaves no room for
        // the head a split adds, so only a packing without splits into four documents exists,
        // and the packer finds it.
        let mut statements = cut_from_full_documents(&[
            vec![31, 17, 99],
            vec![28, 18, 99],
            vec![25, 19, 99],
            vec![22, 20, 99],
        ]);
        statements.sort_by(|a, b| {
            a.resources
                .len()
                .cmp(&b.resources.len())
                .then(a.sid.cmp(&b.sid))
        });
        // Sids as given (assign_sids would rename them; their lengths are what count here).
        let docs = pack::pack(&statements, MANAGED_POLICY_MAX_CHARS);
        assert_eq!(docs.len(), 4);
        for d in &docs {
            assert_eq!(size_of(&document(d)), MANAGED_POLICY_MAX_CHARS);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        /// Whenever the statements can fill `k` documents exactly without a split, the packer
        /// writes `k` documents.
        #[test]
        fn exact_fits_are_found(
            parts in proptest::collection::vec(proptest::collection::vec(1usize..40, 1..6), 1..9),
            order in proptest::prelude::any::<u64>(),
        ) {
            let mut statements = cut_from_full_documents(&parts);
            // A shuffle that does not keep the documents' order.
            statements.sort_by_key(|s| policy_core::text::name_hash(&[&s.sid, &order.to_string()]));
            let docs = pack::pack(&statements, MANAGED_POLICY_MAX_CHARS);
            proptest::prop_assert_eq!(docs.len(), parts.len());
        }
    }
}
