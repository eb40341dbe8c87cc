//! An iam-collect store (cloud-copilot/iam-collect, file back end): `aws/<partition>/accounts/`
//! and `aws/<partition>/organizations/`. Facts about its layout (from its `docs/Storage.md`
//! and `src/syncs/{iam/authorizationDetails.ts,organizations/organizations.ts}`):
//!
//! - one folder per resource, one file per kind of data; the whole path is lower-cased, so
//!   ARNs, names and ids are read from `metadata.json`, never from the path;
//! - IAM: `iam/{user,group,role}/<name>/` with `metadata.json` (`arn`, `name`, `id`, `path`,
//!   `permissionBoundary`: an ARN), `inline-policies.json` (`[{PolicyName, PolicyDocument}]`),
//!   `managed-policies.json` (ARNs), `groups.json` (group ARNs), `tags.json` (`{key: value}`),
//!   `trust-policy.json`, `instance-profiles.json` (ARNs); `iam/policy/<name>/` and
//!   `iam/aws/policy/<name>/` with `metadata.json` and `current-policy.json` (the default
//!   version's document);
//! - other resources: `<service>/[<region>/]<type>/<id>/` with `metadata.json` (`arn`) and
//!   `policy.json`;
//! - organizations: `organizations/<org-id>/metadata.json` (`id`, `rootOu`, `rootAccountId`,
//!   `features`: policy type → enabled), `ous.json` (id → `{parent, scps, rcps}`),
//!   `accounts.json` (id → `{ou, scps, rcps}`), with policy ARNs; `scps/<id>/` and
//!   `rcps/<id>/` with `metadata.json` (`arn`, `name`, `awsManaged`) and `policy.json`.
//!
//! Every document is a JSON object (iam-collect parses them), so spans are in its file.

use std::collections::BTreeMap;

use super::{into_items, into_members, parse_source, read_document, Encoding, TreeFile};
use crate::account::{
    Group, ManagedPolicy, OrgNode, OrgNodeKind, OrgPolicy, Organization, ResourcePolicy, Role,
    Severity, Snapshot, Tags, User,
};
use crate::ast::PolicyKind;
use crate::request::arn_account;
use crate::source::Span;
use crate::syntax::{Value, ValueKind};

/// The files of one folder, by file name (source indexes).
type Folder = BTreeMap<String, usize>;

/// Reads the `aws/...` files of an iam-collect store.
pub(crate) fn read_collect(snapshot: &mut Snapshot, files: Vec<TreeFile>) {
    let mut folders: BTreeMap<String, Folder> = BTreeMap::new();
    for f in files {
        let (dir, name) = f.path.rsplit_once('/').unwrap_or(("", f.path.as_str()));
        let (dir, name) = (dir.to_string(), name.to_string());
        let source = snapshot.add_source(f.file);
        folders.entry(dir).or_default().insert(name, source);
    }
    let mut orgs = Vec::new();
    for (dir, folder) in &folders {
        let parts: Vec<&str> = dir.split('/').collect();
        match parts.as_slice() {
            ["aws", partition, "accounts", account, "iam", kind @ ("user" | "group" | "role" | "policy"), _, ..] =>
            {
                read_iam(snapshot, partition, account, kind, folder);
            }
            ["aws", partition, "accounts", account, "iam", "aws", "policy", _, ..] => {
                read_iam(snapshot, partition, account, "policy", folder);
            }
            ["aws", partition, "accounts", account, service, _, ..]
                if *service != "iam" && *service != "ram" && folder.contains_key("policy.json") =>
            {
                read_resource(snapshot, partition, account, folder);
            }
            ["aws", _, "organizations", _] => orgs.push(dir.clone()),
            _ => {}
        }
    }
    for dir in orgs {
        read_org(snapshot, &dir, &folders);
    }
}

/// A JSON file of the folder, read (`None` when absent or unreadable, with diagnostics).
fn file(snapshot: &mut Snapshot, folder: &Folder, name: &str) -> Option<(usize, Value)> {
    let source = *folder.get(name)?;
    parse_source(snapshot, source).map(|v| (source, v))
}

/// A string field of an object.
fn field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The strings of a list file (`managed-policies.json`, `groups.json`); `null` entries (a
/// group iam-collect could not resolve) are skipped.
fn strings(snapshot: &mut Snapshot, folder: &Folder, name: &str) -> Vec<String> {
    file(snapshot, folder, name)
        .map(|(_, v)| into_items(v))
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn tags(snapshot: &mut Snapshot, folder: &Folder) -> Tags {
    let mut out = Tags::new();
    if let Some((_, v)) = file(snapshot, folder, "tags.json") {
        for m in into_members(v) {
            if let Some(s) = m.value.as_str() {
                out.insert(m.key.to_string(), s.to_string());
            }
        }
    }
    out
}

/// `metadata.json` and its `arn`; reported when missing.
fn metadata(snapshot: &mut Snapshot, folder: &Folder) -> Option<(Value, String)> {
    let Some((source, value)) = file(snapshot, folder, "metadata.json") else {
        if let Some(&any) = folder.values().next() {
            snapshot.diagnose(
                Severity::Error,
                any,
                Span::default(),
                "this folder of the iam-collect store has no readable `metadata.json`: its \
                 resource is left out"
                    .to_string(),
            );
        }
        return None;
    };
    match field(&value, "arn") {
        Some(arn) => Some((value, arn)),
        None => {
            snapshot.diagnose(
                Severity::Error,
                source,
                value.span,
                "`metadata.json` without an `arn`: its resource is left out".to_string(),
            );
            None
        }
    }
}

/// Inline policies of an entity: `[{PolicyName, PolicyDocument}]`.
fn inline(
    snapshot: &mut Snapshot,
    folder: &Folder,
    kind: &str,
    name: &str,
    unreadable: &mut Vec<String>,
) -> Vec<crate::account::PolicyDoc> {
    let Some((source, value)) = file(snapshot, folder, "inline-policies.json") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in into_items(value) {
        let span = item.span;
        let mut m = into_members(item);
        let policy_name = super::string(&m, "PolicyName").unwrap_or_default();
        let doc_name = format!("{kind}/{name}/{policy_name}");
        let Some(document) = super::take(&mut m, "PolicyDocument") else {
            snapshot.diagnose(
                Severity::Error,
                source,
                span,
                format!("inline policy `{doc_name}` without a `PolicyDocument`"),
            );
            unreadable.push(doc_name);
            continue;
        };
        match read_document(
            snapshot,
            document,
            source,
            PolicyKind::Identity,
            &doc_name,
            String::new,
            Encoding::Json,
        ) {
            Some(d) => out.push(d),
            None => unreadable.push(doc_name),
        }
    }
    out
}

fn last_segment(arn: &str) -> String {
    arn.rsplit(['/', ':']).next().unwrap_or(arn).to_string()
}

fn read_iam(snapshot: &mut Snapshot, partition: &str, account: &str, kind: &str, folder: &Folder) {
    let Some((meta, arn)) = metadata(snapshot, folder) else {
        return;
    };
    let name = field(&meta, "name").unwrap_or_else(|| last_segment(&arn));
    let path = field(&meta, "path").unwrap_or_else(|| "/".to_string());
    let id = field(&meta, "id");
    let boundary = field(&meta, "permissionBoundary");
    let mut unreadable = Vec::new();
    // The account folder is lower-cased like the rest; the ARN's account is the account.
    let owner = arn_account(&arn)
        .filter(|a| a.len() == 12)
        .unwrap_or(account)
        .to_string();
    match kind {
        "user" => {
            let inline = inline(snapshot, folder, "user", &name, &mut unreadable);
            let user = User {
                groups: strings(snapshot, folder, "groups.json")
                    .iter()
                    .map(|g| last_segment(g))
                    .collect(),
                managed: strings(snapshot, folder, "managed-policies.json"),
                tags: tags(snapshot, folder),
                arn: arn.clone(),
                name,
                id,
                path,
                inline,
                boundary,
            };
            snapshot.account_mut(&owner, partition).users.push(user);
        }
        "group" => {
            let inline = inline(snapshot, folder, "group", &name, &mut unreadable);
            let group = Group {
                managed: strings(snapshot, folder, "managed-policies.json"),
                arn: arn.clone(),
                name,
                path,
                inline,
            };
            snapshot.account_mut(&owner, partition).groups.push(group);
        }
        "role" => {
            let trust_name = format!("role/{name}/trust");
            let trust = match file(snapshot, folder, "trust-policy.json") {
                Some((source, value)) => read_document(
                    snapshot,
                    value,
                    source,
                    PolicyKind::Trust,
                    &trust_name,
                    String::new,
                    Encoding::Json,
                ),
                None => None,
            };
            if trust.is_none() {
                if !folder.contains_key("trust-policy.json") {
                    if let Some(&any) = folder.values().next() {
                        snapshot.diagnose(
                            Severity::Error,
                            any,
                            Span::default(),
                            format!("role `{arn}` has no `trust-policy.json`"),
                        );
                    }
                }
                unreadable.push(trust_name);
            }
            let inline = inline(snapshot, folder, "role", &name, &mut unreadable);
            let role = Role {
                managed: strings(snapshot, folder, "managed-policies.json"),
                instance_profiles: strings(snapshot, folder, "instance-profiles.json"),
                tags: tags(snapshot, folder),
                arn: arn.clone(),
                name,
                id,
                path,
                trust,
                inline,
                boundary,
            };
            snapshot.account_mut(&owner, partition).roles.push(role);
        }
        _ => {
            // A managed policy; AWS managed ones are stored per account that returned them.
            let Some((source, value)) = file(snapshot, folder, "current-policy.json") else {
                if let Some(&any) = folder.values().next() {
                    snapshot.diagnose(
                        Severity::Error,
                        any,
                        Span::default(),
                        format!("managed policy `{arn}` has no readable `current-policy.json`"),
                    );
                }
                return;
            };
            let Some(document) = read_document(
                snapshot,
                value,
                source,
                PolicyKind::Identity,
                &arn,
                String::new,
                Encoding::Json,
            ) else {
                return;
            };
            let store = if arn_account(&arn) == Some("aws") {
                account.to_string()
            } else {
                owner
            };
            snapshot
                .account_mut(&store, partition)
                .managed_policies
                .entry(arn.clone())
                .or_insert(ManagedPolicy {
                    arn,
                    name,
                    document,
                });
            return;
        }
    }
    if !unreadable.is_empty() {
        snapshot
            .account_mut(&owner, partition)
            .unreadable
            .entry(arn)
            .or_default()
            .extend(unreadable);
    }
}

fn read_resource(snapshot: &mut Snapshot, partition: &str, account: &str, folder: &Folder) {
    let Some((_, arn)) = metadata(snapshot, folder) else {
        return;
    };
    let owner = arn_account(&arn)
        .filter(|a| a.len() == 12)
        .unwrap_or(account)
        .to_string();
    let document = file(snapshot, folder, "policy.json").and_then(|(source, value)| {
        read_document(
            snapshot,
            value,
            source,
            PolicyKind::Resource,
            &arn,
            String::new,
            Encoding::Json,
        )
    });
    let acct = snapshot.account_mut(&owner, partition);
    match document {
        Some(document) => {
            acct.resources
                .entry(arn.clone())
                .or_insert(ResourcePolicy { arn, document });
        }
        None => acct.unreadable.entry(arn.clone()).or_default().push(arn),
    }
}

/// The policy id at the end of an Organizations policy ARN
/// (`arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess`).
fn policy_id(arn: &str) -> String {
    last_segment(arn)
}

fn read_org(snapshot: &mut Snapshot, dir: &str, folders: &BTreeMap<String, Folder>) {
    let empty = Folder::new();
    let top = folders.get(dir).unwrap_or(&empty);
    let mut org = snapshot.organization.take().unwrap_or_default();
    let Some((meta_source, meta)) = file(snapshot, top, "metadata.json") else {
        snapshot.organization = Some(org);
        return;
    };
    if let Some(id) = field(&meta, "id") {
        org.id = id;
    }
    org.management_account = field(&meta, "rootAccountId").or(org.management_account);
    let root = field(&meta, "rootOu");
    if let Some(features) = meta.get("features") {
        let on = |k: &str| {
            matches!(
                features.get(k).map(|v| &v.kind),
                Some(ValueKind::Bool(true))
            )
        };
        org.scps_enabled = on("SERVICE_CONTROL_POLICY");
        org.rcps_enabled = on("RESOURCE_CONTROL_POLICY");
    }
    let arns = |v: Option<&Value>| -> Vec<String> {
        match v.map(|v| &v.kind) {
            Some(ValueKind::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(policy_id)
                .collect(),
            _ => Vec::new(),
        }
    };
    if let Some((_, ous)) = file(snapshot, top, "ous.json") {
        for m in into_members(ous) {
            let id = m.key.to_string();
            let parent = field(&m.value, "parent");
            let kind = if Some(&id) == root.as_ref() || parent.is_none() {
                OrgNodeKind::Root
            } else {
                OrgNodeKind::OrganizationalUnit
            };
            org.nodes.insert(
                id.clone(),
                OrgNode {
                    scps: arns(m.value.get("scps")),
                    rcps: arns(m.value.get("rcps")),
                    id,
                    kind,
                    name: None,
                    parent,
                },
            );
        }
    } else {
        snapshot.diagnose(
            Severity::Error,
            meta_source,
            meta.span,
            "the organization has no readable `ous.json`: its tree is unknown".to_string(),
        );
    }
    if let Some((_, accounts)) = file(snapshot, top, "accounts.json") {
        for m in into_members(accounts) {
            let id = m.key.to_string();
            org.nodes.insert(
                id.clone(),
                OrgNode {
                    scps: arns(m.value.get("scps")),
                    rcps: arns(m.value.get("rcps")),
                    parent: field(&m.value, "ou"),
                    id,
                    kind: OrgNodeKind::Account,
                    name: None,
                },
            );
        }
    }
    for (sub, kind) in [("scps", PolicyKind::Scp), ("rcps", PolicyKind::Rcp)] {
        let prefix = format!("{dir}/{sub}/");
        for (path, folder) in folders.range(prefix.clone()..) {
            if !path.starts_with(&prefix) {
                break;
            }
            read_org_policy(snapshot, &mut org, folder, kind);
        }
    }
    snapshot.organization = Some(org);
}

fn read_org_policy(
    snapshot: &mut Snapshot,
    org: &mut Organization,
    folder: &Folder,
    kind: PolicyKind,
) {
    let Some((meta, arn)) = metadata(snapshot, folder) else {
        return;
    };
    let id = policy_id(&arn);
    let name = field(&meta, "name").unwrap_or_else(|| id.clone());
    let aws_managed = matches!(
        meta.get("awsManaged").map(|v| &v.kind),
        Some(ValueKind::Bool(true))
    );
    let Some((source, value)) = file(snapshot, folder, "policy.json") else {
        return;
    };
    let doc_name = format!("{id} ({name})");
    let Some(document) = read_document(
        snapshot,
        value,
        source,
        kind,
        &doc_name,
        String::new,
        Encoding::Json,
    ) else {
        return;
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
}
