//! Reading input files: walking directories (honouring `.gitignore`), decoding text, reporting
//! what cannot be read; writing a fixed file back only if it did not change meanwhile.
//!
//! Reading is bounded: only regular files and standard input are read (a FIFO, a device or a
//! socket is refused before it is opened: opening a FIFO blocks until a writer comes, and
//! `/dev/zero` never ends), and at most [`MaxFileSize`] bytes and one more are read of any of
//! them, standard input included.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// What a file that is not a regular file is (`Some("a FIFO")`), worded as the `CloudTrail` walk
/// words it.
pub use policy_lint::generate::cloudtrail::special_kind;

/// The default of `--max-file-size`: 64 MiB.
///
/// No real input comes near it. IAM's own quotas ("IAM and AWS STS quotas", IAM User Guide)
/// cap a managed policy at 6,144 characters and a role's inline policies at 10,240; resource
/// policies are at most tens of KB (an S3 bucket policy 20 KB), so the largest policies are a
/// few hundred KB even pretty-printed. A CloudFormation template body is at most 51,200 bytes
/// in a request and 1 MB in an S3 object ("AWS CloudFormation quotas", CloudFormation User
/// Guide). Terraform plans in JSON are the largest input: tens of MB for large
/// configurations. 64 MiB leaves room above all of these while keeping what one file can make
/// iampol hold (its text, and the spanned tree of it) well under a gigabyte.
#[expect(
    clippy::doc_markdown,
    reason = "CloudFormation is a product name, not code"
)]
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// The size limit of one input file, in bytes (`--max-file-size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxFileSize(pub u64);

impl Default for MaxFileSize {
    fn default() -> Self {
        MaxFileSize(DEFAULT_MAX_FILE_SIZE)
    }
}

/// The reading options shared by the commands that read policy, scenario and template files.
#[derive(Debug, Clone, clap::Args)]
pub struct ReadArgs {
    /// Refuse an input file (or standard input) larger than this: bytes, or with a suffix
    /// (`10MB` = 10,000,000 bytes, `64MiB` = 64 × 1024 × 1024; also `KB`, `KiB`, `GB`,
    /// `GiB`).
    #[arg(
        long,
        value_name = "BYTES",
        default_value = "64MiB",
        value_parser = parse_size
    )]
    pub max_file_size: u64,
}

impl ReadArgs {
    /// The limit.
    pub fn limit(&self) -> MaxFileSize {
        MaxFileSize(self.max_file_size)
    }
}

/// Reads a size: digits, optionally followed by `B`, `KB`/`MB`/`GB` (powers of 1000) or
/// `KiB`/`MiB`/`GiB` (powers of 1024), case-blind, with optional white space before the unit.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    if number.is_empty() {
        return Err("expected a number of bytes, such as `1000000`, `10MB` or `64MiB`".to_string());
    }
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{number}` is too large"))?;
    let multiplier: u64 = match unit.trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "m" | "mb" => 1000 * 1000,
        "g" | "gb" => 1000 * 1000 * 1000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit `{other}` (expected B, KB, MB, GB, KiB, MiB or GiB)"
            ))
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// "too large" for a file of at least `at_least` bytes.
fn too_large(name: &str, at_least: u64, limit: MaxFileSize) -> String {
    format!(
        "{name}: too large ({at_least} bytes or more; the limit is {}, raise it with \
         --max-file-size)",
        limit.0
    )
}

/// "not a regular file (a FIFO)".
pub fn not_regular(name: &str, kind: &str) -> String {
    format!("{name}: not a regular file ({kind})")
}

/// One input to lint: its display name and its bytes decoded as UTF-8 (or where decoding
/// failed).
pub struct Input {
    /// The path as shown in messages.
    pub name: String,
    /// The text, or the byte offset of the first invalid UTF-8 sequence and the text before it.
    pub text: Result<String, (usize, String)>,
    /// The XXH3 hash of the bytes read: a fixed file is written back only if its content still
    /// has this hash (see [`replace_if_unchanged`]).
    pub hash: u64,
}

/// The extensions a directory walk collects: policies and templates (JSON, YAML, `.template`)
/// and Terraform configuration.
pub const EXTENSIONS: [&str; 5] = ["json", "yaml", "yml", "template", "tf"];

/// A file found by [`walk_files`].
pub struct Found {
    /// The path: as given on the command line, or under a directory given there.
    pub path: PathBuf,
    /// The index of the command-line path it comes from.
    pub arg: usize,
    /// Its size in bytes as the walk saw it (0 when unknown, as for standard input): a hint for
    /// scheduling, not read again.
    pub size: u64,
}

/// What a walk could not take: errors (a path that cannot be read, or that names something
/// other than a regular file or a directory: the run fails) and warnings (an entry of a
/// directory that is not a regular file, skipped: said, but the run goes on).
#[derive(Debug, Default)]
pub struct WalkProblems {
    /// Inputs that could not be read.
    pub errors: Vec<String>,
    /// Entries skipped.
    pub warnings: Vec<String>,
}

/// Expands paths into files: files as given (whatever their name), directories walked
/// recursively for the [`EXTENSIONS`], sorted. The walk skips hidden files and directories and
/// what `.gitignore` files ignore (also outside a git repository, nested ones included, and
/// those of parent directories), and, with a warning, entries with one of the extensions that
/// are not regular files (FIFOs, devices, sockets, symbolic links). A path named on the
/// command line that is neither a regular file nor a directory is an error. `-` stands for
/// standard input.
pub fn collect_files(paths: &[PathBuf], problems: &mut WalkProblems) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk_files(paths, problems, |file| found.push(file));
    let order = report_order(found.iter().map(|f| (f.arg, f.path.as_path())));
    let mut paths: Vec<Option<PathBuf>> = found.into_iter().map(|f| Some(f.path)).collect();
    order
        .into_iter()
        .filter_map(|i| paths.get_mut(i).and_then(Option::take))
        .collect()
}

/// Expands paths into files as [`collect_files`] does, but hands each file to `found` as soon
/// as it is found, in the order of the command line and, within a directory, of the walk (not
/// sorted: [`report_order`] sorts them).
pub fn walk_files(paths: &[PathBuf], problems: &mut WalkProblems, mut found: impl FnMut(Found)) {
    for (arg, path) in paths.iter().enumerate() {
        if path.as_os_str() == "-" {
            found(Found {
                path: path.clone(),
                arg,
                size: 0,
            });
            continue;
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, arg, &mut found, problems),
            Ok(meta) => match special_kind(meta.file_type()) {
                None => found(Found {
                    path: path.clone(),
                    arg,
                    size: meta.len(),
                }),
                Some(kind) => problems
                    .errors
                    .push(not_regular(&path.display().to_string(), kind)),
            },
            Err(e) => problems
                .errors
                .push(format!("{}: {}", path.display(), describe_io(&e))),
        }
    }
}

/// The order files are reported in, as indexes into `files` (each the index of its
/// command-line path and the path, as [`walk_files`] found them): by command-line path, then by
/// path, component by component (as `Path` orders them).
pub fn report_order<'a>(files: impl IntoIterator<Item = (usize, &'a Path)>) -> Vec<usize> {
    // Comparing components split once is much cheaper than `Path::cmp`, which splits them again
    // at every comparison.
    let mut keys: Vec<(usize, Vec<std::path::Component<'a>>, usize)> = files
        .into_iter()
        .enumerate()
        .map(|(i, (arg, path))| (arg, path.components().collect(), i))
        .collect();
    keys.sort_unstable();
    keys.into_iter().map(|(_, _, i)| i).collect()
}

fn walk(dir: &Path, arg: usize, found: &mut impl FnMut(Found), problems: &mut WalkProblems) {
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .parents(true)
        .ignore(false)
        .follow_links(false)
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let Some(file_type) = entry.file_type() else {
                    continue;
                };
                let wanted = entry.path().extension().is_some_and(|e| {
                    EXTENSIONS
                        .iter()
                        .any(|x| e.eq_ignore_ascii_case(std::ffi::OsStr::new(x)))
                });
                if !wanted || file_type.is_dir() {
                    continue;
                }
                match special_kind(file_type) {
                    None => {
                        let size = entry.metadata().map_or(0, |m| m.len());
                        found(Found {
                            path: entry.into_path(),
                            arg,
                            size,
                        });
                    }
                    // Never opened: a FIFO would block the walk, a device never end.
                    Some(kind) => problems.warnings.push(format!(
                        "{}; skipped",
                        not_regular(&entry.path().display().to_string(), kind)
                    )),
                }
            }
            Err(e) => problems.errors.push(describe_walk(&e)),
        }
    }
}

fn describe_walk(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { path, err } => {
            format!("{}: {}", path.display(), describe_walk(err))
        }
        ignore::Error::Io(io) => describe_io(io),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_walk(err)
        }
        other => other.to_string(),
    }
}

/// Reads one file (or standard input for `-`), at most `limit` bytes.
pub fn read_input(path: &Path, limit: MaxFileSize) -> Result<Input, String> {
    read_input_sized(path, None, limit)
}

/// [`read_input`] of a file whose size the walk saw ([`Found::size`]): the file is not asked
/// for its size again (the read still goes to its end, whatever the size now, or to the limit
/// and one byte more).
pub fn read_input_sized(
    path: &Path,
    size: Option<u64>,
    limit: MaxFileSize,
) -> Result<Input, String> {
    let name = if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let bytes = read_bytes(path, &name, size, limit)?;
    let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let prefix = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default()).into_owned();
        (valid, prefix)
    });
    Ok(Input { name, text, hash })
}

/// Reads a file's bytes (standard input for `-`), refusing what is not a regular file before
/// opening it and what is larger than the limit (reading at most the limit and one byte more).
pub fn read_bytes(
    path: &Path,
    name: &str,
    size: Option<u64>,
    limit: MaxFileSize,
) -> Result<Vec<u8>, String> {
    let io_error = |e: &std::io::Error| format!("{name}: {}", describe_io(e));
    if path.as_os_str() == "-" {
        return read_capped(std::io::stdin().lock(), 0, limit)
            .map_err(|e| io_error(&e))?
            .map_err(|at_least| too_large(name, at_least, limit));
    }
    // The type first: opening a FIFO blocks until a writer comes. A file the walk found was
    // a regular file then; it is not asked again.
    let size = match size {
        Some(size) => size,
        None => {
            let meta = fs::metadata(path).map_err(|e| io_error(&e))?;
            if let Some(kind) = special_kind(meta.file_type()) {
                return Err(not_regular(name, kind));
            }
            meta.len()
        }
    };
    if size > limit.0 {
        return Err(too_large(name, size, limit));
    }
    // Whatever the file has become since (grown, or replaced by a device), the read stops at
    // the limit and one byte more.
    let file = fs::File::open(path).map_err(|e| io_error(&e))?;
    read_capped(file, size, limit)
        .map_err(|e| io_error(&e))?
        .map_err(|at_least| too_large(name, at_least, limit))
}

/// Reads a stream to its end, but at most the limit and one byte more, starting with room for
/// `size` bytes (and the read that finds the end): `read_to_end` without that size reads in
/// small steps first. `Ok(Err(n))` when there is more than the limit: `n` bytes were read.
fn read_capped(
    reader: impl Read,
    size: u64,
    limit: MaxFileSize,
) -> std::io::Result<Result<Vec<u8>, u64>> {
    let cap = limit.0.saturating_add(1);
    let mut reader = reader.take(cap);
    // The buffer never grows past what may be read (the limit and one byte): a stream of
    // unknown size (standard input) doubles its buffer up to that, not to twice that.
    let most = usize::try_from(cap).unwrap_or(usize::MAX);
    let initial = usize::try_from(size.min(cap))
        .unwrap_or(0)
        .saturating_add(1)
        .min(most);
    let mut buf = vec![0; initial];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            // At `most`, the slice below is empty and the read returns 0: the end.
            let len = filled.saturating_mul(2).clamp(1, most);
            // `resize` alone may round the allocation up to twice the old one.
            buf.reserve_exact(len - filled);
            buf.resize(len, 0);
        }
        match reader.read(buf.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    if filled as u64 > limit.0 {
        return Ok(Err(filled as u64));
    }
    Ok(Ok(buf))
}

/// Why a fixed file was not written.
#[derive(Debug)]
pub enum WriteError {
    /// The file's content is not what was read: someone changed it meanwhile.
    Changed,
    /// Reading or writing failed.
    Io(std::io::Error),
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        WriteError::Io(e)
    }
}

/// The XXH3 hash of a file's content, read in blocks (the file may have grown since it was
/// read; it is not held in memory).
fn hash_file(path: &Path) -> std::io::Result<u64> {
    let mut file = fs::File::open(path)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hasher.digest())
}

/// Replaces a file's content atomically, if the file still has the content whose XXH3 hash is
/// `read_hash` (else [`WriteError::Changed`], and the file is left alone): a temporary file in
/// the same directory, written, given the original's permissions (and owner, where allowed),
/// synced; then the original is hashed again and, if unchanged, the temporary file is renamed
/// over it. A symbolic link is followed, so the link stays a link.
///
/// The window left is between that last check and the rename (a few system calls): a change
/// made exactly then is lost, as with any editor; without locks, nothing narrower is possible.
pub fn replace_if_unchanged(path: &Path, text: &str, read_hash: u64) -> Result<(), WriteError> {
    let target = fs::canonicalize(path)?;
    let meta = fs::metadata(&target)?;
    if special_kind(meta.file_type()).is_some() {
        return Err(WriteError::Changed);
    }
    if meta.permissions().readonly() {
        return Err(WriteError::Io(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the file is read-only",
        )));
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
    // Right before the rename: the file must still be what was read (the temporary file is
    // removed when dropped).
    let now = fs::metadata(&target)?;
    if special_kind(now.file_type()).is_some() || hash_file(&target)? != read_hash {
        return Err(WriteError::Changed);
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        // Make the rename itself durable.
        let _ = d.sync_all();
    }
    Ok(())
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    #[test]
    fn a_read_goes_to_the_end_whatever_the_size_seen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let text = "{\"Version\": \"2012-10-17\"}\n".repeat(100);
        fs::write(&path, &text).unwrap();
        for size in [0, 1, 7, text.len() as u64, text.len() as u64 + 5, 1 << 20] {
            let input = read_input_sized(&path, Some(size), MaxFileSize::default()).unwrap();
            assert_eq!(input.text.as_deref(), Ok(text.as_str()), "{size}");
        }
        let missing = read_input_sized(
            &dir.path().join("missing.json"),
            Some(3),
            MaxFileSize::default(),
        );
        assert!(missing.is_err_and(|e| e.ends_with("no such file or directory")));
    }

    #[test]
    fn walks_templates_and_honours_nested_gitignore_outside_git() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, ".gitignore", "build/\n*.tmp.json\n");
        write(root, "a.json", "{}");
        write(root, "b.tmp.json", "{}");
        write(root, "build/c.json", "{}");
        write(root, "cfn/t.yaml", "");
        write(root, "cfn/t.YML", "");
        write(root, "cfn/t.template", "");
        write(root, "tf/main.tf", "");
        write(root, "tf/readme.md", "");
        write(root, "tf/.gitignore", "secret.tf\n");
        write(root, "tf/secret.tf", "");
        write(root, ".hidden/d.json", "{}");
        write(root, "other/.e.json", "{}");
        let mut problems = WalkProblems::default();
        let found: Vec<String> = collect_files(&[root.to_path_buf()], &mut problems)
            .iter()
            .map(|p| {
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        assert!(problems.errors.is_empty(), "{:?}", problems.errors);
        assert!(problems.warnings.is_empty(), "{:?}", problems.warnings);
        assert_eq!(
            found,
            [
                "a.json",
                "cfn/t.YML",
                "cfn/t.template",
                "cfn/t.yaml",
                "tf/main.tf"
            ]
        );
        // A file named on the command line is read even when ignored.
        let explicit = collect_files(&[root.join("build/c.json")], &mut problems);
        assert_eq!(explicit.len(), 1);
    }

    #[test]
    fn sizes_read_with_and_without_units() {
        for (text, want) in [
            ("0", 0),
            ("1000", 1000),
            ("10MB", 10_000_000),
            ("10 mb", 10_000_000),
            ("64MiB", 64 << 20),
            ("1KiB", 1024),
            ("2kb", 2000),
            ("1GiB", 1 << 30),
            ("5B", 5),
        ] {
            assert_eq!(parse_size(text), Ok(want), "{text}");
        }
        for bad in [
            "",
            "MB",
            "-1",
            "1.5MB",
            "10XB",
            "99999999999999999999",
            "20000000000GiB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_size("64MiB"), Ok(DEFAULT_MAX_FILE_SIZE));
    }

    #[test]
    fn a_file_over_the_limit_is_refused_and_one_at_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        fs::write(&path, "x".repeat(100)).unwrap();
        let name = path.display().to_string();
        // Whatever size the walk saw: the read stops at the limit and one byte more.
        for size in [None, Some(0), Some(100)] {
            let err = read_input_sized(&path, size, MaxFileSize(99))
                .err()
                .unwrap();
            assert_eq!(
                err,
                format!(
                    "{name}: too large (100 bytes or more; the limit is 99, raise it \
                     with --max-file-size)"
                )
            );
            let ok = read_input_sized(&path, size, MaxFileSize(100)).unwrap();
            assert_eq!(ok.text.unwrap().len(), 100);
        }
    }

    #[test]
    fn a_stream_is_read_up_to_the_limit_and_one_byte_more() {
        // An endless stream (as `/dev/zero` on standard input) stops at limit + 1 bytes.
        let endless = std::io::repeat(0);
        assert_eq!(read_capped(endless, 0, MaxFileSize(10)).unwrap(), Err(11));
        let short: &[u8] = b"0123456789";
        let read = read_capped(short, 0, MaxFileSize(10)).unwrap().unwrap();
        assert_eq!(read, b"0123456789");
        // The buffer grew to what may be read at most (the limit and one byte), not past it.
        assert!(read.capacity() <= 11, "{}", read.capacity());
        let at_limit = vec![7u8; 1000];
        let read = read_capped(at_limit.as_slice(), 0, MaxFileSize(1000))
            .unwrap()
            .unwrap();
        assert_eq!(read.len(), 1000);
        assert!(read.capacity() <= 1001, "{}", read.capacity());
        assert_eq!(
            read_capped(&[][..], 0, MaxFileSize(0)).unwrap(),
            Ok(Vec::new())
        );
        assert_eq!(read_capped(&b"x"[..], 0, MaxFileSize(0)).unwrap(), Err(1));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_being_opened_and_skipped_in_a_walk() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        write(dir.path(), "a.json", "{}");
        // Opening the FIFO would block: this returns at once.
        let err = read_input(&fifo, MaxFileSize::default()).err().unwrap();
        assert_eq!(
            err,
            format!("{}: not a regular file (a FIFO)", fifo.display())
        );
        let mut problems = WalkProblems::default();
        let found = collect_files(&[dir.path().to_path_buf()], &mut problems);
        assert_eq!(found, [dir.path().join("a.json")]);
        assert!(problems.errors.is_empty(), "{:?}", problems.errors);
        assert_eq!(
            problems.warnings,
            [format!(
                "{}: not a regular file (a FIFO); skipped",
                fifo.display()
            )]
        );
        // Named on the command line, it is an error.
        let mut problems = WalkProblems::default();
        assert!(collect_files(std::slice::from_ref(&fifo), &mut problems).is_empty());
        assert_eq!(
            problems.errors,
            [format!("{}: not a regular file (a FIFO)", fifo.display())]
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_character_device_is_refused_without_reading() {
        let err = read_input(Path::new("/dev/zero"), MaxFileSize::default())
            .err()
            .unwrap();
        assert_eq!(err, "/dev/zero: not a regular file (a character device)");
    }

    #[test]
    fn a_fixed_file_is_written_only_if_unchanged_and_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        fs::write(&path, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        let read = read_input(&path, MaxFileSize::default()).unwrap();
        // Someone edits the file between the read and the write: it is left alone.
        fs::write(&path, "edited").unwrap();
        let changed = replace_if_unchanged(&path, "fixed", read.hash);
        assert!(matches!(changed, Err(WriteError::Changed)), "{changed:?}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "edited");
        // The same length and a restored mtime do not hide a change: the content decides.
        fs::write(&path, "olD").unwrap();
        assert!(matches!(
            replace_if_unchanged(&path, "fixed", read.hash),
            Err(WriteError::Changed)
        ));
        // Back to what was read: written, with the original's mode.
        fs::write(&path, "old").unwrap();
        replace_if_unchanged(&path, "fixed", read.hash).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "fixed");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        // No temporary file is left behind, written or not.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("p.json")]);
        // A missing file is an error, and nothing is created.
        let missing = dir.path().join("missing.json");
        assert!(replace_if_unchanged(&missing, "x", read.hash).is_err());
        assert!(!missing.exists());
    }
}
