//! `iampol completions SHELL` and `iampol man`: the shell completion scripts and manual pages
//! that a package or a user installs.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Every subcommand of `iampol`.
const SUBCOMMANDS: &[&str] = &[
    "lint",
    "eval",
    "can",
    "check",
    "diff",
    "generate",
    "paths",
    "tighten",
    "expand",
    "who-can",
    "what-can",
    "report",
    "rules",
    "rule",
    "completions",
    "man",
];
/// Subcommands of subcommands, as their man pages name them.
const NESTED: &[&str] = &[
    "check-no-new-access",
    "check-access-not-granted",
    "check-no-public-access",
];

fn iampol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The words of a text: runs of letters, digits, `-` and `_`.
fn words(text: &str) -> BTreeSet<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iampol-man-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn each_shell_gets_a_script_that_names_every_subcommand() {
    // (shell, how the shell registers a completion for the command `iampol` and how it names a
    // long option, per its manual)
    let shells = [
        ("bash", "complete -F _iampol", "--fail-on"),
        ("zsh", "#compdef iampol", "--fail-on"),
        ("fish", "complete -c iampol", "-l fail-on"),
        (
            "powershell",
            "Register-ArgumentCompleter -Native -CommandName 'iampol'",
            "'--fail-on'",
        ),
    ];
    for (shell, registration, fail_on) in shells {
        let out = iampol(&["completions", shell]);
        let script = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(script.contains(registration), "{shell}:\n{script}");
        let words = words(&script);
        for sub in SUBCOMMANDS {
            assert!(words.contains(sub), "{shell}: no subcommand `{sub}`");
        }
        // Options of a subcommand are completed too.
        assert!(script.contains(fail_on), "{shell}: no `{fail_on}`");
    }
}

#[test]
fn bash_completes_subcommands_and_their_options() {
    let script = iampol(&["completions", "bash"]).stdout;
    let dir = scratch("bash");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("iampol.bash");
    std::fs::write(&path, script).unwrap();
    // What bash's programmable completion does on <Tab>: it calls the function that
    // `complete -F` registered with COMP_WORDS/COMP_CWORD set, and offers COMPREPLY.
    let complete = |line: &[&str]| -> BTreeSet<String> {
        let words: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
        let program = format!(
            "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; \
             func=$(complete -p iampol | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p'); \
             \"$func\" iampol '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display(),
            words.join(" "),
            line.len() - 1,
            line.join(" "),
            line[line.len() - 1],
            line[line.len() - 2],
        );
        let out = Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &program])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let all = complete(&["iampol", ""]);
    for sub in SUBCOMMANDS {
        assert!(
            all.contains(*sub),
            "`iampol <Tab>` offers no `{sub}`: {all:?}"
        );
    }
    let li = complete(&["iampol", "li"]);
    assert_eq!(li, BTreeSet::from(["lint".to_owned()]));
    let fail = complete(&["iampol", "lint", "--fail-o"]);
    assert_eq!(fail, BTreeSet::from(["--fail-on".to_owned()]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = iampol(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    // The message lists the shells there are scripts for.
    let stderr = String::from_utf8_lossy(&out.stderr);
    for shell in ["bash", "zsh", "fish", "powershell"] {
        assert!(stderr.contains(shell), "{stderr}");
    }
}

#[test]
fn the_man_page_has_a_title_and_lists_the_subcommands() {
    let out = iampol(&["man"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = String::from_utf8(out.stdout).unwrap();
    // man(7): the title line names the page and its section (1, user commands).
    assert!(
        page.lines().any(|l| l.starts_with(".TH iampol 1 ")),
        "{page}"
    );
    assert!(page.lines().any(|l| l == ".SH SUBCOMMANDS"), "{page}");
    for sub in SUBCOMMANDS {
        // In roff, `-` is written `\-`; each subcommand is named with its own page.
        assert!(
            page.contains(&format!("iampol\\-{}(1)", sub.replace('-', "\\-"))),
            "no `{sub}`:\n{page}"
        );
    }
    assert!(!page.contains("iampol\\-help"), "{page}");
}

#[test]
fn man_out_writes_one_page_per_command() {
    let dir = scratch("out");
    let out = iampol(&["man", "--out", dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut expected: Vec<String> = SUBCOMMANDS
        .iter()
        .chain(NESTED)
        .map(|s| format!("iampol-{s}.1"))
        .chain(["iampol.1".to_owned()])
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    let lint = std::fs::read_to_string(dir.join("iampol-lint.1")).unwrap();
    assert!(
        lint.lines().any(|l| l.starts_with(".TH iampol-lint 1 ")),
        "{lint}"
    );
    assert!(lint.contains("\\-\\-fail\\-on"), "{lint}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn man_out_into_a_file_is_refused_with_its_name() {
    let dir = scratch("file");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("not-a-directory");
    std::fs::write(&file, "").unwrap();
    let out = iampol(&["man", "--out", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not-a-directory"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
