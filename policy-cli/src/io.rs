//! Reading input files: walking directories (honouring `.gitignore`), decoding text, reporting
//! what cannot be read.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One input to lint: its display name and its bytes decoded as UTF-8 (or where decoding
/// failed).
pub struct Input {
    /// The path as shown in messages.
    pub name: String,
    /// The text, or the byte offset of the first invalid UTF-8 sequence and the text before it.
    pub text: Result<String, (usize, String)>,
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

/// Expands paths into files: files as given (whatever their name), directories walked
/// recursively for the [`EXTENSIONS`], sorted. The walk skips hidden files and directories and
/// what `.gitignore` files ignore (also outside a git repository, nested ones included, and
/// those of parent directories). `-` stands for standard input.
pub fn collect_files(paths: &[PathBuf], errors: &mut Vec<String>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk_files(paths, errors, |file| found.push(file));
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
pub fn walk_files(paths: &[PathBuf], errors: &mut Vec<String>, mut found: impl FnMut(Found)) {
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
            Ok(meta) if meta.is_dir() => walk(path, arg, &mut found, errors),
            Ok(meta) => found(Found {
                path: path.clone(),
                arg,
                size: meta.len(),
            }),
            Err(e) => errors.push(format!("{}: {}", path.display(), describe_io(&e))),
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

fn walk(dir: &Path, arg: usize, found: &mut impl FnMut(Found), errors: &mut Vec<String>) {
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
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                let wanted = entry.path().extension().is_some_and(|e| {
                    EXTENSIONS
                        .iter()
                        .any(|x| e.eq_ignore_ascii_case(std::ffi::OsStr::new(x)))
                });
                if is_file && wanted {
                    let size = entry.metadata().map_or(0, |m| m.len());
                    found(Found {
                        path: entry.into_path(),
                        arg,
                        size,
                    });
                }
            }
            Err(e) => errors.push(describe_walk(&e)),
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

/// Reads one file (or standard input for `-`).
pub fn read_input(path: &Path) -> Result<Input, String> {
    read_input_sized(path, None)
}

/// [`read_input`] of a file whose size the walk saw ([`Found::size`]): the file is not asked
/// for its size again (the read still goes to its end, whatever the size now).
pub fn read_input_sized(path: &Path, size: Option<u64>) -> Result<Input, String> {
    let name = if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let bytes = if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("{name}: {}", describe_io(&e)))?;
        buf
    } else if let Some(size) = size {
        read_sized(path, size).map_err(|e| format!("{name}: {}", describe_io(&e)))?
    } else {
        fs::read(path).map_err(|e| format!("{name}: {}", describe_io(&e)))?
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let prefix = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default()).into_owned();
        (valid, prefix)
    });
    Ok(Input { name, text })
}

/// Reads a file to its end, starting with room for `size` bytes (and the read that finds the
/// end): `fs::read` would ask the file its size, and `read_to_end` without that size reads in
/// small steps first.
fn read_sized(path: &Path, size: u64) -> std::io::Result<Vec<u8>> {
    let mut file = fs::File::open(path)?;
    let mut buf = vec![0; usize::try_from(size).unwrap_or(0).saturating_add(1)];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            buf.resize(filled.saturating_mul(2), 0);
        }
        match file.read(buf.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(buf)
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
            let input = read_input_sized(&path, Some(size)).unwrap();
            assert_eq!(input.text.as_deref(), Ok(text.as_str()), "{size}");
        }
        let missing = read_input_sized(&dir.path().join("missing.json"), Some(3));
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
        let mut errors = Vec::new();
        let found: Vec<String> = collect_files(&[root.to_path_buf()], &mut errors)
            .iter()
            .map(|p| {
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
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
        let explicit = collect_files(&[root.join("build/c.json")], &mut errors);
        assert_eq!(explicit.len(), 1);
    }
}
