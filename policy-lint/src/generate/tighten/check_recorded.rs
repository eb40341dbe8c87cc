//! Step 4, check (a): the tightened policy still allows what was recorded.
//!
//! The requests checked come from a derivation of the events that shares nothing with the
//! mapping the decisions were made from (the event's own ARNs and IDs, no map templates; see
//! [`ConcreteCalls`]), so a wrong ARN in the mapping cannot hide here: every concrete recorded
//! request that the original policy allows must be allowed by the tightened policy, evaluated
//! with the request's own context. Requests the original does not allow are another policy's
//! business and are not counted. Calls that could not be made concrete are counted as
//! unchecked, never as passed.
//!
//! The same function also checks the mapped calls the decisions were made from (a consistency
//! check of the rebuild, not an independent one).

use policy_core::eval::CompiledPolicy;
use policy_core::request::Request;

use super::{identity_allows, Check};

/// Recorded calls made concrete by a derivation independent of the mapping: one request per
/// distinct call (principal, action, concrete resource ARN or `*` for actions that take none,
/// context), and the number of calls that could not be made concrete.
#[derive(Debug, Clone, Default)]
pub struct ConcreteCalls {
    /// The requests.
    pub requests: Vec<Request>,
    /// Recorded calls whose request could not be made concrete.
    pub unchecked: u64,
}

/// Check (a) over `requests`: each one `original` allows must be allowed by `tightened` (`None`
/// when nothing is left of the policy). `unchecked` is reported as is.
pub(super) fn allows_recorded<'r>(
    original: &CompiledPolicy,
    tightened: Option<&CompiledPolicy>,
    requests: impl IntoIterator<Item = &'r Request>,
    unchecked: Option<u64>,
) -> Check {
    let mut check = Check {
        passed: true,
        unchecked,
        ..Check::default()
    };
    for request in requests {
        if !identity_allows(std::slice::from_ref(original), request) {
            continue;
        }
        check.checked += 1;
        let still = tightened.is_some_and(|t| identity_allows(std::slice::from_ref(t), request));
        if !still {
            check.fail(describe(request));
        }
    }
    check
}

/// `action on resource`, with the region when the request has one.
fn describe(request: &Request) -> String {
    match request
        .context
        .get("aws:requestedregion")
        .and_then(<[String]>::first)
    {
        Some(region) => format!("{} on {} ({region})", request.action, request.resource),
        None => format!("{} on {}", request.action, request.resource),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use policy_core::ast::PolicyKind;
    use policy_core::parse::parse_policy;
    use policy_core::request::{Context, RequestPrincipal};

    use super::*;

    fn compiled(text: &str) -> CompiledPolicy {
        CompiledPolicy::new(
            &parse_policy(text, Some(PolicyKind::Identity))
                .policy
                .unwrap(),
            "p",
            0,
        )
    }

    fn request(action: &str, resource: &str, region: &str) -> Request {
        let who =
            Arc::new(RequestPrincipal::parse("arn:aws:iam::111122223333:user/alice").unwrap());
        let mut ctx = Context::new();
        ctx.insert("aws:RequestedRegion", vec![region.to_string()]);
        Request::new(who, action, resource, None, ctx)
    }

    #[test]
    fn a_request_the_original_allows_must_stay_allowed() {
        let original = compiled(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
        );
        let tightened = compiled(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#,
        );
        let kept = request("s3:GetObject", "arn:aws:s3:::b/k", "us-east-1");
        let lost = request("s3:GetObject", "arn:aws:s3:::other/k", "eu-west-1");
        let elsewhere = request("ec2:DescribeInstances", "*", "us-east-1");
        let check = allows_recorded(
            &original,
            Some(&tightened),
            [&kept, &lost, &elsewhere],
            Some(3),
        );
        assert!(!check.passed);
        // The EC2 request is not allowed by the original: not counted.
        assert_eq!(check.checked, 2);
        assert_eq!(check.unchecked, Some(3));
        assert_eq!(
            check.failures,
            vec!["s3:GetObject on arn:aws:s3:::other/k (eu-west-1)"]
        );
        let all_good = allows_recorded(&original, Some(&tightened), [&kept], None);
        assert!(all_good.passed && all_good.checked == 1);
    }

    #[test]
    fn conditions_are_evaluated_with_the_request_context() {
        let original = compiled(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
        );
        let only_eu = compiled(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}"#,
        );
        let us = request("s3:GetObject", "arn:aws:s3:::b/k", "us-east-1");
        let eu = request("s3:GetObject", "arn:aws:s3:::b/k", "eu-west-1");
        assert!(allows_recorded(&original, Some(&only_eu), [&eu], None).passed);
        assert!(!allows_recorded(&original, Some(&only_eu), [&us], None).passed);
        // Nothing left of the policy: every request the original allowed is lost.
        let none = allows_recorded(&original, None, [&us, &eu], None);
        assert_eq!((none.checked, none.failures.len()), (2, 2));
    }
}
