//! `iampol expand`: the actions a pattern matches.

use std::io::Write;

use policy_core::service_ref::ServiceRef;
use serde::Serialize;

use policy_cli::render::escape::escape_line;

use crate::args::{ExpandArgs, ListFormat};
use crate::exit::ExitStatus;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonAction {
    action: String,
    access_level: &'static str,
}

#[derive(Debug, Serialize)]
struct JsonExpansion {
    pattern: String,
    actions: Vec<JsonAction>,
}

/// Runs `iampol expand`. Exit 1 when a pattern matches nothing.
pub fn run(args: &ExpandArgs) -> ExitStatus {
    let data = ServiceRef::get();
    let expansions: Vec<JsonExpansion> = args
        .patterns
        .iter()
        .map(|p| JsonExpansion {
            pattern: p.clone(),
            actions: data
                .expand(p)
                .into_iter()
                .map(|a| JsonAction {
                    action: a.full_name(),
                    access_level: a.access_level().as_str(),
                })
                .collect(),
        })
        .collect();
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        ListFormat::Json => serde_json::to_writer_pretty(&mut out, &expansions)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        ListFormat::Text => expansions.iter().try_for_each(|e| {
            if expansions.len() > 1 {
                writeln!(
                    out,
                    "# {} ({} actions)",
                    escape_line(&e.pattern),
                    e.actions.len()
                )?;
            }
            e.actions
                .iter()
                .try_for_each(|a| writeln!(out, "{:<64} {}", a.action, a.access_level))
        }),
    };
    if written.is_err() {
        return ExitStatus::Error;
    }
    let mut err = std::io::stderr().lock();
    let mut status = ExitStatus::Success;
    for e in expansions.iter().filter(|e| e.actions.is_empty()) {
        let _ = writeln!(
            err,
            "warning: `{}` matches no action",
            escape_line(&e.pattern)
        );
        status = ExitStatus::Failure;
    }
    status
}
