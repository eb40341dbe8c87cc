//! `iampol report`: one self-contained HTML file about a snapshot of accounts.
//!
//! The page carries its data and its code, and asks for nothing over the network (its
//! Content-Security-Policy is `default-src 'none'`, with the inline script and style allowed
//! by their SHA-256). It holds:
//! - an index (accounts, and one row per principal: ARN, kind, account, number of policies)
//!   as a JSON block the page reads at once;
//! - per-principal detail (groups, boundary, tags, the policies that apply with each
//!   statement and its `file:line`) and the policy documents, in gzip + base64 chunks of
//!   [`PRINCIPALS_PER_CHUNK`] principals or [`POLICIES_PER_CHUNK`] policies, decoded by the
//!   browser (`DecompressionStream`) only when a principal is opened. Managed policies are
//!   stored once however many principals they are attached to.
//!
//! The page builds its DOM with `textContent` only: names and policy text come from the
//! export, which an attacker may have written. The same snapshot gives the same bytes.

mod encode;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use policy_core::account::{Account, Organization, PolicyDoc, Principal, Snapshot};
use policy_core::analysis::paths::{paths, Node, PathsQuery, PathsResult};
use policy_core::analysis::what_can::{what_can, WhatCan};
use policy_core::analysis::who_can::Residual;
use policy_core::ast::Effect;
use policy_core::eval::Reason;
use policy_core::service_ref::ServiceRef;
use policy_core::SourceFile;
use serde::Serialize;

use crate::exit::ExitStatus;

/// `iampol report`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// The accounts to report on.
    #[command(flatten)]
    pub snapshot: crate::snapshot::SnapshotArgs,
    /// Where to write the HTML file (`-` writes it to standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// The page's title [default: `iampol report` and the account ids].
    #[arg(long)]
    pub title: Option<String>,
    /// Leave out each principal's effective access (`what-can` for every principal is the
    /// slowest part of a report on a large account).
    #[arg(long)]
    pub no_access: bool,
    /// Leave out the paths to admin (and the admin marks of the index).
    #[arg(long)]
    pub no_paths: bool,
}

/// Reads the snapshot and writes its report. Exit 0 when written; 2 when the snapshot or
/// the file could not be written, or when reading left something out of the snapshot (the
/// report is still written, and lists the problems).
pub fn run(args: &ReportArgs) -> ExitStatus {
    if args.snapshot.account.is_empty() {
        eprintln!("error: give the accounts to report on with `--account SNAPSHOT`");
        return ExitStatus::Error;
    }
    let Ok(snapshot) =
        crate::snapshot::read_snapshot(&args.snapshot.account, args.snapshot.limit())
    else {
        return ExitStatus::Error;
    };
    let title = args.title.clone().unwrap_or_else(|| {
        let ids: Vec<&str> = snapshot.accounts.keys().map(String::as_str).collect();
        format!("iampol report: {}", ids.join(", "))
    });
    let answers = Answers {
        paths: (!args.no_paths).then(|| paths(&snapshot, &PathsQuery::default())),
        access: (!args.no_access).then(|| effective_access(&snapshot)),
    };
    let html = render(&snapshot, &title, &answers);
    let written = if args.output.as_os_str() == "-" {
        std::io::stdout().lock().write_all(html.as_bytes())
    } else {
        std::fs::write(&args.output, html.as_bytes())
    };
    if let Err(e) = written {
        eprintln!("error: {}: {e}", args.output.display());
        return ExitStatus::Error;
    }
    if crate::snapshot::has_errors(&snapshot) {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    }
}

/// `what_can` for every principal, on as many threads as there are cores.
fn effective_access(snapshot: &Snapshot) -> BTreeMap<String, WhatCan> {
    let arns: Vec<&str> = snapshot.principals().map(|p| p.arn()).collect();
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let per_thread = arns.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = arns
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|arn| {
                            Some(((*arn).to_string(), what_can(snapshot, arn, None)?))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Principals whose detail shares one compressed chunk: opening one decodes about this many.
pub const PRINCIPALS_PER_CHUNK: usize = 16;
/// Policy documents per compressed chunk.
pub const POLICIES_PER_CHUNK: usize = 16;
/// Access tables per compressed chunk.
pub const ACCESS_PER_CHUNK: usize = 4;

const SCRIPT: &str = include_str!("report/report.js");
const STYLE: &str = include_str!("report/report.css");

/// One row of the principal index: `[arn, kind, account, policies, admin, paths]`; `admin`
/// and `paths` are `null` when the report was built without those answers.
#[derive(Debug, Serialize)]
struct IndexRow<'a>(
    &'a str,
    &'static str,
    &'a str,
    usize,
    Option<bool>,
    Option<usize>,
);

#[derive(Debug, Serialize)]
struct AccountRow<'a> {
    id: &'a str,
    partition: &'a str,
    users: usize,
    groups: usize,
    roles: usize,
    policies: usize,
    resources: usize,
    /// The OU path from the root (`Root / Prod / 111122223333`), when in the organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    org: Option<String>,
}

#[derive(Debug, Serialize)]
struct DiagnosticRow {
    severity: &'static str,
    file: String,
    line: u32,
    message: String,
}

#[derive(Debug, Serialize)]
struct Index<'a> {
    title: String,
    accounts: Vec<AccountRow<'a>>,
    /// `o-...`, when an organization was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    organization: Option<&'a str>,
    principals: Vec<IndexRow<'a>>,
    principals_per_chunk: usize,
    policies_per_chunk: usize,
    access_per_chunk: usize,
    diagnostics: Vec<DiagnosticRow>,
}

/// How a policy applies to a principal.
#[derive(Debug, Serialize)]
struct Attachment<'a> {
    /// `inline`, `managed`, `group`, `boundary`, `trust`, `scp`.
    via: &'static str,
    /// The group name or SCP target, for `group` and `scp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    /// The policy's name (inline name, managed ARN, SCP name).
    name: &'a str,
    /// The document's index in the policy chunks; `None` when the export lacks it (a gap:
    /// answers that depend on it are incomplete).
    doc: Option<usize>,
}

#[derive(Debug, Serialize)]
struct Detail<'a> {
    arn: &'a str,
    kind: &'static str,
    name: &'a str,
    account: &'a str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    groups: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    boundary: Option<&'a str>,
    tags: Vec<(&'a str, &'a str)>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    instance_profiles: &'a [String],
    policies: Vec<Attachment<'a>>,
    /// References the export does not resolve, for people.
    gaps: Vec<String>,
    /// The way to admin, when the report was built with `paths`.
    #[serde(skip_serializing_if = "Option::is_none")]
    escalation: Option<Escalation>,
    /// The effective permissions, when the report was built with `what_can`: the index of
    /// the principal's access table in the access chunks (principals with the same policies
    /// share one).
    #[serde(skip_serializing_if = "Option::is_none")]
    access: Option<usize>,
}

/// Effective access, grouped: each group is a set of classes of actions allowed on the same
/// resources by the same statements (an admin's thousands of classes are one group).
/// `[service, access level, actions allowed, actions of that service and level, the actions
/// (null when all)]`.
type Class = (String, String, usize, usize, Option<Vec<String>>);

#[derive(Debug, Serialize)]
struct AccessGroup {
    /// `[service, access level, actions allowed, actions of that service and level, the
    /// actions (null when all)]`.
    classes: Vec<Class>,
    resources: Vec<GrantOut>,
}

/// Where a class of actions is allowed, under which conditions, by which statements.
#[derive(Debug, Serialize)]
struct GrantOut {
    pattern: String,
    /// The resource must also match one pattern of each set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    within: Vec<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    except: Vec<String>,
    /// Alternatives: one must hold (each a conjunction of open conditions); empty when
    /// allowed without open conditions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conditions: Vec<String>,
    /// Conditional denials that apply unless their conditions fail.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unless: Vec<String>,
    statements: Vec<StatementRef>,
}

/// How a principal is (or can become) admin.
#[derive(Debug, Serialize)]
struct Escalation {
    /// Allowed every action on every resource already.
    admin: bool,
    /// A shortest path to admin, edge by edge (empty when admin already or no path).
    path: Vec<EdgeOut>,
}

#[derive(Debug, Serialize)]
struct EdgeOut {
    from: String,
    /// A principal's ARN, or `admin`.
    to: String,
    /// The pathfinding.cloud path id (`sts-001` for role assumption), or `is-admin`.
    via: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    through: Option<String>,
    /// A resource the edge needs that the export does not list.
    #[serde(skip_serializing_if = "Option::is_none")]
    assumes: Option<String>,
    steps: Vec<StepOut>,
}

#[derive(Debug, Serialize)]
struct StepOut {
    action: String,
    resource: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    context: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assumed_absent: Vec<String>,
    statements: Vec<StatementRef>,
}

/// A statement that decided, and where to read it.
#[derive(Debug, Serialize)]
struct StatementRef {
    /// The kind of policy (`identity`, `boundary`, `scp`, `resource`, ...).
    r#type: &'static str,
    /// The policy's name as the evaluator reports it.
    policy: String,
    effect: &'static str,
    /// The document in the policy chunks and the statement's index in it, when the snapshot
    /// holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    doc: Option<usize>,
    i: usize,
}

#[derive(Debug, Serialize)]
struct StatementOut {
    /// Index in the policy, from 0.
    i: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    effect: &'static str,
    line: u32,
    /// The statement's text as written in the file, de-indented.
    text: String,
}

#[derive(Debug, Serialize)]
struct PolicyOut {
    name: String,
    kind: &'static str,
    file: String,
    line: u32,
    statements: Vec<StatementOut>,
}

/// Documents in order of first use, each stored once.
#[derive(Default)]
struct Docs<'s> {
    by_place: BTreeMap<(usize, u32, u32), usize>,
    list: Vec<&'s PolicyDoc>,
    /// Every document of the snapshot by the place of each of its statements, to find the
    /// statement an evaluator's reason names.
    statements: BTreeMap<(usize, u32), &'s PolicyDoc>,
    /// Access tables (JSON), each stored once, and their index by content.
    access: Vec<String>,
    access_by_text: BTreeMap<String, usize>,
}

impl<'s> Docs<'s> {
    fn new(snapshot: &'s Snapshot) -> Self {
        let mut docs = Docs::default();
        for doc in all_docs(snapshot) {
            for st in &doc.policy.statements {
                docs.statements
                    .entry((doc.source, st.span.start))
                    .or_insert(doc);
            }
        }
        docs
    }

    /// The index of an access table, stored once.
    fn add_access(&mut self, groups: &[AccessGroup]) -> usize {
        let text = to_json(groups);
        if let Some(&n) = self.access_by_text.get(&text) {
            return n;
        }
        self.access.push(text.clone());
        self.access_by_text.insert(text, self.access.len() - 1);
        self.access.len() - 1
    }

    /// The statement a reason names, as a reference into the stored documents.
    fn reason(&mut self, reason: &Reason) -> StatementRef {
        let doc = self
            .statements
            .get(&(reason.source, reason.span.start))
            .copied()
            .map(|d| self.add(d));
        StatementRef {
            r#type: reason.policy_type.as_str(),
            policy: reason.policy.to_string(),
            effect: effect_str(Some(reason.effect)),
            doc,
            i: reason.statement,
        }
    }

    fn add(&mut self, doc: &'s PolicyDoc) -> usize {
        let key = (doc.source, doc.span.start, doc.span.end);
        *self.by_place.entry(key).or_insert_with(|| {
            self.list.push(doc);
            self.list.len() - 1
        })
    }
}

/// Every policy document of a snapshot.
fn all_docs(snapshot: &Snapshot) -> impl Iterator<Item = &PolicyDoc> {
    let accounts = snapshot.accounts.values().flat_map(|a| {
        let users = a.users.iter().flat_map(|u| u.inline.iter());
        let groups = a.groups.iter().flat_map(|g| g.inline.iter());
        let roles = a
            .roles
            .iter()
            .flat_map(|r| r.inline.iter().chain(r.trust.as_ref()));
        let managed = a.managed_policies.values().map(|m| &m.document);
        let resources = a.resources.values().map(|r| &r.document);
        users
            .chain(groups)
            .chain(roles)
            .chain(managed)
            .chain(resources)
    });
    let org = snapshot
        .organization
        .iter()
        .flat_map(|o| o.policies.values().map(|p| &p.document));
    accounts.chain(org)
}

/// What the analyses answered, for the report.
#[derive(Debug, Default)]
pub struct Answers {
    /// Paths to admin from every principal (`analysis::paths` with the default query).
    pub paths: Option<PathsResult>,
    /// The effective permissions of each principal, by ARN (`analysis::what_can`).
    pub access: Option<BTreeMap<String, WhatCan>>,
}

/// Builds the report page for a snapshot and what the analyses answered about it.
pub fn render(snapshot: &Snapshot, title: &str, answers: &Answers) -> String {
    let mut docs = Docs::new(snapshot);
    let mut level_sizes = BTreeMap::new();
    let mut rows = Vec::new();
    let mut details = Vec::new();
    for principal in snapshot.principals() {
        let mut detail = detail(snapshot, principal, &mut docs);
        if let Some(paths) = &answers.paths {
            detail.escalation = Some(escalation(paths, principal.arn(), &mut docs));
        }
        if let Some(access) = &answers.access {
            detail.access = access.get(principal.arn()).map(|w| {
                let groups = access_out(w, &mut docs, &mut level_sizes);
                docs.add_access(&groups)
            });
        }
        let (admin, steps) = match &detail.escalation {
            Some(e) => (Some(e.admin), Some(e.path.len())),
            None => (None, None),
        };
        rows.push(IndexRow(
            principal.arn(),
            detail.kind,
            &principal.account().id,
            detail.policies.len(),
            admin,
            steps,
        ));
        details.push(detail);
    }
    let index = Index {
        title: title.to_string(),
        accounts: snapshot
            .accounts
            .values()
            .map(|a| account_row(a, snapshot.organization.as_ref()))
            .collect(),
        organization: snapshot.organization.as_ref().map(|o| o.id.as_str()),
        principals: rows,
        principals_per_chunk: PRINCIPALS_PER_CHUNK,
        policies_per_chunk: POLICIES_PER_CHUNK,
        access_per_chunk: ACCESS_PER_CHUNK,
        diagnostics: snapshot
            .diagnostics
            .iter()
            .map(|d| {
                let source = snapshot.sources.get(d.source);
                DiagnosticRow {
                    severity: match d.severity {
                        policy_core::account::Severity::Error => "error",
                        policy_core::account::Severity::Warning => "warning",
                    },
                    file: source.map_or_else(String::new, |s| s.name().to_string()),
                    line: source.map_or(0, |s| s.line_col(d.span.start).line),
                    message: d.message.clone(),
                }
            })
            .collect(),
    };
    let policies: Vec<PolicyOut> = docs
        .list
        .iter()
        .map(|doc| policy_out(snapshot, doc))
        .collect();
    // Access tables are JSON already: a chunk is their list.
    let mut access_chunks = String::new();
    for (n, chunk) in docs.access.chunks(ACCESS_PER_CHUNK).enumerate() {
        let json = format!("[{}]", chunk.join(","));
        let data = encode::base64(&encode::gzip(json.as_bytes()));
        let _ = writeln!(
            access_chunks,
            "<script type=\"application/gzip+base64\" id=\"a{n}\">{data}</script>"
        );
    }
    page(
        title,
        &to_json(&index),
        &[
            chunks("p", &details, PRINCIPALS_PER_CHUNK),
            chunks("d", &policies, POLICIES_PER_CHUNK),
            access_chunks,
        ]
        .concat(),
    )
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// The `<script>` elements of one kind of chunk: `<script type="application/gzip+base64"
/// id="p0">…</script>`.
fn chunks<T: Serialize>(prefix: &str, items: &[T], per_chunk: usize) -> String {
    let mut out = String::new();
    for (n, chunk) in items.chunks(per_chunk).enumerate() {
        let data = encode::base64(&encode::gzip(to_json(chunk).as_bytes()));
        let _ = writeln!(
            out,
            "<script type=\"application/gzip+base64\" id=\"{prefix}{n}\">{data}</script>"
        );
    }
    out
}

fn account_row<'a>(account: &'a Account, org: Option<&Organization>) -> AccountRow<'a> {
    AccountRow {
        id: &account.id,
        partition: &account.partition,
        users: account.users.len(),
        groups: account.groups.len(),
        roles: account.roles.len(),
        policies: account.managed_policies.len(),
        resources: account.resources.len(),
        org: org.and_then(|o| org_path(o, &account.id)),
    }
}

/// The names from the root down to the account, or `None` when it is not in the tree.
fn org_path(org: &Organization, account: &str) -> Option<String> {
    let mut names = Vec::new();
    let mut at = Some(account);
    while let Some(id) = at {
        let node = org.nodes.get(id)?;
        if names.len() > org.nodes.len() {
            return None;
        }
        names.push(node.name.clone().unwrap_or_else(|| node.id.clone()));
        at = node.parent.as_deref();
    }
    names.reverse();
    Some(names.join(" / "))
}

/// The policies of a principal and what could not be resolved, as they are collected.
struct Collect<'s, 'd> {
    snapshot: &'s Snapshot,
    account: &'s Account,
    docs: &'d mut Docs<'s>,
    policies: Vec<Attachment<'s>>,
    gaps: Vec<String>,
}

impl<'s> Collect<'s, '_> {
    fn inline(&mut self, list: &'s [PolicyDoc], via: &'static str, from: Option<&'s str>) {
        for d in list {
            let doc = Some(self.docs.add(d));
            self.policies.push(Attachment {
                via,
                from,
                name: &d.name,
                doc,
            });
        }
    }

    fn managed(&mut self, arns: &'s [String], via: &'static str, from: Option<&'s str>) {
        for arn in arns {
            self.managed_one(arn, via, from);
        }
    }

    fn managed_one(&mut self, arn: &'s str, via: &'static str, from: Option<&'s str>) {
        let doc = self
            .snapshot
            .managed_policy(self.account, arn)
            .map(|p| self.docs.add(&p.document));
        if doc.is_none() {
            self.gaps
                .push(format!("managed policy `{arn}` is not in the export"));
        }
        self.policies.push(Attachment {
            via,
            from,
            name: arn,
            doc,
        });
    }
}

fn detail<'s>(snapshot: &'s Snapshot, principal: Principal<'s>, docs: &mut Docs<'s>) -> Detail<'s> {
    let account = principal.account();
    let mut c = Collect {
        snapshot,
        account,
        docs,
        policies: Vec::new(),
        gaps: Vec::new(),
    };
    // The principal's inline policies, its managed ones, then each group's (in the export's
    // order), the boundary, the trust policy, and the SCPs from the root down.
    let (kind, name, path, id, groups, tags, profiles): (_, _, _, _, &[String], _, &[String]) =
        match principal {
            Principal::User(_, user) => {
                c.inline(&user.inline, "inline", None);
                c.managed(&user.managed, "managed", None);
                for group_name in &user.groups {
                    match account.groups.iter().find(|g| &g.name == group_name) {
                        Some(group) => {
                            c.inline(&group.inline, "group", Some(&group.name));
                            c.managed(&group.managed, "group", Some(&group.name));
                        }
                        None => c
                            .gaps
                            .push(format!("group `{group_name}` is not in the export")),
                    }
                }
                (
                    "user",
                    user.name.as_str(),
                    user.path.as_str(),
                    user.id.as_deref(),
                    &user.groups,
                    &user.tags,
                    &[],
                )
            }
            Principal::Role(_, role) => {
                c.inline(&role.inline, "inline", None);
                c.managed(&role.managed, "managed", None);
                (
                    "role",
                    role.name.as_str(),
                    role.path.as_str(),
                    role.id.as_deref(),
                    &[],
                    &role.tags,
                    &role.instance_profiles,
                )
            }
        };
    if let Some(arn) = principal.boundary() {
        c.managed_one(arn, "boundary", None);
    }
    if let Principal::Role(_, role) = principal {
        if let Some(trust) = &role.trust {
            let doc = Some(c.docs.add(trust));
            c.policies.push(Attachment {
                via: "trust",
                from: None,
                name: &trust.name,
                doc,
            });
        }
    }
    if let Some(org) = &snapshot.organization {
        scp_attachments(org, &account.id, &mut c);
    }
    Detail {
        arn: principal.arn(),
        kind,
        name,
        account: &account.id,
        path,
        id,
        groups,
        boundary: principal.boundary(),
        tags: tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        instance_profiles: profiles,
        policies: c.policies,
        gaps: c.gaps,
        escalation: None,
        access: None,
    }
}

/// The effective permissions for the page; `sizes` caches the number of actions of each
/// service and access level in the IAM reference.
fn access_out(
    what: &WhatCan,
    docs: &mut Docs<'_>,
    sizes: &mut BTreeMap<(String, String), usize>,
) -> Vec<AccessGroup> {
    let mut groups: Vec<Grouping> = Vec::new();
    let mut by_resources: BTreeMap<String, usize> = BTreeMap::new();
    for grant in &what.grants {
        let of = *sizes
            .entry((grant.service.clone(), grant.access_level.clone()))
            .or_insert_with(|| {
                ServiceRef::get().service(&grant.service).map_or(0, |s| {
                    s.actions()
                        .filter(|a| a.access_level().as_str() == grant.access_level)
                        .count()
                })
            });
        let class = (grant.service.clone(), grant.access_level.clone(), of);
        let resources: Vec<GrantOut> = grant
            .resources
            .iter()
            .map(|r| GrantOut {
                pattern: r.pattern.clone(),
                within: r
                    .within
                    .iter()
                    .map(|set| {
                        set.iter()
                            .map(|area| {
                                if area.except.is_empty() {
                                    area.pattern.clone()
                                } else {
                                    format!("{} except {}", area.pattern, area.except.join(", "))
                                }
                            })
                            .collect()
                    })
                    .collect(),
                except: r.except.clone(),
                conditions: alternatives(&r.residual),
                unless: r
                    .residual
                    .unless
                    .iter()
                    .map(|c| {
                        format!(
                            "{} ({})",
                            conditions_text(&c.conditions),
                            c.statement.policy
                        )
                    })
                    .collect(),
                statements: r.reasons.iter().map(|reason| docs.reason(reason)).collect(),
            })
            .collect();
        let key = to_json(&resources);
        let n = *by_resources.entry(key).or_insert_with(|| {
            groups.push(Grouping {
                classes: BTreeMap::new(),
                resources,
            });
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(n) {
            let (actions, _) = group
                .classes
                .entry((class.0, class.1))
                .or_insert_with(|| (Vec::new(), class.2));
            actions.extend(grant.actions.iter().cloned());
        }
    }
    // Classes of one service and level in a group are merged: when they are every action of
    // that service and level, the names are left out.
    groups
        .into_iter()
        .map(|g| AccessGroup {
            classes: g
                .classes
                .into_iter()
                .map(|((service, level), (mut actions, of))| {
                    actions.sort();
                    actions.dedup();
                    let count = actions.len();
                    (service, level, count, of, (count != of).then_some(actions))
                })
                .collect(),
            resources: g.resources,
        })
        .collect()
}

/// An access group as it is built: the actions of each service and level, and how many
/// that service and level has.
struct Grouping {
    classes: BTreeMap<(String, String), (Vec<String>, usize)>,
    resources: Vec<GrantOut>,
}

/// Each way to be allowed, as text: the open conditions that must all hold.
fn alternatives(residual: &Residual) -> Vec<String> {
    residual
        .any_of
        .iter()
        .map(|alt| {
            let parts: Vec<String> = alt
                .all_of
                .iter()
                .map(|c| conditions_text(&c.conditions))
                .collect();
            parts.join(" and ")
        })
        .collect()
}

fn conditions_text(conditions: &[policy_core::analysis::who_can::OpenCondition]) -> String {
    let parts: Vec<String> = conditions
        .iter()
        .map(|c| format!("{} {} {}", c.operator, c.key, c.values.join(", ")))
        .collect();
    parts.join(" and ")
}

/// The principal's standing in the paths to admin: admin already, or its path.
fn escalation(paths: &PathsResult, arn: &str, docs: &mut Docs<'_>) -> Escalation {
    let admin = paths.already.iter().any(|a| a == arn);
    let path = paths
        .paths
        .iter()
        .find(|p| p.from == arn)
        .map(|p| {
            p.edges
                .iter()
                .filter_map(|&e| paths.edges.get(e))
                .map(|edge| EdgeOut {
                    from: edge.from.clone(),
                    to: match &edge.to {
                        Node::Principal(arn) => arn.clone(),
                        other => other.as_str().to_string(),
                    },
                    via: edge.via.clone(),
                    through: edge.through.clone(),
                    assumes: edge.assumes.clone(),
                    steps: edge
                        .steps
                        .iter()
                        .map(|step| StepOut {
                            action: step.action.clone(),
                            resource: step.resource.clone(),
                            context: step.context.clone(),
                            assumed_absent: step.assumed_absent.clone(),
                            statements: step.reasons.iter().map(|r| docs.reason(r)).collect(),
                        })
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    Escalation { admin, path }
}

/// The SCPs that apply to an account, from the root down to the account (Organizations UG
/// `orgs_manage_policies_inheritance_auth`); none for the management account, which SCPs do
/// not restrict, or when the organization does not enable them.
fn scp_attachments<'s>(org: &'s Organization, account: &str, c: &mut Collect<'s, '_>) {
    if !org.scps_enabled || org.management_account.as_deref() == Some(account) {
        return;
    }
    let mut chain = Vec::new();
    let mut at = org.nodes.get(account);
    while let Some(node) = at {
        if chain.len() > org.nodes.len() {
            break;
        }
        chain.push(node);
        at = node.parent.as_deref().and_then(|p| org.nodes.get(p));
    }
    if chain.is_empty() {
        return;
    }
    for node in chain.into_iter().rev() {
        for id in &node.scps {
            match org.policies.get(id) {
                Some(policy) => {
                    let doc = Some(c.docs.add(&policy.document));
                    c.policies.push(Attachment {
                        via: "scp",
                        from: Some(&node.id),
                        name: &policy.name,
                        doc,
                    });
                }
                None => c.gaps.push(format!(
                    "SCP `{id}` attached to `{}` is not in the export",
                    node.id
                )),
            }
        }
    }
}

fn policy_out(snapshot: &Snapshot, doc: &PolicyDoc) -> PolicyOut {
    let empty = SourceFile::new("", "");
    let source = snapshot.sources.get(doc.source).unwrap_or(&empty);
    PolicyOut {
        name: doc.name.to_string(),
        kind: doc.policy.kind.as_str(),
        file: source.name().to_string(),
        line: source.line_col(doc.span.start).line,
        statements: doc
            .policy
            .statements
            .iter()
            .map(|s| {
                let at = source.line_col(s.span.start);
                StatementOut {
                    i: s.index,
                    sid: s.sid.as_ref().map(|n| n.node.clone()),
                    effect: effect_str(s.effect()),
                    line: at.line,
                    text: dedent(source.slice(s.span), at.column),
                }
            })
            .collect(),
    }
}

fn effect_str(effect: Option<Effect>) -> &'static str {
    match effect {
        Some(Effect::Allow) => "Allow",
        Some(Effect::Deny) => "Deny",
        None => "",
    }
}

/// The text of a statement that starts at `column` (from 1): the indentation its later lines
/// share with the first is removed, so it reads as if written alone.
fn dedent(text: &str, column: u32) -> String {
    let indent = column.saturating_sub(1) as usize;
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
            let spaces = line.len() - line.trim_start_matches([' ', '\t']).len();
            out.push_str(line.get(spaces.min(indent)..).unwrap_or(line));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// The whole page.
fn page(title: &str, index: &str, data_chunks: &str) -> String {
    let csp = format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; img-src data:; base-uri 'none'; form-action 'none'",
        encode::base64(&encode::sha256(SCRIPT.as_bytes())),
        encode::base64(&encode::sha256(STYLE.as_bytes())),
    );
    let mut out = String::with_capacity(index.len() + data_chunks.len() + 64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape_html(title));
    let _ = writeln!(out, "<style>{STYLE}</style>");
    out.push_str(
        "</head>\n<body>\n<noscript>This report needs JavaScript to show its data.</noscript>\n",
    );
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"index\">{}</script>",
        encode::script_json(index)
    );
    out.push_str(data_chunks);
    let _ = writeln!(out, "<script>{SCRIPT}</script>");
    out.push_str("</body>\n</html>\n");
    out
}

/// Text for an HTML text node or a quoted attribute.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use policy_core::account::{Role, User};
    use policy_core::{parse_policy, PolicyKind};

    use super::*;

    /// A policy document read from its own source, added to the snapshot.
    pub(crate) fn doc(
        snapshot: &mut Snapshot,
        name: &str,
        text: &str,
        kind: PolicyKind,
    ) -> PolicyDoc {
        let parsed = parse_policy(text, Some(kind));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let policy = parsed.policy.unwrap();
        let span = policy.span;
        snapshot
            .sources
            .push(SourceFile::new(format!("{name}.json"), text.to_string()));
        PolicyDoc {
            name: name.into(),
            policy: Arc::new(policy),
            source: snapshot.sources.len() - 1,
            span,
        }
    }

    pub(crate) fn user(account: &str, name: &str, inline: Vec<PolicyDoc>) -> User {
        User {
            arn: format!("arn:aws:iam::{account}:user/{name}"),
            name: name.to_string(),
            id: None,
            path: "/".to_string(),
            groups: Vec::new(),
            inline,
            managed: Vec::new(),
            boundary: None,
            tags: Tags::default(),
        }
    }

    pub(crate) fn role(account: &str, name: &str, trust: Option<PolicyDoc>) -> Role {
        Role {
            arn: format!("arn:aws:iam::{account}:role/{name}"),
            name: name.to_string(),
            id: None,
            path: "/".to_string(),
            trust,
            inline: Vec::new(),
            managed: Vec::new(),
            boundary: None,
            tags: Tags::default(),
            instance_profiles: Vec::new(),
        }
    }

    use policy_core::account::Tags;

    fn small() -> Snapshot {
        let mut s = Snapshot::default();
        let read = doc(
            &mut s,
            "user/alice/ReadReports",
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"ReadReports\",\n      \"Effect\": \"Allow\",\n      \"Action\": \"s3:GetObject\",\n      \"Resource\": \"arn:aws:s3:::reports/*\"\n    }\n  ]\n}\n",
            PolicyKind::Identity,
        );
        let trust = doc(
            &mut s,
            "role/app/trust",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            PolicyKind::Trust,
        );
        let account = Account {
            id: "111122223333".into(),
            partition: "aws".into(),
            users: vec![
                user("111122223333", "alice", vec![read]),
                user("111122223333", "bob", Vec::new()),
            ],
            roles: vec![role("111122223333", "app", Some(trust))],
            ..Account::default()
        };
        s.accounts.insert(account.id.clone(), account);
        s
    }

    #[test]
    fn same_snapshot_same_bytes() {
        assert_eq!(
            render(&small(), "t", &Answers::default()),
            render(&small(), "t", &Answers::default())
        );
    }

    #[test]
    fn statements_keep_their_line_and_text() {
        let s = small();
        let mut docs = Docs::new(&s);
        let principal = s.principal("arn:aws:iam::111122223333:user/alice").unwrap();
        let d = detail(&s, principal, &mut docs);
        assert_eq!(d.policies.len(), 1);
        let out = policy_out(&s, docs.list[0]);
        assert_eq!(out.statements[0].line, 4);
        assert_eq!(
            out.statements[0].text,
            "{\n  \"Sid\": \"ReadReports\",\n  \"Effect\": \"Allow\",\n  \"Action\": \"s3:GetObject\",\n  \"Resource\": \"arn:aws:s3:::reports/*\"\n}"
        );
    }

    #[test]
    fn dump_small_report_for_manual_check() {
        if let Some(path) = std::env::var_os("IAMPOL_REPORT_DUMP") {
            std::fs::write(path, render(&small(), "Small", &Answers::default())).unwrap();
        }
    }
}
