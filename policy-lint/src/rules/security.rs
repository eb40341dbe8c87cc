//! Security rules: the policy grants more than it should.
//!
//! The rules share `security/common.rs`: which actions a statement grants (patterns and
//! `NotAction` matched against the IAM reference), on which resources, and which conditions
//! pin it.

pub(crate) mod common;

mod allow_insecure_transport;
mod allow_with_not_principal;
mod assume_role_on_wildcard;
mod create_service_linked_role_on_wildcard;
mod credentials_exposure;
mod cross_account_permissions_management;
mod data_exfiltration;
mod defense_evasion;
mod deny_with_unsupported_tag_key;
mod github_oidc_sub_wildcard;
mod key_policy_grants_all_kms;
mod missing_paired_condition_key;
mod not_action_with_allow;
mod not_resource_with_allow;
mod oidc_trust_without_sub_or_aud;
mod pass_role_on_wildcard_resource;
mod pass_role_with_not_resource;
mod pass_role_without_passed_to_service;
mod permissions_management_on_wildcard;
mod privilege_escalation;
mod remote_command_on_wildcard;
mod resource_policy_cross_account;
mod resource_policy_public;
mod saml_trust_without_aud;
mod service_principal_without_source;
mod service_wildcard_action;
mod trust_policy_any_principal;
mod trust_policy_cross_account_without_external_id;
mod wildcard_action;
mod wildcard_resource;

pub use allow_insecure_transport::AllowInsecureTransport;
pub use allow_with_not_principal::AllowWithNotPrincipal;
pub use assume_role_on_wildcard::AssumeRoleOnWildcard;
pub use create_service_linked_role_on_wildcard::CreateServiceLinkedRoleOnWildcard;
pub use credentials_exposure::CredentialsExposure;
pub use cross_account_permissions_management::CrossAccountPermissionsManagement;
pub use data_exfiltration::DataExfiltration;
pub use defense_evasion::DefenseEvasion;
pub use deny_with_unsupported_tag_key::DenyWithUnsupportedTagKey;
pub use github_oidc_sub_wildcard::GithubOidcSubWildcard;
pub use key_policy_grants_all_kms::KeyPolicyGrantsAllKms;
pub use missing_paired_condition_key::MissingPairedConditionKey;
pub use not_action_with_allow::NotActionWithAllow;
pub use not_resource_with_allow::NotResourceWithAllow;
pub use oidc_trust_without_sub_or_aud::OidcTrustWithoutSubOrAud;
pub use pass_role_on_wildcard_resource::PassRoleOnWildcardResource;
pub use pass_role_with_not_resource::PassRoleWithNotResource;
pub use pass_role_without_passed_to_service::PassRoleWithoutPassedToService;
pub use permissions_management_on_wildcard::PermissionsManagementOnWildcard;
pub use privilege_escalation::PrivilegeEscalation;
pub use remote_command_on_wildcard::RemoteCommandOnWildcard;
pub use resource_policy_cross_account::ResourcePolicyCrossAccount;
pub use resource_policy_public::ResourcePolicyPublic;
pub use saml_trust_without_aud::SamlTrustWithoutAud;
pub use service_principal_without_source::ServicePrincipalWithoutSource;
pub use service_wildcard_action::ServiceWildcardAction;
pub use trust_policy_any_principal::TrustPolicyAnyPrincipal;
pub use trust_policy_cross_account_without_external_id::TrustPolicyCrossAccountWithoutExternalId;
pub use wildcard_action::WildcardAction;
pub use wildcard_resource::WildcardResource;

/// The security rules, in code order (codes `S001`…).
pub static RULES: &[&dyn crate::rule::Rule] = &[
    &WildcardAction,
    &ServiceWildcardAction,
    &WildcardResource,
    &NotActionWithAllow,
    &NotResourceWithAllow,
    &PassRoleOnWildcardResource,
    &PassRoleWithNotResource,
    &PassRoleWithoutPassedToService,
    &CreateServiceLinkedRoleOnWildcard,
    &AssumeRoleOnWildcard,
    &PrivilegeEscalation,
    &CredentialsExposure,
    &DataExfiltration,
    &PermissionsManagementOnWildcard,
    &DefenseEvasion,
    &RemoteCommandOnWildcard,
    &ResourcePolicyPublic,
    &ResourcePolicyCrossAccount,
    &AllowWithNotPrincipal,
    &ServicePrincipalWithoutSource,
    &KeyPolicyGrantsAllKms,
    &TrustPolicyAnyPrincipal,
    &TrustPolicyCrossAccountWithoutExternalId,
    &OidcTrustWithoutSubOrAud,
    &GithubOidcSubWildcard,
    &SamlTrustWithoutAud,
    &DenyWithUnsupportedTagKey,
    &AllowInsecureTransport,
    &MissingPairedConditionKey,
    &CrossAccountPermissionsManagement,
];
