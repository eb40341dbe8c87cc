//! The evaluator: decides a request the way AWS does, across identity, resource, SCP, RCP,
//! permissions-boundary, session and VPC-endpoint policies, and says which statements decided.
//!
//! The order follows the IAM User Guide's policy evaluation logic
//! (`reference_policies_evaluation-logic`, and `…-cross-account` for requests between
//! accounts); `../shared/SEMANTICS.md` lists the rules with their sources. Policies are
//! compiled once ([`PolicySet`]) and evaluated many times ([`PolicySet::evaluate`]).

mod compile;
pub(crate) mod condition;
mod explain;
pub(crate) mod pattern;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

pub(crate) use compile::ActionMatcher;
pub use compile::{CompiledPolicy, CompiledStatement};
pub use explain::{
    Assumption, AssumptionKind, ConditionCheck, Explanation, LayerVerdict, MissingKey, NearMiss,
    Side, Verdict, Warning, WarningKind,
};
use pattern::Tok;

use crate::ast::{Effect, Policy};
use crate::request::{is_session_permission, is_trust_policy_request, PrincipalKind, Request};
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
    pub missing_context_keys: BTreeSet<Arc<str>>,
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
    missing: BTreeSet<Arc<str>>,
}

/// A statement that matches the request (action, resource, principal and conditions).
struct Hit<'p> {
    layer: PolicyType,
    /// The SCP/RCP level, or the policy's index among the endpoint policies.
    slot: usize,
    policy: &'p CompiledPolicy,
    statement: &'p CompiledStatement,
    /// How the principal matched, for resource-based policies.
    principal: Option<PrincipalMatch>,
}

impl Hit<'_> {
    fn is_allow(&self) -> bool {
        self.statement.effect == Effect::Allow
    }

    fn reason(&self) -> Reason {
        self.statement
            .reason(self.layer, &self.policy.name, self.policy.source)
    }
}

/// Actions that need no permission: allowed whatever the policies say (STS API reference,
/// `GetCallerIdentity`: "No permissions are required to perform this operation"; UG
/// `id_credentials_temp_control-access_getsessiontoken`: including `GetSessionToken` in a
/// policy "does not affect the user's ability" to call it).
pub(crate) const PERMISSIONLESS: [&str; 2] = ["sts:getcalleridentity", "sts:getsessiontoken"];

impl PolicySet {
    /// Decides a request.
    pub fn evaluate(&self, request: &Request) -> Response {
        let mut scratch = Scratch {
            buf: Vec::new(),
            missing: BTreeSet::new(),
        };
        let principal = &request.principal;
        // A web identity or SAML caller makes only its `AssumeRoleWith*` call (with session
        // tags and a source identity); readers refuse anything else, and so does this.
        if principal.kind.is_federation() && principal.check_action(&request.action).is_err() {
            return Response {
                decision: Decision::ImplicitDeny,
                reasons: Vec::new(),
                blocked_by: None,
                missing_context_keys: BTreeSet::new(),
            };
        }
        // Permissionless actions still need a signed request (STS accepts no anonymous calls).
        if PERMISSIONLESS.contains(&request.action_lower.as_str())
            && principal.kind != PrincipalKind::Anonymous
            && !principal.kind.is_federation()
        {
            return Response {
                decision: Decision::Allowed,
                reasons: Vec::new(),
                blocked_by: None,
                missing_context_keys: BTreeSet::new(),
            };
        }

        let resource = effective_resource(request);

        // Which layers apply (SEMANTICS E2, E3; Organizations guide, "Tasks and entities not
        // restricted by SCPs" and RCPs).
        let in_management = |account: Option<&String>| {
            self.management_account.is_some() && account == self.management_account.as_ref()
        };
        // Web identity and SAML callers are not IAM principals of any account: SCPs, which
        // limit the IAM users and roles of member accounts, do not apply to their
        // `AssumeRoleWith*` calls (Organizations guide, `orgs_manage_policies_scps`); the RCPs
        // of the role's account do (STS is among the services RCPs support).
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
        // RCPs apply to every caller of a covered service, AWS service principals and
        // service-linked roles included: the KMS guide's example RCPs have to exempt service
        // principals with `aws:PrincipalIsAWSService` (KMS developer guide, RCPs), and no RCP
        // page exempts service-linked roles (see corpus/eval/DIVERGENCES.md).
        let rcps_apply = !self.rcps.is_empty()
            && !in_management(request.resource_account.as_ref())
            && rcp_covers(request);
        let identity_applies = matches!(
            principal.kind,
            PrincipalKind::User
                | PrincipalKind::Role
                | PrincipalKind::RoleSession
                | PrincipalKind::FederatedUser
        );

        // Every matching statement of every applicable policy, in one list.
        let mut hits: Vec<Hit<'_>> = Vec::with_capacity(16);
        macro_rules! judge {
            ($layer:expr, $slot:expr, $policy:expr, $needs_principal:expr) => {
                judge(
                    $layer,
                    $slot,
                    $policy,
                    request,
                    resource,
                    $needs_principal,
                    &mut scratch,
                    &mut hits,
                )
            };
        }
        if scps_apply {
            for (i, level) in self.scps.iter().enumerate() {
                for p in &level.policies {
                    judge!(PolicyType::Scp, i, p, false);
                }
            }
        }
        if rcps_apply {
            for (i, level) in self.rcps.iter().enumerate() {
                for p in &level.policies {
                    judge!(PolicyType::Rcp, i, p, true);
                }
            }
        }
        if let Some(p) = &self.resource {
            judge!(PolicyType::Resource, 0, p, true);
        }
        if identity_applies {
            for p in &self.identity {
                judge!(PolicyType::Identity, 0, p, false);
            }
            if let Some(p) = &self.boundary {
                judge!(PolicyType::Boundary, 0, p, false);
            }
        }
        if principal.kind.is_session() {
            if let Some(p) = &self.session {
                judge!(PolicyType::Session, 0, p, false);
            }
        }
        for (i, p) in self.endpoints.iter().enumerate() {
            judge!(PolicyType::Endpoint, i, p, true);
        }
        // A `Deny` with `NotPrincipal` always denies a principal that has a permissions
        // boundary, whatever it lists (UG access_policies_boundaries, and the warning on
        // reference_policies_elements_notprincipal).
        if let (Some(p), true) = (&self.resource, self.boundary.is_some() && identity_applies) {
            for s in &p.statements {
                let already = hits.iter().any(|h| std::ptr::eq(h.statement, s));
                if s.effect == Effect::Deny
                    && s.has_not_principal()
                    && !already
                    && s.matches_action(&request.action_lower)
                    && s.matches_resource(resource, request, &mut scratch.buf)
                    && s.conditions_hold(request, &mut scratch.buf, &mut scratch.missing)
                {
                    hits.push(Hit {
                        layer: PolicyType::Resource,
                        slot: 0,
                        policy: p,
                        statement: s,
                        principal: Some(PrincipalMatch::Direct),
                    });
                }
            }
        }
        let missing = std::mem::take(&mut scratch.missing);
        let implicit = |blocked_by| Response {
            decision: Decision::ImplicitDeny,
            reasons: Vec::new(),
            blocked_by,
            missing_context_keys: missing.clone(),
        };

        // 1. An explicit deny anywhere wins.
        if hits.iter().any(|h| !h.is_allow()) {
            let mut reasons: Vec<Reason> = hits
                .iter()
                .filter(|h| !h.is_allow())
                .map(Hit::reason)
                .collect();
            reasons.sort();
            let blocked_by = reasons.first().map(|r| r.policy_type);
            return Response {
                decision: Decision::ExplicitDeny,
                reasons,
                blocked_by,
                missing_context_keys: missing,
            };
        }
        let allows_in = |layer: PolicyType| hits.iter().any(|h| h.layer == layer);

        // 2. The grants: identity path (identity ∩ boundary ∩ session) and resource path.
        let identity_allows =
            principal.kind == PrincipalKind::Root || allows_in(PolicyType::Identity);
        let boundary_ok =
            !identity_applies || self.boundary.is_none() || allows_in(PolicyType::Boundary);
        // A federated user's permissions are the intersection with the session policy passed
        // to GetFederationToken; without one, nothing is allowed (UG evaluation logic, step 6).
        let session_ok = match (principal.kind, &self.session) {
            (PrincipalKind::FederatedUser, None) => false,
            (kind, Some(_)) if kind.is_session() => allows_in(PolicyType::Session),
            _ => true,
        };
        let identity_path = identity_allows && boundary_ok && session_ok;

        // A resource AWS owns (account `aws`: AWS managed policies, CloudFormation transforms)
        // is in no customer's account: the caller's side decides alone, as in its own account.
        let same_account = principal.account.is_some()
            && (principal.account == request.resource_account || request.resource_is_aws_owned());
        let must_allow_by_itself = is_trust_or_key_policy(request);
        // Role chaining: `sts:SetSourceIdentity` (and, checked the same way, `sts:TagSession`)
        // must be allowed by the calling role's permissions *and* the target's trust policy,
        // even when the trust policy names the calling role (UG
        // `id_credentials_temp_control-access_monitor`, "Permissions required to set source
        // identity"; `id_session-tags`, "Permissions required to add session tags").
        let chained_session_permission = must_allow_by_itself
            && is_session_permission(&request.action)
            && matches!(
                principal.kind,
                PrincipalKind::Role | PrincipalKind::RoleSession
            );
        // Whether a resource-policy grant allows by itself (UG evaluation logic, step 3 and
        // the table of principals in SEMANTICS E4; permissions boundaries and session
        // policies, "Resource-based policies").
        let grant_ok = |m: PrincipalMatch| -> bool {
            if matches!(
                principal.kind,
                PrincipalKind::Anonymous
                    | PrincipalKind::Service
                    | PrincipalKind::WebIdentity
                    | PrincipalKind::Saml
            ) {
                // No identity side: the resource policy decides alone.
                return true;
            }
            if chained_session_permission {
                return identity_path;
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
        let is_grant =
            |h: &Hit<'_>| h.layer == PolicyType::Resource && h.principal.is_some_and(grant_ok);
        let has_grants = allows_in(PolicyType::Resource);
        let resource_path = hits.iter().any(is_grant);
        let allowed_core = match principal.kind {
            // "You cannot call AssumeRole by using AWS account root user credentials; access is
            // denied" (STS API reference, AssumeRole). Explicit denies still show as such.
            PrincipalKind::Root if request.action_lower == "sts:assumerole" => false,
            PrincipalKind::Anonymous
            | PrincipalKind::Service
            | PrincipalKind::WebIdentity
            | PrincipalKind::Saml => resource_path,
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
            } else if has_grants
                && !identity_allows
                && (!same_account || chained_session_permission)
            {
                Some(PolicyType::Identity)
            } else if hits.iter().any(Hit::is_allow) {
                // Some layer allowed, yet nothing granted: name the layer whose grant was
                // missing (issue 11: `blockedBy` is never empty when a layer allowed).
                Some(if has_grants {
                    if !boundary_ok {
                        PolicyType::Boundary
                    } else if !session_ok {
                        PolicyType::Session
                    } else {
                        PolicyType::Identity
                    }
                } else if must_allow_by_itself
                    || matches!(
                        principal.kind,
                        PrincipalKind::Anonymous | PrincipalKind::Service
                    )
                {
                    PolicyType::Resource
                } else {
                    PolicyType::Identity
                })
            } else {
                None
            };
            return implicit(blocked_by);
        }

        // 3. Guardrails: every SCP level must allow; every endpoint policy must allow.
        if scps_apply {
            for i in 0..self.scps.len() {
                if !hits
                    .iter()
                    .any(|h| h.layer == PolicyType::Scp && h.slot == i)
                {
                    return implicit(Some(PolicyType::Scp));
                }
            }
        }
        for i in 0..self.endpoints.len() {
            if !hits
                .iter()
                .any(|h| h.layer == PolicyType::Endpoint && h.slot == i)
            {
                return implicit(Some(PolicyType::Endpoint));
            }
        }

        // The statements that granted, and the guardrails' allowing statements.
        let use_identity = identity_path
            && (!same_account
                || !must_allow_by_itself
                || !resource_path
                || chained_session_permission);
        let mut reasons: Vec<Reason> = hits
            .iter()
            .filter(|h| match h.layer {
                PolicyType::Identity | PolicyType::Boundary | PolicyType::Session => use_identity,
                PolicyType::Resource => is_grant(h),
                PolicyType::Scp | PolicyType::Endpoint => true,
                PolicyType::Rcp => false,
            })
            .map(Hit::reason)
            .collect();
        reasons.sort();
        reasons.dedup();
        Response {
            decision: Decision::Allowed,
            reasons,
            blocked_by: None,
            missing_context_keys: missing,
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
/// step 3; SEMANTICS E4, E9, E10). A trust policy is the resource policy of
/// `sts:AssumeRole*`, `sts:TagSession` and `sts:SetSourceIdentity` on its role.
fn is_trust_or_key_policy(request: &Request) -> bool {
    let action = request.action_lower.as_str();
    if is_trust_policy_request(action, &request.resource) {
        return true;
    }
    if !action.starts_with("kms:") {
        return false;
    }
    let mut parts = request.resource.splitn(6, ':');
    let (service, resource) = (parts.nth(2), parts.nth(2));
    matches!((service, resource), (Some("kms"), Some(r)) if r.starts_with("key/"))
}

/// Whether RCPs cover the request: only the services RCPs support, never
/// `kms:RetireGrant` (Organizations guide, RCPs; KMS developer guide, RCPs).
fn rcp_covers(request: &Request) -> bool {
    request.action_lower != "kms:retiregrant" && ServiceRef::get().supports_rcp(request.service())
}

/// Adds the statements of one policy that match the request to `hits`.
#[expect(
    clippy::too_many_arguments,
    reason = "the evaluation's hot loop: no struct to build per call"
)]
fn judge<'p>(
    layer: PolicyType,
    slot: usize,
    policy: &'p CompiledPolicy,
    request: &Request,
    resource: &str,
    needs_principal: bool,
    scratch: &mut Scratch,
    hits: &mut Vec<Hit<'p>>,
) {
    for s in &policy.statements {
        if !s.matches_action(&request.action_lower)
            || !s.matches_resource(resource, request, &mut scratch.buf)
        {
            continue;
        }
        let principal = if needs_principal {
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
        hits.push(Hit {
            layer,
            slot,
            policy,
            statement: s,
            principal,
        });
    }
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
