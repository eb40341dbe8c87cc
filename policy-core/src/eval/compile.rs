//! Policies compiled for evaluation: lower-cased action patterns, resource patterns with
//! variables, principal matchers and conditions read once.

use super::condition::Condition;
use super::pattern::{Pattern, Tok};
use super::{PolicyType, PrincipalMatch, Reason};
use crate::ast::{Effect, Policy, Principal, PrincipalKind as Key, Statement};
use crate::request::{Context, PrincipalKind, RequestPrincipal};
use crate::source::Span;

/// A policy ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    /// Its name, for explanations.
    pub name: String,
    /// Which source its spans refer to (the caller's numbering).
    pub source: usize,
    /// Its statements.
    pub statements: Vec<CompiledStatement>,
}

/// One statement ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledStatement {
    index: usize,
    sid: Option<String>,
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
    /// A user, a role session, a federated user, a service, a provider or a canonical user,
    /// named exactly.
    Exact(Box<str>),
}

impl CompiledPolicy {
    /// Compiles a parsed policy. Statements without a valid `Effect` or `Action` are left out
    /// (they are parse errors and can never match).
    pub fn new(policy: &Policy, name: &str, source: usize) -> Self {
        let variables = policy.has_variables();
        CompiledPolicy {
            name: name.to_string(),
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
            sid: s.sid.as_ref().map(|n| n.node.clone()),
            effect,
            span: s.span,
            actions: Some((action.negated, actions)),
            resources,
            principals,
            conditions,
        })
    }

    /// Whether the statement covers the action (given lower-cased).
    pub(crate) fn matches_action(&self, action: &str) -> bool {
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
        ctx: &Context,
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
            }
            p.resolve(ctx, buf).is_some() && super::arn_glob(buf, resource)
        });
        hit != *negated
    }

    /// How the statement's principal element matches the caller, if it does. A statement
    /// without one never matches in a policy that needs one (SEMANTICS M5).
    pub(crate) fn match_principal(&self, caller: &RequestPrincipal) -> Option<PrincipalMatch> {
        let (negated, patterns) = self.principals.as_ref()?;
        let best = patterns
            .iter()
            .filter_map(|p| principal_matches(p, caller))
            .max();
        match (negated, best) {
            (false, m) => m,
            // NotPrincipal: everyone not listed (an account excludes all of its principals).
            (true, None) => Some(PrincipalMatch::Direct),
            (true, Some(_)) => None,
        }
    }

    /// Whether every condition holds; the keys found missing are added to `missing`.
    pub(crate) fn conditions_hold(
        &self,
        ctx: &Context,
        buf: &mut Vec<Tok>,
        missing: &mut Vec<String>,
    ) -> bool {
        let mut all = true;
        for c in &self.conditions {
            let mut absent = false;
            let holds = c.holds(ctx, buf, &mut absent);
            if absent {
                missing.push(c.key.to_string());
            }
            if !holds {
                all = false;
            }
        }
        all
    }

    /// This statement as a reason.
    pub(crate) fn reason(&self, policy_type: PolicyType, policy: &str, source: usize) -> Reason {
        Reason {
            policy_type,
            policy: policy.to_string(),
            statement: self.index,
            sid: self.sid.clone(),
            effect: self.effect,
            span: self.span,
            source,
        }
    }

    /// The condition operators, for explanations.
    pub fn condition_operators(&self) -> impl Iterator<Item = String> + '_ {
        self.conditions.iter().map(|c| c.operator().to_string())
    }
}

fn principal_pattern(kind: Key, value: &str) -> PrincipalPattern {
    if value == "*" && kind == Key::Aws {
        return PrincipalPattern::Any;
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
        PrincipalPattern::Exact(v) => (**v == caller.arn).then_some(PrincipalMatch::Direct),
    }
}
