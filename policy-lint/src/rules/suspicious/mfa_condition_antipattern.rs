//! `W009` `mfa-condition-antipattern`.

use policy_core::ast::{Effect, OperatorBase, Statement};
use policy_core::value::parse_bool;

use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Fix};
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags tests of `aws:MultiFactorAuthPresent` that do not do what they seem to:
    /// - `"Bool": {"aws:MultiFactorAuthPresent": "false"}` in a `Deny`;
    /// - `"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}` in an `Allow`;
    /// - `"Null": {"aws:MultiFactorAuthPresent": "false"}` in an `Allow`.
    ///
    /// ## Why is this bad?
    /// The key is present only in requests signed with temporary credentials; requests
    /// signed with a user's long-term access keys do not have it. So `Bool ... false` is
    /// false for them and the `Deny` lets access keys through without MFA;
    /// `BoolIfExists ... true` is true for them and the `Allow` grants access keys without
    /// MFA; `Null ... false` only tests that the credentials are temporary, not that MFA was
    /// used. Deny with `"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}`, or allow
    /// with `"Bool": {"aws:MultiFactorAuthPresent": "true"}`.
    ///
    /// Covers parliament: `BAD_PATTERN_FOR_MFA`; iam-policy-validator:
    /// `mfa_antipattern_bool_false`, `mfa_antipattern_boolif_exists_false`,
    /// `mfa_antipattern_null_false`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: for a `Deny` with `Bool ... false`, the fix writes `BoolIfExists`, which also
    /// denies requests signed with long-term access keys.
    pub MfaConditionAntipattern { code: "W009", name: "mfa-condition-antipattern", category: Suspicious, severity: Warning }
}

const KEY: &str = "aws:MultiFactorAuthPresent";

impl Rule for MfaConditionAntipattern {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(effect) = statement.effect() else {
            return;
        };
        for entry in statement.conditions() {
            let operator = entry.operator.node;
            if operator.qualifier.is_some() {
                continue;
            }
            for kv in &entry.keys {
                if !kv.key.node.eq_ignore_ascii_case(KEY) {
                    continue;
                }
                let [value] = kv.values.as_slice() else {
                    continue;
                };
                let Some(value) = parse_bool(&value.node.as_text()) else {
                    continue;
                };
                let (message, help) = match (effect, operator.base, operator.if_exists, value) {
                    (Effect::Deny, OperatorBase::Bool, false, false) => (
                        "`Bool` with `false` is false for requests signed with long-term access keys, which have no `aws:MultiFactorAuthPresent`: this Deny lets them through without MFA",
                        "use `BoolIfExists` so that requests without the key are denied too",
                    ),
                    (Effect::Allow, OperatorBase::Bool, true, true) => (
                        "`BoolIfExists` with `true` is true for requests signed with long-term access keys, which have no `aws:MultiFactorAuthPresent`: this Allow grants them without MFA",
                        "use `Bool` so that only requests authenticated with MFA are allowed",
                    ),
                    (Effect::Allow, OperatorBase::Null, false, false) => (
                        "`Null` with `false` only tests that the request uses temporary credentials, not that MFA was used",
                        "use `\"Bool\": {\"aws:MultiFactorAuthPresent\": \"true\"}`",
                    ),
                    _ => continue,
                };
                // Only the Deny case has a rewrite that narrows access: `Bool` → `BoolIfExists`,
                // when the `Bool` tests nothing else and there is no `BoolIfExists` yet.
                let fix = (effect == Effect::Deny
                    && entry.keys.len() == 1
                    && !statement.conditions().iter().any(|e| {
                        e.operator.node.base == OperatorBase::Bool
                            && e.operator.node.if_exists
                            && e.operator.node.qualifier.is_none()
                    }))
                .then(|| {
                    Fix::replace(
                        Applicability::Unsafe,
                        "use `BoolIfExists`",
                        entry.operator.span,
                        "\"BoolIfExists\"",
                    )
                });
                ctx.report(Self::META, entry.operator.span, message)
                    .help(help)
                    .related(kv.key.span, "this key")
                    .fix_opt(fix);
            }
        }
    }
}
