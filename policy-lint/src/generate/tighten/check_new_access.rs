//! Step 5, check (b): the tightened policy allows nothing the original does not.
//!
//! `Deny` statements are kept as written, so it is enough that each `Allow` statement of the
//! tightened policy is inside the original statement it comes from: the same effect and
//! condition (then the condition can be left out of the comparison, both share it), and each
//! of its actions × each of its resources allowed by that original statement. Action patterns
//! must be the original's own (they are expanded with the IAM reference, and match no other
//! action than the original's pattern does); a resource with wildcards must be one of the
//! original's patterns or provably included in one ([`super::pattern::pattern_includes`]). A
//! `NotResource` statement must keep the original's `NotResource` and only its actions.

use std::collections::BTreeSet;
use std::sync::Arc;

use policy_core::ast::PolicyKind;
use policy_core::eval::CompiledPolicy;
use policy_core::parse::parse_policy;
use policy_core::request::{Context, Request, RequestPrincipal};
use policy_core::service_ref::{Action, ServiceRef};
use serde_json::Value;

use super::decide::value_strings;
use super::pattern::{action_matches, has_wildcard, pattern_includes};
use super::{identity_allows, Check};
use crate::generate::mapping::unescape;

/// Check (b) over the tightened policy's `Allow` statements, each with the original statement
/// it comes from.
pub(super) fn no_new_access(
    derived: &[(Value, usize)],
    originals: &[Value],
    who: &Arc<RequestPrincipal>,
) -> Check {
    let mut check = Check {
        passed: true,
        ..Check::default()
    };
    for (piece, index) in derived {
        match originals.get(*index) {
            Some(original) => statement_inside(piece, original, who, &mut check),
            None => check.fail(format!("statement #{} has no original", index + 1)),
        }
    }
    check
}

/// The strings of an element of a statement, as a set.
fn strings(statement: &Value, key: &str) -> BTreeSet<String> {
    statement
        .get(key)
        .map(value_strings)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// Check (b) for one statement against its original.
fn statement_inside(
    piece: &Value,
    original: &Value,
    who: &Arc<RequestPrincipal>,
    check: &mut Check,
) {
    if piece == original {
        check.checked += 1;
        return;
    }
    let same = |key: &str| piece.get(key) == original.get(key);
    if !same("Effect") || !same("Condition") {
        check.fail("a new statement changes the effect or condition".into());
        return;
    }
    if piece.get("NotAction").is_some() || piece.get("Principal").is_some() {
        check.fail("a new statement has `NotAction` or `Principal`".into());
        return;
    }
    let Some(bare) = without_condition(original) else {
        check.fail("the original statement cannot be read".into());
        return;
    };
    let original_actions = strings(original, "Action");
    let mut actions: Vec<String> = Vec::new();
    for a in strings(piece, "Action") {
        if a.contains(['*', '?']) {
            if !original_actions.contains(&a) {
                check.fail(format!("action pattern `{a}` is not the original's"));
                continue;
            }
            actions.extend(ServiceRef::get().expand(&a).iter().map(Action::full_name));
        } else {
            actions.push(a);
        }
    }
    if piece.get("NotResource").is_some() {
        // The same `NotResource` as the original, and only actions it allows.
        if strings(piece, "NotResource") != strings(original, "NotResource") {
            check.fail("a new statement changes `NotResource`".into());
        }
        for a in &actions {
            check.checked += 1;
            let covered = match original.get("NotAction") {
                Some(n) => !value_strings(n).iter().any(|p| action_matches(p, a)),
                None => original_actions.iter().any(|p| action_matches(p, a)),
            };
            if !covered {
                check.fail(format!("{a} is not allowed by the original statement"));
            }
        }
        return;
    }
    let original_resources = strings(original, "Resource");
    let original_not_resource = original.get("NotResource").is_some();
    for a in &actions {
        for r in strings(piece, "Resource") {
            check.checked += 1;
            let request = Request::new(Arc::clone(who), a, unescape(&r), None, Context::new());
            let allowed = identity_allows(std::slice::from_ref(&bare), &request);
            // A pattern stands for every resource it matches: it must be inside one of the
            // original's patterns (a `NotResource` original has none to be inside).
            let inside = !has_wildcard(&r)
                || (!original_not_resource
                    && original_resources.iter().any(|o| pattern_includes(o, &r)));
            if !allowed || !inside {
                check.fail(format!("{a} on {r} is not inside the original statement"));
            }
        }
    }
}

/// The original statement without its `Condition` and `Sid`, compiled.
fn without_condition(original: &Value) -> Option<CompiledPolicy> {
    let mut bare = original.clone();
    if let Value::Object(m) = &mut bare {
        m.remove("Condition");
        m.remove("Sid");
    }
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [bare]});
    let policy = parse_policy(&doc.to_string(), Some(PolicyKind::Identity)).policy?;
    Some(CompiledPolicy::new(&policy, "original statement", 0))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn who() -> Arc<RequestPrincipal> {
        Arc::new(RequestPrincipal::parse("arn:aws:iam::111122223333:user/alice").unwrap())
    }

    fn check(piece: &Value, original: &Value) -> Check {
        no_new_access(
            &[(piece.clone(), 0)],
            std::slice::from_ref(original),
            &who(),
        )
    }

    #[test]
    fn narrower_statements_pass() {
        let original = json!({"Sid": "S", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}});
        let piece = json!({"Sid": "S", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": ["arn:aws:s3:::b/k", "arn:aws:s3:::b/logs/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}});
        let c = check(&piece, &original);
        assert!(c.passed, "{c:?}");
        assert_eq!(c.checked, 4);
        assert!(check(&original, &original).passed);
    }

    #[test]
    fn wider_or_different_statements_fail() {
        let original = json!({"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}});
        let cond = original["Condition"].clone();
        for piece in [
            // Another action.
            json!({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/k", "Condition": cond}),
            // Another bucket.
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::c/k", "Condition": cond}),
            // A wider pattern.
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*", "Condition": cond}),
            // An action pattern the original does not have.
            json!({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/k", "Condition": cond}),
            // The condition left out.
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/k"}),
        ] {
            let c = check(&piece, &original);
            assert!(!c.passed, "{piece}");
            assert!(!c.failures.is_empty());
        }
    }

    #[test]
    fn not_resource_and_not_action_originals() {
        let power_user =
            json!({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"});
        let ok = json!({"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"});
        let bad = json!({"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"});
        assert!(check(&ok, &power_user).passed);
        assert!(!check(&bad, &power_user).passed);
        let not_secret =
            json!({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"});
        let keeps = json!({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "NotResource": "arn:aws:s3:::secret/*"});
        let changes = json!({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "NotResource": "arn:aws:s3:::other/*"});
        let into_secret = json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/k"});
        let wildcard =
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"});
        assert!(check(&keeps, &not_secret).passed);
        assert!(!check(&changes, &not_secret).passed);
        assert!(!check(&into_secret, &not_secret).passed);
        assert!(!check(&wildcard, &not_secret).passed);
        assert!(!no_new_access(&[(ok, 3)], &[power_user], &who()).passed);
    }
}
