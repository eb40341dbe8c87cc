//! Whether a principal is admin: allowed every action on every resource, after its boundary,
//! SCPs and RCPs, decided exactly over the actions of the IAM reference.
//!
//! Actions are grouped into classes that every statement of the principal's policies treats
//! alike (the statement covers all of the class's actions or none, as in
//! [`crate::analysis::compare`]); one request per class decides it. Each class is asked on
//! resource `*` and on a resource of no known type, with an empty context. An action of no
//! known service is asked first: it is allowed only by statements whose `Action` covers
//! every action (`*`, `NotAction`), so most principals are decided by that one request.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use crate::eval::{CompiledStatement, Decision, PolicySet};
use crate::request::{Context, Request, RequestPrincipal};
use crate::service_ref::ServiceRef;

/// An action no service has: only statements covering every action match it.
const UNKNOWN_ACTION: &str = "iampolnoservice:NoSuchAction";

/// Every action of the reference, lower-cased, read once.
fn reference_actions() -> &'static [String] {
    static ACTIONS: OnceLock<Vec<String>> = OnceLock::new();
    ACTIONS.get_or_init(|| {
        ServiceRef::get()
            .actions()
            .map(|a| a.full_name().to_ascii_lowercase())
            .collect()
    })
}

/// The statements that can decide a request of the set, in a fixed order.
fn statements(set: &PolicySet) -> Vec<&CompiledStatement> {
    set.identity
        .iter()
        .chain(set.boundary.iter())
        .chain(set.session.iter())
        .chain(set.scps.iter().flat_map(|l| l.policies.iter()))
        .chain(set.rcps.iter().flat_map(|l| l.policies.iter()))
        .flat_map(|p| p.statements.iter())
        .collect()
}

/// Whether the set allows the caller every action on every resource (see the module doc).
pub(crate) fn is_admin(set: &PolicySet, caller: &Arc<RequestPrincipal>) -> bool {
    let account = caller.account.clone();
    let untyped = format!("arn:{}:iampol:::no-known-type", caller.partition);
    let allowed = |action: &str| {
        ["*", untyped.as_str()].iter().all(|resource| {
            let request = Request::new(
                Arc::clone(caller),
                action,
                *resource,
                account.clone(),
                Context::new(),
            );
            set.evaluate(&request).decision == Decision::Allowed
        })
    };
    if !allowed(UNKNOWN_ACTION) {
        return false;
    }
    let stmts = statements(set);
    let words = stmts.len().div_ceil(64);
    let mut seen: HashSet<Vec<u64>> = HashSet::new();
    for action in reference_actions() {
        let mut signature = vec![0_u64; words];
        for (i, s) in stmts.iter().enumerate() {
            if s.matches_action(action) {
                if let Some(w) = signature.get_mut(i / 64) {
                    *w |= 1 << (i % 64);
                }
            }
        }
        if seen.insert(signature) && !allowed(action) {
            return false;
        }
    }
    true
}
