//! Small snapshots from IAM User Guide examples; every expectation is the guide's answer.

use std::collections::BTreeMap;

use super::*;
use crate::account::{
    Account, ManagedPolicy, OrgNode, OrgNodeKind, OrgPolicy, Organization, PolicyDoc, Role, User,
};
use crate::source::{SourceFile, Span};

const MAIN: &str = "111122223333";
const OTHER: &str = "444455556666";
const ADMIN_DOC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

fn doc(snap: &mut Snapshot, name: &str, json: &str, kind: PolicyKind) -> PolicyDoc {
    let source = snap.sources.len();
    snap.sources.push(SourceFile::new(name, json));
    let parsed = crate::parse::parse_policy(json, Some(kind));
    assert!(parsed.errors.is_empty(), "{name}: {:?}", parsed.errors);
    PolicyDoc {
        name: name.into(),
        policy: Arc::new(parsed.policy.unwrap()),
        source,
        span: Span::new(0, json.len()),
    }
}

fn account<'a>(snap: &'a mut Snapshot, id: &str) -> &'a mut Account {
    snap.accounts
        .entry(id.to_string())
        .or_insert_with(|| Account {
            id: id.to_string(),
            partition: "aws".to_string(),
            ..Account::default()
        })
}

fn user(snap: &mut Snapshot, acct: &str, name: &str, inline: &[&str], boundary: Option<&str>) {
    let arn = format!("arn:aws:iam::{acct}:user/{name}");
    let inline = inline
        .iter()
        .enumerate()
        .map(|(i, j)| doc(snap, &format!("user/{name}/p{i}"), j, PolicyKind::Identity))
        .collect();
    let boundary = boundary.map(|b| {
        let parn = format!("arn:aws:iam::{acct}:policy/{name}-boundary");
        let d = doc(snap, &parn, b, PolicyKind::Boundary);
        account(snap, acct).managed_policies.insert(
            parn.clone(),
            ManagedPolicy {
                arn: parn.clone(),
                name: format!("{name}-boundary"),
                document: d,
            },
        );
        parn
    });
    account(snap, acct).users.push(User {
        arn,
        name: name.to_string(),
        id: None,
        path: "/".to_string(),
        groups: Vec::new(),
        inline,
        managed: Vec::new(),
        boundary,
        tags: BTreeMap::new(),
    });
}

fn role(snap: &mut Snapshot, acct: &str, name: &str, trust: &str, inline: &[&str]) {
    let arn = format!("arn:aws:iam::{acct}:role/{name}");
    let trust = doc(
        snap,
        &format!("role/{name}/trust"),
        trust,
        PolicyKind::Trust,
    );
    let inline = inline
        .iter()
        .enumerate()
        .map(|(i, j)| doc(snap, &format!("role/{name}/p{i}"), j, PolicyKind::Identity))
        .collect();
    account(snap, acct).roles.push(Role {
        arn,
        name: name.to_string(),
        id: None,
        path: "/".to_string(),
        trust: Some(trust),
        inline,
        managed: Vec::new(),
        boundary: None,
        tags: BTreeMap::new(),
        instance_profiles: Vec::new(),
    });
}

fn trust_service(svc: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{svc}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

fn allow(actions: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Grant","Effect":"Allow","Action":{actions},"Resource":"{resource}"}}]}}"#
    )
}

fn to_admin(snap: &Snapshot, from: &str) -> PathsResult {
    paths(
        snap,
        &PathsQuery {
            from: vec![from.to_string()],
            to: Target::Admin,
        },
    )
}

fn vias(r: &PathsResult) -> Vec<Vec<String>> {
    r.paths
        .iter()
        .map(|p| p.edges.iter().map(|&i| r.edges[i].via.clone()).collect())
        .collect()
}

/// IAM UG `id_roles_common-scenarios_aws-accounts` and "How IAM roles differ from
/// resource-based policies": a role trusting `arn:aws:iam::ACCT:root` delegates to that
/// account, whose administrator must grant `sts:AssumeRole` on the role to a user; then the
/// user can assume it. A user of the trusted account without that grant cannot.
#[test]
fn cross_account_root_trust_needs_the_identity_grant() {
    let mut snap = Snapshot::default();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{MAIN}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    role(&mut snap, OTHER, "Admin", &trust, &[ADMIN_DOC]);
    let role_arn = format!("arn:aws:iam::{OTHER}:role/Admin");
    user(
        &mut snap,
        MAIN,
        "alice",
        &[&allow(r#""sts:AssumeRole""#, &role_arn)],
        None,
    );
    user(
        &mut snap,
        MAIN,
        "bob",
        &[&allow(r#""s3:GetObject""#, "*")],
        None,
    );

    let r = to_admin(&snap, &format!("arn:aws:iam::{MAIN}:user/alice"));
    assert_eq!(
        vias(&r),
        vec![vec!["sts-001".to_string(), "is-admin".to_string()]]
    );
    let first = &r.edges[r.paths[0].edges[0]];
    assert_eq!(first.to, Node::Principal(role_arn.clone()));
    // Both the identity grant and the trust policy are named as reasons.
    let kinds: BTreeSet<_> = first.steps[0]
        .reasons
        .iter()
        .map(|x| x.policy_type)
        .collect();
    assert!(
        kinds.contains(&crate::eval::PolicyType::Identity),
        "{kinds:?}"
    );

    let r = to_admin(&snap, &format!("arn:aws:iam::{MAIN}:user/bob"));
    assert!(r.paths.is_empty(), "{:?}", vias(&r));
}

/// IAM UG `id_roles_use_passrole` (`iam:PassedToService`): a grant of `iam:PassRole` limited
/// to `ec2.amazonaws.com` does not let the role be passed to Lambda, so `lambda-001` does not
/// reach the Lambda role, while `ec2-001` reaches the EC2 role.
#[test]
fn passed_to_service_decides_which_role_can_be_passed() {
    let mut snap = Snapshot::default();
    role(
        &mut snap,
        MAIN,
        "lambda-admin",
        &trust_service("lambda.amazonaws.com"),
        &[ADMIN_DOC],
    );
    let attacker = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}},
            {"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction","ec2:RunInstances"],"Resource":"*"}]}"#;
    user(&mut snap, MAIN, "dev", &[attacker], None);
    let dev = format!("arn:aws:iam::{MAIN}:user/dev");
    assert!(to_admin(&snap, &dev).paths.is_empty());

    role(
        &mut snap,
        MAIN,
        "ec2-admin",
        &trust_service("ec2.amazonaws.com"),
        &[ADMIN_DOC],
    );
    let r = to_admin(&snap, &dev);
    assert_eq!(
        vias(&r),
        vec![vec!["ec2-001".to_string(), "is-admin".to_string()]]
    );
    let pass = &r.edges[r.paths[0].edges[0]].steps[0];
    assert_eq!(pass.action, "iam:PassRole");
    assert_eq!(
        pass.context,
        vec![(
            "iam:PassedToService".to_string(),
            "ec2.amazonaws.com".to_string()
        )]
    );
}

/// IAM UG `access_policies_boundaries`: the effective permissions are the intersection of
/// identity policy and boundary, so a user who can write its own inline policy
/// (`iam-007`) stays within its boundary, and is not admin.
#[test]
fn a_boundary_keeps_self_escalation_inside_it() {
    let mut snap = Snapshot::default();
    let me = format!("arn:aws:iam::{MAIN}:user/writer");
    user(
        &mut snap,
        MAIN,
        "writer",
        &[&allow(r#""iam:PutUserPolicy""#, &me)],
        None,
    );
    let r = to_admin(&snap, &me);
    assert_eq!(vias(&r), vec![vec!["iam-007".to_string()]]);

    let mut snap = Snapshot::default();
    let boundary = allow(r#"["iam:PutUserPolicy","s3:*"]"#, "*");
    user(
        &mut snap,
        MAIN,
        "writer",
        &[&allow(r#""iam:PutUserPolicy""#, &me)],
        Some(&boundary),
    );
    assert!(to_admin(&snap, &me).paths.is_empty());
}

/// A boundary that does not allow a step blocks it (IAM UG `access_policies_boundaries`).
#[test]
fn a_boundary_blocks_a_step() {
    let mut snap = Snapshot::default();
    role(
        &mut snap,
        MAIN,
        "fn-admin",
        &trust_service("lambda.amazonaws.com"),
        &[ADMIN_DOC],
    );
    let grant = allow(
        r#"["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"]"#,
        "*",
    );
    let boundary = allow(r#"["lambda:*"]"#, "*");
    user(&mut snap, MAIN, "dev", &[&grant], Some(&boundary));
    assert!(to_admin(&snap, &format!("arn:aws:iam::{MAIN}:user/dev"))
        .paths
        .is_empty());
}

/// Organizations UG `orgs_manage_policies_scps`: an SCP denying `iam:PassRole` in the
/// account's OU blocks the passrole step, whatever the identity policy allows; with only
/// `FullAWSAccess` the path exists.
#[test]
fn an_scp_blocks_a_step() {
    let build = |deny: bool| {
        let mut snap = Snapshot::default();
        role(
            &mut snap,
            MAIN,
            "fn-admin",
            &trust_service("lambda.amazonaws.com"),
            &[ADMIN_DOC],
        );
        let grant = allow(
            r#"["iam:PassRole","lambda:CreateFunction","lambda:InvokeFunction"]"#,
            "*",
        );
        user(&mut snap, MAIN, "dev", &[&grant], None);
        let full = doc(&mut snap, "FullAWSAccess", ADMIN_DOC, PolicyKind::Scp);
        let mut org = Organization {
            id: "o-exampleorgid".to_string(),
            management_account: Some("777788889999".to_string()),
            scps_enabled: true,
            ..Organization::default()
        };
        org.policies.insert(
            "p-FullAWSAccess".to_string(),
            OrgPolicy {
                id: "p-FullAWSAccess".to_string(),
                name: "FullAWSAccess".to_string(),
                kind: PolicyKind::Scp,
                aws_managed: true,
                document: full,
            },
        );
        let mut ou_scps = Vec::new();
        if deny {
            let d = doc(
                &mut snap,
                "DenyPassRole",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:PassRole","Resource":"*"}]}"#,
                PolicyKind::Scp,
            );
            org.policies.insert(
                "p-denypassrole".to_string(),
                OrgPolicy {
                    id: "p-denypassrole".to_string(),
                    name: "DenyPassRole".to_string(),
                    kind: PolicyKind::Scp,
                    aws_managed: false,
                    document: d,
                },
            );
            ou_scps.push("p-denypassrole".to_string());
        }
        let node = |id: &str, kind, parent: Option<&str>, scps: Vec<String>| OrgNode {
            id: id.to_string(),
            kind,
            name: None,
            parent: parent.map(str::to_string),
            scps,
            rcps: Vec::new(),
        };
        let full = vec!["p-FullAWSAccess".to_string()];
        org.nodes.insert(
            "r-examplerootid".to_string(),
            node("r-examplerootid", OrgNodeKind::Root, None, full.clone()),
        );
        let mut ou = full.clone();
        ou.extend(ou_scps);
        org.nodes.insert(
            "ou-examplerootid-workloads".to_string(),
            node(
                "ou-examplerootid-workloads",
                OrgNodeKind::OrganizationalUnit,
                Some("r-examplerootid"),
                ou,
            ),
        );
        org.nodes.insert(
            MAIN.to_string(),
            node(
                MAIN,
                OrgNodeKind::Account,
                Some("ou-examplerootid-workloads"),
                full,
            ),
        );
        snap.organization = Some(org);
        snap
    };
    let dev = format!("arn:aws:iam::{MAIN}:user/dev");
    let r = to_admin(&build(false), &dev);
    assert_eq!(
        vias(&r),
        vec![vec!["lambda-001".to_string(), "is-admin".to_string()]]
    );
    assert!(to_admin(&build(true), &dev).paths.is_empty());
}

/// A user allowed everything is admin already: no escalation path is reported for it.
#[test]
fn an_admin_is_not_a_path() {
    let mut snap = Snapshot::default();
    user(&mut snap, MAIN, "root-like", &[ADMIN_DOC], None);
    let r = to_admin(&snap, &format!("arn:aws:iam::{MAIN}:user/root-like"));
    assert!(r.paths.is_empty());
    assert_eq!(r.already.len(), 1);
}

/// An explicit deny of one service keeps a principal from being admin (IAM UG
/// `reference_policies_evaluation-logic`: an explicit deny overrides any allow).
#[test]
fn admin_needs_every_action() {
    let mut snap = Snapshot::default();
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}"#;
    user(&mut snap, MAIN, "almost", &[deny], None);
    let r = to_admin(&snap, &format!("arn:aws:iam::{MAIN}:user/almost"));
    assert!(r.already.is_empty());
}

#[test]
fn glob_matches_like_iam() {
    assert!(glob_match("sts:assume*", "sts:assumerole"));
    assert!(glob_match("*", "sts:assumerole"));
    assert!(glob_match("sts:assumerol?", "sts:assumerole"));
    assert!(!glob_match("sts:assumerolewith*", "sts:assumerole"));
}

#[test]
fn witnesses_fill_wildcards() {
    assert_eq!(
        witness("arn:aws:lambda:*:*:function:*", MAIN, "lambda").as_deref(),
        Some("arn:aws:lambda:us-east-1:111122223333:function:iampol")
    );
    assert_eq!(witness("arn:aws:s3:::b/*", MAIN, "lambda"), None);
    assert_eq!(
        witness("arn:aws:iam::*:user/${aws:username}", MAIN, "iam"),
        None
    );
}
