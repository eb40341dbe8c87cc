//! Rendering findings: human (miette), concise lines, JSON; SARIF, GitHub workflow
//! commands, GitLab Code Quality and `JUnit` XML in `output/`.

#[path = "output/explain.rs"]
pub mod explain;
#[path = "output/github.rs"]
pub mod github;
#[path = "output/gitlab.rs"]
pub mod gitlab;
#[path = "output/junit.rs"]
pub mod junit;
#[path = "output/sarif.rs"]
pub mod sarif;

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::OnceLock;

use policy_cli::render::escape::escape_line;
use policy_cli::render::snippet::Source;
use policy_cli::render::{Handler, Label, Report};
use policy_core::{SourceFile, Span};
use policy_lint::{Applicability, Finding, Severity};
use serde::Serialize;
use serde_json::ser::Formatter as _;

use crate::args::Format;

/// Renders findings one file at a time, in any thread, into parts that
/// [`Renderer::write_report`] puts together in order: the same bytes as rendering every file at
/// once.
pub struct Renderer(Style);

enum Style {
    Human(Box<Human>),
    Concise,
    Json,
    /// The rules, the log around the results once built, and whether it lists every rule.
    Sarif(sarif::Rules, OnceLock<std::io::Result<sarif::Frame>>, bool),
    Github,
    Gitlab,
    Junit,
}

/// What the report needs of the whole run besides its parts, known once every file is linted.
#[derive(Debug, Default)]
pub struct Totals {
    /// The codes of the rules with findings.
    pub rules: BTreeSet<&'static str>,
    /// The number of findings.
    pub findings: usize,
}

impl Renderer {
    /// A renderer for a format; `color` and `width` are for the human format (see
    /// [`Human::new`]).
    pub fn new(format: Format, color: bool, width: Option<usize>) -> Self {
        Self(match format {
            Format::Human => Style::Human(Box::new(Human::new(color, width))),
            Format::Concise => Style::Concise,
            Format::Json => Style::Json,
            Format::Sarif => Style::Sarif(sarif::Rules::all(), OnceLock::new(), false),
            Format::Github => Style::Github,
            Format::Gitlab => Style::Gitlab,
            Format::Junit => Style::Junit,
        })
    }

    /// With `all`, a SARIF log lists every rule of the registry, not only those with results.
    #[must_use]
    pub fn with_sarif_all_rules(mut self, all: bool) -> Self {
        if let Style::Sarif(_, _, every) = &mut self.0 {
            *every = all;
        }
        self
    }

    /// One file's part of the report.
    pub fn render(&self, file: &SourceFile, findings: &[Finding]) -> std::io::Result<Vec<u8>> {
        // Room for most findings' text, to grow the buffer less often.
        let mut out = Vec::with_capacity(findings.len() * 1024);
        let located = findings.iter().map(|finding| Located { file, finding });
        match &self.0 {
            Style::Human(human) => human.write(&mut out, file, findings)?,
            Style::Concise => {
                for l in located {
                    writeln!(out, "{}", l.concise())?;
                }
            }
            Style::Json => {
                for l in located {
                    write_element(&mut out, 0, &l.to_json())?;
                }
            }
            Style::Sarif(rules, _, _) => sarif::write_results(&mut out, rules, file, findings)?,
            Style::Github => github::write(&mut out, located)?,
            Style::Gitlab => gitlab::write_issues(&mut out, file, findings)?,
            Style::Junit => junit::write_suite(&mut out, file, findings)?,
        }
        Ok(out)
    }

    /// Builds ahead what [`Renderer::write_report`] writes around the parts (the SARIF log
    /// without its results), so that it has less to do at the end.
    pub fn prepare(&self) {
        if let Style::Sarif(_, frame, true) = &self.0 {
            frame.get_or_init(sarif::Frame::new);
        }
    }

    /// Writes the report from the parts [`Renderer::render`] rendered, in order, and what it
    /// needs of the whole run.
    pub fn write_report<'a>(
        &self,
        out: &mut impl Write,
        parts: impl IntoIterator<Item = &'a [u8]>,
        totals: &Totals,
    ) -> std::io::Result<()> {
        match &self.0 {
            Style::Json | Style::Gitlab => {
                write_array(out, 0, parts)?;
                writeln!(out)
            }
            Style::Sarif(_, frame, true) => match frame.get_or_init(sarif::Frame::new) {
                Ok(frame) => frame.write(out, parts),
                Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
            },
            Style::Sarif(_, _, false) => {
                sarif::Frame::with_rules(&sarif::Rules::with_codes(&totals.rules))?
                    .write(out, parts)
            }
            Style::Junit => junit::write(out, parts, totals.findings),
            Style::Human(_) | Style::Concise | Style::Github => {
                for part in parts {
                    out.write_all(part)?;
                }
                Ok(())
            }
        }
    }
}

/// Writes `value` as `serde_json::to_writer_pretty` writes an element of an array after the
/// first one: a comma, a new line, the indentation, then the value, indented for an array
/// `depth` levels deep (0: the document is the array). [`write_array`] puts such elements
/// together.
pub fn write_element(
    out: &mut Vec<u8>,
    depth: usize,
    value: &impl Serialize,
) -> std::io::Result<()> {
    let mut formatter = serde_json::ser::PrettyFormatter::new();
    // Opening the enclosing arrays (into nothing) gives the formatter their indentation; then
    // it writes the separator of an element that is not the first.
    for _ in 0..=depth {
        formatter.begin_array(&mut std::io::sink())?;
    }
    formatter.begin_array_value(&mut *out, false)?;
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut *out, formatter,
    ))?;
    Ok(())
}

/// Writes an array `depth` levels deep (0: the document is the array) whose elements
/// [`write_element`] wrote into `parts` (any number per part), as `serde_json::to_writer_pretty`
/// writes it; `[]` when there is none.
pub fn write_array<'a>(
    out: &mut impl Write,
    depth: usize,
    parts: impl IntoIterator<Item = &'a [u8]>,
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    let mut empty = true;
    for part in parts {
        if empty {
            // The first element has no comma before it.
            let Some(part) = part.strip_prefix(b",") else {
                continue;
            };
            out.write_all(part)?;
            empty = false;
        } else {
            out.write_all(part)?;
        }
    }
    if !empty {
        out.write_all(b"\n")?;
        for _ in 0..depth {
            out.write_all(b"  ")?;
        }
    }
    out.write_all(b"]")
}

/// A finding with the file it belongs to.
pub struct Located<'a> {
    /// The file.
    pub file: &'a SourceFile,
    /// The finding.
    pub finding: &'a Finding,
}

/// The JSON form of a finding (documented in `docs/output.md`; fields are only ever added).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonFinding<'a> {
    /// File path as given.
    pub path: &'a str,
    /// Rule code.
    pub code: &'static str,
    /// Rule name.
    pub name: &'static str,
    /// Rule category.
    pub category: &'static str,
    /// `error`, `warning` or `note`.
    pub severity: &'static str,
    /// What is wrong.
    pub message: &'a str,
    /// How to fix it.
    pub help: Option<&'a str>,
    /// 1-based start line.
    pub line: u32,
    /// 1-based start column (characters).
    pub column: u32,
    /// 1-based end line (inclusive).
    pub end_line: u32,
    /// 1-based end column (inclusive, characters).
    pub end_column: u32,
    /// The suggested fix, if any.
    pub fix: Option<JsonFix<'a>>,
}

/// The JSON form of a fix.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonFix<'a> {
    /// `safe` (applied by `--fix`), `unsafe` (needs `--unsafe-fixes`) or `display-only`.
    pub applicability: &'static str,
    /// What the fix does.
    pub message: &'a str,
    /// The replacements, in order, non-overlapping.
    pub edits: Vec<JsonEdit<'a>>,
}

/// The JSON form of one edit: replace the text from the start position up to (not including)
/// the end position.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsonEdit<'a> {
    /// 1-based line of the first replaced character.
    pub line: u32,
    /// 1-based column (characters) of the first replaced character.
    pub column: u32,
    /// 1-based line just after the replaced text.
    pub end_line: u32,
    /// 1-based column (characters) just after the replaced text (exclusive; equal to the
    /// start for an insertion).
    pub end_column: u32,
    /// The new text.
    pub content: &'a str,
}

/// A 1-based range with an exclusive end, as SARIF and GitHub use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Start line.
    pub line: u32,
    /// Start column (characters).
    pub column: u32,
    /// End line.
    pub end_line: u32,
    /// Column just after the last character.
    pub end_column: u32,
}

impl Range {
    /// The range of a span in a file.
    pub fn of(file: &SourceFile, span: Span) -> Self {
        let start = file.line_col(span.start);
        let end = file.line_col(span.end.max(span.start));
        Range {
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }
}

/// A path as artifact locations want it: forward slashes, relative to the current directory
/// when it lies under it, without a leading `./`.
pub fn portable_path(name: &str) -> String {
    let mut path = name.replace('\\', "/");
    if std::path::Path::new(name).is_absolute() {
        if let Ok(cwd) = std::env::current_dir() {
            if let Ok(rel) = std::path::Path::new(name).strip_prefix(&cwd) {
                path = rel.to_string_lossy().replace('\\', "/");
            }
        }
    }
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    path
}

impl<'a> Located<'a> {
    /// The JSON form.
    pub fn to_json(&self) -> JsonFinding<'a> {
        let (start, end) = self.file.span_positions(self.finding.span);
        JsonFinding {
            path: self.file.name(),
            code: self.finding.rule.code,
            name: self.finding.rule.name,
            category: self.finding.rule.category.as_str(),
            severity: self.finding.severity.as_str(),
            message: &self.finding.message,
            help: self.finding.help.as_deref(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            fix: self.finding.fix.as_ref().map(|fix| JsonFix {
                applicability: fix.applicability.as_str(),
                message: &fix.message,
                edits: fix
                    .edits
                    .iter()
                    .map(|edit| {
                        let range = Range::of(self.file, edit.span);
                        JsonEdit {
                            line: range.line,
                            column: range.column,
                            end_line: range.end_line,
                            end_column: range.end_column,
                            content: &edit.content,
                        }
                    })
                    .collect(),
            }),
        }
    }

    /// The finding's range (exclusive end).
    pub fn range(&self) -> Range {
        Range::of(self.file, self.finding.span)
    }

    /// `path:line:col: CODE message`, with what comes from input escaped.
    pub fn concise(&self) -> String {
        let start = self.file.line_col(self.finding.span.start);
        format!(
            "{}:{}:{}: {} [{}] {}",
            escape_line(self.file.name()),
            start.line,
            start.column,
            self.finding.rule.code,
            self.finding.severity.as_str(),
            escape_line(&self.finding.message)
        )
    }
}

/// Renders findings for people.
pub struct Human {
    handler: Handler,
}

impl Human {
    /// A renderer; colour only on a terminal and when `NO_COLOR` is unset; wrapped at the
    /// terminal's width when given (see [`terminal_width`]), else at a fixed width.
    pub fn new(color: bool, width: Option<usize>) -> Self {
        Self {
            handler: Handler::new(color, width),
        }
    }

    /// Writes the findings of a file.
    pub fn write(
        &self,
        out: &mut impl Write,
        file: &SourceFile,
        findings: &[Finding],
    ) -> std::io::Result<()> {
        if findings.is_empty() {
            return Ok(());
        }
        let source = Source::new(file.name(), file.text_arc());
        for finding in findings {
            let code = format!("{} {}", finding.rule.code, finding.rule.name);
            let fix = finding.fix.as_ref().map(|fix| match fix.applicability {
                Applicability::Safe => format!("fix with `--fix`: {}", fix.message),
                Applicability::Unsafe => {
                    format!("fix with `--fix --unsafe-fixes`: {}", fix.message)
                }
                Applicability::DisplayOnly => format!("suggested fix: {}", fix.message),
            });
            let report = Report {
                source: &source,
                message: &finding.message,
                code: Some(&code),
                severity: Some(match finding.severity {
                    Severity::Error => miette::Severity::Error,
                    Severity::Warning => miette::Severity::Warning,
                    Severity::Note => miette::Severity::Advice,
                }),
                help: finding
                    .help
                    .as_deref()
                    .into_iter()
                    .chain(fix.as_deref())
                    .collect(),
                labels: std::iter::once(Label {
                    span: finding.span.range(),
                    text: None,
                    primary: true,
                })
                .chain(finding.related.iter().map(|(span, text)| Label {
                    span: span.range(),
                    text: Some(text.clone()),
                    primary: false,
                }))
                .collect(),
            };
            // A blank line between findings.
            writeln!(out, "{}", self.handler.render(&report))?;
        }
        Ok(())
    }
}

/// The width of the terminal standard output (or, with `stderr`, standard error) is, when it
/// is one; `None` when it is not (reports are then wrapped at a fixed width, the same
/// everywhere).
pub fn terminal_width(stderr: bool) -> Option<usize> {
    let size = if stderr {
        terminal_size::terminal_size_of(std::io::stderr())
    } else {
        terminal_size::terminal_size_of(std::io::stdout())
    };
    size.map(|(terminal_size::Width(w), _)| usize::from(w))
}

/// Renders an input error at a span of a file, with the snippet, for standard error; the
/// first line always names `path:line:column`.
pub fn render_error(
    file: &SourceFile,
    span: policy_core::Span,
    message: &str,
    help: Option<&str>,
    color: bool,
) -> String {
    let p = file.line_col(span.start);
    let mut s = format!(
        "error: {}:{}:{}: {}\n",
        escape_line(file.name()),
        p.line,
        p.column,
        escape_line(message)
    );
    let source = Source::new(file.name(), file.text_arc());
    let report = Report {
        source: &source,
        message,
        code: None,
        severity: None,
        help: help.into_iter().collect(),
        labels: vec![Label {
            span: span.range(),
            text: None,
            primary: true,
        }],
    };
    s.push_str(&Handler::new(color, terminal_width(true)).render(&report));
    s
}
