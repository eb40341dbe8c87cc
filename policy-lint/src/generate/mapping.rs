//! CloudTrail events → IAM actions and resource ARNs.
//!
//! - **Service**: the first label of `eventSource` (`lambda.amazonaws.com` → `lambda`), with a
//!   table of the sources whose label is not the IAM prefix (`monitoring` → `cloudwatch`,
//!   `email` → `ses`, `tagging` → `tag`, …).
//! - **Action**: `eventName` without the API-version suffix some services add
//!   (`UpdateFunctionCode20150331v2` → `UpdateFunctionCode`, CloudFront's `…2020_05_31`), looked
//!   up as `<SdkService>.<Operation>` in the SDK map ([`super::map`]), which knows renamed
//!   actions (`DeleteBucketCors` → `s3:PutBucketCORS`), calls that need several actions
//!   (`CopyObject`) and calls that need none (`GetCallerIdentity`). Without a map entry, the
//!   action of the same name, if the IAM reference has it.
//! - **Resources** (per action, [`ActionPlan::resources`]): ARNs from the event's `resources[]`
//!   and from parameters holding ARNs, when they fit one of the action's resource types; then
//!   the map's templates; where a part of an ARN cannot be known, the resource type's ARN
//!   format with `*` only in that part; `"*"` only for actions that take no resource type.
//! - **Inferred `iam:PassRole`**: CloudTrail never logs it. The map's PassRole entries, and any
//!   write call outside IAM/STS whose parameters hold a role (`roleArn`, `role`,
//!   `executionRoleArn`, `taskRoleArn`, `iamInstanceProfile`, …), add it, marked inferred.

use std::sync::{Arc, Mutex, OnceLock};

use policy_core::service_ref::{Action, ServiceRef};
use serde_json::Value;

use super::fast_hash::FxHashMap;
use super::map::{Built, MapEntry, Part, Scope, SdkMap};
use super::overrides;
pub use super::resolve::escape;
use super::resolve::{self, format_vars, CallScope, Evidence, TypeSpec};

/// `eventSource` labels that are not the IAM prefix.
const SOURCE_PREFIXES: &[(&str, &str)] = &[
    ("monitoring", "cloudwatch"),
    ("email", "ses"),
    ("tagging", "tag"),
    ("models.lex", "lex"),
    ("runtime.lex", "lex"),
    ("api.sagemaker", "sagemaker"),
    ("runtime.sagemaker", "sagemaker"),
    ("bedrock-runtime", "bedrock"),
    ("data.iot", "iot"),
    ("iotdata", "iot"),
    ("api.ecr", "ecr"),
    ("api.mediatailor", "mediatailor"),
    ("billingconsole", "aws-portal"),
    ("s3-control", "s3"),
    ("sso-oidc", "sso-oauth"),
    ("elasticbeanstalk", "elasticbeanstalk"),
    ("elasticloadbalancing", "elasticloadbalancing"),
    ("ssm-incidents", "ssm-incidents"),
];

/// Calls that need no permission from the caller, beyond the map's list: the role's trust
/// policy decides (STS API reference: AssumeRoleWithSAML / AssumeRoleWithWebIdentity are
/// called without AWS credentials).
const PERMISSIONLESS: &[(&str, &str)] = &[
    ("sts", "AssumeRoleWithSAML"),
    ("sts", "AssumeRoleWithWebIdentity"),
    ("sts", "GetCallerIdentity"),
    ("sts", "GetSessionToken"),
];

/// Map actions the reference no longer lists, and the action that authorises them.
const ACTION_RENAMES: &[(&str, &str)] = &[
    (
        "sqs:ChangeMessageVisibilityBatch",
        "sqs:ChangeMessageVisibility",
    ),
    ("sqs:DeleteMessageBatch", "sqs:DeleteMessage"),
    ("sqs:SendMessageBatch", "sqs:SendMessage"),
    (
        "s3:DeleteBucketOwnershipControls",
        "s3:PutBucketOwnershipControls",
    ),
];

/// A call's plan and the IAM prefix of its event source.
#[derive(Debug)]
pub struct CallPlan {
    /// The service prefix (empty when the event source is unknown).
    pub prefix: &'static str,
    /// What the call needs.
    pub plan: Plan,
}

/// What a call needs.
#[derive(Debug)]
pub enum Plan {
    /// No permission.
    Permissionless,
    /// Not known: why.
    Unmapped(&'static str),
    /// These actions.
    Actions(Vec<ActionPlan>),
}

/// One action a call needs, and how to find its resources.
#[derive(Debug)]
pub struct ActionPlan {
    /// `service:Action`, as the IAM reference writes it.
    pub action: Arc<str>,
    /// Whether the action is never logged and is inferred (`iam:PassRole`).
    pub inferred: bool,
    entry: Option<&'static MapEntry>,
    types: Vec<TypeInfo>,
    specs: Vec<TypeSpec>,
}

#[derive(Debug)]
struct TypeInfo {
    name: &'static str,
    format: &'static str,
    required: bool,
    /// The format's variables other than partition, region and account.
    own: Vec<&'static str>,
}

/// One action with the resources a call used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedAction {
    /// `service:Action`.
    pub action: Arc<str>,
    /// Resource ARNs in policy form (`*` for unknown parts; `$`, `*`, `?` of known text
    /// escaped as `${$}`, `${*}`, `${?}`), or `["*"]`.
    pub resources: Vec<String>,
    /// Inferred rather than logged.
    pub inferred: bool,
    /// Whether the call named nothing that tells the resource: some resource is a whole
    /// type (every part of its own `*`).
    pub whole: bool,
    /// For `iam:PassRole`: instance profiles whose role the call passes, by name, when the
    /// record does not say which role that is.
    pub profiles: Vec<String>,
}

/// What the mapper needs of an event. The request parameters are parsed on first use (many
/// calls are mapped from `resources[]` alone).
#[derive(Debug)]
pub struct CallFacts<'a> {
    /// The request parameters' JSON text.
    pub raw_params: Option<&'a str>,
    parsed: std::cell::OnceCell<Option<Value>>,
    /// ARNs of `resources[]`.
    pub resources: &'a [&'a str],
    /// The caller's partition.
    pub partition: &'a str,
    /// `awsRegion`.
    pub region: Option<&'a str>,
    /// The account of the call.
    pub account: Option<&'a str>,
    /// `readOnly` (or `None`).
    pub read_only: Option<bool>,
    /// The service prefix of the event source.
    pub prefix: &'a str,
    /// The response elements' JSON text.
    pub raw_response: Option<&'a str>,
    response: std::cell::OnceCell<Option<Value>>,
    evidence: std::cell::OnceCell<Evidence<'a>>,
    /// The caller's ARN.
    pub caller: Option<&'a str>,
    /// The API operation (`eventName` without a version suffix).
    pub api: &'a str,
}

impl<'a> CallFacts<'a> {
    /// Facts of a call; `raw_params` is the `requestParameters` JSON text.
    pub fn new(
        raw_params: Option<&'a str>,
        resources: &'a [&'a str],
        partition: &'a str,
        region: Option<&'a str>,
        account: Option<&'a str>,
        read_only: Option<bool>,
        prefix: &'a str,
    ) -> Self {
        CallFacts {
            raw_params,
            parsed: std::cell::OnceCell::new(),
            resources,
            partition,
            region,
            account,
            read_only,
            prefix,
            raw_response: None,
            response: std::cell::OnceCell::new(),
            evidence: std::cell::OnceCell::new(),
            caller: None,
            api: "",
        }
    }

    /// With the API operation, the response elements' JSON text and the caller's ARN.
    #[must_use]
    pub fn with_event(
        mut self,
        api: &'a str,
        raw_response: Option<&'a str>,
        caller: Option<&'a str>,
    ) -> Self {
        self.api = api;
        self.raw_response = raw_response;
        self.caller = caller;
        self
    }

    /// The response elements, parsed (once).
    pub fn response(&self) -> Option<&Value> {
        self.response
            .get_or_init(|| {
                self.raw_response
                    .and_then(|r| serde_json::from_str::<Value>(r).ok())
                    .filter(|v| !v.is_null())
            })
            .as_ref()
    }

    /// What the event names, read once.
    fn evidence(&self) -> &Evidence<'a> {
        self.evidence
            .get_or_init(|| Evidence::read(self.resources, self.params(), self.raw_response))
    }

    fn call_scope(&self) -> CallScope<'_> {
        CallScope {
            partition: self.partition,
            region: self.region,
            account: self.account,
        }
    }

    /// Whether the request named nothing: no parameters, no `resources[]`.
    pub fn names_nothing(&self) -> bool {
        self.evidence().request_is_empty()
    }

    /// The request parameters, parsed (once).
    pub fn params(&self) -> Option<&Value> {
        self.parsed
            .get_or_init(|| {
                self.raw_params
                    .and_then(|r| serde_json::from_str::<Value>(r).ok())
                    .filter(|v| !v.is_null())
            })
            .as_ref()
    }

    fn scope(&self) -> Scope<'_> {
        Scope {
            params: self.params(),
            partition: self.partition,
            region: self.region,
            account: self.account,
        }
    }
}

/// Event → plan, memoised per `(eventSource, eventName)`; and call → actions, memoised per
/// the parts of the call that decide them (most calls repeat: the same `Describe*`, the same
/// parameter or key), in a bounded cache.
#[derive(Debug, Default)]
pub struct Mapper {
    plans: FxHashMap<Box<str>, FxHashMap<Box<str>, Arc<CallPlan>>>,
    plan_count: usize,
    calls: FxHashMap<u128, Cached>,
    /// Per plan: cache hits and misses, to stop caching calls that never repeat.
    stats: FxHashMap<usize, (u32, u32)>,
}

/// A remembered mapping: the actions, or "depends on the response too" (then it is
/// remembered under the key with the response's text).
#[derive(Debug, Clone)]
enum Cached {
    Done(Arc<[MappedAction]>),
    ByResponse,
}

/// A call's actions: shared from the cache, or just computed.
#[derive(Debug)]
pub enum Mapped {
    /// From the cache.
    Shared(Arc<[MappedAction]>),
    /// Computed for this call.
    Owned(Vec<MappedAction>),
}

impl std::ops::Deref for Mapped {
    type Target = [MappedAction];

    fn deref(&self) -> &[MappedAction] {
        match self {
            Mapped::Shared(a) => a,
            Mapped::Owned(v) => v,
        }
    }
}

/// Plans by (event source, event name).
type PlanTable = FxHashMap<(Box<str>, Box<str>), Arc<CallPlan>>;

/// Plans shared by every mapper of the process (each reading thread and part of a file has
/// one): making a plan compiles its resource types' patterns.
static SHARED_PLANS: OnceLock<Mutex<PlanTable>> = OnceLock::new();

/// Calls remembered by a [`Mapper`] before its cache is emptied.
const CALL_CACHE: usize = 8192;

impl Mapper {
    /// An empty memo.
    pub fn new() -> Self {
        Self::default()
    }

    /// The plan of a call.
    pub fn plan(&mut self, source: &str, name: &str) -> Arc<CallPlan> {
        if let Some(p) = self.plans.get(source).and_then(|m| m.get(name)) {
            return Arc::clone(p);
        }
        if self.plan_count > 100_000 {
            self.plans.clear();
            self.plan_count = 0;
        }
        let shared = SHARED_PLANS.get_or_init(|| Mutex::new(FxHashMap::default()));
        let key = (Box::<str>::from(source), Box::<str>::from(name));
        let known = shared.lock().ok().and_then(|m| m.get(&key).map(Arc::clone));
        let plan = known.unwrap_or_else(|| {
            let plan = Arc::new(CallPlan {
                prefix: service_prefix(source).unwrap_or_default(),
                plan: make_plan(source, name),
            });
            if let Ok(mut m) = shared.lock() {
                if m.len() < 100_000 {
                    m.insert(key, Arc::clone(&plan));
                }
            }
            plan
        });
        self.plans
            .entry(source.into())
            .or_default()
            .insert(name.into(), Arc::clone(&plan));
        self.plan_count += 1;
        plan
    }

    /// The actions and resources of a call (see [`map_call`]), memoised per the request
    /// parameters' text and the other facts.
    pub fn map(&mut self, plan: &Arc<CallPlan>, facts: &CallFacts<'_>) -> Mapped {
        let id = Arc::as_ptr(plan) as usize;
        let (hits, misses) = self.stats.get(&id).copied().unwrap_or((0, 0));
        if misses >= 1024 && hits.saturating_mul(16) < misses {
            // Calls of this plan do not repeat (unique object keys, say): no caching.
            let mut out = Vec::new();
            map_call(&plan.plan, facts, &mut out);
            return Mapped::Owned(out);
        }
        // The key: an XXH3-128 digest of the parts that decide the mapping, each with its
        // length (copying long parameters into a key and comparing them cost more than
        // mapping).
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&id.to_le_bytes());
        let put = |h: &mut xxhash_rust::xxh3::Xxh3, part: Option<&str>| match part {
            Some(text) => {
                h.update(&(text.len() as u64).to_le_bytes());
                h.update(text.as_bytes());
            }
            None => h.update(&u64::MAX.to_le_bytes()),
        };
        for part in [
            Some(facts.partition),
            facts.region,
            facts.account,
            Some(facts.prefix),
            Some(match facts.read_only {
                Some(true) => "t",
                Some(false) => "f",
                None => "-",
            }),
            facts.raw_params,
            facts.caller,
            Some(facts.api),
        ] {
            put(&mut h, part);
        }
        for r in facts.resources {
            put(&mut h, Some(r));
        }
        let base = h.digest128();
        let with_response = |h: &mut xxhash_rust::xxh3::Xxh3| {
            put(h, facts.raw_response);
            h.digest128()
        };
        let stat = self.stats.entry(id).or_insert((0, 0));
        // The response is part of the key only for calls whose mapping read it (a resource
        // the request does not name): whether it does depends on the request alone.
        let mut by_response = false;
        let mut key = base;
        match self.calls.get(&base) {
            Some(Cached::Done(hit)) => {
                stat.0 = stat.0.saturating_add(1);
                return Mapped::Shared(Arc::clone(hit));
            }
            Some(Cached::ByResponse) => {
                by_response = true;
                key = with_response(&mut h);
                if let Some(Cached::Done(hit)) = self.calls.get(&key) {
                    stat.0 = stat.0.saturating_add(1);
                    return Mapped::Shared(Arc::clone(hit));
                }
            }
            None => {}
        }
        stat.1 = stat.1.saturating_add(1);
        let mut out = Vec::new();
        map_call(&plan.plan, facts, &mut out);
        let out: Arc<[MappedAction]> = out.into();
        if self.calls.len() >= CALL_CACHE {
            self.calls.clear();
            by_response = false;
        }
        let used = facts.evidence.get().is_some_and(Evidence::used_response);
        if used && !by_response {
            self.calls.insert(base, Cached::ByResponse);
            key = with_response(&mut h);
        } else if !used {
            key = base;
        }
        self.calls.insert(key, Cached::Done(Arc::clone(&out)));
        Mapped::Shared(out)
    }
}

/// The IAM service prefix of an `eventSource`.
pub fn service_prefix(source: &str) -> Option<&'static str> {
    let sr = ServiceRef::get();
    let host = source
        .strip_suffix(".amazonaws.com")
        .or_else(|| source.strip_suffix(".amazonaws.com.cn"))
        .unwrap_or(source);
    if let Some((_, prefix)) = SOURCE_PREFIXES
        .iter()
        .find(|(label, _)| host.eq_ignore_ascii_case(label))
    {
        return sr.service(prefix).map(|s| s.prefix());
    }
    let label = host.split('.').next().unwrap_or(host);
    if let Some(s) = sr.service(label) {
        return Some(s.prefix());
    }
    SOURCE_PREFIXES
        .iter()
        .find(|(l, _)| label.eq_ignore_ascii_case(l))
        .and_then(|(_, prefix)| sr.service(prefix).map(|s| s.prefix()))
}

/// `eventName` without an API-version suffix: `UpdateFunctionCode20150331v2` →
/// `UpdateFunctionCode`, `GetDistribution2020_05_31` → `GetDistribution`.
pub fn api_name(event_name: &str) -> &str {
    let bytes = event_name.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    // Lambda: eight digits, then optionally `v` and digits.
    let mut end = bytes.len();
    let mut i = end;
    while i > 0 && digit(i - 1) {
        i -= 1;
    }
    if i < end && i > 0 && bytes.get(i - 1) == Some(&b'v') {
        end = i - 1;
    }
    let mut start = end;
    while start > 0 && digit(start - 1) {
        start -= 1;
    }
    if end - start == 8 && start > 0 {
        return event_name.get(..start).unwrap_or(event_name);
    }
    // CloudFront: `YYYY_MM_DD`.
    if let Some(cut) = bytes.len().checked_sub(10).filter(|c| *c > 0) {
        let shape = (0..10).all(|k| match k {
            4 | 7 => bytes.get(cut + k) == Some(&b'_'),
            _ => digit(cut + k),
        });
        if shape {
            return event_name.get(..cut).unwrap_or(event_name);
        }
    }
    event_name
}

fn make_plan(source: &str, name: &str) -> Plan {
    let Some(prefix) = service_prefix(source) else {
        return Plan::Unmapped("unknown event source");
    };
    let api = api_name(name);
    if PERMISSIONLESS
        .iter()
        .any(|(p, a)| *p == prefix && a.eq_ignore_ascii_case(api))
    {
        return Plan::Permissionless;
    }
    let sr = ServiceRef::get();
    let map = SdkMap::get();
    let lower = api.to_ascii_lowercase();
    for sdk in map.sdk_services(prefix) {
        if map.is_permissionless(sdk, &lower) {
            return Plan::Permissionless;
        }
        if let Some(entries) = map.method(sdk, &lower) {
            let plans: Vec<ActionPlan> = entries
                .iter()
                .filter(|e| !overrides::is_dropped(prefix, api, &e.action))
                .filter_map(|e| {
                    let name = overrides::action_for(prefix, &e.action);
                    let name = name.as_deref().unwrap_or(&e.action);
                    let action = sr.action(name).or_else(|| {
                        ACTION_RENAMES
                            .iter()
                            .find(|(from, _)| from.eq_ignore_ascii_case(name))
                            .and_then(|(_, to)| sr.action(to))
                    })?;
                    Some(ActionPlan::new(action, Some(e)))
                })
                .collect();
            if !plans.is_empty() {
                return Plan::Actions(plans);
            }
        }
    }
    match sr.action(&format!("{prefix}:{api}")) {
        Some(action) => Plan::Actions(vec![ActionPlan::new(action, None)]),
        None => Plan::Unmapped("no IAM action of this name"),
    }
}

impl ActionPlan {
    fn new(action: Action<'static>, entry: Option<&'static MapEntry>) -> Self {
        let full = action.full_name();
        let inferred = full.eq_ignore_ascii_case("iam:PassRole");
        let specs = action
            .resource_types()
            .map(|art| {
                let rt = art.resource_type();
                TypeSpec::new(rt.name(), rt.arn_format(), art.is_required())
            })
            .collect();
        ActionPlan {
            action: full.into(),
            inferred,
            entry,
            specs,
            types: action
                .resource_types()
                .map(|art| {
                    let rt = art.resource_type();
                    TypeInfo {
                        name: rt.name(),
                        format: rt.arn_format(),
                        required: art.is_required(),
                        own: format_vars(rt.arn_format())
                            .into_iter()
                            .filter(|v| !matches!(*v, "Partition" | "Region" | "Account"))
                            .collect(),
                    }
                })
                .collect(),
        }
    }

    /// The action's resources for one call, or `None` when the map entry does not apply to
    /// this call (its condition fails, or its ARN template is absent).
    pub fn resources(&self, facts: &CallFacts<'_>) -> Option<Vec<String>> {
        if let Some(c) = self.entry.and_then(|e| e.condition.as_ref()) {
            if !c.holds(facts.params()) {
                return None;
            }
        }
        if self.types.is_empty() {
            return Some(vec!["*".to_string()]);
        }
        let mut out: Vec<String> = Vec::new();
        let mut covered = vec![false; self.types.len()];
        // ARNs the event names: `resources[]`; else parameters that hold ARNs.
        self.match_arns(facts.resources.iter().copied(), &mut out, &mut covered);
        if out.is_empty() {
            if let Some(Value::Object(o)) = facts.params() {
                let arns = o
                    .values()
                    .filter_map(Value::as_str)
                    .filter(|s| s.starts_with("arn:"));
                self.match_arns(arns, &mut out, &mut covered);
            }
        }
        let Some(entry) = self.entry else {
            self.resources_from_vars(facts, &[], &[], &covered, &mut out);
            return Some(out);
        };
        if let Some(t) = &entry.arn_override {
            let scope = facts.scope();
            let values = t.resolve(&scope, None);
            if values.is_empty() || (self.inferred && t.is_single_param() && all_unknown(&values)) {
                // The override is absent for this call: the entry does not apply (a role
                // that is not passed), unless the event named the resources itself.
                return (!out.is_empty()).then_some(out);
            }
            if out.is_empty() {
                for v in values {
                    let arn_like =
                        matches!(v.first(), Some(Part::Text(t)) if t.starts_with("arn:"));
                    if arn_like {
                        push_unique(&mut out, render(&v));
                    } else if let (false, [ty]) = (is_unknown(&v), self.types.as_slice()) {
                        push_unique(&mut out, as_arn(v, ty.format, &scope));
                    } else {
                        for r in self.fallback(&scope) {
                            push_unique(&mut out, r);
                        }
                    }
                }
            }
            return Some(out);
        }
        for (type_name, t) in &entry.resourcearn_mappings {
            let Some(i) = self
                .types
                .iter()
                .position(|ty| ty.name.eq_ignore_ascii_case(type_name))
            else {
                continue;
            };
            if covered.get(i).copied().unwrap_or(true) {
                continue;
            }
            let Some(ty) = self.types.get(i) else {
                continue;
            };
            let scope = facts.scope();
            let values = t.resolve(&scope, Some(ty.format));
            if values.is_empty() {
                continue;
            }
            for v in values {
                if is_unknown(&v) {
                    if ty.required {
                        push_unique(&mut out, render(&fill_format(ty.format, &scope, &[])));
                    }
                } else {
                    push_unique(&mut out, as_arn(v, ty.format, &scope));
                }
            }
            if let Some(c) = covered.get_mut(i) {
                *c = true;
            }
        }
        if covered.iter().all(|c| *c) {
            return Some(out);
        }
        // Variables of the ARN formats, from `resource_mappings`: only those of the types that
        // can still be added (all of them while nothing is known).
        let mapped_by_entry =
            |v: &str| entry.resource_mappings.iter().any(|(name, _, _)| name == v);
        let wanted: Vec<&str> = self
            .types
            .iter()
            .zip(&covered)
            .filter(|(_, c)| !**c)
            .map(|(ty, _)| ty)
            .filter(|ty| {
                out.is_empty()
                    || (ty.required && ty.own.iter().any(|v| mapped_by_entry(v)))
                    || (!ty.own.is_empty() && ty.own.iter().all(|v| mapped_by_entry(v)))
            })
            .flat_map(|ty| ty.own.iter().copied())
            .collect();
        if wanted.is_empty() {
            return Some(out);
        }
        let mut vars: Vec<(&str, Vec<Built>)> = Vec::new();
        let mut absent: Vec<&str> = Vec::new();
        for (var, t, cond) in &entry.resource_mappings {
            if !wanted.contains(&var.as_str()) {
                continue;
            }
            if cond.as_ref().is_some_and(|c| !c.holds(facts.params())) {
                continue;
            }
            let scope = facts.scope();
            let mut values = t.resolve(&scope, None);
            if var.ends_with("WithoutLeadingSlash") {
                for v in &mut values {
                    if let Some(Part::Text(first)) = v.first_mut() {
                        if let Some(stripped) = first.strip_prefix('/') {
                            *first = stripped.to_string();
                        }
                    }
                }
            }
            // A mapping from parameters the call did not pass: the type may not be involved.
            let params_known = facts.params().is_some_and(Value::is_object);
            if t.has_params() && params_known && all_unknown(&values) {
                absent.push(var.as_str());
            }
            vars.push((var.as_str(), values));
        }
        self.resources_from_vars(facts, &vars, &absent, &covered, &mut out);
        Some(out)
    }

    /// Adds the ARNs that fit one of the action's resource types.
    fn match_arns<'x>(
        &self,
        arns: impl Iterator<Item = &'x str>,
        out: &mut Vec<String>,
        covered: &mut [bool],
    ) {
        for arn in arns {
            let policy = escape(arn);
            for (i, spec) in self.specs.iter().enumerate() {
                if spec.fits(&policy) {
                    push_unique(out, policy.clone());
                    if let Some(c) = covered.get_mut(i) {
                        *c = true;
                    }
                }
            }
        }
    }

    /// Adds the resources of the types not named by the event, from ARN-format variables:
    /// `entry_vars` (a map entry's); a parameter of the variable's name where the entry does
    /// not know the value (or there is no entry).
    fn resources_from_vars(
        &self,
        facts: &CallFacts<'_>,
        entry_vars: &[(&str, Vec<Built>)],
        absent: &[&str],
        covered: &[bool],
        out: &mut Vec<String>,
    ) {
        if covered.iter().all(|c| *c) {
            return;
        }
        let scope = facts.scope();
        let mut vars: Vec<(&str, Vec<Built>)> = entry_vars.to_vec();
        let uncovered = self
            .types
            .iter()
            .zip(covered)
            .filter(|(_, c)| !**c)
            .map(|(t, _)| t);
        let params_object = scope.params.is_some_and(Value::is_object);
        for ty in uncovered.filter(|_| params_object) {
            for v in ty.own.iter().copied() {
                let known = vars.iter().position(|(name, _)| *name == v);
                // Only where the entry does not know the value (a `*`), or has no mapping and
                // the plan has no entry.
                let fill = match known.and_then(|i| vars.get(i)) {
                    Some((_, x)) => all_unknown(x),
                    None => self.entry.is_none() || ty.required,
                };
                if !fill {
                    continue;
                }
                let values = param_values_named(scope.params, v);
                if values.is_empty() {
                    continue;
                }
                match known {
                    Some(i) => {
                        if let Some(slot) = vars.get_mut(i) {
                            slot.1 = values;
                        }
                    }
                    None => vars.push((v, values)),
                }
            }
        }
        let vars = vars.as_slice();
        let value_of = |v: &str| vars.iter().find(|(name, _)| *name == v).map(|(_, x)| x);
        let by_entry =
            |v: &&str| !absent.contains(v) && entry_vars.iter().any(|(name, _)| name == v);
        // Types not named by the event: fully known ones always; required ones the entry
        // maps; otherwise the best-mapped ones (most of their variables mapped), then the
        // required ones, then every type, with `*` for the unknown parts. Formats are filled
        // only for the types kept.
        let mut best: Vec<(usize, usize, &TypeInfo)> = Vec::new();
        let mut required: Vec<&TypeInfo> = Vec::new();
        for (ty, _) in self.types.iter().zip(covered).filter(|(_, c)| !**c) {
            let mapped = ty.own.iter().filter(|v| value_of(v).is_some()).count();
            let complete = mapped > 0
                && mapped == ty.own.len()
                && ty.own.iter().all(|v| {
                    value_of(v).is_some_and(|values| {
                        !values.is_empty() && values.iter().all(|b| !b.contains(&Part::Unknown))
                    })
                });
            let entry_maps = ty.own.iter().any(by_entry);
            // The entry names every variable of the type (`"InstanceId": "*"` included): the
            // call needs the type, whatever the values.
            let explicit = !ty.own.is_empty() && ty.own.iter().all(by_entry);
            if complete || explicit || (ty.required && entry_maps) {
                for b in fill_format_all(ty.format, &scope, vars) {
                    push_unique(out, render(&b));
                }
            } else if mapped > 0 {
                best.push((mapped, ty.own.len().max(1), ty));
            } else if ty.required {
                required.push(ty);
            }
        }
        if out.is_empty() {
            // Highest share of mapped variables first (`a/b` > `c/d` ⟺ `a·d > c·b`).
            let top = best
                .iter()
                .map(|(m, n, _)| (*m, *n))
                .max_by(|(a, b), (c, d)| (a * d).cmp(&(c * b)));
            let chosen: Vec<&TypeInfo> = match top {
                Some((m, n)) => best
                    .iter()
                    .filter(|(a, b, _)| a * n == m * b)
                    .map(|(_, _, t)| *t)
                    .collect(),
                None => required,
            };
            if chosen.is_empty() {
                *out = self.fallback(&scope);
            }
            for ty in chosen {
                for b in fill_format_all(ty.format, &scope, vars) {
                    push_unique(out, render(&b));
                }
            }
        }
    }

    /// The resource-type formats with `*` for what is not known: the required types, or
    /// every type when none is required.
    fn fallback(&self, scope: &Scope<'_>) -> Vec<String> {
        let required: Vec<&TypeInfo> = self.types.iter().filter(|t| t.required).collect();
        let types: Vec<&TypeInfo> = if required.is_empty() {
            self.types.iter().collect()
        } else {
            required
        };
        let mut out = Vec::new();
        for t in types {
            push_unique(&mut out, render(&fill_format(t.format, scope, &[])));
        }
        out
    }
}

/// A template's value as an ARN of a type: itself when it is an ARN; else, when the type's
/// format has one variable of its own, the format with the value there (`i-123` for
/// `instance/${InstanceId}`); else the format with `*` for what is not known.
fn as_arn(value: Built, format: &str, scope: &Scope<'_>) -> String {
    if matches!(value.first(), Some(Part::Text(t)) if t.starts_with("arn:")) {
        return render(&value);
    }
    let own: Vec<&str> = format_vars(format)
        .into_iter()
        .filter(|v| !matches!(*v, "Partition" | "Region" | "Account"))
        .collect();
    match own.as_slice() {
        [one] => render(&fill_format(format, scope, &[(one, vec![value])])),
        _ => render(&fill_format(format, scope, &[])),
    }
}

/// The values of a top-level parameter named like an ARN-format variable, ignoring case:
/// `FunctionName` ← `functionName`, `InstanceId` ← `instanceId` or `instanceIds`.
fn param_values_named(params: Option<&Value>, var: &str) -> Vec<Built> {
    let Some(Value::Object(map)) = params else {
        return Vec::new();
    };
    let plural = format!("{var}s");
    let Some((_, v)) = map
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(var) || k.eq_ignore_ascii_case(&plural))
    else {
        return Vec::new();
    };
    let text = |v: &Value| match v {
        Value::String(s) if !s.is_empty() && !s.starts_with("arn:") => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let values: Vec<String> = match v {
        Value::Array(items) => items.iter().filter_map(text).take(64).collect(),
        v => text(v).into_iter().collect(),
    };
    values.into_iter().map(|t| vec![Part::Text(t)]).collect()
}

fn push_unique(out: &mut Vec<String>, s: String) {
    if !out.contains(&s) {
        out.push(s);
    }
}

fn is_unknown(b: &Built) -> bool {
    matches!(b.as_slice(), [Part::Unknown])
}

fn all_unknown(values: &[Built]) -> bool {
    values.iter().all(is_unknown)
}

/// Fills an ARN format: built-ins from the scope, variables from `vars` (several values
/// multiply, up to 64 results), the rest unknown.
fn fill_format_all(format: &str, scope: &Scope<'_>, vars: &[(&str, Vec<Built>)]) -> Vec<Built> {
    let mut out: Vec<Built> = vec![Vec::with_capacity(8)];
    let append = |out: &mut Vec<Built>, parts: &[Part]| {
        for b in out.iter_mut() {
            b.extend_from_slice(parts);
        }
    };
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        let lit = rest.get(..start).unwrap_or_default();
        if !lit.is_empty() {
            append(&mut out, &[Part::Text(lit.to_string())]);
        }
        let after = rest.get(start + 2..).unwrap_or_default();
        let Some(end) = after.find('}') else {
            rest = after;
            break;
        };
        let name = after.get(..end).unwrap_or_default();
        let builtin = |v: Option<&str>| [v.map_or(Part::Unknown, |t| Part::Text(t.to_string()))];
        match name {
            "Partition" => append(&mut out, &builtin(Some(scope.partition))),
            "Region" => append(&mut out, &builtin(scope.region)),
            "Account" => append(&mut out, &builtin(scope.account)),
            _ => match vars
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_slice())
            {
                None | Some([]) => append(&mut out, &[Part::Unknown]),
                Some([one]) => append(&mut out, one),
                Some(many) => {
                    let mut next = Vec::with_capacity(out.len() * many.len());
                    'outer: for base in &out {
                        for v in many {
                            if next.len() >= 64 {
                                break 'outer;
                            }
                            let mut b = base.clone();
                            b.extend_from_slice(v);
                            next.push(b);
                        }
                    }
                    out = next;
                }
            },
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    if !rest.is_empty() {
        append(&mut out, &[Part::Text(rest.to_string())]);
    }
    out
}

fn fill_format(format: &str, scope: &Scope<'_>, vars: &[(&str, Vec<Built>)]) -> Built {
    fill_format_all(format, scope, vars)
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// Renders a built value in policy form: known text escaped (`$`, `*`, `?` of the text are
/// literal), unknown parts `*` (one for a run of them).
pub fn render(b: &Built) -> String {
    let mut s = String::with_capacity(64);
    let mut last_unknown = false;
    for p in b {
        match p {
            Part::Text(t) if t.is_empty() => {}
            Part::Text(t) => {
                s.push_str(&escape(t));
                last_unknown = false;
            }
            Part::Unknown => {
                if !last_unknown {
                    s.push('*');
                }
                last_unknown = true;
            }
        }
    }
    s
}

/// The request form of a policy-form resource: escapes undone (`${*}` → `*`, …). Unknown
/// parts stay `*`.
pub fn unescape(text: &str) -> String {
    text.replace("${*}", "*")
        .replace("${?}", "?")
        .replace("${$}", "$")
}

/// Parameter names that pass a role to a service.
fn is_role_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "role"
        || k == "servicerole"
        || k == "iaminstanceprofile"
        || k.ends_with("rolearn")
        || k.ends_with("rolearns")
        || k.ends_with("executionrole")
}

/// What a call passes to a service: roles, and instance profiles whose role the record does
/// not name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Passed {
    /// Role ARNs (policy form).
    pub roles: Vec<String>,
    /// Instance profile names.
    pub profiles: Vec<String>,
}

/// The roles a write call passes, from its parameters (top level and one level down), in
/// policy form. Not for IAM and STS calls (their role parameters name the target, not a role
/// passed to a service). An instance profile passes its role (EC2 User Guide, IAM roles for
/// Amazon EC2: "the user must have permission to pass the role" of the instance profile); the
/// record names the profile only, so it is listed for the caller to resolve.
pub fn passed_roles(facts: &CallFacts<'_>) -> Passed {
    let mut out = Passed::default();
    if matches!(facts.prefix, "iam" | "sts") || facts.read_only == Some(true) {
        return out;
    }
    let Some(Value::Object(params)) = facts.params() else {
        return out;
    };
    let account = facts.account.unwrap_or("*");
    let mut visit = |key: &str, v: &Value| {
        if !is_role_key(key) {
            return;
        }
        let role_arn = |name: &str| {
            format!(
                "arn:{}:iam::{account}:role/{}",
                facts.partition,
                escape(name)
            )
        };
        match v {
            Value::String(s) if s.contains(":role/") => {
                let r = escape(s);
                if is_concrete_role(&r) {
                    push_unique(&mut out.roles, r);
                }
            }
            Value::String(s)
                if !s.is_empty() && !s.contains(':') && key.eq_ignore_ascii_case("role") =>
            {
                push_unique(&mut out.roles, role_arn(s));
            }
            Value::Array(items) => {
                for s in items.iter().filter_map(Value::as_str) {
                    let r = escape(s);
                    if s.contains(":role/") && is_concrete_role(&r) {
                        push_unique(&mut out.roles, r);
                    }
                }
            }
            Value::Object(o) if key.eq_ignore_ascii_case("iamInstanceProfile") => {
                let name = o.iter().find_map(|(k, v)| {
                    let s = v.as_str().filter(|s| !s.is_empty())?;
                    if k.eq_ignore_ascii_case("arn") {
                        s.split_once(":instance-profile/")
                            .map(|(_, rest)| rest.rsplit('/').next().unwrap_or(rest))
                    } else if k.eq_ignore_ascii_case("name") {
                        Some(s)
                    } else {
                        None
                    }
                });
                if let Some(n) = name.filter(|n| !n.is_empty()) {
                    push_unique(&mut out.profiles, n.to_string());
                }
            }
            _ => {}
        }
    };
    for (k, v) in params {
        visit(k, v);
        if let Value::Object(inner) = v {
            for (k2, v2) in inner {
                visit(k2, v2);
            }
        }
    }
    out
}

/// Instance profile → role links an IAM call shows: `AddRoleToInstanceProfile`'s parameters,
/// and any response that lists an instance profile with its roles (`GetInstanceProfile`,
/// `ListInstanceProfiles`, `ListInstanceProfilesForRole`, `CreateInstanceProfile`).
pub fn profile_links(facts: &CallFacts<'_>, api: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if facts.prefix != "iam" {
        return out;
    }
    let account = facts.account.unwrap_or("*");
    if api.eq_ignore_ascii_case("AddRoleToInstanceProfile") {
        if let Some(Value::Object(p)) = facts.params() {
            let get = |k: &str| {
                p.iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(k))
                    .and_then(|(_, v)| v.as_str())
                    .filter(|s| !s.is_empty())
            };
            if let (Some(profile), Some(role)) = (get("instanceProfileName"), get("roleName")) {
                out.push((
                    profile.to_string(),
                    format!(
                        "arn:{}:iam::{account}:role/{}",
                        facts.partition,
                        escape(role)
                    ),
                ));
            }
        }
    }
    if let Some(r) = facts.response() {
        collect_profiles(r, 0, &mut out);
    }
    out
}

fn collect_profiles(v: &Value, depth: usize, out: &mut Vec<(String, String)>) {
    if depth > 8 || out.len() > 256 {
        return;
    }
    match v {
        Value::Object(o) => {
            let name = o
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("instanceProfileName"))
                .and_then(|(_, v)| v.as_str());
            let roles = o
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("roles"))
                .and_then(|(_, v)| v.as_array());
            if let (Some(name), Some(roles)) = (name, roles) {
                for r in roles {
                    let arn = r
                        .as_object()
                        .and_then(|ro| ro.iter().find(|(k, _)| k.eq_ignore_ascii_case("arn")))
                        .and_then(|(_, v)| v.as_str());
                    if let Some(arn) = arn.filter(|a| a.contains(":role/")) {
                        out.push((name.to_string(), escape(arn)));
                    }
                }
            }
            for child in o.values() {
                collect_profiles(child, depth + 1, out);
            }
        }
        Value::Array(items) => {
            for child in items {
                collect_profiles(child, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// Maps one call: the actions of its plan with their resources, plus inferred `iam:PassRole`.
pub fn map_call(plan: &Plan, facts: &CallFacts<'_>, out: &mut Vec<MappedAction>) {
    out.clear();
    let Plan::Actions(actions) = plan else {
        return;
    };
    let over = overrides::Call {
        params: facts.params(),
        partition: facts.partition,
        region: facts.region,
        account: facts.account,
        caller: facts.caller,
    };
    let primary_name = |action: &str| {
        action
            .split_once(':')
            .is_some_and(|(_, n)| n.eq_ignore_ascii_case(facts.api))
    };
    for a in actions {
        // The call's own action (the one named like the call, or the only one).
        let primary = actions.len() == 1 || primary_name(&a.action);
        let candidates = match overrides::resources(facts.api, &a.action, &over) {
            Some(r) => r,
            None => {
                let Some(mut r) = a.resources(facts) else {
                    continue;
                };
                if let Some(user) = overrides::implicit_user(&a.action, &over) {
                    push_unique(&mut r, user);
                }
                r
            }
        };
        if a.inferred {
            // `iam:PassRole` from a map entry: only for a role the call really names.
            let roles: Vec<String> = candidates
                .into_iter()
                .filter(|r| is_concrete_role(r))
                .collect();
            if !roles.is_empty() {
                add(out, &a.action, roles, true, false);
            }
            continue;
        }
        let resolved = resolve::resolve(
            &a.action,
            primary,
            &a.specs,
            &candidates,
            facts.evidence(),
            &facts.call_scope(),
        );
        add(out, &a.action, resolved.resources, false, resolved.whole);
    }
    let passed = passed_roles(facts);
    if !passed.roles.is_empty() || !passed.profiles.is_empty() {
        let pass: Arc<str> = Arc::from("iam:PassRole");
        add(out, &pass, passed.roles, true, false);
        if let Some(m) = out.iter_mut().find(|m| m.action == pass) {
            for p in passed.profiles {
                push_unique(&mut m.profiles, p);
            }
        }
    }
}

/// Adds an action's resources to a call's list.
fn add(
    out: &mut Vec<MappedAction>,
    action: &Arc<str>,
    resources: Vec<String>,
    inferred: bool,
    whole: bool,
) {
    match out.iter_mut().find(|m| m.action == *action) {
        Some(m) => {
            for r in resources {
                push_unique(&mut m.resources, r);
            }
            m.whole &= whole;
        }
        None => out.push(MappedAction {
            action: Arc::clone(action),
            resources,
            inferred,
            whole,
            profiles: Vec::new(),
        }),
    }
}

/// Whether a policy-form resource names one role exactly: a well-formed role ARN with no
/// wildcard (`role/*`, a template's unknown part, never passes).
fn is_concrete_role(resource: &str) -> bool {
    let Some((_, name)) = resource.split_once(":role/") else {
        return false;
    };
    resource.starts_with("arn:")
        && !name.is_empty()
        && !name.starts_with('/')
        && !name.contains("//")
        && !resource
            .replace("${*}", "")
            .replace("${?}", "")
            .contains(['*', '?'])
        && !resource
            .replace("${*}", "")
            .replace("${?}", "")
            .replace("${$}", "")
            .contains("${")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(source: &str, name: &str, params: &Value, resources: &[&str]) -> Vec<MappedAction> {
        let mut mapper = Mapper::new();
        let plan = mapper.plan(source, name);
        let prefix = service_prefix(source).unwrap_or("");
        let raw = params.to_string();
        let facts = CallFacts::new(
            Some(&raw),
            resources,
            "aws",
            Some("us-east-1"),
            Some("111122223333"),
            Some(false),
            prefix,
        );
        let mut out = Vec::new();
        map_call(&plan.plan, &facts, &mut out);
        out
    }

    #[test]
    fn strips_api_versions() {
        assert_eq!(
            api_name("UpdateFunctionCode20150331v2"),
            "UpdateFunctionCode"
        );
        assert_eq!(api_name("ListFunctions20150331"), "ListFunctions");
        assert_eq!(api_name("GetDistribution2020_05_31"), "GetDistribution");
        assert_eq!(api_name("GetObject"), "GetObject");
        assert_eq!(api_name("PutObjectV2"), "PutObjectV2");
        assert_eq!(api_name("CreateVpc2"), "CreateVpc2");
    }

    #[test]
    fn maps_sources_to_prefixes() {
        assert_eq!(
            service_prefix("monitoring.amazonaws.com"),
            Some("cloudwatch")
        );
        assert_eq!(service_prefix("email.amazonaws.com"), Some("ses"));
        assert_eq!(service_prefix("s3.amazonaws.com"), Some("s3"));
        assert_eq!(
            service_prefix("ec2-instance-connect.amazonaws.com"),
            Some("ec2-instance-connect")
        );
        assert_eq!(service_prefix("nope.amazonaws.com"), None);
    }

    #[test]
    fn renamed_multi_and_permissionless_calls() {
        let p = serde_json::json!({"bucketName": "b", "key": "k/x"});
        let cors = mapped("s3.amazonaws.com", "DeleteBucketCors", &p, &[]);
        assert_eq!(&*cors[0].action, "s3:PutBucketCORS");
        assert_eq!(cors[0].resources, vec!["arn:aws:s3:::b"]);
        let copy = mapped("s3.amazonaws.com", "CopyObject", &p, &[]);
        let names: Vec<&str> = copy.iter().map(|m| &*m.action).collect();
        assert!(names.contains(&"s3:GetObject") && names.contains(&"s3:PutObjectAcl"));
        assert!(names.contains(&"s3:GetObjectTagging"));
        let get = copy.iter().find(|m| &*m.action == "s3:GetObject").unwrap();
        assert_eq!(get.resources, vec!["arn:aws:s3:::b/k/x"]);
        let replace =
            serde_json::json!({"bucketName": "b", "key": "k", "taggingDirective": "REPLACE"});
        let copy = mapped("s3.amazonaws.com", "CopyObject", &replace, &[]);
        assert!(!copy.iter().any(|m| &*m.action == "s3:GetObjectTagging"));
        let mut mapper = Mapper::new();
        assert!(matches!(
            mapper.plan("sts.amazonaws.com", "GetCallerIdentity").plan,
            Plan::Permissionless
        ));
    }

    #[test]
    fn infers_pass_role() {
        let p = serde_json::json!({
            "functionName": "f", "role": "arn:aws:iam::111122223333:role/exec", "runtime": "python3.12"
        });
        let out = mapped("lambda.amazonaws.com", "CreateFunction20150331", &p, &[]);
        let pass = out.iter().find(|m| &*m.action == "iam:PassRole").unwrap();
        assert!(pass.inferred);
        assert_eq!(pass.resources, vec!["arn:aws:iam::111122223333:role/exec"]);
        let f = out
            .iter()
            .find(|m| &*m.action == "lambda:CreateFunction")
            .unwrap();
        assert_eq!(
            f.resources,
            vec!["arn:aws:lambda:us-east-1:111122223333:function:f"]
        );
        // The role a call assumes is not passed.
        let p = serde_json::json!({"roleArn": "arn:aws:iam::111122223333:role/x", "roleSessionName": "s"});
        let out = mapped("sts.amazonaws.com", "AssumeRole", &p, &[]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].resources, vec!["arn:aws:iam::111122223333:role/x"]);
    }

    #[test]
    fn unknown_parts_become_wildcards() {
        let p = serde_json::json!({});
        let out = mapped("s3.amazonaws.com", "GetObject", &p, &[]);
        assert_eq!(out[0].resources, vec!["arn:aws:s3:::*/*"]);
        let out = mapped("ec2.amazonaws.com", "DescribeInstances", &p, &[]);
        assert_eq!(out[0].resources, vec!["*"]);
        let p = serde_json::json!({"instancesSet": {"items": [{"instanceId": "i-1"}]}});
        let out = mapped("ec2.amazonaws.com", "StartInstances", &p, &[]);
        assert_eq!(
            out[0].resources,
            vec!["arn:aws:ec2:us-east-1:111122223333:instance/i-1"]
        );
        assert_eq!(escape("a*b$c?"), "a${*}b${$}c${?}");
        assert_eq!(unescape(&escape("a*b$c?")), "a*b$c?");
    }
}
