//! A file as miette reads snippets from it, without rescanning it for every label.
//!
//! miette's reading of a `str` (`context_info` in its `source_impls.rs`, 7.6) walks the text
//! from its first byte to the label, counting lines, for every label of every finding: for a
//! file with many findings, most of the time of the human report. [`LinedSource`] knows where
//! the lines start, resumes that same walk at the start of the label's line in the state the
//! walk has there, and so returns the same snippet, line and column.

use std::collections::VecDeque;
use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// A file's text with the offsets where its lines start, as miette counts lines: after each
/// `\n`, `\r\n` or lone `\r`.
#[derive(Debug, Clone)]
pub struct LinedSource {
    text: Arc<str>,
    /// The start of every line but the first, in order.
    line_starts: Arc<[usize]>,
}

impl LinedSource {
    /// Indexes the lines of a text.
    pub fn new(text: Arc<str>) -> Self {
        let bytes = text.as_bytes();
        let line_starts: Arc<[usize]> = if text.contains('\r') {
            let mut starts = Vec::new();
            let mut i = 0;
            while let Some(&b) = bytes.get(i) {
                i += 1;
                if b == b'\r' && bytes.get(i) == Some(&b'\n') {
                    i += 1;
                }
                if b == b'\r' || b == b'\n' {
                    starts.push(i);
                }
            }
            starts.into()
        } else {
            text.match_indices('\n').map(|(i, _)| i + 1).collect()
        };
        Self { text, line_starts }
    }

    /// Where line `line` (0-based) starts.
    fn line_start(&self, line: usize) -> usize {
        match line.checked_sub(1) {
            None => 0,
            Some(i) => self.line_starts.get(i).copied().unwrap_or(self.text.len()),
        }
    }
}

impl SourceCode for LinedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let input = self.text.as_bytes();
        // Up to the start of the line that holds the span's first byte (or, for an empty span,
        // the byte before it), miette's walk only counts lines and remembers where the last
        // `context_lines_before` started: resume it there.
        let threshold = (span.offset() + span.len()).saturating_sub(1);
        let resume_before = span.offset().min(threshold);
        let lines_before = self.line_starts.partition_point(|&s| s <= resume_before);
        let kept = lines_before.min(context_lines_before);
        let resume = self.line_start(lines_before);

        // From here on, miette's walk as it is.
        let mut offset = resume;
        let mut line_count = lines_before;
        let mut start_line = lines_before - kept;
        let mut start_column = 0usize;
        let mut before_lines_starts: VecDeque<usize> = (lines_before - kept..lines_before)
            .map(|line| self.line_start(line))
            .collect();
        let mut current_line_start = resume;
        let mut end_lines = 0usize;
        let mut post_span = false;
        let mut post_span_got_newline = false;
        let mut iter = input
            .get(resume..)
            .unwrap_or_default()
            .iter()
            .copied()
            .peekable();
        while let Some(char) = iter.next() {
            if matches!(char, b'\r' | b'\n') {
                line_count += 1;
                if char == b'\r' && iter.next_if_eq(&b'\n').is_some() {
                    offset += 1;
                }
                if offset < span.offset() {
                    // Before the start of the span.
                    start_column = 0;
                    before_lines_starts.push_back(current_line_start);
                    if before_lines_starts.len() > context_lines_before {
                        start_line += 1;
                        before_lines_starts.pop_front();
                    }
                } else if offset >= span.offset() + span.len().saturating_sub(1) && post_span {
                    // After the end of the span.
                    start_column = 0;
                    if post_span_got_newline {
                        end_lines += 1;
                    } else {
                        post_span_got_newline = true;
                    }
                    if end_lines >= context_lines_after {
                        offset += 1;
                        break;
                    }
                }
                current_line_start = offset + 1;
            } else if offset < span.offset() {
                start_column += 1;
            }
            if offset >= threshold {
                post_span = true;
                if end_lines >= context_lines_after {
                    offset += 1;
                    break;
                }
            }
            offset += 1;
        }

        if offset < threshold {
            return Err(MietteError::OutOfBounds);
        }
        let starting_offset = before_lines_starts.front().copied().unwrap_or({
            if context_lines_before == 0 {
                span.offset()
            } else {
                0
            }
        });
        let data = input
            .get(starting_offset..offset)
            .ok_or(MietteError::OutOfBounds)?;
        Ok(Box::new(MietteSpanContents::new(
            data,
            (starting_offset, offset - starting_offset).into(),
            start_line,
            if context_lines_before == 0 {
                start_column
            } else {
                0
            },
            line_count,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What miette's own reading gives and this one's, for every span of a text.
    fn agree(text: &str) {
        let lined = LinedSource::new(Arc::from(text));
        let parts = |c: Box<dyn SpanContents<'_> + '_>| {
            (
                c.data().to_vec(),
                *c.span(),
                c.line(),
                c.column(),
                c.line_count(),
            )
        };
        for start in 0..=text.len() {
            for len in 0..=(text.len() + 1 - start).min(6) {
                for (before, after) in [(0, 0), (1, 1), (2, 0), (0, 2), (3, 3)] {
                    let span = SourceSpan::from((start, len));
                    let ours = lined.read_span(&span, before, after).map(parts);
                    let theirs = text.read_span(&span, before, after).map(parts);
                    match (ours, theirs) {
                        (Ok(a), Ok(b)) => {
                            assert_eq!(a, b, "{text:?} {start} {len} {before} {after}");
                        }
                        (Err(_), Err(_)) => {}
                        (a, b) => panic!("{text:?} {start} {len} {before} {after}: {a:?} {b:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn reads_the_same_snippets_as_miette() {
        agree("");
        agree("x");
        agree("{\n  \"a\": 1\n}\n");
        agree("a\r\nb\rc\n\r\nd\r\r\ne\n\n");
        agree("\n\n\nabc\ndef");
        agree("é\nçà\r\nü");
    }
}
