//! Step 5, check (b): the tightened policy allows nothing the original does not, decided over
//! every request with [`no_new_access`] (issue 12), not argued statement by statement.
//!
//! - The whole tightened policy is compared with the whole original. PASS: the check passes.
//!   FAIL: the check fails with the counterexample (a request the tightened policy allows and
//!   the original does not, checked with the evaluator); that is a bug in `tighten`, and the
//!   tightened policy is not printed.
//! - UNKNOWN (a policy variable, say): each narrowed statement is compared alone with the
//!   original statement it comes from. `Deny` statements are kept as written, so when no new
//!   `Allow` statement allows something its original does not, neither does the policy. A
//!   narrowed statement whose comparison is UNKNOWN is reported back to be kept as written
//!   (nothing is cut that cannot be proven); [`super::tighten`] rebuilds and checks again.

use std::collections::BTreeMap;

use policy_core::analysis::compare::{no_new_access, Verdict};
use policy_core::ast::Policy;
use serde_json::Value;

use super::read::Original;
use super::Check;
use crate::support::proof::{counterexample_text, policy_of};

/// Check (b), and the narrowed statements it could not prove (original index and why).
#[derive(Debug, Default)]
pub(super) struct Proof {
    pub(super) check: Check,
    pub(super) unproven: Vec<(usize, String)>,
}

/// Check (b) of `tightened` (`None`: nothing left, which allows nothing) against the
/// original; `derived` holds each `Allow` statement of `tightened` with the index of the
/// original statement it comes from.
pub(super) fn prove(
    original: &Original,
    tightened: Option<&Policy>,
    derived: &[(Value, usize)],
) -> Proof {
    let mut proof = Proof {
        check: Check {
            passed: true,
            ..Check::default()
        },
        unproven: Vec::new(),
    };
    let Some(tightened) = tightened else {
        return proof;
    };
    match no_new_access(&original.policy, tightened) {
        Verdict::Pass => proof.check.checked = derived.len().max(1),
        Verdict::Fail(example) => proof.check.fail(format!(
            "{} of the tightened policy, and not by the original",
            counterexample_text(&example)
        )),
        Verdict::Unknown(why) => by_statement(original, derived, &why, &mut proof),
    }
    proof
}

/// Check (b) statement by statement, after the whole policy gave UNKNOWN (`why`).
fn by_statement(original: &Original, derived: &[(Value, usize)], why: &str, proof: &mut Proof) {
    let mut pieces: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
    for (piece, index) in derived {
        pieces.entry(*index).or_default().push(piece.clone());
    }
    let version = original.doc.get("Version");
    for (index, pieces) in pieces {
        let Some(written) = original.statements.get(index) else {
            proof
                .check
                .fail(format!("statement #{} has no original", index + 1));
            continue;
        };
        if pieces.len() == 1 && pieces.first() == Some(written) {
            // Kept as written.
            proof.check.checked += 1;
            continue;
        }
        let (Some(before), Some(after)) = (
            policy_of(version, std::slice::from_ref(written)),
            policy_of(version, &pieces),
        ) else {
            proof.check.fail(format!(
                "the statements narrowed from statement #{} cannot be read",
                index + 1
            ));
            continue;
        };
        match no_new_access(&before, &after) {
            Verdict::Pass => proof.check.checked += pieces.len(),
            Verdict::Fail(example) => proof.check.fail(format!(
                "{} narrowed from statement #{}, and not by that statement (the whole policy: {why})",
                counterexample_text(&example),
                index + 1
            )),
            Verdict::Unknown(reason) => proof.unproven.push((index, reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::read::read_policy;
    use super::*;

    /// Check (b) of `tightened` (Allow statements, each from the original statement at the
    /// given index) against `original`.
    fn check(original: &Value, tightened: &[(Value, usize)]) -> Proof {
        let original = read_policy(&original.to_string()).unwrap();
        let mut statements: Vec<Value> = tightened.iter().map(|(s, _)| s.clone()).collect();
        // The original's Deny statements are kept as written.
        statements.extend(
            original
                .statements
                .iter()
                .filter(|s| s["Effect"] == "Deny")
                .cloned(),
        );
        let policy = policy_of(original.doc.get("Version"), &statements).unwrap();
        prove(&original, Some(&policy), tightened)
    }

    fn doc(statements: &[Value]) -> Value {
        json!({"Version": "2012-10-17", "Statement": statements})
    }

    #[test]
    fn narrower_statements_pass() {
        let original = json!({"Sid": "S", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}});
        let piece = json!({"Sid": "S", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": ["arn:aws:s3:::b/k", "arn:aws:s3:::b/logs/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}});
        let p = check(&doc(std::slice::from_ref(&original)), &[(piece, 0)]);
        assert!(p.check.passed && p.unproven.is_empty(), "{p:?}");
        let same = check(&doc(std::slice::from_ref(&original)), &[(original, 0)]);
        assert!(same.check.passed, "{same:?}");
    }

    // Each of these the structural argument also refused; the decision procedure gives the
    // request (IAM UG, "Policy evaluation logic": a request is allowed when an Allow statement
    // matches it and no Deny does).
    #[test]
    fn wider_or_different_statements_fail_with_a_request() {
        let original = json!({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}});
        let cond = original["Condition"].clone();
        for (piece, request) in [
            (
                json!({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/k", "Condition": cond}),
                "`s3:PutObject` on `arn:aws:s3:::b/k`",
            ),
            (
                json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::c/k", "Condition": cond}),
                "`s3:GetObject` on `arn:aws:s3:::c/k`",
            ),
            (
                json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*", "Condition": cond}),
                "`s3:GetObject` on `arn:aws:s3:::",
            ),
            // The condition left out: a request without `aws:SecureTransport` true.
            (
                json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}),
                "`s3:GetObject` on `arn:aws:s3:::b/k`",
            ),
        ] {
            let p = check(&doc(std::slice::from_ref(&original)), &[(piece.clone(), 0)]);
            assert!(!p.check.passed, "{piece}");
            let failure = p.check.failures.join("; ");
            assert!(failure.contains(request), "{piece}: {failure}");
            assert!(failure.contains("allowed by statement #1"), "{failure}");
        }
    }

    // The structural argument refused these: an action pattern that is not the original's
    // own, and a new statement with `NotAction`. Both allow nothing new.
    #[test]
    fn equivalent_rewrites_the_structural_argument_refused_pass() {
        let original =
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"});
        let pattern =
            json!({"Effect": "Allow", "Action": "s3:GetObjec?", "Resource": "arn:aws:s3:::b/*"});
        let p = check(&doc(std::slice::from_ref(&original)), &[(pattern, 0)]);
        assert!(p.check.passed, "{p:?}");
        let everything_but_iam = json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"});
        let narrower = json!({"Effect": "Allow", "NotAction": ["iam:*", "s3:*"], "Resource": "*"});
        let p = check(&doc(&[everything_but_iam]), &[(narrower, 0)]);
        assert!(p.check.passed, "{p:?}");
    }

    #[test]
    fn not_resource_and_not_action_originals() {
        let power_user =
            json!({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"});
        let ok = json!({"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"});
        let bad = json!({"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"});
        let power = doc(std::slice::from_ref(&power_user));
        assert!(check(&power, &[(ok, 0)]).check.passed);
        assert!(!check(&power, &[(bad, 0)]).check.passed);
        let not_secret =
            json!({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"});
        let keeps = json!({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "NotResource": "arn:aws:s3:::secret/*"});
        let into_secret = json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/k"});
        let wildcard =
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"});
        let secret = doc(std::slice::from_ref(&not_secret));
        assert!(check(&secret, &[(keeps, 0)]).check.passed);
        assert!(!check(&secret, &[(into_secret, 0)]).check.passed);
        assert!(check(&secret, &[(wildcard, 0)]).check.passed);
    }

    // A Deny kept as written still takes away what it denies: narrowing an Allow under it is
    // proven, and a Deny dropped is caught.
    #[test]
    fn denies_count() {
        let allow = json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"});
        let deny = json!({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"});
        let original = read_policy(&doc(&[allow.clone(), deny]).to_string()).unwrap();
        let without_deny = policy_of(None, std::slice::from_ref(&allow)).unwrap();
        let p = prove(&original, Some(&without_deny), &[(allow, 0)]);
        assert!(!p.check.passed);
        assert!(
            p.check.failures.join("").contains("`s3:DeleteBucket`"),
            "{p:?}"
        );
    }

    // A set operator on a Numeric operator is not decided: the whole policy is UNKNOWN, the
    // statement without one is proven alone, the one with it is reported back to be kept as
    // written.
    #[test]
    fn unknown_statements_are_reported_to_keep() {
        let condition = json!({"ForAnyValue:NumericLessThan": {"s3:max-keys": "10"}});
        let home = json!({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::home/*", "Condition": condition});
        let logs = json!({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::logs/*"});
        let home_narrow = json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/*", "Condition": condition});
        let logs_narrow =
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*"});
        let p = check(
            &doc(&[home.clone(), logs.clone()]),
            &[(home_narrow, 0), (logs_narrow, 1)],
        );
        assert!(p.check.passed, "{p:?}");
        assert_eq!(p.unproven.len(), 1, "{p:?}");
        assert_eq!(p.unproven[0].0, 0);
        // Kept as written, it needs no proof.
        let wide_logs = json!({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::*"});
        let p = check(&doc(&[home.clone(), logs]), &[(home, 0), (wide_logs, 1)]);
        assert!(p.unproven.is_empty(), "{p:?}");
        assert!(!p.check.passed, "{p:?}");
    }
}
