//! `S020` `service-principal-without-source`.

use policy_core::ast::{PolicyKind, PrincipalKind, Statement};

use super::common::{is_allow, pinning_condition, principals, Fixed};
use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of a resource policy that grants access to an AWS service
    /// principal (`sns.amazonaws.com`, `cloudtrail.amazonaws.com`) without a condition on
    /// the source: `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID`,
    /// `aws:SourceOrgPaths` (or the older `aws:SourceOwner`).
    ///
    /// ## Why is this bad?
    /// The service acts for every one of its customers. Without a source condition, another
    /// account can point the service at this resource (its own SNS topic publishing to this
    /// queue, its own trail writing to this bucket): the confused deputy problem.
    ///
    /// The condition counts when its operator is positive (not negated, not `…IfExists`, not
    /// `ForAllValues:`) and its values do not leave the account open: no wildcard, or
    /// wildcards only after a literal account in an ARN.
    ///
    /// Covers Access Analyzer: `RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL`;
    /// iam-policy-validator: `trust_policy_validation` (`confused_deputy_risk`).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:111122223333:orders"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:111122223333:orders", "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:order-events"}}}]}
    /// ```
    pub ServicePrincipalWithoutSource { code: "S020", name: "service-principal-without-source", category: Security, severity: Warning }
}

/// Whether a key names the source of a service's request.
fn is_source_key(key: &str) -> bool {
    matches!(
        key,
        "aws:sourcearn"
            | "aws:sourceaccount"
            | "aws:sourceorgid"
            | "aws:sourceorgpaths"
            | "aws:sourceowner"
    )
}

impl Rule for ServicePrincipalWithoutSource {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Resource || !is_allow(statement) {
            return;
        }
        let services: Vec<_> = principals(statement)
            .into_iter()
            .filter(|p| p.kind == Some(PrincipalKind::Service))
            .collect();
        let Some(first) = services.first() else {
            return;
        };
        if pinning_condition(statement, Fixed::Strict, is_source_key).is_some() {
            return;
        }
        let others = match services.len() {
            1 => String::new(),
            2 => " (and 1 other service)".to_string(),
            n => format!(" (and {} other services)", n - 1),
        };
        ctx.report(
            Self::META,
            first.span,
            format!(
                "service `{}`{others} may act here for any of its customers: no condition on `aws:SourceArn` or `aws:SourceAccount`",
                first.value
            ),
        )
        .help("add a condition on `aws:SourceArn` (the resource that calls) or `aws:SourceAccount` (its account)");
    }
}
