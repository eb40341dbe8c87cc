//! Reading one large file in parallel parts, with exactly the records and problems a read from
//! start to end gives.
//!
//! The file is cut at guessed record starts: a `{` after a `}` (NDJSON) or after a comma
//! (arrays, S3 wrappers), near evenly spaced offsets. The first part is read as usual; every
//! other part is read from its guessed start by a splitter [`RecordReader::resume`]d in the
//! state a record start of the file's shape has. A guess may be wrong (a `},{` inside a string
//! or inside a nested array), so each part reads on past its end to the first record start
//! where its splitter stands outside any record, and the parts are then checked in order: a
//! part counts only if the part before it stopped exactly at its start, in exactly the state
//! it assumed. The splitter's state there is all that decides what follows, so a part that
//! passes reads what the whole read would have read. A part that fails is dropped (its sink is
//! discarded) and its bytes are read again, from where the part before really stopped.
//!
//! Record indices are known only once the parts before are counted: problems are kept per part
//! (at most [`PART_PROBLEMS`], else the part is read again) and numbered when the part is
//! checked; events of a part read ahead carry record index 0 (their offsets are exact).

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::cloudtrail::{
    read_records, Event, InputProblem, InputStats, Position, Progress, ReadOptions, Sink,
};
use super::split::{Boundary, RecordReader};

/// Plain files at least twice this large are read in parts; parts are at least this large.
/// Each part has a sink of its own, whose warm-up (the mapper's plans and patterns, about
/// 27 M instructions with `generate`'s aggregator) is paid again per part: parts are few and
/// large, two per thread at most, enough to even out threads that run at different speeds.
pub const PART_MIN: u64 = 16 << 20;

/// Problems a part read ahead keeps before it gives up (it is then read again in order).
pub const PART_PROBLEMS: usize = 10_000;

/// How far past an offset a record start is looked for.
const SEARCH: usize = 1 << 20;

/// A sink for one part: events pass through; problems are numbered with the part's first
/// index when it is known (`base`), else kept until the part is checked.
struct PartSink<'s, S> {
    inner: &'s mut S,
    base: Option<u64>,
    problems: Vec<InputProblem>,
    overflow: bool,
}

impl<S: Sink> Sink for PartSink<'_, S> {
    fn event(&mut self, event: &Event<'_>, at: Position<'_>) {
        let record = self.base.map_or(0, |b| b + at.record);
        self.inner.event(event, Position { record, ..at });
    }

    fn problem(&mut self, mut problem: InputProblem) {
        match self.base {
            Some(b) => {
                problem.record = problem.record.map(|r| r + b);
                self.inner.problem(problem);
            }
            None if self.problems.len() < PART_PROBLEMS => self.problems.push(problem),
            None => self.overflow = true,
        }
    }

    fn input_done(&mut self, _name: &str, _stats: InputStats) {}
}

/// What reading one part gave.
struct Part<S> {
    sink: S,
    /// Problems with indices counted from the part's start (parts read ahead).
    problems: Vec<InputProblem>,
    /// More problems than kept: the part must be read again.
    overflow: bool,
    /// Record indices the part used.
    indices: u64,
    /// Records found (valid or not).
    records: u64,
    /// Where the part stopped (a record start, and the state there); `None` at the end.
    end: Option<(u64, Boundary)>,
    /// The stream offset reached (the file's length when the part read to the end).
    offset: u64,
}

/// Counts bytes read into the progress, up to a limit (a part reads a little past its end).
struct Counted<'p> {
    file: fs::File,
    progress: Option<&'p Progress>,
    left: u64,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        if let Some(p) = self.progress {
            let counted = self.left.min(n as u64);
            self.left -= counted;
            p.done.fetch_add(counted, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// The shape of a file from its first bytes: the state at one of its record starts.
pub fn guess_boundary(head: &[u8]) -> Option<Boundary> {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut rest = text.iter().copied().filter(|b| !b.is_ascii_whitespace());
    match rest.next()? {
        b'[' => Some(Boundary::array()),
        b'{' => {
            let wrapper = b"\"Records\":[";
            let starts_wrapper = rest
                .by_ref()
                .take(wrapper.len())
                .eq(wrapper.iter().copied());
            Some(if starts_wrapper {
                Boundary::wrapper()
            } else {
                Boundary::top_level()
            })
        }
        _ => None,
    }
}

/// The first likely record start at or after `from` within `window` (the file's bytes from
/// `at`): a `{` whose previous byte other than whitespace is `}` (top-level records) or a
/// comma, and lies in the window.
pub fn find_start(window: &[u8], at: u64, from: u64, top_level: bool) -> Option<u64> {
    let skip = usize::try_from(from.checked_sub(at)?).ok()?;
    let before = if top_level { b'}' } else { b',' };
    let mut prev: Option<u8> = None;
    for (i, &b) in window.iter().enumerate() {
        if i >= skip && b == b'{' && prev == Some(before) {
            return Some(at + i as u64);
        }
        if !b.is_ascii_whitespace() {
            prev = Some(b);
        }
    }
    None
}

/// Plans the parts of a plain file of `len` bytes: its guessed shape, and the guessed start
/// of every part but the first (increasing). `None` when the file cannot be cut.
pub fn plan(path: &Path, len: u64, threads: usize) -> Option<(Boundary, Vec<u64>)> {
    let parts = (len / PART_MIN).min(2 * threads as u64);
    if threads < 2 || parts < 2 {
        return None;
    }
    let mut file = fs::File::open(path).ok()?;
    let mut head = [0u8; 64];
    let n = file.read(&mut head).ok()?;
    let boundary = guess_boundary(head.get(..n)?)?;
    let mut starts = Vec::new();
    let mut window = vec![0u8; SEARCH];
    for k in 1..parts {
        let nominal = len / parts * k;
        // Look from a little before, so that the byte before the `{` is in the window; in 64 KiB
        // first (records are far shorter), then in the whole search window.
        let at = nominal
            .saturating_sub(64)
            .max(starts.last().map_or(0, |s| s + 1));
        let mut found = None;
        for size in [64 << 10, SEARCH] {
            let buf = window.get_mut(..size)?;
            file.seek(SeekFrom::Start(at)).ok()?;
            let got = read_full(&mut file, buf).ok()?;
            found = find_start(
                buf.get(..got)?,
                at,
                nominal.max(at),
                boundary.is_top_level(),
            );
            if found.is_some() || got < size {
                break;
            }
        }
        if let Some(start) = found.filter(|s| starts.last().is_none_or(|l| s > l)) {
            starts.push(start);
        }
    }
    (!starts.is_empty()).then_some((boundary, starts))
}

fn read_full(file: &mut fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(buf.get_mut(got..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Reads one part: from `from` (a record start and the state assumed there; the file's start
/// when `None`) to the first record start at or after `stop_at`. `base`: the record indices
/// before the part, when known.
#[expect(
    clippy::too_many_arguments,
    reason = "one part of the read: where, how far, and what to feed"
)]
fn read_part<S: Sink, F: Fn() -> S>(
    name: &str,
    path: &Path,
    from: Option<(u64, &Boundary)>,
    stop_at: Option<u64>,
    base: Option<u64>,
    options: &ReadOptions,
    progress: Option<&Progress>,
    make: &F,
) -> io::Result<Part<S>> {
    let mut file = fs::File::open(path)?;
    let offset = from.map_or(0, |(o, _)| o);
    file.seek(SeekFrom::Start(offset))?;
    let reader = Counted {
        file,
        progress,
        left: stop_at.map_or(u64::MAX, |s| s.saturating_sub(offset)),
    };
    let mut records = match from {
        Some((at, boundary)) => RecordReader::resume(reader, options.max_record, at, boundary),
        None => RecordReader::with_max_record(reader, options.max_record),
    };
    let mut sink = make();
    let mut part_sink = PartSink {
        inner: &mut sink,
        base,
        problems: Vec::new(),
        overflow: false,
    };
    let mut stats = InputStats::default();
    let end = read_records(
        name,
        &mut records,
        &mut part_sink,
        &mut stats,
        true,
        stop_at,
    );
    let (problems, overflow) = (part_sink.problems, part_sink.overflow);
    Ok(Part {
        sink,
        problems,
        overflow,
        indices: records.indices_used(),
        records: stats.records,
        end,
        offset: records.offset(),
    })
}

/// Reads a plain file in parts with `threads` threads: `boundary` is the state assumed at
/// each of the guessed part starts `starts` (increasing, after 0). Returns the sinks of the
/// parts that count; the first has seen `input_done`. Any guesses give the same records and
/// problems (numbered alike) as reading the file from start to end.
#[expect(
    clippy::too_many_arguments,
    reason = "the file, the guesses, and how to read"
)]
pub fn read_in_parts<S: Sink, F: Fn() -> S + Sync>(
    name: &str,
    path: &Path,
    boundary: &Boundary,
    starts: &[u64],
    threads: usize,
    options: &ReadOptions,
    progress: Option<&Progress>,
    make: &F,
) -> Vec<S> {
    let count = starts.len() + 1;
    let part_start = |k: usize| k.checked_sub(1).and_then(|i| starts.get(i)).copied();
    let results: Vec<Mutex<Option<io::Result<Part<S>>>>> =
        (0..count).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, count) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = results.get(k) else {
                    break;
                };
                let from = part_start(k).map(|s| (s, boundary));
                let base = if k == 0 { Some(0) } else { None };
                let part = read_part(
                    name,
                    path,
                    from,
                    part_start(k + 1),
                    base,
                    options,
                    progress,
                    make,
                );
                if let Ok(mut s) = slot.lock() {
                    *s = Some(part);
                }
            });
        }
    });
    let mut parts = results.into_iter().map(|m| m.into_inner().ok().flatten());
    let mut sinks = Vec::with_capacity(count);
    let mut stats = InputStats::default();
    // Where the parts checked so far really stopped, and the indices and records before it.
    let mut at: Option<(u64, Boundary)> = None;
    let mut base = 0u64;
    for k in 0..count {
        let part = parts.next().flatten();
        let stop_at = part_start(k + 1);
        let from = match (k, &at) {
            (0, _) => None,
            // The part before read to the end.
            (_, None) => break,
            // The part before read past this one's end too: nothing is left of this one.
            (_, Some((end, _))) if stop_at.is_some_and(|s| *end >= s) => continue,
            (_, Some((end, state))) => Some((*end, state.clone())),
        };
        let checked = match (&from, part) {
            (None, Some(Ok(p))) => Some(p),
            (Some((end, state)), Some(Ok(p)))
                if Some(*end) == part_start(k) && state == boundary && !p.overflow =>
            {
                Some(p)
            }
            _ => None,
        };
        let mut part = match checked {
            Some(mut p) => {
                for mut problem in std::mem::take(&mut p.problems) {
                    problem.record = problem.record.map(|r| r + base);
                    p.sink.problem(problem);
                }
                p
            }
            None => {
                let from_ref = from.as_ref().map(|(o, s)| (*o, s));
                match read_part(
                    name,
                    path,
                    from_ref,
                    stop_at,
                    Some(base),
                    options,
                    progress,
                    make,
                ) {
                    Ok(p) => p,
                    Err(e) => {
                        let mut sink = make();
                        sink.problem(InputProblem {
                            file: name.to_string(),
                            offset: from_ref.map_or(0, |(o, _)| o),
                            record: None,
                            record_lost: false,
                            message: format!("could not read further: {e}"),
                        });
                        sinks.push(sink);
                        break;
                    }
                }
            }
        };
        base += part.indices;
        stats.records += part.records;
        stats.json_bytes = part.offset;
        at = part.end.take();
        sinks.push(part.sink);
    }
    stats.bytes = stats.json_bytes;
    if let Some(first) = sinks.first_mut() {
        first.input_done(name, stats);
    }
    sinks
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU64;

    use proptest::prelude::*;

    use super::super::cloudtrail::{read_input, Input};
    use super::*;

    /// Everything a read delivers: events (offset, record index, event) and problems.
    #[derive(Debug, Default)]
    struct Recording {
        events: Vec<(u64, u64, String)>,
        problems: Vec<String>,
        stats: InputStats,
    }

    impl Sink for Recording {
        fn event(&mut self, event: &Event<'_>, at: Position<'_>) {
            self.events
                .push((at.offset, at.record, format!("{event:?}")));
        }

        fn problem(&mut self, problem: InputProblem) {
            self.problems.push(format!("{problem:?}"));
        }

        fn input_done(&mut self, _name: &str, stats: InputStats) {
            self.stats.bytes += stats.bytes;
            self.stats.json_bytes += stats.json_bytes;
            self.stats.records += stats.records;
        }
    }

    fn temp_file(data: &[u8]) -> std::path::PathBuf {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "iampol-parts-{}-{}.json",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        fs::write(&path, data).unwrap();
        path
    }

    /// Reads `data` from start to end, and in parts cut at `cuts` assuming `boundary`; both
    /// must give the same events, problems and counts.
    fn same(data: &[u8], cuts: &[u64], boundary: &Boundary, max_record: usize) {
        let path = temp_file(data);
        let options = ReadOptions {
            threads: 2,
            max_record,
        };
        let mut whole = Recording::default();
        read_input(Input::Path(path.clone()), &options, None, &mut whole);
        let mut starts: Vec<u64> = cuts
            .iter()
            .map(|c| c % (data.len() as u64).max(1))
            .filter(|c| *c > 0)
            .collect();
        starts.sort_unstable();
        starts.dedup();
        let sinks = read_in_parts(
            "t",
            &path,
            boundary,
            &starts,
            2,
            &options,
            None,
            &Recording::default,
        );
        fs::remove_file(&path).unwrap();
        let name = path.display().to_string();
        let mut parts = Recording::default();
        for s in sinks {
            parts.events.extend(s.events);
            parts.problems.extend(s.problems);
            parts.stats.bytes += s.stats.bytes;
            parts.stats.json_bytes += s.stats.json_bytes;
            parts.stats.records += s.stats.records;
        }
        parts.events.sort();
        let known: std::collections::HashMap<u64, u64> =
            whole.events.iter().map(|(o, r, _)| (*o, *r)).collect();
        for (offset, record, _) in &parts.events {
            assert!(
                *record == 0 || known.get(offset) == Some(record),
                "record index of the event at {offset}"
            );
        }
        let strip = |events: Vec<(u64, u64, String)>| -> Vec<(u64, String)> {
            events.into_iter().map(|(o, _, e)| (o, e)).collect()
        };
        let mut whole_problems: Vec<String> = whole
            .problems
            .iter()
            .map(|p| p.replace(&format!("{name:?}"), "\"t\""))
            .collect();
        whole_problems.sort();
        parts.problems.sort();
        let context = format!(
            "cuts {starts:?}, {boundary:?}, input {:?}",
            String::from_utf8_lossy(data.get(..1500.min(data.len())).unwrap())
        );
        assert_eq!(strip(whole.events), strip(parts.events), "{context}");
        assert_eq!(whole_problems, parts.problems, "{context}");
        assert_eq!(whole.stats, parts.stats, "{context}");
    }

    /// Real events from the corpus, compact, one string each (read once).
    fn corpus_records() -> Vec<String> {
        static RECORDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        RECORDS.get_or_init(read_corpus_records).clone()
    }

    fn read_corpus_records() -> Vec<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/cloudtrail");
        let (paths, problems) = super::super::cloudtrail::collect_inputs(&[dir]);
        assert!(problems.is_empty() && !paths.is_empty());
        let mut out = Vec::new();
        for path in paths {
            let events: Vec<serde_json::Value> =
                serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
            out.extend(events.iter().map(|e| serde_json::to_string(e).unwrap()));
        }
        out
    }

    /// The records as NDJSON, a pretty JSON array, and a compact S3 wrapper.
    fn shapes(records: &[String]) -> [Vec<u8>; 3] {
        [
            (records.join("\n") + "\n").into_bytes(),
            format!("[\n  {}\n]\n", records.join(",\n  ")).into_bytes(),
            format!("{{\"Records\":[{}]}}", records.join(",")).into_bytes(),
        ]
    }

    fn boundaries() -> [Boundary; 3] {
        [
            Boundary::top_level(),
            Boundary::array(),
            Boundary::wrapper(),
        ]
    }

    #[test]
    fn planned_parts_read_like_the_whole_file() {
        let records = corpus_records();
        for data in shapes(&records) {
            let boundary = guess_boundary(&data).unwrap();
            // Cut at every likely record start the planner would pick, a few per file.
            let len = data.len() as u64;
            let mut starts = Vec::new();
            for k in 1..8 {
                if let Some(s) = find_start(&data, 0, len / 8 * k, boundary.is_top_level()) {
                    starts.push(s);
                }
            }
            assert!(starts.len() >= 6, "{starts:?}");
            same(&data, &starts, &boundary, 4 << 20);
        }
    }

    /// A record nested deeper than the splitter's stack is read if it is an event, and lost
    /// alone if not, read whole or in parts, in every shape.
    #[test]
    fn a_deep_record_is_read_or_lost_alone_in_parts() {
        let corpus = corpus_records();
        for (levels, leaf, lost) in [(400, "1", false), (3000, "1", false), (3000, "tru", true)] {
            let mut deep =
                String::from(r#"{"eventSource":"s3.amazonaws.com","eventName":"X","x":"#);
            deep.push_str(&"[{\"y\":".repeat(levels));
            deep.push_str(leaf);
            deep.push_str(&"}]".repeat(levels));
            deep.push('}');
            let mut records: Vec<String> = corpus.iter().take(20).cloned().collect();
            records.insert(10, deep);
            for (data, boundary) in shapes(&records).into_iter().zip(boundaries()) {
                let path = temp_file(&data);
                let mut whole = Recording::default();
                let options = ReadOptions {
                    threads: 1,
                    max_record: 4 << 20,
                };
                read_input(Input::Path(path.clone()), &options, None, &mut whole);
                fs::remove_file(&path).unwrap();
                let context = format!("{levels} {leaf}: {:?}", whole.problems);
                assert_eq!(whole.stats.records, 21, "{context}");
                if lost {
                    assert_eq!(whole.events.len(), 20, "{context}");
                    assert_eq!(whole.problems.len(), 1, "{context}");
                    assert!(whole.problems[0].contains("record: Some(11)"), "{context}");
                } else {
                    assert_eq!(whole.events.len(), 21, "{context}");
                    assert!(whole.problems.is_empty(), "{context}");
                }
                let len = data.len() as u64;
                let starts: Vec<u64> = (1..8)
                    .filter_map(|k| find_start(&data, 0, len / 8 * k, boundary.is_top_level()))
                    .collect();
                same(&data, &starts, &boundary, 4 << 20);
            }
        }
    }

    #[test]
    fn plans_parts_at_record_starts() {
        let records = corpus_records();
        let line = records.join("\n") + "\n";
        let mut data = Vec::new();
        while (data.len() as u64) < 3 * PART_MIN {
            data.extend(line.as_bytes());
        }
        let path = temp_file(&data);
        let (boundary, starts) = plan(&path, data.len() as u64, 2).unwrap();
        fs::remove_file(&path).unwrap();
        assert_eq!(boundary, Boundary::top_level());
        assert_eq!(starts.len(), 2);
        for s in starts {
            let s = usize::try_from(s).unwrap();
            assert_eq!(data.get(s - 1..=s), Some(&b"\n{"[..]));
        }
        assert!(plan(Path::new("/nonexistent"), 3 * PART_MIN, 2).is_none());
        assert!(plan(Path::new("/nonexistent"), 3 * PART_MIN, 1).is_none());
    }

    #[test]
    fn guessed_shapes() {
        assert_eq!(guess_boundary(b"  [{"), Some(Boundary::array()));
        assert_eq!(
            guess_boundary(b"\xEF\xBB\xBF{\"Records\":[{"),
            Some(Boundary::wrapper())
        );
        assert_eq!(
            guess_boundary(b"{\"eventName\":1}"),
            Some(Boundary::top_level())
        );
        assert_eq!(guess_boundary(b"\x1f\x8b"), None);
        assert_eq!(
            find_start(b"{\"a\":1}\n{\"b\":2}", 100, 101, true),
            Some(108)
        );
        // A guess inside a nested array (the check after the parts are read catches it).
        assert_eq!(
            find_start(b"[{\"a\":[{}, {}]},\n {}]", 0, 1, false),
            Some(11)
        );
        assert_eq!(find_start(b"{}{", 0, 0, false), None);
    }

    /// Bytes that matter to JSON, to mutate records with.
    const SPECIAL: &[u8] = b"{}[]\",:\\ \n0123456789-.etruflsn\x01\x80";

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Any cuts, any assumed shape, any damage: the same as reading the whole file.
        #[test]
        fn any_cuts_read_like_the_whole_file(
            picks in proptest::collection::vec(0usize..310, 1..12),
            shape in 0usize..3,
            assumed in 0usize..3,
            cuts in proptest::collection::vec(any::<u64>(), 0..8),
            near in proptest::collection::vec(any::<u64>(), 0..4),
            edits in proptest::collection::vec((any::<u16>(), 0usize..SPECIAL.len(), 0u8..3), 0..5),
            small in any::<bool>(),
        ) {
            let corpus = corpus_records();
            let records: Vec<String> = picks
                .iter()
                .map(|i| corpus.get(i % corpus.len()).unwrap().clone())
                .collect();
            let [a, b, c] = shapes(&records);
            let mut data = [a, b, c].into_iter().nth(shape).unwrap();
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
            // Some cuts anywhere, some where the planner would cut.
            let boundary = boundaries().into_iter().nth(assumed).unwrap();
            let mut all = cuts;
            for n in near {
                let from = n % (data.len() as u64 + 1);
                if let Some(s) = find_start(&data, 0, from, boundary.is_top_level()) {
                    all.push(s);
                }
            }
            same(&data, &all, &boundary, if small { 1024 } else { 4 << 20 });
        }
    }
}
