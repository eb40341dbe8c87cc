//! Which rules run, at what severity, where they are ignored, and which severity fails a run.
//!
//! Rule selection follows Ruff: a base selection (`select`/`ignore`, every rule that is not
//! opt-in when `select` is empty) and then layers ([`RuleSelection`]), one per source of settings (the configuration
//! file, then the command line). A layer with `select` replaces what the layers before it
//! chose; one without only adds (`extend-select`) or removes (`ignore`) rules. Within a layer
//! the most specific selector decides (`ALL` < category < code prefix by length < code or
//! name), and at equal specificity `ignore` wins.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use globset::{GlobBuilder, GlobMatcher};

use crate::finding::Severity;
use crate::rule::{Category, RuleMeta};

/// Rule selection, severity overrides, per-path ignores and suppressions. Selectors are codes
/// (`C102`), code prefixes (`C1`), names (`unknown-action`), category names (`security`) or
/// `ALL`.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The base selection: only these rules run (empty: every rule that is not opt-in).
    pub select: Vec<String>,
    /// Rules the base selection leaves out.
    pub ignore: Vec<String>,
    /// Selections applied in order on top of the base one (configuration, then command line).
    pub selections: Vec<RuleSelection>,
    /// Severity per selector; the most specific matching selector wins.
    pub severity: BTreeMap<String, Severity>,
    /// Account ids that are "ours": a principal or condition naming them is neither
    /// cross-account nor public.
    pub accounts: Vec<String>,
    /// The organization id (`o-...`) that is "ours".
    pub organization_id: Option<String>,
    /// Rules ignored in files whose path matches a pattern (see [`Settings::for_path`]).
    pub per_file_ignores: Vec<PerFileIgnore>,
    /// Findings dropped inside statements with a given `Sid`.
    pub suppress: Vec<Suppression>,
    /// The lowest severity that fails a run (the command line's default applies when unset).
    pub fail_on: Option<Severity>,
}

/// One layer of rule selection (Ruff's `select` / `extend-select` / `ignore`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSelection {
    /// When set, replaces every earlier choice: exactly these rules (less `ignore`) run.
    pub select: Option<Vec<String>>,
    /// Rules added to the earlier choice.
    pub extend_select: Vec<String>,
    /// Rules removed from the earlier choice.
    pub ignore: Vec<String>,
}

/// A file pattern: a glob relative to the directory of the configuration that declares it.
/// `*` does not cross `/` (use `**`); a pattern without `/` also matches a file name anywhere;
/// a leading `!` negates it.
#[derive(Debug, Clone)]
pub struct PathPattern {
    pattern: String,
    negated: bool,
    basename_only: bool,
    matcher: GlobMatcher,
}

impl PathPattern {
    /// Compiles a pattern.
    pub fn new(pattern: &str) -> Result<Self, globset::Error> {
        let (negated, glob) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let glob = glob.strip_prefix("./").unwrap_or(glob);
        let matcher = GlobBuilder::new(glob)
            .literal_separator(true)
            .build()?
            .compile_matcher();
        Ok(Self {
            pattern: pattern.to_string(),
            negated,
            basename_only: !glob.contains('/'),
            matcher,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether a path (relative to the configuration's directory) matches.
    pub fn is_match(&self, path: &Path) -> bool {
        let normalized = path.to_string_lossy().replace('\\', "/");
        let normalized = normalized.strip_prefix("./").unwrap_or(&normalized);
        let hit = self.matcher.is_match(normalized)
            || (self.basename_only
                && path
                    .file_name()
                    .is_some_and(|name| self.matcher.is_match(name)));
        hit != self.negated
    }
}

/// Rules ignored in the files a pattern matches.
#[derive(Debug, Clone)]
pub struct PerFileIgnore {
    /// Which files.
    pub pattern: PathPattern,
    /// Which rules (selectors).
    pub rules: Vec<String>,
}

/// Drops the findings of some rules that lie inside a statement with a given `Sid`.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The statement's `Sid`, exactly.
    pub sid: String,
    /// Which rules (selectors).
    pub rules: Vec<String>,
    /// Only in files matching one of these (empty: every file). A suppression limited to paths
    /// applies only once [`Settings::for_path`] has matched it.
    pub paths: Vec<PathPattern>,
}

impl Suppression {
    /// Whether this suppression covers findings of `rule`.
    pub fn covers(&self, rule: &RuleMeta) -> bool {
        self.rules.iter().any(|s| specificity(s, rule).is_some())
    }
}

/// How specifically `selector` names `rule`, or `None` when it does not match it.
fn specificity(selector: &str, rule: &RuleMeta) -> Option<usize> {
    if selector == "ALL" {
        Some(0)
    } else if selector == rule.category.as_str() {
        Some(1)
    } else if selector == rule.code || selector == rule.name {
        Some(usize::MAX)
    } else if !selector.is_empty() && rule.code.starts_with(selector) {
        Some(1 + selector.len())
    } else {
        None
    }
}

/// Whether a selector names at least one rule (or a category, or `ALL`).
pub fn is_known_selector(selector: &str) -> bool {
    selector == "ALL"
        || CATEGORIES.iter().any(|c| c.as_str() == selector)
        || crate::registry::all().any(|rule| specificity(selector, rule).is_some())
}

const CATEGORIES: [Category; 4] = [
    Category::Correctness,
    Category::Security,
    Category::Suspicious,
    Category::Suggestion,
];

/// What one layer decides for a rule: `Some(true)` select, `Some(false)` ignore, `None` silent.
fn decide<'s>(
    select: impl Iterator<Item = &'s String>,
    ignore: impl Iterator<Item = &'s String>,
    rule: &RuleMeta,
) -> Option<bool> {
    let selected = select.filter_map(|s| specificity(s, rule)).max();
    let ignored = ignore.filter_map(|s| specificity(s, rule)).max();
    match (selected, ignored) {
        (Some(s), Some(i)) => Some(s > i),
        (Some(_), None) => Some(true),
        (None, Some(_)) => Some(false),
        (None, None) => None,
    }
}

impl Settings {
    /// Whether a rule runs.
    pub fn is_enabled(&self, rule: &RuleMeta) -> bool {
        // Called for every rule and every policy: no allocation here.
        static ALL: std::sync::OnceLock<[String; 1]> = std::sync::OnceLock::new();
        let all = ALL.get_or_init(|| [String::from("ALL")]);
        let base: &[String] = if self.select.is_empty() {
            all
        } else {
            &self.select
        };
        // An opt-in rule is not in the default selection: only a selector names it in.
        let mut enabled = decide(base.iter(), self.ignore.iter(), rule) == Some(true)
            && !(rule.opt_in && self.select.is_empty());
        for layer in &self.selections {
            let decision = decide(
                layer.select.iter().flatten().chain(&layer.extend_select),
                layer.ignore.iter(),
                rule,
            );
            if layer.select.is_some() {
                enabled = decision == Some(true);
            } else if let Some(on) = decision {
                enabled = on;
            }
        }
        enabled
    }

    /// The severity a rule reports at: the most specific matching override, else its default.
    pub fn severity_of(&self, rule: &RuleMeta) -> Severity {
        self.severity
            .iter()
            .filter_map(|(s, sev)| specificity(s, rule).map(|rank| (rank, *sev)))
            .max_by_key(|(rank, _)| *rank)
            .map_or(rule.severity, |(_, sev)| sev)
    }

    /// The lowest severity that fails a run: `fail_on`, else warnings.
    pub fn fail_on(&self) -> Severity {
        self.fail_on.unwrap_or(Severity::Warning)
    }

    /// The settings for one file, given its path relative to the configuration's directory:
    /// matching per-file ignores become a last `ignore` layer, and suppressions limited to
    /// paths are kept (unlimited) when the path matches, dropped otherwise.
    pub fn for_path(&self, path: &Path) -> Cow<'_, Settings> {
        let ignores: Vec<String> = self
            .per_file_ignores
            .iter()
            .filter(|p| p.pattern.is_match(path))
            .flat_map(|p| p.rules.iter().cloned())
            .collect();
        let limited = self.suppress.iter().any(|s| !s.paths.is_empty());
        if ignores.is_empty() && !limited {
            return Cow::Borrowed(self);
        }
        let mut settings = self.clone();
        if !ignores.is_empty() {
            settings.selections.push(RuleSelection {
                ignore: ignores,
                ..RuleSelection::default()
            });
        }
        settings.suppress = self
            .suppress
            .iter()
            .filter(|s| s.paths.is_empty() || s.paths.iter().any(|p| p.is_match(path)))
            .map(|s| Suppression {
                paths: Vec::new(),
                ..s.clone()
            })
            .collect();
        Cow::Owned(settings)
    }

    /// The suppressions that apply here (those not waiting for a path match).
    pub fn active_suppressions(&self) -> impl Iterator<Item = &Suppression> {
        self.suppress.iter().filter(|s| s.paths.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;

    fn rule(code: &str) -> &'static RuleMeta {
        registry::find(code).unwrap()
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn default_runs_every_rule_but_opt_in_ones() {
        let s = Settings::default();
        assert!(registry::all().all(|r| s.is_enabled(r) != r.opt_in));
        assert!(registry::all().any(|r| r.opt_in));
        let all = Settings {
            select: strings(&["ALL"]),
            ..Settings::default()
        };
        assert!(registry::all().all(|r| all.is_enabled(r)));
        let extended = Settings {
            selections: vec![RuleSelection {
                extend_select: strings(&["N010"]),
                ..RuleSelection::default()
            }],
            ..Settings::default()
        };
        assert!(extended.is_enabled(rule("N010")));
        assert!(!Settings::default().is_enabled(rule("N010")));
    }

    #[test]
    fn more_specific_selector_wins_within_a_layer() {
        let s = Settings {
            select: strings(&["C102"]),
            ignore: strings(&["C1"]),
            ..Settings::default()
        };
        assert!(s.is_enabled(rule("C102")));
        assert!(!s.is_enabled(rule("C101")));
        let s = Settings {
            select: strings(&["C1"]),
            ignore: strings(&["C102"]),
            ..Settings::default()
        };
        assert!(!s.is_enabled(rule("C102")));
        assert!(s.is_enabled(rule("C101")));
    }

    #[test]
    fn later_select_replaces_and_extend_select_adds() {
        let config = RuleSelection {
            select: Some(strings(&["C1"])),
            extend_select: Vec::new(),
            ignore: strings(&["C102"]),
        };
        let mut s = Settings {
            selections: vec![config.clone()],
            ..Settings::default()
        };
        assert!(!s.is_enabled(rule("C001")));
        assert!(!s.is_enabled(rule("C102")));
        // `--extend-select C001` adds to the configuration's choice.
        s.selections.push(RuleSelection {
            extend_select: strings(&["C001"]),
            ..RuleSelection::default()
        });
        assert!(s.is_enabled(rule("C001")));
        assert!(s.is_enabled(rule("C101")));
        assert!(!s.is_enabled(rule("C102")));
        // `--select C102` replaces everything, the configuration's `ignore` included.
        s.selections = vec![
            config,
            RuleSelection {
                select: Some(strings(&["C102"])),
                ..RuleSelection::default()
            },
        ];
        assert!(s.is_enabled(rule("C102")));
        assert!(!s.is_enabled(rule("C101")));
        // An empty `select` selects nothing.
        s.selections = vec![RuleSelection {
            select: Some(Vec::new()),
            ..RuleSelection::default()
        }];
        assert!(registry::all().all(|r| !s.is_enabled(r)));
    }

    #[test]
    fn category_names_select_and_set_severity() {
        let mut s = Settings {
            select: strings(&["correctness"]),
            ..Settings::default()
        };
        assert!(s.is_enabled(rule("C102")));
        s.severity.insert("correctness".into(), Severity::Note);
        s.severity.insert("C102".into(), Severity::Warning);
        assert_eq!(s.severity_of(rule("C101")), Severity::Note);
        // A code is more specific than a category, whatever their lengths.
        assert_eq!(s.severity_of(rule("C102")), Severity::Warning);
    }

    #[test]
    fn known_selectors() {
        for s in [
            "ALL",
            "C",
            "C1",
            "C102",
            "unknown-action",
            "security",
            "suggestion",
        ] {
            assert!(is_known_selector(s), "{s}");
        }
        for s in ["", "X9", "unknown", "c102", "all"] {
            assert!(!is_known_selector(s), "{s}");
        }
    }

    #[test]
    fn path_patterns() {
        let p = PathPattern::new("policies/legacy/*.json").unwrap();
        assert!(p.is_match(Path::new("policies/legacy/a.json")));
        assert!(p.is_match(Path::new("./policies/legacy/a.json")));
        assert!(!p.is_match(Path::new("policies/legacy/deep/a.json")));
        assert!(!p.is_match(Path::new("other/policies/legacy/a.json")));
        let p = PathPattern::new("**/legacy/**").unwrap();
        assert!(p.is_match(Path::new("a/legacy/b/c.json")));
        let p = PathPattern::new("*.trust.json").unwrap();
        assert!(p.is_match(Path::new("roles/deploy.trust.json")));
        let p = PathPattern::new("!policies/**").unwrap();
        assert!(p.is_match(Path::new("other/a.json")));
        assert!(!p.is_match(Path::new("policies/a.json")));
    }

    #[test]
    fn for_path_applies_per_file_ignores_and_path_limited_suppressions() {
        let s = Settings {
            per_file_ignores: vec![PerFileIgnore {
                pattern: PathPattern::new("legacy/*.json").unwrap(),
                rules: strings(&["C102"]),
            }],
            suppress: vec![Suppression {
                sid: "Old".into(),
                rules: strings(&["C1"]),
                paths: vec![PathPattern::new("legacy/*.json").unwrap()],
            }],
            ..Settings::default()
        };
        assert_eq!(s.active_suppressions().count(), 0);
        let legacy = s.for_path(Path::new("legacy/a.json"));
        assert!(!legacy.is_enabled(rule("C102")));
        assert_eq!(legacy.active_suppressions().count(), 1);
        let other = s.for_path(Path::new("new/a.json"));
        assert!(other.is_enabled(rule("C102")));
        assert_eq!(other.active_suppressions().count(), 0);
    }
}
