//! Parse errors: every problem found while reading a policy, each with its span.

use crate::ast::{Effect, PolicyKind};
use crate::source::Span;
use crate::syntax::json::SyntaxErrorKind;

/// One problem found while reading a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// Where.
    pub span: Span,
    /// A second place worth showing (the first of two duplicate keys, say).
    pub related: Option<Span>,
}

/// Every problem a parse may return.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text is not valid JSON.
    #[error("{0}")]
    Syntax(SyntaxErrorKind),
    /// The same key twice in one object.
    #[error("duplicate key `{key}`: AWS keeps only the last one")]
    DuplicateKey {
        /// The key.
        key: String,
    },
    /// An element of the wrong JSON type.
    #[error("`{element}` must be {expected}, found {found}")]
    WrongType {
        /// The element (`Action`, `Condition.StringEquals`, ...).
        element: String,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: &'static str,
    },
    /// A key that is not a policy element.
    #[error("unknown {place} element `{element}`")]
    UnknownElement {
        /// The key.
        element: String,
        /// `policy` or `statement`.
        place: &'static str,
        /// The element it probably means.
        suggestion: Option<&'static str>,
    },
    /// A `Version` other than `2012-10-17` or `2008-10-17`.
    #[error("invalid policy version `{0}`")]
    InvalidVersion(String),
    /// No `Statement`, or an empty one.
    #[error("the policy has no statement")]
    MissingStatement,
    /// A statement with no `Effect`.
    #[error("statement has no `Effect`")]
    MissingEffect,
    /// An `Effect` other than `Allow` or `Deny`.
    #[error("invalid effect `{value}`")]
    InvalidEffect {
        /// The value as written.
        value: String,
        /// The effect it probably means.
        suggestion: Option<Effect>,
    },
    /// A statement with neither `Action` nor `NotAction`.
    #[error("statement has no `Action` or `NotAction`")]
    MissingAction,
    /// A statement with neither `Resource` nor `NotResource` where one is required.
    #[error("statement has no `Resource` or `NotResource`")]
    MissingResource,
    /// A statement with neither `Principal` nor `NotPrincipal` where one is required.
    #[error("statement has no `Principal` or `NotPrincipal`, which {kind} requires", kind = .0.description())]
    MissingPrincipal(PolicyKind),
    /// Two elements that exclude each other (`Action` and `NotAction`).
    #[error("`{first}` and `{second}` cannot be used in the same statement")]
    ConflictingElements {
        /// The element seen first.
        first: &'static str,
        /// The element seen second.
        second: &'static str,
    },
    /// An element this kind of policy does not allow.
    #[error("`{element}` is not allowed in {kind}", kind = .kind.description())]
    ElementNotAllowed {
        /// The element.
        element: &'static str,
        /// The policy kind.
        kind: PolicyKind,
    },
    /// An element with no value (`"Action": []`).
    #[error("`{0}` is empty")]
    EmptyElement(String),
    /// A principal map key other than `AWS`, `Service`, `Federated`, `CanonicalUser`.
    #[error("invalid principal type `{key}`")]
    InvalidPrincipalKey {
        /// The key as written.
        key: String,
        /// The key it probably means.
        suggestion: Option<&'static str>,
    },
    /// A principal string other than `*`.
    #[error("a principal written as a string must be `*`")]
    InvalidPrincipalFormat,
    /// A condition operator AWS does not have.
    #[error("unknown condition operator `{operator}`")]
    UnknownConditionOperator {
        /// The operator as written.
        operator: String,
        /// The operator it probably means.
        suggestion: Option<String>,
    },
    /// `NullIfExists`.
    #[error("`IfExists` cannot be used with the `Null` operator")]
    NullWithIfExists,
}

/// The statement elements, as AWS spells them.
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

impl ParseErrorKind {
    /// The stable kebab-case name of the check that reports this error.
    pub fn name(&self) -> &'static str {
        match self {
            ParseErrorKind::Syntax(_) => "json-syntax",
            ParseErrorKind::DuplicateKey { .. } => "duplicate-key",
            ParseErrorKind::WrongType { .. } => "invalid-element-type",
            ParseErrorKind::UnknownElement { .. } => "unknown-element",
            ParseErrorKind::InvalidVersion(_) => "invalid-version",
            ParseErrorKind::MissingStatement => "missing-statement",
            ParseErrorKind::MissingEffect => "missing-effect",
            ParseErrorKind::InvalidEffect { .. } => "invalid-effect",
            ParseErrorKind::MissingAction => "missing-action",
            ParseErrorKind::MissingResource => "missing-resource",
            ParseErrorKind::MissingPrincipal(_) => "missing-principal",
            ParseErrorKind::ConflictingElements { .. } => "conflicting-elements",
            ParseErrorKind::ElementNotAllowed { .. } => "element-not-allowed",
            ParseErrorKind::EmptyElement(_) => "empty-element",
            ParseErrorKind::InvalidPrincipalKey { .. } | ParseErrorKind::InvalidPrincipalFormat => {
                "invalid-principal"
            }
            ParseErrorKind::UnknownConditionOperator { .. } => "unknown-condition-operator",
            ParseErrorKind::NullWithIfExists => "null-with-if-exists",
        }
    }

    /// Advice for fixing the error, when there is something useful to say.
    pub fn help(&self) -> Option<String> {
        match self {
            ParseErrorKind::Syntax(SyntaxErrorKind::TrailingComma) => {
                Some("remove the comma".to_string())
            }
            ParseErrorKind::Syntax(SyntaxErrorKind::Comment) => {
                Some("IAM accepts strict JSON only: remove the comment".to_string())
            }
            ParseErrorKind::DuplicateKey { .. } => {
                Some("merge the two values into one key".to_string())
            }
            ParseErrorKind::UnknownElement {
                element,
                suggestion: Some(s),
                ..
            } if s.eq_ignore_ascii_case(element.trim()) => Some(format!(
                "element names are case-sensitive: did you mean `{s}`?"
            )),
            ParseErrorKind::UnknownElement {
                element,
                place: "policy",
                suggestion: None,
            } if STATEMENT_ELEMENTS
                .iter()
                .any(|e| e.eq_ignore_ascii_case(element.trim())) =>
            {
                let name = STATEMENT_ELEMENTS
                    .iter()
                    .find(|e| e.eq_ignore_ascii_case(element.trim()))
                    .copied()
                    .unwrap_or_default();
                Some(format!(
                    "`{name}` is a statement element: put the statement in `\"Statement\": [...]`"
                ))
            }
            ParseErrorKind::UnknownElement {
                suggestion: Some(s),
                ..
            }
            | ParseErrorKind::InvalidPrincipalKey {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `{s}`?")),
            ParseErrorKind::UnknownElement { place, .. } => Some(if *place == "policy" {
                "a policy has `Version`, `Id` and `Statement`".to_string()
            } else {
                "a statement has `Sid`, `Effect`, `Principal`, `NotPrincipal`, `Action`, `NotAction`, `Resource`, `NotResource` and `Condition`".to_string()
            }),
            ParseErrorKind::InvalidVersion(_) => {
                Some("use `\"Version\": \"2012-10-17\"`".to_string())
            }
            ParseErrorKind::InvalidEffect {
                suggestion: Some(e),
                ..
            } => Some(format!("did you mean `{}`?", e.as_str())),
            ParseErrorKind::InvalidEffect { .. } | ParseErrorKind::MissingEffect => {
                Some("`Effect` must be exactly `Allow` or `Deny`".to_string())
            }
            ParseErrorKind::ElementNotAllowed { element, kind } => Some(match (*element, kind) {
                ("Principal" | "NotPrincipal", PolicyKind::Identity | PolicyKind::Boundary | PolicyKind::Session) => {
                    "an identity policy applies to the identity it is attached to: remove the principal, or lint the file with `--kind resource`".to_string()
                }
                ("Resource" | "NotResource", PolicyKind::Trust) => {
                    "a trust policy applies to the role it is attached to: remove the resource".to_string()
                }
                _ => format!("remove `{element}`"),
            }),
            ParseErrorKind::InvalidPrincipalKey { .. } => {
                Some("use `AWS`, `Service`, `Federated` or `CanonicalUser`".to_string())
            }
            ParseErrorKind::InvalidPrincipalFormat => Some(
                "write `\"Principal\": {\"AWS\": \"arn:...\"}` or `\"Principal\": \"*\"`".to_string(),
            ),
            ParseErrorKind::UnknownConditionOperator {
                suggestion: Some(s),
                ..
            } => Some(format!("did you mean `{s}`?")),
            ParseErrorKind::NullWithIfExists => {
                Some("use `Null` alone: it already tests whether the key is present".to_string())
            }
            ParseErrorKind::MissingResource => {
                Some("add `\"Resource\": \"...\"` naming the resources the statement covers".to_string())
            }
            _ => None,
        }
    }
}
