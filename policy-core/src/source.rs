//! Source text, byte spans and line/column positions.

use std::sync::{Arc, OnceLock};

/// A half-open byte range `start..end` into a source text.
///
/// Spans are `u32`: a policy document (or template) over 4 GiB is refused by the readers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets; offsets past `u32::MAX` saturate.
    pub fn new(start: usize, end: usize) -> Self {
        Self {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The span that covers both `self` and `other`.
    #[must_use]
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// Whether the span covers no byte.
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// The byte range, for slicing the source text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new((span.start as usize).into(), span.len())
    }
}

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    /// Line number, from 1.
    pub line: u32,
    /// Column number in characters, from 1.
    pub column: u32,
}

/// A named source text with a line index, shared cheaply between diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    name: Arc<str>,
    text: Arc<str>,
    /// Built on first use: most files have no finding to place.
    index: Arc<OnceLock<LineIndex>>,
}

/// Bytes per block of [`LineIndex::chars_before`].
const BLOCK: usize = 256;

/// Where lines start, and how to count characters without scanning from a line's start (on a
/// file written on one line, that scan made every position cost the length of the file).
#[derive(Debug)]
struct LineIndex {
    /// The byte offset of each line's start.
    line_starts: Vec<u32>,
    /// The number of characters before each [`BLOCK`]-byte block; `None` when the text is
    /// ASCII (then characters are bytes).
    chars_before: Option<Vec<u32>>,
}

/// The number of characters that start in `bytes` (UTF-8: the bytes that are not
/// continuation bytes).
fn char_starts(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(
                memchr::memchr_iter(b'\n', text.as_bytes())
                    .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            )
            .collect();
        let chars_before = (!text.is_ascii()).then(|| {
            let mut before = 0usize;
            let mut counts: Vec<u32> = text
                .as_bytes()
                .chunks(BLOCK)
                .map(|block| {
                    let here = u32::try_from(before).unwrap_or(u32::MAX);
                    before += char_starts(block);
                    here
                })
                .collect();
            // The count at the end, for an offset at the end of a text of whole blocks.
            counts.push(u32::try_from(before).unwrap_or(u32::MAX));
            counts
        });
        LineIndex {
            line_starts,
            chars_before,
        }
    }

    /// The number of characters of `text` before byte `offset`, a character boundary.
    fn chars_to(&self, text: &str, offset: usize) -> usize {
        let Some(chars_before) = &self.chars_before else {
            return offset;
        };
        let block = offset / BLOCK;
        let counted = chars_before.get(block).map_or(0, |&n| n as usize);
        counted
            + text
                .as_bytes()
                .get(block * BLOCK..offset)
                .map_or(0, char_starts)
    }
}

impl SourceFile {
    /// A source file from its display name and text.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
            index: Arc::new(OnceLock::new()),
        }
    }

    fn index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// The display name (usually a path).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The shared text.
    pub fn text_arc(&self) -> Arc<str> {
        Arc::clone(&self.text)
    }

    /// The text a span covers, or `""` when the span is out of range.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The 1-based line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
        let index = self.index();
        let line_starts = &index.line_starts;
        let line_index = match line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = line_starts.get(line_index).copied().unwrap_or(0);
        let mut start = line_start as usize;
        let mut end = offset as usize;
        // A span may point inside a multi-byte character only if given one; round down.
        while end > start && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        if !self.text.is_char_boundary(start) {
            start = end;
        }
        // Characters, counted with the index (not by scanning the line from its start).
        let column = index
            .chars_to(&self.text, end)
            .saturating_sub(index.chars_to(&self.text, start));
        LineCol {
            line: u32::try_from(line_index + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// Start and end positions of a span; the end is inclusive of the last character.
    pub fn span_positions(&self, span: Span) -> (LineCol, LineCol) {
        let start = self.line_col(span.start);
        let end = if span.is_empty() {
            start
        } else {
            let mut last = span.end as usize - 1;
            while last > span.start as usize && !self.text.is_char_boundary(last) {
                last -= 1;
            }
            self.line_col(u32::try_from(last).unwrap_or(u32::MAX))
        };
        (start, end)
    }

    /// This file as a miette source, for diagnostics.
    pub fn to_named_source(&self) -> miette::NamedSource<String> {
        miette::NamedSource::new(&self.name, self.text.to_string()).with_language("json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("a", "ab\nçd\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // `d` is at byte 5 (ç is two bytes) and column 2.
        assert_eq!(f.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(f.line_col(99), LineCol { line: 3, column: 1 });
    }

    /// The column the slow way: the characters from the line's start.
    fn column_by_scanning(text: &str, offset: usize) -> usize {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        text[start..end].chars().count() + 1
    }

    proptest::proptest! {
        #[test]
        fn columns_count_characters_across_blocks(
            text in "[aé\n€😀]{0,40}[a-z\n]{0,600}[é€]{0,3}",
            whole_blocks: bool,
            offsets in proptest::collection::vec(0usize..1000, 1..20),
        ) {
            // Also texts of whole blocks, whose end is where a block would start.
            let mut text = text;
            if whole_blocks {
                while text.len() % BLOCK != 0 {
                    text.push('a');
                }
            }
            let f = SourceFile::new("a", text.as_str());
            for offset in offsets {
                let at = f.line_col(u32::try_from(offset).unwrap());
                proptest::prop_assert_eq!(at.column as usize, column_by_scanning(&text, offset));
            }
        }
    }
}
