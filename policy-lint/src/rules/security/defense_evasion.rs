//! `S015` `defense-evasion`.

use policy_core::ast::Statement;

use super::common::check_sensitive;
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::support::sensitive::Sensitivity;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants, on every resource (`*`,
    /// every resource of a type, or `NotResource`), actions that turn off or blind the
    /// account's logging and threat detection: stopping or deleting trails (`cloudtrail`),
    /// detectors (`guardduty`), AWS Config recorders, Security Hub, Macie, Inspector, Access
    /// Analyzer analyzers, VPC flow logs and log groups, or leaving the organization.
    ///
    /// The actions come from the sensitive-action table (`policy-lint/data/sensitive-actions.toml`,
    /// category `defense-evasion`): the listed actions, with overrides that each name their AWS doc source. Only
    /// the actions that can apply to the broad resources count: `"Action": "*"` on
    /// `arn:aws:secretsmanager:…:secret:*` grants no IAM action. A statement that allows
    /// every action (`Action: "*"`, `NotAction`) is left to `wildcard-action` or
    /// `not-action-with-allow`, whose finding names this consequence.
    ///
    /// ## Why is this bad?
    /// An attacker's first step after gaining access is to stop the trail that would record
    /// it. Few principals need these actions, and those that do need them on named trails or
    /// detectors.
    ///
    /// A statement narrowed by a condition is not reported: a positive operator (not
    /// negated, not `…IfExists`, not `ForAllValues:`) on a key that scopes the resources,
    /// such as `aws:ResourceTag/…`, `aws:ResourceAccount` or any service key, with a value
    /// other than `*`.
    ///
    /// Covers iam-policy-validator: `sensitive_action` (in part); no other tool has a
    /// category for it (cloudsplaining counts some of these as `InfrastructureModification`).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"], "Resource": "*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cloudtrail:GetTrailStatus", "Resource": "arn:aws:cloudtrail:eu-west-1:111122223333:trail/management"}]}
    /// ```
    pub DefenseEvasion { code: "S015", name: "defense-evasion", category: Security, severity: Warning }
}

impl Rule for DefenseEvasion {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        check_sensitive(
            Self::META,
            Sensitivity::DefenseEvasion,
            statement,
            ctx,
            "remove these actions, or name the trails, detectors and log groups the principal administers",
        );
    }
}
