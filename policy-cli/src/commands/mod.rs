//! One module per subcommand.

pub mod can;
pub mod eval;
pub mod expand;
pub mod generate;
pub mod lint;
pub mod rules;
pub mod tighten;
