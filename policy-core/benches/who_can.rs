//! `who_can` and `what_can` over synthetic accounts of 1,000 to 10,000 principals (issue 13's
//! target: one action on one resource over 10,000 principals in under 1 s on 2 cores).
//!
//!     cargo bench -p policy-core --bench who_can [-- N...]
//!
//! The account is built here, in the shape of a real one (the larger generator is
//! `iampol-gen-account`): AWS managed policies from `corpus/policies/aws-managed`
//! (`ReadOnlyAccess`, `PowerUserAccess`, `AmazonS3FullAccess`, ...), 60 customer managed
//! policies (a third with `aws:SourceIp` or MFA conditions), 20 groups, half the principals
//! users (each in one or two groups, a quarter with an inline policy of their own), half roles
//! (service or cross-account trust, one to three managed policies, a fifth with a boundary),
//! an organization with a Region-deny SCP, and a bucket policy granting roles, the account
//! and another account, with a `Deny` on insecure transport. Prints the wall time (median of
//! 5 runs) per question and size, and the number of allowed callers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use policy_core::account::{
    Account, Group, ManagedPolicy, OrgNode, OrgNodeKind, OrgPolicy, Organization, PolicyDoc,
    ResourcePolicy, Role, Snapshot, User,
};
use policy_core::analysis::what_can::what_can;
use policy_core::analysis::who_can::{who_can, Query};
use policy_core::parse::parse_policy;
use policy_core::request::Context;
use policy_core::{PolicyKind, SourceFile};

const ACCOUNT: &str = "111122223333";
const AWS_MANAGED: &[&str] = &[
    "ReadOnlyAccess",
    "PowerUserAccess",
    "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess",
    "AmazonEC2FullAccess",
    "SecurityAudit",
    "ViewOnlyAccess",
    "AWSLambda_FullAccess",
    "IAMFullAccess",
    "AdministratorAccess",
];

struct Gen {
    snapshot: Snapshot,
}

impl Gen {
    fn doc(&mut self, name: &str, json: &str, kind: PolicyKind) -> PolicyDoc {
        let source = self.snapshot.sources.len();
        self.snapshot
            .sources
            .push(SourceFile::new(name.to_string(), json.to_string()));
        let policy = parse_policy(json, Some(kind))
            .policy
            .expect("generated policy parses");
        PolicyDoc {
            name: name.into(),
            span: policy.span,
            policy: Arc::new(policy),
            source,
        }
    }

    fn managed(&mut self, arn: &str, name: &str, json: &str) {
        let document = self.doc(arn, json, PolicyKind::Identity);
        self.account().managed_policies.insert(
            arn.to_string(),
            ManagedPolicy {
                arn: arn.to_string(),
                name: name.to_string(),
                document,
            },
        );
    }

    fn account(&mut self) -> &mut Account {
        self.snapshot
            .accounts
            .entry(ACCOUNT.to_string())
            .or_insert_with(|| Account {
                id: ACCOUNT.into(),
                partition: "aws".into(),
                ..Account::default()
            })
    }
}

fn customer_policy(k: usize) -> String {
    let condition = match k % 3 {
        0 => r#","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}"#,
        1 => r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
        _ => "",
    };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Sid":"Data","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:ListBucket"],"Resource":["arn:aws:s3:::bucket-{b}","arn:aws:s3:::bucket-{b}/*"]{condition}}},
        {{"Sid":"Table","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:*:{ACCOUNT}:table/app-{k}"}},
        {{"Sid":"Pass","Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::{ACCOUNT}:role/app-{k}-*"}},
        {{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}}]}}"#,
        b = k % 7
    )
}

fn generate(n: usize) -> Snapshot {
    let mut g = Gen {
        snapshot: Snapshot::default(),
    };
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/policies/aws-managed"
    );
    let mut managed_arns = Vec::new();
    for name in AWS_MANAGED {
        let text = std::fs::read_to_string(format!("{root}/{name}.json")).expect("corpus policy");
        let arn = format!("arn:aws:iam::aws:policy/{name}");
        g.managed(&arn, name, &text);
        managed_arns.push(arn);
    }
    let mut customer = Vec::new();
    for k in 0..60 {
        let arn = format!("arn:aws:iam::{ACCOUNT}:policy/app-{k}");
        g.managed(&arn, &format!("app-{k}"), &customer_policy(k));
        customer.push(arn);
    }
    let boundary = format!("arn:aws:iam::{ACCOUNT}:policy/boundary");
    g.managed(
        &boundary,
        "boundary",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","dynamodb:*","logs:*","cloudwatch:*"],"Resource":"*"}]}"#,
    );
    let groups: Vec<Group> = (0..20)
        .map(|i| Group {
            arn: format!("arn:aws:iam::{ACCOUNT}:group/team-{i}"),
            name: format!("team-{i}"),
            path: "/".into(),
            inline: Vec::new(),
            managed: vec![
                customer[i * 3 % customer.len()].clone(),
                managed_arns[i % managed_arns.len()].clone(),
            ],
        })
        .collect();
    g.account().groups = groups;
    for i in 0..n / 2 {
        let inline = if i % 4 == 0 {
            let json = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home-{i}/*"}}]}}"#
            );
            vec![g.doc(&format!("user/u{i}/home"), &json, PolicyKind::Identity)]
        } else {
            Vec::new()
        };
        let mut user_groups = vec![format!("team-{}", i % 20)];
        if i % 3 == 0 {
            user_groups.push(format!("team-{}", (i / 3) % 20));
        }
        g.account().users.push(User {
            arn: format!("arn:aws:iam::{ACCOUNT}:user/u{i}"),
            name: format!("u{i}"),
            id: None,
            path: "/".into(),
            groups: user_groups,
            inline,
            managed: vec![customer[(i * 7) % customer.len()].clone()],
            boundary: None,
            tags: std::collections::BTreeMap::default(),
        });
    }
    for i in 0..n - n / 2 {
        let trust = if i % 2 == 0 {
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.to_string()
        } else {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:root"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"x-{i}"}}}}}}]}}"#
            )
        };
        let trust = g.doc(&format!("role/r{i}/trust"), &trust, PolicyKind::Trust);
        let mut managed = vec![customer[(i * 11) % customer.len()].clone()];
        if i % 3 == 0 {
            managed.push(managed_arns[i % managed_arns.len()].clone());
        }
        if i % 5 == 0 {
            managed.push(customer[(i * 13 + 1) % customer.len()].clone());
        }
        g.account().roles.push(Role {
            arn: format!("arn:aws:iam::{ACCOUNT}:role/r{i}"),
            name: format!("r{i}"),
            id: None,
            path: "/".into(),
            trust: Some(trust),
            inline: Vec::new(),
            managed,
            boundary: (i % 5 == 1).then(|| boundary.clone()),
            tags: std::collections::BTreeMap::default(),
            instance_profiles: Vec::new(),
        });
    }
    let bucket = "arn:aws:s3:::bucket-1";
    let bucket_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Sid":"Roles","Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{ACCOUNT}:role/r1","arn:aws:iam::{ACCOUNT}:role/r3","{ACCOUNT}"]}},"Action":"s3:GetObject","Resource":"{bucket}/*"}},
        {{"Sid":"Partner","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:root"}},"Action":"s3:GetObject","Resource":"{bucket}/shared/*"}},
        {{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"{bucket}/*","Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#
    );
    let document = g.doc(bucket, &bucket_policy, PolicyKind::Resource);
    g.account().resources.insert(
        bucket.into(),
        ResourcePolicy {
            arn: bucket.into(),
            document,
        },
    );
    let full = g.doc(
        "FullAWSAccess",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        PolicyKind::Scp,
    );
    let region = g.doc(
        "DenyRegions",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*","sts:*","s3:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}"#,
        PolicyKind::Scp,
    );
    let mut org = Organization {
        id: "o-exampleorgid".into(),
        management_account: Some("999999999999".into()),
        scps_enabled: true,
        ..Organization::default()
    };
    for (id, doc) in [("p-FullAWSAccess", full), ("p-regions", region)] {
        org.policies.insert(
            id.into(),
            OrgPolicy {
                id: id.into(),
                name: id.into(),
                kind: PolicyKind::Scp,
                aws_managed: id == "p-FullAWSAccess",
                document: doc,
            },
        );
    }
    for (id, kind, parent, scps) in [
        (
            "r-examplerootid",
            OrgNodeKind::Root,
            None,
            vec!["p-FullAWSAccess"],
        ),
        (
            "ou-examplerootid-prod",
            OrgNodeKind::OrganizationalUnit,
            Some("r-examplerootid"),
            vec!["p-FullAWSAccess", "p-regions"],
        ),
        (
            ACCOUNT,
            OrgNodeKind::Account,
            Some("ou-examplerootid-prod"),
            vec!["p-FullAWSAccess"],
        ),
    ] {
        org.nodes.insert(
            id.into(),
            OrgNode {
                id: id.into(),
                kind,
                name: None,
                parent: parent.map(str::to_string),
                scps: scps.into_iter().map(str::to_string).collect(),
                rcps: Vec::new(),
            },
        );
    }
    g.snapshot.organization = Some(org);
    g.snapshot
}

fn median(mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..5 {
        let start = Instant::now();
        count = f();
        times.push(start.elapsed());
    }
    times.sort();
    (times[2], count)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 5_000, 10_000]
    } else {
        sizes
    };
    for n in sizes {
        let start = Instant::now();
        let snapshot = generate(n);
        let built = start.elapsed();
        let get = Query {
            actions: vec!["s3:GetObject".into()],
            resource: "arn:aws:s3:::bucket-1/shared/report.csv".into(),
            context: Context::new(),
        };
        let (t_get, allowed_get) = median(|| who_can(&snapshot, &get).entries.len());
        let assume = Query {
            actions: vec!["sts:AssumeRole".into()],
            resource: format!("arn:aws:iam::{ACCOUNT}:role/r1"),
            context: Context::new(),
        };
        let (t_assume, allowed_assume) = median(|| who_can(&snapshot, &assume).entries.len());
        let (t_what, grants) = median(|| {
            what_can(&snapshot, &format!("arn:aws:iam::{ACCOUNT}:user/u0"), None)
                .map_or(0, |w| w.grants.len())
        });
        println!(
            "n={n:>6} built {built:>10.2?} | who-can s3:GetObject {t_get:>10.2?} ({allowed_get} listed) | who-can sts:AssumeRole {t_assume:>10.2?} ({allowed_assume} listed) | what-can u0 {t_what:>10.2?} ({grants} grants)"
        );
    }
}
