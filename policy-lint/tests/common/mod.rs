//! Requests sampled from policies, for the tests that decide them before and after a fix
//! (`fix_safety.rs`: unsafe fixes never allow more; `safe_fix_decisions.rs`: safe fixes never
//! change a decision). The evaluator decides; nothing here comes from the fix code.

#![allow(dead_code, reason = "each test file uses its own part")]

use std::collections::BTreeSet;
use std::sync::Arc;

use policy_core::eval::{CompiledPolicy, PolicySet};
use policy_core::request::{Context, Request, RequestPrincipal};
use policy_core::service_ref::ServiceRef;
use policy_core::{Policy, PolicyKind};

/// The policy set that holds `p` where its kind puts it: identity, else resource.
pub fn policy_set(p: &Policy) -> PolicySet {
    let compiled = CompiledPolicy::new(p, "policy", 0);
    match p.kind {
        PolicyKind::Identity => PolicySet {
            identity: vec![compiled],
            ..PolicySet::default()
        },
        _ => PolicySet {
            resource: Some(compiled),
            ..PolicySet::default()
        },
    }
}

/// A resource pattern made concrete: wildcards become a name, variables a user.
pub fn concrete(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(j) => {
                out.push_str("alice");
                rest = &rest[i + j + 1..];
            }
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.push_str(rest);
    out.replace('*', "x").replace('?', "y")
}

/// What to sample besides the policies' own actions and resources.
pub struct Sampling<'a> {
    /// At most this many actions per `Action` pattern, spread over what it matches.
    pub per_pattern: usize,
    /// Resources tried besides the policies' (made concrete) and `*`.
    pub extra_resources: &'a [&'a str],
    /// The callers (those that do not parse are left out).
    pub principals: &'a [String],
    /// The request contexts, as key and value pairs.
    pub contexts: &'a [&'a [(&'a str, &'a str)]],
}

/// Every sampled action of the policies' `Action` patterns, over their resources made
/// concrete, for every principal and context.
pub fn requests(policies: &[&Policy], sampling: &Sampling<'_>) -> Vec<Request> {
    let data = ServiceRef::get();
    let mut actions: BTreeSet<String> = BTreeSet::new();
    let mut resources: BTreeSet<String> = BTreeSet::new();
    for s in policies.iter().flat_map(|p| &p.statements) {
        for a in s.actions() {
            let matched = data.expand(&a.node);
            let step = (matched.len() / sampling.per_pattern).max(1);
            actions.extend(
                matched
                    .iter()
                    .step_by(step)
                    .map(policy_core::service_ref::Action::full_name),
            );
        }
        for r in s.resources() {
            resources.insert(concrete(&r.node));
        }
    }
    resources.insert("*".to_string());
    resources.extend(sampling.extra_resources.iter().map(|r| (*r).to_string()));
    let principals: Vec<Arc<RequestPrincipal>> = sampling
        .principals
        .iter()
        .filter_map(|p| RequestPrincipal::parse(p).ok().map(Arc::new))
        .collect();
    let contexts: Vec<Context> = sampling
        .contexts
        .iter()
        .map(|pairs| {
            let mut c = Context::new();
            for (k, v) in *pairs {
                c.insert(k, vec![(*v).to_string()]);
            }
            c
        })
        .collect();
    let mut out = Vec::new();
    for action in &actions {
        for resource in &resources {
            for principal in &principals {
                for context in &contexts {
                    out.push(Request::new(
                        Arc::clone(principal),
                        action,
                        resource.clone(),
                        None,
                        context.clone(),
                    ));
                }
            }
        }
    }
    out
}
