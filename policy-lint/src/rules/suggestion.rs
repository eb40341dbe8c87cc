//! Suggestions: could be written better.

mod empty_sid;
mod ineffective_statement;
mod ip_range_host_bits;
mod missing_sid;
mod old_version;
pub(crate) mod redundant_action;
mod redundant_condition_value;
mod redundant_principal;
mod redundant_resource;
mod redundant_statement;

pub use empty_sid::EmptySid;
pub use ineffective_statement::IneffectiveStatement;
pub use ip_range_host_bits::IpRangeHostBits;
pub use missing_sid::MissingSid;
pub use old_version::OldVersion;
pub use redundant_action::RedundantAction;
pub use redundant_condition_value::RedundantConditionValue;
pub use redundant_principal::RedundantPrincipal;
pub use redundant_resource::RedundantResource;
pub use redundant_statement::RedundantStatement;

/// The suggestion rules, in code order (codes `N001`…).
pub static RULES: &[&dyn crate::rule::Rule] = &[
    &IpRangeHostBits,
    &RedundantAction,
    &RedundantResource,
    &RedundantStatement,
    &EmptySid,
    &MissingSid,
    &OldVersion,
    &RedundantConditionValue,
    &RedundantPrincipal,
    &IneffectiveStatement,
];
