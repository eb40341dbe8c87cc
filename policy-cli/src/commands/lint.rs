//! `iampol lint`: check policy files.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use policy_core::SourceFile;
use policy_lint::{lint_source, Finding, Settings, Severity};

use crate::args::{FailOn, Format, LintArgs};
use crate::exit::ExitStatus;
use crate::io::{collect_files, read_input};
use crate::report::{Human, Located};

/// The policy `iampol lint --example` checks: a few mistakes people make.
const EXAMPLE: &str = include_str!("../../examples/example-policy.json");

/// Runs `iampol lint`.
pub fn run(args: &LintArgs) -> ExitStatus {
    let settings = Settings {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        ..Settings::default()
    };
    let mut errors = Vec::new();
    let mut results: Vec<(SourceFile, Vec<Finding>)> = Vec::new();
    if args.example {
        let file = SourceFile::new("example-policy.json", EXAMPLE);
        let findings = lint_source(file.text(), args.kind, &settings);
        results.push((file, findings));
    } else {
        let files = collect_files(&args.paths, &mut errors);
        let outcomes = parallel_map(&files, |path| {
            let input = read_input(path)?;
            Ok(match input.text {
                Ok(text) => {
                    let findings = lint_source(&text, args.kind, &settings);
                    (SourceFile::new(input.name, text), findings)
                }
                Err((offset, prefix)) => {
                    let file = SourceFile::new(input.name, prefix);
                    let finding = invalid_utf8(offset, &settings);
                    (file, finding.into_iter().collect())
                }
            })
        });
        for outcome in outcomes {
            match outcome {
                Ok(result) => results.push(result),
                Err(e) => errors.push(e),
            }
        }
    }

    let threshold = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Note => Severity::Note,
    };
    let status = write_output(args, &results);
    let mut stderr = std::io::stderr().lock();
    for e in &errors {
        // Reading errors are not findings: the run could not see those inputs.
        let _ = writeln!(stderr, "error: {e}");
    }
    if status.is_err() {
        return ExitStatus::Error;
    }
    if !errors.is_empty() {
        return ExitStatus::Error;
    }
    let failing = results
        .iter()
        .flat_map(|(_, f)| f)
        .any(|f| f.severity >= threshold);
    if failing {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
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

fn write_output(args: &LintArgs, results: &[(SourceFile, Vec<Finding>)]) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let located = || {
        results.iter().flat_map(|(file, findings)| {
            findings
                .iter()
                .map(move |finding| Located { file, finding })
        })
    };
    match args.format {
        Format::Json => {
            let all: Vec<_> = located().map(|l| l.to_json()).collect();
            serde_json::to_writer_pretty(&mut out, &all)?;
            writeln!(out)?;
        }
        Format::Concise => {
            for l in located() {
                writeln!(out, "{}", l.concise())?;
            }
        }
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let human = Human::new(color);
            for l in located() {
                human.write(&mut out, &l)?;
            }
        }
    }
    out.flush()?;
    if args.format != Format::Json && !args.quiet {
        let count = |s: Severity| located().filter(|l| l.finding.severity == s).count();
        let total = located().count();
        let files = results.len();
        let mut err = std::io::stderr().lock();
        if total == 0 {
            writeln!(err, "No findings in {files} file{}.", plural(files))?;
        } else {
            writeln!(
                err,
                "Found {total} finding{} ({} error{}, {} warning{}, {} note{}) in {files} file{}.",
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
