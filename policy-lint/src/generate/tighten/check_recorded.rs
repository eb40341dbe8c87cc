//! Step 4, check (a): the tightened policy still allows what was recorded.
//!
//! The requests checked come from [`crate::generate::verify`], which builds them from each
//! successful event by a path that shares nothing with the mapping the decisions were made
//! from (the event's own ARNs and IDs, no map templates), so a wrong ARN in the mapping cannot
//! hide here: every concrete recorded request that the original policy allows must be allowed
//! by the tightened policy, evaluated with the request's own context
//! ([`verify::compare`]). Calls the original allows none of are another policy's business and
//! are not counted; calls that could not be made concrete are counted as unchecked, never as
//! passed.
//!
//! [`allows_mapped`] checks the mapped calls the decisions were made from the same way: a
//! consistency check of the rebuild, not an independent one.

use policy_core::ast::Policy;
use policy_core::eval::CompiledPolicy;
use policy_core::request::Request;

use super::{Check, IdentityAllows};
use crate::generate::verify::{self, CheckReport, PrincipalRequests};

/// Failures listed in a [`Check`].
const FAILURES_SHOWN: usize = 50;

/// Check (a): `tightened` (`None` when nothing is left of the policy) allows every recorded
/// request of `recorded` that `original` allows. Returns the summary and verify's full report.
pub(super) fn allows_recorded(
    original: &Policy,
    tightened: Option<&Policy>,
    recorded: &PrincipalRequests,
) -> (Check, CheckReport) {
    let report = verify::compare(
        std::slice::from_ref(original),
        tightened.map(std::slice::from_ref).unwrap_or_default(),
        recorded,
    );
    let unchecked: u64 = report
        .unchecked
        .iter()
        .filter(|(reason, _)| reason.as_str() != verify::NOT_IN_ORIGINAL)
        .map(|(_, n)| n)
        .sum();
    let check = Check {
        passed: !report.has_failures(),
        checked: usize::try_from(report.checked).unwrap_or(usize::MAX),
        failures: report
            .failed
            .iter()
            .take(FAILURES_SHOWN)
            .map(|f| format!("{} on {} ({}, {})", f.action, f.resource, f.call, f.event))
            .collect(),
        unchecked: Some(unchecked),
    };
    (check, report)
}

/// The consistency check over the mapped calls: each request `original` allows must be
/// allowed by `tightened`.
pub(super) fn allows_mapped<'r>(
    original: &CompiledPolicy,
    tightened: Option<&CompiledPolicy>,
    requests: impl IntoIterator<Item = &'r Request>,
) -> Check {
    let mut check = Check {
        passed: true,
        ..Check::default()
    };
    // Each policy set up once, not copied for each request.
    let mut original = IdentityAllows::new(vec![original.clone()]);
    let mut tightened = tightened.map(|t| IdentityAllows::new(vec![t.clone()]));
    for request in requests {
        if !original.allows(request) {
            continue;
        }
        check.checked += 1;
        let still = tightened.as_mut().is_some_and(|t| t.allows(request));
        if !still {
            check.fail(format!("{} on {}", request.action, request.resource));
        }
    }
    check
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::sync::Arc;

    use policy_core::ast::PolicyKind;
    use policy_core::parse::parse_policy;
    use policy_core::request::{Context, RequestPrincipal};
    use serde_json::json;

    use super::*;
    use crate::generate::aggregate::Selection;
    use crate::generate::cloudtrail::{Input, ReadOptions};
    use crate::generate::read_activity_and_requests;
    use crate::generate::verify::RecordedRequests;

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

    fn policy(text: &str) -> Policy {
        parse_policy(text, Some(PolicyKind::Identity))
            .policy
            .unwrap()
    }

    /// Successful S3 calls of alice, in the CloudTrail record shape (CloudTrail User Guide,
    /// "CloudTrail record contents"): `resources[]` names the object's ARN, as S3 data events
    /// do.
    fn recorded(calls: &[(&str, &str, &str)]) -> RecordedRequests {
        let text: String = calls
            .iter()
            .map(|(name, arn, region)| {
                let mut line = json!({
                    "eventVersion": "1.09",
                    "userIdentity": {"type": "IAMUser", "arn": ALICE, "accountId": "111122223333"},
                    "eventTime": "2024-08-01T10:00:00Z",
                    "eventSource": "s3.amazonaws.com",
                    "eventName": name,
                    "awsRegion": region,
                    "sourceIPAddress": "203.0.113.7",
                    "requestParameters": {},
                    "resources": [{"type": "AWS::S3::Object", "ARN": arn}],
                    "eventType": "AwsApiCall",
                    "recipientAccountId": "111122223333"
                })
                .to_string();
                line.push('\n');
                line
            })
            .collect();
        let (_, requests) = read_activity_and_requests(
            vec![Input::Stream {
                name: "trail.ndjson".into(),
                reader: Box::new(Cursor::new(text.into_bytes())),
            }],
            Selection::default(),
            &ReadOptions::default(),
            None,
        );
        requests
    }

    #[test]
    fn a_request_the_original_allows_must_stay_allowed() {
        let original = policy(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
        );
        let tightened = policy(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#,
        );
        let trail = recorded(&[
            ("GetObject", "arn:aws:s3:::b/k", "us-east-1"),
            ("GetObject", "arn:aws:s3:::other/k", "eu-west-1"),
            ("PutObject", "arn:aws:s3:::b/k", "us-east-1"),
        ]);
        let calls = trail.principal(ALICE);
        let (check, report) = allows_recorded(&original, Some(&tightened), calls);
        assert!(!check.passed);
        // PutObject is not allowed by the original: not counted, and not unchecked either.
        assert_eq!(check.checked, 2, "{report:?}");
        assert_eq!(check.unchecked, Some(0));
        assert_eq!(check.failures.len(), 1);
        assert!(
            check.failures[0].starts_with("s3:GetObject on arn:aws:s3:::other/k"),
            "{:?}",
            check.failures
        );
        let (kept, _) = allows_recorded(&original, Some(&original), calls);
        assert!(kept.passed && kept.checked == 2);
        // Nothing left of the policy: every call the original allowed is lost.
        let (none, _) = allows_recorded(&original, None, calls);
        assert_eq!((none.checked, none.failures.len()), (2, 2));
    }

    #[test]
    fn conditions_are_evaluated_with_the_recorded_context() {
        let original = policy(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#,
        );
        let only_eu = policy(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}"#,
        );
        let eu = recorded(&[("GetObject", "arn:aws:s3:::b/k", "eu-west-1")]);
        let us = recorded(&[("GetObject", "arn:aws:s3:::b/k", "us-east-1")]);
        assert!(
            allows_recorded(&original, Some(&only_eu), eu.principal(ALICE))
                .0
                .passed
        );
        assert!(
            !allows_recorded(&original, Some(&only_eu), us.principal(ALICE))
                .0
                .passed
        );
    }

    #[test]
    fn the_mapped_calls_are_checked_the_same_way() {
        let compile = |text: &str| CompiledPolicy::new(&policy(text), "p", 0);
        let original = compile(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
        );
        let tightened = compile(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#,
        );
        let who = Arc::new(RequestPrincipal::parse(ALICE).unwrap());
        let request = |action: &str, resource: &str| {
            Request::new(Arc::clone(&who), action, resource, None, Context::new())
        };
        let kept = request("s3:GetObject", "arn:aws:s3:::b/k");
        let lost = request("s3:PutObject", "arn:aws:s3:::b/k");
        let elsewhere = request("ec2:DescribeInstances", "*");
        let check = allows_mapped(&original, Some(&tightened), [&kept, &lost, &elsewhere]);
        assert_eq!(check.checked, 2);
        assert_eq!(check.failures, vec!["s3:PutObject on arn:aws:s3:::b/k"]);
        assert!(check.unchecked.is_none());
    }
}
