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
}

impl Finding {
    /// A finding with the rule's default severity.
    pub fn new(rule: &'static RuleMeta, span: Span, message: impl Into<String>) -> Self {
        Self {
            rule,
            severity: rule.severity,
            message: message.into(),
            span,
            help: None,
            related: Vec::new(),
        }
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
            f.help = Some(help.into());
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

    /// Adds a labelled related span.
    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            f.related.push((span, label.into()));
        }
        self
    }
}
