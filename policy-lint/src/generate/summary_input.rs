//! Reading a summary: the result of the scale path's query ([`super::sql`]) instead of the
//! events themselves.
//!
//! A summary has one row per distinct combination of what the generator reads from an event
//! ([`SUMMARY_COLUMNS`]), with the number of calls (`calls`) and the first and last event time
//! (`first_seen`, `last_seen`). Each row becomes the [`Event`] the CloudTrail reader would have
//! parsed from any of those calls, and goes to a [`SummarySink`] with its count and times (for
//! the [`Aggregator`], [`Aggregator::event_weighted`]); the policies are then the same as from
//! the events.
//!
//! Formats (the content decides; gzip or not):
//! - CSV with a header, as Athena writes query results: every value quoted, `""` an empty
//!   text, an unquoted empty field NULL. The header must name every column but `denied`; its
//!   order is free and other columns are ignored.
//! - A JSON array of row objects, or one row object per line (NDJSON), as DuckDB's
//!   `COPY … (FORMAT json)` writes them. A missing key or `null` is NULL; the JSON columns
//!   (`request_parameters`, `response_elements`, `resource_arns`) may be JSON text in a string
//!   or the JSON value itself.
//!
//! Nested JSON keeps its values, not its spelling: whitespace and key order may differ from the
//! events (the generator parses it). `denied` is not read: the generator decides from
//! `error_code`, with `--include-denied`.
//!
//! A bad row (a value that cannot be read, a field count that differs from the header, broken
//! CSV quoting or JSON) is reported with its file, row, line and column, and reading goes on.
//! What makes the whole summary unusable (a header without the columns, a time window, which
//! the query applies) is an error.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;
use std::sync::Arc;

use serde_json::value::RawValue;

use super::aggregate::{Activity, Aggregator, Selection};
use super::cloudtrail::{
    Event, EventResource, Input, InputProblem, InputStats, Position, SessionAttributes,
    SessionContext, SessionIssuer, Sink, UserIdentity,
};
use super::split::{describe_read_error, Item, ProblemKind, RecordReader, DEFAULT_MAX_RECORD};
use super::sql::SUMMARY_COLUMNS;
use super::verify::{Collector, RecordedRequests};

/// The calls of all rows together may not pass this (the counters must not overflow); no trail
/// comes near it.
pub const MAX_TOTAL_CALLS: u64 = 1 << 60;

/// Columns a summary may lack: `denied` is only for people (the generator decides from
/// `error_code`).
const OPTIONAL: &[&str] = &["denied"];

/// Receives a summary's rows, each as the event it stands for, and its problems (through
/// [`Sink::problem`] and [`Sink::input_done`]).
pub trait SummarySink: Sink {
    /// One row: the event, where the row is (`record` is the 1-based row), how many calls it
    /// stands for, and their first and last event time (`event.event_time` is the first).
    fn row(
        &mut self,
        event: &Event<'_>,
        at: Position<'_>,
        count: u64,
        first: Option<&str>,
        last: Option<&str>,
    );
}

impl SummarySink for Aggregator {
    fn row(
        &mut self,
        event: &Event<'_>,
        _at: Position<'_>,
        count: u64,
        first: Option<&str>,
        last: Option<&str>,
    ) {
        self.event_weighted(event, count, first, last);
    }
}

/// Why a summary cannot be used at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SummaryError {
    /// The CSV header lacks columns the generator needs.
    #[error("{file}: the header lacks the columns {}", missing.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))]
    MissingColumns {
        /// The input.
        file: String,
        /// The missing columns.
        missing: Vec<&'static str>,
    },
    /// The selection has a time window, which a summary cannot apply (a row spans its first
    /// to its last call).
    #[error("a summary cannot be cut to a time window: put the window in the query")]
    TimeWindow,
}

/// Reads summaries and gathers the selected activity per principal, as
/// [`super::read_activity`] does for events. Inputs that cannot be opened or read, and bad rows,
/// are problems in the result.
pub fn read_summaries(inputs: Vec<Input>, selection: Selection) -> Result<Activity, SummaryError> {
    read_summaries_and_requests(inputs, selection).map(|(activity, _)| activity)
}

/// Reads summaries into the activity per principal and the recorded successful calls (for the
/// independent check of [`super::verify`]), as [`super::read_activity_and_requests`] does for
/// events.
pub fn read_summaries_and_requests(
    inputs: Vec<Input>,
    selection: Selection,
) -> Result<(Activity, RecordedRequests), SummaryError> {
    if selection.since.is_some() || selection.until.is_some() {
        return Err(SummaryError::TimeWindow);
    }
    let selection = Arc::new(selection);
    let mut both = super::Both {
        activity: Aggregator::new(Arc::clone(&selection)),
        requests: Collector::new(selection),
    };
    let aggregator = &mut both;
    let mut total = 0u64;
    for input in inputs {
        let name = input.name();
        let reader: Box<dyn Read> = match input {
            Input::Path(path) => match std::fs::File::open(&path) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    aggregator.problem(problem(&name, 0, None, &e.to_string()));
                    aggregator.input_done(&name, InputStats::default());
                    continue;
                }
            },
            Input::Stream { reader, .. } => reader,
        };
        let stats = read_summary(&name, reader, aggregator, &mut total)?;
        aggregator.input_done(&name, stats);
    }
    Ok((both.activity.finish(), both.requests.finish()))
}

/// Reads one summary (gzip or not; CSV, JSON array or NDJSON) into a sink. `total` carries the
/// calls read so far, over all summaries (see [`MAX_TOTAL_CALLS`]). The caller reports the
/// returned statistics with [`Sink::input_done`].
pub fn read_summary<R: Read, S: SummarySink>(
    name: &str,
    reader: R,
    sink: &mut S,
    total: &mut u64,
) -> Result<InputStats, SummaryError> {
    let mut counted = CountingRead {
        inner: reader,
        read: 0,
    };
    let mut stats = InputStats::default();
    let mut head = BufReader::with_capacity(64 * 1024, &mut counted);
    let gzip = match head.fill_buf() {
        Ok(b) => b.starts_with(&[0x1f, 0x8b]),
        Err(e) => {
            sink.problem(problem(
                name,
                0,
                None,
                &format!("could not read: {}", describe_read_error(&e)),
            ));
            return Ok(stats);
        }
    };
    let result = if gzip {
        let decoder = flate2::bufread::MultiGzDecoder::new(head);
        read_plain(
            name,
            BufReader::with_capacity(64 * 1024, decoder),
            sink,
            total,
            &mut stats,
        )
    } else {
        read_plain(name, head, sink, total, &mut stats)
    };
    stats.bytes = counted.read;
    result.map(|()| stats)
}

/// Counts the bytes read.
struct CountingRead<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for CountingRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// The decompressed text: CSV, or JSON rows, as its first character says.
fn read_plain<R: BufRead, S: SummarySink>(
    name: &str,
    mut reader: R,
    sink: &mut S,
    total: &mut u64,
    stats: &mut InputStats,
) -> Result<(), SummaryError> {
    // Skip a byte order mark and leading whitespace to find the first character.
    let mut start = Start::default();
    let first = loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) => {
                sink.problem(problem(
                    name,
                    start.offset,
                    None,
                    &format!("could not read: {}", describe_read_error(&e)),
                ));
                return Ok(());
            }
        };
        let Some(&b) = buf.first() else {
            return Ok(()); // empty: no rows
        };
        if b.is_ascii_whitespace() {
            reader.consume(1);
            start.offset += 1;
            if b == b'\n' {
                start.line += 1;
                start.line_offset = start.offset;
            }
        } else if buf.starts_with(b"\xef\xbb\xbf") {
            reader.consume(3);
            start.offset += 3;
        } else {
            break b;
        }
    };
    let mut rows = RowSink {
        name,
        sink,
        total,
        rows: 0,
    };
    if first == b'[' || first == b'{' {
        read_json(reader, start, &mut rows, stats);
        Ok(())
    } else {
        read_csv(reader, start, &mut rows, stats)
    }
}

/// Where the text starts after leading whitespace: byte offset, 0-based count of line breaks
/// passed, and the offset of the line's start.
#[derive(Debug, Clone, Copy, Default)]
struct Start {
    offset: u64,
    line: u64,
    line_offset: u64,
}

fn problem(file: &str, offset: u64, row: Option<u64>, message: &str) -> InputProblem {
    InputProblem {
        file: file.to_string(),
        offset,
        record: row,
        record_lost: row.is_some(),
        message: message.to_string(),
    }
}

/// A row's values in [`SUMMARY_COLUMNS`] order; `None` is NULL.
type Cells<'a> = Vec<Option<Cow<'a, str>>>;

/// Where a row is, for messages.
#[derive(Debug, Clone, Copy)]
struct RowAt {
    /// 1-based row number (not counting a CSV header).
    row: u64,
    /// Byte offset of the row.
    offset: u64,
    /// 1-based line of the row's start.
    line: u64,
    /// 1-based column (in bytes) of the row's start.
    column: u64,
}

/// What a row could not give: the column, and what is wrong.
#[derive(Debug)]
struct BadValue {
    column: usize,
    message: String,
}

/// Turns rows into weighted events for the aggregator, and bad rows into problems.
struct RowSink<'s, S> {
    name: &'s str,
    sink: &'s mut S,
    total: &'s mut u64,
    rows: u64,
}

impl<S: SummarySink> RowSink<'_, S> {
    fn bad(&mut self, at: RowAt, message: &str) {
        self.sink.problem(problem(
            self.name,
            at.offset,
            Some(at.row),
            &format!("line {}, column {}: {message}", at.line, at.column),
        ));
    }

    /// Feeds one row. `where_is` says where a column's value is (CSV: its field's line and
    /// column; JSON: the row's).
    fn row(&mut self, at: RowAt, cells: &Cells<'_>, where_is: &dyn Fn(usize) -> (u64, u64)) {
        let position = Position {
            file: self.name,
            offset: at.offset,
            record: at.row,
        };
        match feed(cells, position, self.sink, self.total) {
            Ok(()) => {}
            Err(bad) => {
                let (line, column) = where_is(bad.column);
                let col_name = SUMMARY_COLUMNS.get(bad.column).copied().unwrap_or("?");
                self.sink.problem(problem(
                    self.name,
                    at.offset,
                    Some(at.row),
                    &format!(
                        "line {line}, column {column} (`{col_name}`): {}",
                        bad.message
                    ),
                ));
            }
        }
    }
}

fn column_index(name: &str) -> usize {
    SUMMARY_COLUMNS
        .iter()
        .position(|c| *c == name)
        .unwrap_or(usize::MAX)
}

/// Builds the row's event and gives it to the aggregator.
fn feed<S: SummarySink>(
    cells: &Cells<'_>,
    at: Position<'_>,
    sink: &mut S,
    total: &mut u64,
) -> Result<(), BadValue> {
    let cell =
        |name: &str| -> Option<&str> { cells.get(column_index(name)).and_then(|c| c.as_deref()) };
    let bad = |name: &str, message: String| BadValue {
        column: column_index(name),
        message,
    };
    let calls_text = cell("calls").ok_or_else(|| bad("calls", "no count of calls".into()))?;
    let calls: u64 = calls_text
        .trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| bad("calls", format!("`{calls_text}` is not a count of calls")))?;
    let new_total = total
        .checked_add(calls)
        .filter(|t| *t <= MAX_TOTAL_CALLS)
        .ok_or_else(|| {
            bad(
                "calls",
                format!("the calls add up to more than {MAX_TOTAL_CALLS}"),
            )
        })?;
    let first = cell("first_seen");
    let last = cell("last_seen");
    match (first, last) {
        (Some(f), Some(l)) if f > l => {
            return Err(bad("first_seen", format!("`{f}` is after last_seen `{l}`")))
        }
        (Some(_), None) => return Err(bad("last_seen", "empty, but first_seen is not".into())),
        (None, Some(_)) => return Err(bad("first_seen", "empty, but last_seen is not".into())),
        _ => {}
    }
    for name in ["event_source", "event_name"] {
        if cell(name).is_none_or(str::is_empty) {
            return Err(bad(name, "empty: every call has one".into()));
        }
    }
    let json = |name: &str| -> Result<Option<&RawValue>, BadValue> {
        match cell(name).map(str::trim) {
            // A JSON null is no value, as when the CloudTrail reader parses `null`.
            None | Some("null") => Ok(None),
            Some(text) => serde_json::from_str::<&RawValue>(text)
                .map(Some)
                .map_err(|e| bad(name, format!("not JSON: {e}"))),
        }
    };
    let request_parameters = json("request_parameters")?;
    let response_elements = json("response_elements")?;
    let resources = match json("resource_arns")? {
        None => None,
        Some(raw) => {
            let arns: Vec<Option<Cow<'_, str>>> =
                serde_json::from_str(raw.get()).map_err(|_| {
                    bad(
                        "resource_arns",
                        format!("`{}` is not a JSON array of ARNs", raw.get()),
                    )
                })?;
            Some(arns.into_iter().map(|arn| EventResource { arn }).collect())
        }
    };
    let text = |name: &str| cell(name).map(Cow::Borrowed);
    let issuer = match (text("issuer_type"), text("issuer_arn")) {
        (None, None) => None,
        (kind, arn) => Some(SessionIssuer { kind, arn }),
    };
    let attributes = text("mfa_authenticated").map(|m| SessionAttributes {
        mfa_authenticated: Some(m),
    });
    let session_context = match (issuer, attributes) {
        (None, None) => None,
        (session_issuer, attributes) => Some(SessionContext {
            session_issuer,
            attributes,
        }),
    };
    let identity = UserIdentity {
        kind: text("user_type"),
        arn: text("user_arn"),
        account_id: text("user_account_id"),
        invoked_by: text("invoked_by"),
        session_context,
    };
    let has_identity = identity.kind.is_some()
        || identity.arn.is_some()
        || identity.account_id.is_some()
        || identity.invoked_by.is_some()
        || identity.session_context.is_some();
    let event = Event {
        event_source: text("event_source"),
        event_name: text("event_name"),
        // The context a call keeps is the earliest one's.
        event_time: first.map(Cow::Borrowed),
        event_type: text("event_type"),
        aws_region: text("aws_region"),
        source_ip_address: text("source_ip_address"),
        recipient_account_id: text("recipient_account_id"),
        error_code: text("error_code"),
        // As the CloudTrail reader reads a text `readOnly`.
        read_only: cell("read_only").and_then(|t| t.parse().ok()),
        user_identity: has_identity.then_some(identity),
        request_parameters,
        response_elements,
        resources,
    };
    *total = new_total;
    sink.row(&event, at, calls, first, last);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// CSV

/// One CSV field: its text (`None` for an unquoted empty field), and where it starts.
struct Field {
    text: Option<String>,
    line: u64,
    column: u64,
}

/// A CSV record, or what broke it.
enum CsvItem {
    Record {
        fields: Vec<Field>,
        offset: u64,
        line: u64,
    },
    Broken {
        offset: u64,
        line: u64,
        column: u64,
        message: String,
    },
}

/// A streaming RFC 4180 reader that keeps lines and columns.
struct CsvReader<R> {
    reader: R,
    offset: u64,
    line: u64,
    /// Byte offset of the current line's start.
    line_start: u64,
    done: bool,
    /// Rows longer than this are skipped (and reported), so memory stays bounded.
    max_record: u64,
}

impl<R: BufRead> CsvReader<R> {
    fn new(reader: R, start: Start) -> Self {
        CsvReader {
            reader,
            offset: start.offset,
            line: start.line + 1,
            line_start: start.line_offset,
            done: false,
            max_record: DEFAULT_MAX_RECORD as u64,
        }
    }

    fn column(&self) -> u64 {
        self.offset - self.line_start + 1
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.reader.fill_buf()?.first().copied())
    }

    fn bump(&mut self) -> io::Result<Option<u8>> {
        let b = self.peek()?;
        if let Some(b) = b {
            self.reader.consume(1);
            self.offset += 1;
            if b == b'\n' {
                self.line += 1;
                self.line_start = self.offset;
            }
        }
        Ok(b)
    }

    /// Skips to the start of the next line (after a broken record).
    fn skip_line(&mut self) -> io::Result<()> {
        while let Some(b) = self.bump()? {
            if b == b'\n' {
                break;
            }
        }
        Ok(())
    }

    fn next_item(&mut self) -> Option<io::Result<CsvItem>> {
        if self.done {
            return None;
        }
        match self.record() {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    fn record(&mut self) -> io::Result<Option<CsvItem>> {
        // Blank lines between records are skipped.
        loop {
            match self.peek()? {
                None => return Ok(None),
                Some(b'\n' | b'\r') => {
                    self.bump()?;
                }
                Some(_) => break,
            }
        }
        let offset = self.offset;
        let line = self.line;
        let mut fields = Vec::new();
        // Past the limit, the row's structure is still followed but nothing is kept.
        let mut oversized = false;
        loop {
            let (f_line, f_column) = (self.line, self.column());
            let mut bytes = Vec::new();
            let quoted = self.peek()? == Some(b'"');
            if quoted {
                self.bump()?;
                loop {
                    match self.bump()? {
                        None => {
                            return Ok(Some(CsvItem::Broken {
                                offset,
                                line: f_line,
                                column: f_column,
                                message: "the input ends inside a quoted field".into(),
                            }))
                        }
                        Some(b'"') => {
                            if self.peek()? == Some(b'"') {
                                self.bump()?;
                                bytes.push(b'"');
                            } else {
                                break;
                            }
                        }
                        Some(b) => bytes.push(b),
                    }
                    if self.offset - offset > self.max_record {
                        oversized = true;
                        bytes.clear();
                    }
                }
            } else {
                while let Some(b) = self.peek()? {
                    if matches!(b, b',' | b'\n' | b'\r') {
                        break;
                    }
                    if b == b'"' {
                        let (l, c) = (self.line, self.column());
                        self.skip_line()?;
                        return Ok(Some(CsvItem::Broken {
                            offset,
                            line: l,
                            column: c,
                            message: "a quote inside an unquoted field".into(),
                        }));
                    }
                    self.bump()?;
                    bytes.push(b);
                    if self.offset - offset > self.max_record {
                        oversized = true;
                        bytes.clear();
                    }
                }
            }
            if oversized {
                fields.clear();
            }
            let text = if !quoted && bytes.is_empty() {
                None
            } else {
                match String::from_utf8(bytes) {
                    Ok(t) => Some(t),
                    Err(_) => {
                        self.skip_line()?;
                        return Ok(Some(CsvItem::Broken {
                            offset,
                            line: f_line,
                            column: f_column,
                            message: "the field is not UTF-8 text".into(),
                        }));
                    }
                }
            };
            fields.push(Field {
                text,
                line: f_line,
                column: f_column,
            });
            match self.peek()? {
                Some(b',') => {
                    self.bump()?;
                }
                None | Some(b'\n' | b'\r') => {
                    if self.bump()? == Some(b'\r') && self.peek()? == Some(b'\n') {
                        self.bump()?;
                    }
                    if oversized {
                        return Ok(Some(CsvItem::Broken {
                            offset,
                            line,
                            column: 1,
                            message: format!(
                                "the row is longer than {} bytes; it was skipped",
                                self.max_record
                            ),
                        }));
                    }
                    return Ok(Some(CsvItem::Record {
                        fields,
                        offset,
                        line,
                    }));
                }
                Some(_) => {
                    let (l, c) = (self.line, self.column());
                    self.skip_line()?;
                    return Ok(Some(CsvItem::Broken {
                        offset,
                        line: l,
                        column: c,
                        message: "text after the closing quote of a field".into(),
                    }));
                }
            }
        }
    }
}

fn read_csv<R: BufRead>(
    reader: R,
    start: Start,
    rows: &mut RowSink<'_, impl SummarySink>,
    stats: &mut InputStats,
) -> Result<(), SummaryError> {
    let mut csv = CsvReader::new(reader, start);
    // The header: which field holds which column.
    let header = match csv.next_item() {
        None => return Ok(()),
        Some(Err(e)) => {
            rows.sink.problem(problem(
                rows.name,
                csv.offset,
                None,
                &format!("could not read: {}", describe_read_error(&e)),
            ));
            return Ok(());
        }
        Some(Ok(CsvItem::Broken {
            line,
            column,
            message,
            ..
        })) => {
            rows.sink.problem(problem(
                rows.name,
                start.offset,
                None,
                &format!("line {line}, column {column}: the header is not CSV: {message}"),
            ));
            return Err(SummaryError::MissingColumns {
                file: rows.name.to_string(),
                missing: required_columns().collect(),
            });
        }
        Some(Ok(CsvItem::Record { fields, .. })) => fields,
    };
    let names: Vec<String> = header
        .iter()
        .map(|f| {
            f.text
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    // For each summary column, the index of its field.
    let slots: Vec<Option<usize>> = SUMMARY_COLUMNS
        .iter()
        .map(|c| names.iter().position(|n| n == c))
        .collect();
    let missing: Vec<&'static str> = SUMMARY_COLUMNS
        .iter()
        .zip(&slots)
        .filter(|(c, s)| s.is_none() && !OPTIONAL.contains(c))
        .map(|(c, _)| *c)
        .collect();
    if !missing.is_empty() {
        return Err(SummaryError::MissingColumns {
            file: rows.name.to_string(),
            missing,
        });
    }
    while let Some(item) = csv.next_item() {
        match item {
            Err(e) => {
                rows.sink.problem(problem(
                    rows.name,
                    csv.offset,
                    None,
                    &format!("could not read further: {}", describe_read_error(&e)),
                ));
            }
            Ok(CsvItem::Broken {
                offset,
                line,
                column,
                message,
            }) => {
                rows.rows += 1;
                stats.records += 1;
                let at = RowAt {
                    row: rows.rows,
                    offset,
                    line,
                    column,
                };
                rows.bad(at, &message);
            }
            Ok(CsvItem::Record {
                mut fields,
                offset,
                line,
            }) => {
                rows.rows += 1;
                stats.records += 1;
                let at = RowAt {
                    row: rows.rows,
                    offset,
                    line,
                    column: 1,
                };
                if fields.len() != names.len() {
                    rows.bad(
                        at,
                        &format!(
                            "{} fields, but the header has {}",
                            fields.len(),
                            names.len()
                        ),
                    );
                    continue;
                }
                let cells: Cells<'_> = slots
                    .iter()
                    .map(|s| {
                        s.and_then(|i| fields.get_mut(i))
                            .and_then(|f| f.text.take())
                            .map(Cow::Owned)
                    })
                    .collect();
                let where_is = |column: usize| {
                    slots
                        .get(column)
                        .copied()
                        .flatten()
                        .and_then(|i| fields.get(i))
                        .map_or((line, 1), |f| (f.line, f.column))
                };
                rows.row(at, &cells, &where_is);
            }
        }
    }
    stats.json_bytes = csv.offset;
    Ok(())
}

fn required_columns() -> impl Iterator<Item = &'static str> {
    SUMMARY_COLUMNS
        .iter()
        .copied()
        .filter(|c| !OPTIONAL.contains(c))
}

// ---------------------------------------------------------------------------------------------
// JSON

/// Where the line breaks are in a stream that is read ahead: the reader side notes each one,
/// the row side asks for the line and column of offsets that only grow, forgetting the breaks
/// before them.
#[derive(Debug, Default)]
struct LineIndex {
    /// Offsets of line breaks not yet passed.
    breaks: VecDeque<u64>,
    /// Line breaks passed.
    passed: u64,
    /// Offset just after the last passed break.
    line_start: u64,
    /// Bytes seen by the reader side.
    seen: u64,
}

impl LineIndex {
    /// The 1-based line and column (in bytes) of an offset, not before the last one asked.
    fn at(&mut self, offset: u64) -> (u64, u64) {
        while let Some(&b) = self.breaks.front() {
            if b >= offset {
                break;
            }
            self.breaks.pop_front();
            self.passed += 1;
            self.line_start = b + 1;
        }
        (self.passed + 1, offset.saturating_sub(self.line_start) + 1)
    }
}

/// Notes line breaks as bytes go by.
struct LineNoting<R> {
    inner: R,
    index: Rc<RefCell<LineIndex>>,
}

impl<R: Read> Read for LineNoting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut index = self.index.borrow_mut();
        let base = index.seen;
        for i in memchr::memchr_iter(b'\n', buf.get(..n).unwrap_or_default()) {
            index.breaks.push_back(base + i as u64);
        }
        index.seen += n as u64;
        Ok(n)
    }
}

fn read_json<R: BufRead>(
    reader: R,
    start: Start,
    rows: &mut RowSink<'_, impl SummarySink>,
    stats: &mut InputStats,
) {
    let skipped = start.offset;
    let index = Rc::new(RefCell::new(LineIndex {
        seen: skipped,
        passed: start.line,
        line_start: start.line_offset,
        breaks: VecDeque::new(),
    }));
    let noting = LineNoting {
        inner: reader,
        index: Rc::clone(&index),
    };
    let mut records = RecordReader::new(noting);
    while let Some(item) = records.next_item() {
        match item {
            Item::Record { bytes, offset, .. } => {
                rows.rows += 1;
                stats.records += 1;
                let (line, column) = index.borrow_mut().at(offset + skipped);
                let at = RowAt {
                    row: rows.rows,
                    offset: offset + skipped,
                    line,
                    column,
                };
                match json_cells(bytes) {
                    Ok(cells) => rows.row(at, &cells, &|_| (line, column)),
                    Err(e) => {
                        // serde_json counts lines and columns from the row's start.
                        let (l, c) = if e.line() <= 1 {
                            (line, column + e.column().saturating_sub(1) as u64)
                        } else {
                            (line + e.line() as u64 - 1, e.column() as u64)
                        };
                        let at = RowAt {
                            line: l,
                            column: c,
                            ..at
                        };
                        rows.bad(at, &format!("not a row object: {e}"));
                    }
                }
            }
            Item::Problem(p) => {
                let offset = p.offset + skipped;
                let (line, column) = index.borrow_mut().at(offset);
                let message = match &p.kind {
                    ProblemKind::NotAnObject => "a value that is not a row object".to_string(),
                    ProblemKind::Stray => "bytes that are not a row".to_string(),
                    kind => kind.to_string(),
                };
                if p.record.is_some() {
                    rows.rows += 1;
                    stats.records += 1;
                    let at = RowAt {
                        row: rows.rows,
                        offset,
                        line,
                        column,
                    };
                    rows.bad(at, &message);
                } else {
                    rows.sink.problem(InputProblem {
                        file: rows.name.to_string(),
                        offset,
                        record: None,
                        record_lost: !matches!(
                            p.kind,
                            ProblemKind::Unclosed | ProblemKind::Read { .. }
                        ),
                        message: format!("line {line}, column {column}: {message}"),
                    });
                }
            }
        }
    }
    stats.json_bytes = records.offset() + skipped;
}

/// A JSON row's values: strings as their text, numbers and booleans as written, objects and
/// arrays as JSON text, `null` and missing keys as NULL.
fn json_cells(bytes: &[u8]) -> Result<Cells<'_>, serde_json::Error> {
    let object: HashMap<Cow<'_, str>, &RawValue> = serde_json::from_slice(bytes)?;
    SUMMARY_COLUMNS
        .iter()
        .map(|c| {
            let Some(raw) = object.get(*c) else {
                return Ok(None);
            };
            let text = raw.get();
            Ok(match text.as_bytes().first() {
                Some(b'"') => Some(serde_json::from_str::<Cow<'_, str>>(text)?),
                Some(b'n') => None,
                _ => Some(Cow::Borrowed(text)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &[u8]) -> Result<Activity, SummaryError> {
        read_summaries(
            vec![Input::Stream {
                name: "s".into(),
                reader: Box::new(io::Cursor::new(text.to_vec())),
            }],
            Selection::default(),
        )
    }

    const HEADER: &str = "\"user_type\",\"user_arn\",\"user_account_id\",\"invoked_by\",\"issuer_type\",\"issuer_arn\",\"mfa_authenticated\",\"event_source\",\"event_name\",\"event_type\",\"aws_region\",\"recipient_account_id\",\"error_code\",\"read_only\",\"source_ip_address\",\"request_parameters\",\"response_elements\",\"resource_arns\",\"calls\",\"first_seen\",\"last_seen\",\"denied\"";

    /// A CSV row of an IAM user's call, with the fields that vary.
    fn row(name: &str, params: &str, calls: &str, first: &str, last: &str) -> String {
        format!(
            "\"IAMUser\",\"arn:aws:iam::111122223333:user/alice\",\"111122223333\",,,,,\"s3.amazonaws.com\",\"{name}\",\"AwsApiCall\",\"us-east-1\",\"111122223333\",,\"true\",\"192.0.2.1\",{params},,\"[]\",{calls},{first},{last},\"false\""
        )
    }

    #[test]
    fn reads_athena_csv_with_quoting_nulls_and_nested_json() {
        // A JSON value with quotes (doubled), a comma and a line break inside a field.
        let params = "\"{\"\"bucketName\"\": \"\"logs\"\",\n \"\"key\"\": \"\"a,b\"\"}\"";
        let text = format!(
            "{HEADER}\r\n{}\r\n{}\r\n",
            row(
                "GetObject",
                params,
                "\"3\"",
                "\"2024-08-01T00:00:00Z\"",
                "\"2024-08-03T00:00:00Z\""
            ),
            row(
                "ListBuckets",
                "",
                "\"2\"",
                "\"2024-08-02T00:00:00Z\"",
                "\"2024-08-02T00:00:00Z\""
            ),
        );
        let activity = read(text.as_bytes()).unwrap();
        assert!(activity.problems.is_empty(), "{:?}", activity.problems);
        assert_eq!(activity.counts.events, 5);
        let alice = &activity.principals["arn:aws:iam::111122223333:user/alice"];
        assert_eq!(alice.events, 5);
        assert_eq!(alice.first_event.as_deref(), Some("2024-08-01T00:00:00Z"));
        assert_eq!(alice.last_event.as_deref(), Some("2024-08-03T00:00:00Z"));
        let get = &alice.actions["s3:GetObject"];
        assert_eq!(get.calls, 3);
        // The nested JSON was read: the object's ARN, with the comma of its key.
        assert!(
            get.resources.contains_key("arn:aws:s3:::logs/a,b"),
            "{:?}",
            get.resources
        );
        // The earliest call's context is kept.
        let ctx = &get.resources["arn:aws:s3:::logs/a,b"];
        assert_eq!(ctx.time(), Some("2024-08-01T00:00:00Z"));
        assert_eq!(ctx.source_ip(), Some("192.0.2.1"));
        assert_eq!(alice.actions["s3:ListAllMyBuckets"].calls, 2);
    }

    #[test]
    fn quoted_empty_is_text_and_unquoted_empty_is_null() {
        let mut csv = CsvReader::new(
            io::Cursor::new(b"\"\",,\"a\"\"b\",c\n".to_vec()),
            Start::default(),
        );
        let Some(Ok(CsvItem::Record { fields, .. })) = csv.next_item() else {
            panic!("no record");
        };
        let texts: Vec<Option<&str>> = fields.iter().map(|f| f.text.as_deref()).collect();
        assert_eq!(texts, [Some(""), None, Some("a\"b"), Some("c")]);
        assert!(csv.next_item().is_none());
    }

    #[test]
    fn bad_rows_are_reported_with_line_and_column_and_reading_goes_on() {
        let text = format!(
            "{HEADER}\n{}\n{}\n{}\n\"IAMUser\",\"x\"\n{}\n",
            row(
                "GetObject",
                "\"{not json\"",
                "\"1\"",
                "\"2024-08-01T00:00:00Z\"",
                "\"2024-08-01T00:00:00Z\""
            ),
            row(
                "GetObject",
                "",
                "\"many\"",
                "\"2024-08-01T00:00:00Z\"",
                "\"2024-08-01T00:00:00Z\""
            ),
            row(
                "GetObject",
                "",
                "\"1\"",
                "\"2024-08-02T00:00:00Z\"",
                "\"2024-08-01T00:00:00Z\""
            ),
            row(
                "ListBuckets",
                "",
                "\"1\"",
                "\"2024-08-01T00:00:00Z\"",
                "\"2024-08-01T00:00:00Z\""
            ),
        );
        let activity = read(text.as_bytes()).unwrap();
        let messages: Vec<String> = activity.problems.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert!(
            messages[0].starts_with("s: record #1 at byte"),
            "{}",
            messages[0]
        );
        assert!(
            messages[0].contains("line 2, column ")
                && messages[0].contains("(`request_parameters`): not JSON"),
            "{}",
            messages[0]
        );
        assert!(
            messages[1].contains("line 3,") && messages[1].contains("`many` is not a count"),
            "{}",
            messages[1]
        );
        assert!(
            messages[2].contains("line 4,") && messages[2].contains("(`first_seen`)"),
            "{}",
            messages[2]
        );
        assert!(
            messages[3].contains("record #4")
                && messages[3].contains("line 5, column 1: 2 fields, but the header has 22"),
            "{}",
            messages[3]
        );
        assert_eq!(activity.counts.malformed, 4);
        // The good row after them was read.
        assert_eq!(activity.counts.events, 1);
    }

    #[test]
    fn broken_quoting_is_reported_and_reading_resumes_on_the_next_line() {
        let text = format!(
            "{HEADER}\n\"IAMUser\",\"a\"x,\n{}\n\"IAMUser\",\"unterminated\n",
            row(
                "ListBuckets",
                "",
                "\"1\"",
                "\"2024-08-01T00:00:00Z\"",
                "\"2024-08-01T00:00:00Z\""
            ),
        );
        let activity = read(text.as_bytes()).unwrap();
        let messages: Vec<String> = activity.problems.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert!(
            messages[0].contains("line 2, column 14: text after the closing quote"),
            "{}",
            messages[0]
        );
        assert!(
            messages[1].contains("line 4, column 11: the input ends inside a quoted field"),
            "{}",
            messages[1]
        );
        assert_eq!(activity.counts.events, 1);
    }

    #[test]
    fn an_oversized_row_is_skipped_in_bounded_memory() {
        let long = "x".repeat(5000);
        let text = format!("a,b\n\"{long}\",1\nc,d\n\"unterminated {long}");
        let mut csv = CsvReader::new(io::Cursor::new(text.into_bytes()), Start::default());
        csv.max_record = 1000;
        let mut items = Vec::new();
        while let Some(item) = csv.next_item() {
            items.push(match item.unwrap() {
                CsvItem::Record { fields, line, .. } => format!("{line}: {} fields", fields.len()),
                CsvItem::Broken { line, message, .. } => format!("{line}: {message}"),
            });
        }
        assert_eq!(
            items,
            [
                "1: 2 fields",
                "2: the row is longer than 1000 bytes; it was skipped",
                "3: 2 fields",
                "4: the input ends inside a quoted field",
            ]
        );
    }

    #[test]
    fn a_header_without_the_columns_is_an_error() {
        let err = read(b"\"user_arn\",\"calls\"\n\"a\",\"1\"\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("s: the header lacks the columns `user_type`, `user_account_id`"),
            "{text}"
        );
        // `denied` may be left out.
        let without_denied = HEADER.replace(",\"denied\"", "");
        let activity = read(format!("{without_denied}\n").as_bytes()).unwrap();
        assert_eq!(activity.counts.events, 0);
    }

    #[test]
    fn a_time_window_is_refused() {
        let selection = Selection {
            since: Some("2024-08-01T00:00:00Z".into()),
            ..Selection::default()
        };
        assert_eq!(
            read_summaries(Vec::new(), selection).unwrap_err(),
            SummaryError::TimeWindow
        );
    }

    fn json_row(extra: &str) -> String {
        format!(
            r#"{{"user_type":"IAMUser","user_arn":"arn:aws:iam::111122223333:user/alice","user_account_id":"111122223333","event_source":"s3.amazonaws.com","event_name":"GetObject","event_type":"AwsApiCall","aws_region":"us-east-1","recipient_account_id":"111122223333","read_only":"true","source_ip_address":"192.0.2.1","first_seen":"2024-08-01T00:00:00Z","last_seen":"2024-08-01T00:00:00Z",{extra}}}"#
        )
    }

    #[test]
    fn reads_json_arrays_and_ndjson_with_nested_values_as_text_or_json() {
        let as_text = json_row(
            r#""request_parameters":"{\"bucketName\":\"logs\",\"key\":\"a\"}","resource_arns":"[\"arn:aws:s3:::logs/a\"]","calls":2,"denied":false"#,
        );
        let as_json = json_row(
            r#""request_parameters":{"bucketName":"logs","key":"b"},"response_elements":null,"resource_arns":["arn:aws:s3:::logs/b"],"calls":"3""#,
        );
        for text in [
            format!("[\n  {as_text},\n  {as_json}\n]\n"),
            format!("{as_text}\n{as_json}\n"),
        ] {
            let activity = read(text.as_bytes()).unwrap();
            assert!(activity.problems.is_empty(), "{:?}", activity.problems);
            let alice = &activity.principals["arn:aws:iam::111122223333:user/alice"];
            let get = &alice.actions["s3:GetObject"];
            assert_eq!(get.calls, 5);
            let keys: Vec<&str> = get.resources.keys().map(String::as_str).collect();
            assert_eq!(keys, ["arn:aws:s3:::logs/a", "arn:aws:s3:::logs/b"]);
        }
    }

    #[test]
    fn bad_json_rows_are_reported_with_line_and_column() {
        let good = json_row(r#""calls":1"#);
        let text = format!(
            "{good}\n{}\n{{\"calls\": 1,\n \"x\": tru}}\n{good}\n",
            json_row(r#""calls":0"#)
        );
        let activity = read(text.as_bytes()).unwrap();
        let messages: Vec<String> = activity.problems.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert!(
            messages[0].contains("record #2")
                && messages[0].contains("line 2, column 1 (`calls`): `0` is not a count"),
            "{}",
            messages[0]
        );
        assert!(
            messages[1].contains("record #3")
                && messages[1].contains("line 4, column 10: not a row object"),
            "{}",
            messages[1]
        );
        assert_eq!(activity.counts.events, 2);
    }

    #[test]
    fn gzip_and_overflowing_counts() {
        use std::io::Write;
        let big = MAX_TOTAL_CALLS.to_string();
        let text = format!(
            "{}\n{}\n",
            json_row(&format!(r#""calls":{big}"#)),
            json_row(r#""calls":1"#)
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let activity = read(&gz.finish().unwrap()).unwrap();
        assert_eq!(activity.counts.events, MAX_TOTAL_CALLS);
        assert_eq!(activity.problems.len(), 1, "{:?}", activity.problems);
        assert!(activity.problems[0].message.contains("add up to more than"));
    }

    #[test]
    fn rows_without_a_time_or_a_call_name() {
        let text = format!(
            "{HEADER}\n{}\n{}\n",
            row("ListBuckets", "", "\"1\"", "", ""),
            row(
                "",
                "",
                "\"1\"",
                "\"2024-08-01T00:00:00Z\"",
                "\"2024-08-01T00:00:00Z\""
            ),
        );
        let activity = read(text.as_bytes()).unwrap();
        assert_eq!(activity.problems.len(), 1, "{:?}", activity.problems);
        assert!(activity.problems[0]
            .message
            .contains("(`event_name`): empty"));
        let alice = &activity.principals["arn:aws:iam::111122223333:user/alice"];
        assert_eq!(alice.events, 1);
        assert_eq!(alice.first_event, None);
    }
}
