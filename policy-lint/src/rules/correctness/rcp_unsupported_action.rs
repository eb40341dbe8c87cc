//! `C211` `rcp-unsupported-action`.

use policy_core::ast::{PolicyKind, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::correctness::rcp_allow_statement::is_full_access;

declare_rule! {
    /// ## What it does
    /// Flags actions a resource control policy cannot use: `NotAction` (RCPs do not support
    /// it), `"*"` as an action outside `RCPFullAWSAccess`, and actions of services that RCPs
    /// do not apply to (the data's `rcpSupportedServices`: S3, STS, KMS, SQS, Secrets
    /// Manager and a few more).
    ///
    /// ## Why is this bad?
    /// AWS Organizations rejects an RCP with `NotAction` or with `"*"` as its action. An
    /// action of another service is accepted but never restricted: the RCP does not apply to
    /// that service's resources, so the guardrail has a hole nobody sees.
    ///
    /// Covers iam-policy-validator: `invalid_rcp_not_action`, `invalid_rcp_wildcard_action`,
    /// `unsupported_rcp_service`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=rcp
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": ["s3:*", "ec2:*"], "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=rcp
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": ["s3:*", "sqs:*"], "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]}
    /// ```
    pub RcpUnsupportedAction { code: "C211", name: "rcp-unsupported-action", category: Correctness, severity: Error }
}

impl Rule for RcpUnsupportedAction {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Rcp {
            return;
        }
        let Some(action) = &statement.action else {
            return;
        };
        if action.negated {
            ctx.report(
                Self::META,
                action.key_span,
                "`NotAction` is not supported in an RCP",
            )
            .help("list the actions to deny under `Action`, service by service (`s3:*`, `sqs:*`)");
            return;
        }
        if is_full_access(statement) {
            return;
        }
        let data = ctx.service_ref();
        for item in &action.items {
            let text = item.node.as_str();
            if text == "*" {
                ctx.report(
                    Self::META,
                    item.span,
                    "an RCP other than `RCPFullAWSAccess` cannot use `*` as an action",
                )
                .help("list the services to restrict: `s3:*`, `sqs:*`, `kms:*`, ...");
                continue;
            }
            let Some((prefix, _)) = text.split_once(':') else {
                continue;
            };
            if prefix.contains(['*', '?'])
                || data.service(prefix).is_none()
                || data.supports_rcp(prefix)
            {
                continue;
            }
            ctx.report(
                Self::META,
                item.span,
                format!("`{text}` is never restricted: RCPs do not apply to service `{prefix}`"),
            )
            .help(format!(
                "RCPs apply to {} services, such as `s3`, `sts`, `kms`, `sqs` and `secretsmanager`; restrict `{prefix}` with an SCP or its resource policies",
                data.rcp_services().count()
            ));
        }
    }
}
