//! `paths --to admin` from every principal over a synthetic account of N principals.
//!
//!     cargo bench -p policy-core --bench paths [-- N...]
//!
//! The account (built in memory, one per N; default N = 1,000, 10,000): 60% users, 40% roles.
//! Users get one or two of five managed policies (read-only, developer with `iam:PassRole` on
//! `role/app-*` limited by `iam:PassedToService`, operator allowed `sts:AssumeRole` on
//! `role/ops-*`, an IAM self-service policy, and, for 1 in 200, `AdministratorAccess`); 1 in
//! 10 has an inline policy of its own (with a condition) and 1 in 10 a permissions boundary.
//! Roles trust Lambda or EC2 (half), the account (a third) or one user; 1 in 50 is admin.
//! Prints the time, the edges and paths found, per N.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use policy_core::account::{Account, ManagedPolicy, PolicyDoc, Role, Snapshot, User};
use policy_core::analysis::paths::{paths, PathsQuery, Target};
use policy_core::ast::PolicyKind;
use policy_core::source::{SourceFile, Span};

const ACCT: &str = "111122223333";

fn doc(snap: &mut Snapshot, name: &str, json: &str, kind: PolicyKind) -> PolicyDoc {
    let source = snap.sources.len();
    snap.sources.push(SourceFile::new(name, json));
    let policy = policy_core::parse_policy(json, Some(kind))
        .policy
        .unwrap_or_else(|| panic!("{name}: does not parse"));
    PolicyDoc {
        name: name.into(),
        policy: Arc::new(policy),
        source,
        span: Span::new(0, json.len()),
    }
}

fn managed(
    snap: &mut Snapshot,
    acct: &mut Account,
    name: &str,
    json: &str,
    kind: PolicyKind,
) -> String {
    let arn = if name == "AdministratorAccess" {
        "arn:aws:iam::aws:policy/AdministratorAccess".to_string()
    } else {
        format!("arn:aws:iam::{ACCT}:policy/{name}")
    };
    let document = doc(snap, &arn, json, kind);
    acct.managed_policies.insert(
        arn.clone(),
        ManagedPolicy {
            arn: arn.clone(),
            name: name.to_string(),
            document,
        },
    );
    arn
}

fn build(n: usize) -> Snapshot {
    let mut snap = Snapshot::default();
    let mut acct = Account {
        id: ACCT.to_string(),
        partition: "aws".to_string(),
        ..Account::default()
    };
    let s = |a: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{a}]}}"#);
    let admin = managed(
        &mut snap,
        &mut acct,
        "AdministratorAccess",
        &s(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
        PolicyKind::Identity,
    );
    let read = managed(
        &mut snap,
        &mut acct,
        "ReadOnly",
        &s(
            r#"{"Effect":"Allow","Action":["s3:Get*","s3:List*","ec2:Describe*","iam:Get*","iam:List*","lambda:List*","lambda:Get*"],"Resource":"*"}"#,
        ),
        PolicyKind::Identity,
    );
    let dev = managed(
        &mut snap,
        &mut acct,
        "Developer",
        &s(&format!(
            r#"{{"Effect":"Allow","Action":["lambda:*","logs:*"],"Resource":"*"}},{{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::{ACCT}:role/app-*","Condition":{{"StringEquals":{{"iam:PassedToService":"lambda.amazonaws.com"}}}}}}"#
        )),
        PolicyKind::Identity,
    );
    let ops = managed(
        &mut snap,
        &mut acct,
        "Operator",
        &s(&format!(
            r#"{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::{ACCT}:role/ops-*"}}"#
        )),
        PolicyKind::Identity,
    );
    let selfsvc = managed(
        &mut snap,
        &mut acct,
        "SelfService",
        &s(
            r#"{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:UpdateLoginProfile","iam:ChangePassword"],"Resource":"arn:aws:iam::*:user/${aws:username}"}"#,
        ),
        PolicyKind::Identity,
    );
    let boundary = managed(
        &mut snap,
        &mut acct,
        "Boundary",
        &s(
            r#"{"Effect":"Allow","Action":["s3:*","lambda:*","logs:*","iam:PassRole","sts:AssumeRole"],"Resource":"*"}"#,
        ),
        PolicyKind::Boundary,
    );
    let users = n * 6 / 10;
    let roles = n - users;
    let pool = [read.clone(), dev.clone(), ops.clone(), selfsvc.clone()];
    for i in 0..users {
        let name = format!("user{i:05}");
        let mut m = vec![pool[i % 4].clone()];
        if i % 3 == 0 {
            m.push(pool[(i / 3) % 4].clone());
        }
        if i % 200 == 7 {
            m.push(admin.clone());
        }
        m.sort();
        m.dedup();
        let inline = if i % 10 == 3 {
            vec![doc(
                &mut snap,
                &format!("user/{name}/own"),
                &s(&format!(
                    r#"{{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::bucket-{i}/*","Condition":{{"Bool":{{"aws:SecureTransport":"true"}}}}}}"#
                )),
                PolicyKind::Identity,
            )]
        } else {
            Vec::new()
        };
        acct.users.push(User {
            arn: format!("arn:aws:iam::{ACCT}:user/{name}"),
            name,
            id: None,
            path: "/".to_string(),
            groups: Vec::new(),
            inline,
            managed: m,
            boundary: (i % 10 == 5).then(|| boundary.clone()),
            tags: BTreeMap::new(),
        });
    }
    for i in 0..roles {
        let prefix = ["app", "ops", "svc", "data"][i % 4];
        let name = format!("{prefix}-{i:05}");
        let trust = match i % 6 {
            0 | 1 => s(
                r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
            ),
            2 => s(
                r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
            ),
            3 | 4 => s(&format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCT}:root"}},"Action":"sts:AssumeRole"}}"#
            )),
            _ => s(&format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCT}:user/user{:05}"}},"Action":"sts:AssumeRole"}}"#,
                i % users.max(1)
            )),
        };
        let trust = doc(
            &mut snap,
            &format!("role/{name}/trust"),
            &trust,
            PolicyKind::Trust,
        );
        let mut m = vec![pool[(i + 1) % 4].clone()];
        if i % 50 == 11 {
            m.push(admin.clone());
        }
        acct.roles.push(Role {
            arn: format!("arn:aws:iam::{ACCT}:role/{name}"),
            name,
            id: None,
            path: "/".to_string(),
            trust: Some(trust),
            inline: Vec::new(),
            managed: m,
            boundary: None,
            tags: BTreeMap::new(),
            instance_profiles: Vec::new(),
        });
    }
    acct.users.sort_by(|a, b| a.arn.cmp(&b.arn));
    acct.roles.sort_by(|a, b| a.arn.cmp(&b.arn));
    snap.accounts.insert(ACCT.to_string(), acct);
    snap
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
    for n in sizes {
        let snap = build(n);
        let start = Instant::now();
        let r = paths(
            &snap,
            &PathsQuery {
                from: Vec::new(),
                to: Target::Admin,
            },
        );
        let took = start.elapsed();
        println!(
            "paths --to admin, {n} principals: {:.2} s ({} explored, {} edges, {} paths, {} already admin)",
            took.as_secs_f64(),
            r.explored,
            r.edges.len(),
            r.paths.len(),
            r.already.len()
        );
    }
}
