//! The Organizations dump of `scripts/dump-account.sh` (`organization/` in a snapshot):
//!
//! ```text
//! organization/describe-organization.json         aws organizations describe-organization
//! organization/list-roots.json                    aws organizations list-roots
//! organization/list-accounts.json                 aws organizations list-accounts
//! organization/children/<parent-id>.ou.json       list-children --child-type ORGANIZATIONAL_UNIT
//! organization/children/<parent-id>.account.json  list-children --child-type ACCOUNT
//! organization/policies/<policy-id>.json          describe-policy (Content is a JSON string)
//! organization/targets/<policy-id>.json           list-targets-for-policy
//! ```
//!
//! The tree is built from the root down (`list-roots`, then the children files); SCPs and RCPs
//! are attached where their targets say. A policy type counts as enabled when the root's
//! `PolicyTypes` (else `describe-organization`'s `AvailablePolicyTypes`) marks it `ENABLED`.

use super::{
    into_items, into_members, parse_source, read_document, string, take, Encoding, TreeFile,
};
use crate::account::{OrgNode, OrgNodeKind, OrgPolicy, Organization, Severity, Snapshot};
use crate::ast::PolicyKind;
use crate::source::Span;
use crate::syntax::{Member, Value, ValueKind};

/// Reads the files under `organization/`.
pub(crate) fn read_organization(snapshot: &mut Snapshot, files: Vec<TreeFile>) {
    let mut org = snapshot.organization.take().unwrap_or_default();
    let mut describe = None;
    let mut roots = None;
    let mut accounts = None;
    let mut children = Vec::new();
    let mut policies = Vec::new();
    let mut targets = Vec::new();
    for f in files {
        let rest = f
            .path
            .strip_prefix("organization/")
            .unwrap_or(&f.path)
            .to_string();
        let source = snapshot.add_source(f.file);
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.as_slice() {
            ["describe-organization.json"] => describe = Some(source),
            ["list-roots.json"] => roots = Some(source),
            ["list-accounts.json"] => accounts = Some(source),
            ["children", name] => {
                if let Some(parent) = name.strip_suffix(".ou.json") {
                    children.push((parent.to_string(), OrgNodeKind::OrganizationalUnit, source));
                } else if let Some(parent) = name.strip_suffix(".account.json") {
                    children.push((parent.to_string(), OrgNodeKind::Account, source));
                } else {
                    unknown(snapshot, source);
                }
            }
            ["policies", _] => policies.push(source),
            ["targets", name] => match name.strip_suffix(".json") {
                Some(id) => targets.push((id.to_string(), source)),
                None => unknown(snapshot, source),
            },
            _ => unknown(snapshot, source),
        }
    }
    let mut available: Option<(bool, bool)> = None;
    if let Some(source) = describe {
        if let Some(value) = parse_source(snapshot, source) {
            let span = value.span;
            match value.get("Organization") {
                Some(o) => {
                    if let Some(id) = o.get("Id").and_then(Value::as_str) {
                        org.id = id.to_string();
                    }
                    org.management_account = o
                        .get("MasterAccountId")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .or(org.management_account);
                    if let Some(types) = o.get("AvailablePolicyTypes") {
                        available = Some(enabled_types(types));
                    }
                }
                None => snapshot.diagnose(
                    Severity::Error,
                    source,
                    span,
                    "expected the output of `aws organizations describe-organization` (an \
                     object with `Organization`)"
                        .to_string(),
                ),
            }
        }
    }
    let mut root_types: Option<(bool, bool)> = None;
    match roots {
        Some(source) => {
            if let Some(value) = parse_source(snapshot, source) {
                let span = value.span;
                let roots: Vec<&Value> = match value.get("Roots").map(|r| &r.kind) {
                    Some(ValueKind::Array(items)) => items.iter().collect(),
                    _ => Vec::new(),
                };
                if roots.is_empty() {
                    snapshot.diagnose(
                        Severity::Error,
                        source,
                        span,
                        "expected the output of `aws organizations list-roots` (an object with \
                         a non-empty `Roots` list)"
                            .to_string(),
                    );
                }
                for root in roots {
                    let Some(id) = root.get("Id").and_then(Value::as_str) else {
                        snapshot.diagnose(
                            Severity::Error,
                            source,
                            root.span,
                            "a root without an `Id`".to_string(),
                        );
                        continue;
                    };
                    if let Some(types) = root.get("PolicyTypes") {
                        let (s, r) = enabled_types(types);
                        let (s0, r0) = root_types.unwrap_or((false, false));
                        root_types = Some((s || s0, r || r0));
                    }
                    org.nodes.insert(
                        id.to_string(),
                        node(id, OrgNodeKind::Root, root.get("Name"), None),
                    );
                }
            }
        }
        None => {
            if org.nodes.values().all(|n| n.kind != OrgNodeKind::Root) {
                if let Some(&(_, _, source)) = children.first() {
                    snapshot.diagnose(
                        Severity::Error,
                        source,
                        Span::default(),
                        "the organization dump has no `list-roots.json`: its tree cannot be \
                         built, and SCPs and RCPs of its accounts are unknown"
                            .to_string(),
                    );
                }
            }
        }
    }
    if let Some((s, r)) = root_types.or(available) {
        org.scps_enabled = s;
        org.rcps_enabled = r;
    }
    // Children files, placed from the root down so that a node's parent is known first;
    // files under parents never reached are reported.
    let mut pending = children;
    loop {
        let before = pending.len();
        let mut rest = Vec::new();
        for (parent, kind, source) in pending {
            if !org.nodes.contains_key(&parent) {
                rest.push((parent, kind, source));
                continue;
            }
            let Some(value) = parse_source(snapshot, source) else {
                continue;
            };
            let span = value.span;
            let Some(ValueKind::Array(items)) = value.get("Children").map(|c| &c.kind) else {
                snapshot.diagnose(
                    Severity::Error,
                    source,
                    span,
                    "expected the output of `aws organizations list-children` (an object with \
                     `Children`)"
                        .to_string(),
                );
                continue;
            };
            for child in items {
                let Some(id) = child.get("Id").and_then(Value::as_str) else {
                    snapshot.diagnose(
                        Severity::Error,
                        source,
                        child.span,
                        "a child without an `Id`".to_string(),
                    );
                    continue;
                };
                if org.nodes.contains_key(id) {
                    snapshot.diagnose(
                        Severity::Warning,
                        source,
                        child.span,
                        format!("`{id}` is listed under two parents: the first is kept"),
                    );
                    continue;
                }
                org.nodes
                    .insert(id.to_string(), node(id, kind, None, Some(&parent)));
            }
        }
        if rest.is_empty() || rest.len() == before {
            for (parent, _, source) in rest {
                snapshot.diagnose(
                    Severity::Error,
                    source,
                    Span::default(),
                    format!("parent `{parent}` is not in the organization tree: its children are left out"),
                );
            }
            break;
        }
        pending = rest;
    }
    if let Some(source) = accounts {
        if let Some(value) = parse_source(snapshot, source) {
            for account in value
                .get("Accounts")
                .map(|a| into_items(a.clone()))
                .unwrap_or_default()
            {
                let m = into_members(account);
                let (Some(id), name) = (string(&m, "Id"), string(&m, "Name")) else {
                    continue;
                };
                match org.nodes.get_mut(&id) {
                    Some(n) => n.name = name.or(n.name.take()),
                    None => {
                        let span = m.first().map(|x| x.key_span).unwrap_or_default();
                        snapshot.diagnose(
                            Severity::Warning,
                            source,
                            span,
                            format!(
                                "account {id} is in `list-accounts` but in no `children` file: \
                                 the SCPs and RCPs that apply to it are unknown"
                            ),
                        );
                    }
                }
            }
        }
    }
    let mut failed = std::collections::BTreeMap::new();
    for source in policies {
        if let Some((id, kind)) = read_policy(snapshot, &mut org, source) {
            failed.insert(id, kind);
        }
    }
    for (id, source) in targets {
        let Some(value) = parse_source(snapshot, source) else {
            continue;
        };
        // A policy that could not be read is still attached, so that the chains through it
        // are reported as incomplete (`org_levels` finds it missing); of unknown type, it is
        // attached as both.
        let kind = match org.policies.get(&id).map(|p| p.kind) {
            Some(kind) => Some(kind),
            None => {
                let known = failed.get(&id).copied().flatten();
                if !failed.contains_key(&id) {
                    snapshot.diagnose(
                        Severity::Error,
                        source,
                        value.span,
                        format!(
                            "targets of policy `{id}`, which is not in `policies/`: the SCPs and \
                             RCPs of these targets are incomplete"
                        ),
                    );
                }
                known
            }
        };
        for target in value
            .get("Targets")
            .map(|t| into_items(t.clone()))
            .unwrap_or_default()
        {
            let span = target.span;
            let m = into_members(target);
            let Some(target_id) = string(&m, "TargetId") else {
                snapshot.diagnose(
                    Severity::Error,
                    source,
                    span,
                    "a target without a `TargetId`".to_string(),
                );
                continue;
            };
            match org.nodes.get_mut(&target_id) {
                Some(n) => match kind {
                    Some(PolicyKind::Rcp) => n.rcps.push(id.clone()),
                    Some(_) => n.scps.push(id.clone()),
                    None => {
                        n.scps.push(id.clone());
                        n.rcps.push(id.clone());
                    }
                },
                None => snapshot.diagnose(
                    Severity::Warning,
                    source,
                    span,
                    format!(
                        "target `{target_id}` of policy `{id}` is not in the organization tree"
                    ),
                ),
            }
        }
    }
    snapshot.organization = Some(org);
}

fn unknown(snapshot: &mut Snapshot, source: usize) {
    snapshot.diagnose(
        Severity::Warning,
        source,
        Span::default(),
        "skipped: not a file of the Organizations dump layout".to_string(),
    );
}

fn node(id: &str, kind: OrgNodeKind, name: Option<&Value>, parent: Option<&str>) -> OrgNode {
    OrgNode {
        id: id.to_string(),
        kind,
        name: name.and_then(Value::as_str).map(str::to_string),
        parent: parent.map(str::to_string),
        scps: Vec::new(),
        rcps: Vec::new(),
    }
}

/// Whether `SERVICE_CONTROL_POLICY` and `RESOURCE_CONTROL_POLICY` are `ENABLED` in a
/// `PolicyTypes`/`AvailablePolicyTypes` list.
fn enabled_types(types: &Value) -> (bool, bool) {
    let mut scp = false;
    let mut rcp = false;
    if let ValueKind::Array(items) = &types.kind {
        for t in items {
            if t.get("Status").and_then(Value::as_str) != Some("ENABLED") {
                continue;
            }
            match t.get("Type").and_then(Value::as_str) {
                Some("SERVICE_CONTROL_POLICY") => scp = true,
                Some("RESOURCE_CONTROL_POLICY") => rcp = true,
                _ => {}
            }
        }
    }
    (scp, rcp)
}

/// `describe-policy` output: `{"Policy": {"PolicySummary": {...}, "Content": "<JSON>"}}`.
/// Returns the id (and type, when known) of an SCP or RCP that could not be read.
fn read_policy(
    snapshot: &mut Snapshot,
    org: &mut Organization,
    source: usize,
) -> Option<(String, Option<PolicyKind>)> {
    let value = parse_source(snapshot, source)?;
    let span = value.span;
    let mut policy = into_members(take(&mut into_members(value), "Policy").unwrap_or(Value {
        kind: ValueKind::Null,
        span,
    }));
    let summary: Vec<Member> = take(&mut policy, "PolicySummary")
        .map(into_members)
        .unwrap_or_default();
    let (Some(id), Some(content)) = (string(&summary, "Id"), take(&mut policy, "Content")) else {
        snapshot.diagnose(
            Severity::Error,
            source,
            span,
            "expected the output of `aws organizations describe-policy` (`Policy` with \
             `PolicySummary.Id` and `Content`)"
                .to_string(),
        );
        return None;
    };
    let kind = match string(&summary, "Type").as_deref() {
        Some("SERVICE_CONTROL_POLICY") => PolicyKind::Scp,
        Some("RESOURCE_CONTROL_POLICY") => PolicyKind::Rcp,
        // Tag, backup, AI opt-out ... policies do not take part in authorization.
        Some(_) => return None,
        None => {
            snapshot.diagnose(
                Severity::Error,
                source,
                span,
                format!("policy `{id}` has no `PolicySummary.Type`"),
            );
            return Some((id, None));
        }
    };
    let name = string(&summary, "Name").unwrap_or_else(|| id.clone());
    let aws_managed = summary
        .iter()
        .any(|m| &*m.key == "AwsManaged" && matches!(m.value.kind, ValueKind::Bool(true)));
    let file_name = snapshot
        .sources
        .get(source)
        .map(|f| f.name().to_string())
        .unwrap_or_default();
    let doc_name = format!("{id} ({name})");
    let Some(document) = read_document(
        snapshot,
        content,
        source,
        kind,
        &doc_name,
        || format!("{file_name}: Content"),
        Encoding::Json,
    ) else {
        // Not inserted: attachments to it make the chain a gap.
        return Some((id, Some(kind)));
    };
    org.policies.insert(
        id.clone(),
        OrgPolicy {
            id,
            name,
            kind,
            aws_managed,
            document,
        },
    );
    None
}
