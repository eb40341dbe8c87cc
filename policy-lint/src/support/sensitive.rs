//! The sensitive-action catalogue (`data/sensitive-actions.toml`): which actions expose
//! credentials, read stored data, manage permissions or turn off logging. Each category
//! starts from AWS's access levels in the IAM reference and is corrected by overrides that
//! name their doc source; the security rules only read it (see `data/sensitive-actions.md`).

use std::sync::OnceLock;

use policy_core::service_ref::AccessLevel;
use serde::Deserialize;

use crate::facts::catalog;
use crate::support::matching::ActionList;

/// The table, as written.
const TABLE: &str = include_str!("../../data/sensitive-actions.toml");

/// A category of sensitive actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sensitivity {
    /// The response carries credentials (keys, passwords, tokens).
    CredentialsExposure,
    /// Reads stored data or secrets, or copies databases out.
    DataAccess,
    /// Changes who may do what.
    PermissionsManagement,
    /// Turns off logging or threat detection.
    DefenseEvasion,
}

impl Sensitivity {
    /// Every category, in the order findings name them.
    pub(crate) const ALL: [Sensitivity; 4] = [
        Sensitivity::CredentialsExposure,
        Sensitivity::DataAccess,
        Sensitivity::PermissionsManagement,
        Sensitivity::DefenseEvasion,
    ];

    /// The category's id in the table.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Sensitivity::CredentialsExposure => "credentials-exposure",
            Sensitivity::DataAccess => "data-access",
            Sensitivity::PermissionsManagement => "permissions-management",
            Sensitivity::DefenseEvasion => "defense-evasion",
        }
    }

    /// A short name for messages: `credentials exposure`.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Sensitivity::CredentialsExposure => "credentials exposure",
            Sensitivity::DataAccess => "data access",
            Sensitivity::PermissionsManagement => "permissions management",
            Sensitivity::DefenseEvasion => "defense evasion",
        }
    }

    fn index(self) -> usize {
        match self {
            Sensitivity::CredentialsExposure => 0,
            Sensitivity::DataAccess => 1,
            Sensitivity::PermissionsManagement => 2,
            Sensitivity::DefenseEvasion => 3,
        }
    }

    /// What the category's actions do, for messages (`actions whose response carries
    /// credentials`).
    pub(crate) fn what(self) -> &'static str {
        table()
            .and_then(|t| t.category.iter().find(|c| c.id == self.id()))
            .map_or("", |c| c.what.as_str())
    }

    /// The category's actions, resolved against the reference once, in the reference's
    /// order.
    pub(crate) fn list(self) -> &'static ActionList {
        static LISTS: OnceLock<[ActionList; 4]> = OnceLock::new();
        let lists = LISTS.get_or_init(|| Sensitivity::ALL.map(build));
        match lists.get(self.index()) {
            Some(list) => list,
            None => empty(),
        }
    }
}

/// An empty list.
fn empty() -> &'static ActionList {
    static EMPTY: OnceLock<ActionList> = OnceLock::new();
    EMPTY.get_or_init(|| ActionList::from_actions([]))
}

/// The table's rows.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    category: Vec<CategoryRow>,
    #[serde(default)]
    add: Vec<Override>,
    #[serde(default)]
    remove: Vec<Override>,
}

/// A `[[category]]` row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CategoryRow {
    id: String,
    access_levels: Vec<String>,
    what: String,
    #[serde(default)]
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "documentation, checked by the tests")
    )]
    source: Option<String>,
}

/// An `[[add]]` or `[[remove]]` row.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Override {
    action: String,
    category: String,
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "documentation, checked by the tests")
    )]
    source: String,
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "documentation, checked by the tests")
    )]
    reason: String,
}

/// The table, parsed once (`None` if it does not parse, which the tests rule out).
fn table() -> Option<&'static Table> {
    static PARSED: OnceLock<Option<Table>> = OnceLock::new();
    PARSED.get_or_init(|| toml::from_str(TABLE).ok()).as_ref()
}

/// An access level as the table writes it (the reference's words).
fn parse_access_level(text: &str) -> Option<AccessLevel> {
    Some(match text {
        "List" => AccessLevel::List,
        "Read" => AccessLevel::Read,
        "Write" => AccessLevel::Write,
        "Permissions management" => AccessLevel::PermissionsManagement,
        "Tagging" => AccessLevel::Tagging,
        _ => return None,
    })
}

/// The actions of a category: its access levels, plus its `add` rows, minus its `remove`
/// rows, in catalog order.
fn build(category: Sensitivity) -> ActionList {
    let Some(table) = table() else {
        return ActionList::from_actions([]);
    };
    let catalog = catalog();
    let levels: Vec<AccessLevel> = table
        .category
        .iter()
        .filter(|c| c.id == category.id())
        .flat_map(|c| c.access_levels.iter().filter_map(|l| parse_access_level(l)))
        .collect();
    let mut ids: Vec<u32> = Vec::new();
    if !levels.is_empty() {
        for (id, action) in (0u32..).zip(&catalog.actions) {
            if levels.contains(&action.access_level()) {
                ids.push(id);
            }
        }
    }
    let rows = |rows: &'static [Override]| {
        rows.iter()
            .filter(move |r| r.category == category.id())
            .filter_map(|r| catalog.id(&r.action))
    };
    ids.extend(rows(&table.add));
    let removed: Vec<u32> = rows(&table.remove).collect();
    ids.retain(|id| !removed.contains(id));
    ids.sort_unstable();
    ids.dedup();
    ActionList::from_actions(ids.into_iter().filter_map(crate::facts::action_by_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy_core::service_ref::ServiceRef;

    fn rows() -> impl Iterator<Item = (&'static str, &'static Override)> {
        let table = table().expect("the table parses");
        table
            .add
            .iter()
            .map(|r| ("add", r))
            .chain(table.remove.iter().map(|r| ("remove", r)))
    }

    #[test]
    fn every_named_action_exists_in_the_reference() {
        let data = ServiceRef::get();
        let unknown: Vec<&str> = rows()
            .map(|(_, r)| r.action.as_str())
            .filter(|a| data.action(a).is_none_or(|found| found.full_name() != *a))
            .collect();
        assert!(
            unknown.is_empty(),
            "not in the reference (or not spelled as it does): {unknown:?}"
        );
    }

    #[test]
    fn every_override_names_a_source_and_a_reason() {
        for (kind, row) in rows() {
            assert!(
                row.source.starts_with("https://docs.aws.amazon.com/"),
                "{kind} {}: source must be an AWS doc page",
                row.action
            );
            assert!(
                !row.reason.trim().is_empty(),
                "{kind} {}: no reason",
                row.action
            );
        }
        let table = table().unwrap();
        for c in &table.category {
            assert!(!c.what.is_empty(), "{}", c.id);
            if !c.access_levels.is_empty() {
                assert!(
                    c.source
                        .as_deref()
                        .is_some_and(|s| s.starts_with("https://docs.aws.amazon.com/")),
                    "{}: a category that starts from access levels names their source",
                    c.id
                );
            }
        }
    }

    #[test]
    fn categories_and_levels_are_known() {
        let table = table().unwrap();
        let ids: Vec<&str> = Sensitivity::ALL.iter().map(|s| s.id()).collect();
        assert_eq!(
            table
                .category
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ids
        );
        for c in &table.category {
            for level in &c.access_levels {
                assert!(parse_access_level(level).is_some(), "{level}");
            }
        }
        for (kind, row) in rows() {
            assert!(
                ids.contains(&row.category.as_str()),
                "{kind} {}: unknown category `{}`",
                row.action,
                row.category
            );
        }
    }

    /// An `add` must add something and a `remove` remove something: an override that the
    /// access levels already settle is noise, and hides a change of the reference.
    #[test]
    fn every_override_changes_its_category() {
        let data = ServiceRef::get();
        let table = table().unwrap();
        for (kind, row) in rows() {
            let category = table
                .category
                .iter()
                .find(|c| c.id == row.category)
                .unwrap();
            let level = data.action(&row.action).unwrap().access_level();
            let by_level = category
                .access_levels
                .iter()
                .any(|l| parse_access_level(l) == Some(level));
            assert_eq!(
                by_level,
                kind == "remove",
                "{kind} {}: its access level already decides",
                row.action
            );
        }
    }

    #[test]
    fn lists_follow_the_table() {
        let names = |s: Sensitivity| -> Vec<String> {
            s.list().iter().map(|e| e.display.clone()).collect()
        };
        let credentials = names(Sensitivity::CredentialsExposure);
        assert!(credentials.contains(&"cognito-idp:DescribeUserPoolClient".to_string()));
        assert!(credentials.contains(&"appsync:ListApiKeys".to_string()));
        assert!(credentials.contains(&"iam:CreateAccessKey".to_string()));
        let data = names(Sensitivity::DataAccess);
        assert!(data.contains(&"dynamodb:Scan".to_string()));
        let permissions = names(Sensitivity::PermissionsManagement);
        assert!(permissions.contains(&"iam:AttachRolePolicy".to_string()));
        assert!(permissions.contains(&"sso:CreateAccountAssignment".to_string()));
        assert!(permissions.contains(&"identitystore:CreateGroupMembership".to_string()));
        assert!(!permissions.contains(&"billing:GetResourcePolicy".to_string()));
        assert!(!permissions.contains(&"s3:GetBucketPolicy".to_string()));
        let evasion = names(Sensitivity::DefenseEvasion);
        assert!(evasion.contains(&"cloudtrail:StopLogging".to_string()));
        for s in Sensitivity::ALL {
            assert!(!s.what().is_empty());
        }
    }
}
