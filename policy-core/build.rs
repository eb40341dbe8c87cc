//! Compiles `data/iam-service-reference.json.gz` into the compact tables that
//! `src/service_ref/data.rs` includes.
//!
//! Output, both in `OUT_DIR`:
//! - `service_ref_strings.txt`: every kept string, concatenated and de-duplicated (included
//!   with `include_str!`, so the compiler checks that it is UTF-8);
//! - `service_ref_tables.bin`: LEB128 varints describing services, actions, resource types and
//!   condition keys; strings are `(offset, len)` pairs into the string file. The layout is
//!   documented on `write_tables` and read back, in the same order, by `data.rs`.
//!
//! Descriptions, dependent actions and the category tables are dropped. Unknown access levels,
//! condition-key types or condition-pattern syntax stop the build with a message, so that new
//! data cannot be misread silently.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::PathBuf;

use serde::Deserialize;

#[path = "src/service_ref/glob.rs"]
mod glob;

const INPUT: &str = "data/iam-service-reference.json.gz";

/// Bumped whenever the table layout changes; `data.rs` checks it.
const FORMAT_VERSION: u32 = 1;
/// `IAMR` in ASCII.
const MAGIC: u32 = 0x4941_4d52;
/// Written for "no key" in a condition pattern row (a key id plus one is written otherwise).
const NO_KEY: u32 = 0;
/// Service id written for global condition keys.
const GLOBAL_SERVICE: u32 = 0;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Root {
    #[serde(rename = "_meta")]
    meta: Meta,
    services: BTreeMap<String, Service>,
    #[serde(default)]
    condition_patterns: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    global_condition_keys: Vec<GlobalKey>,
    #[serde(default)]
    rcp_supported_services: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    source: String,
    version: String,
    updated_at: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Service {
    name: String,
    #[serde(default)]
    actions: BTreeMap<String, Action>,
    #[serde(default)]
    resource_types: BTreeMap<String, ResourceType>,
    #[serde(default)]
    condition_keys: BTreeMap<String, ServiceKey>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Action {
    name: String,
    access_level: String,
    #[serde(default)]
    resource_types: Vec<ActionResourceType>,
    #[serde(default)]
    condition_keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActionResourceType {
    name: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    condition_keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceType {
    key: String,
    arn: String,
    #[serde(default)]
    condition_keys: Vec<String>,
}

#[derive(Deserialize)]
struct ServiceKey {
    key: String,
    #[serde(rename = "type")]
    ty: String,
}

#[derive(Deserialize)]
struct GlobalKey {
    key: String,
    category: String,
    #[serde(rename = "type")]
    ty: String,
}

fn main() {
    println!("cargo:rerun-if-changed={INPUT}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/service_ref/glob.rs");

    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let gz = std::fs::read(manifest_dir.join(INPUT))
        .unwrap_or_else(|e| panic!("cannot read {INPUT}: {e}"));
    let mut json = Vec::with_capacity(gz.len() * 12);
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut json)
        .unwrap_or_else(|e| panic!("cannot decompress {INPUT}: {e}"));
    let root: Root =
        serde_json::from_slice(&json).unwrap_or_else(|e| panic!("cannot parse {INPUT}: {e}"));

    let model = Model::build(&root);
    let mut strings = Strings::default();
    let tables = model.write_tables(&mut strings);

    std::fs::write(out_dir.join("service_ref_strings.txt"), strings.text)
        .expect("write string table");
    std::fs::write(out_dir.join("service_ref_tables.bin"), tables).expect("write tables");

    // The data's version and date, readable without decoding the tables.
    std::fs::write(
        out_dir.join("service_ref_meta.txt"),
        format!("{}\n{}", root.meta.version, root.meta.updated_at),
    )
    .expect("write data version");

    // The services RCPs apply to, one lower-case prefix a line, sorted.
    let mut rcp: Vec<String> = root
        .rcp_supported_services
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    rcp.sort();
    rcp.dedup();
    std::fs::write(out_dir.join("service_ref_rcp.txt"), rcp.join("\n"))
        .expect("write RCP services");
}

// ---------------------------------------------------------------------------------------------
// Normalised model
// ---------------------------------------------------------------------------------------------

/// One condition-key definition: a global key or one service's entry.
struct Key {
    /// Index into `Model::services` plus one; `GLOBAL_SERVICE` for the global list.
    service: u32,
    name: String,
    ty: u32,
    /// Global key, or a service entry naming a global key (`aws:RequestTag/${TagKey}`).
    global: bool,
    /// `GlobalKeyCategory` code (0 = none).
    category: u32,
    /// Glob for keys with a variable part (`aws:RequestTag/?*`), empty otherwise.
    glob: String,
}

struct ServiceOut<'a> {
    prefix: &'a str,
    name: &'a str,
    /// First key id of this service; its keys are `key_start..key_start + keys.len()`.
    key_start: usize,
    keys: Vec<&'a ServiceKey>,
    resource_types: Vec<(&'a ResourceType, Vec<u32>)>,
    actions: Vec<ActionOut<'a>>,
}

struct ActionOut<'a> {
    name: &'a str,
    access: u32,
    keys: Vec<u32>,
    /// (index of the resource type within the service, required, extra key ids)
    resource_types: Vec<(u32, bool, Vec<u32>)>,
}

struct Model<'a> {
    meta: &'a Meta,
    keys: Vec<Key>,
    services: Vec<ServiceOut<'a>>,
    /// (lower-cased name, preferred key id), sorted by name, one per distinct name.
    key_index: Vec<(String, u32)>,
    /// (glob, key id) in match priority order.
    templates: Vec<(String, u32)>,
    /// (service, pattern, key id + 1 or `NO_KEY`)
    patterns: Vec<(&'a str, &'a str, u32)>,
    /// (lower-cased service segment of the ARN format, resource type id), sorted.
    arn_index: Vec<(String, u32)>,
    /// Resource type ids whose ARN format has a variable or wildcard service segment.
    arn_generic: Vec<u32>,
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("table sizes fit in u32")
}

impl<'a> Model<'a> {
    fn build(root: &'a Root) -> Self {
        let mut keys: Vec<Key> = Vec::new();

        // Global keys first: ids 0..globals.
        for g in &root.global_condition_keys {
            keys.push(Key {
                service: GLOBAL_SERVICE,
                name: g.key.clone(),
                ty: key_type(&g.ty, &g.key),
                global: true,
                category: category(&g.category, &g.key),
                glob: global_glob(&g.key),
            });
        }
        let global_count = keys.len();

        // Services sorted by lower-cased prefix (the JSON map is keyed by it already).
        let mut prefixes: Vec<&String> = root.services.keys().collect();
        prefixes.sort_by_key(|p| lower(p));

        let mut services: Vec<ServiceOut<'a>> = Vec::with_capacity(prefixes.len());
        // Which global key a service key names, for preferring it in the index.
        let mut names_global: HashMap<usize, u32> = HashMap::new();
        for (sidx, prefix) in prefixes.iter().enumerate() {
            let svc = &root.services[*prefix];
            let mut svc_keys: Vec<&ServiceKey> = svc.condition_keys.values().collect();
            svc_keys.sort_by_key(|k| lower(&k.key));
            let key_start = keys.len();
            for k in &svc_keys {
                let id = keys.len();
                let global = (0..global_count).find(|&g| {
                    let gk = &keys[g];
                    gk.name.eq_ignore_ascii_case(&k.key)
                        || (!gk.glob.is_empty() && glob::matches(&gk.glob, &k.key))
                });
                if let Some(g) = global {
                    names_global.insert(id, to_u32(g));
                }
                keys.push(Key {
                    service: to_u32(sidx + 1),
                    name: k.key.clone(),
                    ty: key_type(&k.ty, &k.key),
                    global: global.is_some(),
                    category: 0,
                    glob: global_glob(&k.key),
                });
            }
            services.push(ServiceOut {
                prefix: prefix.as_str(),
                name: svc.name.as_str(),
                key_start,
                keys: svc_keys,
                resource_types: Vec::new(),
                actions: Vec::new(),
            });
        }

        // Exact-name index: global > service entry naming a global > owning service > first.
        let mut by_name: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (id, k) in keys.iter().enumerate() {
            by_name.entry(lower(&k.name)).or_default().push(to_u32(id));
        }
        let preferred: BTreeMap<String, u32> = by_name
            .into_iter()
            .map(|(name, ids)| {
                let rank = |id: u32| {
                    let k = &keys[id as usize];
                    if k.service == GLOBAL_SERVICE {
                        return (0, id);
                    }
                    if let Some(&g) = names_global.get(&(id as usize)) {
                        return (1, g);
                    }
                    let owner = k.name.split(':').next().unwrap_or_default();
                    let owned =
                        owner.eq_ignore_ascii_case(services[(k.service - 1) as usize].prefix);
                    (if owned { 2 } else { 3 }, id)
                };
                let best = ids.iter().map(|&id| rank(id)).min().expect("non-empty");
                (name, best.1)
            })
            .collect();
        let key_index: Vec<(String, u32)> =
            preferred.iter().map(|(n, id)| (n.clone(), *id)).collect();
        let find_key = |name: &str| -> Option<u32> { preferred.get(&lower(name)).copied() };

        // Resource types and actions; key references resolve within the service first.
        for (sidx, prefix) in prefixes.iter().enumerate() {
            let svc = &root.services[*prefix];
            let out = &services[sidx];
            let local: HashMap<String, u32> = out
                .keys
                .iter()
                .enumerate()
                .map(|(i, k)| (lower(&k.key), to_u32(out.key_start + i)))
                .collect();
            let resolve = |names: &[String], ctx: &str| -> Vec<u32> {
                names
                    .iter()
                    .filter_map(|n| {
                        let id = local.get(&lower(n)).copied().or_else(|| find_key(n));
                        if id.is_none() {
                            println!("cargo:warning=service reference: {ctx} names unknown condition key `{n}`; dropped");
                        }
                        id
                    })
                    .collect()
            };

            let mut rts: Vec<&ResourceType> = svc.resource_types.values().collect();
            rts.sort_by_key(|r| lower(&r.key));
            let rt_index: HashMap<String, u32> = rts
                .iter()
                .enumerate()
                .map(|(i, r)| (lower(&r.key), to_u32(i)))
                .collect();
            let resource_types: Vec<(&ResourceType, Vec<u32>)> = rts
                .iter()
                .map(|r| {
                    (
                        *r,
                        resolve(
                            &r.condition_keys,
                            &format!("resource type `{prefix}/{}`", r.key),
                        ),
                    )
                })
                .collect();

            let mut acts: Vec<&Action> = svc.actions.values().collect();
            acts.sort_by_key(|a| lower(&a.name));
            let actions: Vec<ActionOut<'a>> = acts
                .iter()
                .map(|a| {
                    let ctx = format!("action `{prefix}:{}`", a.name);
                    let resource_types = a
                        .resource_types
                        .iter()
                        .filter_map(|rt| {
                            let Some(&i) = rt_index.get(&lower(&rt.name)) else {
                                println!("cargo:warning=service reference: {ctx} names unknown resource type `{}`; dropped", rt.name);
                                return None;
                            };
                            Some((i, rt.required, resolve(&rt.condition_keys, &ctx)))
                        })
                        .collect();
                    ActionOut {
                        name: a.name.as_str(),
                        access: access_level(&a.access_level, &ctx),
                        keys: resolve(&a.condition_keys, &ctx),
                        resource_types,
                    }
                })
                .collect();

            let out = &mut services[sidx];
            out.resource_types = resource_types;
            out.actions = actions;
        }

        // Templates: global keys, then service keys not naming a global, then the patterns.
        let mut templates: Vec<(String, u32)> = Vec::new();
        let mut seen_globs: HashSet<String> = HashSet::new();
        let mut push_template = |glob: String, id: u32, templates: &mut Vec<(String, u32)>| {
            if seen_globs.insert(lower(&glob)) {
                templates.push((glob, id));
            }
        };
        for (id, k) in keys.iter().enumerate() {
            if !k.glob.is_empty() && !names_global.contains_key(&id) {
                push_template(k.glob.clone(), to_u32(id), &mut templates);
            }
        }
        let mut patterns = Vec::new();
        for (svc, map) in &root.condition_patterns {
            for (pattern, template) in map {
                let target = find_key(template);
                if let Some(id) = target {
                    push_template(pattern_glob(pattern), id, &mut templates);
                } else {
                    println!("cargo:warning=service reference: condition pattern `{pattern}` names unknown key `{template}`");
                }
                patterns.push((
                    svc.as_str(),
                    pattern.as_str(),
                    target.map_or(NO_KEY, |id| id + 1),
                ));
            }
        }

        // ARN index by the service segment of the ARN format.
        let mut arn_index = Vec::new();
        let mut arn_generic = Vec::new();
        let mut rt_id = 0u32;
        for svc in &services {
            for (rt, _) in &svc.resource_types {
                let segment = rt.arn.split(':').nth(2).unwrap_or_default();
                if segment.is_empty() || segment.contains(['$', '*', '?']) {
                    arn_generic.push(rt_id);
                } else {
                    arn_index.push((lower(segment), rt_id));
                }
                rt_id += 1;
            }
        }
        arn_index.sort();

        Model {
            meta: &root.meta,
            keys,
            services,
            key_index,
            templates,
            patterns,
            arn_index,
            arn_generic,
        }
    }

    /// Writes the tables. Layout (every number a LEB128 varint, every string `(offset, len)`):
    ///
    /// ```text
    /// MAGIC FORMAT_VERSION  source version updated_at
    /// total_keys total_rtypes total_actions total_action_rtypes total_key_refs
    /// global_count  { name type category glob }*
    /// service_count { prefix name
    ///                 key_count    { name type global glob }*
    ///                 rtype_count  { name arn key_count key_id* }*
    ///                 action_count { name access key_count key_id*
    ///                                rt_count { rtype_local required key_count key_id* }* }* }*
    /// index_count { lower_name key_id }*      (sorted by name)
    /// template_count { glob key_id }*          (match priority order)
    /// pattern_count { service pattern key_id+1 or 0 }*
    /// arn_index_count { segment rtype_id }*    (sorted by segment)
    /// arn_generic_count rtype_id*
    /// ```
    fn write_tables(&self, strings: &mut Strings) -> Vec<u8> {
        let mut w = Writer::default();
        w.num(MAGIC);
        w.num(FORMAT_VERSION);
        w.str(strings, &self.meta.source);
        w.str(strings, &self.meta.version);
        w.str(strings, &self.meta.updated_at);
        // Row totals, so the reader can size its vectors once.
        let actions = self.services.iter().flat_map(|s| &s.actions);
        let key_refs: usize = self
            .services
            .iter()
            .flat_map(|s| &s.resource_types)
            .map(|(_, k)| k.len())
            .chain(actions.clone().map(|a| a.keys.len()))
            .chain(
                actions
                    .clone()
                    .flat_map(|a| &a.resource_types)
                    .map(|(_, _, k)| k.len()),
            )
            .sum();
        w.len(self.keys.len());
        w.len(self.services.iter().map(|s| s.resource_types.len()).sum());
        w.len(actions.clone().count());
        w.len(actions.map(|a| a.resource_types.len()).sum());
        w.len(key_refs);

        let globals: Vec<&Key> = self
            .keys
            .iter()
            .filter(|k| k.service == GLOBAL_SERVICE)
            .collect();
        w.len(globals.len());
        for k in globals {
            w.str(strings, &k.name);
            w.num(k.ty);
            w.num(k.category);
            w.str(strings, &k.glob);
        }

        w.len(self.services.len());
        for svc in &self.services {
            w.str(strings, svc.prefix);
            w.str(strings, svc.name);
            w.len(svc.keys.len());
            for i in 0..svc.keys.len() {
                let k = &self.keys[svc.key_start + i];
                w.str(strings, &k.name);
                w.num(k.ty);
                w.num(u32::from(k.global));
                w.str(strings, &k.glob);
            }
            w.len(svc.resource_types.len());
            for (rt, keys) in &svc.resource_types {
                w.str(strings, &rt.key);
                w.str(strings, &rt.arn);
                w.ids(keys);
            }
            w.len(svc.actions.len());
            for a in &svc.actions {
                w.str(strings, a.name);
                w.num(a.access);
                w.ids(&a.keys);
                w.len(a.resource_types.len());
                for (rt, required, keys) in &a.resource_types {
                    w.num(*rt);
                    w.num(u32::from(*required));
                    w.ids(keys);
                }
            }
        }

        w.len(self.key_index.len());
        for (name, id) in &self.key_index {
            w.str(strings, name);
            w.num(*id);
        }
        w.len(self.templates.len());
        for (glob, id) in &self.templates {
            w.str(strings, glob);
            w.num(*id);
        }
        w.len(self.patterns.len());
        for (svc, pattern, id) in &self.patterns {
            w.str(strings, svc);
            w.str(strings, pattern);
            w.num(*id);
        }
        w.len(self.arn_index.len());
        for (segment, id) in &self.arn_index {
            w.str(strings, segment);
            w.num(*id);
        }
        w.ids(&self.arn_generic);
        w.out
    }
}

// ---------------------------------------------------------------------------------------------
// Codes (keep in sync with `AccessLevel`, `ConditionKeyType`, `GlobalKeyCategory`)
// ---------------------------------------------------------------------------------------------

/// Classic access level: the first part of "Tagging, Write" etc.
fn access_level(s: &str, ctx: &str) -> u32 {
    match s.split(',').next().unwrap_or_default().trim() {
        "List" => 0,
        "Read" => 1,
        "Write" => 2,
        "Permissions management" => 3,
        "Tagging" => 4,
        other => {
            panic!("{ctx}: unknown access level `{other}` (add it to `AccessLevel` and build.rs)")
        }
    }
}

fn key_type(s: &str, key: &str) -> u32 {
    const TYPES: [&str; 14] = [
        "String",
        "ArrayOfString",
        "ARN",
        "ArrayOfARN",
        "Bool",
        "ArrayOfBool",
        "Numeric",
        "ArrayOfNumeric",
        "Date",
        "ArrayOfDate",
        "IPAddress",
        "ArrayOfIPAddress",
        "Binary",
        "ArrayOfBinary",
    ];
    let code = TYPES.iter().position(|t| t.eq_ignore_ascii_case(s));
    to_u32(code.unwrap_or_else(|| {
        panic!(
            "condition key `{key}`: unknown type `{s}` (add it to `ConditionKeyType` and build.rs)"
        )
    }))
}

fn category(s: &str, key: &str) -> u32 {
    match s {
        "principal" => 1,
        "session" => 2,
        "network" => 3,
        "resource" => 4,
        "request" => 5,
        other => panic!("global condition key `{key}`: unknown category `{other}` (add it to `GlobalKeyCategory` and build.rs)"),
    }
}

// ---------------------------------------------------------------------------------------------
// Templates → globs (`?*` = a non-empty run)
// ---------------------------------------------------------------------------------------------

/// `aws:RequestTag/${TagKey}`, `s3:ExistingObjectTag/<key>` → `…/?*`; "" without a variable.
fn service_glob(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut rest = key;
    let mut templated = false;
    while let Some(c) = rest.chars().next() {
        let close = match (c, rest.starts_with("${")) {
            (_, true) => Some('}'),
            ('<', _) => Some('>'),
            _ => None,
        };
        if let Some(end) = close.and_then(|close| rest.find(close)) {
            out.push_str("?*");
            templated = true;
            rest = &rest[end + 1..];
            continue;
        }
        assert!(
            c != '*' && c != '?',
            "condition key `{key}` contains a glob character"
        );
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if templated {
        out
    } else {
        String::new()
    }
}

/// The global list, and a few services (`secretsmanager:ResourceTag/tag-key`), write the
/// tag-key variable as a literal `tag-key`.
fn global_glob(key: &str) -> String {
    match key.strip_suffix("/tag-key") {
        Some(head) => format!("{head}/?*"),
        None => service_glob(key),
    }
}

/// `conditionPatterns` are regexes that only use `.+?` (a non-empty run) and `.` meant as a
/// literal dot; anything else stops the build.
fn pattern_glob(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(tail) = rest.strip_prefix(".+?") {
            out.push_str("?*");
            rest = tail;
            continue;
        }
        assert!(
            !"\\^$|()[]{}+*?".contains(c),
            "condition pattern `{pattern}` uses regex syntax the glob translation does not handle"
        );
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Output helpers
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Strings {
    text: String,
    offsets: HashMap<String, (u32, u32)>,
}

impl Strings {
    fn intern(&mut self, s: &str) -> (u32, u32) {
        if let Some(&r) = self.offsets.get(s) {
            return r;
        }
        let r = (to_u32(self.text.len()), to_u32(s.len()));
        self.text.push_str(s);
        self.offsets.insert(s.to_owned(), r);
        r
    }
}

#[derive(Default)]
struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn num(&mut self, mut n: u32) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.out.push(byte);
                return;
            }
            self.out.push(byte | 0x80);
        }
    }

    fn len(&mut self, n: usize) {
        self.num(to_u32(n));
    }

    fn str(&mut self, strings: &mut Strings, s: &str) {
        let (offset, len) = strings.intern(s);
        self.num(offset);
        self.num(len);
    }

    fn ids(&mut self, ids: &[u32]) {
        self.len(ids.len());
        for &id in ids {
            self.num(id);
        }
    }
}
