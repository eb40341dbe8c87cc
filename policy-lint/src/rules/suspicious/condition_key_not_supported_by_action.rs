//! `W011` `condition-key-not-supported-by-action`.

use policy_core::ast::{SetQualifier, Statement};
use policy_core::service_ref::{Service, ServiceRef};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::{condition_keys, glob_covers};

declare_rule! {
    /// ## What it does
    /// Flags a service condition key (`s3:prefix`, `ec2:InstanceType`) or a tag key
    /// (`aws:RequestTag/…`, `aws:ResourceTag/…`, `aws:TagKeys`) that no action of the
    /// statement supports, according to the IAM reference. Other global keys are in every
    /// request they apply to and are not checked; neither are statements with `NotAction`,
    /// nor actions the reference does not know.
    ///
    /// ## Why is this bad?
    /// AWS puts a condition key in a request's context only for the actions that support it.
    /// For every other action the key is missing: a positive operator is then false, so an
    /// `Allow` grants nothing and a `Deny` denies nothing, and a negated operator is true, so
    /// the condition restricts nothing.
    ///
    /// Covers Access Analyzer: `UNSUPPORTED_ACTION_FOR_CONDITION_KEY`,
    /// `ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE`,
    /// `DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE` (when no action supports the
    /// key); parliament: `UNKNOWN_CONDITION_FOR_ACTION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"StringLike": {"s3:prefix": "home/*"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::reports", "Condition": {"StringLike": {"s3:prefix": "home/*"}}}]}
    /// ```
    pub ConditionKeyNotSupportedByAction { code: "W011", name: "condition-key-not-supported-by-action", category: Suspicious, severity: Warning }
}

/// Whether `key` is a global tag key, which only some actions support.
fn is_tag_key(key: &str) -> bool {
    let starts = |p: &str| {
        key.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    };
    starts("aws:RequestTag/")
        || starts("aws:ResourceTag/")
        || key.eq_ignore_ascii_case("aws:TagKeys")
}

/// Whether a service defines `key` for some action, remembered per service for one key (a
/// service that lists the key for none of its actions has no key entry at all).
struct KeyServices<'k> {
    key: &'k str,
    seen: Vec<(&'static str, bool)>,
}

impl KeyServices<'_> {
    fn has(&mut self, service: Service<'static>) -> bool {
        let prefix = service.prefix();
        if let Some((_, has)) = self.seen.iter().find(|(p, _)| std::ptr::eq(*p, prefix)) {
            return *has;
        }
        let has = service.condition_key(self.key).is_some();
        self.seen.push((prefix, has));
        has
    }
}

/// Whether some action of `service` that `action_pattern` matches supports the key; `None`
/// when the pattern names an action the reference does not know.
fn service_supports(
    service: Service<'static>,
    action_pattern: &str,
    keys: &mut KeyServices<'_>,
) -> Option<bool> {
    if !keys.has(service) {
        return Some(false);
    }
    let key = keys.key;
    if action_pattern.contains(['*', '?']) {
        return Some(
            service
                .actions()
                .filter(|a| glob_covers(action_pattern, a.name(), true))
                .any(|a| a.lists_condition_key(key)),
        );
    }
    service
        .action(action_pattern)
        .map(|a| a.lists_condition_key(key))
}

/// Whether an action pattern may match an action that supports the key (`true` when unsure).
fn pattern_supports(
    data: &'static ServiceRef,
    pattern: &str,
    keys: &mut KeyServices<'_>,
    key_service: &str,
) -> bool {
    let Some((service_pattern, action_pattern)) = pattern.split_once(':') else {
        // `*` alone matches every action, some of which support the key if it exists.
        return true;
    };
    if !service_pattern.contains(['*', '?']) {
        return match data.service(service_pattern) {
            Some(s) => service_supports(s, action_pattern, keys).unwrap_or(true),
            None => true,
        };
    }
    if data.expand(pattern).is_empty() {
        return true;
    }
    // The key's own service first: it is almost always the one that supports it.
    let own = data
        .service(key_service)
        .filter(|s| glob_covers(service_pattern, s.prefix(), true));
    own.into_iter()
        .chain(
            data.services()
                .filter(|s| glob_covers(service_pattern, s.prefix(), true)),
        )
        .any(|s| service_supports(s, action_pattern, keys).unwrap_or(true))
}

/// Whether the pattern's service part is literally `service` (those actions are tried first).
fn of_service(pattern: &str, service: &str) -> bool {
    pattern
        .split_once(':')
        .is_some_and(|(p, _)| p.eq_ignore_ascii_case(service))
}

impl Rule for ConditionKeyNotSupportedByAction {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(action) = &statement.action else {
            return;
        };
        if action.negated || action.items.is_empty() {
            return;
        }
        let data = ctx.service_ref();
        for (op, kv) in condition_keys(statement) {
            let key = kv.key.node.as_str();
            let Some((prefix, _)) = key.split_once(':') else {
                continue;
            };
            let global = prefix.eq_ignore_ascii_case("aws");
            if global && !is_tag_key(key) {
                continue;
            }
            let Some(definition) = data.condition_key(key) else {
                continue;
            };
            // Service keys that the global list names (`ec2:SourceInstanceARN`) apply everywhere.
            if !global && definition.is_global() {
                continue;
            }
            let mut keys = KeyServices {
                key,
                seen: Vec::new(),
            };
            let own_first = action
                .items
                .iter()
                .filter(|a| of_service(&a.node, prefix))
                .chain(action.items.iter().filter(|a| !of_service(&a.node, prefix)));
            if own_first
                .into_iter()
                .any(|a| pattern_supports(data, &a.node, &mut keys, prefix))
            {
                continue;
            }
            // A key that no action of its own service lists is a gap in the reference data.
            if !global
                && !data
                    .service(prefix)
                    .is_some_and(|s| s.actions().any(|a| a.lists_condition_key(key)))
            {
                continue;
            }
            let operator = op.node;
            let always_true = match operator.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => operator.if_exists || operator.is_negated(),
            };
            let outcome = if always_true {
                format!("`{operator}` is then always true and restricts nothing")
            } else {
                format!("`{operator}` is then never true, so the statement never applies")
            };
            ctx.report(
                Self::META,
                kv.key.span,
                format!("no action of this statement supports condition key `{key}`: {outcome}"),
            )
            .help("move the condition to a statement with the actions that support the key, or use a key these actions support")
            .related(action.span, "these actions");
        }
    }
}
