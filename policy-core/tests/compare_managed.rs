//! `no_new_access` on the AWS managed policies (`corpus/policies/aws-managed`) against edited
//! copies of themselves (issue 12, "the managed policies against themselves with random
//! edits"). Each policy gets three seeded random edits:
//!
//! - widen a pattern: an `Action` entry of an `Allow` statement gains a trailing `*` (or becomes
//!   its service's `*`), or a `Resource` entry becomes `*`;
//! - drop one condition operator block of an `Allow` statement;
//! - add a `Deny` of one of the policy's actions on every resource.
//!
//! The expected verdicts come from the IAM UG, not from the procedure: an `Allow` whose action
//! or resource pattern matches more strings, or that has fewer conditions, matches every
//! request it matched before ("IAM JSON policy elements": `Action`, `Resource`, `Condition`:
//! all conditions must hold), and an added explicit deny only takes requests away ("Policy
//! evaluation logic"). So the narrower policy never allows anything the wider one does not:
//! that direction must be PASS. The other direction is checked against the evaluator: a
//! counterexample must be allowed by the wider policy and not by the narrower one, and a PASS
//! must not be contradicted by any sampled request (the policies' own actions and resource
//! strings, with and without the context values they test).
//!
//! `UNKNOWN` is accepted only for a policy with a policy variable (`${...}`), and counted.
//! `IAMPOL_MANAGED_STRIDE` takes every n-th policy (default 5 in debug builds, 1 in release);
//! `IAMPOL_MANAGED_ONLY=NAME` only the policies whose file name contains NAME.

use std::collections::BTreeSet;
use std::sync::Arc;

use policy_core::analysis::compare::{no_new_access, Verdict};
use policy_core::ast::PolicyKind;
use policy_core::eval::{compile, Decision, PolicySet};
use policy_core::parse::parse_policy;
use policy_core::request::{Context, Request, RequestPrincipal};
use policy_core::service_ref::ServiceRef;
use policy_core::Policy;
use serde_json::{json, Value};

const CALLER: &str = "arn:aws:iam::111122223333:user/alice";

/// A small deterministic generator (xorshift64*), seeded per policy.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        usize::try_from(x >> 33).unwrap_or(0) % n.max(1)
    }
}

fn statements_mut(doc: &mut Value) -> Option<&mut Vec<Value>> {
    if doc["Statement"].is_object() {
        doc["Statement"] = json!([doc["Statement"].take()]);
    }
    doc["Statement"].as_array_mut()
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Applies `f` to one entry (picked by `rng`) of a string-or-list element.
fn edit_entry(element: &mut Value, rng: &mut Rng, f: impl Fn(&str) -> String) -> bool {
    match element {
        Value::String(s) => {
            *s = f(s);
            true
        }
        Value::Array(items) if !items.is_empty() => {
            let i = rng.below(items.len());
            match items.get_mut(i) {
                Some(Value::String(s)) => {
                    *s = f(s);
                    true
                }
                _ => false,
            }
        }
        _ => false,
    }
}

fn widened_action(action: &str) -> String {
    if action.ends_with('*') {
        action
            .split_once(':')
            .map_or_else(|| "*".to_string(), |(service, _)| format!("{service}:*"))
    } else {
        format!("{action}*")
    }
}

#[derive(Clone, Copy, Debug)]
enum Edit {
    Widen,
    DropCondition,
    AddDeny,
}

/// `(narrower, wider)` documents for one edit, or `None` when the policy has nothing to edit.
fn edited(doc: &Value, edit: Edit, rng: &mut Rng) -> Option<(Value, Value)> {
    let mut out = doc.clone();
    let statements = statements_mut(&mut out)?;
    let allows: Vec<usize> = (0..statements.len())
        .filter(|&i| statements[i]["Effect"] == "Allow")
        .collect();
    match edit {
        Edit::Widen => {
            let candidates: Vec<usize> = allows
                .iter()
                .copied()
                .filter(|&i| statements[i].get("Action").is_some())
                .collect();
            let i = *candidates.get(rng.below(candidates.len()))?;
            let statement = &mut statements[i];
            let changed = if statement.get("Resource").is_some() && rng.below(2) == 0 {
                edit_entry(&mut statement["Resource"], rng, |_| "*".to_string())
            } else {
                edit_entry(&mut statement["Action"], rng, widened_action)
            };
            changed.then(|| (doc.clone(), out))
        }
        Edit::DropCondition => {
            let candidates: Vec<usize> = allows
                .iter()
                .copied()
                .filter(|&i| {
                    statements[i]
                        .get("Condition")
                        .and_then(Value::as_object)
                        .is_some_and(|c| !c.is_empty())
                })
                .collect();
            let i = *candidates.get(rng.below(candidates.len()))?;
            let condition = statements[i]["Condition"].as_object_mut()?;
            let operators: Vec<String> = condition.keys().cloned().collect();
            let drop = operators.get(rng.below(operators.len()))?;
            condition.remove(drop);
            Some((doc.clone(), out))
        }
        Edit::AddDeny => {
            let actions: Vec<String> = allows
                .iter()
                .flat_map(|&i| strings(&statements[i]["Action"]))
                .collect();
            let action = actions.get(rng.below(actions.len()))?.clone();
            statements.push(json!({"Effect": "Deny", "Action": action, "Resource": "*"}));
            Some((out, doc.clone()))
        }
    }
}

fn parse(doc: &Value) -> Option<Policy> {
    parse_policy(&doc.to_string(), Some(PolicyKind::Identity)).policy
}

/// The policy as the only grant: the resource's policy (needed for a KMS key or a role's
/// trust, which must allow by themselves) names the caller's account, which delegates to the
/// account's identity policies (KMS developer guide, "Default key policy": "allows access to
/// the AWS account and enables IAM policies"; IAM UG, "Cross account resource access": a
/// resource policy that names the account lets identity policies grant within it).
fn alone(policy: &Policy) -> PolicySet {
    let delegate = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "*", "Resource": "*"}]}"#;
    let delegate = parse_policy(delegate, Some(PolicyKind::Resource))
        .policy
        .expect("the delegating policy parses");
    PolicySet {
        identity: vec![compile(policy, "p", 0)],
        resource: Some(compile(&delegate, "delegate", 1)),
        ..PolicySet::default()
    }
}

fn request(action: &str, resource: &str, context: Context) -> Request {
    let principal = Arc::new(RequestPrincipal::parse(CALLER).expect("a user ARN"));
    let account = principal.account.clone();
    Request::new(principal, action, resource, account, context)
}

fn allows(set: &PolicySet, request: &Request) -> bool {
    set.evaluate(request).decision == Decision::Allowed
}

/// Requests to sample: up to 40 actions the wider policy names (expanded with the reference),
/// its resource strings with wildcards made concrete, and `*`; each with no context and with
/// every tested key set to the first value the policies write for it.
fn samples(wider: &Value, rng: &mut Rng) -> Vec<Request> {
    let mut actions = BTreeSet::new();
    let mut resources = BTreeSet::from(["*".to_string()]);
    let mut context = Context::new();
    let statements = match &wider["Statement"] {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    for s in &statements {
        for pattern in strings(&s["Action"]) {
            let expanded = ServiceRef::get().expand(&pattern);
            for _ in 0..4 {
                if let Some(a) = expanded.get(rng.below(expanded.len())) {
                    actions.insert(a.full_name());
                }
            }
        }
        for r in strings(&s["Resource"]) {
            resources.insert(r.replace(['*', '?'], "x"));
        }
        if let Some(Value::Object(operators)) = s.get("Condition") {
            for block in operators.values() {
                if let Value::Object(keys) = block {
                    for (key, values) in keys {
                        if let Some(v) = strings(values).first() {
                            if context.get(key).is_none() {
                                context.insert(key, vec![v.clone()]);
                            }
                        }
                    }
                }
            }
        }
    }
    let actions: Vec<String> = actions.into_iter().take(40).collect();
    let mut out = Vec::new();
    for a in &actions {
        for r in &resources {
            out.push(request(a, r, Context::new()));
            out.push(request(a, r, context.clone()));
        }
    }
    out
}

fn stride() -> usize {
    std::env::var("IAMPOL_MANAGED_STRIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) { 5 } else { 1 })
}

#[test]
fn managed_policies_with_random_edits() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/policies/aws-managed"
    );
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("the managed policies")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let (mut pairs, mut unknown, mut fails) = (0, 0, 0);
    let mut wrong: Vec<String> = Vec::new();
    for (i, path) in paths.iter().enumerate().step_by(stride()) {
        let text = std::fs::read_to_string(path).expect("readable");
        let Ok(doc) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        if std::env::var("IAMPOL_MANAGED_ONLY").is_ok_and(|only| !name.contains(&only)) {
            continue;
        }
        let has_variable = text.contains("${");
        let mut rng = Rng::new(i as u64 + 1);
        for edit in [Edit::Widen, Edit::DropCondition, Edit::AddDeny] {
            let Some((narrower, wider)) = edited(&doc, edit, &mut rng) else {
                continue;
            };
            let (Some(n), Some(w)) = (parse(&narrower), parse(&wider)) else {
                continue;
            };
            pairs += 1;
            // The narrower policy allows nothing new.
            match no_new_access(&w, &n) {
                Verdict::Pass => {}
                Verdict::Unknown(_) if has_variable => unknown += 1,
                other => wrong.push(format!("{name} {edit:?}: narrower gave {other:?}")),
            }
            // The wider one: a counterexample holds, a PASS is not contradicted.
            let (set_n, set_w) = (alone(&n), alone(&w));
            match no_new_access(&n, &w) {
                Verdict::Fail(c) => {
                    fails += 1;
                    let mut context = Context::new();
                    for (k, v) in &c.context {
                        context.insert(k, v.clone());
                    }
                    let r = request(&c.action, &c.resource, context);
                    if !allows(&set_w, &r) || allows(&set_n, &r) {
                        wrong.push(format!(
                            "{name} {edit:?}: counterexample {c:?} does not hold"
                        ));
                    }
                }
                Verdict::Pass => {
                    if let Some(r) = samples(&wider, &mut rng)
                        .into_iter()
                        .find(|r| allows(&set_w, r) && !allows(&set_n, r))
                    {
                        wrong.push(format!("{name} {edit:?}: PASS, but {r:?} is new access"));
                    }
                }
                Verdict::Unknown(_) if has_variable => unknown += 1,
                Verdict::Unknown(why) => wrong.push(format!("{name} {edit:?}: unknown: {why}")),
            }
        }
    }
    println!("{pairs} edited pairs, {fails} FAIL, {unknown} UNKNOWN (policy variables)");
    if std::env::var("IAMPOL_MANAGED_ONLY").is_err() {
        assert!(pairs > 300, "only {pairs} pairs: is the corpus there?");
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
