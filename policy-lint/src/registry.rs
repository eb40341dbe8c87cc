//! The central code table: every rule, in code order.

use crate::rule::{Rule, RuleMeta};
use crate::rules::correctness as c;

/// Every rule, sorted by code. Codes are never reused.
pub static RULES: &[&dyn Rule] = &[
    &c::JsonSyntax,
    &c::DuplicateKey,
    &c::InvalidElementType,
    &c::UnknownElement,
    &c::InvalidVersion,
    &c::MissingVersion,
    &c::MissingStatement,
    &c::MissingEffect,
    &c::InvalidEffect,
    &c::MissingAction,
    &c::MissingResource,
    &c::MissingPrincipal,
    &c::ConflictingElements,
    &c::ElementNotAllowed,
    &c::EmptyElement,
    &c::InvalidPrincipal,
    &c::UnknownConditionOperator,
    &c::NullWithIfExists,
    &c::UnknownService,
    &c::UnknownAction,
    &c::InvalidActionFormat,
    &c::UnknownConditionKey,
    &c::ConditionOperatorMismatch,
    &c::ConditionValueMismatch,
    &c::MixedConditionValueTypes,
    &c::DuplicateConditionKey,
    &c::InvalidArn,
    &c::InvalidSid,
    &c::DuplicateSid,
    &c::VariableNotAllowed,
    &c::VariableWithoutVersion,
];

/// Every rule's metadata, in code order.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().map(|r| r.meta())
}

/// A rule by its kebab-case name.
pub fn by_name(name: &str) -> Option<&'static RuleMeta> {
    all().find(|m| m.name == name)
}

/// A rule by code (`C102`, case-insensitive) or name (`unknown-action`).
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    all().find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}
