//! The central code table: every rule, by category, in code order.
//!
//! Each category module (`rules/<category>.rs`) lists its rules in a `RULES` slice; this table
//! chains them. Codes are never reused; a renamed rule keeps its code.

use crate::rule::{Rule, RuleMeta};
use crate::rules::{correctness, security, suggestion, suspicious};

/// Every rule, category by category (correctness, security, suspicious, suggestion).
pub static CATEGORIES: &[&[&dyn Rule]] = &[
    correctness::RULES,
    security::RULES,
    suspicious::RULES,
    suggestion::RULES,
];

/// Every rule.
pub fn rules() -> impl Iterator<Item = &'static dyn Rule> {
    CATEGORIES.iter().flat_map(|c| c.iter().copied())
}

/// Every rule's metadata, category by category, in code order.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    rules().map(crate::rule::Declared::meta)
}

/// A rule by its kebab-case name.
pub fn by_name(name: &str) -> Option<&'static RuleMeta> {
    all().find(|m| m.name == name)
}

/// A rule by code (`C102`, case-insensitive) or name (`unknown-action`).
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    all().find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}
