//! Security rules: the policy grants more than it should.

/// The security rules, in code order (codes `S001`…).
pub static RULES: &[&dyn crate::rule::Rule] = &[];
