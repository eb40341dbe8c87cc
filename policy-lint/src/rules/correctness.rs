//! Correctness rules: AWS rejects the policy, or it cannot work as written.

pub(crate) mod condition_operator_mismatch;
mod condition_value_mismatch;
mod conflicting_elements;
mod duplicate_condition_key;
mod duplicate_key;
mod duplicate_sid;
mod element_not_allowed;
mod empty_element;
pub(crate) mod invalid_action_format;
mod invalid_arn;
mod invalid_effect;
mod invalid_element_type;
mod invalid_principal;
mod invalid_sid;
mod invalid_version;
mod json_syntax;
mod missing_action;
mod missing_effect;
mod missing_principal;
mod missing_resource;
mod missing_statement;
mod missing_version;
mod mixed_condition_value_types;
mod not_a_policy;
mod null_with_if_exists;
mod unknown_action;
mod unknown_condition_key;
mod unknown_condition_operator;
mod unknown_element;
mod unknown_service;
mod variable_not_allowed;
mod variable_without_version;

pub use condition_operator_mismatch::ConditionOperatorMismatch;
pub use condition_value_mismatch::ConditionValueMismatch;
pub use conflicting_elements::ConflictingElements;
pub use duplicate_condition_key::DuplicateConditionKey;
pub use duplicate_key::DuplicateKey;
pub use duplicate_sid::DuplicateSid;
pub use element_not_allowed::ElementNotAllowed;
pub use empty_element::EmptyElement;
pub use invalid_action_format::InvalidActionFormat;
pub use invalid_arn::InvalidArn;
pub use invalid_effect::InvalidEffect;
pub use invalid_element_type::InvalidElementType;
pub use invalid_principal::InvalidPrincipal;
pub use invalid_sid::InvalidSid;
pub use invalid_version::InvalidVersion;
pub use json_syntax::JsonSyntax;
pub use missing_action::MissingAction;
pub use missing_effect::MissingEffect;
pub use missing_principal::MissingPrincipal;
pub use missing_resource::MissingResource;
pub use missing_statement::MissingStatement;
pub use missing_version::MissingVersion;
pub use mixed_condition_value_types::MixedConditionValueTypes;
pub use not_a_policy::NotAPolicy;
pub use null_with_if_exists::NullWithIfExists;
pub use unknown_action::UnknownAction;
pub use unknown_condition_key::UnknownConditionKey;
pub use unknown_condition_operator::UnknownConditionOperator;
pub use unknown_element::UnknownElement;
pub use unknown_service::UnknownService;
pub use variable_not_allowed::VariableNotAllowed;
pub use variable_without_version::VariableWithoutVersion;

/// The correctness rules, in code order.
pub static RULES: &[&dyn crate::rule::Rule] = &[
    &JsonSyntax,
    &DuplicateKey,
    &InvalidElementType,
    &UnknownElement,
    &InvalidVersion,
    &MissingVersion,
    &MissingStatement,
    &MissingEffect,
    &InvalidEffect,
    &MissingAction,
    &MissingResource,
    &MissingPrincipal,
    &ConflictingElements,
    &ElementNotAllowed,
    &EmptyElement,
    &InvalidPrincipal,
    &UnknownConditionOperator,
    &NullWithIfExists,
    &NotAPolicy,
    &UnknownService,
    &UnknownAction,
    &InvalidActionFormat,
    &UnknownConditionKey,
    &ConditionOperatorMismatch,
    &ConditionValueMismatch,
    &MixedConditionValueTypes,
    &DuplicateConditionKey,
    &InvalidArn,
    &InvalidSid,
    &DuplicateSid,
    &VariableNotAllowed,
    &VariableWithoutVersion,
    &UnsupportedWildcardInPrincipal,
    &InvalidServicePrincipalFormat,
    &PolicyCharacterSet,
    &InvalidVpcOrVpceFormat,
    &MissingTagKeyInCondition,
    &RcpAllowStatement,
    &RcpPrincipalNotWildcard,
    &InvalidAccountId,
    &MultipleBoolValues,
    &PolicySizeQuota,
    &RcpUnsupportedAction,
    &MismatchedActionForPrincipal,
    &InvalidOrganizationId,
    &InvalidFederatedPrincipalFormat,
];

// Correctness rules added with the C2xx codes.
mod invalid_account_id;
mod invalid_federated_principal_format;
mod invalid_organization_id;
mod invalid_service_principal_format;
mod invalid_vpc_or_vpce_format;
mod mismatched_action_for_principal;
mod missing_tag_key_in_condition;
mod multiple_bool_values;
mod policy_character_set;
pub(crate) mod policy_size_quota;
pub(crate) mod rcp_allow_statement;
mod rcp_principal_not_wildcard;
mod rcp_unsupported_action;
mod unsupported_wildcard_in_principal;

pub use invalid_account_id::InvalidAccountId;
pub use invalid_federated_principal_format::InvalidFederatedPrincipalFormat;
pub use invalid_organization_id::InvalidOrganizationId;
pub use invalid_service_principal_format::InvalidServicePrincipalFormat;
pub use invalid_vpc_or_vpce_format::InvalidVpcOrVpceFormat;
pub use mismatched_action_for_principal::MismatchedActionForPrincipal;
pub use missing_tag_key_in_condition::MissingTagKeyInCondition;
pub use multiple_bool_values::MultipleBoolValues;
pub use policy_character_set::PolicyCharacterSet;
pub use policy_size_quota::PolicySizeQuota;
pub use rcp_allow_statement::RcpAllowStatement;
pub use rcp_principal_not_wildcard::RcpPrincipalNotWildcard;
pub use rcp_unsupported_action::RcpUnsupportedAction;
pub use unsupported_wildcard_in_principal::UnsupportedWildcardInPrincipal;
