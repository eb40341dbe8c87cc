//! Hand-built snapshots for the account tests: literal policy JSON → `PolicyDoc`s.

#![allow(dead_code, reason = "each test file uses part of it")]

use std::sync::Arc;

use policy_core::account::{
    Account, ManagedPolicy, OrgNode, OrgNodeKind, OrgPolicy, Organization, PolicyDoc,
    ResourcePolicy, Role, Snapshot, User,
};
use policy_core::{parse_policy, PolicyKind, SourceFile};

pub const MAIN: &str = "111122223333";
pub const OTHER: &str = "444455556666";

/// Builds snapshots from literal policy JSON.
#[derive(Default)]
pub struct Build {
    pub snapshot: Snapshot,
}

impl Build {
    pub fn doc(&mut self, name: &str, json: &str, kind: PolicyKind) -> PolicyDoc {
        let source = self.snapshot.sources.len();
        self.snapshot
            .sources
            .push(SourceFile::new(format!("{name}.json"), json.to_string()));
        let parsed = parse_policy(json, Some(kind));
        assert!(parsed.errors.is_empty(), "{name}: {:?}", parsed.errors);
        let policy = parsed.policy.unwrap();
        PolicyDoc {
            name: name.into(),
            span: policy.span,
            policy: Arc::new(policy),
            source,
        }
    }

    pub fn account(&mut self, id: &str) -> &mut Account {
        self.snapshot
            .accounts
            .entry(id.to_string())
            .or_insert_with(|| Account {
                id: id.to_string(),
                partition: "aws".into(),
                ..Account::default()
            })
    }

    pub fn user(&mut self, account: &str, name: &str, policies: &[&str], boundary: Option<&str>) {
        let arn = format!("arn:aws:iam::{account}:user/{name}");
        let inline = policies
            .iter()
            .enumerate()
            .map(|(i, p)| self.doc(&format!("user/{name}/p{i}"), p, PolicyKind::Identity))
            .collect();
        let boundary = boundary.map(|b| self.managed(account, &format!("{name}-boundary"), b));
        self.account(account).users.push(User {
            arn,
            name: name.into(),
            id: None,
            path: "/".into(),
            groups: Vec::new(),
            inline,
            managed: Vec::new(),
            boundary,
            tags: std::collections::BTreeMap::default(),
        });
    }

    pub fn role(
        &mut self,
        account: &str,
        name: &str,
        trust: &str,
        policies: &[&str],
        boundary: Option<&str>,
    ) {
        let trust = self.doc(&format!("role/{name}/trust"), trust, PolicyKind::Trust);
        let inline = policies
            .iter()
            .enumerate()
            .map(|(i, p)| self.doc(&format!("role/{name}/p{i}"), p, PolicyKind::Identity))
            .collect();
        let boundary = boundary.map(|b| self.managed(account, &format!("{name}-boundary"), b));
        self.account(account).roles.push(Role {
            arn: format!("arn:aws:iam::{account}:role/{name}"),
            name: name.into(),
            id: None,
            path: "/".into(),
            trust: Some(trust),
            inline,
            managed: Vec::new(),
            boundary,
            tags: std::collections::BTreeMap::default(),
            instance_profiles: Vec::new(),
        });
    }

    pub fn managed(&mut self, account: &str, name: &str, json: &str) -> String {
        let arn = format!("arn:aws:iam::{account}:policy/{name}");
        let document = self.doc(&arn, json, PolicyKind::Identity);
        self.account(account).managed_policies.insert(
            arn.clone(),
            ManagedPolicy {
                arn: arn.clone(),
                name: name.into(),
                document,
            },
        );
        arn
    }

    pub fn resource(&mut self, account: &str, arn: &str, json: &str) {
        let document = self.doc(arn, json, PolicyKind::Resource);
        self.account(account).resources.insert(
            arn.to_string(),
            ResourcePolicy {
                arn: arn.to_string(),
                document,
            },
        );
    }

    /// An organization holding `accounts` directly under the root, with one SCP on the root
    /// besides `FullAWSAccess`.
    pub fn organization(&mut self, accounts: &[&str], scp: &str) {
        let full = self.doc(
            "FullAWSAccess",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            PolicyKind::Scp,
        );
        let guard = self.doc("Guardrail", scp, PolicyKind::Scp);
        let mut org = Organization {
            id: "o-exampleorgid".into(),
            management_account: Some("999999999999".into()),
            scps_enabled: true,
            ..Organization::default()
        };
        for (id, name, document) in [
            ("p-FullAWSAccess", "FullAWSAccess", full),
            ("p-guardrail", "Guardrail", guard),
        ] {
            org.policies.insert(
                id.into(),
                OrgPolicy {
                    id: id.into(),
                    name: name.into(),
                    kind: PolicyKind::Scp,
                    aws_managed: id == "p-FullAWSAccess",
                    document,
                },
            );
        }
        org.nodes.insert(
            "r-examplerootid".into(),
            OrgNode {
                id: "r-examplerootid".into(),
                kind: OrgNodeKind::Root,
                name: Some("Root".into()),
                parent: None,
                scps: vec!["p-FullAWSAccess".into(), "p-guardrail".into()],
                rcps: Vec::new(),
            },
        );
        for a in accounts {
            org.nodes.insert(
                (*a).into(),
                OrgNode {
                    id: (*a).into(),
                    kind: OrgNodeKind::Account,
                    name: None,
                    parent: Some("r-examplerootid".into()),
                    scps: vec!["p-FullAWSAccess".into()],
                    rcps: Vec::new(),
                },
            );
        }
        self.snapshot.organization = Some(org);
    }
}

pub fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}
