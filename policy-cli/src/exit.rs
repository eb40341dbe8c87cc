//! One exit status for every subcommand.

/// How a run ended. 0 clean or allowed; 1 findings or denied; 2 could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum ExitStatus {
    /// No findings at or above `--fail-on` (or the request is allowed).
    Success = 0,
    /// Findings at or above `--fail-on` (or the request is denied).
    Failure = 1,
    /// Could not run: unreadable input, bad usage, I/O error.
    Error = 2,
}
