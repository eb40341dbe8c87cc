//! `paths`: privilege escalation and lateral movement in a [`Snapshot`], as a graph.
//!
//! Nodes are the snapshot's principals (users, and roles acting through their sessions) and
//! "admin". Edges are:
//! - role assumption (`sts:AssumeRole`, pathfinding.cloud `sts-001`), same and cross
//!   account: a trust policy naming the caller, its role, or its account (`:root` or the id:
//!   delegation to the account's principals whose identity policies allow the call; IAM UG
//!   `id_roles_compare-resource-policies`, `reference_policies_evaluation-logic-cross-account`);
//! - the edges of pathfinding.cloud's 65 paths ([`catalogue()`]): passing a role to a new
//!   or existing compute resource, writing or attaching policies, creating credentials for
//!   another user, rewriting a trust policy, ...;
//! - "is admin": the principal is allowed every action on every resource ([`admin`]).
//!
//! Every request of every edge is decided by the evaluator with the policies of
//! [`Snapshot::policy_set`] (identity, boundary, SCPs, the resource's policy or the role's
//! trust policy, RCPs), conditions included; the statements that allowed it are kept.
//!
//! Requests are made with an empty context except for the keys the attacker sets by making
//! the call: `iam:PassedToService` (the service a role is passed to) and `iam:PolicyARN`
//! (`AdministratorAccess`, for `Attach*Policy`). A statement whose condition tests a key the
//! request does not carry does not allow it (IAM UG `reference_policies_condition-single-vs-multi-valued`:
//! a missing key makes a condition false, `...IfExists` aside); keys that `...IfExists`
//! conditions tested and the request did not carry are listed on the step as assumed absent.
//!
//! Scale: trust policies are indexed by the principals, accounts and services they name; the
//! admin question is answered once per set of principals with the same policies; a path's
//! steps are first matched against the attacker's statements by action alone.

mod admin;
mod catalogue;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

pub use catalogue::{catalogue, EscalationPath, EscalationStep, Gain, On};

use crate::account::{Gap, Principal, Snapshot};
use crate::ast::{self, Effect, PolicyKind};
use crate::eval::{CompiledPolicy, Decision, Level, PolicySet, Reason};
use crate::request::{arn_account, Context, Request, RequestPrincipal};

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct PathsQuery {
    /// The principals to start from (ARNs); empty: every principal of the snapshot.
    pub from: Vec<String>,
    /// Where paths must end.
    pub to: Target,
}

/// Where paths end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Target {
    /// Any principal that is allowed every action on every resource.
    #[default]
    Admin,
    /// A principal (a role or user ARN): acting as it.
    Principal(String),
    /// Being allowed one action on one resource (with an empty context).
    Access {
        /// The action (`s3:GetObject`).
        action: String,
        /// The resource ARN.
        resource: String,
    },
}

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    /// A user or role, by ARN.
    Principal(String),
    /// Every action on every resource.
    Admin,
    /// The `ACTION@RESOURCE` target of the query.
    Access,
}

impl Node {
    /// The ARN, `admin`, or `access`.
    pub fn as_str(&self) -> &str {
        match self {
            Node::Principal(arn) => arn,
            Node::Admin => "admin",
            Node::Access => "access",
        }
    }
}

/// One request of an edge, allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The action.
    pub action: String,
    /// The resource it was decided on.
    pub resource: String,
    /// Context keys the request carried (set by the attacker's call).
    pub context: Vec<(String, String)>,
    /// The statements that allowed it.
    pub reasons: Vec<Reason>,
    /// Keys that `...IfExists` conditions tested and the request did not carry: the step
    /// holds while they are absent.
    pub assumed_absent: Vec<String>,
}

/// One edge: from a principal to another principal, to admin, or to the access target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The attacker.
    pub from: String,
    /// What it reaches.
    pub to: Node,
    /// What makes the edge: a pathfinding.cloud path id (`sts-001` for role assumption),
    /// `is-admin`, or `allowed` (the access target).
    pub via: String,
    /// The principal whose permissions the edge changes, when it is not the attacker
    /// (the role or user made admin; the group joined).
    pub through: Option<String>,
    /// The requests the attacker makes, each with the statements that allow it.
    pub steps: Vec<Step>,
    /// A resource the edge needs that the export does not list (existing compute): the edge
    /// holds if it exists.
    pub assumes: Option<String>,
}

/// A path from a starting principal to the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// The starting principal.
    pub from: String,
    /// Indexes into [`PathsResult::edges`], in order.
    pub edges: Vec<usize>,
}

/// The answer.
#[derive(Debug, Clone, Default)]
pub struct PathsResult {
    /// Every edge found from the principals explored, in a fixed order.
    pub edges: Vec<Edge>,
    /// One shortest path per starting principal that reaches the target (and is not the
    /// target itself), sorted by principal.
    pub paths: Vec<Path>,
    /// Starting principals that already are the target (admin, the principal, allowed).
    pub already: Vec<String>,
    /// Starting principals asked for that the snapshot does not have.
    pub unknown_from: Vec<String>,
    /// References the snapshot could not resolve, for the principals explored: answers that
    /// depend on them may be incomplete.
    pub gaps: Vec<Gap>,
    /// How many principals were explored.
    pub explored: usize,
}

/// Finds paths (see the module doc).
pub fn paths(snapshot: &Snapshot, query: &PathsQuery) -> PathsResult {
    let mut graph = Graph::new(snapshot, query);
    let mut result = PathsResult::default();
    let mut starts: Vec<usize> = Vec::new();
    if query.from.is_empty() {
        starts.extend(0..graph.subjects.len());
    } else {
        for arn in &query.from {
            match graph.index.get(arn.as_str()).copied() {
                Some(i) => starts.push(i),
                None => match snapshot.principal(arn) {
                    Some(p) => match graph.index.get(p.arn()).copied() {
                        Some(i) => starts.push(i),
                        None => result.unknown_from.push(arn.clone()),
                    },
                    None => result.unknown_from.push(arn.clone()),
                },
            }
        }
    }
    starts.sort_unstable();
    starts.dedup();

    // Explore everything reachable from the starts.
    let mut out: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut queue: VecDeque<usize> = starts.iter().copied().collect();
    let mut queued: BTreeSet<usize> = starts.iter().copied().collect();
    while let Some(at) = queue.pop_front() {
        let edges = graph.expand(at);
        let mut ids = Vec::with_capacity(edges.len());
        for edge in edges {
            if let Node::Principal(arn) = &edge.to {
                if let Some(&next) = graph.index.get(arn.as_str()) {
                    if queued.insert(next) {
                        queue.push_back(next);
                    }
                }
            }
            ids.push(result.edges.len());
            result.edges.push(edge);
        }
        out.insert(at, ids);
    }
    result.explored = out.len();

    // Shortest paths to the target: breadth first backwards from it.
    let target_node = match &query.to {
        Target::Admin => Node::Admin,
        Target::Principal(arn) => Node::Principal(arn.clone()),
        Target::Access { .. } => Node::Access,
    };
    let mut incoming: HashMap<&Node, Vec<usize>> = HashMap::new();
    for (i, e) in result.edges.iter().enumerate() {
        incoming.entry(&e.to).or_default().push(i);
    }
    // next[principal] = the first edge of a shortest path from it.
    let mut next: BTreeMap<String, usize> = BTreeMap::new();
    let mut frontier: VecDeque<&Node> = VecDeque::from([&target_node]);
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    if let Node::Principal(arn) = &target_node {
        reached.insert(arn);
    }
    while let Some(node) = frontier.pop_front() {
        let Some(edge_ids) = incoming.get(node) else {
            continue;
        };
        for &i in edge_ids {
            let Some(edge) = result.edges.get(i) else {
                continue;
            };
            if reached.insert(edge.from.as_str()) {
                next.insert(edge.from.clone(), i);
                if let Some(from_node) = graph.node_of(&edge.from) {
                    frontier.push_back(from_node);
                }
            }
        }
    }
    for &s in &starts {
        let Some(subject) = graph.subjects.get(s) else {
            continue;
        };
        let arn = subject.arn.clone();
        let terminal = Node::Principal(arn.clone()) == target_node
            || out.get(&s).is_some_and(|ids| {
                ids.iter().any(|&i| {
                    result
                        .edges
                        .get(i)
                        .is_some_and(|e| e.via == "is-admin" || e.via == "allowed")
                })
            });
        if terminal {
            result.already.push(arn);
            continue;
        }
        let mut chain = Vec::new();
        let mut at = arn.clone();
        let mut seen = BTreeSet::new();
        while let Some(&i) = next.get(&at) {
            if !seen.insert(i) {
                break;
            }
            chain.push(i);
            match result.edges.get(i).map(|e| &e.to) {
                Some(to @ Node::Principal(to_arn)) if *to != target_node => {
                    at.clone_from(to_arn);
                }
                _ => break,
            }
        }
        if !chain.is_empty() {
            result.paths.push(Path {
                from: arn,
                edges: chain,
            });
        }
    }
    result.paths.sort_by(|a, b| a.from.cmp(&b.from));
    result.already.sort();
    let mut gaps: Vec<Gap> = out
        .keys()
        .filter_map(|&i| graph.subjects.get(i))
        .flat_map(|s| s.gaps.iter().cloned())
        .collect();
    gaps.sort();
    gaps.dedup();
    result.gaps = gaps;
    result
}

/// A principal ready to be asked about: its caller identity and compiled policies.
struct Subject {
    arn: String,
    account: String,
    partition: String,
    is_user: bool,
    service_linked: bool,
    caller: Arc<RequestPrincipal>,
    /// Identity, boundary, SCPs and the RCPs of its own account; `resource` is filled per
    /// request.
    set: PolicySet,
    gaps: Vec<Gap>,
    /// Principals with equal keys have the same policies: the admin answer is shared.
    key: String,
    /// Group names (users).
    groups: Vec<String>,
    /// Customer managed policies attached to it (and to its groups).
    customer_policies: Vec<String>,
}

/// The graph under construction: subjects, indexes, caches.
struct Graph<'s> {
    snapshot: &'s Snapshot,
    target: Target,
    subjects: Vec<Subject>,
    index: HashMap<&'s str, usize>,
    nodes: HashMap<String, Node>,
    /// Roles by the AWS principals their trust policies name (ARNs, and account ids for
    /// `:root` or bare ids); `*` under "*".
    trust_by_name: HashMap<String, Vec<usize>>,
    /// Roles by the service principals their trust policies allow to assume them.
    trust_by_service: HashMap<String, Vec<usize>>,
    /// Compiled resource and trust policies by ARN.
    resource_policies: HashMap<(String, bool), Option<CompiledPolicy>>,
    /// RCP levels by account.
    rcps: HashMap<String, Result<Vec<Level>, Gap>>,
    /// Admin answers by (subject key, elevated).
    admin: HashMap<(String, bool), bool>,
}

/// An identity policy that allows everything: what an attacker who can write a policy
/// writes (`AdministratorAccess`'s statement).
fn allow_all() -> Option<CompiledPolicy> {
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    crate::parse::parse_policy(text, Some(PolicyKind::Identity))
        .policy
        .map(|p| CompiledPolicy::new(&p, "(a policy the attacker writes)", usize::MAX))
}

impl<'s> Graph<'s> {
    fn new(snapshot: &'s Snapshot, query: &PathsQuery) -> Self {
        let mut g = Graph {
            snapshot,
            target: query.to.clone(),
            subjects: Vec::new(),
            index: HashMap::new(),
            nodes: HashMap::new(),
            trust_by_name: HashMap::new(),
            trust_by_service: HashMap::new(),
            resource_policies: HashMap::new(),
            rcps: HashMap::new(),
            admin: HashMap::new(),
        };
        for p in snapshot.principals() {
            let i = g.subjects.len();
            let Some(subject) = Subject::new(snapshot, p) else {
                continue;
            };
            g.index.insert(p.arn(), i);
            g.nodes
                .insert(p.arn().to_string(), Node::Principal(p.arn().to_string()));
            g.subjects.push(subject);
            if let Principal::Role(_, role) = p {
                if let Some(trust) = &role.trust {
                    let (names, services) = trust_names(&trust.policy);
                    for n in names {
                        g.trust_by_name.entry(n).or_default().push(i);
                    }
                    for svc in services {
                        g.trust_by_service.entry(svc).or_default().push(i);
                    }
                }
            }
        }
        for v in g
            .trust_by_name
            .values_mut()
            .chain(g.trust_by_service.values_mut())
        {
            v.sort_unstable();
            v.dedup();
        }
        g
    }

    fn node_of(&self, arn: &str) -> Option<&Node> {
        self.nodes.get(arn)
    }

    /// Decides one request by subject `s`.
    fn check(
        &mut self,
        s: usize,
        action: &str,
        resource: &str,
        context: &[(&str, &str)],
    ) -> Option<Step> {
        let trust = crate::request::is_trust_policy_request(action, resource);
        let key = (resource.to_string(), trust);
        if !self.resource_policies.contains_key(&key) {
            let compiled = self
                .snapshot
                .resource_policy(resource, trust)
                .map(crate::account::PolicyDoc::compile);
            self.resource_policies.insert(key.clone(), compiled);
        }
        let owner = self
            .snapshot
            .resource_owner(resource)
            .map(|a| a.id.clone());
        let subject = self.subjects.get_mut(s)?;
        let resource_account = owner.unwrap_or_else(|| subject.account.clone());
        let cached = self
            .rcps
            .entry(resource_account.clone())
            .or_insert_with(|| self.snapshot.org_levels(&resource_account, PolicyKind::Rcp));
        let mut levels = match cached {
            Ok(levels) => std::mem::take(levels),
            Err(g) => {
                if !subject.gaps.contains(g) {
                    subject.gaps.push(g.clone());
                }
                Vec::new()
            }
        };
        std::mem::swap(&mut subject.set.rcps, &mut levels);
        let slot = self.resource_policies.get_mut(&key);
        subject.set.resource = slot.and_then(Option::take);
        let mut ctx = Context::new();
        for (k, v) in context {
            ctx.insert(k, vec![(*v).to_string()]);
        }
        let request = Request::new(
            Arc::clone(&subject.caller),
            action,
            resource,
            arn_account(resource).map(str::to_string).or_else(|| {
                self.snapshot
                    .resource_owner(resource)
                    .map(|a| a.id.clone())
            }),
            ctx,
        );
        let response = subject.set.evaluate(&request);
        // Put the borrowed policies back.
        if let Some(slot) = self.resource_policies.get_mut(&key) {
            *slot = subject.set.resource.take();
        }
        std::mem::swap(&mut subject.set.rcps, &mut levels);
        if let Some(Ok(cached)) = self.rcps.get_mut(&resource_account) {
            *cached = levels;
        }
        (response.decision == Decision::Allowed).then(|| Step {
            action: action.to_string(),
            resource: resource.to_string(),
            context: context
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            reasons: response.reasons,
            assumed_absent: response
                .missing_context_keys
                .iter()
                .map(ToString::to_string)
                .collect(),
        })
    }

    /// Whether subject `s` is admin; `elevated`: after it is given a policy allowing
    /// everything (its boundary, SCPs and explicit denies still apply).
    fn is_admin(&mut self, s: usize, elevated: bool) -> bool {
        let Some(subject) = self.subjects.get_mut(s) else {
            return false;
        };
        let key = (subject.key.clone(), elevated);
        if let Some(&known) = self.admin.get(&key) {
            return known;
        }
        let answer = if elevated {
            match allow_all() {
                Some(p) => {
                    subject.set.identity.push(p);
                    let a = admin::is_admin(&subject.set, &subject.caller);
                    subject.set.identity.pop();
                    a
                }
                None => false,
            }
        } else {
            admin::is_admin(&subject.set, &subject.caller)
        };
        self.admin.insert(key, answer);
        answer
    }

    /// Whether subject `s` with a group's policies added is admin.
    fn is_admin_with(&mut self, s: usize, extra: Vec<CompiledPolicy>) -> bool {
        let Some(subject) = self.subjects.get_mut(s) else {
            return false;
        };
        let n = extra.len();
        subject.set.identity.extend(extra);
        let answer = admin::is_admin(&subject.set, &subject.caller);
        let keep = subject.set.identity.len().saturating_sub(n);
        subject.set.identity.truncate(keep);
        answer
    }

    /// Whether some `Allow` statement of the subject's identity policies names the action
    /// (a necessary condition for identity-side access, cheap to test).
    fn may_allow(&self, s: usize, action: &str) -> bool {
        let lower = action.to_ascii_lowercase();
        self.subjects.get(s).is_some_and(|subject| {
            subject
                .set
                .identity
                .iter()
                .flat_map(|p| p.statements.iter())
                .any(|st| st.effect == Effect::Allow && st.matches_action(&lower))
        })
    }

    /// The edges out of subject `s`.
    fn expand(&mut self, s: usize) -> Vec<Edge> {
        let mut edges = Vec::new();
        let Some(arn) = self.subjects.get(s).map(|x| x.arn.clone()) else {
            return edges;
        };
        match self.target.clone() {
            Target::Admin => {
                if self.is_admin(s, false) {
                    edges.push(Edge {
                        from: arn.clone(),
                        to: Node::Admin,
                        via: "is-admin".to_string(),
                        through: None,
                        steps: Vec::new(),
                        assumes: None,
                    });
                }
            }
            Target::Access { action, resource } => {
                if let Some(step) = self.check(s, &action, &resource, &[]) {
                    edges.push(Edge {
                        from: arn.clone(),
                        to: Node::Access,
                        via: "allowed".to_string(),
                        through: None,
                        steps: vec![step],
                        assumes: None,
                    });
                }
            }
            Target::Principal(_) => {}
        }
        self.assume_edges(s, &arn, &mut edges);
        for path in catalogue() {
            if path.id == "sts-001" {
                continue;
            }
            self.catalogue_edges(s, &arn, path, &mut edges);
        }
        edges
    }

    /// Role assumption edges (`sts-001`).
    fn assume_edges(&mut self, s: usize, arn: &str, edges: &mut Vec<Edge>) {
        let Some(subject) = self.subjects.get(s) else {
            return;
        };
        let mut candidates: Vec<usize> = Vec::new();
        for name in [
            subject.arn.as_str(),
            subject.caller.principal_arn.as_str(),
            subject.account.as_str(),
            "*",
        ] {
            if let Some(v) = self.trust_by_name.get(name) {
                candidates.extend(v);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        for r in candidates {
            if r == s {
                continue;
            }
            let Some(role) = self.subjects.get(r) else {
                continue;
            };
            if role.service_linked {
                continue;
            }
            let role_arn = role.arn.clone();
            if let Some(step) = self.check(s, "sts:AssumeRole", &role_arn, &[]) {
                edges.push(Edge {
                    from: arn.to_string(),
                    to: Node::Principal(role_arn),
                    via: "sts-001".to_string(),
                    through: None,
                    steps: vec![step],
                    assumes: None,
                });
            }
        }
    }

    /// The roles of an account (not service-linked) that trust one of the services.
    fn roles_trusting(&self, account: &str, services: &[String]) -> Vec<(usize, Vec<String>)> {
        let mut by_role: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for svc in services {
            for &r in self.trust_by_service.get(svc).into_iter().flatten() {
                if self
                    .subjects
                    .get(r)
                    .is_some_and(|x| x.account == account && !x.service_linked)
                {
                    by_role.entry(r).or_default().push(svc.clone());
                }
            }
        }
        by_role.into_iter().collect()
    }

    /// Other principals of the account: roles (not service-linked) or users.
    fn others(&self, s: usize, users: bool) -> Vec<usize> {
        let Some(account) = self.subjects.get(s).map(|x| x.account.clone()) else {
            return Vec::new();
        };
        self.subjects
            .iter()
            .enumerate()
            .filter(|(i, x)| {
                *i != s && x.account == account && x.is_user == users && !x.service_linked
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// A resource the subject may make the step's request on, when it creates or uses a
    /// resource the export does not list: `*`, else a name inside one of the resource
    /// patterns of its allowing statements (each `*` or `?` filled in).
    fn any_resource(&mut self, s: usize, action: &str) -> Option<Step> {
        let lower = action.to_ascii_lowercase();
        let service = lower.split_once(':').map_or("", |(svc, _)| svc).to_string();
        let (arn, account) = self
            .subjects
            .get(s)
            .map(|x| (x.arn.clone(), x.account.clone()))?;
        let mut candidates: Vec<String> = vec!["*".to_string()];
        {
            for doc in identity_docs(self.snapshot, &arn) {
                for st in &doc.statements {
                    if st.effect() != Some(Effect::Allow) {
                        continue;
                    }
                    let Some(res) = &st.resource else { continue };
                    if res.negated {
                        continue;
                    }
                    for item in &res.items {
                        if let Some(w) = witness(&item.node, &account, &service) {
                            candidates.push(w);
                        }
                    }
                }
            }
        }
        let mut seen = BTreeSet::new();
        for c in candidates {
            if !seen.insert(c.clone()) {
                continue;
            }
            if let Some(step) = self.check(s, action, &c, &[]) {
                return Some(step);
            }
        }
        None
    }

    /// The edges of one catalogue path out of subject `s`.
    #[expect(
        clippy::too_many_lines,
        reason = "one match arm per kind of gain, each short"
    )]
    fn catalogue_edges(&mut self, s: usize, arn: &str, path: &EscalationPath, out: &mut Vec<Edge>) {
        // Cheap filter: every identity-side step needs an allowing statement for its action.
        if !path
            .steps
            .iter()
            .filter(|st| st.on != On::AssumeRole)
            .all(|st| self.may_allow(s, &st.action))
        {
            return;
        }
        let Some((account, partition, is_user, groups, own_policies)) =
            self.subjects.get(s).map(|x| {
                (
                    x.account.clone(),
                    x.partition.clone(),
                    x.is_user,
                    x.groups.clone(),
                    x.customer_policies.clone(),
                )
            })
        else {
            return;
        };
        let admin_policy = format!("arn:{partition}:iam::aws:policy/AdministratorAccess");
        let policy_ctx = |action: &str| -> Vec<(&'static str, String)> {
            if action.starts_with("iam:Attach") {
                vec![("iam:PolicyARN", admin_policy.clone())]
            } else {
                Vec::new()
            }
        };
        // Steps on resources that do not depend on the target: decided once.
        let mut fixed: Vec<Option<Step>> = Vec::new();
        for st in &path.steps {
            if matches!(st.on, On::New | On::Existing) {
                match self.any_resource(s, &st.action) {
                    Some(step) => fixed.push(Some(step)),
                    None => return,
                }
            } else {
                fixed.push(None);
            }
        }
        let edge = |to: Node, through: Option<String>, steps: Vec<Step>| Edge {
            from: arn.to_string(),
            to,
            via: path.id.clone(),
            through,
            steps,
            assumes: path.assumes.clone(),
        };
        match path.gain {
            Gain::Role if !path.trusts.is_empty() => {
                for (r, services) in self.roles_trusting(&account, &path.trusts) {
                    if r == s {
                        continue;
                    }
                    let Some(role_arn) = self.subjects.get(r).map(|x| x.arn.clone()) else {
                        continue;
                    };
                    let mut steps = Vec::new();
                    let mut ok = true;
                    for (st, pre) in path.steps.iter().zip(&fixed) {
                        let step = match (st.on, pre) {
                            (_, Some(step)) => Some(step.clone()),
                            (On::PassedRole, None) => services.iter().find_map(|svc| {
                                self.check(
                                    s,
                                    &st.action,
                                    &role_arn,
                                    &[("iam:PassedToService", svc.as_str())],
                                )
                            }),
                            _ => self.check(s, &st.action, &role_arn, &[]),
                        };
                        match step {
                            Some(step) => steps.push(step),
                            None => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    if ok {
                        out.push(edge(Node::Principal(role_arn), None, steps));
                    }
                }
            }
            Gain::Role | Gain::User => {
                let users = path.gain == Gain::User;
                for t in self.others(s, users) {
                    let Some(t_arn) = self.subjects.get(t).map(|x| x.arn.clone()) else {
                        continue;
                    };
                    if let Some(steps) = self.steps_on(s, path, &fixed, &t_arn, &[], &policy_ctx)
                    {
                        out.push(edge(Node::Principal(t_arn), None, steps));
                    }
                }
            }
            Gain::AdminSelf => {
                let wants_user = path.steps.iter().any(|st| st.action.contains("User"));
                let wants_role = path.steps.iter().any(|st| st.action.contains("Role"));
                if (wants_user && !is_user) || (wants_role && is_user) {
                    return;
                }
                let group_arns: Vec<String> = self
                    .snapshot
                    .accounts
                    .get(&account)
                    .map(|a| {
                        a.groups
                            .iter()
                            .filter(|g| groups.contains(&g.name))
                            .map(|g| g.arn.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                let mut steps = Vec::new();
                for (st, pre) in path.steps.iter().zip(&fixed) {
                    let choices: Vec<String> = match st.on {
                        On::Itself => vec![arn.to_string()],
                        On::OwnGroup => group_arns.clone(),
                        On::OwnPolicy => own_policies.clone(),
                        _ => Vec::new(),
                    };
                    let step = pre.clone().or_else(|| {
                        let ctx = policy_ctx(&st.action);
                        let ctx: Vec<(&str, &str)> =
                            ctx.iter().map(|(k, v)| (*k, v.as_str())).collect();
                        choices
                            .iter()
                            .find_map(|c| self.check(s, &st.action, c, &ctx))
                    });
                    match step {
                        Some(step) => steps.push(step),
                        None => return,
                    }
                }
                if self.is_admin(s, true) {
                    out.push(edge(Node::Admin, None, steps));
                }
            }
            Gain::Group => {
                if !is_user {
                    return;
                }
                let Some(acct) = self.snapshot.accounts.get(&account) else {
                    return;
                };
                let candidates: Vec<(String, String)> = acct
                    .groups
                    .iter()
                    .filter(|g| !groups.contains(&g.name))
                    .map(|g| (g.arn.clone(), g.name.clone()))
                    .collect();
                for (g_arn, g_name) in candidates {
                    let Some(steps) = self.steps_on(s, path, &fixed, &g_arn, &[], &policy_ctx)
                    else {
                        continue;
                    };
                    let extra = group_policies(self.snapshot, &account, &g_name);
                    if self.is_admin_with(s, extra) {
                        out.push(edge(Node::Admin, Some(g_arn), steps));
                    }
                }
            }
            Gain::AdminRole | Gain::AdminUser => {
                let users = path.gain == Gain::AdminUser;
                for t in self.others(s, users) {
                    let Some((t_arn, t_policies)) = self
                        .subjects
                        .get(t)
                        .map(|x| (x.arn.clone(), x.customer_policies.clone()))
                    else {
                        continue;
                    };
                    if !self.is_admin(t, true) {
                        continue;
                    }
                    if let Some(steps) =
                        self.steps_on(s, path, &fixed, &t_arn, &t_policies, &policy_ctx)
                    {
                        out.push(edge(Node::Admin, Some(t_arn), steps));
                    }
                }
            }
        }
    }

    /// The steps of a path made on target `t_arn` (a user, role or group; `t_policies`: the
    /// customer managed policies attached to it), or `None` when one is not allowed.
    fn steps_on(
        &mut self,
        s: usize,
        path: &EscalationPath,
        fixed: &[Option<Step>],
        t_arn: &str,
        t_policies: &[String],
        policy_ctx: &dyn Fn(&str) -> Vec<(&'static str, String)>,
    ) -> Option<Vec<Step>> {
        let mut steps = Vec::new();
        for (st, pre) in path.steps.iter().zip(fixed) {
            if let Some(step) = pre {
                steps.push(step.clone());
                continue;
            }
            let ctx = policy_ctx(&st.action);
            let ctx: Vec<(&str, &str)> = ctx.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let step = match st.on {
                On::TargetPolicy => t_policies
                    .iter()
                    .find_map(|p| self.check(s, &st.action, p, &ctx)),
                _ => self.check(s, &st.action, t_arn, &ctx),
            };
            steps.push(step?);
        }
        Some(steps)
    }
}

impl Subject {
    fn new(snapshot: &Snapshot, p: Principal<'_>) -> Option<Self> {
        let account = p.account();
        let (caller_arn, is_user, service_linked, groups) = match p {
            Principal::User(_, u) => (u.arn.clone(), true, false, u.groups.clone()),
            Principal::Role(a, r) => (
                format!("arn:{}:sts::{}:assumed-role/{}/iampol", a.partition, a.id, r.name),
                false,
                r.is_service_linked(),
                Vec::new(),
            ),
        };
        let mut caller = RequestPrincipal::parse(&caller_arn).ok()?;
        if let Principal::Role(_, r) = p {
            // The session ARN drops the role's path; the role's own ARN keeps it.
            caller.principal_arn.clone_from(&r.arn);
            caller.service_linked = service_linked;
        }
        let (set, gaps) = snapshot.policy_set(p, "*", false);
        let mut key_parts: Vec<String> = Vec::new();
        let mut principal_dependent = false;
        let mut customer_policies = Vec::new();
        let mut add_managed = |arns: &[String], parts: &mut Vec<String>, dep: &mut bool| {
            for m in arns {
                parts.push(format!("m:{m}"));
                if let Some(mp) = snapshot.managed_policy(account, m) {
                    *dep |= depends_on_principal(&mp.document.policy);
                    if !m.contains(":iam::aws:policy/") {
                        customer_policies.push(m.clone());
                    }
                }
            }
        };
        let inline_key = |docs: &[crate::account::PolicyDoc], parts: &mut Vec<String>, dep: &mut bool| {
            for d in docs {
                *dep |= depends_on_principal(&d.policy);
                let text = snapshot
                    .sources
                    .get(d.source)
                    .and_then(|src| src.text().get(d.span.range()))
                    .unwrap_or("");
                parts.push(format!("i:{text}"));
            }
        };
        match p {
            Principal::User(a, u) => {
                inline_key(&u.inline, &mut key_parts, &mut principal_dependent);
                add_managed(&u.managed, &mut key_parts, &mut principal_dependent);
                for g in a.groups.iter().filter(|g| u.groups.contains(&g.name)) {
                    inline_key(&g.inline, &mut key_parts, &mut principal_dependent);
                    add_managed(&g.managed, &mut key_parts, &mut principal_dependent);
                }
                for g in &u.groups {
                    key_parts.push(format!("g:{g}"));
                }
            }
            Principal::Role(_, r) => {
                inline_key(&r.inline, &mut key_parts, &mut principal_dependent);
                add_managed(&r.managed, &mut key_parts, &mut principal_dependent);
            }
        }
        if let Some(b) = p.boundary() {
            key_parts.push(format!("b:{b}"));
            if let Some(mp) = snapshot.managed_policy(account, b) {
                principal_dependent |= depends_on_principal(&mp.document.policy);
            }
        }
        key_parts.sort();
        let who = if principal_dependent || service_linked {
            p.arn().to_string()
        } else {
            (if is_user { "user" } else { "role" }).to_string()
        };
        let key = format!("{}\u{1}{who}\u{1}{}", account.id, key_parts.join("\u{1}"));
        customer_policies.sort();
        customer_policies.dedup();
        Some(Subject {
            arn: p.arn().to_string(),
            account: account.id.clone(),
            partition: account.partition.clone(),
            is_user,
            service_linked,
            caller: Arc::new(caller),
            set,
            gaps,
            key,
            groups,
            customer_policies,
        })
    }
}

/// Whether a policy's answer may differ between principals with the same policies: it has
/// conditions (which may test principal keys) or policy variables.
fn depends_on_principal(policy: &ast::Policy) -> bool {
    policy.has_variables() || policy.statements.iter().any(|s| s.condition.is_some())
}

/// The parsed identity policies of a principal (for resource patterns).
fn identity_docs<'s>(snapshot: &'s Snapshot, arn: &str) -> Vec<&'s ast::Policy> {
    let Some(p) = snapshot.principal(arn) else {
        return Vec::new();
    };
    let account = p.account();
    let mut out: Vec<&ast::Policy> = Vec::new();
    let managed = |arns: &'s [String], out: &mut Vec<&'s ast::Policy>| {
        for m in arns {
            if let Some(mp) = snapshot.managed_policy(account, m) {
                out.push(&mp.document.policy);
            }
        }
    };
    match p {
        Principal::User(a, u) => {
            out.extend(u.inline.iter().map(|d| &*d.policy));
            managed(&u.managed, &mut out);
            for g in a.groups.iter().filter(|g| u.groups.contains(&g.name)) {
                out.extend(g.inline.iter().map(|d| &*d.policy));
                managed(&g.managed, &mut out);
            }
        }
        Principal::Role(_, r) => {
            out.extend(r.inline.iter().map(|d| &*d.policy));
            managed(&r.managed, &mut out);
        }
    }
    out
}

/// The compiled policies of a group (inline and the managed ones the snapshot has).
fn group_policies(snapshot: &Snapshot, account: &str, name: &str) -> Vec<CompiledPolicy> {
    let Some(a) = snapshot.accounts.get(account) else {
        return Vec::new();
    };
    let Some(g) = a.groups.iter().find(|g| g.name == name) else {
        return Vec::new();
    };
    g.inline
        .iter()
        .map(crate::account::PolicyDoc::compile)
        .chain(
            g.managed
                .iter()
                .filter_map(|m| snapshot.managed_policy(a, m))
                .map(|m| m.document.compile()),
        )
        .collect()
}

/// A resource name inside an IAM resource pattern, for a request of `service` by a
/// principal of `account`: `*` in the account field becomes that account, in the region
/// field `us-east-1`, elsewhere `iampol`; `?` becomes `x`. Patterns with policy variables, or
/// of another service, give none.
fn witness(pattern: &str, account: &str, service: &str) -> Option<String> {
    if pattern == "*" || pattern.contains("${") {
        return None;
    }
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let [arn, partition, svc, region, acct, rest] = parts.as_slice() else {
        return None;
    };
    if *arn != "arn" || !(svc.eq_ignore_ascii_case(service) || svc.contains(['*', '?'])) {
        return None;
    }
    let fill = |s: &str, with: &str| s.replace('*', with).replace('?', "x");
    let partition = if partition.contains(['*', '?']) {
        "aws".to_string()
    } else {
        (*partition).to_string()
    };
    let acct = if acct.contains(['*', '?']) {
        account.to_string()
    } else {
        (*acct).to_string()
    };
    Some(format!(
        "arn:{partition}:{service}:{}:{acct}:{}",
        fill(region, "us-east-1"),
        fill(rest, "iampol")
    ))
}

/// The AWS principals (ARNs, and account ids for account principals) and the services a
/// trust policy's `Allow` statements for `sts:AssumeRole` name; `*` for a wildcard or a
/// `NotPrincipal`.
fn trust_names(policy: &ast::Policy) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut services = Vec::new();
    for st in &policy.statements {
        if st.effect() != Some(Effect::Allow) {
            continue;
        }
        let covers = st.action.as_ref().is_some_and(|a| {
            let hit = a.items.iter().any(|i| {
                let l = i.node.to_ascii_lowercase();
                glob_match(&l, "sts:assumerole")
            });
            hit != a.negated
        });
        if !covers {
            continue;
        }
        let Some(p) = &st.principal else { continue };
        if p.negated {
            names.push("*".to_string());
            continue;
        }
        match &p.value {
            ast::Principal::Wildcard => names.push("*".to_string()),
            ast::Principal::Map(entries) => {
                for e in entries {
                    for v in &e.values {
                        let v = v.node.trim();
                        match e.kind.node {
                            ast::PrincipalKind::Aws => {
                                if v == "*" {
                                    names.push("*".to_string());
                                } else if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
                                    names.push(v.to_string());
                                } else if let Some(acct) =
                                    arn_account(v).filter(|_| v.ends_with(":root"))
                                {
                                    names.push(acct.to_string());
                                } else {
                                    names.push(v.to_string());
                                }
                            }
                            ast::PrincipalKind::Service => services.push(v.to_string()),
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    (names, services)
}

/// Whether an IAM action pattern (lower-cased; `*` and `?`) matches a lower-cased action.
fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

#[cfg(test)]
mod tests;
