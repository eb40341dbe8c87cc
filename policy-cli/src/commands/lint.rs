//! `iampol lint`: check policy files, and fix them with `--fix`.

#[path = "../config.rs"]
mod config;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use policy_core::{PolicyKind, SourceFile};
use policy_lint::fix::apply_edits;
use policy_lint::{lint_file, Applicability, Finding, Settings, Severity};

use crate::args::{Format, LintArgs};
use crate::exit::ExitStatus;
use crate::io::{collect_files, read_input};
use crate::report::{github, portable_path, sarif, Human, Located};

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
    /// The file as it is now (after fixes).
    file: SourceFile,
    /// The findings left.
    findings: Vec<Finding>,
    /// The severity that fails the run for this file.
    fail_on: Severity,
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
}

/// Runs `iampol lint`.
pub fn run(args: &LintArgs) -> ExitStatus {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut configs = Configs::new(args, color);
    let mut errors = Vec::new();
    let mut inputs: Vec<(PathBuf, Arc<Settings>)> = Vec::new();
    if args.example {
        if let Some(settings) = configs.settings_for(Path::new("-")) {
            inputs.push((PathBuf::from("-"), settings));
        }
    } else {
        for path in collect_files(&args.paths, &mut errors) {
            if let Some(settings) = configs.settings_for(&path) {
                inputs.push((path, settings));
            }
        }
    }
    if !configs.errors.is_empty() {
        let mut stderr = std::io::stderr().lock();
        for e in &configs.errors {
            let _ = writeln!(stderr, "{e}");
        }
        return ExitStatus::Error;
    }

    let mode = FixMode::of(args);
    let outcomes = parallel_map(&inputs, |(path, settings)| {
        if args.example {
            let file = SourceFile::new("example-policy.json", EXAMPLE);
            return Ok(process(&file, None, args.kind, settings, mode));
        }
        let input = read_input(path)?;
        Ok(match input.text {
            Ok(text) => {
                let file = SourceFile::new(input.name, text);
                process(&file, Some(path), args.kind, settings, mode)
            }
            Err((offset, prefix)) => {
                let file = SourceFile::new(input.name, prefix);
                let finding = invalid_utf8(offset, settings);
                Outcome {
                    file,
                    findings: finding.into_iter().collect(),
                    fail_on: settings.fail_on(),
                    fixed: 0,
                    diff: None,
                    stdout_text: None,
                    errors: Vec::new(),
                    warnings: Vec::new(),
                }
            }
        })
    });
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

    let written = match mode {
        FixMode::Diff(_) => write_diffs(args, &results),
        _ => write_report(args, mode, &results),
    };
    let mut stderr = std::io::stderr().lock();
    for w in results.iter().flat_map(|r| &r.warnings) {
        let _ = writeln!(stderr, "warning: {w}");
    }
    for e in &errors {
        // Reading and writing errors are not findings: the run could not see those inputs.
        let _ = writeln!(stderr, "error: {e}");
    }
    match written {
        Err(_) => ExitStatus::Error,
        Ok(_) if !errors.is_empty() => ExitStatus::Error,
        Ok(failing) if failing => ExitStatus::Failure,
        Ok(_) => ExitStatus::Success,
    }
}

/// Lints one file and, in a fixing mode, fixes it: rounds of lint and apply until nothing more
/// applies; a round whose fixes add a parse error is dropped.
fn process(
    file: &SourceFile,
    path: Option<&PathBuf>,
    kind: Option<PolicyKind>,
    settings: &Settings,
    mode: FixMode,
) -> Outcome {
    let name = file.name().to_string();
    let original = file.text();
    let mut findings = lint_file(&name, original, kind, settings).findings;
    let mut outcome = Outcome {
        file: file.clone(),
        findings: Vec::new(),
        fail_on: settings.fail_on(),
        fixed: 0,
        diff: None,
        stdout_text: None,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let Some(min) = mode.min() else {
        outcome.findings = findings;
        return outcome;
    };
    let stdin = path.is_none_or(|p| p.as_os_str() == "-");
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
            if let Some(path) = path {
                if let Err(e) = write_atomic(path, &current) {
                    outcome
                        .errors
                        .push(format!("{name}: could not write the fixes: {e}"));
                    outcome.fixed = 0;
                    outcome.findings = lint_file(&name, original, kind, settings).findings;
                    return outcome;
                }
            }
        }
        _ => {}
    }
    outcome.file = SourceFile::new(name, current);
    outcome.findings = findings;
    outcome
}

/// Replaces a file's content atomically: a temporary file in the same directory, written,
/// given the original's permissions (and owner, where allowed), synced, then renamed over the
/// original; a symbolic link is followed, so the link stays a link.
fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let meta = std::fs::metadata(&target)?;
    if meta.permissions().readonly() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the file is read-only",
        ));
    }
    let dir = target.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".iampol-fix-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().set_permissions(meta.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Only the owner's group may differ without privileges; a failure keeps the new file
        // owned by the caller, which is what an editor would do.
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()));
    }
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        // Make the rename itself durable.
        let _ = d.sync_all();
    }
    Ok(())
}

/// Maps `f` over `items` on every core, keeping the order of `items` in the result.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(items.len().div_ceil(64).max(1));
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut slots: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    slots.sort_by_key(|(i, _)| *i);
    slots.into_iter().map(|(_, r)| r).collect()
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
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
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
    results
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.applicability == applicability)
        })
        .count()
}

/// The findings in the chosen format, then the summary; says whether a finding fails the run.
fn write_report(args: &LintArgs, mode: FixMode, results: &[Outcome]) -> std::io::Result<bool> {
    let fixed_stdin: Vec<&str> = results
        .iter()
        .filter_map(|r| r.stdout_text.as_deref())
        .collect();
    // With `--fix` on standard input the fixed text goes to standard output, the report to
    // standard error (as Ruff does).
    let report_to_stderr = !fixed_stdin.is_empty();
    {
        let mut out: Box<dyn Write> = if report_to_stderr {
            Box::new(std::io::BufWriter::new(std::io::stderr().lock()))
        } else {
            Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
        };
        write_findings(&mut out, args.format, report_to_stderr, results)?;
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
        write_summary(args, mode, results)?;
    }
    Ok(results
        .iter()
        .any(|r| r.findings.iter().any(|f| f.severity >= r.fail_on)))
}

fn write_findings(
    out: &mut impl Write,
    format: Format,
    to_stderr: bool,
    results: &[Outcome],
) -> std::io::Result<()> {
    let located = || {
        results.iter().flat_map(|r| {
            r.findings.iter().map(move |finding| Located {
                file: &r.file,
                finding,
            })
        })
    };
    match format {
        Format::Json => {
            let all: Vec<_> = located().map(|l| l.to_json()).collect();
            serde_json::to_writer_pretty(&mut *out, &all)?;
            writeln!(out)?;
        }
        Format::Sarif => {
            let pairs: Vec<(SourceFile, Vec<Finding>)> = results
                .iter()
                .map(|r| (r.file.clone(), r.findings.clone()))
                .collect();
            sarif::write(out, &pairs)?;
        }
        Format::Github => github::write(out, located())?,
        Format::Concise => {
            for l in located() {
                writeln!(out, "{}", l.concise())?;
            }
        }
        Format::Human => {
            let terminal = if to_stderr {
                std::io::stderr().is_terminal()
            } else {
                std::io::stdout().is_terminal()
            };
            let color = terminal && std::env::var_os("NO_COLOR").is_none();
            let human = Human::new(color);
            for l in located() {
                human.write(out, &l)?;
            }
        }
    }
    Ok(())
}

/// The summary on standard error: fixes applied (and left for `--unsafe-fixes`), then what is
/// left. Machine formats get only the fix line.
fn write_summary(args: &LintArgs, mode: FixMode, results: &[Outcome]) -> std::io::Result<()> {
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
    if matches!(args.format, Format::Json | Format::Sarif) {
        return Ok(());
    }
    let findings = || results.iter().flat_map(|r| &r.findings);
    let count = |s: Severity| findings().filter(|f| f.severity == s).count();
    let total = findings().count();
    let left = if mode == FixMode::Report { "" } else { " left" };
    if total == 0 {
        writeln!(err, "No findings{left} in {files} file{}.", plural(files))?;
    } else {
        writeln!(
            err,
            "Found {total} finding{}{left} ({} error{}, {} warning{}, {} note{}) in {files} file{}.",
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
    fn atomic_write_replaces_the_content_and_keeps_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        std::fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        write_atomic(&path, "new text").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new text");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("p.json")]);
        // A missing file is an error, and nothing is created.
        assert!(write_atomic(&dir.path().join("missing.json"), "x").is_err());
        assert!(!dir.path().join("missing.json").exists());
    }
}
