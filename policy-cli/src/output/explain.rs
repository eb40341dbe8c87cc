//! Explanations (`iampol can --explain`, `iampol eval --explain`): the lines under a
//! decision, and the JSON fields added to a decision's line (documented in the README next
//! to `blockedBy`; fields are only ever added).

use std::io::Write;

use policy_cli::render::escape::escape_line;
use policy_core::eval::{
    ConditionCheck, Explanation, LayerVerdict, MissingKey, NearMiss, PolicyType, Reason, Verdict,
};
use policy_core::text::bound_message;
use policy_core::SourceFile;
use serde::Serialize;

use crate::commands::eval::{json_reason, reason_line, JsonReason};

/// The explanation's JSON fields, flattened into a decision's line.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonExplanation<'a> {
    cross_account: bool,
    layers: Vec<JsonLayer<'a>>,
    near_misses: Vec<JsonNearMiss<'a>>,
    missing_keys: Vec<JsonMissingKey<'a>>,
    assumptions: Vec<JsonAssumption<'a>>,
    warnings: Vec<JsonWarning<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonLayer<'a> {
    policy_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    side: &'static str,
    account: Option<&'a str>,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    statements: Vec<JsonReason<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonCondition<'a> {
    operator: &'a str,
    key: &'a str,
    policy_values: &'a [String],
    request_values: Option<&'a [String]>,
    derived: bool,
    holds: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    deciding_value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_policy_value: Option<&'a str>,
    note: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonNearMiss<'a> {
    statement: JsonReason<'a>,
    conditions: Vec<JsonCondition<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonMissingKey<'a> {
    key: &'a str,
    statement: JsonReason<'a>,
    applied: bool,
    flips_decision: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonAssumption<'a> {
    kind: &'static str,
    subject: &'a str,
    value: &'a str,
    message: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonWarning<'a> {
    kind: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<&'a str>,
}

/// The JSON fields of an explanation; `files` maps a reason's source index to its file.
pub fn json_explanation<'a>(e: &'a Explanation, files: &'a [SourceFile]) -> JsonExplanation<'a> {
    let reasons = |rs: &'a [Reason]| -> Vec<JsonReason<'a>> {
        rs.iter().map(|r| json_reason(r, files)).collect()
    };
    JsonExplanation {
        cross_account: e.cross_account,
        layers: e
            .layers
            .iter()
            .map(|l| JsonLayer {
                policy_type: l.layer.as_str(),
                name: l.name.as_deref(),
                side: l.side.as_str(),
                account: l.account.as_deref(),
                verdict: l.verdict.as_str(),
                note: l.note.as_deref(),
                statements: reasons(&l.statements),
            })
            .collect(),
        near_misses: e
            .near_misses
            .iter()
            .map(|m| JsonNearMiss {
                statement: json_reason(&m.statement, files),
                conditions: m.conditions.iter().map(json_condition).collect(),
            })
            .collect(),
        missing_keys: e
            .missing_keys
            .iter()
            .map(|m| JsonMissingKey {
                key: &m.key,
                statement: json_reason(&m.statement, files),
                applied: m.applied,
                flips_decision: m.flips_decision,
            })
            .collect(),
        assumptions: e
            .assumptions
            .iter()
            .map(|a| JsonAssumption {
                kind: a.kind.as_str(),
                subject: &a.subject,
                value: &a.value,
                message: &a.message,
            })
            .collect(),
        warnings: e
            .warnings
            .iter()
            .map(|w| JsonWarning {
                kind: w.kind.as_str(),
                message: &w.message,
                suggestion: w.suggestion.as_deref(),
            })
            .collect(),
    }
}

fn json_condition(c: &ConditionCheck) -> JsonCondition<'_> {
    JsonCondition {
        operator: &c.operator,
        key: &c.key,
        policy_values: &c.policy_values,
        request_values: c.request_values.as_deref(),
        derived: c.derived,
        holds: c.holds,
        deciding_value: c.deciding_value.as_deref(),
        matched_policy_value: c.matched_policy_value.as_deref(),
        note: &c.note,
    }
}

/// Text from the input, bounded and escaped for the terminal.
fn safe(text: &str) -> String {
    escape_line(&bound_message(text)).into_owned()
}

fn layer_title(l: &LayerVerdict) -> String {
    match (&l.name, l.layer) {
        (Some(name), PolicyType::Scp | PolicyType::Rcp) => {
            format!("{} level `{}`", l.layer.as_str(), safe(name))
        }
        (Some(name), _) => format!("{} `{}`", l.layer.as_str(), safe(name)),
        (None, _) => l.layer.as_str().to_string(),
    }
}

/// The explanation lines under a decision (after the deciding statements).
pub fn write_human(
    out: &mut impl Write,
    e: &Explanation,
    files: &[SourceFile],
    indent: &str,
) -> std::io::Result<()> {
    if e.cross_account {
        writeln!(
            out,
            "{indent}cross-account request: the caller's side and the resource's side must both allow"
        )?;
    }
    writeln!(out, "{indent}layers:")?;
    for l in &e.layers {
        let side = match &l.account {
            Some(a) => format!("{} side, account {}", l.side.as_str(), safe(a)),
            None => format!("{} side", l.side.as_str()),
        };
        let note = l
            .note
            .as_deref()
            .map_or_else(String::new, |n| format!(": {}", safe(n)));
        writeln!(
            out,
            "{indent}  {} ({side}): {}{note}",
            layer_title(l),
            l.verdict.as_str()
        )?;
        if l.verdict != Verdict::NotGiven {
            for r in &l.statements {
                writeln!(out, "{indent}    {}", reason_line(r, files))?;
            }
        }
    }
    if !e.near_misses.is_empty() {
        writeln!(
            out,
            "{indent}statements that matched action, resource and principal, but not their condition:"
        )?;
        for m in &e.near_misses {
            write_near_miss(out, m, files, indent)?;
        }
    }
    if !e.missing_keys.is_empty() {
        writeln!(
            out,
            "{indent}missing context keys that decided a statement:"
        )?;
        for m in &e.missing_keys {
            write_missing_key(out, m, files, indent)?;
        }
    }
    if !e.assumptions.is_empty() {
        writeln!(out, "{indent}assumed:")?;
        for a in &e.assumptions {
            writeln!(out, "{indent}  {}", safe(&a.message))?;
        }
    }
    for w in &e.warnings {
        writeln!(out, "{indent}{}", warning_line(w))?;
    }
    Ok(())
}

/// One warning as a line: `warning: MESSAGE (did you mean `X`?)`, escaped.
pub fn warning_line(w: &policy_core::eval::Warning) -> String {
    let suggestion = w
        .suggestion
        .as_deref()
        .map_or_else(String::new, |s| format!(" (did you mean `{}`?)", safe(s)));
    format!(
        "warning[{}]: {}{suggestion}",
        w.kind.as_str(),
        safe(&w.message)
    )
}

fn write_near_miss(
    out: &mut impl Write,
    m: &NearMiss,
    files: &[SourceFile],
    indent: &str,
) -> std::io::Result<()> {
    writeln!(out, "{indent}  {}", reason_line(&m.statement, files))?;
    for c in &m.conditions {
        let mark = if c.holds { "holds" } else { "fails" };
        let values = match &c.request_values {
            Some(v) => format!("request [{}]", v.join(", ")),
            None => "not in the request".to_string(),
        };
        writeln!(
            out,
            "{indent}    {mark}: {} `{}` [{}], {}: {}",
            safe(&c.operator),
            safe(&c.key),
            safe(&c.policy_values.join(", ")),
            safe(&values),
            safe(&c.note)
        )?;
    }
    Ok(())
}

fn write_missing_key(
    out: &mut impl Write,
    m: &MissingKey,
    files: &[SourceFile],
    indent: &str,
) -> std::io::Result<()> {
    let how = if m.applied {
        "applies only because it is missing"
    } else {
        "does not apply because it is missing"
    };
    let flips = if m.flips_decision {
        "; with it, the decision would differ"
    } else {
        "; the decision does not depend on it"
    };
    writeln!(
        out,
        "{indent}  `{}`: {}, {how}{flips}",
        safe(&m.key),
        reason_line(&m.statement, files)
    )
}
