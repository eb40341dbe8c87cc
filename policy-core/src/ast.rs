//! The policy AST: every element and every value carries its byte span.
//!
//! Equality and hashing of [`Node`] ignore the span, so two policies compare equal when they
//! say the same thing wherever it was written (Cedar's `Node<T>`).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::source::Span;

/// A value and where it was written. `==` and `Hash` ignore the span.
#[derive(Debug, Clone, Copy)]
pub struct Node<T> {
    /// The value.
    pub node: T,
    /// Where it is in the source.
    pub span: Span,
}

impl<T> Node<T> {
    /// A node at a span.
    pub fn new(node: T, span: Span) -> Self {
        Self { node, span }
    }
}

impl<T: PartialEq> PartialEq for Node<T> {
    // Span-blind, like Cedar's `Node`: two policies are equal when they say the same thing.
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}
impl<T: Eq> Eq for Node<T> {}
impl<T: std::hash::Hash> std::hash::Hash for Node<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.node.hash(state);
    }
}

/// Implements span-blind `PartialEq`/`Eq` over the listed fields; the span fields left out
/// are positions only.
macro_rules! span_blind_eq {
    ($($ty:ident { $($field:ident),* })*) => {$(
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$field == other.$field)*
            }
        }
        impl Eq for $ty {}
    )*};
}

span_blind_eq! {
    Policy { kind, version, id, statements }
    Statement { index, sid, effect, principal, action, resource, condition }
    PrincipalElement { negated, value }
    ActionElement { negated, items }
    ResourceElement { negated, items }
    ConditionBlock { entries }
    ConditionKeyValues { key, values }
}

/// Where a policy is attached, which decides the elements it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyKind {
    /// An identity-based policy (user, group or role; inline or managed).
    Identity,
    /// A resource-based policy (bucket, queue, topic, key, function, ...).
    Resource,
    /// A role trust policy (the role's resource policy for `sts:AssumeRole*`).
    Trust,
    /// A service control policy.
    Scp,
    /// A resource control policy.
    Rcp,
    /// A permissions boundary.
    Boundary,
    /// A session policy passed to `AssumeRole*` or `GetFederationToken`.
    Session,
    /// A VPC endpoint policy.
    Endpoint,
}

impl PolicyKind {
    /// Every kind, in a stable order.
    pub const ALL: [PolicyKind; 8] = [
        PolicyKind::Identity,
        PolicyKind::Resource,
        PolicyKind::Trust,
        PolicyKind::Scp,
        PolicyKind::Rcp,
        PolicyKind::Boundary,
        PolicyKind::Session,
        PolicyKind::Endpoint,
    ];

    /// The CLI name (`identity`, `scp`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Resource => "resource",
            PolicyKind::Trust => "trust",
            PolicyKind::Scp => "scp",
            PolicyKind::Rcp => "rcp",
            PolicyKind::Boundary => "boundary",
            PolicyKind::Session => "session",
            PolicyKind::Endpoint => "endpoint",
        }
    }

    /// The name used in messages, with its article ("an identity policy").
    pub fn description(self) -> &'static str {
        match self {
            PolicyKind::Identity => "an identity policy",
            PolicyKind::Resource => "a resource policy",
            PolicyKind::Trust => "a role trust policy",
            PolicyKind::Scp => "a service control policy",
            PolicyKind::Rcp => "a resource control policy",
            PolicyKind::Boundary => "a permissions boundary",
            PolicyKind::Session => "a session policy",
            PolicyKind::Endpoint => "a VPC endpoint policy",
        }
    }

    /// Whether statements of this kind name a principal (`Principal`/`NotPrincipal`).
    pub fn takes_principal(self) -> bool {
        matches!(
            self,
            PolicyKind::Resource | PolicyKind::Trust | PolicyKind::Rcp | PolicyKind::Endpoint
        )
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PolicyKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PolicyKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown policy kind `{s}`"))
    }
}

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `2012-10-17`, the current version (policy variables work).
    V2012_10_17,
    /// `2008-10-17`, the old version (`${...}` is literal text).
    V2008_10_17,
}

impl Version {
    /// The version string.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2012_10_17 => "2012-10-17",
            Version::V2008_10_17 => "2008-10-17",
        }
    }
}

/// A whole policy document.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The kind the policy was read as.
    pub kind: PolicyKind,
    /// `Version`, if present and valid.
    pub version: Option<Node<Version>>,
    /// Where the `Version` key is, when one is written (valid or not).
    pub version_key: Option<Span>,
    /// `Id`, if present.
    pub id: Option<Node<String>>,
    /// The statements, in order.
    pub statements: Vec<Statement>,
    /// The whole document.
    pub span: Span,
}

impl Policy {
    /// Whether policy variables (`${...}`) are substituted: only under version 2012-10-17.
    pub fn has_variables(&self) -> bool {
        matches!(
            self.version,
            Some(Node {
                node: Version::V2012_10_17,
                ..
            })
        )
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

impl Effect {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// One statement. Elements that were missing or invalid are `None` (the parse errors say why),
/// so that checks can still run on the rest.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Position in the `Statement` list, from 0.
    pub index: usize,
    /// `Sid`.
    pub sid: Option<Node<String>>,
    /// `Effect`.
    pub effect: Option<Node<Effect>>,
    /// `Principal` or `NotPrincipal`.
    pub principal: Option<PrincipalElement>,
    /// `Action` or `NotAction`.
    pub action: Option<ActionElement>,
    /// `Resource` or `NotResource`.
    pub resource: Option<ResourceElement>,
    /// `Condition`.
    pub condition: Option<ConditionBlock>,
    /// The whole statement object.
    pub span: Span,
}

impl Statement {
    /// The effect, when valid.
    pub fn effect(&self) -> Option<Effect> {
        self.effect.map(|e| e.node)
    }

    /// The `Action`/`NotAction` values (empty when absent).
    pub fn actions(&self) -> &[Node<String>] {
        self.action.as_ref().map_or(&[], |a| &a.items)
    }

    /// The `Resource`/`NotResource` values (empty when absent).
    pub fn resources(&self) -> &[Node<String>] {
        self.resource.as_ref().map_or(&[], |r| &r.items)
    }

    /// The condition entries (empty when absent).
    pub fn conditions(&self) -> &[ConditionEntry] {
        self.condition.as_ref().map_or(&[], |c| &c.entries)
    }

    /// A short label: `Sid` if any, else `#index` (1-based, as people count).
    pub fn label(&self) -> Cow<'_, str> {
        match &self.sid {
            Some(sid) if !sid.node.is_empty() => Cow::Borrowed(&sid.node),
            _ => Cow::Owned(format!("#{}", self.index + 1)),
        }
    }
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone)]
pub struct PrincipalElement {
    /// `true` for `NotPrincipal`.
    pub negated: bool,
    /// The principals.
    pub value: Principal,
    /// The element's key (`"Principal"`).
    pub key_span: Span,
    /// The element's value.
    pub span: Span,
}

/// The value of a principal element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"`: everyone, including anonymous callers.
    Wildcard,
    /// `{"AWS": ..., "Service": ...}`.
    Map(Vec<PrincipalEntry>),
}

impl Principal {
    /// The entries of a map (empty for `"*"`).
    pub fn entries(&self) -> &[PrincipalEntry] {
        match self {
            Principal::Wildcard => &[],
            Principal::Map(entries) => entries,
        }
    }
}

/// One kind of principal and its values, e.g. `"AWS": ["arn:...", "111122223333"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalEntry {
    /// `AWS`, `Service`, `Federated` or `CanonicalUser`.
    pub kind: Node<PrincipalKind>,
    /// The values, in order.
    pub values: Vec<Node<String>>,
}

/// The keys of a principal map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    /// `AWS`: accounts, users, roles, sessions, or `*`.
    Aws,
    /// `Service`: service principals such as `lambda.amazonaws.com`.
    Service,
    /// `Federated`: SAML or OIDC providers, or `cognito-identity.amazonaws.com`.
    Federated,
    /// `CanonicalUser`: an S3 canonical user id.
    CanonicalUser,
}

impl PrincipalKind {
    /// Every kind.
    pub const ALL: [PrincipalKind; 4] = [
        PrincipalKind::Aws,
        PrincipalKind::Service,
        PrincipalKind::Federated,
        PrincipalKind::CanonicalUser,
    ];

    /// The JSON key.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }
}

/// `Action` or `NotAction`.
#[derive(Debug, Clone)]
pub struct ActionElement {
    /// `true` for `NotAction`.
    pub negated: bool,
    /// The action patterns as written (`s3:GetObject`, `s3:Get*`, `*`).
    pub items: Vec<Node<String>>,
    /// The element's key.
    pub key_span: Span,
    /// The element's value.
    pub span: Span,
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone)]
pub struct ResourceElement {
    /// `true` for `NotResource`.
    pub negated: bool,
    /// The ARN patterns as written.
    pub items: Vec<Node<String>>,
    /// The element's key.
    pub key_span: Span,
    /// The element's value.
    pub span: Span,
}

/// The `Condition` element.
#[derive(Debug, Clone)]
pub struct ConditionBlock {
    /// One entry per operator, in order.
    pub entries: Vec<ConditionEntry>,
    /// The element's value.
    pub span: Span,
}

/// One operator and its keys: `"StringEquals": {"aws:username": "bob"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionEntry {
    /// The operator.
    pub operator: Node<ConditionOperator>,
    /// The keys tested, in order.
    pub keys: Vec<ConditionKeyValues>,
}

/// One key and its values under an operator.
#[derive(Debug, Clone)]
pub struct ConditionKeyValues {
    /// The key as written (`aws:SourceIp`).
    pub key: Node<String>,
    /// The values; a single JSON value is a list of one.
    pub values: Vec<Node<ConditionValue>>,
    /// Where the value (string or array) is.
    pub values_span: Span,
}

/// A condition value as written; AWS compares them as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConditionValue {
    /// A JSON string.
    String(String),
    /// A JSON boolean.
    Bool(bool),
    /// A JSON number, as written.
    Number(String),
}

impl ConditionValue {
    /// The value as text, the way AWS reads it.
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            ConditionValue::String(s) | ConditionValue::Number(s) => Cow::Borrowed(s),
            ConditionValue::Bool(true) => Cow::Borrowed("true"),
            ConditionValue::Bool(false) => Cow::Borrowed("false"),
        }
    }

    /// The JSON type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            ConditionValue::String(_) => "string",
            ConditionValue::Bool(_) => "boolean",
            ConditionValue::Number(_) => "number",
        }
    }
}

/// A condition operator: optional set qualifier, base operator, optional `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    /// `ForAllValues:` or `ForAnyValue:`.
    pub qualifier: Option<SetQualifier>,
    /// The base operator.
    pub base: OperatorBase,
    /// The `IfExists` suffix.
    pub if_exists: bool,
}

/// The set qualifiers for multivalued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    /// `ForAllValues:`: every request value must match.
    ForAllValues,
    /// `ForAnyValue:`: at least one request value must match.
    ForAnyValue,
}

impl SetQualifier {
    /// The prefix without the colon.
    pub fn as_str(self) -> &'static str {
        match self {
            SetQualifier::ForAllValues => "ForAllValues",
            SetQualifier::ForAnyValue => "ForAnyValue",
        }
    }
}

/// The families of operators, which decide how values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorFamily {
    /// `String*`.
    String,
    /// `Numeric*`.
    Numeric,
    /// `Date*`.
    Date,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    Binary,
    /// `IpAddress`, `NotIpAddress`.
    Ip,
    /// `Arn*`.
    Arn,
    /// `Null`.
    Null,
}

macro_rules! operator_bases {
    ($($variant:ident => $family:ident, $negated:expr;)*) => {
        /// The base condition operators (UG `reference_policies_elements_condition_operators`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum OperatorBase {
            $(
                #[doc = concat!("`", stringify!($variant), "`.")]
                $variant,
            )*
        }

        impl OperatorBase {
            /// Every base operator.
            pub const ALL: &'static [OperatorBase] = &[$(OperatorBase::$variant),*];

            /// The operator's name.
            pub fn as_str(self) -> &'static str {
                match self { $(OperatorBase::$variant => stringify!($variant),)* }
            }

            /// The operator's family.
            pub fn family(self) -> OperatorFamily {
                match self { $(OperatorBase::$variant => OperatorFamily::$family,)* }
            }

            /// Whether the operator is a negation (true when the key is missing).
            pub fn is_negated(self) -> bool {
                match self { $(OperatorBase::$variant => $negated,)* }
            }
        }
    };
}

operator_bases! {
    StringEquals => String, false;
    StringNotEquals => String, true;
    StringEqualsIgnoreCase => String, false;
    StringNotEqualsIgnoreCase => String, true;
    StringLike => String, false;
    StringNotLike => String, true;
    NumericEquals => Numeric, false;
    NumericNotEquals => Numeric, true;
    NumericLessThan => Numeric, false;
    NumericLessThanEquals => Numeric, false;
    NumericGreaterThan => Numeric, false;
    NumericGreaterThanEquals => Numeric, false;
    DateEquals => Date, false;
    DateNotEquals => Date, true;
    DateLessThan => Date, false;
    DateLessThanEquals => Date, false;
    DateGreaterThan => Date, false;
    DateGreaterThanEquals => Date, false;
    Bool => Bool, false;
    BinaryEquals => Binary, false;
    IpAddress => Ip, false;
    NotIpAddress => Ip, true;
    ArnEquals => Arn, false;
    ArnLike => Arn, false;
    ArnNotEquals => Arn, true;
    ArnNotLike => Arn, true;
    Null => Null, false;
}

/// Why an operator string is not a valid operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperatorError {
    /// Not an operator at all.
    Unknown,
    /// `NullIfExists`: `IfExists` cannot be used with `Null`.
    NullWithIfExists,
}

impl ConditionOperator {
    /// Reads an operator, case-sensitively as AWS does. `NullIfExists` is refused.
    pub fn parse(text: &str) -> Result<Self, OperatorError> {
        let (qualifier, rest) = if let Some(rest) = text.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = text.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, text)
        };
        let (name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(name) => (name, true),
            None => (rest, false),
        };
        let base = OperatorBase::ALL
            .iter()
            .copied()
            .find(|b| b.as_str() == name)
            .ok_or(OperatorError::Unknown)?;
        if base == OperatorBase::Null && if_exists {
            return Err(OperatorError::NullWithIfExists);
        }
        Ok(ConditionOperator {
            qualifier,
            base,
            if_exists,
        })
    }

    /// Whether the operator is negated (`StringNotEquals`, `NotIpAddress`, ...).
    pub fn is_negated(self) -> bool {
        self.base.is_negated()
    }
}

impl fmt::Display for ConditionOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(q) = self.qualifier {
            write!(f, "{}:", q.as_str())?;
        }
        f.write_str(self.base.as_str())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_round_trip_through_text() {
        for base in OperatorBase::ALL {
            for qualifier in [
                None,
                Some(SetQualifier::ForAllValues),
                Some(SetQualifier::ForAnyValue),
            ] {
                for if_exists in [false, true] {
                    let op = ConditionOperator {
                        qualifier,
                        base: *base,
                        if_exists,
                    };
                    let parsed = ConditionOperator::parse(&op.to_string());
                    if *base == OperatorBase::Null && if_exists {
                        assert_eq!(parsed, Err(OperatorError::NullWithIfExists));
                    } else {
                        assert_eq!(parsed, Ok(op));
                    }
                }
            }
        }
        assert_eq!(
            ConditionOperator::parse("stringequals"),
            Err(OperatorError::Unknown)
        );
    }
}
mod to_json;
