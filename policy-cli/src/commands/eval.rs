//! `iampol eval`: decide the scenarios of scenario files.

use std::io::{IsTerminal, Write};

use policy_cli::render::escape::escape_line;
use policy_core::eval::{AssumptionKind, Reason, Response};
use policy_core::scenario::{parse_scenario_file, RefusedScenario, Scenario, ScenarioError};
use policy_core::text::bound_message;
use policy_core::SourceFile;
use serde::Serialize;

use crate::args::{EvalArgs, EvalFormat};
use crate::exit::ExitStatus;
use crate::io::{collect_files, read_input, WalkProblems};
use crate::report::explain::{json_explanation, JsonExplanation};
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
    /// With `--explain`: the explanation's fields.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    explanation: Option<JsonExplanation<'a>>,
}

impl<'a> JsonDecision<'a> {
    /// The line with the fields of an explanation added.
    pub fn with_explanation(mut self, explanation: Option<JsonExplanation<'a>>) -> Self {
        self.explanation = explanation;
        self
    }
}

/// The JSON form of a reason; `files` maps its source index to its file.
pub fn json_reason<'a>(r: &'a Reason, files: &[SourceFile]) -> JsonReason<'a> {
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
}

/// The JSON form of one problem of a refused scenario.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonError {
    message: String,
    line: u32,
    column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
}

/// The JSON line for a scenario that could not be read or decided: no `decision`, and
/// `error` (the first problem) with `errors` (every problem, the first included).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonRefused<'a> {
    file: &'a str,
    name: &'a str,
    error: JsonError,
    errors: Vec<JsonError>,
}

/// One problem of a refused scenario: message and help bounded, position in `file`.
fn json_error(file: &SourceFile, e: &ScenarioError) -> JsonError {
    let p = file.line_col(e.span.start);
    JsonError {
        message: bound_message(&e.message).into_owned(),
        line: p.line,
        column: p.column,
        help: e.help.as_deref().map(|h| bound_message(h).into_owned()),
    }
}

/// The JSON line for a refused scenario, or `None` when it has no problem to show.
fn json_refused<'a>(file: &'a SourceFile, refused: &'a RefusedScenario) -> Option<JsonRefused<'a>> {
    let errors: Vec<JsonError> = refused.errors.iter().map(|e| json_error(file, e)).collect();
    let first = refused.errors.first()?;
    Some(JsonRefused {
        file: file.name(),
        name: &refused.name,
        error: json_error(file, first),
        errors,
    })
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
            .map(|r| json_reason(r, files))
            .collect(),
        blocked_by: response
            .blocked_by
            .map(policy_core::eval::PolicyType::as_str),
        missing_context_keys: response.missing_context_keys.iter().map(|k| &**k).collect(),
        explanation: None,
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
    let mut scenarios: Vec<(usize, Result<Scenario, RefusedScenario>)> = Vec::new();
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
        match parse_scenario_file(file.text(), index) {
            // A refused scenario is reported in its place; the others are still decided.
            Ok(list) => {
                for item in &list {
                    if let Err(refused) = item {
                        for e in &refused.errors {
                            let _ = write!(stderr, "{}", render_scenario_error(&file, e, color));
                        }
                    }
                }
                scenarios.extend(list.into_iter().map(|s| (index, s)));
            }
            Err(errors) => {
                bad_input = true;
                for e in &errors {
                    let _ = write!(stderr, "{}", render_scenario_error(&file, e, color));
                }
            }
        }
        files.push(file);
    }

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut counts = Counts::default();
    for (file_index, item) in &scenarios {
        let file = files.get(*file_index);
        let written = match item {
            Ok(scenario) => write_decided(&mut out, args, scenario, file, &files, &mut counts),
            Err(refused) => {
                counts.refused += 1;
                write_refused(&mut out, args.format, refused, file)
            }
        };
        if written.is_err() {
            return ExitStatus::Error;
        }
    }
    if out.flush().is_err() {
        return ExitStatus::Error;
    }
    let refused = if counts.refused > 0 {
        format!(", {} not decided", counts.refused)
    } else {
        String::new()
    };
    let _ = writeln!(
        stderr,
        "{} scenario{}: {} as expected, {} not as expected, {} without `expect`{refused}.",
        scenarios.len(),
        if scenarios.len() == 1 { "" } else { "s" },
        counts.passed,
        counts.failed,
        counts.unchecked,
    );
    if bad_input || counts.refused > 0 {
        ExitStatus::Error
    } else if counts.failed > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// How the scenarios of a run ended.
#[derive(Debug, Default)]
struct Counts {
    passed: usize,
    failed: usize,
    unchecked: usize,
    refused: usize,
}

/// A problem in a scenario file on standard error, with its source; messages quote input,
/// so they are bounded, as every message that does.
fn render_scenario_error(file: &SourceFile, e: &ScenarioError, color: bool) -> String {
    let message = bound_message(&e.message);
    let help = e.help.as_deref().map(bound_message);
    render_error(file, e.span, &message, help.as_deref(), color)
}

/// Decides one scenario, counts it and writes it (unless `--failures-only` hides it).
fn write_decided(
    out: &mut impl Write,
    args: &EvalArgs,
    scenario: &Scenario,
    file: Option<&SourceFile>,
    files: &[SourceFile],
    counts: &mut Counts,
) -> std::io::Result<()> {
    let explanation = args.explain.then(|| {
        let mut e = scenario.policies.explain(&scenario.request);
        if scenario.resource_account_given {
            // Given, not assumed.
            e.assumptions
                .retain(|a| a.kind != AssumptionKind::ResourceAccount);
        }
        e
    });
    let response = match &explanation {
        Some(e) => e.response.clone(),
        None => scenario.policies.evaluate(&scenario.request),
    };
    let ok = scenario.expect.map(|e| e == response.decision);
    match ok {
        Some(true) => counts.passed += 1,
        Some(false) => counts.failed += 1,
        None => counts.unchecked += 1,
    }
    if args.failures_only && ok != Some(false) {
        return Ok(());
    }
    match args.format {
        EvalFormat::Json => {
            let line = json_decision(
                file.map(SourceFile::name),
                &scenario.name,
                &response,
                scenario.expect,
                files,
            )
            .with_explanation(explanation.as_ref().map(|e| json_explanation(e, files)));
            let s = serde_json::to_string(&line).map_err(std::io::Error::from)?;
            writeln!(out, "{s}")
        }
        EvalFormat::Human => {
            write_human(out, scenario, &response, ok, file, files)?;
            match &explanation {
                Some(e) => crate::report::explain::write_human(out, e, files, "       "),
                None => Ok(()),
            }
        }
    }
}

/// Writes a scenario that could not be read: a failure, so `--failures-only` shows it too.
fn write_refused(
    out: &mut impl Write,
    format: EvalFormat,
    refused: &RefusedScenario,
    file: Option<&SourceFile>,
) -> std::io::Result<()> {
    // INVARIANT: a refused scenario comes from a file that was read and pushed to `files`.
    let Some(file) = file else {
        return Ok(());
    };
    match format {
        EvalFormat::Json => match json_refused(file, refused) {
            Some(line) => {
                let s = serde_json::to_string(&line).map_err(std::io::Error::from)?;
                writeln!(out, "{s}")
            }
            None => Ok(()),
        },
        EvalFormat::Human => {
            let name = escape_line(&refused.name);
            for (i, e) in refused.errors.iter().enumerate() {
                let p = file.line_col(e.span.start);
                let lead = if i == 0 {
                    format!("ERR  {name}: ")
                } else {
                    "       ".to_string()
                };
                writeln!(
                    out,
                    "{lead}{}  [{}:{}:{}]",
                    escape_line(&bound_message(&e.message)),
                    escape_line(file.name()),
                    p.line,
                    p.column
                )?;
            }
            Ok(())
        }
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
