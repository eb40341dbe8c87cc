//! Policies compiled for evaluation: lower-cased action patterns, resource patterns with
//! variables, principal matchers and conditions read once.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::condition::Condition;
use super::pattern::{Pattern, Tok};
use super::{PolicyType, PrincipalMatch, Reason};
use crate::ast::{Effect, Policy, Principal, PrincipalKind as Key, Statement};
use crate::request::{PrincipalKind, Request, RequestPrincipal};
use crate::source::Span;

/// A policy ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    /// Its name, for explanations (for SCPs and RCPs, `target/name`: see [`super::Level::new`]).
    pub name: Arc<str>,
    /// Which source its spans refer to (the caller's numbering).
    pub source: usize,
    /// Its statements.
    pub statements: Vec<CompiledStatement>,
}

/// One statement ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledStatement {
    index: usize,
    sid: Option<Arc<str>>,
    pub(crate) effect: Effect,
    span: Span,
    actions: Option<(bool, Vec<ActionPattern>)>,
    resources: Option<(bool, Vec<Pattern>)>,
    principals: Option<(bool, Vec<PrincipalPattern>)>,
    conditions: Vec<Condition>,
}

#[derive(Debug, Clone)]
enum ActionPattern {
    Any,
    Exact(Box<str>),
    Glob(Vec<Tok>),
}

#[derive(Debug, Clone)]
enum PrincipalPattern {
    /// `*`: everyone, anonymous callers and services included.
    Any,
    /// An account: its id.
    Account(Box<str>),
    /// A role: account and name (role names are unique ignoring case).
    Role { account: Box<str>, name: Box<str> },
    /// A user, a role session, a federated user, a service or a canonical user, named
    /// exactly.
    Exact(Box<str>),
    /// A `Federated` identity provider (an `oidc-provider` or `saml-provider` ARN, or an OIDC
    /// provider host): it names web identity and SAML callers, and only them.
    Federated(Box<str>),
}

impl CompiledPolicy {
    /// Compiles a parsed policy. Statements without a valid `Effect` or `Action` are left out
    /// (they are parse errors and can never match).
    pub fn new(policy: &Policy, name: &str, source: usize) -> Self {
        let variables = policy.has_variables();
        CompiledPolicy {
            name: name.into(),
            source,
            statements: policy
                .statements
                .iter()
                .filter_map(|s| CompiledStatement::new(s, variables))
                .collect(),
        }
    }
}

impl CompiledStatement {
    fn new(s: &Statement, variables: bool) -> Option<Self> {
        let effect = s.effect()?;
        let action = s.action.as_ref()?;
        let actions = action
            .items
            .iter()
            .map(|a| {
                let lower = a.node.to_ascii_lowercase();
                if lower == "*" {
                    ActionPattern::Any
                } else if lower.contains(['*', '?']) {
                    ActionPattern::Glob(
                        lower
                            .chars()
                            .map(|c| match c {
                                '*' => Tok::Star,
                                '?' => Tok::One,
                                c => Tok::Ch(c),
                            })
                            .collect(),
                    )
                } else {
                    ActionPattern::Exact(lower.into())
                }
            })
            .collect();
        let resources = s.resource.as_ref().map(|r| {
            (
                r.negated,
                r.items
                    .iter()
                    .map(|i| Pattern::new(&i.node, true, variables))
                    .collect(),
            )
        });
        let principals = s.principal.as_ref().map(|p| {
            let patterns = match &p.value {
                Principal::Wildcard => vec![PrincipalPattern::Any],
                Principal::Map(entries) => entries
                    .iter()
                    .flat_map(|e| {
                        e.values
                            .iter()
                            .map(move |v| principal_pattern(e.kind.node, &v.node))
                    })
                    .collect(),
            };
            (p.negated, patterns)
        });
        let conditions = s
            .conditions()
            .iter()
            .flat_map(|e| Condition::compile(e, variables))
            .collect();
        Some(CompiledStatement {
            index: s.index,
            sid: s.sid.as_ref().map(|n| n.node.as_str().into()),
            effect,
            span: s.span,
            actions: Some((action.negated, actions)),
            resources,
            principals,
            conditions,
        })
    }

    /// The statement as it reads for requests of one action (given lower-cased): `None` when
    /// it does not cover the action, else the statement with its `Action` cut down to that
    /// action, which decides every request of that action alike and is cheap to copy.
    pub(crate) fn for_action(&self, action: &str) -> Option<CompiledStatement> {
        if !self.matches_action(action) {
            return None;
        }
        Some(CompiledStatement {
            index: self.index,
            sid: self.sid.clone(),
            effect: self.effect,
            span: self.span,
            actions: Some((false, vec![ActionPattern::Exact(action.into())])),
            resources: self.resources.clone(),
            principals: self.principals.clone(),
            conditions: self.conditions.clone(),
        })
    }

    /// Whether the statement covers the action (given lower-cased): a statement that does
    /// not is never a match for a request of that action, whatever else it says.
    pub fn matches_action(&self, action: &str) -> bool {
        let Some((negated, patterns)) = &self.actions else {
            return false;
        };
        let hit = patterns.iter().any(|p| match p {
            ActionPattern::Any => true,
            ActionPattern::Exact(a) => **a == *action,
            ActionPattern::Glob(g) => super::pattern::glob(g, action, false),
        });
        hit != *negated
    }

    /// Whether the statement covers the resource. A statement with no `Resource` (a trust
    /// policy's) covers its own resource.
    pub(crate) fn matches_resource(
        &self,
        resource: &str,
        ctx: &Request,
        buf: &mut Vec<Tok>,
    ) -> bool {
        let Some((negated, patterns)) = &self.resources else {
            return true;
        };
        let hit = patterns.iter().any(|p| {
            if p.is_star() {
                return true;
            }
            if !p.has_vars() {
                if let Some(lit) = p.as_literal() {
                    return lit == resource;
                }
                // `literal*`: a prefix test gives the same answer as the segment-wise match,
                // since the star is last (it either sits in the resource part or the pattern
                // is too short for segments and matches as one glob).
                if let Some(prefix) = p.prefix() {
                    return resource.starts_with(prefix);
                }
                if let Some(tokens) = p.tokens() {
                    return super::arn_glob(tokens, resource);
                }
            }
            p.resolve(ctx, buf).is_some() && super::arn_glob(buf, resource)
        });
        hit != *negated
    }

    /// How the statement's principal element matches the caller, if it does. A statement
    /// without one never matches in a policy that needs one (SEMANTICS M5).
    pub(crate) fn match_principal(&self, caller: &RequestPrincipal) -> Option<PrincipalMatch> {
        let (negated, patterns) = self.principals.as_ref()?;
        if !negated {
            return patterns
                .iter()
                .filter_map(|p| principal_matches(p, caller))
                .max();
        }
        // NotPrincipal. A request carries several identities: its own ARN, the role behind a
        // session, and the account. With `Deny` the statement applies unless every one of
        // them is listed, which is why the docs say to list the account, the role and the
        // session together, and why "all principals except Bob are explicitly denied" even
        // when Bob's account is listed (UG reference_policies_elements_notprincipal). With
        // `Allow` (no longer supported by AWS), it applies only when none is listed.
        let identities = caller_identities(caller);
        let listed =
            |identity: &Identity<'_>| patterns.iter().any(|p| identity_listed(p, identity));
        let applies = match self.effect {
            Effect::Deny => identities.iter().any(|i| !listed(i)),
            Effect::Allow => !identities.iter().any(listed),
        };
        applies.then_some(PrincipalMatch::Direct)
    }

    /// Whether the statement names its principals with `NotPrincipal`.
    pub(crate) fn has_not_principal(&self) -> bool {
        matches!(self.principals, Some((true, _)))
    }

    /// Whether every condition holds; the keys found missing are added to `missing`.
    pub(crate) fn conditions_hold(
        &self,
        ctx: &Request,
        buf: &mut Vec<Tok>,
        missing: &mut BTreeSet<Arc<str>>,
    ) -> bool {
        let mut all = true;
        for c in &self.conditions {
            let mut absent = false;
            let holds = c.holds(ctx, buf, &mut absent);
            if absent {
                missing.insert(Arc::clone(&c.key));
            }
            if !holds {
                all = false;
            }
        }
        all
    }

    /// This statement as a reason.
    pub(crate) fn reason(
        &self,
        policy_type: PolicyType,
        policy: &Arc<str>,
        source: usize,
    ) -> Reason {
        Reason {
            policy_type,
            policy: Arc::clone(policy),
            statement: self.index,
            sid: self.sid.clone(),
            effect: self.effect,
            span: self.span,
            source,
        }
    }

    /// The statement's conditions, for explanations.
    pub(crate) fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// The lower-cased keys of the policy variables (without default) in `Resource` and
    /// the condition values, for explanations.
    pub(crate) fn variables(&self) -> BTreeSet<&str> {
        let resources = self.resources.iter().flat_map(|(_, ps)| ps.iter());
        resources
            .flat_map(Pattern::variables)
            .chain(self.conditions.iter().flat_map(Condition::variables))
            .collect()
    }

    /// A copy without the conditions on `lower_key`: the statement as if the request had a
    /// value for the key that satisfies them (for explanations).
    pub(crate) fn without_conditions_on(&self, lower_key: &str) -> Self {
        let mut out = self.clone();
        out.conditions.retain(|c| &*c.key != lower_key);
        out
    }

    /// For analyses: whether a `Resource`/`NotResource` pattern or a condition value holds a
    /// policy variable.
    pub(crate) fn has_vars(&self) -> bool {
        self.resources
            .iter()
            .flat_map(|(_, ps)| ps.iter())
            .any(Pattern::has_vars)
            || self.conditions.iter().any(Condition::has_vars)
    }

    /// For analyses: the lower-cased keys of every policy variable (with a default or not) in
    /// `Resource`/`NotResource` and the condition values.
    pub(crate) fn variable_keys(&self) -> BTreeSet<&str> {
        let resources = self.resources.iter().flat_map(|(_, ps)| ps.iter());
        resources
            .flat_map(Pattern::variable_keys)
            .chain(self.conditions.iter().flat_map(Condition::variable_keys))
            .collect()
    }

    /// For analyses: the statement with its policy variables grounded (see
    /// [`Pattern::ground`]); a pattern left without text matches nothing and is left out.
    pub(crate) fn ground(&self, value: &dyn Fn(&str) -> Option<String>) -> Self {
        let mut out = self.clone();
        if let Some((_, patterns)) = &mut out.resources {
            *patterns = patterns.iter().filter_map(|p| p.ground(value)).collect();
        }
        out.conditions = self.conditions.iter().map(|c| c.ground(value)).collect();
        out
    }

    /// For analyses: a statement that matches every request this one matches, for any
    /// values of the policy variables: each variable of a `Resource` pattern becomes `*`, a
    /// `NotResource` pattern with a variable is left out, and so is a condition with one.
    pub(crate) fn widened(&self) -> Self {
        let mut out = self.clone();
        if let Some((negated, patterns)) = &mut out.resources {
            if *negated {
                patterns.retain(|p| !p.has_vars());
            } else {
                *patterns = patterns.iter().map(Pattern::widened).collect();
            }
        }
        out.conditions.retain(|c| !c.has_vars());
        out
    }

    /// The `Resource` (`false`) or `NotResource` (`true`) patterns, for analyses; `None` for
    /// a statement without either (a trust policy's).
    pub(crate) fn resource_patterns(&self) -> Option<(bool, &[Pattern])> {
        self.resources.as_ref().map(|(n, ps)| (*n, ps.as_slice()))
    }

    /// For analyses: the statement's `Action`/`NotAction` patterns that can match an action
    /// of the service with this (lower-cased) prefix. An action has one `:`, so a pattern's
    /// text before its first `:` must match the prefix; when none can, the statement covers
    /// every action of the service if `NotAction`, else none.
    pub(crate) fn action_matcher(&self, prefix: &str) -> ActionMatcher<'_> {
        let Some((negated, patterns)) = &self.actions else {
            return ActionMatcher {
                negated: false,
                patterns: Vec::new(),
            };
        };
        let patterns = patterns
            .iter()
            .filter(|p| match p {
                ActionPattern::Any => true,
                ActionPattern::Exact(name) => name.split_once(':').is_none_or(|(s, _)| s == prefix),
                ActionPattern::Glob(tokens) => {
                    match tokens.iter().position(|t| *t == Tok::Ch(':')) {
                        Some(colon) => tokens
                            .get(..colon)
                            .is_some_and(|service| super::pattern::glob(service, prefix, true)),
                        None => true,
                    }
                }
            })
            .collect();
        ActionMatcher {
            negated: *negated,
            patterns,
        }
    }

    /// Whether the statement has a `Principal` or `NotPrincipal`, for analyses.
    pub(crate) fn has_principal(&self) -> bool {
        self.principals.is_some()
    }

    /// Its index in the policy and its `Sid`, for analyses' reasons.
    pub(crate) fn position(&self) -> (usize, Option<&str>) {
        (self.index, self.sid.as_deref())
    }

    /// The condition operators, for explanations.
    pub fn condition_operators(&self) -> impl Iterator<Item = String> + '_ {
        self.conditions.iter().map(|c| c.operator().to_string())
    }
}

/// A statement's action patterns for one service (see [`CompiledStatement::action_matcher`]).
pub(crate) struct ActionMatcher<'s> {
    negated: bool,
    patterns: Vec<&'s ActionPattern>,
}

impl ActionMatcher<'_> {
    /// Whether no pattern can match an action of the service: then every action of it is
    /// covered exactly when the element is `NotAction`.
    pub(crate) fn is_void(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether the element is `NotAction`.
    pub(crate) fn negated(&self) -> bool {
        self.negated
    }

    /// Whether the statement covers the (lower-cased) action of the service, as
    /// [`CompiledStatement::matches_action`] decides.
    pub(crate) fn matches(&self, action: &str) -> bool {
        let hit = self.patterns.iter().any(|p| match p {
            ActionPattern::Any => true,
            ActionPattern::Exact(a) => **a == *action,
            ActionPattern::Glob(g) => super::pattern::glob(g, action, false),
        });
        hit != self.negated
    }
}

/// One of the identities a request carries.
enum Identity<'a> {
    /// The caller's own ARN (user, session, federated user), service or `anonymous`.
    Own(&'a str),
    /// The role behind a role session: account and name.
    Role(&'a str, &'a str),
    /// The caller's account.
    Account(&'a str),
}

fn caller_identities(caller: &RequestPrincipal) -> Vec<Identity<'_>> {
    let mut out = Vec::with_capacity(3);
    if caller.kind != PrincipalKind::Role && caller.kind != PrincipalKind::Root {
        out.push(Identity::Own(&caller.arn));
    }
    if let (PrincipalKind::Role | PrincipalKind::RoleSession, Some(account)) =
        (caller.kind, &caller.account)
    {
        out.push(Identity::Role(account, &caller.name));
    }
    if let Some(account) = &caller.account {
        out.push(Identity::Account(account));
    }
    out
}

fn identity_listed(p: &PrincipalPattern, identity: &Identity<'_>) -> bool {
    match (p, identity) {
        (PrincipalPattern::Any, _) => true,
        (PrincipalPattern::Exact(v) | PrincipalPattern::Federated(v), Identity::Own(arn)) => {
            **v == **arn
        }
        (PrincipalPattern::Role { account, name }, Identity::Role(a, n)) => {
            **account == **a && n.eq_ignore_ascii_case(name)
        }
        (PrincipalPattern::Account(a), Identity::Account(b)) => **a == **b,
        _ => false,
    }
}

fn principal_pattern(kind: Key, value: &str) -> PrincipalPattern {
    if value == "*" && kind == Key::Aws {
        return PrincipalPattern::Any;
    }
    if kind == Key::Federated {
        return PrincipalPattern::Federated(value.into());
    }
    if kind != Key::Aws {
        return PrincipalPattern::Exact(value.into());
    }
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return PrincipalPattern::Account(value.into());
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    if let [_, _, "iam", _, account, resource] = parts.as_slice() {
        if *resource == "root" {
            return PrincipalPattern::Account((*account).into());
        }
        if let Some(path_name) = resource.strip_prefix("role/") {
            let name = path_name.rsplit('/').next().unwrap_or(path_name);
            return PrincipalPattern::Role {
                account: (*account).into(),
                name: name.to_ascii_lowercase().into(),
            };
        }
    }
    PrincipalPattern::Exact(value.into())
}

fn principal_matches(p: &PrincipalPattern, caller: &RequestPrincipal) -> Option<PrincipalMatch> {
    match p {
        PrincipalPattern::Any => Some(PrincipalMatch::Direct),
        PrincipalPattern::Account(a) => (caller.account.as_deref() == Some(&**a)
            && caller.kind != PrincipalKind::Service)
            .then_some(PrincipalMatch::Account),
        PrincipalPattern::Role { account, name } => (matches!(
            caller.kind,
            PrincipalKind::Role | PrincipalKind::RoleSession
        ) && caller.account.as_deref()
            == Some(&**account)
            && caller.name.eq_ignore_ascii_case(name))
        .then_some(PrincipalMatch::Role),
        // User names in principal ARNs are case-sensitive (UG reference_policies_elements_principal).
        PrincipalPattern::Exact(v) => {
            (**v == caller.arn && !caller.kind.is_federation()).then_some(PrincipalMatch::Direct)
        }
        PrincipalPattern::Federated(v) => {
            (caller.kind.is_federation() && **v == caller.arn).then_some(PrincipalMatch::Direct)
        }
    }
}
