//! Policy AST → JSON, the inverse of [`crate::parse`].
//!
//! The JSON reads back to an equal AST (spans aside): elements keep their order (`Version`,
//! `Id`, `Statement`; `Sid`, `Effect`, `Principal`, `Action`, `Resource`, `Condition`),
//! condition operators and keys keep theirs, a list of one is written as a plain value and
//! condition values keep their JSON type.

use serde_json::{Map, Number, Value};

use super::{
    ActionElement, ConditionBlock, ConditionValue, Node, Policy, Principal, PrincipalElement,
    ResourceElement, Statement,
};

impl Policy {
    /// The policy as a JSON document that [`crate::parse_policy`] reads back to an equal policy.
    ///
    /// What the AST cannot hold is not written: an invalid `Version` (only its key's span is
    /// kept), an invalid `Effect`, or elements dropped for errors. Map keys that the AST holds
    /// twice (which a parse never produces) keep the last value. A number condition value is
    /// written in `serde_json`'s form (`1.50` becomes `1.5`, the same number); one that
    /// `serde_json` cannot hold (`1e400`) is written as a string.
    pub fn to_json(&self) -> Value {
        let mut doc = Map::new();
        if let Some(version) = self.version {
            doc.insert("Version".to_string(), Value::from(version.node.as_str()));
        }
        if let Some(id) = &self.id {
            doc.insert("Id".to_string(), Value::from(id.node.as_str()));
        }
        doc.insert(
            "Statement".to_string(),
            Value::Array(self.statements.iter().map(Statement::to_json).collect()),
        );
        Value::Object(doc)
    }
}

impl Statement {
    /// The statement as a JSON object (see [`Policy::to_json`]).
    pub fn to_json(&self) -> Value {
        let mut st = Map::new();
        if let Some(sid) = &self.sid {
            st.insert("Sid".to_string(), Value::from(sid.node.as_str()));
        }
        if let Some(effect) = self.effect {
            st.insert("Effect".to_string(), Value::from(effect.node.as_str()));
        }
        if let Some(principal) = &self.principal {
            let (key, value) = principal_json(principal);
            st.insert(key.to_string(), value);
        }
        if let Some(ActionElement { negated, items, .. }) = &self.action {
            let key = if *negated { "NotAction" } else { "Action" };
            st.insert(key.to_string(), string_list(items));
        }
        if let Some(ResourceElement { negated, items, .. }) = &self.resource {
            let key = if *negated { "NotResource" } else { "Resource" };
            st.insert(key.to_string(), string_list(items));
        }
        if let Some(condition) = &self.condition {
            st.insert("Condition".to_string(), condition_json(condition));
        }
        Value::Object(st)
    }
}

fn principal_json(principal: &PrincipalElement) -> (&'static str, Value) {
    let key = if principal.negated {
        "NotPrincipal"
    } else {
        "Principal"
    };
    let value = match &principal.value {
        Principal::Wildcard => Value::from("*"),
        Principal::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|e| (e.kind.node.as_str().to_string(), string_list(&e.values)))
                .collect(),
        ),
    };
    (key, value)
}

fn condition_json(condition: &ConditionBlock) -> Value {
    Value::Object(
        condition
            .entries
            .iter()
            .map(|entry| {
                let keys = entry
                    .keys
                    .iter()
                    .map(|k| {
                        let values = one_or_many(
                            k.values.iter().map(|v| condition_value(&v.node)).collect(),
                        );
                        (k.key.node.clone(), values)
                    })
                    .collect();
                (entry.operator.node.to_string(), Value::Object(keys))
            })
            .collect(),
    )
}

fn condition_value(value: &ConditionValue) -> Value {
    match value {
        ConditionValue::String(s) => Value::from(s.as_str()),
        ConditionValue::Bool(b) => Value::Bool(*b),
        ConditionValue::Number(n) => n
            .parse::<Number>()
            .map_or_else(|_| Value::from(n.as_str()), Value::Number),
    }
}

/// A string list: one item as a plain string, otherwise an array (empty stays empty).
fn string_list(items: &[Node<String>]) -> Value {
    one_or_many(items.iter().map(|i| Value::from(i.node.as_str())).collect())
}

fn one_or_many(mut values: Vec<Value>) -> Value {
    if values.len() == 1 {
        values.pop().unwrap_or(Value::Null)
    } else {
        Value::Array(values)
    }
}

#[cfg(test)]
mod tests {
    use crate::parse_policy;
    use crate::PolicyKind;

    #[test]
    fn writes_elements_in_order_with_single_values_unwrapped() {
        let text = r#"{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"s","Effect":"Deny","Principal":{"AWS":["a","b"],"Service":"svc"},"NotAction":"s3:*","Resource":["r"],"Condition":{"StringLike":{"k":["v",1,true]},"Bool":{"aws:SecureTransport":false}}}]}"#;
        let parsed = parse_policy(text, Some(PolicyKind::Resource));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let json = parsed.policy.unwrap().to_json();
        assert_eq!(
            serde_json::to_string(&json).unwrap(),
            r#"{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"s","Effect":"Deny","Principal":{"AWS":["a","b"],"Service":"svc"},"NotAction":"s3:*","Resource":"r","Condition":{"StringLike":{"k":["v",1,true]},"Bool":{"aws:SecureTransport":false}}}]}"#
        );
    }

    #[test]
    fn wildcard_principal_is_a_star() {
        let text =
            r#"{"Statement":{"Effect":"Allow","NotPrincipal":"*","Action":[],"Resource":"*"}}"#;
        let policy = parse_policy(text, Some(PolicyKind::Resource))
            .policy
            .unwrap();
        let json = policy.to_json();
        assert_eq!(json["Statement"][0]["NotPrincipal"], "*");
        assert_eq!(json["Statement"][0]["Action"], serde_json::json!([]));
    }
}
