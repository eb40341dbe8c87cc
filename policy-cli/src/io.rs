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

/// Expands paths into files: files as given (whatever their name), directories walked
/// recursively for the [`EXTENSIONS`], sorted. The walk skips hidden files and directories and
/// what `.gitignore` files ignore (also outside a git repository, nested ones included, and
/// those of parent directories). `-` stands for standard input.
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
                let path = entry.into_path();
                let wanted = path.extension().is_some_and(|e| {
                    EXTENSIONS
                        .iter()
                        .any(|x| e.eq_ignore_ascii_case(std::ffi::OsStr::new(x)))
                });
                if is_file && wanted {
                    out.push(path);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
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
