//! What the framework and the rules share, below both: the rules depend on these modules and
//! on [`crate::facts`], never the other way round.

pub(crate) mod action_format;
pub(crate) mod matching;
pub(crate) mod privesc;
pub(crate) mod proof;
pub(crate) mod resource_types;
pub(crate) mod resources;
pub(crate) mod sdk_index;
pub(crate) mod sensitive;
pub(crate) mod story;
