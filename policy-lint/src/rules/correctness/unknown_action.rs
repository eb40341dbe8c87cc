//! `C102` `unknown-action`.

use policy_core::ast::Statement;
use policy_core::service_ref::{AccessLevel, ServiceRef};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::util::has_wildcard;
use crate::support::sdk_index;

declare_rule! {
    /// ## What it does
    /// Flags an action of a known service that names no action of that service, or a
    /// wildcard pattern that matches none (`s3:GetObjekt`, `s3:Describe*`), with the closest
    /// action.
    ///
    /// An API operation is not always an action of the same name: the help names the actions
    /// the call needs, from the SDK-call map that `generate` uses (iam-dataset):
    /// `s3:HeadObject` → `s3:GetObject`, `s3:CopyObject` → `s3:GetObject` and
    /// `s3:PutObject`, `sqs:SendMessageBatch` → `sqs:SendMessage` (Service Authorization
    /// Reference: the API operations each action covers). Of a call's actions, those that
    /// apply whatever its optional parameters are kept, and of those the Read and Write ones
    /// when there are any (a copy's `s3:PutObjectTagging` and `s3:PutObjectAcl`, Tagging and
    /// Permissions management, are left out).
    /// Otherwise the closest action by spelling is offered, unless its access level differs
    /// from what the name's verb says (a `Get…`, `Describe…`, `List…` or `Head…` name is a
    /// read; `Put…`, `Create…`, `Delete…`, `Update…` and the like a write): a read is never
    /// suggested for a write, nor a write for a read.
    ///
    /// ## Why is this bad?
    /// The statement grants or denies nothing for that entry. A typo in a `Deny` leaves the
    /// action allowed; a typo in an `Allow` breaks the workload only when the call is made.
    ///
    /// Covers Access Analyzer: `INVALID_ACTION`; parliament: `UNKNOWN_ACTION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub UnknownAction { code: "C102", name: "unknown-action", category: Correctness, severity: Error }
}

impl Rule for UnknownAction {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let data = ctx.service_ref();
        let facts = ctx.facts(statement);
        for (action, item) in statement.actions().iter().zip(&facts.items) {
            // `unknown-service` reports unknown prefixes; an entry that matches an action
            // of the reference is known.
            if !item.checked || !item.known_service || !item.ids.is_empty() {
                continue;
            }
            let text = action.node.as_str();
            let Some((prefix, name)) = text.split_once(':') else {
                continue;
            };
            let what = if has_wildcard(name) {
                "matches no action"
            } else {
                "is not an action"
            };
            let help = if has_wildcard(name) {
                data.suggest_action(text)
                    .map(|s| format!("did you mean `{s}`?"))
            } else {
                call_help(data, prefix, name).or_else(|| {
                    data.suggest_action(text)
                        .filter(|s| keeps_access_level(data, name, s))
                        .map(|s| format!("did you mean `{s}`?"))
                })
            };
            ctx.report(
                Self::META,
                action.span,
                format!("`{text}` {what} of service `{prefix}`"),
            )
            .help_opt(help);
        }
    }
}

/// The help for an API call written as an action: the actions the map says it needs.
fn call_help(data: &ServiceRef, prefix: &str, name: &str) -> Option<String> {
    let known: Vec<(String, AccessLevel)> = sdk_index::call_actions(prefix, name)
        .into_iter()
        .filter_map(|a| data.action(a).map(|x| (x.full_name(), x.access_level())))
        .collect();
    let data_plane: Vec<&String> = known
        .iter()
        .filter(|(_, level)| matches!(level, AccessLevel::Read | AccessLevel::Write))
        .map(|(a, _)| a)
        .collect();
    let shown: Vec<&String> = if data_plane.is_empty() {
        known.iter().map(|(a, _)| a).collect()
    } else {
        data_plane
    };
    let (last, head) = shown.split_last()?;
    let list = if head.is_empty() {
        format!("`{last}`")
    } else {
        let head: Vec<String> = head.iter().map(|a| format!("`{a}`")).collect();
        format!("{} and `{last}`", head.join(", "))
    };
    Some(format!(
        "`{prefix}:{name}` is an API operation, not an action; it needs {list}"
    ))
}

/// Whether a name's verb reads or writes: `Some(true)` for a write, `Some(false)` for a
/// read, `None` when the verb says neither.
fn writes(name: &str) -> Option<bool> {
    const READ: [&str; 8] = [
        "Get", "Describe", "List", "Head", "Search", "Query", "Scan", "Lookup",
    ];
    const WRITE: [&str; 14] = [
        "Put",
        "Create",
        "Delete",
        "Update",
        "Set",
        "Add",
        "Remove",
        "Attach",
        "Detach",
        "Modify",
        "Send",
        "Start",
        "Stop",
        "Terminate",
    ];
    let starts = |verb: &&str| {
        name.get(..verb.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(verb))
    };
    if READ.iter().any(starts) {
        Some(false)
    } else if WRITE.iter().any(starts) {
        Some(true)
    } else {
        None
    }
}

/// Whether the suggested action's access level agrees with the verb of the unknown name.
fn keeps_access_level(data: &ServiceRef, name: &str, suggestion: &str) -> bool {
    let Some(level) = data.action(suggestion).map(|a| a.access_level()) else {
        return true;
    };
    match writes(name) {
        Some(true) => !matches!(level, AccessLevel::Read | AccessLevel::List),
        Some(false) => matches!(level, AccessLevel::Read | AccessLevel::List),
        None => true,
    }
}
