//! The evaluator: decides a request the way AWS does, across identity, resource, SCP, RCP,
//! permissions-boundary, session and VPC-endpoint policies, and says which statements decided.
//!
//! The order follows the IAM User Guide's policy evaluation logic
//! (`reference_policies_evaluation-logic`, and `…-cross-account` for requests between
//! accounts); `../shared/SEMANTICS.md` lists the rules with their sources. Policies are
//! compiled once ([`PolicySet`]) and evaluated many times ([`PolicySet::evaluate`]).

mod compile;
mod condition;
mod pattern;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

pub use compile::{CompiledPolicy, CompiledStatement};
use pattern::Tok;

use crate::ast::{Effect, Policy};
use crate::request::{PrincipalKind, Request};
use crate::service_ref::ServiceRef;
use crate::source::Span;

/// The answer AWS gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    /// Some policy allows and nothing denies.
    Allowed,
    /// A `Deny` statement matches.
    ExplicitDeny,
    /// No policy (or not every required policy) allows.
    ImplicitDeny,
}

impl Decision {
    /// `allowed`, `explicitDeny` or `implicitDeny`, as in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::ExplicitDeny => "explicitDeny",
            Decision::ImplicitDeny => "implicitDeny",
        }
    }

    /// Reads `allowed`, `explicitDeny` or `implicitDeny`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "allowed" => Some(Decision::Allowed),
            "explicitDeny" => Some(Decision::ExplicitDeny),
            "implicitDeny" => Some(Decision::ImplicitDeny),
            _ => None,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of policy that take part in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyType {
    /// Service control policies.
    Scp,
    /// Resource control policies.
    Rcp,
    /// The resource-based policy (including role trust and KMS key policies).
    Resource,
    /// Identity-based policies.
    Identity,
    /// The permissions boundary.
    Boundary,
    /// The session policy.
    Session,
    /// VPC endpoint policies.
    Endpoint,
}

impl PolicyType {
    /// The lower-case name used in output (`scp`, `boundary`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Scp => "scp",
            PolicyType::Rcp => "rcp",
            PolicyType::Resource => "resource",
            PolicyType::Identity => "identity",
            PolicyType::Boundary => "boundary",
            PolicyType::Session => "session",
            PolicyType::Endpoint => "endpoint",
        }
    }
}

/// A statement that took part in the decision.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reason {
    /// The kind of policy.
    pub policy_type: PolicyType,
    /// The policy's name (and, for SCPs and RCPs, its level: `ou-prod/Guardrails`).
    pub policy: Arc<str>,
    /// The statement's index in its policy, from 0.
    pub statement: usize,
    /// The statement's Sid.
    pub sid: Option<Arc<str>>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// The statement's span in its source.
    pub span: Span,
    /// Which source the span refers to (index into [`PolicySet::sources`] order; callers map
    /// it to a file).
    pub source: usize,
}

/// The answer with its explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The decision.
    pub decision: Decision,
    /// The statements that decided: the matching `Deny` statements for an explicit deny; the
    /// `Allow` statements that granted (and each guardrail's allowing statement) when allowed.
    pub reasons: Vec<Reason>,
    /// The layer that blocked a request that would otherwise have been allowed (or the layer
    /// of the first deny).
    pub blocked_by: Option<PolicyType>,
    /// Context keys that matching statements test and the request did not supply.
    pub missing_context_keys: BTreeSet<String>,
}

/// One level of an organization's hierarchy (root, OU or account) and its SCPs or RCPs.
#[derive(Debug, Clone)]
pub struct Level {
    /// The target (`r-root`, `ou-...`, the account).
    pub target: String,
    /// The policies attached there.
    pub policies: Vec<CompiledPolicy>,
}

impl Level {
    /// A level; its policies are renamed `target/name` for explanations.
    pub fn new(target: impl Into<String>, mut policies: Vec<CompiledPolicy>) -> Self {
        let target = target.into();
        for p in &mut policies {
            p.name = format!("{target}/{}", p.name).into();
        }
        Level { target, policies }
    }
}

/// Every policy that applies to a request, compiled.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// Identity-based policies of the principal.
    pub identity: Vec<CompiledPolicy>,
    /// The resource's policy.
    pub resource: Option<CompiledPolicy>,
    /// The principal's permissions boundary.
    pub boundary: Option<CompiledPolicy>,
    /// The session policy.
    pub session: Option<CompiledPolicy>,
    /// SCPs, from the root to the account. Empty: not in an organization.
    pub scps: Vec<Level>,
    /// RCPs, from the root to the account. `RCPFullAWSAccess` is implied at every level.
    pub rcps: Vec<Level>,
    /// VPC endpoint policies the request passes through.
    pub endpoints: Vec<CompiledPolicy>,
    /// The organization's management account: SCPs and RCPs do not apply to it.
    pub management_account: Option<String>,
}

/// How a resource-policy statement's principal matched the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PrincipalMatch {
    /// The caller's account (`"111122223333"` or `arn:...:root`): delegation to IAM.
    Account,
    /// The caller's role (for a role session).
    Role,
    /// The caller itself: its user, session or federated-user ARN, its service, or `*`.
    Direct,
}

/// Scratch space reused across statements of one evaluation.
struct Scratch {
    buf: Vec<Tok>,
    missing: BTreeSet<String>,
}

/// What one policy says about a request.
#[derive(Default)]
struct Verdict<'p> {
    allows: Vec<(&'p CompiledStatement, Option<PrincipalMatch>)>,
    denies: Vec<&'p CompiledStatement>,
}

/// Actions that need no permission: allowed whatever the policies say (STS API reference,
/// `GetCallerIdentity`: "No permissions are required to perform this operation"; UG
/// `id_credentials_temp_control-access_getsessiontoken`: including `GetSessionToken` in a
/// policy "does not affect the user's ability" to call it).
const PERMISSIONLESS: [&str; 2] = ["sts:getcalleridentity", "sts:getsessiontoken"];

impl PolicySet {
    /// Decides a request.
    pub fn evaluate(&self, request: &Request) -> Response {
        let mut scratch = Scratch {
            buf: Vec::new(),
            missing: BTreeSet::new(),
        };
        if PERMISSIONLESS.contains(&request.action_lower.as_str()) {
            return Response {
                decision: Decision::Allowed,
                reasons: Vec::new(),
                blocked_by: None,
                missing_context_keys: BTreeSet::new(),
            };
        }
        let principal = &request.principal;
        let resource_for_match = effective_resource(request);

        // Which layers apply (SEMANTICS E2, E3; orgs_manage_policies_scps "Tasks and entities
        // not restricted by SCPs"; orgs_manage_policies_rcps).
        let in_management = |account: Option<&String>| {
            self.management_account.is_some() && account == self.management_account.as_ref()
        };
        let scps_apply = !self.scps.is_empty()
            && matches!(
                principal.kind,
                PrincipalKind::Root
                    | PrincipalKind::User
                    | PrincipalKind::Role
                    | PrincipalKind::RoleSession
                    | PrincipalKind::FederatedUser
            )
            && !principal.service_linked
            && !in_management(principal.account.as_ref());
        let rcps_apply = !self.rcps.is_empty()
            && principal.kind != PrincipalKind::Service
            && !principal.service_linked
            && !in_management(request.resource_account.as_ref())
            && rcp_covers(request);
        let identity_applies = matches!(
            principal.kind,
            PrincipalKind::User
                | PrincipalKind::Role
                | PrincipalKind::RoleSession
                | PrincipalKind::FederatedUser
        );

        let mut reasons = Vec::new();
        let mut denies: Vec<Reason> = Vec::new();
        let mut collect_denies = |v: &Verdict<'_>, ty: PolicyType, p: &CompiledPolicy| {
            denies.extend(v.denies.iter().map(|s| s.reason(ty, &p.name, p.source)));
        };

        // Judge every applicable policy once.
        let scp_verdicts: Vec<Vec<Verdict<'_>>> = if scps_apply {
            self.scps
                .iter()
                .map(|l| {
                    l.policies
                        .iter()
                        .map(|p| judge(p, request, resource_for_match, false, &mut scratch))
                        .collect()
                })
                .collect()
        } else {
            Vec::new()
        };
        let rcp_verdicts: Vec<Vec<Verdict<'_>>> = if rcps_apply {
            self.rcps
                .iter()
                .map(|l| {
                    l.policies
                        .iter()
                        .map(|p| judge(p, request, resource_for_match, true, &mut scratch))
                        .collect()
                })
                .collect()
        } else {
            Vec::new()
        };
        let identity: Vec<Verdict<'_>> = if identity_applies {
            self.identity
                .iter()
                .map(|p| judge(p, request, resource_for_match, false, &mut scratch))
                .collect()
        } else {
            Vec::new()
        };
        let mut resource = self
            .resource
            .as_ref()
            .map(|p| judge(p, request, resource_for_match, true, &mut scratch));
        // A `Deny` with `NotPrincipal` always denies a principal that has a permissions
        // boundary, whatever it lists (UG access_policies_boundaries, and the warning on
        // reference_policies_elements_notprincipal).
        if let (Some(p), Some(v), true) = (
            &self.resource,
            resource.as_mut(),
            self.boundary.is_some() && identity_applies,
        ) {
            for s in &p.statements {
                if s.effect == Effect::Deny
                    && s.has_not_principal()
                    && !v.denies.iter().any(|d| std::ptr::eq(*d, s))
                    && s.matches_action(&request.action_lower)
                    && s.matches_resource(resource_for_match, request, &mut scratch.buf)
                    && s.conditions_hold(request, &mut scratch.buf, &mut scratch.missing)
                {
                    v.denies.push(s);
                }
            }
        }
        let boundary = if identity_applies {
            self.boundary
                .as_ref()
                .map(|p| judge(p, request, resource_for_match, false, &mut scratch))
        } else {
            None
        };
        let session = if principal.kind.is_session() {
            self.session
                .as_ref()
                .map(|p| judge(p, request, resource_for_match, false, &mut scratch))
        } else {
            None
        };
        let endpoints: Vec<Verdict<'_>> = self
            .endpoints
            .iter()
            .map(|p| judge(p, request, resource_for_match, true, &mut scratch))
            .collect();

        // 1. An explicit deny anywhere wins.
        for (level, verdicts) in self.scps.iter().zip(&scp_verdicts) {
            for (p, v) in level.policies.iter().zip(verdicts) {
                collect_denies(v, PolicyType::Scp, p);
            }
        }
        for (level, verdicts) in self.rcps.iter().zip(&rcp_verdicts) {
            for (p, v) in level.policies.iter().zip(verdicts) {
                collect_denies(v, PolicyType::Rcp, p);
            }
        }
        if let (Some(p), Some(v)) = (&self.resource, &resource) {
            collect_denies(v, PolicyType::Resource, p);
        }
        for (p, v) in self.identity.iter().zip(&identity) {
            collect_denies(v, PolicyType::Identity, p);
        }
        if let (Some(p), Some(v)) = (&self.boundary, &boundary) {
            collect_denies(v, PolicyType::Boundary, p);
        }
        if let (Some(p), Some(v)) = (&self.session, &session) {
            collect_denies(v, PolicyType::Session, p);
        }
        for (p, v) in self.endpoints.iter().zip(&endpoints) {
            collect_denies(v, PolicyType::Endpoint, p);
        }
        if !denies.is_empty() {
            denies.sort();
            let blocked_by = denies.first().map(|r| r.policy_type);
            return Response {
                decision: Decision::ExplicitDeny,
                reasons: denies,
                blocked_by,
                missing_context_keys: scratch.missing,
            };
        }

        // 2. The grants: identity path (identity ∩ boundary ∩ session) and resource path.
        let identity_allows =
            principal.kind == PrincipalKind::Root || identity.iter().any(|v| !v.allows.is_empty());
        let boundary_ok = boundary.as_ref().is_none_or(|v| !v.allows.is_empty());
        // A federated user's permissions are the intersection with the session policy passed
        // to GetFederationToken; without one, nothing is allowed (UG evaluation logic, step 6).
        let session_ok = match (principal.kind, &session) {
            (PrincipalKind::FederatedUser, None) => false,
            (_, Some(v)) => !v.allows.is_empty(),
            (_, None) => true,
        };
        let identity_path = identity_allows && boundary_ok && session_ok;

        let same_account =
            principal.account.is_some() && principal.account == request.resource_account;
        let must_allow_by_itself = is_trust_or_key_policy(request);
        let grants: Vec<(&CompiledStatement, PrincipalMatch)> = resource
            .as_ref()
            .map(|v| {
                v.allows
                    .iter()
                    .filter_map(|(s, m)| m.map(|m| (*s, m)))
                    .collect()
            })
            .unwrap_or_default();
        // Whether a resource-policy grant allows by itself (UG evaluation logic, step 3 and
        // the table of principals in SEMANTICS E4; permissions boundaries "Resource-based
        // policies"; session policies "Resource-based policies").
        let grant_ok = |m: PrincipalMatch| -> bool {
            if matches!(
                principal.kind,
                PrincipalKind::Anonymous | PrincipalKind::Service
            ) {
                // No identity side: the resource policy decides alone.
                return true;
            }
            if !same_account {
                // Cross-account: the caller's account must allow too (evaluation-logic-cross-account).
                return identity_path;
            }
            match m {
                PrincipalMatch::Account => identity_path,
                PrincipalMatch::Role => boundary_ok && session_ok,
                PrincipalMatch::Direct => true,
            }
        };
        let granting: Vec<&(&CompiledStatement, PrincipalMatch)> =
            grants.iter().filter(|(_, m)| grant_ok(*m)).collect();
        let resource_path = !granting.is_empty();
        let allowed_core = match principal.kind {
            PrincipalKind::Anonymous | PrincipalKind::Service => resource_path,
            _ if must_allow_by_itself => resource_path,
            _ if same_account => identity_path || resource_path,
            _ => resource_path,
        };

        if !allowed_core {
            let blocked_by = if identity_allows && !boundary_ok {
                Some(PolicyType::Boundary)
            } else if identity_allows && !session_ok {
                Some(PolicyType::Session)
            } else if identity_path && (!same_account || must_allow_by_itself) {
                Some(PolicyType::Resource)
            } else if !grants.is_empty() && !identity_allows && !same_account {
                Some(PolicyType::Identity)
            } else {
                None
            };
            return Response {
                decision: Decision::ImplicitDeny,
                reasons: Vec::new(),
                blocked_by,
                missing_context_keys: scratch.missing,
            };
        }

        // The statements that granted.
        let use_identity =
            identity_path && (!resource_path || !same_account || !must_allow_by_itself);
        if use_identity {
            for (p, v) in self.identity.iter().zip(&identity) {
                reasons.extend(
                    v.allows
                        .iter()
                        .map(|(s, _)| s.reason(PolicyType::Identity, &p.name, p.source)),
                );
            }
            if let (Some(p), Some(v)) = (&self.boundary, &boundary) {
                reasons.extend(
                    v.allows
                        .iter()
                        .map(|(s, _)| s.reason(PolicyType::Boundary, &p.name, p.source)),
                );
            }
            if let (Some(p), Some(v)) = (&self.session, &session) {
                reasons.extend(
                    v.allows
                        .iter()
                        .map(|(s, _)| s.reason(PolicyType::Session, &p.name, p.source)),
                );
            }
        }
        if let Some(p) = &self.resource {
            reasons.extend(
                granting
                    .iter()
                    .map(|(s, _)| s.reason(PolicyType::Resource, &p.name, p.source)),
            );
        }

        // 3. Guardrails: every SCP level must allow; every endpoint policy must allow.
        for (level, verdicts) in self.scps.iter().zip(&scp_verdicts) {
            let allowing: Vec<Reason> = level
                .policies
                .iter()
                .zip(verdicts)
                .flat_map(|(p, v)| {
                    v.allows
                        .iter()
                        .map(move |(s, _)| s.reason(PolicyType::Scp, &p.name, p.source))
                })
                .collect();
            if allowing.is_empty() {
                return Response {
                    decision: Decision::ImplicitDeny,
                    reasons: Vec::new(),
                    blocked_by: Some(PolicyType::Scp),
                    missing_context_keys: scratch.missing,
                };
            }
            reasons.extend(allowing);
        }
        for (p, v) in self.endpoints.iter().zip(&endpoints) {
            if v.allows.is_empty() {
                return Response {
                    decision: Decision::ImplicitDeny,
                    reasons: Vec::new(),
                    blocked_by: Some(PolicyType::Endpoint),
                    missing_context_keys: scratch.missing,
                };
            }
            reasons.extend(
                v.allows
                    .iter()
                    .map(|(s, _)| s.reason(PolicyType::Endpoint, &p.name, p.source)),
            );
        }
        reasons.sort();
        reasons.dedup();
        Response {
            decision: Decision::Allowed,
            reasons,
            blocked_by: None,
            missing_context_keys: scratch.missing,
        }
    }
}

/// The resource a statement's `Resource` is matched against: `*` for actions that name no
/// resource type (they are authorized against `"Resource": "*"`, SEMANTICS M2).
fn effective_resource(request: &Request) -> &str {
    thread_local! {
        // Memo of the reference lookup, per lower-cased action; bounded.
        static WILDCARD_ONLY: std::cell::RefCell<std::collections::HashMap<Box<str>, bool>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    let wildcard_only = WILDCARD_ONLY.with(|memo| {
        let mut memo = memo.borrow_mut();
        if let Some(&known) = memo.get(request.action_lower.as_str()) {
            return known;
        }
        let known = ServiceRef::get()
            .action(&request.action)
            .is_some_and(|a| a.accepts_only_wildcard_resource());
        if memo.len() >= 4096 {
            memo.clear();
        }
        memo.insert(request.action_lower.as_str().into(), known);
        known
    });
    if wildcard_only {
        "*"
    } else {
        &request.resource
    }
}

/// Role trust policies and KMS key policies must allow by themselves (UG evaluation logic,
/// step 3; SEMANTICS E4, E9, E10).
fn is_trust_or_key_policy(request: &Request) -> bool {
    let r = request.resource.as_str();
    let role = r.starts_with("arn:")
        && r.split(':').nth(2) == Some("iam")
        && r.split(':').nth(5).is_some_and(|x| x.starts_with("role/"));
    let sts_assume =
        request.service() == "sts" && request.action_lower.starts_with("sts:assumerole");
    let key = request.service() == "kms"
        && r.split(':').nth(2) == Some("kms")
        && r.split(':').nth(5).is_some_and(|x| x.starts_with("key/"));
    (sts_assume && role) || key
}

/// Whether RCPs cover the request: only the services RCPs support, never
/// `kms:RetireGrant` (Organizations guide, RCPs; KMS developer guide, RCPs).
fn rcp_covers(request: &Request) -> bool {
    request.action_lower != "kms:retiregrant" && ServiceRef::get().supports_rcp(request.service())
}

/// Judges one policy: which statements apply, allow and deny.
fn judge<'p>(
    policy: &'p CompiledPolicy,
    request: &Request,
    resource: &str,
    needs_principal: bool,
    scratch: &mut Scratch,
) -> Verdict<'p> {
    let mut v = Verdict::default();
    for s in &policy.statements {
        if !s.matches_action(&request.action_lower)
            || !s.matches_resource(resource, request, &mut scratch.buf)
        {
            continue;
        }
        let principal_match = if needs_principal {
            match s.match_principal(&request.principal) {
                Some(m) => Some(m),
                None => continue,
            }
        } else {
            None
        };
        if !s.conditions_hold(request, &mut scratch.buf, &mut scratch.missing) {
            continue;
        }
        match s.effect {
            Effect::Allow => v.allows.push((s, principal_match)),
            Effect::Deny => v.denies.push(s),
        }
    }
    v
}

/// Compiles a policy for evaluation.
pub fn compile(policy: &Policy, name: &str, source: usize) -> CompiledPolicy {
    CompiledPolicy::new(policy, name, source)
}

/// Segment-wise ARN glob: the six colon-separated parts match separately (the last takes the
/// rest, colons included); a pattern with fewer parts matches as one glob.
pub(crate) fn arn_glob(pattern: &[Tok], text: &str) -> bool {
    let mut p_parts: [&[Tok]; 6] = [&[]; 6];
    let mut count = 0;
    let mut start = 0;
    for (i, t) in pattern.iter().enumerate() {
        if count < 5 && *t == Tok::Ch(':') {
            if let (Some(slot), Some(part)) = (p_parts.get_mut(count), pattern.get(start..i)) {
                *slot = part;
            }
            count += 1;
            start = i + 1;
        }
    }
    if count < 5 {
        return pattern::glob(pattern, text, false);
    }
    if let (Some(slot), Some(part)) = (p_parts.get_mut(5), pattern.get(start..)) {
        *slot = part;
    }
    let mut t_parts = text.splitn(6, ':');
    p_parts
        .iter()
        .all(|p| t_parts.next().is_some_and(|t| pattern::glob(p, t, false)))
}
