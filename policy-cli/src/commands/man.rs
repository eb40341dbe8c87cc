//! `iampol man`: the manual page (roff) on standard output, or with `--out DIR` one page per
//! command written to `DIR` (`iampol.1`, `iampol-lint.1`, ...).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap_mangen::Man;

use crate::exit::ExitStatus;

/// `iampol man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write `iampol.1` and one page per subcommand (`iampol-lint.1`, ...) into this directory
    /// (made if missing) instead of printing `iampol.1`.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Runs `iampol man`.
pub fn run(args: &ManArgs) -> ExitStatus {
    let command = crate::command().disable_help_subcommand(true);
    match &args.out {
        None => {
            let mut page = Vec::new();
            if Man::new(command).render(&mut page).is_err() {
                return ExitStatus::Error;
            }
            let mut out = std::io::stdout().lock();
            if out.write_all(&page).and_then(|()| out.flush()).is_err() {
                return ExitStatus::Error;
            }
            ExitStatus::Success
        }
        Some(dir) => match write_pages(command, dir) {
            Ok(()) => ExitStatus::Success,
            Err(message) => {
                eprintln!("error: {message}");
                ExitStatus::Error
            }
        },
    }
}

/// Writes the page of `command` and of each of its subcommands (recursively) into `dir`.
fn write_pages(mut command: clap::Command, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot make directory `{}`: {e}", dir.display()))?;
    // Names the subcommands' pages `iampol-lint` (their display names).
    command.build();
    let mut pending = vec![command];
    while let Some(command) = pending.pop() {
        pending.extend(
            command
                .get_subcommands()
                .filter(|c| !c.is_hide_set())
                .cloned(),
        );
        let man = Man::new(command);
        let path = dir.join(man.get_filename());
        let mut page = Vec::new();
        man.render(&mut page)
            .and_then(|()| std::fs::write(&path, &page))
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
}
