//! `S027` `deny-with-unsupported-tag-key`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use policy_core::ast::{Effect, OperatorBase, SetQualifier, Statement};
use policy_core::service_ref::ServiceRef;

use super::common::list_names;
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `Deny` statement whose condition tests a tag key (`aws:ResourceTag/…`,
    /// `aws:RequestTag/…`, `aws:TagKeys`) with a positive operator, when its actions include
    /// services that never set that key: the services named in `Action` that support it on
    /// none of their actions, or, for `NotAction` and `*`, the services that do not support
    /// it at all.
    ///
    /// ## Why is this bad?
    /// For those services the key is always missing, so a positive operator is false and
    /// the `Deny` never applies to their actions: the guardrail silently protects nothing
    /// there. Negated operators, `…IfExists` and `Null` are true when the key is missing, so
    /// they deny more rather than less and are not reported.
    ///
    /// Covers Access Analyzer: `DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE`,
    /// `DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE` (reported here only
    /// for operators that really leave the `Deny` out).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["ec2:TerminateInstances", "sqs:DeleteQueue", "route53domains:DeleteDomain"], "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/protected": "true"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["ec2:TerminateInstances", "sqs:DeleteQueue"], "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/protected": "true"}}}]}
    /// ```
    pub DenyWithUnsupportedTagKey { code: "S027", name: "deny-with-unsupported-tag-key", category: Security, severity: Warning }
}

/// The tag keys, as a sample key each that the reference's templates match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum TagKey {
    Resource,
    Request,
    Keys,
}

impl TagKey {
    fn of(key: &str) -> Option<Self> {
        let key = key.to_ascii_lowercase();
        if key.starts_with("aws:resourcetag/") {
            Some(TagKey::Resource)
        } else if key.starts_with("aws:requesttag/") {
            Some(TagKey::Request)
        } else if key == "aws:tagkeys" {
            Some(TagKey::Keys)
        } else {
            None
        }
    }

    fn sample(self) -> &'static str {
        match self {
            TagKey::Resource => "aws:ResourceTag/key",
            TagKey::Request => "aws:RequestTag/key",
            TagKey::Keys => "aws:TagKeys",
        }
    }
}

/// Whether some action of the service lists the key (memoized per thread).
fn supports(prefix: &str, key: TagKey) -> bool {
    thread_local! {
        static MEMO: RefCell<HashMap<(String, TagKey), bool>> = RefCell::new(HashMap::new());
    }
    let id = (prefix.to_ascii_lowercase(), key);
    if let Some(known) = MEMO.with(|m| m.borrow().get(&id).copied()) {
        return known;
    }
    let known = ServiceRef::get()
        .service(prefix)
        .is_none_or(|s| s.actions().any(|a| a.lists_condition_key(key.sample())));
    MEMO.with(|m| m.borrow_mut().insert(id, known));
    known
}

/// Every service that does not support the key, computed once per key.
fn unsupported_everywhere(key: TagKey) -> &'static [String] {
    static RESOURCE: OnceLock<Vec<String>> = OnceLock::new();
    static REQUEST: OnceLock<Vec<String>> = OnceLock::new();
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    let slot = match key {
        TagKey::Resource => &RESOURCE,
        TagKey::Request => &REQUEST,
        TagKey::Keys => &KEYS,
    };
    slot.get_or_init(|| {
        ServiceRef::get()
            .services()
            .filter(|s| !s.actions().any(|a| a.lists_condition_key(key.sample())))
            .map(|s| s.prefix().to_string())
            .collect()
    })
}

impl Rule for DenyWithUnsupportedTagKey {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if statement.effect() != Some(Effect::Deny) {
            return;
        }
        let Some(element) = &statement.action else {
            return;
        };
        for entry in statement.conditions() {
            let op = entry.operator.node;
            if op.is_negated()
                || op.if_exists
                || op.base == OperatorBase::Null
                || op.qualifier == Some(SetQualifier::ForAllValues)
            {
                continue;
            }
            for kv in &entry.keys {
                let Some(tag) = TagKey::of(&kv.key.node) else {
                    continue;
                };
                let everything = element.negated
                    || element.items.iter().any(|i| {
                        i.node
                            .split_once(':')
                            .is_none_or(|(s, _)| s.contains(['*', '?']))
                    });
                let services: Vec<String> = if everything {
                    unsupported_everywhere(tag).to_vec()
                } else {
                    let mut out: Vec<String> = Vec::new();
                    for item in &element.items {
                        let Some((service, _)) = item.node.split_once(':') else {
                            continue;
                        };
                        let lower = service.to_ascii_lowercase();
                        if ServiceRef::get().service(service).is_some()
                            && !supports(service, tag)
                            && !out.contains(&lower)
                        {
                            out.push(lower);
                        }
                    }
                    out
                };
                if services.is_empty() {
                    continue;
                }
                let message = if everything {
                    let how = if element.negated {
                        "`NotAction`"
                    } else {
                        "its wildcard"
                    };
                    format!(
                        "this `Deny` covers, through {how}, {} services that do not support `{}` ({}): `{op}` is false for their actions, so it never applies to them",
                        services.len(),
                        kv.key.node,
                        list_names(&services, 3),
                    )
                } else if services.len() == 1 {
                    format!(
                        "this `Deny` never applies to the actions of service {}: it does not support `{}`, so `{op}` is false for them",
                        list_names(&services, 1),
                        kv.key.node,
                    )
                } else {
                    format!(
                        "this `Deny` never applies to the actions of services {}: they do not support `{}`, so `{op}` is false for them",
                        list_names(&services, 3),
                        kv.key.node,
                    )
                };
                ctx.report(Self::META, kv.key.span, message)
                .help("deny those services' actions in a separate statement without the tag condition, or with a condition key they support");
            }
        }
    }
}
