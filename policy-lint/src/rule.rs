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
    /// Whether the rule runs only when selected (not in the default selection).
    pub opt_in: bool,
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

    /// The documentation as people read it (`iampol rule`, SARIF help): code fences keep only
    /// their language, without the markers the doc tests read (`json,expect_finding,kind=trust`
    /// becomes `json`), and Rust blocks lose their hidden (`# `) lines.
    pub fn display_documentation(&self) -> String {
        clean_code_fences(&self.documentation())
    }
}

/// Fence markers that only tests read: rustdoc's attributes and ours.
fn is_test_marker(tag: &str) -> bool {
    matches!(
        tag,
        "ignore" | "no_run" | "should_panic" | "compile_fail" | "test_harness" | "expect_finding"
    ) || tag.starts_with("edition")
        || tag.contains('=')
}

/// Markdown with every fence's info string cut down to its language, and the hidden lines of
/// Rust blocks (`# `, as rustdoc hides them) dropped.
fn clean_code_fences(markdown: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    // The open fence (its characters) and whether its block is Rust.
    let mut open: Option<(String, bool)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        let indent = line.strip_suffix(trimmed).unwrap_or_default();
        let fence_char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let fence_len = fence_char.map_or(0, |c| trimmed.chars().take_while(|x| *x == c).count());
        match &open {
            Some((fence, rust)) => {
                let closes = fence_len >= fence.len()
                    && trimmed.starts_with(fence.as_str())
                    && trimmed.trim_end().chars().all(|c| Some(c) == fence_char);
                if closes {
                    open = None;
                } else if *rust && (trimmed == "#" || trimmed.starts_with("# ")) {
                    continue;
                }
                out.push(line.to_string());
            }
            None if fence_len >= 3 => {
                // The fence characters are ASCII: `fence_len` bytes.
                let (fence, info) = trimmed.split_at_checked(fence_len).unwrap_or((trimmed, ""));
                let language = info
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .map(str::trim)
                    .find(|t| !t.is_empty() && !is_test_marker(t))
                    .unwrap_or_default();
                // Rustdoc reads a block with no language, or only markers, as Rust.
                let rust = (language.is_empty() && !info.trim().is_empty()) || language == "rust";
                let language = if language.is_empty() && rust {
                    "rust"
                } else {
                    language
                };
                open = Some((fence.to_string(), rust));
                out.push(format!("{indent}{fence}{language}"));
            }
            None => out.push(line.to_string()),
        }
    }
    out.join("\n")
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
            $(, from_parser: $from_parser:literal)?
            $(, opt_in: $opt_in:literal)? $(,)?
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
                opt_in: $crate::declare_rule!(@from_parser $($opt_in)?),
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

#[cfg(test)]
mod fence_tests {
    use super::clean_code_fences;

    #[test]
    fn fences_keep_only_their_language() {
        let doc = "## Example\n```json,expect_finding,kind=identity\n{\"a\": 1}\n```\nUse instead:\n```json,kind=trust\n[]\n```\n```\nplain\n```";
        assert_eq!(
            clean_code_fences(doc),
            "## Example\n```json\n{\"a\": 1}\n```\nUse instead:\n```json\n[]\n```\n```\nplain\n```"
        );
    }

    #[test]
    fn rustdoc_markers_and_hidden_lines_go() {
        let doc = "```ignore\n# use x;\nlet a = 1;\n#\n```\n```rust,no_run\n# hidden\nshown\n```\n````text\n# a heading in text\n```\n````";
        assert_eq!(
            clean_code_fences(doc),
            "```rust\nlet a = 1;\n```\n```rust\nshown\n```\n````text\n# a heading in text\n```\n````"
        );
    }
}
