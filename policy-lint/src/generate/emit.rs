//! Writing the policy: statements grouped by service and resources, sorted, with Sids that
//! say what they grant, within the managed-policy size quota (split into several policies when
//! one cannot hold them), and optionally with action lists collapsed to wildcards that match
//! exactly the recorded actions.

use std::collections::{BTreeMap, BTreeSet};

use policy_core::service_ref::{AccessLevel, ServiceRef};
use serde_json::{json, Map, Value};

use super::aggregate::PrincipalActivity;
use super::mapping::unescape;

/// The size quota of a customer managed policy: 6,144 characters, whitespace not counted
/// (IAM User Guide, "IAM and AWS STS quotas").
pub const MANAGED_POLICY_MAX_CHARS: usize = 6144;

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
    /// The service prefix.
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
        AccessLevel::PermissionsManagement => "PermissionsManagement",
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
    let name = ServiceRef::get()
        .resource_types_for_arn(&arn)
        .first()
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

/// A Sid that says what a statement grants: service, action (or access levels), resource
/// types: `S3GetObjectOnObject`, `Ec2ListReadOnAllResources`, `IamPassRoleOnRole`.
fn sid_for(s: &StatementPlan) -> String {
    let service = camel(&s.service);
    let verb = match s.actions.as_slice() {
        [one] if !one.contains(['*', '?']) => {
            camel(one.split_once(':').map_or(one.as_str(), |(_, a)| a))
        }
        many => {
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
        let mut names: Vec<String> = Vec::new();
        // The first resources tell the types (a statement's resources share a service).
        for r in s.resources.iter().take(8) {
            let name = type_name_of(r);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names.sort();
        if names.len() > 3 {
            names.truncate(3);
            names.push("Etc".to_string());
        }
        names.concat()
    };
    let mut sid = format!("{service}{verb}On{target}");
    sid.retain(|c| c.is_ascii_alphanumeric());
    sid.truncate(120);
    sid
}

/// Gives each statement a unique Sid.
pub fn assign_sids(statements: &mut [StatementPlan]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for s in statements.iter_mut() {
        let base = sid_for(s);
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        s.sid = if *n == 1 { base } else { format!("{base}{n}") };
    }
    // A numbered Sid could collide with a base Sid that ends in digits: renumber until unique.
    let mut used: BTreeSet<String> = BTreeSet::new();
    for s in statements.iter_mut() {
        let mut candidate = s.sid.clone();
        let mut k = 2;
        while !used.insert(candidate.clone()) {
            candidate = format!("{}N{k}", s.sid);
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

/// Replaces actions of one service by `service:Prefix*` patterns where a pattern matches
/// exactly recorded actions (at least two), per the reference: no new access.
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
        let expanded: BTreeSet<String> = sr
            .expand(pattern)
            .iter()
            .map(|a| a.name().to_ascii_lowercase())
            .collect();
        (expanded.len() >= 2 && expanded.is_subset(&names)).then_some(expanded)
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

/// The characters an element list adds: each item quoted, with a comma.
fn items_size(items: &[String]) -> usize {
    items
        .iter()
        .map(|i| serde_json::to_string(i).map_or(i.len() + 2, |s| s.len()) + 1)
        .sum()
}

/// Splits statements that are too large for one policy on their own (by resources, then by
/// actions).
fn split_large(statements: Vec<StatementPlan>, budget: usize) -> Vec<StatementPlan> {
    let mut out = Vec::new();
    for s in statements {
        if size_of(&s.to_json()) < budget {
            out.push(s);
            continue;
        }
        // Room for the statement's other members (Sid, Effect, keys, brackets).
        let overhead = 160;
        let room = budget.saturating_sub(overhead).max(64);
        let action_room = (room / 2).max(items_size(s.actions.get(..1).unwrap_or_default()));
        let actions = chunk(&s.actions, action_room.min(items_size(&s.actions)));
        let action_size = actions.iter().map(|a| items_size(a)).max().unwrap_or(0);
        let resources = chunk(&s.resources, room.saturating_sub(action_size).max(64));
        for r in &resources {
            for a in &actions {
                out.push(StatementPlan {
                    actions: a.clone(),
                    resources: r.clone(),
                    ..s.clone()
                });
            }
        }
    }
    out
}

/// Greedy chunks of `items` whose element size stays within `room` (a single item always
/// forms a chunk).
fn chunk(items: &[String], room: usize) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut used = 0;
    for item in items {
        let n = items_size(std::slice::from_ref(item));
        if !current.is_empty() && used + n > room {
            out.push(std::mem::take(&mut current));
            used = 0;
        }
        used += n;
        current.push(item.clone());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The statements of a principal's policy: grouped, optionally collapsed, with Sids.
pub fn plan_policy(activity: &PrincipalActivity, collapse: bool) -> Vec<StatementPlan> {
    let actions: BTreeMap<String, BTreeSet<String>> = activity
        .actions
        .iter()
        .map(|(a, use_)| (a.clone(), use_.resources.keys().cloned().collect()))
        .collect();
    let mut statements = group_statements(&actions);
    if collapse {
        for s in &mut statements {
            s.actions = collapse_actions(&s.service, &s.actions);
        }
    }
    statements
}

/// Writes a principal's policy: one document, or several when the statements do not fit in
/// one (each within `max_chars`). Empty when the principal used no action.
pub fn emit(activity: &PrincipalActivity, options: &EmitOptions) -> Vec<GeneratedPolicy> {
    let statements = plan_policy(activity, options.collapse);
    emit_statements(statements, options.max_chars)
}

/// Packs statements into documents of at most `max_chars` characters, in order, and gives
/// them Sids.
pub fn emit_statements(statements: Vec<StatementPlan>, max_chars: usize) -> Vec<GeneratedPolicy> {
    if statements.is_empty() {
        return Vec::new();
    }
    let header = size_of(&document(&[]));
    let budget = max_chars.saturating_sub(header).max(64);
    let mut statements = split_large(statements, budget);
    assign_sids(&mut statements);
    let mut docs: Vec<Vec<StatementPlan>> = Vec::new();
    let mut current: Vec<StatementPlan> = Vec::new();
    let mut used = 0;
    for s in statements {
        let n = size_of(&s.to_json()) + 1;
        if !current.is_empty() && used + n > budget {
            docs.push(std::mem::take(&mut current));
            used = 0;
        }
        used += n;
        current.push(s);
    }
    if !current.is_empty() {
        docs.push(current);
    }
    docs.into_iter()
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
        .collect()
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
}
