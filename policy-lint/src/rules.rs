//! Every rule, one file each, by category.

pub mod correctness;
pub(crate) mod util;
