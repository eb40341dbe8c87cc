//! What the security rules share: which actions a statement grants, on which resources,
//! which conditions pin it, and who its principals are.
//!
//! Everything here is cheap per statement: action lists are resolved against the reference
//! once (`OnceLock`) and indexed by service, so matching a statement costs a few string
//! comparisons per `Action` entry.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::OnceLock;

use policy_core::ast::{
    ConditionKeyValues, Effect, Node, OperatorBase, OperatorFamily, PolicyKind, Principal,
    PrincipalKind, SetQualifier, Statement,
};
use policy_core::service_ref::{AccessLevel, Action, ServiceRef};
use policy_core::Span;

use crate::facts::catalog;
pub(crate) use crate::facts::{action_by_id, Facts};
use crate::rules::util::{has_variable, split_arn};

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

/// Whether the statement's effect is `Allow`.
pub(crate) fn is_allow(statement: &Statement) -> bool {
    statement.effect() == Some(Effect::Allow)
}

/// Whether the statement is an `Allow` in a policy that grants permissions of its own
/// (identity or resource policies; not guardrails such as SCPs, boundaries or session
/// policies, whose `Allow` only caps).
pub(crate) fn is_grant(statement: &Statement, kind: PolicyKind) -> bool {
    is_allow(statement) && matches!(kind, PolicyKind::Identity | PolicyKind::Resource)
}

/// A statement's label for messages: `` `Sid` `` or `#2`.
pub(crate) fn label(statement: &Statement) -> String {
    match &statement.sid {
        Some(sid) if !sid.node.is_empty() => format!("`{}`", sid.node),
        _ => format!("#{}", statement.index + 1),
    }
}

/// Whether the statement writes `Action` (not `NotAction`).
pub(crate) fn has_positive_action(statement: &Statement) -> bool {
    statement.action.as_ref().is_some_and(|a| !a.negated)
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

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

/// How a statement's `Action`/`NotAction` covers one action.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Coverage<'s> {
    /// An entry names it.
    Named(&'s Node<String>),
    /// A wildcard entry matches it.
    Pattern(&'s Node<String>),
    /// `NotAction` does not exclude it (the span of the `NotAction` key).
    NotAction(Span),
}

impl Coverage<'_> {
    /// Where to point at.
    pub(crate) fn span(self) -> Span {
        match self {
            Coverage::Named(n) | Coverage::Pattern(n) => n.span,
            Coverage::NotAction(s) => s,
        }
    }

    /// How the action gets in, for messages: `` `iam:*` includes `iam:PassRole` ``.
    pub(crate) fn describe(self, action: &str) -> String {
        match self {
            Coverage::Named(_) => format!("`{action}`"),
            Coverage::Pattern(n) => format!("`{}` includes `{action}`, which", n.node),
            Coverage::NotAction(_) => format!("`NotAction` leaves in `{action}`, which"),
        }
    }
}

/// How the statement (with these facts) covers `service:name`, if it does (its effect
/// aside).
pub(crate) fn coverage<'s>(
    facts: &Facts,
    statement: &'s Statement,
    service: &str,
    name: &str,
) -> Option<Coverage<'s>> {
    let element = statement.action.as_ref()?;
    let hit = match catalog().id_parts(service, name) {
        Some(id) => facts.ids.binary_search(&id).is_ok(),
        None => element
            .items
            .iter()
            .any(|p| action_pattern_matches(&p.node, service, name)),
    };
    if element.negated {
        return (!hit).then_some(Coverage::NotAction(element.key_span));
    }
    if !hit {
        return None;
    }
    let item = element
        .items
        .iter()
        .find(|p| action_pattern_matches(&p.node, service, name))?;
    Some(if item.node.contains(['*', '?']) {
        Coverage::Pattern(item)
    } else {
        Coverage::Named(item)
    })
}

/// Whether a `Resource` entry could name IAM roles: `*`, or an ARN of service `iam` (or a
/// wildcard) whose resource part starts with `role/` or a wildcard.
pub(crate) fn may_name_roles(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    let parts = split_arn(text, 6);
    match parts.as_slice() {
        [_, _, service, _, _, resource] => {
            (*service == "iam" || service.starts_with('*'))
                && (resource.starts_with("role/") || resource.starts_with('*'))
        }
        _ => false,
    }
}

/// Whether a `Resource` entry names every role of an account or more (`*`,
/// `arn:aws:iam::111122223333:role/*`, `arn:aws:iam::*:role/*`).
pub(crate) fn is_every_role(text: &str) -> bool {
    text == "*" || (text.ends_with('*') && is_broad_resource(text) && may_name_roles(text))
}

// ---------------------------------------------------------------------------------------------
// The catalog: every action of the reference, by number
// ---------------------------------------------------------------------------------------------

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

/// A string compared and hashed ignoring ASCII case.
#[derive(Debug, Clone, Copy)]
struct Ci<'a>(&'a str);

impl PartialEq for Ci<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(other.0)
    }
}

impl Eq for Ci<'_> {}

impl Hash for Ci<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut buf = [0u8; 32];
        for chunk in self.0.as_bytes().chunks(32) {
            let lower = buf.get_mut(..chunk.len()).unwrap_or_default();
            lower.copy_from_slice(chunk);
            lower.make_ascii_lowercase();
            state.write(lower);
        }
        state.write_u8(0xff);
    }
}

/// Whether the action with catalog number `id` supports resource-level permissions and is
/// not a List action (what `wildcard-resource` looks for), from a table built once.
pub(crate) fn is_resource_level(id: u32) -> bool {
    static TABLE: OnceLock<Vec<bool>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            catalog()
                .actions
                .iter()
                .map(|a| {
                    a.access_level() != AccessLevel::List && !a.accepts_only_wildcard_resource()
                })
                .collect()
        })
        .get(usize::try_from(id).unwrap_or(usize::MAX))
        .copied()
        .unwrap_or(false)
}

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
            let Some(slot) = catalog
                .id(&display)
                .and_then(|id| slots.get_mut(usize::try_from(id).ok()?))
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

    /// The entries the statement's `Action`/`NotAction` covers (its effect aside), in list
    /// order.
    pub(crate) fn covered_by(&self, facts: &Facts, statement: &Statement) -> Vec<usize> {
        let Some(element) = &statement.action else {
            return Vec::new();
        };
        self.covered(facts, element.negated)
    }

    /// The entries a statement with these facts covers, `negated` for `NotAction`.
    pub(crate) fn covered(&self, facts: &Facts, negated: bool) -> Vec<usize> {
        let mut hits: Vec<usize> = Vec::new();
        for &id in facts.ids.iter() {
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

/// What an unrestricted `Allow` grants from an [`ActionList`]: see [`unrestricted_grant`].
#[derive(Debug)]
pub(crate) struct ListGrant {
    /// Indices of the granted entries, in list order.
    pub granted: Vec<usize>,
    /// The broad `Resource` entry or the `NotResource` element.
    pub resource: Span,
    /// The first `Action` entry that grants one of them, or the `NotAction` key.
    pub at: Span,
}

/// The entries of `list` that an `Allow` statement of an identity policy grants on every
/// resource (see [`broad_resource`]) with no condition narrowing the resources (see
/// [`resource_pin`]); `None` when there are none.
pub(crate) fn unrestricted_grant(
    facts: &Facts,
    statement: &Statement,
    kind: PolicyKind,
    list: &ActionList,
) -> Option<ListGrant> {
    if kind != PolicyKind::Identity || !is_allow(statement) {
        return None;
    }
    let element = statement.action.as_ref()?;
    let resource = facts.broad(statement)?;
    let granted = list.covered(facts, element.negated);
    if granted.is_empty() || resource_pin(statement).is_some() {
        return None;
    }
    let at = if element.negated {
        element.key_span
    } else {
        element
            .items
            .iter()
            .find(|item| {
                granted.iter().any(|&i| {
                    list.get(i)
                        .is_some_and(|e| action_pattern_matches(&item.node, &e.service, &e.name))
                })
            })
            .map_or(element.span, |item| item.span)
    };
    Some(ListGrant {
        granted,
        resource,
        at,
    })
}

/// The display names of some entries of a list.
pub(crate) fn names_of(list: &ActionList, ids: &[usize]) -> Vec<String> {
    ids.iter()
        .filter_map(|&i| list.get(i).map(|e| e.display.clone()))
        .collect()
}

/// Joins names as `` `a`, `b` and 3 more ``.
pub(crate) fn list_names<S: AsRef<str>>(names: &[S], max: usize) -> String {
    list_first(
        names.get(..max.min(names.len())).unwrap_or_default(),
        names.len(),
    )
}

/// Joins the first names of a list of `total` as `` `a`, `b` and 3 more ``.
pub(crate) fn list_first<S: AsRef<str>>(shown: &[S], total: usize) -> String {
    let quoted: Vec<String> = shown.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    let rest = total.saturating_sub(quoted.len());
    match (quoted.split_last(), rest) {
        (None, _) => String::new(),
        (Some((last, [])), 0) => last.clone(),
        (Some((last, head)), 0) => format!("{} and {last}", head.join(", ")),
        (Some(_), rest) => format!("{} and {rest} more", quoted.join(", ")),
    }
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

/// Whether a `Resource` entry covers every resource of a type: `*`, or an ARN whose resource
/// part is `*`, or a resource-type prefix of the reference's ARN formats followed by `*`
/// (`arn:aws:iam::111122223333:role/*`, `arn:aws:lambda:*:*:function:*`; not
/// `arn:aws:s3:::bucket/*`, where `bucket` is a name).
pub(crate) fn is_broad_resource(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    if !text.ends_with('*') {
        return false;
    }
    let Some((service, resource)) = arn_service_and_resource(text) else {
        return text.starts_with('*');
    };
    if resource.starts_with('*') {
        return true;
    }
    let Some(cut) = resource.find(['/', ':']) else {
        return false;
    };
    let (prefix, rest) = resource.split_at(cut + 1);
    if rest != "*" {
        return false;
    }
    // The set is covariant in its key: look up with borrowed keys.
    let prefixes: &HashSet<(Ci<'_>, Ci<'_>), FxBuild> = type_prefixes();
    prefixes.contains(&(Ci(service), Ci(prefix)))
}

/// The service part and the resource part of an ARN (`arn:p:service:r:a:resource`), without
/// splitting a policy variable; `None` when it has fewer than six parts.
fn arn_service_and_resource(text: &str) -> Option<(&str, &str)> {
    if !text.contains("${") {
        let mut parts = text.splitn(6, ':');
        let service = parts.nth(2)?;
        let resource = parts.nth(2)?;
        return Some((service, resource));
    }
    let parts = split_arn(text, 6);
    match parts.as_slice() {
        [_, _, service, _, _, resource] => Some((service, resource)),
        _ => None,
    }
}

/// (ARN service part, resource-part prefix up to its first `/` or `:`) of every ARN format
/// of the reference that starts its resource part with a literal type (`iam`, `role/`).
fn type_prefixes() -> &'static HashSet<(Ci<'static>, Ci<'static>), FxBuild> {
    static PREFIXES: OnceLock<HashSet<(Ci<'static>, Ci<'static>), FxBuild>> = OnceLock::new();
    PREFIXES.get_or_init(|| {
        let mut out = HashSet::default();
        for service in ServiceRef::get().services() {
            for rt in service.resource_types() {
                let format: &'static str = rt.arn_format();
                let mut parts = format.splitn(6, ':');
                let (Some(arn_service), Some(resource)) = (parts.nth(2), parts.nth(2)) else {
                    continue;
                };
                let Some(cut) = resource.find(['/', ':']) else {
                    continue;
                };
                let prefix = resource.get(..=cut).unwrap_or_default();
                if prefix.is_empty() || prefix.contains('$') || arn_service.contains('$') {
                    continue;
                }
                out.insert((Ci(arn_service), Ci(prefix)));
            }
        }
        out
    })
}

/// The `"*"` entry of `Resource`, if any.
pub(crate) fn star_resource(statement: &Statement) -> Option<&Node<String>> {
    statement
        .resource
        .as_ref()
        .filter(|r| !r.negated)
        .and_then(|r| r.items.iter().find(|i| i.node == "*"))
}

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

/// How fixed a condition value must be to pin a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fixed {
    /// Any value but a lone `*` (a tag value `dev-*` narrows the resources well enough).
    Narrow,
    /// No wildcard that could match another account or organization (SEMANTICS E14): values
    /// without `*`/`?`, ARNs whose account part is a literal 12-digit account, organization
    /// paths whose organization id is literal, IP ranges of `/8` or narrower (IPv6 `/32`).
    Strict,
}

/// The first condition of the statement that pins it: a positive operator (not negated, not
/// `…IfExists`, not `ForAllValues:`, not `Null`) on a key `is_key` accepts, every value of
/// which is fixed in the sense of `fixed`. Negated operators and `…IfExists` are true when
/// the key is missing, and `ForAllValues:` is true when it is empty, so none of them pins.
pub(crate) fn pinning_condition(
    statement: &Statement,
    fixed: Fixed,
    is_key: impl Fn(&str) -> bool,
) -> Option<&ConditionKeyValues> {
    pinning_condition_on(statement, fixed, is_key, false)
}

/// [`pinning_condition`] for keys that every request of the action in question carries
/// (`iam:PassedToService` for `iam:PassRole`, `iam:AWSServiceName` for
/// `iam:CreateServiceLinkedRole`): there `…IfExists` changes nothing, so it pins too.
pub(crate) fn pinning_condition_present(
    statement: &Statement,
    fixed: Fixed,
    is_key: impl Fn(&str) -> bool,
) -> Option<&ConditionKeyValues> {
    pinning_condition_on(statement, fixed, is_key, true)
}

fn pinning_condition_on(
    statement: &Statement,
    fixed: Fixed,
    is_key: impl Fn(&str) -> bool,
    if_exists_pins: bool,
) -> Option<&ConditionKeyValues> {
    for entry in statement.conditions() {
        let op = entry.operator.node;
        if op.is_negated()
            || (op.if_exists && !if_exists_pins)
            || op.qualifier == Some(SetQualifier::ForAllValues)
            || op.base == OperatorBase::Null
        {
            continue;
        }
        for kv in &entry.keys {
            let key = kv.key.node.to_ascii_lowercase();
            if !is_key(&key) || kv.values.is_empty() {
                continue;
            }
            if kv
                .values
                .iter()
                .all(|v| value_pins(&key, op.base, &v.node.as_text(), fixed))
            {
                return Some(kv);
            }
        }
    }
    None
}

/// Whether one condition value pins the key (see [`pinning_condition`]).
pub(crate) fn value_pins(key: &str, base: OperatorBase, value: &str, fixed: Fixed) -> bool {
    let value = value.trim();
    if value.is_empty() {
        return false;
    }
    // Only the `Like` operators and the ARN operators read `*` and `?` as wildcards.
    let wild = matches!(
        base,
        OperatorBase::StringLike | OperatorBase::ArnLike | OperatorBase::ArnEquals
    );
    if base.family() == OperatorFamily::Ip {
        return ip_is_narrow(value);
    }
    if base.family() == OperatorFamily::Bool {
        return value.eq_ignore_ascii_case("true");
    }
    if has_variable(value) {
        // `${aws:PrincipalAccount}` in a condition on `aws:ResourceAccount` pins to the
        // caller's own account; a variable naming the key itself pins nothing.
        let lower = value.to_ascii_lowercase();
        return !lower.contains(&format!("${{{key}"));
    }
    if !wild {
        return true;
    }
    match fixed {
        Fixed::Narrow => !value.trim_matches('*').is_empty() && value != "?",
        Fixed::Strict => {
            if !value.contains(['*', '?']) {
                return true;
            }
            if key.ends_with("orgpaths") {
                // `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*`: the organization is fixed.
                return value
                    .split('/')
                    .next()
                    .is_some_and(|org| org.starts_with("o-") && !org.contains(['*', '?']));
            }
            if value.starts_with("arn:") {
                let parts = split_arn(value, 6);
                return parts.get(4).is_some_and(|account| {
                    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
                });
            }
            false
        }
    }
}

/// Whether an IP range is narrow enough to pin (`/8` or longer for IPv4, `/32` or longer for
/// IPv6; a bare address is one host).
fn ip_is_narrow(value: &str) -> bool {
    let (addr, len) = match value.split_once('/') {
        Some((a, l)) => (a, l.parse::<u32>().ok()),
        None => (value, Some(128)),
    };
    let Some(len) = len else {
        return false;
    };
    if addr.contains(':') {
        len >= 32
    } else {
        len >= 8 && !addr.starts_with("0.")
    }
}

/// Whether a condition key narrows which resources a statement reaches, or from where: any
/// service-specific key (`iam:PassedToService`, `s3:prefix`, `ec2:ResourceTag/team`), and
/// the global keys on the resource (`aws:ResourceTag/…`, `aws:ResourceAccount`,
/// `aws:ResourceOrgID`, `aws:ResourceOrgPaths`), on the request's tags (`aws:RequestTag/…`),
/// on the network path (`aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceIp`, `aws:CalledVia…`,
/// `aws:ViaAWSService`) or on the source (`aws:SourceArn`, `aws:SourceAccount`).
/// Keys about the session only (`aws:SecureTransport`, `aws:MultiFactorAuthPresent`,
/// `aws:RequestedRegion`, `aws:CurrentTime`, `aws:PrincipalTag/…`) do not.
pub(crate) fn is_resource_scoping_key(key: &str) -> bool {
    let Some(global) = key.strip_prefix("aws:") else {
        return true;
    };
    global.starts_with("resourcetag/")
        || global.starts_with("requesttag/")
        || global.starts_with("calledvia")
        || matches!(
            global,
            "resourceaccount"
                | "resourceorgid"
                | "resourceorgpaths"
                | "sourcevpc"
                | "sourcevpce"
                | "sourceip"
                | "viaawsservice"
                | "sourcearn"
                | "sourceaccount"
        )
}

/// The statement's first condition that narrows its resources (see
/// [`is_resource_scoping_key`]), with values other than a lone `*`.
pub(crate) fn resource_pin(statement: &Statement) -> Option<&ConditionKeyValues> {
    pinning_condition(statement, Fixed::Narrow, is_resource_scoping_key)
}

/// Whether a key pins the caller or the request path to known accounts, organizations or
/// networks, which makes a wildcard principal non-public (SEMANTICS E14, plus the keys that
/// do the same for one service: `kms:CallerAccount`, `aws:SourceOwner`,
/// `s3:DataAccessPointAccount`, `s3:DataAccessPointArn`).
pub(crate) fn is_public_pinning_key(key: &str) -> bool {
    matches!(
        key,
        "aws:principalorgid"
            | "aws:principalorgpaths"
            | "aws:principalaccount"
            | "aws:principalarn"
            | "aws:userid"
            | "aws:sourcevpce"
            | "aws:sourcevpc"
            | "aws:sourcevpcarn"
            | "aws:sourcearn"
            | "aws:sourceaccount"
            | "aws:sourceowner"
            | "aws:sourceorgid"
            | "aws:sourceorgpaths"
            | "aws:vpceaccount"
            | "aws:vpceorgid"
            | "aws:vpceorgpaths"
            | "aws:sourceip"
            | "kms:calleraccount"
            | "s3:dataaccesspointaccount"
            | "s3:dataaccesspointarn"
    )
}

/// The statement's first condition that keeps a wildcard principal from being public.
pub(crate) fn public_pin(statement: &Statement) -> Option<&ConditionKeyValues> {
    pinning_condition(statement, Fixed::Strict, is_public_pinning_key)
}

// ---------------------------------------------------------------------------------------------
// Principals
// ---------------------------------------------------------------------------------------------

/// A principal value with its kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PrincipalValue<'s> {
    /// `AWS`, `Service`, ...; `None` for `"Principal": "*"`.
    pub kind: Option<PrincipalKind>,
    /// The value (`*` for the wildcard form).
    pub value: &'s str,
    /// Where it is.
    pub span: Span,
}

/// The values of the statement's `Principal` (not `NotPrincipal`).
pub(crate) fn principals(statement: &Statement) -> Vec<PrincipalValue<'_>> {
    let Some(element) = statement.principal.as_ref().filter(|p| !p.negated) else {
        return Vec::new();
    };
    match &element.value {
        Principal::Wildcard => vec![PrincipalValue {
            kind: None,
            value: "*",
            span: element.span,
        }],
        Principal::Map(entries) => entries
            .iter()
            .flat_map(|e| {
                e.values.iter().map(move |v| PrincipalValue {
                    kind: Some(e.kind.node),
                    value: v.node.as_str(),
                    span: v.span,
                })
            })
            .collect(),
    }
}

/// The first principal of the statement that stands for everyone: `"*"` or `{"AWS": "*"}`.
pub(crate) fn wildcard_principal(statement: &Statement) -> Option<PrincipalValue<'_>> {
    principals(statement)
        .into_iter()
        .find(|p| matches!(p.kind, None | Some(PrincipalKind::Aws)) && p.value == "*")
}

/// The account an `AWS` principal value belongs to: a 12-digit id, or the account part of an
/// IAM or STS ARN.
pub(crate) fn principal_account(value: &str) -> Option<&str> {
    let account = if value.starts_with("arn:") {
        split_arn(value, 6).get(4).copied()?
    } else {
        value
    };
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// Whether an `AWS` principal value names a whole account (`111122223333` or `…:root`).
pub(crate) fn is_account_principal(value: &str) -> bool {
    !value.starts_with("arn:") || value.ends_with(":root")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::expand_ids;

    #[test]
    fn glob_matches_like_iam() {
        assert!(glob_ci("Get*", "getobject"));
        assert!(glob_ci("*", ""));
        assert!(glob_ci("*Object?", "GetObjectX"));
        assert!(!glob_ci("*Object?", "GetObject"));
        assert!(glob_ci("a*b*c", "axxbyyc"));
        assert!(!glob_ci("a*b*c", "axxbyy"));
        assert!(action_pattern_matches("*", "s3", "GetObject"));
        assert!(action_pattern_matches("S3:get*", "s3", "GetObject"));
        assert!(!action_pattern_matches("s3:Put*", "s3", "GetObject"));
    }

    #[test]
    fn broad_resources() {
        assert!(is_broad_resource("*"));
        assert!(is_broad_resource("arn:aws:iam::111122223333:role/*"));
        assert!(is_broad_resource("arn:aws:s3:::*"));
        assert!(is_broad_resource("arn:aws:lambda:*:*:function:*"));
        assert!(!is_broad_resource("arn:aws:iam::111122223333:role/app-*"));
        assert!(!is_broad_resource("arn:aws:s3:::bucket/*"));
        assert!(!is_broad_resource(
            "arn:aws:iam::111122223333:role/service-role/*"
        ));
    }

    #[test]
    fn catalog_expansion_agrees_with_the_reference() {
        let data = ServiceRef::get();
        for pattern in [
            "s3:Get*",
            "s3:*Object",
            "S3:get*ACL",
            "ec2:Describe*",
            "iam:*AccessKey*",
            "iam:Pass*",
            "kms:*",
            "s3:*",
            "s?:*",
            "*:Get*Policy",
            "ec2:*Instances",
            "lambda:?nvoke*",
            "dynamodb:*Item",
            "ssm:GetParameter*",
            "s3:GetObject",
            "sts:AssumeRole*",
            "nosuch:*",
            "s3:Nothing*",
            "*3:Get*",
        ] {
            let ours: Vec<String> = expand_ids(pattern)
                .iter()
                .filter_map(|&id| action_by_id(id))
                .map(|a| a.full_name())
                .collect();
            let theirs: Vec<String> = data
                .expand(pattern)
                .iter()
                .map(policy_core::service_ref::Action::full_name)
                .collect();
            assert_eq!(ours, theirs, "{pattern}");
        }
    }

    #[test]
    fn lists_names() {
        assert_eq!(list_names(&["a"], 3), "`a`");
        assert_eq!(list_names(&["a", "b"], 3), "`a` and `b`");
        assert_eq!(list_names(&["a", "b", "c", "d"], 2), "`a`, `b` and 2 more");
    }

    #[test]
    fn ip_ranges() {
        assert!(ip_is_narrow("203.0.113.0/24"));
        assert!(!ip_is_narrow("0.0.0.0/0"));
        assert!(!ip_is_narrow("10.0.0.0/7"));
        assert!(ip_is_narrow("2001:db8::/32"));
        assert!(!ip_is_narrow("::/0"));
    }
}
