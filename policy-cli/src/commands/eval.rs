//! `iampol eval`: decide the scenarios of scenario files.

use std::io::{IsTerminal, Write};

use policy_cli::render::escape::escape_line;
use policy_core::eval::{Reason, Response};
use policy_core::scenario::{parse_scenarios, Scenario};
use policy_core::text::bound_message;
use policy_core::SourceFile;
use serde::Serialize;

use crate::args::{EvalArgs, EvalFormat};
use crate::exit::ExitStatus;
use crate::io::{collect_files, read_input, WalkProblems};
use crate::report::render_error;

/// The JSON form of a reason (documented in the README; fields are only ever added).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonReason<'a> {
    policy_type: &'static str,
    policy: &'a str,
    statement: usize,
    sid: Option<&'a str>,
    effect: &'static str,
    line: u32,
    column: u32,
}

/// The JSON line for one decision.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonDecision<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    name: &'a str,
    decision: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expect: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
    reasons: Vec<JsonReason<'a>>,
    blocked_by: Option<&'static str>,
    missing_context_keys: Vec<&'a str>,
}

/// The JSON form of a response; `files` maps a reason's source index to its file.
pub fn json_decision<'a>(
    file: Option<&'a str>,
    name: &'a str,
    response: &'a Response,
    expect: Option<policy_core::eval::Decision>,
    files: &'a [SourceFile],
) -> JsonDecision<'a> {
    JsonDecision {
        file,
        name,
        decision: response.decision.as_str(),
        expect: expect.map(policy_core::eval::Decision::as_str),
        ok: expect.map(|e| e == response.decision),
        reasons: response
            .reasons
            .iter()
            .map(|r| {
                let pos = files.get(r.source).map(|f| f.line_col(r.span.start));
                JsonReason {
                    policy_type: r.policy_type.as_str(),
                    policy: &r.policy,
                    statement: r.statement,
                    sid: r.sid.as_deref(),
                    effect: r.effect.as_str(),
                    line: pos.map_or(0, |p| p.line),
                    column: pos.map_or(0, |p| p.column),
                }
            })
            .collect(),
        blocked_by: response
            .blocked_by
            .map(policy_core::eval::PolicyType::as_str),
        missing_context_keys: response.missing_context_keys.iter().map(|k| &**k).collect(),
    }
}

/// One line naming a reason and where it is, escaped for the terminal.
pub fn reason_line(r: &Reason, files: &[SourceFile]) -> String {
    let at = files.get(r.source).map_or_else(String::new, |f| {
        let p = f.line_col(r.span.start);
        format!(" ({}:{}:{})", f.name(), p.line, p.column)
    });
    let statement = r
        .sid
        .as_ref()
        .map_or_else(|| format!("#{}", r.statement + 1), |s| format!("`{s}`"));
    // The Sid and the policy's name come from the input: bounded and escaped.
    escape_line(&bound_message(&format!(
        "{} {} policy `{}` statement {statement}{at}",
        r.effect.as_str(),
        r.policy_type.as_str(),
        r.policy
    )))
    .into_owned()
}

/// Runs `iampol eval`.
pub fn run(args: &EvalArgs) -> ExitStatus {
    let mut walked = WalkProblems::default();
    let paths = collect_files(&args.paths, &mut walked);
    let mut files: Vec<SourceFile> = Vec::new();
    let mut scenarios: Vec<(usize, Scenario)> = Vec::new();
    let mut bad_input = !walked.errors.is_empty();
    let mut stderr = std::io::stderr().lock();
    for w in &walked.warnings {
        let _ = writeln!(stderr, "warning: {}", escape_line(w));
    }
    for e in &walked.errors {
        let _ = writeln!(stderr, "error: {}", escape_line(e));
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for path in &paths {
        let input = match read_input(path, args.read.limit()) {
            Ok(input) => input,
            Err(e) => {
                let _ = writeln!(stderr, "error: {}", escape_line(&e));
                bad_input = true;
                continue;
            }
        };
        let index = files.len();
        let text = match input.text {
            Ok(text) => text,
            Err((offset, prefix)) => {
                let file = SourceFile::new(input.name, prefix);
                let p = file.line_col(u32::try_from(offset).unwrap_or(u32::MAX));
                let _ = writeln!(
                    stderr,
                    "error: {}:{}:{}: the file is not valid UTF-8",
                    escape_line(file.name()),
                    p.line,
                    p.column
                );
                bad_input = true;
                continue;
            }
        };
        let file = SourceFile::new(input.name, text);
        match parse_scenarios(file.text(), index) {
            Ok(list) => scenarios.extend(list.into_iter().map(|s| (index, s))),
            Err(errors) => {
                bad_input = true;
                for e in errors {
                    // Messages quote input: bounded, as every message that does.
                    let message = bound_message(&e.message);
                    let help = e.help.as_deref().map(bound_message);
                    let _ = write!(
                        stderr,
                        "{}",
                        render_error(&file, e.span, &message, help.as_deref(), color)
                    );
                }
            }
        }
        files.push(file);
    }
    if bad_input {
        return ExitStatus::Error;
    }

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut passed, mut failed, mut unchecked) = (0usize, 0usize, 0usize);
    for (file_index, scenario) in &scenarios {
        let response = scenario.policies.evaluate(&scenario.request);
        let ok = scenario.expect.map(|e| e == response.decision);
        match ok {
            Some(true) => passed += 1,
            Some(false) => failed += 1,
            None => unchecked += 1,
        }
        if args.failures_only && ok != Some(false) {
            continue;
        }
        let file = files.get(*file_index);
        let written = match args.format {
            EvalFormat::Json => {
                let line = json_decision(
                    file.map(SourceFile::name),
                    &scenario.name,
                    &response,
                    scenario.expect,
                    &files,
                );
                serde_json::to_string(&line)
                    .map_err(std::io::Error::from)
                    .and_then(|s| writeln!(out, "{s}"))
            }
            EvalFormat::Human => write_human(&mut out, scenario, &response, ok, file, &files),
        };
        if written.is_err() {
            return ExitStatus::Error;
        }
    }
    if out.flush().is_err() {
        return ExitStatus::Error;
    }
    let _ = writeln!(
        stderr,
        "{} scenario{}: {passed} as expected, {failed} not as expected, {unchecked} without `expect`.",
        scenarios.len(),
        if scenarios.len() == 1 { "" } else { "s" }
    );
    if failed > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

fn write_human(
    out: &mut impl Write,
    scenario: &Scenario,
    response: &Response,
    ok: Option<bool>,
    file: Option<&SourceFile>,
    files: &[SourceFile],
) -> std::io::Result<()> {
    let mark = match ok {
        Some(true) => "ok  ",
        Some(false) => "FAIL",
        None => "    ",
    };
    let at = file.map_or_else(String::new, |f| {
        let p = f.line_col(scenario.span.start);
        format!("  [{}:{}]", escape_line(f.name()), p.line)
    });
    write!(
        out,
        "{mark} {}: {}",
        escape_line(&scenario.name),
        response.decision
    )?;
    if let (Some(false), Some(e)) = (ok, scenario.expect) {
        write!(out, " (expected {e})")?;
    }
    writeln!(out, "{at}")?;
    write_explanation(out, response, files, "       ")
}

/// The explanation lines under a decision.
pub fn write_explanation(
    out: &mut impl Write,
    response: &Response,
    files: &[SourceFile],
    indent: &str,
) -> std::io::Result<()> {
    for r in &response.reasons {
        writeln!(out, "{indent}{}", reason_line(r, files))?;
    }
    if let Some(layer) = response.blocked_by {
        if response.decision != policy_core::eval::Decision::ExplicitDeny {
            writeln!(out, "{indent}blocked by the {} layer", layer.as_str())?;
        }
    }
    if !response.missing_context_keys.is_empty() {
        let keys: Vec<&str> = response.missing_context_keys.iter().map(|k| &**k).collect();
        writeln!(
            out,
            "{indent}context keys tested but not supplied: {}",
            escape_line(&keys.join(", "))
        )?;
    }
    Ok(())
}
