//! One module per subcommand.

pub mod expand;
pub mod lint;
pub mod rules;
