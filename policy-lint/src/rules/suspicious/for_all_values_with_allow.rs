//! `W001` `for-all-values-with-allow`.

use policy_core::ast::{Effect, OperatorBase, SetQualifier, Statement};
use policy_core::Span;

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::{condition_keys, has_null_check, json_string};

declare_rule! {
    /// ## What it does
    /// Flags a `ForAllValues:` condition in an `Allow` statement when nothing in the statement
    /// requires the key to be present: no `"Null": {"key": "false"}` and no `ForAnyValue:`
    /// test of the same key. Lists of tag keys (`aws:TagKeys`, `s3:RequestObjectTagKeys`) are
    /// not reported: an `Allow` that limits which tag keys may be set rightly allows requests
    /// that set none. Keys that the IAM reference types as single-valued are left to
    /// `qualifier-on-single-valued-key`.
    ///
    /// ## Why is this bad?
    /// `ForAllValues:` asks whether *every* value of the request's key is in the list, and
    /// that is true of a request without the key (an empty set). An `Allow` meant to permit
    /// decryption "only with this encryption context" then also permits requests with no
    /// encryption context at all, or any request whose action does not set the key.
    ///
    /// Covers iam-policy-validator: `forallvalues_allow_without_null_check`; Access Analyzer
    /// `EMPTY_ARRAY_CONDITION_FORALLVALUES` describes the same behaviour.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:eu-west-1:111122223333:key/*", "Condition": {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["project"]}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:eu-west-1:111122223333:key/*", "Condition": {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["project"]}, "Null": {"kms:EncryptionContextKeys": "false"}}}]}
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: adding the `Null` check narrows the statement to requests that carry the key.
    pub ForAllValuesWithAllow { code: "W001", name: "for-all-values-with-allow", category: Suspicious, severity: Warning }
}

/// Whether another condition of the statement is false when `key` is missing: a positive
/// `ForAnyValue:` test without `IfExists`.
fn requires_presence(statement: &Statement, key: &str) -> bool {
    condition_keys(statement).any(|(op, kv)| {
        op.node.qualifier == Some(SetQualifier::ForAnyValue)
            && !op.node.base.is_negated()
            && op.node.base != OperatorBase::Null
            && !op.node.if_exists
            && kv.key.node.eq_ignore_ascii_case(key)
    })
}

/// Whether the key lists the tag keys of a request (`aws:TagKeys`, `s3:RequestObjectTagKeys`).
fn is_tag_key_list(key: &str) -> bool {
    key.len() >= 7
        && key
            .get(key.len() - 7..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case("TagKeys"))
}

/// The fix: add `"key": "false"` to the statement's `Null` operator, or a new `Null` operator.
fn null_fix(statement: &Statement, key: &str) -> Option<Fix> {
    let entries = statement.conditions();
    let null = entries.iter().find(|e| {
        e.operator.node.base == OperatorBase::Null && e.operator.node.qualifier.is_none()
    });
    let (at, text) = match null {
        Some(entry) => {
            if entry
                .keys
                .iter()
                .any(|kv| kv.key.node.eq_ignore_ascii_case(key))
            {
                return None;
            }
            let first = entry.keys.first()?;
            (
                first.key.span.start,
                format!("{}: \"false\", ", json_string(key)),
            )
        }
        None => {
            let first = entries.first()?;
            (
                first.operator.span.start,
                format!("\"Null\": {{{}: \"false\"}}, ", json_string(key)),
            )
        }
    };
    Some(Fix::replace(
        Applicability::Unsafe,
        format!("require `{key}` with a `Null` check"),
        Span { start: at, end: at },
        text,
    ))
}

impl Rule for ForAllValuesWithAllow {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if statement.effect() != Some(Effect::Allow) {
            return;
        }
        for (op, kv) in condition_keys(statement) {
            let operator = op.node;
            if operator.qualifier != Some(SetQualifier::ForAllValues)
                || operator.base == OperatorBase::Null
                || kv.values.is_empty()
            {
                continue;
            }
            let key = kv.key.node.as_str();
            // Single-valued keys are `qualifier-on-single-valued-key`'s to report.
            let single_valued = ctx
                .service_ref()
                .condition_key(key)
                .is_some_and(|k| !k.is_multivalued());
            if single_valued
                || is_tag_key_list(key)
                || has_null_check(statement, key, false)
                || requires_presence(statement, key)
            {
                continue;
            }
            let fix = null_fix(statement, key);
            ctx.report(
                Self::META,
                kv.key.span,
                format!("`{operator}` is also true when the request has no `{key}`, so this Allow applies to requests without it"),
            )
            .help(format!("add `\"Null\": {{\"{key}\": \"false\"}}` to require the key"))
            .related(op.span, "this operator")
            .fix_opt(fix);
        }
    }
}
