//! Reading input files: walking directories, decoding text, reporting what cannot be read.

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

/// Expands paths into files: files as given, directories walked recursively for `*.json`
/// (hidden directories skipped), sorted. `-` stands for standard input.
pub fn collect_files(paths: &[PathBuf], errors: &mut Vec<String>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(path.clone());
            continue;
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let start = out.len();
                walk(path, &mut out, errors);
                if let Some(found) = out.get_mut(start..) {
                    found.sort();
                }
            }
            Ok(_) => out.push(path.clone()),
            Err(e) => errors.push(format!("{}: {}", path.display(), describe_io(&e))),
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(format!("{}: {}", dir.display(), describe_io(&e)));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        match entry.file_type() {
            Ok(t) if t.is_dir() && !hidden => walk(&path, out, errors),
            Ok(t)
                if !t.is_dir()
                    && path
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("json")) =>
            {
                out.push(path);
            }
            _ => {}
        }
    }
}

/// Reads one file (or standard input for `-`).
pub fn read_input(path: &Path) -> Result<Input, String> {
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

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}
