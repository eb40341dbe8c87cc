//! `W014` `shadowed-statement`.

use policy_core::ast::{Effect, Policy};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::suspicious::support::{statement_anchor, Covering};

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement that a `Deny` statement of the same policy cancels
    /// entirely: the `Deny` has no `Condition` and matches every action, resource and
    /// principal the `Allow` does. The check is conservative: `NotAction` and
    /// `NotResource` are only covered by `*`.
    ///
    /// ## Why is this bad?
    /// An explicit deny always wins, so the `Allow` never grants anything. Either the
    /// `Allow` is dead, or the `Deny` is broader than intended (a missing condition, a
    /// wildcard too many).
    ///
    /// Covers iam-policy-validator: (no check); Access Analyzer: (no check). It goes beyond
    /// `REDUNDANT_STATEMENT`, which compares statements of the same effect.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}, {"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Sid": "ReadReports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}, {"Sid": "NoS3Deletes", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}
    /// ```
    pub ShadowedStatement { code: "W014", name: "shadowed-statement", category: Suspicious, severity: Warning }
}

impl Rule for ShadowedStatement {
    fn check_policy(&self, policy: &Policy, ctx: &mut LintContext<'_>) {
        let denies: Vec<Covering<'_>> = policy
            .statements
            .iter()
            .filter(|s| s.effect() == Some(Effect::Deny) && s.condition.is_none())
            .map(Covering::of)
            .collect();
        if denies.is_empty() {
            return;
        }
        for allow in policy
            .statements
            .iter()
            .filter(|s| s.effect() == Some(Effect::Allow))
        {
            let allow_prepared = Covering::of(allow);
            let Some(deny) = denies.iter().find(|d| d.covers(&allow_prepared)) else {
                continue;
            };
            let deny = deny.statement();
            ctx.report(
                Self::META,
                statement_anchor(allow),
                format!(
                    "statement {} never allows anything: statement {} denies everything it allows",
                    allow.label(),
                    deny.label()
                ),
            )
            .help("narrow the Deny (a condition, fewer actions or resources) or remove the Allow")
            .related(statement_anchor(deny), "denied by this statement");
        }
    }
}
