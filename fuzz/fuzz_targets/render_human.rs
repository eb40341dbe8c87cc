//! Any text (made into long lines, with control characters) and label spans → the human
//! renderer (`policy_cli::render`, without colour): must never panic, must let no control
//! character but the line feed through (nor a bidirectional override), and no output line may
//! be longer than the window around the labels allows.
//!
//! Input: 12 bytes of header, then the text (lossy UTF-8):
//! - byte 0: how many times the text is repeated (joined with nothing, so a text without
//!   `\n` becomes one long line; at most 256 KiB of text);
//! - bytes 1..5, 5..9: the primary label's start and length, as fractions of the text;
//! - bytes 9..12: a related label's start (as a fraction); bit 0 of byte 11: whether it is
//!   there; bit 1: rendered as for a terminal of `40 + byte 11` columns (narrower windows).
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_cli::render::snippet::{Source, Window};
use policy_cli::render::{Handler, Label, Report};

/// The most text rendered (the repeated input).
const MAX_TEXT: usize = 256 * 1024;

/// The widest line the report may have: two windows around the primary label's start and end
/// (a labelled character may pass its window by its own width, an escape of 8), the cut
/// marks, the gutter (line numbers of up to 7 digits, the bars and the multi-line gutter) and
/// the header (a short name, line and column). Message, help and label texts are short here.
fn max_line(window: Window) -> usize {
    (4 * window.side + 2 * 8 + 3).max(window.whole + 1) + 64
}

/// Characters a terminal acts on: C0 controls but `\n`, DEL, C1 controls (all of
/// `char::is_control`), and the bidirectional embeddings, overrides and isolates.
fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn fraction(bytes: &[u8], of: usize) -> usize {
    let mut b = [0u8; 4];
    b[..bytes.len().min(4)].copy_from_slice(&bytes[..bytes.len().min(4)]);
    let f = u64::from(u32::from_le_bytes(b));
    usize::try_from(f * of as u64 / u64::from(u32::MAX)).unwrap_or(of)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 12 {
        return;
    }
    let (header, body) = data.split_at(12);
    let piece = String::from_utf8_lossy(body);
    if piece.is_empty() {
        return;
    }
    let times = (usize::from(header[0]) + 1).min(MAX_TEXT / piece.len()).max(1);
    let text = piece.repeat(times);
    let start = fraction(&header[1..5], text.len());
    let len = fraction(&header[5..9], text.len() - start);
    let mut labels = vec![Label {
        span: start..start + len,
        text: None,
        primary: true,
    }];
    if header[11] & 1 == 1 {
        let at = (usize::from(u16::from_le_bytes([header[9], header[10]])) * text.len()) >> 16;
        labels.push(Label {
            span: at..at + 1,
            text: Some("related \u{1b}[31m".into()),
            primary: false,
        });
    }
    let source = Source::new("fuzz\u{7}.json", text.as_str());
    let report = Report {
        source: &source,
        message: "a finding \u{1b}]0;pwned\u{7}",
        code: Some("C000 fuzz"),
        severity: Some(miette::Severity::Error),
        help: vec!["help \u{202e}"],
        labels,
    };
    let width = (header[11] & 2 == 2).then(|| 40 + usize::from(header[11]));
    let window = width.map_or(Window::FIXED, Window::for_width);
    let shown = Handler::new(false, width).render(&report);
    if let Some(c) = shown.chars().find(|&c| is_dangerous(c)) {
        panic!("raw {c:?} in the report:\n{shown}");
    }
    // A related label on a line of its own adds no width; on the primary's line, two windows
    // more.
    let bound = if report.labels.len() > 1 {
        max_line(window) + 2 * window.side + 8 + 1
    } else {
        max_line(window)
    };
    for line in shown.lines() {
        let width = line.chars().count();
        assert!(width <= bound, "a line of {width} characters (at most {bound}):\n{line}");
    }
});
