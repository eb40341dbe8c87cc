//! `W010` `deprecated-global-condition-key`.

use policy_core::ast::Statement;

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;
use crate::rules::suspicious::support::json_string;

declare_rule! {
    /// ## What it does
    /// Flags the retired global condition key `aws:ARN` and rewrites it to
    /// `aws:PrincipalArn`.
    ///
    /// ## Why is this bad?
    /// `aws:ARN` is no longer a supported global condition key: Access Analyzer rejects it
    /// and recommends `aws:PrincipalArn` (the ARN of the calling principal, the role for a
    /// role session). A condition on a key that is not in the request context never matches
    /// with a positive operator and always matches with a negated one. If the resource that
    /// a service acts for was meant, use `aws:SourceArn` instead.
    ///
    /// Covers Access Analyzer: `DEPRECATED_GLOBAL_CONDITION_KEY`,
    /// `UNSUPPORTED_GLOBAL_CONDITION_KEY`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*", "Condition": {"ArnNotLike": {"aws:ARN": "arn:aws:iam::111122223333:role/admin"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/admin"}}}]}
    /// ```
    ///
    /// ## Fix safety
    /// Display-only (not applied even with `--unsafe-fixes`, which applies only fixes that
    /// never allow more): `aws:ARN` is not in the request context, so the original condition never
    /// matches with a positive operator and always matches with a negated one, while
    /// `aws:PrincipalArn` is present on every request. The rewrite can therefore grant what
    /// the original did not: in the example, the `Deny` applied to everyone before and
    /// exempts `admin` after; an `Allow` with `ArnLike` on `aws:ARN` allowed no one before.
    /// Review the intended principal (or `aws:SourceArn`) before applying it.
    pub DeprecatedGlobalConditionKey { code: "W010", name: "deprecated-global-condition-key", category: Suspicious, severity: Warning }
}

/// Retired keys and the key that replaces each.
const DEPRECATED: [(&str, &str); 1] = [("aws:ARN", "aws:PrincipalArn")];

impl Rule for DeprecatedGlobalConditionKey {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        for entry in statement.conditions() {
            for kv in &entry.keys {
                let Some((_, new)) = DEPRECATED
                    .iter()
                    .find(|(old, _)| kv.key.node.eq_ignore_ascii_case(old))
                else {
                    continue;
                };
                // No fix when the operator already tests the new key (a duplicate key).
                let clash = entry
                    .keys
                    .iter()
                    .any(|k| k.key.node.eq_ignore_ascii_case(new));
                let fix = (!clash).then(|| {
                    Fix::replace(
                        Applicability::DisplayOnly,
                        format!("use `{new}`"),
                        kv.key.span,
                        json_string(new),
                    )
                });
                ctx.report(
                    Self::META,
                    kv.key.span,
                    format!("`{}` is a retired global condition key", kv.key.node),
                )
                .help(format!("use `{new}` for the calling principal, or `aws:SourceArn` for the resource a service acts for"))
                .fix_opt(fix);
            }
        }
    }
}
