//! `S015` `defense-evasion`.

use std::sync::OnceLock;

use policy_core::ast::Statement;

use super::common::{list_names, names_of, unrestricted_grant, ActionList};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of an identity policy that grants, on every resource (`*`,
    /// every resource of a type, or `NotResource`), actions that turn off or blind the
    /// account's logging and threat detection: stopping or deleting trails (`cloudtrail`),
    /// detectors (`guardduty`), AWS Config recorders, Security Hub, Macie, Inspector, Access
    /// Analyzer analyzers, VPC flow logs and log groups, or leaving the organization.
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

/// Actions that stop or delete logging and detection.
const ACTIONS: &[&str] = &[
    "access-analyzer:DeleteAnalyzer",
    "cloudtrail:DeleteEventDataStore",
    "cloudtrail:DeleteTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:StopEventDataStoreIngestion",
    "cloudtrail:StopLogging",
    "cloudtrail:UpdateTrail",
    "config:DeleteConfigurationRecorder",
    "config:DeleteDeliveryChannel",
    "config:StopConfigurationRecorder",
    "detective:DeleteGraph",
    "ec2:DeleteFlowLogs",
    "guardduty:DeleteDetector",
    "guardduty:DisassociateFromAdministratorAccount",
    "guardduty:DisassociateFromMasterAccount",
    "guardduty:UpdateDetector",
    "inspector2:Disable",
    "logs:DeleteLogGroup",
    "macie2:DisableMacie",
    "organizations:LeaveOrganization",
    "securityhub:DisableSecurityHub",
];

/// The actions, resolved once.
fn list() -> &'static ActionList {
    static LIST: OnceLock<ActionList> = OnceLock::new();
    LIST.get_or_init(|| ActionList::new(ACTIONS))
}

impl Rule for DefenseEvasion {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let Some(grant) = unrestricted_grant(&ctx.facts(statement), statement, ctx.kind(), list())
        else {
            return;
        };
        let names = names_of(list(), &grant.granted);
        ctx.report(
            Self::META,
            grant.at,
            format!(
                "grants {} on every resource: actions that turn off logging or threat detection",
                list_names(&names, 3)
            ),
        )
        .help("remove these actions, or name the trails, detectors and log groups the principal administers")
        .related(grant.resource, "every resource");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_listed_action_is_known() {
        assert_eq!(super::list().iter().count(), super::ACTIONS.len());
    }
}
