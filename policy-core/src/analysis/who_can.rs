//! `who_can`: every principal of a [`Snapshot`] (and every outside caller its resource or
//! trust policy names) that is allowed an action on a resource, why, and under which
//! conditions the query did not fix (issue 13).
//!
//! Each caller is decided by the evaluator ([`PolicySet::evaluate`]) on the policies the
//! snapshot gives it ([`Snapshot::policy_set`]'s layers). A condition whose key the query
//! does not fix (not in the query's context, not derived from the caller, not one of the
//! caller's known tags) is never assumed: the caller is decided three times,
//!
//! 1. *optimistic*: every such condition of an `Allow` holds, no `Deny` that tests one
//!    applies. Not allowed here: not allowed under any value of those keys.
//! 2. *pessimistic*: no `Allow` that tests one applies. Allowed here: allowed whatever those
//!    keys are (but for the conditional `Deny`s of step 3).
//! 3. *denies*: every `Deny` that tests one applies (its other conditions still checked): the
//!    ones that match are the caller's `unless` list.
//!
//! Between 1 and 2, the residual condition is found exactly over statements: the smallest
//! sets of conditional `Allow` statements (among those the optimistic answer used) that,
//! when their conditions hold, allow the request (decided by the evaluator too). The
//! residual is "one of these sets' conditions all hold, and no `unless` statement's
//! conditions all hold".
//!
//! Same-account and cross-account logic is the evaluator's: a principal of another account of
//! the snapshot needs its own identity policy as well as the resource policy (IAM UG
//! `reference_policies_evaluation-logic-cross-account`). A resource policy naming an account
//! the snapshot does not hold is answered for "any principal of that account its own policies
//! allow" (decided with an identity policy that allows everything, flagged
//! [`Entry::needs_own_policies`]); `*` adds anonymous callers and any principal of any other
//! account.
//!
//! Scale: the policies are filtered once per action (a statement whose `Action` does not
//! cover it can never match, [`CompiledStatement::matches_action`]), each managed policy is
//! compiled once, and principals with the same policies (account, kind, managed and inline
//! documents, boundary) share their prepared policy sets.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::account::{Account, Gap, PolicyDoc, Principal, Snapshot};
use crate::ast::{Effect, PolicyKind, PrincipalKind as PrincipalKey};
use crate::eval::{
    CompiledPolicy, CompiledStatement, Decision, Level, PolicySet, PolicyType, Reason, Response,
};
use crate::request::{
    is_trust_policy_request, Context, PrincipalKind as CallerKind, Request, RequestPrincipal,
};

/// The question: who may do these actions on this resource, with this context.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Actions (`s3:GetObject`); each is answered separately.
    pub actions: Vec<String>,
    /// The resource ARN (or `*`).
    pub resource: String,
    /// Context keys the question fixes (`aws:SourceIp`, ...); every other key is left open.
    pub context: Context,
}

/// The answer: every caller allowed (or whose answer depends on a gap), by action.
#[derive(Debug, Clone, Default)]
pub struct WhoCan {
    /// Allowed callers (and incomplete answers), sorted by action, then caller kind and name.
    pub entries: Vec<Entry>,
    /// How many principals of the snapshot were decided (per action).
    pub principals_checked: usize,
    /// How many outside callers (accounts, services, anonymous, ...) were decided (per action).
    pub outside_checked: usize,
    /// Principal values of the resource policy that name no caller iampol can decide
    /// (`CanonicalUser` ids, malformed values).
    pub unresolved_principals: Vec<String>,
}

/// What kind of caller an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CallerType {
    /// An IAM user of the snapshot.
    User,
    /// An IAM role of the snapshot (its sessions act with its policies).
    Role,
    /// A user, role or session of an account the snapshot does not hold, named by ARN.
    OutsidePrincipal,
    /// Any principal of an account the snapshot does not hold, as far as that account's
    /// own policies allow.
    Account,
    /// Any principal of any account other than the resource's (`"*"`), as far as its own
    /// account's policies allow.
    AnyAccount,
    /// An AWS service principal.
    Service,
    /// A web identity or SAML caller of an identity provider.
    Federated,
    /// An unsigned request.
    Anonymous,
}

impl CallerType {
    /// The name in output (`user`, `role`, `outside-principal`, `account`, `any-account`,
    /// `service`, `federated`, `anonymous`).
    pub fn as_str(self) -> &'static str {
        match self {
            CallerType::User => "user",
            CallerType::Role => "role",
            CallerType::OutsidePrincipal => "outside-principal",
            CallerType::Account => "account",
            CallerType::AnyAccount => "any-account",
            CallerType::Service => "service",
            CallerType::Federated => "federated",
            CallerType::Anonymous => "anonymous",
        }
    }
}

/// One caller's answer for one action.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The action.
    pub action: String,
    /// The caller: an ARN, an account id, a service principal, a provider, or `*`.
    pub caller: String,
    /// What kind of caller.
    pub caller_type: CallerType,
    /// The caller's account, when it has one.
    pub account: Option<String>,
    /// `Allowed` (perhaps under the residual), or the decision of the known policies when the
    /// entry is listed only because it is incomplete.
    pub decision: Decision,
    /// The statements that allowed: those of the unconditional answer, or of the optimistic
    /// one when the allow needs a residual condition.
    pub reasons: Vec<Reason>,
    /// The conditions still open.
    pub residual: Residual,
    /// The answer assumes the caller's own account allows it (identity policy, boundary,
    /// SCPs), which the snapshot does not hold.
    pub needs_own_policies: bool,
    /// References the snapshot could not resolve that the answer depends on.
    pub gaps: Vec<Gap>,
}

impl Entry {
    /// Whether the caller is allowed with no condition left open.
    pub fn is_unconditional(&self) -> bool {
        self.decision == Decision::Allowed && self.residual.is_empty()
    }
}

/// The conditions left open: allowed when, for one of `any_of`, every statement's conditions
/// hold, and no statement of `unless` has all its conditions hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Residual {
    /// Alternatives; empty when the allow needs no open condition.
    pub any_of: Vec<Alternative>,
    /// Conditional `Deny` statements that match the request but for conditions the query
    /// left open.
    pub unless: Vec<ConditionalStatement>,
    /// More conditional statements than iampol enumerates ([`MAX_ALTERNATIVE_STATEMENTS`]):
    /// `any_of` holds one sufficient alternative (all of them), not every minimal one.
    pub truncated: bool,
}

impl Residual {
    /// Whether nothing is left open.
    pub fn is_empty(&self) -> bool {
        self.any_of.is_empty() && self.unless.is_empty()
    }
}

/// One way to be allowed: every statement's conditions hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    /// The statements whose open conditions must all hold.
    pub all_of: Vec<ConditionalStatement>,
}

/// A statement and its conditions the query left open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionalStatement {
    /// The statement.
    pub statement: Reason,
    /// Its open conditions (every one must hold for the statement to apply).
    pub conditions: Vec<OpenCondition>,
}

/// A condition as written, on a key the query left open.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpenCondition {
    /// The operator (`IpAddress`, `ForAnyValue:StringLike`, `BoolIfExists`).
    pub operator: String,
    /// The key as written.
    pub key: String,
    /// The policy values as written.
    pub values: Vec<String>,
}

/// The most conditional `Allow` statements whose subsets are searched for minimal
/// alternatives (2^8 evaluations at most per caller and action).
pub const MAX_ALTERNATIVE_STATEMENTS: usize = 8;

/// Answers a query over the snapshot.
pub fn who_can(snapshot: &Snapshot, query: &Query) -> WhoCan {
    let mut out = WhoCan::default();
    let principals: Vec<Principal<'_>> = snapshot.principals().collect();
    let groups = group_principals(snapshot, &principals);
    let resource_owner = snapshot.resource_owner(&query.resource);
    let resource_account = resource_owner
        .map(|a| a.id.clone())
        .or_else(|| crate::request::arn_account(&query.resource).map(str::to_string));
    let management_account = snapshot
        .organization
        .as_ref()
        .and_then(|o| o.management_account.clone());
    let mut scps: HashMap<&str, Result<Vec<Level>, Gap>> = HashMap::new();
    for account in snapshot.accounts.keys() {
        scps.insert(account, snapshot.org_levels(account, PolicyKind::Scp));
    }
    let rcps = resource_account
        .as_deref()
        .map_or(Ok(Vec::new()), |a| snapshot.org_levels(a, PolicyKind::Rcp));
    let outside = outside_callers(snapshot, query, &mut out.unresolved_principals);
    for action in &query.actions {
        let action_lower = action.to_ascii_lowercase();
        let trust = is_trust_policy_request(action, &query.resource);
        let mut cache = Filtered::new(&action_lower);
        let resource_policy = snapshot
            .resource_policy(&query.resource, trust)
            .map(|d| cache.doc(d));
        let (rcp_levels, rcp_gap) = match &rcps {
            Ok(levels) => (cache.levels(levels), None),
            Err(g) => (Vec::new(), Some(g.clone())),
        };
        let base = PolicySet {
            resource: resource_policy,
            rcps: rcp_levels,
            management_account: management_account.clone(),
            ..PolicySet::default()
        };
        // Every document compiled (and filtered) once, then shared by the workers.
        for group in &groups {
            for doc in group.identity.iter().chain(group.boundary.iter()) {
                cache.doc(doc);
            }
        }
        let filtered_scps: HashMap<&str, Result<Vec<Level>, Gap>> = scps
            .iter()
            .map(|(a, l)| {
                (
                    *a,
                    l.as_ref().map(|l| cache.levels(l)).map_err(Clone::clone),
                )
            })
            .collect();
        let shared = Shared {
            snapshot,
            query,
            action,
            cache: &cache,
            base: &base,
            rcp_gap: rcp_gap.as_ref(),
            scps: &filtered_scps,
            resource_account: resource_account.as_deref(),
        };
        let workers = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .clamp(1, 8)
            .min(groups.len().max(1));
        let results: Vec<(usize, Vec<Entry>)> = if workers <= 1 {
            vec![decide_groups(&shared, groups.iter())]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers)
                    .map(|w| {
                        let shared = &shared;
                        let groups = &groups;
                        scope.spawn(move || {
                            decide_groups(shared, groups.iter().skip(w).step_by(workers))
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_default())
                    .collect()
            })
        };
        for (checked, entries) in results {
            out.principals_checked += checked;
            out.entries.extend(entries);
        }
        for caller in &outside {
            out.outside_checked += 1;
            let mut set = base.clone();
            if caller.needs_own_policies {
                set.identity.push(allow_everything());
            }
            let fixed = Fixed::for_outside(caller.caller_type, &caller.request, &query.context);
            let prepared = Prepared::new(&set, fixed);
            let request = Request::new(
                Arc::clone(&caller.request),
                action,
                query.resource.clone(),
                resource_account.clone(),
                query.context.clone(),
            );
            let who = Decided {
                name: caller.name.clone(),
                caller_type: caller.caller_type,
                account: caller.request.account.clone(),
                needs_own_policies: caller.needs_own_policies,
                gaps: rcp_gap.iter().cloned().collect(),
            };
            if let Some(entry) = decide(&prepared, &request, who) {
                out.entries.push(entry);
            }
        }
    }
    out.entries.sort_by(|a, b| {
        (&a.action, a.caller_type, &a.caller).cmp(&(&b.action, b.caller_type, &b.caller))
    });
    out
}

/// What every worker of one action shares.
struct Shared<'a, 's> {
    snapshot: &'s Snapshot,
    query: &'a Query,
    action: &'a str,
    cache: &'a Filtered<'a>,
    base: &'a PolicySet,
    rcp_gap: Option<&'a Gap>,
    scps: &'a HashMap<&'s str, Result<Vec<Level>, Gap>>,
    resource_account: Option<&'a str>,
}

/// Decides the principals of some groups: how many were decided, and the entries.
fn decide_groups<'g, 's: 'g>(
    shared: &Shared<'_, 's>,
    groups: impl Iterator<Item = &'g Group<'s>>,
) -> (usize, Vec<Entry>) {
    let mut checked = 0;
    let mut entries = Vec::new();
    for group in groups {
        let Some(first) = group.members.first() else {
            continue;
        };
        let account = first.account();
        let mut set = shared.base.clone();
        let mut gaps: Vec<Gap> = shared.rcp_gap.into_iter().cloned().collect();
        for doc in &group.identity {
            set.identity.push(shared.cache.get(doc));
        }
        gaps.extend(group.gaps.iter().cloned());
        set.boundary = group.boundary.map(|d| shared.cache.get(d));
        match shared.scps.get(account.id.as_str()) {
            Some(Ok(levels)) => set.scps.clone_from(levels),
            Some(Err(g)) => gaps.push(g.clone()),
            None => {}
        }
        gaps.sort();
        gaps.dedup();
        let fixed =
            Fixed::for_snapshot(shared.snapshot, account, group.kind, &shared.query.context);
        let prepared = Prepared::new(&set, fixed);
        for principal in &group.members {
            checked += 1;
            let Ok(caller) = RequestPrincipal::parse(principal.arn()) else {
                continue;
            };
            let context = principal_context(shared.snapshot, *principal, &shared.query.context);
            let request = Request::new(
                caller,
                shared.action,
                shared.query.resource.clone(),
                shared.resource_account.map(str::to_string),
                context,
            );
            let caller_type = match principal {
                Principal::User(..) => CallerType::User,
                Principal::Role(..) => CallerType::Role,
            };
            // A group with gaps of its own has one member (see `group_principals`).
            let caller = Decided {
                name: principal.arn().to_string(),
                caller_type,
                account: Some(account.id.clone()),
                needs_own_policies: false,
                gaps: gaps.clone(),
            };
            if let Some(entry) = decide(&prepared, &request, caller) {
                entries.push(entry);
            }
        }
    }
    (checked, entries)
}

/// Principals of one account and kind with the same policies.
pub(crate) struct Group<'s> {
    kind: CallerKind,
    members: Vec<Principal<'s>>,
    identity: Vec<&'s PolicyDoc>,
    boundary: Option<&'s PolicyDoc>,
    gaps: Vec<Gap>,
}

/// Account, whether a user, identity documents' texts (sorted), boundary's text.
type GroupKey<'s> = (String, bool, Vec<&'s str>, Option<&'s str>);

/// Groups principals by (account, kind, identity documents' text, boundary).
fn group_principals<'s>(snapshot: &'s Snapshot, principals: &[Principal<'s>]) -> Vec<Group<'s>> {
    let mut index: HashMap<GroupKey<'s>, usize> = HashMap::new();
    let mut groups: Vec<Group<'s>> = Vec::new();
    for &principal in principals {
        let (identity, boundary, mut gaps) = resolve(snapshot, principal);
        let text = |d: &&'s PolicyDoc| -> &'s str {
            snapshot
                .sources
                .get(d.source)
                .and_then(|s| s.text().get(d.span.range()))
                .unwrap_or(&d.name)
        };
        let mut texts: Vec<&'s str> = identity.iter().map(text).collect();
        texts.sort_unstable();
        // Gaps make a principal its own group: they name the principal.
        let is_user = matches!(principal, Principal::User(..));
        let mut key = (
            principal.account().id.clone(),
            is_user,
            texts,
            boundary.as_ref().map(text),
        );
        if !gaps.is_empty() {
            key.2.push(principal.arn());
        }
        let kind = if is_user {
            CallerKind::User
        } else {
            CallerKind::Role
        };
        if let Some(&i) = index.get(&key) {
            if let Some(g) = groups.get_mut(i) {
                g.members.push(principal);
                continue;
            }
        }
        gaps.sort();
        index.insert(key, groups.len());
        groups.push(Group {
            kind,
            members: vec![principal],
            identity,
            boundary,
            gaps,
        });
    }
    groups
}

/// The identity documents, boundary and gaps of a principal (as
/// [`Snapshot::identity_policies`] resolves them, without compiling).
pub(crate) fn resolve<'s>(
    snapshot: &'s Snapshot,
    principal: Principal<'s>,
) -> (Vec<&'s PolicyDoc>, Option<&'s PolicyDoc>, Vec<Gap>) {
    let account = principal.account();
    let mut docs = Vec::new();
    let mut gaps = Vec::new();
    let managed =
        |entity: &str, arns: &[String], docs: &mut Vec<&'s PolicyDoc>, gaps: &mut Vec<Gap>| {
            for arn in arns {
                match snapshot.managed_policy(account, arn) {
                    Some(p) => docs.push(&p.document),
                    None => gaps.push(Gap::ManagedPolicy {
                        entity: entity.to_string(),
                        policy: arn.clone(),
                    }),
                }
            }
        };
    match principal {
        Principal::User(_, user) => {
            docs.extend(user.inline.iter());
            managed(&user.arn, &user.managed, &mut docs, &mut gaps);
            for name in &user.groups {
                if let Some(group) = account.groups.iter().find(|g| &g.name == name) {
                    docs.extend(group.inline.iter());
                    managed(&group.arn, &group.managed, &mut docs, &mut gaps);
                } else {
                    gaps.push(Gap::Group {
                        user: user.arn.clone(),
                        group: name.clone(),
                    });
                }
            }
        }
        Principal::Role(_, role) => {
            docs.extend(role.inline.iter());
            managed(&role.arn, &role.managed, &mut docs, &mut gaps);
        }
    }
    let boundary =
        principal
            .boundary()
            .and_then(|arn| match snapshot.managed_policy(account, arn) {
                Some(p) => Some(&p.document),
                None => {
                    gaps.push(Gap::ManagedPolicy {
                        entity: principal.arn().to_string(),
                        policy: arn.to_string(),
                    });
                    None
                }
            });
    (docs, boundary, gaps)
}

/// The query's context with what the snapshot knows of the principal: its tags
/// (`aws:PrincipalTag/*`) and its organization (`aws:PrincipalOrgID`).
pub(crate) fn principal_context(
    snapshot: &Snapshot,
    principal: Principal<'_>,
    query: &Context,
) -> Context {
    let mut context = query.clone();
    let tags = match principal {
        Principal::User(_, u) => &u.tags,
        Principal::Role(_, r) => &r.tags,
    };
    for (key, value) in tags {
        let name = format!("aws:PrincipalTag/{key}");
        if context.get(&name.to_ascii_lowercase()).is_none() {
            context.insert(&name, vec![value.clone()]);
        }
    }
    if let Some(org) = org_of(snapshot, &principal.account().id) {
        if context.get("aws:principalorgid").is_none() {
            context.insert("aws:PrincipalOrgID", vec![org.to_string()]);
        }
    }
    context
}

/// The organization id of an account the snapshot's organization holds.
fn org_of<'s>(snapshot: &'s Snapshot, account: &str) -> Option<&'s str> {
    snapshot
        .organization
        .as_ref()
        .filter(|o| o.nodes.contains_key(account) && !o.id.is_empty())
        .map(|o| o.id.as_str())
}

/// Which condition keys a caller's request fixes: a condition on any other key is left open.
pub(crate) struct Fixed {
    /// Lower-cased keys the query's context gives.
    context: BTreeSet<String>,
    /// Lower-cased keys known for the caller (present with a known value, or known absent).
    known: BTreeSet<&'static str>,
    /// Lower-cased key prefixes known for the caller.
    known_prefixes: Vec<&'static str>,
}

impl Fixed {
    fn base(context: &Context) -> Self {
        let mut known = BTreeSet::new();
        // Computed from the request's resource account.
        known.insert("aws:resourceaccount");
        Fixed {
            context: context.iter().map(|(k, _)| k.to_string()).collect(),
            known,
            known_prefixes: Vec::new(),
        }
    }

    /// A user or role of the snapshot: the keys AWS derives from it, its tags (a tag it lacks
    /// is absent), its organization when the snapshot's organization holds its account.
    pub(crate) fn for_snapshot(
        snapshot: &Snapshot,
        account: &Account,
        kind: CallerKind,
        context: &Context,
    ) -> Self {
        let mut f = Self::base(context);
        f.known.extend([
            "aws:principaltype",
            "aws:principalisawsservice",
            "aws:principalarn",
            "aws:principalaccount",
            // Present only for service principals (UG `reference_policies_condition-keys`).
            "aws:principalservicename",
            "aws:principalservicenameslist",
            // Present for a user; absent for a role's session (UG
            // `reference_policies_variables`, "Principal key values").
            "aws:username",
        ]);
        if kind == CallerKind::User {
            // A user signs its own requests: no role-session keys.
            f.known.insert("aws:sourceidentity");
        }
        f.known_prefixes.push("aws:principaltag/");
        if org_of(snapshot, &account.id).is_some() {
            f.known.extend(["aws:principalorgid"]);
        }
        f
    }

    /// A caller from outside the snapshot.
    fn for_outside(caller_type: CallerType, request: &RequestPrincipal, context: &Context) -> Self {
        let mut f = Self::base(context);
        match caller_type {
            // No principal at all: every principal key is absent.
            CallerType::Anonymous => {
                f.known_prefixes.push("aws:principal");
                f.known.extend(["aws:username", "aws:userid"]);
            }
            // Services and providers have no ARN, account or tags of an IAM principal; the keys
            // AWS derives for them are computed by the evaluator.
            CallerType::Service | CallerType::Federated => {
                f.known_prefixes.push("aws:principal");
            }
            CallerType::OutsidePrincipal => {
                f.known.extend([
                    "aws:principaltype",
                    "aws:principalisawsservice",
                    "aws:principalarn",
                    "aws:principalaccount",
                    "aws:principalservicename",
                    "aws:principalservicenameslist",
                ]);
                if request.kind == CallerKind::User {
                    f.known.insert("aws:username");
                }
            }
            CallerType::Account => {
                f.known.extend([
                    "aws:principalisawsservice",
                    "aws:principalaccount",
                    "aws:principalservicename",
                    "aws:principalservicenameslist",
                ]);
            }
            CallerType::AnyAccount => {
                f.known.extend([
                    "aws:principalisawsservice",
                    "aws:principalservicename",
                    "aws:principalservicenameslist",
                ]);
            }
            CallerType::User | CallerType::Role => {}
        }
        f
    }

    pub(crate) fn is_fixed(&self, lower_key: &str) -> bool {
        self.context.contains(lower_key)
            || self.known.contains(lower_key)
            || self.known_prefixes.iter().any(|p| lower_key.starts_with(p))
    }

    /// The conditions of a statement on keys left open.
    fn open_conditions(&self, s: &CompiledStatement) -> Vec<OpenCondition> {
        let mut out: Vec<OpenCondition> = s
            .conditions()
            .iter()
            .filter(|c| !self.is_fixed(&c.key))
            .map(|c| OpenCondition {
                operator: c.operator().to_string(),
                key: c.key_text().to_string(),
                values: c.written_values().iter().map(ToString::to_string).collect(),
            })
            .collect();
        out.sort();
        out
    }

    pub(crate) fn is_conditional(&self, s: &CompiledStatement) -> bool {
        s.conditions().iter().any(|c| !self.is_fixed(&c.key))
    }

    /// The statement without its open conditions.
    fn drop_open(&self, s: &CompiledStatement) -> CompiledStatement {
        let mut out = s.clone();
        for c in s.conditions() {
            if !self.is_fixed(&c.key) {
                out = out.without_conditions_on(&c.key);
            }
        }
        out
    }
}

/// A statement's identity in a policy set: its layer, policy name and index.
type StatementId = (PolicyType, Arc<str>, usize);

/// One policy set in the variants the three answers need.
pub(crate) struct Prepared {
    /// Allows with open conditions dropped; conditional denies left out.
    optimistic: PolicySet,
    /// Conditional allows left out; conditional denies left out.
    pessimistic: PolicySet,
    /// Allows with open conditions dropped; denies with open conditions dropped.
    denies: PolicySet,
    /// The conditional statements, with their open conditions.
    conditional: BTreeMap<StatementId, (CompiledStatement, Vec<OpenCondition>)>,
    /// Which keys are fixed.
    fixed: Fixed,
    /// The set as given, from which alternatives are built.
    base: PolicySet,
    /// Sets with some conditional allows enabled, built once per group.
    alternatives: RefCell<HashMap<Vec<StatementId>, Arc<PolicySet>>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Optimistic,
    Pessimistic,
    Denies,
}

impl Prepared {
    pub(crate) fn new(set: &PolicySet, fixed: Fixed) -> Self {
        let mut conditional = BTreeMap::new();
        for_each_policy(set, |layer, p| {
            for s in &p.statements {
                if fixed.is_conditional(s) {
                    let (index, _) = s.position();
                    conditional.insert(
                        (layer, Arc::clone(&p.name), index),
                        (s.clone(), fixed.open_conditions(s)),
                    );
                }
            }
        });
        let variant = |v: Variant| {
            map_set(set, |_, s| {
                if !fixed.is_conditional(s) {
                    return Some(s.clone());
                }
                match (v, s.effect) {
                    (Variant::Optimistic | Variant::Denies, Effect::Allow)
                    | (Variant::Denies, Effect::Deny) => Some(fixed.drop_open(s)),
                    _ => None,
                }
            })
        };
        Prepared {
            optimistic: variant(Variant::Optimistic),
            pessimistic: variant(Variant::Pessimistic),
            denies: variant(Variant::Denies),
            conditional,
            fixed,
            base: set.clone(),
            alternatives: RefCell::new(HashMap::new()),
        }
    }

    /// [`Prepared::build_with_allows`], built once per set of statements.
    fn with_allows(&self, enabled: &[&StatementId]) -> Arc<PolicySet> {
        let key: Vec<StatementId> = enabled.iter().map(|&id| id.clone()).collect();
        if let Some(set) = self.alternatives.borrow().get(&key) {
            return Arc::clone(set);
        }
        let set = Arc::new(self.build_with_allows(enabled));
        self.alternatives.borrow_mut().insert(key, Arc::clone(&set));
        set
    }

    /// The pessimistic set with these conditional allows added (their open conditions
    /// dropped).
    fn build_with_allows(&self, enabled: &[&StatementId]) -> PolicySet {
        map_set(&self.base, |layer_name, s| {
            if !self.fixed.is_conditional(s) {
                return Some(s.clone());
            }
            let (layer, name) = layer_name;
            let (index, _) = s.position();
            let on = s.effect == Effect::Allow
                && enabled
                    .iter()
                    .any(|(l, n, i)| *l == layer && **n == *name && *i == index);
            on.then(|| self.fixed.drop_open(s))
        })
    }

    fn open(&self, reason: &Reason) -> Option<&(CompiledStatement, Vec<OpenCondition>)> {
        self.conditional.get(&(
            reason.policy_type,
            Arc::clone(&reason.policy),
            reason.statement,
        ))
    }
}

/// Calls `f` on every policy of the set with its layer.
fn for_each_policy(set: &PolicySet, mut f: impl FnMut(PolicyType, &CompiledPolicy)) {
    for p in &set.identity {
        f(PolicyType::Identity, p);
    }
    if let Some(p) = &set.resource {
        f(PolicyType::Resource, p);
    }
    if let Some(p) = &set.boundary {
        f(PolicyType::Boundary, p);
    }
    if let Some(p) = &set.session {
        f(PolicyType::Session, p);
    }
    for level in &set.scps {
        for p in &level.policies {
            f(PolicyType::Scp, p);
        }
    }
    for level in &set.rcps {
        for p in &level.policies {
            f(PolicyType::Rcp, p);
        }
    }
    for p in &set.endpoints {
        f(PolicyType::Endpoint, p);
    }
}

/// A copy of the set whose statements are mapped (or left out) by `f`.
fn map_set(
    set: &PolicySet,
    f: impl Fn((PolicyType, &str), &CompiledStatement) -> Option<CompiledStatement>,
) -> PolicySet {
    let map = |layer: PolicyType, p: &CompiledPolicy| CompiledPolicy {
        name: Arc::clone(&p.name),
        source: p.source,
        statements: p
            .statements
            .iter()
            .filter_map(|s| f((layer, &p.name), s))
            .collect(),
    };
    let levels = |layer: PolicyType, levels: &[Level]| {
        levels
            .iter()
            .map(|l| Level {
                target: l.target.clone(),
                policies: l.policies.iter().map(|p| map(layer, p)).collect(),
            })
            .collect()
    };
    PolicySet {
        identity: set
            .identity
            .iter()
            .map(|p| map(PolicyType::Identity, p))
            .collect(),
        resource: set.resource.as_ref().map(|p| map(PolicyType::Resource, p)),
        boundary: set.boundary.as_ref().map(|p| map(PolicyType::Boundary, p)),
        session: set.session.as_ref().map(|p| map(PolicyType::Session, p)),
        scps: levels(PolicyType::Scp, &set.scps),
        rcps: levels(PolicyType::Rcp, &set.rcps),
        endpoints: set
            .endpoints
            .iter()
            .map(|p| map(PolicyType::Endpoint, p))
            .collect(),
        management_account: set.management_account.clone(),
    }
}

/// Who an entry is about, before it is decided.
pub(crate) struct Decided {
    pub(crate) name: String,
    pub(crate) caller_type: CallerType,
    pub(crate) account: Option<String>,
    pub(crate) needs_own_policies: bool,
    pub(crate) gaps: Vec<Gap>,
}

impl Decided {
    fn entry(
        self,
        action: &str,
        decision: Decision,
        reasons: Vec<Reason>,
        residual: Residual,
    ) -> Entry {
        Entry {
            action: action.to_string(),
            caller: self.name,
            caller_type: self.caller_type,
            account: self.account,
            decision,
            reasons,
            residual,
            needs_own_policies: self.needs_own_policies,
            gaps: self.gaps,
        }
    }
}

/// Decides one caller; `None` when it is not allowed under any value of the open keys and
/// its answer depends on no gap.
pub(crate) fn decide(prepared: &Prepared, request: &Request, caller: Decided) -> Option<Entry> {
    let optimistic = prepared.optimistic.evaluate(request);
    let action = request.action.as_str();
    if optimistic.decision != Decision::Allowed {
        // Not allowed whatever the open keys are; still listed when a gap could change it
        // (a missing policy may allow; an explicit deny stays one).
        return (!caller.gaps.is_empty() && optimistic.decision != Decision::ExplicitDeny)
            .then(|| caller.entry(action, optimistic.decision, Vec::new(), Residual::default()));
    }
    let mut residual = Residual {
        unless: unless(prepared, &prepared.denies.evaluate(request)),
        ..Residual::default()
    };
    let pessimistic = prepared.pessimistic.evaluate(request);
    if pessimistic.decision == Decision::Allowed {
        return Some(caller.entry(action, Decision::Allowed, pessimistic.reasons, residual));
    }
    let (any_of, truncated) = alternatives(prepared, request, &optimistic);
    residual.any_of = any_of;
    residual.truncated = truncated;
    if residual.any_of.is_empty() {
        // Cannot happen when the optimistic answer allowed (all its conditional allows
        // together allow); kept as "all of them" to never drop a condition.
        residual.any_of.push(Alternative {
            all_of: conditional_reasons(prepared, &optimistic),
        });
    }
    Some(caller.entry(action, Decision::Allowed, optimistic.reasons, residual))
}

/// The conditional denies that match the request but for their open conditions.
fn unless(prepared: &Prepared, denies: &Response) -> Vec<ConditionalStatement> {
    if denies.decision != Decision::ExplicitDeny {
        return Vec::new();
    }
    denies
        .reasons
        .iter()
        .filter_map(|r| {
            prepared
                .open(r)
                .map(|(_, conditions)| ConditionalStatement {
                    statement: r.clone(),
                    conditions: conditions.clone(),
                })
        })
        .collect()
}

/// The conditional allows among the optimistic answer's reasons.
fn conditional_reasons(prepared: &Prepared, optimistic: &Response) -> Vec<ConditionalStatement> {
    optimistic
        .reasons
        .iter()
        .filter(|r| r.effect == Effect::Allow)
        .filter_map(|r| {
            prepared
                .open(r)
                .map(|(_, conditions)| ConditionalStatement {
                    statement: r.clone(),
                    conditions: conditions.clone(),
                })
        })
        .collect()
}

/// The minimal sets of conditional allows that allow the request when their conditions hold.
fn alternatives(
    prepared: &Prepared,
    request: &Request,
    optimistic: &Response,
) -> (Vec<Alternative>, bool) {
    let candidates = conditional_reasons(prepared, optimistic);
    if candidates.len() > MAX_ALTERNATIVE_STATEMENTS {
        return (vec![Alternative { all_of: candidates }], true);
    }
    let ids: Vec<StatementId> = candidates
        .iter()
        .map(|c| {
            (
                c.statement.policy_type,
                Arc::clone(&c.statement.policy),
                c.statement.statement,
            )
        })
        .collect();
    let n = candidates.len();
    let mut masks: Vec<u32> = (1..(1u32 << n)).collect();
    masks.sort_by_key(|m| (m.count_ones(), *m));
    let mut found: Vec<u32> = Vec::new();
    for mask in masks {
        if found.iter().any(|f| f & mask == *f) {
            continue;
        }
        let enabled: Vec<&StatementId> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, id)| id)
            .collect();
        if prepared.with_allows(&enabled).evaluate(request).decision == Decision::Allowed {
            found.push(mask);
        }
    }
    let out = found
        .into_iter()
        .map(|mask| Alternative {
            all_of: candidates
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, c)| c.clone())
                .collect(),
        })
        .collect();
    (out, false)
}

/// Policies compiled once and filtered to the statements whose `Action` covers one action.
pub(crate) struct Filtered<'a> {
    action: &'a str,
    docs: HashMap<(usize, u32, u32), CompiledPolicy>,
}

impl<'a> Filtered<'a> {
    pub(crate) fn new(action: &'a str) -> Self {
        Filtered {
            action,
            docs: HashMap::new(),
        }
    }

    /// The document compiled and filtered (once).
    pub(crate) fn doc(&mut self, doc: &PolicyDoc) -> CompiledPolicy {
        let key = (doc.source, doc.span.start, doc.span.end);
        let action = self.action;
        self.docs
            .entry(key)
            .or_insert_with(|| filter(&doc.compile(), action))
            .clone()
    }

    /// A document [`Filtered::doc`] compiled before; compiled now (not kept) otherwise.
    pub(crate) fn get(&self, doc: &PolicyDoc) -> CompiledPolicy {
        let key = (doc.source, doc.span.start, doc.span.end);
        self.docs
            .get(&key)
            .cloned()
            .unwrap_or_else(|| filter(&doc.compile(), self.action))
    }

    /// Organization levels filtered.
    pub(crate) fn levels(&self, levels: &[Level]) -> Vec<Level> {
        levels
            .iter()
            .map(|l| Level {
                target: l.target.clone(),
                policies: l.policies.iter().map(|p| filter(p, self.action)).collect(),
            })
            .collect()
    }
}

fn filter(p: &CompiledPolicy, action: &str) -> CompiledPolicy {
    CompiledPolicy {
        name: Arc::clone(&p.name),
        source: p.source,
        statements: p
            .statements
            .iter()
            .filter(|s| s.matches_action(action))
            .cloned()
            .collect(),
    }
}

/// The stand-in for any principal of any other account (an account id no policy names).
const ANY_ACCOUNT_PRINCIPAL: &str = "arn:aws:iam::000000000000:user/any-principal";

/// An identity policy that allows everything: the stand-in for an outside account's own
/// policies, which the snapshot does not hold.
fn allow_everything() -> CompiledPolicy {
    let text =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let parsed = crate::parse::parse_policy(text, Some(PolicyKind::Identity));
    parsed.policy.map_or_else(
        || CompiledPolicy {
            name: "(its own account's policies)".into(),
            source: usize::MAX,
            statements: Vec::new(),
        },
        |p| CompiledPolicy::new(&p, "(its own account's policies)", usize::MAX),
    )
}

/// A caller from outside the snapshot that the resource policy names.
struct Outside {
    name: String,
    caller_type: CallerType,
    request: Arc<RequestPrincipal>,
    needs_own_policies: bool,
}

/// The callers the resource (or trust) policy names that are not principals of the
/// snapshot: accounts it does not hold and their principals, services, identity providers,
/// and for `*`, anonymous callers and any other account.
fn outside_callers(
    snapshot: &Snapshot,
    query: &Query,
    unresolved: &mut Vec<String>,
) -> Vec<Outside> {
    let mut docs: Vec<&PolicyDoc> = Vec::new();
    for action in &query.actions {
        let trust = is_trust_policy_request(action, &query.resource);
        if let Some(d) = snapshot.resource_policy(&query.resource, trust) {
            if !docs.iter().any(|x| std::ptr::eq(*x, d)) {
                docs.push(d);
            }
        }
    }
    let mut seen: BTreeMap<(CallerType, String), Outside> = BTreeMap::new();
    let mut add = |name: &str, caller_type: CallerType, parse: &str, needs_own: bool| {
        if seen.contains_key(&(caller_type, name.to_string())) {
            return true;
        }
        let Ok(request) = RequestPrincipal::parse(parse) else {
            return false;
        };
        seen.insert(
            (caller_type, name.to_string()),
            Outside {
                name: name.to_string(),
                caller_type,
                request: Arc::new(request),
                needs_own_policies: needs_own,
            },
        );
        true
    };
    let in_snapshot = |account: &str| snapshot.accounts.contains_key(account);
    let wildcard = |add: &mut dyn FnMut(&str, CallerType, &str, bool) -> bool| {
        add("*", CallerType::Anonymous, "anonymous", false);
        // A stand-in principal of an account no policy can name.
        add("*", CallerType::AnyAccount, ANY_ACCOUNT_PRINCIPAL, true);
    };
    for doc in docs {
        for s in &doc.policy.statements {
            if s.effect() != Some(Effect::Allow) {
                continue;
            }
            let Some(element) = &s.principal else {
                continue;
            };
            let entries = element.value.entries();
            if element.negated || entries.is_empty() {
                // `"*"`, or an `Allow` with `NotPrincipal` (no longer supported by AWS, but
                // evaluated as written): anyone.
                wildcard(&mut add);
                if element.negated {
                    continue;
                }
            }
            for entry in entries {
                for value in &entry.values {
                    let v = value.node.as_str();
                    let ok = match entry.kind.node {
                        PrincipalKey::Aws if v == "*" => {
                            wildcard(&mut add);
                            true
                        }
                        PrincipalKey::Aws => match account_of(v) {
                            Some((account, true)) if !in_snapshot(account) => add(
                                account,
                                CallerType::Account,
                                &format!("arn:aws:iam::{account}:user/any-principal"),
                                true,
                            ),
                            Some((account, false)) if !in_snapshot(account) => {
                                add(v, CallerType::OutsidePrincipal, v, true)
                            }
                            Some(_) => true,
                            None => false,
                        },
                        PrincipalKey::Service => add(v, CallerType::Service, v, false),
                        PrincipalKey::Federated => {
                            let text = if v.starts_with("arn:") {
                                v.to_string()
                            } else {
                                format!("federated:{v}")
                            };
                            add(v, CallerType::Federated, &text, false)
                        }
                        PrincipalKey::CanonicalUser => false,
                    };
                    if !ok && !unresolved.iter().any(|u| u == v) {
                        unresolved.push(v.to_string());
                    }
                }
            }
        }
    }
    unresolved.sort();
    seen.into_values().collect()
}

/// The account a principal value names, and whether it names the whole account
/// (`111122223333`, `arn:aws:iam::111122223333:root`).
fn account_of(value: &str) -> Option<(&str, bool)> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some((value, true));
    }
    let account = crate::request::arn_account(value)?;
    let whole = value.ends_with(":root") && value.starts_with("arn:");
    Some((account, whole))
}
