//! Reading CloudTrail: inputs (files, directories, standard input; gzip or not), event records
//! parsed from the splitter's bytes, and the parallel read.
//!
//! Each input is streamed through [`RecordReader`] (bounded memory, see [`super::split`]), and
//! each record is parsed by `serde_json` into a borrowed [`Event`] that keeps only the fields
//! the generator uses (the request parameters stay raw until a mapping needs them). Inputs are
//! read by a small pool of threads; each thread feeds its own [`Sink`], and the caller merges
//! the sinks. Problems (malformed records, unreadable files) go to the sink with their file and
//! position; none stops the read.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fs;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::parts::{plan, read_in_parts, PART_MIN};
use super::scan::{scan_record_with, Scan};
use super::split::{describe_read_error, Boundary, Item, Problem, ProblemKind, RecordReader};

/// One CloudTrail event, borrowed from the record's bytes. Fields the generator does not use
/// are skipped while parsing.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event<'a> {
    /// `eventSource` (`s3.amazonaws.com`).
    #[serde(borrow)]
    pub event_source: Option<Cow<'a, str>>,
    /// `eventName`, the API operation (`GetObject`, `UpdateFunctionCode20150331v2`).
    #[serde(borrow)]
    pub event_name: Option<Cow<'a, str>>,
    /// `eventTime` (`2024-08-01T13:52:02Z`).
    #[serde(borrow)]
    pub event_time: Option<Cow<'a, str>>,
    /// `eventType` (`AwsApiCall`, `AwsServiceEvent`, `AwsConsoleSignIn`, …).
    #[serde(borrow)]
    pub event_type: Option<Cow<'a, str>>,
    /// `awsRegion`.
    #[serde(borrow)]
    pub aws_region: Option<Cow<'a, str>>,
    /// `sourceIPAddress` (an IP address, or a service name for calls AWS made).
    #[serde(rename = "sourceIPAddress", borrow)]
    pub source_ip_address: Option<Cow<'a, str>>,
    /// `recipientAccountId`.
    #[serde(borrow)]
    pub recipient_account_id: Option<Cow<'a, str>>,
    /// `errorCode`, when the call failed.
    #[serde(borrow)]
    pub error_code: Option<Cow<'a, str>>,
    /// `readOnly`.
    #[serde(default, deserialize_with = "lenient_bool")]
    pub read_only: Option<bool>,
    /// `userIdentity`.
    #[serde(borrow)]
    pub user_identity: Option<UserIdentity<'a>>,
    /// `requestParameters`, unparsed.
    #[serde(borrow)]
    pub request_parameters: Option<&'a RawValue>,
    /// `responseElements`, unparsed (ARNs and IDs of what a call created or named).
    #[serde(borrow)]
    pub response_elements: Option<&'a RawValue>,
    /// `resources`.
    #[serde(borrow, default)]
    pub resources: Option<Vec<EventResource<'a>>>,
}

/// `userIdentity`: who made the call.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity<'a> {
    /// `type`: `IAMUser`, `AssumedRole`, `FederatedUser`, `Root`, `AWSService`, …
    #[serde(rename = "type", borrow)]
    pub kind: Option<Cow<'a, str>>,
    /// The caller's ARN (a user, a role session, a federated user, the root).
    #[serde(borrow)]
    pub arn: Option<Cow<'a, str>>,
    /// The caller's account.
    #[serde(borrow)]
    pub account_id: Option<Cow<'a, str>>,
    /// The service that made the call on the caller's behalf.
    #[serde(borrow)]
    pub invoked_by: Option<Cow<'a, str>>,
    /// For sessions: who issued them, and session attributes.
    #[serde(borrow)]
    pub session_context: Option<SessionContext<'a>>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext<'a> {
    /// The role or user that issued the session.
    #[serde(borrow)]
    pub session_issuer: Option<SessionIssuer<'a>>,
    /// Session attributes.
    #[serde(borrow)]
    pub attributes: Option<SessionAttributes<'a>>,
}

/// `userIdentity.sessionContext.sessionIssuer`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionIssuer<'a> {
    /// `Role`, `IAMUser`, …
    #[serde(rename = "type", borrow)]
    pub kind: Option<Cow<'a, str>>,
    /// The issuer's ARN (the role ARN, with its path).
    #[serde(borrow)]
    pub arn: Option<Cow<'a, str>>,
}

/// `userIdentity.sessionContext.attributes`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAttributes<'a> {
    /// `"true"` or `"false"`.
    #[serde(borrow)]
    pub mfa_authenticated: Option<Cow<'a, str>>,
}

/// One entry of `resources`.
#[derive(Debug, Deserialize)]
pub struct EventResource<'a> {
    /// The resource ARN.
    #[serde(rename = "ARN", alias = "arn", borrow)]
    pub arn: Option<Cow<'a, str>>,
}

fn lenient_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Lenient<'a> {
        Bool(bool),
        Text(&'a str),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Lenient<'de>>::deserialize(d)? {
        Some(Lenient::Bool(b)) => Some(b),
        Some(Lenient::Text(t)) => t.parse().ok(),
        Some(Lenient::Other(_)) | None => None,
    })
}

/// Parses one record. A record that is not valid JSON, not an object of the event shape, or
/// lacks `eventSource` or `eventName` is a problem.
pub fn parse_event(bytes: &[u8]) -> Result<Event<'_>, ProblemKind> {
    let event: Event<'_> = serde_json::from_slice(bytes).map_err(|e| ProblemKind::Invalid {
        message: e.to_string(),
    })?;
    if event.event_name.as_deref().is_none_or(str::is_empty) {
        return Err(ProblemKind::MissingField { field: "eventName" });
    }
    if event.event_source.as_deref().is_none_or(str::is_empty) {
        return Err(ProblemKind::MissingField {
            field: "eventSource",
        });
    }
    Ok(event)
}

/// Where a record is: its file, byte offset (in the decompressed stream) and 1-based index.
#[derive(Debug, Clone, Copy)]
pub struct Position<'a> {
    /// The input's name.
    pub file: &'a str,
    /// Byte offset of the record's `{`.
    pub offset: u64,
    /// 1-based index of the record in its input; 0 for the events of a part of a large file
    /// that was read ahead in parallel, before the records ahead of it were counted (see
    /// [`read_inputs`]; problems always carry their index).
    pub record: u64,
}

/// A problem with its input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputProblem {
    /// The input's name.
    pub file: String,
    /// Byte offset (in the decompressed stream).
    pub offset: u64,
    /// 1-based record index, when the problem is one record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    /// Whether a record (or stray text) was lost; false for a structure left open after the
    /// last record, and for read errors (which say where reading stopped).
    pub record_lost: bool,
    /// What is wrong.
    pub message: String,
}

impl InputProblem {
    fn new(file: &str, p: &Problem) -> Self {
        InputProblem {
            file: file.to_string(),
            offset: p.offset,
            record: p.record,
            record_lost: !matches!(p.kind, ProblemKind::Unclosed | ProblemKind::Read { .. }),
            message: p.kind.to_string(),
        }
    }
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.record {
            Some(r) => write!(
                f,
                "{}: record #{r} at byte {}: {}",
                self.file, self.offset, self.message
            ),
            None => write!(
                f,
                "{}: at byte {}: {}",
                self.file, self.offset, self.message
            ),
        }
    }
}

/// What reading one input found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InputStats {
    /// Bytes read from the file or stream (compressed size for gzip).
    pub bytes: u64,
    /// Bytes of JSON (after decompression).
    pub json_bytes: u64,
    /// Records found (valid or not).
    pub records: u64,
}

/// Receives what the read finds. Each reading thread has its own.
pub trait Sink: Send {
    /// A valid event.
    fn event(&mut self, event: &Event<'_>, at: Position<'_>);
    /// A problem with an input.
    fn problem(&mut self, problem: InputProblem);
    /// An input was read to its end (or as far as it could be).
    fn input_done(&mut self, name: &str, stats: InputStats);
}

/// An input: a file, or a named stream (standard input).
pub enum Input {
    /// A file (gzip or not: the content decides).
    Path(PathBuf),
    /// A stream, with the name to show for it.
    Stream {
        /// The name in messages (`<stdin>`).
        name: String,
        /// The bytes.
        reader: Box<dyn Read + Send>,
    },
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Path(p) => f.debug_tuple("Path").field(p).finish(),
            Input::Stream { name, .. } => f.debug_struct("Stream").field("name", name).finish(),
        }
    }
}

impl Input {
    /// The name shown in messages.
    pub fn name(&self) -> String {
        match self {
            Input::Path(p) => p.display().to_string(),
            Input::Stream { name, .. } => name.clone(),
        }
    }
}

/// Expands paths into input files: files as given (any name), directories walked recursively
/// for CloudTrail files (`*.json`, `*.json.gz`, `*.jsonl`, `*.ndjson`, and those names with
/// `.gz`; hidden entries skipped), each directory's files sorted. `-` is kept as is (standard
/// input, for the caller to open). Paths that cannot be read are returned as problems.
/// Entries of a directory with those names that are not regular files (FIFOs, devices,
/// sockets; a symbolic link counts as what it points to) are skipped, never opened: see
/// [`collect_inputs_skipping`] for the list.
pub fn collect_inputs(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<InputProblem>) {
    let (out, problems, _) = collect_inputs_skipping(paths);
    (out, problems)
}

/// An entry of a directory that is not a regular file, skipped by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its path.
    pub path: PathBuf,
    /// What it is: `a FIFO`, `a character device`, `a block device`, `a socket`.
    pub kind: &'static str,
}

/// [`collect_inputs`], with the entries skipped because they are not regular files.
pub fn collect_inputs_skipping(
    paths: &[PathBuf],
) -> (Vec<PathBuf>, Vec<InputProblem>, Vec<Skipped>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(path.clone());
            continue;
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let start = out.len();
                walk(path, &mut out, &mut problems, &mut skipped);
                if let Some(found) = out.get_mut(start..) {
                    found.sort();
                }
            }
            Ok(_) => out.push(path.clone()),
            Err(e) => problems.push(io_problem(path, &e)),
        }
    }
    (out, problems, skipped)
}

/// Expands inputs: directories become the trail files under them (see [`collect_inputs`]);
/// files and streams stay as they are.
pub fn expand_inputs(inputs: Vec<Input>) -> (Vec<Input>, Vec<InputProblem>) {
    let mut out = Vec::with_capacity(inputs.len());
    let mut problems = Vec::new();
    for input in inputs {
        match input {
            Input::Path(p) if p.is_dir() => {
                let (found, mut errs) = collect_inputs(std::slice::from_ref(&p));
                out.extend(found.into_iter().map(Input::Path));
                problems.append(&mut errs);
            }
            other => out.push(other),
        }
    }
    (out, problems)
}

fn io_problem(path: &Path, e: &io::Error) -> InputProblem {
    InputProblem {
        file: path.display().to_string(),
        offset: 0,
        record: None,
        record_lost: false,
        message: match e.kind() {
            io::ErrorKind::NotFound => "no such file or directory".to_string(),
            io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        },
    }
}

/// Whether a file name is one a CloudTrail directory holds.
pub fn is_trail_file_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let base = name.strip_suffix(".gz").unwrap_or(&name);
    [".json", ".jsonl", ".ndjson"]
        .iter()
        .any(|ext| base.ends_with(ext))
}

/// What a file that is not a regular file is, for messages: `Some("a FIFO")`; `None` for a
/// regular file. (The CLI's reader uses it too: one wording for every input.)
pub fn special_kind(file_type: fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    if file_type.is_symlink() {
        return Some("a symbolic link");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
}

fn walk(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    problems: &mut Vec<InputProblem>,
    skipped: &mut Vec<Skipped>,
) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(io_problem(dir, &e));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, out, problems, skipped),
            Ok(t) if is_trail_file_name(&name) => {
                // A symbolic link is read as what it points to (as before); anything but a
                // regular file is never opened: opening a FIFO blocks until a writer comes,
                // and a device may never end.
                let target = if t.is_symlink() {
                    fs::metadata(&path).map(|m| m.file_type())
                } else {
                    Ok(t)
                };
                match target.map(special_kind) {
                    Ok(None) => out.push(path),
                    Ok(Some(kind)) => skipped.push(Skipped { path, kind }),
                    Err(e) => problems.push(io_problem(&path, &e)),
                }
            }
            _ => {}
        }
    }
}

/// How to read.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Reading threads (at least 1).
    pub threads: usize,
    /// Records longer than this many bytes are skipped and reported.
    pub max_record: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            max_record: super::split::DEFAULT_MAX_RECORD,
        }
    }
}

/// Progress of a read, for a progress bar: bytes read of the bytes to read (file sizes; a
/// stream adds nothing to the total), and inputs done.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes to read, known up front.
    pub total: AtomicU64,
    /// Bytes read so far.
    pub done: AtomicU64,
    /// Inputs read to the end.
    pub inputs_done: AtomicUsize,
    /// Inputs in all.
    pub inputs: AtomicUsize,
}

/// Reads every input with `options.threads` threads; each thread feeds a sink made by `make`.
/// Returns the sinks (one per thread that ran, and one per part of a file read in parts), for
/// the caller to merge. Inputs are taken in order; the result does not depend on which thread
/// read which input as long as the sinks merge in an order-independent way.
///
/// A plain file that alone holds more than a thread's share of the bytes (at least twice
/// [`PART_MIN`]) is read in parallel parts first ([`super::parts`]); events of a part read
/// ahead then carry record index 0 in their [`Position`].
pub fn read_inputs<S, F>(
    inputs: Vec<Input>,
    options: &ReadOptions,
    progress: Option<&Progress>,
    make: F,
) -> Vec<S>
where
    S: Sink,
    F: Fn() -> S + Sync,
{
    let sizes: Vec<Option<u64>> = inputs
        .iter()
        .map(|i| match i {
            Input::Path(p) => fs::metadata(p)
                .ok()
                .filter(fs::Metadata::is_file)
                .map(|m| m.len()),
            Input::Stream { .. } => None,
        })
        .collect();
    let total: u64 = sizes.iter().flatten().sum();
    if let Some(p) = progress {
        p.total.fetch_add(total, Ordering::Relaxed);
        p.inputs.fetch_add(inputs.len(), Ordering::Relaxed);
    }
    let mut sinks = Vec::new();
    let mut rest = VecDeque::with_capacity(inputs.len());
    let threads = options.threads.max(1);
    for (input, size) in inputs.into_iter().zip(sizes) {
        if let (Input::Path(path), Some(len)) = (&input, size) {
            let large = len >= 2 * PART_MIN && len.saturating_mul(threads as u64) > total;
            if let Some((boundary, starts)) = large.then(|| plan(path, len, threads)).flatten() {
                let name = input.name();
                sinks.extend(read_in_parts(
                    &name, path, &boundary, &starts, threads, options, progress, &make,
                ));
                if let Some(p) = progress {
                    p.inputs_done.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            }
        }
        rest.push_back(input);
    }
    let threads = threads.min(rest.len());
    if threads == 0 {
        return sinks;
    }
    let queue = Mutex::new(rest);
    let work = |sink: &mut S| loop {
        let next = match queue.lock() {
            Ok(mut q) => q.pop_front(),
            Err(_) => None,
        };
        let Some(input) = next else {
            break;
        };
        read_input(input, options, progress, sink);
        if let Some(p) = progress {
            p.inputs_done.fetch_add(1, Ordering::Relaxed);
        }
    };
    if threads == 1 {
        let mut sink = make();
        work(&mut sink);
        sinks.push(sink);
        return sinks;
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut sink = make();
                    work(&mut sink);
                    sink
                })
            })
            .collect();
        sinks.extend(handles.into_iter().filter_map(|h| h.join().ok()));
    });
    sinks
}

/// Counts bytes read into the progress.
struct Counting<'p, R> {
    inner: R,
    progress: Option<&'p Progress>,
    read: u64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if let Some(p) = self.progress {
            p.done.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Reads one input into a sink.
pub fn read_input<S: Sink + ?Sized>(
    input: Input,
    options: &ReadOptions,
    progress: Option<&Progress>,
    sink: &mut S,
) {
    let name = input.name();
    let reader: Box<dyn Read + Send> = match input {
        Input::Path(path) => match fs::File::open(&path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                sink.problem(io_problem(&path, &e));
                sink.input_done(&name, InputStats::default());
                return;
            }
        },
        Input::Stream { reader, .. } => reader,
    };
    let counting = Counting {
        inner: reader,
        progress,
        read: 0,
    };
    let stats = read_stream(&name, counting, options, sink);
    sink.input_done(&name, stats);
}

/// Reads one stream (gzip or not) into a sink.
fn read_stream<R: Read, S: Sink + ?Sized>(
    name: &str,
    mut reader: Counting<'_, R>,
    options: &ReadOptions,
    sink: &mut S,
) -> InputStats {
    // Peek at the first two bytes: gzip starts with 1f 8b.
    let mut head = [0u8; 2];
    let mut got = 0;
    while got < head.len() {
        match reader.read(head.get_mut(got..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                sink.problem(InputProblem {
                    file: name.to_string(),
                    offset: 0,
                    record: None,
                    record_lost: false,
                    message: format!("could not read: {}", describe_read_error(&e)),
                });
                return InputStats {
                    bytes: reader.read,
                    ..InputStats::default()
                };
            }
        }
    }
    let gzip = got == 2 && head == [0x1f, 0x8b];
    let head = head.get(..got).unwrap_or_default().to_vec();
    let mut stats = InputStats::default();
    let chained = io::Cursor::new(head).chain(&mut reader);
    if gzip {
        let decoder =
            flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(128 * 1024, chained));
        split_into(name, decoder, options, sink, &mut stats);
    } else {
        split_into(name, chained, options, sink, &mut stats);
    }
    stats.bytes = reader.read;
    stats
}

fn split_into<R: Read, S: Sink + ?Sized>(
    name: &str,
    reader: R,
    options: &ReadOptions,
    sink: &mut S,
    stats: &mut InputStats,
) {
    let mut records = RecordReader::with_max_record(reader, options.max_record);
    read_records(name, &mut records, sink, stats, true, None);
    stats.json_bytes = records.offset();
}

/// Reads every record of a splitter into a sink. With `fast`, records go through the one-pass
/// reader ([`super::scan`]) where it is certain, and through the splitter and `serde_json`
/// otherwise; without, always through the latter (the tests compare the two).
///
/// With a `stop_at` offset, stops at the first record start at or after it where the splitter
/// stands outside any record (between records, at record level), and returns that offset and
/// the splitter's state there; `None` when it read to the end.
pub(super) fn read_records<R: Read, S: Sink + ?Sized>(
    name: &str,
    records: &mut RecordReader<R>,
    sink: &mut S,
    stats: &mut InputStats,
    fast: bool,
    stop_at: Option<u64>,
) -> Option<(u64, Boundary)> {
    // About how long the next record is (see `scan_record`).
    let mut expected = 2048;
    loop {
        let start = if fast || stop_at.is_some() {
            records.record_start()
        } else {
            None
        };
        if let Some(start) = start {
            if stop_at.is_some_and(|stop| start.offset >= stop) {
                return Some((start.offset, records.boundary()));
            }
        }
        if let Some(start) = start.filter(|_| fast) {
            let position = Position {
                file: name,
                offset: start.offset,
                record: start.index,
            };
            let bytes = records.record_bytes();
            let step = scan_record_with(bytes, start.top_level, expected, |event| {
                sink.event(event, position);
            });
            if let Scan::Event((), len) = step {
                stats.records += 1;
                expected = len + len / 4 + 64;
            }
            match step {
                Scan::Event((), len) => {
                    records.take_record(len);
                    continue;
                }
                Scan::NeedMore if records.read_more() => continue,
                Scan::NeedMore | Scan::Fallback => {}
            }
        }
        match records.next_item() {
            None => return None,
            Some(Item::Record {
                bytes,
                offset,
                index,
            }) => {
                stats.records += 1;
                match parse_event(bytes) {
                    Ok(event) => sink.event(
                        &event,
                        Position {
                            file: name,
                            offset,
                            record: index,
                        },
                    ),
                    Err(kind) => sink.problem(InputProblem::new(
                        name,
                        &Problem {
                            offset,
                            record: Some(index),
                            kind,
                        },
                    )),
                }
            }
            Some(Item::Problem(p)) => {
                if p.record.is_some() {
                    stats.records += 1;
                }
                sink.problem(InputProblem::new(name, &p));
            }
        }
    }
}

/// Shared by tests and benchmarks: a sink that counts.
#[derive(Debug, Default, Clone)]
pub struct CountingSink {
    /// Valid events.
    pub events: u64,
    /// Problems.
    pub problems: Vec<InputProblem>,
    /// Bytes read, JSON bytes.
    pub stats: InputStats,
}

impl Sink for CountingSink {
    fn event(&mut self, _event: &Event<'_>, _at: Position<'_>) {
        self.events += 1;
    }

    fn problem(&mut self, problem: InputProblem) {
        self.problems.push(problem);
    }

    fn input_done(&mut self, _name: &str, stats: InputStats) {
        self.stats.bytes += stats.bytes;
        self.stats.json_bytes += stats.json_bytes;
        self.stats.records += stats.records;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_bytes(bytes: &[u8]) -> CountingSink {
        let mut sink = CountingSink::default();
        read_input(
            Input::Stream {
                name: "t".into(),
                reader: Box::new(io::Cursor::new(bytes.to_vec())),
            },
            &ReadOptions::default(),
            None,
            &mut sink,
        );
        sink
    }

    #[test]
    fn parses_events_and_reports_bad_records() {
        let input = br#"{"Records":[
            {"eventSource":"s3.amazonaws.com","eventName":"GetObject","readOnly":"true",
             "requestParameters":{"bucketName":"b","key":"k"},"responseElements":null},
            {"eventSource":"s3.amazonaws.com"},
            {"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":5},
            {"eventSource":"s3.amazonaws.com","eventName":"PutObject","resources":[{"ARN":"arn:aws:s3:::b/k"}]}
        ]}"#;
        let sink = read_bytes(input);
        assert_eq!(sink.events, 2);
        assert_eq!(sink.problems.len(), 2);
        assert_eq!(sink.problems[0].record, Some(2));
        assert!(sink.problems[0].message.contains("eventName"));
        assert_eq!(sink.problems[1].record, Some(3));
        let e = parse_event(br#"{"eventSource":"a","eventName":"B","readOnly":true}"#).unwrap();
        assert_eq!(e.read_only, Some(true));
    }

    #[test]
    fn reads_gzip_and_reports_truncation() {
        use std::fmt::Write as _;
        use std::io::Write;
        let mut text = String::from("[");
        for i in 0..2000 {
            if i > 0 {
                text.push(',');
            }
            let _ = write!(
                text,
                r#"{{"eventSource":"s3.amazonaws.com","eventName":"GetObject","n":{i},"pad":"{}"}}"#,
                "x".repeat(200)
            );
        }
        text.push(']');
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let sink = read_bytes(&gz);
        assert_eq!(sink.events, 2000);
        assert!(sink.problems.is_empty());
        assert_eq!(sink.stats.json_bytes, text.len() as u64);
        let cut = read_bytes(&gz[..gz.len() / 2]);
        assert!(cut.events > 500 && cut.events < 2000, "{}", cut.events);
        assert!(cut
            .problems
            .iter()
            .any(|p| p.message.contains("truncated gzip")));
        assert!(cut.problems.iter().any(|p| p.record.is_some()));
    }
}

/// The fast path must give exactly what the exact path gives: the same events (field by
/// field), at the same offsets and indices, and the same problems in the same order.
#[cfg(test)]
mod fast_path_tests {
    use std::fmt::Write as _;

    use proptest::prelude::*;

    use super::super::split::DEFAULT_MAX_RECORD;
    use super::*;

    /// Everything a read delivers, as text.
    #[derive(Debug, Default)]
    struct Recording(Vec<String>);

    impl Sink for Recording {
        fn event(&mut self, event: &Event<'_>, at: Position<'_>) {
            self.0
                .push(format!("event {} #{} {event:?}", at.offset, at.record));
        }

        fn problem(&mut self, problem: InputProblem) {
            self.0.push(format!("problem {problem:?}"));
        }

        fn input_done(&mut self, _name: &str, _stats: InputStats) {}
    }

    /// Hands out the bytes in pieces of the given sizes, in turn (to exercise refills).
    struct Pieces<'a> {
        data: &'a [u8],
        sizes: &'a [usize],
        turn: usize,
    }

    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let size = self.sizes.get(self.turn % self.sizes.len().max(1)).copied();
            self.turn += 1;
            let n = size
                .unwrap_or(usize::MAX)
                .max(1)
                .min(buf.len())
                .min(self.data.len());
            let (now, rest) = self.data.split_at(n);
            buf.get_mut(..n).unwrap().copy_from_slice(now);
            self.data = rest;
            Ok(n)
        }
    }

    fn read(data: &[u8], sizes: &[usize], max: usize, fast: bool) -> (Vec<String>, InputStats) {
        let mut records = RecordReader::with_max_record(
            Pieces {
                data,
                sizes,
                turn: 0,
            },
            max,
        );
        let mut sink = Recording::default();
        let mut stats = InputStats::default();
        read_records("t", &mut records, &mut sink, &mut stats, fast, None);
        stats.json_bytes = records.offset();
        (sink.0, stats)
    }

    fn same(data: &[u8], sizes: &[usize], max: usize) {
        let exact = read(data, sizes, max, false);
        let fast = read(data, sizes, max, true);
        assert_eq!(
            exact,
            fast,
            "input: {:?}",
            String::from_utf8_lossy(data.get(..2000.min(data.len())).unwrap())
        );
    }

    /// Real events from the corpus, compact, one string each (read once).
    fn corpus_records() -> Vec<String> {
        static RECORDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        RECORDS.get_or_init(read_corpus_records).clone()
    }

    fn read_corpus_records() -> Vec<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/cloudtrail");
        let (paths, problems) = collect_inputs(&[dir]);
        assert!(problems.is_empty() && !paths.is_empty());
        let mut out = Vec::new();
        for path in paths {
            let text = fs::read_to_string(&path).unwrap();
            let events: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
            out.extend(events.iter().map(|e| serde_json::to_string(e).unwrap()));
        }
        out
    }

    /// Records that take every branch of the fast reader and of its fallbacks.
    const EDGE_RECORDS: &[&str] = &[
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","readOnly":"true","awsRegion":null}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","readOnly":"yes"}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","readOnly":"tru\u0065"}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","readOnly":1e400}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","readOnly":[true]}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"Get\"Object\u00e9\ud83d\ude00"}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"Get\ud83d"}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"Get\x"}"#,
        r#"{"eventSource":"s3.amazonaws.com","event\u004eame":"GetObject"}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventName":"PutObject"}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":""}"#,
        r#"{"eventSource":"s3.amazonaws.com"}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":5}"#,
        r#"{"eventSource":"é.amazonaws.com","eventName":"GetObject","ключ":{"x":[1,-2.5e+3,0,true,false,null,"\/"]}}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","n":01}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","n":1.}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","n":-}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","n":[1,]}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","n":{"a":1,}}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","n":tru}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","n":"tab	in string"}"#,
        r#"{ "eventSource" : "s3.amazonaws.com" , "eventName" : "GetObject" , "requestParameters" : { "bucketName" : "b" , "key" : [ ] } , "responseElements" : null }"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":"text","responseElements":[{"a":{}}]}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{"a":1},"requestParameters":{"a":2}}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","resources":[{"ARN":"arn:aws:s3:::b","type":"AWS::S3::Bucket"},{"arn":"arn:aws:s3:::c"},{}]}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","resources":[{"ARN":"a","arn":"b"}]}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","resources":[["arn:aws:s3:::b"]]}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","resources":null}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","resources":[]}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","resources":{}}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/R/s","accountId":"1","invokedBy":"x","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::1:role/R","x":{}},"attributes":{"mfaAuthenticated":"false","creationDate":"2024"},"webIdFederationData":{}},"extra":[1]}}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"sessionContext":{"sessionIssuer":null,"attributes":null}}}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":["IAMUser"]}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"IAMUser","type":"Root"}}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":null}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","Records":5}"#,
        r#"{"Records":[{"eventSource":"s3.amazonaws.com","eventName":"A"},{"eventSource":"s3.amazonaws.com","eventName":"B"}]}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","deep":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
        "not json at all",
        "[1, 2]",
        "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"cut",
        "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\"},",
        "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\"} {\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\"}",
    ];

    /// The same records as NDJSON, as a JSON array and as an S3 wrapper, pretty or not.
    fn shapes(records: &[String]) -> Vec<Vec<u8>> {
        let ndjson = records.join("\n") + "\n";
        let array = format!("[\n  {}\n]", records.join(",\n  "));
        let wrapper = format!("{{\"Records\":[{}]}}", records.join(","));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend(ndjson.as_bytes());
        vec![
            ndjson.into_bytes(),
            array.into_bytes(),
            wrapper.into_bytes(),
            bom,
        ]
    }

    #[test]
    fn fast_path_matches_exact_path_on_real_and_edge_records() {
        let mut records = corpus_records();
        records.extend(EDGE_RECORDS.iter().map(|r| (*r).to_string()));
        for data in shapes(&records) {
            for sizes in [&[usize::MAX][..], &[1], &[7, 3, 1000], &[4096, 13]] {
                same(&data, sizes, DEFAULT_MAX_RECORD);
                same(&data, sizes, 1024);
            }
        }
        // Each edge record alone, and the corpus's own (pretty-printed) files.
        for r in EDGE_RECORDS {
            for data in shapes(&[(*r).to_string()]) {
                same(&data, &[usize::MAX], DEFAULT_MAX_RECORD);
                same(&data, &[3], DEFAULT_MAX_RECORD);
            }
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/cloudtrail");
        for path in collect_inputs(&[dir]).0 {
            same(&fs::read(path).unwrap(), &[usize::MAX], DEFAULT_MAX_RECORD);
        }
    }

    #[test]
    fn fast_path_reads_most_real_records() {
        // The fast path must actually be taken: count the records it falls back on.
        let records = corpus_records();
        let fallbacks = records
            .iter()
            .filter(|r| {
                !matches!(
                    super::super::scan::scan_record(r.as_bytes(), true, 2048),
                    Scan::Event(..)
                )
            })
            .count();
        assert_eq!(fallbacks, 0, "of {}", records.len());
        let mut text = String::new();
        for r in &records {
            let _ = writeln!(text, "{r}");
        }
        let (items, stats) = read(text.as_bytes(), &[usize::MAX], DEFAULT_MAX_RECORD, true);
        assert_eq!(items.len(), records.len());
        assert_eq!(stats.records, records.len() as u64);
    }

    /// Bytes that matter to JSON, to mutate records with.
    const SPECIAL: &[u8] = b"{}[]\",:\\ \n\t0123456789-+.eEtrufalsn\x01\x7f\x80\xc3\xa9";

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        #[test]
        fn fast_path_matches_exact_path_on_mutated_input(
            picks in proptest::collection::vec(0usize..400, 1..6),
            shape in 0usize..4,
            edits in proptest::collection::vec((any::<u16>(), 0usize..SPECIAL.len(), 0u8..3), 0..6),
            sizes in proptest::collection::vec(1usize..300, 1..4),
        ) {
            let corpus = corpus_records();
            let all: Vec<String> = corpus
                .iter()
                .cloned()
                .chain(EDGE_RECORDS.iter().map(|r| (*r).to_string()))
                .collect();
            let records: Vec<String> = picks
                .iter()
                .map(|i| all.get(i % all.len()).unwrap().clone())
                .collect();
            let mut data = shapes(&records).swap_remove(shape);
            for (at, byte, op) in edits {
                let at = usize::from(at) % (data.len() + 1);
                let byte = *SPECIAL.get(byte).unwrap();
                match op {
                    0 if at < data.len() => data[at] = byte,
                    1 => data.insert(at, byte),
                    _ if at < data.len() => {
                        data.remove(at);
                    }
                    _ => {}
                }
            }
            same(&data, &sizes, DEFAULT_MAX_RECORD);
            same(&data, &sizes, 1024);
        }
    }
}
