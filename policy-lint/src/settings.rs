//! Which rules run and at what severity.

use std::collections::BTreeMap;

use crate::finding::Severity;
use crate::rule::RuleMeta;

/// Rule selection and severity overrides. Selectors are codes (`C102`), code prefixes (`C1`),
/// names (`unknown-action`) or `ALL`.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Only these rules run (empty: every rule).
    pub select: Vec<String>,
    /// These rules never run.
    pub ignore: Vec<String>,
    /// Severity per selector.
    pub severity: BTreeMap<String, Severity>,
    /// Account ids that are "ours": a principal or condition naming them is neither
    /// cross-account nor public.
    pub accounts: Vec<String>,
    /// The organization id (`o-...`) that is "ours".
    pub organization_id: Option<String>,
}

fn matches(selector: &str, rule: &RuleMeta) -> bool {
    selector == "ALL" || rule.name == selector || rule.code.starts_with(selector)
}

impl Settings {
    /// Whether a rule runs.
    pub fn is_enabled(&self, rule: &RuleMeta) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| matches(s, rule)))
            && !self.ignore.iter().any(|s| matches(s, rule))
    }

    /// The severity a rule reports at: the longest matching override, else its default.
    pub fn severity_of(&self, rule: &RuleMeta) -> Severity {
        self.severity
            .iter()
            .filter(|(s, _)| matches(s, rule))
            .max_by_key(|(s, _)| s.len())
            .map_or(rule.severity, |(_, sev)| *sev)
    }
}
