//! What miette is given to show a snippet: never the file itself, but a *view* of the lines the
//! labels need, each escaped and, when long, cut to a window around the labels.
//!
//! Why: miette 7.6's graphical handler lays out the caret line with `format!("{:width$}", ..)`,
//! and Rust's formatting panics on a width above `u16::MAX` ("Formatting argument out of
//! range"), so any label past column 65,535 of a line (a minified policy or template) panicked
//! the whole report. It also prints every line of the snippet whole, and raw: a 200 KB line
//! floods the terminal, and a control character in the file reaches the terminal (a lone `\r`
//! even stays inside the line). A view bounds all of that where it starts:
//!
//! - only the lines around the labels are in the view (blocks of contiguous lines, joined when
//!   at most a few lines apart); a line is
//!   cut by `\n` only (a `\r` before it belongs to the line break), as [`policy_core::SourceFile`]
//!   counts lines, so the numbers shown are those of every other format;
//! - a line that shows longer than a [`Window`]'s `whole` characters (240) keeps `side`
//!   characters (120) each side of every label start and end on it (its first `whole` when no
//!   label starts or ends on it), with `…` where it was cut;
//! - unsafe characters are shown escaped (see [`super::escape`]), and the labels are moved to
//!   the escaped text, so the caret stays under the character it points at. Tabs stay tabs:
//!   miette expands them to its tab stops in the line and the caret line alike;
//! - the line and column miette prints in the header are the real ones (1-based; the column
//!   counts characters, as [`policy_core::SourceFile::line_col`]).

use std::ops::Range;
use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::escape::{escape_line, is_unsafe, push_shown, shown_len};

/// Characters kept each side of a label's start or end on a long line.
pub const WINDOW: usize = 120;

/// How much of a long line a snippet shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Characters kept each side of a label's start or end.
    pub side: usize,
    /// Lines that show at most this many characters are shown whole.
    pub whole: usize,
}

impl Window {
    /// When the output is not a terminal: [`WINDOW`] each side, lines of up to twice that
    /// whole.
    pub const FIXED: Window = Window {
        side: WINDOW,
        whole: 2 * WINDOW,
    };

    /// For a terminal `width` columns wide: lines that fit beside the gutter are shown whole;
    /// a longer line keeps a quarter of that each side of a label's ends (so that a label
    /// with its windows fits), never more than [`Window::FIXED`].
    pub fn for_width(width: usize) -> Window {
        // The gutter (line numbers and bars) and the cut marks.
        let room = width.saturating_sub(12);
        Window {
            side: (room / 4).clamp(8, WINDOW),
            whole: room.clamp(16, 2 * WINDOW),
        }
    }
}

/// Where a line was cut.
pub const CUT: char = '…';

/// Labels whose snippets are at most this many lines apart share one snippet, with the lines
/// between them.
const MERGE_GAP: usize = 3;

/// How many columns a tab may take: miette's tab width.
const TAB_COST: usize = 4;

/// A file to show snippets of: its name, text and where its lines start. Build it once per
/// file; cloning it is cheap.
#[derive(Debug, Clone)]
pub struct Source {
    name: Arc<str>,
    text: Arc<str>,
    /// The start of every line but the first: just after each `\n`.
    line_starts: Arc<[usize]>,
}

impl Source {
    /// Indexes the lines of a text.
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let line_starts = text.match_indices('\n').map(|(i, _)| i + 1).collect();
        Self {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// The name, as given (not escaped).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The 0-based line that holds a byte offset (at most the text's length).
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset)
    }

    /// Where a line starts.
    fn line_start(&self, line: usize) -> usize {
        match line.checked_sub(1) {
            None => 0,
            Some(i) => self.line_starts.get(i).copied().unwrap_or(self.text.len()),
        }
    }

    /// The index of the last line (the one after a final `\n` is a line, empty).
    fn last_line(&self) -> usize {
        self.line_starts.len()
    }

    /// A line's content, without its line break (`\n`, or `\r\n`), and whether one follows.
    fn line(&self, line: usize) -> (Range<usize>, bool) {
        let start = self.line_start(line);
        match self.line_starts.get(line) {
            Some(&next) => {
                let mut end = next.saturating_sub(1).max(start);
                if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') {
                    end -= 1;
                }
                (start..end, true)
            }
            None => (start..self.text.len(), false),
        }
    }

    /// The largest char boundary at or before `offset`, within the text.
    fn floor(&self, offset: usize) -> usize {
        let mut i = offset.min(self.text.len());
        while !self.text.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

/// What a character costs in a window: the characters it is shown as (a tab: as many columns
/// as it may take).
fn cost(c: char) -> usize {
    if c == '\t' {
        TAB_COST
    } else if is_unsafe(c) {
        shown_len(c)
    } else {
        1
    }
}

/// The shown form of one line (no line break in `content`): escaped, and cut to windows of
/// `window.side` characters each side of each point when it would show longer than
/// `window.whole` (to its first `window.whole` characters when there is no point). `points` are byte offsets
/// into `content`, sorted (offsets past its end or inside a character count as the end, or
/// that character). Returns the text and, for each point, its byte offset in the text.
///
/// A point lies inside the window around it, so the text at its offset is the shown form of
/// the character at the point (or the end of the text, for a point at the end of the line).
pub fn window_line(content: &str, points: &[usize], window: Window) -> (String, Vec<usize>) {
    let len = content.len();
    let whole = content
        .chars()
        .try_fold(0usize, |total, c| {
            let total = total + cost(c);
            (total <= window.whole).then_some(total)
        })
        .is_some();
    let mut segments: Vec<Range<usize>> = Vec::new();
    if whole {
        segments.push(0..len);
    } else if points.is_empty() {
        segments.push(0..take_forward(content, 0, window.whole));
    } else {
        for &p in points {
            let p = floor(content, p);
            let start = take_backward(content, p, window.side);
            let end = take_forward(content, p, window.side);
            match segments.last_mut() {
                Some(last) if start <= last.end => last.end = last.end.max(end),
                _ => segments.push(start..end),
            }
        }
    }

    let mut out = String::with_capacity(segments.iter().map(|s| s.len() + 2).sum::<usize>());
    let mut offsets = Vec::with_capacity(points.len());
    let mut next_point = points.iter().map(|&p| floor(content, p)).peekable();
    let mut shown_to = 0;
    for segment in &segments {
        if segment.start > shown_to {
            out.push(CUT);
        }
        let text = content.get(segment.clone()).unwrap_or_default();
        for (i, c) in text.char_indices() {
            while next_point.next_if(|&p| p <= segment.start + i).is_some() {
                offsets.push(out.len());
            }
            if c == '\t' {
                out.push(c);
            } else {
                push_shown(&mut out, c);
            }
        }
        while next_point.next_if(|&p| p <= segment.end).is_some() {
            offsets.push(out.len());
        }
        shown_to = segment.end;
    }
    if shown_to < len {
        out.push(CUT);
    }
    // Points in no segment (there are none when the points are sorted): the end.
    offsets.resize(points.len(), out.len());
    (out, offsets)
}

/// The largest char boundary at or before `offset`, within `s`.
fn floor(s: &str, offset: usize) -> usize {
    let mut i = offset.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The end of the longest run of characters from `from` that costs at most `budget`, or of its
/// first character, whatever it costs (the character a label starts at is always shown).
fn take_forward(s: &str, from: usize, budget: usize) -> usize {
    let mut spent = 0;
    let rest = s.get(from..).unwrap_or_default();
    for (i, c) in rest.char_indices() {
        spent += cost(c);
        if spent > budget && i > 0 {
            return from + i;
        }
    }
    s.len()
}

/// The start of the longest run of characters up to `to` that costs at most `budget`.
fn take_backward(s: &str, to: usize, budget: usize) -> usize {
    let mut spent = 0;
    let mut start = to;
    for (i, c) in s.get(..to).unwrap_or_default().char_indices().rev() {
        spent += cost(c);
        if spent > budget {
            break;
        }
        start = i;
    }
    start
}

/// Contiguous lines of the view.
#[derive(Debug)]
struct Block {
    /// Where the block starts in the view's offsets.
    start: usize,
    /// The real (0-based) line of its first line.
    first_line: usize,
    /// The shown lines, each ended by `\n` (the last one when a line followed it in the file).
    text: String,
}

/// The lines of a file that some labels need, shown safely (see the module documentation),
/// as a miette source. Its offsets are its own: [`View::new`] gives the labels' spans in them.
#[derive(Debug)]
pub struct View {
    /// The file name, escaped.
    name: String,
    blocks: Vec<Block>,
    /// View offset of a label's start → its real line and column (0-based, characters),
    /// sorted by offset.
    anchors: Vec<(usize, usize, usize)>,
}

impl View {
    /// The view of the lines that `spans` (byte ranges of the source, clamped to it) need, with
    /// `context` lines before and after each, and the spans in the view's offsets, in order.
    pub fn new(
        source: &Source,
        spans: &[Range<usize>],
        context: usize,
        window: Window,
    ) -> (Self, Vec<Range<usize>>) {
        let text = source.text();
        let last = source.last_line();
        // Each span's clamped ends and lines.
        let spans: Vec<(usize, usize)> = spans
            .iter()
            .map(|s| {
                let start = source.floor(s.start);
                (start, source.floor(s.end).max(start))
            })
            .collect();
        // Lines needed, merged into blocks of contiguous lines.
        let mut needed: Vec<(usize, usize)> = spans
            .iter()
            .map(|&(start, end)| {
                let (first, last_of_span) = (source.line_of(start), source.line_of(end));
                (
                    first.saturating_sub(context),
                    last_of_span.saturating_add(context).min(last),
                )
            })
            .collect();
        needed.sort_unstable();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for (first, last) in needed {
            match ranges.last_mut() {
                Some(r) if first <= r.1.saturating_add(1 + MERGE_GAP) => r.1 = r.1.max(last),
                _ => ranges.push((first, last)),
            }
        }
        // Every span end, as (line, offset on the line's content).
        let mut points: Vec<(usize, usize)> = spans
            .iter()
            .flat_map(|&(start, end)| [start, end])
            .map(|offset| {
                let line = source.line_of(offset);
                (line, offset.min(source.line(line).0.end))
            })
            .collect();
        points.sort_unstable();
        points.dedup();

        // Real offset (clamped to its line's content) → view offset.
        let mut moved: Vec<(usize, usize)> = Vec::with_capacity(points.len());
        let mut blocks = Vec::with_capacity(ranges.len());
        let mut view_len = 0;
        for (first, last) in ranges {
            let mut block = String::new();
            for line in first..=last {
                let (content, broken) = source.line(line);
                let on_line_from = points.partition_point(|&(l, _)| l < line);
                let on_line_to = points.partition_point(|&(l, _)| l <= line);
                let on_line: Vec<usize> = points
                    .get(on_line_from..on_line_to)
                    .unwrap_or_default()
                    .iter()
                    .map(|&(_, offset)| offset - content.start)
                    .collect();
                let (shown, offsets) = window_line(
                    text.get(content.clone()).unwrap_or_default(),
                    &on_line,
                    window,
                );
                for (p, o) in on_line.iter().zip(offsets) {
                    moved.push((content.start + p, view_len + block.len() + o));
                }
                block.push_str(&shown);
                if broken {
                    block.push('\n');
                }
            }
            blocks.push(Block {
                start: view_len,
                first_line: first,
                text: block,
            });
            // One offset between blocks, so that no span reaches from one into the next.
            view_len = blocks.last().map_or(0, |b| b.start + b.text.len() + 1);
        }
        moved.sort_unstable();
        let to_view = |offset: usize| {
            let line = source.line_of(offset);
            let clamped = offset.min(source.line(line).0.end);
            moved
                .binary_search_by_key(&clamped, |&(real, _)| real)
                .ok()
                .and_then(|i| moved.get(i))
                .map_or(0, |&(_, view)| view)
        };
        let mut anchors = Vec::with_capacity(spans.len());
        let mut shown_spans = Vec::with_capacity(spans.len());
        for &(start, end) in &spans {
            let (view_start, view_end) = (to_view(start), to_view(end));
            let line = source.line_of(start);
            let column = text
                .get(source.line_start(line)..start)
                .map_or(0, |s| s.chars().count());
            anchors.push((view_start, line, column));
            shown_spans.push(view_start..view_end.max(view_start));
        }
        anchors.sort_unstable();
        anchors.dedup_by_key(|a| a.0);
        (
            View {
                name: escape_line(source.name()).into_owned(),
                blocks,
                anchors,
            },
            shown_spans,
        )
    }

    /// The shown text of the view's blocks, one after the other (for tests and fuzzing).
    pub fn shown(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().map(|b| b.text.as_str())
    }
}

impl SourceCode for View {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let end = span.offset() + span.len();
        // A span reaching from one block into another cannot be shown as one snippet: miette
        // then shows the labels' snippets apart.
        let block = self
            .blocks
            .iter()
            .find(|b| b.start <= span.offset() && end <= b.start + b.text.len())
            .ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new((span.offset() - block.start).into(), span.len());
        let contents =
            block
                .text
                .as_str()
                .read_span(&local, context_lines_before, context_lines_after)?;
        let column = if context_lines_before == 0 {
            // Only the header asks with no context: the label's real column.
            self.anchors
                .binary_search_by_key(&span.offset(), |a| a.0)
                .ok()
                .and_then(|i| self.anchors.get(i))
                .map_or(contents.column(), |a| a.2)
        } else {
            contents.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            SourceSpan::new(
                (contents.span().offset() + block.start).into(),
                contents.span().len(),
            ),
            contents.line() + block.first_line,
            column,
            contents.line_count() + block.first_line,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_line_is_shown_whole_and_escaped() {
        let (shown, at) = window_line("ab\u{1b}[31mc\u{202e}d", &[0, 2, 7, 8, 11], Window::FIXED);
        assert_eq!(shown, "ab␛[31mc\\u{202e}d");
        // Each point is at the shown form of its character.
        assert_eq!(at.len(), 5);
        assert!(shown[at[0]..].starts_with('a'));
        assert!(shown[at[1]..].starts_with('␛'));
        assert!(shown[at[2]..].starts_with('c'));
        assert!(shown[at[3]..].starts_with("\\u{202e}"));
        assert!(shown[at[4]..].starts_with('d'));
    }

    const TEN: Window = Window {
        side: 10,
        whole: 20,
    };

    #[test]
    fn a_long_line_is_cut_around_each_point() {
        let line = format!(
            "{}X{}Y{}",
            "a".repeat(1000),
            "b".repeat(1000),
            "c".repeat(1000)
        );
        let x = line.find('X').unwrap();
        let y = line.find('Y').unwrap();
        let (shown, at) = window_line(&line, &[x, y], TEN);
        assert_eq!(
            shown,
            format!(
                "…{}X{}…{}Y{}…",
                "a".repeat(10),
                "b".repeat(9),
                "b".repeat(10),
                "c".repeat(9)
            )
        );
        assert!(shown[at[0]..].starts_with('X'));
        assert!(shown[at[1]..].starts_with('Y'));
        // No point: the start of the line.
        let (shown, _) = window_line(&line, &[], TEN);
        assert_eq!(shown, format!("{}…", "a".repeat(20)));
        // A point at the end.
        let (shown, at) = window_line(&line, &[line.len()], TEN);
        assert_eq!(shown, format!("…{}", "c".repeat(10)));
        assert_eq!(at, [shown.len()]);
    }

    #[test]
    fn the_view_holds_the_needed_lines_with_their_real_numbers() {
        let text = "l0\nl1\r\nl2 \u{7}\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\n";
        let source = Source::new("f\u{1b}.json", text);
        let c = text.find('\u{7}').unwrap();
        let l9 = text.find("l9").unwrap();
        let (view, spans) = View::new(&source, &[c..c + 1, l9..l9 + 2], 1, Window::FIXED);
        let blocks: Vec<&str> = view.shown().collect();
        assert_eq!(blocks, ["l1\nl2 ␇\nl3\n", "l8\nl9\nl10\n"]);
        assert_eq!(view.name, "f␛.json");
        let header = view.read_span(&(spans[0].start, 3).into(), 0, 0).unwrap();
        assert_eq!((header.line(), header.column()), (2, 3));
        assert_eq!(header.name(), Some("f␛.json"));
        let header = view.read_span(&(spans[1].start, 2).into(), 0, 0).unwrap();
        assert_eq!((header.line(), header.column()), (9, 0));
        // With context: the block's lines, numbered as in the file.
        let context = view.read_span(&(spans[1].start, 2).into(), 1, 1).unwrap();
        assert_eq!(context.data(), b"l8\nl9\nl10\n");
        assert_eq!(context.line(), 8);
        // No snippet reaches across blocks.
        assert!(view
            .read_span(
                &(spans[0].start, spans[1].end - spans[0].start).into(),
                1,
                1
            )
            .is_err());
        // Labels a few lines apart share a block.
        let l5 = text.find("l5").unwrap();
        let (view, _) = View::new(&source, &[c..c + 1, l5..l5 + 2], 1, Window::FIXED);
        assert_eq!(view.shown().count(), 1);
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::render::escape::escape_line;

    /// Characters of every kind the window and the escaping treat apart.
    fn any_char() -> impl Strategy<Value = char> {
        prop_oneof![
            8 => proptest::char::range('a', 'z'),
            2 => Just(' '),
            1 => Just('\t'),
            1 => Just('\u{1b}'),
            1 => proptest::char::range('\0', '\u{1f}'),
            1 => proptest::char::range('\u{7f}', '\u{9f}'),
            1 => proptest::sample::select(vec!['\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}']),
            1 => proptest::sample::select(vec!['é', '日', '\u{301}', '\u{fffd}', '😀']),
        ]
    }

    /// A line (no `\n`), sometimes long.
    fn any_line() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::collection::vec(any_char().prop_filter("a line", |c| *c != '\n'), 0..80),
            proptest::collection::vec(any_char().prop_filter("a line", |c| *c != '\n'), 0..2000),
        ]
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_window_holds_each_labelled_character_and_is_bounded(
            line in any_line(),
            fractions in proptest::collection::vec(0.0f64..=1.0, 0..4),
            window in prop_oneof![
                (1usize..40, 0usize..100).prop_map(|(side, whole)| Window { side, whole }),
                Just(Window::FIXED),
                (0usize..300).prop_map(Window::for_width),
            ],
        ) {
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                reason = "a point anywhere in the line"
            )]
            let mut points: Vec<usize> = fractions
                .iter()
                .map(|f| floor(&line, (f * line.len() as f64) as usize))
                .collect();
            points.sort_unstable();
            let (shown, offsets) = window_line(&line, &points, window);
            // No control character survives but tabs, which miette expands.
            prop_assert!(
                !shown.chars().any(|c| is_unsafe(c) && c != '\t'),
                "{shown:?}"
            );
            // Each labelled character is shown at its offset, escaped.
            prop_assert_eq!(offsets.len(), points.len());
            for (&p, &o) in points.iter().zip(&offsets) {
                match line[p..].chars().next() {
                    Some(c) => {
                        let mut expected = String::new();
                        if c == '\t' {
                            expected.push(c);
                        } else {
                            push_shown(&mut expected, c);
                        }
                        prop_assert!(
                            shown[o..].starts_with(&expected),
                            "{line:?} {p} -> {shown:?} {o}"
                        );
                    }
                    None => prop_assert_eq!(o, shown.len()),
                }
            }
            // Bounded: 2 × window per point (a tab as its widest; the labelled character may
            // pass the window by its own width), plus the cut marks.
            let width: usize = shown.chars().map(|c| if c == '\t' { TAB_COST } else { 1 }).sum();
            let mut distinct = points.clone();
            distinct.dedup();
            let bound = ((2 * window.side + 8) * distinct.len().max(1) + distinct.len() + 1)
                .max(window.whole + 1);
            prop_assert!(width <= bound, "{width} > {bound}: {shown:?}");
            // A line short enough is shown whole.
            if line.chars().map(cost).sum::<usize>() <= window.whole {
                prop_assert_eq!(shown, escape_line(&line).replace('␉', "\t"));
            }
        }

        #[test]
        fn escaping_leaves_no_control_character(
            text in proptest::collection::vec(any_char(), 0..200)
                .prop_map(|chars| chars.into_iter().collect::<String>()),
        ) {
            let line = crate::render::escape::escape_line(&text);
            prop_assert!(!line.chars().any(is_unsafe), "{line:?}");
            let kept = crate::render::escape::escape_text(&text);
            prop_assert!(!kept.chars().any(|c| is_unsafe(c) && c != '\n'), "{kept:?}");
            prop_assert_eq!(kept.matches('\n').count(), text.matches('\n').count());
            // Safe text is left alone.
            if !text.chars().any(is_unsafe) {
                prop_assert_eq!(line.as_ref(), text.as_str());
            }
        }
    }
}
