//! `C205` `missing-tag-key-in-condition`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use policy_core::ast::Statement;
use policy_core::service_ref::ServiceRef;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a condition key that names a family of keys without its variable part:
    /// `aws:RequestTag`, `aws:ResourceTag/`, `aws:PrincipalTag`, `s3:ExistingObjectTag`, and
    /// every other key that the IAM reference defines only as `name/<tag-key>`.
    ///
    /// ## Why is this bad?
    /// The tag key is part of the condition key: `aws:ResourceTag/team` tests the `team` tag.
    /// Without it the key names nothing, the condition never matches (or, negated, always
    /// does), and Access Analyzer rejects the policy.
    ///
    /// Covers Access Analyzer: `MISSING_TAG_KEY_IN_CONDITION`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag": "team=finance"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "finance"}}}]}
    /// ```
    pub MissingTagKeyInCondition { code: "C205", name: "missing-tag-key-in-condition", category: Correctness, severity: Error }
}

/// Lower-cased names of the key families defined as `name/<variable>`, with the documented
/// name of one of their keys.
fn families() -> &'static BTreeSet<(String, &'static str)> {
    static FAMILIES: OnceLock<BTreeSet<(String, &'static str)>> = OnceLock::new();
    FAMILIES.get_or_init(|| {
        let data = ServiceRef::get();
        data.global_condition_keys()
            .chain(data.services().flat_map(|s| s.condition_keys()))
            .filter(policy_core::service_ref::ConditionKey::is_template)
            .filter_map(|k| {
                let name = k.name();
                let (family, _) = name.split_once('/')?;
                Some((family.to_ascii_lowercase(), name))
            })
            .collect()
    })
}

impl Rule for MissingTagKeyInCondition {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for entry in statement.conditions() {
            for kv in &entry.keys {
                let key = kv.key.node.as_str();
                let bare = key.strip_suffix('/').unwrap_or(key);
                if bare.contains('/') || ctx.service_ref().condition_key(bare).is_some() {
                    continue;
                }
                let lower = bare.to_ascii_lowercase();
                let Some((_, example)) = families()
                    .range((lower.clone(), "")..)
                    .next()
                    .filter(|(family, _)| *family == lower)
                else {
                    continue;
                };
                ctx.report(
                    Self::META,
                    kv.key.span,
                    format!("condition key `{key}` needs a tag key after `/`"),
                )
                .help(format!(
                    "write the key as `{example}`, for example `{bare}/team`"
                ));
            }
        }
    }
}
