//! `aws iam get-account-authorization-details` (GAAD): `UserDetailList`, `GroupDetailList`,
//! `RoleDetailList` and `Policies` (IAM API reference `API_GetAccountAuthorizationDetails`).
//!
//! Documents are JSON objects as the AWS CLI and boto3 print them, or RFC 3986 URL-encoded
//! strings as the API returns them; an object keeps its spans in the GAAD file, a decoded
//! string becomes a source of its own. Dates are not read.

use super::{
    arn_partition, into_items, into_members, parse_source, read_document, string, take, Encoding,
};
use crate::account::{Group, ManagedPolicy, Role, Severity, Snapshot, Tags, User};
use crate::ast::PolicyKind;
use crate::request::arn_account;
use crate::source::{SourceFile, Span};
use crate::syntax::{Member, Value, ValueKind};

/// Reads one GAAD file into the snapshot. The account is the one in the entities' ARNs
/// (`account` when there is none, as for a file of AWS managed policies only).
pub fn read_gaad(snapshot: &mut Snapshot, file: SourceFile, account: Option<&str>) {
    let source = snapshot.add_source(file);
    let Some(value) = parse_source(snapshot, source) else {
        return;
    };
    let top_span = value.span;
    let ValueKind::Object(mut top) = value.kind else {
        snapshot.diagnose(
            Severity::Error,
            source,
            top_span,
            format!(
                "expected the output of `aws iam get-account-authorization-details` (an object \
                 with `UserDetailList`, `GroupDetailList`, `RoleDetailList`, `Policies`), found {}",
                value.type_name()
            ),
        );
        return;
    };
    let lists = [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ];
    if !top.iter().any(|m| lists.contains(&&*m.key)) {
        snapshot.diagnose(
            Severity::Error,
            source,
            top_span,
            "not the output of `aws iam get-account-authorization-details`: none of \
             `UserDetailList`, `GroupDetailList`, `RoleDetailList`, `Policies`"
                .to_string(),
        );
        return;
    }
    let Some((account_id, partition)) = gaad_account(&top, account) else {
        snapshot.diagnose(
            Severity::Error,
            source,
            top_span,
            "cannot tell which account this is: no user, group, role or customer managed \
             policy ARN names one"
                .to_string(),
        );
        return;
    };
    let file_name = snapshot
        .sources
        .get(source)
        .map(|f| f.name().to_string())
        .unwrap_or_default();
    let mut reader = Reader {
        snapshot,
        source,
        account: account_id,
        partition,
        file_name,
    };
    if let Some(users) = take(&mut top, "UserDetailList") {
        for item in reader.items(users, "UserDetailList") {
            reader.user(item);
        }
    }
    if let Some(groups) = take(&mut top, "GroupDetailList") {
        for item in reader.items(groups, "GroupDetailList") {
            reader.group(item);
        }
    }
    if let Some(roles) = take(&mut top, "RoleDetailList") {
        for item in reader.items(roles, "RoleDetailList") {
            reader.role(item);
        }
    }
    if let Some(policies) = take(&mut top, "Policies") {
        for item in reader.items(policies, "Policies") {
            reader.managed_policy(item);
        }
    }
}

/// The account of a GAAD: the first entity ARN's, else the hint.
fn gaad_account(top: &[Member], hint: Option<&str>) -> Option<(String, String)> {
    let arns = top
        .iter()
        .filter_map(|m| match &m.value.kind {
            ValueKind::Array(items) => Some(items),
            _ => None,
        })
        .flatten()
        .filter_map(|item| item.get("Arn").and_then(Value::as_str));
    for arn in arns {
        if let (Some(account), Some(partition)) = (arn_account(arn), arn_partition(arn)) {
            if is_account_id(account) {
                return Some((account.to_string(), partition.to_string()));
            }
        }
    }
    hint.map(|h| (h.to_string(), "aws".to_string()))
}

struct Reader<'s> {
    snapshot: &'s mut Snapshot,
    source: usize,
    account: String,
    partition: String,
    file_name: String,
}

impl Reader<'_> {
    fn error(&mut self, span: Span, message: String) {
        self.snapshot
            .diagnose(Severity::Error, self.source, span, message);
    }

    fn warning(&mut self, span: Span, message: String) {
        self.snapshot
            .diagnose(Severity::Warning, self.source, span, message);
    }

    /// The objects of a list member; anything else is reported and skipped.
    fn items(&mut self, list: Value, key: &str) -> Vec<(Span, Vec<Member>)> {
        if !matches!(list.kind, ValueKind::Array(_) | ValueKind::Null) {
            self.error(
                list.span,
                format!("`{key}` must be a list, found {}", list.type_name()),
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        for item in into_items(list) {
            match item.kind {
                ValueKind::Object(m) => out.push((item.span, m)),
                _ => self.error(
                    item.span,
                    format!(
                        "an entry of `{key}` must be an object, found {}",
                        item.type_name()
                    ),
                ),
            }
        }
        out
    }

    /// The entity's ARN and its account (a file may hold several accounts, as
    /// cloudsplaining's merged example does).
    fn arn(&mut self, span: Span, members: &[Member], what: &str) -> Option<(String, String)> {
        let Some(arn) = string(members, "Arn") else {
            self.error(span, format!("{what} without an `Arn`: skipped"));
            return None;
        };
        match arn_account(&arn).filter(|a| is_account_id(a)) {
            Some(a) => Some((a.to_string(), arn)),
            None => {
                self.error(
                    span,
                    format!("{what} `{arn}` has no account id in its ARN: skipped"),
                );
                None
            }
        }
    }

    /// A list of strings (`GroupList`).
    fn strings(&mut self, value: Option<Value>, key: &str) -> Vec<String> {
        let Some(value) = value else {
            return Vec::new();
        };
        let span = value.span;
        if !matches!(value.kind, ValueKind::Array(_) | ValueKind::Null) {
            self.warning(
                span,
                format!("`{key}` must be a list, found {}", value.type_name()),
            );
        }
        let mut out = Vec::new();
        for item in into_items(value) {
            match item.as_str() {
                Some(s) => out.push(s.to_string()),
                None => self.warning(
                    item.span,
                    format!(
                        "an entry of `{key}` must be a string, found {}",
                        item.type_name()
                    ),
                ),
            }
        }
        out
    }

    /// `AttachedManagedPolicies`: the `PolicyArn`s.
    fn attached(&mut self, value: Option<Value>) -> Vec<String> {
        let Some(value) = value else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in into_items(value) {
            match item.get("PolicyArn").and_then(Value::as_str) {
                Some(arn) => out.push(arn.to_string()),
                None => self.error(
                    item.span,
                    "an attached managed policy without a `PolicyArn`: skipped".to_string(),
                ),
            }
        }
        out
    }

    /// `PermissionsBoundary`: its `PermissionsBoundaryArn`.
    fn boundary(&mut self, value: Option<Value>) -> Option<String> {
        let value = value?;
        if matches!(value.kind, ValueKind::Null) {
            return None;
        }
        let arn = value
            .get("PermissionsBoundaryArn")
            .and_then(Value::as_str)
            .map(str::to_string);
        if arn.is_none() {
            self.error(
                value.span,
                "a `PermissionsBoundary` without a `PermissionsBoundaryArn`".to_string(),
            );
        }
        arn
    }

    fn tags(value: Option<Value>) -> Tags {
        let mut tags = Tags::new();
        for item in value.map(into_items).unwrap_or_default() {
            let m = into_members(item);
            if let (Some(k), Some(v)) = (string(&m, "Key"), string(&m, "Value")) {
                tags.insert(k, v);
            }
        }
        tags
    }

    /// Inline policies (`UserPolicyList`, ...): `{PolicyName, PolicyDocument}`; an unreadable
    /// one is recorded in [`crate::account::Account::unreadable`].
    fn inline(
        &mut self,
        value: Option<Value>,
        entity_kind: &str,
        entity_name: &str,
        entity_arn: &str,
    ) -> Vec<crate::account::PolicyDoc> {
        let Some(value) = value else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in into_items(value) {
            let span = item.span;
            let mut m = into_members(item);
            let name = string(&m, "PolicyName").unwrap_or_default();
            let doc_name = format!("{entity_kind}/{entity_name}/{name}");
            let Some(document) = take(&mut m, "PolicyDocument") else {
                self.error(
                    span,
                    format!("inline policy `{doc_name}` without a `PolicyDocument`"),
                );
                self.unreadable(entity_arn, &doc_name);
                continue;
            };
            let decoded = format!("{}: {doc_name} (inline policy)", self.file_name);
            match read_document(
                self.snapshot,
                document,
                self.source,
                PolicyKind::Identity,
                &doc_name,
                || decoded,
                Encoding::Url,
            ) {
                Some(doc) => out.push(doc),
                None => self.unreadable(entity_arn, &doc_name),
            }
        }
        out
    }

    fn unreadable(&mut self, entity_arn: &str, doc_name: &str) {
        let account = arn_account(entity_arn).unwrap_or(&self.account).to_string();
        let partition = arn_partition(entity_arn)
            .unwrap_or(&self.partition)
            .to_string();
        self.snapshot
            .account_mut(&account, &partition)
            .unreadable
            .entry(entity_arn.to_string())
            .or_default()
            .push(doc_name.to_string());
    }

    fn user(&mut self, (span, mut m): (Span, Vec<Member>)) {
        let Some((account, arn)) = self.arn(span, &m, "a user") else {
            return;
        };
        let name = string(&m, "UserName").unwrap_or_else(|| last_segment(&arn));
        let inline = self.inline(take(&mut m, "UserPolicyList"), "user", &name, &arn);
        let groups = self.strings(take(&mut m, "GroupList"), "GroupList");
        let managed = self.attached(take(&mut m, "AttachedManagedPolicies"));
        let boundary = self.boundary(take(&mut m, "PermissionsBoundary"));
        let user = User {
            id: string(&m, "UserId"),
            path: string(&m, "Path").unwrap_or_else(|| "/".to_string()),
            tags: Self::tags(take(&mut m, "Tags")),
            arn,
            name,
            groups,
            inline,
            managed,
            boundary,
        };
        let partition = arn_partition(&user.arn).unwrap_or("aws").to_string();
        let acct = self.snapshot.account_mut(&account, &partition);
        if acct.users.iter().any(|u| u.arn == user.arn) {
            let arn = user.arn;
            self.warning(
                span,
                format!("user `{arn}` is listed twice: the first is kept"),
            );
        } else {
            acct.users.push(user);
        }
    }

    fn group(&mut self, (span, mut m): (Span, Vec<Member>)) {
        let Some((account, arn)) = self.arn(span, &m, "a group") else {
            return;
        };
        let name = string(&m, "GroupName").unwrap_or_else(|| last_segment(&arn));
        let inline = self.inline(take(&mut m, "GroupPolicyList"), "group", &name, &arn);
        let managed = self.attached(take(&mut m, "AttachedManagedPolicies"));
        let group = Group {
            path: string(&m, "Path").unwrap_or_else(|| "/".to_string()),
            arn,
            name,
            inline,
            managed,
        };
        let partition = arn_partition(&group.arn).unwrap_or("aws").to_string();
        let acct = self.snapshot.account_mut(&account, &partition);
        if acct.groups.iter().any(|g| g.arn == group.arn) {
            let arn = group.arn;
            self.warning(
                span,
                format!("group `{arn}` is listed twice: the first is kept"),
            );
        } else {
            acct.groups.push(group);
        }
    }

    fn role(&mut self, (span, mut m): (Span, Vec<Member>)) {
        let Some((account, arn)) = self.arn(span, &m, "a role") else {
            return;
        };
        let name = string(&m, "RoleName").unwrap_or_else(|| last_segment(&arn));
        let trust_name = format!("role/{name}/trust");
        let trust = match take(&mut m, "AssumeRolePolicyDocument") {
            Some(document) => {
                let decoded = format!("{}: role/{name} trust policy", self.file_name);
                let doc = read_document(
                    self.snapshot,
                    document,
                    self.source,
                    PolicyKind::Trust,
                    &trust_name,
                    || decoded,
                    Encoding::Url,
                );
                if doc.is_none() {
                    self.unreadable(&arn, &trust_name);
                }
                doc
            }
            None => {
                self.error(
                    span,
                    format!("role `{arn}` without an `AssumeRolePolicyDocument`"),
                );
                self.unreadable(&arn, &trust_name);
                None
            }
        };
        let inline = self.inline(take(&mut m, "RolePolicyList"), "role", &name, &arn);
        let managed = self.attached(take(&mut m, "AttachedManagedPolicies"));
        let boundary = self.boundary(take(&mut m, "PermissionsBoundary"));
        let instance_profiles = take(&mut m, "InstanceProfileList")
            .map(into_items)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.get("Arn").and_then(Value::as_str).map(str::to_string))
            .collect();
        let role = Role {
            id: string(&m, "RoleId"),
            path: string(&m, "Path").unwrap_or_else(|| "/".to_string()),
            tags: Self::tags(take(&mut m, "Tags")),
            arn,
            name,
            trust,
            inline,
            managed,
            boundary,
            instance_profiles,
        };
        let partition = arn_partition(&role.arn).unwrap_or("aws").to_string();
        let acct = self.snapshot.account_mut(&account, &partition);
        if acct.roles.iter().any(|r| r.arn == role.arn) {
            let arn = role.arn;
            self.warning(
                span,
                format!("role `{arn}` is listed twice: the first is kept"),
            );
        } else {
            acct.roles.push(role);
        }
    }

    fn managed_policy(&mut self, (span, mut m): (Span, Vec<Member>)) {
        let Some(arn) = string(&m, "Arn") else {
            self.error(
                span,
                "a managed policy without an `Arn`: skipped".to_string(),
            );
            return;
        };
        let aws_managed = arn_account(&arn) == Some("aws");
        // AWS managed policies are kept with the file's (first) account; every account finds
        // them there (`Snapshot::managed_policy`).
        let account = if aws_managed {
            self.account.clone()
        } else {
            match arn_account(&arn).filter(|a| is_account_id(a)) {
                Some(a) => a.to_string(),
                None => {
                    self.error(
                        span,
                        format!("managed policy `{arn}` has no account id in its ARN: skipped"),
                    );
                    return;
                }
            }
        };
        let name = string(&m, "PolicyName").unwrap_or_else(|| last_segment(&arn));
        let default_id = string(&m, "DefaultVersionId");
        let versions = take(&mut m, "PolicyVersionList")
            .map(into_items)
            .unwrap_or_default();
        let mut chosen = None;
        for version in versions {
            let is_default = matches!(
                version.get("IsDefaultVersion").map(|v| &v.kind),
                Some(ValueKind::Bool(true))
            );
            if is_default {
                chosen = Some(version);
                break;
            }
            let id = version.get("VersionId").and_then(Value::as_str);
            if chosen.is_none() && id.is_some() && id == default_id.as_deref() {
                chosen = Some(version);
            }
        }
        let Some(version) = chosen else {
            self.error(
                span,
                format!(
                    "managed policy `{arn}` has no version marked `IsDefaultVersion`: its \
                     document is unknown"
                ),
            );
            return;
        };
        let version_span = version.span;
        let mut vm = into_members(version);
        let Some(document) = take(&mut vm, "Document") else {
            self.error(
                version_span,
                format!("the default version of `{arn}` has no `Document`"),
            );
            return;
        };
        let decoded = format!("{}: {arn}", self.file_name);
        let Some(document) = read_document(
            self.snapshot,
            document,
            self.source,
            PolicyKind::Identity,
            &arn,
            || decoded,
            Encoding::Url,
        ) else {
            return;
        };
        let partition = arn_partition(&arn).unwrap_or(&self.partition).to_string();
        let acct = self.snapshot.account_mut(&account, &partition);
        if acct.managed_policies.contains_key(&arn) {
            if !aws_managed {
                self.warning(
                    span,
                    format!("managed policy `{arn}` is listed twice: the first is kept"),
                );
            }
            return;
        }
        acct.managed_policies.insert(
            arn.clone(),
            ManagedPolicy {
                arn,
                name,
                document,
            },
        );
    }
}

/// Whether this is a 12-digit account id.
fn is_account_id(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
}

/// The name at the end of an ARN's resource path.
fn last_segment(arn: &str) -> String {
    arn.rsplit(['/', ':']).next().unwrap_or(arn).to_string()
}
