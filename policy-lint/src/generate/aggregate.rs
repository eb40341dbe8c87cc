//! Selecting events and gathering, per principal, the actions and resources they used.
//!
//! Each reading thread fills one [`Aggregator`]; [`Aggregator::merge`] joins them, and
//! [`Aggregator::finish`] sorts the result into an [`Activity`]. The result depends only on the
//! set of events read, not on their order or on which thread read them.
//!
//! Memory stays bounded by what the principals did, not by how often: per principal and action,
//! at most [`RESOURCE_CAP`] distinct resources are kept; beyond that they are grouped (S3
//! objects by bucket, other ARNs by the text up to the first `/` or `:` of the resource part)
//! and each group is kept as its longest common prefix followed by `*` (a group of one keeps its
//! ARN); beyond [`RESOURCE_CAP`] groups, one prefix for all. Each collapse is reported.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::cloudtrail::{Event, InputProblem, InputStats, Position, Sink};
use super::fast_hash::FxHashMap;
use super::mapping::{profile_links, CallFacts, MappedAction, Mapper, Plan};

/// Distinct resources kept per principal and action before they are grouped.
pub const RESOURCE_CAP: usize = 200;

/// Problems kept in full (the rest are counted).
pub const PROBLEM_CAP: usize = 1000;

/// Which events to use.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these principals (users, roles — a role covers its sessions —, federated users,
    /// role sessions). Empty: every principal.
    pub principals: Vec<String>,
    /// Only principals of these accounts. Empty: every account.
    pub accounts: Vec<String>,
    /// Only calls to these regions. Empty: every region.
    pub regions: Vec<String>,
    /// Only events at or after this time (`YYYY-MM-DDTHH:MM:SSZ`, UTC; see [`normalize_time`]).
    pub since: Option<String>,
    /// Only events at or before this time (same form).
    pub until: Option<String>,
    /// Keep calls that were denied (`AccessDenied`, `UnauthorizedOperation`, …).
    pub include_denied: bool,
    /// What failed calls (an `errorCode` other than a denial) contribute.
    pub failed_calls: FailedCalls,
}

/// What calls that failed for another reason than a denial (`ThrottlingException`,
/// `NoSuchEntity`, `ValidationException`, …) contribute to a policy. Such a call may have
/// failed before it was authorized, so nothing says it needs the access it asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FailedCalls {
    /// Left out, and listed (the default).
    #[default]
    Omit,
    /// Kept only where each resource is known exactly (no wildcard); left out and listed
    /// otherwise.
    KnownArns,
}

/// Reads an RFC 3339 time (`2024-08-01T00:00:00Z`, `2024-08-01T02:00:00+02:00`, or a date
/// `2024-08-01`) into the UTC form CloudTrail writes, for comparison with `eventTime`.
pub fn normalize_time(text: &str) -> Option<String> {
    let t = text.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(
            dt.with_timezone(&chrono::Utc)
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        );
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .map(|d| format!("{}T00:00:00Z", d.format("%Y-%m-%d")))
}

/// The kind of principal a policy is generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum PrincipalType {
    /// An IAM user.
    User,
    /// An IAM role (its sessions together).
    Role,
    /// A federated user (`GetFederationToken`).
    FederatedUser,
    /// The account's root user.
    Root,
}

impl PrincipalType {
    /// The name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "user",
            PrincipalType::Role => "role",
            PrincipalType::FederatedUser => "federated-user",
            PrincipalType::Root => "root",
        }
    }
}

/// What a recorded call adds to the request context, for evaluating it: `awsRegion`
/// (`aws:RequestedRegion`), `sourceIPAddress` when it is an IP address (`aws:SourceIp`),
/// `eventTime` (`aws:CurrentTime`), MFA (`aws:MultiFactorAuthPresent`) and whether a service
/// made the call for the principal (`aws:ViaAWSService`). The texts share one allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallContext {
    text: Box<str>,
    /// Lengths of region, IP and time in `text`; `u16::MAX` when absent.
    lens: [u16; 3],
    mfa: Option<bool>,
    via_service: bool,
}

impl Default for CallContext {
    fn default() -> Self {
        CallContext {
            text: Box::from(""),
            lens: [u16::MAX; 3],
            mfa: None,
            via_service: false,
        }
    }
}

impl PartialOrd for CallContext {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CallContext {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_ref().cmp(&other.as_ref())
    }
}

/// A [`CallContext`] borrowed from an event: compared without allocating, owned only when
/// kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallContextRef<'a> {
    region: Option<&'a str>,
    source_ip: Option<&'a str>,
    time: Option<&'a str>,
    mfa: Option<bool>,
    via_service: bool,
}

impl CallContextRef<'_> {
    fn to_owned_context(self) -> CallContext {
        let mut text = String::new();
        let mut lens = [u16::MAX; 3];
        for (slot, part) in lens
            .iter_mut()
            .zip([self.region, self.source_ip, self.time])
        {
            if let Some(p) = part.filter(|p| p.len() < usize::from(u16::MAX)) {
                text.push_str(p);
                *slot = u16::try_from(p.len()).unwrap_or(u16::MAX);
            }
        }
        CallContext {
            text: text.into_boxed_str(),
            lens,
            mfa: self.mfa,
            via_service: self.via_service,
        }
    }
}

impl CallContext {
    fn part(&self, i: usize) -> Option<&str> {
        let mut start = 0;
        for (k, len) in self.lens.iter().enumerate() {
            if *len == u16::MAX {
                if k == i {
                    return None;
                }
                continue;
            }
            let end = start + usize::from(*len);
            if k == i {
                return self.text.get(start..end);
            }
            start = end;
        }
        None
    }

    /// `awsRegion`.
    pub fn region(&self) -> Option<&str> {
        self.part(0)
    }

    /// `sourceIPAddress`, when it is an IP address.
    pub fn source_ip(&self) -> Option<&str> {
        self.part(1)
    }

    /// `eventTime`.
    pub fn time(&self) -> Option<&str> {
        self.part(2)
    }

    fn as_ref(&self) -> CallContextRef<'_> {
        CallContextRef {
            region: self.region(),
            source_ip: self.source_ip(),
            time: self.time(),
            mfa: self.mfa,
            via_service: self.via_service,
        }
    }

    /// The context keys the record supports.
    pub fn to_context(&self) -> policy_core::request::Context {
        let mut ctx = policy_core::request::Context::new();
        if let Some(r) = self.region() {
            ctx.insert("aws:RequestedRegion", vec![r.to_string()]);
        }
        if let Some(ip) = self.source_ip() {
            ctx.insert("aws:SourceIp", vec![ip.to_string()]);
        }
        if let Some(t) = self.time() {
            ctx.insert("aws:CurrentTime", vec![t.to_string()]);
            if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
                ctx.insert("aws:EpochTime", vec![dt.timestamp().to_string()]);
            }
        }
        if let Some(m) = self.mfa {
            ctx.insert("aws:MultiFactorAuthPresent", vec![m.to_string()]);
        }
        ctx.insert("aws:ViaAWSService", vec![self.via_service.to_string()]);
        ctx
    }
}

/// A bounded set of resources (see the module documentation).
#[derive(Debug, Clone)]
enum ResourceSet {
    Exact(FxHashMap<Box<str>, CallContext>),
    Grouped(FxHashMap<Box<str>, Group>),
    All(Group),
}

#[derive(Debug, Clone)]
struct Group {
    /// The one resource, or the longest common prefix of several.
    text: String,
    many: bool,
    ctx: CallContext,
}

impl Group {
    fn absorb(&mut self, text: &str, many: bool, ctx: CallContextRef<'_>) {
        if self.text != text || many {
            let keep = common_prefix_len(&self.text, text);
            self.text.truncate(keep);
            self.many = true;
        }
        if ctx < self.ctx.as_ref() {
            self.ctx = ctx.to_owned_context();
        }
    }

    fn pattern(&self) -> String {
        if self.many {
            format!("{}*", trim_partial_escape(&self.text))
        } else {
            self.text.clone()
        }
    }
}

impl Default for ResourceSet {
    fn default() -> Self {
        ResourceSet::Exact(FxHashMap::default())
    }
}

/// The group an ARN falls in: up to and including the first `/` or `:` of its resource part
/// (an S3 object's bucket, a function's `function:`), or the whole ARN.
fn group_key(arn: &str) -> &str {
    let mut colons = 0;
    for (i, c) in arn.char_indices() {
        if colons >= 5 && (c == '/' || c == ':') {
            return arn.get(..=i).unwrap_or(arn);
        }
        if c == ':' {
            colons += 1;
        }
    }
    arn
}

fn common_prefix_len(a: &str, b: &str) -> usize {
    let mut n = 0;
    for ((i, x), y) in a.char_indices().zip(b.chars()) {
        if x != y {
            return i;
        }
        n = i + x.len_utf8();
    }
    n
}

/// Cuts a trailing, unfinished `${…` (an escape split by a prefix), and a trailing `*`.
fn trim_partial_escape(prefix: &str) -> &str {
    let cut = match prefix.rfind("${") {
        Some(i) if !prefix.get(i..).unwrap_or_default().contains('}') => i,
        _ => prefix.len(),
    };
    let p = prefix.get(..cut).unwrap_or(prefix);
    // `x$` could be the start of `${`: harmless, but keep patterns tidy.
    p.strip_suffix('*').unwrap_or(p)
}

impl ResourceSet {
    fn insert(&mut self, resource: &str, ctx: CallContextRef<'_>) {
        match self {
            ResourceSet::Exact(map) => {
                if let Some(c) = map.get_mut(resource) {
                    if ctx < c.as_ref() {
                        *c = ctx.to_owned_context();
                    }
                    return;
                }
                map.insert(resource.into(), ctx.to_owned_context());
                if map.len() > RESOURCE_CAP {
                    let drained: Vec<(Box<str>, CallContext)> = map.drain().collect();
                    *self = ResourceSet::Grouped(FxHashMap::default());
                    for (r, c) in drained {
                        self.insert_group(&r, false, c.as_ref());
                    }
                }
            }
            ResourceSet::Grouped(_) | ResourceSet::All(_) => {
                self.insert_group(resource, false, ctx);
            }
        }
    }

    fn insert_group(&mut self, text: &str, many: bool, ctx: CallContextRef<'_>) {
        match self {
            ResourceSet::Exact(_) => {
                let ResourceSet::Exact(map) = std::mem::take(self) else {
                    return;
                };
                *self = ResourceSet::Grouped(FxHashMap::default());
                for (r, c) in map {
                    self.insert_group(&r, false, c.as_ref());
                }
                self.insert_group(text, many, ctx);
            }
            ResourceSet::Grouped(groups) => {
                let key = group_key(text);
                match groups.get_mut(key) {
                    Some(g) => g.absorb(text, many, ctx),
                    None => {
                        groups.insert(
                            key.into(),
                            Group {
                                text: text.to_string(),
                                many,
                                ctx: ctx.to_owned_context(),
                            },
                        );
                    }
                }
                if groups.len() > RESOURCE_CAP {
                    let drained: Vec<Group> = groups.drain().map(|(_, g)| g).collect();
                    let mut iter = drained.into_iter();
                    if let Some(mut first) = iter.next() {
                        for g in iter {
                            first.absorb(&g.text, g.many, g.ctx.as_ref());
                        }
                        first.many = true;
                        *self = ResourceSet::All(first);
                    }
                }
            }
            ResourceSet::All(g) => g.absorb(text, many, ctx),
        }
    }

    fn merge(&mut self, other: ResourceSet) {
        match other {
            ResourceSet::Exact(map) => {
                for (r, c) in map {
                    self.insert(&r, c.as_ref());
                }
            }
            ResourceSet::Grouped(groups) => {
                for (_, g) in groups {
                    self.insert_group(&g.text, g.many, g.ctx.as_ref());
                }
            }
            ResourceSet::All(g) => {
                self.insert_group(&g.text, g.many, g.ctx.as_ref());
                if let ResourceSet::Grouped(groups) = self {
                    let drained: Vec<Group> = groups.drain().map(|(_, g)| g).collect();
                    let mut all = g;
                    for x in drained {
                        all.absorb(&x.text, x.many, x.ctx.as_ref());
                    }
                    all.many = true;
                    *self = ResourceSet::All(all);
                }
            }
        }
    }

    fn is_collapsed(&self) -> bool {
        !matches!(self, ResourceSet::Exact(_))
    }

    fn into_sorted(self) -> BTreeMap<String, CallContext> {
        match self {
            ResourceSet::Exact(map) => map.into_iter().map(|(r, c)| (r.into(), c)).collect(),
            ResourceSet::Grouped(groups) => {
                let mut out: BTreeMap<String, CallContext> = BTreeMap::new();
                for (_, g) in groups {
                    let p = g.pattern();
                    match out.get_mut(&p) {
                        Some(c) if g.ctx < *c => *c = g.ctx,
                        Some(_) => {}
                        None => {
                            out.insert(p, g.ctx);
                        }
                    }
                }
                out
            }
            ResourceSet::All(g) => std::iter::once((g.pattern(), g.ctx)).collect(),
        }
    }
}

#[derive(Debug, Default)]
struct ActionState {
    calls: u64,
    inferred_calls: u64,
    /// The calls that implied an inferred action (`lambda:CreateFunction`), at most 8.
    inferred_from: BTreeSet<String>,
    resources: ResourceSet,
}

#[derive(Debug)]
struct PrincipalState {
    kind: PrincipalType,
    events: u64,
    mapped: u64,
    permissionless: u64,
    denied: u64,
    unmapped: FxHashMap<String, u64>,
    denied_calls: FxHashMap<String, u64>,
    left_out: FxHashMap<String, u64>,
    /// Instance profiles (`<account>/<name>`) whose role a call passed.
    profiles: BTreeSet<String>,
    actions: FxHashMap<Arc<str>, ActionState>,
    first: Option<Box<str>>,
    last: Option<Box<str>>,
}

impl PrincipalState {
    fn new(kind: PrincipalType) -> Self {
        PrincipalState {
            kind,
            events: 0,
            mapped: 0,
            permissionless: 0,
            denied: 0,
            unmapped: FxHashMap::default(),
            denied_calls: FxHashMap::default(),
            left_out: FxHashMap::default(),
            profiles: BTreeSet::new(),
            actions: FxHashMap::default(),
            first: None,
            last: None,
        }
    }

    fn see_time(&mut self, t: &str) {
        if self.first.as_deref().is_none_or(|f| t < f) {
            self.first = Some(t.into());
        }
        if self.last.as_deref().is_none_or(|l| t > l) {
            self.last = Some(t.into());
        }
    }

    fn merge(&mut self, other: PrincipalState) {
        self.events += other.events;
        self.mapped += other.mapped;
        self.permissionless += other.permissionless;
        self.denied += other.denied;
        for (k, v) in other.unmapped {
            *self.unmapped.entry(k).or_default() += v;
        }
        for (k, v) in other.denied_calls {
            *self.denied_calls.entry(k).or_default() += v;
        }
        for (k, v) in other.left_out {
            *self.left_out.entry(k).or_default() += v;
        }
        self.profiles.extend(other.profiles);
        for (k, a) in other.actions {
            let mine = self.actions.entry(k).or_default();
            mine.calls += a.calls;
            mine.inferred_calls += a.inferred_calls;
            mine.inferred_from.extend(a.inferred_from);
            while mine.inferred_from.len() > 8 {
                mine.inferred_from.pop_last();
            }
            mine.resources.merge(a.resources);
        }
        if let Some(f) = other.first {
            self.see_time(&f);
        }
        if let Some(l) = other.last {
            self.see_time(&l);
        }
    }
}

/// Event counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Inputs read.
    pub inputs: u64,
    /// Bytes read (compressed size for gzip).
    pub bytes: u64,
    /// Bytes of JSON read.
    pub json_bytes: u64,
    /// Valid events read.
    pub events: u64,
    /// Records that could not be used (malformed, truncated, oversized).
    pub malformed: u64,
    /// Events that are not API calls by a principal (`AwsServiceEvent`, console sign-ins, …).
    pub not_api_calls: u64,
    /// API calls without a principal a policy can be written for (AWS services, anonymous
    /// callers, other accounts' principals without an ARN, …).
    pub no_principal: u64,
    /// Events left out by the selection (principal, account, region, time).
    pub filtered_out: u64,
    /// Selected calls.
    pub selected: u64,
    /// Selected calls that were denied (left out unless denied calls are kept).
    pub denied: u64,
    /// Selected calls that need no permission.
    pub permissionless: u64,
    /// Selected calls mapped to actions.
    pub mapped: u64,
    /// Selected calls that could not be mapped.
    pub unmapped: u64,
    /// Calls whose actions include an inferred one (`iam:PassRole`).
    pub inferred: u64,
    /// Selected calls (or some of their actions) left out: failed calls, and calls that named
    /// nothing of a resource their action needs.
    pub left_out: u64,
}

/// Unmapped calls: (event source, event name) → (count, reason).
type UnmappedCounts = FxHashMap<(Box<str>, Box<str>), (u64, &'static str)>;

/// Gathers what principals did; one per reading thread.
pub struct Aggregator {
    selection: Arc<Selection>,
    mapper: Mapper,
    principals: Vec<(Box<str>, PrincipalState)>,
    index: FxHashMap<Box<str>, usize>,
    /// Caller ARN (`userIdentity.arn`) → the principal it counts for, if selected.
    memo: FxHashMap<Box<str>, Option<usize>>,
    counts: Counts,
    problems: Vec<InputProblem>,
    problems_total: u64,
    unmapped: UnmappedCounts,
    /// Instance profile (`<account>/<name>`) → roles, as IAM calls of the trail show them.
    profile_links: FxHashMap<String, BTreeSet<String>>,
}

impl std::fmt::Debug for Aggregator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aggregator")
            .field("principals", &self.principals.len())
            .field("counts", &self.counts)
            .finish_non_exhaustive()
    }
}

/// Whether an error code means the call was denied.
pub fn is_denied(code: &str) -> bool {
    let lower = code.to_ascii_lowercase();
    lower.contains("accessdenied")
        || lower.contains("unauthorized")
        || lower == "forbidden"
        || lower == "forbiddenexception"
        || lower == "authorizationerror"
        || lower == "authorizationerrorexception"
        || lower == "notauthorized"
}

/// The principal an event's caller counts for: a role for its sessions.
pub fn principal_of(event: &Event<'_>) -> Option<(String, PrincipalType)> {
    let id = event.user_identity.as_ref()?;
    let arn = id.arn.as_deref()?;
    let kind = id.kind.as_deref().unwrap_or_default();
    match kind {
        "IAMUser" => Some((arn.to_string(), PrincipalType::User)),
        "Root" => Some((arn.to_string(), PrincipalType::Root)),
        "FederatedUser" => Some((arn.to_string(), PrincipalType::FederatedUser)),
        "AssumedRole" => {
            let issuer = id
                .session_context
                .as_ref()
                .and_then(|s| s.session_issuer.as_ref())
                .filter(|i| i.kind.as_deref() == Some("Role"))
                .and_then(|i| i.arn.as_deref());
            match issuer {
                Some(role) if role.contains(":role/") => {
                    Some((role.to_string(), PrincipalType::Role))
                }
                _ => role_of_session(arn).map(|r| (r, PrincipalType::Role)),
            }
        }
        _ => None,
    }
}

/// `arn:aws:sts::1:assumed-role/R/s` → `arn:aws:iam::1:role/R` (the path is not in a
/// session ARN).
pub fn role_of_session(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (_, partition, service, _, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "sts" {
        return None;
    }
    let rest = resource.strip_prefix("assumed-role/")?;
    let role = rest.split('/').next()?;
    Some(format!("arn:{partition}:iam::{account}:role/{role}"))
}

/// The account and name of a principal ARN, ignoring the path: (account, kind word, name).
fn principal_key(arn: &str) -> Option<(String, String, String)> {
    let mut parts = arn.splitn(6, ':');
    let _ = parts.next()?;
    let _ = parts.next()?;
    let _ = parts.next()?;
    let _ = parts.next()?;
    let account = parts.next()?;
    let resource = parts.next()?;
    let (kind, rest) = resource.split_once('/').unwrap_or((resource, ""));
    let name = rest.rsplit('/').next().unwrap_or(rest);
    let kind = match kind {
        "assumed-role" => "role",
        k => k,
    };
    let name = if resource.starts_with("assumed-role/") {
        rest.split('/').next().unwrap_or(rest)
    } else {
        name
    };
    Some((
        account.to_string(),
        kind.to_string(),
        name.to_ascii_lowercase(),
    ))
}

/// Whether the selection's principal `wanted` covers the group principal `group` (or the
/// caller `caller`): the same ARN; a role and its sessions; the same account, kind and name
/// whatever the path. A role session ARN covers that session only.
pub fn principal_matches(wanted: &str, group: &str, caller: &str) -> bool {
    if wanted == group || wanted == caller {
        return true;
    }
    // A role session names that session only.
    if wanted.contains(":assumed-role/") {
        return false;
    }
    match (principal_key(wanted), principal_key(group)) {
        (Some(w), Some(g)) => w == g,
        _ => false,
    }
}

impl Aggregator {
    /// An empty aggregator for a selection.
    pub fn new(selection: Arc<Selection>) -> Self {
        Aggregator {
            selection,
            mapper: Mapper::new(),
            principals: Vec::new(),
            index: FxHashMap::default(),
            memo: FxHashMap::default(),
            counts: Counts::default(),
            problems: Vec::new(),
            problems_total: 0,
            unmapped: FxHashMap::default(),
            profile_links: FxHashMap::default(),
        }
    }

    /// The principal an event counts for (its index), if it is selected; memoised per caller
    /// ARN.
    fn principal_for(&mut self, event: &Event<'_>) -> Result<usize, Skip> {
        let caller = event
            .user_identity
            .as_ref()
            .and_then(|i| i.arn.as_deref())
            .ok_or(Skip::NoPrincipal)?;
        if let Some(known) = self.memo.get(caller) {
            return known.ok_or(Skip::Filtered);
        }
        let Some((group, kind)) = principal_of(event) else {
            return Err(Skip::NoPrincipal);
        };
        let sel = &self.selection;
        let account = principal_key(&group).map(|k| k.0).unwrap_or_default();
        let selected = (sel.principals.is_empty()
            || sel
                .principals
                .iter()
                .any(|p| principal_matches(p, &group, caller)))
            && (sel.accounts.is_empty() || sel.accounts.contains(&account));
        if self.memo.len() > 100_000 {
            self.memo.clear();
        }
        let value = selected.then(|| self.slot(&group, kind));
        self.memo.insert(caller.into(), value);
        value.ok_or(Skip::Filtered)
    }

    /// The index of a principal's state, made when new.
    fn slot(&mut self, group: &str, kind: PrincipalType) -> usize {
        if let Some(&i) = self.index.get(group) {
            return i;
        }
        let i = self.principals.len();
        self.principals
            .push((group.into(), PrincipalState::new(kind)));
        self.index.insert(group.into(), i);
        i
    }

    fn in_window(&self, event: &Event<'_>) -> bool {
        let sel = &self.selection;
        if sel.since.is_none() && sel.until.is_none() {
            return true;
        }
        let Some(t) = event.event_time.as_deref() else {
            return false;
        };
        let normal;
        let t = if t.len() == 20 && t.ends_with('Z') {
            t
        } else {
            match normalize_time(t) {
                Some(n) => {
                    normal = n;
                    normal.as_str()
                }
                None => return false,
            }
        };
        sel.since.as_deref().is_none_or(|s| t >= s) && sel.until.as_deref().is_none_or(|u| t <= u)
    }

    /// Joins another thread's aggregator into this one.
    pub fn merge(&mut self, other: Aggregator) {
        let c = &mut self.counts;
        let o = other.counts;
        c.inputs += o.inputs;
        c.bytes += o.bytes;
        c.json_bytes += o.json_bytes;
        c.events += o.events;
        c.malformed += o.malformed;
        c.not_api_calls += o.not_api_calls;
        c.no_principal += o.no_principal;
        c.filtered_out += o.filtered_out;
        c.selected += o.selected;
        c.denied += o.denied;
        c.permissionless += o.permissionless;
        c.mapped += o.mapped;
        c.unmapped += o.unmapped;
        c.inferred += o.inferred;
        c.left_out += o.left_out;
        self.problems_total += other.problems_total;
        for (k, roles) in other.profile_links {
            self.profile_links.entry(k).or_default().extend(roles);
        }
        for p in other.problems {
            self.keep_problem(p);
        }
        for (k, (n, why)) in other.unmapped {
            self.unmapped.entry(k).or_insert((0, why)).0 += n;
        }
        for (k, p) in other.principals {
            let i = self.slot(&k, p.kind);
            if let Some((_, mine)) = self.principals.get_mut(i) {
                mine.merge(p);
            }
        }
    }

    fn keep_problem(&mut self, p: InputProblem) {
        self.problems.push(p);
        if self.problems.len() > 2 * PROBLEM_CAP {
            self.problems.sort_by(problem_order);
            self.problems.truncate(PROBLEM_CAP);
        }
    }

    /// The sorted result.
    pub fn finish(mut self) -> Activity {
        self.problems.sort_by(problem_order);
        self.problems.truncate(PROBLEM_CAP);
        let mut unmapped: Vec<UnmappedCall> = self
            .unmapped
            .into_iter()
            .map(|((source, name), (count, reason))| UnmappedCall {
                event_source: source.into(),
                event_name: name.into(),
                count,
                reason,
            })
            .collect();
        unmapped.sort_by(|a, b| {
            (b.count, &a.event_source, &a.event_name).cmp(&(
                a.count,
                &b.event_source,
                &b.event_name,
            ))
        });
        let principals = self
            .principals
            .into_iter()
            .filter(|(_, p)| p.events > 0)
            .map(|(arn, mut p)| {
                let arn: String = arn.into();
                let mut unresolved = BTreeSet::new();
                let mut passed: BTreeMap<String, CallContext> = BTreeMap::new();
                let mut via: BTreeSet<String> = BTreeSet::new();
                for profile in std::mem::take(&mut p.profiles) {
                    match self.profile_links.get(&profile) {
                        Some(roles) if !roles.is_empty() => {
                            for r in roles {
                                passed.insert(r.clone(), CallContext::default());
                            }
                            if via.len() < 8 {
                                via.insert(format!("instance profile {profile}"));
                            }
                        }
                        _ => {
                            unresolved.insert(profile);
                        }
                    }
                }
                let mut actions: BTreeMap<String, ActionActivity> = p
                    .actions
                    .into_iter()
                    .map(|(name, a)| {
                        let collapsed = a.resources.is_collapsed();
                        (
                            name.to_string(),
                            ActionActivity {
                                calls: a.calls,
                                inferred_calls: a.inferred_calls,
                                inferred_from: a.inferred_from,
                                resources: a.resources.into_sorted(),
                                collapsed,
                            },
                        )
                    })
                    .collect();
                if !passed.is_empty() {
                    let count = u64::try_from(passed.len()).unwrap_or(u64::MAX);
                    let pass = actions
                        .entry("iam:PassRole".to_string())
                        .or_insert_with(|| ActionActivity {
                            calls: 0,
                            inferred_calls: 0,
                            inferred_from: BTreeSet::new(),
                            resources: BTreeMap::new(),
                            collapsed: false,
                        });
                    pass.calls += count;
                    pass.inferred_calls += count;
                    pass.inferred_from.extend(via);
                    pass.resources.extend(passed);
                }
                let activity = PrincipalActivity {
                    arn: arn.clone(),
                    kind: p.kind,
                    events: p.events,
                    mapped: p.mapped,
                    permissionless: p.permissionless,
                    denied: p.denied,
                    unmapped: p.unmapped.into_iter().collect(),
                    denied_calls: p.denied_calls.into_iter().collect(),
                    left_out: p.left_out.into_iter().collect(),
                    pass_role_unresolved: unresolved,
                    actions,
                    first_event: p.first.map(String::from),
                    last_event: p.last.map(String::from),
                };
                (arn, activity)
            })
            .collect();
        Activity {
            counts: self.counts,
            problems: self.problems,
            problems_total: self.problems_total,
            unmapped,
            principals,
        }
    }
}

/// Whether a policy-form resource names one resource exactly (no wildcard outside the
/// escapes `${*}`, `${?}`, `${$}`).
fn is_exact(resource: &str) -> bool {
    !resource
        .replace("${*}", "")
        .replace("${?}", "")
        .contains(['*', '?'])
}

fn problem_order(a: &InputProblem, b: &InputProblem) -> std::cmp::Ordering {
    (&a.file, a.offset, a.record).cmp(&(&b.file, b.offset, b.record))
}

/// Why an event was not used.
#[derive(Debug, Clone, Copy)]
enum Skip {
    NoPrincipal,
    Filtered,
}

/// Whether text is an IPv4 or IPv6 address.
fn is_ip(text: &str) -> bool {
    text.parse::<std::net::IpAddr>().is_ok()
}

impl Aggregator {
    /// One event that stands for `count` calls (a row of a summary, see
    /// [`super::summary_input`]), whose event times run from `first` to `last`;
    /// `event.event_time` is the time the call context keeps (the earliest).
    pub fn event_weighted(
        &mut self,
        event: &Event<'_>,
        count: u64,
        first: Option<&str>,
        last: Option<&str>,
    ) {
        self.counts.events += count;
        if let Some(t) = event.event_type.as_deref() {
            if t != "AwsApiCall" {
                self.counts.not_api_calls += count;
                return;
            }
        }
        let slot = match self.principal_for(event) {
            Ok(p) => p,
            Err(Skip::NoPrincipal) => {
                self.counts.no_principal += count;
                return;
            }
            Err(Skip::Filtered) => {
                self.counts.filtered_out += count;
                return;
            }
        };
        let sel = Arc::clone(&self.selection);
        let region = event.aws_region.as_deref();
        if !sel.regions.is_empty() && !region.is_some_and(|r| sel.regions.iter().any(|x| x == r)) {
            self.counts.filtered_out += count;
            return;
        }
        if !self.in_window(event) {
            self.counts.filtered_out += count;
            return;
        }
        self.counts.selected += count;
        let source = event.event_source.as_deref().unwrap_or_default();
        let name = event.event_name.as_deref().unwrap_or_default();
        let denied = event
            .error_code
            .as_deref()
            .filter(|c| is_denied(c) && !sel.include_denied);
        // Failed for another reason than a denial: maybe before authorization.
        let failed = event
            .error_code
            .as_deref()
            .filter(|c| !c.is_empty() && !is_denied(c));
        let plan = match denied {
            Some(_) => None,
            None => Some(self.mapper.plan(source, name)),
        };
        let Some((_, state)) = self.principals.get_mut(slot) else {
            return;
        };
        state.events += count;
        for t in [first, last].into_iter().flatten() {
            state.see_time(t);
        }
        let Some(plan) = plan else {
            state.denied += count;
            self.counts.denied += count;
            *state
                .denied_calls
                .entry(format!("{source} {name} ({})", denied.unwrap_or_default()))
                .or_default() += count;
            return;
        };
        match &plan.plan {
            Plan::Permissionless => {
                state.permissionless += count;
                self.counts.permissionless += count;
                return;
            }
            Plan::Unmapped(reason) => {
                *state
                    .unmapped
                    .entry(format!("{source} {name}"))
                    .or_default() += count;
                self.counts.unmapped += count;
                self.unmapped
                    .entry((source.into(), name.into()))
                    .or_insert((0, reason))
                    .0 += count;
                return;
            }
            Plan::Actions(_) => {}
        }
        if let (Some(code), FailedCalls::Omit) = (failed, sel.failed_calls) {
            *state
                .left_out
                .entry(format!("{source} {name} (failed: {code})"))
                .or_default() += count;
            self.counts.left_out += count;
            return;
        }
        let raw_params = event
            .request_parameters
            .map(serde_json::value::RawValue::get);
        let arns: Vec<&str> = event
            .resources
            .iter()
            .flatten()
            .filter_map(|r| r.arn.as_deref())
            .collect();
        let identity = event.user_identity.as_ref();
        let caller = identity.and_then(|i| i.arn.as_deref()).unwrap_or_default();
        let partition = caller
            .split(':')
            .nth(1)
            .filter(|p| !p.is_empty())
            .unwrap_or("aws");
        let account = event
            .recipient_account_id
            .as_deref()
            .or_else(|| identity.and_then(|i| i.account_id.as_deref()));
        let prefix = plan.prefix;
        let facts = CallFacts::new(
            raw_params,
            &arns,
            partition,
            region,
            account,
            event.read_only,
            prefix,
        )
        .with_event(
            super::mapping::api_name(name),
            event
                .response_elements
                .map(serde_json::value::RawValue::get),
            identity.and_then(|i| i.arn.as_deref()),
        );
        if failed.is_none() && prefix == "iam" {
            for (profile, role) in profile_links(&facts, super::mapping::api_name(name)) {
                let key = format!("{}/{profile}", account.unwrap_or("*"));
                let roles = self.profile_links.entry(key).or_default();
                if roles.len() < 64 {
                    roles.insert(role);
                }
            }
        }
        let mapped = self.mapper.map(&plan, &facts);
        // What a call may not grant: anything but exact ARNs for a failed call; a whole type
        // for a call that named nothing.
        let names_nothing = facts.names_nothing();
        let keep = |m: &MappedAction| -> Option<MappedAction> {
            if failed.is_some() {
                let exact: Vec<String> = m
                    .resources
                    .iter()
                    .filter(|r| *r == "*" || is_exact(r))
                    .cloned()
                    .collect();
                return (!exact.is_empty()).then(|| MappedAction {
                    resources: exact,
                    profiles: Vec::new(),
                    ..m.clone()
                });
            }
            (!(m.whole && names_nothing)).then(|| m.clone())
        };
        let needs_filter = failed.is_some() || (names_nothing && mapped.iter().any(|m| m.whole));
        let filtered: Vec<MappedAction>;
        let out: &[MappedAction] = if needs_filter {
            filtered = mapped.iter().filter_map(keep).collect();
            if filtered.len() < mapped.len() {
                let why = match failed {
                    Some(code) => format!("failed: {code}; no exact resource"),
                    None => "named no resource of its action".to_string(),
                };
                *state
                    .left_out
                    .entry(format!("{source} {name} ({why})"))
                    .or_default() += count;
                self.counts.left_out += count;
            }
            &filtered
        } else {
            &mapped
        };
        for m in out {
            for p in &m.profiles {
                state
                    .profiles
                    .insert(format!("{}/{p}", account.unwrap_or("*")));
            }
        }
        let out: Vec<&MappedAction> = out.iter().filter(|m| !m.resources.is_empty()).collect();
        if out.is_empty() && !needs_filter {
            // Every entry of the plan was conditional and none applied.
            state.permissionless += count;
            self.counts.permissionless += count;
            return;
        }
        let ctx = CallContextRef {
            region,
            source_ip: event.source_ip_address.as_deref().filter(|s| is_ip(s)),
            time: event.event_time.as_deref(),
            mfa: identity
                .and_then(|i| i.session_context.as_ref())
                .and_then(|s| s.attributes.as_ref())
                .and_then(|a| a.mfa_authenticated.as_deref())
                .and_then(|m| m.parse().ok()),
            via_service: identity.and_then(|i| i.invoked_by.as_deref()).is_some(),
        };
        state.mapped += count;
        self.counts.mapped += count;
        if out.iter().any(|m| m.inferred) {
            self.counts.inferred += count;
        }
        if out.is_empty() {
            return;
        }
        for m in &out {
            let a = state.actions.entry(Arc::clone(&m.action)).or_default();
            a.calls += count;
            if m.inferred {
                a.inferred_calls += count;
                if a.inferred_from.len() < 8 {
                    let from = format!("{prefix}:{}", super::mapping::api_name(name));
                    a.inferred_from.insert(from);
                }
            }
            for r in &m.resources {
                a.resources.insert(r, ctx);
            }
        }
    }
}

impl Sink for Aggregator {
    fn event(&mut self, event: &Event<'_>, _at: Position<'_>) {
        let t = event.event_time.as_deref();
        self.event_weighted(event, 1, t, t);
    }

    fn problem(&mut self, problem: InputProblem) {
        if problem.record_lost {
            self.counts.malformed += 1;
        }
        self.problems_total += 1;
        self.keep_problem(problem);
    }

    fn input_done(&mut self, _name: &str, stats: InputStats) {
        self.counts.inputs += 1;
        self.counts.bytes += stats.bytes;
        self.counts.json_bytes += stats.json_bytes;
    }
}

/// A call that could not be mapped to actions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnmappedCall {
    /// `eventSource`.
    pub event_source: String,
    /// `eventName`.
    pub event_name: String,
    /// How many calls (over all principals).
    pub count: u64,
    /// Why.
    pub reason: &'static str,
}

/// What one principal did, sorted.
#[derive(Debug, Clone)]
pub struct PrincipalActivity {
    /// The principal (a role ARN for role sessions).
    pub arn: String,
    /// Its kind.
    pub kind: PrincipalType,
    /// Selected calls.
    pub events: u64,
    /// Calls mapped to actions.
    pub mapped: u64,
    /// Calls that need no permission.
    pub permissionless: u64,
    /// Denied calls (left out).
    pub denied: u64,
    /// Unmapped calls: `"<eventSource> <eventName>"` → count.
    pub unmapped: BTreeMap<String, u64>,
    /// Denied calls: `"<eventSource> <eventName> (<errorCode>)"` → count.
    pub denied_calls: BTreeMap<String, u64>,
    /// Calls, or actions of calls, left out of the policy: `"<eventSource> <eventName>
    /// (<why>)"` → count. Failed calls (unless kept where their ARNs are known), and actions
    /// whose resource the call did not name at all (no parameters, no `resources[]`): a
    /// policy never grants a whole resource type on such evidence.
    pub left_out: BTreeMap<String, u64>,
    /// Instance profiles (`<account>/<name>`) whose role a call passed (`iam:PassRole`) but
    /// which no IAM call of the trail links to a role: left out, for the user to add.
    pub pass_role_unresolved: BTreeSet<String>,
    /// Actions used.
    pub actions: BTreeMap<String, ActionActivity>,
    /// First and last event times.
    pub first_event: Option<String>,
    /// Last event time.
    pub last_event: Option<String>,
}

/// How one action was used.
#[derive(Debug, Clone)]
pub struct ActionActivity {
    /// Calls that needed it.
    pub calls: u64,
    /// Of which the action was inferred (`iam:PassRole`).
    pub inferred_calls: u64,
    /// Calls that implied it, when inferred (at most 8).
    pub inferred_from: BTreeSet<String>,
    /// Resources in policy form (`*` for unknown parts), each with the context of one call.
    pub resources: BTreeMap<String, CallContext>,
    /// Whether distinct resources passed the cap and were grouped into prefixes.
    pub collapsed: bool,
}

impl ActionActivity {
    /// Whether every call of the action was inferred.
    pub fn is_inferred(&self) -> bool {
        self.inferred_calls == self.calls
    }
}

/// Everything a read gathered.
#[derive(Debug, Clone)]
pub struct Activity {
    /// Event counts.
    pub counts: Counts,
    /// Problems, sorted by file and position (at most [`PROBLEM_CAP`]).
    pub problems: Vec<InputProblem>,
    /// Problems in all.
    pub problems_total: u64,
    /// Calls that could not be mapped, most frequent first.
    pub unmapped: Vec<UnmappedCall>,
    /// Per principal, by ARN.
    pub principals: BTreeMap<String, PrincipalActivity>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_principals() {
        let role = "arn:aws:iam::111122223333:role/service-role/Runner";
        let session = "arn:aws:sts::111122223333:assumed-role/Runner/i-123";
        assert!(principal_matches(
            "arn:aws:iam::111122223333:role/Runner",
            role,
            session
        ));
        assert!(principal_matches(session, role, session));
        assert!(!principal_matches(
            session,
            role,
            "arn:aws:sts::111122223333:assumed-role/Runner/i-456"
        ));
        assert!(!principal_matches(
            "arn:aws:iam::111122223333:role/Other",
            role,
            session
        ));
        assert!(!principal_matches(
            "arn:aws:iam::111122223333:user/Runner",
            role,
            session
        ));
        assert_eq!(
            role_of_session(session).as_deref(),
            Some("arn:aws:iam::111122223333:role/Runner")
        );
    }

    #[test]
    fn normalizes_times() {
        assert_eq!(
            normalize_time("2024-08-01T02:00:00+02:00").as_deref(),
            Some("2024-08-01T00:00:00Z")
        );
        assert_eq!(
            normalize_time("2024-08-01").as_deref(),
            Some("2024-08-01T00:00:00Z")
        );
        assert!(normalize_time("yesterday").is_none());
    }

    #[test]
    fn resource_sets_collapse_deterministically() {
        let owned = CallContext::default();
        let ctx = owned.as_ref();
        let keys: Vec<String> = (0..500)
            .map(|i| format!("arn:aws:s3:::logs/2024/08/{i:03}.gz"))
            .collect();
        let mut whole = ResourceSet::default();
        for k in &keys {
            whole.insert(k, ctx);
        }
        whole.insert("arn:aws:s3:::other/x", ctx);
        let mut a = ResourceSet::default();
        let mut b = ResourceSet::default();
        for (i, k) in keys.iter().enumerate() {
            if i % 3 == 0 { &mut a } else { &mut b }.insert(k, ctx);
        }
        b.insert("arn:aws:s3:::other/x", ctx);
        a.merge(b);
        let whole: Vec<String> = whole.into_sorted().into_keys().collect();
        let merged: Vec<String> = a.into_sorted().into_keys().collect();
        assert_eq!(whole, merged);
        assert_eq!(
            whole,
            vec!["arn:aws:s3:::logs/2024/08/*", "arn:aws:s3:::other/x"]
        );
        assert_eq!(
            trim_partial_escape("arn:aws:s3:::b/a${"),
            "arn:aws:s3:::b/a"
        );
        assert_eq!(
            trim_partial_escape("arn:aws:s3:::b/a${*}"),
            "arn:aws:s3:::b/a${*}"
        );
        assert!(is_denied("Client.UnauthorizedOperation"));
        assert!(is_denied("AccessDenied"));
        assert!(!is_denied("NoSuchEntity"));
    }
}
