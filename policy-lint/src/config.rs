//! Reading `iampol.toml`: text in, [`Settings`] out (finding the file is the caller's job).
//!
//! ```toml
//! select = ["correctness", "security"]
//! extend-select = ["W001"]
//! ignore = ["C005"]
//! fail-on = "error"
//! accounts = ["111122223333"]
//! organization-id = "o-a1b2c3d4e5"
//!
//! [per-file-ignores]
//! "policies/legacy/*.json" = ["wildcard-action"]
//!
//! [severity]
//! S003 = "error"
//! suspicious = "note"
//!
//! [[suppress]]
//! sid = "LegacyAdmin"
//! rules = ["S001"]
//! paths = ["policies/legacy/*.json"]
//! ```
//!
//! Unknown keys, unknown rule selectors, bad severities, account ids, organization ids and
//! globs are errors, each with the span of the offending key or value.

use std::collections::BTreeMap;
use std::fmt;

use policy_core::Span;
use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;
use crate::settings::{is_known_selector, PathPattern, PerFileIgnore, RuleSelection, Settings};

/// The file names looked for, in order of preference, in each directory.
pub const CONFIG_FILE_NAMES: [&str; 2] = [".iampol.toml", "iampol.toml"];

/// A problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// What is wrong, one line.
    pub message: String,
    /// Where, when known.
    pub span: Option<Span>,
    /// How to fix it.
    pub help: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    fn at(range: std::ops::Range<usize>, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            span: Some(Span::new(range.start, range.end)),
            help: None,
        }
    }

    fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

type Strings = Vec<Spanned<String>>;

/// The keys of the file, as [`Options`] names them.
const OPTION_KEYS: [&str; 9] = [
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "severity",
    "fail-on",
    "accounts",
    "organization-id",
    "suppress",
];

/// The keys of a `[[suppress]]` table, as [`SuppressOptions`] names them.
const SUPPRESS_KEYS: [&str; 3] = ["sid", "rules", "paths"];

/// The file's keys, as written. Unknown keys are found beforehand (every one of them, see
/// [`unknown_keys`]), so they are not denied here: serde would stop at one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Options {
    select: Option<Strings>,
    extend_select: Option<Strings>,
    ignore: Option<Strings>,
    per_file_ignores: Option<BTreeMap<Spanned<String>, Strings>>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    fail_on: Option<Spanned<String>>,
    accounts: Option<Strings>,
    organization_id: Option<Spanned<String>>,
    suppress: Option<Vec<SuppressOptions>>,
}

/// One `[[suppress]]` table.
#[derive(Debug, Deserialize)]
struct SuppressOptions {
    sid: Spanned<String>,
    rules: Strings,
    #[serde(default)]
    paths: Strings,
}

/// Reads a configuration file's text into settings. Every problem is reported, not only the
/// first: every unknown key (in file order), then every bad value; a TOML syntax error stops
/// reading, as nothing after it can be trusted, and so does a value of the wrong type.
pub fn parse_config(text: &str) -> Result<Settings, Vec<ConfigError>> {
    let toml_error = |e: &toml::de::Error| {
        let span = e.span().map(|r| Span::new(r.start, r.end));
        let message = e.message().trim().replace('\n', " ");
        ConfigError {
            message,
            span,
            help: Some("see the `iampol.toml` keys in the README".to_string()),
        }
    };
    let table = toml::de::DeTable::parse(text).map_err(|e| vec![toml_error(&e)])?;
    let mut errors = unknown_keys(table.get_ref());
    match toml::from_str::<Options>(text) {
        Ok(options) => {
            let settings = lower(options, &mut errors);
            if errors.is_empty() {
                return Ok(settings);
            }
        }
        Err(e) => errors.push(toml_error(&e)),
    }
    Err(errors)
}

/// Every key the file should not have: at the top level and in each `[[suppress]]` table.
fn unknown_keys(table: &toml::de::DeTable<'_>) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    check_keys(table, &OPTION_KEYS, &mut errors);
    let suppress = table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "suppress");
    if let Some((_, value)) = suppress {
        if let toml::de::DeValue::Array(items) = value.get_ref() {
            for item in items {
                if let toml::de::DeValue::Table(t) = item.get_ref() {
                    check_keys(t, &SUPPRESS_KEYS, &mut errors);
                }
            }
        }
    }
    // The table is sorted by key: back to file order.
    errors.sort_by_key(|e| e.span.map(|s| (s.start, s.end)));
    errors
}

fn check_keys(table: &toml::de::DeTable<'_>, known: &[&str], errors: &mut Vec<ConfigError>) {
    for key in table.keys() {
        let name: &str = key.get_ref();
        if known.contains(&name) {
            continue;
        }
        let expected = known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut error = ConfigError::at(
            key.span(),
            format!("unknown field `{name}`, expected one of {expected}"),
        );
        let close = known
            .iter()
            .map(|k| (policy_core::text::edit_distance(k, name), *k))
            .filter(|(d, _)| *d <= 2)
            .min();
        error = match close {
            Some((_, k)) => error.with_help(format!("did you mean `{k}`?")),
            None => error.with_help("see the `iampol.toml` keys in the README"),
        };
        errors.push(error);
    }
}

fn lower(options: Options, errors: &mut Vec<ConfigError>) -> Settings {
    let mut settings = Settings::default();
    let selection = RuleSelection {
        select: options.select.map(|s| selectors(s, errors)),
        extend_select: selectors(options.extend_select.unwrap_or_default(), errors),
        ignore: selectors(options.ignore.unwrap_or_default(), errors),
    };
    if selection != RuleSelection::default() {
        settings.selections.push(selection);
    }
    for (pattern, rules) in options.per_file_ignores.unwrap_or_default() {
        let rules = selectors(rules, errors);
        if let Some(pattern) = path_pattern(&pattern, errors) {
            settings
                .per_file_ignores
                .push(PerFileIgnore { pattern, rules });
        }
    }
    for (selector, level) in options.severity.unwrap_or_default() {
        let level = severity(&level, errors);
        let known = selector_known(&selector, errors);
        if let (Some(level), true) = (level, known) {
            settings.severity.insert(selector.into_inner(), level);
        }
    }
    settings.fail_on = options.fail_on.and_then(|s| severity(&s, errors));
    for account in options.accounts.unwrap_or_default() {
        let id = account.get_ref();
        if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
            settings.accounts.push(account.into_inner());
        } else {
            errors.push(
                ConfigError::at(account.span(), format!("`{id}` is not an AWS account id"))
                    .with_help("an account id is 12 digits, e.g. `111122223333`"),
            );
        }
    }
    if let Some(org) = options.organization_id {
        if is_organization_id(org.get_ref()) {
            settings.organization_id = Some(org.into_inner());
        } else {
            errors.push(
                ConfigError::at(
                    org.span(),
                    format!("`{}` is not an AWS Organizations id", org.get_ref()),
                )
                .with_help("an organization id is `o-` and 10 to 32 lowercase letters or digits"),
            );
        }
    }
    for s in options.suppress.unwrap_or_default() {
        let rules = selectors(s.rules, errors);
        let paths: Vec<PathPattern> = s
            .paths
            .into_iter()
            .filter_map(|p| path_pattern(&p, errors))
            .collect();
        if s.sid.get_ref().is_empty() {
            errors.push(ConfigError::at(s.sid.span(), "a suppression needs a `sid`"));
            continue;
        }
        settings.suppress.push(crate::settings::Suppression {
            sid: s.sid.into_inner(),
            rules,
            paths,
        });
    }
    settings
}

fn selector_known(selector: &Spanned<String>, errors: &mut Vec<ConfigError>) -> bool {
    if is_known_selector(selector.get_ref()) {
        return true;
    }
    errors.push(
        ConfigError::at(
            selector.span(),
            format!("unknown rule selector `{}`", selector.get_ref()),
        )
        .with_help(
            "use a code (`C102`), a code prefix (`C1`), a name (`unknown-action`), a category \
             (`security`) or `ALL`; `iampol rules` lists them",
        ),
    );
    false
}

fn selectors(list: Strings, errors: &mut Vec<ConfigError>) -> Vec<String> {
    list.into_iter()
        .filter(|s| selector_known(s, errors))
        .map(Spanned::into_inner)
        .collect()
}

fn severity(value: &Spanned<String>, errors: &mut Vec<ConfigError>) -> Option<Severity> {
    let parsed = Severity::parse(value.get_ref());
    if parsed.is_none() {
        errors.push(
            ConfigError::at(
                value.span(),
                format!("unknown severity `{}`", value.get_ref()),
            )
            .with_help("use `error`, `warning` or `note`"),
        );
    }
    parsed
}

fn path_pattern(pattern: &Spanned<String>, errors: &mut Vec<ConfigError>) -> Option<PathPattern> {
    match PathPattern::new(pattern.get_ref()) {
        Ok(p) => Some(p),
        Err(e) => {
            let detail = e.kind().to_string();
            errors.push(ConfigError::at(
                pattern.span(),
                format!("invalid glob `{}`: {detail}", pattern.get_ref()),
            ));
            None
        }
    }
}

fn is_organization_id(id: &str) -> bool {
    id.strip_prefix("o-").is_some_and(|rest| {
        (10..=32).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;
    use std::path::Path;

    fn errors(text: &str) -> Vec<(String, String)> {
        parse_config(text)
            .unwrap_err()
            .into_iter()
            .map(|e| {
                let span = e.span.unwrap();
                (e.message, text[span.range()].to_string())
            })
            .collect()
    }

    #[test]
    fn empty_file_is_default() {
        let s = parse_config("").unwrap();
        assert!(s.selections.is_empty());
        // Every rule but the opt-in ones.
        assert!(registry::all().all(|r| s.is_enabled(r) != r.opt_in));
        assert_eq!(s.fail_on, None);
    }

    #[test]
    fn every_key() {
        let text = r#"
select = ["correctness"]
extend-select = ["C1"]
ignore = ["C102"]
fail-on = "error"
accounts = ["111122223333"]
organization-id = "o-a1b2c3d4e5"

[per-file-ignores]
"legacy/*.json" = ["invalid-sid"]

[severity]
C101 = "note"
correctness = "warning"

[[suppress]]
sid = "LegacyAdmin"
rules = ["C1"]
paths = ["legacy/*.json"]
"#;
        let s = parse_config(text).unwrap();
        assert_eq!(
            s.selections,
            vec![RuleSelection {
                select: Some(vec!["correctness".into()]),
                extend_select: vec!["C1".into()],
                ignore: vec!["C102".into()],
            }]
        );
        assert!(!s.is_enabled(registry::find("C102").unwrap()));
        assert_eq!(s.fail_on, Some(Severity::Error));
        assert_eq!(s.accounts, vec!["111122223333".to_string()]);
        assert_eq!(s.organization_id.as_deref(), Some("o-a1b2c3d4e5"));
        assert_eq!(
            s.severity_of(registry::find("C101").unwrap()),
            Severity::Note
        );
        assert_eq!(
            s.severity_of(registry::find("C001").unwrap()),
            Severity::Warning
        );
        let legacy = s.for_path(Path::new("legacy/x.json"));
        assert!(!legacy.is_enabled(registry::find("invalid-sid").unwrap()));
        assert_eq!(legacy.active_suppressions().count(), 1);
    }

    #[test]
    fn unknown_key_is_an_error_at_the_key() {
        let errs = errors("select = []\nselct = [\"C1\"]\n");
        assert_eq!(errs.len(), 1);
        assert!(errs[0].0.starts_with("unknown field `selct`"), "{errs:?}");
        assert_eq!(errs[0].1, "selct");
        let errs = errors("[[suppress]]\nsid = \"A\"\nrules = []\npath = []\n");
        assert!(errs[0].0.starts_with("unknown field `path`"), "{errs:?}");
    }

    #[test]
    fn every_unknown_key_is_reported_once_at_its_key() {
        let text = "selct = [\"C1\"]\nfail-on = \"error\"\nignor = [\"C2\"]\n\
                    [[suppress]]\nsid = \"A\"\nrules = []\npath = []\n\
                    [[suppress]]\nsid = \"B\"\nrule = []\n";
        let errs = errors(text);
        let spans: Vec<&str> = errs.iter().map(|(_, s)| s.as_str()).collect();
        // The second table, with `rule` for `rules`, also lacks `rules`.
        assert_eq!(
            spans,
            ["selct", "ignor", "path", "rule", "[[suppress]]"],
            "{errs:?}"
        );
        assert_eq!(errs[4].0, "missing field `rules`");
        assert!(errs[0]
            .0
            .starts_with("unknown field `selct`, expected one of `select`"));
        assert!(errs[2]
            .0
            .starts_with("unknown field `path`, expected one of `sid`"));
        let e = parse_config(text).unwrap_err();
        assert_eq!(e[0].help.as_deref(), Some("did you mean `select`?"));
        assert_eq!(e[3].help.as_deref(), Some("did you mean `rules`?"));
        // With a bad value as well: both are reported, unknown keys first.
        let errs = errors("select = [\"X99\"]\nselct = []\n");
        let spans: Vec<&str> = errs.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(spans, ["selct", "\"X99\""], "{errs:?}");
    }

    #[test]
    fn every_bad_value_is_reported() {
        let text = r#"
select = ["C1", "X99"]
fail-on = "fatal"
accounts = ["12345"]
organization-id = "org-1"
[severity]
nonsense = "error"
C101 = "loud"
[per-file-ignores]
"a/[b.json" = ["C1"]
"#;
        let errs = errors(text);
        let spans: Vec<&str> = errs.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            spans,
            [
                "\"X99\"",
                "\"a/[b.json\"",
                "\"loud\"",
                "nonsense",
                "\"fatal\"",
                "\"12345\"",
                "\"org-1\""
            ],
            "{errs:?}"
        );
    }

    #[test]
    fn syntax_error_has_a_span() {
        let e = parse_config("select = [\n").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].span.is_some());
    }
}
