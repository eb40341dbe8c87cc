//! Suspicious rules: probably not what the author meant.

mod condition_key_not_supported_by_action;
mod deprecated_global_condition_key;
mod empty_array_condition;
mod for_all_values_with_allow;
mod for_any_value_with_deny;
mod invalid_date_value;
mod mfa_condition_antipattern;
mod missing_qualifier_on_multivalued_key;
mod network_deny_without_service_exception;
mod null_with_qualifier;
mod principal_unique_id;
mod qualifier_on_single_valued_key;
mod resource_type_mismatch;
mod shadowed_statement;
pub(crate) mod source_ip_private_range;
pub(crate) mod support;
mod wildcard_only_action_with_resource;
mod wildcard_without_like_operator;

pub use condition_key_not_supported_by_action::ConditionKeyNotSupportedByAction;
pub use deprecated_global_condition_key::DeprecatedGlobalConditionKey;
pub use empty_array_condition::EmptyArrayCondition;
pub use for_all_values_with_allow::ForAllValuesWithAllow;
pub use for_any_value_with_deny::ForAnyValueWithDeny;
pub use invalid_date_value::InvalidDateValue;
pub use mfa_condition_antipattern::MfaConditionAntipattern;
pub use missing_qualifier_on_multivalued_key::MissingQualifierOnMultivaluedKey;
pub use network_deny_without_service_exception::NetworkDenyWithoutServiceException;
pub use null_with_qualifier::NullWithQualifier;
pub use principal_unique_id::PrincipalUniqueId;
pub use qualifier_on_single_valued_key::QualifierOnSingleValuedKey;
pub use resource_type_mismatch::ResourceTypeMismatch;
pub use shadowed_statement::ShadowedStatement;
pub use source_ip_private_range::SourceIpPrivateRange;
pub use wildcard_only_action_with_resource::WildcardOnlyActionWithResource;
pub use wildcard_without_like_operator::WildcardWithoutLikeOperator;

/// The suspicious rules, in code order (codes `W001`…).
pub static RULES: &[&dyn crate::rule::Rule] = &[
    &ForAllValuesWithAllow,
    &ForAnyValueWithDeny,
    &QualifierOnSingleValuedKey,
    &MissingQualifierOnMultivaluedKey,
    &NullWithQualifier,
    &EmptyArrayCondition,
    &WildcardWithoutLikeOperator,
    &SourceIpPrivateRange,
    &MfaConditionAntipattern,
    &DeprecatedGlobalConditionKey,
    &ConditionKeyNotSupportedByAction,
    &ResourceTypeMismatch,
    &WildcardOnlyActionWithResource,
    &ShadowedStatement,
    &InvalidDateValue,
    &PrincipalUniqueId,
    &NetworkDenyWithoutServiceException,
];
