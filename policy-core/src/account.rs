//! Whole accounts and organizations, as exported: the model every account-wide question
//! (`can --account`, `who-can`, `what-can`, `paths`, `report`) reads.
//!
//! A [`Snapshot`] holds one or more accounts (users, groups, roles, managed policies and
//! resource policies) and, optionally, the organization they belong to (OU tree, SCPs and
//! RCPs). Readers of the export formats (`aws iam get-account-authorization-details`, the
//! Organizations dump of `scripts/dump-account.sh`, iam-collect's store) take text, never
//! paths, and report problems as [`Diagnostic`]s with a position, keeping whatever can still
//! be analysed.
//!
//! Every policy document keeps its spans in the file it came from ([`PolicyDoc::source`]
//! indexes [`Snapshot::sources`]), so an answer can point at the statement that decided.
//! References that the export does not resolve (a managed policy ARN with no document, a
//! group that is not listed) are kept as [`Gap`]s: an answer that depends on them says so
//! instead of treating the missing policy as empty.

pub mod load;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::ast::{Policy, PolicyKind};
use crate::eval::{CompiledPolicy, Level, PolicySet};
use crate::source::{SourceFile, Span};

/// Everything read from an export: accounts, the organization, and the files they came from.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Every file read (or decoded document), in order; [`PolicyDoc::source`] indexes it.
    pub sources: Vec<SourceFile>,
    /// Accounts by 12-digit id.
    pub accounts: BTreeMap<String, Account>,
    /// The organization, when an Organizations dump was given.
    pub organization: Option<Organization>,
    /// Problems found while reading; the snapshot holds what could be read.
    pub diagnostics: Vec<Diagnostic>,
}

/// One AWS account's IAM entities and resource policies.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// The 12-digit account id.
    pub id: String,
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// IAM users, sorted by ARN.
    pub users: Vec<User>,
    /// IAM groups, sorted by ARN.
    pub groups: Vec<Group>,
    /// IAM roles, sorted by ARN.
    pub roles: Vec<Role>,
    /// Managed policies (customer managed, and AWS managed as the export returned them) by
    /// ARN, each with its default version's document.
    pub managed_policies: BTreeMap<String, ManagedPolicy>,
    /// Resource-based policies by resource ARN (buckets, keys, queues, topics, functions,
    /// secrets, repositories, ...). Role trust policies are on [`Role::trust`], not here.
    pub resources: BTreeMap<String, ResourcePolicy>,
    /// Documents the export has but that could not be read, by the ARN of the user, group or
    /// role that has them (`user/alice/AllowS3`, `role/app/trust`): answers that need them
    /// are incomplete ([`Gap::Unreadable`]).
    pub unreadable: BTreeMap<String, Vec<String>>,
}

/// A policy document and where it came from.
#[derive(Debug, Clone)]
pub struct PolicyDoc {
    /// A name for explanations: the managed policy's ARN, or `kind/entity/PolicyName` for an
    /// inline policy (`user/alice/AllowS3`), `role/name/trust` for a trust policy.
    pub name: Arc<str>,
    /// The parsed document, spans in [`Snapshot::sources`]`[source]`.
    pub policy: Arc<Policy>,
    /// Index of the source the spans refer to.
    pub source: usize,
    /// Where the whole document is in its source.
    pub span: Span,
}

impl PolicyDoc {
    /// The document compiled for the evaluator, named as [`PolicyDoc::name`].
    pub fn compile(&self) -> CompiledPolicy {
        CompiledPolicy::new(&self.policy, &self.name, self.source)
    }
}

/// A tag `Key` and `Value`.
pub type Tags = BTreeMap<String, String>;

/// An IAM user.
#[derive(Debug, Clone)]
pub struct User {
    /// `arn:aws:iam::111122223333:user/path/name`.
    pub arn: String,
    /// The user name.
    pub name: String,
    /// The unique id (`AIDA...`), when exported.
    pub id: Option<String>,
    /// The path (`/`).
    pub path: String,
    /// Names of the groups the user is in (GAAD lists names, not ARNs).
    pub groups: Vec<String>,
    /// Inline policies.
    pub inline: Vec<PolicyDoc>,
    /// ARNs of attached managed policies.
    pub managed: Vec<String>,
    /// ARN of the permissions boundary policy.
    pub boundary: Option<String>,
    /// The user's tags.
    pub tags: Tags,
}

/// An IAM group.
#[derive(Debug, Clone)]
pub struct Group {
    /// `arn:aws:iam::111122223333:group/path/name`.
    pub arn: String,
    /// The group name.
    pub name: String,
    /// The path.
    pub path: String,
    /// Inline policies.
    pub inline: Vec<PolicyDoc>,
    /// ARNs of attached managed policies.
    pub managed: Vec<String>,
}

/// An IAM role.
#[derive(Debug, Clone)]
pub struct Role {
    /// `arn:aws:iam::111122223333:role/path/name`.
    pub arn: String,
    /// The role name.
    pub name: String,
    /// The unique id (`AROA...`), when exported.
    pub id: Option<String>,
    /// The path (`/`, `/aws-service-role/…/`, `/aws-reserved/sso.amazonaws.com/`).
    pub path: String,
    /// The trust policy (`AssumeRolePolicyDocument`); `None` only when the export lacks it.
    pub trust: Option<PolicyDoc>,
    /// Inline policies.
    pub inline: Vec<PolicyDoc>,
    /// ARNs of attached managed policies.
    pub managed: Vec<String>,
    /// ARN of the permissions boundary policy.
    pub boundary: Option<String>,
    /// The role's tags.
    pub tags: Tags,
    /// ARNs of the instance profiles that hold the role.
    pub instance_profiles: Vec<String>,
}

impl Role {
    /// Whether this is a service-linked role (path `/aws-service-role/`; IAM UG
    /// `using-service-linked-roles`): only its service can assume it, and its policies
    /// cannot be changed by the account's principals.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }
}

/// A managed policy's default version.
#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    /// `arn:aws:iam::111122223333:policy/name` or `arn:aws:iam::aws:policy/name`.
    pub arn: String,
    /// The policy name.
    pub name: String,
    /// The document of the version marked `IsDefaultVersion`.
    pub document: PolicyDoc,
}

/// A resource's policy.
#[derive(Debug, Clone)]
pub struct ResourcePolicy {
    /// The resource's ARN.
    pub arn: String,
    /// The policy.
    pub document: PolicyDoc,
}

/// An organization: its tree of root, OUs and accounts, and its SCPs and RCPs.
#[derive(Debug, Clone, Default)]
pub struct Organization {
    /// `o-...`.
    pub id: String,
    /// The management account's id: SCPs and RCPs do not apply to it (Organizations UG
    /// `orgs_manage_policies_scps`, "Tasks and entities not restricted by SCPs").
    pub management_account: Option<String>,
    /// Root, OUs and accounts by id (`r-...`, `ou-...`, 12 digits).
    pub nodes: BTreeMap<String, OrgNode>,
    /// SCPs and RCPs by policy id (`p-...`).
    pub policies: BTreeMap<String, OrgPolicy>,
    /// Whether SCPs are enabled on the root (`list-roots` `PolicyTypes` `ENABLED`).
    pub scps_enabled: bool,
    /// Whether RCPs are enabled on the root.
    pub rcps_enabled: bool,
}

/// What a node of the organization tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OrgNodeKind {
    /// The root (`r-...`).
    Root,
    /// An organizational unit (`ou-...`).
    OrganizationalUnit,
    /// A member account.
    Account,
}

/// A root, OU or account in the organization tree.
#[derive(Debug, Clone)]
pub struct OrgNode {
    /// Its id.
    pub id: String,
    /// Root, OU or account.
    pub kind: OrgNodeKind,
    /// Its name, when exported.
    pub name: Option<String>,
    /// Its parent's id (`None` for the root).
    pub parent: Option<String>,
    /// Ids of the SCPs attached directly here.
    pub scps: Vec<String>,
    /// Ids of the RCPs attached directly here.
    pub rcps: Vec<String>,
}

/// An SCP or RCP.
#[derive(Debug, Clone)]
pub struct OrgPolicy {
    /// `p-...` (or `p-FullAWSAccess`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// [`PolicyKind::Scp`] or [`PolicyKind::Rcp`].
    pub kind: PolicyKind,
    /// Whether AWS manages it (`FullAWSAccess`, `RCPFullAWSAccess`).
    pub aws_managed: bool,
    /// Its content.
    pub document: PolicyDoc,
}

/// How bad a reading problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something was left out of the snapshot (a document that does not parse, an entity
    /// without an ARN).
    Error,
    /// Something was read, but an answer may be incomplete (a field of an unexpected shape
    /// that could be skipped).
    Warning,
}

/// A problem found while reading an export, with its position.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The source it is in (index into [`Snapshot::sources`]).
    pub source: usize,
    /// Where.
    pub span: Span,
    /// What is wrong, for people.
    pub message: String,
}

/// A reference the snapshot cannot resolve: the policy it names is unknown, so answers that
/// depend on it are incomplete.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gap {
    /// An attached managed policy (or boundary) whose document is not in the export.
    ManagedPolicy {
        /// The entity it is attached to.
        entity: String,
        /// The policy's ARN.
        policy: String,
    },
    /// A group a user is in that the export does not list.
    Group {
        /// The user.
        user: String,
        /// The group name.
        group: String,
    },
    /// A document of the entity (an inline or trust policy) is in the export but could not
    /// be read.
    Unreadable {
        /// The user, group or role.
        entity: String,
        /// The document's name (`user/alice/AllowS3`, `role/app/trust`).
        policy: String,
    },
    /// The account is in the organization but its SCP/RCP chain could not be resolved.
    OrganizationChain {
        /// The account.
        account: String,
    },
}

/// A principal of the snapshot: a user or a role.
#[derive(Debug, Clone, Copy)]
pub enum Principal<'a> {
    /// An IAM user.
    User(&'a Account, &'a User),
    /// An IAM role (its sessions act with its policies).
    Role(&'a Account, &'a Role),
}

impl<'a> Principal<'a> {
    /// The principal's ARN.
    pub fn arn(&self) -> &'a str {
        match self {
            Principal::User(_, u) => &u.arn,
            Principal::Role(_, r) => &r.arn,
        }
    }

    /// The account the principal is in.
    pub fn account(&self) -> &'a Account {
        match self {
            Principal::User(a, _) | Principal::Role(a, _) => a,
        }
    }

    /// The permissions boundary ARN.
    pub fn boundary(&self) -> Option<&'a str> {
        match self {
            Principal::User(_, u) => u.boundary.as_deref(),
            Principal::Role(_, r) => r.boundary.as_deref(),
        }
    }
}

/// The identity-side policies of a principal, resolved in the snapshot.
#[derive(Debug, Clone, Default)]
pub struct IdentityPolicies {
    /// Inline and managed policies of the principal and (for users) its groups.
    pub identity: Vec<CompiledPolicy>,
    /// The permissions boundary.
    pub boundary: Option<CompiledPolicy>,
    /// What could not be resolved.
    pub gaps: Vec<Gap>,
}

impl Snapshot {
    /// Every principal (users, then roles), sorted by account then ARN.
    pub fn principals(&self) -> impl Iterator<Item = Principal<'_>> {
        self.accounts.values().flat_map(|a| {
            a.users
                .iter()
                .map(move |u| Principal::User(a, u))
                .chain(a.roles.iter().map(move |r| Principal::Role(a, r)))
        })
    }

    /// The user or role with this ARN (compared case-sensitively, as IAM ARNs are; a role
    /// session ARN `arn:aws:sts::ACCT:assumed-role/NAME/SESSION` finds its role).
    pub fn principal(&self, arn: &str) -> Option<Principal<'_>> {
        let account = crate::request::arn_account(arn)?;
        let account_data = self.accounts.get(account)?;
        if let Some(rest) = arn
            .split_once(":assumed-role/")
            .map(|(_, rest)| rest)
            .filter(|_| arn.starts_with("arn:") && arn.contains(":sts::"))
        {
            let role_name = rest.split_once('/').map_or(rest, |(n, _)| n);
            return account_data
                .roles
                .iter()
                .find(|r| r.name == role_name)
                .map(|r| Principal::Role(account_data, r));
        }
        account_data
            .users
            .iter()
            .find(|u| u.arn == arn)
            .map(|u| Principal::User(account_data, u))
            .or_else(|| {
                account_data
                    .roles
                    .iter()
                    .find(|r| r.arn == arn)
                    .map(|r| Principal::Role(account_data, r))
            })
    }

    /// A managed policy by ARN: the account's own copy, else any account's copy of an AWS
    /// managed policy (their documents are the same everywhere).
    pub fn managed_policy<'a>(
        &'a self,
        account: &'a Account,
        arn: &str,
    ) -> Option<&'a ManagedPolicy> {
        account.managed_policies.get(arn).or_else(|| {
            if arn.starts_with("arn:aws:iam::aws:")
                || arn.starts_with("arn:aws-cn:iam::aws:")
                || arn.starts_with("arn:aws-us-gov:iam::aws:")
            {
                self.accounts
                    .values()
                    .find_map(|a| a.managed_policies.get(arn))
            } else {
                None
            }
        })
    }

    /// The identity-based policies and boundary of a principal: its inline and managed
    /// policies and, for a user, those of its groups (IAM UG `access_policies_managed-vs-inline`).
    pub fn identity_policies(&self, principal: Principal<'_>) -> IdentityPolicies {
        let account = principal.account();
        let mut out = IdentityPolicies::default();
        let unreadable = |entity: &str, out: &mut IdentityPolicies| {
            for policy in account.unreadable.get(entity).into_iter().flatten() {
                // A role's trust policy is not one of its identity policies.
                if !policy.ends_with("/trust") || !entity.contains(":role/") {
                    out.gaps.push(Gap::Unreadable {
                        entity: entity.to_string(),
                        policy: policy.clone(),
                    });
                }
            }
        };
        let managed = |entity: &str, arns: &[String], out: &mut IdentityPolicies| {
            for arn in arns {
                match self.managed_policy(account, arn) {
                    Some(p) => out.identity.push(p.document.compile()),
                    None => out.gaps.push(Gap::ManagedPolicy {
                        entity: entity.to_string(),
                        policy: arn.clone(),
                    }),
                }
            }
        };
        match principal {
            Principal::User(_, user) => {
                out.identity
                    .extend(user.inline.iter().map(PolicyDoc::compile));
                managed(&user.arn, &user.managed, &mut out);
                unreadable(&user.arn, &mut out);
                for name in &user.groups {
                    match account.groups.iter().find(|g| &g.name == name) {
                        Some(group) => {
                            out.identity
                                .extend(group.inline.iter().map(PolicyDoc::compile));
                            managed(&group.arn, &group.managed, &mut out);
                            unreadable(&group.arn, &mut out);
                        }
                        None => out.gaps.push(Gap::Group {
                            user: user.arn.clone(),
                            group: name.clone(),
                        }),
                    }
                }
            }
            Principal::Role(_, role) => {
                out.identity
                    .extend(role.inline.iter().map(PolicyDoc::compile));
                managed(&role.arn, &role.managed, &mut out);
                unreadable(&role.arn, &mut out);
            }
        }
        if let Some(arn) = principal.boundary() {
            match self.managed_policy(account, arn) {
                Some(p) => out.boundary = Some(p.document.compile()),
                None => out.gaps.push(Gap::ManagedPolicy {
                    entity: principal.arn().to_string(),
                    policy: arn.to_string(),
                }),
            }
        }
        out
    }

    /// The SCP (or RCP) levels that apply to an account, from the root down to the account
    /// (Organizations UG `orgs_manage_policies_inheritance_auth`): `None` when the account is
    /// not in the snapshot's organization or the organization does not enable that type;
    /// `Err` when the chain is broken (a parent or policy missing from the dump).
    pub fn org_levels(&self, account: &str, kind: PolicyKind) -> Result<Vec<Level>, Gap> {
        let Some(org) = &self.organization else {
            return Ok(Vec::new());
        };
        let enabled = match kind {
            PolicyKind::Scp => org.scps_enabled,
            PolicyKind::Rcp => org.rcps_enabled,
            _ => false,
        };
        if !enabled || !org.nodes.contains_key(account) {
            return Ok(Vec::new());
        }
        let gap = || Gap::OrganizationChain {
            account: account.to_string(),
        };
        let mut chain = Vec::new();
        let mut at = Some(account);
        while let Some(id) = at {
            let node = org.nodes.get(id).ok_or_else(gap)?;
            if chain.len() > org.nodes.len() {
                // A cycle in a hand-made dump: refuse rather than loop.
                return Err(gap());
            }
            chain.push(node);
            at = node.parent.as_deref();
        }
        let mut levels = Vec::with_capacity(chain.len());
        for node in chain.into_iter().rev() {
            let ids = match kind {
                PolicyKind::Scp => &node.scps,
                _ => &node.rcps,
            };
            let mut policies = Vec::with_capacity(ids.len());
            for id in ids {
                let policy = org.policies.get(id).ok_or_else(gap)?;
                policies.push(policy.document.compile());
            }
            levels.push(Level::new(node.id.clone(), policies));
        }
        Ok(levels)
    }

    /// The policies that decide a request by `principal` on `resource` (an ARN or `*`):
    /// identity and boundary of the principal, SCPs of the principal's account, the
    /// resource's policy (a role's trust policy for `sts:AssumeRole*` on that role, when
    /// `trust` is true) and the RCPs of the resource's account. Gaps are returned with it.
    pub fn policy_set(
        &self,
        principal: Principal<'_>,
        resource: &str,
        trust: bool,
    ) -> (PolicySet, Vec<Gap>) {
        let ids = self.identity_policies(principal);
        let mut gaps = ids.gaps;
        let mut set = PolicySet {
            identity: ids.identity,
            boundary: ids.boundary,
            ..PolicySet::default()
        };
        let account = &principal.account().id;
        match self.org_levels(account, PolicyKind::Scp) {
            Ok(levels) => set.scps = levels,
            Err(g) => gaps.push(g),
        }
        set.resource = self
            .resource_policy(resource, trust)
            .map(PolicyDoc::compile);
        if set.resource.is_none() {
            gaps.extend(self.unreadable_resource_policy(resource, trust));
        }
        let resource_account = self
            .resource_owner(resource)
            .map_or(account.as_str(), |a| a.id.as_str());
        match self.org_levels(resource_account, PolicyKind::Rcp) {
            Ok(levels) => set.rcps = levels,
            Err(g) => gaps.push(g),
        }
        set.management_account = self
            .organization
            .as_ref()
            .and_then(|o| o.management_account.clone());
        gaps.sort();
        gaps.dedup();
        (set, gaps)
    }

    /// The gap when the policy of `resource` (a role's trust policy when `trust`) is in the
    /// export but could not be read.
    fn unreadable_resource_policy(&self, resource: &str, trust: bool) -> Option<Gap> {
        if trust {
            let owner = self.accounts.get(crate::request::arn_account(resource)?)?;
            let role = owner.roles.iter().find(|r| r.arn == resource)?;
            let name = format!("role/{}/trust", role.name);
            let listed = owner.unreadable.get(&role.arn)?;
            return listed.contains(&name).then(|| Gap::Unreadable {
                entity: role.arn.clone(),
                policy: name,
            });
        }
        let key = s3_bucket_arn(resource).unwrap_or(resource);
        self.accounts
            .values()
            .find(|a| a.unreadable.contains_key(key))
            .map(|_| Gap::Unreadable {
                entity: key.to_string(),
                policy: key.to_string(),
            })
    }

    /// The account that owns a resource: the ARN's account, or for an S3 bucket or object
    /// (whose ARNs have no account) the account whose export holds the bucket's policy.
    pub fn resource_owner(&self, resource: &str) -> Option<&Account> {
        if let Some(bucket) = s3_bucket_arn(resource) {
            return self
                .accounts
                .values()
                .find(|a| a.resources.contains_key(bucket));
        }
        self.accounts.get(crate::request::arn_account(resource)?)
    }

    /// The policy of a resource: a role's trust policy when `trust` (the resource is a role
    /// ARN and the action is `sts:AssumeRole*`), else the resource policy stored for the ARN
    /// (an S3 object's is its bucket's).
    pub fn resource_policy(&self, resource: &str, trust: bool) -> Option<&PolicyDoc> {
        let account = self.resource_owner(resource)?;
        if trust {
            return account
                .roles
                .iter()
                .find(|r| r.arn == resource)
                .and_then(|r| r.trust.as_ref());
        }
        let key = s3_bucket_arn(resource).unwrap_or(resource);
        account.resources.get(key).map(|r| &r.document)
    }
}

/// The bucket ARN of an S3 bucket or object ARN (`arn:aws:s3:::bucket/key` → `arn:aws:s3:::bucket`).
fn s3_bucket_arn(resource: &str) -> Option<&str> {
    let mut parts = resource.splitn(6, ':');
    let (arn, _partition, service, region, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let rest = parts.next()?;
    if arn != "arn" || service != "s3" || !region.is_empty() || !account.is_empty() {
        return None;
    }
    let bucket_len = rest.find('/').unwrap_or(rest.len());
    let prefix_len = resource.len() - rest.len();
    resource.get(..prefix_len + bucket_len)
}
