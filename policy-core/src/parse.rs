//! Spanned value tree → policy AST, collecting every error instead of stopping at the first.

mod err;

pub use err::{ParseError, ParseErrorKind};

use crate::ast::{
    ActionElement, ConditionBlock, ConditionEntry, ConditionKeyValues, ConditionOperator,
    ConditionValue, Effect, Node, OperatorBase, OperatorError, Policy, PolicyKind, Principal,
    PrincipalElement, PrincipalEntry, PrincipalKind, ResourceElement, Statement, Version,
};
use crate::source::Span;
use crate::syntax::{json, Member, Value, ValueKind};

/// A parsed policy and every problem found; the policy is absent only when the document could
/// not be read at all (a JSON syntax error that stops the reader, or a document that is not an
/// object).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The policy, as far as it could be read.
    pub policy: Option<Policy>,
    /// Every problem, in document order.
    pub errors: Vec<ParseError>,
}

/// Reads policy JSON text. `kind: None` infers it: a policy most of whose statements name a
/// principal is a resource policy (a trust policy when every action is `sts:*` and there is no
/// resource); any other is an identity policy.
pub fn parse_policy(text: &str, kind: Option<PolicyKind>) -> Parsed {
    parse_policy_json(json::parse(text), kind)
}

/// Like [`parse_policy`], for JSON already read (so a caller that looked at the document
/// first does not read it twice).
pub fn parse_policy_json(json: json::Parsed, kind: Option<PolicyKind>) -> Parsed {
    let mut errors: Vec<ParseError> = json
        .errors
        .into_iter()
        .map(|e| ParseError {
            kind: ParseErrorKind::Syntax(e.kind),
            span: e.span,
            related: None,
        })
        .collect();
    let policy = json.value.and_then(|value| {
        let lowered = lower_owned_policy(value, kind);
        errors.extend(lowered.errors);
        lowered.policy
    });
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    Parsed { policy, errors }
}

/// Lowers a spanned value (from any reader) to a policy. The value is copied; a caller that
/// is done with it saves that copy with [`lower_owned_policy`].
pub fn lower_policy(value: &Value, kind: Option<PolicyKind>) -> Parsed {
    lower_owned_policy(value.clone(), kind)
}

/// Lowers a spanned value to a policy, moving its strings into the policy rather than copying
/// them.
pub fn lower_owned_policy(value: Value, kind: Option<PolicyKind>) -> Parsed {
    let kind = kind.unwrap_or_else(|| infer_kind(&value));
    let mut cx = Lowering {
        kind,
        errors: Vec::new(),
    };
    let policy = cx.policy(value);
    Parsed {
        policy,
        errors: cx.errors,
    }
}

/// Lowers one statement of a policy of `kind`, at position `index` of its `Statement` list, as
/// [`lower_owned_policy`] lowers each (for a caller that reads one statement of a policy again).
/// The statement is absent when the value is not an object.
pub fn lower_statement(
    value: Value,
    kind: PolicyKind,
    index: usize,
) -> (Option<Statement>, Vec<ParseError>) {
    let mut cx = Lowering {
        kind,
        errors: Vec::new(),
    };
    let statement = cx.statement(value, index);
    (statement, cx.errors)
}

/// Guesses the kind of a policy from its shape (see [`parse_policy`]).
pub fn infer_kind(value: &Value) -> PolicyKind {
    let statements: Vec<&Value> = match value.get("Statement").map(|v| &v.kind) {
        Some(ValueKind::Array(items)) => items.iter().collect(),
        Some(ValueKind::Object(_)) => value.get("Statement").into_iter().collect(),
        _ => Vec::new(),
    };
    let has = |key: &str| statements.iter().any(|s| s.get(key).is_some());
    let with_principal = statements
        .iter()
        .filter(|s| s.get("Principal").is_some() || s.get("NotPrincipal").is_some())
        .count();
    // A stray principal in an identity policy is a likelier slip than a resource policy
    // whose statements mostly lack one: the majority decides, a tie means identity.
    if with_principal * 2 <= statements.len() {
        return PolicyKind::Identity;
    }
    let all_sts = statements.iter().all(|s| {
        let actions: Vec<&str> = match s.get("Action").map(|v| &v.kind) {
            Some(ValueKind::String(a)) => vec![a],
            Some(ValueKind::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        !actions.is_empty()
            && actions
                .iter()
                .all(|a| a.len() >= 4 && a.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("sts:")))
    });
    if all_sts && !has("Resource") && !has("NotResource") {
        PolicyKind::Trust
    } else {
        PolicyKind::Resource
    }
}

const POLICY_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// Which elements a statement wrote, valid or not (so a wrongly typed element is not also
/// reported as missing).
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    effect: bool,
    principal: bool,
    action: bool,
    resource: bool,
}

struct Lowering {
    kind: PolicyKind,
    errors: Vec<ParseError>,
}

impl Lowering {
    fn error(&mut self, kind: ParseErrorKind, span: Span) {
        self.errors.push(ParseError {
            kind,
            span,
            related: None,
        });
    }

    fn wrong_type(&mut self, element: impl Into<String>, expected: &'static str, value: &Value) {
        self.error(
            ParseErrorKind::WrongType {
                element: element.into(),
                expected,
                found: value.type_name(),
            },
            value.span,
        );
    }

    /// The members of an object with duplicate keys reported; the last of equal keys wins, as
    /// in AWS's JSON reader. Returns `None` (after reporting) when `value` is not an object.
    fn members(&mut self, value: Value, element: &str) -> Option<Vec<Member>> {
        let ValueKind::Object(members) = value.kind else {
            self.wrong_type(element, "an object", &value);
            return None;
        };
        // Indices of the members kept so far, in the order they were kept.
        let mut kept: Vec<usize> = Vec::with_capacity(members.len());
        let mut duplicates = false;
        for (i, m) in members.iter().enumerate() {
            let earlier = kept.iter().position(|&k| {
                members
                    .get(k)
                    .is_some_and(|first: &Member| first.key == m.key)
            });
            if let Some(pos) = earlier {
                duplicates = true;
                let first = kept.remove(pos);
                self.errors.push(ParseError {
                    kind: ParseErrorKind::DuplicateKey {
                        key: m.key.to_string(),
                    },
                    span: m.key_span,
                    related: members.get(first).map(|f| f.key_span),
                });
            }
            kept.push(i);
        }
        let mut kept: Vec<Member> = if duplicates {
            let mut slots: Vec<Option<Member>> = members.into_iter().map(Some).collect();
            kept.iter()
                .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
                .collect()
        } else {
            members
        };
        // Keep document order of the surviving members.
        kept.sort_by_key(|m| m.key_span.start);
        Some(kept)
    }

    fn policy(&mut self, value: Value) -> Option<Policy> {
        let span = value.span;
        let members = self.members(value, "policy document")?;
        let mut version = None;
        let mut version_key = None;
        let mut id = None;
        let mut statements = Vec::new();
        let mut saw_statement = false;
        for m in members {
            match &*m.key {
                "Version" => {
                    version_key = Some(m.key_span);
                    match &m.value.kind {
                        ValueKind::String(s) => match &**s {
                            "2012-10-17" => {
                                version = Some(Node::new(Version::V2012_10_17, m.value.span));
                            }
                            "2008-10-17" => {
                                version = Some(Node::new(Version::V2008_10_17, m.value.span));
                            }
                            other => self.error(
                                ParseErrorKind::InvalidVersion(other.to_string()),
                                m.value.span,
                            ),
                        },
                        ValueKind::Unresolved(_) => {}
                        _ => self.wrong_type("Version", "a string", &m.value),
                    }
                }
                "Id" => match m.value.kind {
                    ValueKind::String(s) | ValueKind::Unresolved(s) => {
                        id = Some(Node::new(String::from(s), m.value.span));
                    }
                    _ => self.wrong_type("Id", "a string", &m.value),
                },
                "Statement" => {
                    saw_statement = true;
                    match m.value.kind {
                        ValueKind::Array(items) => {
                            let empty = items.is_empty();
                            for item in items {
                                if let Some(s) = self.statement(item, statements.len()) {
                                    statements.push(s);
                                }
                            }
                            if empty {
                                self.error(ParseErrorKind::MissingStatement, m.value.span);
                            }
                        }
                        ValueKind::Object(_) => {
                            if let Some(s) = self.statement(m.value, 0) {
                                statements.push(s);
                            }
                        }
                        _ => self.wrong_type(
                            "Statement",
                            "an object or an array of objects",
                            &m.value,
                        ),
                    }
                }
                other => {
                    let suggestion = suggest_element(other, &POLICY_ELEMENTS);
                    self.error(
                        ParseErrorKind::UnknownElement {
                            element: other.to_string(),
                            place: "policy",
                            suggestion,
                        },
                        m.key_span,
                    );
                }
            }
        }
        if !saw_statement {
            self.error(ParseErrorKind::MissingStatement, span);
        }
        Some(Policy {
            kind: self.kind,
            version,
            version_key,
            id,
            statements,
            span,
        })
    }

    fn statement(&mut self, value: Value, index: usize) -> Option<Statement> {
        let span = value.span;
        let members = self.members(value, "Statement")?;
        let mut st = Statement {
            index,
            sid: None,
            effect: None,
            principal: None,
            action: None,
            resource: None,
            condition: None,
            span,
        };
        let mut seen = Seen::default();
        for m in members {
            let key = &*m.key;
            match key {
                "Sid" => match m.value.kind {
                    ValueKind::String(s) | ValueKind::Unresolved(s) => {
                        st.sid = Some(Node::new(String::from(s), m.value.span));
                    }
                    _ => self.wrong_type("Sid", "a string", &m.value),
                },
                "Effect" => {
                    seen.effect = true;
                    match &m.value.kind {
                        ValueKind::String(s) => match &**s {
                            "Allow" => st.effect = Some(Node::new(Effect::Allow, m.value.span)),
                            "Deny" => st.effect = Some(Node::new(Effect::Deny, m.value.span)),
                            other => {
                                let t = other.trim();
                                let suggestion = if t.eq_ignore_ascii_case("allow") {
                                    Some(Effect::Allow)
                                } else if t.eq_ignore_ascii_case("deny") {
                                    Some(Effect::Deny)
                                } else {
                                    None
                                };
                                self.error(
                                    ParseErrorKind::InvalidEffect {
                                        value: other.to_string(),
                                        suggestion,
                                    },
                                    m.value.span,
                                );
                            }
                        },
                        _ => self.wrong_type("Effect", "`Allow` or `Deny`", &m.value),
                    }
                }
                "Principal" | "NotPrincipal" => {
                    let negated = key == "NotPrincipal";
                    seen.principal = true;
                    if let Some(p) = self.principal(m.key_span, m.value, negated) {
                        if let Some(prev) = &st.principal {
                            let (first, second) =
                                ordered(prev.negated, "NotPrincipal", "Principal");
                            self.error(
                                ParseErrorKind::ConflictingElements { first, second },
                                m.key_span,
                            );
                        } else {
                            st.principal = Some(p);
                        }
                    }
                }
                "Action" | "NotAction" => {
                    let negated = key == "NotAction";
                    seen.action = true;
                    let span = m.value.span;
                    if let Some(items) = self.string_list(m.value, key) {
                        if let Some(prev) = &st.action {
                            let (first, second) = ordered(prev.negated, "NotAction", "Action");
                            self.error(
                                ParseErrorKind::ConflictingElements { first, second },
                                m.key_span,
                            );
                        } else {
                            st.action = Some(ActionElement {
                                negated,
                                items,
                                key_span: m.key_span,
                                span,
                            });
                        }
                    }
                }
                "Resource" | "NotResource" => {
                    let negated = key == "NotResource";
                    seen.resource = true;
                    let span = m.value.span;
                    if let Some(items) = self.string_list(m.value, key) {
                        if let Some(prev) = &st.resource {
                            let (first, second) = ordered(prev.negated, "NotResource", "Resource");
                            self.error(
                                ParseErrorKind::ConflictingElements { first, second },
                                m.key_span,
                            );
                        } else {
                            st.resource = Some(ResourceElement {
                                negated,
                                items,
                                key_span: m.key_span,
                                span,
                            });
                        }
                    }
                }
                "Condition" => st.condition = self.condition(m.value),
                other => {
                    let suggestion = suggest_element(other, &STATEMENT_ELEMENTS);
                    self.error(
                        ParseErrorKind::UnknownElement {
                            element: other.to_string(),
                            place: "statement",
                            suggestion,
                        },
                        m.key_span,
                    );
                }
            }
        }
        self.check_statement_shape(&st, seen);
        Some(st)
    }

    /// Required and forbidden elements, by policy kind.
    fn check_statement_shape(&mut self, st: &Statement, seen: Seen) {
        // A statement's own span starts at `{`; point "missing" errors there.
        let at = Span {
            start: st.span.start,
            end: st.span.start.saturating_add(1),
        };
        if !seen.effect {
            self.error(ParseErrorKind::MissingEffect, at);
        }
        if !seen.action {
            self.error(ParseErrorKind::MissingAction, at);
        }
        let kind = self.kind;
        match (&st.principal, kind.takes_principal()) {
            (Some(p), false) => {
                let element = if p.negated {
                    "NotPrincipal"
                } else {
                    "Principal"
                };
                self.error(
                    ParseErrorKind::ElementNotAllowed { element, kind },
                    p.key_span,
                );
            }
            (Some(p), true) if p.negated && matches!(kind, PolicyKind::Trust | PolicyKind::Rcp) => {
                self.error(
                    ParseErrorKind::ElementNotAllowed {
                        element: "NotPrincipal",
                        kind,
                    },
                    p.key_span,
                );
            }
            (None, true) if !seen.principal => {
                self.error(ParseErrorKind::MissingPrincipal(kind), at);
            }
            _ => {}
        }
        match (&st.resource, kind) {
            (Some(r), PolicyKind::Trust) => {
                let element = if r.negated { "NotResource" } else { "Resource" };
                self.error(
                    ParseErrorKind::ElementNotAllowed { element, kind },
                    r.key_span,
                );
            }
            (None, PolicyKind::Trust) => {}
            (None, _) if !seen.resource => self.error(ParseErrorKind::MissingResource, at),
            _ => {}
        }
    }

    /// A string or a non-empty array of strings.
    fn string_list(&mut self, value: Value, element: &str) -> Option<Vec<Node<String>>> {
        match value.kind {
            ValueKind::String(s) | ValueKind::Unresolved(s) => {
                Some(vec![Node::new(String::from(s), value.span)])
            }
            ValueKind::Array(items) => {
                if items.is_empty() {
                    self.error(
                        ParseErrorKind::EmptyElement(element.to_string()),
                        value.span,
                    );
                }
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item.kind {
                        ValueKind::String(s) | ValueKind::Unresolved(s) => {
                            out.push(Node::new(String::from(s), item.span));
                        }
                        _ => self.wrong_type(element, "a string or an array of strings", &item),
                    }
                }
                Some(out)
            }
            _ => {
                self.wrong_type(element, "a string or an array of strings", &value);
                None
            }
        }
    }

    fn principal(
        &mut self,
        key_span: Span,
        value: Value,
        negated: bool,
    ) -> Option<PrincipalElement> {
        let element = if negated { "NotPrincipal" } else { "Principal" };
        let span = value.span;
        let principal = match &value.kind {
            ValueKind::String(s) if &**s == "*" => Principal::Wildcard,
            ValueKind::String(_) => {
                self.error(ParseErrorKind::InvalidPrincipalFormat, span);
                return None;
            }
            ValueKind::Unresolved(_) => Principal::Map(Vec::new()),
            ValueKind::Object(_) => {
                let members = self.members(value, element)?;
                if members.is_empty() {
                    self.error(ParseErrorKind::EmptyElement(element.to_string()), span);
                }
                let mut entries = Vec::with_capacity(members.len());
                for pm in members {
                    let Some(kind) = PrincipalKind::ALL
                        .into_iter()
                        .find(|k| k.as_str() == &*pm.key)
                    else {
                        let suggestion = PrincipalKind::ALL
                            .into_iter()
                            .find(|k| k.as_str().eq_ignore_ascii_case(pm.key.trim()))
                            .map(PrincipalKind::as_str);
                        self.error(
                            ParseErrorKind::InvalidPrincipalKey {
                                key: pm.key.to_string(),
                                suggestion,
                            },
                            pm.key_span,
                        );
                        continue;
                    };
                    let name = format!("{element}.{}", kind.as_str());
                    if let Some(values) = self.string_list(pm.value, &name) {
                        entries.push(PrincipalEntry {
                            kind: Node::new(kind, pm.key_span),
                            values,
                        });
                    }
                }
                Principal::Map(entries)
            }
            _ => {
                self.wrong_type(element, "`*` or an object", &value);
                return None;
            }
        };
        Some(PrincipalElement {
            negated,
            value: principal,
            key_span,
            span,
        })
    }

    fn condition(&mut self, value: Value) -> Option<ConditionBlock> {
        let span = value.span;
        let members = self.members(value, "Condition")?;
        let mut entries = Vec::with_capacity(members.len());
        for m in members {
            let operator = match ConditionOperator::parse(&m.key) {
                Ok(op) => op,
                Err(OperatorError::NullWithIfExists) => {
                    self.error(ParseErrorKind::NullWithIfExists, m.key_span);
                    continue;
                }
                Err(OperatorError::Unknown) => {
                    let suggestion = suggest_operator(&m.key);
                    self.error(
                        ParseErrorKind::UnknownConditionOperator {
                            operator: m.key.to_string(),
                            suggestion,
                        },
                        m.key_span,
                    );
                    continue;
                }
            };
            let element = format!("Condition.{}", m.key);
            let Some(key_members) = self.members(m.value, &element) else {
                continue;
            };
            let mut keys = Vec::with_capacity(key_members.len());
            for km in key_members {
                let element = format!("Condition.{}.{}", m.key, km.key);
                let values_span = km.value.span;
                let values = match km.value.kind {
                    ValueKind::Array(items) => items
                        .into_iter()
                        .filter_map(|v| self.condition_value(v, &element))
                        .collect(),
                    _ => self
                        .condition_value(km.value, &element)
                        .into_iter()
                        .collect(),
                };
                keys.push(ConditionKeyValues {
                    key: Node::new(String::from(km.key), km.key_span),
                    values,
                    values_span,
                });
            }
            entries.push(ConditionEntry {
                operator: Node::new(operator, m.key_span),
                keys,
            });
        }
        Some(ConditionBlock { entries, span })
    }

    fn condition_value(&mut self, value: Value, element: &str) -> Option<Node<ConditionValue>> {
        let v = match value.kind {
            ValueKind::String(s) | ValueKind::Unresolved(s) => ConditionValue::String(s.into()),
            ValueKind::Bool(b) => ConditionValue::Bool(b),
            ValueKind::Number(n) => ConditionValue::Number(n.into()),
            _ => {
                self.wrong_type(
                    element,
                    "a string, number or boolean (or an array of them)",
                    &value,
                );
                return None;
            }
        };
        Some(Node::new(v, value.span))
    }
}

fn ordered(
    prev_negated: bool,
    negated: &'static str,
    plain: &'static str,
) -> (&'static str, &'static str) {
    if prev_negated {
        (negated, plain)
    } else {
        (plain, negated)
    }
}

/// The element a misspelt key probably means: same letters ignoring case and space, or one
/// edit away.
fn suggest_element(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let k = key.trim();
    known
        .iter()
        .copied()
        .find(|e| e.eq_ignore_ascii_case(k))
        .or_else(|| {
            known.iter().copied().filter(|e| e.len() > 3).find(|e| {
                crate::text::edit_distance(&e.to_ascii_lowercase(), &k.to_ascii_lowercase()) <= 2
            })
        })
}

/// The operator a misspelt operator probably means.
fn suggest_operator(text: &str) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    let lower = text.trim().to_ascii_lowercase();
    for qualifier in ["", "ForAllValues:", "ForAnyValue:"] {
        for base in OperatorBase::ALL {
            for suffix in ["", "IfExists"] {
                if *base == OperatorBase::Null && !suffix.is_empty() {
                    continue;
                }
                let candidate = format!("{qualifier}{}{suffix}", base.as_str());
                let d = crate::text::edit_distance(&candidate.to_ascii_lowercase(), &lower);
                if best.as_ref().is_none_or(|(bd, _)| d < *bd) {
                    best = Some((d, candidate));
                }
            }
        }
    }
    best.filter(|(d, c)| *d <= (c.len() / 4).max(2))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests;
