//! What a rule is: metadata declared once, and checks over a policy.

use policy_core::ast::{Policy, Statement};

use crate::context::LintContext;
use crate::finding::Severity;

/// The kind of problem a rule finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// AWS rejects the policy, or it cannot work as written.
    Correctness,
    /// The policy grants more than it should.
    Security,
    /// Probably not what the author meant.
    Suspicious,
    /// Could be written better.
    Suggestion,
}

impl Category {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Correctness => "correctness",
            Category::Security => "security",
            Category::Suspicious => "suspicious",
            Category::Suggestion => "suggestion",
        }
    }
}

/// A rule's declaration: stable code, kebab-case name, category, default severity, docs.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable code, never reused (`C102`).
    pub code: &'static str,
    /// Kebab-case name (`unknown-action`).
    pub name: &'static str,
    /// Category.
    pub category: Category,
    /// Default severity.
    pub severity: Severity,
    /// The rule's documentation (Markdown, from its doc comment).
    pub doc: &'static str,
    /// Whether the parser, not the rule's own check, reports it.
    pub from_parser: bool,
}

impl RuleMeta {
    /// The first sentence of "What it does", as a one-line summary.
    pub fn summary(&self) -> String {
        let mut lines = self.doc.lines().map(str::trim);
        let mut summary = String::new();
        for line in lines.by_ref() {
            if line.starts_with("## What it does") {
                break;
            }
        }
        for line in lines {
            if line.is_empty() || line.starts_with("##") {
                if summary.is_empty() {
                    continue;
                }
                break;
            }
            if !summary.is_empty() {
                summary.push(' ');
            }
            summary.push_str(line);
        }
        summary
    }

    /// The documentation with the doc-comment indentation removed.
    pub fn documentation(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }
}

/// A rule's metadata, implemented by [`declare_rule!`](crate::declare_rule).
pub trait Declared {
    /// The rule's metadata.
    fn meta(&self) -> &'static RuleMeta;
}

/// A lint rule. Checks default to doing nothing, so a rule implements only what it needs.
pub trait Rule: Declared + Send + Sync {
    /// Checks the policy as a whole (runs once, before the statements).
    fn check_policy(&self, _policy: &Policy, _ctx: &mut LintContext<'_>) {}

    /// Checks one statement.
    fn check_statement(&self, _statement: &Statement, _ctx: &mut LintContext<'_>) {}
}

/// Declares a rule: a unit struct with its doc comment as documentation and its metadata in
/// `META`.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub UnknownAction { code: "C102", name: "unknown-action", category: Correctness, severity: Error }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $vis:vis $rule:ident {
            code: $code:literal,
            name: $name:literal,
            category: $category:ident,
            severity: $severity:ident
            $(, from_parser: $from_parser:literal)? $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $rule;

        impl $rule {
            /// This rule's metadata.
            pub const META: &'static $crate::rule::RuleMeta = &$crate::rule::RuleMeta {
                code: $code,
                name: $name,
                category: $crate::rule::Category::$category,
                severity: $crate::finding::Severity::$severity,
                doc: concat!($($doc, "\n"),+),
                from_parser: $crate::declare_rule!(@from_parser $($from_parser)?),
            };
        }

        impl $crate::rule::Declared for $rule {
            fn meta(&self) -> &'static $crate::rule::RuleMeta {
                Self::META
            }
        }
    };
    (@from_parser) => { false };
    (@from_parser $v:literal) => { $v };
}
