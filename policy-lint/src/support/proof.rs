//! The promises iampol makes about a rewrite ("allows nothing new", "changes no decision"),
//! decided with [`policy_core::analysis::compare::no_new_access`], and the words for its
//! counterexamples.

use policy_core::analysis::compare::{no_new_access, Counterexample, Verdict};
use policy_core::ast::{Policy, PolicyKind, Statement};
use policy_core::parse::parse_policy;
use serde_json::Value;

/// A counterexample in words: the request and the statement that allows it.
pub(crate) fn counterexample_text(example: &Counterexample) -> String {
    let (index, sid) = &example.allowed_by;
    let statement = match sid {
        Some(sid) => format!("#{} (`{sid}`)", index + 1),
        None => format!("#{}", index + 1),
    };
    let context = if example.context.is_empty() {
        String::new()
    } else {
        let keys: Vec<String> = example
            .context
            .iter()
            .map(|(key, values)| format!("{key}={}", values.join(",")))
            .collect();
        format!(" with `{}`", keys.join("`, `"))
    };
    format!(
        "`{}` on `{}`{context} is allowed by statement {statement}",
        example.action, example.resource
    )
}

/// The policy of these statements, read as an identity policy; `None` when it does not read.
pub(crate) fn policy_of(version: Option<&Value>, statements: &[Value]) -> Option<Policy> {
    let doc = serde_json::json!({
        "Version": version.cloned().unwrap_or_else(|| Value::String("2012-10-17".into())),
        "Statement": statements,
    });
    parse_policy(&doc.to_string(), Some(PolicyKind::Identity)).policy
}

/// Whether `a` and `b` allow exactly the same requests: `Pass` when neither allows something
/// the other does not, the first `Fail` otherwise, else the first `Unknown`.
pub(crate) fn same_access(a: &Policy, b: &Policy) -> Verdict {
    let forward = no_new_access(a, b);
    if matches!(forward, Verdict::Fail(_)) {
        return forward;
    }
    let backward = no_new_access(b, a);
    match (forward, backward) {
        (_, fail @ Verdict::Fail(_)) | (fail @ Verdict::Unknown(_), _) => fail,
        (Verdict::Pass | Verdict::Fail(_), other) => other,
    }
}

/// `policy` with these statements instead of its own (its kind, version and id kept).
pub(crate) fn with_statements(policy: &Policy, statements: Vec<Statement>) -> Policy {
    Policy {
        kind: policy.kind,
        version: policy.version,
        version_key: policy.version_key,
        id: policy.id.clone(),
        statements,
        span: policy.span,
    }
}
