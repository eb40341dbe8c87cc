//! `iampol who-can`: every principal of account snapshots (and every outside caller their
//! resource or trust policy names) allowed an action on a resource, with the conditions left
//! open and the statements that allowed.
//!
//! Exit 0: nobody is allowed; 1: someone is (perhaps under conditions, or an incomplete answer
//! is listed); 2: a snapshot could not be read or the question is malformed.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Duration;

use policy_cli::render::escape::escape_line;
use policy_core::account::{Gap, Snapshot};
use policy_core::analysis::who_can::{
    who_can, ConditionalStatement, Entry, OpenCondition, Query, Residual, WhoCan,
};
use policy_core::eval::{Decision, Reason};
use policy_core::request::Context;
use serde::Serialize;

use crate::exit::ExitStatus;
use crate::snapshot::{has_errors, read_snapshot, SnapshotArgs};

/// `iampol who-can`.
#[derive(Debug, Clone, clap::Args)]
pub struct WhoCanArgs {
    /// The snapshots to read.
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// An action (`s3:GetObject`); repeat for several, each answered on its own.
    #[arg(long = "action", value_name = "ACTION", required = true)]
    pub actions: Vec<String>,
    /// The resource ARN.
    #[arg(long)]
    pub resource: String,
    /// A context key the question fixes, `KEY=VALUE`; repeat a key for several values. Every
    /// other key is left open and shows as a condition.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// Output format.
    #[arg(long = "format", alias = "output-format", value_enum, default_value_t = AccountFormat::Human)]
    pub format: AccountFormat,
}

/// Reads `KEY=VALUE` pairs into a context (a key repeated, ignoring case, gets several values).
pub(crate) fn parse_context(pairs: &[String]) -> Result<Context, String> {
    let mut split: Vec<(&str, &str)> = Vec::new();
    for kv in pairs {
        let Some((k, v)) = kv.split_once('=') else {
            return Err(format!("`{}` is not KEY=VALUE", escape_line(kv)));
        };
        split.push((k, v));
    }
    let mut keys: Vec<&str> = split.iter().map(|(k, _)| *k).collect();
    keys.sort_by_key(|k| k.to_ascii_lowercase());
    keys.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let mut context = Context::new();
    for key in keys {
        let values = split
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| (*v).to_string())
            .collect();
        context.insert(key, values);
    }
    Ok(context)
}

/// Runs `iampol who-can`.
pub fn run(args: &WhoCanArgs) -> ExitStatus {
    for action in &args.actions {
        if !action.contains(':') {
            eprintln!(
                "error: --action: `{}` is not an action: write `service:Action`",
                escape_line(action)
            );
            return ExitStatus::Error;
        }
    }
    let context = match parse_context(&args.context) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: --context: {e}");
            return ExitStatus::Error;
        }
    };
    if args.snapshot.account.is_empty() {
        eprintln!("error: give at least one --account SNAPSHOT");
        return ExitStatus::Error;
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
    let query = Query {
        actions: args.actions.clone(),
        resource: args.resource.clone(),
        context,
    };
    let principals = snapshot.principals().count();
    let answer = crate::progress::while_running(
        args.format == AccountFormat::Human,
        |elapsed: Duration| crate::progress::Status {
            fraction: None,
            text: format!(
                "deciding {principals} principals, {} action(s) ({}s)",
                query.actions.len(),
                elapsed.as_secs()
            ),
        },
        || who_can(&snapshot, &query),
    );
    let text = render(&snapshot, &query, &answer, args.format);
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).is_err() {
        return ExitStatus::Error;
    }
    if answer.entries.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    }
}

/// Output formats of `who-can` and `what-can`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AccountFormat {
    /// Grouped and readable, statements with `file:line`.
    Human,
    /// One JSON document.
    Json,
    /// One JSON object per line: one per entry.
    Ndjson,
}

/// A statement in JSON: its policy, position and `file:line:column`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatementJson {
    policy_type: &'static str,
    policy: String,
    statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    effect: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
}

/// Where a statement is: `file:line:column`, when its source is a file of the snapshot.
pub(crate) fn location(snapshot: &Snapshot, reason: &Reason) -> Option<(String, u32, u32)> {
    let source = snapshot.sources.get(reason.source)?;
    let at = source.line_col(reason.span.start);
    Some((source.name().to_string(), at.line, at.column))
}

pub(crate) fn statement_json(snapshot: &Snapshot, reason: &Reason) -> StatementJson {
    let at = location(snapshot, reason);
    StatementJson {
        policy_type: reason.policy_type.as_str(),
        policy: reason.policy.to_string(),
        statement: reason.statement,
        sid: reason.sid.as_deref().map(str::to_string),
        effect: match reason.effect {
            policy_core::Effect::Allow => "Allow",
            policy_core::Effect::Deny => "Deny",
        },
        file: at.as_ref().map(|a| a.0.clone()),
        line: at.as_ref().map(|a| a.1),
        column: at.as_ref().map(|a| a.2),
    }
}

/// A condition left open, in JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConditionJson {
    operator: String,
    key: String,
    values: Vec<String>,
}

/// A conditional statement, in JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConditionalJson {
    #[serde(flatten)]
    statement: StatementJson,
    conditions: Vec<ConditionJson>,
}

/// The residual condition, in JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResidualJson {
    any_of: Vec<Vec<ConditionalJson>>,
    unless: Vec<ConditionalJson>,
    truncated: bool,
}

fn conditional_json(snapshot: &Snapshot, c: &ConditionalStatement) -> ConditionalJson {
    ConditionalJson {
        statement: statement_json(snapshot, &c.statement),
        conditions: c
            .conditions
            .iter()
            .map(|o| ConditionJson {
                operator: o.operator.clone(),
                key: o.key.clone(),
                values: o.values.clone(),
            })
            .collect(),
    }
}

pub(crate) fn residual_json(snapshot: &Snapshot, r: &Residual) -> ResidualJson {
    ResidualJson {
        any_of: r
            .any_of
            .iter()
            .map(|a| {
                a.all_of
                    .iter()
                    .map(|c| conditional_json(snapshot, c))
                    .collect()
            })
            .collect(),
        unless: r
            .unless
            .iter()
            .map(|c| conditional_json(snapshot, c))
            .collect(),
        truncated: r.truncated,
    }
}

/// A gap, in words.
pub(crate) fn gap_text(gap: &Gap) -> String {
    match gap {
        Gap::ManagedPolicy { entity, policy } => {
            format!("managed policy `{policy}` of `{entity}` is not in the snapshot")
        }
        Gap::Group { user, group } => {
            format!("group `{group}` of `{user}` is not in the snapshot")
        }
        Gap::Unreadable { entity, policy } => {
            format!("policy `{policy}` of `{entity}` could not be read")
        }
        Gap::OrganizationChain { account } => {
            format!("the SCP/RCP chain of account `{account}` is incomplete")
        }
    }
}

/// One entry, in JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryJson {
    action: String,
    caller: String,
    caller_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
    decision: &'static str,
    conditional: bool,
    incomplete: bool,
    needs_own_policies: bool,
    statements: Vec<StatementJson>,
    residual: ResidualJson,
    gaps: Vec<String>,
}

fn entry_json(snapshot: &Snapshot, e: &Entry) -> EntryJson {
    EntryJson {
        action: e.action.clone(),
        caller: e.caller.clone(),
        caller_type: e.caller_type.as_str(),
        account: e.account.clone(),
        decision: e.decision.as_str(),
        conditional: !e.residual.is_empty(),
        incomplete: !e.gaps.is_empty(),
        needs_own_policies: e.needs_own_policies,
        statements: e
            .reasons
            .iter()
            .map(|r| statement_json(snapshot, r))
            .collect(),
        residual: residual_json(snapshot, &e.residual),
        gaps: e.gaps.iter().map(gap_text).collect(),
    }
}

/// The whole answer, in JSON.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WhoCanJson {
    resource: String,
    actions: Vec<String>,
    context: std::collections::BTreeMap<String, Vec<String>>,
    principals_checked: usize,
    outside_checked: usize,
    entries: Vec<EntryJson>,
    unresolved_principals: Vec<String>,
}

/// Renders the answer.
pub(crate) fn render(
    snapshot: &Snapshot,
    query: &Query,
    answer: &WhoCan,
    format: AccountFormat,
) -> String {
    match format {
        AccountFormat::Json => {
            let doc = WhoCanJson {
                resource: query.resource.clone(),
                actions: query.actions.clone(),
                context: query
                    .context
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_vec()))
                    .collect(),
                principals_checked: answer.principals_checked,
                outside_checked: answer.outside_checked,
                entries: answer
                    .entries
                    .iter()
                    .map(|e| entry_json(snapshot, e))
                    .collect(),
                unresolved_principals: answer.unresolved_principals.clone(),
            };
            let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
            out.push('\n');
            out
        }
        AccountFormat::Ndjson => {
            let mut out = String::new();
            for e in &answer.entries {
                out.push_str(&serde_json::to_string(&entry_json(snapshot, e)).unwrap_or_default());
                out.push('\n');
            }
            out
        }
        AccountFormat::Human => human(snapshot, query, answer),
    }
}

/// `policy-type policy statement N (Sid) at file:line`.
pub(crate) fn statement_line(snapshot: &Snapshot, r: &Reason) -> String {
    let mut s = format!(
        "{} {} statement {}",
        r.policy_type.as_str(),
        escape_line(&r.policy),
        r.statement
    );
    if let Some(sid) = &r.sid {
        let _ = write!(s, " ({})", escape_line(sid));
    }
    if let Some((file, line, column)) = location(snapshot, r) {
        let _ = write!(s, " at {}:{line}:{column}", escape_line(&file));
    }
    s
}

pub(crate) fn condition_text(c: &OpenCondition) -> String {
    let values: Vec<String> = c
        .values
        .iter()
        .map(|v| format!("`{}`", escape_line(v)))
        .collect();
    format!(
        "{} `{}` {}",
        escape_line(&c.operator),
        escape_line(&c.key),
        values.join(" | ")
    )
}

/// The residual, as indented lines.
pub(crate) fn residual_lines(snapshot: &Snapshot, r: &Residual, indent: &str, out: &mut String) {
    for (i, alt) in r.any_of.iter().enumerate() {
        let head = if i == 0 { "if" } else { "or if" };
        let _ = writeln!(out, "{indent}{head}:");
        for c in &alt.all_of {
            for cond in &c.conditions {
                let _ = writeln!(out, "{indent}  {}", condition_text(cond));
            }
            let _ = writeln!(
                out,
                "{indent}    ({})",
                statement_line(snapshot, &c.statement)
            );
        }
    }
    if r.truncated {
        let _ = writeln!(
            out,
            "{indent}(too many conditional statements: one sufficient alternative shown)"
        );
    }
    for c in &r.unless {
        let _ = writeln!(out, "{indent}unless (denied when all hold):");
        for cond in &c.conditions {
            let _ = writeln!(out, "{indent}  {}", condition_text(cond));
        }
        let _ = writeln!(
            out,
            "{indent}    ({})",
            statement_line(snapshot, &c.statement)
        );
    }
}

fn human(snapshot: &Snapshot, query: &Query, answer: &WhoCan) -> String {
    let mut out = String::new();
    for action in &query.actions {
        let entries: Vec<&Entry> = answer
            .entries
            .iter()
            .filter(|e| &e.action == action)
            .collect();
        let allowed = entries
            .iter()
            .filter(|e| e.decision == Decision::Allowed)
            .count();
        let _ = writeln!(
            out,
            "{} on {}: {allowed} allowed ({} conditionally){}",
            escape_line(action),
            escape_line(&query.resource),
            entries
                .iter()
                .filter(|e| e.decision == Decision::Allowed && !e.residual.is_empty())
                .count(),
            match entries.len() - allowed {
                0 => String::new(),
                n => format!(", {n} incomplete"),
            }
        );
        let mut last = None;
        for e in entries {
            if last != Some(e.caller_type) {
                let _ = writeln!(out, "\n  {}:", e.caller_type.as_str());
                last = Some(e.caller_type);
            }
            let verdict = match (e.decision, e.residual.is_empty()) {
                (Decision::Allowed, true) => "allowed".to_string(),
                (Decision::Allowed, false) => "allowed, conditionally".into(),
                (d, _) => format!("{d} by the known policies"),
            };
            let _ = writeln!(out, "    {}  {verdict}", escape_line(&e.caller));
            if e.needs_own_policies {
                let _ = writeln!(
                    out,
                    "      if its own account's policies (identity, boundary, SCPs) allow it too: they are not in the snapshot"
                );
            }
            for g in &e.gaps {
                let _ = writeln!(out, "      incomplete: {}", escape_line(&gap_text(g)));
            }
            for r in &e.reasons {
                let _ = writeln!(out, "      by {}", statement_line(snapshot, r));
            }
            residual_lines(snapshot, &e.residual, "      ", &mut out);
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} principals and {} outside callers decided per action",
        answer.principals_checked, answer.outside_checked
    );
    for u in &answer.unresolved_principals {
        let _ = writeln!(
            out,
            "note: principal `{}` of the resource policy was not decided (not a caller iampol models)",
            escape_line(u)
        );
    }
    out
}
