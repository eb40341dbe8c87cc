//! One module per subcommand.

pub mod can;
pub mod check;
pub mod completions;
pub mod diff;
pub mod eval;
pub mod expand;
pub mod generate;
pub mod lint;
pub mod man;
pub mod paths;
pub mod report;
pub mod rules;
pub mod tighten;
pub mod what_can;
pub mod who_can;
