//! The human renderer: a diagnostic with labels on a file, drawn by miette's graphical handler,
//! safe on any input.
//!
//! Every text that comes from input is escaped ([`escape`]), and miette never sees the file: it
//! sees a [`snippet::View`] of the lines the labels need, cut to a window around the labels on
//! long lines, with the real line and column numbers.

pub mod escape;
pub mod snippet;

use std::fmt;
use std::ops::Range;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, Severity};

use self::escape::{escape_line, escape_text};
use self::snippet::{Source, View, Window};

/// The width reports are wrapped at when the output is not a terminal: fixed, so that the
/// output is the same everywhere (miette's own default).
pub const FIXED_WIDTH: usize = 200;

/// Lines of context shown before and after each label.
pub const CONTEXT_LINES: usize = 1;

/// A label: a byte range of the source, with an optional text.
#[derive(Debug, Clone)]
pub struct Label {
    /// The byte range (clamped to the source when shown).
    pub span: Range<usize>,
    /// What it says, if anything (from input: it is escaped when shown).
    pub text: Option<String>,
    /// Whether this is the primary label (the header names its line and column).
    pub primary: bool,
}

/// A diagnostic on a file. Its texts may quote input: they are escaped when shown.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The file.
    pub source: &'a Source,
    /// What is wrong (one line).
    pub message: &'a str,
    /// The code, if any (`C102 unknown-action`).
    pub code: Option<&'a str>,
    /// The severity, if any.
    pub severity: Option<Severity>,
    /// Lines of advice.
    pub help: Vec<&'a str>,
    /// The labels.
    pub labels: Vec<Label>,
}

/// Draws [`Report`]s for people.
#[derive(Debug)]
pub struct Handler {
    graphical: GraphicalReportHandler,
    /// How much of a long line a snippet shows.
    window: Window,
}

impl Handler {
    /// A handler, in colour or not, wrapping its text at `width` columns (the terminal's) or,
    /// with `None`, at [`FIXED_WIDTH`]. On a terminal, snippets of long lines are cut to fit
    /// its width too (a line the terminal wrapped would move the caret away from its label):
    /// see [`Window::for_width`].
    pub fn new(color: bool, width: Option<usize>) -> Self {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let graphical = GraphicalReportHandler::new_themed(theme)
            .with_context_lines(CONTEXT_LINES)
            .with_width(width.unwrap_or(FIXED_WIDTH).max(20));
        let window = width.map_or(Window::FIXED, Window::for_width);
        Self { graphical, window }
    }

    /// The report drawn, ending with a new line. Should miette fail, a plain
    /// `name:line:column: message` line.
    pub fn render(&self, report: &Report<'_>) -> String {
        let spans: Vec<Range<usize>> = report.labels.iter().map(|l| l.span.clone()).collect();
        let (view, shown_spans) = View::new(report.source, &spans, CONTEXT_LINES, self.window);
        let shown = Shown {
            message: escape_line(report.message).into_owned(),
            code: report.code.map(|c| escape_line(c).into_owned()),
            severity: report.severity,
            help: (!report.help.is_empty()).then(|| {
                report
                    .help
                    .iter()
                    .map(|h| escape_text(h))
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            labels: report
                .labels
                .iter()
                .zip(shown_spans)
                .map(|(label, span)| {
                    let text = label.text.as_deref().map(|t| escape_text(t).into_owned());
                    if label.primary {
                        LabeledSpan::new_primary_with_span(text, span)
                    } else {
                        LabeledSpan::new_with_span(text, span)
                    }
                })
                .collect(),
            view,
        };
        let mut out = String::new();
        if self.graphical.render_report(&mut out, &shown).is_err() {
            out = plain_line(report);
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }
}

/// `name:line:column: message`, escaped, at the primary label (the first one, else the start).
fn plain_line(report: &Report<'_>) -> String {
    let offset = report
        .labels
        .iter()
        .find(|l| l.primary)
        .or(report.labels.first())
        .map_or(0, |l| l.span.start);
    let text = report.source.text();
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    format!(
        "{}:{line}:{column}: {}\n",
        escape_line(report.source.name()),
        escape_line(report.message)
    )
}

/// A report with its texts escaped and its labels on the view, as miette reads it.
struct Shown {
    message: String,
    code: Option<String>,
    severity: Option<Severity>,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    view: View,
}

impl fmt::Debug for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown {}

impl Diagnostic for Shown {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<Severity> {
        self.severity
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.view)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::escape::is_unsafe;
    use super::*;

    /// Text of many lines, some long, with every kind of character the renderer treats apart.
    fn any_text() -> impl Strategy<Value = String> {
        let c = prop_oneof![
            10 => proptest::char::range('a', 'z'),
            2 => Just(' '),
            2 => Just('\n'),
            1 => Just('\r'),
            1 => Just('\t'),
            1 => proptest::char::range('\0', '\u{1f}'),
            1 => proptest::char::range('\u{7f}', '\u{9f}'),
            1 => proptest::sample::select(vec!['\u{202e}', '\u{2066}', 'é', '日', '\u{301}']),
        ];
        prop_oneof![
            proptest::collection::vec(c.clone(), 0..300),
            proptest::collection::vec(c, 0..3000),
        ]
        .prop_map(|chars| chars.into_iter().collect())
    }

    #[test]
    fn on_a_terminal_snippets_fit_its_width() {
        let line = format!("{}\"s3:GetObjectt\"{}", "x".repeat(300), "y".repeat(300));
        let source = Source::new("p.json", line.as_str());
        let start = line.find('"').unwrap();
        let report = Report {
            source: &source,
            message: "`s3:GetObjectt` is not an action of service `s3`",
            code: Some("C102 unknown-action"),
            severity: Some(Severity::Error),
            help: vec![],
            labels: vec![Label {
                span: start..start + 15,
                text: None,
                primary: true,
            }],
        };
        for width in [60, 80, 120] {
            let shown = Handler::new(false, Some(width)).render(&report);
            assert!(shown.contains("\"s3:GetObjectt\""), "{shown}");
            for l in shown.lines() {
                assert!(l.chars().count() <= width, "{width}: {l:?}");
            }
        }
        // Not on a terminal: the fixed window.
        let shown = Handler::new(false, None).render(&report);
        let longest = shown.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(longest > 2 * snippet::WINDOW, "{shown}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn any_report_renders_safely_with_the_real_position(
            text in any_text(),
            start in 0.0f64..=1.0,
            len in 0usize..400,
            related in proptest::option::of(0.0f64..=1.0),
        ) {
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "an offset anywhere in the text"
            )]
            let at = |f: f64| (f * text.len() as f64) as usize;
            let source = Source::new("p\u{1b}.json", text.as_str());
            let start = at(start);
            let mut labels = vec![Label { span: start..start + len, text: None, primary: true }];
            if let Some(r) = related {
                labels.push(Label {
                    span: at(r)..at(r) + 1,
                    text: Some("other \u{7}".into()),
                    primary: false,
                });
            }
            let report = Report {
                source: &source,
                message: "a message \u{1b}[31m",
                code: Some("C000 code"),
                severity: Some(Severity::Error),
                help: vec!["help"],
                labels,
            };
            let shown = Handler::new(false, None).render(&report);
            prop_assert!(!shown.chars().any(|c| is_unsafe(c) && c != '\n'), "{shown}");
            let longest = shown.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            prop_assert!(longest <= 4 * snippet::WINDOW + 16 + 64, "{longest}: {shown}");
            // The header names the label's real line and column, as every other format does.
            let mut start = start.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let file = policy_core::SourceFile::new("p.json", text.as_str());
            let p = file.line_col(u32::try_from(start).unwrap());
            prop_assert!(
                shown.contains(&format!("[p␛.json:{}:{}]", p.line, p.column)),
                "{}:{} {shown}", p.line, p.column
            );
        }
    }
}
