//! `C104` `unknown-condition-key`.

use policy_core::ast::Statement;
use policy_core::text::edit_distance;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a condition key that the IAM reference data does not know: a global key
    /// (`aws:...`) that does not exist, a key that its service does not define, a key of an
    /// unknown service, or a key not written `service:name`. Tag keys
    /// (`aws:RequestTag/team`) and other templated keys are matched against their templates;
    /// keys of `OpenID Connect` providers (`token.actions.githubusercontent.com:sub`) are
    /// accepted.
    ///
    /// ## Why is this bad?
    /// A condition on a key that never appears in a request is never true for a positive
    /// operator (the statement never applies) and always true for a negated one (the
    /// condition restricts nothing). A misspelt `aws:SourceIP` next to a `Deny` quietly
    /// stops protecting anything.
    ///
    /// Covers Access Analyzer: `INVALID_GLOBAL_CONDITION_KEY`, `INVALID_SERVICE_CONDITION_KEY`,
    /// `INVALID_CONDITION_KEY_FORMAT`; parliament: `UNKNOWN_CONDITION_FOR_ACTION` (in part).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIpAddress": "203.0.113.0/24"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    /// ```
    pub UnknownConditionKey { code: "C104", name: "unknown-condition-key", category: Correctness, severity: Error }
}

impl Rule for UnknownConditionKey {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let data = ctx.service_ref();
        for entry in statement.conditions() {
            for kv in &entry.keys {
                let key = kv.key.node.as_str();
                if data.condition_key(key).is_some() {
                    continue;
                }
                let Some((prefix, name)) = key
                    .split_once(':')
                    .filter(|(p, n)| !p.is_empty() && !n.is_empty())
                else {
                    ctx.report(Self::META, kv.key.span, format!("condition key `{key}` is not of the form `service:name`"))
                        .help("write a global key such as `aws:SourceIp` or a service key such as `s3:prefix`");
                    continue;
                };
                // Keys of identity providers are named after the provider's URL.
                if prefix.contains(['.', '/']) {
                    continue;
                }
                let (message, candidates): (String, Vec<&str>) =
                    if prefix.eq_ignore_ascii_case("aws") {
                        (
                            format!("`{key}` is not a global condition key"),
                            data.global_condition_keys().map(|k| k.name()).collect(),
                        )
                    } else if let Some(service) = data.service(prefix) {
                        (
                            format!(
                                "`{key}` is not a condition key of service `{}`",
                                service.prefix()
                            ),
                            service.condition_keys().map(|k| k.name()).collect(),
                        )
                    } else {
                        let help = data
                            .suggest_service(prefix)
                            .map(|s| format!("did you mean `{}:{name}`?", s.prefix()));
                        ctx.report(
                            Self::META,
                            kv.key.span,
                            format!("condition key `{key}` names an unknown service `{prefix}`"),
                        )
                        .help_opt(help);
                        continue;
                    };
                let lower = key.to_ascii_lowercase();
                let limit = (key.len() / 4).max(2);
                let best = candidates
                    .into_iter()
                    .map(|c| (edit_distance(&c.to_ascii_lowercase(), &lower), c))
                    .filter(|(d, _)| *d <= limit)
                    .min();
                ctx.report(Self::META, kv.key.span, message)
                    .help_opt(best.map(|(_, c)| format!("did you mean `{c}`?")));
            }
        }
    }
}
