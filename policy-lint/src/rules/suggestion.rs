//! Suggestions: could be written better.

/// The suggestion rules, in code order (codes `N001`…).
pub static RULES: &[&dyn crate::rule::Rule] = &[];
