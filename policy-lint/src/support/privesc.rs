//! The privilege-escalation paths of pathfinding.cloud (`data/privesc-paths.json`, see
//! `data/privesc-paths.md`): each path's id, name, category and required actions, resolved
//! once against the catalog.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::support::matching::ActionList;

/// The catalogue, as converted.
const PATHS: &str = include_str!("../../data/privesc-paths.json");

/// One path of the catalogue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Path {
    /// pathfinding.cloud's id (`ec2-001`).
    pub id: String,
    /// Its name (`iam:PassRole + ec2:RunInstances`).
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "kept with the data, checked by the tests")
    )]
    pub name: String,
    /// `self-escalation`, `principal-access`, `new-passrole` or `existing-passrole`.
    pub category: String,
    /// The actions the path needs, all of them.
    pub required: Vec<String>,
    /// The path's page.
    pub url: String,
    /// For paths that pass a role: the service principals the role is passed to.
    #[serde(rename = "passed-to", default)]
    pub passed_to: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct File {
    paths: Vec<Path>,
}

/// The paths, most direct first (fewest actions, then by id), with their actions as
/// indices into one list.
#[derive(Debug)]
pub(crate) struct Catalogue {
    /// Every path whose actions the reference knows.
    pub paths: Vec<Path>,
    /// Every action of every path.
    pub list: ActionList,
    /// Each path's actions, as indices into `list`, in the path's order.
    pub actions: Vec<Vec<usize>>,
    /// The index of `iam:PassRole` in `list`.
    pub pass_role: Option<usize>,
}

/// The paths, read once.
pub(crate) fn paths() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let mut paths = serde_json::from_str::<File>(PATHS)
            .map(|f| f.paths)
            .unwrap_or_default();
        paths.sort_by(|a, b| {
            a.required
                .len()
                .cmp(&b.required.len())
                .then(a.id.cmp(&b.id))
        });
        let names: Vec<&str> = paths
            .iter()
            .flat_map(|p| p.required.iter().map(String::as_str))
            .collect();
        let list = ActionList::new(&names);
        // A path with an action the reference does not know is left out.
        paths.retain(|p| p.required.iter().all(|a| list.position(a).is_some()));
        let actions = paths
            .iter()
            .map(|p| p.required.iter().filter_map(|a| list.position(a)).collect())
            .collect();
        let pass_role = list.position("iam:PassRole");
        Catalogue {
            paths,
            list,
            actions,
            pass_role,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_read_and_known() {
        let all: File = serde_json::from_str(PATHS).unwrap();
        assert_eq!(all.paths.len(), 65);
        let p = paths();
        let missing: Vec<&str> = all
            .paths
            .iter()
            .filter(|a| !p.paths.iter().any(|b| b.id == a.id))
            .map(|a| a.id.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "paths with unknown actions: {missing:?}"
        );
        for (path, ids) in p.paths.iter().zip(&p.actions) {
            assert_eq!(ids.len(), path.required.len(), "{}", path.id);
            assert!(!path.name.is_empty() && path.url.starts_with("https://"));
            assert!(matches!(
                path.category.as_str(),
                "self-escalation" | "principal-access" | "new-passrole" | "existing-passrole"
            ));
            let passes = path.required.iter().any(|a| a == "iam:PassRole");
            assert_eq!(passes, !path.passed_to.is_empty(), "{}", path.id);
        }
    }
}
