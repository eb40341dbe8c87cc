//! Scenario files: a request, the policies that apply to it and, optionally, the expected
//! decision. The interface for tests, the CLI and other tools (format in `corpus/eval/README.md`).
//!
//! Scenarios are read from the spanned value tree, so an error in a scenario or in a policy
//! it embeds points at the line and column in the scenario file.

use crate::ast::PolicyKind;
use crate::eval::{CompiledPolicy, Decision, Level, PolicySet};
use crate::parse::lower_policy;
use crate::request::{is_trust_policy_request, Context, Request, RequestPrincipal};
use crate::source::Span;
use crate::syntax::{json, Member, Value, ValueKind};

/// One scenario, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Its name (`#N` when unnamed).
    pub name: String,
    /// The request.
    pub request: Request,
    /// The policies.
    pub policies: PolicySet,
    /// The expected decision.
    pub expect: Option<Decision>,
    /// Where the expectation comes from.
    pub source: Option<String>,
    /// The scenario object in its file.
    pub span: Span,
    /// Whether `resourceAccount` was given (else it was taken from the ARN or the caller).
    pub resource_account_given: bool,
}

/// A problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ScenarioError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub span: Span,
    /// Advice.
    pub help: Option<String>,
}

const FIELDS: [&str; 17] = [
    "name",
    "principal",
    "action",
    "resource",
    "resourceAccount",
    "context",
    "identityPolicies",
    "resourcePolicy",
    "permissionsBoundary",
    "sessionPolicy",
    "scps",
    "rcps",
    "vpcEndpointPolicies",
    "managementAccount",
    "expect",
    "source",
    "description",
];

/// A scenario that could not be read: its name and every problem in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedScenario {
    /// Its name (`#N` when unnamed or when the name is not a string).
    pub name: String,
    /// The scenario in its file.
    pub span: Span,
    /// Every problem found in it, in the order found (never empty).
    pub errors: Vec<ScenarioError>,
}

/// Reads every scenario of a file (one object or an array). `source` numbers the file for
/// the spans of the compiled policies. Returns every error found, not the first; a file
/// with one bad scenario is refused as a whole (see [`parse_scenario_file`] to read the
/// others).
pub fn parse_scenarios(text: &str, source: usize) -> Result<Vec<Scenario>, Vec<ScenarioError>> {
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for item in parse_scenario_file(text, source)? {
        match item {
            Ok(s) => scenarios.push(s),
            Err(refused) => errors.extend(refused.errors),
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(errors)
    }
}

/// Reads every scenario of a file, each on its own: a scenario with a problem is returned as
/// a [`RefusedScenario`] in its place and the others are still read. `Err` only when the
/// file as a whole cannot be read (not JSON, or neither an object nor an array).
pub fn parse_scenario_file(
    text: &str,
    source: usize,
) -> Result<Vec<Result<Scenario, RefusedScenario>>, Vec<ScenarioError>> {
    let parsed = json::parse(text);
    let errors: Vec<ScenarioError> = parsed
        .errors
        .iter()
        .map(|e| ScenarioError {
            message: e.kind.to_string(),
            span: e.span,
            help: None,
        })
        .collect();
    let Some(value) = parsed.value else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let items: Vec<&Value> = match &value.kind {
        ValueKind::Array(items) => items.iter().collect(),
        ValueKind::Object(_) => vec![&value],
        _ => {
            return Err(vec![error(
                &value,
                "a scenario file holds an object or an array of objects",
            )]);
        }
    };
    let mut results = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let mut errors = Vec::new();
        let mut reader = Reader {
            source,
            errors: &mut errors,
        };
        let scenario = reader.scenario(item, i);
        results.push(match scenario {
            Some(s) if errors.is_empty() => Ok(s),
            _ => Err(RefusedScenario {
                name: scenario_name(item, i),
                span: item.span,
                errors: if errors.is_empty() {
                    // INVARIANT: `scenario` returns `None` only after recording an error;
                    // this keeps a refusal from ever having no reason, should that change.
                    vec![error(item, "the scenario could not be read")]
                } else {
                    errors
                },
            }),
        });
    }
    Ok(results)
}

/// The name a scenario reports under: its `name` when that is a string, else `#N`.
fn scenario_name(value: &Value, index: usize) -> String {
    // The last `name` wins, as for every field of a scenario.
    let name = value
        .as_object()
        .and_then(|members| members.iter().rev().find(|m| &*m.key == "name"));
    match name.map(|m| &m.value.kind) {
        Some(ValueKind::String(s)) => s.to_string(),
        _ => format!("#{}", index + 1),
    }
}

fn error(value: &Value, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        message: message.into(),
        span: value.span,
        help: None,
    }
}

struct Reader<'e> {
    source: usize,
    errors: &'e mut Vec<ScenarioError>,
}

impl Reader<'_> {
    fn push(&mut self, span: Span, message: impl Into<String>, help: Option<String>) {
        self.errors.push(ScenarioError {
            message: message.into(),
            span,
            help,
        });
    }

    fn string(&mut self, value: &Value, field: &str) -> Option<String> {
        match &value.kind {
            ValueKind::String(s) => Some(s.to_string()),
            _ => {
                self.push(
                    value.span,
                    format!("`{field}` must be a string, found {}", value.type_name()),
                    None,
                );
                None
            }
        }
    }

    fn scenario(&mut self, value: &Value, index: usize) -> Option<Scenario> {
        let Some(members) = value.as_object() else {
            self.push(
                value.span,
                format!("scenario must be an object, found {}", value.type_name()),
                None,
            );
            return None;
        };
        let before = self.errors.len();
        let get = |key: &str| {
            members
                .iter()
                .rev()
                .find(|m| &*m.key == key)
                .map(|m| &m.value)
        };
        for m in members {
            if !FIELDS.contains(&&*m.key) {
                let close = FIELDS.iter().find(|f| f.eq_ignore_ascii_case(&m.key));
                self.push(
                    m.key_span,
                    format!("unknown scenario field `{}`", m.key),
                    Some(close.map_or_else(
                        || format!("fields are: {}", FIELDS.join(", ")),
                        |f| format!("did you mean `{f}`?"),
                    )),
                );
            }
        }
        let name = get("name")
            .and_then(|v| self.string(v, "name"))
            .unwrap_or_else(|| format!("#{}", index + 1));
        let mut required = |key: &str| match get(key) {
            Some(v) => self.string(v, key).map(|s| (s, v.span)),
            None => {
                self.push(
                    Span::new(value.span.start as usize, value.span.start as usize + 1),
                    format!("scenario `{name}` has no `{key}`"),
                    None,
                );
                None
            }
        };
        let principal = required("principal");
        let action = required("action");
        let resource = required("resource");
        let principal = principal.and_then(|(p, span)| match RequestPrincipal::parse(&p) {
            Ok(p) => Some(p),
            Err(e) => {
                self.push(span, e.to_string(), None);
                None
            }
        });
        if let Some((a, span)) = &action {
            if !a.contains(':') || a.contains('*') {
                self.push(
                    *span,
                    format!("`{a}` is not an action: write `service:Action`"),
                    None,
                );
            }
        }
        let resource_account =
            get("resourceAccount").and_then(|v| self.string(v, "resourceAccount"));
        let context = get("context").map(|v| self.context(v)).unwrap_or_default();
        let action_text = action.as_ref().map(|(a, _)| a.clone()).unwrap_or_default();
        let resource_text = resource
            .as_ref()
            .map(|(r, _)| r.clone())
            .unwrap_or_default();
        if let (Some(p), Some((a, span))) = (&principal, &action) {
            if let Err(e) = p.check_action(a) {
                self.push(*span, e.to_string(), Some(e.help().to_string()));
            }
        }
        let resource_kind = if is_trust_policy_request(&action_text, &resource_text) {
            PolicyKind::Trust
        } else {
            PolicyKind::Resource
        };
        let mut policies = PolicySet {
            identity: get("identityPolicies")
                .map(|v| self.policy_list(v, "identityPolicies", PolicyKind::Identity))
                .unwrap_or_default(),
            resource: get("resourcePolicy")
                .and_then(|v| self.policy(v, "resourcePolicy", resource_kind, "resource policy")),
            boundary: get("permissionsBoundary").and_then(|v| {
                self.policy(
                    v,
                    "permissionsBoundary",
                    PolicyKind::Boundary,
                    "permissions boundary",
                )
            }),
            session: get("sessionPolicy").and_then(|v| {
                self.policy(v, "sessionPolicy", PolicyKind::Session, "session policy")
            }),
            scps: get("scps")
                .map(|v| self.levels(v, "scps", PolicyKind::Scp))
                .unwrap_or_default(),
            rcps: get("rcps")
                .map(|v| self.levels(v, "rcps", PolicyKind::Rcp))
                .unwrap_or_default(),
            endpoints: get("vpcEndpointPolicies")
                .map(|v| self.policy_list(v, "vpcEndpointPolicies", PolicyKind::Endpoint))
                .unwrap_or_default(),
            management_account: None,
        };
        policies.management_account =
            get("managementAccount").and_then(|v| self.string(v, "managementAccount"));
        let expect = get("expect").and_then(|v| {
            let s = self.string(v, "expect")?;
            let d = Decision::parse(&s);
            if d.is_none() {
                self.push(
                    v.span,
                    format!(
                        "`expect` must be `allowed`, `explicitDeny` or `implicitDeny`, found `{s}`"
                    ),
                    None,
                );
            }
            d
        });
        let source = get("source").and_then(|v| self.string(v, "source"));
        if self.errors.len() > before {
            return None;
        }
        let resource_account_given = resource_account.is_some();
        let request = Request::new(
            principal?,
            &action_text,
            &resource_text,
            resource_account,
            context,
        );
        Some(Scenario {
            name,
            request,
            policies,
            expect,
            source,
            span: value.span,
            resource_account_given,
        })
    }

    fn context(&mut self, value: &Value) -> Context {
        let mut ctx = Context::new();
        let Some(members) = value.as_object() else {
            self.push(
                value.span,
                format!("`context` must be an object, found {}", value.type_name()),
                None,
            );
            return ctx;
        };
        for m in members {
            let values = match &m.value.kind {
                ValueKind::Array(items) => items
                    .iter()
                    .filter_map(|v| self.scalar(v, &m.key))
                    .collect(),
                _ => self.scalar(&m.value, &m.key).into_iter().collect(),
            };
            ctx.insert(&m.key, values);
        }
        ctx
    }

    fn scalar(&mut self, value: &Value, key: &str) -> Option<String> {
        match &value.kind {
            ValueKind::String(s) | ValueKind::Number(s) => Some(s.to_string()),
            ValueKind::Bool(b) => Some(b.to_string()),
            _ => {
                self.push(
                    value.span,
                    format!(
                        "context value of `{key}` must be a string, number or boolean, found {}",
                        value.type_name()
                    ),
                    None,
                );
                None
            }
        }
    }

    /// A policy given bare or as `{"name": ..., "policy": ...}`.
    fn policy(
        &mut self,
        value: &Value,
        field: &str,
        kind: PolicyKind,
        default_name: &str,
    ) -> Option<CompiledPolicy> {
        let (name, doc) = match value.get("policy") {
            Some(doc) => {
                let name = value
                    .get("name")
                    .and_then(|n| self.string(n, "name"))
                    .unwrap_or_else(|| default_name.to_string());
                if let Some(members) = value.as_object() {
                    for m in members
                        .iter()
                        .filter(|m| !matches!(&*m.key, "name" | "policy"))
                    {
                        self.push(
                            m.key_span,
                            format!("unknown field `{}` in `{field}`", m.key),
                            Some("a named policy has `name` and `policy`".to_string()),
                        );
                    }
                }
                (name, doc)
            }
            None => (default_name.to_string(), value),
        };
        let parsed = lower_policy(doc, Some(kind));
        for e in &parsed.errors {
            self.push(e.span, format!("in {name}: {}", e.kind), e.kind.help());
        }
        if !parsed.errors.is_empty() {
            return None;
        }
        parsed
            .policy
            .map(|p| CompiledPolicy::new(&p, &name, self.source))
    }

    fn policy_list(&mut self, value: &Value, field: &str, kind: PolicyKind) -> Vec<CompiledPolicy> {
        let items: Vec<&Value> = match &value.kind {
            ValueKind::Array(items) => items.iter().collect(),
            ValueKind::Object(_) => vec![value],
            _ => {
                self.push(
                    value.span,
                    format!("`{field}` must be an array of policies"),
                    None,
                );
                return Vec::new();
            }
        };
        items
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| self.policy(v, field, kind, &format!("{field}[{i}]")))
            .collect()
    }

    fn levels(&mut self, value: &Value, field: &str, kind: PolicyKind) -> Vec<Level> {
        let ValueKind::Array(items) = &value.kind else {
            self.push(
                value.span,
                format!("`{field}` must be an array of levels, root first"),
                None,
            );
            return Vec::new();
        };
        let mut levels = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let Some(members) = item.as_object() else {
                self.push(
                    item.span,
                    format!("a level of `{field}` must be an object with `target` and `policies`"),
                    None,
                );
                continue;
            };
            for m in members
                .iter()
                .filter(|m: &&Member| !matches!(&*m.key, "target" | "policies"))
            {
                self.push(
                    m.key_span,
                    format!("unknown field `{}` in a level of `{field}`", m.key),
                    Some("a level has `target` and `policies`".to_string()),
                );
            }
            let target = item
                .get("target")
                .and_then(|t| self.string(t, "target"))
                .unwrap_or_else(|| format!("level{i}"));
            let policies = match item.get("policies") {
                Some(p) => self.policy_list(p, &format!("{field}[{i}].policies"), kind),
                None => {
                    self.push(
                        item.span,
                        format!("a level of `{field}` has no `policies`"),
                        None,
                    );
                    Vec::new()
                }
            };
            levels.push(Level::new(target, policies));
        }
        levels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"name": "good", "principal": "arn:aws:iam::111111111111:user/a", "action": "s3:GetObject", "resource": "*"}"#;

    #[test]
    fn a_bad_scenario_is_refused_in_its_place_and_the_others_are_read() {
        let text = format!(
            "[{GOOD},\n{{\"name\": \"bad\", \"principal\": \"bob\", \"action\": \"s3:GetObject\", \"resource\": \"*\", \"extra\": 1}},\n7,\n{GOOD}]"
        );
        let items = parse_scenario_file(&text, 0).unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].as_ref().unwrap().name, "good");
        assert_eq!(items[3].as_ref().unwrap().name, "good");
        let bad = items[1].as_ref().unwrap_err();
        assert_eq!(bad.name, "bad");
        let messages: Vec<&str> = bad.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(messages[0], "unknown scenario field `extra`");
        assert!(messages[1].starts_with("`bob` is not a principal"));
        let not_object = items[2].as_ref().unwrap_err();
        assert_eq!(not_object.name, "#3");
        assert_eq!(
            not_object.errors[0].message,
            "scenario must be an object, found number"
        );
        // The all-or-nothing reader still refuses the file, with every error.
        assert_eq!(parse_scenarios(&text, 0).unwrap_err().len(), 3);
    }

    #[test]
    fn a_federation_caller_is_read_and_refused_for_other_actions() {
        let text = r#"[
            {"name": "ok", "principal": "federated:accounts.google.com", "action": "sts:AssumeRoleWithWebIdentity", "resource": "arn:aws:iam::111111111111:role/R"},
            {"name": "tags", "principal": "arn:aws:iam::111111111111:saml-provider/IdP", "action": "sts:TagSession", "resource": "arn:aws:iam::111111111111:role/R",
             "resourcePolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111111111111:saml-provider/IdP"}, "Action": "sts:TagSession"}]}},
            {"name": "bad", "principal": "federated:accounts.google.com", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}
        ]"#;
        let items = parse_scenario_file(text, 0).unwrap();
        assert!(items[0].is_ok());
        // A trust policy (no `Resource`) is the resource policy of `sts:TagSession`.
        let tags = items[1].as_ref().unwrap();
        assert_eq!(
            tags.policies.evaluate(&tags.request).decision,
            Decision::Allowed
        );
        let bad = items[2].as_ref().unwrap_err();
        assert!(
            bad.errors[0]
                .message
                .contains("sts:AssumeRoleWithWebIdentity"),
            "{:?}",
            bad.errors
        );
        assert!(bad.errors[0].help.is_some());
    }

    #[test]
    fn a_file_that_is_not_json_is_one_file_level_error() {
        assert!(parse_scenario_file("[{\"name\": ", 0).is_err());
        assert!(parse_scenario_file("\"text\"", 0).is_err());
    }
}
