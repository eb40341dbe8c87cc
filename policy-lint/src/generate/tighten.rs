//! Cutting an existing identity policy down to what a principal was recorded doing.
//!
//! [`tighten`] runs five named steps, each in its own module with its own tests:
//! 1. [`read`]: the original policy (syntax tree, JSON statements, compiled) and what the
//!    principal did: the calls the generator mapped to actions and resources, as requests with
//!    each call's context, and the calls it could not map.
//! 2. [`decide`]: per original statement, whether it is kept, dropped or narrowed (see that
//!    module for the rules; a statement that could allow a call the decisions cannot see, such
//!    as an unmapped one, is kept as written: [`unseen`]).
//! 3. [`rebuild`]: the tightened document, in the original's order, with Sids.
//! 4. [`check_recorded`], check **(a) still allows what was recorded**: every concrete
//!    recorded request (built by [`super::verify`] from each event's own ARNs and IDs,
//!    independently of the mapping) that the original allows is allowed by the tightened
//!    policy; calls that could not be made concrete are counted as unchecked. The mapped calls
//!    are checked the same way, as a consistency check of the rebuild.
//! 5. [`check_new_access`], check **(b) allows nothing new**, decided over every request
//!    (`policy_core::analysis::compare::no_new_access`); a narrowed statement it cannot prove
//!    (a policy variable) is kept as written and the document rebuilt (steps 3 and 5 run
//!    before step 4, so that check (a) sees the final document).

mod check_new_access;
mod check_recorded;
mod decide;
mod pattern;
mod read;
mod rebuild;
mod unseen;

use std::collections::BTreeMap;

use policy_core::ast::{Effect, Policy, PolicyKind};
use policy_core::eval::{CompiledPolicy, Decision};
use policy_core::parse::parse_policy;
use policy_core::request::Request;
use serde::Serialize;
use serde_json::Value;

pub use pattern::pattern_includes;

use super::aggregate::PrincipalActivity;
use super::scoped::ActionScoped;
use super::verify::{CheckReport, PrincipalRequests};

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
    /// Recorded calls that could not be checked (check (a): no concrete request could be
    /// made for them); never counted as passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchecked: Option<u64>,
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
    /// `unused` (dropped), `narrowed`, `kept` (unchanged: a `Deny`, a statement that names
    /// only what was used, or one that could allow a call that could not be mapped).
    pub status: &'static str,
    /// Recorded calls the statement grants.
    pub used_calls: usize,
    /// Original action patterns that matched no recorded call.
    pub unused_actions: Vec<String>,
    /// Original resource patterns broader than what was used.
    pub broader_resources: Vec<BroaderResource>,
    /// Why it was kept or dropped, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Recorded calls the decisions cannot see (calls that could not be mapped to IAM
    /// actions, `"<eventSource> <eventName>"`) that this statement could allow: the reason it
    /// is kept as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unseen_calls: Vec<String>,
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
    /// Check (a): the tightened policy allows every concrete recorded request the original
    /// allows (requests from a derivation independent of the mapping; `unchecked` counts the
    /// calls that could not be made concrete).
    pub allows_recorded: Check,
    /// Check (a) in full: calls checked, passed, partly checked, failed, and unchecked by
    /// reason (`not allowed by the original` counts calls out of this policy's scope).
    pub recorded_check: CheckReport,
    /// Check (b): the tightened policy allows nothing the original does not.
    pub no_new_access: Check,
    /// The same as check (a) over the mapped calls the decisions were made from: a
    /// consistency check of the rebuild, not an independent one.
    pub allows_mapped_calls: Check,
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

    /// Whether both checks (and the consistency check) passed.
    pub fn checks_passed(&self) -> bool {
        self.allows_recorded.passed && self.no_new_access.passed && self.allows_mapped_calls.passed
    }
}

/// Tightens `policy_text` (an identity policy attached to `principal`) to what `activity`
/// recorded. `recorded` holds the principal's successful calls as [`super::verify`] read them
/// (from the same read: [`super::read_activity_and_requests`]), for check (a). With no
/// activity, every `Allow` statement is unused.
pub fn tighten(
    policy_text: &str,
    activity: Option<&PrincipalActivity>,
    recorded: &PrincipalRequests,
    principal: &str,
) -> Result<TightenReport, TightenError> {
    // 1. Read.
    let original = read::read_policy(policy_text)?;
    let who = read::read_principal(principal)?;
    let calls = read::mapped_calls(activity, &who);
    let unseen = read::unseen_calls(activity);
    let mut whole = IdentityAllows::new(vec![original.compiled.clone()]);
    let granted: Vec<bool> = calls.iter().map(|c| whole.allows(&c.request)).collect();
    let not_granted = calls
        .iter()
        .zip(&granted)
        .filter(|(_, g)| !**g)
        .map(|(c, _)| CallRef {
            action: c.action.clone(),
            resource: c.resource.clone(),
        })
        .collect();

    // 2. Decide per statement.
    let by_action = decide::CallsByAction::new(&calls);
    let decisions: Vec<decide::Decision> = (0..original.statements.len())
        .map(|i| decide::decide(&original, i, &by_action, &granted, &unseen))
        .collect();

    // 3. Rebuild, and 5. check (b), first: a narrowed statement that check (b) cannot prove
    // is kept as written, and the document rebuilt (once: kept as written, it needs no proof).
    let mut decisions = decisions;
    let (rebuilt, tightened, proof) = loop {
        let outcomes: Vec<(decide::Outcome, bool)> = decisions
            .iter()
            .zip(&original.policy.statements)
            .map(|(d, s)| (d.outcome.clone(), s.effect() == Some(Effect::Allow)))
            .collect();
        let rebuilt = rebuild::rebuild(&original, &outcomes);
        let tightened = rebuilt.policy.as_ref().and_then(parse);
        let proof = check_new_access::prove(&original, tightened.as_ref(), &rebuilt.derived);
        if proof.unproven.is_empty() {
            break (rebuilt, tightened, proof);
        }
        for (index, why) in &proof.unproven {
            if let Some(d) = decisions.get_mut(*index) {
                d.outcome = decide::Outcome::Keep;
                d.report.status = "kept";
                d.report.reason = Some(format!(
                    "kept as written: that the narrowed statement allows nothing new could not be proven ({why})"
                ));
            }
        }
    };
    let no_new_access = proof.check;

    // 4. Check (a), and the same over the mapped calls.
    let (allows_recorded, recorded_check) =
        check_recorded::allows_recorded(&original.policy, tightened.as_ref(), recorded);
    let allows_mapped_calls = check_recorded::allows_mapped(
        &original.compiled,
        tightened
            .as_ref()
            .map(|p| CompiledPolicy::new(p, "tightened", 0))
            .as_ref(),
        calls.iter().map(|c| &c.request),
    );

    Ok(TightenReport {
        principal: principal.to_string(),
        policy: rebuilt.policy,
        changed: rebuilt.changed,
        statements: decisions.into_iter().map(|d| d.report).collect(),
        recorded_calls: calls.len(),
        not_granted,
        allows_recorded,
        recorded_check,
        no_new_access,
        allows_mapped_calls,
    })
}

/// A policy document, parsed; `None` when it does not parse (then check (a) fails).
fn parse(doc: &Value) -> Option<Policy> {
    let text = serde_json::to_string(doc).ok()?;
    parse_policy(&text, Some(PolicyKind::Identity)).policy
}

/// The resource policy that leaves the decision to identity policies, for requests whose
/// resource policy must allow by itself (a role's trust policy for `sts:AssumeRole*`, a KMS
/// key policy): it trusts the resource's account, as the default key policy and the usual
/// trust policy do. `None` for other requests.
pub fn delegating_resource_policy(request: &Request) -> Option<CompiledPolicy> {
    let (partition, account) = delegating_account(request)?;
    delegating_policy(partition, account)
}

/// The partition and account whose root a delegating resource policy trusts, for requests
/// that need one (see [`delegating_resource_policy`]).
fn delegating_account(request: &Request) -> Option<(&str, &str)> {
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
    Some((partition, account))
}

/// The delegating resource policy that trusts the root of `account` in `partition`.
fn delegating_policy(partition: &str, account: &str) -> Option<CompiledPolicy> {
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
    IdentityAllows::new(identity.to_vec()).allows(request)
}

/// [`identity_allows`] for many requests against the same policies: the policies are set up
/// once (not copied for each request, which made tightening a large policy quadratic) and
/// cut down to the statements of each request's action ([`ActionScoped`]), and each
/// delegating resource policy is built once per account.
#[derive(Debug)]
pub(crate) struct IdentityAllows {
    scoped: ActionScoped,
    /// Delegating resource policies by `partition:account`, moved into the set while in use.
    delegating: BTreeMap<String, Option<CompiledPolicy>>,
}

impl IdentityAllows {
    /// The identity policies to decide with.
    pub(crate) fn new(identity: Vec<CompiledPolicy>) -> Self {
        IdentityAllows {
            scoped: ActionScoped::new(identity),
            delegating: BTreeMap::new(),
        }
    }

    /// Whether the identity policies allow the request, as [`identity_allows`] decides.
    pub(crate) fn allows(&mut self, request: &Request) -> bool {
        let set = self.scoped.set_for(&request.action_lower);
        let Some((partition, account)) = delegating_account(request) else {
            set.resource = None;
            return set.evaluate(request).decision == Decision::Allowed;
        };
        let key = format!("{partition}:{account}");
        set.resource = match self.delegating.remove(&key) {
            Some(policy) => policy,
            None => delegating_policy(partition, account),
        };
        let allowed = set.evaluate(request).decision == Decision::Allowed;
        self.delegating.insert(key, set.resource.take());
        allowed
    }
}
