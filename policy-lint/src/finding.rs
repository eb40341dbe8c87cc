//! Findings: what a rule reports, where, and how to fix it.

use policy_core::Span;

use crate::rule::RuleMeta;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Informational: worth knowing, not wrong.
    Note,
    /// Probably a mistake or a risk.
    Warning,
    /// AWS rejects the policy, or the policy cannot do what it says.
    Error,
}

impl Severity {
    /// The lower-case name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Reads `error`, `warning` or `note`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            _ => None,
        }
    }
}

/// Whether a fix may be applied without review (Ruff's applicability).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Shown only: it needs information iampol does not have (an account id, say).
    DisplayOnly,
    /// Changes what the policy allows (it narrows it): applied with `--unsafe-fixes`.
    Unsafe,
    /// Keeps the policy's meaning or only makes it valid: applied with `--fix`.
    Safe,
}

impl Applicability {
    /// The lower-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// Replace the text of a span.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    /// What to replace (empty to insert).
    pub span: Span,
    /// The new text.
    pub content: String,
}

/// A fix: edits applied together, and what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// Whether it may be applied without review.
    pub applicability: Applicability,
    /// What the fix does, in one line ("replace `s3:*` by the Read and List actions").
    pub message: String,
    /// The edits, non-overlapping.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A fix of one edit.
    pub fn replace(
        applicability: Applicability,
        message: impl Into<String>,
        span: Span,
        content: impl Into<String>,
    ) -> Self {
        Fix {
            applicability,
            message: message.into(),
            edits: vec![Edit {
                span,
                content: content.into(),
            }],
        }
    }
}

/// One problem found in a policy.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule that found it.
    pub rule: &'static RuleMeta,
    /// Its severity (the rule's default unless the settings override it).
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// Where.
    pub span: Span,
    /// How to fix it.
    pub help: Option<String>,
    /// Other places worth showing, with a label each.
    pub related: Vec<(Span, String)>,
    /// A suggested fix.
    pub fix: Option<Fix>,
}

impl Finding {
    /// A finding with the rule's default severity.
    pub fn new(rule: &'static RuleMeta, span: Span, message: impl Into<String>) -> Self {
        Self {
            rule,
            severity: rule.severity,
            message: bounded(message.into()),
            span,
            help: None,
            related: Vec::new(),
            fix: None,
        }
    }
}

/// A message, help or label text with the input it quotes bounded
/// ([`policy_core::text::bound_message`]): what a finding says never grows with its input.
fn bounded(text: String) -> String {
    match policy_core::text::bound_message(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(cut) => cut,
    }
}

/// Adds details to a finding just reported.
#[derive(Debug)]
pub struct FindingBuilder<'a>(pub(crate) Option<&'a mut Finding>);

#[expect(
    clippy::return_self_not_must_use,
    reason = "the builder edits the finding in place, so dropping it loses nothing"
)]
impl FindingBuilder<'_> {
    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            f.help = Some(bounded(help.into()));
        }
        self
    }

    /// Sets the help line when there is one.
    pub fn help_opt(self, help: Option<String>) -> Self {
        match help {
            Some(h) => self.help(h),
            None => self,
        }
    }

    /// Attaches a fix.
    pub fn fix(mut self, mut fix: Fix) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            fix.message = bounded(fix.message);
            f.fix = Some(fix);
        }
        self
    }

    /// Attaches a fix when there is one.
    pub fn fix_opt(self, fix: Option<Fix>) -> Self {
        match fix {
            Some(f) => self.fix(f),
            None => self,
        }
    }

    /// Adds a labelled related span.
    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            f.related.push((span, bounded(label.into())));
        }
        self
    }
}
