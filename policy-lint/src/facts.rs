//! What several rules ask of a statement's `Action` and `Resource` entries (which actions
//! each entry matches, whether its service is known, which resource entries are broad),
//! computed once per statement and shared through [`LintContext::facts`].
//!
//! The actions are numbered in a catalog (the reference's order) with an open-address hash
//! table of names, so that a statement's actions are a sorted list of numbers that rules
//! test against tables built once.
//!
//! [`LintContext::facts`]: crate::LintContext::facts

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use policy_core::ast::{Node, Statement};
use policy_core::service_ref::{Action, ServiceRef};
use policy_core::text::cmp_ci;
use policy_core::Span;

use crate::rules::util::{has_variable, has_wildcard};
use crate::support::action_format::{format_problem, plain_shape};
use crate::support::matching::{glob_ci, FxBuild};
use crate::support::resources::{is_broad_resource, is_every_role};

/// The high half of a name hash, kept in the catalog's table beside the action number.
fn tag(hash: u64) -> u32 {
    u32::try_from(hash >> 32).unwrap_or(0)
}

/// A hash of `service:name` that ignores ASCII case (the key of the catalog's table).
fn name_hash(service: &str, name: &str) -> u64 {
    policy_core::text::name_hash(&[service, name])
}

/// Every action of the reference, numbered in the reference's order (by service prefix,
/// then by name, ignoring case), with each service's range of numbers and an open-address
/// hash table of names.
pub(crate) struct Catalog {
    pub(crate) actions: Vec<Action<'static>>,
    /// Service prefix, first and one-past-last action number; sorted by prefix.
    services: Vec<(&'static str, usize, usize)>,
    /// Each action's name hash, by number.
    hashes: Vec<u64>,
    /// Action number + 1 (0: empty) with the high half of its hash (compared before the
    /// name, without touching the action), at its hash modulo the (power of two) length,
    /// probed linearly.
    table: Vec<(u32, u32)>,
}

pub(crate) fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut actions: Vec<Action<'static>> = Vec::new();
        let mut services = Vec::new();
        for service in ServiceRef::get().services() {
            let start = actions.len();
            actions.extend(service.actions());
            services.push((service.prefix(), start, actions.len()));
        }
        let hashes: Vec<u64> = actions
            .iter()
            .map(|a| name_hash(a.service().prefix(), a.name()))
            .collect();
        let size = (actions.len() * 2).next_power_of_two().max(2);
        let mut table = vec![(0u32, 0u32); size];
        let mask = size - 1;
        for (id, h) in (1u32..).zip(&hashes) {
            #[expect(
                clippy::cast_possible_truncation,
                reason = "masked to the table's size"
            )]
            let mut i = (*h as usize) & mask;
            while let Some(slot) = table.get_mut(i) {
                if slot.0 == 0 {
                    *slot = (id, tag(*h));
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        Catalog {
            actions,
            services,
            hashes,
            table,
        }
    })
}

impl Catalog {
    /// The number of an action named exactly (no wildcards), ignoring case.
    pub(crate) fn id(&self, name: &str) -> Option<u32> {
        let (service, action) = name.split_once(':')?;
        self.id_parts(service, action)
    }

    /// The actions of the service with this prefix (ignoring case), and the first number.
    fn service_range(&self, prefix: &str) -> Option<(usize, &[Action<'static>])> {
        let i = self
            .services
            .binary_search_by(|(p, _, _)| cmp_ci(p, prefix))
            .ok()?;
        let (_, start, end) = self.services.get(i)?;
        Some((*start, self.actions.get(*start..*end)?))
    }

    /// The number of the action `service:name`, ignoring case.
    pub(crate) fn id_parts(&self, service: &str, name: &str) -> Option<u32> {
        let hash = name_hash(service, name);
        let mask = self.table.len().wrapping_sub(1);
        #[expect(
            clippy::cast_possible_truncation,
            reason = "masked to the table's size"
        )]
        let mut i = (hash as usize) & mask;
        let wanted = tag(hash);
        loop {
            let (slot, slot_tag) = self.table.get(i).copied()?;
            let id = slot.checked_sub(1)?;
            if slot_tag == wanted && self.hashes.get(usize::try_from(id).ok()?) == Some(&hash) {
                let a = self.actions.get(usize::try_from(id).ok()?)?;
                if a.name().eq_ignore_ascii_case(name)
                    && a.service().prefix().eq_ignore_ascii_case(service)
                {
                    return Some(id);
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The number of an action of the reference.
    fn id_of(&self, action: &Action<'_>) -> Option<u32> {
        self.id_parts(action.service().prefix(), action.name())
    }

    /// The numbers of the actions `service_pattern:name_pattern` matches (IAM wildcards,
    /// ignoring case), in order: within each service, only the names that start with the
    /// pattern's literal prefix are tried, found by binary search.
    fn expand(&self, service_pattern: &str, name_pattern: &str, out: &mut Vec<u32>) {
        let literal = name_pattern
            .find(['*', '?'])
            .map_or(name_pattern, |i| name_pattern.get(..i).unwrap_or_default());
        // `Prefix*` (the usual shape) matches every name with the prefix: no glob needed.
        let rest = name_pattern.get(literal.len()..).unwrap_or_default();
        let prefix_only = !rest.is_empty() && rest.bytes().all(|b| b == b'*');
        let mut in_service = |start: usize, actions: &[Action<'static>]| {
            let from = actions.partition_point(|a| cmp_ci(a.name(), literal) == Ordering::Less);
            for (i, a) in actions.iter().enumerate().skip(from) {
                let name = a.name();
                let prefixed = name
                    .get(..literal.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(literal));
                if !prefixed {
                    break;
                }
                if prefix_only || glob_ci(name_pattern, name) {
                    if let Ok(id) = u32::try_from(start + i) {
                        out.push(id);
                    }
                }
            }
        };
        if service_pattern.contains(['*', '?']) {
            for (prefix, start, end) in &self.services {
                if glob_ci(service_pattern, prefix) {
                    if let Some(actions) = self.actions.get(*start..*end) {
                        in_service(*start, actions);
                    }
                }
            }
        } else if let Some((start, actions)) = self.service_range(service_pattern) {
            in_service(start, actions);
        }
    }

    fn action(&self, id: u32) -> Option<Action<'static>> {
        self.actions.get(usize::try_from(id).ok()?).copied()
    }
}

/// The numbers of the actions an `Action` entry matches.
#[derive(Debug, Clone)]
pub(crate) enum Ids {
    /// A name without wildcards.
    One(Option<u32>),
    /// A pattern's matches, shared.
    Many(Arc<[u32]>),
}

impl std::ops::Deref for Ids {
    type Target = [u32];

    fn deref(&self) -> &Self::Target {
        match self {
            Ids::One(a) => a.as_slice(),
            Ids::Many(v) => v,
        }
    }
}

/// The numbers of the actions an `Action` entry matches, in the reference's order. Entries
/// with wildcards are memoized for the process (the managed policies repeat them), shared
/// by the threads that lint files in parallel.
pub(crate) fn expand_ids(pattern: &str) -> Ids {
    type Memo = Mutex<HashMap<Box<str>, Arc<[u32]>, FxBuild>>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    let catalog = catalog();
    if !pattern.contains(['*', '?']) {
        return Ids::One(catalog.id(pattern));
    }
    let key = pattern.to_ascii_lowercase();
    let memo = MEMO.get_or_init(|| Mutex::new(HashMap::default()));
    if let Some(found) = memo
        .lock()
        .ok()
        .and_then(|m| m.get(key.as_str()).map(Arc::clone))
    {
        return Ids::Many(found);
    }
    let found: Arc<[u32]> =
        if key.bytes().all(|b| b == b'*' || b == b':') && key.matches(':').count() <= 1 {
            (0..u32::try_from(catalog.actions.len()).unwrap_or(u32::MAX)).collect()
        } else if let Some((service, name)) = key.split_once(':') {
            let mut ids = Vec::new();
            catalog.expand(service, name, &mut ids);
            ids.into()
        } else {
            ServiceRef::get()
                .expand(&key)
                .iter()
                .filter_map(|a| catalog.id_of(a))
                .collect()
        };
    if let Ok(mut m) = memo.lock() {
        if m.len() >= 8192 {
            m.clear();
        }
        m.insert(key.into_boxed_str(), Arc::clone(&found));
    }
    Ids::Many(found)
}

/// The action with catalog number `id`.
pub(crate) fn action_by_id(id: u32) -> Option<Action<'static>> {
    catalog().action(id)
}

/// What the rules ask of one `Action`/`NotAction` entry.
#[derive(Debug)]
pub(crate) struct ActionItem {
    /// The entry is `service:name` with no format problem and no policy variable: the
    /// entries the reference-data rules check (the others have rules of their own).
    pub checked: bool,
    /// For a checked entry whose service part has no wildcard: whether the reference knows
    /// the service.
    pub known_service: bool,
    /// The catalog numbers of the actions the entry matches, in the reference's order.
    pub ids: Ids,
}

/// What the rules ask of a statement's `Action` and `Resource` entries, computed once.
#[derive(Debug)]
pub(crate) struct Facts {
    /// The catalog numbers of every action its `Action`/`NotAction` entries match (before
    /// negation), sorted.
    pub ids: Arc<[u32]>,
    /// Each `Action`/`NotAction` entry, in order.
    pub items: Vec<ActionItem>,
    /// The first `Resource`/`NotResource` entry that covers every resource of a type.
    broad_item: Option<usize>,
    /// The first `Resource`/`NotResource` entry that names every role.
    every_role_item: Option<usize>,
}

impl Facts {
    /// The facts of a statement.
    pub(crate) fn of(statement: &Statement) -> Self {
        let data = ServiceRef::get();
        let items: Vec<ActionItem> = statement
            .actions()
            .iter()
            .map(|item| {
                let text = item.node.as_str();
                let plain = plain_shape(text);
                let checked =
                    plain.is_some() || (format_problem(text).is_none() && !has_variable(text));
                // The usual name without wildcards is one hash lookup.
                let ids = match plain {
                    Some((colon, false)) => Ids::One(catalog().id_parts(
                        text.get(..colon).unwrap_or_default(),
                        text.get(colon + 1..).unwrap_or_default(),
                    )),
                    _ => expand_ids(text),
                };
                // An entry that names an action names a known service.
                let known_service = checked
                    && text.split_once(':').is_some_and(|(prefix, _)| {
                        !has_wildcard(prefix)
                            && (matches!(ids, Ids::One(Some(_))) || data.service(prefix).is_some())
                    });
                ActionItem {
                    checked,
                    known_service,
                    ids,
                }
            })
            .collect();
        let ids: Arc<[u32]> = match items.as_slice() {
            [one] => match &one.ids {
                Ids::Many(shared) => Arc::clone(shared),
                Ids::One(id) => id.iter().copied().collect(),
            },
            _ => {
                let mut all: Vec<u32> = items.iter().flat_map(|i| i.ids.iter().copied()).collect();
                all.sort_unstable();
                all.dedup();
                all.into()
            }
        };
        let resources = statement.resources();
        Facts {
            ids,
            items,
            broad_item: resources.iter().position(|i| is_broad_resource(&i.node)),
            every_role_item: resources.iter().position(|i| is_every_role(&i.node)),
        }
    }

    /// Whether the `NotResource` of the statement lists an entry that names every role.
    pub(crate) fn not_resource_leaves_out_roles(&self, statement: &Statement) -> bool {
        statement.resource.as_ref().is_some_and(|r| r.negated) && self.every_role_item.is_some()
    }

    /// Where the statement applies to every resource of a type: the first broad `Resource`
    /// entry, or the `NotResource` element (which names what it leaves out, so it covers
    /// everything else) unless it lists `*`. `None` when the statement names resources.
    pub(crate) fn broad(&self, statement: &Statement) -> Option<Span> {
        let element = statement.resource.as_ref()?;
        if element.negated {
            return (!element.items.iter().any(|i| i.node == "*")).then_some(element.span);
        }
        element.items.get(self.broad_item?).map(|i| i.span)
    }

    /// The first `Resource` entry (not `NotResource`) that names every role of an account
    /// or more (see [`is_every_role`]).
    pub(crate) fn every_role<'s>(&self, statement: &'s Statement) -> Option<&'s Node<String>> {
        let element = statement.resource.as_ref().filter(|r| !r.negated)?;
        element.items.get(self.every_role_item?)
    }
}
