//! The escalation catalogue as data: the edge each of pathfinding.cloud's paths makes
//! (`policy-core/data/privesc-edges.json`; its provenance and review notes are in
//! `privesc-edges.md` next to it).

use std::sync::OnceLock;

use serde::Deserialize;

/// The reviewed table, embedded.
const EDGES_JSON: &str = include_str!("../../../data/privesc-edges.json");

/// The catalogue file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[expect(dead_code, reason = "documentation field of the data file")]
    about: String,
    #[expect(dead_code, reason = "documentation field of the data file")]
    catalogue: String,
    #[expect(dead_code, reason = "documentation field of the data file")]
    licence: String,
    paths: Vec<EscalationPath>,
}

/// One documented escalation path and the edge it makes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationPath {
    /// pathfinding.cloud's id (`lambda-001`).
    pub id: String,
    /// Its title (`iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction`).
    pub name: String,
    /// pathfinding.cloud's category: `new-passrole`, `existing-passrole`, `principal-access`
    /// or `self-escalation`.
    pub kind: String,
    /// What the attacker gains.
    pub gain: Gain,
    /// The service principals a passed or used role must trust.
    #[serde(default)]
    pub trusts: Vec<String>,
    /// The requests the attacker makes, each with what it is made on.
    pub steps: Vec<EscalationStep>,
    /// The resource the path needs that an export does not list (`a Lambda function running
    /// as the role`): the edge is reported as holding if such a resource exists.
    #[serde(default)]
    pub assumes: Option<String>,
    /// The path's page.
    pub source: String,
}

/// What an escalation path gives the attacker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gain {
    /// The permissions of a role (passed to a service, used by an existing resource, or
    /// assumed): an edge to that role.
    Role,
    /// The permissions of another user (through its credentials): an edge to that user.
    User,
    /// Any permission for itself (it writes or attaches its own policy): admin, within its
    /// boundary and SCPs.
    AdminSelf,
    /// The permissions of a group it adds itself to.
    Group,
    /// Any permission for a role it can then assume: admin, within that role's boundary and
    /// SCPs.
    AdminRole,
    /// Any permission for a user whose credentials it can then create.
    AdminUser,
}

/// One request of a path.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    /// The IAM action (`iam:PassRole`).
    pub action: String,
    /// Which resource the request is made on.
    pub on: On,
    /// For `iam:PassRole`: the services the role is passed to (`iam:PassedToService`).
    #[serde(default)]
    pub passed_to: Vec<String>,
    /// pathfinding.cloud's resource constraint for the permission, quoted.
    #[serde(default)]
    pub constraint: Option<String>,
}

/// The resource a step's request is made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum On {
    /// The role passed (`iam:PassRole`), one that trusts the path's service.
    PassedRole,
    /// A resource the attacker creates: any name it may choose.
    New,
    /// An existing resource (function, stack, instance, ...) the export does not list: any
    /// the attacker's policies allow.
    Existing,
    /// The attacker itself (its user or role).
    #[serde(rename = "self")]
    Itself,
    /// A group the attacker is a member of.
    OwnGroup,
    /// A customer managed policy attached to the attacker (or to one of its groups).
    OwnPolicy,
    /// Another user of the account.
    TargetUser,
    /// Another role of the account.
    TargetRole,
    /// A group of the account the attacker is not in.
    TargetGroup,
    /// A customer managed policy attached to the target role.
    TargetPolicy,
    /// The target role, assumed (`sts:AssumeRole`, decided with its trust policy).
    AssumeRole,
}

/// The 65 paths, read once. A table that does not read is a build defect the catalogue
/// test catches; the library then works with no catalogue edges rather than panic.
pub fn catalogue() -> &'static [EscalationPath] {
    static PATHS: OnceLock<Vec<EscalationPath>> = OnceLock::new();
    PATHS.get_or_init(|| {
        serde_json::from_str::<File>(EDGES_JSON)
            .map(|f| f.paths)
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_and_has_every_path_once() {
        let file: File = serde_json::from_str(EDGES_JSON).unwrap();
        assert_eq!(file.paths.len(), 65);
        let mut ids: Vec<&str> = file.paths.iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 65);
        assert_eq!(catalogue().len(), 65);
    }

    #[test]
    fn passrole_steps_name_the_services_the_role_must_trust() {
        for p in catalogue() {
            for s in &p.steps {
                if s.on == On::PassedRole {
                    assert_eq!(s.action, "iam:PassRole", "{}", p.id);
                    assert!(!s.passed_to.is_empty(), "{}", p.id);
                    assert_eq!(s.passed_to, p.trusts, "{}", p.id);
                }
            }
            if p.steps.iter().any(|s| matches!(s.on, On::PassedRole | On::Existing)) {
                assert!(!p.trusts.is_empty(), "{}: which role does it reach?", p.id);
            }
        }
    }
}
