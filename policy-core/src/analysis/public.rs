//! `no_public_access`: whether a resource policy (or a role trust policy) allows some request
//! by a caller outside the owner's control (issue 12; IAM Access Analyzer's
//! `CheckNoPublicAccess`), decided exactly by reduction to [`no_new_access`].
//!
//! "Public" is the meaning S3 Block Public Access and Access Analyzer give it (SEMANTICS E14;
//! S3 User Guide, "Blocking public access to your Amazon S3 storage", "The meaning of
//! 'public'"): some principal of an account the policy does not name, or an anonymous caller,
//! is allowed some action. A wildcard principal (`"*"`, `{"AWS": "*"}`) is pinned, and so not
//! public, by a condition that fixes one of the [`PINNING_KEYS`] to values the policy names.
//!
//! The decision, for each of two callers: a role of a fresh account (one no part of the policy
//! names), and an anonymous caller.
//!
//! 1. Keep the statements whose principal element matches the caller, as the evaluator matches
//!    it (`"*"`, `{"AWS": "*"}`, or a `NotPrincipal` that does not list it), without their
//!    principal; drop the others (an `Allow` for a named account is not public, a `Deny` for
//!    other principals does not apply).
//! 2. Each pinning key must take a value the policy does not name: a `Deny` over the values
//!    it writes for the key (a literal value, or a pattern confined to a literal account or
//!    organization; a wildcard such as `o-*` or `arn:aws:iam::*:role/x` names no one). The
//!    keys AWS derives from the caller take the caller's values.
//! 3. The policy is public when the result allows some request ([`no_new_access`] against
//!    the empty policy). The request is checked with the evaluator on the original policy,
//!    for that caller, before it is reported.
//!
//! Service principals are not public callers: a service acts for the account that configures
//! it (Access Analyzer reports accounts, organizations and anonymous callers as public, not
//! service principals). An Amazon Cognito `Federated` principal is a third caller, pinned by
//! `cognito-identity.amazonaws.com:aud`; other `Federated` principals (web identity and SAML
//! providers) are not decided yet: an `Allow` naming one answers `Unknown`.

use std::sync::Arc;

use super::compare::{no_new_access, Counterexample, Verdict};
use crate::ast::{
    ConditionBlock, ConditionEntry, ConditionKeyValues, ConditionOperator, Effect, Node,
    OperatorBase, OperatorFamily, Policy, PolicyKind, PrincipalKind, Statement,
};
use crate::eval::condition::Condition;
use crate::eval::{compile, Decision, PolicySet};
use crate::parse::parse_policy;
use crate::request::{Context, PrincipalKind as CallerKind, Request, RequestPrincipal};
use crate::service_ref::ServiceRef;
use crate::source::Span;

/// How a pinning key's values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinKind {
    /// An identifier compared as text (account id, organization id, VPC or endpoint id).
    Text,
    /// An ARN (`ArnLike`): a pattern with a literal account names that account.
    Arn,
    /// An organization path (`o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/`): a pattern whose
    /// organization is literal names that organization.
    OrgPath,
    /// An IP range: a range of `/8` or narrower (`/32` for IPv6) names known networks.
    Ip,
}

/// A condition key that pins a wildcard principal to callers the policy names.
#[derive(Debug, Clone, Copy)]
pub struct PinningKey {
    /// The key, lower-cased.
    pub name: &'static str,
    /// How its values are read.
    pub kind: PinKind,
    /// Where the key's meaning is documented.
    pub source: &'static str,
}

/// S3 Block Public Access's list of the keys whose fixed values make a policy non-public.
const S3_BPA: &str =
    "S3 User Guide, \"Blocking public access to your Amazon S3 storage\", \"The meaning of 'public'\" (SEMANTICS E14)";
/// The global condition keys page.
const GLOBAL_KEYS: &str = "IAM User Guide, \"AWS global condition context keys\"";

/// The keys that pin the caller (or the path of its request) to accounts, organizations or
/// networks: the list of S3 Block Public Access, their newer relatives of the global keys
/// page, and the service keys that do the same for one service. Read by `iampol check
/// no-public-access` and by the lint rule `resource-policy-public`.
pub const PINNING_KEYS: &[PinningKey] = &[
    key("aws:principalorgid", PinKind::Text, S3_BPA),
    key("aws:principalorgpaths", PinKind::OrgPath, GLOBAL_KEYS),
    key("aws:principalaccount", PinKind::Text, S3_BPA),
    key("aws:principalarn", PinKind::Arn, S3_BPA),
    key("aws:userid", PinKind::Text, S3_BPA),
    key("aws:sourcevpce", PinKind::Text, S3_BPA),
    key("aws:sourcevpc", PinKind::Text, S3_BPA),
    key("aws:sourcevpcarn", PinKind::Arn, GLOBAL_KEYS),
    key("aws:sourcearn", PinKind::Arn, S3_BPA),
    key("aws:sourceaccount", PinKind::Text, S3_BPA),
    key(
        "aws:sourceowner",
        PinKind::Text,
        "SNS Developer Guide, \"Example cases for Amazon SNS access control\" (`aws:SourceOwner`)",
    ),
    key("aws:sourceorgid", PinKind::Text, GLOBAL_KEYS),
    key("aws:sourceorgpaths", PinKind::OrgPath, GLOBAL_KEYS),
    key("aws:vpceaccount", PinKind::Text, S3_BPA),
    key("aws:vpceorgid", PinKind::Text, S3_BPA),
    key("aws:vpceorgpaths", PinKind::OrgPath, GLOBAL_KEYS),
    key("aws:sourceip", PinKind::Ip, S3_BPA),
    key(
        "kms:calleraccount",
        PinKind::Text,
        "KMS Developer Guide, \"kms:CallerAccount\"",
    ),
    key(
        "s3:dataaccesspointaccount",
        PinKind::Text,
        "S3 User Guide, \"Delegating access control to access points\"",
    ),
    key(
        "s3:dataaccesspointarn",
        PinKind::Arn,
        "S3 User Guide, \"Delegating access control to access points\"",
    ),
];

const fn key(name: &'static str, kind: PinKind, source: &'static str) -> PinningKey {
    PinningKey { name, kind, source }
}

/// The pinning key named `key` (any case).
pub fn pinning_key(key: &str) -> Option<&'static PinningKey> {
    PINNING_KEYS
        .iter()
        .find(|k| k.name.eq_ignore_ascii_case(key))
}

/// The resource types `CheckNoPublicAccess` accepts (IAM Access Analyzer API reference,
/// `CheckNoPublicAccess`, `resourceType`: "Valid Values"). `AWS::IAM::AssumeRolePolicyDocument`
/// is a role trust policy; the others are resource policies.
pub const RESOURCE_TYPES: &[&str] = &[
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::Stream",
    "AWS::EFS::FileSystem",
    "AWS::OpenSearchService::Domain",
    "AWS::Kinesis::Stream",
    "AWS::Kinesis::StreamConsumer",
    "AWS::KMS::Key",
    "AWS::Lambda::Function",
    "AWS::S3::Bucket",
    "AWS::S3::AccessPoint",
    "AWS::S3Express::DirectoryBucket",
    "AWS::S3::Glacier",
    "AWS::S3Outposts::Bucket",
    "AWS::S3Outposts::AccessPoint",
    "AWS::SecretsManager::Secret",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::IAM::AssumeRolePolicyDocument",
    "AWS::S3Tables::TableBucket",
    "AWS::ApiGateway::RestApi",
    "AWS::CodeArtifact::Domain",
    "AWS::Backup::BackupVault",
    "AWS::CloudTrail::Dashboard",
    "AWS::CloudTrail::EventDataStore",
    "AWS::S3Tables::Table",
    "AWS::S3Express::AccessPoint",
];

/// The policy kind a resource type's policy is read as: a role trust policy for
/// `AWS::IAM::AssumeRolePolicyDocument`, a resource policy for the others; `None` for a type
/// `CheckNoPublicAccess` does not accept.
pub fn kind_of(resource_type: &str) -> Option<PolicyKind> {
    let known = RESOURCE_TYPES.iter().find(|t| **t == resource_type)?;
    Some(if *known == "AWS::IAM::AssumeRolePolicyDocument" {
        PolicyKind::Trust
    } else {
        PolicyKind::Resource
    })
}

/// The role the fresh caller assumes.
const FRESH_ROLE: &str = "iampol-outside-caller";
/// Accounts the fresh caller and the owner may use; the first two the policy does not name.
const SPARE_ACCOUNTS: [&str; 6] = [
    "999988887777",
    "888877776666",
    "777766665555",
    "666655554444",
    "555544443333",
    "444433332222",
];

/// Whether a resource policy (or role trust policy) allows some request by a caller outside
/// the owner's control. `Fail` carries the request and the caller (`principal`: a role of an
/// account the policy does not name, or `anonymous`), checked with the evaluator on `policy`.
pub fn no_public_access(policy: &Policy) -> Verdict {
    if let Some(why) = undecided_principal(policy) {
        return Verdict::Unknown(why);
    }
    let Some((fresh, owner)) = spare_accounts(policy) else {
        return Verdict::Unknown("the policy names every spare account of the check".into());
    };
    let outside = match RequestPrincipal::parse(&format!("arn:aws:iam::{fresh}:role/{FRESH_ROLE}"))
    {
        Ok(p) => p,
        Err(e) => return Verdict::Unknown(e.to_string()),
    };
    let anonymous = match RequestPrincipal::parse("anonymous") {
        Ok(p) => p,
        Err(e) => return Verdict::Unknown(e.to_string()),
    };
    let named = named_principals(policy);
    let mut unknown: Option<String> = None;
    let mut callers = vec![outside, anonymous];
    if names_cognito(policy) {
        match RequestPrincipal::parse(&format!("federated:{COGNITO}")) {
            Ok(p) => callers.push(p),
            Err(e) => return Verdict::Unknown(e.to_string()),
        }
    }
    for caller in callers {
        let mut rules = derived_rules(&caller, &named, Some(policy));
        if caller.kind == CallerKind::WebIdentity {
            // An identity of any identity pool, unless the pool (`aud`) is fixed.
            let aud = PinningKey {
                name: COGNITO_AUD,
                kind: PinKind::Text,
                source: COGNITO_SOURCE,
            };
            rules.push((
                COGNITO_AUD.to_string(),
                KeyRule::Outside {
                    kind: PinKind::Text,
                    patterns: owned_values(policy, &aud),
                    present: false,
                },
            ));
        }
        for pin in PINNING_KEYS {
            if !rules.iter().any(|(k, _)| k == pin.name) {
                rules.push((
                    pin.name.to_string(),
                    KeyRule::Outside {
                        kind: pin.kind,
                        patterns: owned_values(policy, pin),
                        present: false,
                    },
                ));
            }
        }
        match decide(policy, &caller, &rules, &[], &owner) {
            Verdict::Pass => {}
            Verdict::Unknown(why) => {
                unknown.get_or_insert(why);
            }
            fail @ Verdict::Fail(_) => return fail,
        }
    }
    unknown.map_or(Verdict::Pass, Verdict::Unknown)
}

/// Amazon Cognito identity pools as a `Federated` principal: any identity pool of any account
/// unless `cognito-identity.amazonaws.com:aud` names the pool (IAM UG, "Available keys for AWS
/// web identity federation"; Access Analyzer reports such a role trust policy with a fixed
/// `aud` as not public, `isPublic: false`, in its `ListFindings` example).
const COGNITO: &str = "cognito-identity.amazonaws.com";
const COGNITO_AUD: &str = "cognito-identity.amazonaws.com:aud";
const COGNITO_SOURCE: &str =
    "IAM UG, \"Available keys for AWS web identity federation\"; Access Analyzer `ListFindings` example";

/// Whether an `Allow` names Amazon Cognito as its `Federated` principal.
fn names_cognito(policy: &Policy) -> bool {
    policy.statements.iter().any(|s| {
        s.principal.as_ref().is_some_and(|p| {
            !p.negated
                && p.value.entries().iter().any(|e| {
                    e.kind.node == PrincipalKind::Federated
                        && e.values.iter().any(|v| v.node == COGNITO)
                })
        })
    })
}

/// The first `Allow` whose principal the model does not decide: a `Federated` provider other
/// than Amazon Cognito.
fn undecided_principal(policy: &Policy) -> Option<String> {
    policy
        .statements
        .iter()
        .filter(|s| s.effect() == Some(Effect::Allow))
        .find_map(|s| {
            let element = s.principal.as_ref().filter(|p| !p.negated)?;
            let value = element
                .value
                .entries()
                .iter()
                .filter(|e| e.kind.node == PrincipalKind::Federated)
                .flat_map(|e| e.values.iter())
                .map(|v| v.node.as_str())
                .find(|v| *v != COGNITO)?;
            Some(format!(
                "statement {}: who the `Federated` provider `{value}` admits is not decided yet",
                s.index
            ))
        })
}

/// What the reduction fixes for one context key (lower-cased).
#[derive(Debug, Clone)]
pub(crate) enum KeyRule {
    /// The key has the value AWS derives from the caller, or is absent when it derives none.
    Fixed,
    /// The key takes no value matching these patterns (read by `kind`); `present`: it has a
    /// value.
    Outside {
        kind: PinKind,
        patterns: Vec<String>,
        present: bool,
    },
}

/// The keys AWS derives from a caller (`RequestPrincipal::derived`).
const DERIVED: [&str; 7] = [
    "aws:principaltype",
    "aws:principalisawsservice",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:username",
    "aws:userid",
    "aws:principalservicename",
];

/// The accounts and ARNs principal elements name.
#[derive(Debug, Default)]
pub(crate) struct Named {
    accounts: Vec<String>,
    arns: Vec<String>,
}

/// Every `AWS` value of every `Principal` and `NotPrincipal`.
pub(crate) fn named_principals(policy: &Policy) -> Named {
    let mut named = Named::default();
    for s in &policy.statements {
        let Some(element) = &s.principal else {
            continue;
        };
        for entry in element.value.entries() {
            if entry.kind.node != PrincipalKind::Aws {
                continue;
            }
            for v in &entry.values {
                let v = v.node.as_str();
                if v == "*" {
                    continue;
                }
                if v.starts_with("arn:") {
                    named.arns.push(v.to_string());
                    if let Some(account) = v.split(':').nth(4).filter(|a| is_account(a)) {
                        named.accounts.push(account.to_string());
                    }
                } else {
                    named.accounts.push(v.to_string());
                }
            }
        }
    }
    named.accounts.sort();
    named.accounts.dedup();
    named
}

/// The rules for the keys AWS derives from `caller`: its own values, except that a caller
/// standing for every unnamed principal (`outside`, a role of a fresh account) takes any
/// account and ARN the principal elements (and, for the public check, its conditions) do not
/// name.
pub(crate) fn derived_rules(
    caller: &RequestPrincipal,
    named: &Named,
    pins_of: Option<&Policy>,
) -> Vec<(String, KeyRule)> {
    let stands_for_others = caller.kind == CallerKind::Role && caller.name == FRESH_ROLE;
    DERIVED
        .iter()
        .map(|k| {
            let key = (*k).to_string();
            if stands_for_others && *k == "aws:principalaccount" {
                let mut patterns = named.accounts.clone();
                if let Some(pin) = pins_of.and_then(|p| pinning_key(k).map(|pin| (p, pin))) {
                    patterns.extend(owned_values(pin.0, pin.1));
                }
                return (
                    key,
                    KeyRule::Outside {
                        kind: PinKind::Text,
                        patterns,
                        present: true,
                    },
                );
            }
            if stands_for_others && *k == "aws:principalarn" {
                let mut patterns: Vec<String> = named.arns.clone();
                patterns.extend(named.accounts.iter().map(|a| format!("arn:*:*:*:{a}:*")));
                if let Some(pin) = pins_of.and_then(|p| pinning_key(k).map(|pin| (p, pin))) {
                    patterns.extend(owned_values(pin.0, pin.1));
                }
                return (
                    key,
                    KeyRule::Outside {
                        kind: PinKind::Arn,
                        patterns,
                        present: true,
                    },
                );
            }
            if stands_for_others && *k == "aws:userid" {
                let patterns = pins_of
                    .and_then(|p| pinning_key(k).map(|pin| owned_values(p, pin)))
                    .unwrap_or_default();
                return (
                    key,
                    KeyRule::Outside {
                        kind: PinKind::Text,
                        patterns,
                        present: false,
                    },
                );
            }
            (key, KeyRule::Fixed)
        })
        .collect()
}

/// The values `policy` writes for a pinning key that name accounts, organizations or
/// networks, as patterns of the key's kind: literal values, ARN patterns with a literal
/// account (every ARN of that account), organization paths with a literal organization, and
/// IP ranges of `/8` or narrower (`/32` for IPv6).
pub(crate) fn owned_values(policy: &Policy, pin: &PinningKey) -> Vec<String> {
    let mut out = Vec::new();
    for s in &policy.statements {
        for entry in s.conditions() {
            for kv in &entry.keys {
                if !kv.key.node.eq_ignore_ascii_case(pin.name) {
                    continue;
                }
                for v in &kv.values {
                    if let Some(owned) = owned_value(pin.kind, &v.node.as_text()) {
                        out.push(owned);
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn owned_value(kind: PinKind, value: &str) -> Option<String> {
    let wild = value.contains(['*', '?']);
    match kind {
        PinKind::Ip => ip_is_narrow(value).then(|| value.to_string()),
        _ if !wild => Some(value.to_string()),
        PinKind::Arn => {
            let account = value.split(':').nth(4)?;
            is_account(account).then(|| format!("arn:*:*:*:{account}:*"))
        }
        PinKind::OrgPath => {
            let org = value.split('/').next()?;
            (org.starts_with("o-") && !org.contains(['*', '?'])).then(|| format!("{org}/*"))
        }
        PinKind::Text => None,
    }
}

/// Whether an IP range names known networks: `/8` or narrower for IPv4 (not `0.0.0.0/8`),
/// `/32` or narrower for IPv6; a bare address is one host (the threshold of S3 Block Public
/// Access; the lint rules read it from here).
pub fn ip_is_narrow(value: &str) -> bool {
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

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// A fresh account for the outside caller and one for the owner: accounts no value of the
/// policy contains.
fn spare_accounts(policy: &Policy) -> Option<(String, String)> {
    let mut texts: Vec<String> = Vec::new();
    for s in &policy.statements {
        if let Some(p) = &s.principal {
            texts.extend(
                p.value
                    .entries()
                    .iter()
                    .flat_map(|e| e.values.iter().map(|v| v.node.clone())),
            );
        }
        texts.extend(s.resources().iter().map(|r| r.node.clone()));
        for entry in s.conditions() {
            for kv in &entry.keys {
                texts.extend(kv.values.iter().map(|v| v.node.as_text().into_owned()));
            }
        }
    }
    let mut free = SPARE_ACCOUNTS
        .iter()
        .filter(|a| !texts.iter().any(|t| t.contains(*a)));
    let fresh = free.next()?;
    let owner = free.next()?;
    Some(((*fresh).to_string(), (*owner).to_string()))
}

/// Reduces `policy` for `caller` under `rules` (plus `extra` statements, as JSON objects),
/// asks whether it allows anything, and checks a counterexample on `policy` with the
/// evaluator.
pub(crate) fn decide(
    policy: &Policy,
    caller: &RequestPrincipal,
    rules: &[(String, KeyRule)],
    extra: &[serde_json::Value],
    owner: &str,
) -> Verdict {
    let reduced = match reduce(policy, caller, rules, extra) {
        Ok(p) => p,
        Err(why) => return Verdict::Unknown(why),
    };
    match no_new_access(&empty_policy(), &reduced) {
        Verdict::Fail(mut example) => {
            example.principal.clone_from(&caller.arn);
            if let Some(why) = several_values(&example) {
                return Verdict::Unknown(why);
            }
            // `Resource: "*"` makes the empty string the shortest resource: `*` reads better,
            // when the evaluator agrees.
            if example.resource.is_empty() {
                let mut star = example.clone();
                star.resource = "*".to_string();
                if confirm(policy, caller, &star, owner).is_ok() {
                    example = star;
                }
            }
            match confirm(policy, caller, &example, owner) {
                Ok(()) => Verdict::Fail(example),
                Err(why) => Verdict::Unknown(why),
            }
        }
        other => other,
    }
}

/// A policy with no statement: it allows nothing.
pub(crate) fn empty_policy() -> Policy {
    Policy {
        kind: PolicyKind::Identity,
        version: None,
        version_key: None,
        id: None,
        statements: Vec::new(),
        span: Span::default(),
    }
}

/// A request can give a single-valued key only one value: a counterexample that gives one
/// several is not a request AWS sees.
fn several_values(example: &Counterexample) -> Option<String> {
    example.context.iter().find_map(|(key, values)| {
        (values.len() > 1 && is_single_valued(key)).then(|| {
            format!("the only request found gives the single-valued key `{key}` several values")
        })
    })
}

/// Whether the reference knows the key and says it holds one value.
fn is_single_valued(key: &str) -> bool {
    ServiceRef::get()
        .condition_key(key)
        .is_some_and(|k| !k.is_multivalued())
}

/// The policy as an identity policy of `caller`: the statements whose principal matches it,
/// without their principal; `Deny` conditions on single-valued keys read as a request can
/// give them (one value or none); and the rules as `Deny` statements.
fn reduce(
    policy: &Policy,
    caller: &RequestPrincipal,
    rules: &[(String, KeyRule)],
    extra: &[serde_json::Value],
) -> Result<Policy, String> {
    let compiled = compile(policy, "policy", 0);
    let mut statements: Vec<Statement> = Vec::new();
    for s in &policy.statements {
        let applies = if policy.kind.takes_principal() {
            compiled
                .statements
                .iter()
                .find(|c| c.position().0 == s.index)
                .is_some_and(|c| c.match_principal(caller).is_some())
        } else {
            true
        };
        if !applies {
            continue;
        }
        let mut kept = s.clone();
        kept.principal = None;
        let Some(kept) = fix_keys(kept, caller, rules, policy.has_variables())? else {
            // A condition on a key the caller fixes is false: the statement never matches.
            continue;
        };
        statements.push(kept);
    }
    let mut added: Vec<serde_json::Value> = extra.to_vec();
    // A key no condition of the policy tests needs no rule: the caller's own value (or
    // none) decides nothing.
    let mentioned = |key: &str| {
        policy.statements.iter().any(|s| {
            s.conditions().iter().any(|e| {
                e.keys
                    .iter()
                    .any(|kv| kv.key.node.eq_ignore_ascii_case(key))
            })
        })
    };
    for (key, rule) in rules {
        if mentioned(key) {
            added.extend(rule_statements(key, rule));
        }
    }
    let next = policy
        .statements
        .iter()
        .map(|s| s.index + 1)
        .max()
        .unwrap_or(0);
    if !added.is_empty() {
        let text = serde_json::json!({"Version": "2012-10-17", "Statement": added}).to_string();
        let parsed = parse_policy(&text, Some(PolicyKind::Identity));
        let Some(rules_policy) = parsed.policy.filter(|_| parsed.errors.is_empty()) else {
            return Err("the check's own statements did not parse; this is a bug".into());
        };
        for (i, mut s) in rules_policy.statements.into_iter().enumerate() {
            s.index = next + i;
            s.sid = None;
            statements.push(s);
        }
    }
    guard_single_values(&mut statements);
    Ok(Policy {
        kind: PolicyKind::Identity,
        statements,
        ..policy.clone()
    })
}

/// The `Deny` statements that hold a key to its rule.
fn rule_statements(key: &str, rule: &KeyRule) -> Vec<serde_json::Value> {
    let deny = |condition: serde_json::Value| serde_json::json!({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition});
    match rule {
        // Decided in the statements themselves (`fix_keys`).
        KeyRule::Fixed => Vec::new(),
        KeyRule::Outside {
            kind,
            patterns,
            present,
        } => {
            let mut out = Vec::new();
            if *present {
                out.push(deny(serde_json::json!({"Null": {key: "true"}})));
            }
            if !patterns.is_empty() {
                let condition = match kind {
                    PinKind::Ip => serde_json::json!({"IpAddress": {key: patterns}}),
                    PinKind::Arn => serde_json::json!({"ForAnyValue:ArnLike": {key: patterns}}),
                    PinKind::Text | PinKind::OrgPath => {
                        serde_json::json!({"ForAnyValue:StringLike": {key: patterns}})
                    }
                };
                out.push(deny(condition));
            }
            out
        }
    }
}

/// The statement with its conditions on the keys the caller fixes decided, by the
/// evaluator, for a request of `caller` (the key's value is the one AWS derives from it):
/// a true condition is dropped; `Ok(None)` when one is false.
fn fix_keys(
    mut statement: Statement,
    caller: &RequestPrincipal,
    rules: &[(String, KeyRule)],
    variables: bool,
) -> Result<Option<Statement>, String> {
    let fixed = |key: &str| {
        rules
            .iter()
            .any(|(k, r)| matches!(r, KeyRule::Fixed) && k.eq_ignore_ascii_case(key))
    };
    let Some(block) = &mut statement.condition else {
        return Ok(Some(statement));
    };
    let request = Request::new(
        Arc::new(caller.clone()),
        "iampol:check",
        "*",
        None,
        Context::new(),
    );
    let mut buf = Vec::new();
    for entry in &mut block.entries {
        let mut keep = Vec::with_capacity(entry.keys.len());
        for kv in std::mem::take(&mut entry.keys) {
            if !fixed(&kv.key.node) {
                keep.push(kv);
                continue;
            }
            if variables && kv.values.iter().any(|v| v.node.as_text().contains("${")) {
                return Err(format!(
                    "statement {}: a policy variable in the values of `{}` is not decided yet",
                    statement.index, kv.key.node
                ));
            }
            let single = ConditionEntry {
                operator: entry.operator,
                keys: vec![kv],
            };
            let holds = Condition::compile(&single, false).iter().all(|c| {
                let mut missing = false;
                c.holds(&request, &mut buf, &mut missing)
            });
            if !holds {
                return Ok(None);
            }
        }
        entry.keys = keep;
    }
    block.entries.retain(|e| !e.keys.is_empty());
    if block.entries.is_empty() {
        statement.condition = None;
    }
    Ok(Some(statement))
}

/// Adds to every `Allow` a condition that holds for every request giving each single-valued
/// key the statements test one value or none, and fails for a request giving one several
/// values: `StringLikeIfExists` `*` (`IpAddressIfExists` every address, for a key tested by
/// IP operators). AWS never sends a single-valued key several values; the decision procedure
/// considers such requests, and without a set operator every condition is false for them,
/// so that one could escape a `Deny` (a `NotIpAddress` or `StringNotEquals` on
/// `aws:SourceVpce`, say). Requests AWS sends are decided as before. Keys tested by Numeric
/// or Date operators are left as they are (a counterexample giving one several values
/// answers `Unknown`).
fn guard_single_values(statements: &mut [Statement]) {
    // Each key (lower-cased), as written first, and whether an IP operator tests it; `None`
    // when a Numeric or Date operator does.
    let mut keys: Vec<(String, String, Option<bool>)> = Vec::new();
    for s in statements.iter() {
        for entry in s.conditions() {
            let family = entry.operator.node.base.family();
            for kv in &entry.keys {
                let lower = kv.key.node.to_ascii_lowercase();
                let kind = match family {
                    OperatorFamily::Numeric | OperatorFamily::Date => None,
                    OperatorFamily::Ip => Some(true),
                    _ => Some(false),
                };
                match keys.iter_mut().find(|(k, _, _)| *k == lower) {
                    Some((_, _, have)) => {
                        *have = match (*have, kind) {
                            (None, _) | (_, None) => None,
                            (Some(a), Some(b)) => Some(a || b),
                        };
                    }
                    None if family == OperatorFamily::Null => {
                        keys.push((lower, kv.key.node.clone(), Some(false)));
                    }
                    None => keys.push((lower, kv.key.node.clone(), kind)),
                }
            }
        }
    }
    let guards: Vec<ConditionEntry> = keys
        .into_iter()
        .filter(|(_, written, _)| is_single_valued(written))
        .filter_map(|(_, written, kind)| {
            let (base, values): (OperatorBase, &[&str]) = if kind? {
                (OperatorBase::IpAddress, &["0.0.0.0/0", "::/0"])
            } else {
                (OperatorBase::StringLike, &["*"])
            };
            Some(ConditionEntry {
                operator: Node::new(
                    ConditionOperator {
                        qualifier: None,
                        base,
                        if_exists: true,
                    },
                    Span::default(),
                ),
                keys: vec![ConditionKeyValues {
                    key: Node::new(written, Span::default()),
                    values: values
                        .iter()
                        .map(|v| {
                            Node::new(
                                crate::ast::ConditionValue::String((*v).to_string()),
                                Span::default(),
                            )
                        })
                        .collect(),
                    values_span: Span::default(),
                }],
            })
        })
        .collect();
    if guards.is_empty() {
        return;
    }
    for s in statements
        .iter_mut()
        .filter(|s| s.effect() == Some(Effect::Allow))
    {
        let block = s.condition.get_or_insert_with(|| ConditionBlock {
            entries: Vec::new(),
            span: Span::default(),
        });
        block.entries.extend(guards.iter().cloned());
    }
}

/// Checks a counterexample on the original policy with the evaluator: the caller (from
/// another account than the resource's, which allows itself everything) makes the request
/// with the counterexample's context.
fn confirm(
    policy: &Policy,
    caller: &RequestPrincipal,
    example: &Counterexample,
    owner: &str,
) -> Result<(), String> {
    let mut context = Context::new();
    for (key, values) in &example.context {
        context.insert(key, values.clone());
    }
    let resource = if example.resource == "*" && policy.kind == PolicyKind::Trust {
        format!("arn:aws:iam::{owner}:role/iampol-checked-role")
    } else {
        example.resource.clone()
    };
    let request = Request::new(
        Arc::new(caller.clone()),
        &example.action,
        resource,
        Some(owner.to_string()),
        context,
    );
    let mut set = PolicySet::default();
    if policy.kind.takes_principal() {
        set.resource = Some(compile(policy, "policy", 0));
        if caller.account.is_some() {
            set.identity = vec![compile(&allow_all(), "caller", 1)];
        }
    } else {
        set.identity = vec![compile(policy, "policy", 0)];
    }
    let decision = set.evaluate(&request).decision;
    if decision == Decision::Allowed {
        Ok(())
    } else {
        Err(format!(
            "the counterexample ({} on {} by {}) did not hold when evaluated ({decision:?}); this is a bug",
            example.action, example.resource, caller.arn
        ))
    }
}

/// The caller's own identity policy: it allows itself everything.
fn allow_all() -> Policy {
    let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    parse_policy(text, Some(PolicyKind::Identity))
        .policy
        .unwrap_or_else(empty_policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(kind: PolicyKind, statements: &str) -> Policy {
        let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#);
        let parsed = parse_policy(&text, Some(kind));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        parsed.policy.expect("the test policy parses")
    }

    fn bucket(statements: &str) -> Verdict {
        no_public_access(&policy(PolicyKind::Resource, statements))
    }

    const READ: &str =
        r#""Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*""#;

    fn allow_read(condition: &str) -> String {
        if condition.is_empty() {
            format!(r#"{{"Effect": "Allow", {READ}}}"#)
        } else {
            format!(r#"{{"Effect": "Allow", {READ}, "Condition": {condition}}}"#)
        }
    }

    // S3 UG, bucket policy examples, "Granting read-only permission to a public anonymous
    // user": `"Principal": "*"` with no condition is public.
    #[test]
    fn wildcard_principal_is_public() {
        let Verdict::Fail(c) = bucket(&allow_read("")) else {
            panic!("public")
        };
        assert_eq!(c.action, "s3:GetObject");
        assert!(c.resource.starts_with("arn:aws:s3:::reports/"), "{c:?}");
        assert_eq!(c.allowed_by.0, 0);
        let aws_star = r#"{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111122223333:q"}"#;
        assert!(matches!(bucket(aws_star), Verdict::Fail(_)));
    }

    // SEMANTICS E14 / S3 "The meaning of public": a fixed `aws:PrincipalOrgID`,
    // `aws:SourceVpce`, `aws:SourceAccount`, `aws:PrincipalAccount` or a narrow
    // `aws:SourceIp` makes the statement non-public.
    #[test]
    fn fixed_pinning_values_are_not_public() {
        for condition in [
            r#"{"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#,
            r#"{"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}"#,
            r#"{"StringEquals": {"aws:SourceAccount": "111122223333"}}"#,
            r#"{"StringEquals": {"aws:PrincipalAccount": ["111122223333", "444455556666"]}}"#,
            r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}"#,
            r#"{"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}"#,
        ] {
            assert_eq!(bucket(&allow_read(condition)), Verdict::Pass, "{condition}");
        }
    }

    // Wildcards in the pinning value name no one: `o-*`, a `*` account in an ARN, and a
    // `/0` range.
    #[test]
    fn wildcard_pinning_values_are_public() {
        for condition in [
            r#"{"StringLike": {"aws:PrincipalOrgID": "o-*"}}"#,
            r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy"}}"#,
            r#"{"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}"#,
            r#"{"Bool": {"aws:SecureTransport": "true"}}"#,
        ] {
            assert!(
                matches!(bucket(&allow_read(condition)), Verdict::Fail(_)),
                "{condition}"
            );
        }
    }

    // A statement for a named account is not public (UG, Principal element: "AWS account
    // principals"); a service principal acts for the account that configures it.
    #[test]
    fn named_principals_are_not_public() {
        let account = r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}"#;
        assert_eq!(bucket(account), Verdict::Pass);
        let service = r#"{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/*", "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}"#;
        assert_eq!(bucket(service), Verdict::Pass);
    }

    // A `Deny` to every principal unless the request comes through the named endpoint
    // (API Gateway Developer Guide, private API example; S3 UG "Restricting access to a
    // specific VPC endpoint"), and a `NotPrincipal` `Deny` to everyone but one account (UG,
    // NotPrincipal element) keep out every other caller.
    #[test]
    fn confining_denies_are_not_public() {
        let vpce = format!(
            r#"{}, {{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*", "Condition": {{"StringNotEquals": {{"aws:SourceVpce": "vpce-1a2b3c4d"}}}}}}"#,
            allow_read("")
        );
        assert_eq!(bucket(&vpce), Verdict::Pass);
        let not_principal = format!(
            r#"{}, {{"Effect": "Deny", "NotPrincipal": {{"AWS": "arn:aws:iam::111122223333:root"}}, "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*"}}"#,
            allow_read("")
        );
        assert_eq!(bucket(&not_principal), Verdict::Pass);
        // S3 UG bucket policy examples, "Managing access based on specific IP addresses":
        // `Deny` `NotIpAddress` leaves only the listed range, a `/24`.
        let ip = format!(
            r#"{}, {{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*", "Condition": {{"NotIpAddress": {{"aws:SourceIp": "192.0.2.0/24"}}}}}}"#,
            allow_read("")
        );
        assert_eq!(bucket(&ip), Verdict::Pass);
        // The Deny covers other actions only: reading stays public.
        let partial = format!(
            r#"{}, {{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {{"StringNotEquals": {{"aws:SourceVpce": "vpce-1a2b3c4d"}}}}}}"#,
            allow_read("")
        );
        assert!(matches!(bucket(&partial), Verdict::Fail(_)));
    }

    // Trust policies: `{"AWS": "*"}` lets any account assume the role; an account principal
    // does not (UG, "Roles terms and concepts", trust policy).
    #[test]
    fn trust_policies() {
        let everyone = policy(
            PolicyKind::Trust,
            r#"{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}"#,
        );
        let Verdict::Fail(c) = no_public_access(&everyone) else {
            panic!("public")
        };
        assert_eq!(c.action, "sts:AssumeRole");
        let account = policy(
            PolicyKind::Trust,
            r#"{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}"#,
        );
        assert_eq!(no_public_access(&account), Verdict::Pass);
        // IAM UG, "Create a role for OpenID Connect federation", the Amazon Cognito trust
        // policy: `aud` names the identity pool.
        let pool = policy(
            PolicyKind::Trust,
            r#"{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-2:12345678-abcd-abcd-abcd-123456"}, "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"}}}"#,
        );
        assert_eq!(no_public_access(&pool), Verdict::Pass);
        let any_pool = policy(
            PolicyKind::Trust,
            r#"{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}"#,
        );
        let v = no_public_access(&any_pool);
        let Verdict::Fail(c) = v else {
            panic!("public: {v:?}")
        };
        assert_eq!(c.principal, "cognito-identity.amazonaws.com");
        let google = policy(
            PolicyKind::Trust,
            r#"{"Effect": "Allow", "Principal": {"Federated": "accounts.google.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}"#,
        );
        assert!(matches!(no_public_access(&google), Verdict::Unknown(_)));
    }

    #[test]
    fn resource_types_and_kinds() {
        assert_eq!(RESOURCE_TYPES.len(), 26);
        assert_eq!(kind_of("AWS::S3::Bucket"), Some(PolicyKind::Resource));
        assert_eq!(
            kind_of("AWS::IAM::AssumeRolePolicyDocument"),
            Some(PolicyKind::Trust)
        );
        assert_eq!(kind_of("AWS::EC2::Instance"), None);
        assert!(pinning_key("aws:PrincipalOrgID").is_some());
        assert!(pinning_key("aws:SecureTransport").is_none());
    }
}
