//! What the security rules share: which actions a statement grants, on which resources,
//! which conditions pin it, and who its principals are.
//!
//! Everything here is cheap per statement: action lists are resolved against the reference
//! once (`OnceLock`) and indexed by service, so matching a statement costs a few string
//! comparisons per `Action` entry.

use std::sync::OnceLock;

use policy_core::analysis::public::ip_is_narrow;
use policy_core::ast::{
    ConditionKeyValues, Effect, Node, OperatorBase, OperatorFamily, Policy, PolicyKind, Principal,
    PrincipalKind, SetQualifier, Statement,
};
use policy_core::service_ref::AccessLevel;
use policy_core::Span;

use crate::context::LintContext;
use crate::facts::catalog;
pub(crate) use crate::facts::{action_by_id, Facts};
use crate::rule::RuleMeta;
use crate::rules::util::{has_variable, split_arn};
pub(crate) use crate::support::matching::{action_pattern_matches, glob_ci, ActionList};
use crate::support::privesc::{self, Path};
use crate::support::resource_types::Applicability;
pub(crate) use crate::support::resources::{is_broad_resource, is_every_role, may_name_roles};
use crate::support::sensitive::Sensitivity;
use crate::support::story::is_told_whole;

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

// ---------------------------------------------------------------------------------------------
// The catalog: every action of the reference, by number
// ---------------------------------------------------------------------------------------------

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
    let mut granted = list.covered(facts, element.negated);
    if granted.is_empty() || resource_pin(statement).is_some() {
        return None;
    }
    // Only the actions that can apply to the broad resources are granted on them.
    let mut applicability = broad_applicability(statement);
    if !applicability.is_unlimited() {
        granted.retain(|&i| {
            list.get(i)
                .and_then(|e| action_by_id(e.id))
                .is_some_and(|a| applicability.applies(&a))
        });
        if granted.is_empty() {
            return None;
        }
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

/// Which actions can apply to the statement's broad resources (every resource of a type, see
/// [`is_broad_resource`]); with `NotResource`, every action.
pub(crate) fn broad_applicability(statement: &Statement) -> Applicability<'_> {
    match statement.resource.as_ref() {
        Some(element) if !element.negated => Applicability::new(
            element
                .items
                .iter()
                .map(|i| i.node.as_str())
                .filter(|r| is_broad_resource(r)),
        ),
        _ => Applicability::new(["*"]),
    }
}

// ---------------------------------------------------------------------------------------------
// Privilege escalation: the paths of `support::privesc`
// ---------------------------------------------------------------------------------------------

/// A statement that grants an action of a privilege-escalation path on every resource.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PathGrant<'p> {
    /// The statement.
    pub statement: &'p Statement,
    /// The `Action` entry that grants the action, or the `NotAction` key.
    pub at: Span,
    /// For `iam:PassRole`: the statement's condition on `iam:PassedToService`, if any.
    passed_to: Option<&'p ConditionKeyValues>,
}

impl PathGrant<'_> {
    /// Whether the role may be passed to one of the services (any, without a condition on
    /// `iam:PassedToService`).
    fn passes_to_any(&self, services: &[String]) -> bool {
        self.passed_to.is_none_or(|kv| {
            kv.values.iter().any(|v| {
                let value = v.node.as_text();
                services.iter().any(|s| glob_ci(value.trim(), s))
            })
        })
    }
}

/// A path whose every action some statement grants, and no `Deny` takes away.
#[derive(Debug)]
pub(crate) struct OpenPath<'p> {
    /// The path.
    pub path: &'static Path,
    /// Each of its actions (display name) with the first statement that grants it.
    pub grants: Vec<(&'static str, PathGrant<'p>)>,
}

/// What the statements of a policy grant of the actions of the privilege-escalation paths.
#[derive(Debug)]
pub(crate) struct EscalationGrants<'p> {
    granted: Vec<Vec<PathGrant<'p>>>,
    denied: Vec<bool>,
}

impl<'p> EscalationGrants<'p> {
    /// No grants yet.
    pub(crate) fn new() -> Self {
        let n = privesc::paths().list.iter().count();
        EscalationGrants {
            granted: vec![Vec::new(); n],
            denied: vec![false; n],
        }
    }

    /// Adds what one statement grants or takes away. An `Allow` grants an action of a path
    /// when it grants it (by name, wildcard or `NotAction`) on every resource of a type the
    /// action applies to, with no condition that narrows the resources. A condition on
    /// `iam:PassedToService` narrows where a role goes, not which role: it keeps
    /// `iam:PassRole` in (for the paths of those services only) and every other action of
    /// the statement out (their requests lack the key). A `Deny` without conditions on `*`
    /// takes its actions away.
    pub(crate) fn add(&mut self, statement: &'p Statement, facts: &Facts) {
        let paths = privesc::paths();
        let list = &paths.list;
        let Some(element) = statement.action.as_ref() else {
            return;
        };
        if is_allow(statement) {
            if facts.broad(statement).is_none()
                || pinning_condition(statement, Fixed::Narrow, |k| {
                    k != "iam:passedtoservice" && is_resource_scoping_key(k)
                })
                .is_some()
            {
                return;
            }
            let passed_to =
                pinning_condition_present(statement, Fixed::Narrow, |k| k == "iam:passedtoservice");
            let covered = list.covered(facts, element.negated);
            if covered.is_empty() {
                return;
            }
            let mut applicability = broad_applicability(statement);
            for i in covered {
                if passed_to.is_some() && Some(i) != paths.pass_role {
                    continue;
                }
                let Some(action) = list.get(i).and_then(|e| action_by_id(e.id)) else {
                    continue;
                };
                if !applicability.applies(&action) {
                    continue;
                }
                if let Some(slot) = self.granted.get_mut(i) {
                    slot.push(PathGrant {
                        statement,
                        at: grant_span(statement, list, i),
                        passed_to,
                    });
                }
            }
        } else if statement.effect().is_some()
            && statement.conditions().is_empty()
            && star_resource(statement).is_some()
        {
            for i in list.covered(facts, element.negated) {
                if let Some(d) = self.denied.get_mut(i) {
                    *d = true;
                }
            }
        }
    }

    /// The paths whose every action is granted and not denied, most direct first.
    pub(crate) fn open_paths(&self) -> Vec<OpenPath<'p>> {
        let paths = privesc::paths();
        let mut out = Vec::new();
        'paths: for (path, ids) in paths.paths.iter().zip(&paths.actions) {
            let mut grants = Vec::with_capacity(ids.len());
            for &i in ids {
                if self.denied.get(i).copied().unwrap_or(true) {
                    continue 'paths;
                }
                let is_pass_role = Some(i) == paths.pass_role;
                let found = self.granted.get(i).and_then(|gs| {
                    gs.iter()
                        .find(|g| !is_pass_role || g.passes_to_any(&path.passed_to))
                });
                let (Some(g), Some(entry)) = (found, paths.list.get(i)) else {
                    continue 'paths;
                };
                grants.push((entry.display.as_str(), *g));
            }
            out.push(OpenPath { path, grants });
        }
        out
    }
}

/// Where the statement grants entry `i` of the list: the first `Action` entry that matches
/// it, or the `NotAction` key.
fn grant_span(statement: &Statement, list: &ActionList, i: usize) -> Span {
    let Some(element) = &statement.action else {
        return statement.span;
    };
    if element.negated {
        return element.key_span;
    }
    list.get(i)
        .and_then(|e| {
            element
                .items
                .iter()
                .find(|item| action_pattern_matches(&item.node, &e.service, &e.name))
        })
        .map_or(element.span, |item| item.span)
}

/// What a statement that allows every action (or every action but a few) leads to, as the
/// other security rules would report it: the privilege-escalation paths it opens by itself
/// (identity policies) and the sensitive actions it grants on every resource. One phrase
/// per consequence: `credentials exposure (`iam:CreateAccessKey` and 40 more)`.
pub(crate) fn consequences(statement: &Statement, facts: &Facts, kind: PolicyKind) -> Vec<String> {
    let mut out = Vec::new();
    if kind == PolicyKind::Identity {
        let mut grants = EscalationGrants::new();
        grants.add(statement, facts);
        let open = grants.open_paths();
        if !open.is_empty() {
            let ids: Vec<&str> = open.iter().map(|p| p.path.id.as_str()).collect();
            out.push(format!(
                "privilege escalation ({} of pathfinding.cloud's paths: {})",
                ids.len(),
                list_names(&ids, 3)
            ));
        }
    }
    for category in Sensitivity::ALL {
        let list = category.list();
        if let Some(grant) = unrestricted_grant(facts, statement, kind, list) {
            let names = names_of(list, &grant.granted);
            out.push(format!("{} ({})", category.title(), list_names(&names, 2)));
        }
    }
    out
}

/// The check of the sensitive-action rules (`credentials-exposure`, `data-exfiltration`,
/// `permissions-management-on-wildcard`, `defense-evasion`): reports the actions of
/// `category` that the statement grants on every resource (see [`unrestricted_grant`]),
/// unless another rule tells the statement's whole story (see [`is_told_whole`]).
pub(crate) fn check_sensitive(
    meta: &'static RuleMeta,
    category: Sensitivity,
    statement: &Statement,
    ctx: &mut LintContext<'_>,
    help: &str,
) {
    if is_told_whole(statement, ctx) {
        return;
    }
    let list = category.list();
    let Some(grant) = unrestricted_grant(&ctx.facts(statement), statement, ctx.kind(), list) else {
        return;
    };
    let names = names_of(list, &grant.granted);
    ctx.report(
        meta,
        grant.at,
        format!(
            "grants {} on every resource: {}{}",
            list_names(&names, 3),
            if names.len() == 1 { "one of the " } else { "" },
            category.what()
        ),
    )
    .help(help)
    .related(grant.resource, "every resource");
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

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
/// networks, which makes a wildcard principal non-public: the keys of
/// `policy_core::analysis::public::PINNING_KEYS` (SEMANTICS E14, plus the keys that do the
/// same for one service: `kms:CallerAccount`, `aws:SourceOwner`, `s3:DataAccessPointAccount`,
/// `s3:DataAccessPointArn`), the one list `iampol check no-public-access` reads too.
pub(crate) fn is_public_pinning_key(key: &str) -> bool {
    policy_core::analysis::public::pinning_key(key).is_some()
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

/// Whether the statement requires `"Bool": {"aws:PrincipalIsAWSService": "true"}` (no
/// `IfExists`, no set qualifier): only AWS service principals then match.
pub(crate) fn is_service_caller_pin(statement: &Statement) -> bool {
    requires_bool_true(statement, "aws:PrincipalIsAWSService")
}

/// Whether the statement requires the Boolean `key` to be `true`: a `Bool` entry with no
/// `IfExists` and no set qualifier whose every value is `true`.
pub(crate) fn requires_bool_true(statement: &Statement, key: &str) -> bool {
    statement.conditions().iter().any(|entry| {
        let op = entry.operator.node;
        op.base == OperatorBase::Bool
            && op.qualifier.is_none()
            && !op.if_exists
            && entry.keys.iter().any(|kv| {
                kv.key.node.eq_ignore_ascii_case(key)
                    && !kv.values.is_empty()
                    && kv
                        .values
                        .iter()
                        .all(|v| v.node.as_text().eq_ignore_ascii_case("true"))
            })
    })
}

/// A `Deny` of `policy` that refuses, for every action and resource `allow` grants, each
/// caller not pinned by an account, organization or network key (see the rule's doc).
pub(crate) fn confining_deny<'p>(policy: &'p Policy, allow: &Statement) -> Option<&'p Statement> {
    let allow_actions = allow.action.as_ref().filter(|a| !a.negated)?;
    let allow_resources: Vec<&str> = match &allow.resource {
        Some(r) if r.negated => return None,
        Some(r) => r.items.iter().map(|i| i.node.as_str()).collect(),
        // A trust policy's statements have no `Resource`: the role itself.
        None => Vec::new(),
    };
    policy.statements.iter().find(|deny| {
        deny.effect() == Some(Effect::Deny)
            && deny.principal.as_ref().is_some_and(|p| !p.negated)
            && wildcard_principal(deny).is_some()
            && deny.action.as_ref().is_some_and(|a| {
                !a.negated
                    && allow_actions
                        .items
                        .iter()
                        .all(|want| a.items.iter().any(|have| covers(&have.node, &want.node)))
            })
            && match &deny.resource {
                Some(r) => {
                    !r.negated
                        && allow_resources
                            .iter()
                            .all(|want| r.items.iter().any(|have| covers(&have.node, want)))
                }
                None => allow.resource.is_none(),
            }
            && denies_unpinned_callers(deny)
    })
}

/// Whether every value the pattern `want` matches is matched by the pattern `have` (IAM
/// wildcards, case-insensitive as action names are). Sound when `have` has no `?`: each `*`
/// of `want` is then matched by a `*` of `have`, which matches whatever it stands for.
fn covers(have: &str, want: &str) -> bool {
    if have == "*" {
        return true;
    }
    if want.contains(['*', '?']) && have.contains('?') {
        return false;
    }
    glob_ci(have, want)
}

/// Whether a `Deny`'s conditions hold for every caller the pinning keys do not name: at
/// least one entry, each a negated operator with no set qualifier, each key a pinning key
/// with pinning values.
fn denies_unpinned_callers(deny: &Statement) -> bool {
    let entries = deny.conditions();
    !entries.is_empty()
        && entries.iter().all(|entry| {
            let op = entry.operator.node;
            op.is_negated()
                && op.qualifier.is_none()
                && !entry.keys.is_empty()
                && entry.keys.iter().all(|kv| {
                    let key = kv.key.node.to_ascii_lowercase();
                    is_public_pinning_key(&key)
                        && !kv.values.is_empty()
                        && kv.values.iter().all(|v| {
                            value_pins(&key, positive(op.base), &v.node.as_text(), Fixed::Strict)
                        })
                })
        })
}

/// The positive operator of a negated one, for reading its values' wildcards.
fn positive(base: OperatorBase) -> OperatorBase {
    match base {
        OperatorBase::StringNotEquals => OperatorBase::StringEquals,
        OperatorBase::StringNotEqualsIgnoreCase => OperatorBase::StringEqualsIgnoreCase,
        OperatorBase::StringNotLike => OperatorBase::StringLike,
        OperatorBase::NotIpAddress => OperatorBase::IpAddress,
        OperatorBase::ArnNotEquals => OperatorBase::ArnEquals,
        OperatorBase::ArnNotLike => OperatorBase::ArnLike,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::expand_ids;
    use policy_core::service_ref::ServiceRef;

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
