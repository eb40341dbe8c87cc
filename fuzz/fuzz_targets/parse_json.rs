//! Any bytes → (if UTF-8) `parse_policy` for every policy kind and `lint_source`: must never
//! panic. A policy read with no error must also survive `to_json` → text → `parse_policy`
//! unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_core::ast::{ConditionValue, Policy, PolicyKind};
use policy_core::parse_policy;
use policy_lint::{lint_source, Settings};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_policy(text, None);
    for kind in PolicyKind::ALL {
        let parsed = parse_policy(text, Some(kind));
        if let (Some(policy), true) = (parsed.policy, parsed.errors.is_empty()) {
            check_round_trip(&policy, text);
        }
    }
    let settings = Settings::default();
    let _ = lint_source(text, None, &settings);
    let _ = lint_source(text, Some(PolicyKind::Resource), &settings);
});

/// `to_json` → compact and pretty text → `parse_policy` reads back the same policy.
fn check_round_trip(policy: &Policy, original: &str) {
    let json = policy.to_json();
    let expected = comparable(policy.clone());
    for text in [
        serde_json::to_string(&json).unwrap(),
        serde_json::to_string_pretty(&json).unwrap(),
    ] {
        let again = parse_policy(&text, Some(policy.kind));
        assert!(
            again.errors.is_empty(),
            "re-reading {text:?} (written from {original:?}) gave {:?}",
            again.errors
        );
        let again = again.policy.map(comparable);
        assert_eq!(
            again.as_ref(),
            Some(&expected),
            "re-reading {text:?} (written from {original:?})"
        );
    }
}

/// The policy with numbers as `to_json` writes them: in `serde_json`'s form (`1.50` → `1.5`),
/// or as a string when `serde_json` cannot hold them (`1e400`).
fn comparable(mut p: Policy) -> Policy {
    // Spans need no reset: `Policy` equality ignores them (ast.rs).
    for s in &mut p.statements {
        if let Some(c) = &mut s.condition {
            for entry in &mut c.entries {
                for key in &mut entry.keys {
                    for value in &mut key.values {
                        if let ConditionValue::Number(n) = &value.node {
                            value.node = match n.parse::<serde_json::Number>() {
                                Ok(n) => ConditionValue::Number(n.to_string()),
                                Err(_) => ConditionValue::String(n.clone()),
                            };
                        }
                    }
                }
            }
        }
    }
    p
}
