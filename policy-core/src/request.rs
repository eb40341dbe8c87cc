//! A request to authorize: who, what, on which resource, with which context.

use std::fmt;
use std::sync::Arc;

/// What kind of caller made a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    /// An unsigned request.
    Anonymous,
    /// The account's root user (`arn:aws:iam::111122223333:root`).
    Root,
    /// An IAM user.
    User,
    /// A session of an IAM role, named by the role's ARN (session name unknown).
    Role,
    /// A role session (`arn:aws:sts::111122223333:assumed-role/name/session`).
    RoleSession,
    /// A federated user session (`arn:aws:sts::111122223333:federated-user/name`).
    FederatedUser,
    /// An AWS service principal (`lambda.amazonaws.com`).
    Service,
    /// A caller of `AssumeRoleWithWebIdentity`, named by its OIDC provider: the provider's
    /// ARN (`arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com`) or
    /// a provider host AWS knows by name (`cognito-identity.amazonaws.com`,
    /// `accounts.google.com`, `graph.facebook.com`, `www.amazon.com`).
    WebIdentity,
    /// A caller of `AssumeRoleWithSAML`, named by its SAML provider's ARN
    /// (`arn:aws:iam::111122223333:saml-provider/Name`).
    Saml,
}

impl PrincipalKind {
    /// The value of `aws:PrincipalType` for this kind (UG `reference_policies_variables`,
    /// "Principal key values").
    pub fn principal_type(self) -> &'static str {
        match self {
            PrincipalKind::Anonymous => "Anonymous",
            PrincipalKind::Root => "Account",
            PrincipalKind::User => "User",
            // A web identity or SAML call carries a token or assertion, not an AWS principal;
            // the session it creates is an assumed role (UG `reference_policies_variables`,
            // "Principal key values": web identity and SAML federated users).
            PrincipalKind::Role
            | PrincipalKind::RoleSession
            | PrincipalKind::WebIdentity
            | PrincipalKind::Saml => "AssumedRole",
            PrincipalKind::FederatedUser => "FederatedUser",
            PrincipalKind::Service => "Service",
        }
    }

    /// Whether the caller is a session that may carry a session policy.
    pub fn is_session(self) -> bool {
        matches!(
            self,
            PrincipalKind::Role | PrincipalKind::RoleSession | PrincipalKind::FederatedUser
        )
    }

    /// Whether the caller is a web identity or SAML federation caller: it signs no request
    /// with AWS credentials, has no identity-based policy, and only the role's trust policy
    /// (and the RCPs of the role's account) decide what it may call.
    pub fn is_federation(self) -> bool {
        matches!(self, PrincipalKind::WebIdentity | PrincipalKind::Saml)
    }
}

/// The caller, parsed from its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPrincipal {
    /// The ARN as given (or `anonymous`, or the service principal name).
    pub arn: String,
    /// What kind of caller it is.
    pub kind: PrincipalKind,
    /// Its partition (`aws`), when it has an ARN.
    pub partition: String,
    /// Its account, when it has one.
    pub account: Option<String>,
    /// User name, role name, session's role name or federated user name.
    pub name: String,
    /// The session name of a role session.
    pub session: Option<String>,
    /// The IAM ARN behind a session (`arn:aws:iam::acct:role/name`, or the user's ARN); the
    /// value of `aws:PrincipalArn`.
    pub principal_arn: String,
    /// Whether the principal is a service-linked role (path `/aws-service-role/`).
    pub service_linked: bool,
    /// Context keys AWS derives from the principal (lower-cased key, value), computed once.
    derived: Vec<(&'static str, [String; 1])>,
}

/// Why a principal string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a principal: use `anonymous`, a service principal such as `lambda.amazonaws.com`, the ARN of an account root, user, role, role session or federated user, or an identity provider: its `oidc-provider` or `saml-provider` ARN, or `federated:HOST` such as `federated:accounts.google.com`")]
pub struct PrincipalError(pub String);

/// Why a federation caller cannot make a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{principal}` is an identity provider: it can only call `{allowed}` (with `sts:TagSession` and `sts:SetSourceIdentity`), not `{action}`")]
pub struct FederationActionError {
    /// The caller as given.
    pub principal: String,
    /// The action asked about.
    pub action: String,
    /// The action that provider's callers make.
    pub allowed: &'static str,
}

impl FederationActionError {
    /// Advice for the user.
    pub fn help(&self) -> &'static str {
        "to ask what the role session can do after federation, give the session's ARN, `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, and the role's policies"
    }
}

impl RequestPrincipal {
    /// Reads `anonymous`, a service principal, or an IAM/STS principal ARN.
    pub fn parse(text: &str) -> Result<Self, PrincipalError> {
        let err = || PrincipalError(text.to_string());
        if text == "anonymous" || text == "*" {
            return Ok(Self::simple(text, PrincipalKind::Anonymous));
        }
        if let Some(provider) = text.strip_prefix("federated:") {
            return Self::parse_provider(provider).ok_or_else(err);
        }
        if let Some(p) = Self::parse_provider(text).filter(|_| text.starts_with("arn:")) {
            return Ok(p);
        }
        if !text.starts_with("arn:") {
            if text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn") {
                return Ok(Self::simple(text, PrincipalKind::Service));
            }
            return Err(err());
        }
        let mut parts = text.splitn(6, ':');
        let (Some(_), Some(partition), Some(service), Some(_region), Some(account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(err());
        };
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let base = |kind, name: &str| RequestPrincipal {
            arn: text.to_string(),
            kind,
            partition: partition.to_string(),
            account: Some(account.to_string()),
            name: name.to_string(),
            session: None,
            principal_arn: text.to_string(),
            service_linked: false,
            derived: Vec::new(),
        };
        let parsed = match (service, resource.split_once('/')) {
            ("iam", _) if resource == "root" => Ok(base(PrincipalKind::Root, "root")),
            ("iam", Some(("user", path_name))) if !path_name.is_empty() => {
                let name = path_name.rsplit('/').next().unwrap_or(path_name);
                Ok(base(PrincipalKind::User, name))
            }
            ("iam", Some(("role", path_name))) if !path_name.is_empty() => {
                let name = path_name.rsplit('/').next().unwrap_or(path_name);
                let mut p = base(PrincipalKind::Role, name);
                p.service_linked = path_name.starts_with("aws-service-role/");
                Ok(p)
            }
            ("sts", Some(("assumed-role", rest))) => {
                let (role, session) = rest.split_once('/').ok_or_else(err)?;
                if role.is_empty() || session.is_empty() {
                    return Err(err());
                }
                let mut p = base(PrincipalKind::RoleSession, role);
                p.session = Some(session.to_string());
                // The session ARN drops the role's path; `aws:PrincipalArn` is the role ARN.
                p.principal_arn = format!("arn:{partition}:iam::{account}:role/{role}");
                Ok(p)
            }
            ("sts", Some(("federated-user", name))) if !name.is_empty() => {
                Ok(base(PrincipalKind::FederatedUser, name))
            }
            _ => Err(err()),
        };
        parsed.map(Self::with_derived)
    }

    /// Reads an identity provider as a trust policy's `Federated` principal names it: an
    /// `oidc-provider` or `saml-provider` ARN, or an OIDC provider's host (UG
    /// `reference_policies_elements_principal`, "OIDC session principals" and "SAML session
    /// principals"; `id_roles_create_for-idp_oidc`).
    fn parse_provider(text: &str) -> Option<Self> {
        let kind = if text.starts_with("arn:") {
            let mut parts = text.splitn(6, ':');
            let (Some(_), Some(partition), Some("iam"), Some(""), Some(account), Some(resource)) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) else {
                return None;
            };
            if partition.is_empty()
                || account.len() != 12
                || !account.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            match resource.split_once('/') {
                Some(("oidc-provider", host)) if !host.is_empty() => PrincipalKind::WebIdentity,
                Some(("saml-provider", name)) if !name.is_empty() => PrincipalKind::Saml,
                _ => return None,
            }
        } else if !text.is_empty()
            && text.contains('.')
            && !text.contains(['/', ':', '*', '?', ' '])
        {
            PrincipalKind::WebIdentity
        } else {
            return None;
        };
        // The caller has no account and no AWS identity: it presents a token or an assertion
        // from this provider. `partition` is the provider ARN's, else `aws`.
        let mut p = Self::simple(text, kind);
        if let Some(partition) = text.strip_prefix("arn:").and_then(|r| r.split(':').next()) {
            p.partition = partition.to_string();
        }
        Some(p)
    }

    /// Whether this caller can make a request for `action` at all: a web identity caller
    /// calls `sts:AssumeRoleWithWebIdentity`, a SAML caller `sts:AssumeRoleWithSAML`, and
    /// either may pass session tags and a source identity with it (`sts:TagSession`,
    /// `sts:SetSourceIdentity`). Other callers can make any request.
    pub fn check_action(&self, action: &str) -> Result<(), FederationActionError> {
        let allowed = match self.kind {
            PrincipalKind::WebIdentity => "sts:AssumeRoleWithWebIdentity",
            PrincipalKind::Saml => "sts:AssumeRoleWithSAML",
            _ => return Ok(()),
        };
        if action.eq_ignore_ascii_case(allowed) || is_session_permission(action) {
            return Ok(());
        }
        Err(FederationActionError {
            principal: self.arn.clone(),
            action: action.to_string(),
            allowed,
        })
    }

    /// Computes the context keys AWS derives from the principal (UG
    /// `reference_policies_condition-keys`, "Properties of the principal";
    /// `reference_policies_variables`, "Principal key values").
    fn with_derived(mut self) -> Self {
        let mut d: Vec<(&'static str, [String; 1])> = Vec::new();
        // A federation caller signs nothing with AWS credentials: the keys it brings are the
        // provider's (`...:sub`, `...:aud`, `SAML:*`), given in the context (UG
        // `reference_policies_iam-condition-keys`, "Available keys for AWS web identity
        // federation" and "Available keys for SAML-based AWS STS federation").
        if self.kind.is_federation() {
            self.derived = d;
            return self;
        }
        if self.kind != PrincipalKind::Anonymous {
            d.push((
                "aws:principaltype",
                [self.kind.principal_type().to_string()],
            ));
            // Present in every signed request: true for a service principal, false for every
            // other caller (UG `reference_policies_condition-keys`, `aws:PrincipalIsAWSService`).
            d.push((
                "aws:principalisawsservice",
                [(self.kind == PrincipalKind::Service).to_string()],
            ));
        }
        if !matches!(self.kind, PrincipalKind::Anonymous | PrincipalKind::Service) {
            d.push(("aws:principalarn", [self.principal_arn.clone()]));
        }
        if let Some(account) = &self.account {
            d.push(("aws:principalaccount", [account.clone()]));
        }
        match self.kind {
            PrincipalKind::User => d.push(("aws:username", [self.name.clone()])),
            PrincipalKind::Root => {
                if let Some(account) = &self.account {
                    d.push(("aws:userid", [account.clone()]));
                }
            }
            PrincipalKind::FederatedUser => {
                if let Some(account) = &self.account {
                    d.push(("aws:userid", [format!("{account}:{}", self.name)]));
                }
            }
            PrincipalKind::Service => d.push(("aws:principalservicename", [self.arn.clone()])),
            _ => {}
        }
        d.sort_by(|a, b| a.0.cmp(b.0));
        self.derived = d;
        self
    }

    /// A context key derived from the principal, by lower-cased key.
    pub fn derived(&self, lower_key: &str) -> Option<&[String]> {
        self.derived
            .iter()
            .find(|(k, _)| *k == lower_key)
            .map(|(_, v)| v.as_slice())
    }

    fn simple(text: &str, kind: PrincipalKind) -> Self {
        Self::with_derived(RequestPrincipal {
            arn: text.to_string(),
            kind,
            partition: "aws".to_string(),
            account: None,
            name: text.to_string(),
            session: None,
            principal_arn: text.to_string(),
            service_linked: false,
            derived: Vec::new(),
        })
    }

    /// The role's ARN for a role or role session (path included when known).
    pub fn role_arn(&self) -> Option<&str> {
        matches!(self.kind, PrincipalKind::Role | PrincipalKind::RoleSession)
            .then_some(self.principal_arn.as_str())
    }
}

impl fmt::Display for RequestPrincipal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

/// Request context keys and their values. Keys are case-insensitive (stored lower-cased),
/// values keep their case; a key may have several values (multivalued keys).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Sorted by lower-cased key, unique keys; shared, so cloning a context is cheap.
    entries: Arc<Vec<(Box<str>, Vec<String>)>>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a key's values, replacing earlier ones.
    pub fn insert(&mut self, key: &str, values: Vec<String>) {
        let lower = key.to_ascii_lowercase();
        let entries = Arc::make_mut(&mut self.entries);
        match entries.binary_search_by(|(k, _)| (**k).cmp(lower.as_str())) {
            Ok(i) => {
                if let Some(slot) = entries.get_mut(i) {
                    slot.1 = values;
                }
            }
            Err(i) => entries.insert(i, (lower.into_boxed_str(), values)),
        }
    }

    /// The values of a key given in lower case.
    pub fn get(&self, lower_key: &str) -> Option<&[String]> {
        self.entries
            .binary_search_by(|(k, _)| (**k).cmp(lower_key))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v.as_slice())
    }

    /// Every key (lower-cased) and its values, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries.iter().map(|(k, v)| (&**k, v.as_slice()))
    }
}

/// One request: principal, action, resource and context, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Request {
    /// The caller (shared: many requests may come from one principal).
    pub principal: Arc<RequestPrincipal>,
    /// The action as given (`s3:GetObject`).
    pub action: String,
    /// The action in lower case, for matching.
    pub action_lower: String,
    /// The resource ARN (or `*`).
    pub resource: String,
    /// The account that owns the resource, when known.
    pub resource_account: Option<String>,
    /// Context keys as given.
    pub context: Context,
}

impl Request {
    /// A request. The resource account defaults to the resource ARN's, then the caller's.
    pub fn new(
        principal: impl Into<Arc<RequestPrincipal>>,
        action: &str,
        resource: impl Into<String>,
        resource_account: Option<String>,
        context: Context,
    ) -> Self {
        let principal = principal.into();
        let resource = resource.into();
        let resource_account = resource_account
            .or_else(|| arn_account(&resource).map(str::to_string))
            .or_else(|| principal.account.clone());
        Request {
            action_lower: action.to_ascii_lowercase(),
            action: action.to_string(),
            resource,
            resource_account,
            principal,
            context,
        }
    }

    /// Whether the resource belongs to AWS rather than to a customer account: its account is
    /// `aws` (AWS managed policies `arn:aws:iam::aws:policy/...`, `CloudFormation` transforms
    /// `arn:aws:cloudformation:REGION:aws:transform/...`; IAM UG `access_policies_managed-vs-inline`,
    /// "AWS managed policies"). ARNs with an empty account (SSM public documents,
    /// `arn:aws:ssm:REGION::document/AWS-...`) already default to the caller's account.
    pub fn resource_is_aws_owned(&self) -> bool {
        self.resource_account.as_deref() == Some("aws")
    }

    /// The service prefix of the action, lower-cased.
    pub fn service(&self) -> &str {
        self.action_lower.split_once(':').map_or("", |(s, _)| s)
    }

    /// The values of a context key, by lower-cased key: as given in the context, else as AWS
    /// derives it from the request (`aws:PrincipalArn`, `aws:PrincipalAccount`,
    /// `aws:PrincipalType`, `aws:PrincipalIsAWSService`, `aws:username`, `aws:userid`,
    /// `aws:PrincipalServiceName`, `aws:ResourceAccount`).
    pub fn value(&self, lower_key: &str) -> Option<&[String]> {
        self.context.get(lower_key).or_else(|| {
            if lower_key == "aws:resourceaccount" {
                self.resource_account.as_ref().map(std::slice::from_ref)
            } else {
                self.principal.derived(lower_key)
            }
        })
    }
}

/// Whether `action` is one of the permissions-only actions checked together with an
/// `AssumeRole*` call: `sts:TagSession` (UG `id_session-tags`, "Permissions required to add
/// session tags") and `sts:SetSourceIdentity` (UG `id_credentials_temp_control-access_monitor`,
/// "Permissions required to set source identity").
pub fn is_session_permission(action: &str) -> bool {
    action.eq_ignore_ascii_case("sts:TagSession")
        || action.eq_ignore_ascii_case("sts:SetSourceIdentity")
}

/// Whether the resource policy of a request on `resource` is a role trust policy: the
/// request is `sts:AssumeRole*`, `sts:TagSession` or `sts:SetSourceIdentity` on a role.
pub fn is_trust_policy_request(action: &str, resource: &str) -> bool {
    // The action first: it is cheap and rules out nearly every request.
    let sts_assume = action
        .get(..14)
        .is_some_and(|p| p.eq_ignore_ascii_case("sts:assumerole"));
    if !sts_assume && !is_session_permission(action) {
        return false;
    }
    let mut parts = resource.splitn(6, ':');
    parts.nth(2) == Some("iam") && parts.nth(2).is_some_and(|r| r.starts_with("role/"))
}

/// The account field of an ARN, when it has a non-empty one without wildcards.
pub fn arn_account(arn: &str) -> Option<&str> {
    // arn:partition:service:region:account:...: the account follows the fourth colon.
    let rest = arn.strip_prefix("arn:")?;
    let mut colons = rest.match_indices(':').map(|(i, _)| i);
    let (_, _, start, end) = (
        colons.next()?,
        colons.next()?,
        colons.next()?,
        colons.next()?,
    );
    rest.get(start + 1..end)
        .filter(|a| !a.is_empty() && !a.contains(['*', '?']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_principal() {
        let p =
            RequestPrincipal::parse("arn:aws:sts::111111111111:assumed-role/dev/alice").unwrap();
        assert_eq!(p.kind, PrincipalKind::RoleSession);
        assert_eq!(p.principal_arn, "arn:aws:iam::111111111111:role/dev");
        let r = RequestPrincipal::parse(
            "arn:aws:iam::111111111111:role/aws-service-role/x.amazonaws.com/R",
        )
        .unwrap();
        assert!(r.service_linked);
        assert_eq!(r.name, "R");
        assert_eq!(
            RequestPrincipal::parse("anonymous").unwrap().kind,
            PrincipalKind::Anonymous
        );
        assert_eq!(
            RequestPrincipal::parse("lambda.amazonaws.com")
                .unwrap()
                .kind,
            PrincipalKind::Service
        );
        assert_eq!(
            RequestPrincipal::parse("arn:aws:iam::111111111111:root")
                .unwrap()
                .kind,
            PrincipalKind::Root
        );
        assert!(RequestPrincipal::parse("arn:aws:iam::1:user/x").is_err());
        assert!(RequestPrincipal::parse("bob").is_err());
    }

    #[test]
    fn identity_providers_are_federation_callers() {
        let kind = |p: &str| RequestPrincipal::parse(p).map(|p| p.kind);
        let github = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
        assert_eq!(kind(github), Ok(PrincipalKind::WebIdentity));
        assert_eq!(
            kind(&format!("federated:{github}")),
            Ok(PrincipalKind::WebIdentity)
        );
        assert_eq!(
            kind("arn:aws:iam::111111111111:saml-provider/ExampleOrgSSOProvider"),
            Ok(PrincipalKind::Saml)
        );
        for host in [
            "cognito-identity.amazonaws.com",
            "accounts.google.com",
            "graph.facebook.com",
            "www.amazon.com",
        ] {
            assert_eq!(
                kind(&format!("federated:{host}")),
                Ok(PrincipalKind::WebIdentity)
            );
        }
        // A bare `*.amazonaws.com` host is still a service principal.
        assert_eq!(
            kind("cognito-identity.amazonaws.com"),
            Ok(PrincipalKind::Service)
        );
        for bad in [
            "accounts.google.com",
            "federated:",
            "federated:*",
            "federated:arn:aws:iam::111111111111:role/r",
            "arn:aws:iam::111111111111:oidc-provider/",
            "arn:aws:iam::1:saml-provider/X",
            "arn:aws:iam:us-east-1:111111111111:saml-provider/X",
        ] {
            assert!(kind(bad).is_err(), "{bad}");
        }
        // No key is derived: the provider's keys come with the token or assertion.
        let p = RequestPrincipal::parse(github).unwrap();
        assert_eq!(p.account, None);
        assert_eq!(p.derived("aws:principalisawsservice"), None);
        assert_eq!(p.derived("aws:principalaccount"), None);
    }

    #[test]
    fn federation_callers_make_only_their_assume_role_call() {
        let web = RequestPrincipal::parse("federated:accounts.google.com").unwrap();
        let saml = RequestPrincipal::parse("arn:aws:iam::111111111111:saml-provider/IdP").unwrap();
        assert!(web.check_action("sts:AssumeRoleWithWebIdentity").is_ok());
        assert!(web.check_action("STS:TagSession").is_ok());
        assert!(web.check_action("sts:SetSourceIdentity").is_ok());
        assert!(web.check_action("sts:AssumeRoleWithSAML").is_err());
        assert!(web.check_action("s3:GetObject").is_err());
        assert!(saml.check_action("sts:AssumeRoleWithSAML").is_ok());
        assert!(saml.check_action("sts:AssumeRole").is_err());
        let user = RequestPrincipal::parse("arn:aws:iam::111111111111:user/bob").unwrap();
        assert!(user.check_action("s3:GetObject").is_ok());
    }

    #[test]
    fn trust_policies_decide_assume_role_tag_session_and_source_identity() {
        let role = "arn:aws:iam::111111111111:role/path/R";
        for action in [
            "sts:AssumeRole",
            "sts:AssumeRoleWithSAML",
            "sts:assumerolewithwebidentity",
            "sts:TagSession",
            "sts:SetSourceIdentity",
        ] {
            assert!(is_trust_policy_request(action, role), "{action}");
        }
        assert!(!is_trust_policy_request("sts:SetContext", role));
        assert!(!is_trust_policy_request("sts:TagSession", "*"));
        assert!(!is_trust_policy_request(
            "sts:TagSession",
            "arn:aws:iam::111111111111:user/role/x"
        ));
        assert!(!is_trust_policy_request(
            "sts:AssumeRole",
            "arn:aws:s3:::bucket:role/x"
        ));
    }

    #[test]
    fn principal_is_aws_service_only_for_signed_requests() {
        let key = |p: &str| {
            RequestPrincipal::parse(p)
                .unwrap()
                .derived("aws:principalisawsservice")
                .map(<[String]>::to_vec)
        };
        let one = |s: &str| Some(vec![s.to_string()]);
        assert_eq!(key("events.amazonaws.com"), one("true"));
        for p in [
            "arn:aws:iam::111111111111:user/bob",
            "arn:aws:iam::111111111111:role/r",
            "arn:aws:sts::111111111111:assumed-role/r/s",
            "arn:aws:sts::111111111111:federated-user/f",
            "arn:aws:iam::111111111111:root",
        ] {
            assert_eq!(key(p), one("false"), "{p}");
        }
        assert_eq!(key("anonymous"), None);
    }

    #[test]
    fn resources_in_account_aws_are_aws_owned() {
        let p = || RequestPrincipal::parse("arn:aws:iam::111111111111:user/bob").unwrap();
        let owned = |arn: &str, account: Option<&str>| {
            Request::new(
                p(),
                "iam:GetPolicy",
                arn,
                account.map(str::to_string),
                Context::new(),
            )
            .resource_is_aws_owned()
        };
        assert!(owned("arn:aws:iam::aws:policy/ReadOnlyAccess", None));
        assert!(owned(
            "arn:aws:cloudformation:us-east-1:aws:transform/Serverless-2016-10-31",
            None
        ));
        assert!(!owned("arn:aws:iam::222222222222:policy/P", None));
        assert!(!owned(
            "arn:aws:ssm:us-east-1::document/AWS-RunShellScript",
            None
        ));
        assert!(!owned("arn:aws:s3:::b/k", Some("222222222222")));
        assert!(!owned("*", None));
    }

    #[test]
    fn derives_context_keys_unless_given() {
        let p = RequestPrincipal::parse("arn:aws:iam::111111111111:user/bob").unwrap();
        let mut ctx = Context::new();
        ctx.insert("AWS:PrincipalAccount", vec!["999".into()]);
        let r = Request::new(p, "S3:GetObject", "arn:aws:s3:::b/k", None, ctx);
        let one = |s: &str| Some(vec![s.to_string()]);
        assert_eq!(r.value("aws:username").map(<[String]>::to_vec), one("bob"));
        assert_eq!(
            r.value("aws:principalaccount").map(<[String]>::to_vec),
            one("999")
        );
        assert_eq!(
            r.value("aws:resourceaccount").map(<[String]>::to_vec),
            one("111111111111")
        );
        assert_eq!(
            r.value("aws:principaltype").map(<[String]>::to_vec),
            one("User")
        );
        assert_eq!(r.resource_account.as_deref(), Some("111111111111"));
        assert_eq!(
            r.value("aws:principalisawsservice").map(<[String]>::to_vec),
            one("false")
        );
        assert_eq!(r.action_lower, "s3:getobject");
    }
}
