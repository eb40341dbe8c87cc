//! Reading `--account SNAPSHOT`: the I/O around `policy_core::account::load`.
//!
//! Each value is a file (one `aws iam get-account-authorization-details` output) or a
//! directory: iampol's dump layout (`accounts/<id>/gaad.json`, `accounts/<id>/resources/`,
//! `organization/`, written by `scripts/dump-account.sh`) or an iam-collect store (`aws/...`).
//! Directories are walked in sorted order, so the snapshot (and every answer from it) is the
//! same on every machine. Problems are printed on standard error with `file:line:column`, and
//! whatever can be read is.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use policy_cli::render::escape::escape_line;
use policy_core::account::load::{read_gaad, read_tree, TreeFile};
use policy_core::account::{Severity, Snapshot};
use policy_core::text::bound_message;
use policy_core::{SourceFile, Span};

use crate::io::{read_input, MaxFileSize};
use crate::report::render_error;

/// The default of `--max-snapshot-file-size`: 1 GiB. A GAAD grows with the account: the
/// cloudsplaining example is 0.8 MB for 211 entities (about 4 KB each), so an account of
/// 10,000 principals and their policies is 50–150 MB, well over `--max-file-size`'s 64 MiB.
pub const DEFAULT_MAX_SNAPSHOT_FILE_SIZE: &str = "1GiB";

/// The deepest directory level walked under a snapshot directory (an iam-collect store nests
/// resources about eight levels deep).
const MAX_DEPTH: usize = 32;

/// The `--account` option and its size limit, for every command that reads snapshots.
#[derive(Debug, Clone, clap::Args)]
pub struct SnapshotArgs {
    /// An account snapshot (repeatable): a `get-account-authorization-details` JSON file, a
    /// directory written by `scripts/dump-account.sh`, or an iam-collect store.
    #[arg(long = "account", value_name = "SNAPSHOT")]
    pub account: Vec<PathBuf>,
    /// Refuse a snapshot file larger than this (bytes, or with a suffix such as `MB`, `GiB`).
    #[arg(
        long,
        value_name = "BYTES",
        default_value = DEFAULT_MAX_SNAPSHOT_FILE_SIZE,
        value_parser = crate::io::parse_size
    )]
    pub max_snapshot_file_size: u64,
}

impl SnapshotArgs {
    /// The size limit of one snapshot file.
    pub fn limit(&self) -> MaxFileSize {
        MaxFileSize(self.max_snapshot_file_size)
    }
}

/// A snapshot path could not be read at all (what went wrong is already printed).
#[derive(Debug)]
pub(crate) struct SnapshotError;

/// Reads every snapshot path into one snapshot (several accounts resolve between each
/// other), printing every problem on standard error. `Err` when a path cannot be read at all
/// (missing, not a file or directory, too large, not UTF-8); a snapshot whose diagnostics
/// include errors is still returned: the caller decides what it can answer (see
/// [`has_errors`]).
pub(crate) fn read_snapshot(
    paths: &[PathBuf],
    limit: MaxFileSize,
) -> Result<Snapshot, SnapshotError> {
    let mut snapshot = Snapshot::default();
    let mut failures = Vec::new();
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(path, path, 0, &mut files, &mut snapshot, limit);
            read_tree(&mut snapshot, files);
        } else {
            match read_text(path, limit) {
                Ok(file) => read_gaad(&mut snapshot, file, None),
                Err(e) => failures.push(e),
            }
        }
    }
    snapshot.finish();
    print_diagnostics(&snapshot);
    let mut stderr = std::io::stderr().lock();
    for f in &failures {
        let _ = writeln!(stderr, "error: {}", escape_line(f));
    }
    if failures.is_empty() {
        Ok(snapshot)
    } else {
        Err(SnapshotError)
    }
}

/// Whether reading found errors (something was left out of the snapshot).
pub(crate) fn has_errors(snapshot: &Snapshot) -> bool {
    snapshot
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
}

/// Prints the snapshot's diagnostics on standard error, each with `file:line:column` and the
/// snippet.
pub(crate) fn print_diagnostics(snapshot: &Snapshot) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut stderr = std::io::stderr().lock();
    for d in &snapshot.diagnostics {
        let Some(file) = snapshot.sources.get(d.source) else {
            continue;
        };
        let message = bound_message(&d.message).into_owned();
        let mut text = render_error(file, d.span, &message, None, color);
        if d.severity == Severity::Warning {
            if let Some(rest) = text.strip_prefix("error: ") {
                text = format!("warning: {rest}");
            }
        }
        let _ = write!(stderr, "{text}");
    }
}

fn read_text(path: &Path, limit: MaxFileSize) -> Result<SourceFile, String> {
    let input = read_input(path, limit)?;
    match input.text {
        Ok(text) => Ok(SourceFile::new(input.name, text)),
        Err((at, _)) => Err(format!(
            "{}: the file is not valid UTF-8 (at byte {at})",
            input.name
        )),
    }
}

/// Collects the `.json` files under `dir`, in sorted order, with their paths relative to
/// `root`.
fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    files: &mut Vec<TreeFile>,
    snapshot: &mut Snapshot,
    limit: MaxFileSize,
) {
    if depth > MAX_DEPTH {
        unreadable(
            snapshot,
            dir,
            format!("nested deeper than {MAX_DEPTH} levels: skipped"),
        );
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            unreadable(snapshot, dir, e.to_string());
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                unreadable(snapshot, &path, e.to_string());
                continue;
            }
        };
        if meta.is_dir() {
            walk(root, &path, depth + 1, files, snapshot, limit);
            continue;
        }
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if !meta.is_file() || !is_json {
            continue;
        }
        let Ok(relative) = path.strip_prefix(root) else {
            continue;
        };
        let relative = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        match read_text(&path, limit) {
            Ok(file) => files.push(TreeFile {
                path: relative,
                file,
            }),
            Err(e) => {
                let name = path.display().to_string();
                let message = e
                    .strip_prefix(&format!("{name}: "))
                    .map_or_else(|| e.clone(), str::to_string);
                unreadable(snapshot, &path, message);
            }
        }
    }
}

/// Records a file or directory of a snapshot that cannot be read: an error diagnostic on an
/// empty source named by its path, so the snapshot says it is incomplete.
fn unreadable(snapshot: &mut Snapshot, path: &Path, message: String) {
    let source = snapshot.add_source(SourceFile::new(path.display().to_string(), ""));
    snapshot.diagnose(Severity::Error, source, Span::default(), message);
}
