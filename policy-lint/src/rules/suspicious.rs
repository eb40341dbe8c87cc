//! Suspicious rules: probably not what the author meant.

/// The suspicious rules, in code order (codes `W001`…).
pub static RULES: &[&dyn crate::rule::Rule] = &[];
