//! `W017` `network-deny-without-service-exception`.

use policy_core::ast::{ConditionEntry, OperatorBase, PolicyKind, Statement};

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags a `Deny` statement of a service or resource control policy that denies requests from
    /// outside a network, with a negated operator (`NotIpAddress`, `StringNotEquals`,
    /// `StringNotLike`, `ArnNotLike`..., with or without `IfExists`) on `aws:SourceIp`,
    /// `aws:SourceVpc`, `aws:SourceVpcArn`, `aws:SourceVpce`, `aws:VpceAccount`,
    /// `aws:VpceOrgID` or `aws:VpceOrgPaths`, but makes no exception for AWS services:
    /// no `"Bool"`/`"BoolIfExists"` condition requiring `aws:ViaAWSService` to be `false`
    /// and, in a resource control policy, none requiring `aws:PrincipalIsAWSService` to be
    /// `false`.
    ///
    /// ## Why is this bad?
    /// When an AWS service calls another service on the user's behalf (a stack
    /// creating a bucket, Athena reading S3, KMS called by EBS), the request does not come
    /// from the user's network: `aws:SourceIp` is the service's address or is missing, and
    /// the VPC keys are missing (IAM User Guide, "AWS global condition context keys",
    /// `aws:SourceIp`: not present in the request context "if the request comes from a host
    /// that uses an Amazon VPC endpoint", and "when an AWS service calls another service on
    /// your behalf" the service's own address is used). A negated operator is true when the
    /// key is missing, and so is its `IfExists` form, so the `Deny` refuses those calls and
    /// breaks every workflow through an AWS service. Service principals calling with their
    /// own credentials (a resource control policy's concern) are refused the same way.
    ///
    /// AWS's data-perimeter examples write the exception as `"BoolIfExists":
    /// {"aws:ViaAWSService": "false"}` (and `"aws:PrincipalIsAWSService": "false"` in
    /// resource control policies), as does the IAM User Guide's example "AWS: Denies access
    /// to AWS based on the source IP". Resource policies are not checked: the S3 User Guide
    /// restricts a bucket to a VPC endpoint this way on purpose ("Restricting access to a
    /// specific VPC endpoint"). Identity policies are not checked either: a `Deny` there
    /// binds one principal, whose author chose it; an SCP or RCP binds every principal or
    /// resource of the accounts it is attached to. Lint an SCP or RCP with `--kind scp` or
    /// `--kind rcp`.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=scp
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=scp
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddressIfExists": {"aws:SourceIp": "203.0.113.0/24"}, "BoolIfExists": {"aws:ViaAWSService": "false"}}}]}
    /// ```
    pub NetworkDenyWithoutServiceException { code: "W017", name: "network-deny-without-service-exception", category: Suspicious, severity: Warning }
}

/// The keys that tell where a request comes from on the network (lower case).
const NETWORK_KEYS: [&str; 7] = [
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpcarn",
    "aws:sourcevpce",
    "aws:vpceaccount",
    "aws:vpceorgid",
    "aws:vpceorgpaths",
];

impl Rule for NetworkDenyWithoutServiceException {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        let kind = ctx.kind();
        if !matches!(kind, PolicyKind::Scp | PolicyKind::Rcp)
            || statement.effect() != Some(policy_core::ast::Effect::Deny)
        {
            return;
        }
        let entries = statement.conditions();
        let Some((entry, key)) = entries.iter().find_map(|e| {
            let op = e.operator.node;
            if !op.is_negated() {
                return None;
            }
            e.keys
                .iter()
                .find(|kv| NETWORK_KEYS.contains(&kv.key.node.to_ascii_lowercase().as_str()))
                .map(|kv| (e, kv))
        }) else {
            return;
        };
        let mut missing: Vec<&str> = Vec::new();
        if !excepts(entries, "aws:ViaAWSService") {
            missing.push("`aws:ViaAWSService`");
        }
        if kind == PolicyKind::Rcp && !excepts(entries, "aws:PrincipalIsAWSService") {
            missing.push("`aws:PrincipalIsAWSService`");
        }
        if missing.is_empty() {
            return;
        }
        let whom = if missing.contains(&"`aws:ViaAWSService`") {
            "AWS services calling for your principals"
        } else {
            "AWS service principals calling with their own credentials"
        };
        ctx.report(
            Self::META,
            key.key.span,
            format!(
                "`{}` on `{}` also denies {whom}, which do not come from your network",
                entry.operator.node, key.key.node
            ),
        )
        .help(format!(
            "add `\"BoolIfExists\": {{{}}}` to the condition, as AWS's data-perimeter examples do",
            missing
                .iter()
                .map(|k| format!("{k}: \"false\""))
                .collect::<Vec<_>>()
                .join(", ")
                .replace('`', "\"")
        ));
    }
}

/// Whether a condition requires `key` (a boolean key) to be `false`, with `Bool` or
/// `BoolIfExists`: the statement then spares requests where it is true.
fn excepts(entries: &[ConditionEntry], key: &str) -> bool {
    entries.iter().any(|e| {
        let op = e.operator.node;
        op.base == OperatorBase::Bool
            && op.qualifier.is_none()
            && e.keys.iter().any(|kv| {
                kv.key.node.eq_ignore_ascii_case(key)
                    && !kv.values.is_empty()
                    && kv
                        .values
                        .iter()
                        .all(|v| v.node.as_text().eq_ignore_ascii_case("false"))
            })
    })
}
