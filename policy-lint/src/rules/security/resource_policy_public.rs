//! `S017` `resource-policy-public`.

use policy_core::ast::{OperatorBase, PolicyKind, Statement};
use policy_core::Span;

use super::common::{
    confining_deny, is_allow, is_service_caller_pin, list_names, public_pin, wildcard_principal,
};
use crate::context::LintContext;
use crate::declare_rule;
use crate::finding::{Applicability, Edit, Fix};
use crate::rule::Rule;

declare_rule! {
    /// ## What it does
    /// Flags an `Allow` statement of a resource policy whose principal is everyone (`"*"` or
    /// `{"AWS": "*"}`) with no condition that pins the caller, which makes the resource
    /// public.
    ///
    /// ## Why is this bad?
    /// Anyone can call the actions: every AWS account, and anonymous callers where the
    /// service accepts them (S3, SQS, SNS, Lambda function URLs…). Public buckets and queues
    /// are among the most common causes of data leaks.
    ///
    /// A condition pins the caller, and the statement is not reported, when it uses a
    /// positive operator (not negated, not `…IfExists`, not `ForAllValues:`) on one of the
    /// keys S3 Block Public Access accepts (SEMANTICS E14: `aws:PrincipalOrgID`,
    /// `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:userid`, `aws:SourceVpce`,
    /// `aws:SourceVpc`, `aws:SourceArn`, `aws:SourceAccount`, `aws:VpceAccount`,
    /// `aws:VpceOrgID`, `aws:SourceIp`), their newer relatives (`aws:PrincipalOrgPaths`,
    /// `aws:SourceOrgID`, `aws:SourceOrgPaths`, `aws:VpceOrgPaths`, `aws:SourceOwner`) or the
    /// service keys that do the same (`kms:CallerAccount`, `s3:DataAccessPointAccount`,
    /// `s3:DataAccessPointArn`), with values that are not wildcards: no `*` or `?` where they
    /// are wildcards (`…Like` and ARN operators), except after a literal account in an ARN
    /// or after a literal organization id in an organization path; IP ranges of `/8` or
    /// narrower (`/32` for IPv6). Other conditions (`aws:SecureTransport`, say) are named in
    /// the message but do not make the statement private.
    ///
    /// `"Bool": {"aws:PrincipalIsAWSService": "true"}` pins the caller too: the key is true
    /// only when an AWS service principal calls with its own credentials (IAM User Guide,
    /// "AWS global condition context keys", `aws:PrincipalIsAWSService`), never for an
    /// anonymous caller or another account's user.
    ///
    /// A `Deny` of the same policy can confine the statement, and then it is not reported
    /// either: a `Deny` to every principal (`"*"`) whose `Action` and `Resource` cover the
    /// statement's (by wildcard matching; not `NotAction`, not `NotResource`) and whose every
    /// condition is a negated operator without a set qualifier (`StringNotEquals`,
    /// `StringNotEqualsIfExists`, `NotIpAddress`, `ArnNotLike`...) on the keys above, with
    /// values that pin. Such a `Deny` refuses every caller the keys do not name, and a
    /// negated operator is true when the key is missing, so anonymous callers are refused
    /// too. This is the documented form for a private API (API Gateway Developer Guide,
    /// "Example: Allow private API traffic based on source VPC or VPC endpoint": `Allow`
    /// `execute-api:Invoke` to `*`, `Deny` it `StringNotEquals` `aws:SourceVpce`).
    ///
    /// VPC endpoint policies are not checked: an endpoint policy grants nothing by itself,
    /// it only limits what the identity and resource policies grant to requests through the
    /// endpoint (VPC User Guide, "Control access to VPC endpoints using endpoint policies":
    /// "an endpoint policy does not override or replace identity-based policies or
    /// resource-based policies"), so `"Principal": "*"` there makes nothing public. The
    /// linter reads a file as an endpoint policy with `--kind endpoint`, or when its path
    /// names one (see `--kind` in `iampol lint --help`).
    /// Covers Access Analyzer's external-access findings for a public policy (not a
    /// validation check); iam-policy-validator: `principal_validation` (`blocked_principal`
    /// for `*`, `missing_principal_condition`); cloudsplaining: `ResourceExposure` (for
    /// policies it scans); parliament: none.
    ///
    /// ## Fix safety
    /// Adds `"Condition": {"StringEquals": {"aws:PrincipalOrgID": "<org>"}}` to the
    /// statement (or the key to an existing `StringEquals`), which only narrows it. Unsafe
    /// when the organization id is configured (`organization-id`), since callers outside the
    /// organization lose access; display only otherwise, with a stand-in id.
    ///
    /// ## Example
    /// ```json,expect_finding,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=resource
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    /// ```
    pub ResourcePolicyPublic { code: "S017", name: "resource-policy-public", category: Security, severity: Error }
}

/// The stand-in written when no organization id is configured.
const PLACEHOLDER_ORG: &str = "o-exampleorgid";

impl Rule for ResourcePolicyPublic {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        if ctx.kind() != PolicyKind::Resource || !is_allow(statement) {
            return;
        }
        let Some(principal) = wildcard_principal(statement) else {
            return;
        };
        if public_pin(statement).is_some()
            || is_service_caller_pin(statement)
            || confining_deny(ctx.policy(), statement).is_some()
        {
            return;
        }
        let actions: Vec<&str> = statement
            .actions()
            .iter()
            .map(|a| a.node.as_str())
            .collect();
        let what = if statement.action.as_ref().is_some_and(|a| a.negated) {
            "every action but those in `NotAction`".to_string()
        } else {
            list_names(&actions, 3)
        };
        let keys: Vec<&str> = statement
            .conditions()
            .iter()
            .flat_map(|e| e.keys.iter().map(|k| k.key.node.as_str()))
            .collect();
        let conditions = if keys.is_empty() {
            String::new()
        } else {
            format!(
                "; its conditions on {} do not pin the caller",
                list_names(&keys, 3)
            )
        };
        let org = ctx.settings().organization_id.clone();
        let fix = org_condition_fix(statement, org.as_deref());
        ctx.report(
            Self::META,
            principal.span,
            format!(
                "`Principal` `*` lets anyone, including anonymous callers, use {what} on this resource{conditions}"
            ),
        )
        .help("name the principals, or pin the callers with a condition on `aws:PrincipalOrgID`, `aws:PrincipalAccount` or `aws:SourceVpce`")
        .fix_opt(fix);
    }
}

/// A fix that adds `StringEquals` `aws:PrincipalOrgID` to the statement's conditions.
pub(crate) fn org_condition_fix(statement: &Statement, org: Option<&str>) -> Option<Fix> {
    let (applicability, id) = match org {
        Some(id) if !id.is_empty() => (Applicability::Unsafe, id),
        _ => (Applicability::DisplayOnly, PLACEHOLDER_ORG),
    };
    let value = serde_json::to_string(id).ok()?;
    let pair = format!("\"aws:PrincipalOrgID\": {value}");
    let edit = match &statement.condition {
        None => {
            // After the last element's value: `, "K": V` is valid whatever follows it.
            let end = [
                statement.sid.as_ref().map(|n| n.span),
                statement.effect.as_ref().map(|n| n.span),
                statement.principal.as_ref().map(|p| p.span),
                statement.action.as_ref().map(|a| a.span),
                statement.resource.as_ref().map(|r| r.span),
            ]
            .into_iter()
            .flatten()
            .map(|s| s.end)
            .max()?;
            Edit {
                span: Span { start: end, end },
                content: format!(", \"Condition\": {{\"StringEquals\": {{{pair}}}}}"),
            }
        }
        Some(block) => {
            let string_equals = block.entries.iter().find(|e| {
                let op = e.operator.node;
                op.base == OperatorBase::StringEquals && op.qualifier.is_none() && !op.if_exists
            });
            match string_equals {
                Some(entry) => {
                    if let Some(kv) = entry
                        .keys
                        .iter()
                        .find(|k| k.key.node.eq_ignore_ascii_case("aws:PrincipalOrgID"))
                    {
                        Edit {
                            span: kv.values_span,
                            content: value,
                        }
                    } else {
                        let first = entry.keys.first()?;
                        Edit {
                            span: Span {
                                start: first.key.span.start,
                                end: first.key.span.start,
                            },
                            content: format!("{pair}, "),
                        }
                    }
                }
                None => match block.entries.first() {
                    Some(entry) => Edit {
                        span: Span {
                            start: entry.operator.span.start,
                            end: entry.operator.span.start,
                        },
                        content: format!("\"StringEquals\": {{{pair}}}, "),
                    },
                    // `{}`: anything longer may hold entries that did not parse.
                    None if block.span.len() <= 2 => {
                        let at = block.span.start.saturating_add(1);
                        Edit {
                            span: Span { start: at, end: at },
                            content: format!("\"StringEquals\": {{{pair}}}"),
                        }
                    }
                    None => return None,
                },
            }
        }
    };
    Some(Fix {
        applicability,
        message: format!("allow only principals of organization `{id}` (`aws:PrincipalOrgID`)"),
        edits: vec![edit],
    })
}
