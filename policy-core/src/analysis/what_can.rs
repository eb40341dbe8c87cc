//! `what_can`: the effective permissions of one principal of a [`Snapshot`], by service and
//! access level, on the resource patterns its policies name (issue 13).
//!
//! Effective means identity ∩ boundary ∩ SCPs, minus explicit denies (IAM UG
//! `reference_policies_evaluation-logic`), plus what the snapshot's resource policies grant
//! the principal; RCPs and resource policies are applied on the resource a grant names where
//! the snapshot holds it.
//!
//! Actions are taken in classes: the actions of the embedded IAM reference that every
//! statement of the principal's policies treats alike (the same statements cover them, and
//! they agree on whether they name resources) are decided once. For a class, each `Resource`
//! pattern of an allowing statement is a *grant*, read exactly with the glob languages of
//! `analysis::lang`:
//!
//! - an unconditional `Deny` whose resources cover the whole pattern removes it; one that
//!   covers part of it is listed in [`ResourceGrant::except`];
//! - each guardrail (the boundary, each SCP level) must allow: when no unconditional allowing
//!   pattern of it covers the whole grant, the patterns that meet the grant are a
//!   [`ResourceGrant::within`] set (the resource must match one of them); when none meets it,
//!   the grant is gone.
//!
//! So, for unconditional policies and resources in the principal's account, a resource `r` is
//! allowed exactly when some grant's pattern matches it, it matches one pattern of every
//! `within` set and no `except` pattern (the property test `what_can` checks this against
//! [`PolicySet::evaluate`]). Each grant is then confirmed by the evaluator on a witness
//! resource (a shortest ARN in the grant, its `within` sets and outside its `except`
//! patterns), which also gives its statements and the residual condition, as [`who_can`]
//! computes it: conditions on keys the snapshot does not fix are never assumed.
//!
//! [`who_can`]: super::who_can::who_can

use std::collections::BTreeMap;
use std::sync::Arc;

use super::lang::{find, Glob, Search};
use super::who_can::{
    decide, principal_context, resolve, CallerType, Decided, Fixed, Prepared, Residual,
};
use crate::account::{Gap, Principal, Snapshot};
use crate::ast::{Effect, PolicyKind};
use crate::eval::pattern::Tok;
use crate::eval::{CompiledPolicy, CompiledStatement, Decision, Level, PolicySet, Reason};
use crate::request::{PrincipalKind as CallerKind, Request, RequestPrincipal};
use crate::service_ref::ServiceRef;

/// Product states [`find`] may explore per question before giving up.
const BUDGET: usize = 20_000;

/// The effective permissions of a principal.
#[derive(Debug, Clone, Default)]
pub struct WhatCan {
    /// The principal's ARN.
    pub principal: String,
    /// Allowed actions, by service and access level, sorted.
    pub grants: Vec<ActionGrant>,
    /// References the snapshot could not resolve: the answer may miss what they allow (or
    /// deny).
    pub gaps: Vec<Gap>,
    /// How many actions of the reference were considered.
    pub actions_checked: usize,
    /// How many action classes were decided.
    pub classes: usize,
}

/// A class of actions of one service and access level, and where they are allowed.
#[derive(Debug, Clone)]
pub struct ActionGrant {
    /// The service prefix (`s3`).
    pub service: String,
    /// The access level (`List`, `Read`, `Write`, `Permissions management`, `Tagging`).
    pub access_level: String,
    /// The actions (`s3:GetObject`), sorted.
    pub actions: Vec<String>,
    /// Where they are allowed.
    pub resources: Vec<ResourceGrant>,
}

/// A resource pattern on which a class of actions is allowed.
#[derive(Debug, Clone)]
pub struct ResourceGrant {
    /// The allowing statement's pattern (variables resolved for the principal), or `*` for
    /// actions that take no resource.
    pub pattern: String,
    /// Each set: the resource must also be in one of its areas (a guardrail, or a `Deny`
    /// with `NotResource`, that covers only part of `pattern`).
    pub within: Vec<Vec<Area>>,
    /// Resources matching one of these are denied (unconditional `Deny` statements covering
    /// part of `pattern`, or `NotResource` of the allowing statement).
    pub except: Vec<String>,
    /// The statements that allowed (on the witness resource).
    pub reasons: Vec<Reason>,
    /// The conditions still open.
    pub residual: Residual,
    /// The resource the evaluator allowed to confirm the grant.
    pub witness: String,
}

/// Resources matching `pattern` and none of `except` (a `Resource` pattern, or `*` minus a
/// `NotResource` list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    /// The pattern.
    pub pattern: String,
    /// Patterns cut out of it.
    pub except: Vec<String>,
}

/// The effective permissions of `principal` (a user or role ARN; a role session's ARN finds
/// its role), restricted to one service prefix when `service` is given. `None` when the
/// snapshot has no such principal.
pub fn what_can(snapshot: &Snapshot, principal: &str, service: Option<&str>) -> Option<WhatCan> {
    let principal = snapshot.principal(principal)?;
    let account = principal.account();
    let caller = Arc::new(RequestPrincipal::parse(principal.arn()).ok()?);
    let (identity, boundary, mut gaps) = resolve(snapshot, principal);
    let scps = match snapshot.org_levels(&account.id, PolicyKind::Scp) {
        Ok(levels) => levels,
        Err(g) => {
            gaps.push(g);
            Vec::new()
        }
    };
    let management = snapshot
        .organization
        .as_ref()
        .and_then(|o| o.management_account.clone());
    let scps_apply = !scps.is_empty()
        && !caller.service_linked
        && management.as_deref() != Some(account.id.as_str());
    let kind = match principal {
        Principal::User(..) => CallerKind::User,
        Principal::Role(..) => CallerKind::Role,
    };
    let context = principal_context(snapshot, principal, &crate::request::Context::new());
    let fixed = || Fixed::for_snapshot(snapshot, account, kind, &crate::request::Context::new());

    // Every policy compiled once, for the class signatures.
    let identity_c: Vec<CompiledPolicy> = identity.iter().map(|d| d.compile()).collect();
    let boundary_c = boundary.map(crate::account::PolicyDoc::compile);
    // Resource policies grant the principal only through statements whose `Principal` names
    // it (or its account, or `*`); the others can neither grant it anything nor split its
    // classes, so they are left out here (the witness check reads the whole policy).
    let resource_c: Vec<(String, CompiledPolicy)> = snapshot
        .accounts
        .values()
        .flat_map(|a| a.resources.values())
        .map(|r| {
            let mut p = r.document.compile();
            p.statements
                .retain(|s| s.has_not_principal() || s.match_principal(&caller).is_some());
            (r.arn.clone(), p)
        })
        .filter(|(_, p)| !p.statements.is_empty())
        .collect();
    let all: Vec<&CompiledStatement> = identity_c
        .iter()
        .chain(boundary_c.iter())
        .chain(scps.iter().flat_map(|l| l.policies.iter()))
        .chain(resource_c.iter().map(|(_, p)| p))
        .flat_map(|p| p.statements.iter())
        .collect();
    let grants_any: Vec<&CompiledStatement> = identity_c
        .iter()
        .chain(resource_c.iter().map(|(_, p)| p))
        .flat_map(|p| p.statements.iter())
        .filter(|s| s.effect == Effect::Allow)
        .collect();

    let reference = ServiceRef::get();
    let mut out = WhatCan {
        principal: principal.arn().to_string(),
        ..WhatCan::default()
    };
    // Classes: (signature) → actions.
    let mut classes: BTreeMap<ClassKey, Vec<ClassAction>> = BTreeMap::new();
    for svc in reference.services() {
        let prefix = svc.prefix();
        if service.is_some_and(|s| !s.eq_ignore_ascii_case(prefix)) {
            continue;
        }
        let lower_prefix = prefix.to_ascii_lowercase();
        // Each statement's action patterns that can match this service, read once.
        let grant_matchers: Vec<_> = grants_any
            .iter()
            .map(|s| s.action_matcher(&lower_prefix))
            .collect();
        let matchers: Vec<_> = all
            .iter()
            .map(|s| s.action_matcher(&lower_prefix))
            .collect();
        for action in svc.actions() {
            out.actions_checked += 1;
            let name = action.full_name();
            let lower = name.to_ascii_lowercase();
            if !grant_matchers.iter().any(|m| m.matches(&lower)) {
                continue;
            }
            let signature: Vec<bool> = matchers.iter().map(|m| m.matches(&lower)).collect();
            // Actions the evaluator treats apart by name: trust-policy requests, and those
            // that need no permission.
            let special = lower.starts_with("sts:assumerole")
                || crate::request::is_session_permission(&lower)
                || crate::eval::PERMISSIONLESS.contains(&lower.as_str());
            classes
                .entry((
                    lower_prefix.clone(),
                    signature,
                    action.accepts_only_wildcard_resource(),
                    special.then_some(lower.clone()),
                ))
                .or_default()
                .push((
                    prefix.to_string(),
                    action.access_level().as_str().to_string(),
                    name,
                ));
        }
    }
    out.classes = classes.len();
    let mut by_level: BTreeMap<(String, String, Vec<String>), Vec<ResourceGrant>> = BTreeMap::new();
    for ((_, _, wildcard_only, _), actions) in classes {
        let Some((_, _, representative)) = actions.first() else {
            continue;
        };
        let lower = representative.to_ascii_lowercase();
        let grants = decide_class(&ClassInput {
            snapshot,
            principal,
            caller: &caller,
            context: &context,
            action: representative,
            action_lower: &lower,
            wildcard_only,
            identity: &identity_c,
            boundary: boundary_c.as_ref(),
            scps: if scps_apply { &scps } else { &[] },
            all_scps: &scps,
            management: management.as_ref(),
            resources: &resource_c,
            fixed: &fixed,
        });
        if grants.is_empty() {
            continue;
        }
        // Split the class by access level.
        let mut split: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for (service, level, name) in &actions {
            split
                .entry((service.clone(), level.clone()))
                .or_default()
                .push(name.clone());
        }
        for ((service, level), names) in split {
            by_level
                .entry((service, level, names))
                .or_default()
                .extend(grants.iter().cloned());
        }
    }
    // Merge classes of the same service and level whose grants render the same.
    for ((service, access_level, mut actions), resources) in by_level {
        actions.sort();
        out.grants.push(ActionGrant {
            service,
            access_level,
            actions,
            resources,
        });
    }
    out.grants.sort_by(|a, b| {
        (&a.service, &a.access_level, &a.actions).cmp(&(&b.service, &b.access_level, &b.actions))
    });
    gaps.sort();
    gaps.dedup();
    out.gaps = gaps;
    Some(out)
}

/// What makes two actions one class: the service (RCP coverage and key policies are per
/// service), which statements cover them, whether they take no resource, and the name of an
/// action the evaluator treats apart.
type ClassKey = (String, Vec<bool>, bool, Option<String>);

/// An action of a class: service prefix, access level, name.
type ClassAction = (String, String, String);

/// What deciding one class needs.
struct ClassInput<'a, 's, F: Fn() -> Fixed> {
    snapshot: &'s Snapshot,
    principal: Principal<'s>,
    caller: &'a Arc<RequestPrincipal>,
    context: &'a crate::request::Context,
    action: &'a str,
    action_lower: &'a str,
    wildcard_only: bool,
    identity: &'a [CompiledPolicy],
    boundary: Option<&'a CompiledPolicy>,
    /// The SCP levels that apply (empty when none do).
    scps: &'a [Level],
    /// Every SCP level (for the evaluator, which decides itself whether they apply).
    all_scps: &'a [Level],
    management: Option<&'a String>,
    resources: &'a [(String, CompiledPolicy)],
    fixed: &'a F,
}

/// A pattern's glob, tokens resolved for the request.
struct Pat {
    text: String,
    glob: Glob,
}

fn pat(tokens: &[Tok]) -> Pat {
    let text = tokens
        .iter()
        .map(|t| match t {
            Tok::Ch(c) => *c,
            Tok::Star => '*',
            Tok::One => '?',
        })
        .collect();
    Pat {
        text,
        glob: Glob::arn(tokens),
    }
}

/// The statement's `Resource` (false) or `NotResource` (true) patterns resolved for the
/// request; `None` for a statement without either. A pattern whose variable has no value
/// matches nothing and is left out.
fn patterns(s: &CompiledStatement, request: &Request) -> Option<(bool, Vec<Pat>)> {
    let (negated, ps) = s.resource_patterns()?;
    let mut buf = Vec::new();
    let out = ps
        .iter()
        .filter_map(|p| {
            if let Some(t) = p.tokens() {
                return Some(pat(t));
            }
            p.resolve(request, &mut buf).map(|()| pat(&buf))
        })
        .collect();
    Some((negated, out))
}

/// Whether a statement's conditions on fixed keys hold and it has none on open keys.
fn unconditional(s: &CompiledStatement, request: &Request, fixed: &Fixed) -> bool {
    if fixed.is_conditional(s) {
        return false;
    }
    let mut buf = Vec::new();
    let mut missing = std::collections::BTreeSet::new();
    s.conditions_hold(request, &mut buf, &mut missing)
}

/// Whether `a` meets `b` (some string both accept); unknown (budget) counts as meeting.
fn meets(a: &Glob, b: &Glob) -> bool {
    !matches!(find(&[a, b], &[], BUDGET), Search::Empty)
}

/// Whether `a ⊆ b`; unknown counts as not covered.
fn covers(b: &Glob, a: &Glob) -> bool {
    matches!(find(&[a], &[b], BUDGET), Search::Empty)
}

fn decide_class<F: Fn() -> Fixed>(input: &ClassInput<'_, '_, F>) -> Vec<ResourceGrant> {
    let fixed = (input.fixed)();
    let probe = Request::new(
        Arc::clone(input.caller),
        input.action,
        "*",
        Some(input.principal.account().id.clone()),
        input.context.clone(),
    );
    let identity: Vec<CompiledPolicy> = input
        .identity
        .iter()
        .map(|p| filter(p, input.action_lower))
        .collect();
    let boundary = input.boundary.map(|p| filter(p, input.action_lower));
    let scps = filter_levels(input.all_scps, input.action_lower);
    let applying_scps = filter_levels(input.scps, input.action_lower);
    let resources: Vec<(&str, CompiledPolicy)> = input
        .resources
        .iter()
        .map(|(arn, p)| (arn.as_str(), filter(p, input.action_lower)))
        .filter(|(_, p)| !p.statements.is_empty())
        .collect();

    // Grants: identity allows, and resource-policy allows whose principal names the caller.
    let mut grants: Vec<(Pat, Vec<Pat>)> = Vec::new();
    let mut add_grant = |s: &CompiledStatement| {
        if s.effect != Effect::Allow {
            return;
        }
        if input.wildcard_only {
            grants.push((pat(&[Tok::Star]), Vec::new()));
            return;
        }
        match patterns(s, &probe) {
            Some((false, ps)) => grants.extend(ps.into_iter().map(|p| (p, Vec::new()))),
            Some((true, ps)) => grants.push((pat(&[Tok::Star]), ps)),
            None => {}
        }
    };
    for p in &identity {
        p.statements.iter().for_each(&mut add_grant);
    }
    for (_, p) in &resources {
        for s in &p.statements {
            if s.match_principal(input.caller).is_some() {
                add_grant(s);
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    grants.retain(|(p, except)| {
        seen.insert((
            p.text.clone(),
            except.iter().map(|e| e.text.clone()).collect::<Vec<_>>(),
        ))
    });

    // Unconditional denies of the identity side, boundary and applying SCPs.
    let mut denies: Vec<(bool, Vec<Pat>)> = Vec::new();
    for p in identity
        .iter()
        .chain(boundary.iter())
        .chain(applying_scps.iter().flat_map(|l| l.policies.iter()))
    {
        for s in &p.statements {
            if s.effect == Effect::Deny && unconditional(s, &probe, &fixed) {
                if let Some(ps) = patterns(s, &probe) {
                    denies.push(ps);
                }
            }
        }
    }
    // Guardrails: the boundary, each applying SCP level.
    let mut guardrails: Vec<Vec<(bool, bool, Vec<Pat>)>> = Vec::new();
    let collect = |ps: &[&CompiledPolicy]| {
        ps.iter()
            .flat_map(|p| p.statements.iter())
            .filter(|s| s.effect == Effect::Allow)
            .filter_map(|s| {
                patterns(s, &probe).map(|(neg, ps)| (neg, unconditional(s, &probe, &fixed), ps))
            })
            .collect::<Vec<_>>()
    };
    if let Some(b) = &boundary {
        guardrails.push(collect(&[b]));
    }
    for level in &applying_scps {
        guardrails.push(collect(&level.policies.iter().collect::<Vec<_>>()));
    }

    let base = PolicySet {
        identity,
        boundary,
        scps,
        management_account: input.management.cloned(),
        ..PolicySet::default()
    };
    let mut out = Vec::new();
    'grant: for (grant, not_resource) in grants {
        let mut except: Vec<Pat> = not_resource;
        let mut within: Vec<Vec<(Pat, Vec<Pat>)>> = Vec::new();
        if !input.wildcard_only {
            for (negated, ps) in &denies {
                if *negated {
                    // Denied outside these: the grant holds only within them.
                    if ps.iter().all(|p| !meets(&grant.glob, &p.glob)) {
                        continue 'grant;
                    }
                    if !ps.iter().any(|p| covers(&p.glob, &grant.glob)) {
                        within.push(ps.iter().map(|p| (pat_clone(p), Vec::new())).collect());
                    }
                    continue;
                }
                for p in ps {
                    if covers(&p.glob, &grant.glob) {
                        continue 'grant;
                    }
                    if meets(&grant.glob, &p.glob) {
                        except.push(pat_clone(p));
                    }
                }
            }
            for level in &guardrails {
                let mut meeting: Vec<(Pat, Vec<Pat>)> = Vec::new();
                let mut covered = false;
                for (negated, unconditional, ps) in level {
                    if *negated {
                        // An allow with NotResource: every resource but the listed ones.
                        if ps.iter().all(|p| !meets(&grant.glob, &p.glob)) {
                            covered |= *unconditional;
                        }
                        if !ps.iter().any(|p| covers(&p.glob, &grant.glob)) {
                            meeting.push((pat(&[Tok::Star]), ps.iter().map(pat_clone).collect()));
                        }
                        continue;
                    }
                    for p in ps {
                        if *unconditional && covers(&p.glob, &grant.glob) {
                            covered = true;
                        }
                        if meets(&grant.glob, &p.glob) {
                            meeting.push((pat_clone(p), Vec::new()));
                        }
                    }
                }
                if covered {
                    continue;
                }
                if meeting.is_empty() {
                    continue 'grant;
                }
                within.push(meeting);
            }
        }
        // A witness: in the grant, in the first pattern of every `within` set, outside the
        // `except` patterns (one per `within` set is enough to confirm).
        let witness = if input.wildcard_only {
            "*".to_string()
        } else {
            match witness(&grant, &except, &within) {
                Search::Found(w) => w,
                Search::Empty => continue,
                Search::GaveUp => grant.text.clone(),
            }
        };
        let owner = input.snapshot.resource_owner(&witness);
        let resource_account = owner
            .map(|a| a.id.clone())
            .or_else(|| crate::request::arn_account(&witness).map(str::to_string))
            .or_else(|| Some(input.principal.account().id.clone()));
        let mut set = base.clone();
        let trust = crate::request::is_trust_policy_request(input.action, &witness);
        set.resource = input
            .snapshot
            .resource_policy(&witness, trust)
            .map(|d| filter(&d.compile(), input.action_lower));
        if let Some(a) = resource_account.as_deref() {
            if let Ok(levels) = input.snapshot.org_levels(a, PolicyKind::Rcp) {
                set.rcps = filter_levels(&levels, input.action_lower);
            }
        }
        let prepared = Prepared::new(&set, (input.fixed)());
        let request = Request::new(
            Arc::clone(input.caller),
            input.action,
            witness.clone(),
            resource_account,
            input.context.clone(),
        );
        let caller = Decided {
            name: input.principal.arn().to_string(),
            caller_type: CallerType::User,
            account: None,
            needs_own_policies: false,
            gaps: Vec::new(),
        };
        let Some(entry) = decide(&prepared, &request, caller) else {
            continue;
        };
        if entry.decision != Decision::Allowed {
            continue;
        }
        out.push(ResourceGrant {
            pattern: grant.text,
            within: within
                .into_iter()
                .map(|w| {
                    w.into_iter()
                        .map(|(p, cut)| Area {
                            pattern: p.text,
                            except: cut.into_iter().map(|c| c.text).collect(),
                        })
                        .collect()
                })
                .collect(),
            except: except.into_iter().map(|p| p.text).collect(),
            reasons: entry.reasons,
            residual: entry.residual,
            witness,
        });
    }
    out
}

/// The most combinations of areas (one per `within` set) tried for a witness.
const MAX_COMBINATIONS: usize = 256;

/// A resource in the grant, in one area of every `within` set, outside the `except`
/// patterns: a shortest one for the first combination of areas that has one.
fn witness(grant: &Pat, except: &[Pat], within: &[Vec<(Pat, Vec<Pat>)>]) -> Search {
    let mut choice = vec![0usize; within.len()];
    let mut gave_up = false;
    for _ in 0..MAX_COMBINATIONS {
        let mut must: Vec<&Glob> = vec![&grant.glob];
        let mut must_not: Vec<&Glob> = except.iter().map(|p| &p.glob).collect();
        for (set, &i) in within.iter().zip(&choice) {
            if let Some((area, cut)) = set.get(i) {
                must.push(&area.glob);
                must_not.extend(cut.iter().map(|p| &p.glob));
            }
        }
        match find(&must, &must_not, BUDGET) {
            Search::Found(w) => return Search::Found(w),
            Search::GaveUp => gave_up = true,
            Search::Empty => {}
        }
        // The next combination (odometer order); done after the last.
        let mut k = 0;
        loop {
            let (Some(c), Some(set)) = (choice.get_mut(k), within.get(k)) else {
                return if gave_up {
                    Search::GaveUp
                } else {
                    Search::Empty
                };
            };
            *c += 1;
            if *c < set.len() {
                break;
            }
            *c = 0;
            k += 1;
        }
    }
    Search::GaveUp
}

fn pat_clone(p: &Pat) -> Pat {
    Pat {
        text: p.text.clone(),
        glob: p.glob.clone(),
    }
}

fn filter_levels(levels: &[Level], action: &str) -> Vec<Level> {
    levels
        .iter()
        .map(|l| Level {
            target: l.target.clone(),
            policies: l.policies.iter().map(|p| filter(p, action)).collect(),
        })
        .collect()
}

fn filter(p: &CompiledPolicy, action: &str) -> CompiledPolicy {
    CompiledPolicy {
        name: Arc::clone(&p.name),
        source: p.source,
        statements: p
            .statements
            .iter()
            .filter_map(|s| s.for_action(action))
            .collect(),
    }
}
