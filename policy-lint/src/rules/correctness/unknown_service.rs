//! `C101` `unknown-service`.

use policy_core::ast::Statement;
use policy_core::service_ref::ServiceRef;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::util::has_wildcard;
use crate::support::sdk_index;

declare_rule! {
    /// ## What it does
    /// Flags an action whose service prefix is not a service in the IAM reference data
    /// (for example `s4:GetObject`), with the closest known prefix. The name of an SDK client
    /// written as a prefix (`bedrock-runtime:InvokeModel`, `stepfunctions:StartExecution`,
    /// `s3control:*`) gets the prefix whose actions authorize that client's calls, from the
    /// SDK → IAM map (`bedrock:InvokeModel`, `states:StartExecution`, `s3:*`).
    ///
    /// ## Why is this bad?
    /// An action of an unknown service matches nothing, so the statement does not grant (or
    /// deny) what its author meant. A misspelt prefix in a `Deny` silently leaves the access
    /// open.
    ///
    /// Covers Access Analyzer: `INVALID_SERVICE_IN_ACTION`; parliament: `UNKNOWN_PREFIX`
    /// (iampol's reference data is dated, see `iampol --version`).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s4:DeleteBucket", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}
    /// ```
    pub UnknownService { code: "C101", name: "unknown-service", category: Correctness, severity: Error }
}

impl Rule for UnknownService {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let data = ctx.service_ref();
        let facts = ctx.facts(statement);
        for (action, item) in statement.actions().iter().zip(&facts.items) {
            if !item.checked || item.known_service {
                continue;
            }
            let text = action.node.as_str();
            let Some((prefix, _)) = text.split_once(':') else {
                continue;
            };
            let known = if has_wildcard(prefix) {
                data.matches_any(&format!("{prefix}:*"))
            } else {
                data.service(prefix).is_some()
            };
            if known {
                continue;
            }
            let help = client_help(prefix, text).or_else(|| {
                data.suggest_service(prefix)
                    .map(|s| format!("did you mean `{}`?", s.prefix()))
            });
            ctx.report(
                Self::META,
                action.span,
                format!("unknown service `{prefix}` in action `{text}`"),
            )
            .help_opt(help);
        }
    }
}

/// Advice for an SDK client name written as a service prefix (`bedrock-runtime:InvokeModel`):
/// the prefix whose actions authorize its calls, from the SDK map, with the action when the
/// reference has it under that prefix (same name, or the actions the map gives the call).
fn client_help(prefix: &str, text: &str) -> Option<String> {
    let service = ServiceRef::get().service(&sdk_index::client_prefix(prefix)?)?;
    let iam = service.prefix();
    let name = text.split_once(':').map_or("", |(_, n)| n);
    let suggestion = if name.is_empty() {
        format!("`{iam}:…`")
    } else if has_wildcard(name) || service.action(name).is_some() {
        let name = service
            .action(name)
            .map_or(name.to_string(), |a| a.name().to_string());
        format!("`{iam}:{name}`")
    } else {
        let actions = sdk_index::call_actions(iam, name);
        if actions.is_empty() {
            format!("an action of `{iam}`")
        } else {
            actions
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    Some(format!(
        "`{prefix}` is the name of an SDK client, not an IAM service prefix; its calls are authorized by `{iam}` actions: did you mean {suggestion}?"
    ))
}
