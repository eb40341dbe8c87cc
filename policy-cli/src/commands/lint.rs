//! `iampol lint`: check policy files, and fix them with `--fix`.

#[path = "../config.rs"]
mod config;

use std::collections::{BTreeMap, BinaryHeap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use policy_core::service_ref::ServiceRef;
use policy_core::{PolicyKind, SourceFile};
use policy_lint::file::FileFormat;
use policy_lint::fix::apply_edits;
use policy_lint::{lint_file, Applicability, Finding, RuleMeta, Settings, Severity};
use serde::Serialize;

use policy_cli::render::escape::escape_line;

use crate::args::{Format, LintArgs};
use crate::exit::ExitStatus;
use crate::io::{
    collect_files, read_input_sized, replace_if_unchanged, report_order, walk_files, WalkProblems,
    WriteError,
};
use crate::progress::{self, Status};
use crate::report::{portable_path, terminal_width, Renderer, Totals};

use self::config::Configs;

/// The policy `iampol lint --example` checks: a few mistakes people make.
const EXAMPLE: &str = include_str!("../../examples/example-policy.json");

/// How many lint-and-fix rounds a file gets at most (fixes that overlap wait for a later round).
const MAX_FIX_ROUNDS: usize = 10;

/// What to do with fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FixMode {
    /// Report them only.
    Report,
    /// Apply those at or above the applicability and write the files.
    Apply(Applicability),
    /// Apply them in memory and print a diff.
    Diff(Applicability),
}

impl FixMode {
    fn of(args: &LintArgs) -> Self {
        let min = if args.unsafe_fixes {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        if args.diff {
            FixMode::Diff(min)
        } else if args.fix {
            FixMode::Apply(min)
        } else {
            FixMode::Report
        }
    }

    fn min(self) -> Option<Applicability> {
        match self {
            FixMode::Report => None,
            FixMode::Apply(min) | FixMode::Diff(min) => Some(min),
        }
    }
}

/// What linting (and fixing) one input gave.
struct Outcome {
    /// The file as it is now (after fixes): `None` once its part of the report is rendered
    /// (see [`Linter::finish`]).
    file: Option<SourceFile>,
    /// The findings left (emptied with the file).
    findings: Vec<Finding>,
    /// The severity that fails the run for this file.
    fail_on: Severity,
    /// What the summary needs of the findings.
    tally: Tally,
    /// The findings per rule, for `--statistics` and the rules a SARIF log lists.
    by_rule: Vec<RuleCount>,
    /// Fixes applied.
    fixed: usize,
    /// With `--diff`: the unified diff of the fixes.
    diff: Option<String>,
    /// Standard input with `--fix`: the fixed text, for standard output.
    stdout_text: Option<String>,
    /// Errors about this input that do not stop the others (a file that could not be written).
    errors: Vec<String>,
    /// Warnings (a fix that would have broken the file, and was not applied).
    warnings: Vec<String>,
    /// The file's part of the report, rendered in the thread that linted it (empty when the
    /// report is rendered at the end or not at all).
    report: std::io::Result<Vec<u8>>,
}

impl Outcome {
    /// A file and its findings, nothing fixed.
    fn new(file: SourceFile, findings: Vec<Finding>, settings: &Settings) -> Self {
        Self {
            file: Some(file),
            findings,
            fail_on: settings.fail_on(),
            tally: Tally::default(),
            by_rule: Vec::new(),
            fixed: 0,
            diff: None,
            stdout_text: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            report: Ok(Vec::new()),
        }
    }
}

/// What the summary needs of one file's findings.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    /// Findings by severity: errors, warnings, notes.
    by_severity: [usize; 3],
    /// Findings with a fix, by its applicability: safe, unsafe, display-only.
    by_fix: [usize; 3],
    /// Whether a finding is at or above the severity that fails the run.
    failing: bool,
}

impl Tally {
    fn of(findings: &[Finding], fail_on: Severity) -> Self {
        let mut tally = Tally::default();
        for f in findings {
            if let Some(n) = tally.by_severity.get_mut(severity_index(f.severity)) {
                *n += 1;
            }
            if let Some(fix) = &f.fix {
                if let Some(n) = tally.by_fix.get_mut(fix_index(fix.applicability)) {
                    *n += 1;
                }
            }
            tally.failing |= f.severity >= fail_on;
        }
        tally
    }

    /// The findings of a severity.
    fn count(&self, severity: Severity) -> usize {
        self.by_severity
            .get(severity_index(severity))
            .copied()
            .unwrap_or_default()
    }

    /// The findings with a fix of an applicability.
    fn fixes(&self, applicability: Applicability) -> usize {
        self.by_fix
            .get(fix_index(applicability))
            .copied()
            .unwrap_or_default()
    }
}

/// One rule's findings in a file (or in the run).
#[derive(Debug, Clone, Copy)]
struct RuleCount {
    rule: &'static RuleMeta,
    /// Findings.
    count: usize,
    /// Findings with a fix that `--fix` (with `--unsafe-fixes`, if given) applies.
    fixable: usize,
}

impl RuleCount {
    /// The findings per rule, in the order of the codes; a fix counts when its applicability is
    /// at least `min`.
    fn of(findings: &[Finding], min: Applicability) -> Vec<Self> {
        let mut by_code: BTreeMap<&'static str, RuleCount> = BTreeMap::new();
        for f in findings {
            let count = by_code.entry(f.rule.code).or_insert(RuleCount {
                rule: f.rule,
                count: 0,
                fixable: 0,
            });
            count.count += 1;
            if f.fix.as_ref().is_some_and(|fix| fix.applicability >= min) {
                count.fixable += 1;
            }
        }
        by_code.into_values().collect()
    }
}

fn severity_index(severity: Severity) -> usize {
    match severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Note => 2,
    }
}

fn fix_index(applicability: Applicability) -> usize {
    match applicability {
        Applicability::Safe => 0,
        Applicability::Unsafe => 1,
        Applicability::DisplayOnly => 2,
    }
}

/// Runs `iampol lint`.
pub fn run(args: &LintArgs) -> ExitStatus {
    // Without a path, the current directory, as `ruff check` does; its files are shown as
    // `a.json`, not `./a.json`.
    let here;
    let (args, implicit_root) = if args.paths.is_empty() && !args.example {
        here = LintArgs {
            paths: vec![PathBuf::from(".")],
            ..args.clone()
        };
        (&here, true)
    } else {
        (args, false)
    };
    if worth_warming(args) {
        warm_up();
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut configs = Configs::new(args, color);
    if !configs.errors.is_empty() {
        return config_errors(args, color);
    }
    let mode = FixMode::of(args);
    let rendering = if matches!(mode, FixMode::Diff(_)) || args.statistics {
        Rendering::Nowhere
    } else if matches!(mode, FixMode::Apply(_)) && args.paths.iter().any(|p| p.as_os_str() == "-") {
        // The report goes to standard error when standard input is fixed (see `write_report`),
        // and its colour follows: known only at the end.
        Rendering::AtTheEnd
    } else {
        Rendering::InThreads(renderer(args, report_color(false), terminal_width(false)))
    };
    let linter = Linter {
        args,
        mode,
        rendering,
        implicit_root,
        found: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
    };
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    let outcomes = if args.example {
        match configs.settings_for(Path::new("-")) {
            Some(settings) if configs.errors.is_empty() => vec![Ok(linter.example(&settings))],
            _ => return config_errors(args, color),
        }
    } else {
        let status = |_| {
            let found = linter.found.load(Ordering::Relaxed);
            let done = linter.done.load(Ordering::Relaxed);
            let as_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
            Status::of(as_u64(done), as_u64(found), format!("{done}/{found} files"))
        };
        let linted = progress::while_running(!args.quiet, status, || {
            lint_files(&linter, &mut configs, &mut errors, &mut skipped)
        });
        match linted {
            Some(outcomes) => outcomes,
            None => return config_errors(args, color),
        }
    };
    let mut results: Vec<Outcome> = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(mut result) => {
                errors.append(&mut result.errors);
                results.push(result);
            }
            Err(e) => errors.push(e),
        }
    }

    // Said before the report, so that the summary line ends the run (and counts them).
    {
        let mut stderr = std::io::stderr().lock();
        for w in skipped
            .iter()
            .chain(results.iter().flat_map(|r| &r.warnings))
        {
            let _ = writeln!(stderr, "warning: {}", escape_line(w));
        }
        for e in &errors {
            // Reading and writing errors are not findings: the run could not see those inputs.
            let _ = writeln!(stderr, "error: {}", escape_line(e));
        }
    }
    let written = match mode {
        FixMode::Diff(_) => write_diffs(args, &results),
        _ => write_report(args, mode, &linter.rendering, &results, errors.len()),
    };
    let status = match written {
        Err(_) => ExitStatus::Error,
        Ok(_) if !errors.is_empty() => ExitStatus::Error,
        // `--exit-zero`: findings (or fixes to show) do not fail the run; what could not be read
        // still does.
        Ok(failing) if failing && !args.exit_zero => ExitStatus::Failure,
        Ok(_) => ExitStatus::Success,
    };
    let Some(rev) = &args.baseline else {
        return status;
    };
    // New access since the baseline fails the run as a finding does (`--exit-zero` included);
    // a change that cannot be decided, as an unreadable file does.
    let kind = args.kind;
    match crate::commands::diff::baseline(rev, &args.paths, kind, args.read.limit(), color) {
        ExitStatus::Error => ExitStatus::Error,
        ExitStatus::Failure if !args.exit_zero && status == ExitStatus::Success => {
            ExitStatus::Failure
        }
        _ => status,
    }
}

/// The renderer of the chosen format.
fn renderer(args: &LintArgs, color: bool, width: Option<usize>) -> Renderer {
    Renderer::new(args.format, color, width).with_sarif_all_rules(args.sarif_all_rules)
}

/// Prints the configuration errors and fails. The configurations are read again, for every
/// input in the order of the report, so that the errors come in that order whatever order
/// the walk found them in.
fn config_errors(args: &LintArgs, color: bool) -> ExitStatus {
    let mut configs = Configs::new(args, color);
    if args.example {
        let _ = configs.settings_for(Path::new("-"));
    } else {
        let mut ignored = WalkProblems::default();
        for path in collect_files(&args.paths, &mut ignored) {
            let _ = configs.settings_for(&path);
        }
    }
    let mut stderr = std::io::stderr().lock();
    for e in &configs.errors {
        // Rendered with what comes from input escaped (and in colour on a terminal).
        let _ = writeln!(stderr, "{e}");
    }
    ExitStatus::Error
}

/// Whether to warm the IAM reference up in a thread of its own: with a directory to walk or
/// enough files for several threads. A few files would only pay for the thread.
fn worth_warming(args: &LintArgs) -> bool {
    !args.example && (args.paths.len() > FILES_PER_THREAD || args.paths.iter().any(|p| p.is_dir()))
}

/// Decodes the IAM reference and builds its action and service indexes in a thread of its own
/// while the main thread walks the directories; else the first thread to lint does it while the
/// others wait for it.
fn warm_up() {
    // Without the thread, the first lookup does the work: nothing to do when it cannot start.
    let _ = std::thread::Builder::new().spawn(|| {
        let reference = ServiceRef::get();
        let _ = reference.action("s3:GetObject");
        let _ = reference.service("s3");
    });
}

/// Whether the human report is in colour: on a terminal (standard error or output, where it
/// goes) and when `NO_COLOR` is unset.
fn report_color(to_stderr: bool) -> bool {
    let terminal = if to_stderr {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    terminal && std::env::var_os("NO_COLOR").is_none()
}

/// The size of the buffer reports and diffs are written through: megabytes of report go out in
/// a few dozen writes, not thousands.
const OUTPUT_BUFFER: usize = 256 * 1024;

/// A thread more for every this many files.
const FILES_PER_THREAD: usize = 64;

/// Lints the files of the command line. The main thread walks the directories and hands each
/// file to the other threads as it finds it, then lints too; the threads render each file's
/// part of the report. The outcomes come in the order of the report; `None` when a
/// configuration could not be read (see `configs.errors`; no file was written then). Entries
/// of a directory that are not regular files are added to `skipped`.
fn lint_files(
    linter: &Linter<'_>,
    configs: &mut Configs,
    errors: &mut Vec<String>,
    skipped: &mut Vec<String>,
) -> Option<Vec<Result<Outcome, String>>> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    // With `--fix`, no file is written before every configuration has been read.
    let hold = matches!(linter.mode, FixMode::Apply(_));
    let queue = Queue::default();
    let mut found: Vec<(usize, PathBuf)> = Vec::new();
    let (order, done) = std::thread::scope(|scope| {
        // Whatever happens, the threads stop once the queue is empty.
        let _close = Closer(&queue);
        let mut workers = Vec::new();
        // One thread per `FILES_PER_THREAD` files, as many as cores; this one is the first.
        let spawn = |files: usize, workers: &mut Vec<_>| {
            while workers.len() + 1 < cores && files > FILES_PER_THREAD * (workers.len() + 1) {
                workers.push(scope.spawn(|| linter.work(&queue)));
            }
        };
        let mut held = Vec::new();
        let mut unreadable = false;
        let mut walked = WalkProblems::default();
        walk_files(&linter.args.paths, &mut walked, |file| {
            if unreadable {
                return;
            }
            let Some(settings) = configs.settings_for(&file.path) else {
                unreadable = true;
                return;
            };
            let path = if linter.implicit_root {
                file.path
                    .strip_prefix(".")
                    .map_or_else(|_| file.path.clone(), Path::to_path_buf)
            } else {
                file.path
            };
            let job = Job {
                id: found.len(),
                path: path.clone(),
                settings,
                size: file.size,
            };
            found.push((file.arg, path));
            linter.found.store(found.len(), Ordering::Relaxed);
            if hold {
                held.push(job);
            } else {
                queue.push(job);
                spawn(found.len(), &mut workers);
            }
        });
        errors.append(&mut walked.errors);
        skipped.append(&mut walked.warnings);
        if unreadable || !configs.errors.is_empty() {
            queue.close(true);
            for w in workers {
                let _ = w.join();
            }
            return None;
        }
        for job in held {
            queue.push(job);
        }
        spawn(found.len(), &mut workers);
        queue.close(false);
        // While the others lint: what only this thread would do at the end.
        if let Rendering::InThreads(renderer) = &linter.rendering {
            renderer.prepare();
        }
        let order = report_order(found.iter().map(|(arg, path)| (*arg, path.as_path())));
        let mut done = linter.work(&queue);
        for w in workers {
            done.extend(w.join().unwrap_or_default());
        }
        Some((order, done))
    })?;
    let mut slots: Vec<Option<Result<Outcome, String>>> = found.iter().map(|_| None).collect();
    for (id, outcome) in done {
        if let Some(slot) = slots.get_mut(id) {
            *slot = Some(outcome);
        }
    }
    Some(
        order
            .into_iter()
            .filter_map(|id| slots.get_mut(id).and_then(Option::take))
            .collect(),
    )
}

/// One file to lint.
struct Job {
    /// Its place in the walk.
    id: usize,
    path: PathBuf,
    settings: Arc<Settings>,
    /// Its size in bytes (0 when unknown).
    size: u64,
}

/// Jobs come out of the queue largest first (the earliest found among equals).
impl Ord for Job {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.size
            .cmp(&other.size)
            .then_with(|| other.id.cmp(&self.id))
    }
}

impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Job {}

/// The files waiting to be linted, the largest first, so that no thread is left alone with a
/// large file at the end; closed when no more will come.
#[derive(Default)]
struct Queue {
    state: Mutex<Waiting>,
    changed: Condvar,
}

#[derive(Default)]
struct Waiting {
    jobs: BinaryHeap<Job>,
    closed: bool,
    /// Threads waiting for a job: only they need waking (a wake-up is a system call).
    idle: usize,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Waiting> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, job: Job) {
        let mut state = self.lock();
        state.jobs.push(job);
        let idle = state.idle > 0;
        drop(state);
        if idle {
            self.changed.notify_one();
        }
    }

    /// No more jobs will come; with `cancel`, those waiting are dropped.
    fn close(&self, cancel: bool) {
        let mut state = self.lock();
        state.closed = true;
        if cancel {
            state.jobs.clear();
        }
        drop(state);
        self.changed.notify_all();
    }

    /// The next job; `None` once the queue is closed and empty.
    fn next(&self) -> Option<Job> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop() {
                return Some(job);
            }
            if state.closed {
                return None;
            }
            state.idle += 1;
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.idle -= 1;
        }
    }
}

/// Closes the queue when dropped; when unwinding, drops the jobs still waiting too.
struct Closer<'a>(&'a Queue);

impl Drop for Closer<'_> {
    fn drop(&mut self) {
        self.0.close(std::thread::panicking());
    }
}

/// What every thread that lints needs.
struct Linter<'a> {
    args: &'a LintArgs,
    mode: FixMode,
    rendering: Rendering,
    /// No path was given: the current directory is linted, its files named without `./`.
    implicit_root: bool,
    /// Files found so far, and linted so far (for the progress bar).
    found: AtomicUsize,
    done: AtomicUsize,
}

/// Where the files' parts of the report are rendered.
enum Rendering {
    /// Each in the thread that linted the file.
    InThreads(Renderer),
    /// At the end, in the main thread.
    AtTheEnd,
    /// Nowhere (`--diff` shows diffs).
    Nowhere,
}

impl Linter<'_> {
    /// Lints the queue's jobs until it is closed and empty: their outcomes, with their ids.
    fn work(&self, queue: &Queue) -> Vec<(usize, Result<Outcome, String>)> {
        let mut done = Vec::new();
        while let Some(job) = queue.next() {
            done.push((job.id, self.lint(&job)));
            self.done.fetch_add(1, Ordering::Relaxed);
        }
        done
    }

    /// Reads, lints (and fixes) one input and renders its part of the report.
    fn lint(&self, job: &Job) -> Result<Outcome, String> {
        let (path, settings) = (&job.path, &*job.settings);
        let size = (path.as_os_str() != "-").then_some(job.size);
        let input = read_input_sized(path, size, self.args.read.limit())?;
        let outcome = match input.text {
            Ok(text) => {
                let file = SourceFile::new(input.name, text);
                let written = Some((path, input.hash));
                process(&file, written, self.args.kind, settings, self.mode)
            }
            Err((offset, prefix)) => {
                let file = SourceFile::new(input.name, prefix);
                let finding = invalid_utf8(offset, settings);
                Outcome::new(file, finding.into_iter().collect(), settings)
            }
        };
        Ok(self.finish(outcome))
    }

    /// `--example`: the example policy.
    fn example(&self, settings: &Settings) -> Outcome {
        let file = SourceFile::new("example-policy.json", EXAMPLE);
        self.finish(process(&file, None, self.args.kind, settings, self.mode))
    }

    /// Counts the findings for the summary and renders the file's part of the report; then
    /// drops the file and its findings, unless the report is rendered at the end.
    fn finish(&self, mut outcome: Outcome) -> Outcome {
        outcome.tally = Tally::of(&outcome.findings, outcome.fail_on);
        let fixable = if self.args.unsafe_fixes {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        outcome.by_rule = RuleCount::of(&outcome.findings, fixable);
        match &self.rendering {
            Rendering::AtTheEnd => return outcome,
            Rendering::InThreads(renderer) => {
                if let Some(file) = &outcome.file {
                    outcome.report = renderer.render(file, &outcome.findings);
                }
            }
            Rendering::Nowhere => {}
        }
        outcome.file = None;
        outcome.findings = Vec::new();
        outcome
    }
}

/// Lints one file and, in a fixing mode, fixes it: rounds of lint and apply until nothing more
/// applies; a round whose fixes add a parse error is dropped. `path` is where the file was
/// read from, with the hash of what was read: it is written back only if still unchanged.
fn process(
    file: &SourceFile,
    path: Option<(&PathBuf, u64)>,
    kind: Option<PolicyKind>,
    settings: &Settings,
    mode: FixMode,
) -> Outcome {
    let name = file.name().to_string();
    let original = file.text();
    let report = lint_file(&name, original, kind, settings);
    let format = report.format;
    let mut findings = report.findings;
    let mut outcome = Outcome::new(file.clone(), Vec::new(), settings);
    let Some(min) = mode.min() else {
        outcome.findings = findings;
        return outcome;
    };
    let template_text = matches!(format, FileFormat::CloudFormation | FileFormat::Terraform)
        && !original
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with(['{', '[']);
    let stdin = path.is_none_or(|(p, _)| p.as_os_str() == "-");
    let parse_errors = |f: &[Finding]| f.iter().filter(|f| f.rule.from_parser).count();
    let mut current = original.to_string();
    for _ in 0..MAX_FIX_ROUNDS {
        let round = apply_edits(&current, &findings, min);
        if round.applied == 0 || round.text == current {
            break;
        }
        let next = lint_file(&name, &round.text, kind, settings).findings;
        if parse_errors(&next) > parse_errors(&findings) {
            outcome.warnings.push(format!(
                "{name}: a fix would make the policy unreadable, so it was not applied; please \
                 report this"
            ));
            break;
        }
        outcome.fixed += round.applied;
        current = round.text;
        findings = next;
    }
    // Fixes shown but not applicable: a policy written as YAML or HCL (see `file.rs`).
    let shown = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .filter(|x| x.applicability == Applicability::DisplayOnly && x.edits.is_empty())
        .count();
    if template_text && shown > 0 {
        outcome.warnings.push(format!(
            "{name}: {shown} fix{} shown but not applied: in a YAML or Terraform file iampol \
             applies fixes only to a JSON policy held verbatim (a heredoc, a one-line \
             single-quoted string)",
            if shown == 1 { " is" } else { "es are" }
        ));
    }
    let changed = current != original;
    match mode {
        FixMode::Diff(_) if changed => {
            let shown = portable_path(&name);
            outcome.diff = Some(
                similar::TextDiff::from_lines(original, current.as_str())
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{shown}"), &format!("b/{shown}"))
                    .to_string(),
            );
        }
        FixMode::Apply(_) if stdin && path.is_some() => {
            outcome.stdout_text = Some(current.clone());
        }
        FixMode::Apply(_) if changed => {
            if let Some((path, read_hash)) = path {
                if let Err(e) = replace_if_unchanged(path, &current, read_hash) {
                    outcome.errors.push(match e {
                        WriteError::Changed => {
                            format!("{name}: changed since it was read; not written")
                        }
                        WriteError::Io(e) => format!("{name}: could not write the fixes: {e}"),
                    });
                    outcome.fixed = 0;
                    outcome.findings = lint_file(&name, original, kind, settings).findings;
                    return outcome;
                }
            }
        }
        _ => {}
    }
    outcome.file = Some(SourceFile::new(name, current));
    outcome.findings = findings;
    outcome
}

/// A finding for a file that is not UTF-8, at the first bad byte.
fn invalid_utf8(offset: usize, settings: &Settings) -> Option<Finding> {
    let meta = policy_lint::registry::by_name("json-syntax")?;
    if !settings.is_enabled(meta) {
        return None;
    }
    let mut f = Finding::new(
        meta,
        policy_core::Span::new(offset, offset),
        "the file is not valid UTF-8",
    );
    f.severity = settings.severity_of(meta);
    f.help = Some("save the policy as UTF-8".to_string());
    Some(f)
}

/// `--diff`: the diffs on standard output, a count on standard error. Fails when there is
/// anything to fix.
fn write_diffs(args: &LintArgs, results: &[Outcome]) -> std::io::Result<bool> {
    let mut out = std::io::BufWriter::with_capacity(OUTPUT_BUFFER, std::io::stdout().lock());
    for diff in results.iter().filter_map(|r| r.diff.as_deref()) {
        write!(out, "{diff}")?;
    }
    out.flush()?;
    let fixed: usize = results.iter().map(|r| r.fixed).sum();
    let files = results.iter().filter(|r| r.diff.is_some()).count();
    if !args.quiet {
        let mut err = std::io::stderr().lock();
        let more = unsafe_hint(args, results);
        if fixed == 0 {
            writeln!(err, "No fixes to apply{more}.")?;
        } else {
            writeln!(
                err,
                "Would fix {fixed} finding{} in {files} file{}{more}.",
                plural(fixed),
                plural(files)
            )?;
        }
    }
    Ok(fixed > 0)
}

/// ` (N more with `--unsafe-fixes`)` when unsafe fixes were left out.
fn unsafe_hint(args: &LintArgs, results: &[Outcome]) -> String {
    if args.unsafe_fixes {
        return String::new();
    }
    let n = count_fixes(results, Applicability::Unsafe);
    if n == 0 {
        String::new()
    } else {
        format!(
            " ({n} more fix{} available with `--unsafe-fixes`)",
            if n == 1 { "" } else { "es" }
        )
    }
}

fn count_fixes(results: &[Outcome], applicability: Applicability) -> usize {
    results.iter().map(|r| r.tally.fixes(applicability)).sum()
}

/// The findings in the chosen format, then the summary; says whether a finding fails the run.
fn write_report(
    args: &LintArgs,
    mode: FixMode,
    rendering: &Rendering,
    results: &[Outcome],
    errors: usize,
) -> std::io::Result<bool> {
    let fixed_stdin: Vec<&str> = results
        .iter()
        .filter_map(|r| r.stdout_text.as_deref())
        .collect();
    // With `--fix` on standard input the fixed text goes to standard output, the report to
    // standard error (as Ruff does).
    let report_to_stderr = !fixed_stdin.is_empty();
    {
        let mut out: Box<dyn Write> = if report_to_stderr {
            Box::new(std::io::BufWriter::with_capacity(
                OUTPUT_BUFFER,
                std::io::stderr().lock(),
            ))
        } else {
            Box::new(std::io::BufWriter::with_capacity(
                OUTPUT_BUFFER,
                std::io::stdout().lock(),
            ))
        };
        let totals = Totals {
            rules: results
                .iter()
                .flat_map(|r| r.by_rule.iter().map(|c| c.rule.code))
                .collect(),
            findings: results
                .iter()
                .flat_map(|r| &r.by_rule)
                .map(|c| c.count)
                .sum(),
        };
        if args.statistics {
            write_statistics(&mut out, args.format, results)?;
        } else if let Rendering::InThreads(renderer) = rendering {
            let parts = results
                .iter()
                .map(|r| match &r.report {
                    Ok(part) => Ok(part.as_slice()),
                    Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
                })
                .collect::<std::io::Result<Vec<_>>>()?;
            renderer.write_report(&mut out, parts, &totals)?;
        } else {
            let renderer = renderer(
                args,
                report_color(report_to_stderr),
                terminal_width(report_to_stderr),
            );
            let mut parts = Vec::new();
            for r in results {
                if let Some(file) = &r.file {
                    parts.push(renderer.render(file, &r.findings)?);
                }
            }
            renderer.write_report(&mut out, parts.iter().map(Vec::as_slice), &totals)?;
        }
        out.flush()?;
    }
    if report_to_stderr {
        let mut out = std::io::stdout().lock();
        for text in fixed_stdin {
            out.write_all(text.as_bytes())?;
        }
        out.flush()?;
    }
    if !args.quiet {
        write_summary(args, mode, results, errors)?;
    }
    Ok(results.iter().any(|r| r.tally.failing))
}

/// The summary on standard error: fixes applied (and left for `--unsafe-fixes`), then what is
/// left, and how many errors (inputs not read, files not written) were reported above it.
/// Machine formats get only the fix line.
fn write_summary(
    args: &LintArgs,
    mode: FixMode,
    results: &[Outcome],
    errors: usize,
) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    let files = results.len();
    if let FixMode::Apply(_) = mode {
        let fixed: usize = results.iter().map(|r| r.fixed).sum();
        let fixed_files = results.iter().filter(|r| r.fixed > 0).count();
        writeln!(
            err,
            "Fixed {fixed} finding{} in {fixed_files} file{}{}.",
            plural(fixed),
            plural(fixed_files),
            unsafe_hint(args, results)
        )?;
    }
    if matches!(
        args.format,
        Format::Json | Format::Sarif | Format::Gitlab | Format::Junit
    ) {
        return Ok(());
    }
    let count = |s: Severity| results.iter().map(|r| r.tally.count(s)).sum::<usize>();
    let total = count(Severity::Error) + count(Severity::Warning) + count(Severity::Note);
    let left = if mode == FixMode::Report { "" } else { " left" };
    let not_read = if errors == 0 {
        String::new()
    } else {
        format!("; {errors} could not be read or written (above)")
    };
    if total == 0 {
        writeln!(
            err,
            "No findings{left} in {files} file{}{not_read}.",
            plural(files)
        )?;
    } else {
        writeln!(
            err,
            "Found {total} finding{}{left} ({} error{}, {} warning{}, {} note{}) in {files} file{}{not_read}.",
            plural(total),
            count(Severity::Error),
            plural(count(Severity::Error)),
            count(Severity::Warning),
            plural(count(Severity::Warning)),
            count(Severity::Note),
            plural(count(Severity::Note)),
            plural(files),
        )?;
    }
    if mode == FixMode::Report {
        let safe = count_fixes(results, Applicability::Safe);
        let unsafe_ = count_fixes(results, Applicability::Unsafe);
        if safe > 0 {
            let more = if unsafe_ > 0 {
                format!(" ({unsafe_} more with `--fix --unsafe-fixes`)")
            } else {
                String::new()
            };
            writeln!(err, "[*] {safe} fixable with `--fix`{more}.")?;
        } else if unsafe_ > 0 {
            writeln!(err, "{unsafe_} fixable with `--fix --unsafe-fixes`.")?;
        }
    }
    Ok(())
}

/// One rule's line of `--statistics` (the JSON form, documented in the README; fields are only
/// ever added).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Statistic {
    /// The rule's code.
    code: &'static str,
    /// The rule's name.
    name: &'static str,
    /// Its findings.
    count: usize,
    /// Whether any of them has a fix that `--fix` applies (Ruff's field).
    fixable: bool,
    /// How many of them have one.
    fixable_count: usize,
}

/// `--statistics`: the findings per rule, the most frequent first (then by code), as Ruff's
/// `--statistics` prints them (`count code [*] name`), or as a JSON array with
/// `--output-format json`.
fn write_statistics(
    out: &mut impl Write,
    format: Format,
    results: &[Outcome],
) -> std::io::Result<()> {
    let mut by_code: BTreeMap<&'static str, RuleCount> = BTreeMap::new();
    for c in results.iter().flat_map(|r| &r.by_rule) {
        let total = by_code.entry(c.rule.code).or_insert(RuleCount {
            rule: c.rule,
            count: 0,
            fixable: 0,
        });
        total.count += c.count;
        total.fixable += c.fixable;
    }
    let mut statistics: Vec<Statistic> = by_code
        .into_values()
        .map(|c| Statistic {
            code: c.rule.code,
            name: c.rule.name,
            count: c.count,
            fixable: c.fixable > 0,
            fixable_count: c.fixable,
        })
        .collect();
    // The sort is stable and the codes come in order: equal counts stay sorted by code.
    statistics.sort_by_key(|s| std::cmp::Reverse(s.count));
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, &statistics)?;
        return writeln!(out);
    }
    let count_width = statistics.iter().map(|s| s.count.to_string().len()).max();
    let code_width = statistics.iter().map(|s| s.code.len()).max();
    let any_fixable = statistics.iter().any(|s| s.fixable);
    for s in &statistics {
        let marker = match (any_fixable, s.fixable) {
            (false, _) => "",
            (true, true) => "[*] ",
            (true, false) => "[ ] ",
        };
        let partly = if s.fixable && s.fixable_count < s.count {
            format!(" ({} fixable)", s.fixable_count)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:>cw$}\t{:<kw$}\t{marker}{}{partly}",
            s.count,
            s.code,
            s.name,
            cw = count_width.unwrap_or_default(),
            kw = code_width.unwrap_or_default(),
        )?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fix_is_not_written_over_a_file_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        // `2008-10-17` has a safe fix (to `2012-10-17`).
        let text = r#"{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#;
        std::fs::write(&path, text).unwrap();
        let read = crate::io::read_input(&path, crate::io::MaxFileSize::default()).unwrap();
        let file = SourceFile::new(read.name.clone(), read.text.unwrap());
        let settings = Settings::default();
        let mode = FixMode::Apply(Applicability::Safe);
        // Edited after the read, before the write.
        let edited = text.replace("s3:GetObject", "s3:PutObject");
        std::fs::write(&path, &edited).unwrap();
        let outcome = process(&file, Some((&path, read.hash)), None, &settings, mode);
        let name = path.display();
        assert_eq!(
            outcome.errors,
            [format!("{name}: changed since it was read; not written")]
        );
        assert_eq!(outcome.fixed, 0);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
        // Unchanged since the read: fixed and written.
        std::fs::write(&path, text).unwrap();
        let outcome = process(&file, Some((&path, read.hash)), None, &settings, mode);
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        assert!(outcome.fixed > 0);
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("2012-10-17"));
    }
}
