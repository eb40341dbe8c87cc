//! `S002` `service-wildcard-action`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use policy_core::ast::{Node, PolicyKind, PrincipalKind, Statement};
use policy_core::service_ref::{AccessLevel, Action, ResourceType};

use super::common::{action_by_id, has_positive_action, is_grant, list_first, resource_pin, Facts};
use super::wildcard_action::is_full_wildcard;
use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::is_account_id;
use crate::rules::util::has_variable;

declare_rule! {
    /// ## What it does
    /// Flags, in an `Allow` statement of an identity or resource policy, an action pattern
    /// that grants a whole service (`s3:*`) when the service has actions that write or manage
    /// permissions, and a partial wildcard that matches write or permissions-management
    /// actions along with read ones (`s3:*Object` matches `s3:GetObject` but also
    /// `s3:DeleteObject`; `iam:*AccessKey*` matches `iam:ListAccessKeys` but also
    /// `iam:CreateAccessKey`). A wildcard that matches only reads (`s3:Get*`) or only writes
    /// (`s3:Put*`, which its author meant) is not reported.
    ///
    /// The statement of a KMS key policy that gives an account (`arn:aws:iam::ID:root` or
    /// the account ID) `kms:*` on `Resource: "*"` is not reported either: it is AWS's
    /// default key policy, which delegates access to the account's IAM policies and keeps
    /// the key manageable (KMS Developer Guide, "Default key policy"); cutting it down can
    /// leave a key that no one can administer. `key-policy-grants-all-kms` covers `kms:*`
    /// given to anyone else.
    ///
    /// ## Why is this bad?
    /// A service wildcard grants every current *and future* action of the service. A partial
    /// wildcard written for reading often also matches actions that write, delete or change
    /// permissions.
    ///
    /// Conditions cannot narrow a set of actions, so a statement with conditions is still
    /// reported; when a condition narrows the resources, the message says so.
    ///
    /// Covers cloudsplaining: `ServiceWildcard`; iam-policy-validator: `service_wildcard`
    /// (`overly_permissive`); Access Analyzer and parliament have no such check.
    ///
    /// ## Fix safety
    /// Unsafe: the fix replaces the pattern by the Read and List actions it matches that
    /// apply to the statement's resources (by the resource types of the `Resource` ARNs;
    /// actions that accept only `*` only when `Resource` is `*`), sorted. It never grants
    /// more, but the principal may need some of the write actions it drops.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub ServiceWildcardAction { code: "S002", name: "service-wildcard-action", category: Security, severity: Warning }
}

impl Rule for ServiceWildcardAction {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if !is_grant(statement, ctx.kind()) || !has_positive_action(statement) {
            return;
        }
        let Some(element) = &statement.action else {
            return;
        };
        let mut pin = None;
        let mut scope: Option<Scope> = None;
        let facts = ctx.facts(statement);
        let key_default = ctx.kind() == PolicyKind::Resource && is_default_key_statement(statement);
        for (item, entry) in element.items.iter().zip(&facts.items) {
            let text = item.node.as_str();
            let Some((service, name)) = text.split_once(':') else {
                continue;
            };
            if (key_default && service.eq_ignore_ascii_case("kms"))
                || !name.contains(['*', '?'])
                || service.contains(['*', '?'])
                || is_full_wildcard(text)
                || has_variable(text)
            {
                continue;
            }
            let ids = &entry.ids;
            let (mut writing, mut managing, mut reading) = (0usize, 0usize, 0usize);
            let mut examples: Vec<String> = Vec::new();
            let mut prefix = service;
            for a in ids.iter().filter_map(|&id| action_by_id(id)) {
                prefix = a.service().prefix();
                match a.access_level() {
                    AccessLevel::Read | AccessLevel::List => reading += 1,
                    level => {
                        if level == AccessLevel::PermissionsManagement {
                            managing += 1;
                        } else {
                            writing += 1;
                        }
                        if examples.len() < 3 {
                            examples.push(a.full_name());
                        }
                    }
                }
            }
            let whole_service = name.bytes().all(|b| b == b'*');
            let writes = writing + managing;
            if writes == 0 || (!whole_service && reading == 0) {
                continue;
            }
            let pin = *pin.get_or_insert_with(|| resource_pin(statement));
            let narrowed = pin.map_or(String::new(), |kv| {
                format!(
                    " (its condition on `{}` narrows the resources, not the actions)",
                    kv.key.node
                )
            });
            let message = if whole_service {
                let parts: Vec<String> = [(writing, "write"), (managing, "manage permissions")]
                    .iter()
                    .filter(|(n, _)| *n > 0)
                    .map(|(n, what)| format!("{n} that {what}"))
                    .collect();
                format!(
                    "`{text}` allows every action of service `{prefix}`, including {}{narrowed}",
                    parts.join(" and ")
                )
            } else {
                let what = if writes == 1 {
                    "an action that writes".to_string()
                } else {
                    format!("{writes} actions that write")
                };
                format!(
                    "`{text}` matches {what} ({}) besides the read ones{narrowed}",
                    list_first(&examples, writes)
                )
            };
            let help = if whole_service {
                "list the actions the principal needs instead of the whole service"
            } else {
                "list the read actions by name instead of a pattern"
            };
            let scope = scope.get_or_insert_with(|| Scope::of(statement, &facts));
            let fix = read_only_fix(scope, element.span, item, ids);
            let finding = ctx
                .report(Self::META, item.span, message)
                .help(help)
                .fix_opt(fix);
            if let Some(kv) = pin {
                finding.related(kv.key.span, "narrows the resources only");
            }
        }
    }
}

/// Whether an `Allow` statement of a resource policy has the shape of the default KMS key
/// policy's statement: only account principals (root ARN or account ID) under `AWS`, and
/// `Resource: "*"` (the key itself). Its `kms:*` is then left alone.
fn is_default_key_statement(statement: &Statement) -> bool {
    let Some(principal) = statement.principal.as_ref().filter(|p| !p.negated) else {
        return false;
    };
    let policy_core::ast::Principal::Map(entries) = &principal.value else {
        return false;
    };
    let accounts_only = !entries.is_empty()
        && entries.iter().all(|e| {
            e.kind.node == PrincipalKind::Aws
                && !e.values.is_empty()
                && e.values.iter().all(|v| {
                    let v = v.node.as_str();
                    is_account_id(v)
                        || (v.starts_with("arn:")
                            && v.ends_with(":root")
                            && v.split(':').nth(2) == Some("iam"))
                })
        });
    let key_itself = statement.resource.as_ref().is_some_and(|r| {
        !r.negated && !r.items.is_empty() && r.items.iter().all(|i| i.node == "*")
    });
    accounts_only && key_itself
}

/// What a statement's fix needs to know of it, computed once per statement.
pub(crate) struct Scope {
    /// `Resource` is `*` (or absent, or `NotResource`): every action applies.
    everything: bool,
    /// Some ARN has a wildcard or a variable in its service part: every action that names
    /// a resource type applies.
    any_type: bool,

    /// The resource types of its `Resource` ARNs, as the addresses of their ARN formats
    /// (one format per type), sorted.
    types: Vec<usize>,
    /// The catalog numbers of the actions it names without wildcards, sorted.
    written: Vec<u32>,
}

/// The address of a resource type's ARN format, which identifies the format.
fn format_key(rt: &ResourceType<'_>) -> usize {
    rt.arn_format().as_ptr() as usize
}

/// The resource types an ARN pattern may name, as format addresses (memoized for the
/// process: the managed policies repeat their ARNs).
fn types_of(arn: &str) -> Arc<[usize]> {
    type Memo = Mutex<HashMap<Box<str>, Arc<[usize]>>>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    let memo = MEMO.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = memo.lock().ok().and_then(|m| m.get(arn).map(Arc::clone)) {
        return found;
    }
    let found: Arc<[usize]> = policy_core::service_ref::ServiceRef::get()
        .resource_types_for_arn(arn)
        .iter()
        .map(format_key)
        .collect();
    if let Ok(mut m) = memo.lock() {
        if m.len() >= 4096 {
            m.clear();
        }
        m.insert(arn.into(), Arc::clone(&found));
    }
    found
}

impl Scope {
    /// The scope of a statement.
    pub(crate) fn of(statement: &Statement, facts: &Facts) -> Self {
        let everything = match &statement.resource {
            None => true,
            Some(r) => r.negated || r.items.iter().any(|i| i.node == "*"),
        };
        let mut any_type = false;
        let mut types: Vec<usize> = Vec::new();
        if !everything {
            for i in statement.resources() {
                let service = i.node.split(':').nth(2).unwrap_or("*");
                if service.contains(['*', '?', '$']) || service.is_empty() {
                    any_type = true;
                } else {
                    types.extend(types_of(&i.node).iter());
                }
            }
        }
        types.sort_unstable();
        types.dedup();
        let mut written: Vec<u32> = statement
            .actions()
            .iter()
            .zip(&facts.items)
            .filter(|(a, _)| !a.node.contains(['*', '?']))
            .flat_map(|(_, entry)| entry.ids.iter().copied())
            .collect();
        written.sort_unstable();
        Scope {
            everything,
            any_type,
            types,
            written,
        }
    }
}

/// The Read and List actions of `ids` that apply to the statement's resources (by the
/// resource types of its ARNs; actions that accept only `*` only when `Resource` is `*`),
/// minus those it already names, in the reference's order (by service, then name).
pub(crate) fn read_only_replacement(scope: &Scope, ids: &[u32]) -> Vec<Action<'static>> {
    ids.iter()
        .filter(|id| scope.written.binary_search(id).is_err())
        .filter_map(|&id| action_by_id(id))
        .filter(|a| matches!(a.access_level(), AccessLevel::Read | AccessLevel::List))
        .filter(|a| {
            scope.everything
                || (!a.accepts_only_wildcard_resource()
                    && (scope.any_type
                        || a.resource_types().any(|rt| {
                            scope
                                .types
                                .binary_search(&format_key(&rt.resource_type()))
                                .is_ok()
                        })))
        })
        .collect()
}

/// Writes `names` in place of `item`: joined by `", "` inside an array, or as an array when
/// the item is the element's only (string) value.
pub(crate) fn replace_item<S: AsRef<str>>(
    element_span: policy_core::Span,
    item: &Node<String>,
    names: &[S],
) -> String {
    let mut out = String::with_capacity(names.len() * 32 + 2);
    let array = element_span == item.span;
    if array {
        out.push('[');
    }
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let n = n.as_ref();
        if n.bytes().all(|b| b >= b' ' && b != b'"' && b != b'\\') {
            out.push('"');
            out.push_str(n);
            out.push('"');
        } else {
            out.push_str(&serde_json::to_string(n).unwrap_or_default());
        }
    }
    if array {
        out.push(']');
    }
    out
}

fn read_only_fix(
    scope: &Scope,
    element_span: policy_core::Span,
    item: &Node<String>,
    ids: &[u32],
) -> Option<Fix> {
    let kept = read_only_replacement(scope, ids);
    if kept.is_empty() {
        return None;
    }
    let names: Vec<String> = kept.iter().map(Action::full_name).collect();
    let content = replace_item(element_span, item, &names);
    let what = if names.len() == 1 {
        "the one Read or List action it matches that applies".to_string()
    } else {
        format!(
            "the {} Read and List actions it matches that apply",
            names.len()
        )
    };
    Some(Fix::replace(
        Applicability::Unsafe,
        format!(
            "replace `{}` by {what} to the statement's resources",
            item.node
        ),
        item.span,
        content,
    ))
}
