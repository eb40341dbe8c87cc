//! Matching action names: the IAM glob, `Action` entries against actions, and lists of
//! actions resolved once against the catalog of [`crate::facts`].

use std::hash::{BuildHasherDefault, Hasher};

use policy_core::service_ref::{Action, ServiceRef};

use crate::facts::{catalog, Facts};

/// Case-insensitive IAM glob (`*`, `?`).
pub(crate) fn glob_ci(pattern: &str, text: &str) -> bool {
    policy_core::text::glob_matches(pattern, text, true)
}

/// Whether an `Action` entry matches the action `service:name`.
pub(crate) fn action_pattern_matches(pattern: &str, service: &str, name: &str) -> bool {
    match pattern.split_once(':') {
        Some((sp, np)) => glob_ci(sp, service) && glob_ci(np, name),
        // Without a colon the pattern is matched against the whole name (`*`).
        None => {
            let full = format!("{service}:{name}");
            glob_ci(pattern, &full)
        }
    }
}

/// A fast, non-cryptographic hasher (the Fx hash of rustc) for the catalog's small keys.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in chunks.by_ref() {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`FxHasher`]s.
pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// A list of actions resolved against the reference once and marked in a table by catalog
/// number, so that a statement is checked against it in one lookup per `Action` name.
#[derive(Debug)]
pub(crate) struct ActionList {
    entries: Vec<ListedAction>,
    /// Catalog number → entry index + 1 (0: not listed).
    slots: Vec<u32>,
}

/// One action of an [`ActionList`].
#[derive(Debug)]
pub(crate) struct ListedAction {
    /// Lower-case service prefix.
    pub service: String,
    /// Action name, lower case.
    pub name: String,
    /// `service:Name` in the reference's casing.
    pub display: String,
    /// Its catalog number.
    pub id: u32,
}

impl ActionList {
    /// Resolves `names` (`iam:PassRole`, any case); names the reference does not know are
    /// left out.
    pub(crate) fn new(names: &[&str]) -> Self {
        let data = ServiceRef::get();
        Self::from_actions(names.iter().filter_map(|n| data.action(n)))
    }

    /// A list of the given actions.
    pub(crate) fn from_actions(actions: impl IntoIterator<Item = Action<'static>>) -> Self {
        let catalog = catalog();
        let mut entries: Vec<ListedAction> = Vec::new();
        let mut slots = vec![0u32; catalog.actions.len()];
        for action in actions {
            let display = action.full_name();
            let Some((id, slot)) = catalog
                .id(&display)
                .and_then(|id| Some((id, slots.get_mut(usize::try_from(id).ok()?)?)))
            else {
                continue;
            };
            if *slot != 0 {
                continue;
            }
            entries.push(ListedAction {
                service: action.service().prefix().to_ascii_lowercase(),
                name: action.name().to_ascii_lowercase(),
                display,
                id,
            });
            *slot = u32::try_from(entries.len()).unwrap_or(0);
        }
        ActionList { entries, slots }
    }

    /// The entry at `i`.
    pub(crate) fn get(&self, i: usize) -> Option<&ListedAction> {
        self.entries.get(i)
    }

    /// Every entry.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &ListedAction> {
        self.entries.iter()
    }

    /// The index of an action of the list, by name (any case).
    pub(crate) fn position(&self, full_name: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.display.eq_ignore_ascii_case(full_name))
    }

    /// The entries a statement with these facts covers, `negated` for `NotAction`, in
    /// order. The shorter side is walked: a statement's thousands of numbers (`"Action": "*"`)
    /// are searched for each entry of a short list, instead of each number looked up.
    pub(crate) fn covered(&self, facts: &Facts, negated: bool) -> Vec<usize> {
        let ids: &[u32] = &facts.ids;
        let hit = |i: &usize| {
            self.entries
                .get(*i)
                .is_some_and(|e| ids.binary_search(&e.id).is_ok())
        };
        if ids.len() > self.entries.len() {
            return (0..self.entries.len())
                .filter(|i| hit(i) != negated)
                .collect();
        }
        let mut hits: Vec<usize> = Vec::new();
        for &id in ids {
            let slot = usize::try_from(id)
                .ok()
                .and_then(|i| self.slots.get(i))
                .copied()
                .unwrap_or(0);
            if let Some(entry) = usize::try_from(slot).ok().and_then(|s| s.checked_sub(1)) {
                hits.push(entry);
            }
        }
        hits.sort_unstable();
        hits.dedup();
        if !negated {
            return hits;
        }
        let mut hit = hits.into_iter().peekable();
        (0..self.entries.len())
            .filter(|i| {
                if hit.peek() == Some(i) {
                    hit.next();
                    false
                } else {
                    true
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(actions: &str) -> Facts {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"*"}}]}}"#
        );
        let parsed = policy_core::parse::parse_policy(&text, None);
        let policy = parsed.policy.expect("the test policy parses");
        Facts::of(policy.statements.first().expect("one statement"))
    }

    // Both ways of walking (the statement's numbers, or the list's entries when the statement
    // has more) give the same answer, checked against names written out by hand.
    #[test]
    fn covered_walks_either_side_alike() {
        let list = ActionList::new(&["iam:PassRole", "s3:GetObject", "ec2:RunInstances"]);
        let names = |hits: Vec<usize>| -> Vec<String> {
            hits.into_iter()
                .filter_map(|i| list.get(i).map(|e| e.display.clone()))
                .collect()
        };
        // Fewer numbers than entries: one name.
        let one = facts(r#""iam:passrole""#);
        assert_eq!(names(list.covered(&one, false)), ["iam:PassRole"]);
        assert_eq!(
            names(list.covered(&one, true)),
            ["s3:GetObject", "ec2:RunInstances"]
        );
        // More numbers than entries: every action, and every S3 action.
        let all = facts(r#""*""#);
        assert!(all.ids.len() > 3);
        assert_eq!(names(list.covered(&all, false)).len(), 3);
        assert!(list.covered(&all, true).is_empty());
        let s3 = facts(r#"["s3:*", "iam:Get*"]"#);
        assert!(s3.ids.len() > 3);
        assert_eq!(names(list.covered(&s3, false)), ["s3:GetObject"]);
        assert_eq!(
            names(list.covered(&s3, true)),
            ["iam:PassRole", "ec2:RunInstances"]
        );
    }
}
