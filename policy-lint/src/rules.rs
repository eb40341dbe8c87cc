//! Every rule, one file each, by category.

pub mod correctness;
pub mod security;
pub mod suggestion;
pub mod suspicious;
pub(crate) mod util;
