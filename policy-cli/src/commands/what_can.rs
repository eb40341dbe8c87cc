//! `iampol what-can`: the effective permissions of one principal of account snapshots, by
//! service and access level, on the resource patterns its policies name.
//!
//! Exit 0 when answered; 2 when a snapshot could not be read or the principal is not in it.

use std::fmt::Write as _;
use std::io::Write as _;

use policy_cli::render::escape::escape_line;
use policy_core::account::Snapshot;
use policy_core::analysis::what_can::{what_can, ActionGrant, ResourceGrant, WhatCan};
use serde::Serialize;

use crate::exit::ExitStatus;
use crate::snapshot::{has_errors, read_snapshot, SnapshotArgs};

/// `iampol what-can`.
#[derive(Debug, Clone, clap::Args)]
pub struct WhatCanArgs {
    /// The snapshots to read.
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// The user or role ARN (a role session's ARN finds its role).
    #[arg(long)]
    pub principal: String,
    /// Only this service's actions (its prefix, `s3`).
    #[arg(long)]
    pub service: Option<String>,
    /// Output format.
    #[arg(long = "format", alias = "output-format", value_enum, default_value_t = AccountFormat::Human)]
    pub format: AccountFormat,
}

/// Runs `iampol what-can`.
pub fn run(args: &WhatCanArgs) -> ExitStatus {
    if args.snapshot.account.is_empty() {
        eprintln!("error: give at least one --account SNAPSHOT");
        return ExitStatus::Error;
    }
    if let Some(s) = &args.service {
        if policy_core::service_ref::ServiceRef::get()
            .service(s)
            .is_none()
        {
            eprintln!(
                "error: --service: `{}` is not a service prefix of the IAM reference",
                escape_line(s)
            );
            return ExitStatus::Error;
        }
    }
    let Ok(snapshot) = read_snapshot(&args.snapshot.account, args.snapshot.limit()) else {
        return ExitStatus::Error;
    };
    if snapshot.accounts.is_empty() {
        eprintln!("error: --account: no account found in the snapshot (see the README for the layouts read)");
        return ExitStatus::Error;
    }
    if has_errors(&snapshot) {
        eprintln!("note: parts of the snapshot could not be read (see above): answers that depend on them are marked incomplete");
    }
    let answer = crate::progress::while_running(
        args.format == AccountFormat::Human,
        |elapsed| crate::progress::Status {
            fraction: None,
            text: format!(
                "deciding the actions of the IAM reference ({}s)",
                elapsed.as_secs()
            ),
        },
        || what_can(&snapshot, &args.principal, args.service.as_deref()),
    );
    let Some(answer) = answer else {
        eprintln!(
            "error: --principal: `{}` is not a user or role of the snapshot",
            escape_line(&args.principal)
        );
        return ExitStatus::Error;
    };
    let text = render(&snapshot, &answer, args.format);
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).is_err() {
        return ExitStatus::Error;
    }
    ExitStatus::Success
}

use super::who_can::{
    gap_text, residual_json, residual_lines, statement_json, statement_line, AccountFormat,
    ResidualJson, StatementJson,
};

/// An area (a pattern minus exceptions), in JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AreaJson {
    pattern: String,
    except: Vec<String>,
}

/// A resource grant, in JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceJson {
    pattern: String,
    within: Vec<Vec<AreaJson>>,
    except: Vec<String>,
    conditional: bool,
    statements: Vec<StatementJson>,
    residual: ResidualJson,
    witness: String,
}

/// A class of actions of one service and access level, in JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct GrantJson {
    principal: String,
    service: String,
    access_level: String,
    actions: Vec<String>,
    resources: Vec<ResourceJson>,
}

/// The whole answer, in JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WhatCanJson {
    principal: String,
    actions_checked: usize,
    classes: usize,
    incomplete: bool,
    gaps: Vec<String>,
    grants: Vec<GrantJson>,
}

fn resource_json(snapshot: &Snapshot, r: &ResourceGrant) -> ResourceJson {
    ResourceJson {
        pattern: r.pattern.clone(),
        within: r
            .within
            .iter()
            .map(|w| {
                w.iter()
                    .map(|a| AreaJson {
                        pattern: a.pattern.clone(),
                        except: a.except.clone(),
                    })
                    .collect()
            })
            .collect(),
        except: r.except.clone(),
        conditional: !r.residual.is_empty(),
        statements: r
            .reasons
            .iter()
            .map(|x| statement_json(snapshot, x))
            .collect(),
        residual: residual_json(snapshot, &r.residual),
        witness: r.witness.clone(),
    }
}

fn grant_json(snapshot: &Snapshot, principal: &str, g: &ActionGrant) -> GrantJson {
    GrantJson {
        principal: principal.to_string(),
        service: g.service.clone(),
        access_level: g.access_level.clone(),
        actions: g.actions.clone(),
        resources: g
            .resources
            .iter()
            .map(|r| resource_json(snapshot, r))
            .collect(),
    }
}

/// Renders the answer.
pub(crate) fn render(snapshot: &Snapshot, answer: &WhatCan, format: AccountFormat) -> String {
    match format {
        AccountFormat::Json => {
            let doc = WhatCanJson {
                principal: answer.principal.clone(),
                actions_checked: answer.actions_checked,
                classes: answer.classes,
                incomplete: !answer.gaps.is_empty(),
                gaps: answer.gaps.iter().map(gap_text).collect(),
                grants: answer
                    .grants
                    .iter()
                    .map(|g| grant_json(snapshot, &answer.principal, g))
                    .collect(),
            };
            let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
            out.push('\n');
            out
        }
        AccountFormat::Ndjson => {
            let mut out = String::new();
            for g in &answer.grants {
                let line = grant_json(snapshot, &answer.principal, g);
                out.push_str(&serde_json::to_string(&line).unwrap_or_default());
                out.push('\n');
            }
            out
        }
        AccountFormat::Human => human(snapshot, answer),
    }
}

/// How many action names a human line shows before `and N more`.
const SHOWN_ACTIONS: usize = 8;

fn human(snapshot: &Snapshot, answer: &WhatCan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", escape_line(&answer.principal));
    for g in &answer.gaps {
        let _ = writeln!(out, "  incomplete: {}", escape_line(&gap_text(g)));
    }
    let mut last_service = None;
    for g in &answer.grants {
        if last_service != Some(&g.service) {
            let _ = writeln!(out, "\n{}", escape_line(&g.service));
            last_service = Some(&g.service);
        }
        let mut names: Vec<String> = g
            .actions
            .iter()
            .take(SHOWN_ACTIONS)
            .map(|a| escape_line(a).into_owned())
            .collect();
        if g.actions.len() > SHOWN_ACTIONS {
            names.push(format!("and {} more", g.actions.len() - SHOWN_ACTIONS));
        }
        let _ = writeln!(
            out,
            "  {} ({} actions): {}",
            g.access_level,
            g.actions.len(),
            names.join(", ")
        );
        for r in &g.resources {
            let _ = writeln!(out, "    on {}", escape_line(&r.pattern));
            for w in &r.within {
                let areas: Vec<String> = w
                    .iter()
                    .map(|a| {
                        if a.except.is_empty() {
                            escape_line(&a.pattern).into_owned()
                        } else {
                            format!(
                                "{} except {}",
                                escape_line(&a.pattern),
                                a.except
                                    .iter()
                                    .map(|e| escape_line(e).into_owned())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    })
                    .collect();
                let _ = writeln!(out, "      within {}", areas.join(" or "));
            }
            for e in &r.except {
                let _ = writeln!(out, "      except {}", escape_line(e));
            }
            for x in &r.reasons {
                let _ = writeln!(out, "      by {}", statement_line(snapshot, x));
            }
            residual_lines(snapshot, &r.residual, "      ", &mut out);
        }
    }
    let _ = writeln!(
        out,
        "\n{} actions of the IAM reference in {} classes",
        answer.actions_checked, answer.classes
    );
    out
}
