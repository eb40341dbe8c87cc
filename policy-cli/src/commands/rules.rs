//! `iampol rules` and `iampol rule CODE`.

use std::io::Write;

use policy_lint::registry;
use serde::Serialize;

use policy_cli::render::escape::escape_line;

use crate::args::{ListFormat, RuleArgs, RulesArgs};
use crate::exit::ExitStatus;

/// The JSON form of a rule in `iampol rules --format json`.
#[derive(Debug, Serialize)]
struct JsonRule {
    code: &'static str,
    name: &'static str,
    category: &'static str,
    severity: &'static str,
    summary: String,
}

/// Runs `iampol rules`.
pub fn run_rules(args: &RulesArgs) -> ExitStatus {
    let rules: Vec<JsonRule> = registry::all()
        .map(|m| JsonRule {
            code: m.code,
            name: m.name,
            category: m.category.as_str(),
            severity: m.severity.as_str(),
            summary: m.summary(),
        })
        .collect();
    let mut out = std::io::stdout().lock();
    let result = match args.format {
        ListFormat::Json => serde_json::to_writer_pretty(&mut out, &rules)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        ListFormat::Text => rules.iter().try_for_each(|r| {
            writeln!(
                out,
                "{:<5} {:<32} {:<12} {:<8} {}",
                r.code, r.name, r.category, r.severity, r.summary
            )
        }),
    };
    if result.is_err() {
        return ExitStatus::Error;
    }
    ExitStatus::Success
}

/// Runs `iampol rule CODE`.
pub fn run_rule(args: &RuleArgs) -> ExitStatus {
    let Some(meta) = registry::find(&args.rule) else {
        eprintln!(
            "error: no rule `{}` (see `iampol rules`)",
            escape_line(&args.rule)
        );
        return ExitStatus::Error;
    };
    let mut out = std::io::stdout().lock();
    let text = format!(
        "# {} {}\n\nCategory: {}. Default severity: {}.{}\n\n{}\n",
        meta.code,
        meta.name,
        meta.category.as_str(),
        meta.severity.as_str(),
        if meta.from_parser {
            " Reported while reading the policy."
        } else {
            ""
        },
        meta.display_documentation()
    );
    if out.write_all(text.as_bytes()).is_err() {
        return ExitStatus::Error;
    }
    ExitStatus::Success
}
