//! `iampol completions SHELL`: a shell completion script on standard output.

use std::io::Write;

use clap_complete::Shell;

use crate::exit::ExitStatus;

/// `iampol completions`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Install, for example:
  bash:        iampol completions bash > ~/.local/share/bash-completion/completions/iampol
  zsh:         iampol completions zsh > \"${fpath[1]}/_iampol\"
  fish:        iampol completions fish > ~/.config/fish/completions/iampol.fish
  powershell:  iampol completions powershell | Out-String | Invoke-Expression")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Runs `iampol completions`.
pub fn run(args: &CompletionsArgs) -> ExitStatus {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut crate::command(), "iampol", &mut script);
    let mut out = std::io::stdout().lock();
    if out.write_all(&script).and_then(|()| out.flush()).is_err() {
        return ExitStatus::Error;
    }
    ExitStatus::Success
}
