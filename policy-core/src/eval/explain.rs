//! Explanations: why a request got its decision, layer by layer, in more detail than the
//! evaluator's [`Response`]: a verdict per policy layer (as AWS's `EvalDecisionDetails`,
//! `PermissionsBoundaryDecisionDetail` and `OrganizationsDecisionDetail` do), the
//! statements that matched action, resource and principal but not their condition (with the
//! key and value that failed), the missing context keys that changed the decision, what was
//! assumed, and warnings for input that cannot be what the user meant.
//!
//! [`PolicySet::explain`] re-walks the statements after [`PolicySet::evaluate`] has decided,
//! so evaluation stays as fast as it is; the decision, reasons and `blocked_by` are
//! `evaluate`'s own.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{
    effective_resource, is_trust_or_key_policy, rcp_covers, CompiledPolicy, CompiledStatement,
    Decision, PolicySet, PolicyType, Reason, Response, PERMISSIONLESS,
};
use crate::ast::Effect;
use crate::request::{arn_account, PrincipalKind, Request};
use crate::service_ref::ServiceRef;

/// The answer with its full explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The evaluator's answer, unchanged.
    pub response: Response,
    /// Whether the caller and the resource are in different accounts (then both sides must
    /// allow).
    pub cross_account: bool,
    /// A verdict per layer, in a fixed order: SCP levels, RCP levels, resource, identity,
    /// boundary, session, endpoints.
    pub layers: Vec<LayerVerdict>,
    /// Statements of applicable layers that matched action, resource and principal but
    /// whose condition did not hold, with every condition checked.
    pub near_misses: Vec<NearMiss>,
    /// Context keys missing from the request whose absence decided whether a statement
    /// applied.
    pub missing_keys: Vec<MissingKey>,
    /// What was assumed about the request, each said once.
    pub assumptions: Vec<Assumption>,
    /// Input that cannot be what the user meant.
    pub warnings: Vec<Warning>,
}

/// Which side of a request a layer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// The caller's account (identity, boundary, session policies, SCPs).
    Principal,
    /// The resource's account (resource policy, RCPs).
    Resource,
    /// The network path (VPC endpoint policies).
    Network,
}

impl Side {
    /// `principal`, `resource` or `network`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Principal => "principal",
            Side::Resource => "resource",
            Side::Network => "network",
        }
    }
}

/// What one layer said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// A statement allows (for RCPs: nothing denies, `RCPFullAWSAccess` being implied).
    Allowed,
    /// A `Deny` statement matches.
    ExplicitDeny,
    /// The layer applies and nothing in it allows.
    ImplicitDeny,
    /// The layer has policies but does not apply to this request.
    NotApplicable,
    /// No policy of this kind was given.
    NotGiven,
}

impl Verdict {
    /// `allowed`, `explicitDeny`, `implicitDeny`, `notApplicable` or `notGiven`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::ExplicitDeny => "explicitDeny",
            Verdict::ImplicitDeny => "implicitDeny",
            Verdict::NotApplicable => "notApplicable",
            Verdict::NotGiven => "notGiven",
        }
    }
}

/// The verdict of one layer (one SCP or RCP level, one endpoint policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerVerdict {
    /// The kind of policy.
    pub layer: PolicyType,
    /// The level's target for SCPs and RCPs, the policy's name for endpoint policies.
    pub name: Option<Arc<str>>,
    /// The side the layer belongs to.
    pub side: Side,
    /// The account of that side, when known.
    pub account: Option<String>,
    /// What the layer said.
    pub verdict: Verdict,
    /// Why, when the verdict needs a word (not applicable, not given, implied).
    pub note: Option<String>,
    /// The statements of the layer that match the request (conditions included).
    pub statements: Vec<Reason>,
}

/// One condition checked against the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionCheck {
    /// The operator as written (`ForAllValues:StringNotEquals`).
    pub operator: String,
    /// The key as written.
    pub key: String,
    /// The policy's values as written.
    pub policy_values: Vec<String>,
    /// The request's values; `None` when the request has no such key.
    pub request_values: Option<Vec<String>>,
    /// Whether the request's values were derived by AWS (`aws:PrincipalArn`, ...) rather
    /// than given.
    pub derived: bool,
    /// Whether the condition holds.
    pub holds: bool,
    /// The request value that decided the condition (for `ForAllValues`, the first that
    /// breaks it; for `ForAnyValue`, the first that satisfies it).
    pub deciding_value: Option<String>,
    /// The policy value the deciding request value matched, if any.
    pub matched_policy_value: Option<String>,
    /// The reason in words.
    pub note: String,
}

/// A statement that matched action, resource and principal, but not its condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMiss {
    /// The statement.
    pub statement: Reason,
    /// Every condition of the statement, checked (those that failed have `holds: false`).
    pub conditions: Vec<ConditionCheck>,
}

/// A context key whose absence decided whether a statement applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingKey {
    /// The key as written in the policy.
    pub key: String,
    /// The statement.
    pub statement: Reason,
    /// `true`: the statement applies only because the key is missing (a negated operator,
    /// `IfExists`, `ForAllValues` or `Null`); `false`: it does not apply because the key is
    /// missing.
    pub applied: bool,
    /// Whether the decision changes when this statement goes the other way (the key
    /// supplied with a value that satisfies, or breaks, the statement's conditions on it).
    pub flips_decision: bool,
}

/// What was assumed about the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AssumptionKind {
    /// The resource's account, when its ARN names none.
    ResourceAccount,
    /// A context key AWS derives from the request, read by a policy.
    DerivedKey,
}

impl AssumptionKind {
    /// `resourceAccount` or `derivedKey`.
    pub fn as_str(self) -> &'static str {
        match self {
            AssumptionKind::ResourceAccount => "resourceAccount",
            AssumptionKind::DerivedKey => "derivedKey",
        }
    }
}

/// One assumption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assumption {
    /// Its kind.
    pub kind: AssumptionKind,
    /// The key (for derived keys) or the resource (for the resource account).
    pub subject: String,
    /// The value assumed.
    pub value: String,
    /// In words.
    pub message: String,
}

/// The kinds of warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WarningKind {
    /// The action is not in the IAM reference.
    UnknownAction,
    /// A context key that no policy tests and that the IAM reference does not know.
    UnknownContextKey,
    /// A session policy for a caller that is not a session.
    SessionPolicyIgnored,
    /// A policy variable with no value in the request.
    VariableWithoutValue,
    /// A KMS request without a key policy.
    NoKeyPolicy,
    /// An `sts:AssumeRole*` request without a trust policy.
    NoTrustPolicy,
}

impl WarningKind {
    /// The kebab-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::UnknownAction => "unknown-action",
            WarningKind::UnknownContextKey => "unknown-context-key",
            WarningKind::SessionPolicyIgnored => "session-policy-ignored",
            WarningKind::VariableWithoutValue => "variable-without-value",
            WarningKind::NoKeyPolicy => "no-key-policy",
            WarningKind::NoTrustPolicy => "no-trust-policy",
        }
    }
}

/// One warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Its kind.
    pub kind: WarningKind,
    /// In words (user input in backticks, lowercase, no final period).
    pub message: String,
    /// A "did you mean", when there is a close name.
    pub suggestion: Option<String>,
}

/// Which layers apply to the request; mirrors [`PolicySet::evaluate`] (SEMANTICS E2, E3).
struct Applies {
    scps: bool,
    rcps: bool,
    identity: bool,
    session: bool,
}

/// Where a statement is in a policy set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Location {
    layer: PolicyType,
    /// The level (SCP, RCP) or the endpoint policy's index.
    slot: usize,
    /// The policy's index within its level or list.
    policy: usize,
    /// The statement's index in the compiled policy.
    statement: usize,
}

/// A statement that matched action, resource and (where needed) principal.
struct Walked {
    at: Location,
    reason: Reason,
    effect: Effect,
    checks: Vec<ConditionCheck>,
}

impl Walked {
    fn holds(&self) -> bool {
        self.checks.iter().all(|c| c.holds)
    }
}

impl PolicySet {
    /// Decides a request (with [`PolicySet::evaluate`]) and explains the decision.
    pub fn explain(&self, request: &Request) -> Explanation {
        let response = self.evaluate(request);
        let principal = &request.principal;
        let cross_account = principal.account.is_some()
            && principal.account != request.resource_account
            && !request.resource_is_aws_owned();
        let mut warnings = warnings_of(self, request);
        let mut assumptions = Vec::new();
        if let Some(a) = resource_account_assumption(request) {
            assumptions.push(a);
        }
        if PERMISSIONLESS.contains(&request.action_lower.as_str())
            && principal.kind != PrincipalKind::Anonymous
        {
            let layers = self
                .layer_slots()
                .into_iter()
                .map(|(layer, name)| LayerVerdict {
                    layer,
                    name,
                    side: side_of(layer),
                    account: account_of(layer, request),
                    verdict: Verdict::NotApplicable,
                    note: Some(format!("`{}` needs no permission", request.action)),
                    statements: Vec::new(),
                })
                .collect();
            return Explanation {
                response,
                cross_account,
                layers,
                near_misses: Vec::new(),
                missing_keys: Vec::new(),
                assumptions,
                warnings,
            };
        }
        let applies = self.applies(request);
        let walked = self.walk(request, &applies);
        let layers = self.verdicts(request, &applies, &walked);

        let near_misses = walked
            .iter()
            .filter(|w| !w.holds())
            .map(|w| NearMiss {
                statement: w.reason.clone(),
                conditions: w.checks.clone(),
            })
            .collect();
        let missing_keys = self.missing_keys(request, &walked, response.decision);

        // Derived keys that a walked statement read, each once.
        let mut seen = BTreeSet::new();
        for c in walked.iter().flat_map(|w| &w.checks) {
            let (true, Some(values)) = (c.derived, &c.request_values) else {
                continue;
            };
            if seen.insert(c.key.to_ascii_lowercase()) {
                assumptions.push(Assumption {
                    kind: AssumptionKind::DerivedKey,
                    subject: c.key.clone(),
                    value: values.join(", "),
                    message: format!(
                        "`{}` is `{}`, derived from the request",
                        c.key,
                        values.join("`, `")
                    ),
                });
            }
        }

        // Policy variables without a value, in statements that match the action.
        let mut vars = BTreeSet::new();
        for (_, policy) in self.all_policies() {
            for s in &policy.statements {
                if s.matches_action(&request.action_lower) {
                    vars.extend(
                        s.variables()
                            .into_iter()
                            .filter(|k| !matches!(request.value(k), Some([_])))
                            .map(str::to_string),
                    );
                }
            }
        }
        for key in vars {
            warnings.push(Warning {
                kind: WarningKind::VariableWithoutValue,
                message: format!(
                    "policy variable `${{{key}}}` has no single value in the request: what uses it matches nothing"
                ),
                suggestion: None,
            });
        }

        Explanation {
            response,
            cross_account,
            layers,
            near_misses,
            missing_keys,
            assumptions,
            warnings,
        }
    }

    fn applies(&self, request: &Request) -> Applies {
        let principal = &request.principal;
        let in_management = |account: Option<&String>| {
            self.management_account.is_some() && account == self.management_account.as_ref()
        };
        Applies {
            scps: !self.scps.is_empty()
                && scp_kind(principal.kind)
                && !principal.service_linked
                && !in_management(principal.account.as_ref()),
            rcps: !self.rcps.is_empty()
                && !in_management(request.resource_account.as_ref())
                && rcp_covers(request),
            identity: matches!(
                principal.kind,
                PrincipalKind::User
                    | PrincipalKind::Role
                    | PrincipalKind::RoleSession
                    | PrincipalKind::FederatedUser
            ),
            session: principal.kind.is_session(),
        }
    }

    /// Every policy with its layer, level or endpoint index, and index within that.
    fn all_policies(&self) -> Vec<((PolicyType, usize, usize), &CompiledPolicy)> {
        let mut out = Vec::new();
        for (i, level) in self.scps.iter().enumerate() {
            for (j, p) in level.policies.iter().enumerate() {
                out.push(((PolicyType::Scp, i, j), p));
            }
        }
        for (i, level) in self.rcps.iter().enumerate() {
            for (j, p) in level.policies.iter().enumerate() {
                out.push(((PolicyType::Rcp, i, j), p));
            }
        }
        if let Some(p) = &self.resource {
            out.push(((PolicyType::Resource, 0, 0), p));
        }
        for (j, p) in self.identity.iter().enumerate() {
            out.push(((PolicyType::Identity, 0, j), p));
        }
        if let Some(p) = &self.boundary {
            out.push(((PolicyType::Boundary, 0, 0), p));
        }
        if let Some(p) = &self.session {
            out.push(((PolicyType::Session, 0, 0), p));
        }
        for (i, p) in self.endpoints.iter().enumerate() {
            out.push(((PolicyType::Endpoint, i, 0), p));
        }
        out
    }

    /// The rows of the layer table: one per SCP and RCP level and endpoint policy (one when
    /// there is none), one for each other kind.
    fn layer_slots(&self) -> Vec<(PolicyType, Option<Arc<str>>)> {
        let mut out = Vec::new();
        if self.scps.is_empty() {
            out.push((PolicyType::Scp, None));
        }
        for level in &self.scps {
            out.push((PolicyType::Scp, Some(level.target.as_str().into())));
        }
        if self.rcps.is_empty() {
            out.push((PolicyType::Rcp, None));
        }
        for level in &self.rcps {
            out.push((PolicyType::Rcp, Some(level.target.as_str().into())));
        }
        out.push((PolicyType::Resource, None));
        out.push((PolicyType::Identity, None));
        out.push((PolicyType::Boundary, None));
        out.push((PolicyType::Session, None));
        if self.endpoints.is_empty() {
            out.push((PolicyType::Endpoint, None));
        }
        for p in &self.endpoints {
            out.push((PolicyType::Endpoint, Some(Arc::clone(&p.name))));
        }
        out
    }

    /// The statements of applicable layers that match action, resource and principal, with
    /// their conditions checked; in the evaluator's order.
    fn walk(&self, request: &Request, applies: &Applies) -> Vec<Walked> {
        let resource = effective_resource(request);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        // A `Deny` with `NotPrincipal` always applies to a principal with a permissions
        // boundary (as in `evaluate`).
        let not_principal_denies = self.boundary.is_some() && applies.identity;
        for ((layer, slot, index), policy) in self.all_policies() {
            let applicable = match layer {
                PolicyType::Scp => applies.scps,
                PolicyType::Rcp => applies.rcps,
                PolicyType::Identity | PolicyType::Boundary => applies.identity,
                PolicyType::Session => applies.session,
                PolicyType::Resource | PolicyType::Endpoint => true,
            };
            if !applicable {
                continue;
            }
            let needs_principal = matches!(
                layer,
                PolicyType::Rcp | PolicyType::Resource | PolicyType::Endpoint
            );
            for (i, s) in policy.statements.iter().enumerate() {
                if !s.matches_action(&request.action_lower)
                    || !s.matches_resource(resource, request, &mut buf)
                {
                    continue;
                }
                if needs_principal && s.match_principal(&request.principal).is_none() {
                    let forced = layer == PolicyType::Resource
                        && not_principal_denies
                        && s.effect == Effect::Deny
                        && s.has_not_principal();
                    if !forced {
                        continue;
                    }
                }
                out.push(Walked {
                    at: Location {
                        layer,
                        slot,
                        policy: index,
                        statement: i,
                    },
                    reason: s.reason(layer, &policy.name, policy.source),
                    effect: s.effect,
                    checks: s
                        .conditions()
                        .iter()
                        .map(|c| c.check(request, &mut buf))
                        .collect(),
                });
            }
        }
        out
    }

    fn verdicts(
        &self,
        request: &Request,
        applies: &Applies,
        walked: &[Walked],
    ) -> Vec<LayerVerdict> {
        let principal = &request.principal;
        let mut out = Vec::new();
        for (layer, name) in self.layer_slots() {
            let slot = match layer {
                PolicyType::Scp => name
                    .as_ref()
                    .and_then(|n| self.scps.iter().position(|l| *l.target == **n)),
                PolicyType::Rcp => name
                    .as_ref()
                    .and_then(|n| self.rcps.iter().position(|l| *l.target == **n)),
                PolicyType::Endpoint => name
                    .as_ref()
                    .and_then(|n| self.endpoints.iter().position(|p| p.name == *n)),
                _ => Some(0),
            };
            let given = match layer {
                PolicyType::Scp | PolicyType::Rcp | PolicyType::Endpoint => slot.is_some(),
                PolicyType::Resource => self.resource.is_some(),
                PolicyType::Identity => !self.identity.is_empty(),
                PolicyType::Boundary => self.boundary.is_some(),
                PolicyType::Session => self.session.is_some(),
            };
            let applicable = match layer {
                PolicyType::Scp => applies.scps,
                PolicyType::Rcp => applies.rcps,
                PolicyType::Identity | PolicyType::Boundary => applies.identity,
                PolicyType::Session => applies.session,
                PolicyType::Resource | PolicyType::Endpoint => true,
            };
            let hits: Vec<&Walked> = walked
                .iter()
                .filter(|w| w.at.layer == layer && Some(w.at.slot) == slot && w.holds())
                .collect();
            let statements: Vec<Reason> = hits.iter().map(|w| w.reason.clone()).collect();
            // A layer that never applies to this kind of caller (an SCP or identity policy
            // for a web identity caller, a session policy for an IAM user) is not applicable
            // whether or not one was given.
            let excluded_by_kind = match layer {
                PolicyType::Scp => !scp_kind(principal.kind),
                PolicyType::Identity | PolicyType::Boundary => !applies.identity,
                PolicyType::Session => !applies.session,
                PolicyType::Rcp | PolicyType::Resource | PolicyType::Endpoint => false,
            };
            let (verdict, note) = if excluded_by_kind {
                (
                    Verdict::NotApplicable,
                    Some(not_applicable_note(layer, self, request)),
                )
            } else if !given {
                (Verdict::NotGiven, not_given_note(layer, request))
            } else if !applicable {
                (
                    Verdict::NotApplicable,
                    Some(not_applicable_note(layer, self, request)),
                )
            } else if hits.iter().any(|w| w.effect == Effect::Deny) {
                (Verdict::ExplicitDeny, None)
            } else if layer == PolicyType::Rcp {
                (
                    Verdict::Allowed,
                    Some("`RCPFullAWSAccess` is implied at every level".to_string()),
                )
            } else if !hits.is_empty() {
                (Verdict::Allowed, None)
            } else {
                (Verdict::ImplicitDeny, None)
            };
            // The root user's identity side allows everything in its own account.
            let (verdict, note) = if layer == PolicyType::Identity
                && principal.kind == PrincipalKind::Root
                && verdict != Verdict::ExplicitDeny
            {
                (
                    Verdict::Allowed,
                    Some("the root user has every permission in its account".to_string()),
                )
            } else {
                (verdict, note)
            };
            out.push(LayerVerdict {
                layer,
                name,
                side: side_of(layer),
                account: account_of(layer, request),
                verdict,
                note,
                statements,
            });
        }
        out
    }

    /// For each statement whose outcome a missing key decided: whether the decision changes
    /// when the statement goes the other way.
    fn missing_keys(
        &self,
        request: &Request,
        walked: &[Walked],
        decision: Decision,
    ) -> Vec<MissingKey> {
        let mut out = Vec::new();
        for w in walked {
            let missing = |c: &&ConditionCheck| c.request_values.is_none();
            if w.holds() {
                // Applies only because of a missing key: without the statement (the key
                // supplied with a value that breaks the condition), is the decision the same?
                let keys: Vec<&ConditionCheck> = w.checks.iter().filter(missing).collect();
                if keys.is_empty() {
                    continue;
                }
                let flips = self
                    .edited(w.at, |statements, i| {
                        if i < statements.len() {
                            statements.remove(i);
                        }
                    })
                    .evaluate(request)
                    .decision
                    != decision;
                for c in keys {
                    out.push(MissingKey {
                        key: c.key.clone(),
                        statement: w.reason.clone(),
                        applied: true,
                        flips_decision: flips,
                    });
                }
            } else {
                // Does not apply only because of missing keys: with the key supplied so that
                // the conditions on it hold, is the decision the same?
                let failing: Vec<&ConditionCheck> = w.checks.iter().filter(|c| !c.holds).collect();
                if !failing.iter().all(missing) {
                    continue;
                }
                let keys: BTreeSet<String> =
                    failing.iter().map(|c| c.key.to_ascii_lowercase()).collect();
                let flips = self
                    .edited(w.at, |statements, i| {
                        if let Some(s) = statements.get_mut(i) {
                            let mut edited: CompiledStatement = s.clone();
                            for k in &keys {
                                edited = edited.without_conditions_on(k);
                            }
                            *s = edited;
                        }
                    })
                    .evaluate(request)
                    .decision
                    != decision;
                for c in failing {
                    out.push(MissingKey {
                        key: c.key.clone(),
                        statement: w.reason.clone(),
                        applied: false,
                        flips_decision: flips,
                    });
                }
            }
        }
        out
    }

    /// A copy with the statements of one policy edited.
    fn edited(
        &self,
        at: Location,
        edit: impl FnOnce(&mut Vec<CompiledStatement>, usize),
    ) -> PolicySet {
        let mut set = self.clone();
        let policy = match at.layer {
            PolicyType::Scp => set
                .scps
                .get_mut(at.slot)
                .and_then(|l| l.policies.get_mut(at.policy)),
            PolicyType::Rcp => set
                .rcps
                .get_mut(at.slot)
                .and_then(|l| l.policies.get_mut(at.policy)),
            PolicyType::Resource => set.resource.as_mut(),
            PolicyType::Identity => set.identity.get_mut(at.policy),
            PolicyType::Boundary => set.boundary.as_mut(),
            PolicyType::Session => set.session.as_mut(),
            PolicyType::Endpoint => set.endpoints.get_mut(at.slot),
        };
        if let Some(p) = policy {
            edit(&mut p.statements, at.statement);
        }
        set
    }
}

fn side_of(layer: PolicyType) -> Side {
    match layer {
        PolicyType::Scp | PolicyType::Identity | PolicyType::Boundary | PolicyType::Session => {
            Side::Principal
        }
        PolicyType::Rcp | PolicyType::Resource => Side::Resource,
        PolicyType::Endpoint => Side::Network,
    }
}

fn account_of(layer: PolicyType, request: &Request) -> Option<String> {
    match side_of(layer) {
        Side::Principal => request.principal.account.clone(),
        Side::Resource => request.resource_account.clone(),
        Side::Network => None,
    }
}

/// Whether SCPs limit this kind of caller: the IAM users and roles of member accounts and
/// their sessions, and the root user (Organizations User Guide, "Service control policies").
fn scp_kind(kind: PrincipalKind) -> bool {
    matches!(
        kind,
        PrincipalKind::Root
            | PrincipalKind::User
            | PrincipalKind::Role
            | PrincipalKind::RoleSession
            | PrincipalKind::FederatedUser
    )
}

fn not_given_note(layer: PolicyType, request: &Request) -> Option<String> {
    let note = match layer {
        PolicyType::Resource if is_trust_or_key_policy(request) => {
            if request.action_lower.starts_with("kms:") {
                "no key policy given: only a key policy can allow access to a KMS key"
            } else {
                "no trust policy given: only the role's trust policy can allow assuming it"
            }
        }
        PolicyType::Session if request.principal.kind == PrincipalKind::FederatedUser => {
            "no session policy given: a federated user is allowed nothing without one"
        }
        PolicyType::Scp => "not in an organization",
        _ => return None,
    };
    Some(note.to_string())
}

fn not_applicable_note(layer: PolicyType, set: &PolicySet, request: &Request) -> String {
    let principal = &request.principal;
    let management = |account: Option<&String>| {
        set.management_account.is_some() && account == set.management_account.as_ref()
    };
    let note = match layer {
        // Web identity and SAML callers have no identity side and are neither IAM users nor
        // roles of a member account: the role's trust policy (and RCPs) decide alone.
        PolicyType::Scp | PolicyType::Identity | PolicyType::Boundary | PolicyType::Session
            if principal.kind.is_federation() =>
        {
            format!(
                "{} policies do not apply to a web identity or SAML caller: the role's trust policy decides",
                layer.as_str()
            )
        }
        PolicyType::Scp if principal.service_linked => {
            "SCPs do not apply to service-linked roles".to_string()
        }
        PolicyType::Scp if management(principal.account.as_ref()) => {
            "SCPs do not apply to the management account".to_string()
        }
        PolicyType::Scp => format!(
            "SCPs do not apply to a `{}` caller",
            principal.kind.principal_type()
        ),
        PolicyType::Rcp if management(request.resource_account.as_ref()) => {
            "RCPs do not apply to the management account's resources".to_string()
        }
        PolicyType::Rcp => format!("RCPs do not cover `{}`", request.action),
        PolicyType::Session => {
            "session policies apply only to role and federated-user sessions".to_string()
        }
        _ => format!(
            "{} policies do not apply to a `{}` caller",
            layer.as_str(),
            principal.kind.principal_type()
        ),
    };
    note
}

/// The resource's account, when its ARN names none and it was taken from the caller.
fn resource_account_assumption(request: &Request) -> Option<Assumption> {
    if request.resource == "*" || arn_account(&request.resource).is_some() {
        return None;
    }
    let account = request.resource_account.as_ref()?;
    (request.principal.account.as_ref() == Some(account)).then(|| Assumption {
        kind: AssumptionKind::ResourceAccount,
        subject: request.resource.clone(),
        value: account.clone(),
        message: format!(
            "`{}` names no account: the resource is taken to be in the caller's account `{account}`",
            request.resource
        ),
    })
}

fn warnings_of(set: &PolicySet, request: &Request) -> Vec<Warning> {
    let reference = ServiceRef::get();
    let mut out = Vec::new();
    if reference.action(&request.action).is_none() {
        out.push(Warning {
            kind: WarningKind::UnknownAction,
            message: format!("`{}` is not an action in the IAM reference", request.action),
            suggestion: reference.suggest_action(&request.action),
        });
    }
    // Context keys no policy tests and the reference does not know: a misspelling.
    let mut tested: BTreeSet<String> = BTreeSet::new();
    for (_, p) in set.all_policies() {
        for s in &p.statements {
            tested.extend(s.conditions().iter().map(|c| c.key_text().to_string()));
            tested.extend(s.variables().into_iter().map(str::to_string));
        }
    }
    let tested_lower: BTreeSet<String> = tested.iter().map(|k| k.to_ascii_lowercase()).collect();
    for (key, _) in request.context.iter() {
        if tested_lower.contains(key) || reference.condition_key(key).is_some() {
            continue;
        }
        let limit = (key.len() / 4).max(2).min(key.len().saturating_sub(1));
        let candidates = tested.iter().map(String::as_str).chain(
            reference
                .action(&request.action)
                .into_iter()
                .flat_map(|a| a.condition_keys().map(|k| k.name()).collect::<Vec<_>>())
                .chain(reference.global_condition_keys().map(|k| k.name())),
        );
        let suggestion = candidates
            .filter(|c| !c.contains('/') || !key.contains('/'))
            .filter_map(|c| Some((crate::text::edit_distance_within(key, c, limit)?, c)))
            .min_by_key(|(d, _)| *d)
            .map(|(_, c)| c.to_string());
        out.push(Warning {
            kind: WarningKind::UnknownContextKey,
            message: format!(
                "context key `{key}` is tested by no policy and is not in the IAM reference"
            ),
            suggestion,
        });
    }
    if set.session.is_some() && !request.principal.kind.is_session() {
        out.push(Warning {
            kind: WarningKind::SessionPolicyIgnored,
            message: format!(
                "a session policy applies only to role and federated-user sessions, not to a `{}` caller: it is ignored",
                request.principal.kind.principal_type()
            ),
            suggestion: None,
        });
    }
    if set.resource.is_none() && is_trust_or_key_policy(request) {
        if request.action_lower.starts_with("kms:") {
            out.push(Warning {
                kind: WarningKind::NoKeyPolicy,
                message: "no key policy given: every KMS key has one, and without one that allows, nothing is allowed".to_string(),
                suggestion: None,
            });
        } else {
            out.push(Warning {
                kind: WarningKind::NoTrustPolicy,
                message: "no trust policy given: every role has one, and without one that allows, nobody can assume the role".to_string(),
                suggestion: None,
            });
        }
    }
    out
}
