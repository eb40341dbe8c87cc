//! `iampol check`: exact answers about every request, offline (issue 12). Today:
//! `no-new-access`, whether a changed policy allows anything the existing one does not (IAM
//! Access Analyzer's `CheckNoNewAccess`, decided exactly, with a counterexample).

use std::io::Write;

use policy_cli::render::escape::escape_line;
use policy_core::analysis::compare::{no_new_access, Counterexample, Verdict};
use policy_core::ast::{Policy, PolicyKind};
use policy_core::SourceFile;
use serde::Serialize;

use crate::args::{CheckArgs, CheckCommand, EvalFormat, NoNewAccessArgs};
use crate::commands::can::Loader;
use crate::exit::ExitStatus;

/// Runs `iampol check`: exit 0 PASS, 1 FAIL, 2 could not run or could not decide.
pub fn run(args: &CheckArgs) -> ExitStatus {
    match &args.command {
        CheckCommand::NoNewAccess(a) => run_no_new_access(a),
    }
}

/// The JSON line of a check (documented in the README; fields are only ever added).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonCheck<'a> {
    check: &'static str,
    /// `PASS`, `FAIL` or `UNKNOWN`.
    result: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    counterexample: Option<JsonRequest<'a>>,
    /// The statements of the new policy that allow the counterexample.
    reasons: Vec<JsonReason<'a>>,
}

#[derive(Serialize)]
struct JsonRequest<'a> {
    principal: &'a str,
    action: &'a str,
    resource: &'a str,
    /// Context keys (as the policy writes them) and values; a key not listed is absent.
    context: std::collections::BTreeMap<&'a str, &'a [String]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReason<'a> {
    file: &'a str,
    statement_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    statement_id: Option<&'a str>,
    line: u32,
    column: u32,
}

fn run_no_new_access(args: &NoNewAccessArgs) -> ExitStatus {
    if !KINDS.contains(&args.kind) {
        let kinds: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
        eprintln!(
            "error: --kind {}: not decided yet (policies that name principals are the next step); use one of: {}",
            args.kind.as_str(),
            kinds.join(", ")
        );
        return ExitStatus::Error;
    }
    let mut loader = Loader::new(args.read.limit());
    let existing = loader.parse(&args.existing, args.kind);
    let new = loader.parse(&args.new, args.kind);
    let (Some(existing), Some(new)) = (existing, new) else {
        return ExitStatus::Error;
    };
    let verdict = no_new_access(&existing, &new);
    let new_file = loader.files.get(1);
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        EvalFormat::Json => {
            let line = json_line(&verdict, &new, new_file);
            serde_json::to_string(&line)
                .map_err(std::io::Error::from)
                .and_then(|s| writeln!(out, "{s}"))
        }
        EvalFormat::Human => write_human(&mut out, &verdict, &new, new_file),
    };
    if written.is_err() {
        return ExitStatus::Error;
    }
    match verdict {
        Verdict::Pass => ExitStatus::Success,
        Verdict::Fail(_) => ExitStatus::Failure,
        Verdict::Unknown(_) => ExitStatus::Error,
    }
}

/// Where the new policy's statement `index` starts: file name, line and column.
fn statement_at<'a>(
    new: &Policy,
    file: Option<&'a SourceFile>,
    index: usize,
) -> Option<(&'a str, u32, u32)> {
    let file = file?;
    let statement = new.statements.iter().find(|s| s.index == index)?;
    let at = file.line_col(statement.span.start);
    Some((file.name(), at.line, at.column))
}

fn json_line<'a>(
    verdict: &'a Verdict,
    new: &'a Policy,
    file: Option<&'a SourceFile>,
) -> JsonCheck<'a> {
    let (result, message) = summary(verdict);
    let mut line = JsonCheck {
        check: "no-new-access",
        result,
        message,
        counterexample: None,
        reasons: Vec::new(),
    };
    if let Verdict::Fail(c) = verdict {
        line.counterexample = Some(JsonRequest {
            principal: &c.principal,
            action: &c.action,
            resource: &c.resource,
            context: c
                .context
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_slice()))
                .collect(),
        });
        let (index, sid) = &c.allowed_by;
        if let Some((name, l, col)) = statement_at(new, file, *index) {
            line.reasons.push(JsonReason {
                file: name,
                statement_index: *index,
                statement_id: sid.as_deref(),
                line: l,
                column: col,
            });
        }
    }
    line
}

fn summary(verdict: &Verdict) -> (&'static str, String) {
    match verdict {
        Verdict::Pass => (
            "PASS",
            "the new policy allows no request that the existing policy does not".into(),
        ),
        Verdict::Fail(c) => ("FAIL", format!("the new policy allows {}", describe(c))),
        Verdict::Unknown(why) => ("UNKNOWN", format!("not decided: {why}")),
    }
}

/// `s3:GetObject on arn:aws:s3:::b/x when aws:requestedregion = us-east-1`.
fn describe(c: &Counterexample) -> String {
    let mut text = format!("`{}` on `{}`", c.action, c.resource);
    let context: Vec<String> = c
        .context
        .iter()
        .map(|(k, v)| match v.as_slice() {
            [one] => format!("`{k}` = `{one}`"),
            many => format!("`{k}` = [{}]", many.join(", ")),
        })
        .collect();
    if !context.is_empty() {
        text.push_str(" when ");
        text.push_str(&context.join(" and "));
    }
    text.push_str(", which the existing policy does not");
    text
}

fn write_human(
    out: &mut impl Write,
    verdict: &Verdict,
    new: &Policy,
    file: Option<&SourceFile>,
) -> std::io::Result<()> {
    let (result, message) = summary(verdict);
    writeln!(out, "{result}: {}", escape_line(&message))?;
    if let Verdict::Fail(c) = verdict {
        let (index, sid) = &c.allowed_by;
        if let Some((name, line, column)) = statement_at(new, file, *index) {
            let sid = sid
                .as_deref()
                .map_or_else(String::new, |s| format!(" (`{}`)", escape_line(s)));
            writeln!(
                out,
                "  allowed by statement {index}{sid} at {}:{line}:{column}",
                escape_line(name)
            )?;
        }
        writeln!(out, "  caller: {}", c.principal)?;
        if c.context.is_empty() {
            writeln!(out, "  context: none (every condition key absent)")?;
        }
    }
    Ok(())
}

/// The kinds `no-new-access` decides: a policy that applies alone to its holder's requests
/// and names no principal.
const KINDS: [PolicyKind; 4] = [
    PolicyKind::Identity,
    PolicyKind::Boundary,
    PolicyKind::Session,
    PolicyKind::Scp,
];
