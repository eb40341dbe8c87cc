//! `C109` `invalid-arn`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use policy_core::ast::{PolicyKind, Statement};
use policy_core::service_ref::ServiceRef;

use crate::context::LintContext;
use crate::declare_rule;
use crate::rule::Rule;
use crate::rules::util::{has_variable, has_wildcard, is_api_gateway_short_form, split_arn};

declare_rule! {
    /// ## What it does
    /// Flags a `Resource` or `NotResource` value that is neither `*` nor a well-formed ARN
    /// `arn:partition:service:region:account:resource`: a missing `arn:` prefix, fewer than
    /// six parts, an unknown partition, a service part in capitals, with a wildcard or not
    /// used by any AWS resource type, a malformed region, an account that is not 12 digits,
    /// or an empty resource part. Parts with policy variables or wildcards are accepted where
    /// AWS accepts them, and so is API Gateway's short form `execute-api:/stage/VERB/path` in a
    /// resource policy, which API Gateway expands to the API's ARN.
    ///
    /// ## Why is this bad?
    /// A malformed ARN matches no resource, so an `Allow` grants nothing and a `Deny`
    /// protects nothing. AWS rejects some of these outright.
    ///
    /// Covers Access Analyzer: `INVALID_ARN_PREFIX`, `MISSING_ARN_FIELD`,
    /// `INVALID_ARN_SERVICE_CASE`, `INVALID_ARN_ACCOUNT`, `INVALID_PARTITION`,
    /// `INVALID_SERVICE`, `INVALID_ARN_RESOURCE` (in part); parliament: `RESOURCE_MISMATCH` (in
    /// part).
    ///
    /// ## Example
    /// ```json,expect_finding,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:reports/*"}]}
    /// ```
    ///
    /// ## Use instead
    /// ```json,kind=identity
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}
    /// ```
    pub InvalidArn { code: "C109", name: "invalid-arn", category: Correctness, severity: Error }
}

const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// The service parts used by the ARN formats of the reference data (`s3`, `execute-api`).
fn arn_services() -> &'static BTreeSet<String> {
    static SERVICES: OnceLock<BTreeSet<String>> = OnceLock::new();
    SERVICES.get_or_init(|| {
        ServiceRef::get()
            .services()
            .flat_map(|s| s.resource_types().collect::<Vec<_>>())
            .filter_map(|rt| {
                rt.arn_format()
                    .split(':')
                    .nth(2)
                    .map(str::to_ascii_lowercase)
            })
            .filter(|s| !s.starts_with("${"))
            .collect()
    })
}

/// What is wrong with a resource string, if anything, and advice.
pub(crate) fn arn_problem(text: &str) -> Option<(String, Option<String>)> {
    if text == "*" {
        return None;
    }
    if !text.starts_with("arn:") {
        let help = if text.starts_with("ARN:") || text.starts_with("Arn:") {
            Some("write the prefix in lower case: `arn:`".to_string())
        } else {
            Some("write `*` or a full ARN such as `arn:aws:s3:::bucket/*`".to_string())
        };
        return Some(("is not `*` or an ARN".to_string(), help));
    }
    let parts = split_arn(text, 6);
    let [_, partition, service, region, account, resource] = parts.as_slice() else {
        return Some((
            format!("has {} of the 6 parts of an ARN", parts.len()),
            Some("an ARN is `arn:partition:service:region:account:resource`; leave region or account empty, not out".to_string()),
        ));
    };
    let open = |s: &str| has_wildcard(s) || has_variable(s);
    if !open(partition) && !PARTITIONS.contains(partition) {
        return Some((
            format!("has an unknown partition `{partition}`"),
            Some("use `aws`, `aws-cn` or `aws-us-gov`".to_string()),
        ));
    }
    if service.is_empty() {
        return Some(("has an empty service part".to_string(), None));
    }
    if has_wildcard(service) {
        return Some((
            "has a wildcard in the service part, which IAM does not allow".to_string(),
            Some("name the service, or use `*` for the whole resource".to_string()),
        ));
    }
    if !has_variable(service) {
        if service.chars().any(|c| c.is_ascii_uppercase()) {
            return Some((
                format!("has a service part `{service}` with capitals"),
                Some(format!("write `{}`", service.to_ascii_lowercase())),
            ));
        }
        // Some services name no resource type in the reference but exist all the same.
        if !arn_services().contains(*service) && ServiceRef::get().service(service).is_none() {
            return Some((
                format!("names service `{service}`, which no AWS resource type uses"),
                None,
            ));
        }
    }
    if !open(region)
        && !region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some((
            format!("has an invalid region `{region}`"),
            Some("write a region such as `us-east-1`, `*`, or leave it empty".to_string()),
        ));
    }
    let account_ok = account.is_empty()
        || *account == "aws"
        || open(account)
        || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    if !account_ok {
        return Some((
            format!("has an invalid account `{account}`"),
            Some("an account ID has 12 digits".to_string()),
        ));
    }
    if resource.is_empty() {
        return Some(("has an empty resource part".to_string(), None));
    }
    None
}

impl Rule for InvalidArn {
    fn check_statement(&self, statement: &Statement, ctx: &mut LintContext<'_>) {
        // Only an API's resource policy may use API Gateway's short form.
        let short_form_ok = ctx.kind() == PolicyKind::Resource;
        for resource in statement.resources() {
            if short_form_ok && is_api_gateway_short_form(&resource.node) {
                continue;
            }
            if let Some((problem, help)) = arn_problem(&resource.node) {
                ctx.report(
                    Self::META,
                    resource.span,
                    format!("resource `{}` {problem}", resource.node),
                )
                .help_opt(help);
            }
        }
    }
}
