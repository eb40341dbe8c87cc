//! Helpers shared by the CLI tests.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the `iampol` binary in the repository's root, without colour.
pub fn iampol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iampol"))
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}
