//! Splits a stream of CloudTrail JSON into event records without parsing it, in bounded memory.
//!
//! Accepted shapes, in any mix and with any whitespace: S3 delivery (`{"Records": [...]}`), a
//! JSON array of events, one event object after another (NDJSON, CloudTrail Lake and Athena
//! exports), or a single event object. The splitter tracks only the JSON structure (strings
//! with their escapes, nesting, keys versus values); each record it finds is handed out as the
//! bytes of one object, for `serde_json` to parse.
//!
//! Memory: one read buffer plus the record being read. A record longer than the record limit
//! is skipped (its structure is still followed) and reported. Nesting deeper than [`MAX_DEPTH`]
//! is followed by counting brackets (outside strings) until it comes back up: a record nested
//! deeper than a JSON parser accepts is still cut out whole, and is lost alone.
//!
//! Broken structure (a record cut short by the next one, a raw line break inside a string,
//! stray bytes) is reported with its position; reading then resumes at the next line that
//! starts with `{`. Nothing is fatal.

use std::io::{self, Read};

/// Bytes asked of the reader at a time.
const CHUNK: usize = 256 * 1024;

/// Nesting kept on the stack; deeper levels are only counted (see `deep` in [`RecordReader`]),
/// which keeps the stack bounded.
const MAX_DEPTH: usize = 512;

/// The default record limit: larger records are skipped and reported. CloudTrail events are
/// far smaller (its own limit for an event is 256 KB).
pub const DEFAULT_MAX_RECORD: usize = 4 * 1024 * 1024;

/// What the splitter hands out.
#[derive(Debug)]
pub enum Item<'a> {
    /// One event object: its bytes, its byte offset in the (decompressed) stream and its
    /// 1-based index among the records of the stream.
    Record {
        /// The object's bytes, from `{` to `}`.
        bytes: &'a [u8],
        /// Byte offset of the `{`.
        offset: u64,
        /// 1-based index of the record in the stream.
        index: u64,
    },
    /// A problem: a record or a stretch of bytes that could not be used.
    Problem(Problem),
}

/// A record or a stretch of input that could not be used, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Byte offset in the (decompressed) stream where the record or stretch starts.
    pub offset: u64,
    /// 1-based index of the record, when the problem is a record.
    pub record: Option<u64>,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What is wrong with a record or a stretch of input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The input ends inside the record (a half-written or truncated file).
    Truncated,
    /// The structure breaks at byte offset `at`: the record is cut short there.
    Broken {
        /// Offset of the offending byte.
        at: u64,
        /// What was found there.
        found: &'static str,
    },
    /// Stray bytes between records.
    Stray,
    /// The record is longer than the record limit.
    Oversized {
        /// Its length in bytes (as far as it was read).
        len: u64,
    },
    /// An element of an event array (or a top-level value) that is not an object.
    NotAnObject,
    /// The input ends before the array or object that holds the records is closed (every
    /// record before that point was read).
    Unclosed,
    /// The input could not be read past this point (I/O error, corrupt or truncated gzip).
    Read {
        /// The error.
        message: String,
    },
    /// The record is not valid JSON, or not an object of the expected shape.
    Invalid {
        /// The parser's message.
        message: String,
    },
    /// The record lacks a field every CloudTrail event has.
    MissingField {
        /// The field (`eventName`, `eventSource`).
        field: &'static str,
    },
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProblemKind::Truncated => f.write_str("the input ends inside this record"),
            ProblemKind::Broken { at, found } => {
                write!(f, "the record is cut short at byte {at} ({found})")
            }
            ProblemKind::Stray => f.write_str("bytes that are not an event"),
            ProblemKind::Oversized { len } => write!(
                f,
                "the record is {len} bytes long, over the limit; it was skipped"
            ),
            ProblemKind::NotAnObject => f.write_str("a value that is not an event object"),
            ProblemKind::Unclosed => {
                f.write_str("the input ends before the event array or object is closed")
            }
            ProblemKind::Read { message } => write!(f, "could not read further: {message}"),
            ProblemKind::Invalid { message } => write!(f, "not a valid event: {message}"),
            ProblemKind::MissingField { field } => write!(f, "the record has no `{field}`"),
        }
    }
}

/// Where the splitter is in the JSON structure (outside strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value is expected (top level, after `:`, after `,` in an array).
    Value,
    /// Just after `[`: a value or `]`.
    ValueOrClose,
    /// After `,` in an object: a key.
    Key,
    /// Just after `{`: a key or `}`.
    KeyOrClose,
    /// After a key: `:`.
    Colon,
    /// After a value: `,` or a closing bracket.
    After,
    /// Inside a number or literal.
    Scalar,
}

/// Which level of nesting holds the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Top-level objects are records (NDJSON, a single event) until one turns out to be an
    /// S3 wrapper.
    Top,
    /// Inside a top-level array: its objects are records.
    Array,
    /// Inside the `Records` array of a wrapper object.
    Wrapper,
    /// Inside a wrapper object, after its `Records` array.
    WrapperRest,
}

impl Mode {
    /// The stack depth at which a `{` opens a record.
    fn record_depth(self) -> Option<usize> {
        match self {
            Mode::Top => Some(0),
            Mode::Array => Some(1),
            Mode::Wrapper => Some(2),
            Mode::WrapperRest => None,
        }
    }

    /// The stack depth of the containers around records, kept when resynchronising.
    fn container_depth(self) -> usize {
        match self {
            Mode::Top => 0,
            Mode::Array | Mode::WrapperRest => 1,
            Mode::Wrapper => 2,
        }
    }
}

/// The record being read.
#[derive(Debug, Clone, Copy)]
struct Open {
    /// Index of its `{` in the buffer, while it is kept.
    start: usize,
    /// Whether its bytes are kept (false once it outgrew the limit).
    kept: bool,
    offset: u64,
    index: u64,
    /// Stack depth before its `{`.
    depth: usize,
}

/// Skipping to the next line that starts with `{` after broken structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resync {
    Off,
    /// Skipping to the end of the line.
    Line,
    /// At the start of a line, skipping indentation.
    LineStart,
}

/// The record splitter over a reader. Call [`RecordReader::next_item`] until it returns `None`.
pub struct RecordReader<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    eof: bool,
    finished: bool,
    max_record: usize,
    stack: Vec<u8>,
    /// Levels open below the deepest one on the stack: their brackets are only counted (any
    /// closing bracket closes one), their keys and values not checked. The value they are in
    /// is then handed out whole, for the parser to judge.
    deep: u64,
    state: State,
    in_string: bool,
    string_is_key: bool,
    /// Stream offset of the first byte of the current key's text.
    key_offset: u64,
    /// A backslash ended the buffer: the next byte is escaped.
    escape_pending: bool,
    mode: Mode,
    rec: Option<Open>,
    /// The last key at depth 1 of a top-level object was `Records`.
    records_key: bool,
    resync: Resync,
    next_index: u64,
    pending: Option<Problem>,
    started: bool,
}

impl<R: Read> RecordReader<R> {
    /// A splitter with the default record limit.
    pub fn new(reader: R) -> Self {
        Self::with_max_record(reader, DEFAULT_MAX_RECORD)
    }

    /// A splitter that skips (and reports) records longer than `max_record` bytes.
    pub fn with_max_record(reader: R, max_record: usize) -> Self {
        RecordReader {
            reader,
            buf: vec![0; 2 * CHUNK],
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            finished: false,
            max_record: max_record.max(1024),
            stack: Vec::with_capacity(16),
            deep: 0,
            state: State::Value,
            in_string: false,
            string_is_key: false,
            key_offset: 0,
            escape_pending: false,
            mode: Mode::Top,
            rec: None,
            records_key: false,
            resync: Resync::Off,
            next_index: 1,
            pending: None,
            started: false,
        }
    }

    /// A splitter that starts in the middle of a stream, at byte `offset`, at a record start
    /// in the state `boundary` (as [`RecordReader::boundary`] gave it, or as guessed: a wrong
    /// guess gives wrong records, so the caller must check it, see
    /// [`super::cloudtrail`]'s parallel read). Record indices count from 1 again.
    pub fn resume(reader: R, max_record: usize, offset: u64, boundary: &Boundary) -> Self {
        let mut r = Self::with_max_record(reader, max_record);
        r.base = offset;
        r.started = true;
        r.mode = boundary.mode;
        r.stack.clone_from(&boundary.stack);
        r.state = boundary.state;
        r
    }

    /// The state at a record start that [`RecordReader::record_start`] found: a splitter
    /// [`RecordReader::resume`]d there in this state reads on exactly as this one does.
    pub fn boundary(&self) -> Boundary {
        Boundary {
            mode: self.mode,
            stack: self.stack.clone(),
            state: self.state,
        }
    }

    /// Record indices handed out so far (records, and values that are not records).
    pub fn indices_used(&self) -> u64 {
        self.next_index - 1
    }

    /// Bytes consumed from the (decompressed) stream so far.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The next record or problem, or `None` at the end of the input.
    pub fn next_item(&mut self) -> Option<Item<'_>> {
        match self.scan() {
            Step::Record(start, end, offset, index) => Some(Item::Record {
                bytes: self.buf.get(start..end).unwrap_or_default(),
                offset,
                index,
            }),
            Step::Problem(p) => Some(Item::Problem(p)),
            Step::End => None,
        }
    }

    /// For the fast path ([`super::scan`]): when the reader stands between records at record
    /// level, moves past whitespace (and the comma between array elements) to the next `{`
    /// and says where that record starts. `None` when the exact path must take the next step
    /// (the start of the input, a problem to report, anything but a `{` next, ...).
    pub fn record_start(&mut self) -> Option<RecordStart> {
        if !self.started
            || self.finished
            || self.pending.is_some()
            || self.resync != Resync::Off
            || self.in_string
            || self.escape_pending
            || self.rec.is_some()
            || self.state == State::Scalar
            || self.mode.record_depth() != Some(self.stack.len())
        {
            return None;
        }
        loop {
            let data = self.buf.get(self.pos..self.end).unwrap_or_default();
            let skip = data
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .count();
            self.pos += skip;
            match self.buf.get(self.pos..self.end).unwrap_or_default().first() {
                None => {
                    if !self.refill() {
                        return None;
                    }
                }
                Some(b',') if self.state == State::After && self.mode != Mode::Top => {
                    self.state = State::Value;
                    self.pos += 1;
                }
                Some(b'{') if matches!(self.state, State::Value | State::ValueOrClose) => {
                    return Some(RecordStart {
                        offset: self.offset(),
                        index: self.next_index,
                        top_level: self.mode == Mode::Top,
                    });
                }
                Some(_) => return None,
            }
        }
    }

    /// The buffered bytes from the record that [`RecordReader::record_start`] found, at most
    /// the record limit of them.
    pub fn record_bytes(&self) -> &[u8] {
        let end = self.end.min(self.pos.saturating_add(self.max_record));
        self.buf.get(self.pos..end).unwrap_or_default()
    }

    /// Reads more of the record that [`RecordReader::record_start`] found, to at least twice
    /// what is buffered of it. False when nothing more can be had within the record limit (the
    /// end of the input, a read error, the limit reached): the exact path takes over.
    pub fn read_more(&mut self) -> bool {
        let have = self.end - self.pos;
        if have >= self.max_record {
            return false;
        }
        let want = have.saturating_mul(2).max(CHUNK);
        let mut grew = false;
        while self.end - self.pos < want {
            if !self.refill() {
                // What did arrive may complete the record; a read error stays pending and is
                // reported when the exact path next runs, as it would have been.
                return grew;
            }
            grew = true;
        }
        true
    }

    /// Takes the record that [`RecordReader::record_start`] found, `len` bytes long (the fast
    /// path read it whole).
    pub fn take_record(&mut self, len: usize) {
        self.pos = (self.pos + len).min(self.end);
        self.next_index += 1;
        self.after_value();
    }

    fn at(&self, i: usize) -> u64 {
        self.base + i as u64
    }

    /// Reads more input, keeping the open record. False at the end of the input.
    fn refill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        let keep = match self.rec {
            Some(r) if r.kept => r.start,
            _ => self.pos,
        };
        if keep > 0 {
            self.buf.copy_within(keep..self.end, 0);
            self.base += keep as u64;
            self.pos -= keep;
            self.end -= keep;
            if let Some(r) = self.rec.as_mut() {
                if r.kept {
                    r.start = 0;
                }
            }
        }
        if self.buf.len() - self.end < CHUNK {
            if self.rec.is_some_and(|r| r.kept) && self.end > self.max_record {
                // The record outgrew the limit: drop what is kept of it and follow the rest.
                // (`refill` runs only when everything read was scanned: `pos == end`.)
                if let Some(r) = self.rec.as_mut() {
                    r.kept = false;
                }
                self.base += self.end as u64;
                self.pos = 0;
                self.end = 0;
            }
            if self.buf.len() - self.end < CHUNK {
                let want = (self.end + CHUNK).next_power_of_two();
                self.buf.resize(want, 0);
            }
        }
        loop {
            let Some(space) = self.buf.get_mut(self.end..) else {
                return false;
            };
            let limit = space.len().min(CHUNK);
            let Some(space) = space.get_mut(..limit) else {
                return false;
            };
            match self.reader.read(space) {
                Ok(0) => {
                    self.eof = true;
                    return false;
                }
                Ok(n) => {
                    self.end += n;
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.eof = true;
                    self.pending = Some(Problem {
                        offset: self.at(self.end),
                        record: None,
                        kind: ProblemKind::Read {
                            message: describe_read_error(&e),
                        },
                    });
                    return false;
                }
            }
        }
    }

    /// The problem for the open record when the structure breaks at `i`, and the reset.
    fn broken(&mut self, i: usize, found: &'static str) -> Problem {
        let at = self.at(i);
        let problem = match self.rec.take() {
            Some(r) => Problem {
                offset: r.offset,
                record: Some(r.index),
                kind: ProblemKind::Broken { at, found },
            },
            None => Problem {
                offset: at,
                record: None,
                kind: ProblemKind::Stray,
            },
        };
        self.in_string = false;
        self.records_key = false;
        self.deep = 0;
        self.stack.truncate(self.mode.container_depth());
        self.state = State::Value;
        problem
    }

    /// Called when a value ends.
    fn after_value(&mut self) {
        self.state = if self.stack.is_empty() {
            State::Value
        } else {
            State::After
        };
    }

    /// Whether a value starting now sits where records sit.
    fn at_record_level(&self) -> bool {
        self.mode.record_depth() == Some(self.stack.len())
    }

    fn scan(&mut self) -> Step {
        if let Some(p) = self.pending.take() {
            return Step::Problem(p);
        }
        loop {
            if self.pos >= self.end {
                if !self.refill() {
                    if let Some(p) = self.pending.take() {
                        return Step::Problem(p);
                    }
                    return self.finish();
                }
                continue;
            }
            if !self.started {
                self.started = true;
                if self.buf.get(..3) == Some(b"\xEF\xBB\xBF".as_slice()) && self.base == 0 {
                    self.pos = 3;
                    continue;
                }
            }
            if self.resync != Resync::Off {
                if let Some(step) = self.resync_step() {
                    return step;
                }
                continue;
            }
            if self.in_string {
                if let Some(step) = self.string_step() {
                    return step;
                }
                continue;
            }
            if let Some(step) = self.structure_step() {
                return step;
            }
        }
    }

    /// Skips to the next line that starts with `{`.
    fn resync_step(&mut self) -> Option<Step> {
        let data = self.buf.get(self.pos..self.end).unwrap_or_default();
        match self.resync {
            Resync::Line => match memchr::memchr(b'\n', data) {
                Some(i) => {
                    self.pos += i + 1;
                    self.resync = Resync::LineStart;
                }
                None => self.pos = self.end,
            },
            Resync::LineStart => {
                let skip = data
                    .iter()
                    .take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                    .count();
                self.pos += skip;
                match data.get(skip) {
                    Some(b'{') => {
                        self.resync = Resync::Off;
                        self.deep = 0;
                        self.stack.truncate(self.mode.container_depth());
                        self.state = State::Value;
                    }
                    Some(_) => self.resync = Resync::Line,
                    None => {}
                }
            }
            Resync::Off => {}
        }
        None
    }

    /// Inside a string: finds its end, steps over escapes.
    fn string_step(&mut self) -> Option<Step> {
        if self.escape_pending {
            self.escape_pending = false;
            self.pos += 1;
            return None;
        }
        let data = self.buf.get(self.pos..self.end).unwrap_or_default();
        let Some(i) = memchr::memchr3(b'"', b'\\', b'\n', data) else {
            self.pos = self.end;
            return None;
        };
        let at = self.pos + i;
        match data.get(i) {
            Some(b'\\') => {
                if at + 1 < self.end {
                    self.pos = at + 2;
                } else {
                    self.pos = at + 1;
                    self.escape_pending = true;
                }
                None
            }
            Some(b'"') => {
                self.pos = at + 1;
                self.in_string = false;
                if self.string_is_key {
                    self.state = State::Colon;
                    if self.mode == Mode::Top && self.stack.len() == 1 {
                        self.records_key = self.key_is_records(at);
                    }
                } else {
                    self.after_value();
                }
                None
            }
            _ => {
                // A raw line break inside a string: the line was cut short.
                let p = self.broken(at, "a line break inside a string");
                self.pos = at;
                self.resync = Resync::LineStart;
                Some(Step::Problem(p))
            }
        }
    }

    fn key_is_records(&self, end: usize) -> bool {
        let Some(start) = self
            .key_offset
            .checked_sub(self.base)
            .and_then(|s| usize::try_from(s).ok())
        else {
            return false;
        };
        self.buf.get(start..end) == Some(b"Records".as_slice())
    }

    /// Outside strings: structural bytes until a string starts, the buffer ends, or
    /// something is found.
    fn structure_step(&mut self) -> Option<Step> {
        while self.pos < self.end && !self.in_string && self.resync == Resync::Off {
            if let Some(step) = self.structure_byte() {
                return Some(step);
            }
        }
        None
    }

    /// Outside strings: one structural byte.
    #[inline]
    fn structure_byte(&mut self) -> Option<Step> {
        let i = self.pos;
        let b = *self.buf.get(i)?;
        if self.deep > 0 {
            self.deep_byte(b);
            return None;
        }
        if self.state == State::Scalar {
            if is_scalar_byte(b) {
                self.pos += 1;
                return None;
            }
            self.after_value();
        }
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {
                self.pos += 1;
                None
            }
            b'"' => match self.state {
                State::Value | State::ValueOrClose => {
                    let step = self.value_start(i);
                    self.in_string = true;
                    self.string_is_key = false;
                    self.pos += 1;
                    step
                }
                State::Key | State::KeyOrClose => {
                    self.in_string = true;
                    self.string_is_key = true;
                    self.key_offset = self.at(i + 1);
                    self.pos += 1;
                    None
                }
                _ => Some(self.break_here(i, "a string where it cannot be")),
            },
            b'{' => match self.state {
                State::Value | State::ValueOrClose => {
                    if self.stack.len() >= MAX_DEPTH {
                        self.deep = 1;
                        self.pos += 1;
                        return None;
                    }
                    if self.stack.len() == 1 && self.mode == Mode::Top {
                        self.records_key = false;
                    }
                    if self.at_record_level() {
                        self.rec = Some(Open {
                            start: i,
                            kept: true,
                            offset: self.at(i),
                            index: self.next_index,
                            depth: self.stack.len(),
                        });
                        self.next_index += 1;
                    }
                    self.stack.push(b'{');
                    self.state = State::KeyOrClose;
                    self.pos += 1;
                    None
                }
                _ => {
                    // An object where none can start: the record before was cut short, and
                    // this may be the next one. Report, reset, and read this byte again. (With
                    // no record open, only a comma is missing: nothing is lost.)
                    let open = self.rec.is_some();
                    let p = self.broken(i, "the start of another object");
                    open.then_some(Step::Problem(p))
                }
            },
            b'[' => match self.state {
                State::Value | State::ValueOrClose => {
                    if self.stack.len() >= MAX_DEPTH {
                        self.deep = 1;
                        self.pos += 1;
                        return None;
                    }
                    let mut step = None;
                    if self.stack.is_empty() && self.mode == Mode::Top {
                        self.mode = Mode::Array;
                    } else if self.mode == Mode::Top && self.stack.len() == 1 && self.records_key {
                        // `{"Records": [`: an S3 wrapper, not a record.
                        self.mode = Mode::Wrapper;
                        if let Some(r) = self.rec.take() {
                            self.next_index = r.index;
                        }
                        self.records_key = false;
                    } else {
                        step = self.value_start(i);
                    }
                    self.stack.push(b'[');
                    self.state = State::ValueOrClose;
                    self.pos += 1;
                    step
                }
                _ => Some(self.break_here(i, "`[` where it cannot be")),
            },
            b'}' => {
                if !matches!(self.state, State::After | State::KeyOrClose)
                    || self.stack.last() != Some(&b'{')
                {
                    return Some(self.break_here(i, "an unmatched `}`"));
                }
                self.stack.pop();
                self.pos += 1;
                if let Some(r) = self.rec {
                    if r.depth == self.stack.len() {
                        self.rec = None;
                        self.after_value();
                        let len = self.at(i + 1) - r.offset;
                        if r.kept && len <= self.max_record as u64 {
                            return Some(Step::Record(r.start, i + 1, r.offset, r.index));
                        }
                        return Some(Step::Problem(Problem {
                            offset: r.offset,
                            record: Some(r.index),
                            kind: ProblemKind::Oversized { len },
                        }));
                    }
                }
                if self.stack.is_empty() && self.mode == Mode::WrapperRest {
                    self.mode = Mode::Top;
                }
                self.after_value();
                None
            }
            b']' => {
                if !matches!(self.state, State::After | State::ValueOrClose)
                    || self.stack.last() != Some(&b'[')
                {
                    return Some(self.break_here(i, "an unmatched `]`"));
                }
                self.stack.pop();
                self.pos += 1;
                if self.mode == Mode::Array && self.stack.is_empty() {
                    self.mode = Mode::Top;
                } else if self.mode == Mode::Wrapper && self.stack.len() == 1 {
                    self.mode = Mode::WrapperRest;
                }
                self.after_value();
                None
            }
            b':' => {
                if self.state != State::Colon {
                    return Some(self.break_here(i, "`:` where it cannot be"));
                }
                self.state = State::Value;
                self.pos += 1;
                None
            }
            b',' => {
                if self.stack.is_empty() {
                    // Lenient: commas between top-level objects.
                    self.pos += 1;
                    return None;
                }
                if self.state != State::After {
                    return Some(self.break_here(i, "`,` where it cannot be"));
                }
                self.state = if self.stack.last() == Some(&b'{') {
                    State::Key
                } else {
                    State::Value
                };
                self.pos += 1;
                None
            }
            b if is_scalar_start(b) => match self.state {
                State::Value | State::ValueOrClose => {
                    let step = self.value_start(i);
                    self.state = State::Scalar;
                    self.pos += 1;
                    step
                }
                _ => Some(self.break_here(i, "a value where it cannot be")),
            },
            _ => Some(self.break_here(i, "a byte that cannot start a JSON value")),
        }
    }

    /// One byte below the stack's depth (see `deep`): brackets are counted, strings skipped.
    fn deep_byte(&mut self, b: u8) {
        self.pos += 1;
        match b {
            b'{' | b'[' => self.deep = self.deep.saturating_add(1),
            b'}' | b']' => {
                self.deep -= 1;
                if self.deep == 0 {
                    // The value that went too deep ends here.
                    self.after_value();
                }
            }
            b'"' => {
                self.in_string = true;
                self.string_is_key = false;
            }
            _ => {}
        }
    }

    /// A non-object value starts at `i`: at record level it is reported.
    fn value_start(&mut self, i: usize) -> Option<Step> {
        if self.mode == Mode::Top && self.stack.len() == 1 {
            self.records_key = false;
        }
        if self.at_record_level() {
            let index = self.next_index;
            self.next_index += 1;
            return Some(Step::Problem(Problem {
                offset: self.at(i),
                record: Some(index),
                kind: ProblemKind::NotAnObject,
            }));
        }
        None
    }

    /// Reports broken structure at `i` and skips to the next line that starts with `{`.
    fn break_here(&mut self, i: usize, found: &'static str) -> Step {
        let p = self.broken(i, found);
        self.pos = i + 1;
        self.resync = Resync::Line;
        Step::Problem(p)
    }

    /// At the end of the input.
    fn finish(&mut self) -> Step {
        if self.finished {
            return Step::End;
        }
        self.finished = true;
        if self.resync != Resync::Off {
            return Step::End;
        }
        if let Some(r) = self.rec.take() {
            return Step::Problem(Problem {
                offset: r.offset,
                record: Some(r.index),
                kind: if r.kept {
                    ProblemKind::Truncated
                } else {
                    ProblemKind::Oversized {
                        len: self.at(self.end) - r.offset,
                    }
                },
            });
        }
        if !self.stack.is_empty() || self.in_string {
            return Step::Problem(Problem {
                offset: self.at(self.end),
                record: None,
                kind: ProblemKind::Unclosed,
            });
        }
        Step::End
    }
}

/// The splitter's state at a record start, outside any record: what holds the records (the
/// top level, an array, an S3 wrapper) and what is expected. Compared to check a guessed
/// boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boundary {
    mode: Mode,
    stack: Vec<u8>,
    state: State,
}

impl Boundary {
    /// The state before a record of a stream of top-level objects (NDJSON).
    pub fn top_level() -> Self {
        Boundary {
            mode: Mode::Top,
            stack: Vec::new(),
            state: State::Value,
        }
    }

    /// The state before a record of a JSON array of events, after a comma.
    pub fn array() -> Self {
        Boundary {
            mode: Mode::Array,
            stack: b"[".to_vec(),
            state: State::Value,
        }
    }

    /// The state before a record of an S3 wrapper's `Records` array, after a comma.
    pub fn wrapper() -> Self {
        Boundary {
            mode: Mode::Wrapper,
            stack: b"{[".to_vec(),
            state: State::Value,
        }
    }

    /// Whether records are top-level objects here (NDJSON), so they follow a `}` rather than
    /// a comma.
    pub fn is_top_level(&self) -> bool {
        self.mode == Mode::Top
    }
}

/// Where the next record starts (see [`RecordReader::record_start`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordStart {
    /// Byte offset of its `{` in the (decompressed) stream.
    pub offset: u64,
    /// Its 1-based index among the records of the stream.
    pub index: u64,
    /// Whether it is a top-level object (NDJSON), where a `Records` key would make it an S3
    /// wrapper instead.
    pub top_level: bool,
}

/// What one scan step found: a record (buffer range, offset, index), a problem, or the end.
enum Step {
    Record(usize, usize, u64, u64),
    Problem(Problem),
    End,
}

fn is_scalar_start(b: u8) -> bool {
    b == b'-' || b.is_ascii_digit() || matches!(b, b't' | b'f' | b'n')
}

fn is_scalar_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-')
}

/// A read error in words (gzip errors come through as I/O errors).
pub(crate) fn describe_read_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "the compressed stream ends early (truncated gzip)".into(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            format!("corrupt compressed data ({e})")
        }
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &[u8]) -> (Vec<String>, Vec<Problem>) {
        split_with(input, DEFAULT_MAX_RECORD)
    }

    fn split_with(input: &[u8], max: usize) -> (Vec<String>, Vec<Problem>) {
        let mut r = RecordReader::with_max_record(input, max);
        let mut records = Vec::new();
        let mut problems = Vec::new();
        while let Some(item) = r.next_item() {
            match item {
                Item::Record { bytes, .. } => {
                    records.push(String::from_utf8_lossy(bytes).into_owned());
                }
                Item::Problem(p) => problems.push(p),
            }
        }
        (records, problems)
    }

    #[test]
    fn reads_every_shape() {
        let wrapper = br#"{"Records":[{"a":1},{"b":[{"c":"}"}]}]}"#;
        let (r, p) = split(wrapper);
        assert_eq!(r, vec![r#"{"a":1}"#, r#"{"b":[{"c":"}"}]}"#]);
        assert!(p.is_empty());
        let array = b"[\n {\"a\": \"x\\\"y\"},\n {\"b\": 2}\n]\n";
        let (r, p) = split(array);
        assert_eq!(r, vec![r#"{"a": "x\"y"}"#, r#"{"b": 2}"#]);
        assert!(p.is_empty());
        let ndjson = b"{\"a\":1}\n{\"b\":{\"Records\":[1]}}\n\n{\"c\":3}";
        let (r, p) = split(ndjson);
        assert_eq!(r.len(), 3);
        assert!(p.is_empty(), "{p:?}");
        let wrapper_later = br#"{"x":{"y":1},"Records":[{"a":1}],"z":[2]} {"b":1}"#;
        let (r, p) = split(wrapper_later);
        assert_eq!(r, vec![r#"{"a":1}"#, r#"{"b":1}"#]);
        assert!(p.is_empty());
    }

    #[test]
    fn reports_truncation_and_resumes() {
        let (r, p) = split(b"[{\"a\":1},{\"b\":");
        assert_eq!(r, vec![r#"{"a":1}"#]);
        assert_eq!(
            p,
            vec![Problem {
                offset: 9,
                record: Some(2),
                kind: ProblemKind::Truncated
            }]
        );
        // A half-written NDJSON line followed by good lines.
        let (r, p) = split(b"{\"a\":1}\n{\"b\":{\"c\":1\n{\"d\":1}\n{\"e\":\"cut\n{\"f\":1}\n");
        assert_eq!(r, vec![r#"{"a":1}"#, r#"{"d":1}"#, r#"{"f":1}"#]);
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!((p[0].offset, p[0].record), (8, Some(2)));
        assert!(matches!(p[0].kind, ProblemKind::Broken { at: 20, .. }));
        assert_eq!(p[1].record, Some(4));
        // Closing brackets missing after complete records.
        let (r, p) = split(br#"{"Records":[{"a":1}"#);
        assert_eq!(r.len(), 1);
        assert_eq!(p[0].kind, ProblemKind::Unclosed);
    }

    #[test]
    fn skips_oversized_records_and_stray_bytes() {
        let mut big = b"{\"a\":1}\n{\"big\":\"".to_vec();
        big.extend(std::iter::repeat_n(b'x', 5000));
        big.extend(b"\"}\n{\"b\":2}\n");
        let (r, p) = split_with(&big, 1024);
        assert_eq!(r, vec![r#"{"a":1}"#, r#"{"b":2}"#]);
        assert!(matches!(p[0].kind, ProblemKind::Oversized { len } if len > 5000));
        assert_eq!(p[0].record, Some(2));
        let (r, p) = split(b"garbage here\n{\"a\":1}\n[1, {\"b\":2}]");
        assert_eq!(r, vec![r#"{"a":1}"#, r#"{"b":2}"#]);
        assert_eq!(p[0].kind, ProblemKind::Stray);
        assert_eq!(p[1].kind, ProblemKind::NotAnObject);
    }

    #[test]
    fn records_span_buffer_refills() {
        let mut input = b"[".to_vec();
        let record = format!("{{\"k\":\"{}\\\\\",\"n\":[1,2,{{}}]}}", "v".repeat(1000));
        for i in 0..2000 {
            if i > 0 {
                input.push(b',');
            }
            input.extend(record.as_bytes());
        }
        input.push(b']');
        let (r, p) = split(&input);
        assert!(p.is_empty());
        assert_eq!(r.len(), 2000);
        assert!(r.iter().all(|x| *x == record));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        /// Records nested to any depth (on either side of the stack's limit), with strings
        /// holding brackets at every level, are cut out exactly, in every shape, and nothing
        /// around them is lost.
        #[test]
        fn any_nesting_is_cut_exactly(
            depths in proptest::collection::vec(0usize..1500, 1..5),
            kinds in proptest::collection::vec(proptest::prelude::any::<bool>(), 1500),
            shape in 0usize..4,
        ) {
            let records: Vec<String> = depths
                .iter()
                .enumerate()
                .map(|(n, &depth)| {
                    let mut s = format!(r#"{{"n":{n},"v":"#);
                    for kind in kinds.iter().take(depth) {
                        s.push_str(if *kind { r#"{"k]}":"# } else { r#"["[{\"","# });
                    }
                    s.push_str("null");
                    for kind in kinds.iter().take(depth).rev() {
                        s.push(if *kind { '}' } else { ']' });
                    }
                    s.push('}');
                    s
                })
                .collect();
            let input = match shape {
                0 => format!(r#"{{"Records":[{}]}}"#, records.join(",")),
                1 => format!("[\n{}\n]", records.join(",\n")),
                2 => records.join("\n"),
                _ => records.join(""),
            };
            let (r, p) = split(input.as_bytes());
            proptest::prop_assert!(p.is_empty(), "{:?}", p);
            proptest::prop_assert_eq!(r, records);
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let input = "[".repeat(100_000);
        let (r, p) = split(input.as_bytes());
        assert!(r.is_empty());
        assert!(!p.is_empty());
    }
}
