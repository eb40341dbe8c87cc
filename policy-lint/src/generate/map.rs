//! The SDK call → IAM action map (iam-dataset `map.json`, MIT; see `data/PROVENANCE.md`),
//! embedded gzip'd and decoded on first use, and its template language.
//!
//! A map entry names an action and how to build its resource ARNs from the call's
//! parameters: `resource_mappings` fill the variables of the action's resource-type ARN
//! formats, `resourcearn_mappings` give whole ARNs per resource type, `arn_override` gives the
//! ARN directly; `conditions` say when the entry applies. Templates are `${Param}` (paths with
//! `.` and `[]`) around at most one special form: `%%iftruthy%TEST%THEN%ELSE%%`,
//! `%%regex%INPUT%/RE/g%%` (the first group), `%%many%A%B…%%`, `%%iftemplatematch%ARN%%`,
//! `%%urlencode%X%%`. Anything else stands for an unknown part.
//!
//! CloudTrail's `requestParameters` name parameters in its own way: camelCase (`bucketName`,
//! `key`, `functionName`) where the map uses SDK names (`Bucket`, `Key`, `FunctionName`), and
//! EC2's query style (`instancesSet: {items: [{instanceId}]}` for `InstanceIds`). Lookups
//! ignore case and know these renames.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Read;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

static MAP_GZ: &[u8] = include_bytes!("../../data/iam-dataset-map.json.gz");

/// The decoded map.
#[derive(Debug, Default)]
pub struct SdkMap {
    /// `"<sdkservice>.<method>"` lower-cased → entries, read from their JSON text on first
    /// use (a run uses a few dozen of the map's 11,593 methods; reading them all was most of
    /// `generate`'s start-up).
    methods: HashMap<String, LazyEntries>,
    /// Lower-cased `"<sdkservice>.<method>"` of calls that need no permission.
    permissionless: HashSet<String>,
    /// IAM prefix → SDK service names (lower-cased).
    sdk_services: HashMap<String, Vec<String>>,
    /// SDK service name, lower-cased without spaces, hyphens or underscores → IAM prefix.
    client_prefixes: HashMap<String, String>,
}

/// A method's entries: their JSON text in the decoded map, and the entries once read.
#[derive(Debug)]
struct LazyEntries {
    raw: &'static RawValue,
    entries: OnceLock<Vec<MapEntry>>,
}

/// One entry of a method: an action and how to find its resources.
#[derive(Debug)]
pub struct MapEntry {
    /// `service:Action` as the map writes it.
    pub action: String,
    /// ARN-format variable → template (and when the mapping applies).
    pub resource_mappings: Vec<(String, Template, Option<Condition>)>,
    /// Resource type name → template of the whole ARN.
    pub resourcearn_mappings: Vec<(String, Template)>,
    /// The ARN, directly.
    pub arn_override: Option<Template>,
    /// When the entry applies.
    pub condition: Option<Condition>,
}

/// A parsed template.
#[derive(Debug)]
pub struct Template {
    prefix: Vec<Piece>,
    special: Option<Special>,
    suffix: Vec<Piece>,
}

#[derive(Debug)]
enum Piece {
    Lit(String),
    Var(Var),
}

#[derive(Debug)]
enum Var {
    Partition,
    Region,
    Account,
    Param(Vec<Segment>),
}

/// One step of a parameter path: a name, and whether it is a list (`Names[]`).
#[derive(Debug, Clone)]
pub struct Segment {
    name: String,
    list: bool,
}

#[derive(Debug)]
enum Special {
    IfTruthy {
        test: Vec<Piece>,
        then: Vec<Piece>,
        otherwise: Vec<Piece>,
    },
    Regex {
        input: Vec<Piece>,
        source: String,
        compiled: OnceLock<Option<Regex>>,
    },
    Many(Vec<Vec<Piece>>),
    IfTemplateMatch(Vec<Piece>),
    UrlEncode(Vec<Piece>),
    Unknown,
}

/// A condition on the call's parameters.
#[derive(Debug)]
pub struct Condition {
    lhs: Vec<Segment>,
    op: String,
    rhs: String,
    and: Option<Box<Condition>>,
}

/// A part of a built value: known text (raw, not yet escaped) or an unknown part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Known text.
    Text(String),
    /// A part whose value the record does not tell.
    Unknown,
}

/// A built value (an ARN or an ARN variable's value).
pub type Built = Vec<Part>;

/// What a template is resolved against.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The request parameters (an object), if any.
    pub params: Option<&'a Value>,
    /// `${Partition}`.
    pub partition: &'a str,
    /// `${Region}`.
    pub region: Option<&'a str>,
    /// `${Account}`.
    pub account: Option<&'a str>,
}

/// An SDK client name as the SDK → prefix table is looked up: lower-cased, without spaces,
/// hyphens or underscores (`SageMaker Runtime`, `sagemaker-runtime` → `sagemakerruntime`).
pub fn client_key(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// At most this many values come out of one template (lists multiply).
const MAX_VALUES: usize = 64;

impl SdkMap {
    /// The embedded map, decoded on first call.
    pub fn get() -> &'static SdkMap {
        static MAP: OnceLock<SdkMap> = OnceLock::new();
        MAP.get_or_init(|| {
            let mut text = String::with_capacity(4 << 20);
            let decoded = flate2::read::GzDecoder::new(MAP_GZ).read_to_string(&mut text);
            match decoded {
                // The text lives as long as the process: the map's entries are read from it
                // on first use.
                Ok(_) => SdkMap::from_json(text.leak()).unwrap_or_default(),
                Err(_) => SdkMap::default(),
            }
        })
    }

    /// Reads a map in the `map.json` format; each method's entries are read on first use.
    pub fn from_json(text: &'static str) -> Result<SdkMap, serde_json::Error> {
        let raw: RawMap<'static> = serde_json::from_str(text)?;
        let methods: HashMap<String, LazyEntries> = raw
            .sdk_method_iam_mappings
            .into_iter()
            .map(|(k, raw)| {
                let entries = LazyEntries {
                    raw,
                    entries: OnceLock::new(),
                };
                (k.to_ascii_lowercase(), entries)
            })
            .collect();
        let mut sdk_services: HashMap<String, Vec<String>> = HashMap::new();
        for (prefix, sdks) in raw.service_sdk_mappings {
            let list = sdk_services.entry(prefix.to_ascii_lowercase()).or_default();
            list.extend(sdks.iter().map(|s| s.to_ascii_lowercase()));
        }
        // Also every SDK name that maps to a prefix (some prefixes have several SDKs).
        let mut reverse: BTreeMap<String, String> = BTreeMap::new();
        let mut client_prefixes: HashMap<String, String> = HashMap::new();
        // Two names of one client can disagree (`IoTWireless` → `iotwireless`, `IoT Wireless`
        // → `iot`): the prefix named like the client wins (the Service Authorization Reference
        // gives AWS IoT Wireless the prefix `iotwireless`), else the first name in order, so
        // that the table never depends on the order of a hash map.
        let mut named: Vec<(&String, &String)> = raw.sdk_service_mappings.iter().collect();
        named.sort_unstable();
        for (sdk, prefix) in named {
            let key = client_key(sdk);
            let lower = prefix.to_ascii_lowercase();
            let keep = |have: Option<&String>| {
                have.is_some_and(|h| h.eq_ignore_ascii_case(&key) || lower != key)
            };
            if !keep(client_prefixes.get(&key)) {
                client_prefixes.insert(key.clone(), lower.clone());
            }
            let name = sdk.replace(' ', "").to_ascii_lowercase();
            if !keep(reverse.get(&name)) {
                reverse.insert(name, prefix.clone());
            }
        }
        for (sdk, prefix) in reverse {
            let list = sdk_services.entry(prefix.to_ascii_lowercase()).or_default();
            if !list.contains(&sdk) {
                list.push(sdk);
            }
        }
        // An SDK named like its prefix (`RDS`, `IAM`) is in neither table: try it first.
        let sdks: BTreeSet<String> = methods
            .keys()
            .filter_map(|k: &String| k.split_once('.').map(|(s, _)| s.to_string()))
            .collect();
        for sdk in sdks {
            let list = sdk_services.entry(sdk.clone()).or_default();
            if !list.contains(&sdk) {
                list.insert(0, sdk);
            }
        }
        Ok(SdkMap {
            methods,
            permissionless: raw
                .sdk_permissionless_actions
                .iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            sdk_services,
            client_prefixes,
        })
    }

    /// The SDK service names (lower-cased) of an IAM prefix, in the map's order.
    pub fn sdk_services(&self, prefix: &str) -> &[String] {
        self.sdk_services
            .get(prefix)
            .map_or(&[], std::vec::Vec::as_slice)
    }

    /// The entries of `<sdk>.<method>`, both lower-cased.
    pub fn method(&self, sdk: &str, method: &str) -> Option<&[MapEntry]> {
        let lazy = self.methods.get(&format!("{sdk}.{method}"))?;
        let entries = lazy.entries.get_or_init(|| {
            serde_json::from_str::<Vec<RawEntry>>(lazy.raw.get())
                .map(|raw| raw.into_iter().map(MapEntry::from_raw).collect())
                .unwrap_or_default()
        });
        Some(entries.as_slice())
    }

    /// The IAM actions an API call needs, for a name written as an action
    /// (`s3:HeadObject`): the entries of `method` of the first SDK service of IAM prefix
    /// `prefix` (any case) that has it, keeping those that apply to a call with no optional
    /// parameter (their condition holds with none), in the map's order, without repeats.
    /// Empty when the map does not know the call.
    pub fn call_actions(&self, prefix: &str, method: &str) -> Vec<&str> {
        let method = method.to_ascii_lowercase();
        let Some(entries) = self
            .sdk_services(&prefix.to_ascii_lowercase())
            .iter()
            .find_map(|sdk| self.method(sdk, &method))
        else {
            return Vec::new();
        };
        let mut out: Vec<&str> = Vec::new();
        for entry in entries {
            let applies = entry.condition.as_ref().is_none_or(|c| c.holds(None));
            if applies && !out.iter().any(|a| a.eq_ignore_ascii_case(&entry.action)) {
                out.push(entry.action.as_str());
            }
        }
        out
    }

    /// The IAM prefixes (lower-cased) the map names SDK services for, in no order.
    pub fn prefixes(&self) -> impl Iterator<Item = &str> {
        self.sdk_services.keys().map(String::as_str)
    }

    /// Every `<sdk>.<method>` of the map (lower-cased), in no order.
    pub fn method_keys(&self) -> impl Iterator<Item = &str> {
        self.methods.keys().map(String::as_str)
    }

    /// The map's SDK client → IAM prefix table: each client name lower-cased without
    /// spaces, hyphens or underscores (`sagemakerruntime`), with its prefix (lower-cased),
    /// in no order.
    pub fn client_table(&self) -> impl Iterator<Item = (&str, &str)> {
        self.client_prefixes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether `<sdk>.<method>` (lower-cased) needs no permission.
    pub fn is_permissionless(&self, sdk: &str, method: &str) -> bool {
        self.permissionless.contains(&format!("{sdk}.{method}"))
    }

    /// How many SDK methods the map has.
    pub fn len(&self) -> usize {
        self.methods.len()
    }

    /// Whether the map is empty (it never is, unless the embedded data is broken).
    pub fn is_empty(&self) -> bool {
        self.methods.is_empty()
    }
}

#[derive(Deserialize)]
struct RawMap<'a> {
    #[serde(default)]
    sdk_permissionless_actions: Vec<String>,
    #[serde(default, borrow)]
    sdk_method_iam_mappings: HashMap<std::borrow::Cow<'a, str>, &'a RawValue>,
    #[serde(default)]
    sdk_service_mappings: HashMap<String, String>,
    #[serde(default)]
    service_sdk_mappings: HashMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct RawEntry {
    action: String,
    #[serde(default)]
    resource_mappings: Option<BTreeMap<String, RawMapping>>,
    #[serde(default)]
    resourcearn_mappings: Option<BTreeMap<String, String>>,
    #[serde(default)]
    arn_override: Option<RawTemplate>,
    #[serde(default)]
    conditions: Option<RawCondition>,
}

#[derive(Deserialize)]
struct RawMapping {
    template: String,
    #[serde(default)]
    conditions: Option<RawCondition>,
}

#[derive(Deserialize)]
struct RawTemplate {
    template: String,
}

#[derive(Deserialize)]
struct RawCondition {
    lhs: String,
    op: String,
    #[serde(default)]
    rhs: Option<String>,
    #[serde(default, rename = "andCondition")]
    and_condition: Option<Box<RawCondition>>,
}

impl MapEntry {
    fn from_raw(raw: RawEntry) -> Self {
        MapEntry {
            action: raw.action,
            resource_mappings: raw
                .resource_mappings
                .unwrap_or_default()
                .into_iter()
                .map(|(var, m)| {
                    (
                        var,
                        Template::parse(&m.template),
                        m.conditions.map(Condition::from_raw),
                    )
                })
                .collect(),
            resourcearn_mappings: raw
                .resourcearn_mappings
                .unwrap_or_default()
                .into_iter()
                .map(|(ty, t)| (ty, Template::parse(&t)))
                .collect(),
            arn_override: raw.arn_override.map(|t| Template::parse(&t.template)),
            condition: raw.conditions.map(Condition::from_raw),
        }
    }
}

impl Condition {
    fn from_raw(raw: RawCondition) -> Self {
        Condition {
            lhs: parse_path(&raw.lhs),
            op: raw.op,
            rhs: raw.rhs.unwrap_or_default(),
            and: raw.and_condition.map(|c| Box::new(Condition::from_raw(*c))),
        }
    }

    /// Whether the condition holds for the parameters. Unknown operators hold.
    pub fn holds(&self, params: Option<&Value>) -> bool {
        let values: Vec<&Value> = params.map(|p| lookup(p, &self.lhs)).unwrap_or_default();
        let texts: Vec<String> = values.iter().filter_map(|v| scalar_text(v)).collect();
        let rhs = self.rhs.as_str();
        let lower_rhs = rhs.to_ascii_lowercase();
        let any = |f: &dyn Fn(&str) -> bool| texts.iter().any(|t| f(t));
        let holds = match self.op.as_str() {
            "Exists" => values.iter().any(|v| !v.is_null()),
            "NotExists" => values.iter().all(|v| v.is_null()),
            "Equals" => any(&|t| t == rhs),
            "NotEquals" => !any(&|t| t == rhs),
            "Contains" => any(&|t| t.contains(rhs)),
            "NotContains" => !any(&|t| t.contains(rhs)),
            "IContains" => any(&|t| t.to_ascii_lowercase().contains(&lower_rhs)),
            "INotContains" => !any(&|t| t.to_ascii_lowercase().contains(&lower_rhs)),
            "StartsWith" => any(&|t| t.starts_with(rhs)),
            "NotStartsWith" => !any(&|t| t.starts_with(rhs)),
            _ => true,
        };
        holds && self.and.as_ref().is_none_or(|c| c.holds(params))
    }
}

fn parse_path(text: &str) -> Vec<Segment> {
    text.split('.')
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_suffix("[]") {
            Some(name) => Segment {
                name: name.to_string(),
                list: true,
            },
            None => Segment {
                name: s.to_string(),
                list: false,
            },
        })
        .collect()
}

fn parse_pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find("${") {
            Some(start) => {
                if start > 0 {
                    out.push(Piece::Lit(
                        rest.get(..start).unwrap_or_default().to_string(),
                    ));
                }
                let after = rest.get(start + 2..).unwrap_or_default();
                let Some(end) = after.find('}') else {
                    out.push(Piece::Lit(
                        rest.get(start..).unwrap_or_default().to_string(),
                    ));
                    break;
                };
                let name = after.get(..end).unwrap_or_default();
                out.push(Piece::Var(match name {
                    "Partition" => Var::Partition,
                    "Region" => Var::Region,
                    "Account" => Var::Account,
                    _ => Var::Param(parse_path(name)),
                }));
                rest = after.get(end + 1..).unwrap_or_default();
            }
            None => {
                out.push(Piece::Lit(rest.to_string()));
                break;
            }
        }
    }
    out
}

impl Template {
    /// Parses a template (never fails: what cannot be read stands for an unknown part).
    pub fn parse(text: &str) -> Template {
        let (Some(start), Some(end)) = (text.find("%%"), text.rfind("%%")) else {
            return Template {
                prefix: parse_pieces(text),
                special: None,
                suffix: Vec::new(),
            };
        };
        if end <= start {
            return Template {
                prefix: parse_pieces(text),
                special: None,
                suffix: Vec::new(),
            };
        }
        let inner = text.get(start + 2..end).unwrap_or_default();
        let mut parts: Vec<&str> = inner.split('%').collect();
        let name = parts.first().copied().unwrap_or_default();
        let special = match name {
            "iftruthy" => {
                if parts.len() == 3 {
                    parts.push("");
                }
                match parts.as_slice() {
                    [_, test, then, otherwise] => Special::IfTruthy {
                        test: parse_pieces(test),
                        then: parse_pieces(then),
                        otherwise: parse_pieces(otherwise),
                    },
                    _ => Special::Unknown,
                }
            }
            "regex" => match parts.as_slice() {
                [_, input, re] => {
                    let re = re.strip_prefix('/').unwrap_or(re);
                    let re = re
                        .strip_suffix("/g")
                        .or_else(|| re.strip_suffix('/'))
                        .unwrap_or(re);
                    Special::Regex {
                        input: parse_pieces(input),
                        source: re.to_string(),
                        compiled: OnceLock::new(),
                    }
                }
                _ => Special::Unknown,
            },
            "many" => Special::Many(parts.iter().skip(1).map(|p| parse_pieces(p)).collect()),
            "iftemplatematch" => match parts.as_slice() {
                [_, input] => Special::IfTemplateMatch(parse_pieces(input)),
                _ => Special::Unknown,
            },
            "urlencode" => match parts.as_slice() {
                [_, input] => Special::UrlEncode(parse_pieces(input)),
                _ => Special::Unknown,
            },
            _ => Special::Unknown,
        };
        Template {
            prefix: parse_pieces(text.get(..start).unwrap_or_default()),
            special: Some(special),
            suffix: parse_pieces(text.get(end + 2..).unwrap_or_default()),
        }
    }

    /// Whether the template reads request parameters.
    pub fn has_params(&self) -> bool {
        let in_pieces = |p: &[Piece]| p.iter().any(|x| matches!(x, Piece::Var(Var::Param(_))));
        in_pieces(&self.prefix)
            || in_pieces(&self.suffix)
            || match &self.special {
                None | Some(Special::Unknown) => false,
                Some(Special::IfTruthy {
                    test,
                    then,
                    otherwise,
                }) => in_pieces(test) || in_pieces(then) || in_pieces(otherwise),
                Some(
                    Special::Regex { input, .. }
                    | Special::IfTemplateMatch(input)
                    | Special::UrlEncode(input),
                ) => in_pieces(input),
                Some(Special::Many(items)) => items.iter().any(|i| in_pieces(i)),
            }
    }

    /// Whether the template is one parameter and nothing else (`${Role}`).
    pub fn is_single_param(&self) -> bool {
        self.special.is_none()
            && self.suffix.is_empty()
            && matches!(self.prefix.as_slice(), [Piece::Var(Var::Param(_))])
    }

    /// The values the template takes. An empty list means "absent" (a false `iftruthy`
    /// without an else, an `iftemplatematch` that does not match `arn_format`). A value may
    /// hold unknown parts. `arn_format` is the resource type's format, for `iftemplatematch`.
    pub fn resolve(&self, scope: &Scope<'_>, arn_format: Option<&str>) -> Vec<Built> {
        let prefix = resolve_pieces(&self.prefix, scope);
        let middle = match &self.special {
            None => vec![Vec::new()],
            Some(special) => resolve_special(special, scope, arn_format),
        };
        if middle.is_empty() {
            return Vec::new();
        }
        let suffix = resolve_pieces(&self.suffix, scope);
        let mut out = product(&prefix, &middle);
        out = product(&out, &suffix);
        out.retain(|b| !b.is_empty());
        out
    }
}

fn product(a: &[Built], b: &[Built]) -> Vec<Built> {
    let mut out = Vec::with_capacity(a.len() * b.len());
    'outer: for x in a {
        for y in b {
            if out.len() >= MAX_VALUES {
                break 'outer;
            }
            let mut v = x.clone();
            v.extend(y.iter().cloned());
            out.push(normalize(v));
        }
    }
    out
}

/// Joins adjacent text parts and adjacent unknown parts.
fn normalize(parts: Built) -> Built {
    let mut out: Built = Vec::with_capacity(parts.len());
    for p in parts {
        match (out.last_mut(), p) {
            (Some(Part::Text(a)), Part::Text(b)) => a.push_str(&b),
            (Some(Part::Unknown), Part::Unknown) => {}
            (_, Part::Text(t)) if t.is_empty() => {}
            (_, p) => out.push(p),
        }
    }
    out
}

/// Resolves literal text and variables; lists give several values.
fn resolve_pieces(pieces: &[Piece], scope: &Scope<'_>) -> Vec<Built> {
    let mut out: Vec<Built> = vec![Vec::new()];
    for piece in pieces {
        // The alternatives this piece can take, each a sequence of parts.
        let options: Vec<Built> = match piece {
            Piece::Lit(t) => {
                // A `*` in a template's text stands for any value: an unknown part.
                let mut parts = Vec::new();
                for (i, piece) in t.split('*').enumerate() {
                    if i > 0 {
                        parts.push(Part::Unknown);
                    }
                    parts.push(Part::Text(piece.to_string()));
                }
                vec![parts]
            }
            Piece::Var(Var::Partition) => vec![vec![Part::Text(scope.partition.to_string())]],
            Piece::Var(Var::Region) => vec![vec![scope
                .region
                .map_or(Part::Unknown, |r| Part::Text(r.to_string()))]],
            Piece::Var(Var::Account) => vec![vec![scope
                .account
                .map_or(Part::Unknown, |a| Part::Text(a.to_string()))]],
            Piece::Var(Var::Param(path)) => {
                let values = param_texts(scope.params, path);
                if values.is_empty() {
                    vec![vec![Part::Unknown]]
                } else {
                    values.into_iter().map(|v| vec![Part::Text(v)]).collect()
                }
            }
        };
        out = product(&out, &options);
    }
    out.into_iter().map(normalize).collect()
}

/// Whether a piece list is one parameter that the request parameters do not have (while
/// they are known): an optional parameter the caller left out.
fn is_absent_param(pieces: &[Piece], scope: &Scope<'_>) -> bool {
    match pieces {
        [Piece::Var(Var::Param(path))] => {
            scope.params.is_some_and(Value::is_object) && param_texts(scope.params, path).is_empty()
        }
        _ => false,
    }
}

/// The only value of a list of built values, when it is fully known.
fn known_text(values: &[Built]) -> Option<String> {
    let [one] = values else {
        return None;
    };
    let mut s = String::new();
    for p in one {
        match p {
            Part::Text(t) => s.push_str(t),
            Part::Unknown => return None,
        }
    }
    Some(s)
}

fn resolve_special(special: &Special, scope: &Scope<'_>, arn_format: Option<&str>) -> Vec<Built> {
    match special {
        Special::IfTruthy {
            test,
            then,
            otherwise,
        } => {
            let test = resolve_pieces(test, scope);
            let truthy = known_text(&test).is_some_and(|t| !t.is_empty() && t != "false");
            let branch = if truthy { then } else { otherwise };
            if branch.is_empty() {
                return Vec::new();
            }
            resolve_pieces(branch, scope)
        }
        Special::Regex {
            input,
            source,
            compiled,
        } => {
            let re = compiled.get_or_init(|| Regex::new(source).ok());
            if is_absent_param(input, scope) {
                // An optional parameter left out (`Path` of `CreateUser`): nothing.
                return vec![vec![Part::Text(String::new())]];
            }
            resolve_pieces(input, scope)
                .into_iter()
                .map(|value| {
                    let text = known_text(std::slice::from_ref(&value));
                    let found = match (text, re) {
                        (Some(t), Some(re)) if !t.is_empty() => re
                            .captures(&t)
                            .and_then(|c| c.get(1))
                            .map(|m| m.as_str().to_string())
                            .filter(|s| !s.is_empty()),
                        _ => None,
                    };
                    vec![found.map_or(Part::Unknown, Part::Text)]
                })
                .collect()
        }
        Special::Many(items) => items
            .iter()
            .flat_map(|p| resolve_pieces(p, scope))
            .take(MAX_VALUES)
            .collect(),
        Special::IfTemplateMatch(input) => {
            let values = resolve_pieces(input, scope);
            match (known_text(&values), arn_format) {
                (Some(arn), Some(format)) if format_matches(format, &arn) => {
                    vec![vec![Part::Text(arn)]]
                }
                _ => Vec::new(),
            }
        }
        Special::UrlEncode(input) => resolve_pieces(input, scope)
            .into_iter()
            .map(|v| {
                v.into_iter()
                    .map(|p| match p {
                        Part::Text(t) => Part::Text(url_encode(&t)),
                        Part::Unknown => Part::Unknown,
                    })
                    .collect()
            })
            .collect(),
        Special::Unknown => vec![vec![Part::Unknown]],
    }
}

/// Whether `arn` fits an ARN format (`${Var}` matches any non-empty text).
pub fn format_matches(format: &str, arn: &str) -> bool {
    let mut pattern = String::from("^");
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        pattern.push_str(&regex::escape(rest.get(..start).unwrap_or_default()));
        let after = rest.get(start..).unwrap_or_default();
        match after.find('}') {
            Some(end) => {
                pattern.push_str(".+?");
                rest = after.get(end + 1..).unwrap_or_default();
            }
            None => {
                pattern.push_str(&regex::escape(after));
                rest = "";
            }
        }
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    Regex::new(&pattern).is_ok_and(|re| re.is_match(arn))
}

fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The text values a parameter path has in the request parameters.
pub fn param_texts(params: Option<&Value>, path: &[Segment]) -> Vec<String> {
    let Some(params) = params else {
        return Vec::new();
    };
    let last = path.last().map(|s| s.name.as_str()).unwrap_or_default();
    lookup(params, path)
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(map) => {
                // EC2 list items (`{instanceId: …}`) for `InstanceIds[]`: the one id field.
                let singular = singular_of(last);
                map.iter()
                    .find(|(k, _)| {
                        k.eq_ignore_ascii_case(&singular)
                            || k.eq_ignore_ascii_case(&format!("{singular}Id"))
                    })
                    .or_else(|| (map.len() == 1).then(|| map.iter().next()).flatten())
                    .and_then(|(_, v)| scalar_text(v))
            }
            v => scalar_text(v),
        })
        .take(MAX_VALUES)
        .collect()
}

/// `InstanceIds` → `InstanceId`, `Names` → `Name`.
fn singular_of(name: &str) -> String {
    name.strip_suffix('s').unwrap_or(name).to_string()
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The values a path reaches. Lists (`[]`) fan out; EC2's `{items: [...]}` wrappers unwrap.
fn lookup<'v>(root: &'v Value, path: &[Segment]) -> Vec<&'v Value> {
    let mut current: Vec<&Value> = vec![root];
    for seg in path {
        let mut next = Vec::new();
        for v in current {
            let Some(child) = find_key(v, &seg.name) else {
                continue;
            };
            let child = unwrap_items(child);
            match child {
                Value::Array(items) if seg.list => {
                    next.extend(items.iter().map(unwrap_items));
                }
                Value::Array(items) => next.extend(items.iter()),
                other => next.push(other),
            }
            if next.len() > MAX_VALUES {
                next.truncate(MAX_VALUES);
                break;
            }
        }
        current = next;
    }
    current
}

fn unwrap_items(v: &Value) -> &Value {
    match v {
        Value::Object(map) if map.len() == 1 => match map.get("items") {
            Some(items @ Value::Array(_)) => items,
            _ => v,
        },
        _ => v,
    }
}

/// CloudTrail's names for SDK parameter names, where they differ beyond case.
const RENAMES: &[(&str, &[&str])] = &[
    ("Bucket", &["bucketName"]),
    ("InstanceIds", &["instancesSet", "instanceSet"]),
    ("ImageIds", &["imagesSet"]),
    ("VolumeIds", &["volumeSet"]),
    ("SnapshotIds", &["snapshotSet"]),
    ("GroupIds", &["groupSet", "securityGroupIdSet"]),
    ("SecurityGroupIds", &["groupSet", "securityGroupIdSet"]),
    ("NetworkInterfaces", &["networkInterfaceSet"]),
    ("BlockDeviceMappings", &["blockDeviceMapping"]),
    ("TagSpecifications", &["tagSpecificationSet"]),
    ("IamInstanceProfile", &["iamInstanceProfile"]),
];

fn find_key<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    let Value::Object(map) = v else {
        return None;
    };
    if let Some(found) = map
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
    {
        return Some(found);
    }
    if let Some((_, alts)) = RENAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        for alt in *alts {
            if let Some((_, found)) = map.iter().find(|(k, _)| k.eq_ignore_ascii_case(alt)) {
                return Some(found);
            }
        }
    }
    // EC2 query style: `Names` → `namesSet` / `nameSet`.
    let singular = singular_of(name);
    [format!("{name}Set"), format!("{singular}Set")]
        .iter()
        .find_map(|alt| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(alt))
                .map(|(_, v)| v)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(params: &Value) -> Scope<'_> {
        Scope {
            params: Some(params),
            partition: "aws",
            region: Some("us-east-1"),
            account: Some("111122223333"),
        }
    }

    fn texts(values: &[Built]) -> Vec<String> {
        values
            .iter()
            .map(|b| {
                b.iter()
                    .map(|p| match p {
                        Part::Text(t) => t.clone(),
                        Part::Unknown => "*".to_string(),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_embedded_map_loads() {
        let map = SdkMap::get();
        assert!(map.len() > 11_000);
        assert!(map.is_permissionless("sts", "getcalleridentity"));
        assert_eq!(
            map.method("s3", "deletebucketcors").unwrap()[0].action,
            "s3:PutBucketCORS"
        );
        assert!(map.sdk_services("s3").contains(&"s3".to_string()));
        assert!(map
            .sdk_services("cloudwatch")
            .contains(&"cloudwatch".to_string()));
    }

    #[test]
    fn resolves_templates() {
        let p = serde_json::json!({
            "functionName": "arn:aws:lambda:us-east-1:111122223333:function:f1:PROD",
            "names": ["/a", "/b"],
            "instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}]},
            "iamInstanceProfile": {"arn": "arn:aws:iam::1:instance-profile/x"},
            "bucketName": "bk"
        });
        let s = scope(&p);
        let t = Template::parse(
            r"%%regex%${FunctionName}%/^(?:^arn\:aws\:.+function\:|^[0-9]{12}\:function\:)?([^:]+?)(?:\:[^:]+)?$/g%%",
        );
        assert_eq!(texts(&t.resolve(&s, None)), vec!["f1"]);
        assert_eq!(
            texts(&Template::parse("${Names[]}").resolve(&s, None)),
            vec!["/a", "/b"]
        );
        assert_eq!(
            texts(&Template::parse("${InstanceIds[]}").resolve(&s, None)),
            vec!["i-1", "i-2"]
        );
        assert_eq!(
            texts(&Template::parse("%%iftruthy%${IamInstanceProfile.Arn}%*%%%").resolve(&s, None)),
            vec!["*"]
        );
        assert!(Template::parse("%%iftruthy%${Nope}%*%%%")
            .resolve(&s, None)
            .is_empty());
        assert_eq!(
            texts(&Template::parse("arn:${Partition}:s3:::${Bucket}/${Key}").resolve(&s, None)),
            vec!["arn:aws:s3:::bk/*"]
        );
        assert_eq!(
            texts(
                &Template::parse("%%iftemplatematch%${FunctionName}%%").resolve(
                    &s,
                    Some("arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}")
                )
            ),
            vec!["arn:aws:lambda:us-east-1:111122223333:function:f1:PROD"]
        );
        assert!(format_matches(
            "arn:${Partition}:s3:::${BucketName}",
            "arn:aws:s3:::b"
        ));
    }

    #[test]
    fn evaluates_conditions() {
        let c = Condition::from_raw(RawCondition {
            lhs: "TaggingDirective".into(),
            op: "NotEquals".into(),
            rhs: Some("REPLACE".into()),
            and_condition: None,
        });
        assert!(c.holds(Some(&serde_json::json!({}))));
        assert!(!c.holds(Some(&serde_json::json!({"taggingDirective": "REPLACE"}))));
        assert!(c.holds(None));
    }
}
