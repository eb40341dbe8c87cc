//! Finding each input's `iampol.toml` and layering the command line on top of it.
//!
//! The nearest `.iampol.toml` or `iampol.toml` in the input's directory or above wins;
//! `--config FILE` uses one file for every input; `--isolated` uses none. The command line is
//! one more [`RuleSelection`] layer: `--select` replaces the configuration's selection,
//! `--extend-select` and `--ignore` add to it, `--fail-on` replaces `fail-on`.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use policy_core::SourceFile;
use policy_lint::config::{parse_config, CONFIG_FILE_NAMES};
use policy_lint::settings::{is_known_selector, RuleSelection};
use policy_lint::{Settings, Severity};

use crate::args::{FailOn, LintArgs};
use policy_cli::render::escape::escape_line;

use crate::report::render_error;

/// A configuration with the command line applied, and the directory its globs are relative to.
#[derive(Debug)]
struct Resolved {
    dir: PathBuf,
    settings: Arc<Settings>,
}

/// Where settings come from for this run.
#[derive(Debug)]
enum Source {
    /// `--isolated`: defaults and the command line.
    Isolated(Arc<Resolved>),
    /// `--config FILE`.
    Explicit(Arc<Resolved>),
    /// The nearest configuration of each input.
    Discover,
}

/// Settings per input, with the configurations read so far.
#[derive(Debug)]
pub struct Configs {
    source: Source,
    cli: RuleSelection,
    fail_on: Option<Severity>,
    color: bool,
    /// The current directory, asked once.
    cwd: PathBuf,
    /// Directory → the configuration that governs it (`None`: no configuration above it).
    nearest: HashMap<PathBuf, Option<PathBuf>>,
    /// Configuration file → its resolved settings (`None` when it could not be read).
    loaded: HashMap<PathBuf, Option<Arc<Resolved>>>,
    /// Defaults with the command line applied, for inputs without a configuration.
    defaults: Option<Arc<Resolved>>,
    /// Rendered errors: unreadable or invalid configurations, unknown selectors.
    pub errors: Vec<String>,
}

impl Configs {
    /// Reads the command line's selection and `--config`, if given.
    pub fn new(args: &LintArgs, color: bool) -> Self {
        let mut configs = Configs {
            source: Source::Discover,
            cli: RuleSelection {
                select: (!args.select.is_empty()).then(|| args.select.clone()),
                extend_select: args.extend_select.clone(),
                ignore: args.ignore.clone(),
            },
            fail_on: args.fail_on.map(|f| match f {
                FailOn::Error => Severity::Error,
                FailOn::Warning => Severity::Warning,
                FailOn::Note => Severity::Note,
            }),
            color,
            cwd: current_dir(),
            nearest: HashMap::new(),
            loaded: HashMap::new(),
            defaults: None,
            errors: Vec::new(),
        };
        for (flag, list) in [
            ("--select", &args.select),
            ("--extend-select", &args.extend_select),
            ("--ignore", &args.ignore),
        ] {
            for selector in list.iter().filter(|s| !is_known_selector(s)) {
                configs.errors.push(format!(
                    "error: unknown rule selector `{}` in `{flag}`\n  help: use a code \
                     (`C102`), a code prefix (`C1`), a name (`unknown-action`), a category \
                     (`security`) or `ALL`; `iampol rules` lists them",
                    escape_line(selector)
                ));
            }
        }
        if args.isolated {
            let resolved = configs.resolve(Settings::default(), current_dir());
            configs.source = Source::Isolated(resolved);
        } else if let Some(path) = &args.config {
            let absolute = absolute(path);
            if let Some(resolved) = configs.load(path, &absolute) {
                configs.source = Source::Explicit(resolved);
            }
        }
        configs
    }

    /// The settings for one input (`-` for standard input, which uses the current directory's
    /// configuration); `None` when its configuration could not be read (see `errors`).
    pub fn settings_for(&mut self, input: &Path) -> Option<Arc<Settings>> {
        let stdin = input.as_os_str() == "-";
        let absolute = if stdin {
            self.cwd.join("-")
        } else {
            absolute_in(&self.cwd, input)
        };
        let fixed = match &self.source {
            Source::Isolated(r) | Source::Explicit(r) => Some(Arc::clone(r)),
            Source::Discover => None,
        };
        let resolved = match fixed {
            Some(r) => r,
            None => {
                let dir = absolute
                    .parent()
                    .map_or_else(|| self.cwd.clone(), Path::to_path_buf);
                match self.find(&dir) {
                    Some(config) => self.load(&config, &config)?,
                    None => self.defaults(),
                }
            }
        };
        if stdin {
            return Some(Arc::clone(&resolved.settings));
        }
        let relative = absolute.strip_prefix(&resolved.dir).unwrap_or(&absolute);
        Some(match resolved.settings.for_path(relative) {
            std::borrow::Cow::Borrowed(_) => Arc::clone(&resolved.settings),
            std::borrow::Cow::Owned(settings) => Arc::new(settings),
        })
    }

    fn defaults(&mut self) -> Arc<Resolved> {
        if let Some(d) = &self.defaults {
            return Arc::clone(d);
        }
        let d = self.resolve(Settings::default(), current_dir());
        self.defaults = Some(Arc::clone(&d));
        d
    }

    /// Applies the command line to a configuration's settings.
    fn resolve(&self, mut settings: Settings, dir: PathBuf) -> Arc<Resolved> {
        if self.cli != RuleSelection::default() {
            settings.selections.push(self.cli.clone());
        }
        if self.fail_on.is_some() {
            settings.fail_on = self.fail_on;
        }
        Arc::new(Resolved {
            dir,
            settings: Arc::new(settings),
        })
    }

    /// The nearest configuration file at or above `dir`.
    fn find(&mut self, dir: &Path) -> Option<PathBuf> {
        let mut visited = Vec::new();
        let mut found = None;
        for ancestor in dir.ancestors() {
            if let Some(known) = self.nearest.get(ancestor) {
                found.clone_from(known);
                break;
            }
            visited.push(ancestor.to_path_buf());
            if let Some(config) = CONFIG_FILE_NAMES
                .iter()
                .map(|name| ancestor.join(name))
                .find(|p| p.is_file())
            {
                found = Some(config);
                break;
            }
        }
        for dir in visited {
            self.nearest.insert(dir, found.clone());
        }
        found
    }

    /// Reads and parses a configuration file once; errors are rendered into `errors`.
    fn load(&mut self, shown: &Path, absolute: &Path) -> Option<Arc<Resolved>> {
        if let Some(known) = self.loaded.get(absolute) {
            return known.clone();
        }
        let name = display(shown);
        // Bounded, and refused unless a regular file, as any input (`--config /dev/zero`).
        let text = crate::io::read_bytes(absolute, &name, None, crate::io::MaxFileSize::default())
            .and_then(|bytes| {
                String::from_utf8(bytes).map_err(|_| format!("{name}: the file is not valid UTF-8"))
            });
        let resolved = match text {
            Err(e) => {
                self.errors.push(format!("error: {}", escape_line(&e)));
                None
            }
            Ok(text) => match parse_config(&text) {
                Ok(settings) => {
                    let dir = absolute
                        .parent()
                        .map_or_else(current_dir, Path::to_path_buf);
                    Some(self.resolve(settings, dir))
                }
                Err(errors) => {
                    let file = SourceFile::new(name.clone(), text);
                    for e in errors {
                        let span = e.span.unwrap_or_default();
                        let mut rendered = render_error(
                            &file,
                            span,
                            &policy_core::text::bound_message(&e.message),
                            e.help.as_deref(),
                            self.color,
                        );
                        if rendered.ends_with('\n') {
                            rendered.pop();
                        }
                        self.errors.push(rendered);
                    }
                    None
                }
            },
        };
        self.loaded
            .insert(absolute.to_path_buf(), resolved.as_ref().map(Arc::clone));
        resolved
    }
}

/// How a configuration path is shown: relative to the current directory when under it.
fn display(path: &Path) -> String {
    let absolute = absolute(path);
    absolute
        .strip_prefix(current_dir())
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_default()
}

/// The absolute form of a path, with `.` and `..` resolved lexically (symlinks are not
/// followed, so a configuration is found where the user sees the file).
pub fn absolute(path: &Path) -> PathBuf {
    absolute_in(&current_dir(), path)
}

/// [`absolute`] with the current directory given (as `std::env::current_dir` gives it: absolute,
/// without `.` or `..`).
fn absolute_in(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = if path.is_absolute() {
        PathBuf::new()
    } else {
        cwd.to_path_buf()
    };
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn absolute_resolves_dots_lexically_against_the_given_directory() {
        let cwd = Path::new("/work/project");
        for (path, want) in [
            ("a/b.json", "/work/project/a/b.json"),
            ("./a/../b.json", "/work/project/b.json"),
            ("../../../../x.json", "/x.json"),
            ("/etc/./p/../q.json", "/etc/q.json"),
            ("//srv/p.json", "/srv/p.json"),
            ("a/", "/work/project/a"),
            ("", "/work/project"),
        ] {
            assert_eq!(absolute_in(cwd, Path::new(path)), Path::new(want), "{path}");
        }
        // As before: the same as the standard library's form, resolved.
        let here = current_dir();
        for path in ["a/../b.json", "./x", "../y/./z"] {
            let std_form = std::path::absolute(path).unwrap();
            assert_eq!(absolute(Path::new(path)), absolute_in(&here, &std_form));
        }
    }
}
